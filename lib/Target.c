/*===- Target.c - from a lowered module to a code object ------------------===*
 *
 * See attnc/Target.h. The steps are plain functions over the MLIR C API
 * and the LLVM C API (libLLVM is already linked into libattnc); the linker
 * is ld.lld, run as a child process on temporary files.
 *
 *===----------------------------------------------------------------------===*/

/* dladdr (the path of this process's libm), posix_spawn, mkstemp. */
#define _GNU_SOURCE

#include "attnc/Target.h"

#include "attnc/attnc.h"

#include "mlir-c/BuiltinAttributes.h"
#include "mlir-c/Pass.h"
#include "mlir-c/Target/LLVMIR.h"

#include "llvm-c/Analysis.h"
#include "llvm-c/Target.h"
#include "llvm-c/TargetMachine.h"
#include "llvm-c/Transforms/PassBuilder.h"

#include <dlfcn.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef ATTN_LLVM_BINDIR
#define ATTN_LLVM_BINDIR "/usr/lib/llvm-22/bin"
#endif

extern char **environ;

/* Writes a formatted message into err (when given). Returns false. */
static bool fail(char *err, size_t errLen, const char *fmt, ...) {
  if (err && errLen) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errLen, fmt, ap);
    va_end(ap);
  }
  return false;
}

static MlirStringRef str(const char *s) { return mlirStringRefCreateFromCString(s); }

static bool copyString(char *dst, size_t size, const char *src) {
  size_t n = strlen(src);
  if (n >= size)
    return false;
  memcpy(dst, src, n + 1);
  return true;
}

/*===--- Targets -------------------------------------------------------------===*/

const char *attnTargetValidNames(void) { return "gfx942, gfx950, sm_90a, cpu"; }

static bool lookupCpu(AttnTarget *t) {
  char *triple = LLVMGetDefaultTargetTriple();
  char *cpu = LLVMGetHostCPUName();
  bool ok =
      copyString(t->triple, sizeof(t->triple), triple) && copyString(t->chip, sizeof(t->chip), cpu);
  /* "cpu-" + uname's machine, as the runtime names the host
   * (attnrtCpuTargetName): "cpu-x86_64". */
  struct utsname host;
  ok = ok && uname(&host) == 0 && strlen(host.machine) + 5 <= sizeof(t->name);
  if (ok)
    snprintf(t->name, sizeof(t->name), "cpu-%s", host.machine);
  LLVMDisposeMessage(triple);
  LLVMDisposeMessage(cpu);
  return ok;
}

bool attnTargetLookup(const char *name, AttnTarget *t) {
  memset(t, 0, sizeof(*t));
  if (!name || strlen(name) >= sizeof(t->option))
    return false;
  strcpy(t->option, name);
  if (!strcmp(name, "gfx942") || !strcmp(name, "gfx950")) {
    t->kind = ATTN_TARGET_AMDGPU;
    strcpy(t->name, name);
    strcpy(t->chip, name);
    strcpy(t->triple, "amdgcn-amd-amdhsa");
    return true;
  }
  if (!strcmp(name, "sm_90a")) {
    t->kind = ATTN_TARGET_NVPTX;
    strcpy(t->name, name);
    strcpy(t->chip, name);
    strcpy(t->triple, "nvptx64-nvidia-cuda");
    return true;
  }
  if (!strcmp(name, "cpu")) {
    t->kind = ATTN_TARGET_CPU;
    return lookupCpu(t);
  }
  return false;
}

const char *attnTargetPipeline(const AttnTarget *t, char *buf, size_t size) {
  if (t->kind == ATTN_TARGET_AMDGPU)
    snprintf(buf, size, "attn-to-rocdl{chip=%s}", t->chip);
  else if (t->kind == ATTN_TARGET_NVPTX)
    snprintf(buf, size, "attn-to-nvvm{chip=%s}", t->chip);
  else
    snprintf(buf, size, "attn-to-cpu");
  return buf;
}

/*===--- Lowering ------------------------------------------------------------===*/

typedef struct {
  char *text;
  size_t size, length;
} ErrorText;

static void collectError(MlirStringRef piece, void *userData) {
  ErrorText *e = userData;
  for (size_t i = 0; i < piece.length && e->length + 1 < e->size; ++i)
    e->text[e->length++] = piece.data[i] == '\n' ? ' ' : piece.data[i];
  if (e->size)
    e->text[e->length] = '\0';
}

bool attnRunPipeline(MlirModule module, const char *pipeline, char *err, size_t errLen) {
  char why[512] = "";
  MlirContext ctx = mlirModuleGetContext(module);
  MlirPassManager pm = mlirPassManagerCreateOnOperation(ctx, str("builtin.module"));
  MlirOpPassManager opm = mlirPassManagerGetAsOpPassManager(pm);
  ErrorText e = {why, sizeof(why), 0};
  /* "builtin.module(a,b)" names its anchor; "a,b" is added to the module's. */
  MlirLogicalResult ok = !strncmp(pipeline, "builtin.module(", 15)
                             ? mlirParsePassPipeline(opm, str(pipeline), collectError, &e)
                             : mlirOpPassManagerAddPipeline(opm, str(pipeline), collectError, &e);
  if (mlirLogicalResultIsFailure(ok)) {
    mlirPassManagerDestroy(pm);
    return fail(err, errLen, "bad pipeline '%s': %s", pipeline, why);
  }
  ok = mlirPassManagerRunOnOp(pm, mlirModuleGetOperation(module));
  mlirPassManagerDestroy(pm);
  if (mlirLogicalResultIsFailure(ok))
    return fail(err, errLen, "lowering with '%s' failed", pipeline);
  return true;
}

bool attnTargetLower(MlirModule module, const AttnTarget *t, char *err, size_t errLen) {
  char pipeline[128];
  attnTargetPipeline(t, pipeline, sizeof(pipeline));
  return attnRunPipeline(module, pipeline, err, errLen);
}

/*===--- Device code ---------------------------------------------------------===*/

static MlirBlock bodyOf(MlirOperation op) {
  return mlirRegionGetFirstBlock(mlirOperationGetRegion(op, 0));
}

static bool opIs(MlirOperation op, const char *name) {
  MlirStringRef n = mlirIdentifierStr(mlirOperationGetName(op));
  return n.length == strlen(name) && !memcmp(n.data, name, n.length);
}

static MlirStringRef symName(MlirOperation op) {
  MlirAttribute a = mlirOperationGetAttributeByName(op, str("sym_name"));
  if (mlirAttributeIsNull(a) || !mlirAttributeIsAString(a))
    return (MlirStringRef){NULL, 0};
  return mlirStringAttrGetValue(a);
}

static bool refEquals(MlirStringRef s, const char *name) {
  return s.data && s.length == strlen(name) && !memcmp(s.data, name, s.length);
}

static bool refHasPrefix(MlirStringRef s, const char *prefix) {
  size_t n = strlen(prefix);
  return s.data && s.length >= n && !memcmp(s.data, prefix, n);
}

