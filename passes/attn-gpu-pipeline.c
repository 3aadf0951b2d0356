/*===- attn-gpu-pipeline.c - software-pipeline the KV loops (kernel IR) ---===*
 *
 * The schedule stage of the GPU path, on the kernel IR (docs/kernel-ir.md),
 * after attn-gpu-layout. FA3's intra-warpgroup overlap: the P V matmul of
 * KV tile n-1 is issued right after the Q K^T matmul of tile n, so that the
 * tensor cores work on it while the softmax of tile n runs. Each KV loop
 *
 *     scf.for %iv = lb to ub step BN iter_args(.., %O, ..) {
 *       stage 0: K(iv) read, S = Q K^T, the softmax: P(iv), alpha(iv), m, l
 *       stage 1: V(iv) read, O' = P V + O * alpha   (yielded as O)
 *     }
 *
 * becomes three loops, marked attn.pipeline:
 *
 *     "prologue"  lb to min(lb + BN, ub):   stage 0 of the first tile
 *     "steady"    lb + BN to ub:            stage 0 of tile iv, with
 *                                           stage 1 of tile iv - BN: its
 *                                           V read and O's rescale before
 *                                           the Q K^T, its P V matmul
 *                                           right after it
 *     "epilogue"  last to ub (last = the    stage 1 of the last tile
 *                 first tile's iv if ub <= lb + BN, else the last one's)
 *
 * each running 0 or 1 times (prologue, epilogue) or the rest. The values
 * stage 1 takes from stage 0 (P, alpha: the "cross" values) are carried
 * from one loop iteration to the next. O accumulates alpha(n) O_{n-1} +
 * P(n) V(n) as before: the rescale by alpha(n-1) moves with stage 1, so
 * after the loops O is the same sum in the same order (docs/kernel-ir.md).
 *
 * Stage 1 is the P V matmul and every op of the body used only by stage 1
 * (its accumulator's rescale, the V read and its indices), except the
 * matmul's left operand P: P crosses in Q's element type, half the
 * registers of the f32 scores. A loop is left alone (and stays correct)
 * when it does not have this form: one Q K^T and one P V matmul at the top
 * of its body, the P V product only yielded, in O's position, and O used
 * by nothing else, and no K/V tile read crossing from stage 0 to stage 1
 * (attn.mla's V is a column slice of its K tile, docs/mla.md: carrying the
 * tile one iteration is a staging decision of that kernel's lowering).
 *
 * Which kernels: attn.mma = "wgmma" (asynchronous warpgroup matmuls to
 * overlap) and num_stages >= 2; `force=true` pipelines every kernel's KV
 * loops whatever its target, so that the transformation can be checked
 * numerically on the CPU (test/Passes/attn-gpu-pipeline).
 *
 * The backward's mma.sync kernels (attn-flash-backward) with num_stages >= 2
 * are not split: their loops are marked attn.pipeline = "prefetch" (below),
 * a schedule attn-lower-nvgpu carries out (its tiles' two-buffer ring).
 *
 *===----------------------------------------------------------------------===*/

#include "KernelIR.h"
#include "PassUtil.h"
#include "Passes.h"

#include "mlir-c/BuiltinAttributes.h"
#include "mlir-c/BuiltinTypes.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const passName = "attn-gpu-pipeline";

enum { MAX_OPS = 1024, MAX_CROSS = 8, MAX_ITER = 32 };

typedef struct {
  bool force;
} PipelineOptions;

/*===--- Options -----------------------------------------------------------===*/

static bool parseOptions(const char *text, PipelineOptions *o, char *err, size_t errLen) {
  int force = 0;
  const AttnOptionWord words[] = {{"force=true", &force, 1}, {"force=false", &force, 0}};
  bool ok = attnParseOptionWords(text, words, 2, passName, "force=true|false", err, errLen);
  o->force = force;
  return ok;
}

/*===--- The loop's stages -------------------------------------------------===*/

