// Repacked kernels on 512-bit registers (AVX-512 with VNNI): two neighbouring groups of 8 rows at a
// time, group A's 32 bytes of a quad in the low half of a register and group B's in the high half, so
// each vpdpbusd multiplies 16 rows by 4 activation values. The layout is the 8-row one of ck_blocks.h
// (no second repacking); up to 8 activation rows share each unpacked weight register, which fits the
// 32 registers; Q4_K and Q6_K take up to 16, rows 8–15 reading back the weights rows 0–7 unpacked.
// Every lane computes ck_dot_x8_ref's exact integer sums (in another order, which integers allow) and
// then its float operations in its order: bitwise equal to the reference, like the 256-bit kernels.
// On this core every 512-bit µop but loads issues on one of two ports, vpdpbusd included (measured: 16
// independent vpdpbusd + 4 of any other op take 10 cycles where 16 alone take 8; vpmulld counts
// twice), so what is not a vpdpbusd is overhead to cut.
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

// The ck_q8_0_sums after an activation row's n / 32 blocks.
static inline const ck_q8_0_sums *q8_0_row_sums(const void *y, int64_t n) {
    return (const ck_q8_0_sums *)((const uint8_t *)y + (size_t)(n / CK_QK) * sizeof(ck_block_q8_0));
}

// acc + Σ of 4 (unsigned w byte × signed a byte) per 32-bit lane.
#define DP(acc, w, a) _mm512_dpbusd_epi32((acc), (w), (a))

// acc + lo16(s)·lo16(sc) + hi16(s)·hi16(sc) per 32-bit lane, as one vpdpwssd. Written as an instruction
// because clang otherwise splits a chain of them into vpmaddwd + vpaddd (2 µops where 1 does: the
// ports, not the chain's latency, bound this loop).
AVX512 static inline __m512i dpwssd_1uop(__m512i acc, __m512i s, __m512i sc) {
    __asm__("vpdpwssd %2, %1, %0" : "+v"(acc) : "v"(s), "v"(sc));
    return acc;
}

// One super-block's sums for rows 0 … NR − 1 (NR ≤ 8) of y: the integer products into sumi, the mins'
// terms into summ. The weights of sub-block j are unpacked here (unpack), and also kept in w for a
// second group of rows (keep), or read back from w (a load, no ALU µop).
__attribute__((always_inline)) AVX512 static inline void q4_K_sums(const ck_block_q4_Kx8 *A, const ck_block_q4_Kx8 *B, const ck_block_q8_K *const y[],
                                                                const ck_q8_K_sums *const ys[], int64_t i, const int NR, const int unpack, const int keep,
                                                                __m512i w[8][8], __m512i sumi[], __m512i summ[]) {
    const __m512i m4 = _mm512_set1_epi8(0xF);
    for (int r = 0; r < NR; r++) sumi[r] = _mm512_setzero_si512();
    for (int j = 0; j < 8; j++) {
        __m512i s_lo[8], s_hi[8];  // two dependency chains of 4 vpdpbusd per row
        for (int r = 0; r < NR; r++) s_lo[r] = s_hi[r] = _mm512_setzero_si512();
        for (int g = 0; g < 4; g++) {
            __m512i lo, hi;
            if (unpack) {
                const __m512i v = pair_256(A->qs[j][g], B->qs[j][g]);
                lo = _mm512_and_si512(v, m4), hi = _mm512_and_si512(_mm512_srli_epi16(v, 4), m4);
                if (keep) w[j][2 * g] = lo, w[j][2 * g + 1] = hi;
            } else {
                lo = w[j][2 * g], hi = w[j][2 * g + 1];
            }
            for (int r = 0; r < NR; r++) {
                const int8_t *a = y[r][i].qs + 32 * j + 4 * g;
                s_lo[r] = DP(s_lo[r], lo, bc4_512(a));
                s_hi[r] = DP(s_hi[r], hi, bc4_512(a + 16));
            }
        }
        // s_lo and s_hi each sum 16 products of a 4-bit weight and an 8-bit activation: |s| ≤ 16·15·128
        // < 2^15, so a lane's low 16 bits are s itself and one vpdpwssd against the scale (high half
        // 0) adds sc·s. Two of them cost 2 µops where an add, a vpmulld and an add cost 4.
        const __m512i sc = pair_u8(A->scales[j], B->scales[j]);
        for (int r = 0; r < NR; r++) sumi[r] = dpwssd_1uop(dpwssd_1uop(sumi[r], s_lo[r], sc), s_hi[r], sc);
    }
    // Mins of sub-blocks 2p and 2p + 1 in one lane's two halves, against the two activation sums.
    __m512i mins[4];
    for (int p = 0; p < 4; p++)
        mins[p] = _mm512_or_si512(pair_u8(A->mins[2 * p], B->mins[2 * p]), _mm512_slli_epi32(pair_u8(A->mins[2 * p + 1], B->mins[2 * p + 1]), 16));
    for (int r = 0; r < NR; r++) {
        // The activation sums of sub-blocks 2p and 2p + 1, paired once per row (ck_q8_K_sums): a
        // broadcast from memory is a load, where pairing them here cost scalar adds and a broadcast
        // from a general register on the vector ports (Q4_K at 8 rows: −13%, harness).
        summ[r] = _mm512_setzero_si512();
        for (int p = 0; p < 4; p++) summ[r] = _mm512_dpwssd_epi32(summ[r], mins[p], _mm512_set1_epi32(ys[r][i].pairs[p]));
    }
}

