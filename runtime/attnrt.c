/*===- attnrt.c - choose a device and code object, check, pack, launch ----===*
 *
 * The backend-independent half of the runtime: parses the device string,
 * picks the bundle target for the device, copies the kernel metadata and
 * the chosen target's entries into the module (so the bundle can go away),
 * and on every launch checks the tensors against the metadata, evaluates
 * the grid and packs the flat arguments before handing them to a backend.
 *
 *===----------------------------------------------------------------------===*/
#define _POSIX_C_SOURCE 200809L

#include "attnrt/attnrt.h"

#include "Backend.h"
#include "Shapes.h"
#include "bundle/BundleInternal.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

/* The packed kernarg bytes double as the CPU trampoline's int64 slots. */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "attnrt assumes a little-endian host"
#endif

typedef enum { BACKEND_CPU, BACKEND_HIP, BACKEND_CUDA } Backend;

struct AttnrtModule {
  Backend backend;
  char device[32]; /* "cpu", "hip:N", "cuda:N" */
  char target[32]; /* the bundle target loaded */
  int32_t numKernels;
  AttnBundleKernel *kernels; /* copies: [numKernels] */
  AttnBundleEntry *entries;  /* the target's, [numKernels] */
  AttnCpuModule *cpu;
  AttnHipModule *hip;
  AttnCudaModule *cuda;
};

AttnStatus attnrtCpuTargetName(char *buf, size_t len) {
  struct utsname u;
  const char *machine = uname(&u) == 0 ? u.machine : "unknown";
  if (!buf || (size_t)snprintf(buf, len, "cpu-%s", machine) >= len)
    return ATTN_ERROR_INVALID_ARGUMENT;
  return ATTN_OK;
}

/*--- device strings ------------------------------------------------------===*/

typedef enum { WANT_AUTO, WANT_CPU, WANT_HIP, WANT_CUDA } Want;

/* "NAME" or "NAME:N" (N decimal, at most 1024) -> 1 and *ordinal. */
static int parseOrdinal(const char *device, const char *name, int *ordinal) {
  size_t len = strlen(name);
  if (strncmp(device, name, len) != 0)
    return 0;
  if (device[len] == '\0')
    return 1;
  if (device[len] != ':' || device[len + 1] < '0' || device[len + 1] > '9')
    return 0;
  char *end;
  long n = strtol(device + len + 1, &end, 10);
  if (*end != '\0' || n > 1024)
    return 0;
  *ordinal = (int)n;
  return 1;
}

static AttnStatus parseDevice(const char *device, Want *want, int *ordinal, char *err,
                              size_t errLen) {
  *ordinal = 0;
  if (!device || !strcmp(device, "auto") || !*device) {
    *want = WANT_AUTO;
    return ATTN_OK;
  }
  if (!strcmp(device, "cpu")) {
    *want = WANT_CPU;
    return ATTN_OK;
  }
  if (parseOrdinal(device, "hip", ordinal)) {
    *want = WANT_HIP;
    return ATTN_OK;
  }
  if (parseOrdinal(device, "cuda", ordinal)) {
    *want = WANT_CUDA;
    return ATTN_OK;
  }
  return attnFail(err, errLen, ATTN_ERROR_INVALID_ARGUMENT,
                  "unknown device \"%s\": expected \"auto\", \"cpu\", \"cuda\", \"cuda:N\", "
                  "\"hip\" or \"hip:N\"",
                  device);
}

/*--- target choice -------------------------------------------------------===*/

/* "gfx942" matches "gfx942:sramecc+:xnack-": names compare up to ':'. */
static int sameArch(const char *a, const char *b) {
  size_t la = strcspn(a, ":"), lb = strcspn(b, ":");
  return la == lb && strncmp(a, b, la) == 0;
}

static const AttnBundleTarget *findTarget(const AttnBundle *b, const char *arch, const char *format,
                                          int prefixMatch) {
  for (int i = 0; i < b->num_targets; ++i) {
    const AttnBundleTarget *t = &b->targets[i];
    int nameOk = prefixMatch ? sameArch(t->name, arch) : strcmp(t->name, arch) == 0;
    if (nameOk && strcmp(t->format, format) == 0)
      return t;
  }
  return NULL;
}

static AttnStatus noCodeObject(const AttnBundle *b, const char *device, const char *wanted,
                               const char *format, char *err, size_t errLen) {
  char list[400] = "";
  size_t used = 0;
  for (int i = 0; i < b->num_targets && used < sizeof list; ++i)
    used += (size_t)snprintf(list + used, sizeof list - used, "%s%s (%s)", i ? ", " : "",
                             b->targets[i].name, b->targets[i].format);
  return attnFail(err, errLen, ATTN_ERROR_NO_CODE_OBJECT,
                  "the bundle has no code object for device %s (target %s, format %s); its "
                  "targets: %s",
                  device, wanted, format, b->num_targets ? list : "none");
}

