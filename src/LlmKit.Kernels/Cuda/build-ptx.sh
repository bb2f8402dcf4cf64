#!/usr/bin/env bash
# Rebuilds Cuda/ptx/*.ptx from Cuda/kernels/*.cu for compute capability 8.0 (the driver JIT-compiles PTX for newer
# GPUs). Uses nvcc when a CUDA toolkit is installed, otherwise clang (Debian's `clang` package emits PTX without any
# CUDA headers). The PTX is checked in, so building the package needs neither.
set -euo pipefail
cd "$(dirname "$0")"
mkdir -p ptx
for source in kernels/*.cu; do
  name=$(basename "$source" .cu)
  if command -v nvcc >/dev/null; then
    nvcc -ptx -arch=compute_80 -O3 -o "ptx/$name.ptx" "$source"
  else
    clang=$(command -v clang || command -v clang-18 || command -v clang-16 || command -v clang-15 || command -v clang-14 || true)
    [ -n "$clang" ] || { echo "neither nvcc nor clang found: apt-get install clang" >&2; exit 1; }
    "$clang" -x cuda --cuda-device-only --cuda-gpu-arch=sm_80 -nocudainc -nocudalib -O3 -S -o "ptx/$name.ptx" "$source"
  fi
  echo "built ptx/$name.ptx"
done
