// AVX2 + FMA row operations (see rowops.c). Compiled per function with target("avx2,fma"):
// callers check the path first.
#if defined(__x86_64__) || defined(__i386__)
#include "internal.h"
#include <immintrin.h>
#include <math.h>

#include "attend_head_avx2.h"
#include "avx2_inline.h"

CK_AVX2 static inline float hmax(__m256 v) {
    __m128 s = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_max_ps(s, _mm_movehl_ps(s, s));
    s = _mm_max_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

CK_AVX2 static inline double hsum_pd(__m256d v) {
    __m128d s = _mm_add_pd(_mm256_castpd256_pd128(v), _mm256_extractf128_pd(v, 1));
    return _mm_cvtsd_f64(_mm_add_sd(s, _mm_unpackhi_pd(s, s)));
}

/// e^x for 8 floats: Cephes' expf (range reduction by ln 2 in two parts, degree-5 polynomial),
/// within 2 ulp; x below −87.3 gives 0 and x above 88.7 gives +inf, like expf.
CK_AVX2 static inline __m256 exp8(__m256 x) {
    const __m256 hi = _mm256_set1_ps(88.7f), lo = _mm256_set1_ps(-87.3f);
    __m256 underflow = _mm256_cmp_ps(x, lo, _CMP_LT_OQ);
    __m256 overflow = _mm256_cmp_ps(x, hi, _CMP_GT_OQ);
    x = _mm256_min_ps(_mm256_max_ps(x, lo), hi);
    __m256 n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504088896341f)),
                               _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), x);
    r = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.12194440e-4f), r);
    __m256 p = _mm256_set1_ps(1.9875691500e-4f);
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.3981999507e-3f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(8.3334519073e-3f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(4.1665795894e-2f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.6666665459e-1f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(5.0000001201e-1f));
    __m256 y = _mm256_fmadd_ps(_mm256_mul_ps(p, r), r, _mm256_add_ps(r, _mm256_set1_ps(1)));
    // y · 2^n: n is in [−126, 128]; split 2^n = 2^(n/2) · 2^(n − n/2) so neither factor overflows.
    __m256i ni = _mm256_cvtps_epi32(n);
    __m256i half = _mm256_srai_epi32(ni, 1);
    __m256 s1 = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(half, _mm256_set1_epi32(127)), 23));
    __m256 s2 = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(_mm256_sub_epi32(ni, half), _mm256_set1_epi32(127)), 23));
    y = _mm256_mul_ps(_mm256_mul_ps(y, s1), s2);
    y = _mm256_andnot_ps(underflow, y);
    return _mm256_blendv_ps(y, _mm256_set1_ps(INFINITY), overflow);
}

CK_AVX2 void ck_softmax_row_avx2(float *x, int visible, int width) {
    if (visible > 0) {
        int v8 = visible & ~7, i;
        __m256 m = _mm256_set1_ps(-INFINITY);
        for (i = 0; i < v8; i += 8) m = _mm256_max_ps(m, _mm256_loadu_ps(x + i));
        float maximum = hmax(m);
        for (; i < visible; i++) if (x[i] > maximum) maximum = x[i];
        __m256 mv = _mm256_set1_ps(maximum), s = _mm256_setzero_ps();
        for (i = 0; i < v8; i += 8) {
            __m256 e = exp8(_mm256_sub_ps(_mm256_loadu_ps(x + i), mv));
            _mm256_storeu_ps(x + i, e);
            s = _mm256_add_ps(s, e);
        }
        float sum = ck_hsum_ps(s);
        for (; i < visible; i++) {
            float e = expf(x[i] - maximum);
            x[i] = e;
            sum += e;
        }
        __m256 scale = _mm256_set1_ps(1 / sum);
        for (i = 0; i < v8; i += 8) _mm256_storeu_ps(x + i, _mm256_mul_ps(_mm256_loadu_ps(x + i), scale));
        for (; i < visible; i++) x[i] *= 1 / sum;
    }
    for (int i = visible < 0 ? 0 : visible; i < width; i++) x[i] = 0;
}

/// ½ · (1 + erf(z)) · x with erf by Abramowitz–Stegun 7.1.26, z = x / √2.
CK_AVX2 static inline __m256 gelu8(__m256 x) {
    const __m256 sign_mask = _mm256_set1_ps(-0.0f), one = _mm256_set1_ps(1);
    __m256 z = _mm256_mul_ps(x, _mm256_set1_ps(0.70710678118654752440f));
    __m256 a = _mm256_andnot_ps(sign_mask, z);
    __m256 t = _mm256_div_ps(one, _mm256_fmadd_ps(_mm256_set1_ps(0.3275911f), a, one));
    __m256 p = _mm256_set1_ps(1.061405429f);
    p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(-1.453152027f));
    p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(1.421413741f));
    p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(-0.284496736f));
    p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(0.254829592f));
    p = _mm256_mul_ps(p, t);
    __m256 e = exp8(_mm256_sub_ps(_mm256_setzero_ps(), _mm256_mul_ps(a, a)));
    __m256 y = _mm256_fnmadd_ps(p, e, one);                 // erf(|z|)
    y = _mm256_or_ps(y, _mm256_and_ps(z, sign_mask));       // erf(z)
    return _mm256_mul_ps(_mm256_mul_ps(_mm256_set1_ps(0.5f), x), _mm256_add_ps(one, y));
}

