/*===- attn-flash-backward.c - attention gradients -> kernel IR -----------===*
 *
 * Each attn.mha_bwd / attn.mha_varlen_bwd that attn-gqa-map and attn-tile have
 * annotated becomes three kernels of the kernel IR (docs/kernel-ir.md) and
 * their launches, in FlashAttention-2's structure (docs/backward.md):
 *
 *   1. delta: one program per BLOCK_M query rows of one (batch, head):
 *        delta = rowsum(dout * out)                          (f32 workspace)
 *   2. dK/dV: one program per BLOCK_M keys of one (batch, KV head). Its rows
 *      are keys; it loops over the query heads of the KV head's GQA group
 *      and, per head, over the BLOCK_N query tiles that can see its keys
 *      (masked / unmasked / masked ranges, the forward's range splitting with
 *      queries and keys swapped):
 *        s^T  = K Q^T;  t = logits in the log2 domain (scale, softcap, alibi, mask)
 *        p^T  = exp2(t - lse * log2 e)
 *        dV  += p^T dout
 *        dp^T = V dout^T
 *        ds^T = p^T * (dp^T - delta) [* (1 - tanh^2), softcap]
 *        dK  += ds^T Q;     dK *= scale at the end
 *      Every program owns its dK/dV rows, so nothing is accumulated across
 *      programs: no atomics, and the result does not depend on the schedule.
 *   3. dQ: one program per BLOCK_M query rows of one (batch, head), over the
 *      forward's KV ranges:
 *        s = Q K^T;  p = exp2(t - lse * log2 e);  dp = dout V^T
 *        ds = p * (dp - delta) [* (1 - tanh^2)];  dQ += ds K;  dQ *= scale
 *      A separate kernel instead of fp32 atomics into dQ from the dK/dV
 *      kernel: deterministic, no dQ workspace and convert kernel, at the
 *      price of computing s and p twice.
 *
 * Every matmul is one of the kernel IR's two forms (A B^T and A B with the
 * right operand a tile read), so attn-lower-cpu takes the kernels unchanged:
 * the dK/dV program is a program whose BLOCK_M rows are keys.
 *
 * Rows that see no key have lse = -inf; their probabilities use 0 in its
 * place and are exp2(-inf) = 0 (every logit of such a row is masked), so
 * they get dq = 0 and add nothing to dk and dv.
 *
 *===----------------------------------------------------------------------===*/

#include "Builder.h"
#include "Dropout.h"
#include "PassUtil.h"
#include "Passes.h"

#include "mlir-c/AffineExpr.h"
#include "mlir-c/BuiltinAttributes.h"
#include "mlir-c/BuiltinTypes.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

static const char *const passName = "attn-flash-backward";
static const int64_t windowClamp = (int64_t)1 << 40;
static const double log2e = 1.4426950408889634074;

/*===--- What the kernels depend on ------------------------------------------===*/

typedef struct {
  bool varlen, hasAlibi;
  bool causal, hasWindowLeft, hasRightBound, hasSoftcap;
  int64_t windowLeft, rightBound; /* rightBound: causal ? 0 : window_right */
  double scale, softcap;
  int64_t hq, hkv, d, dv, blockM, blockN;
  MlirType elem;
  MlirAttribute tile;
  AttnDropout dropout;
} Spec;

static MlirAttribute inherentAttr(MlirOperation op, const char *name) {
  return mlirOperationGetInherentAttributeByName(op, mlirStringRefCreateFromCString(name));
}

static int64_t dictInt(MlirAttribute dict, const char *name) {
  MlirAttribute a = mlirDictionaryAttrGetElementByName(dict, mlirStringRefCreateFromCString(name));
  return !mlirAttributeIsNull(a) && mlirAttributeIsAInteger(a) ? mlirIntegerAttrGetValueInt(a) : 0;
}

static int64_t clampWindow(int64_t w) { return w > windowClamp ? windowClamp : w; }

/* The softcapped logit c * tanh(s * scale / c) in f32 as written, with its
 * derivative: needs scale / c and c * log2(e) to be normal f32 numbers. The
 * forward handles caps beyond that (a cap near f32's limit is the identity
 * for every finite logit); the backward refuses them. */
static bool ordinarySoftcap(const Spec *s) {
  double in = s->scale / s->softcap, outK = s->softcap * log2e;
  return fabs(in) >= 0x1p-100 && fabs(in) <= FLT_MAX && outK <= FLT_MAX;
}

static void readAttributes(MlirOperation op, Spec *s) {
  MlirAttribute a = inherentAttr(op, "scale");
  s->scale = mlirAttributeIsNull(a) ? 1.0 / sqrt((double)s->d) : mlirFloatAttrGetValueDouble(a);
  s->causal = !mlirAttributeIsNull(inherentAttr(op, "causal"));
  if (!mlirAttributeIsNull(a = inherentAttr(op, "window_left"))) {
    s->hasWindowLeft = true;
    s->windowLeft = clampWindow(mlirIntegerAttrGetValueInt(a));
  }
  s->hasRightBound = s->causal;
  if (!mlirAttributeIsNull(a = inherentAttr(op, "window_right"))) {
    s->hasRightBound = true;
    s->rightBound = s->causal ? 0 : clampWindow(mlirIntegerAttrGetValueInt(a));
  }
  if (!mlirAttributeIsNull(a = inherentAttr(op, "softcap"))) {
    s->hasSoftcap = true;
    s->softcap = mlirFloatAttrGetValueDouble(a);
  }
}

static bool readSpec(MlirOperation op, Spec *s) {
  memset(s, 0, sizeof(*s));
  s->varlen = attnIsOp(op, "attn.mha_varlen_bwd");
  MlirAttribute tile = attnGetAttr(op, "attn.tile");
  if (mlirAttributeIsNull(attnGetAttr(op, "attn.kv_head_map"))) {
    attnEmitOpError(op, passName, "needs attn.kv_head_map (run attn-gqa-map first)");
    return false;
  }
  if (mlirAttributeIsNull(tile) || !mlirAttributeIsADictionary(tile)) {
    attnEmitOpError(op, passName, "needs attn.tile (run attn-tile first)");
    return false;
  }
  s->tile = tile;
  s->blockM = dictInt(tile, "block_m");
  s->blockN = dictInt(tile, "block_n");
  if (s->blockM <= 0 || s->blockN <= 0 || s->blockM > 1024 || s->blockN > 1024) {
    attnEmitOpError(op, passName, "has an attn.tile without valid block_m / block_n (1..1024)");
    return false;
  }
  MlirType qType = mlirValueGetType(mlirOperationGetOperand(op, 0));
  MlirType kType = mlirValueGetType(mlirOperationGetOperand(op, 1));
  MlirType vType = mlirValueGetType(mlirOperationGetOperand(op, 2));
  int dDim = s->varlen ? 2 : 3;
  s->hq = mlirShapedTypeGetDimSize(qType, 1);
  s->hkv = mlirShapedTypeGetDimSize(kType, 1);
  s->d = mlirShapedTypeGetDimSize(qType, dDim);
  s->dv = mlirShapedTypeGetDimSize(vType, dDim);
  s->elem = mlirShapedTypeGetElementType(qType);
  s->hasAlibi = !mlirValueIsNull(attnOpAlibi(op));
  readAttributes(op, s);
  s->dropout = attnReadDropout(op);
  if (s->hasSoftcap && !ordinarySoftcap(s)) {
    attnEmitOpError(op, passName,
                    "has a softcap whose scale / softcap or softcap * log2(e) is not a normal "
                    "f32 number, which the backward does not support");
    return false;
  }
  return true;
}

/*===--- Types and small emitters --------------------------------------------===*/

static MlirType vec1(int64_t n, MlirType elem) { return mlirVectorTypeGet(1, &n, elem); }
static MlirType vec2(int64_t r, int64_t c, MlirType elem) {
  int64_t shape[2] = {r, c};
  return mlirVectorTypeGet(2, shape, elem);
}

