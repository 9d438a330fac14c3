// The parts of the repacked kernels on 256-bit registers that do not depend on how the byte products
// are formed (maddubs in repacked_avx2.c, vpdpbusd in repacked_vnni.c): unpacking a quad of weights,
// the offset and minimum terms, and closing a block into the float accumulators.
#ifndef CK_REPACKED_256_H
#define CK_REPACKED_256_H
#include "avx2_common.h"
#include "ck_blocks.h"

// Q4_K: acc[r] += d·d_y · sumi − dmin·d_y · Σ_j m_j·(Σ of sub-block j's activations, from the bsums),
// the mins of sub-blocks 2p and 2p + 1 in one lane's two 16-bit halves against the two sums.
AVX2 static inline void q4_Kx8_close(const ck_block_q4_Kx8 *b, const ck_block_q8_K *const y[], int R, const __m256i sumi[], __m256 acc[]) {
    __m256i mins[4];
    for (int p = 0; p < 4; p++) {
        const __m256i m0 = _mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)b->mins[2 * p]));
        const __m256i m1 = _mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)b->mins[2 * p + 1]));
        mins[p] = _mm256_or_si256(m0, _mm256_slli_epi32(m1, 16));
    }
    const __m256 dw = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)b->d));
    const __m256 dmw = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)b->dmin));
    for (int r = 0; r < R; r++) {
        const int16_t *bs = y[r]->bsums;
        __m256i summ = _mm256_setzero_si256();
        for (int p = 0; p < 4; p++) {
            const uint16_t s0 = (uint16_t)(bs[4 * p] + bs[4 * p + 1]), s1 = (uint16_t)(bs[4 * p + 2] + bs[4 * p + 3]);
            summ = _mm256_add_epi32(summ, _mm256_madd_epi16(mins[p], _mm256_set1_epi32((int)((uint32_t)s0 | ((uint32_t)s1 << 16)))));
        }
        const __m256 dy = _mm256_set1_ps(y[r]->d);
        acc[r] = _mm256_fmadd_ps(_mm256_mul_ps(dw, dy), _mm256_cvtepi32_ps(sumi[r]), acc[r]);
        acc[r] = _mm256_fnmadd_ps(_mm256_mul_ps(dmw, dy), _mm256_cvtepi32_ps(summ), acc[r]);
    }
}

// Q5_0: quad g's values as unsigned u = 0…31 (lo: values 4g + v, hi: 16 + 4g + v), the fifth bits
// from qh.
AVX2 static inline void q5_0x8_unpack(const ck_block_q5_0x8 *b, int g, __m256i *lo, __m256i *hi) {
    const __m256i m4 = _mm256_set1_epi8(0xF), bit4 = _mm256_set1_epi8(0x10);
    const __m256i v = _mm256_loadu_si256((const __m256i *)b->qs[g]);
    *lo = _mm256_or_si256(_mm256_and_si256(v, m4), _mm256_and_si256(bytes_from_bits_32((const uint8_t *)&b->qh[0][g]), bit4));
    *hi = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(v, 4), m4), _mm256_and_si256(bytes_from_bits_32((const uint8_t *)&b->qh[1][g]), bit4));
}

// Q6_K: −32 · Σ_s sc_s·bsum_s per row (the offset of Σ s·(q − 32)·a = Σ s·q·a − 32·Σ s·Σa), sub-blocks
// 2p and 2p + 1 in a lane's two 16-bit halves against the two activation sums.
AVX2 static inline void q6_Kx8_offsets(const ck_block_q6_Kx8 *b, const ck_block_q8_K *const y[], int R, __m256i sumi[]) {
    for (int r = 0; r < R; r++) sumi[r] = _mm256_setzero_si256();
    for (int p = 0; p < 8; p++) {
        const __m128i s0 = _mm_cvtepi8_epi16(_mm_loadl_epi64((const __m128i *)b->scales[2 * p]));
        const __m128i s1 = _mm_cvtepi8_epi16(_mm_loadl_epi64((const __m128i *)b->scales[2 * p + 1]));
        const __m256i sc = _mm256_set_m128i(_mm_unpackhi_epi16(s0, s1), _mm_unpacklo_epi16(s0, s1));
        for (int r = 0; r < R; r++) {
            const int16_t *bs = y[r]->bsums + 2 * p;
            const uint32_t pair = (uint16_t)bs[0] | (uint32_t)(uint16_t)bs[1] << 16;
            sumi[r] = _mm256_add_epi32(sumi[r], _mm256_madd_epi16(sc, _mm256_set1_epi32((int)pair)));
        }
    }
    for (int r = 0; r < R; r++) sumi[r] = _mm256_slli_epi32(_mm256_sub_epi32(_mm256_setzero_si256(), sumi[r]), 5);
}

// Q6_K: quad g of chunk c as unsigned q = 0…63 (lo: sub-block 2c, hi: 2c + 1); the top bits, slots
// 0, 1 for even chunks and 2, 3 for odd ones, moved to bits 4–5.
AVX2 static inline void q6_Kx8_unpack(const ck_block_q6_Kx8 *b, int c, int g, __m256i *lo, __m256i *hi) {
    const __m256i m4 = _mm256_set1_epi8(0xF), m30 = _mm256_set1_epi8(0x30);
    const __m256i v = _mm256_loadu_si256((const __m256i *)b->ql[c][g]);
    const __m256i h = _mm256_loadu_si256((const __m256i *)b->qh[c / 2][g]);
    const __m256i h_lo = c % 2 == 0 ? _mm256_slli_epi16(h, 4) : h;
    const __m256i h_hi = c % 2 == 0 ? _mm256_slli_epi16(h, 2) : _mm256_srli_epi16(h, 2);
    *lo = _mm256_or_si256(_mm256_and_si256(v, m4), _mm256_and_si256(h_lo, m30));
    *hi = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(v, 4), m4), _mm256_and_si256(h_hi, m30));
}

// acc[r] += d·d_y · sumi for a block of 8 rows with one f32 scale per row of activations.
AVX2 static inline void x8_close(const ck_fp16 d[8], const float dy[], int R, const __m256i sumi[], __m256 acc[]) {
    const __m256 dw = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)d));
    for (int r = 0; r < R; r++) acc[r] = _mm256_fmadd_ps(_mm256_mul_ps(dw, _mm256_set1_ps(dy[r])), _mm256_cvtepi32_ps(sumi[r]), acc[r]);
}

// One inlined body per activation row count 1–4 (R a constant, so the row loops unroll).
#define ROWS_SWITCH(kernel)                          \
    switch (rows) {                                  \
    case 1: kernel(n, w, 1, y, out); break;          \
    case 2: kernel(n, w, 2, y, out); break;          \
    case 3: kernel(n, w, 3, y, out); break;          \
    default: kernel(n, w, 4, y, out); break;         \
    }

#endif
