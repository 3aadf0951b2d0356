/*===- attn-opt.c - the attnc optimizer driver -----------------------------===*
 *
 * mlir-opt for attnc: parses MLIR (text or bytecode), runs a pass pipeline
 * given either as --pass-pipeline=... or as one flag per pass, and prints the
 * result. Every upstream dialect and pass is available next to attnc's.
 *
 *===----------------------------------------------------------------------===*/

/* POSIX (threads, processes, resource limits) on top of C11. */
#define _XOPEN_SOURCE 700

#include "Diagnostics.h"
#include "Input.h"

#include "attn-c/Dialect.h"
#include "attnc/attnc.h"
#include "mlir-c/IR.h"
#include "mlir-c/Pass.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

typedef struct {
  const char *input;
  const char *output;
  const char *pipeline;   /* --pass-pipeline */
  const char **passFlags; /* passes given as --flags, in order (argv); array owned */
  size_t numPassFlags;
  bool splitInput, verifyDiagnostics;
  bool printBefore, printAfter, printAfterChange, printAfterFailure, printModuleScope;
  bool generic, debugInfo, noThreading, timing, noVerify;
} Options;

static void usage(FILE *out) {
  fputs("usage: attn-opt [options] [input.mlir|-]\n"
        "\n"
        "Parses MLIR, runs passes, prints the result. Passes run in command-line order.\n"
        "\n"
        "  -o FILE                       write output to FILE (default: stdout)\n"
        "  --pass-pipeline=PIPELINE      textual pipeline, e.g. "
        "'builtin.module(attn-lower-reference)'\n"
        "  --attn-lower-reference        attn ops -> reference loops (f32, three-pass softmax)\n"
        "  --attn-to-cpu-reference       attn-lower-reference + host lowering to the LLVM dialect\n"
        "  --PASS[=OPTIONS]              any registered upstream pass or pipeline, e.g. "
        "--canonicalize,\n"
        "                                --convert-scf-to-cf, "
        "--one-shot-bufferize='bufferize-function-boundaries'\n"
        "  --split-input-file            process '// -----'-separated chunks independently\n"
        "  --verify-diagnostics          check diagnostics against 'expected-*' comments\n"
        "  --mlir-print-ir-before-all    print the IR before every pass (stderr)\n"
        "  --mlir-print-ir-after-all     print the IR after every pass (stderr)\n"
        "  --mlir-print-ir-after-change  only when a pass changed it\n"
        "  --mlir-print-ir-after-failure print the IR after a failing pass\n"
        "  --mlir-print-ir-module-scope  print the whole module, not only the pass's anchor\n"
        "  --mlir-print-op-generic       print the generic op form\n"
        "  --mlir-print-debuginfo        print locations\n"
        "  --mlir-disable-threading      run passes on one thread\n"
        "  --mlir-timing                 report pass timings\n"
        "  --no-verify                   do not verify the IR after each pass\n"
        "  --version, --help\n",
        out);
}

/* Records one pass given as a flag (`name` or `name=options`). */
static bool appendPassFlag(Options *o, const char *flag) {
  const char **grown = realloc(o->passFlags, (o->numPassFlags + 1) * sizeof(*grown));
  if (!grown)
    return false;
  o->passFlags = grown;
  o->passFlags[o->numPassFlags++] = flag;
  return true;
}

static const struct {
  const char *flag;
  size_t offset;
} boolFlags[] = {
    {"split-input-file", offsetof(Options, splitInput)},
    {"verify-diagnostics", offsetof(Options, verifyDiagnostics)},
    {"mlir-print-ir-before-all", offsetof(Options, printBefore)},
    {"mlir-print-ir-after-all", offsetof(Options, printAfter)},
    {"mlir-print-ir-after-change", offsetof(Options, printAfterChange)},
    {"mlir-print-ir-after-failure", offsetof(Options, printAfterFailure)},
    {"mlir-print-ir-module-scope", offsetof(Options, printModuleScope)},
    {"mlir-print-op-generic", offsetof(Options, generic)},
    {"mlir-print-debuginfo", offsetof(Options, debugInfo)},
    {"mlir-disable-threading", offsetof(Options, noThreading)},
    {"mlir-timing", offsetof(Options, timing)},
    {"no-verify", offsetof(Options, noVerify)},
};

