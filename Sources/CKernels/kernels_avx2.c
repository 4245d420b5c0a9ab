// AVX2 + FMA GEMV rows. Compiled per function with target("avx2,fma"): callers check
// ck_path_supported(CK_PATH_AVX2) first.
#if defined(__x86_64__) || defined(__i386__)
#include "internal.h"
#include <immintrin.h>

#include "avx2_inline.h"

CK_AVX2 static inline __m256 bf16x8(const uint16_t *p) {
    __m256i v = _mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i *)p));
    return _mm256_castsi256_ps(_mm256_slli_epi32(v, 16));
}

CK_AVX2 void ck_gemv_bf16_rows_avx2(const void *args, int r0, int r1) {
    const ck_gemv_args *a = args;
    int k = a->k, k8 = k & ~7;
    const float *x = a->x;
    int r = r0;
    for (; r + 4 <= r1; r += 4) {
        const uint16_t *w0 = (const uint16_t *)a->w + (size_t)r * k, *w1 = w0 + k, *w2 = w1 + k, *w3 = w2 + k;
        __m256 s0 = _mm256_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;
        for (int i = 0; i < k8; i += 8) {
            __m256 xv = _mm256_loadu_ps(x + i);
            s0 = _mm256_fmadd_ps(xv, bf16x8(w0 + i), s0);
            s1 = _mm256_fmadd_ps(xv, bf16x8(w1 + i), s1);
            s2 = _mm256_fmadd_ps(xv, bf16x8(w2 + i), s2);
            s3 = _mm256_fmadd_ps(xv, bf16x8(w3 + i), s3);
        }
        float t0 = ck_hsum_ps(s0), t1 = ck_hsum_ps(s1), t2 = ck_hsum_ps(s2), t3 = ck_hsum_ps(s3);
        for (int i = k8; i < k; i++) {
            t0 += x[i] * ck_bf16_value(w0[i]); t1 += x[i] * ck_bf16_value(w1[i]);
            t2 += x[i] * ck_bf16_value(w2[i]); t3 += x[i] * ck_bf16_value(w3[i]);
        }
        ck_store(a, r, t0); ck_store(a, r + 1, t1); ck_store(a, r + 2, t2); ck_store(a, r + 3, t3);
    }
    for (; r < r1; r++) {
        const uint16_t *w = (const uint16_t *)a->w + (size_t)r * k;
        __m256 s = _mm256_setzero_ps();
        for (int i = 0; i < k8; i += 8) s = _mm256_fmadd_ps(_mm256_loadu_ps(x + i), bf16x8(w + i), s);
        float t = ck_hsum_ps(s);
        for (int i = k8; i < k; i++) t += x[i] * ck_bf16_value(w[i]);
        ck_store(a, r, t);
    }
}

