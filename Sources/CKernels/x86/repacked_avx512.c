// Repacked kernels on 512-bit registers (AVX-512 with VNNI): two neighbouring groups of 8 rows at a
// time, group A's 32 bytes of a quad in the low half of a register and group B's in the high half, so
// each vpdpbusd multiplies 16 rows by 4 activation values. The layout is the 8-row one of ck_blocks.h
// (no second repacking); up to 8 activation rows share each unpacked weight register, which fits the
// 32 registers (3 accumulators a row); Q6_K takes up to 16 (dot_q6_Kx16_wide). Every lane computes
// ck_dot_x8_ref's exact integer sums (in
// another order, which integers allow) and then its float operations in its order: bitwise equal to
// the reference, like the 256-bit kernels. On this core every 512-bit µop but loads issues on one of
// two ports, vpdpbusd included (measured: 16 independent vpdpbusd + 4 of any other op take 10 cycles
// where 16 alone take 8; vpmulld counts twice), so what is not a vpdpbusd is overhead to cut.
#if defined(__x86_64__)
#include <immintrin.h>
#include <string.h>
#include "ckernels.h"
#include "quants_avx2.h"
#include "avx2_common.h"

#define AVX512 __attribute__((target("avx2,fma,f16c,avx512f,avx512bw,avx512dq,avx512vl,avx512vnni,evex512")))

AVX512 static inline __m512i bc4_512(const int8_t *a) {
    int32_t v;
    memcpy(&v, a, 4);
    return _mm512_set1_epi32(v);
}

// 32 bytes of group A, then the same 32 bytes of group B.
AVX512 static inline __m512i pair_256(const void *a, const void *b) {
    return _mm512_inserti64x4(_mm512_castsi256_si512(_mm256_loadu_si256(a)), _mm256_loadu_si256(b), 1);
}

// 8 bytes (one per row) of A, then of B, widened to 16 lanes: unsigned or signed.
AVX512 static inline __m128i pair_8(const void *a, const void *b) {
    return _mm_unpacklo_epi64(_mm_loadl_epi64(a), _mm_loadl_epi64(b));
}
AVX512 static inline __m512i pair_u8(const uint8_t *a, const uint8_t *b) { return _mm512_cvtepu8_epi32(pair_8(a, b)); }
AVX512 static inline __m512i pair_i8(const int8_t *a, const int8_t *b) { return _mm512_cvtepi8_epi32(pair_8(a, b)); }

// The 8 f16 of A, then of B, as 16 floats.
AVX512 static inline __m512 pair_f16(const ck_fp16 *a, const ck_fp16 *b) {
    return _mm512_cvtph_ps(_mm256_inserti128_si256(_mm256_castsi128_si256(_mm_loadu_si128((const __m128i *)a)), _mm_loadu_si128((const __m128i *)b), 1));
}

// Both groups' bytes `ahead` bytes past the current block, into L1. A tile's two groups are two
// streams a few KiB long, and the hardware prefetcher alone left the kernels waiting on the first
// line of each block (perf: ~40% of the Q5_0 kernel's samples on its first loads): 2048 bytes ahead
// took the 1.5B's T(1) from 61–72 to 46–60 ms. How far ahead pays depends on the format, measured on
// ~190 MB matrices with 2 threads, the distances alternated product by product (best of 15):
// 8192 against 2048 took Q4_K at 1 / 8 / 16 activation rows −14 / −21 / −10%, Q8_0 −15% at 1 and 8,
// Q5_0 −11 to −50% (its 48 MB partly in L3), but Q6_K +2 to +8%, best at 2048 (1024 alike).
enum { AHEAD_Q4_K = 8192, AHEAD_Q5_0 = 8192, AHEAD_Q8_0 = 8192, AHEAD_Q6_K = 2048 };
static inline void prefetch_ahead(const void *a, const void *b, size_t block, size_t ahead) {
    for (size_t o = 0; o < block; o += 64) {
        _mm_prefetch((const char *)a + ahead + o, _MM_HINT_T0);
        _mm_prefetch((const char *)b + ahead + o, _MM_HINT_T0);
    }
}

