// AVX2/FMA/F16C versions of the dot products. Each computes the same integers as its reference in
// ref/quants_ref.c and differs only in the order floats are summed; tests bound the difference.
// Every function carries the target attribute, so the file builds without -march flags and is only
// called when the CPU has the features (see dispatch.c).
#if defined(__x86_64__)
#include <immintrin.h>
#include <string.h>
#include "ckernels.h"
#include "quants_avx2.h"
#include "avx2_common.h"

// Σ x·y over pairs of signed bytes, as 8 floats: |x|·sign(y, x) keeps maddubs's unsigned×signed form.
AVX2 static inline __m256 mul_sum_i8_pairs_float(__m256i x, __m256i y) {
    const __m256i ax = _mm256_sign_epi8(x, x);
    const __m256i sy = _mm256_sign_epi8(y, x);
    const __m256i dot = _mm256_madd_epi16(_mm256_maddubs_epi16(ax, sy), _mm256_set1_epi16(1));
    return _mm256_cvtepi32_ps(dot);
}

// 32 nibbles → 32 bytes: low nibbles first (elements 0–15), then high nibbles (16–31).
AVX2 static inline __m256i bytes_from_nibbles_32(const uint8_t *rsi) {
    const __m128i tmp = _mm_loadu_si128((const __m128i *)rsi);
    const __m256i bytes = _mm256_insertf128_si256(_mm256_castsi128_si256(tmp), _mm_srli_epi16(tmp, 4), 1);
    return _mm256_and_si256(_mm256_set1_epi8(0xF), bytes);
}

AVX2 float ck_dot_f32_avx2(int64_t n, const float *a, const float *b) {
    __m256 s0 = _mm256_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;
    int64_t i = 0;
    for (; i + 32 <= n; i += 32) {
        s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), s0);
        s1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8), s1);
        s2 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 16), _mm256_loadu_ps(b + i + 16), s2);
        s3 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 24), _mm256_loadu_ps(b + i + 24), s3);
    }
    for (; i + 8 <= n; i += 8) s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), s0);
    float s = hsum_float_8(_mm256_add_ps(_mm256_add_ps(s0, s1), _mm256_add_ps(s2, s3)));
    for (; i < n; i++) s += a[i] * b[i];
    return s;
}

AVX2 float ck_dot_f16_f32_avx2(int64_t n, const uint16_t *w, const float *x) {
    __m256 s0 = _mm256_setzero_ps(), s1 = s0;
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) {
        s0 = _mm256_fmadd_ps(_mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(w + i))), _mm256_loadu_ps(x + i), s0);
        s1 = _mm256_fmadd_ps(_mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(w + i + 8))), _mm256_loadu_ps(x + i + 8), s1);
    }
    float s = hsum_float_8(_mm256_add_ps(s0, s1));
    for (; i < n; i++) s += ck_fp16_to_fp32(w[i]) * x[i];
    return s;
}

AVX2 float ck_dot_bf16_f32_avx2(int64_t n, const uint16_t *w, const float *x) {
    __m256 s0 = _mm256_setzero_ps();
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        const __m256i wi = _mm256_slli_epi32(_mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i *)(w + i))), 16);
        s0 = _mm256_fmadd_ps(_mm256_castsi256_ps(wi), _mm256_loadu_ps(x + i), s0);
    }
    float s = hsum_float_8(s0);
    for (; i < n; i++) s += ck_bf16_to_fp32(w[i]) * x[i];
    return s;
}

AVX2 float ck_dot_q8_0_q8_0_avx2(int64_t n, const void *vx, const void *vy) {
    const ck_block_q8_0 *x = vx, *y = vy;
    __m256 acc = _mm256_setzero_ps();
    for (int64_t i = 0; i < n / CK_QK; i++) {
        const __m256 d = _mm256_set1_ps(f16_to_f32(x[i].d) * f16_to_f32(y[i].d));
        const __m256 q = mul_sum_i8_pairs_float(_mm256_loadu_si256((const __m256i *)x[i].qs), _mm256_loadu_si256((const __m256i *)y[i].qs));
        acc = _mm256_fmadd_ps(d, q, acc);
    }
    return hsum_float_8(acc);
}

