#!/usr/bin/env bash
# Publishes the GPU runner self-contained for linux-x64 (the GPU machine has no .NET SDK): one compressed executable
# with the .NET runtime inside, plus run-gpu.sh and torch_reference.py, in artifacts/kernels-gpu (or $1).
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${1:-artifacts/kernels-gpu}
rm -rf "$out"
dotnet publish benchmarks/LlmKit.Benchmarks.Kernels.Gpu -c Release -r linux-x64 --self-contained \
  -p:PublishSingleFile=true -p:EnableCompressionInSingleFile=true -p:IncludeNativeLibrariesForSelfExtract=true \
  -o "$out" --nologo -v q
rm -f "$out"/*.pdb
du -sh "$out"
echo "published to $out; run there: OUT=<results dir> bash $out/run-gpu.sh"
