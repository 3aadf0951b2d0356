/*===- attn-lower-amdgpu.c - kernel IR -> AMD GPU kernels (MFMA, LDS) ------===*
 *
 * Lowers each kernel function of the kernel IR (docs/kernel-ir.md) to a
 * `gpu.func` in `gpu.module @attn_kernels`: one program is one workgroup of
 * num_warps wave64 waves, wave w owning query rows [w*R, w*R + R) of the
 * BLOCK_M tile (R = BLOCK_M / num_warps, 32 or 16: the MFMA block). The
 * launch declaration becomes a `gpu.launch_func` of that kernel.
 *
 * Layouts (per lane `lane`, g = lane / R, r = lane % R, row = w*R + r). The
 * kernel computes S^T = K Q^T and O^T = V^T P^T, so every query row lives in
 * one lane column of the MFMA blocks and all per-row state is per lane:
 *   - a row vector vector<BM x T> is one scalar per lane (its row's value);
 *   - a tile vector<BM x C x T> is C/R blocks vector<c_per_lane x T>: element
 *     e of block t is column t*R + crow(e, g), crow the MFMA C-layout row
 *     (MfmaLayout.h), which is the key (S) or head-dim (O) index;
 *   - Q is kept in registers as MFMA B fragments (Q^T), loaded once with
 *     128-bit global loads: the QK reduction walks the head dim in chunks of
 *     8 elements per lane (two k-steps of a 4-element instruction), which the
 *     K fragments, read from LDS with the same order, match;
 *   - a K/V tile is staged in LDS by the whole workgroup (128-bit global
 *     loads, rows padded by a_per_lane elements so the fragment reads of
 *     consecutive rows fall in different banks); K fragments are 64/128-bit
 *     LDS reads, V^T fragments element reads in the key order of P's blocks.
 * Because the C layout of S^T is the B layout of P^T, P feeds the PV MFMAs
 * straight from registers. Row reductions reduce a lane's elements, then
 * across its g lane groups with xor shuffles (gpu.shuffle).
 *
 * The target-independent part (value forms, element-wise ops, reductions,
 * loops, stores, the gpu.func and its launch) is GpuLower.c; this file is
 * the AMD target of it: layouts, MFMA, LDS staging, lane reductions.
 * exp2/log2 become the
 * hardware's v_exp_f32 / v_log_f32 (rocdl.exp2 / rocdl.log), whose inputs
 * here are never denormal-sensitive (exp2 of a logit difference <= 0).
 *
 *===----------------------------------------------------------------------===*/

#include "GpuLower.h"
#include "MfmaLayout.h"
#include "Passes.h"

#include "mlir-c/BuiltinAttributes.h"
#include "mlir-c/BuiltinTypes.h"
#include "mlir-c/Dialect/LLVM.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const passName = "attn-lower-amdgpu";
enum { WAVE = 64, CHUNK = 8 /* elements per 128-bit load */ };

/* The AMD part of the lowering state. */
typedef struct {
  const AttnMfmaInstr *mma;
  bool permlaneSwap; /* gfx950: v_permlane{16,32}_swap for cross-row reductions */
  int R, G, KPL, K;
  int crowBase[16], crowDelta[16];
  MlirValue g, lr;
} AmdState;

static AmdState *A(AttnGpuLower *L) { return L->state; }
static MlirValue cIdx(AttnBuilder *b, int64_t v) { return attnConstIndex(b, v); }

/*===--- Q, K, V ------------------------------------------------------------------===*/

/* Q: MFMA B fragments kept in registers, one 128-bit load per lane and chunk
 * of CHUNK head-dim elements; rows past the tensor read the padding. */