AVX2 float ck_dot_q4_0_q8_0_avx2(int64_t n, const void *vx, const void *vy) {
    const ck_block_q4_0 *x = vx;
    const ck_block_q8_0 *y = vy;
    __m256 acc = _mm256_setzero_ps();
    for (int64_t i = 0; i < n / CK_QK; i++) {
        const __m256 d = _mm256_set1_ps(f16_to_f32(x[i].d) * f16_to_f32(y[i].d));
        const __m256i qx = _mm256_sub_epi8(bytes_from_nibbles_32(x[i].qs), _mm256_set1_epi8(8));
        const __m256 q = mul_sum_i8_pairs_float(qx, _mm256_loadu_si256((const __m256i *)y[i].qs));
        acc = _mm256_fmadd_ps(d, q, acc);
    }
    return hsum_float_8(acc);
}

AVX2 float ck_dot_q5_0_q8_0_avx2(int64_t n, const void *vx, const void *vy) {
    const ck_block_q5_0 *x = vx;
    const ck_block_q8_0 *y = vy;
    __m256 acc = _mm256_setzero_ps();
    for (int64_t i = 0; i < n / CK_QK; i++) {
        const __m256 d = _mm256_set1_ps(f16_to_f32(x[i].d) * f16_to_f32(y[i].d));
        __m256i qx = bytes_from_nibbles_32(x[i].qs);
        // (nibble | bit·16) − 16: where the bit is clear, nibble − 16 = nibble | 0xF0 as a signed byte.
        const __m256i hi = _mm256_andnot_si256(bytes_from_bits_32(x[i].qh), _mm256_set1_epi8((char)0xF0));
        qx = _mm256_or_si256(qx, hi);
        const __m256 q = mul_sum_i8_pairs_float(qx, _mm256_loadu_si256((const __m256i *)y[i].qs));
        acc = _mm256_fmadd_ps(d, q, acc);
    }
    return hsum_float_8(acc);
}

// Q4_K and Q5_K: unsigned 4/5-bit values × signed q8 with maddubs, then × the sub-block scale with madd.
// The 12 packed scale bytes unpack with 32-bit masks into 8 scales and 8 mins (ggml's method); the
// min term Σ m_j·(bsums of sub-block j) is one madd against pairwise-added bsums.
AVX2 static inline void unpack_scales_k4(const uint8_t *scales, uint32_t utmp[4]) {
    const uint32_t kmask1 = 0x3f3f3f3f, kmask2 = 0x0f0f0f0f, kmask3 = 0x03030303;
    memcpy(utmp, scales, 12);
    utmp[3] = ((utmp[2] >> 4) & kmask2) | (((utmp[1] >> 6) & kmask3) << 4);  // mins 4–7
    const uint32_t uaux = utmp[1] & kmask1;                                    // mins 0–3
    utmp[1] = (utmp[2] & kmask2) | (((utmp[0] >> 6) & kmask3) << 4);          // scales 4–7
    utmp[2] = uaux;
    utmp[0] &= kmask1;                                                        // scales 0–3
}

// Chunk c (64 values) of a Q4_K / Q5_K block: 32 low and 32 high nibbles, with Q5_K's fifth bits
// (bit 2c of qh[l] for the low half, bit 2c + 1 for the high half).
AVX2 static inline void unpack_q45_K_chunk(const uint8_t *q, __m256i hbits, int c, int five, __m256i *lo, __m256i *hi) {
    const __m256i m4 = _mm256_set1_epi8(0xF);
    const __m256i bits = _mm256_loadu_si256((const __m256i *)q);
    *lo = _mm256_and_si256(bits, m4);
    *hi = _mm256_and_si256(_mm256_srli_epi16(bits, 4), m4);
    if (five) {
        const __m256i bl = _mm256_and_si256(hbits, _mm256_set1_epi8((char)(1 << (2 * c))));
        const __m256i bh = _mm256_and_si256(hbits, _mm256_set1_epi8((char)(1 << (2 * c + 1))));
        *lo = _mm256_or_si256(*lo, _mm256_slli_epi16(_mm256_srli_epi16(bl, 2 * c), 4));
        *hi = _mm256_or_si256(*hi, _mm256_slli_epi16(_mm256_srli_epi16(bh, 2 * c + 1), 4));
    }
}

