/*===- attn-gpu-layout.c - choose matmul forms and operand layouts (GPU) --===*
 *
 * The first stage below the kernel IR on the NVIDIA GPU path: it decides, and
 * records in IR, what attn-lower-nvgpu then builds:
 *
 *   on the kernel function   attn.mma = "wgmma" | "mma_sync" | "none"
 *       wgmma: warpgroup MMA m64nNk16 (sm_90a), a warpgroup of 4 warps per
 *       64 query rows; mma_sync: mma.sync m16n8k16, one or two 16-row tiles
 *       per warp; none: the kernel multiplies no tiles (paged merge).
 *   on each tile read feeding a matmul (Q, K, V)
 *       attn.layout = "smem.swizzle128"     wgmma operand, 128-byte swizzle
 *                     "smem.pad8"           ldmatrix operand, rows + 16 bytes
 *                     "regs.mma_a"          Q in A fragments (mma.sync, D <= 256)
 *     and on a vector.extract_strided_slice feeding P V (attn.mla's V, a
 *     column prefix of the K tile)  "smem.pad8.view": the K tile's buffer
 *   on an mma.sync kernel function with more warps than 16-row tiles
 *       attn.warp_cols = G  (num_warps * 16 / block_m column groups of warps)
 *     and on its P V matmul attn.cols_per_warp = Dv / G: each warp computes
 *     S and the softmax of its rows whole, P V and the output for its own
 *     Dv / G columns (docs/nvgpu.md, "Column split"); also on a kernel
 *     without matmuls (the paged merge kernel) whose tiles divide that way.
 *     With Q in shared memory and D / G a multiple of 16, also on its Q K^T
 *     matmul attn.k_per_warp = D / G: each warp multiplies its D / G
 *     head-dim columns and the G partial S are summed through shared
 *     memory (split-s=false: every warp computes S whole).
 *   on each matmul (vector.contract)
 *       attn.layout = "wgmma.m64nNk16.<A>.<B>" | "mma_sync.m16n8k16.<A>.<B>"
 *       with A, B = ss | rs: where each operand comes from (shared memory or
 *       registers) and N, the product's width.
 *
 * With mma=auto (the default) a kernel takes wgmma when it fits: f16/bf16,
 * BLOCK_M a multiple of 64 with 16 rows per warp (whole warpgroups), head
 * dims multiples of 64 (128-byte swizzle boxes), BLOCK_N and Dv at most 256,
 * K/V tiles that are not assembled from paged-cache pieces;
 * otherwise mma_sync. mma=wgmma on a kernel that does not fit is a located
 * error that says why; mma=mma_sync forces the older path.
 *
 *   on the kernel function   attn.schedule = "warp-specialized"
 *       (ws=auto, the default, where it fits; ws=false never; ws=true or a
 *       located error): a producer warpgroup fills a K/V ring, the others
 *       compute (layoutSchedule).
 *   on each Q, K and V tile read of a warp-specialized kernel
 *       attn.copy = "tma"   (tma=auto: where every such read fits;
 *       tma=false, the default for now: never; tma=true or a located error): the producer
 *       loads the tile with TMA (cp.async.bulk.tensor, one thread, a tensor
 *       map per tensor that attnrt encodes at launch; zero fill past the
 *       tensor) instead of 128 threads' cp.async. A read fits when it reads
 *       a kernel argument directly, its columns are the argument's
 *       contiguous last dim, and its padding is zero (TMA's fill).
 *
 * On AMD kernels (gfx942, gfx950) the form is MFMA, one wave per 32 or 16
 * query rows (block_m / num_warps): it records
 *   on the kernel function   attn.mma = "mfma" | "none"
 *   on each tile read        attn.layout = "regs.mfma_a" (Q: A operands in
 *                            registers) | "lds.pad" (K, V: LDS, rows or
 *                            columns padded by one A operand's elements)
 *   on each matmul           attn.layout = "mfma.<M>x<N>x<K>.<f16|bf16>.rs"
 *                            (the instruction of MfmaLayout.h's table for
 *                            the chip; A from registers, B from LDS)
 *   fp8 q and k (attn.mha's fp8 kernels; fp8-mfma=true, the default):
 *     Q K^T takes the chip's fp8 MFMA ("mfma.<M>x<N>x<K>.fp8.rs", the
 *     largest K dividing the head dim), Q's tile read "regs.mfma_a.fp8" and
 *     K's "lds.pad.fp8" (both kept as e4m3 bytes). No fp8 instruction
 *     divides the head dim (gfx942 D = 72: 80 columns, 16x16 blocks:
 *     K = 32), or fp8-mfma=false: both dequantized, 16-bit MFMAs.
 *   and P rounded to e4m3 (attn-online-softmax{fp8-p}, which attn-to-rocdl
 *     sets): P V takes the fp8 MFMA too (the largest K dividing the keys of
 *     a tile), P's arith.extf "regs.mfma_b.fp8" (its blocks as bytes) and
 *     V's "lds.pad.fp8" (bytes, transposed); otherwise P V is 16-bit.
 * and attn-lower-amdgpu takes that instruction. A kernel no instruction fits
 * (rows per wave other than 32 or 16, f32 tiles) is a located error, as is
 * an attn.mla kernel (kind "mla_decode") there, which AMD does not lower yet.
 * CPU kernels are not GPU kernels.
 *
 *===----------------------------------------------------------------------===*/

#include "KernelIR.h"
#include "MfmaLayout.h"
#include "PassUtil.h"
#include "Passes.h"

#include "mlir-c/AffineExpr.h"
#include "mlir-c/AffineMap.h"
#include "mlir-c/BuiltinAttributes.h"
#include "mlir-c/BuiltinTypes.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const passName = "attn-gpu-layout";

typedef enum { MMA_AUTO, MMA_SYNC, MMA_WGMMA } MmaChoice;

typedef enum { WS_AUTO, WS_OFF, WS_ON } WsChoice;

typedef struct {
  MmaChoice mma;
  WsChoice ws;
  WsChoice tma; /* auto | off | on, as ws */
  bool splitS;  /* attn.k_per_warp where a column split allows it (split-s) */
  bool fp8Mfma; /* AMD: Q K^T of fp8 q and k on the fp8 MFMA (fp8-mfma) */
} LayoutOptions;

/*===--- Options -----------------------------------------------------------===*/

