/*===- Passes.h - attnc passes and their registration -------------*- C -*-===*/
#ifndef ATTN_PASSES_PASSES_H
#define ATTN_PASSES_PASSES_H

#include "mlir-c/Pass.h"

#include <stdbool.h>

#ifdef __cplusplus
extern "C" {
#endif

/* attn-lower-reference: attn ops -> scf loops over memrefs, f32 accumulation,
 * three-pass softmax. The executable definition of the dialect's semantics. */
MlirPass attnCreateLowerReferencePass(void);

/* attn-gqa-map: records attn.kv_head_map = (q head) -> (kv head) on every
 * attention op. */
MlirPass attnCreateGqaMapPass(void);

/* attn-tile: attn.tile (tile configuration from config/<target>-MHA-DEFAULT.json
 * plus overrides) and attn.grid on every attention op. `options` is the text
 * between the braces of attn-tile{...}; returns a null pass with a message in
 * err when it is invalid. */
MlirPass attnCreateTilePass(const char *options, char *err, size_t errLen);

/* attn-online-softmax: every attention op that went through attn-gqa-map and
 * attn-tile becomes a kernel function (one program of the flash-attention
 * grid: online softmax over KV tiles) plus a grid launch of it. The kernel IR
 * is described in docs/kernel-ir.md. Option fold-scale=true|false (default
 * true): keep plain logits unscaled and fold scale * log2(e) into exp2. */
MlirPass attnCreateOnlineSoftmaxPass(const char *options, char *err, size_t errLen);

/* attn-flash-backward: every attn.mha_bwd / attn.mha_varlen_bwd that went
 * through attn-gqa-map and attn-tile becomes three kernels of the kernel IR
 * (delta = rowsum(dout * out); dK/dV per KV tile over the query tiles and
 * the GQA group's heads that see it; dQ per query tile) and their launches
 * (docs/backward.md). */
MlirPass attnCreateFlashBackwardPass(void);

/* attn-gpu-layout: on NVIDIA kernels (sm_90a), records the matmul form
 * (attn.mma = wgmma | mma_sync | none on the kernel function) and where each
 * matmul operand lives (attn.layout on the tile reads and matmuls), which
 * attn-lower-nvgpu then follows. `options` is the text between the braces
 * (mma=auto|mma_sync|wgmma); a null pass with a message in err when it is
 * invalid. */
MlirPass attnCreateGpuLayoutPass(const char *options, char *err, size_t errLen);

/* attn-gpu-pipeline: on wgmma kernels with num_stages >= 2 (every kernel
 * with force=true), splits each KV loop into prologue / steady / epilogue
 * loops (attn.pipeline) in which the P V matmul of tile n-1 follows the
 * Q K^T matmul of tile n. `options`: force=true|false. */
MlirPass attnCreateGpuPipelinePass(const char *options, char *err, size_t errLen);

/* attn-lower-cpu: kernel IR -> host vector code (query rows in SIMD lanes,
 * register-blocked tile matmuls, polynomial exp2). */
MlirPass attnCreateLowerCpuPass(void);

/* attn-lower-amdgpu: kernel IR -> gpu.func kernels for gfx942/gfx950 in
 * gpu.module @attn_kernels (MFMA, LDS-staged K/V, wave reductions); each
 * launch declaration becomes a gpu.launch_func. */
MlirPass attnCreateLowerAmdgpuPass(void);

/* attn-lower-nvgpu: kernel IR -> gpu.func kernels for sm_90a in
 * gpu.module @attn_kernels: mma.sync m16n8k16 with ldmatrix, K/V tiles
 * staged with cp.async (next tile loading during the current matmul), warp
 * shuffles for row reductions (docs/nvgpu.md). */
MlirPass attnCreateLowerNvgpuPass(void);

/* attn-nvvm-l2-prefetch: in paged decode kernels, 16-byte L2-only
 * nvvm.cp.async.shared.global copies become the same PTX copy with a
 * 256-byte L2 prefetch (inline asm). */
MlirPass attnCreateNvvmL2PrefetchPass(void);
/* attn-cpu-soft-bf16: defines __truncsfbf2 (f32 -> bf16, round to nearest
 * even) in host LLVM-dialect modules that move bf16 values, which LLVM calls on
 * CPUs without bf16 instructions and libgcc before GCC 13 lacks. */
MlirPass attnCreateCpuSoftBf16Pass(void);

/* attn-nvvm-tensor-maps: the trailing tensor-map parameters of NVVM kernels
 * with attn.tensor_maps become 128-byte by-value grid constants. */
MlirPass attnCreateNvvmTensorMapsPass(void);
/* attn-cpu-launch: on the LLVM dialect, defines each grid launch declared by
 * attn-online-softmax as a call into the runtime's CPU launcher
 * (attnrt/CpuLaunch.h) with a per-program trampoline. */
MlirPass attnCreateCpuLaunchPass(void);

/* Registers every attnc pass and named pipeline in MLIR's pass registry.
 * Idempotent. */
void attnRegisterAllPasses(void);

/* Shared plumbing for passes without options or state. */
typedef struct {
  const void *typeIdAnchor; /* address of a static, 8-byte aligned: the pass TypeID */
  const char *name;
  const char *argument;
  const char *description;
  void (*run)(MlirOperation op, MlirExternalPass pass);
} AttnPassInfo;

MlirPass attnCreatePass(const AttnPassInfo *info);

/* Plumbing for passes with options: the pass owns a copy of the `size`
 * bytes at `options` (copied again for each clone) and hands it to `run`,
 * null when a clone's copy could not be made. Null when out of memory. */
typedef void (*AttnOptionsRunFn)(MlirOperation op, MlirExternalPass pass, const void *options);
MlirPass attnCreateOptionsPass(const AttnPassInfo *info, const void *options, size_t size,
                               AttnOptionsRunFn run);

/* A pass-pipeline builder's body for a pass with options: the option text
 * (not NUL-terminated) goes to `create`, whose error message is reported. */
typedef MlirPass (*AttnOptionsPassFactory)(const char *options, char *err, size_t errLen);
MlirLogicalResult attnBuildOptionsPass(MlirOpPassManager pm, MlirStringRef options,
                                       MlirStringCallback emitError, void *errorUserData,
                                       const char *argument, AttnOptionsPassFactory create);

/* The dialects attnc passes may create ops of (for mlirCreateExternalPass). */
enum { ATTN_MAX_PASS_DIALECTS = 16 };
intptr_t attnPassDialects(MlirDialectHandle deps[ATTN_MAX_PASS_DIALECTS]);

#ifdef __cplusplus
}
#endif

#endif /* ATTN_PASSES_PASSES_H */
