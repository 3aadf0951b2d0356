/*===- attnrt-test.c - module loading, launch checks, kernargs, CPU runs --===*
 *
 * - HIP error paths: "hip" gives NO_DRIVER (no libamdhip64, forced with
 *   ATTN_HIP_LIBRARY) or NO_DEVICE (the library but no GPU) with a message,
 *   never a crash; "auto" falls back to the CPU.
 * - CUDA through a fake libcuda (Inputs/fake-cuda.c, via ATTN_CUDA_LIBRARY):
 *   NO_DRIVER / NO_DEVICE with the driver's error names, the choice of
 *   sm_90a over sm_90 by compute capability, JIT errors with their log, and
 *   what a launch hands the driver (grid, block, kernarg buffer, stream,
 *   context); "auto" tries CUDA, then HIP, then the CPU.
 * - Code object choice: a bundle without a code object for the device gives
 *   NO_CODE_OBJECT naming the bundle's targets and the device's.
 * - Launch argument checks and the exact kernarg bytes.
 * - Launch plans (attnrtPlan*): the same results and driver arguments as attnrtLaunch.
 * - A CPU launch end to end of a real shared object built from
 *   Inputs/fake-kernel.c (no MLIR): sizes 0, 1, 1000, strided 2-D tensors,
 *   several modules of the same code alive at once, 1 and 4 threads.
 *
 * Usage: attnrt-test PATH/fake-kernel.so PATH/fake-cuda.so
 *
 *===----------------------------------------------------------------------===*/
#define _POSIX_C_SOURCE 200809L

#include "attnrt/attnrt.h"

#include "Inputs/fake-cuda.h"

#include <dlfcn.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int failures;

static void check(int ok, const char *fmt, ...) {
  if (ok)
    return;
  va_list ap;
  va_start(ap, fmt);
  printf("FAIL: ");
  vprintf(fmt, ap);
  printf("\n");
  va_end(ap);
  ++failures;
}

/*--- bundles -------------------------------------------------------------===*/

enum { NUM_TARGETS = 4 };

typedef struct {
  AttnBundle b;
  AttnBundleKernel kernels[2];
  AttnBundleTarget targets[NUM_TARGETS];
  AttnBundleEntry entries[NUM_TARGETS][2];
} Spec;

static void setArg(AttnBundleArg *a, const char *name, int rank, int output) {
  snprintf(a->name, sizeof a->name, "%s", name);
  snprintf(a->dtype, sizeof a->dtype, "f32");
  a->rank = rank;
  a->output = output;
}

static void setEntry(AttnBundleEntry *e, const char *symbol, const char *map, const char *d0,
                     const char *d1) {
  snprintf(e->symbol, sizeof e->symbol, "%s", symbol);
  snprintf(e->grid_map, sizeof e->grid_map, "%s", map);
  snprintf(e->grid_dims[0], sizeof e->grid_dims[0], "%s", d0);
  e->num_grid_dims = 1;
  if (d1) {
    snprintf(e->grid_dims[1], sizeof e->grid_dims[1], "%s", d1);
    e->num_grid_dims = 2;
  }
  e->workgroup_size = 256;
}

/* Kernels "fake" (in, out: rank 1) and "fake2d" (rank 2); target 0 is the
 * CPU (`code`), target 1 a gfx942 code object of junk bytes. Targets 2 and 3
 * (sm_90a: PTX fake-cuda.c loads; sm_90: PTX it rejects) are there for the
 * CUDA tests, which count them in. */
static void makeSpec(Spec *s, const char *cpuName, const uint8_t *code, size_t codeSize) {
  memset(s, 0, sizeof *s);
  static const uint8_t junk[64] = {0x7f, 'E', 'L', 'F'};
  /* Not NUL-terminated: attnrt terminates PTX itself. */
  static const char goodPtx[] = {'/', '/', 'g', 'o', 'o', 'd'}, badPtx[] = {'/', '/', 'n', 'o'};
  snprintf(s->kernels[0].name, sizeof s->kernels[0].name, "fake");
  setArg(&s->kernels[0].args[0], "in", 1, 0);
  setArg(&s->kernels[0].args[1], "out", 1, 1);
  s->kernels[0].num_args = 2;
  snprintf(s->kernels[1].name, sizeof s->kernels[1].name, "fake2d");
  setArg(&s->kernels[1].args[0], "in", 2, 0);
  setArg(&s->kernels[1].args[1], "out", 2, 1);
  s->kernels[1].num_args = 2;
  const char *names[NUM_TARGETS] = {cpuName, "gfx942", "sm_90a", "sm_90"};
  const char *formats[NUM_TARGETS] = {"elf-so", "hsaco", "ptx", "ptx"};
  const uint8_t *data[NUM_TARGETS] = {code, junk, (const uint8_t *)goodPtx,
                                      (const uint8_t *)badPtx};
  size_t sizes[NUM_TARGETS] = {codeSize, sizeof junk, sizeof goodPtx, sizeof badPtx};
  for (int t = 0; t < NUM_TARGETS; ++t) {
    snprintf(s->targets[t].name, sizeof s->targets[t].name, "%s", names[t]);
    snprintf(s->targets[t].format, sizeof s->targets[t].format, "%s", formats[t]);
    s->targets[t].data = data[t];
    s->targets[t].size = sizes[t];
    s->targets[t].entries = s->entries[t];
    setEntry(&s->entries[t][0], t ? "fake" : "__attn_program_fake", "(d0) -> (d0, 1, 1)", "in.0",
             NULL);
    setEntry(&s->entries[t][1], t ? "fake2d" : "__attn_program_fake2d", "(d0, d1) -> (d1, d0, 1)",
             "in.0", "in.1");
  }
  s->entries[2][0].workgroup_size = 128; /* 4 warps */
  snprintf(s->b.producer, sizeof s->b.producer, "attnrt-test");
  s->b.num_kernels = 2;
  s->b.kernels = s->kernels;
  s->b.num_targets = 2;
  s->b.targets = s->targets;
}

/* A copy whose pointers point into the copy. */
static void copySpec(Spec *dst, const Spec *src) {
  *dst = *src;
  dst->b.kernels = dst->kernels;
  dst->b.targets = dst->targets;
  for (int t = 0; t < NUM_TARGETS; ++t)
    dst->targets[t].entries = dst->entries[t];
}

/* The spec through bytes and back, as a real bundle would arrive. */
static int parseSpec(const Spec *s, AttnBundle *out) {
  uint8_t *data;
  size_t size;
  char err[512];
  AttnStatus st = attnBundleSerialize(&s->b, &data, &size, err, sizeof err);
  if (st == ATTN_OK) {
    st = attnBundleParse(data, size, out, err, sizeof err);
    free(data);
  }
  check(st == ATTN_OK, "bundle: %s", err);
  return st == ATTN_OK;
}

static uint8_t *readFile(const char *path, size_t *size) {
  FILE *f = fopen(path, "rb");
  if (!f)
    return NULL;
  size_t cap = 1 << 16, n = 0;
  uint8_t *buf = malloc(cap);
  for (size_t got; buf && (got = fread(buf + n, 1, cap - n, f)) > 0;) {
    n += got;
    if (n == cap) {
      uint8_t *nb = realloc(buf, cap *= 2);
      if (!nb)
        free(buf);
      buf = nb;
    }
  }
  fclose(f);
  *size = n;
  return buf;
}

static AttnrtTensor vec(void *data, int64_t n) {
  AttnrtTensor t = {data, 1, {n}, {1}};
  return t;
}

/*--- HIP and device choice -----------------------------------------------===*/

/* Returns whether a HIP device is present (then the no-GPU checks are
 * skipped). */
static int testHip(const AttnBundle *b) {
  char err[512];
  AttnrtModule *m = (AttnrtModule *)1;
  AttnStatus s = attnrtModuleLoad(b, "hip", &m, err, sizeof err);
  printf("device \"hip\": %s | %s\n", attnStatusString(s), err);
  if (s == ATTN_OK || s == ATTN_ERROR_NO_CODE_OBJECT || s == ATTN_ERROR_LOAD) {
    printf("note: a HIP device is present; the no-GPU checks are skipped\n");
    attnrtModuleDestroy(m);
    return 1;
  }
  check((s == ATTN_ERROR_NO_DRIVER || s == ATTN_ERROR_NO_DEVICE) && strstr(err, "HIP") && !m,
        "\"hip\" without a GPU: status %d, message '%s'", s, err);
  s = attnrtModuleLoad(b, "hip:3", &m, err, sizeof err);
  check(s == ATTN_ERROR_NO_DRIVER || s == ATTN_ERROR_NO_DEVICE, "\"hip:3\": %d %s", s, err);

  /* No library at all, whatever is installed. */
  setenv("ATTN_HIP_LIBRARY", "/nonexistent/libamdhip64.so", 1);
  s = attnrtModuleLoad(b, "hip", &m, err, sizeof err);
  printf("device \"hip\", no library: %s | %s\n", attnStatusString(s), err);
  check(s == ATTN_ERROR_NO_DRIVER && strstr(err, "libamdhip64") && !m, "no library: %d %s", s, err);
  /* A library that is not HIP: missing entry points, not a crash. */
  setenv("ATTN_HIP_LIBRARY", "libm.so.6", 1);
  s = attnrtModuleLoad(b, "hip", &m, err, sizeof err);
  check(s == ATTN_ERROR_NO_DRIVER && strstr(err, "export"), "libm as HIP: %d %s", s, err);
  unsetenv("ATTN_HIP_LIBRARY");

  s = attnrtModuleLoad(b, "auto", &m, err, sizeof err);
  check(s == ATTN_OK && m && strcmp(attnrtModuleDevice(m), "cpu") == 0,
        "\"auto\" falls back to the CPU: %d %s", s, err);
  attnrtModuleDestroy(m);
  return 0;
}