/* The gpu.module holding the kernels: @attn_kernels, else the only one. */
static MlirOperation findGpuModule(MlirModule lowered, int *count) {
  MlirOperation found = {NULL}, named = {NULL};
  *count = 0;
  for (MlirOperation op = mlirBlockGetFirstOperation(mlirModuleGetBody(lowered));
       !mlirOperationIsNull(op); op = mlirOperationGetNextInBlock(op)) {
    if (!opIs(op, "gpu.module"))
      continue;
    ++*count;
    found = op;
    if (refEquals(symName(op), "attn_kernels"))
      named = op;
  }
  return mlirOperationIsNull(named) ? found : named;
}

static MlirModule extractGpu(MlirModule lowered, char *err, size_t errLen) {
  int count;
  MlirOperation gpu = findGpuModule(lowered, &count);
  if (mlirOperationIsNull(gpu) || (count > 1 && !refEquals(symName(gpu), "attn_kernels"))) {
    fail(err, errLen,
         count ? "the lowered module has %d gpu.modules and none is @attn_kernels"
               : "the lowered module has no gpu.module with the device code",
         count);
    return (MlirModule){NULL};
  }
  MlirModule device = mlirModuleCreateEmpty(mlirOperationGetLocation(gpu));
  MlirBlock dst = mlirModuleGetBody(device);
  for (MlirOperation op = mlirBlockGetFirstOperation(bodyOf(gpu)); !mlirOperationIsNull(op);
       op = mlirOperationGetNextInBlock(op))
    if (!opIs(op, "gpu.module_end"))
      mlirBlockAppendOwnedOperation(dst, mlirOperationClone(op));
  return device;
}

/* Symbol names reached from the CPU trampolines (a small open set). */
typedef struct {
  MlirStringRef *names;
  size_t count, capacity;
  bool outOfMemory;
} SymbolSet;

static bool setHas(const SymbolSet *s, MlirStringRef name) {
  for (size_t i = 0; i < s->count; ++i)
    if (mlirStringRefEqual(s->names[i], name))
      return true;
  return false;
}

static void setAdd(SymbolSet *s, MlirStringRef name) {
  if (setHas(s, name))
    return;
  if (s->count == s->capacity) {
    size_t cap = s->capacity ? 2 * s->capacity : 32;
    MlirStringRef *grown = realloc(s->names, cap * sizeof(*grown));
    if (!grown) {
      s->outOfMemory = true;
      return;
    }
    s->names = grown;
    s->capacity = cap;
  }
  s->names[s->count++] = name;
}

/* Adds every flat symbol reference of an op's attributes. */
static MlirWalkResult collectRefs(MlirOperation op, void *userData) {
  SymbolSet *set = userData;
  for (intptr_t i = 0; i < mlirOperationGetNumAttributes(op); ++i) {
    MlirAttribute a = mlirOperationGetAttribute(op, i).attribute;
    if (mlirAttributeIsAFlatSymbolRef(a))
      setAdd(set, mlirFlatSymbolRefAttrGetValue(a));
  }
  return MlirWalkResultAdvance;
}

static MlirOperation findSymbol(MlirBlock body, MlirStringRef name) {
  for (MlirOperation op = mlirBlockGetFirstOperation(body); !mlirOperationIsNull(op);
       op = mlirOperationGetNextInBlock(op))
    if (mlirStringRefEqual(symName(op), name))
      return op;
  return (MlirOperation){NULL};
}

static void setLinkage(MlirOperation func, const char *linkage) {
  char text[64];
  snprintf(text, sizeof(text), "#llvm.linkage<%s>", linkage);
  MlirAttribute a = mlirAttributeParseGet(mlirOperationGetContext(func), str(text));
  if (!mlirAttributeIsNull(a))
    mlirOperationSetInherentAttributeByName(func, str("linkage"), a);
}

/* Keeps what the trampolines reach, and the runtime helpers: the
 * trampolines become external, the kernels internal (inlined into their only
 * caller). */
static bool pruneCpu(MlirModule device, char *err, size_t errLen) {
  MlirBlock body = mlirModuleGetBody(device);
  SymbolSet set = {NULL, 0, 0, false};
  size_t roots = 0; /* trampolines */
  for (MlirOperation op = mlirBlockGetFirstOperation(body); !mlirOperationIsNull(op);
       op = mlirOperationGetNextInBlock(op)) {
    if (!opIs(op, "llvm.func"))
      continue;
    bool trampoline = refHasPrefix(symName(op), "__attn_program_");
    /* Runtime helpers (attn-cpu-soft-bf16) are called by code LLVM's backend
     * makes, so no reference to them exists yet. */
    bool helper =
        !mlirAttributeIsNull(mlirOperationGetAttributeByName(op, str("attn.runtime_helper")));
    roots += trampoline;
    if (trampoline || helper)
      setAdd(&set, symName(op));
  }
  for (size_t i = 0; i < set.count && !set.outOfMemory; ++i) {
    MlirOperation op = findSymbol(body, set.names[i]);
    if (!mlirOperationIsNull(op))
      mlirOperationWalk(op, collectRefs, &set, MlirWalkPreOrder);
  }
  bool ok = !set.outOfMemory && roots > 0;
  if (!ok) {
    free(set.names);
    return fail(err, errLen,
                set.outOfMemory ? "out of memory"
                                : "the lowered module has no __attn_program_* trampoline "
                                  "(was it lowered with attn-to-cpu?)");
  }
  MlirOperation next;
  for (MlirOperation op = mlirBlockGetFirstOperation(body); !mlirOperationIsNull(op); op = next) {
    next = mlirOperationGetNextInBlock(op);
    MlirStringRef name = symName(op);
    if (!name.data)
      continue;
    if (!setHas(&set, name)) {
      mlirOperationDestroy(op);
      continue;
    }
    if (refHasPrefix(name, "__attn_program_"))
      setLinkage(op, "external");
    else if (opIs(op, "llvm.func") && !mlirRegionIsNull(mlirOperationGetRegion(op, 0)) &&
             !mlirBlockIsNull(bodyOf(op)) &&
             !mlirAttributeIsNull(mlirOperationGetAttributeByName(op, str("attn.kernel"))))
      setLinkage(op, "internal");
  }
  free(set.names);
  return true;
}

MlirModule attnTargetExtractDevice(MlirModule lowered, const AttnTarget *t, char *err,
                                   size_t errLen) {
  if (t->kind == ATTN_TARGET_AMDGPU || t->kind == ATTN_TARGET_NVPTX)
    return extractGpu(lowered, err, errLen);
  MlirOperation clone = mlirOperationClone(mlirModuleGetOperation(lowered));
  MlirModule device = mlirModuleFromOperation(clone);
  if (!pruneCpu(device, err, errLen)) {
    mlirModuleDestroy(device);
    return (MlirModule){NULL};
  }
  return device;
}

/*===--- LLVM ----------------------------------------------------------------===*/