static MlirValue cst(AttnBuilder *b, int64_t v) { return attnConstIndex(b, v); }
static MlirValue minI(AttnBuilder *b, MlirValue x, MlirValue y) { return attnMinSI(b, x, y); }
static MlirValue maxI(AttnBuilder *b, MlirValue x, MlirValue y) { return attnMaxSI(b, x, y); }
static MlirValue splatF(AttnBuilder *b, MlirType type, double v) {
  return attnConstSplatF(b, type, v);
}
static MlirValue ceilDiv(AttnBuilder *b, MlirValue x, int64_t d) {
  return attnBinary(b, "arith.ceildivsi", x, cst(b, d));
}

/* A tile or row access of a memref: fixed indices plus the dims that carry
 * the rows and (for tiles) the columns. */
typedef struct {
  MlirValue mem;
  intptr_t rank;
  MlirValue idx[4];
  int rowDim, colDim;
} Access;

static MlirAffineMap accessMap(AttnBuilder *b, const Access *a, bool rowsOnly) {
  MlirAffineExpr results[2];
  intptr_t n = 0;
  results[n++] = mlirAffineDimExprGet(b->ctx, a->rowDim);
  if (!rowsOnly)
    results[n++] = mlirAffineDimExprGet(b->ctx, a->colDim);
  return mlirAffineMapGet(b->ctx, a->rank, 0, n, results);
}

static void place(AttnBuilder *b, Access *a, MlirValue row) {
  a->idx[a->rowDim] = row;
  if (a->colDim >= 0)
    a->idx[a->colDim] = cst(b, 0);
}

/* rows x cols tile at `row`; rows past the tensor read 0 unless the caller
 * proved them in bounds. */
static MlirValue readTile(AttnBuilder *b, Access *a, MlirValue row, int64_t rows, int64_t cols,
                          bool rowsInBounds) {
  place(b, a, row);
  MlirType elem = mlirShapedTypeGetElementType(mlirValueGetType(a->mem));
  MlirValue pad = attnConvertF(b, attnConstF32(b, 0.0), elem);
  bool inBounds[2] = {rowsInBounds, true};
  return attnTransferRead(b, vec2(rows, cols, elem), a->mem, a->rank, a->idx, pad,
                          accessMap(b, a, false), inBounds);
}

static void writeTile(AttnBuilder *b, Access *a, MlirValue row, MlirValue value) {
  place(b, a, row);
  bool inBounds[2] = {false, true};
  attnTransferWrite(b, value, a->mem, a->rank, a->idx, accessMap(b, a, false), inBounds);
}

/* n f32 values of a 1-D row (lse, delta) at `row`; past the end: 0. */
static MlirValue readRow(AttnBuilder *b, Access *a, MlirValue row, int64_t n) {
  place(b, a, row);
  bool inBounds[1] = {false};
  return attnTransferRead(b, vec1(n, attnF32Type(b)), a->mem, a->rank, a->idx, attnConstF32(b, 0.0),
                          accessMap(b, a, true), inBounds);
}

static void writeRow(AttnBuilder *b, Access *a, MlirValue row, MlirValue value) {
  place(b, a, row);
  bool inBounds[1] = {false};
  attnTransferWrite(b, value, a->mem, a->rank, a->idx, accessMap(b, a, true), inBounds);
}

static const char *const abtMaps = "affine_map<(m, n, k) -> (m, k)>, "
                                   "affine_map<(m, n, k) -> (n, k)>, "
                                   "affine_map<(m, n, k) -> (m, n)>";
static const char *const abMaps = "affine_map<(m, d, n) -> (m, n)>, "
                                  "affine_map<(m, d, n) -> (n, d)>, "
                                  "affine_map<(m, d, n) -> (m, d)>";

/* A x B^T and A x B of a lane-major A (BLOCK_M rows) and a tile read B. */
static MlirValue matmulABt(AttnBuilder *b, MlirValue a, MlirValue bt) {
  int64_t rows = mlirShapedTypeGetDimSize(mlirValueGetType(a), 0);
  int64_t cols = mlirShapedTypeGetDimSize(mlirValueGetType(bt), 0);
  return attnContract(b, a, bt, splatF(b, vec2(rows, cols, attnF32Type(b)), 0.0), abtMaps);
}

/* acc + A x B with A converted to the element type first, as a GPU kernel
 * feeds its matmul (FlashAttention rounds P and dS the same way). */
static MlirValue accumulateAB(AttnBuilder *b, const Spec *s, MlirValue a, MlirValue bTile,
                              MlirValue acc) {
  MlirType t = mlirValueGetType(a);
  MlirValue lowered = attnConvertF(
      b, a, vec2(mlirShapedTypeGetDimSize(t, 0), mlirShapedTypeGetDimSize(t, 1), s->elem));
  return attnContract(b, lowered, bTile, acc, abMaps);
}

/* vector<n> -> vector<rows x n>: every row is `v` (a value per column). */
static MlirValue columnBroadcast(AttnBuilder *b, MlirValue v, int64_t rows) {
  MlirType t = mlirValueGetType(v);
  return attnBroadcast(b, v,
                       vec2(rows, mlirShapedTypeGetDimSize(t, 0), mlirShapedTypeGetElementType(t)));
}

/*===--- Visible ranges ------------------------------------------------------===*/

/* One side's positions [first, last] see positions p of the other side with
 * first - left <= p <= last + right (a bound only where has*): [lo, hi) are
 * the positions of [0, len) some of them see, and [u0, u1) the whole blocks
 * of `block` positions, counted from lo, that all of them see. The forward
 * (queries seeing keys) is this with left = window_left and right = the
 * right bound; the dK/dV kernel (keys seen by queries) swaps the two. */
typedef struct {
  bool hasLeft, hasRight;
  int64_t left, right, block;
} Reach;

static void visibleRanges(AttnBuilder *b, const Reach *r, MlirValue first, MlirValue last,
                          MlirValue len, MlirValue bounds[4]) {
  MlirValue c0 = cst(b, 0), blk = cst(b, r->block);
  MlirValue lo = c0, hi = len, uLo = c0, uHi = len;
  if (r->hasLeft) {
    lo = attnClampSI(b, attnSubI(b, first, cst(b, r->left)), c0, len);
    uLo = attnSubI(b, last, cst(b, r->left));
  }
  if (r->hasRight) {
    MlirValue right1 = cst(b, r->right + 1);
    hi = attnClampSI(b, attnAddI(b, last, right1), lo, len);
    uHi = minI(b, attnAddI(b, first, right1), hi);
  }
  MlirValue lead = attnBinary(b, "arith.ceildivsi", maxI(b, attnSubI(b, uLo, lo), c0), blk);
  MlirValue u0 = minI(b, attnAddI(b, lo, attnMulI(b, lead, blk)), hi);
  MlirValue whole = attnBinary(b, "arith.floordivsi", attnSubI(b, uHi, lo), blk);
  MlirValue u1 = maxI(b, u0, attnAddI(b, lo, attnMulI(b, whole, blk)));
  bounds[0] = lo;
  bounds[1] = u0;
  bounds[2] = u1;
  bounds[3] = hi;
}

/*===--- The logits of a tile and their derivative ----------------------------===*/

/* Per program: where the tensors are and which rows it owns. `rows` are the
 * kernel's BLOCK_M lanes (queries in dQ, keys in dK/dV), `cols` the tile of
 * the other side. */
typedef struct {
  const Spec *s;
  Access q, k, v, dout, lse, delta; /* delta: f32, laid out as lse */
  MlirValue sq, sk, off;            /* lengths, Sk - Sq */
  MlirValue slope2;                 /* -slope * log2(e) of the head, or null */
  MlirValue batch;                  /* b (varlen: the sequence), for dropout */
  MlirValue dropBH;                 /* dropout: b * Hq + h */
  AttnDropoutState drop;            /* dropout: the run-time seed and offset, or null */
  bool rowsAreKeys;
} Program;

