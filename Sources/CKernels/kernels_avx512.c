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


CK_AVX512 void ck_gemv_q4_rows_avx512(const void *args, int r0, int r1) {
    const ck_gemv_args *a = args;
    int k = a->k, groups = ck_q4_groups(k);
    size_t stride = ck_q4_row_bytes(k);
    const __m512i low = _mm512_set1_epi32(15), eight = _mm512_set1_epi32(8);
    int r = r0;
    for (; r + 2 <= r1; r += 2) {
        const uint8_t *wa = (const uint8_t *)a->w + (size_t)r * stride, *wb = wa + stride;
        const float *sa = a->scales + (size_t)r * groups, *sb = sa + groups;
        __m512 acca = _mm512_setzero_ps(), accb = acca;
        for (int g = 0; g < groups; g++) {
            int rem = k - g * 32;
            const float *x = a->x + g * 32;
            __m512 x0 = _mm512_maskz_loadu_ps(tail16(rem), x);
            __m512 x1 = _mm512_maskz_loadu_ps(tail16(rem - 16 < 0 ? 0 : rem - 16), x + 16);
            __m512i ba = _mm512_cvtepu8_epi32(_mm_loadu_si128((const __m128i *)(wa + g * 16)));
            __m512i bb = _mm512_cvtepu8_epi32(_mm_loadu_si128((const __m128i *)(wb + g * 16)));
            __m512 pa = _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_sub_epi32(_mm512_and_si512(ba, low), eight)), x0);
            __m512 pb = _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_sub_epi32(_mm512_and_si512(bb, low), eight)), x0);
            pa = _mm512_fmadd_ps(_mm512_cvtepi32_ps(_mm512_sub_epi32(_mm512_srli_epi32(ba, 4), eight)), x1, pa);
            pb = _mm512_fmadd_ps(_mm512_cvtepi32_ps(_mm512_sub_epi32(_mm512_srli_epi32(bb, 4), eight)), x1, pb);
            acca = _mm512_fmadd_ps(pa, _mm512_set1_ps(sa[g]), acca);
            accb = _mm512_fmadd_ps(pb, _mm512_set1_ps(sb[g]), accb);
        }
        ck_store(a, r, _mm512_reduce_add_ps(acca));
        ck_store(a, r + 1, _mm512_reduce_add_ps(accb));
    }
    for (; r < r1; r++) {
        const uint8_t *w = (const uint8_t *)a->w + (size_t)r * stride;
        const float *sc = a->scales + (size_t)r * groups;
        __m512 acc = _mm512_setzero_ps();
        for (int g = 0; g < groups; g++) {
            int rem = k - g * 32;
            const float *x = a->x + g * 32;
            __m512 x0 = _mm512_maskz_loadu_ps(tail16(rem), x);
            __m512 x1 = _mm512_maskz_loadu_ps(tail16(rem - 16 < 0 ? 0 : rem - 16), x + 16);
            __m512i b = _mm512_cvtepu8_epi32(_mm_loadu_si128((const __m128i *)(w + g * 16)));
            __m512 p = _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_sub_epi32(_mm512_and_si512(b, low), eight)), x0);
            p = _mm512_fmadd_ps(_mm512_cvtepi32_ps(_mm512_sub_epi32(_mm512_srli_epi32(b, 4), eight)), x1, p);
            acc = _mm512_fmadd_ps(p, _mm512_set1_ps(sc[g]), acc);
        }
        ck_store(a, r, _mm512_reduce_add_ps(acc));
    }
}
#endif
