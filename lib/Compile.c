/*===- Compile.c - attn IR -> kernel bundles ------------------------------===*
 *
 * See attnc/Compile.h. Per target: lower a clone of the input with the
 * target's pipeline, read each kernel's tile configuration and grid, extract
 * the device code, translate it to LLVM IR, optimize, generate code (and
 * link it); then one bundle for all targets.
 *
 *===----------------------------------------------------------------------===*/

#include "attnc/Compile.h"

#include "CompileKernels.h"
#include "Input.h"
#include "Location.h"
#include "attnc/attnc.h"

#include "mlir-c/BuiltinAttributes.h"
#include "mlir-c/Diagnostics.h"

#include "llvm-c/Core.h"

#include <ctype.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef ATTN_PROJECT_VERSION
#define ATTN_PROJECT_VERSION "0.0.0"
#endif

static const char kTrampolinePrefix[] = "__attn_program_";

static char compilerVersion[64];

static void initCompilerVersion(void) {
  unsigned major = 0, minor = 0, patch = 0;
  LLVMGetVersion(&major, &minor, &patch);
  snprintf(compilerVersion, sizeof(compilerVersion), "attnc %s (LLVM %u.%u.%u)",
           ATTN_PROJECT_VERSION, major, minor, patch);
}

const char *attnCompilerVersion(void) {
  static pthread_once_t once = PTHREAD_ONCE_INIT;
  pthread_once(&once, initCompilerVersion);
  return compilerVersion;
}

/*===--- Messages and text ---------------------------------------------------===*/

static bool failV(char *err, size_t errLen, const AttnTarget *t, const char *fmt, va_list ap) {
  if (!err || !errLen)
    return false;
  size_t used = 0;
  if (t) {
    int n = snprintf(err, errLen, "%s: ", t->option);
    used = n < 0 ? 0 : (size_t)n < errLen ? (size_t)n : errLen - 1;
  }
  vsnprintf(err + used, errLen - used, fmt, ap);
  return false;
}

static bool fail(char *err, size_t errLen, const AttnTarget *t, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  failV(err, errLen, t, fmt, ap);
  va_end(ap);
  return false;
}

/* A growable NUL-terminated buffer. */
typedef struct {
  char *data;
  size_t size, capacity;
  bool outOfMemory;
} Text;

static void textAppend(Text *t, const char *data, size_t n) {
  if (t->outOfMemory)
    return;
  if (t->size + n + 1 > t->capacity) {
    size_t cap = t->capacity ? t->capacity : 256;
    while (cap < t->size + n + 1)
      cap *= 2;
    char *grown = realloc(t->data, cap);
    if (!grown) {
      t->outOfMemory = true;
      return;
    }
    t->data = grown;
    t->capacity = cap;
  }
  memcpy(t->data + t->size, data, n);
  t->size += n;
  t->data[t->size] = '\0';
}

static void textAppendStr(Text *t, const char *s) { textAppend(t, s, strlen(s)); }

static void textPrint(MlirStringRef part, void *userData) {
  textAppend(userData, part.data, part.length);
}

/* Moves the text into a blob (NUL-terminated, as AttnBlob promises). */
static bool textToBlob(Text *t, AttnBlob *out) {
  if (t->outOfMemory)
    return false;
  if (!t->data)
    textAppend(t, "", 0);
  if (!t->data) {
    t->outOfMemory = true;
    return false;
  }
  out->data = (uint8_t *)t->data;
  out->size = t->size;
  memset(t, 0, sizeof(*t));
  return true;
}

static void textFree(Text *t) {
  free(t->data);
  memset(t, 0, sizeof(*t));
}

/*===--- Targets ---------------------------------------------------------------===*/

bool attnParseTargetList(const char *list, AttnTarget *targets, int max, int *count, char *err,
                         size_t errLen) {
  *count = 0;
  if (!list || !*list)
    return fail(err, errLen, NULL, "no target (valid targets: %s)", attnTargetValidNames());
  char name[64];
  for (const char *p = list; *p;) {
    size_t n = strcspn(p, ",");
    if (n == 0 || n >= sizeof(name) || (p[n] == ',' && p[n + 1] == '\0'))
      return fail(err, errLen, NULL, "bad target list '%s' (expected e.g. gfx942,cpu)", list);
    memcpy(name, p, n);
    name[n] = '\0';
    p += n + (p[n] == ',');
    if (*count == max)
      return fail(err, errLen, NULL, "too many targets (at most %d)", max);
    AttnTarget *t = &targets[*count];
    if (!attnTargetLookup(name, t))
      return fail(err, errLen, NULL, "unknown target '%s' (valid targets: %s)", name,
                  attnTargetValidNames());
    for (int i = 0; i < *count; ++i)
      if (!strcmp(targets[i].option, t->option))
        return fail(err, errLen, NULL, "target '%s' given twice", name);
    ++*count;
  }
  return true;
}

static bool isAmd(const AttnTarget *t) { return t->kind == ATTN_TARGET_AMDGPU; }
static bool isCpu(const AttnTarget *t) { return t->kind == ATTN_TARGET_CPU; }
static bool isNvptx(const AttnTarget *t) { return t->kind == ATTN_TARGET_NVPTX; }

