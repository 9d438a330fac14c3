// Attention's two inner loops on 512-bit registers, bitwise the AVX2 arithmetic they replace (so the
// per-pair reference, which calls ck_dot_f32 and ck_weighted_sum, still holds them to the bit):
// - scores: ck_dot_f32_avx2 keeps four 8-lane sums s0…s3, s_k over elements 32i + 8k … + 7. A 512-bit
//   register holds s0 and s1 side by side (elements 32i … 32i + 15), another s2 and s3, so each lane
//   sees the same FMAs in the same order; the halves are then added as (s0 + s1) + (s2 + s3) and
//   reduced by hsum_float_8's tree. The query stays in registers across the keys and four keys are
//   in flight at once, where the per-score call reloaded the query and waited on one reduction.
// - weighted sum: 16 output elements a register instead of 8, each still out[d] + p·v[d] (mul then add,
//   never FMA) in slot order.
// Measured on the 1.5B's shape (12 query heads on 2 KV heads of 128, 256 cached slots, 2 threads):
// see docs/ARCHITECTURE.md.
#if defined(__x86_64__)
#include <immintrin.h>
#include "ckernels.h"
#include "quants_avx2.h"
#include "avx2_common.h"

#define AVX512 __attribute__((target("avx2,fma,f16c,avx512f,avx512bw,avx512dq,avx512vl,evex512")))

// (s0 + s1) + (s2 + s3) from the two registers that hold them.
AVX512 static inline float reduce(__m512 s01, __m512 s23) {
    const __m256 a = _mm256_add_ps(_mm512_castps512_ps256(s01), _mm512_extractf32x8_ps(s01, 1));
    const __m256 b = _mm256_add_ps(_mm512_castps512_ps256(s23), _mm512_extractf32x8_ps(s23, 1));
    return hsum_float_8(_mm256_add_ps(a, b));
}

// reduce() for four keys at once, the same additions on the same pairs, with the keys side by side
// in the registers instead of one key's halves against each other: 21 instructions for four keys
// where reduce() takes about 11 for one. Key j's sum lands in element 4j.
AVX512 static inline __m512 reduce4(const __m512 s01[4], const __m512 s23[4]) {
    __m512 v[2];  // v[h]: key 2h's (s0 + s1) + (s2 + s3) in the low 8 lanes, key 2h + 1's in the high 8
    for (int h = 0; h < 2; h++) {
        const __m512 a = _mm512_add_ps(_mm512_shuffle_f64x2(s01[2 * h], s01[2 * h + 1], 0x44), _mm512_shuffle_f64x2(s01[2 * h], s01[2 * h + 1], 0xEE));
        const __m512 b = _mm512_add_ps(_mm512_shuffle_f64x2(s23[2 * h], s23[2 * h + 1], 0x44), _mm512_shuffle_f64x2(s23[2 * h], s23[2 * h + 1], 0xEE));
        v[h] = _mm512_add_ps(a, b);
    }
    // hsum_float_8's tree, each 128-bit lane one key: low half + high half, then elements 0 + 2 and 1 + 3, then 0 + 1.
    __m512 r = _mm512_add_ps(_mm512_shuffle_f32x4(v[0], v[1], 0x88), _mm512_shuffle_f32x4(v[0], v[1], 0xDD));
    r = _mm512_add_ps(r, _mm512_permute_ps(r, 0xEE));
    return _mm512_add_ps(r, _mm512_movehdup_ps(r));
}

