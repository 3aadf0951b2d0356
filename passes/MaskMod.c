/*===- MaskMod.c - the block mask's element mask, inlined -----------------===*
 *
 * Copies the ops of a mask_mod region in order, mapping its arguments to
 * the caller's values. On tiles each op keeps its name and attributes and
 * takes vector operands: arith ops are element-wise, so only the result
 * types change (constants are broadcast instead, their value attribute
 * being scalar).
 *
 *===----------------------------------------------------------------------===*/

#include "MaskMod.h"

#include "KernelIR.h"
#include "PassUtil.h"

#include "mlir-c/BuiltinTypes.h"

#include <stdlib.h>

MlirBlock attnMaskModBlock(MlirOperation op) {
  if (mlirOperationGetNumRegions(op) < 1)
    return (MlirBlock){NULL};
  return mlirRegionGetFirstBlock(mlirOperationGetRegion(op, 0));
}

typedef struct {
  AttnBuilder *b;
  MlirBlock body;
  MlirValue args[4]; /* in the region's argument types */
  MlirType shape;    /* a vector type giving the tile shape, or null: scalars */
  AttnValueMap map;  /* region value -> copied value */
  bool failed;
} Inline;

/* For attnCloneRemapped: operands are set afterwards. */
static MlirValue keepOperand(void *ud, MlirValue v) {
  (void)ud;
  (void)v;
  return attnNullValue();
}

/* `t` on the tile's shape (vector<R x C x t>), or `t` itself on scalars. */
static MlirType lifted(const Inline *in, MlirType t) {
  if (mlirTypeIsNull(in->shape))
    return t;
  intptr_t rank = mlirShapedTypeGetRank(in->shape);
  int64_t dims[4];
  for (intptr_t i = 0; i < rank && i < 4; ++i)
    dims[i] = mlirShapedTypeGetDimSize(in->shape, i);
  return mlirVectorTypeGet(rank, dims, t);
}

/* A copy of the scalar arith.constant `c` at the insertion point, broadcast
 * on tiles. */
static MlirValue copyConstant(Inline *in, MlirOperation c) {
  MlirOperation copy = attnCloneRemapped(in->b, c, keepOperand, NULL);
  MlirValue v = mlirOperationGetResult(copy, 0);
  return mlirTypeIsNull(in->shape) ? v : attnBroadcast(in->b, v, lifted(in, mlirValueGetType(v)));
}

static MlirValue lookup(void *ud, MlirValue v) {
  Inline *in = ud;
  if (mlirValueIsABlockArgument(v) && mlirBlockEqual(mlirBlockArgumentGetOwner(v), in->body))
    return in->args[mlirBlockArgumentGetArgNumber(v)];
  MlirValue *mapped = attnValueMapFind(&in->map, v);
  if (mapped)
    return *mapped;
  /* A constant a canonicalizer hoisted out of the region. */
  MlirOperation def = mlirValueIsAOpResult(v) ? mlirOpResultGetOwner(v) : (MlirOperation){NULL};
  if (!mlirOperationIsNull(def) && attnIsOp(def, "arith.constant")) {
    MlirValue c = copyConstant(in, def);
    if (!attnValueMapPut(&in->map, v, &c))
      in->failed = true;
    return c;
  }
  in->failed = true;
  return attnNullValue();
}

static void copyOp(Inline *in, MlirOperation op) {
  if (attnIsOp(op, "arith.constant")) {
    MlirValue c = copyConstant(in, op);
    if (!attnValueMapPut(&in->map, mlirOperationGetResult(op, 0), &c))
      in->failed = true;
    return;
  }
  /* The copy's operands are remapped first: lookup may insert hoisted
   * constants, which then precede the copy. */
  MlirValue operands[8];
  intptr_t n = mlirOperationGetNumOperands(op);
  for (intptr_t i = 0; i < n && i < 8; ++i)
    operands[i] = lookup(in, mlirOperationGetOperand(op, i));
  if (n > 8 || in->failed) {
    in->failed = true;
    return;
  }
  MlirOperation copy = attnCloneRemapped(in->b, op, keepOperand, NULL);
  for (intptr_t i = 0; i < n; ++i)
    mlirOperationSetOperand(copy, i, operands[i]);
  for (intptr_t i = 0; i < mlirOperationGetNumResults(op); ++i) {
    MlirValue r = mlirOperationGetResult(copy, i);
    mlirValueSetType(r, lifted(in, mlirValueGetType(r)));
    if (!attnValueMapPut(&in->map, mlirOperationGetResult(op, i), &r))
      in->failed = true;
  }
}

MlirValue attnInlineMaskMod(AttnBuilder *b, MlirOperation op, const MlirValue args[4]) {
  Inline in = {.b = b, .body = attnMaskModBlock(op), .map = {.elemSize = sizeof(MlirValue)}};
  MlirType argType = mlirValueGetType(args[0]);
  in.shape = mlirTypeIsAVector(argType) ? argType : (MlirType){NULL};
  for (int i = 0; i < 4; ++i) {
    MlirType want = mlirValueGetType(mlirBlockGetArgument(in.body, i));
    in.args[i] = mlirTypeIsAIndex(want) ? args[i] : attnIndexCast(b, args[i], lifted(&in, want));
  }
  MlirValue result = attnNullValue();
  for (MlirOperation o = mlirBlockGetFirstOperation(in.body); !mlirOperationIsNull(o) && !in.failed;
       o = mlirOperationGetNextInBlock(o)) {
    if (attnIsOp(o, "attn.yield")) {
      result = lookup(&in, mlirOperationGetOperand(o, 0));
      break;
    }
    copyOp(&in, o);
  }
  attnValueMapFree(&in.map);
  if (in.failed || mlirValueIsNull(result)) {
    attnEmitOpError(op, "mask_mod", "has a region the lowering cannot copy");
    return attnNullValue();
  }
  return result;
}
