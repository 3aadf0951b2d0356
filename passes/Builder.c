/*===- Builder.c - a small IR builder over the MLIR C API -----------------===*/

#include "Builder.h"

#include "mlir-c/BuiltinAttributes.h"
#include "mlir-c/BuiltinTypes.h"

#include <assert.h>
#include <string.h>

static MlirStringRef str(const char *s) { return mlirStringRefCreateFromCString(s); }

AttnBuilder attnBuilderBefore(MlirOperation op) {
  AttnBuilder b = {mlirOperationGetContext(op), mlirOperationGetLocation(op),
                   mlirOperationGetBlock(op), op};
  return b;
}

static void insert(AttnBuilder *b, MlirOperation op) {
  if (mlirOperationIsNull(b->before))
    mlirBlockAppendOwnedOperation(b->block, op);
  else
    mlirBlockInsertOwnedOperationBefore(b->block, b->before, op);
}

MlirOperation attnBuildOp(AttnBuilder *b, const char *name, intptr_t nOperands,
                          const MlirValue *operands, intptr_t nResults, const MlirType *results,
                          intptr_t nAttrs, const MlirNamedAttribute *attrs, intptr_t nRegions,
                          MlirRegion *regions) {
  MlirOperationState state = mlirOperationStateGet(str(name), b->loc);
  mlirOperationStateAddOperands(&state, nOperands, operands);
  mlirOperationStateAddResults(&state, nResults, results);
  mlirOperationStateAddAttributes(&state, nAttrs, attrs);
  mlirOperationStateAddOwnedRegions(&state, nRegions, regions);
  MlirOperation op = mlirOperationCreate(&state);
  assert(!mlirOperationIsNull(op) && "op creation failed: malformed builder call");
  insert(b, op);
  return op;
}

MlirNamedAttribute attnNamedAttr(AttnBuilder *b, const char *name, MlirAttribute attr) {
  return mlirNamedAttributeGet(mlirIdentifierGet(b->ctx, str(name)), attr);
}

static MlirValue build1(AttnBuilder *b, const char *name, intptr_t nOperands,
                        const MlirValue *operands, MlirType result, intptr_t nAttrs,
                        const MlirNamedAttribute *attrs) {
  MlirOperation op = attnBuildOp(b, name, nOperands, operands, 1, &result, nAttrs, attrs, 0, NULL);
  return mlirOperationGetResult(op, 0);
}

static MlirValue unary(AttnBuilder *b, const char *name, MlirValue x) {
  return build1(b, name, 1, &x, mlirValueGetType(x), 0, NULL);
}

static MlirValue binary(AttnBuilder *b, const char *name, MlirValue x, MlirValue y) {
  MlirValue operands[2] = {x, y};
  return build1(b, name, 2, operands, mlirValueGetType(x), 0, NULL);
}

MlirType attnIndexType(AttnBuilder *b) { return mlirIndexTypeGet(b->ctx); }
MlirType attnF32Type(AttnBuilder *b) { return mlirF32TypeGet(b->ctx); }
MlirType attnIntType(AttnBuilder *b, unsigned width) { return mlirIntegerTypeGet(b->ctx, width); }

static MlirValue constant(AttnBuilder *b, MlirAttribute value) {
  MlirNamedAttribute attr = attnNamedAttr(b, "value", value);
  return build1(b, "arith.constant", 0, NULL, mlirAttributeGetType(value), 1, &attr);
}

MlirValue attnConstIndex(AttnBuilder *b, int64_t value) {
  return constant(b, mlirIntegerAttrGet(attnIndexType(b), value));
}

MlirValue attnConstF32(AttnBuilder *b, double value) {
  return constant(b, mlirFloatAttrDoubleGet(b->ctx, attnF32Type(b), value));
}

MlirValue attnAddI(AttnBuilder *b, MlirValue x, MlirValue y) {
  return binary(b, "arith.addi", x, y);
}
MlirValue attnSubI(AttnBuilder *b, MlirValue x, MlirValue y) {
  return binary(b, "arith.subi", x, y);
}
MlirValue attnMulI(AttnBuilder *b, MlirValue x, MlirValue y) {
  return binary(b, "arith.muli", x, y);
}
MlirValue attnDivSI(AttnBuilder *b, MlirValue x, MlirValue y) {
  return binary(b, "arith.divsi", x, y);
}
MlirValue attnAndI(AttnBuilder *b, MlirValue x, MlirValue y) {
  return binary(b, "arith.andi", x, y);
}
MlirValue attnMaxSI(AttnBuilder *b, MlirValue x, MlirValue y) {
  return binary(b, "arith.maxsi", x, y);
}
MlirValue attnMinSI(AttnBuilder *b, MlirValue x, MlirValue y) {
  return binary(b, "arith.minsi", x, y);
}