// Keys s0 … s1 − 1 against one query of HD elements (64, 128 or 256: q in registers).
__attribute__((always_inline)) AVX512 static inline float scores_hd(const int HD, const float *q, const float *k, int64_t stride, int s0,
                                                                 int s1, const uint8_t *visible, float scale, float *scores, float max) {
    __m512 qv[16];  // (HD / 16) registers of the query
    for (int i = 0; i < HD / 16; i++) qv[i] = _mm512_loadu_ps(q + 16 * i);
    int s = s0;
    for (; s + 4 <= s1; s += 4) {
        if (!(visible[s] | visible[s + 1] | visible[s + 2] | visible[s + 3])) continue;
        __m512 a01[4], a23[4];
        for (int j = 0; j < 4; j++) a01[j] = a23[j] = _mm512_setzero_ps();
        for (int i = 0; i < HD / 32; i++)
            for (int j = 0; j < 4; j++) {
                const float *row = k + (s + j) * stride + 32 * i;
                a01[j] = _mm512_fmadd_ps(qv[2 * i], _mm512_loadu_ps(row), a01[j]);
                a23[j] = _mm512_fmadd_ps(qv[2 * i + 1], _mm512_loadu_ps(row + 16), a23[j]);
            }
        float sc[16];  // key j's score in element 4j
        _mm512_storeu_ps(sc, _mm512_mul_ps(reduce4(a01, a23), _mm512_set1_ps(scale)));
        for (int j = 0; j < 4; j++) {
            if (!visible[s + j]) continue;
            scores[s + j] = sc[4 * j];
            if (sc[4 * j] > max) max = sc[4 * j];
        }
    }
    for (; s < s1; s++) {
        if (!visible[s]) continue;
        __m512 a01 = _mm512_setzero_ps(), a23 = a01;
        for (int i = 0; i < HD / 32; i++) {
            a01 = _mm512_fmadd_ps(qv[2 * i], _mm512_loadu_ps(k + s * stride + 32 * i), a01);
            a23 = _mm512_fmadd_ps(qv[2 * i + 1], _mm512_loadu_ps(k + s * stride + 32 * i + 16), a23);
        }
        const float sc = reduce(a01, a23) * scale;
        scores[s] = sc;
        if (sc > max) max = sc;
    }
    return max;
}

AVX512 float ck_attention_scores_avx512(int hd, const float *q, const float *k, int64_t stride, int s0, int s1,
                                        const uint8_t *visible, float scale, float *scores, float max) {
    switch (hd) {
    case 64: return scores_hd(64, q, k, stride, s0, s1, visible, scale, scores, max);
    case 128: return scores_hd(128, q, k, stride, s0, s1, visible, scale, scores, max);
    default: return scores_hd(256, q, k, stride, s0, s1, visible, scale, scores, max);
    }
}

// Two queries of 128 elements against the same keys s0 … s1 − 1: both queries in registers (16), two
// keys in flight for each (reduce4 takes the four (query, key) sums), so each key register is loaded
// once for both. Each score is bitwise the one-query loop's. max[0], max[1]: the running maxima.
AVX512 void ck_attention_scores2_avx512(const float *qa, const float *qb, const float *k, int64_t stride, int s0, int s1,
                                        const uint8_t *vis_a, const uint8_t *vis_b, float scale, float *sc_a, float *sc_b, float max[2]) {
    __m512 qv[2][8];
    for (int i = 0; i < 8; i++) qv[0][i] = _mm512_loadu_ps(qa + 16 * i), qv[1][i] = _mm512_loadu_ps(qb + 16 * i);
    const uint8_t *vis[2] = {vis_a, vis_b};
    float *out[2] = {sc_a, sc_b};
    int s = s0;
    for (; s + 2 <= s1; s += 2) {
        if (!(vis_a[s] | vis_a[s + 1] | vis_b[s] | vis_b[s + 1])) continue;
        __m512 a01[4], a23[4];  // (query p, key j) at 2p + j
        for (int c = 0; c < 4; c++) a01[c] = a23[c] = _mm512_setzero_ps();
        for (int i = 0; i < 4; i++)
            for (int j = 0; j < 2; j++) {
                const float *row = k + (s + j) * stride + 32 * i;
                const __m512 lo = _mm512_loadu_ps(row), hi = _mm512_loadu_ps(row + 16);
                for (int p = 0; p < 2; p++) {
                    a01[2 * p + j] = _mm512_fmadd_ps(qv[p][2 * i], lo, a01[2 * p + j]);
                    a23[2 * p + j] = _mm512_fmadd_ps(qv[p][2 * i + 1], hi, a23[2 * p + j]);
                }
            }
        float sc[16];  // (query p, key j)'s score in element 4·(2p + j)
        _mm512_storeu_ps(sc, _mm512_mul_ps(reduce4(a01, a23), _mm512_set1_ps(scale)));
        for (int p = 0; p < 2; p++)
            for (int j = 0; j < 2; j++) {
                if (!vis[p][s + j]) continue;
                const float x = sc[4 * (2 * p + j)];
                out[p][s + j] = x;
                if (x > max[p]) max[p] = x;
            }
    }
    if (s < s1) {
        max[0] = scores_hd(128, qa, k, stride, s, s1, vis_a, scale, sc_a, max[0]);
        max[1] = scores_hd(128, qb, k, stride, s, s1, vis_b, scale, sc_b, max[1]);
    }
}

