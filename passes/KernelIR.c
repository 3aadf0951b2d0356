/*===- KernelIR.c - what the backends share about the kernel IR ----------===*/

#include "KernelIR.h"

#include "PassUtil.h"

#include "mlir-c/BuiltinAttributes.h"
#include "mlir-c/BuiltinTypes.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*===--- Value map ------------------------------------------------------------===*/

static size_t hashPtr(const void *p, size_t cap) {
  return (size_t)(((uintptr_t)p >> 4) * 0x9E3779B97F4A7C15ull) & (cap - 1);
}

static bool grow(AttnValueMap *m) {
  size_t cap = m->capacity ? m->capacity * 2 : 256;
  const void **keys = calloc(cap, sizeof(*keys));
  unsigned char *payloads = calloc(cap, m->elemSize);
  if (!keys || !payloads) {
    free(keys);
    free(payloads);
    return false;
  }
  for (size_t i = 0; i < m->capacity; ++i) {
    if (!m->keys[i])
      continue;
    size_t h = hashPtr(m->keys[i], cap);
    while (keys[h])
      h = (h + 1) & (cap - 1);
    keys[h] = m->keys[i];
    memcpy(payloads + h * m->elemSize, m->payloads + i * m->elemSize, m->elemSize);
  }
  free(m->keys);
  free(m->payloads);
  m->keys = keys;
  m->payloads = payloads;
  m->capacity = cap;
  return true;
}

void *attnValueMapFind(AttnValueMap *m, MlirValue v) {
  if (!m->capacity)
    return NULL;
  for (size_t h = hashPtr(v.ptr, m->capacity); m->keys[h]; h = (h + 1) & (m->capacity - 1))
    if (m->keys[h] == v.ptr)
      return m->payloads + h * m->elemSize;
  return NULL;
}

void *attnValueMapPut(AttnValueMap *m, MlirValue v, const void *payload) {
  void *slot = attnValueMapFind(m, v);
  if (!slot) {
    if ((m->count + 1) * 10 > m->capacity * 7 && !grow(m))
      return NULL;
    size_t h = hashPtr(v.ptr, m->capacity);
    while (m->keys[h])
      h = (h + 1) & (m->capacity - 1);
    m->keys[h] = v.ptr;
    m->count++;
    slot = m->payloads + h * m->elemSize;
  }
  memcpy(slot, payload, m->elemSize);
  return slot;
}

void attnValueMapFree(AttnValueMap *m) {
  free(m->keys);
  free(m->payloads);
  m->keys = NULL;
  m->payloads = NULL;
  m->capacity = m->count = 0;
}

/*===--- Recognising the kernel IR ------------------------------------------===*/

static MlirWalkResult collect(MlirOperation op, void *userData) {
  AttnKernelList *list = userData;
  if (attnIsOp(op, "func.func") && !mlirAttributeIsNull(attnGetAttr(op, "attn.kernel")) &&
      mlirOperationGetNumRegions(op) == 1 &&
      !mlirBlockIsNull(mlirRegionGetFirstBlock(mlirOperationGetRegion(op, 0)))) {
    if (list->count < ATTN_MAX_KERNELS)
      list->funcs[list->count++] = op;
    else
      list->overflow = true;
    return MlirWalkResultSkip;
  }
  return MlirWalkResultAdvance;
}

void attnCollectKernelFuncs(MlirOperation root, AttnKernelList *list) {
  list->count = 0;
  list->overflow = false;
  mlirOperationWalk(root, collect, list, MlirWalkPreOrder);
}

static MlirAttribute inherent(MlirOperation op, const char *name) {
  return mlirOperationGetInherentAttributeByName(op, mlirStringRefCreateFromCString(name));
}