static void initTargetsOnce(void) {
  LLVMInitializeAMDGPUTargetInfo();
  LLVMInitializeAMDGPUTarget();
  LLVMInitializeAMDGPUTargetMC();
  LLVMInitializeAMDGPUAsmPrinter();
  LLVMInitializeAMDGPUAsmParser();
  LLVMInitializeNVPTXTargetInfo();
  LLVMInitializeNVPTXTarget();
  LLVMInitializeNVPTXTargetMC();
  LLVMInitializeNVPTXAsmPrinter();
  LLVMInitializeNativeTarget();
  LLVMInitializeNativeAsmPrinter();
  LLVMInitializeNativeAsmParser();
}

static void initTargets(void) {
  static pthread_once_t once = PTHREAD_ONCE_INIT;
  pthread_once(&once, initTargetsOnce);
}

static LLVMTargetMachineRef createMachine(const AttnTarget *t, char *err, size_t errLen) {
  initTargets();
  LLVMTargetRef target;
  char *msg = NULL;
  if (LLVMGetTargetFromTriple(t->triple, &target, &msg)) {
    fail(err, errLen, "no LLVM target for '%s': %s", t->triple, msg ? msg : "");
    LLVMDisposeMessage(msg);
    return NULL;
  }
  /* NVPTX: PTX ISA 8.0 is the first with sm_90a (CUDA 12.0 drivers). */
  char *features = t->kind == ATTN_TARGET_CPU     ? LLVMGetHostCPUFeatures()
                   : t->kind == ATTN_TARGET_NVPTX ? LLVMCreateMessage("+ptx80")
                                                  : NULL;
  LLVMTargetMachineRef tm =
      LLVMCreateTargetMachine(target, t->triple, t->chip, features ? features : "",
                              LLVMCodeGenLevelAggressive, LLVMRelocPIC, LLVMCodeModelDefault);
  LLVMDisposeMessage(features);
  if (!tm)
    fail(err, errLen, "cannot create an LLVM target machine for %s (%s)", t->triple, t->chip);
  return tm;
}

/* AMD: code objects are v5 (what MLIR's #rocdl.target defaults to; LLVM
 * 22 would pick v6, which older ROCm runtimes refuse). */
static void setCodeObjectVersion(LLVMModuleRef m) {
  static const char key[] = "amdhsa_code_object_version";
  if (LLVMGetModuleFlag(m, key, sizeof(key) - 1))
    return;
  LLVMValueRef v = LLVMConstInt(LLVMInt32TypeInContext(LLVMGetModuleContext(m)), 500, false);
  LLVMAddModuleFlag(m, LLVMModuleFlagBehaviorError, key, sizeof(key) - 1, LLVMValueAsMetadata(v));
}

/* Device libraries are not linked: a call to an undefined function would
 * only fail when the code object is loaded. */
static bool checkNoExternalCalls(LLVMModuleRef m, char *err, size_t errLen) {
  for (LLVMValueRef f = LLVMGetFirstFunction(m); f; f = LLVMGetNextFunction(f)) {
    if (!LLVMIsDeclaration(f) || LLVMGetIntrinsicID(f) != 0 || !LLVMGetFirstUse(f))
      continue;
    size_t n;
    const char *name = LLVMGetValueName2(f, &n);
    return fail(err, errLen,
                "device code calls the undefined function '%.*s' (device libraries are not "
                "linked; use LLVM intrinsics)",
                (int)n, name);
  }
  return true;
}

LLVMModuleRef attnTargetTranslate(MlirModule device, const AttnTarget *t, LLVMContextRef llvmCtx,
                                  char *err, size_t errLen) {
  LLVMModuleRef m = mlirTranslateModuleToLLVMIR(mlirModuleGetOperation(device), llvmCtx);
  if (!m) {
    fail(err, errLen, "translation of the device code to LLVM IR failed");
    return NULL;
  }
  LLVMTargetMachineRef tm = createMachine(t, err, errLen);
  if (!tm) {
    LLVMDisposeModule(m);
    return NULL;
  }
  LLVMSetTarget(m, t->triple);
  LLVMTargetDataRef layout = LLVMCreateTargetDataLayout(tm);
  LLVMSetModuleDataLayout(m, layout);
  LLVMDisposeTargetData(layout);
  LLVMDisposeTargetMachine(tm);
  if (t->kind == ATTN_TARGET_AMDGPU)
    setCodeObjectVersion(m);
  if (t->kind != ATTN_TARGET_CPU) {
    if (!checkNoExternalCalls(m, err, errLen)) {
      LLVMDisposeModule(m);
      return NULL;
    }
  }
  char *msg = NULL;
  if (LLVMVerifyModule(m, LLVMReturnStatusAction, &msg)) {
    fail(err, errLen, "the translated LLVM IR is invalid: %s", msg ? msg : "");
    LLVMDisposeMessage(msg);
    LLVMDisposeModule(m);
    return NULL;
  }
  LLVMDisposeMessage(msg);
  return m;
}

bool attnTargetOptimize(LLVMModuleRef m, const AttnTarget *t, char *err, size_t errLen) {
  LLVMTargetMachineRef tm = createMachine(t, err, errLen);
  if (!tm)
    return false;
  LLVMPassBuilderOptionsRef options = LLVMCreatePassBuilderOptions();
  LLVMErrorRef e = LLVMRunPasses(m, "default<O3>", tm, options);
  LLVMDisposePassBuilderOptions(options);
  LLVMDisposeTargetMachine(tm);
  if (!e)
    return true;
  char *msg = LLVMGetErrorMessage(e);
  fail(err, errLen, "LLVM optimization failed: %s", msg);
  LLVMDisposeErrorMessage(msg);
  return false;
}

void attnBlobFree(AttnBlob *blob) {
  if (!blob)
    return;
  free(blob->data);
  blob->data = NULL;
  blob->size = 0;
}

static bool blobFromBuffer(LLVMMemoryBufferRef buf, AttnBlob *out, char *err, size_t errLen) {
  size_t n = LLVMGetBufferSize(buf);
  out->data = malloc(n + 1);
  if (!out->data)
    return fail(err, errLen, "out of memory");
  memcpy(out->data, LLVMGetBufferStart(buf), n);
  out->data[n] = '\0';
  out->size = n;
  return true;
}

/* The first error LLVM diagnosed during code generation (e.g. the AMDGPU
 * backend's "local memory (69632) exceeds limit (65536) in function 'K'").
 * Without a handler LLVMContext prints such an error and calls exit(1),
 * which would end a Python process that compiles. */
typedef struct {
  int errors;
  char first[512];
} LlvmErrors;

static void collectLlvmError(LLVMDiagnosticInfoRef info, void *userData) {
  LlvmErrors *e = userData;
  if (LLVMGetDiagInfoSeverity(info) != LLVMDSError)
    return;
  char *text = LLVMGetDiagInfoDescription(info);
  const char *shown = text ? text : "";
  static const char unknown[] = "<unknown>:0:0: "; /* LLVM IR without debug locations */
  if (!strncmp(shown, unknown, sizeof(unknown) - 1))
    shown += sizeof(unknown) - 1;
  if (e->errors++ == 0)
    snprintf(e->first, sizeof(e->first), "%s", shown);
  LLVMDisposeMessage(text);
}