/*--- module --------------------------------------------------------------===*/

static AttnStatus newModule(const AttnBundle *b, const AttnBundleTarget *t, Backend backend,
                            const char *device, AttnrtModule **out, char *err, size_t errLen) {
  AttnrtModule *m = calloc(1, sizeof *m);
  size_t n = b->num_kernels ? (size_t)b->num_kernels : 1;
  if (m) {
    m->kernels = calloc(n, sizeof *m->kernels);
    m->entries = calloc(n, sizeof *m->entries);
  }
  if (!m || !m->kernels || !m->entries) {
    attnrtModuleDestroy(m);
    return attnFail(err, errLen, ATTN_ERROR_OUT_OF_MEMORY, "out of memory loading a module");
  }
  m->backend = backend;
  m->numKernels = b->num_kernels;
  snprintf(m->device, sizeof m->device, "%s", device);
  snprintf(m->target, sizeof m->target, "%s", t->name);
  if (b->num_kernels) {
    memcpy(m->kernels, b->kernels, (size_t)b->num_kernels * sizeof *m->kernels);
    memcpy(m->entries, t->entries, (size_t)b->num_kernels * sizeof *m->entries);
  }
  *out = m;
  return ATTN_OK;
}

static AttnStatus loadCpu(const AttnBundle *b, AttnrtModule **out, char *err, size_t errLen) {
  char name[64];
  if (attnrtCpuTargetName(name, sizeof name) != ATTN_OK)
    return attnFail(err, errLen, ATTN_ERROR_NO_CODE_OBJECT, "cannot name this host's CPU target");
  const AttnBundleTarget *t = findTarget(b, name, "elf-so", 0);
  if (!t)
    return noCodeObject(b, "cpu", name, "elf-so", err, errLen);
  AttnStatus s = newModule(b, t, BACKEND_CPU, "cpu", out, err, errLen);
  if (s == ATTN_OK &&
      (s = attnCpuModuleLoad(t, b->num_kernels, &(*out)->cpu, err, errLen)) != ATTN_OK) {
    attnrtModuleDestroy(*out);
    *out = NULL;
  }
  return s;
}

static AttnStatus loadHip(const AttnBundle *b, int ordinal, AttnrtModule **out, char *err,
                          size_t errLen) {
  AttnHipDevice *dev;
  AttnStatus s = attnHipDeviceOpen(ordinal, &dev, err, errLen);
  if (s != ATTN_OK)
    return s;
  char device[32];
  snprintf(device, sizeof device, "hip:%d", ordinal);
  const AttnBundleTarget *t = findTarget(b, attnHipDeviceArch(dev), "hsaco", 1);
  if (!t) {
    char arch[64];
    snprintf(arch, sizeof arch, "%s", attnHipDeviceArch(dev));
    attnHipDeviceClose(dev);
    return noCodeObject(b, device, arch, "hsaco", err, errLen);
  }
  if ((s = newModule(b, t, BACKEND_HIP, device, out, err, errLen)) != ATTN_OK) {
    attnHipDeviceClose(dev);
    return s;
  }
  if ((s = attnHipModuleLoad(dev, t, b->num_kernels, &(*out)->hip, err, errLen)) != ATTN_OK) {
    attnrtModuleDestroy(*out);
    *out = NULL;
  }
  return s;
}

/* The target names that fit compute capability major.minor, best first:
 * "sm_90a" then "sm_90". PTX for an 'a' target uses architecture-specific
 * features (wgmma, setmaxnreg) and JITs only on exactly that capability;
 * plain PTX runs there too. 'a' targets exist from 9.0 on. */
static int cudaTargetNames(int major, int minor, char names[2][16]) {
  int n = 0;
  if (major >= 9)
    snprintf(names[n++], 16, "sm_%d%da", major, minor);
  snprintf(names[n++], 16, "sm_%d%d", major, minor);
  return n;
}