AttnContractForm attnContractForm(MlirOperation op) {
  MlirAttribute maps = inherent(op, "indexing_maps");
  if (mlirAttributeIsNull(maps) || mlirArrayAttrGetNumElements(maps) != 3)
    return ATTN_CONTRACT_OTHER;
  MlirContext ctx = mlirOperationGetContext(op);
  MlirAffineExpr d0 = mlirAffineDimExprGet(ctx, 0), d1 = mlirAffineDimExprGet(ctx, 1),
                 d2 = mlirAffineDimExprGet(ctx, 2);
  MlirAffineExpr lhs[2] = {d0, d2}, acc[2] = {d0, d1}, rhsT[2] = {d1, d2}, rhsN[2] = {d2, d1};
  MlirAffineMap m[3];
  for (int i = 0; i < 3; ++i)
    m[i] = mlirAffineMapAttrGetValue(mlirArrayAttrGetElement(maps, i));
  MlirAttribute kind = inherent(op, "kind");
  MlirAttribute iters = inherent(op, "iterator_types");
  if (!mlirAttributeEqual(
          kind, mlirAttributeParseGet(ctx, mlirStringRefCreateFromCString("#vector.kind<add>"))) ||
      !mlirAttributeEqual(iters,
                          mlirAttributeParseGet(ctx, mlirStringRefCreateFromCString(
                                                         "[#vector.iterator_type<parallel>, "
                                                         "#vector.iterator_type<parallel>, "
                                                         "#vector.iterator_type<reduction>]"))))
    return ATTN_CONTRACT_OTHER;
  if (!mlirAffineMapEqual(m[0], mlirAffineMapGet(ctx, 3, 0, 2, lhs)) ||
      !mlirAffineMapEqual(m[2], mlirAffineMapGet(ctx, 3, 0, 2, acc)))
    return ATTN_CONTRACT_OTHER;
  if (mlirAffineMapEqual(m[1], mlirAffineMapGet(ctx, 3, 0, 2, rhsT)))
    return ATTN_CONTRACT_QK;
  if (mlirAffineMapEqual(m[1], mlirAffineMapGet(ctx, 3, 0, 2, rhsN)))
    return ATTN_CONTRACT_PV;
  return ATTN_CONTRACT_OTHER;
}

bool attnIsElementwise(MlirOperation op) {
  static const char *const names[] = {
      "arith.addf",       "arith.subf",    "arith.mulf",    "arith.divf",  "arith.maximumf",
      "arith.minimumf",   "arith.maxnumf", "arith.minnumf", "arith.negf",  "arith.select",
      "arith.cmpf",       "arith.cmpi",    "arith.addi",    "arith.subi",  "arith.muli",
      "arith.andi",       "arith.ori",     "arith.xori",    "arith.extf",  "arith.truncf",
      "arith.index_cast", "arith.sitofp",  "arith.uitofp",  "arith.maxsi", "arith.minsi",
      "math.exp2",        "math.exp",      "math.tanh",     "math.absf",   "math.absi",
      "math.log2",        "math.log",      "math.sqrt",     "math.rsqrt",  "math.fma",
      "arith.shrui" /* dropout's Philox generator (Dropout.c) */};
  for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); ++i)
    if (attnIsOp(op, names[i]))
      return true;
  return false;
}

bool attnIsMaskModElementwise(MlirOperation op) {
  static const char *const maskNames[] = {
      "arith.divsi",     "arith.divui",     "arith.remsi", "arith.remui",  "arith.floordivsi",
      "arith.ceildivsi", "arith.ceildivui", "arith.maxui", "arith.minui",  "arith.shli",
      "arith.shrsi",     "arith.extsi",     "arith.extui", "arith.trunci", "arith.index_castui"};
  for (size_t i = 0; i < sizeof(maskNames) / sizeof(maskNames[0]); ++i)
    if (attnIsOp(op, maskNames[i]))
      return true;
  return attnIsElementwise(op);
}

MlirValue attnRebuildElementwise(AttnBuilder *b, MlirOperation op, const MlirValue *operands,
                                 MlirType type) {
  static const char *const attrNames[] = {"predicate", "fastmath", "roundingmode", "overflowFlags"};
  MlirNamedAttribute attrs[4];
  intptr_t nAttrs = 0;
  for (size_t i = 0; i < 4; ++i) {
    MlirAttribute a = inherent(op, attrNames[i]);
    if (!mlirAttributeIsNull(a))
      attrs[nAttrs++] = attnNamedAttr(b, attrNames[i], a);
  }
  MlirStringRef name = mlirIdentifierStr(mlirOperationGetName(op));
  char text[64];
  snprintf(text, sizeof(text), "%.*s", (int)name.length, name.data);
  MlirOperation created = attnBuildOp(b, text, mlirOperationGetNumOperands(op), operands, 1, &type,
                                      nAttrs, attrs, 0, NULL);
  return mlirOperationGetResult(created, 0);
}

