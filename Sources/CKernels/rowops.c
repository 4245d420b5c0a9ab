// Row operations of the transformer blocks (softmax, GELU, LayerNorm, one-query attention): the
// portable kernels and the dispatchers that split rows over the pool. These ran as scalar Swift
// loops on one thread while the other core waited; in the fine stage and coarse prefill they took
// about a third of the wall time.
#include "internal.h"
#include <math.h>

// MARK: - Portable kernels

void ck_softmax_row_portable(float *x, int visible, int width) {
    if (visible > 0) {
        float maximum = -INFINITY;
        for (int i = 0; i < visible; i++) if (x[i] > maximum) maximum = x[i];
        float sum = 0;
        for (int i = 0; i < visible; i++) {
            float e = expf(x[i] - maximum);
            x[i] = e;
            sum += e;
        }
        float scale = 1 / sum;
        for (int i = 0; i < visible; i++) x[i] *= scale;
    }
    for (int i = visible < 0 ? 0 : visible; i < width; i++) x[i] = 0;
}

/// erf by Abramowitz–Stegun 7.1.26 (|error| ≤ 1.5e-7).
static inline float erf_as(float x) {
    float a = fabsf(x);
    float t = 1 / (1 + 0.3275911f * a);
    float p = ((((1.061405429f * t - 1.453152027f) * t + 1.421413741f) * t - 0.284496736f) * t + 0.254829592f) * t;
    float y = 1 - p * expf(-a * a);
    return x < 0 ? -y : y;
}

void ck_gelu_span_portable(float *x, size_t count) {
    for (size_t i = 0; i < count; i++) x[i] = 0.5f * x[i] * (1 + erf_as(x[i] * 0.70710678118654752440f));
}

void ck_elu_span_portable(float *x, size_t count, float alpha) {
    for (size_t i = 0; i < count; i++) if (x[i] <= 0) x[i] = alpha * expm1f(x[i]);
}

void ck_layer_norm_row_portable(const float *x, float *y, int width, const float *w, const float *b, float eps) {
    double sum = 0;
    for (int c = 0; c < width; c++) sum += x[c];
    double mean = sum / width, squares = 0;
    for (int c = 0; c < width; c++) {
        double d = x[c] - mean;
        squares += d * d;
    }
    float inverse = (float)(1 / sqrt(squares / width + eps)), m = (float)mean;
    for (int c = 0; c < width; c++) {
        float v = (x[c] - m) * inverse * w[c];
        y[c] = b ? v + b[c] : v;
    }
}

void ck_attend_head_portable(const float *q, const float *k, const float *v, int key_stride, int keys, int head_dim,
                             float scale, float *scores, float *out) {
    for (int j = 0; j < keys; j++) {
        const float *kj = k + (size_t)j * key_stride;
        float dot = 0;
        for (int d = 0; d < head_dim; d++) dot += q[d] * kj[d];
        scores[j] = dot * scale;
    }
    ck_softmax_row_portable(scores, keys, keys);
    for (int d = 0; d < head_dim; d++) out[d] = 0;
    for (int j = 0; j < keys; j++) {
        const float *vj = v + (size_t)j * key_stride;
        float p = scores[j];
        for (int d = 0; d < head_dim; d++) out[d] += p * vj[d];
    }
}

// MARK: - Dispatch

static int use_avx2(int path) {
#if defined(__x86_64__) || defined(__i386__)
    return ck_effective_path(path) >= CK_PATH_AVX2;
#else
    (void)path;
    return 0;
#endif
}

/// Splits `items` into at most 4 tasks per thread of at least `min_items` each and runs them.
typedef struct {
    void (*range)(const void *args, int begin, int end);
    const void *args;
    int items, chunk;
} ck_range_job;

static void range_task(void *context, int index) {
    const ck_range_job *job = context;
    int begin = index * job->chunk, end = begin + job->chunk < job->items ? begin + job->chunk : job->items;
    job->range(job->args, begin, end);
}

static void run_ranges(ck_pool *pool, int items, int min_items, void (*range)(const void *, int, int), const void *args) {
    if (items <= 0) return;
    int threads = ck_pool_threads(pool);
    if (threads <= 1 || items < 2 * min_items) {
        range(args, 0, items);
        return;
    }
    int tasks = threads * 4, chunk = (items + tasks - 1) / tasks;
    if (chunk < min_items) chunk = min_items;
    ck_range_job job = { range, args, items, chunk };
    ck_pool_run(pool, range_task, &job, (items + chunk - 1) / chunk);
}

typedef struct {
    float *x;
    int width, stride, causal_past, avx2;
} softmax_args;

static void softmax_range(const void *context, int begin, int end) {
    const softmax_args *a = context;
    for (int r = begin; r < end; r++) {
        int visible = a->width;
        if (a->causal_past >= 0 && a->causal_past + r + 1 < visible) visible = a->causal_past + r + 1;
        float *row = a->x + (size_t)r * a->stride;
#if defined(__x86_64__) || defined(__i386__)
        if (a->avx2) { ck_softmax_row_avx2(row, visible, a->width); continue; }
#endif
        ck_softmax_row_portable(row, visible, a->width);
    }
}

void ck_softmax_rows(int path, ck_pool *pool, float *x, int rows, int width, int stride, int causal_past) {
    softmax_args a = { x, width, stride, causal_past, use_avx2(path) };
    int min_rows = width > 0 ? (8192 + width - 1) / width : rows;
    run_ranges(pool, rows, min_rows, softmax_range, &a);
}

enum { SPAN_BLOCK = 1024 };

/// An elementwise activation in place over blocks of SPAN_BLOCK values, on the path chosen once.
typedef struct {
    float *x;
    size_t count;
    float alpha;  // ELU's α (unused by GELU)
    int avx2;
    int elu;      // 0: GELU, 1: ELU
} span_job;

