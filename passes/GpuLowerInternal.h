/*===- GpuLowerInternal.h - what the GPU core's files share -------*- C -*-===*
 *
 * The GPU lowering core (GpuLower.h) is split by concern:
 *   GpuLower.c     the driver: state and representations, the op-by-op
 *                  rewrite, loops, warp-specialized roles, kernel set-up and
 *                  the pass;
 *   GpuBuild.c     small builders and kernel IR queries;
 *   GpuForms.c     value forms: how a value is spread over the lanes (row and
 *                  column form, lazily evaluated values, the column split);
 *   GpuTileMath.c  element-wise ops, broadcast rows and row reductions;
 *   GpuTransfers.c global reads and writes: transfers, runs, guarded loads,
 *                  the reads that feed no matmul, tile and row stores;
 *   GpuSmem.c      shared-memory planning: which tiles live there, in which
 *                  buffer, the buffer's size;
 *   GpuOutline.c   gpu.module / gpu.func / gpu.launch_func;
 *   GpuPieces.c    K/V tiles assembled from pieces (paged caches): recognition
 *                  and their AttnTileRead; fp8 tiles staged at their
 *                  dequantization; column vectors of pieces (per-token scales);
 *   GpuRemat.c     a tile's scalar slice rebuilt at another iteration of its
 *                  loop (prefetch: attnGpuTileReadable / attnGpuTileReadAt).
 * This header is for those files only; targets use GpuLower.h. What the
 * targets use too is declared there; here, by file, the rest.
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

/*===--- GpuLower.c: the driver ---------------------------------------------===*/

/* attnGpuFail with `fmt`'s %s replaced by the target's vendor. */
void attnGpuFailWith(AttnGpuLower *L, MlirOperation op, const char *fmt);

/*===--- GpuBuild.c: small builders and kernel IR queries -------------------===*/

intptr_t attnGpuRank(MlirValue v);
bool attnGpuIsTile(MlirValue v);
/* The element type of a vector type, else the type. */
MlirType attnGpuScalarOf(MlirType t);
MlirAttribute attnGpuInherent(MlirOperation op, const char *name);
/* arith.constant of `type` with value `a`. */
MlirValue attnGpuConstAttr(AttnBuilder *b, MlirType type, MlirAttribute a);
/* vector<n x i32> constant. */
MlirValue attnGpuConstIntVector(AttnBuilder *b, int n, const int64_t *values);
/* vector.broadcast of x to `type`. */
MlirValue attnGpuSplat(AttnBuilder *b, MlirValue x, MlirType type);
/* overflowFlags = #arith.overflow<nsw>. */
MlirNamedAttribute attnGpuNsw(AttnGpuLower *L, AttnBuilder *b);
/* vector.from_elements of n scalars of one type. */
MlirValue attnGpuFromElements(AttnBuilder *b, int n, const MlirValue *elems);
/* Memref results of a cloned view op live in the memory space of its source. */
void attnGpuFixMemorySpace(MlirOperation copy);
MlirOperation attnGpuDefOf(MlirValue v);
/* Every use of v is operand `number` of an `opName` op (and there is one). */
bool attnGpuOnlyOperand(MlirValue v, const char *opName, unsigned number);
bool attnGpuHasVector(MlirOperation op);

/*===--- GpuForms.c: value forms --------------------------------------------===*/

/* Lazily evaluated values are reused only in the scope they were made in,
 * or one nested in it: a scope per loop body (and per warp role). */
void attnGpuEnterScope(AttnGpuLower *L);
void attnGpuLeaveScope(AttnGpuLower *L);
/* The rewritten scalar of `old`, an operand of `user` (a located error if
 * it has none). */
MlirValue attnGpuPlain(AttnGpuLower *L, MlirOperation user, MlirValue old);
/* The same for cloned ops (ud: the AttnGpuLower); null when there is none. */
MlirValue attnGpuPlainOf(void *ud, MlirValue old);
/* Column blocks of a tile (or column vector) of `cols` columns: this warp's. */
int attnGpuColBlocks(AttnGpuLower *L, int64_t cols);
/* This lane's first column of a tile (or column vector) of `cols` columns. */
MlirValue attnGpuLaneColumn(AttnGpuLower *L, AttnBuilder *b, int64_t cols);
/* The type of a block of a tile of `elem` (index tiles: i32). */
MlirType attnGpuBlockType(AttnGpuLower *L, MlirType elem);
/* A tile block of `type` holding x everywhere. */
MlirValue attnGpuSplatBlock(AttnBuilder *b, MlirValue x, MlirType type);
/* Row slot s of a row vector. */
MlirValue attnGpuRowOf(AttnGpuLower *L, AttnBuilder *b, MlirOperation user, MlirValue old, int s);
/* Blocks of a tile of `cols` columns, or 0 (a located error) when it does not fit. */
int attnGpuTileCount(AttnGpuLower *L, MlirOperation user, int64_t cols);
/* Records v as a row vector of the RL scalars `slots`. */
void attnGpuPutRow(AttnGpuLower *L, MlirValue v, const MlirValue *slots);

