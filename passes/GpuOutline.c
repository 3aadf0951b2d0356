/*===- GpuOutline.c - kernels as gpu.func, launches as gpu.launch_func -----===*
 *
 * The outlining step of the GPU lowering: the gpu.module that holds the
 * kernels, each kernel function's gpu.func (global-memory arguments, the
 * shared buffer as a workgroup attribution with the alignment the target
 * asks for, the workgroup size) and the definition of its launch
 * declaration as a gpu.launch_func. GpuLower.c fills the gpu.func's body.
 *
 *===----------------------------------------------------------------------===*/

#include "GpuLowerInternal.h"

#include "mlir-c/AffineExpr.h"
#include "mlir-c/AffineMap.h"
#include "mlir-c/BuiltinAttributes.h"
#include "mlir-c/BuiltinTypes.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static MlirValue cIdx(AttnBuilder *b, int64_t v) { return attnConstIndex(b, v); }

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
  MlirAttribute name = attnGpuInherent(func, "sym_name");
  MlirStringRef s = mlirStringAttrGetValue(name);
  textAppend(s, t);
}

/*===--- TMA tensor maps ---------------------------------------------------===*/

typedef struct {
  AttnGpuLower *L;
  MlirOperation func;
  bool overflow;
} MapScan;

static MlirWalkResult scanTmaRead(MlirOperation op, void *userData) {
  MapScan *scan = userData;
  AttnGpuLower *L = scan->L;
  if (!attnIsOp(op, "vector.transfer_read"))
    return MlirWalkResultAdvance;
  MlirAttribute copy = attnGetAttr(op, "attn.copy");
  if (mlirAttributeIsNull(copy) || !mlirAttributeIsAString(copy) ||
      !mlirStringRefEqual(mlirStringAttrGetValue(copy), mlirStringRefCreateFromCString("tma")))
    return MlirWalkResultAdvance;
  MlirValue src = mlirOperationGetOperand(op, 0);
  MlirType vt = mlirValueGetType(mlirOperationGetResult(op, 0));
  MlirAffineMap perm = mlirAffineMapAttrGetValue(mlirOperationGetInherentAttributeByName(
      op, mlirStringRefCreateFromCString("permutation_map")));
  AttnGpuTensorMap m = {0};
  m.arg = (int)mlirBlockArgumentGetArgNumber(src);
  m.rank = mlirShapedTypeGetRank(mlirValueGetType(src));
  for (intptr_t d = 0; d < m.rank && d < 4; ++d)
    m.box[d] = 1;
  intptr_t rowDim = mlirAffineDimExprGetPosition(mlirAffineMapGetResult(perm, 0));
  m.box[rowDim] = mlirShapedTypeGetDimSize(vt, 0);
  m.box[m.rank - 1] = 64; /* one 128-byte swizzle box of 16-bit elements */
  for (int i = 0; i < L->nMaps; ++i)
    if (L->maps[i].arg == m.arg && !memcmp(L->maps[i].box, m.box, sizeof m.box))
      return MlirWalkResultAdvance;
  if (L->nMaps == ATTN_GPU_MAX_TENSOR_MAPS || m.rank > 4) {
    scan->overflow = true;
    return MlirWalkResultInterrupt;
  }
  L->maps[L->nMaps++] = m;
  return MlirWalkResultAdvance;
}

bool attnGpuCollectTensorMaps(AttnGpuLower *L, MlirOperation func) {
  MapScan scan = {L, func, false};
  L->nMaps = 0;
  mlirOperationWalk(func, scanTmaRead, &scan, MlirWalkPreOrder);
  if (scan.overflow)
    attnEmitOpError(func, L->tgt->passName,
                    "needs more than 4 TMA tensor maps (distinct arguments and boxes)");
  return !scan.overflow;
}

const AttnGpuTensorMap *attnGpuTensorMapOf(const AttnGpuLower *L, MlirValue mem, int64_t rows) {
  for (int i = 0; i < L->nMaps; ++i) {
    const AttnGpuTensorMap *m = &L->maps[i];
    for (intptr_t d = 0; d + 1 < m->rank; ++d)
      if (m->box[d] == rows && mlirValueEqual(m->mem, mem))
        return m;
  }
  return NULL;
}

/* attn.tensor_maps = [{arg = A : i64, box = array<i64: ...>}, ...] */
static MlirAttribute tensorMapsAttr(AttnGpuLower *L) {
  MlirAttribute items[ATTN_GPU_MAX_TENSOR_MAPS];
  for (int i = 0; i < L->nMaps; ++i) {
    MlirNamedAttribute fields[2] = {
        mlirNamedAttributeGet(mlirIdentifierGet(L->ctx, mlirStringRefCreateFromCString("arg")),
                              mlirIntegerAttrGet(mlirIntegerTypeGet(L->ctx, 64), L->maps[i].arg)),
        mlirNamedAttributeGet(mlirIdentifierGet(L->ctx, mlirStringRefCreateFromCString("box")),
                              mlirDenseI64ArrayGet(L->ctx, L->maps[i].rank, L->maps[i].box))};
    items[i] = mlirDictionaryAttrGet(L->ctx, 2, fields);
  }
  return mlirArrayAttrGet(L->ctx, L->nMaps, items);
}