MlirValue attnIndexCast(AttnBuilder *b, MlirValue x, MlirType to) {
  return build1(b, "arith.index_cast", 1, &x, to, 0, NULL);
}

MlirValue attnSIToFP(AttnBuilder *b, MlirValue x, MlirType to) {
  return build1(b, "arith.sitofp", 1, &x, to, 0, NULL);
}

static MlirValue compare(AttnBuilder *b, const char *name, int64_t pred, MlirValue x, MlirValue y) {
  MlirValue operands[2] = {x, y};
  MlirNamedAttribute attr =
      attnNamedAttr(b, "predicate", mlirIntegerAttrGet(attnIntType(b, 64), pred));
  return build1(b, name, 2, operands, attnIntType(b, 1), 1, &attr);
}

MlirValue attnCmpI(AttnBuilder *b, AttnCmpIPredicate pred, MlirValue x, MlirValue y) {
  return compare(b, "arith.cmpi", pred, x, y);
}

MlirValue attnCmpF(AttnBuilder *b, AttnCmpFPredicate pred, MlirValue x, MlirValue y) {
  return compare(b, "arith.cmpf", pred, x, y);
}

MlirValue attnSelect(AttnBuilder *b, MlirValue cond, MlirValue t, MlirValue f) {
  MlirValue operands[3] = {cond, t, f};
  return build1(b, "arith.select", 3, operands, mlirValueGetType(t), 0, NULL);
}

MlirValue attnAddF(AttnBuilder *b, MlirValue x, MlirValue y) {
  return binary(b, "arith.addf", x, y);
}
MlirValue attnSubF(AttnBuilder *b, MlirValue x, MlirValue y) {
  return binary(b, "arith.subf", x, y);
}
MlirValue attnMulF(AttnBuilder *b, MlirValue x, MlirValue y) {
  return binary(b, "arith.mulf", x, y);
}
MlirValue attnDivF(AttnBuilder *b, MlirValue x, MlirValue y) {
  return binary(b, "arith.divf", x, y);
}
MlirValue attnMaximumF(AttnBuilder *b, MlirValue x, MlirValue y) {
  return binary(b, "arith.maximumf", x, y);
}
MlirValue attnExpF(AttnBuilder *b, MlirValue x) { return unary(b, "math.exp", x); }
MlirValue attnLogF(AttnBuilder *b, MlirValue x) { return unary(b, "math.log", x); }
MlirValue attnTanhF(AttnBuilder *b, MlirValue x) { return unary(b, "math.tanh", x); }
MlirValue attnAbsI(AttnBuilder *b, MlirValue x) {
  /* max(x, -x): works on index too, which math.absi does not accept. */
  MlirValue zero = mlirTypeIsAIndex(mlirValueGetType(x)) ? attnConstIndex(b, 0) : x;
  assert(mlirTypeIsAIndex(mlirValueGetType(x)) && "attnAbsI expects index");
  return attnMaxSI(b, x, attnSubI(b, zero, x));
}

static unsigned floatWidth(MlirType t) { return mlirFloatTypeGetWidth(t); }

MlirValue attnConvertF(AttnBuilder *b, MlirValue x, MlirType to) {
  MlirType from = mlirValueGetType(x);
  if (mlirTypeEqual(from, to))
    return x;
  const char *name = floatWidth(from) < floatWidth(to) ? "arith.extf" : "arith.truncf";
  return build1(b, name, 1, &x, to, 0, NULL);
}

MlirValue attnDim(AttnBuilder *b, MlirValue shaped, int64_t index) {
  MlirValue operands[2] = {shaped, attnConstIndex(b, index)};
  const char *name = mlirTypeIsAMemRef(mlirValueGetType(shaped)) ? "memref.dim" : "tensor.dim";
  return build1(b, name, 2, operands, attnIndexType(b), 0, NULL);
}

enum { ATTN_MAX_RANK = 8 };

MlirValue attnLoad(AttnBuilder *b, MlirValue memref, intptr_t rank, const MlirValue *indices) {
  MlirValue operands[1 + ATTN_MAX_RANK];
  assert(rank <= ATTN_MAX_RANK);
  operands[0] = memref;
  memcpy(operands + 1, indices, sizeof(MlirValue) * (size_t)rank);
  MlirType elem = mlirShapedTypeGetElementType(mlirValueGetType(memref));
  return build1(b, "memref.load", 1 + rank, operands, elem, 0, NULL);
}

