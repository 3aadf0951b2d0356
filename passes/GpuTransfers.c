/*===- GpuTransfers.c - global reads and writes of the GPU core ----------===*
 *
 * vector.transfer_read / transfer_write against global memory: what a
 * transfer reads (memref, indices, row and column dims, the padded head
 * dim, the alignment of row starts), runs of consecutive columns moved as
 * wide as that alignment allows, and guarded loads and stores at the edges.
 * A read is dispatched by what it feeds: the matmuls' operands go to the
 * target (readQ, readTile: shared memory is GpuSmem.c's and the target's),
 * and the reads that feed no matmul are done here: row vectors (ALiBi
 * slopes, a split's lse), column vectors (the backward's lse and delta) and
 * tiles (the merge kernel's partial outputs), the latter two loaded per use
 * into the lanes' blocks. Writes store row vectors from the lanes that own
 * the row and tiles in runs of storeRun columns.
 *
 *===----------------------------------------------------------------------===*/

#include "GpuLowerInternal.h"

#include "mlir-c/AffineExpr.h"
#include "mlir-c/AffineMap.h"
#include "mlir-c/BuiltinAttributes.h"
#include "mlir-c/BuiltinTypes.h"

static MlirValue cIdx(AttnBuilder *b, int64_t v) { return attnConstIndex(b, v); }

/*===--- Transfers -------------------------------------------------------------===*/

/* The rewritten scalar `old`, an operand of `user`: as lowered, or as
 * rebuilt by `r`. */
static MlirValue operandOf(AttnGpuLower *L, MlirOperation user, MlirValue old, AttnRemat *r) {
  return r ? attnGpuRematValue(r, user, old) : attnGpuPlain(L, user, old);
}

/* The largest power of two up to 8 dividing n. */
static int64_t pow2Divisor(int64_t n) {
  int64_t a = 8;
  while (a > 1 && n % a)
    a /= 2;
  return a;
}

/* The alignment of a memref's row starts, in elements: attn.kernel's for
 * the tensors of the attention's element type; the f32 workspace of a
 * paged op is contiguous, so its rows follow its head dim. */
static int64_t transferAlign(AttnGpuLower *L, MlirType memType, int colDim) {
  if (colDim < 0 || !mlirTypeIsAF32(mlirShapedTypeGetElementType(memType)) ||
      mlirShapedTypeIsDynamicDim(memType, colDim))
    return L->align;
  return pow2Divisor(mlirShapedTypeGetDimSize(memType, colDim));
}

/* The memref, indices and (row, col) dims of a transfer with a minor
 * identity-like map; columns past a static head dim (a padded tile) are
 * recorded in x->cols. */
bool attnGpuReadTransfer(AttnGpuLower *L, MlirOperation op, bool isWrite, AttnTransfer *x,
                         AttnRemat *r) {
  intptr_t first = isWrite ? 1 : 0;
  x->mem = operandOf(L, op, mlirOperationGetOperand(op, first), r);
  x->rank = mlirShapedTypeGetRank(mlirValueGetType(mlirOperationGetOperand(op, first)));
  if (L->failed || x->rank > 4)
    return false;
  for (intptr_t i = 0; i < x->rank; ++i)
    x->idx[i] = operandOf(L, op, mlirOperationGetOperand(op, first + 1 + i), r);
  if (!isWrite)
    x->pad = operandOf(L, op, mlirOperationGetOperand(op, 1 + x->rank), r);
  MlirAffineMap map = mlirAffineMapAttrGetValue(attnGpuInherent(op, "permutation_map"));
  MlirAttribute ib = attnGpuInherent(op, "in_bounds");
  intptr_t n = mlirAffineMapGetNumResults(map);
  if (L->failed || n < 1 || n > 2 || mlirArrayAttrGetNumElements(ib) != n)
    return false;
  int dims[2] = {-1, -1};
  bool inb[2] = {true, true};
  for (intptr_t i = 0; i < n; ++i) {
    MlirAffineExpr e = mlirAffineMapGetResult(map, i);
    if (!mlirAffineExprIsADim(e))
      return false;
    dims[i] = (int)mlirAffineDimExprGetPosition(e);
    inb[i] = mlirBoolAttrGetValue(mlirArrayAttrGetElement(ib, i));
  }
  x->rowDim = dims[0];
  x->colDim = dims[1];
  x->rowsInBounds = inb[0];
  x->cols = INT64_MAX;
  MlirType memType = mlirValueGetType(mlirOperationGetOperand(op, first));
  x->align = transferAlign(L, memType, dims[1]);
  if (n == 1 || inb[1])
    return true;
  /* A tile padded past the memref's head dim: static, so the columns
   * reached are known. */
  if (mlirShapedTypeIsDynamicDim(memType, dims[1]))
    return false;
  x->cols = mlirShapedTypeGetDimSize(memType, dims[1]);
  return true;
}

