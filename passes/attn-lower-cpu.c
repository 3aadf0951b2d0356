/*===- attn-lower-cpu.c - kernel IR -> host vector code ---------------------===*
 *
 * Rewrites every kernel function (func.func with attn.kernel, as emitted by
 * attn-online-softmax) into code shaped for a CPU core: the BLOCK_M query rows
 * of the tile live in the SIMD lanes (BLOCK_M = 16 is one zmm of f32), and a
 * tile value vector<BM x C> becomes C columns of vector<BM>:
 *
 *   - tile values that must exist in memory (matmul results, values used
 *     twice, loop-carried accumulators) live in stack buffers
 *     memref<C x BM x T>, one row per column, so every column is one aligned
 *     vector load;
 *   - element-wise chains (scale, softcap, masks, alibi, exp2) are not
 *     materialized: they are evaluated column by column inside the loop of
 *     their consumer (a row reduction, a matmul accumulator, a store);
 *   - a row reduction (vector.multi_reduction over the columns) is an
 *     element-wise max/add across columns: no horizontal reductions;
 *   - a tile matmul (vector.contract) becomes a register-blocked micro-kernel:
 *     NR vector accumulators, each updated by a broadcast scalar of the K/V
 *     operand times a column of the lane-major operand (one FMA with an
 *     embedded broadcast on AVX-512);
 *   - math.exp2 becomes a polynomial (the LLVM intrinsic is a scalar libm call
 *     per lane on x86).
 *
 * Rows of a K/V tile outside the tensor (in_bounds = false) are read as the
 * transfer's padding through a clamped address; rows the kernel IR proved in
 * bounds are read unchecked. A K/V tile read through a block table is a chain
 * of vector.insert_strided_slice of such reads (one per cache block); it is
 * packed piece by piece. attn.mla's V tile is a vector.extract_strided_slice
 * of the first columns of its K tile: the PV matmul reads the K tile's
 * packed buffer (packed once per KV tile, for the QK^T matmul), so the
 * latent rows are read and converted once. fp8 tiles (docs/fp8.md) are decoded
 * from their bits (LLVM has no fp8 types): K/V while packed, Q once per program.
 * Values of other shapes (scalars, row vectors
 * vector<BM>) are copied unchanged. Anything in a kernel that does not fit
 * these forms is reported with its location.
 *
 *===----------------------------------------------------------------------===*/

#include "Builder.h"
#include "KernelIR.h"
#include "PassUtil.h"
#include "Passes.h"

#include "mlir-c/BuiltinAttributes.h"
#include "mlir-c/BuiltinTypes.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const passName = "attn-lower-cpu";

/*===--- How each kernel-IR value is represented after the rewrite ---------===*/

typedef enum {
  REP_PLAIN,   /* not a tile: `value` is the rewritten value */
  REP_BUFFER,  /* tile in memory: `buffer` = memref<C x BM x T> */
  REP_LAZY,    /* tile computed per column from `def` (an op of the old IR) */
  REP_OPERAND, /* K/V tile: read element-wise by the matmul from `mem` */
  REP_PIECES,  /* K/V tile assembled from OPERAND pieces: `def` is the last
                  vector.insert_strided_slice of the chain (paged caches) */
  REP_COLUMNS, /* the first columns of an OPERAND / PIECES tile `source`
                  (vector.extract_strided_slice: attn.mla's V in its K tile) */
} RepKind;

typedef struct {
  RepKind kind;
  MlirValue value, buffer;
  MlirOperation def;
  MlirValue source;      /* COLUMNS: the tile it is a prefix of */
  MlirValue packed;      /* OPERAND / PIECES: the f32 buffer once a matmul packed it */
  int packedEpoch;       /* valid while the scratch pool is not released (reusePack) */
  MlirBlock packedBlock; /* the block the pack was built in */
  bool materialize;      /* LAZY that must be stored once computed */
  bool intInF32;         /* BUFFER of SAGE's i8 x i8 -> i32 matmul, held as f32 (exact) */
  /* OPERAND: the transfer_read it came from. */
  MlirValue mem, idx[4];
  intptr_t rank;
  int rowDim, colDim;
  bool rowsInBounds;
  MlirValue pad;
} Rep;

typedef struct {
  const void *keys[64];
  MlirValue values[64];
  int count;
  bool active;
} ColumnCache;

typedef struct {
  MlirType type;
  MlirValue buffer;
  bool busy;
} PoolEntry;

typedef struct {
  MlirContext ctx;
  int64_t bm;
  MlirOperation anchor; /* allocas go before it (top of the kernel) */
  MlirBlock anchorBlock;
  AttnValueMap map;
  ColumnCache cache;
  PoolEntry pool[32];
  int poolCount;
  int scratchEpoch; /* bumped whenever the pool is released */
  bool failed, outOfMemory;
} Lower;

static Rep *mapFind(AttnValueMap *m, MlirValue v) { return attnValueMapFind(m, v); }

static Rep *mapPut(Lower *L, MlirValue v, Rep rep) {
  Rep *r = attnValueMapPut(&L->map, v, &rep);
  if (!r)
    L->outOfMemory = L->failed = true;
  return r;
}

/*===--- Diagnostics and small queries ---------------------------------------===*/

static void fail(Lower *L, MlirOperation op, const char *message) {
  if (!L->failed)
    attnEmitOpError(op, passName, message);
  L->failed = true;
}

static bool isOp(MlirOperation op, const char *name) {
  return !mlirOperationIsNull(op) && attnIsOp(op, name);
}

static bool isTileType(MlirType t) { return mlirTypeIsAVector(t) && mlirShapedTypeGetRank(t) == 2; }
static bool isTile(MlirValue v) { return isTileType(mlirValueGetType(v)); }
static int64_t dimOf(MlirValue v, intptr_t i) {
  return mlirShapedTypeGetDimSize(mlirValueGetType(v), i);
}
static MlirType elemOf(MlirValue v) { return mlirShapedTypeGetElementType(mlirValueGetType(v)); }

static MlirOperation defOf(MlirValue v) {
  return mlirValueIsAOpResult(v) ? mlirOpResultGetOwner(v) : attnNullOp();
}

static int numUses(MlirValue v) {
  int n = 0;
  for (MlirOpOperand u = mlirValueGetFirstUse(v); !mlirOpOperandIsNull(u);
       u = mlirOpOperandGetNextUse(u))
    ++n;
  return n;
}

static MlirAttribute inherent(MlirOperation op, const char *name) {
  return mlirOperationGetInherentAttributeByName(op, mlirStringRefCreateFromCString(name));
}

static MlirType vecBM(Lower *L, MlirType elem) { return mlirVectorTypeGet(1, &L->bm, elem); }

static MlirValue cIdx(AttnBuilder *b, int64_t v) { return attnConstIndex(b, v); }

/*===--- Buffers -------------------------------------------------------------===*/

/* memref<cols x BM x elem> on the stack at the top of the kernel, 64-byte
 * aligned so every column is one aligned vector. */
static MlirValue allocaOf(Lower *L, MlirType type) {
  AttnBuilder b = {L->ctx, mlirOperationGetLocation(L->anchor), L->anchorBlock, L->anchor};
  MlirNamedAttribute align =
      attnNamedAttr(&b, "alignment", mlirIntegerAttrGet(attnIntType(&b, 64), 64));
  int32_t seg[2] = {0, 0};
  MlirNamedAttribute attrs[2] = {
      align, attnNamedAttr(&b, "operandSegmentSizes", mlirDenseI32ArrayGet(L->ctx, 2, seg))};
  MlirOperation op = attnBuildOp(&b, "memref.alloca", 0, NULL, 1, &type, 2, attrs, 0, NULL);
  return mlirOperationGetResult(op, 0);
}

static MlirType bufferType(int64_t rows, int64_t cols, MlirType elem) {
  int64_t shape[2] = {rows, cols};
  return mlirMemRefTypeContiguousGet(elem, 2, shape, mlirAttributeGetNull());
}

static MlirValue allocaBuffer(Lower *L, int64_t cols, MlirType elem) {
  return allocaOf(L, bufferType(cols, L->bm, elem));
}

/* Scratch buffers for tile values local to one loop body: reused by the next
 * body, so the three KV loops share one set and the set stays in L1. */
