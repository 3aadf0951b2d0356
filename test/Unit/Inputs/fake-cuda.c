/*===- fake-cuda.c - a stand-in libcuda for attnrt-test (no GPU needed) ---===*
 *
 * Exports the driver entry points attnrt's CUDA backend binds, with the
 * driver's C signatures (handles as pointers, CUresult as int). cuInit
 * fails or succeeds as the test sets (fake-cuda.h); after it succeeds the
 * fake has deviceCount devices of compute capability ccMajor.ccMinor.
 * "PTX" whose text starts with "//good" loads, with a kernel of every name
 * but "..missing.."; anything else fails to JIT with a log. Launches run
 * nothing: they are recorded for the test to inspect.
 *
 *===----------------------------------------------------------------------===*/
#include "fake-cuda.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef int CUresult;

static FakeCuda state = {.initResult = 100, .knowsNames = 1, .deviceCount = 1, .ccMajor = 9};
static int initialized;
static char primaryContext, oneModule; /* their addresses are the handles */
static _Thread_local void *stack[8];   /* this thread's current context stack */
static _Thread_local int depth;

FakeCuda *fakeCudaState(void) { return &state; }

CUresult cuGetErrorName(CUresult e, const char **s) {
  if (!state.knowsNames)
    return 34;
  *s = e == 100 ? "CUDA_ERROR_NO_DEVICE" : e == 218 ? "CUDA_ERROR_INVALID_PTX" : "CUDA_ERROR_FAKE";
  return 0;
}

CUresult cuGetErrorString(CUresult e, const char **s) {
  if (!state.knowsNames)
    return 34;
  *s = e == 100 ? "no CUDA-capable device is detected" : "a fake error";
  return 0;
}

CUresult cuInit(unsigned flags) {
  initialized = state.initResult == 0 && flags == 0;
  return state.initResult;
}

CUresult cuDeviceGetCount(int *n) {
  *n = initialized ? state.deviceCount : 0;
  return initialized ? 0 : 3;
}

CUresult cuDeviceGet(int *device, int ordinal) {
  *device = ordinal;
  return initialized && ordinal < state.deviceCount ? 0 : 101;
}

CUresult cuDeviceGetAttribute(int *value, int attribute, int device) {
  (void)device;
  *value = attribute == 75 ? state.ccMajor : attribute == 76 ? state.ccMinor : 0;
  return attribute == 75 || attribute == 76 ? 0 : 1;
}

CUresult cuDevicePrimaryCtxRetain(void **ctx, int device) {
  (void)device;
  *ctx = &primaryContext;
  ++state.retained;
  return 0;
}

CUresult cuDevicePrimaryCtxRelease_v2(int device) {
  (void)device;
  --state.retained;
  return 0;
}

CUresult cuCtxGetCurrent(void **ctx) {
  *ctx = depth ? stack[depth - 1] : NULL;
  return 0;
}

CUresult cuCtxPushCurrent_v2(void *ctx) {
  if (depth == 8)
    return 1;
  stack[depth++] = ctx;
  ++state.depth;
  return 0;
}

CUresult cuCtxPopCurrent_v2(void **ctx) {
  if (!depth)
    return 201; /* CUDA_ERROR_INVALID_CONTEXT */
  *ctx = stack[--depth];
  --state.depth;
  return 0;
}

static int contextCurrent(void) { return depth && stack[depth - 1] == &primaryContext; }

/* Options 5 / 6: the error log buffer and its size. */
CUresult cuModuleLoadDataEx(void **module, const void *image, unsigned n, int *options,
                            void **values) {
  if (!contextCurrent())
    return 201;
  if (strncmp(image, "//good", 6) == 0) {
    *module = &oneModule;
    ++state.modules;
    return 0;
  }
  char *log = NULL;
  size_t cap = 0;
  for (unsigned i = 0; i < n; ++i) {
    if (options[i] == 5)
      log = values[i];
    if (options[i] == 6)
      cap = (size_t)(uintptr_t)values[i];
  }
  if (log && cap)
    snprintf(log, cap, "ptxas fatal   : fake JIT rejects this PTX");
  return 218;
}

CUresult cuModuleUnload(void *module) {
  if (module != &oneModule || !contextCurrent())
    return 400;
  --state.modules;
  return 0;
}

/* Every kernel exists, except those named "..missing..". */
CUresult cuModuleGetFunction(void **fn, void *module, const char *name) {
  (void)module;
  *fn = (void *)name; /* any non-null handle */
  if (strstr(name, "missing"))
    return 500; /* CUDA_ERROR_NOT_FOUND */
  return contextCurrent() ? 0 : 201;
}

/* A launch's arguments as recorded: the buffer form of `extra` checked and
 * copied, or the kernelParams laid out as a packed buffer would be. */
typedef struct {
  int extraOk, paramsNull;
  size_t argBytes;
  unsigned char args[2048];
} Recorded;

static void recordArgs(void **extra, Recorded *r) {
  r->paramsNull = 1;
  r->extraOk = extra && extra[0] == (void *)0x01 && extra[2] == (void *)0x02 &&
               extra[4] == (void *)0x00 && extra[3];
  r->argBytes = r->extraOk ? *(size_t *)extra[3] : 0;
  if (r->extraOk && r->argBytes <= sizeof r->args)
    memcpy(r->args, extra[1], r->argBytes);
}

static void recordParams(void **params, Recorded *r) {
  size_t at = 0;
  r->paramsNull = 0;
  r->extraOk = 0;
  memset(r->args, 0, sizeof r->args);
  for (int i = 0; i < state.numParams && i < 64; ++i) {
    unsigned n = state.paramSizes[i];
    size_t align = n > 8 ? 64 : n;
    at = (at + align - 1) / align * align;
    if (at + n <= sizeof r->args)
      memcpy(r->args + at, params[i], n);
    at += n;
  }
  r->argBytes = at;
}

