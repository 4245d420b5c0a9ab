// CPU detection, load-time quantization, portable kernels and the GEMV dispatcher.
#include "internal.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>
#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

// MARK: - CPU features

#if defined(__x86_64__) || defined(__i386__)
static unsigned long long ck_xgetbv(void) {
    unsigned eax, edx;
    __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
    return ((unsigned long long)edx << 32) | eax;
}
#endif

ck_cpu_features ck_cpu_detect(void) {
    ck_cpu_features f;
    memset(&f, 0, sizeof f);
#if defined(__x86_64__) || defined(__i386__)
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return f;
    int osxsave = (c >> 27) & 1, avx = (c >> 28) & 1;
    if (!osxsave || !avx) return f;
    unsigned long long xcr0 = ck_xgetbv();
    int ymm = (xcr0 & 0x6) == 0x6, zmm = (xcr0 & 0xE6) == 0xE6;
    if (!ymm) return f;
    f.fma = (c >> 12) & 1;
    f.f16c = (c >> 29) & 1;
    unsigned max = __get_cpuid_max(0, NULL);
    if (max < 7) return f;
    __cpuid_count(7, 0, a, b, c, d);
    f.avx2 = (b >> 5) & 1;
    if (zmm) {
        f.avx512f = (b >> 16) & 1;
        f.avx512bw = (b >> 30) & 1;
        f.avx512vl = (b >> 31) & 1;
        f.avx512vnni = (c >> 11) & 1;
        __cpuid_count(7, 1, a, b, c, d);
        f.avx512bf16 = (a >> 5) & 1;
    }
#endif
    return f;
}

ck_cpu_features ck_features(void) {
    static ck_cpu_features cached;
    static int done;  // benign race: every thread computes the same value
    if (!__atomic_load_n(&done, __ATOMIC_ACQUIRE)) {
        cached = ck_cpu_detect();
        __atomic_store_n(&done, 1, __ATOMIC_RELEASE);
    }
    return cached;
}

int ck_path_supported(int path) {
    ck_cpu_features f = ck_features();
    switch (path) {
    case CK_PATH_PORTABLE: return 1;
#if defined(__x86_64__) || defined(__i386__)
    case CK_PATH_AVX2: return f.avx2 && f.fma;
    case CK_PATH_AVX512: return f.avx2 && f.fma && f.avx512f && f.avx512bw && f.avx512vl;
#endif
    default: return 0;
    }
}

int ck_best_path(void) {
    if (ck_path_supported(CK_PATH_AVX512)) return CK_PATH_AVX512;
    if (ck_path_supported(CK_PATH_AVX2)) return CK_PATH_AVX2;
    return CK_PATH_PORTABLE;
}

// MARK: - Quantization

int ck_q4_groups(int k) { return (k + 31) / 32; }
size_t ck_q4_row_bytes(int k) { return (size_t)ck_q4_groups(k) * 16; }

static uint16_t f32_to_bf16(float x) {
    union { float f; uint32_t u; } v = { x };
    if ((v.u & 0x7F800000u) == 0x7F800000u && (v.u & 0x007FFFFFu)) return (uint16_t)((v.u >> 16) | 0x40);
    uint32_t rounding = 0x7FFFu + ((v.u >> 16) & 1u);
    return (uint16_t)((v.u + rounding) >> 16);
}

void ck_f32_to_bf16(const float *src, uint16_t *dst, size_t count) {
    for (size_t i = 0; i < count; i++) dst[i] = f32_to_bf16(src[i]);
}

void ck_bf16_to_f32(const uint16_t *src, float *dst, size_t count) {
    for (size_t i = 0; i < count; i++) dst[i] = ck_bf16_value(src[i]);
}

void ck_quantize_int8(const float *w, int n, int k, int8_t *q, float *scales) {
    for (int r = 0; r < n; r++) {
        const float *row = w + (size_t)r * k;
        float m = 0;
        for (int i = 0; i < k; i++) m = fmaxf(m, fabsf(row[i]));
        float scale = m / 127.0f, inv = m > 0 ? 127.0f / m : 0;
        scales[r] = scale;
        for (int i = 0; i < k; i++) {
            float v = nearbyintf(row[i] * inv);
            q[(size_t)r * k + i] = (int8_t)(v > 127 ? 127 : v < -127 ? -127 : v);
        }
    }
}

