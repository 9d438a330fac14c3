// The repacked kernels of repacked_avx2.c with VNNI's vpdpbusd (AVX-512 VNNI on 256-bit registers):
// one instruction multiplies 4 unsigned weight bytes by 4 signed activation bytes and adds the four
// products to a 32-bit lane. It replaces maddubs + a 16-bit add + the periodic widening madd, and its
// sums cannot overflow, so a sub-block's sum needs no splitting; the scale is applied with one 32-bit
// multiply. The integers are the reference's, the float operations too: bitwise equal again.
#if defined(__x86_64__)
#include <immintrin.h>
#include <string.h>
#include "ckernels.h"
#include "quants_avx2.h"
#include "avx2_common.h"

#define VNNI __attribute__((target("avx2,fma,f16c,avx512f,avx512vl,avx512vnni")))

// acc + Σ of 4 (unsigned w byte × signed a byte) per 32-bit lane.
#define DP(acc, w, a) _mm256_dpbusd_epi32((acc), (w), (a))

// Q4_K: sub-block j's 32 values give each lane (row) Σ q·a; times the row's 6-bit scale.
__attribute__((always_inline)) VNNI static inline void dot_q4_Kx8_rows(int64_t n, const void *vw, const int R, const void *const yv[], float out[]) {
    const ck_block_q4_Kx8 *x = vw;
    const ck_block_q8_K *y[4];
    __m256 acc[4];
    for (int r = 0; r < R; r++) { y[r] = yv[r]; acc[r] = _mm256_setzero_ps(); }
    const __m256i m4 = _mm256_set1_epi8(0xF);
    for (int64_t i = 0; i < n / CK_QK_K; i++) {
        const ck_block_q4_Kx8 *b = x + i;
        __m256i sumi[4] = {_mm256_setzero_si256(), _mm256_setzero_si256(), _mm256_setzero_si256(), _mm256_setzero_si256()};
        for (int j = 0; j < 8; j++) {
            // Low and high nibbles in two sums: two dependency chains of 4 vpdpbusd instead of one of 8.
            __m256i s_lo[4], s_hi[4];
            for (int r = 0; r < R; r++) s_lo[r] = s_hi[r] = _mm256_setzero_si256();
            for (int g = 0; g < 4; g++) {
                const __m256i v = _mm256_loadu_si256((const __m256i *)b->qs[j][g]);
                const __m256i lo = _mm256_and_si256(v, m4), hi = _mm256_and_si256(_mm256_srli_epi16(v, 4), m4);
                for (int r = 0; r < R; r++) {
                    const int8_t *a = y[r][i].qs + 32 * j + 4 * g;
                    s_lo[r] = DP(s_lo[r], lo, broadcast4(a));
                    s_hi[r] = DP(s_hi[r], hi, broadcast4(a + 16));
                }
            }
            const __m256i sc = _mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)b->scales[j]));
            for (int r = 0; r < R; r++) sumi[r] = _mm256_add_epi32(sumi[r], _mm256_mullo_epi32(_mm256_add_epi32(s_lo[r], s_hi[r]), sc));
        }
        // Mins of sub-blocks 2p and 2p + 1 in one lane's two halves, against the two activation sums.
        __m256i mins[4];
        for (int p = 0; p < 4; p++) {
            const __m256i m0 = _mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)b->mins[2 * p]));
            const __m256i m1 = _mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)b->mins[2 * p + 1]));
            mins[p] = _mm256_or_si256(m0, _mm256_slli_epi32(m1, 16));
        }
        const __m256 dw = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)b->d));
        const __m256 dmw = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)b->dmin));
        for (int r = 0; r < R; r++) {
            const int16_t *bs = y[r][i].bsums;
            __m256i summ = _mm256_setzero_si256();
            for (int p = 0; p < 4; p++) {
                const uint16_t s0 = (uint16_t)(bs[4 * p] + bs[4 * p + 1]), s1 = (uint16_t)(bs[4 * p + 2] + bs[4 * p + 3]);
                summ = _mm256_add_epi32(summ, _mm256_madd_epi16(mins[p], _mm256_set1_epi32((int)((uint32_t)s0 | ((uint32_t)s1 << 16)))));
            }
            const __m256 dy = _mm256_set1_ps(y[r][i].d);
            acc[r] = _mm256_fmadd_ps(_mm256_mul_ps(dw, dy), _mm256_cvtepi32_ps(sumi[r]), acc[r]);
            acc[r] = _mm256_fnmadd_ps(_mm256_mul_ps(dmw, dy), _mm256_cvtepi32_ps(summ), acc[r]);
        }
    }
    for (int r = 0; r < R; r++) _mm256_storeu_ps(out + 8 * r, acc[r]);
}

