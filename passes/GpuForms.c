/*===- GpuForms.c - value forms: how a value is spread over the lanes -----===*
 *
 * The lane mapping of the GPU core (the contract in GpuLower.h): where a
 * value lives and the form its users get it in. A row vector is a scalar
 * per row slot of the lane (row form), a tile a block per column block and
 * row slot (column form), a scalar stays one; a column split hands each
 * warp its own columns of the tiles as wide as the P V product. Values
 * evaluated lazily (broadcasts, constants, index vectors, element-wise
 * chains over them, tiles read for no matmul) are built here, where and in
 * the form their user needs, and cached per scope: a value made in a loop
 * body does not dominate the code after the loop.
 *
 *===----------------------------------------------------------------------===*/

#include "GpuLowerInternal.h"

#include "mlir-c/BuiltinAttributes.h"
#include "mlir-c/BuiltinTypes.h"

#include <string.h>

/*===--- Scopes: lazily evaluated values are reused only where they dominate ===*/

void attnGpuEnterScope(AttnGpuLower *L) { L->scopes[++L->depth] = ++L->nextScope; }

void attnGpuLeaveScope(AttnGpuLower *L) { --L->depth; }

static bool scopeLive(AttnGpuLower *L, int scope) {
  for (int d = 0; d <= L->depth; ++d)
    if (L->scopes[d] == scope)
      return true;
  return false;
}

/*===--- Scalars --------------------------------------------------------------===*/

MlirValue attnGpuPlain(AttnGpuLower *L, MlirOperation user, MlirValue old) {
  AttnRep *r = attnGpuFind(L, old);
  if (r && r->kind == ATTN_REP_PLAIN)
    return r->value;
  attnGpuFailWith(L, user,
                  r ? "uses a vector where the %s lowering expects a scalar"
                    : "uses a value the %s lowering has not seen (unsupported kernel IR)");
  return attnNullValue();
}

/* The rewritten scalar of an old value, for ops carried over unchanged. */
MlirValue attnGpuPlainOf(void *ud, MlirValue old) {
  AttnRep *r = attnGpuFind(ud, old);
  return r && r->kind == ATTN_REP_PLAIN ? r->value : attnNullValue();
}

/*===--- Columns and blocks ----------------------------------------------------===*/

int64_t attnGpuOwnCols(const AttnGpuLower *L, int64_t cols) {
  return L->G > 1 && cols == L->splitCols ? cols / L->G : cols;
}

/* Column blocks of a tile (or column vector) of `cols` columns: of this
 * warp's columns, when the tile is split among the warps. */
int attnGpuColBlocks(AttnGpuLower *L, int64_t cols) {
  return (int)(attnGpuOwnCols(L, cols) / L->CB);
}

/* This lane's first column of a tile (or column vector) of `cols` columns,
 * as an index: the lane's own, plus the warp's first column when the tile
 * is split among the warps. */
MlirValue attnGpuLaneColumn(AttnGpuLower *L, AttnBuilder *b, int64_t cols) {
  if (attnGpuOwnCols(L, cols) == cols || mlirValueIsNull(L->warpColIdx))
    return L->colLaneIdx;
  return attnAddI(b, L->colLaneIdx, L->warpColIdx);
}

/* A block of a tile of `elem`. Index tiles (row/key positions and their
 * differences) are 32-bit: half the registers and ALU work of 64-bit, exact
 * for sequence lengths below 2^30 (a documented precondition of the GPU
 * kernels); scalars entering them saturate (attnGpuNarrow). */
MlirType attnGpuBlockType(AttnGpuLower *L, MlirType elem) {
  return attnGpuVecT(L->CE, mlirTypeIsAIndex(elem) ? mlirIntegerTypeGet(L->ctx, 32) : elem);
}

/* A tile block of `type` holding x everywhere. */
MlirValue attnGpuSplatBlock(AttnBuilder *b, MlirValue x, MlirType type) {
  return attnGpuSplat(b, mlirTypeIsAIndex(mlirValueGetType(x)) ? attnGpuNarrow(b, x) : x, type);
}

/* Column indices of column block t, plus the scalar `offset` (may be null):
 * the per-element part is a constant and the per-lane part one scalar, so
 * the constants fold into the ALU ops of each use instead of occupying a
 * register per element for the whole kernel. */
static MlirValue columnIndex(AttnGpuLower *L, AttnBuilder *b, int t, MlirValue offset,
                             MlirType type, int64_t cols) {
  int64_t keys[ATTN_GPU_MAX_CE];
  for (int e = 0; e < L->CE; ++e)
    keys[e] = (int64_t)t * L->CB + L->colBase[e];
  MlirValue lane = L->colLane;
  if (attnGpuOwnCols(L, cols) != cols && !mlirValueIsNull(L->warpColIdx))
    lane = attnGpuNarrow(b, attnGpuLaneColumn(L, b, cols));
  if (!mlirValueIsNull(offset))
    lane = attnOp1(b, "arith.addi", 2, (MlirValue[]){attnGpuNarrow(b, offset), lane},
                   attnIntType(b, 32));
  MlirValue operands[2] = {attnGpuConstIntVector(b, L->CE, keys), attnGpuSplat(b, lane, type)};
  MlirNamedAttribute nsw = attnGpuNsw(L, b);
  return attnGpuOp1(b, "arith.addi", 2, operands, type, 1, &nsw);
}

