/*===- attn-c/Dialect.h - C API of the attn dialect and registries -*- C -*-===*
 *
 * The C face of the only C++ in attnc: the ODS dialect handle, plus two shims
 * that put C-implemented passes and pipelines into MLIR's global registry, so
 * that textual pipelines (`--pass-pipeline=`, named pipelines) can name them.
 *
 *===----------------------------------------------------------------------===*/
#ifndef ATTN_C_DIALECT_H
#define ATTN_C_DIALECT_H

#include "mlir-c/IR.h"
#include "mlir-c/Pass.h"

#ifdef __cplusplus
extern "C" {
#endif

MLIR_DECLARE_CAPI_DIALECT_REGISTRATION(Attn, attn);

/// Creates a fresh instance of a C pass; called once per pass instance the
/// pass manager needs.
typedef MlirPass (*AttnPassFactory)(void);

/// Registers a C pass under its argument (e.g. "attn-lower-reference").
/// Registering an argument that is already known is a no-op, so tools may call
/// this unconditionally.
MLIR_CAPI_EXPORTED void attnRegisterPass(MlirStringRef argument, MlirStringRef description,
                                         AttnPassFactory factory);

/// Appends the passes of a named pipeline to `pm`, given the text between the
/// braces of `name{...}` (empty when absent). Returns failure, after reporting
/// through `emitError(message, errorUserData)`, on bad options.
typedef MlirLogicalResult (*AttnPipelineBuilder)(MlirOpPassManager pm, MlirStringRef options,
                                                 MlirStringCallback emitError,
                                                 void *errorUserData);

/// Registers a named pipeline built by a C function. Idempotent like
/// attnRegisterPass.
MLIR_CAPI_EXPORTED void attnRegisterPipeline(MlirStringRef argument, MlirStringRef description,
                                             AttnPipelineBuilder builder);

#ifdef __cplusplus
}
#endif

#endif /* ATTN_C_DIALECT_H */
