/*===- GpuPieces.c - K/V tiles assembled from pieces (paged KV caches) ----===*
 *
 * A paged K/V tile is a chain of vector.insert_strided_slice of whole-row
 * piece reads (one per cache block) into a constant tile: recognized here
 * and handed to the target as an AttnTileRead (GpuLower.h) at the last
 * insert (the ones before and the piece reads wait for it). A plain
 * transfer_read is a tile of one piece.
 *
 * An fp8 K/V tile (a paged cache of f8E4M3FN, docs/fp8.md) is read in fp8
 * and dequantized by an arith.extf to Q's 16-bit type: that extf is the op
 * that makes the tile the target stages (its pieces, read in fp8, wait for
 * it), so the target converts while staging and every user of the tile
 * (matmuls, shared-memory planning, prefetch) sees a 16-bit tile.
 *
 *===----------------------------------------------------------------------===*/

#include "GpuLowerInternal.h"

#include "mlir-c/BuiltinAttributes.h"

static int64_t arrayInt(MlirAttribute a, intptr_t i) {
  if (mlirAttributeIsNull(a) || !mlirAttributeIsAArray(a) || mlirArrayAttrGetNumElements(a) <= i)
    return -1;
  MlirAttribute e = mlirArrayAttrGetElement(a, i);
  return mlirAttributeIsAInteger(e) ? mlirIntegerAttrGetValueInt(e) : -1;
}

/* One vector.insert_strided_slice of a piece read into the tile so far:
 * its read and the tile row it lands at, or false. */
static bool pieceOf(MlirOperation insert, int64_t cols, MlirOperation *read, int64_t *row) {
  MlirValue src = mlirOperationGetOperand(insert, 0);
  MlirAttribute offsets = attnGpuInherent(insert, "offsets"),
                strides = attnGpuInherent(insert, "strides");
  *read = attnGpuDefOf(src);
  *row = arrayInt(offsets, 0);
  return !mlirOperationIsNull(*read) && attnIsOp(*read, "vector.transfer_read") &&
         attnGpuOnlyOperand(src, "vector.insert_strided_slice", 0) && attnGpuIsTile(src) &&
         attnGpuDim(src, 1) == cols && *row >= 0 && arrayInt(offsets, 1) == 0 &&
         arrayInt(strides, 0) == 1 && arrayInt(strides, 1) == 1;
}

bool attnGpuIsDequantTile(MlirOperation op) {
  if (mlirOperationIsNull(op) || !attnIsOp(op, "arith.extf"))
    return false;
  MlirValue src = mlirOperationGetOperand(op, 0);
  /* of a tile read (one transfer or pieces): the extf of a computed fp8
   * tile (P rounded to e4m3, attn-online-softmax{fp8-p}) is element-wise */
  MlirOperation def = attnGpuDefOf(src);
  return attnGpuIsTile(src) && attnIsFp8Type(attnGpuElemOf(src)) && !mlirOperationIsNull(def) &&
         (attnIsOp(def, "vector.transfer_read") || attnIsOp(def, "vector.insert_strided_slice"));
}

/* Whether the fp8 tile (or piece of one) `v` is only converted by a
 * dequantizing arith.extf, which stages it. */
static bool dequantizedOnly(MlirValue v) {
  MlirOpOperand u = mlirValueGetFirstUse(v);
  return !mlirOpOperandIsNull(u) && mlirOpOperandIsNull(mlirOpOperandGetNextUse(u)) &&
         attnGpuIsDequantTile(mlirOpOperandGetOwner(u));
}

bool attnGpuDeferredToDequant(MlirValue v) {
  return attnGpuIsTile(v) && attnIsFp8Type(attnGpuElemOf(v)) && dequantizedOnly(v);
}

/* The piece reads of the K/V tile that `def` makes (kernel IR), in row
 * order: `def` itself when it is a transfer_read, else the reads that a
 * chain of vector.insert_strided_slice puts into a constant tile. The
 * pieces must cover the tile's rows once (the constant is then unused). */
