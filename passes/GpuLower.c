/*===- GpuLower.c - the GPU lowering of the kernel IR, shared by targets -===*
 *
 * The driver of the GPU core (see GpuLower.h for the layout contract and
 * GpuLowerInternal.h for the files it is split into). The lowering rewrites
 * a kernel function op by op into a fresh gpu.func body. Every old value
 * gets a representation (AttnRep): a scalar, a row vector (one scalar per
 * row slot of the lane), a tile (blocks), Q fragments, a K/V tile in shared
 * memory, or a lazily evaluated vector, built where and in the form its
 * user needs (GpuForms.c). The three KV loops of the flash loop split stay
 * as they are, carrying their values flattened to scalars and blocks.
 *
 * This file owns the state (the value map, block arrays, errors), the
 * asynchronous matmul results a target leaves pending (settled before
 * their first use, before a loop and at a loop's end), the dispatch of
 * each op to the file that lowers it, loops and the two copies of a
 * warp-specialized kernel, the kernel set-up (attn.kernel, the column
 * split, the signature) and the pass.
 *
 *===----------------------------------------------------------------------===*/

#include "GpuLowerInternal.h"

#include "mlir-c/BuiltinAttributes.h"
#include "mlir-c/BuiltinTypes.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static MlirValue cIdx(AttnBuilder *b, int64_t v) { return attnConstIndex(b, v); }

/*===--- Representations ----------------------------------------------------===*/

AttnRep *attnGpuFind(AttnGpuLower *L, MlirValue v) { return attnValueMapFind(&L->map, v); }

void attnGpuPut(AttnGpuLower *L, MlirValue v, AttnRep rep) {
  if (!attnValueMapPut(&L->map, v, &rep))
    L->outOfMemory = L->failed = true;
}

void attnGpuPutPending(AttnGpuLower *L, MlirOperation op, MlirValue v, AttnRep rep) {
  if (L->nPending == (int)(sizeof(L->pending) / sizeof(L->pending[0]))) {
    attnGpuFail(L, op, "has more asynchronous matmuls in flight than the lowering tracks");
    return;
  }
  rep.kind = ATTN_REP_PENDING;
  attnGpuPut(L, v, rep);
  L->pending[L->nPending++] = v;
}

static void settleValue(AttnGpuLower *L, AttnBuilder *b, MlirValue v) {
  AttnRep *r = attnGpuFind(L, v);
  if (!r || r->kind != ATTN_REP_PENDING)
    return;
  L->tgt->settle(L, b, r);
  for (int i = 0; i < L->nPending; ++i)
    if (mlirValueEqual(L->pending[i], v)) {
      L->pending[i] = L->pending[--L->nPending];
      break;
    }
}

/* Every pending result, in the order they were issued: before a loop (its
 * body must not wait for work of the code around it) and at the end of a
 * loop body (nothing is in flight across the back edge: ptxas would
 * serialize the warpgroup MMAs, warning C7514). */
static void settleAll(AttnGpuLower *L, AttnBuilder *b) {
  while (L->nPending > 0 && !L->failed) {
    int first = 0;
    for (int i = 1; i < L->nPending; ++i)
      if (attnGpuFind(L, L->pending[i])->generation < attnGpuFind(L, L->pending[first])->generation)
        first = i;
    settleValue(L, b, L->pending[first]);
  }
}

/* The pending results op uses, directly or through the lazily evaluated
 * values it reads (a lazy op is evaluated where its user is). */
static void settleOperands(AttnGpuLower *L, AttnBuilder *b, MlirOperation op, int depth) {
  if (L->nPending == 0 || depth > 8)
    return;
  for (intptr_t i = 0; i < mlirOperationGetNumOperands(op); ++i) {
    MlirValue v = mlirOperationGetOperand(op, i);
    AttnRep *r = attnGpuFind(L, v);
    if (r && r->kind == ATTN_REP_PENDING)
      settleValue(L, b, v);
    else if (r && r->kind == ATTN_REP_LAZY && !mlirOperationIsNull(r->def))
      settleOperands(L, b, r->def, depth + 1);
  }
}

