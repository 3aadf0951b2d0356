/*===- Pipelines.c - named pipelines from attn IR to executable code ------===*
 *
 * attn-to-cpu-reference: attn-lower-reference, then the host lowering below.
 * Registered in MLIR's pass registry so attn-opt and textual pipelines can
 * name it like any upstream pass.
 *
 *===----------------------------------------------------------------------===*/

#include "attnc/attnc.h"

#include "attn-c/Dialect.h"

#include "llvm-c/Core.h"
#include "llvm-c/TargetMachine.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Bufferization turns the attn results (fresh allocations) into the
 * function's trailing out-parameters so the caller owns every buffer; bf16 and
 * f16 conversions are expanded to integer arithmetic, and attn-cpu-soft-bf16
 * defines the one soft-float helper LLVM's backend still calls on CPUs without
 * bf16 instructions (__truncsfbf2), so neither the JIT nor the code object
 * needs compiler-rt or a GCC 13 libgcc. */
static const char *const cpuLowering =
    "one-shot-bufferize{bufferize-function-boundaries "
    "function-boundary-type-conversion=identity-layout-map},"
    "buffer-results-to-out-params{hoist-dynamic-allocs=false},"
    "buffer-deallocation-pipeline,"
    "canonicalize,"
    "convert-scf-to-cf,"
    "arith-expand{include-bf16=true include-f4e2m1=false include-f8e8m0=false},"
    "convert-math-to-llvm,"
    "convert-math-to-libm,"
    "expand-strided-metadata,"
    "finalize-memref-to-llvm,"
    "convert-to-llvm,"
    "reconcile-unrealized-casts,"
    "attn-cpu-soft-bf16";

/* The flash pipeline: attn ops -> kernel IR -> CPU vector code -> LLVM
 * dialect. Kernels are rewritten before bufferization so that nothing
 * (canonicalization in particular) reshapes the kernel IR first. Vector
 * transfers left by attn-lower-cpu are 1-D (strided Q/out columns); the
 * launch is defined last, on the LLVM dialect. */
static const char *const flashCpuFront = "attn-gqa-map,attn-tile{target=%s%s}";
static const char *const flashCpu =
    "attn-lower-cpu,"
    "one-shot-bufferize{bufferize-function-boundaries "
    "function-boundary-type-conversion=identity-layout-map},"
    "buffer-results-to-out-params{hoist-dynamic-allocs=false},"
    "buffer-deallocation-pipeline,"
    "canonicalize,"
    "cse,"
    "convert-vector-to-scf,"
    "lower-affine,"
    "convert-scf-to-cf,"
    "arith-expand{include-bf16=true include-f4e2m1=false include-f8e8m0=false},"
    "convert-vector-to-llvm,"
    "convert-math-to-llvm,"
    "convert-math-to-libm,"
    "expand-strided-metadata,"
    "lower-affine," /* expand-strided-metadata computes subview offsets with affine.apply */
    "finalize-memref-to-llvm,"
    "convert-to-llvm,"
    "reconcile-unrealized-casts,"
    "attn-cpu-launch,"
    "attn-cpu-soft-bf16";

static MlirStringRef str(const char *s) { return mlirStringRefCreateFromCString(s); }

MlirLogicalResult attnAddCpuLoweringPasses(MlirOpPassManager pm, MlirStringCallback onError,
                                           void *userData) {
  return mlirOpPassManagerAddPipeline(pm, str(cpuLowering), onError, userData);
}

static MlirLogicalResult rejectOptions(MlirStringRef options, const char *pipeline,
                                       MlirStringCallback onError, void *userData) {
  if (options.length == 0)
    return mlirLogicalResultSuccess();
  onError(str("pipeline '"), userData);
  onError(str(pipeline), userData);
  onError(str("' takes no options"), userData);
  return mlirLogicalResultFailure();
}

