/*===- GpuSmem.c - shared-memory planning of the GPU core -----------------===*
 *
 * Which tiles live in shared memory (LDS) and where: the right operands of
 * the matmuls (K and V tiles, directly or through a column prefix, as
 * attn.mla's V), which of the two buffers a tile read takes (V's in a
 * forward kernel; in a backward kernel, by read order), the size of the
 * shared buffer (the largest K/V tile the target's sharedElems asks for,
 * and a place for each left operand the target stages: Q, or the
 * backward's K and V), and the checks that a matmul reads
 * the tile its buffer holds now. How a tile is laid out in the buffer and
 * copied there is the target's (readTile).
 *
 *===----------------------------------------------------------------------===*/

#include "GpuLowerInternal.h"

#include "mlir-c/BuiltinAttributes.h"
#include "mlir-c/BuiltinTypes.h"

/*===--- Which operands live in shared memory ---------------------------------===*/

/* A vector.extract_strided_slice of all rows and columns [0, n) of a tile
 * (unit strides). */
static bool isColumnPrefix(MlirOperation op) {
  if (!attnIsOp(op, "vector.extract_strided_slice"))
    return false;
  MlirValue src = mlirOperationGetOperand(op, 0), res = mlirOperationGetResult(op, 0);
  MlirAttribute offsets = attnGpuInherent(op, "offsets"), strides = attnGpuInherent(op, "strides");
  if (!attnGpuIsTile(src) || mlirArrayAttrGetNumElements(offsets) != 2 ||
      attnGpuDim(res, 0) != attnGpuDim(src, 0))
    return false;
  for (intptr_t i = 0; i < 2; ++i)
    if (mlirIntegerAttrGetValueInt(mlirArrayAttrGetElement(offsets, i)) != 0 ||
        mlirIntegerAttrGetValueInt(mlirArrayAttrGetElement(strides, i)) != 1)
      return false;
  return true;
}

bool attnGpuRightOperandOnly(MlirValue v) {
  MlirOpOperand u = mlirValueGetFirstUse(v);
  if (mlirOpOperandIsNull(u))
    return false;
  for (; !mlirOpOperandIsNull(u); u = mlirOpOperandGetNextUse(u)) {
    MlirOperation owner = mlirOpOperandGetOwner(u);
    bool rhs = attnIsOp(owner, "vector.contract") && mlirOpOperandGetOperandNumber(u) == 1;
    if (!rhs && !(isColumnPrefix(owner) &&
                  attnGpuOnlyOperand(mlirOperationGetResult(owner, 0), "vector.contract", 1)))
      return false;
  }
  return true;
}

bool attnGpuUsedByPV(MlirValue v) {
  /* A tile both matmuls read (attn.mla with kv_lora_rank = D: V is the K
   * tile itself) is K, staged once. */
  bool pv = false;
  for (MlirOpOperand u = mlirValueGetFirstUse(v); !mlirOpOperandIsNull(u);
       u = mlirOpOperandGetNextUse(u)) {
    AttnContractForm form = attnContractForm(mlirOpOperandGetOwner(u));
    if (form == ATTN_CONTRACT_QK)
      return false;
    pv = pv || form == ATTN_CONTRACT_PV;
  }
  return pv;
}

bool attnGpuSecondBuffer(AttnGpuLower *L, MlirOperation op) {
  MlirValue res = mlirOperationGetResult(op, 0);
  if (!L->backward)
    return attnGpuUsedByPV(res);
  MlirBlock block = mlirOperationGetBlock(op);
  for (MlirOperation o = mlirBlockGetFirstOperation(block); !mlirOperationEqual(o, op);
       o = mlirOperationGetNextInBlock(o))
    if (attnIsOp(o, "vector.transfer_read") && attnGpuIsTile(mlirOperationGetResult(o, 0)) &&
        attnGpuOnlyOperand(mlirOperationGetResult(o, 0), "vector.contract", 1))
      return true;
  return false;
}

/* The right operand of the first matmul of `form` in the body of `loop`. */
static MlirValue loopTile(MlirOperation loop, AttnContractForm form) {
  MlirBlock body = mlirRegionGetFirstBlock(mlirOperationGetRegion(loop, 0));
  for (MlirOperation o = mlirBlockGetFirstOperation(body); !mlirOperationIsNull(o);
       o = mlirOperationGetNextInBlock(o))
    if (attnIsOp(o, "vector.contract") && attnContractForm(o) == form)
      return mlirOperationGetOperand(o, 1);
  return attnNullValue();
}

MlirValue attnGpuLoopKTile(MlirOperation loop) { return loopTile(loop, ATTN_CONTRACT_QK); }

