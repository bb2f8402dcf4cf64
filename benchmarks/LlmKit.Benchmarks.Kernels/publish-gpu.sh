#!/usr/bin/env bash
# Publishes the kernel bench self-contained for linux-x64, for a GPU machine that has an NVIDIA driver but no .NET.
# There: ./LlmKit.Benchmarks.Kernels verify-gpu   (CUDA results equal the CPU backend's; exit code 0)
#        ./LlmKit.Benchmarks.Kernels gpu 10000000 768 10 1024   and   python3 torch_reference.py 10000000 768 10 1024
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${1:-artifacts/kernels-gpu}
dotnet publish benchmarks/LlmKit.Benchmarks.Kernels -c Release -r linux-x64 --self-contained -o "$out" --nologo
echo "published to $out"
