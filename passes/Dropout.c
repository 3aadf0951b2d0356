/*===- Dropout.c - dropout masks in the kernel IR -------------------------===*/

#include "Dropout.h"
#include "PassUtil.h"

#include "mlir-c/BuiltinAttributes.h"
#include "mlir-c/BuiltinTypes.h"

#include <math.h>
#include <string.h>

/* Philox4x32's multipliers and Weyl key increments (Salmon et al., SC'11). */
static const uint64_t philoxM0 = 0xD2511F53u, philoxM1 = 0xCD9E8D57u;
static const uint64_t philoxW0 = 0x9E3779B9u, philoxW1 = 0xBB67AE85u;
static const uint64_t low32 = 0xFFFFFFFFu;
enum { philoxRounds = 10 };

AttnDropout attnReadDropout(MlirOperation op) {
  AttnDropout d = {0.0, 0, 0, false};
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
  d.runtime = !mlirValueIsNull(attnOpRngState(op));
  return d;
}

MlirType attnRngStateMemRefType(MlirContext ctx) {
  return attnStridedMemRefType(ctx, 1, 2, false, mlirIntegerTypeGet(ctx, 64));
}

AttnDropoutState attnLoadDropoutState(AttnBuilder *b, MlirValue rng) {
  AttnDropoutState st = {{NULL}, {NULL}};
  if (mlirValueIsNull(rng))
    return st;
  MlirValue i0 = attnConstIndex(b, 0), i1 = attnConstIndex(b, 1);
  st.seed = attnLoad(b, rng, 1, &i0);
  st.offset = attnLoad(b, rng, 1, &i1);
  return st;
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


/* A scalar i64 constant. */
static MlirValue constI64(AttnBuilder *b, uint64_t v) {
  MlirType i64 = attnIntType(b, 64);
  MlirNamedAttribute value = attnNamedAttr(b, "value", mlirIntegerAttrGet(i64, (int64_t)v));
  return mlirOperationGetResult(
      attnBuildOp(b, "arith.constant", 0, NULL, 1, &i64, 1, &value, 0, NULL), 0);
}

/* The key words (k0, k1) of round r and the counter's last word: splat
 * constants when seed and offset are the attributes, else scalar i64
 * arithmetic on the loaded seed and offset, broadcast to the tile (GPU
 * lowerings keep those scalars uniform: one per program, not per lane). */
typedef struct {
  bool dynamic;
  uint64_t k0, k1;       /* constant keys */
  MlirValue dk0, dk1;    /* run-time keys (scalars) */
} Keys;

static Keys initialKeys(AttnBuilder *b, const AttnDropout *d, const AttnDropoutState *st,
                        MlirValue *c3, MlirType tile) {
  Keys k;
  memset(&k, 0, sizeof(k));
  if (!st || mlirValueIsNull(st->seed)) {
    uint64_t seed = (uint64_t)d->seed, offset = (uint64_t)d->offset;
    *c3 = splatI64(b, tile, offset & low32);
    k.k0 = seed & low32;
    k.k1 = ((seed >> 32) ^ (offset >> 32)) & low32;
    return k;
  }
  MlirValue mask = constI64(b, low32), c32 = constI64(b, 32);
  k.dynamic = true;
  *c3 = attnBroadcast(b, attnAndI(b, st->offset, mask), tile);
  k.dk0 = attnAndI(b, st->seed, mask);
  /* Both shifted words are below 2^32, and so is their xor. */
  k.dk1 = attnBinary(b, "arith.xori", attnBinary(b, "arith.shrui", st->seed, c32),
                     attnBinary(b, "arith.shrui", st->offset, c32));
  return k;
}

static MlirValue roundKey(AttnBuilder *b, const Keys *k, int which, MlirType tile) {
  if (!k->dynamic)
    return splatI64(b, tile, which ? k->k1 : k->k0);
  return attnBroadcast(b, which ? k->dk1 : k->dk0, tile);
}

static void philoxRound(AttnBuilder *b, Words *w, const Keys *k) {
  MlirValue p0 = attnMulI(b, w->c[0], splatI64(b, w->type, philoxM0));
  MlirValue p1 = attnMulI(b, w->c[2], splatI64(b, w->type, philoxM1));
  MlirValue x0 = attnBinary(b, "arith.xori", hi(b, w, p1), w->c[1]);
  MlirValue x2 = attnBinary(b, "arith.xori", hi(b, w, p0), w->c[3]);
  w->c[0] = attnBinary(b, "arith.xori", x0, roundKey(b, k, 0, w->type));
  w->c[1] = lo(b, w, p1);
  w->c[2] = attnBinary(b, "arith.xori", x2, roundKey(b, k, 1, w->type));
  w->c[3] = lo(b, w, p0);
}

static void bumpKeys(AttnBuilder *b, Keys *k) {
  if (!k->dynamic) {
    k->k0 = (k->k0 + philoxW0) & low32;
    k->k1 = (k->k1 + philoxW1) & low32;
    return;
  }
  MlirValue mask = constI64(b, low32);
  k->dk0 = attnAndI(b, attnAddI(b, k->dk0, constI64(b, philoxW0)), mask);
  k->dk1 = attnAndI(b, attnAddI(b, k->dk1, constI64(b, philoxW1)), mask);
}

MlirValue attnDropoutScale(AttnBuilder *b, const AttnDropout *d, const AttnDropoutState *st,
                           MlirValue bh, MlirValue queries, MlirValue keys) {
  MlirType idxTile = mlirValueGetType(queries);
  int64_t shape[2] = {mlirShapedTypeGetDimSize(idxTile, 0), mlirShapedTypeGetDimSize(idxTile, 1)};
  MlirType i64Tile = mlirVectorTypeGet(2, shape, attnIntType(b, 64));
  MlirType f32Tile = mlirVectorTypeGet(2, shape, attnF32Type(b));
  Words w;
  w.type = i64Tile;
  w.c[0] = attnIndexCast(b, keys, i64Tile);
  w.c[1] = attnIndexCast(b, queries, i64Tile);
  w.c[2] = attnBroadcast(b, attnIndexCast(b, bh, attnIntType(b, 64)), i64Tile);
  Keys k = initialKeys(b, d, st, &w.c[3], i64Tile);
  for (int r = 0; r < philoxRounds; ++r) {
    philoxRound(b, &w, &k);
    if (r + 1 < philoxRounds)
      bumpKeys(b, &k);
  }
  uint64_t threshold = (uint64_t)floor(d->p * 4294967296.0);
  MlirValue keep = attnCmpI(b, ATTN_CMPI_SGE, w.c[0], splatI64(b, i64Tile, threshold));
  return attnSelect(b, keep, attnConstSplatF(b, f32Tile, 1.0 / (1.0 - d->p)),
                    attnConstSplatF(b, f32Tile, 0.0));
}