static MlirValue scratchOf(Lower *L, MlirType type) {
  for (int i = 0; i < L->poolCount; ++i)
    if (!L->pool[i].busy && mlirTypeEqual(L->pool[i].type, type)) {
      L->pool[i].busy = true;
      return L->pool[i].buffer;
    }
  MlirValue buf = allocaOf(L, type);
  if (L->poolCount < (int)(sizeof(L->pool) / sizeof(L->pool[0])))
    L->pool[L->poolCount++] = (PoolEntry){type, buf, true};
  return buf;
}

static MlirValue scratchBuffer(Lower *L, int64_t cols, MlirType elem) {
  return scratchOf(L, bufferType(cols, L->bm, elem));
}

static void releaseScratch(Lower *L) {
  for (int i = 0; i < L->poolCount; ++i)
    L->pool[i].busy = false;
  ++L->scratchEpoch;
}

static MlirValue loadColumn(Lower *L, AttnBuilder *b, MlirValue buffer, MlirValue n) {
  MlirValue operands[3] = {buffer, n, cIdx(b, 0)};
  MlirType elem = mlirShapedTypeGetElementType(mlirValueGetType(buffer));
  return attnOp1(b, "vector.load", 3, operands, vecBM(L, elem));
}

static void storeColumn(AttnBuilder *b, MlirValue value, MlirValue buffer, MlirValue n) {
  MlirValue operands[4] = {value, buffer, n, cIdx(b, 0)};
  attnBuildOp(b, "vector.store", 4, operands, 0, NULL, 0, NULL, 0, NULL);
}

/*===--- exp2 as a polynomial ------------------------------------------------===*/

static MlirValue constLike(AttnBuilder *b, MlirType like, double v) {
  if (mlirTypeIsAVector(like))
    return attnConstSplatF(b, like, v);
  return attnConstF32(b, v);
}

static MlirType sameShape(MlirType like, MlirType elem) {
  if (!mlirTypeIsAVector(like))
    return elem;
  int64_t shape[2];
  intptr_t rank = mlirShapedTypeGetRank(like);
  for (intptr_t i = 0; i < rank && i < 2; ++i)
    shape[i] = mlirShapedTypeGetDimSize(like, i);
  return mlirVectorTypeGet(rank, shape, elem);
}

static MlirValue constIntLike(AttnBuilder *b, MlirType like, int64_t v) {
  MlirType elem = mlirTypeIsAVector(like) ? mlirShapedTypeGetElementType(like) : like;
  MlirAttribute a = mlirIntegerAttrGet(elem, v);
  if (mlirTypeIsAVector(like))
    a = mlirDenseElementsAttrSplatGet(like, a);
  MlirNamedAttribute value = attnNamedAttr(b, "value", a);
  MlirOperation op = attnBuildOp(b, "arith.constant", 0, NULL, 1, &like, 1, &value, 0, NULL);
  return mlirOperationGetResult(op, 0);
}

/* 2^x for f32: x = n + f with n = round(x), |f| <= 1/2; 2^f by its Taylor
 * polynomial of degree 7 (relative error < 2e-8 on [-1/2, 1/2]) and 2^n
 * built in the exponent bits. x is clamped to [-127, 127]: n = -127 makes
 * the scale +0, so exp2(-inf) and anything below 2^-126 give exactly 0,
 * which fully masked keys rely on. NaN stays NaN. */
static MlirValue emitExp2(AttnBuilder *b, MlirValue x) {
  MlirType t = mlirValueGetType(x);
  MlirType i32 = sameShape(t, attnIntType(b, 32));
  x = attnBinary(b, "arith.maximumf", x, constLike(b, t, -127.0));
  x = attnBinary(b, "arith.minimumf", x, constLike(b, t, 127.0));
  MlirValue n = attnUnary(b, "math.roundeven", x);
  MlirValue f = attnSubF(b, x, n);
  static const double c[8] = {1.0,
                              0.69314718055994531,
                              0.24022650695910071,
                              0.055504108664821580,
                              0.0096181291076284772,
                              0.0013333558146428443,
                              0.00015403530393381609,
                              0.000015252733804059841};
  MlirValue p = constLike(b, t, c[7]);
  for (int k = 6; k >= 0; --k) {
    MlirValue operands[3] = {p, f, constLike(b, t, c[k])};
    p = attnOp1(b, "math.fma", 3, operands, t);
  }
  MlirValue ni = attnOp1(b, "arith.fptosi", 1, &n, i32);
  MlirValue bits = attnBinary(b, "arith.shli", attnAddI(b, ni, constIntLike(b, i32, 127)),
                              constIntLike(b, i32, 23));
  MlirValue scale = attnOp1(b, "arith.bitcast", 1, &bits, t);
  return attnMulF(b, p, scale);
}

/*===--- Element-wise ops ----------------------------------------------------===*/

/* The CPU lowering takes block masks, so also mask_mod's integer ops. */
static bool isElementwise(MlirOperation op) { return attnIsMaskModElementwise(op); }

/* Re-creates the element-wise `op` on new operands with result type `type`,
 * keeping its inherent attributes (predicate, fastmath, ...). math.exp2 on
 * f32 becomes the polynomial. */
/* arith.extf from an fp8 type: the dequantization of an fp8 tile after
 * its load (docs/fp8.md). LLVM has no fp8 types, so the CPU decodes the
 * bits (attnDecodeFp8) where the values are converted anyway: when a K/V
 * tile is packed, or a Q column is read. */
static bool isFp8Extf(MlirOperation op) {
  if (!attnIsOp(op, "arith.extf"))
    return false;
  MlirType t = mlirValueGetType(mlirOperationGetOperand(op, 0));
  return attnIsFp8Type(mlirTypeIsAShaped(t) ? mlirShapedTypeGetElementType(t) : t);
}

static MlirValue emitElementwise(AttnBuilder *b, MlirOperation op, const MlirValue *operands,
                                 MlirType type) {
  if (isFp8Extf(op))
    return attnConvertFromFp8(b, operands[0], type);
  /* arith.truncf to fp8 (the AMD tilings' P, docs/fp8.md): encoded with
   * integer ops, the inverse of the decoding above */
  MlirType elem = mlirTypeIsAVector(type) ? mlirShapedTypeGetElementType(type) : type;
  if (attnIsOp(op, "arith.truncf") && attnIsFp8Type(elem))
    return attnEncodeFp8(b, operands[0], elem);
  if (attnIsOp(op, "math.exp2") &&
      mlirTypeIsAF32(mlirTypeIsAVector(type) ? mlirShapedTypeGetElementType(type) : type))
    return emitExp2(b, operands[0]);
  return attnRebuildElementwise(b, op, operands, type);
}

/*===--- Plain values --------------------------------------------------------===*/

static MlirValue plain(Lower *L, MlirOperation user, MlirValue old) {
  Rep *r = mapFind(&L->map, old);
  if (r && r->kind == REP_PLAIN)
    return r->value;
  fail(L, user,
       r ? "uses a tile value where the CPU lowering expects a scalar or row vector"
         : "uses a value the CPU lowering has not seen (unsupported kernel IR)");
  return attnNullValue();
}

/*===--- Column evaluation ---------------------------------------------------===*/

static MlirValue column(Lower *L, AttnBuilder *b, MlirValue old, MlirValue n, bool store);

/* Element n of a 1-D vector along the columns of a tile (index vectors of
 * key positions): step -> n, broadcast -> the scalar, element-wise -> the
 * scalar op; anything else is extracted. */
static MlirValue element(Lower *L, AttnBuilder *b, MlirValue old, MlirValue n) {
  MlirOperation def = defOf(old);
  if (isOp(def, "vector.step"))
    return n;
  if (isOp(def, "vector.broadcast") &&
      !mlirTypeIsAVector(mlirValueGetType(mlirOperationGetOperand(def, 0))))
    return plain(L, def, mlirOperationGetOperand(def, 0));
  if (!mlirOperationIsNull(def) && isElementwise(def) && !attnIsOp(def, "math.exp2")) {
    MlirValue ops[3];
    intptr_t k = mlirOperationGetNumOperands(def);
    for (intptr_t i = 0; i < k && i < 3; ++i)
      ops[i] = element(L, b, mlirOperationGetOperand(def, i), n);
    return emitElementwise(b, def, ops, elemOf(old));
  }
  MlirValue vec = plain(L, def, old);
  if (L->failed)
    return attnNullValue();
  /* vector.extract %v[%n] */
  int64_t dynPos = mlirShapedTypeGetDynamicSize();
  MlirValue operands[2] = {vec, n};
  MlirNamedAttribute pos =
      attnNamedAttr(b, "static_position", mlirDenseI64ArrayGet(L->ctx, 1, &dynPos));
  MlirType t = elemOf(old);
  MlirOperation op = attnBuildOp(b, "vector.extract", 2, operands, 1, &t, 1, &pos, 0, NULL);
  return mlirOperationGetResult(op, 0);
}