static const char *formatOf(const AttnTarget *t) {
  return isAmd(t) ? "hsaco" : isNvptx(t) ? "ptx" : "elf-so";
}

/* The attn-tile target of `t`: its chip on GPUs, "cpu" on the host. */
static const char *tileTarget(const AttnTarget *t) { return !t || isCpu(t) ? "cpu" : t->chip; }

/*===--- PTX ---------------------------------------------------------------------===*/

typedef struct {
  const char *p, *end;
} Cursor;

/* The next whitespace-separated token of a line; false at its end. */
static bool nextToken(Cursor *c, const char **start, size_t *n) {
  while (c->p < c->end && isspace((unsigned char)*c->p))
    ++c->p;
  if (c->p == c->end)
    return false;
  *start = c->p;
  while (c->p < c->end && !isspace((unsigned char)*c->p))
    ++c->p;
  *n = (size_t)(c->p - *start);
  return true;
}

static bool tokenIs(const char *tok, size_t n, const char *word) {
  return n == strlen(word) && !memcmp(tok, word, n);
}

/* Bytes of one PTX state-space declaration line such as
 * `.shared .align 16 .b8 smem[34816];` (0 when it is not one). */
static long long sharedDeclBytes(const char *line, const char *end) {
  Cursor c = {line, end};
  const char *tok;
  size_t n;
  bool shared = false;
  long long elem = 0, count = 1;
  while (nextToken(&c, &tok, &n)) {
    if (tokenIs(tok, n, ".extern"))
      return 0; /* dynamic shared memory: sized at launch */
    if (tokenIs(tok, n, ".shared")) {
      shared = true;
      continue;
    }
    if (!shared)
      continue;
    if (tok[0] == '.' && n >= 3 && strchr("bsuf", tok[1]) && isdigit((unsigned char)tok[2])) {
      elem = strtol(tok + 2, NULL, 10) / 8;
      continue;
    }
    if (tok[0] == '.' || isdigit((unsigned char)tok[0]))
      continue; /* .align N */
    for (const char *b = memchr(tok, '[', n); b && b < tok + n;
         b = memchr(b + 1, '[', (size_t)(tok + n - b - 1)))
      count *= strtoll(b + 1, NULL, 10);
    break;
  }
  return shared ? elem * count : 0;
}

/* 0: `line` declares no entry; 1: it declares `kernel` (`.entry NAME(`);
 * -1: another one. */
static int declaresEntry(const char *line, const char *eol, const char *kernel) {
  Cursor c = {line, eol};
  const char *tok;
  size_t n, k = strlen(kernel);
  while (nextToken(&c, &tok, &n))
    if (tokenIs(tok, n, ".entry"))
      return nextToken(&c, &tok, &n) && n >= k && !memcmp(tok, kernel, k) &&
                     (n == k || tok[k] == '(')
                 ? 1
                 : -1;
  return 0;
}

int attnPtxSharedBytes(const char *ptx, size_t length, const char *kernel) {
  long long total = 0;
  const char *end = ptx + length;
  int depth = 0;
  bool inKernel = false; /* the last entry declared is `kernel` */
  for (const char *p = ptx; p < end;) {
    const char *eol = memchr(p, '\n', (size_t)(end - p));
    if (!eol)
      eol = end;
    const char *s = p;
    while (s < eol && isspace((unsigned char)*s))
      ++s;
    int entry = depth == 0 && kernel && s < eol && *s == '.' ? declaresEntry(s, eol, kernel) : 0;
    if (entry)
      inKernel = entry > 0;
    /* A directive, not an instruction (ld.shared...); at module level, or
     * in the body of `kernel` (LLVM demotes a kernel's own variables). */
    if (s < eol && *s == '.' && (depth == 0 || !kernel || inKernel))
      total += sharedDeclBytes(s, eol);
    for (const char *q = s; q < eol; ++q)
      depth += *q == '{' ? 1 : *q == '}' ? -1 : 0;
    if (depth < 0)
      depth = 0;
    p = eol + 1;
  }
  return total > 0x7fffffff ? 0x7fffffff : (int)total;
}

/* Where `.entry NAME(` starts in the PTX, or NULL. */
static const char *ptxFindEntry(const char *ptx, size_t length, const char *name) {
  size_t n = strlen(name);
  const char *end = ptx + length;
  for (const char *p = ptx; p < end;) {
    const char *e = strstr(p, ".entry ");
    if (!e || e >= end)
      return NULL;
    const char *s = e + 7;
    while (s < end && *s == ' ')
      ++s;
    if ((size_t)(end - s) > n && !memcmp(s, name, n) &&
        (s[n] == '(' || isspace((unsigned char)s[n])))
      return e;
    p = s;
  }
  return NULL;
}