MlirValue attnGpuLoopVTile(MlirOperation loop) { return loopTile(loop, ATTN_CONTRACT_PV); }

/*===--- Staged tiles ---------------------------------------------------------===*/

AttnRep *attnGpuSmemOperand(AttnGpuLower *L, MlirOperation op, MlirValue v) {
  AttnRep *r = attnGpuFind(L, v);
  if (!r || r->kind != ATTN_REP_SMEM) {
    attnGpuFail(L, op, "has a right operand that is not a K/V tile read");
    return NULL;
  }
  if (r->generation != L->smemGeneration[r->slot]) {
    attnGpuFail(L, op, "uses a K/V tile after the next one was staged in its buffer");
    return NULL;
  }
  return r;
}

/* A column prefix of a staged K/V tile (attn.mla's V: the first
 * kv_lora_rank columns of the K tile, docs/mla.md): the same shared buffer,
 * fewer columns. No copy, no second read. */
void attnGpuLowerColumnSlice(AttnGpuLower *L, MlirOperation op) {
  MlirValue res = mlirOperationGetResult(op, 0);
  AttnRep *src = attnGpuFind(L, mlirOperationGetOperand(op, 0));
  if (!isColumnPrefix(op) || !src || src->kind != ATTN_REP_SMEM ||
      !attnGpuOnlyOperand(res, "vector.contract", 1)) {
    attnGpuFail(L, op,
                "is not a column prefix of a staged K/V tile (all rows, columns [0, n), feeding "
                "matmuls as right operand)");
    return;
  }
  AttnRep view = *src;
  view.cols = attnGpuDim(res, 1);
  attnGpuPut(L, res, view);
}

/*===--- The buffer's size ----------------------------------------------------===*/

/* The K/V tiles the kernel stages: the shared buffer holds what the
 * target's sharedElems asks for the largest. */
typedef struct {
  AttnGpuLower *L;
  int64_t elems, qElems;
  MlirType elem;
  bool mixed;
} SmemPlan;

static MlirWalkResult planSmem(MlirOperation op, void *userData) {
  SmemPlan *plan = userData;
  bool read = attnIsOp(op, "vector.transfer_read");
  /* pieces: the last insert; fp8 tiles: the arith.extf that dequantizes them */
  if (!read && !attnIsOp(op, "vector.insert_strided_slice") && !attnGpuIsDequantTile(op))
    return MlirWalkResultAdvance;
  MlirValue res = mlirOperationGetResult(op, 0);
  const AttnGpuTarget *tgt = plan->L->tgt;
  /* Q: a read, or the arith.extf of an fp8 Q tile (staged dequantized) */
  if (!attnIsOp(op, "vector.insert_strided_slice") && attnGpuIsTile(res) && tgt->sharedElemsQ &&
      attnGpuOnlyOperand(res, "vector.contract", 0)) {
    /* each left operand staged has its place (the backward's dK/dV kernel
     * stages K and V, both live through its loops) */
    plan->qElems += tgt->sharedElemsQ(plan->L, op, attnGpuDim(res, 0), attnGpuDim(res, 1));
    return MlirWalkResultAdvance;
  }
  if (!attnGpuIsTile(res) || !attnGpuRightOperandOnly(res))
    return MlirWalkResultAdvance;
  int64_t e = plan->L->tgt->sharedElems(plan->L, attnGpuDim(res, 0), attnGpuDim(res, 1),
                                        attnGpuSecondBuffer(plan->L, op));
  if (e > plan->elems)
    plan->elems = e;
  if (mlirTypeIsNull(plan->elem))
    plan->elem = attnGpuElemOf(res);
  else if (!mlirTypeEqual(plan->elem, attnGpuElemOf(res)))
    plan->mixed = true;
  return MlirWalkResultAdvance;
}

/* Sizes the shared buffer (L->smemKV, L->smemElems) for the tiles `func`
 * stages; false (a located error) when K/V tiles of another dtype than Q's
 * would share it. */
bool attnGpuPlanSmem(AttnGpuLower *L, MlirOperation func) {
  SmemPlan plan = {L, 0, 0, {NULL}, false};
  mlirOperationWalk(func, planSmem, &plan, MlirWalkPreOrder);
  if (plan.mixed || (!mlirTypeIsNull(plan.elem) && !mlirTypeEqual(plan.elem, L->elem))) {
    attnEmitOpError(func, L->tgt->passName, "stages K/V tiles of a dtype other than Q's");
    return false;
  }
  L->smemKV = plan.elems;
  L->smemElems = plan.elems + plan.qElems > 0 ? plan.elems + plan.qElems : 1;
  return true;
}
