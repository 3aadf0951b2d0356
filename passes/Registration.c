/*===- Registration.c - pass plumbing and registry entries ----------------===*/

#include "Passes.h"

#include "attn-c/Dialect.h"
#include "mlir-c/Dialect/Affine.h"
#include "mlir-c/Dialect/Arith.h"
#include "mlir-c/Dialect/Bufferization.h"
#include "mlir-c/Dialect/Func.h"
#include "mlir-c/Dialect/GPU.h"
#include "mlir-c/Dialect/LLVM.h"
#include "mlir-c/Dialect/Math.h"
#include "mlir-c/Dialect/MemRef.h"
#include "mlir-c/Dialect/NVGPU.h"
#include "mlir-c/Dialect/NVVM.h"
#include "mlir-c/Dialect/ROCDL.h"
#include "mlir-c/Dialect/SCF.h"
#include "mlir-c/Dialect/Tensor.h"
#include "mlir-c/Dialect/Vector.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void noop(void *userData) { (void)userData; }
static void *cloneInfo(void *userData) { return userData; }
static void runInfo(MlirOperation op, MlirExternalPass pass, void *userData) {
  ((const AttnPassInfo *)userData)->run(op, pass);
}

intptr_t attnPassDialects(MlirDialectHandle deps[ATTN_MAX_PASS_DIALECTS]) {
  /* Every pass may create ops of these dialects; declaring them lets the pass
   * manager load them before multi-threaded execution starts. */
  MlirDialectHandle all[] = {
      mlirGetDialectHandle__arith__(),  mlirGetDialectHandle__bufferization__(),
      mlirGetDialectHandle__math__(),   mlirGetDialectHandle__memref__(),
      mlirGetDialectHandle__scf__(),    mlirGetDialectHandle__tensor__(),
      mlirGetDialectHandle__attn__(),   mlirGetDialectHandle__func__(),
      mlirGetDialectHandle__llvm__(),   mlirGetDialectHandle__vector__(),
      mlirGetDialectHandle__affine__(), mlirGetDialectHandle__gpu__(),
      mlirGetDialectHandle__rocdl__(),  mlirGetDialectHandle__nvgpu__(),
      mlirGetDialectHandle__nvvm__(),
  };
  intptr_t n = (intptr_t)(sizeof(all) / sizeof(all[0]));
  for (intptr_t i = 0; i < n; ++i)
    deps[i] = all[i];
  return n;
}

MlirPass attnCreatePass(const AttnPassInfo *info) {
  MlirDialectHandle deps[ATTN_MAX_PASS_DIALECTS];
  intptr_t numDeps = attnPassDialects(deps);
  MlirExternalPassCallbacks callbacks = {noop, noop, NULL, cloneInfo, runInfo};
  /* The info is a static constant: sharing it between clones is safe. */
  return mlirCreateExternalPass(
      mlirTypeIDCreate(info->typeIdAnchor), mlirStringRefCreateFromCString(info->name),
      mlirStringRefCreateFromCString(info->argument),
      mlirStringRefCreateFromCString(info->description), mlirStringRefCreateFromCString(""),
      numDeps, deps, callbacks, (void *)info);
}

/* The user data of a pass with options: its run function and a copy of the
 * options. */
typedef struct {
  AttnOptionsRunFn run;
  size_t size;
  max_align_t data[];
} OptionsPass;

static OptionsPass *optionsPassCopy(AttnOptionsRunFn run, const void *options, size_t size) {
  OptionsPass *p = malloc(sizeof(OptionsPass) + size);
  if (p) {
    p->run = run;
    p->size = size;
    memcpy(p->data, options, size);
  }
  return p;
}

static void freeOptions(void *userData) { free(userData); }
static void *cloneOptions(void *userData) {
  const OptionsPass *p = userData;
  return p ? optionsPassCopy(p->run, p->data, p->size) : NULL;
}
static void runOptions(MlirOperation op, MlirExternalPass pass, void *userData) {
  const OptionsPass *p = userData;
  if (!p) { /* a clone whose copy failed */
    mlirExternalPassSignalFailure(pass);
    return;
  }
  p->run(op, pass, p->data);
}

MlirPass attnCreateOptionsPass(const AttnPassInfo *info, const void *options, size_t size,
                               AttnOptionsRunFn run) {
  OptionsPass *p = optionsPassCopy(run, options, size);
  if (!p)
    return (MlirPass){NULL};
  MlirDialectHandle deps[ATTN_MAX_PASS_DIALECTS];
  intptr_t numDeps = attnPassDialects(deps);
  MlirExternalPassCallbacks callbacks = {noop, freeOptions, NULL, cloneOptions, runOptions};
  return mlirCreateExternalPass(mlirTypeIDCreate(info->typeIdAnchor),
                                mlirStringRefCreateFromCString(info->name),
                                mlirStringRefCreateFromCString(info->argument),
                                mlirStringRefCreateFromCString(info->description),
                                mlirStringRefCreateFromCString(""), numDeps, deps, callbacks, p);
}

MlirLogicalResult attnBuildOptionsPass(MlirOpPassManager pm, MlirStringRef options,
                                       MlirStringCallback emitError, void *errorUserData,
                                       const char *argument, AttnOptionsPassFactory create) {
  char text[2048], err[512];
  if (options.length >= sizeof(text)) {
    snprintf(err, sizeof(err), "%s: options too long", argument);
    emitError(mlirStringRefCreateFromCString(err), errorUserData);
    return mlirLogicalResultFailure();
  }
  if (options.length) /* data may be NULL when there are no options */
    memcpy(text, options.data, options.length);
  text[options.length] = '\0';
  MlirPass pass = create(text, err, sizeof(err));
  if (!pass.ptr) {
    emitError(mlirStringRefCreateFromCString(err), errorUserData);
    return mlirLogicalResultFailure();
  }
  mlirOpPassManagerAddOwnedPass(pm, pass);
  return mlirLogicalResultSuccess();
}