/* The kernels (`.entry` names) of a PTX text, at most `max`. */
static int ptxEntryNames(const char *ptx, size_t length, char (*names)[128], int max) {
  int count = 0;
  const char *end = ptx + length;
  for (const char *p = ptx; p < end && count < max;) {
    const char *e = strstr(p, ".entry ");
    if (!e || e >= end)
      break;
    const char *s = e + 7;
    while (s < end && *s == ' ')
      ++s;
    size_t n = 0;
    while (s + n < end && (isalnum((unsigned char)s[n]) || strchr("_$.", s[n])))
      ++n;
    if (n > 0 && n < 128) {
      memcpy(names[count], s, n);
      names[count++][n] = '\0';
    }
    p = s + n;
  }
  return count;
}

/* The product of the `.reqntid X, Y, Z` or `.maxntid X, Y, Z` (`directive`)
 * of the kernel at `entry`, 0 when it has none. */
static int ptxThreads(const char *entry, const char *end, const char *directive) {
  const char *body = memchr(entry, '{', (size_t)(end - entry));
  const char *r = strstr(entry, directive);
  if (!r || (body && r > body))
    return 0;
  int total = 1;
  const char *p = r + strlen(directive);
  for (int i = 0; i < 3; ++i) {
    char *next;
    long v = strtol(p, &next, 10);
    if (next == p)
      break;
    total *= (int)v;
    p = next;
    while (*p == ' ' || *p == ',')
      ++p;
  }
  return total;
}

/*===--- The job --------------------------------------------------------------===*/

typedef struct {
  const AttnCompileOptions *o;
  MlirModule input;
  bool lower;       /* run a pipeline (the input has attn ops, or a pipeline is given) */
  bool haveKernels; /* kernels known (from the attn ops, or from the first code) */
  AttnCompileResult *r;
  Text text; /* the text form */
  char *err;
  size_t errLen;
} Job;

/* What the steps of one target share. */
typedef struct {
  const AttnTarget *t;
  AttnCompiledTarget *out;
  MlirModule lowered;
  LLVMModuleRef llvm;
  AttnBlob asmText; /* assembly, when emitted */
} TargetJob;

static bool jobFail(Job *job, const AttnTarget *t, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  failV(job->err, job->errLen, t, fmt, ap);
  va_end(ap);
  return false;
}

static bool lowerFor(Job *job, MlirModule m, const AttnTarget *t) {
  char why[1024];
  const char *p = job->o->pipeline;
  if (p && !strcmp(p, "none"))
    return true;
  if (!p && !job->lower)
    return true;
  bool ok = p ? attnRunPipeline(m, p, why, sizeof(why)) : attnTargetLower(m, t, why, sizeof(why));
  return ok || jobFail(job, t, "%s", why);
}

static AttnBundleEntry *newEntries(int count) {
  return calloc((size_t)(count ? count : 1), sizeof(AttnBundleEntry));
}

/* The tile configuration and grid of every kernel on `t`. */
static bool readEntries(Job *job, TargetJob *tj) {
  AttnCompileResult *r = job->r;
  tj->out->entries = newEntries(r->numKernels);
  if (!tj->out->entries)
    return jobFail(job, tj->t, "out of memory");
  bool all = true;
  for (int i = 0; i < r->numKernels && all; ++i)
    all = attnEntryFromLowered(tj->lowered, &r->kernels[i], &tj->out->entries[i]);
  if (all || !job->lower)
    return true;
  char why[512];
  return attnEntriesFromFront(job->input, tileTarget(tj->t), r->kernels, r->numKernels,
                              tj->out->entries, why, sizeof(why)) ||
         jobFail(job, tj->t, "%s", why);
}

static int countTrampolines(LLVMModuleRef m) {
  int n = 0;
  for (LLVMValueRef f = LLVMGetFirstFunction(m); f; f = LLVMGetNextFunction(f)) {
    size_t len;
    const char *name = LLVMGetValueName2(f, &len);
    n += !LLVMIsDeclaration(f) && !strncmp(name, kTrampolinePrefix, sizeof(kTrampolinePrefix) - 1);
  }
  return n;
}

/* Kernels of an input without attn ops: what the first target's code has
 * (AMD kernels by their metadata, NVIDIA ones by their .entry, CPU kernels
 * by their trampolines). The bundle then has no argument metadata for
 * them. */
static bool kernelsFromCode(Job *job, TargetJob *tj) {
  enum { MAX = 256 };
  char(*list)[128] = malloc(MAX * sizeof(*list));
  if (!list)
    return jobFail(job, tj->t, "out of memory");
  int n = 0;
  if (isAmd(tj->t)) {
    for (int i = 0; i < tj->out->numAmd && n < MAX; ++i)
      snprintf(list[n++], 128, "%s", tj->out->amd[i].name);
  } else if (isNvptx(tj->t)) {
    n = ptxEntryNames((const char *)tj->asmText.data, tj->asmText.size, list, MAX);
  } else {
    for (LLVMValueRef f = LLVMGetFirstFunction(tj->llvm); f && n < MAX;
         f = LLVMGetNextFunction(f)) {
      size_t len;
      const char *name = LLVMGetValueName2(f, &len);
      if (!LLVMIsDeclaration(f) && !strncmp(name, kTrampolinePrefix, sizeof(kTrampolinePrefix) - 1))
        snprintf(list[n++], 128, "%s", name + sizeof(kTrampolinePrefix) - 1);
    }
  }
  AttnCompileResult *r = job->r;
  r->kernels = calloc((size_t)(n ? n : 1), sizeof(AttnBundleKernel));
  if (!r->kernels) {
    free(list);
    return jobFail(job, tj->t, "out of memory");
  }
  for (int i = 0; i < n; ++i)
    snprintf(r->kernels[i].name, sizeof(r->kernels[i].name), "%s", list[i]);
  free(list);
  r->numKernels = n;
  job->haveKernels = true;
  return true;
}

