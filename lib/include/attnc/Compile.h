/*===- attnc/Compile.h - attn IR -> kernel bundles ------------------*- C -*-===*
 *
 * The compile job behind attn-compile and the Python package: lowers the
 * attention ops of a module for every target with its pipeline
 * (attn-to-rocdl{chip=X}, attn-to-nvvm{chip=sm_90a}, attn-to-cpu), generates
 * code with LLVM, links it (AMD, CPU) and serializes one kernel bundle
 * (attnrt/Bundle.h) with a code object per target and the metadata of every
 * kernel:
 *
 *   target   code object                       format   entry
 *   gfx9xx   HSACO (ld.lld -shared)            "hsaco"  symbol = kernel, workgroup from
 *                                                       the code object metadata
 *   sm_90a   PTX text, NUL-terminated          "ptx"    symbol = kernel, workgroup =
 *                                                       32 * num_warps, lds = .shared bytes
 *   cpu      ELF .so (ld.lld -shared, libm)    "elf-so" symbol = __attn_program_<kernel>
 *
 * Two levels:
 *
 *   attnCompileBundle / attnCompileEmit   one call from IR text: own context,
 *       diagnostics collected into the error message ("input:3:5: error:
 *       ..."), for bindings (ctypes).
 *   attnCompileModule   a parsed module in the caller's context (whose
 *       diagnostic handlers see what the passes report), with every
 *       intermediate result (kernels, entries, AMD kernel resources) for tools.
 *
 * Every function reports failure with a message in `err` (may be null) and
 * never exits. Messages about one target start with its name ("cpu: ...").
 *
 *===----------------------------------------------------------------------===*/
#ifndef ATTNC_COMPILE_H
#define ATTNC_COMPILE_H

#include "attnc/Target.h"
#include "attnrt/Bundle.h"

#include "mlir-c/IR.h"

#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* "attnc 0.1.0 (LLVM 22.1.0)": the project version and the LLVM that
 * generates the code. Goes into cache keys; a static string. */
MLIR_CAPI_EXPORTED const char *attnCompilerVersion(void);

/* What a compile job produces. */
typedef enum AttnCompileEmit {
  ATTN_COMPILE_BUNDLE,  /* code objects and the serialized bundle */
  ATTN_COMPILE_CODEGEN, /* code generation without code objects: kernels,
                           entries and AMD resources (for reports) */
  ATTN_COMPILE_KERNELS, /* the kernels' metadata only (no target needed) */
  ATTN_COMPILE_MLIR,    /* text: the module after the target's pipeline */
  ATTN_COMPILE_LLVM,    /* text: LLVM IR of the device code after -O3 */
  ATTN_COMPILE_ASM,     /* text: assembly (AMD: with .amdgpu_metadata; PTX) */
} AttnCompileEmit;

#define ATTN_COMPILE_MAX_TARGETS 8

/* Parses a comma-separated target list ("gfx942,sm_90a,cpu") into
 * targets[0, max). Rejects empty items, unknown names (listing the valid
 * ones) and repeated targets. */
MLIR_CAPI_EXPORTED bool attnParseTargetList(const char *list, AttnTarget *targets, int max,
                                            int *count, char *err, size_t errLen);

typedef struct AttnCompileOptions {
  const AttnTarget *targets; /* text forms compile targets[0] only */
  int numTargets;
  const char *pipeline; /* NULL: each target's; "none": the input is already lowered */
  AttnCompileEmit emit;
  const char *producer; /* the bundle's producer string; NULL: attnVersion() */
  bool estimate;        /* AMD: run attnAmdEstimate (llvm-mca) on every kernel;
                           a missing llvm-mca leaves the estimate -1, no error */
} AttnCompileOptions;

/* One target's results. */
typedef struct AttnCompiledTarget {
  AttnTarget target;
  const char *format;       /* "hsaco", "elf-so", "ptx" */
  AttnBlob code;            /* the code object (BUNDLE) */
  AttnBundleEntry *entries; /* [numKernels] (or NULL) */
  AttnAmdKernelInfo *amd;   /* AMD: every kernel of the assembly */
  int numAmd;
} AttnCompiledTarget;

typedef struct AttnCompileResult {
  AttnBundleKernel *kernels; /* the bundle's kernels */
  int numKernels;
  AttnCompiledTarget *targets; /* the targets compiled, in order */
  int numTargets;
  AttnBlob bundle; /* BUNDLE: the serialized bundle */
  AttnBlob text;   /* MLIR, LLVM, ASM: the text of targets[0] */
} AttnCompileResult;

/* Compiles `input` (not modified; lowered on clones). Inputs without attn
 * ops are taken as lowered (a gpu.module @attn_kernels for GPU targets,
 * attn-to-cpu output for the CPU); their kernels are the first target's
 * code's, without argument metadata. Pass diagnostics go to the handlers of
 * the input's context. *out is zeroed first; free it with
 * attnCompileResultFree (on failure too). */
MLIR_CAPI_EXPORTED bool attnCompileModule(MlirModule input, const AttnCompileOptions *options,
                                          AttnCompileResult *out, char *err, size_t errLen);
MLIR_CAPI_EXPORTED void attnCompileResultFree(AttnCompileResult *result);

/* Whether `module` has any op of the attn dialect. */
MLIR_CAPI_EXPORTED bool attnModuleHasAttnOps(MlirModule module);

/* One call from IR text (`len` bytes; textual MLIR, located diagnostics
 * named "input"): the bundle for `targets` ("sm_90a,cpu"), lowered with
 * each target's pipeline or `pipeline` (one target; "none": lowered input).
 * On failure `err` holds the diagnostics, one per line, then a summary. */
MLIR_CAPI_EXPORTED bool attnCompileBundle(const char *ir, size_t len, const char *targets,
                                          const char *pipeline, AttnBlob *bundleOut, char *err,
                                          size_t errLen);

/* The same for one text form (MLIR, LLVM, ASM) of one target. */
MLIR_CAPI_EXPORTED bool attnCompileEmit(const char *ir, size_t len, const char *target,
                                        AttnCompileEmit form, const char *pipeline,
                                        AttnBlob *textOut, char *err, size_t errLen);

/* Bytes of the static `.shared` variables that kernel `kernel` of a PTX
 * text can use: those at module level plus those declared in its body
 * (NULL: all of them); `.extern` (dynamic) ones count 0. */
MLIR_CAPI_EXPORTED int attnPtxSharedBytes(const char *ptx, size_t length, const char *kernel);

#ifdef __cplusplus
}
#endif

#endif /* ATTNC_COMPILE_H */
