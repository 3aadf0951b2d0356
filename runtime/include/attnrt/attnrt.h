/*===- attnrt/attnrt.h - load kernel bundles and launch their kernels -*- C -*-===*
 *
 * The attnc runtime: pick the code object of a bundle (attnrt/Bundle.h) that
 * fits a device, load it, and launch its kernels on tensors. No MLIR or LLVM
 * dependency; drivers are opened with dlopen, so the library loads (and
 * falls back to the CPU) on machines without them.
 *
 *   AttnBundle b;          attnBundleReadFile("attn.attnb", &b, err, sizeof err);
 *   AttnrtModule *m;       attnrtModuleLoad(&b, "auto", &m, err, sizeof err);
 *   attnBundleDestroy(&b); // the module keeps what it needs
 *   AttnrtTensor t[4] = {q, k, v, out};
 *   attnrtLaunch(m, "attention_attn0", t, 4, stream, err, sizeof err);
 *   attnrtModuleDestroy(m);
 *
 * Every function returns an AttnStatus and, on failure, a message in `err`
 * (which may be null). Modules are independent; a module may be used from
 * several threads, and its CPU launches are serialized.
 *
 *===----------------------------------------------------------------------===*/
#ifndef ATTNRT_ATTNRT_H
#define ATTNRT_ATTNRT_H

#include "attnrt/Bundle.h"

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A tensor argument: `data` is the address of element 0 (a device pointer on
 * a GPU), strides are in elements. Tensors are passed in the kernel's
 * argument order (AttnBundleKernel::args). */
typedef struct AttnrtTensor {
  void *data;
  int32_t rank;
  int64_t sizes[4];
  int64_t strides[4];
} AttnrtTensor;

typedef struct AttnrtModule AttnrtModule;

/* Loads the code object of `bundle` that fits `device`:
 *   "cpu"            the host, target "cpu-<machine>" (attnrtCpuTargetName), format "elf-so"
 *   "cuda", "cuda:N" NVIDIA GPU N (default 0) through the driver API of libcuda.so.1
 *                    (ATTN_CUDA_LIBRARY overrides the path), format "ptx"; target
 *                    "sm_<major><minor>a" (from compute capability 9.0 on) preferred,
 *                    then "sm_<major><minor>": "sm_90a" then "sm_90" on an H100. The
 *                    PTX is JIT-compiled in the device's primary context (the one
 *                    the CUDA runtime and PyTorch use) when the module loads.
 *   "hip", "hip:N"   AMD GPU N (default 0) through libamdhip64, target = the device's
 *                    gfx arch ("gfx942" matches "gfx942:sramecc+:xnack-"), format "hsaco"
 *   "auto"           the first of "cuda", "hip" (device 0 each), "cpu" that has a
 *                    device the bundle has code for (check attnrtModuleDevice for
 *                    which one); a driver that rejects the code object (LOAD)
 *                    ends the search
 * Errors: ATTN_ERROR_NO_DRIVER (the driver library cannot be loaded),
 * NO_DEVICE (the driver has no such device: cuInit / hipInit failed, or N
 * is out of range; the message names the driver's error), NO_CODE_OBJECT
 * (the message lists the bundle's targets and the device's), LOAD (for
 * CUDA with the JIT's error log). The module copies what it needs: the
 * bundle may be destroyed right after. */
AttnStatus attnrtModuleLoad(const AttnBundle *bundle, const char *device, AttnrtModule **out,
                            char *err, size_t errLen);
void attnrtModuleDestroy(AttnrtModule *module);

/* "cpu", "cuda:N" or "hip:N", and the bundle target that was loaded
 * ("cpu-x86_64", "sm_90a", "gfx942"); valid while the module lives. */
const char *attnrtModuleDevice(const AttnrtModule *module);
const char *attnrtModuleTarget(const AttnrtModule *module);

/* The bundle target name of this host's CPU: "cpu-" + uname's machine
 * ("cpu-x86_64", "cpu-aarch64"). Returns ATTN_ERROR_INVALID_ARGUMENT when it
 * does not fit in `len`. */