/* One entry of a CPU kernel: its trampoline must be in the code. */
static bool finishCpuEntry(Job *job, TargetJob *tj, const AttnBundleKernel *k, AttnBundleEntry *e) {
  if ((size_t)snprintf(e->symbol, sizeof(e->symbol), "%s%.112s", kTrampolinePrefix, k->name) >=
      sizeof(e->symbol))
    return jobFail(job, tj->t, "kernel name too long for a CPU symbol: %s", k->name);
  LLVMValueRef f = LLVMGetNamedFunction(tj->llvm, e->symbol);
  if (!f || LLVMIsDeclaration(f))
    return jobFail(job, tj->t, "kernel %s has no trampoline %s in the code", k->name, e->symbol);
  e->workgroup_size = 0;
  e->lds_bytes = 0;
  return true;
}

static const AttnAmdKernelInfo *findAmd(const AttnCompiledTarget *out, const char *name) {
  for (int i = 0; i < out->numAmd; ++i)
    if (!strcmp(out->amd[i].name, name))
      return &out->amd[i];
  return NULL;
}

/* One entry of an AMD kernel: the code object must have it. */
static bool finishAmdEntry(Job *job, TargetJob *tj, const AttnBundleKernel *k, AttnBundleEntry *e) {
  const AttnAmdKernelInfo *info = findAmd(tj->out, k->name);
  if (!info)
    return jobFail(job, tj->t, "kernel %s is missing from the code object", k->name);
  snprintf(e->symbol, sizeof(e->symbol), "%s", k->name);
  /* The code object's required workgroup size is the truth; it must agree
   * with the tile configuration (wave64: 64 threads per warp). */
  int tile = e->num_warps > 0 ? 64 * e->num_warps : 0;
  if (info->reqdWorkgroup > 0 && tile > 0 && info->reqdWorkgroup != tile)
    return jobFail(job, tj->t,
                   "kernel %s: the code object requires workgroups of %d threads, the tile "
                   "configuration says %d (64 * num_warps)",
                   k->name, info->reqdWorkgroup, tile);
  e->workgroup_size = info->reqdWorkgroup > 0 ? info->reqdWorkgroup
                      : tile > 0              ? tile
                                              : info->maxWorkgroup;
  e->lds_bytes = info->ldsBytes > 0 ? info->ldsBytes : 0;
  return true;
}

/* One entry of an NVIDIA kernel: the PTX must have its .entry (warp32). */
static bool finishNvptxEntry(Job *job, TargetJob *tj, const AttnBundleKernel *k,
                             AttnBundleEntry *e) {
  const char *ptx = (const char *)tj->asmText.data;
  const char *entry = ptxFindEntry(ptx, tj->asmText.size, k->name);
  if (!entry)
    return jobFail(job, tj->t, "kernel %s is missing from the PTX", k->name);
  snprintf(e->symbol, sizeof(e->symbol), "%s", k->name);
  int tile = e->num_warps > 0 ? 32 * e->num_warps : 0;
  const char *end = ptx + tj->asmText.size;
  int reqd = ptxThreads(entry, end, ".reqntid"), max = ptxThreads(entry, end, ".maxntid");
  if (reqd > 0 && tile > 0 && reqd != tile)
    return jobFail(job, tj->t,
                   "kernel %s: the PTX requires blocks of %d threads (.reqntid), the tile "
                   "configuration says %d (32 * num_warps)",
                   k->name, reqd, tile);
  e->workgroup_size = reqd > 0 ? reqd : tile > 0 ? tile : max > 0 && max < 32 ? max : 32;
  if (max > 0 && e->workgroup_size > max)
    return jobFail(job, tj->t, "kernel %s: blocks of %d threads exceed the PTX's .maxntid %d",
                   k->name, e->workgroup_size, max);
  e->lds_bytes = attnPtxSharedBytes(ptx, tj->asmText.size, k->name);
  return true;
}

static int codeKernelCount(TargetJob *tj) {
  if (isAmd(tj->t))
    return tj->out->numAmd;
  if (isNvptx(tj->t)) {
    enum { MAX = 1024 };
    char(*list)[128] = malloc(MAX * sizeof(*list));
    int n = list ? ptxEntryNames((const char *)tj->asmText.data, tj->asmText.size, list, MAX) : -1;
    free(list);
    return n;
  }
  return countTrampolines(tj->llvm);
}