// acc + d·dy·sumi − dmin·dy·summ, the reference's float steps.
AVX512 static inline __m512 q4_K_close(__m512 acc, __m512 dw, __m512 dmw, float dy, __m512i sumi, __m512i summ) {
    const __m512 y = _mm512_set1_ps(dy);
    acc = _mm512_fmadd_ps(_mm512_mul_ps(dw, y), _mm512_cvtepi32_ps(sumi), acc);
    return _mm512_fnmadd_ps(_mm512_mul_ps(dmw, y), _mm512_cvtepi32_ps(summ), acc);
}

// out: (R, 16), row r's 16 outputs (group A's 8 rows, then B's) at out + 16r. Up to 16 rows: rows 8 …
// 15 reuse the weights rows 0 … 7 unpacked (L1, 4 KiB a super-block), and their running sums then
// live in out (touched once a super-block).
__attribute__((always_inline)) AVX512 static inline void dot_q4_Kx16_rows(int64_t n, const void *vw, size_t stride, const int R, const void *const yv[], float out[]) {
    const ck_block_q4_Kx8 *xa = vw, *xb = (const void *)((const uint8_t *)vw + stride);
    const int R0 = R < 8 ? R : 8, R1 = R - R0;
    const ck_block_q8_K *y[16];
    const ck_q8_K_sums *ys[16];
    __m512 acc[8];
    __m512i w[8][8];
    for (int r = 0; r < R; r++) { y[r] = yv[r]; ys[r] = row_sums(yv[r], n); }
    for (int r = 0; r < R0; r++) acc[r] = _mm512_setzero_ps();
    for (int r = 0; r < R1; r++) _mm512_storeu_ps(out + 16 * (8 + r), _mm512_setzero_ps());
    for (int64_t i = 0; i < n / CK_QK_K; i++) {
        const ck_block_q4_Kx8 *A = xa + i, *B = xb + i;
        prefetch_ahead(A, B, sizeof *A, AHEAD_Q4_K);
        const __m512 dw = pair_f16(A->d, B->d), dmw = pair_f16(A->dmin, B->dmin);
        __m512i sumi[8], summ[8];
        q4_K_sums(A, B, y, ys, i, R0, 1, R1 > 0, w, sumi, summ);
        for (int r = 0; r < R0; r++) acc[r] = q4_K_close(acc[r], dw, dmw, y[r][i].d, sumi[r], summ[r]);
        if (R1 == 0) continue;
        q4_K_sums(A, B, y + 8, ys + 8, i, R1, 0, 0, w, sumi, summ);
        for (int r = 0; r < R1; r++) {
            float *o = out + 16 * (8 + r);
            _mm512_storeu_ps(o, q4_K_close(_mm512_loadu_ps(o), dw, dmw, y[8 + r][i].d, sumi[r], summ[r]));
        }
    }
    for (int r = 0; r < R0; r++) _mm512_storeu_ps(out + 16 * r, acc[r]);
}

