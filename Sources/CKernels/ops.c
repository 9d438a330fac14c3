// Matrix products, attention and the element-wise parts of a transformer block.
#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include "ckernels.h"

// ---- matrix products ------------------------------------------------------------------------------
// Tiles: a few weight rows stay in L1 while up to ACT_TILE activation rows stream past them, so each
// weight block is read from memory once for the whole batch. Tiling only reorders which outputs are
// computed when; every output is still one ck_vec_dot / ck_dot_f32 call.
enum { ROW_TILE = 16, ACT_TILE = 32 };  // ROW_TILE: whole groups of 8 for repacked matrices

// One product of a job: y (n, w->rows) = x · Wᵀ, whose tiles are numbered from first_tile on.
typedef struct {
    const ck_matrix *w;
    float *y;
    int64_t first_tile;
    ck_dot_x8_fn x8;       // repacked matrices: the 8-row kernel of the best level
    ck_dot_x16_fn x16;     // and the 16-row kernel, or NULL (8 rows at a time)
    int x16_rows;          // activation rows one x16 call takes (8 or 16)
    ck_vec_dot_fn dot;     // file layout: one activation row per call,
    ck_vec_dot_rows_fn dots[5];  // or k = 2…4 rows (NULL where no kernel exists, or f32 activations)
} product;

// Products of the same activations (Q, K and V; gate and up) share one job: one quantization of the
// activations and one pool run instead of one per matrix. Their tiles form one numbered range.
typedef struct {
    product p[CK_MAX_PRODUCTS];
    int count;
    int64_t tiles;         // all products' tiles
    const float *x;        // (n, cols)
    int64_t n, cols;
    int mode;
    const uint8_t *qx;     // quantized activations: n rows of qrow bytes
    size_t qrow;
    int vtype;
    ck_pool *pool;
    // Next tile of each thread's range, one cache line each: with the counters side by side every
    // claim by one thread evicted the other's line (false sharing, ~2 ms a token on the 0.5B's head).
    struct { _Alignas(64) atomic_long next; } cursor[CK_MAX_THREADS];
    int64_t range_end[CK_MAX_THREADS];
} matmul_job;

static void quantize_task(void *p, int ith, int nth) {
    matmul_job *job = p;
    for (int64_t j = ith; j < job->n; j += nth)
        ck_quantize_activation_row(job->vtype, job->x + j * job->cols, (void *)(job->qx + j * job->qrow), job->cols);
}

// Tiles are handed out per thread from the front of its own range, CLAIM at a time; an idle thread
// then takes from the front of the others' ranges. Any split gives the same results: each output is
// computed whole by one thread. CLAIM > 1 because a locked add waits for the thread's stores to drain:
// one per tile cost 4% of the 0.5B's decode (perf), most of its tiles being ~1 µs of work.
enum { CLAIM = 4 };
static int64_t next_tiles(matmul_job *job, int ith, int nth, int64_t *end) {
    for (int k = 0; k < nth; k++) {
        const int o = (ith + k) % nth;
        const int64_t t = atomic_fetch_add_explicit(&job->cursor[o].next, CLAIM, memory_order_relaxed);
        if (t < job->range_end[o]) {
            *end = t + CLAIM < job->range_end[o] ? t + CLAIM : job->range_end[o];
            return t;
        }
    }
    return -1;
}