// Shuffle control that broadcasts 16-bit lane i of each 128-bit half.
AVX2 static inline __m256i broadcast_lane(int i) { return _mm256_set1_epi16((short)(((2 * i + 1) << 8) | (2 * i))); }

__attribute__((always_inline)) AVX2 static inline float dot_q45_K_avx2(int64_t n, const uint8_t *xb, size_t stride, const int five, const ck_block_q8_K *y) {
    __m256 acc = _mm256_setzero_ps();
    __m128 acc_m = _mm_setzero_ps();
    for (int64_t i = 0; i < n / CK_QK_K; i++) {
        const ck_block_q4_K *x4 = (const void *)(xb + i * stride);
        const ck_block_q5_K *x5 = (const void *)(xb + i * stride);
        const uint8_t *q = five ? x5->qs : x4->qs;
        const int8_t *a = y[i].qs;
        const float d = y[i].d * f16_to_f32(five ? x5->d : x4->d);
        const float dmin = -y[i].d * f16_to_f32(five ? x5->dmin : x4->dmin);
        uint32_t utmp[4];
        unpack_scales_k4(five ? x5->scales : x4->scales, utmp);
        // lanes 0–7: scales, 8–15: mins (as i16)
        const __m256i mins_and_scales = _mm256_cvtepu8_epi16(_mm_set_epi32((int)utmp[3], (int)utmp[2], (int)utmp[1], (int)utmp[0]));
        const __m256i q8sums = _mm256_loadu_si256((const __m256i *)y[i].bsums);
        const __m128i q8s = _mm_hadd_epi16(_mm256_extracti128_si256(q8sums, 0), _mm256_extracti128_si256(q8sums, 1));
        const __m128i prod = _mm_madd_epi16(_mm256_extracti128_si256(mins_and_scales, 1), q8s);
        acc_m = _mm_fmadd_ps(_mm_set1_ps(dmin), _mm_cvtepi32_ps(prod), acc_m);
        const __m128i sc128 = _mm256_extracti128_si256(mins_and_scales, 0);
        const __m256i scales = _mm256_set_m128i(sc128, sc128);
        const __m256i hbits = five ? _mm256_loadu_si256((const __m256i *)x5->qh) : _mm256_setzero_si256();
        __m256i sumi = _mm256_setzero_si256();
        for (int c = 0; c < 4; c++, q += 32, a += 64) {
            __m256i lo, hi;
            unpack_q45_K_chunk(q, hbits, c, five, &lo, &hi);
            const __m256i scale_l = _mm256_shuffle_epi8(scales, broadcast_lane(2 * c));
            const __m256i scale_h = _mm256_shuffle_epi8(scales, broadcast_lane(2 * c + 1));
            const __m256i plo = _mm256_madd_epi16(scale_l, _mm256_maddubs_epi16(lo, _mm256_loadu_si256((const __m256i *)a)));
            const __m256i phi = _mm256_madd_epi16(scale_h, _mm256_maddubs_epi16(hi, _mm256_loadu_si256((const __m256i *)(a + 32))));
            sumi = _mm256_add_epi32(sumi, _mm256_add_epi32(plo, phi));
        }
        acc = _mm256_fmadd_ps(_mm256_set1_ps(d), _mm256_cvtepi32_ps(sumi), acc);
    }
    acc_m = _mm_add_ps(acc_m, _mm_movehl_ps(acc_m, acc_m));
    acc_m = _mm_add_ss(acc_m, _mm_movehdup_ps(acc_m));
    return hsum_float_8(acc) + _mm_cvtss_f32(acc_m);
}

AVX2 float ck_dot_q4_K_q8_K_avx2(int64_t n, const void *x, const void *y) {
    return dot_q45_K_avx2(n, x, sizeof(ck_block_q4_K), 0, y);
}

AVX2 float ck_dot_q5_K_q8_K_avx2(int64_t n, const void *x, const void *y) {
    return dot_q45_K_avx2(n, x, sizeof(ck_block_q5_K), 1, y);
}