typedef struct {
  MlirOperation loop, qk, pv;
  MlirBlock body;
  int oIndex; /* O's iter_arg / yield position */
  int nOps;
  MlirOperation ops[MAX_OPS]; /* the body's ops before the yield, in order */
  bool stage1[MAX_OPS];
  bool dual[MAX_OPS]; /* scalar stage-0 ops stage 1 recomputes for its own tile */
  int nCross;
  MlirValue cross[MAX_CROSS]; /* stage-0 values stage 1 uses */
} Stages;

static int indexOf(const Stages *s, MlirOperation op) {
  for (int i = 0; i < s->nOps; ++i)
    if (mlirOperationEqual(s->ops[i], op))
      return i;
  return -1;
}

/* The op of the loop body that is `op` or holds it. */
static MlirOperation bodyAncestor(const Stages *s, MlirOperation op) {
  while (!mlirOperationIsNull(op)) {
    MlirBlock blk = mlirOperationGetBlock(op);
    if (!mlirBlockIsNull(blk) && mlirBlockEqual(blk, s->body))
      return op;
    op = mlirOperationGetParentOperation(op);
  }
  return op;
}

/* Whether every use of op's results is by a stage-1 op (and there is one). */
static bool onlyFeedsStage1(const Stages *s, MlirOperation op) {
  intptr_t nRes = mlirOperationGetNumResults(op);
  if (nRes == 0 || mlirOperationGetNumRegions(op) != 0)
    return false;
  for (intptr_t r = 0; r < nRes; ++r) {
    MlirOpOperand use = mlirValueGetFirstUse(mlirOperationGetResult(op, r));
    if (mlirOpOperandIsNull(use))
      return false;
    for (; !mlirOpOperandIsNull(use); use = mlirOpOperandGetNextUse(use)) {
      int at = indexOf(s, bodyAncestor(s, mlirOpOperandGetOwner(use)));
      if (at < 0 || !s->stage1[at])
        return false;
    }
  }
  return true;
}

static bool isBlockArg(MlirValue v, MlirBlock block, intptr_t *pos) {
  if (!mlirValueIsABlockArgument(v) || !mlirBlockEqual(mlirBlockArgumentGetOwner(v), block))
    return false;
  *pos = mlirBlockArgumentGetArgNumber(v);
  return true;
}

/* A K/V tile read (or its pieces assembled), as opposed to values the
 * softmax computes. */
static bool isTileRead(MlirValue v) {
  if (!mlirValueIsAOpResult(v))
    return false;
  MlirOperation def = mlirOpResultGetOwner(v);
  return attnIsOp(def, "vector.transfer_read") || attnIsOp(def, "vector.insert_strided_slice");
}

static bool addCross(Stages *s, MlirValue v) {
  for (int i = 0; i < s->nCross; ++i)
    if (mlirValueEqual(s->cross[i], v))
      return true;
  if (isTileRead(v))
    return false;
  if (s->nCross == MAX_CROSS)
    return false;
  s->cross[s->nCross++] = v;
  return true;
}

/* Scalar index math and reads of index tensors (block tables) that stage 1
 * needs are recomputed for stage 1's tile instead of carried: a K/V read's
 * indices stay functions of the induction variable. */
static bool recomputable(MlirOperation op) {
  if (mlirOperationGetNumRegions(op) != 0 || mlirOperationGetNumResults(op) != 1)
    return false;
  MlirType t = mlirValueGetType(mlirOperationGetResult(op, 0));
  if (mlirTypeIsAVector(t))
    return false;
  MlirStringRef name = mlirIdentifierStr(mlirOperationGetName(op));
  return (name.length > 6 && !strncmp(name.data, "arith.", 6)) ||
         (name.length > 7 && !strncmp(name.data, "affine.", 7)) || attnIsOp(op, "memref.dim") ||
         attnIsOp(op, "memref.load");
}

/* Makes the stage-0 op at `at` a dual op, with the ops it depends on; false
 * when it cannot be (it reads an iter_arg, or is not scalar). */
