/*===- GpuLower.h - the GPU lowering of the kernel IR, shared by targets -*- C -*-===*
 *
 * attn-lower-amdgpu and attn-lower-nvgpu turn each kernel function of the
 * kernel IR (docs/kernel-ir.md) into a `gpu.func` in `gpu.module
 * @attn_kernels` whose workgroup (CTA) of warps is one program, and each
 * launch declaration into a `gpu.launch_func`. Most of that is the same for
 * every GPU: the value forms, the element-wise rewrites, row reductions, the
 * KV loops, stores, the gpu.func and the launch. This core does it; a target
 * (AttnGpuTarget) supplies what depends on its matrix instructions: their
 * lane layouts, how Q, K and V reach them, the matmuls and the cross-lane
 * part of row reductions.
 *
 * The layout contract between the core and a target. Each lane holds `RL`
 * query rows ("row slots"): slot s is row `rowBase[s]` of the BLOCK_M tile
 * (AMD: 1 slot, NVIDIA mma.sync: 2 per 16-row MMA tile). A tile
 * vector<BM x C x T> is RL * (C / CB) blocks vector<CE x T>: block
 * i = s * (C / CB) + t holds, for row slot s, the columns
 *     t * CB + colBase[e] + colLane        (e < CE),
 * colLane a per-lane value (AMD: g * crowDelta, NVIDIA: 2 * (lane % 4)).
 * A row vector vector<BM x T> is RL scalars per lane. Runs of `storeRun`
 * consecutive elements of a block are consecutive columns (vector stores).
 *
 * Column split (attn.warp_cols = G on the kernel function, attn-gpu-layout):
 * the warps are row groups x G column groups, and a tile as wide as the P V
 * product (`splitCols` columns, Dv) is held by each warp for its own
 * splitCols / G columns only: its blocks are those of a tile of
 * splitCols / G columns, whose column 0 is column `warpColIdx` (per warp)
 * of the whole. Every other tile (S, P) is whole in every warp; a row
 * group's warps compute it redundantly. Row vectors are whole too, and
 * `rowOwner` is true in one column group only.
 *
 *===----------------------------------------------------------------------===*/
#ifndef ATTN_PASSES_GPULOWER_H
#define ATTN_PASSES_GPULOWER_H

#include "Builder.h"
#include "KernelIR.h"
#include "PassUtil.h"

#include "mlir-c/Pass.h"

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum {
  ATTN_GPU_MAXB = 128,
  ATTN_GPU_MAX_ROWS = 4,
  ATTN_GPU_MAX_CE = 16,
  ATTN_GPU_MAX_PIECES = 32 /* K/V tile pieces (paged: attn-tile bounds them) */
};

typedef enum {
  ATTN_REP_PLAIN,  /* not a vector: `value` is the rewritten value */
  ATTN_REP_ROW,    /* row vector: `nb` = RL scalars in `blocks` */
  ATTN_REP_TILE,   /* tile: `nb` blocks */
  ATTN_REP_LAZY,   /* 1-D vector or 2-D broadcast/constant: evaluated per use */
  ATTN_REP_QFRAG,  /* Q tile as matrix fragments: `nb` fragments (target-defined order) */
  ATTN_REP_SMEM,   /* K/V tile staged in shared memory (LDS) */
  ATTN_REP_PIECE,  /* a piece of a K/V tile, or tile so far: staged with the whole tile */
  ATTN_REP_PENDING /* a matmul result still being computed asynchronously (wgmma):
                    * the target's settle hook waits for it and makes it a TILE,
                    * before its first use, before any loop and at a loop's end */
} AttnRepKind;