// Half a Q6_K block (128 values) as four vectors of unsigned 6-bit values: low nibbles from ql, the
// two high bits from qh.
AVX2 static inline void unpack_q6_K_half(const uint8_t *ql, const uint8_t *qh, __m256i qs[4]) {
    const __m256i m4 = _mm256_set1_epi8(0xF), m2 = _mm256_set1_epi8(3);
    const __m256i bits1 = _mm256_loadu_si256((const __m256i *)ql);
    const __m256i bits2 = _mm256_loadu_si256((const __m256i *)(ql + 32));
    const __m256i bitsH = _mm256_loadu_si256((const __m256i *)qh);
    qs[0] = _mm256_or_si256(_mm256_and_si256(bits1, m4), _mm256_slli_epi16(_mm256_and_si256(bitsH, m2), 4));
    qs[1] = _mm256_or_si256(_mm256_and_si256(bits2, m4), _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(bitsH, 2), m2), 4));
    qs[2] = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(bits1, 4), m4), _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(bitsH, 4), m2), 4));
    qs[3] = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(bits2, 4), m4), _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(bitsH, 6), m2), 4));
}

// Q6_K: Σ s·(q − 32)·a = Σ s·q·a − 32·Σ_j s_j·(Σ of the 16 a's of sub-block j). The first sum takes
// maddubs (q is unsigned 0..63) and madd with the scale; the second is one madd of the 16 scales with
// the activation block's bsums, per block rather than a second maddubs per 32 values (a third fewer
// multiplies). Both are exact integers, so only the split across the 8 lanes differs from llama.cpp's.
AVX2 static inline __m256i q6_K_offset_term(__m256i sc16, const int16_t *bsums) {
    return _mm256_slli_epi32(_mm256_madd_epi16(sc16, _mm256_loadu_si256((const __m256i *)bsums)), 5);
}

// The madd operand for chunk k of a half whose 8 scales (as i16) fill both 128-bit lanes of `half`:
// scale 2k in lanes 0–7 (elements 0–15 of the chunk), scale 2k + 1 in lanes 8–15 (elements 16–31).
AVX2 static inline __m256i q6_K_chunk_scale(__m256i half, int k) {
    const short lo = (short)(((4 * k + 1) << 8) | (4 * k)), hi = (short)(((4 * k + 3) << 8) | (4 * k + 2));
    return _mm256_shuffle_epi8(half, _mm256_set_m128i(_mm_set1_epi16(hi), _mm_set1_epi16(lo)));
}

AVX2 float ck_dot_q6_K_q8_K_avx2(int64_t n, const void *vx, const void *vy) {
    const ck_block_q6_K *x = vx;
    const ck_block_q8_K *y = vy;
    __m256 acc = _mm256_setzero_ps();
    for (int64_t i = 0; i < n / CK_QK_K; i++) {
        const float d = f16_to_f32(x[i].d) * y[i].d;
        const uint8_t *ql = x[i].ql, *qh = x[i].qh;
        const int8_t *a = y[i].qs, *sc = x[i].scales;
        const __m256i sc16 = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)sc));
        __m256i sumi = _mm256_sub_epi32(_mm256_setzero_si256(), q6_K_offset_term(sc16, y[i].bsums));
        for (int h = 0; h < 2; h++, ql += 64, qh += 32, a += 128) {
            __m256i qs[4];
            unpack_q6_K_half(ql, qh, qs);
            const __m256i half = h ? _mm256_permute2x128_si256(sc16, sc16, 0x11) : _mm256_permute2x128_si256(sc16, sc16, 0x00);
            for (int k = 0; k < 4; k++) {
                const __m256i a8 = _mm256_loadu_si256((const __m256i *)(a + 32 * k));
                sumi = _mm256_add_epi32(sumi, _mm256_madd_epi16(q6_K_chunk_scale(half, k), _mm256_maddubs_epi16(qs[k], a8)));
            }
        }
        acc = _mm256_fmadd_ps(_mm256_set1_ps(d), _mm256_cvtepi32_ps(sumi), acc);
    }
    return hsum_float_8(acc);
}

