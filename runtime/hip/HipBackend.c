/*===- HipBackend.c - run "hsaco" code objects through libamdhip64 -------===*
 *
 * libamdhip64 is opened with dlopen, never linked, so attnrt loads on every
 * machine and reports ATTN_ERROR_NO_DRIVER / NO_DEVICE where HIP is missing.
 * The few HIP types and constants used are declared here, mirroring
 * <hip/hip_runtime_api.h>; when that header is present at build time
 * (ATTN_HAVE_HIP_HEADERS) the mirrors are checked against it.
 *
 * The device's architecture ("gfx942:sramecc+:xnack-") is only available as
 * hipDeviceProp_t::gcnArchName, and that struct changed layout in ROCm 6:
 * ROCm 6+ exports hipGetDevicePropertiesR0600 (gcnArchName at byte 1160 of
 * hipDeviceProp_tR0600), ROCm 5 only hipGetDeviceProperties (gcnArchName at
 * byte 396 of its hipDeviceProp_t). Whichever the library has is called on
 * a zeroed 4 KiB buffer (larger than either struct), and the name read at
 * the matching offset must look like "gfx...", else the device is reported
 * as unidentifiable (ATTN_HIP_ARCH=gfxNNN overrides the query).
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

typedef int HipError; /* hipError_t: an int-sized enum, 0 = hipSuccess */
typedef struct AttnIHipModule *HipModuleRef;
typedef struct AttnIHipFunction *HipFunction;
typedef struct AttnIHipStream *HipStream;
#define ATTN_HIP_SUCCESS 0
#define ATTN_HIP_LAUNCH_PARAM_BUFFER_POINTER ((void *)0x01)
#define ATTN_HIP_LAUNCH_PARAM_BUFFER_SIZE ((void *)0x02)
#define ATTN_HIP_LAUNCH_PARAM_END ((void *)0x03)
#define ATTN_HIP_ARCH_OFFSET_R0600 1160 /* offsetof(hipDeviceProp_tR0600, gcnArchName) */
#define ATTN_HIP_ARCH_OFFSET_R0000 396  /* offsetof(hipDeviceProp_t, gcnArchName), ROCm 5 */
#define ATTN_HIP_ARCH_LEN 256
#define ATTN_HIP_PROPS_BYTES 4096

#ifdef ATTN_HAVE_HIP_HEADERS
#ifndef __HIP_PLATFORM_AMD__
#define __HIP_PLATFORM_AMD__ 1
#endif
#include <hip/hip_runtime_api.h>
#include <hip/hip_version.h>
#include <stddef.h>
_Static_assert(hipSuccess == ATTN_HIP_SUCCESS, "hipSuccess");
_Static_assert(sizeof(hipError_t) == sizeof(HipError), "hipError_t is int-sized");
_Static_assert(sizeof(hipModule_t) == sizeof(HipModuleRef), "hipModule_t is a pointer");
_Static_assert(sizeof(hipStream_t) == sizeof(HipStream), "hipStream_t is a pointer");
#if HIP_VERSION_MAJOR >= 6
_Static_assert(offsetof(hipDeviceProp_tR0600, gcnArchName) == ATTN_HIP_ARCH_OFFSET_R0600,
               "gcnArchName offset (R0600)");
_Static_assert(sizeof(hipDeviceProp_tR0600) <= ATTN_HIP_PROPS_BYTES, "R0600 size");
#else
_Static_assert(offsetof(hipDeviceProp_t, gcnArchName) == ATTN_HIP_ARCH_OFFSET_R0000,
               "gcnArchName offset (ROCm 5)");
_Static_assert(sizeof(hipDeviceProp_t) <= ATTN_HIP_PROPS_BYTES, "hipDeviceProp_t size");
#endif
#endif

