/*===- attn-compile.c - attn IR -> kernel bundle ---------------------------===*
 *
 *   attn-compile INPUT.mlir --target=gfx942,gfx950,cpu -o OUT.attnb
 *
 * Lowers the attention ops of INPUT for every target with its pipeline
 * (attn-to-rocdl{chip=X}, attn-to-cpu), generates code with LLVM, links it
 * with ld.lld and writes one bundle (attnrt/Bundle.h) holding a code object
 * per target and the metadata of every kernel. --emit prints one
 * intermediate form of one target instead; --report prints the resources
 * and occupancy of the AMD kernels; --header / --emit=header write a C
 * header with a typed launch function per kernel.
 *
 * Occupancy (waves per SIMD) of gfx942 / gfx950, from the code object
 * metadata (AMDGPUUsage, "Code Object V3+ Metadata": .vgpr_count,
 * .agpr_count, .sgpr_count, .group_segment_fixed_size, ...):
 *
 *   alloc = align(align(vgpr, 4) + agpr, 8)    unified 512-entry VGPR file
 *                                               per SIMD lane, AGPRs placed
 *                                               after the 4-aligned VGPRs,
 *                                               allocation granule 8
 *   waves = min(8, floor(512 / alloc),
 *               lds > 0 ? floor(LDS_CU / lds) * waves_per_wg / 4 : 8)
 *
 * LDS_CU = 64 KiB (gfx942), 160 KiB (gfx950); 4 SIMDs per CU; waves_per_wg
 * = ceil(workgroup / 64). Sources: AMD CDNA3 ISA reference (MI300, wave64
 * VGPR/AGPR file), LLVM AMDGPUUsage (processor table: LDS per CU; gfx90a+
 * unified register file and accum_offset), LLVM GCNSubtarget occupancy.
 *
 *===----------------------------------------------------------------------===*/

#define _XOPEN_SOURCE 700

#include "Diagnostics.h"
#include "Header.h"
#include "Input.h"
#include "Kernels.h"
#include "Report.h"

#include "attnc/Target.h"
#include "attnc/attnc.h"

#include "mlir-c/IR.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_TARGETS 8
#define MAX_INPUTS 64

typedef enum { EMIT_BUNDLE, EMIT_MLIR, EMIT_LLVM, EMIT_ASM, EMIT_HEADER } Emit;

typedef struct {
  const char *input; /* the first input; it names the header */
  const char *inputs[MAX_INPUTS];
  int numInputs;
  const char *output;
  const char *header;   /* --header=FILE next to the bundle */
  const char *name;     /* --name=PREFIX of the header */
  const char *pipeline; /* --pipeline=P (one target), "none": no lowering */
  Emit emit;
  bool report, reportJson;
  AttnTarget targets[MAX_TARGETS];
  int numTargets;
} Options;

