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

/* The key words (k0, k1) of round r and the counter's last word: splat
 * constants when seed and offset are the attributes, else scalar i32
 * arithmetic on the loaded seed and offset (the words are 32-bit, and i32
 * adds wrap exactly mod 2^32), widened to i64 and broadcast to the tile.
 * The scalars are uniform per program; GPU compilers hoist the ten rounds'
 * keys out of the KV loops, and i32 keeps that at 20 registers, not 40
 * (sm_90a's causal dK/dV kernel at D = 64 spilled with i64 keys). */
typedef struct {
  bool dynamic;
  uint64_t k0, k1;    /* constant keys */
  MlirValue dk0, dk1; /* run-time keys (i32 scalars) */
} Keys;

static MlirValue toI32(AttnBuilder *b, MlirValue x) {
  return attnOp1(b, "arith.trunci", 1, &x, attnIntType(b, 32));
}

static MlirValue constI32(AttnBuilder *b, uint64_t v) {
  MlirType i32 = attnIntType(b, 32);
  MlirNamedAttribute value =
      attnNamedAttr(b, "value", mlirIntegerAttrGet(i32, (int64_t)(int32_t)(uint32_t)v));
  return mlirOperationGetResult(
      attnBuildOp(b, "arith.constant", 0, NULL, 1, &i32, 1, &value, 0, NULL), 0);
}

/* An i32 word as an i64 lane value in [0, 2^32). */
static MlirValue wordTile(AttnBuilder *b, MlirValue word, MlirType tile) {
  MlirValue wide = attnOp1(b, "arith.extui", 1, &word, attnIntType(b, 64));
  return attnBroadcast(b, wide, tile);
}

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
  MlirType i64 = attnIntType(b, 64);
  MlirNamedAttribute value = attnNamedAttr(b, "value", mlirIntegerAttrGet(i64, 32));
  MlirValue c32 = mlirOperationGetResult(
      attnBuildOp(b, "arith.constant", 0, NULL, 1, &i64, 1, &value, 0, NULL), 0);
  k.dynamic = true;
  *c3 = wordTile(b, toI32(b, st->offset), tile);
  k.dk0 = toI32(b, st->seed);
  k.dk1 = toI32(b, attnBinary(b, "arith.xori", attnBinary(b, "arith.shrui", st->seed, c32),
                              attnBinary(b, "arith.shrui", st->offset, c32)));
  return k;
}

static MlirValue roundKey(AttnBuilder *b, const Keys *k, int which, MlirType tile) {
  if (!k->dynamic)
    return splatI64(b, tile, which ? k->k1 : k->k0);
  return wordTile(b, which ? k->dk1 : k->dk0, tile);
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
  k->dk0 = attnAddI(b, k->dk0, constI32(b, philoxW0));
  k->dk1 = attnAddI(b, k->dk1, constI32(b, philoxW1));
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
