/*===- Registration.c - pass plumbing and registry entries ----------------===*/

#include "Passes.h"

#include "attn-c/Dialect.h"
#include "mlir-c/Dialect/Arith.h"
#include "mlir-c/Dialect/Bufferization.h"
#include "mlir-c/Dialect/Math.h"
#include "mlir-c/Dialect/MemRef.h"
#include "mlir-c/Dialect/SCF.h"
#include "mlir-c/Dialect/Tensor.h"

static void noop(void *userData) { (void)userData; }
static void *cloneInfo(void *userData) { return userData; }
static void runInfo(MlirOperation op, MlirExternalPass pass, void *userData) {
  ((const AttnPassInfo *)userData)->run(op, pass);
}

MlirPass attnCreatePass(const AttnPassInfo *info) {
  /* Every pass may create ops of these dialects; declaring them lets the pass
   * manager load them before multi-threaded execution starts. */
  MlirDialectHandle deps[] = {
      mlirGetDialectHandle__arith__(), mlirGetDialectHandle__bufferization__(),
      mlirGetDialectHandle__math__(),  mlirGetDialectHandle__memref__(),
      mlirGetDialectHandle__scf__(),   mlirGetDialectHandle__tensor__(),
      mlirGetDialectHandle__attn__(),
  };
  MlirExternalPassCallbacks callbacks = {noop, noop, NULL, cloneInfo, runInfo};
  /* The info is a static constant: sharing it between clones is safe. */
  return mlirCreateExternalPass(
      mlirTypeIDCreate(info->typeIdAnchor), mlirStringRefCreateFromCString(info->name),
      mlirStringRefCreateFromCString(info->argument),
      mlirStringRefCreateFromCString(info->description), mlirStringRefCreateFromCString(""),
      (intptr_t)(sizeof(deps) / sizeof(deps[0])), deps, callbacks, (void *)info);
}

static void registerPass(const char *argument, const char *description, AttnPassFactory factory) {
  attnRegisterPass(mlirStringRefCreateFromCString(argument),
                   mlirStringRefCreateFromCString(description), factory);
}

void attnRegisterAllPasses(void) {
  registerPass("attn-lower-reference",
               "Lower attn ops to plain loops (f32 accumulation, three-pass softmax)",
               attnCreateLowerReferencePass);
}
