// Int8 GEMM for prefill: weight packing, activation quantization, the portable tile kernel and
// the blocked, pooled driver behind ck_gemm_int8. The AVX2 tile kernel is in gemm_int8_avx2.c, the
// AVX-512 VNNI one in gemm_int8_avx512.c.
//
// Exactness. Activations are quantized per row to q ∈ -127…127 and widened to int16; weights are
// int8 in -127…127, sign-extended to int16 in the kernel. The AVX2 kernel multiplies with
// vpmaddwd (int16 × int16, adjacent pairs summed into int32): a pair is at most 2 · 127 · 127 =
// 32258, so nothing saturates (vpmaddubsw would saturate its int16 pair sums for u8 × s8 operands
// with an offset, and the |a| × sign(w, a) trick costs an extra µop per multiply), and a row of
// k terms is at most k · 16129, exact in int32 for k < 133 000. Every path therefore computes the
// same integer sums, and converts them to float with the same operations in the same order
// (ck_gemm_store_tile), so the paths agree bit for bit.
//
// Blocking. A task is a block of ≤ 32 row panels (MR = 6 rows each, int16 activations, ≤ 256 KiB:
// stays in L2) × ≤ 8 column panels (NR = 16 columns of packed weights). For each column panel and
// each slice of ≤ 768 k (12 KiB of weights, in L1) it runs every row panel of the block, keeping
// int32 partial sums between slices. Tasks are spread over the pool dynamically.
#include "internal.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MR CK_GEMM_MR
#define NR CK_GEMM_NR

// MARK: - Packing (load time)

size_t ck_gemm_int8_packed_bytes(int n, int k) {
    if (n <= 0 || k <= 0) return 0;
    return (size_t)((n + NR - 1) / NR) * (size_t)((k + 1) / 2) * 2 * NR;
}

void ck_gemm_int8_pack(const int8_t *w, int n, int k, int8_t *packed) {
    int panels = (n + NR - 1) / NR, kp = (k + 1) / 2;
    for (int jp = 0; jp < panels; jp++) {
        int8_t *out = packed + (size_t)jp * kp * 2 * NR;
        for (int p = 0; p < kp; p++) {
            for (int j = 0; j < NR; j++) {
                int row = jp * NR + j;
                for (int e = 0; e < 2; e++) {
                    int col = 2 * p + e;
                    out[((size_t)p * NR + j) * 2 + e] = row < n && col < k ? w[(size_t)row * k + col] : 0;
                }
            }
        }
    }
}

// MARK: - Portable activation quantization and tile

void ck_gemm_quantize_row_portable(const float *x, int k, int16_t *dst, float *scale) {
    float inv;
    *scale = ck_activation_scale(x, k, &inv);
    for (int i = 0; i < k; i++) dst[(i >> 1) * 2 * MR + (i & 1)] = (int16_t)ck_round_activation(x[i], inv);
    if (k & 1) dst[(k >> 1) * 2 * MR + 1] = 0;
}

void ck_gemm_store_tile(const int32_t *acc, const ck_gemm_out *o, int row0, int col0) {
    int rows = o->m - row0 < MR ? o->m - row0 : MR, cols = o->n - col0 < NR ? o->n - col0 : NR;
    for (int i = 0; i < rows; i++) {
        float *y = o->y + (size_t)(row0 + i) * o->n + col0;
        float as = o->a_scales[row0 + i];
        for (int j = 0; j < cols; j++) {
            // One rounding per statement, the order of the AVX2 store (no contraction to FMA).
            float v = (float)acc[i * NR + j];
            v = v * as;
            v = v * o->w_scales[col0 + j];
            if (o->bias) v = v + o->bias[col0 + j];
            if (o->accumulate) v = y[j] + v;
            y[j] = v;
        }
    }
}

void ck_gemm_tile_portable(const int16_t *a, const int8_t *b, int kp, int32_t *partial, int flags,
                           const ck_gemm_out *o, int row0, int col0) {
    int32_t acc[MR * NR];
    if (flags & CK_GEMM_FIRST) memset(acc, 0, sizeof acc); else memcpy(acc, partial, sizeof acc);
    for (int p = 0; p < kp; p++, a += 2 * MR, b += 2 * NR) {
        for (int i = 0; i < MR; i++) {
            int32_t a0 = a[2 * i], a1 = a[2 * i + 1];
            for (int j = 0; j < NR; j++) acc[i * NR + j] += a0 * b[2 * j] + a1 * b[2 * j + 1];
        }
    }
    if (flags & CK_GEMM_LAST) ck_gemm_store_tile(acc, o, row0, col0); else memcpy(partial, acc, sizeof acc);
}

// MARK: - Driver

typedef struct {
    const float *x;
    int m, k, kp, panels_per_task;
    int16_t *a;
    float *a_scales;
    ck_gemm_quantize_fn quantize;
} quantize_args;

static void quantize_task(void *context, int index) {
    const quantize_args *q = context;
    int row_panels = (q->m + MR - 1) / MR;
    int p0 = index * q->panels_per_task, p1 = p0 + q->panels_per_task < row_panels ? p0 + q->panels_per_task : row_panels;
    for (int panel = p0; panel < p1; panel++) {
        int16_t *base = q->a + (size_t)panel * q->kp * 2 * MR;
        for (int i = 0; i < MR; i++) {
            int r = panel * MR + i;
            if (r < q->m) {
                q->quantize(q->x + (size_t)r * q->k, q->k, base + 2 * i, &q->a_scales[r]);
            } else {
                for (int p = 0; p < q->kp; p++) base[p * 2 * MR + 2 * i] = base[p * 2 * MR + 2 * i + 1] = 0;
            }
        }
    }
}

