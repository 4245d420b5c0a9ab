// AVX-512 GEMV rows (F/BW/VL; the bf16 variant also needs AVX512_BF16). Compiled per function
// with target attributes: callers check ck_path_supported(CK_PATH_AVX512) (and the bf16 feature).
#if defined(__x86_64__) || defined(__i386__)
#include "internal.h"
#include <immintrin.h>

#define CK_AVX512 __attribute__((target("avx512f,avx512bw,avx512vl,avx2,fma")))
#define CK_AVX512BF16 __attribute__((target("avx512f,avx512bw,avx512vl,avx512bf16,avx2,fma")))

CK_AVX512 static inline __mmask16 tail16(int remaining) {
    return remaining >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << remaining) - 1);
}

CK_AVX512 static inline __m512 bf16x16(__m256i v) {
    return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(v), 16));
}

CK_AVX512 void ck_gemv_bf16_rows_avx512(const void *args, int r0, int r1) {
    const ck_gemv_args *a = args;
    int k = a->k;
    const float *x = a->x;
    int r = r0;
    for (; r + 4 <= r1; r += 4) {
        const uint16_t *w0 = (const uint16_t *)a->w + (size_t)r * k, *w1 = w0 + k, *w2 = w1 + k, *w3 = w2 + k;
        __m512 s0 = _mm512_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;
        for (int i = 0; i < k; i += 16) {
            __mmask16 m = tail16(k - i);
            __m512 xv = _mm512_maskz_loadu_ps(m, x + i);
            s0 = _mm512_fmadd_ps(xv, bf16x16(_mm256_maskz_loadu_epi16(m, w0 + i)), s0);
            s1 = _mm512_fmadd_ps(xv, bf16x16(_mm256_maskz_loadu_epi16(m, w1 + i)), s1);
            s2 = _mm512_fmadd_ps(xv, bf16x16(_mm256_maskz_loadu_epi16(m, w2 + i)), s2);
            s3 = _mm512_fmadd_ps(xv, bf16x16(_mm256_maskz_loadu_epi16(m, w3 + i)), s3);
        }
        ck_store(a, r, _mm512_reduce_add_ps(s0)); ck_store(a, r + 1, _mm512_reduce_add_ps(s1));
        ck_store(a, r + 2, _mm512_reduce_add_ps(s2)); ck_store(a, r + 3, _mm512_reduce_add_ps(s3));
    }
    for (; r < r1; r++) {
        const uint16_t *w = (const uint16_t *)a->w + (size_t)r * k;
        __m512 s = _mm512_setzero_ps();
        for (int i = 0; i < k; i += 16) {
            __mmask16 m = tail16(k - i);
            s = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, x + i), bf16x16(_mm256_maskz_loadu_epi16(m, w + i)), s);
        }
        ck_store(a, r, _mm512_reduce_add_ps(s));
    }
}

CK_AVX512BF16 static inline __mmask32 tail32(int remaining) {
    return remaining >= 32 ? (__mmask32)0xFFFFFFFFu : (__mmask32)((1u << remaining) - 1);
}

/// vdpbf16ps with x split into hi + lo bf16 halves: 2 dot products per 32 weights.
CK_AVX512BF16 void ck_gemv_bf16_rows_avx512bf16(const void *args, int r0, int r1) {
    const ck_gemv_args *a = args;
    int k = a->k;
    const uint16_t *xh = a->x_hi, *xl = a->x_lo;
    int r = r0;
    for (; r + 4 <= r1; r += 4) {
        const uint16_t *w0 = (const uint16_t *)a->w + (size_t)r * k, *w1 = w0 + k, *w2 = w1 + k, *w3 = w2 + k;
        __m512 s0 = _mm512_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;
        for (int i = 0; i < k; i += 32) {
            __mmask32 m = tail32(k - i);
            __m512bh h = (__m512bh)_mm512_maskz_loadu_epi16(m, xh + i);
            __m512bh l = (__m512bh)_mm512_maskz_loadu_epi16(m, xl + i);
            __m512bh v0 = (__m512bh)_mm512_maskz_loadu_epi16(m, w0 + i);
            __m512bh v1 = (__m512bh)_mm512_maskz_loadu_epi16(m, w1 + i);
            __m512bh v2 = (__m512bh)_mm512_maskz_loadu_epi16(m, w2 + i);
            __m512bh v3 = (__m512bh)_mm512_maskz_loadu_epi16(m, w3 + i);
            s0 = _mm512_dpbf16_ps(_mm512_dpbf16_ps(s0, h, v0), l, v0);
            s1 = _mm512_dpbf16_ps(_mm512_dpbf16_ps(s1, h, v1), l, v1);
            s2 = _mm512_dpbf16_ps(_mm512_dpbf16_ps(s2, h, v2), l, v2);
            s3 = _mm512_dpbf16_ps(_mm512_dpbf16_ps(s3, h, v3), l, v3);
        }
        ck_store(a, r, _mm512_reduce_add_ps(s0)); ck_store(a, r + 1, _mm512_reduce_add_ps(s1));
        ck_store(a, r + 2, _mm512_reduce_add_ps(s2)); ck_store(a, r + 3, _mm512_reduce_add_ps(s3));
    }
    for (; r < r1; r++) {
        const uint16_t *w = (const uint16_t *)a->w + (size_t)r * k;
        __m512 s = _mm512_setzero_ps();
        for (int i = 0; i < k; i += 32) {
            __mmask32 m = tail32(k - i);
            __m512bh v = (__m512bh)_mm512_maskz_loadu_epi16(m, w + i);
            s = _mm512_dpbf16_ps(s, (__m512bh)_mm512_maskz_loadu_epi16(m, xh + i), v);
            s = _mm512_dpbf16_ps(s, (__m512bh)_mm512_maskz_loadu_epi16(m, xl + i), v);
        }
        ck_store(a, r, _mm512_reduce_add_ps(s));
    }
}
#endif
