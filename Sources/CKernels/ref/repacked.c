// Weights repacked at load time in groups of 8 rows (CK_Q4_K_X8, CK_Q5_0_X8, CK_Q6_K_X8, CK_Q8_0_X8), and the scalar references
// of their dot products. The layouts put the same 4 values of 8 rows side by side, so one SIMD register
// multiplies 8 rows at once and each 32-bit lane ends up holding one row's sum: no horizontal sums, and
// Q4_K's sub-block scales and mins are stored unpacked (one byte each) instead of in 12 packed bytes.
// In every layout, byte 4k + v of quad g holds row k's value 4g + v of a 32-value (sub-)block in its
// low nibble and value 16 + 4g + v in its high nibble: Q5_0's own pairing, so its bytes move unchanged.
// Q6_K's top 2 bits go 4 values to a byte beside them, so Q6_K and Q5_0 keep the file's size. Q8_0's
// bytes are whole values, 4 of each row side by side, offset by 128 to be unsigned (the file's size).
#include <math.h>
#include "ckernels.h"

_Static_assert(sizeof(ck_block_q4_Kx8) == 8 * (sizeof(ck_block_q4_K) + 4), "q4_Kx8: 148 bytes a row-block");
_Static_assert(sizeof(ck_block_q5_0x8) == 8 * sizeof(ck_block_q5_0), "q5_0x8: the file's size");
_Static_assert(sizeof(ck_block_q6_Kx8) == 8 * sizeof(ck_block_q6_K), "q6_Kx8: the file's size");
_Static_assert(sizeof(ck_block_q8_0x8) == 8 * sizeof(ck_block_q8_0), "q8_0x8: the file's size");

int ck_repacked_type(int type) {
    switch (type) {
    case CK_Q4_K: return CK_Q4_K_X8;
    case CK_Q5_0: return CK_Q5_0_X8;
    case CK_Q6_K: return CK_Q6_K_X8;
    case CK_Q8_0: return CK_Q8_0_X8;
    default: return -1;
    }
}

// Bytes of one group of 8 rows × one block.
static size_t group_block_size(int repacked) {
    switch (repacked) {
    case CK_Q4_K_X8: return sizeof(ck_block_q4_Kx8);
    case CK_Q6_K_X8: return sizeof(ck_block_q6_Kx8);
    case CK_Q8_0_X8: return sizeof(ck_block_q8_0x8);
    default: return sizeof(ck_block_q5_0x8);
    }
}
static int64_t block_values(int repacked) { return repacked == CK_Q5_0_X8 || repacked == CK_Q8_0_X8 ? CK_QK : CK_QK_K; }

size_t ck_repacked_size(int type, int64_t rows, int64_t cols) {
    const int t = ck_repacked_type(type);
    if (t < 0 || rows <= 0 || rows % 8 != 0 || cols % block_values(t) != 0) return 0;
    return (size_t)(rows / 8) * (size_t)(cols / block_values(t)) * group_block_size(t);
}

// ---- Q4_K ---------------------------------------------------------------------------------------------
// Value l (0…31) of sub-block j of a Q4_K block: sub-block j lives in chunk j / 2, low nibbles for even j.
static inline uint8_t q4_K_value(const ck_block_q4_K *b, int j, int l) {
    const uint8_t byte = b->qs[32 * (j / 2) + l];
    return (j & 1) ? byte >> 4 : byte & 0xF;
}

static void repack_q4_K(const ck_block_q4_K *const rows[8], ck_block_q4_Kx8 *o) {
    for (int k = 0; k < 8; k++) {
        const ck_block_q4_K *b = rows[k];
        o->d[k] = b->d;
        o->dmin[k] = b->dmin;
        for (int j = 0; j < 8; j++) {
            ck_scale_min_k4(j, b->scales, &o->scales[j][k], &o->mins[j][k]);
            for (int g = 0; g < 4; g++)
                for (int v = 0; v < 4; v++)
                    o->qs[j][g][4 * k + v] = (uint8_t)(q4_K_value(b, j, 4 * g + v) | q4_K_value(b, j, 16 + 4 * g + v) << 4);
        }
    }
}

static inline uint8_t q4_Kx8_value(const ck_block_q4_Kx8 *x, int k, int j, int l) {
    const uint8_t byte = x->qs[j][(l % 16) / 4][4 * k + l % 4];
    return l < 16 ? byte & 0xF : byte >> 4;
}

