// Block layouts of the ggml quantization formats, byte for byte (see shared/notes/gguf-and-models.md §2).
// One source of truth for the scalar reference and the SIMD kernels.
#ifndef CK_BLOCKS_H
#define CK_BLOCKS_H
#include <stdint.h>
#include <string.h>

#define CK_QK 32     // elements per block of the legacy formats (Q4_0, Q5_0, Q8_0)
#define CK_QK_K 256  // elements per super-block of the K-quants

typedef uint16_t ck_fp16;  // IEEE binary16 bits
typedef uint16_t ck_bf16;  // bfloat16 bits

typedef struct { ck_fp16 d; uint8_t qs[CK_QK / 2]; } ck_block_q4_0;               // 18 B
typedef struct { ck_fp16 d; uint8_t qh[4]; uint8_t qs[CK_QK / 2]; } ck_block_q5_0; // 22 B
typedef struct { ck_fp16 d; int8_t qs[CK_QK]; } ck_block_q8_0;                     // 34 B
typedef struct { ck_fp16 d, dmin; uint8_t scales[12]; uint8_t qs[CK_QK_K / 2]; } ck_block_q4_K;                    // 144 B
typedef struct { ck_fp16 d, dmin; uint8_t scales[12]; uint8_t qh[CK_QK_K / 8]; uint8_t qs[CK_QK_K / 2]; } ck_block_q5_K; // 176 B
typedef struct { uint8_t ql[CK_QK_K / 2]; uint8_t qh[CK_QK_K / 4]; int8_t scales[CK_QK_K / 16]; ck_fp16 d; } ck_block_q6_K; // 210 B
// Activations only: 8-bit values per 256 with an f32 scale and sums of each 16 (for the K-quant min terms).
typedef struct { float d; int8_t qs[CK_QK_K]; int16_t bsums[CK_QK_K / 16]; } ck_block_q8_K;                     // 292 B
// What the 512-bit K-quant kernels read besides the blocks, one per Q8_K block, stored after a row's
// blocks (ck_quantize_activation_row): computed once per activation row instead of once per 16 weight rows.
typedef struct {
    int32_t pairs[4];    // Q4_K's min terms' operands: (bsums 4p + 4p+1) | (bsums 4p+2 + 4p+3) << 16, 16 bits each
    int32_t off6[32];    // Q6_K's offset: −32 · Σ of values 8k … 8k + 7 (a chain's starting value)
} ck_q8_K_sums;                                                                                                   // 144 B

// What the 512-bit Q5_0 and Q8_0 kernels read besides the blocks, one per Q8_0 block, stored after a
// row's blocks (ck_quantize_activation_row): the offsets' terms, a broadcast load each instead of a
// byte sum per block and row (~7 vector µops at the kernels' one-row decode step).
typedef struct {
    int32_t off16;   // −16 · Σ a (Q5_0: values stored + 16)
    int32_t off128;  // −128 · Σ a (Q8_0 repacked: values stored + 128)
} ck_q8_0_sums;                                                                                                   // 8 B

// Repacked at load time, 8 rows per block (ref/repacked.c): the same block of 8 consecutive rows, the
// values regrouped so that 32 bytes hold 4 consecutive values of each of the 8 rows (bytes 4k … 4k + 3
// are row k's). Q4_K's scales and mins are unpacked to one byte each.
typedef struct {
    ck_fp16 d[8], dmin[8];   // per row
    uint8_t scales[8][8];    // [sub-block j][row k], 6 bits
    uint8_t mins[8][8];      // [sub-block j][row k], 6 bits
    uint8_t qs[8][4][32];    // [sub-block j][quad g][4k + v]: low nibble value 4g + v of sub-block j, high nibble 16 + 4g + v
} ck_block_q4_Kx8;                                                                                                 // 1184 B
typedef struct {
    ck_fp16 d[8];            // per row
    uint32_t qh[2][4];       // [half h][quad g]: bit 4k + v = row k's fifth bit of value 16h + 4g + v
    uint8_t qs[4][32];       // [quad g][4k + v]: low nibble value 4g + v, high nibble 16 + 4g + v
} ck_block_q5_0x8;                                                                                                 // 176 B
// Q6_K: chunk c (0…7) is the 32 values 32c … 32c + 31, sub-blocks 2c and 2c + 1 (16 values each).
typedef struct {
    ck_fp16 d[8];            // per row
    int8_t scales[16][8];    // [sub-block s][row k]
    uint8_t ql[8][4][32];    // [chunk c][quad g][4k + v]: low 4 bits of value 4g + v of chunk c in the low nibble, of 16 + 4g + v in the high
    uint8_t qh[4][4][32];    // [chunk pair p][quad g][4k + v]: top 2 bits of values 4g + v, 16 + 4g + v of chunk 2p, then the same of chunk 2p + 1, 2 bits each from bit 0
} ck_block_q6_Kx8;                                                                                                 // 1680 B
typedef struct {
    ck_fp16 d[8];            // per row
    uint8_t qs[8][32];       // [quad g][4k + v]: row k's value 4g + v + 128 (unsigned, for vpdpbusd / maddubs)
} ck_block_q8_0x8;                                                                                                 // 272 B