static void record(void **params, void **extra, Recorded *r) {
  if (params)
    recordParams(params, r);
  else
    recordArgs(extra, r);
}

/* What the test reads back of a launch (cuLaunchKernel or a graph node). */
static void launched(const unsigned grid[3], const unsigned block[3], unsigned sharedBytes,
                     void *stream, const Recorded *r) {
  ++state.launches;
  memcpy(state.grid, grid, sizeof state.grid);
  memcpy(state.block, block, sizeof state.block);
  state.sharedBytes = sharedBytes;
  state.stream = stream;
  state.ctxCurrentAtLaunch = contextCurrent();
  state.paramsNull = r->paramsNull;
  state.extraOk = r->extraOk;
  state.argBytes = r->argBytes;
  memcpy(state.args, r->args, sizeof state.args);
}

CUresult cuTensorMapEncodeTiled(void *map, int type, unsigned rank, void *address,
                                const unsigned long long *dims, const unsigned long long *strides,
                                const unsigned *box, const unsigned *elementStrides, int interleave,
                                int swizzle, int l2, int oob) {
  (void)elementStrides, (void)interleave, (void)l2, (void)oob;
  ++state.encodes;
  for (unsigned i = 0; i + 1 < rank && i < 3; ++i)
    state.mapStrides[i] = strides[i];
  unsigned long long words[16] = {(unsigned long long)(uintptr_t)address,
                                  dims[0],
                                  rank > 1 ? dims[1] : 0,
                                  box[0],
                                  rank > 1 ? box[1] : 0,
                                  (unsigned long long)type,
                                  (unsigned long long)swizzle,
                                  0xfeed};
  memcpy(map, words, sizeof words);
  return state.encodeResult;
}

CUresult cuLaunchKernel(void *fn, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by,
                        unsigned bz, unsigned sharedBytes, void *stream, void **params,
                        void **extra) {
  (void)fn;
  static Recorded r;
  record(params, extra, &r);
  launched((unsigned[]){gx, gy, gz}, (unsigned[]){bx, by, bz}, sharedBytes, stream, &r);
  return 0;
}

/*--- graphs: a chain of kernel nodes; the graph is its own exec ----------===*/

typedef struct { /* CUDA_KERNEL_NODE_PARAMS_v2 */
  void *func;
  unsigned grid[3], block[3], sharedBytes;
  void **kernelParams, **extra;
  void *kern, *ctx;
} NodeParams;

enum { FAKE_NODES = 8 };
typedef struct {
  int n, instantiated;
  struct {
    unsigned grid[3], block[3], sharedBytes;
    Recorded args;
  } node[FAKE_NODES];
} FakeGraph;

static void setNode(FakeGraph *g, int i, const NodeParams *p) {
  memcpy(g->node[i].grid, p->grid, sizeof p->grid);
  memcpy(g->node[i].block, p->block, sizeof p->block);
  g->node[i].sharedBytes = p->sharedBytes;
  record(p->kernelParams, p->extra, &g->node[i].args);
}

/* Node handles: 1-based indices (never null). */
CUresult cuGraphCreate(void **graph, unsigned flags) {
  FakeGraph *g = calloc(1, sizeof *g);
  *graph = g;
  return g && flags == 0 ? 0 : 1;
}

CUresult cuGraphAddKernelNode_v2(void **node, void *graph, void *const *deps, size_t numDeps,
                                 const NodeParams *p) {
  FakeGraph *g = graph;
  /* a chain: each node after the one added before it */
  if (!g || g->n == FAKE_NODES || numDeps != (g->n ? 1u : 0u) ||
      (numDeps && deps[0] != (void *)(uintptr_t)g->n) || !contextCurrent())
    return 1;
  setNode(g, g->n, p);
  *node = (void *)(uintptr_t)++g->n;
  return 0;
}

CUresult cuGraphInstantiateWithFlags(void **exec, void *graph, unsigned long long flags) {
  FakeGraph *g = graph;
  if (!g || flags || g->instantiated || !contextCurrent())
    return 1;
  g->instantiated = 1;
  ++state.graphs;
  *exec = g;
  return 0;
}

CUresult cuGraphExecKernelNodeSetParams_v2(void *exec, void *node, const NodeParams *p) {
  FakeGraph *g = exec;
  uintptr_t i = (uintptr_t)node;
  if (!g || !g->instantiated || i < 1 || i > (uintptr_t)g->n || !contextCurrent())
    return 1;
  ++state.nodeSetParams;
  if (state.setParamsResult)
    return state.setParamsResult;
  setNode(g, (int)i - 1, p);
  return 0;
}

CUresult cuGraphLaunch(void *exec, void *stream) {
  FakeGraph *g = exec;
  if (!g || !g->instantiated || state.capturing || !contextCurrent())
    return 1;
  ++state.graphLaunches;
  for (int i = 0; i < g->n; ++i)
    launched(g->node[i].grid, g->node[i].block, g->node[i].sharedBytes, stream, &g->node[i].args);
  return 0;
}

CUresult cuGraphExecDestroy(void *exec) {
  FakeGraph *g = exec;
  if (!g || !g->instantiated)
    return 1;
  g->instantiated = 0;
  --state.graphs;
  return 0;
}

CUresult cuGraphDestroy(void *graph) {
  FakeGraph *g = graph;
  if (!g || g->instantiated)
    return 1; /* attnrt destroys the exec first */
  free(g);
  return 0;
}

CUresult cuStreamIsCapturing(void *stream, int *status) {
  (void)stream;
  *status = state.capturing;
  return 0;
}
