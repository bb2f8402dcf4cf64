// Similarity top-k kernels for LlmKit.Kernels' CUDA backend, compiled to PTX for compute capability 8.0 by
// ../build-ptx.sh (nvcc, or clang when no CUDA toolkit is installed; hence no CUDA headers are included).
//
// Layout: the matrix is row-major on the device (float or half), with each row's squared norm alongside.
// A block scores a tile of QT queries against a contiguous range of rows, PASS rows at a time: each warp takes a row,
// its lanes stride over the dimensions (coalesced loads), and a warp shuffle sums the QT partial dots. Scores go to
// shared memory, the block keeps its running top-k per query there, and k rounds of block-wide arg-max select the
// next top-k from (PASS new scores + k kept) — no full sort, nothing but the kept k leaves the block.
// A second kernel merges the per-block winners of each query the same way.
//
// Ranking key: higher is better (L2 keys are negated squared distances). Ties go to the lower row. Empty slots carry
// row -1 and lose to every real row.

#if defined(__clang__) && !defined(__NVCC__)
#include <__clang_cuda_builtin_vars.h>
#define __global__ __attribute__((global))
#define __device__ __attribute__((device))
#define __shared__ __attribute__((shared))
#define __forceinline__ __attribute__((always_inline))
typedef unsigned short half_t;
#define LLMKIT_NEG_INF (-__builtin_inff())
#define LLMKIT_SQRT(x) __builtin_sqrtf(x)
static __device__ __forceinline__ float half_to_float(half_t h)
{
    float r;
    asm("cvt.f32.f16 %0, %1;" : "=f"(r) : "h"(h));
    return r;
}
static __device__ __forceinline__ float shfl_xor(float v, int m)
{
    float r;
    asm volatile("shfl.sync.bfly.b32 %0, %1, %2, 0x1f, 0xffffffff;" : "=f"(r) : "f"(v), "r"(m));
    return r;
}
static __device__ __forceinline__ int shfl_xor_int(int v, int m)
{
    int r;
    asm volatile("shfl.sync.bfly.b32 %0, %1, %2, 0x1f, 0xffffffff;" : "=r"(r) : "r"(v), "r"(m));
    return r;
}
#else
#include <cuda_fp16.h>
typedef __half half_t;
#define LLMKIT_NEG_INF (-__int_as_float(0x7f800000))
#define LLMKIT_SQRT(x) sqrtf(x)
static __device__ __forceinline__ float half_to_float(half_t h) { return __half2float(h); }
static __device__ __forceinline__ float shfl_xor(float v, int m) { return __shfl_xor_sync(0xffffffffu, v, m); }
static __device__ __forceinline__ int shfl_xor_int(int v, int m) { return __shfl_xor_sync(0xffffffffu, v, m); }
#endif

#define THREADS 256
#define WARPS (THREADS / 32)
#define QT 8
#define PASS 256
#define MAX_K 256

// Metrics, matching LlmKit.Kernels.SimilarityMetric.
#define METRIC_DOT 0
#define METRIC_COSINE 1
#define METRIC_L2 2

static __device__ __forceinline__ bool better(float key, int row, float other_key, int other_row)
{
    if (row < 0) return false;
    if (other_row < 0) return true;
    return key > other_key || (key == other_key && row < other_row);
}

static __device__ __forceinline__ float to_key(int metric, float dot, float row_sq, float query_sq, float query_inv)
{
    if (metric == METRIC_DOT) return dot;
    if (metric == METRIC_COSINE) return row_sq > 0.0f ? dot * (1.0f / LLMKIT_SQRT(row_sq)) * query_inv : 0.0f;
    float d = row_sq - 2.0f * dot + query_sq;
    return -(d > 0.0f ? d : 0.0f);
}