// ---- two to four activation rows at once -------------------------------------------------------------
// The weight block is loaded and unpacked once for R = 2…4 activation rows (verification batches), and
// each row's sums are formed by exactly the operations, in exactly the order, of the one-row kernel
// above: out[r] is bitwise what the one-row kernel gives for row r, so a row's result never depends
// on the batch it is in (tests check this bitwise).

__attribute__((always_inline)) AVX2 static inline void dot_q45_K_rows_avx2(int64_t n, const uint8_t *xb, size_t stride, const int five,
                                                                            const int R, const void *const yv[], float out[]) {
    const ck_block_q8_K *y[4];
    __m256 acc[4];
    __m128 acc_m[4];
    for (int r = 0; r < R; r++) { y[r] = yv[r]; acc[r] = _mm256_setzero_ps(); acc_m[r] = _mm_setzero_ps(); }
    for (int64_t i = 0; i < n / CK_QK_K; i++) {
        const ck_block_q4_K *x4 = (const void *)(xb + i * stride);
        const ck_block_q5_K *x5 = (const void *)(xb + i * stride);
        const uint8_t *q = five ? x5->qs : x4->qs;
        const float xd = f16_to_f32(five ? x5->d : x4->d), xdmin = f16_to_f32(five ? x5->dmin : x4->dmin);
        uint32_t utmp[4];
        unpack_scales_k4(five ? x5->scales : x4->scales, utmp);
        const __m256i mins_and_scales = _mm256_cvtepu8_epi16(_mm_set_epi32((int)utmp[3], (int)utmp[2], (int)utmp[1], (int)utmp[0]));
        const __m128i mins = _mm256_extracti128_si256(mins_and_scales, 1);
        for (int r = 0; r < R; r++) {
            const __m256i q8sums = _mm256_loadu_si256((const __m256i *)y[r][i].bsums);
            const __m128i q8s = _mm_hadd_epi16(_mm256_extracti128_si256(q8sums, 0), _mm256_extracti128_si256(q8sums, 1));
            const float dmin = -y[r][i].d * xdmin;
            acc_m[r] = _mm_fmadd_ps(_mm_set1_ps(dmin), _mm_cvtepi32_ps(_mm_madd_epi16(mins, q8s)), acc_m[r]);
        }
        const __m128i sc128 = _mm256_extracti128_si256(mins_and_scales, 0);
        const __m256i scales = _mm256_set_m128i(sc128, sc128);
        const __m256i hbits = five ? _mm256_loadu_si256((const __m256i *)x5->qh) : _mm256_setzero_si256();
        __m256i sumi[4] = {_mm256_setzero_si256(), _mm256_setzero_si256(), _mm256_setzero_si256(), _mm256_setzero_si256()};
        for (int c = 0; c < 4; c++, q += 32) {
            __m256i lo, hi;
            unpack_q45_K_chunk(q, hbits, c, five, &lo, &hi);
            const __m256i scale_l = _mm256_shuffle_epi8(scales, broadcast_lane(2 * c));
            const __m256i scale_h = _mm256_shuffle_epi8(scales, broadcast_lane(2 * c + 1));
            for (int r = 0; r < R; r++) {
                const int8_t *a = y[r][i].qs + 64 * c;
                const __m256i plo = _mm256_madd_epi16(scale_l, _mm256_maddubs_epi16(lo, _mm256_loadu_si256((const __m256i *)a)));
                const __m256i phi = _mm256_madd_epi16(scale_h, _mm256_maddubs_epi16(hi, _mm256_loadu_si256((const __m256i *)(a + 32))));
                sumi[r] = _mm256_add_epi32(sumi[r], _mm256_add_epi32(plo, phi));
            }
        }
        for (int r = 0; r < R; r++) {
            const float d = y[r][i].d * xd;
            acc[r] = _mm256_fmadd_ps(_mm256_set1_ps(d), _mm256_cvtepi32_ps(sumi[r]), acc[r]);
        }
    }
    for (int r = 0; r < R; r++) {
        __m128 m = _mm_add_ps(acc_m[r], _mm_movehl_ps(acc_m[r], acc_m[r]));
        m = _mm_add_ss(m, _mm_movehdup_ps(m));
        out[r] = hsum_float_8(acc[r]) + _mm_cvtss_f32(m);
    }
}

