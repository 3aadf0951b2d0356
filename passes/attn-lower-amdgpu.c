/*===- attn-lower-amdgpu.c - kernel IR -> AMD GPU kernels (MFMA, LDS) ------===*
 *
 * Lowers each kernel function of the kernel IR (docs/kernel-ir.md) to a
 * `gpu.func` in `gpu.module @attn_kernels`: one program is one workgroup of
 * num_warps wave64 waves, wave w owning query rows [w*R, w*R + R) of the
 * BLOCK_M tile (R = BLOCK_M / num_warps, 32 or 16: the MFMA block). The
 * launch declaration becomes a `gpu.launch_func` of that kernel.
 *
 * Layouts (per lane `lane`, g = lane / R, r = lane % R, row = w*R + r). The
 * kernel computes S^T = K Q^T and O^T = V^T P^T, so every query row lives in
 * one lane column of the MFMA blocks and all per-row state is per lane:
 *   - a row vector vector<BM x T> is one scalar per lane (its row's value);
 *   - a tile vector<BM x C x T> is C/R blocks vector<c_per_lane x T>: element
 *     e of block t is column t*R + crow(e, g), crow the MFMA C-layout row
 *     (MfmaLayout.h), which is the key (S) or head-dim (O) index;
 *   - Q is kept in registers as MFMA B fragments (Q^T), loaded once with
 *     128-bit global loads: the QK reduction walks the head dim in chunks of
 *     8 elements per lane (two k-steps of a 4-element instruction), which the
 *     K fragments, read from LDS with the same order, match;
 *   - a K/V tile is staged in LDS by the whole workgroup (128-bit global
 *     loads, rows padded by a_per_lane elements so the fragment reads of
 *     consecutive rows fall in different banks); K fragments are 64/128-bit
 *     LDS reads, V^T fragments element reads in the key order of P's blocks.
 * Because the C layout of S^T is the B layout of P^T, P feeds the PV MFMAs
 * straight from registers. Row reductions reduce a lane's elements, then
 * across its g lane groups with xor shuffles (gpu.shuffle).
 *
 * Element-wise ops are rewritten block by block; row and column vectors and
 * broadcasts are evaluated on demand in the form their user needs. The three
 * KV loops of the flash loop split stay as they are. exp2/log2 become the
 * hardware's v_exp_f32 / v_log_f32 (rocdl.exp2 / rocdl.log), whose inputs
 * here are never denormal-sensitive (exp2 of a logit difference <= 0).
 *
 *===----------------------------------------------------------------------===*/

#include "Builder.h"
#include "KernelIR.h"
#include "MfmaLayout.h"
#include "PassUtil.h"
#include "Passes.h"

#include "mlir-c/BuiltinAttributes.h"
#include "mlir-c/BuiltinTypes.h"
#include "mlir-c/Dialect/LLVM.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const passName = "attn-lower-amdgpu";
enum { MAXB = 64, WAVE = 64, CHUNK = 8 /* elements per 128-bit load */ };

/*===--- Representations ----------------------------------------------------===*/

typedef enum {
  REP_PLAIN, /* not a vector: `value` is the rewritten value */
  REP_ROW,   /* row vector: `value` is this lane's row's scalar */
  REP_TILE,  /* tile: `nb` blocks */
  REP_LAZY,  /* 1-D vector or 2-D broadcast/constant: evaluated per use */
  REP_QFRAG, /* Q tile as MFMA B fragments: `nb` fragments, one per k-step */
  REP_LDS,   /* K/V tile staged in LDS */
} RepKind;

typedef struct {
  RepKind kind;
  MlirValue value;
  int nb;
  MlirValue *blocks;
  MlirOperation def;
  /* LDS: the tile's rows x cols, stored row-major with row stride `stride`,
   * or (transposed) column-major with column stride `stride`. */
  int64_t rows, cols, stride;
  bool transposed;
  int generation;
  /* LAZY caches, valid in the scope they were made in */
  MlirValue rowCache;
  int rowScope;
  MlirValue *colCache;
  int colScope;
} Rep;

typedef struct {
  MlirContext ctx;
  const AttnMfmaInstr *mma;
  bool permlaneSwap; /* gfx950: v_permlane{16,32}_swap for cross-row reductions */
  int R, G, CE, KPL, K, W;
  int64_t bm;
  MlirType elem; /* f16 / bf16 */
  int crowBase[16], crowDelta[16];
  MlirValue tid, lane, g, lr, rowBase, gd, lds;
  int ldsGeneration;
  int scopes[32], depth, nextScope;
  AttnValueMap map;
  void **arena;
  size_t arenaCount, arenaCap;
  bool failed, outOfMemory;
} Lower;

static Rep *mapFind(AttnValueMap *m, MlirValue v) { return attnValueMapFind(m, v); }

static void mapPut(Lower *L, MlirValue v, Rep rep) {
  if (!attnValueMapPut(&L->map, v, &rep))
    L->outOfMemory = L->failed = true;
}

/* Block arrays live until the kernel is done. */
static MlirValue *newBlocks(Lower *L, int n) {
  if (L->arenaCount == L->arenaCap) {
    size_t cap = L->arenaCap ? 2 * L->arenaCap : 64;
    void **grown = realloc(L->arena, cap * sizeof(void *));
    if (!grown) {
      L->outOfMemory = L->failed = true;
      return NULL;
    }
    L->arena = grown;
    L->arenaCap = cap;
  }
  MlirValue *blocks = calloc((size_t)(n > 0 ? n : 1), sizeof(MlirValue));
  if (!blocks) {
    L->outOfMemory = L->failed = true;
    return NULL;
  }
  L->arena[L->arenaCount++] = blocks;
  return blocks;
}

static void freeLower(Lower *L) {
  for (size_t i = 0; i < L->arenaCount; ++i)
    free(L->arena[i]);
  free(L->arena);
  attnValueMapFree(&L->map);
}

/*===--- Small queries and builders ------------------------------------------===*/

static void fail(Lower *L, MlirOperation op, const char *message) {
  if (!L->failed)
    attnEmitOpError(op, passName, message);
  L->failed = true;
}

static bool isVec(MlirValue v) { return mlirTypeIsAVector(mlirValueGetType(v)); }
static intptr_t rankOf(MlirValue v) { return mlirShapedTypeGetRank(mlirValueGetType(v)); }
static bool isTile(MlirValue v) { return isVec(v) && rankOf(v) == 2; }
static int64_t dimOf(MlirValue v, intptr_t i) {
  return mlirShapedTypeGetDimSize(mlirValueGetType(v), i);
}
static MlirType elemOf(MlirValue v) { return mlirShapedTypeGetElementType(mlirValueGetType(v)); }
static MlirType scalarOf(MlirType t) {
  return mlirTypeIsAVector(t) ? mlirShapedTypeGetElementType(t) : t;
}
static MlirAttribute inherent(MlirOperation op, const char *name) {
  return mlirOperationGetInherentAttributeByName(op, mlirStringRefCreateFromCString(name));
}
static MlirAttribute parseAttr(Lower *L, const char *text) {
  return mlirAttributeParseGet(L->ctx, mlirStringRefCreateFromCString(text));
}
static MlirValue cIdx(AttnBuilder *b, int64_t v) { return attnConstIndex(b, v); }
static MlirType vecT(int64_t n, MlirType elem) { return mlirVectorTypeGet(1, &n, elem); }
/* A block of a tile of `elem`. Index tiles (row/key positions and their
 * differences) are 32-bit: half the registers and VALU work of 64-bit, exact
 * for sequence lengths below 2^30 (a documented precondition of the AMD
 * kernels); scalars entering them saturate (narrow). */
static MlirType blockType(Lower *L, MlirType elem) {
  return vecT(L->CE, mlirTypeIsAIndex(elem) ? mlirIntegerTypeGet(L->ctx, 32) : elem);
}

static MlirValue constInt(AttnBuilder *b, MlirType type, int64_t v) {
  MlirType elem = scalarOf(type);
  MlirAttribute a = mlirIntegerAttrGet(elem, v);
  if (mlirTypeIsAVector(type))
    a = mlirDenseElementsAttrSplatGet(type, a);
  MlirNamedAttribute value = attnNamedAttr(b, "value", a);
  return mlirOperationGetResult(
      attnBuildOp(b, "arith.constant", 0, NULL, 1, &type, 1, &value, 0, NULL), 0);
}

static MlirValue constAttr(AttnBuilder *b, MlirType type, MlirAttribute a) {
  MlirNamedAttribute value = attnNamedAttr(b, "value", a);
  return mlirOperationGetResult(
      attnBuildOp(b, "arith.constant", 0, NULL, 1, &type, 1, &value, 0, NULL), 0);
}

static MlirValue constIntVector(AttnBuilder *b, int n, const int64_t *values) {
  MlirType t = vecT(n, attnIntType(b, 32));
  MlirAttribute elems[64];
  for (int i = 0; i < n; ++i)
    elems[i] = mlirIntegerAttrGet(attnIntType(b, 32), values[i]);
  return constAttr(b, t, mlirDenseElementsAttrGet(t, n, elems));
}

static MlirValue splat(AttnBuilder *b, MlirValue x, MlirType type) {
  return attnBroadcast(b, x, type);
}

/* index -> i32, saturating (window sizes are clamped to 2^40 upstream). */
static MlirValue narrow(AttnBuilder *b, MlirValue x) {
  if (!mlirTypeIsAIndex(mlirValueGetType(x)))
    return x;
  x = attnMaxSI(b, x, attnConstIndex(b, -2147483647));
  x = attnMinSI(b, x, attnConstIndex(b, 2147483647));
  return attnIndexCast(b, x, attnIntType(b, 32));
}

static MlirNamedAttribute nswAttr(Lower *L, AttnBuilder *b) {
  return attnNamedAttr(b, "overflowFlags", parseAttr(L, "#arith.overflow<nsw>"));
}

/* A tile block of `type` holding x everywhere. */
static MlirValue splatBlock(AttnBuilder *b, MlirValue x, MlirType type) {
  return splat(b, mlirTypeIsAIndex(mlirValueGetType(x)) ? narrow(b, x) : x, type);
}