static void usage(FILE *out) {
  fprintf(out,
          "usage: attn-compile INPUT.mlir... --target=T[,T...] -o OUT.attnb [options]\n"
          "\n"
          "Compiles the attention ops of the inputs (one module; '-' = stdin) for every\n"
          "target into one kernel bundle.\n"
          "\n"
          "  --target=LIST        comma-separated targets: %s (the host CPU;\n"
          "                       bundle target name cpu-<machine>)\n"
          "  -o FILE              output file (bundle; or the --emit form, default stdout)\n"
          "  --emit=FORM          print one target's intermediate form instead of a bundle:\n"
          "                         mlir    the module after the target's pipeline\n"
          "                         llvm    LLVM IR of the device code (after -O3)\n"
          "                         asm     assembly (AMD: with the .amdgpu_metadata block)\n"
          "                         header  C header: typed launch function per kernel\n"
          "  --header=FILE        also write the C header when writing a bundle\n"
          "  --name=PREFIX        name of the header's load function (default: input stem)\n"
          "  --report[=json]      per kernel per AMD target: registers, spills, scratch,\n"
          "                       LDS, occupancy, MFMA counts (to stdout; to stderr when\n"
          "                       --emit prints to stdout)\n"
          "  --pipeline=P         lower with pipeline P instead of the target's (one target;\n"
          "                       'none': INPUT is already lowered). Inputs without attn ops\n"
          "                       are taken as lowered: a gpu.module @attn_kernels of\n"
          "                       rocdl.kernel llvm.funcs (AMD), or attn-to-cpu output (CPU)\n"
          "  --version, --help\n"
          "\n"
          "Pipelines: attn-to-rocdl{chip=gfx942|gfx950} (AMD), attn-to-cpu (CPU). Code:\n"
          "LLVM -O3, code object v5, linked by ld.lld ($ATTN_LLD, else LLVM 22's, else\n"
          "ld.lld-22 on PATH). The CPU code object is an ELF .so that needs libm.\n"
          "\n"
          "Report columns: vgpr/agpr (architected / accumulation VGPRs), sgpr, vspill/sspill\n"
          "(spilled VGPRs/SGPRs), scratch (bytes per lane), lds (bytes per workgroup), wg\n"
          "(threads per workgroup), waves (waves per SIMD and what limits them), mfma\n"
          "(static v_mfma count), mfma/loop (most v_mfma in one innermost loop: between a\n"
          "label and a backward branch to it).\n"
          "Occupancy (gfx942/gfx950): alloc = align(align(vgpr,4) + agpr, 8);\n"
          "  waves/SIMD = min(8, floor(512/alloc), floor(LDS_CU/lds) * ceil(wg/64) / 4)\n"
          "  with LDS_CU = 64 KiB (gfx942) or 160 KiB (gfx950), the LDS term only when\n"
          "  lds > 0. Sources: AMD CDNA3 ISA (512 VGPRs+AGPRs per lane, 8 waves/SIMD,\n"
          "  4 SIMDs/CU), LLVM AMDGPUUsage (unified VGPR file, accum_offset granule 4,\n"
          "  VGPR granule 8, LDS size per CU).\n",
          attnTargetValidNames());
}

static int usageError(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("attn-compile: error: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  return 1;
}

/*===--- Options -------------------------------------------------------------===*/

static int addTargets(Options *o, const char *list) {
  char name[64];
  while (*list) {
    size_t n = strcspn(list, ",");
    if (n == 0 || n >= sizeof(name))
      return usageError("bad --target list '%s' (expected e.g. --target=gfx942,cpu)", list);
    memcpy(name, list, n);
    name[n] = '\0';
    list += n + (list[n] == ',');
    if (o->numTargets == MAX_TARGETS)
      return usageError("too many targets (at most %d)", MAX_TARGETS);
    AttnTarget *t = &o->targets[o->numTargets];
    if (!attnTargetLookup(name, t))
      return usageError("unknown target '%s' (valid targets: %s)", name, attnTargetValidNames());
    for (int i = 0; i < o->numTargets; ++i)
      if (!strcmp(o->targets[i].option, t->option))
        return usageError("target '%s' given twice", name);
    ++o->numTargets;
  }
  return 0;
}

static int parseEmit(Options *o, const char *form) {
  static const struct {
    const char *name;
    Emit emit;
  } forms[] = {{"mlir", EMIT_MLIR},
               {"llvm", EMIT_LLVM},
               {"asm", EMIT_ASM},
               {"header", EMIT_HEADER},
               {"bundle", EMIT_BUNDLE}};
  for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); ++i)
    if (!strcmp(form, forms[i].name)) {
      o->emit = forms[i].emit;
      return 0;
    }
  return usageError("unknown --emit form '%s' (expected mlir, llvm, asm, header or bundle)", form);
}

/* Value of `--key=value`, or NULL when `arg` is not that option. */
static const char *valueOf(const char *arg, const char *key) {
  size_t n = strlen(key);
  return !strncmp(arg, key, n) && arg[n] == '=' ? arg + n + 1 : NULL;
}

