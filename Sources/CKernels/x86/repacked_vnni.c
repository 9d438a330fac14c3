// The repacked kernels of repacked_avx2.c with VNNI's vpdpbusd (AVX-512 VNNI on 256-bit registers):
// one instruction multiplies 4 unsigned weight bytes by 4 signed activation bytes and adds the four
// products to a 32-bit lane. It replaces maddubs + a 16-bit add + the periodic widening madd, and its
// sums cannot overflow, so a sub-block's sum needs no splitting; the scale is applied with one 32-bit
// multiply. The integers are the reference's, the float operations too: bitwise equal again. Each row
// keeps two sums (two dependency chains of 4 vpdpbusd, not one of 8), added before the scale.
#if defined(__x86_64__)
#include <immintrin.h>
#include <string.h>
#include "ckernels.h"
#include "quants_avx2.h"
#include "repacked_256.h"

#define VNNI __attribute__((target("avx2,fma,f16c,avx512f,avx512vl,avx512vnni")))

// acc + Σ of 4 (unsigned w byte × signed a byte) per 32-bit lane.
#define DP(acc, w, a) _mm256_dpbusd_epi32((acc), (w), (a))

// Q4_K: sub-block j's 32 values give each lane (row) Σ q·a; times the row's 6-bit scale.
__attribute__((always_inline)) VNNI static inline void dot_q4_Kx8_rows(int64_t n, const void *vw, const int R, const void *const yv[], float out[]) {
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
            __m256i s_lo[4], s_hi[4];
            for (int r = 0; r < R; r++) s_lo[r] = s_hi[r] = _mm256_setzero_si256();
            for (int g = 0; g < 4; g++) {
                const __m256i v = _mm256_loadu_si256((const __m256i *)b->qs[j][g]);
                const __m256i lo = _mm256_and_si256(v, m4), hi = _mm256_and_si256(_mm256_srli_epi16(v, 4), m4);
                for (int r = 0; r < R; r++) {
                    const int8_t *a = y[r]->qs + 32 * j + 4 * g;
                    s_lo[r] = DP(s_lo[r], lo, broadcast4(a));
                    s_hi[r] = DP(s_hi[r], hi, broadcast4(a + 16));
                }
            }
            const __m256i sc = _mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)b->scales[j]));
            for (int r = 0; r < R; r++) sumi[r] = _mm256_add_epi32(sumi[r], _mm256_mullo_epi32(_mm256_add_epi32(s_lo[r], s_hi[r]), sc));
        }
        q4_Kx8_close(b, y, R, sumi, acc);
    }
    for (int r = 0; r < R; r++) _mm256_storeu_ps(out + 8 * r, acc[r]);
}

// Q5_0: unsigned u = 0…31 (the stored value is u − 16): Σ (u − 16)·a = Σ u·a − 16·Σ a.
__attribute__((always_inline)) VNNI static inline void dot_q5_0x8_rows(int64_t n, const void *vw, const int R, const void *const yv[], float out[]) {
    const ck_block_q5_0x8 *x = vw;
    __m256 acc[4];
    for (int r = 0; r < R; r++) acc[r] = _mm256_setzero_ps();
    for (int64_t i = 0; i < n / CK_QK; i++) {
        const ck_block_q5_0x8 *b = x + i;
        const ck_block_q8_0 *y[4];
        __m256i sumi[4], s_hi[4];
        float dy[4];
        for (int r = 0; r < R; r++) {
            y[r] = (const ck_block_q8_0 *)yv[r] + i;
            sumi[r] = _mm256_set1_epi32(-16 * sum_i8_32(y[r]->qs));
            s_hi[r] = _mm256_setzero_si256();
            dy[r] = f16_to_f32(y[r]->d);
        }
        for (int g = 0; g < 4; g++) {
            __m256i lo, hi;
            q5_0x8_unpack(b, g, &lo, &hi);
            for (int r = 0; r < R; r++) {
                const int8_t *a = y[r]->qs + 4 * g;
                sumi[r] = DP(sumi[r], lo, broadcast4(a));
                s_hi[r] = DP(s_hi[r], hi, broadcast4(a + 16));
            }
        }
        for (int r = 0; r < R; r++) sumi[r] = _mm256_add_epi32(sumi[r], s_hi[r]);
        x8_close(b->d, dy, R, sumi, acc);
    }
    for (int r = 0; r < R; r++) _mm256_storeu_ps(out + 8 * r, acc[r]);
}

