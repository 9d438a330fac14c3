// Run-time choice between the scalar reference and the SIMD kernels (llama.cpp's generic + arch split,
// chosen by CPU features at load time instead of at compile time).
#include <stdatomic.h>
#include "ckernels.h"
#if defined(__x86_64__)
#include "x86/quants_avx2.h"
#endif

static atomic_int has_avx2 = -1;  // -1 unknown, then 0/1
static atomic_int has_vnni = -1;    // AVX-512 VNNI with 256-bit (VL) encodings: -1 unknown, then 0/1
static atomic_int has_avx512 = -1;  // and the 512-bit registers (F, BW, DQ): -1 unknown, then 0/1
static atomic_int forced_scalar = 0;

static int use_avx2(void) {
#if defined(__x86_64__)
    int v = atomic_load_explicit(&has_avx2, memory_order_relaxed);
    if (v < 0) {
        __builtin_cpu_init();
        v = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c");
        atomic_store(&has_avx2, v);
    }
    return v && !atomic_load_explicit(&forced_scalar, memory_order_relaxed);
#else
    return 0;
#endif
}

// vpdpbusd: 4 byte products summed into a 32-bit lane in one instruction (x86/repacked_vnni.c).
static int use_vnni(void) {
#if defined(__x86_64__)
    int v = atomic_load_explicit(&has_vnni, memory_order_relaxed);
    if (v < 0) {
        __builtin_cpu_init();
        v = __builtin_cpu_supports("avx512vnni") && __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512f");
        atomic_store(&has_vnni, v);
    }
    return v && use_avx2();
#else
    return 0;
#endif
}

static int use_avx512(void) {
#if defined(__x86_64__)
    int v = atomic_load_explicit(&has_avx512, memory_order_relaxed);
    if (v < 0) {
        __builtin_cpu_init();
        v = __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq");
        atomic_store(&has_avx512, v);
    }
    return v && use_vnni();
#else
    return 0;
#endif
}

void ck_force_scalar(int on) { atomic_store(&forced_scalar, on); }

const char *ck_simd_name(void) { return use_avx512() ? "avx2+avx512vnni" : use_vnni() ? "avx2+vnni" : use_avx2() ? "avx2" : "scalar"; }

float ck_dot_f32(int64_t n, const float *a, const float *b) {
#if defined(__x86_64__)
    if (use_avx2()) return ck_dot_f32_avx2(n, a, b);
#endif
    return ck_dot_f32_ref(n, a, b);
}

static float dot_f32_kernel(int64_t n, const void *w, const void *x) { return ck_dot_f32_ref(n, w, x); }
static float dot_f16_ref(int64_t n, const void *w, const void *x) { return ck_vec_dot_ref(CK_F16, n, w, x); }
static float dot_bf16_ref(int64_t n, const void *w, const void *x) { return ck_vec_dot_ref(CK_BF16, n, w, x); }
static float dot_q4_0_ref(int64_t n, const void *w, const void *x) { return ck_vec_dot_ref(CK_Q4_0, n, w, x); }
static float dot_q5_0_ref(int64_t n, const void *w, const void *x) { return ck_vec_dot_ref(CK_Q5_0, n, w, x); }
static float dot_q8_0_ref(int64_t n, const void *w, const void *x) { return ck_vec_dot_ref(CK_Q8_0, n, w, x); }
static float dot_q4_K_ref(int64_t n, const void *w, const void *x) { return ck_vec_dot_ref(CK_Q4_K, n, w, x); }
static float dot_q5_K_ref(int64_t n, const void *w, const void *x) { return ck_vec_dot_ref(CK_Q5_K, n, w, x); }
static float dot_q6_K_ref(int64_t n, const void *w, const void *x) { return ck_vec_dot_ref(CK_Q6_K, n, w, x); }
#if defined(__x86_64__)
static float dot_f32_avx2(int64_t n, const void *w, const void *x) { return ck_dot_f32_avx2(n, w, x); }
static float dot_f16_avx2(int64_t n, const void *w, const void *x) { return ck_dot_f16_f32_avx2(n, w, x); }
static float dot_bf16_avx2(int64_t n, const void *w, const void *x) { return ck_dot_bf16_f32_avx2(n, w, x); }
#endif