/* One option; returns 0, 1 (error) or 2 (done: help/version). */
static int parseOption(Options *o, int argc, char **argv, int *i) {
  const char *a = argv[*i], *v;
  if (!strcmp(a, "-o")) {
    if (++*i == argc)
      return usageError("-o needs a file name");
    o->output = argv[*i];
  } else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
    usage(stdout);
    return 2;
  } else if (!strcmp(a, "--version")) {
    printf("%s\n", attnVersion());
    return 2;
  } else if ((v = valueOf(a, "--target"))) {
    return addTargets(o, v);
  } else if ((v = valueOf(a, "--emit"))) {
    return parseEmit(o, v);
  } else if ((v = valueOf(a, "--header")) && *v) {
    o->header = v;
  } else if ((v = valueOf(a, "--name")) && *v) {
    o->name = v;
  } else if ((v = valueOf(a, "--pipeline")) && *v) {
    o->pipeline = v;
  } else if (!strcmp(a, "--report") || ((v = valueOf(a, "--report")) && !strcmp(v, "table"))) {
    o->report = true;
  } else if ((v = valueOf(a, "--report")) && !strcmp(v, "json")) {
    o->report = o->reportJson = true;
  } else {
    return usageError("unknown option '%s' (see --help)", a);
  }
  return 0;
}

static int checkOptions(Options *o) {
  if (!o->input)
    return usageError("no input file (see --help)");
  if (o->numTargets == 0 && o->emit != EMIT_HEADER)
    return usageError("no target: pass --target=%s (one or more, comma-separated)",
                      "gfx942,gfx950,cpu");
  if (o->emit != EMIT_BUNDLE && o->emit != EMIT_HEADER && o->numTargets > 1)
    return usageError("--emit prints the code of one target; got %d targets", o->numTargets);
  if (o->emit == EMIT_BUNDLE && !o->output && !o->report)
    return usageError("writing a bundle needs -o FILE (or use --emit=FORM or --report)");
  if (o->header && o->emit != EMIT_BUNDLE)
    return usageError("--header=FILE goes with a bundle; use --emit=header alone");
  if (o->pipeline && o->numTargets > 1)
    return usageError("--pipeline applies to one target; got %d targets", o->numTargets);
  return 0;
}

static int parseArgs(int argc, char **argv, Options *o) {
  for (int i = 1; i < argc; ++i) {
    const char *a = argv[i];
    if (a[0] != '-' || !strcmp(a, "-")) {
      if (o->numInputs == MAX_INPUTS)
        return usageError("too many inputs (at most %d)", MAX_INPUTS);
      if (!strcmp(a, "-") && o->numInputs)
        return usageError("stdin ('-') must be the only input");
      o->inputs[o->numInputs++] = a;
      o->input = o->inputs[0];
      continue;
    }
    int rc = parseOption(o, argc, argv, &i);
    if (rc)
      return rc;
  }
  return checkOptions(o);
}

/*===--- Compilation of one target -------------------------------------------===*/

/* What the compilation of the input shares across targets. */
typedef struct {
  const Options *o;
  MlirModule input;
  bool lower; /* run a pipeline (the input has attn ops, or --pipeline) */
  AttnBundleKernel *kernels;
  int numKernels;
  bool haveKernels; /* kernels known (from the attn ops, or from the first code) */
  FILE *emitOut;
  /* Report rows, over all targets. */
  AttnReportRow *rows;
  int numRows;
} Job;

/* One target's results. */
typedef struct {
  AttnBlob code;
  AttnBundleEntry *entries; /* [numKernels] */
  AttnAmdKernelInfo *amd;   /* AMD kernels read from the assembly */
  int numAmd;
  MlirModule lowered; /* while compileTarget runs */
} TargetOut;

static void freeTargetOut(TargetOut *t) {
  attnBlobFree(&t->code);
  free(t->entries);
  free(t->amd);
  memset(t, 0, sizeof(*t));
}

static bool error(const AttnTarget *t, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("attn-compile: error: ", stderr);
  if (t)
    fprintf(stderr, "%s: ", t->option);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  return false;
}

static void writeOut(MlirStringRef part, void *userData) {
  fwrite(part.data, 1, part.length, (FILE *)userData);
}

static bool lowerFor(const Job *job, MlirModule m, const AttnTarget *t) {
  char err[1024];
  const char *p = job->o->pipeline;
  if (p && !strcmp(p, "none"))
    return true;
  if (!p && !job->lower)
    return true;
  bool ok = p ? attnRunPipeline(m, p, err, sizeof(err)) : attnTargetLower(m, t, err, sizeof(err));
  return ok || error(t, "%s", err);
}