static AttnStatus loadCuda(const AttnBundle *b, int ordinal, AttnrtModule **out, char *err,
                           size_t errLen) {
  AttnCudaDevice *dev;
  AttnStatus s = attnCudaDeviceOpen(ordinal, &dev, err, errLen);
  if (s != ATTN_OK)
    return s;
  char device[32], names[2][16];
  snprintf(device, sizeof device, "cuda:%d", ordinal);
  int major, minor;
  attnCudaDeviceCapability(dev, &major, &minor);
  int n = cudaTargetNames(major, minor, names);
  const AttnBundleTarget *t = NULL;
  for (int i = 0; i < n && !t; ++i)
    t = findTarget(b, names[i], "ptx", 0);
  if (!t) {
    char wanted[40];
    snprintf(wanted, sizeof wanted, "%s%s%s", names[0], n > 1 ? " or " : "", n > 1 ? names[1] : "");
    attnCudaDeviceClose(dev);
    return noCodeObject(b, device, wanted, "ptx", err, errLen);
  }
  if ((s = newModule(b, t, BACKEND_CUDA, device, out, err, errLen)) != ATTN_OK) {
    attnCudaDeviceClose(dev);
    return s;
  }
  if ((s = attnCudaModuleLoad(dev, t, b->num_kernels, &(*out)->cuda, err, errLen)) != ATTN_OK) {
    attnrtModuleDestroy(*out);
    *out = NULL;
  }
  return s;
}

/* Failures after which "auto" tries the next device: this one is missing
 * or cannot run the bundle. Anything else (the driver rejected the code
 * object, out of memory) is reported as it is. */
static int tryNext(AttnStatus s) {
  return s == ATTN_ERROR_NO_DRIVER || s == ATTN_ERROR_NO_DEVICE || s == ATTN_ERROR_NO_CODE_OBJECT;
}

/* CUDA, then HIP (device 0 each) when a device is there and the bundle has
 * code for it, else the CPU; when all fail, the message says why for each. */
static AttnStatus loadAuto(const AttnBundle *b, AttnrtModule **out, char *err, size_t errLen) {
  char cudaWhy[512], hipWhy[512], cpuWhy[512];
  AttnStatus s = loadCuda(b, 0, out, cudaWhy, sizeof cudaWhy);
  if (!tryNext(s)) {
    if (s != ATTN_OK)
      attnFail(err, errLen, s, "%s", cudaWhy);
    return s;
  }
  s = loadHip(b, 0, out, hipWhy, sizeof hipWhy);
  if (!tryNext(s)) {
    if (s != ATTN_OK)
      attnFail(err, errLen, s, "%s", hipWhy);
    return s;
  }
  s = loadCpu(b, out, cpuWhy, sizeof cpuWhy);
  if (s != ATTN_OK)
    attnFail(err, errLen, s, "no device can run this bundle: %s; %s; %s", cudaWhy, hipWhy, cpuWhy);
  return s;
}

AttnStatus attnrtModuleLoad(const AttnBundle *bundle, const char *device, AttnrtModule **out,
                            char *err, size_t errLen) {
  if (err && errLen)
    err[0] = '\0';
  if (!out)
    return attnFail(err, errLen, ATTN_ERROR_INVALID_ARGUMENT, "attnrtModuleLoad: null output");
  *out = NULL;
  if (!bundle || bundle->num_kernels < 0 || bundle->num_targets < 0 ||
      (bundle->num_kernels && !bundle->kernels) || (bundle->num_targets && !bundle->targets))
    return attnFail(err, errLen, ATTN_ERROR_INVALID_ARGUMENT,
                    "attnrtModuleLoad: null or malformed bundle");
  Want want;
  int ordinal;
  AttnStatus s = parseDevice(device, &want, &ordinal, err, errLen);
  if (s != ATTN_OK)
    return s;
  switch (want) {
  case WANT_CPU:
    return loadCpu(bundle, out, err, errLen);
  case WANT_HIP:
    return loadHip(bundle, ordinal, out, err, errLen);
  case WANT_CUDA:
    return loadCuda(bundle, ordinal, out, err, errLen);
  default:
    return loadAuto(bundle, out, err, errLen);
  }
}

void attnrtModuleDestroy(AttnrtModule *m) {
  if (!m)
    return;
  attnCpuModuleDestroy(m->cpu);
  attnHipModuleDestroy(m->hip);
  attnCudaModuleDestroy(m->cuda);
  free(m->kernels);
  free(m->entries);
  free(m);
}

const char *attnrtModuleDevice(const AttnrtModule *m) { return m ? m->device : ""; }

const char *attnrtModuleTarget(const AttnrtModule *m) { return m ? m->target : ""; }

/*--- arguments -----------------------------------------------------------===*/

static int isEmpty(const AttnrtTensor *t) {
  for (int d = 0; d < t->rank; ++d)
    if (t->sizes[d] == 0)
      return 1;
  return 0;
}