void attnGpuShifted(AttnBuilder *b, const AttnTransfer *x, MlirValue row, MlirValue col,
                    MlirValue *idx) {
  for (intptr_t i = 0; i < x->rank; ++i)
    idx[i] = x->idx[i];
  idx[x->rowDim] = attnAddI(b, x->idx[x->rowDim], row);
  idx[x->colDim] = attnAddI(b, x->idx[x->colDim], col);
}

MlirValue attnGpuRowValid(AttnBuilder *b, const AttnTransfer *x, MlirValue row) {
  return attnCmpI(b, ATTN_CMPI_SLT, row, attnDim(b, x->mem, x->rowDim));
}

/*===--- Runs and guarded loads --------------------------------------------------===*/

AttnTransfer attnGpuColumnsUpTo(const AttnTransfer *x, int64_t end) {
  AttnTransfer y = *x;
  if (end <= y.cols)
    y.cols = INT64_MAX;
  return y;
}

int64_t attnGpuRunPiece(const AttnTransfer *x, int64_t n) {
  int64_t w = n < x->align ? n : x->align;
  while (w > 1 && x->cols != INT64_MAX && x->cols % w)
    w /= 2;
  return w;
}

/* cond && column `col` + `at` is below x->cols (no test when it always is). */
static MlirValue columnValid(AttnBuilder *b, const AttnTransfer *x, MlirValue col, int64_t at,
                             MlirValue cond) {
  if (x->cols == INT64_MAX)
    return cond;
  MlirValue c = attnCmpI(b, ATTN_CMPI_SLT, attnAddI(b, col, cIdx(b, at)), cIdx(b, x->cols));
  return mlirValueIsNull(cond) ? c : attnAndI(b, cond, c);
}

MlirValue attnGpuGuardedLoad(AttnBuilder *b, MlirValue cond, MlirType type, MlirValue mem,
                             intptr_t n, const MlirValue *idx, MlirValue pad) {
  AttnBuilder inner = *b;
  MlirBlock thenBlock = mlirBlockCreate(0, NULL, NULL), elseBlock = mlirBlockCreate(0, NULL, NULL);
  inner.block = thenBlock;
  inner.before = attnNullOp();
  bool vec = mlirTypeIsAVector(type);
  MlirValue loaded = vec ? attnGpuLoad(&inner, type, mem, n, idx) : attnLoad(&inner, mem, n, idx);
  attnBuildOp(&inner, "scf.yield", 1, &loaded, 0, NULL, 0, NULL, 0, NULL);
  inner.block = elseBlock;
  MlirValue padded = vec ? attnGpuSplat(&inner, pad, type) : pad;
  attnBuildOp(&inner, "scf.yield", 1, &padded, 0, NULL, 0, NULL, 0, NULL);
  MlirRegion regions[2] = {mlirRegionCreate(), mlirRegionCreate()};
  mlirRegionAppendOwnedBlock(regions[0], thenBlock);
  mlirRegionAppendOwnedBlock(regions[1], elseBlock);
  return mlirOperationGetResult(attnBuildOp(b, "scf.if", 1, &cond, 1, &type, 0, NULL, 2, regions),
                                0);
}

MlirValue attnGpuLoadRun(AttnGpuLower *L, AttnBuilder *b, const AttnTransfer *x,
                         const MlirValue *idx, MlirValue valid, int64_t n, MlirType elem) {
  int64_t w = attnGpuRunPiece(x, n);
  MlirValue parts[16], at[4];
  int k = 0;
  for (intptr_t i = 0; i < x->rank; ++i)
    at[i] = idx[i];
  for (int64_t p = 0; p < n; p += w) {
    at[x->colDim] = p ? attnAddI(b, idx[x->colDim], cIdx(b, p)) : idx[x->colDim];
    MlirValue cond = columnValid(b, x, idx[x->colDim], p, valid);
    MlirType type = attnGpuVecT(w, elem);
    parts[k++] = mlirValueIsNull(cond)
                     ? attnGpuLoad(b, type, x->mem, x->rank, at)
                     : attnGpuGuardedLoad(b, cond, type, x->mem, x->rank, at, x->pad);
  }
  for (; k > 1; k /= 2) /* n / w is a power of two */
    for (int i = 0; i < k / 2; ++i)
      parts[i] = attnGpuConcat(L, b, parts[2 * i], parts[2 * i + 1]);
  return parts[0];
}

