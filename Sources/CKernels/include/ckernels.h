// CKernels: the numeric kernels of Speculum's engine, behind a flat C ABI.
//
// Every kernel has a plain scalar reference (`*_ref`, in ref/) that reads like the format's definition,
// and, where it pays, a SIMD version (x86/) chosen at run time from the CPU's features. Tests require
// the two to agree. The public entry points dispatch.
#ifndef CKERNELS_H
#define CKERNELS_H
#include <stddef.h>
#include <stdint.h>
#include "ck_blocks.h"

#ifdef __cplusplus
extern "C" {
#endif

// ---- formats -------------------------------------------------------------------------------------
// Whether the engine can compute with weights of this ggml type.
int ck_type_supported(int type);
// Elements per block and bytes per block; bytes of a row of n elements.
int ck_block_size(int type);
int ck_type_size(int type);
size_t ck_row_size(int type, int64_t n);
// The activation format a weight type's fast dot product consumes: CK_Q8_0, CK_Q8_K, or CK_F32.
int ck_vec_dot_type(int weight_type);

// ---- dequantization (exact; the reference path) ---------------------------------------------------
void ck_dequantize_row_ref(int type, const void *src, float *dst, int64_t n);
void ck_dequantize_row(int type, const void *src, float *dst, int64_t n);

// ---- activation quantization (one scalar definition; the SIMD versions give its bytes exactly) ------
// Q8_0 (per 32): d = max|x|/127 stored as fp16; q = roundf(x / d) with the unrounded f32 d.
void ck_quantize_row_q8_0_ref(const float *x, void *y, int64_t n);
// Q8_K (per 256): scale from the element of largest magnitude, q = min(127, round-half-even(-127/max·x)).
void ck_quantize_row_q8_K_ref(const float *x, void *y, int64_t n);
// Quantizes x to `type` (CK_Q8_0 or CK_Q8_K); CK_F32 copies. The reference, and the fastest this CPU has.
void ck_quantize_row_ref(int type, const float *x, void *y, int64_t n);
void ck_quantize_row(int type, const float *x, void *y, int64_t n);
// An activation row as the matrix products consume it: ck_quantize_row's blocks, and for CK_Q8_K / CK_Q8_0 then
// the row's ck_q8_K_sums or ck_q8_0_sums (one per block), which the 16-row kernels read. Its size in bytes.
size_t ck_activation_row_size(int type, int64_t n);
void ck_quantize_activation_row(int type, const float *x, void *y, int64_t n);

// ---- dot products --------------------------------------------------------------------------------
// Weight row (ggml type `type`) · activation row already in ck_vec_dot_type(type). n elements.
float ck_vec_dot_ref(int type, int64_t n, const void *w, const void *x);
float ck_vec_dot(int type, int64_t n, const void *w, const void *x);
typedef float (*ck_vec_dot_fn)(int64_t n, const void *w, const void *x);
// The dispatched kernel of ck_vec_dot for one type, to call in a loop without re-dispatching.
ck_vec_dot_fn ck_vec_dot_kernel(int type);
// One weight row against `rows` = 2, 3 or 4 activation rows at once (the weight block unpacked once),
// for the types that have such a kernel; NULL otherwise and in scalar mode. out[r] is bitwise
// ck_vec_dot of row r: the one-row kernel's operations in its order, so batching never changes a result.
typedef void (*ck_vec_dot_rows_fn)(int64_t n, const void *w, const void *const x[], float out[]);
ck_vec_dot_rows_fn ck_vec_dot_rows_kernel(int type, int rows);
// out[d] += Σ_s p[s] · v[s·stride + d] over the slots s < n_kv with visible[s], in slot order, each
// term one fused multiply-add (one rounding; half the SIMD work of a product and a sum, which took a
// third of the 1.5B's attention at 16 rows): attention's weighted sum of value rows. It
// adds to what `out` holds, so slots taken in consecutive pieces give bitwise what one call gives.
// The SIMD version keeps the same per-element order, so the two agree bit for bit. out: hd floats.
void ck_weighted_sum_ref(int n_kv, const uint8_t *visible, const float *p, const float *v, int64_t stride, int hd, float *out);
void ck_weighted_sum(int n_kv, const uint8_t *visible, const float *p, const float *v, int64_t stride, int hd, float *out);
// Two pairs over the same value rows (visibility, probabilities and outputs of pair a, then b): bitwise
// two ck_weighted_sum calls, each value row read once where the CPU allows.
void ck_weighted_sum2(int n_kv, const uint8_t *vis_a, const uint8_t *vis_b, const float *p_a, const float *p_b,
                      const float *v, int64_t stride, int hd, float *out_a, float *out_b);
// f32 · f32 in a fixed order (the SIMD version's order is fixed too, so results never depend on context).
float ck_dot_f32_ref(int64_t n, const float *a, const float *b);
float ck_dot_f32(int64_t n, const float *a, const float *b);
// Attention scores of one query (hd) against cached keys s0 … s1 − 1 (rows of k, stride floats apart):
// scores[s] = ck_dot_f32(hd, q, k + s·stride) · scale for every visible slot, bit for bit; returns the
// larger of max and the visible scores (compared in slot order).
float ck_attention_scores(int hd, const float *q, const float *k, int64_t stride, int s0, int s1,
                          const uint8_t *visible, float scale, float *scores, float max);
// Two queries against the same keys (a's visibility, scores and running maximum max[0], then b's):
// bitwise two ck_attention_scores calls, each key read once where the CPU allows.
void ck_attention_scores2(int hd, const float *qa, const float *qb, const float *k, int64_t stride, int s0, int s1,
                          const uint8_t *vis_a, const uint8_t *vis_b, float scale, float *sc_a, float *sc_b, float max[2]);

// ---- run-time dispatch ---------------------------------------------------------------------------
// Use the scalar reference everywhere (1) or the best SIMD the CPU has (0). For tests and benchmarks.
void ck_force_scalar(int on);
// "avx2+avx512vnni" (AVX2, and AVX-512 with VNNI for the repacked kernels), "avx2+vnni" (VNNI on
// 256-bit registers only), "avx2" or "scalar": what the dispatched kernels currently use.
const char *ck_simd_name(void);

// ---- thread pool ---------------------------------------------------------------------------------
// Persistent workers that spin briefly, then sleep; the calling thread takes part as thread 0.
typedef struct ck_pool ck_pool;
// Pools have at most this many threads (larger requests are clamped); per-thread job state is sized by it.
#define CK_MAX_THREADS 64
typedef void (*ck_task_fn)(void *ctx, int ith, int nth);
ck_pool *ck_pool_create(int nthreads);
void ck_pool_destroy(ck_pool *pool);
int ck_pool_size(const ck_pool *pool);
// Runs fn(ctx, ith, nth) on every thread and returns when all are done. Callers on different threads
// take turns (a lock spans the call); fn must not call ck_pool_run on the same pool.
void ck_pool_run(ck_pool *pool, ck_task_fn fn, void *ctx);
// Per-thread scratch of at least `floats` floats (grown once when too small; not on the hot path after warm-up).
float *ck_pool_scratch(ck_pool *pool, int ith, int64_t floats);

// ---- matrix products ------------------------------------------------------------------------------
typedef struct {
    int type;             // ggml type of the weights
    const void *data;     // rows × row_bytes, in the mapped file
    int64_t rows;         // output dimension
    int64_t cols;         // input dimension (the row length)
    size_t row_bytes;
} ck_matrix;

enum { CK_EXACT = 0, CK_Q8_ACTIVATIONS = 1 };

// Y[j·rows + r] = W[r] · X[j·cols …] for r < rows, j < n.
// CK_EXACT: weights dequantized exactly, f32 activations. CK_Q8_ACTIVATIONS: activations rounded to
// ck_vec_dot_type(W.type) first (llama.cpp's arithmetic), integer dot products.
// Each output element is one dot product in a fixed order, whatever n is and wherever row j sits:
// results are bitwise batch-invariant. Threads split the output rows only.
// `qbuf` holds the quantized activations: at least ck_matmul_qbuf_size(W, n) bytes.
void ck_matmul(ck_pool *pool, const ck_matrix *w, const float *x, int64_t n, float *y, int mode, void *qbuf);
// ys[m] (n, ws[m]->rows) = x · ws[m]ᵀ for m = 0 … count − 1, products of the same activations (Q, K and
// V; gate and up) in one pool run: the activations are quantized once, and one barrier ends them all
// instead of one per matrix. Each output is bitwise what ck_matmul gives. When the matrices differ in
// columns or activation type (or count > CK_MAX_PRODUCTS) they run one after the other.
#define CK_MAX_PRODUCTS 4
void ck_matmul_many(ck_pool *pool, const ck_matrix *const ws[], int count, const float *x, int64_t n, float *const ys[], int mode, void *qbuf);
size_t ck_matmul_qbuf_size(const ck_matrix *w, int64_t n);

// Every row of W dequantized and scaled to unit length (a zero row stays zero), written as f32 rows
// to `f32` or as binary16 rows to `f16` (exactly one of them non-NULL); (w.rows, w.cols) each.
// Threads split the rows. The vocabulary keys of the analysis views.
void ck_unit_rows(ck_pool *pool, const ck_matrix *w, float *f32, uint16_t *f16);

// ---- weights repacked at load time ---------------------------------------------------------------------
// Q4_K, Q5_0, Q6_K and Q8_0 matrices whose rows are a multiple of 8 can be copied into groups of 8
// rows (CK_Q4_K_X8, CK_Q5_0_X8, CK_Q6_K_X8, CK_Q8_0_X8; ck_blocks.h), whose kernels multiply 8 rows per
// instruction.
// ck_matmul, ck_unit_rows and the exact path take them like any matrix, also over a leading subset of
// rows that is not a multiple of 8 (a vocabulary-subset head).
// The repacked type of a ggml type, or −1.
int ck_repacked_type(int type);
// Bytes of the repacked copy of a (rows, cols) matrix of `type`, or 0 when it cannot be repacked.
size_t ck_repacked_size(int type, int64_t rows, int64_t cols);
// Writes the repacked copy of `src` to `dst` (ck_repacked_size bytes; threads split the groups) and
// describes it in `out` (row_bytes = a row's share of its groups, so group g starts at data + 8g·row_bytes).
// Returns 0, writing nothing, when `src` cannot be repacked. ck_matmul takes the copy like any matrix.
int ck_repack(ck_pool *pool, const ck_matrix *src, void *dst, ck_matrix *out);
// Row k (0…7) of a group of 8 rows of repacked `type`, dequantized: bitwise what the original row gives.
void ck_dequantize_row_x8(int type, const void *group, int k, float *dst, int64_t n);
// The 8 rows of a group · one activation row (Q8_K for the K-quants, Q8_0 for Q5_0 and Q8_0): out[k] for row k.
// Per row, exact integer sums per block, then fused multiply-adds in block order.
void ck_dot_x8_ref(int type, int64_t n, const void *w, const void *y, float out[8]);
// The same for `rows` = 1…4 activation rows at once: out[8·r + k]. The SIMD versions compute each lane
// with the reference's operations in its order, so they equal ck_dot_x8_ref bit for bit.
void ck_dot_x8(int type, int64_t n, const void *w, const void *const y[], int rows, float out[]);
// ck_dot_x8's kernel at one SIMD level, or NULL when this CPU lacks the level (or the type is not
// repacked): the tests hold every level the machine has to the reference. ck_dot_x8 takes the highest.
enum { CK_LEVEL_SCALAR = 0, CK_LEVEL_AVX2 = 1, CK_LEVEL_VNNI = 2 };
typedef void (*ck_dot_x8_fn)(int64_t n, const void *w, const void *const y[], int rows, float out[]);
ck_dot_x8_fn ck_dot_x8_kernel(int type, int level);
// The kernel ck_dot_x8 uses: the highest level this CPU has (NULL if the type is not repacked).
ck_dot_x8_fn ck_dot_x8_best_kernel(int type);
// Two neighbouring groups (16 rows; group B starts `stride` bytes after group A) · 1 … ck_dot_x16_rows
// activation rows (each ck_quantize_activation_row's, sums included):
// out[16·r + k] for row k of A (k < 8) or k − 8 of B. NULL unless the CPU has AVX-512 with VNNI.
// Each output equals ck_dot_x8_ref's bit for bit.
typedef void (*ck_dot_x16_fn)(int64_t n, const void *w, size_t stride, const void *const y[], int rows, float out[]);
ck_dot_x16_fn ck_dot_x16_kernel(int type);
// How many activation rows one call of that kernel takes: 16 for Q4_K and Q6_K, else 8 (0 without a kernel).
int ck_dot_x16_rows(int type);

// ---- the rest of a transformer block ----------------------------------------------------------------
// y = x / sqrt(mean(x²) + eps) · w, the mean of squares accumulated in double (as ggml does). In place allowed.
void ck_rmsnorm(const float *x, const float *w, float *y, int64_t n, float eps);
// cos/sin of the rotary angles for one position: theta_0 = pos, theta_{i+1} = theta_i · base^(−2/n_rot)
// iterated in f32 (ggml's cache), divided by freq_factors[i] when given. cs: [n_rot/2 cos, n_rot/2 sin].
void ck_rope_angles(int64_t pos, int n_rot, float base, const float *freq_factors, float *cs);
// Rotates each of n_heads heads (head_dim floats) of x in place. neox: pairs (i, i + n_rot/2); else (2i, 2i+1).
void ck_rope_apply(float *x, int n_heads, int head_dim, int n_rot, const float *cs, int neox);
// e^x by a polynomial that SIMD repeats bitwise (ref/activations.c): within 2 ulp of expf on [−87, 88],
// x clamped to that range.
float ck_exp_ref(float x);
// y = silu(g) · u = g / (1 + e^−g) · u with ck_exp_ref's exponential. The reference, and the fastest
// this CPU has (bitwise the same). In place (y = g) allowed.
void ck_swiglu_ref(const float *g, const float *u, float *y, int64_t n);
void ck_swiglu(const float *g, const float *u, float *y, int64_t n);
// Softmax over the visible slots of scores, in place, with ck_exp_ref's exponential: e^(score − max)
// (max: the largest visible score), summed in double, then each scaled by 1 / sum. Invisible slots are
// left as they are. The reference, and the fastest this CPU has (bitwise the same).
void ck_softmax_visible_ref(float *scores, const uint8_t *visible, int n_kv, float max);
void ck_softmax_visible(float *scores, const uint8_t *visible, int n_kv, float max);
// ck_swiglu over n values, and ck_rmsnorm over `rows` rows of n, split over the pool's threads (small
// inputs stay on the caller): bitwise the one-thread results.
void ck_swiglu_pool(ck_pool *pool, const float *g, const float *u, float *y, int64_t n);
void ck_rmsnorm_rows(ck_pool *pool, const float *x, const float *w, float *y, int64_t rows, int64_t n, float eps);
// y = gelu_tanh(g) · u
void ck_geglu(const float *g, const float *u, float *y, int64_t n);

// Attention for n query rows over n_kv cached key/value rows (slots 0 …), with a visibility mask.
// q: [n, n_head·hd]; k, v: [≥ n_kv, n_head_kv·hd]; mask: [n, n_kv] bytes, 1 = visible; out: [n, n_head·hd].
// Query head h reads KV head h / (n_head / n_head_kv). Scores are visited in slot order, softmax sums in
// double: a row's result depends only on the visible keys and their order, never on the batch.
void ck_attention(ck_pool *pool, const float *q, const float *k, const float *v, const uint8_t *mask,
                  int n, int n_kv, int n_head, int n_head_kv, int hd, float scale, float *out);
// The same, one (row, head) pair at a time on the calling thread: the readable reference that
// ck_attention must equal bit for bit (it reads each KV head once for many pairs instead).
void ck_attention_ref(const float *q, const float *k, const float *v, const uint8_t *mask,
                      int n, int n_kv, int n_head, int n_head_kv, int hd, float scale, float *out);

// ---- measuring ------------------------------------------------------------------------------------
// Sums of floats that stream memory as fast as the cores can read it (bandwidth probes, not exact sums).
double ck_sum_f32(const float *x, int64_t n);
double ck_parallel_sum_f32(ck_pool *pool, const float *x, int64_t n);

#ifdef __cplusplus
}
#endif
#endif