void ck_quantize_q4(const float *w, int n, int k, uint8_t *q, float *scales) {
    int groups = ck_q4_groups(k);
    size_t stride = ck_q4_row_bytes(k);
    for (int r = 0; r < n; r++) {
        const float *row = w + (size_t)r * k;
        uint8_t *out = q + (size_t)r * stride;
        for (int g = 0; g < groups; g++) {
            float v[32] = {0}, extreme = 0;
            for (int i = 0; i < 32 && g * 32 + i < k; i++) {
                v[i] = row[g * 32 + i];
                if (fabsf(v[i]) > fabsf(extreme)) extreme = v[i];
            }
            float scale = extreme / -8.0f, inv = scale != 0 ? 1.0f / scale : 0;
            scales[(size_t)r * groups + g] = scale;
            uint8_t nib[32];
            for (int i = 0; i < 32; i++) {
                float t = nearbyintf(v[i] * inv);
                int qv = (int)(t > 7 ? 7 : t < -8 ? -8 : t);
                nib[i] = (uint8_t)(qv + 8);
            }
            for (int i = 0; i < 16; i++) out[g * 16 + i] = (uint8_t)(nib[i] | (nib[i + 16] << 4));
        }
    }
}

// MARK: - Dequantization (GEMM panels)

typedef struct {
    int format;  // 0 bf16, 1 int8, 2 q4
    const void *w;
    const float *scales;
    int k, row0, rows, chunk;
    float *out;
} ck_dequant_args;

static void dequant_task(void *context, int index) {
    const ck_dequant_args *a = context;
    int r0 = index * a->chunk, r1 = r0 + a->chunk < a->rows ? r0 + a->chunk : a->rows;
    int k = a->k;
    for (int rr = r0; rr < r1; rr++) {
        int r = a->row0 + rr;
        float *o = a->out + (size_t)rr * k;
        if (a->format == 0) {
            const uint16_t *w = (const uint16_t *)a->w + (size_t)r * k;
            for (int i = 0; i < k; i++) o[i] = ck_bf16_value(w[i]);
        } else if (a->format == 1) {
            const int8_t *w = (const int8_t *)a->w + (size_t)r * k;
            float s = a->scales[r];
            for (int i = 0; i < k; i++) o[i] = s * (float)w[i];
        } else {
            int groups = ck_q4_groups(k);
            const uint8_t *w = (const uint8_t *)a->w + (size_t)r * ck_q4_row_bytes(k);
            const float *sc = a->scales + (size_t)r * groups;
            for (int g = 0; g < groups; g++) {
                float s = sc[g];
                int base = g * 32;
                if (base + 32 <= k) {
                    for (int i = 0; i < 16; i++) {
                        uint8_t b = w[g * 16 + i];
                        o[base + i] = s * (float)((int)(b & 15) - 8);
                        o[base + i + 16] = s * (float)((int)(b >> 4) - 8);
                    }
                } else {
                    for (int i = 0; base + i < k; i++) {
                        uint8_t b = w[g * 16 + (i & 15)];
                        int v = i < 16 ? (b & 15) : (b >> 4);
                        o[base + i] = s * (float)(v - 8);
                    }
                }
            }
        }
    }
}

static void dequantize(ck_pool *pool, int format, const void *w, const float *scales, int k, int row0, int rows, float *out) {
    int threads = ck_pool_threads(pool);
    int chunk = (rows + threads * 2 - 1) / (threads * 2);
    if (chunk < 8) chunk = 8;
    ck_dequant_args a = { format, w, scales, k, row0, rows, chunk, out };
    ck_pool_run(pool, dequant_task, &a, (rows + chunk - 1) / chunk);
}