/*===--- Carrying ops over -----------------------------------------------------===*/

typedef struct {
  AttnRemapFn remap;
  void *ud;
} Remap;

static MlirWalkResult remapOperands(MlirOperation op, void *userData) {
  Remap *r = userData;
  for (intptr_t i = 0; i < mlirOperationGetNumOperands(op); ++i) {
    MlirValue to = r->remap(r->ud, mlirOperationGetOperand(op, i));
    if (!mlirValueIsNull(to))
      mlirOperationSetOperand(op, i, to);
  }
  return MlirWalkResultAdvance;
}

MlirOperation attnCloneRemapped(AttnBuilder *b, MlirOperation op, AttnRemapFn remap, void *ud) {
  MlirOperation copy = mlirOperationClone(op);
  Remap r = {remap, ud};
  mlirOperationWalk(copy, remapOperands, &r, MlirWalkPreOrder);
  if (mlirOperationIsNull(b->before))
    mlirBlockAppendOwnedOperation(b->block, copy);
  else
    mlirBlockInsertOwnedOperationBefore(b->block, b->before, copy);
  return copy;
}

void attnForEachBodyOp(MlirBlock block, void (*fn)(void *ud, MlirOperation op), void *ud,
                       const bool *stop) {
  MlirOperation term = mlirBlockGetTerminator(block);
  for (MlirOperation op = mlirBlockGetFirstOperation(block); !mlirOperationIsNull(op) && !*stop;
       op = mlirOperationGetNextInBlock(op)) {
    if (!mlirOperationIsNull(term) && mlirOperationEqual(op, term))
      break;
    fn(ud, op);
  }
}

/*===--- fp8 decoding --------------------------------------------------------===*/

/* `like`'s shape with element type `elem` (scalars stay scalars). */
static MlirType shapeOf(MlirType like, MlirType elem) {
  if (!mlirTypeIsAVector(like))
    return elem;
  int64_t shape[4];
  intptr_t rank = mlirShapedTypeGetRank(like);
  for (intptr_t i = 0; i < rank && i < 4; ++i)
    shape[i] = mlirShapedTypeGetDimSize(like, i);
  return mlirVectorTypeGet(rank, shape, elem);
}

static MlirValue constOf(AttnBuilder *b, MlirType like, MlirAttribute scalar) {
  MlirAttribute a = mlirTypeIsAVector(like) ? mlirDenseElementsAttrSplatGet(like, scalar) : scalar;
  MlirNamedAttribute value = attnNamedAttr(b, "value", a);
  return mlirOperationGetResult(
      attnBuildOp(b, "arith.constant", 0, NULL, 1, &like, 1, &value, 0, NULL), 0);
}

static MlirValue constI32(AttnBuilder *b, MlirType like, int64_t v) {
  MlirType elem = mlirTypeIsAVector(like) ? mlirShapedTypeGetElementType(like) : like;
  return constOf(b, like, mlirIntegerAttrGet(elem, v));
}

static MlirValue constF(AttnBuilder *b, MlirType like, double v) {
  MlirType elem = mlirTypeIsAVector(like) ? mlirShapedTypeGetElementType(like) : like;
  return constOf(b, like, mlirFloatAttrDoubleGet(mlirTypeGetContext(like), elem, v));
}

