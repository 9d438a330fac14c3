// The exponential that SwiGLU and attention's softmax use, as a polynomial whose SIMD versions can repeat
// it bit for bit (libm's expf cannot be vectorised with the same results), and the scalar references of
// SwiGLU and of the softmax built on it.
#include <math.h>
#include <string.h>
#include "ckernels.h"

// Cody–Waite range reduction and Cephes' degree-5 minimax polynomial for e^r on |r| ≤ ln2/2 (the
// constants of Cephes' expf): within 2 ulp of the true exponential (tested against libm's expf).
//   x = n·ln2 + r,  n = round-half-even(x·log2 e),  ln2 = C1 + C2 (C1 has few bits: n·C1 is exact)
//   e^r ≈ 1 + r + r²·P(r),  e^x = e^r · 2^n, 2^n built from the exponent bits.
// x is clamped to [−87, 88] first, so 2^n stays a normal float (n ∈ −126 … 127) and the result finite:
// SwiGLU then gives −0-like values (x / 1.6e38) for gates below −88 instead of exactly 0.
const float CK_EXP_LO = -87.0f, CK_EXP_HI = 88.0f, CK_LOG2E = 1.44269504088896341f;
const float CK_LN2_HI = 0.693359375f, CK_LN2_LO = -2.12194440e-4f;
const float CK_EXP_P[6] = {1.9875691500e-4f, 1.3981999507e-3f, 8.3334519073e-3f, 4.1665795894e-2f, 1.6666665459e-1f, 5.0000001201e-1f};

float ck_exp_ref(float x) {
    x = fminf(fmaxf(x, CK_EXP_LO), CK_EXP_HI);
    const float n = rintf(x * CK_LOG2E);  // the default rounding mode: half to even, as vroundps
    float r = fmaf(n, -CK_LN2_HI, x);
    r = fmaf(n, -CK_LN2_LO, r);
    float p = CK_EXP_P[0];
    for (int i = 1; i < 6; i++) p = fmaf(p, r, CK_EXP_P[i]);
    const float r2 = r * r;
    const float er = fmaf(p, r2, r) + 1.0f;
    const int32_t bits = ((int32_t)n + 127) << 23;
    float scale;
    memcpy(&scale, &bits, 4);
    return er * scale;
}

void ck_swiglu_ref(const float *g, const float *u, float *y, int64_t n) {
    for (int64_t i = 0; i < n; i++) y[i] = g[i] / (1.0f + ck_exp_ref(-g[i])) * u[i];
}

// The exponentials go to eight running sums in double, slot s to sum s mod 8, so that SIMD can keep
// them in two registers; the eight are added in one fixed order. (One sum in slot order made each
// addition wait on the one before, and libm's expf could not be vectorised: at 16 query rows these took
// ~25% of the 1.5B's attention.)
void ck_softmax_visible_ref(float *scores, const uint8_t *visible, int n_kv, float max) {
    double lane[8] = {0};
    for (int s = 0; s < n_kv; s++) {
        if (!visible[s]) continue;
        scores[s] = ck_exp_ref(scores[s] - max);
        lane[s % 8] += scores[s];
    }
    const double sum = ((lane[0] + lane[4]) + (lane[2] + lane[6])) + ((lane[1] + lane[5]) + (lane[3] + lane[7]));
    const float inv = sum > 0.0 ? (float)(1.0 / sum) : 0.0f;
    for (int s = 0; s < n_kv; s++)
        if (visible[s]) scores[s] *= inv;
}
