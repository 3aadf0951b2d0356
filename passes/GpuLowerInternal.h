/*===- GpuLowerInternal.h - what the GPU core's files share -------*- C -*-===*
 *
 * The GPU lowering core (GpuLower.h) is split by concern:
 *   GpuLower.c     value forms, element-wise ops, reductions, transfers, loops,
 *                  kernel set-up and shared-memory planning;
 *   GpuOutline.c   gpu.module / gpu.func / gpu.launch_func;
 *   GpuPieces.c    K/V tiles assembled from pieces (paged caches): recognition
 *                  and their AttnTileRead;
 *   GpuRemat.c     a tile's scalar slice rebuilt at another iteration of its
 *                  loop (prefetch: attnGpuTileReadable / attnGpuTileReadAt).
 * This header is for those files only; targets use GpuLower.h.
 *
 *===----------------------------------------------------------------------===*/
#ifndef ATTN_PASSES_GPULOWERINTERNAL_H
#define ATTN_PASSES_GPULOWERINTERNAL_H

#include "GpuLower.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A rebuilt slice of a loop body (GpuRemat.c); null where operands are the
 * ones already lowered. */
typedef struct AttnRemat AttnRemat;

/* attnGpuFail with `fmt`'s %s replaced by the target's vendor. */
void attnGpuFailWith(AttnGpuLower *L, MlirOperation op, const char *fmt);
/* The rewritten scalar of `old`, an operand of `user` (a located error if
 * it has none). */
MlirValue attnGpuPlain(AttnGpuLower *L, MlirOperation user, MlirValue old);
/* The same for cloned ops (ud: the AttnGpuLower); null when there is none. */
MlirValue attnGpuPlainOf(void *ud, MlirValue old);
/* `old` as rebuilt by r (a located error if it cannot be). */
MlirValue attnGpuRematValue(AttnRemat *r, MlirOperation user, MlirValue old);

MlirOperation attnGpuDefOf(MlirValue v);
MlirAttribute attnGpuInherent(MlirOperation op, const char *name);
bool attnGpuIsTile(MlirValue v);
bool attnGpuHasVector(MlirOperation op);
/* Every use of v is operand `number` of an `opName` op (and there is one). */
bool attnGpuOnlyOperand(MlirValue v, const char *opName, unsigned number);
/* Memref results of a cloned view op live in the memory space of its source. */
void attnGpuFixMemorySpace(MlirOperation copy);

/* The memref, indices and (row, col) dims of a vector transfer, operands as
 * lowered (r null) or rebuilt by r; false when it is not a tile or row read
 * this lowering handles. */
bool attnGpuReadTransfer(AttnGpuLower *L, MlirOperation op, bool isWrite, AttnTransfer *x,
                         AttnRemat *r);

/* The piece reads of the K/V tile `def` makes, in row order (GpuPieces.c). */
bool attnGpuTilePieces(AttnGpuLower *L, MlirOperation def, MlirOperation *reads, int64_t *rowAt,
                       int *n);
/* The tile `def` makes, as pieces, operands as lowered (r null) or rebuilt by r. */
bool attnGpuTileRead(AttnGpuLower *L, MlirOperation def, AttnRemat *r, AttnTileRead *t);

#ifdef __cplusplus
}
#endif

#endif /* ATTN_PASSES_GPULOWERINTERNAL_H */
