/*===- attn-gqa-map.c - make the query-head -> KV-head mapping explicit ---===*
 *
 * Every attention op gets the discardable attribute
 *
 *   attn.kv_head_map = affine_map<(h) -> (kv(h))>
 *
 * mapping a query head to the K/V head it reads, with G = Hq / Hkv:
 *   MHA (G = 1):      (h) -> (h)
 *   GQA (1 < G < Hq): (h) -> (h floordiv G)
 *   MQA (Hkv = 1):    (h) -> (0)
 * Tiling and the kernel lowering index K/V through this map rather than
 * re-deriving the grouping, so the mapping is decided (and can be inspected,
 * or changed by a later pass) in one place. Running the pass twice is a
 * no-op; an existing map that disagrees with the head counts is an error.
 *
 *===----------------------------------------------------------------------===*/

#include "PassUtil.h"
#include "Passes.h"

#include "mlir-c/AffineExpr.h"
#include "mlir-c/AffineMap.h"
#include "mlir-c/BuiltinAttributes.h"

#include <stdio.h>

static MlirAttribute headMap(MlirContext ctx, int64_t hq, int64_t hkv) {
  MlirAffineExpr h = mlirAffineDimExprGet(ctx, 0);
  MlirAffineExpr kv;
  if (hkv == 1)
    kv = mlirAffineConstantExprGet(ctx, 0);
  else if (hq == hkv)
    kv = h;
  else
    kv = mlirAffineFloorDivExprGet(h, mlirAffineConstantExprGet(ctx, hq / hkv));
  return mlirAffineMapAttrGet(mlirAffineMapGet(ctx, 1, 0, 1, &kv));
}

static bool mapOp(MlirOperation op) {
  /* q keeps heads in dimension 1; k does too except for the paged cache
   * (NB x BS x Hkv x D). The verifiers guarantee both are static and that
   * Hkv divides Hq. */
  int kvDim = attnIsOp(op, "attn.paged_attention") ? 2 : 1;
  int64_t hq = attnOperandDim(op, 0, 1), hkv = attnOperandDim(op, 1, kvDim);
  /* attn.mla's latent cache (NB x BS x D) is one KV head every query head
   * reads: MQA. */
  if (attnIsOp(op, "attn.mla"))
    hkv = 1;
  MlirAttribute map = headMap(mlirOperationGetContext(op), hq, hkv);
  MlirAttribute existing = attnGetAttr(op, "attn.kv_head_map");
  if (!mlirAttributeIsNull(existing) && !mlirAttributeEqual(existing, map)) {
    char message[160];
    snprintf(message, sizeof(message),
             "has an attn.kv_head_map that disagrees with Hq = %lld, Hkv = %lld", (long long)hq,
             (long long)hkv);
    attnEmitOpError(op, "attn-gqa-map", message);
    return false;
  }
  attnSetAttr(op, "attn.kv_head_map", map);
  return true;
}

static void run(MlirOperation root, MlirExternalPass pass) {
  AttnOpList list = attnCollectAttnOps(root);
  bool ok = !list.outOfMemory;
  for (size_t i = 0; i < list.count; ++i)
    ok &= mapOp(list.ops[i]);
  attnOpListFree(&list);
  if (!ok)
    mlirExternalPassSignalFailure(pass);
}

static const int64_t passId = 0;

static const AttnPassInfo info = {
    &passId, "AttnGqaMap", "attn-gqa-map",
    "Make the query-head -> KV-head mapping explicit (attn.kv_head_map)", run};

MlirPass attnCreateGqaMapPass(void) { return attnCreatePass(&info); }