static bool parseOptions(const char *text, LayoutOptions *o, char *err, size_t errLen) {
  /* TMA stays opt-in until its kernels launch on the H100: the first run of
   * them (994f48a) failed in cuLaunchKernel with CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES. */
  int mma = MMA_AUTO, ws = WS_AUTO, tma = WS_OFF, splitS = 1, fp8Mfma = 1;
  const AttnOptionWord words[] = {{"mma=auto", &mma, MMA_AUTO},   {"mma=mma_sync", &mma, MMA_SYNC},
                                  {"mma=wgmma", &mma, MMA_WGMMA}, {"ws=auto", &ws, WS_AUTO},
                                  {"ws=false", &ws, WS_OFF},      {"ws=true", &ws, WS_ON},
                                  {"tma=auto", &tma, WS_AUTO},    {"tma=false", &tma, WS_OFF},
                                  {"tma=true", &tma, WS_ON},      {"split-s=true", &splitS, 1},
                                  {"split-s=false", &splitS, 0},  {"fp8-mfma=true", &fp8Mfma, 1},
                                  {"fp8-mfma=false", &fp8Mfma, 0}};
  bool ok = attnParseOptionWords(text, words, 13, passName,
                                 "mma=auto|mma_sync|wgmma, ws=auto|true|false, "
                                 "tma=auto|true|false, split-s=true|false, fp8-mfma=true|false",
                                 err, errLen);
  o->mma = (MmaChoice)mma;
  o->ws = (WsChoice)ws;
  o->tma = (WsChoice)tma;
  o->splitS = splitS != 0;
  o->fp8Mfma = fp8Mfma != 0;
  return ok;
}

/*===--- What the kernel multiplies -----------------------------------------===*/

typedef struct {
  MlirOperation qk[8], pv[8];
  int nqk, npv;
  bool overflow;
} Matmuls;

static MlirWalkResult collectMatmul(MlirOperation op, void *userData) {
  Matmuls *m = userData;
  if (!attnIsOp(op, "vector.contract"))
    return MlirWalkResultAdvance;
  AttnContractForm form = attnContractForm(op);
  if (form == ATTN_CONTRACT_QK && m->nqk < 8)
    m->qk[m->nqk++] = op;
  else if (form == ATTN_CONTRACT_PV && m->npv < 8)
    m->pv[m->npv++] = op;
  else
    m->overflow = true; /* the lowering reports forms it does not know */
  return MlirWalkResultAdvance;
}

static int64_t dimOf(MlirValue v, intptr_t i) {
  return mlirShapedTypeGetDimSize(mlirValueGetType(v), i);
}

static MlirOperation defOf(MlirValue v) {
  return mlirValueIsAOpResult(v) ? mlirOpResultGetOwner(v) : (MlirOperation){NULL};
}

static int64_t kernelInt(MlirAttribute kernel, const char *name) {
  MlirAttribute a =
      mlirDictionaryAttrGetElementByName(kernel, mlirStringRefCreateFromCString(name));
  return !mlirAttributeIsNull(a) && mlirAttributeIsAInteger(a) ? mlirIntegerAttrGetValueInt(a) : -1;
}

static bool kernelTarget(MlirAttribute kernel, const char *want) {
  MlirAttribute a =
      mlirDictionaryAttrGetElementByName(kernel, mlirStringRefCreateFromCString("target"));
  return !mlirAttributeIsNull(a) && mlirAttributeIsAString(a) &&
         mlirStringRefEqual(mlirStringAttrGetValue(a), mlirStringRefCreateFromCString(want));
}

/* Null when wgmma fits the kernel, else why not (for the error of mma=wgmma). */
static const char *wgmmaMisfit(MlirAttribute kernel, const Matmuls *m, char *why, size_t n) {
  int64_t bm = kernelInt(kernel, "block_m"), w = kernelInt(kernel, "num_warps");
  if (m->overflow || m->nqk == 0 || m->npv == 0)
    return "it does not multiply Q K^T and P V";
  /* Its shared tiles are right operands of both forms (Q in K Q^T and ds^T Q),
   * which the wgmma path's per-role buffers and descriptors do not express. */
  if (attnIsBackwardKernel(kernel))
    return "it is a backward kernel (mma.sync only for now: docs/backward.md)";
  if (bm <= 0 || bm % 64 || w * 16 != bm) {
    snprintf(why, n,
             "block_m %lld with %lld warps is not whole warpgroups of 64 rows (16 rows per warp)",
             (long long)bm, (long long)w);
    return why;
  }
  for (int i = 0; i < m->nqk; ++i) {
    MlirValue q = mlirOperationGetOperand(m->qk[i], 0), k = mlirOperationGetOperand(m->qk[i], 1);
    MlirType e = mlirShapedTypeGetElementType(mlirValueGetType(q));
    if (!mlirTypeIsABF16(e) && !mlirTypeIsAF16(e))
      return "its tiles are not f16 or bf16";
    if (dimOf(q, 1) % 64)
      return "the head dim is not a multiple of 64 (128-byte swizzle boxes)";
    if (dimOf(k, 0) % 16 || dimOf(k, 0) > 256)
      return "block_n is not a multiple of 16 up to 256";
    /* Paged K/V tiles (pieces of cache blocks) would stage into swizzled
     * tiles the same way, but no GPU test covers them on this path yet. */
    MlirOperation kDef = defOf(k);
    /* fp8 K/V tiles are converted in registers on their way into shared
     * memory (attn-lower-nvgpu's mma.sync staging), not copied into wgmma's
     * swizzled tiles */
    if (!mlirOperationIsNull(kDef) && attnIsOp(kDef, "arith.extf"))
      return "its K/V tiles are fp8, dequantized as they are staged (mma.sync only for now)";
    if (!mlirOperationIsNull(kDef) && attnIsOp(kDef, "vector.insert_strided_slice"))
      return "its K/V tiles are assembled from paged-cache pieces (mma.sync only for now)";
  }
  for (int i = 0; i < m->npv; ++i) {
    MlirValue v = mlirOperationGetOperand(m->pv[i], 1);
    if (dimOf(v, 1) % 64 || dimOf(v, 1) > 256)
      return "the value head dim is not a multiple of 64 up to 256";
  }
  return NULL;
}

/*===--- Recording ---------------------------------------------------------===*/

static void setString(MlirOperation op, const char *name, const char *value) {
  MlirContext ctx = mlirOperationGetContext(op);
  attnSetAttr(op, name, mlirStringAttrGet(ctx, mlirStringRefCreateFromCString(value)));
}

/* The read that makes a matmul operand (a transfer_read, the last insert
 * of a paged tile's pieces, or the arith.extf of an fp8 tile, which stages
 * it dequantized). */
static void markRead(MlirValue v, const char *layout) {
  MlirOperation def = defOf(v);
  if (!mlirOperationIsNull(def) &&
      (attnIsOp(def, "vector.transfer_read") || attnIsOp(def, "vector.insert_strided_slice") ||
       attnIsOp(def, "arith.extf")))
    setString(def, "attn.layout", layout);
}

static void markMatmul(MlirOperation op, bool wg, bool aInRegs) {
  char text[80];
  int64_t n = dimOf(mlirOperationGetResult(op, 0), 1);
  if (!wg) /* mma.sync's shape is fixed: no N in the name */
    snprintf(text, sizeof(text), "mma_sync.m16n8k16.%s", aInRegs ? "rs" : "ss");
  else
    snprintf(text, sizeof(text), "wgmma.m64n%lldk16.%s", (long long)n, aInRegs ? "rs" : "ss");
  setString(op, "attn.layout", text);
}