/*--- CUDA ----------------------------------------------------------------===*/

/* The real driver, if any: without a GPU, NO_DRIVER or NO_DEVICE. */
static void testCudaDriver(const AttnBundle *b) {
  char err[512];
  AttnrtModule *m = (AttnrtModule *)1;
  unsetenv("ATTN_CUDA_LIBRARY");
  AttnStatus s = attnrtModuleLoad(b, "cuda", &m, err, sizeof err);
  printf("device \"cuda\": %s | %s\n", attnStatusString(s), err);
  if (s == ATTN_OK || s == ATTN_ERROR_NO_CODE_OBJECT || s == ATTN_ERROR_LOAD) {
    printf("note: a CUDA device is present; the no-GPU check is skipped\n");
    attnrtModuleDestroy(m);
  } else {
    check((s == ATTN_ERROR_NO_DRIVER || s == ATTN_ERROR_NO_DEVICE) && strstr(err, "CUDA") && !m,
          "\"cuda\" without a GPU: status %d, message '%s'", s, err);
  }
  setenv("ATTN_CUDA_LIBRARY", "/nonexistent/libcuda.so.1", 1);
  s = attnrtModuleLoad(b, "cuda:1", &m, err, sizeof err);
  printf("device \"cuda:1\", no library: %s | %s\n", attnStatusString(s), err);
  check(s == ATTN_ERROR_NO_DRIVER && strstr(err, "libcuda") && !m, "no library: %d %s", s, err);
  setenv("ATTN_CUDA_LIBRARY", "libm.so.6", 1);
  s = attnrtModuleLoad(b, "cuda", &m, err, sizeof err);
  check(s == ATTN_ERROR_NO_DRIVER && strstr(err, "export cuInit"), "libm as CUDA: %d %s", s, err);
  /* The toolkit's stub, where there is one: every call fails with 34 and
   * cuGetErrorName too, so the name comes from attnrt's own table. */
  const char *stub = "/usr/local/cuda/lib64/stubs/libcuda.so";
  if (access(stub, R_OK) == 0) {
    setenv("ATTN_CUDA_LIBRARY", stub, 1);
    s = attnrtModuleLoad(b, "cuda", &m, err, sizeof err);
    printf("device \"cuda\", the stub: %s | %s\n", attnStatusString(s), err);
    check(s == ATTN_ERROR_NO_DEVICE && strstr(err, "CUDA_ERROR_STUB_LIBRARY (34)"),
          "the stub libcuda: %d %s", s, err);
  } else {
    printf("note: no %s here (checked with the fake instead)\n", stub);
  }
  unsetenv("ATTN_CUDA_LIBRARY");
}

/* cuInit failing: NO_DEVICE naming the error; "auto" goes on to the CPU. */
static void testCudaNoDevice(const AttnBundle *b, FakeCuda *fake, int hipPresent) {
  char err[512];
  AttnrtModule *m = (AttnrtModule *)1;
  fake->initResult = 100;
  AttnStatus s = attnrtModuleLoad(b, "cuda", &m, err, sizeof err);
  printf("device \"cuda\", fake driver without devices: %s | %s\n", attnStatusString(s), err);
  check(s == ATTN_ERROR_NO_DEVICE && strstr(err, "cuInit") &&
            strstr(err, "CUDA_ERROR_NO_DEVICE (100): no CUDA-capable device") && !m,
        "fake cuInit = 100: %d %s", s, err);
  fake->initResult = 34;
  fake->knowsNames = 0;
  s = attnrtModuleLoad(b, "cuda", &m, err, sizeof err);
  check(s == ATTN_ERROR_NO_DEVICE && strstr(err, "CUDA_ERROR_STUB_LIBRARY (34)"),
        "fake cuInit = 34 without names: %d %s", s, err);
  fake->knowsNames = 1;
  if (!hipPresent) {
    s = attnrtModuleLoad(b, "auto", &m, err, sizeof err);
    check(s == ATTN_OK && m && strcmp(attnrtModuleDevice(m), "cpu") == 0,
          "\"auto\" without CUDA devices falls back to the CPU: %d %s", s, err);
    attnrtModuleDestroy(m);
  }
  check(fake->retained == 0 && fake->launches == 0, "no context, no launch");
}

/* A launch plan on CUDA hands the driver the same grid, block, bytes and stream as
 * attnrtLaunch, with each launch's own data pointers; GPU size limits at attnrtPlanAdd. */
static void checkCudaPlan(AttnrtModule *m, FakeCuda *fake) {
  float a[1], b[1], c[1], d[1];
  AttnrtTensor t[2] = {vec(a, 1000), vec(b, 1000)};
  char err[512];
  AttnrtPlan *p = NULL;
  /* Graphs are on by default (ATTN_CUDA_GRAPHS=0 turns them off). */
  unsetenv("ATTN_CUDA_GRAPHS");
  AttnStatus s = attnrtPlanCreate(m, &p, err, sizeof err);
  check(s == ATTN_OK && p, "cuda plan create: %d %s", s, err);
  if (!p)
    return;
  s = attnrtPlanAdd(p, "fake", t, 2, err, sizeof err);
  check(s == ATTN_OK, "cuda plan add: %d %s", s, err);
  void *stream = (void *)(uintptr_t)0x6000;
  for (int round = 0; round < 4 && s == ATTN_OK; ++round) {
    AttnrtTensor now[2] = {vec(round ? c : a, 1000), vec(round ? d : b, 1000)};
    int before = fake->launches;
    s = attnrtLaunch(m, "fake", now, 2, stream, err, sizeof err);
    uint8_t want[ATTNRT_MAX_KERNARG_BYTES];
    size_t wantBytes = fake->argBytes;
    memcpy(want, fake->args, wantBytes);
    const void *data[2] = {now[0].data, now[1].data};
    fake->argBytes = 0;
    memset(fake->grid, 0, sizeof fake->grid);
    /* Round 0 makes the plan's graph (its node set from these arguments)
     * and launches it, round 1 sets the node's arguments anew, round 2 has
     * the same arguments (no set); round 3 is on a stream being captured
     * (the kernel itself, no graph launch). */
    fake->capturing = round == 3;
    int graphLaunches = fake->graphLaunches, sets = fake->nodeSetParams;
    s = attnrtPlanLaunch(p, data, 2, stream, err, sizeof err);
    check(s == ATTN_OK && fake->launches == before + 2, "cuda plan launch %d: %d %s", round, s,
          err);
    check(fake->graphLaunches == graphLaunches + (round < 3) &&
              fake->nodeSetParams == sets + (round == 1) && fake->graphs == 1,
          "cuda plan launch %d: %d graph launches, %d argument sets, %d graphs", round,
          fake->graphLaunches - graphLaunches, fake->nodeSetParams - sets, fake->graphs);
    check(fake->argBytes == wantBytes && wantBytes == 80 && memcmp(fake->args, want, 80) == 0,
          "cuda plan launch %d: kernarg bytes differ from attnrtLaunch's", round);
    check(fake->grid[0] == 1000 && fake->block[0] == 128 && fake->stream == stream &&
              fake->paramsNull && fake->ctxCurrentAtLaunch,
          "cuda plan launch %d: grid %u block %u stream %p", round, fake->grid[0], fake->block[0],
          fake->stream);
  }
  fake->capturing = 0;
  /* A graph the driver refuses to update is dropped: the kernel itself runs. */
  fake->setParamsResult = 1;
  int before = fake->launches, graphLaunches = fake->graphLaunches;
  const void *again[2] = {a, b};
  s = attnrtPlanLaunch(p, again, 2, stream, err, sizeof err);
  fake->setParamsResult = 0;
  check(s == ATTN_OK && fake->launches == before + 1 && fake->graphLaunches == graphLaunches &&
            fake->graphs == 0 && fake->argBytes == 80,
        "cuda plan whose graph fails: %d %s (%d graphs)", s, err, fake->graphs);
  attnrtPlanDestroy(p);
  check(fake->graphs == 0, "cuda plan: its graph destroyed with it (%d left)", fake->graphs);
  /* With ATTN_CUDA_GRAPHS=0: the kernels one by one. */
  p = NULL;
  setenv("ATTN_CUDA_GRAPHS", "0", 1);
  s = attnrtPlanCreate(m, &p, err, sizeof err);
  unsetenv("ATTN_CUDA_GRAPHS");
  if (s == ATTN_OK)
    s = attnrtPlanAdd(p, "fake", t, 2, err, sizeof err);
  graphLaunches = fake->graphLaunches, before = fake->launches;
  const void *data[2] = {a, b};
  if (s == ATTN_OK)
    s = attnrtPlanLaunch(p, data, 2, stream, err, sizeof err);
  check(s == ATTN_OK && fake->launches == before + 1 && fake->graphLaunches == graphLaunches &&
            fake->graphs == 0,
        "cuda plan with ATTN_CUDA_GRAPHS=0: %d %s", s, err);
  attnrtPlanDestroy(p);
  /* Sizes of 2^30 and more are no GPU limit (element offsets are 64-bit;
   * there used to be one at 2^30): a plan takes them. */
  p = NULL;
  attnrtPlanCreate(m, &p, err, sizeof err);
  t[0].sizes[0] = t[1].sizes[0] = (int64_t)1 << 30;
  s = p ? attnrtPlanAdd(p, "fake", t, 2, err, sizeof err) : ATTN_ERROR_INVALID_ARGUMENT;
  check(s == ATTN_OK, "cuda plan of 2^30 elements: %d %s", s, err);
  attnrtPlanDestroy(p);
}

