// AVX2 versions of the element-wise work between matrix products: SwiGLU and the two activation
// quantizers. Each repeats its scalar reference's operations lane by lane, so the results are bitwise
// the reference's (tested). Before these, the 0.5B spent ~6% of a decode step in scalar expf, roundf
// and the quantizers' loops, on one thread while the other waited.
#if defined(__x86_64__)
#include <immintrin.h>
#include <math.h>
#include <string.h>
#include "ckernels.h"
#include "quants_avx2.h"
#include "avx2_common.h"

extern const float CK_EXP_LO, CK_EXP_HI, CK_LOG2E, CK_LN2_HI, CK_LN2_LO, CK_EXP_P[6];

// ck_exp_ref on 8 lanes.
AVX2 static inline __m256 exp_8(__m256 x) {
    x = _mm256_min_ps(_mm256_max_ps(x, _mm256_set1_ps(CK_EXP_LO)), _mm256_set1_ps(CK_EXP_HI));
    const __m256 n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(CK_LOG2E)), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m256 r = _mm256_fmadd_ps(n, _mm256_set1_ps(-CK_LN2_HI), x);
    r = _mm256_fmadd_ps(n, _mm256_set1_ps(-CK_LN2_LO), r);
    __m256 p = _mm256_set1_ps(CK_EXP_P[0]);
    for (int i = 1; i < 6; i++) p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(CK_EXP_P[i]));
    const __m256 r2 = _mm256_mul_ps(r, r);
    const __m256 er = _mm256_add_ps(_mm256_fmadd_ps(p, r2, r), _mm256_set1_ps(1.0f));
    const __m256i bits = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
    return _mm256_mul_ps(er, _mm256_castsi256_ps(bits));
}

AVX2 void ck_swiglu_avx2(const float *g, const float *u, float *y, int64_t n) {
    const __m256 one = _mm256_set1_ps(1.0f), sign = _mm256_set1_ps(-0.0f);
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        const __m256 gv = _mm256_loadu_ps(g + i);
        const __m256 e = exp_8(_mm256_xor_ps(gv, sign));
        _mm256_storeu_ps(y + i, _mm256_mul_ps(_mm256_div_ps(gv, _mm256_add_ps(one, e)), _mm256_loadu_ps(u + i)));
    }
    ck_swiglu_ref(g + i, u + i, y + i, n - i);
}

// ck_softmax_visible_ref, 8 slots at a time: the eight running sums are two registers of 4 doubles
// (slot s in lane s mod 8), an invisible slot adds 0.0 (which leaves a sum of positive terms as it is)
// and is not stored.
AVX2 void ck_softmax_visible_avx2(float *scores, const uint8_t *visible, int n_kv, float max) {
    const __m256 m = _mm256_set1_ps(max);
    __m256d lo = _mm256_setzero_pd(), hi = _mm256_setzero_pd();  // sums 0–3, 4–7
    int s = 0;
    for (; s + 8 <= n_kv; s += 8) {
        const __m256i vis = _mm256_cmpgt_epi32(_mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)(visible + s))), _mm256_setzero_si256());
        const __m256 e = _mm256_and_ps(exp_8(_mm256_sub_ps(_mm256_loadu_ps(scores + s), m)), _mm256_castsi256_ps(vis));
        _mm256_maskstore_ps(scores + s, vis, e);
        lo = _mm256_add_pd(lo, _mm256_cvtps_pd(_mm256_castps256_ps128(e)));
        hi = _mm256_add_pd(hi, _mm256_cvtps_pd(_mm256_extractf128_ps(e, 1)));
    }
    double lane[8];
    _mm256_storeu_pd(lane, lo);
    _mm256_storeu_pd(lane + 4, hi);
    for (int t = s; t < n_kv; t++) {
        if (!visible[t]) continue;
        scores[t] = ck_exp_ref(scores[t] - max);
        lane[t % 8] += scores[t];
    }
    const double sum = ((lane[0] + lane[4]) + (lane[2] + lane[6])) + ((lane[1] + lane[5]) + (lane[3] + lane[7]));
    const float inv = sum > 0.0 ? (float)(1.0 / sum) : 0.0f;
    const __m256 iv = _mm256_set1_ps(inv);
    int t = 0;
    for (; t + 8 <= n_kv; t += 8) {
        const __m256i vis = _mm256_cmpgt_epi32(_mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)(visible + t))), _mm256_setzero_si256());
        _mm256_maskstore_ps(scores + t, vis, _mm256_mul_ps(_mm256_loadu_ps(scores + t), iv));
    }
    for (; t < n_kv; t++)
        if (visible[t]) scores[t] *= inv;
}