/* The chip of an AMD kernel ("gfx942", "gfx950"), or null. */
static const char *amdChip(MlirAttribute kernel) {
  if (kernelTarget(kernel, "gfx942"))
    return "gfx942";
  return kernelTarget(kernel, "gfx950") ? "gfx950" : NULL;
}

/* The fp8 type `v` (a matmul operand) is dequantized from, or null: the
 * operand is the arith.extf of an fp8 tile. */
static MlirType fp8Source(MlirValue v) {
  MlirOperation def = defOf(v);
  if (mlirOperationIsNull(def) || !attnIsOp(def, "arith.extf"))
    return (MlirType){NULL};
  MlirType t = mlirShapedTypeGetElementType(mlirValueGetType(mlirOperationGetOperand(def, 0)));
  return attnIsFp8Type(t) ? t : (MlirType){NULL};
}

/* AMD, fp8 q and k (attn.mha's fp8 kernels): the fp8 MFMA that takes Q K^T
 * on the tiles' bytes, the largest K dividing the head dim, or null (then
 * both are dequantized and the product is 16-bit, as with fp8-mfma=false).
 * The products of two e4m3 values are exact in f32 and the MFMA accumulates
 * in f32, so the result is that of the 16-bit MFMA on the dequantized tiles
 * (which are exact too) up to the order of the sums. */
static const AttnMfmaInstr *fp8QkMfma(const char *chip, const Matmuls *m, int64_t rows,
                                      const LayoutOptions *o) {
  if (!o->fp8Mfma || m->nqk == 0)
    return NULL;
  int64_t d = -1;
  for (int i = 0; i < m->nqk; ++i) {
    MlirValue q = mlirOperationGetOperand(m->qk[i], 0), k = mlirOperationGetOperand(m->qk[i], 1);
    MlirType qt = fp8Source(q), kt = fp8Source(k);
    if (mlirTypeIsNull(qt) || mlirTypeIsNull(kt) || !mlirTypeEqual(qt, kt) ||
        (d >= 0 && d != dimOf(q, 1)))
      return NULL;
    d = dimOf(q, 1);
  }
  return attnMfmaSelectDividing(chip, ATTN_MFMA_FP8, (int)rows, d);
}

/* The fp8 MFMA of an fp8 kernel's P V on AMD (P rounded to e4m3 by
 * attn-online-softmax{fp8-p}: the arith.extf of an arith.truncf; V an fp8
 * tile of the same format), the largest K dividing the keys of a tile, or
 * null (P V stays 16-bit). Only with an fp8 Q K^T (`qk`): P's bytes come
 * from S's C layout, which the 16-bit instruction of the same blocks has. */
static const AttnMfmaInstr *fp8PvMfma(const char *chip, const Matmuls *m, int64_t rows,
                                      const AttnMfmaInstr *qk) {
  if (!qk || m->npv == 0)
    return NULL;
  int64_t keys = -1;
  for (int i = 0; i < m->npv; ++i) {
    MlirValue p = mlirOperationGetOperand(m->pv[i], 0), v = mlirOperationGetOperand(m->pv[i], 1);
    MlirType pt = fp8Source(p), vt = fp8Source(v);
    MlirOperation rounded =
        mlirTypeIsNull(pt) ? (MlirOperation){NULL} : defOf(mlirOperationGetOperand(defOf(p), 0));
    if (mlirTypeIsNull(pt) || mlirTypeIsNull(vt) || !mlirTypeEqual(pt, vt) ||
        mlirOperationIsNull(rounded) || !attnIsOp(rounded, "arith.truncf") ||
        (keys >= 0 && keys != dimOf(p, 1)))
      return NULL;
    keys = dimOf(p, 1);
  }
  return attnMfmaSelectDividing(chip, ATTN_MFMA_FP8, (int)rows, keys);
}

/* AMD: the MFMA instruction of the kernel's chip, dtype and rows per wave. */
static bool layoutAmdKernel(MlirOperation func, MlirAttribute kernel, const char *chip,
                            const Matmuls *m, int64_t g, const LayoutOptions *o) {
  if (m->nqk == 0 && m->npv == 0) {
    setString(func, "attn.mma", "none");
    return true;
  }
  /* g column groups of waves (attn.mla): the waves of a row group share its rows */
  int64_t bm = kernelInt(kernel, "block_m"), w = kernelInt(kernel, "num_warps") / g;
  int64_t rows = w > 0 && bm % w == 0 ? bm / w : 0;
  MlirType e = mlirShapedTypeGetElementType(
      mlirValueGetType(mlirOperationGetOperand(m->npv ? m->pv[0] : m->qk[0], 1)));
  bool bf16 = mlirTypeIsABF16(e);
  const AttnMfmaInstr *in =
      (rows == 32 || rows == 16) && (bf16 || mlirTypeIsAF16(e))
          ? attnMfmaSelect(chip, bf16 ? ATTN_MFMA_BF16 : ATTN_MFMA_F16, (int)rows)
          : NULL;
  char message[300] = "";
  if (m->overflow)
    snprintf(message, sizeof(message), "has matmuls other than Q K^T and P V");
  else if (!bf16 && !mlirTypeIsAF16(e))
    snprintf(message, sizeof(message), "has tiles that are not f16 or bf16 (MFMA needs them)");
  else if (rows != 32 && rows != 16)
    snprintf(message, sizeof(message),
             "has block_m %lld and num_warps %lld: each wave must own 32 or 16 query rows (an "
             "MFMA block)",
             (long long)bm, (long long)w);
  else if (!in)
    snprintf(message, sizeof(message), "has no MFMA instruction on %s for its dtype", chip);
  if (message[0]) {
    attnEmitOpError(func, passName, message);
    return false;
  }
  setString(func, "attn.mma", "mfma");
  char text[80], qkText[80];
  snprintf(text, sizeof(text), "mfma.%dx%dx%d.%s.rs", in->m, in->n, in->k, bf16 ? "bf16" : "f16");
  /* fp8 Q K^T: Q's and K's tiles stay bytes (regs.mfma_a.fp8 in registers,
   * lds.pad.fp8 in LDS); P V follows below. */
  const AttnMfmaInstr *fp8 = fp8QkMfma(chip, m, rows, o);
  if (fp8)
    snprintf(qkText, sizeof(qkText), "mfma.%dx%dx%d.fp8.rs", fp8->m, fp8->n, fp8->k);
  for (int i = 0; i < m->nqk; ++i) {
    markRead(mlirOperationGetOperand(m->qk[i], 0), fp8 ? "regs.mfma_a.fp8" : "regs.mfma_a");
    markRead(mlirOperationGetOperand(m->qk[i], 1), fp8 ? "lds.pad.fp8" : "lds.pad");
    setString(m->qk[i], "attn.layout", fp8 ? qkText : text);
  }
  /* fp8 P V (P rounded to e4m3 in the kernel IR): P's blocks become bytes
   * in registers ("regs.mfma_b.fp8" on its arith.extf), V's tile stays
   * bytes in LDS, transposed ("lds.pad.fp8"). */
  const AttnMfmaInstr *pv8 = fp8PvMfma(chip, m, rows, fp8);
  char pvText[80];
  if (pv8)
    snprintf(pvText, sizeof(pvText), "mfma.%dx%dx%d.fp8.rs", pv8->m, pv8->n, pv8->k);
  for (int i = 0; i < m->npv; ++i) {
    if (pv8)
      markRead(mlirOperationGetOperand(m->pv[i], 0), "regs.mfma_b.fp8");
    markRead(mlirOperationGetOperand(m->pv[i], 1), pv8 ? "lds.pad.fp8" : "lds.pad");
    setString(m->pv[i], "attn.layout", pv8 ? pvText : text);
  }
  return true;
}