/* Returns 0 to continue, 1 on a usage error, 2 when done (help/version). */
static int parseArgs(int argc, char **argv, Options *o) {
  for (int i = 1; i < argc; ++i) {
    const char *a = argv[i];
    if (strcmp(a, "-o") == 0) {
      if (++i == argc) {
        fputs("attn-opt: error: -o needs a file name\n", stderr);
        return 1;
      }
      o->output = argv[i];
      continue;
    }
    if (a[0] != '-' || strcmp(a, "-") == 0) {
      if (o->input) {
        fprintf(stderr, "attn-opt: error: more than one input: '%s' and '%s'\n", o->input, a);
        return 1;
      }
      o->input = a;
      continue;
    }
    const char *flag = a + (a[1] == '-' ? 2 : 1);
    if (strcmp(flag, "help") == 0 || strcmp(flag, "h") == 0) {
      usage(stdout);
      return 2;
    }
    if (strcmp(flag, "version") == 0) {
      printf("%s\n", attnVersion());
      return 2;
    }
    if (strncmp(flag, "pass-pipeline=", 14) == 0) {
      o->pipeline = flag + 14;
      continue;
    }
    bool known = false;
    for (size_t k = 0; k < sizeof(boolFlags) / sizeof(boolFlags[0]) && !known; ++k)
      if (strcmp(flag, boolFlags[k].flag) == 0) {
        *(bool *)((char *)o + boolFlags[k].offset) = true;
        known = true;
      }
    if (known)
      continue;
    if (strncmp(flag, "mlir-", 5) == 0 || flag[0] == '\0') {
      fprintf(stderr, "attn-opt: error: unknown option '%s' (see --help)\n", a);
      return 1;
    }
    /* Anything else names a pass or pipeline; the pass manager validates it. */
    if (!appendPassFlag(o, flag)) {
      fputs("attn-opt: error: out of memory\n", stderr);
      return 1;
    }
  }
  if (o->pipeline && o->numPassFlags) {
    fputs("attn-opt: error: --pass-pipeline cannot be combined with pass flags\n", stderr);
    return 1;
  }
  if (!o->input)
    o->input = "-";
  return 0;
}

static void printError(MlirStringRef message, void *userData) {
  fprintf((FILE *)userData, "%.*s", (int)message.length, message.data);
}

/* Adds a pass flag through the pass registry: `name`, `name=options` (as
 * mlir-opt) or `name{options}`, the form a pass takes inside a textual
 * pipeline, which the docs use (`--attn-to-rocdl{chip=gfx942}`). */
static MlirLogicalResult addPassFlag(MlirOpPassManager opm, const char *flag) {
  size_t length = strlen(flag);
  const char *eq = strchr(flag, '='), *brace = strchr(flag, '{');
  if (brace && (!eq || brace < eq) && length > 0 && flag[length - 1] == '}') {
    MlirStringRef name = {flag, (size_t)(brace - flag)};
    MlirStringRef options = {brace + 1, (size_t)(flag + length - 1 - (brace + 1))};
    return attnOpPassManagerAddRegistered(opm, name, options, printError, stderr);
  }
  MlirStringRef name = {flag, eq ? (size_t)(eq - flag) : length};
  MlirStringRef options = mlirStringRefCreateFromCString(eq ? eq + 1 : "");
  return attnOpPassManagerAddRegistered(opm, name, options, printError, stderr);
}

/* Builds the pass manager once (it is reused for every chunk), before the
 * input is read: a bad pipeline is reported at once, not after stdin ends.
 * Passes given as flags may anchor on nested ops (a func.func pass on the
 * top-level module): like mlir-opt, the pass manager nests them implicitly,
 * which needs it anchored on builtin.module (an op-agnostic one nests
 * nothing). --pass-pipeline replaces it, anchor and nesting included. */
