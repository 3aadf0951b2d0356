/* Unit test of passes/MfmaLayout: the MFMA instruction table and the wave64
 * lane layouts of A, B and C/D, checked against literal tables transcribed
 * from AMD's documentation rather than against the implementation's formula.
 * Build and run from the repository root:
 *   gcc -std=c11 -Wall -Wextra -Werror -O2 -Ipasses \
 *     test/Unit/mfma-layout-test.c passes/MfmaLayout.c && ./a.out
 * `./a.out --list` prints the instruction table for Inputs/mfma-isa-check.py, which checks
 * each row against LLVM's AMDGPU assembler, scheduling model and instruction selection.
 *
 * Sources of the literal tables below:
 *  - AMD Matrix Instruction Calculator (https://github.com/ROCm/amd_matrix_instruction_calculator,
 *    matrix_calculator.py), whose `--register-layout` notation is used here: A[i][k] =
 *    V<vgpr>{<lane>}.[15:0] or .[31:16] (half 0 or 1), B[k][j] likewise, C[i][j] =
 *    V<vgpr>{<lane>}. The entries were generated (off line, by a script) from its gfx9 rule,
 *    element -> register (InstCalcGfx9.__get_input_reg_lanes / __get_output_reg_lanes), for
 *    v_mfma_f32_32x32x8f16, 32x32x8bf16_1k, 16x16x16f16 and 16x16x16bf16_1k (CDNA2 entries
 *    there; CDNA3 keeps these instructions and layouts):
 *      A[i][k]: lane = (k / kpl) * M + i, slot k % kpl, kpl = K * M / 64 (2 slots a VGPR);
 *      C[i][j]: lane = ((i / 4) % (64 / N)) * N + j, VGPR = (i / (4 * 64 / N)) * 4 + i % 4.
 *  - gfx950 (CDNA4) double-K v_mfma_f32_32x32x16_{f16,bf16}, v_mfma_f32_16x16x32_{f16,bf16}:
 *    the same rule with kpl = 8, i.e. each lane holds 8 CONSECUTIVE k (lanes 0-31 of a
 *    32x32x16 hold k 0-7, lanes 32-63 k 8-15), as in
 *    - composable_kernel include/ck/tensor_operation/gpu/warp/xdlops_gemm.hpp
 *      (https://github.com/ROCm/composable_kernel; mfma_type<mfma_f32_32x32x16f16>:
 *      k_per_blk = 8, num_input_blks = 2, is_k_reduction),
 *    - AMD's one-wave 32x32x16 example, matrix_core_gfx950/matrix_core.cc of
 *      https://github.com/carlushuang/gcnasm ("L0~31 k0..k7, L32~63 k8..k15";
 *      C row = (lane / 32) * 4 + e % 4 + (e / 4) * 8),
 *    - Triton's dot-operand layout (kWidth = 8 consecutive k feeding
 *      rocdl.mfma.f32.32x32x16.bf16).
 * The f16 and bf16 instructions of one shape share a layout (both 16-bit A/B). */
#include "MfmaLayout.h"

#include <stdio.h>
#include <string.h>

static int failures = 0;
static int checks = 0;