static void setInt(MlirOperation op, const char *name, int64_t value) {
  MlirContext ctx = mlirOperationGetContext(op);
  attnSetAttr(op, name, mlirIntegerAttrGet(mlirIntegerTypeGet(ctx, 64), value));
}

/* Registers per producer thread of a warp-specialized kernel
 * (attn.producer_regs; the consumers get the rest, attn-lower-nvgpu). The
 * producer's cp.async addresses are base + constant offsets where a K/V row
 * is a power-of-two number of 16-byte chunks; otherwise (D = 192: 24 chunks)
 * each chunk's address is its own 64-bit value, and with 56 registers the
 * producer spilled 620 bytes (ptxas, D = 192; 68 at Dv = 128; with a window
 * and a softcap still 20 at 112). 120 + 2 x 192 spills nothing there, and
 * the consumers' 64 x 192 f32 accumulators fit in 192. */
enum { PRODUCER_REGS = 56, PRODUCER_REGS_ODD_ROWS = 120 };

/* Whether a K/V tile row (wgmma: f16 or bf16) is 2^n 16-byte chunks. */
static bool chunksArePowerOfTwo(MlirValue tile) {
  int64_t chunks = dimOf(tile, 1) * 2 / 16;
  return chunks > 0 && (chunks & (chunks - 1)) == 0;
}

static int64_t producerRegs(const Matmuls *m) {
  bool pow2 = chunksArePowerOfTwo(mlirOperationGetOperand(m->qk[0], 1)) &&
              chunksArePowerOfTwo(mlirOperationGetOperand(m->pv[0], 1));
  return pow2 ? PRODUCER_REGS : PRODUCER_REGS_ODD_ROWS;
}

/* K/V buffers per operand of a warp-specialized kernel's ring (attn.ring):
 * RING_BUFFERS where Q, the ring and the mbarriers fit sm_90a's 227 KiB of
 * shared memory (D = 128: 32 + 3 x 64 KiB), else 2. */
enum { RING_BUFFERS = 3 };

static int64_t ringBuffers(MlirAttribute kernel, const Matmuls *m) {
  MlirValue k = mlirOperationGetOperand(m->qk[0], 1), v = mlirOperationGetOperand(m->pv[0], 1);
  int64_t d = dimOf(k, 1), dv = dimOf(v, 1), bn = dimOf(k, 0);
  int64_t bytes = 2 * (kernelInt(kernel, "block_m") * d + RING_BUFFERS * bn * (d + dv)) + 144;
  return bytes <= 227 * 1024 ? RING_BUFFERS : 2;
}

static bool hasBlockMask(MlirAttribute kernel) {
  return !mlirAttributeIsNull(
      mlirDictionaryAttrGetElementByName(kernel, mlirStringRefCreateFromCString("block_mask")));
}

/* attn.schedule = "warp-specialized" (ws=auto: wherever it fits): a
 * producer warpgroup copies K/V tiles into a ring guarded by mbarriers while
 * the two consumer warpgroups compute (attn-lower-nvgpu); with
 * software-pipelined loops (num_stages 2) the consumers also take turns
 * issuing their matmuls (ping-pong). It fits wgmma kernels of two
 * warpgroups (block_m 128, num_warps 8). */
static bool layoutSchedule(MlirOperation func, MlirAttribute kernel, bool wg, const Matmuls *m,
                           const LayoutOptions *o) {
  bool pipelined = kernelInt(kernel, "num_stages") >= 2;
  const char *misfit =
      !wg || m->nqk == 0 || m->npv == 0 ? "it does not use wgmma"
      : kernelInt(kernel, "block_m") != 128 || kernelInt(kernel, "num_warps") != 8
          ? "it is not two warpgroups of 64 rows (block_m 128, num_warps 8)"
      /* The producer keeps the loops that read K/V tiles, but not a loop of
       * such loops (GpuLower.c refuses it): a block mask's KV loops nest in
       * the loop over its listed blocks (docs/masks.md). */
      : hasBlockMask(kernel) ? "it takes a block mask (its KV loops nest in a loop over the "
                               "listed key blocks, which the producer does not mirror)"
      /* P and S of two tiles and a 64 x Dv accumulator per warpgroup: past Dv = 128
       * the 224 registers a consumer thread gets spill (ptxas: 8 bytes at D = 256) */
      : pipelined && dimOf(mlirOperationGetOperand(m->pv[0], 1), 1) > 128
          ? "its software-pipelined loops need more registers than a consumer warpgroup "
            "gets past Dv = 128"
      /* narrower copies are more of them: the producer's 56 registers spilled 440
       * bytes at D = 128 with 4-byte rows */
      : kernelInt(kernel, "align") > 0 && kernelInt(kernel, "align") < 8
          ? "its rows are not 16-byte aligned (attn.align < 8: the producer's copies would "
            "spill)"
          : NULL;
  if (o->ws == WS_ON && misfit) {
    char message[200];
    snprintf(message, sizeof(message), "cannot warp-specialize (ws=true): %s", misfit);
    attnEmitOpError(func, passName, message);
    return false;
  }
  if (!misfit && o->ws != WS_OFF) {
    setString(func, "attn.schedule", "warp-specialized");
    setInt(func, "attn.ring", ringBuffers(kernel, m));
    setInt(func, "attn.producer_regs", producerRegs(m));
  }
  return true;
}