void attnGpuStoreRun(AttnGpuLower *L, AttnBuilder *b, const AttnTransfer *x, const MlirValue *idx,
                     MlirValue v) {
  int64_t n = attnGpuDim(v, 0), w = attnGpuRunPiece(x, n);
  MlirValue at[4];
  for (intptr_t i = 0; i < x->rank; ++i)
    at[i] = idx[i];
  for (int64_t p = 0; p < n; p += w) {
    at[x->colDim] = p ? attnAddI(b, idx[x->colDim], cIdx(b, p)) : idx[x->colDim];
    MlirValue cond = columnValid(b, x, idx[x->colDim], p, attnNullValue());
    AttnGpuIf guard;
    if (!mlirValueIsNull(cond))
      guard = attnGpuIfBegin(b, cond);
    attnGpuStore(b, w == n ? v : attnGpuSlice(L, b, v, p, w), x->mem, x->rank, at);
    if (!mlirValueIsNull(cond))
      attnGpuIfEnd(b, &guard);
  }
}

/*===--- Reads that feed no matmul ---------------------------------------------===*/

/* A row vector (alibi slopes, the merge kernel's split lse): each lane loads
 * the rows of its row slots; rows past the memref read the padding. */
static void lowerRowRead(AttnGpuLower *L, AttnBuilder *b, MlirOperation op, const AttnTransfer *x) {
  MlirValue res = mlirOperationGetResult(op, 0);
  if (attnGpuDim(res, 0) != L->bm) {
    attnGpuFail(L, op, "reads a row vector whose size is not BLOCK_M");
    return;
  }
  MlirValue slots[ATTN_GPU_MAX_ROWS], idx[4];
  for (int s = 0; s < L->RL; ++s) {
    for (intptr_t i = 0; i < x->rank; ++i)
      idx[i] = x->idx[i];
    idx[x->rowDim] = attnAddI(b, x->idx[x->rowDim], L->rowBase[s]);
    slots[s] = x->rowsInBounds
                   ? attnLoad(b, x->mem, x->rank, idx)
                   : attnGpuGuardedLoad(b, attnGpuRowValid(b, x, idx[x->rowDim]),
                                        attnGpuElemOf(res), x->mem, x->rank, idx, x->pad);
  }
  attnGpuPutRow(L, res, slots);
}

/* Whether a 1-D read is a column vector: broadcast down the columns of
 * tiles (vector.broadcast to 2-D, no transpose after it), as the backward's
 * lse and delta of the queries that are a dK/dV tile's columns. A row
 * vector is broadcast and then transposed. */
static bool isColumnVectorAt(MlirValue v, int depth) {
  MlirOpOperand u = mlirValueGetFirstUse(v);
  if (mlirOpOperandIsNull(u) || depth > 16)
    return false;
  for (; !mlirOpOperandIsNull(u); u = mlirOpOperandGetNextUse(u)) {
    MlirOperation user = mlirOpOperandGetOwner(u);
    /* element-wise ops on it (lse == -inf ? 0 : lse * log2 e) are too */
    if (attnIsElementwise(user) && mlirOperationGetNumResults(user) == 1 &&
        attnGpuRank(mlirOperationGetResult(user, 0)) == 1) {
      if (!isColumnVectorAt(mlirOperationGetResult(user, 0), depth + 1))
        return false;
      continue;
    }
    if (!attnIsOp(user, "vector.broadcast") || attnGpuRank(mlirOperationGetResult(user, 0)) != 2)
      return false;
    for (MlirOpOperand w = mlirValueGetFirstUse(mlirOperationGetResult(user, 0));
         !mlirOpOperandIsNull(w); w = mlirOpOperandGetNextUse(w))
      if (attnIsOp(mlirOpOperandGetOwner(w), "vector.transpose"))
        return false;
  }
  return true;
}