#define ROWS_VARIANTS(name, call)                                                                          \
    AVX2 void name##_x2_avx2(int64_t n, const void *x, const void *const y[], float out[]) { call(2); } \
    AVX2 void name##_x3_avx2(int64_t n, const void *x, const void *const y[], float out[]) { call(3); } \
    AVX2 void name##_x4_avx2(int64_t n, const void *x, const void *const y[], float out[]) { call(4); }
#define Q4_K_ROWS(R) dot_q45_K_rows_avx2(n, x, sizeof(ck_block_q4_K), 0, R, y, out)
#define Q5_K_ROWS(R) dot_q45_K_rows_avx2(n, x, sizeof(ck_block_q5_K), 1, R, y, out)
ROWS_VARIANTS(ck_dot_q4_K_q8_K, Q4_K_ROWS)
ROWS_VARIANTS(ck_dot_q5_K_q8_K, Q5_K_ROWS)

__attribute__((always_inline)) AVX2 static inline void dot_q6_K_rows_avx2(int64_t n, const void *vx, const int R, const void *const yv[], float out[]) {
    const ck_block_q6_K *x = vx;
    const ck_block_q8_K *y[4];
    __m256 acc[4];
    for (int r = 0; r < R; r++) { y[r] = yv[r]; acc[r] = _mm256_setzero_ps(); }
    for (int64_t i = 0; i < n / CK_QK_K; i++) {
        const float xd = f16_to_f32(x[i].d);
        const uint8_t *ql = x[i].ql, *qh = x[i].qh;
        const int8_t *sc = x[i].scales;
        const __m256i sc16 = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)sc));
        __m256i sumi[4];
        for (int r = 0; r < R; r++) sumi[r] = _mm256_sub_epi32(_mm256_setzero_si256(), q6_K_offset_term(sc16, y[r][i].bsums));
        for (int h = 0; h < 2; h++, ql += 64, qh += 32) {
            __m256i qs[4];
            unpack_q6_K_half(ql, qh, qs);
            const __m256i half = h ? _mm256_permute2x128_si256(sc16, sc16, 0x11) : _mm256_permute2x128_si256(sc16, sc16, 0x00);
            for (int k = 0; k < 4; k++) {
                const __m256i scale = q6_K_chunk_scale(half, k);
                for (int r = 0; r < R; r++) {
                    const __m256i a8 = _mm256_loadu_si256((const __m256i *)(y[r][i].qs + 128 * h + 32 * k));
                    sumi[r] = _mm256_add_epi32(sumi[r], _mm256_madd_epi16(scale, _mm256_maddubs_epi16(qs[k], a8)));
                }
            }
        }
        for (int r = 0; r < R; r++) {
            const float d = xd * y[r][i].d;
            acc[r] = _mm256_fmadd_ps(_mm256_set1_ps(d), _mm256_cvtepi32_ps(sumi[r]), acc[r]);
        }
    }
    for (int r = 0; r < R; r++) out[r] = hsum_float_8(acc[r]);
}

#define Q6_K_ROWS(R) dot_q6_K_rows_avx2(n, x, R, y, out)
ROWS_VARIANTS(ck_dot_q6_K_q8_K, Q6_K_ROWS)