static MlirValue cacheLookup(Lower *L, MlirValue old) {
  if (!L->cache.active)
    return attnNullValue();
  for (int i = 0; i < L->cache.count; ++i)
    if (L->cache.keys[i] == old.ptr)
      return L->cache.values[i];
  return attnNullValue();
}

static void cacheStore(Lower *L, MlirValue old, MlirValue v) {
  if (L->cache.active && L->cache.count < 64) {
    L->cache.keys[L->cache.count] = old.ptr;
    L->cache.values[L->cache.count++] = v;
  }
}

/* Column n (vector<BM>) of the tile `old`. With `store`, lazy values marked
 * for materialization are also written to their buffer (the caller's loop
 * covers every column, so the buffer is complete afterwards). */
static MlirValue columnUncached(Lower *L, AttnBuilder *b, MlirValue old, MlirValue n, bool store) {
  Rep *r = mapFind(&L->map, old);
  MlirOperation def = defOf(old);
  if (!r) {
    fail(L, mlirOperationIsNull(def) ? attnNullOp() : def, "has an unsupported tile value");
    return attnNullValue();
  }
  if (r->kind == REP_BUFFER && r->intInF32) {
    fail(L, def,
         "is an integer matmul result read other than by its arith.sitofp (unsupported "
         "on the CPU)");
    return attnNullValue();
  }
  if (r->kind == REP_BUFFER)
    return loadColumn(L, b, r->buffer, n);
  if (r->kind != REP_LAZY) {
    fail(L, def, "reads a K/V tile outside a tile matmul (unsupported on the CPU)");
    return attnNullValue();
  }
  MlirType elem = elemOf(old), colType = vecBM(L, elem);
  MlirValue result = attnNullValue();
  if (isOp(def, "arith.constant")) {
    MlirAttribute value = inherent(def, "value");
    if (!mlirAttributeIsADenseElements(value) || !mlirDenseElementsAttrIsSplat(value)) {
      fail(L, def, "is a non-splat tile constant (unsupported on the CPU)");
      return attnNullValue();
    }
    MlirAttribute splat =
        mlirDenseElementsAttrSplatGet(colType, mlirDenseElementsAttrGetSplatValue(value));
    MlirNamedAttribute a = attnNamedAttr(b, "value", splat);
    result = mlirOperationGetResult(
        attnBuildOp(b, "arith.constant", 0, NULL, 1, &colType, 1, &a, 0, NULL), 0);
  } else if (isOp(def, "vector.broadcast")) {
    MlirValue src = mlirOperationGetOperand(def, 0);
    MlirType st = mlirValueGetType(src);
    if (!mlirTypeIsAVector(st))
      result = attnBroadcast(b, plain(L, def, src), colType);
    else if (mlirShapedTypeGetRank(st) == 1 && dimOf(src, 0) == dimOf(old, 1))
      result = attnBroadcast(b, element(L, b, src, n), colType);
    else
      fail(L, def, "broadcasts in a way the CPU lowering does not support");
  } else if (isOp(def, "vector.transpose")) {
    /* transpose(broadcast(row : vector<BM>) : vector<C x BM>): column = row. */
    MlirOperation inner = defOf(mlirOperationGetOperand(def, 0));
    MlirValue row =
        isOp(inner, "vector.broadcast") ? mlirOperationGetOperand(inner, 0) : attnNullValue();
    if (!mlirValueIsNull(row) && mlirTypeIsAVector(mlirValueGetType(row)) &&
        mlirShapedTypeGetRank(mlirValueGetType(row)) == 1 && dimOf(row, 0) == L->bm)
      result = plain(L, def, row);
    else
      fail(L, def, "transposes a tile that is not a broadcast row vector (unsupported)");
  } else if (isElementwise(def)) {
    MlirValue ops[3];
    intptr_t k = mlirOperationGetNumOperands(def);
    for (intptr_t i = 0; i < k && i < 3 && !L->failed; ++i) {
      MlirValue o = mlirOperationGetOperand(def, i);
      ops[i] = isTile(o) ? column(L, b, o, n, store)
                         : attnBroadcast(b, plain(L, def, o), vecBM(L, mlirValueGetType(o)));
    }
    if (!L->failed)
      result = emitElementwise(b, def, ops, colType);
  } else {
    fail(L, def, "produces a tile the CPU lowering cannot evaluate by columns");
  }
  if (L->failed)
    return attnNullValue();
  if (store && r->materialize) {
    if (mlirValueIsNull(r->buffer))
      r->buffer = scratchBuffer(L, dimOf(old, 1), elem);
    storeColumn(b, result, r->buffer, n);
  }
  return result;
}

static MlirValue column(Lower *L, AttnBuilder *b, MlirValue old, MlirValue n, bool store) {
  MlirValue hit = cacheLookup(L, old);
  if (!mlirValueIsNull(hit))
    return hit;
  MlirValue v = columnUncached(L, b, old, n, store);
  cacheStore(L, old, v);
  return v;
}

/* After a loop that evaluated every column with store = true: values that
 * were stored are buffers from now on. */
static void sealMaterialized(Lower *L) {
  for (size_t i = 0; i < L->map.capacity; ++i) {
    Rep *r = (Rep *)(L->map.payloads + i * L->map.elemSize);
    if (L->map.keys[i] && r->kind == REP_LAZY && r->materialize && !mlirValueIsNull(r->buffer))
      r->kind = REP_BUFFER;
  }
}

/* scf.for over the columns [0, cols) with a fresh column cache. */
static AttnFor beginColumns(Lower *L, AttnBuilder *b, int64_t cols, intptr_t nIter,
                            const MlirValue *inits) {
  AttnFor loop = attnForBegin(b, cIdx(b, 0), cIdx(b, cols), cIdx(b, 1), nIter, inits);
  L->cache.count = 0;
  L->cache.active = true;
  return loop;
}

static void endColumns(Lower *L, AttnBuilder *b, AttnFor *loop, intptr_t n, const MlirValue *y) {
  attnForEnd(b, loop, n, y);
  L->cache.active = false;
  L->cache.count = 0;
  sealMaterialized(L);
}

/* Makes sure `old` lives in a buffer (emitting a column loop if needed). */
static MlirValue bufferOf(Lower *L, AttnBuilder *b, MlirValue old) {
  Rep *r = mapFind(&L->map, old);
  if (r && r->kind == REP_BUFFER)
    return r->buffer;
  if (!r || r->kind != REP_LAZY) {
    fail(L, defOf(old), "is a tile the CPU lowering cannot place in memory");
    return attnNullValue();
  }
  r->materialize = true;
  AttnFor loop = beginColumns(L, b, dimOf(old, 1), 0, NULL);
  column(L, b, old, loop.iv, true);
  endColumns(L, b, &loop, 0, NULL);
  r = mapFind(&L->map, old);
  return r->kind == REP_BUFFER ? r->buffer : attnNullValue();
}

/* Stores every column of `old` into `buffer` (which may be the buffer `old`
 * reads: columns are independent). */
static void copyInto(Lower *L, AttnBuilder *b, MlirValue old, MlirValue buffer) {
  Rep *r = mapFind(&L->map, old);
  if (r && r->kind == REP_BUFFER && mlirValueEqual(r->buffer, buffer))
    return;
  AttnFor loop = beginColumns(L, b, dimOf(old, 1), 0, NULL);
  MlirValue v = column(L, b, old, loop.iv, true);
  if (!L->failed)
    storeColumn(b, v, buffer, loop.iv);
  endColumns(L, b, &loop, 0, NULL);
}

static MlirAffineMap singleDimMapCtx(MlirContext ctx, intptr_t rank, int dim) {
  MlirAffineExpr e = mlirAffineDimExprGet(ctx, dim);
  return mlirAffineMapGet(ctx, rank, 0, 1, &e);
}

/*===--- Tile matmuls ----------------------------------------------------------===*/

