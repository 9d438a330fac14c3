// Scalar reference kernels: dequantization, activation quantization and dot products, written to
// read like the format definitions in shared/notes/gguf-and-models.md §2–3.
#include <math.h>
#include <string.h>
#include "ckernels.h"

// ---- fp16 rounding -------------------------------------------------------------------------------
static inline uint32_t bits_of(float f) { uint32_t u; memcpy(&u, &f, 4); return u; }
static inline float float_of(uint32_t u) { float f; memcpy(&f, &u, 4); return f; }

// Round to nearest even without a branch per case: scaling by 2^112 then 2^-110 makes the FPU do the
// rounding at the binary16 mantissa width (the FP16 library's method, which ggml uses).
// This file is compiled with -ffp-contract=off: a fused multiply-add here would change the rounding.
ck_fp16 ck_fp32_to_fp16(float f) {
    const float scale_to_inf = 0x1.0p+112f, scale_to_zero = 0x1.0p-110f;
    float base = (fabsf(f) * scale_to_inf) * scale_to_zero;
    const uint32_t w = bits_of(f), shl1_w = w + w, sign = w & 0x80000000u;
    uint32_t bias = shl1_w & 0xFF000000u;
    if (bias < 0x71000000u) bias = 0x71000000u;
    base = float_of((bias >> 1) + 0x07800000u) + base;
    const uint32_t bits = bits_of(base);
    const uint32_t exp_bits = (bits >> 13) & 0x00007C00u, mantissa_bits = bits & 0x00000FFFu;
    return (ck_fp16)((sign >> 16) | (shl1_w > 0xFF000000u ? 0x7E00u : exp_bits + mantissa_bits));
}

float ck_fp32_to_fp16_float(float f) { return ck_fp16_to_fp32(ck_fp32_to_fp16(f)); }

// ---- formats -------------------------------------------------------------------------------------
int ck_type_supported(int t) {
    switch (t) {
    case CK_F32: case CK_F16: case CK_BF16: case CK_Q4_0: case CK_Q5_0: case CK_Q8_0:
    case CK_Q4_K: case CK_Q5_K: case CK_Q6_K: return 1;
    default: return 0;
    }
}

int ck_block_size(int t) {
    switch (t) {
    case CK_F32: case CK_F16: case CK_BF16: return 1;
    case CK_Q4_0: case CK_Q5_0: case CK_Q8_0: return CK_QK;
    default: return CK_QK_K;
    }
}

int ck_type_size(int t) {
    switch (t) {
    case CK_F32: return 4;
    case CK_F16: case CK_BF16: return 2;
    case CK_Q4_0: return sizeof(ck_block_q4_0);
    case CK_Q5_0: return sizeof(ck_block_q5_0);
    case CK_Q8_0: return sizeof(ck_block_q8_0);
    case CK_Q4_K: return sizeof(ck_block_q4_K);
    case CK_Q5_K: return sizeof(ck_block_q5_K);
    case CK_Q6_K: return sizeof(ck_block_q6_K);
    case CK_Q8_K: return sizeof(ck_block_q8_K);
    default: return 0;
    }
}

size_t ck_row_size(int t, int64_t n) { return (size_t)(n / ck_block_size(t)) * (size_t)ck_type_size(t); }

int ck_vec_dot_type(int t) {
    switch (t) {
    case CK_Q4_0: case CK_Q5_0: case CK_Q8_0: case CK_Q5_0_X8: case CK_Q8_0_X8: return CK_Q8_0;
    case CK_Q4_K: case CK_Q5_K: case CK_Q6_K: case CK_Q4_K_X8: case CK_Q6_K_X8: return CK_Q8_K;
    default: return CK_F32;
    }
}