/* A launch of "fake" (n elements) and what reached the driver. */
static void checkCudaLaunch(AttnrtModule *m, const AttnBundleKernel *k, FakeCuda *fake) {
  float in[1], out[1];
  AttnrtTensor t[2] = {vec(in, 1000), vec(out, 1000)}; /* never dereferenced */
  char err[512];
  void *stream = (void *)(uintptr_t)0x5000;
  int before = fake->launches;
  AttnStatus s = attnrtLaunch(m, "fake", t, 2, stream, err, sizeof err);
  check(s == ATTN_OK && fake->launches == before + 1, "cuda launch: %d %s", s, err);
  uint8_t want[ATTNRT_MAX_KERNARG_BYTES];
  size_t used = 0;
  attnrtPackKernargs(k, t, 2, want, sizeof want, &used, err, sizeof err);
  check(fake->grid[0] == 1000 && fake->grid[1] == 1 && fake->grid[2] == 1, "grid %u %u %u",
        fake->grid[0], fake->grid[1], fake->grid[2]);
  check(fake->block[0] == 128 && fake->block[1] == 1 && fake->block[2] == 1,
        "block %u %u %u: the entry's workgroup_size", fake->block[0], fake->block[1],
        fake->block[2]);
  check(fake->sharedBytes == 0 && fake->stream == stream && fake->paramsNull,
        "shared %u, stream %p, params null %d", fake->sharedBytes, fake->stream, fake->paramsNull);
  check(fake->extraOk && fake->argBytes == 80 && used == 80 && memcmp(fake->args, want, 80) == 0,
        "extra: ok %d, %zu argument bytes", fake->extraOk, fake->argBytes);
  check(fake->ctxCurrentAtLaunch && fake->depth == 0,
        "context: current at launch %d, left pushed %d", fake->ctxCurrentAtLaunch, fake->depth);
  /* No limit on sizes of 2^30 and more (element offsets are 64-bit): the
   * launch reaches the driver with grid x = 2^30. */
  before = fake->launches;
  t[0].sizes[0] = t[1].sizes[0] = (int64_t)1 << 30;
  s = attnrtLaunch(m, "fake", t, 2, NULL, err, sizeof err);
  check(s == ATTN_OK && fake->launches == before + 1 && fake->grid[0] == 1u << 30,
        "cuda launch of 2^30 elements: %d %s (grid x %u)", s, err, fake->grid[0]);
  /* GPU limits: grid y and z at most 65535. */
  before = fake->launches;
  AttnrtTensor t2[2] = {{in, 2, {70000, 1}, {1, 1}}, {out, 2, {70000, 1}, {1, 1}}};
  s = attnrtLaunch(m, "fake2d", t2, 2, NULL, err, sizeof err);
  check(s == ATTN_ERROR_LAUNCH && strstr(err, "grid y = 70000"), "cuda grid y: %d %s", s, err);
  check(fake->launches == before, "refused launches reach no driver");
  checkCudaPlan(m, fake);
}

/* The one GPU size limit left: a sequence's token positions are 32-bit, so
 * the token counts that bound them (here Tq of a varlen kernel) stay at
 * most ATTN_GPU_MAX_TOKENS = 2^31 - 2^12; a size beyond it is refused before
 * the driver, one at it launches. Other sizes (the batch/head dim here)
 * are not limited. */
static void checkCudaTokenLimit(const Spec *spec, FakeCuda *fake) {
  Spec s;
  copySpec(&s, spec);
  s.b.num_targets = NUM_TARGETS;
  AttnBundleKernel *k = &s.kernels[1];
  snprintf(k->kind, sizeof k->kind, "mha_varlen");
  setArg(&k->args[0], "q", 2, 0);
  setArg(&k->args[1], "out", 2, 1);
  for (int t = 0; t < NUM_TARGETS; ++t) {
    AttnBundleEntry *e = &s.entries[t][1];
    snprintf(e->grid_map, sizeof e->grid_map, "(d0, d1) -> (d0, 1, 1)");
    snprintf(e->grid_dims[0], sizeof e->grid_dims[0], "q.0");
    snprintf(e->grid_dims[1], sizeof e->grid_dims[1], "q.1");
  }
  AttnBundle b;
  if (!parseSpec(&s, &b))
    return;
  char err[512];
  AttnrtModule *m = NULL;
  AttnStatus st = attnrtModuleLoad(&b, "cuda", &m, err, sizeof err);
  check(st == ATTN_OK, "fake CC 9.0, varlen kind: %d %s", st, err);
  if (st == ATTN_OK) {
    float in[1], out[1];
    const int64_t most = ((int64_t)1 << 31) - ((int64_t)1 << 12);
    AttnrtTensor t[2] = {{in, 2, {most, 3}, {3, 1}}, {out, 2, {most, 3}, {3, 1}}};
    int before = fake->launches;
    st = attnrtLaunch(m, "fake2d", t, 2, NULL, err, sizeof err);
    check(st == ATTN_OK && fake->launches == before + 1 && fake->grid[0] == (unsigned)most,
          "Tq = 2^31 - 2^12 launches: %d %s", st, err);
    t[0].sizes[0] = t[1].sizes[0] = most + 1;
    st = attnrtLaunch(m, "fake2d", t, 2, NULL, err, sizeof err);
    check(st == ATTN_ERROR_INVALID_ARGUMENT && strstr(err, "'q' dimension 0 (Tq) is 2147479553") &&
              strstr(err, "32-bit") && fake->launches == before + 1,
          "Tq = 2^31 - 2^12 + 1 is refused before the driver: %d %s", st, err);
    t[0].sizes[0] = t[1].sizes[0] = 5;
    t[0].sizes[1] = t[1].sizes[1] = (int64_t)1 << 33; /* not a token count */
    st = attnrtLaunch(m, "fake2d", t, 2, NULL, err, sizeof err);
    check(st == ATTN_OK && fake->launches == before + 2, "Hq = 2^33 is no token limit: %d %s", st,
          err);
    attnrtModuleDestroy(m);
  }
  attnBundleDestroy(&b);
}

/* A varlen kernel of q (`qDtype`) and out (bf16), row_align 8 (elements),
 * for the row-alignment checks below. */
static void rowAlignSpec(const Spec *spec, Spec *s, const char *qDtype) {
  copySpec(s, spec);
  s->b.num_targets = NUM_TARGETS;
  AttnBundleKernel *k = &s->kernels[1];
  snprintf(k->kind, sizeof k->kind, "mha_varlen");
  setArg(&k->args[0], "q", 2, 0);
  setArg(&k->args[1], "out", 2, 1);
  snprintf(k->args[0].dtype, sizeof k->args[0].dtype, "%s", qDtype);
  snprintf(k->args[1].dtype, sizeof k->args[1].dtype, "bf16");
  k->row_align = 8;
  for (int t = 0; t < NUM_TARGETS; ++t) {
    AttnBundleEntry *e = &s->entries[t][1];
    snprintf(e->grid_map, sizeof e->grid_map, "(d0, d1) -> (d0, 1, 1)");
    snprintf(e->grid_dims[0], sizeof e->grid_dims[0], "q.0");
    snprintf(e->grid_dims[1], sizeof e->grid_dims[1], "q.1");
  }
}

/* Rows of any alignment (issue 17): a kernel records the alignment its
 * copies assume (row_align, elements); a GPU launch whose f16/bf16 (or fp8) rows
 * start elsewhere (data pointer or a stride of a dim of more than one
 * element) is refused before the driver: it would fault on the device. */