// Block-wide: selects the best `k` (key, row) pairs among `n` entries in shared memory, writing them best first to
// out_keys/out_rows (shared or global) and marking each winner taken (row = -1).
static __device__ void select_top_k(float* keys, int* rows, int n, int k, float* out_keys, int* out_rows,
                                    float* red_keys, int* red_rows, int* red_index)
{
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    for (int round = 0; round < k; round++)
    {
        float best_key = LLMKIT_NEG_INF;
        int best_row = -1, best_index = -1;
        for (int i = threadIdx.x; i < n; i += THREADS)
        {
            if (better(keys[i], rows[i], best_key, best_row)) { best_key = keys[i]; best_row = rows[i]; best_index = i; }
        }
        for (int m = 16; m > 0; m >>= 1)
        {
            float other_key = shfl_xor(best_key, m);
            int other_row = shfl_xor_int(best_row, m);
            int other_index = shfl_xor_int(best_index, m);
            if (better(other_key, other_row, best_key, best_row)) { best_key = other_key; best_row = other_row; best_index = other_index; }
        }
        if (lane == 0) { red_keys[warp] = best_key; red_rows[warp] = best_row; red_index[warp] = best_index; }
        __syncthreads();
        if (threadIdx.x == 0)
        {
            float k0 = red_keys[0]; int r0 = red_rows[0]; int i0 = red_index[0];
            for (int w = 1; w < WARPS; w++)
            {
                if (better(red_keys[w], red_rows[w], k0, r0)) { k0 = red_keys[w]; r0 = red_rows[w]; i0 = red_index[w]; }
            }
            out_keys[round] = k0;
            out_rows[round] = r0;
            if (i0 >= 0) rows[i0] = -1;
        }
        __syncthreads();
    }
}

template <typename T>
static __device__ __forceinline__ float load_value(const T* p);
template <>
__device__ __forceinline__ float load_value<float>(const float* p) { return *p; }
template <>
__device__ __forceinline__ float load_value<half_t>(const half_t* p) { return half_to_float(*p); }