// Rows r0 … r1 of a repacked matrix (r0 a multiple of 8): one kernel call covers 8 weight rows and up
// to 4 activation rows, or with AVX-512 16 weight rows (two groups) and up to 8 activation rows (16
// for Q6_K).
// Group g's 8 rows start at data + g·8·row_bytes (= data + r0·row_bytes). When the product takes a
// leading subset of the rows (a vocabulary-subset head), r1 may cut the last group: its 8 rows are
// still there to read, and only the wanted outputs are kept.
static void matmul_x8_tile(const matmul_job *job, const product *pr, int64_t r0, int64_t r1) {
    const ck_matrix *w = pr->w;
    for (int64_t j0 = 0; j0 < job->n; j0 += ACT_TILE) {
        const int64_t j1 = j0 + ACT_TILE < job->n ? j0 + ACT_TILE : job->n;
        int64_t g = r0;
        for (; pr->x16 && r1 - g >= 16; g += 16) {
            const void *group = (const uint8_t *)w->data + g * w->row_bytes;
            for (int64_t j = j0; j < j1;) {
                const int k = j1 - j >= pr->x16_rows ? pr->x16_rows : (int)(j1 - j);
                const void *xs[16];
                float o[256];  // (k, 16)
                for (int i = 0; i < k; i++) xs[i] = job->qx + (j + i) * job->qrow;
                pr->x16(w->cols, group, 8 * w->row_bytes, xs, k, o);
                for (int i = 0; i < k; i++) memcpy(pr->y + (j + i) * w->rows + g, o + 16 * i, 16 * sizeof(float));
                j += k;
            }
        }
        for (; g < r1; g += 8) {
            const void *group = (const uint8_t *)w->data + g * w->row_bytes;
            for (int64_t j = j0; j < j1;) {
                const int k = j1 - j >= 4 ? 4 : (int)(j1 - j);
                const void *xs[4];
                float o[32];  // (k, 8)
                for (int i = 0; i < k; i++) xs[i] = job->qx + (j + i) * job->qrow;
                pr->x8(w->cols, group, xs, k, o);
                const int64_t keep = r1 - g < 8 ? r1 - g : 8;
                for (int i = 0; i < k; i++) memcpy(pr->y + (j + i) * w->rows + g, o + 8 * i, (size_t)keep * sizeof(float));
                j += k;
            }
        }
    }
}

static int is_repacked(int type) { return type == CK_Q4_K_X8 || type == CK_Q5_0_X8 || type == CK_Q6_K_X8 || type == CK_Q8_0_X8; }

static void dequantize_weight_row(const ck_matrix *w, int64_t r, float *dst) {
    if (is_repacked(w->type))
        ck_dequantize_row_x8(w->type, (const uint8_t *)w->data + (r - r % 8) * w->row_bytes, (int)(r % 8), dst, w->cols);
    else
        ck_dequantize_row(w->type, (const uint8_t *)w->data + r * w->row_bytes, dst, w->cols);
}

// Rows r0 … r1 of a matrix in the file's layout, or any matrix on the exact path.
static void matmul_rows_tile(const matmul_job *job, const product *pr, int64_t r0, int64_t r1, float *deq) {
    const ck_matrix *w = pr->w;
    const int64_t cols = w->cols, rows = w->rows;
    const int exact = deq != NULL;
    const ck_vec_dot_fn dot = pr->dot;
    const ck_vec_dot_rows_fn *dots = pr->dots;
    if (exact)
        for (int64_t r = r0; r < r1; r++) dequantize_weight_row(w, r, deq + (r - r0) * cols);
    for (int64_t j0 = 0; j0 < job->n; j0 += ACT_TILE) {
        const int64_t j1 = j0 + ACT_TILE < job->n ? j0 + ACT_TILE : job->n;
        for (int64_t r = r0; r < r1; r++) {
            const void *wr = (const uint8_t *)w->data + r * w->row_bytes;
            int64_t j = j0;
            while (j1 - j >= 2 && dots[2]) {
                const int k = j1 - j >= 4 ? 4 : (int)(j1 - j);
                const void *xs[4];
                float o[4];
                for (int i = 0; i < k; i++) xs[i] = job->qx + (j + i) * job->qrow;
                dots[k](cols, wr, xs, o);
                for (int i = 0; i < k; i++) pr->y[(j + i) * rows + r] = o[i];
                j += k;
            }
            for (; j < j1; j++) {
                float v;
                if (exact) v = ck_dot_f32(cols, deq + (r - r0) * cols, job->x + j * cols);
                else if (job->vtype == CK_F32) v = dot(cols, wr, job->x + j * cols);
                else v = dot(cols, wr, job->qx + j * job->qrow);
                pr->y[j * rows + r] = v;
            }
        }
    }
}

// Tile t of the job: ROW_TILE rows of one product, for every activation row.
static void matmul_one_tile(matmul_job *job, int ith, int64_t t, float **deq) {
    int m = 0;
    while (m + 1 < job->count && t >= job->p[m + 1].first_tile) m++;
    const product *pr = &job->p[m];
    const int64_t r0 = (t - pr->first_tile) * ROW_TILE, r1 = r0 + ROW_TILE < pr->w->rows ? r0 + ROW_TILE : pr->w->rows;
    const int exact = job->mode == CK_EXACT && pr->w->type != CK_F32;
    if (is_repacked(pr->w->type) && !exact) {
        matmul_x8_tile(job, pr, r0, r1);
        return;
    }
    if (exact && !*deq) *deq = ck_pool_scratch(job->pool, ith, job->cols * ROW_TILE);
    matmul_rows_tile(job, pr, r0, r1, exact ? *deq : NULL);
}

