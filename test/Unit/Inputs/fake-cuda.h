/*===- fake-cuda.h - the state of fake-cuda.c, shared with attnrt-test ---===*
 *
 * attnrt-test loads Inputs/fake-cuda.so itself, sets how the fake driver
 * behaves and reads back what attnrt asked of it; attnrt then opens the
 * same file through ATTN_CUDA_LIBRARY and gets the same instance.
 *
 *===----------------------------------------------------------------------===*/
#ifndef ATTN_TEST_FAKE_CUDA_H
#define ATTN_TEST_FAKE_CUDA_H

#include <stddef.h>

typedef struct FakeCuda {
  /* Set by the test. */
  int initResult;  /* what cuInit returns: 0, 100 (no device), 34 (stub) */
  int knowsNames;  /* cuGetErrorName/String answer, else fail with 34 as the stub's do */
  int deviceCount; /* devices after a successful cuInit */
  int ccMajor, ccMinor;
  /* Recorded. */
  int retained; /* primary context retains minus releases */
  int modules;  /* modules loaded minus unloaded */
  int depth;    /* context stack depth pushed by attnrt (pushes minus pops) */
  int launches;
  unsigned grid[3], block[3], sharedBytes;
  void *stream;
  int ctxCurrentAtLaunch; /* the primary context was current during the launch */
  int extraOk;            /* `extra` was BUFFER_POINTER, p, BUFFER_SIZE, &n, END(0) */
  int paramsNull;         /* kernelParams was null */
  size_t argBytes;
  unsigned char args[2048];
  /* cuTensorMapEncodeTiled: calls, and the arguments of the last one. It
   * writes FAKE_MAP_WORDS into the map: address, dims[0], dims[1], box[0],
   * box[1], data type, swizzle, 0xfeed. */
  /* kernelParams launches: the test gives the parameters' sizes (8 or 128
   * bytes; 128-byte ones 64-byte aligned), the fake lays the bytes out in
   * args as a packed buffer would be (argBytes = the end of the last). */
  int numParams;
  unsigned paramSizes[64];
  int encodes;
  int encodeResult; /* set by the test: what it returns */
  unsigned long long mapStrides[3];
  /* CUDA graphs: cuStreamIsCapturing reports `capturing` (set by the test);
   * a graph launch runs its nodes as cuLaunchKernel would be called with
   * the arguments of their last cuGraphExecKernelNodeSetParams (launches,
   * grid, args... as above). */
  int capturing;
  int setParamsResult; /* what cuGraphExecKernelNodeSetParams returns (set by the test) */
  int graphs;          /* executable graphs instantiated minus destroyed */
  int graphLaunches;   /* cuGraphLaunch calls */
  int nodeSetParams;   /* cuGraphExecKernelNodeSetParams calls */
} FakeCuda;

/* The one instance, exported by fake-cuda.so. */
FakeCuda *fakeCudaState(void);

#endif /* ATTN_TEST_FAKE_CUDA_H */