typedef struct {
  MlirValue t;    /* logits in the log2 domain, masked to -inf where invisible */
  MlirValue dcap; /* softcap: 1 - tanh^2, else null */
} Logits;

/* dist[r][c] = (i + off) - j for the rows and columns of the tile: i the
 * query and j the key, whichever of them the rows are. */
static MlirValue distanceTile(AttnBuilder *b, const Program *p, MlirValue row0, int64_t rows,
                              MlirValue col0, int64_t cols) {
  MlirType idx = attnIndexType(b);
  MlirValue rowPos = attnAddI(b, attnStep(b, rows), attnBroadcast(b, row0, vec1(rows, idx)));
  MlirValue colPos = attnAddI(b, attnStep(b, cols), attnBroadcast(b, col0, vec1(cols, idx)));
  MlirValue rowTile = attnRowBroadcast(b, rowPos, cols), colTile = columnBroadcast(b, colPos, rows);
  MlirValue offTile = attnBroadcast(b, p->off, vec2(rows, cols, idx));
  if (p->rowsAreKeys)
    return attnSubI(b, attnAddI(b, colTile, offTile), rowTile);
  return attnSubI(b, attnAddI(b, rowTile, offTile), colTile);
}

/* visible = query < Sq && key < Sk && the causal / window bounds. */
static MlirValue visibleTile(AttnBuilder *b, const Program *p, MlirValue row0, int64_t rows,
                             MlirValue col0, int64_t cols, MlirValue dist) {
  const Spec *s = p->s;
  MlirType idx = attnIndexType(b), tileIdx = vec2(rows, cols, idx);
  MlirValue rowPos = attnAddI(b, attnStep(b, rows), attnBroadcast(b, row0, vec1(rows, idx)));
  MlirValue colPos = attnAddI(b, attnStep(b, cols), attnBroadcast(b, col0, vec1(cols, idx)));
  MlirValue queries =
      p->rowsAreKeys ? columnBroadcast(b, colPos, rows) : attnRowBroadcast(b, rowPos, cols);
  MlirValue keys =
      p->rowsAreKeys ? attnRowBroadcast(b, rowPos, cols) : columnBroadcast(b, colPos, rows);
  MlirValue vis = attnAndI(b, attnCmpI(b, ATTN_CMPI_SLT, queries, attnBroadcast(b, p->sq, tileIdx)),
                           attnCmpI(b, ATTN_CMPI_SLT, keys, attnBroadcast(b, p->sk, tileIdx)));
  if (s->hasRightBound)
    vis = attnAndI(
        b, vis,
        attnCmpI(b, ATTN_CMPI_SGE, dist, attnBroadcast(b, cst(b, -s->rightBound), tileIdx)));
  if (s->hasWindowLeft)
    vis = attnAndI(
        b, vis, attnCmpI(b, ATTN_CMPI_SLE, dist, attnBroadcast(b, cst(b, s->windowLeft), tileIdx)));
  return vis;
}

/* The forward's logits of the tile s = rows . cols (raw dot products): scaled
 * into the log2 domain, softcapped, alibi-biased and, in masked tiles, -inf
 * where invisible. */
static Logits logitTile(AttnBuilder *b, const Program *p, MlirValue raw, MlirValue row0,
                        MlirValue col0, bool masked) {
  const Spec *s = p->s;
  MlirType rawType = mlirValueGetType(raw);
  int64_t rows = mlirShapedTypeGetDimSize(rawType, 0), cols = mlirShapedTypeGetDimSize(rawType, 1);
  MlirType tileF = vec2(rows, cols, attnF32Type(b));
  Logits l = {attnNullValue(), attnNullValue()};
  if (s->hasSoftcap) {
    MlirValue th = attnTanhF(b, attnMulF(b, raw, splatF(b, tileF, s->scale / s->softcap)));
    l.t = attnMulF(b, th, splatF(b, tileF, s->softcap * log2e));
    l.dcap = attnSubF(b, splatF(b, tileF, 1.0), attnMulF(b, th, th));
  } else {
    l.t = attnMulF(b, raw, splatF(b, tileF, s->scale * log2e));
  }
  MlirValue dist = attnNullValue();
  if (s->hasAlibi || masked)
    dist = distanceTile(b, p, row0, rows, col0, cols);
  if (s->hasAlibi) {
    MlirValue absDist =
        attnUnary(b, "math.absi", attnIndexCast(b, dist, vec2(rows, cols, attnIntType(b, 64))));
    MlirValue slope = attnBroadcast(b, p->slope2, tileF);
    l.t = attnAddF(b, l.t, attnMulF(b, slope, attnSIToFP(b, absDist, tileF)));
  }
  if (masked)
    l.t = attnSelect(b, visibleTile(b, p, row0, rows, col0, cols, dist), l.t,
                     splatF(b, tileF, -INFINITY));
  return l;
}

/* lse of a row vector in the log2 domain; -inf (a row that sees no key)
 * becomes 0, so its probabilities are exp2(-inf - 0) = 0 (all its logits
 * are masked) instead of NaN. */
static MlirValue lse2(AttnBuilder *b, MlirValue lse) {
  MlirType t = mlirValueGetType(lse);
  MlirValue none = attnCmpF(b, ATTN_CMPF_OEQ, lse, splatF(b, t, -INFINITY));
  return attnSelect(b, none, splatF(b, t, 0.0), attnMulF(b, lse, splatF(b, t, log2e)));
}

/* ds = p * (dp - delta) [* (1 - tanh^2)]; the factor scale is applied to the
 * accumulated gradient once, in the epilogue. */
static MlirValue dsTile(AttnBuilder *b, MlirValue prob, MlirValue dp, MlirValue deltaTile,
                        const Logits *l) {
  MlirValue ds = attnMulF(b, prob, attnSubF(b, dp, deltaTile));
  return l->dcap.ptr ? attnMulF(b, ds, l->dcap) : ds;
}

/* Dropout's factor of each element of the tile rows x cols at (row0, col0):
 * the forward's mask (Dropout.h), regenerated. */
static MlirValue dropoutTile(AttnBuilder *b, const Program *p, MlirValue row0, int64_t rows,
                             MlirValue col0, int64_t cols) {
  MlirType idx = attnIndexType(b);
  MlirValue rowPos = attnAddI(b, attnStep(b, rows), attnBroadcast(b, row0, vec1(rows, idx)));
  MlirValue colPos = attnAddI(b, attnStep(b, cols), attnBroadcast(b, col0, vec1(cols, idx)));
  MlirValue rowTile = attnRowBroadcast(b, rowPos, cols), colTile = columnBroadcast(b, colPos, rows);
  return p->rowsAreKeys
             ? attnDropoutScale(b, &p->s->dropout, &p->drop, p->dropBH, colTile, rowTile)
             : attnDropoutScale(b, &p->s->dropout, &p->drop, p->dropBH, rowTile, colTile);
}

/*===--- The delta kernel ------------------------------------------------------===*/

/* delta = rowsum(dout * out) for BLOCK_M rows. */
static void emitDeltaRows(AttnBuilder *b, const Spec *s, Access *out, Access *dout, Access *delta,
                          MlirValue row) {
  MlirType f32 = attnF32Type(b), tileF = vec2(s->blockM, s->dv, f32);
  MlirValue o = attnConvertF(b, readTile(b, out, row, s->blockM, s->dv, false), tileF);
  MlirValue dO = attnConvertF(b, readTile(b, dout, row, s->blockM, s->dv, false), tileF);
  MlirValue sum =
      attnMultiReduction(b, "add", attnMulF(b, dO, o), splatF(b, vec1(s->blockM, f32), 0.0), 1);
  writeRow(b, delta, row, sum);
}