/* The largest of 16, 8, 4, 2, 1 dividing n: accumulators per block. */
static int64_t registerBlock(int64_t n) {
  int64_t nr = 16;
  while (nr > 1 && n % nr)
    nr /= 2;
  return nr;
}

/* The columns of a tile `cols` wide that a transfer through a memref whose
 * column dim is `colDim` reaches: all, or the memref's head dim when the
 * tile is padded past it. */
static int64_t validCols(MlirValue mem, int colDim, int64_t cols) {
  int64_t size = mlirShapedTypeGetDimSize(mlirValueGetType(mem), colDim);
  return mlirShapedTypeIsDynamicSize(size) || size > cols ? cols : size;
}

/* Copies the rows of the K/V read `o` into rows [row0, row0 + rows) of the
 * contiguous f32 buffer `pack`, one vector row at a time. */
static void packRows(Lower *L, AttnBuilder *b, const Rep *o, MlirValue pack, int64_t row0,
                     int64_t rows, int64_t cols) {
  MlirType f32 = attnF32Type(b), elem = mlirShapedTypeGetElementType(mlirValueGetType(o->mem));
  AttnFor loop = attnForBegin(b, cIdx(b, 0), cIdx(b, rows), cIdx(b, 1), 0, NULL);
  MlirValue idx[4];
  memcpy(idx, o->idx, sizeof(idx));
  MlirValue row = attnAddI(b, o->idx[o->rowDim], loop.iv), valid = attnNullValue();
  if (!o->rowsInBounds) {
    MlirValue size = attnDim(b, o->mem, o->rowDim);
    valid = attnCmpI(b, ATTN_CMPI_SLT, row, size);
    row = attnMaxSI(b, attnMinSI(b, row, attnSubI(b, size, cIdx(b, 1))), cIdx(b, 0));
  }
  idx[o->rowDim] = row;
  bool inBounds[1] = {validCols(o->mem, o->colDim, cols) == cols};
  MlirValue v = attnTransferRead(b, mlirVectorTypeGet(1, &cols, elem), o->mem, o->rank, idx, o->pad,
                                 singleDimMapCtx(L->ctx, o->rank, o->colDim), inBounds);
  if (!o->rowsInBounds)
    v = attnSelect(b, valid, v, attnBroadcast(b, o->pad, mlirVectorTypeGet(1, &cols, elem)));
  v = attnConvertFromFp8(b, v, mlirVectorTypeGet(1, &cols, f32));
  MlirValue at = row0 ? attnAddI(b, loop.iv, cIdx(b, row0)) : loop.iv;
  MlirValue operands[4] = {v, pack, at, cIdx(b, 0)};
  attnBuildOp(b, "vector.store", 4, operands, 0, NULL, 0, NULL, 0, NULL);
  attnForEnd(b, &loop, 0, NULL);
}

/* Stores the splat f32 `value` into every row of `pack`. */
static void fillRows(AttnBuilder *b, MlirValue pack, int64_t rows, int64_t cols, double value) {
  MlirType rowType = mlirVectorTypeGet(1, &cols, attnF32Type(b));
  MlirValue v = attnConstSplatF(b, rowType, value);
  AttnFor loop = attnForBegin(b, cIdx(b, 0), cIdx(b, rows), cIdx(b, 1), 0, NULL);
  MlirValue operands[4] = {v, pack, loop.iv, cIdx(b, 0)};
  attnBuildOp(b, "vector.store", 4, operands, 0, NULL, 0, NULL, 0, NULL);
  attnForEnd(b, &loop, 0, NULL);
}

/* The row offset at which a vector.insert_strided_slice puts its source. */
static int64_t insertRow(MlirOperation insert) {
  return mlirIntegerAttrGetValueInt(mlirArrayAttrGetElement(inherent(insert, "offsets"), 0));
}

enum { maxPieces = 64 };

/* Packs a K/V tile assembled from pieces (REP_PIECES): the chain of
 * insert_strided_slice is walked back to its constant base, then the pieces
 * are packed in chain order (a later insert wins, as in the kernel IR). The
 * base's splat fills the buffer first only when the pieces leave rows
 * uncovered, which the paged reads never do. */
static void packPieces(Lower *L, AttnBuilder *b, const Rep *chain, MlirValue pack, int64_t rows,
                       int64_t cols) {
  MlirOperation inserts[maxPieces];
  int n = 0;
  MlirOperation op = chain->def;
  for (; isOp(op, "vector.insert_strided_slice") && n < maxPieces;
       op = defOf(mlirOperationGetOperand(op, 1)))
    inserts[n++] = op;
  if (!isOp(op, "arith.constant")) {
    fail(L, chain->def, "assembles a K/V tile from too many pieces (at most 64)");
    return;
  }
  bool covered[1024] = {false}, full = rows <= 1024;
  for (int i = 0; i < n; ++i) {
    MlirValue src = mlirOperationGetOperand(inserts[i], 0);
    for (int64_t r = insertRow(inserts[i]); r < insertRow(inserts[i]) + dimOf(src, 0); ++r)
      if (r < 1024)
        covered[r] = true;
  }
  for (int64_t r = 0; r < rows && full; ++r)
    full = covered[r];
  if (!full)
    fillRows(
        b, pack, rows, cols,
        mlirFloatAttrGetValueDouble(mlirDenseElementsAttrGetSplatValue(inherent(op, "value"))));
  for (int i = n - 1; i >= 0; --i) {
    MlirValue src = mlirOperationGetOperand(inserts[i], 0);
    packRows(L, b, mapFind(&L->map, src), pack, insertRow(inserts[i]), dimOf(src, 0), cols);
  }
}

/* Copies a K/V tile into a contiguous f32 buffer memref<rows x cols>, one
 * vector row at a time. The micro-kernel then addresses every element at a
 * constant offset from one pointer (the tensors' strides are only known at
 * run time), f16/bf16 are converted once, and rows past the tensor become
 * the transfer's padding here instead of in the inner loop. */
static MlirValue packOperand(Lower *L, AttnBuilder *b, const Rep *o, int64_t rows, int64_t cols) {
  MlirValue pack = scratchOf(L, bufferType(rows, cols, attnF32Type(b)));
  if (o->kind == REP_PIECES)
    packPieces(L, b, o, pack, rows, cols);
  else
    packRows(L, b, o, pack, 0, rows, cols);
  return pack;
}

/* A splat constant 0 (integer or float). */
static bool isZeroSplat(MlirValue v) {
  MlirOperation def = defOf(v);
  if (!isOp(def, "arith.constant"))
    return false;
  MlirAttribute a = inherent(def, "value");
  if (!mlirAttributeIsADenseElements(a) || !mlirDenseElementsAttrIsSplat(a))
    return false;
  MlirAttribute e = mlirDenseElementsAttrGetSplatValue(a);
  return mlirAttributeIsAInteger(e) ? mlirIntegerAttrGetValueInt(e) == 0
                                    : mlirFloatAttrGetValueDouble(e) == 0.0;
}

/* SAGE's Q K^T: i8 operands, i32 accumulator. */
static bool isI8xI8ToI32(MlirOperation op) {
  MlirType l = elemOf(mlirOperationGetOperand(op, 0)), r = elemOf(mlirOperationGetOperand(op, 1)),
           a = elemOf(mlirOperationGetOperand(op, 2));
  return mlirTypeIsAInteger(l) && mlirIntegerTypeGetWidth(l) == 8 && mlirTypeIsAInteger(r) &&
         mlirIntegerTypeGetWidth(r) == 8 && mlirTypeIsAInteger(a) &&
         mlirIntegerTypeGetWidth(a) == 32;
}

/* Walks the accumulator's element-wise chain to a buffer that nothing else
 * reads, so the matmul can update it in place. */
static MlirValue inPlaceBuffer(Lower *L, MlirValue acc) {
  for (int depth = 0; depth < 8; ++depth) {
    if (numUses(acc) != 1)
      return attnNullValue();
    Rep *r = mapFind(&L->map, acc);
    if (!r)
      return attnNullValue();
    if (r->kind == REP_BUFFER)
      return r->buffer;
    if (r->kind != REP_LAZY || !isElementwise(r->def))
      return attnNullValue();
    MlirValue next = attnNullValue();
    for (intptr_t i = 0; i < mlirOperationGetNumOperands(r->def); ++i) {
      MlirValue o = mlirOperationGetOperand(r->def, i);
      Rep *ro = mapFind(&L->map, o);
      bool carriesTile =
          isTile(o) && ro &&
          (ro->kind == REP_BUFFER || (ro->kind == REP_LAZY && isElementwise(ro->def)));
      if (!carriesTile)
        continue;
      if (!mlirValueIsNull(next))
        return attnNullValue();
      next = o;
    }
    if (mlirValueIsNull(next))
      return attnNullValue();
    acc = next;
  }
  return attnNullValue();
}

