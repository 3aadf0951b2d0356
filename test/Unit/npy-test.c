/* Unit tests for npy.h: round trips for every dtype and rank, byte-exact
 * agreement with numpy.save, acceptance of numpy header variants, and corrupt
 * files (which must fail with a message, never crash; run under valgrind).
 * Build from the repository root:
 *   gcc -std=c11 -Wall -Wextra -Werror -O2 -Itools/attn-run/support \
 *     test/Unit/npy-test.c tools/attn-run/support/{half,npy,reference}.c -lm */
#define _POSIX_C_SOURCE 200809L /* mkdtemp, opendir */

#include "npy.h"
#include "reference.h"

#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int failures = 0;

#define CHECK(cond, ...)                                                                           \
  do {                                                                                             \
    if (!(cond)) {                                                                                 \
      ++failures;                                                                                  \
      fprintf(stderr, "%s:%d: FAILED %s: ", __FILE__, __LINE__, #cond);                            \
      fprintf(stderr, __VA_ARGS__);                                                                \
      fputc('\n', stderr);                                                                         \
    }                                                                                              \
  } while (0)

/* Test files live in a fresh directory; the path buffer is owned by main. */
typedef struct {
  char dir[64];
  char path[400]; /* dir + "/" + a d_name of up to 255 bytes */
} Scratch;

static const char *scratchFile(Scratch *s, const char *name) {
  snprintf(s->path, sizeof s->path, "%s/%s", s->dir, name);
  return s->path;
}

static bool writeBytes(const char *path, const void *bytes, size_t n) {
  FILE *f = fopen(path, "wb");
  if (f == NULL)
    return false;
  bool ok = fwrite(bytes, 1, n, f) == n;
  return fclose(f) == 0 && ok;
}

/* Reads a whole file into a malloc'ed buffer (caller frees). */
static unsigned char *readBytes(const char *path, size_t *n) {
  FILE *f = fopen(path, "rb");
  if (f == NULL)
    return NULL;
  unsigned char *buf = malloc(1 << 20);
  *n = buf ? fread(buf, 1, 1 << 20, f) : 0;
  fclose(f);
  return buf;
}

/* Builds a complete .npy image: preamble for `major`, the dict text, then
 * `pad` spaces and a newline, then `dataLen` bytes of data. */
static size_t buildNpy(unsigned char *buf, size_t cap, int major, const char *dict, size_t pad,
                       const void *data, size_t dataLen) {
  size_t pre = major == 1 ? 10 : 12;
  size_t headerLen = strlen(dict) + pad + 1;
  size_t total = pre + headerLen + dataLen;
  if (total > cap)
    return 0;
  memcpy(buf, "\x93NUMPY", 6);
  buf[6] = (unsigned char)major;
  buf[7] = 0;
  for (size_t i = 0; i < pre - 8; ++i)
    buf[8 + i] = (unsigned char)(headerLen >> (8 * i));
  memcpy(buf + pre, dict, strlen(dict));
  memset(buf + pre + strlen(dict), ' ', pad);
  buf[pre + headerLen - 1] = '\n';
  if (dataLen)
    memcpy(buf + pre + headerLen, data, dataLen);
  return total;
}

static void expectReadError(const char *path, const char *needle, const char *what) {
  AttnNpyArray a;
  char err[512] = "";
  int rc = attnNpyRead(path, &a, err, sizeof err);
  CHECK(rc != 0, "%s: read unexpectedly succeeded", what);
  CHECK(a.data == NULL, "%s: data must stay NULL on failure", what);
  CHECK(strstr(err, needle) != NULL, "%s: message '%s' lacks '%s'", what, err, needle);
  attnNpyArrayDestroy(&a);
}

static void expectHeaderError(Scratch *s, const char *dict, const char *needle) {
  unsigned char buf[4096];
  float data[64] = {0};
  size_t n = buildNpy(buf, sizeof buf, 1, dict, 7, data, sizeof data);
  const char *path = scratchFile(s, "bad.npy");
  CHECK(n > 0 && writeBytes(path, buf, n), "setup for %s", dict);
  expectReadError(path, needle, dict);
}

static void testRoundTrip(Scratch *s, AttnNpyDType dtype, int rank, const int64_t *shape) {
  size_t count = 1;
  for (int i = 0; i < rank; ++i)
    count *= (size_t)shape[i];
  size_t bytes = count * attnNpyDTypeSize(dtype);
  unsigned char *data = malloc(bytes ? bytes : 1);
  uint64_t state = (uint64_t)dtype * 1000 + (uint64_t)rank;
  for (size_t i = 0; i < bytes; ++i)
    data[i] = (unsigned char)attnRandNext(&state);
  const char *path = scratchFile(s, "rt.npy");
  char err[512] = "";
  int rc = attnNpyWrite(path, dtype, rank, shape, data, err, sizeof err);
  CHECK(rc == 0, "write %s rank %d: %s", attnNpyDTypeName(dtype), rank, err);
  AttnNpyArray a;
  rc = attnNpyRead(path, &a, err, sizeof err);
  CHECK(rc == 0, "read %s rank %d: %s", attnNpyDTypeName(dtype), rank, err);
  if (rc == 0) {
    CHECK(a.dtype == dtype && a.rank == rank && a.numElements == count, "%s rank %d metadata",
          attnNpyDTypeName(dtype), rank);
    for (int i = 0; i < rank && i < a.rank; ++i)
      CHECK(a.shape[i] == shape[i], "dim %d: %lld vs %lld", i, (long long)a.shape[i],
            (long long)shape[i]);
    CHECK(a.data != NULL && memcmp(a.data, data, bytes) == 0, "%s rank %d data",
          attnNpyDTypeName(dtype), rank);
  }
  /* The data must start 64-byte aligned, as numpy lays it out. */
  size_t n = 0;
  unsigned char *file = readBytes(path, &n);
  CHECK(file != NULL && n == bytes + ((n - bytes) / 64) * 64 && (n - bytes) % 64 == 0,
        "file size %zu not 64-aligned header + %zu data", n, bytes);
  free(file);
  attnNpyArrayDestroy(&a);
  free(data);
}

static void testRoundTrips(Scratch *s) {
  static const AttnNpyDType dtypes[] = {ATTN_NPY_F16, ATTN_NPY_F32, ATTN_NPY_F64, ATTN_NPY_I32,
                                        ATTN_NPY_I64};
  static const int64_t shape1[] = {5}, shape2[] = {2, 3}, shape4[] = {2, 3, 4, 5},
                       empty[] = {3, 0, 2}, shape8[] = {1, 2, 1, 3, 1, 2, 1, 2};
  for (size_t d = 0; d < sizeof dtypes / sizeof dtypes[0]; ++d) {
    testRoundTrip(s, dtypes[d], 0, NULL);
    testRoundTrip(s, dtypes[d], 1, shape1);
    testRoundTrip(s, dtypes[d], 2, shape2);
    testRoundTrip(s, dtypes[d], 4, shape4);
    testRoundTrip(s, dtypes[d], 3, empty);
    testRoundTrip(s, dtypes[d], 8, shape8);
  }
}

/* Headers as numpy 1.24 np.save writes them (checked against numpy): the
 * dict, 21 - len(str(shape[0])) growth spaces, padding to 64 and '\n'. */
static void testNumpyByteExact(Scratch *s) {
  static const struct {
    AttnNpyDType dtype;
    int rank;
    int64_t shape[2];
    const char *dict;
    size_t pad;
  } cases[] = {
      {ATTN_NPY_F32, 2, {2, 3}, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", 58},
      {ATTN_NPY_F64, 0, {0, 0}, "{'descr': '<f8', 'fortran_order': False, 'shape': (), }", 62},
      {ATTN_NPY_I64, 1, {5, 0}, "{'descr': '<i8', 'fortran_order': False, 'shape': (5,), }", 60},
  };
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; ++c) {
    double data[8];
    for (int i = 0; i < 8; ++i)
      data[i] = i;
    size_t dataLen = cases[c].rank == 0
                         ? attnNpyDTypeSize(cases[c].dtype)
                         : (size_t)(cases[c].shape[0] * (cases[c].rank == 2 ? 3 : 1)) *
                               attnNpyDTypeSize(cases[c].dtype);
    unsigned char want[512];
    size_t wantLen = buildNpy(want, sizeof want, 1, cases[c].dict, cases[c].pad, data, dataLen);
    CHECK(wantLen - dataLen == 128, "expected header is 128 bytes");
    const char *path = scratchFile(s, "exact.npy");
    char err[512] = "";
    CHECK(attnNpyWrite(path, cases[c].dtype, cases[c].rank, cases[c].shape, data, err,
                       sizeof err) == 0,
          "write: %s", err);
    size_t gotLen = 0;
    unsigned char *got = readBytes(path, &gotLen);
    CHECK(got != NULL && gotLen == wantLen && memcmp(got, want, wantLen) == 0,
          "case %zu: file differs from numpy's bytes (len %zu vs %zu)", c, gotLen, wantLen);
    free(got);
  }
  /* numpy's own file for np.arange(6, dtype='<f4').reshape(2, 3) reads back. */
  float values[6] = {0, 1, 2, 3, 4, 5};
  unsigned char file[512];
  size_t n = buildNpy(file, sizeof file, 1, cases[0].dict, 58, values, sizeof values);
  const char *path = scratchFile(s, "numpy.npy");
  CHECK(writeBytes(path, file, n), "setup");
  AttnNpyArray a;
  char err[512] = "";
  CHECK(attnNpyRead(path, &a, err, sizeof err) == 0, "read numpy file: %s", err);
  CHECK(a.dtype == ATTN_NPY_F32 && a.rank == 2 && a.shape[0] == 2 && a.shape[1] == 3 &&
            a.numElements == 6 && memcmp(a.data, values, sizeof values) == 0,
        "numpy file contents");
  attnNpyArrayDestroy(&a);
}

/* Header spellings numpy (or older numpy, or format 2.0/3.0) produce. */
static void testHeaderVariants(Scratch *s) {
  static const struct {
    int major;
    const char *dict;
    int rank;
    int64_t d0, d1;
    AttnNpyDType dtype;
  } cases[] = {
      {2, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", 2, 2, 3, ATTN_NPY_F32},
      {3, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", 2, 2, 3, ATTN_NPY_F32},
      {1, "{'shape': (2, 3), 'fortran_order': False, 'descr': '<i4'}", 2, 2, 3, ATTN_NPY_I32},
      {1, "{\"descr\": \"<f8\", \"fortran_order\": False, \"shape\": (6,)}", 1, 6, 0, ATTN_NPY_F64},
      {1, "{'descr': '<f2', 'fortran_order': False, 'shape': (2L, 3L), }", 2, 2, 3, ATTN_NPY_F16},
      {1, "{'descr': '|f4', 'fortran_order': False, 'shape': (2,3,), }", 2, 2, 3, ATTN_NPY_F32},
      {1, "{ 'descr' : '<i8' , 'fortran_order' : False , 'shape' : ( 3 , ) }", 1, 3, 0,
       ATTN_NPY_I64},
  };
  unsigned char data[64] = {0};
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; ++c) {
    unsigned char buf[512];
    /* Trailing bytes after the data are allowed, as in numpy. */
    size_t n = buildNpy(buf, sizeof buf, cases[c].major, cases[c].dict, 3, data, sizeof data);
    const char *path = scratchFile(s, "variant.npy");
    CHECK(writeBytes(path, buf, n), "setup");
    AttnNpyArray a;
    char err[512] = "";
    int rc = attnNpyRead(path, &a, err, sizeof err);
    CHECK(rc == 0, "variant %zu (%s): %s", c, cases[c].dict, err);
    if (rc == 0)
      CHECK(a.rank == cases[c].rank && a.shape[0] == cases[c].d0 &&
                (a.rank < 2 || a.shape[1] == cases[c].d1) && a.dtype == cases[c].dtype,
            "variant %zu parsed wrong", c);
    attnNpyArrayDestroy(&a);
  }
}

static void testCorruptHeaders(Scratch *s) {
  expectHeaderError(s, "{'descr': '>f4', 'fortran_order': False, 'shape': (2,), }", "big-endian");
  expectHeaderError(s, "{'descr': '<c8', 'fortran_order': False, 'shape': (2,), }",
                    "unsupported dtype");
  expectHeaderError(s, "{'descr': '<u2', 'fortran_order': False, 'shape': (2,), }",
                    "unsupported dtype");
  expectHeaderError(s, "{'descr': '<f4x', 'fortran_order': False, 'shape': (2,), }",
                    "unsupported dtype");
  expectHeaderError(s, "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2,), }",
                    "structured");
  expectHeaderError(s, "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }",
                    "fortran_order");
  expectHeaderError(s, "{'descr': '<f4', 'shape': (2,), }", "missing key 'fortran_order'");
  expectHeaderError(s, "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'x': 1}",
                    "unexpected key");
  expectHeaderError(s, "{'descr': '<f4', 'descr': '<f4', 'fortran_order': False}", "duplicate");
  expectHeaderError(s, "{'descr': '<f4", "unterminated string");
  expectHeaderError(s, "{'descr': '<f4', 'fortran_order': False, 'shape': (2,)",
                    "unterminated dict");
  expectHeaderError(s, "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), } junk",
                    "unexpected text");
  expectHeaderError(s, "{'descr': '<f4', 'fortran_order': False, 'shape': (5), }", "not a tuple");
  expectHeaderError(s, "{'descr': '<f4', 'fortran_order': False, 'shape': (-1,), }",
                    "non-negative");
  expectHeaderError(s, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, x), }",
                    "non-negative");
  expectHeaderError(s, "{'descr': '<f4', 'fortran_order': False, 'shape': (,), }", "non-negative");
  expectHeaderError(s, "{'descr': '<f4', 'fortran_order': False, 'shape': (2 3), }",
                    "expected ',' or ')'");
  expectHeaderError(s, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3", "unterminated");
  expectHeaderError(s, "{'descr': '<f4', 'fortran_order': Falsey, 'shape': (2,), }",
                    "True or False");
  expectHeaderError(s, "{'descr': '<f4', 'fortran_order': 0, 'shape': (2,), }", "True or False");
  expectHeaderError(s, "{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999,)}",
                    "overflows");
  expectHeaderError(s, "{'descr': '<f4', 'fortran_order': False 'shape': (2,)}",
                    "expected ',' or '}'");
  expectHeaderError(s, "", "expected '{'");
  expectHeaderError(s, "{", "unterminated dict");
  expectHeaderError(s, "['descr', '<f4']", "expected '{'");
  expectHeaderError(s, "{'descr': '<f4', 'fortran_order': False, 'shape': (1,1,1,1,1,1,1,1,1), }",
                    "rank 9");
  expectHeaderError(s,
                    "{'descr': '<f8', 'fortran_order': False, 'shape': (4294967296, "
                    "4294967296, 16), }",
                    "more elements");
  expectHeaderError(s, "{'descr': '<f8', 'fortran_order': False, 'shape': (1099511627776,), }",
                    "truncated data");
  /* A NUL inside the header must not end parsing early or be read past. */
  unsigned char buf[256];
  size_t n = buildNpy(buf, sizeof buf, 1, "{'descr': '<f4'X 'fortran_order': False}", 4, NULL, 0);
  buf[10 + 15] = '\0';
  const char *path = scratchFile(s, "nul.npy");
  CHECK(writeBytes(path, buf, n), "setup");
  expectReadError(path, "malformed", "embedded NUL");
}

static void testCorruptFiles(Scratch *s) {
  expectReadError(scratchFile(s, "does-not-exist.npy"), "cannot open", "missing file");
  expectReadError(s->dir, "not a regular file", "directory");

  const char *path = scratchFile(s, "corrupt.npy");
  CHECK(writeBytes(path, "", 0), "setup");
  expectReadError(path, "truncated", "empty file");

  float data[6] = {0, 1, 2, 3, 4, 5};
  const char *dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";
  unsigned char good[512], buf[512];
  size_t n = buildNpy(good, sizeof good, 1, dict, 58, data, sizeof data);

  memcpy(buf, good, n);
  buf[1] = 'X';
  CHECK(writeBytes(path, buf, n), "setup");
  expectReadError(path, "bad magic", "bad magic");

  memcpy(buf, good, n);
  buf[6] = 4;
  CHECK(writeBytes(path, buf, n), "setup");
  expectReadError(path, "version 4.0", "version 4.0");
  buf[6] = 1;
  buf[7] = 1;
  CHECK(writeBytes(path, buf, n), "setup");
  expectReadError(path, "version 1.1", "version 1.1");

  memcpy(buf, good, n);
  buf[8] = 0xff; /* header length 0xff76 > file */
  CHECK(writeBytes(path, buf, n), "setup");
  expectReadError(path, "runs past the end", "header length past EOF");

  /* Version 2 header length near 4 GiB. */
  size_t n2 = buildNpy(buf, sizeof buf, 2, dict, 56, data, sizeof data);
  buf[11] = 0xff;
  CHECK(writeBytes(path, buf, n2), "setup");
  expectReadError(path, "runs past the end", "v2 header length past EOF");

  CHECK(writeBytes(path, good, n - 1), "setup");
  expectReadError(path, "truncated data", "data one byte short");

  /* Every proper prefix of a valid file must be rejected cleanly. */
  for (size_t len = 0; len < n; ++len) {
    CHECK(writeBytes(path, good, len), "setup");
    AttnNpyArray a;
    char err[512] = "";
    CHECK(attnNpyRead(path, &a, err, sizeof err) != 0, "prefix of %zu bytes accepted", len);
    CHECK(a.data == NULL, "prefix %zu left data", len);
  }
  /* NULL err buffer must be tolerated. */
  AttnNpyArray a;
  CHECK(attnNpyRead(path, &a, NULL, 0) != 0, "NULL err");
}

/* Random byte corruption: every outcome is fine except a crash, a leak or a
 * success that claims more data than the file holds. */
static void testFuzz(Scratch *s, int iterations) {
  float data[6] = {0, 1, 2, 3, 4, 5};
  const char *dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";
  unsigned char good[512], buf[512];
  size_t n = buildNpy(good, sizeof good, 1, dict, 58, data, sizeof data);
  const char *path = scratchFile(s, "fuzz.npy");
  uint64_t state = 1234;
  for (int it = 0; it < iterations; ++it) {
    memcpy(buf, good, n);
    int64_t edits = attnRandRange(&state, 1, 4);
    for (int64_t e = 0; e < edits; ++e) {
      int64_t at = attnRandRange(&state, 0, 80); /* mostly preamble and dict */
      static const char alphabet[] = "(),:'\"{} 0123456789<>|fiTF\n\x93";
      buf[at] = (unsigned char)alphabet[attnRandRange(&state, 0, sizeof alphabet - 2)];
    }
    size_t len = (size_t)attnRandRange(&state, (int64_t)n - 30, (int64_t)n);
    CHECK(writeBytes(path, buf, len), "setup");
    AttnNpyArray a;
    char err[512] = "";
    if (attnNpyRead(path, &a, err, sizeof err) == 0) {
      CHECK(a.numElements * attnNpyDTypeSize(a.dtype) <= len, "fuzz: claims too much data");
    } else {
      CHECK(err[0] != '\0', "fuzz: failure without a message");
    }
    attnNpyArrayDestroy(&a);
  }
}

static void testWriteErrors(Scratch *s) {
  char err[512] = "";
  int64_t shape[9] = {1, 1, 1, 1, 1, 1, 1, 1, 1};
  float x = 1;
  CHECK(attnNpyWrite("/nonexistent-dir/x.npy", ATTN_NPY_F32, 1, shape, &x, err, sizeof err) != 0,
        "write into missing directory");
  CHECK(strstr(err, "/nonexistent-dir/x.npy") != NULL, "message names the path: %s", err);
  CHECK(attnNpyWrite(scratchFile(s, "w.npy"), ATTN_NPY_F32, 9, shape, &x, err, sizeof err) != 0,
        "rank 9 rejected");
  int64_t negative[1] = {-1};
  CHECK(attnNpyWrite(scratchFile(s, "w.npy"), ATTN_NPY_F32, 1, negative, &x, err, sizeof err) != 0,
        "negative dim rejected");
  CHECK(attnNpyWrite(scratchFile(s, "w.npy"), ATTN_NPY_F32, 1, shape, NULL, err, sizeof err) != 0,
        "NULL data rejected");
  CHECK(attnNpyWrite(scratchFile(s, "w.npy"), (AttnNpyDType)99, 1, shape, &x, err, sizeof err) != 0,
        "bad dtype rejected");
  /* Overwriting an existing file replaces it. */
  float y[2] = {7, 8};
  int64_t two[1] = {2};
  CHECK(attnNpyWrite(scratchFile(s, "w.npy"), ATTN_NPY_F32, 1, shape, &x, err, sizeof err) == 0,
        "%s", err);
  CHECK(attnNpyWrite(scratchFile(s, "w.npy"), ATTN_NPY_F32, 1, two, y, err, sizeof err) == 0, "%s",
        err);
  AttnNpyArray a;
  CHECK(attnNpyRead(scratchFile(s, "w.npy"), &a, err, sizeof err) == 0 && a.numElements == 2 &&
            ((float *)a.data)[1] == 8.0f,
        "overwrite");
  attnNpyArrayDestroy(&a);
  attnNpyArrayDestroy(NULL);
}

/* Only regular files are replaced by rename: a symlink is written through
 * (and stays a link) and /dev/null stays a character device. Renaming over
 * /dev/null as root once turned it into a regular file. */
static void testWriteNonRegular(Scratch *s) {
  char err[512] = "", target[400];
  int64_t two[1] = {2};
  float y[2] = {3, 4};
  snprintf(target, sizeof target, "%s", scratchFile(s, "target.npy"));
  CHECK(symlink("target.npy", scratchFile(s, "link.npy")) == 0, "symlink: %s", strerror(errno));
  CHECK(attnNpyWrite(s->path, ATTN_NPY_F32, 1, two, y, err, sizeof err) == 0, "%s", err);
  struct stat st;
  CHECK(lstat(scratchFile(s, "link.npy"), &st) == 0 && S_ISLNK(st.st_mode),
        "the link stays a link");
  AttnNpyArray a;
  CHECK(attnNpyRead(target, &a, err, sizeof err) == 0 && a.numElements == 2 &&
            ((float *)a.data)[1] == 4.0f,
        "written through the link: %s", err);
  attnNpyArrayDestroy(&a);
  bool wasDevice = stat("/dev/null", &st) == 0 && S_ISCHR(st.st_mode);
  CHECK(attnNpyWrite("/dev/null", ATTN_NPY_F32, 1, two, y, err, sizeof err) == 0, "%s", err);
  CHECK(!wasDevice || (stat("/dev/null", &st) == 0 && S_ISCHR(st.st_mode)),
        "/dev/null stays a device");
}

/* The atomic write must not leave temporary files behind. Removes every file
 * it sees, then the directory. */
static void cleanupScratch(Scratch *s) {
  DIR *d = opendir(s->dir);
  CHECK(d != NULL, "opendir");
  if (d == NULL)
    return;
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
      continue;
    CHECK(strstr(e->d_name, ".tmp.") == NULL, "leftover temporary file %s", e->d_name);
    remove(scratchFile(s, e->d_name));
  }
  closedir(d);
  rmdir(s->dir);
}

int main(int argc, char **argv) {
  /* Fewer fuzz iterations keep valgrind runs short: pass a count. */
  int fuzzIterations = argc > 1 ? atoi(argv[1]) : 5000;
  Scratch s;
  snprintf(s.dir, sizeof s.dir, "/tmp/attn-npy-test-XXXXXX");
  if (mkdtemp(s.dir) == NULL) {
    perror("mkdtemp");
    return 2;
  }
  testRoundTrips(&s);
  testNumpyByteExact(&s);
  testHeaderVariants(&s);
  testCorruptHeaders(&s);
  testCorruptFiles(&s);
  testFuzz(&s, fuzzIterations);
  testWriteErrors(&s);
  testWriteNonRegular(&s);
  cleanupScratch(&s);
  if (failures != 0) {
    printf("FAIL: %d check(s) failed\n", failures);
    return 1;
  }
  printf("PASS\n");
  return 0;
}