/// int8 weights × int8-quantized x: vpmaddubsw multiplies |x| (unsigned) by w with x's sign
/// moved onto it (vpsignb), summing pairs into int16 — at most 2 · 127 · 127 = 32258, so nothing
/// saturates — then vpmaddwd widens to int32. Exact, like the portable loop.
CK_AVX2 void ck_gemv_int8_rows_avx2(const void *args, int r0, int r1) {
    const ck_gemv_args *a = args;
    int k = a->k, k32 = k & ~31;
    const int8_t *x = a->x_q;
    const __m256i ones = _mm256_set1_epi16(1);
    for (int r = r0; r < r1; r++) {
        const int8_t *w = (const int8_t *)a->w + (size_t)r * k;
        __m256i acc0 = _mm256_setzero_si256(), acc1 = acc0;
        int i = 0;
        for (; i + 64 <= k32; i += 64) {
            __m256i x0 = _mm256_loadu_si256((const __m256i *)(x + i)), x1 = _mm256_loadu_si256((const __m256i *)(x + i + 32));
            __m256i w0 = _mm256_loadu_si256((const __m256i *)(w + i)), w1 = _mm256_loadu_si256((const __m256i *)(w + i + 32));
            __m256i p0 = _mm256_maddubs_epi16(_mm256_sign_epi8(x0, x0), _mm256_sign_epi8(w0, x0));
            __m256i p1 = _mm256_maddubs_epi16(_mm256_sign_epi8(x1, x1), _mm256_sign_epi8(w1, x1));
            acc0 = _mm256_add_epi32(acc0, _mm256_madd_epi16(p0, ones));
            acc1 = _mm256_add_epi32(acc1, _mm256_madd_epi16(p1, ones));
        }
        for (; i < k32; i += 32) {
            __m256i x0 = _mm256_loadu_si256((const __m256i *)(x + i)), w0 = _mm256_loadu_si256((const __m256i *)(w + i));
            acc0 = _mm256_add_epi32(acc0, _mm256_madd_epi16(_mm256_maddubs_epi16(_mm256_sign_epi8(x0, x0), _mm256_sign_epi8(w0, x0)), ones));
        }
        int32_t sum = ck_hsum_epi32(_mm256_add_epi32(acc0, acc1));
        for (; i < k; i++) sum += (int32_t)x[i] * w[i];
        ck_store(a, r, (float)sum * (a->x_scale * a->scales[r]));
    }
}

CK_AVX2 void ck_gemv_q4_rows_avx2(const void *args, int r0, int r1) {
    const ck_gemv_args *a = args;
    int k = a->k, groups = ck_q4_groups(k), full = k / 32;
    size_t stride = ck_q4_row_bytes(k);
    const __m128i low = _mm_set1_epi8(15);
    const __m256i eight = _mm256_set1_epi32(8);
    for (int r = r0; r < r1; r++) {
        const uint8_t *w = (const uint8_t *)a->w + (size_t)r * stride;
        const float *sc = a->scales + (size_t)r * groups;
        __m256 acc0 = _mm256_setzero_ps(), acc1 = acc0;
        for (int g = 0; g < full; g++) {
            const float *x = a->x + g * 32;
            __m128i b = _mm_loadu_si128((const __m128i *)(w + g * 16));
            __m128i lo = _mm_and_si128(b, low), hi = _mm_and_si128(_mm_srli_epi16(b, 4), low);
            __m256 q0 = _mm256_cvtepi32_ps(_mm256_sub_epi32(_mm256_cvtepu8_epi32(lo), eight));
            __m256 q1 = _mm256_cvtepi32_ps(_mm256_sub_epi32(_mm256_cvtepu8_epi32(_mm_srli_si128(lo, 8)), eight));
            __m256 q2 = _mm256_cvtepi32_ps(_mm256_sub_epi32(_mm256_cvtepu8_epi32(hi), eight));
            __m256 q3 = _mm256_cvtepi32_ps(_mm256_sub_epi32(_mm256_cvtepu8_epi32(_mm_srli_si128(hi, 8)), eight));
            __m256 p0 = _mm256_mul_ps(q0, _mm256_loadu_ps(x));
            __m256 p1 = _mm256_mul_ps(q1, _mm256_loadu_ps(x + 8));
            p0 = _mm256_fmadd_ps(q2, _mm256_loadu_ps(x + 16), p0);
            p1 = _mm256_fmadd_ps(q3, _mm256_loadu_ps(x + 24), p1);
            __m256 s = _mm256_set1_ps(sc[g]);
            acc0 = _mm256_fmadd_ps(p0, s, acc0);
            acc1 = _mm256_fmadd_ps(p1, s, acc1);
        }
        float t = ck_hsum_ps(_mm256_add_ps(acc0, acc1));
        if (full < groups) {
            const float *x = a->x + full * 32;
            float p = 0;
            for (int i = 0; full * 32 + i < k; i++) {
                uint8_t b = w[full * 16 + (i & 15)];
                p += x[i] * (float)((i < 16 ? (b & 15) : (b >> 4)) - 8);
            }
            t += p * sc[full];
        }
        ck_store(a, r, t);
    }
}
#endif
