// F16C + AVX2 kernels of the half-precision KV cache (see kv_half.c). Compiled per function with
// target("avx2,fma,f16c"): callers check the AVX2 path and the F16C feature first.
#if defined(__x86_64__) || defined(__i386__)
#include "internal.h"
#include <immintrin.h>

#include "attend_head_avx2.h"
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
CK_DEFINE_ATTEND_HEAD_64(ck_attend_head_f16_avx2, CK_F16C, uint16_t, half8, ck_attend_head_f16_portable)
#endif