// ---- dequantization ------------------------------------------------------------------------------
static void dequant_q4_0(const ck_block_q4_0 *x, float *y, int64_t nb) {
    for (int64_t i = 0; i < nb; i++, y += CK_QK) {
        const float d = ck_fp16_to_fp32(x[i].d);
        for (int j = 0; j < 16; j++) {  // low nibble of byte j is element j, high nibble element j + 16
            y[j] = ((x[i].qs[j] & 0xF) - 8) * d;
            y[j + 16] = ((x[i].qs[j] >> 4) - 8) * d;
        }
    }
}

static void dequant_q5_0(const ck_block_q5_0 *x, float *y, int64_t nb) {
    for (int64_t i = 0; i < nb; i++, y += CK_QK) {
        const float d = ck_fp16_to_fp32(x[i].d);
        uint32_t qh;
        memcpy(&qh, x[i].qh, 4);  // bit j is the fifth bit of element j
        for (int j = 0; j < 16; j++) {
            const int lo = (x[i].qs[j] & 0xF) | (((qh >> j) & 1) << 4);
            const int hi = (x[i].qs[j] >> 4) | (((qh >> (j + 16)) & 1) << 4);
            y[j] = (lo - 16) * d;
            y[j + 16] = (hi - 16) * d;
        }
    }
}

static void dequant_q8_0(const ck_block_q8_0 *x, float *y, int64_t nb) {
    for (int64_t i = 0; i < nb; i++, y += CK_QK) {
        const float d = ck_fp16_to_fp32(x[i].d);
        for (int j = 0; j < CK_QK; j++) y[j] = x[i].qs[j] * d;
    }
}

static void dequant_q4_K(const ck_block_q4_K *x, float *y, int64_t nb) {
    for (int64_t i = 0; i < nb; i++) {
        const float d = ck_fp16_to_fp32(x[i].d), dmin = ck_fp16_to_fp32(x[i].dmin);
        const uint8_t *q = x[i].qs;
        for (int c = 0; c < 4; c++, q += 32) {  // chunk c: low nibbles = sub-block 2c, high = 2c + 1
            uint8_t sc, m;
            ck_scale_min_k4(2 * c, x[i].scales, &sc, &m);
            const float d1 = d * sc, m1 = dmin * m;
            ck_scale_min_k4(2 * c + 1, x[i].scales, &sc, &m);
            const float d2 = d * sc, m2 = dmin * m;
            for (int l = 0; l < 32; l++) *y++ = d1 * (q[l] & 0xF) - m1;
            for (int l = 0; l < 32; l++) *y++ = d2 * (q[l] >> 4) - m2;
        }
    }
}

static void dequant_q5_K(const ck_block_q5_K *x, float *y, int64_t nb) {
    for (int64_t i = 0; i < nb; i++) {
        const float d = ck_fp16_to_fp32(x[i].d), dmin = ck_fp16_to_fp32(x[i].dmin);
        const uint8_t *q = x[i].qs;
        for (int c = 0; c < 4; c++, q += 32) {
            uint8_t sc, m;
            ck_scale_min_k4(2 * c, x[i].scales, &sc, &m);
            const float d1 = d * sc, m1 = dmin * m;
            ck_scale_min_k4(2 * c + 1, x[i].scales, &sc, &m);
            const float d2 = d * sc, m2 = dmin * m;
            // element e's fifth bit is bit e/32 of qh[e % 32]
            for (int l = 0; l < 32; l++) *y++ = d1 * ((q[l] & 0xF) + (((x[i].qh[l] >> (2 * c)) & 1) << 4)) - m1;
            for (int l = 0; l < 32; l++) *y++ = d2 * ((q[l] >> 4) + (((x[i].qh[l] >> (2 * c + 1)) & 1) << 4)) - m2;
        }
    }
}

