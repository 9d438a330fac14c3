// AVX2 dot products of weights repacked in groups of 8 rows (ck_block_q4_Kx8, _q5_0x8, _q6_Kx8,
// _q8_0x8) with 1–4 activation rows. A 32-byte load holds 4 values of each of the 8 rows; maddubs
// against the 4 activations broadcast to every lane leaves row k's partial sums in 32-bit lane k, so a
// block ends with 8 rows' sums side by side and no horizontal adds. Each lane performs
// ck_dot_x8_ref's operations in its order (exact integers, then the same fused multiply-adds): bitwise
// equal. maddubs sums pairs into 16 bits, so each kernel widens before those sums could overflow.
#if defined(__x86_64__)
#include <immintrin.h>
#include <string.h>
#include "ckernels.h"
#include "quants_avx2.h"
#include "repacked_256.h"

// 8 bytes (one per row) → 8 lanes holding the byte in both 16-bit halves, for madd.
AVX2 static inline __m256i per_row_pairs(const uint8_t *bytes) {
    const __m256i v = _mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)bytes));
    return _mm256_or_si256(v, _mm256_slli_epi32(v, 16));
}

// 8 signed bytes (one per row) → 8 lanes holding the value in both 16-bit halves, for madd.
AVX2 static inline __m256i per_row_pairs_i8(const int8_t *bytes) {
    const __m128i v = _mm_cvtepi8_epi16(_mm_loadl_epi64((const __m128i *)bytes));
    return _mm256_set_m128i(_mm_unpackhi_epi16(v, v), _mm_unpacklo_epi16(v, v));
}

// Q4_K: sub-block j takes 8 maddubs per row, each pair sum ≤ 2·15·128, so the 16-bit sums stay below
// 30,720 before the scale widens them.
__attribute__((always_inline)) AVX2 static inline void dot_q4_Kx8_rows(int64_t n, const void *vw, const int R, const void *const yv[], float out[]) {
    const ck_block_q4_Kx8 *x = vw;
    __m256 acc[4];
    for (int r = 0; r < R; r++) acc[r] = _mm256_setzero_ps();
    const __m256i m4 = _mm256_set1_epi8(0xF);
    for (int64_t i = 0; i < n / CK_QK_K; i++) {
        const ck_block_q4_Kx8 *b = x + i;
        const ck_block_q8_K *y[4];
        __m256i sumi[4];
        for (int r = 0; r < R; r++) { y[r] = (const ck_block_q8_K *)yv[r] + i; sumi[r] = _mm256_setzero_si256(); }
        for (int j = 0; j < 8; j++) {
            __m256i s16[4];
            for (int r = 0; r < R; r++) s16[r] = _mm256_setzero_si256();
            for (int g = 0; g < 4; g++) {
                const __m256i v = _mm256_loadu_si256((const __m256i *)b->qs[j][g]);
                const __m256i lo = _mm256_and_si256(v, m4), hi = _mm256_and_si256(_mm256_srli_epi16(v, 4), m4);
                for (int r = 0; r < R; r++) {
                    const int8_t *a = y[r]->qs + 32 * j + 4 * g;
                    s16[r] = _mm256_add_epi16(s16[r], _mm256_maddubs_epi16(lo, broadcast4(a)));
                    s16[r] = _mm256_add_epi16(s16[r], _mm256_maddubs_epi16(hi, broadcast4(a + 16)));
                }
            }
            const __m256i sc = per_row_pairs(b->scales[j]);
            for (int r = 0; r < R; r++) sumi[r] = _mm256_add_epi32(sumi[r], _mm256_madd_epi16(s16[r], sc));
        }
        q4_Kx8_close(b, y, R, sumi, acc);
    }
    for (int r = 0; r < R; r++) _mm256_storeu_ps(out + 8 * r, acc[r]);
}

// Q5_0: values u = 0…31 (the stored value is u − 16). Σ (u − 16)·a = Σ u·a − 16·Σ a, so maddubs takes
// the unsigned u; a pair sum is at most 2·31·127 = 7,874, so four maddubs fit 16 bits before widening.
__attribute__((always_inline)) AVX2 static inline void dot_q5_0x8_rows(int64_t n, const void *vw, const int R, const void *const yv[], float out[]) {
    const ck_block_q5_0x8 *x = vw;
    __m256 acc[4];
    for (int r = 0; r < R; r++) acc[r] = _mm256_setzero_ps();
    const __m256i ones = _mm256_set1_epi16(1);
    for (int64_t i = 0; i < n / CK_QK; i++) {
        const ck_block_q5_0x8 *b = x + i;
        const ck_block_q8_0 *y[4];
        __m256i sumi[4], s16[4];
        float dy[4];
        for (int r = 0; r < R; r++) {
            y[r] = (const ck_block_q8_0 *)yv[r] + i;
            sumi[r] = _mm256_set1_epi32(-16 * sum_i8_32(y[r]->qs));
            dy[r] = f16_to_f32(y[r]->d);
        }
        for (int g = 0; g < 4; g++) {
            __m256i lo, hi;
            q5_0x8_unpack(b, g, &lo, &hi);
            for (int r = 0; r < R; r++) {
                const int8_t *a = y[r]->qs + 4 * g;
                const __m256i t = _mm256_add_epi16(_mm256_maddubs_epi16(lo, broadcast4(a)), _mm256_maddubs_epi16(hi, broadcast4(a + 16)));
                s16[r] = g % 2 == 0 ? t : _mm256_add_epi16(s16[r], t);
                if (g % 2 == 1) sumi[r] = _mm256_add_epi32(sumi[r], _mm256_madd_epi16(s16[r], ones));
            }
        }
        x8_close(b->d, dy, R, sumi, acc);
    }
    for (int r = 0; r < R; r++) _mm256_storeu_ps(out + 8 * r, acc[r]);
}