static void matmul_task(void *p, int ith, int nth) {
    matmul_job *job = p;
    float *deq = NULL;  // (ROW_TILE, cols): the exact path's dequantized weight rows
    // Each thread walks its own contiguous range of tiles first (one long sequential stream for the
    // hardware prefetcher), then steals what is left of the other ranges.
    int64_t first, end;
    while ((first = next_tiles(job, ith, nth, &end)) >= 0)
        for (int64_t t = first; t < end; t++) matmul_one_tile(job, ith, t, &deq);
}

size_t ck_matmul_qbuf_size(const ck_matrix *w, int64_t n) {
    const int vt = ck_vec_dot_type(w->type);
    return vt == CK_F32 ? 0 : ck_activation_row_size(vt, w->cols) * (size_t)n;
}

// Whether the products can share one job: the same inputs, quantized the same way.
static int can_share(const ck_matrix *const ws[], int count, int mode) {
    if (count > CK_MAX_PRODUCTS) return 0;
    for (int m = 1; m < count; m++) {
        if (ws[m]->cols != ws[0]->cols) return 0;
        if (mode != CK_EXACT && ck_vec_dot_type(ws[m]->type) != ck_vec_dot_type(ws[0]->type)) return 0;
    }
    return 1;
}

void ck_matmul_many(ck_pool *pool, const ck_matrix *const ws[], int count, const float *x, int64_t n, float *const ys[], int mode, void *qbuf) {
    if (count < 1) return;
    if (!can_share(ws, count, mode)) {
        for (int m = 0; m < count; m++) ck_matmul(pool, ws[m], x, n, ys[m], mode, qbuf);
        return;
    }
    matmul_job job = {.count = count, .x = x, .n = n, .cols = ws[0]->cols, .mode = mode, .qx = qbuf, .pool = pool};
    job.vtype = mode == CK_EXACT ? CK_F32 : ck_vec_dot_type(ws[0]->type);
    for (int m = 0; m < count; m++) {
        // Kernels resolved once per product, not per tile or group.
        product *pr = &job.p[m];
        *pr = (product){.w = ws[m], .y = ys[m], .first_tile = job.tiles, .x8 = ck_dot_x8_best_kernel(ws[m]->type),
                        .x16 = ck_dot_x16_kernel(ws[m]->type), .x16_rows = ck_dot_x16_rows(ws[m]->type), .dot = ck_vec_dot_kernel(ws[m]->type)};
        // Up to four activation rows per weight-row pass where a kernel exists (bitwise the same results):
        // dots[k] takes k rows, for k = 2…4 (a batch of 7 is 4 + 3, not 4 + 1 + 1 + 1).
        if (job.vtype != CK_F32)
            for (int k = 2; k <= 4; k++) pr->dots[k] = ck_vec_dot_rows_kernel(ws[m]->type, k);
        job.tiles += (ws[m]->rows + ROW_TILE - 1) / ROW_TILE;
    }
    const int nth = ck_pool_size(pool);
    for (int i = 0; i < nth; i++) {
        atomic_init(&job.cursor[i].next, job.tiles * i / nth);
        job.range_end[i] = job.tiles * (i + 1) / nth;
    }
    if (job.vtype != CK_F32) {
        job.qrow = ck_activation_row_size(job.vtype, job.cols);
        if (n > 1) ck_pool_run(pool, quantize_task, &job);
        else quantize_task(&job, 0, 1);
    }
    ck_pool_run(pool, matmul_task, &job);
}

void ck_matmul(ck_pool *pool, const ck_matrix *w, const float *x, int64_t n, float *y, int mode, void *qbuf) {
    ck_matmul_many(pool, &w, 1, x, n, &y, mode, qbuf);
}

typedef struct {
    const ck_matrix *w;
    float *f32;
    uint16_t *f16;
    ck_pool *pool;
} unit_rows_job;