static MlirValue op1(AttnBuilder *b, const char *name, intptr_t n, const MlirValue *operands,
                     MlirType result, intptr_t nAttrs, const MlirNamedAttribute *attrs) {
  return mlirOperationGetResult(
      attnBuildOp(b, name, n, operands, 1, &result, nAttrs, attrs, 0, NULL), 0);
}

static MlirValue gpuId(Lower *L, AttnBuilder *b, const char *name, char dim) {
  char text[32];
  snprintf(text, sizeof(text), "#gpu<dim %c>", dim);
  MlirNamedAttribute a = attnNamedAttr(b, "dimension", parseAttr(L, text));
  return op1(b, name, 0, NULL, attnIndexType(b), 1, &a);
}

static void barrier(AttnBuilder *b) {
  attnBuildOp(b, "gpu.barrier", 0, NULL, 0, NULL, 0, NULL, 0, NULL);
}

static MlirValue vload(AttnBuilder *b, MlirType type, MlirValue mem, intptr_t n,
                       const MlirValue *idx) {
  MlirValue operands[8];
  operands[0] = mem;
  for (intptr_t i = 0; i < n; ++i)
    operands[1 + i] = idx[i];
  return op1(b, "vector.load", 1 + n, operands, type, 0, NULL);
}

static void vstore(AttnBuilder *b, MlirValue value, MlirValue mem, intptr_t n,
                   const MlirValue *idx) {
  MlirValue operands[8];
  operands[0] = value;
  operands[1] = mem;
  for (intptr_t i = 0; i < n; ++i)
    operands[2 + i] = idx[i];
  attnBuildOp(b, "vector.store", 2 + n, operands, 0, NULL, 0, NULL, 0, NULL);
}

static MlirValue extractElem(Lower *L, AttnBuilder *b, MlirValue v, int64_t i) {
  MlirNamedAttribute a = attnNamedAttr(b, "static_position", mlirDenseI64ArrayGet(L->ctx, 1, &i));
  return op1(b, "vector.extract", 1, &v, elemOf(v), 1, &a);
}

/* Elements [offset, offset + size) of a 1-D vector (a vector.shuffle, which
 * every lowering to LLVM handles). */
static MlirValue slice(Lower *L, AttnBuilder *b, MlirValue v, int64_t offset, int64_t size) {
  if (offset == 0 && size == dimOf(v, 0))
    return v;
  int64_t mask[64];
  for (int64_t i = 0; i < size; ++i)
    mask[i] = offset + i;
  MlirNamedAttribute a = attnNamedAttr(b, "mask", mlirDenseI64ArrayGet(L->ctx, size, mask));
  MlirValue operands[2] = {v, v};
  return op1(b, "vector.shuffle", 2, operands, vecT(size, elemOf(v)), 1, &a);
}

/* Concatenation of two 1-D vectors of one type. */
static MlirValue concat(Lower *L, AttnBuilder *b, MlirValue x, MlirValue y) {
  int64_t n = dimOf(x, 0), mask[64];
  for (int64_t i = 0; i < 2 * n; ++i)
    mask[i] = i;
  MlirNamedAttribute a = attnNamedAttr(b, "mask", mlirDenseI64ArrayGet(L->ctx, 2 * n, mask));
  MlirValue operands[2] = {x, y};
  return op1(b, "vector.shuffle", 2, operands, vecT(2 * n, elemOf(x)), 1, &a);
}

static MlirValue fromElements(AttnBuilder *b, int n, const MlirValue *elems) {
  return op1(b, "vector.from_elements", n, elems, vecT(n, mlirValueGetType(elems[0])), 0, NULL);
}

/* scf.if without results: the caller builds the then-block through b until
 * ifEnd. */
typedef struct {
  AttnBuilder outer;
  MlirBlock block;
  MlirValue cond;
} AttnIf;

static AttnIf ifBegin(AttnBuilder *b, MlirValue cond) {
  AttnIf s = {*b, mlirBlockCreate(0, NULL, NULL), cond};
  b->block = s.block;
  b->before = attnNullOp();
  return s;
}

static void ifEnd(AttnBuilder *b, AttnIf *s) {
  attnBuildOp(b, "scf.yield", 0, NULL, 0, NULL, 0, NULL, 0, NULL);
  *b = s->outer;
  MlirRegion regions[2] = {mlirRegionCreate(), mlirRegionCreate()};
  mlirRegionAppendOwnedBlock(regions[0], s->block);
  attnBuildOp(b, "scf.if", 1, &s->cond, 0, NULL, 0, NULL, 2, regions);
}

/* cond ? vector.load : splat(pad). */
static MlirValue guardedLoad(AttnBuilder *b, MlirValue cond, MlirType type, MlirValue mem,
                             intptr_t n, const MlirValue *idx, MlirValue pad) {
  AttnBuilder inner = *b;
  MlirBlock thenBlock = mlirBlockCreate(0, NULL, NULL), elseBlock = mlirBlockCreate(0, NULL, NULL);
  inner.block = thenBlock;
  inner.before = attnNullOp();
  MlirValue loaded = vload(&inner, type, mem, n, idx);
  attnBuildOp(&inner, "scf.yield", 1, &loaded, 0, NULL, 0, NULL, 0, NULL);
  inner.block = elseBlock;
  MlirValue padded = splat(&inner, pad, type);
  attnBuildOp(&inner, "scf.yield", 1, &padded, 0, NULL, 0, NULL, 0, NULL);
  MlirRegion regions[2] = {mlirRegionCreate(), mlirRegionCreate()};
  mlirRegionAppendOwnedBlock(regions[0], thenBlock);
  mlirRegionAppendOwnedBlock(regions[1], elseBlock);
  return mlirOperationGetResult(attnBuildOp(b, "scf.if", 1, &cond, 1, &type, 0, NULL, 2, regions),
                                0);
}

/*===--- Scopes: lazily evaluated values are reused only where they dominate ===*/

static void enterScope(Lower *L) { L->scopes[++L->depth] = ++L->nextScope; }
static void leaveScope(Lower *L) { --L->depth; }
static bool scopeLive(Lower *L, int scope) {
  for (int d = 0; d <= L->depth; ++d)
    if (L->scopes[d] == scope)
      return true;
  return false;
}

/*===--- Per-element math ----------------------------------------------------===*/

/* Applies a scalar f32 ROCDL intrinsic to every element (the intrinsics are
 * scalar; LLVM keeps the lanes in registers anyway). */
static MlirValue mapScalar(Lower *L, AttnBuilder *b, const char *name, MlirValue x) {
  MlirType t = mlirValueGetType(x);
  if (!mlirTypeIsAVector(t))
    return op1(b, name, 1, &x, t, 0, NULL);
  int64_t n = dimOf(x, 0);
  MlirValue elems[64];
  for (int64_t i = 0; i < n; ++i) {
    MlirValue e = extractElem(L, b, x, i);
    elems[i] = op1(b, name, 1, &e, mlirValueGetType(e), 0, NULL);
  }
  return fromElements(b, (int)n, elems);
}

static MlirValue constF(AttnBuilder *b, MlirType like, double v) {
  return mlirTypeIsAVector(like) ? attnConstSplatF(b, like, v) : attnConstF32(b, v);
}

/* tanh(x) = sign(x) (1 - 2 / (2^(2 log2(e) |x|) + 1)): exact to a few ulp,
 * and +-1 (not NaN) when the power overflows. */
static MlirValue emitTanh(Lower *L, AttnBuilder *b, MlirValue x) {
  MlirType t = mlirValueGetType(x);
  MlirValue ax = attnUnary(b, "math.absf", x);
  MlirValue p = mapScalar(L, b, "rocdl.exp2", attnMulF(b, ax, constF(b, t, 2.8853900817779268)));
  MlirValue r = attnSubF(b, constF(b, t, 1.0),
                         attnDivF(b, constF(b, t, 2.0), attnAddF(b, p, constF(b, t, 1.0))));
  MlirValue operands[2] = {r, x};
  return op1(b, "math.copysign", 2, operands, t, 0, NULL);
}

static bool isElementwise(MlirOperation op) { return attnIsElementwise(op); }

static MlirValue emitElementwise(Lower *L, AttnBuilder *b, MlirOperation op,
                                 const MlirValue *operands, MlirType type) {
  if (attnIsOp(op, "math.exp2"))
    return mapScalar(L, b, "rocdl.exp2", operands[0]);
  if (attnIsOp(op, "math.log2"))
    return mapScalar(L, b, "rocdl.log", operands[0]);
  if (attnIsOp(op, "math.tanh"))
    return emitTanh(L, b, operands[0]);
  if (attnIsOp(op, "arith.index_cast") &&
      !mlirTypeIsAIndex(scalarOf(mlirValueGetType(operands[0]))) &&
      !mlirTypeIsAIndex(scalarOf(type))) {
    /* Index tiles are i32 already: a sign extension or truncation remains. */
    unsigned from = mlirIntegerTypeGetWidth(scalarOf(mlirValueGetType(operands[0])));
    unsigned to = mlirIntegerTypeGetWidth(scalarOf(type));
    if (from == to)
      return operands[0];
    return op1(b, from < to ? "arith.extsi" : "arith.trunci", 1, operands, type, 0, NULL);
  }
  /* i32 index tiles never wrap (sequence lengths < 2^30): saying so lets
   * LLVM move the per-element constants across compares. */
  bool indexTile =
      mlirTypeIsAVector(type) && mlirTypeIsAInteger(scalarOf(type)) &&
      mlirIntegerTypeGetWidth(scalarOf(type)) == 32 &&
      (attnIsOp(op, "arith.addi") || attnIsOp(op, "arith.subi") || attnIsOp(op, "arith.muli"));
  if (!indexTile)
    return attnRebuildElementwise(b, op, operands, type);
  MlirStringRef name = mlirIdentifierStr(mlirOperationGetName(op));
  char text[64];
  snprintf(text, sizeof(text), "%.*s", (int)name.length, name.data);
  MlirNamedAttribute nsw = nswAttr(L, b);
  return op1(b, text, mlirOperationGetNumOperands(op), operands, type, 1, &nsw);
}