typedef struct {
  AttnRepKind kind;
  MlirValue value;
  int nb;
  MlirValue *blocks;
  MlirOperation def;
  /* SMEM: the tile's rows x cols, stored row-major with row stride
   * `stride`, or (transposed) column-major with column stride `stride`, at
   * element `base` (+ `dynBase`, an index value, when not null: a buffer of
   * a ring chosen at run time) of the shared buffer. A wgmma V tile may
   * carry the `nb` descriptors of its k16 steps in `blocks`, made when it
   * was staged. */
  int64_t rows, cols, stride, base;
  MlirValue dynBase;
  bool transposed;
  /* SMEM and QFRAG (AMD's fp8 Q K^T): the tile kept as e4m3 bytes, two per
   * element of the 16-bit buffer (SMEM), or fragments that are the fp8
   * MFMA's operands (QFRAG) */
  bool bytes;
  int slot, generation; /* slot: which buffer (AMD: one; NVIDIA: K and V) */
  /* SMEM and PENDING of a warp-specialized kernel: the barrier its readers
   * arrive on once the matmul that read the buffer is complete (the
   * target's pointer), or null. */
  MlirValue release;
  /* LAZY caches, valid in the scope they were made in */
  MlirValue rowCache[ATTN_GPU_MAX_ROWS];
  int rowScope[ATTN_GPU_MAX_ROWS];
  MlirValue *colCache;
  int colScope;
} AttnRep;

typedef struct AttnGpuLower AttnGpuLower;
typedef struct AttnTransfer AttnTransfer;

/* A TMA tensor map the kernel takes (docs/bundle-format.md, "TMAP"): for
 * every read marked attn.copy = "tma" (attn-gpu-layout), one per kernel
 * argument and box. box[d] elements along memref dim d: the tile's rows
 * along its row dim, one 128-byte swizzle box (64 16-bit elements) along
 * the last dim, 1 elsewhere. `value` is the gpu.func parameter (!llvm.ptr,
 * a 128-byte CUtensorMap passed by value), `mem` the memref it describes. */
enum { ATTN_GPU_MAX_TENSOR_MAPS = 4 };
typedef struct AttnGpuTensorMap {
  int arg;
  intptr_t rank;
  int64_t box[4];
  MlirValue value, mem;
} AttnGpuTensorMap;
typedef struct AttnTileRead AttnTileRead;

/* What a target supplies. Every hook reports failure through attnGpuFail. */
typedef struct AttnGpuTarget {
  const char *passName; /* "attn-lower-amdgpu" */
  const char *vendor;   /* "AMD": messages say "the AMD lowering" */
  int warpSize;
  /* math.exp2 / math.log2 of one f32 scalar, as the hardware does them. */
  MlirValue (*exp2)(AttnGpuLower *L, AttnBuilder *b, MlirValue x);
  MlirValue (*log2)(AttnGpuLower *L, AttnBuilder *b, MlirValue x);
  /* Checks chip, bm and W (read by the core from the kernel attribute) and
   * Q's element type; fills RL, CB, CE, colBase, storeRun and the target's
   * own state. Emits a located
   * error and returns false when the kernel does not fit the target. */
  bool (*setUp)(AttnGpuLower *L, MlirOperation func, MlirAttribute kernel);
  /* Per-lane values at the top of the kernel: tid, rowBase[], colLane(Idx),
   * rowOwner, and whatever the target's hooks use. */
  void (*laneValues)(AttnGpuLower *L, AttnBuilder *b);
  /* Shared-memory elements a K (isV false) or V tile of rows x cols needs. */
  int64_t (*sharedElems)(const AttnGpuLower *L, int64_t rows, int64_t cols, bool isV);
  /* Shared-memory elements for the left-operand tile (Q; the backward's
   * K, V, dout) of rows x cols that `read` makes, 0 where it stays in
   * registers; the core gives every such read its own place after the K/V
   * buffers (smemKV elements), in program order. Null when left operands
   * never go through shared memory. */
  int64_t (*sharedElemsQ)(const AttnGpuLower *L, MlirOperation read, int64_t rows, int64_t cols);
  /* Q tile read (the left operand of QK^T) -> ATTN_REP_QFRAG. */
  void (*readQ)(AttnGpuLower *L, AttnBuilder *b, MlirOperation op, const AttnTransfer *x);
  /* K or V tile read (right operand of QK^T / PV) -> ATTN_REP_SMEM. `op`
   * makes the tile: a vector.transfer_read, or the last
   * vector.insert_strided_slice of a tile assembled from pieces (paged KV
   * caches); `t` says where its rows come from. */
  void (*readTile)(AttnGpuLower *L, AttnBuilder *b, MlirOperation op, const AttnTileRead *t,
                   bool isV);
  void (*lowerQK)(AttnGpuLower *L, AttnBuilder *b, MlirOperation op);
  void (*lowerPV)(AttnGpuLower *L, AttnBuilder *b, MlirOperation op);
  /* The induction variable a loop body's ops see (null: the loop's own,
   * else the target's opaque copy of `iv`: see attn-lower-nvgpu's). */
  MlirValue (*loopIndex)(AttnGpuLower *L, AttnBuilder *b, MlirValue iv);
  /* The copy of a uniform scalar marked attn.per_iteration (docs/kernel-ir.md)
   * that its users see: one LLVM cannot hoist out of the loop (null: the
   * value itself). */
  MlirValue (*perIteration)(AttnGpuLower *L, AttnBuilder *b, MlirValue x);
  /* A block converted to `type` by arith.truncf to, or arith.extf from, an
   * fp8 type (a computed tile: P rounded to e4m3, attn-online-softmax{fp8-p};
   * fp8 tile reads are staged by readQ / readTile): the chip's conversions
   * (null: the arith op is kept). */
  MlirValue (*convertFp8)(AttnGpuLower *L, AttnBuilder *b, MlirValue x, MlirType type);
  /* Combines a lane's row value with the other lanes holding the same row. */
  MlirValue (*reduceLanes)(AttnGpuLower *L, AttnBuilder *b, const char *combine, MlirValue x);
  /* Waits for the ATTN_REP_PENDING result `rep` and rewrites it to a TILE
   * (null when the target makes no pending results). */
  void (*settle)(AttnGpuLower *L, AttnBuilder *b, AttnRep *rep);
  /* Warp specialization (setUp set producerWarps > 0): before the two
   * roles, the state they share (barriers) and a CTA barrier publishing it;
   * then at the top of each role's region (producer: true). */
  void (*rolesBegin)(AttnGpuLower *L, AttnBuilder *b);
  void (*roleBegin)(AttnGpuLower *L, AttnBuilder *b, bool producer);
  void (*roleEnd)(AttnGpuLower *L, AttnBuilder *b, bool producer);
} AttnGpuTarget;