/* Null when a TMA load can replace the K/V read making `v`, else why not. */
static const char *tmaMisfit(MlirValue v) {
  MlirOperation def = defOf(v);
  if (mlirOperationIsNull(def) || !attnIsOp(def, "vector.transfer_read"))
    return "its K/V tiles are not read with one vector.transfer_read";
  MlirValue src = mlirOperationGetOperand(def, 0);
  MlirOperation view = defOf(src);
  /* A tensor map covers the whole argument: past a sequence's last row it
   * would load the next sequence's rows (or the padding between them, NaN
   * as far as anyone knows) where the subview's bound loads zeros. */
  if (!mlirOperationIsNull(view) && attnIsOp(view, "memref.subview"))
    return "its K/V tiles are read through a per-sequence subview (varlen), whose rows past "
           "the sequence must read as zeros";
  if (!mlirValueIsABlockArgument(src))
    return "its K/V tiles are not read from a kernel argument";
  MlirType t = mlirValueGetType(src);
  intptr_t rank = mlirShapedTypeGetRank(t);
  MlirAttribute map = mlirOperationGetInherentAttributeByName(
      def, mlirStringRefCreateFromCString("permutation_map"));
  MlirAffineMap m = mlirAffineMapAttrGetValue(map);
  MlirAffineExpr last = mlirAffineMapGetResult(m, mlirAffineMapGetNumResults(m) - 1);
  int64_t strides[8], offset = 0;
  if (rank > 8 ||
      mlirLogicalResultIsFailure(mlirMemRefTypeGetStridesAndOffset(t, strides, &offset)) ||
      strides[rank - 1] != 1 || !mlirAffineExprIsADim(last) ||
      mlirAffineDimExprGetPosition(last) != rank - 1)
    return "its K/V tile columns are not the contiguous last dim of the tensor";
  MlirValue pad = mlirOperationGetOperand(def, 1 + rank); /* base, rank indices, padding */
  MlirOperation padDef = defOf(pad);
  if (!mlirOperationIsNull(padDef) && attnIsOp(padDef, "arith.truncf")) /* 0.0 : f32 -> bf16 */
    padDef = defOf(mlirOperationGetOperand(padDef, 0));
  MlirAttribute padValue = mlirOperationIsNull(padDef) || !attnIsOp(padDef, "arith.constant")
                               ? (MlirAttribute){NULL}
                               : mlirOperationGetInherentAttributeByName(
                                     padDef, mlirStringRefCreateFromCString("value"));
  if (mlirAttributeIsNull(padValue) || !mlirAttributeIsAFloat(padValue) ||
      mlirFloatAttrGetValueDouble(padValue) != 0.0)
    return "its K/V reads pad with a value other than 0 (TMA fills with zeros)";
  return NULL;
}

/* attn.copy = "tma" on every Q, K and V read of a warp-specialized kernel
 * (tma=auto: when all fit; the producer has one way to fill its ring). */
static bool layoutCopies(MlirOperation func, const Matmuls *m, const LayoutOptions *o) {
  if (o->tma == WS_OFF)
    return true;
  bool ws = !mlirAttributeIsNull(attnGetAttr(func, "attn.schedule"));
  const char *misfit =
      ws ? NULL : "it is not warp-specialized (TMA loads feed the producer's ring)";
  for (int i = 0; i < m->nqk && !misfit; ++i) {
    misfit = tmaMisfit(mlirOperationGetOperand(m->qk[i], 1));
    if (!misfit)
      misfit = tmaMisfit(mlirOperationGetOperand(m->qk[i], 0));
  }
  for (int i = 0; i < m->npv && !misfit; ++i)
    misfit = tmaMisfit(mlirOperationGetOperand(m->pv[i], 1));
  if (misfit && o->tma == WS_ON) {
    char message[200];
    snprintf(message, sizeof(message), "cannot load K/V with TMA (tma=true): %s", misfit);
    attnEmitOpError(func, passName, message);
    return false;
  }
  if (misfit)
    return true;
  for (int i = 0; i < m->nqk; ++i) {
    setString(defOf(mlirOperationGetOperand(m->qk[i], 0)), "attn.copy", "tma");
    setString(defOf(mlirOperationGetOperand(m->qk[i], 1)), "attn.copy", "tma");
  }
  for (int i = 0; i < m->npv; ++i)
    setString(defOf(mlirOperationGetOperand(m->pv[i], 1)), "attn.copy", "tma");
  return true;
}

static bool kindIs(MlirAttribute kernel, const char *want) {
  MlirAttribute a =
      mlirDictionaryAttrGetElementByName(kernel, mlirStringRefCreateFromCString("kind"));
  return !mlirAttributeIsNull(a) && mlirAttributeIsAString(a) &&
         mlirStringRefEqual(mlirStringAttrGetValue(a), mlirStringRefCreateFromCString(want));
}

/* Whether sm_90a lowers the kernel with fp8 operands: attn.paged_attention's
 * split kernels (kind paged_decode or paged: fp8 K/V caches) and the forward
 * kernels of attn.mha / attn.mha_varlen (fp8 q, k, v). Their fp8 tiles are
 * dequantized to the 16-bit math type as they are staged in shared memory
 * (attn-lower-nvgpu, docs/fp8.md), and they take mma.sync (layoutKernel). */
static bool fp8LoweredOnSm90(MlirAttribute kernel) {
  return kindIs(kernel, "paged_decode") || kindIs(kernel, "paged") || kindIs(kernel, "mha") ||
         kindIs(kernel, "mha_varlen") || kindIs(kernel, "mla_decode");
}

/* Whether gfx942 / gfx950 lower the kernel with fp8 operands:
 * attn.paged_attention's split kernels (fp8 K/V caches, q 16-bit) and
 * attn.mha / attn.mha_varlen's forward kernels (fp8 q, k, v). Their fp8
 * tiles are dequantized to the 16-bit math type (q's, or out's for fp8 q)
 * between the global load and the LDS store or Q's registers
 * (attn-lower-amdgpu: v_cvt_pk_f32_fp8, whose format is the chip's: FNUZ on
 * gfx942, OCP e4m3fn on gfx950), so the MFMAs are the 16-bit ones. */
static bool fp8LoweredOnAmd(MlirAttribute kernel) {
  return kindIs(kernel, "paged_decode") || kindIs(kernel, "paged") || kindIs(kernel, "mha") ||
         kindIs(kernel, "mha_varlen") || kindIs(kernel, "mla_decode");
}

/* fp8 kernels (memref parameters of an fp8 type: docs/fp8.md) lower on
 * sm_90a (fp8LoweredOnSm90) and AMD (fp8LoweredOnAmd): the forward and
 * decode kinds, whose fp8 tiles are dequantized as they are staged. Any other
 * kind with fp8 parameters (none reaches here today: SAGE is refused before,
 * the backward ops take no fp8) is refused, located. */