static MlirPassManager buildPassManager(MlirContext ctx, const Options *o) {
  MlirPassManager pm =
      mlirPassManagerCreateOnOperation(ctx, mlirStringRefCreateFromCString("builtin.module"));
  attnPassManagerEnableImplicitNesting(pm);
  MlirOpPassManager opm = mlirPassManagerGetAsOpPassManager(pm);
  MlirLogicalResult ok = mlirLogicalResultSuccess();
  if (o->pipeline)
    ok =
        mlirParsePassPipeline(opm, mlirStringRefCreateFromCString(o->pipeline), printError, stderr);
  for (size_t i = 0; i < o->numPassFlags && mlirLogicalResultIsSuccess(ok); ++i)
    ok = addPassFlag(opm, o->passFlags[i]);
  if (mlirLogicalResultIsFailure(ok)) {
    fputs("\nattn-opt: error: invalid pass pipeline\n", stderr);
    mlirPassManagerDestroy(pm);
    return (MlirPassManager){NULL};
  }
  return pm;
}

/* Instruments the pass manager; only once the context's threading is final,
 * since MLIR refuses module-scope IR printing with threads. */
static void instrumentPassManager(MlirPassManager pm, const Options *o, MlirOpPrintingFlags flags) {
  if (o->printBefore || o->printAfter || o->printAfterChange || o->printAfterFailure)
    mlirPassManagerEnableIRPrinting(pm, o->printBefore, o->printAfter || o->printAfterChange,
                                    o->printModuleScope, o->printAfterChange, o->printAfterFailure,
                                    flags, mlirStringRefCreateFromCString(""));
  if (o->timing)
    mlirPassManagerEnableTiming(pm);
  mlirPassManagerEnableVerifier(pm, !o->noVerify);
}

static void writeOut(MlirStringRef part, void *userData) {
  fwrite(part.data, 1, part.length, (FILE *)userData);
}

/* mlirModuleCreateParse names its buffer "-", so the locations the parser
 * gives ops and block arguments read `loc("-":2:8)`. They are renamed to the
 * input's name (as mlir-opt prints them). Only plain file locations named "-"
 * are: the parser creates no other kind, and locations the input spells out
 * keep their own names. */
static MlirLocation renamedLocation(MlirLocation loc, MlirStringRef fileName) {
  if (!mlirLocationIsAFileLineColRange(loc))
    return loc;
  MlirStringRef name = mlirIdentifierStr(mlirLocationFileLineColRangeGetFilename(loc));
  if (name.length != 1 || name.data[0] != '-')
    return loc;
  MlirContext ctx = mlirLocationGetContext(loc);
  int line = mlirLocationFileLineColRangeGetStartLine(loc);
  int col = mlirLocationFileLineColRangeGetStartColumn(loc);
  int endLine = mlirLocationFileLineColRangeGetEndLine(loc);
  int endCol = mlirLocationFileLineColRangeGetEndColumn(loc);
  if (endLine == line && endCol == col)
    return mlirLocationFileLineColGet(ctx, fileName, (unsigned)line, (unsigned)col);
  return mlirLocationFileLineColRangeGet(ctx, fileName, (unsigned)line, (unsigned)col,
                                         (unsigned)endLine, (unsigned)endCol);
}

static MlirWalkResult renameLocations(MlirOperation op, void *userData) {
  MlirStringRef fileName = *(MlirStringRef *)userData;
  mlirOperationSetLocation(op, renamedLocation(mlirOperationGetLocation(op), fileName));
  for (intptr_t r = 0; r < mlirOperationGetNumRegions(op); ++r) {
    MlirRegion region = mlirOperationGetRegion(op, r);
    for (MlirBlock b = mlirRegionGetFirstBlock(region); !mlirBlockIsNull(b);
         b = mlirBlockGetNextInRegion(b))
      for (intptr_t i = 0; i < mlirBlockGetNumArguments(b); ++i) {
        MlirValue arg = mlirBlockGetArgument(b, i);
        mlirBlockArgumentSetLocation(arg, renamedLocation(mlirValueGetLocation(arg), fileName));
      }
  }
  return MlirWalkResultAdvance;
}