static void checkCudaRowAlign(const Spec *spec, FakeCuda *fake) {
  Spec s;
  rowAlignSpec(spec, &s, "bf16");
  AttnBundle b;
  if (!parseSpec(&s, &b))
    return;
  check(b.kernels[1].row_align == 8, "row_align round-trips: %d", (int)b.kernels[1].row_align);
  char err[512];
  AttnrtModule *m = NULL;
  AttnStatus st = attnrtModuleLoad(&b, "cuda", &m, err, sizeof err);
  check(st == ATTN_OK, "fake CC 9.0, row_align 8: %d %s", st, err);
  if (st == ATTN_OK) {
    _Alignas(16) uint16_t in[64], out[64];
    AttnrtTensor t[2] = {{in, 2, {4, 8}, {16, 1}}, {out, 2, {4, 8}, {8, 1}}};
    int before = fake->launches;
    st = attnrtLaunch(m, "fake2d", t, 2, NULL, err, sizeof err);
    check(st == ATTN_OK && fake->launches == before + 1, "16-byte rows launch: %d %s", st, err);
    t[0].data = in + 1; /* 2 bytes past a 16-byte boundary */
    st = attnrtLaunch(m, "fake2d", t, 2, NULL, err, sizeof err);
    check(st == ATTN_ERROR_INVALID_ARGUMENT && strstr(err, "rows of 'q'") &&
              strstr(err, "multiples of 8 elements") && fake->launches == before + 1,
          "a q 2 bytes off is refused before the driver: %d %s", st, err);
    t[0].data = in;
    t[1].strides[0] = 9; /* 18-byte rows */
    st = attnrtLaunch(m, "fake2d", t, 2, NULL, err, sizeof err);
    check(st == ATTN_ERROR_INVALID_ARGUMENT && strstr(err, "rows of 'out'"),
          "18-byte rows of out are refused: %d %s", st, err);
    t[1].sizes[0] = 1; /* one row: its stride is never used */
    t[0].sizes[0] = 1;
    st = attnrtLaunch(m, "fake2d", t, 2, NULL, err, sizeof err);
    check(st == ATTN_OK, "one row of any stride launches: %d %s", st, err);
    /* A launch plan of such a kernel: made (the fast path of attnc.torch on
     * the GPU; a stand-in pointer of 1 once failed the check above, so no
     * plan was ever made), launched with aligned pointers, and a misaligned
     * pointer refused at its launch, before the driver. */
    AttnrtTensor pt[2] = {{in, 2, {4, 8}, {16, 1}}, {out, 2, {4, 8}, {8, 1}}};
    AttnrtPlan *p = NULL;
    st = attnrtPlanCreate(m, &p, err, sizeof err);
    if (st == ATTN_OK)
      st = attnrtPlanAdd(p, "fake2d", pt, 2, err, sizeof err);
    check(st == ATTN_OK, "a plan of a row_align 8 kernel: %d %s", st, err);
    if (st == ATTN_OK) {
      const void *data[2] = {in, out};
      before = fake->launches;
      st = attnrtPlanLaunch(p, data, 2, NULL, err, sizeof err);
      check(st == ATTN_OK && fake->launches == before + 1, "aligned plan launch: %d %s", st, err);
      data[1] = out + 3; /* 6 bytes past a 16-byte boundary */
      st = attnrtPlanLaunch(p, data, 2, NULL, err, sizeof err);
      check(st == ATTN_ERROR_INVALID_ARGUMENT && strstr(err, "rows of 'out'") &&
                strstr(err, "multiples of 16 bytes") && fake->launches == before + 1,
            "a plan launch with out 6 bytes off is refused before the driver: %d %s", st, err);
    }
    attnrtPlanDestroy(p);
    pt[0].strides[0] = 9; /* 18-byte rows: refused when the plan is made */
    p = NULL;
    st = attnrtPlanCreate(m, &p, err, sizeof err);
    if (st == ATTN_OK)
      st = attnrtPlanAdd(p, "fake2d", pt, 2, err, sizeof err);
    check(st == ATTN_ERROR_INVALID_ARGUMENT && strstr(err, "rows of 'q'"),
          "a plan of 18-byte rows is refused: %d %s", st, err);
    attnrtPlanDestroy(p);
    attnrtModuleDestroy(m);
  }
  attnBundleDestroy(&b);
}

/* fp8 rows (docs/fp8.md: row_align-byte loads of e4m3 values) are checked
 * too, in bytes: an fp8 q 4 bytes off an 8-byte boundary is refused. */
static void checkCudaFp8RowAlign(const Spec *spec, FakeCuda *fake) {
  Spec s;
  rowAlignSpec(spec, &s, "f8fn");
  AttnBundle b;
  if (!parseSpec(&s, &b))
    return;
  char err[512];
  AttnrtModule *m = NULL;
  AttnStatus st = attnrtModuleLoad(&b, "cuda", &m, err, sizeof err);
  check(st == ATTN_OK, "fake CC 9.0, fp8 kernel: %d %s", st, err);
  if (st == ATTN_OK) {
    _Alignas(16) uint8_t in[64];
    _Alignas(16) uint16_t out[64];
    AttnrtTensor t[2] = {{in, 2, {4, 8}, {16, 1}}, {out, 2, {4, 8}, {8, 1}}};
    int before = fake->launches;
    st = attnrtLaunch(m, "fake2d", t, 2, NULL, err, sizeof err);
    check(st == ATTN_OK && fake->launches == before + 1, "aligned fp8 rows launch: %d %s", st, err);
    t[0].data = in + 4;
    st = attnrtLaunch(m, "fake2d", t, 2, NULL, err, sizeof err);
    check(st == ATTN_ERROR_INVALID_ARGUMENT && strstr(err, "rows of 'q'") &&
              strstr(err, "(8 bytes") && fake->launches == before + 1,
          "an fp8 q 4 bytes off is refused before the driver: %d %s", st, err);
    attnrtModuleDestroy(m);
  }
  attnBundleDestroy(&b);
}

static void testCudaFake(const Spec *spec, FakeCuda *fake, int hipPresent) {
  Spec s;
  copySpec(&s, spec);
  s.b.num_targets = NUM_TARGETS;
  AttnBundle b;
  if (!parseSpec(&s, &b))
    return;
  char err[512];
  AttnrtModule *m = NULL;
  fake->initResult = 0;
  fake->ccMajor = 9, fake->ccMinor = 0;
  /* sm_90a is preferred over sm_90 (whose PTX the fake rejects). */
  AttnStatus st = attnrtModuleLoad(&b, "cuda", &m, err, sizeof err);
  check(st == ATTN_OK && m && !strcmp(attnrtModuleDevice(m), "cuda:0") &&
            !strcmp(attnrtModuleTarget(m), "sm_90a") && fake->retained == 1 && fake->modules == 1,
        "fake CC 9.0: %d %s", st, err);
  if (st == ATTN_OK) {
    checkCudaLaunch(m, &s.kernels[0], fake);
    attnrtModuleDestroy(m);
  }
  checkCudaTokenLimit(spec, fake);
  checkCudaRowAlign(spec, fake);
  checkCudaFp8RowAlign(spec, fake);
  check(fake->retained == 0 && fake->modules == 0 && fake->depth == 0,
        "destroy releases: context %d, modules %d", fake->retained, fake->modules);
  st = attnrtModuleLoad(&b, "cuda:1", &m, err, sizeof err);
  check(st == ATTN_ERROR_NO_DEVICE && strstr(err, "only 1"), "cuda:1: %d %s", st, err);
  if (!hipPresent) {
    st = attnrtModuleLoad(&b, "auto", &m, err, sizeof err);
    check(st == ATTN_OK && !strcmp(attnrtModuleDevice(m), "cuda:0"), "auto picks CUDA: %d %s", st,
          err);
    attnrtModuleDestroy(m);
  }
  attnBundleDestroy(&b);

  /* Only sm_90: its PTX is loaded and fails to JIT, with the log. */
  copySpec(&s, spec);
  s.targets[0] = s.targets[3];
  s.targets[0].entries = s.entries[3];
  s.b.num_targets = 1;
  if (parseSpec(&s, &b)) {
    st = attnrtModuleLoad(&b, "cuda", &m, err, sizeof err);
    printf("sm_90 PTX the fake JIT rejects: %s | %s\n", attnStatusString(st), err);
    check(st == ATTN_ERROR_LOAD && strstr(err, "'sm_90'") &&
              strstr(err, "CUDA_ERROR_INVALID_PTX") &&
              strstr(err, "JIT log: ptxas fatal   : fake JIT rejects") && !m,
          "JIT error: %d %s", st, err);
    st = attnrtModuleLoad(&b, "auto", &m, err, sizeof err);
    check(st == ATTN_ERROR_LOAD, "auto reports the JIT error: %d %s", st, err);
    /* A compute capability without code: NO_CODE_OBJECT naming both. */
    fake->ccMajor = 8;
    st = attnrtModuleLoad(&b, "cuda", &m, err, sizeof err);
    check(st == ATTN_ERROR_NO_CODE_OBJECT && strstr(err, "device cuda:0 (target sm_80,") &&
              strstr(err, "sm_90 (ptx)"),
          "CC 8.0: %d %s", st, err);
    fake->ccMajor = 9;
    attnBundleDestroy(&b);
  }
  /* A kernel the module lacks. */
  copySpec(&s, spec);
  s.b.num_targets = NUM_TARGETS;
  snprintf(s.entries[2][1].symbol, sizeof s.entries[2][1].symbol, "fake_missing");
  if (parseSpec(&s, &b)) {
    st = attnrtModuleLoad(&b, "cuda", &m, err, sizeof err);
    check(st == ATTN_ERROR_LOAD && strstr(err, "fake_missing"), "missing kernel: %d %s", st, err);
    attnBundleDestroy(&b);
  }
  check(fake->retained == 0 && fake->modules == 0 && fake->depth == 0,
        "failed loads release: context %d, modules %d, pushed %d", fake->retained, fake->modules,
        fake->depth);
}

/* TMA tensor maps: "fake2d" on sm_90a takes a map of "in" (box 32 x 64,
 * 128-byte swizzle) and one of "out". The launch encodes them after the
 * flat words at 64-byte offsets; an empty tensor's map is zeros; plans
 * re-encode with each launch's pointers; what TMA cannot address is refused
 * before the driver sees it. */
static AttnrtTensor mat(void *data, int64_t rows, int64_t cols, int64_t stride) {
  AttnrtTensor t = {data, 2, {rows, cols}, {stride, 1}};
  return t;
}

static uint64_t mapWord(const FakeCuda *fake, size_t offset, int i) {
  uint64_t w;
  memcpy(&w, fake->args + offset + 8 * (size_t)i, 8);
  return w;
}

