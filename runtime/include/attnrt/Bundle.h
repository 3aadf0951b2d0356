/*===- attnrt/Bundle.h - attnc kernel bundles (.attnb) -------------*- C -*-===*
 *
 * A kernel bundle holds the compiled kernels of one attnc module for several
 * targets: one code object per target (an AMDGPU HSACO for gfx942/gfx950, a
 * shared object for the host CPU, PTX for sm_90a) and, per kernel, the
 * metadata a launcher needs. The byte format is specified in
 * docs/bundle-format.md; this header is its in-memory form. Reading and
 * writing need no MLIR or LLVM.
 *
 * The kernel ABI every target shares ("flat arguments"): a kernel's
 * arguments are its tensors in order (AttnBundleArg), each passed as the
 * MLIR memref descriptor expanded in place:
 *
 *   allocated ptr, aligned ptr, offset, sizes[rank], strides[rank]
 *
 * (pointers 8 bytes, the rest int64, offsets and strides in elements). The
 * program grid is (gx, gy, gz) from `grid`; a GPU workgroup has
 * `workgroup_size` threads in x.
 *
 *===----------------------------------------------------------------------===*/
#ifndef ATTNRT_BUNDLE_H
#define ATTNRT_BUNDLE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define ATTN_BUNDLE_VERSION 1u

/* One tensor argument of a kernel. */
typedef struct AttnBundleArg {
  char name[32];  /* role: "q", "k", "v", "cu_seqlens_q", "cu_seqlens_k", "alibi", "sinks", "out",
                   * "lse"; paged kernels: "k_cache", "v_cache", "block_tables", "seq_lens",
                   * "query_start_loc", "split_out", "split_lse" (docs/paged.md); attn.mla's
                   * split kernel: "kv_cache" in place of the two caches (docs/mla.md) */
  char dtype[8];  /* element type: "f16", "bf16", "f32", "f64", "i32", "f8fn", "f8fnuz", "i8" */
  int32_t rank;   /* 0..4 (0: fp8's per-tensor scales) */
  int32_t output; /* 1 when the kernel writes it */
} AttnBundleArg;

#define ATTN_BUNDLE_MAX_ARGS 16

/* One kernel. */
typedef struct AttnBundleKernel {
  char name[128]; /* kernel name, e.g. "attention_attn0"; also its symbol on GPU targets */
  char kind[16];  /* "mha" | "mha_varlen" | "paged_decode" | "paged" | "paged_merge" |
                     "bwd_delta" | "bwd_dkdv" | "bwd_dq" | "varlen_delta" | "varlen_dkdv" |
                     "varlen_dq" (docs/backward.md) | "mla_decode" (docs/mla.md) */
  int32_t num_args;
  AttnBundleArg args[ATTN_BUNDLE_MAX_ARGS];
  /* Features, for inspection and for choosing a variant. */
  int32_t head_dim, head_dim_v, num_q_heads, num_kv_heads; /* 0 when dynamic */
  int32_t causal;
  int64_t window_left, window_right; /* -1: unbounded */
  float scale, softcap;
  int32_t has_alibi, has_lse;
  /* On a GPU the rows of every f16/bf16 tensor must start on a multiple of
   * row_align elements (1, 2, 4 or 8): the kernel's copy width. attnrt
   * checks the data pointers and strides at launch. 0: not recorded (a
   * bundle written before it, whose kernels assume 16-byte rows). */
  int32_t row_align;
} AttnBundleKernel;

/* A TMA tensor map a kernel takes after its flat arguments (NVIDIA sm_90a;
 * docs/bundle-format.md, "TMAP"): attnrt encodes it at launch from tensor
 * `arg` (cuTensorMapEncodeTiled: dims innermost first, byte strides, a box
 * of box[d] elements in tensor dim d, zero fill out of bounds) and passes
 * its 128 bytes as a 64-byte-aligned kernel parameter. */
typedef struct AttnBundleTensorMap {
  int32_t arg;     /* index into the kernel's args */
  int32_t box[4];  /* box size per dim of that tensor, tensor order (rank of the arg) */
  int32_t swizzle; /* shared-memory swizzle in bytes: 0 (none), 32, 64 or 128 */
} AttnBundleTensorMap;

#define ATTN_BUNDLE_MAX_TENSOR_MAPS 4

/* How one kernel runs on one target: the tile configuration differs per
 * target, and with it the grid. */
