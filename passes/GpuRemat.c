/*===- GpuRemat.c - a tile's scalar slice at another loop iteration -------===*
 *
 * To prefetch, a target stages the K/V tile of another iteration of its
 * loop: the scalar ops its piece reads depend on (block-table loads, index
 * arithmetic, subviews) are cloned with the induction variable replaced.
 *
 *===----------------------------------------------------------------------===*/

#include "GpuLowerInternal.h"

#include <stdlib.h>
#include <string.h>

/* The backward slice of a tile's piece reads inside its loop (block-table
 * loads, index arithmetic, subviews): ops of the loop body, in no order;
 * rebuilt in body order with the induction variable replaced, so that a
 * target can stage the tile of another iteration (prefetch). */
struct AttnRemat {
  AttnGpuLower *L;
  MlirOperation loop;
  MlirBlock body;
  MlirValue oldIv, newIv;
  MlirOperation *ops;
  int n, cap;
  AttnValueMap local; /* old value -> its rebuilt MlirValue */
  bool ok;
};

static bool rematHas(const AttnRemat *r, MlirOperation op) {
  for (int i = 0; i < r->n; ++i)
    if (mlirOperationEqual(r->ops[i], op))
      return true;
  return false;
}

static void rematMark(AttnRemat *r, MlirValue v);

static void rematMarkOp(AttnRemat *r, MlirOperation op) {
  if (rematHas(r, op))
    return;
  if (mlirOperationGetNumRegions(op) > 0 || attnGpuHasVector(op)) {
    r->ok = false;
    return;
  }
  if (r->n == r->cap) {
    int cap = r->cap ? 2 * r->cap : 64;
    MlirOperation *grown = realloc(r->ops, (size_t)cap * sizeof(MlirOperation));
    if (!grown) {
      r->ok = false;
      r->L->outOfMemory = r->L->failed = true;
      return;
    }
    r->ops = grown;
    r->cap = cap;
  }
  r->ops[r->n++] = op;
  for (intptr_t i = 0; i < mlirOperationGetNumOperands(op) && r->ok; ++i)
    rematMark(r, mlirOperationGetOperand(op, i));
}

/* Values from outside the loop are used as lowered; the induction variable
 * is replaced; anything else must be made by a scalar op of the body. */
static void rematMark(AttnRemat *r, MlirValue v) {
  if (!r->ok || mlirValueEqual(v, r->oldIv))
    return;
  if (attnGpuDefinedOutside(v, r->loop)) {
    AttnRep *rep = attnGpuFind(r->L, v);
    r->ok = rep && rep->kind == ATTN_REP_PLAIN;
    return;
  }
  MlirOperation def = attnGpuDefOf(v);
  if (mlirOperationIsNull(def) || !mlirBlockEqual(mlirOperationGetBlock(def), r->body)) {
    r->ok = false;
    return;
  }
  rematMarkOp(r, def);
}

static MlirValue rematRemap(void *ud, MlirValue old) {
  AttnRemat *r = ud;
  if (mlirValueEqual(old, r->oldIv))
    return r->newIv;
  MlirValue *v = attnValueMapFind(&r->local, old);
  return v ? *v : attnGpuPlainOf(r->L, old);
}

MlirValue attnGpuRematValue(AttnRemat *r, MlirOperation user, MlirValue old) {
  MlirValue v = rematRemap(r, old);
  if (mlirValueIsNull(v))
    attnGpuFailWith(r->L, user,
                    "uses a value the %s lowering has not seen (unsupported kernel IR)");
  return v;
}

static void rematEmit(AttnRemat *r, AttnBuilder *b) {
  for (MlirOperation op = mlirBlockGetFirstOperation(r->body); !mlirOperationIsNull(op);
       op = mlirOperationGetNextInBlock(op)) {
    if (!rematHas(r, op))
      continue;
    MlirOperation copy = attnCloneRemapped(b, op, rematRemap, r);
    attnGpuFixMemorySpace(copy);
    for (intptr_t i = 0; i < mlirOperationGetNumResults(op); ++i) {
      MlirValue v = mlirOperationGetResult(copy, i);
      if (!attnValueMapPut(&r->local, mlirOperationGetResult(op, i), &v))
        r->L->outOfMemory = r->L->failed = true;
    }
  }
}

/* Marks the slice of the tile's piece reads; false when some of it is not
 * a scalar op of the loop body (e.g. a loop-carried value). */
static bool rematTile(AttnGpuLower *L, MlirValue tile, MlirOperation loop, AttnRemat *r,
                      MlirOperation *def) {
  memset(r, 0, sizeof(*r));
  r->L = L;
  r->loop = loop;
  r->body = mlirRegionGetFirstBlock(mlirOperationGetRegion(loop, 0));
  r->oldIv = mlirBlockGetArgument(r->body, 0);
  r->local.elemSize = sizeof(MlirValue);
  r->ok = true;
  *def = attnGpuDefOf(tile);
  if (mlirOperationIsNull(*def) || !mlirBlockEqual(mlirOperationGetBlock(*def), r->body))
    return false;
  MlirOperation reads[ATTN_GPU_MAX_PIECES];
  int64_t rowAt[ATTN_GPU_MAX_PIECES];
  int n = 0;
  if (!attnGpuTilePieces(L, *def, reads, rowAt, &n))
    return false;
  for (int i = 0; i < n && r->ok; ++i) {
    r->ok = mlirBlockEqual(mlirOperationGetBlock(reads[i]), r->body);
    for (intptr_t k = 0; k < mlirOperationGetNumOperands(reads[i]) && r->ok; ++k)
      rematMark(r, mlirOperationGetOperand(reads[i], k));
  }
  return r->ok;
}

static void rematFree(AttnRemat *r) {
  free(r->ops);
  attnValueMapFree(&r->local);
}

bool attnGpuTileReadable(AttnGpuLower *L, MlirValue tile, MlirOperation loop) {
  AttnRemat r;
  MlirOperation def;
  bool ok = rematTile(L, tile, loop, &r, &def);
  rematFree(&r);
  return ok;
}

bool attnGpuTileReadAt(AttnGpuLower *L, AttnBuilder *b, MlirValue tile, MlirOperation loop,
                       MlirValue iv, AttnTileRead *out) {
  AttnRemat r;
  MlirOperation def;
  bool ok = rematTile(L, tile, loop, &r, &def);
  if (ok) {
    r.newIv = iv;
    rematEmit(&r, b);
    ok = !L->failed && attnGpuTileRead(L, def, &r, out);
  }
  rematFree(&r);
  return ok;
}
