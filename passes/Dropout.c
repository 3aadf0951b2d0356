/*===- Dropout.c - dropout masks in the kernel IR -------------------------===*/

#include "Dropout.h"

#include "mlir-c/BuiltinAttributes.h"
#include "mlir-c/BuiltinTypes.h"

#include <math.h>

/* Philox4x32's multipliers and Weyl key increments (Salmon et al., SC'11). */
static const uint64_t philoxM0 = 0xD2511F53u, philoxM1 = 0xCD9E8D57u;
static const uint64_t philoxW0 = 0x9E3779B9u, philoxW1 = 0xBB67AE85u;
static const uint64_t low32 = 0xFFFFFFFFu;
enum { philoxRounds = 10 };

AttnDropout attnReadDropout(MlirOperation op) {
  AttnDropout d = {0.0, 0, 0};
  MlirAttribute a =
      mlirOperationGetInherentAttributeByName(op, mlirStringRefCreateFromCString("dropout_p"));
  if (!mlirAttributeIsNull(a) && mlirAttributeIsAFloat(a))
    d.p = mlirFloatAttrGetValueDouble(a);
  a = mlirOperationGetInherentAttributeByName(op, mlirStringRefCreateFromCString("seed"));
  if (!mlirAttributeIsNull(a) && mlirAttributeIsAInteger(a))
    d.seed = mlirIntegerAttrGetValueInt(a);
  a = mlirOperationGetInherentAttributeByName(op, mlirStringRefCreateFromCString("offset"));
  if (!mlirAttributeIsNull(a) && mlirAttributeIsAInteger(a))
    d.offset = mlirIntegerAttrGetValueInt(a);
  return d;
}

/* A splat i64 constant shaped like `like`. */
static MlirValue splatI64(AttnBuilder *b, MlirType like, uint64_t v) {
  MlirType i64 = attnIntType(b, 64);
  MlirAttribute a = mlirDenseElementsAttrSplatGet(like, mlirIntegerAttrGet(i64, (int64_t)v));
  MlirNamedAttribute value = attnNamedAttr(b, "value", a);
  return mlirOperationGetResult(
      attnBuildOp(b, "arith.constant", 0, NULL, 1, &like, 1, &value, 0, NULL), 0);
}

/* The 32-bit words of Philox live in i64 lanes (values in [0, 2^32)): the
 * 32 x 32-bit product is exact in 64 bits, its halves are a mask and a
 * logical shift, and keep/drop is a signed compare of non-negatives. */
typedef struct {
  MlirValue c[4];
  MlirType type;
} Words;

static MlirValue lo(AttnBuilder *b, const Words *w, MlirValue x) {
  return attnAndI(b, x, splatI64(b, w->type, low32));
}

static MlirValue hi(AttnBuilder *b, const Words *w, MlirValue x) {
  return attnBinary(b, "arith.shrui", x, splatI64(b, w->type, 32));
}

static void philoxRound(AttnBuilder *b, Words *w, uint64_t k0, uint64_t k1) {
  MlirValue p0 = attnMulI(b, w->c[0], splatI64(b, w->type, philoxM0));
  MlirValue p1 = attnMulI(b, w->c[2], splatI64(b, w->type, philoxM1));
  MlirValue x0 = attnBinary(b, "arith.xori", hi(b, w, p1), w->c[1]);
  MlirValue x2 = attnBinary(b, "arith.xori", hi(b, w, p0), w->c[3]);
  w->c[0] = attnBinary(b, "arith.xori", x0, splatI64(b, w->type, k0));
  w->c[1] = lo(b, w, p1);
  w->c[2] = attnBinary(b, "arith.xori", x2, splatI64(b, w->type, k1));
  w->c[3] = lo(b, w, p0);
}

MlirValue attnDropoutScale(AttnBuilder *b, const AttnDropout *d, MlirValue bh, MlirValue queries,
                           MlirValue keys) {
  MlirType idxTile = mlirValueGetType(queries);
  int64_t shape[2] = {mlirShapedTypeGetDimSize(idxTile, 0), mlirShapedTypeGetDimSize(idxTile, 1)};
  MlirType i64Tile = mlirVectorTypeGet(2, shape, attnIntType(b, 64));
  MlirType f32Tile = mlirVectorTypeGet(2, shape, attnF32Type(b));
  uint64_t seed = (uint64_t)d->seed, offset = (uint64_t)d->offset;
  Words w;
  w.type = i64Tile;
  w.c[0] = attnIndexCast(b, keys, i64Tile);
  w.c[1] = attnIndexCast(b, queries, i64Tile);
  w.c[2] = attnBroadcast(b, attnIndexCast(b, bh, attnIntType(b, 64)), i64Tile);
  w.c[3] = splatI64(b, i64Tile, offset & low32);
  uint64_t k0 = seed & low32, k1 = ((seed >> 32) ^ (offset >> 32)) & low32;
  for (int r = 0; r < philoxRounds; ++r) {
    philoxRound(b, &w, k0, k1);
    k0 = (k0 + philoxW0) & low32;
    k1 = (k1 + philoxW1) & low32;
  }
  uint64_t threshold = (uint64_t)floor(d->p * 4294967296.0);
  MlirValue keep = attnCmpI(b, ATTN_CMPI_SGE, w.c[0], splatI64(b, i64Tile, threshold));
  return attnSelect(b, keep, attnConstSplatF(b, f32Tile, 1.0 / (1.0 - d->p)),
                    attnConstSplatF(b, f32Tile, 0.0));
}