// The kernel for one weight type, resolved once per matrix product rather than once per row.
ck_vec_dot_fn ck_vec_dot_kernel(int type) {
#if defined(__x86_64__)
    if (use_avx2()) {
        switch (type) {
        case CK_F32: return dot_f32_avx2;
        case CK_F16: return dot_f16_avx2;
        case CK_BF16: return dot_bf16_avx2;
        case CK_Q4_0: return ck_dot_q4_0_q8_0_avx2;
        case CK_Q5_0: return ck_dot_q5_0_q8_0_avx2;
        case CK_Q8_0: return ck_dot_q8_0_q8_0_avx2;
        case CK_Q4_K: return ck_dot_q4_K_q8_K_avx2;
        case CK_Q5_K: return ck_dot_q5_K_q8_K_avx2;
        case CK_Q6_K: return ck_dot_q6_K_q8_K_avx2;
        default: break;
        }
    }
#endif
    switch (type) {
    case CK_F16: return dot_f16_ref;
    case CK_BF16: return dot_bf16_ref;
    case CK_Q4_0: return dot_q4_0_ref;
    case CK_Q5_0: return dot_q5_0_ref;
    case CK_Q8_0: return dot_q8_0_ref;
    case CK_Q4_K: return dot_q4_K_ref;
    case CK_Q5_K: return dot_q5_K_ref;
    case CK_Q6_K: return dot_q6_K_ref;
    default: return dot_f32_kernel;
    }
}

ck_vec_dot_rows_fn ck_vec_dot_rows_kernel(int type, int rows) {
#if defined(__x86_64__)
#define PICK(name) return rows == 2 ? name##_x2_avx2 : rows == 3 ? name##_x3_avx2 : name##_x4_avx2
    if (use_avx2() && rows >= 2 && rows <= 4) {
        switch (type) {
        case CK_Q4_K: PICK(ck_dot_q4_K_q8_K);
        case CK_Q5_K: PICK(ck_dot_q5_K_q8_K);
        case CK_Q6_K: PICK(ck_dot_q6_K_q8_K);
        case CK_Q4_0: PICK(ck_dot_q4_0_q8_0);
        case CK_Q5_0: PICK(ck_dot_q5_0_q8_0);
        case CK_Q8_0: PICK(ck_dot_q8_0_q8_0);
        default: break;
        }
    }
#undef PICK
#endif
    (void)type;
    (void)rows;
    return NULL;
}

float ck_vec_dot(int type, int64_t n, const void *w, const void *x) {
#if defined(__x86_64__)
    if (use_avx2()) {
        switch (type) {
        case CK_F32: return ck_dot_f32_avx2(n, w, x);
        case CK_F16: return ck_dot_f16_f32_avx2(n, w, x);
        case CK_BF16: return ck_dot_bf16_f32_avx2(n, w, x);
        case CK_Q4_0: return ck_dot_q4_0_q8_0_avx2(n, w, x);
        case CK_Q5_0: return ck_dot_q5_0_q8_0_avx2(n, w, x);
        case CK_Q8_0: return ck_dot_q8_0_q8_0_avx2(n, w, x);
        case CK_Q4_K: return ck_dot_q4_K_q8_K_avx2(n, w, x);
        case CK_Q5_K: return ck_dot_q5_K_q8_K_avx2(n, w, x);
        case CK_Q6_K: return ck_dot_q6_K_q8_K_avx2(n, w, x);
        default: break;
        }
    }
#endif
    return ck_vec_dot_ref(type, n, w, x);
}

static void dot_x8_ref_rows(int type, int64_t n, const void *w, const void *const y[], int rows, float out[]) {
    for (int r = 0; r < rows; r++) ck_dot_x8_ref(type, n, w, y[r], out + 8 * r);
}
static void dot_q4_Kx8_ref(int64_t n, const void *w, const void *const y[], int rows, float out[]) { dot_x8_ref_rows(CK_Q4_K_X8, n, w, y, rows, out); }
static void dot_q5_0x8_ref(int64_t n, const void *w, const void *const y[], int rows, float out[]) { dot_x8_ref_rows(CK_Q5_0_X8, n, w, y, rows, out); }
static void dot_q6_Kx8_ref(int64_t n, const void *w, const void *const y[], int rows, float out[]) { dot_x8_ref_rows(CK_Q6_K_X8, n, w, y, rows, out); }
static void dot_q8_0x8_ref(int64_t n, const void *w, const void *const y[], int rows, float out[]) { dot_x8_ref_rows(CK_Q8_0_X8, n, w, y, rows, out); }