// dequant_q4_K's operations (d·sc · q − dmin·m), so bitwise equal.
static void dequantize_q4_Kx8(const ck_block_q4_Kx8 *x, int k, float *dst, int64_t nb) {
    for (int64_t i = 0; i < nb; i++) {
        const float d = ck_fp16_to_fp32(x[i].d[k]), dmin = ck_fp16_to_fp32(x[i].dmin[k]);
        for (int j = 0; j < 8; j++) {
            const float dl = d * x[i].scales[j][k], ml = dmin * x[i].mins[j][k];
            for (int l = 0; l < 32; l++) *dst++ = dl * q4_Kx8_value(x + i, k, j, l) - ml;
        }
    }
}

// Per row and block, exact integers
//   sumi = Σ_j sc_j · Σ_l q_jl · a_jl      summ = Σ_j m_j · (Σ_l a_jl, from the bsums)
// then acc = fma(d·d_y, sumi, acc) and acc = fma(−(dmin·d_y), summ, acc).
static float dot_q4_Kx8_row(const ck_block_q4_Kx8 *x, int k, const ck_block_q8_K *y, int64_t nb) {
    float acc = 0.0f;
    for (int64_t i = 0; i < nb; i++) {
        int32_t sumi = 0, summ = 0;
        for (int j = 0; j < 8; j++) {
            int32_t s = 0;
            for (int l = 0; l < 32; l++) s += q4_Kx8_value(x + i, k, j, l) * y[i].qs[32 * j + l];
            sumi += x[i].scales[j][k] * s;
            summ += x[i].mins[j][k] * (y[i].bsums[2 * j] + y[i].bsums[2 * j + 1]);
        }
        const float dd = ck_fp16_to_fp32(x[i].d[k]) * y[i].d, dm = ck_fp16_to_fp32(x[i].dmin[k]) * y[i].d;
        acc = fmaf(dd, (float)sumi, acc);
        acc = fmaf(-dm, (float)summ, acc);
    }
    return acc;
}

// ---- Q5_0 ---------------------------------------------------------------------------------------------
// The fifth bits: bit 4k + v of qh[h][g] is row k's bit of value 16h + 4g + v (bit 16h + 4g + v of its qh).
static void repack_q5_0(const ck_block_q5_0 *const rows[8], ck_block_q5_0x8 *o) {
    memset(o->qh, 0, sizeof o->qh);
    for (int k = 0; k < 8; k++) {
        const ck_block_q5_0 *b = rows[k];
        uint32_t qh;
        memcpy(&qh, b->qh, 4);
        o->d[k] = b->d;
        for (int g = 0; g < 4; g++)
            for (int v = 0; v < 4; v++) {
                o->qs[g][4 * k + v] = b->qs[4 * g + v];
                for (int h = 0; h < 2; h++) o->qh[h][g] |= ((qh >> (16 * h + 4 * g + v)) & 1u) << (4 * k + v);
            }
    }
}

// Row k's value l (0…31), 0…31 unsigned (the stored value is this − 16).
static inline int q5_0x8_value(const ck_block_q5_0x8 *x, int k, int l) {
    const int h = l / 16, g = (l % 16) / 4, v = l % 4;
    const uint8_t byte = x->qs[g][4 * k + v];
    return (h ? byte >> 4 : byte & 0xF) | (int)(((x->qh[h][g] >> (4 * k + v)) & 1u) << 4);
}

// dequant_q5_0's operations ((q − 16) · d), so bitwise equal.
static void dequantize_q5_0x8(const ck_block_q5_0x8 *x, int k, float *dst, int64_t nb) {
    for (int64_t i = 0; i < nb; i++) {
        const float d = ck_fp16_to_fp32(x[i].d[k]);
        for (int l = 0; l < CK_QK; l++) *dst++ = (q5_0x8_value(x + i, k, l) - 16) * d;
    }
}

// Per row and block the exact integer sumi = Σ_l (q_l − 16) · a_l, then acc = fma(d·d_y, sumi, acc).
static float dot_q5_0x8_row(const ck_block_q5_0x8 *x, int k, const ck_block_q8_0 *y, int64_t nb) {
    float acc = 0.0f;
    for (int64_t i = 0; i < nb; i++) {
        int32_t sumi = 0;
        for (int l = 0; l < CK_QK; l++) sumi += (q5_0x8_value(x + i, k, l) - 16) * y[i].qs[l];
        acc = fmaf(ck_fp16_to_fp32(x[i].d[k]) * ck_fp16_to_fp32(y[i].d), (float)sumi, acc);
    }
    return acc;
}