// Q6_K: values q = 0…63 unsigned (the offset −32 from the bsums). A maddubs pair sum is at most
// 2·63·127 = 16,002: two fit 16 bits, so each sub-block's 4 quads are widened (and scaled) in two pairs.
__attribute__((always_inline)) AVX2 static inline void dot_q6_Kx8_rows(int64_t n, const void *vw, const int R, const void *const yv[], float out[]) {
    const ck_block_q6_Kx8 *x = vw;
    __m256 acc[4];
    for (int r = 0; r < R; r++) acc[r] = _mm256_setzero_ps();
    for (int64_t i = 0; i < n / CK_QK_K; i++) {
        const ck_block_q6_Kx8 *b = x + i;
        const ck_block_q8_K *y[4];
        __m256i sumi[4];
        float dy[4];
        for (int r = 0; r < R; r++) { y[r] = (const ck_block_q8_K *)yv[r] + i; dy[r] = y[r]->d; }
        q6_Kx8_offsets(b, y, R, sumi);
        for (int c = 0; c < 8; c++) {
            const __m256i sc_lo = per_row_pairs_i8(b->scales[2 * c]), sc_hi = per_row_pairs_i8(b->scales[2 * c + 1]);
            __m256i s_lo[4], s_hi[4];
            for (int g = 0; g < 4; g++) {
                __m256i lo, hi;
                q6_Kx8_unpack(b, c, g, &lo, &hi);
                for (int r = 0; r < R; r++) {
                    const int8_t *a = y[r]->qs + 32 * c + 4 * g;
                    const __m256i tl = _mm256_maddubs_epi16(lo, broadcast4(a)), th = _mm256_maddubs_epi16(hi, broadcast4(a + 16));
                    s_lo[r] = g % 2 == 0 ? tl : _mm256_add_epi16(s_lo[r], tl);
                    s_hi[r] = g % 2 == 0 ? th : _mm256_add_epi16(s_hi[r], th);
                    if (g % 2 == 1)
                        sumi[r] = _mm256_add_epi32(sumi[r], _mm256_add_epi32(_mm256_madd_epi16(s_lo[r], sc_lo), _mm256_madd_epi16(s_hi[r], sc_hi)));
                }
            }
        }
        x8_close(b->d, dy, R, sumi, acc);
    }
    for (int r = 0; r < R; r++) _mm256_storeu_ps(out + 8 * r, acc[r]);
}

// Q8_0: the stored bytes are q + 128. maddubs takes them back as signed q, its magnitude as the unsigned
// operand and the sign moved onto the activation: |q|·(±a) ≤ 128·127, a pair sum ≤ 32,512, widened
// at once (two would not fit 16 bits).
__attribute__((always_inline)) AVX2 static inline void dot_q8_0x8_rows(int64_t n, const void *vw, const int R, const void *const yv[], float out[]) {
    const ck_block_q8_0x8 *x = vw;
    __m256 acc[4];
    for (int r = 0; r < R; r++) acc[r] = _mm256_setzero_ps();
    const __m256i m80 = _mm256_set1_epi8((char)0x80), ones = _mm256_set1_epi16(1);
    for (int64_t i = 0; i < n / CK_QK; i++) {
        const ck_block_q8_0x8 *b = x + i;
        const ck_block_q8_0 *y[4];
        __m256i sumi[4];
        float dy[4];
        for (int r = 0; r < R; r++) { y[r] = (const ck_block_q8_0 *)yv[r] + i; sumi[r] = _mm256_setzero_si256(); dy[r] = f16_to_f32(y[r]->d); }
        for (int g = 0; g < 8; g++) {
            const __m256i q = _mm256_xor_si256(_mm256_loadu_si256((const __m256i *)b->qs[g]), m80), mag = _mm256_abs_epi8(q);
            for (int r = 0; r < R; r++) {
                const __m256i t = _mm256_maddubs_epi16(mag, _mm256_sign_epi8(broadcast4(y[r]->qs + 4 * g), q));
                sumi[r] = _mm256_add_epi32(sumi[r], _mm256_madd_epi16(t, ones));
            }
        }
        x8_close(b->d, dy, R, sumi, acc);
    }
    for (int r = 0; r < R; r++) _mm256_storeu_ps(out + 8 * r, acc[r]);
}

AVX2 void ck_dot_q4_Kx8_avx2(int64_t n, const void *w, const void *const y[], int rows, float out[]) { ROWS_SWITCH(dot_q4_Kx8_rows) }
AVX2 void ck_dot_q5_0x8_avx2(int64_t n, const void *w, const void *const y[], int rows, float out[]) { ROWS_SWITCH(dot_q5_0x8_rows) }
AVX2 void ck_dot_q6_Kx8_avx2(int64_t n, const void *w, const void *const y[], int rows, float out[]) { ROWS_SWITCH(dot_q6_Kx8_rows) }
AVX2 void ck_dot_q8_0x8_avx2(int64_t n, const void *w, const void *const y[], int rows, float out[]) { ROWS_SWITCH(dot_q8_0x8_rows) }
#endif