bool attnTargetEmit(LLVMModuleRef m, const AttnTarget *t, bool assembly, AttnBlob *out, char *err,
                    size_t errLen) {
  memset(out, 0, sizeof(*out));
  LLVMTargetMachineRef tm = createMachine(t, err, errLen);
  if (!tm)
    return false;
  /* Codegen rewrites the IR it runs on. */
  LLVMModuleRef clone = LLVMCloneModule(m);
  LLVMContextRef llvmCtx = LLVMGetModuleContext(clone);
  LLVMDiagnosticHandler oldHandler = LLVMContextGetDiagnosticHandler(llvmCtx);
  void *oldContext = LLVMContextGetDiagnosticContext(llvmCtx);
  LlvmErrors errors = {0, ""};
  LLVMContextSetDiagnosticHandler(llvmCtx, collectLlvmError, &errors);
  LLVMMemoryBufferRef buf = NULL;
  char *msg = NULL;
  bool ok = !LLVMTargetMachineEmitToMemoryBuffer(
      tm, clone, assembly ? LLVMAssemblyFile : LLVMObjectFile, &msg, &buf);
  LLVMContextSetDiagnosticHandler(llvmCtx, oldHandler, oldContext);
  if (ok && errors.errors)
    ok = fail(err, errLen, "LLVM code generation for %s failed: %s", t->chip, errors.first);
  else if (!ok)
    fail(err, errLen, "LLVM code generation for %s failed: %s", t->chip,
         msg && *msg ? msg : errors.first);
  else
    ok = blobFromBuffer(buf, out, err, errLen);
  LLVMDisposeMessage(msg);
  if (buf)
    LLVMDisposeMemoryBuffer(buf);
  LLVMDisposeModule(clone);
  LLVMDisposeTargetMachine(tm);
  return ok;
}

/*===--- Linking -------------------------------------------------------------===*/

static bool isExecutable(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

static bool searchPath(const char *name, char *path, size_t size) {
  const char *dirs = getenv("PATH");
  while (dirs && *dirs) {
    size_t n = strcspn(dirs, ":");
    if (n > 0 && (size_t)snprintf(path, size, "%.*s/%s", (int)n, dirs, name) < size &&
        isExecutable(path))
      return true;
    dirs += n + (dirs[n] == ':');
  }
  return false;
}

bool attnFindLinker(char *path, size_t size, char *err, size_t errLen) {
  const char *env = getenv("ATTN_LLD");
  if (env && *env) {
    if (isExecutable(env) && copyString(path, size, env))
      return true;
    return fail(err, errLen, "ATTN_LLD='%s' is not an executable file", env);
  }
  const char *bundled = ATTN_LLVM_BINDIR "/ld.lld";
  if (isExecutable(bundled) && copyString(path, size, bundled))
    return true;
  if (searchPath("ld.lld-22", path, size))
    return true;
  return fail(err, errLen,
              "cannot find ld.lld (tried $ATTN_LLD, %s and ld.lld-22 on PATH); install lld-22 "
              "or set ATTN_LLD",
              bundled);
}

/* A temporary file; returns its descriptor (path in `path`) or -1. */
static int tempFile(char *path, size_t size, const char *what) {
  const char *dir = getenv("TMPDIR");
  if (!dir || !*dir)
    dir = "/tmp";
  if ((size_t)snprintf(path, size, "%s/attnc-%s-XXXXXX", dir, what) >= size)
    return -1;
  return mkstemp(path);
}

static bool writeAll(int fd, const uint8_t *data, size_t size) {
  while (size > 0) {
    ssize_t n = write(fd, data, size);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return false;
    data += n;
    size -= (size_t)n;
  }
  return true;
}

static bool readFile(const char *path, AttnBlob *out) {
  FILE *f = fopen(path, "rb");
  if (!f)
    return false;
  bool ok = fseek(f, 0, SEEK_END) == 0;
  long n = ok ? ftell(f) : -1;
  ok = n >= 0 && fseek(f, 0, SEEK_SET) == 0;
  out->data = ok ? malloc((size_t)n + 1) : NULL;
  ok = out->data && fread(out->data, 1, (size_t)n, f) == (size_t)n;
  fclose(f);
  if (!ok) {
    attnBlobFree(out);
    return false;
  }
  out->data[n] = '\0';
  out->size = (size_t)n;
  return true;
}

/* Starts argv with stdout and stderr into `errFd`; false with errno set. */
static bool spawnChild(char *const argv[], int errFd, pid_t *pid) {
  posix_spawn_file_actions_t actions;
  if (posix_spawn_file_actions_init(&actions) != 0)
    return false;
  posix_spawn_file_actions_adddup2(&actions, errFd, STDERR_FILENO);
  posix_spawn_file_actions_adddup2(&actions, errFd, STDOUT_FILENO);
  int rc = posix_spawn(pid, argv[0], &actions, NULL, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  errno = rc;
  return rc == 0;
}

static int exitCode(int status) {
  return WIFEXITED(status) ? WEXITSTATUS(status)
                           : 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

/* Runs argv with stderr into `errFd`; returns the exit status or -1. */
static int runChild(char *const argv[], int errFd) {
  pid_t pid;
  if (!spawnChild(argv, errFd, &pid))
    return -1;
  int status = 0;
  while (waitpid(pid, &status, 0) < 0)
    if (errno != EINTR)
      return -1;
  return exitCode(status);
}

enum { kTimedOut = -2 };

/* runChild, but a child still running after `seconds` is killed and
 * kTimedOut returned (llvm-mca can loop forever on some AMDGPU loops). */
static int runChildFor(char *const argv[], int errFd, double seconds) {
  pid_t pid;
  if (!spawnChild(argv, errFd, &pid))
    return -1;
  const struct timespec tick = {0, 10 * 1000 * 1000};
  int status = 0;
  for (double waited = 0;; waited += 0.01) {
    pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid)
      return exitCode(status);
    if (r < 0 && errno != EINTR)
      return -1;
    if (waited >= seconds)
      break;
    nanosleep(&tick, NULL);
  }
  kill(pid, SIGKILL);
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
    ;
  return kTimedOut;
}

/* The libm this process uses (attnc links it): the CPU code object needs it
 * for log2f / tanhf and friends. */
static const char *libmPath(void) {
  Dl_info info;
  double (*fn)(double) = log2;
  if (dladdr(*(void **)&fn, &info) && info.dli_fname && strstr(info.dli_fname, "libm"))
    return info.dli_fname;
  return NULL;
}

typedef struct {
  char obj[256], out[256], log[256];
  int objFd, outFd, logFd;
} LinkFiles;

static void closeLinkFiles(LinkFiles *f) {
  int fds[3] = {f->objFd, f->outFd, f->logFd};
  char *paths[3] = {f->obj, f->out, f->log};
  for (int i = 0; i < 3; ++i)
    if (fds[i] >= 0) {
      close(fds[i]);
      unlink(paths[i]);
    }
}

static void linkerMessage(const LinkFiles *f, char *buf, size_t size) {
  AttnBlob log = {NULL, 0};
  buf[0] = '\0';
  if (!readFile(f->log, &log))
    return;
  size_t n = log.size < size - 1 ? log.size : size - 1;
  for (size_t i = 0; i < n; ++i)
    buf[i] = log.data[i] == '\n' && i + 1 < n ? ' ' : (char)log.data[i];
  buf[n] = '\0';
  if (n && buf[n - 1] == '\n')
    buf[n - 1] = '\0';
  attnBlobFree(&log);
}

bool attnTargetLink(const AttnBlob *object, const AttnTarget *t, AttnBlob *out, char *err,
                    size_t errLen) {
  memset(out, 0, sizeof(*out));
  char lld[1024];
  if (!attnFindLinker(lld, sizeof(lld), err, errLen))
    return false;
  LinkFiles f = {.objFd = -1, .outFd = -1, .logFd = -1};
  f.objFd = tempFile(f.obj, sizeof(f.obj), "obj");
  f.outFd = tempFile(f.out, sizeof(f.out), "so");
  f.logFd = tempFile(f.log, sizeof(f.log), "log");
  if (f.objFd < 0 || f.outFd < 0 || f.logFd < 0 || !writeAll(f.objFd, object->data, object->size)) {
    int e = errno;
    closeLinkFiles(&f);
    return fail(err, errLen, "cannot write temporary files: %s", strerror(e));
  }
  char *argv[12];
  int n = 0;
  argv[n++] = lld;
  argv[n++] = "-shared";
  if (t->kind == ATTN_TARGET_AMDGPU) {
    argv[n++] = "--no-undefined";
  } else if (libmPath()) {
    argv[n++] = "--as-needed";
    argv[n++] = (char *)libmPath();
  }
  argv[n++] = "-o";
  argv[n++] = f.out;
  argv[n++] = f.obj;
  argv[n] = NULL;
  int rc = runChild(argv, f.logFd);
  bool ok = rc == 0 && readFile(f.out, out);
  if (!ok) {
    char msg[1024];
    linkerMessage(&f, msg, sizeof(msg));
    if (rc < 0)
      fail(err, errLen, "cannot run %s: %s", lld, strerror(errno));
    else
      fail(err, errLen, "%s failed (exit %d): %s", lld, rc, msg);
  }
  closeLinkFiles(&f);
  return ok;
}

/*===--- AMDGPU assembly -----------------------------------------------------===*/

/* A line of the text: [begin, end). */
typedef struct {
  const char *begin, *end;
} Line;

static bool nextLine(const char **cursor, const char *limit, Line *line) {
  if (*cursor >= limit)
    return false;
  line->begin = *cursor;
  const char *nl = memchr(*cursor, '\n', (size_t)(limit - *cursor));
  line->end = nl ? nl : limit;
  *cursor = nl ? nl + 1 : limit;
  return true;
}

static const char *skipSpace(const char *p, const char *end) {
  while (p < end && (*p == ' ' || *p == '\t'))
    ++p;
  return p;
}

static bool startsWith(const char *p, const char *end, const char *prefix) {
  size_t n = strlen(prefix);
  return (size_t)(end - p) >= n && !memcmp(p, prefix, n);
}

/* Copies a YAML scalar (possibly quoted) into dst. */
static void yamlScalar(const char *p, const char *end, char *dst, size_t size) {
  p = skipSpace(p, end);
  while (end > p && (end[-1] == ' ' || end[-1] == '\r'))
    --end;
  if (end - p >= 2 && (*p == '\'' || *p == '"') && end[-1] == *p) {
    ++p;
    --end;
  }
  size_t n = (size_t)(end - p) < size - 1 ? (size_t)(end - p) : size - 1;
  memcpy(dst, p, n);
  dst[n] = '\0';
}

static void initKernel(AttnAmdKernelInfo *k) {
  memset(k, 0, sizeof(*k));
  int32_t *fields[] = {&k->vgprs,         &k->agprs,        &k->vgprTotal,    &k->sgprs,
                       &k->vgprSpills,    &k->sgprSpills,   &k->scratchBytes, &k->ldsBytes,
                       &k->wavefrontSize, &k->maxWorkgroup, &k->reqdWorkgroup};
  for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); ++i)
    *fields[i] = -1;
  k->loopCycles = k->loopMfmaCycles = -1;
}

