// Half-precision (IEEE binary16) storage for the KV cache: a decoding step of bark-small's coarse
// GPT reads ~68 MB of f32 keys and values, as much as its int8 weights; binary16 halves that
// traffic. Portable conversions (bit-identical to F16C's) and the portable attention kernel; the
// F16C kernels are in kv_half_avx2.c, the dispatcher of one-query attention in rowops.c.
#include "internal.h"
#include <math.h>

uint16_t ck_f32_to_f16_value(float f) {
    union { float f; uint32_t u; } v = { f };
    uint32_t sign = (v.u >> 16) & 0x8000, magnitude = v.u & 0x7FFFFFFF;
    if (magnitude >= 0x7F800000) {  // inf, or NaN (quieted, top payload bits kept, as F16C does)
        return (uint16_t)(sign | 0x7C00 | (magnitude > 0x7F800000 ? 0x200 | ((magnitude >> 13) & 0x3FF) : 0));
    }
    if (magnitude >= 0x477FF000) return (uint16_t)(sign | 0x7C00);  // ≥ 65520 rounds to inf
    if (magnitude < 0x38800000) {  // below 2^-14: a subnormal half, m · 2^-24 (m may round up to 0x400)
        union { uint32_t u; float f; } a = { magnitude };
        return (uint16_t)(sign | (uint32_t)nearbyintf(a.f * 16777216.0f));
    }
    uint32_t half = ((((magnitude >> 23) - 112) << 10) | ((magnitude >> 13) & 0x3FF));
    uint32_t rest = magnitude & 0x1FFF;
    if (rest > 0x1000 || (rest == 0x1000 && (half & 1))) half++;  // a carry moves into the exponent
    return (uint16_t)(sign | half);
}

float ck_f16_to_f32_value(uint16_t h) {
    uint32_t sign = (uint32_t)(h & 0x8000) << 16, exponent = (h >> 10) & 0x1F, mantissa = h & 0x3FF;
    union { uint32_t u; float f; } v;
    if (exponent == 0) {
        v.f = (float)mantissa * 5.9604644775390625e-8f;  // 2^-24, exact
        v.u |= sign;
    } else if (exponent == 31) {
        v.u = sign | 0x7F800000 | (mantissa << 13);
    } else {
        v.u = sign | ((exponent + 112) << 23) | (mantissa << 13);
    }
    return v.f;
}

static int use_f16c(int path) {
#if defined(__x86_64__) || defined(__i386__)
    return ck_effective_path(path) >= CK_PATH_AVX2 && ck_features().f16c;
#else
    (void)path;
    return 0;
#endif
}

void ck_f32_to_f16(int path, const float *src, uint16_t *dst, size_t count) {
#if defined(__x86_64__) || defined(__i386__)
    if (use_f16c(path)) { ck_f32_to_f16_avx2(src, dst, count); return; }
#endif
    for (size_t i = 0; i < count; i++) dst[i] = ck_f32_to_f16_value(src[i]);
}

void ck_f16_to_f32(int path, const uint16_t *src, float *dst, size_t count) {
#if defined(__x86_64__) || defined(__i386__)
    if (use_f16c(path)) { ck_f16_to_f32_avx2(src, dst, count); return; }
#endif
    for (size_t i = 0; i < count; i++) dst[i] = ck_f16_to_f32_value(src[i]);
}

void ck_attend_head_f16_portable(const float *q, const uint16_t *k, const uint16_t *v, int key_stride, int keys, int head_dim,
                                 float scale, float *scores, float *out) {
    for (int j = 0; j < keys; j++) {
        const uint16_t *kj = k + (size_t)j * key_stride;
        float dot = 0;
        for (int d = 0; d < head_dim; d++) dot += q[d] * ck_f16_to_f32_value(kj[d]);
        scores[j] = dot * scale;
    }
    ck_softmax_row_portable(scores, keys, keys);
    for (int d = 0; d < head_dim; d++) out[d] = 0;
    for (int j = 0; j < keys; j++) {
        const uint16_t *vj = v + (size_t)j * key_stride;
        float p = scores[j];
        for (int d = 0; d < head_dim; d++) out[d] += p * ck_f16_to_f32_value(vj[d]);
    }
}