struct AttnGpuLower {
  const AttnGpuTarget *tgt;
  MlirContext ctx;
  char chip[32]; /* attn.kernel's target */
  int RL, CB, CE, storeRun, W;
  int64_t bm;
  int colBase[ATTN_GPU_MAX_CE];
  MlirType elem; /* f16 / bf16 */
  MlirValue tid, colLane, colLaneIdx, rowOwner, smem;
  /* Column split (see the contract above): G column groups of warps (1:
   * none), the width of the tiles split among them, and this warp's first
   * column of such a tile (index; set by the target's laneValues when G > 1). */
  int G;
  int64_t splitCols;
  MlirValue warpColIdx;
  MlirValue rowBase[ATTN_GPU_MAX_ROWS];
  int64_t smemElems, smemKV; /* all of the shared buffer; its K/V part */
  int64_t smemAlign;         /* bytes, when the target needs more than the default */
  /* attn.kernel's align: every row start of q, k, v and out is a multiple
   * of this many elements (1, 2, 4 or 8; attnrt checks it at launch), so
   * global accesses are at most this wide. */
  int64_t align;
  /* attn-flash-backward's kernels (kind "bwd_*"): their right-operand tiles
   * take shared buffers by read order, not by matmul form (attnGpuSecondBuffer). */
  bool backward;
  int smemGeneration[2]; /* per slot: the tile it holds now */
  void *state;           /* the target's */
  int scopes[32], depth, nextScope;
  MlirValue pending[8]; /* kernel IR values whose rep is ATTN_REP_PENDING */
  int nPending;
  AttnValueMap map;
  /* Warp specialization: producerWarps > 0 adds that many warps after the
   * W consumer warps, and the kernel IR is lowered twice, into one region
   * per role: the producer's copy keeps the scalar code, the KV loops and
   * their K/V reads (the target issues the copies), the consumers' copy
   * everything. Both count the K and the V tiles they read in readCount[0]
   * and [1] (indices carried through the loops that read them, advanced by
   * the target's readTile), which name a tile's ring buffer and phase: the
   * two copies read the same tiles in the same order. */
  int producerWarps;
  bool producer;       /* lowering the producer's copy */
  MlirValue copyTid;   /* this thread's index among the threads that copy K/V tiles */
  int64_t copyThreads; /* how many threads copy them */
  MlirValue readCount[2];
  /* TMA tensor maps: kernel parameters after the memrefs (GpuOutline.c). */
  AttnGpuTensorMap maps[ATTN_GPU_MAX_TENSOR_MAPS];
  int nMaps;
  void **arena;
  size_t arenaCount, arenaCap;
  bool failed, outOfMemory;
};

