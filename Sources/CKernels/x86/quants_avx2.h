// AVX2/FMA/F16C kernels; call only when the CPU has those features (dispatch.c checks).
#ifndef CK_QUANTS_AVX2_H
#define CK_QUANTS_AVX2_H
#include <stdint.h>
float ck_dot_f32_avx2(int64_t n, const float *a, const float *b);
float ck_dot_f16_f32_avx2(int64_t n, const uint16_t *w, const float *x);
float ck_dot_bf16_f32_avx2(int64_t n, const uint16_t *w, const float *x);
float ck_dot_q8_0_q8_0_avx2(int64_t n, const void *x, const void *y);
float ck_dot_q4_0_q8_0_avx2(int64_t n, const void *x, const void *y);
float ck_dot_q5_0_q8_0_avx2(int64_t n, const void *x, const void *y);
float ck_dot_q4_K_q8_K_avx2(int64_t n, const void *x, const void *y);
float ck_dot_q5_K_q8_K_avx2(int64_t n, const void *x, const void *y);
float ck_dot_q6_K_q8_K_avx2(int64_t n, const void *x, const void *y);
double ck_sum_f32_avx2(const float *x, int64_t n);
// rows = 1…4 activation rows against a group of 8 repacked rows: out[8·r + k].
void ck_dot_q4_Kx8_avx2(int64_t n, const void *w, const void *const y[], int rows, float out[]);
void ck_dot_q6_Kx8_avx2(int64_t n, const void *w, const void *const y[], int rows, float out[]);
void ck_dot_q5_0x8_avx2(int64_t n, const void *w, const void *const y[], int rows, float out[]);
void ck_dot_q8_0x8_avx2(int64_t n, const void *w, const void *const y[], int rows, float out[]);
// The same with AVX-512 VNNI's vpdpbusd on 256-bit registers (x86/repacked_vnni.c).
void ck_dot_q4_Kx8_vnni(int64_t n, const void *w, const void *const y[], int rows, float out[]);
void ck_dot_q5_0x8_vnni(int64_t n, const void *w, const void *const y[], int rows, float out[]);
void ck_dot_q6_Kx8_vnni(int64_t n, const void *w, const void *const y[], int rows, float out[]);
void ck_dot_q8_0x8_vnni(int64_t n, const void *w, const void *const y[], int rows, float out[]);
// Two neighbouring groups at once on 512-bit registers, 1–8 activation rows (x86/repacked_avx512.c).
void ck_dot_q4_Kx16_avx512(int64_t n, const void *w, size_t stride, const void *const y[], int rows, float out[]);
void ck_dot_q5_0x16_avx512(int64_t n, const void *w, size_t stride, const void *const y[], int rows, float out[]);
void ck_dot_q6_Kx16_avx512(int64_t n, const void *w, size_t stride, const void *const y[], int rows, float out[]);
void ck_dot_q8_0x16_avx512(int64_t n, const void *w, size_t stride, const void *const y[], int rows, float out[]);
// Attention's inner loops on 512-bit registers, bitwise the AVX2 arithmetic (x86/attention_avx512.c).
// Scores: hd 64, 128 or 256; weighted sum: hd a multiple of 16.
float ck_attention_scores_avx512(int hd, const float *q, const float *k, int64_t stride, int s0, int s1,
                                 const uint8_t *visible, float scale, float *scores, float max);
void ck_attention_scores2_avx512(const float *qa, const float *qb, const float *k, int64_t stride, int s0, int s1,
                                 const uint8_t *vis_a, const uint8_t *vis_b, float scale, float *sc_a, float *sc_b, float max[2]);
void ck_weighted_sum_avx512(int n_kv, const uint8_t *visible, const float *p, const float *v, int64_t stride, int hd, float *out);
void ck_weighted_sum2_avx512(int n_kv, const uint8_t *vis_a, const uint8_t *vis_b, const float *p_a, const float *p_b,
                             const float *v, int64_t stride, float *out_a, float *out_b);
// Element-wise work between the products (x86/activations_avx2.c).
void ck_swiglu_avx2(const float *g, const float *u, float *y, int64_t n);
void ck_softmax_visible_avx2(float *scores, const uint8_t *visible, int n_kv, float max);
void ck_quantize_row_q8_0_avx2(const float *x, void *y, int64_t n);
void ck_quantize_row_q8_K_avx2(const float *x, void *y, int64_t n);
void ck_weighted_sum_avx2(int n_kv, const uint8_t *visible, const float *p, const float *v, int64_t stride, int hd, float *out);
// R = 2, 3 or 4 activation rows against one weight row; out[r] is bitwise the one-row kernel's result for row r.
#define CK_ROWS_DECL(name)                                                           \
    void name##_x2_avx2(int64_t n, const void *x, const void *const y[], float out[]); \
    void name##_x3_avx2(int64_t n, const void *x, const void *const y[], float out[]); \
    void name##_x4_avx2(int64_t n, const void *x, const void *const y[], float out[]);
CK_ROWS_DECL(ck_dot_q4_K_q8_K)
CK_ROWS_DECL(ck_dot_q5_K_q8_K)
CK_ROWS_DECL(ck_dot_q6_K_q8_K)
CK_ROWS_DECL(ck_dot_q4_0_q8_0)
CK_ROWS_DECL(ck_dot_q5_0_q8_0)
CK_ROWS_DECL(ck_dot_q8_0_q8_0)
#endif
