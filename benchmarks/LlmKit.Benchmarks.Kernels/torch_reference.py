"""PyTorch reference for the CUDA bench: float16 matrix on the device, matmul + topk, same shapes.

Usage: python3 torch_reference.py [rows=10000000] [dims=768] [k=10] [batch=1024]
"""
import sys
import time

import torch

rows, dims, k, batch = (list(map(int, sys.argv[1:5])) + [10_000_000, 768, 10, 1024][len(sys.argv) - 1:])[:4]
device = torch.device("cuda")
print(f"# PyTorch {torch.__version__} {torch.cuda.get_device_name(0)} rows={rows} dims={dims} k={k} batch={batch} float16")
x = torch.nn.functional.normalize(torch.rand(rows, dims, device=device, dtype=torch.float16) * 2 - 1, dim=1)
q = torch.nn.functional.normalize(torch.rand(batch, dims, device=device, dtype=torch.float16) * 2 - 1, dim=1)


def timed(fn, repeats):
    fn()
    torch.cuda.synchronize()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        torch.cuda.synchronize()
        times.append((time.perf_counter() - start) * 1000)
    return sorted(times)[len(times) // 2]


single = timed(lambda: torch.topk(x @ q[:1].T, k, dim=0), 20)
print(f"torch single query: {single:.2f} ms ({rows * dims * 2 / single / 1e6:.0f} GB/s of matrix read)")


def batch_topk(chunk=1_000_000):
    # A 1024 x 10M score matrix would not fit; score a slab of rows at a time and merge the per-slab top-k.
    best_scores, best_rows = [], []
    for start in range(0, rows, chunk):
        scores, idx = torch.topk(q @ x[start:start + chunk].T, k, dim=1)
        best_scores.append(scores)
        best_rows.append(idx + start)
    scores, pick = torch.topk(torch.cat(best_scores, dim=1), k, dim=1)
    return scores, torch.gather(torch.cat(best_rows, dim=1), 1, pick)


print(f"torch batch of {batch}: {timed(batch_topk, 5):.1f} ms")
