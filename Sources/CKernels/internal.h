// Private to CKernels: the per-path row-range kernels behind ck_gemv_*.
#ifndef CKERNELS_INTERNAL_H
#define CKERNELS_INTERNAL_H
#include "ckernels.h"
#include <math.h>

typedef struct {
    const void *w;          // uint16_t / int8_t / uint8_t weights
    const float *scales;    // int8: [n]; q4: [n * groups]; bf16: NULL
    int n, k;
    const float *x;
    const uint16_t *x_hi;   // bf16 dot-product path only: x split as hi + lo bf16
    const uint16_t *x_lo;
    const int8_t *x_q;      // int8 path: x quantized to -127…127, x ≈ x_scale · x_q;
                            // q4 path: per group of 32, zero-padded to whole groups
    float x_scale;
    const float *x_group_scales;  // q4 path: x ≈ x_group_scales[g] · x_q in group g
    const int32_t *x_group_offsets;  // q4 path: 8 · Σ x_q over group g (the weights' +8 offset)
    const int8_t *x_pairs;  // q4 AVX2 path: x_q per pair of groups (g, g + 1) as x_g[0…15],
                            // x_g+1[0…15], x_g[16…31], x_g+1[16…31]; whole pairs only
    const float *bias;
    float *y;
    int accumulate;
    int chunk;              // rows per task
    void (*rows)(const void *args, int r0, int r1);
} ck_gemv_args;

static inline void ck_store(const ck_gemv_args *a, int r, float v) {
    if (a->bias) v += a->bias[r];
    a->y[r] = a->accumulate ? a->y[r] + v : v;
}

/// The activation rule shared by the int8 GEMV and GEMM: scale = max|x| / 127 (non-finite when
/// any x is NaN or ±inf, so the outputs become NaN as in f32), `*inv` = 127 / max|x| (0 for a row
/// of zeros or a non-finite row, so every q is 0).
float ck_activation_scale(const float *x, int k, float *inv);

/// ck_activation_scale's rule from the largest sign-cleared bit pattern of the values.
float ck_scale_from_max_bits(uint32_t bits, float *inv);

/// x · inv rounded to nearest even and clamped to -127…127.
static inline int ck_round_activation(float x, float inv) {
    float v = nearbyintf(x * inv);
    return (int)(v > 127 ? 127 : v < -127 ? -127 : v);
}

/// Quantizes x[k] to q (see ck_activation_scale) for the int8 GEMV; returns the scale.
float ck_quantize_activations(const float *x, int k, int8_t *q);

/// Quantizes x[k] per group of 32 (the q4 weight groups) to q[ck_q4_groups(k) · 32], each group
/// by the rule of ck_activation_scale, scales[g] its scale; the last group's padding is 0.
void ck_quantize_activation_groups(const float *x, int k, int8_t *q, float *scales);

/// One group of `len` ≤ 32 values of ck_quantize_activation_groups (q[32], zero-padded).
void ck_quantize_activation_group_portable(const float *x, int len, int8_t *q, float *scale);

static inline float ck_bf16_value(uint16_t h) {
    union { uint32_t u; float f; } v = { (uint32_t)h << 16 };
    return v.f;
}

/// `path`, or the best supported one when it is out of range or unsupported.
int ck_effective_path(int path);

/// This CPU's features, detected once.
ck_cpu_features ck_features(void);

// Half-precision KV cache (kv_half.c, kv_half_avx2.c).
uint16_t ck_f32_to_f16_value(float f);
float ck_f16_to_f32_value(uint16_t h);
void ck_attend_head_f16_portable(const float *q, const uint16_t *k, const uint16_t *v, int key_stride, int keys, int head_dim,
                                 float scale, float *scores, float *out);

// Row operations (rowops.c): one row or span per call, per path.
void ck_softmax_row_portable(float *x, int visible, int width);
void ck_gelu_span_portable(float *x, size_t count);
void ck_elu_span_portable(float *x, size_t count, float alpha);
void ck_layer_norm_row_portable(const float *x, float *y, int width, const float *w, const float *b, float eps);
void ck_attend_head_portable(const float *q, const float *k, const float *v, int key_stride, int keys, int head_dim,
                             float scale, float *scores, float *out);