/* attn.mha_bwd: (out, dout, delta, pids); pid_y = batch * Hq + head.
 * varlen: pid_x over all Tq tokens, pid_y the head. */
static void emitDeltaKernel(AttnBuilder *b, const Spec *s, MlirValue *args) {
  MlirValue out = args[0], dout = args[1], delta = args[2], pidX = args[3], pidY = args[4];
  MlirValue c0 = cst(b, 0), row = attnMulI(b, pidX, cst(b, s->blockM));
  if (s->varlen) {
    Access o = {out, 3, {c0, pidY, c0, c0}, 0, 2}, dO = {dout, 3, {c0, pidY, c0, c0}, 0, 2};
    Access dl = {delta, 2, {pidY, c0, c0, c0}, 1, -1};
    emitDeltaRows(b, s, &o, &dO, &dl, row);
    return;
  }
  MlirValue hq = cst(b, s->hq);
  MlirValue batch = attnBinary(b, "arith.divui", pidY, hq);
  MlirValue head = attnBinary(b, "arith.remui", pidY, hq);
  Access o = {out, 4, {batch, head, c0, c0}, 2, 3}, dO = {dout, 4, {batch, head, c0, c0}, 2, 3};
  Access dl = {delta, 3, {batch, head, c0, c0}, 2, -1};
  emitDeltaRows(b, s, &o, &dO, &dl, row);
}

/*===--- The dK/dV kernel ------------------------------------------------------===*/

typedef struct {
  MlirValue kTile, vTile; /* lane-major: BLOCK_M keys */
  MlirValue n0;           /* first key of the program */
} KeyTile;

/* One tile of BLOCK_N queries at m0 against the program's keys. */
static void dkdvBody(AttnBuilder *b, Program *p, const KeyTile *kt, MlirValue m0, bool masked,
                     MlirValue *dk, MlirValue *dv) {
  const Spec *s = p->s;
  MlirValue qT = readTile(b, &p->q, m0, s->blockN, s->d, !masked);
  MlirValue doT = readTile(b, &p->dout, m0, s->blockN, s->dv, !masked);
  Logits l = logitTile(b, p, matmulABt(b, kt->kTile, qT), kt->n0, m0, masked);
  MlirValue lse = columnBroadcast(b, lse2(b, readRow(b, &p->lse, m0, s->blockN)), s->blockM);
  MlirValue prob = attnUnary(b, "math.exp2", attnSubF(b, l.t, lse));
  /* Dropout: dV takes the kept, scaled probabilities; dp is the gradient of
   * the undropped ones (FlashAttention-2's dS = P * (dP * Z - delta)). */
  MlirValue keep =
      s->dropout.p > 0 ? dropoutTile(b, p, kt->n0, s->blockM, m0, s->blockN) : attnNullValue();
  *dv = accumulateAB(b, s, keep.ptr ? attnMulF(b, prob, keep) : prob, doT, *dv);
  MlirValue dp = matmulABt(b, kt->vTile, doT);
  if (keep.ptr)
    dp = attnMulF(b, dp, keep);
  MlirValue delta = columnBroadcast(b, readRow(b, &p->delta, m0, s->blockN), s->blockM);
  *dk = accumulateAB(b, s, dsTile(b, prob, dp, delta, &l), qT, *dk);
}

static void dkdvLoop(AttnBuilder *b, Program *p, const KeyTile *kt, MlirValue lo, MlirValue hi,
                     bool masked, MlirValue carry[2]) {
  AttnFor loop = attnForBegin(b, lo, hi, cst(b, p->s->blockN), 2, carry);
  MlirValue dk = loop.iterArgs[0], dv = loop.iterArgs[1];
  dkdvBody(b, p, kt, loop.iv, masked, &dk, &dv);
  MlirValue yielded[2] = {dk, dv};
  attnForEnd(b, &loop, 2, yielded);
  carry[0] = loop.results[0];
  carry[1] = loop.results[1];
}

static MlirValue loadSlope(AttnBuilder *b, MlirValue alibi, MlirValue h) {
  return attnMulF(b, attnLoad(b, alibi, 1, &h), attnConstF32(b, -log2e));
}

/* The program's keys [n0, min(n0 + BM, Sk)) against every query head of the
 * GQA group of `kvHead` (`setHead` points the query-side accesses at head h). */
typedef void (*SetHead)(AttnBuilder *b, Program *p, MlirValue h);

static void emitDkdvProgram(AttnBuilder *b, Program *p, MlirValue n0, MlirValue kvHead,
                            MlirValue alibi, SetHead setHead, Access *dkOut, Access *dvOut) {
  const Spec *s = p->s;
  MlirType f32 = attnF32Type(b);
  int64_t group = s->hq / s->hkv;
  KeyTile kt = {readTile(b, &p->k, n0, s->blockM, s->d, false),
                readTile(b, &p->v, n0, s->blockM, s->dv, false), n0};
  /* Queries i see key j iff j - off - right <= i <= j - off + left. */
  Reach reach = {s->hasRightBound, s->hasWindowLeft, s->rightBound, s->windowLeft, s->blockN};
  MlirValue last = attnSubI(b, minI(b, attnAddI(b, n0, cst(b, s->blockM)), p->sk), cst(b, 1));
  MlirValue bounds[4];
  visibleRanges(b, &reach, attnSubI(b, n0, p->off), attnSubI(b, last, p->off), p->sq, bounds);

  MlirValue carry[2] = {splatF(b, vec2(s->blockM, s->d, f32), 0.0),
                        splatF(b, vec2(s->blockM, s->dv, f32), 0.0)};
  AttnFor heads = attnForBegin(b, cst(b, 0), cst(b, group), cst(b, 1), 2, carry);
  {
    MlirValue h = attnAddI(b, attnMulI(b, kvHead, cst(b, group)), heads.iv);
    setHead(b, p, h);
    p->slope2 = s->hasAlibi ? loadSlope(b, alibi, h) : attnNullValue();
    MlirValue inner[2] = {heads.iterArgs[0], heads.iterArgs[1]};
    dkdvLoop(b, p, &kt, bounds[0], bounds[1], true, inner);
    dkdvLoop(b, p, &kt, bounds[1], bounds[2], false, inner);
    dkdvLoop(b, p, &kt, bounds[2], bounds[3], true, inner);
    attnForEnd(b, &heads, 2, inner);
  }
  MlirValue dk = attnMulF(b, heads.results[0], splatF(b, vec2(s->blockM, s->d, f32), s->scale));
  writeTile(b, dkOut, n0, attnConvertF(b, dk, vec2(s->blockM, s->d, s->elem)));
  writeTile(b, dvOut, n0, attnConvertF(b, heads.results[1], vec2(s->blockM, s->dv, s->elem)));
}

/*===--- The dQ kernel ---------------------------------------------------------===*/

typedef struct {
  MlirValue qTile, doTile; /* lane-major: BLOCK_M queries */
  MlirValue lse, delta;    /* row vectors: lse in the log2 domain, delta */
  MlirValue m0;
} QueryTile;

static void dqBody(AttnBuilder *b, Program *p, const QueryTile *qt, MlirValue n0, bool masked,
                   MlirValue *dq) {
  const Spec *s = p->s;
  MlirValue kT = readTile(b, &p->k, n0, s->blockN, s->d, !masked);
  MlirValue vT = readTile(b, &p->v, n0, s->blockN, s->dv, !masked);
  Logits l = logitTile(b, p, matmulABt(b, qt->qTile, kT), qt->m0, n0, masked);
  MlirValue prob =
      attnUnary(b, "math.exp2", attnSubF(b, l.t, attnRowBroadcast(b, qt->lse, s->blockN)));
  MlirValue dp = matmulABt(b, qt->doTile, vT);
  if (s->dropout.p > 0)
    dp = attnMulF(b, dp, dropoutTile(b, p, qt->m0, s->blockM, n0, s->blockN));
  MlirValue delta = attnRowBroadcast(b, qt->delta, s->blockN);
  *dq = accumulateAB(b, s, dsTile(b, prob, dp, delta, &l), kT, *dq);
}