/* The tile configuration and grid of every kernel on `t`. */
static bool readEntries(const Job *job, MlirModule lowered, const AttnTarget *t, TargetOut *out) {
  out->entries = calloc((size_t)(job->numKernels ? job->numKernels : 1), sizeof(AttnBundleEntry));
  if (!out->entries)
    return error(t, "out of memory");
  bool all = true;
  for (int i = 0; i < job->numKernels && all; ++i)
    all = attnEntryFromLowered(lowered, &job->kernels[i], &out->entries[i]);
  if (all || !job->lower)
    return true;
  char err[512];
  const char *tile = t->kind == ATTN_TARGET_CPU ? "cpu" : t->chip;
  return attnEntriesFromFront(job->input, tile, job->kernels, job->numKernels, out->entries, err,
                              sizeof(err)) ||
         error(t, "%s", err);
}

static bool printLlvm(const Job *job, LLVMModuleRef m) {
  char *text = LLVMPrintModuleToString(m);
  fputs(text, job->emitOut);
  LLVMDisposeMessage(text);
  return true;
}

static bool emitCode(Job *job, const AttnTarget *t, LLVMModuleRef m, TargetOut *out);
static bool finishEntries(Job *job, const AttnTarget *t, TargetOut *out, LLVMModuleRef m);

/* Lowers a clone of the input for `t` and produces what the job asks. */
static bool compileTarget(Job *job, const AttnTarget *t, TargetOut *out) {
  char err[1024];
  MlirModule lowered =
      mlirModuleFromOperation(mlirOperationClone(mlirModuleGetOperation(job->input)));
  bool ok = lowerFor(job, lowered, t);
  if (ok && job->o->emit == EMIT_MLIR) {
    mlirOperationPrint(mlirModuleGetOperation(lowered), writeOut, job->emitOut);
    fputc('\n', job->emitOut);
    mlirModuleDestroy(lowered);
    return true;
  }
  ok = ok && readEntries(job, lowered, t, out);
  MlirModule device = {NULL};
  if (ok) {
    device = attnTargetExtractDevice(lowered, t, err, sizeof(err));
    ok = !mlirModuleIsNull(device) || error(t, "%s", err);
  }
  out->lowered = lowered;
  LLVMContextRef llvmCtx = LLVMContextCreate();
  LLVMModuleRef m = NULL;
  if (ok) {
    m = attnTargetTranslate(device, t, llvmCtx, err, sizeof(err));
    ok = (m && attnTargetOptimize(m, t, err, sizeof(err))) || error(t, "%s", err);
  }
  if (!mlirModuleIsNull(device))
    mlirModuleDestroy(device);
  if (ok)
    ok = job->o->emit == EMIT_LLVM ? printLlvm(job, m) : emitCode(job, t, m, out);
  if (m)
    LLVMDisposeModule(m);
  LLVMContextDispose(llvmCtx);
  out->lowered = (MlirModule){NULL};
  mlirModuleDestroy(lowered);
  return ok;
}

/*===--- Code, kernels, report -------------------------------------------------===*/

static const AttnAmdKernelInfo *findAmd(const TargetOut *out, const char *name) {
  for (int i = 0; i < out->numAmd; ++i)
    if (!strcmp(out->amd[i].name, name))
      return &out->amd[i];
  return NULL;
}

static bool addReportRows(Job *job, const AttnTarget *t, const TargetOut *out) {
  AttnReportRow *grown =
      realloc(job->rows, (size_t)(job->numRows + out->numAmd) * sizeof(AttnReportRow));
  if (!grown && out->numAmd)
    return error(t, "out of memory");
  job->rows = grown;
  for (int i = 0; i < out->numAmd; ++i) {
    AttnReportRow *r = &job->rows[job->numRows++];
    memset(r, 0, sizeof(*r));
    snprintf(r->target, sizeof(r->target), "%s", t->name);
    r->info = out->amd[i];
    int wg = r->info.reqdWorkgroup > 0 ? r->info.reqdWorkgroup : r->info.maxWorkgroup;
    for (int k = 0; k < job->numKernels && r->info.reqdWorkgroup <= 0; ++k)
      if (!strcmp(job->kernels[k].name, r->info.name) && out->entries &&
          out->entries[k].num_warps > 0)
        wg = 64 * out->entries[k].num_warps;
    r->workgroupSize = wg;
    r->waves = attnAmdOccupancy(&r->info, t->chip, wg, &r->limiter);
  }
  return true;
}