// out (hd) += Σ over visible slots of p[s]·v[s], 128 elements (8 registers) at a time across all slots.
AVX512 void ck_weighted_sum_avx512(int n_kv, const uint8_t *visible, const float *p, const float *v, int64_t stride, int hd, float *out) {
    for (int d0 = 0; d0 < hd; d0 += 128) {
        const int regs = (hd - d0) >= 128 ? 8 : (hd - d0) / 16;
        __m512 acc[8];
        for (int i = 0; i < regs; i++) acc[i] = _mm512_loadu_ps(out + d0 + 16 * i);
        for (int s = 0; s < n_kv; s++) {
            if (!visible[s]) continue;
            const __m512 ps = _mm512_set1_ps(p[s]);
            const float *row = v + s * stride + d0;
            if (regs == 8) {  // the common case, unrolled so acc stays in registers
                for (int i = 0; i < 8; i++) acc[i] = _mm512_add_ps(acc[i], _mm512_mul_ps(ps, _mm512_loadu_ps(row + 16 * i)));
            } else {
                for (int i = 0; i < regs; i++) acc[i] = _mm512_add_ps(acc[i], _mm512_mul_ps(ps, _mm512_loadu_ps(row + 16 * i)));
            }
        }
        for (int i = 0; i < regs; i++) _mm512_storeu_ps(out + d0 + 16 * i, acc[i]);
    }
}

// Two pairs' weighted sums over the same value rows, head size 128: each value register loaded once
// for both (the single-pair loop above is bound by its loads, 8 a slot for 8 mul + add pairs). Each
// pair still adds its own visible slots in slot order: bitwise two calls of the loop above.
AVX512 void ck_weighted_sum2_avx512(int n_kv, const uint8_t *vis_a, const uint8_t *vis_b, const float *p_a, const float *p_b,
                                    const float *v, int64_t stride, float *out_a, float *out_b) {
    __m512 a[8], b[8];
    for (int i = 0; i < 8; i++) a[i] = _mm512_loadu_ps(out_a + 16 * i), b[i] = _mm512_loadu_ps(out_b + 16 * i);
    for (int s = 0; s < n_kv; s++) {
        const float *row = v + s * stride;
        if (vis_a[s] && vis_b[s]) {
            const __m512 pa = _mm512_set1_ps(p_a[s]), pb = _mm512_set1_ps(p_b[s]);
            for (int i = 0; i < 8; i++) {
                const __m512 x = _mm512_loadu_ps(row + 16 * i);
                a[i] = _mm512_add_ps(a[i], _mm512_mul_ps(pa, x));
                b[i] = _mm512_add_ps(b[i], _mm512_mul_ps(pb, x));
            }
        } else if (vis_a[s]) {
            const __m512 pa = _mm512_set1_ps(p_a[s]);
            for (int i = 0; i < 8; i++) a[i] = _mm512_add_ps(a[i], _mm512_mul_ps(pa, _mm512_loadu_ps(row + 16 * i)));
        } else if (vis_b[s]) {
            const __m512 pb = _mm512_set1_ps(p_b[s]);
            for (int i = 0; i < 8; i++) b[i] = _mm512_add_ps(b[i], _mm512_mul_ps(pb, _mm512_loadu_ps(row + 16 * i)));
        }
    }
    for (int i = 0; i < 8; i++) _mm512_storeu_ps(out_a + 16 * i, a[i]), _mm512_storeu_ps(out_b + 16 * i, b[i]);
}
#endif
