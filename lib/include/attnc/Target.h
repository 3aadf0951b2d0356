/*===- attnc/Target.h - code generation for attnc's targets --------*- C -*-===*
 *
 * From a module lowered by a target's pipeline to a code object:
 *
 *   attnTargetLower        the target's named pipeline (attn-to-rocdl{chip=X},
 *                          attn-to-nvvm{chip=sm_90a}, attn-to-cpu), in place
 *   attnTargetExtractDevice  the device code only, as a fresh module:
 *                          AMD, NVIDIA: the body of `gpu.module @attn_kernels`;
 *                          CPU: the `__attn_program_*` trampolines and what
 *                          they reach (host functions, launches and the
 *                          launcher global dropped), trampolines external
 *   attnTargetTranslate    MLIR LLVM dialect -> LLVM IR with the target's
 *                          triple and data layout
 *   attnTargetEmit         LLVM codegen to assembly text or an object
 *                          (NVIDIA: the assembly is the PTX code object)
 *   attnTargetLink         `ld.lld -shared`: object -> HSACO (AMD) or ELF
 *                          shared object (CPU); NVIDIA has no link step
 *
 * plus readers of the AMDGPU assembly (the `.amdgpu_metadata` block and
 * the static MFMA counts) and the occupancy model of gfx942 / gfx950.
 *
 * Every function reports failure with a message in `err` (may be null) and
 * never exits. No global mutable state: LLVM's targets are initialized once
 * per process (pthread_once).
 *
 *===----------------------------------------------------------------------===*/
#ifndef ATTNC_TARGET_H
#define ATTNC_TARGET_H

#include "mlir-c/IR.h"

#include "llvm-c/Core.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum AttnTargetKind {
  ATTN_TARGET_AMDGPU,
  ATTN_TARGET_CPU,
  ATTN_TARGET_NVPTX /* NVIDIA: the code object is PTX text, JIT-compiled by the driver */
} AttnTargetKind;

/* A code generation target. */
typedef struct AttnTarget {
  AttnTargetKind kind;
  char name[32];   /* as the bundle names it: "gfx942", "sm_90a", "cpu-x86_64" */
  char option[32]; /* as --target names it: "gfx942", "gfx950", "sm_90a", "cpu" */
  char chip[64];   /* LLVM CPU: "gfx942", "sm_90a", or the host's CPU name ("znver4") */
  char triple[64]; /* "amdgcn-amd-amdhsa", "nvptx64-nvidia-cuda", or the host's triple */
} AttnTarget;

/* The names attnTargetLookup accepts, for messages: "gfx942, gfx950, sm_90a, cpu". */
MLIR_CAPI_EXPORTED const char *attnTargetValidNames(void);

/* Fills *t for a --target name ("gfx942", "gfx950", "sm_90a", "cpu": the host CPU).
 * Returns false for any other name. */
MLIR_CAPI_EXPORTED bool attnTargetLookup(const char *name, AttnTarget *t);

/* The textual pipeline that lowers attn IR for `t` (into `buf`). */
MLIR_CAPI_EXPORTED const char *attnTargetPipeline(const AttnTarget *t, char *buf, size_t size);

/* Runs a textual pipeline on `module` in place: "builtin.module(...)", or
 * passes / named pipelines to nest in the module's pass manager
 * ("attn-to-cpu{isa=generic}", "canonicalize,cse"). Pass failures are
 * reported through the context's diagnostic handlers; `err` gets a one-line
 * summary (or the parser's message for a bad pipeline). */
MLIR_CAPI_EXPORTED bool attnRunPipeline(MlirModule module, const char *pipeline, char *err,
                                        size_t errLen);

/* Runs attnTargetPipeline on `module` in place. Diagnostics go to the
 * context's handlers; `err` gets a one-line summary. */
MLIR_CAPI_EXPORTED bool attnTargetLower(MlirModule module, const AttnTarget *t, char *err,
                                        size_t errLen);

/* The device code of a lowered module as a new module (destroy with
 * mlirModuleDestroy); the null module on failure. */