// ---- Q6_K ---------------------------------------------------------------------------------------------
// Value e (0…255) of a Q6_K block, 0…63 unsigned (the stored value is this − 32): dequant_q6_K's
// addressing. Half h = e / 128; within it, quarter t picks ql's low or high nibble of byte l or l + 32
// and bits 2t, 2t + 1 of qh[l].
static inline int q6_K_value(const ck_block_q6_K *b, int e) {
    const int h = e / 128, t = (e % 128) / 32, l = e % 32;
    const uint8_t ql = b->ql[64 * h + l + 32 * (t & 1)], qh = b->qh[32 * h + l];
    return ((t < 2 ? ql & 0xF : ql >> 4) | ((qh >> (2 * t)) & 3) << 4);
}

static void repack_q6_K(const ck_block_q6_K *const rows[8], ck_block_q6_Kx8 *o) {
    memset(o->qh, 0, sizeof o->qh);
    for (int k = 0; k < 8; k++) {
        const ck_block_q6_K *b = rows[k];
        o->d[k] = b->d;
        for (int s = 0; s < 16; s++) o->scales[s][k] = b->scales[s];
        for (int c = 0; c < 8; c++)
            for (int g = 0; g < 4; g++)
                for (int v = 0; v < 4; v++) {
                    const int lo = q6_K_value(b, 32 * c + 4 * g + v), hi = q6_K_value(b, 32 * c + 16 + 4 * g + v);
                    o->ql[c][g][4 * k + v] = (uint8_t)((lo & 0xF) | (hi & 0xF) << 4);
                    const int u = 2 * (c % 2);  // 2-bit slots u (low value) and u + 1 (high value)
                    o->qh[c / 2][g][4 * k + v] |= (uint8_t)((lo >> 4) << (2 * u) | (hi >> 4) << (2 * u + 2));
                }
    }
}

// Row k's value e (0…255), 0…63 unsigned.
static inline int q6_Kx8_value(const ck_block_q6_Kx8 *x, int k, int e) {
    const int c = e / 32, w = e % 32, g = (w % 16) / 4, v = w % 4, u = 2 * (c % 2) + (w >= 16);
    const uint8_t byte = x->ql[c][g][4 * k + v];
    return (w < 16 ? byte & 0xF : byte >> 4) | ((x->qh[c / 2][g][4 * k + v] >> (2 * u)) & 3) << 4;
}

// dequant_q6_K's operations (d · sc · (q − 32)), so bitwise equal.
static void dequantize_q6_Kx8(const ck_block_q6_Kx8 *x, int k, float *dst, int64_t nb) {
    for (int64_t i = 0; i < nb; i++) {
        const float d = ck_fp16_to_fp32(x[i].d[k]);
        for (int e = 0; e < CK_QK_K; e++) *dst++ = d * x[i].scales[e / 16][k] * (q6_Kx8_value(x + i, k, e) - 32);
    }
}

// Per row and block the exact integer
//   sumi = Σ_s sc_s · Σ_l q_sl · a_sl − 32 · Σ_s sc_s · (Σ_l a_sl, the bsums)      (q unsigned, 0…63)
// then acc = fma(d·d_y, sumi, acc).
static float dot_q6_Kx8_row(const ck_block_q6_Kx8 *x, int k, const ck_block_q8_K *y, int64_t nb) {
    float acc = 0.0f;
    for (int64_t i = 0; i < nb; i++) {
        int32_t sumi = 0;
        for (int s = 0; s < 16; s++) {
            int32_t t = 0;
            for (int l = 0; l < 16; l++) t += q6_Kx8_value(x + i, k, 16 * s + l) * y[i].qs[16 * s + l];
            sumi += x[i].scales[s][k] * (t - 32 * y[i].bsums[s]);
        }
        acc = fmaf(ck_fp16_to_fp32(x[i].d[k]) * y[i].d, (float)sumi, acc);
    }
    return acc;
}

// ---- Q8_0 ---------------------------------------------------------------------------------------------
static void repack_q8_0(const ck_block_q8_0 *const rows[8], ck_block_q8_0x8 *o) {
    for (int k = 0; k < 8; k++) {
        o->d[k] = rows[k]->d;
        for (int g = 0; g < 8; g++)
            for (int v = 0; v < 4; v++) o->qs[g][4 * k + v] = (uint8_t)(rows[k]->qs[4 * g + v] + 128);
    }
}