void ck_dequantize_bf16(ck_pool *pool, const uint16_t *w, int k, int row0, int rows, float *out) {
    dequantize(pool, 0, w, NULL, k, row0, rows, out);
}
void ck_dequantize_int8(ck_pool *pool, const int8_t *w, const float *scales, int k, int row0, int rows, float *out) {
    dequantize(pool, 1, w, scales, k, row0, rows, out);
}
void ck_dequantize_q4(ck_pool *pool, const uint8_t *w, const float *scales, int k, int row0, int rows, float *out) {
    dequantize(pool, 2, w, scales, k, row0, rows, out);
}

// MARK: - Portable GEMV rows

void ck_gemv_bf16_rows_portable(const void *args, int r0, int r1) {
    const ck_gemv_args *a = args;
    int k = a->k;
    for (int r = r0; r < r1; r++) {
        const uint16_t *w = (const uint16_t *)a->w + (size_t)r * k;
        float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        int i = 0;
        for (; i + 4 <= k; i += 4) {
            s0 += a->x[i] * ck_bf16_value(w[i]);
            s1 += a->x[i + 1] * ck_bf16_value(w[i + 1]);
            s2 += a->x[i + 2] * ck_bf16_value(w[i + 2]);
            s3 += a->x[i + 3] * ck_bf16_value(w[i + 3]);
        }
        for (; i < k; i++) s0 += a->x[i] * ck_bf16_value(w[i]);
        ck_store(a, r, (s0 + s1) + (s2 + s3));
    }
}

float ck_scale_from_max_bits(uint32_t bits, float *inv) {
    float m;
    memcpy(&m, &bits, sizeof m);
    int finite = isfinite(m);
    *inv = finite && m > 0 ? 127.0f / m : 0;
    return finite ? m / 127.0f : m;
}

float ck_activation_scale(const float *x, int k, float *inv) {
    // max |x| as the largest bit pattern with the sign cleared: orders like the values, and a NaN
    // (above +inf) or inf anywhere makes the maximum non-finite.
    uint32_t bits = 0;
    for (int i = 0; i < k; i++) {
        uint32_t u;
        memcpy(&u, x + i, sizeof u);
        u &= 0x7FFFFFFFu;
        if (u > bits) bits = u;
    }
    return ck_scale_from_max_bits(bits, inv);
}

float ck_quantize_activations(const float *x, int k, int8_t *q) {
    float inv, scale = ck_activation_scale(x, k, &inv);
    for (int i = 0; i < k; i++) q[i] = (int8_t)ck_round_activation(x[i], inv);
    return scale;
}

void ck_gemv_int8_rows_portable(const void *args, int r0, int r1) {
    const ck_gemv_args *a = args;
    int k = a->k;
    for (int r = r0; r < r1; r++) {
        const int8_t *w = (const int8_t *)a->w + (size_t)r * k;
        int32_t sum = 0;
        for (int i = 0; i < k; i++) sum += (int32_t)a->x_q[i] * w[i];
        ck_store(a, r, (float)sum * (a->x_scale * a->scales[r]));
    }
}

void ck_quantize_activation_group_portable(const float *x, int len, int8_t *q, float *scale) {
    float inv;
    *scale = ck_activation_scale(x, len, &inv);
    for (int i = 0; i < 32; i++) q[i] = i < len ? (int8_t)ck_round_activation(x[i], inv) : 0;
}

void ck_quantize_activation_groups(const float *x, int k, int8_t *q, float *scales) {
    int groups = ck_q4_groups(k);
    for (int g = 0; g < groups; g++)
        ck_quantize_activation_group_portable(x + g * 32, k - g * 32 < 32 ? k - g * 32 : 32, q + g * 32, scales + g);
}

/// Each group's dot product of 4-bit weights and 8-bit activations is an exact int32 sum; groups
/// are summed in float scaled by weight scale × activation scale (the AVX2 kernel sums them in
/// another order, so the paths agree to rounding, not bit for bit).
void ck_gemv_q4_rows_portable(const void *args, int r0, int r1) {
    const ck_gemv_args *a = args;
    int k = a->k, groups = ck_q4_groups(k);
    size_t stride = ck_q4_row_bytes(k);
    for (int r = r0; r < r1; r++) {
        const uint8_t *w = (const uint8_t *)a->w + (size_t)r * stride;
        const float *sc = a->scales + (size_t)r * groups;
        float sum = 0;
        for (int g = 0; g < groups; g++) {
            const int8_t *x = a->x_q + g * 32;
            int32_t dot = 0;
            for (int i = 0; i < 16; i++) {
                uint8_t b = w[g * 16 + i];
                dot += x[i] * ((int)(b & 15) - 8) + x[i + 16] * ((int)(b >> 4) - 8);
            }
            sum += (float)dot * (sc[g] * a->x_group_scales[g]);
        }
        ck_store(a, r, sum);
    }
}