bool attnGpuTilePieces(AttnGpuLower *L, MlirOperation def, MlirOperation *reads, int64_t *rowAt,
                       int *n) {
  if (attnGpuIsDequantTile(def)) /* the fp8 tile it converts */
    def = attnGpuDefOf(mlirOperationGetOperand(def, 0));
  *n = 0;
  if (mlirOperationIsNull(def))
    return false;
  MlirValue tile = mlirOperationGetResult(def, 0);
  int64_t rows = attnGpuDim(tile, 0), cols = attnGpuDim(tile, 1);
  if (attnIsOp(def, "vector.transfer_read")) {
    reads[0] = def;
    rowAt[0] = 0;
    *n = 1;
    return true;
  }
  for (MlirOperation at = def;
       !mlirOperationIsNull(at) && attnIsOp(at, "vector.insert_strided_slice");
       at = attnGpuDefOf(mlirOperationGetOperand(at, 1))) {
    if (*n == ATTN_GPU_MAX_PIECES || !pieceOf(at, cols, &reads[*n], &rowAt[*n])) {
      attnGpuFail(L, at, "must insert whole-row pieces read by vector.transfer_read into a tile");
      return false;
    }
    ++*n;
  }
  /* Insertion sort by row (the chain lists them last first). */
  for (int i = 1; i < *n; ++i)
    for (int j = i; j > 0 && rowAt[j - 1] > rowAt[j]; --j) {
      MlirOperation o = reads[j];
      int64_t r = rowAt[j];
      reads[j] = reads[j - 1];
      rowAt[j] = rowAt[j - 1];
      reads[j - 1] = o;
      rowAt[j - 1] = r;
    }
  int64_t next = 0;
  for (int i = 0; i < *n && next >= 0; ++i)
    next = rowAt[i] == next ? next + attnGpuDim(mlirOperationGetResult(reads[i], 0), 0) : -1;
  if (next != rows) {
    attnGpuFail(L, def, "assembles a K/V tile from pieces that do not cover its rows once");
    return false;
  }
  return true;
}

/* The tile `def` makes, as pieces, operands as lowered (r null) or rebuilt
 * by r. */
bool attnGpuTileRead(AttnGpuLower *L, MlirOperation def, AttnRemat *r, AttnTileRead *t) {
  MlirOperation reads[ATTN_GPU_MAX_PIECES];
  int64_t rowAt[ATTN_GPU_MAX_PIECES];
  if (!attnGpuTilePieces(L, def, reads, rowAt, &t->n))
    return false;
  MlirValue tile = mlirOperationGetResult(def, 0);
  t->tileRows = attnGpuDim(tile, 0);
  t->cols = attnGpuDim(tile, 1);
  for (int i = 0; i < t->n; ++i) {
    AttnTransfer *x = &t->x[i];
    if (!attnGpuReadTransfer(L, reads[i], false, x, r) || x->rowDim < 0 || x->colDim < 0) {
      if (!L->failed)
        attnGpuFail(L, reads[i], "must read a 2-D tile whose columns are in bounds");
      return false;
    }
    t->row[i] = rowAt[i];
    t->rows[i] = attnGpuDim(mlirOperationGetResult(reads[i], 0), 0);
  }
  return true;
}

/* A K/V tile assembled from pieces: deferred until the last insert, which
 * the target stages whole. */
void attnGpuLowerInsertSlice(AttnGpuLower *L, AttnBuilder *b, MlirOperation op) {
  MlirValue res = mlirOperationGetResult(op, 0);
  if (attnGpuOnlyOperand(res, "vector.insert_strided_slice", 1) || attnGpuDeferredToDequant(res)) {
    attnGpuPut(L, res, (AttnRep){.kind = ATTN_REP_PIECE});
    return;
  }
  if (attnGpuRank(res) == 1) {
    /* per-token scales: a column vector loaded per use
     * (attnGpuColumnPiecesLoadBlock) */
    if (attnGpuIsColumnVector(res)) {
      /* loaded here, once (the blocks are cached in this scope): loaded at
       * their uses, the pieces' addresses (a subview per cache block) were
       * live across the matmul before them (ptxas spilled) */
      attnGpuPut(L, res, (AttnRep){.kind = ATTN_REP_LAZY, .def = op});
      for (int i = 0; i < attnGpuColBlocks(L, attnGpuDim(res, 0)) && !L->failed; ++i)
        attnGpuColOf(L, b, op, res, i);
    } else
      attnGpuFail(L, op, "assembles a 1-D vector from pieces that is not a column vector");
    return;
  }
  if (!attnGpuRightOperandOnly(res)) {
    attnGpuFail(L, op, "assembles a tile that is not only the K/V operand of a matmul");
    return;
  }
  AttnTileRead t;
  if (attnGpuTileRead(L, op, NULL, &t))
    L->tgt->readTile(L, b, op, &t, attnGpuUsedByPV(res));
}