static void dequant_q6_K(const ck_block_q6_K *x, float *y, int64_t nb) {
    for (int64_t i = 0; i < nb; i++) {
        const float d = ck_fp16_to_fp32(x[i].d);
        for (int h = 0; h < 2; h++) {  // two halves of 128
            const uint8_t *ql = x[i].ql + 64 * h, *qh = x[i].qh + 32 * h;
            const int8_t *sc = x[i].scales + 8 * h;
            float *yh = y + 128 * h;
            for (int l = 0; l < 32; l++) {
                const int q1 = ((ql[l] & 0xF) | (((qh[l] >> 0) & 3) << 4)) - 32;
                const int q2 = ((ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4)) - 32;
                const int q3 = ((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32;
                const int q4 = ((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32;
                yh[l] = d * sc[l / 16] * q1;        // scale of element e is scales[e / 16]
                yh[l + 32] = d * sc[2 + l / 16] * q2;
                yh[l + 64] = d * sc[4 + l / 16] * q3;
                yh[l + 96] = d * sc[6 + l / 16] * q4;
            }
        }
        y += CK_QK_K;
    }
}

void ck_dequantize_row_ref(int type, const void *src, float *dst, int64_t n) {
    const int64_t nb = n / ck_block_size(type);
    switch (type) {
    case CK_F32: memcpy(dst, src, (size_t)n * 4); break;
    case CK_F16: for (int64_t i = 0; i < n; i++) dst[i] = ck_fp16_to_fp32(((const ck_fp16 *)src)[i]); break;
    case CK_BF16: for (int64_t i = 0; i < n; i++) dst[i] = ck_bf16_to_fp32(((const ck_bf16 *)src)[i]); break;
    case CK_Q4_0: dequant_q4_0(src, dst, nb); break;
    case CK_Q5_0: dequant_q5_0(src, dst, nb); break;
    case CK_Q8_0: dequant_q8_0(src, dst, nb); break;
    case CK_Q4_K: dequant_q4_K(src, dst, nb); break;
    case CK_Q5_K: dequant_q5_K(src, dst, nb); break;
    case CK_Q6_K: dequant_q6_K(src, dst, nb); break;
    case CK_Q8_K: {
        const ck_block_q8_K *x = src;
        for (int64_t i = 0; i < nb; i++)
            for (int j = 0; j < CK_QK_K; j++) dst[i * CK_QK_K + j] = x[i].d * x[i].qs[j];
        break;
    }
    default: memset(dst, 0, (size_t)n * 4);
    }
}

// ---- activation quantization ---------------------------------------------------------------------
void ck_quantize_row_q8_0_ref(const float *x, void *vy, int64_t n) {
    ck_block_q8_0 *y = vy;
    for (int64_t i = 0; i < n / CK_QK; i++, x += CK_QK) {
        float amax = 0.0f;
        for (int j = 0; j < CK_QK; j++) amax = fmaxf(amax, fabsf(x[j]));
        const float d = amax / 127.0f, id = d != 0.0f ? 1.0f / d : 0.0f;
        y[i].d = ck_fp32_to_fp16(d);  // only the stored scale is rounded to fp16
        for (int j = 0; j < CK_QK; j++) y[i].qs[j] = (int8_t)roundf(x[j] * id);
    }
}

void ck_quantize_row_q8_K_ref(const float *x, void *vy, int64_t n) {
    ck_block_q8_K *y = vy;
    for (int64_t i = 0; i < n / CK_QK_K; i++, x += CK_QK_K) {
        float max = 0.0f, amax = 0.0f;  // the element of largest magnitude, with its sign
        for (int j = 0; j < CK_QK_K; j++) {
            const float ax = fabsf(x[j]);
            if (ax > amax) { amax = ax; max = x[j]; }
        }
        if (amax == 0.0f) {
            memset(&y[i], 0, sizeof(y[i]));
            continue;
        }
        // The sign flip is ggml's: the extreme element maps to −127 and d is negative; d·q is unchanged.
        const float iscale = -127.0f / max;
        for (int j = 0; j < CK_QK_K; j++) {
            const long v = lrintf(iscale * x[j]);  // round half to even, as ggml's nearest_int
            y[i].qs[j] = (int8_t)(v < 127 ? v : 127);
        }
        for (int j = 0; j < CK_QK_K / 16; j++) {
            int sum = 0;
            for (int k = 0; k < 16; k++) sum += y[i].qs[16 * j + k];
            y[i].bsums[j] = (int16_t)sum;
        }
        y[i].d = 1.0f / iscale;
    }
}

void ck_quantize_row_ref(int type, const float *x, void *y, int64_t n) {
    switch (type) {
    case CK_Q8_0: ck_quantize_row_q8_0_ref(x, y, n); break;
    case CK_Q8_K: ck_quantize_row_q8_K_ref(x, y, n); break;
    default: memcpy(y, x, (size_t)n * 4);
    }
}

// ---- dot products (generic order: integer sums inside a block, then one float multiply-add) --------
void ck_weighted_sum_ref(int n_kv, const uint8_t *visible, const float *p, const float *v, int64_t stride, int hd, float *out) {
    for (int s = 0; s < n_kv; s++) {
        if (!visible[s]) continue;
        const float *row = v + s * stride;
        for (int d = 0; d < hd; d++) out[d] += p[s] * row[d];
    }
}

float ck_dot_f32_ref(int64_t n, const float *a, const float *b) {
    float s = 0.0f;
    for (int64_t i = 0; i < n; i++) s += a[i] * b[i];
    return s;
}

static float dot_q4_0_q8_0(int64_t n, const ck_block_q4_0 *x, const ck_block_q8_0 *y) {
    float sumf = 0.0f;
    for (int64_t i = 0; i < n / CK_QK; i++) {
        int sumi = 0;
        for (int j = 0; j < 16; j++)
            sumi += ((x[i].qs[j] & 0xF) - 8) * y[i].qs[j] + ((x[i].qs[j] >> 4) - 8) * y[i].qs[j + 16];
        sumf += sumi * ck_fp16_to_fp32(x[i].d) * ck_fp16_to_fp32(y[i].d);
    }
    return sumf;
}

static float dot_q5_0_q8_0(int64_t n, const ck_block_q5_0 *x, const ck_block_q8_0 *y) {
    float sumf = 0.0f;
    for (int64_t i = 0; i < n / CK_QK; i++) {
        uint32_t qh;
        memcpy(&qh, x[i].qh, 4);
        int sumi = 0;
        for (int j = 0; j < 16; j++) {
            const int lo = ((x[i].qs[j] & 0xF) | (((qh >> j) & 1) << 4)) - 16;
            const int hi = ((x[i].qs[j] >> 4) | (((qh >> (j + 16)) & 1) << 4)) - 16;
            sumi += lo * y[i].qs[j] + hi * y[i].qs[j + 16];
        }
        sumf += sumi * ck_fp16_to_fp32(x[i].d) * ck_fp16_to_fp32(y[i].d);
    }
    return sumf;
}

static float dot_q8_0_q8_0(int64_t n, const ck_block_q8_0 *x, const ck_block_q8_0 *y) {
    float sumf = 0.0f;
    for (int64_t i = 0; i < n / CK_QK; i++) {
        int sumi = 0;
        for (int j = 0; j < CK_QK; j++) sumi += x[i].qs[j] * y[i].qs[j];
        sumf += sumi * ck_fp16_to_fp32(x[i].d) * ck_fp16_to_fp32(y[i].d);
    }
    return sumf;
}

// Q4_K / Q5_K · Q8_K: d·Σ_j sc_j·Σ q·q8 − dmin·Σ_j m_j·(sum of the 32 q8 of sub-block j, from bsums).
static float dot_q45_K_q8_K(int64_t n, const uint8_t *xb, size_t stride, int five_bits, const ck_block_q8_K *y) {
    float sumf = 0.0f;
    for (int64_t i = 0; i < n / CK_QK_K; i++) {
        const ck_block_q4_K *x4 = (const void *)(xb + i * stride);
        const ck_block_q5_K *x5 = (const void *)(xb + i * stride);
        const uint8_t *scales = five_bits ? x5->scales : x4->scales;
        const uint8_t *qs = five_bits ? x5->qs : x4->qs;
        const float d = ck_fp16_to_fp32(five_bits ? x5->d : x4->d) * y[i].d;
        const float dmin = ck_fp16_to_fp32(five_bits ? x5->dmin : x4->dmin) * y[i].d;
        int sumi = 0, summ = 0;
        for (int j = 0; j < 8; j++) {
            uint8_t sc, m;
            ck_scale_min_k4(j, scales, &sc, &m);
            const uint8_t *q = qs + 32 * (j / 2);
            const int8_t *a = y[i].qs + 32 * j;
            int s = 0;
            for (int l = 0; l < 32; l++) {
                int v = (j & 1) ? (q[l] >> 4) : (q[l] & 0xF);
                if (five_bits) v += ((x5->qh[l] >> j) & 1) << 4;
                s += v * a[l];
            }
            sumi += sc * s;
            summ += m * (y[i].bsums[2 * j] + y[i].bsums[2 * j + 1]);
        }
        sumf += d * sumi - dmin * summ;
    }
    return sumf;
}

static float dot_q6_K_q8_K(int64_t n, const ck_block_q6_K *x, const ck_block_q8_K *y) {
    float sumf = 0.0f;
    for (int64_t i = 0; i < n / CK_QK_K; i++) {
        int sumi = 0;
        for (int h = 0; h < 2; h++) {
            const uint8_t *ql = x[i].ql + 64 * h, *qh = x[i].qh + 32 * h;
            const int8_t *a = y[i].qs + 128 * h, *sc = x[i].scales + 8 * h;
            int s[8] = {0};  // one sum per 16-element sub-block of this half
            for (int l = 0; l < 32; l++) {
                const int q1 = ((ql[l] & 0xF) | (((qh[l] >> 0) & 3) << 4)) - 32;
                const int q2 = ((ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4)) - 32;
                const int q3 = ((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32;
                const int q4 = ((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32;
                s[l / 16] += q1 * a[l];
                s[2 + l / 16] += q2 * a[l + 32];
                s[4 + l / 16] += q3 * a[l + 64];
                s[6 + l / 16] += q4 * a[l + 96];
            }
            for (int k = 0; k < 8; k++) sumi += sc[k] * s[k];
        }
        sumf += ck_fp16_to_fp32(x[i].d) * y[i].d * sumi;
    }
    return sumf;
}

// F16 / BF16 / F32 weights take f32 activations.
static float dot_half_f32(int64_t n, const uint16_t *w, const float *x, int bf16) {
    float s = 0.0f;
    for (int64_t i = 0; i < n; i++) s += (bf16 ? ck_bf16_to_fp32(w[i]) : ck_fp16_to_fp32(w[i])) * x[i];
    return s;
}

float ck_vec_dot_ref(int type, int64_t n, const void *w, const void *x) {
    switch (type) {
    case CK_F32: return ck_dot_f32_ref(n, w, x);
    case CK_F16: return dot_half_f32(n, w, x, 0);
    case CK_BF16: return dot_half_f32(n, w, x, 1);
    case CK_Q4_0: return dot_q4_0_q8_0(n, w, x);
    case CK_Q5_0: return dot_q5_0_q8_0(n, w, x);
    case CK_Q8_0: return dot_q8_0_q8_0(n, w, x);
    case CK_Q4_K: return dot_q45_K_q8_K(n, w, sizeof(ck_block_q4_K), 0, x);
    case CK_Q5_K: return dot_q45_K_q8_K(n, w, sizeof(ck_block_q5_K), 1, x);
    case CK_Q6_K: return dot_q6_K_q8_K(n, w, x);
    default: return 0.0f;
    }
}
