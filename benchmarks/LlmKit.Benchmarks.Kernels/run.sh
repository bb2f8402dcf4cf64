#!/usr/bin/env bash
# Runs the LlmKit kernel bench and the FAISS IndexFlatIP reference on the same random normalized data, one after the
# other, and prints both with the configuration and the load average. Needs root for apt (Debian bookworm).
# Usage: benchmarks/LlmKit.Benchmarks.Kernels/run.sh [rows] [dims] [k] [batch] [repeats]
set -euo pipefail
cd "$(dirname "$0")/../.."
rows=${1:-1000000} dims=${2:-384} k=${3:-10} batch=${4:-64} repeats=${5:-20}
data=$(mktemp -d)
trap 'rm -rf "$data"' EXIT

# FAISS links the system BLAS; Debian's reference BLAS is 20-50x slower than OpenBLAS and would flatter us.
if ! /usr/bin/python3 -c 'import faiss, numpy' 2>/dev/null || ! dpkg -s libopenblas0-openmp >/dev/null 2>&1; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-faiss python3-numpy libopenblas0-openmp >/dev/null
fi
# OpenBLAS's runtime detection can miss AVX-512 on AMD; force the SkylakeX kernels only where the CPU has AVX-512.
if grep -q -m1 -w avx512f /proc/cpuinfo; then export OPENBLAS_CORETYPE=SkylakeX; fi
# On a machine shared with other work, spinning OpenMP workers starve each other (a 2-thread batch took 38 s instead
# of under 1 s in a trial run); passive waiting keeps the reference honest there and costs little on an idle machine.
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-PASSIVE}
echo "# OMP_WAIT_POLICY=$OMP_WAIT_POLICY"
echo "# libblas.so.3 -> $(readlink -f /usr/lib/x86_64-linux-gnu/libblas.so.3)"

dotnet build -c Release benchmarks/LlmKit.Benchmarks.Kernels --nologo -v q >/dev/null
dotnet benchmarks/LlmKit.Benchmarks.Kernels/bin/Release/net10.0/LlmKit.Benchmarks.Kernels.dll \
  "$rows" "$dims" "$k" "$batch" "$repeats" "$data"
/usr/bin/python3 benchmarks/LlmKit.Benchmarks.Kernels/faiss_reference.py "$data" "$rows" "$dims" "$k" "$batch" "$repeats"
