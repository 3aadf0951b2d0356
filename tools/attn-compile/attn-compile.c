/*===- attn-compile.c - attn IR -> kernel bundle ---------------------------===*
 *
 *   attn-compile INPUT.mlir --target=gfx942,gfx950,cpu -o OUT.attnb
 *
 * A command line over libattnc's compile job (attnc/Compile.h): lowers the
 * attention ops of INPUT for every target with its pipeline
 * (attn-to-rocdl{chip=X}, attn-to-nvvm{chip=sm_90a}, attn-to-cpu),
 * generates code with LLVM, links it with ld.lld (AMD, CPU; PTX needs no
 * link) and writes one bundle (attnrt/Bundle.h) holding a code object per
 * target and the metadata of every kernel. --emit prints one intermediate
 * form of one target instead; --report prints the resources and occupancy
 * of the AMD kernels; --header / --emit=header write a C header with a
 * typed launch function per kernel.
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
#include "Report.h"

#include "attnc/Compile.h"
#include "attnc/Target.h"
#include "attnc/attnc.h"

#include "mlir-c/IR.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_TARGETS ATTN_COMPILE_MAX_TARGETS
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
          "                         asm     assembly (AMD: with the .amdgpu_metadata block;\n"
          "                                 sm_90a: the PTX, which is its code object)\n"
          "                         header  C header: typed launch function per kernel\n"
          "  --header=FILE        also write the C header when writing a bundle\n"
          "  --name=PREFIX        name of the header's load function (default: input stem)\n"
          "  --report[=json]      per kernel per AMD target: registers, spills, scratch,\n"
          "                       LDS, occupancy, MFMA counts (to stdout; to stderr when\n"
          "                       --emit prints to stdout); other targets are not reported\n"
          "  --pipeline=P         lower with pipeline P instead of the target's (one target;\n"
          "                       'none': INPUT is already lowered). Inputs without attn ops\n"
          "                       are taken as lowered: a gpu.module @attn_kernels of\n"
          "                       rocdl.kernel llvm.funcs (AMD), or attn-to-cpu output (CPU)\n"
          "  --version, --help\n"
          "\n"
          "Pipelines: attn-to-rocdl{chip=gfx942|gfx950} (AMD), attn-to-nvvm{chip=sm_90a}\n"
          "(NVIDIA), attn-to-cpu (CPU). Code: LLVM -O3; AMD: code object v5, linked by\n"
          "ld.lld ($ATTN_LLD, else LLVM 22's, else ld.lld-22 on PATH); NVIDIA: PTX text\n"
          "(format ptx, JIT-compiled by the driver); the CPU code object is an ELF .so\n"
          "linked by ld.lld that needs libm.\n"
          "\n"
          "Report columns: vgpr/agpr (architected / accumulation VGPRs), sgpr, vspill/sspill\n"
          "(spilled VGPRs/SGPRs), scratch (bytes per lane), lds (bytes per workgroup), wg\n"
          "(threads per workgroup), waves (waves per SIMD and what limits them), mfma\n"
          "(static v_mfma count), mfma/loop (most v_mfma in one innermost loop: between a\n"
          "label and a backward branch to it that the label's code reaches); a static estimate of "
          "the hot loop (of the\n"
          "loops with mfma/loop v_mfma, the shortest) by llvm-mca ($ATTN_LLVM_MCA, else\n"
          "LLVM 22's, else llvm-mca-22 on PATH; -mcpu=<chip>, 100 iterations, one wave,\n"
          "branches not taken): cyc/iter (cycles per iteration), mfma-cyc (the MFMA\n"
          "unit's busy cycles per iteration: llvm-mca's HWXDL resource pressure) and\n"
          "mfma-ratio = mfma-cyc / cyc/iter (1.0: MFMA-bound); n/a without llvm-mca.\n"
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

/* A run-time error: `attn-compile: error: MESSAGE`. Returns false. */
static bool error(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("attn-compile: error: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  return false;
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

/*===--- Report ----------------------------------------------------------------===*/

/* Rows of the report: every AMD kernel of every target compiled. */
static AttnReportRow *reportRows(const AttnCompileResult *r, int *count) {
  int n = 0;
  for (int t = 0; t < r->numTargets; ++t)
    n += r->targets[t].numAmd;
  AttnReportRow *rows = calloc((size_t)(n ? n : 1), sizeof(AttnReportRow));
  *count = 0;
  if (!rows)
    return NULL;
  for (int t = 0; t < r->numTargets; ++t) {
    const AttnCompiledTarget *c = &r->targets[t];
    for (int i = 0; i < c->numAmd; ++i) {
      AttnReportRow *row = &rows[(*count)++];
      snprintf(row->target, sizeof(row->target), "%s", c->target.name);
      row->info = c->amd[i];
      int wg = row->info.reqdWorkgroup > 0 ? row->info.reqdWorkgroup : row->info.maxWorkgroup;
      for (int k = 0; k < r->numKernels && row->info.reqdWorkgroup <= 0; ++k)
        if (!strcmp(r->kernels[k].name, row->info.name) && c->entries &&
            c->entries[k].num_warps > 0)
          wg = 64 * c->entries[k].num_warps;
      row->workgroupSize = wg;
      row->waves = attnAmdOccupancy(&row->info, c->target.chip, wg, &row->limiter);
    }
  }
  return rows;
}

static bool noAmdTarget(const Options *o) {
  for (int i = 0; i < o->numTargets; ++i)
    if (o->targets[i].kind == ATTN_TARGET_AMDGPU)
      return false;
  return true;
}

static bool printReport(const Options *o, const AttnCompileResult *r) {
  FILE *rep = o->emit != EMIT_BUNDLE && !o->output ? stderr : stdout;
  if (noAmdTarget(o))
    fputs("attn-compile: note: --report covers AMD targets only\n", stderr);
  int count;
  AttnReportRow *rows = reportRows(r, &count);
  if (!rows)
    return error("out of memory");
  attnPrintReport(rep, rows, count, o->reportJson);
  fflush(rep); /* the report, then the note, when both go to one pipe */
  for (int i = 0; i < count; ++i)
    if (rows[i].info.estimateNote[0]) {
      fprintf(stderr, "attn-compile: note: no llvm-mca estimate for %s on %s: %s\n",
              rows[i].info.name, rows[i].target, rows[i].info.estimateNote);
      break;
    }
  free(rows);
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

static bool writeHeaderFile(const Options *o, const AttnCompileResult *r, const char *path) {
  char prefix[128];
  headerPrefix(o, prefix, sizeof(prefix));
  FILE *f = path ? fopen(path, "w") : stdout;
  if (!f)
    return error("cannot write '%s'", path);
  bool ok = attnWriteHeader(f, prefix, o->input, r->kernels, r->numKernels);
  if (path)
    ok = fclose(f) == 0 && ok;
  return ok || error("cannot write '%s'", path ? path : "<stdout>");
}

/* Writes `size` bytes to `path` (NULL: stdout); `what` names it in errors. */
static bool writeFile(const char *path, const void *data, size_t size, const char *what) {
  FILE *f = path ? fopen(path, "wb") : stdout;
  if (!f)
    return error("cannot write %s '%s': %s", what, path, strerror(errno));
  bool ok = fwrite(data, 1, size, f) == size;
  ok = (path ? fclose(f) == 0 : fflush(f) == 0) && ok;
  return ok || error("cannot write %s '%s': %s", what, path ? path : "<stdout>", strerror(errno));
}

static AttnCompileEmit jobKind(const Options *o) {
  switch (o->emit) {
  case EMIT_MLIR:
    return ATTN_COMPILE_MLIR;
  case EMIT_LLVM:
    return ATTN_COMPILE_LLVM;
  case EMIT_ASM:
    return ATTN_COMPILE_ASM;
  case EMIT_HEADER:
    return ATTN_COMPILE_KERNELS;
  case EMIT_BUNDLE:
    break;
  }
  /* A report without -o generates code but makes no code objects. */
  return o->output ? ATTN_COMPILE_BUNDLE : ATTN_COMPILE_CODEGEN;
}

static bool runJob(const Options *o, MlirModule input) {
  if ((o->emit == EMIT_HEADER || o->header) && !attnModuleHasAttnOps(input))
    return error("%s has no attn ops: a header needs their signatures", o->input);
  AttnCompileOptions options = {o->targets, o->numTargets, o->pipeline,
                                jobKind(o), NULL,          o->report};
  AttnCompileResult r;
  char err[2048];
  bool ok = attnCompileModule(input, &options, &r, err, sizeof(err)) || error("%s", err);
  /* Whatever the run prints was made in memory first: no partial output. */
  if (ok && o->emit == EMIT_HEADER)
    ok = writeHeaderFile(o, &r, o->output);
  else if (ok && o->emit != EMIT_BUNDLE)
    ok = writeFile(o->output, r.text.data, r.text.size, "the output");
  else if (ok && o->output)
    ok = writeFile(o->output, r.bundle.data, r.bundle.size, "the bundle") &&
         (!o->header || writeHeaderFile(o, &r, o->header));
  if (ok && o->report)
    ok = printReport(o, &r);
  attnCompileResultFree(&r);
  return ok;
}

static int run(const Options *o) {
  MlirContext ctx = attnContextCreate();
  AttnDiagEngine diags = {stderr, o->input, false, NULL, 0, 0, 0};
  attnDiagAttach(ctx, &diags);
  MlirModule input = parseInputs(ctx, o);
  bool ok = !mlirModuleIsNull(input) && runJob(o, input);
  if (!mlirModuleIsNull(input))
    mlirModuleDestroy(input);
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
