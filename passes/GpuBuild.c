/*===- GpuBuild.c - small builders and kernel IR queries of the GPU core --===*
 *
 * The vocabulary the GPU core's files and the targets build with: types
 * and attributes, constants, vector pieces (extract, slice, concatenate),
 * loads and stores, thread ids, shuffles, barriers and scf.if; and the
 * questions they ask of the kernel IR (a value's definition, its uses,
 * whether an op touches vectors, whether a function multiplies tiles). None
 * of it knows the lane layout: that is GpuForms.c.
 *
 *===----------------------------------------------------------------------===*/

#include "GpuLowerInternal.h"

#include "mlir-c/BuiltinAttributes.h"
#include "mlir-c/BuiltinTypes.h"

#include <stdio.h>

static MlirValue cIdx(AttnBuilder *b, int64_t v) { return attnConstIndex(b, v); }

/*===--- Types and attributes ----------------------------------------------===*/

bool attnGpuIsVec(MlirValue v) { return mlirTypeIsAVector(mlirValueGetType(v)); }

intptr_t attnGpuRank(MlirValue v) { return mlirShapedTypeGetRank(mlirValueGetType(v)); }

bool attnGpuIsTile(MlirValue v) { return attnGpuIsVec(v) && attnGpuRank(v) == 2; }

int64_t attnGpuDim(MlirValue v, intptr_t i) {
  return mlirShapedTypeGetDimSize(mlirValueGetType(v), i);
}

MlirType attnGpuElemOf(MlirValue v) { return mlirShapedTypeGetElementType(mlirValueGetType(v)); }

MlirType attnGpuScalarOf(MlirType t) {
  return mlirTypeIsAVector(t) ? mlirShapedTypeGetElementType(t) : t;
}

MlirAttribute attnGpuInherent(MlirOperation op, const char *name) {
  return mlirOperationGetInherentAttributeByName(op, mlirStringRefCreateFromCString(name));
}

MlirAttribute attnGpuParseAttr(AttnGpuLower *L, const char *text) {
  return mlirAttributeParseGet(L->ctx, mlirStringRefCreateFromCString(text));
}

MlirType attnGpuVecT(int64_t n, MlirType elem) { return mlirVectorTypeGet(1, &n, elem); }

/*===--- Constants ---------------------------------------------------------===*/

MlirValue attnGpuConstInt(AttnBuilder *b, MlirType type, int64_t v) {
  MlirType elem = attnGpuScalarOf(type);
  MlirAttribute a = mlirIntegerAttrGet(elem, v);
  if (mlirTypeIsAVector(type))
    a = mlirDenseElementsAttrSplatGet(type, a);
  MlirNamedAttribute value = attnNamedAttr(b, "value", a);
  return mlirOperationGetResult(
      attnBuildOp(b, "arith.constant", 0, NULL, 1, &type, 1, &value, 0, NULL), 0);
}

MlirValue attnGpuConstAttr(AttnBuilder *b, MlirType type, MlirAttribute a) {
  MlirNamedAttribute value = attnNamedAttr(b, "value", a);
  return mlirOperationGetResult(
      attnBuildOp(b, "arith.constant", 0, NULL, 1, &type, 1, &value, 0, NULL), 0);
}

MlirValue attnGpuConstIntVector(AttnBuilder *b, int n, const int64_t *values) {
  MlirType t = attnGpuVecT(n, attnIntType(b, 32));
  MlirAttribute elems[ATTN_GPU_MAX_CE];
  for (int i = 0; i < n; ++i)
    elems[i] = mlirIntegerAttrGet(attnIntType(b, 32), values[i]);
  return attnGpuConstAttr(b, t, mlirDenseElementsAttrGet(t, n, elems));
}

MlirValue attnGpuSplat(AttnBuilder *b, MlirValue x, MlirType type) {
  return attnBroadcast(b, x, type);
}

/* index -> i32, saturating (window sizes are clamped to 2^40 upstream). */
MlirValue attnGpuNarrow(AttnBuilder *b, MlirValue x) {
  if (!mlirTypeIsAIndex(mlirValueGetType(x)))
    return x;
  x = attnMaxSI(b, x, attnConstIndex(b, -2147483647));
  x = attnMinSI(b, x, attnConstIndex(b, 2147483647));
  return attnIndexCast(b, x, attnIntType(b, 32));
}

MlirNamedAttribute attnGpuNsw(AttnGpuLower *L, AttnBuilder *b) {
  return attnNamedAttr(b, "overflowFlags", attnGpuParseAttr(L, "#arith.overflow<nsw>"));
}

/*===--- Ops -----------------------------------------------------------------===*/

MlirValue attnGpuOp1(AttnBuilder *b, const char *name, intptr_t n, const MlirValue *operands,
                     MlirType result, intptr_t nAttrs, const MlirNamedAttribute *attrs) {
  return mlirOperationGetResult(
      attnBuildOp(b, name, n, operands, 1, &result, nAttrs, attrs, 0, NULL), 0);
}

