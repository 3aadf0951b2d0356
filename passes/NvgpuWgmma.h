/*===- NvgpuWgmma.h - warpgroup MMA (wgmma) for the NVIDIA lowering -*- C -*-===*
 *
 * The Hopper matmul path of attn-lower-nvgpu, chosen by attn-gpu-layout
 * (`attn.mma = "wgmma"` on the kernel function). A warpgroup (4 warps, 128
 * threads) owns 64 query rows; warp w of it owns rows 16w..16w+15, so the
 * wgmma m64nNk16 f32 accumulator is the mma.sync m16n8k16 C layout repeated
 * N/8 times, which is the core's fragment layout (GpuLower.h) with RL = 2,
 * CB = 8, CE = 2: register i of the accumulator is block
 * (row slot (i >> 1) & 1, column block i >> 2), element i & 1.
 *
 * Operands in shared memory use the 128-byte swizzle: a tile of R rows and C
 * columns (16-bit elements, C a multiple of 64) is C / 64 boxes of R x 64
 * elements (128 bytes per row), box after box; the 16-byte chunk j of row r
 * of a box sits at chunk j ^ (r % 8). The buffer is 1024-byte aligned and
 * every tile starts at a multiple of 1024 bytes, so the hardware's swizzle
 * (address bits 4-6 xor bits 7-9) matches the one the copies write.
 *
 *===----------------------------------------------------------------------===*/
#ifndef ATTN_PASSES_NVGPUWGMMA_H
#define ATTN_PASSES_NVGPUWGMMA_H

#include "GpuLower.h"

#ifdef __cplusplus
extern "C" {
#endif

enum {
  ATTN_WGMMA_BOX = 64,     /* 16-bit elements per 128-byte swizzled row */
  ATTN_WGMMA_ALIGN = 1024, /* bytes: one swizzle atom (8 rows of 128 bytes) */
  ATTN_WGMMA_MAX_N = 256   /* the largest N of wgmma.m64nNk16 */
};

/* A tile in swizzled shared memory: `rows` x `cols` elements at element
 * `base` of the shared buffer. */
typedef struct {
  int64_t rows, cols, base;
  MlirValue dynBase; /* index: elements added to base (a ring buffer), or null */
} AttnWgmmaTile;

/* Per-kernel values the matmuls need: the shared buffer's byte address
 * (i64) and the first row of this thread's warpgroup (index). */
typedef struct {
  MlirValue smemAddr, wgRow;
} AttnWgmmaLanes;

/* Whether a tile of this shape and dtype can be a wgmma operand here. */
bool attnWgmmaTileFits(int64_t rows, int64_t cols);

/* Element offset of the 16-byte chunk at (row, col) (col a multiple of 8) of
 * a swizzled tile of `rows` rows staged at element `base`. */
MlirValue attnWgmmaChunkOffset(AttnBuilder *b, MlirValue row, MlirValue col, int64_t rows,
                               int64_t base);

/* Sets up the per-kernel values (at the top of the kernel). */
AttnWgmmaLanes attnWgmmaLanes(AttnGpuLower *L, AttnBuilder *b);

/* Both matmuls issue their wgmma instructions and commit them as one
 * group, without waiting: the result is the accumulator struct (n f32
 * registers), to be read only after attnWgmmaWait has waited for the group
 * (attn-lower-nvgpu makes it an ATTN_REP_PENDING result). */

/* S = acc + Q K^T for this warpgroup's 64 rows: both operands K-major in
 * shared memory (SS). `acc` holds 2 * K.rows / 8 blocks vector<2xf32> in
 * the core's order (row slot major), or is null for zero. */
MlirValue attnWgmmaQK(AttnGpuLower *L, AttnBuilder *b, const AttnWgmmaLanes *w,
                      const AttnWgmmaTile *q, const AttnWgmmaTile *k, const MlirValue *acc);

/* The descriptors of V's k16 steps (V.rows / 16 of them), for attnWgmmaPV:
 * made when V is staged, they need no instruction once the Q K^T before
 * the P V of a software-pipelined loop is in flight. */
void attnWgmmaDescriptorsV(AttnBuilder *b, const AttnWgmmaLanes *w, const AttnWgmmaTile *v,
                           MlirValue *out);

/* O = acc + P V: P from registers (the blocks of S's layout truncated to
 * Q's dtype, 2 * V.rows / 8 of them), V MN-major in shared memory (RS,
 * inline PTX: MLIR 22 has no register-A wgmma op). `acc`: 2 * V.cols / 8
 * blocks; vDesc: V's descriptors (attnWgmmaDescriptorsV) or null. */
MlirValue attnWgmmaPV(AttnGpuLower *L, AttnBuilder *b, const AttnWgmmaLanes *w, const MlirValue *p,
                      const AttnWgmmaTile *v, const MlirValue *vDesc, const MlirValue *acc);

/* wgmma.wait_group `inFlight`: at most that many of this warpgroup's
 * committed groups are still running. */
void attnWgmmaWait(AttnGpuLower *L, AttnBuilder *b, int64_t inFlight);

/* The accumulator struct of `n` registers as the core's 2 * n / 4 blocks. */
void attnWgmmaUnpack(AttnGpuLower *L, AttnBuilder *b, MlirValue acc, int n, MlirValue *blocks);

/* fence.proxy.async.shared::cta: generic-proxy writes of shared memory
 * (cp.async included) become visible to the async proxy that wgmma reads
 * through. Each writing thread issues it before the barrier. */
void attnWgmmaFenceProxy(AttnGpuLower *L, AttnBuilder *b);

#ifdef __cplusplus
}
#endif

#endif /* ATTN_PASSES_NVGPUWGMMA_H */