// MARK: - Dispatcher

static void gemv_task(void *context, int index) {
    const ck_gemv_args *a = context;
    int r0 = index * a->chunk, r1 = r0 + a->chunk < a->n ? r0 + a->chunk : a->n;
    a->rows(a, r0, r1);
}

static void gemv_run(ck_pool *pool, ck_gemv_args *a, size_t weight_bytes) {
    int threads = ck_pool_threads(pool);
    // Small matrices are not worth waking the pool for (~64 KiB of weights).
    if (threads == 1 || weight_bytes < 65536 || a->n < 32) {
        a->rows(a, 0, a->n);
        return;
    }
    int tasks = threads * 4;
    int chunk = (a->n + tasks - 1) / tasks;
    chunk = (chunk + 15) & ~15;
    a->chunk = chunk;
    ck_pool_run(pool, gemv_task, a, (a->n + chunk - 1) / chunk);
}

int ck_effective_path(int path) {
    if (path < 0 || path > CK_PATH_AVX512) path = ck_best_path();
    while (path > CK_PATH_PORTABLE && !ck_path_supported(path)) path--;
    return path;
}

void ck_gemv_bf16(int path, ck_pool *pool, const uint16_t *w, int n, int k,
                  const float *x, const float *bias, float *y, int accumulate) {
    if (n <= 0) return;
    ck_gemv_args a = { .w = w, .n = n, .k = k, .x = x, .bias = bias, .y = y, .accumulate = accumulate,
                       .rows = ck_gemv_bf16_rows_portable };
    uint16_t stack_hi[4096], stack_lo[4096];
    uint16_t *heap = NULL;
    path = ck_effective_path(path);
#if defined(__x86_64__) || defined(__i386__)
    if (path == CK_PATH_AVX2) a.rows = ck_gemv_bf16_rows_avx2;
    if (path == CK_PATH_AVX512) {
        a.rows = ck_gemv_bf16_rows_avx512;
        if (ck_features().avx512bf16) {
            // x = hi + lo in bf16 (hi rounded, lo the bf16 of the remainder): two dot products
            // recover x to ~16 bits, so only the weights' rounding is left.
            uint16_t *hi = stack_hi, *lo = stack_lo;
            if (k > 4096) {
                heap = malloc(sizeof(uint16_t) * 2 * (size_t)k);
                hi = heap; lo = heap ? heap + k : NULL;
            }
            if (hi) {
                for (int i = 0; i < k; i++) {
                    hi[i] = f32_to_bf16(x[i]);
                    lo[i] = f32_to_bf16(x[i] - ck_bf16_value(hi[i]));
                }
                a.x_hi = hi; a.x_lo = lo;
                a.rows = ck_gemv_bf16_rows_avx512bf16;
            }
        }
    }
#endif
    gemv_run(pool, &a, (size_t)n * k * 2);
    free(heap);
}

