/*===- Builder.c - a small IR builder over the MLIR C API -----------------===*/

#include "Builder.h"

#include "mlir-c/BuiltinAttributes.h"
#include "mlir-c/BuiltinTypes.h"

#include <assert.h>
#include <stdio.h>
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

MlirOperation attnInlineAsm(AttnBuilder *b, const char *text, const char *constraints,
                            bool sideEffects, intptr_t nOperands, const MlirValue *operands,
                            MlirType result) {
  MlirNamedAttribute attrs[3] = {
      attnNamedAttr(b, "asm_string",
                    mlirStringAttrGet(b->ctx, mlirStringRefCreateFromCString(text))),
      attnNamedAttr(b, "constraints",
                    mlirStringAttrGet(b->ctx, mlirStringRefCreateFromCString(constraints))),
      attnNamedAttr(b, "has_side_effects", mlirUnitAttrGet(b->ctx))};
  bool hasResult = !mlirTypeIsNull(result);
  return attnBuildOp(b, "llvm.inline_asm", nOperands, operands, hasResult ? 1 : 0, &result,
                     sideEffects ? 3 : 2, attrs, 0, NULL);
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
  /* i1, or a vector of i1 shaped like the operands. */
  MlirType t = mlirValueGetType(x), i1 = attnIntType(b, 1);
  if (mlirTypeIsAVector(t)) {
    int64_t shape[8];
    intptr_t rank = mlirShapedTypeGetRank(t);
    for (intptr_t i = 0; i < rank && i < 8; ++i)
      shape[i] = mlirShapedTypeGetDimSize(t, i);
    i1 = mlirVectorTypeGet(rank, shape, i1);
  }
  return build1(b, name, 2, operands, i1, 1, &attr);
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

static unsigned floatWidth(MlirType t) {
  if (mlirTypeIsAShaped(t))
    t = mlirShapedTypeGetElementType(t);
  return mlirFloatTypeGetWidth(t);
}

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

/*===--- Generic ops, vectors, calls ----------------------------------------===*/

MlirValue attnOp1(AttnBuilder *b, const char *name, intptr_t nOperands, const MlirValue *operands,
                  MlirType result) {
  return build1(b, name, nOperands, operands, result, 0, NULL);
}

MlirValue attnBinary(AttnBuilder *b, const char *name, MlirValue x, MlirValue y) {
  return binary(b, name, x, y);
}

MlirValue attnUnary(AttnBuilder *b, const char *name, MlirValue x) { return unary(b, name, x); }

MlirType attnVectorType(intptr_t rank, const int64_t *shape, MlirType elem) {
  return mlirVectorTypeGet(rank, shape, elem);
}

MlirValue attnConstSplatF(AttnBuilder *b, MlirType vectorType, double value) {
  MlirType elem = mlirShapedTypeGetElementType(vectorType);
  MlirAttribute v = mlirFloatAttrDoubleGet(b->ctx, elem, value);
  return constant(b, mlirDenseElementsAttrSplatGet(vectorType, v));
}

MlirValue attnBroadcast(AttnBuilder *b, MlirValue x, MlirType vectorType) {
  return build1(b, "vector.broadcast", 1, &x, vectorType, 0, NULL);
}

MlirValue attnInsertRows(AttnBuilder *b, MlirValue part, MlirValue into, int64_t row) {
  /* Rows of a tile, or (rank 1) elements of a vector: offsets (row[, 0]). */
  intptr_t rank = mlirShapedTypeGetRank(mlirValueGetType(into));
  MlirType i64 = attnIntType(b, 64);
  MlirAttribute offsets[2] = {mlirIntegerAttrGet(i64, row), mlirIntegerAttrGet(i64, 0)};
  MlirAttribute strides[2] = {mlirIntegerAttrGet(i64, 1), mlirIntegerAttrGet(i64, 1)};
  MlirNamedAttribute attrs[2] = {
      attnNamedAttr(b, "offsets", mlirArrayAttrGet(b->ctx, rank, offsets)),
      attnNamedAttr(b, "strides", mlirArrayAttrGet(b->ctx, rank, strides))};
  MlirValue operands[2] = {part, into};
  return build1(b, "vector.insert_strided_slice", 2, operands, mlirValueGetType(into), 2, attrs);
}

static MlirAttribute i64Array(AttnBuilder *b, int64_t x, int64_t y) {
  MlirAttribute e[2] = {mlirIntegerAttrGet(attnIntType(b, 64), x),
                        mlirIntegerAttrGet(attnIntType(b, 64), y)};
  return mlirArrayAttrGet(b->ctx, 2, e);
}

MlirValue attnExtractColumns(AttnBuilder *b, MlirValue tile, int64_t cols) {
  MlirType t = mlirValueGetType(tile);
  int64_t rows = mlirShapedTypeGetDimSize(t, 0);
  MlirNamedAttribute attrs[3] = {attnNamedAttr(b, "offsets", i64Array(b, 0, 0)),
                                 attnNamedAttr(b, "sizes", i64Array(b, rows, cols)),
                                 attnNamedAttr(b, "strides", i64Array(b, 1, 1))};
  int64_t shape[2] = {rows, cols};
  return build1(b, "vector.extract_strided_slice", 1, &tile,
                mlirVectorTypeGet(2, shape, mlirShapedTypeGetElementType(t)), 3, attrs);
}

MlirValue attnTranspose2d(AttnBuilder *b, MlirValue x) {
  MlirType t = mlirValueGetType(x);
  int64_t shape[2] = {mlirShapedTypeGetDimSize(t, 1), mlirShapedTypeGetDimSize(t, 0)};
  int64_t perm[2] = {1, 0};
  MlirNamedAttribute attr = attnNamedAttr(b, "permutation", mlirDenseI64ArrayGet(b->ctx, 2, perm));
  return build1(b, "vector.transpose", 1, &x,
                mlirVectorTypeGet(2, shape, mlirShapedTypeGetElementType(t)), 1, &attr);
}

MlirValue attnRowBroadcast(AttnBuilder *b, MlirValue row, int64_t cols) {
  MlirType t = mlirValueGetType(row);
  int64_t shape[2] = {cols, mlirShapedTypeGetDimSize(t, 0)};
  MlirValue colsByRows =
      attnBroadcast(b, row, mlirVectorTypeGet(2, shape, mlirShapedTypeGetElementType(t)));
  return attnTranspose2d(b, colsByRows);
}

MlirValue attnStep(AttnBuilder *b, int64_t n) {
  MlirType t = mlirVectorTypeGet(1, &n, attnIndexType(b));
  return build1(b, "vector.step", 0, NULL, t, 0, NULL);
}

static MlirAttribute boolArray(AttnBuilder *b, intptr_t n, const bool *values) {
  MlirAttribute elems[4];
  assert(n <= 4);
  for (intptr_t i = 0; i < n; ++i)
    elems[i] = mlirBoolAttrGet(b->ctx, values[i]);
  return mlirArrayAttrGet(b->ctx, n, elems);
}

static MlirAttribute segments(AttnBuilder *b, intptr_t n, const int32_t *sizes) {
  return mlirDenseI32ArrayGet(b->ctx, n, sizes);
}

MlirValue attnTransferRead(AttnBuilder *b, MlirType vectorType, MlirValue mem, intptr_t rank,
                           const MlirValue *indices, MlirValue pad, MlirAffineMap perm,
                           const bool *inBounds) {
  MlirValue operands[2 + ATTN_MAX_RANK];
  assert(rank <= ATTN_MAX_RANK);
  operands[0] = mem;
  memcpy(operands + 1, indices, sizeof(MlirValue) * (size_t)rank);
  operands[1 + rank] = pad;
  int32_t seg[4] = {1, (int32_t)rank, 1, 0};
  MlirNamedAttribute attrs[3] = {
      attnNamedAttr(b, "permutation_map", mlirAffineMapAttrGet(perm)),
      attnNamedAttr(b, "in_bounds", boolArray(b, mlirShapedTypeGetRank(vectorType), inBounds)),
      attnNamedAttr(b, "operandSegmentSizes", segments(b, 4, seg))};
  return build1(b, "vector.transfer_read", 2 + rank, operands, vectorType, 3, attrs);
}

void attnTransferWrite(AttnBuilder *b, MlirValue value, MlirValue mem, intptr_t rank,
                       const MlirValue *indices, MlirAffineMap perm, const bool *inBounds) {
  MlirValue operands[2 + ATTN_MAX_RANK];
  assert(rank <= ATTN_MAX_RANK);
  operands[0] = value;
  operands[1] = mem;
  memcpy(operands + 2, indices, sizeof(MlirValue) * (size_t)rank);
  int32_t seg[4] = {1, 1, (int32_t)rank, 0};
  MlirNamedAttribute attrs[3] = {
      attnNamedAttr(b, "permutation_map", mlirAffineMapAttrGet(perm)),
      attnNamedAttr(b, "in_bounds",
                    boolArray(b, mlirShapedTypeGetRank(mlirValueGetType(value)), inBounds)),
      attnNamedAttr(b, "operandSegmentSizes", segments(b, 4, seg))};
  attnBuildOp(b, "vector.transfer_write", 2 + rank, operands, 0, NULL, 3, attrs, 0, NULL);
}

static MlirAttribute parseAttr(AttnBuilder *b, const char *text) {
  MlirAttribute a = mlirAttributeParseGet(b->ctx, str(text));
  assert(!mlirAttributeIsNull(a));
  return a;
}

MlirValue attnContract(AttnBuilder *b, MlirValue lhs, MlirValue rhs, MlirValue acc,
                       const char *maps) {
  char text[256];
  snprintf(text, sizeof(text), "[%s]", maps);
  MlirNamedAttribute attrs[3] = {attnNamedAttr(b, "indexing_maps", parseAttr(b, text)),
                                 attnNamedAttr(b, "iterator_types",
                                               parseAttr(b, "[#vector.iterator_type<parallel>, "
                                                            "#vector.iterator_type<parallel>, "
                                                            "#vector.iterator_type<reduction>]")),
                                 attnNamedAttr(b, "kind", parseAttr(b, "#vector.kind<add>"))};
  MlirValue operands[3] = {lhs, rhs, acc};
  return build1(b, "vector.contract", 3, operands, mlirValueGetType(acc), 3, attrs);
}

MlirValue attnMultiReduction(AttnBuilder *b, const char *kind, MlirValue source, MlirValue acc,
                             int64_t dim) {
  char text[64];
  snprintf(text, sizeof(text), "#vector.kind<%s>", kind);
  MlirNamedAttribute attrs[2] = {
      attnNamedAttr(b, "kind", parseAttr(b, text)),
      attnNamedAttr(b, "reduction_dims", mlirDenseI64ArrayGet(b->ctx, 1, &dim))};
  MlirValue operands[2] = {source, acc};
  return build1(b, "vector.multi_reduction", 2, operands, mlirValueGetType(acc), 2, attrs);
}

MlirValue attnAffineApply(AttnBuilder *b, MlirAffineMap map, intptr_t n,
                          const MlirValue *operands) {
  MlirNamedAttribute attr = attnNamedAttr(b, "map", mlirAffineMapAttrGet(map));
  return build1(b, "affine.apply", n, operands, attnIndexType(b), 1, &attr);
}

void attnCall(AttnBuilder *b, const char *callee, intptr_t n, const MlirValue *operands) {
  MlirNamedAttribute attr =
      attnNamedAttr(b, "callee", mlirFlatSymbolRefAttrGet(b->ctx, str(callee)));
  attnBuildOp(b, "func.call", n, operands, 0, NULL, 1, &attr, 0, NULL);
}

MlirValue attnAllocLike(AttnBuilder *b, MlirValue result, const MlirValue *srcValues,
                        const int *srcDims) {
  MlirType type = mlirValueGetType(result);
  MlirValue dyn[ATTN_MAX_RANK];
  intptr_t nDyn = 0;
  for (intptr_t i = 0; i < mlirShapedTypeGetRank(type) && i < ATTN_MAX_RANK; ++i)
    if (mlirShapedTypeIsDynamicDim(type, i))
      dyn[nDyn++] = attnDim(b, srcValues[i], srcDims[i]);
  return attnAlloc(b, attnMemRefLike(type), nDyn, dyn);
}

MlirValue attnSubView(AttnBuilder *b, MlirValue source, MlirType resultType, intptr_t rank,
                      const int64_t *staticOffsets, const int64_t *staticSizes, intptr_t nOffsets,
                      const MlirValue *offsets, intptr_t nSizes, const MlirValue *sizes) {
  MlirValue operands[1 + 2 * ATTN_MAX_RANK];
  int64_t ones[ATTN_MAX_RANK];
  assert(rank <= ATTN_MAX_RANK && nOffsets <= rank && nSizes <= rank);
  intptr_t n = 0;
  operands[n++] = source;
  for (intptr_t i = 0; i < nOffsets; ++i)
    operands[n++] = offsets[i];
  for (intptr_t i = 0; i < nSizes; ++i)
    operands[n++] = sizes[i];
  for (intptr_t i = 0; i < rank; ++i)
    ones[i] = 1;
  int32_t seg[4] = {1, (int32_t)nOffsets, (int32_t)nSizes, 0};
  MlirNamedAttribute attrs[4] = {
      attnNamedAttr(b, "static_offsets", mlirDenseI64ArrayGet(b->ctx, rank, staticOffsets)),
      attnNamedAttr(b, "static_sizes", mlirDenseI64ArrayGet(b->ctx, rank, staticSizes)),
      attnNamedAttr(b, "static_strides", mlirDenseI64ArrayGet(b->ctx, rank, ones)),
      attnNamedAttr(b, "operandSegmentSizes", mlirDenseI32ArrayGet(b->ctx, 4, seg))};
  return build1(b, "memref.subview", n, operands, resultType, 4, attrs);
}

MlirType attnStridedMemRefType(MlirContext ctx, intptr_t rank, int64_t last, bool unitLast,
                               MlirType elem) {
  int64_t shape[4], strides[4];
  int64_t dyn = mlirShapedTypeGetDynamicSize(),
          dynStride = mlirShapedTypeGetDynamicStrideOrOffset();
  for (intptr_t i = 0; i < rank; ++i) {
    shape[i] = dyn;
    strides[i] = dynStride;
  }
  shape[rank - 1] = last;
  if (unitLast)
    strides[rank - 1] = 1;
  MlirAttribute layout = mlirStridedLayoutAttrGet(ctx, dynStride, rank, strides);
  return mlirMemRefTypeGet(elem, rank, shape, layout, mlirAttributeGetNull());
}

MlirValue attnRowSlice(AttnBuilder *b, MlirValue mem, int dim, MlirValue start, MlirValue rows) {
  MlirType type = mlirValueGetType(mem);
  intptr_t rank = mlirShapedTypeGetRank(type);
  int64_t dyn = mlirShapedTypeGetDynamicSize();
  int64_t offs[4], sizes[4];
  MlirValue dynSizes[4];
  intptr_t nSizes = 0;
  for (intptr_t i = 0; i < rank; ++i) {
    int64_t st = mlirShapedTypeGetDimSize(type, i);
    offs[i] = i == dim ? dyn : 0;
    sizes[i] = i == dim ? dyn : st;
    if (i == dim || st == dyn)
      dynSizes[nSizes++] = i == dim ? rows : attnDim(b, mem, i);
  }
  return attnSubView(b, mem, type, rank, offs, sizes, 1, &start, nSizes, dynSizes);
}

MlirValue attnLoadIndex(AttnBuilder *b, MlirValue mem, MlirValue i) {
  return attnIndexCast(b, attnLoad(b, mem, 1, &i), attnIndexType(b));
}

MlirValue attnLoadIndexIf(AttnBuilder *b, MlirValue cond, MlirValue mem, intptr_t rank,
                          const MlirValue *indices) {
  AttnBuilder inner = *b;
  MlirBlock thenBlock = mlirBlockCreate(0, NULL, NULL), elseBlock = mlirBlockCreate(0, NULL, NULL);
  inner.block = thenBlock;
  inner.before = attnNullOp();
  MlirValue loaded = attnIndexCast(&inner, attnLoad(&inner, mem, rank, indices), attnIndexType(b));
  attnBuildOp(&inner, "scf.yield", 1, &loaded, 0, NULL, 0, NULL, 0, NULL);
  inner.block = elseBlock;
  MlirValue zero = attnConstIndex(&inner, 0);
  attnBuildOp(&inner, "scf.yield", 1, &zero, 0, NULL, 0, NULL, 0, NULL);
  MlirRegion regions[2] = {mlirRegionCreate(), mlirRegionCreate()};
  mlirRegionAppendOwnedBlock(regions[0], thenBlock);
  mlirRegionAppendOwnedBlock(regions[1], elseBlock);
  MlirType idx = attnIndexType(b);
  return mlirOperationGetResult(attnBuildOp(b, "scf.if", 1, &cond, 1, &idx, 0, NULL, 2, regions),
                                0);
}

MlirValue attnLoadF32If(AttnBuilder *b, MlirValue cond, MlirValue mem, intptr_t rank,
                        const MlirValue *indices, double otherwise) {
  AttnBuilder inner = *b;
  MlirBlock thenBlock = mlirBlockCreate(0, NULL, NULL), elseBlock = mlirBlockCreate(0, NULL, NULL);
  inner.block = thenBlock;
  inner.before = attnNullOp();
  MlirValue loaded = attnLoad(&inner, mem, rank, indices);
  attnBuildOp(&inner, "scf.yield", 1, &loaded, 0, NULL, 0, NULL, 0, NULL);
  inner.block = elseBlock;
  MlirValue other = attnConstF32(&inner, otherwise);
  attnBuildOp(&inner, "scf.yield", 1, &other, 0, NULL, 0, NULL, 0, NULL);
  MlirRegion regions[2] = {mlirRegionCreate(), mlirRegionCreate()};
  mlirRegionAppendOwnedBlock(regions[0], thenBlock);
  mlirRegionAppendOwnedBlock(regions[1], elseBlock);
  MlirType f32 = attnF32Type(b);
  return mlirOperationGetResult(attnBuildOp(b, "scf.if", 1, &cond, 1, &f32, 0, NULL, 2, regions),
                                0);
}

MlirValue attnClampSI(AttnBuilder *b, MlirValue x, MlirValue lo, MlirValue hi) {
  return attnMinSI(b, attnMaxSI(b, x, lo), hi);
}
