/*===- GpuTileMath.c - element-wise ops, broadcast rows, row reductions ---===*
 *
 * The arithmetic of the GPU core on the lanes' blocks and row scalars:
 * element-wise ops (exp2 and log2 as the target does them, tanh from exp2,
 * i32 index tiles), a row vector broadcast across the columns, and row
 * reductions (a lane's blocks, then the other lanes holding the row: the
 * target's reduceLanes). Operands come in the form GpuForms.c builds.
 *
 *===----------------------------------------------------------------------===*/

#include "GpuLowerInternal.h"

#include "mlir-c/BuiltinAttributes.h"
#include "mlir-c/BuiltinTypes.h"

#include <stdio.h>

/*===--- Per-element math ----------------------------------------------------===*/

typedef MlirValue (*ScalarFn)(AttnGpuLower *L, AttnBuilder *b, MlirValue x);

/* Applies the target's scalar f32 function to every element (the hardware's
 * exp2/log2 are scalar; LLVM keeps the lanes in registers anyway). */
static MlirValue mapScalar(AttnGpuLower *L, AttnBuilder *b, ScalarFn fn, MlirValue x) {
  MlirType t = mlirValueGetType(x);
  if (!mlirTypeIsAVector(t))
    return fn(L, b, x);
  int64_t n = attnGpuDim(x, 0);
  MlirValue elems[64];
  for (int64_t i = 0; i < n; ++i)
    elems[i] = fn(L, b, attnGpuExtract(L, b, x, i));
  return attnGpuFromElements(b, (int)n, elems);
}

static MlirValue constF(AttnBuilder *b, MlirType like, double v) {
  return mlirTypeIsAVector(like) ? attnConstSplatF(b, like, v) : attnConstF32(b, v);
}

/* tanh(x) = sign(x) (1 - 2 / (2^(2 log2(e) |x|) + 1)): exact to a few ulp,
 * and +-1 (not NaN) when the power overflows. |x| and the sign are arith
 * ops: math.absf / math.copysign on vectors have no NVVM lowering. */
static MlirValue emitTanh(AttnGpuLower *L, AttnBuilder *b, MlirValue x) {
  MlirType t = mlirValueGetType(x);
  MlirValue neg = attnUnary(b, "arith.negf", x);
  MlirValue ax = attnBinary(b, "arith.maximumf", x, neg);
  MlirValue p = mapScalar(L, b, L->tgt->exp2, attnMulF(b, ax, constF(b, t, 2.8853900817779268)));
  MlirValue r = attnSubF(b, constF(b, t, 1.0),
                         attnDivF(b, constF(b, t, 2.0), attnAddF(b, p, constF(b, t, 1.0))));
  MlirValue isNeg = attnCmpF(b, ATTN_CMPF_OLT, x, constF(b, t, 0.0));
  return attnSelect(b, isNeg, attnUnary(b, "arith.negf", r), r);
}

MlirValue attnGpuEmitElementwise(AttnGpuLower *L, AttnBuilder *b, MlirOperation op,
                                 const MlirValue *operands, MlirType type) {
  if (attnIsOp(op, "math.exp2"))
    return mapScalar(L, b, L->tgt->exp2, operands[0]);
  if (attnIsOp(op, "math.log2"))
    return mapScalar(L, b, L->tgt->log2, operands[0]);
  if (attnIsOp(op, "math.tanh"))
    return emitTanh(L, b, operands[0]);
  if ((attnIsOp(op, "arith.truncf") || attnIsOp(op, "arith.extf")) &&
      (attnIsFp8Type(attnGpuScalarOf(type)) ||
       attnIsFp8Type(attnGpuScalarOf(mlirValueGetType(operands[0]))))) {
    if (L->tgt->convertFp8)
      return L->tgt->convertFp8(L, b, operands[0], type);
    attnGpuFailWith(L, op,
                    "converts a computed tile to or from fp8 (P rounded to e4m3 by "
                    "attn-online-softmax{fp8-p=true}), which the %s lowering does not do");
    return operands[0];
  }
  bool unsignedCast = attnIsOp(op, "arith.index_castui");
  if ((unsignedCast || attnIsOp(op, "arith.index_cast")) &&
      !mlirTypeIsAIndex(attnGpuScalarOf(mlirValueGetType(operands[0]))) &&
      !mlirTypeIsAIndex(attnGpuScalarOf(type))) {
    /* Index tiles are i32 already: an extension or truncation remains
     * (mask_mod's i64 arguments, docs/masks.md). */
    unsigned from = mlirIntegerTypeGetWidth(attnGpuScalarOf(mlirValueGetType(operands[0])));
    unsigned to = mlirIntegerTypeGetWidth(attnGpuScalarOf(type));
    if (from == to)
      return operands[0];
    const char *ext = unsignedCast ? "arith.extui" : "arith.extsi";
    return attnGpuOp1(b, from < to ? ext : "arith.trunci", 1, operands, type, 0, NULL);
  }
  /* i32 index tiles never wrap (sequence lengths < 2^30): saying so lets
   * LLVM move the per-element constants across compares. */
  bool indexTile =
      mlirTypeIsAVector(type) && mlirTypeIsAInteger(attnGpuScalarOf(type)) &&
      mlirIntegerTypeGetWidth(attnGpuScalarOf(type)) == 32 &&
      (attnIsOp(op, "arith.addi") || attnIsOp(op, "arith.subi") || attnIsOp(op, "arith.muli"));
  if (!indexTile)
    return attnRebuildElementwise(b, op, operands, type);
  MlirStringRef name = mlirIdentifierStr(mlirOperationGetName(op));
  char text[64];
  snprintf(text, sizeof(text), "%.*s", (int)name.length, name.data);
  MlirNamedAttribute nsw = attnGpuNsw(L, b);
  return attnGpuOp1(b, text, mlirOperationGetNumOperands(op), operands, type, 1, &nsw);
}