ck_dot_x8_fn ck_dot_x8_kernel(int type, int level) {
    const int t = type == CK_Q4_K_X8 ? 0 : type == CK_Q5_0_X8 ? 1 : type == CK_Q6_K_X8 ? 2 : type == CK_Q8_0_X8 ? 3 : -1;
    if (t < 0) return NULL;
    static const ck_dot_x8_fn ref[4] = {dot_q4_Kx8_ref, dot_q5_0x8_ref, dot_q6_Kx8_ref, dot_q8_0x8_ref};
    if (level == CK_LEVEL_SCALAR) return ref[t];
#if defined(__x86_64__)
    static const ck_dot_x8_fn avx2[4] = {ck_dot_q4_Kx8_avx2, ck_dot_q5_0x8_avx2, ck_dot_q6_Kx8_avx2, ck_dot_q8_0x8_avx2};
    static const ck_dot_x8_fn vnni[4] = {ck_dot_q4_Kx8_vnni, ck_dot_q5_0x8_vnni, ck_dot_q6_Kx8_vnni, ck_dot_q8_0x8_vnni};
    if (level == CK_LEVEL_AVX2 && use_avx2()) return avx2[t];
    if (level == CK_LEVEL_VNNI && use_vnni()) return vnni[t];
#endif
    return NULL;
}

int ck_dot_x16_rows(int type) { return ck_dot_x16_kernel(type) ? (type == CK_Q6_K_X8 || type == CK_Q4_K_X8 ? 16 : 8) : 0; }

ck_dot_x16_fn ck_dot_x16_kernel(int type) {
#if defined(__x86_64__)
    if (use_avx512()) {
        switch (type) {
        case CK_Q4_K_X8: return ck_dot_q4_Kx16_avx512;
        case CK_Q5_0_X8: return ck_dot_q5_0x16_avx512;
        case CK_Q6_K_X8: return ck_dot_q6_Kx16_avx512;
        case CK_Q8_0_X8: return ck_dot_q8_0x16_avx512;
        default: break;
        }
    }
#endif
    (void)type;
    return NULL;
}

ck_dot_x8_fn ck_dot_x8_best_kernel(int type) {
    return ck_dot_x8_kernel(type, use_vnni() ? CK_LEVEL_VNNI : use_avx2() ? CK_LEVEL_AVX2 : CK_LEVEL_SCALAR);
}

void ck_dot_x8(int type, int64_t n, const void *w, const void *const y[], int rows, float out[]) {
    ck_dot_x8_best_kernel(type)(n, w, y, rows, out);
}

void ck_dequantize_row(int type, const void *src, float *dst, int64_t n) {
    // The scalar dequantizers auto-vectorise well at -O3; they are the exact path, not the hot one.
    ck_dequantize_row_ref(type, src, dst, n);
}

void ck_swiglu(const float *g, const float *u, float *y, int64_t n) {
#if defined(__x86_64__)
    if (use_avx2()) return ck_swiglu_avx2(g, u, y, n);
#endif
    ck_swiglu_ref(g, u, y, n);
}

void ck_softmax_visible(float *scores, const uint8_t *visible, int n_kv, float max) {
#if defined(__x86_64__)
    if (use_avx2()) return ck_softmax_visible_avx2(scores, visible, n_kv, max);
#endif
    ck_softmax_visible_ref(scores, visible, n_kv, max);
}

void ck_quantize_row(int type, const float *x, void *y, int64_t n) {
#if defined(__x86_64__)
    if (use_avx2() && type == CK_Q8_0) return ck_quantize_row_q8_0_avx2(x, y, n);
    if (use_avx2() && type == CK_Q8_K) return ck_quantize_row_q8_K_avx2(x, y, n);
#endif
    ck_quantize_row_ref(type, x, y, n);
}

size_t ck_activation_row_size(int type, int64_t n) {
    if (type == CK_Q8_K) return ck_row_size(type, n) + (size_t)(n / CK_QK_K) * sizeof(ck_q8_K_sums);
    if (type == CK_Q8_0) return ck_row_size(type, n) + (size_t)(n / CK_QK) * sizeof(ck_q8_0_sums);
    return ck_row_size(type, n);
}