// Q5_0: unsigned u = 0…31 (the stored value is u − 16): Σ (u − 16)·a = Σ u·a − 16·Σ a.
__attribute__((always_inline)) VNNI static inline void dot_q5_0x8_rows(int64_t n, const void *vw, const int R, const void *const yv[], float out[]) {
    const ck_block_q5_0x8 *x = vw;
    const ck_block_q8_0 *y[4];
    __m256 acc[4];
    for (int r = 0; r < R; r++) { y[r] = yv[r]; acc[r] = _mm256_setzero_ps(); }
    const __m256i m4 = _mm256_set1_epi8(0xF), bit4 = _mm256_set1_epi8(0x10);
    for (int64_t i = 0; i < n / CK_QK; i++) {
        const ck_block_q5_0x8 *b = x + i;
        __m256i sumi[4], s_hi[4];  // two dependency chains of 4 vpdpbusd each
        for (int r = 0; r < R; r++) { sumi[r] = _mm256_set1_epi32(-16 * sum_i8_32(y[r][i].qs)); s_hi[r] = _mm256_setzero_si256(); }
        for (int g = 0; g < 4; g++) {
            const __m256i v = _mm256_loadu_si256((const __m256i *)b->qs[g]);
            const __m256i lo = _mm256_or_si256(_mm256_and_si256(v, m4), _mm256_and_si256(bytes_from_bits_32((const uint8_t *)&b->qh[0][g]), bit4));
            const __m256i hi = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(v, 4), m4), _mm256_and_si256(bytes_from_bits_32((const uint8_t *)&b->qh[1][g]), bit4));
            for (int r = 0; r < R; r++) {
                const int8_t *a = y[r][i].qs + 4 * g;
                sumi[r] = DP(sumi[r], lo, broadcast4(a));
                s_hi[r] = DP(s_hi[r], hi, broadcast4(a + 16));
            }
        }
        for (int r = 0; r < R; r++) sumi[r] = _mm256_add_epi32(sumi[r], s_hi[r]);
        const __m256 dw = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)b->d));
        for (int r = 0; r < R; r++) {
            const __m256 dy = _mm256_set1_ps(f16_to_f32(y[r][i].d));
            acc[r] = _mm256_fmadd_ps(_mm256_mul_ps(dw, dy), _mm256_cvtepi32_ps(sumi[r]), acc[r]);
        }
    }
    for (int r = 0; r < R; r++) _mm256_storeu_ps(out + 8 * r, acc[r]);
}

// Q6_K: unsigned q = 0…63 (the stored value is q − 32): Σ s·(q − 32)·a = Σ s·q·a − 32·Σ s·Σa.
__attribute__((always_inline)) VNNI static inline void dot_q6_Kx8_rows(int64_t n, const void *vw, const int R, const void *const yv[], float out[]) {
    const ck_block_q6_Kx8 *x = vw;
    const ck_block_q8_K *y[4];
    __m256 acc[4];
    for (int r = 0; r < R; r++) { y[r] = yv[r]; acc[r] = _mm256_setzero_ps(); }
    const __m256i m4 = _mm256_set1_epi8(0xF), m30 = _mm256_set1_epi8(0x30);
    for (int64_t i = 0; i < n / CK_QK_K; i++) {
        const ck_block_q6_Kx8 *b = x + i;
        __m256i sumi[4];
        for (int r = 0; r < R; r++) sumi[r] = _mm256_setzero_si256();
        for (int p = 0; p < 8; p++) {  // Σ_s sc_s·bsum_s, sub-blocks 2p and 2p + 1 in a lane's two halves
            const __m128i s0 = _mm_cvtepi8_epi16(_mm_loadl_epi64((const __m128i *)b->scales[2 * p]));
            const __m128i s1 = _mm_cvtepi8_epi16(_mm_loadl_epi64((const __m128i *)b->scales[2 * p + 1]));
            const __m256i sc = _mm256_set_m128i(_mm_unpackhi_epi16(s0, s1), _mm_unpacklo_epi16(s0, s1));
            for (int r = 0; r < R; r++) {
                const int16_t *bs = y[r][i].bsums + 2 * p;
                const uint32_t pair = (uint16_t)bs[0] | (uint32_t)(uint16_t)bs[1] << 16;
                sumi[r] = _mm256_add_epi32(sumi[r], _mm256_madd_epi16(sc, _mm256_set1_epi32((int)pair)));
            }
        }
        for (int r = 0; r < R; r++) sumi[r] = _mm256_slli_epi32(_mm256_sub_epi32(_mm256_setzero_si256(), sumi[r]), 5);
        for (int c = 0; c < 8; c++) {
            __m256i s_lo[4], s_hi[4];
            for (int r = 0; r < R; r++) s_lo[r] = s_hi[r] = _mm256_setzero_si256();
            for (int g = 0; g < 4; g++) {
                const __m256i v = _mm256_loadu_si256((const __m256i *)b->ql[c][g]);
                const __m256i h = _mm256_loadu_si256((const __m256i *)b->qh[c / 2][g]);
                const __m256i h_lo = c % 2 == 0 ? _mm256_slli_epi16(h, 4) : h;  // the top bits to bits 4–5
                const __m256i h_hi = c % 2 == 0 ? _mm256_slli_epi16(h, 2) : _mm256_srli_epi16(h, 2);
                const __m256i lo = _mm256_or_si256(_mm256_and_si256(v, m4), _mm256_and_si256(h_lo, m30));
                const __m256i hi = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(v, 4), m4), _mm256_and_si256(h_hi, m30));
                for (int r = 0; r < R; r++) {
                    const int8_t *a = y[r][i].qs + 32 * c + 4 * g;
                    s_lo[r] = DP(s_lo[r], lo, broadcast4(a));
                    s_hi[r] = DP(s_hi[r], hi, broadcast4(a + 16));
                }
            }
            const __m256i sc_lo = _mm256_cvtepi8_epi32(_mm_loadl_epi64((const __m128i *)b->scales[2 * c]));
            const __m256i sc_hi = _mm256_cvtepi8_epi32(_mm_loadl_epi64((const __m128i *)b->scales[2 * c + 1]));
            for (int r = 0; r < R; r++)
                sumi[r] = _mm256_add_epi32(sumi[r], _mm256_add_epi32(_mm256_mullo_epi32(s_lo[r], sc_lo), _mm256_mullo_epi32(s_hi[r], sc_hi)));
        }
        const __m256 dw = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)b->d));
        for (int r = 0; r < R; r++)
            acc[r] = _mm256_fmadd_ps(_mm256_mul_ps(dw, _mm256_set1_ps(y[r][i].d)), _mm256_cvtepi32_ps(sumi[r]), acc[r]);
    }
    for (int r = 0; r < R; r++) _mm256_storeu_ps(out + 8 * r, acc[r]);
}