/*===--- Tile ops --------------------------------------------------------------===*/

void attnGpuLowerElementwiseTile(AttnGpuLower *L, AttnBuilder *b, MlirOperation op) {
  MlirValue res = mlirOperationGetResult(op, 0);
  intptr_t n = mlirOperationGetNumOperands(op);
  MlirValue blocks[ATTN_GPU_MAXB];
  int nb = attnGpuTileCount(L, op, attnGpuDim(res, 1));
  MlirType type = attnGpuBlockType(L, attnGpuElemOf(res));
  for (int i = 0; i < nb && !L->failed; ++i) {
    MlirValue operands[3];
    for (intptr_t k = 0; k < n && k < 3; ++k)
      operands[k] = attnGpuColOf(L, b, op, mlirOperationGetOperand(op, k), i);
    if (!L->failed)
      blocks[i] = attnGpuEmitElementwise(L, b, op, operands, type);
  }
  if (!L->failed)
    attnGpuPutTile(L, res, nb, blocks);
}

/* transpose(broadcast(row vector)) [1, 0]: every column holds the row's value. */
void attnGpuLowerTranspose(AttnGpuLower *L, AttnBuilder *b, MlirOperation op) {
  MlirValue src = mlirOperationGetOperand(op, 0), res = mlirOperationGetResult(op, 0);
  MlirOperation def = attnGpuDefOf(src);
  if (mlirOperationIsNull(def) || !attnIsOp(def, "vector.broadcast")) {
    attnGpuFail(L, op, "transposes something other than a broadcast row vector");
    return;
  }
  MlirValue row = mlirOperationGetOperand(def, 0);
  int nb = attnGpuTileCount(L, op, attnGpuDim(res, 1));
  if (L->failed)
    return;
  int ncb = nb / L->RL;
  MlirValue blocks[ATTN_GPU_MAXB];
  for (int s = 0; s < L->RL && !L->failed; ++s) {
    MlirValue x = attnGpuIsVec(row) ? attnGpuRowOf(L, b, op, row, s) : attnGpuPlain(L, op, row);
    if (L->failed)
      return;
    MlirValue v = attnGpuSplatBlock(b, x, attnGpuBlockType(L, attnGpuElemOf(res)));
    for (int t = 0; t < ncb; ++t)
      blocks[s * ncb + t] = v;
  }
  attnGpuPutTile(L, res, nb, blocks);
}

/* Row reduction: per row slot, its blocks, their elements, then the other
 * lanes holding the row (the target's). */
void attnGpuLowerMultiReduction(AttnGpuLower *L, AttnBuilder *b, MlirOperation op) {
  MlirAttribute dims = attnGpuInherent(op, "reduction_dims");
  MlirAttribute kindAttr = attnGpuInherent(op, "kind");
  MlirValue src = mlirOperationGetOperand(op, 0), acc = mlirOperationGetOperand(op, 1);
  bool isMax = mlirAttributeEqual(kindAttr, attnGpuParseAttr(L, "#vector.kind<maximumf>"));
  bool isAdd = mlirAttributeEqual(kindAttr, attnGpuParseAttr(L, "#vector.kind<add>"));
  if (!attnGpuIsTile(src) || mlirDenseArrayGetNumElements(dims) != 1 ||
      mlirDenseI64ArrayGetElement(dims, 0) != 1 || !(isMax || isAdd) ||
      !mlirTypeIsAF32(attnGpuElemOf(src))) {
    attnGpuFail(L, op, "must reduce dim 1 of an f32 tile with <maximumf> or <add>");
    return;
  }
  if (attnGpuOwnCols(L, attnGpuDim(src, 1)) != attnGpuDim(src, 1)) {
    /* each warp holds some of the columns: the lanes' reduction is not the row's */
    attnGpuFail(L, op, "reduces a tile whose columns are split among the warps");
    return;
  }
  const char *combine = isMax ? "arith.maximumf" : "arith.addf";
  MlirValue blocks[ATTN_GPU_MAXB], slots[ATTN_GPU_MAX_ROWS];
  int nb = 0;
  if (!attnGpuTileBlocks(L, b, op, src, blocks, &nb))
    return;
  int ncb = nb / L->RL;
  MlirNamedAttribute kind = attnNamedAttr(b, "kind", kindAttr);
  for (int s = 0; s < L->RL && !L->failed; ++s) {
    MlirValue v = blocks[s * ncb];
    for (int t = 1; t < ncb; ++t)
      v = attnBinary(b, combine, v, blocks[s * ncb + t]);
    MlirValue x = attnGpuOp1(b, "vector.reduction", 1, &v, attnGpuElemOf(src), 1, &kind);
    x = L->tgt->reduceLanes(L, b, combine, x);
    MlirValue a = attnGpuRowOf(L, b, op, acc, s);
    if (L->failed)
      return;
    slots[s] = attnBinary(b, combine, x, a);
  }
  attnGpuPutRow(L, mlirOperationGetResult(op, 0), slots);
}