/* Checks that the target compiled exactly the job's kernels, and completes
 * their entries: symbols, workgroup sizes, shared memory. */
static bool finishEntries(Job *job, TargetJob *tj) {
  AttnCompileResult *r = job->r;
  if (!job->haveKernels) {
    if (!kernelsFromCode(job, tj))
      return false;
    free(tj->out->entries); /* sized for no kernels */
    tj->out->entries = newEntries(r->numKernels);
    if (!tj->out->entries)
      return jobFail(job, tj->t, "out of memory");
    /* Tile configuration and kind, where the lowered code still says. */
    for (int i = 0; i < r->numKernels; ++i)
      if (attnEntryFromLowered(tj->lowered, &r->kernels[i], &tj->out->entries[i]))
        attnKindFromLowered(tj->lowered, &r->kernels[i]);
  }
  int found = codeKernelCount(tj);
  if (found != r->numKernels)
    return jobFail(job, tj->t,
                   "the code has %d kernels, the module %d (every target must compile the same "
                   "kernels)",
                   found, r->numKernels);
  for (int i = 0; i < r->numKernels; ++i) {
    const AttnBundleKernel *k = &r->kernels[i];
    AttnBundleEntry *e = &tj->out->entries[i];
    bool ok = isAmd(tj->t)     ? finishAmdEntry(job, tj, k, e)
              : isNvptx(tj->t) ? finishNvptxEntry(job, tj, k, e)
                               : finishCpuEntry(job, tj, k, e);
    if (!ok)
      return false;
  }
  return true;
}

/* The location of kernel `name` in the lowered module: that of its launch
 * declaration (__attn_launch_<name>), which attn-online-softmax gives the
 * attention op's location; null when there is none. */
static MlirLocation kernelLocation(MlirModule lowered, const char *name, size_t len) {
  char launch[300];
  snprintf(launch, sizeof(launch), "__attn_launch_%.*s", (int)(len > 250 ? 250 : len), name);
  MlirBlock body = mlirModuleGetBody(lowered);
  for (MlirOperation op = mlirBlockGetFirstOperation(body); !mlirOperationIsNull(op);
       op = mlirOperationGetNextInBlock(op)) {
    MlirAttribute sym =
        mlirOperationGetAttributeByName(op, mlirStringRefCreateFromCString("sym_name"));
    if (!mlirAttributeIsNull(sym) && mlirAttributeIsAString(sym) &&
        mlirStringRefEqual(mlirStringAttrGetValue(sym), mlirStringRefCreateFromCString(launch)))
      return mlirOperationGetLocation(op);
  }
  return (MlirLocation){NULL};
}

/* Code generation failed: when LLVM named the kernel ("... in function
 * 'K'"), the error goes out as a diagnostic at the attention op K came
 * from (it used to say <unknown>:0:0), then the job fails. */
static bool codegenFail(Job *job, TargetJob *tj, const char *why) {
  const char *mark = strstr(why, "in function '");
  const char *name = mark ? mark + strlen("in function '") : NULL;
  const char *end = name ? strchr(name, '\'') : NULL;
  MlirLocation loc =
      end ? kernelLocation(tj->lowered, name, (size_t)(end - name)) : (MlirLocation){NULL};
  if (mlirLocationIsNull(loc))
    return jobFail(job, tj->t, "%s", why);
  mlirEmitError(loc, why);
  return jobFail(job, tj->t, "code generation failed");
}

/* Code generation proper: assembly (the text asked for, the AMD metadata,
 * the PTX code object), then the linked code object. */
static bool emitCode(Job *job, TargetJob *tj) {
  char why[1024];
  const AttnTarget *t = tj->t;
  AttnCompileEmit emit = job->o->emit;
  bool needAsm = isAmd(t) || isNvptx(t) || emit == ATTN_COMPILE_ASM;
  if (needAsm && !attnTargetEmit(tj->llvm, t, true, &tj->asmText, why, sizeof(why)))
    return codegenFail(job, tj, why);
  if (isAmd(t)) {
    tj->out->numAmd = attnAmdReadAsm((const char *)tj->asmText.data, tj->asmText.size,
                                     &tj->out->amd, why, sizeof(why));
    if (tj->out->numAmd < 0) {
      tj->out->numAmd = 0;
      return jobFail(job, t, "%s", why);
    }
    /* The estimate is advice: without llvm-mca the report says n/a. */
    for (int i = 0; job->o->estimate && i < tj->out->numAmd; ++i)
      attnAmdEstimate((const char *)tj->asmText.data, tj->asmText.size, t->chip, &tj->out->amd[i],
                      NULL, 0);
  }
  if (emit == ATTN_COMPILE_ASM) {
    textAppend(&job->text, (const char *)tj->asmText.data, tj->asmText.size);
    return true;
  }
  if (emit != ATTN_COMPILE_BUNDLE)
    return true;
  if (!finishEntries(job, tj))
    return false;
  if (isNvptx(t)) {
    /* The code object is the PTX text with its NUL (cuModuleLoadData). */
    tj->out->code = tj->asmText;
    tj->out->code.size += 1;
    memset(&tj->asmText, 0, sizeof(tj->asmText));
    return true;
  }
  AttnBlob object = {NULL, 0};
  if (!attnTargetEmit(tj->llvm, t, false, &object, why, sizeof(why)))
    return codegenFail(job, tj, why);
  bool ok = attnTargetLink(&object, t, &tj->out->code, why, sizeof(why));
  attnBlobFree(&object);
  return ok || jobFail(job, t, "%s", why);
}

