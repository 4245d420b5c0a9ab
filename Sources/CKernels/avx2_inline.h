// Private to CKernels: the target attribute and horizontal sums shared by the AVX2 files.
#ifndef CKERNELS_AVX2_INLINE_H
#define CKERNELS_AVX2_INLINE_H
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#include <stdint.h>
#include <string.h>

#define CK_AVX2 __attribute__((target("avx2,fma")))

/// Sum of the 8 floats of `v`.
CK_AVX2 static inline float ck_hsum_ps(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

/// Sum of the 8 int32 lanes of `v`.
CK_AVX2 static inline int32_t ck_hsum_epi32(__m256i v) {
    __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4E));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xB1));
    return _mm_cvtsi128_si32(s);
}

/// Largest sign-cleared bit pattern of x[0 ..< k] (max |x| ordered on the bits, so a NaN or inf
/// anywhere makes it non-finite), shared by the activation quantizers.
CK_AVX2 static inline uint32_t ck_max_abs_bits_avx2(const float *x, int k) {
    const __m256i mask = _mm256_set1_epi32(0x7FFFFFFF);
    __m256i m = _mm256_setzero_si256();
    int i = 0;
    for (; i + 8 <= k; i += 8) m = _mm256_max_epu32(m, _mm256_and_si256(_mm256_loadu_si256((const __m256i *)(x + i)), mask));
    __m128i s = _mm_max_epu32(_mm256_castsi256_si128(m), _mm256_extracti128_si256(m, 1));
    s = _mm_max_epu32(s, _mm_shuffle_epi32(s, 0x4E));
    s = _mm_max_epu32(s, _mm_shuffle_epi32(s, 0xB1));
    uint32_t bits = (uint32_t)_mm_cvtsi128_si32(s);
    for (; i < k; i++) {
        uint32_t u;
        memcpy(&u, x + i, sizeof u);
        u &= 0x7FFFFFFFu;
        if (u > bits) bits = u;
    }
    return bits;
}
#endif
#endif