// The ck_q8_K_sums after an activation row's n / 256 blocks.
static inline const ck_q8_K_sums *row_sums(const void *y, int64_t n) {
    return (const ck_q8_K_sums *)((const uint8_t *)y + (size_t)(n / CK_QK_K) * sizeof(ck_block_q8_K));
}

// acc + Σ of 4 (unsigned w byte × signed a byte) per 32-bit lane.
#define DP(acc, w, a) _mm512_dpbusd_epi32((acc), (w), (a))

// out: (R, 16), row r's 16 outputs (group A's 8 rows, then B's) at out + 16r.
__attribute__((always_inline)) AVX512 static inline void dot_q4_Kx16_rows(int64_t n, const void *vw, size_t stride, const int R, const void *const yv[], float out[]) {
    const ck_block_q4_Kx8 *xa = vw, *xb = (const void *)((const uint8_t *)vw + stride);
    const ck_block_q8_K *y[8];
    const ck_q8_K_sums *ys[8];
    __m512 acc[8];
    for (int r = 0; r < R; r++) { y[r] = yv[r]; ys[r] = row_sums(yv[r], n); acc[r] = _mm512_setzero_ps(); }
    const __m512i m4 = _mm512_set1_epi8(0xF);
    for (int64_t i = 0; i < n / CK_QK_K; i++) {
        const ck_block_q4_Kx8 *A = xa + i, *B = xb + i;
        prefetch_ahead(A, B, sizeof *A, AHEAD_Q4_K);
        __m512i sumi[8];
        for (int r = 0; r < R; r++) sumi[r] = _mm512_setzero_si512();
        for (int j = 0; j < 8; j++) {
            __m512i s_lo[8], s_hi[8];  // two dependency chains of 4 vpdpbusd per row
            for (int r = 0; r < R; r++) s_lo[r] = s_hi[r] = _mm512_setzero_si512();
            for (int g = 0; g < 4; g++) {
                const __m512i v = pair_256(A->qs[j][g], B->qs[j][g]);
                const __m512i lo = _mm512_and_si512(v, m4), hi = _mm512_and_si512(_mm512_srli_epi16(v, 4), m4);
                for (int r = 0; r < R; r++) {
                    const int8_t *a = y[r][i].qs + 32 * j + 4 * g;
                    s_lo[r] = DP(s_lo[r], lo, bc4_512(a));
                    s_hi[r] = DP(s_hi[r], hi, bc4_512(a + 16));
                }
            }
            // s_lo and s_hi each sum 16 products of a 4-bit weight and an 8-bit activation: |s| ≤ 16·15·128
            // < 2^15, so a lane's low 16 bits are s itself and one vpdpwssd against the scale (high half
            // 0) adds sc·s. Two of them cost 2 µops where an add, a vpmulld and an add cost 4.
            const __m512i sc = pair_u8(A->scales[j], B->scales[j]);
            for (int r = 0; r < R; r++) sumi[r] = _mm512_dpwssd_epi32(_mm512_dpwssd_epi32(sumi[r], s_lo[r], sc), s_hi[r], sc);
        }
        // Mins of sub-blocks 2p and 2p + 1 in one lane's two halves, against the two activation sums.
        __m512i mins[4];
        for (int p = 0; p < 4; p++)
            mins[p] = _mm512_or_si512(pair_u8(A->mins[2 * p], B->mins[2 * p]), _mm512_slli_epi32(pair_u8(A->mins[2 * p + 1], B->mins[2 * p + 1]), 16));
        const __m512 dw = pair_f16(A->d, B->d), dmw = pair_f16(A->dmin, B->dmin);
        for (int r = 0; r < R; r++) {
            // The activation sums of sub-blocks 2p and 2p + 1, paired once per row (ck_q8_K_sums): a
            // broadcast from memory is a load, where pairing them here cost scalar adds and a broadcast
            // from a general register on the vector ports (Q4_K at 8 rows: −13%, harness).
            __m512i summ = _mm512_setzero_si512();
            for (int p = 0; p < 4; p++) summ = _mm512_dpwssd_epi32(summ, mins[p], _mm512_set1_epi32(ys[r][i].pairs[p]));
            const __m512 dy = _mm512_set1_ps(y[r][i].d);
            acc[r] = _mm512_fmadd_ps(_mm512_mul_ps(dw, dy), _mm512_cvtepi32_ps(sumi[r]), acc[r]);
            acc[r] = _mm512_fnmadd_ps(_mm512_mul_ps(dmw, dy), _mm512_cvtepi32_ps(summ), acc[r]);
        }
    }
    for (int r = 0; r < R; r++) _mm512_storeu_ps(out + 16 * r, acc[r]);
}