static void printLlvm(Job *job, LLVMModuleRef m) {
  char *text = LLVMPrintModuleToString(m);
  textAppendStr(&job->text, text);
  LLVMDisposeMessage(text);
}

/* Lowers a clone of the input for `t` and produces what the job asks. */
static bool compileTarget(Job *job, const AttnTarget *t, AttnCompiledTarget *out) {
  char why[1024];
  out->target = *t;
  out->format = formatOf(t);
  TargetJob tj = {t, out, {NULL}, NULL, {NULL, 0}};
  tj.lowered = mlirModuleFromOperation(mlirOperationClone(mlirModuleGetOperation(job->input)));
  bool ok = lowerFor(job, tj.lowered, t);
  if (ok && job->o->emit == ATTN_COMPILE_MLIR) {
    mlirOperationPrint(mlirModuleGetOperation(tj.lowered), textPrint, &job->text);
    textAppend(&job->text, "\n", 1);
    mlirModuleDestroy(tj.lowered);
    return true;
  }
  ok = ok && readEntries(job, &tj);
  MlirModule device = {NULL};
  if (ok) {
    device = attnTargetExtractDevice(tj.lowered, t, why, sizeof(why));
    ok = !mlirModuleIsNull(device) || jobFail(job, t, "%s", why);
  }
  LLVMContextRef llvmCtx = LLVMContextCreate();
  if (ok) {
    tj.llvm = attnTargetTranslate(device, t, llvmCtx, why, sizeof(why));
    ok =
        (tj.llvm && attnTargetOptimize(tj.llvm, t, why, sizeof(why))) || jobFail(job, t, "%s", why);
  }
  if (!mlirModuleIsNull(device))
    mlirModuleDestroy(device);
  if (ok && job->o->emit == ATTN_COMPILE_LLVM)
    printLlvm(job, tj.llvm);
  else if (ok)
    ok = emitCode(job, &tj);
  attnBlobFree(&tj.asmText);
  if (tj.llvm)
    LLVMDisposeModule(tj.llvm);
  LLVMContextDispose(llvmCtx);
  mlirModuleDestroy(tj.lowered);
  return ok;
}

static bool collectKernels(Job *job) {
  const AttnCompileOptions *o = job->o;
  bool hasAttn = attnModuleHasAttnOps(job->input);
  job->lower = o->pipeline ? strcmp(o->pipeline, "none") != 0 : hasAttn;
  if (!hasAttn)
    return true;
  char why[512];
  const AttnTarget *first = o->numTargets ? &o->targets[0] : NULL;
  AttnCompileResult *r = job->r;
  r->numKernels = attnCollectKernels(job->input, tileTarget(first), &r->kernels, why, sizeof(why));
  if (r->numKernels < 0) {
    r->numKernels = 0;
    return jobFail(job, NULL, "%s", why);
  }
  job->haveKernels = true;
  return true;
}

static bool serializeBundle(Job *job) {
  AttnCompileResult *r = job->r;
  AttnBundleTarget targets[ATTN_COMPILE_MAX_TARGETS];
  memset(targets, 0, sizeof(targets));
  for (int i = 0; i < r->numTargets; ++i) {
    const AttnCompiledTarget *c = &r->targets[i];
    snprintf(targets[i].name, sizeof(targets[i].name), "%s", c->target.name);
    snprintf(targets[i].format, sizeof(targets[i].format), "%s", c->format);
    targets[i].data = c->code.data;
    targets[i].size = c->code.size;
    targets[i].entries = c->entries;
  }
  AttnBundle b;
  memset(&b, 0, sizeof(b));
  b.version = ATTN_BUNDLE_VERSION;
  snprintf(b.producer, sizeof(b.producer), "%s",
           job->o->producer ? job->o->producer : attnVersion());
  b.num_kernels = r->numKernels;
  b.kernels = r->kernels;
  b.num_targets = r->numTargets;
  b.targets = targets;
  char why[512];
  if (attnBundleSerialize(&b, &r->bundle.data, &r->bundle.size, why, sizeof(why)) != ATTN_OK) {
    r->bundle.data = NULL;
    r->bundle.size = 0;
    return jobFail(job, NULL, "cannot serialize the bundle: %s", why);
  }
  return true;
}