/* One `.key: value` of a kernel's metadata map. */
static void kernelKey(AttnAmdKernelInfo *k, const char *p, const char *end) {
  static const struct {
    const char *key;
    size_t offset;
  } keys[] = {
      {".agpr_count:", offsetof(AttnAmdKernelInfo, agprs)},
      {".vgpr_count:", offsetof(AttnAmdKernelInfo, vgprTotal)},
      {".sgpr_count:", offsetof(AttnAmdKernelInfo, sgprs)},
      {".vgpr_spill_count:", offsetof(AttnAmdKernelInfo, vgprSpills)},
      {".sgpr_spill_count:", offsetof(AttnAmdKernelInfo, sgprSpills)},
      {".private_segment_fixed_size:", offsetof(AttnAmdKernelInfo, scratchBytes)},
      {".group_segment_fixed_size:", offsetof(AttnAmdKernelInfo, ldsBytes)},
      {".wavefront_size:", offsetof(AttnAmdKernelInfo, wavefrontSize)},
      {".max_flat_workgroup_size:", offsetof(AttnAmdKernelInfo, maxWorkgroup)},
  };
  if (startsWith(p, end, ".name:")) {
    yamlScalar(p + 6, end, k->name, sizeof(k->name));
    return;
  }
  for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); ++i)
    if (startsWith(p, end, keys[i].key)) {
      char value[32];
      yamlScalar(p + strlen(keys[i].key), end, value, sizeof(value));
      *(int32_t *)((char *)k + keys[i].offset) = (int32_t)strtol(value, NULL, 10);
    }
}

typedef struct {
  AttnAmdKernelInfo *items;
  int count, capacity;
} KernelList;

static AttnAmdKernelInfo *appendKernel(KernelList *l) {
  if (l->count == l->capacity) {
    int cap = l->capacity ? 2 * l->capacity : 8;
    AttnAmdKernelInfo *grown = realloc(l->items, (size_t)cap * sizeof(*grown));
    if (!grown)
      return NULL;
    l->items = grown;
    l->capacity = cap;
  }
  AttnAmdKernelInfo *k = &l->items[l->count++];
  initKernel(k);
  return k;
}

/* An item of the `.reqd_workgroup_size:` list ("      - 64"). */
static void reqdWorkgroupItem(AttnAmdKernelInfo *k, const Line *line) {
  const char *p = skipSpace(line->begin, line->end);
  if (!startsWith(p, line->end, "- "))
    return;
  long v = strtol(p + 2, NULL, 10);
  k->reqdWorkgroup = (int32_t)((k->reqdWorkgroup < 0 ? 1 : k->reqdWorkgroup) * v);
}

