// AVX2 tile kernel and activation quantization of the int8 GEMM (see gemm_int8.c for the layouts
// and why the sums are exact). Compiled per function with target("avx2,fma"): the dispatcher checks
// ck_path_supported first.
#if defined(__x86_64__) || defined(__i386__)
#include "internal.h"
#include <immintrin.h>
#include <math.h>
#include <string.h>

#include "avx2_inline.h"
#define MR CK_GEMM_MR
#define NR CK_GEMM_NR

CK_AVX2 static inline __m256i broadcast_pair(const int16_t *p) {
    int32_t v;
    memcpy(&v, p, sizeof v);
    return _mm256_set1_epi32(v);
}

/// y[row, col0 ..< col0 + 8] from 8 int32 sums, in ck_gemm_store_tile's order of operations.
CK_AVX2 static inline void store8(__m256i acc, const ck_gemm_out *o, float *y, __m256 as, int col) {
    __m256 v = _mm256_mul_ps(_mm256_cvtepi32_ps(acc), as);
    v = _mm256_mul_ps(v, _mm256_loadu_ps(o->w_scales + col));
    if (o->bias) v = _mm256_add_ps(v, _mm256_loadu_ps(o->bias + col));
    if (o->accumulate) v = _mm256_add_ps(_mm256_loadu_ps(y), v);
    _mm256_storeu_ps(y, v);
}

/// 6 × 16 tile: per pair of k, two vpmovsxbw weight loads (8 columns × 2 k each), six broadcast
/// activation pairs, twelve vpmaddwd into twelve int32 accumulators.
CK_AVX2 void ck_gemm_tile_avx2(const int16_t *a, const int8_t *b, int kp, int32_t *partial, int flags,
                               const ck_gemm_out *o, int row0, int col0) {
    __m256i c00 = _mm256_setzero_si256(), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00;
    __m256i c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
    __m256i *saved = (__m256i *)partial;
    if (!(flags & CK_GEMM_FIRST)) {
        c00 = _mm256_loadu_si256(saved + 0); c01 = _mm256_loadu_si256(saved + 1);
        c10 = _mm256_loadu_si256(saved + 2); c11 = _mm256_loadu_si256(saved + 3);
        c20 = _mm256_loadu_si256(saved + 4); c21 = _mm256_loadu_si256(saved + 5);
        c30 = _mm256_loadu_si256(saved + 6); c31 = _mm256_loadu_si256(saved + 7);
        c40 = _mm256_loadu_si256(saved + 8); c41 = _mm256_loadu_si256(saved + 9);
        c50 = _mm256_loadu_si256(saved + 10); c51 = _mm256_loadu_si256(saved + 11);
    }
    for (int p = 0; p < kp; p++, a += 2 * MR, b += 2 * NR) {
        __m256i b0 = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)b));
        __m256i b1 = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(b + 16)));
        __m256i x = broadcast_pair(a);
        c00 = _mm256_add_epi32(c00, _mm256_madd_epi16(x, b0));
        c01 = _mm256_add_epi32(c01, _mm256_madd_epi16(x, b1));
        x = broadcast_pair(a + 2);
        c10 = _mm256_add_epi32(c10, _mm256_madd_epi16(x, b0));
        c11 = _mm256_add_epi32(c11, _mm256_madd_epi16(x, b1));
        x = broadcast_pair(a + 4);
        c20 = _mm256_add_epi32(c20, _mm256_madd_epi16(x, b0));
        c21 = _mm256_add_epi32(c21, _mm256_madd_epi16(x, b1));
        x = broadcast_pair(a + 6);
        c30 = _mm256_add_epi32(c30, _mm256_madd_epi16(x, b0));
        c31 = _mm256_add_epi32(c31, _mm256_madd_epi16(x, b1));
        x = broadcast_pair(a + 8);
        c40 = _mm256_add_epi32(c40, _mm256_madd_epi16(x, b0));
        c41 = _mm256_add_epi32(c41, _mm256_madd_epi16(x, b1));
        x = broadcast_pair(a + 10);
        c50 = _mm256_add_epi32(c50, _mm256_madd_epi16(x, b0));
        c51 = _mm256_add_epi32(c51, _mm256_madd_epi16(x, b1));
    }
    int32_t acc[MR * NR];
    __m256i *v = (__m256i *)(flags & CK_GEMM_LAST ? acc : partial);
    if ((flags & CK_GEMM_LAST) && row0 + MR <= o->m && col0 + NR <= o->n) {
        const __m256i acc[2 * MR] = { c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51 };
        for (int i = 0; i < MR; i++) {
            float *y = o->y + (size_t)(row0 + i) * o->n + col0;
            __m256 as = _mm256_set1_ps(o->a_scales[row0 + i]);
            store8(acc[2 * i], o, y, as, col0);
            store8(acc[2 * i + 1], o, y + 8, as, col0 + 8);
        }
    } else {
        _mm256_storeu_si256(v + 0, c00); _mm256_storeu_si256(v + 1, c01);
        _mm256_storeu_si256(v + 2, c10); _mm256_storeu_si256(v + 3, c11);
        _mm256_storeu_si256(v + 4, c20); _mm256_storeu_si256(v + 5, c21);
        _mm256_storeu_si256(v + 6, c30); _mm256_storeu_si256(v + 7, c31);
        _mm256_storeu_si256(v + 8, c40); _mm256_storeu_si256(v + 9, c41);
        _mm256_storeu_si256(v + 10, c50); _mm256_storeu_si256(v + 11, c51);
        if (flags & CK_GEMM_LAST) ck_gemm_store_tile(acc, o, row0, col0);
    }
}

