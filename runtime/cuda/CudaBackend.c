/*===- CudaBackend.c - run "ptx" code objects through the CUDA driver ----===*
 *
 * libcuda is opened with dlopen, never linked, so attnrt loads on every
 * machine and reports ATTN_ERROR_NO_DRIVER / NO_DEVICE where CUDA is
 * missing. Only the driver API is used (no cudart): the few types and
 * constants are declared here, mirroring <cuda.h>; when that header is
 * present at build time (ATTN_HAVE_CUDA_HEADERS) the mirrors are checked
 * against it. Versioned entry points are bound by their current names
 * (cuCtxPushCurrent_v2, ...), with the unversioned name as a fallback for
 * old drivers.
 *
 * Modules live in the device's primary context, the one cudart (and so
 * PyTorch) uses: tensors allocated by the framework and its streams are
 * valid in it, and no second context competes for the GPU. A launch pushes
 * the context only when the calling thread does not already have it
 * current, and pops it after, so the caller's own choice survives.
 *
 * The code object is PTX text that the driver JIT-compiles for the device
 * at load time (cuModuleLoadDataEx); a JIT failure comes back as
 * ATTN_ERROR_LOAD with the driver's error log.
 *
 * Shared memory: the kernels declare theirs as static .shared variables
 * (the entry's lds_bytes, informational), so launches pass 0 dynamic bytes
 * and never set CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES. The driver
 * reserves static shared memory by itself, beyond 48 KiB too (up to the
 * device's opt-in limit, 227 KiB on sm_90), without an opt-in: the
 * attribute only bounds dynamic memory, and static + that bound must stay
 * within the limit, so raising it to lds_bytes would make a kernel with
 * over 113 KiB static fail (CUDA_ERROR_INVALID_VALUE; both checked on an
 * H100 with 64 KiB and 200 KiB static kernels). Kernels that move to
 * dynamic (.extern .shared) memory will need both here.
 *
 *===----------------------------------------------------------------------===*/
#define _POSIX_C_SOURCE 200809L

#include "../Backend.h"
#include "../bundle/BundleInternal.h"

#include <dlfcn.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef int CuResult; /* CUresult: an int-sized enum, 0 = CUDA_SUCCESS */
typedef int CuDevice; /* CUdevice: an ordinal handle */
typedef int CuJitOption;
typedef struct AttnICuContext *CuContext;
typedef struct AttnICuModule *CuModuleRef;
typedef struct AttnICuFunction *CuFunction;
typedef struct AttnICuStream *CuStream;
typedef struct AttnICuGraph *CuGraph;
typedef struct AttnICuGraphNode *CuGraphNode;
typedef struct AttnICuGraphExec *CuGraphExec;
/* CUDA_KERNEL_NODE_PARAMS_v2 (the _v2 graph entry points take it): kern and
 * ctx null = func in the current context. */
typedef struct {
  CuFunction func;
  unsigned gridDimX, gridDimY, gridDimZ, blockDimX, blockDimY, blockDimZ, sharedMemBytes;
  void **kernelParams;
  void **extra;
  void *kern;
  CuContext ctx;
} CuKernelNodeParams;
#define ATTN_CUDA_SUCCESS 0
#define ATTN_CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR 75
#define ATTN_CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR 76
#define ATTN_CU_JIT_ERROR_LOG_BUFFER 5
#define ATTN_CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES 6
#define ATTN_CU_LAUNCH_PARAM_END ((void *)0x00)
#define ATTN_CU_LAUNCH_PARAM_BUFFER_POINTER ((void *)0x01)
#define ATTN_CU_LAUNCH_PARAM_BUFFER_SIZE ((void *)0x02)
/* Launch limits of every GPU since sm_30 (gridDim.x, .y/.z, blockDim.x). */
#define ATTN_CUDA_MAX_GRID_X INT32_MAX
#define ATTN_CUDA_MAX_GRID_YZ 65535
#define ATTN_CUDA_MAX_BLOCK 1024
#define ATTN_CUDA_JIT_LOG_BYTES 4096
#define ATTN_CU_TENSOR_MAP_L2_256B 3

#ifdef ATTN_HAVE_CUDA_HEADERS
#include <cuda.h>
_Static_assert(CUDA_SUCCESS == ATTN_CUDA_SUCCESS, "CUDA_SUCCESS");
_Static_assert(sizeof(CUresult) == sizeof(CuResult), "CUresult is int-sized");
_Static_assert(sizeof(CUdevice) == sizeof(CuDevice), "CUdevice is an int");
_Static_assert(sizeof(CUjit_option) == sizeof(CuJitOption), "CUjit_option is int-sized");
_Static_assert(sizeof(CUcontext) == sizeof(CuContext), "CUcontext is a pointer");
_Static_assert(sizeof(CUmodule) == sizeof(CuModuleRef), "CUmodule is a pointer");
_Static_assert(sizeof(CUfunction) == sizeof(CuFunction), "CUfunction is a pointer");
_Static_assert(sizeof(CUstream) == sizeof(CuStream), "CUstream is a pointer");
_Static_assert(CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR ==
                   ATTN_CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR,
               "CC major");
_Static_assert(CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR ==
                   ATTN_CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR,
               "CC minor");
_Static_assert(CU_JIT_ERROR_LOG_BUFFER == ATTN_CU_JIT_ERROR_LOG_BUFFER, "JIT error log");
_Static_assert(CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES == ATTN_CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES,
               "JIT error log size");