/* The `amdhsa.kernels:` list of the metadata block: items start at "  - ",
 * their keys are indented by four; deeper lines (.args) are skipped but for
 * the items of .reqd_workgroup_size. */
static bool readMetadata(const char *text, const char *limit, KernelList *list) {
  const char *cursor = text;
  Line line;
  bool inBlock = false, inKernels = false, inReqd = false;
  AttnAmdKernelInfo *k = NULL;
  while (nextLine(&cursor, limit, &line)) {
    const char *p = skipSpace(line.begin, line.end);
    if (!inBlock) {
      inBlock = startsWith(p, line.end, ".amdgpu_metadata");
      continue;
    }
    if (startsWith(p, line.end, ".end_amdgpu_metadata"))
      break;
    if (line.begin < line.end && *line.begin != ' ') {
      inKernels = startsWith(line.begin, line.end, "amdhsa.kernels:");
      k = NULL;
      continue;
    }
    if (!inKernels)
      continue;
    if (startsWith(line.begin, line.end, "  - ")) {
      if (!(k = appendKernel(list)))
        return false;
      kernelKey(k, line.begin + 4, line.end);
      inReqd = false;
    } else if (k && startsWith(line.begin, line.end, "    .")) {
      kernelKey(k, line.begin + 4, line.end);
      inReqd = startsWith(line.begin + 4, line.end, ".reqd_workgroup_size:");
    } else if (k && inReqd) {
      reqdWorkgroupItem(k, &line);
    }
  }
  return inBlock;
}

/* `.set NAME.num_vgpr, 18`: architected VGPRs (a plain number unless the
 * kernel makes calls). */
static void readResourceSymbols(const char *text, const char *limit, KernelList *list) {
  const char *cursor = text;
  Line line;
  while (nextLine(&cursor, limit, &line)) {
    const char *p = skipSpace(line.begin, line.end);
    if (!startsWith(p, line.end, ".set"))
      continue;
    p = skipSpace(p + 4, line.end);
    for (int i = 0; i < list->count; ++i) {
      AttnAmdKernelInfo *k = &list->items[i];
      size_t n = strlen(k->name);
      if (!n || !startsWith(p, line.end, k->name) || !startsWith(p + n, line.end, ".num_vgpr,"))
        continue;
      char *endp;
      const char *v = skipSpace(p + n + 10, line.end);
      long value = strtol(v, &endp, 10);
      if (endp != v && skipSpace(endp, line.end) == line.end)
        k->vgprs = (int32_t)value;
    }
  }
}

/* Static MFMA counts of one function body. */
typedef struct {
  const char *label; /* label text, not NUL-terminated */
  size_t length;
  int index; /* instruction index at the label */
} Label;

/* An instruction: its line, whether it is a v_mfma, and for a branch its
 * target label's name and whether it is conditional. */
typedef struct {
  const char *begin, *end;
  bool mfma;
  bool branch, conditional;
  const char *target;
  size_t targetLength;
} Inst;

/* A backward branch: instructions [first, last] (the branch), text from the
 * label's line to the end of the branch's. */
typedef struct {
  int first, last;
  const char *begin, *end;
} Loop;

typedef struct {
  Label *labels;
  int numLabels, capLabels;
  Inst *insts;
  int numInsts, capInsts;
  Loop *loops;
  int numLoops, capLoops;
  bool outOfMemory;
} Body;

static void *grow(void *p, int *cap, int need, size_t elem, bool *oom) {
  if (need <= *cap)
    return p;
  int c = *cap ? *cap * 2 : 64;
  while (c < need)
    c *= 2;
  void *g = realloc(p, (size_t)c * elem);
  if (!g) {
    *oom = true;
    return p;
  }
  *cap = c;
  return g;
}

static const Label *findLabel(const Body *b, const char *name, size_t n) {
  for (int i = 0; i < b->numLabels; ++i)
    if (b->labels[i].length == n && !memcmp(b->labels[i].label, name, n))
      return &b->labels[i];
  return NULL;
}

static bool isLabelLine(const Line *line, size_t *n) {
  const char *p = line->begin;
  if (p >= line->end || *p == ' ' || *p == '\t' || *p == ';')
    return false;
  const char *colon = memchr(p, ':', (size_t)(line->end - p));
  if (!colon)
    return false;
  for (const char *q = p; q < colon; ++q)
    if (*q == ' ' || *q == '\t')
      return false;
  *n = (size_t)(colon - p);
  return true;
}

/* An instruction line: `\tmnemonic operands`. Returns the mnemonic's end. */
static const char *mnemonic(const Line *line, const char **start) {
  const char *p = skipSpace(line->begin, line->end);
  if (p == line->begin || p >= line->end || *p == '.' || *p == ';')
    return NULL;
  *start = p;
  while (p < line->end && *p != ' ' && *p != '\t')
    ++p;
  return p;
}

static void bodyInstruction(Body *b, const Line *line, const char *m, const char *mEnd) {
  b->insts = grow(b->insts, &b->capInsts, b->numInsts + 1, sizeof(Inst), &b->outOfMemory);
  if (b->outOfMemory)
    return;
  int index = b->numInsts++;
  b->insts[index] =
      (Inst){line->begin, line->end, startsWith(m, mEnd, "v_mfma"), false, false, NULL, 0};
  if (!startsWith(m, mEnd, "s_branch") && !startsWith(m, mEnd, "s_cbranch_"))
    return;
  const char *target = skipSpace(mEnd, line->end), *tEnd = target;
  while (tEnd < line->end && *tEnd != ' ' && *tEnd != '\t' && *tEnd != ';')
    ++tEnd;
  b->insts[index].branch = true;
  b->insts[index].conditional = startsWith(m, mEnd, "s_cbranch_");
  b->insts[index].target = target;
  b->insts[index].targetLength = (size_t)(tEnd - target);
  const Label *at = findLabel(b, target, (size_t)(tEnd - target));
  if (!at) /* forward branch */
    return;
  b->loops = grow(b->loops, &b->capLoops, b->numLoops + 1, sizeof(Loop), &b->outOfMemory);
  if (b->outOfMemory)
    return;
  b->loops[b->numLoops++] = (Loop){at->index, index, at->label, line->end};
}

/* Whether control entering loop l at its label can reach its backward
 * branch without leaving [first, last]: a depth-first walk of fall-throughs
 * and in-range forward branches. LLVM's block order for structured control
 * flow puts backward branches inside a loop that are no loop, e.g. a block
 * `.LBB9_39: s_cbranch_execnz .LBB9_42; s_branch .LBB9_47` and later
 * `.LBB9_40: s_cbranch_execz .LBB9_39` (both of 39's exits leave the range):
 * those are not loops. */