static void emitDqProgram(AttnBuilder *b, Program *p, MlirValue m0, Access *dqOut) {
  const Spec *s = p->s;
  MlirType f32 = attnF32Type(b), tileF = vec2(s->blockM, s->d, f32);
  QueryTile qt = {readTile(b, &p->q, m0, s->blockM, s->d, false),
                  readTile(b, &p->dout, m0, s->blockM, s->dv, false),
                  lse2(b, readRow(b, &p->lse, m0, s->blockM)), readRow(b, &p->delta, m0, s->blockM),
                  m0};
  Reach reach = {s->hasWindowLeft, s->hasRightBound, s->windowLeft, s->rightBound, s->blockN};
  MlirValue last = attnSubI(b, minI(b, attnAddI(b, m0, cst(b, s->blockM)), p->sq), cst(b, 1));
  MlirValue bounds[4];
  visibleRanges(b, &reach, attnAddI(b, m0, p->off), attnAddI(b, last, p->off), p->sk, bounds);
  MlirValue dq = splatF(b, tileF, 0.0);
  for (int r = 0; r < 3; ++r) {
    AttnFor loop = attnForBegin(b, bounds[r], bounds[r + 1], cst(b, s->blockN), 1, &dq);
    MlirValue acc = loop.iterArgs[0];
    dqBody(b, p, &qt, loop.iv, r != 1, &acc);
    attnForEnd(b, &loop, 1, &acc);
    dq = loop.results[0];
  }
  dq = attnMulF(b, dq, splatF(b, tileF, s->scale));
  writeTile(b, dqOut, m0, attnConvertF(b, dq, vec2(s->blockM, s->d, s->elem)));
}

/*===--- attn.mha_bwd ----------------------------------------------------------===*/

/* Kernel arguments of the dK/dV and dQ kernels, in order: q, k, v, dout,
 * lse, delta, [cu_seqlens_q, cu_seqlens_k], [alibi], [rng_state], then dk,
 * dv (dK/dV) or dq (dQ), then the program ids. */
typedef struct {
  MlirValue q, k, v, dout, lse, delta, cuQ, cuK, alibi, rng, res0, res1, pidX, pidY;
} GradArgs;

static GradArgs gradArgs(const Spec *s, MlirValue *args, int numResults) {
  GradArgs g;
  memset(&g, 0, sizeof(g));
  int i = 0;
  g.q = args[i++];
  g.k = args[i++];
  g.v = args[i++];
  g.dout = args[i++];
  g.lse = args[i++];
  g.delta = args[i++];
  if (s->varlen) {
    g.cuQ = args[i++];
    g.cuK = args[i++];
  }
  if (s->hasAlibi)
    g.alibi = args[i++];
  if (s->dropout.runtime)
    g.rng = args[i++];
  g.res0 = args[i++];
  if (numResults > 1)
    g.res1 = args[i++];
  g.pidX = args[i];
  g.pidY = args[i + 1];
  return g;
}

/* b * Hq + h, dropout's head index (built at b's insertion point). */
static MlirValue dropHead(AttnBuilder *b, const Program *p, MlirValue h) {
  return attnAddI(b, attnMulI(b, p->batch, cst(b, p->s->hq)), h);
}

static void setMhaHead(AttnBuilder *b, Program *p, MlirValue h) {
  p->dropBH = dropHead(b, p, h);
  p->q.idx[1] = h;
  p->dout.idx[1] = h;
  p->lse.idx[1] = h;
  p->delta.idx[1] = h;
}

/* The accesses of attn.mha_bwd for batch `batch`, query head `head`, KV head
 * `kvHead`: BHSD tensors, lse and delta B x Hq x Sq. */
static void mhaProgram(AttnBuilder *b, const Spec *s, const GradArgs *g, MlirValue batch,
                       MlirValue head, MlirValue kvHead, Program *p) {
  MlirValue c0 = cst(b, 0);
  memset(p, 0, sizeof(*p));
  p->s = s;
  p->q = (Access){g->q, 4, {batch, head, c0, c0}, 2, 3};
  p->k = (Access){g->k, 4, {batch, kvHead, c0, c0}, 2, 3};
  p->v = (Access){g->v, 4, {batch, kvHead, c0, c0}, 2, 3};
  p->dout = (Access){g->dout, 4, {batch, head, c0, c0}, 2, 3};
  p->lse = (Access){g->lse, 3, {batch, head, c0, c0}, 2, -1};
  p->delta = (Access){g->delta, 3, {batch, head, c0, c0}, 2, -1};
  p->sq = attnDim(b, g->q, 2);
  p->sk = attnDim(b, g->k, 2);
  p->off = attnSubI(b, p->sk, p->sq);
  p->batch = batch;
}

/* pid_y = batch * Hkv + KV head; pid_x the key tile. */
static void emitMhaDkdvKernel(AttnBuilder *b, const Spec *s, MlirValue *args) {
  GradArgs g = gradArgs(s, args, 2);
  AttnDropoutState drop = attnLoadDropoutState(b, g.rng);
  MlirValue hkv = cst(b, s->hkv), c0 = cst(b, 0);
  MlirValue batch = attnBinary(b, "arith.divui", g.pidY, hkv);
  MlirValue kvHead = attnBinary(b, "arith.remui", g.pidY, hkv);
  Program p;
  mhaProgram(b, s, &g, batch, c0, kvHead, &p);
  p.rowsAreKeys = true;
  p.drop = drop;
  Access dk = {g.res0, 4, {batch, kvHead, c0, c0}, 2, 3};
  Access dv = {g.res1, 4, {batch, kvHead, c0, c0}, 2, 3};
  emitDkdvProgram(b, &p, attnMulI(b, g.pidX, cst(b, s->blockM)), kvHead, g.alibi, setMhaHead, &dk,
                  &dv);
}

/* pid_y = batch * Hq + head; pid_x the query tile. */
static void emitMhaDqKernel(AttnBuilder *b, const Spec *s, MlirValue *args) {
  GradArgs g = gradArgs(s, args, 1);
  AttnDropoutState drop = attnLoadDropoutState(b, g.rng);
  MlirValue hq = cst(b, s->hq), c0 = cst(b, 0);
  MlirValue batch = attnBinary(b, "arith.divui", g.pidY, hq);
  MlirValue head = attnBinary(b, "arith.remui", g.pidY, hq);
  MlirValue kvHead = attnBinary(b, "arith.divui", head, cst(b, s->hq / s->hkv));
  Program p;
  mhaProgram(b, s, &g, batch, head, kvHead, &p);
  p.slope2 = s->hasAlibi ? loadSlope(b, g.alibi, head) : attnNullValue();
  p.dropBH = g.pidY;
  p.drop = drop;
  Access dq = {g.res0, 4, {batch, head, c0, c0}, 2, 3};
  emitDqProgram(b, &p, attnMulI(b, g.pidX, cst(b, s->blockM)), &dq);
}

/*===--- attn.mha_varlen_bwd ---------------------------------------------------===*/

/* The sequence of tile `pid` when tiles of BLOCK_M rows of the `byKeys`
 * side (keys: cu_seqlens_k, else cu_seqlens_q) are numbered sequence after
 * sequence, then the rows past the last sequence (a pseudo sequence with
 * no rows on the other side). Offsets are clamped into range, as the
 * forward does. */
typedef struct {
  MlirValue qs, qe, ks, ke, tile, seq;
} SeqTile;