MLIR_CAPI_EXPORTED MlirModule attnTargetExtractDevice(MlirModule lowered, const AttnTarget *t,
                                                      char *err, size_t errLen);

/* Translates a device module (LLVM dialect) to LLVM IR in `llvmCtx`, with
 * `t`'s triple and data layout. For AMD, fails when the code calls a
 * function that is neither defined nor an intrinsic (device libraries are
 * not linked). NULL on failure. */
MLIR_CAPI_EXPORTED LLVMModuleRef attnTargetTranslate(MlirModule device, const AttnTarget *t,
                                                     LLVMContextRef llvmCtx, char *err,
                                                     size_t errLen);

/* Runs LLVM's -O3 module pipeline ("default<O3>") for `t` on `m`. */
MLIR_CAPI_EXPORTED bool attnTargetOptimize(LLVMModuleRef m, const AttnTarget *t, char *err,
                                           size_t errLen);

/* Bytes owned by the caller (free with attnBlobFree). `data` is
 * NUL-terminated one past `size`, so text blobs are C strings. */
typedef struct AttnBlob {
  uint8_t *data;
  size_t size;
} AttnBlob;
MLIR_CAPI_EXPORTED void attnBlobFree(AttnBlob *blob);

/* LLVM codegen at -O3 (PIC): assembly text when `assembly`, else an ELF
 * relocatable object. `m` is left unchanged (codegen runs on a clone). */
MLIR_CAPI_EXPORTED bool attnTargetEmit(LLVMModuleRef m, const AttnTarget *t, bool assembly,
                                       AttnBlob *out, char *err, size_t errLen);

/* The ld.lld this process would run: $ATTN_LLD, else <LLVM 22>/bin/ld.lld,
 * else ld.lld-22 on PATH. False (and why in `err`) when there is none. */
MLIR_CAPI_EXPORTED bool attnFindLinker(char *path, size_t size, char *err, size_t errLen);

/* Links a relocatable object into a shared object with `ld.lld -shared`
 * (temporary files, cleaned up): the HSACO of an AMD target, or for the CPU
 * an ELF .so with a DT_NEEDED on the libm of this process when the code
 * calls into libm. */
MLIR_CAPI_EXPORTED bool attnTargetLink(const AttnBlob *object, const AttnTarget *t, AttnBlob *out,
                                       char *err, size_t errLen);

/*===--- AMDGPU code objects ------------------------------------------------===*/

/* What the AMDGPU backend reports for one kernel, read from its assembly:
 * the `.amdgpu_metadata` block (code object metadata, AMDGPUUsage
 * "Code Object V3+ Metadata") and the `.set <kernel>.num_vgpr/num_agpr`
 * resource symbols. -1 where absent. */
typedef struct AttnAmdKernelInfo {
  char name[128];
  int32_t vgprs;         /* architected VGPRs (.set K.num_vgpr) */
  int32_t agprs;         /* accumulation VGPRs (.agpr_count) */
  int32_t vgprTotal;     /* unified VGPRs per lane (.vgpr_count: align(vgprs, 4) + agprs) */
  int32_t sgprs;         /* .sgpr_count */
  int32_t vgprSpills;    /* .vgpr_spill_count */
  int32_t sgprSpills;    /* .sgpr_spill_count */
  int32_t scratchBytes;  /* .private_segment_fixed_size, per work-item */
  int32_t ldsBytes;      /* .group_segment_fixed_size, per workgroup */
  int32_t wavefrontSize; /* .wavefront_size */
  int32_t maxWorkgroup;  /* .max_flat_workgroup_size */
  int32_t reqdWorkgroup; /* product of .reqd_workgroup_size */
  int32_t mfma;          /* v_mfma instructions in the kernel (static count) */
  int32_t mfmaPerLoop;   /* max over innermost loops of the v_mfma in its body */
  int32_t loops;         /* innermost loops found (backward branches) */
  /* The hot loop: of the innermost loops with mfmaPerLoop v_mfma, the one of
   * fewest instructions (a causal kernel's unmasked KV loop). Byte offsets
   * into the assembly text read, [its label line, end of its backward
   * branch); both 0 without loops. */
  int64_t hotLoopBegin, hotLoopEnd;
  /* Static throughput estimate of the hot loop (attnAmdEstimate): llvm-mca's
   * cycles per iteration, and its resource pressure per iteration on the
   * MFMA unit (HWXDL); -1 when not estimated (why in estimateNote). */
  double loopCycles;
  double loopMfmaCycles;
  char estimateNote[160];
} AttnAmdKernelInfo;