// Q8_0: the stored bytes are q + 128, so Σ q·a = Σ (q + 128)·a − 128·Σ a.
__attribute__((always_inline)) VNNI static inline void dot_q8_0x8_rows(int64_t n, const void *vw, const int R, const void *const yv[], float out[]) {
    const ck_block_q8_0x8 *x = vw;
    const ck_block_q8_0 *y[4];
    __m256 acc[4];
    for (int r = 0; r < R; r++) { y[r] = yv[r]; acc[r] = _mm256_setzero_ps(); }
    for (int64_t i = 0; i < n / CK_QK; i++) {
        const ck_block_q8_0x8 *b = x + i;
        __m256i sumi[4], s_odd[4];  // two dependency chains of 4 vpdpbusd each
        for (int r = 0; r < R; r++) { sumi[r] = _mm256_set1_epi32(-128 * sum_i8_32(y[r][i].qs)); s_odd[r] = _mm256_setzero_si256(); }
        for (int g = 0; g < 8; g += 2) {
            const __m256i v0 = _mm256_loadu_si256((const __m256i *)b->qs[g]), v1 = _mm256_loadu_si256((const __m256i *)b->qs[g + 1]);
            for (int r = 0; r < R; r++) {
                sumi[r] = DP(sumi[r], v0, broadcast4(y[r][i].qs + 4 * g));
                s_odd[r] = DP(s_odd[r], v1, broadcast4(y[r][i].qs + 4 * g + 4));
            }
        }
        const __m256 dw = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)b->d));
        for (int r = 0; r < R; r++) {
            const __m256 dy = _mm256_set1_ps(f16_to_f32(y[r][i].d));
            acc[r] = _mm256_fmadd_ps(_mm256_mul_ps(dw, dy), _mm256_cvtepi32_ps(_mm256_add_epi32(sumi[r], s_odd[r])), acc[r]);
        }
    }
    for (int r = 0; r < R; r++) _mm256_storeu_ps(out + 8 * r, acc[r]);
}

#define ROWS_SWITCH(kernel)                          \
    switch (rows) {                                  \
    case 1: kernel(n, w, 1, y, out); break;          \
    case 2: kernel(n, w, 2, y, out); break;          \
    case 3: kernel(n, w, 3, y, out); break;          \
    default: kernel(n, w, 4, y, out); break;         \
    }
VNNI void ck_dot_q4_Kx8_vnni(int64_t n, const void *w, const void *const y[], int rows, float out[]) { ROWS_SWITCH(dot_q4_Kx8_rows) }
VNNI void ck_dot_q5_0x8_vnni(int64_t n, const void *w, const void *const y[], int rows, float out[]) { ROWS_SWITCH(dot_q5_0x8_rows) }
VNNI void ck_dot_q8_0x8_vnni(int64_t n, const void *w, const void *const y[], int rows, float out[]) { ROWS_SWITCH(dot_q8_0x8_rows) }
VNNI void ck_dot_q6_Kx8_vnni(int64_t n, const void *w, const void *const y[], int rows, float out[]) { ROWS_SWITCH(dot_q6_Kx8_rows) }
#endif
