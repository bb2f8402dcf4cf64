"""PyTorch reference for the GPU bench: the same float16 data on the device, matmul + topk, same shapes.

Usage: python3 torch_reference.py ROWS DIMS K BATCHES(comma-separated) [LLMKIT_TOP_FILE]
The data is generated on the GPU from the same integer hash as the .NET runner (SharedData.cs), so both score the very
same float16 numbers; with LLMKIT_TOP_FILE it prints the top-k agreement of torch with LlmKit for the largest batch.
"""
import sys
import time

import torch

rows, dims, k = map(int, sys.argv[1:4])
batches = [int(b) for b in sys.argv[4].split(",")]
top_file = sys.argv[5] if len(sys.argv) > 5 else None
device = torch.device("cuda")
MASK = 0xFFFFFFFF


def generate(count, seed, chunk_rows=131072):
    """Values of SharedData.Value for rows [0, count) as a float16 (count, dims) tensor on the device."""
    out = torch.empty((count, dims), dtype=torch.float16, device=device)
    for start in range(0, count, chunk_rows):
        n = min(chunk_rows, count - start)
        idx = torch.arange(start * dims, (start + n) * dims, dtype=torch.int64, device=device)
        h = ((idx & MASK) * 2654435761 + seed * 97531) & MASK
        h ^= h >> 16
        h = (h * 0x85EBCA6B) & MASK
        h ^= h >> 13
        h = (h * 0xC2B2AE35) & MASK
        h ^= h >> 16
        values = (h >> 8).to(torch.float32) * (2.0 / (1 << 24)) - 1.0
        out[start:start + n] = values.view(n, dims).to(torch.float16)
    return out


print(f"# PyTorch {torch.__version__} {torch.cuda.get_device_name(0)} rows={rows} dims={dims} k={k} batches={sys.argv[4]} float16 matmul + topk")
start = time.perf_counter()
x = generate(rows, 1)
q = generate(max(batches), 2)
torch.cuda.synchronize()
print(f"matrix generated on the device: {time.perf_counter() - start:.1f} s")


def topk(queries, chunk=1_000_000):
    # A batch x 10M score matrix may not fit; score a slab of rows at a time and merge the per-slab top-k.
    best_scores, best_rows = [], []
    for begin in range(0, rows, chunk):
        scores, idx = torch.topk(queries @ x[begin:begin + chunk].T, k, dim=1)
        best_scores.append(scores)
        best_rows.append(idx + begin)
    scores, pick = torch.topk(torch.cat(best_scores, dim=1), k, dim=1)
    return scores, torch.gather(torch.cat(best_rows, dim=1), 1, pick)


def timed(fn, repeats):
    fn()
    torch.cuda.synchronize()
    times = []
    for _ in range(repeats):
        begin = time.perf_counter()
        fn()
        torch.cuda.synchronize()
        times.append((time.perf_counter() - begin) * 1000)
    return sorted(times)[len(times) // 2]


found = None
for batch in batches:
    repeats = 20 if batch == 1 else 5 if batch <= 64 else 3
    ms = timed(lambda: topk(q[:batch]), repeats)
    print(f"torch batch {batch:5d}: {ms:9.2f} ms  ({rows * dims * 2 / ms / 1e6:6.0f} GB/s of matrix read, {2.0 * rows * dims * batch / ms / 1e9:7.2f} TFLOP/s)")
    found = topk(q[:batch])[1].cpu().tolist()

if top_file:
    ours = [list(map(int, line.split())) for line in open(top_file)]
    n = min(len(ours), len(found))
    agree = sum(len(set(found[i]) & set(ours[i])) for i in range(n)) / (n * k)
    print(f"top-{k} agreement torch vs LlmKit GPU over {n} queries: {agree:.4f} (float16 sums in different orders can swap near-ties)")
