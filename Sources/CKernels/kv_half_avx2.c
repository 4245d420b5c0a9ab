// F16C + AVX2 kernels of the half-precision KV cache (see kv_half.c). Compiled per function with
// target("avx2,fma,f16c"): callers check the AVX2 path and the F16C feature first.
#if defined(__x86_64__) || defined(__i386__)
#include "internal.h"
#include <immintrin.h>

#include "avx2_inline.h"

#define CK_F16C __attribute__((target("avx2,fma,f16c")))

CK_F16C void ck_f32_to_f16_avx2(const float *src, uint16_t *dst, size_t count) {
    size_t i = 0;
    for (; i + 8 <= count; i += 8) {
        _mm_storeu_si128((__m128i *)(dst + i), _mm256_cvtps_ph(_mm256_loadu_ps(src + i), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
    }
    for (; i < count; i++) dst[i] = ck_f32_to_f16_value(src[i]);
}

CK_F16C void ck_f16_to_f32_avx2(const uint16_t *src, float *dst, size_t count) {
    size_t i = 0;
    for (; i + 8 <= count; i += 8) _mm256_storeu_ps(dst + i, _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(src + i))));
    for (; i < count; i++) dst[i] = ck_f16_to_f32_value(src[i]);
}

CK_F16C static inline __m256 half8(const uint16_t *p) { return _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)p)); }

/// As ck_attend_head_avx2 (64-wide heads), reading binary16 keys and values.
CK_F16C void ck_attend_head_f16_avx2(const float *q, const uint16_t *k, const uint16_t *v, int key_stride, int keys, int head_dim,
                                     float scale, float *scores, float *out) {
    if (head_dim != 64) {  // Bark's heads are 64 wide; other widths take the portable kernel
        ck_attend_head_f16_portable(q, k, v, key_stride, keys, head_dim, scale, scores, out);
        return;
    }
    __m256 q0 = _mm256_loadu_ps(q), q1 = _mm256_loadu_ps(q + 8), q2 = _mm256_loadu_ps(q + 16), q3 = _mm256_loadu_ps(q + 24);
    __m256 q4 = _mm256_loadu_ps(q + 32), q5 = _mm256_loadu_ps(q + 40), q6 = _mm256_loadu_ps(q + 48), q7 = _mm256_loadu_ps(q + 56);
    for (int j = 0; j < keys; j++) {
        const uint16_t *kj = k + (size_t)j * key_stride;
        __m256 a = _mm256_mul_ps(q0, half8(kj));
        __m256 b = _mm256_mul_ps(q1, half8(kj + 8));
        a = _mm256_fmadd_ps(q2, half8(kj + 16), a);
        b = _mm256_fmadd_ps(q3, half8(kj + 24), b);
        a = _mm256_fmadd_ps(q4, half8(kj + 32), a);
        b = _mm256_fmadd_ps(q5, half8(kj + 40), b);
        a = _mm256_fmadd_ps(q6, half8(kj + 48), a);
        b = _mm256_fmadd_ps(q7, half8(kj + 56), b);
        scores[j] = ck_hsum_ps(_mm256_add_ps(a, b)) * scale;
    }
    ck_softmax_row_avx2(scores, keys, keys);
    __m256 o[8];
    for (int d = 0; d < 8; d++) o[d] = _mm256_setzero_ps();
    for (int j = 0; j < keys; j++) {
        const uint16_t *vj = v + (size_t)j * key_stride;
        __m256 p = _mm256_set1_ps(scores[j]);
        for (int d = 0; d < 8; d++) o[d] = _mm256_fmadd_ps(p, half8(vj + 8 * d), o[d]);
    }
    for (int d = 0; d < 8; d++) _mm256_storeu_ps(out + 8 * d, o[d]);
}
#endif
