// Private to CKernels: the body of the AVX2 one-query attention kernel for one 64-wide head,
// shared by the f32 kernel (rowops_avx2.c) and the binary16-cache kernel (kv_half_avx2.c). The
// two differ only in how 8 keys or values are read, so the body is written once and each file
// instantiates it with its element type, its 8-wide load and its target attribute.
#ifndef CKERNELS_ATTEND_HEAD_AVX2_H
#define CKERNELS_ATTEND_HEAD_AVX2_H
#include "avx2_inline.h"

/// Keys (and values) ahead of the one in work that the kernel prefetches. Each head's keys are
/// one contiguous run (head-major cache), yet the hardware prefetcher alone left a bark-small
/// decoding step's attention well short of the memory's bandwidth: 16 keys ahead took the q4
/// semantic step from 1.45 to 1.26–1.33 ms and the live coarse step (positions 527…947, f16
/// cache) from 1.9 to 1.5–1.6 ms (2 threads, Zen 4 guest; 8 and 32 measured the same). Near the
/// last key it fetches unused cache slots (a prefetch never faults); skipping those with a test
/// per key measured no faster.
#define CK_ATTEND_PREFETCH_KEYS 16

/// Prefetches `bytes` (a multiple of 64) from `p` into L1.
static inline void ck_prefetch_bytes(const void *p, size_t bytes) {
    for (size_t b = 0; b < bytes; b += 64) _mm_prefetch((const char *)p + b, _MM_HINT_T0);
}

/// Defines `TARGET void NAME(q, k, v, key_stride, keys, head_dim, scale, scores, out)` over keys and
/// values of `ELEMENT` read 8 at a time by `LOAD8(pointer)` (→ __m256); widths other than 64 call
/// `FALLBACK` with the same arguments.
#define CK_DEFINE_ATTEND_HEAD_64(NAME, TARGET, ELEMENT, LOAD8, FALLBACK)                                          \
    TARGET void NAME(const float *q, const ELEMENT *k, const ELEMENT *v, int key_stride, int keys, int head_dim,   \
                     float scale, float *scores, float *out) {                                                     \
        if (head_dim != 64) { /* Bark's heads are 64 wide; other widths take the portable kernel */               \
            FALLBACK(q, k, v, key_stride, keys, head_dim, scale, scores, out);                                      \
            return;                                                                                                 \
        }                                                                                                           \
        __m256 q0 = _mm256_loadu_ps(q), q1 = _mm256_loadu_ps(q + 8), q2 = _mm256_loadu_ps(q + 16);                  \
        __m256 q3 = _mm256_loadu_ps(q + 24), q4 = _mm256_loadu_ps(q + 32), q5 = _mm256_loadu_ps(q + 40);            \
        __m256 q6 = _mm256_loadu_ps(q + 48), q7 = _mm256_loadu_ps(q + 56);                                           \
        for (int j = 0; j < keys; j++) {                                                                            \
            const ELEMENT *kj = k + (size_t)j * key_stride;                                                         \
            ck_prefetch_bytes(kj + (size_t)CK_ATTEND_PREFETCH_KEYS * key_stride, sizeof(ELEMENT) * 64);             \
            __m256 a = _mm256_mul_ps(q0, LOAD8(kj));                                                                \
            __m256 b = _mm256_mul_ps(q1, LOAD8(kj + 8));                                                            \
            a = _mm256_fmadd_ps(q2, LOAD8(kj + 16), a);                                                             \
            b = _mm256_fmadd_ps(q3, LOAD8(kj + 24), b);                                                             \
            a = _mm256_fmadd_ps(q4, LOAD8(kj + 32), a);                                                             \
            b = _mm256_fmadd_ps(q5, LOAD8(kj + 40), b);                                                             \
            a = _mm256_fmadd_ps(q6, LOAD8(kj + 48), a);                                                             \
            b = _mm256_fmadd_ps(q7, LOAD8(kj + 56), b);                                                             \
            scores[j] = ck_hsum_ps(_mm256_add_ps(a, b)) * scale;                                                    \
        }                                                                                                           \
        ck_softmax_row_avx2(scores, keys, keys);                                                                    \
        __m256 o[8];                                                                                                \
        for (int d = 0; d < 8; d++) o[d] = _mm256_setzero_ps();                                                     \
        for (int j = 0; j < keys; j++) {                                                                            \
            const ELEMENT *vj = v + (size_t)j * key_stride;                                                         \
            ck_prefetch_bytes(vj + (size_t)CK_ATTEND_PREFETCH_KEYS * key_stride, sizeof(ELEMENT) * 64);             \
            __m256 p = _mm256_set1_ps(scores[j]);                                                                   \
            for (int d = 0; d < 8; d++) o[d] = _mm256_fmadd_ps(p, LOAD8(vj + 8 * d), o[d]);                          \
        }                                                                                                           \
        for (int d = 0; d < 8; d++) _mm256_storeu_ps(out + 8 * d, o[d]);                                            \
    }

#endif
