/*===- attnrt-test.c - module loading, launch checks, kernargs, CPU runs --===*
 *
 * - HIP error paths: "hip" gives NO_DRIVER (no libamdhip64, forced with
 *   ATTN_HIP_LIBRARY) or NO_DEVICE (the library but no GPU) with a message,
 *   never a crash; "auto" falls back to the CPU.
 * - Code object choice: a bundle without a code object for the device gives
 *   NO_CODE_OBJECT naming the bundle's targets and the device's.
 * - Launch argument checks and the exact kernarg bytes.
 * - A CPU launch end to end of a real shared object built from
 *   Inputs/fake-kernel.c (no MLIR): sizes 0, 1, 1000, strided 2-D tensors,
 *   several modules of the same code alive at once, 1 and 4 threads.
 *
 * Usage: attnrt-test PATH/fake-kernel.so
 *
 *===----------------------------------------------------------------------===*/
#define _POSIX_C_SOURCE 200809L

#include "attnrt/attnrt.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

typedef struct {
  AttnBundle b;
  AttnBundleKernel kernels[2];
  AttnBundleTarget targets[2];
  AttnBundleEntry entries[2][2];
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
 * CPU (`code`), target 1 a gfx942 code object of junk bytes. */
static void makeSpec(Spec *s, const char *cpuName, const uint8_t *code, size_t codeSize) {
  memset(s, 0, sizeof *s);
  static const uint8_t junk[64] = {0x7f, 'E', 'L', 'F'};
  snprintf(s->kernels[0].name, sizeof s->kernels[0].name, "fake");
  setArg(&s->kernels[0].args[0], "in", 1, 0);
  setArg(&s->kernels[0].args[1], "out", 1, 1);
  s->kernels[0].num_args = 2;
  snprintf(s->kernels[1].name, sizeof s->kernels[1].name, "fake2d");
  setArg(&s->kernels[1].args[0], "in", 2, 0);
  setArg(&s->kernels[1].args[1], "out", 2, 1);
  s->kernels[1].num_args = 2;
  const char *names[2] = {cpuName, "gfx942"}, *formats[2] = {"elf-so", "hsaco"};
  for (int t = 0; t < 2; ++t) {
    snprintf(s->targets[t].name, sizeof s->targets[t].name, "%s", names[t]);
    snprintf(s->targets[t].format, sizeof s->targets[t].format, "%s", formats[t]);
    s->targets[t].data = t ? junk : code;
    s->targets[t].size = t ? sizeof junk : codeSize;
    s->targets[t].entries = s->entries[t];
    setEntry(&s->entries[t][0], t ? "fake" : "__attn_program_fake", "(d0) -> (d0, 1, 1)", "in.0",
             NULL);
    setEntry(&s->entries[t][1], t ? "fake2d" : "__attn_program_fake2d", "(d0, d1) -> (d1, d0, 1)",
             "in.0", "in.1");
  }
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
  for (int t = 0; t < 2; ++t)
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

static void testHip(const AttnBundle *b) {
  char err[512];
  AttnrtModule *m = (AttnrtModule *)1;
  AttnStatus s = attnrtModuleLoad(b, "hip", &m, err, sizeof err);
  printf("device \"hip\": %s | %s\n", attnStatusString(s), err);
  if (s == ATTN_OK || s == ATTN_ERROR_NO_CODE_OBJECT || s == ATTN_ERROR_LOAD) {
    printf("note: a HIP device is present; the no-GPU checks are skipped\n");
    attnrtModuleDestroy(m);
    return;
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
}

static void testDeviceStrings(const AttnBundle *b) {
  const char *bad[] = {"cuda", "hip:", "hip:x", "hip:-1", "hip:1x", "cpu:0", "HIP"};
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
  if (argc != 2) {
    fprintf(stderr, "usage: attnrt-test PATH/fake-kernel.so\n");
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
  if (parseSpec(spec, &b)) {
    testDeviceStrings(&b);
    testHip(&b);
    attnBundleDestroy(&b);
  }
  testNoCodeObject(spec, cpuName);
  testLoadErrors(spec);
  testKernargs();
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