_Static_assert(CU_LAUNCH_PARAM_END_AS_INT == 0x00, "CU_LAUNCH_PARAM_END");
_Static_assert(CU_LAUNCH_PARAM_BUFFER_POINTER_AS_INT == 0x01, "CU_LAUNCH_PARAM_BUFFER_POINTER");
_Static_assert(CU_LAUNCH_PARAM_BUFFER_SIZE_AS_INT == 0x02, "CU_LAUNCH_PARAM_BUFFER_SIZE");
_Static_assert(sizeof(CUtensorMap) == ATTNRT_TENSOR_MAP_BYTES, "CUtensorMap size");
_Static_assert(CU_TENSOR_MAP_DATA_TYPE_FLOAT16 == 6 && CU_TENSOR_MAP_DATA_TYPE_FLOAT32 == 7 &&
                   CU_TENSOR_MAP_DATA_TYPE_BFLOAT16 == 9,
               "CUtensorMapDataType");
_Static_assert(CU_TENSOR_MAP_SWIZZLE_128B == 3, "CUtensorMapSwizzle");
_Static_assert(CU_TENSOR_MAP_L2_PROMOTION_L2_256B == ATTN_CU_TENSOR_MAP_L2_256B, "L2 promotion");
_Static_assert(CU_TENSOR_MAP_FLOAT_OOB_FILL_NONE == 0, "zero fill");
_Static_assert(CU_TENSOR_MAP_INTERLEAVE_NONE == 0, "no interleave");
_Static_assert(sizeof(CUDA_KERNEL_NODE_PARAMS_v2) == sizeof(CuKernelNodeParams) &&
                   offsetof(CUDA_KERNEL_NODE_PARAMS_v2, kernelParams) ==
                       offsetof(CuKernelNodeParams, kernelParams) &&
                   offsetof(CUDA_KERNEL_NODE_PARAMS_v2, ctx) == offsetof(CuKernelNodeParams, ctx),
               "CUDA_KERNEL_NODE_PARAMS_v2");
_Static_assert(CU_STREAM_CAPTURE_STATUS_NONE == 0, "capture status none");
#endif

typedef struct {
  void *lib;
  char libName[256];
  CuResult (*init)(unsigned);
  CuResult (*deviceGetCount)(int *);
  CuResult (*deviceGet)(CuDevice *, int);
  CuResult (*deviceGetAttribute)(int *, int, CuDevice);
  CuResult (*primaryCtxRetain)(CuContext *, CuDevice);
  CuResult (*primaryCtxRelease)(CuDevice);
  CuResult (*ctxGetCurrent)(CuContext *);
  CuResult (*ctxPushCurrent)(CuContext);
  CuResult (*ctxPopCurrent)(CuContext *);
  CuResult (*moduleLoadDataEx)(CuModuleRef *, const void *, unsigned, CuJitOption *, void **);
  CuResult (*moduleGetFunction)(CuFunction *, CuModuleRef, const char *);
  CuResult (*moduleUnload)(CuModuleRef);
  CuResult (*launchKernel)(CuFunction, unsigned, unsigned, unsigned, unsigned, unsigned, unsigned,
                           unsigned, CuStream, void **, void **);
  /* cuTensorMapEncodeTiled (CUDA 12+): optional, needed by kernels with
   * tensor maps; enums are int-sized, the map is 16 x u64. */
  CuResult (*tensorMapEncodeTiled)(void *, int, uint32_t, void *, const uint64_t *,
                                   const uint64_t *, const uint32_t *, const uint32_t *, int, int,
                                   int, int);
  CuResult (*getErrorName)(CuResult, const char **);
  CuResult (*getErrorString)(CuResult, const char **);
  /* CUDA graphs (optional; the launch plans' graphs: attnCudaGraphCreate). */
  CuResult (*graphCreate)(CuGraph *, unsigned);
  CuResult (*graphAddKernelNode)(CuGraphNode *, CuGraph, const CuGraphNode *, size_t,
                                 const CuKernelNodeParams *);
  CuResult (*graphInstantiate)(CuGraphExec *, CuGraph, unsigned long long);
  CuResult (*graphExecKernelNodeSetParams)(CuGraphExec, CuGraphNode, const CuKernelNodeParams *);
  CuResult (*graphLaunch)(CuGraphExec, CuStream);
  CuResult (*graphExecDestroy)(CuGraphExec);
  CuResult (*graphDestroy)(CuGraph);
  CuResult (*streamIsCapturing)(CuStream, int *);
} CudaApi;

struct AttnCudaDevice {
  CudaApi api;
  int ordinal;
  CuDevice device;
  int ccMajor, ccMinor;
  CuContext ctx; /* the retained primary context; null until a module loads */
};

struct AttnCudaModule {
  AttnCudaDevice *dev;
  CuModuleRef module;
  char *image; /* the PTX, NUL-terminated, kept while the module is loaded */
  int32_t numKernels;
  CuFunction *functions; /* [numKernels]; null: no code on this target */
};

/*--- errors --------------------------------------------------------------===*/

/* Names of the codes that can come back before the driver works, for when
 * cuGetErrorName cannot help: the stub libcuda of the toolkit (which fails
 * every call with 34) or a driver too old to know the code. */
static const char *knownErrorName(CuResult e) {
  switch (e) {
  case 3:
    return "CUDA_ERROR_NOT_INITIALIZED";
  case 34:
    return "CUDA_ERROR_STUB_LIBRARY";
  case 35:
    return "CUDA_ERROR_INSUFFICIENT_DRIVER";
  case 46:
    return "CUDA_ERROR_DEVICES_UNAVAILABLE";
  case 100:
    return "CUDA_ERROR_NO_DEVICE";
  case 101:
    return "CUDA_ERROR_INVALID_DEVICE";
  default:
    return "CUDA error";
  }
}