static bool readAmdAsm(Job *job, const AttnTarget *t, const AttnBlob *text, TargetOut *out) {
  char err[256];
  out->numAmd = attnAmdReadAsm((const char *)text->data, text->size, &out->amd, err, sizeof(err));
  if (out->numAmd < 0)
    return error(t, "%s", err);
  return !job->o->report || addReportRows(job, t, out);
}

/* Code generation proper: assembly (printed, or read for the AMD
 * metadata), then the linked code object for a bundle. */
static bool emitCode(Job *job, const AttnTarget *t, LLVMModuleRef m, TargetOut *out) {
  char err[1024];
  bool amd = t->kind == ATTN_TARGET_AMDGPU;
  AttnBlob text = {NULL, 0}, object = {NULL, 0};
  bool ok = true;
  if (amd || job->o->emit == EMIT_ASM)
    ok = attnTargetEmit(m, t, true, &text, err, sizeof(err)) || error(t, "%s", err);
  if (ok && job->o->emit == EMIT_ASM) {
    fwrite(text.data, 1, text.size, job->emitOut);
    if (job->o->report && amd)
      ok = readAmdAsm(job, t, &text, out);
    attnBlobFree(&text);
    return ok;
  }
  if (ok && amd)
    ok = readAmdAsm(job, t, &text, out);
  attnBlobFree(&text);
  if (ok && job->o->emit == EMIT_BUNDLE && job->o->output) {
    ok = finishEntries(job, t, out, m);
    ok = ok && (attnTargetEmit(m, t, false, &object, err, sizeof(err)) || error(t, "%s", err));
    ok = ok && (attnTargetLink(&object, t, &out->code, err, sizeof(err)) || error(t, "%s", err));
  }
  attnBlobFree(&object);
  return ok;
}

/* Kernels of an input without attn ops: what the first target's code has
 * (AMD kernels by their metadata; CPU kernels by their trampolines). The
 * bundle then has no argument metadata for them. */
static bool kernelsFromCode(Job *job, const AttnTarget *t, const TargetOut *out, LLVMModuleRef m) {
  static const char prefix[] = "__attn_program_";
  int n = 0;
  const char *names[256];
  if (t->kind == ATTN_TARGET_AMDGPU) {
    for (int i = 0; i < out->numAmd && n < 256; ++i)
      names[n++] = out->amd[i].name;
  } else {
    for (LLVMValueRef f = LLVMGetFirstFunction(m); f && n < 256; f = LLVMGetNextFunction(f)) {
      size_t len;
      const char *name = LLVMGetValueName2(f, &len);
      if (!LLVMIsDeclaration(f) && !strncmp(name, prefix, sizeof(prefix) - 1))
        names[n++] = name + sizeof(prefix) - 1;
    }
  }
  job->kernels = calloc((size_t)(n ? n : 1), sizeof(AttnBundleKernel));
  if (!job->kernels)
    return error(t, "out of memory");
  for (int i = 0; i < n; ++i)
    snprintf(job->kernels[i].name, sizeof(job->kernels[i].name), "%s", names[i]);
  job->numKernels = n;
  job->haveKernels = true;
  return true;
}

static int countTrampolines(LLVMModuleRef m) {
  static const char prefix[] = "__attn_program_";
  int n = 0;
  for (LLVMValueRef f = LLVMGetFirstFunction(m); f; f = LLVMGetNextFunction(f)) {
    size_t len;
    const char *name = LLVMGetValueName2(f, &len);
    n += !LLVMIsDeclaration(f) && !strncmp(name, prefix, sizeof(prefix) - 1);
  }
  return n;
}