/* x (f8E4M3FN or f8E4M3FNUZ, scalar or vector) as f32, exactly. MLIR 22 has
 * no lowering of arith.extf from these types to LLVM (arith-expand covers
 * f8E8M0FNU and f4E2M1FN only, and LLVM IR has no fp8 type: the type
 * converter makes them i8), so the bits are decoded with integer ops:
 *   e4m3fn   (bias 7): S.EEEE.MMM, NaN = S.1111.111, no infinities;
 *   e4m3fnuz (bias 8): NaN = 0x80 (no negative zero), no infinities.
 * A normal number (E > 0) is the f32 with the bits S, E and M placed at
 * 31, 23.. and 20.. (exponent E - 127) scaled by 2^(127 - bias): exact, as
 * both factors are powers of two times the significand; a subnormal (E =
 * 0) is M * 2^(-2 - bias) with S's sign. */
MlirValue attnDecodeFp8(AttnBuilder *b, MlirValue x) {
  MlirType from = mlirValueGetType(x);
  MlirType elem = mlirTypeIsAVector(from) ? mlirShapedTypeGetElementType(from) : from;
  bool fnuz = mlirTypeIsAFloat8E4M3FNUZ(elem);
  int bias = fnuz ? 8 : 7;
  MlirType i8 = shapeOf(from, attnIntType(b, 8)), i32 = shapeOf(from, attnIntType(b, 32));
  MlirType f32 = shapeOf(from, attnF32Type(b));
  MlirValue bits = attnOp1(b, "arith.bitcast", 1, &x, i8);
  MlirValue u = attnOp1(b, "arith.extui", 1, &bits, i32);
  MlirValue sign = attnAndI(b, u, constI32(b, i32, 0x80));
  MlirValue mag = attnAndI(b, u, constI32(b, i32, 0x7f));
  MlirValue placed =
      attnBinary(b, "arith.ori", attnBinary(b, "arith.shli", sign, constI32(b, i32, 24)),
                 attnBinary(b, "arith.shli", mag, constI32(b, i32, 20)));
  MlirValue normal = attnMulF(b, attnOp1(b, "arith.bitcast", 1, &placed, f32),
                              constF(b, f32, ldexp(1.0, 127 - bias)));
  MlirValue m = attnAndI(b, u, constI32(b, i32, 7));
  MlirValue sub =
      attnMulF(b, attnOp1(b, "arith.uitofp", 1, &m, f32), constF(b, f32, ldexp(1.0, -2 - bias)));
  sub = attnSelect(b, attnCmpI(b, ATTN_CMPI_NE, sign, constI32(b, i32, 0)),
                   attnUnary(b, "arith.negf", sub), sub);
  MlirValue isSub =
      attnCmpI(b, ATTN_CMPI_EQ, attnAndI(b, u, constI32(b, i32, 0x78)), constI32(b, i32, 0));
  MlirValue v = attnSelect(b, isSub, sub, normal);
  MlirValue nan = fnuz ? attnCmpI(b, ATTN_CMPI_EQ, u, constI32(b, i32, 0x80))
                       : attnCmpI(b, ATTN_CMPI_EQ, mag, constI32(b, i32, 0x7f));
  return attnSelect(b, nan, constF(b, f32, NAN), v);
}

MlirValue attnConvertFromFp8(AttnBuilder *b, MlirValue x, MlirType to) {
  MlirType from = mlirValueGetType(x);
  MlirType elem = mlirTypeIsAVector(from) ? mlirShapedTypeGetElementType(from) : from;
  /* SAGE's i8 q and k (docs/fp8.md, "SAGE"): every i8 is an f32 exactly. */
  if (mlirTypeIsAInteger(elem) && mlirIntegerTypeGetWidth(elem) == 8)
    return attnConvertF(b, attnOp1(b, "arith.sitofp", 1, &x, shapeOf(from, attnF32Type(b))), to);
  if (!attnIsFp8Type(elem))
    return attnConvertF(b, x, to);
  return attnConvertF(b, attnDecodeFp8(b, x), to);
}

/* f32 x (scalar or vector) to the e4m3 type `to` (f8E4M3FN or FNUZ), rounded
 * to nearest even, with integer ops (the inverse of attnDecodeFp8). Normal
 * results: x's f32 bits rounded to 3 mantissa bits (the carry may move the
 * exponent up); subnormal ones (|x| below 2^(1 - bias)): |x| in whole steps
 * of 2^(-2 - bias), ties to even, 8 of which is the smallest normal's code. Magnitudes past the
 * largest finite value saturate to it (448; 240), NaN gives the format's NaN, -0 is +0 in FNUZ
 * (whose 0x80 is NaN). */