/* Whether a pending matmul reads the loop-carried value that `op`'s result
 * replaces (the result is yielded at the position of an iter_arg the
 * matmul takes). Then the matmul is settled first: otherwise the new value
 * may be made in the very registers the asynchronous matmul is still
 * reading (LLVM coalesces a loop-carried value with its next one; ptxas
 * then serializes every wgmma of the kernel, C7513). */
static void settleReplaced(AttnGpuLower *L, AttnBuilder *b, MlirOperation op) {
  for (intptr_t r = 0; r < mlirOperationGetNumResults(op) && L->nPending > 0; ++r)
    for (MlirOpOperand u = mlirValueGetFirstUse(mlirOperationGetResult(op, r));
         !mlirOpOperandIsNull(u); u = mlirOpOperandGetNextUse(u)) {
      MlirOperation user = mlirOpOperandGetOwner(u);
      if (!attnIsOp(user, "scf.yield"))
        continue;
      MlirBlock body = mlirOperationGetBlock(user);
      MlirValue carried = mlirBlockGetArgument(body, 1 + mlirOpOperandGetOperandNumber(u));
      for (int i = 0; i < L->nPending; ++i) {
        MlirOperation mm = mlirOpResultGetOwner(L->pending[i]);
        for (intptr_t k = 0; k < mlirOperationGetNumOperands(mm); ++k)
          if (mlirValueEqual(mlirOperationGetOperand(mm, k), carried)) {
            settleValue(L, b, L->pending[i]);
            i = -1; /* the list changed */
            break;
          }
      }
    }
}