// Q6_K: unsigned q = 0…63 (the offset −32 from the bsums); sub-blocks 2c and 2c + 1 scaled apart.
__attribute__((always_inline)) VNNI static inline void dot_q6_Kx8_rows(int64_t n, const void *vw, const int R, const void *const yv[], float out[]) {
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
            __m256i s_lo[4], s_hi[4];
            for (int r = 0; r < R; r++) s_lo[r] = s_hi[r] = _mm256_setzero_si256();
            for (int g = 0; g < 4; g++) {
                __m256i lo, hi;
                q6_Kx8_unpack(b, c, g, &lo, &hi);
                for (int r = 0; r < R; r++) {
                    const int8_t *a = y[r]->qs + 32 * c + 4 * g;
                    s_lo[r] = DP(s_lo[r], lo, broadcast4(a));
                    s_hi[r] = DP(s_hi[r], hi, broadcast4(a + 16));
                }
            }
            const __m256i sc_lo = _mm256_cvtepi8_epi32(_mm_loadl_epi64((const __m128i *)b->scales[2 * c]));
            const __m256i sc_hi = _mm256_cvtepi8_epi32(_mm_loadl_epi64((const __m128i *)b->scales[2 * c + 1]));
            for (int r = 0; r < R; r++)
                sumi[r] = _mm256_add_epi32(sumi[r], _mm256_add_epi32(_mm256_mullo_epi32(s_lo[r], sc_lo), _mm256_mullo_epi32(s_hi[r], sc_hi)));
        }
        x8_close(b->d, dy, R, sumi, acc);
    }
    for (int r = 0; r < R; r++) _mm256_storeu_ps(out + 8 * r, acc[r]);
}

// Q8_0: the stored bytes are q + 128, so Σ q·a = Σ (q + 128)·a − 128·Σ a.
__attribute__((always_inline)) VNNI static inline void dot_q8_0x8_rows(int64_t n, const void *vw, const int R, const void *const yv[], float out[]) {
    const ck_block_q8_0x8 *x = vw;
    __m256 acc[4];
    for (int r = 0; r < R; r++) acc[r] = _mm256_setzero_ps();
    for (int64_t i = 0; i < n / CK_QK; i++) {
        const ck_block_q8_0x8 *b = x + i;
        const ck_block_q8_0 *y[4];
        __m256i sumi[4], s_odd[4];
        float dy[4];
        for (int r = 0; r < R; r++) {
            y[r] = (const ck_block_q8_0 *)yv[r] + i;
            sumi[r] = _mm256_set1_epi32(-128 * sum_i8_32(y[r]->qs));
            s_odd[r] = _mm256_setzero_si256();
            dy[r] = f16_to_f32(y[r]->d);
        }
        for (int g = 0; g < 8; g += 2) {
            const __m256i v0 = _mm256_loadu_si256((const __m256i *)b->qs[g]), v1 = _mm256_loadu_si256((const __m256i *)b->qs[g + 1]);
            for (int r = 0; r < R; r++) {
                sumi[r] = DP(sumi[r], v0, broadcast4(y[r]->qs + 4 * g));
                s_odd[r] = DP(s_odd[r], v1, broadcast4(y[r]->qs + 4 * g + 4));
            }
        }
        for (int r = 0; r < R; r++) sumi[r] = _mm256_add_epi32(sumi[r], s_odd[r]);
        x8_close(b->d, dy, R, sumi, acc);
    }
    for (int r = 0; r < R; r++) _mm256_storeu_ps(out + 8 * r, acc[r]);
}

VNNI void ck_dot_q4_Kx8_vnni(int64_t n, const void *w, const void *const y[], int rows, float out[]) { ROWS_SWITCH(dot_q4_Kx8_rows) }
VNNI void ck_dot_q5_0x8_vnni(int64_t n, const void *w, const void *const y[], int rows, float out[]) { ROWS_SWITCH(dot_q5_0x8_rows) }
VNNI void ck_dot_q6_Kx8_vnni(int64_t n, const void *w, const void *const y[], int rows, float out[]) { ROWS_SWITCH(dot_q6_Kx8_rows) }
VNNI void ck_dot_q8_0x8_vnni(int64_t n, const void *w, const void *const y[], int rows, float out[]) { ROWS_SWITCH(dot_q8_0x8_rows) }
#endif