static MlirLogicalResult buildCpuReference(MlirOpPassManager pm, MlirStringRef options,
                                           MlirStringCallback onError, void *userData) {
  if (mlirLogicalResultIsFailure(
          rejectOptions(options, "attn-to-cpu-reference", onError, userData)))
    return mlirLogicalResultFailure();
  if (mlirLogicalResultIsFailure(
          mlirOpPassManagerAddPipeline(pm, str("attn-lower-reference"), onError, userData)))
    return mlirLogicalResultFailure();
  return attnAddCpuLoweringPasses(pm, onError, userData);
}

/* The JIT and AOT code target the host; AVX-512 hosts take the table's
 * 16-row tiles (one zmm of f32), others 8 rows (one ymm) so that the 16
 * register accumulators of the micro-kernel do not spill. */
static bool hostHasAvx512(void) {
  char *features = LLVMGetHostCPUFeatures();
  bool yes = features && strstr(features, "+avx512f") != NULL;
  LLVMDisposeMessage(features);
  return yes;
}

/* attn-to-cpu{isa=host|avx512|generic tiles=cpu|gfx942|gfx950|sm_90a
 * kv-splits=N sw-pipeline=true|false}: isa host (default) picks by the CPU
 * features of the compiling machine; tiles takes the tile configuration of
 * another target's table (default cpu), so that the kernel IR exactly as
 * tiled for a GPU runs, and is checked, on the CPU; kv-splits fixes the
 * number of KV splits of paged ops (default: chosen at run time), so every
 * split count can be checked; sw-pipeline runs attn-gpu-pipeline{force=true}
 * on the kernel IR, so the software-pipelined KV loops of the wgmma path are
 * checked on the CPU too; block-m=N / block-n=N override the tile shape, so
 * that small tiles exercise the masked / unmasked ranges on short sequences. */
typedef struct {
  bool avx512, swPipeline;
  bool fp8P; /* fp8-p: attn-online-softmax{fp8-p=true} (P in e4m3, docs/fp8.md) */
  char tiles[16];
  int kvSplits;       /* 0: attn-tile's default */
  int blockM, blockN; /* 0: the table's */
} CpuOptions;

/* A tile size in [1, 1024] (attn-tile's bound). */
static bool parseBlock(const char *text, int *size) {
  char *end = NULL;
  long v = strtol(text, &end, 10);
  if (end == text || *end || v < 1 || v > 1024)
    return false;
  *size = (int)v;
  return true;
}

/* A split count in [1, 256] (the bound of the run-time choice). */
static bool parseSplits(const char *text, int *splits) {
  char *end = NULL;
  long v = strtol(text, &end, 10);
  if (end == text || *end || v < 1 || v > 256)
    return false;
  *splits = (int)v;
  return true;
}

static bool parseCpuToken(const char *tok, CpuOptions *o) {
  if (!strcmp(tok, "isa=host"))
    o->avx512 = hostHasAvx512();
  else if (!strcmp(tok, "isa=avx512"))
    o->avx512 = true;
  else if (!strcmp(tok, "isa=generic"))
    o->avx512 = false;
  else if (!strcmp(tok, "tiles=cpu") || !strcmp(tok, "tiles=gfx942") ||
           !strcmp(tok, "tiles=gfx950") || !strcmp(tok, "tiles=sm_90a"))
    snprintf(o->tiles, sizeof(o->tiles), "%s", tok + 6);
  else if (!strncmp(tok, "kv-splits=", 10))
    return parseSplits(tok + 10, &o->kvSplits);
  else if (!strcmp(tok, "sw-pipeline=true") || !strcmp(tok, "sw-pipeline=false"))
    o->swPipeline = tok[12] == 't';
  else if (!strcmp(tok, "fp8-p=true") || !strcmp(tok, "fp8-p=false"))
    o->fp8P = tok[6] == 't';
  else if (!strncmp(tok, "block-m=", 8))
    return parseBlock(tok + 8, &o->blockM);
  else if (!strncmp(tok, "block-n=", 8))
    return parseBlock(tok + 8, &o->blockN);
  else
    return false;
  return true;
}