static void unit_rows_task(void *p, int ith, int nth) {
    unit_rows_job *job = p;
    const int64_t rows = job->w->rows, cols = job->w->cols;
    const int64_t r0 = rows * ith / nth, r1 = rows * (ith + 1) / nth;
    float *row = ck_pool_scratch(job->pool, ith, cols);  // (cols): one dequantized row
    for (int64_t r = r0; r < r1; r++) {
        dequantize_weight_row(job->w, r, row);
        double norm = 0.0;  // in double: thousands of squares
        for (int64_t c = 0; c < cols; c++) norm += (double)row[c] * (double)row[c];
        const float scale = norm > 0 ? (float)(1.0 / sqrt(norm)) : 0.0f;
        if (job->f32) {
            for (int64_t c = 0; c < cols; c++) job->f32[r * cols + c] = row[c] * scale;
        } else {
            for (int64_t c = 0; c < cols; c++) job->f16[r * cols + c] = ck_fp32_to_fp16(row[c] * scale);
        }
    }
}

void ck_unit_rows(ck_pool *pool, const ck_matrix *w, float *f32, uint16_t *f16) {
    unit_rows_job job = {.w = w, .f32 = f32, .f16 = f16, .pool = pool};
    ck_pool_run(pool, unit_rows_task, &job);
}

// ---- element-wise ---------------------------------------------------------------------------------
void ck_rmsnorm(const float *x, const float *w, float *y, int64_t n, float eps) {
    double sum = 0.0;  // in double, as ggml: the mean of squares of thousands of values
    for (int64_t i = 0; i < n; i++) sum += (double)(x[i] * x[i]);
    const float scale = 1.0f / sqrtf((float)(sum / (double)n) + eps);
    for (int64_t i = 0; i < n; i++) y[i] = (x[i] * scale) * w[i];
}

void ck_rope_angles(int64_t pos, int n_rot, float base, const float *freq_factors, float *cs) {
    const float theta_scale = powf(base, -2.0f / (float)n_rot);
    float theta = (float)pos;  // iterated in f32, as ggml's rope cache does (not pow per pair)
    for (int i = 0; i < n_rot / 2; i++) {
        const float t = freq_factors ? theta / freq_factors[i] : theta;
        cs[i] = cosf(t);
        cs[n_rot / 2 + i] = sinf(t);
        theta *= theta_scale;
    }
}

void ck_rope_apply(float *x, int n_heads, int head_dim, int n_rot, const float *cs, int neox) {
    const int half = n_rot / 2;
    for (int h = 0; h < n_heads; h++) {
        float *v = x + (int64_t)h * head_dim;
        for (int i = 0; i < half; i++) {
            const int a = neox ? i : 2 * i, b = neox ? i + half : 2 * i + 1;
            const float c = cs[i], s = cs[half + i], x0 = v[a], x1 = v[b];
            v[a] = x0 * c - x1 * s;
            v[b] = x0 * s + x1 * c;
        }
    }
}

void ck_geglu(const float *g, const float *u, float *y, int64_t n) {
    const float sqrt_2_over_pi = 0.79788456080286535588f;
    for (int64_t i = 0; i < n; i++) {
        const float x = g[i];
        y[i] = 0.5f * x * (1.0f + tanhf(sqrt_2_over_pi * x * (1.0f + 0.044715f * x * x))) * u[i];
    }
}

// ---- element-wise work split over the pool ------------------------------------------------------------
// Between the products these ran on the calling thread while the others waited: at 16 rows SwiGLU and
// the norms were ~4% of the main thread's time in a verification forward (perf). Each element or row
// is computed exactly as the one-thread call computes it, so splitting changes no bit.
typedef struct { const float *g, *u, *w; float *y; const float *x; int64_t n, rows; float eps; } elementwise_job;

static void swiglu_task(void *p, int ith, int nth) {
    const elementwise_job *job = p;
    const int64_t i0 = job->n * ith / nth / 16 * 16, i1 = ith == nth - 1 ? job->n : job->n * (ith + 1) / nth / 16 * 16;
    if (i1 > i0) ck_swiglu(job->g + i0, job->u + i0, job->y + i0, i1 - i0);
}

void ck_swiglu_pool(ck_pool *pool, const float *g, const float *u, float *y, int64_t n) {
    if (n < 16384 || ck_pool_size(pool) == 1) return ck_swiglu(g, u, y, n);
    elementwise_job job = {.g = g, .u = u, .y = y, .n = n};
    ck_pool_run(pool, swiglu_task, &job);
}

static void rmsnorm_task(void *p, int ith, int nth) {
    const elementwise_job *job = p;
    for (int64_t r = job->rows * ith / nth; r < job->rows * (ith + 1) / nth; r++)
        ck_rmsnorm(job->x + r * job->n, job->w, job->y + r * job->n, job->n, job->eps);
}

