/*===- Backend.h - what attnrt.c asks of its backends (private) ---*- C -*-===*
 *
 * attnrt.c chooses the device and the code object, checks and packs the
 * arguments and evaluates the grid; a backend only loads code objects and
 * runs a grid with packed arguments. Backends keep no global state: all of
 * it hangs off the objects below.
 *
 *===----------------------------------------------------------------------===*/
#ifndef ATTNRT_BACKEND_H
#define ATTNRT_BACKEND_H

#include "attnrt/Bundle.h"
#include "attnrt/attnrt.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ATTN_BACKEND_INTERNAL __attribute__((visibility("hidden")))

/*--- CPU: an "elf-so" code object, dlopen'ed; programs on a thread pool ---===*/

typedef struct AttnCpuModule AttnCpuModule;

/* Loads `target`'s shared object and resolves each entry's trampoline
 * (entries with an empty symbol have no code on this target). */
ATTN_BACKEND_INTERNAL AttnStatus attnCpuModuleLoad(const AttnBundleTarget *target,
                                                   int32_t numKernels, AttnCpuModule **out,
                                                   char *err, size_t errLen);
ATTN_BACKEND_INTERNAL void attnCpuModuleDestroy(AttnCpuModule *m);

/* Runs kernel `kernel`'s trampoline for every program of `grid` with
 * `slots` (one int64 per flat argument); returns when all have finished. */
ATTN_BACKEND_INTERNAL AttnStatus attnCpuLaunch(AttnCpuModule *m, int32_t kernel,
                                               const int64_t grid[3], int64_t *slots, char *err,
                                               size_t errLen);

/*--- HIP: an "hsaco" code object through libamdhip64 (dlopen'ed) ----------===*/

typedef struct AttnHipDevice AttnHipDevice;
typedef struct AttnHipModule AttnHipModule;

/* Opens the HIP driver and device `ordinal`: ATTN_ERROR_NO_DRIVER when
 * libamdhip64 cannot be loaded (ATTN_HIP_LIBRARY names it explicitly),
 * ATTN_ERROR_NO_DEVICE when it has no such device. */
ATTN_BACKEND_INTERNAL AttnStatus attnHipDeviceOpen(int ordinal, AttnHipDevice **out, char *err,
                                                   size_t errLen);
/* The device's gcnArchName, e.g. "gfx942:sramecc+:xnack-". */
ATTN_BACKEND_INTERNAL const char *attnHipDeviceArch(const AttnHipDevice *d);
ATTN_BACKEND_INTERNAL void attnHipDeviceClose(AttnHipDevice *d);

/* Loads `target`'s code object on the device, which the module takes over
 * (also on failure). */
ATTN_BACKEND_INTERNAL AttnStatus attnHipModuleLoad(AttnHipDevice *d, const AttnBundleTarget *target,
                                                   int32_t numKernels, AttnHipModule **out,
                                                   char *err, size_t errLen);
ATTN_BACKEND_INTERNAL void attnHipModuleDestroy(AttnHipModule *m);

ATTN_BACKEND_INTERNAL AttnStatus attnHipLaunch(AttnHipModule *m, int32_t kernel,
                                               const int64_t grid[3], int32_t workgroupSize,
                                               void *kernargs, size_t kernargBytes, void *stream,
                                               char *err, size_t errLen);

/*--- CUDA: a "ptx" code object through libcuda (dlopen'ed) ---------------===*/

typedef struct AttnCudaDevice AttnCudaDevice;
typedef struct AttnCudaModule AttnCudaModule;

/* Opens the CUDA driver and device `ordinal`: ATTN_ERROR_NO_DRIVER when
 * libcuda.so.1 cannot be loaded (ATTN_CUDA_LIBRARY names it explicitly) or
 * lacks an entry point, ATTN_ERROR_NO_DEVICE when cuInit fails or there is
 * no such device. Creates no context yet. */
ATTN_BACKEND_INTERNAL AttnStatus attnCudaDeviceOpen(int ordinal, AttnCudaDevice **out, char *err,
                                                    size_t errLen);
/* The device's compute capability, e.g. 9.0. */
ATTN_BACKEND_INTERNAL void attnCudaDeviceCapability(const AttnCudaDevice *d, int *major,
                                                    int *minor);
ATTN_BACKEND_INTERNAL void attnCudaDeviceClose(AttnCudaDevice *d);

/* Retains the device's primary context and JIT-loads `target`'s PTX in it;
 * the module takes the device over (also on failure). */
ATTN_BACKEND_INTERNAL AttnStatus attnCudaModuleLoad(AttnCudaDevice *d,
                                                    const AttnBundleTarget *target,
                                                    int32_t numKernels, AttnCudaModule **out,
                                                    char *err, size_t errLen);
ATTN_BACKEND_INTERNAL void attnCudaModuleDestroy(AttnCudaModule *m);

/* Launches on `stream` (a CUstream; null = the legacy default stream) with
 * blocks of (workgroupSize, 1, 1) threads; `maps` (numMaps of them, the
 * entry's tensor maps described for this launch) are encoded after the flat
 * arguments (attnrt.h, "TMA tensor maps"). */
ATTN_BACKEND_INTERNAL AttnStatus attnCudaLaunch(AttnCudaModule *m, int32_t kernel,
                                                const int64_t grid[3], int32_t workgroupSize,
                                                void *kernargs, size_t kernargBytes,
                                                const AttnrtTensorMapDesc *maps, int numMaps,
                                                void *stream, char *err, size_t errLen);

/* One launch of a plan (attnrt.c): kernel, grid, its packed arguments and
 * the entry's tensor maps described for this launch. */
typedef struct {
  int32_t kernel;
  int64_t grid[3];
  int32_t workgroupSize;
  void *kernargs;
  size_t kernargBytes;
  const AttnrtTensorMapDesc *maps;
  int numMaps;
} AttnCudaLaunchDesc;

typedef struct AttnCudaGraph AttnCudaGraph;

/* A CUDA graph of `n` launches run in order (attnrtPlanLaunch's graphs);
 * *out stays null (ATTN_OK) when the driver has no graph entry points or a
 * kernel has no code; errors leave it null. The arguments of `launches` are
 * stand-ins: every launch sets its own. */
ATTN_BACKEND_INTERNAL AttnStatus attnCudaGraphCreate(AttnCudaModule *m,
                                                     const AttnCudaLaunchDesc *launches, int n,
                                                     AttnCudaGraph **out, char *err, size_t errLen);
/* Whether `stream` is being captured into a graph (true also when that
 * cannot be told): a plan's kernels then go into the caller's graph one by
 * one, and no graph is made meanwhile (a global-mode capture refuses
 * unsafe calls from any thread). */
ATTN_BACKEND_INTERNAL bool attnCudaStreamCapturing(AttnCudaModule *m, void *stream);
/* Sets the nodes' arguments from `launches` (the graph's n) and launches the
 * graph on `stream` (not being captured); *launched tells whether it was.
 * Not thread-safe for one graph: the caller serializes. */
ATTN_BACKEND_INTERNAL AttnStatus attnCudaGraphLaunch(AttnCudaGraph *g,
                                                     const AttnCudaLaunchDesc *launches,
                                                     void *stream, bool *launched, char *err,
                                                     size_t errLen);
ATTN_BACKEND_INTERNAL void attnCudaGraphDestroy(AttnCudaGraph *g);

#endif /* ATTNRT_BACKEND_H */