static bool dualize(Stages *s, int at) {
  if (s->dual[at])
    return true;
  if (!recomputable(s->ops[at]))
    return false;
  for (intptr_t k = 0; k < mlirOperationGetNumOperands(s->ops[at]); ++k) {
    MlirValue v = mlirOperationGetOperand(s->ops[at], k);
    intptr_t pos;
    if (isBlockArg(v, s->body, &pos)) {
      if (pos != 0)
        return false;
      continue;
    }
    int def = mlirValueIsAOpResult(v) ? indexOf(s, mlirOpResultGetOwner(v)) : -1;
    if (def >= 0 && !s->stage1[def] && !dualize(s, def))
      return false;
  }
  s->dual[at] = true;
  return true;
}

/* The stage-1 ops' operands: O, the induction variable, values from outside
 * the loop, stage-1 results, dual ops or cross values. False when one is
 * another iter_arg (its value one iteration late would need a copy
 * carried). */
static bool collectCross(Stages *s) {
  for (int i = 0; i < s->nOps; ++i) {
    if (!s->stage1[i])
      continue;
    for (intptr_t k = 0; k < mlirOperationGetNumOperands(s->ops[i]); ++k) {
      MlirValue v = mlirOperationGetOperand(s->ops[i], k);
      intptr_t pos;
      if (isBlockArg(v, s->body, &pos)) {
        if (pos != 0 && pos != 1 + s->oIndex)
          return false;
        continue;
      }
      if (!mlirValueIsAOpResult(v))
        continue;
      int at = indexOf(s, mlirOpResultGetOwner(v));
      if (at >= 0 && !s->stage1[at] && !dualize(s, at) && !addCross(s, v))
        return false;
    }
  }
  return true;
}

static MlirOperation defOf(MlirValue v) {
  return mlirValueIsAOpResult(v) ? mlirOpResultGetOwner(v) : (MlirOperation){NULL};
}

/* Fills s for `loop`; false when the loop does not have the pipelined form. */
static bool analyze(MlirOperation loop, Stages *s) {
  memset(s, 0, sizeof(*s));
  s->loop = loop;
  s->body = mlirRegionGetFirstBlock(mlirOperationGetRegion(loop, 0));
  intptr_t nIter = mlirOperationGetNumResults(loop);
  if (nIter == 0 || nIter > MAX_ITER || attnGetAttr(loop, "attn.pipeline").ptr)
    return false;
  MlirOperation yield = mlirBlockGetTerminator(s->body);
  for (MlirOperation op = mlirBlockGetFirstOperation(s->body);
       !mlirOperationIsNull(op) && !mlirOperationEqual(op, yield);
       op = mlirOperationGetNextInBlock(op)) {
    if (s->nOps == MAX_OPS)
      return false;
    s->ops[s->nOps++] = op;
    if (!attnIsOp(op, "vector.contract"))
      continue;
    AttnContractForm form = attnContractForm(op);
    MlirOperation *slot = form == ATTN_CONTRACT_QK ? &s->qk : form == ATTN_CONTRACT_PV ? &s->pv : 0;
    if (!slot || !mlirOperationIsNull(*slot))
      return false;
    *slot = op;
  }
  if (mlirOperationIsNull(s->qk) || mlirOperationIsNull(s->pv))
    return false;
  /* The P V product is only yielded, as O. */
  MlirValue o = mlirOperationGetResult(s->pv, 0);
  MlirOpOperand use = mlirValueGetFirstUse(o);
  if (mlirOpOperandIsNull(use) || !mlirOpOperandIsNull(mlirOpOperandGetNextUse(use)) ||
      !mlirOperationEqual(mlirOpOperandGetOwner(use), yield))
    return false;
  s->oIndex = (int)mlirOpOperandGetOperandNumber(use);
  /* Stage 1: the matmul, then (backwards) every op used only by stage 1,
   * but never P, the matmul's left operand. */
  MlirOperation p = defOf(mlirOperationGetOperand(s->pv, 0));
  int pvAt = indexOf(s, s->pv);
  s->stage1[pvAt] = true;
  for (int i = pvAt - 1; i >= 0; --i)
    if (!(!mlirOperationIsNull(p) && mlirOperationEqual(s->ops[i], p)) &&
        onlyFeedsStage1(s, s->ops[i]))
      s->stage1[i] = true;
  if (indexOf(s, s->qk) > pvAt || s->stage1[indexOf(s, s->qk)])
    return false;
  /* O feeds stage 1 only. */
  MlirValue oArg = mlirBlockGetArgument(s->body, 1 + s->oIndex);
  for (use = mlirValueGetFirstUse(oArg); !mlirOpOperandIsNull(use);
       use = mlirOpOperandGetNextUse(use)) {
    int at = indexOf(s, bodyAncestor(s, mlirOpOperandGetOwner(use)));
    if (at < 0 || !s->stage1[at])
      return false;
  }
  return collectCross(s);
}