/*===--- Value forms ---------------------------------------------------------===*/

static MlirValue plain(Lower *L, MlirOperation user, MlirValue old) {
  Rep *r = mapFind(&L->map, old);
  if (r && r->kind == REP_PLAIN)
    return r->value;
  fail(L, user,
       r ? "uses a vector where the AMD lowering expects a scalar"
         : "uses a value the AMD lowering has not seen (unsupported kernel IR)");
  return attnNullValue();
}

static MlirValue rowOf(Lower *L, AttnBuilder *b, MlirOperation user, MlirValue old);
static MlirValue colOf(Lower *L, AttnBuilder *b, MlirOperation user, MlirValue old, int t);

/* A splat constant's scalar, or null. */
static MlirAttribute splatValue(MlirOperation def) {
  if (!attnIsOp(def, "arith.constant"))
    return (MlirAttribute){NULL};
  MlirAttribute v = inherent(def, "value");
  if (!mlirAttributeIsADenseElements(v) || !mlirDenseElementsAttrIsSplat(v))
    return (MlirAttribute){NULL};
  return mlirDenseElementsAttrGetSplatValue(v);
}

static MlirOperation defOf(MlirValue v) {
  return mlirValueIsAOpResult(v) ? mlirOpResultGetOwner(v) : attnNullOp();
}

/* Column indices of block t, plus the scalar `offset` (may be null): the
 * per-element part is a constant and the per-lane part one scalar, so the
 * constants fold into the VALU ops of each use instead of occupying a
 * register per element for the whole kernel. */
static MlirValue columnIndex(Lower *L, AttnBuilder *b, int t, MlirValue offset, MlirType type) {
  int64_t keys[16];
  for (int e = 0; e < L->CE; ++e)
    keys[e] = (int64_t)t * L->R + L->crowBase[e];
  MlirValue lane = L->gd;
  if (!mlirValueIsNull(offset))
    lane = attnOp1(b, "arith.addi", 2, (MlirValue[]){narrow(b, offset), lane}, attnIntType(b, 32));
  MlirValue operands[2] = {constIntVector(b, L->CE, keys), splat(b, lane, type)};
  MlirNamedAttribute nsw = nswAttr(L, b);
  return op1(b, "arith.addi", 2, operands, type, 1, &nsw);
}

/* The value of `def` (a LAZY op) in row form (rows: one scalar per lane) or
 * column form (block t of a tile whose columns are the vector's elements). */
static MlirValue lazyForm(Lower *L, AttnBuilder *b, MlirOperation def, bool row, int t) {
  MlirValue res = mlirOperationGetResult(def, 0);
  MlirType elem = elemOf(res);
  MlirType type = row ? elem : blockType(L, elem);
  MlirAttribute s = splatValue(def);
  if (!mlirAttributeIsNull(s)) {
    MlirValue c = constAttr(b, elem, s);
    return row ? c : splatBlock(b, c, type);
  }
  if (attnIsOp(def, "vector.broadcast")) {
    MlirValue src = mlirOperationGetOperand(def, 0);
    if (!isVec(src)) {
      MlirValue x = plain(L, def, src);
      return L->failed ? x : row ? x : splatBlock(b, x, type);
    }
    if (rankOf(src) == 1 && rankOf(res) == 2 && !row)
      return colOf(L, b, def, src, t);
    fail(L, def, "is a broadcast the AMD lowering does not support");
    return attnNullValue();
  }
  if (attnIsOp(def, "vector.step")) {
    if (row) {
      if (dimOf(res, 0) != L->bm)
        fail(L, def, "is a row index vector whose size is not BLOCK_M");
      return L->rowBase;
    }
    return columnIndex(L, b, t, attnNullValue(), type);
  }
  /* step + broadcast(s): the same, with s folded into the per-lane term. */
  if (!row && attnIsOp(def, "arith.addi")) {
    for (int i = 0; i < 2; ++i) {
      MlirOperation a = defOf(mlirOperationGetOperand(def, i));
      MlirOperation c = defOf(mlirOperationGetOperand(def, 1 - i));
      if (attnIsOp(a, "vector.step") && attnIsOp(c, "vector.broadcast") &&
          !isVec(mlirOperationGetOperand(c, 0))) {
        MlirValue x = plain(L, def, mlirOperationGetOperand(c, 0));
        return L->failed ? x : columnIndex(L, b, t, x, type);
      }
    }
  }
  if (isElementwise(def)) {
    intptr_t n = mlirOperationGetNumOperands(def);
    MlirValue operands[3];
    for (intptr_t i = 0; i < n && i < 3; ++i) {
      MlirValue o = mlirOperationGetOperand(def, i);
      operands[i] = row ? rowOf(L, b, def, o) : colOf(L, b, def, o, t);
    }
    if (L->failed)
      return attnNullValue();
    return emitElementwise(L, b, def, operands, type);
  }
  fail(L, def, "is a vector op the AMD lowering does not support");
  return attnNullValue();
}

static MlirValue rowOf(Lower *L, AttnBuilder *b, MlirOperation user, MlirValue old) {
  Rep *r = mapFind(&L->map, old);
  if (!r) {
    fail(L, user, "uses a value the AMD lowering has not seen (unsupported kernel IR)");
    return attnNullValue();
  }
  if (r->kind == REP_ROW)
    return r->value;
  if (r->kind == REP_LAZY && rankOf(old) == 1) {
    if (!mlirValueIsNull(r->rowCache) && scopeLive(L, r->rowScope))
      return r->rowCache;
    MlirValue v = lazyForm(L, b, r->def, true, 0);
    r = mapFind(&L->map, old); /* the map may have grown */
    r->rowCache = v;
    r->rowScope = L->scopes[L->depth];
    return v;
  }
  fail(L, user, "uses a value as a row vector that is not one");
  return attnNullValue();
}

/* Block t of a column vector (1-D) or of a tile (2-D). */
static MlirValue colOf(Lower *L, AttnBuilder *b, MlirOperation user, MlirValue old, int t) {
  Rep *r = mapFind(&L->map, old);
  if (!r) {
    fail(L, user, "uses a value the AMD lowering has not seen (unsupported kernel IR)");
    return attnNullValue();
  }
  if (r->kind == REP_TILE) {
    if (t >= r->nb) {
      fail(L, user, "mixes tiles of different widths");
      return attnNullValue();
    }
    return r->blocks[t];
  }
  if (r->kind != REP_LAZY) {
    fail(L, user, "uses a value as a tile that is not one");
    return attnNullValue();
  }
  int64_t cols = dimOf(old, rankOf(old) - 1);
  int nb = (int)(cols / L->R);
  if (cols % L->R || t >= nb) {
    fail(L, user, "has a tile width that is not a multiple of the MFMA block");
    return attnNullValue();
  }
  if (!r->colCache || !scopeLive(L, r->colScope)) {
    MlirValue *cache = newBlocks(L, nb);
    r = mapFind(&L->map, old);
    if (!cache)
      return attnNullValue();
    r->colCache = cache;
    r->colScope = L->scopes[L->depth];
  }
  if (mlirValueIsNull(r->colCache[t])) {
    MlirValue *cache = r->colCache;
    /* Only a block made in the cache's own scope may be reused: one made in
     * a nested loop does not dominate later uses outside it. */
    bool sameScope = r->colScope == L->scopes[L->depth];
    MlirValue v = lazyForm(L, b, r->def, false, t);
    if (!sameScope)
      return v;
    cache[t] = v;
  }
  return r->colCache[t];
}

/* All blocks of a tile. */
static bool tileBlocks(Lower *L, AttnBuilder *b, MlirOperation user, MlirValue old, MlirValue *out,
                       int *nb) {
  int64_t cols = dimOf(old, 1);
  if (cols % L->R) {
    fail(L, user, "has a tile width that is not a multiple of the MFMA block");
    return false;
  }
  *nb = (int)(cols / L->R);
  if (*nb > MAXB) {
    fail(L, user, "has a tile too wide for the AMD lowering");
    return false;
  }
  for (int t = 0; t < *nb && !L->failed; ++t)
    out[t] = colOf(L, b, user, old, t);
  return !L->failed;
}

static void putTile(Lower *L, MlirValue v, int nb, const MlirValue *blocks) {
  MlirValue *copy = newBlocks(L, nb);
  if (!copy)
    return;
  memcpy(copy, blocks, (size_t)nb * sizeof(MlirValue));
  mapPut(L, v, (Rep){.kind = REP_TILE, .nb = nb, .blocks = copy});
}

/*===--- Tile ops --------------------------------------------------------------===*/

static void lowerElementwiseTile(Lower *L, AttnBuilder *b, MlirOperation op) {
  MlirValue res = mlirOperationGetResult(op, 0);
  intptr_t n = mlirOperationGetNumOperands(op);
  MlirValue blocks[MAXB];
  int nb = (int)(dimOf(res, 1) / L->R);
  if (dimOf(res, 1) % L->R || nb > MAXB) {
    fail(L, op, "has a tile width that is not a multiple of the MFMA block");
    return;
  }
  MlirType type = blockType(L, elemOf(res));
  for (int t = 0; t < nb && !L->failed; ++t) {
    MlirValue operands[3];
    for (intptr_t i = 0; i < n && i < 3; ++i)
      operands[i] = colOf(L, b, op, mlirOperationGetOperand(op, i), t);
    if (!L->failed)
      blocks[t] = emitElementwise(L, b, op, operands, type);
  }
  if (!L->failed)
    putTile(L, res, nb, blocks);
}

/* transpose(broadcast(row vector)) [1, 0]: every column holds the row's value. */
static void lowerTranspose(Lower *L, AttnBuilder *b, MlirOperation op) {
  MlirValue src = mlirOperationGetOperand(op, 0), res = mlirOperationGetResult(op, 0);
  MlirOperation def = mlirValueIsAOpResult(src) ? mlirOpResultGetOwner(src) : attnNullOp();
  if (mlirOperationIsNull(def) || !attnIsOp(def, "vector.broadcast")) {
    fail(L, op, "transposes something other than a broadcast row vector");
    return;
  }
  MlirValue row = mlirOperationGetOperand(def, 0);
  MlirValue x = isVec(row) ? rowOf(L, b, op, row) : plain(L, op, row);
  int nb = (int)(dimOf(res, 1) / L->R);
  if (L->failed || dimOf(res, 1) % L->R || nb > MAXB) {
    fail(L, op, "has a tile width that is not a multiple of the MFMA block");
    return;
  }
  MlirValue v = splatBlock(b, x, blockType(L, elemOf(res))), blocks[MAXB];
  for (int t = 0; t < nb; ++t)
    blocks[t] = v;
  putTile(L, res, nb, blocks);
}