typedef struct {
  void *lib;
  char libName[128];
  HipError (*init)(unsigned);
  HipError (*getDeviceCount)(int *);
  HipError (*getDevice)(int *);
  HipError (*setDevice)(int);
  HipError (*getProps)(void *, int);
  int archOffset; /* of gcnArchName in what getProps fills */
  HipError (*moduleLoadData)(HipModuleRef *, const void *);
  HipError (*moduleGetFunction)(HipFunction *, HipModuleRef, const char *);
  HipError (*moduleLaunchKernel)(HipFunction, unsigned, unsigned, unsigned, unsigned, unsigned,
                                 unsigned, unsigned, HipStream, void **, void **);
  HipError (*moduleUnload)(HipModuleRef);
  const char *(*errorString)(HipError);
} HipApi;

struct AttnHipDevice {
  HipApi api;
  int ordinal;
  char arch[ATTN_HIP_ARCH_LEN];
};

struct AttnHipModule {
  AttnHipDevice *dev;
  HipModuleRef module;
  uint8_t *image; /* the code object, kept while the module is loaded */
  int32_t numKernels;
  HipFunction *functions; /* [numKernels]; null: no code on this target */
};

static const char *hipErr(const HipApi *api, HipError e, char buf[48]) {
  const char *s = api->errorString ? api->errorString(e) : NULL;
  snprintf(buf, 48, "%s (%d)", s ? s : "hipError", (int)e);
  return buf;
}

/*--- the library ---------------------------------------------------------===*/