static bool checkOptions(const AttnCompileOptions *o, char *err, size_t errLen) {
  if (!o)
    return fail(err, errLen, NULL, "no options");
  if (o->numTargets < 0 || o->numTargets > ATTN_COMPILE_MAX_TARGETS ||
      (o->numTargets && !o->targets))
    return fail(err, errLen, NULL, "bad target list (at most %d targets)",
                ATTN_COMPILE_MAX_TARGETS);
  if (o->numTargets == 0 && o->emit != ATTN_COMPILE_KERNELS)
    return fail(err, errLen, NULL, "no target (valid targets: %s)", attnTargetValidNames());
  bool text =
      o->emit == ATTN_COMPILE_MLIR || o->emit == ATTN_COMPILE_LLVM || o->emit == ATTN_COMPILE_ASM;
  if (text && o->numTargets > 1)
    return fail(err, errLen, NULL, "a text form is the code of one target; got %d targets",
                o->numTargets);
  if (o->pipeline && o->numTargets > 1)
    return fail(err, errLen, NULL, "a pipeline applies to one target; got %d targets",
                o->numTargets);
  return true;
}

bool attnCompileModule(MlirModule input, const AttnCompileOptions *o, AttnCompileResult *out,
                       char *err, size_t errLen) {
  if (err && errLen)
    err[0] = '\0';
  if (!out)
    return fail(err, errLen, NULL, "attnCompileModule: null result");
  memset(out, 0, sizeof(*out));
  if (mlirModuleIsNull(input))
    return fail(err, errLen, NULL, "attnCompileModule: null module");
  if (!checkOptions(o, err, errLen))
    return false;
  Job job;
  memset(&job, 0, sizeof(job));
  job.o = o;
  job.input = input;
  job.r = out;
  job.err = err;
  job.errLen = errLen;
  if (!collectKernels(&job))
    return false;
  if (o->emit == ATTN_COMPILE_KERNELS)
    return true;
  out->targets = calloc((size_t)o->numTargets, sizeof(AttnCompiledTarget));
  if (!out->targets)
    return fail(err, errLen, NULL, "out of memory");
  bool ok = true;
  for (int i = 0; i < o->numTargets && ok; ++i) {
    out->numTargets = i + 1;
    ok = compileTarget(&job, &o->targets[i], &out->targets[i]);
  }
  bool text =
      o->emit == ATTN_COMPILE_MLIR || o->emit == ATTN_COMPILE_LLVM || o->emit == ATTN_COMPILE_ASM;
  if (ok && text && !textToBlob(&job.text, &out->text))
    ok = fail(err, errLen, NULL, "out of memory");
  textFree(&job.text);
  if (ok && o->emit == ATTN_COMPILE_BUNDLE)
    ok = serializeBundle(&job);
  return ok;
}

void attnCompileResultFree(AttnCompileResult *r) {
  if (!r)
    return;
  for (int i = 0; i < r->numTargets; ++i) {
    attnBlobFree(&r->targets[i].code);
    free(r->targets[i].entries);
    free(r->targets[i].amd);
  }
  free(r->targets);
  free(r->kernels);
  free(r->bundle.data); /* attnBundleSerialize's malloc */
  attnBlobFree(&r->text);
  memset(r, 0, sizeof(*r));
}

/*===--- From IR text ------------------------------------------------------------===*/

static const char kInputName[] = "input";

/* Diagnostics as text: `input:3:5: error: message`, one per line. */
typedef struct {
  Text text;
  unsigned errors;
} DiagSink;

static const char *severityName(MlirDiagnosticSeverity s) {
  return s == MlirDiagnosticWarning  ? "warning"
         : s == MlirDiagnosticNote   ? "note"
         : s == MlirDiagnosticRemark ? "remark"
                                     : "error";
}

static void sinkOne(DiagSink *sink, MlirDiagnostic diag) {
  MlirDiagnosticSeverity severity = mlirDiagnosticGetSeverity(diag);
  Text message = {NULL, 0, 0, false};
  mlirDiagnosticPrint(diag, textPrint, &message);
  /* MLIR's "see current operation: <the whole op>" notes are noise here. */
  bool skip = severity == MlirDiagnosticNote && message.data &&
              !strncmp(message.data, "see current operation:", 22);
  if (!skip) {
    sink->errors += severity == MlirDiagnosticError;
    MlirStringRef file;
    unsigned line = 0, col = 0;
    char where[64];
    if (attnFindFileLoc(mlirDiagnosticGetLocation(diag), &file, &line, &col)) {
      bool unnamed = file.length == 0 || (file.length == 1 && file.data[0] == '-');
      if (unnamed)
        textAppendStr(&sink->text, kInputName);
      else
        textAppend(&sink->text, file.data, file.length > 256 ? 256 : file.length);
      snprintf(where, sizeof(where), ":%u:%u: ", line, col);
    } else {
      snprintf(where, sizeof(where), "%s: ", kInputName);
    }
    textAppendStr(&sink->text, where);
    textAppendStr(&sink->text, severityName(severity));
    textAppendStr(&sink->text, ": ");
    if (message.data)
      textAppend(&sink->text, message.data, message.size);
    textAppend(&sink->text, "\n", 1);
  }
  textFree(&message);
  for (intptr_t i = 0; i < mlirDiagnosticGetNumNotes(diag); ++i)
    sinkOne(sink, mlirDiagnosticGetNote(diag, i));
}