/* Parses and transforms one chunk. Returns true on success. */
static bool processChunk(MlirContext ctx, MlirPassManager pm, const AttnChunk *chunk,
                         const char *fileName, MlirOpPrintingFlags flags, FILE *out) {
  /* Input MLIR would crash on is refused with a located error, reported
   * like any diagnostic so that --verify-diagnostics can expect it. */
  unsigned line, column;
  const char *refused =
      attnCheckSource(chunk->text, chunk->length, chunk->firstLine, &line, &column);
  if (refused) {
    mlirEmitError(
        mlirLocationFileLineColGet(ctx, mlirStringRefCreateFromCString(fileName), line, column),
        refused);
    return false;
  }
  size_t length;
  char *text = attnPadChunk(chunk, &length);
  if (!text) {
    fputs("attn-opt: error: out of memory\n", stderr);
    return false;
  }
  /* Like mlir-opt, top-level ops other than one builtin.module are wrapped
   * into an implicit module. */
  MlirModule module = mlirModuleCreateParse(ctx, (MlirStringRef){text, length});
  free(text);
  if (mlirModuleIsNull(module))
    return false;
  MlirOperation op = mlirModuleGetOperation(module);
  MlirStringRef name = mlirStringRefCreateFromCString(fileName);
  mlirOperationWalk(op, renameLocations, &name, MlirWalkPreOrder);
  bool ok = true;
  if (!mlirPassManagerIsNull(pm)) {
    ok = mlirLogicalResultIsSuccess(mlirPassManagerRunOnOp(pm, op));
  }
  if (ok) {
    mlirOperationPrintWithFlags(op, flags, writeOut, out);
    fputc('\n', out);
  }
  mlirModuleDestroy(module);
  return ok;
}

/*===--- Bytecode, read in a child process ---------------------------------===*/

/* MLIR 22's bytecode reader trusts its input: on malformed bytecode it writes
 * past heap buffers (one flipped bit in the attribute/type offset section is
 * enough), aborts in SmallVector::grow, dereferences wild pointers or spins
 * (found by test/fuzz/fuzz-attn-opt.py; stock mlir-opt does the same). So a
 * child process reads the bytecode and prints it as generic text with its
 * locations, and attn-opt goes on with that text. The child cannot take the
 * tool down: its crash becomes a located error, and a CPU-time limit stops a
 * reader that spins. */

static char *readAll(int fd, size_t *length) {
  size_t cap = 4096, len = 0;
  char *data = malloc(cap);
  while (data) {
    if (len + 1 == cap) {
      char *grown = realloc(data, cap *= 2);
      if (!grown)
        break;
      data = grown;
    }
    ssize_t n = read(fd, data + len, cap - 1 - len);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      data[len] = '\0';
      *length = len;
      return data;
    }
    len += (size_t)n;
  }
  free(data);
  return NULL;
}

/* The child: never returns. Exit 0 with the text in `text`, 1 after
 * diagnostics (on stderr, which the parent collects). */
static void bytecodeChild(const char *data, size_t length, const char *fileName, FILE *text,
                          int errFd) {
  /* No core dumps, crash signals at their default action (the parent
   * reports them; a sanitizer's handler would report them again), bounded
   * CPU time: a generous 5 s plus 1 s per MiB. */
  struct rlimit noCore = {0, 0};
  setrlimit(RLIMIT_CORE, &noCore);
  rlim_t seconds = 5 + (rlim_t)(length >> 20);
  struct rlimit cpu = {seconds, seconds + 1};
  setrlimit(RLIMIT_CPU, &cpu);
  static const int crashSignals[] = {SIGSEGV, SIGBUS, SIGABRT, SIGFPE, SIGILL};
  for (size_t i = 0; i < sizeof(crashSignals) / sizeof(crashSignals[0]); ++i)
    signal(crashSignals[i], SIG_DFL);
  if (dup2(errFd, STDERR_FILENO) < 0)
    _exit(1);
  close(errFd);

  MlirContext ctx = attnContextCreate();
  mlirContextEnableMultithreading(ctx, false);
  AttnDiagEngine diags = {stderr, fileName, false, NULL, 0, 0, 0};
  attnDiagAttach(ctx, &diags);
  MlirModule module = mlirModuleCreateParse(ctx, (MlirStringRef){data, length});
  if (mlirModuleIsNull(module))
    _exit(1);
  MlirOpPrintingFlags flags = mlirOpPrintingFlagsCreate();
  mlirOpPrintingFlagsPrintGenericOpForm(flags);
  mlirOpPrintingFlagsEnableDebugInfo(flags, true, false);
  mlirOperationPrintWithFlags(mlirModuleGetOperation(module), flags, writeOut, text);
  _exit(fflush(text) == 0 && !ferror(text) ? 0 : 1);
}