static void testCudaTensorMaps(const Spec *spec, FakeCuda *fake) {
  Spec s;
  copySpec(&s, spec);
  s.b.num_targets = NUM_TARGETS;
  AttnBundleEntry *e = &s.entries[2][1];
  e->num_tensor_maps = 2;
  e->tensor_maps[0] = (AttnBundleTensorMap){0, {32, 64}, 128};
  e->tensor_maps[1] = (AttnBundleTensorMap){1, {32, 64}, 128};
  AttnBundle b;
  AttnrtModule *m = NULL;
  char err[512];
  if (!parseSpec(&s, &b))
    return;
  fake->initResult = 0, fake->ccMajor = 9, fake->ccMinor = 0, fake->encodeResult = 0;
  AttnStatus st = attnrtModuleLoad(&b, "cuda", &m, err, sizeof err);
  check(st == ATTN_OK, "tensor maps: load: %d %s", st, err);
  attnBundleDestroy(&b);
  if (st != ATTN_OK)
    return;
  static _Alignas(16) float a[8], c[8], o[8];
  AttnrtTensor t[2] = {mat(a, 100, 64, 64), mat(o, 0, 64, 64)};
  /* kernelParams: 14 words, then the two maps */
  fake->numParams = 16;
  for (int i = 0; i < 16; ++i)
    fake->paramSizes[i] = i < 14 ? 8 : 128;
  int encodes = fake->encodes;
  st = attnrtLaunch(m, "fake2d", t, 2, NULL, err, sizeof err);
  check(st == ATTN_OK && fake->encodes == encodes + 1, "tensor maps: launch: %d %s (%d encodes)",
        st, err, fake->encodes - encodes);
  uint8_t flat[ATTNRT_MAX_KERNARG_BYTES];
  size_t used = 0;
  attnrtPackKernargs(&s.kernels[1], t, 2, flat, sizeof flat, &used, err, sizeof err);
  check(used == 112 && fake->argBytes == 128 + 2 * 128 && memcmp(fake->args, flat, used) == 0 &&
            !fake->paramsNull,
        "tensor maps: %zu flat bytes, %zu in all (want 112, 384), as kernelParams", used,
        fake->argBytes);
  uint8_t zeros[128] = {0};
  check(memcmp(fake->args + 112, zeros, 16) == 0 && memcmp(fake->args + 256, zeros, 128) == 0,
        "tensor maps: zero padding, and a zero map for the empty tensor");
  check(mapWord(fake, 128, 0) == (uint64_t)(uintptr_t)a && mapWord(fake, 128, 1) == 64 &&
            mapWord(fake, 128, 2) == 100 && mapWord(fake, 128, 3) == 64 &&
            mapWord(fake, 128, 4) == 32 && mapWord(fake, 128, 5) == 7 &&
            mapWord(fake, 128, 6) == 3 && mapWord(fake, 128, 7) == 0xfeed &&
            fake->mapStrides[0] == 256,
        "tensor maps: map 0 at byte 128 (dims innermost first, box, f32, 128B swizzle)");
  /* A plan encodes the pointers of each launch. */
  AttnrtPlan *p = NULL;
  attnrtPlanCreate(m, &p, err, sizeof err);
  st = p ? attnrtPlanAdd(p, "fake2d", t, 2, err, sizeof err) : ATTN_ERROR_INVALID_ARGUMENT;
  const void *data[2] = {c, NULL};
  if (st == ATTN_OK)
    st = attnrtPlanLaunch(p, data, 2, NULL, err, sizeof err);
  check(st == ATTN_OK && mapWord(fake, 128, 0) == (uint64_t)(uintptr_t)c,
        "tensor maps: plan launch encodes its pointer: %d %s", st, err);
  /* What TMA cannot address. */
  AttnrtTensor odd[2] = {mat(a + 1, 100, 64, 64), t[1]};
  st = attnrtLaunch(m, "fake2d", odd, 2, NULL, err, sizeof err);
  check(st == ATTN_ERROR_INVALID_ARGUMENT && strstr(err, "'in'") && strstr(err, "16-byte aligned"),
        "tensor maps: misaligned: %d %s", st, err);
  odd[0] = mat(a, 100, 64, 65);
  st = attnrtLaunch(m, "fake2d", odd, 2, NULL, err, sizeof err);
  check(st == ATTN_ERROR_INVALID_ARGUMENT && strstr(err, "260 bytes"),
        "tensor maps: 260-byte rows: %d %s", st, err);
  st = p ? attnrtPlanAdd(p, "fake2d", odd, 2, err, sizeof err) : ATTN_ERROR_INVALID_ARGUMENT;
  check(st == ATTN_ERROR_INVALID_ARGUMENT && strstr(err, "260 bytes"),
        "tensor maps: plans check strides when added: %d %s", st, err);
  odd[0] = t[0];
  odd[0].strides[1] = 2;
  st = attnrtLaunch(m, "fake2d", odd, 2, NULL, err, sizeof err);
  check(st == ATTN_ERROR_INVALID_ARGUMENT && strstr(err, "stride 2 in its last dim"),
        "tensor maps: strided rows: %d %s", st, err);
  fake->encodeResult = 1;
  st = attnrtLaunch(m, "fake2d", t, 2, NULL, err, sizeof err);
  check(st == ATTN_ERROR_LAUNCH && strstr(err, "cuTensorMapEncodeTiled failed"),
        "tensor maps: the driver refuses: %d %s", st, err);
  fake->encodeResult = 0;
  fake->numParams = 0;
  attnrtPlanDestroy(p);
  attnrtModuleDestroy(m);
}

static void testCuda(const Spec *spec, const char *fakeCudaPath, int hipPresent) {
  AttnBundle b;
  if (parseSpec(spec, &b)) {
    testCudaDriver(&b);
    attnBundleDestroy(&b);
  }
  void *lib = dlopen(fakeCudaPath, RTLD_NOW | RTLD_LOCAL);
  FakeCuda *(*state)(void) = NULL;
  void *sym = lib ? dlsym(lib, "fakeCudaState") : NULL;
  memcpy(&state, &sym, sizeof sym);
  check(state != NULL, "cannot load %s: %s", fakeCudaPath, dlerror());
  if (!state)
    return;
  setenv("ATTN_CUDA_LIBRARY", fakeCudaPath, 1);
  if (parseSpec(spec, &b)) {
    testCudaNoDevice(&b, state(), hipPresent);
    attnBundleDestroy(&b);
  }
  testCudaFake(spec, state(), hipPresent);
  testCudaTensorMaps(spec, state());
  unsetenv("ATTN_CUDA_LIBRARY");
  dlclose(lib);
}

static void testDeviceStrings(const AttnBundle *b) {
  const char *bad[] = {"hip:",  "hip:x",   "hip:-1", "hip:1x", "cpu:0", "HIP",
                       "cuda:", "cuda:-1", "CUDA",   "cudax",  "cuda0", "cuda:99999999999"};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; ++i) {
    char err[512];
    AttnrtModule *m;
    AttnStatus s = attnrtModuleLoad(b, bad[i], &m, err, sizeof err);
    check(s == ATTN_ERROR_INVALID_ARGUMENT && strstr(err, "unknown device") && !m,
          "device \"%s\": %d %s", bad[i], s, err);
  }
  char err[512];
  AttnrtModule *m;
  check(attnrtModuleLoad(NULL, "cpu", &m, err, sizeof err) == ATTN_ERROR_INVALID_ARGUMENT,
        "null bundle");
  check(attnrtModuleLoad(b, "cpu", NULL, err, sizeof err) == ATTN_ERROR_INVALID_ARGUMENT,
        "null output");
  char name[64];
  check(attnrtCpuTargetName(name, sizeof name) == ATTN_OK && strncmp(name, "cpu-", 4) == 0,
        "cpu target name '%s'", name);
  printf("this host's CPU target: %s\n", name);
  check(attnrtCpuTargetName(name, 5) == ATTN_ERROR_INVALID_ARGUMENT, "cpu target name, short");
}

/* Bundles the device cannot run. */
static void testNoCodeObject(const Spec *good, const char *cpuName) {
  Spec s;
  copySpec(&s, good);
  s.targets[0] = s.targets[1]; /* only gfx942 */
  s.targets[0].entries = s.entries[1];
  s.b.num_targets = 1;
  AttnBundle b;
  char err[512];
  AttnrtModule *m;
  if (parseSpec(&s, &b)) {
    AttnStatus st = attnrtModuleLoad(&b, "cpu", &m, err, sizeof err);
    printf("gfx942-only bundle on \"cpu\": %s | %s\n", attnStatusString(st), err);
    check(st == ATTN_ERROR_NO_CODE_OBJECT && strstr(err, "gfx942 (hsaco)") &&
              strstr(err, cpuName) && !m,
          "gfx942 only, on cpu: %d %s", st, err);
    st = attnrtModuleLoad(&b, "auto", &m, err, sizeof err);
    check(st == ATTN_ERROR_NO_CODE_OBJECT && strstr(err, "HIP") && strstr(err, cpuName),
          "gfx942 only, auto: %d %s", st, err);
    attnBundleDestroy(&b);
  }
  /* Only PTX: nothing for the CPU or HIP; CUDA has no driver here (or no
   * sm_90a/sm_90 device). */
  copySpec(&s, good);
  s.targets[0] = s.targets[2]; /* only sm_90a */
  s.targets[0].entries = s.entries[2];
  s.b.num_targets = 1;
  if (parseSpec(&s, &b)) {
    AttnStatus st = attnrtModuleLoad(&b, "cpu", &m, err, sizeof err);
    printf("sm_90a-only bundle on \"cpu\": %s | %s\n", attnStatusString(st), err);
    check(st == ATTN_ERROR_NO_CODE_OBJECT && strstr(err, "sm_90a (ptx)") && strstr(err, cpuName) &&
              !m,
          "sm_90a only, on cpu: %d %s", st, err);
    attnBundleDestroy(&b);
  }
  /* The CPU's name but another format. */
  copySpec(&s, good);
  snprintf(s.targets[0].format, sizeof s.targets[0].format, "ptx");
  if (parseSpec(&s, &b)) {
    AttnStatus st = attnrtModuleLoad(&b, "cpu", &m, err, sizeof err);
    check(st == ATTN_ERROR_NO_CODE_OBJECT, "cpu name, ptx format: %d %s", st, err);
    attnBundleDestroy(&b);
  }
}

