#!/usr/bin/env bash
# Runs the whole GPU verification and benchmark from the published folder (see README.md) and writes every result under
# $OUT (default ./gpu-results): the GPU status, the GPU-vs-CPU verification, and for 1M x 384 and 10M x 768 float16 the
# LlmKit GPU and CPU timings and PyTorch matmul + topk on the same data, single query and batches of 64 and 1,024.
# Usage: OUT=/some/dir bash run-gpu.sh [quick]     ("quick": 1M x 384 only)
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${OUT:-$here/gpu-results}
mkdir -p "$out"
runner="$here/LlmKit.Benchmarks.Kernels.Gpu"
chmod +x "$runner" 2>/dev/null || true
status=0
{
  echo "# $(date -u +%FT%TZ) $(uname -srm)"
  nvidia-smi --query-gpu=name,memory.total,driver_version,clocks.max.sm,clocks.max.mem --format=csv 2>&1 || echo "no nvidia-smi"
  python3 -c 'import torch; print("torch", torch.__version__, "cuda", torch.version.cuda, torch.cuda.is_available())' 2>&1
  echo "# load average: $(cat /proc/loadavg)"
} | tee "$out/environment.txt"

"$runner" verify 2>&1 | tee "$out/verify.txt" || status=1

shapes=("1000000 384" "10000000 768")
[ "${1:-}" = "quick" ] && shapes=("1000000 384")
for shape in "${shapes[@]}"; do
  set -- $shape
  name="${1}x${2}"
  "$runner" bench "$1" "$2" 10 1,64,1024 "$out/llmkit-top-$name.txt" 2>&1 | tee "$out/bench-llmkit-$name.txt" || status=1
  python3 "$here/torch_reference.py" "$1" "$2" 10 1,64,1024 "$out/llmkit-top-$name.txt" 2>&1 | tee "$out/bench-torch-$name.txt" || status=1
done
echo "exit status $status; results in $out"
exit $status