static void span_blocks(const void *context, int begin, int end) {
    const span_job *a = context;
    size_t first = (size_t)begin * SPAN_BLOCK, last = (size_t)end * SPAN_BLOCK;
    if (last > a->count) last = a->count;
    if (first >= last) return;
    float *x = a->x + first;
    size_t n = last - first;
#if defined(__x86_64__) || defined(__i386__)
    if (a->avx2) {
        if (a->elu) ck_elu_span_avx2(x, n, a->alpha);
        else ck_gelu_span_avx2(x, n);
        return;
    }
#endif
    if (a->elu) ck_elu_span_portable(x, n, a->alpha);
    else ck_gelu_span_portable(x, n);
}

static void run_spans(ck_pool *pool, span_job *job) {
    run_ranges(pool, (int)((job->count + SPAN_BLOCK - 1) / SPAN_BLOCK), 8, span_blocks, job);
}

void ck_gelu(int path, ck_pool *pool, float *x, size_t count) {
    span_job a = { x, count, 0, use_avx2(path), 0 };
    run_spans(pool, &a);
}

void ck_elu(int path, ck_pool *pool, float *x, size_t count, float alpha) {
    span_job a = { x, count, alpha, use_avx2(path), 1 };
    run_spans(pool, &a);
}

typedef struct {
    const float *x, *w, *b;
    float *y;
    int width, avx2;
    float eps;
} layer_norm_args;

static void layer_norm_range(const void *context, int begin, int end) {
    const layer_norm_args *a = context;
    for (int r = begin; r < end; r++) {
        const float *x = a->x + (size_t)r * a->width;
        float *y = a->y + (size_t)r * a->width;
#if defined(__x86_64__) || defined(__i386__)
        if (a->avx2) { ck_layer_norm_row_avx2(x, y, a->width, a->w, a->b, a->eps); continue; }
#endif
        ck_layer_norm_row_portable(x, y, a->width, a->w, a->b, a->eps);
    }
}

void ck_layer_norm(int path, ck_pool *pool, const float *x, float *y, int rows, int width,
                   const float *w, const float *b, float eps) {
    layer_norm_args a = { x, w, b, y, width, use_avx2(path), eps };
    int min_rows = width > 0 ? (8192 + width - 1) / width : rows;
    run_ranges(pool, rows, min_rows, layer_norm_range, &a);
}

typedef struct {
    const float *q, *k, *v;
    const uint16_t *k16, *v16;  // binary16 keys and values (ck_attend_one_f16), else NULL
    float *scores, *out;
    int key_stride, keys, head_dim, avx2;
    size_t head_stride;
    float scale;
} attend_args;

static void attend_range(const void *context, int begin, int end) {
    const attend_args *a = context;
    for (int h = begin; h < end; h++) {
        size_t offset = (size_t)h * a->head_dim, kv = (size_t)h * a->head_stride;
        float *scores = a->scores + (size_t)h * a->keys;
        if (a->k16) {
#if defined(__x86_64__) || defined(__i386__)
            if (a->avx2) {
                ck_attend_head_f16_avx2(a->q + offset, a->k16 + kv, a->v16 + kv, a->key_stride, a->keys, a->head_dim,
                                        a->scale, scores, a->out + offset);
                continue;
            }
#endif
            ck_attend_head_f16_portable(a->q + offset, a->k16 + kv, a->v16 + kv, a->key_stride, a->keys, a->head_dim,
                                        a->scale, scores, a->out + offset);
            continue;
        }
#if defined(__x86_64__) || defined(__i386__)
        if (a->avx2) {
            ck_attend_head_avx2(a->q + offset, a->k + kv, a->v + kv, a->key_stride, a->keys, a->head_dim,
                                a->scale, scores, a->out + offset);
            continue;
        }
#endif
        ck_attend_head_portable(a->q + offset, a->k + kv, a->v + kv, a->key_stride, a->keys, a->head_dim,
                                a->scale, scores, a->out + offset);
    }
}

/// Runs every head of `a` on the pool; below ~16k multiply-adds per head the pool's wake-up costs
/// more than it saves, so the caller runs them all.
static void run_attend(ck_pool *pool, int heads, attend_args *a) {
    int min_heads = a->keys * a->head_dim >= 16384 ? 1 : heads;
    run_ranges(pool, heads, min_heads, attend_range, a);
}

void ck_attend_one(int path, ck_pool *pool, const float *q, const float *k, const float *v, int key_stride,
                   size_t head_stride, int keys, int hidden, int heads, float scale, float *scores, float *out) {
    if (heads <= 0 || keys <= 0) return;
    attend_args a = { .q = q, .k = k, .v = v, .scores = scores, .out = out, .key_stride = key_stride, .keys = keys,
                      .head_dim = hidden / heads, .avx2 = use_avx2(path), .head_stride = head_stride, .scale = scale };
    run_attend(pool, heads, &a);
}

void ck_attend_one_f16(int path, ck_pool *pool, const float *q, const uint16_t *k, const uint16_t *v, int key_stride,
                       size_t head_stride, int keys, int hidden, int heads, float scale, float *scores, float *out) {
    if (heads <= 0 || keys <= 0) return;
    int avx2 = use_avx2(path);
#if defined(__x86_64__) || defined(__i386__)
    avx2 = avx2 && ck_features().f16c;
#endif
    attend_args a = { .q = q, .k16 = k, .v16 = v, .scores = scores, .out = out, .key_stride = key_stride, .keys = keys,
                      .head_dim = hidden / heads, .avx2 = avx2, .head_stride = head_stride, .scale = scale };
    run_attend(pool, heads, &a);
}