bool attnGpuIsColumnVector(MlirValue v) { return isColumnVectorAt(v, 0); }

/* Column block t of a column vector read: a lane's CE columns (t * CB +
 * colBase[e] + colLane), each loaded on its own; past the memref (unless
 * in bounds) the padding. Loaded where used, as attnGpuTileLoadBlock. */
MlirValue attnGpuColumnLoadBlock(AttnGpuLower *L, AttnBuilder *b, MlirOperation def, int t) {
  AttnTransfer x;
  if (!attnGpuReadTransfer(L, def, false, &x, NULL))
    return attnNullValue();
  MlirType elem = attnGpuElemOf(mlirOperationGetResult(def, 0));
  MlirValue base = attnAddI(b, x.idx[x.rowDim],
                            attnGpuLaneColumn(L, b, attnGpuDim(mlirOperationGetResult(def, 0), 0)));
  MlirValue elems[ATTN_GPU_MAX_CE], idx[4];
  for (int e = 0; e < L->CE; ++e) {
    for (intptr_t k = 0; k < x.rank; ++k)
      idx[k] = x.idx[k];
    idx[x.rowDim] = attnAddI(b, base, cIdx(b, (int64_t)t * L->CB + L->colBase[e]));
    elems[e] = x.rowsInBounds ? attnLoad(b, x.mem, x.rank, idx)
                              : attnGpuGuardedLoad(b, attnGpuRowValid(b, &x, idx[x.rowDim]), elem,
                                                   x.mem, x.rank, idx, x.pad);
  }
  return attnGpuFromElements(b, L->CE, elems);
}

/* Blocks [t0, t0 + n) of one row slot (`idx` at its row) of a tile: runs
 * of storeRun consecutive columns, one vector load each, as the tile store
 * writes them. */
static void loadBlocks(AttnGpuLower *L, AttnBuilder *b, const AttnTransfer *x, MlirValue *idx,
                       MlirValue base, int t0, int n, MlirType elem, MlirValue *out) {
  MlirType run = attnGpuVecT(L->storeRun, elem);
  for (int t = t0; t < t0 + n; ++t) {
    MlirValue runs[ATTN_GPU_MAX_CE];
    int k = 0;
    for (int e = 0; e < L->CE; e += L->storeRun) {
      idx[x->colDim] = attnAddI(b, base, cIdx(b, (int64_t)t * L->CB + L->colBase[e]));
      runs[k++] = attnGpuRunPiece(x, L->storeRun) == L->storeRun && x->cols == INT64_MAX
                      ? attnGpuLoad(b, run, x->mem, x->rank, idx)
                      : attnGpuLoadRun(L, b, x, idx, attnNullValue(), L->storeRun, elem);
    }
    for (; k > 1; k /= 2) /* a power of two: checked by attnGpuLowerTransferRead */
      for (int i = 0; i < k / 2; ++i)
        runs[i] = attnGpuConcat(L, b, runs[2 * i], runs[2 * i + 1]);
    out[t - t0] = runs[0];
  }
}

/* cond ? loadBlocks(...) : the padding, as one scf.if. */
static void guardedBlocks(AttnGpuLower *L, AttnBuilder *b, MlirValue cond, const AttnTransfer *x,
                          MlirValue *idx, MlirValue base, int t0, int n, MlirType elem,
                          MlirValue *out) {
  MlirType types[ATTN_GPU_MAXB], type = attnGpuBlockType(L, elem);
  MlirValue values[ATTN_GPU_MAXB];
  AttnBuilder inner = *b;
  MlirBlock thenBlock = mlirBlockCreate(0, NULL, NULL), elseBlock = mlirBlockCreate(0, NULL, NULL);
  inner.block = thenBlock;
  inner.before = attnNullOp();
  loadBlocks(L, &inner, x, idx, base, t0, n, elem, values);
  attnBuildOp(&inner, "scf.yield", n, values, 0, NULL, 0, NULL, 0, NULL);
  inner.block = elseBlock;
  MlirValue pad = attnGpuSplat(&inner, x->pad, type);
  for (int t = 0; t < n; ++t) {
    values[t] = pad;
    types[t] = type;
  }
  attnBuildOp(&inner, "scf.yield", n, values, 0, NULL, 0, NULL, 0, NULL);
  MlirRegion regions[2] = {mlirRegionCreate(), mlirRegionCreate()};
  mlirRegionAppendOwnedBlock(regions[0], thenBlock);
  mlirRegionAppendOwnedBlock(regions[1], elseBlock);
  MlirOperation ifOp = attnBuildOp(b, "scf.if", 1, &cond, n, types, 0, NULL, 2, regions);
  for (int t = 0; t < n; ++t)
    out[t] = mlirOperationGetResult(ifOp, t);
}

