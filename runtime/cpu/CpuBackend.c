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
#include <elf.h>
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

/*--- the ELF image, checked before dlopen maps it ---------------------------===*/

/* Whether [offset, offset + count * entSize) lies within `size` bytes. */
static int inFile(uint64_t offset, uint64_t count, uint64_t entSize, uint64_t size) {
  if (offset > size || (entSize && count > (size - offset) / entSize))
    return 0;
  return 1;
}

#if defined(__x86_64__)
#define ATTN_ELF_MACHINE EM_X86_64
#elif defined(__aarch64__)
#define ATTN_ELF_MACHINE EM_AARCH64
#endif

/* The dynamic loader maps every PT_LOAD segment from the file and reads the
 * headers and the dynamic section through that mapping: a segment that
 * claims bytes past the end of the file faults with SIGBUS inside dlopen
 * (a truncated code object whose checksum was recomputed). So the ELF
 * header, the program headers and every segment's file bytes must lie in
 * the file, which is all dlopen reads from it. */
static const char *checkElf(const uint8_t *data, uint64_t size) {
  Elf64_Ehdr eh;
  if (size < sizeof eh)
    return "shorter than an ELF header";
  memcpy(&eh, data, sizeof eh);
  if (memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0)
    return "not an ELF file";
  if (eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_type != ET_DYN)
    return "not a 64-bit ELF shared object";
#ifdef ATTN_ELF_MACHINE
  if (eh.e_machine != ATTN_ELF_MACHINE)
    return "an ELF shared object for another machine";
#endif
  if (eh.e_phentsize != sizeof(Elf64_Phdr) || eh.e_phnum == 0 ||
      !inFile(eh.e_phoff, eh.e_phnum, sizeof(Elf64_Phdr), size))
    return "program headers outside the file (truncated?)";
  if (eh.e_shnum && !inFile(eh.e_shoff, eh.e_shnum, eh.e_shentsize, size))
    return "section headers outside the file (truncated?)";
  for (uint16_t i = 0; i < eh.e_phnum; ++i) {
    Elf64_Phdr ph;
    memcpy(&ph, data + eh.e_phoff + (uint64_t)i * sizeof ph, sizeof ph);
    if (ph.p_type != PT_NULL && !inFile(ph.p_offset, ph.p_filesz, 1, size))
      return "a segment extends past the end of the file (truncated?)";
    if (ph.p_type == PT_LOAD && ph.p_filesz > ph.p_memsz)
      return "a loadable segment is larger in the file than in memory";
  }
  return NULL;
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
  const char *bad = checkElf(t->data, t->size);
  if (bad)
    return attnFail(err, errLen, ATTN_ERROR_LOAD,
                    "the CPU code object of '%s' (%llu bytes) is not loadable: %s", t->name,
                    (unsigned long long)t->size, bad);
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
