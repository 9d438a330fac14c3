#!/usr/bin/env bash
# CMAKE_ARGS for building llama.cpp (through llama-cpp-python) for this CPU without -march=native.
# -march=native also turns on AMX where /proc/cpuinfo lists it, and on virtual machines that list AMX
# without granting its tile state, llama.cpp dies of an invalid opcode (tileloadd) at the first
# matrix product. So the features are named one by one from /proc/cpuinfo, AMX left out.
flags=$(grep -m1 '^flags' /proc/cpuinfo)
has() { [[ " $flags " == *" $1 "* ]]; }
args="-DGGML_NATIVE=OFF"
has avx && args+=" -DGGML_AVX=ON"
has avx2 && args+=" -DGGML_AVX2=ON"
has fma && args+=" -DGGML_FMA=ON"
has f16c && args+=" -DGGML_F16C=ON"
has bmi2 && args+=" -DGGML_BMI2=ON"
has avx_vnni && args+=" -DGGML_AVX_VNNI=ON"
if has avx512f && has avx512bw && has avx512dq && has avx512vl; then
  args+=" -DGGML_AVX512=ON"
  has avx512_vnni && args+=" -DGGML_AVX512_VNNI=ON"
  has avx512vbmi && args+=" -DGGML_AVX512_VBMI=ON"
  has avx512_bf16 && args+=" -DGGML_AVX512_BF16=ON"
fi
echo "$args"
