/*===- MfmaLayout.c - AMD MFMA instructions and their lane layouts --------===*
 *
 * One static table of the MFMA instructions, and one general formula for the
 * lane layouts of their operands (no per-instruction cases): every
 * instruction here is a single-block, K-reducing "xdlops" MFMA with an
 * M x N = 32x32 or 16x16 output and 16-bit or fp8 A/B, whose layout depends
 * only on m, n, a_per_lane and (gfx950's f8f6f4) `scaled`.
 *
 * Where the layouts come from (test/Unit/mfma-layout-test.c checks them
 * against literal tables transcribed from the same sources):
 *  - AMD Matrix Instruction Calculator, InstCalcGfx9 (__get_input_reg_lanes,
 *    __get_output_reg_lanes), https://github.com/ROCm/amd_matrix_instruction_calculator
 *    For a single-block instruction: A[i][k] is in lane (k / a_per_lane) * M + i,
 *    element k % a_per_lane (two 16-bit elements per VGPR, low half first);
 *    B[k][j] likewise with j for i; C[i][j] is in lane
 *    ((i / 4) % (64 / N)) * N + j, VGPR (i / (4 * 64 / N)) * 4 + i % 4.
 *  - composable_kernel, include/ck/tensor_operation/gpu/warp/xdlops_gemm.hpp
 *    (https://github.com/ROCm/composable_kernel; mfma_type<...>:
 *    num_threads_per_blk, num_input_blks, k_per_blk, group_size;
 *    CalculateAThreadOriginDataIndex and GetBeginOfThreadBlk). It gives the
 *    gfx950 double-K instructions k_per_blk = 8 with num_input_blks = 64 / M:
 *    each lane holds 8 CONSECUTIVE k, k = 8 * (lane / M) + e, the same general
 *    formula with a_per_lane = 8 (not two interleaved K = 8 halves).
 *  - Triton, lib/Dialect/TritonGPU/IR/LinearLayoutConversions.cpp
 *    (https://github.com/triton-lang/triton; AMDMfmaEncodingAttr::toLinearLayout,
 *    mfmaDotToLinearLayout: "Lane holds kWidth consecutive elements along k
 *    dimension"; kWidth = 8 feeds rocdl.mfma.f32.32x32x16.bf16 with
 *    vector<8xbf16> in its AMD lowering tests).
 *  - carlushuang/gcnasm matrix_core_gfx950/matrix_core.cc (AMD): a one-wave
 *    __builtin_amdgcn_mfma_f32_32x32x16_f16 loading A/B as fp16x8 from
 *    k = (lane / 32) * 8 and storing C[(lane / 32) * 4 + (e % 4) + (e / 4) * 8][lane % 32].
 *
 * Mnemonics are what llvm-mc-22 / llvm-objdump-22 print (--mcpu=gfx942 prints
 * v_mfma_f32_32x32x8bf16_1k as v_mfma_f32_32x32x8_bf16 and
 * v_mfma_f32_16x16x16bf16_1k as v_mfma_f32_16x16x16_bf16), and llc-22 selects
 * them from the ROCDL ops below. Cycles: 4 a pass; llvm-mca-22 (LLVM's
 * scheduling model) gives the 32x32 ones 8 passes and the 16x16 ones 4 on
 * gfx942 and gfx950 alike, which matches the peak dense f16 rates (MI300X:
 * 2048 FLOP/CU/clock, so 2*32*32*8 FLOP on one of 4 SIMDs takes 32 cycles;
 * MI355X: 4096, so 2*32*32*16 FLOP also takes 32).
 *
 *===----------------------------------------------------------------------===*/
#include "MfmaLayout.h"

#include <string.h>

enum { WAVE = 64 };

static const AttnMfmaInstr kInstrs[] = {
    /* gfx942 (CDNA3). bf16 is the "_1k" variant: A/B as vector<4xi16>. */
    {"v_mfma_f32_32x32x8_f16", "rocdl.mfma.f32.32x32x8f16", "gfx942", ATTN_MFMA_F16, 32, 32, 8, 4,
     16, false, 32, false},
    {"v_mfma_f32_32x32x8_bf16", "rocdl.mfma.f32.32x32x8bf16.1k", "gfx942", ATTN_MFMA_BF16, 32, 32,
     8, 4, 16, true, 32, false},
    {"v_mfma_f32_16x16x16_f16", "rocdl.mfma.f32.16x16x16f16", "gfx942", ATTN_MFMA_F16, 16, 16, 16,
     4, 4, false, 16, false},
    {"v_mfma_f32_16x16x16_bf16", "rocdl.mfma.f32.16x16x16bf16.1k", "gfx942", ATTN_MFMA_BF16, 16, 16,
     16, 4, 4, true, 16, false},
    /* gfx950 (CDNA4): double K at the same cycles; bf16 as vector<8xbf16>. */
    {"v_mfma_f32_32x32x16_f16", "rocdl.mfma.f32.32x32x16.f16", "gfx950", ATTN_MFMA_F16, 32, 32, 16,
     8, 16, false, 32, false},
    {"v_mfma_f32_32x32x16_bf16", "rocdl.mfma.f32.32x32x16.bf16", "gfx950", ATTN_MFMA_BF16, 32, 32,
     16, 8, 16, false, 32, false},
    {"v_mfma_f32_16x16x32_f16", "rocdl.mfma.f32.16x16x32.f16", "gfx950", ATTN_MFMA_F16, 16, 16, 32,
     8, 4, false, 16, false},
    {"v_mfma_f32_16x16x32_bf16", "rocdl.mfma.f32.16x16x32.bf16", "gfx950", ATTN_MFMA_BF16, 16, 16,
     32, 8, 4, false, 16, false},
    /* fp8 e4m3 (the chip's format): twice the 16-bit rate. gfx950 keeps these
     * and adds the f8f6f4 ones, 4x the K: 16 passes with fp8 operands (the
     * CDNA4 ISA; MI355X's dense fp8 peak is twice its f16 one), 8 with fp6/fp4,
     * which is the rate llvm-mca-22 models for them whatever the format. */
    {"v_mfma_f32_32x32x16_fp8_fp8", "rocdl.mfma.f32.32x32x16.fp8.fp8", "gfx942", ATTN_MFMA_FP8, 32,
     32, 16, 8, 16, false, 32, false},
    {"v_mfma_f32_16x16x32_fp8_fp8", "rocdl.mfma.f32.16x16x32.fp8.fp8", "gfx942", ATTN_MFMA_FP8, 16,
     16, 32, 8, 4, false, 16, false},
    {"v_mfma_f32_32x32x16_fp8_fp8", "rocdl.mfma.f32.32x32x16.fp8.fp8", "gfx950", ATTN_MFMA_FP8, 32,
     32, 16, 8, 16, false, 32, false},
    {"v_mfma_f32_16x16x32_fp8_fp8", "rocdl.mfma.f32.16x16x32.fp8.fp8", "gfx950", ATTN_MFMA_FP8, 16,
     16, 32, 8, 4, false, 16, false},
    {"v_mfma_f32_32x32x64_f8f6f4", "rocdl.mfma.scale.f32.32x32x64.f8f6f4", "gfx950", ATTN_MFMA_FP8,
     32, 32, 64, 32, 16, false, 64, true},
    {"v_mfma_f32_16x16x128_f8f6f4", "rocdl.mfma.scale.f32.16x16x128.f8f6f4", "gfx950",
     ATTN_MFMA_FP8, 16, 16, 128, 32, 4, false, 32, true},
};