/* gpu.func @K(<memrefs in global memory>) workgroup(<shared buffer>) kernel,
 * parsed from text (its custom form is the readable way to get every
 * attribute right), with an empty body to fill. */
MlirOperation attnGpuCreateFunc(AttnGpuLower *L, MlirOperation func, MlirBlock gpuBody, int nMem,
                                int64_t smemElems, int threads) {
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
  for (int i = 0; i < L->nMaps; ++i)
    textPrintf(&t, "%s%%tensor_map%lld: !llvm.ptr", nMem + i ? ", " : "", (long long)i);
  textPrintf(&t, ") workgroup(%%lds : memref<%s%lldx", "", smemElems);
  mlirTypePrint(L->elem, textAppend, &t);
  textPrintf(&t, ", #gpu.address_space<workgroup>>%s", "", 0);
  if (L->smemAlign > 0)
    textPrintf(&t, "%s {llvm.align = %lld : i64}", "", L->smemAlign);
  textPrintf(&t,
             ") kernel attributes {known_block_size = "
             "array<i32: %s%lld, 1, 1>} {\n  gpu.return\n}\n}",
             "", threads);
  MlirOperation scratch =
      t.data ? mlirOperationCreateParse(L->ctx, mlirStringRefCreate(t.data, t.len),
                                        mlirStringRefCreateFromCString(L->tgt->passName))
             : attnNullOp();
  free(t.data);
  if (mlirOperationIsNull(scratch))
    return scratch;
  MlirOperation op =
      mlirBlockGetFirstOperation(mlirRegionGetFirstBlock(mlirOperationGetRegion(scratch, 0)));
  mlirOperationRemoveFromParent(op);
  mlirOperationDestroy(scratch);
  mlirBlockAppendOwnedOperation(gpuBody, op);
  if (L->nMaps > 0)
    attnSetAttr(op, "attn.tensor_maps", tensorMapsAttr(L));
  return op;
}

/* func.func private @__attn_launch_K(args..., gx, gy, gz) gets the body
 * gpu.launch_func @attn_kernels::@K blocks in (gx, gy, gz) threads in (T, 1, 1). */
void attnGpuDefineLaunch(AttnGpuLower *L, MlirOperation module, MlirOperation func, int nMem,
                         int threads) {
  Text name = {0};
  textAppend(mlirStringRefCreateFromCString("__attn_launch_"), &name);
  printName(func, &name);
  MlirOperation decl = attnNullOp();
  MlirBlock top = mlirRegionGetFirstBlock(mlirOperationGetRegion(module, 0));
  for (MlirOperation o = mlirBlockGetFirstOperation(top); !mlirOperationIsNull(o) && name.data;
       o = mlirOperationGetNextInBlock(o)) {
    MlirAttribute sym = attnGpuInherent(o, "sym_name");
    if (attnIsOp(o, "func.func") && !mlirAttributeIsNull(sym) &&
        mlirStringRefEqual(mlirStringAttrGetValue(sym),
                           mlirStringRefCreateFromCString(name.data)) &&
        mlirBlockIsNull(mlirRegionGetFirstBlock(mlirOperationGetRegion(o, 0))))
      decl = o;
  }
  free(name.data);
  if (mlirOperationIsNull(decl))
    return; /* nothing launches this kernel */
  MlirType fnType = mlirTypeAttrGetValue(attnGpuInherent(decl, "function_type"));
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
  MlirType ptr = mlirTypeParseGet(L->ctx, mlirStringRefCreateFromCString("!llvm.ptr"));
  for (int i = 0; i < L->nMaps; ++i)
    operands[6 + nMem + i] = attnOp1(&b, "llvm.mlir.zero", 0, NULL, ptr);
  MlirStringRef fname = mlirStringAttrGetValue(attnGpuInherent(func, "sym_name"));
  MlirAttribute leaf = mlirFlatSymbolRefAttrGet(L->ctx, fname);
  MlirAttribute kernel =
      mlirSymbolRefAttrGet(L->ctx, mlirStringRefCreateFromCString("attn_kernels"), 1, &leaf);
  int32_t segments[13] = {0, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, nMem + L->nMaps, 0};
  MlirNamedAttribute attrs[2] = {
      attnNamedAttr(&b, "kernel", kernel),
      attnNamedAttr(&b, "operandSegmentSizes", mlirDenseI32ArrayGet(L->ctx, 13, segments))};
  attnBuildOp(&b, "gpu.launch_func", 6 + nMem + L->nMaps, operands, 0, NULL, 2, attrs, 0, NULL);
  attnBuildOp(&b, "func.return", 0, NULL, 0, NULL, 0, NULL, 0, NULL);
}

/* The module's gpu.module @attn_kernels, created on first use. */
MlirBlock attnGpuKernelModule(MlirOperation module, const char *passName) {
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