/* A vector.transfer_read/write of a tile or row vector. */
struct AttnTransfer {
  MlirValue mem, idx[4];
  intptr_t rank;
  int rowDim, colDim;
  bool rowsInBounds;
  MlirValue pad;
  /* Columns at or past `cols` (the memref's head dim, when the tile is
   * padded to the matrix granule; else INT64_MAX) read the padding and are
   * not written. Row starts are multiples of `align` elements. */
  int64_t cols, align;
};

/* A K/V tile as the target stages it: rows [row[i], row[i] + rows[i]) of
 * the tile are piece i, read through x[i] from its row index
 * x[i].idx[x[i].rowDim] on. Rows of a piece past the size of x[i].mem along
 * its row dim (unless x[i].rowsInBounds) read 0: the size says how many rows
 * of a paged block are valid. The pieces cover the tile's rows in order. */
struct AttnTileRead {
  int n;
  AttnTransfer x[ATTN_GPU_MAX_PIECES];
  int64_t row[ATTN_GPU_MAX_PIECES], rows[ATTN_GPU_MAX_PIECES];
  int64_t tileRows, cols;
};

/*===--- Outlining (GpuOutline.c) -------------------------------------------===*/

/* The module's gpu.module @attn_kernels (its body), created on first use;
 * null when it cannot be. */
MlirBlock attnGpuKernelModule(MlirOperation module, const char *passName);
/* Finds the TMA reads of kernel function `func` (attn.copy = "tma") and
 * fills L->maps / L->nMaps with one map per argument and box (value and
 * mem still null); false (with a located error) past
 * ATTN_GPU_MAX_TENSOR_MAPS. */
bool attnGpuCollectTensorMaps(AttnGpuLower *L, MlirOperation func);
/* The map of reads of `mem` (a gpu.func memref) with `rows` rows, or null. */
const AttnGpuTensorMap *attnGpuTensorMapOf(const AttnGpuLower *L, MlirValue mem, int64_t rows);
/* gpu.func @K(<memrefs in global memory>, <L->nMaps tensor maps>)
 * workgroup(<shared buffer of smemElems elements, aligned to
 * L->smemAlign>) kernel, appended to gpuBody with an empty body to fill;
 * the maps' parameters are !llvm.ptr, and attn.tensor_maps lists them for
 * attn-nvvm-tensor-maps and the bundle (arg, box). Null on failure. */
MlirOperation attnGpuCreateFunc(AttnGpuLower *L, MlirOperation func, MlirBlock gpuBody, int nMem,
                                int64_t smemElems, int threads);
/* Gives func.func private @__attn_launch_K (if the module declares it) the
 * body gpu.launch_func @attn_kernels::@K with `threads` threads per block
 * (tensor-map parameters get null pointers: attnrt encodes the maps; the
 * host-side launch is not what runs kernels). */
void attnGpuDefineLaunch(AttnGpuLower *L, MlirOperation module, MlirOperation func, int nMem,
                         int threads);

/*===--- The pass, state and errors (GpuLower.c) ----------------------------===*/