static AttnStatus checkTensors(const AttnBundleKernel *k, const AttnrtTensor *t, int n, char *err,
                               size_t errLen) {
  if (n != k->num_args || (n && !t))
    return attnFail(err, errLen, ATTN_ERROR_INVALID_ARGUMENT,
                    "kernel '%s' takes %d tensors, %d given", k->name, (int)k->num_args, n);
  for (int i = 0; i < n; ++i) {
    const AttnBundleArg *a = &k->args[i];
    if (t[i].rank != a->rank)
      return attnFail(err, errLen, ATTN_ERROR_INVALID_ARGUMENT,
                      "kernel '%s': tensor %d ('%s') has rank %d, expected %d", k->name, i, a->name,
                      (int)t[i].rank, (int)a->rank);
    for (int d = 0; d < a->rank; ++d)
      if (t[i].sizes[d] < 0)
        return attnFail(err, errLen, ATTN_ERROR_INVALID_ARGUMENT,
                        "kernel '%s': tensor %d ('%s') has size %lld in dim %d", k->name, i,
                        a->name, (long long)t[i].sizes[d], d);
    /* An empty tensor is never dereferenced, so frameworks' null data
     * pointers for empty tensors are fine. */
    if (!t[i].data && !isEmpty(&t[i]))
      return attnFail(err, errLen, ATTN_ERROR_INVALID_ARGUMENT,
                      "kernel '%s': tensor %d ('%s') has null data", k->name, i, a->name);
  }
  return attnCheckShapes(k, t, err, errLen);
}

static size_t kernargBytes(const AttnBundleKernel *k) {
  size_t words = 0;
  for (int i = 0; i < k->num_args; ++i)
    words += 3 + 2 * (size_t)k->args[i].rank;
  return words * 8;
}

static uint8_t *putWord(uint8_t *p, uint64_t v) {
  for (int i = 0; i < 8; ++i)
    p[i] = (uint8_t)(v >> (8 * i)); /* little-endian, whatever the host */
  return p + 8;
}

AttnStatus attnrtPackKernargs(const AttnBundleKernel *k, const AttnrtTensor *t, int n, uint8_t *buf,
                              size_t cap, size_t *used, char *err, size_t errLen) {
  if (!k || !used || k->num_args < 0 || k->num_args > ATTN_BUNDLE_MAX_ARGS)
    return attnFail(err, errLen, ATTN_ERROR_INVALID_ARGUMENT,
                    "attnrtPackKernargs: null or malformed argument");
  AttnStatus s = checkTensors(k, t, n, err, errLen);
  if (s != ATTN_OK)
    return s;
  *used = kernargBytes(k);
  if (!buf || cap < *used)
    return attnFail(err, errLen, ATTN_ERROR_INVALID_ARGUMENT,
                    "kernel '%s' needs %zu kernarg bytes, the buffer has %zu", k->name, *used,
                    buf ? cap : 0);
  uint8_t *p = buf;
  for (int i = 0; i < n; ++i) {
    uint64_t ptr = (uint64_t)(uintptr_t)t[i].data;
    p = putWord(putWord(putWord(p, ptr), ptr), 0); /* allocated, aligned, offset */
    for (int d = 0; d < t[i].rank; ++d)
      p = putWord(p, (uint64_t)t[i].sizes[d]);
    for (int d = 0; d < t[i].rank; ++d)
      p = putWord(p, (uint64_t)t[i].strides[d]);
  }
  return ATTN_OK;
}

/*--- launch --------------------------------------------------------------===*/

static AttnStatus findKernel(const AttnrtModule *m, const char *name, int32_t *index, char *err,
                             size_t errLen) {
  for (int32_t i = 0; name && i < m->numKernels; ++i)
    if (strcmp(m->kernels[i].name, name) == 0) {
      *index = i;
      return ATTN_OK;
    }
  return attnFail(err, errLen, ATTN_ERROR_NOT_FOUND, "the module has no kernel named '%s'",
                  name ? name : "(null)");
}

static AttnStatus evalGrid(const AttnrtModule *m, int32_t k, const AttnrtTensor *t, int64_t grid[3],
                           char *err, size_t errLen) {
  const int64_t *sizes[ATTN_BUNDLE_MAX_ARGS];
  for (int i = 0; i < m->kernels[k].num_args; ++i)
    sizes[i] = t[i].sizes;
  AttnStatus s = attnBundleEvalGrid(&m->kernels[k], &m->entries[k], sizes, grid, err, errLen);
  if (s != ATTN_OK && err && errLen) {
    char msg[400];
    snprintf(msg, sizeof msg, "%s", err);
    snprintf(err, errLen, "kernel '%s' on %s: %s", m->kernels[k].name, m->target, msg);
  }
  return s;
}