void ck_gemv_int8(int path, ck_pool *pool, const int8_t *w, const float *scales, int n, int k,
                  const float *x, const float *bias, float *y, int accumulate) {
    if (n <= 0) return;
    // x is quantized once per call, so every row is an exact integer dot product (the same in
    // every path) and the AVX2 kernel can multiply 32 bytes per instruction.
    int8_t stack_q[4096];
    int8_t *heap = k > 4096 ? malloc((size_t)k) : NULL;
    int8_t *x_q = heap ? heap : stack_q;
    if (k > 4096 && !heap) {  // out of memory: no result rather than a wrong one
        for (int r = 0; r < n; r++) y[r] = NAN;
        return;
    }
    path = ck_effective_path(path);
#if defined(__x86_64__) || defined(__i386__)
    float x_scale = path >= CK_PATH_AVX2 ? ck_quantize_activations_avx2(x, k, x_q) : ck_quantize_activations(x, k, x_q);
#else
    float x_scale = ck_quantize_activations(x, k, x_q);
#endif
    ck_gemv_args a = { .w = w, .scales = scales, .n = n, .k = k, .x = x, .x_q = x_q, .x_scale = x_scale, .bias = bias,
                       .y = y, .accumulate = accumulate, .rows = ck_gemv_int8_rows_portable };
#if defined(__x86_64__) || defined(__i386__)
    // AVX-512 machines run the AVX2 kernel too: a vpdpbusd (VNNI) version measured no faster on a
    // Zen 4 (84 M weights: 1.72 vs 1.69 ms with 2 threads). It reads at ~59 of the guest's 81 GB/s;
    // prefetching ahead, which took the q4 kernel from 46 to 72 GB/s, gained nothing here.
    if (path >= CK_PATH_AVX2) a.rows = ck_gemv_int8_rows_avx2;
#endif
    gemv_run(pool, &a, (size_t)n * k);
    free(heap);
}

void ck_gemv_q4(int path, ck_pool *pool, const uint8_t *w, const float *scales, int n, int k,
                const float *x, const float *bias, float *y, int accumulate) {
    if (n <= 0) return;
    // x is quantized once per call, per weight group (llama.cpp's Q4_0 × Q8_0 scheme), so each
    // group is an integer dot product and the AVX2 kernel multiplies 32 bytes per instruction:
    // decoding runs near the memory-bandwidth limit instead of converting every weight to f32.
    int groups = ck_q4_groups(k);
    int8_t stack_q[4096], stack_p[4096];
    float stack_s[128];
    int32_t stack_o[128];
    size_t per_group = 64 + sizeof(float) + sizeof(int32_t);
    void *heap = groups > 128 ? malloc((size_t)groups * per_group) : NULL;
    if (groups > 128 && !heap) {  // out of memory: no result rather than a wrong one
        for (int r = 0; r < n; r++) y[r] = NAN;
        return;
    }
    float *x_s = heap ? (float *)heap : stack_s;
    int32_t *x_o = heap ? (int32_t *)((char *)heap + (size_t)groups * sizeof(float)) : stack_o;
    int8_t *x_q = heap ? (int8_t *)heap + (size_t)groups * (sizeof(float) + sizeof(int32_t)) : stack_q;
    int8_t *x_p = heap ? x_q + (size_t)groups * 32 : stack_p;
    path = ck_effective_path(path);
    ck_gemv_args a = { .w = w, .scales = scales, .n = n, .k = k, .x = x, .x_q = x_q, .x_group_scales = x_s, .x_group_offsets = x_o,
                       .x_pairs = x_p, .bias = bias, .y = y, .accumulate = accumulate, .rows = ck_gemv_q4_rows_portable };
#if defined(__x86_64__) || defined(__i386__)
    // AVX-512 machines run the AVX2 kernel: with its prefetch it reads at 67–74 of the Zen 4
    // guest's 81 GB/s at 2 threads, and the int8 kernel's VNNI version gained nothing.
    if (path >= CK_PATH_AVX2) {
        ck_quantize_activation_groups_avx2(x, k, x_q, x_s);
        for (int g = 0; g < groups; g++) {
            int32_t sum = 0;
            for (int i = 0; i < 32; i++) sum += x_q[g * 32 + i];
            x_o[g] = 8 * sum;
        }
        for (int g = 0; g + 1 < groups; g += 2) {
            const int8_t *x0 = x_q + g * 32, *x1 = x0 + 32;
            int8_t *out = x_p + g * 32;
            memcpy(out, x0, 16);
            memcpy(out + 16, x1, 16);
            memcpy(out + 32, x0 + 16, 16);
            memcpy(out + 48, x1 + 16, 16);
        }
        a.rows = ck_gemv_q4_rows_avx2;
    } else
#endif
    ck_quantize_activation_groups(x, k, x_q, x_s);
    gemv_run(pool, &a, (size_t)n * ck_q4_row_bytes(k));
    free(heap);
}