MlirValue attnGpuId(AttnGpuLower *L, AttnBuilder *b, const char *name, char dim) {
  char text[32];
  snprintf(text, sizeof(text), "#gpu<dim %c>", dim);
  MlirNamedAttribute a = attnNamedAttr(b, "dimension", attnGpuParseAttr(L, text));
  return attnGpuOp1(b, name, 0, NULL, attnIndexType(b), 1, &a);
}

void attnGpuBarrier(AttnBuilder *b) {
  attnBuildOp(b, "gpu.barrier", 0, NULL, 0, NULL, 0, NULL, 0, NULL);
}

MlirValue attnGpuUDiv(AttnBuilder *b, MlirValue x, int64_t d) {
  return attnOp1(b, "arith.divui", 2, (MlirValue[]){x, cIdx(b, d)}, attnIndexType(b));
}

MlirValue attnGpuURem(AttnBuilder *b, MlirValue x, int64_t d) {
  return attnOp1(b, "arith.remui", 2, (MlirValue[]){x, cIdx(b, d)}, attnIndexType(b));
}

MlirValue attnGpuLoad(AttnBuilder *b, MlirType type, MlirValue mem, intptr_t n,
                      const MlirValue *idx) {
  MlirValue operands[8];
  operands[0] = mem;
  for (intptr_t i = 0; i < n; ++i)
    operands[1 + i] = idx[i];
  return attnGpuOp1(b, "vector.load", 1 + n, operands, type, 0, NULL);
}

void attnGpuStore(AttnBuilder *b, MlirValue value, MlirValue mem, intptr_t n,
                  const MlirValue *idx) {
  MlirValue operands[8];
  operands[0] = value;
  operands[1] = mem;
  for (intptr_t i = 0; i < n; ++i)
    operands[2 + i] = idx[i];
  attnBuildOp(b, "vector.store", 2 + n, operands, 0, NULL, 0, NULL, 0, NULL);
}

MlirValue attnGpuExtract(AttnGpuLower *L, AttnBuilder *b, MlirValue v, int64_t i) {
  MlirNamedAttribute a = attnNamedAttr(b, "static_position", mlirDenseI64ArrayGet(L->ctx, 1, &i));
  return attnGpuOp1(b, "vector.extract", 1, &v, attnGpuElemOf(v), 1, &a);
}

/* Elements [offset, offset + size) of a 1-D vector (a vector.shuffle, which
 * every lowering to LLVM handles). */
MlirValue attnGpuSlice(AttnGpuLower *L, AttnBuilder *b, MlirValue v, int64_t offset, int64_t size) {
  if (offset == 0 && size == attnGpuDim(v, 0))
    return v;
  int64_t mask[64];
  for (int64_t i = 0; i < size; ++i)
    mask[i] = offset + i;
  MlirNamedAttribute a = attnNamedAttr(b, "mask", mlirDenseI64ArrayGet(L->ctx, size, mask));
  MlirValue operands[2] = {v, v};
  return attnGpuOp1(b, "vector.shuffle", 2, operands, attnGpuVecT(size, attnGpuElemOf(v)), 1, &a);
}

/* Concatenation of two 1-D vectors of one type. */
MlirValue attnGpuConcat(AttnGpuLower *L, AttnBuilder *b, MlirValue x, MlirValue y) {
  int64_t n = attnGpuDim(x, 0), mask[64];
  for (int64_t i = 0; i < 2 * n; ++i)
    mask[i] = i;
  MlirNamedAttribute a = attnNamedAttr(b, "mask", mlirDenseI64ArrayGet(L->ctx, 2 * n, mask));
  MlirValue operands[2] = {x, y};
  return attnGpuOp1(b, "vector.shuffle", 2, operands, attnGpuVecT(2 * n, attnGpuElemOf(x)), 1, &a);
}

MlirValue attnGpuFromElements(AttnBuilder *b, int n, const MlirValue *elems) {
  return attnGpuOp1(b, "vector.from_elements", n, elems, attnGpuVecT(n, mlirValueGetType(elems[0])),
                    0, NULL);
}

MlirValue attnGpuShuffleXor(AttnGpuLower *L, AttnBuilder *b, MlirValue x, int offset) {
  MlirType i32 = attnIntType(b, 32), i1 = attnIntType(b, 1);
  MlirValue operands[3] = {x, attnGpuConstInt(b, i32, offset),
                           attnGpuConstInt(b, i32, L->tgt->warpSize)};
  MlirType results[2] = {mlirValueGetType(x), i1};
  MlirNamedAttribute mode = attnNamedAttr(b, "mode", attnGpuParseAttr(L, "#gpu<shuffle_mode xor>"));
  return mlirOperationGetResult(
      attnBuildOp(b, "gpu.shuffle", 3, operands, 2, results, 1, &mode, 0, NULL), 0);
}

