// CKernels: the few hot loops of OmniBark's quantized linear layers, in C with x86 intrinsics,
// plus a small persistent thread pool. Every SIMD function is compiled with a per-function
// `target` attribute, so this file set builds without -mavx2/-mavx512 and the binary runs on
// any x86-64 (or non-x86) machine; `ck_path_supported` says which paths this CPU can run.
//
// Layouts (all row-major, one row per output feature, `n` rows of `k` inputs):
//  - bf16: `uint16_t w[n * k]`, the top 16 bits of the f32 weight, round-to-nearest-even.
//  - int8: `int8_t w[n * k]`, symmetric per row: weight ≈ scale[row] * w.
//  - q4:   groups of 32 inputs; row stride `ck_q4_row_bytes(k)` bytes = ceil(k/32) groups of 16
//          bytes. Byte i of a group holds element i (low nibble) and element i + 16 (high nibble),
//          both stored as value + 8 (value in -8…7); weight ≈ scales[row * groups + g] * value.
//          A partial last group is padded with value 0.
#ifndef CKERNELS_H
#define CKERNELS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Kernel paths. Higher is faster where supported.
typedef enum {
    CK_PATH_PORTABLE = 0,  ///< plain C, any CPU
    CK_PATH_AVX2 = 1,      ///< AVX2 + FMA
    CK_PATH_AVX512 = 2     ///< AVX-512 F/BW/VL (+ BF16 dot products when the CPU has them)
} ck_path;

/// CPU feature bits found by cpuid/xgetbv (OS support for the register state included).
typedef struct {
    int avx2, fma, f16c, avx512f, avx512bw, avx512vl, avx512vnni, avx512bf16;
} ck_cpu_features;

ck_cpu_features ck_cpu_detect(void);
/// 1 when `path` can run on this CPU.
int ck_path_supported(int path);
/// The fastest supported path.
int ck_best_path(void);

// MARK: - Thread pool

/// A persistent pool of `threads - 1` worker threads plus the calling thread. Workers spin for a
/// short while after each job, then sleep on a condition variable.
typedef struct ck_pool ck_pool;
typedef void (*ck_task_fn)(void *context, int index);

/// `threads` ≥ 1 (1: no workers, everything runs on the caller). `spin_us`: how long an idle
/// worker spins before sleeping. `back_off`: nonzero to run jobs on the caller alone for a while
/// when preempted workers keep it waiting (see pool.c). Returns NULL if threads cannot be created.
ck_pool *ck_pool_create(int threads, int spin_us, int back_off);
void ck_pool_destroy(ck_pool *pool);
int ck_pool_threads(const ck_pool *pool);
/// Runs `fn(context, i)` for every i in 0..<count across the pool and the caller; returns when all
/// are done. Safe to call from several threads: a caller that finds the pool busy runs its job
/// alone on its own thread. `pool` may be NULL (runs serially).
void ck_pool_run(ck_pool *pool, ck_task_fn fn, void *context, int count);
/// How often the pool gave up on a preempted worker (`backoffs`: the caller waited for stragglers a
/// quarter or more of its job time and ran jobs alone for a while), jobs run on the caller alone
/// because of that (`inline_jobs`), and jobs shared with the workers (`parallel_jobs`). Counters
/// since creation; readable from any thread. NULL pool: all 0.
void ck_pool_contention(const ck_pool *pool, uint64_t *backoffs, uint64_t *inline_jobs, uint64_t *parallel_jobs);

// MARK: - Conversion and quantization (portable, run once at load time)

size_t ck_q4_row_bytes(int k);
int ck_q4_groups(int k);
/// f32 → bf16, round to nearest even (NaN stays NaN).
void ck_f32_to_bf16(const float *src, uint16_t *dst, size_t count);
void ck_bf16_to_f32(const uint16_t *src, float *dst, size_t count);
/// Per-row symmetric int8: scale[r] = max|w[r]| / 127.
void ck_quantize_int8(const float *w, int n, int k, int8_t *q, float *scales);
/// Group-wise 4-bit, group 32: scale = max|w| / 8 with the sign of the extreme value (so the
/// extreme maps to -8 exactly), value = round(w / scale) clamped to -8…7.
void ck_quantize_q4(const float *w, int n, int k, uint8_t *q, float *scales);

/// Dequantize rows [row0, row0 + rows) into `out[rows * k]` (f32), split over `pool` (may be
/// NULL); used for GEMM panels. Exactly the values the GEMV kernels multiply by.
void ck_dequantize_bf16(ck_pool *pool, const uint16_t *w, int k, int row0, int rows, float *out);
void ck_dequantize_int8(ck_pool *pool, const int8_t *w, const float *scales, int k, int row0, int rows, float *out);
void ck_dequantize_q4(ck_pool *pool, const uint8_t *w, const float *scales, int k, int row0, int rows, float *out);

// MARK: - GEMV: y[n] = W[n, k] · x[k] (+ bias) (+ y if accumulate), split by output rows over `pool`

void ck_gemv_bf16(int path, ck_pool *pool, const uint16_t *w, int n, int k,
                  const float *x, const float *bias, float *y, int accumulate);
void ck_gemv_int8(int path, ck_pool *pool, const int8_t *w, const float *scales, int n, int k,
                  const float *x, const float *bias, float *y, int accumulate);
/// q4 quantizes x per group of 32 (int8, scale max|x_group| / 127, as the int8 GEMV's rule) and
/// sums exact int32 group products scaled by weight × activation scale (Q4_0 × Q8_0).
void ck_gemv_q4(int path, ck_pool *pool, const uint8_t *w, const float *scales, int n, int k,
                const float *x, const float *bias, float *y, int accumulate);