_Static_assert(sizeof(ck_block_q4_0) == 18, "q4_0");
_Static_assert(sizeof(ck_block_q5_0) == 22, "q5_0");
_Static_assert(sizeof(ck_block_q8_0) == 34, "q8_0");
_Static_assert(sizeof(ck_block_q4_K) == 144, "q4_K");
_Static_assert(sizeof(ck_block_q5_K) == 176, "q5_K");
_Static_assert(sizeof(ck_block_q6_K) == 210, "q6_K");
_Static_assert(sizeof(ck_block_q8_K) == 292, "q8_K");
_Static_assert(sizeof(ck_q8_K_sums) == 144, "q8_K sums");
_Static_assert(sizeof(ck_q8_0_sums) == 8, "q8_0 sums");

// ggml_type ids of the formats the engine computes with.
enum {
    CK_F32 = 0, CK_F16 = 1, CK_Q4_0 = 2, CK_Q5_0 = 6, CK_Q8_0 = 8,
    CK_Q4_K = 12, CK_Q5_K = 13, CK_Q6_K = 14, CK_Q8_K = 15, CK_BF16 = 30,
    CK_Q5_0_X8 = 1006, CK_Q8_0_X8 = 1008, CK_Q4_K_X8 = 1012, CK_Q6_K_X8 = 1014,  // not ggml types: repacked in groups of 8 rows
};

// Exact binary16 → binary32 (normals, subnormals, infinities, NaN).
static inline float ck_fp16_to_fp32(ck_fp16 h) {
    uint32_t sign = (uint32_t)(h & 0x8000) << 16, exp = (h >> 10) & 0x1f, mant = h & 0x3ff, bits;
    if (exp == 0) {
        if (mant == 0) {
            bits = sign;
        } else {  // subnormal: shift the mantissa up until its leading 1 is the implicit bit
            int e = -1;
            do { e++; mant <<= 1; } while (!(mant & 0x400));
            bits = sign | ((uint32_t)(127 - 15 - e) << 23) | ((mant & 0x3ff) << 13);
        }
    } else if (exp == 31) {
        bits = sign | 0x7f800000 | (mant << 13);
    } else {
        bits = sign | ((exp + 112) << 23) | (mant << 13);
    }
    float f;
    memcpy(&f, &bits, 4);
    return f;
}

static inline float ck_bf16_to_fp32(ck_bf16 h) {
    uint32_t bits = (uint32_t)h << 16;
    float f;
    memcpy(&f, &bits, 4);
    return f;
}

// binary32 → binary16, round to nearest even (the FP16 library's branch-free method, as ggml uses).
float ck_fp32_to_fp16_float(float f);  // the rounded value, back as f32
ck_fp16 ck_fp32_to_fp16(float f);

// Q4_K / Q5_K: the 6-bit scale and min of sub-block j (0..7), packed in 12 bytes.
static inline void ck_scale_min_k4(int j, const uint8_t *q, uint8_t *sc, uint8_t *m) {
    if (j < 4) {
        *sc = q[j] & 63;
        *m = q[j + 4] & 63;
    } else {
        *sc = (q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4);
        *m = (q[j + 4] >> 4) | ((q[j] >> 6) << 4);
    }
}
#endif