/*===--- Rebuilding ----------------------------------------------------------===*/

/* Old value -> new value, for the clones of one loop body. */
typedef struct {
  AttnValueMap map;
} Remap;

static MlirValue lookup(void *ud, MlirValue v) {
  MlirValue *to = attnValueMapFind(&((Remap *)ud)->map, v);
  return to ? *to : attnNullValue();
}

static bool bind(Remap *r, MlirValue from, MlirValue to) {
  return attnValueMapPut(&r->map, from, &to) != NULL;
}

static bool cloneInto(AttnBuilder *b, MlirOperation op, Remap *r) {
  MlirOperation copy = attnCloneRemapped(b, op, lookup, r);
  for (intptr_t i = 0; i < mlirOperationGetNumResults(op); ++i)
    if (!bind(r, mlirOperationGetResult(op, i), mlirOperationGetResult(copy, i)))
      return false;
  return true;
}

/* A zero of `type` (a placeholder for the cross values before the first
 * tile: the prologue always overwrites them). */
static MlirValue zeroOf(AttnBuilder *b, MlirType type) {
  MlirType elem = mlirTypeIsAShaped(type) ? mlirShapedTypeGetElementType(type) : type;
  MlirAttribute z = mlirTypeIsAFloat(elem) ? mlirFloatAttrDoubleGet(b->ctx, elem, 0.0)
                                           : mlirIntegerAttrGet(elem, 0);
  if (mlirTypeIsAShaped(type))
    z = mlirDenseElementsAttrSplatGet(type, z);
  MlirNamedAttribute value = attnNamedAttr(b, "value", z);
  MlirOperation c = attnBuildOp(b, "arith.constant", 0, NULL, 1, &type, 1, &value, 0, NULL);
  return mlirOperationGetResult(c, 0);
}

/* The dual ops, then stage 1 (with its P V matmul or not), for the tile
 * `prev` maps the iv to. */
static bool cloneStage1(AttnBuilder *b, const Stages *s, Remap *prev, bool withMatmul) {
  bool ok = true;
  for (int j = 0; ok && j < s->nOps; ++j)
    if (s->dual[j])
      ok = cloneInto(b, s->ops[j], prev);
  for (int j = 0; ok && j < s->nOps; ++j)
    if (s->stage1[j] && (withMatmul || !mlirOperationEqual(s->ops[j], s->pv)))
      ok = cloneInto(b, s->ops[j], prev);
  return ok;
}

static void mark(MlirOperation loop, const char *stage) {
  MlirContext ctx = mlirOperationGetContext(loop);
  attnSetAttr(loop, "attn.pipeline", mlirStringAttrGet(ctx, mlirStringRefCreateFromCString(stage)));
}

typedef enum { PROLOGUE, STEADY, EPILOGUE } Part;

/* Builds one of the three loops from lb to ub over `inits` (the original
 * iter_args, then the cross values). */