void ck_quantize_activation_row(int type, const float *x, void *y, int64_t n) {
    ck_quantize_row(type, x, y, n);
    if (type == CK_Q8_0) {
        const ck_block_q8_0 *q = y;
        ck_q8_0_sums *s = (ck_q8_0_sums *)((uint8_t *)y + ck_row_size(CK_Q8_0, n));
        for (int64_t i = 0; i < n / CK_QK; i++) {
            int sum = 0;
            for (int k = 0; k < CK_QK; k++) sum += q[i].qs[k];
            s[i].off16 = -16 * sum;
            s[i].off128 = -128 * sum;
        }
        return;
    }
    if (type != CK_Q8_K) return;
    const ck_block_q8_K *q = y;
    ck_q8_K_sums *s = (ck_q8_K_sums *)((uint8_t *)y + ck_row_size(CK_Q8_K, n));
    for (int64_t i = 0; i < n / CK_QK_K; i++) {
        const int16_t *bs = q[i].bsums;
        for (int p = 0; p < 4; p++) {
            const uint16_t lo = (uint16_t)(bs[4 * p] + bs[4 * p + 1]), hi = (uint16_t)(bs[4 * p + 2] + bs[4 * p + 3]);
            s[i].pairs[p] = (int32_t)((uint32_t)lo | (uint32_t)hi << 16);
        }
        for (int k = 0; k < 32; k++) {
            int sum = 0;
            for (int v = 0; v < 8; v++) sum += q[i].qs[8 * k + v];
            s[i].off6[k] = -32 * sum;
        }
    }
}

float ck_attention_scores(int hd, const float *q, const float *k, int64_t stride, int s0, int s1,
                          const uint8_t *visible, float scale, float *scores, float max) {
#if defined(__x86_64__)
    // Bitwise ck_dot_f32 (its AVX2 order) on every key: only where ck_dot_f32 takes the AVX2 path.
    if (use_avx512() && (hd == 64 || hd == 128 || hd == 256)) return ck_attention_scores_avx512(hd, q, k, stride, s0, s1, visible, scale, scores, max);
#endif
    for (int s = s0; s < s1; s++) {
        if (!visible[s]) continue;
        const float sc = ck_dot_f32(hd, q, k + s * stride) * scale;
        scores[s] = sc;
        if (sc > max) max = sc;
    }
    return max;
}

void ck_attention_scores2(int hd, const float *qa, const float *qb, const float *k, int64_t stride, int s0, int s1,
                          const uint8_t *vis_a, const uint8_t *vis_b, float scale, float *sc_a, float *sc_b, float max[2]) {
#if defined(__x86_64__)
    if (use_avx512() && hd == 128) return ck_attention_scores2_avx512(qa, qb, k, stride, s0, s1, vis_a, vis_b, scale, sc_a, sc_b, max);
#endif
    max[0] = ck_attention_scores(hd, qa, k, stride, s0, s1, vis_a, scale, sc_a, max[0]);
    max[1] = ck_attention_scores(hd, qb, k, stride, s0, s1, vis_b, scale, sc_b, max[1]);
}

void ck_weighted_sum(int n_kv, const uint8_t *visible, const float *p, const float *v, int64_t stride, int hd, float *out) {
#if defined(__x86_64__)
    if (use_avx512() && hd % 16 == 0) return ck_weighted_sum_avx512(n_kv, visible, p, v, stride, hd, out);
    if (use_avx2() && hd % 8 == 0) return ck_weighted_sum_avx2(n_kv, visible, p, v, stride, hd, out);
#endif
    ck_weighted_sum_ref(n_kv, visible, p, v, stride, hd, out);
}

void ck_weighted_sum2(int n_kv, const uint8_t *vis_a, const uint8_t *vis_b, const float *p_a, const float *p_b,
                      const float *v, int64_t stride, int hd, float *out_a, float *out_b) {
#if defined(__x86_64__)
    if (use_avx512() && hd == 128) return ck_weighted_sum2_avx512(n_kv, vis_a, vis_b, p_a, p_b, v, stride, out_a, out_b);
#endif
    ck_weighted_sum(n_kv, vis_a, p_a, v, stride, hd, out_a);
    ck_weighted_sum(n_kv, vis_b, p_b, v, stride, hd, out_b);
}

double ck_sum_f32(const float *x, int64_t n) {
#if defined(__x86_64__)
    if (use_avx2()) return ck_sum_f32_avx2(x, n);
#endif
    double s = 0;
    for (int64_t i = 0; i < n; i++) s += x[i];
    return s;
}