/* The buffer an earlier matmul packed this K/V tile into, while it still
 * holds it: built in the same block, and the scratch pool (which owns the
 * buffer) not released since (a tile-carrying loop in between releases
 * it). attn.mla's PV matmul reads the QK^T matmul's pack this way. */
static MlirValue reusePack(Lower *L, AttnBuilder *b, const Rep *o) {
  if (mlirValueIsNull(o->packed) || o->packedEpoch != L->scratchEpoch ||
      !mlirBlockEqual(o->packedBlock, b->block))
    return attnNullValue();
  return o->packed;
}

/* C[:, x] = acc[:, x] + sum_r A[:, r] * B(x, r), columns x in blocks of NR
 * register accumulators. QK: B(x, r) = K[x][r]; PV: B(x, r) = V[r][x]. */
static void lowerContract(Lower *L, AttnBuilder *b, MlirOperation op) {
  AttnContractForm form = attnContractForm(op);
  MlirValue lhs = mlirOperationGetOperand(op, 0), rhs = mlirOperationGetOperand(op, 1),
            acc = mlirOperationGetOperand(op, 2), res = mlirOperationGetResult(op, 0);
  /* A column prefix of a tile (attn.mla's V) is read from that tile. */
  Rep *rc = mapFind(&L->map, rhs);
  MlirValue tile = rc && rc->kind == REP_COLUMNS ? rc->source : rhs;
  Rep *ro = mapFind(&L->map, tile);
  if (form == ATTN_CONTRACT_OTHER || !ro || (ro->kind != REP_OPERAND && ro->kind != REP_PIECES) ||
      dimOf(lhs, 0) != L->bm || !(mlirTypeIsAF32(elemOf(acc)) || isI8xI8ToI32(op))) {
    fail(L, op,
         "is not a QK^T or PV tile matmul of the kernel IR (f32 accumulator, or i32 for i8 "
         "operands, K/V tile "
         "read by vector.transfer_read, or assembled from such reads by "
         "vector.insert_strided_slice, or the first columns of such a tile, as right "
         "operand)");
    return;
  }
  /* SAGE's Q K^T: i8 x i8 into i32, from 0 (docs/fp8.md). The micro-kernel
   * runs on the exact f32 values of the i8s; every product is an integer
   * below 2^14 and every sum below 2^24 (D <= 576 < 2^24 / 127^2), so f32
   * accumulates exactly what i32 does. */
  bool integer = mlirTypeIsAInteger(elemOf(acc));
  if (integer && !isZeroSplat(acc)) {
    fail(L, op,
         "is an integer tile matmul whose accumulator is not a splat 0 (unsupported on the "
         "CPU)");
    return;
  }
  Rep o = *ro;
  int64_t cols = dimOf(res, 1), depth = dimOf(lhs, 1), nr = registerBlock(cols);
  MlirValue packed = reusePack(L, b, &o);
  if (mlirValueIsNull(packed)) {
    packed = packOperand(L, b, &o, dimOf(tile, 0), dimOf(tile, 1));
    /* Looked up again: packing may have grown the map. */
    Rep *again = mapFind(&L->map, tile);
    if (again) {
      again->packed = packed;
      again->packedEpoch = L->scratchEpoch;
      again->packedBlock = b->block;
    }
  }
  MlirValue a = bufferOf(L, b, lhs);
  MlirValue out = inPlaceBuffer(L, acc);
  if (mlirValueIsNull(out))
    out = scratchBuffer(L, cols, attnF32Type(b));
  if (L->failed)
    return;

  AttnFor blocks = attnForBegin(b, cIdx(b, 0), cIdx(b, cols), cIdx(b, nr), 0, NULL);
  MlirValue accs[16], colIdx[16];
  for (int64_t i = 0; i < nr && !L->failed; ++i) {
    colIdx[i] = attnAddI(b, blocks.iv, cIdx(b, i));
    accs[i] = integer ? attnConstSplatF(b, vecBM(L, attnF32Type(b)), 0.0)
                      : column(L, b, acc, colIdx[i], false);
  }
  if (L->failed)
    return;
  AttnFor red = attnForBegin(b, cIdx(b, 0), cIdx(b, depth), cIdx(b, 1), nr, accs);
  {
    MlirType f32col = vecBM(L, attnF32Type(b));
    MlirValue av = attnConvertFromFp8(b, loadColumn(L, b, a, red.iv), f32col);
    MlirValue next[16];
    for (int64_t i = 0; i < nr; ++i) {
      MlirValue at[2] = {colIdx[i], red.iv}; /* QK: B(x, r) = K[x][r] */
      if (form == ATTN_CONTRACT_PV) {        /* PV: B(x, r) = V[r][x] */
        at[0] = red.iv;
        at[1] = colIdx[i];
      }
      MlirValue s = attnLoad(b, packed, 2, at);
      MlirValue operands[3] = {attnBroadcast(b, s, f32col), av, red.iterArgs[i]};
      next[i] = attnOp1(b, "math.fma", 3, operands, f32col);
    }
    attnForEnd(b, &red, nr, next);
  }
  for (int64_t i = 0; i < nr; ++i)
    storeColumn(b, red.results[i], out, colIdx[i]);
  attnForEnd(b, &blocks, 0, NULL);
  mapPut(L, res, (Rep){.kind = REP_BUFFER, .buffer = out, .intInF32 = integer});
}

/* arith.sitofp of SAGE's i32 matmul result: the f32 buffer already holds
 * its exact values. */
static bool isIntMatmulToFloat(Lower *L, MlirOperation op) {
  if (!attnIsOp(op, "arith.sitofp") || !isTile(mlirOperationGetResult(op, 0)))
    return false;
  Rep *r = mapFind(&L->map, mlirOperationGetOperand(op, 0));
  return r && r->kind == REP_BUFFER && r->intInF32;
}

/*===--- Other tile ops ----------------------------------------------------===*/

/* Every user of `v` is a contract that takes it as the right operand, a
 * vector.insert_strided_slice whose result is only that (the pieces of a
 * paged K/V tile), or a vector.extract_strided_slice of its first columns
 * that is only that (attn.mla's V tile in its K tile), or an fp8 tile's
 * arith.extf that is only that. */
static bool onlyRightOperand(MlirValue v) {
  MlirOpOperand u = mlirValueGetFirstUse(v);
  if (mlirOpOperandIsNull(u))
    return false;
  for (; !mlirOpOperandIsNull(u); u = mlirOpOperandGetNextUse(u)) {
    MlirOperation owner = mlirOpOperandGetOwner(u);
    bool rhs = attnIsOp(owner, "vector.contract") && mlirOpOperandGetOperandNumber(u) == 1;
    bool piece = attnIsOp(owner, "vector.insert_strided_slice") &&
                 onlyRightOperand(mlirOperationGetResult(owner, 0));
    bool columns = attnIsOp(owner, "vector.extract_strided_slice") &&
                   onlyRightOperand(mlirOperationGetResult(owner, 0));
    /* An fp8 tile's dequantization (docs/fp8.md). */
    bool dequant = isFp8Extf(owner) && onlyRightOperand(mlirOperationGetResult(owner, 0));
    if (!rhs && !piece && !columns && !dequant)
      return false;
  }
  return true;
}

/* arith.extf of an fp8 K/V tile feeding a matmul: no code; the tile is
 * the source read (or pieces), which packing decodes to f32 exactly. */
static void lowerDequantOperand(Lower *L, MlirOperation op) {
  Rep *rs = mapFind(&L->map, mlirOperationGetOperand(op, 0));
  if (!rs || (rs->kind != REP_OPERAND && rs->kind != REP_PIECES)) {
    fail(L, op, "dequantizes a tile that is not a K/V read (unsupported on the CPU)");
    return;
  }
  Rep r = *rs;
  r.packed = attnNullValue();
  mapPut(L, mlirOperationGetResult(op, 0), r);
}