static bool refuseFp8(MlirOperation func, MlirAttribute kernel, const char *target) {
  if (!strcmp(target, "sm_90a") && fp8LoweredOnSm90(kernel))
    return false;
  if (strcmp(target, "sm_90a") && fp8LoweredOnAmd(kernel))
    return false;
  MlirType fnType = mlirTypeAttrGetValue(mlirOperationGetInherentAttributeByName(
      func, mlirStringRefCreateFromCString("function_type")));
  for (intptr_t i = 0; i < mlirFunctionTypeGetNumInputs(fnType); ++i) {
    MlirType t = mlirFunctionTypeGetInput(fnType, i);
    if (!mlirTypeIsAMemRef(t) || !attnIsFp8Type(mlirShapedTypeGetElementType(t)))
      continue;
    char message[400];
    snprintf(message, sizeof(message),
             "has fp8 operands, which target '%s' does not implement yet (%s; of fp8 kernels "
             "the GPUs lower attn.mha / attn.mha_varlen, attn.paged_attention's fp8 KV caches "
             "and attn.mla's fp8 latent cache (sm_90a, gfx942, gfx950); the rest runs on the "
             "CPU: attn-to-cpu; docs/fp8.md)",
             target,
             mlirTypeIsAFloat8E4M3FN(mlirShapedTypeGetElementType(t)) ? "f8E4M3FN" : "f8E4M3FNUZ");
    attnEmitOpError(func, passName, message);
    return true;
  }
  return false;
}

/* Past this head dim Q's A fragments (D / 4 registers per thread for a
 * 16-row tile) do not stay in registers next to the accumulators. */
enum { Q_REGS_D = 256 };

/* Operand placement of the left operands (A) of an mma.sync kernel with one
 * 16-row tile per warp: an analysis of the registers a thread holds, not a
 * rule per role. Per thread, a left operand read kept as A fragments holds
 * D / 4 registers for the whole program (16 x D 16-bit elements over 32
 * lanes); a loop body holds its P V accumulators (Dv / (2 G) each: 16 x Dv
 * f32, its warp's columns of a column split), its Q K^T products
 * (BLOCK_N / 2 each), its column vectors of BLOCK_N (BLOCK_N / 4 each: the
 * backward's lse and delta) and, per matmul, A_REGS_PER_MATMUL more (its B
 * fragments in flight, the other operand's fragments, addresses; calibrated
 * with ptxas on the backward kernels). While fragments + the largest loop
 * body exceed A_REGS_BUDGET, the widest left operand still in registers is
 * staged in shared memory instead ("smem.pad8": copied once per program,
 * its A fragments read with ldmatrix.x4 at each use). The forward kernels
 * (two matmuls per loop body) stay within it up to D = 256 (64 + 128 + 16
 * + 48 = 256); the backward's dK/dV kernel (four) from D = 128 on does not
 * (K, V 32 + 32, dK, dV 64 + 64, S^T and dP^T of 16 queries 8 + 8, 96, lse
 * and delta 4 + 4: 312), and stages K and V (248), FA2's choice for its
 * backward; its dQ kernel stages Q (and dout) where they do not fit either
 * (D = 256 with Dv = D: docs/backward.md, "On sm_90a"). */
enum { A_REGS_BUDGET = 256, A_REGS_PER_MATMUL = 24, MAX_LEFT = 8 };

typedef struct {
  MlirOperation read[MAX_LEFT];
  int64_t regs[MAX_LEFT]; /* D / 4 */
  bool staged[MAX_LEFT];
  int n;
} LeftOperands;

static int leftIndex(const LeftOperands *a, MlirOperation read) {
  for (int i = 0; i < a->n; ++i)
    if (mlirOperationEqual(a->read[i], read))
      return i;
  return -1;
}

/* The registers of the accumulators and products of the loop body `block`
 * (per thread of a 16-row warp tile, g column groups). */
static int64_t bodyRegs(const Matmuls *m, MlirBlock block, int64_t g) {
  int64_t regs = 0;
  for (int i = 0; i < m->npv; ++i)
    if (mlirBlockEqual(mlirOperationGetBlock(m->pv[i]), block))
      regs += dimOf(mlirOperationGetResult(m->pv[i], 0), 1) / (2 * g);
  for (int i = 0; i < m->nqk; ++i)
    if (mlirBlockEqual(mlirOperationGetBlock(m->qk[i]), block))
      regs += dimOf(mlirOperationGetResult(m->qk[i], 0), 1) / 2 + A_REGS_PER_MATMUL;
  int64_t bn = 0;
  for (int i = 0; i < m->npv; ++i)
    if (mlirBlockEqual(mlirOperationGetBlock(m->pv[i]), block)) {
      regs += A_REGS_PER_MATMUL;
      bn = dimOf(mlirOperationGetOperand(m->pv[i], 1), 0);
    }
  /* column vectors read in the body (the backward's lse and delta of its
   * BLOCK_N queries): BLOCK_N / 4 registers each, live through the body */
  for (MlirOperation o = mlirBlockGetFirstOperation(block); bn > 0 && !mlirOperationIsNull(o);
       o = mlirOperationGetNextInBlock(o))
    if (attnIsOp(o, "vector.transfer_read") &&
        mlirShapedTypeGetRank(mlirValueGetType(mlirOperationGetResult(o, 0))) == 1 &&
        dimOf(mlirOperationGetResult(o, 0), 0) == bn)
      regs += bn / 4;
  return regs;
}

/* Dropout with its seed read at run time (attn.kernel's rng_state): the
 * ten Philox rounds' key words are uniform values the GPU compiler hoists
 * out of the loops (20 registers) next to the state words of the elements
 * in flight. Calibrated with ptxas: the dK/dV kernel at D = 64 (216 by the
 * estimate above) spilled 8 bytes with K and V in registers. */
enum { RNG_STATE_REGS = 48 };

static int64_t rngStateRegs(MlirAttribute kernel) {
  return mlirAttributeIsNull(mlirDictionaryAttrGetElementByName(
             kernel, mlirStringRefCreateFromCString("rng_state")))
             ? 0
             : RNG_STATE_REGS;
}

/* Decides which left operand reads of an mma.sync kernel (16 rows per warp,
 * head dims up to Q_REGS_D) are staged in shared memory (above). */
static void placeLeftOperands(const Matmuls *m, int64_t g, int64_t extra, LeftOperands *a) {
  a->n = 0;
  int64_t body = 0;
  for (int i = 0; i < m->nqk; ++i) {
    MlirValue q = mlirOperationGetOperand(m->qk[i], 0);
    MlirOperation def = defOf(q);
    if (mlirOperationIsNull(def) || leftIndex(a, def) >= 0 || a->n == MAX_LEFT)
      continue;
    a->read[a->n] = def;
    a->regs[a->n] = dimOf(q, 1) / 4;
    a->staged[a->n++] = false;
  }
  for (int i = 0; i < m->nqk; ++i) {
    int64_t r = bodyRegs(m, mlirOperationGetBlock(m->qk[i]), g) + extra;
    body = r > body ? r : body;
  }
  for (;;) {
    int64_t regs = body;
    int widest = -1;
    for (int i = 0; i < a->n; ++i)
      if (!a->staged[i]) {
        regs += a->regs[i];
        if (widest < 0 || a->regs[i] > a->regs[widest])
          widest = i;
      }
    if (regs <= A_REGS_BUDGET || widest < 0)
      return;
    a->staged[widest] = true;
  }
}