static void registerPass(const char *argument, const char *description, AttnPassFactory factory) {
  attnRegisterPass(mlirStringRefCreateFromCString(argument),
                   mlirStringRefCreateFromCString(description), factory);
}

/* attn-tile, attn-gpu-layout and attn-gpu-pipeline take options, which external passes cannot
 * parse: they are registered as pipelines whose builder receives the option
 * text. */
static MlirLogicalResult buildTile(MlirOpPassManager pm, MlirStringRef options,
                                   MlirStringCallback emitError, void *errorUserData) {
  return attnBuildOptionsPass(pm, options, emitError, errorUserData, "attn-tile",
                              attnCreateTilePass);
}

static MlirLogicalResult buildGpuLayout(MlirOpPassManager pm, MlirStringRef options,
                                        MlirStringCallback emitError, void *errorUserData) {
  return attnBuildOptionsPass(pm, options, emitError, errorUserData, "attn-gpu-layout",
                              attnCreateGpuLayoutPass);
}

static MlirLogicalResult buildOnlineSoftmax(MlirOpPassManager pm, MlirStringRef options,
                                            MlirStringCallback emitError, void *errorUserData) {
  return attnBuildOptionsPass(pm, options, emitError, errorUserData, "attn-online-softmax",
                              attnCreateOnlineSoftmaxPass);
}

static MlirLogicalResult buildGpuPipeline(MlirOpPassManager pm, MlirStringRef options,
                                          MlirStringCallback emitError, void *errorUserData) {
  return attnBuildOptionsPass(pm, options, emitError, errorUserData, "attn-gpu-pipeline",
                              attnCreateGpuPipelinePass);
}

void attnRegisterAllPasses(void) {
  registerPass("attn-gqa-map", "Make the query-head -> KV-head mapping explicit",
               attnCreateGqaMapPass);
  attnRegisterPipeline(mlirStringRefCreateFromCString("attn-tile"),
                       mlirStringRefCreateFromCString(
                           "Choose tile configurations (config/<target>-MHA-DEFAULT.json) and "
                           "form the program grid"),
                       buildTile);
  attnRegisterPipeline(mlirStringRefCreateFromCString("attn-gpu-layout"),
                       mlirStringRefCreateFromCString(
                           "Choose the matmul form (wgmma / mma.sync) and operand layouts of "
                           "NVIDIA kernels, recorded as attn.mma / attn.layout"),
                       buildGpuLayout);
  attnRegisterPipeline(mlirStringRefCreateFromCString("attn-gpu-pipeline"),
                       mlirStringRefCreateFromCString(
                           "Software-pipeline the KV loops of wgmma kernels with num_stages >= 2: "
                           "the P V matmul of tile n-1 behind the Q K^T matmul of tile n "
                           "(attn.pipeline = prologue | steady | epilogue); mark the loops of "
                           "the backward's mma.sync kernels whose next tiles the lowering "
                           "prefetches (attn.pipeline = prefetch)"),
                       buildGpuPipeline);
  registerPass("attn-lower-reference",
               "Lower attn ops to plain loops (f32 accumulation, three-pass softmax)",
               attnCreateLowerReferencePass);
  attnRegisterPipeline(mlirStringRefCreateFromCString("attn-online-softmax"),
                       mlirStringRefCreateFromCString(
                           "Fuse each tiled attention op into a flash-attention kernel (online "
                           "softmax over KV tiles) and a grid launch of it; fold-scale=false "
                           "scales every logit tile instead of folding the scale into exp2"),
                       buildOnlineSoftmax);
  registerPass("attn-flash-backward",
               "Lower each tiled attention backward op to flash-attention gradient kernels "
               "(delta, dK/dV per KV tile, dQ per Q tile) and their grid launches",
               attnCreateFlashBackwardPass);
  registerPass("attn-lower-cpu",
               "Lower kernel IR to host vector code (rows in SIMD lanes, register-blocked tile "
               "matmuls, polynomial exp2)",
               attnCreateLowerCpuPass);
  registerPass("attn-lower-amdgpu",
               "Lower kernel IR to AMD GPU kernels (gpu.func with MFMA, LDS-staged K/V tiles, "
               "wave reductions) launched by gpu.launch_func",
               attnCreateLowerAmdgpuPass);
  registerPass("attn-lower-nvgpu",
               "Lower kernel IR to NVIDIA GPU kernels (gpu.func with mma.sync, ldmatrix, "
               "cp.async-pipelined K/V tiles, warp reductions) launched by gpu.launch_func",
               attnCreateLowerNvgpuPass);
  registerPass("attn-nvvm-l2-prefetch",
               "Give the 16-byte L2-only cp.async copies (NVVM) of paged decode kernels a "
               "256-byte L2 prefetch",
               attnCreateNvvmL2PrefetchPass);
  registerPass("attn-nvvm-tensor-maps",
               "Pass the TMA tensor maps of NVVM kernels as 128-byte grid-constant parameters",
               attnCreateNvvmTensorMapsPass);
  registerPass("attn-cpu-soft-bf16",
               "Define __truncsfbf2 (f32 -> bf16, round to nearest even) in host modules that "
               "move bf16 values, for CPUs and runtimes without it",
               attnCreateCpuSoftBf16Pass);
  registerPass("attn-cpu-launch",
               "Define grid launches (LLVM dialect) as calls into the runtime's CPU launcher",
               attnCreateCpuLaunchPass);
}