static void lowerReadQ(AttnGpuLower *L, AttnBuilder *b, MlirOperation op, const AttnTransfer *x) {
  MlirValue res = mlirOperationGetResult(op, 0);
  int64_t d = attnGpuDim(res, 1), span = (int64_t)A(L)->G * CHUNK;
  if (attnGpuDim(res, 0) != L->bm || d % span) {
    attnGpuFail(L, op,
                "reads a Q tile whose head dim is not a multiple of 8 elements per lane group");
    return;
  }
  int steps = (int)(d / A(L)->K), perChunk = CHUNK / A(L)->KPL;
  MlirValue *frags = attnGpuNewBlocks(L, steps);
  if (!frags)
    return;
  MlirValue idx[4];
  MlirType chunkType = attnGpuVecT(CHUNK, attnGpuElemOf(res));
  for (int64_t c = 0; c < d / span; ++c) {
    MlirValue col = attnAddI(b, attnMulI(b, A(L)->g, cIdx(b, CHUNK)), cIdx(b, c * span));
    attnGpuShifted(b, x, L->rowBase[0], col, idx);
    MlirValue v = x->rowsInBounds ? attnGpuLoad(b, chunkType, x->mem, x->rank, idx)
                                  : attnGpuGuardedLoad(b, attnGpuRowValid(b, x, idx[x->rowDim]),
                                                       chunkType, x->mem, x->rank, idx, x->pad);
    for (int j = 0; j < perChunk; ++j)
      frags[c * perChunk + j] = attnGpuSlice(L, b, v, (int64_t)j * A(L)->KPL, A(L)->KPL);
  }
  attnGpuPut(L, res, (AttnRep){.kind = ATTN_REP_QFRAG, .nb = steps, .blocks = frags});
}

/* Copies `rows` rows read through x (from its row index on; rows past the
 * memref read the padding) into rows [tileRow, tileRow + rows) of the LDS
 * tile of leading dim `stride`. Row-major: consecutive threads walk a row's
 * chunks (coalesced loads, contiguous 128-bit LDS writes). Transposed:
 * consecutive threads walk the rows (keys), so each of the 8 element writes
 * of a wave is one LDS row. When the workgroup covers whole rows (columns)
 * per pass, a thread's chunks differ by constant rows (columns): its
 * addresses are computed once. */
static void stageRows(AttnGpuLower *L, AttnBuilder *b, const AttnTransfer *x, int64_t tileRow,
                      int64_t rows, int64_t cols, int64_t stride, bool transposed) {
  int64_t perRow = cols / CHUNK, total = rows * perRow, threads = (int64_t)L->W * WAVE;
  MlirType chunkType = attnGpuVecT(CHUNK, L->elem);
  MlirType idxType = attnIndexType(b);
  int64_t walk = transposed ? rows : perRow; /* threads along the fast dim */
  bool uniformStep = threads % walk == 0;
  MlirValue fast = attnOp1(b, "arith.remui", 2, (MlirValue[]){L->tid, cIdx(b, walk)}, idxType);
  MlirValue slow = attnOp1(b, "arith.divui", 2, (MlirValue[]){L->tid, cIdx(b, walk)}, idxType);
  for (int64_t i = 0; i * threads < total; ++i) {
    MlirValue c = attnAddI(b, L->tid, cIdx(b, i * threads));
    AttnGpuIf guard;
    bool partial = (i + 1) * threads > total;
    if (partial)
      guard = attnGpuIfBegin(b, attnCmpI(b, ATTN_CMPI_SLT, c, cIdx(b, total)));
    MlirValue f = fast, sl = attnAddI(b, slow, cIdx(b, i * threads / walk));
    if (!uniformStep) {
      f = attnOp1(b, "arith.remui", 2, (MlirValue[]){c, cIdx(b, walk)}, idxType);
      sl = attnOp1(b, "arith.divui", 2, (MlirValue[]){c, cIdx(b, walk)}, idxType);
    }
    MlirValue row = transposed ? f : sl;
    MlirValue col = attnMulI(b, transposed ? sl : f, cIdx(b, CHUNK));
    MlirValue idx[4];
    attnGpuShifted(b, x, row, col, idx);
    MlirValue v = x->rowsInBounds ? attnGpuLoad(b, chunkType, x->mem, x->rank, idx)
                                  : attnGpuGuardedLoad(b, attnGpuRowValid(b, x, idx[x->rowDim]),
                                                       chunkType, x->mem, x->rank, idx, x->pad);
    if (transposed) {
      MlirValue at = attnAddI(b, attnMulI(b, col, cIdx(b, stride)), row);
      for (int e = 0; e < CHUNK; ++e) {
        MlirValue a = attnAddI(b, at, cIdx(b, e * stride + tileRow));
        attnStore(b, attnGpuExtract(L, b, v, e), L->smem, 1, &a);
      }
    } else {
      MlirValue at = attnAddI(b, attnMulI(b, row, cIdx(b, stride)), col);
      if (tileRow)
        at = attnAddI(b, at, cIdx(b, tileRow * stride));
      attnGpuStore(b, v, L->smem, 1, &at);
    }
    if (partial)
      attnGpuIfEnd(b, &guard);
  }
}