static MlirLogicalResult parseCpuOptions(MlirStringRef options, CpuOptions *o,
                                         MlirStringCallback onError, void *userData) {
  char text[128];
  if (options.length >= sizeof(text))
    options.length = sizeof(text) - 1;
  memcpy(text, options.data ? options.data : "", options.length);
  text[options.length] = '\0';
  o->avx512 = hostHasAvx512();
  snprintf(o->tiles, sizeof(o->tiles), "cpu");
  o->kvSplits = 0;
  o->blockM = o->blockN = 0;
  o->swPipeline = false;
  o->fp8P = false;
  char copy[128];
  memcpy(copy, text, sizeof(copy));
  for (char *tok = copy; *tok;) {
    char *end = strchr(tok, ' ');
    if (end)
      *end = '\0';
    bool ok = !*tok || parseCpuToken(tok, o);
    tok = end ? end + 1 : tok + strlen(tok);
    if (!ok) {
      onError(str("attn-to-cpu: unknown options '"), userData);
      onError(str(text), userData);
      onError(str("' (expected isa=host|avx512|generic, tiles=cpu|gfx942|gfx950|sm_90a, "
                  "kv-splits=1..256, block-m=1..1024, block-n=1..1024, "
                  "sw-pipeline=true|false and fp8-p=true|false)"),
              userData);
      return mlirLogicalResultFailure();
    }
  }
  return mlirLogicalResultSuccess();
}

static MlirLogicalResult buildCpu(MlirOpPassManager pm, MlirStringRef options,
                                  MlirStringCallback onError, void *userData) {
  CpuOptions o;
  if (mlirLogicalResultIsFailure(parseCpuOptions(options, &o, onError, userData)))
    return mlirLogicalResultFailure();
  /* Without AVX-512 the CPU's own table takes 8-row tiles. */
  bool ownTiles = !strcmp(o.tiles, "cpu");
  char overrides[64] = "";
  if (o.kvSplits > 0)
    snprintf(overrides, sizeof(overrides), " kv-splits=%d", o.kvSplits);
  size_t used = strlen(overrides);
  if (o.blockM > 0)
    snprintf(overrides + used, sizeof(overrides) - used, " block-m=%d", o.blockM);
  else if (ownTiles && !o.avx512)
    snprintf(overrides + used, sizeof(overrides) - used, " block-m=8");
  used = strlen(overrides);
  if (o.blockN > 0)
    snprintf(overrides + used, sizeof(overrides) - used, " block-n=%d", o.blockN);
  char front[128];
  snprintf(front, sizeof(front), flashCpuFront, o.tiles, overrides);
  if (mlirLogicalResultIsFailure(mlirOpPassManagerAddPipeline(pm, str(front), onError, userData)))
    return mlirLogicalResultFailure();
  if (mlirLogicalResultIsFailure(mlirOpPassManagerAddPipeline(
          pm,
          str(o.fp8P ? "attn-flash-backward,attn-online-softmax{fp8-p=true}"
                     : "attn-flash-backward,attn-online-softmax"),
          onError, userData)))
    return mlirLogicalResultFailure();
  if (o.swPipeline && mlirLogicalResultIsFailure(mlirOpPassManagerAddPipeline(
                          pm, str("attn-gpu-pipeline{force=true}"), onError, userData)))
    return mlirLogicalResultFailure();
  return mlirOpPassManagerAddPipeline(pm, str(flashCpu), onError, userData);
}

/* attn-to-rocdl{chip=gfx942|gfx950}: attn ops -> kernel IR tiled for the
 * chip -> gpu.func kernels (attn-lower-amdgpu) -> ROCDL/LLVM dialect inside
 * gpu.module @attn_kernels. The host functions keep their gpu.launch_func;
 * attn-compile translates the gpu.module to a code object. */
static const char *const rocdlFront = "attn-gqa-map,attn-tile{target=%s},attn-flash-backward,"
                                      "attn-online-softmax{fold-scale=false fp8-p=true},"
                                      "attn-gpu-layout,attn-lower-amdgpu,";
static const char *const rocdlDevice =
    "gpu.module(lower-affine,convert-scf-to-cf,expand-strided-metadata,lower-affine,"
    "canonicalize,cse,convert-gpu-to-rocdl{chipset=%s},reconcile-unrealized-casts,canonicalize,"
    "cse)";

