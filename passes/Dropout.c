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

/* A splat constant of `like`'s element type (i32 or i64) shaped like `like`. */
static MlirValue splatInt(AttnBuilder *b, MlirType like, uint64_t v) {
  MlirType elem = mlirShapedTypeGetElementType(like);
  MlirAttribute a = mlirDenseElementsAttrSplatGet(like, mlirIntegerAttrGet(elem, (int64_t)v));
  MlirNamedAttribute value = attnNamedAttr(b, "value", a);
  return mlirOperationGetResult(
      attnBuildOp(b, "arith.constant", 0, NULL, 1, &like, 1, &value, 0, NULL), 0);
}

/* An i32 splat of a 32-bit word (the attribute takes it as a signed i32). */
static MlirValue splatWord(AttnBuilder *b, MlirType tile, uint64_t word) {
  return splatInt(b, tile, (uint64_t)(int32_t)(uint32_t)word);
}

/* The four 32-bit words of Philox, one i32 tile each (wide: the same shape
 * in i64, for the products' high halves). i32 words, not i64 lanes holding
 * 32-bit values: the state then takes one register per element on the GPUs,
 * not two (with i64 lanes the forward took all 256 VGPRs on gfx942 at D = 64
 * and the dK/dV kernels spilled on sm_90a). */
typedef struct {
  MlirValue c[4];
  MlirType type, wide;
} Words;

/* The high 32 bits of the 32 x 32-bit product x * m: widened, multiplied,
 * shifted and truncated, the pattern LLVM selects as one mul.hi.u32 /
 * v_mul_hi_u32 (and that the CPU computes exactly in 64 bits). */
static MlirValue mulHi(AttnBuilder *b, const Words *w, MlirValue x, uint64_t m) {
  MlirValue wide = attnOp1(b, "arith.extui", 1, &x, w->wide);
  MlirValue p = attnMulI(b, wide, splatInt(b, w->wide, m));
  MlirValue h = attnBinary(b, "arith.shrui", p, splatInt(b, w->wide, 32));
  return attnOp1(b, "arith.trunci", 1, &h, w->type);
}

/* The key words (k0, k1) of round r and the counter's last word: splat
 * constants when seed and offset are the attributes, else scalar i32
 * arithmetic on the loaded seed and offset (the words are 32-bit, and i32
 * adds wrap exactly mod 2^32), broadcast to the tile. The scalars are
 * uniform per program; GPU compilers hoist the ten rounds' keys out of the
 * KV loops, and i32 keeps that at 20 registers, not 40 (sm_90a's causal
 * dK/dV kernel at D = 64 spilled with i64 keys). */
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

/* x, its defining op marked `attn.per_iteration` (docs/kernel-ir.md): a
 * uniform scalar the kernel IR computes in each KV iteration, which the GPU
 * lowerings keep there (AttnGpuTarget.perIteration). Hoisted out of the loop
 * by LLVM, a scalar broadcast to the lane's elements stays one register per
 * element: on AMD, one SGPR each, 553 of them spilled to VGPR lanes in the
 * gfx942 forward at D = 128 with run-time seeds. */
static MlirValue perIteration(AttnBuilder *b, MlirValue x) {
  if (mlirValueIsAOpResult(x))
    attnSetAttr(mlirOpResultGetOwner(x), "attn.per_iteration", mlirUnitAttrGet(b->ctx));
  return x;
}

static Keys initialKeys(AttnBuilder *b, const AttnDropout *d, const AttnDropoutState *st,
                        MlirValue *c3, MlirType tile) {
  Keys k;
  memset(&k, 0, sizeof(k));
  if (!st || mlirValueIsNull(st->seed)) {
    uint64_t seed = (uint64_t)d->seed, offset = (uint64_t)d->offset;
    *c3 = splatWord(b, tile, offset & low32);
    k.k0 = seed & low32;
    k.k1 = ((seed >> 32) ^ (offset >> 32)) & low32;
    return k;
  }
  MlirType i64 = attnIntType(b, 64);
  MlirNamedAttribute value = attnNamedAttr(b, "value", mlirIntegerAttrGet(i64, 32));
  MlirValue c32 = mlirOperationGetResult(
      attnBuildOp(b, "arith.constant", 0, NULL, 1, &i64, 1, &value, 0, NULL), 0);
  k.dynamic = true;
  *c3 = attnBroadcast(b, perIteration(b, toI32(b, st->offset)), tile);
  k.dk0 = perIteration(b, toI32(b, st->seed));
  k.dk1 = perIteration(
      b, toI32(b, attnBinary(b, "arith.xori", attnBinary(b, "arith.shrui", st->seed, c32),
                             attnBinary(b, "arith.shrui", st->offset, c32))));
  return k;
}

static MlirValue roundKey(AttnBuilder *b, const Keys *k, int which, MlirType tile) {
  if (!k->dynamic)
    return splatWord(b, tile, which ? k->k1 : k->k0);
  return attnBroadcast(b, which ? k->dk1 : k->dk0, tile);
}

static void philoxRound(AttnBuilder *b, Words *w, const Keys *k) {
  MlirValue lo0 = attnMulI(b, w->c[0], splatWord(b, w->type, philoxM0));
  MlirValue lo1 = attnMulI(b, w->c[2], splatWord(b, w->type, philoxM1));
  MlirValue x0 = attnBinary(b, "arith.xori", mulHi(b, w, w->c[2], philoxM1), w->c[1]);
  MlirValue x2 = attnBinary(b, "arith.xori", mulHi(b, w, w->c[0], philoxM0), w->c[3]);
  w->c[0] = attnBinary(b, "arith.xori", x0, roundKey(b, k, 0, w->type));
  w->c[1] = lo1;
  w->c[2] = attnBinary(b, "arith.xori", x2, roundKey(b, k, 1, w->type));
  w->c[3] = lo0;
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
  MlirType i32Tile = mlirVectorTypeGet(2, shape, attnIntType(b, 32));
  MlirType f32Tile = mlirVectorTypeGet(2, shape, attnF32Type(b));
  Words w;
  w.type = i32Tile;
  w.wide = mlirVectorTypeGet(2, shape, attnIntType(b, 64));
  /* Counter words: key and query index and (batch, head), each below 2^31
   * (the verifiers bound every dim), so index_cast to i32 is exact. */
  w.c[0] = attnIndexCast(b, keys, i32Tile);
  w.c[1] = attnIndexCast(b, queries, i32Tile);
  w.c[2] = attnBroadcast(b, perIteration(b, attnIndexCast(b, bh, attnIntType(b, 32))), i32Tile);
  Keys k = initialKeys(b, d, st, &w.c[3], i32Tile);
  for (int r = 0; r < philoxRounds; ++r) {
    philoxRound(b, &w, &k);
    if (r + 1 < philoxRounds)
      bumpKeys(b, &k);
  }
  /* Keep when the first output word, an unsigned 32-bit number, is at least
   * p * 2^32 (p < 1, so the threshold fits in 32 bits). */
  uint64_t threshold = (uint64_t)floor(d->p * 4294967296.0);
  MlirValue keep = attnCmpI(b, ATTN_CMPI_UGE, w.c[0], splatWord(b, i32Tile, threshold));
  return attnSelect(b, keep, attnConstSplatF(b, f32Tile, 1.0 / (1.0 - d->p)),
                    attnConstSplatF(b, f32Tile, 0.0));
}