// Q5_0: unsigned u = 0…31 (the stored value is u − 16): Σ (u − 16)·a = Σ u·a − 16·Σ a. The fifth bits
// of a quad's 64 values (A's 32, then B's) are one 64-bit mask.
__attribute__((always_inline)) AVX512 static inline void dot_q5_0x16_rows(int64_t n, const void *vw, size_t stride, const int R, const void *const yv[], float out[]) {
    const ck_block_q5_0x8 *xa = vw, *xb = (const void *)((const uint8_t *)vw + stride);
    const ck_block_q8_0 *y[8];
    __m512 acc[8];
    for (int r = 0; r < R; r++) { y[r] = yv[r]; acc[r] = _mm512_setzero_ps(); }
    const __m512i m4 = _mm512_set1_epi8(0xF), bit4 = _mm512_set1_epi8(0x10);
    for (int64_t i = 0; i < n / CK_QK; i++) {
        const ck_block_q5_0x8 *A = xa + i, *B = xb + i;
        prefetch_ahead(A, B, sizeof *A, AHEAD_Q5_0);
        __m512i sumi[8], s_hi[8];  // two dependency chains of 4 vpdpbusd per row
        for (int r = 0; r < R; r++) { sumi[r] = _mm512_set1_epi32(-16 * sum_i8_32(y[r][i].qs)); s_hi[r] = _mm512_setzero_si512(); }
        for (int g = 0; g < 4; g++) {
            const __m512i v = pair_256(A->qs[g], B->qs[g]);
            const __mmask64 h0 = A->qh[0][g] | (uint64_t)B->qh[0][g] << 32, h1 = A->qh[1][g] | (uint64_t)B->qh[1][g] << 32;
            const __m512i lo = _mm512_or_si512(_mm512_and_si512(v, m4), _mm512_maskz_mov_epi8(h0, bit4));
            const __m512i hi = _mm512_or_si512(_mm512_and_si512(_mm512_srli_epi16(v, 4), m4), _mm512_maskz_mov_epi8(h1, bit4));
            for (int r = 0; r < R; r++) {
                const int8_t *a = y[r][i].qs + 4 * g;
                sumi[r] = DP(sumi[r], lo, bc4_512(a));
                s_hi[r] = DP(s_hi[r], hi, bc4_512(a + 16));
            }
        }
        const __m512 dw = pair_f16(A->d, B->d);
        for (int r = 0; r < R; r++) {
            const __m512 dy = _mm512_set1_ps(f16_to_f32(y[r][i].d));
            acc[r] = _mm512_fmadd_ps(_mm512_mul_ps(dw, dy), _mm512_cvtepi32_ps(_mm512_add_epi32(sumi[r], s_hi[r])), acc[r]);
        }
    }
    for (int r = 0; r < R; r++) _mm512_storeu_ps(out + 16 * r, acc[r]);
}

// Q6_K: unsigned q = 0…63 (the stored value is q − 32): Σ s·(q − 32)·a = Σ s·q·a − 32·Σ s·Σa.
// sumi[r] = −32 · Σ_s sc_s·bsum_s for each row, the sum's first term (sub-blocks 2p and 2p + 1 in a lane's
// two halves, against the row's two 16-value sums).
__attribute__((always_inline)) AVX512 static inline void q6_K_offsets(const ck_block_q6_Kx8 *A, const ck_block_q6_Kx8 *B, const int R,
                                                                   const ck_block_q8_K *const y[], int64_t i, __m512i sumi[]) {
    const __m512i low16 = _mm512_set1_epi32(0xFFFF);
    for (int r = 0; r < R; r++) sumi[r] = _mm512_setzero_si512();
    for (int p = 0; p < 8; p++) {
        const __m512i s0 = pair_i8(A->scales[2 * p], B->scales[2 * p]), s1 = pair_i8(A->scales[2 * p + 1], B->scales[2 * p + 1]);
        const __m512i sc = _mm512_or_si512(_mm512_and_si512(s0, low16), _mm512_slli_epi32(s1, 16));
        for (int r = 0; r < R; r++) sumi[r] = _mm512_dpwssd_epi32(sumi[r], sc, bc4_512((const int8_t *)(y[r][i].bsums + 2 * p)));
    }
    for (int r = 0; r < R; r++) sumi[r] = _mm512_slli_epi32(_mm512_sub_epi32(_mm512_setzero_si512(), sumi[r]), 5);
}