// Q5_0: unsigned u = 0…31 (the stored value is u − 16): Σ (u − 16)·a = Σ u·a − 16·Σ a. The fifth bits
// of a quad's 64 values (A's 32, then B's) are one 64-bit mask.
__attribute__((always_inline)) AVX512 static inline void dot_q5_0x16_rows(int64_t n, const void *vw, size_t stride, const int R, const void *const yv[], float out[]) {
    const ck_block_q5_0x8 *xa = vw, *xb = (const void *)((const uint8_t *)vw + stride);
    const ck_block_q8_0 *y[8];
    const ck_q8_0_sums *ys[8];
    __m512 acc[8];
    for (int r = 0; r < R; r++) { y[r] = yv[r]; ys[r] = q8_0_row_sums(yv[r], n); acc[r] = _mm512_setzero_ps(); }
    const __m512i m4 = _mm512_set1_epi8(0xF), bit4 = _mm512_set1_epi8(0x10);
    for (int64_t i = 0; i < n / CK_QK; i++) {
        const ck_block_q5_0x8 *A = xa + i, *B = xb + i;
        prefetch_ahead(A, B, sizeof *A, AHEAD_Q5_0);
        __m512i sumi[8], s_hi[8];  // two dependency chains of 4 vpdpbusd per row
        for (int r = 0; r < R; r++) { sumi[r] = _mm512_set1_epi32(ys[r][i].off16); s_hi[r] = _mm512_setzero_si512(); }
        for (int g = 0; g < 4; g++) {
            const __m512i v = pair_256(A->qs[g], B->qs[g]);
            const __mmask64 h0 = A->qh[0][g] | (uint64_t)B->qh[0][g] << 32, h1 = A->qh[1][g] | (uint64_t)B->qh[1][g] << 32;
            // the fifth bit by one merge-masked byte add (bit 4 is clear, so + 16 sets it): 1 µop, not 2
            const __m512i l4 = _mm512_and_si512(v, m4), h4 = _mm512_and_si512(_mm512_srli_epi16(v, 4), m4);
            const __m512i lo = _mm512_mask_add_epi8(l4, h0, l4, bit4), hi = _mm512_mask_add_epi8(h4, h1, h4, bit4);
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

// Q6_K: unsigned q = 0…63, the stored value q − 32. A row's sums run in chains of 8 values (two
// vpdpbusd) that start at −32·Σa of those 8 activations (ck_q8_K_sums.off6, a broadcast load: no ALU
// µop), so a chain ends at Σ (q − 32)·a, and |Σ| ≤ 8·32·127 = 32512 fits 16 bits (q8_K values are
// within ±127: ck_quantize_row_q8_K). One vpdpwssd against the sub-block's scale (high half 0) then adds
// sc·Σ: 1 µop where vpmulld and an add cost 3, and no separate offset term. Integer sums equal to the
// reference's (sc·Σ q·a − 32·sc·Σ a, per sub-block), so the floats are bitwise the same.
// The unpacked weights of a half chunk (4 registers) serve up to 16 rows, 8 at a time; rows' sums in
// sumi (the compiler keeps them in registers while they fit).

// The sub-block scales (int8) of A's 8 rows then B's, as 16-bit values in the low half of 32-bit lanes.
AVX512 static inline __m512i q6_K_scale16(const int8_t *a, const int8_t *b) {
    return _mm512_cvtepu16_epi32(_mm256_cvtepi8_epi16(pair_8(a, b)));
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

// One super-block's integer sums for rows r0 … r0 + NR − 1 (NR ≤ 8) into sumi[NR]. The weights of half
// chunk (c, h) are unpacked here (unpack), and also kept in w for a second group of rows (keep), or
// read back from w (a load, no ALU µop).
__attribute__((always_inline)) AVX512 static inline void q6_K_sums(const ck_block_q6_Kx8 *A, const ck_block_q6_Kx8 *B, const ck_block_q8_K *const y[],
                                                                const ck_q8_K_sums *const ys[], int64_t i, const int NR, const int unpack, const int keep,
                                                                __m512i w[8][2][4], __m512i sumi[]) {
    for (int r = 0; r < NR; r++) sumi[r] = _mm512_setzero_si512();
    for (int c = 0; c < 8; c++) {
        const __m512i sc_lo = q6_K_scale16(A->scales[2 * c], B->scales[2 * c]), sc_hi = q6_K_scale16(A->scales[2 * c + 1], B->scales[2 * c + 1]);
        for (int h = 0; h < 2; h++) {  // values 8h … 8h + 7 of each of the chunk's two sub-blocks
            __m512i v[4];              // lo of quads 2h, 2h + 1, then hi
            if (unpack) {
                q6_K_values(A, B, c, 2 * h, &v[0], &v[2]);
                q6_K_values(A, B, c, 2 * h + 1, &v[1], &v[3]);
                if (keep) for (int k = 0; k < 4; k++) w[c][h][k] = v[k];
            } else {
                for (int k = 0; k < 4; k++) v[k] = w[c][h][k];
            }
            for (int r = 0; r < NR; r++) {
                const int8_t *a = y[r][i].qs + 32 * c + 8 * h;
                __m512i s_lo = _mm512_set1_epi32(ys[r][i].off6[4 * c + h]), s_hi = _mm512_set1_epi32(ys[r][i].off6[4 * c + 2 + h]);
                for (int g = 0; g < 2; g++) {
                    s_lo = DP(s_lo, v[g], bc4_512(a + 4 * g));
                    s_hi = DP(s_hi, v[2 + g], bc4_512(a + 16 + 4 * g));
                }
                sumi[r] = dpwssd_1uop(dpwssd_1uop(sumi[r], s_lo, sc_lo), s_hi, sc_hi);
            }
        }
    }
}

// out: (R, 16). Up to 16 rows: rows 8 … 15 reuse the weights rows 0 … 7 unpacked (L1, 4 KiB a
// super-block), and their running sums then live in out (touched once a super-block).
__attribute__((always_inline)) AVX512 static inline void dot_q6_Kx16_rows(int64_t n, const void *vw, size_t stride, const int R, const void *const yv[], float out[]) {
    const ck_block_q6_Kx8 *xa = vw, *xb = (const void *)((const uint8_t *)vw + stride);
    const int R0 = R < 8 ? R : 8, R1 = R - R0;
    const ck_block_q8_K *y[16];
    const ck_q8_K_sums *ys[16];
    __m512 acc[8];
    __m512i w[8][2][4];
    for (int r = 0; r < R; r++) { y[r] = yv[r]; ys[r] = row_sums(yv[r], n); }
    for (int r = 0; r < R0; r++) acc[r] = _mm512_setzero_ps();
    for (int r = 0; r < R1; r++) _mm512_storeu_ps(out + 16 * (8 + r), _mm512_setzero_ps());
    for (int64_t i = 0; i < n / CK_QK_K; i++) {
        const ck_block_q6_Kx8 *A = xa + i, *B = xb + i;
        prefetch_ahead(A, B, sizeof *A, AHEAD_Q6_K);
        const __m512 dw = pair_f16(A->d, B->d);
        __m512i sumi[8];
        q6_K_sums(A, B, y, ys, i, R0, 1, R1 > 0, w, sumi);
        for (int r = 0; r < R0; r++)
            acc[r] = _mm512_fmadd_ps(_mm512_mul_ps(dw, _mm512_set1_ps(y[r][i].d)), _mm512_cvtepi32_ps(sumi[r]), acc[r]);
        if (R1 == 0) continue;
        q6_K_sums(A, B, y + 8, ys + 8, i, R1, 0, 0, w, sumi);
        for (int r = 0; r < R1; r++) {
            float *o = out + 16 * (8 + r);
            _mm512_storeu_ps(o, _mm512_fmadd_ps(_mm512_mul_ps(dw, _mm512_set1_ps(y[8 + r][i].d)), _mm512_cvtepi32_ps(sumi[r]), _mm512_loadu_ps(o)));
        }
    }
    for (int r = 0; r < R0; r++) _mm512_storeu_ps(out + 16 * r, acc[r]);
}

// Q8_0: the stored bytes are q + 128, so Σ q·a = Σ (q + 128)·a − 128·Σ a.
__attribute__((always_inline)) AVX512 static inline void dot_q8_0x16_rows(int64_t n, const void *vw, size_t stride, const int R, const void *const yv[], float out[]) {
    const ck_block_q8_0x8 *xa = vw, *xb = (const void *)((const uint8_t *)vw + stride);
    const ck_block_q8_0 *y[8];
    const ck_q8_0_sums *ys[8];
    __m512 acc[8];
    for (int r = 0; r < R; r++) { y[r] = yv[r]; ys[r] = q8_0_row_sums(yv[r], n); acc[r] = _mm512_setzero_ps(); }
    for (int64_t i = 0; i < n / CK_QK; i++) {
        const ck_block_q8_0x8 *A = xa + i, *B = xb + i;
        prefetch_ahead(A, B, sizeof *A, AHEAD_Q8_0);
        __m512i sumi[8], s_odd[8];  // two dependency chains of 4 vpdpbusd per row
        for (int r = 0; r < R; r++) { sumi[r] = _mm512_set1_epi32(ys[r][i].off128); s_odd[r] = _mm512_setzero_si512(); }
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
AVX512 void ck_dot_q5_0x16_avx512(int64_t n, const void *w, size_t stride, const void *const y[], int rows, float out[]) { ROWS_SWITCH(dot_q5_0x16_rows) }
AVX512 void ck_dot_q8_0x16_avx512(int64_t n, const void *w, size_t stride, const void *const y[], int rows, float out[]) { ROWS_SWITCH(dot_q8_0x16_rows) }
// Q4_K and Q6_K take up to 16 rows (ck_dot_x16_rows); each count is its own compile-time instance.
#define ROWS_SWITCH16(kernel)                                 \
    if (rows <= 8) { ROWS_SWITCH(kernel) return; }            \
    switch (rows) {                                           \
    case 9: kernel(n, w, stride, 9, y, out); break;           \
    case 10: kernel(n, w, stride, 10, y, out); break;         \
    case 11: kernel(n, w, stride, 11, y, out); break;         \
    case 12: kernel(n, w, stride, 12, y, out); break;         \
    case 13: kernel(n, w, stride, 13, y, out); break;         \
    case 14: kernel(n, w, stride, 14, y, out); break;         \
    case 15: kernel(n, w, stride, 15, y, out); break;         \
    default: kernel(n, w, stride, 16, y, out); break;         \
    }
AVX512 void ck_dot_q4_Kx16_avx512(int64_t n, const void *w, size_t stride, const void *const y[], int rows, float out[]) { ROWS_SWITCH16(dot_q4_Kx16_rows) }
AVX512 void ck_dot_q6_Kx16_avx512(int64_t n, const void *w, size_t stride, const void *const y[], int rows, float out[]) { ROWS_SWITCH16(dot_q6_Kx16_rows) }
#endif