AttnStatus attnrtCpuTargetName(char *buf, size_t len);

/* Launches `kernel` on `tensors` (numTensors = the kernel's argument count,
 * each rank as declared, sizes >= 0, data non-null unless the tensor is
 * empty). The grid is the entry's grid_map over the tensors' sizes; a grid
 * with no programs launches nothing and succeeds. GPU sizes must stay below
 * 2^30 (the kernels index in 32 bits). CUDA: asynchronous on `stream` (a
 * CUstream of the device's primary context, e.g. PyTorch's current stream;
 * null = the legacy default stream), blocks of the entry's workgroup_size
 * threads (32 x num_warps), kernel arguments as one buffer (cuLaunchKernel's
 * `extra`), no dynamic shared memory; the thread's current context is left
 * as it was. HIP: asynchronous on `stream` (a hipStream_t; null = the
 * default stream). CPU: `stream` is ignored and the launch has finished when
 * this returns. Data pointers are device pointers on a GPU. */
AttnStatus attnrtLaunch(AttnrtModule *module, const char *kernel, const AttnrtTensor *tensors,
                        int numTensors, void *stream, char *err, size_t errLen);

/* Packs the flat arguments of `kernel` (docs/bundle-format.md, "Kernel ABI")
 * for `tensors` into buf[0, cap): per tensor, in order, 8 bytes each,
 * little-endian: allocated ptr, aligned ptr (both = data), offset (0),
 * sizes[rank], strides[rank]. *used = the bytes written (or needed, when cap
 * is too small: then ATTN_ERROR_INVALID_ARGUMENT). This is the GPU kernarg
 * segment; on the CPU the same words are the trampoline's int64 slots. */
AttnStatus attnrtPackKernargs(const AttnBundleKernel *kernel, const AttnrtTensor *tensors, int n,
                              uint8_t *buf, size_t cap, size_t *used, char *err, size_t errLen);

/* The largest kernarg segment a kernel can have: 16 tensors of rank 4. */
#define ATTNRT_MAX_KERNARG_BYTES (ATTN_BUNDLE_MAX_ARGS * (3 + 2 * 4) * 8)

/* TMA tensor maps (NVIDIA sm_90a; docs/bundle-format.md, "TMAP"). A kernel
 * whose entry lists tensor maps takes, after its flat arguments, one
 * 128-byte CUtensorMap per map, each at a 64-byte-aligned parameter offset:
 * flat words, zero padding to a multiple of 64 bytes, then the maps.
 * attnrtLaunch and plans encode them on the CUDA backend
 * (cuTensorMapEncodeTiled); attnrtDescribeTensorMap says what is encoded
 * for a tensor, and checks what TMA requires of it. */
#define ATTNRT_TENSOR_MAP_BYTES 128
#define ATTNRT_TENSOR_MAP_ALIGN 64
/* The largest parameter buffer: flat words, padding, four maps. */
#define ATTNRT_MAX_PARAM_BYTES                                                                     \
  (ATTNRT_MAX_KERNARG_BYTES + ATTNRT_TENSOR_MAP_ALIGN +                                            \
   ATTN_BUNDLE_MAX_TENSOR_MAPS * ATTNRT_TENSOR_MAP_BYTES)

/* The arguments of cuTensorMapEncodeTiled for one map, dims innermost first. */
typedef struct AttnrtTensorMapDesc {
  int32_t data_type; /* CUtensorMapDataType: 6 f16, 7 f32, 9 bf16 */
  int32_t rank;
  void *address;
  uint64_t dims[4];    /* elements per dim, innermost first */
  uint64_t strides[3]; /* bytes between consecutive indices of dims 1..rank-1 */
  uint32_t box[4];     /* box elements per dim, innermost first */
  int32_t swizzle;     /* CUtensorMapSwizzle: 0 none, 1 32B, 2 64B, 3 128B */
  int32_t empty;       /* 1: the tensor has no elements, the kernel never reads it, the map is
                          all zero */
} AttnrtTensorMapDesc;