/* K/V tile: the workgroup copies it into LDS between barriers, piece by
 * piece (a paged cache's tile is read from several blocks); the matmul that
 * uses it reads fragments. K is stored row-major (its fragments are runs of
 * the head dim); V, whose MFMA operand is V^T, is stored transposed so that
 * its fragments are runs of keys. Either way the leading dim is padded by
 * a_per_lane elements: the 64/128-bit fragment reads of 32 consecutive rows
 * then start a_per_lane/2 banks apart and cover the 32 banks without
 * conflicts. */
static void lowerReadTile(AttnGpuLower *L, AttnBuilder *b, MlirOperation op, const AttnTileRead *t,
                          bool transposed) {
  MlirValue res = mlirOperationGetResult(op, 0);
  int64_t rows = t->tileRows, cols = t->cols;
  if (cols % CHUNK || !mlirTypeEqual(attnGpuElemOf(res), L->elem)) {
    attnGpuFail(L, op,
                "reads a K/V tile the AMD lowering cannot stage (head dim not a multiple of 8, or "
                "a dtype other than Q's)");
    return;
  }
  int64_t stride = (transposed ? rows : cols) + A(L)->KPL;
  attnGpuBarrier(b); /* the previous tile's readers are done */
  for (int i = 0; i < t->n; ++i)
    stageRows(L, b, &t->x[i], t->row[i], t->rows[i], cols, stride, transposed);
  attnGpuBarrier(b);
  attnGpuPut(L, res,
             (AttnRep){.kind = ATTN_REP_SMEM,
                       .rows = rows,
                       .cols = cols,
                       .stride = stride,
                       .transposed = transposed,
                       .generation = ++L->smemGeneration[0]});
}

/*===--- Matmuls -----------------------------------------------------------------===*/

static MlirValue mfma(AttnGpuLower *L, AttnBuilder *b, MlirValue a, MlirValue bb, MlirValue c) {
  if (A(L)->mma->ab_as_i16) {
    MlirType t = attnGpuVecT(A(L)->KPL, attnIntType(b, 16));
    a = attnOp1(b, "arith.bitcast", 1, &a, t);
    bb = attnOp1(b, "arith.bitcast", 1, &bb, t);
  }
  MlirValue zero = attnGpuConstInt(b, attnIntType(b, 32), 0);
  MlirValue operands[6] = {a, bb, c, zero, zero, zero};
  return attnGpuOp1(b, A(L)->mma->rocdl, 6, operands, mlirValueGetType(c), 0, NULL);
}