static bool buildPart(const Stages *s, AttnBuilder *b, Part part, MlirValue lb, MlirValue ub,
                      MlirValue step, int nInit, const MlirValue *inits, MlirValue *results) {
  int nIter = (int)mlirOperationGetNumResults(s->loop);
  AttnFor f = attnForBegin(b, lb, ub, step, nInit, inits);
  Remap now = {{.elemSize = sizeof(MlirValue)}}, prev = {{.elemSize = sizeof(MlirValue)}};
  bool ok = true;
  /* Stage 0 sees this iteration; stage 1 the previous one (the steady
   * loop's iv - BN) or, in the epilogue, this one (the last tile). */
  ok &= bind(&now, mlirBlockGetArgument(s->body, 0), f.iv);
  MlirValue ivPrev = f.iv;
  if (part == STEADY)
    ivPrev = attnSubI(b, f.iv, step);
  ok &= bind(&prev, mlirBlockGetArgument(s->body, 0), ivPrev);
  for (int i = 0; i < nIter; ++i) {
    ok &= bind(&now, mlirBlockGetArgument(s->body, 1 + i), f.iterArgs[i]);
    ok &= bind(&prev, mlirBlockGetArgument(s->body, 1 + i), f.iterArgs[i]);
  }
  for (int c = 0; c < s->nCross; ++c)
    ok &= bind(&prev, s->cross[c], f.iterArgs[nIter + c]);
  MlirValue pvNew = attnNullValue();
  for (int i = 0; ok && i < s->nOps; ++i) {
    if (part == STEADY && mlirOperationEqual(s->ops[i], s->qk))
      ok = cloneStage1(b, s, &prev, false); /* V read, O's rescale */
    if (ok && part != EPILOGUE && !s->stage1[i])
      ok = cloneInto(b, s->ops[i], &now);
    if (part == STEADY && mlirOperationEqual(s->ops[i], s->qk) && ok) {
      /* the P V matmul of the previous tile, issued behind this tile's
       * Q K^T; its inputs were made before the Q K^T (below) */
      ok = cloneInto(b, s->pv, &prev);
    }
  }
  if (ok && part == EPILOGUE)
    ok = cloneStage1(b, s, &prev, true);
  if (ok && part != PROLOGUE)
    pvNew = lookup(&prev, mlirOperationGetResult(s->pv, 0));
  MlirOperation yield = mlirBlockGetTerminator(s->body);
  MlirValue yielded[MAX_ITER + MAX_CROSS];
  for (int i = 0; ok && i < nIter; ++i) {
    MlirValue y = mlirOperationGetOperand(yield, i);
    if (i == s->oIndex)
      yielded[i] = part == PROLOGUE ? f.iterArgs[i] : pvNew;
    else if (part == EPILOGUE)
      yielded[i] = f.iterArgs[i];
    else {
      MlirValue m = lookup(&now, y);
      yielded[i] = mlirValueIsNull(m) ? y : m; /* defined outside the loop */
    }
  }
  for (int c = 0; ok && c < s->nCross; ++c)
    yielded[nIter + c] = part == EPILOGUE ? f.iterArgs[nIter + c] : lookup(&now, s->cross[c]);
  for (int i = 0; ok && i < nInit; ++i)
    ok = !mlirValueIsNull(yielded[i]);
  if (ok)
    attnForEnd(b, &f, nInit, yielded);
  attnValueMapFree(&now.map);
  attnValueMapFree(&prev.map);
  if (!ok)
    return false;
  mark(f.op, part == PROLOGUE ? "prologue" : part == STEADY ? "steady" : "epilogue");
  for (int i = 0; i < nInit; ++i)
    results[i] = f.results[i];
  return true;
}