enum { NUM_INSTRS = (int)(sizeof kInstrs / sizeof kInstrs[0]) };

/* `chip` names `name`, alone or as an LLVM target ID with features
 * ("gfx942:sramecc+:xnack-"). */
static bool chipMatches(const char *chip, const char *name) {
  size_t n = strlen(name);
  return strncmp(chip, name, n) == 0 && (chip[n] == '\0' || chip[n] == ':');
}

const AttnMfmaInstr *attnMfmaSelectDividing(const char *chip, AttnMfmaElem elem, int m,
                                            long long kDim) {
  if (!chip)
    return NULL;
  const AttnMfmaInstr *best = NULL;
  for (int i = 0; i < NUM_INSTRS; ++i) {
    const AttnMfmaInstr *in = &kInstrs[i];
    if (in->elem == elem && in->m == m && in->n == m && chipMatches(chip, in->chip) &&
        kDim % in->k == 0 && (!best || in->k > best->k))
      best = in;
  }
  return best;
}

const AttnMfmaInstr *attnMfmaSelect(const char *chip, AttnMfmaElem elem, int m) {
  return attnMfmaSelectDividing(chip, elem, m, 0);
}

int attnMfmaCount(void) { return NUM_INSTRS; }

const AttnMfmaInstr *attnMfmaAt(int i) { return i >= 0 && i < NUM_INSTRS ? &kInstrs[i] : NULL; }

/* Out-of-range arguments give -1 coordinates. */
static bool inRange(const AttnMfmaInstr *in, int lane, int e, int perLane) {
  return in && lane >= 0 && lane < WAVE && e >= 0 && e < perLane;
}

/* A and B: the 64 lanes are 64 / rows groups of `rows` lanes, one row (A) or
 * column (B) a lane; group g holds k in [g * a_per_lane, (g + 1) * a_per_lane),
 * consecutive along the lane's elements. The f8f6f4 instructions' 32 bytes
 * are two runs of 16 k, the groups' first runs before their second ones
 * (the CDNA4 ISA's fp8 operand layout; AMD's matrix-core examples load A as
 * row * 64 + (lane / 32) * 16 + i * 32 + j, i < 2, j < 16, for 32x32x64). */
static int kOf(const AttnMfmaInstr *in, int group, int e) {
  if (!in->scaled)
    return group * in->a_per_lane + e;
  return group * 16 + (e / 16) * 16 * (WAVE / in->m) + e % 16;
}

void attnMfmaA(const AttnMfmaInstr *in, int lane, int e, int *row, int *k) {
  if (!inRange(in, lane, e, in ? in->a_per_lane : 0)) {
    *row = *k = -1;
    return;
  }
  *row = lane % in->m;
  *k = kOf(in, lane / in->m, e);
}

void attnMfmaB(const AttnMfmaInstr *in, int lane, int e, int *k, int *col) {
  if (!inRange(in, lane, e, in ? in->a_per_lane : 0)) {
    *k = *col = -1;
    return;
  }
  *col = lane % in->n;
  *k = kOf(in, lane / in->n, e);
}

/* C/D: column lane % N. Elements come in groups of 4 consecutive rows; the
 * 64 / N lane groups take successive groups of 4 rows, then element group
 * e / 4 moves down by 4 * 64 / N rows (32x32: 8 * (e / 4) + 4 * (lane / 32) +
 * e % 4; 16x16: 4 * (lane / 16) + e). */
void attnMfmaC(const AttnMfmaInstr *in, int lane, int e, int *row, int *col) {
  if (!inRange(in, lane, e, in ? in->c_per_lane : 0)) {
    *row = *col = -1;
    return;
  }
  int laneGroups = WAVE / in->n;
  *col = lane % in->n;
  *row = (e / 4) * (4 * laneGroups) + 4 * (lane / in->n) + e % 4;
}