// The unsigned 6-bit values of quad g of chunk c, for the 16 rows: values 4g … 4g + 3 of the chunk's first
// 16 (lo, sub-block 2c) and of its second 16 (hi, sub-block 2c + 1).
__attribute__((always_inline)) AVX512 static inline void q6_K_values(const ck_block_q6_Kx8 *A, const ck_block_q6_Kx8 *B, int c, int g, __m512i *lo, __m512i *hi) {
    const __m512i m4 = _mm512_set1_epi8(0xF), m30 = _mm512_set1_epi8(0x30);
    const __m512i v = pair_256(A->ql[c][g], B->ql[c][g]);
    const __m512i h = pair_256(A->qh[c / 2][g], B->qh[c / 2][g]);
    const __m512i h_lo = c % 2 == 0 ? _mm512_slli_epi16(h, 4) : h;  // the top bits to bits 4–5
    const __m512i h_hi = c % 2 == 0 ? _mm512_slli_epi16(h, 2) : _mm512_srli_epi16(h, 2);
    *lo = _mm512_or_si512(_mm512_and_si512(v, m4), _mm512_and_si512(h_lo, m30));
    *hi = _mm512_or_si512(_mm512_and_si512(_mm512_srli_epi16(v, 4), m4), _mm512_and_si512(h_hi, m30));
}

// sum + s_lo·sc_lo + s_hi·sc_hi. vpmulld here, not the 16-bit multiply-add of Q4_K: |s| ≤ 16·63·128 does
// not fit 16 bits. (A byte shuffle can split s into two 16-bit halves for vpdpwssd, 2 µops against 3,
// but the shuffle's control and the doubled scales pushed the 8-row loop past the 32 registers: 8%
// slower.)
AVX512 static inline __m512i q6_K_scaled(__m512i sum, __m512i s_lo, __m512i sc_lo, __m512i s_hi, __m512i sc_hi) {
    return _mm512_add_epi32(sum, _mm512_add_epi32(_mm512_mullo_epi32(s_lo, sc_lo), _mm512_mullo_epi32(s_hi, sc_hi)));
}

__attribute__((always_inline)) AVX512 static inline void dot_q6_Kx16_rows(int64_t n, const void *vw, size_t stride, const int R, const void *const yv[], float out[]) {
    const ck_block_q6_Kx8 *xa = vw, *xb = (const void *)((const uint8_t *)vw + stride);
    const ck_block_q8_K *y[8];
    __m512 acc[8];
    for (int r = 0; r < R; r++) { y[r] = yv[r]; acc[r] = _mm512_setzero_ps(); }
    for (int64_t i = 0; i < n / CK_QK_K; i++) {
        const ck_block_q6_Kx8 *A = xa + i, *B = xb + i;
        prefetch_ahead(A, B, sizeof *A, AHEAD_Q6_K);
        __m512i sumi[8];
        q6_K_offsets(A, B, R, y, i, sumi);
        for (int c = 0; c < 8; c++) {
            __m512i s_lo[8], s_hi[8];
            for (int r = 0; r < R; r++) s_lo[r] = s_hi[r] = _mm512_setzero_si512();
            for (int g = 0; g < 4; g++) {
                __m512i lo, hi;
                q6_K_values(A, B, c, g, &lo, &hi);
                for (int r = 0; r < R; r++) {
                    const int8_t *a = y[r][i].qs + 32 * c + 4 * g;
                    s_lo[r] = DP(s_lo[r], lo, bc4_512(a));
                    s_hi[r] = DP(s_hi[r], hi, bc4_512(a + 16));
                }
            }
            const __m512i sc_lo = pair_i8(A->scales[2 * c], B->scales[2 * c]), sc_hi = pair_i8(A->scales[2 * c + 1], B->scales[2 * c + 1]);
            for (int r = 0; r < R; r++) sumi[r] = q6_K_scaled(sumi[r], s_lo[r], sc_lo, s_hi[r], sc_hi);
        }
        const __m512 dw = pair_f16(A->d, B->d);
        for (int r = 0; r < R; r++)
            acc[r] = _mm512_fmadd_ps(_mm512_mul_ps(dw, _mm512_set1_ps(y[r][i].d)), _mm512_cvtepi32_ps(sumi[r]), acc[r]);
    }
    for (int r = 0; r < R; r++) _mm512_storeu_ps(out + 16 * r, acc[r]);
}

