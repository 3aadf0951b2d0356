/*===- attnc/attnc.h - the attnc compiler library -----------------*- C -*-===*
 *
 * Entry points shared by the tools (attn-opt, attn-run) and, later, the
 * Python package: a context with everything registered and the named
 * pipelines that take attn IR to executable code.
 *
 *===----------------------------------------------------------------------===*/
#ifndef ATTNC_ATTNC_H
#define ATTNC_ATTNC_H

#include "mlir-c/IR.h"
#include "mlir-c/Pass.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A context with every upstream dialect registered, the attn dialect loaded
 * and attnc's passes and pipelines in the pass registry. Destroy with
 * mlirContextDestroy. */
MLIR_CAPI_EXPORTED MlirContext attnContextCreate(void);

/* Registers attnc's passes and named pipelines. Idempotent. */
MLIR_CAPI_EXPORTED void attnRegisterAll(void);

/* Registers the named pipelines only (attn-to-cpu-reference, ...). */
MLIR_CAPI_EXPORTED void attnRegisterAllPipelines(void);

/* The lowering after the attn ops are gone, for the host CPU: bufferize
 * (memref results become trailing out-parameters) and convert to the LLVM
 * dialect. Appended to `pm`, whose anchor must be builtin.module. */
MLIR_CAPI_EXPORTED MlirLogicalResult attnAddCpuLoweringPasses(MlirOpPassManager pm,
                                                              MlirStringCallback onError,
                                                              void *userData);

/* Version string of the compiler, used in cache keys and bundle headers. */
MLIR_CAPI_EXPORTED const char *attnVersion(void);

#ifdef __cplusplus
}
#endif

#endif /* ATTNC_ATTNC_H */