static MlirValue shuffleXor(Lower *L, AttnBuilder *b, MlirValue x, int offset) {
  MlirType i32 = attnIntType(b, 32), i1 = attnIntType(b, 1);
  MlirValue operands[3] = {x, constInt(b, i32, offset), constInt(b, i32, WAVE)};
  MlirType results[2] = {mlirValueGetType(x), i1};
  MlirNamedAttribute mode = attnNamedAttr(b, "mode", parseAttr(L, "#gpu<shuffle_mode xor>"));
  return mlirOperationGetResult(
      attnBuildOp(b, "gpu.shuffle", 3, operands, 2, results, 1, &mode, 0, NULL), 0);
}

/* gfx950's v_permlane32_swap / v_permlane16_swap exchange the halves (rows)
 * of two registers; swapping x with itself leaves, in the two results, x and
 * its xor-32 (xor-16) partner at every lane, in some order, which is all a
 * commutative combine needs. No LDS crossbar, unlike ds_bpermute. */
static MlirValue combineSwapped(Lower *L, AttnBuilder *b, const char *combine, MlirValue x,
                                int offset) {
  MlirType i32 = attnIntType(b, 32), f32 = mlirValueGetType(x);
  MlirValue xi = attnOp1(b, "arith.bitcast", 1, &x, i32);
  MlirValue operands[2] = {xi, xi};
  MlirType pairElems[2] = {i32, i32};
  MlirType pair = mlirLLVMStructTypeLiteralGet(L->ctx, 2, pairElems, false);
  MlirNamedAttribute attrs[2] = {attnNamedAttr(b, "fi", mlirBoolAttrGet(L->ctx, 0)),
                                 attnNamedAttr(b, "boundControl", mlirBoolAttrGet(L->ctx, 0))};
  MlirValue swapped = op1(b, offset == 32 ? "rocdl.permlane32.swap" : "rocdl.permlane16.swap", 2,
                          operands, pair, 2, attrs);
  MlirValue half[2];
  for (int64_t i = 0; i < 2; ++i) {
    MlirNamedAttribute pos = attnNamedAttr(b, "position", mlirDenseI64ArrayGet(L->ctx, 1, &i));
    MlirValue v = op1(b, "llvm.extractvalue", 1, &swapped, i32, 1, &pos);
    half[i] = attnOp1(b, "arith.bitcast", 1, &v, f32);
  }
  return attnBinary(b, combine, half[0], half[1]);
}

/* Row reduction: the lane's blocks, its elements, then its lane groups. */
static void lowerMultiReduction(Lower *L, AttnBuilder *b, MlirOperation op) {
  MlirAttribute dims = inherent(op, "reduction_dims");
  MlirAttribute kindAttr = inherent(op, "kind");
  MlirValue src = mlirOperationGetOperand(op, 0), acc = mlirOperationGetOperand(op, 1);
  bool isMax = mlirAttributeEqual(kindAttr, parseAttr(L, "#vector.kind<maximumf>"));
  bool isAdd = mlirAttributeEqual(kindAttr, parseAttr(L, "#vector.kind<add>"));
  if (!isTile(src) || mlirDenseArrayGetNumElements(dims) != 1 ||
      mlirDenseI64ArrayGetElement(dims, 0) != 1 || !(isMax || isAdd) ||
      !mlirTypeIsAF32(elemOf(src))) {
    fail(L, op, "must reduce dim 1 of an f32 tile with <maximumf> or <add>");
    return;
  }
  const char *combine = isMax ? "arith.maximumf" : "arith.addf";
  MlirValue blocks[MAXB];
  int nb = 0;
  if (!tileBlocks(L, b, op, src, blocks, &nb))
    return;
  MlirValue v = blocks[0];
  for (int t = 1; t < nb; ++t)
    v = attnBinary(b, combine, v, blocks[t]);
  MlirNamedAttribute kind = attnNamedAttr(b, "kind", kindAttr);
  MlirValue x = op1(b, "vector.reduction", 1, &v, elemOf(src), 1, &kind);
  for (int offset = L->R; offset < WAVE; offset *= 2)
    x = L->permlaneSwap && (offset == 16 || offset == 32)
            ? combineSwapped(L, b, combine, x, offset)
            : attnBinary(b, combine, x, shuffleXor(L, b, x, offset));
  MlirValue a = rowOf(L, b, op, acc);
  if (L->failed)
    return;
  mapPut(L, mlirOperationGetResult(op, 0),
         (Rep){.kind = REP_ROW, .value = attnBinary(b, combine, x, a)});
}

/*===--- Transfers -------------------------------------------------------------===*/

typedef struct {
  MlirValue mem, idx[4];
  intptr_t rank;
  int rowDim, colDim;
  bool rowsInBounds;
  MlirValue pad;
} Transfer;

/* The memref, indices and (row, col) dims of a transfer with a minor
 * identity-like map; the column dim is always in bounds. */
static bool readTransfer(Lower *L, MlirOperation op, bool isWrite, Transfer *x) {
  intptr_t first = isWrite ? 1 : 0;
  x->mem = plain(L, op, mlirOperationGetOperand(op, first));
  x->rank = mlirShapedTypeGetRank(mlirValueGetType(mlirOperationGetOperand(op, first)));
  if (L->failed || x->rank > 4)
    return false;
  for (intptr_t i = 0; i < x->rank; ++i)
    x->idx[i] = plain(L, op, mlirOperationGetOperand(op, first + 1 + i));
  if (!isWrite)
    x->pad = plain(L, op, mlirOperationGetOperand(op, 1 + x->rank));
  MlirAffineMap map = mlirAffineMapAttrGetValue(inherent(op, "permutation_map"));
  MlirAttribute ib = inherent(op, "in_bounds");
  intptr_t n = mlirAffineMapGetNumResults(map);
  if (L->failed || n < 1 || n > 2 || mlirArrayAttrGetNumElements(ib) != n)
    return false;
  int dims[2] = {-1, -1};
  bool inb[2] = {true, true};
  for (intptr_t i = 0; i < n; ++i) {
    MlirAffineExpr e = mlirAffineMapGetResult(map, i);
    if (!mlirAffineExprIsADim(e))
      return false;
    dims[i] = (int)mlirAffineDimExprGetPosition(e);
    inb[i] = mlirBoolAttrGetValue(mlirArrayAttrGetElement(ib, i));
  }
  x->rowDim = dims[0];
  x->colDim = dims[1];
  x->rowsInBounds = inb[0];
  return n == 1 || inb[1];
}

static bool onlyOperand(MlirValue v, const char *opName, unsigned number) {
  MlirOpOperand u = mlirValueGetFirstUse(v);
  if (mlirOpOperandIsNull(u))
    return false;
  for (; !mlirOpOperandIsNull(u); u = mlirOpOperandGetNextUse(u))
    if (!attnIsOp(mlirOpOperandGetOwner(u), opName) || mlirOpOperandGetOperandNumber(u) != number)
      return false;
  return true;
}

/* Index vector with `delta` added to the row and `col` to the column. */
static void shifted(AttnBuilder *b, const Transfer *x, MlirValue row, MlirValue col,
                    MlirValue *idx) {
  for (intptr_t i = 0; i < x->rank; ++i)
    idx[i] = x->idx[i];
  idx[x->rowDim] = attnAddI(b, x->idx[x->rowDim], row);
  idx[x->colDim] = attnAddI(b, x->idx[x->colDim], col);
}

static MlirValue rowValid(AttnBuilder *b, const Transfer *x, MlirValue row) {
  return attnCmpI(b, ATTN_CMPI_SLT, row, attnDim(b, x->mem, x->rowDim));
}

/* Q: MFMA B fragments kept in registers, one 128-bit load per lane and chunk
 * of CHUNK head-dim elements; rows past the tensor read the padding. */
static void lowerReadQ(Lower *L, AttnBuilder *b, MlirOperation op, const Transfer *x) {
  MlirValue res = mlirOperationGetResult(op, 0);
  int64_t d = dimOf(res, 1), span = (int64_t)L->G * CHUNK;
  if (dimOf(res, 0) != L->bm || d % span) {
    fail(L, op, "reads a Q tile whose head dim is not a multiple of 8 elements per lane group");
    return;
  }
  int steps = (int)(d / L->K), perChunk = CHUNK / L->KPL;
  MlirValue *frags = newBlocks(L, steps);
  if (!frags)
    return;
  MlirValue idx[4];
  MlirType chunkType = vecT(CHUNK, elemOf(res));
  for (int64_t c = 0; c < d / span; ++c) {
    MlirValue col = attnAddI(b, attnMulI(b, L->g, cIdx(b, CHUNK)), cIdx(b, c * span));
    shifted(b, x, L->rowBase, col, idx);
    MlirValue v = x->rowsInBounds ? vload(b, chunkType, x->mem, x->rank, idx)
                                  : guardedLoad(b, rowValid(b, x, idx[x->rowDim]), chunkType,
                                                x->mem, x->rank, idx, x->pad);
    for (int j = 0; j < perChunk; ++j)
      frags[c * perChunk + j] = slice(L, b, v, (int64_t)j * L->KPL, L->KPL);
  }
  mapPut(L, res, (Rep){.kind = REP_QFRAG, .nb = steps, .blocks = frags});
}

/* K/V tile: the workgroup copies it into LDS (rows past the tensor as the
 * padding), between barriers; the matmul that uses it reads fragments. K is
 * stored row-major (its fragments are runs of the head dim); V, whose MFMA
 * operand is V^T, is stored transposed so that its fragments are runs of
 * keys. Either way the leading dim is padded by a_per_lane elements: the
 * 64/128-bit fragment reads of 32 consecutive rows then start a_per_lane/2
 * banks apart and cover the 32 banks without conflicts. */