/*===--- GpuTileMath.c: element-wise ops and row reductions -----------------===*/

/* The element-wise op `op` of `type` over `operands` (blocks or row scalars). */
MlirValue attnGpuEmitElementwise(AttnGpuLower *L, AttnBuilder *b, MlirOperation op,
                                 const MlirValue *operands, MlirType type);
/* An element-wise op on tiles, block by block. */
void attnGpuLowerElementwiseTile(AttnGpuLower *L, AttnBuilder *b, MlirOperation op);
/* vector.transpose of a broadcast row vector: every column holds the row's value. */
void attnGpuLowerTranspose(AttnGpuLower *L, AttnBuilder *b, MlirOperation op);
/* vector.multi_reduction of a tile's rows (<maximumf> or <add>) into a row vector. */
void attnGpuLowerMultiReduction(AttnGpuLower *L, AttnBuilder *b, MlirOperation op);

/*===--- GpuTransfers.c: global reads and writes ----------------------------===*/

/* The memref, indices and (row, col) dims of a vector transfer, operands as
 * lowered (r null) or rebuilt by r; false when it is not a tile or row read
 * this lowering handles. */
bool attnGpuReadTransfer(AttnGpuLower *L, MlirOperation op, bool isWrite, AttnTransfer *x,
                         AttnRemat *r);
/* Block i of a tile read for no matmul, loaded where it is used. */
MlirValue attnGpuTileLoadBlock(AttnGpuLower *L, AttnBuilder *b, MlirOperation def, int i);
/* Whether the 1-D vector v is used as a column vector (broadcast down the
 * rows of tiles, through element-wise ops). */
bool attnGpuIsColumnVector(MlirValue v);
/* Column block t of a column vector read, loaded where it is used. */
MlirValue attnGpuColumnLoadBlock(AttnGpuLower *L, AttnBuilder *b, MlirOperation def, int t);
/* Whether `op`'s value, an element-wise tile op, is made from a tile read
 * for no matmul through element-wise ops evaluated per use (LAZY). */
bool attnGpuFromTileLoad(AttnGpuLower *L, MlirOperation op);
/* A vector.transfer_read: a piece of a K/V tile, a row or column vector, a
 * matmul operand (the target's readQ / readTile) or a tile for no matmul. */
void attnGpuLowerTransferRead(AttnGpuLower *L, AttnBuilder *b, MlirOperation op);
/* A vector.transfer_write of a tile or row vector. */
void attnGpuLowerTransferWrite(AttnGpuLower *L, AttnBuilder *b, MlirOperation op);

/*===--- GpuSmem.c: shared-memory planning ----------------------------------===*/

/* A column prefix of a staged K/V tile (attn.mla's V): the same buffer. */
void attnGpuLowerColumnSlice(AttnGpuLower *L, MlirOperation op);
/* Sizes the shared buffer (L->smemKV, L->smemElems) for the tiles `func`
 * stages; false (a located error) when K/V tiles of another dtype than Q's
 * would share it. */
bool attnGpuPlanSmem(AttnGpuLower *L, MlirOperation func);

/*===--- GpuPieces.c: K/V tiles assembled from pieces -----------------------===*/

/* Whether `op` is an arith.extf of an fp8 tile (a dequantized K/V tile). */
bool attnGpuIsDequantTile(MlirOperation op);
/* Whether v, an fp8 tile (pieces so far or one read), waits for the
 * arith.extf that is its only use: that op stages it. */
bool attnGpuDeferredToDequant(MlirValue v);
/* The dequantizing arith.extf of an fp8 K/V tile: the target stages it. */
void attnGpuLowerDequantTile(AttnGpuLower *L, AttnBuilder *b, MlirOperation op);
/* Column block t of a column vector assembled from pieces (`def`, the last
 * vector.insert_strided_slice: per-token scales of a paged cache, read
 * through the block table), loaded where it is used. */
MlirValue attnGpuColumnPiecesLoadBlock(AttnGpuLower *L, AttnBuilder *b, MlirOperation def, int t);

/* The piece reads of the K/V tile `def` makes, in row order (through a
 * dequantizing arith.extf: the fp8 tile's). */
bool attnGpuTilePieces(AttnGpuLower *L, MlirOperation def, MlirOperation *reads, int64_t *rowAt,
                       int *n);
/* The tile `def` makes, as pieces, operands as lowered (r null) or rebuilt by r. */
bool attnGpuTileRead(AttnGpuLower *L, MlirOperation def, AttnRemat *r, AttnTileRead *t);
/* A vector.insert_strided_slice of a piece: deferred until the last one,
 * whose tile the target stages whole (readTile). */
void attnGpuLowerInsertSlice(AttnGpuLower *L, AttnBuilder *b, MlirOperation op);

/*===--- GpuRemat.c: a tile's slice at another iteration --------------------===*/

/* `old` as rebuilt by r (a located error if it cannot be). */
MlirValue attnGpuRematValue(AttnRemat *r, MlirOperation user, MlirValue old);

#ifdef __cplusplus
}
#endif

#endif /* ATTN_PASSES_GPULOWERINTERNAL_H */
