/*===- attn-c/Dialect.h - C API of the attn dialect and registries -*- C -*-===*
 *
 * The C face of the only C++ in attnc: the ODS dialect handle, plus two shims
 * that put C-implemented passes and pipelines into MLIR's global registry, so
 * that textual pipelines (`--pass-pipeline=`, named pipelines) can name them,
 * and one that lets a pass manager nest passes implicitly.
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
                                                 MlirStringCallback emitError, void *errorUserData);

/// Registers a named pipeline built by a C function. Idempotent like
/// attnRegisterPass.
MLIR_CAPI_EXPORTED void attnRegisterPipeline(MlirStringRef argument, MlirStringRef description,
                                             AttnPipelineBuilder builder);

/// Lets `pm` nest a pass that anchors on another op (a func.func pass added to
/// a builtin.module pass manager) under an implicit op-specific pass manager,
/// as mlir-opt does (OpPassManager::Nesting::Implicit). The C API cannot.
MLIR_CAPI_EXPORTED void attnPassManagerEnableImplicitNesting(MlirPassManager pm);

/// Adds the registered pass or pipeline `name` with `options` (the text of
/// `name{...}`) to `pm` honoring its nesting mode, as mlir-opt adds pass flags
/// (mlirOpPassManagerAddPipeline always nests explicitly). Returns failure,
/// after reporting through `callback(message, userData)`, for an unknown name
/// or bad options.
MLIR_CAPI_EXPORTED MlirLogicalResult attnOpPassManagerAddRegistered(MlirOpPassManager pm,
                                                                    MlirStringRef name,
                                                                    MlirStringRef options,
                                                                    MlirStringCallback callback,
                                                                    void *userData);

#ifdef __cplusplus
}
#endif

#endif /* ATTN_C_DIALECT_H */