static MlirLogicalResult buildRocdl(MlirOpPassManager pm, MlirStringRef options,
                                    MlirStringCallback onError, void *userData) {
  char text[64] = "";
  if (options.length < sizeof(text))
    memcpy(text, options.data ? options.data : "", options.length);
  const char *chip = NULL;
  if (!strcmp(text, "") || !strcmp(text, "chip=gfx942"))
    chip = "gfx942";
  else if (!strcmp(text, "chip=gfx950"))
    chip = "gfx950";
  if (!chip || options.length >= sizeof(text)) {
    onError(str("attn-to-rocdl: unknown options '"), userData);
    onError(options, userData);
    onError(str("' (expected chip=gfx942 or chip=gfx950)"), userData);
    return mlirLogicalResultFailure();
  }
  char pipeline[512];
  snprintf(pipeline, sizeof(pipeline), rocdlFront, chip);
  size_t n = strlen(pipeline);
  snprintf(pipeline + n, sizeof(pipeline) - n, rocdlDevice, chip);
  return mlirOpPassManagerAddPipeline(pm, str(pipeline), onError, userData);
}

/* attn-to-nvvm{chip=sm_90a}: attn ops -> kernel IR tiled for the chip ->
 * gpu.func kernels (attn-lower-nvgpu) -> NVVM/LLVM dialect inside
 * gpu.module @attn_kernels. Math ops become LLVM intrinsics before the GPU
 * conversion, which would otherwise call libdevice (not linked). */
static const char *const nvvmFront =
    "attn-gqa-map,attn-tile{target=%s},attn-flash-backward,attn-online-softmax,"
    "attn-gpu-layout,attn-gpu-pipeline,attn-lower-nvgpu,";
static const char *const nvvmDevice =
    "gpu.module(lower-affine,convert-scf-to-cf,expand-strided-metadata,lower-affine,"
    "canonicalize,cse,convert-math-to-llvm,convert-nvgpu-to-nvvm,convert-gpu-to-nvvm,convert-"
    "vector-to-llvm,"
    "convert-nvvm-to-llvm,attn-nvvm-l2-prefetch,attn-nvvm-tensor-maps,reconcile-unrealized-casts,"
    "canonicalize,cse)";

static MlirLogicalResult buildNvvm(MlirOpPassManager pm, MlirStringRef options,
                                   MlirStringCallback onError, void *userData) {
  if (options.length != 0 && !mlirStringRefEqual(options, str("chip=sm_90a"))) {
    onError(str("attn-to-nvvm: unknown options '"), userData);
    onError(options, userData);
    onError(str("' (expected chip=sm_90a)"), userData);
    return mlirLogicalResultFailure();
  }
  char pipeline[512];
  snprintf(pipeline, sizeof(pipeline), nvvmFront, "sm_90a");
  size_t n = strlen(pipeline);
  snprintf(pipeline + n, sizeof(pipeline) - n, "%s", nvvmDevice);
  return mlirOpPassManagerAddPipeline(pm, str(pipeline), onError, userData);
}

void attnRegisterAllPipelines(void) {
  attnRegisterPipeline(str("attn-to-nvvm"),
                       str("attn IR -> flash-attention kernels for NVIDIA Hopper (sm_90a): "
                           "wgmma or mma.sync (attn-gpu-layout), cp.async-pipelined K/V, warp32 -> "
                           "NVVM in gpu.module "
                           "@attn_kernels"),
                       buildNvvm);
  attnRegisterPipeline(str("attn-to-rocdl"),
                       str("attn IR -> flash-attention kernels for AMD Instinct (gfx942/gfx950): "
                           "MFMA, LDS-staged K/V, wave64 -> ROCDL in gpu.module @attn_kernels"),
                       buildRocdl);
  attnRegisterPipeline(str("attn-to-cpu"),
                       str("attn IR -> flash-attention kernels (tiled online softmax) -> "
                           "vectorized host code in the LLVM dialect, launched on the runtime's "
                           "thread pool"),
                       buildCpu);
  attnRegisterPipeline(str("attn-to-cpu-reference"),
                       str("attn IR -> reference loops -> LLVM dialect for the host CPU"),
                       buildCpuReference);
}