/* Reads every kernel of an AMDGPU assembly text. Returns the number of
 * kernels written to the malloc'd *kernels (caller frees), or -1 with a
 * message when the text has no `.amdgpu_metadata` block. */
MLIR_CAPI_EXPORTED int attnAmdReadAsm(const char *text, size_t length, AttnAmdKernelInfo **kernels,
                                      char *err, size_t errLen);

/* The llvm-mca this process would run: $ATTN_LLVM_MCA, else
 * <LLVM 22>/bin/llvm-mca, else llvm-mca-22 on PATH. False (and why in `err`)
 * when there is none. */
MLIR_CAPI_EXPORTED bool attnFindMca(char *path, size_t size, char *err, size_t errLen);

/* Static throughput estimate of kernel `k`'s hot loop (read from `text` by
 * attnAmdReadAsm): `llvm-mca -mtriple=amdgcn-amd-amdhsa -mcpu=<chip>
 * -iterations=100` over the loop's lines. Sets k->loopCycles (total cycles /
 * iterations) and k->loopMfmaCycles (resource pressure per iteration on
 * HWXDL, the MFMA pipeline of LLVM's scheduling model: each v_mfma's issue
 * cycles, summed). False with k->estimateNote (and `err`) set when there is
 * no loop, no llvm-mca or its output cannot be read; the fields stay -1. */
MLIR_CAPI_EXPORTED bool attnAmdEstimate(const char *text, size_t length, const char *chip,
                                        AttnAmdKernelInfo *k, char *err, size_t errLen);

/* Occupancy of a kernel on gfx942 / gfx950: waves per SIMD, and what
 * limits it ("vgpr", "lds", "max" (the hardware's 8), "lds>cu" when one
 * workgroup needs more LDS than a CU has, "chip" for an unknown chip).
 *
 *   alloc  = align(align(vgprs, 4) + agprs, 8)      (unified VGPR file,
 *            AGPRs after the architected VGPRs at a 4-aligned offset,
 *            granule 8; equals align(.vgpr_count, 8))
 *   waves  = min(8, floor(512 / alloc),
 *                lds > 0 ? floor(LDS_CU / lds) * ceil(wg / 64) / 4 : inf)
 *
 * with 512 VGPRs per SIMD lane, 4 SIMDs per CU, 8 waves per SIMD at most,
 * LDS_CU = 64 KiB on gfx942 and 160 KiB on gfx950. Sources: AMD
 * "AMD Instinct MI300 (CDNA3) ISA" (VGPR/AGPR file, 512 per lane, wave64),
 * LLVM AMDGPUUsage (gfx90a+ unified register file, accum_offset granule 4,
 * VGPR allocation granule 8, LDS size per CU per processor) and
 * AMDGPU's GCNSubtarget::getOccupancyWithNumVGPRs / getOccupancyWithLDS.
 * `workgroupSize` <= 0 takes the kernel's maxWorkgroup. Returns 0 for an
 * unknown chip. */
MLIR_CAPI_EXPORTED int attnAmdOccupancy(const AttnAmdKernelInfo *k, const char *chip,
                                        int workgroupSize, const char **limiter);

/* LDS bytes per CU of an AMD chip (0 when unknown). */
MLIR_CAPI_EXPORTED int attnAmdLdsPerCu(const char *chip);

#ifdef __cplusplus
}
#endif

#endif /* ATTNC_TARGET_H */
