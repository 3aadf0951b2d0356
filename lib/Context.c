/*===- Context.c - an MLIRContext with all of attnc registered ------------===*/

#include "attnc/attnc.h"

#include "Passes.h"
#include "attn-c/Dialect.h"
#include "mlir-c/RegisterEverything.h"

void attnRegisterAll(void) {
  /* Upstream passes first: attnc pipelines refer to them by name. */
  mlirRegisterAllPasses();
  attnRegisterAllPasses();
  attnRegisterAllPipelines();
}

MlirContext attnContextCreate(void) {
  MlirDialectRegistry registry = mlirDialectRegistryCreate();
  mlirRegisterAllDialects(registry);
  mlirDialectHandleInsertDialect(mlirGetDialectHandle__attn__(), registry);
  MlirContext ctx = mlirContextCreateWithRegistry(registry, /*threadingEnabled=*/true);
  mlirDialectRegistryDestroy(registry);
  mlirRegisterAllLLVMTranslations(ctx);
  mlirDialectHandleLoadDialect(mlirGetDialectHandle__attn__(), ctx);
  attnRegisterAll();
  return ctx;
}

const char *attnVersion(void) { return "attnc 0.1.0 (MLIR 22)"; }