/* S^T = K Q^T: block t of S is keys [t*R, t*R+R) of the K tile. */
static void lowerQK(AttnGpuLower *L, AttnBuilder *b, MlirOperation op) {
  MlirValue q = mlirOperationGetOperand(op, 0), k = mlirOperationGetOperand(op, 1),
            acc = mlirOperationGetOperand(op, 2), res = mlirOperationGetResult(op, 0);
  AttnRep *qr = attnGpuFind(L, q);
  AttnRep *kr = attnGpuSmemOperand(L, op, k);
  if (!kr)
    return;
  if (!qr || qr->kind != ATTN_REP_QFRAG) {
    attnGpuFail(L, op, "has a left operand that is not the Q tile read");
    return;
  }
  int nb = (int)(kr->rows / A(L)->R), steps = qr->nb, perChunk = CHUNK / A(L)->KPL;
  if (kr->rows % A(L)->R || nb > ATTN_GPU_MAXB || (int64_t)steps * A(L)->K != kr->cols) {
    attnGpuFail(L, op, "has a K tile whose rows are not a multiple of the MFMA block");
    return;
  }
  MlirValue blocks[ATTN_GPU_MAXB];
  MlirValue *q8 = qr->blocks;
  int64_t span = (int64_t)A(L)->G * CHUNK;
  if (kr->transposed) {
    attnGpuFail(L, op, "uses a K tile that is also a V tile");
    return;
  }
  MlirValue laneOff =
      attnAddI(b, attnMulI(b, A(L)->lr, cIdx(b, kr->stride)), attnMulI(b, A(L)->g, cIdx(b, CHUNK)));
  for (int t = 0; t < nb && !L->failed; ++t) {
    MlirValue c = attnGpuColOf(L, b, op, acc, t);
    for (int s = 0; s < steps; s += perChunk) {
      int64_t at = (int64_t)t * A(L)->R * kr->stride + (int64_t)(s / perChunk) * span;
      MlirValue addr = attnAddI(b, laneOff, cIdx(b, at));
      MlirValue kv = attnGpuLoad(b, attnGpuVecT(CHUNK, L->elem), L->smem, 1, &addr);
      for (int j = 0; j < perChunk; ++j)
        c = mfma(L, b, attnGpuSlice(L, b, kv, (int64_t)j * A(L)->KPL, A(L)->KPL), q8[s + j], c);
    }
    blocks[t] = c;
  }
  if (!L->failed)
    attnGpuPutTile(L, res, nb, blocks);
}

/* O^T += V^T P^T: P's blocks are B fragments as they are; the V^T fragment
 * of k-step s holds, per element, the key that P's element has. */
static void lowerPV(AttnGpuLower *L, AttnBuilder *b, MlirOperation op) {
  MlirValue p = mlirOperationGetOperand(op, 0), v = mlirOperationGetOperand(op, 1),
            acc = mlirOperationGetOperand(op, 2), res = mlirOperationGetResult(op, 0);
  AttnRep *vr = attnGpuSmemOperand(L, op, v);
  if (!vr)
    return;
  MlirValue pb[ATTN_GPU_MAXB];
  int np = 0;
  if (!attnGpuTileBlocks(L, b, op, p, pb, &np))
    return;
  if (!mlirTypeEqual(attnGpuElemOf(p), L->elem) || (int64_t)np * A(L)->R != vr->rows) {
    attnGpuFail(L, op, "has a P tile that does not match the V tile");
    return;
  }
  int nd = (int)(vr->cols / A(L)->R), steps = (int)(vr->rows / A(L)->K);
  if (vr->cols % A(L)->R || nd > ATTN_GPU_MAXB || vr->rows % A(L)->K) {
    attnGpuFail(L, op, "has a V tile whose head dim is not a multiple of the MFMA block");
    return;
  }
  MlirValue frags[128];
  for (int s = 0; s < steps; ++s) {
    int f = s * A(L)->KPL, t = f / L->CE, e = f % L->CE;
    frags[s] = A(L)->KPL <= L->CE ? attnGpuSlice(L, b, pb[t], e, A(L)->KPL)
                                  : attnGpuConcat(L, b, pb[t], pb[t + 1]);
  }
  if (!vr->transposed) {
    attnGpuFail(L, op, "uses a V tile that is also a K tile");
    return;
  }
  /* Lane (g, r) reads row d = u*R + r of V^T at the keys of its P elements:
   * runs of four consecutive keys, one 64-bit LDS read each. */
  MlirValue laneOff = attnAddI(b, attnMulI(b, A(L)->lr, cIdx(b, vr->stride)),
                               attnMulI(b, A(L)->g, cIdx(b, A(L)->crowDelta[0])));
  MlirType run = attnGpuVecT(4, L->elem);
  MlirValue blocks[ATTN_GPU_MAXB];
  for (int u = 0; u < nd && !L->failed; ++u) {
    MlirValue c = attnGpuColOf(L, b, op, acc, u);
    for (int s = 0; s < steps; ++s) {
      MlirValue a = attnNullValue();
      for (int e = 0; e < A(L)->KPL; e += 4) {
        int f = s * A(L)->KPL + e, t = f / L->CE, ce = f % L->CE;
        int64_t key = (int64_t)t * A(L)->R + A(L)->crowBase[ce];
        MlirValue addr = attnAddI(b, laneOff, cIdx(b, (int64_t)u * A(L)->R * vr->stride + key));
        MlirValue r4 = attnGpuLoad(b, run, L->smem, 1, &addr);
        a = mlirValueIsNull(a) ? r4 : attnGpuConcat(L, b, a, r4);
      }
      c = mfma(L, b, a, frags[s], c);
    }
    blocks[u] = c;
  }
  if (!L->failed)
    attnGpuPutTile(L, res, nd, blocks);
}