/* One entry of a CPU kernel: its trampoline must be in the code. */
static bool finishCpuEntry(const AttnTarget *t, const AttnBundleKernel *k, AttnBundleEntry *e,
                           LLVMModuleRef m) {
  if ((size_t)snprintf(e->symbol, sizeof(e->symbol), "__attn_program_%.112s", k->name) >=
      sizeof(e->symbol))
    return error(t, "kernel name too long for a CPU symbol: %s", k->name);
  LLVMValueRef f = LLVMGetNamedFunction(m, e->symbol);
  if (!f || LLVMIsDeclaration(f))
    return error(t, "kernel %s has no trampoline %s in the code", k->name, e->symbol);
  e->workgroup_size = 0;
  e->lds_bytes = 0;
  return true;
}

/* One entry of an AMD kernel: the code object must have it. */
static bool finishAmdEntry(const AttnTarget *t, const AttnBundleKernel *k, AttnBundleEntry *e,
                           const TargetOut *out) {
  const AttnAmdKernelInfo *info = findAmd(out, k->name);
  if (!info)
    return error(t, "kernel %s is missing from the code object", k->name);
  snprintf(e->symbol, sizeof(e->symbol), "%s", k->name);
  /* The code object's required workgroup size is the truth; it must agree
   * with the tile configuration (wave64: 64 threads per warp). */
  int tile = e->num_warps > 0 ? 64 * e->num_warps : 0;
  if (info->reqdWorkgroup > 0 && tile > 0 && info->reqdWorkgroup != tile)
    return error(t,
                 "kernel %s: the code object requires workgroups of %d threads, the tile "
                 "configuration says %d (64 * num_warps)",
                 k->name, info->reqdWorkgroup, tile);
  e->workgroup_size = info->reqdWorkgroup > 0 ? info->reqdWorkgroup
                      : tile > 0              ? tile
                                              : info->maxWorkgroup;
  e->lds_bytes = info->ldsBytes > 0 ? info->ldsBytes : 0;
  return true;
}

/* Checks that `t` compiled exactly the job's kernels, and completes their
 * entries: symbols, workgroup sizes, LDS. */
static bool finishEntries(Job *job, const AttnTarget *t, TargetOut *out, LLVMModuleRef m) {
  if (!job->haveKernels) {
    if (!kernelsFromCode(job, t, out, m))
      return false;
    free(out->entries); /* sized for no kernels */
    out->entries = calloc((size_t)(job->numKernels ? job->numKernels : 1), sizeof(AttnBundleEntry));
    if (!out->entries)
      return error(t, "out of memory");
    /* Tile configuration and kind, where the lowered code still says. */
    for (int i = 0; i < job->numKernels; ++i)
      if (attnEntryFromLowered(out->lowered, &job->kernels[i], &out->entries[i]))
        attnKindFromLowered(out->lowered, &job->kernels[i]);
  }
  bool amd = t->kind == ATTN_TARGET_AMDGPU;
  int found = amd ? out->numAmd : countTrampolines(m);
  if (found != job->numKernels)
    return error(t,
                 "the code has %d kernels, the module %d (every target must compile the same "
                 "kernels)",
                 found, job->numKernels);
  for (int i = 0; i < job->numKernels; ++i) {
    bool ok = amd ? finishAmdEntry(t, &job->kernels[i], &out->entries[i], out)
                  : finishCpuEntry(t, &job->kernels[i], &out->entries[i], m);
    if (!ok)
      return false;
  }
  return true;
}

/*===--- The run ---------------------------------------------------------------===*/

/* Parses one input; diagnostics name it (a file's buffer is named after
 * the file, stdin's "-" is mapped to `file` by the diagnostic engine). */
static MlirModule parseInput(MlirContext ctx, const char *file) {
  size_t length;
  char *text = attnReadInput("attn-compile", file, &length, stderr);
  if (!text)
    return (MlirModule){NULL};
  unsigned line = 1, column = 1;
  const char *refused =
      attnIsBytecode(text, length)
          ? "attn-compile reads textual MLIR only (print bytecode with attn-opt first)"
          : attnCheckSource(text, length, 1, &line, &column);
  MlirModule m = {NULL};
  if (refused)
    mlirEmitError(
        mlirLocationFileLineColGet(ctx, mlirStringRefCreateFromCString(file), line, column),
        refused);
  else if (!strcmp(file, "-"))
    m = mlirModuleCreateParse(ctx, (MlirStringRef){text, length});
  else
    m = mlirModuleCreateParseFromFile(ctx, mlirStringRefCreateFromCString(file));
  free(text);
  return m;
}