static SeqTile findSeqTile(AttnBuilder *b, const Spec *s, const GradArgs *g, bool byKeys) {
  MlirValue c0 = cst(b, 0), c1 = cst(b, 1);
  MlirValue tq = attnDim(b, g->q, 0), tk = attnDim(b, g->k, 0);
  MlirValue numSeq = attnSubI(b, attnDim(b, g->cuQ, 0), c1);
  MlirValue init[7] = {c0, c0, c0, c0, c0, c0, c0};
  AttnFor scan = attnForBegin(b, c0, attnAddI(b, maxI(b, numSeq, c0), c1), c1, 7, init);
  {
    MlirValue i = scan.iv, before = scan.iterArgs[0];
    MlirValue tail = attnCmpI(b, ATTN_CMPI_EQ, i, numSeq);
    MlirValue next = minI(b, attnAddI(b, i, c1), numSeq);
    /* The tail owns the rows of its side from the last offset on, and
     * none of the other side. */
    MlirValue qe = attnSelect(b, tail, byKeys ? c0 : tq,
                              attnClampSI(b, attnLoadIndex(b, g->cuQ, next), c0, tq));
    MlirValue ke = attnSelect(b, tail, byKeys ? tk : c0,
                              attnClampSI(b, attnLoadIndex(b, g->cuK, next), c0, tk));
    MlirValue qs = attnClampSI(b, attnLoadIndex(b, g->cuQ, i), c0, qe);
    MlirValue ks = attnClampSI(b, attnLoadIndex(b, g->cuK, i), c0, ke);
    MlirValue len = byKeys ? attnSubI(b, ke, ks) : attnSubI(b, qe, qs);
    MlirValue after = attnAddI(b, before, ceilDiv(b, len, s->blockM));
    MlirValue hit = attnAndI(b, attnCmpI(b, ATTN_CMPI_SGE, g->pidX, before),
                             attnCmpI(b, ATTN_CMPI_SLT, g->pidX, after));
    MlirValue picked[6] = {qs, qe, ks, ke, attnSubI(b, g->pidX, before), i};
    MlirValue yielded[7];
    yielded[0] = after;
    for (int k = 0; k < 6; ++k)
      yielded[1 + k] = attnSelect(b, hit, picked[k], scan.iterArgs[1 + k]);
    attnForEnd(b, &scan, 7, yielded);
  }
  return (SeqTile){scan.results[1], scan.results[2], scan.results[3],
                   scan.results[4], scan.results[5], scan.results[6]};
}

static void setVarlenHead(AttnBuilder *b, Program *p, MlirValue h) {
  p->dropBH = dropHead(b, p, h);
  p->q.idx[1] = h;
  p->dout.idx[1] = h;
  p->lse.idx[0] = h;
  p->delta.idx[0] = h;
}

/* The accesses of one sequence: THD tensors sliced to its rows, lse and
 * delta Hq x Tq sliced along the tokens. */
static void varlenProgram(AttnBuilder *b, const Spec *s, const GradArgs *g, const SeqTile *t,
                          MlirValue head, MlirValue kvHead, Program *p) {
  MlirValue c0 = cst(b, 0);
  MlirValue lenQ = attnSubI(b, t->qe, t->qs), lenK = attnSubI(b, t->ke, t->ks);
  memset(p, 0, sizeof(*p));
  p->s = s;
  p->q = (Access){attnRowSlice(b, g->q, 0, t->qs, lenQ), 3, {c0, head, c0, c0}, 0, 2};
  p->k = (Access){attnRowSlice(b, g->k, 0, t->ks, lenK), 3, {c0, kvHead, c0, c0}, 0, 2};
  p->v = (Access){attnRowSlice(b, g->v, 0, t->ks, lenK), 3, {c0, kvHead, c0, c0}, 0, 2};
  p->dout = (Access){attnRowSlice(b, g->dout, 0, t->qs, lenQ), 3, {c0, head, c0, c0}, 0, 2};
  p->lse = (Access){attnRowSlice(b, g->lse, 1, t->qs, lenQ), 2, {head, c0, c0, c0}, 1, -1};
  p->delta = (Access){attnRowSlice(b, g->delta, 1, t->qs, lenQ), 2, {head, c0, c0, c0}, 1, -1};
  p->sq = lenQ;
  p->sk = lenK;
  p->off = attnSubI(b, lenK, lenQ);
  p->batch = t->seq;
}

/* pid_x: key tiles of sequence 0, 1, ..., then of the keys past the last
 * sequence (no queries: dk = dv = 0); pid_y the KV head. */
static void emitVarlenDkdvKernel(AttnBuilder *b, const Spec *s, MlirValue *args) {
  GradArgs g = gradArgs(s, args, 2);
  AttnDropoutState drop = attnLoadDropoutState(b, g.rng);
  MlirValue c0 = cst(b, 0), kvHead = g.pidY;
  SeqTile t = findSeqTile(b, s, &g, true);
  Program p;
  varlenProgram(b, s, &g, &t, c0, kvHead, &p);
  p.rowsAreKeys = true;
  p.drop = drop;
  MlirValue lenK = attnSubI(b, t.ke, t.ks);
  Access dk = {attnRowSlice(b, g.res0, 0, t.ks, lenK), 3, {c0, kvHead, c0, c0}, 0, 2};
  Access dv = {attnRowSlice(b, g.res1, 0, t.ks, lenK), 3, {c0, kvHead, c0, c0}, 0, 2};
  emitDkdvProgram(b, &p, attnMulI(b, t.tile, cst(b, s->blockM)), kvHead, g.alibi, setVarlenHead,
                  &dk, &dv);
}

/* pid_x: query tiles of sequence 0, 1, ..., then of the tokens past the
 * last sequence (no keys: dq = 0); pid_y the head. */
static void emitVarlenDqKernel(AttnBuilder *b, const Spec *s, MlirValue *args) {
  GradArgs g = gradArgs(s, args, 1);
  AttnDropoutState drop = attnLoadDropoutState(b, g.rng);
  MlirValue c0 = cst(b, 0), head = g.pidY;
  MlirValue kvHead = attnBinary(b, "arith.divui", head, cst(b, s->hq / s->hkv));
  SeqTile t = findSeqTile(b, s, &g, false);
  Program p;
  varlenProgram(b, s, &g, &t, head, kvHead, &p);
  p.slope2 = s->hasAlibi ? loadSlope(b, g.alibi, head) : attnNullValue();
  p.dropBH = dropHead(b, &p, head);
  p.drop = drop;
  MlirValue lenQ = attnSubI(b, t.qe, t.qs);
  Access dq = {attnRowSlice(b, g.res0, 0, t.qs, lenQ), 3, {c0, head, c0, c0}, 0, 2};
  emitDqProgram(b, &p, attnMulI(b, t.tile, cst(b, s->blockM)), &dq);
}

/*===--- Kernel functions and the host side -----------------------------------===*/

typedef enum { KERNEL_DELTA, KERNEL_DKDV, KERNEL_DQ, NUM_KERNELS } KernelKind;

static const char *const kernelSuffix[NUM_KERNELS] = {"delta", "dkdv", "dq"};