/* Whether tile `v` is evaluated per column (an element-wise chain): the
 * arith.extf of such an fp8 tile (P rounded to fp8, fp8-p) is too. */
static bool isLazyTile(Lower *L, MlirValue v) {
  Rep *r = mapFind(&L->map, v);
  return r && r->kind == REP_LAZY;
}

/* arith.extf of an fp8 tile held in a buffer (Q, read once per program):
 * decoded here, once, into a buffer of the 16-bit type. Left lazy, it
 * would be materialized inside the first KV loop that reads it, which may
 * run no iteration while a later loop reads the buffer. */
static void lowerDequantBuffer(Lower *L, AttnBuilder *b, MlirOperation op) {
  MlirValue src = mlirOperationGetOperand(op, 0), res = mlirOperationGetResult(op, 0);
  Rep *rs = mapFind(&L->map, src);
  if (!rs || rs->kind != REP_BUFFER || dimOf(res, 0) != L->bm) {
    fail(L, op, "dequantizes a tile the CPU lowering does not hold in a buffer (unsupported)");
    return;
  }
  MlirValue from = rs->buffer;
  MlirValue buf = allocaBuffer(L, dimOf(res, 1), elemOf(res));
  AttnFor loop = attnForBegin(b, cIdx(b, 0), cIdx(b, dimOf(res, 1)), cIdx(b, 1), 0, NULL);
  MlirValue col = attnConvertFromFp8(b, loadColumn(L, b, from, loop.iv), vecBM(L, elemOf(res)));
  storeColumn(b, col, buf, loop.iv);
  attnForEnd(b, &loop, 0, NULL);
  mapPut(L, res, (Rep){.kind = REP_BUFFER, .buffer = buf});
}

/* The i-th entry of an i64 array attribute of `op`. */
static int64_t arrayEntry(MlirOperation op, const char *name, intptr_t i) {
  return mlirIntegerAttrGetValueInt(mlirArrayAttrGetElement(inherent(op, name), i));
}

/* vector.extract_strided_slice of all rows and the first columns of a K/V
 * tile (attn.mla's V, a prefix of each latent row): no code; the matmul
 * reads the source tile's packed buffer. */
static void lowerColumnSlice(Lower *L, MlirOperation op) {
  MlirValue src = mlirOperationGetOperand(op, 0), res = mlirOperationGetResult(op, 0);
  Rep *rs = mapFind(&L->map, src);
  bool prefix = isTile(src) && mlirArrayAttrGetNumElements(inherent(op, "offsets")) == 2 &&
                arrayEntry(op, "offsets", 0) == 0 && arrayEntry(op, "offsets", 1) == 0 &&
                arrayEntry(op, "strides", 0) == 1 && arrayEntry(op, "strides", 1) == 1 &&
                dimOf(res, 0) == dimOf(src, 0);
  if (!prefix || !onlyRightOperand(res) || !rs ||
      (rs->kind != REP_OPERAND && rs->kind != REP_PIECES)) {
    fail(L, op,
         "is not a column prefix of a K/V tile (all rows, columns [0, n) of a transfer_read "
         "or its pieces, feeding tile matmuls as right operand)");
    return;
  }
  mapPut(L, res, (Rep){.kind = REP_COLUMNS, .source = src});
}

/* vector.insert_strided_slice of a K/V piece (a whole-width block of rows)
 * into a splat constant or the previous insert: the tile stays unread until
 * the matmul packs it. */
static void lowerInsertPiece(Lower *L, MlirOperation op) {
  MlirValue src = mlirOperationGetOperand(op, 0), dest = mlirOperationGetOperand(op, 1);
  MlirValue res = mlirOperationGetResult(op, 0);
  Rep *rs = mapFind(&L->map, src), *rd = mapFind(&L->map, dest);
  MlirOperation base = defOf(dest);
  MlirAttribute value =
      isOp(base, "arith.constant") ? inherent(base, "value") : mlirAttributeGetNull();
  bool splatBase = !mlirAttributeIsNull(value) && mlirAttributeIsADenseElements(value) &&
                   mlirDenseElementsAttrIsSplat(value);
  MlirAttribute offsets = inherent(op, "offsets");
  bool wholeRows = isTile(src) && dimOf(src, 1) == dimOf(res, 1) &&
                   mlirArrayAttrGetNumElements(offsets) == 2 &&
                   mlirIntegerAttrGetValueInt(mlirArrayAttrGetElement(offsets, 1)) == 0;
  if (!onlyRightOperand(res) || !wholeRows || !rs || rs->kind != REP_OPERAND ||
      !(splatBase || (rd && rd->kind == REP_PIECES))) {
    fail(L, op,
         "is not a piece of a K/V tile (whole rows of a transfer_read inserted into a splat "
         "constant or the previous piece, feeding tile matmuls as right operand)");
    return;
  }
  mapPut(L, res, (Rep){.kind = REP_PIECES, .def = op});
}

/* The memref dims behind a 2-D transfer's (row, col), from its map. */
static bool transferDims(MlirOperation op, int *rowDim, int *colDim, bool inBounds[2]) {
  MlirAffineMap map = mlirAffineMapAttrGetValue(inherent(op, "permutation_map"));
  MlirAttribute ib = inherent(op, "in_bounds");
  intptr_t n = mlirAffineMapGetNumResults(map);
  if (n < 1 || n > 2 || mlirArrayAttrGetNumElements(ib) != n)
    return false;
  int dims[2] = {-1, -1};
  for (intptr_t i = 0; i < n; ++i) {
    MlirAffineExpr e = mlirAffineMapGetResult(map, i);
    if (!mlirAffineExprIsADim(e))
      return false;
    dims[i] = (int)mlirAffineDimExprGetPosition(e);
    inBounds[i] = mlirBoolAttrGetValue(mlirArrayAttrGetElement(ib, i));
  }
  *rowDim = dims[0];
  *colDim = dims[1];
  /* Columns past the memref (a tile padded to a GPU's matrix granule) need
   * its head dim to be static: they are the columns [size, tile width). */
  MlirType mem =
      mlirValueGetType(mlirOperationGetOperand(op, attnIsOp(op, "vector.transfer_write")));
  return n == 1 || inBounds[1] || !mlirShapedTypeIsDynamicDim(mem, dims[1]);
}

static MlirAffineMap singleDimMap(Lower *L, intptr_t rank, int dim) {
  return singleDimMapCtx(L->ctx, rank, dim);
}

static void lowerTransferRead(Lower *L, AttnBuilder *b, MlirOperation op) {
  MlirValue res = mlirOperationGetResult(op, 0);
  intptr_t nOps = mlirOperationGetNumOperands(op);
  MlirValue mem = plain(L, op, mlirOperationGetOperand(op, 0));
  intptr_t rank = mlirShapedTypeGetRank(mlirValueGetType(mlirOperationGetOperand(op, 0)));
  int rowDim, colDim;
  bool inBounds[2] = {false, false};
  if (L->failed || rank > 4 || nOps != rank + 2 || !transferDims(op, &rowDim, &colDim, inBounds)) {
    fail(L, op,
         "is a tile read the CPU lowering does not support (rank <= 4, no mask, "
         "in-bounds columns)");
    return;
  }
  Rep r;
  memset(&r, 0, sizeof(r));
  r.mem = mem;
  r.rank = rank;
  for (intptr_t i = 0; i < rank; ++i)
    r.idx[i] = plain(L, op, mlirOperationGetOperand(op, 1 + i));
  r.pad = plain(L, op, mlirOperationGetOperand(op, 1 + rank));
  r.rowDim = rowDim;
  r.colDim = colDim;
  r.rowsInBounds = inBounds[0];
  if (onlyRightOperand(res)) {
    r.kind = REP_OPERAND;
    mapPut(L, res, r);
    return;
  }
  if (dimOf(res, 0) != L->bm) {
    fail(L, op, "reads a tile whose rows are not the kernel's BLOCK_M rows");
    return;
  }
  /* A lane-major tile (Q): one strided column read per head-dim element;
   * the columns of a padded tile past the head dim are 0. */
  MlirValue buf = allocaBuffer(L, dimOf(res, 1), elemOf(res));
  int64_t valid = validCols(mem, colDim, dimOf(res, 1));
  if (valid < dimOf(res, 1)) {
    AttnFor zero = attnForBegin(b, cIdx(b, valid), cIdx(b, dimOf(res, 1)), cIdx(b, 1), 0, NULL);
    storeColumn(b, attnBroadcast(b, r.pad, vecBM(L, elemOf(res))), buf, zero.iv);
    attnForEnd(b, &zero, 0, NULL);
  }
  inBounds[1] = true;
  AttnFor loop = attnForBegin(b, cIdx(b, 0), cIdx(b, valid), cIdx(b, 1), 0, NULL);
  MlirValue idx[4];
  memcpy(idx, r.idx, sizeof(idx));
  idx[colDim] = attnAddI(b, r.idx[colDim], loop.iv);
  MlirValue col = attnTransferRead(b, vecBM(L, elemOf(res)), mem, rank, idx, r.pad,
                                   singleDimMap(L, rank, rowDim), inBounds);
  storeColumn(b, col, buf, loop.iv);
  attnForEnd(b, &loop, 0, NULL);
  mapPut(L, res, (Rep){.kind = REP_BUFFER, .buffer = buf});
}