/* The arith.extf that dequantizes an fp8 K/V tile (pieces or one read,
 * deferred to it): the target stages the tile, converting each element to
 * Q's type on the way into shared memory (readTile sees fp8 memrefs in the
 * transfers). */
void attnGpuLowerDequantTile(AttnGpuLower *L, AttnBuilder *b, MlirOperation op) {
  MlirValue res = mlirOperationGetResult(op, 0);
  AttnRep *src = attnGpuFind(L, mlirOperationGetOperand(op, 0));
  MlirOperation read = attnGpuDefOf(mlirOperationGetOperand(op, 0));
  /* An fp8 Q tile (attn.mha's fp8 q): one read, the left operand of the
   * QK^T matmuls only; the target stages it in shared memory, converting
   * on the way (readQ sees the fp8 memref in the transfer). */
  if (src && src->kind == ATTN_REP_PIECE && attnGpuOnlyOperand(res, "vector.contract", 0) &&
      !mlirOperationIsNull(read) && attnIsOp(read, "vector.transfer_read")) {
    if (!mlirTypeEqual(attnGpuElemOf(res), L->elem)) {
      attnGpuFail(L, op, "dequantizes an fp8 Q tile to a type other than the kernel's math type");
      return;
    }
    AttnTransfer x;
    if (attnGpuReadTransfer(L, read, false, &x, NULL) && x.rowDim >= 0 && x.colDim >= 0)
      L->tgt->readQ(L, b, op, &x);
    else if (!L->failed)
      attnGpuFail(L, read, "must read a 2-D Q tile whose columns are in bounds");
    return;
  }
  if (!src || src->kind != ATTN_REP_PIECE || !attnGpuRightOperandOnly(res)) {
    attnGpuFailWith(L, op,
                    "dequantizes an fp8 tile that is not a K/V tile read only for a matmul's "
                    "right operand or a Q tile read only for Q K^T (the only fp8 tiles the %s "
                    "lowering stages)");
    return;
  }
  if (!mlirTypeEqual(attnGpuElemOf(res), L->elem)) {
    attnGpuFail(L, op, "dequantizes an fp8 K/V tile to a type other than Q's");
    return;
  }
  AttnTileRead t;
  if (attnGpuTileRead(L, op, NULL, &t))
    L->tgt->readTile(L, b, op, &t, attnGpuUsedByPV(res));
}

/* The 1-D piece reads of a column vector `def` assembles (the chain of
 * vector.insert_strided_slice of vector.transfer_read), with the column
 * each starts at; false (a located error) when it is not such a chain. */
static bool columnPieces(AttnGpuLower *L, MlirOperation def, MlirOperation *reads, int64_t *colAt,
                         int *n) {
  *n = 0;
  for (MlirOperation at = def;
       !mlirOperationIsNull(at) && attnIsOp(at, "vector.insert_strided_slice");
       at = attnGpuDefOf(mlirOperationGetOperand(at, 1))) {
    MlirValue src = mlirOperationGetOperand(at, 0);
    MlirOperation read = attnGpuDefOf(src);
    int64_t col = arrayInt(attnGpuInherent(at, "offsets"), 0);
    if (*n == ATTN_GPU_MAX_PIECES || mlirOperationIsNull(read) ||
        !attnIsOp(read, "vector.transfer_read") || attnGpuRank(src) != 1 || col < 0 ||
        arrayInt(attnGpuInherent(at, "strides"), 0) != 1) {
      attnGpuFail(L, at, "must insert 1-D pieces read by vector.transfer_read into a vector");
      return false;
    }
    reads[*n] = read;
    colAt[(*n)++] = col;
  }
  return true;
}