/* The GPU kernels (AMD and NVIDIA) address memory with 64-bit element
 * offsets and keep token positions in 32-bit registers: only the sizes that
 * bound a sequence's positions are limited (Shapes.h, ATTN_GPU_MAX_TOKENS). */
static AttnStatus checkGpuSizes(const AttnBundleKernel *k, const AttnrtTensor *t, char *err,
                                size_t errLen) {
  AttnStatus s = attnCheckGpuPositions(k, t, err, errLen);
  return s != ATTN_OK ? s : attnCheckGpuAlignment(k, t, err, errLen);
}

/* The tensor maps of kernel k's entry, described for `t`. Only the CUDA
 * backend encodes them (a bundle puts them on sm_90a entries only). */
static AttnStatus describeMaps(const AttnrtModule *m, int32_t k, const AttnrtTensor *t,
                               AttnrtTensorMapDesc maps[ATTN_BUNDLE_MAX_TENSOR_MAPS], int *n,
                               char *err, size_t errLen) {
  const AttnBundleEntry *e = &m->entries[k];
  *n = e->num_tensor_maps;
  if (*n > 0 && m->backend != BACKEND_CUDA)
    return attnFail(err, errLen, ATTN_ERROR_INVALID_ARGUMENT,
                    "kernel '%s' on %s takes TMA tensor maps, which only the CUDA backend encodes",
                    m->kernels[k].name, m->target);
  for (int i = 0; i < *n; ++i) {
    AttnStatus s =
        attnrtDescribeTensorMap(&m->kernels[k], &e->tensor_maps[i], t, &maps[i], err, errLen);
    if (s != ATTN_OK)
      return s;
  }
  return ATTN_OK;
}

AttnStatus attnrtLaunch(AttnrtModule *m, const char *kernel, const AttnrtTensor *tensors,
                        int numTensors, void *stream, char *err, size_t errLen) {
  if (err && errLen)
    err[0] = '\0';
  if (!m)
    return attnFail(err, errLen, ATTN_ERROR_INVALID_ARGUMENT, "attnrtLaunch: null module");
  int32_t k = 0;
  union {
    int64_t slots[ATTNRT_MAX_KERNARG_BYTES / 8]; /* aligned for the CPU's int64 view */
    uint8_t bytes[ATTNRT_MAX_KERNARG_BYTES];
  } args;
  size_t used = 0;
  int64_t grid[3];
  AttnStatus s;
  if ((s = findKernel(m, kernel, &k, err, errLen)) != ATTN_OK ||
      (s = attnrtPackKernargs(&m->kernels[k], tensors, numTensors, args.bytes, sizeof args.bytes,
                              &used, err, errLen)) != ATTN_OK ||
      (s = evalGrid(m, k, tensors, grid, err, errLen)) != ATTN_OK)
    return s;
  if (grid[0] == 0 || grid[1] == 0 || grid[2] == 0)
    return ATTN_OK; /* no programs */
  if (m->backend == BACKEND_CPU)
    return attnCpuLaunch(m->cpu, k, grid, args.slots, err, errLen);
  if ((s = checkGpuSizes(&m->kernels[k], tensors, err, errLen)) != ATTN_OK)
    return s;
  AttnrtTensorMapDesc maps[ATTN_BUNDLE_MAX_TENSOR_MAPS];
  int numMaps = 0;
  if ((s = describeMaps(m, k, tensors, maps, &numMaps, err, errLen)) != ATTN_OK)
    return s;
  if (m->backend == BACKEND_CUDA)
    return attnCudaLaunch(m->cuda, k, grid, m->entries[k].workgroup_size, args.bytes, used, maps,
                          numMaps, stream, err, errLen);
  return attnHipLaunch(m->hip, k, grid, m->entries[k].workgroup_size, args.bytes, used, stream, err,
                       errLen);
}

/*--- launch plans --------------------------------------------------------===*/

typedef struct PlanLaunch {
  int32_t kernel;
  int32_t numTensors;
  int64_t grid[3];
  size_t used;
  /* Per tensor: the byte offset of its allocated pointer (the aligned one follows) and
   * whether it is empty (then a null pointer is fine). */
  size_t offset[ATTN_BUNDLE_MAX_ARGS];
  uint8_t empty[ATTN_BUNDLE_MAX_ARGS];
  /* GPU: the low bits that must be 0 in the tensor's data pointer (its rows
   * start on multiples of the kernel's row_align elements); 0: any. */
  uint64_t alignMask[ATTN_BUNDLE_MAX_ARGS];
  /* Tensor maps depend on the data pointers: described again at each launch. */
  AttnrtTensor tensors[ATTN_BUNDLE_MAX_ARGS];
  union {
    int64_t slots[ATTNRT_MAX_KERNARG_BYTES / 8];
    uint8_t bytes[ATTNRT_MAX_KERNARG_BYTES];
  } args;
} PlanLaunch;