/* Code objects the loader rejects. */
static void testLoadErrors(const Spec *good) {
  Spec s;
  copySpec(&s, good);
  static const uint8_t notElf[100] = {1, 2, 3};
  s.targets[0].data = notElf;
  s.targets[0].size = sizeof notElf;
  AttnBundle b;
  char err[512];
  AttnrtModule *m;
  if (parseSpec(&s, &b)) {
    AttnStatus st = attnrtModuleLoad(&b, "cpu", &m, err, sizeof err);
    check(st == ATTN_ERROR_LOAD && !m, "junk CPU code object: %d %s", st, err);
    attnBundleDestroy(&b);
  }
  copySpec(&s, good);
  snprintf(s.entries[0][1].symbol, sizeof s.entries[0][1].symbol, "__attn_program_missing");
  if (parseSpec(&s, &b)) {
    AttnStatus st = attnrtModuleLoad(&b, "cpu", &m, err, sizeof err);
    check(st == ATTN_ERROR_LOAD && strstr(err, "__attn_program_missing"), "missing symbol: %d %s",
          st, err);
    attnBundleDestroy(&b);
  }
}

/* A CPU code object cut anywhere, with the bundle's checksum made for the
 * cut bytes: dlopen used to fault (SIGBUS) mapping segments past the end of
 * the file (issue 19). Every cut is refused as not loadable, before dlopen. */
static void testTruncatedCode(const Spec *good) {
  Spec s;
  int refused = 0, tried = 0;
  for (uint64_t cut = 0; cut < good->targets[0].size; cut += 1 + cut / 8) {
    copySpec(&s, good);
    s.targets[0].size = cut;
    AttnBundle b;
    char err[512];
    AttnrtModule *m = NULL;
    if (!parseSpec(&s, &b))
      continue;
    AttnStatus st = attnrtModuleLoad(&b, "cpu", &m, err, sizeof err);
    ++tried;
    refused += st == ATTN_ERROR_LOAD && !m;
    check(st == ATTN_ERROR_LOAD && !m, "CPU code object cut to %llu of %llu bytes: %d %s",
          (unsigned long long)cut, (unsigned long long)good->targets[0].size, st, err);
    attnrtModuleDestroy(m);
    attnBundleDestroy(&b);
  }
  check(tried > 20 && refused == tried, "truncated code objects: %d of %d refused", refused, tried);
}

/*--- launches ------------------------------------------------------------===*/

static void testLaunchChecks(AttnrtModule *m) {
  float in[4] = {1, 2, 3, 4}, out[4];
  AttnrtTensor t[3] = {vec(in, 4), vec(out, 4), vec(out, 4)};
  char err[512];
  AttnStatus s = attnrtLaunch(m, "fake", t, 1, NULL, err, sizeof err);
  check(s == ATTN_ERROR_INVALID_ARGUMENT && strstr(err, "takes 2 tensors, 1 given"),
        "too few tensors: %d %s", s, err);
  s = attnrtLaunch(m, "fake", t, 3, NULL, err, sizeof err);
  check(s == ATTN_ERROR_INVALID_ARGUMENT, "too many tensors: %d %s", s, err);
  s = attnrtLaunch(m, "fake", NULL, 2, NULL, err, sizeof err);
  check(s == ATTN_ERROR_INVALID_ARGUMENT, "null tensors: %d %s", s, err);
  t[1].rank = 2;
  s = attnrtLaunch(m, "fake", t, 2, NULL, err, sizeof err);
  check(s == ATTN_ERROR_INVALID_ARGUMENT && strstr(err, "rank 2, expected 1"), "wrong rank: %d %s",
        s, err);
  t[1] = vec(NULL, 4);
  s = attnrtLaunch(m, "fake", t, 2, NULL, err, sizeof err);
  check(s == ATTN_ERROR_INVALID_ARGUMENT && strstr(err, "null data"), "null data: %d %s", s, err);
  t[1] = vec(out, -1);
  s = attnrtLaunch(m, "fake", t, 2, NULL, err, sizeof err);
  check(s == ATTN_ERROR_INVALID_ARGUMENT && strstr(err, "size -1"), "negative size: %d %s", s, err);
  t[1] = vec(out, 4);
  s = attnrtLaunch(m, "nope", t, 2, NULL, err, sizeof err);
  check(s == ATTN_ERROR_NOT_FOUND && strstr(err, "nope"), "unknown kernel: %d %s", s, err);
  s = attnrtLaunch(NULL, "fake", t, 2, NULL, err, sizeof err);
  check(s == ATTN_ERROR_INVALID_ARGUMENT, "null module: %d", s);
  s = attnrtLaunch(m, NULL, t, 2, NULL, err, sizeof err);
  check(s == ATTN_ERROR_NOT_FOUND, "null kernel name: %d", s);
  /* An empty tensor may have null data; nothing runs. */
  t[0] = vec(NULL, 0);
  t[1] = vec(NULL, 0);
  s = attnrtLaunch(m, "fake", t, 2, NULL, err, sizeof err);
  check(s == ATTN_OK, "empty tensors with null data: %d %s", s, err);
}

static void testKernargs(void) {
  AttnBundleKernel k;
  memset(&k, 0, sizeof k);
  snprintf(k.name, sizeof k.name, "pack");
  setArg(&k.args[0], "a", 1, 0);
  setArg(&k.args[1], "b", 3, 0);
  setArg(&k.args[2], "c", 2, 1);
  k.num_args = 3;
  AttnrtTensor t[3] = {
      {(void *)(uintptr_t)0x1122334455667788ull, 1, {7}, {1}},
      {(void *)(uintptr_t)0x1000, 3, {2, 3, 4}, {12, 4, 1}},
      {(void *)(uintptr_t)0x2000, 2, {5, 6}, {-6, 1}}, /* negative strides pass through */
  };
  /* The expected words: per tensor allocated, aligned, offset, sizes, strides. */
  const uint64_t words[] = {0x1122334455667788ull,
                            0x1122334455667788ull,
                            0,
                            7,
                            1,
                            0x1000,
                            0x1000,
                            0,
                            2,
                            3,
                            4,
                            12,
                            4,
                            1,
                            0x2000,
                            0x2000,
                            0,
                            5,
                            6,
                            (uint64_t)-6,
                            1};
  const size_t n = sizeof words / sizeof *words;
  uint8_t want[sizeof words], got[sizeof words + 8];
  for (size_t i = 0; i < n; ++i)
    for (int j = 0; j < 8; ++j)
      want[8 * i + (size_t)j] = (uint8_t)(words[i] >> (8 * j));
  memset(got, 0xAB, sizeof got);
  size_t used = 0;
  char err[512];
  AttnStatus s = attnrtPackKernargs(&k, t, 3, got, sizeof got, &used, err, sizeof err);
  check(s == ATTN_OK && used == sizeof want && memcmp(got, want, sizeof want) == 0 &&
            got[sizeof want] == 0xAB,
        "kernarg bytes (status %d, used %zu, want %zu): %s", s, used, sizeof want, err);
  /* Byte offsets of the flat arguments: 8 bytes each, in order. */
  check(memcmp(got + 5 * 8, want + 5 * 8, 8) == 0 && got[5 * 8] == 0x00 && got[5 * 8 + 1] == 0x10,
        "tensor b starts at byte 40");
  check(memcmp(got + 14 * 8, want + 14 * 8, 8) == 0, "tensor c starts at byte 112");
  used = 0;
  s = attnrtPackKernargs(&k, t, 3, got, sizeof want - 1, &used, err, sizeof err);
  check(s == ATTN_ERROR_INVALID_ARGUMENT && used == sizeof want && strstr(err, "168"),
        "small buffer: %d %zu %s", s, used, err);
  t[2].rank = 1;
  s = attnrtPackKernargs(&k, t, 3, got, sizeof got, &used, err, sizeof err);
  check(s == ATTN_ERROR_INVALID_ARGUMENT, "pack with a wrong rank: %d", s);
  check(ATTNRT_MAX_KERNARG_BYTES == 16 * 11 * 8, "max kernarg bytes");
}

static AttnrtTensor dense(int rank, const int64_t *sizes) {
  static float storage[1];
  AttnrtTensor t = {storage, rank, {0}, {0}};
  int64_t stride = 1;
  for (int d = rank - 1; d >= 0; --d) {
    t.sizes[d] = sizes[d];
    t.strides[d] = stride;
    stride *= sizes[d];
  }
  return t;
}

/* Sizes that disagree with the kernel's static dims or with each other are
 * refused with a status (they used to reach the kernel: SIGSEGV, issue 19). */
