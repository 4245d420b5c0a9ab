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

/// One q4 group (16 bytes: elements i and i + 16 in byte i) as 32 signed bytes -8…7, in element order.
CK_AVX2 static inline __m256i q4_group(const uint8_t *p) {
    const __m128i low = _mm_set1_epi8(15);
    __m128i b = _mm_loadu_si128((const __m128i *)p);
    __m256i v = _mm256_set_m128i(_mm_and_si128(_mm_srli_epi16(b, 4), low), _mm_and_si128(b, low));
    return _mm256_sub_epi8(v, _mm256_set1_epi8(8));
}

/// 4-bit weights × per-group int8 activations: per group, vpmaddubsw of |x| with the weights
/// carrying x's sign (pairs ≤ 2 · 127 · 8, no saturation), vpmaddwd to int32 — the exact integer
/// dot product of the portable loop — then one FMA by weight scale × activation scale. Two rows
/// at a time share the activation loads.
CK_AVX2 void ck_gemv_q4_rows_avx2(const void *args, int r0, int r1) {
    const ck_gemv_args *a = args;
    int k = a->k, groups = ck_q4_groups(k);
    size_t stride = ck_q4_row_bytes(k);
    const __m256i ones = _mm256_set1_epi16(1);
    const float *xs = a->x_group_scales;
    int r = r0;
    for (; r + 2 <= r1; r += 2) {
        const uint8_t *wa = (const uint8_t *)a->w + (size_t)r * stride, *wb = wa + stride;
        const float *sa = a->scales + (size_t)r * groups, *sb = sa + groups;
        __m256 acca = _mm256_setzero_ps(), accb = acca;
        for (int g = 0; g < groups; g++) {
            __m256i x = _mm256_loadu_si256((const __m256i *)(a->x_q + g * 32));
            __m256i ax = _mm256_sign_epi8(x, x);
            __m256i da = _mm256_madd_epi16(_mm256_maddubs_epi16(ax, _mm256_sign_epi8(q4_group(wa + g * 16), x)), ones);
            __m256i db = _mm256_madd_epi16(_mm256_maddubs_epi16(ax, _mm256_sign_epi8(q4_group(wb + g * 16), x)), ones);
            acca = _mm256_fmadd_ps(_mm256_cvtepi32_ps(da), _mm256_set1_ps(sa[g] * xs[g]), acca);
            accb = _mm256_fmadd_ps(_mm256_cvtepi32_ps(db), _mm256_set1_ps(sb[g] * xs[g]), accb);
        }
        ck_store(a, r, ck_hsum_ps(acca));
        ck_store(a, r + 1, ck_hsum_ps(accb));
    }
    for (; r < r1; r++) {
        const uint8_t *w = (const uint8_t *)a->w + (size_t)r * stride;
        const float *sc = a->scales + (size_t)r * groups;
        __m256 acc = _mm256_setzero_ps();
        for (int g = 0; g < groups; g++) {
            __m256i x = _mm256_loadu_si256((const __m256i *)(a->x_q + g * 32));
            __m256i d = _mm256_madd_epi16(_mm256_maddubs_epi16(_mm256_sign_epi8(x, x), _mm256_sign_epi8(q4_group(w + g * 16), x)), ones);
            acc = _mm256_fmadd_ps(_mm256_cvtepi32_ps(d), _mm256_set1_ps(sc[g] * xs[g]), acc);
        }
        ck_store(a, r, ck_hsum_ps(acc));
    }
}
#endif
