/*===- CpuBackend.c - run "elf-so" code objects on the host's cores ------===*
 *
 * The code object is a shared library exporting one trampoline per kernel,
 *
 *   void __attn_program_K(int64_t *slots, int64_t x, int64_t y, int64_t z);
 *
 * which runs program (x, y, z) of kernel K on the flat arguments in `slots`.
 * It is written to an anonymous memfd (or, without memfd_create, a private
 * temporary file) and dlopen'ed from there. The file stays open (and the
 * temporary file stays on disk) until the module is destroyed: glibc
 * recognizes an already-loaded library by its path, so a path that could be
 * reused by a later module while this one is loaded (a closed fd number, a
 * deleted temp name) would hand that module this library.
 *
 *===----------------------------------------------------------------------===*/
#define _GNU_SOURCE /* memfd_create */

#include "../Backend.h"
#include "../bundle/BundleInternal.h"
#include "attnrt/ThreadPool.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

typedef void (*AttnTrampoline)(int64_t *slots, int64_t x, int64_t y, int64_t z);

struct AttnCpuModule {
  void *handle;
  int fd;
  char tempPath[64]; /* non-empty when a temporary file backs the library */
  AttnThreadPool *pool;
  int32_t numKernels;
  AttnTrampoline *programs; /* [numKernels]; null: no code on this target */
};

/* Writes all of `data`, retrying short writes. */
static int writeAll(int fd, const uint8_t *data, uint64_t size) {
  while (size) {
    size_t chunk = size > (1u << 30) ? (1u << 30) : (size_t)size;
    ssize_t n = write(fd, data, chunk);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return -1;
    data += n;
    size -= (uint64_t)n;
  }
  return 0;
}

/* Opens a file holding the code object; *path is what to dlopen. */
static AttnStatus writeCodeFile(AttnCpuModule *m, const AttnBundleTarget *t, char *path,
                                size_t pathLen, char *err, size_t errLen) {
  m->fd = memfd_create("attnrt-kernels", MFD_CLOEXEC);
  if (m->fd >= 0) {
    snprintf(path, pathLen, "/proc/self/fd/%d", m->fd);
  } else {
    const char *dir = getenv("TMPDIR");
    snprintf(m->tempPath, sizeof m->tempPath, "%s/attnrt-XXXXXX.so",
             dir && *dir && strlen(dir) < 40 ? dir : "/tmp");
    m->fd = mkstemps(m->tempPath, 3);
    if (m->fd < 0) {
      m->tempPath[0] = '\0';
      return attnFail(err, errLen, ATTN_ERROR_IO,
                      "cannot create a file for the CPU code object: %s", strerror(errno));
    }
    snprintf(path, pathLen, "%s", m->tempPath);
  }
  if (writeAll(m->fd, t->data, t->size) != 0)
    return attnFail(err, errLen, ATTN_ERROR_IO, "cannot write the CPU code object (%llu bytes): %s",
                    (unsigned long long)t->size, strerror(errno));
  return ATTN_OK;
}

static AttnStatus resolvePrograms(AttnCpuModule *m, const AttnBundleTarget *t, char *err,
                                  size_t errLen) {
  for (int32_t i = 0; i < m->numKernels; ++i) {
    const char *sym = t->entries[i].symbol;
    if (!*sym)
      continue;
    void *p = dlsym(m->handle, sym);
    if (!p)
      return attnFail(err, errLen, ATTN_ERROR_LOAD,
                      "the CPU code object of target '%s' does not define '%s'", t->name, sym);
    /* dlsym returns data pointers; POSIX guarantees the conversion. */
    memcpy(&m->programs[i], &p, sizeof p);
  }
  return ATTN_OK;
}

/* ATTN_NUM_THREADS when it is a positive integer, else 0 (all cores). */
static int threadCount(void) {
  const char *s = getenv("ATTN_NUM_THREADS");
  if (!s || !*s)
    return 0;
  char *end;
  long n = strtol(s, &end, 10);
  return (*end == '\0' && n > 0 && n <= 4096) ? (int)n : 0;
}

static AttnStatus loadInto(AttnCpuModule *m, const AttnBundleTarget *t, char *err, size_t errLen) {
  char path[128];
  AttnStatus s = writeCodeFile(m, t, path, sizeof path, err, errLen);
  if (s != ATTN_OK)
    return s;
  m->handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (!m->handle) {
    const char *why = dlerror();
    return attnFail(err, errLen, ATTN_ERROR_LOAD, "cannot load the CPU code object of '%s': %s",
                    t->name, why ? why : "dlopen failed");
  }
  if ((s = resolvePrograms(m, t, err, errLen)) != ATTN_OK)
    return s;
  m->pool = attnThreadPoolCreate(threadCount());
  if (!m->pool)
    return attnFail(err, errLen, ATTN_ERROR_OUT_OF_MEMORY, "cannot start the CPU thread pool");
  return ATTN_OK;
}

AttnStatus attnCpuModuleLoad(const AttnBundleTarget *target, int32_t numKernels,
                             AttnCpuModule **out, char *err, size_t errLen) {
  *out = NULL;
  AttnCpuModule *m = calloc(1, sizeof *m);
  if (m) {
    m->fd = -1;
    m->numKernels = numKernels;
    m->programs = calloc(numKernels ? (size_t)numKernels : 1, sizeof *m->programs);
  }
  if (!m || !m->programs) {
    attnCpuModuleDestroy(m);
    return attnFail(err, errLen, ATTN_ERROR_OUT_OF_MEMORY, "out of memory loading a CPU module");
  }
  AttnStatus s = loadInto(m, target, err, errLen);
  if (s != ATTN_OK) {
    attnCpuModuleDestroy(m);
    return s;
  }
  *out = m;
  return ATTN_OK;
}

void attnCpuModuleDestroy(AttnCpuModule *m) {
  if (!m)
    return;
  if (m->pool)
    attnThreadPoolDestroy(m->pool);
  if (m->handle)
    dlclose(m->handle);
  if (m->fd >= 0)
    close(m->fd);
  if (m->tempPath[0])
    unlink(m->tempPath);
  free(m->programs);
  free(m);
}

/* The thread pool calls fn(userData, x, y, z); the trampoline takes the slot
 * array first. Calling it through a cast pointer would be undefined
 * behaviour, so a two-word adapter sits between them. */
typedef struct {
  AttnTrampoline program;
  int64_t *slots;
} Program;

static void runProgram(void *userData, int64_t x, int64_t y, int64_t z) {
  Program *p = userData;
  p->program(p->slots, x, y, z);
}

AttnStatus attnCpuLaunch(AttnCpuModule *m, int32_t kernel, const int64_t grid[3], int64_t *slots,
                         char *err, size_t errLen) {
  Program p = {m->programs[kernel], slots};
  if (!p.program)
    return attnFail(err, errLen, ATTN_ERROR_NOT_FOUND, "kernel %d has no code on this CPU target",
                    (int)kernel);
  if (attnThreadPoolLaunch(m->pool, grid[0], grid[1], grid[2], runProgram, &p) != 0)
    return attnFail(err, errLen, ATTN_ERROR_LAUNCH,
                    "the CPU thread pool rejected the grid %lld x %lld x %lld (overflow)",
                    (long long)grid[0], (long long)grid[1], (long long)grid[2]);
  return ATTN_OK;
}