/* Replaces `s->loop` by its prologue, steady and epilogue loops. */
static bool pipelineLoop(const Stages *s) {
  AttnBuilder b = attnBuilderBefore(s->loop);
  b.loc = mlirOperationGetLocation(s->loop);
  int nIter = (int)mlirOperationGetNumResults(s->loop), nInit = nIter + s->nCross;
  MlirValue lb = mlirOperationGetOperand(s->loop, 0), ub = mlirOperationGetOperand(s->loop, 1),
            step = mlirOperationGetOperand(s->loop, 2);
  MlirValue inits[MAX_ITER + MAX_CROSS], mid[MAX_ITER + MAX_CROSS], out[MAX_ITER + MAX_CROSS];
  for (int i = 0; i < nIter; ++i)
    inits[i] = mlirOperationGetOperand(s->loop, 3 + i);
  for (int c = 0; c < s->nCross; ++c)
    inits[nIter + c] = zeroOf(&b, mlirValueGetType(s->cross[c]));
  /* prologue: lb to min(lb + step, ub) runs once iff the loop runs */
  MlirValue first = attnMinSI(&b, attnAddI(&b, lb, step), ub);
  if (!buildPart(s, &b, PROLOGUE, lb, first, step, nInit, inits, mid))
    return false;
  if (!buildPart(s, &b, STEADY, attnAddI(&b, lb, step), ub, step, nInit, mid, out))
    return false;
  /* epilogue: from the last tile's iv, lb + ((ub - 1 - lb) / step) * step,
   * to ub (once), or from ub (never) when the loop is empty */
  MlirValue one = attnConstIndex(&b, 1);
  MlirValue span = attnSubI(&b, attnSubI(&b, ub, one), lb);
  MlirValue lastIv =
      attnAddI(&b, lb, attnMulI(&b, attnBinary(&b, "arith.divui", span, step), step));
  MlirValue runs = attnCmpI(&b, ATTN_CMPI_SLT, lb, ub);
  MlirValue last = attnSelect(&b, runs, lastIv, ub);
  if (!buildPart(s, &b, EPILOGUE, last, ub, step, nInit, out, mid))
    return false;
  for (int i = 0; i < nIter; ++i)
    mlirValueReplaceAllUsesOfWith(mlirOperationGetResult(s->loop, i), mid[i]);
  mlirOperationDestroy(s->loop);
  return true;
}

/*===--- Kernels ---------------------------------------------------------------===*/

static int64_t kernelInt(MlirAttribute kernel, const char *name) {
  MlirAttribute a =
      mlirDictionaryAttrGetElementByName(kernel, mlirStringRefCreateFromCString(name));
  return !mlirAttributeIsNull(a) && mlirAttributeIsAInteger(a) ? mlirIntegerAttrGetValueInt(a) : -1;
}

static bool wantsPipeline(MlirOperation func, const PipelineOptions *o) {
  if (o->force)
    return true;
  MlirAttribute mma = attnGetAttr(func, "attn.mma");
  MlirAttribute kernel = attnGetAttr(func, "attn.kernel");
  return !mlirAttributeIsNull(mma) && mlirAttributeIsAString(mma) &&
         mlirStringRefEqual(mlirStringAttrGetValue(mma), mlirStringRefCreateFromCString("wgmma")) &&
         mlirAttributeIsADictionary(kernel) && kernelInt(kernel, "num_stages") >= 2;
}

typedef struct {
  MlirOperation loops[64];
  int n;
} Loops;

/*===--- Backward kernels: the next iteration's tiles, prefetched ----------===*/

/* attn-flash-backward's dK/dV and dQ kernels (mma.sync, docs/backward.md)
 * have loops whose bodies read two right-operand tiles (Q and dout in
 * dK/dV, K and V in dQ) that several matmuls of both forms read until the
 * body's end, so the forward's split into stages does not apply. With
 * num_stages >= 2 such a loop is marked attn.pipeline = "prefetch": the
 * lowering keeps each tile in a two-buffer ring and, at the top of
 * iteration iv, issues the tiles of iv + step into the buffers iteration
 * iv - step read (attn-lower-nvgpu, docs/backward.md "On sm_90a"). The
 * kernel IR is unchanged: the mark only says that the loop's tiles can be
 * read one iteration early. */

static bool isVectorType(MlirType t) { return mlirTypeIsAVector(t); }

static bool inside(MlirOperation op, MlirOperation loop) {
  for (; !mlirOperationIsNull(op); op = mlirOperationGetParentOperation(op))
    if (mlirOperationEqual(op, loop))
      return true;
  return false;
}