/*===--- Row reductions across lanes ---------------------------------------------===*/

/* gfx950's v_permlane32_swap / v_permlane16_swap exchange the halves (rows)
 * of two registers; swapping x with itself leaves, in the two results, x and
 * its xor-32 (xor-16) partner at every lane, in some order, which is all a
 * commutative combine needs. No LDS crossbar, unlike ds_bpermute. */
static MlirValue combineSwapped(AttnGpuLower *L, AttnBuilder *b, const char *combine, MlirValue x,
                                int offset) {
  MlirType i32 = attnIntType(b, 32), f32 = mlirValueGetType(x);
  MlirValue xi = attnOp1(b, "arith.bitcast", 1, &x, i32);
  MlirValue operands[2] = {xi, xi};
  MlirType pairElems[2] = {i32, i32};
  MlirType pair = mlirLLVMStructTypeLiteralGet(L->ctx, 2, pairElems, false);
  MlirNamedAttribute attrs[2] = {attnNamedAttr(b, "fi", mlirBoolAttrGet(L->ctx, 0)),
                                 attnNamedAttr(b, "boundControl", mlirBoolAttrGet(L->ctx, 0))};
  MlirValue swapped =
      attnGpuOp1(b, offset == 32 ? "rocdl.permlane32.swap" : "rocdl.permlane16.swap", 2, operands,
                 pair, 2, attrs);
  MlirValue half[2];
  for (int64_t i = 0; i < 2; ++i) {
    MlirNamedAttribute pos = attnNamedAttr(b, "position", mlirDenseI64ArrayGet(L->ctx, 1, &i));
    MlirValue v = attnGpuOp1(b, "llvm.extractvalue", 1, &swapped, i32, 1, &pos);
    half[i] = attnOp1(b, "arith.bitcast", 1, &v, f32);
  }
  return attnBinary(b, combine, half[0], half[1]);
}

/*===--- Set-up -----------------------------------------------------------------===*/

/* Checks that the table's C layout is what the lowering assumes: per
 * element e a row crow(e, g) = base[e] + g * delta[e], with four consecutive
 * elements on consecutive rows (64-bit stores), and that A/B hold
 * a_per_lane consecutive k per lane group g = lane / R. */
