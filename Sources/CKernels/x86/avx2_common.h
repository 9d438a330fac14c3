// Helpers shared by the AVX2 kernel files (static inline: each file gets its own copy).
#ifndef CK_AVX2_COMMON_H
#define CK_AVX2_COMMON_H
#include <immintrin.h>
#include <stdint.h>
#include <string.h>

#define AVX2 __attribute__((target("avx2,fma,f16c")))

// f16 → f32 for a block scale. _cvtsh_ss compiles to vpinsrw into whatever register the compiler
// picks, often the loop's accumulator: every block then waits for the previous block's FMA, and the
// Q8_0 dot product ran at half speed (4.4 → 2.2 ns a block measured). vmovd from a general register
// zero-extends, so each conversion stands alone; the asm keeps the compiler from folding it back.
AVX2 static inline float f16_to_f32(uint16_t h) {
    __m128i v;
    __asm__("vmovd %1, %0" : "=x"(v) : "r"((uint32_t)h));
    return _mm_cvtss_f32(_mm_cvtph_ps(v));
}

// The 8 lanes' sum: ((x0 + x4) + (x2 + x6)) + ((x1 + x5) + (x3 + x7)). ck_dot_f32_avx2 ends with it, and
// attention_avx512.c repeats this tree four keys at a time.
AVX2 static inline float hsum_float_8(__m256 x) {
    __m128 res = _mm256_extractf128_ps(x, 1);
    res = _mm_add_ps(res, _mm256_castps256_ps128(x));
    res = _mm_add_ps(res, _mm_movehl_ps(res, res));
    res = _mm_add_ss(res, _mm_movehdup_ps(res));
    return _mm_cvtss_f32(res);
}

// 32 bits → 32 bytes, 0xFF where the bit is set.
AVX2 static inline __m256i bytes_from_bits_32(const uint8_t *x) {
    uint32_t x32;
    memcpy(&x32, x, 4);
    const __m256i shuf = _mm256_set_epi64x(0x0303030303030303, 0x0202020202020202, 0x0101010101010101, 0x0000000000000000);
    __m256i bytes = _mm256_shuffle_epi8(_mm256_set1_epi32((int)x32), shuf);
    bytes = _mm256_or_si256(bytes, _mm256_set1_epi64x(0x7fbfdfeff7fbfdfe));  // leave only bit (i mod 8) unknown
    return _mm256_cmpeq_epi8(bytes, _mm256_set1_epi64x(-1));
}

// 4 activation bytes in every 32-bit lane (one for each of the 8 rows of a repacked group).
AVX2 static inline __m256i broadcast4(const int8_t *a) {
    int32_t v;
    memcpy(&v, a, 4);
    return _mm256_set1_epi32(v);
}

// Σ of 32 signed bytes: sad sums unsigned bytes in 4 groups of 8, so the bytes are offset by 128 first.
AVX2 static inline int32_t sum_i8_32(const int8_t *a) {
    const __m256i v = _mm256_xor_si256(_mm256_loadu_si256((const __m256i *)a), _mm256_set1_epi8((char)0x80));
    const __m256i s = _mm256_sad_epu8(v, _mm256_setzero_si256());
    const __m128i t = _mm_add_epi64(_mm256_castsi256_si128(s), _mm256_extracti128_si256(s, 1));
    return (int32_t)(_mm_cvtsi128_si64(t) + _mm_extract_epi64(t, 1)) - 32 * 128;
}

// The same sad, the two sums of 16: bytes 0–15 and 16–31 of a (Q8_K's bsums, two at a time).
AVX2 static inline void sum_i8_16x2(const int8_t *a, int16_t out[2]) {
    const __m256i v = _mm256_xor_si256(_mm256_loadu_si256((const __m256i *)a), _mm256_set1_epi8((char)0x80));
    const __m256i s = _mm256_sad_epu8(v, _mm256_setzero_si256());  // 4 sums of 8, one per 64-bit lane
    const __m128i lo = _mm256_castsi256_si128(s), hi = _mm256_extracti128_si256(s, 1);
    out[0] = (int16_t)(_mm_cvtsi128_si64(lo) + _mm_extract_epi64(lo, 1) - 16 * 128);
    out[1] = (int16_t)(_mm_cvtsi128_si64(hi) + _mm_extract_epi64(hi, 1) - 16 * 128);
}

#endif
