"""FAISS IndexFlatIP on the data the .NET bench wrote: same rows, same queries, same k, 1 and 2 threads.

Usage: /usr/bin/python3 faiss_reference.py DATA_DIR ROWS DIMS K BATCH REPEATS
Prints timings in the bench's format and the agreement of FAISS's top-k with LlmKit's exact float32 top-k.
"""
import os
import sys
import time

import numpy as np
import faiss

data_dir, rows, dims, k, batch, repeats = sys.argv[1], *map(int, sys.argv[2:7])
xb = np.fromfile(os.path.join(data_dir, "data.f32"), dtype=np.float32).reshape(rows, dims)
xq = np.fromfile(os.path.join(data_dir, "queries.f32"), dtype=np.float32).reshape(batch, dims)
print(f"# FAISS {faiss.__version__} IndexFlatIP rows={rows} dims={dims} k={k} batch={batch} "
      f"OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', '(unset)')} blas={faiss.get_compile_options()}")
print(f"# load average at start: {open('/proc/loadavg').read().strip()}")
index = faiss.IndexFlatIP(dims)
index.add(xb)

ours = [list(map(int, line.split())) for line in open(os.path.join(data_dir, "llmkit_top.txt"))]


def median(values):
    values = sorted(values)
    return values[len(values) // 2]


for threads in (1, 2):
    faiss.omp_set_num_threads(threads)
    index.search(xq[:1], k)
    times, cpus = [], []
    for r in range(repeats):
        q = r % batch
        start, cpu = time.perf_counter(), time.process_time()
        index.search(xq[q:q + 1], k)
        times.append((time.perf_counter() - start) * 1000)
        cpus.append((time.process_time() - cpu) * 1000)
    print(f"FAISS    single query, {threads} thread(s): {median(times):8.1f} ms wall {median(cpus):8.1f} ms cpu")
    times, cpus = [], []
    for r in range(3):
        start, cpu = time.perf_counter(), time.process_time()
        _, found = index.search(xq, k)
        times.append((time.perf_counter() - start) * 1000)
        cpus.append((time.process_time() - cpu) * 1000)
    ms = median(times)
    agree = sum(len(set(found[q]) & set(ours[q])) for q in range(batch)) / (batch * k)
    print(f"FAISS    batch of {batch}, {threads} thread(s): {ms:8.1f} ms wall {median(cpus):8.1f} ms cpu  ({2.0 * rows * dims * batch / ms / 1e6:.0f} GFLOP/s)"
          f"  top-{k} agreement with LlmKit float32: {agree:.4f}")
print(f"# load average at end: {open('/proc/loadavg').read().strip()}")
