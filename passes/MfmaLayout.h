/*===- MfmaLayout.h - AMD MFMA instructions and their lane layouts -*- C -*-===*
 *
 * The one table of the MFMA instructions attn-lower-amdgpu emits, and the
 * register layouts of their operands on a wave of 64 lanes. MLIR-free, so the
 * unit test (test/Unit/mfma-layout-test.c) checks it against AMD's documented
 * layouts without a compiler in the loop.
 *
 * An instruction computes D[M x N] = A[M x K] * B[K x N] + C[M x N] (f32 C/D,
 * f16, bf16 or fp8 e4m3 A/B: the chip's own e4m3, FNUZ on gfx942, OCP on
 * gfx950), one block. Per lane it holds `a_per_lane` elements of A
 * (== of B) and `c_per_lane` of C/D; the functions below say which.
 *
 *===----------------------------------------------------------------------===*/
#ifndef ATTN_MFMA_LAYOUT_H
#define ATTN_MFMA_LAYOUT_H

#include <stdbool.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum AttnMfmaElem { ATTN_MFMA_F16, ATTN_MFMA_BF16, ATTN_MFMA_FP8 } AttnMfmaElem;

typedef struct AttnMfmaInstr {
  const char *isa;   /* assembly mnemonic, e.g. "v_mfma_f32_32x32x8_f16" */
  const char *rocdl; /* ROCDL op name, e.g. "rocdl.mfma.f32.32x32x8f16" */
  const char *chip;  /* "gfx942" | "gfx950" */
  AttnMfmaElem elem;
  int m, n, k;    /* block shape: M x N output, K reduction */
  int a_per_lane; /* A (and B) elements per lane: M*K/64 */
  int c_per_lane; /* C/D elements per lane: M*N/64 */
  bool ab_as_i16; /* A/B operands are passed as vector<a_per_lane x i16> (gfx942 bf16_1k) */
  int cycles;     /* cycles per instruction, 4 a pass (32 = 8 passes), for reports */
  /* fp8 only. Operands are the lane's a_per_lane bytes as i64 (8) or
   * vector<8xi32> (32). `scaled`: gfx950's f8f6f4 instruction, reached
   * through its block-scaled ROCDL op with A/B format 0 (e4m3) and zero
   * scale operands, which LLVM selects as the unscaled instruction (as
   * MLIR's amdgpu.mfma lowering does). */
  bool scaled;
} AttnMfmaInstr;

/* The instruction for `chip` and `elem` with an M x M output block (m = 32 or
 * 16), the one with the largest K, or null when there is none. `chip` may carry
 * LLVM target-ID features ("gfx942:sramecc+:xnack-"). */
const AttnMfmaInstr *attnMfmaSelect(const char *chip, AttnMfmaElem elem, int m);

/* As attnMfmaSelect, the largest K that divides `kDim` (a reduction of kDim
 * elements in whole instructions), or null. */
const AttnMfmaInstr *attnMfmaSelectDividing(const char *chip, AttnMfmaElem elem, int m,
                                            long long kDim);

/* Every instruction in the table (for tests and reports). */
int attnMfmaCount(void);
const AttnMfmaInstr *attnMfmaAt(int i);

/* Lane layouts, lane in [0, 64), e in [0, a_per_lane) or [0, c_per_lane)
 * (outside these both coordinates are -1).
 * A: element e of `lane` is A[*row][*k]. B: element e of `lane` is
 * B[*k][*col]. C/D: element e of `lane` is C[*row][*col].
 * A/B: lane holds row (A) / column (B) lane % M and the a_per_lane
 * consecutive k from (lane / M) * a_per_lane (also on gfx950's double-K
 * instructions: 8 consecutive k); gfx950's f8f6f4 instructions (32 bytes a
 * lane) hold two runs of 16: k = 16 * (lane / M) + 16 * (64 / M) * (e / 16) +
 * e % 16. C/D: column lane % N, row
 * (e / 4) * (4 * 64 / N) + 4 * (lane / N) + e % 4. Sources in MfmaLayout.c. */
void attnMfmaA(const AttnMfmaInstr *in, int lane, int e, int *row, int *k);
void attnMfmaB(const AttnMfmaInstr *in, int lane, int e, int *k, int *col);
void attnMfmaC(const AttnMfmaInstr *in, int lane, int e, int *row, int *col);

#ifdef __cplusplus
}
#endif

#endif /* ATTN_MFMA_LAYOUT_H */