/* Block i of a tile read for no matmul (the merge kernel's partial
 * outputs), loaded where it is used: the mirror of the tile store. Rows
 * past the memref read the padding. Loading per use keeps such a tile and
 * an accumulator of its size from being in registers at once. */
MlirValue attnGpuTileLoadBlock(AttnGpuLower *L, AttnBuilder *b, MlirOperation def, int i) {
  AttnTransfer x;
  if (!attnGpuReadTransfer(L, def, false, &x, NULL))
    return attnNullValue();
  MlirValue res = mlirOperationGetResult(def, 0), idx[4], out;
  int ncb = attnGpuColBlocks(L, attnGpuDim(res, 1)), s = i / ncb, t = i % ncb;
  for (intptr_t k = 0; k < x.rank; ++k)
    idx[k] = x.idx[k];
  idx[x.rowDim] = attnAddI(b, x.idx[x.rowDim], L->rowBase[s]);
  MlirValue base = attnAddI(b, x.idx[x.colDim], attnGpuLaneColumn(L, b, attnGpuDim(res, 1)));
  MlirType elem = attnGpuElemOf(res);
  if (x.rowsInBounds)
    loadBlocks(L, b, &x, idx, base, t, 1, elem, &out);
  else
    guardedBlocks(L, b, attnGpuRowValid(b, &x, idx[x.rowDim]), &x, idx, base, t, 1, elem, &out);
  return out;
}

/* Whether a tile read for no matmul fits the lanes' blocks. */
static bool tileLoadable(AttnGpuLower *L, MlirOperation op) {
  MlirValue res = mlirOperationGetResult(op, 0);
  int runs = L->CE / L->storeRun;
  attnGpuTileCount(L, op, attnGpuDim(res, 1));
  if (L->failed)
    return false;
  if (attnGpuDim(res, 0) != L->bm || L->CE % L->storeRun || (runs & (runs - 1))) {
    attnGpuFail(L, op, "reads a tile whose rows are not BLOCK_M");
    return false;
  }
  return true;
}

/* Whether `op`'s value, an element-wise tile op, is made from a tile read
 * for no matmul through element-wise ops evaluated per use (LAZY). */
bool attnGpuFromTileLoad(AttnGpuLower *L, MlirOperation op) {
  for (intptr_t k = 0; k < mlirOperationGetNumOperands(op); ++k) {
    AttnRep *r = attnGpuFind(L, mlirOperationGetOperand(op, k));
    if (!r || r->kind != ATTN_REP_LAZY || !attnGpuIsTile(mlirOperationGetOperand(op, k)))
      continue;
    if (attnIsOp(r->def, "vector.transfer_read") ||
        (attnIsMaskModElementwise(r->def) && attnGpuFromTileLoad(L, r->def)))
      return true;
  }
  return false;
}

/*===--- Reads and writes --------------------------------------------------------===*/

static bool usedByMatmul(MlirValue v) {
  for (MlirOpOperand u = mlirValueGetFirstUse(v); !mlirOpOperandIsNull(u);
       u = mlirOpOperandGetNextUse(u))
    if (attnIsOp(mlirOpOperandGetOwner(u), "vector.contract"))
      return true;
  return false;
}