// MARK: - Int8 GEMM (prefill): y[m, n] = x[m, k] · (scales ⊙ w)ᵀ (+ bias) (+ y if accumulate)
//
// Packed weight layout (`ck_gemm_int8_pack`, built once at load time): panels of 16 output rows
// (columns of y), then k in pairs: byte ((panel · kp + p) · 16 + j) · 2 + e holds
// w[panel · 16 + j, 2p + e], with kp = ceil(k / 2); rows past n and the odd k pad are 0.
// Activations are quantized per row of x to int8 (scale max|x_row| / 127, round to nearest even)
// and the dot products are exact in int32; see gemm_int8.c.

/// Bytes of the packed copy of an n × k int8 matrix: ceil(n / 16) · ceil(k / 2) · 32.
size_t ck_gemm_int8_packed_bytes(int n, int k);
/// Packs row-major `w[n * k]` into `packed[ck_gemm_int8_packed_bytes(n, k)]` (portable).
void ck_gemm_int8_pack(const int8_t *w, int n, int k, int8_t *packed);
/// `y[m, n]` (row-major, row stride n) = x[m, k] · (scales ⊙ w)ᵀ (+ bias[n] when not NULL)
/// (+ the old y when `accumulate`), with `packed` from `ck_gemm_int8_pack` and `scales[n]` the
/// per-row weight scales. Split over `pool` (may be NULL) by blocks of rows × columns; small
/// products run on the caller. Allocates one buffer of ceil(m / 6) · 6 · ceil(k / 2) · 4 bytes
/// for the quantized activations. Every path gives bit-identical results (the AVX-512 path runs
/// a VNNI tile kernel where the CPU has AVX512_VNNI, else the AVX2 code).
void ck_gemm_int8(int path, ck_pool *pool, const float *x, int m, int k, const int8_t *packed,
                  const float *scales, int n, const float *bias, float *y, int accumulate);

// MARK: - Row operations of the transformer blocks, split over `pool` (may be NULL)
//
// Portable and AVX2 paths (the AVX-512 path runs the AVX2 code). Work below a few thousand
// elements runs on the caller without waking the pool.

/// Softmax in place of `rows` rows of `width` floats, row r starting at `x + r * stride`. With
/// `causal_past` ≥ 0, row r covers only its first min(width, causal_past + r + 1) entries (Bark's
/// bottom-right causal mask) and the rest of the row is set to 0. exp: libm (portable) or a
/// Cephes-style polynomial within 2 ulp (AVX2).
void ck_softmax_rows(int path, ck_pool *pool, float *x, int rows, int width, int stride, int causal_past);

/// Exact (erf) GELU in place: x · ½ · (1 + erf(x / √2)), erf by Abramowitz–Stegun 7.1.26 (absolute
/// error ≤ 1.5e-7, the formula PyTorch's vectorised CPU kernel uses).
void ck_gelu(int path, ck_pool *pool, float *x, size_t count);

/// ELU in place: x where x > 0, else alpha · expm1(x) (`nn.ELU(alpha)`). expm1: libm (portable),
/// or within a few ulp of it (AVX2: its Taylor series near 0, the exp polynomial further out).
void ck_elu(int path, ck_pool *pool, float *x, size_t count, float alpha);

/// LayerNorm of `rows` rows of `width`: y = (x − mean) / √(var + eps) · w (+ b), mean and (biased)
/// variance accumulated in double. `b` may be NULL. `x` and `y` must not overlap.
void ck_layer_norm(int path, ck_pool *pool, const float *x, float *y, int rows, int width,
                   const float *w, const float *b, float eps);

/// Attention of one query row over `keys` positions, every head (split over `pool` by head):
/// head h reads q[h·d ..< (h+1)·d], its keys/values at `k + h·head_stride + j·key_stride` (j < keys),
/// and writes `out[h·d ..< (h+1)·d]` = softmax(scale · q·Kᵀ) · V. `scores` holds heads × keys floats.
void ck_attend_one(int path, ck_pool *pool, const float *q, const float *k, const float *v, int key_stride,
                   size_t head_stride, int keys, int hidden, int heads, float scale, float *scores, float *out);

// MARK: - Allocator

/// Blocks up to `mmap_threshold` bytes come from the heap instead of fresh kernel pages, and up to
/// `trim_threshold` bytes of free heap are kept (glibc `mallopt`); returns 1 when both were set,
/// 0 where the C library has no such settings.
int ck_keep_large_allocations(int mmap_threshold, int trim_threshold);

// MARK: - Half-precision KV cache

/// f32 → IEEE binary16, round to nearest even (overflow → ±inf, NaN stays NaN, subnormals kept);
/// f16 → f32 exactly. The F16C path (AVX2 path on CPUs with F16C) gives bit-identical results.
void ck_f32_to_f16(int path, const float *src, uint16_t *dst, size_t count);
void ck_f16_to_f32(int path, const uint16_t *src, float *dst, size_t count);

/// `ck_attend_one` over keys and values stored as binary16 (converted to f32 as they are read;
/// the query, scores and output stay f32).
void ck_attend_one_f16(int path, ck_pool *pool, const float *q, const uint16_t *k, const uint16_t *v, int key_stride,
                       size_t head_stride, int keys, int hidden, int heads, float scale, float *scores, float *out);

#ifdef __cplusplus
}
#endif
#endif