/* "CUDA_ERROR_NO_DEVICE (100): no CUDA-capable device is detected". */
static const char *cuErr(const CudaApi *api, CuResult e, char buf[160]) {
  const char *name = NULL, *text = NULL;
  if (!api->getErrorName || api->getErrorName(e, &name) != ATTN_CUDA_SUCCESS)
    name = NULL;
  if (!api->getErrorString || api->getErrorString(e, &text) != ATTN_CUDA_SUCCESS)
    text = NULL;
  snprintf(buf, 160, "%s (%d)%s%s", name ? name : knownErrorName(e), (int)e, text ? ": " : "",
           text ? text : "");
  return buf;
}

/*--- the library ---------------------------------------------------------===*/

static void *openLibrary(char *name, size_t nameLen, char *why, size_t whyLen) {
  const char *env = getenv("ATTN_CUDA_LIBRARY");
  /* libcuda.so.1 is the driver's soname; plain libcuda.so is usually only
   * the toolkit's link-time stub. */
  const char *path = env && *env ? env : "libcuda.so.1";
  /* RTLD_NODELETE: the driver must stay mapped while contexts made through
   * it exist, which outlive any one module. */
  void *lib = dlopen(path, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
  if (lib) {
    snprintf(name, nameLen, "%s", path);
    return lib;
  }
  const char *e = dlerror();
  snprintf(why, whyLen, "%s", e ? e : path);
  return NULL;
}

/* dlsym into a function pointer without the object-to-function cast; the
 * first of `names` (null-terminated) that the library exports wins. */
static int bindFirst(void *lib, const char *const *names, void *fnPtr, size_t size) {
  for (; *names; ++names) {
    void *p = dlsym(lib, *names);
    if (p) {
      memcpy(fnPtr, &p, size);
      return 1;
    }
  }
  return 0;
}

#define NAMES(...) ((const char *const[]){__VA_ARGS__, NULL})

/* The graph entry points, all or none (graphCreate null: no graphs). */
static void bindGraphApi(CudaApi *api) {
  struct {
    const char *name;
    void *fn;
    size_t size;
  } fns[] = {
      {"cuGraphCreate", &api->graphCreate, sizeof api->graphCreate},
      {"cuGraphAddKernelNode_v2", &api->graphAddKernelNode, sizeof api->graphAddKernelNode},
      {"cuGraphInstantiateWithFlags", &api->graphInstantiate, sizeof api->graphInstantiate},
      {"cuGraphExecKernelNodeSetParams_v2", &api->graphExecKernelNodeSetParams,
       sizeof api->graphExecKernelNodeSetParams},
      {"cuGraphLaunch", &api->graphLaunch, sizeof api->graphLaunch},
      {"cuGraphExecDestroy", &api->graphExecDestroy, sizeof api->graphExecDestroy},
      {"cuGraphDestroy", &api->graphDestroy, sizeof api->graphDestroy},
      {"cuStreamIsCapturing", &api->streamIsCapturing, sizeof api->streamIsCapturing},
  };
  for (size_t i = 0; i < sizeof fns / sizeof *fns; ++i)
    if (!bindFirst(api->lib, NAMES(fns[i].name), fns[i].fn, fns[i].size)) {
      api->graphCreate = NULL;
      return;
    }
}

static AttnStatus bindApi(CudaApi *api, char *err, size_t errLen) {
  /* Optional: cuErr falls back to the code. */
  bindFirst(api->lib, NAMES("cuGetErrorName"), &api->getErrorName, sizeof api->getErrorName);
  bindFirst(api->lib, NAMES("cuGetErrorString"), &api->getErrorString, sizeof api->getErrorString);
  bindFirst(api->lib, NAMES("cuTensorMapEncodeTiled"), &api->tensorMapEncodeTiled,
            sizeof api->tensorMapEncodeTiled);
  bindGraphApi(api);
  struct {
    const char *const *names;
    void *fn;
    size_t size;
  } required[] = {
      {NAMES("cuInit"), &api->init, sizeof api->init},
      {NAMES("cuDeviceGetCount"), &api->deviceGetCount, sizeof api->deviceGetCount},
      {NAMES("cuDeviceGet"), &api->deviceGet, sizeof api->deviceGet},
      {NAMES("cuDeviceGetAttribute"), &api->deviceGetAttribute, sizeof api->deviceGetAttribute},
      {NAMES("cuDevicePrimaryCtxRetain"), &api->primaryCtxRetain, sizeof api->primaryCtxRetain},
      {NAMES("cuDevicePrimaryCtxRelease_v2", "cuDevicePrimaryCtxRelease"), &api->primaryCtxRelease,
       sizeof api->primaryCtxRelease},
      {NAMES("cuCtxGetCurrent"), &api->ctxGetCurrent, sizeof api->ctxGetCurrent},
      {NAMES("cuCtxPushCurrent_v2", "cuCtxPushCurrent"), &api->ctxPushCurrent,
       sizeof api->ctxPushCurrent},
      {NAMES("cuCtxPopCurrent_v2", "cuCtxPopCurrent"), &api->ctxPopCurrent,
       sizeof api->ctxPopCurrent},
      {NAMES("cuModuleLoadDataEx"), &api->moduleLoadDataEx, sizeof api->moduleLoadDataEx},
      {NAMES("cuModuleGetFunction"), &api->moduleGetFunction, sizeof api->moduleGetFunction},
      {NAMES("cuModuleUnload"), &api->moduleUnload, sizeof api->moduleUnload},
      {NAMES("cuLaunchKernel"), &api->launchKernel, sizeof api->launchKernel},
  };
  for (size_t i = 0; i < sizeof required / sizeof *required; ++i)
    if (!bindFirst(api->lib, required[i].names, required[i].fn, required[i].size))
      return attnFail(err, errLen, ATTN_ERROR_NO_DRIVER, "CUDA: %s does not export %s (too old?)",
                      api->libName, required[i].names[0]);
  return ATTN_OK;
}

/*--- the device ----------------------------------------------------------===*/

static AttnStatus countDevices(const CudaApi *api, int ordinal, char *err, size_t errLen) {
  char buf[160];
  CuResult e = api->init(0);
  if (e != ATTN_CUDA_SUCCESS)
    return attnFail(err, errLen, ATTN_ERROR_NO_DEVICE,
                    "CUDA: no usable NVIDIA GPU: cuInit failed with %s (driver %s)",
                    cuErr(api, e, buf), api->libName);
  int count = 0;
  e = api->deviceGetCount(&count);
  if (e != ATTN_CUDA_SUCCESS || count <= 0)
    return attnFail(err, errLen, ATTN_ERROR_NO_DEVICE,
                    "CUDA: no NVIDIA GPU found (cuDeviceGetCount: %s, %d devices)",
                    e != ATTN_CUDA_SUCCESS ? cuErr(api, e, buf) : "CUDA_SUCCESS", count);
  if (ordinal >= count)
    return attnFail(err, errLen, ATTN_ERROR_NO_DEVICE,
                    "CUDA: device cuda:%d requested but there are only %d devices", ordinal, count);
  return ATTN_OK;
}

static AttnStatus queryCapability(AttnCudaDevice *d, char *err, size_t errLen) {
  char buf[160];
  CuResult e = d->api.deviceGet(&d->device, d->ordinal);
  if (e == ATTN_CUDA_SUCCESS)
    e = d->api.deviceGetAttribute(&d->ccMajor, ATTN_CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR,
                                  d->device);
  if (e == ATTN_CUDA_SUCCESS)
    e = d->api.deviceGetAttribute(&d->ccMinor, ATTN_CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR,
                                  d->device);
  if (e != ATTN_CUDA_SUCCESS)
    return attnFail(err, errLen, ATTN_ERROR_NO_DEVICE,
                    "CUDA: cannot query the compute capability of cuda:%d: %s", d->ordinal,
                    cuErr(&d->api, e, buf));
  return ATTN_OK;
}

static AttnStatus openDevice(AttnCudaDevice *d, int ordinal, char *err, size_t errLen) {
  char why[256];
  d->ordinal = ordinal;
  d->api.lib = openLibrary(d->api.libName, sizeof d->api.libName, why, sizeof why);
  if (!d->api.lib)
    return attnFail(err, errLen, ATTN_ERROR_NO_DRIVER,
                    "CUDA: the driver library cannot be loaded (%s); install the NVIDIA driver "
                    "(libcuda.so.1) or set ATTN_CUDA_LIBRARY to its path",
                    why);
  AttnStatus s;
  if ((s = bindApi(&d->api, err, errLen)) != ATTN_OK ||
      (s = countDevices(&d->api, ordinal, err, errLen)) != ATTN_OK)
    return s;
  return queryCapability(d, err, errLen);
}

AttnStatus attnCudaDeviceOpen(int ordinal, AttnCudaDevice **out, char *err, size_t errLen) {
  *out = NULL;
  AttnCudaDevice *d = calloc(1, sizeof *d);
  if (!d)
    return attnFail(err, errLen, ATTN_ERROR_OUT_OF_MEMORY, "out of memory opening CUDA");
  AttnStatus s = openDevice(d, ordinal, err, errLen);
  if (s != ATTN_OK) {
    attnCudaDeviceClose(d);
    return s;
  }
  *out = d;
  return ATTN_OK;
}

void attnCudaDeviceCapability(const AttnCudaDevice *d, int *major, int *minor) {
  *major = d->ccMajor;
  *minor = d->ccMinor;
}

void attnCudaDeviceClose(AttnCudaDevice *d) {
  if (!d)
    return;
  if (d->ctx)
    d->api.primaryCtxRelease(d->device);
  if (d->api.lib)
    dlclose(d->api.lib);
  free(d);
}

/*--- the context ---------------------------------------------------------===*/

/* Driver calls act on the calling thread's current context. Ours is pushed
 * only when it is not current already (the common case under PyTorch,
 * which has the same primary context current), and popped by leaveContext. */
static int enterContext(const AttnCudaDevice *d, int *pushed) {
  CuContext current = NULL;
  *pushed = 0;
  if (d->api.ctxGetCurrent(&current) == ATTN_CUDA_SUCCESS && current == d->ctx)
    return 1;
  if (d->api.ctxPushCurrent(d->ctx) != ATTN_CUDA_SUCCESS)
    return 0;
  *pushed = 1;
  return 1;
}

static void leaveContext(const AttnCudaDevice *d, int pushed) {
  CuContext popped;
  if (pushed)
    d->api.ctxPopCurrent(&popped);
}

/* The primary context is created on first retain (by us or by cudart) and
 * lives while anyone holds it; retained only once a code object is known
 * to fit, so a failed "auto" never pays for creating it. */
static AttnStatus retainContext(AttnCudaDevice *d, char *err, size_t errLen) {
  char buf[160];
  CuResult e = d->api.primaryCtxRetain(&d->ctx, d->device);
  if (e != ATTN_CUDA_SUCCESS) {
    d->ctx = NULL;
    return attnFail(err, errLen, ATTN_ERROR_NO_DEVICE,
                    "CUDA: cannot retain the primary context of cuda:%d: %s", d->ordinal,
                    cuErr(&d->api, e, buf));
  }
  return ATTN_OK;
}

/*--- modules -------------------------------------------------------------===*/

static AttnStatus resolveFunctions(AttnCudaModule *m, const AttnBundleTarget *t, char *err,
                                   size_t errLen) {
  char buf[160];
  for (int32_t i = 0; i < m->numKernels; ++i) {
    const char *sym = t->entries[i].symbol;
    if (!*sym)
      continue;
    CuResult e = m->dev->api.moduleGetFunction(&m->functions[i], m->module, sym);
    if (e != ATTN_CUDA_SUCCESS) {
      m->functions[i] = NULL;
      return attnFail(err, errLen, ATTN_ERROR_LOAD,
                      "CUDA: the code object of '%s' has no kernel '%s': %s", t->name, sym,
                      cuErr(&m->dev->api, e, buf));
    }
  }
  return ATTN_OK;
}

/* cuModuleLoadDataEx with an error-log buffer, so that a PTX the JIT
 * rejects is reported with ptxas's own words. */
static AttnStatus jitLoad(AttnCudaModule *m, const AttnBundleTarget *t, char *err, size_t errLen) {
  char log[ATTN_CUDA_JIT_LOG_BYTES] = "";
  CuJitOption options[] = {ATTN_CU_JIT_ERROR_LOG_BUFFER, ATTN_CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES};
  void *values[] = {log, (void *)(uintptr_t)sizeof log};
  const AttnCudaDevice *d = m->dev;
  CuResult e = d->api.moduleLoadDataEx(&m->module, m->image, 2, options, values);
  if (e == ATTN_CUDA_SUCCESS)
    return ATTN_OK;
  m->module = NULL;
  log[sizeof log - 1] = '\0';
  char buf[160];
  return attnFail(err, errLen, ATTN_ERROR_LOAD,
                  "CUDA: cuModuleLoadDataEx rejected the PTX of '%s' (%llu bytes) on cuda:%d "
                  "(compute capability %d.%d): %s%s%s",
                  t->name, (unsigned long long)t->size, d->ordinal, d->ccMajor, d->ccMinor,
                  cuErr(&d->api, e, buf), log[0] ? "; JIT log: " : "", log);
}

static AttnStatus loadInto(AttnCudaModule *m, const AttnBundleTarget *t, char *err, size_t errLen) {
  AttnStatus s = retainContext(m->dev, err, errLen);
  if (s != ATTN_OK)
    return s;
  int pushed;
  if (!enterContext(m->dev, &pushed))
    return attnFail(err, errLen, ATTN_ERROR_NO_DEVICE,
                    "CUDA: cannot make the context of cuda:%d current", m->dev->ordinal);
  if ((s = jitLoad(m, t, err, errLen)) == ATTN_OK)
    s = resolveFunctions(m, t, err, errLen);
  leaveContext(m->dev, pushed);
  return s;
}

AttnStatus attnCudaModuleLoad(AttnCudaDevice *d, const AttnBundleTarget *target, int32_t numKernels,
                              AttnCudaModule **out, char *err, size_t errLen) {
  *out = NULL;
  AttnCudaModule *m = calloc(1, sizeof *m);
  if (!m) {
    attnCudaDeviceClose(d);
    return attnFail(err, errLen, ATTN_ERROR_OUT_OF_MEMORY, "out of memory loading a CUDA module");
  }
  m->dev = d;
  m->numKernels = numKernels;
  m->functions = calloc(numKernels ? (size_t)numKernels : 1, sizeof *m->functions);
  /* cuModuleLoadDataEx reads PTX up to its NUL: terminate it here rather
   * than trust the bundle to include one. */
  m->image = malloc((size_t)target->size + 1);
  if (!m->functions || !m->image) {
    attnCudaModuleDestroy(m);
    return attnFail(err, errLen, ATTN_ERROR_OUT_OF_MEMORY, "out of memory loading a CUDA module");
  }
  if (target->size)
    memcpy(m->image, target->data, (size_t)target->size);
  m->image[target->size] = '\0';
  AttnStatus s = loadInto(m, target, err, errLen);
  if (s != ATTN_OK) {
    attnCudaModuleDestroy(m);
    return s;
  }
  *out = m;
  return ATTN_OK;
}

void attnCudaModuleDestroy(AttnCudaModule *m) {
  if (!m)
    return;
  int pushed;
  if (m->module && enterContext(m->dev, &pushed)) {
    m->dev->api.moduleUnload(m->module);
    leaveContext(m->dev, pushed);
  }
  attnCudaDeviceClose(m->dev);
  free(m->functions);
  free(m->image);
  free(m);
}

/*--- launches ------------------------------------------------------------===*/

/* Checked here so that the message names the grid, not just
 * CUDA_ERROR_INVALID_VALUE. */
static AttnStatus checkLaunchSize(const int64_t grid[3], int32_t workgroupSize, char *err,
                                  size_t errLen) {
  if (workgroupSize < 1 || workgroupSize > ATTN_CUDA_MAX_BLOCK)
    return attnFail(err, errLen, ATTN_ERROR_LAUNCH,
                    "CUDA: the entry's workgroup_size is %d, expected 1..%d", (int)workgroupSize,
                    ATTN_CUDA_MAX_BLOCK);
  for (int i = 0; i < 3; ++i) {
    int64_t limit = i == 0 ? ATTN_CUDA_MAX_GRID_X : ATTN_CUDA_MAX_GRID_YZ;
    if (grid[i] > limit)
      return attnFail(err, errLen, ATTN_ERROR_LAUNCH,
                      "CUDA: grid %c = %lld exceeds the launch limit %lld", "xyz"[i],
                      (long long)grid[i], (long long)limit);
  }
  return ATTN_OK;
}

/* Encodes map `d` into `at` (128 bytes, 64-byte aligned): zero fill out of
 * bounds (sequence tails), no interleave, L2 promotion of 256 bytes. */
static AttnStatus encodeMap(const CudaApi *api, const AttnrtTensorMapDesc *d, uint8_t *at,
                            char *err, size_t errLen) {
  memset(at, 0, ATTNRT_TENSOR_MAP_BYTES);
  if (d->empty)
    return ATTN_OK; /* the kernel never reads an empty tensor */
  if (!api->tensorMapEncodeTiled)
    return attnFail(err, errLen, ATTN_ERROR_LAUNCH,
                    "CUDA: %s does not export cuTensorMapEncodeTiled (a CUDA 12 driver is needed "
                    "for kernels with TMA loads)",
                    api->libName);
  const uint32_t ones[4] = {1, 1, 1, 1};
  CuResult e = api->tensorMapEncodeTiled(at, d->data_type, (uint32_t)d->rank, d->address, d->dims,
                                         d->strides, d->box, ones, 0, d->swizzle,
                                         ATTN_CU_TENSOR_MAP_L2_256B, 0);
  char buf[160];
  if (e != ATTN_CUDA_SUCCESS)
    return attnFail(err, errLen, ATTN_ERROR_LAUNCH,
                    "CUDA: cuTensorMapEncodeTiled failed (rank %d, dims %llu x %llu x %llu x %llu "
                    "innermost first, box %u x %u): %s",
                    (int)d->rank, (unsigned long long)d->dims[0], (unsigned long long)d->dims[1],
                    (unsigned long long)d->dims[2], (unsigned long long)d->dims[3], d->box[0],
                    d->box[1], cuErr(api, e, buf));
  return ATTN_OK;
}

/* A launch's parameters as cuLaunchKernel and kernel nodes take them: the
 * flat buffer (extra) or, with tensor maps, one pointer per parameter:
 * flat words, padding, 128-byte maps at 64-byte offsets
 * (attnrtTensorMapOffset), as the PTX's .param .align 64 .b8 [128] lay out
 * (the driver places them from the kernel image). Points into itself and
 * at kernargs: used before either moves. */
typedef struct {
  _Alignas(ATTNRT_TENSOR_MAP_ALIGN) uint8_t params[ATTNRT_MAX_PARAM_BYTES];
  void *paramPtrs[ATTNRT_MAX_KERNARG_BYTES / 8 + ATTN_BUNDLE_MAX_TENSOR_MAPS];
  void *extra[5];
  size_t size;
  void **kernelParams; /* null: extra */
} LaunchParams;

static AttnStatus prepareParams(const CudaApi *api, void *kernargs, size_t kernargBytes,
                                const AttnrtTensorMapDesc *maps, int numMaps, LaunchParams *lp,
                                char *err, size_t errLen) {
  lp->size = kernargBytes;
  lp->kernelParams = NULL;
  void *extra[] = {ATTN_CU_LAUNCH_PARAM_BUFFER_POINTER, kernargs, ATTN_CU_LAUNCH_PARAM_BUFFER_SIZE,
                   &lp->size, ATTN_CU_LAUNCH_PARAM_END};
  memcpy(lp->extra, extra, sizeof extra);
  if (numMaps == 0)
    return ATTN_OK;
  if (numMaps > ATTN_BUNDLE_MAX_TENSOR_MAPS || kernargBytes > ATTNRT_MAX_KERNARG_BYTES)
    return attnFail(err, errLen, ATTN_ERROR_LAUNCH, "CUDA: %d tensor maps, at most %d", numMaps,
                    ATTN_BUNDLE_MAX_TENSOR_MAPS);
  memset(lp->params, 0, sizeof lp->params);
  memcpy(lp->params, kernargs, kernargBytes);
  AttnStatus s;
  for (int i = 0; i < numMaps; ++i)
    if ((s = encodeMap(api, &maps[i], lp->params + attnrtTensorMapOffset(kernargBytes, i), err,
                       errLen)) != ATTN_OK)
      return s;
  size_t words = kernargBytes / 8;
  for (size_t i = 0; i < words; ++i)
    lp->paramPtrs[i] = lp->params + 8 * i;
  for (int i = 0; i < numMaps; ++i)
    lp->paramPtrs[words + (size_t)i] = lp->params + attnrtTensorMapOffset(kernargBytes, i);
  lp->kernelParams = lp->paramPtrs;
  return ATTN_OK;
}

AttnStatus attnCudaLaunch(AttnCudaModule *m, int32_t kernel, const int64_t grid[3],
                          int32_t workgroupSize, void *kernargs, size_t kernargBytes,
                          const AttnrtTensorMapDesc *maps, int numMaps, void *stream, char *err,
                          size_t errLen) {
  if (!m->functions[kernel])
    return attnFail(err, errLen, ATTN_ERROR_NOT_FOUND, "kernel %d has no code on sm_%d%d",
                    (int)kernel, m->dev->ccMajor, m->dev->ccMinor);
  AttnStatus s = checkLaunchSize(grid, workgroupSize, err, errLen);
  if (s != ATTN_OK)
    return s;
  LaunchParams lp;
  if ((s = prepareParams(&m->dev->api, kernargs, kernargBytes, maps, numMaps, &lp, err, errLen)) !=
      ATTN_OK)
    return s;
  int pushed;
  if (!enterContext(m->dev, &pushed))
    return attnFail(err, errLen, ATTN_ERROR_LAUNCH,
                    "CUDA: cannot make the context of cuda:%d current", m->dev->ordinal);
  /* 0 dynamic shared bytes: it is all static (top of the file). A null
   * stream is the legacy default stream. */
  CuResult e = m->dev->api.launchKernel(m->functions[kernel], (unsigned)grid[0], (unsigned)grid[1],
                                        (unsigned)grid[2], (unsigned)workgroupSize, 1, 1, 0,
                                        (CuStream)stream, lp.kernelParams,
                                        lp.kernelParams ? NULL : lp.extra);
  leaveContext(m->dev, pushed);
  char buf[160];
  if (e != ATTN_CUDA_SUCCESS)
    return attnFail(err, errLen, ATTN_ERROR_LAUNCH, "CUDA: cuLaunchKernel failed on cuda:%d: %s",
                    m->dev->ordinal, cuErr(&m->dev->api, e, buf));
  return ATTN_OK;
}

/*--- launch plans as CUDA graphs -----------------------------------------===*/

/* A chain of kernel nodes, one per launch of a plan, instantiated once; each
 * launch sets the nodes' arguments (cuGraphExecKernelNodeSetParams copies
 * them) and launches the graph: on the H100 machine a graph of two kernels
 * launched in 2.9 us where one cuLaunchKernel took 5-7.6 (bench/RESULTS.md). */
struct AttnCudaGraph {
  AttnCudaModule *m;
  CuGraph graph;
  CuGraphExec exec;
  int n;
  CuGraphNode *nodes;
  struct NodeArgs *last; /* per node: what its parameters were last set from */
};

/* A node's launch as its parameters were last set from (the driver copies
 * them when they are set): a launch with the same kernel, grid, arguments
 * and tensor maps (a decode loop over fixed buffers, a benchmark) skips
 * cuGraphExecKernelNodeSetParams, half of a graph launch's host time. */
typedef struct NodeArgs {
  bool valid;
  int32_t kernel, workgroupSize;
  int64_t grid[3];
  size_t kernargBytes;
  int numMaps;
  unsigned char kernargs[ATTNRT_MAX_KERNARG_BYTES];
  AttnrtTensorMapDesc maps[ATTN_BUNDLE_MAX_TENSOR_MAPS];
} NodeArgs;

static bool sameArgs(const NodeArgs *n, const AttnCudaLaunchDesc *l) {
  return n->valid && n->kernel == l->kernel && n->workgroupSize == l->workgroupSize &&
         !memcmp(n->grid, l->grid, sizeof n->grid) && n->kernargBytes == l->kernargBytes &&
         n->numMaps == l->numMaps && !memcmp(n->kernargs, l->kernargs, l->kernargBytes) &&
         (!l->numMaps || !memcmp(n->maps, l->maps, (size_t)l->numMaps * sizeof *l->maps));
}

static void rememberArgs(NodeArgs *n, const AttnCudaLaunchDesc *l) {
  n->valid = l->kernargBytes <= sizeof n->kernargs && l->numMaps >= 0 &&
             l->numMaps <= ATTN_BUNDLE_MAX_TENSOR_MAPS;
  if (!n->valid)
    return;
  n->kernel = l->kernel;
  n->workgroupSize = l->workgroupSize;
  memcpy(n->grid, l->grid, sizeof n->grid);
  n->kernargBytes = l->kernargBytes;
  n->numMaps = l->numMaps;
  memcpy(n->kernargs, l->kernargs, l->kernargBytes);
  if (l->numMaps)
    memcpy(n->maps, l->maps, (size_t)l->numMaps * sizeof *l->maps);
}

static void nodeParams(const AttnCudaModule *m, const AttnCudaLaunchDesc *l, const LaunchParams *lp,
                       CuKernelNodeParams *np) {
  memset(np, 0, sizeof *np);
  np->func = m->functions[l->kernel];
  np->gridDimX = (unsigned)l->grid[0];
  np->gridDimY = (unsigned)l->grid[1];
  np->gridDimZ = (unsigned)l->grid[2];
  np->blockDimX = (unsigned)l->workgroupSize;
  np->blockDimY = np->blockDimZ = 1;
  np->kernelParams = lp->kernelParams;
  np->extra = lp->kernelParams ? NULL : (void **)lp->extra;
}

void attnCudaGraphDestroy(AttnCudaGraph *g) {
  if (!g)
    return;
  const CudaApi *api = &g->m->dev->api;
  if (g->exec)
    api->graphExecDestroy(g->exec);
  if (g->graph)
    api->graphDestroy(g->graph);
  free(g->nodes);
  free(g->last);
  free(g);
}

static AttnStatus graphFail(AttnCudaGraph *g, CuResult e, const char *what, char *err,
                            size_t errLen) {
  char buf[160];
  AttnStatus s = attnFail(err, errLen, ATTN_ERROR_LAUNCH, "CUDA: %s failed on cuda:%d: %s", what,
                          g->m->dev->ordinal, cuErr(&g->m->dev->api, e, buf));
  attnCudaGraphDestroy(g);
  return s;
}

AttnStatus attnCudaGraphCreate(AttnCudaModule *m, const AttnCudaLaunchDesc *launches, int n,
                               AttnCudaGraph **out, char *err, size_t errLen) {
  *out = NULL;
  const CudaApi *api = &m->dev->api;
  if (!api->graphCreate || n <= 0)
    return ATTN_OK; /* no graph entry points: launched one by one */
  AttnStatus s;
  for (int i = 0; i < n; ++i) {
    if (!m->functions[launches[i].kernel])
      return ATTN_OK; /* attnCudaLaunch says why */
    if ((s = checkLaunchSize(launches[i].grid, launches[i].workgroupSize, err, errLen)) != ATTN_OK)
      return s;
  }
  AttnCudaGraph *g = calloc(1, sizeof *g);
  CuGraphNode *nodes = calloc((size_t)n, sizeof *nodes);
  NodeArgs *last = calloc((size_t)n, sizeof *last);
  if (!g || !nodes || !last) {
    free(g);
    free(nodes);
    free(last);
    return attnFail(err, errLen, ATTN_ERROR_OUT_OF_MEMORY, "out of memory making a CUDA graph");
  }
  g->m = m;
  g->n = n;
  g->nodes = nodes;
  g->last = last;
  int pushed;
  if (!enterContext(m->dev, &pushed)) {
    attnCudaGraphDestroy(g);
    return attnFail(err, errLen, ATTN_ERROR_LAUNCH,
                    "CUDA: cannot make the context of cuda:%d current", m->dev->ordinal);
  }
  CuResult e = api->graphCreate(&g->graph, 0);
  for (int i = 0; i < n && e == ATTN_CUDA_SUCCESS; ++i) {
    LaunchParams lp;
    CuKernelNodeParams np;
    if ((s = prepareParams(api, launches[i].kernargs, launches[i].kernargBytes, launches[i].maps,
                           launches[i].numMaps, &lp, err, errLen)) != ATTN_OK) {
      leaveContext(m->dev, pushed);
      attnCudaGraphDestroy(g);
      return s;
    }
    nodeParams(m, &launches[i], &lp, &np);
    e = api->graphAddKernelNode(&g->nodes[i], g->graph, i ? &g->nodes[i - 1] : NULL, i ? 1 : 0,
                                &np);
    rememberArgs(&g->last[i], &launches[i]);
  }
  if (e == ATTN_CUDA_SUCCESS)
    e = api->graphInstantiate(&g->exec, g->graph, 0);
  leaveContext(m->dev, pushed);
  if (e != ATTN_CUDA_SUCCESS)
    return graphFail(g, e, "making the launch plan's graph", err, errLen);
  *out = g;
  return ATTN_OK;
}

bool attnCudaStreamCapturing(AttnCudaModule *m, void *stream) {
  const CudaApi *api = &m->dev->api;
  if (!api->streamIsCapturing)
    return true; /* no graphs without it (bindGraphApi) */
  int pushed, capturing = 1;
  if (!enterContext(m->dev, &pushed))
    return true;
  if (api->streamIsCapturing((CuStream)stream, &capturing) != ATTN_CUDA_SUCCESS)
    capturing = 1;
  leaveContext(m->dev, pushed);
  return capturing != 0;
}

AttnStatus attnCudaGraphLaunch(AttnCudaGraph *g, const AttnCudaLaunchDesc *launches, void *stream,
                               bool *launched, char *err, size_t errLen) {
  *launched = false;
  const CudaApi *api = &g->m->dev->api;
  int pushed;
  if (!enterContext(g->m->dev, &pushed))
    return attnFail(err, errLen, ATTN_ERROR_LAUNCH,
                    "CUDA: cannot make the context of cuda:%d current", g->m->dev->ordinal);
  CuResult e = ATTN_CUDA_SUCCESS;
  AttnStatus s = ATTN_OK;
  char buf[160];
  for (int i = 0; i < g->n && e == ATTN_CUDA_SUCCESS && s == ATTN_OK; ++i) {
    if (sameArgs(&g->last[i], &launches[i]))
      continue;
    LaunchParams lp;
    CuKernelNodeParams np;
    g->last[i].valid = false;
    if ((s = prepareParams(api, launches[i].kernargs, launches[i].kernargBytes, launches[i].maps,
                           launches[i].numMaps, &lp, err, errLen)) != ATTN_OK)
      break;
    nodeParams(g->m, &launches[i], &lp, &np);
    e = api->graphExecKernelNodeSetParams(g->exec, g->nodes[i], &np);
    if (e == ATTN_CUDA_SUCCESS)
      rememberArgs(&g->last[i], &launches[i]);
  }
  if (e == ATTN_CUDA_SUCCESS && s == ATTN_OK) {
    e = api->graphLaunch(g->exec, (CuStream)stream);
    *launched = e == ATTN_CUDA_SUCCESS;
  }
  if (e != ATTN_CUDA_SUCCESS && s == ATTN_OK)
    s = attnFail(err, errLen, ATTN_ERROR_LAUNCH, "CUDA: launching a plan's graph on cuda:%d: %s",
                 g->m->dev->ordinal, cuErr(api, e, buf));
  leaveContext(g->m->dev, pushed);
  return s;
}