#define CHECK(cond, ...)                                                                           \
  do {                                                                                             \
    ++checks;                                                                                      \
    if (!(cond)) {                                                                                 \
      ++failures;                                                                                  \
      if (failures <= 40) {                                                                        \
        fprintf(stderr, "%s:%d: FAILED %s: ", __FILE__, __LINE__, #cond);                          \
        fprintf(stderr, __VA_ARGS__);                                                              \
        fputc('\n', stderr);                                                                       \
      }                                                                                            \
    }                                                                                              \
  } while (0)

/*===--- the instruction table --------------------------------------------===*/

/* The table's facts (mnemonic on its chip, operand widths, ROCDL op and operand types,
 * cycles) are not restated here: `mfma-layout-test --list` prints the table and
 * Inputs/mfma-isa-check.py checks every row against LLVM's AMDGPU backend (llvm-mc,
 * llvm-mca, mlir-translate + llc), which knows the instructions independently. Which
 * instruction is chosen per chip, dtype and M is checked below (checkSelect) by name. */

static const char *elemName(AttnMfmaElem e) {
  return e == ATTN_MFMA_F16 ? "f16" : e == ATTN_MFMA_BF16 ? "bf16" : "fp8";
}

static int listTable(void) {
  for (int i = 0; i < attnMfmaCount(); ++i) {
    const AttnMfmaInstr *in = attnMfmaAt(i);
    if (!in)
      return 1;
    printf("%s\t%s\t%s\t%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\n", in->isa, in->rocdl, in->chip,
           elemName(in->elem), in->m, in->n, in->k, in->a_per_lane, in->c_per_lane,
           (int)in->ab_as_i16, in->cycles, (int)in->scaled);
  }
  return 0;
}

/*===--- documented layouts, transcribed ----------------------------------===*/

/* A/B: the 16-bit half `half` (0: bits [15:0], 1: [31:16]) of VGPR `vgpr` in `lane` holds
 * A[p][q] (A tables: p = row, q = k) or B[p][q] (B tables: p = k, q = col). As a vector<a_per_lane
 * x f16/bf16/i16> operand that is element 2 * vgpr + half. */
typedef struct InEntry {
  int lane, vgpr, half, p, q;
} InEntry;

/* C/D: VGPR `vgpr` of `lane` is C[row][col]. */
typedef struct OutEntry {
  int lane, vgpr, row, col;
} OutEntry;

/* Sampled lanes: first and last, both sides of every lane-group boundary, some in between.
 * Sampled elements: both halves of the first VGPR, the VGPR boundaries, the last. */
/* v_mfma_f32_32x32x8_f16, v_mfma_f32_32x32x8bf16_1k (gfx942): 32x32x8, 4 per lane. */
static const InEntry kA32x8[] = {
    {0, 0, 0, 0, 0},   {0, 0, 1, 0, 1},   {0, 1, 0, 0, 2},   {0, 1, 1, 0, 3},   {1, 0, 0, 1, 0},
    {1, 0, 1, 1, 1},   {1, 1, 0, 1, 2},   {1, 1, 1, 1, 3},   {17, 0, 0, 17, 0}, {17, 0, 1, 17, 1},
    {17, 1, 0, 17, 2}, {17, 1, 1, 17, 3}, {31, 0, 0, 31, 0}, {31, 0, 1, 31, 1}, {31, 1, 0, 31, 2},
    {31, 1, 1, 31, 3}, {32, 0, 0, 0, 4},  {32, 0, 1, 0, 5},  {32, 1, 0, 0, 6},  {32, 1, 1, 0, 7},
    {33, 0, 0, 1, 4},  {33, 0, 1, 1, 5},  {33, 1, 0, 1, 6},  {33, 1, 1, 1, 7},  {40, 0, 0, 8, 4},
    {40, 0, 1, 8, 5},  {40, 1, 0, 8, 6},  {40, 1, 1, 8, 7},  {63, 0, 0, 31, 4}, {63, 0, 1, 31, 5},
    {63, 1, 0, 31, 6}, {63, 1, 1, 31, 7},
};
static const InEntry kB32x8[] = {
    {0, 0, 0, 0, 0},   {0, 0, 1, 1, 0},   {0, 1, 0, 2, 0},   {0, 1, 1, 3, 0},   {1, 0, 0, 0, 1},
    {1, 0, 1, 1, 1},   {1, 1, 0, 2, 1},   {1, 1, 1, 3, 1},   {17, 0, 0, 0, 17}, {17, 0, 1, 1, 17},
    {17, 1, 0, 2, 17}, {17, 1, 1, 3, 17}, {31, 0, 0, 0, 31}, {31, 0, 1, 1, 31}, {31, 1, 0, 2, 31},
    {31, 1, 1, 3, 31}, {32, 0, 0, 4, 0},  {32, 0, 1, 5, 0},  {32, 1, 0, 6, 0},  {32, 1, 1, 7, 0},
    {33, 0, 0, 4, 1},  {33, 0, 1, 5, 1},  {33, 1, 0, 6, 1},  {33, 1, 1, 7, 1},  {40, 0, 0, 4, 8},
    {40, 0, 1, 5, 8},  {40, 1, 0, 6, 8},  {40, 1, 1, 7, 8},  {63, 0, 0, 4, 31}, {63, 0, 1, 5, 31},
    {63, 1, 0, 6, 31}, {63, 1, 1, 7, 31},
};
/* v_mfma_f32_16x16x16_f16, v_mfma_f32_16x16x16bf16_1k (gfx942): 16x16x16, 4 per lane. */
static const InEntry kA16x16[] = {
    {0, 0, 0, 0, 0},    {0, 0, 1, 0, 1},    {0, 1, 0, 0, 2},    {0, 1, 1, 0, 3},
    {1, 0, 0, 1, 0},    {1, 0, 1, 1, 1},    {1, 1, 0, 1, 2},    {1, 1, 1, 1, 3},
    {5, 0, 0, 5, 0},    {5, 0, 1, 5, 1},    {5, 1, 0, 5, 2},    {5, 1, 1, 5, 3},
    {15, 0, 0, 15, 0},  {15, 0, 1, 15, 1},  {15, 1, 0, 15, 2},  {15, 1, 1, 15, 3},
    {16, 0, 0, 0, 4},   {16, 0, 1, 0, 5},   {16, 1, 0, 0, 6},   {16, 1, 1, 0, 7},
    {17, 0, 0, 1, 4},   {17, 0, 1, 1, 5},   {17, 1, 0, 1, 6},   {17, 1, 1, 1, 7},
    {20, 0, 0, 4, 4},   {20, 0, 1, 4, 5},   {20, 1, 0, 4, 6},   {20, 1, 1, 4, 7},
    {37, 0, 0, 5, 8},   {37, 0, 1, 5, 9},   {37, 1, 0, 5, 10},  {37, 1, 1, 5, 11},
    {50, 0, 0, 2, 12},  {50, 0, 1, 2, 13},  {50, 1, 0, 2, 14},  {50, 1, 1, 2, 15},
    {63, 0, 0, 15, 12}, {63, 0, 1, 15, 13}, {63, 1, 0, 15, 14}, {63, 1, 1, 15, 15},
};
static const InEntry kB16x16[] = {
    {0, 0, 0, 0, 0},    {0, 0, 1, 1, 0},    {0, 1, 0, 2, 0},    {0, 1, 1, 3, 0},
    {1, 0, 0, 0, 1},    {1, 0, 1, 1, 1},    {1, 1, 0, 2, 1},    {1, 1, 1, 3, 1},
    {5, 0, 0, 0, 5},    {5, 0, 1, 1, 5},    {5, 1, 0, 2, 5},    {5, 1, 1, 3, 5},
    {15, 0, 0, 0, 15},  {15, 0, 1, 1, 15},  {15, 1, 0, 2, 15},  {15, 1, 1, 3, 15},
    {16, 0, 0, 4, 0},   {16, 0, 1, 5, 0},   {16, 1, 0, 6, 0},   {16, 1, 1, 7, 0},
    {17, 0, 0, 4, 1},   {17, 0, 1, 5, 1},   {17, 1, 0, 6, 1},   {17, 1, 1, 7, 1},
    {20, 0, 0, 4, 4},   {20, 0, 1, 5, 4},   {20, 1, 0, 6, 4},   {20, 1, 1, 7, 4},
    {37, 0, 0, 8, 5},   {37, 0, 1, 9, 5},   {37, 1, 0, 10, 5},  {37, 1, 1, 11, 5},
    {50, 0, 0, 12, 2},  {50, 0, 1, 13, 2},  {50, 1, 0, 14, 2},  {50, 1, 1, 15, 2},
    {63, 0, 0, 12, 15}, {63, 0, 1, 13, 15}, {63, 1, 0, 14, 15}, {63, 1, 1, 15, 15},
};
/* v_mfma_f32_32x32x16_{f16,bf16} (gfx950): 32x32x16, 8 consecutive k per lane. */
static const InEntry kA32x16[] = {
    {0, 0, 0, 0, 0},    {0, 0, 1, 0, 1},    {0, 1, 0, 0, 2},    {0, 1, 1, 0, 3},
    {0, 2, 0, 0, 4},    {0, 3, 1, 0, 7},    {1, 0, 0, 1, 0},    {1, 0, 1, 1, 1},
    {1, 1, 0, 1, 2},    {1, 1, 1, 1, 3},    {1, 2, 0, 1, 4},    {1, 3, 1, 1, 7},
    {17, 0, 0, 17, 0},  {17, 0, 1, 17, 1},  {17, 1, 0, 17, 2},  {17, 1, 1, 17, 3},
    {17, 2, 0, 17, 4},  {17, 3, 1, 17, 7},  {31, 0, 0, 31, 0},  {31, 0, 1, 31, 1},
    {31, 1, 0, 31, 2},  {31, 1, 1, 31, 3},  {31, 2, 0, 31, 4},  {31, 3, 1, 31, 7},
    {32, 0, 0, 0, 8},   {32, 0, 1, 0, 9},   {32, 1, 0, 0, 10},  {32, 1, 1, 0, 11},
    {32, 2, 0, 0, 12},  {32, 3, 1, 0, 15},  {33, 0, 0, 1, 8},   {33, 0, 1, 1, 9},
    {33, 1, 0, 1, 10},  {33, 1, 1, 1, 11},  {33, 2, 0, 1, 12},  {33, 3, 1, 1, 15},
    {40, 0, 0, 8, 8},   {40, 0, 1, 8, 9},   {40, 1, 0, 8, 10},  {40, 1, 1, 8, 11},
    {40, 2, 0, 8, 12},  {40, 3, 1, 8, 15},  {63, 0, 0, 31, 8},  {63, 0, 1, 31, 9},
    {63, 1, 0, 31, 10}, {63, 1, 1, 31, 11}, {63, 2, 0, 31, 12}, {63, 3, 1, 31, 15},
};
static const InEntry kB32x16[] = {
    {0, 0, 0, 0, 0},    {0, 0, 1, 1, 0},    {0, 1, 0, 2, 0},    {0, 1, 1, 3, 0},
    {0, 2, 0, 4, 0},    {0, 3, 1, 7, 0},    {1, 0, 0, 0, 1},    {1, 0, 1, 1, 1},
    {1, 1, 0, 2, 1},    {1, 1, 1, 3, 1},    {1, 2, 0, 4, 1},    {1, 3, 1, 7, 1},
    {17, 0, 0, 0, 17},  {17, 0, 1, 1, 17},  {17, 1, 0, 2, 17},  {17, 1, 1, 3, 17},
    {17, 2, 0, 4, 17},  {17, 3, 1, 7, 17},  {31, 0, 0, 0, 31},  {31, 0, 1, 1, 31},
    {31, 1, 0, 2, 31},  {31, 1, 1, 3, 31},  {31, 2, 0, 4, 31},  {31, 3, 1, 7, 31},
    {32, 0, 0, 8, 0},   {32, 0, 1, 9, 0},   {32, 1, 0, 10, 0},  {32, 1, 1, 11, 0},
    {32, 2, 0, 12, 0},  {32, 3, 1, 15, 0},  {33, 0, 0, 8, 1},   {33, 0, 1, 9, 1},
    {33, 1, 0, 10, 1},  {33, 1, 1, 11, 1},  {33, 2, 0, 12, 1},  {33, 3, 1, 15, 1},
    {40, 0, 0, 8, 8},   {40, 0, 1, 9, 8},   {40, 1, 0, 10, 8},  {40, 1, 1, 11, 8},
    {40, 2, 0, 12, 8},  {40, 3, 1, 15, 8},  {63, 0, 0, 8, 31},  {63, 0, 1, 9, 31},
    {63, 1, 0, 10, 31}, {63, 1, 1, 11, 31}, {63, 2, 0, 12, 31}, {63, 3, 1, 15, 31},
};
/* v_mfma_f32_16x16x32_{f16,bf16} (gfx950): 16x16x32, 8 consecutive k per lane. */
static const InEntry kA16x32[] = {
    {0, 0, 0, 0, 0},    {0, 0, 1, 0, 1},    {0, 1, 0, 0, 2},    {0, 1, 1, 0, 3},
    {0, 2, 0, 0, 4},    {0, 3, 1, 0, 7},    {1, 0, 0, 1, 0},    {1, 0, 1, 1, 1},
    {1, 1, 0, 1, 2},    {1, 1, 1, 1, 3},    {1, 2, 0, 1, 4},    {1, 3, 1, 1, 7},
    {5, 0, 0, 5, 0},    {5, 0, 1, 5, 1},    {5, 1, 0, 5, 2},    {5, 1, 1, 5, 3},
    {5, 2, 0, 5, 4},    {5, 3, 1, 5, 7},    {15, 0, 0, 15, 0},  {15, 0, 1, 15, 1},
    {15, 1, 0, 15, 2},  {15, 1, 1, 15, 3},  {15, 2, 0, 15, 4},  {15, 3, 1, 15, 7},
    {16, 0, 0, 0, 8},   {16, 0, 1, 0, 9},   {16, 1, 0, 0, 10},  {16, 1, 1, 0, 11},
    {16, 2, 0, 0, 12},  {16, 3, 1, 0, 15},  {17, 0, 0, 1, 8},   {17, 0, 1, 1, 9},
    {17, 1, 0, 1, 10},  {17, 1, 1, 1, 11},  {17, 2, 0, 1, 12},  {17, 3, 1, 1, 15},
    {20, 0, 0, 4, 8},   {20, 0, 1, 4, 9},   {20, 1, 0, 4, 10},  {20, 1, 1, 4, 11},
    {20, 2, 0, 4, 12},  {20, 3, 1, 4, 15},  {37, 0, 0, 5, 16},  {37, 0, 1, 5, 17},
    {37, 1, 0, 5, 18},  {37, 1, 1, 5, 19},  {37, 2, 0, 5, 20},  {37, 3, 1, 5, 23},
    {50, 0, 0, 2, 24},  {50, 0, 1, 2, 25},  {50, 1, 0, 2, 26},  {50, 1, 1, 2, 27},
    {50, 2, 0, 2, 28},  {50, 3, 1, 2, 31},  {63, 0, 0, 15, 24}, {63, 0, 1, 15, 25},
    {63, 1, 0, 15, 26}, {63, 1, 1, 15, 27}, {63, 2, 0, 15, 28}, {63, 3, 1, 15, 31},
};
static const InEntry kB16x32[] = {
    {0, 0, 0, 0, 0},    {0, 0, 1, 1, 0},    {0, 1, 0, 2, 0},    {0, 1, 1, 3, 0},
    {0, 2, 0, 4, 0},    {0, 3, 1, 7, 0},    {1, 0, 0, 0, 1},    {1, 0, 1, 1, 1},
    {1, 1, 0, 2, 1},    {1, 1, 1, 3, 1},    {1, 2, 0, 4, 1},    {1, 3, 1, 7, 1},
    {5, 0, 0, 0, 5},    {5, 0, 1, 1, 5},    {5, 1, 0, 2, 5},    {5, 1, 1, 3, 5},
    {5, 2, 0, 4, 5},    {5, 3, 1, 7, 5},    {15, 0, 0, 0, 15},  {15, 0, 1, 1, 15},
    {15, 1, 0, 2, 15},  {15, 1, 1, 3, 15},  {15, 2, 0, 4, 15},  {15, 3, 1, 7, 15},
    {16, 0, 0, 8, 0},   {16, 0, 1, 9, 0},   {16, 1, 0, 10, 0},  {16, 1, 1, 11, 0},
    {16, 2, 0, 12, 0},  {16, 3, 1, 15, 0},  {17, 0, 0, 8, 1},   {17, 0, 1, 9, 1},
    {17, 1, 0, 10, 1},  {17, 1, 1, 11, 1},  {17, 2, 0, 12, 1},  {17, 3, 1, 15, 1},
    {20, 0, 0, 8, 4},   {20, 0, 1, 9, 4},   {20, 1, 0, 10, 4},  {20, 1, 1, 11, 4},
    {20, 2, 0, 12, 4},  {20, 3, 1, 15, 4},  {37, 0, 0, 16, 5},  {37, 0, 1, 17, 5},
    {37, 1, 0, 18, 5},  {37, 1, 1, 19, 5},  {37, 2, 0, 20, 5},  {37, 3, 1, 23, 5},
    {50, 0, 0, 24, 2},  {50, 0, 1, 25, 2},  {50, 1, 0, 26, 2},  {50, 1, 1, 27, 2},
    {50, 2, 0, 28, 2},  {50, 3, 1, 31, 2},  {63, 0, 0, 24, 15}, {63, 0, 1, 25, 15},
    {63, 1, 0, 26, 15}, {63, 1, 1, 27, 15}, {63, 2, 0, 28, 15}, {63, 3, 1, 31, 15},
};
/* C/D of every 32x32 instruction: 16 f32 VGPRs. */
static const OutEntry kC32[] = {
    {0, 0, 0, 0},     {0, 1, 1, 0},     {0, 3, 3, 0},    {0, 4, 8, 0},     {0, 7, 11, 0},
    {0, 8, 16, 0},    {0, 11, 19, 0},   {0, 12, 24, 0},  {0, 15, 27, 0},   {1, 0, 0, 1},
    {1, 1, 1, 1},     {1, 3, 3, 1},     {1, 4, 8, 1},    {1, 7, 11, 1},    {1, 8, 16, 1},
    {1, 11, 19, 1},   {1, 12, 24, 1},   {1, 15, 27, 1},  {17, 0, 0, 17},   {17, 1, 1, 17},
    {17, 3, 3, 17},   {17, 4, 8, 17},   {17, 7, 11, 17}, {17, 8, 16, 17},  {17, 11, 19, 17},
    {17, 12, 24, 17}, {17, 15, 27, 17}, {31, 0, 0, 31},  {31, 1, 1, 31},   {31, 3, 3, 31},
    {31, 4, 8, 31},   {31, 7, 11, 31},  {31, 8, 16, 31}, {31, 11, 19, 31}, {31, 12, 24, 31},
    {31, 15, 27, 31}, {32, 0, 4, 0},    {32, 1, 5, 0},   {32, 3, 7, 0},    {32, 4, 12, 0},
    {32, 7, 15, 0},   {32, 8, 20, 0},   {32, 11, 23, 0}, {32, 12, 28, 0},  {32, 15, 31, 0},
    {33, 0, 4, 1},    {33, 1, 5, 1},    {33, 3, 7, 1},   {33, 4, 12, 1},   {33, 7, 15, 1},
    {33, 8, 20, 1},   {33, 11, 23, 1},  {33, 12, 28, 1}, {33, 15, 31, 1},  {40, 0, 4, 8},
    {40, 1, 5, 8},    {40, 3, 7, 8},    {40, 4, 12, 8},  {40, 7, 15, 8},   {40, 8, 20, 8},
    {40, 11, 23, 8},  {40, 12, 28, 8},  {40, 15, 31, 8}, {63, 0, 4, 31},   {63, 1, 5, 31},
    {63, 3, 7, 31},   {63, 4, 12, 31},  {63, 7, 15, 31}, {63, 8, 20, 31},  {63, 11, 23, 31},
    {63, 12, 28, 31}, {63, 15, 31, 31},
};
/* C/D of every 16x16 instruction: 4 f32 VGPRs. */
static const OutEntry kC16[] = {
    {0, 0, 0, 0},   {0, 1, 1, 0},    {0, 2, 2, 0},    {0, 3, 3, 0},    {1, 0, 0, 1},
    {1, 1, 1, 1},   {1, 2, 2, 1},    {1, 3, 3, 1},    {5, 0, 0, 5},    {5, 1, 1, 5},
    {5, 2, 2, 5},   {5, 3, 3, 5},    {15, 0, 0, 15},  {15, 1, 1, 15},  {15, 2, 2, 15},
    {15, 3, 3, 15}, {16, 0, 4, 0},   {16, 1, 5, 0},   {16, 2, 6, 0},   {16, 3, 7, 0},
    {17, 0, 4, 1},  {17, 1, 5, 1},   {17, 2, 6, 1},   {17, 3, 7, 1},   {20, 0, 4, 4},
    {20, 1, 5, 4},  {20, 2, 6, 4},   {20, 3, 7, 4},   {37, 0, 8, 5},   {37, 1, 9, 5},
    {37, 2, 10, 5}, {37, 3, 11, 5},  {50, 0, 12, 2},  {50, 1, 13, 2},  {50, 2, 14, 2},
    {50, 3, 15, 2}, {63, 0, 12, 15}, {63, 1, 13, 15}, {63, 2, 14, 15}, {63, 3, 15, 15},
};

#define LEN(a) ((int)(sizeof(a) / sizeof((a)[0])))

typedef struct Shape {
  int m, k;
  const InEntry *a, *b;
  int nA, nB;
  const OutEntry *c;
  int nC;
} Shape;

static const Shape kShapes[] = {
    {32, 8, kA32x8, kB32x8, LEN(kA32x8), LEN(kB32x8), kC32, LEN(kC32)},
    {16, 16, kA16x16, kB16x16, LEN(kA16x16), LEN(kB16x16), kC16, LEN(kC16)},
    {32, 16, kA32x16, kB32x16, LEN(kA32x16), LEN(kB32x16), kC32, LEN(kC32)},
    {16, 32, kA16x32, kB16x32, LEN(kA16x32), LEN(kB16x32), kC16, LEN(kC16)},
};

static const Shape *shapeOf(const AttnMfmaInstr *in) {
  if (in->elem == ATTN_MFMA_FP8) /* byte elements: checkFp8Layouts */
    return NULL;
  for (int i = 0; i < LEN(kShapes); ++i)
    if (kShapes[i].m == in->m && kShapes[i].k == in->k)
      return &kShapes[i];
  return NULL;
}

/*===--- checks -----------------------------------------------------------===*/

static void checkTable(void) {
  CHECK(attnMfmaCount() > 0, "count %d", attnMfmaCount());
  CHECK(attnMfmaAt(-1) == NULL, "At(-1)");
  CHECK(attnMfmaAt(attnMfmaCount()) == NULL, "At(count)");
  /* One entry per (mnemonic, chip). */
  for (int i = 0; i < attnMfmaCount(); ++i)
    for (int j = i + 1; j < attnMfmaCount(); ++j) {
      const AttnMfmaInstr *x = attnMfmaAt(i), *y = attnMfmaAt(j);
      CHECK(!(x && y && strcmp(x->isa, y->isa) == 0 && strcmp(x->chip, y->chip) == 0),
            "%s on %s: twice in the table", x->isa, x->chip);
    }
  for (int i = 0; i < attnMfmaCount(); ++i) {
    const AttnMfmaInstr *in = attnMfmaAt(i);
    CHECK(in != NULL, "At(%d)", i);
    if (!in)
      continue;
    /* Shape bookkeeping: a wave of 64 lanes holds the whole of A, B and C once. */
    CHECK(in->a_per_lane * 64 == in->m * in->k, "%s: a_per_lane", in->isa);
    CHECK(in->c_per_lane * 64 == in->m * in->n, "%s: c_per_lane", in->isa);
    char shape[32];
    snprintf(shape, sizeof shape, "_%dx%dx%d_", in->m, in->n, in->k);
    CHECK(strstr(in->isa, shape) != NULL, "%s: name vs shape %s", in->isa, shape);
    const char *suffix = in->elem == ATTN_MFMA_F16    ? "_f16"
                         : in->elem == ATTN_MFMA_BF16 ? "_bf16"
                         : in->scaled                 ? "_f8f6f4"
                                                      : "_fp8_fp8";
    size_t n = strlen(in->isa), s = strlen(suffix);
    CHECK(n > s && strcmp(in->isa + n - s, suffix) == 0, "%s: element type suffix", in->isa);
    const char *prefix = in->scaled ? "rocdl.mfma.scale.f32." : "rocdl.mfma.f32.";
    CHECK(strncmp(in->rocdl, prefix, strlen(prefix)) == 0, "%s: rocdl %s", in->isa, in->rocdl);
    CHECK(!in->scaled || in->elem == ATTN_MFMA_FP8, "%s: scaled but not fp8", in->isa);
  }
}

static void checkDocumentedLayouts(void) {
  for (int i = 0; i < attnMfmaCount(); ++i) {
    const AttnMfmaInstr *in = attnMfmaAt(i);
    const Shape *sh = shapeOf(in);
    if (in->elem == ATTN_MFMA_FP8)
      continue;
    CHECK(sh != NULL, "%s: no documented layout for %dx%dx%d", in->isa, in->m, in->n, in->k);
    if (!sh)
      continue;
    for (int t = 0; t < sh->nA; ++t) {
      const InEntry *x = &sh->a[t];
      int row, k;
      attnMfmaA(in, x->lane, 2 * x->vgpr + x->half, &row, &k);
      CHECK(row == x->p && k == x->q, "%s: A lane %d V%d.%s is A[%d][%d], expected A[%d][%d]",
            in->isa, x->lane, x->vgpr, x->half ? "hi" : "lo", row, k, x->p, x->q);
    }
    for (int t = 0; t < sh->nB; ++t) {
      const InEntry *x = &sh->b[t];
      int k, col;
      attnMfmaB(in, x->lane, 2 * x->vgpr + x->half, &k, &col);
      CHECK(k == x->p && col == x->q, "%s: B lane %d V%d.%s is B[%d][%d], expected B[%d][%d]",
            in->isa, x->lane, x->vgpr, x->half ? "hi" : "lo", k, col, x->p, x->q);
    }
    for (int t = 0; t < sh->nC; ++t) {
      const OutEntry *x = &sh->c[t];
      int row, col;
      attnMfmaC(in, x->lane, x->vgpr, &row, &col);
      CHECK(row == x->row && col == x->col, "%s: C lane %d V%d is C[%d][%d], expected C[%d][%d]",
            in->isa, x->lane, x->vgpr, row, col, x->row, x->col);
    }
  }
}

/* fp8: byte e of `lane` (byte e % 4 of the lane's VGPR e / 4) holds A[row][k], from
 * AMD's one-wave examples (salykova.github.io, "Matrix Core Programming on AMD CDNA3 and
 * CDNA4", 2025, authors at AMD): v_mfma_f32_32x32x16_fp8_fp8 loads a_reg from
 * A + (lane / 32) * 8 + (lane % 32) * 16 as 8 bytes (A row-major, 32 x 16), and
 * v_mfma_scale_f32_32x32x64_f8f6f4 with fp8 A byte i * 16 + j from
 * A + (lane % 32) * 64 + (lane / 32) * 16 + i * 32 + j (i < 2, j < 16). B mirrors A
 * (lane % 32 a column, the same k). The 16x16 shapes follow the ISA's rule with four
 * lane groups: k = (lane / 16) * 8 + e, and (lane / 16) * 16 + (e / 16) * 64 + e % 16. */
typedef struct {
  int lane, e, row, k;
} Fp8Entry;

static const Fp8Entry kFp8A32x16[] = {{0, 0, 0, 0},  {0, 7, 0, 7},   {1, 0, 1, 0},   {31, 5, 31, 5},
                                      {32, 0, 0, 8}, {33, 3, 1, 11}, {63, 7, 31, 15}};
static const Fp8Entry kFp8A32x64[] = {{0, 0, 0, 0},    {0, 15, 0, 15},   {0, 16, 0, 32},
                                      {0, 31, 0, 47},  {32, 0, 0, 16},   {32, 15, 0, 31},
                                      {32, 16, 0, 48}, {63, 31, 31, 63}, {5, 20, 5, 36}};
static const Fp8Entry kFp8A16x32[] = {{0, 0, 0, 0}, {16, 0, 0, 8}, {48, 7, 0, 31}, {21, 2, 5, 10}};
static const Fp8Entry kFp8A16x128[] = {{0, 0, 0, 0},   {16, 0, 0, 16},    {48, 15, 0, 63},
                                       {0, 16, 0, 64}, {63, 31, 15, 127}, {17, 17, 1, 81}};

static void checkFp8Entries(const AttnMfmaInstr *in, const Fp8Entry *t, int n) {
  for (int i = 0; i < n; ++i) {
    int row, k, kb, col;
    attnMfmaA(in, t[i].lane, t[i].e, &row, &k);
    CHECK(row == t[i].row && k == t[i].k, "%s: A lane %d byte %d is A[%d][%d], expected A[%d][%d]",
          in->isa, t[i].lane, t[i].e, row, k, t[i].row, t[i].k);
    attnMfmaB(in, t[i].lane, t[i].e, &kb, &col);
    CHECK(kb == t[i].k && col == t[i].row, "%s: B lane %d byte %d is B[%d][%d], expected B[%d][%d]",
          in->isa, t[i].lane, t[i].e, kb, col, t[i].k, t[i].row);
  }
}

static void checkFp8Layouts(void) {
  int seen = 0;
  for (int i = 0; i < attnMfmaCount(); ++i) {
    const AttnMfmaInstr *in = attnMfmaAt(i);
    if (in->elem != ATTN_MFMA_FP8)
      continue;
    ++seen;
    if (in->m == 32 && in->k == 16)
      checkFp8Entries(in, kFp8A32x16, LEN(kFp8A32x16));
    else if (in->m == 32 && in->k == 64)
      checkFp8Entries(in, kFp8A32x64, LEN(kFp8A32x64));
    else if (in->m == 16 && in->k == 32)
      checkFp8Entries(in, kFp8A16x32, LEN(kFp8A16x32));
    else if (in->m == 16 && in->k == 128)
      checkFp8Entries(in, kFp8A16x128, LEN(kFp8A16x128));
    else
      CHECK(false, "%s: no documented fp8 layout for %dx%dx%d", in->isa, in->m, in->n, in->k);
    /* C is the 16-bit instructions' of the shape. */
    const AttnMfmaInstr *same = attnMfmaSelect(in->chip, ATTN_MFMA_F16, in->m);
    for (int lane = 0; same && lane < 64; ++lane)
      for (int e = 0; e < in->c_per_lane; ++e) {
        int r0, c0, r1, c1;
        attnMfmaC(in, lane, e, &r0, &c0);
        attnMfmaC(same, lane, e, &r1, &c1);
        CHECK(r0 == r1 && c0 == c1, "%s: C lane %d element %d differs from %s's", in->isa, lane, e,
              same->isa);
      }
  }
  CHECK(seen == 6, "%d fp8 instructions, expected 6", seen);
}

/* Every element of A, B and C is held by exactly one (lane, element), and the A and B
 * elements multiplied together (same lane, same element) share their k. */
static void checkCoverage(void) {
  enum { MAXD = 128 };
  for (int i = 0; i < attnMfmaCount(); ++i) {
    const AttnMfmaInstr *in = attnMfmaAt(i);
    CHECK(in->m <= MAXD && in->n <= MAXD && in->k <= MAXD, "%s: too large for this check", in->isa);
    if (in->m > MAXD || in->n > MAXD || in->k > MAXD)
      continue;
    static int a[MAXD][MAXD], b[MAXD][MAXD], c[MAXD][MAXD];
    memset(a, 0, sizeof a);
    memset(b, 0, sizeof b);
    memset(c, 0, sizeof c);
    int bad = 0;
    for (int lane = 0; lane < 64; ++lane) {
      for (int e = 0; e < in->a_per_lane; ++e) {
        int row, ka, kb, col;
        attnMfmaA(in, lane, e, &row, &ka);
        attnMfmaB(in, lane, e, &kb, &col);
        if (row < 0 || row >= in->m || ka < 0 || ka >= in->k || kb < 0 || kb >= in->k || col < 0 ||
            col >= in->n) {
          ++bad;
          continue;
        }
        ++a[row][ka];
        ++b[kb][col];
        CHECK(ka == kb, "%s: lane %d element %d multiplies A k=%d by B k=%d", in->isa, lane, e, ka,
              kb);
      }
      for (int e = 0; e < in->c_per_lane; ++e) {
        int row, col;
        attnMfmaC(in, lane, e, &row, &col);
        if (row < 0 || row >= in->m || col < 0 || col >= in->n) {
          ++bad;
          continue;
        }
        ++c[row][col];
      }
    }
    CHECK(bad == 0, "%s: %d coordinates out of range", in->isa, bad);
    int missA = 0, missB = 0, missC = 0;
    for (int r = 0; r < in->m; ++r)
      for (int k = 0; k < in->k; ++k)
        missA += a[r][k] != 1;
    for (int k = 0; k < in->k; ++k)
      for (int col = 0; col < in->n; ++col)
        missB += b[k][col] != 1;
    for (int r = 0; r < in->m; ++r)
      for (int col = 0; col < in->n; ++col)
        missC += c[r][col] != 1;
    CHECK(missA == 0, "%s: %d A elements not held exactly once", in->isa, missA);
    CHECK(missB == 0, "%s: %d B elements not held exactly once", in->isa, missB);
    CHECK(missC == 0, "%s: %d C elements not held exactly once", in->isa, missC);
  }
}

static void expectSelect(const char *chip, AttnMfmaElem elem, int m, const char *isa) {
  const AttnMfmaInstr *in = attnMfmaSelect(chip, elem, m);
  if (!isa) {
    CHECK(in == NULL, "select(%s, %s, %d) = %s, expected none", chip ? chip : "(null)",
          elemName(elem), m, in ? in->isa : "");
    return;
  }
  CHECK(in != NULL && strcmp(in->isa, isa) == 0, "select(%s, %s, %d) = %s, expected %s", chip,
        elemName(elem), m, in ? in->isa : "(none)", isa);
  if (in)
    CHECK(in->m == m && in->n == m && in->elem == elem, "select(%s): %s has the wrong shape", chip,
          in->isa);
}

static void checkSelect(void) {
  expectSelect("gfx942", ATTN_MFMA_F16, 32, "v_mfma_f32_32x32x8_f16");
  expectSelect("gfx942", ATTN_MFMA_BF16, 32, "v_mfma_f32_32x32x8_bf16");
  expectSelect("gfx942", ATTN_MFMA_F16, 16, "v_mfma_f32_16x16x16_f16");
  expectSelect("gfx942", ATTN_MFMA_BF16, 16, "v_mfma_f32_16x16x16_bf16");
  expectSelect("gfx950", ATTN_MFMA_F16, 32, "v_mfma_f32_32x32x16_f16");
  expectSelect("gfx950", ATTN_MFMA_BF16, 32, "v_mfma_f32_32x32x16_bf16");
  expectSelect("gfx950", ATTN_MFMA_F16, 16, "v_mfma_f32_16x16x32_f16");
  expectSelect("gfx950", ATTN_MFMA_BF16, 16, "v_mfma_f32_16x16x32_bf16");
  expectSelect("gfx942", ATTN_MFMA_FP8, 32, "v_mfma_f32_32x32x16_fp8_fp8");
  expectSelect("gfx942", ATTN_MFMA_FP8, 16, "v_mfma_f32_16x16x32_fp8_fp8");
  expectSelect("gfx950", ATTN_MFMA_FP8, 32, "v_mfma_f32_32x32x64_f8f6f4");
  expectSelect("gfx950", ATTN_MFMA_FP8, 16, "v_mfma_f32_16x16x128_f8f6f4");
  /* A reduction the largest K does not divide takes a smaller one, or none. */
  const struct {
    const char *chip;
    int m;
    long long kDim;
    const char *isa;
  } dividing[] = {{"gfx950", 32, 128, "v_mfma_f32_32x32x64_f8f6f4"},
                  {"gfx950", 32, 80, "v_mfma_f32_32x32x16_fp8_fp8"},
                  {"gfx950", 16, 96, "v_mfma_f32_16x16x32_fp8_fp8"},
                  {"gfx942", 32, 48, "v_mfma_f32_32x32x16_fp8_fp8"},
                  {"gfx942", 32, 72, NULL},
                  {"gfx942", 16, 80, NULL}};
  for (int i = 0; i < LEN(dividing); ++i) {
    const AttnMfmaInstr *in =
        attnMfmaSelectDividing(dividing[i].chip, ATTN_MFMA_FP8, dividing[i].m, dividing[i].kDim);
    CHECK(dividing[i].isa ? in && !strcmp(in->isa, dividing[i].isa) : !in,
          "select dividing %lld (%s, %d) = %s, expected %s", dividing[i].kDim, dividing[i].chip,
          dividing[i].m, in ? in->isa : "(none)", dividing[i].isa ? dividing[i].isa : "none");
  }
  /* An LLVM target ID with features names the same chip. */
  expectSelect("gfx942:sramecc+:xnack-", ATTN_MFMA_F16, 32, "v_mfma_f32_32x32x8_f16");
  expectSelect("gfx950:xnack+", ATTN_MFMA_BF16, 16, "v_mfma_f32_16x16x32_bf16");
  const char *const noMfma[] = {"gfx90a", "gfx908", "gfx940", "gfx9420", "gfx94",
                                "sm_90a", "cpu",    "",       NULL};
  for (int i = 0; i < LEN(noMfma); ++i) {
    expectSelect(noMfma[i], ATTN_MFMA_F16, 32, NULL);
    expectSelect(noMfma[i], ATTN_MFMA_BF16, 16, NULL);
  }
  const int badM[] = {0, 4, 8, 64, -16};
  for (int i = 0; i < LEN(badM); ++i) {
    expectSelect("gfx942", ATTN_MFMA_F16, badM[i], NULL);
    expectSelect("gfx950", ATTN_MFMA_BF16, badM[i], NULL);
  }
}

/* Out-of-range lanes and elements give -1 coordinates rather than wrapping around. */
static void checkOutOfRange(void) {
  const AttnMfmaInstr *in = attnMfmaSelect("gfx950", ATTN_MFMA_F16, 32);
  if (!in)
    return;
  int p, q;
  attnMfmaA(in, 64, 0, &p, &q);
  CHECK(p == -1 && q == -1, "A lane 64: %d %d", p, q);
  attnMfmaA(in, 0, in->a_per_lane, &p, &q);
  CHECK(p == -1 && q == -1, "A element a_per_lane: %d %d", p, q);
  attnMfmaB(in, -1, 0, &p, &q);
  CHECK(p == -1 && q == -1, "B lane -1: %d %d", p, q);
  attnMfmaC(in, 0, in->c_per_lane, &p, &q);
  CHECK(p == -1 && q == -1, "C element c_per_lane: %d %d", p, q);
  attnMfmaC(NULL, 0, 0, &p, &q);
  CHECK(p == -1 && q == -1, "C of null: %d %d", p, q);
}

int main(int argc, char **argv) {
  if (argc == 2 && strcmp(argv[1], "--list") == 0)
    return listTable();
  checkTable();
  checkDocumentedLayouts();
  checkFp8Layouts();
  checkCoverage();
  checkSelect();
  checkOutOfRange();
  if (failures) {
    fprintf(stderr, "mfma-layout-test: %d of %d checks FAILED\n", failures, checks);
    return 1;
  }
  printf("mfma-layout-test: %d checks passed\n", checks);
  return 0;
}