// Q6_K for 9–16 activation rows: each sub-block's weights are unpacked once for all of them (8
// registers), then summed for the rows 8 at a time, their chains interleaved as in the kernel above;
// the rows' running sums live in memory. Q6_K's unpack (two loads, shifts, masks and ors per 64
// weights) costs three times Q4_K's, so sharing it pays here: 16 rows in one pass took 9–11% less
// time than two 8-row passes (single-thread harness, interleaved, 1,536 and 8,960 columns). For Q4_K
// the same scheme gained nothing measurable, and Q4_K keeps two passes.
__attribute__((always_inline)) AVX512 static inline void dot_q6_Kx16_wide(int64_t n, const void *vw, size_t stride, const int R, const void *const yv[], float out[]) {
    const ck_block_q6_Kx8 *xa = vw, *xb = (const void *)((const uint8_t *)vw + stride);
    const ck_block_q8_K *y[16];
    __m512 acc[16];
    for (int r = 0; r < R; r++) { y[r] = yv[r]; acc[r] = _mm512_setzero_ps(); }
    for (int64_t i = 0; i < n / CK_QK_K; i++) {
        const ck_block_q6_Kx8 *A = xa + i, *B = xb + i;
        prefetch_ahead(A, B, sizeof *A, AHEAD_Q6_K);
        __m512i sumi[16];
        q6_K_offsets(A, B, R, y, i, sumi);
        for (int c = 0; c < 8; c++) {
            __m512i lo[4], hi[4];  // the chunk's values, for all rows
            for (int g = 0; g < 4; g++) q6_K_values(A, B, c, g, &lo[g], &hi[g]);
            const __m512i sc_lo = pair_i8(A->scales[2 * c], B->scales[2 * c]), sc_hi = pair_i8(A->scales[2 * c + 1], B->scales[2 * c + 1]);
            for (int r0 = 0; r0 < R; r0 += 8) {
                const int nr = R - r0 < 8 ? R - r0 : 8;
                __m512i s_lo[8], s_hi[8];
                for (int r = 0; r < nr; r++) s_lo[r] = s_hi[r] = _mm512_setzero_si512();
                for (int g = 0; g < 4; g++)
                    for (int r = 0; r < nr; r++) {
                        const int8_t *a = y[r0 + r][i].qs + 32 * c + 4 * g;
                        s_lo[r] = DP(s_lo[r], lo[g], bc4_512(a));
                        s_hi[r] = DP(s_hi[r], hi[g], bc4_512(a + 16));
                    }
                for (int r = 0; r < nr; r++) sumi[r0 + r] = q6_K_scaled(sumi[r0 + r], s_lo[r], sc_lo, s_hi[r], sc_hi);
            }
        }
        const __m512 dw = pair_f16(A->d, B->d);
        for (int r = 0; r < R; r++)
            acc[r] = _mm512_fmadd_ps(_mm512_mul_ps(dw, _mm512_set1_ps(y[r][i].d)), _mm512_cvtepi32_ps(sumi[r]), acc[r]);
    }
    for (int r = 0; r < R; r++) _mm512_storeu_ps(out + 16 * r, acc[r]);
}