static void lowerReadTile(Lower *L, AttnBuilder *b, MlirOperation op, const Transfer *x,
                          bool transposed) {
  MlirValue res = mlirOperationGetResult(op, 0);
  int64_t rows = dimOf(res, 0), cols = dimOf(res, 1);
  if (cols % CHUNK || !mlirTypeEqual(elemOf(res), L->elem)) {
    fail(L, op,
         "reads a K/V tile the AMD lowering cannot stage (head dim not a multiple of 8, or "
         "a dtype other than Q's)");
    return;
  }
  int64_t perRow = cols / CHUNK, total = rows * perRow, threads = (int64_t)L->W * WAVE;
  int64_t stride = (transposed ? rows : cols) + L->KPL;
  MlirType chunkType = vecT(CHUNK, L->elem);
  MlirType idxType = attnIndexType(b);
  barrier(b); /* the previous tile's readers are done */
  /* Row-major: consecutive threads walk a row's chunks (coalesced loads,
   * contiguous 128-bit LDS writes). Transposed: consecutive threads walk the
   * keys, so each of the 8 element writes of a wave is one LDS row. When the
   * workgroup covers whole rows (columns) per pass, a thread's chunks differ
   * by constant rows (columns): its addresses are computed once. */
  int64_t walk = transposed ? rows : perRow; /* threads along the fast dim */
  bool uniformStep = threads % walk == 0;
  MlirValue fast = attnOp1(b, "arith.remui", 2, (MlirValue[]){L->tid, cIdx(b, walk)}, idxType);
  MlirValue slow = attnOp1(b, "arith.divui", 2, (MlirValue[]){L->tid, cIdx(b, walk)}, idxType);
  for (int64_t i = 0; i * threads < total; ++i) {
    MlirValue c = attnAddI(b, L->tid, cIdx(b, i * threads));
    AttnIf guard;
    bool partial = (i + 1) * threads > total;
    if (partial)
      guard = ifBegin(b, attnCmpI(b, ATTN_CMPI_SLT, c, cIdx(b, total)));
    MlirValue f = fast, sl = attnAddI(b, slow, cIdx(b, i * threads / walk));
    if (!uniformStep) {
      f = attnOp1(b, "arith.remui", 2, (MlirValue[]){c, cIdx(b, walk)}, idxType);
      sl = attnOp1(b, "arith.divui", 2, (MlirValue[]){c, cIdx(b, walk)}, idxType);
    }
    MlirValue row = transposed ? f : sl;
    MlirValue col = attnMulI(b, transposed ? sl : f, cIdx(b, CHUNK));
    MlirValue idx[4];
    shifted(b, x, row, col, idx);
    MlirValue v = x->rowsInBounds ? vload(b, chunkType, x->mem, x->rank, idx)
                                  : guardedLoad(b, rowValid(b, x, idx[x->rowDim]), chunkType,
                                                x->mem, x->rank, idx, x->pad);
    if (transposed) {
      MlirValue at = attnAddI(b, attnMulI(b, col, cIdx(b, stride)), row);
      for (int e = 0; e < CHUNK; ++e) {
        MlirValue a = attnAddI(b, at, cIdx(b, e * stride));
        attnStore(b, extractElem(L, b, v, e), L->lds, 1, &a);
      }
    } else {
      MlirValue at = attnAddI(b, attnMulI(b, row, cIdx(b, stride)), col);
      vstore(b, v, L->lds, 1, &at);
    }
    if (partial)
      ifEnd(b, &guard);
  }
  barrier(b);
  mapPut(L, res,
         (Rep){.kind = REP_LDS,
               .rows = rows,
               .cols = cols,
               .stride = stride,
               .transposed = transposed,
               .generation = ++L->ldsGeneration});
}

/* A tile read feeds the PV matmul (as V) rather than QK^T (as K). */
static bool usedByPV(MlirValue v) {
  MlirOpOperand u = mlirValueGetFirstUse(v);
  return !mlirOpOperandIsNull(u) && attnContractForm(mlirOpOperandGetOwner(u)) == ATTN_CONTRACT_PV;
}

static void lowerTransferRead(Lower *L, AttnBuilder *b, MlirOperation op) {
  MlirValue res = mlirOperationGetResult(op, 0);
  Transfer x;
  if (!readTransfer(L, op, false, &x) || x.rowDim < 0 || x.colDim < 0) {
    if (!L->failed)
      fail(L, op, "must read a 2-D tile whose columns are in bounds");
    return;
  }
  if (onlyOperand(res, "vector.contract", 1))
    lowerReadTile(L, b, op, &x, usedByPV(res));
  else if (onlyOperand(res, "vector.contract", 0))
    lowerReadQ(L, b, op, &x);
  else
    fail(L, op, "reads a tile that is not only a matmul operand");
}

static void lowerTransferWrite(Lower *L, AttnBuilder *b, MlirOperation op) {
  MlirValue val = mlirOperationGetOperand(op, 0);
  Transfer x;
  if (!readTransfer(L, op, true, &x)) {
    if (!L->failed)
      fail(L, op, "must write a tile or row vector whose columns are in bounds");
    return;
  }
  MlirValue idx[4];
  for (intptr_t i = 0; i < x.rank; ++i)
    idx[i] = x.idx[i];
  idx[x.rowDim] = attnAddI(b, x.idx[x.rowDim], L->rowBase);
  if (rankOf(val) == 1) {
    /* Row vector (lse): lane group 0 holds each row once. */
    MlirValue v = rowOf(L, b, op, val);
    if (L->failed)
      return;
    MlirValue cond = attnCmpI(b, ATTN_CMPI_EQ, L->g, cIdx(b, 0));
    if (!x.rowsInBounds)
      cond = attnAndI(b, cond, rowValid(b, &x, idx[x.rowDim]));
    AttnIf s = ifBegin(b, cond);
    attnStore(b, v, x.mem, x.rank, idx);
    ifEnd(b, &s);
    return;
  }
  MlirValue blocks[MAXB];
  int nb = 0;
  if (!tileBlocks(L, b, op, val, blocks, &nb))
    return;
  AttnIf s;
  if (!x.rowsInBounds)
    s = ifBegin(b, rowValid(b, &x, idx[x.rowDim]));
  /* Four consecutive C-layout rows per lane are contiguous head-dim elements:
   * one 64-bit (f16/bf16) store each. */
  MlirValue base = idx[x.colDim];
  for (int t = 0; t < nb; ++t)
    for (int e = 0; e < L->CE; e += 4) {
      MlirValue col = attnAddI(b, attnMulI(b, L->g, cIdx(b, L->crowDelta[e])),
                               cIdx(b, (int64_t)t * L->R + L->crowBase[e]));
      idx[x.colDim] = attnAddI(b, base, col);
      vstore(b, slice(L, b, blocks[t], e, 4), x.mem, x.rank, idx);
    }
  if (!x.rowsInBounds)
    ifEnd(b, &s);
}

/*===--- Matmuls -----------------------------------------------------------------===*/

static MlirValue mfma(Lower *L, AttnBuilder *b, MlirValue a, MlirValue bb, MlirValue c) {
  if (L->mma->ab_as_i16) {
    MlirType t = vecT(L->KPL, attnIntType(b, 16));
    a = attnOp1(b, "arith.bitcast", 1, &a, t);
    bb = attnOp1(b, "arith.bitcast", 1, &bb, t);
  }
  MlirValue zero = constInt(b, attnIntType(b, 32), 0);
  MlirValue operands[6] = {a, bb, c, zero, zero, zero};
  return op1(b, L->mma->rocdl, 6, operands, mlirValueGetType(c), 0, NULL);
}

static MlirValue accBlock(Lower *L, AttnBuilder *b, MlirOperation op, MlirValue acc, int t) {
  return colOf(L, b, op, acc, t);
}

static Rep *ldsOperand(Lower *L, MlirOperation op, MlirValue v) {
  Rep *r = mapFind(&L->map, v);
  if (!r || r->kind != REP_LDS) {
    fail(L, op, "has a right operand that is not a K/V tile read");
    return NULL;
  }
  if (r->generation != L->ldsGeneration) {
    fail(L, op, "uses a K/V tile after the next one was staged (LDS holds one tile)");
    return NULL;
  }
  return r;
}

/* S^T = K Q^T: block t of S is keys [t*R, t*R+R) of the K tile. */
static void lowerQK(Lower *L, AttnBuilder *b, MlirOperation op) {
  MlirValue q = mlirOperationGetOperand(op, 0), k = mlirOperationGetOperand(op, 1),
            acc = mlirOperationGetOperand(op, 2), res = mlirOperationGetResult(op, 0);
  Rep *qr = mapFind(&L->map, q);
  Rep *kr = ldsOperand(L, op, k);
  if (!kr)
    return;
  if (!qr || qr->kind != REP_QFRAG) {
    fail(L, op, "has a left operand that is not the Q tile read");
    return;
  }
  int nb = (int)(kr->rows / L->R), steps = qr->nb, perChunk = CHUNK / L->KPL;
  if (kr->rows % L->R || nb > MAXB || (int64_t)steps * L->K != kr->cols) {
    fail(L, op, "has a K tile whose rows are not a multiple of the MFMA block");
    return;
  }
  MlirValue blocks[MAXB];
  MlirValue *q8 = qr->blocks;
  int64_t span = (int64_t)L->G * CHUNK;
  if (kr->transposed) {
    fail(L, op, "uses a K tile that is also a V tile");
    return;
  }
  MlirValue laneOff =
      attnAddI(b, attnMulI(b, L->lr, cIdx(b, kr->stride)), attnMulI(b, L->g, cIdx(b, CHUNK)));
  for (int t = 0; t < nb && !L->failed; ++t) {
    MlirValue c = accBlock(L, b, op, acc, t);
    for (int s = 0; s < steps; s += perChunk) {
      int64_t at = (int64_t)t * L->R * kr->stride + (int64_t)(s / perChunk) * span;
      MlirValue addr = attnAddI(b, laneOff, cIdx(b, at));
      MlirValue kv = vload(b, vecT(CHUNK, L->elem), L->lds, 1, &addr);
      for (int j = 0; j < perChunk; ++j)
        c = mfma(L, b, slice(L, b, kv, (int64_t)j * L->KPL, L->KPL), q8[s + j], c);
    }
    blocks[t] = c;
  }
  if (!L->failed)
    putTile(L, res, nb, blocks);
}

