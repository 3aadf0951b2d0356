/*===- cpu-launch-test.c - attn-cpu-launch end to end through the JIT ------===*
 *
 * Runs attn-cpu-launch on Inputs/cpu-launch.mlir (LLVM dialect kernels and
 * their __attn_launch_ declarations), JITs the result with the launcher of a
 * thread pool bound to ATTN_CPU_LAUNCHER_SYMBOL (a data symbol), and checks
 * that every program of every grid runs exactly once, that launch arguments of
 * every kind (pointers, i1 to i64, f16, bf16, f32, f64) arrive intact, that a
 * launch without arguments works, and that a launch the launcher refuses (a
 * negative grid) traps. Both relocation models of the JIT, 1 and 4 threads.
 *
 *===----------------------------------------------------------------------===*/
#define _POSIX_C_SOURCE 200809L /* fork, waitpid, setrlimit */

#include "attnc/attnc.h"
#include "attnrt/CpuLaunch.h"

#include "mlir-c/ExecutionEngine.h"
#include "mlir-c/IR.h"
#include "mlir-c/Pass.h"

#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

/* run(hits, off, size, echo, gx, gy, gz) of Inputs/cpu-launch.mlir. */
typedef void (*RunFn)(int32_t *hits, int64_t off, int64_t size, int64_t *echo, int64_t gx,
                      int64_t gy, int64_t gz);

static AttnCpuLauncher launcher; /* what the compiled code reads on each launch */
static _Atomic int64_t tickCount;

static int failures = 0;

#define CHECK(cond, ...)                                                                           \
  do {                                                                                             \
    if (!(cond)) {                                                                                 \
      ++failures;                                                                                  \
      printf("FAIL: %s: ", #cond);                                                                 \
      printf(__VA_ARGS__);                                                                         \
      printf("\n");                                                                                \
    }                                                                                              \
  } while (0)

static char *readFile(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f)
    return NULL;
  char *text = NULL;
  long n = fseek(f, 0, SEEK_END) == 0 ? ftell(f) : -1;
  if (n >= 0 && fseek(f, 0, SEEK_SET) == 0 && (text = malloc((size_t)n + 1)) != NULL) {
    text[fread(text, 1, (size_t)n, f)] = '\0';
  }
  fclose(f);
  return text;
}

/* The module after attn-cpu-launch (and attn-cpu-soft-bf16, as in the
 * pipelines: LLVM rounds the bf16 argument it moves with __truncsfbf2 on
 * hosts without bf16 instructions), JIT-compiled with the symbols bound. */
static MlirExecutionEngine compile(MlirContext ctx, const char *text, bool pic) {
  MlirModule module = mlirModuleCreateParse(ctx, mlirStringRefCreateFromCString(text));
  if (mlirModuleIsNull(module))
    return (MlirExecutionEngine){NULL};
  MlirPassManager pm = mlirPassManagerCreate(ctx);
  MlirLogicalResult ok = mlirOpPassManagerAddPipeline(
      mlirPassManagerGetAsOpPassManager(pm),
      mlirStringRefCreateFromCString("attn-cpu-launch,attn-cpu-soft-bf16"), NULL, NULL);
  if (mlirLogicalResultIsSuccess(ok))
    ok = mlirPassManagerRunOnOp(pm, mlirModuleGetOperation(module));
  mlirPassManagerDestroy(pm);
  MlirExecutionEngine jit = {NULL};
  if (mlirLogicalResultIsSuccess(ok))
    jit = mlirExecutionEngineCreate(module, 2, 0, NULL, false, pic);
  mlirModuleDestroy(module);
  if (mlirExecutionEngineIsNull(jit))
    return jit;
  mlirExecutionEngineRegisterSymbol(jit, mlirStringRefCreateFromCString(ATTN_CPU_LAUNCHER_SYMBOL),
                                    &launcher);
  mlirExecutionEngineRegisterSymbol(jit, mlirStringRefCreateFromCString("tick_count"),
                                    (void *)&tickCount);
  return jit;
}

/* The scalars @run passes, as @count echoes them. */
static void checkEcho(const int64_t *echo, const int32_t *hits) {
  int8_t a1, a8;
  int16_t a16;
  int32_t a32;
  int64_t a64;
  uint16_t h, bh;
  float f, wantF = -0.1f;
  double d, wantD = 1.0 / 3.0;
  void *alloc;
  memcpy(&a1, &echo[0], 1);
  memcpy(&a8, &echo[1], 1);
  memcpy(&a16, &echo[2], 2);
  memcpy(&a32, &echo[3], 4);
  memcpy(&a64, &echo[4], 8);
  memcpy(&h, &echo[5], 2);
  memcpy(&bh, &echo[6], 2);
  memcpy(&f, &echo[7], 4);
  memcpy(&d, &echo[8], 8);
  memcpy(&alloc, &echo[9], sizeof(alloc));
  CHECK(a1 == 1, "i1 arrived as %d", a1);
  CHECK(a8 == -3, "i8 arrived as %d", a8);
  CHECK(a16 == -12345, "i16 arrived as %d", a16);
  CHECK(a32 == -123456789, "i32 arrived as %d", a32);
  CHECK(a64 == INT64_MIN + 7, "i64 arrived as %lld", (long long)a64);
  CHECK(h == 0xC140, "f16 -2.625 arrived as 0x%04x", h);
  CHECK(bh == 0x3FC0, "bf16 1.5 arrived as 0x%04x", bh);
  CHECK(memcmp(&f, &wantF, 4) == 0, "f32 arrived as %a", (double)f);
  CHECK(memcmp(&d, &wantD, 8) == 0, "f64 arrived as %a", d);
  CHECK(alloc == (const void *)hits, "pointer arrived as %p, want %p", alloc, (const void *)hits);
}