void attnGpuLowerTransferRead(AttnGpuLower *L, AttnBuilder *b, MlirOperation op) {
  MlirValue res = mlirOperationGetResult(op, 0);
  if (attnGpuOnlyOperand(res, "vector.insert_strided_slice", 0) || attnGpuDeferredToDequant(res)) {
    /* A piece of a K/V tile (or an fp8 tile of one piece): staged with the
     * tile (attnGpuLowerInsertSlice, attnGpuLowerDequantTile). */
    attnGpuPut(L, res, (AttnRep){.kind = ATTN_REP_PIECE});
    return;
  }
  AttnTransfer x;
  bool ok = attnGpuReadTransfer(L, op, false, &x, NULL);
  if (ok && attnGpuRank(res) == 1 && attnGpuIsColumnVector(res)) {
    attnGpuPut(L, res, (AttnRep){.kind = ATTN_REP_LAZY, .def = op}); /* attnGpuColumnLoadBlock */
    return;
  }
  if (ok && attnGpuRank(res) == 1) {
    lowerRowRead(L, b, op, &x);
    return;
  }
  if (!ok || x.rowDim < 0 || x.colDim < 0) {
    if (!L->failed)
      attnGpuFail(L, op, "must read a 2-D tile whose columns are in bounds");
    return;
  }
  if (attnGpuRightOperandOnly(res)) {
    AttnTileRead t = {.n = 1, .tileRows = attnGpuDim(res, 0), .cols = attnGpuDim(res, 1)};
    t.x[0] = x;
    t.rows[0] = t.tileRows;
    L->tgt->readTile(L, b, op, &t, attnGpuSecondBuffer(L, op));
  } else if (attnGpuOnlyOperand(res, "vector.contract", 0)) {
    L->tgt->readQ(L, b, op, &x);
  } else if (!usedByMatmul(res)) {
    /* Loaded per use (attnGpuTileLoadBlock). */
    if (tileLoadable(L, op))
      attnGpuPut(L, res, (AttnRep){.kind = ATTN_REP_LAZY, .def = op});
  } else {
    attnGpuFail(L, op, "reads a tile that is not only a matmul operand");
  }
}

void attnGpuLowerTransferWrite(AttnGpuLower *L, AttnBuilder *b, MlirOperation op) {
  MlirValue val = mlirOperationGetOperand(op, 0);
  AttnTransfer x;
  if (!attnGpuReadTransfer(L, op, true, &x, NULL)) {
    if (!L->failed)
      attnGpuFail(L, op, "must write a tile or row vector whose columns are in bounds");
    return;
  }
  MlirValue idx[4];
  for (intptr_t i = 0; i < x.rank; ++i)
    idx[i] = x.idx[i];
  MlirValue rowStart = x.idx[x.rowDim];
  if (attnGpuRank(val) == 1) {
    /* Row vector (lse): the lanes that own a row store it once. */
    for (int s = 0; s < L->RL && !L->failed; ++s) {
      MlirValue v = attnGpuRowOf(L, b, op, val, s);
      if (L->failed)
        return;
      idx[x.rowDim] = attnAddI(b, rowStart, L->rowBase[s]);
      MlirValue cond = L->rowOwner;
      if (!x.rowsInBounds)
        cond = attnAndI(b, cond, attnGpuRowValid(b, &x, idx[x.rowDim]));
      AttnGpuIf guard = attnGpuIfBegin(b, cond);
      attnStore(b, v, x.mem, x.rank, idx);
      attnGpuIfEnd(b, &guard);
    }
    return;
  }
  MlirValue blocks[ATTN_GPU_MAXB];
  int nb = 0;
  if (!attnGpuTileBlocks(L, b, op, val, blocks, &nb))
    return;
  int ncb = nb / L->RL;
  /* Runs of storeRun consecutive elements are contiguous head-dim elements:
   * one vector store each. */
  int64_t width = attnGpuDim(val, 1);
  bool split = attnGpuOwnCols(L, width) != width;
  MlirValue base = attnAddI(b, idx[x.colDim], attnGpuLaneColumn(L, b, width));
  for (int s = 0; s < L->RL; ++s) {
    idx[x.rowDim] = attnAddI(b, rowStart, L->rowBase[s]);
    AttnGpuIf guard;
    if (!x.rowsInBounds)
      guard = attnGpuIfBegin(b, attnGpuRowValid(b, &x, idx[x.rowDim]));
    for (int t = 0; t < ncb; ++t) {
      /* blocks wholly inside the head dim store without column guards (a
       * warp's columns of a split tile: when the whole tile is) */
      AttnTransfer xt = attnGpuColumnsUpTo(&x, split ? width : (int64_t)(t + 1) * L->CB);
      for (int e = 0; e < L->CE; e += L->storeRun) {
        idx[x.colDim] = attnAddI(b, base, cIdx(b, (int64_t)t * L->CB + L->colBase[e]));
        attnGpuStoreRun(L, b, &xt, idx, attnGpuSlice(L, b, blocks[s * ncb + t], e, L->storeRun));
      }
    }
    if (!x.rowsInBounds)
      attnGpuIfEnd(b, &guard);
  }
}