/* O^T += V^T P^T: P's blocks are B fragments as they are; the V^T fragment
 * of k-step s holds, per element, the key that P's element has. */
static void lowerPV(Lower *L, AttnBuilder *b, MlirOperation op) {
  MlirValue p = mlirOperationGetOperand(op, 0), v = mlirOperationGetOperand(op, 1),
            acc = mlirOperationGetOperand(op, 2), res = mlirOperationGetResult(op, 0);
  Rep *vr = ldsOperand(L, op, v);
  if (!vr)
    return;
  MlirValue pb[MAXB];
  int np = 0;
  if (!tileBlocks(L, b, op, p, pb, &np))
    return;
  if (!mlirTypeEqual(elemOf(p), L->elem) || (int64_t)np * L->R != vr->rows) {
    fail(L, op, "has a P tile that does not match the V tile");
    return;
  }
  int nd = (int)(vr->cols / L->R), steps = (int)(vr->rows / L->K);
  if (vr->cols % L->R || nd > MAXB || vr->rows % L->K) {
    fail(L, op, "has a V tile whose head dim is not a multiple of the MFMA block");
    return;
  }
  MlirValue frags[128];
  for (int s = 0; s < steps; ++s) {
    int f = s * L->KPL, t = f / L->CE, e = f % L->CE;
    frags[s] = L->KPL <= L->CE ? slice(L, b, pb[t], e, L->KPL) : concat(L, b, pb[t], pb[t + 1]);
  }
  if (!vr->transposed) {
    fail(L, op, "uses a V tile that is also a K tile");
    return;
  }
  /* Lane (g, r) reads row d = u*R + r of V^T at the keys of its P elements:
   * runs of four consecutive keys, one 64-bit LDS read each. */
  MlirValue laneOff = attnAddI(b, attnMulI(b, L->lr, cIdx(b, vr->stride)),
                               attnMulI(b, L->g, cIdx(b, L->crowDelta[0])));
  MlirType run = vecT(4, L->elem);
  MlirValue blocks[MAXB];
  for (int u = 0; u < nd && !L->failed; ++u) {
    MlirValue c = accBlock(L, b, op, acc, u);
    for (int s = 0; s < steps; ++s) {
      MlirValue a = attnNullValue();
      for (int e = 0; e < L->KPL; e += 4) {
        int f = s * L->KPL + e, t = f / L->CE, ce = f % L->CE;
        int64_t key = (int64_t)t * L->R + L->crowBase[ce];
        MlirValue addr = attnAddI(b, laneOff, cIdx(b, (int64_t)u * L->R * vr->stride + key));
        MlirValue r4 = vload(b, run, L->lds, 1, &addr);
        a = mlirValueIsNull(a) ? r4 : concat(L, b, a, r4);
      }
      c = mfma(L, b, a, frags[s], c);
    }
    blocks[u] = c;
  }
  if (!L->failed)
    putTile(L, res, nd, blocks);
}

static void lowerContract(Lower *L, AttnBuilder *b, MlirOperation op) {
  AttnContractForm form = attnContractForm(op);
  if (form == ATTN_CONTRACT_QK)
    lowerQK(L, b, op);
  else if (form == ATTN_CONTRACT_PV)
    lowerPV(L, b, op);
  else
    fail(L, op, "is not a QK^T or PV tile matmul (see docs/kernel-ir.md)");
}

/*===--- Ops, blocks and loops ---------------------------------------------------===*/

static void lowerBlock(Lower *L, AttnBuilder *b, MlirBlock block);

/* The rewritten scalar of an old value, for ops carried over unchanged. */
static MlirValue plainOf(void *ud, MlirValue old) {
  Rep *r = mapFind(&((Lower *)ud)->map, old);
  return r && r->kind == REP_PLAIN ? r->value : attnNullValue();
}

/* Memref results of a cloned view op live in the memory space of its source
 * (the kernel's arguments are global memory). */