static void *openLibrary(char *name, size_t nameLen, char *why, size_t whyLen) {
  const char *env = getenv("ATTN_HIP_LIBRARY");
  static const char *const candidates[] = {"libamdhip64.so", "libamdhip64.so.6", "libamdhip64.so.5",
                                           "/opt/rocm/lib/libamdhip64.so"};
  const char *const *names = env && *env ? &env : candidates;
  size_t count = env && *env ? 1 : sizeof candidates / sizeof *candidates;
  why[0] = '\0';
  for (size_t i = 0; i < count; ++i) {
    /* RTLD_NODELETE: HIP runtimes do not survive being unloaded and loaded
     * again in one process, so closing a module only drops a reference. */
    void *lib = dlopen(names[i], RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
    if (lib) {
      snprintf(name, nameLen, "%s", names[i]);
      return lib;
    }
    const char *e = dlerror();
    if (!why[0])
      snprintf(why, whyLen, "%s", e ? e : names[i]);
  }
  return NULL;
}

/* dlsym into a function pointer without the object-to-function cast. */
static int bind(void *lib, const char *name, void *fnPtr, size_t size) {
  void *p = dlsym(lib, name);
  if (p)
    memcpy(fnPtr, &p, size);
  return p != NULL;
}
#define BIND(api, field, name) bind((api)->lib, name, &(api)->field, sizeof((api)->field))

static AttnStatus bindApi(HipApi *api, char *err, size_t errLen) {
  BIND(api, errorString, "hipGetErrorString"); /* optional */
  if (BIND(api, getProps, "hipGetDevicePropertiesR0600"))
    api->archOffset = ATTN_HIP_ARCH_OFFSET_R0600;
  else if (BIND(api, getProps, "hipGetDeviceProperties"))
    api->archOffset = ATTN_HIP_ARCH_OFFSET_R0000;
  else
    return attnFail(err, errLen, ATTN_ERROR_NO_DRIVER,
                    "HIP: %s exports neither hipGetDevicePropertiesR0600 nor "
                    "hipGetDeviceProperties",
                    api->libName);
  struct {
    const char *name;
    void *fn;
    size_t size;
  } required[] = {
      {"hipInit", &api->init, sizeof api->init},
      {"hipGetDeviceCount", &api->getDeviceCount, sizeof api->getDeviceCount},
      {"hipGetDevice", &api->getDevice, sizeof api->getDevice},
      {"hipSetDevice", &api->setDevice, sizeof api->setDevice},
      {"hipModuleLoadData", &api->moduleLoadData, sizeof api->moduleLoadData},
      {"hipModuleGetFunction", &api->moduleGetFunction, sizeof api->moduleGetFunction},
      {"hipModuleLaunchKernel", &api->moduleLaunchKernel, sizeof api->moduleLaunchKernel},
      {"hipModuleUnload", &api->moduleUnload, sizeof api->moduleUnload},
  };
  for (size_t i = 0; i < sizeof required / sizeof *required; ++i)
    if (!bind(api->lib, required[i].name, required[i].fn, required[i].size))
      return attnFail(err, errLen, ATTN_ERROR_NO_DRIVER, "HIP: %s does not export %s (too old?)",
                      api->libName, required[i].name);
  return ATTN_OK;
}

/*--- the device ----------------------------------------------------------===*/

static AttnStatus countDevices(const HipApi *api, int ordinal, char *err, size_t errLen) {
  char buf[48];
  HipError e = api->init(0);
  if (e != ATTN_HIP_SUCCESS)
    return attnFail(err, errLen, ATTN_ERROR_NO_DEVICE,
                    "HIP: no usable AMD GPU: hipInit failed with %s (driver %s)",
                    hipErr(api, e, buf), api->libName);
  int count = 0;
  e = api->getDeviceCount(&count);
  if (e != ATTN_HIP_SUCCESS || count <= 0)
    return attnFail(err, errLen, ATTN_ERROR_NO_DEVICE,
                    "HIP: no AMD GPU found (hipGetDeviceCount: %s, %d devices)",
                    e != ATTN_HIP_SUCCESS ? hipErr(api, e, buf) : "hipSuccess", count);
  if (ordinal >= count)
    return attnFail(err, errLen, ATTN_ERROR_NO_DEVICE,
                    "HIP: device hip:%d requested but there are only %d devices", ordinal, count);
  return ATTN_OK;
}

static int looksLikeArch(const char *s, size_t cap) {
  return memchr(s, '\0', cap) && strncmp(s, "gfx", 3) == 0 && s[3] != '\0';
}

static AttnStatus queryArch(AttnHipDevice *d, char *err, size_t errLen) {
  const char *env = getenv("ATTN_HIP_ARCH");
  if (env && *env) {
    snprintf(d->arch, sizeof d->arch, "%s", env);
    return ATTN_OK;
  }
  union {
    max_align_t align;
    char bytes[ATTN_HIP_PROPS_BYTES];
  } props;
  memset(&props, 0, sizeof props);
  char buf[48];
  HipError e = d->api.getProps(&props, d->ordinal);
  if (e != ATTN_HIP_SUCCESS)
    return attnFail(err, errLen, ATTN_ERROR_NO_DEVICE,
                    "HIP: cannot query device hip:%d: hipGetDeviceProperties failed with %s",
                    d->ordinal, hipErr(&d->api, e, buf));
  const char *arch = props.bytes + d->api.archOffset;
  if (!looksLikeArch(arch, ATTN_HIP_ARCH_LEN))
    return attnFail(err, errLen, ATTN_ERROR_NO_DEVICE,
                    "HIP: cannot identify device hip:%d: no gfx name at byte %d of the device "
                    "properties of %s (an unknown hipDeviceProp_t layout); set ATTN_HIP_ARCH",
                    d->ordinal, d->api.archOffset, d->api.libName);
  snprintf(d->arch, sizeof d->arch, "%s", arch);
  return ATTN_OK;
}

static AttnStatus openDevice(AttnHipDevice *d, int ordinal, char *err, size_t errLen) {
  char why[256];
  d->ordinal = ordinal;
  d->api.lib = openLibrary(d->api.libName, sizeof d->api.libName, why, sizeof why);
  if (!d->api.lib)
    return attnFail(err, errLen, ATTN_ERROR_NO_DRIVER,
                    "HIP: the driver library cannot be loaded (%s); install ROCm (libamdhip64) "
                    "or set ATTN_HIP_LIBRARY to its path",
                    why);
  AttnStatus s;
  if ((s = bindApi(&d->api, err, errLen)) != ATTN_OK ||
      (s = countDevices(&d->api, ordinal, err, errLen)) != ATTN_OK)
    return s;
  return queryArch(d, err, errLen);
}

AttnStatus attnHipDeviceOpen(int ordinal, AttnHipDevice **out, char *err, size_t errLen) {
  *out = NULL;
  AttnHipDevice *d = calloc(1, sizeof *d);
  if (!d)
    return attnFail(err, errLen, ATTN_ERROR_OUT_OF_MEMORY, "out of memory opening HIP");
  AttnStatus s = openDevice(d, ordinal, err, errLen);
  if (s != ATTN_OK) {
    attnHipDeviceClose(d);
    return s;
  }
  *out = d;
  return ATTN_OK;
}

const char *attnHipDeviceArch(const AttnHipDevice *d) { return d->arch; }

void attnHipDeviceClose(AttnHipDevice *d) {
  if (!d)
    return;
  if (d->api.lib)
    dlclose(d->api.lib);
  free(d);
}

/*--- modules -------------------------------------------------------------===*/

/* HIP calls act on the calling thread's current device: switch to ours and
 * back, so the caller's choice survives. */
static int enterDevice(const AttnHipDevice *d, int *saved) {
  if (d->api.getDevice(saved) != ATTN_HIP_SUCCESS)
    *saved = -1;
  return d->api.setDevice(d->ordinal) == ATTN_HIP_SUCCESS;
}

static void leaveDevice(const AttnHipDevice *d, int saved) {
  if (saved >= 0 && saved != d->ordinal)
    d->api.setDevice(saved);
}

static AttnStatus resolveFunctions(AttnHipModule *m, const AttnBundleTarget *t, char *err,
                                   size_t errLen) {
  char buf[48];
  for (int32_t i = 0; i < m->numKernels; ++i) {
    const char *sym = t->entries[i].symbol;
    if (!*sym)
      continue;
    HipError e = m->dev->api.moduleGetFunction(&m->functions[i], m->module, sym);
    if (e != ATTN_HIP_SUCCESS)
      return attnFail(err, errLen, ATTN_ERROR_LOAD,
                      "HIP: the code object of '%s' has no kernel '%s': %s", t->name, sym,
                      hipErr(&m->dev->api, e, buf));
  }
  return ATTN_OK;
}

static AttnStatus loadInto(AttnHipModule *m, const AttnBundleTarget *t, char *err, size_t errLen) {
  int saved;
  if (!enterDevice(m->dev, &saved))
    return attnFail(err, errLen, ATTN_ERROR_NO_DEVICE, "HIP: cannot select device hip:%d",
                    m->dev->ordinal);
  char buf[48];
  HipError e = m->dev->api.moduleLoadData(&m->module, m->image);
  AttnStatus s = ATTN_OK;
  if (e != ATTN_HIP_SUCCESS) {
    m->module = NULL;
    s = attnFail(err, errLen, ATTN_ERROR_LOAD,
                 "HIP: hipModuleLoadData rejected the code object of '%s' (%llu bytes) on %s: %s",
                 t->name, (unsigned long long)t->size, m->dev->arch, hipErr(&m->dev->api, e, buf));
  } else {
    s = resolveFunctions(m, t, err, errLen);
  }
  leaveDevice(m->dev, saved);
  return s;
}

AttnStatus attnHipModuleLoad(AttnHipDevice *d, const AttnBundleTarget *target, int32_t numKernels,
                             AttnHipModule **out, char *err, size_t errLen) {
  *out = NULL;
  AttnHipModule *m = calloc(1, sizeof *m);
  if (!m) {
    attnHipDeviceClose(d);
    return attnFail(err, errLen, ATTN_ERROR_OUT_OF_MEMORY, "out of memory loading a HIP module");
  }
  m->dev = d;
  m->numKernels = numKernels;
  m->functions = calloc(numKernels ? (size_t)numKernels : 1, sizeof *m->functions);
  m->image = malloc(target->size ? (size_t)target->size : 1);
  if (!m->functions || !m->image) {
    attnHipModuleDestroy(m);
    return attnFail(err, errLen, ATTN_ERROR_OUT_OF_MEMORY, "out of memory loading a HIP module");
  }
  if (target->size)
    memcpy(m->image, target->data, (size_t)target->size);
  AttnStatus s = loadInto(m, target, err, errLen);
  if (s != ATTN_OK) {
    attnHipModuleDestroy(m);
    return s;
  }
  *out = m;
  return ATTN_OK;
}

void attnHipModuleDestroy(AttnHipModule *m) {
  if (!m)
    return;
  if (m->module) {
    int saved;
    if (enterDevice(m->dev, &saved))
      m->dev->api.moduleUnload(m->module);
    leaveDevice(m->dev, saved);
  }
  attnHipDeviceClose(m->dev);
  free(m->functions);
  free(m->image);
  free(m);
}

/* HIP takes unsigned grid and block sizes, and a dimension's work-items
 * (blocks x threads) must fit in 32 bits. The kernels sign-extend their
 * 32-bit workgroup ids to 64-bit indices, so a grid dimension stays below
 * 2^31 (a larger id would read as negative). */
static AttnStatus checkLaunchSize(const int64_t grid[3], int32_t workgroupSize, char *err,
                                  size_t errLen) {
  if (workgroupSize < 1 || workgroupSize > 1024)
    return attnFail(err, errLen, ATTN_ERROR_LAUNCH,
                    "HIP: the entry's workgroup_size is %d, expected 1..1024", (int)workgroupSize);
  for (int i = 0; i < 3; ++i) {
    /* Checked in this order, the product cannot overflow. */
    if (grid[i] > INT32_MAX || grid[i] * (i == 0 ? workgroupSize : 1) > UINT32_MAX)
      return attnFail(err, errLen, ATTN_ERROR_LAUNCH,
                      "HIP: grid %c = %lld (x %d threads) exceeds what HIP can launch", "xyz"[i],
                      (long long)grid[i], i == 0 ? (int)workgroupSize : 1);
  }
  return ATTN_OK;
}

AttnStatus attnHipLaunch(AttnHipModule *m, int32_t kernel, const int64_t grid[3],
                         int32_t workgroupSize, void *kernargs, size_t kernargBytes, void *stream,
                         char *err, size_t errLen) {
  if (!m->functions[kernel])
    return attnFail(err, errLen, ATTN_ERROR_NOT_FOUND, "kernel %d has no code on %s", (int)kernel,
                    m->dev->arch);
  AttnStatus s = checkLaunchSize(grid, workgroupSize, err, errLen);
  if (s != ATTN_OK)
    return s;
  size_t size = kernargBytes;
  void *extra[] = {ATTN_HIP_LAUNCH_PARAM_BUFFER_POINTER, kernargs,
                   ATTN_HIP_LAUNCH_PARAM_BUFFER_SIZE, &size, ATTN_HIP_LAUNCH_PARAM_END};
  int saved;
  if (!enterDevice(m->dev, &saved))
    return attnFail(err, errLen, ATTN_ERROR_LAUNCH, "HIP: cannot select device hip:%d",
                    m->dev->ordinal);
  /* Static LDS is part of the code object: no dynamic shared memory. */
  HipError e = m->dev->api.moduleLaunchKernel(
      m->functions[kernel], (unsigned)grid[0], (unsigned)grid[1], (unsigned)grid[2],
      (unsigned)workgroupSize, 1, 1, 0, (HipStream)stream, NULL, extra);
  leaveDevice(m->dev, saved);
  char buf[48];
  if (e != ATTN_HIP_SUCCESS)
    return attnFail(err, errLen, ATTN_ERROR_LAUNCH, "HIP: hipModuleLaunchKernel failed: %s",
                    hipErr(&m->dev->api, e, buf));
  return ATTN_OK;
}