void ck_rmsnorm_rows(ck_pool *pool, const float *x, const float *w, float *y, int64_t rows, int64_t n, float eps) {
    if (rows < 4 || ck_pool_size(pool) == 1) {
        for (int64_t r = 0; r < rows; r++) ck_rmsnorm(x + r * n, w, y + r * n, n, eps);
        return;
    }
    elementwise_job job = {.x = x, .w = w, .y = y, .n = n, .rows = rows, .eps = eps};
    ck_pool_run(pool, rmsnorm_task, &job);
}

// ---- attention ------------------------------------------------------------------------------------
// The reference: one (row, query head) pair at a time, over every visible key in slot order.
static void attention_pair(const float *q, const float *k, const float *v, const uint8_t *visible, int n_kv,
                           int64_t kvstride, int hd, float scale, float *scores, float *out) {
    float max = -INFINITY;
    for (int s = 0; s < n_kv; s++) {
        if (!visible[s]) continue;
        const float sc = ck_dot_f32(hd, q, k + s * kvstride) * scale;
        scores[s] = sc;
        if (sc > max) max = sc;
    }
    ck_softmax_visible_ref(scores, visible, n_kv, max);
    for (int d = 0; d < hd; d++) out[d] = 0.0f;
    ck_weighted_sum(n_kv, visible, scores, v, kvstride, hd, out);
}

void ck_attention_ref(const float *q, const float *k, const float *v, const uint8_t *mask,
                      int n, int n_kv, int n_head, int n_head_kv, int hd, float scale, float *out) {
    const int group = n_head / n_head_kv;
    const int64_t qstride = (int64_t)n_head * hd, kvstride = (int64_t)n_head_kv * hd;
    float *scores = malloc(sizeof(float) * (size_t)(n_kv > 0 ? n_kv : 1));  // (n_kv)
    for (int i = 0; i < n; i++)
        for (int h = 0; h < n_head; h++)
            attention_pair(q + i * qstride + (int64_t)h * hd, k + (int64_t)(h / group) * hd, v + (int64_t)(h / group) * hd,
                           mask + (int64_t)i * n_kv, n_kv, kvstride, hd, scale, scores, out + i * qstride + (int64_t)h * hd);
    free(scores);
}

// The fast version does the same per-pair arithmetic in the same order (so it is bitwise the
// reference), but reads each KV head's keys and values once per task for all the pairs of that KV
// head in the task, instead of once per pair: with grouped-query attention (6 query heads per KV head
// in the 1.5B) and n rows of a tree, the per-pair loop streamed 6·n copies of every cached K and V row
// per layer, which at a 4,000-token context cost more memory traffic than the weights. Keys go in
// blocks of ATTN_BLOCK slots (16 KB of a 128-wide head) that stay in L1 while each pair uses them:
// with 64 (32 KB), a block of values and the 32 pairs' outputs (16 KB) filled the 48 KB L1, and the
// 1.5B's attention at 16 rows took 17–20% longer (C harness, 28 layers, 256 and 1,024 cached slots).
enum { ATTN_BLOCK = 32, ATTN_MAX_PAIRS = 32 };

typedef struct {
    const float *q, *k, *v;
    const uint8_t *mask;
    int n, n_kv, n_head, n_head_kv, hd;
    float scale;
    float *out;
    ck_pool *pool;
    int chunks;       // tasks per KV head; each takes a contiguous share of its n·group pairs
    atomic_int next;  // over (KV head, chunk) tasks
} attention_job;