typedef struct AttnBundleEntry {
  char symbol[128]; /* GPU: the kernel symbol; CPU: its __attn_program_* trampoline */
  /* Grid: `grid_map` is an MLIR affine map without symbols, with one dim per
   * `grid_dims` entry and three results (gx, gy, gz), e.g.
   * "(d0, d1) -> (d1 ceildiv 128, d0 * 32, 1)" (+, -, *, ceildiv, floordiv,
   * mod, integer constants, parentheses). Each grid dim is "ARG.DIM" (a size
   * of an argument, e.g. "q.0") or "ARG.DIM-1" (that size minus one, e.g.
   * "cu_seqlens_q.0-1", the batch of a varlen op). */
  char grid_map[256];
  int32_t num_grid_dims;
  char grid_dims[4][48];
  int32_t block_m, block_n, num_warps, num_stages, kv_splits;
  int32_t workgroup_size; /* GPU threads per workgroup (x); 0 on the CPU */
  int32_t lds_bytes;      /* static shared memory (GPU) */
  /* The kernel's tensor-map parameters, in parameter order (section TMAP). */
  int32_t num_tensor_maps;
  AttnBundleTensorMap tensor_maps[ATTN_BUNDLE_MAX_TENSOR_MAPS];
} AttnBundleEntry;

/* Code object of one target, with an entry per kernel. */
typedef struct AttnBundleTarget {
  char name[32];       /* "gfx942", "gfx950", "sm_90a", "cpu-x86_64", ... */
  char format[16];     /* "hsaco" | "elf-so" | "ptx" */
  const uint8_t *data; /* code object bytes */
  uint64_t size;
  AttnBundleEntry *entries; /* [bundle num_kernels]: entries[i] runs kernel i */
} AttnBundleTarget;

typedef struct AttnBundle {
  uint32_t version;
  char producer[64]; /* "attnc 0.1.0" */
  int32_t num_kernels;
  AttnBundleKernel *kernels;
  int32_t num_targets;
  AttnBundleTarget *targets;
} AttnBundle;

/* Status codes shared by every attnrt entry point. */
typedef enum AttnStatus {
  ATTN_OK = 0,
  ATTN_ERROR_INVALID_ARGUMENT, /* null pointer, bad size, unknown name */
  ATTN_ERROR_IO,               /* cannot read / write the file */
  ATTN_ERROR_OUT_OF_MEMORY,
  ATTN_ERROR_BAD_BUNDLE,     /* truncated, corrupt (checksum), malformed */
  ATTN_ERROR_VERSION,        /* bundle format version not supported */
  ATTN_ERROR_NO_CODE_OBJECT, /* the bundle has no code object for this device */
  ATTN_ERROR_NO_DRIVER,      /* the backend's driver library cannot be loaded */
  ATTN_ERROR_NO_DEVICE,      /* the driver is there but no device is */
  ATTN_ERROR_NOT_FOUND,      /* no kernel of that name */
  ATTN_ERROR_LOAD,           /* the driver rejected the code object */
  ATTN_ERROR_LAUNCH,         /* the driver rejected the launch */
} AttnStatus;

/* A static string naming `s` ("ATTN_ERROR_BAD_BUNDLE: ..."). */
const char *attnStatusString(AttnStatus s);

/* Parses `size` bytes at `data` into *out. The bundle borrows nothing: code
 * objects are copied into one allocation owned by *out. Never reads outside
 * [data, data+size); on failure returns the status and a message in `err`
 * (may be null) and leaves *out zeroed. */
AttnStatus attnBundleParse(const void *data, size_t size, AttnBundle *out, char *err,
                           size_t errLen);
AttnStatus attnBundleReadFile(const char *path, AttnBundle *out, char *err, size_t errLen);
/* Frees what a successful parse / read allocated; safe on a zeroed bundle. */
void attnBundleDestroy(AttnBundle *bundle);

/* Serializes `bundle` (targets' data/size/symbols/... read from the struct)
 * into a malloc'd buffer the caller frees. */
AttnStatus attnBundleSerialize(const AttnBundle *bundle, uint8_t **data, size_t *size, char *err,
                               size_t errLen);
AttnStatus attnBundleWriteFile(const AttnBundle *bundle, const char *path, char *err,
                               size_t errLen);

/* Lookup helpers: null / -1 when absent. */
const AttnBundleTarget *attnBundleFindTarget(const AttnBundle *bundle, const char *name);
int32_t attnBundleFindKernel(const AttnBundle *bundle, const char *name);

/* Evaluates an entry's grid for the given argument sizes of its kernel
 * (sizes[i] = the sizes of argument i, ranks as in kernel->args[i]). */
AttnStatus attnBundleEvalGrid(const AttnBundleKernel *kernel, const AttnBundleEntry *entry,
                              const int64_t *const *sizes, int64_t grid[3], char *err,
                              size_t errLen);

/* Limits a reader enforces (docs/bundle-format.md), so that a hostile file
 * cannot make it allocate much more than its own size. */
#define ATTN_BUNDLE_MAX_KERNELS 1024
#define ATTN_BUNDLE_MAX_TARGETS 64

/* CRC-32 (IEEE 802.3, the polynomial of zlib's crc32) of `size` bytes: the
 * checksum a bundle header stores over its payload. */
uint32_t attnBundleCrc32(const void *data, size_t size);

#ifdef __cplusplus
}
#endif

#endif /* ATTNRT_BUNDLE_H */