static bool readLayout(AttnGpuLower *L) {
  const AttnMfmaInstr *in = A(L)->mma;
  for (int e = 0; e < in->c_per_lane; ++e) {
    int row0, col, row1;
    attnMfmaC(in, 0, e, &row0, &col);
    attnMfmaC(in, in->n, e, &row1, &col);
    A(L)->crowBase[e] = row0;
    A(L)->crowDelta[e] = A(L)->G > 1 ? row1 - row0 : 0;
    if (A(L)->crowDelta[e] != A(L)->crowDelta[0] || (e % 4 && row0 != A(L)->crowBase[e - 1] + 1))
      return false;
    for (int lane = 0; lane < WAVE; ++lane) {
      int row, c;
      attnMfmaC(in, lane, e, &row, &c);
      if (c != lane % in->n || row != row0 + (lane / in->n) * A(L)->crowDelta[e])
        return false;
    }
  }
  for (int lane = 0; lane < WAVE; ++lane)
    for (int e = 0; e < in->a_per_lane; ++e) {
      int row, k, col, kb;
      attnMfmaA(in, lane, e, &row, &k);
      attnMfmaB(in, lane, e, &kb, &col);
      if (row != lane % in->m || col != lane % in->n || k != kb ||
          k != (lane / in->m) * in->a_per_lane + e)
        return false;
    }
  return true;
}

static bool setUp(AttnGpuLower *L, MlirOperation func, MlirAttribute kernel) {
  (void)kernel; /* the core read chip, block_m and num_warps */
  const char *chip = L->chip;
  L->state = calloc(1, sizeof(AmdState));
  char msg[256];
  if (!L->state) {
    attnEmitOpError(func, passName, "ran out of memory");
    return false;
  }
  if (strcmp(chip, "gfx942") && strcmp(chip, "gfx950")) {
    snprintf(msg, sizeof(msg),
             "was tiled for target '%s'; the AMD lowering needs gfx942 or gfx950 "
             "(attn-tile{target=gfx942})",
             chip);
    attnEmitOpError(func, passName, msg);
    return false;
  }
  if (L->W <= 0 || L->bm <= 0 || L->bm % L->W || (L->bm / L->W != 32 && L->bm / L->W != 16)) {
    snprintf(msg, sizeof(msg),
             "has block_m %lld and num_warps %d: each wave must own 32 or 16 "
             "query rows (an MFMA block)",
             (long long)L->bm, L->W);
    attnEmitOpError(func, passName, msg);
    return false;
  }
  A(L)->permlaneSwap = !strcmp(chip, "gfx950");
  A(L)->R = (int)(L->bm / L->W);
  A(L)->G = WAVE / A(L)->R;
  MlirBlock old = mlirRegionGetFirstBlock(mlirOperationGetRegion(func, 0));
  MlirType qElem = mlirShapedTypeGetElementType(mlirValueGetType(mlirBlockGetArgument(old, 0)));
  bool matmul = attnGpuHasMatmul(func);
  AttnMfmaElem elem;
  /* A kernel without matmuls (the paged merge kernel) has no Q: it only
   * uses the C layout, which f16 and bf16 instructions share. */
  if (!matmul)
    elem = ATTN_MFMA_F16;
  else if (mlirTypeIsAF16(qElem))
    elem = ATTN_MFMA_F16;
  else if (mlirTypeIsABF16(qElem))
    elem = ATTN_MFMA_BF16;
  else {
    attnEmitOpError(func, passName, "has inputs that are not f16 or bf16 (MFMA needs them)");
    return false;
  }
  A(L)->mma = attnMfmaSelect(chip, elem, A(L)->R);
  if (!A(L)->mma) {
    attnEmitOpError(func, passName, "has no MFMA instruction for its chip, dtype and block");
    return false;
  }
  L->elem = matmul ? qElem : mlirF32TypeGet(L->ctx);
  L->CE = A(L)->mma->c_per_lane;
  A(L)->KPL = A(L)->mma->a_per_lane;
  A(L)->K = A(L)->mma->k;
  if (!readLayout(L) || CHUNK % A(L)->KPL || A(L)->K != A(L)->G * A(L)->KPL) {
    attnEmitOpError(func, passName, "has an MFMA lane layout this lowering does not handle");
    return false;
  }
  /* One row per lane: the MFMA block's column; R columns per block. */
  L->RL = 1;
  L->CB = A(L)->R;
  L->storeRun = 4;
  memcpy(L->colBase, A(L)->crowBase, sizeof(int) * (size_t)L->CE);
  return true;
}

