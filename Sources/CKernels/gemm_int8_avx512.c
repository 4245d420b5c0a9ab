// AVX-512 VNNI tile kernel of the int8 GEMM (see gemm_int8.c for the layouts and why the sums are
// exact). Same 6 × 16 tile and packed panels as the AVX2 kernel: one 512-bit register holds a
// k pair of all 16 columns, and vpdpwssd multiplies and accumulates it against a broadcast
// activation pair in one instruction (AVX2 needs two 256-bit halves × vpmaddwd + vpaddd). The
// int32 sums are the same integers, and the floats are made in ck_gemm_store_tile's order, so the
// result is bit-identical to the portable and AVX2 paths. Compiled per function with a target
// attribute: the dispatcher checks the AVX-512 path and the VNNI feature first.
#if defined(__x86_64__) || defined(__i386__)
#include "internal.h"
#include <immintrin.h>
#include <string.h>

#define CK_AVX512VNNI __attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni,avx2,fma")))
#define MR CK_GEMM_MR
#define NR CK_GEMM_NR

CK_AVX512VNNI static inline __m512i broadcast_pair512(const int16_t *p) {
    int32_t v;
    memcpy(&v, p, sizeof v);
    return _mm512_set1_epi32(v);
}

/// y[row, col0 ..< col0 + 16] from 16 int32 sums, in ck_gemm_store_tile's order of operations
/// (separate multiplies and adds, never fused).
CK_AVX512VNNI static inline void store16(__m512i acc, const ck_gemm_out *o, float *y, __m512 as, int col) {
    __m512 v = _mm512_mul_ps(_mm512_cvtepi32_ps(acc), as);
    v = _mm512_mul_ps(v, _mm512_loadu_ps(o->w_scales + col));
    if (o->bias) v = _mm512_add_ps(v, _mm512_loadu_ps(o->bias + col));
    if (o->accumulate) v = _mm512_add_ps(_mm512_loadu_ps(y), v);
    _mm512_storeu_ps(y, v);
}

CK_AVX512VNNI void ck_gemm_tile_avx512vnni(const int16_t *a, const int8_t *b, int kp, int32_t *partial, int flags,
                                           const ck_gemm_out *o, int row0, int col0) {
    _Static_assert(MR == 6 && NR == 16, "the AVX-512 tile is 6 rows × 16 columns");
    __m512i c0 = _mm512_setzero_si512(), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0;
    if (!(flags & CK_GEMM_FIRST)) {  // partial: MR rows of NR int32, row-major (as the AVX2 kernel)
        c0 = _mm512_loadu_si512(partial + 0 * NR); c1 = _mm512_loadu_si512(partial + 1 * NR);
        c2 = _mm512_loadu_si512(partial + 2 * NR); c3 = _mm512_loadu_si512(partial + 3 * NR);
        c4 = _mm512_loadu_si512(partial + 4 * NR); c5 = _mm512_loadu_si512(partial + 5 * NR);
    }
    for (int p = 0; p < kp; p++, a += 2 * MR, b += 2 * NR) {
        __m512i w = _mm512_cvtepi8_epi16(_mm256_loadu_si256((const __m256i *)b));
        c0 = _mm512_dpwssd_epi32(c0, broadcast_pair512(a), w);
        c1 = _mm512_dpwssd_epi32(c1, broadcast_pair512(a + 2), w);
        c2 = _mm512_dpwssd_epi32(c2, broadcast_pair512(a + 4), w);
        c3 = _mm512_dpwssd_epi32(c3, broadcast_pair512(a + 6), w);
        c4 = _mm512_dpwssd_epi32(c4, broadcast_pair512(a + 8), w);
        c5 = _mm512_dpwssd_epi32(c5, broadcast_pair512(a + 10), w);
    }
    const __m512i acc[MR] = { c0, c1, c2, c3, c4, c5 };
    if ((flags & CK_GEMM_LAST) && row0 + MR <= o->m && col0 + NR <= o->n) {
        for (int i = 0; i < MR; i++) {
            store16(acc[i], o, o->y + (size_t)(row0 + i) * o->n + col0, _mm512_set1_ps(o->a_scales[row0 + i]), col0);
        }
        return;
    }
    int32_t sums[MR * NR];
    int32_t *dst = flags & CK_GEMM_LAST ? sums : partial;
    for (int i = 0; i < MR; i++) _mm512_storeu_si512(dst + i * NR, acc[i]);
    if (flags & CK_GEMM_LAST) ck_gemm_store_tile(sums, o, row0, col0);
}
#endif
