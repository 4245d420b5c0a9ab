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

/// One q4 group (16 bytes: elements i and i + 16 in byte i) as 32 unsigned bytes 0…15 (value + 8),
/// in element order: the 16 bytes broadcast to both halves, the high half shifted by a nibble.
CK_AVX2 static inline __m256i q4_group_unsigned(const uint8_t *p) {
    __m256i b = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)p));
    return _mm256_and_si256(_mm256_srlv_epi64(b, _mm256_set_epi64x(4, 4, 0, 0)), _mm256_set1_epi8(15));
}

/// One group's products as 8 int32 lanes: vpmaddubsw of the unsigned weights with x, vpmaddwd.
CK_AVX2 static inline __m256i q4_group_products(const uint8_t *w, __m256i x) {
    return _mm256_madd_epi16(_mm256_maddubs_epi16(q4_group_unsigned(w), x), _mm256_set1_epi16(1));
}

/// Groups g and g + 1 (32 consecutive weight bytes) against `xp`, their activations in pair
/// order (x_g[0…15], x_g+1[0…15], x_g[16…31], x_g+1[16…31]): the low nibbles meet the first 32
/// bytes, the high nibbles the next 32; the two vpmaddubsw results are added in int16 (each
/// ≤ 2 · 2 · 15 · 127, no overflow) and vpmaddwd gives 4 int32 lanes of group g, then 4 of g + 1.
CK_AVX2 static inline __m256i q4_pair_products(const uint8_t *w, const int8_t *xp) {
    const __m256i low = _mm256_set1_epi8(15);
    __m256i b = _mm256_loadu_si256((const __m256i *)w);
    __m256i lo = _mm256_and_si256(b, low), hi = _mm256_and_si256(_mm256_srli_epi16(b, 4), low);
    __m256i p = _mm256_add_epi16(_mm256_maddubs_epi16(lo, _mm256_loadu_si256((const __m256i *)xp)),
                                 _mm256_maddubs_epi16(hi, _mm256_loadu_si256((const __m256i *)(xp + 32))));
    return _mm256_madd_epi16(p, _mm256_set1_epi16(1));
}

/// The 8 group sums of groups g0 … g0 + 7 of one row, in lane order: two hadd levels leave
/// (g0, g2, g4, g6 | g1, g3, g5, g7), one vpermd restores the order.
CK_AVX2 static inline __m256i q4_block_sums(const uint8_t *w, const int8_t *xp, int g0) {
    __m256i p01 = q4_pair_products(w + g0 * 16, xp + g0 * 32), p23 = q4_pair_products(w + g0 * 16 + 32, xp + g0 * 32 + 64);
    __m256i p45 = q4_pair_products(w + g0 * 16 + 64, xp + g0 * 32 + 128), p67 = q4_pair_products(w + g0 * 16 + 96, xp + g0 * 32 + 192);
    __m256i sums = _mm256_hadd_epi32(_mm256_hadd_epi32(p01, p23), _mm256_hadd_epi32(p45, p67));
    return _mm256_permutevar8x32_epi32(sums, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
}

/// How far ahead of the row pair in work the q4 kernel prefetches its next rows' nibbles and
/// scales (bytes of nibbles). q4 keeps a row's nibbles and its scales in two arrays, and the
/// hardware prefetcher alone let a decoding pass over bark-small's 48 matrices (53 MB) read at
/// 43–46 GB/s; fetching 8 KiB ahead took it to 67–74 GB/s (1.16–1.22 → 0.72–0.79 ms, 2 threads,
/// Zen 4 guest with ~81 GB/s of read bandwidth; 1–4 KiB gave 59–63, 16–24 KiB 61–65 GB/s). The
/// int8 kernel (one contiguous array) measured no gain, so it has none.
#define Q4_PREFETCH_BYTES 8192

/// 4-bit weights × per-group int8 activations. The unsigned weights (value + 8, 0…15) meet x
/// by vpmaddubsw (`q4_pair_products`, activations pre-arranged per pair of groups in
/// `x_pairs`); eight groups' int32 sums are gathered into one vector, the offset 8 · Σx is
/// subtracted — the exact integer dot product Σ value · x of the portable loop — and one FMA
/// scales them by weight scale × activation scale. Rows go in pairs sharing the loop.
CK_AVX2 void ck_gemv_q4_rows_avx2(const void *args, int r0, int r1) {
    const ck_gemv_args *a = args;
    int k = a->k, groups = ck_q4_groups(k), blocks = groups / 8;
    size_t stride = ck_q4_row_bytes(k);
    const float *xs = a->x_group_scales;
    const int32_t *offsets = a->x_group_offsets;
    const int8_t *xp = a->x_pairs;
    // Rows ahead to prefetch (even, about Q4_PREFETCH_BYTES of nibbles; see there).
    int ahead = (int)(Q4_PREFETCH_BYTES / stride) & ~1;
    if (ahead < 2) ahead = 2;
    for (int r = r0; r < r1; r += 2) {
        int pair = r + 1 < r1;
        const uint8_t *wa = (const uint8_t *)a->w + (size_t)r * stride, *wb = pair ? wa + stride : wa;
        const float *sa = a->scales + (size_t)r * groups, *sb = pair ? sa + groups : sa;
        if (r + ahead + 1 < r1) {
            const char *nibbles = (const char *)(wa + (size_t)ahead * stride);
            const char *scales = (const char *)(sa + (size_t)ahead * groups);
            for (size_t b = 0; b < 2 * stride; b += 64) _mm_prefetch(nibbles + b, _MM_HINT_T0);
            for (size_t b = 0; b < 2 * groups * sizeof(float); b += 64) _mm_prefetch(scales + b, _MM_HINT_T0);
        }
        __m256 acca = _mm256_setzero_ps(), accb = acca;
        for (int block = 0; block < blocks; block++) {
            int g0 = block * 8;
            __m256i offset = _mm256_loadu_si256((const __m256i *)(offsets + g0));
            __m256 x_scale = _mm256_loadu_ps(xs + g0);
            __m256 dota = _mm256_cvtepi32_ps(_mm256_sub_epi32(q4_block_sums(wa, xp, g0), offset));
            __m256 dotb = _mm256_cvtepi32_ps(_mm256_sub_epi32(q4_block_sums(wb, xp, g0), offset));
            acca = _mm256_fmadd_ps(dota, _mm256_mul_ps(_mm256_loadu_ps(sa + g0), x_scale), acca);
            accb = _mm256_fmadd_ps(dotb, _mm256_mul_ps(_mm256_loadu_ps(sb + g0), x_scale), accb);
        }
        float suma = ck_hsum_ps(acca), sumb = ck_hsum_ps(accb);
        for (int g = blocks * 8; g < groups; g++) {
            __m256i x = _mm256_loadu_si256((const __m256i *)(a->x_q + g * 32));
            int32_t dota = ck_hsum_epi32(q4_group_products(wa + g * 16, x));
            int32_t dotb = ck_hsum_epi32(q4_group_products(wb + g * 16, x));
            suma += (float)(dota - offsets[g]) * (sa[g] * xs[g]);
            sumb += (float)(dotb - offsets[g]) * (sb[g] * xs[g]);
        }
        ck_store(a, r, suma);
        if (pair) ck_store(a, r + 1, sumb);
    }
}
#endif
