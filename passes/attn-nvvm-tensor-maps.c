/*===- attn-nvvm-tensor-maps.c - tensor-map parameters as grid constants --===*
 *
 * A kernel with TMA loads takes its tensor maps (attn-lower-nvgpu,
 * attn.tensor_maps on the function) as its last parameters, one !llvm.ptr
 * each. TMA reads a map from the kernel's parameter space, so each must be
 * a 128-byte parameter passed by value and left where it is:
 *
 *   %tm: !llvm.ptr {llvm.byval = !llvm.array<128 x i8>, llvm.align = 64,
 *                   nvvm.grid_constant}
 *   -> PTX .param .align 64 .b8 K_param_N[128], addressed in place
 *      (cvta.param), never copied to local memory.
 *
 * The attributes are set here, on the llvm.func that convert-gpu-to-nvvm
 * made: the NVVM dialect accepts nvvm.grid_constant only on functions that
 * are already nvvm.kernel, and convert-gpu-to-nvvm drops llvm.byval from
 * gpu.func parameters. Functions without attn.tensor_maps are left alone.
 *
 *===----------------------------------------------------------------------===*/

#include "Builder.h"
#include "PassUtil.h"
#include "Passes.h"

#include "mlir-c/BuiltinAttributes.h"
#include "mlir-c/BuiltinTypes.h"
#include "mlir-c/Dialect/LLVM.h"

static const char *const passName = "attn-nvvm-tensor-maps";

static MlirNamedAttribute named(MlirContext ctx, const char *name, MlirAttribute value) {
  return mlirNamedAttributeGet(mlirIdentifierGet(ctx, mlirStringRefCreateFromCString(name)), value);
}

/* The parameter attributes of a 128-byte map passed by value. */
static MlirAttribute mapParamAttrs(MlirContext ctx) {
  MlirNamedAttribute a[3] = {
      named(ctx, "llvm.align", mlirIntegerAttrGet(mlirIntegerTypeGet(ctx, 64), 64)),
      named(ctx, "llvm.byval",
            mlirTypeAttrGet(
                mlirTypeParseGet(ctx, mlirStringRefCreateFromCString("!llvm.array<128 x i8>")))),
      named(ctx, "nvvm.grid_constant", mlirUnitAttrGet(ctx))};
  return mlirDictionaryAttrGet(ctx, 3, a);
}

static bool markFunc(MlirOperation fn) {
  MlirContext ctx = mlirOperationGetContext(fn);
  MlirAttribute maps = attnGetAttr(fn, "attn.tensor_maps");
  MlirAttribute type =
      mlirOperationGetInherentAttributeByName(fn, mlirStringRefCreateFromCString("function_type"));
  if (!mlirAttributeIsAArray(maps) || mlirAttributeIsNull(type))
    return false;
  intptr_t nMaps = mlirArrayAttrGetNumElements(maps);
  MlirType fnType = mlirTypeAttrGetValue(type);
  intptr_t nParams = mlirLLVMFunctionTypeGetNumInputs(fnType);
  if (nMaps > nParams)
    return false;
  for (intptr_t i = nParams - nMaps; i < nParams; ++i) {
    MlirType t = mlirLLVMFunctionTypeGetInput(fnType, i);
    if (!mlirTypeIsALLVMPointerType(t) || mlirLLVMPointerTypeGetAddressSpace(t) != 0)
      return false;
  }
  MlirAttribute old =
      mlirOperationGetInherentAttributeByName(fn, mlirStringRefCreateFromCString("arg_attrs"));
  MlirAttribute attrs[64];
  if (nParams > 64)
    return false;
  for (intptr_t i = 0; i < nParams; ++i) {
    MlirAttribute prev = !mlirAttributeIsNull(old) && i < mlirArrayAttrGetNumElements(old)
                             ? mlirArrayAttrGetElement(old, i)
                             : mlirDictionaryAttrGet(ctx, 0, NULL);
    attrs[i] = i >= nParams - nMaps ? mapParamAttrs(ctx) : prev;
  }
  mlirOperationSetInherentAttributeByName(fn, mlirStringRefCreateFromCString("arg_attrs"),
                                          mlirArrayAttrGet(ctx, nParams, attrs));
  return true;
}

static MlirWalkResult visit(MlirOperation op, void *userData) {
  bool *ok = userData;
  if (!attnIsOp(op, "llvm.func") || mlirAttributeIsNull(attnGetAttr(op, "attn.tensor_maps")))
    return MlirWalkResultAdvance;
  if (!markFunc(op)) {
    attnEmitOpError(op, passName,
                    "has an attn.tensor_maps that does not match its trailing !llvm.ptr "
                    "parameters");
    *ok = false;
  }
  return MlirWalkResultSkip;
}

static void run(MlirOperation root, MlirExternalPass pass) {
  bool ok = true;
  mlirOperationWalk(root, visit, &ok, MlirWalkPreOrder);
  if (!ok)
    mlirExternalPassSignalFailure(pass);
}

static const int64_t passId = 0;

static const AttnPassInfo info = {
    &passId, "AttnNvvmTensorMaps", passName,
    "Pass the TMA tensor maps of NVVM kernels as 128-byte grid-constant parameters", run};

MlirPass attnCreateNvvmTensorMapsPass(void) { return attnCreatePass(&info); }