/* The column groups of an mma.sync kernel's warps: num_warps * 16 /
 * block_m when the warps are more than 16-row tiles (attn.mla: 16 heads,
 * 4 warps), else 1. The warps of a row group each compute S = Q K^T and the
 * softmax of their rows (redundantly: such kernels are memory bound) and
 * the P V product, the output and its stores for their share of the Dv
 * columns only: a 16 x 512 f32 accumulator in one warp is 256 registers
 * per thread (ptxas spilled 6 KB). 0 (with a located error) when the split
 * does not fit. */
static int64_t columnGroups(MlirOperation func, MlirAttribute kernel, const Matmuls *m) {
  int64_t bm = kernelInt(kernel, "block_m"), w = kernelInt(kernel, "num_warps");
  if (bm <= 0 || w <= 0 || w * 16 <= bm)
    return 1;
  int64_t g = w * 16 / bm;
  int64_t dv = m->npv ? dimOf(mlirOperationGetResult(m->pv[0], 0), 1) : 0;
  int64_t bn = m->nqk ? dimOf(mlirOperationGetResult(m->qk[0], 0), 1) : 0;
  if (bm % 16 == 0 && w * 16 % bm == 0 && m->npv > 0 && dv % (16 * g) == 0 && bn != dv)
    return g;
  char message[300];
  snprintf(message, sizeof(message),
           "has block_m %lld and num_warps %lld: more warps than 16-row tiles split the P V "
           "product's %lld columns into %lld groups of a multiple of 16 columns, which do not "
           "fit (or block_n is that wide too)",
           (long long)bm, (long long)w, (long long)dv, (long long)g);
  attnEmitOpError(func, passName, message);
  return 0;
}

/* The head-dim columns of Q K^T each warp of a column split multiplies
 * (attn.k_per_warp), or 0 to leave S whole in every warp. With G column
 * groups every warp of a row group needs all of S (its P V reads every
 * key), but computing it whole in each warp reads the K tile and Q from
 * shared memory G times per tile (attn.mla at H = 128 was bound by those
 * ldmatrix reads: 4 x 36 KiB of K per 32-key tile). Split, warp j of the
 * group multiplies head-dim columns [j * D / G, (j + 1) * D / G) and
 * attn-lower-nvgpu sums the G partial products through shared memory.
 * Needs Q staged (its columns read by ldmatrix at a warp offset) and D / G
 * a multiple of the 16-column k-chunk (D = 288 with G = 4 keeps S whole). */
static int64_t splitSPerWarp(MlirAttribute kernel, MlirOperation qk, int64_t g, bool wg,
                             const char *qLayout, const LayoutOptions *o) {
  int64_t d = dimOf(mlirOperationGetOperand(qk, 0), 1);
  if (!o->splitS || wg || g <= 1 || strcmp(qLayout, "smem.pad8") || d % (16 * g))
    return 0;
  /* forward kernels only: the backward's products of S reuse its operands
   * whole (dS, P^T dO) */
  if (!kindIs(kernel, "mla_decode") && !kindIs(kernel, "paged_decode") &&
      !kindIs(kernel, "paged") && !kindIs(kernel, "mha") && !kindIs(kernel, "mha_varlen"))
    return 0;
  return d / g;
}

static MlirWalkResult findTileStore(MlirOperation op, void *userData) {
  if (!attnIsOp(op, "vector.transfer_write"))
    return MlirWalkResultAdvance;
  MlirType t = mlirValueGetType(mlirOperationGetOperand(op, 0));
  if (mlirShapedTypeGetRank(t) != 2)
    return MlirWalkResultAdvance;
  *(int64_t *)userData = mlirShapedTypeGetDimSize(t, 1);
  return MlirWalkResultInterrupt;
}

/* A kernel without matmuls (attn.paged_merge) has one 16-row tile per warp
 * (attn-lower-nvgpu); the config's num_warps beyond that split its tiles'
 * columns as in the split kernel (attn.mla's 512: the 16 x 512 f32
 * accumulator of one warp spilled 680 bytes), when they divide into groups
 * of a multiple of 16 columns; else 1. */
static int64_t mergeColumnGroups(MlirAttribute kernel, MlirOperation func) {
  int64_t bm = kernelInt(kernel, "block_m"), w = kernelInt(kernel, "num_warps"), cols = 0;
  if (bm <= 0 || bm % 16 || w <= 0 || w * 16 <= bm || w * 16 % bm)
    return 1;
  int64_t g = w * 16 / bm;
  mlirOperationWalk(func, findTileStore, &cols, MlirWalkPreOrder);
  return cols > 0 && cols % (16 * g) == 0 ? g : 1;
}

/* A one-warp merge kernel of 16-row tiles (paged decode's: block_m 16,
 * num_warps 1) gets MERGE_WARPS warps that split its columns (attn.kernel's
 * num_warps is rewritten; the bundle's block size follows it): its loop keeps
 * four splits' tiles in flight (attn-online-softmax's mergeUnroll), 4 x 64
 * registers of a 16 x 128 f32 tile in one warp, 4 x 16 in each of four, and
 * four warps load at once. Tiles whose columns do not split into groups of a
 * multiple of 16 keep one warp. Returns the kernel attribute in effect. */
enum { MERGE_WARPS = 4 };

static MlirAttribute widenMerge(MlirOperation func, MlirAttribute kernel) {
  int64_t cols = 0;
  mlirOperationWalk(func, findTileStore, &cols, MlirWalkPreOrder);
  if (kernelInt(kernel, "block_m") != 16 || kernelInt(kernel, "num_warps") != 1 || cols <= 0 ||
      cols % (16 * MERGE_WARPS))
    return kernel;
  MlirAttribute widened =
      attnDictWithInt(mlirOperationGetContext(func), kernel, "num_warps", MERGE_WARPS);
  attnSetAttr(func, "attn.kernel", widened);
  return widened;
}

/* SAGE kernels (attn.kernel's `sage`: i8 q and k, fp8 v; docs/fp8.md)
 * have no GPU lowering yet (int8 MMA for Q K^T, fp8 P V, 8-bit operand
 * layouts); they run on the CPU. Refused before the fp8 check, whose
 * message would name only v's format. */
static bool refuseSage(MlirOperation func, MlirAttribute kernel, const char *target) {
  if (mlirAttributeIsNull(
          mlirDictionaryAttrGetElementByName(kernel, mlirStringRefCreateFromCString("sage"))))
    return false;
  char message[300];
  snprintf(message, sizeof(message),
           "is a SAGE kernel (i8 q and k, fp8 v), which target '%s' does not implement yet (SAGE "
           "runs on the CPU: attn-to-cpu; docs/fp8.md)",
           target);
  attnEmitOpError(func, passName, message);
  return true;
}