/* One call of @run over gx x gy x gz: every program once, intact arguments. */
static void checkGrid(RunFn run, int64_t gx, int64_t gy, int64_t gz) {
  enum { PAD = 3 };
  size_t n = (size_t)(gx * gy * gz);
  int32_t *hits = calloc(n + 2 * PAD, sizeof(int32_t));
  int64_t echo[11];
  memset(echo, 0, sizeof(echo));
  atomic_store(&tickCount, 0);
  if (!hits) {
    CHECK(hits, "out of memory");
    return;
  }
  run(hits, PAD, (int64_t)n + 2 * PAD, echo, gx, gy, gz);
  int bad = 0;
  for (size_t i = 0; i < n + 2 * PAD; ++i)
    bad += hits[i] != (i >= PAD && i < n + PAD ? 1 : 0);
  CHECK(bad == 0,
        "%d of %zu programs of %lldx%lldx%lld did not run exactly once (or wrote out of "
        "bounds), threads=%d",
        bad, n, (long long)gx, (long long)gy, (long long)gz,
        attnThreadPoolNumThreads(launcher.ctx));
  if (n > 0) {
    checkEcho(echo, hits);
    CHECK(echo[10] == (int64_t)n + 2 * PAD, "i64 size arrived as %lld", (long long)echo[10]);
  }
  CHECK(atomic_load(&tickCount) == 2 * (int64_t)n, "@tick ran %lld times, want %lld",
        (long long)atomic_load(&tickCount), 2 * (long long)n);
  free(hits);
}

/* A grid the launcher refuses (gx < 0) must trap, not return with its
 * results unwritten. Checked in a child process. */
static void checkTrap(RunFn run) {
  fflush(stdout);
  pid_t child = fork();
  if (child == 0) {
    struct rlimit noCore = {0, 0};
    setrlimit(RLIMIT_CORE, &noCore);
    int32_t hits[1];
    int64_t echo[11];
    run(hits, 0, 1, echo, -1, 1, 1);
    _exit(0);
  }
  int status = 0;
  CHECK(child > 0 && waitpid(child, &status, 0) == child, "fork/wait failed");
  CHECK(WIFSIGNALED(status) && (WTERMSIG(status) == SIGILL || WTERMSIG(status) == SIGTRAP),
        "a refused launch %s %d instead of trapping",
        WIFSIGNALED(status) ? "died of signal" : "exited with",
        WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
}

int main(int argc, char **argv) {
  char *text = argc == 2 ? readFile(argv[1]) : NULL;
  if (!text) {
    printf("usage: cpu-launch-test Inputs/cpu-launch.mlir\n");
    return 2;
  }
  static const int64_t shapes[][3] = {{1, 1, 1}, {7, 3, 2}, {64, 5, 3}, {0, 4, 4}, {1, 1, 300}};
  MlirContext ctx = attnContextCreate();
  AttnThreadPool *pools[2] = {attnThreadPoolCreate(1), attnThreadPoolCreate(4)};
  for (int pic = 0; pic < 2; ++pic) {
    MlirExecutionEngine jit = compile(ctx, text, pic);
    RunFn run = NULL;
    if (!mlirExecutionEngineIsNull(jit))
      *(void **)&run = mlirExecutionEngineLookup(jit, mlirStringRefCreateFromCString("run"));
    CHECK(run && pools[0] && pools[1], "cannot compile %s (pic=%d) or create the pools", argv[1],
          pic);
    for (int p = 0; run && p < 2; ++p) {
      /* The compiled code reads the launcher on every launch: rebinding it
       * to another pool takes effect at once. */
      launcher = attnCpuLauncherForPool(pools[p]);
      for (size_t s = 0; s < sizeof(shapes) / sizeof(shapes[0]); ++s)
        checkGrid(run, shapes[s][0], shapes[s][1], shapes[s][2]);
      for (int i = 0; i < 200; ++i)
        checkGrid(run, 1 + i % 13, 1 + i % 3, 1);
    }
    if (run)
      checkTrap(run);
    if (!mlirExecutionEngineIsNull(jit))
      mlirExecutionEngineDestroy(jit);
  }
  attnThreadPoolDestroy(pools[0]);
  attnThreadPoolDestroy(pools[1]);
  mlirContextDestroy(ctx);
  free(text);
  printf("%s\n", failures ? "FAIL" : "PASS");
  return failures != 0;
}