/* Block arrays live until the kernel is done. */
MlirValue *attnGpuNewBlocks(AttnGpuLower *L, int n) {
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

static void freeLower(AttnGpuLower *L) {
  for (size_t i = 0; i < L->arenaCount; ++i)
    free(L->arena[i]);
  free(L->arena);
  attnValueMapFree(&L->map);
}

/*===--- Errors ------------------------------------------------------------===*/

void attnGpuFail(AttnGpuLower *L, MlirOperation op, const char *message) {
  if (!L->failed)
    attnEmitOpError(op, L->tgt->passName, message);
  L->failed = true;
}

/* A message naming the target's lowering: "... the AMD lowering ...". */
void attnGpuFailWith(AttnGpuLower *L, MlirOperation op, const char *fmt) {
  char msg[256];
  snprintf(msg, sizeof(msg), fmt, L->tgt->vendor);
  attnGpuFail(L, op, msg);
}

/*===--- Ops, blocks and loops ---------------------------------------------------===*/

/* Whether a vector.contract other than v's user lies between op and the
 * (single) user of its result v, in op's block. */
static bool matmulBetween(MlirOperation op, MlirValue v) {
  MlirOperation user = mlirOpOperandGetOwner(mlirValueGetFirstUse(v));
  for (MlirOperation o = mlirOperationGetNextInBlock(op); !mlirOperationIsNull(o);
       o = mlirOperationGetNextInBlock(o)) {
    if (mlirOperationEqual(o, user))
      return false;
    if (attnIsOp(o, "vector.contract"))
      return true;
  }
  return false;
}

static void lowerContract(AttnGpuLower *L, AttnBuilder *b, MlirOperation op) {
  AttnContractForm form = attnContractForm(op);
  if (form == ATTN_CONTRACT_QK)
    L->tgt->lowerQK(L, b, op);
  else if (form == ATTN_CONTRACT_PV)
    L->tgt->lowerPV(L, b, op);
  else
    attnGpuFail(L, op, "is not a QK^T or PV tile matmul (see docs/kernel-ir.md)");
}

static void lowerBlock(AttnGpuLower *L, AttnBuilder *b, MlirBlock block);

static void clonePlain(AttnGpuLower *L, AttnBuilder *b, MlirOperation op) {
  for (intptr_t i = 0; i < mlirOperationGetNumOperands(op); ++i)
    if (attnGpuIsVec(mlirOperationGetOperand(op, i))) {
      attnGpuFailWith(L, op, "takes a vector operand the %s lowering does not support here");
      return;
    }
  MlirOperation copy = attnCloneRemapped(b, op, attnGpuPlainOf, L);
  attnGpuFixMemorySpace(copy);
  bool pin = L->tgt->perIteration && mlirOperationGetNumResults(op) == 1 &&
             !mlirAttributeIsNull(attnGetAttr(op, "attn.per_iteration"));
  for (intptr_t i = 0; i < mlirOperationGetNumResults(op); ++i) {
    MlirValue v = mlirOperationGetResult(copy, i);
    attnGpuPut(L, mlirOperationGetResult(op, i),
               (AttnRep){.kind = ATTN_REP_PLAIN, .value = pin ? L->tgt->perIteration(L, b, v) : v});
  }
}

/* The flattened form of a loop-carried vector: its row slots (row vector)
 * or its blocks (tile). */
static int flatten(AttnGpuLower *L, AttnBuilder *b, MlirOperation user, MlirValue old,
                   MlirValue *out) {
  if (!attnGpuIsVec(old)) {
    out[0] = attnGpuPlain(L, user, old);
    return 1;
  }
  if (attnGpuRank(old) == 1) {
    for (int s = 0; s < L->RL; ++s)
      out[s] = attnGpuRowOf(L, b, user, old, s);
    return L->RL;
  }
  int nb = 0;
  attnGpuTileBlocks(L, b, user, old, out, &nb);
  return nb;
}

static int flatCount(AttnGpuLower *L, MlirValue v) {
  if (!attnGpuIsVec(v))
    return 1;
  return attnGpuRank(v) == 1 ? L->RL : L->RL * attnGpuColBlocks(L, attnGpuDim(v, 1));
}

static void putFlat(AttnGpuLower *L, MlirValue old, const MlirValue *flat) {
  if (!attnGpuIsVec(old))
    attnGpuPut(L, old, (AttnRep){.kind = ATTN_REP_PLAIN, .value = flat[0]});
  else if (attnGpuRank(old) == 1)
    attnGpuPutRow(L, old, flat);
  else
    attnGpuPutTile(L, old, flatCount(L, old), flat);
}

/* A K or V tile read: a tile read whose only use is the right operand of a
 * matmul. */
static bool isKvRead(MlirOperation op) {
  if (!attnIsOp(op, "vector.transfer_read") || mlirOperationGetNumResults(op) != 1)
    return false;
  MlirValue res = mlirOperationGetResult(op, 0);
  return attnGpuIsTile(res) && attnGpuRightOperandOnly(res);
}

/* A loop whose body (not a nested region) reads K or V tiles: it carries the
 * read counts of a warp-specialized kernel. */
static bool readsKv(MlirOperation loop) {
  MlirBlock body = mlirRegionGetFirstBlock(mlirOperationGetRegion(loop, 0));
  for (MlirOperation o = mlirBlockGetFirstOperation(body); !mlirOperationIsNull(o);
       o = mlirOperationGetNextInBlock(o))
    if (isKvRead(o))
      return true;
  return false;
}

static MlirWalkResult findKvRead(MlirOperation op, void *userData) {
  if (isKvRead(op)) {
    *(bool *)userData = true;
    return MlirWalkResultInterrupt;
  }
  return MlirWalkResultAdvance;
}

static bool containsKvRead(MlirOperation op) {
  bool found = false;
  mlirOperationWalk(op, findKvRead, &found, MlirWalkPreOrder);
  return found;
}

static void lowerProducerFor(AttnGpuLower *L, AttnBuilder *b, MlirOperation op) {
  if (!readsKv(op)) {
    /* Skipping a loop around K/V reads would leave the consumers waiting
     * for tiles nobody copies. */
    if (containsKvRead(op))
      attnGpuFailWith(L, op,
                      "nests K/V reads in a loop of a loop, which the warp-specialized %s "
                      "lowering does not support");
    return; /* nothing to copy: the consumers' work only */
  }
  MlirBlock body = mlirRegionGetFirstBlock(mlirOperationGetRegion(op, 0));
  MlirValue lb = attnGpuPlain(L, op, mlirOperationGetOperand(op, 0));
  MlirValue ub = attnGpuPlain(L, op, mlirOperationGetOperand(op, 1));
  MlirValue step = attnGpuPlain(L, op, mlirOperationGetOperand(op, 2));
  if (L->failed)
    return;
  AttnFor loop = attnForBegin(b, lb, ub, step, 2, L->readCount);
  attnGpuEnterScope(L);
  attnGpuPut(L, mlirBlockGetArgument(body, 0), (AttnRep){.kind = ATTN_REP_PLAIN, .value = loop.iv});
  L->readCount[0] = loop.iterArgs[0];
  L->readCount[1] = loop.iterArgs[1];
  lowerBlock(L, b, body);
  MlirValue next[2] = {L->readCount[0], L->readCount[1]};
  attnGpuLeaveScope(L);
  if (L->failed)
    return;
  attnForEnd(b, &loop, 2, next);
  L->readCount[0] = loop.results[0];
  L->readCount[1] = loop.results[1];
}

static void lowerFor(AttnGpuLower *L, AttnBuilder *b, MlirOperation op) {
  intptr_t nIter = mlirOperationGetNumResults(op);
  MlirBlock body = mlirRegionGetFirstBlock(mlirOperationGetRegion(op, 0));
  MlirValue inits[ATTN_FOR_MAX_ITER];
  int counts[ATTN_FOR_MAX_ITER], total = 0;
  for (intptr_t i = 0; i < nIter && !L->failed; ++i) {
    MlirValue init = mlirOperationGetOperand(op, 3 + i);
    counts[i] = flatCount(L, init);
    if (total + counts[i] + 2 > ATTN_FOR_MAX_ITER) {
      attnGpuFailWith(L, op, "carries more values than the %s lowering supports");
      return;
    }
    total += flatten(L, b, op, init, inits + total);
  }
  /* Warp-specialized: the K and V read counts ride along, last. */
  bool counted = L->producerWarps > 0 && readsKv(op);
  if (counted) {
    inits[total++] = L->readCount[0];
    inits[total++] = L->readCount[1];
  }
  MlirValue lb = attnGpuPlain(L, op, mlirOperationGetOperand(op, 0));
  MlirValue ub = attnGpuPlain(L, op, mlirOperationGetOperand(op, 1));
  MlirValue step = attnGpuPlain(L, op, mlirOperationGetOperand(op, 2));
  settleAll(L, b);
  if (L->failed)
    return;
  AttnFor loop = attnForBegin(b, lb, ub, step, total, inits);
  attnGpuEnterScope(L);
  MlirValue iv = L->tgt->loopIndex ? L->tgt->loopIndex(L, b, loop.iv) : loop.iv;
  attnGpuPut(L, mlirBlockGetArgument(body, 0), (AttnRep){.kind = ATTN_REP_PLAIN, .value = iv});
  for (intptr_t i = 0, at = 0; i < nIter; at += counts[i], ++i)
    putFlat(L, mlirBlockGetArgument(body, 1 + i), loop.iterArgs + at);
  if (counted) {
    L->readCount[0] = loop.iterArgs[total - 2];
    L->readCount[1] = loop.iterArgs[total - 1];
  }
  lowerBlock(L, b, body);
  MlirOperation yield = mlirBlockGetTerminator(body);
  settleOperands(L, b, yield, 0);
  settleAll(L, b);
  MlirValue yielded[ATTN_FOR_MAX_ITER];
  int n = 0;
  for (intptr_t i = 0; i < nIter && !L->failed; ++i)
    n += flatten(L, b, yield, mlirOperationGetOperand(yield, i), yielded + n);
  if (counted) {
    yielded[n++] = L->readCount[0];
    yielded[n++] = L->readCount[1];
  }
  attnGpuLeaveScope(L);
  if (L->failed)
    return;
  attnForEnd(b, &loop, n, yielded);
  for (intptr_t i = 0, at = 0; i < nIter; at += counts[i], ++i)
    putFlat(L, mlirOperationGetResult(op, i), loop.results + at);
  if (counted) {
    L->readCount[0] = loop.results[total - 2];
    L->readCount[1] = loop.results[total - 1];
  }
}

/* The producer's copy of op (warp specialization): scalar code, KV loops
 * and K/V tile reads; the rest is the consumers'. */
static void lowerProducerOp(AttnGpuLower *L, AttnBuilder *b, MlirOperation op) {
  if (attnIsOp(op, "scf.for") && attnGpuHasVector(op))
    lowerProducerFor(L, b, op);
  else if (isKvRead(op))
    attnGpuLowerTransferRead(L, b, op);
  else if (!attnGpuHasVector(op))
    clonePlain(L, b, op);
  else if (mlirOperationGetNumRegions(op) > 0 && containsKvRead(op))
    attnGpuFailWith(L, op,
                    "holds K/V reads in a region the warp-specialized %s lowering does not "
                    "follow");
}

static void lowerOp(AttnGpuLower *L, AttnBuilder *b, MlirOperation op) {
  if (L->producer) {
    lowerProducerOp(L, b, op);
    return;
  }
  if (attnIsOp(op, "scf.for"))
    settleAll(L, b);
  else {
    settleOperands(L, b, op, 0);
    settleReplaced(L, b, op);
  }
  bool oneResult = mlirOperationGetNumResults(op) == 1;
  MlirValue res = oneResult ? mlirOperationGetResult(op, 0) : attnNullValue();
  if (attnIsOp(op, "scf.for") && attnGpuHasVector(op)) {
    lowerFor(L, b, op);
  } else if (attnIsOp(op, "vector.contract")) {
    lowerContract(L, b, op);
  } else if (attnIsOp(op, "vector.multi_reduction")) {
    attnGpuLowerMultiReduction(L, b, op);
  } else if (attnIsOp(op, "vector.transfer_read")) {
    attnGpuLowerTransferRead(L, b, op);
  } else if (attnIsOp(op, "vector.insert_strided_slice")) {
    attnGpuLowerInsertSlice(L, b, op);
  } else if (attnGpuIsDequantTile(op)) {
    attnGpuLowerDequantTile(L, b, op);
  } else if (attnIsOp(op, "vector.extract_strided_slice")) {
    attnGpuLowerColumnSlice(L, op);
  } else if (attnIsOp(op, "vector.transfer_write")) {
    attnGpuLowerTransferWrite(L, b, op);
  } else if (attnIsOp(op, "vector.transpose")) {
    attnGpuLowerTranspose(L, b, op);
  } else if (oneResult && attnGpuIsVec(res) &&
             (attnGpuRank(res) == 1 || attnIsOp(op, "vector.broadcast") ||
              attnIsOp(op, "arith.constant"))) {
    /* Row/column vectors, broadcasts and constants take the form their users
     * need when they need it. */
    attnGpuPut(L, res, (AttnRep){.kind = ATTN_REP_LAZY, .def = op});
  } else if (oneResult && attnGpuIsTile(res) && attnIsMaskModElementwise(op) &&
             attnGpuOnlyOperand(res, "vector.contract", 2) && !matmulBetween(op, res)) {
    /* The accumulator's rescale is computed block by block right before
     * the matrix instructions that consume it (after the V tile is staged),
     * so that no rescaled copy of the whole accumulator lives across the
     * staging. Where the schedule put another matmul in between (the
     * software-pipelined loops of attn-gpu-pipeline), it is computed where
     * it stands: the matmul's inputs are then ready before that other
     * matmul is issued, which the asynchronous ones need. */
    attnGpuPut(L, res, (AttnRep){.kind = ATTN_REP_LAZY, .def = op});
  } else if (oneResult && attnGpuIsTile(res) && attnIsMaskModElementwise(op) &&
             !mlirOpOperandIsNull(mlirValueGetFirstUse(res)) &&
             mlirOpOperandIsNull(mlirOpOperandGetNextUse(mlirValueGetFirstUse(res))) &&
             attnGpuFromTileLoad(L, op)) {
    /* Element-wise ops on a tile read for no matmul, used once, are
     * evaluated per block with the loads where the result is used. */
    attnGpuPut(L, res, (AttnRep){.kind = ATTN_REP_LAZY, .def = op});
  } else if (oneResult && attnGpuIsTile(res) && attnIsMaskModElementwise(op)) {
    attnGpuLowerElementwiseTile(L, b, op);
  } else if (attnGpuHasVector(op)) {
    attnGpuFailWith(L, op, "operates on vectors in a way the %s lowering does not support");
  } else {
    clonePlain(L, b, op);
  }
}

typedef struct {
  AttnGpuLower *L;
  AttnBuilder *b;
} BlockCtx;

static void lowerOpIn(void *ud, MlirOperation op) {
  BlockCtx *c = ud;
  lowerOp(c->L, c->b, op);
}

static void lowerBlock(AttnGpuLower *L, AttnBuilder *b, MlirBlock block) {
  BlockCtx c = {L, b};
  attnForEachBodyOp(block, lowerOpIn, &c, &L->failed);
}

/*===--- Kernel set-up -------------------------------------------------------------===*/

/* Checked before the target's setUp, which reads the first memref's
 * element type (Q's). */
static bool checkSignature(AttnGpuLower *L, MlirOperation func, MlirBlock old, int *nMem) {
  int nArgs = (int)mlirBlockGetNumArguments(old);
  *nMem = nArgs - 3;
  bool ok = *nMem >= 1;
  for (int i = 0; i < nArgs && ok; ++i) {
    MlirType t = mlirValueGetType(mlirBlockGetArgument(old, i));
    ok = i < *nMem ? mlirTypeIsAMemRef(t) : mlirTypeIsAIndex(t);
  }
  if (!ok)
    attnEmitOpError(func, L->tgt->passName, "must take memrefs followed by three program ids");
  return ok;
}

static int64_t kernelInt(MlirAttribute kernel, const char *name) {
  MlirAttribute a =
      mlirDictionaryAttrGetElementByName(kernel, mlirStringRefCreateFromCString(name));
  return !mlirAttributeIsNull(a) && mlirAttributeIsAInteger(a) ? mlirIntegerAttrGetValueInt(a) : -1;
}

/* What every target needs of attn.kernel: chip, BLOCK_M, warps. */
static void readKernelAttr(AttnGpuLower *L, MlirAttribute kernel) {
  MlirAttribute target =
      mlirDictionaryAttrGetElementByName(kernel, mlirStringRefCreateFromCString("target"));
  if (!mlirAttributeIsNull(target) && mlirAttributeIsAString(target)) {
    MlirStringRef s = mlirStringAttrGetValue(target);
    snprintf(L->chip, sizeof(L->chip), "%.*s", (int)s.length, s.data);
  }
  L->bm = kernelInt(kernel, "block_m");
  L->W = (int)kernelInt(kernel, "num_warps");
  L->backward = attnIsBackwardKernel(kernel);
  int64_t align = kernelInt(kernel, "align");
  L->align = align == 1 || align == 2 || align == 4 ? align : 8; /* 8: 16-byte f16 rows */
}

static MlirWalkResult findPVWidth(MlirOperation op, void *userData) {
  if (!attnIsOp(op, "vector.contract") || attnContractForm(op) != ATTN_CONTRACT_PV)
    return MlirWalkResultAdvance;
  *(int64_t *)userData = attnGpuDim(mlirOperationGetResult(op, 0), 1);
  return MlirWalkResultInterrupt;
}

static MlirWalkResult findStoreWidth(MlirOperation op, void *userData) {
  if (!attnIsOp(op, "vector.transfer_write") || !attnGpuIsTile(mlirOperationGetOperand(op, 0)))
    return MlirWalkResultAdvance;
  *(int64_t *)userData = attnGpuDim(mlirOperationGetOperand(op, 0), 1);
  return MlirWalkResultInterrupt;
}

/* The column split attn-gpu-layout recorded (attn.warp_cols = G on the
 * function): the tiles as wide as the P V product are split among G
 * column groups of warps. S = Q K^T must not be as wide (it is whole in
 * every warp, and tiles are told apart by width). */
static bool readColumnSplit(AttnGpuLower *L, MlirOperation func) {
  MlirAttribute g = attnGetAttr(func, "attn.warp_cols");
  L->G = 1;
  if (mlirAttributeIsNull(g))
    return true;
  /* the P V product's width; without matmuls (the paged merge kernel) the
   * output tile's, and every tile is split */
  int64_t cols = 0, bn = 0;
  mlirOperationWalk(func, findPVWidth, &cols, MlirWalkPreOrder);
  if (cols > 0)
    bn = kernelInt(attnGetAttr(func, "attn.kernel"), "block_n");
  else
    mlirOperationWalk(func, findStoreWidth, &cols, MlirWalkPreOrder);
  L->G = mlirAttributeIsAInteger(g) ? (int)mlirIntegerAttrGetValueInt(g) : 0;
  L->splitCols = cols;
  if (L->G < 1 || L->W % L->G || cols <= 0 || cols % ((int64_t)L->G * 16) ||
      (L->G > 1 && bn == cols)) {
    attnEmitOpError(func, L->tgt->passName,
                    "has an attn.warp_cols that does not divide num_warps and the P V "
                    "product's columns into groups of 16 (or block_n equals those columns)");
    return false;
  }
  return true;
}

/* attn.kernel with num_warps = W: a target may pick the warps of a kernel
 * without matmuls (setUp), and the bundle's workgroup size follows it. */
static MlirAttribute withWarps(MlirContext ctx, MlirAttribute kernel, int W) {
  return kernelInt(kernel, "num_warps") == W ? kernel
                                             : attnDictWithInt(ctx, kernel, "num_warps", W);
}

/* A warp-specialized kernel: the producer warps (after the W consumer
 * warps) run the producer's copy of the kernel, the others the consumers'
 * (see AttnGpuLower). Values of one region never reach the other: each
 * copy lowers every kernel IR op it uses itself, in order. */
static void lowerRoles(AttnGpuLower *L, AttnBuilder *b, MlirBlock old) {
  L->tgt->rolesBegin(L, b);
  MlirValue consumers = cIdx(b, (int64_t)L->W * L->tgt->warpSize);
  MlirValue isProducer = attnCmpI(b, ATTN_CMPI_SGE, L->tid, consumers);
  AttnGpuIf role = attnGpuIfBegin(b, isProducer);
  L->producer = true;
  L->copyTid = attnSubI(b, L->tid, consumers);
  L->copyThreads = (int64_t)L->producerWarps * L->tgt->warpSize;
  L->readCount[0] = L->readCount[1] = cIdx(b, 0);
  L->tgt->roleBegin(L, b, true);
  attnGpuEnterScope(L);
  lowerBlock(L, b, old);
  attnGpuLeaveScope(L);
  L->tgt->roleEnd(L, b, true);
  attnGpuIfEnd(b, &role);
  if (L->failed)
    return;
  role = attnGpuIfBegin(b, attnCmpI(b, ATTN_CMPI_SLT, L->tid, consumers));
  L->producer = false;
  L->copyTid = L->tid;
  L->copyThreads = (int64_t)L->W * L->tgt->warpSize;
  L->readCount[0] = L->readCount[1] = cIdx(b, 0);
  L->tgt->roleBegin(L, b, false);
  attnGpuEnterScope(L);
  lowerBlock(L, b, old);
  attnGpuLeaveScope(L);
  L->tgt->roleEnd(L, b, false);
  attnGpuIfEnd(b, &role);
}

static bool lowerKernel(const AttnGpuTarget *tgt, MlirOperation module, MlirOperation func,
                        MlirBlock gpuBody) {
  MlirAttribute kernel = attnGetAttr(func, "attn.kernel");
  MlirRegion region = mlirOperationGetRegion(func, 0);
  MlirBlock old = mlirRegionGetFirstBlock(region);
  if (!mlirAttributeIsADictionary(kernel) || mlirBlockIsNull(old) ||
      !mlirBlockIsNull(mlirBlockGetNextInRegion(old))) {
    attnEmitOpError(func, tgt->passName,
                    "must be a kernel function with attn.kernel and one block");
    return false;
  }
  AttnGpuLower L;
  memset(&L, 0, sizeof(L));
  L.tgt = tgt;
  L.map.elemSize = sizeof(AttnRep);
  L.ctx = mlirOperationGetContext(func);
  int nMem = 0;
  readKernelAttr(&L, kernel);
  if (!checkSignature(&L, func, old, &nMem) || !readColumnSplit(&L, func) ||
      !tgt->setUp(&L, func, kernel)) {
    free(L.state);
    return false;
  }
  if (!attnGpuPlanSmem(&L, func) || !attnGpuCollectTensorMaps(&L, func)) {
    free(L.state);
    return false;
  }
  int threads = (L.W + L.producerWarps) * tgt->warpSize;
  MlirOperation gfunc = attnGpuCreateFunc(&L, func, gpuBody, nMem, L.smemElems, threads);
  if (mlirOperationIsNull(gfunc)) {
    attnEmitOpError(func, tgt->passName, "could not create its gpu.func (internal error)");
    free(L.state);
    return false;
  }
  MlirBlock fresh = mlirRegionGetFirstBlock(mlirOperationGetRegion(gfunc, 0));
  MlirOperation gret = mlirBlockGetFirstOperation(fresh);
  AttnBuilder b = {L.ctx, mlirOperationGetLocation(func), fresh, gret};
  for (int i = 0; i < nMem; ++i)
    attnGpuPut(&L, mlirBlockGetArgument(old, i),
               (AttnRep){.kind = ATTN_REP_PLAIN, .value = mlirBlockGetArgument(fresh, i)});
  for (int i = 0; i < L.nMaps; ++i) {
    L.maps[i].value = mlirBlockGetArgument(fresh, nMem + i);
    L.maps[i].mem = mlirBlockGetArgument(fresh, L.maps[i].arg);
  }
  L.smem = mlirBlockGetArgument(fresh, nMem + L.nMaps);
  static const char dims[3] = {'x', 'y', 'z'};
  for (int i = 0; i < 3; ++i)
    attnGpuPut(
        &L, mlirBlockGetArgument(old, nMem + i),
        (AttnRep){.kind = ATTN_REP_PLAIN, .value = attnGpuId(&L, &b, "gpu.block_id", dims[i])});
  L.tid = attnGpuId(&L, &b, "gpu.thread_id", 'x');
  tgt->laneValues(&L, &b);
  L.scopes[0] = L.nextScope = 1;
  L.copyTid = L.tid;
  L.copyThreads = (int64_t)L.W * tgt->warpSize;
  if (L.producerWarps > 0)
    lowerRoles(&L, &b, old);
  else
    lowerBlock(&L, &b, old);
  MlirOperation ret = mlirBlockGetTerminator(old);
  if (!L.failed && !attnIsOp(ret, "func.return"))
    attnGpuFail(&L, ret, "must end in func.return");
  bool ok = !L.failed;
  if (L.outOfMemory)
    attnEmitOpError(func, tgt->passName, "ran out of memory");
  freeLower(&L);
  free(L.state);
  if (!ok) {
    mlirOperationDestroy(gfunc);
    return false;
  }
  attnSetAttr(gfunc, "attn.kernel", withWarps(L.ctx, kernel, L.W + L.producerWarps));
  /* setmaxnreg needs it (ptxas ignores it otherwise, C7508). Block-mask
   * kernels of query blocks below 64 rows have one or two warps (attn-tile),
   * whose registers ptxas capped at 168 without it (12 bytes spilled at
   * D = 128 with a window; 249 registers with it). */
  bool blockMask = !mlirAttributeIsNull(
      mlirDictionaryAttrGetElementByName(kernel, mlirStringRefCreateFromCString("block_mask")));
  if (L.producerWarps > 0 || (blockMask && tgt->warpSize == 32 && L.W < 4))
    attnSetAttr(gfunc, "nvvm.minctasm", mlirIntegerAttrGet(mlirIntegerTypeGet(L.ctx, 32), 1));
  attnGpuDefineLaunch(&L, module, func, nMem, threads);
  mlirOperationDestroy(func);
  return true;
}

/*===--- The pass ----------------------------------------------------------------===*/

void attnGpuLowerRun(MlirOperation root, MlirExternalPass pass, const AttnGpuTarget *tgt) {
  AttnKernelList list;
  attnCollectKernelFuncs(root, &list);
  bool ok = !list.overflow;
  if (list.overflow)
    attnEmitOpError(root, tgt->passName, "found more than 256 kernels in one module");
  MlirBlock gpuBody = list.count ? attnGpuKernelModule(root, tgt->passName) : (MlirBlock){NULL};
  if (list.count && mlirBlockIsNull(gpuBody)) {
    attnEmitOpError(root, tgt->passName, "could not create gpu.module @attn_kernels");
    ok = false;
  }
  for (int i = 0; i < list.count && ok; ++i)
    ok = lowerKernel(tgt, root, list.funcs[i], gpuBody);
  if (!ok)
    mlirExternalPassSignalFailure(pass);
}