/* Parameter types of a kernel (see gradArgs; delta: out, dout, delta). */
static intptr_t paramTypes(MlirContext ctx, const Spec *s, KernelKind kind, MlirType *types) {
  intptr_t n = 0, rank = s->varlen ? 3 : 4;
  int64_t dyn = mlirShapedTypeGetDynamicSize();
  MlirType f32 = mlirF32TypeGet(ctx), i32 = mlirIntegerTypeGet(ctx, 32);
  MlirType rowType = attnStridedMemRefType(ctx, rank - 1, dyn, false, f32);
  if (kind == KERNEL_DELTA) {
    types[n++] = attnStridedMemRefType(ctx, rank, s->dv, true, s->elem);
    types[n++] = attnStridedMemRefType(ctx, rank, s->dv, true, s->elem);
    types[n++] = rowType;
  } else {
    types[n++] = attnStridedMemRefType(ctx, rank, s->d, true, s->elem);
    types[n++] = attnStridedMemRefType(ctx, rank, s->d, true, s->elem);
    types[n++] = attnStridedMemRefType(ctx, rank, s->dv, true, s->elem);
    types[n++] = attnStridedMemRefType(ctx, rank, s->dv, true, s->elem);
    types[n++] = rowType;
    types[n++] = rowType;
    if (s->varlen) {
      types[n++] = attnStridedMemRefType(ctx, 1, dyn, false, i32);
      types[n++] = attnStridedMemRefType(ctx, 1, dyn, false, i32);
    }
    if (s->hasAlibi)
      types[n++] = attnStridedMemRefType(ctx, 1, dyn, false, f32);
    /* The delta kernel does not regenerate the mask: delta = rowsum(dout *
     * out) of the dropped output. */
    if (s->dropout.runtime)
      types[n++] = attnRngStateMemRefType(ctx);
    if (kind == KERNEL_DKDV) {
      types[n++] = attnStridedMemRefType(ctx, rank, s->d, true, s->elem);
      types[n++] = attnStridedMemRefType(ctx, rank, s->dv, true, s->elem);
    } else {
      types[n++] = attnStridedMemRefType(ctx, rank, s->d, true, s->elem);
    }
  }
  for (int i = 0; i < 3; ++i)
    types[n++] = mlirIndexTypeGet(ctx);
  return n;
}

/* The varlen delta kernel runs over all tokens: its grid takes (len) only
 * (the kernel has no cu_seqlens to read B from). */
static intptr_t gridDims(const Spec *s, KernelKind kind) {
  return s->varlen && kind == KERNEL_DELTA ? 1 : 2;
}

/* The grid of a kernel, (len, B) -> (programs x, y, 1): len is Sq (delta,
 * dQ) or Sk (dK/dV) for attn.mha_bwd, the packed Tq or Tk for varlen, where
 * each of the B sequences may start a partial tile. */

static MlirAffineMap gridMap(MlirContext ctx, const Spec *s, KernelKind kind) {
  MlirAffineExpr len = mlirAffineDimExprGet(ctx, 0), batch = mlirAffineDimExprGet(ctx, 1);
  MlirAffineExpr tiles = mlirAffineCeilDivExprGet(len, mlirAffineConstantExprGet(ctx, s->blockM));
  int64_t heads = kind == KERNEL_DKDV ? s->hkv : s->hq;
  MlirAffineExpr results[3];
  if (s->varlen) {
    results[0] = kind == KERNEL_DELTA ? tiles : mlirAffineAddExprGet(tiles, batch);
    results[1] = mlirAffineConstantExprGet(ctx, heads);
  } else {
    results[0] = tiles;
    results[1] = mlirAffineMulExprGet(batch, mlirAffineConstantExprGet(ctx, heads));
  }
  results[2] = mlirAffineConstantExprGet(ctx, 1);
  return mlirAffineMapGet(ctx, gridDims(s, kind), 0, 3, results);
}

static MlirNamedAttribute named(MlirContext ctx, const char *name, MlirAttribute a) {
  return mlirNamedAttributeGet(mlirIdentifierGet(ctx, mlirStringRefCreateFromCString(name)), a);
}

/* attn.kernel = {<attn.tile>, grid, kind = "bwd_dkdv" ..., grid_dims,
 * [rng_state]}. */
static MlirAttribute kernelAttr(MlirContext ctx, const Spec *s, KernelKind kind) {
  intptr_t n = mlirDictionaryAttrGetNumElements(s->tile);
  MlirNamedAttribute entries[24];
  for (intptr_t i = 0; i < n && i < 16; ++i)
    entries[i] = mlirDictionaryAttrGetElement(s->tile, i);
  n = n < 16 ? n : 16;
  /* The bundle's kinds are at most 15 characters: bwd_delta ..., varlen_dq. */
  char name[64];
  snprintf(name, sizeof(name), "%s_%s", s->varlen ? "varlen" : "bwd", kernelSuffix[kind]);
  entries[n++] = named(ctx, "grid", mlirAffineMapAttrGet(gridMap(ctx, s, kind)));
  entries[n++] = named(ctx, "kind", attnStringAttr(ctx, name));
  /* The kernel arguments' dims the grid map takes: (len, B). */
  static const char *const lenDims[2][NUM_KERNELS] = {{"out.2", "k.2", "q.2"},
                                                      {"out.0", "k.0", "q.0"}};
  const char *batchDim = !s->varlen ? (kind == KERNEL_DELTA ? "out.0" : "q.0") : "cu_seqlens_q.0-1";
  MlirAttribute dimAttrs[2] = {attnStringAttr(ctx, lenDims[s->varlen][kind]),
                               attnStringAttr(ctx, batchDim)};
  entries[n++] = named(ctx, "grid_dims", mlirArrayAttrGet(ctx, gridDims(s, kind), dimAttrs));
  /* dK/dV and dQ regenerate the mask from the run-time [seed, offset]. */
  if (s->dropout.runtime && kind != KERNEL_DELTA)
    entries[n++] = named(ctx, "rng_state", mlirUnitAttrGet(ctx));
  return mlirDictionaryAttrGet(ctx, n, entries);
}

/* func.func @name(types) with an entry block, or a private declaration,
 * before `anchor`, at the op's location. */
static MlirOperation createFunc(MlirOperation anchor, MlirLocation loc, const char *name,
                                intptr_t n, const MlirType *types, bool declaration) {
  AttnBuilder b = attnBuilderBefore(anchor);
  b.loc = loc;
  MlirType fnType = mlirFunctionTypeGet(b.ctx, n, types, 0, NULL);
  MlirNamedAttribute attrs[3];
  intptr_t nAttrs = 0;
  attrs[nAttrs++] = attnNamedAttr(&b, "sym_name", attnStringAttr(b.ctx, name));
  attrs[nAttrs++] = attnNamedAttr(&b, "function_type", mlirTypeAttrGet(fnType));
  if (declaration)
    attrs[nAttrs++] = attnNamedAttr(&b, "sym_visibility", attnStringAttr(b.ctx, "private"));
  MlirRegion region = mlirRegionCreate();
  if (!declaration) {
    MlirLocation locs[24];
    for (intptr_t i = 0; i < n; ++i)
      locs[i] = loc;
    mlirRegionAppendOwnedBlock(region, mlirBlockCreate(n, types, locs));
  }
  return attnBuildOp(&b, "func.func", 0, NULL, 0, NULL, nAttrs, attrs, 1, &region);
}

typedef void (*EmitKernel)(AttnBuilder *b, const Spec *s, MlirValue *args);

static EmitKernel kernelEmitter(const Spec *s, KernelKind kind) {
  if (kind == KERNEL_DELTA)
    return emitDeltaKernel;
  if (kind == KERNEL_DKDV)
    return s->varlen ? emitVarlenDkdvKernel : emitMhaDkdvKernel;
  return s->varlen ? emitVarlenDqKernel : emitMhaDqKernel;
}

static void buildKernel(MlirOperation func, MlirOperation op, const Spec *s, KernelKind kind,
                        const char *name, const char *launch, intptr_t n, const MlirType *params) {
  MlirLocation loc = mlirOperationGetLocation(op);
  MlirOperation kfn = createFunc(func, loc, name, n, params, false);
  attnSetAttr(kfn, "attn.kernel", kernelAttr(mlirOperationGetContext(op), s, kind));
  createFunc(func, loc, launch, n, params, true);
  MlirBlock entry = mlirRegionGetFirstBlock(mlirOperationGetRegion(kfn, 0));
  AttnBuilder b = {mlirOperationGetContext(op), loc, entry, attnNullOp()};
  MlirValue args[24];
  for (intptr_t i = 0; i < n; ++i)
    args[i] = mlirBlockGetArgument(entry, i);
  kernelEmitter(s, kind)(&b, s, args);
  attnBuildOp(&b, "func.return", 0, NULL, 0, NULL, 0, NULL, 0, NULL);
}