void attnStore(AttnBuilder *b, MlirValue value, MlirValue memref, intptr_t rank,
               const MlirValue *indices) {
  MlirValue operands[2 + ATTN_MAX_RANK];
  assert(rank <= ATTN_MAX_RANK);
  operands[0] = value;
  operands[1] = memref;
  memcpy(operands + 2, indices, sizeof(MlirValue) * (size_t)rank);
  attnBuildOp(b, "memref.store", 2 + rank, operands, 0, NULL, 0, NULL, 0, NULL);
}

MlirValue attnAlloc(AttnBuilder *b, MlirType memrefType, intptr_t nDynamic,
                    const MlirValue *dynamicSizes) {
  int32_t segments[2] = {(int32_t)nDynamic, 0};
  MlirNamedAttribute attr =
      attnNamedAttr(b, "operandSegmentSizes", mlirDenseI32ArrayGet(b->ctx, 2, segments));
  return build1(b, "memref.alloc", nDynamic, dynamicSizes, memrefType, 1, &attr);
}

void attnDealloc(AttnBuilder *b, MlirValue memref) {
  attnBuildOp(b, "memref.dealloc", 1, &memref, 0, NULL, 0, NULL, 0, NULL);
}

MlirType attnMemRefLike(MlirType tensorType) {
  intptr_t rank = mlirShapedTypeGetRank(tensorType);
  int64_t shape[ATTN_MAX_RANK];
  assert(rank <= ATTN_MAX_RANK);
  for (intptr_t i = 0; i < rank; ++i)
    shape[i] = mlirShapedTypeGetDimSize(tensorType, i);
  return mlirMemRefTypeContiguousGet(mlirShapedTypeGetElementType(tensorType), rank, shape,
                                     mlirAttributeGetNull());
}

MlirValue attnToBuffer(AttnBuilder *b, MlirValue tensor) {
  /* read_only: the attention inputs are never written, which lets
   * bufferization alias function arguments instead of copying them. */
  MlirNamedAttribute attr = attnNamedAttr(b, "read_only", mlirUnitAttrGet(b->ctx));
  return build1(b, "bufferization.to_buffer", 1, &tensor, attnMemRefLike(mlirValueGetType(tensor)),
                1, &attr);
}

MlirValue attnToTensor(AttnBuilder *b, MlirValue memref, MlirType tensorType) {
  /* restrict + writable: the buffer is a fresh allocation owned by this
   * tensor alone, so bufferization may hand it out without a copy. */
  MlirNamedAttribute attrs[2] = {attnNamedAttr(b, "restrict", mlirUnitAttrGet(b->ctx)),
                                 attnNamedAttr(b, "writable", mlirUnitAttrGet(b->ctx))};
  return build1(b, "bufferization.to_tensor", 1, &memref, tensorType, 2, attrs);
}

AttnFor attnForBegin(AttnBuilder *b, MlirValue lb, MlirValue ub, MlirValue step, intptr_t numIter,
                     const MlirValue *inits) {
  AttnFor loop;
  memset(&loop, 0, sizeof(loop));
  assert(numIter <= ATTN_FOR_MAX_ITER);
  MlirType argTypes[1 + ATTN_FOR_MAX_ITER];
  MlirLocation argLocs[1 + ATTN_FOR_MAX_ITER];
  MlirValue operands[3 + ATTN_FOR_MAX_ITER] = {lb, ub, step};
  MlirType resultTypes[ATTN_FOR_MAX_ITER];
  argTypes[0] = attnIndexType(b);
  argLocs[0] = b->loc;
  for (intptr_t i = 0; i < numIter; ++i) {
    resultTypes[i] = argTypes[1 + i] = mlirValueGetType(inits[i]);
    argLocs[1 + i] = b->loc;
    operands[3 + i] = inits[i];
  }
  MlirRegion region = mlirRegionCreate();
  MlirBlock body = mlirBlockCreate(1 + numIter, argTypes, argLocs);
  mlirRegionAppendOwnedBlock(region, body);
  loop.op =
      attnBuildOp(b, "scf.for", 3 + numIter, operands, numIter, resultTypes, 0, NULL, 1, &region);
  loop.iv = mlirBlockGetArgument(body, 0);
  for (intptr_t i = 0; i < numIter; ++i)
    loop.iterArgs[i] = mlirBlockGetArgument(body, 1 + i);
  loop.numIter = numIter;
  loop.outer = *b;
  b->block = body;
  b->before = attnNullOp();
  return loop;
}

void attnForEnd(AttnBuilder *b, AttnFor *loop, intptr_t numYield, const MlirValue *yielded) {
  assert(numYield == loop->numIter && "scf.yield must yield every loop-carried value");
  attnBuildOp(b, "scf.yield", numYield, yielded, 0, NULL, 0, NULL, 0, NULL);
  *b = loop->outer;
  for (intptr_t i = 0; i < loop->numIter; ++i)
    loop->results[i] = mlirOperationGetResult(loop->op, i);
}