/* A CUDA plan's graph (attnCudaGraphCreate), made at its first launch outside
 * stream capture: state 0 not tried, 1 made, -1 none (not CUDA,
 * ATTN_CUDA_GRAPHS=0, a launch without programs, or the driver has no
 * graphs); the lock serializes the graph's argument updates and launches. */
typedef struct {
  pthread_mutex_t lock;
  int state;
  AttnCudaGraph *graph;
} PlanGraph;

struct AttnrtPlan {
  AttnrtModule *module;
  int numLaunches;
  int numData;
  PlanGraph *graph; /* mutable through a const plan: a cache of the launches */
  PlanLaunch launches[ATTNRT_PLAN_MAX_LAUNCHES];
};

AttnStatus attnrtPlanCreate(AttnrtModule *m, AttnrtPlan **out, char *err, size_t errLen) {
  if (err && errLen)
    err[0] = '\0';
  if (!m || !out)
    return attnFail(err, errLen, ATTN_ERROR_INVALID_ARGUMENT,
                    "attnrtPlanCreate: null module or output");
  *out = calloc(1, sizeof **out);
  PlanGraph *g = calloc(1, sizeof *g);
  if (!*out || !g || pthread_mutex_init(&g->lock, NULL) != 0) {
    free(*out);
    free(g);
    *out = NULL;
    return attnFail(err, errLen, ATTN_ERROR_OUT_OF_MEMORY, "out of memory creating a plan");
  }
  /* On by default (measured on the H100: bench/RESULTS.md); ATTN_CUDA_GRAPHS=0 turns
   * it off (docs/python.md). */
  const char *env = getenv("ATTN_CUDA_GRAPHS");
  g->state = m->backend == BACKEND_CUDA && !(env && !strcmp(env, "0")) ? 0 : -1;
  (*out)->module = m;
  (*out)->graph = g;
  return ATTN_OK;
}

AttnStatus attnrtPlanAdd(AttnrtPlan *p, const char *kernel, const AttnrtTensor *tensors, int n,
                         char *err, size_t errLen) {
  if (err && errLen)
    err[0] = '\0';
  if (!p)
    return attnFail(err, errLen, ATTN_ERROR_INVALID_ARGUMENT, "attnrtPlanAdd: null plan");
  if (p->numLaunches == ATTNRT_PLAN_MAX_LAUNCHES)
    return attnFail(err, errLen, ATTN_ERROR_INVALID_ARGUMENT,
                    "attnrtPlanAdd: a plan holds at most %d launches", ATTNRT_PLAN_MAX_LAUNCHES);
  AttnrtModule *m = p->module;
  PlanLaunch *l = &p->launches[p->numLaunches];
  memset(l, 0, sizeof *l);
  AttnStatus s;
  int32_t k = 0;
  if ((s = findKernel(m, kernel, &k, err, errLen)) != ATTN_OK)
    return s;
  /* Checked without the data pointers: they come with each launch. */
  AttnrtTensor t[ATTN_BUNDLE_MAX_ARGS];
  if (n < 0 || n > ATTN_BUNDLE_MAX_ARGS || (n && !tensors))
    return attnFail(err, errLen, ATTN_ERROR_INVALID_ARGUMENT,
                    "kernel '%s' takes %d tensors, %d given", m->kernels[k].name,
                    (int)m->kernels[k].num_args, n);
  for (int i = 0; i < n; ++i) {
    t[i] = tensors[i];
    t[i].data = (void *)(uintptr_t)1;
  }
  if ((s = attnrtPackKernargs(&m->kernels[k], t, n, l->args.bytes, sizeof l->args.bytes, &l->used,
                              err, errLen)) != ATTN_OK ||
      (s = evalGrid(m, k, t, l->grid, err, errLen)) != ATTN_OK)
    return s;
  /* The checks of sizes and strides now, with aligned stand-in pointers (a
   * stand-in of 1 would fail every row alignment check: no GPU plan then);
   * the pointers' own alignment at each launch (alignMask). */
  AttnrtTensor aligned[ATTN_BUNDLE_MAX_ARGS];
  AttnrtTensorMapDesc maps[ATTN_BUNDLE_MAX_TENSOR_MAPS];
  int numMaps = 0;
  for (int i = 0; i < n; ++i) {
    aligned[i] = t[i];
    aligned[i].data = (void *)(uintptr_t)ATTNRT_TENSOR_MAP_ALIGN;
  }
  if (m->backend != BACKEND_CPU &&
      (s = checkGpuSizes(&m->kernels[k], aligned, err, errLen)) != ATTN_OK)
    return s;
  if ((s = describeMaps(m, k, aligned, maps, &numMaps, err, errLen)) != ATTN_OK)
    return s;
  memcpy(l->tensors, t, (size_t)n * sizeof *t);
  size_t offset = 0;
  for (int i = 0; i < n; ++i) {
    l->offset[i] = offset;
    l->empty[i] = (uint8_t)isEmpty(&t[i]);
    l->alignMask[i] = m->backend == BACKEND_CPU
                          ? 0
                          : (uint64_t)attnGpuDataAlignment(&m->kernels[k], i, &t[i]) - 1;
    offset += (3 + 2 * (size_t)t[i].rank) * 8;
  }
  l->kernel = k;
  l->numTensors = n;
  p->numData += n;
  ++p->numLaunches;
  return ATTN_OK;
}