static bool layoutKernel(MlirOperation func, const LayoutOptions *o) {
  MlirAttribute kernel = attnGetAttr(func, "attn.kernel");
  if (!mlirAttributeIsADictionary(kernel))
    return true;
  const char *chip = amdChip(kernel);
  if ((chip || kernelTarget(kernel, "sm_90a")) && refuseSage(func, kernel, chip ? chip : "sm_90a"))
    return false;
  if ((chip || kernelTarget(kernel, "sm_90a")) && refuseFp8(func, kernel, chip ? chip : "sm_90a"))
    return false;
  if (chip) {
    Matmuls m = {0};
    mlirOperationWalk(func, collectMatmul, &m, MlirWalkPreOrder);
    /* attn.mla: waves beyond the 16-row tiles split the P V product's
     * columns, as on sm_90a (columnGroups) */
    int64_t g = m.nqk || m.npv ? columnGroups(func, kernel, &m) : mergeColumnGroups(kernel, func);
    if (g < 1 || !layoutAmdKernel(func, kernel, chip, &m, g, o))
      return false;
    if (g > 1) {
      setInt(func, "attn.warp_cols", g);
      for (int i = 0; i < m.npv; ++i)
        setInt(m.pv[i], "attn.cols_per_warp", dimOf(mlirOperationGetResult(m.pv[i], 0), 1) / g);
    }
    return true;
  }
  if (!kernelTarget(kernel, "sm_90a"))
    return true; /* a CPU kernel: nothing to decide here */
  Matmuls m = {0};
  mlirOperationWalk(func, collectMatmul, &m, MlirWalkPreOrder);
  if (m.nqk == 0 && m.npv == 0) {
    setString(func, "attn.mma", "none");
    int64_t g = mergeColumnGroups(widenMerge(func, kernel), func);
    if (g > 1)
      setInt(func, "attn.warp_cols", g);
    return true;
  }
  char why[160];
  const char *misfit = wgmmaMisfit(kernel, &m, why, sizeof(why));
  bool wg = o->mma == MMA_WGMMA || (o->mma == MMA_AUTO && !misfit);
  if (wg && misfit) {
    char message[300];
    snprintf(message, sizeof(message), "cannot use wgmma (mma=wgmma): %s", misfit);
    attnEmitOpError(func, passName, message);
    return false;
  }
  setString(func, "attn.mma", wg ? "wgmma" : "mma_sync");
  if (!layoutSchedule(func, kernel, wg, &m, o))
    return false;
  int64_t g = wg ? 1 : columnGroups(func, kernel, &m);
  if (g < 1)
    return false;
  /* mma.sync with two 16-row tiles per warp has no registers left for Q's
   * fragments next to the 32-row accumulators (FA2's budget), nor has one
   * tile past D = 256 (attn.mla's 576: 144 registers of A fragments): Q is
   * staged in shared memory and read with ldmatrix per k-chunk. */
  int64_t warps = kernelInt(kernel, "num_warps") > 0 ? kernelInt(kernel, "num_warps") : 1;
  int64_t rowsPerWarp = kernelInt(kernel, "block_m") / (warps / g > 0 ? warps / g : 1);
  int64_t d = m.nqk ? dimOf(mlirOperationGetOperand(m.qk[0], 0), 1) : 0;
  /* An fp8 Q tile (arith.extf of the fp8 read) is dequantized as it is
   * staged, like K and V: its A fragments come from shared memory. */
  MlirOperation qDef = m.nqk ? defOf(mlirOperationGetOperand(m.qk[0], 0)) : (MlirOperation){NULL};
  bool fp8Q = !mlirOperationIsNull(qDef) && attnIsOp(qDef, "arith.extf");
  const char *kv = wg ? "smem.swizzle128" : "smem.pad8";
  const char *q = wg                                         ? "smem.swizzle128"
                  : rowsPerWarp > 16 || d > Q_REGS_D || fp8Q ? "smem.pad8"
                                                             : "regs.mma_a";
  LeftOperands left = {.n = 0};
  if (q[0] == 'r')
    placeLeftOperands(&m, g, rngStateRegs(kernel), &left);
  for (int i = 0; i < m.nqk; ++i) {
    MlirValue a = mlirOperationGetOperand(m.qk[i], 0);
    int at = mlirOperationIsNull(defOf(a)) ? -1 : leftIndex(&left, defOf(a));
    const char *layout = at >= 0 && left.staged[at] ? "smem.pad8" : q;
    markRead(a, layout);
    markRead(mlirOperationGetOperand(m.qk[i], 1), kv);
    markMatmul(m.qk[i], wg, !wg && layout[0] == 'r');
    int64_t kpw = splitSPerWarp(kernel, m.qk[i], g, wg, layout, o);
    if (kpw > 0)
      setInt(m.qk[i], "attn.k_per_warp", kpw);
  }
  for (int i = 0; i < m.npv; ++i) {
    MlirValue v = mlirOperationGetOperand(m.pv[i], 1);
    markRead(v, kv);
    /* attn.mla's V, a column prefix of the K tile: a view of K's buffer */
    MlirOperation vDef = defOf(v);
    if (!mlirOperationIsNull(vDef) && attnIsOp(vDef, "vector.extract_strided_slice"))
      setString(vDef, "attn.layout", "smem.pad8.view");
    markMatmul(m.pv[i], wg, true); /* P stays in the accumulator's registers */
    if (g > 1)
      setInt(m.pv[i], "attn.cols_per_warp", dimOf(mlirOperationGetResult(m.pv[i], 0), 1) / g);
  }
  if (g > 1)
    setInt(func, "attn.warp_cols", g);
  return layoutCopies(func, &m, o);
}

static void run(MlirOperation root, MlirExternalPass pass, const void *options) {
  const LayoutOptions *o = options;
  AttnKernelList list;
  attnCollectKernelFuncs(root, &list);
  bool ok = o && !list.overflow;
  if (list.overflow)
    attnEmitOpError(root, passName, "found more than 256 kernels in one module");
  for (int i = 0; ok && i < list.count; ++i)
    ok = layoutKernel(list.funcs[i], o);
  if (!ok)
    mlirExternalPassSignalFailure(pass);
}

static const int64_t passId = 0;

static const AttnPassInfo info = {&passId, "AttnGpuLayout", "attn-gpu-layout",
                                  "Choose matmul forms and operand layouts of GPU kernels", NULL};

MlirPass attnCreateGpuLayoutPass(const char *options, char *err, size_t errLen) {
  LayoutOptions o;
  if (!parseOptions(options, &o, err, errLen))
    return (MlirPass){NULL};
  MlirPass pass = attnCreateOptionsPass(&info, &o, sizeof(o), run);
  if (!pass.ptr)
    snprintf(err, errLen, "attn-gpu-layout: out of memory");
  return pass;
}