/*===--- Lazily evaluated values, rows and columns ------------------------------===*/

/* A splat constant's scalar, or null. */
static MlirAttribute splatValue(MlirOperation def) {
  if (!attnIsOp(def, "arith.constant"))
    return (MlirAttribute){NULL};
  MlirAttribute v = attnGpuInherent(def, "value");
  if (!mlirAttributeIsADenseElements(v) || !mlirDenseElementsAttrIsSplat(v))
    return (MlirAttribute){NULL};
  return mlirDenseElementsAttrGetSplatValue(v);
}

/* The value of `def` (a LAZY op) in row form (row slot s's scalar) or
 * column form (block i of a tile; of a column vector, i modulo its column
 * blocks). */
static MlirValue lazyForm(AttnGpuLower *L, AttnBuilder *b, MlirOperation def, bool row, int i) {
  MlirValue res = mlirOperationGetResult(def, 0);
  MlirType elem = attnGpuElemOf(res);
  MlirType type = row ? elem : attnGpuBlockType(L, elem);
  MlirAttribute s = splatValue(def);
  if (!mlirAttributeIsNull(s)) {
    MlirValue c = attnGpuConstAttr(b, elem, s);
    return row ? c : attnGpuSplatBlock(b, c, type);
  }
  if (attnIsOp(def, "vector.transfer_read")) {
    if (!row && attnGpuRank(res) == 1)
      return attnGpuColumnLoadBlock(L, b, def, i % attnGpuColBlocks(L, attnGpuDim(res, 0)));
    if (!row)
      return attnGpuTileLoadBlock(L, b, def, i);
    attnGpuFailWith(L, def, "is a tile read the %s lowering cannot use as a row vector");
    return attnNullValue();
  }
  if (attnIsOp(def, "vector.insert_strided_slice") && !row && attnGpuRank(res) == 1)
    return attnGpuColumnPiecesLoadBlock(L, b, def, i % attnGpuColBlocks(L, attnGpuDim(res, 0)));
  if (attnIsOp(def, "vector.broadcast")) {
    MlirValue src = mlirOperationGetOperand(def, 0);
    if (!attnGpuIsVec(src)) {
      MlirValue x = attnGpuPlain(L, def, src);
      return L->failed ? x : row ? x : attnGpuSplatBlock(b, x, type);
    }
    if (attnGpuRank(src) == 1 && attnGpuRank(res) == 2 && !row)
      return attnGpuColOf(L, b, def, src, i);
    attnGpuFailWith(L, def, "is a broadcast the %s lowering does not support");
    return attnNullValue();
  }
  int64_t width = attnGpuDim(res, attnGpuRank(res) - 1);
  int t = i % attnGpuColBlocks(L, width);
  if (attnIsOp(def, "vector.step")) {
    if (row) {
      if (attnGpuDim(res, 0) != L->bm)
        attnGpuFail(L, def, "is a row index vector whose size is not BLOCK_M");
      return L->rowBase[i];
    }
    return columnIndex(L, b, t, attnNullValue(), type, width);
  }
  /* step + broadcast(s): the same, with s folded into the per-lane term. */
  if (!row && attnIsOp(def, "arith.addi")) {
    for (int k = 0; k < 2; ++k) {
      MlirOperation a = attnGpuDefOf(mlirOperationGetOperand(def, k));
      MlirOperation c = attnGpuDefOf(mlirOperationGetOperand(def, 1 - k));
      if (attnIsOp(a, "vector.step") && attnIsOp(c, "vector.broadcast") &&
          !attnGpuIsVec(mlirOperationGetOperand(c, 0))) {
        MlirValue x = attnGpuPlain(L, def, mlirOperationGetOperand(c, 0));
        return L->failed ? x : columnIndex(L, b, t, x, type, width);
      }
    }
  }
  if (attnIsMaskModElementwise(def)) {
    intptr_t n = mlirOperationGetNumOperands(def);
    MlirValue operands[3];
    for (intptr_t k = 0; k < n && k < 3; ++k) {
      MlirValue o = mlirOperationGetOperand(def, k);
      operands[k] = row ? attnGpuRowOf(L, b, def, o, i) : attnGpuColOf(L, b, def, o, i);
    }
    if (L->failed)
      return attnNullValue();
    return attnGpuEmitElementwise(L, b, def, operands, type);
  }
  attnGpuFailWith(L, def, "is a vector op the %s lowering does not support");
  return attnNullValue();
}

