/*===- Context.c - an MLIRContext with all of attnc registered ------------===*/

#include "attnc/attnc.h"

#include "Passes.h"
#include "attn-c/Dialect.h"
#include "mlir-c/RegisterEverything.h"

#include <pthread.h>

static void registerOnce(void) {
  /* Upstream passes first: attnc pipelines refer to them by name. */
  mlirRegisterAllPasses();
  attnRegisterAllPasses();
  attnRegisterAllPipelines();
}

void attnRegisterAll(void) {
  /* MLIR's pass registry is global and unsynchronized, and registering every
   * upstream pass constructs each of them: do it once per process. */
  static pthread_once_t once = PTHREAD_ONCE_INIT;
  pthread_once(&once, registerOnce);
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