static void attention_task(void *p, int ith, int nth) {
    (void)nth;
    attention_job *job = p;
    const int hd = job->hd, n_kv = job->n_kv, group = job->n_head / job->n_head_kv, pairs = job->n * group;
    const int64_t qstride = (int64_t)job->n_head * hd, kvstride = (int64_t)job->n_head_kv * hd;
    for (;;) {
        const int task = atomic_fetch_add(&job->next, 1);
        if (task >= job->n_head_kv * job->chunks) break;
        const int kvh = task / job->chunks, c = task % job->chunks;
        const int first = (int)((int64_t)pairs * c / job->chunks), m = (int)((int64_t)pairs * (c + 1) / job->chunks) - first;
        const float *k = job->k + (int64_t)kvh * hd, *v = job->v + (int64_t)kvh * hd;
        float *scores = ck_pool_scratch(job->pool, ith, (int64_t)m * n_kv);  // (m, n_kv)
        const float *q[ATTN_MAX_PAIRS];
        const uint8_t *visible[ATTN_MAX_PAIRS];
        float *out[ATTN_MAX_PAIRS], max[ATTN_MAX_PAIRS];
        for (int j = 0; j < m; j++) {  // pair first + j: row i, query head kvh·group + g
            const int i = (first + j) / group, h = kvh * group + (first + j) % group;
            q[j] = job->q + i * qstride + (int64_t)h * hd;
            out[j] = job->out + i * qstride + (int64_t)h * hd;
            visible[j] = job->mask + (int64_t)i * n_kv;
            max[j] = -INFINITY;
        }
        // scores over visible keys, in slot order per pair
        for (int s0 = 0; s0 < n_kv; s0 += ATTN_BLOCK) {
            const int s1 = s0 + ATTN_BLOCK < n_kv ? s0 + ATTN_BLOCK : n_kv;
            int j = 0;
            for (; j + 2 <= m; j += 2)  // two pairs a call: the keys read once for both
                ck_attention_scores2(hd, q[j], q[j + 1], k, kvstride, s0, s1, visible[j], visible[j + 1], job->scale,
                                     scores + (int64_t)j * n_kv, scores + (int64_t)(j + 1) * n_kv, max + j);
            for (; j < m; j++)
                max[j] = ck_attention_scores(hd, q[j], k, kvstride, s0, s1, visible[j], job->scale, scores + (int64_t)j * n_kv, max[j]);
        }
        // softmax per pair, bitwise the reference's
        for (int j = 0; j < m; j++) {
            ck_softmax_visible(scores + (int64_t)j * n_kv, visible[j], n_kv, max[j]);
            for (int d = 0; d < hd; d++) out[j][d] = 0.0f;
        }
        // weighted sums block by block: ck_weighted_sum adds in slot order, so the pieces sum as one call
        for (int s0 = 0; s0 < n_kv; s0 += ATTN_BLOCK) {
            const int len = s0 + ATTN_BLOCK < n_kv ? ATTN_BLOCK : n_kv - s0;
            int j = 0;
            for (; j + 2 <= m; j += 2)  // two pairs a call: the value rows read once for both
                ck_weighted_sum2(len, visible[j] + s0, visible[j + 1] + s0, scores + (int64_t)j * n_kv + s0, scores + (int64_t)(j + 1) * n_kv + s0,
                                 v + s0 * kvstride, kvstride, hd, out[j], out[j + 1]);
            for (; j < m; j++)
                ck_weighted_sum(len, visible[j] + s0, scores + (int64_t)j * n_kv + s0, v + s0 * kvstride, kvstride, hd, out[j]);
        }
    }
}

void ck_attention(ck_pool *pool, const float *q, const float *k, const float *v, const uint8_t *mask,
                  int n, int n_kv, int n_head, int n_head_kv, int hd, float scale, float *out) {
    // Enough tasks for every thread twice over, and at most ATTN_MAX_PAIRS pairs in one.
    const int pairs = n * (n_head / n_head_kv), nth = ck_pool_size(pool);
    int chunks = (2 * nth + n_head_kv - 1) / n_head_kv;
    if (chunks < (pairs + ATTN_MAX_PAIRS - 1) / ATTN_MAX_PAIRS) chunks = (pairs + ATTN_MAX_PAIRS - 1) / ATTN_MAX_PAIRS;
    if (chunks > pairs) chunks = pairs;
    attention_job job = {.q = q, .k = k, .v = v, .mask = mask, .n = n, .n_kv = n_kv, .n_head = n_head,
                         .n_head_kv = n_head_kv, .hd = hd, .scale = scale, .out = out, .pool = pool, .chunks = chunks};
    atomic_init(&job.next, 0);
    ck_pool_run(pool, attention_task, &job);
}

// ---- read bandwidth --------------------------------------------------------------------------------
typedef struct { const float *x; int64_t n; double partial[CK_MAX_THREADS]; } sum_job;

static void sum_task(void *p, int ith, int nth) {
    sum_job *job = p;
    const int64_t a = job->n * ith / nth, b = job->n * (ith + 1) / nth;
    job->partial[ith] = ck_sum_f32(job->x + a, b - a);
}

double ck_parallel_sum_f32(ck_pool *pool, const float *x, int64_t n) {
    sum_job job = {.x = x, .n = n};
    ck_pool_run(pool, sum_task, &job);
    double s = 0;
    for (int i = 0; i < ck_pool_size(pool); i++) s += job.partial[i];
    return s;
}