/* Returns the bytecode in `data` as text (caller frees), or NULL after
 * reporting why not. */
static char *bytecodeToText(const char *data, size_t length, const char *fileName,
                            size_t *textLength) {
  FILE *text = tmpfile();
  int errPipe[2] = {-1, -1};
  pid_t pid = -1;
  if (text && pipe(errPipe) == 0) {
    fflush(NULL); /* or the child's copies of unwritten output could be written twice */
    pid = fork();
  }
  if (pid == 0) {
    close(errPipe[0]);
    bytecodeChild(data, length, fileName, text, errPipe[1]);
  }
  if (pid < 0) {
    fprintf(stderr, "%s:0:0: error: cannot read MLIR bytecode: %s\n", fileName, strerror(errno));
    if (text)
      fclose(text);
    for (int i = 0; i < 2; ++i)
      if (errPipe[i] >= 0)
        close(errPipe[i]);
    return NULL;
  }
  close(errPipe[1]);
  size_t errLength = 0;
  char *errors = readAll(errPipe[0], &errLength);
  close(errPipe[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
    ;
  char *result = NULL;
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
    long size = (fflush(text), fseek(text, 0, SEEK_END), ftell(text));
    rewind(text);
    result = size >= 0 ? malloc((size_t)size + 1) : NULL;
    if (result && fread(result, 1, (size_t)size, text) == (size_t)size) {
      result[size] = '\0';
      *textLength = (size_t)size;
    } else {
      free(result);
      result = NULL;
      fprintf(stderr, "%s:0:0: error: cannot read MLIR bytecode: out of memory\n", fileName);
    }
  } else if (WIFEXITED(status)) {
    /* The reader's own diagnostics; some malformed inputs make it fail
     * without one (issue 19), and exit code 1 must come with an error. */
    if (errors && errLength > 0)
      fwrite(errors, 1, errLength, stderr);
    else
      fprintf(stderr,
              "%s:0:0: error: malformed MLIR bytecode: MLIR's bytecode reader rejected it "
              "without a diagnostic\n",
              fileName);
  } else {
    /* Keep what the reader diagnosed before it crashed (lines that start
     * with the file name), not the crash messages of LLVM or libc. */
    size_t nameLength = strlen(fileName);
    for (char *line = errors; line && *line;) {
      char *end = strchr(line, '\n');
      size_t n = end ? (size_t)(end - line) + 1 : strlen(line);
      if (strncmp(line, fileName, nameLength) == 0 && line[nameLength] == ':')
        fwrite(line, 1, n, stderr);
      line += n;
    }
    int sig = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
    if (sig == SIGXCPU || sig == SIGKILL)
      fprintf(stderr,
              "%s:0:0: error: malformed MLIR bytecode: MLIR's bytecode reader did not finish "
              "within its CPU time limit\n",
              fileName);
    else
      fprintf(stderr,
              "%s:0:0: error: malformed MLIR bytecode: MLIR's bytecode reader crashed "
              "on it (signal %d)\n",
              fileName, sig);
  }
  free(errors);
  fclose(text);
  return result;
}

/* Reads the input; bytecode comes back as text, read in a child process. */
static char *loadInput(const Options *o, const char *fileName, size_t *length) {
  char *input = attnReadInput("attn-opt", o->input, length, stderr);
  if (!input || !attnIsBytecode(input, *length))
    return input;
  char *text = bytecodeToText(input, *length, fileName, length);
  free(input);
  return text;
}

/* Whether `path` is a new name or a regular file, which a temporary file can
 * replace by rename. Anything else (/dev/null, a FIFO, a symlink) is written
 * in place: renaming over it would swap the device or link for a regular file
 * (as root, `-o /dev/null` once turned /dev/null into a file). */
static bool isReplaceable(const char *path) {
  struct stat st;
  return lstat(path, &st) != 0 ? errno == ENOENT : S_ISREG(st.st_mode);
}

/* stdout; for -o FILE on a regular file, a temporary file beside FILE that
 * replaces it only on success: a failure leaves neither a partial FILE nor
 * the temporary; for other FILEs (devices, FIFOs, symlinks), FILE itself. */
typedef struct {
  FILE *stream;
  char *tempPath; /* NULL for stdout */
} Output;

static bool openOutput(const char *path, Output *out) {
  static const char suffix[] = ".tmp-XXXXXX";
  *out = (Output){stdout, NULL};
  if (!path || strcmp(path, "-") == 0)
    return true;
  if (!isReplaceable(path)) {
    if ((out->stream = fopen(path, "w")))
      return true;
    fprintf(stderr, "attn-opt: error: cannot open '%s' for writing: %s\n", path, strerror(errno));
    return false;
  }
  size_t n = strlen(path);
  int fd = -1;
  errno = ENOMEM;
  if ((out->tempPath = malloc(n + sizeof(suffix)))) {
    memcpy(out->tempPath, path, n);
    memcpy(out->tempPath + n, suffix, sizeof(suffix));
    fd = mkstemp(out->tempPath);
  }
  if (fd >= 0) {
    /* mkstemp creates the file 0600; give it the mode fopen would. */
    mode_t mask = umask(0);
    umask(mask);
    fchmod(fd, 0666 & ~mask);
    if (!(out->stream = fdopen(fd, "w"))) {
      int reason = errno;
      close(fd);
      unlink(out->tempPath);
      errno = reason;
    }
  }
  if (fd < 0 || !out->stream) {
    fprintf(stderr, "attn-opt: error: cannot open '%s' for writing: %s\n", path, strerror(errno));
    free(out->tempPath);
    return false;
  }
  return true;
}

/* Moves the output into place when `ok`, else discards it. Returns whether
 * the output was written. */
static bool closeOutput(Output *out, const char *path, bool ok) {
  if (out->stream == stdout)
    return ok;
  if (!out->tempPath) { /* written in place */
    bool written = !ferror(out->stream);
    written = fclose(out->stream) == 0 && written;
    if (ok && !written)
      fprintf(stderr, "attn-opt: error: cannot write '%s': %s\n", path, strerror(errno));
    return ok && written;
  }
  bool written = !ferror(out->stream);
  written = fclose(out->stream) == 0 && written;
  if (ok && written && rename(out->tempPath, path) != 0)
    written = false;
  if (ok && !written)
    fprintf(stderr, "attn-opt: error: cannot write '%s': %s\n", path, strerror(errno));
  if (!ok || !written)
    unlink(out->tempPath);
  free(out->tempPath);
  return ok && written;
}

/* Processes every chunk of the input; returns the exit status. */
static int processChunks(MlirContext ctx, MlirPassManager pm, const Options *o,
                         AttnDiagEngine *diags, const char *input, size_t length,
                         const char *fileName, MlirOpPrintingFlags flags, FILE *out) {
  int status = 0;
  AttnChunk *chunks = NULL;
  size_t numChunks = attnSplitInput(input, length, o->splitInput, &chunks);
  for (size_t i = 0; i < numChunks; ++i) {
    if (i > 0)
      fputs("// -----\n", out);
    bool ok = processChunk(ctx, pm, &chunks[i], fileName, flags, out);
    if (o->verifyDiagnostics) {
      if (attnDiagVerify(diags, fileName, chunks[i].text, chunks[i].length, chunks[i].firstLine,
                         stderr))
        status = 1;
      attnDiagClear(diags);
    } else if (!ok) {
      status = 1;
    }
  }
  free(chunks);
  return numChunks ? status : 1;
}

/* Builds the pipeline, then reads the input and runs it; returns the exit
 * status. */
static int runPipeline(MlirContext ctx, const Options *o, AttnDiagEngine *diags,
                       const char *fileName, MlirOpPrintingFlags flags) {
  MlirPassManager pm = {NULL};
  if ((o->pipeline || o->numPassFlags) && mlirPassManagerIsNull(pm = buildPassManager(ctx, o)))
    return 1;
  size_t length = 0;
  char *input = loadInput(o, fileName, &length);
  Output out;
  int status = 1;
  if (input && openOutput(o->output, &out)) {
    if (!o->noThreading)
      mlirContextEnableMultithreading(ctx, true);
    if (!mlirPassManagerIsNull(pm))
      instrumentPassManager(pm, o, flags);
    status = processChunks(ctx, pm, o, diags, input, length, fileName, flags, out.stream);
    if (!closeOutput(&out, o->output, status == 0))
      status = 1;
  }
  free(input);
  if (!mlirPassManagerIsNull(pm))
    mlirPassManagerDestroy(pm);
  return status;
}

static int run(const Options *o) {
  const char *fileName = strcmp(o->input, "-") == 0 ? "<stdin>" : o->input;
  MlirContext ctx = attnContextCreate();
  /* No MLIR threads until bytecode input has been read in a forked child,
   * which would lose them (runPipeline turns threading back on). */
  mlirContextEnableMultithreading(ctx, false);
  AttnDiagEngine diags = {stderr, fileName, o->verifyDiagnostics, NULL, 0, 0, 0};
  MlirDiagnosticHandlerID handler = attnDiagAttach(ctx, &diags);
  MlirOpPrintingFlags flags = mlirOpPrintingFlagsCreate();
  if (o->generic)
    mlirOpPrintingFlagsPrintGenericOpForm(flags);
  if (o->debugInfo)
    mlirOpPrintingFlagsEnableDebugInfo(flags, true, false);
  int status = runPipeline(ctx, o, &diags, fileName, flags);
  mlirOpPrintingFlagsDestroy(flags);
  mlirContextDetachDiagnosticHandler(ctx, handler);
  attnDiagClear(&diags);
  mlirContextDestroy(ctx);
  return status;
}

typedef struct {
  const Options *options;
  int status;
} RunArgs;

static void *runThread(void *userData) {
  RunArgs *args = userData;
  args->status = run(args->options);
  return NULL;
}

/* MLIR parses, prints and walks IR recursively, one stack frame or more per
 * nesting level. attnCheckSource bounds nesting, but chains that nest
 * without brackets still recurse once per link: an affine sum of 100000
 * terms overflows the usual 8 MiB main stack. The work runs on a thread with
 * a much larger stack instead (only committed as it is used); where that
 * thread cannot be created, on the main stack. */
static int runWithLargeStack(const Options *o) {
  enum { stackSize = 512u << 20 };
  RunArgs args = {o, 1};
  pthread_attr_t attr;
  pthread_t thread;
  bool started = false;
  if (pthread_attr_init(&attr) == 0) {
    started = pthread_attr_setstacksize(&attr, stackSize) == 0 &&
              pthread_create(&thread, &attr, runThread, &args) == 0;
    pthread_attr_destroy(&attr);
  }
  if (!started)
    return run(o);
  pthread_join(thread, NULL);
  return args.status;
}

int main(int argc, char **argv) {
  Options o;
  memset(&o, 0, sizeof(o));
  int parsed = parseArgs(argc, argv, &o);
  int status = parsed == 0 ? runWithLargeStack(&o) : parsed == 2 ? 0 : 1;
  free(o.passFlags);
  return status;
}