static void lowerTransferWrite(Lower *L, AttnBuilder *b, MlirOperation op) {
  MlirValue value = mlirOperationGetOperand(op, 0);
  intptr_t nOps = mlirOperationGetNumOperands(op);
  MlirValue mem = plain(L, op, mlirOperationGetOperand(op, 1));
  intptr_t rank = mlirShapedTypeGetRank(mlirValueGetType(mlirOperationGetOperand(op, 1)));
  int rowDim, colDim;
  bool inBounds[2] = {false, false};
  if (L->failed || rank > 4 || nOps != rank + 2 || dimOf(value, 0) != L->bm ||
      !transferDims(op, &rowDim, &colDim, inBounds)) {
    fail(L, op, "is a tile write the CPU lowering does not support");
    return;
  }
  MlirValue base[4];
  for (intptr_t i = 0; i < rank; ++i)
    base[i] = plain(L, op, mlirOperationGetOperand(op, 2 + i));
  /* The columns of a padded tile past the head dim are not written. */
  AttnFor loop = beginColumns(L, b, validCols(mem, colDim, dimOf(value, 1)), 0, NULL);
  MlirValue col = column(L, b, value, loop.iv, true);
  if (!L->failed) {
    MlirValue idx[4];
    memcpy(idx, base, sizeof(idx));
    idx[colDim] = attnAddI(b, base[colDim], loop.iv);
    attnTransferWrite(b, col, mem, rank, idx, singleDimMap(L, rank, rowDim), inBounds);
  }
  endColumns(L, b, &loop, 0, NULL);
}

/* Reduction over the columns: one loop, the accumulator carried in a vector. */
static void lowerMultiReduction(Lower *L, AttnBuilder *b, MlirOperation op) {
  MlirValue src = mlirOperationGetOperand(op, 0), acc = mlirOperationGetOperand(op, 1);
  MlirAttribute dims = inherent(op, "reduction_dims");
  MlirAttribute kind = inherent(op, "kind");
  MlirContext ctx = L->ctx;
  const char *combiner = NULL;
  if (mlirAttributeEqual(
          kind, mlirAttributeParseGet(ctx, mlirStringRefCreateFromCString("#vector.kind<add>"))))
    combiner = "arith.addf";
  else if (mlirAttributeEqual(kind, mlirAttributeParseGet(ctx, mlirStringRefCreateFromCString(
                                                                   "#vector.kind<maximumf>"))))
    combiner = "arith.maximumf";
  if (!isTile(src) || dimOf(src, 0) != L->bm || mlirDenseArrayGetNumElements(dims) != 1 ||
      mlirDenseI64ArrayGetElement(dims, 0) != 1 || !combiner || !mlirTypeIsAF32(elemOf(src))) {
    fail(L, op, "is not a row reduction (add or maximumf over dim 1 of an f32 tile)");
    return;
  }
  MlirValue init = plain(L, op, acc);
  if (L->failed)
    return;
  AttnFor loop = beginColumns(L, b, dimOf(src, 1), 1, &init);
  MlirValue col = column(L, b, src, loop.iv, true);
  MlirValue next = L->failed ? loop.iterArgs[0] : attnBinary(b, combiner, loop.iterArgs[0], col);
  endColumns(L, b, &loop, 1, &next);
  mapPut(L, mlirOperationGetResult(op, 0), (Rep){.kind = REP_PLAIN, .value = loop.results[0]});
}

/*===--- Ops, blocks and loops --------------------------------------------===*/

static void lowerBlock(Lower *L, AttnBuilder *b, MlirBlock block);

/* The rewritten scalar of an old value, for ops carried over unchanged. */
static MlirValue plainOf(void *ud, MlirValue old) {
  Rep *r = mapFind(&((Lower *)ud)->map, old);
  return r && r->kind == REP_PLAIN ? r->value : attnNullValue();
}

static void clonePlain(Lower *L, AttnBuilder *b, MlirOperation op) {
  for (intptr_t i = 0; i < mlirOperationGetNumOperands(op); ++i)
    if (isTile(mlirOperationGetOperand(op, i))) {
      fail(L, op, "takes a tile operand (unsupported on the CPU)");
      return;
    }
  MlirOperation copy = attnCloneRemapped(b, op, plainOf, L);
  for (intptr_t i = 0; i < mlirOperationGetNumResults(op); ++i)
    mapPut(L, mlirOperationGetResult(op, i),
           (Rep){.kind = REP_PLAIN, .value = mlirOperationGetResult(copy, i)});
}

/* Marks lazy tiles that must be stored: used more than once. One yielded
 * once (the merge's accumulator) is evaluated straight into the loop's
 * buffer by copyInto. */
static void planLazy(Lower *L, MlirValue v, MlirOperation def) {
  mapPut(L, v, (Rep){.kind = REP_LAZY, .def = def, .materialize = numUses(v) > 1});
}

/* scf.for: tile iter_args live in buffers; the new loop carries the rest. */
static void lowerFor(Lower *L, AttnBuilder *b, MlirOperation op) {
  intptr_t nIter = mlirOperationGetNumResults(op);
  MlirBlock body = mlirRegionGetFirstBlock(mlirOperationGetRegion(op, 0));
  MlirValue inits[ATTN_FOR_MAX_ITER], tileBuf[16];
  intptr_t nPlain = 0;
  if (nIter > 16) {
    fail(L, op, "carries too many values");
    return;
  }
  for (intptr_t i = 0; i < nIter; ++i) {
    MlirValue init = mlirOperationGetOperand(op, 3 + i);
    tileBuf[i] = attnNullValue();
    if (!isTile(init)) {
      if (nPlain == ATTN_FOR_MAX_ITER) {
        fail(L, op, "carries too many values");
        return;
      }
      inits[nPlain++] = plain(L, op, init);
      continue;
    }
    Rep *r = mapFind(&L->map, init);
    if (r && r->kind == REP_BUFFER && numUses(init) == 1) {
      tileBuf[i] = r->buffer; /* the previous loop's accumulator, handed over */
    } else {
      tileBuf[i] = allocaBuffer(L, dimOf(init, 1), elemOf(init));
      copyInto(L, b, init, tileBuf[i]);
    }
  }
  MlirValue lb = plain(L, op, mlirOperationGetOperand(op, 0));
  MlirValue ub = plain(L, op, mlirOperationGetOperand(op, 1));
  MlirValue step = plain(L, op, mlirOperationGetOperand(op, 2));
  if (L->failed)
    return;
  AttnFor loop = attnForBegin(b, lb, ub, step, nPlain, inits);
  mapPut(L, mlirBlockGetArgument(body, 0), (Rep){.kind = REP_PLAIN, .value = loop.iv});
  for (intptr_t i = 0, p = 0; i < nIter; ++i) {
    MlirValue arg = mlirBlockGetArgument(body, 1 + i);
    if (mlirValueIsNull(tileBuf[i]))
      mapPut(L, arg, (Rep){.kind = REP_PLAIN, .value = loop.iterArgs[p++]});
    else
      mapPut(L, arg, (Rep){.kind = REP_BUFFER, .buffer = tileBuf[i]});
  }
  releaseScratch(L);
  lowerBlock(L, b, body); /* stops before the terminator */
  MlirOperation yield = mlirBlockGetTerminator(body);
  MlirValue yielded[ATTN_FOR_MAX_ITER];
  intptr_t nYield = 0;
  for (intptr_t i = 0; i < nIter && !L->failed; ++i) {
    MlirValue y = mlirOperationGetOperand(yield, i);
    if (mlirValueIsNull(tileBuf[i]))
      yielded[nYield++] = plain(L, yield, y);
    else
      copyInto(L, b, y, tileBuf[i]);
  }
  if (L->failed)
    return;
  attnForEnd(b, &loop, nYield, yielded);
  releaseScratch(L);
  for (intptr_t i = 0, p = 0; i < nIter; ++i) {
    MlirValue res = mlirOperationGetResult(op, i);
    if (mlirValueIsNull(tileBuf[i]))
      mapPut(L, res, (Rep){.kind = REP_PLAIN, .value = loop.results[p++]});
    else
      mapPut(L, res, (Rep){.kind = REP_BUFFER, .buffer = tileBuf[i]});
  }
}