/* One launch of a plan with this call's data pointers: its packed arguments
 * and its tensor maps (none for a launch without programs). */
typedef struct {
  union {
    int64_t slots[ATTNRT_MAX_KERNARG_BYTES / 8];
    uint8_t bytes[ATTNRT_MAX_KERNARG_BYTES];
  } args;
  AttnrtTensorMapDesc maps[ATTN_BUNDLE_MAX_TENSOR_MAPS];
  int numMaps;
} LaunchArgs;

static AttnStatus fillLaunch(const AttnrtModule *m, const PlanLaunch *l, const void *const *ptrs,
                             LaunchArgs *a, char *err, size_t errLen) {
  a->numMaps = 0;
  if (l->grid[0] == 0 || l->grid[1] == 0 || l->grid[2] == 0)
    return ATTN_OK; /* no programs */
  memcpy(a->args.bytes, l->args.bytes, l->used);
  for (int j = 0; j < l->numTensors; ++j) {
    uint64_t ptr = (uint64_t)(uintptr_t)ptrs[j];
    putWord(putWord(a->args.bytes + l->offset[j], ptr), ptr);
  }
  if (m->entries[l->kernel].num_tensor_maps == 0)
    return ATTN_OK;
  AttnrtTensor t[ATTN_BUNDLE_MAX_ARGS];
  for (int j = 0; j < l->numTensors; ++j) {
    t[j] = l->tensors[j];
    t[j].data = (void *)ptrs[j];
  }
  return describeMaps(m, l->kernel, t, a->maps, &a->numMaps, err, errLen);
}

/* The CUDA driver's view of a plan's launches with these arguments. */
static void cudaDescs(const AttnrtPlan *p, LaunchArgs *a, AttnCudaLaunchDesc *out) {
  for (int i = 0; i < p->numLaunches; ++i) {
    const PlanLaunch *l = &p->launches[i];
    out[i] = (AttnCudaLaunchDesc){.kernel = l->kernel,
                                  .grid = {l->grid[0], l->grid[1], l->grid[2]},
                                  .workgroupSize = p->module->entries[l->kernel].workgroup_size,
                                  .kernargs = a[i].args.bytes,
                                  .kernargBytes = l->used,
                                  .maps = a[i].maps,
                                  .numMaps = a[i].numMaps};
  }
}

/* Launches a CUDA plan as one graph (made at its first launch outside
 * stream capture); *launched false: the caller launches one by one (no
 * graph, or the stream is being captured). A graph that cannot be made is
 * not retried, and one whose launch fails is dropped (nothing was launched:
 * the launches one by one follow and report their own errors).
 * Kernels of one plan's graph launched on two streams run one after the
 * other (a graph's launches are ordered). ATTN_CUDA_GRAPHS=0 when the plan
 * is created turns it off. */