void ck_gemv_bf16_rows_portable(const void *args, int r0, int r1);
void ck_gemv_int8_rows_portable(const void *args, int r0, int r1);
void ck_gemv_q4_rows_portable(const void *args, int r0, int r1);
#if defined(__x86_64__) || defined(__i386__)
void ck_softmax_row_avx2(float *x, int visible, int width);
void ck_gelu_span_avx2(float *x, size_t count);
void ck_elu_span_avx2(float *x, size_t count, float alpha);
void ck_layer_norm_row_avx2(const float *x, float *y, int width, const float *w, const float *b, float eps);
void ck_attend_head_avx2(const float *q, const float *k, const float *v, int key_stride, int keys, int head_dim,
                         float scale, float *scores, float *out);
void ck_gemv_bf16_rows_avx2(const void *args, int r0, int r1);
void ck_f32_to_f16_avx2(const float *src, uint16_t *dst, size_t count);
void ck_f16_to_f32_avx2(const uint16_t *src, float *dst, size_t count);
void ck_attend_head_f16_avx2(const float *q, const uint16_t *k, const uint16_t *v, int key_stride, int keys, int head_dim,
                             float scale, float *scores, float *out);
void ck_gemv_int8_rows_avx2(const void *args, int r0, int r1);
void ck_gemv_q4_rows_avx2(const void *args, int r0, int r1);
float ck_quantize_activations_avx2(const float *x, int k, int8_t *q);
void ck_quantize_activation_groups_avx2(const float *x, int k, int8_t *q, float *scales);
void ck_gemv_bf16_rows_avx512(const void *args, int r0, int r1);
void ck_gemv_bf16_rows_avx512bf16(const void *args, int r0, int r1);
#endif

// Int8 GEMM (gemm_int8.c, gemm_int8_avx2.c): MR × NR tiles of exact int32 sums.
#define CK_GEMM_MR 6
#define CK_GEMM_NR 16

/// Where and how a tile's int32 sums become floats: y[r, c] = sum · a_scales[r] · w_scales[c]
/// (+ bias[c]) (+ y[r, c]), in that order, for r < m and c < n.
typedef struct {
    const float *a_scales, *w_scales, *bias;
    float *y;
    int m, n, accumulate;
} ck_gemm_out;

/// One tile over a slice of kp pairs of k: `a` an MR-row activation panel (int16 [kp][MR][2]), `b`
/// an NR-column weight panel (int8 [kp][NR][2]). The int32 sums start at 0 with CK_GEMM_FIRST,
/// else at `partial[MR · NR]`; with CK_GEMM_LAST they are written as floats to the part of rows
/// row0 ..< row0 + MR, columns col0 ..< col0 + NR that lies inside `out`, else back to `partial`.
#define CK_GEMM_FIRST 1
#define CK_GEMM_LAST 2
typedef void (*ck_gemm_tile_fn)(const int16_t *a, const int8_t *b, int kp, int32_t *partial, int flags,
                                const ck_gemm_out *out, int row0, int col0);
/// Quantizes one row x[k] into `dst` (pair p at dst[p · 2 · MR], the odd pad 0) and its scale.
typedef void (*ck_gemm_quantize_fn)(const float *x, int k, int16_t *dst, float *scale);

void ck_gemm_store_tile(const int32_t *acc, const ck_gemm_out *out, int row0, int col0);
void ck_gemm_tile_portable(const int16_t *a, const int8_t *b, int kp, int32_t *partial, int flags,
                           const ck_gemm_out *out, int row0, int col0);
void ck_gemm_quantize_row_portable(const float *x, int k, int16_t *dst, float *scale);
#if defined(__x86_64__) || defined(__i386__)
void ck_gemm_tile_avx2(const int16_t *a, const int8_t *b, int kp, int32_t *partial, int flags,
                       const ck_gemm_out *out, int row0, int col0);
void ck_gemm_quantize_row_avx2(const float *x, int k, int16_t *dst, float *scale);
void ck_gemm_tile_avx512vnni(const int16_t *a, const int8_t *b, int kp, int32_t *partial, int flags,
                             const ck_gemm_out *out, int row0, int col0);
#endif
#endif