// grid: (row ranges, query tiles). Output: for query q and range b, k slots at ((q * gridDim.x) + b) * k.
template <typename T>
static __device__ void score_topk(const T* matrix, const float* row_sq, int rows, int dims,
                                  const float* queries, const float* query_sq, const float* query_inv, int query_count,
                                  const unsigned* filter, int filter_rows, int metric, int k, int rows_per_block,
                                  float* out_keys, int* out_rows)
{
    __shared__ float keys[QT][PASS + MAX_K];
    __shared__ int ids[QT][PASS + MAX_K];
    __shared__ float red_keys[WARPS];
    __shared__ int red_rows[WARPS];
    __shared__ int red_index[WARPS];
    __shared__ int improved[QT];

    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    int q0 = blockIdx.y * QT;
    int row_begin = blockIdx.x * rows_per_block;
    int row_end = rows < row_begin + rows_per_block ? rows : row_begin + rows_per_block;

    // Kept top-k slots live after the PASS scratch entries; start empty.
    for (int i = threadIdx.x; i < QT * k; i += THREADS) { ids[i / k][PASS + (i % k)] = -1; keys[i / k][PASS + (i % k)] = LLMKIT_NEG_INF; }
    if (threadIdx.x < QT) improved[threadIdx.x] = 0;
    __syncthreads();

    for (int pass = row_begin; pass < row_end; pass += PASS)
    {
        for (int local = warp; local < PASS; local += WARPS)
        {
            int row = pass + local;
            float acc[QT];
            for (int j = 0; j < QT; j++) acc[j] = 0.0f;
            if (row < row_end)
            {
                const T* x = matrix + (long long)row * dims;
                for (int d = lane; d < dims; d += 32)
                {
                    float v = load_value<T>(x + d);
                    for (int j = 0; j < QT; j++)
                    {
                        if (q0 + j < query_count) acc[j] += v * queries[(long long)(q0 + j) * dims + d];
                    }
                }
            }
            for (int j = 0; j < QT; j++)
            {
                for (int m = 16; m > 0; m >>= 1) acc[j] += shfl_xor(acc[j], m);
            }
            if (lane == 0)
            {
                bool allowed = row < row_end &&
                    (filter == 0 || (row < filter_rows && ((filter[row >> 5] >> (row & 31)) & 1u)));
                for (int j = 0; j < QT; j++)
                {
                    int q = q0 + j;
                    bool ok = allowed && q < query_count;
                    float key = ok ? to_key(metric, acc[j], row_sq[row], query_sq[q], query_inv[q]) : LLMKIT_NEG_INF;
                    bool is_nan = key != key;
                    int id = ok && !is_nan ? row : -1;
                    keys[j][local] = key;
                    ids[j][local] = id;
                    // The kept set is sorted best first, so its last slot is the bar a new row must clear.
                    if (better(key, id, keys[j][PASS + k - 1], ids[j][PASS + k - 1])) improved[j] = 1;
                }
            }
        }
        __syncthreads();

        // Select the new top-k from (this pass + kept) into a scratch copy, then make it the kept set. Most passes
        // of a long scan hold no row better than the kept k-th, and skip the selection entirely.
        for (int j = 0; j < QT && q0 + j < query_count; j++)
        {
            if (!improved[j]) continue;
            __shared__ float next_keys[MAX_K];
            __shared__ int next_rows[MAX_K];
            select_top_k(keys[j], ids[j], PASS + k, k, next_keys, next_rows, red_keys, red_rows, red_index);
            for (int i = threadIdx.x; i < k; i += THREADS) { keys[j][PASS + i] = next_keys[i]; ids[j][PASS + i] = next_rows[i]; }
            __syncthreads();
        }
        if (threadIdx.x < QT) improved[threadIdx.x] = 0;
        __syncthreads();
    }

    for (int j = 0; j < QT && q0 + j < query_count; j++)
    {
        long long base = ((long long)(q0 + j) * gridDim.x + blockIdx.x) * k;
        for (int i = threadIdx.x; i < k; i += THREADS)
        {
            out_keys[base + i] = keys[j][PASS + i];
            out_rows[base + i] = ids[j][PASS + i];
        }
    }
}

extern "C" __global__ void llmkit_score_topk_f32(const float* matrix, const float* row_sq, int rows, int dims,
    const float* queries, const float* query_sq, const float* query_inv, int query_count,
    const unsigned* filter, int filter_rows, int metric, int k, int rows_per_block, float* out_keys, int* out_rows)
{
    score_topk<float>(matrix, row_sq, rows, dims, queries, query_sq, query_inv, query_count, filter, filter_rows,
                      metric, k, rows_per_block, out_keys, out_rows);
}

extern "C" __global__ void llmkit_score_topk_f16(const half_t* matrix, const float* row_sq, int rows, int dims,
    const float* queries, const float* query_sq, const float* query_inv, int query_count,
    const unsigned* filter, int filter_rows, int metric, int k, int rows_per_block, float* out_keys, int* out_rows)
{
    score_topk<half_t>(matrix, row_sq, rows, dims, queries, query_sq, query_inv, query_count, filter, filter_rows,
                       metric, k, rows_per_block, out_keys, out_rows);
}

// grid: one block per query. Merges `lists` lists of k candidates (in place) into the final top-k.
extern "C" __global__ void llmkit_merge_topk(float* keys, int* rows, int lists, int k, float* out_keys, int* out_rows)
{
    __shared__ float red_keys[WARPS];
    __shared__ int red_rows[WARPS];
    __shared__ int red_index[WARPS];
    long long base = (long long)blockIdx.x * lists * k;
    select_top_k(keys + base, rows + base, lists * k, k, out_keys + (long long)blockIdx.x * k,
                 out_rows + (long long)blockIdx.x * k, red_keys, red_rows, red_index);
}