MlirValue attnEncodeFp8(AttnBuilder *b, MlirValue x, MlirType to) {
  MlirType from = mlirValueGetType(x);
  bool fnuz = mlirTypeIsAFloat8E4M3FNUZ(to);
  int bias = fnuz ? 8 : 7;
  MlirType i32 = shapeOf(from, attnIntType(b, 32)), f32 = shapeOf(from, attnF32Type(b));
  MlirType i8 = shapeOf(from, attnIntType(b, 8));
  MlirValue u = attnOp1(b, "arith.bitcast", 1, &x, i32);
  MlirValue sign =
      attnBinary(b, "arith.shrui", attnAndI(b, u, constI32(b, i32, (int64_t)0x80000000)),
                 constI32(b, i32, 24));
  MlirValue absBits = attnAndI(b, u, constI32(b, i32, 0x7fffffff));
  MlirValue a = attnOp1(b, "arith.bitcast", 1, &absBits, f32);
  /* normal: round the f32 mantissa to 3 bits, then rebias the exponent */
  MlirValue odd =
      attnAndI(b, attnBinary(b, "arith.shrui", absBits, constI32(b, i32, 20)), constI32(b, i32, 1));
  MlirValue r = attnBinary(b, "arith.addi", absBits,
                           attnBinary(b, "arith.addi", constI32(b, i32, 0x7ffff), odd));
  MlirValue exp = attnBinary(b, "arith.subi", attnBinary(b, "arith.shrui", r, constI32(b, i32, 23)),
                             constI32(b, i32, 127 - bias));
  MlirValue mant =
      attnAndI(b, attnBinary(b, "arith.shrui", r, constI32(b, i32, 20)), constI32(b, i32, 7));
  MlirValue normal =
      attnBinary(b, "arith.ori", attnBinary(b, "arith.shli", exp, constI32(b, i32, 3)), mant);
  /* subnormal: whole steps of 2^(-2 - bias), 0 to 8, rounded to even by an
   * f32 addition of 2^23 (whose ulp is 1), the steps then the low bits. Not
   * math.roundeven: on hosts without SSE4.1 it is a libm call, and the JIT
   * has bound roundevenf to a round-half-away function (fp8-encode-test). */
  MlirValue steps = attnAddF(b, attnMulF(b, a, constF(b, f32, ldexp(1.0, 2 + bias))),
                             constF(b, f32, ldexp(1.0, 23)));
  MlirValue sub = attnBinary(b, "arith.subi", attnOp1(b, "arith.bitcast", 1, &steps, i32),
                             constI32(b, i32, 0x4b000000));
  MlirValue isSub = attnCmpF(b, ATTN_CMPF_OLT, a, constF(b, f32, ldexp(1.0, 1 - bias)));
  MlirValue code = attnSelect(b, isSub, sub, normal);
  MlirValue maxCode = constI32(b, i32, fnuz ? 0x7f : 0x7e);
  MlirValue over = attnCmpF(b, ATTN_CMPF_OGT, a, constF(b, f32, fnuz ? 240.0 : 448.0));
  code = attnSelect(b, over, maxCode, code);
  if (fnuz) /* no -0: a zero code keeps no sign */
    sign = attnSelect(b, attnCmpI(b, ATTN_CMPI_EQ, code, constI32(b, i32, 0)), constI32(b, i32, 0),
                      sign);
  MlirValue bits = attnBinary(b, "arith.ori", sign, code);
  MlirValue nan = attnCmpF(b, ATTN_CMPF_UNO, x, x);
  bits = attnSelect(b, nan, constI32(b, i32, fnuz ? 0x80 : 0x7f), bits);
  MlirValue narrow = attnOp1(b, "arith.trunci", 1, &bits, i8);
  return attnOp1(b, "arith.bitcast", 1, &narrow, shapeOf(from, to));
}