static bool hasTileOperandOrResult(MlirOperation op) {
  for (intptr_t i = 0; i < mlirOperationGetNumOperands(op); ++i)
    if (isTile(mlirOperationGetOperand(op, i)))
      return true;
  for (intptr_t i = 0; i < mlirOperationGetNumResults(op); ++i)
    if (isTile(mlirOperationGetResult(op, i)))
      return true;
  return false;
}

static void lowerOp(Lower *L, AttnBuilder *b, MlirOperation op) {
  if (attnIsOp(op, "scf.for") && hasTileOperandOrResult(op)) {
    lowerFor(L, b, op);
  } else if (attnIsOp(op, "vector.contract")) {
    lowerContract(L, b, op);
  } else if (attnIsOp(op, "vector.multi_reduction")) {
    lowerMultiReduction(L, b, op);
  } else if (attnIsOp(op, "vector.transfer_read") && isTile(mlirOperationGetResult(op, 0))) {
    lowerTransferRead(L, b, op);
  } else if (attnIsOp(op, "vector.insert_strided_slice") && isTile(mlirOperationGetResult(op, 0))) {
    lowerInsertPiece(L, op);
  } else if (attnIsOp(op, "vector.extract_strided_slice") &&
             isTile(mlirOperationGetResult(op, 0))) {
    lowerColumnSlice(L, op);
  } else if (attnIsOp(op, "vector.transfer_write") && isTile(mlirOperationGetOperand(op, 0))) {
    lowerTransferWrite(L, b, op);
  } else if (isIntMatmulToFloat(L, op)) {
    mapPut(L, mlirOperationGetResult(op, 0),
           (Rep){.kind = REP_BUFFER,
                 .buffer = mapFind(&L->map, mlirOperationGetOperand(op, 0))->buffer});
  } else if (isFp8Extf(op) && isTile(mlirOperationGetResult(op, 0)) &&
             onlyRightOperand(mlirOperationGetResult(op, 0))) {
    lowerDequantOperand(L, op);
  } else if (isFp8Extf(op) && isTile(mlirOperationGetResult(op, 0)) &&
             !isLazyTile(L, mlirOperationGetOperand(op, 0))) {
    lowerDequantBuffer(L, b, op);
  } else if (mlirOperationGetNumResults(op) == 1 && isTile(mlirOperationGetResult(op, 0))) {
    /* Element-wise, broadcast, transpose, constant: evaluated per column by
     * their consumers; unsupported forms are reported when evaluated. */
    planLazy(L, mlirOperationGetResult(op, 0), op);
  } else if (mlirOperationGetNumRegions(op) == 0 && mlirOperationGetNumResults(op) == 1 &&
             isElementwise(op) && attnIsOp(op, "math.exp2")) {
    MlirValue x = plain(L, op, mlirOperationGetOperand(op, 0));
    if (!L->failed)
      mapPut(L, mlirOperationGetResult(op, 0),
             (Rep){.kind = REP_PLAIN, .value = emitElementwise(b, op, &x, mlirValueGetType(x))});
  } else if (hasTileOperandOrResult(op)) {
    fail(L, op, "operates on tiles in a way the CPU lowering does not support");
  } else {
    clonePlain(L, b, op);
  }
}

typedef struct {
  Lower *L;
  AttnBuilder *b;
} BlockCtx;

static void lowerOpIn(void *ud, MlirOperation op) {
  BlockCtx *c = ud;
  lowerOp(c->L, c->b, op);
}

static void lowerBlock(Lower *L, AttnBuilder *b, MlirBlock block) {
  BlockCtx c = {L, b};
  attnForEachBodyOp(block, lowerOpIn, &c, &L->failed);
}

/*===--- The pass -------------------------------------------------------------===*/

static bool lowerKernel(MlirOperation func) {
  MlirAttribute kernel = attnGetAttr(func, "attn.kernel");
  MlirAttribute bmAttr =
      mlirDictionaryAttrGetElementByName(kernel, mlirStringRefCreateFromCString("block_m"));
  if (!mlirAttributeIsADictionary(kernel) || mlirAttributeIsNull(bmAttr) ||
      !mlirAttributeIsAInteger(bmAttr) || mlirIntegerAttrGetValueInt(bmAttr) <= 0) {
    attnEmitOpError(func, passName, "has an attn.kernel without a positive block_m");
    return false;
  }
  MlirRegion region = mlirOperationGetRegion(func, 0);
  MlirBlock old = mlirRegionGetFirstBlock(region);
  if (mlirBlockIsNull(old) || !mlirBlockIsNull(mlirBlockGetNextInRegion(old))) {
    attnEmitOpError(func, passName, "must have a body of a single block");
    return false;
  }
  Lower L;
  memset(&L, 0, sizeof(L));
  L.map.elemSize = sizeof(Rep);
  L.ctx = mlirOperationGetContext(func);
  L.bm = mlirIntegerAttrGetValueInt(bmAttr);

  intptr_t nArgs = mlirBlockGetNumArguments(old);
  MlirType types[32];
  MlirLocation locs[32];
  if (nArgs > 32) {
    attnEmitOpError(func, passName, "has too many arguments");
    return false;
  }
  for (intptr_t i = 0; i < nArgs; ++i) {
    MlirValue a = mlirBlockGetArgument(old, i);
    types[i] = mlirValueGetType(a);
    locs[i] = mlirOperationGetLocation(func);
  }
  MlirBlock fresh = mlirBlockCreate(nArgs, types, locs);
  mlirRegionInsertOwnedBlockAfter(region, old, fresh);
  for (intptr_t i = 0; i < nArgs; ++i)
    mapPut(&L, mlirBlockGetArgument(old, i),
           (Rep){.kind = REP_PLAIN, .value = mlirBlockGetArgument(fresh, i)});

  AttnBuilder b = {L.ctx, mlirOperationGetLocation(func), fresh, attnNullOp()};
  /* Stack buffers are created above this marker, i.e. once per program. */
  L.anchor = mlirOpResultGetOwner(cIdx(&b, 0));
  L.anchorBlock = fresh;
  lowerBlock(&L, &b, old);
  MlirOperation ret = mlirBlockGetTerminator(old);
  if (!L.failed && !attnIsOp(ret, "func.return"))
    fail(&L, ret, "must end in func.return");
  if (!L.failed)
    clonePlain(&L, &b, ret);
  bool ok = !L.failed;
  attnValueMapFree(&L.map);
  if (L.outOfMemory)
    attnEmitOpError(func, passName, "ran out of memory");
  if (ok) {
    mlirBlockDetach(old);
    mlirBlockDestroy(old);
  } else {
    mlirBlockDetach(fresh);
    mlirBlockDestroy(fresh);
  }
  return ok;
}

static void run(MlirOperation root, MlirExternalPass pass) {
  AttnKernelList list;
  attnCollectKernelFuncs(root, &list);
  bool ok = !list.overflow;
  if (list.overflow)
    attnEmitOpError(root, passName, "found more than 256 kernels in one module");
  for (int i = 0; i < list.count && ok; ++i)
    ok = lowerKernel(list.funcs[i]);
  if (!ok)
    mlirExternalPassSignalFailure(pass);
}

static const int64_t passId = 0;

static const AttnPassInfo info = {&passId, "AttnLowerCpu", "attn-lower-cpu",
                                  "Lower kernel IR to host vector code (rows in SIMD lanes, "
                                  "register-blocked tile matmuls, polynomial exp2)",
                                  run};

MlirPass attnCreateLowerCpuPass(void) { return attnCreatePass(&info); }