static MlirValue reduceLanes(AttnGpuLower *L, AttnBuilder *b, const char *combine, MlirValue x) {
  for (int offset = A(L)->R; offset < WAVE; offset *= 2)
    x = A(L)->permlaneSwap && (offset == 16 || offset == 32)
            ? combineSwapped(L, b, combine, x, offset)
            : attnBinary(b, combine, x, attnGpuShuffleXor(L, b, x, offset));
  return x;
}

/* Per-lane values every op uses: lane group, row, columns, row owner. */
static void laneValues(AttnGpuLower *L, AttnBuilder *b) {
  AmdState *s = A(L);
  MlirValue wave = attnGpuUDiv(b, L->tid, WAVE), lane = attnGpuURem(b, L->tid, WAVE);
  s->g = attnGpuUDiv(b, lane, s->R);
  s->lr = attnGpuURem(b, lane, s->R);
  L->rowBase[0] = attnAddI(b, attnMulI(b, wave, cIdx(b, s->R)), s->lr);
  L->colLaneIdx = attnMulI(b, s->g, cIdx(b, s->crowDelta[0]));
  L->colLane = attnGpuNarrow(b, L->colLaneIdx);
  L->rowOwner = attnCmpI(b, ATTN_CMPI_EQ, s->g, cIdx(b, 0));
}

/* One buffer for K and V (V staged after QK^T has consumed K), rows (K) or
 * columns (V^T) padded by a_per_lane elements: fragment reads of
 * consecutive rows start a_per_lane/2 banks apart, so a wave's 64/128-bit
 * reads cover all banks once. */
static int64_t sharedElems(const AttnGpuLower *L, int64_t rows, int64_t cols, bool isV) {
  int64_t pad = ((const AmdState *)L->state)->KPL;
  return isV ? cols * (rows + pad) : rows * (cols + pad);
}

static void readTile(AttnGpuLower *L, AttnBuilder *b, MlirOperation op, const AttnTileRead *t,
                     bool isV) {
  lowerReadTile(L, b, op, t, isV);
}

/* v_exp_f32 / v_log_f32: their inputs here are never denormal-sensitive
 * (exp2 of a logit difference <= 0, log2 of a sum >= 1). */
static MlirValue exp2F32(AttnGpuLower *L, AttnBuilder *b, MlirValue x) {
  (void)L;
  return attnGpuOp1(b, "rocdl.exp2", 1, &x, mlirValueGetType(x), 0, NULL);
}

static MlirValue log2F32(AttnGpuLower *L, AttnBuilder *b, MlirValue x) {
  (void)L;
  return attnGpuOp1(b, "rocdl.log", 1, &x, mlirValueGetType(x), 0, NULL);
}

static const AttnGpuTarget amdTarget = {
    .passName = "attn-lower-amdgpu",
    .vendor = "AMD",
    .warpSize = WAVE,
    .exp2 = exp2F32,
    .log2 = log2F32,
    .setUp = setUp,
    .laneValues = laneValues,
    .sharedElems = sharedElems,
    .readQ = lowerReadQ,
    .readTile = readTile,
    .lowerQK = lowerQK,
    .lowerPV = lowerPV,
    .reduceLanes = reduceLanes,
};

static void run(MlirOperation root, MlirExternalPass pass) {
  attnGpuLowerRun(root, pass, &amdTarget);
}

static const int64_t passId = 0;

static const AttnPassInfo info = {&passId, "AttnLowerAmdgpu", "attn-lower-amdgpu",
                                  "Lower kernel IR to AMD GPU kernels (gpu.func with MFMA, LDS "
                                  "staging and wave reductions) launched by gpu.launch_func",
                                  run};

MlirPass attnCreateLowerAmdgpuPass(void) { return attnCreatePass(&info); }