// Q8_0: the stored bytes are q + 128, so Σ q·a = Σ (q + 128)·a − 128·Σ a.
__attribute__((always_inline)) AVX512 static inline void dot_q8_0x16_rows(int64_t n, const void *vw, size_t stride, const int R, const void *const yv[], float out[]) {
    const ck_block_q8_0x8 *xa = vw, *xb = (const void *)((const uint8_t *)vw + stride);
    const ck_block_q8_0 *y[8];
    __m512 acc[8];
    for (int r = 0; r < R; r++) { y[r] = yv[r]; acc[r] = _mm512_setzero_ps(); }
    for (int64_t i = 0; i < n / CK_QK; i++) {
        const ck_block_q8_0x8 *A = xa + i, *B = xb + i;
        prefetch_ahead(A, B, sizeof *A, AHEAD_Q8_0);
        __m512i sumi[8], s_odd[8];  // two dependency chains of 4 vpdpbusd per row
        for (int r = 0; r < R; r++) { sumi[r] = _mm512_set1_epi32(-128 * sum_i8_32(y[r][i].qs)); s_odd[r] = _mm512_setzero_si512(); }
        for (int g = 0; g < 8; g += 2) {
            const __m512i v0 = pair_256(A->qs[g], B->qs[g]), v1 = pair_256(A->qs[g + 1], B->qs[g + 1]);
            for (int r = 0; r < R; r++) {
                sumi[r] = DP(sumi[r], v0, bc4_512(y[r][i].qs + 4 * g));
                s_odd[r] = DP(s_odd[r], v1, bc4_512(y[r][i].qs + 4 * g + 4));
            }
        }
        const __m512 dw = pair_f16(A->d, B->d);
        for (int r = 0; r < R; r++) {
            const __m512 dy = _mm512_set1_ps(f16_to_f32(y[r][i].d));
            acc[r] = _mm512_fmadd_ps(_mm512_mul_ps(dw, dy), _mm512_cvtepi32_ps(_mm512_add_epi32(sumi[r], s_odd[r])), acc[r]);
        }
    }
    for (int r = 0; r < R; r++) _mm512_storeu_ps(out + 16 * r, acc[r]);
}

#define ROWS_SWITCH(kernel)                                   \
    switch (rows) {                                           \
    case 1: kernel(n, w, stride, 1, y, out); break;           \
    case 2: kernel(n, w, stride, 2, y, out); break;           \
    case 3: kernel(n, w, stride, 3, y, out); break;           \
    case 4: kernel(n, w, stride, 4, y, out); break;           \
    case 5: kernel(n, w, stride, 5, y, out); break;           \
    case 6: kernel(n, w, stride, 6, y, out); break;           \
    case 7: kernel(n, w, stride, 7, y, out); break;           \
    default: kernel(n, w, stride, 8, y, out); break;          \
    }
AVX512 void ck_dot_q4_Kx16_avx512(int64_t n, const void *w, size_t stride, const void *const y[], int rows, float out[]) { ROWS_SWITCH(dot_q4_Kx16_rows) }
AVX512 void ck_dot_q5_0x16_avx512(int64_t n, const void *w, size_t stride, const void *const y[], int rows, float out[]) { ROWS_SWITCH(dot_q5_0x16_rows) }
AVX512 void ck_dot_q8_0x16_avx512(int64_t n, const void *w, size_t stride, const void *const y[], int rows, float out[]) { ROWS_SWITCH(dot_q8_0x16_rows) }
AVX512 void ck_dot_q6_Kx16_avx512(int64_t n, const void *w, size_t stride, const void *const y[], int rows, float out[]) {
    if (rows <= 8) { ROWS_SWITCH(dot_q6_Kx16_rows) return; }
    switch (rows) {
    case 9: dot_q6_Kx16_wide(n, w, stride, 9, y, out); break;
    case 10: dot_q6_Kx16_wide(n, w, stride, 10, y, out); break;
    case 11: dot_q6_Kx16_wide(n, w, stride, 11, y, out); break;
    case 12: dot_q6_Kx16_wide(n, w, stride, 12, y, out); break;
    case 13: dot_q6_Kx16_wide(n, w, stride, 13, y, out); break;
    case 14: dot_q6_Kx16_wide(n, w, stride, 14, y, out); break;
    case 15: dot_q6_Kx16_wide(n, w, stride, 15, y, out); break;
    default: dot_q6_Kx16_wide(n, w, stride, 16, y, out); break;
    }
}
#endif