static bool reachesBackEdge(const Body *b, const Loop *l) {
  int n = l->last - l->first + 1;
  char *seen = calloc((size_t)n, 1);
  int *stack = malloc(sizeof(int) * (size_t)n);
  if (!seen || !stack) { /* without memory: take it for a loop, as before */
    free(seen);
    free(stack);
    return true;
  }
  bool reached = false;
  int top = 0;
  stack[top++] = l->first;
  seen[0] = 1;
  while (top > 0 && !reached) {
    for (int i = stack[--top]; i <= l->last; ++i) {
      if (i == l->last) {
        reached = true;
        break;
      }
      const Inst *in = &b->insts[i];
      if (!in->branch)
        continue;
      const Label *t = findLabel(b, in->target, in->targetLength);
      int to = t ? t->index : -1;
      if (to > i && to <= l->last && !seen[to - l->first]) {
        seen[to - l->first] = 1;
        stack[top++] = to;
      }
      if (!in->conditional)
        break; /* no fall-through */
    }
  }
  free(seen);
  free(stack);
  return reached;
}

/* Innermost loops: backward-branch ranges containing no other one. The hot
 * loop has the most v_mfma and, of those, the fewest instructions: the
 * masked loops of a causal or ragged kernel do the same MFMAs plus masking,
 * so the unmasked loop that runs most iterations is the shortest. */
static void countLoops(const Body *b, const char *text, AttnAmdKernelInfo *k) {
  k->mfmaPerLoop = 0;
  k->loops = 0;
  k->hotLoopBegin = k->hotLoopEnd = 0;
  int hotLength = 0;
  for (int i = 0; i < b->numLoops; ++i) {
    const Loop *l = &b->loops[i];
    if (!reachesBackEdge(b, l))
      continue;
    bool inner = true;
    for (int j = 0; j < b->numLoops && inner; ++j)
      inner = j == i || !(b->loops[j].first >= l->first && b->loops[j].last <= l->last &&
                          reachesBackEdge(b, &b->loops[j]));
    if (!inner)
      continue;
    int count = 0;
    for (int x = l->first; x <= l->last; ++x)
      count += b->insts[x].mfma;
    ++k->loops;
    int length = l->last - l->first + 1;
    if (count > k->mfmaPerLoop || (count == k->mfmaPerLoop && length < hotLength) ||
        k->loops == 1) {
      k->mfmaPerLoop = count;
      k->hotLoopBegin = l->begin - text;
      k->hotLoopEnd = l->end - text;
      hotLength = length;
    }
  }
}

/* Scans the body of kernel `k`: from its `NAME:` label to `.Lfunc_end`. */
static bool scanBody(const char *text, const char *limit, AttnAmdKernelInfo *k) {
  Body b = {0};
  const char *cursor = text;
  Line line;
  bool inside = false;
  size_t nameLen = strlen(k->name);
  while (nextLine(&cursor, limit, &line)) {
    size_t n;
    if (!inside) {
      inside = isLabelLine(&line, &n) && n == nameLen && !memcmp(line.begin, k->name, n);
      continue;
    }
    if (startsWith(line.begin, line.end, ".Lfunc_end"))
      break;
    const char *m, *mEnd;
    if (isLabelLine(&line, &n)) {
      b.labels = grow(b.labels, &b.capLabels, b.numLabels + 1, sizeof(Label), &b.outOfMemory);
      if (!b.outOfMemory)
        b.labels[b.numLabels++] = (Label){line.begin, n, b.numInsts};
    } else if ((mEnd = mnemonic(&line, &m))) {
      bodyInstruction(&b, &line, m, mEnd);
    }
    if (b.outOfMemory)
      break;
  }
  k->mfma = 0;
  for (int i = 0; i < b.numInsts; ++i)
    k->mfma += b.insts[i].mfma;
  countLoops(&b, text, k);
  bool ok = !b.outOfMemory;
  free(b.labels);
  free(b.insts);
  free(b.loops);
  return ok;
}

int attnAmdReadAsm(const char *text, size_t length, AttnAmdKernelInfo **kernels, char *err,
                   size_t errLen) {
  *kernels = NULL;
  KernelList list = {NULL, 0, 0};
  const char *limit = text + length;
  if (!readMetadata(text, limit, &list)) {
    free(list.items);
    fail(err, errLen, "the assembly has no .amdgpu_metadata block");
    return -1;
  }
  readResourceSymbols(text, limit, &list);
  for (int i = 0; i < list.count; ++i) {
    AttnAmdKernelInfo *k = &list.items[i];
    if (!scanBody(text, limit, k)) {
      free(list.items);
      fail(err, errLen, "out of memory");
      return -1;
    }
    /* Without a plain `.set` count: the unified count less the AGPRs. */
    if (k->vgprs < 0 && k->vgprTotal >= 0)
      k->vgprs = k->vgprTotal - (k->agprs > 0 ? k->agprs : 0);
  }
  *kernels = list.items;
  return list.count;
}

/*===--- Static throughput estimate (llvm-mca) -------------------------------===*/

bool attnFindMca(char *path, size_t size, char *err, size_t errLen) {
  const char *env = getenv("ATTN_LLVM_MCA");
  if (env && *env) {
    if (isExecutable(env) && copyString(path, size, env))
      return true;
    return fail(err, errLen, "ATTN_LLVM_MCA='%s' is not an executable file", env);
  }
  const char *bundled = ATTN_LLVM_BINDIR "/llvm-mca";
  if (isExecutable(bundled) && copyString(path, size, bundled))
    return true;
  if (searchPath("llvm-mca-22", path, size))
    return true;
  return fail(err, errLen,
              "no llvm-mca (tried $ATTN_LLVM_MCA, %s and llvm-mca-22 on PATH; install llvm-22)",
              bundled);
}

/* A number after `key` on a line of llvm-mca's summary ("Total Cycles: 92728"). */
static bool mcaSummary(const char *out, const char *key, double *value) {
  const char *p = strstr(out, key);
  if (!p)
    return false;
  char *end;
  *value = strtod(p + strlen(key), &end);
  return end != p + strlen(key);
}

/* The index of resource `name` in llvm-mca's "Resources:" list
 * ("[6]   - HWXDL"), or -1. */
static int mcaResourceIndex(const char *out, const char *name) {
  const char *p = strstr(out, "\nResources:\n");
  const char *limit = p ? strstr(p, "\n\n") : NULL;
  size_t n = strlen(name);
  for (Line line; p && limit && nextLine(&p, limit, &line);) {
    const char *dash = memchr(line.begin, '-', (size_t)(line.end - line.begin));
    const char *r = dash ? skipSpace(dash + 1, line.end) : NULL;
    if (r && line.begin[0] == '[' && (size_t)(line.end - r) == n && !memcmp(r, name, n))
      return (int)strtol(line.begin + 1, NULL, 10);
  }
  return -1;
}

/* Column `index` of "Resource pressure per iteration:" (a header line of
 * indices, then one of values, "-" for none). */