static void testShapeChecks(void) {
  AttnBundleKernel k;
  memset(&k, 0, sizeof k);
  snprintf(k.name, sizeof k.name, "mha");
  snprintf(k.kind, sizeof k.kind, "mha");
  const char *roles[] = {"q", "k", "v", "out", "lse"};
  for (int i = 0; i < 5; ++i)
    setArg(&k.args[i], roles[i], i == 4 ? 3 : 4, i >= 3);
  k.num_args = 5;
  k.head_dim = k.head_dim_v = 8;
  k.num_q_heads = 4;
  k.num_kv_heads = 2;
  const int64_t q[4] = {2, 4, 5, 8}, kv[4] = {2, 2, 7, 8}, o[4] = {2, 4, 5, 8}, l[3] = {2, 4, 5};
  AttnrtTensor t[5] = {dense(4, q), dense(4, kv), dense(4, kv), dense(4, o), dense(3, l)};
  uint8_t buf[ATTNRT_MAX_KERNARG_BYTES];
  size_t used;
  char err[512];
  AttnStatus s = attnrtPackKernargs(&k, t, 5, buf, sizeof buf, &used, err, sizeof err);
  check(s == ATTN_OK, "consistent mha sizes: %d %s", s, err);
  struct {
    int tensor, dim;
    int64_t size;
    const char *message;
  } bad[] = {
      {1, 0, 1, "'k' dimension 0 (B = 1) disagrees with 'q' dimension 0 (B = 2)"},
      {0, 3, 4, "'q' dimension 3 (D = 4) disagrees with the kernel (D = 8)"},
      {2, 2, 6, "'v' dimension 2 (Sk = 6) disagrees with 'k' dimension 2 (Sk = 7)"},
      {3, 2, 4, "'out' dimension 2 (Sq = 4) disagrees with 'q' dimension 2 (Sq = 5)"},
      {4, 1, 2, "'lse' dimension 1 (Hq = 2) disagrees with the kernel (Hq = 4)"},
      {1, 1, 4, "'k' dimension 1 (Hkv = 4) disagrees with the kernel (Hkv = 2)"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; ++i) {
    AttnrtTensor u[5];
    memcpy(u, t, sizeof u);
    u[bad[i].tensor].sizes[bad[i].dim] = bad[i].size;
    s = attnrtPackKernargs(&k, u, 5, buf, sizeof buf, &used, err, sizeof err);
    check(s == ATTN_ERROR_INVALID_ARGUMENT && strstr(err, bad[i].message), "%s: %d %s",
          bad[i].message, s, err);
  }
  /* Dropout's run-time [seed, offset] (rng_state, before out): 2 elements. */
  memset(&k, 0, sizeof k);
  snprintf(k.name, sizeof k.name, "mha_dropout");
  snprintf(k.kind, sizeof k.kind, "mha");
  const char *dropRoles[] = {"q", "k", "v", "rng_state", "out"};
  const int dropRanks[] = {4, 4, 4, 1, 4};
  for (int i = 0; i < 5; ++i)
    setArg(&k.args[i], dropRoles[i], dropRanks[i], i == 4);
  k.num_args = 5;
  k.head_dim = k.head_dim_v = 8;
  k.num_q_heads = 4;
  k.num_kv_heads = 2;
  const int64_t two[1] = {2};
  AttnrtTensor dt[5] = {dense(4, q), dense(4, kv), dense(4, kv), dense(1, two), dense(4, o)};
  s = attnrtPackKernargs(&k, dt, 5, buf, sizeof buf, &used, err, sizeof err);
  check(s == ATTN_OK, "mha with rng_state: %d %s", s, err);
  for (int64_t size = 1; size <= 3; size += 2) {
    dt[3].sizes[0] = size;
    s = attnrtPackKernargs(&k, dt, 5, buf, sizeof buf, &used, err, sizeof err);
    check(s == ATTN_ERROR_INVALID_ARGUMENT && strstr(err, "'rng_state' dimension 0 is") &&
              strstr(err, "it must be 2"),
          "rng_state of %lld elements: %d %s", (long long)size, s, err);
  }
  /* A paged split kernel with B = 0 (no sequences, null data for the empty
   * tables) is consistent; query_start_loc must still hold B+1 >= 1 offsets. */
  memset(&k, 0, sizeof k);
  snprintf(k.name, sizeof k.name, "split");
  snprintf(k.kind, sizeof k.kind, "paged_decode");
  const char *pagedRoles[] = {"q",        "k_cache",         "v_cache",   "block_tables",
                              "seq_lens", "query_start_loc", "split_out", "split_lse"};
  const int ranks[] = {3, 4, 4, 2, 1, 1, 4, 3};
  for (int i = 0; i < 8; ++i)
    setArg(&k.args[i], pagedRoles[i], ranks[i], i >= 6);
  k.num_args = 8;
  const int64_t pq[3] = {6, 4, 8}, cache[4] = {3, 16, 2, 8}, table[2] = {0, 3}, lens[1] = {0},
                starts[1] = {1}, so[4] = {2, 6, 4, 8}, sl[3] = {2, 4, 6};
  AttnrtTensor p[8] = {dense(3, pq),   dense(4, cache),  dense(4, cache), dense(2, table),
                       dense(1, lens), dense(1, starts), dense(4, so),    dense(3, sl)};
  p[3].data = p[4].data = NULL;
  s = attnrtPackKernargs(&k, p, 8, buf, sizeof buf, &used, err, sizeof err);
  check(s == ATTN_OK, "paged with B = 0: %d %s", s, err);
  p[5].sizes[0] = 0;
  s = attnrtPackKernargs(&k, p, 8, buf, sizeof buf, &used, err, sizeof err);
  check(s == ATTN_ERROR_INVALID_ARGUMENT && strstr(err, "'query_start_loc' dimension 0"),
        "query_start_loc without offsets: %d %s", s, err);
  p[5].sizes[0] = 3;
  s = attnrtPackKernargs(&k, p, 8, buf, sizeof buf, &used, err, sizeof err);
  check(s == ATTN_ERROR_INVALID_ARGUMENT && strstr(err, "disagrees"),
        "query_start_loc of B+1 = 3 with B = 0: %d %s", s, err);

  /* attn.mla's split kernel (docs/mla.md): one latent cache NB x BS x D with
   * q's D; Dv (kv_lora_rank) is the workspace's. */
  memset(&k, 0, sizeof k);
  snprintf(k.name, sizeof k.name, "mla");
  snprintf(k.kind, sizeof k.kind, "mla_decode");
  const char *mlaRoles[] = {"q",         "kv_cache", "block_tables", "seq_lens", "query_start_loc",
                            "split_out", "split_lse"};
  const int mlaRanks[] = {3, 3, 2, 1, 1, 4, 3};
  for (int i = 0; i < 7; ++i)
    setArg(&k.args[i], mlaRoles[i], mlaRanks[i], i >= 5);
  k.num_args = 7;
  k.head_dim = 12;
  k.head_dim_v = 8;
  k.num_q_heads = 4;
  k.num_kv_heads = 1;
  const int64_t mq[3] = {5, 4, 12}, latent[3] = {3, 16, 12}, mtable[2] = {2, 3}, mlens[1] = {2},
                mstarts[1] = {3}, mso[4] = {2, 5, 4, 8}, msl[3] = {2, 4, 5};
  AttnrtTensor mt[7] = {dense(3, mq),      dense(3, latent), dense(2, mtable), dense(1, mlens),
                        dense(1, mstarts), dense(4, mso),    dense(3, msl)};
  s = attnrtPackKernargs(&k, mt, 7, buf, sizeof buf, &used, err, sizeof err);
  check(s == ATTN_OK, "consistent mla sizes: %d %s", s, err);
  mt[1].sizes[2] = 8;
  s = attnrtPackKernargs(&k, mt, 7, buf, sizeof buf, &used, err, sizeof err);
  check(s == ATTN_ERROR_INVALID_ARGUMENT &&
            strstr(err, "'kv_cache' dimension 2 (D = 8) disagrees with the kernel (D = 12)"),
        "mla cache of another D: %d %s", s, err);
  mt[1].sizes[2] = 12;
  mt[5].sizes[3] = 12;
  s = attnrtPackKernargs(&k, mt, 7, buf, sizeof buf, &used, err, sizeof err);
  check(s == ATTN_ERROR_INVALID_ARGUMENT &&
            strstr(err, "'split_out' dimension 3 (Dv = 12) disagrees with the kernel (Dv = 8)"),
        "mla workspace of another Dv: %d %s", s, err);
}

static int runFake(AttnrtModule *m, int64_t n) {
  float *in = malloc((size_t)(n + 1) * sizeof *in), *out = malloc((size_t)(n + 1) * sizeof *out);
  for (int64_t i = 0; i <= n; ++i) {
    in[i] = (float)i * 0.5f - 3.0f;
    out[i] = NAN; /* poison: an element no program wrote stays NaN */
  }
  AttnrtTensor t[2] = {vec(in, n), vec(out, n)};
  char err[512];
  AttnStatus s = attnrtLaunch(m, "fake", t, 2, NULL, err, sizeof err);
  check(s == ATTN_OK, "fake n=%lld: %s", (long long)n, err);
  int bad = 0;
  for (int64_t i = 0; i < n; ++i)
    bad += !(out[i] == 2.0f * in[i]);
  check(bad == 0, "fake n=%lld: %d wrong elements", (long long)n, bad);
  check(isnan(out[n]), "fake n=%lld: wrote past the end", (long long)n);
  free(in);
  free(out);
  return bad;
}

/* rows x cols, input rows padded to 64 floats, output column-major. */
static void runFake2d(AttnrtModule *m, int64_t rows, int64_t cols) {
  float *in = malloc((size_t)(rows * 64 + 1) * sizeof *in);
  float *out = malloc((size_t)(rows * cols + 1) * sizeof *out);
  for (int64_t i = 0; i < rows * 64; ++i)
    in[i] = (float)(i % 97) - 40.0f;
  for (int64_t i = 0; i <= rows * cols; ++i)
    out[i] = NAN;
  AttnrtTensor t[2] = {{in, 2, {rows, cols}, {64, 1}}, {out, 2, {rows, cols}, {1, rows}}};
  char err[512];
  AttnStatus s = attnrtLaunch(m, "fake2d", t, 2, NULL, err, sizeof err);
  check(s == ATTN_OK, "fake2d %lldx%lld: %s", (long long)rows, (long long)cols, err);
  int bad = 0;
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < cols; ++c)
      bad += !(out[c * rows + r] == 2.0f * in[r * 64 + c] + 1.0f);
  check(bad == 0 && isnan(out[rows * cols]), "fake2d %lldx%lld: %d wrong elements", (long long)rows,
        (long long)cols, bad);
  free(in);
  free(out);
}