/* All inputs as one module: the ops of the others appended to the first
 * (the verifier reports symbols defined twice). */
static MlirModule parseInputs(MlirContext ctx, const Options *o) {
  MlirModule all = parseInput(ctx, o->inputs[0]);
  for (int i = 1; i < o->numInputs && !mlirModuleIsNull(all); ++i) {
    MlirModule m = parseInput(ctx, o->inputs[i]);
    if (mlirModuleIsNull(m)) {
      mlirModuleDestroy(all);
      return m;
    }
    for (MlirOperation op = mlirBlockGetFirstOperation(mlirModuleGetBody(m));
         !mlirOperationIsNull(op); op = mlirOperationGetNextInBlock(op))
      mlirBlockAppendOwnedOperation(mlirModuleGetBody(all), mlirOperationClone(op));
    mlirModuleDestroy(m);
  }
  if (o->numInputs > 1 && !mlirModuleIsNull(all) &&
      !mlirOperationVerify(mlirModuleGetOperation(all))) {
    fprintf(stderr, "attn-compile: error: the inputs do not combine into one valid module\n");
    mlirModuleDestroy(all);
    return (MlirModule){NULL};
  }
  return all;
}

/* The header's prefix: --name, else the input's stem ("attention.mlir" ->
 * "attention"), else "attn". */
static void headerPrefix(const Options *o, char *out, size_t size) {
  const char *name = o->name;
  char stem[128] = "attn";
  if (!name && strcmp(o->input, "-")) {
    const char *base = strrchr(o->input, '/');
    base = base ? base + 1 : o->input;
    size_t n = strcspn(base, ".");
    if (n > 0 && n < sizeof(stem)) {
      memcpy(stem, base, n);
      stem[n] = '\0';
    }
  }
  attnCIdentifier(name ? name : stem, out, size);
}

static bool writeHeaderFile(const Job *job, const char *path) {
  char prefix[128];
  headerPrefix(job->o, prefix, sizeof(prefix));
  FILE *f = path ? fopen(path, "w") : stdout;
  if (!f)
    return error(NULL, "cannot write '%s'", path);
  bool ok = attnWriteHeader(f, prefix, job->o->input, job->kernels, job->numKernels);
  if (path)
    ok = fclose(f) == 0 && ok;
  return ok || error(NULL, "cannot write '%s'", path ? path : "<stdout>");
}

static bool writeBundle(const Job *job, const TargetOut *outs) {
  const Options *o = job->o;
  AttnBundleTarget targets[MAX_TARGETS];
  memset(targets, 0, sizeof(targets));
  for (int i = 0; i < o->numTargets; ++i) {
    const AttnTarget *t = &o->targets[i];
    snprintf(targets[i].name, sizeof(targets[i].name), "%s", t->name);
    snprintf(targets[i].format, sizeof(targets[i].format), "%s",
             t->kind == ATTN_TARGET_AMDGPU ? "hsaco" : "elf-so");
    targets[i].data = outs[i].code.data;
    targets[i].size = outs[i].code.size;
    targets[i].entries = outs[i].entries;
  }
  AttnBundle b;
  memset(&b, 0, sizeof(b));
  b.version = ATTN_BUNDLE_VERSION;
  snprintf(b.producer, sizeof(b.producer), "%s", attnVersion());
  b.num_kernels = job->numKernels;
  b.kernels = job->kernels;
  b.num_targets = o->numTargets;
  b.targets = targets;
  char err[512];
  if (attnBundleWriteFile(&b, o->output, err, sizeof(err)) != ATTN_OK)
    return error(NULL, "cannot write the bundle '%s': %s", o->output, err);
  return true;
}

