/*===- attn-nvvm-l2-prefetch.c - cp.async with a 256-byte L2 prefetch -----===*
 *
 * In the bandwidth-bound kernels (attn.kernel kind = "paged_decode", the
 * paged decode split kernel), rewrites every 16-byte, L2-only
 * `nvvm.cp.async.shared.global` (cache = cg, the K/V staging copies of
 * attn-lower-nvgpu) into the same PTX instruction with the `.L2::256B`
 * prefetch-size qualifier:
 *
 *   cp.async.cg.shared.global.L2::256B [dst], [src], 16[, src_size];
 *
 * A head's K/V row is 128-512 contiguous bytes and the copies of a tile
 * cover whole rows, so a 256-byte fetch per L2 miss keeps more of the
 * stream in flight for the same shared-memory buffers: on the H100 the
 * paged decode kernel reads 1-3% faster (bench/RESULTS.md;
 * bench/experiments/stream/paged_stream.cu streams a paged cache 1.5-2%
 * faster with it). In the compute-bound flash kernels it measured 1-4%
 * slower, so they keep the plain copy. The prefetch never changes what is
 * copied. NVVM has no attribute for the qualifier, so the copy becomes an
 * `llvm.inline_asm` with side effects, which keeps its order against
 * cp.async.commit_group / wait_group. Copies of other sizes, with
 * cache = ca, or in other functions are left alone.
 *
 *===----------------------------------------------------------------------===*/

#include "Builder.h"
#include "PassUtil.h"
#include "Passes.h"

#include "mlir-c/BuiltinAttributes.h"
#include "mlir-c/BuiltinTypes.h"

typedef struct {
  AttnOpList list;
  MlirAttribute cg; /* #nvvm<load_cache_modifier cg> */
} Copies;

static bool isPrefetchable(MlirOperation op, MlirAttribute cg) {
  if (!attnIsOp(op, "nvvm.cp.async.shared.global"))
    return false;
  MlirAttribute size = mlirOperationGetAttributeByName(op, mlirStringRefCreateFromCString("size"));
  MlirAttribute mod =
      mlirOperationGetAttributeByName(op, mlirStringRefCreateFromCString("modifier"));
  return !mlirAttributeIsNull(size) && mlirAttributeIsAInteger(size) &&
         mlirIntegerAttrGetValueInt(size) == 16 && !mlirAttributeIsNull(mod) &&
         mlirAttributeEqual(mod, cg);
}

/* A function whose attn.kernel says it is the paged decode split kernel. */
static bool isDecodeKernel(MlirOperation op) {
  if (!attnIsOp(op, "llvm.func") && !attnIsOp(op, "gpu.func"))
    return false;
  MlirAttribute kernel = attnGetAttr(op, "attn.kernel");
  if (mlirAttributeIsNull(kernel) || !mlirAttributeIsADictionary(kernel))
    return false;
  MlirAttribute kind =
      mlirDictionaryAttrGetElementByName(kernel, mlirStringRefCreateFromCString("kind"));
  return !mlirAttributeIsNull(kind) && mlirAttributeIsAString(kind) &&
         mlirStringRefEqual(mlirStringAttrGetValue(kind),
                            mlirStringRefCreateFromCString("paged_decode"));
}

static MlirWalkResult collectCopy(MlirOperation op, void *userData) {
  Copies *c = userData;
  if (!isPrefetchable(op, c->cg))
    return MlirWalkResultAdvance;
  return attnOpListAppend(&c->list, op) ? MlirWalkResultAdvance : MlirWalkResultInterrupt;
}

static MlirWalkResult collect(MlirOperation op, void *userData) {
  if (!isDecodeKernel(op))
    return MlirWalkResultAdvance;
  mlirOperationWalk(op, collectCopy, userData, MlirWalkPreOrder);
  return ((Copies *)userData)->list.outOfMemory ? MlirWalkResultInterrupt : MlirWalkResultSkip;
}

/* dst (shared) and src (global) are 64-bit pointers in PTX ("l"); the
 * optional source size is a 32-bit register ("r"). */
static void rewrite(MlirOperation copy) {
  AttnBuilder b = attnBuilderBefore(copy);
  intptr_t n = mlirOperationGetNumOperands(copy);
  MlirValue operands[3];
  for (intptr_t i = 0; i < n && i < 3; ++i)
    operands[i] = mlirOperationGetOperand(copy, i);
  bool sized = n == 3;
  const char *asmText = sized ? "cp.async.cg.shared.global.L2::256B [$0], [$1], 16, $2;"
                              : "cp.async.cg.shared.global.L2::256B [$0], [$1], 16;";
  attnInlineAsm(&b, asmText, sized ? "l,l,r" : "l,l", true, sized ? 3 : 2, operands,
                (MlirType){NULL});
  mlirOperationDestroy(copy);
}

static void run(MlirOperation root, MlirExternalPass pass) {
  MlirContext ctx = mlirOperationGetContext(root);
  Copies c = {.cg = mlirAttributeParseGet(
                  ctx, mlirStringRefCreateFromCString("#nvvm<load_cache_modifier cg>"))};
  if (mlirAttributeIsNull(c.cg)) {
    attnEmitOpError(root, "attn-nvvm-l2-prefetch",
                    "cannot build the NVVM cache-modifier attribute");
    mlirExternalPassSignalFailure(pass);
    return;
  }
  mlirOperationWalk(root, collect, &c, MlirWalkPreOrder);
  if (c.list.outOfMemory) {
    attnEmitOpError(root, "attn-nvvm-l2-prefetch", "out of memory");
    mlirExternalPassSignalFailure(pass);
  } else {
    for (size_t i = 0; i < c.list.count; ++i)
      rewrite(c.list.ops[i]);
  }
  attnOpListFree(&c.list);
}

static const int64_t passId = 0;

static const AttnPassInfo info = {
    &passId, "AttnNvvmL2Prefetch", "attn-nvvm-l2-prefetch",
    "Give the 16-byte L2-only cp.async copies of paged decode kernels a 256-byte L2 prefetch "
    "(inline PTX)",
    run};

MlirPass attnCreateNvvmL2PrefetchPass(void) { return attnCreatePass(&info); }
