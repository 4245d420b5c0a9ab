// AVX2 versions of the GEMVs' activation quantizers (kernels.c): the same bytes and scales as the
// portable loops, 8 floats per instruction. vcvtps2dq rounds by MXCSR, round-to-nearest-even by
// default, as nearbyintf does; max |x| is the same unsigned maximum of the sign-cleared bit
// patterns. A row whose maximum is not finite (or zero) gets inv = 0 and all-zero bytes, which is
// what the portable loop's conversion gives there too (its scale makes the outputs NaN anyway).
#if defined(__x86_64__) || defined(__i386__)
#include "internal.h"
#include "avx2_inline.h"
#include <string.h>

/// round(x[i] · inv) clamped to ±127 for 8 floats, as int32 lanes.
CK_AVX2 static inline __m256i quantize8(const float *x, __m256 inv) {
    __m256i v = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(x), inv));
    return _mm256_min_epi32(_mm256_max_epi32(v, _mm256_set1_epi32(-127)), _mm256_set1_epi32(127));
}

/// Four vectors of 8 int32 (each within ±127) → 32 bytes in order.
CK_AVX2 static inline void store32(int8_t *q, __m256i a, __m256i b, __m256i c, __m256i d) {
    __m256i bytes = _mm256_packs_epi16(_mm256_packs_epi32(a, b), _mm256_packs_epi32(c, d));
    _mm256_storeu_si256((__m256i *)q, _mm256_permutevar8x32_epi32(bytes, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7)));
}

CK_AVX2 float ck_quantize_activations_avx2(const float *x, int k, int8_t *q) {
    float inv, scale = ck_scale_from_max_bits(ck_max_abs_bits_avx2(x, k), &inv);
    if (inv == 0) { memset(q, 0, (size_t)k); return scale; }
    __m256 iv = _mm256_set1_ps(inv);
    int i = 0;
    for (; i + 32 <= k; i += 32)
        store32(q + i, quantize8(x + i, iv), quantize8(x + i + 8, iv), quantize8(x + i + 16, iv), quantize8(x + i + 24, iv));
    for (; i < k; i++) q[i] = (int8_t)ck_round_activation(x[i], inv);
    return scale;
}

CK_AVX2 void ck_quantize_activation_groups_avx2(const float *x, int k, int8_t *q, float *scales) {
    int whole = k / 32;
    for (int g = 0; g < whole; g++) {
        const float *xg = x + g * 32;
        float inv;
        scales[g] = ck_scale_from_max_bits(ck_max_abs_bits_avx2(xg, 32), &inv);
        if (inv == 0) { memset(q + g * 32, 0, 32); continue; }
        __m256 iv = _mm256_set1_ps(inv);
        store32(q + g * 32, quantize8(xg, iv), quantize8(xg + 8, iv), quantize8(xg + 16, iv), quantize8(xg + 24, iv));
    }
    if (whole * 32 < k) ck_quantize_activation_group_portable(x + whole * 32, k - whole * 32, q + whole * 32, scales + whole);
}
#endif