/// ck_gemm_quantize_row_portable, 8 at a time: the same max, the same scalar 127 / max and the
/// same round-to-nearest-even of x · inv, so the int16 values are identical.
CK_AVX2 void ck_gemm_quantize_row_avx2(const float *x, int k, int16_t *dst, float *scale) {
    // max |x| on the bit patterns (as the portable version: NaN and inf are caught).
    uint32_t bits = ck_max_abs_bits_avx2(x, k);
    int k8 = k & ~7, i;
    float m;
    memcpy(&m, &bits, sizeof m);
    if (!isfinite(m)) {  // see the portable version
        ck_gemm_quantize_row_portable(x, k, dst, scale);
        return;
    }
    float inv = m > 0 ? 127.0f / m : 0;
    *scale = m / 127.0f;
    const __m256 vinv = _mm256_set1_ps(inv), hi = _mm256_set1_ps(127), lo = _mm256_set1_ps(-127);
    for (i = 0; i < k8; i += 8) {
        __m256 v = _mm256_round_ps(_mm256_mul_ps(_mm256_loadu_ps(x + i), vinv), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
        __m256i q = _mm256_cvtps_epi32(_mm256_min_ps(_mm256_max_ps(v, lo), hi));
        // int32 → int16 pairs; each pair (2j, 2j + 1) is one int32 store into the panel.
        __m128i w = _mm_packs_epi32(_mm256_castsi256_si128(q), _mm256_extracti128_si256(q, 1));
        int32_t pairs[4];
        _mm_storeu_si128((__m128i *)pairs, w);
        int16_t *d = dst + (i >> 1) * 2 * MR;
        memcpy(d, &pairs[0], 4);
        memcpy(d + 2 * MR, &pairs[1], 4);
        memcpy(d + 4 * MR, &pairs[2], 4);
        memcpy(d + 6 * MR, &pairs[3], 4);
    }
    for (; i < k; i++) dst[(i >> 1) * 2 * MR + (i & 1)] = (int16_t)ck_round_activation(x[i], inv);
    if (k & 1) dst[(k >> 1) * 2 * MR + 1] = 0;
}
#endif