/* Runs the GPU lowering of every kernel function of `root` for `tgt`. */
void attnGpuLowerRun(MlirOperation root, MlirExternalPass pass, const AttnGpuTarget *tgt);
void attnGpuFail(AttnGpuLower *L, MlirOperation op, const char *message);
AttnRep *attnGpuFind(AttnGpuLower *L, MlirValue v);
void attnGpuPut(AttnGpuLower *L, MlirValue v, AttnRep rep);
MlirValue *attnGpuNewBlocks(AttnGpuLower *L, int n);
/* Records `rep` (ATTN_REP_PENDING) for v: settled by the core when needed. */
void attnGpuPutPending(AttnGpuLower *L, MlirOperation op, MlirValue v, AttnRep rep);

/*===--- For targets: value forms (GpuForms.c) ------------------------------===*/

void attnGpuPutTile(AttnGpuLower *L, MlirValue v, int nb, const MlirValue *blocks);
/* Block i of a tile (or of a column vector, i modulo its column blocks). */
MlirValue attnGpuColOf(AttnGpuLower *L, AttnBuilder *b, MlirOperation user, MlirValue old, int i);
/* All RL * C / CB blocks of a tile. */
bool attnGpuTileBlocks(AttnGpuLower *L, AttnBuilder *b, MlirOperation user, MlirValue old,
                       MlirValue *out, int *nb);
/* The columns of a tile of `cols` columns this warp holds (cols / G for
 * the split width). */
int64_t attnGpuOwnCols(const AttnGpuLower *L, int64_t cols);

/*===--- For targets: small builders and queries (GpuBuild.c) ---------------===*/

bool attnGpuIsVec(MlirValue v);
int64_t attnGpuDim(MlirValue v, intptr_t i);
MlirType attnGpuElemOf(MlirValue v);
MlirType attnGpuVecT(int64_t n, MlirType elem);
MlirAttribute attnGpuParseAttr(AttnGpuLower *L, const char *text);
MlirValue attnGpuConstInt(AttnBuilder *b, MlirType type, int64_t v);
MlirValue attnGpuNarrow(AttnBuilder *b, MlirValue x);
MlirValue attnGpuOp1(AttnBuilder *b, const char *name, intptr_t n, const MlirValue *operands,
                     MlirType result, intptr_t nAttrs, const MlirNamedAttribute *attrs);
MlirValue attnGpuId(AttnGpuLower *L, AttnBuilder *b, const char *name, char dim);
void attnGpuBarrier(AttnBuilder *b);
MlirValue attnGpuLoad(AttnBuilder *b, MlirType type, MlirValue mem, intptr_t n,
                      const MlirValue *idx);
void attnGpuStore(AttnBuilder *b, MlirValue value, MlirValue mem, intptr_t n, const MlirValue *idx);
MlirValue attnGpuExtract(AttnGpuLower *L, AttnBuilder *b, MlirValue v, int64_t i);
MlirValue attnGpuSlice(AttnGpuLower *L, AttnBuilder *b, MlirValue v, int64_t offset, int64_t size);
MlirValue attnGpuConcat(AttnGpuLower *L, AttnBuilder *b, MlirValue x, MlirValue y);
MlirValue attnGpuShuffleXor(AttnGpuLower *L, AttnBuilder *b, MlirValue x, int offset);
MlirValue attnGpuUDiv(AttnBuilder *b, MlirValue x, int64_t d);
MlirValue attnGpuURem(AttnBuilder *b, MlirValue x, int64_t d);
/* scf.if without results: the caller builds the then-block through b until
 * attnGpuIfEnd. */
typedef struct {
  AttnBuilder outer;
  MlirBlock block;
  MlirValue cond;
} AttnGpuIf;
AttnGpuIf attnGpuIfBegin(AttnBuilder *b, MlirValue cond);
void attnGpuIfEnd(AttnBuilder *b, AttnGpuIf *s);
/* Whether the kernel function multiplies tiles at all (the paged merge
 * kernel does not: it has no Q and no K/V tiles). */
bool attnGpuHasMatmul(MlirOperation func);
/* The 16-bit type an fp8 attn.mha kernel computes in (its fp8 tiles are
 * dequantized to it as they are staged, on every GPU target): out's, the
 * one f16/bf16 memref parameter of the kernel's entry block; null when there
 * is none (refused by the caller). */
MlirType attnGpuFp8MathType(MlirBlock entry);
/* Whether `v` (kernel IR) is defined outside `loop`. */
bool attnGpuDefinedOutside(MlirValue v, MlirOperation loop);