AttnGpuIf attnGpuIfBegin(AttnBuilder *b, MlirValue cond) {
  AttnGpuIf s = {*b, mlirBlockCreate(0, NULL, NULL), cond};
  b->block = s.block;
  b->before = attnNullOp();
  return s;
}

void attnGpuIfEnd(AttnBuilder *b, AttnGpuIf *s) {
  attnBuildOp(b, "scf.yield", 0, NULL, 0, NULL, 0, NULL, 0, NULL);
  *b = s->outer;
  MlirRegion regions[2] = {mlirRegionCreate(), mlirRegionCreate()};
  mlirRegionAppendOwnedBlock(regions[0], s->block);
  attnBuildOp(b, "scf.if", 1, &s->cond, 0, NULL, 0, NULL, 2, regions);
}

/* Memref results of a cloned view op live in the memory space of its source
 * (the kernel's arguments are global memory). */
void attnGpuFixMemorySpace(MlirOperation copy) {
  if (mlirOperationGetNumOperands(copy) == 0 || mlirOperationGetNumResults(copy) != 1)
    return;
  MlirType src = mlirValueGetType(mlirOperationGetOperand(copy, 0));
  MlirValue res = mlirOperationGetResult(copy, 0);
  MlirType t = mlirValueGetType(res);
  if (!mlirTypeIsAMemRef(src) || !mlirTypeIsAMemRef(t))
    return;
  MlirAttribute space = mlirMemRefTypeGetMemorySpace(src);
  if (mlirAttributeEqual(space, mlirMemRefTypeGetMemorySpace(t)))
    return;
  intptr_t rank = mlirShapedTypeGetRank(t);
  int64_t shape[8];
  for (intptr_t i = 0; i < rank && i < 8; ++i)
    shape[i] = mlirShapedTypeGetDimSize(t, i);
  mlirValueSetType(res, mlirMemRefTypeGet(mlirShapedTypeGetElementType(t), rank, shape,
                                          mlirMemRefTypeGetLayout(t), space));
}

/*===--- Kernel IR queries -------------------------------------------------===*/

MlirOperation attnGpuDefOf(MlirValue v) {
  return mlirValueIsAOpResult(v) ? mlirOpResultGetOwner(v) : attnNullOp();
}

bool attnGpuOnlyOperand(MlirValue v, const char *opName, unsigned number) {
  MlirOpOperand u = mlirValueGetFirstUse(v);
  if (mlirOpOperandIsNull(u))
    return false;
  for (; !mlirOpOperandIsNull(u); u = mlirOpOperandGetNextUse(u))
    if (!attnIsOp(mlirOpOperandGetOwner(u), opName) || mlirOpOperandGetOperandNumber(u) != number)
      return false;
  return true;
}

bool attnGpuHasVector(MlirOperation op) {
  for (intptr_t i = 0; i < mlirOperationGetNumOperands(op); ++i)
    if (attnGpuIsVec(mlirOperationGetOperand(op, i)))
      return true;
  for (intptr_t i = 0; i < mlirOperationGetNumResults(op); ++i)
    if (attnGpuIsVec(mlirOperationGetResult(op, i)))
      return true;
  return false;
}

static MlirWalkResult findContract(MlirOperation op, void *userData) {
  if (!attnIsOp(op, "vector.contract"))
    return MlirWalkResultAdvance;
  *(bool *)userData = true;
  return MlirWalkResultInterrupt;
}

bool attnGpuHasMatmul(MlirOperation func) {
  bool found = false;
  mlirOperationWalk(func, findContract, &found, MlirWalkPreOrder);
  return found;
}

MlirType attnGpuFp8MathType(MlirBlock entry) {
  for (intptr_t i = 0; i < mlirBlockGetNumArguments(entry); ++i) {
    MlirType t = mlirValueGetType(mlirBlockGetArgument(entry, i));
    if (!mlirTypeIsAMemRef(t))
      continue;
    MlirType e = mlirShapedTypeGetElementType(t);
    if (mlirTypeIsAF16(e) || mlirTypeIsABF16(e))
      return e;
  }
  return (MlirType){NULL};
}

bool attnGpuDefinedOutside(MlirValue v, MlirOperation loop) {
  MlirBlock owner = mlirValueIsABlockArgument(v) ? mlirBlockArgumentGetOwner(v)
                                                 : mlirOperationGetBlock(mlirOpResultGetOwner(v));
  for (MlirOperation p = mlirBlockGetParentOperation(owner); !mlirOperationIsNull(p);
       p = mlirOperationGetParentOperation(p))
    if (mlirOperationEqual(p, loop))
      return false;
  return true;
}