/* Row slot s of a row vector. */
MlirValue attnGpuRowOf(AttnGpuLower *L, AttnBuilder *b, MlirOperation user, MlirValue old, int s) {
  AttnRep *r = attnGpuFind(L, old);
  if (!r) {
    attnGpuFailWith(L, user, "uses a value the %s lowering has not seen (unsupported kernel IR)");
    return attnNullValue();
  }
  if (r->kind == ATTN_REP_ROW)
    return r->blocks[s];
  if (r->kind == ATTN_REP_LAZY && attnGpuRank(old) == 1) {
    if (!mlirValueIsNull(r->rowCache[s]) && scopeLive(L, r->rowScope[s]))
      return r->rowCache[s];
    MlirValue v = lazyForm(L, b, r->def, true, s);
    r = attnGpuFind(L, old); /* the map may have grown */
    r->rowCache[s] = v;
    r->rowScope[s] = L->scopes[L->depth];
    return v;
  }
  attnGpuFail(L, user, "uses a value as a row vector that is not one");
  return attnNullValue();
}

MlirValue attnGpuColOf(AttnGpuLower *L, AttnBuilder *b, MlirOperation user, MlirValue old, int i) {
  AttnRep *r = attnGpuFind(L, old);
  if (!r) {
    attnGpuFailWith(L, user, "uses a value the %s lowering has not seen (unsupported kernel IR)");
    return attnNullValue();
  }
  if (r->kind == ATTN_REP_TILE) {
    if (i >= r->nb) {
      attnGpuFail(L, user, "mixes tiles of different widths");
      return attnNullValue();
    }
    return r->blocks[i];
  }
  if (r->kind != ATTN_REP_LAZY) {
    attnGpuFail(L, user, "uses a value as a tile that is not one");
    return attnNullValue();
  }
  int64_t cols = attnGpuDim(old, attnGpuRank(old) - 1);
  int ncb = attnGpuColBlocks(L, cols), nb = attnGpuRank(old) == 1 ? ncb : L->RL * ncb;
  if (attnGpuRank(old) == 1 && ncb > 0)
    i %= ncb;
  if (cols % L->CB || i >= nb) {
    attnGpuFail(L, user, "has a tile width that is not a multiple of the matrix block");
    return attnNullValue();
  }
  if (!r->colCache || !scopeLive(L, r->colScope)) {
    MlirValue *cache = attnGpuNewBlocks(L, nb);
    r = attnGpuFind(L, old);
    if (!cache)
      return attnNullValue();
    r->colCache = cache;
    r->colScope = L->scopes[L->depth];
  }
  if (mlirValueIsNull(r->colCache[i])) {
    MlirValue *cache = r->colCache;
    /* Only a block made in the cache's own scope may be reused: one made in
     * a nested loop does not dominate later uses outside it. */
    bool sameScope = r->colScope == L->scopes[L->depth];
    MlirValue v = lazyForm(L, b, r->def, false, i);
    if (!sameScope)
      return v;
    cache[i] = v;
  }
  return r->colCache[i];
}

/*===--- Tiles and rows made ----------------------------------------------------===*/

/* Blocks of a tile of `cols` columns, or 0 when it does not fit. */
int attnGpuTileCount(AttnGpuLower *L, MlirOperation user, int64_t cols) {
  int nb = L->RL * attnGpuColBlocks(L, cols);
  if (cols % L->CB || nb > ATTN_GPU_MAXB || nb == 0) {
    attnGpuFail(L, user,
                cols % L->CB ? "has a tile width that is not a multiple of the matrix block"
                             : "has a tile too wide for the GPU lowering");
    return 0;
  }
  return nb;
}

bool attnGpuTileBlocks(AttnGpuLower *L, AttnBuilder *b, MlirOperation user, MlirValue old,
                       MlirValue *out, int *nb) {
  *nb = attnGpuTileCount(L, user, attnGpuDim(old, 1));
  for (int i = 0; i < *nb && !L->failed; ++i)
    out[i] = attnGpuColOf(L, b, user, old, i);
  return *nb > 0 && !L->failed;
}

void attnGpuPutTile(AttnGpuLower *L, MlirValue v, int nb, const MlirValue *blocks) {
  MlirValue *copy = attnGpuNewBlocks(L, nb);
  if (!copy)
    return;
  memcpy(copy, blocks, (size_t)nb * sizeof(MlirValue));
  attnGpuPut(L, v, (AttnRep){.kind = ATTN_REP_TILE, .nb = nb, .blocks = copy});
}

void attnGpuPutRow(AttnGpuLower *L, MlirValue v, const MlirValue *slots) {
  MlirValue *copy = attnGpuNewBlocks(L, L->RL);
  if (!copy)
    return;
  memcpy(copy, slots, (size_t)L->RL * sizeof(MlirValue));
  attnGpuPut(L, v, (AttnRep){.kind = ATTN_REP_ROW, .nb = L->RL, .blocks = copy});
}