/*===--- For targets: global reads and writes (GpuTransfers.c) --------------===*/

/* cond ? vector.load : splat(pad). */
MlirValue attnGpuGuardedLoad(AttnBuilder *b, MlirValue cond, MlirType type, MlirValue mem,
                             intptr_t n, const MlirValue *idx, MlirValue pad);
/* n elements of a row, at indices idx (whose column is a multiple of n),
 * as vector<n x elem>: one load, or pieces as wide as x's alignment allows;
 * columns at or past x->cols, and everything where `valid` (null: always)
 * is false, read x->pad. */
MlirValue attnGpuLoadRun(AttnGpuLower *L, AttnBuilder *b, const AttnTransfer *x,
                         const MlirValue *idx, MlirValue valid, int64_t n, MlirType elem);
/* The store of vector<n> `v` at idx, in the same pieces; columns at or past
 * x->cols are not written. The caller guards the row. */
void attnGpuStoreRun(AttnGpuLower *L, AttnBuilder *b, const AttnTransfer *x, const MlirValue *idx,
                     MlirValue v);
/* x, without the column limit when columns [0, end) are all that will be
 * accessed through it and lie in the head dim (no guards to build). */
AttnTransfer attnGpuColumnsUpTo(const AttnTransfer *x, int64_t end);
/* The elements a piece of a run of n moves (a power of two up to n). */
int64_t attnGpuRunPiece(const AttnTransfer *x, int64_t n);
/* Transfer indices with `row` added to the row index and `col` to the column. */
void attnGpuShifted(AttnBuilder *b, const AttnTransfer *x, MlirValue row, MlirValue col,
                    MlirValue *idx);
MlirValue attnGpuRowValid(AttnBuilder *b, const AttnTransfer *x, MlirValue row);

/*===--- For targets: shared memory (GpuSmem.c) -----------------------------===*/

/* The K/V tile operand of a matmul, checked to be the one shared memory holds. */
AttnRep *attnGpuSmemOperand(AttnGpuLower *L, MlirOperation op, MlirValue v);
/* Whether a K/V tile read feeds the PV matmul (as V). */
bool attnGpuUsedByPV(MlirValue v);
/* Whether every use of v is the right operand of a matmul, directly or
 * through a vector.extract_strided_slice of its first columns (attn.mla:
 * V is a column prefix of the K tile, docs/mla.md). */
bool attnGpuRightOperandOnly(MlirValue v);
/* Whether the right-operand tile read `op` takes the second (V's) shared
 * buffer: a forward kernel's P V operand; in a backward kernel, the second
 * such read of its loop body (its tiles feed matmuls of both forms). */
bool attnGpuSecondBuffer(AttnGpuLower *L, MlirOperation op);
/* The K tile (the QK^T matmul's right operand) of the body of `loop`
 * (kernel IR), or null. */
MlirValue attnGpuLoopKTile(MlirOperation loop);
/* The V tile (the PV matmul's right operand) of the body of `loop` (kernel
 * IR), or null. */
MlirValue attnGpuLoopVTile(MlirOperation loop);

/*===--- For targets: K/V tiles at other iterations (prefetch, GpuRemat.c) ---===*/

/* The K/V tile `tile` (kernel IR: the right operand of a matmul inside the
 * scf.for `loop`, made by ops of the loop's body) can be read at any
 * iteration: its pieces depend only on the induction variable, on values
 * from outside the loop and on scalar ops of the body. */
bool attnGpuTileReadable(AttnGpuLower *L, MlirValue tile, MlirOperation loop);
/* The pieces of `tile` at the iteration whose induction variable is `iv`
 * (new IR): the scalar ops computing them (block-table loads, subviews) are
 * cloned at b with the induction variable replaced. */
bool attnGpuTileReadAt(AttnGpuLower *L, AttnBuilder *b, MlirValue tile, MlirOperation loop,
                       MlirValue iv, AttnTileRead *out);

#ifdef __cplusplus
}
#endif

#endif /* ATTN_PASSES_GPULOWER_H */