// max |x| over 8k floats.
AVX2 static inline float abs_max(const float *x, int count) {
    const __m256 mask = _mm256_castsi256_ps(_mm256_set1_epi32(0x7FFFFFFF));
    __m256 m = _mm256_and_ps(_mm256_loadu_ps(x), mask);
    for (int j = 8; j < count; j += 8) m = _mm256_max_ps(m, _mm256_and_ps(_mm256_loadu_ps(x + j), mask));
    __m128 h = _mm_max_ps(_mm256_castps256_ps128(m), _mm256_extractf128_ps(m, 1));
    h = _mm_max_ps(h, _mm_movehl_ps(h, h));
    h = _mm_max_ss(h, _mm_movehdup_ps(h));
    return _mm_cvtss_f32(h);
}

// 32 int32 lanes (4 registers) to 32 int8, in order, saturating (the values are within ±127 here).
AVX2 static inline void store_i8_32(int8_t *dst, __m256i a, __m256i b, __m256i c, __m256i d) {
    const __m256i ab = _mm256_packs_epi32(a, b), cd = _mm256_packs_epi32(c, d);  // lanes interleaved by 128 bits
    const __m256i abcd = _mm256_packs_epi16(ab, cd);
    _mm256_storeu_si256((__m256i *)dst, _mm256_permutevar8x32_epi32(abcd, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7)));
}

// roundf (half away from zero) of |v| < 2^23: truncate, then step away from zero when the dropped
// fraction (exact: v − trunc(v)) is at least one half.
AVX2 static inline __m256i round_half_away(__m256 v) {
    const __m256 t = _mm256_round_ps(v, _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC);
    const __m256 frac = _mm256_andnot_ps(_mm256_set1_ps(-0.0f), _mm256_sub_ps(v, t));
    const __m256 step = _mm256_and_ps(_mm256_cmp_ps(frac, _mm256_set1_ps(0.5f), _CMP_GE_OQ),
                                      _mm256_or_ps(_mm256_set1_ps(1.0f), _mm256_and_ps(v, _mm256_set1_ps(-0.0f))));
    return _mm256_cvttps_epi32(_mm256_add_ps(t, step));
}

AVX2 void ck_quantize_row_q8_0_avx2(const float *x, void *vy, int64_t n) {
    ck_block_q8_0 *y = vy;
    for (int64_t i = 0; i < n / CK_QK; i++, x += CK_QK) {
        const float amax = abs_max(x, CK_QK);
        const float d = amax / 127.0f, id = d != 0.0f ? 1.0f / d : 0.0f;
        y[i].d = ck_fp32_to_fp16(d);
        const __m256 s = _mm256_set1_ps(id);
        __m256i q[4];
        for (int k = 0; k < 4; k++) q[k] = round_half_away(_mm256_mul_ps(_mm256_loadu_ps(x + 8 * k), s));
        store_i8_32(y[i].qs, q[0], q[1], q[2], q[3]);
    }
}

AVX2 void ck_quantize_row_q8_K_avx2(const float *x, void *vy, int64_t n) {
    ck_block_q8_K *y = vy;
    for (int64_t i = 0; i < n / CK_QK_K; i++, x += CK_QK_K) {
        const float amax = abs_max(x, CK_QK_K);
        if (amax == 0.0f) {
            memset(&y[i], 0, sizeof(y[i]));
            continue;
        }
        int j = 0;  // the first element of largest magnitude, as the reference's strict > scan finds it
        while (fabsf(x[j]) != amax) j++;
        const float iscale = -127.0f / x[j];
        const __m256 s = _mm256_set1_ps(iscale);
        for (int k = 0; k < CK_QK_K; k += 32) {
            __m256i q[4];
            // cvtps rounds half to even (the default mode), as lrintf; min(·, 127) as the reference.
            for (int m = 0; m < 4; m++) q[m] = _mm256_min_epi32(_mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(x + k + 8 * m), s)), _mm256_set1_epi32(127));
            store_i8_32(y[i].qs + k, q[0], q[1], q[2], q[3]);
        }
        for (int b = 0; b < CK_QK_K / 16; b += 2) sum_i8_16x2(y[i].qs + 16 * b, y[i].bsums + b);
        y[i].d = 1.0f / iscale;
    }
}
#endif