// Row k's value l (0…31), signed as stored in the file.
static inline int q8_0x8_value(const ck_block_q8_0x8 *x, int k, int l) { return x->qs[l / 4][4 * k + l % 4] - 128; }

// dequant_q8_0's operation (q · d), so bitwise equal.
static void dequantize_q8_0x8(const ck_block_q8_0x8 *x, int k, float *dst, int64_t nb) {
    for (int64_t i = 0; i < nb; i++) {
        const float d = ck_fp16_to_fp32(x[i].d[k]);
        for (int l = 0; l < CK_QK; l++) *dst++ = q8_0x8_value(x + i, k, l) * d;
    }
}

// Per row and block the exact integer sumi = Σ_l q_l · a_l, then acc = fma(d·d_y, sumi, acc).
static float dot_q8_0x8_row(const ck_block_q8_0x8 *x, int k, const ck_block_q8_0 *y, int64_t nb) {
    float acc = 0.0f;
    for (int64_t i = 0; i < nb; i++) {
        int32_t sumi = 0;
        for (int l = 0; l < CK_QK; l++) sumi += q8_0x8_value(x + i, k, l) * y[i].qs[l];
        acc = fmaf(ck_fp16_to_fp32(x[i].d[k]) * ck_fp16_to_fp32(y[i].d), (float)sumi, acc);
    }
    return acc;
}

// ---- all -----------------------------------------------------------------------------------------------
typedef struct {
    const ck_matrix *src;
    int type;  // the repacked type
    uint8_t *dst;
} repack_job;

static void repack_task(void *p, int ith, int nth) {
    const repack_job *job = p;
    const ck_matrix *m = job->src;
    const int64_t groups = m->rows / 8, blocks = m->cols / block_values(job->type);
    const size_t in = (size_t)ck_type_size(m->type), out = group_block_size(job->type);
    for (int64_t g = groups * ith / nth; g < groups * (ith + 1) / nth; g++)
        for (int64_t i = 0; i < blocks; i++) {
            const void *rows[8];
            for (int k = 0; k < 8; k++) rows[k] = (const uint8_t *)m->data + (g * 8 + k) * m->row_bytes + i * in;
            void *o = job->dst + ((size_t)g * (size_t)blocks + (size_t)i) * out;
            if (job->type == CK_Q4_K_X8) repack_q4_K((const ck_block_q4_K *const *)rows, o);
            else if (job->type == CK_Q6_K_X8) repack_q6_K((const ck_block_q6_K *const *)rows, o);
            else if (job->type == CK_Q8_0_X8) repack_q8_0((const ck_block_q8_0 *const *)rows, o);
            else repack_q5_0((const ck_block_q5_0 *const *)rows, o);
        }
}

int ck_repack(ck_pool *pool, const ck_matrix *src, void *dst, ck_matrix *out) {
    if (ck_repacked_size(src->type, src->rows, src->cols) == 0) return 0;
    repack_job job = {.src = src, .type = ck_repacked_type(src->type), .dst = dst};
    ck_pool_run(pool, repack_task, &job);
    *out = (ck_matrix){.type = job.type, .data = dst, .rows = src->rows, .cols = src->cols,
                       .row_bytes = (size_t)(src->cols / block_values(job.type)) * (group_block_size(job.type) / 8)};
    return 1;
}

void ck_dequantize_row_x8(int type, const void *group, int k, float *dst, int64_t n) {
    if (type == CK_Q4_K_X8) dequantize_q4_Kx8(group, k, dst, n / CK_QK_K);
    else if (type == CK_Q6_K_X8) dequantize_q6_Kx8(group, k, dst, n / CK_QK_K);
    else if (type == CK_Q8_0_X8) dequantize_q8_0x8(group, k, dst, n / CK_QK);
    else dequantize_q5_0x8(group, k, dst, n / CK_QK);
}

void ck_dot_x8_ref(int type, int64_t n, const void *w, const void *y, float out[8]) {
    for (int k = 0; k < 8; k++)
        out[k] = type == CK_Q4_K_X8 ? dot_q4_Kx8_row(w, k, y, n / CK_QK_K)
               : type == CK_Q6_K_X8 ? dot_q6_Kx8_row(w, k, y, n / CK_QK_K)
               : type == CK_Q8_0_X8 ? dot_q8_0x8_row(w, k, y, n / CK_QK)
                                    : dot_q5_0x8_row(w, k, y, n / CK_QK);
}