/* Whatever the run prints goes to memory first: no partial output file. */
static bool flushEmit(const Options *o, char *text, size_t size) {
  FILE *f = o->output ? fopen(o->output, "w") : stdout;
  if (!f)
    return error(NULL, "cannot write '%s'", o->output);
  bool ok = fwrite(text, 1, size, f) == size;
  ok = (o->output ? fclose(f) == 0 : fflush(f) == 0) && ok;
  return ok || error(NULL, "cannot write '%s'", o->output ? o->output : "<stdout>");
}

static bool compileAll(Job *job, TargetOut *outs) {
  const Options *o = job->o;
  for (int i = 0; i < o->numTargets; ++i) {
    if (!compileTarget(job, &o->targets[i], &outs[i]))
      return false;
    if (o->emit != EMIT_BUNDLE)
      return true;
  }
  return true;
}

static bool collectKernels(Job *job) {
  const Options *o = job->o;
  bool hasAttn = attnHasAttnOps(job->input);
  job->lower = o->pipeline ? strcmp(o->pipeline, "none") != 0 : hasAttn;
  if (!hasAttn) {
    if (o->emit == EMIT_HEADER || o->header)
      return error(NULL, "%s has no attn ops: a header needs their signatures", o->input);
    return true;
  }
  const AttnTarget *first = o->numTargets ? &o->targets[0] : NULL;
  const char *tile = !first || first->kind == ATTN_TARGET_CPU ? "cpu" : first->chip;
  char err[512];
  job->numKernels = attnCollectKernels(job->input, tile, &job->kernels, err, sizeof(err));
  if (job->numKernels < 0)
    return error(NULL, "%s", err);
  job->haveKernels = true;
  return true;
}

static bool reportAmdOnly(const Options *o) {
  for (int i = 0; i < o->numTargets; ++i)
    if (o->targets[i].kind == ATTN_TARGET_AMDGPU)
      return false;
  return true;
}

static bool runJob(Job *job) {
  const Options *o = job->o;
  if (!collectKernels(job))
    return false;
  if (o->emit == EMIT_HEADER)
    return writeHeaderFile(job, o->output);
  char *text = NULL;
  size_t size = 0;
  job->emitOut = o->emit != EMIT_BUNDLE ? open_memstream(&text, &size) : NULL;
  if (o->emit != EMIT_BUNDLE && !job->emitOut)
    return error(NULL, "out of memory");
  TargetOut outs[MAX_TARGETS];
  memset(outs, 0, sizeof(outs));
  bool ok = compileAll(job, outs);
  if (job->emitOut) {
    ok = fclose(job->emitOut) == 0 && ok;
    ok = ok && flushEmit(o, text, size);
    free(text);
  }
  if (ok && o->emit == EMIT_BUNDLE && o->output)
    ok = writeBundle(job, outs) && (!o->header || writeHeaderFile(job, o->header));
  if (ok && o->report) {
    FILE *rep = o->emit != EMIT_BUNDLE && !o->output ? stderr : stdout;
    if (reportAmdOnly(o))
      fputs("attn-compile: note: --report covers AMD targets only\n", stderr);
    attnPrintReport(rep, job->rows, job->numRows, o->reportJson);
  }
  for (int i = 0; i < o->numTargets; ++i)
    freeTargetOut(&outs[i]);
  return ok;
}

static int run(const Options *o) {
  MlirContext ctx = attnContextCreate();
  AttnDiagEngine diags = {stderr, o->input, false, NULL, 0, 0, 0};
  attnDiagAttach(ctx, &diags);
  Job job;
  memset(&job, 0, sizeof(job));
  job.o = o;
  job.input = parseInputs(ctx, o);
  bool ok = !mlirModuleIsNull(job.input) && runJob(&job);
  if (!mlirModuleIsNull(job.input))
    mlirModuleDestroy(job.input);
  free(job.kernels);
  free(job.rows);
  mlirContextDestroy(ctx);
  return ok ? 0 : 1;
}

int main(int argc, char **argv) {
  Options o;
  memset(&o, 0, sizeof(o));
  int rc = parseArgs(argc, argv, &o);
  if (rc)
    return rc == 2 ? 0 : 1;
  return run(&o);
}