static void fixMemorySpace(MlirOperation copy) {
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

static void clonePlain(Lower *L, AttnBuilder *b, MlirOperation op) {
  for (intptr_t i = 0; i < mlirOperationGetNumOperands(op); ++i)
    if (isVec(mlirOperationGetOperand(op, i))) {
      fail(L, op, "takes a vector operand the AMD lowering does not support here");
      return;
    }
  MlirOperation copy = attnCloneRemapped(b, op, plainOf, L);
  fixMemorySpace(copy);
  for (intptr_t i = 0; i < mlirOperationGetNumResults(op); ++i)
    mapPut(L, mlirOperationGetResult(op, i),
           (Rep){.kind = REP_PLAIN, .value = mlirOperationGetResult(copy, i)});
}

/* The flattened form of a loop-carried vector: one scalar (row) or its
 * blocks (tile). */
static int flatten(Lower *L, AttnBuilder *b, MlirOperation user, MlirValue old, MlirValue *out) {
  if (!isVec(old)) {
    out[0] = plain(L, user, old);
    return 1;
  }
  if (rankOf(old) == 1) {
    out[0] = rowOf(L, b, user, old);
    return 1;
  }
  int nb = 0;
  tileBlocks(L, b, user, old, out, &nb);
  return nb;
}

static int flatCount(Lower *L, MlirValue v) { return isTile(v) ? (int)(dimOf(v, 1) / L->R) : 1; }

static void putFlat(Lower *L, MlirValue old, const MlirValue *flat) {
  if (!isVec(old))
    mapPut(L, old, (Rep){.kind = REP_PLAIN, .value = flat[0]});
  else if (rankOf(old) == 1)
    mapPut(L, old, (Rep){.kind = REP_ROW, .value = flat[0]});
  else
    putTile(L, old, flatCount(L, old), flat);
}

static void lowerFor(Lower *L, AttnBuilder *b, MlirOperation op) {
  intptr_t nIter = mlirOperationGetNumResults(op);
  MlirBlock body = mlirRegionGetFirstBlock(mlirOperationGetRegion(op, 0));
  MlirValue inits[ATTN_FOR_MAX_ITER];
  int counts[ATTN_FOR_MAX_ITER], total = 0;
  for (intptr_t i = 0; i < nIter && !L->failed; ++i) {
    MlirValue init = mlirOperationGetOperand(op, 3 + i);
    counts[i] = flatCount(L, init);
    if (total + counts[i] > ATTN_FOR_MAX_ITER) {
      fail(L, op, "carries more values than the AMD lowering supports");
      return;
    }
    total += flatten(L, b, op, init, inits + total);
  }
  MlirValue lb = plain(L, op, mlirOperationGetOperand(op, 0));
  MlirValue ub = plain(L, op, mlirOperationGetOperand(op, 1));
  MlirValue step = plain(L, op, mlirOperationGetOperand(op, 2));
  if (L->failed)
    return;
  AttnFor loop = attnForBegin(b, lb, ub, step, total, inits);
  enterScope(L);
  mapPut(L, mlirBlockGetArgument(body, 0), (Rep){.kind = REP_PLAIN, .value = loop.iv});
  for (intptr_t i = 0, at = 0; i < nIter; at += counts[i], ++i)
    putFlat(L, mlirBlockGetArgument(body, 1 + i), loop.iterArgs + at);
  lowerBlock(L, b, body);
  MlirOperation yield = mlirBlockGetTerminator(body);
  MlirValue yielded[ATTN_FOR_MAX_ITER];
  int n = 0;
  for (intptr_t i = 0; i < nIter && !L->failed; ++i)
    n += flatten(L, b, yield, mlirOperationGetOperand(yield, i), yielded + n);
  leaveScope(L);
  if (L->failed)
    return;
  attnForEnd(b, &loop, n, yielded);
  for (intptr_t i = 0, at = 0; i < nIter; at += counts[i], ++i)
    putFlat(L, mlirOperationGetResult(op, i), loop.results + at);
}

static bool hasVector(MlirOperation op) {
  for (intptr_t i = 0; i < mlirOperationGetNumOperands(op); ++i)
    if (isVec(mlirOperationGetOperand(op, i)))
      return true;
  for (intptr_t i = 0; i < mlirOperationGetNumResults(op); ++i)
    if (isVec(mlirOperationGetResult(op, i)))
      return true;
  return false;
}

static void lowerOp(Lower *L, AttnBuilder *b, MlirOperation op) {
  bool oneResult = mlirOperationGetNumResults(op) == 1;
  MlirValue res = oneResult ? mlirOperationGetResult(op, 0) : attnNullValue();
  if (attnIsOp(op, "scf.for") && hasVector(op)) {
    lowerFor(L, b, op);
  } else if (attnIsOp(op, "vector.contract")) {
    lowerContract(L, b, op);
  } else if (attnIsOp(op, "vector.multi_reduction")) {
    lowerMultiReduction(L, b, op);
  } else if (attnIsOp(op, "vector.transfer_read")) {
    lowerTransferRead(L, b, op);
  } else if (attnIsOp(op, "vector.transfer_write")) {
    lowerTransferWrite(L, b, op);
  } else if (attnIsOp(op, "vector.transpose")) {
    lowerTranspose(L, b, op);
  } else if (oneResult && isVec(res) &&
             (rankOf(res) == 1 || attnIsOp(op, "vector.broadcast") ||
              attnIsOp(op, "arith.constant"))) {
    /* Row/column vectors, broadcasts and constants take the form their users
     * need when they need it. */
    mapPut(L, res, (Rep){.kind = REP_LAZY, .def = op});
  } else if (oneResult && isTile(res) && isElementwise(op) &&
             onlyOperand(res, "vector.contract", 2)) {
    /* The accumulator's rescale is computed block by block right before
     * the MFMAs that consume it (after the V tile is staged), so that no
     * rescaled copy of the whole accumulator lives across the staging. */
    mapPut(L, res, (Rep){.kind = REP_LAZY, .def = op});
  } else if (oneResult && isTile(res) && isElementwise(op)) {
    lowerElementwiseTile(L, b, op);
  } else if (hasVector(op)) {
    fail(L, op, "operates on vectors in a way the AMD lowering does not support");
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

/*===--- Kernel set-up -------------------------------------------------------------===*/

static int64_t kernelInt(MlirAttribute kernel, const char *name) {
  MlirAttribute a =
      mlirDictionaryAttrGetElementByName(kernel, mlirStringRefCreateFromCString(name));
  return !mlirAttributeIsNull(a) && mlirAttributeIsAInteger(a) ? mlirIntegerAttrGetValueInt(a) : -1;
}

/* The K/V tiles the kernel stages: the LDS buffer holds the largest. */
typedef struct {
  Lower *L;
  int64_t elems;
  MlirType elem;
  bool mixed;
} LdsPlan;

static MlirWalkResult planLds(MlirOperation op, void *userData) {
  LdsPlan *plan = userData;
  if (!attnIsOp(op, "vector.transfer_read"))
    return MlirWalkResultAdvance;
  MlirValue res = mlirOperationGetResult(op, 0);
  if (!isTile(res) || !onlyOperand(res, "vector.contract", 1))
    return MlirWalkResultAdvance;
  int64_t rows = dimOf(res, 0), cols = dimOf(res, 1), pad = plan->L->KPL;
  int64_t e = usedByPV(res) ? cols * (rows + pad) : rows * (cols + pad);
  if (e > plan->elems)
    plan->elems = e;
  if (mlirTypeIsNull(plan->elem))
    plan->elem = elemOf(res);
  else if (!mlirTypeEqual(plan->elem, elemOf(res)))
    plan->mixed = true;
  return MlirWalkResultAdvance;
}

typedef struct {
  char *data;
  size_t len, cap;
} Text;

static void textAppend(MlirStringRef s, void *userData) {
  Text *t = userData;
  if (t->len + s.length + 1 > t->cap) {
    size_t cap = (t->len + s.length + 1) * 2;
    char *grown = realloc(t->data, cap);
    if (!grown)
      return;
    t->data = grown;
    t->cap = cap;
  }
  memcpy(t->data + t->len, s.data, s.length);
  t->len += s.length;
  t->data[t->len] = '\0';
}

static void textPrintf(Text *t, const char *fmt, const char *a, long long x) {
  char buf[512];
  snprintf(buf, sizeof(buf), fmt, a, x);
  textAppend(mlirStringRefCreateFromCString(buf), t);
}

/* The kernel's memref argument type in global memory. */
static MlirType globalType(MlirContext ctx, MlirType t) {
  intptr_t rank = mlirShapedTypeGetRank(t);
  int64_t shape[8];
  for (intptr_t i = 0; i < rank && i < 8; ++i)
    shape[i] = mlirShapedTypeGetDimSize(t, i);
  return mlirMemRefTypeGet(
      mlirShapedTypeGetElementType(t), rank, shape, mlirMemRefTypeGetLayout(t),
      mlirAttributeParseGet(ctx, mlirStringRefCreateFromCString("#gpu.address_space<global>")));
}

static void printName(MlirOperation func, Text *t) {
  MlirAttribute name = inherent(func, "sym_name");
  MlirStringRef s = mlirStringAttrGetValue(name);
  textAppend(s, t);
}

/* gpu.func @K(<memrefs in global memory>) workgroup(<LDS>) kernel, parsed
 * from text (its custom form is the readable way to get every attribute
 * right), with an empty body to fill. */
static MlirOperation createGpuFunc(Lower *L, MlirOperation func, MlirBlock gpuBody, int nMem,
                                   int64_t ldsElems, int threads) {
  Text t = {0};
  /* A gpu.func verifies only inside a gpu.module: parse it in a scratch one. */
  textAppend(mlirStringRefCreateFromCString("gpu.module @__attn_scratch {\ngpu.func @"), &t);
  printName(func, &t);
  textAppend(mlirStringRefCreateFromCString("("), &t);
  MlirBlock old = mlirRegionGetFirstBlock(mlirOperationGetRegion(func, 0));
  for (int i = 0; i < nMem; ++i) {
    textPrintf(&t, "%s%%a%lld: ", i ? ", " : "", i);
    mlirTypePrint(globalType(L->ctx, mlirValueGetType(mlirBlockGetArgument(old, i))), textAppend,
                  &t);
  }
  textPrintf(&t, ") workgroup(%%lds : memref<%s%lldx", "", ldsElems);
  mlirTypePrint(L->elem, textAppend, &t);
  textPrintf(&t,
             ", #gpu.address_space<workgroup>>) kernel attributes {known_block_size = "
             "array<i32: %s%lld, 1, 1>} {\n  gpu.return\n}\n}",
             "", threads);
  MlirOperation scratch = t.data
                              ? mlirOperationCreateParse(L->ctx, mlirStringRefCreate(t.data, t.len),
                                                         mlirStringRefCreateFromCString(passName))
                              : attnNullOp();
  free(t.data);
  if (mlirOperationIsNull(scratch))
    return scratch;
  MlirOperation op =
      mlirBlockGetFirstOperation(mlirRegionGetFirstBlock(mlirOperationGetRegion(scratch, 0)));
  mlirOperationRemoveFromParent(op);
  mlirOperationDestroy(scratch);
  mlirBlockAppendOwnedOperation(gpuBody, op);
  return op;
}

/* func.func private @__attn_launch_K(args..., gx, gy, gz) gets the body
 * gpu.launch_func @attn_kernels::@K blocks in (gx, gy, gz) threads in (T, 1, 1). */
static void defineLaunch(Lower *L, MlirOperation module, MlirOperation func, int nMem,
                         int threads) {
  Text name = {0};
  textAppend(mlirStringRefCreateFromCString("__attn_launch_"), &name);
  printName(func, &name);
  MlirOperation decl = attnNullOp();
  MlirBlock top = mlirRegionGetFirstBlock(mlirOperationGetRegion(module, 0));
  for (MlirOperation o = mlirBlockGetFirstOperation(top); !mlirOperationIsNull(o) && name.data;
       o = mlirOperationGetNextInBlock(o)) {
    MlirAttribute sym = inherent(o, "sym_name");
    if (attnIsOp(o, "func.func") && !mlirAttributeIsNull(sym) &&
        mlirStringRefEqual(mlirStringAttrGetValue(sym),
                           mlirStringRefCreateFromCString(name.data)) &&
        mlirBlockIsNull(mlirRegionGetFirstBlock(mlirOperationGetRegion(o, 0))))
      decl = o;
  }
  free(name.data);
  if (mlirOperationIsNull(decl))
    return; /* nothing launches this kernel */
  MlirType fnType = mlirTypeAttrGetValue(inherent(decl, "function_type"));
  intptr_t n = mlirFunctionTypeGetNumInputs(fnType);
  MlirType types[32];
  MlirLocation locs[32];
  for (intptr_t i = 0; i < n && i < 32; ++i) {
    types[i] = mlirFunctionTypeGetInput(fnType, i);
    locs[i] = mlirOperationGetLocation(decl);
  }
  MlirBlock body = mlirBlockCreate(n, types, locs);
  mlirRegionAppendOwnedBlock(mlirOperationGetRegion(decl, 0), body);
  AttnBuilder b = {L->ctx, mlirOperationGetLocation(decl), body, attnNullOp()};
  MlirValue operands[40];
  for (int i = 0; i < 3; ++i)
    operands[i] = mlirBlockGetArgument(body, n - 3 + i);
  operands[3] = cIdx(&b, threads);
  operands[4] = operands[5] = cIdx(&b, 1);
  /* The kernel reads and writes global memory: host pointers are cast into
   * that address space at the launch. */
  for (int i = 0; i < nMem; ++i) {
    MlirValue a = mlirBlockGetArgument(body, i);
    operands[6 + i] =
        attnOp1(&b, "memref.memory_space_cast", 1, &a, globalType(L->ctx, mlirValueGetType(a)));
  }
  MlirStringRef fname = mlirStringAttrGetValue(inherent(func, "sym_name"));
  MlirAttribute leaf = mlirFlatSymbolRefAttrGet(L->ctx, fname);
  MlirAttribute kernel =
      mlirSymbolRefAttrGet(L->ctx, mlirStringRefCreateFromCString("attn_kernels"), 1, &leaf);
  int32_t segments[13] = {0, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, nMem, 0};
  MlirNamedAttribute attrs[2] = {
      attnNamedAttr(&b, "kernel", kernel),
      attnNamedAttr(&b, "operandSegmentSizes", mlirDenseI32ArrayGet(L->ctx, 13, segments))};
  attnBuildOp(&b, "gpu.launch_func", 6 + nMem, operands, 0, NULL, 2, attrs, 0, NULL);
  attnBuildOp(&b, "func.return", 0, NULL, 0, NULL, 0, NULL, 0, NULL);
}

/* Checks that the table's C layout is what the lowering assumes: per
 * element e a row crow(e, g) = base[e] + g * delta[e], with four consecutive
 * elements on consecutive rows (64-bit stores), and that A/B hold
 * a_per_lane consecutive k per lane group g = lane / R. */
static bool readLayout(Lower *L) {
  const AttnMfmaInstr *in = L->mma;
  for (int e = 0; e < in->c_per_lane; ++e) {
    int row0, col, row1;
    attnMfmaC(in, 0, e, &row0, &col);
    attnMfmaC(in, in->n, e, &row1, &col);
    L->crowBase[e] = row0;
    L->crowDelta[e] = L->G > 1 ? row1 - row0 : 0;
    if (L->crowDelta[e] != L->crowDelta[0] || (e % 4 && row0 != L->crowBase[e - 1] + 1))
      return false;
    for (int lane = 0; lane < WAVE; ++lane) {
      int row, c;
      attnMfmaC(in, lane, e, &row, &c);
      if (c != lane % in->n || row != row0 + (lane / in->n) * L->crowDelta[e])
        return false;
    }
  }
  for (int lane = 0; lane < WAVE; ++lane)
    for (int e = 0; e < in->a_per_lane; ++e) {
      int row, k, col, kb;
      attnMfmaA(in, lane, e, &row, &k);
      attnMfmaB(in, lane, e, &kb, &col);
      if (row != lane % in->m || col != lane % in->n || k != kb ||
          k != (lane / in->m) * in->a_per_lane + e)
        return false;
    }
  return true;
}

static bool setUp(Lower *L, MlirOperation func, MlirAttribute kernel) {
  MlirAttribute target =
      mlirDictionaryAttrGetElementByName(kernel, mlirStringRefCreateFromCString("target"));
  char chip[32] = "";
  if (!mlirAttributeIsNull(target) && mlirAttributeIsAString(target)) {
    MlirStringRef s = mlirStringAttrGetValue(target);
    snprintf(chip, sizeof(chip), "%.*s", (int)s.length, s.data);
  }
  L->bm = kernelInt(kernel, "block_m");
  L->W = (int)kernelInt(kernel, "num_warps");
  char msg[256];
  if (strcmp(chip, "gfx942") && strcmp(chip, "gfx950")) {
    snprintf(msg, sizeof(msg),
             "was tiled for target '%s'; the AMD lowering needs gfx942 or gfx950 "
             "(attn-tile{target=gfx942})",
             chip);
    attnEmitOpError(func, passName, msg);
    return false;
  }
  if (L->W <= 0 || L->bm <= 0 || L->bm % L->W || (L->bm / L->W != 32 && L->bm / L->W != 16)) {
    snprintf(msg, sizeof(msg),
             "has block_m %lld and num_warps %d: each wave must own 32 or 16 "
             "query rows (an MFMA block)",
             (long long)L->bm, L->W);
    attnEmitOpError(func, passName, msg);
    return false;
  }
  L->permlaneSwap = !strcmp(chip, "gfx950");
  L->R = (int)(L->bm / L->W);
  L->G = WAVE / L->R;
  MlirBlock old = mlirRegionGetFirstBlock(mlirOperationGetRegion(func, 0));
  MlirType qElem = mlirShapedTypeGetElementType(mlirValueGetType(mlirBlockGetArgument(old, 0)));
  AttnMfmaElem elem;
  if (mlirTypeIsAF16(qElem))
    elem = ATTN_MFMA_F16;
  else if (mlirTypeIsABF16(qElem))
    elem = ATTN_MFMA_BF16;
  else {
    attnEmitOpError(func, passName, "has inputs that are not f16 or bf16 (MFMA needs them)");
    return false;
  }
  L->mma = attnMfmaSelect(chip, elem, L->R);
  if (!L->mma) {
    attnEmitOpError(func, passName, "has no MFMA instruction for its chip, dtype and block");
    return false;
  }
  L->elem = qElem;
  L->CE = L->mma->c_per_lane;
  L->KPL = L->mma->a_per_lane;
  L->K = L->mma->k;
  if (!readLayout(L) || CHUNK % L->KPL || L->K != L->G * L->KPL) {
    attnEmitOpError(func, passName, "has an MFMA lane layout this lowering does not handle");
    return false;
  }
  return true;
}

/* Per-lane values every op uses: thread, lane, lane group, row, columns. */
static void laneValues(Lower *L, AttnBuilder *b) {
  MlirType idx = attnIndexType(b);
  L->tid = gpuId(L, b, "gpu.thread_id", 'x');
  MlirValue wave = attnOp1(b, "arith.divui", 2, (MlirValue[]){L->tid, cIdx(b, WAVE)}, idx);
  L->lane = attnOp1(b, "arith.remui", 2, (MlirValue[]){L->tid, cIdx(b, WAVE)}, idx);
  L->g = attnOp1(b, "arith.divui", 2, (MlirValue[]){L->lane, cIdx(b, L->R)}, idx);
  L->lr = attnOp1(b, "arith.remui", 2, (MlirValue[]){L->lane, cIdx(b, L->R)}, idx);
  L->rowBase = attnAddI(b, attnMulI(b, wave, cIdx(b, L->R)), L->lr);
  L->gd = narrow(b, attnMulI(b, L->g, cIdx(b, L->crowDelta[0])));
}

static bool lowerKernel(MlirOperation module, MlirOperation func, MlirBlock gpuBody) {
  MlirAttribute kernel = attnGetAttr(func, "attn.kernel");
  MlirRegion region = mlirOperationGetRegion(func, 0);
  MlirBlock old = mlirRegionGetFirstBlock(region);
  if (!mlirAttributeIsADictionary(kernel) || mlirBlockIsNull(old) ||
      !mlirBlockIsNull(mlirBlockGetNextInRegion(old))) {
    attnEmitOpError(func, passName, "must be a kernel function with attn.kernel and one block");
    return false;
  }
  Lower L;
  memset(&L, 0, sizeof(L));
  L.map.elemSize = sizeof(Rep);
  L.ctx = mlirOperationGetContext(func);
  if (!setUp(&L, func, kernel))
    return false;
  int nArgs = (int)mlirBlockGetNumArguments(old), nMem = nArgs - 3;
  for (int i = 0; i < nArgs; ++i) {
    MlirType t = mlirValueGetType(mlirBlockGetArgument(old, i));
    if (i < nMem ? !mlirTypeIsAMemRef(t) : !mlirTypeIsAIndex(t)) {
      attnEmitOpError(func, passName, "must take memrefs followed by three program ids");
      return false;
    }
  }
  LdsPlan plan = {&L, 0, {NULL}, false};
  mlirOperationWalk(func, planLds, &plan, MlirWalkPreOrder);
  if (plan.mixed || (!mlirTypeIsNull(plan.elem) && !mlirTypeEqual(plan.elem, L.elem))) {
    attnEmitOpError(func, passName, "stages K/V tiles of a dtype other than Q's");
    return false;
  }
  int threads = L.W * WAVE;
  /* Rows padded by a_per_lane elements: fragment reads of consecutive rows
   * start a_per_lane/2 banks apart, so a wave's 64/128-bit reads cover all
   * banks once. */
  MlirOperation gfunc =
      createGpuFunc(&L, func, gpuBody, nMem, plan.elems > 0 ? plan.elems : 1, threads);
  if (mlirOperationIsNull(gfunc)) {
    attnEmitOpError(func, passName, "could not create its gpu.func (internal error)");
    return false;
  }
  MlirBlock fresh = mlirRegionGetFirstBlock(mlirOperationGetRegion(gfunc, 0));
  MlirOperation gret = mlirBlockGetFirstOperation(fresh);
  AttnBuilder b = {L.ctx, mlirOperationGetLocation(func), fresh, gret};
  for (int i = 0; i < nMem; ++i)
    mapPut(&L, mlirBlockGetArgument(old, i),
           (Rep){.kind = REP_PLAIN, .value = mlirBlockGetArgument(fresh, i)});
  L.lds = mlirBlockGetArgument(fresh, nMem);
  static const char dims[3] = {'x', 'y', 'z'};
  for (int i = 0; i < 3; ++i)
    mapPut(&L, mlirBlockGetArgument(old, nMem + i),
           (Rep){.kind = REP_PLAIN, .value = gpuId(&L, &b, "gpu.block_id", dims[i])});
  laneValues(&L, &b);
  L.scopes[0] = L.nextScope = 1;
  lowerBlock(&L, &b, old);
  MlirOperation ret = mlirBlockGetTerminator(old);
  if (!L.failed && !attnIsOp(ret, "func.return"))
    fail(&L, ret, "must end in func.return");
  bool ok = !L.failed;
  if (L.outOfMemory)
    attnEmitOpError(func, passName, "ran out of memory");
  freeLower(&L);
  if (!ok) {
    mlirOperationDestroy(gfunc);
    return false;
  }
  attnSetAttr(gfunc, "attn.kernel", kernel);
  defineLaunch(&L, module, func, nMem, threads);
  mlirOperationDestroy(func);
  return true;
}

/*===--- The pass ----------------------------------------------------------------===*/

/* The module's gpu.module @attn_kernels, created on first use. */
static MlirBlock kernelModule(MlirOperation module) {
  MlirBlock top = mlirRegionGetFirstBlock(mlirOperationGetRegion(module, 0));
  for (MlirOperation o = mlirBlockGetFirstOperation(top); !mlirOperationIsNull(o);
       o = mlirOperationGetNextInBlock(o))
    if (attnIsOp(o, "gpu.module"))
      return mlirRegionGetFirstBlock(mlirOperationGetRegion(o, 0));
  MlirContext ctx = mlirOperationGetContext(module);
  MlirOperation gm =
      mlirOperationCreateParse(ctx, mlirStringRefCreateFromCString("gpu.module @attn_kernels {\n}"),
                               mlirStringRefCreateFromCString(passName));
  if (mlirOperationIsNull(gm))
    return (MlirBlock){NULL};
  mlirBlockAppendOwnedOperation(top, gm);
  attnSetAttr(module, "gpu.container_module", mlirUnitAttrGet(ctx));
  return mlirRegionGetFirstBlock(mlirOperationGetRegion(gm, 0));
}

static void run(MlirOperation root, MlirExternalPass pass) {
  AttnKernelList list;
  attnCollectKernelFuncs(root, &list);
  bool ok = !list.overflow;
  if (list.overflow)
    attnEmitOpError(root, passName, "found more than 256 kernels in one module");
  MlirBlock gpuBody = list.count ? kernelModule(root) : (MlirBlock){NULL};
  if (list.count && mlirBlockIsNull(gpuBody)) {
    attnEmitOpError(root, passName, "could not create gpu.module @attn_kernels");
    ok = false;
  }
  for (int i = 0; i < list.count && ok; ++i)
    ok = lowerKernel(root, list.funcs[i], gpuBody);
  if (!ok)
    mlirExternalPassSignalFailure(pass);
}

static const int64_t passId = 0;

static const AttnPassInfo info = {&passId, "AttnLowerAmdgpu", "attn-lower-amdgpu",
                                  "Lower kernel IR to AMD GPU kernels (gpu.func with MFMA, LDS "
                                  "staging and wave reductions) launched by gpu.launch_func",
                                  run};

MlirPass attnCreateLowerAmdgpuPass(void) { return attnCreatePass(&info); }