typedef struct {
    const int16_t *a;
    const int8_t *b;
    int kp, row_panels, col_panels, mc, nc, row_blocks;
    ck_gemm_out out;
    ck_gemm_tile_fn tile;
} gemm_args;

/// Pairs of k per slice: a 16-column weight slice (12 KiB) and a 6-row activation slice (9 KiB) share L1.
#define KC_PAIRS 384
/// Row panels per task at most (the int32 partial sums of one column panel live on the stack).
#define MC_MAX 32

static void gemm_task(void *context, int index) {
    const gemm_args *g = context;
    int rb = index % g->row_blocks, cb = index / g->row_blocks;
    int i0 = rb * g->mc, i1 = i0 + g->mc < g->row_panels ? i0 + g->mc : g->row_panels;
    int j0 = cb * g->nc, j1 = j0 + g->nc < g->col_panels ? j0 + g->nc : g->col_panels;
    size_t a_panel = (size_t)g->kp * 2 * MR, b_panel = (size_t)g->kp * 2 * NR;
    int32_t partial[MC_MAX * MR * NR];
    for (int j = j0; j < j1; j++) {
        // k in slices (one pass when kp ≤ KC_PAIRS, also when kp = 0); the weight slice stays in
        // L1 while every row panel of the block passes over it.
        for (int p0 = 0; p0 == 0 || p0 < g->kp; p0 += KC_PAIRS) {
            int count = g->kp - p0 < KC_PAIRS ? g->kp - p0 : KC_PAIRS;
            int flags = (p0 == 0 ? CK_GEMM_FIRST : 0) | (p0 + count >= g->kp ? CK_GEMM_LAST : 0);
            const int8_t *b = g->b + j * b_panel + (size_t)p0 * 2 * NR;
            for (int i = i0; i < i1; i++) {
                g->tile(g->a + i * a_panel + (size_t)p0 * 2 * MR, b, count, partial + (i - i0) * MR * NR, flags,
                        &g->out, i * MR, j * NR);
            }
        }
    }
}

void ck_gemm_int8(int path, ck_pool *pool, const float *x, int m, int k, const int8_t *packed,
                  const float *scales, int n, const float *bias, float *y, int accumulate) {
    if (m <= 0 || n <= 0) return;
    if (k < 0) k = 0;
    int kp = (k + 1) / 2, row_panels = (m + MR - 1) / MR, col_panels = (n + NR - 1) / NR;
    gemm_args g = { .kp = kp, .row_panels = row_panels, .col_panels = col_panels,
                    .tile = ck_gemm_tile_portable };
    ck_gemm_quantize_fn quantize = ck_gemm_quantize_row_portable;
#if defined(__x86_64__) || defined(__i386__)
    if (ck_effective_path(path) >= CK_PATH_AVX2) {
        g.tile = ck_gemm_tile_avx2;
        quantize = ck_gemm_quantize_row_avx2;
    }
    if (ck_effective_path(path) >= CK_PATH_AVX512 && ck_features().avx512vnni) g.tile = ck_gemm_tile_avx512vnni;
#else
    (void)path;
#endif
    size_t a_bytes = (size_t)row_panels * kp * 2 * MR * sizeof(int16_t);
    int16_t *a = aligned_alloc(64, (a_bytes + 63) / 64 * 64 + 64);
    float *a_scales = malloc(sizeof(float) * (size_t)m);
    if (!a || !a_scales) abort();  // like Swift's allocation failure

    int threads = ck_pool_threads(pool);
    double macs = (double)m * n * (k > 0 ? k : 1);
    int serial = threads == 1 || macs < (1 << 21);

    quantize_args q = { x, m, k, kp, 0, a, a_scales, quantize };
    q.panels_per_task = serial ? row_panels : (row_panels + threads * 4 - 1) / (threads * 4);
    int quantize_tasks = (row_panels + q.panels_per_task - 1) / q.panels_per_task;
    if (serial || (double)m * k < 65536) {
        for (int t = 0; t < quantize_tasks; t++) quantize_task(&q, t);
    } else {
        ck_pool_run(pool, quantize_task, &q, quantize_tasks);
    }

    g.a = a;
    g.b = packed;
    g.out = (ck_gemm_out){ a_scales, scales, bias, y, m, n, accumulate };
    // Row block: ≤ 256 KiB of int16 activations (L2 resident while the column panels pass over it).
    int mc = (int)(262144 / ((size_t)(kp > 0 ? kp : 1) * 2 * MR * sizeof(int16_t)));
    g.mc = mc < 1 ? 1 : mc > MC_MAX ? MC_MAX : mc;
    if (g.mc > row_panels) g.mc = row_panels;
    g.nc = col_panels < 8 ? col_panels : 8;
    if (!serial) {
        // Enough tasks for the dynamic schedule to balance: at least 4 per thread.
        while (((row_panels + g.mc - 1) / g.mc) * ((col_panels + g.nc - 1) / g.nc) < threads * 4 && (g.mc > 1 || g.nc > 1)) {
            if (g.mc >= g.nc * 2 || g.nc == 1) g.mc = (g.mc + 1) / 2; else g.nc = (g.nc + 1) / 2;
        }
    }
    g.row_blocks = (row_panels + g.mc - 1) / g.mc;
    int tasks = g.row_blocks * ((col_panels + g.nc - 1) / g.nc);
    if (serial) {
        for (int t = 0; t < tasks; t++) gemm_task(&g, t);
    } else {
        ck_pool_run(pool, gemm_task, &g, tasks);
    }
    free(a);
    free(a_scales);
}