static MlirLogicalResult sinkHandler(MlirDiagnostic diag, void *userData) {
  sinkOne(userData, diag);
  return mlirLogicalResultSuccess();
}

/* err = the diagnostics, then `summary` (when given). */
static bool failWithDiags(char *err, size_t errLen, DiagSink *sink, const char *summary) {
  if (!err || !errLen)
    return false;
  snprintf(err, errLen, "%s%s", sink->text.data ? sink->text.data : "", summary ? summary : "");
  size_t n = strlen(err);
  while (n > 0 && err[n - 1] == '\n')
    err[--n] = '\0';
  return false;
}

/* Parses IR text in a fresh context; NULL module (and err) on failure. */
static MlirModule parseText(MlirContext ctx, const char *ir, size_t len, DiagSink *sink, char *err,
                            size_t errLen) {
  if (!ir) {
    fail(err, errLen, NULL, "no input");
    return (MlirModule){NULL};
  }
  unsigned line = 1, column = 1;
  const char *refused = attnIsBytecode(ir, len) ? "attnc compiles textual MLIR only"
                                                : attnCheckSource(ir, len, 1, &line, &column);
  if (refused) {
    fail(err, errLen, NULL, "%s:%u:%u: error: %s", kInputName, line, column, refused);
    return (MlirModule){NULL};
  }
  MlirModule m = mlirModuleCreateParse(ctx, (MlirStringRef){ir, len});
  if (mlirModuleIsNull(m))
    failWithDiags(err, errLen, sink, sink->errors ? NULL : "the input does not parse");
  return m;
}

/* Runs one compile job on IR text; `out` receives the result. */
static bool compileText(const char *ir, size_t len, const AttnCompileOptions *o,
                        AttnCompileResult *out, char *err, size_t errLen) {
  memset(out, 0, sizeof(*out));
  MlirContext ctx = attnContextCreate();
  DiagSink sink;
  memset(&sink, 0, sizeof(sink));
  mlirContextAttachDiagnosticHandler(ctx, sinkHandler, &sink, NULL);
  MlirModule m = parseText(ctx, ir, len, &sink, err, errLen);
  bool ok = !mlirModuleIsNull(m);
  if (ok) {
    char why[1024];
    ok = attnCompileModule(m, o, out, why, sizeof(why));
    if (!ok)
      failWithDiags(err, errLen, &sink, why);
    mlirModuleDestroy(m);
  }
  mlirContextDestroy(ctx);
  textFree(&sink.text);
  return ok;
}

bool attnCompileBundle(const char *ir, size_t len, const char *targets, const char *pipeline,
                       AttnBlob *bundleOut, char *err, size_t errLen) {
  if (err && errLen)
    err[0] = '\0';
  if (!bundleOut)
    return fail(err, errLen, NULL, "attnCompileBundle: null output");
  memset(bundleOut, 0, sizeof(*bundleOut));
  AttnTarget list[ATTN_COMPILE_MAX_TARGETS];
  int count;
  if (!attnParseTargetList(targets, list, ATTN_COMPILE_MAX_TARGETS, &count, err, errLen))
    return false;
  AttnCompileOptions o = {list, count, pipeline && *pipeline ? pipeline : NULL, ATTN_COMPILE_BUNDLE,
                          NULL, false};
  AttnCompileResult r;
  bool ok = compileText(ir, len, &o, &r, err, errLen);
  if (ok) {
    /* The serialized bundle is malloc'd; AttnBlob wants a NUL past the end. */
    uint8_t *data = malloc(r.bundle.size + 1);
    ok = data != NULL || fail(err, errLen, NULL, "out of memory");
    if (ok) {
      memcpy(data, r.bundle.data, r.bundle.size);
      data[r.bundle.size] = 0;
      bundleOut->data = data;
      bundleOut->size = r.bundle.size;
    }
  }
  attnCompileResultFree(&r);
  return ok;
}

bool attnCompileEmit(const char *ir, size_t len, const char *target, AttnCompileEmit form,
                     const char *pipeline, AttnBlob *textOut, char *err, size_t errLen) {
  if (err && errLen)
    err[0] = '\0';
  if (!textOut)
    return fail(err, errLen, NULL, "attnCompileEmit: null output");
  memset(textOut, 0, sizeof(*textOut));
  if (form != ATTN_COMPILE_MLIR && form != ATTN_COMPILE_LLVM && form != ATTN_COMPILE_ASM)
    return fail(err, errLen, NULL, "attnCompileEmit: form must be MLIR, LLVM or ASM");
  AttnTarget t;
  int count;
  if (!attnParseTargetList(target, &t, 1, &count, err, errLen))
    return false;
  AttnCompileOptions o = {&t, 1, pipeline && *pipeline ? pipeline : NULL, form, NULL, false};
  AttnCompileResult r;
  bool ok = compileText(ir, len, &o, &r, err, errLen);
  if (ok) {
    *textOut = r.text;
    memset(&r.text, 0, sizeof(r.text));
  }
  attnCompileResultFree(&r);
  return ok;
}