static bool mcaPressure(const char *out, int index, double *value) {
  const char *p = strstr(out, "Resource pressure per iteration:\n");
  Line header, values;
  if (!p || index < 0)
    return false;
  const char *limit = out + strlen(out);
  p += strlen("Resource pressure per iteration:\n");
  if (!nextLine(&p, limit, &header) || !nextLine(&p, limit, &values))
    return false;
  const char *v = values.begin;
  for (int i = 0; i <= index; ++i) {
    v = skipSpace(v, values.end);
    if (v >= values.end)
      return false;
    const char *tokenEnd = v;
    while (tokenEnd < values.end && *tokenEnd != ' ' && *tokenEnd != '\t')
      ++tokenEnd;
    if (i == index) {
      *value = *v == '-' ? 0 : strtod(v, NULL);
      return true;
    }
    v = tokenEnd;
  }
  return false;
}

/* Cycles per iteration and MFMA-unit pressure from llvm-mca's report. */
static bool parseMca(const char *out, AttnAmdKernelInfo *k) {
  double iterations, cycles, xdl;
  if (!mcaSummary(out, "Iterations:", &iterations) || iterations <= 0 ||
      !mcaSummary(out, "Total Cycles:", &cycles) ||
      !mcaPressure(out, mcaResourceIndex(out, "HWXDL"), &xdl))
    return false;
  k->loopCycles = cycles / iterations;
  k->loopMfmaCycles = xdl;
  return true;
}

enum { kMcaIterations = 100 };

/* Seconds llvm-mca may take on one loop: $ATTN_LLVM_MCA_TIMEOUT, else 10
 * (it takes about 0.1 s; some loops make LLVM 22's loop forever). */
static double mcaTimeout(void) {
  const char *env = getenv("ATTN_LLVM_MCA_TIMEOUT");
  char *end;
  double t = env && *env ? strtod(env, &end) : 0;
  return env && *env && !*end && t > 0 ? t : 10;
}

/* Runs llvm-mca on the loop text; its report (stdout and stderr) into *out. */
static bool runMca(const char *mca, const char *loop, size_t size, const char *chip, AttnBlob *out,
                   char *err, size_t errLen) {
  char in[256], log[256], cpu[64], iterations[32];
  int inFd = tempFile(in, sizeof(in), "mca-in");
  int logFd = tempFile(log, sizeof(log), "mca-out");
  bool ok = inFd >= 0 && logFd >= 0 && writeAll(inFd, (const uint8_t *)loop, size);
  if (!ok)
    fail(err, errLen, "cannot write temporary files: %s", strerror(errno));
  snprintf(cpu, sizeof(cpu), "-mcpu=%s", chip);
  snprintf(iterations, sizeof(iterations), "-iterations=%d", kMcaIterations);
  char *argv[] = {
      (char *)mca,     "-mtriple=amdgcn-amd-amdhsa", cpu, iterations, "-all-views=false",
      "-summary-view", "-resource-pressure",         in,  NULL};
  double timeout = mcaTimeout();
  int rc = ok ? runChildFor(argv, logFd, timeout) : -1;
  if (ok && rc == kTimedOut)
    ok = fail(err, errLen, "llvm-mca did not finish in %g s (ATTN_LLVM_MCA_TIMEOUT)", timeout);
  else if (ok && !readFile(log, out))
    ok = fail(err, errLen, "cannot read llvm-mca's output");
  else if (ok && rc != 0)
    ok = fail(err, errLen, "llvm-mca failed (exit %d): %.*s", rc,
              (int)strcspn((const char *)out->data, "\n"), (const char *)out->data);
  if (inFd >= 0) {
    close(inFd);
    unlink(in);
  }
  if (logFd >= 0) {
    close(logFd);
    unlink(log);
  }
  return ok;
}

bool attnAmdEstimate(const char *text, size_t length, const char *chip, AttnAmdKernelInfo *k,
                     char *err, size_t errLen) {
  char why[256] = "", mca[1024];
  k->loopCycles = k->loopMfmaCycles = -1;
  AttnBlob out = {NULL, 0};
  bool ok;
  if (k->hotLoopEnd <= k->hotLoopBegin || (size_t)k->hotLoopEnd > length)
    ok = fail(why, sizeof(why), "no loop");
  else
    ok = attnFindMca(mca, sizeof(mca), why, sizeof(why)) &&
         runMca(mca, text + k->hotLoopBegin, (size_t)(k->hotLoopEnd - k->hotLoopBegin), chip, &out,
                why, sizeof(why));
  if (ok && !parseMca((const char *)out.data, k))
    ok = fail(why, sizeof(why), "llvm-mca's report has no cycles or HWXDL pressure");
  attnBlobFree(&out);
  snprintf(k->estimateNote, sizeof(k->estimateNote), "%s", ok ? "" : why);
  return ok || fail(err, errLen, "%s", why);
}

/*===--- Occupancy -----------------------------------------------------------===*/

int attnAmdLdsPerCu(const char *chip) {
  if (!strcmp(chip, "gfx942"))
    return 64 * 1024;
  if (!strcmp(chip, "gfx950"))
    return 160 * 1024;
  return 0;
}

static int alignTo(int x, int a) { return (x + a - 1) / a * a; }

enum { kVgprsPerLane = 512, kVgprGranule = 8, kMaxWavesPerSimd = 8, kSimdsPerCu = 4 };

int attnAmdOccupancy(const AttnAmdKernelInfo *k, const char *chip, int workgroupSize,
                     const char **limiter) {
  const char *why = "max";
  int ldsCu = attnAmdLdsPerCu(chip);
  int waves = kMaxWavesPerSimd;
  if (ldsCu == 0) {
    if (limiter)
      *limiter = "chip";
    return 0;
  }
  int agprs = k->agprs > 0 ? k->agprs : 0;
  int total = k->vgprs >= 0 ? alignTo(k->vgprs, 4) + agprs : k->vgprTotal;
  if (k->vgprTotal > total) /* trust the backend's count when larger */
    total = k->vgprTotal;
  int alloc = alignTo(total > 0 ? total : 1, kVgprGranule);
  if (kVgprsPerLane / alloc < waves) {
    waves = kVgprsPerLane / alloc;
    why = "vgpr";
  }
  int wg = workgroupSize > 0 ? workgroupSize : k->maxWorkgroup;
  int wave = k->wavefrontSize > 0 ? k->wavefrontSize : 64;
  int wavesPerWg = wg > 0 ? (wg + wave - 1) / wave : 1;
  if (k->ldsBytes > 0) {
    /* Waves on the busiest SIMD: a CU with fewer resident waves than
     * SIMDs (one-wave decode workgroups) still runs one wave per SIMD. */
    int resident = ldsCu / k->ldsBytes * wavesPerWg;
    int byLds = (resident + kSimdsPerCu - 1) / kSimdsPerCu;
    if (byLds < waves) {
      waves = byLds;
      why = k->ldsBytes > ldsCu ? "lds>cu" : "lds";
    }
  }
  if (limiter)
    *limiter = why;
  return waves;
}