static AttnStatus launchGraph(const AttnrtPlan *p, LaunchArgs *a, void *stream, bool *launched,
                              char *err, size_t errLen) {
  *launched = false;
  PlanGraph *g = p->graph;
  if (g->state < 0)
    return ATTN_OK;
  if (attnCudaStreamCapturing(p->module->cuda, stream))
    return ATTN_OK;
  AttnCudaLaunchDesc descs[ATTNRT_PLAN_MAX_LAUNCHES];
  cudaDescs(p, a, descs);
  AttnStatus s = ATTN_OK;
  pthread_mutex_lock(&g->lock);
  if (g->state == 0) {
    bool programs = true;
    for (int i = 0; i < p->numLaunches; ++i)
      programs = programs && descs[i].grid[0] && descs[i].grid[1] && descs[i].grid[2];
    char ignored[256];
    if (!programs ||
        attnCudaGraphCreate(p->module->cuda, descs, p->numLaunches, &g->graph, ignored,
                            sizeof ignored) != ATTN_OK ||
        !g->graph)
      g->state = -1;
    else
      g->state = 1;
  }
  if (g->state == 1 &&
      attnCudaGraphLaunch(g->graph, descs, stream, launched, err, errLen) != ATTN_OK) {
    /* Nothing was launched: the kernels go one by one from now on (and
     * report the error if there is one to report). */
    attnCudaGraphDestroy(g->graph);
    g->graph = NULL;
    g->state = -1;
    *launched = false;
    if (err && errLen)
      err[0] = '\0';
  }
  pthread_mutex_unlock(&g->lock);
  return s;
}

AttnStatus attnrtPlanLaunch(const AttnrtPlan *p, const void *const *data, int numData, void *stream,
                            char *err, size_t errLen) {
  if (err && errLen)
    err[0] = '\0';
  if (!p)
    return attnFail(err, errLen, ATTN_ERROR_INVALID_ARGUMENT, "attnrtPlanLaunch: null plan");
  if (numData != p->numData || (numData && !data))
    return attnFail(err, errLen, ATTN_ERROR_INVALID_ARGUMENT,
                    "attnrtPlanLaunch: the plan takes %d data pointers, %d given", p->numData,
                    numData);
  AttnrtModule *m = p->module;
  const void *const *d = data;
  for (int i = 0; i < p->numLaunches; ++i) {
    const PlanLaunch *l = &p->launches[i];
    for (int j = 0; j < l->numTensors; ++j) {
      if (!d[j] && !l->empty[j])
        return attnFail(err, errLen, ATTN_ERROR_INVALID_ARGUMENT,
                        "kernel '%s': tensor %d ('%s') has null data", m->kernels[l->kernel].name,
                        j, m->kernels[l->kernel].args[j].name);
      if ((uint64_t)(uintptr_t)d[j] & l->alignMask[j])
        return attnFail(err, errLen, ATTN_ERROR_INVALID_ARGUMENT,
                        "kernel '%s': the rows of '%s' must start on multiples of %llu bytes (the "
                        "kernel's copy width); its address %p does not",
                        m->kernels[l->kernel].name, m->kernels[l->kernel].args[j].name,
                        (unsigned long long)l->alignMask[j] + 1, d[j]);
    }
    d += l->numTensors;
  }
  LaunchArgs a[ATTNRT_PLAN_MAX_LAUNCHES];
  AttnStatus s;
  d = data;
  for (int i = 0; i < p->numLaunches; ++i) {
    if ((s = fillLaunch(m, &p->launches[i], d, &a[i], err, errLen)) != ATTN_OK)
      return s;
    d += p->launches[i].numTensors;
  }
  bool launched = false;
  if ((s = launchGraph(p, a, stream, &launched, err, errLen)) != ATTN_OK || launched)
    return s;
  for (int i = 0; i < p->numLaunches; ++i) {
    const PlanLaunch *l = &p->launches[i];
    if (l->grid[0] == 0 || l->grid[1] == 0 || l->grid[2] == 0)
      continue; /* no programs */
    if (m->backend == BACKEND_CPU)
      s = attnCpuLaunch(m->cpu, l->kernel, l->grid, a[i].args.slots, err, errLen);
    else if (m->backend == BACKEND_CUDA)
      s = attnCudaLaunch(m->cuda, l->kernel, l->grid, m->entries[l->kernel].workgroup_size,
                         a[i].args.bytes, l->used, a[i].maps, a[i].numMaps, stream, err, errLen);
    else
      s = attnHipLaunch(m->hip, l->kernel, l->grid, m->entries[l->kernel].workgroup_size,
                        a[i].args.bytes, l->used, stream, err, errLen);
    if (s != ATTN_OK)
      return s;
  }
  return ATTN_OK;
}

void attnrtPlanDestroy(AttnrtPlan *p) {
  if (!p)
    return;
  if (p->graph) {
    attnCudaGraphDestroy(p->graph->graph);
    pthread_mutex_destroy(&p->graph->lock);
    free(p->graph);
  }
  free(p);
}