// Q4_0 / Q5_0 / Q8_0 weights against R Q8_0 rows: the signed weight bytes and |w| are formed once.
__attribute__((always_inline)) AVX2 static inline void dot_q_0_rows_avx2(int64_t n, const void *vx, const int kind, const int R,
                                                                        const void *const yv[], float out[]) {
    const ck_block_q8_0 *y[4];
    __m256 acc[4];
    for (int r = 0; r < R; r++) { y[r] = yv[r]; acc[r] = _mm256_setzero_ps(); }
    for (int64_t i = 0; i < n / CK_QK; i++) {
        __m256i qx;
        float xd;
        if (kind == 4) {
            const ck_block_q4_0 *x = (const ck_block_q4_0 *)vx + i;
            xd = f16_to_f32(x->d);
            qx = _mm256_sub_epi8(bytes_from_nibbles_32(x->qs), _mm256_set1_epi8(8));
        } else if (kind == 5) {
            const ck_block_q5_0 *x = (const ck_block_q5_0 *)vx + i;
            xd = f16_to_f32(x->d);
            qx = _mm256_or_si256(bytes_from_nibbles_32(x->qs), _mm256_andnot_si256(bytes_from_bits_32(x->qh), _mm256_set1_epi8((char)0xF0)));
        } else {
            const ck_block_q8_0 *x = (const ck_block_q8_0 *)vx + i;
            xd = f16_to_f32(x->d);
            qx = _mm256_loadu_si256((const __m256i *)x->qs);
        }
        const __m256i ax = _mm256_sign_epi8(qx, qx);   // as mul_sum_i8_pairs_float, split at the row
        for (int r = 0; r < R; r++) {
            const __m256 d = _mm256_set1_ps(xd * f16_to_f32(y[r][i].d));
            const __m256i sy = _mm256_sign_epi8(_mm256_loadu_si256((const __m256i *)y[r][i].qs), qx);
            const __m256i dot = _mm256_madd_epi16(_mm256_maddubs_epi16(ax, sy), _mm256_set1_epi16(1));
            acc[r] = _mm256_fmadd_ps(d, _mm256_cvtepi32_ps(dot), acc[r]);
        }
    }
    for (int r = 0; r < R; r++) out[r] = hsum_float_8(acc[r]);
}

#define Q4_0_ROWS(R) dot_q_0_rows_avx2(n, x, 4, R, y, out)
#define Q5_0_ROWS(R) dot_q_0_rows_avx2(n, x, 5, R, y, out)
#define Q8_0_ROWS(R) dot_q_0_rows_avx2(n, x, 8, R, y, out)
ROWS_VARIANTS(ck_dot_q4_0_q8_0, Q4_0_ROWS)
ROWS_VARIANTS(ck_dot_q5_0_q8_0, Q5_0_ROWS)
ROWS_VARIANTS(ck_dot_q8_0_q8_0, Q8_0_ROWS)

// Attention's weighted sum of value rows, 64 output elements (8 registers) at a time held in
// registers across all slots, instead of a load and a store of out[] per slot. mul then add, never
// FMA: each element sees exactly the reference's operations in its order. hd must be a multiple of 8.
AVX2 void ck_weighted_sum_avx2(int n_kv, const uint8_t *visible, const float *p, const float *v, int64_t stride, int hd, float *out) {
    for (int d0 = 0; d0 < hd; d0 += 64) {
        const int regs = (hd - d0) >= 64 ? 8 : (hd - d0) / 8;
        __m256 acc[8];
        for (int i = 0; i < regs; i++) acc[i] = _mm256_loadu_ps(out + d0 + 8 * i);
        for (int s = 0; s < n_kv; s++) {
            if (!visible[s]) continue;
            const __m256 ps = _mm256_set1_ps(p[s]);
            const float *row = v + s * stride + d0;
            if (regs == 8) {  // the common case, unrolled so acc stays in registers
                for (int i = 0; i < 8; i++) acc[i] = _mm256_add_ps(acc[i], _mm256_mul_ps(ps, _mm256_loadu_ps(row + 8 * i)));
            } else {
                for (int i = 0; i < regs; i++) acc[i] = _mm256_add_ps(acc[i], _mm256_mul_ps(ps, _mm256_loadu_ps(row + 8 * i)));
            }
        }
        for (int i = 0; i < regs; i++) _mm256_storeu_ps(out + d0 + 8 * i, acc[i]);
    }
}

// Sum of n floats with eight independent accumulators: a read-bandwidth probe, not an exact sum.
AVX2 double ck_sum_f32_avx2(const float *x, int64_t n) {
    __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
    int64_t i = 0;
    for (; i + 32 <= n; i += 32) {
        a0 = _mm256_add_ps(a0, _mm256_loadu_ps(x + i));
        a1 = _mm256_add_ps(a1, _mm256_loadu_ps(x + i + 8));
        a2 = _mm256_add_ps(a2, _mm256_loadu_ps(x + i + 16));
        a3 = _mm256_add_ps(a3, _mm256_loadu_ps(x + i + 24));
    }
    double s = hsum_float_8(_mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3)));
    for (; i < n; i++) s += x[i];
    return s;
}
#endif
