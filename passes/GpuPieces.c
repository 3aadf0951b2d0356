/*===- GpuPieces.c - K/V tiles assembled from pieces (paged KV caches) ----===*
 *
 * A paged K/V tile is a chain of vector.insert_strided_slice of whole-row
 * piece reads (one per cache block) into a constant tile: recognized here
 * and handed to the target as an AttnTileRead (GpuLower.h) at the last
 * insert (the ones before and the piece reads wait for it). A plain
 * transfer_read is a tile of one piece.
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

/* The piece reads of the K/V tile that `def` makes (kernel IR), in row
 * order: `def` itself when it is a transfer_read, else the reads that a
 * chain of vector.insert_strided_slice puts into a constant tile. The
 * pieces must cover the tile's rows once (the constant is then unused). */
bool attnGpuTilePieces(AttnGpuLower *L, MlirOperation def, MlirOperation *reads, int64_t *rowAt,
                       int *n) {
  MlirValue tile = mlirOperationGetResult(def, 0);
  int64_t rows = attnGpuDim(tile, 0), cols = attnGpuDim(tile, 1);
  *n = 0;
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
  if (attnGpuOnlyOperand(res, "vector.insert_strided_slice", 1)) {
    attnGpuPut(L, res, (AttnRep){.kind = ATTN_REP_PIECE});
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