/* Launch plans on the CPU: the same results as attnrtLaunch, new data pointers per
 * launch, two launches in order, empty grids skipped, and the errors. */
static void testPlanCpu(AttnrtModule *m) {
  enum { N = 1000, R = 37, C = 53 };
  float *in = malloc(N * sizeof *in), *out = malloc((N + 1) * sizeof *out);
  float *in2 = malloc(R * 64 * sizeof *in2), *out2 = malloc((R * C + 1) * sizeof *out2);
  float *other = malloc((N + 1) * sizeof *other);
  if (!in || !out || !in2 || !out2 || !other) {
    check(0, "out of memory");
    goto done;
  }
  AttnrtTensor t1[2] = {vec(NULL, N), vec(NULL, N)};
  AttnrtTensor t2[2] = {{NULL, 2, {R, C}, {64, 1}}, {NULL, 2, {R, C}, {1, R}}};
  char err[512];
  AttnrtPlan *p = NULL;
  AttnStatus s = attnrtPlanCreate(m, &p, err, sizeof err);
  check(s == ATTN_OK && p, "plan create: %d %s", s, err);
  if (!p)
    goto done;
  s = attnrtPlanAdd(p, "fake", t1, 2, err, sizeof err);
  check(s == ATTN_OK, "plan add fake: %d %s", s, err);
  s = attnrtPlanAdd(p, "fake2d", t2, 2, err, sizeof err);
  check(s == ATTN_OK, "plan add fake2d: %d %s", s, err);
  for (int round = 0; round < 3; ++round) {
    float *o = round == 1 ? other : out; /* the data pointers change between launches */
    for (int i = 0; i < N; ++i)
      in[i] = (float)(i * (round + 1)) * 0.25f - 7.0f;
    for (int i = 0; i <= N; ++i)
      o[i] = NAN;
    for (int i = 0; i < R * 64; ++i)
      in2[i] = (float)((i + round) % 89) - 30.0f;
    for (int i = 0; i <= R * C; ++i)
      out2[i] = NAN;
    const void *data[4] = {in, o, in2, out2};
    s = attnrtPlanLaunch(p, data, 4, NULL, err, sizeof err);
    check(s == ATTN_OK, "plan launch %d: %d %s", round, s, err);
    int bad = 0;
    for (int i = 0; i < N; ++i)
      bad += !(o[i] == 2.0f * in[i]);
    for (int r = 0; r < R; ++r)
      for (int c = 0; c < C; ++c)
        bad += !(out2[c * R + r] == 2.0f * in2[r * 64 + c] + 1.0f);
    check(bad == 0 && isnan(o[N]) && isnan(out2[R * C]), "plan launch %d: %d wrong elements", round,
          bad);
  }
  const void *data[4] = {in, out, in2, out2};
  s = attnrtPlanLaunch(p, data, 3, NULL, err, sizeof err);
  check(s == ATTN_ERROR_INVALID_ARGUMENT && strstr(err, "takes 4 data pointers, 3 given"),
        "plan with 3 pointers: %d %s", s, err);
  const void *withNull[4] = {in, NULL, in2, out2};
  out[0] = NAN;
  s = attnrtPlanLaunch(p, withNull, 4, NULL, err, sizeof err);
  check(s == ATTN_ERROR_INVALID_ARGUMENT && strstr(err, "tensor 1 ('out') has null data") &&
            isnan(out[0]),
        "plan with a null pointer (nothing runs): %d %s", s, err);
  s = attnrtPlanAdd(p, "nope", t1, 2, err, sizeof err);
  check(s == ATTN_ERROR_NOT_FOUND, "plan add of an unknown kernel: %d %s", s, err);
  t1[0].rank = 2;
  s = attnrtPlanAdd(p, "fake", t1, 2, err, sizeof err);
  check(s == ATTN_ERROR_INVALID_ARGUMENT && strstr(err, "rank"), "plan add, wrong rank: %d %s", s,
        err);
  t1[0].rank = 1;
  s = attnrtPlanAdd(p, "fake", t1, 1, err, sizeof err);
  check(s == ATTN_ERROR_INVALID_ARGUMENT, "plan add, 1 tensor: %d %s", s, err);
  s = attnrtPlanAdd(p, "fake", t1, 2, err, sizeof err);
  check(s == ATTN_OK, "third launch: %d %s", s, err);
  s = attnrtPlanAdd(p, "fake", t1, 2, err, sizeof err);
  check(s == ATTN_OK, "fourth launch: %d %s", s, err);
  s = attnrtPlanAdd(p, "fake", t1, 2, err, sizeof err);
  check(s == ATTN_ERROR_INVALID_ARGUMENT && strstr(err, "at most 4"), "fifth launch: %d %s", s,
        err);
  attnrtPlanDestroy(p);
  /* An empty grid runs nothing (the fake kernel traps outside its grid) and null data
   * is fine for empty tensors. */
  p = NULL;
  attnrtPlanCreate(m, &p, err, sizeof err);
  AttnrtTensor e[2] = {vec(NULL, 0), vec(NULL, 0)};
  s = p ? attnrtPlanAdd(p, "fake", e, 2, err, sizeof err) : ATTN_ERROR_OUT_OF_MEMORY;
  const void *none[2] = {NULL, NULL};
  if (s == ATTN_OK)
    s = attnrtPlanLaunch(p, none, 2, NULL, err, sizeof err);
  check(s == ATTN_OK, "empty plan launch: %d %s", s, err);
  attnrtPlanDestroy(p);
  attnrtPlanDestroy(NULL);
  check(attnrtPlanCreate(NULL, &p, err, sizeof err) == ATTN_ERROR_INVALID_ARGUMENT,
        "plan of a null module");
  check(attnrtPlanLaunch(NULL, data, 4, NULL, err, sizeof err) == ATTN_ERROR_INVALID_ARGUMENT,
        "launch of a null plan");
done:
  free(in);
  free(out);
  free(in2);
  free(out2);
  free(other);
}

static AttnrtModule *loadCpu(const AttnBundle *b, const char *threads) {
  if (threads)
    setenv("ATTN_NUM_THREADS", threads, 1);
  else
    unsetenv("ATTN_NUM_THREADS");
  AttnrtModule *m = NULL;
  char err[512];
  AttnStatus s = attnrtModuleLoad(b, "cpu", &m, err, sizeof err);
  check(s == ATTN_OK && m, "load on cpu (ATTN_NUM_THREADS=%s): %s", threads ? threads : "-", err);
  return s == ATTN_OK ? m : NULL;
}

static void testCpu(const Spec *spec, const char *cpuName) {
  AttnBundle b;
  if (!parseSpec(spec, &b))
    return;
  AttnrtModule *one = loadCpu(&b, "1"), *four = loadCpu(&b, "4"), *all = loadCpu(&b, NULL);
  attnBundleDestroy(&b); /* modules keep what they need */
  if (!one || !four || !all)
    return;
  check(strcmp(attnrtModuleDevice(one), "cpu") == 0 &&
            strcmp(attnrtModuleTarget(one), cpuName) == 0,
        "module device '%s' target '%s'", attnrtModuleDevice(one), attnrtModuleTarget(one));
  testLaunchChecks(one);
  const int64_t sizes[] = {0, 1, 1000};
  for (int i = 0; i < 3; ++i) {
    runFake(one, sizes[i]);
    runFake(four, sizes[i]);
    runFake(all, sizes[i]);
  }
  runFake2d(four, 37, 53);
  runFake2d(all, 1, 1);
  runFake2d(all, 0, 5);
  testPlanCpu(four);
  testPlanCpu(one);
  /* Modules of the same code come and go independently. */
  attnrtModuleDestroy(one);
  if (parseSpec(spec, &b)) {
    AttnrtModule *again = loadCpu(&b, "2");
    attnBundleDestroy(&b);
    if (again) {
      runFake(again, 1000);
      runFake2d(again, 5, 7);
      runFake(four, 999);
      attnrtModuleDestroy(again);
    }
  }
  attnrtModuleDestroy(four);
  attnrtModuleDestroy(all);
  attnrtModuleDestroy(NULL);
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: attnrt-test PATH/fake-kernel.so PATH/fake-cuda.so\n");
    return 2;
  }
  size_t codeSize;
  uint8_t *code = readFile(argv[1], &codeSize);
  if (!code) {
    printf("FAIL: cannot read %s\n", argv[1]);
    return 1;
  }
  char cpuName[64];
  attnrtCpuTargetName(cpuName, sizeof cpuName);
  Spec *spec = malloc(sizeof *spec);
  makeSpec(spec, cpuName, code, codeSize);
  AttnBundle b;
  int hipPresent = 0;
  if (parseSpec(spec, &b)) {
    testDeviceStrings(&b);
    hipPresent = testHip(&b);
    attnBundleDestroy(&b);
  }
  testCuda(spec, argv[2], hipPresent);
  testNoCodeObject(spec, cpuName);
  testLoadErrors(spec);
  testTruncatedCode(spec);
  testKernargs();
  testShapeChecks();
  testCpu(spec, cpuName);
  free(spec);
  free(code);
  if (failures) {
    printf("%d failures\n", failures);
    return 1;
  }
  printf("PASS\n");
  return 0;
}