typedef struct {
  char name[NUM_KERNELS][256], launch[NUM_KERNELS][300];
  MlirType params[NUM_KERNELS][24];
  intptr_t numParams[NUM_KERNELS];
} Kernels;

static MlirValue castTo(AttnBuilder *b, MlirValue mem, MlirType type) {
  return attnOp1(b, "memref.cast", 1, &mem, type);
}

/* Launches kernel `kind` over its grid with the given buffers. */
static void launch(AttnBuilder *b, const Spec *s, const Kernels *k, KernelKind kind,
                   const MlirValue *buffers, intptr_t n, MlirValue len, MlirValue batch) {
  MlirValue args[24];
  for (intptr_t i = 0; i < n; ++i)
    args[i] = castTo(b, buffers[i], k->params[kind][i]);
  MlirAffineMap map = gridMap(b->ctx, s, kind);
  MlirValue gridIn[2] = {len, batch};
  for (intptr_t i = 0; i < 3; ++i)
    args[n + i] = attnAffineApply(b, mlirAffineMapGetSubMap(map, 1, &i), gridDims(s, kind), gridIn);
  attnCall(b, k->launch[kind], n + 3, args);
}

/* The host side: the delta workspace, the gradient buffers, three launches
 * (delta first: both other kernels read it), the op's results replaced. */
static void emitHost(MlirOperation op, const Spec *s, const Kernels *k) {
  AttnBuilder b = attnBuilderBefore(op);
  intptr_t numIn = mlirOperationGetNumOperands(op);
  MlirValue in[10];
  for (intptr_t i = 0; i < numIn; ++i)
    in[i] = attnToBuffer(&b, mlirOperationGetOperand(op, i));
  MlirValue q = in[0], kk = in[1], v = in[2], out = in[3], dout = in[4], lse = in[5];
  int64_t dyn = mlirShapedTypeGetDynamicSize();
  MlirValue delta, len[3], batch;
  if (s->varlen) {
    int64_t shape[2] = {s->hq, dyn};
    MlirValue tq = attnDim(&b, q, 0);
    delta = attnAlloc(
        &b, mlirMemRefTypeContiguousGet(attnF32Type(&b), 2, shape, mlirAttributeGetNull()), 1, &tq);
    len[KERNEL_DELTA] = len[KERNEL_DQ] = tq;
    len[KERNEL_DKDV] = attnDim(&b, kk, 0);
    batch = attnSubI(&b, attnDim(&b, in[6], 0), cst(&b, 1));
  } else {
    int64_t shape[3] = {dyn, s->hq, dyn};
    MlirValue dims[2] = {attnDim(&b, q, 0), attnDim(&b, q, 2)};
    delta = attnAlloc(
        &b, mlirMemRefTypeContiguousGet(attnF32Type(&b), 3, shape, mlirAttributeGetNull()), 2,
        dims);
    len[KERNEL_DELTA] = len[KERNEL_DQ] = dims[1];
    len[KERNEL_DKDV] = attnDim(&b, kk, 2);
    batch = dims[0];
  }
  int dims[4] = {0, 1, 2, 3};
  MlirValue srcQ[4] = {q, q, q, q}, srcK[4] = {kk, kk, kk, kk}, srcV[4] = {v, v, v, v};
  MlirValue grads[3] = {attnAllocLike(&b, mlirOperationGetResult(op, 0), srcQ, dims),
                        attnAllocLike(&b, mlirOperationGetResult(op, 1), srcK, dims),
                        attnAllocLike(&b, mlirOperationGetResult(op, 2), srcV, dims)};

  MlirValue deltaArgs[3] = {out, dout, delta};
  launch(&b, s, k, KERNEL_DELTA, deltaArgs, 3, len[KERNEL_DELTA], batch);
  MlirValue args[12];
  intptr_t n = 0;
  MlirValue common[6] = {q, kk, v, dout, lse, delta};
  for (int i = 0; i < 6; ++i)
    args[n++] = common[i];
  for (intptr_t i = 6; i < numIn; ++i) /* [cu_seqlens_q, cu_seqlens_k], [alibi], [rng_state] */
    args[n++] = in[i];
  args[n] = grads[1];
  args[n + 1] = grads[2];
  launch(&b, s, k, KERNEL_DKDV, args, n + 2, len[KERNEL_DKDV], batch);
  args[n] = grads[0];
  launch(&b, s, k, KERNEL_DQ, args, n + 1, len[KERNEL_DQ], batch);
  for (int i = 0; i < 3; ++i) {
    MlirValue res = mlirOperationGetResult(op, i);
    mlirValueReplaceAllUsesOfWith(res, attnToTensor(&b, grads[i], mlirValueGetType(res)));
  }
}

/* @<func>_attn_bwd<N>_{delta,dkdv,dq} and their launches, N the first
 * counter value for which none of the six symbols exists. */
static void nameKernels(MlirOperation module, MlirStringRef fname, int *counter, Kernels *k) {
  bool taken = true;
  while (taken) {
    taken = false;
    for (int i = 0; i < NUM_KERNELS; ++i) {
      snprintf(k->name[i], sizeof(k->name[i]), "%.*s_attn_bwd%d_%s",
               (int)(fname.length > 200 ? 200 : fname.length), fname.data, *counter,
               kernelSuffix[i]);
      snprintf(k->launch[i], sizeof(k->launch[i]), "__attn_launch_%s", k->name[i]);
      taken |= attnSymbolTaken(module, k->name[i]) || attnSymbolTaken(module, k->launch[i]);
    }
    ++*counter;
  }
}

static bool lowerOp(MlirOperation op, int *counter) {
  Spec s;
  if (!readSpec(op, &s))
    return false;
  MlirOperation func = attnParentOfType(op, "func.func");
  MlirOperation module = attnParentOfType(op, "builtin.module");
  if (mlirOperationIsNull(func) || mlirOperationIsNull(module)) {
    attnEmitOpError(op, passName, "must be inside a func.func in a module");
    return false;
  }
  MlirStringRef fname = mlirStringAttrGetValue(
      mlirOperationGetAttributeByName(func, mlirStringRefCreateFromCString("sym_name")));
  Kernels k;
  nameKernels(module, fname, counter, &k);
  MlirContext ctx = mlirOperationGetContext(op);
  for (int i = 0; i < NUM_KERNELS; ++i) {
    k.numParams[i] = paramTypes(ctx, &s, (KernelKind)i, k.params[i]);
    buildKernel(func, op, &s, (KernelKind)i, k.name[i], k.launch[i], k.numParams[i], k.params[i]);
  }
  emitHost(op, &s, &k);
  return true;
}

static void run(MlirOperation root, MlirExternalPass pass) {
  AttnOpList list = attnCollectAttnOps(root);
  bool ok = !list.outOfMemory;
  int counter = 0;
  for (size_t i = 0; i < list.count && ok; ++i) {
    if (!attnIsBackwardOp(list.ops[i]))
      continue;
    ok = lowerOp(list.ops[i], &counter);
    if (ok)
      mlirOperationDestroy(list.ops[i]);
  }
  attnOpListFree(&list);
  if (!ok)
    mlirExternalPassSignalFailure(pass);
}

static const int64_t passId = 0;

static const AttnPassInfo info = {&passId, "AttnFlashBackward", "attn-flash-backward",
                                  "Lower each tiled attention backward op to flash-attention "
                                  "gradient kernels (delta, dK/dV per KV tile, dQ per Q tile) "
                                  "and their grid launches",
                                  run};

MlirPass attnCreateFlashBackwardPass(void) { return attnCreatePass(&info); }