/* Describes tensor map `map` of `kernel` for `tensors` (the launch's, in
 * argument order): ATTN_ERROR_INVALID_ARGUMENT, naming the tensor, when TMA
 * cannot address it (innermost stride not 1, byte strides not multiples of
 * 16 or >= 2^40, a data pointer not 16-byte aligned, sizes >= 2^32, a dtype
 * other than f16/bf16/f32). */
AttnStatus attnrtDescribeTensorMap(const AttnBundleKernel *kernel, const AttnBundleTensorMap *map,
                                   const AttnrtTensor *tensors, AttnrtTensorMapDesc *out, char *err,
                                   size_t errLen);

/* Byte offset of tensor map i in a parameter buffer whose flat arguments
 * take `flatBytes`. */
size_t attnrtTensorMapOffset(size_t flatBytes, int i);

/* A launch plan: one or more launches of a module's kernels, checked, packed and with
 * their grids evaluated once for fixed tensor sizes and strides, then run many times on
 * new data pointers with one call. For callers that launch the same kernels on tensors
 * of the same shapes again and again (attnc.torch keeps one per call signature), so a
 * launch costs one call instead of filling AttnrtTensor records.
 *
 *   AttnrtPlan *p;
 *   attnrtPlanCreate(m, &p, err, sizeof err);
 *   attnrtPlanAdd(p, "split", splitTensors, 9, err, sizeof err);   // in launch order
 *   attnrtPlanAdd(p, "merge", mergeTensors, 4, err, sizeof err);
 *   const void *data[13] = {...};  // every launch's data pointers, concatenated
 *   attnrtPlanLaunch(p, data, 13, stream, err, sizeof err);
 *   attnrtPlanDestroy(p);
 *
 * attnrtPlanAdd checks the tensors as attnrtLaunch does (their data pointers only for
 * null-ness later, at launch), packs the kernargs and evaluates the grid; a launch
 * whose grid is empty is kept and skipped. attnrtPlanLaunch writes the data pointers
 * (numData = the total tensor count of the added launches; null only for empty
 * tensors) into a copy of the packed arguments and runs the launches in order on
 * `stream`, as attnrtLaunch would; it stops at the first failure. The module must
 * outlive the plan. Several threads may launch one plan at once (adding to it while
 * another thread launches is not allowed).
 *
 * A CUDA plan whose launches all have programs runs as one CUDA graph (unless
 * ATTN_CUDA_GRAPHS=0 when the plan is created): made at its first launch on a stream
 * that is not being captured, then each launch sets the arguments of the nodes whose
 * arguments changed since the last launch (cuGraphExecKernelNodeSetParams) and
 * launches it (cuGraphLaunch), one driver submission instead of one per kernel (on
 * the H100 machine a plan's C call took 4.9 us as a graph, 12.8 us by cuLaunchKernel:
 * bench/RESULTS.md). On a stream being captured
 * the kernels are launched one by one (into the caller's graph). Launches of one
 * plan's graph are serialized by a lock, and the GPU orders them (two streams running
 * one plan run its kernels one after the other). A graph that cannot be made, or whose
 * launch fails, is dropped and the kernels are launched one by one. */
typedef struct AttnrtPlan AttnrtPlan;

#define ATTNRT_PLAN_MAX_LAUNCHES 4

AttnStatus attnrtPlanCreate(AttnrtModule *module, AttnrtPlan **out, char *err, size_t errLen);
AttnStatus attnrtPlanAdd(AttnrtPlan *plan, const char *kernel, const AttnrtTensor *tensors,
                         int numTensors, char *err, size_t errLen);
AttnStatus attnrtPlanLaunch(const AttnrtPlan *plan, const void *const *data, int numData,
                            void *stream, char *err, size_t errLen);
void attnrtPlanDestroy(AttnrtPlan *plan);

#ifdef __cplusplus
}
#endif

#endif /* ATTNRT_ATTNRT_H */