/* Whether `v`, an operand of a tile read of `loop`'s body, can be computed
 * for another iteration: the induction variable, a scalar from outside the
 * loop, or the result of a scalar op of the body (no regions, no vectors)
 * whose operands can. `depth` bounds the walk up the body's ops. */
static bool atAnyIteration(MlirValue v, MlirOperation loop, MlirBlock body, int depth) {
  if (isVectorType(mlirValueGetType(v)) || depth > 32)
    return false;
  if (mlirValueIsABlockArgument(v)) {
    MlirBlock owner = mlirBlockArgumentGetOwner(v);
    if (mlirBlockEqual(owner, body))
      return mlirBlockArgumentGetArgNumber(v) == 0; /* not a loop-carried value */
    return true;                                    /* from outside */
  }
  MlirOperation def = mlirOpResultGetOwner(v);
  MlirBlock in = mlirOperationGetBlock(def);
  if (!mlirBlockEqual(in, body))
    return !inside(def, loop);
  if (mlirOperationGetNumRegions(def) != 0)
    return false;
  for (intptr_t i = 0; i < mlirOperationGetNumResults(def); ++i)
    if (isVectorType(mlirValueGetType(mlirOperationGetResult(def, i))))
      return false;
  for (intptr_t i = 0; i < mlirOperationGetNumOperands(def); ++i)
    if (!atAnyIteration(mlirOperationGetOperand(def, i), loop, body, depth + 1))
      return false;
  return true;
}

/* Whether every use of v is the right operand of a matmul. */
static bool rightOperandOnly(MlirValue v) {
  MlirOpOperand u = mlirValueGetFirstUse(v);
  if (mlirOpOperandIsNull(u))
    return false;
  for (; !mlirOpOperandIsNull(u); u = mlirOpOperandGetNextUse(u))
    if (!attnIsOp(mlirOpOperandGetOwner(u), "vector.contract") ||
        mlirOpOperandGetOperandNumber(u) != 1)
      return false;
  return true;
}

/* A loop whose matmuls' right operands are one or two tile reads of its
 * own body, `step` rows each, readable at any iteration. */
static bool prefetchable(MlirOperation loop) {
  MlirBlock body = mlirRegionGetFirstBlock(mlirOperationGetRegion(loop, 0));
  int64_t step;
  if (!mlirAttributeIsNull(attnGetAttr(loop, "attn.pipeline")) ||
      !attnConstIndexValue(mlirOperationGetOperand(loop, 2), &step))
    return false;
  int reads = 0;
  for (MlirOperation op = mlirBlockGetFirstOperation(body); !mlirOperationIsNull(op);
       op = mlirOperationGetNextInBlock(op)) {
    if (attnIsOp(op, "vector.contract")) {
      MlirOperation def = defOf(mlirOperationGetOperand(op, 1));
      if (mlirOperationIsNull(def) || !attnIsOp(def, "vector.transfer_read") ||
          !mlirBlockEqual(mlirOperationGetBlock(def), body))
        return false;
      continue;
    }
    if (!attnIsOp(op, "vector.transfer_read") || !rightOperandOnly(mlirOperationGetResult(op, 0)))
      continue;
    MlirType t = mlirValueGetType(mlirOperationGetResult(op, 0));
    if (mlirShapedTypeGetRank(t) != 2 || mlirShapedTypeGetDimSize(t, 0) != step || ++reads > 2)
      return false;
    for (intptr_t i = 0; i < mlirOperationGetNumOperands(op); ++i)
      if (!atAnyIteration(mlirOperationGetOperand(op, i), loop, body, 0))
        return false;
  }
  return reads > 0;
}

/* Which kernels: the backward's mma.sync kernels with num_stages >= 2,
 * except those reading dropout's seed at run time (attn.kernel's
 * rng_state): their hoisted Philox key words (attn-gpu-layout counts 48
 * registers for them) left no room for the ring's live values, and ptxas
 * capped the D = 64 dK/dV kernel at 168 registers with a 4-byte spill. */