CK_AVX2 void ck_gelu_span_avx2(float *x, size_t count) {
    size_t i = 0;
    for (; i + 8 <= count; i += 8) _mm256_storeu_ps(x + i, gelu8(_mm256_loadu_ps(x + i)));
    if (i < count) ck_gelu_span_portable(x + i, count - i);
}

/// ELU for 8 floats: x where x > 0, else α·expm1(x). expm1 by its Taylor series to degree 8 for
/// x ≥ −0.35 (relative error below 1e-9 before rounding, so a few ulp after), else exp8(x) − 1
/// (at most −0.295 there, so exp8's 2 ulp stay a few ulp of the result).
CK_AVX2 static inline __m256 elu8(__m256 x, __m256 alpha) {
    const __m256 zero = _mm256_setzero_ps();
    __m256 negative = _mm256_cmp_ps(x, zero, _CMP_LE_OQ);
    if (_mm256_movemask_ps(negative) == 0) return x;
    __m256 p = _mm256_set1_ps(1.0f / 40320);
    p = _mm256_fmadd_ps(p, x, _mm256_set1_ps(1.0f / 5040));
    p = _mm256_fmadd_ps(p, x, _mm256_set1_ps(1.0f / 720));
    p = _mm256_fmadd_ps(p, x, _mm256_set1_ps(1.0f / 120));
    p = _mm256_fmadd_ps(p, x, _mm256_set1_ps(1.0f / 24));
    p = _mm256_fmadd_ps(p, x, _mm256_set1_ps(1.0f / 6));
    p = _mm256_fmadd_ps(p, x, _mm256_set1_ps(0.5f));
    __m256 series = _mm256_fmadd_ps(_mm256_mul_ps(p, x), x, x);
    __m256 viaExp = _mm256_sub_ps(exp8(x), _mm256_set1_ps(1));
    __m256 small = _mm256_cmp_ps(x, _mm256_set1_ps(-0.35f), _CMP_GE_OQ);
    __m256 e = _mm256_mul_ps(alpha, _mm256_blendv_ps(viaExp, series, small));
    return _mm256_blendv_ps(x, e, negative);
}

CK_AVX2 void ck_elu_span_avx2(float *x, size_t count, float alpha) {
    __m256 a = _mm256_set1_ps(alpha);
    size_t i = 0;
    for (; i + 8 <= count; i += 8) _mm256_storeu_ps(x + i, elu8(_mm256_loadu_ps(x + i), a));
    if (i < count) ck_elu_span_portable(x + i, count - i, alpha);
}

CK_AVX2 void ck_layer_norm_row_avx2(const float *x, float *y, int width, const float *w, const float *b, float eps) {
    int w8 = width & ~7, c;
    __m256d s0 = _mm256_setzero_pd(), s1 = s0;
    for (c = 0; c < w8; c += 8) {
        __m256 v = _mm256_loadu_ps(x + c);
        s0 = _mm256_add_pd(s0, _mm256_cvtps_pd(_mm256_castps256_ps128(v)));
        s1 = _mm256_add_pd(s1, _mm256_cvtps_pd(_mm256_extractf128_ps(v, 1)));
    }
    double sum = hsum_pd(_mm256_add_pd(s0, s1));
    for (; c < width; c++) sum += x[c];
    double mean = sum / width;
    __m256d mv = _mm256_set1_pd(mean), q0 = _mm256_setzero_pd(), q1 = q0;
    for (c = 0; c < w8; c += 8) {
        __m256 v = _mm256_loadu_ps(x + c);
        __m256d d0 = _mm256_sub_pd(_mm256_cvtps_pd(_mm256_castps256_ps128(v)), mv);
        __m256d d1 = _mm256_sub_pd(_mm256_cvtps_pd(_mm256_extractf128_ps(v, 1)), mv);
        q0 = _mm256_fmadd_pd(d0, d0, q0);
        q1 = _mm256_fmadd_pd(d1, d1, q1);
    }
    double squares = hsum_pd(_mm256_add_pd(q0, q1));
    for (; c < width; c++) {
        double d = x[c] - mean;
        squares += d * d;
    }
    float inverse = (float)(1 / sqrt(squares / width + eps)), m = (float)mean;
    __m256 iv = _mm256_set1_ps(inverse), mf = _mm256_set1_ps(m);
    for (c = 0; c < w8; c += 8) {
        __m256 v = _mm256_mul_ps(_mm256_mul_ps(_mm256_sub_ps(_mm256_loadu_ps(x + c), mf), iv), _mm256_loadu_ps(w + c));
        if (b) v = _mm256_add_ps(v, _mm256_loadu_ps(b + c));
        _mm256_storeu_ps(y + c, v);
    }
    for (; c < width; c++) {
        float v = (x[c] - m) * inverse * w[c];
        y[c] = b ? v + b[c] : v;
    }
}

CK_AVX2 static inline __m256 load8_f32(const float *p) { return _mm256_loadu_ps(p); }

CK_DEFINE_ATTEND_HEAD_64(ck_attend_head_avx2, CK_AVX2, float, load8_f32, ck_attend_head_portable)
#endif