/* Column block t of a column vector of pieces: each of a lane's CE columns
 * c (t * CB + colBase[e] + its lane column, inside column block t) is read
 * from the piece holding it: of the pieces overlapping the block, the last
 * that starts at or before c (a select of memrefs and indices where blocks
 * of the cache are shorter than a column block), at c minus the piece's
 * start; past the piece's memref (slots past seq_len) the padding. The
 * load itself is unconditional: a piece is a cache block's slots (a block
 * id the kernel IR clamped into the cache, docs/paged.md), of which the
 * memref keeps the valid ones, so slot c - start of it is in the tensor
 * even where it is past the memref; a select then drops it. */
MlirValue attnGpuColumnPiecesLoadBlock(AttnGpuLower *L, AttnBuilder *b, MlirOperation def, int t) {
  MlirOperation reads[ATTN_GPU_MAX_PIECES];
  int64_t colAt[ATTN_GPU_MAX_PIECES];
  int n = 0;
  MlirValue res = mlirOperationGetResult(def, 0);
  int64_t cols = attnGpuDim(res, 0), lo = (int64_t)t * L->CB, hi = lo + L->CB;
  if (!columnPieces(L, def, reads, colAt, &n))
    return attnNullValue();
  if (attnGpuOwnCols(L, cols) != cols) {
    attnGpuFail(L, def, "is a column vector of pieces as wide as a column-split tile");
    return attnNullValue();
  }
  AttnTransfer x[ATTN_GPU_MAX_PIECES];
  int cand[ATTN_GPU_MAX_PIECES], nc = 0;
  for (int j = 0; j < n; ++j) {
    int64_t len = attnGpuDim(mlirOperationGetResult(reads[j], 0), 0);
    if (colAt[j] >= hi || colAt[j] + len <= lo)
      continue;
    if (!attnGpuReadTransfer(L, reads[j], false, &x[nc], NULL) || x[nc].rowDim < 0) {
      if (!L->failed)
        attnGpuFail(L, reads[j], "must read a 1-D piece of a column vector");
      return attnNullValue();
    }
    cand[nc++] = j;
  }
  /* by start column, so that the last one starting at or before c holds it */
  for (int i = 1; i < nc; ++i)
    for (int k = i; k > 0 && colAt[cand[k - 1]] > colAt[cand[k]]; --k) {
      int c = cand[k];
      AttnTransfer tx = x[k];
      cand[k] = cand[k - 1];
      x[k] = x[k - 1];
      cand[k - 1] = c;
      x[k - 1] = tx;
    }
  if (nc == 0) {
    attnGpuFail(L, def, "assembles a column vector whose pieces do not cover its columns");
    return attnNullValue();
  }
  MlirValue laneCol = attnGpuLaneColumn(L, b, cols), elems[ATTN_GPU_MAX_CE];
  for (int e = 0; e < L->CE; ++e) {
    MlirValue c = attnAddI(b, laneCol, attnConstIndex(b, lo + L->colBase[e]));
    AttnTransfer at = x[0];
    MlirValue start = attnConstIndex(b, colAt[cand[0]]);
    for (int k = 1; k < nc; ++k) {
      MlirValue here = attnConstIndex(b, colAt[cand[k]]);
      MlirValue in = attnCmpI(b, ATTN_CMPI_SGE, c, here);
      at.mem = attnSelect(b, in, x[k].mem, at.mem);
      for (intptr_t d = 0; d < at.rank; ++d)
        at.idx[d] = attnSelect(b, in, x[k].idx[d], at.idx[d]);
      start = attnSelect(b, in, here, start);
      at.rowsInBounds = at.rowsInBounds && x[k].rowsInBounds;
    }
    MlirValue idx[4];
    for (intptr_t d = 0; d < at.rank; ++d)
      idx[d] = at.idx[d];
    idx[at.rowDim] = attnAddI(b, at.idx[at.rowDim], attnSubI(b, c, start));
    elems[e] = attnLoad(b, at.mem, at.rank, idx);
    if (!at.rowsInBounds)
      elems[e] = attnSelect(b, attnGpuRowValid(b, &at, idx[at.rowDim]), elems[e], at.pad);
  }
  return attnGpuFromElements(b, L->CE, elems);
}