static bool wantsPrefetch(MlirOperation func) {
  MlirAttribute mma = attnGetAttr(func, "attn.mma");
  MlirAttribute kernel = attnGetAttr(func, "attn.kernel");
  return attnIsBackwardKernel(kernel) && !mlirAttributeIsNull(mma) &&
         mlirAttributeIsNull(mlirDictionaryAttrGetElementByName(
             kernel, mlirStringRefCreateFromCString("rng_state"))) &&
         mlirAttributeIsAString(mma) &&
         mlirStringRefEqual(mlirStringAttrGetValue(mma),
                            mlirStringRefCreateFromCString("mma_sync")) &&
         kernelInt(kernel, "num_stages") >= 2;
}

/* Whether a loop's body holds a tile matmul itself (a KV loop does). */
static bool hasMatmul(MlirOperation loop) {
  MlirBlock body = mlirRegionGetFirstBlock(mlirOperationGetRegion(loop, 0));
  for (MlirOperation op = mlirBlockGetFirstOperation(body); !mlirOperationIsNull(op);
       op = mlirOperationGetNextInBlock(op))
    if (attnIsOp(op, "vector.contract"))
      return true;
  return false;
}

/* The candidate KV loops. Only loops with a matmul in their own body: a
 * loop nested in a KV loop's body (SAGE's per-key scale loads) is destroyed
 * with that body when the KV loop is rebuilt, so it must not be listed. */
static MlirWalkResult collectLoop(MlirOperation op, void *userData) {
  Loops *l = userData;
  if (attnIsOp(op, "scf.for") && l->n < 64 && hasMatmul(op))
    l->loops[l->n++] = op;
  return MlirWalkResultAdvance;
}

static bool pipelineKernel(MlirOperation func, const PipelineOptions *o) {
  Loops l = {.n = 0};
  if (wantsPrefetch(func)) {
    mlirOperationWalk(func, collectLoop, &l, MlirWalkPreOrder);
    for (int i = 0; i < l.n; ++i)
      if (prefetchable(l.loops[i]))
        mark(l.loops[i], "prefetch");
    return true;
  }
  if (!wantsPipeline(func, o))
    return true;
  mlirOperationWalk(func, collectLoop, &l, MlirWalkPreOrder);
  Stages *s = malloc(sizeof(Stages));
  if (!s) {
    attnEmitOpError(func, passName, "ran out of memory");
    return false;
  }
  bool ok = true;
  for (int i = 0; ok && i < l.n; ++i)
    if (analyze(l.loops[i], s) && !pipelineLoop(s)) {
      attnEmitOpError(l.loops[i], passName, "could not rebuild the KV loop (out of memory)");
      ok = false;
    }
  free(s);
  return ok;
}

static void run(MlirOperation root, MlirExternalPass pass, const void *options) {
  const PipelineOptions *o = options;
  AttnKernelList list;
  attnCollectKernelFuncs(root, &list);
  bool ok = o && !list.overflow;
  if (list.overflow)
    attnEmitOpError(root, passName, "found more than 256 kernels in one module");
  for (int i = 0; ok && i < list.count; ++i)
    ok = pipelineKernel(list.funcs[i], o);
  if (!ok)
    mlirExternalPassSignalFailure(pass);
}

static const int64_t passId = 0;

static const AttnPassInfo info = {&passId, "AttnGpuPipeline", "attn-gpu-pipeline",
                                  "Software-pipeline the KV loops of GPU kernels (P V of tile n-1 "
                                  "behind Q K^T of tile n); mark the backward's loops whose "
                                  "next tiles are prefetched",
                                  NULL};

MlirPass attnCreateGpuPipelinePass(const char *options, char *err, size_t errLen) {
  PipelineOptions o;
  if (!parseOptions(options, &o, err, errLen))
    return (MlirPass){NULL};
  MlirPass pass = attnCreateOptionsPass(&info, &o, sizeof(o), run);
  if (!pass.ptr)
    snprintf(err, errLen, "attn-gpu-pipeline: out of memory");
  return pass;
}
