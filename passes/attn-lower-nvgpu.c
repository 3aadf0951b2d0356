/*===- attn-lower-nvgpu.c - kernel IR -> NVIDIA GPU kernels (mma.sync) ----===*
 *
 * Lowers each kernel function of the kernel IR (docs/kernel-ir.md) to a
 * `gpu.func` in `gpu.module @attn_kernels` for sm_90a: one program is one
 * CTA of num_warps warps, warp w owning query rows [w*R, w*R + R) of the
 * BLOCK_M tile (R = BLOCK_M / num_warps, 16 or 32: one or two 16-row MMA
 * tiles); with a column split (attn.warp_cols = G) warp w owns the rows of
 * group w / G and columns of group w % G of the P V product. The
 * target-independent part is GpuLower.c; this file is the NVIDIA target of
 * it (docs/nvgpu.md).
 *
 * Layouts (per lane l, quad = l / 4, q = l % 4; PTX ISA "Matrix fragments
 * for mma.m16n8k16"). The products are S = Q K^T and O = P V with
 * mma.sync.m16n8k16 (nvgpu.mma.sync):
 *   - row slot 2*mt + h of a lane is row mt*16 + h*8 + quad of its warp's
 *     rows: the C fragment rows of MMA tile mt;
 *   - a tile vector<BM x C> is RL * C/8 blocks vector<2>: block (s, t) holds
 *     columns t*8 + 2q + {0, 1} of row slot s (the C fragment of n-tile t);
 *   - P's C fragments are A fragments of the PV product as they are (FA2's
 *     observation): k-chunk j of P is blocks (2mt, 2j), (2mt+1, 2j),
 *     (2mt, 2j+1), (2mt+1, 2j+1);
 *   - Q is kept in registers as A fragments, loaded once;
 *   - K and V tiles are staged row-major in shared memory (rows padded by 8
 *     elements: the 8 row addresses of an ldmatrix phase then fall in
 *     distinct 16-byte bank groups) with cp.async. K's B fragments are
 *     `ldmatrix.x4` (two k-chunks of an n-tile), V's `ldmatrix.x4.trans`
 *     (two head-dim n-tiles of a key chunk).
 * Row reductions combine the four lanes of a quad (shuffle xor 1, 2).
 *
 * Pipelining (FA2's schedule). K and V have their own buffers. In a KV loop
 * whose tiles' addresses depend only on its induction variable (and values
 * from outside it):
 *     before the loop:  cp.async K[lb]
 *     K read:   wait; barrier; cp.async V[n0]        (overlaps QK^T, softmax)
 *     V read:   wait; barrier; cp.async K[n0 + step] (overlaps PV), if < ub
 * Each barrier also ends every warp's use of the buffer refilled after it.
 * A tile is read at another iteration by rebuilding its addresses there
 * (attnGpuTileReadAt): for a paged cache, the block-table loads of its
 * pieces, each piece staged at its row offset of the buffer. Where V is a
 * column prefix of the K tile (attn.mla) the two buffers are a ring of K
 * tiles and the K read issues the next K tile (Pipe.kOnly). The
 * backward's loops marked attn.pipeline = "prefetch" (attn-gpu-pipeline)
 * keep both their tiles in a two-buffer ring each (prefetchRead). Other
 * reads are staged synchronously.
 *
 *===----------------------------------------------------------------------===*/

#include "GpuLower.h"
#include "NvgpuWgmma.h"
#include "Passes.h"

#include "mlir-c/BuiltinAttributes.h"
#include "mlir-c/BuiltinTypes.h"
#include "mlir-c/Dialect/LLVM.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const passName = "attn-lower-nvgpu";
enum {
  WARP = 32,
  CHUNK = 8,            /* elements per 16-byte copy */
  FP8_RUNS = 2,         /* fp8 runs a thread loads per iteration of its copy loop */
  PAD = 8,              /* elements of row padding in shared memory */
  SMEM_MAX = 227 * 1024 /* shared memory per CTA on sm_90 (static in PTX: no opt-in needed) */
};

typedef struct {
  MlirOperation oldLoop;  /* the kernel IR loop being pipelined, or null */
  MlirValue iv, ub, step; /* the new loop's */
  MlirValue kTile, vTile; /* kernel IR: the K and V operands of its matmuls */
  /* V is a column prefix of the K tile (attn.mla): one staging per tile,
   * the K and V buffers are a two-buffer ring of K tiles (kSlot) */
  bool kOnly;
  int64_t bn;
} Pipe;

/* The K/V ring of loops software-pipelined by attn-gpu-pipeline: two
 * buffers each for K and V, tile iv in buffer (iv / BLOCK_N) % 2. The three
 * kernel IR loops of one KV loop and the reads stage 1 makes. */
typedef struct {
  MlirOperation prologue, steady, epilogue; /* kernel IR */
  MlirValue steadyK, steadyV, epilogueV;    /* their tile reads (kernel IR) */
} Ring;

/* The NVIDIA part of the lowering state. */
typedef struct {
  int MT;  /* 16-row MMA tiles per warp */
  bool wg; /* warpgroup MMA (attn.mma = "wgmma"): swizzled tiles, no row padding */
  /* left operands (Q; the backward's K, V, dout) staged in shared memory so
   * far: the next one's place after qBase (elements) */
  int64_t qNext;
  bool ring; /* the kernel has software-pipelined loops (attn.pipeline) */
  /* attn.schedule = "warp-specialized": a producer warpgroup fills a two-
   * buffer K/V ring guarded by mbarriers (wsReadTile) */
  bool ws;
  int wsStages;       /* ws: buffers per operand (attn.ring) */
  int wsProducerRegs; /* ws: setmaxnreg of the producer (attn.producer_regs) */
  MlirValue barBase;  /* i64: byte address of the mbarriers (ws) */
  int64_t vBase, qBase;
  /* The partial S products of a split Q K^T (attn.k_per_warp): xElems
   * 16-bit elements from xBase, one region per warp (sumPartialS); 0 when
   * no Q K^T is split. */
  int64_t xBase, xElems;
  MlirValue lane, quad, q;
  MlirValue smem32;  /* i32: the shared buffer's address (backward kernels' ldmatrix) */
  MlirValue rowWarp; /* the warp's row group (warp / G: attn.warp_cols) */
  AttnWgmmaLanes wl;
  Pipe pipe;
  /* wgmma groups committed and known complete, in program order (equal at
   * every loop boundary: the core settles all results there, so the count
   * is the same on every path) */
  int64_t committed, done;
} NvState;

static NvState *N(AttnGpuLower *L) { return L->state; }
static MlirValue cIdx(AttnBuilder *b, int64_t v) { return attnConstIndex(b, v); }

static MlirType vec2T(int64_t r, int64_t c, MlirType elem) {
  int64_t shape[2] = {r, c};
  return mlirVectorTypeGet(2, shape, elem);
}

/* vector<n> -> vector<n/2 x 2> and back (the fragment shapes of mma.sync). */
static MlirValue shapeCast(AttnBuilder *b, MlirValue v, MlirType to) {
  return attnOp1(b, "vector.shape_cast", 1, &v, to);
}

static MlirValue concat4(AttnGpuLower *L, AttnBuilder *b, const MlirValue *parts) {
  return attnGpuConcat(L, b, attnGpuConcat(L, b, parts[0], parts[1]),
                       attnGpuConcat(L, b, parts[2], parts[3]));
}

/* Row i of a 2-D vector as a 1-D vector. */
static MlirValue rowOfVec(AttnGpuLower *L, AttnBuilder *b, MlirValue v, int64_t i) {
  MlirType row = attnGpuVecT(attnGpuDim(v, 1), attnGpuElemOf(v));
  MlirNamedAttribute a = attnNamedAttr(b, "static_position", mlirDenseI64ArrayGet(L->ctx, 1, &i));
  return attnGpuOp1(b, "vector.extract", 1, &v, row, 1, &a);
}

/* Rows [i, i + 2) of a vector<4x2>. */
static MlirValue twoRows(AttnGpuLower *L, AttnBuilder *b, MlirValue v, int64_t i) {
  int64_t offsets[2] = {i, 0}, sizes[2] = {2, 2}, strides[2] = {1, 1};
  MlirNamedAttribute attrs[3] = {attnNamedAttr(b, "offsets", mlirArrayAttrGet(L->ctx, 0, NULL)),
                                 attnNamedAttr(b, "sizes", mlirArrayAttrGet(L->ctx, 0, NULL)),
                                 attnNamedAttr(b, "strides", mlirArrayAttrGet(L->ctx, 0, NULL))};
  MlirAttribute arrays[3][2];
  const int64_t *src[3] = {offsets, sizes, strides};
  for (int k = 0; k < 3; ++k) {
    for (int d = 0; d < 2; ++d)
      arrays[k][d] = mlirIntegerAttrGet(mlirIntegerTypeGet(L->ctx, 64), src[k][d]);
    attrs[k].attribute = mlirArrayAttrGet(L->ctx, 2, arrays[k]);
  }
  return attnGpuOp1(b, "vector.extract_strided_slice", 1, &v, vec2T(2, 2, attnGpuElemOf(v)), 3,
                    attrs);
}

/*===--- Q: A fragments in registers ---------------------------------------------===*/

/* Fragment (mt, c) covers rows mt*16 + [0, 16) and head-dim chunk
 * [16c, 16c + 16): a0a1 = (quad, 16c + 2q), a2a3 = (quad + 8, 16c + 2q),
 * a4a5 = (quad, 16c + 8 + 2q), a6a7 = (quad + 8, 16c + 8 + 2q). */
static void issueTile(AttnGpuLower *L, AttnBuilder *b, const AttnTransfer *x, MlirValue row0,
                      int64_t rows, int64_t cols, int64_t base);
static void waitAll(AttnGpuLower *L, AttnBuilder *b);
static bool isTmaRead(MlirOperation op);
static void tmaReadQ(AttnGpuLower *L, AttnBuilder *b, MlirOperation op, const AttnTransfer *x,
                     int64_t d);
static bool tmaKernel(const AttnGpuLower *L);
static bool fp8Source(const AttnTransfer *x);

static bool hasString(MlirOperation op, const char *name, const char *want, size_t prefix);

/* Where a left operand (Q; the backward's K, V, dout) lives is
 * attn-gpu-layout's decision, per read (its attn.layout): in shared memory
 * ("smem.*") QK^T reads its A fragments with ldmatrix.x4 per k-chunk
 * (mma.sync) or through a descriptor (wgmma); else they are loaded into
 * registers once. */
static bool leftStaged(MlirOperation read) { return hasString(read, "attn.layout", "smem.", 5); }

/* Row stride of a staged tile: rows padded by 16 bytes for ldmatrix, or
 * packed into 128-byte swizzled boxes for wgmma. */
static int64_t rowStride(const AttnGpuLower *L, int64_t cols) {
  return ((const NvState *)L->state)->wg ? cols : cols + PAD;
}

/* The last WS_BAR_ELEMS elements of a warp-specialized kernel's buffer
 * (after Q, 1024-byte aligned) hold its mbarriers (8 bytes each): 4 per ring
 * buffer (at most 16), then Q's (TMA kernels). */
enum { WS_BAR_ELEMS = 72, WS_Q_BARRIER = 16 };

/* An integer attribute of `op`, or 0. */
static int64_t intAttr(MlirOperation op, const char *name) {
  MlirAttribute a = attnGetAttr(op, name);
  return !mlirAttributeIsNull(a) && mlirAttributeIsAInteger(a) ? mlirIntegerAttrGetValueInt(a) : 0;
}

/* The 16-bit elements of the partial-S exchange of the Q K^T matmuls that
 * left operand `v` (kernel IR: a Q read, or the arith.extf of an fp8 one)
 * feeds with attn.k_per_warp: every warp's partial S (BLOCK_M / rows per
 * warp x BLOCK_N f32 per warp, G warps a row group), plus 4 elements to
 * align the region to 8 bytes. 0 when no Q K^T it feeds is split. */
static int64_t exchangeElems(const AttnGpuLower *L, MlirValue v) {
  int64_t most = 0;
  for (MlirOpOperand u = mlirValueGetFirstUse(v); !mlirOpOperandIsNull(u);
       u = mlirOpOperandGetNextUse(u)) {
    MlirOperation user = mlirOpOperandGetOwner(u);
    int64_t e = 0;
    if (attnIsOp(user, "arith.extf"))
      e = exchangeElems(L, mlirOperationGetResult(user, 0));
    else if (attnIsOp(user, "vector.contract") && mlirOpOperandGetOperandNumber(u) == 0 &&
             intAttr(user, "attn.k_per_warp") > 0)
      e = 2 * L->G * L->bm * attnGpuDim(mlirOperationGetOperand(user, 1), 0) + 4;
    most = e > most ? e : most;
  }
  return most;
}

static int64_t sharedElemsQ(const AttnGpuLower *L, MlirOperation read, int64_t rows, int64_t cols) {
  /* a warp-specialized kernel (wgmma) has one Q read: the barriers follow it */
  int64_t bars = ((const NvState *)L->state)->ws ? WS_BAR_ELEMS : 0;
  int64_t x = leftStaged(read) ? exchangeElems(L, mlirOperationGetResult(read, 0)) : 0;
  return (leftStaged(read) ? rows * rowStride(L, cols) : 0) + x + bars;
}

static void readQ(AttnGpuLower *L, AttnBuilder *b, MlirOperation op, const AttnTransfer *x) {
  MlirValue res = mlirOperationGetResult(op, 0);
  int64_t d = attnGpuDim(res, 1);
  if (attnGpuDim(res, 0) != L->bm || d % 16) {
    attnGpuFail(L, op, "reads a Q tile whose head dim is not a multiple of 16");
    return;
  }
  bool staged = leftStaged(op);
  MlirAttribute layout = attnGetAttr(op, "attn.layout");
  if (!mlirAttributeIsNull(layout) &&
      !hasString(op, "attn.layout", N(L)->wg ? "smem.swizzle128" : "smem.pad8", 0) &&
      (N(L)->wg || !hasString(op, "attn.layout", "regs.mma_a", 0))) {
    attnGpuFail(L, op,
                N(L)->wg ? "has an attn.layout other than \"smem.swizzle128\" for a wgmma left "
                           "operand"
                         : "has an attn.layout other than \"regs.mma_a\" (A fragments in "
                           "registers) or \"smem.pad8\" (shared memory, ldmatrix) for an "
                           "mma.sync left operand");
    return;
  }
  if (N(L)->wg && !staged) {
    attnGpuFail(L, op, "reads Q into registers, but wgmma QK^T takes Q from shared memory");
    return;
  }
  /* fp8 Q is dequantized as it is staged (dequantChunk); its register
   * loads would be of 16-bit pairs */
  if (fp8Source(x) && !staged) {
    attnGpuFail(L, op,
                "reads an fp8 Q tile into registers (fp8 Q is staged in shared memory: "
                "attn.layout = \"smem.pad8\")");
    return;
  }
  /* each staged left operand has its own place, in program order (the
   * core's plan made room for all of them) */
  int64_t base = N(L)->qBase + N(L)->qNext;
  if (staged)
    N(L)->qNext += L->bm * rowStride(L, d);
  int64_t xElems = staged ? exchangeElems(L, res) : 0;
  if (xElems > 0) { /* after Q, 8-byte aligned (sharedElemsQ made room) */
    N(L)->xBase = (N(L)->qBase + N(L)->qNext + 3) / 4 * 4;
    N(L)->xElems = xElems;
    N(L)->qNext += xElems;
  }
  if (staged && isTmaRead(op)) {
    if (!N(L)->ws || !tmaKernel(L)) {
      attnGpuFail(L, op, "is a TMA Q read in a kernel whose K/V reads are not TMA loads");
      return;
    }
    tmaReadQ(L, b, op, x, d);
  } else if (staged) {
    AttnTransfer at = *x;
    at.idx[x->rowDim] = cIdx(b, 0);
    issueTile(L, b, &at, x->idx[x->rowDim], L->bm, d, base);
    waitAll(L, b);
  }
  if (staged) {
    attnGpuPut(L, res,
               (AttnRep){.kind = ATTN_REP_QFRAG,
                         .nb = 0,
                         .blocks = NULL,
                         .rows = L->bm,
                         .cols = d,
                         .stride = rowStride(L, d),
                         .base = base});
    return;
  }
  int chunks = (int)(d / 16), mt = N(L)->MT;
  MlirValue *frags = attnGpuNewBlocks(L, mt * chunks);
  if (!frags)
    return;
  MlirType pair = attnGpuVecT(2, L->elem);
  MlirValue colLane = attnMulI(b, N(L)->q, cIdx(b, 2)), idx[4];
  for (int m = 0; m < mt; ++m)
    for (int c = 0; c < chunks; ++c) {
      /* chunks wholly inside the head dim load without column guards */
      AttnTransfer xc = attnGpuColumnsUpTo(x, 16 * (c + 1));
      MlirValue parts[4];
      for (int k = 0; k < 4; ++k) {
        MlirValue col = attnAddI(b, colLane, cIdx(b, 16 * c + 8 * (k / 2)));
        attnGpuShifted(b, &xc, L->rowBase[2 * m + k % 2], col, idx);
        MlirValue valid =
            xc.rowsInBounds ? attnNullValue() : attnGpuRowValid(b, &xc, idx[xc.rowDim]);
        parts[k] = attnGpuRunPiece(&xc, 2) == 2 && xc.cols == INT64_MAX
                       ? (xc.rowsInBounds
                              ? attnGpuLoad(b, pair, xc.mem, xc.rank, idx)
                              : attnGpuGuardedLoad(b, valid, pair, xc.mem, xc.rank, idx, xc.pad))
                       : attnGpuLoadRun(L, b, &xc, idx, valid, 2, L->elem);
      }
      frags[m * chunks + c] = shapeCast(b, concat4(L, b, parts), vec2T(4, 2, L->elem));
    }
  attnGpuPut(L, res, (AttnRep){.kind = ATTN_REP_QFRAG, .nb = mt * chunks, .blocks = frags});
}

/*===--- K/V: cp.async into shared memory ----------------------------------------===*/

static int64_t sharedElems(const AttnGpuLower *L, int64_t rows, int64_t cols, bool isV) {
  (void)isV;
  /* a K and a V buffer of the largest tile; two of each for a ring */
  const NvState *s = L->state;
  return (s->ws ? 2 * s->wsStages : s->ring ? 4 : 2) * rows * rowStride(L, cols);
}

static MlirValue cI32(AttnBuilder *b, int64_t v) {
  return attnGpuConstInt(b, mlirIntegerTypeGet(mlirLocationGetContext(b->loc), 32), v);
}

/* bar.sync 1, W * 32: the consumer warps of a warp-specialized kernel. */
static void consumerBarrier(AttnGpuLower *L, AttnBuilder *b) {
  MlirValue ops[2] = {cI32(b, 1), cI32(b, (int64_t)L->W * WARP)};
  int32_t seg[3] = {1, 1, 0};
  MlirNamedAttribute a =
      attnNamedAttr(b, "operandSegmentSizes", mlirDenseI32ArrayGet(L->ctx, 3, seg));
  attnBuildOp(b, "nvvm.barrier", 2, ops, 0, NULL, 1, &a, 0, NULL);
}

static void commitGroup(AttnBuilder *b) {
  attnBuildOp(b, "nvvm.cp.async.commit.group", 0, NULL, 0, NULL, 0, NULL, 0, NULL);
}

/* Waits for every cp.async of this thread, then for the CTA: the staged
 * tiles are visible to all warps, and every warp is past its earlier reads
 * of shared memory. */
static void waitAll(AttnGpuLower *L, AttnBuilder *b) {
  MlirNamedAttribute n =
      attnNamedAttr(b, "n", mlirIntegerAttrGet(mlirIntegerTypeGet(L->ctx, 32), 0));
  attnBuildOp(b, "nvvm.cp.async.wait.group", 0, NULL, 0, NULL, 1, &n, 0, NULL);
  if (N(L)->wg)
    attnWgmmaFenceProxy(L, b); /* the copies are read by wgmma (the async proxy) */
  if (N(L)->ws)
    consumerBarrier(L, b); /* the producer warpgroup never comes here */
  else
    attnGpuBarrier(b);
}

static MlirValue asyncCopy(AttnGpuLower *L, AttnBuilder *b, MlirValue src, intptr_t rank,
                           const MlirValue *srcIdx, MlirValue dstIdx, MlirValue srcElems,
                           int64_t width) {
  MlirValue operands[8];
  intptr_t n = 0;
  operands[n++] = L->smem;
  operands[n++] = dstIdx;
  operands[n++] = src;
  for (intptr_t i = 0; i < rank; ++i)
    operands[n++] = srcIdx[i];
  bool guarded = !mlirValueIsNull(srcElems);
  if (guarded)
    operands[n++] = srcElems;
  int32_t segments[5] = {1, 1, 1, (int32_t)rank, guarded};
  /* cp.async.cg (L2 only) exists for 16-byte copies; narrower ones are .ca */
  MlirNamedAttribute attrs[3] = {
      attnNamedAttr(b, "dstElements", mlirIntegerAttrGet(attnIndexType(b), width)),
      attnNamedAttr(b, "operandSegmentSizes", mlirDenseI32ArrayGet(L->ctx, 5, segments)),
      attnNamedAttr(b, "bypassL1", mlirUnitAttrGet(L->ctx))};
  MlirType token =
      mlirTypeParseGet(L->ctx, mlirStringRefCreateFromCString("!nvgpu.device.async.token"));
  return attnGpuOp1(b, "nvgpu.device_async_copy", n, operands, token, width == CHUNK ? 3 : 2,
                    attrs);
}

/* The shared-memory element of column `col` (a multiple of the copy width)
 * of tile row `row`: in a wgmma tile, inside the 16-byte chunk of its
 * 128-byte-swizzled box. */
static MlirValue copyDest(AttnBuilder *b, MlirValue row, MlirValue col, int64_t width,
                          int64_t tileRows, int64_t tileBase) {
  if (width == CHUNK)
    return attnWgmmaChunkOffset(b, row, col, tileRows, tileBase);
  MlirValue chunk = attnMulI(b, attnGpuUDiv(b, col, CHUNK), cIdx(b, CHUNK));
  return attnAddI(b, attnWgmmaChunkOffset(b, row, chunk, tileRows, tileBase),
                  attnSubI(b, col, chunk));
}

/* The source of one copy of `width` elements (x's row alignment allows no
 * wider) of global row srcRow, column col: src (x's indices at that row and
 * column) and the elements to read, null when all of them. Columns past the
 * head dim of a padded tile (x->cols) and rows past the tensor (where `valid`,
 * when not null, is false) read none: cp.async zero-fills them, from an
 * address clamped into the tensor. *valid becomes the condition that any
 * element is read. */
static MlirValue copySource(AttnBuilder *b, const AttnTransfer *x, MlirValue *src, MlirValue srcRow,
                            MlirValue col, MlirValue *valid, int64_t width) {
  MlirValue srcElems = attnNullValue(), c0 = cIdx(b, 0);
  if (!mlirValueIsNull(*valid)) {
    srcElems = attnSelect(b, *valid, cIdx(b, width), c0);
    srcRow = attnSelect(b, *valid, srcRow, c0);
  }
  MlirValue srcCol = attnAddI(b, x->idx[x->colDim], col);
  if (x->cols != INT64_MAX) {
    MlirValue left = attnSubI(b, cIdx(b, x->cols), col); /* > 0: in the row */
    MlirValue inRow = attnCmpI(b, ATTN_CMPI_SGT, left, c0);
    MlirValue n = attnSelect(b, inRow, attnMinSI(b, left, cIdx(b, width)), c0);
    srcElems = mlirValueIsNull(srcElems) ? n : attnMinSI(b, srcElems, n);
    srcCol = attnSelect(b, inRow, srcCol, x->idx[x->colDim]);
    *valid = mlirValueIsNull(*valid) ? inRow : attnAndI(b, *valid, inRow);
  }
  src[x->rowDim] = srcRow;
  src[x->colDim] = srcCol;
  return srcElems;
}

/*===--- fp8 K/V tiles: byte loads, converted on the way into shared memory -===*/

/* fp8 K/V tiles (paged caches of f8E4M3FN, docs/fp8.md) are read as bytes
 * (half the global traffic of a 16-bit cache) and converted, exactly, to
 * Q's 16-bit type in registers before the shared-memory store, so the
 * buffers, ldmatrix and mma.sync are those of a 16-bit tile. Converting
 * after reading shared memory instead would keep cp.async but not ldmatrix:
 * sm_90a's ldmatrix moves 16-bit elements only (the .b8 forms are sm_100's),
 * and V's B fragments pair elements of two rows, i.e. byte loads per element
 * in the inner loop of P V. Here a copy of the tile is a synchronous load
 * and store, like the 2-byte rows' (copyChunk): the barrier that publishes
 * the tile orders them like the copies. */
static bool fp8Source(const AttnTransfer *x) {
  return attnIsFp8Type(mlirShapedTypeGetElementType(mlirValueGetType(x->mem)));
}

/* vector<2 x i8> of e4m3 bits -> vector<2 x elem>: cvt.rn.f16x2.e4m3x2
 * (sm_89+), exact; bf16 from the f16 pair through f32, exact too (every
 * e4m3 value is a bf16). */
static MlirValue e4m3PairTo(AttnGpuLower *L, AttnBuilder *b, MlirValue pair) {
  MlirType f16 = mlirF16TypeGet(L->ctx);
  MlirNamedAttribute a =
      attnNamedAttr(b, "srcType", mlirTypeAttrGet(mlirFloat8E4M3FNTypeGet(L->ctx)));
  MlirValue h = attnGpuOp1(b, "nvvm.convert.f8x2.to.f16x2", 1, &pair, attnGpuVecT(2, f16), 1, &a);
  if (mlirTypeIsAF16(L->elem))
    return h;
  MlirValue f = attnGpuOp1(b, "arith.extf", 1, &h, attnGpuVecT(2, mlirF32TypeGet(L->ctx)), 0, NULL);
  return attnGpuOp1(b, "arith.truncf", 1, &f, attnGpuVecT(2, L->elem), 0, NULL);
}

/* vector<n x f8E4M3FN> -> vector<n x elem> (n a power of two up to CHUNK),
 * two elements per conversion. */
static MlirValue dequantRun(AttnGpuLower *L, AttnBuilder *b, MlirValue v, int64_t n) {
  MlirType i8 = mlirIntegerTypeGet(L->ctx, 8);
  MlirValue bits = attnGpuOp1(b, "arith.bitcast", 1, &v, attnGpuVecT(n, i8), 0, NULL);
  if (n == 1) { /* one byte: paired with a zero, whose half is dropped */
    MlirValue zero = attnGpuConstInt(b, i8, 0);
    zero = attnGpuOp1(b, "vector.broadcast", 1, &zero, attnGpuVecT(1, i8), 0, NULL);
    return attnGpuSlice(L, b, e4m3PairTo(L, b, attnGpuConcat(L, b, bits, zero)), 0, 1);
  }
  MlirValue parts[CHUNK / 2];
  int64_t m = n / 2;
  for (int64_t i = 0; i < m; ++i)
    parts[i] = e4m3PairTo(L, b, attnGpuSlice(L, b, bits, 2 * i, 2));
  for (; m > 1; m /= 2) /* concatenated pairwise: m is a power of two */
    for (int64_t i = 0; i < m / 2; ++i)
      parts[i] = attnGpuConcat(L, b, parts[2 * i], parts[2 * i + 1]);
  return parts[0];
}

/* One run of `width` fp8 elements at src (all read, or none where `valid`
 * is false: copyOne's width divides the head dim), converted and stored at
 * shared element dst. The load is unconditional, from the address
 * copySource clamped into the tensor (as cp.async's), and `valid` selects
 * zeros after the conversion: no branch between the loads of a tile, and
 * whatever bytes a clamped load sees never reach the tile. The load says
 * its alignment (width bytes: x's rows start at multiples of x->align >=
 * width elements), else the backend splits it into byte loads. */
static void dequantChunk(AttnGpuLower *L, AttnBuilder *b, const AttnTransfer *x,
                         const MlirValue *src, MlirValue valid, MlirValue dst, int64_t width) {
  MlirType raw = attnGpuVecT(width, mlirShapedTypeGetElementType(mlirValueGetType(x->mem)));
  MlirValue operands[5] = {x->mem};
  for (intptr_t i = 0; i < x->rank; ++i)
    operands[1 + i] = src[i];
  MlirNamedAttribute align =
      attnNamedAttr(b, "alignment", mlirIntegerAttrGet(mlirIntegerTypeGet(L->ctx, 64), width));
  MlirValue v = attnGpuOp1(b, "vector.load", 1 + x->rank, operands, raw, 1, &align);
  MlirValue h = dequantRun(L, b, v, width);
  if (!mlirValueIsNull(valid)) {
    MlirValue zero = attnGpuConstInt(b, mlirIntegerTypeGet(L->ctx, 16), 0);
    zero = attnGpuOp1(b, "arith.bitcast", 1, &zero, L->elem, 0, NULL);
    zero = attnGpuOp1(b, "vector.broadcast", 1, &zero, attnGpuVecT(width, L->elem), 0, NULL);
    h = attnSelect(b, valid, h, zero);
  }
  attnGpuStore(b, h, L->smem, 1, &dst);
}

/* The elements one copy of x's rows moves: as many as the rows' alignment
 * allows, up to 16 bytes of shared memory; an fp8 run also divides the head
 * dim of a padded tile, so that it is read whole or not at all (its loads
 * have no partial zero-fill). */
static int64_t copyWidth(const AttnTransfer *x) {
  int64_t width = x->align < CHUNK ? x->align : CHUNK;
  if (fp8Source(x) && x->cols != INT64_MAX)
    while (x->cols % width)
      width /= 2;
  return width;
}

/* Copies from src (copySource) into shared element dst: cp.async of 4, 8
 * or 16 bytes. 2-byte rows have no cp.async: a guarded load and a store,
 * which the barrier that publishes the tile orders like the copies. fp8
 * runs are loaded and converted (dequantChunk). */
static void copyChunk(AttnGpuLower *L, AttnBuilder *b, const AttnTransfer *x, const MlirValue *src,
                      MlirValue srcElems, MlirValue valid, MlirValue dst, int64_t width) {
  if (fp8Source(x)) {
    dequantChunk(L, b, x, src, valid, dst, width);
    return;
  }
  if (width > 1) {
    asyncCopy(L, b, x->mem, x->rank, src, dst, srcElems, width);
    return;
  }
  MlirType one = attnGpuVecT(1, L->elem);
  MlirValue v = mlirValueIsNull(valid)
                    ? attnGpuLoad(b, one, x->mem, x->rank, src)
                    : attnGpuGuardedLoad(b, valid, one, x->mem, x->rank, src, x->pad);
  attnGpuStore(b, v, L->smem, 1, &dst);
}

/* Where a tile's copies go: the tile at element tileBase of tileRows rows,
 * its rows from tileRow on, plus dyn (a ring buffer's offset) when not null. */
typedef struct {
  MlirValue row0, limit, dyn;
  int64_t tileRow, tileRows, tileBase, width;
} CopyPlan;

/* Copy (row r, column chunk f) of a tile: see issueRows. */
static void copyOne(AttnGpuLower *L, AttnBuilder *b, const AttnTransfer *x, const CopyPlan *p,
                    int64_t cols, MlirValue f, MlirValue r) {
  int64_t stride = rowStride(L, cols), base = p->tileBase + p->tileRow * stride;
  MlirValue col = attnMulI(b, f, cIdx(b, p->width)), src[4];
  MlirValue srcRow = attnAddI(b, p->row0, r), valid = attnNullValue();
  if (!x->rowsInBounds) /* rows past the tensor: no bytes read, zero-filled */
    valid = attnCmpI(b, ATTN_CMPI_SLT, srcRow, p->limit);
  for (intptr_t k = 0; k < x->rank; ++k)
    src[k] = x->idx[k];
  MlirValue srcElems = copySource(b, x, src, srcRow, col, &valid, p->width);
  MlirValue dst =
      N(L)->wg ? copyDest(b, attnAddI(b, r, cIdx(b, p->tileRow)), col, p->width, p->tileRows,
                          p->tileBase)
               : attnAddI(b, attnMulI(b, r, cIdx(b, stride)), attnAddI(b, col, cIdx(b, base)));
  if (!mlirValueIsNull(p->dyn))
    dst = attnAddI(b, dst, p->dyn);
  copyChunk(L, b, x, src, srcElems, valid, dst, p->width);
}

/* Issues the copies of `rows` rows of `cols` columns read through x from
 * row `row0` on into rows [tileRow, tileRow + rows) of the buffer at
 * `base` (see copySource for what is zero-filled). Consecutive threads copy
 * consecutive chunks of a row (coalesced reads, contiguous shared writes),
 * as wide as the rows' alignment allows, up to 16 bytes. 16-byte copies are
 * unrolled; narrower ones, of which a thread has several times as many,
 * are an scf.for, whose addresses are not all live at once (unrolled, 4-
 * and 2-byte copies spilled hundreds of bytes at D = 128). The caller
 * commits the group. */
static void issueRows(AttnGpuLower *L, AttnBuilder *b, const AttnTransfer *x, MlirValue row0,
                      int64_t tileRow, int64_t rows, int64_t cols, int64_t tileRows, int64_t base,
                      MlirValue dyn) {
  CopyPlan p = {.row0 = row0,
                .limit = attnDim(b, x->mem, x->rowDim),
                .dyn = dyn,
                .tileRow = tileRow,
                .tileRows = tileRows,
                .tileBase = base,
                .width = copyWidth(x)};
  int64_t perRow = cols / p.width, total = rows * perRow, threads = L->copyThreads;
  if (p.width < CHUNK || fp8Source(x)) {
    /* fp8 runs go through registers (dequantChunk): unrolled, a thread's
     * loads of a whole tile were all in flight at once (ptxas spilled);
     * FP8_RUNS of them per iteration still overlap their latencies. */
    int64_t n = (total + threads - 1) / threads;
    int64_t u = fp8Source(x) && n > FP8_RUNS ? FP8_RUNS : fp8Source(x) ? n : 1;
    int64_t iters = (n + u - 1) / u;
    bool guarded = total % threads || n % u;
    AttnFor loop = attnForBegin(b, cIdx(b, 0), cIdx(b, iters), cIdx(b, 1), 0, NULL);
    for (int64_t k = 0; k < u; ++k) {
      MlirValue i = attnAddI(b, attnMulI(b, loop.iv, cIdx(b, u)), cIdx(b, k));
      MlirValue c = attnAddI(b, L->copyTid, attnMulI(b, i, cIdx(b, threads)));
      AttnGpuIf guard;
      if (guarded)
        guard = attnGpuIfBegin(b, attnCmpI(b, ATTN_CMPI_SLT, c, cIdx(b, total)));
      copyOne(L, b, x, &p, cols, attnGpuURem(b, c, perRow), attnGpuUDiv(b, c, perRow));
      if (guarded)
        attnGpuIfEnd(b, &guard);
    }
    attnForEnd(b, &loop, 0, NULL);
    return;
  }
  bool uniformStep = threads % perRow == 0;
  MlirValue fast = attnGpuURem(b, L->copyTid, perRow), slow = attnGpuUDiv(b, L->copyTid, perRow);
  for (int64_t i = 0; i * threads < total; ++i) {
    MlirValue c = attnAddI(b, L->copyTid, cIdx(b, i * threads));
    AttnGpuIf guard;
    bool partial = (i + 1) * threads > total;
    if (partial)
      guard = attnGpuIfBegin(b, attnCmpI(b, ATTN_CMPI_SLT, c, cIdx(b, total)));
    MlirValue f = fast, r = attnAddI(b, slow, cIdx(b, i * threads / perRow));
    if (!uniformStep) {
      f = attnGpuURem(b, c, perRow);
      r = attnGpuUDiv(b, c, perRow);
    }
    copyOne(L, b, x, &p, cols, f, r);
    if (partial)
      attnGpuIfEnd(b, &guard);
  }
}

static void issueTile(AttnGpuLower *L, AttnBuilder *b, const AttnTransfer *x, MlirValue row0,
                      int64_t rows, int64_t cols, int64_t base) {
  issueRows(L, b, x, row0, 0, rows, cols, rows, base, attnNullValue());
  commitGroup(b);
}

/* Issues a K/V tile, piece by piece, as one group of copies, into the
 * buffer at element base (+ dyn, when not null). */
static void issueReadAt(AttnGpuLower *L, AttnBuilder *b, const AttnTileRead *t, int64_t base,
                        MlirValue dyn) {
  for (int i = 0; i < t->n; ++i)
    issueRows(L, b, &t->x[i], t->x[i].idx[t->x[i].rowDim], t->row[i], t->rows[i], t->cols,
              t->tileRows, base, dyn);
  commitGroup(b);
}

static void issueRead(AttnGpuLower *L, AttnBuilder *b, const AttnTileRead *t, int64_t base) {
  issueReadAt(L, b, t, base, attnNullValue());
}

static MlirOperation parentOp(MlirOperation op) { return mlirOperationGetParentOperation(op); }

/* A K/V tile of this shape fits the buffers and fragments. */
static bool stageable(AttnGpuLower *L, MlirValue tile) {
  return attnGpuDim(tile, 0) % 16 == 0 && attnGpuDim(tile, 1) % 16 == 0 &&
         mlirTypeEqual(attnGpuElemOf(tile), L->elem);
}

/* Whether `v` (kernel IR) is `tile` or a column prefix of it (GpuLower.c
 * checks the offsets and strides when it lowers the slice). */
static bool sliceOf(MlirValue v, MlirValue tile) {
  if (mlirValueEqual(v, tile))
    return true;
  if (!mlirValueIsAOpResult(v))
    return false;
  MlirOperation def = mlirOpResultGetOwner(v);
  return attnIsOp(def, "vector.extract_strided_slice") &&
         mlirValueEqual(mlirOperationGetOperand(def, 0), tile);
}

/* The ring buffer of the K tile at `iv` in a loop whose V is a slice of K
 * (Pipe.kOnly): the K buffer or the V buffer, alternating per tile. */
static MlirValue kSlot(AttnGpuLower *L, AttnBuilder *b, MlirValue iv, int64_t bn) {
  MlirValue parity = attnGpuURem(b, attnGpuUDiv(b, iv, bn), 2);
  return attnMulI(b, parity, cIdx(b, N(L)->vBase));
}

/* Sets up the pipeline of the loop around K read `op` (a transfer_read or
 * the last insert of its pieces), and issues its first K tile before the
 * loop. False when the loop does not qualify: its K and V tiles must be
 * computable for any iteration (attnGpuTileReadable). */
static bool startPipe(AttnGpuLower *L, AttnBuilder *b, MlirOperation op) {
  MlirOperation loop = parentOp(op);
  MlirOperation newLoop = mlirBlockGetParentOperation(b->block);
  if (!attnIsOp(loop, "scf.for") || !attnIsOp(newLoop, "scf.for"))
    return false;
  MlirValue kTile = mlirOperationGetResult(op, 0), vTile = attnGpuLoopVTile(loop);
  /* The schedule issues K[n+1] once V[n] is read: only where K's tile is
   * done by then, i.e. used by Q K^T alone (not the backward's Q, which
   * ds^T Q uses last). */
  if (L->backward)
    return false;
  bool kOnly = !mlirValueIsNull(vTile) && sliceOf(vTile, kTile);
  if (mlirValueIsNull(vTile) || !stageable(L, vTile) || !attnGpuTileReadable(L, kTile, loop) ||
      (!kOnly && !attnGpuTileReadable(L, vTile, loop)))
    return false;
  Pipe p = {.oldLoop = loop,
            .iv = mlirBlockGetArgument(b->block, 0),
            .ub = mlirOperationGetOperand(newLoop, 1),
            .step = mlirOperationGetOperand(newLoop, 2),
            .kTile = kTile,
            .vTile = vTile,
            .kOnly = kOnly,
            .bn = attnGpuDim(kTile, 0)};
  /* The loop's first K tile, if it has one. */
  AttnBuilder pre = {L->ctx, b->loc, mlirOperationGetBlock(newLoop), newLoop};
  MlirValue lb = mlirOperationGetOperand(newLoop, 0);
  /* K-only ring: the first tile's buffer may be the one an earlier loop's
   * last P V still reads in another warp. */
  if (kOnly)
    attnGpuBarrier(&pre);
  AttnGpuIf guard = attnGpuIfBegin(&pre, attnCmpI(&pre, ATTN_CMPI_SLT, lb, p.ub));
  AttnTileRead k;
  if (attnGpuTileReadAt(L, &pre, kTile, loop, lb, &k))
    issueReadAt(L, &pre, &k, 0, kOnly ? kSlot(L, &pre, lb, p.bn) : attnNullValue());
  attnGpuIfEnd(&pre, &guard);
  N(L)->pipe = p;
  return !L->failed;
}

static bool smemFits(AttnGpuLower *L, MlirOperation op) {
  int64_t bytes = L->smemElems * (int64_t)(mlirTypeIsAF32(L->elem) ? 4 : 2);
  if (bytes <= SMEM_MAX)
    return true;
  char msg[200];
  snprintf(msg, sizeof(msg),
           "needs %lld bytes of shared memory for its tiles; sm_90a has 227 KiB per CTA (use "
           "a smaller block_n)",
           (long long)bytes);
  attnGpuFail(L, op, msg);
  return false;
}

/* The K read of a pipelined loop: K[n0] has landed; V[n0] goes out now and
 * loads during QK^T and the softmax. Its addresses (block-table loads for a
 * paged cache) are computed before the wait, so that they overlap it. */
static void pipedK(AttnGpuLower *L, AttnBuilder *b) {
  Pipe *p = &N(L)->pipe;
  if (p->kOnly) {
    /* V is in this tile: K[n0 + step] goes out now into the other buffer,
     * which every warp is done with (its P V of tile n0 - step is before
     * the barrier), and loads during this tile's QK^T, softmax and P V. */
    MlirValue next = attnAddI(b, p->iv, p->step);
    AttnTileRead k;
    bool ok = attnGpuTileReadAt(L, b, p->kTile, p->oldLoop, next, &k);
    waitAll(L, b); /* K[n0] is here */
    AttnGpuIf guard = attnGpuIfBegin(b, attnCmpI(b, ATTN_CMPI_SLT, next, p->ub));
    if (ok)
      issueReadAt(L, b, &k, 0, kSlot(L, b, next, p->bn));
    attnGpuIfEnd(b, &guard);
    return;
  }
  AttnTileRead v;
  bool ok = attnGpuTileReadAt(L, b, p->vTile, p->oldLoop, p->iv, &v);
  waitAll(L, b); /* K[n0] is here; every warp is done with V[n0 - BN] */
  if (ok)
    issueRead(L, b, &v, N(L)->vBase);
}

/* The V read of a pipelined loop: V[n0] has landed; K[n0 + step] goes out
 * now, if the loop has it, and loads during PV. Its addresses are computed
 * unconditionally before the wait: the kernel IR clamps every index it
 * loads or reads with (docs/paged.md), so those of a tile past the loop's
 * end are harmless. */
static void pipedV(AttnGpuLower *L, AttnBuilder *b) {
  Pipe *p = &N(L)->pipe;
  MlirValue next = attnAddI(b, p->iv, p->step);
  AttnTileRead k;
  bool ok = attnGpuTileReadAt(L, b, p->kTile, p->oldLoop, next, &k);
  waitAll(L, b); /* V[n0] is here; every warp is done with K[n0] */
  AttnGpuIf guard = attnGpuIfBegin(b, attnCmpI(b, ATTN_CMPI_SLT, next, p->ub));
  if (ok)
    issueRead(L, b, &k, 0);
  attnGpuIfEnd(b, &guard);
}

/*===--- The K/V ring of software-pipelined loops -------------------------------===*/

static bool isPart(MlirOperation loop, const char *part) {
  return hasString(loop, "attn.pipeline", part, 0);
}

/* The first scf.for after `op` in its block, if it is marked `part`. */
static MlirOperation nextPart(MlirOperation op, const char *part) {
  for (MlirOperation o = mlirOperationGetNextInBlock(op); !mlirOperationIsNull(o);
       o = mlirOperationGetNextInBlock(o))
    if (attnIsOp(o, "scf.for"))
      return isPart(o, part) ? o : (MlirOperation){NULL};
  return (MlirOperation){NULL};
}

/* Element offset, past the K (or V) base, of the ring buffer of the tile at
 * `iv`: tile iv and the next (iv + BLOCK_N) never share one. */
static MlirValue ringSlot(AttnGpuLower *L, AttnBuilder *b, MlirValue iv, int64_t bn) {
  MlirValue parity = attnGpuURem(b, attnGpuUDiv(b, iv, bn), 2);
  return attnMulI(b, parity, cIdx(b, L->smemKV / 4));
}

/* Issues tile `tile` (kernel IR, in `loop`) as read at iteration `at` into
 * the ring buffer of the tile at `tileIv` (its position: `at` itself, or,
 * for a steady loop's V read, `at` - BLOCK_N), when `when` (null: always). */
static void ringIssue(AttnGpuLower *L, AttnBuilder *b, MlirValue tile, MlirOperation loop,
                      MlirValue at, MlirValue tileIv, int64_t base, int64_t bn, MlirValue when) {
  AttnTileRead t;
  if (!attnGpuTileReadAt(L, b, tile, loop, at, &t)) {
    attnGpuFail(L, mlirOpResultGetOwner(tile),
                "reads a K/V tile of a pipelined loop whose rows depend on more than the loop's "
                "induction variable");
    return;
  }
  MlirValue slot = ringSlot(L, b, tileIv, bn);
  if (mlirValueIsNull(when)) {
    issueReadAt(L, b, &t, base, slot);
    return;
  }
  AttnGpuIf guard = attnGpuIfBegin(b, when);
  issueReadAt(L, b, &t, base, slot);
  attnGpuIfEnd(b, &guard);
}

/* A K/V read of a loop split by attn-gpu-pipeline. K[iv] and V[iv - BLOCK_N]
 * are read by iteration iv of the steady loop; each iteration waits for
 * both (issued one iteration before), then issues V[iv] and K[iv + BLOCK_N]
 * into the other buffers of the ring, which the previous iteration's
 * matmuls have finished with (the core settled them before its back edge;
 * the barrier makes that true of every warp). The prologue issues K[lb]
 * before its loop and V[lb], K[lb + BLOCK_N] after its wait; the epilogue
 * only waits for V of the last tile. Returns the ring slot of the tile
 * read (null on failure). */
static MlirValue ringRead(AttnGpuLower *L, AttnBuilder *b, MlirOperation op, MlirOperation loop,
                          bool isV, int64_t bn) {
  NvState *s = N(L);
  MlirOperation newLoop = mlirBlockGetParentOperation(b->block);
  MlirValue tile = mlirOperationGetResult(op, 0);
  if (!attnIsOp(newLoop, "scf.for") || mlirOperationGetParentOperation(op).ptr != loop.ptr) {
    attnGpuFail(L, op, "is a K/V read of a pipelined loop, but not in the loop's body");
    return attnNullValue();
  }
  MlirValue iv = mlirBlockGetArgument(b->block, 0), step = mlirOperationGetOperand(newLoop, 2);
  MlirValue next = attnAddI(b, iv, step);
  if (isPart(loop, "prologue") && !isV) {
    MlirOperation steady = nextPart(loop, "steady");
    MlirOperation epilogue = mlirOperationIsNull(steady) ? steady : nextPart(steady, "epilogue");
    AttnRep *ub =
        mlirOperationIsNull(steady) ? NULL : attnGpuFind(L, mlirOperationGetOperand(steady, 1));
    if (mlirOperationIsNull(epilogue) || !ub || ub->kind != ATTN_REP_PLAIN) {
      attnGpuFail(L, loop, "is a pipelined prologue without its steady and epilogue loops");
      return attnNullValue();
    }
    AttnBuilder pre = {L->ctx, b->loc, mlirOperationGetBlock(newLoop), newLoop};
    MlirValue lb = mlirOperationGetOperand(newLoop, 0);
    ringIssue(L, &pre, tile, loop, lb, lb, 0, bn,
              attnCmpI(&pre, ATTN_CMPI_SLT, lb, mlirOperationGetOperand(newLoop, 1)));
    waitAll(L, b); /* K[iv] is here; every warp is past the previous loop's reads */
    ringIssue(L, b, attnGpuLoopVTile(epilogue), epilogue, iv, iv, s->vBase, bn, attnNullValue());
    ringIssue(L, b, attnGpuLoopKTile(steady), steady, next, next, 0, bn,
              attnCmpI(b, ATTN_CMPI_SLT, next, ub->value));
    return L->failed ? attnNullValue() : ringSlot(L, b, iv, bn);
  }
  if (isPart(loop, "steady") && !isV) {
    MlirValue ub = mlirOperationGetOperand(newLoop, 1);
    waitAll(L, b); /* K[iv] and V[iv - BLOCK_N] are here */
    /* the loop's V read is of tile iv - BLOCK_N: at iteration iv + BLOCK_N,
     * of tile iv */
    ringIssue(L, b, attnGpuLoopVTile(loop), loop, next, iv, s->vBase, bn, attnNullValue());
    ringIssue(L, b, tile, loop, next, next, 0, bn, attnCmpI(b, ATTN_CMPI_SLT, next, ub));
    return L->failed ? attnNullValue() : ringSlot(L, b, iv, bn);
  }
  if (isPart(loop, "steady") && isV)
    return ringSlot(L, b, attnSubI(b, iv, step), bn); /* waited for with K[iv] */
  if (isPart(loop, "epilogue") && isV) {
    waitAll(L, b);
    return ringSlot(L, b, iv, bn);
  }
  attnGpuFail(L, op, "is a K/V read the pipelined loop does not stage (see attn-gpu-pipeline)");
  return attnNullValue();
}

/* A K/V tile in a ring buffer (dyn: its offset, chosen at run time) as a
 * wgmma operand; a V tile gets its descriptors now (attnWgmmaDescriptorsV).
 * release: the barrier its readers arrive on when done (warp-specialized
 * kernels), or null. */
static void putRingTile(AttnGpuLower *L, AttnBuilder *b, MlirValue res, const AttnTileRead *t,
                        bool isV, MlirValue dyn, MlirValue release) {
  int64_t rows = t->tileRows, cols = t->cols, base = isV ? N(L)->vBase : 0;
  MlirValue *desc = isV ? attnGpuNewBlocks(L, (int)(rows / 16)) : NULL;
  if (L->failed)
    return;
  if (desc) {
    AttnWgmmaTile vt = {rows, cols, base, dyn};
    attnWgmmaDescriptorsV(b, &N(L)->wl, &vt, desc);
  }
  attnGpuPut(L, res,
             (AttnRep){.kind = ATTN_REP_SMEM,
                       .nb = desc ? (int)(rows / 16) : 0,
                       .blocks = desc,
                       .rows = rows,
                       .cols = cols,
                       .stride = rowStride(L, cols),
                       .base = base,
                       .dynBase = dyn,
                       .slot = isV ? 1 : 0,
                       .generation = L->smemGeneration[isV ? 1 : 0],
                       .release = release});
}

/*===--- The backward's loops: a two-buffer ring of their tiles ---------------===*/

/* The tile read of the body of `loop` (kernel IR) that a matmul takes as
 * its right operand from the second buffer (attnGpuSecondBuffer: the second
 * such read in read order), or null. */
static MlirValue secondTile(AttnGpuLower *L, MlirOperation loop) {
  MlirBlock body = mlirRegionGetFirstBlock(mlirOperationGetRegion(loop, 0));
  for (MlirOperation o = mlirBlockGetFirstOperation(body); !mlirOperationIsNull(o);
       o = mlirOperationGetNextInBlock(o)) {
    if (!attnIsOp(o, "vector.contract"))
      continue;
    MlirValue tile = mlirOperationGetOperand(o, 1);
    if (mlirValueIsAOpResult(tile) &&
        attnIsOp(mlirOpResultGetOwner(tile), "vector.transfer_read") &&
        attnGpuSecondBuffer(L, mlirOpResultGetOwner(tile)))
      return tile;
  }
  return attnNullValue();
}

/* Element offset, past a slot's base, of the ring buffer of the tiles of
 * iteration `iv` of a loop from `lb` by `step`: ((iv - lb) / step) % 2
 * (the loops of one kernel start anywhere), in ringSlot's layout. */
static MlirValue prefetchSlot(AttnGpuLower *L, AttnBuilder *b, MlirValue iv, MlirValue lb,
                              int64_t step) {
  MlirValue n = attnGpuUDiv(b, attnSubI(b, iv, lb), step);
  return attnMulI(b, attnGpuURem(b, n, 2), cIdx(b, L->smemKV / 4));
}

/* Issues the loop's tiles (first: slot 0's, second: slot 1's, or null) as
 * read at iteration `at`, into the ring buffers at offset `slot`. */
static void prefetchIssue(AttnGpuLower *L, AttnBuilder *b, MlirOperation loop,
                          const MlirValue tiles[2], MlirValue at, MlirValue slot) {
  for (int i = 0; i < 2 && !L->failed; ++i) {
    if (mlirValueIsNull(tiles[i]))
      continue;
    AttnTileRead t;
    if (!attnGpuTileReadAt(L, b, tiles[i], loop, at, &t)) {
      attnGpuFail(L, mlirOpResultGetOwner(tiles[i]),
                  "is a tile read of a loop marked attn.pipeline = \"prefetch\" whose rows "
                  "depend on more than the loop's induction variable");
      return;
    }
    issueReadAt(L, b, &t, i ? N(L)->vBase : 0, slot);
  }
}

/* A right-operand tile read of a backward kernel's loop marked
 * attn.pipeline = "prefetch" (attn-gpu-pipeline): both tiles of the body
 * (Q and dout in dK/dV, K and V in dQ) live in a two-buffer ring each.
 *     before the loop: barrier (an earlier loop's last tiles may still be
 *                      read in the buffers this one starts with);
 *                      cp.async both tiles of lb, if lb < ub
 *     first read:      wait; barrier (this iteration's tiles are visible,
 *                      and every warp is done with the previous one's
 *                      buffers); cp.async both tiles of iv + step into
 *                      them, if < ub
 *     second read:     nothing to wait for
 * One CTA barrier per iteration instead of four (copy, wait and publish
 * each tile where it is read), and each load has a whole iteration of
 * matmuls to land. The forward's schedule (K[n+1] issued once V[n] is
 * read) does not apply: Q is read again by ds^T Q after dout. Returns the
 * offset of the read's ring buffer (null on failure). */
static MlirValue prefetchRead(AttnGpuLower *L, AttnBuilder *b, MlirOperation op, MlirOperation loop,
                              bool second) {
  MlirOperation newLoop = mlirBlockGetParentOperation(b->block);
  MlirValue res = mlirOperationGetResult(op, 0);
  MlirBlock body = mlirRegionGetFirstBlock(mlirOperationGetRegion(loop, 0));
  AttnRep *iv = attnGpuFind(L, mlirBlockGetArgument(body, 0));
  int64_t step = 0;
  if (!attnIsOp(newLoop, "scf.for") || !mlirOperationEqual(parentOp(op), loop) || !iv ||
      iv->kind != ATTN_REP_PLAIN || !attnConstIndexValue(mlirOperationGetOperand(loop, 2), &step) ||
      step != attnGpuDim(res, 0)) {
    attnGpuFail(L, loop,
                "is marked attn.pipeline = \"prefetch\" but does not read its tiles in its own "
                "body, one tile of `step` rows per iteration");
    return attnNullValue();
  }
  MlirValue lb = mlirOperationGetOperand(newLoop, 0), ub = mlirOperationGetOperand(newLoop, 1);
  MlirValue slot = prefetchSlot(L, b, iv->value, lb, step);
  if (second)
    return slot; /* waited for with the first */
  MlirValue tiles[2] = {res, secondTile(L, loop)};
  AttnBuilder pre = {L->ctx, b->loc, mlirOperationGetBlock(newLoop), newLoop};
  attnGpuBarrier(&pre);
  AttnGpuIf first = attnGpuIfBegin(&pre, attnCmpI(&pre, ATTN_CMPI_SLT, lb, ub));
  prefetchIssue(L, &pre, loop, tiles, lb, cIdx(&pre, 0));
  attnGpuIfEnd(&pre, &first);
  MlirValue next = attnAddI(b, iv->value, mlirOperationGetOperand(newLoop, 2));
  waitAll(L, b); /* the tiles of iv are here; every warp is past iv - step */
  AttnGpuIf more = attnGpuIfBegin(b, attnCmpI(b, ATTN_CMPI_SLT, next, ub));
  prefetchIssue(L, b, loop, tiles, next, prefetchSlot(L, b, next, lb, step));
  attnGpuIfEnd(b, &more);
  return L->failed ? attnNullValue() : slot;
}

/*===--- Warp specialization: a producer warpgroup and an mbarrier ring --------===*
 *
 * attn.schedule = "warp-specialized" (attn-gpu-layout): warps W..W+3 (the
 * producer warpgroup) run the producer's copy of the kernel (GpuLower.h),
 * which issues the cp.async copies of every K/V tile into a ring of S
 * buffers per operand (attn.ring, default 2); warps 0..W-1 (the consumers)
 * compute. The n-th K (or V) tile both copies read sits in buffer n % S.
 * Per buffer and operand two mbarriers:
 *   full  (128 arrivals: cp.async.mbarrier.arrive.noinc of each producer
 *          thread, which completes when that thread's copies have landed);
 *   empty (W * 32 arrivals: each consumer thread once the wgmma that read
 *          the buffer is complete, in settle).
 * Use n of a buffer is phase n / S of its barriers: consumers wait for full
 * phase (n / S) % 2, the producer for empty phase (n / S) % 2 ^ 1 (which a
 * fresh barrier reports complete). No CTA barrier remains in the KV loops:
 * a consumer warpgroup waits only for its data, not for the other one (ncu
 * at 4b7a6e3: 40% of the D=128 kernel's stall cycles were bar.sync). */

/* The producer's registers per thread come from attn.producer_regs
 * (attn-gpu-layout; 56 where absent: with 40 the producer's address
 * arithmetic spilled, ptxas, D=128); the consumers get the rest of the SM's
 * 65536: 4 x 32 x p + 8 x 32 x c <= 65536, c a multiple of 8 (56 + 224:
 * 64512). */
enum { WS_PRODUCER_WARPS = 4, WS_PRODUCER_REGS = 56, WS_REGS_PER_THREAD_SUM = 512 };

static int consumerRegs(int producer) { return ((WS_REGS_PER_THREAD_SUM - producer) / 2) & ~7; }

/* The mbarrier of operand K or V (isV), buffer `slot` (index), full or
 * empty, as a shared-memory pointer. */
static MlirValue wsBarrier(AttnGpuLower *L, AttnBuilder *b, bool empty, bool isV, MlirValue slot) {
  MlirType i64 = attnIntType(b, 64);
  int64_t first = 8 * (2 * (int64_t)empty + (int64_t)isV) * N(L)->wsStages;
  MlirValue at = attnAddI(b, N(L)->barBase, attnGpuConstInt(b, i64, first));
  at = attnAddI(b, at, attnMulI(b, attnIndexCast(b, slot, i64), attnGpuConstInt(b, i64, 8)));
  MlirType ptr = mlirTypeParseGet(L->ctx, mlirStringRefCreateFromCString("!llvm.ptr<3>"));
  return attnGpuOp1(b, "llvm.inttoptr", 1, &at, ptr, 0, NULL);
}

/* Q's mbarrier (TMA kernels), after the ring's. */
static MlirValue qBarrier(AttnGpuLower *L, AttnBuilder *b) {
  MlirValue at =
      attnAddI(b, N(L)->barBase, attnGpuConstInt(b, attnIntType(b, 64), 8 * WS_Q_BARRIER));
  MlirType ptr = mlirTypeParseGet(L->ctx, mlirStringRefCreateFromCString("!llvm.ptr<3>"));
  return attnGpuOp1(b, "llvm.inttoptr", 1, &at, ptr, 0, NULL);
}

/* Blocks until the phase of parity `parity` (index 0/1) of `bar` completed. */
static void wsWait(AttnBuilder *b, MlirValue bar, MlirValue parity) {
  MlirValue ops[3] = {bar, attnIndexCast(b, parity, attnIntType(b, 32)), cI32(b, 10000000)};
  attnBuildOp(b, "nvvm.mbarrier.try_wait.parity", 3, ops, 0, NULL, 0, NULL, 0, NULL);
}

static void wsArrive(AttnBuilder *b, MlirValue bar) {
  attnBuildOp(b, "nvvm.mbarrier.arrive", 1, &bar, 0, NULL, 0, NULL, 0, NULL);
}

/* K/V tiles come by TMA (attn.copy = "tma" on the reads: the kernel takes
 * tensor maps): one producer thread arrives on a full barrier, with the
 * tile's bytes as its transaction count. */
static bool tmaKernel(const AttnGpuLower *L) { return L->nMaps > 0; }

/* Before the roles: thread 0 initializes the barriers; the CTA barrier
 * makes them visible to every thread. */
static void rolesBegin(AttnGpuLower *L, AttnBuilder *b) {
  NvState *s = N(L);
  MlirType i64 = attnIntType(b, 64);
  s->barBase =
      attnAddI(b, s->wl.smemAddr, attnGpuConstInt(b, i64, 2 * (L->smemElems - WS_BAR_ELEMS)));
  AttnGpuIf first = attnGpuIfBegin(b, attnCmpI(b, ATTN_CMPI_EQ, L->tid, cIdx(b, 0)));
  for (int empty = 0; empty < 2; ++empty)
    for (int isV = 0; isV < 2; ++isV)
      for (int slot = 0; slot < s->wsStages; ++slot) {
        int64_t producers = tmaKernel(L) ? 1 : WS_PRODUCER_WARPS * WARP;
        MlirValue ops[2] = {wsBarrier(L, b, empty, isV, cIdx(b, slot)),
                            cI32(b, empty ? (int64_t)L->W * WARP : producers)};
        attnBuildOp(b, "nvvm.mbarrier.init", 2, ops, 0, NULL, 0, NULL, 0, NULL);
      }
  if (tmaKernel(L)) { /* Q's: one arrival (consumer thread 0's expect_tx) */
    MlirValue ops[2] = {qBarrier(L, b), cI32(b, 1)};
    attnBuildOp(b, "nvvm.mbarrier.init", 2, ops, 0, NULL, 0, NULL, 0, NULL);
  }
  attnGpuIfEnd(b, &first);
  attnGpuBarrier(b);
}

/* Ping-pong (warp-specialized kernels with software-pipelined loops): the
 * consumer warpgroups take turns issuing their matmuls, so that one's
 * softmax runs while the other's wgmmas do (FA3). Named barrier 2 + w is
 * warpgroup w's turn: it syncs there (its 128 threads and the other
 * warpgroup's 128 arrivals) before a loop body's first matmul and arrives
 * on the other's barrier after the body's last. Warpgroup 1 arrives on
 * barrier 2 once at the start so that warpgroup 0 goes first, and
 * warpgroup 0 takes that surplus arrival back at the end. */
static MlirValue warpgroup(AttnGpuLower *L, AttnBuilder *b) { return attnGpuUDiv(b, L->tid, 128); }

static MlirValue turnBarrier(AttnGpuLower *L, AttnBuilder *b, bool other) {
  MlirValue wg = warpgroup(L, b);
  MlirValue id = other ? attnSubI(b, cIdx(b, 3), wg) : attnAddI(b, wg, cIdx(b, 2));
  return attnIndexCast(b, id, attnIntType(b, 32));
}

static void turnSync(AttnGpuLower *L, AttnBuilder *b, MlirValue id) {
  MlirValue ops[2] = {id, cI32(b, 2 * 128)};
  int32_t seg[3] = {1, 1, 0};
  MlirNamedAttribute a =
      attnNamedAttr(b, "operandSegmentSizes", mlirDenseI32ArrayGet(L->ctx, 3, seg));
  attnBuildOp(b, "nvvm.barrier", 2, ops, 0, NULL, 1, &a, 0, NULL);
}

static void turnArrive(AttnBuilder *b, MlirValue id) {
  MlirValue ops[2] = {id, cI32(b, 2 * 128)};
  attnBuildOp(b, "nvvm.barrier.arrive", 2, ops, 0, NULL, 0, NULL, 0, NULL);
}

/* Whether `op` is the first (or the last) vector.contract of its block. */
static bool matmulAtEdge(MlirOperation op, bool first) {
  MlirOperation o = mlirBlockGetFirstOperation(mlirOperationGetBlock(op));
  MlirOperation firstSeen = {NULL}, lastSeen = {NULL};
  for (; !mlirOperationIsNull(o); o = mlirOperationGetNextInBlock(o))
    if (attnIsOp(o, "vector.contract")) {
      if (mlirOperationIsNull(firstSeen))
        firstSeen = o;
      lastSeen = o;
    }
  return mlirOperationEqual(first ? firstSeen : lastSeen, op);
}

static bool pingPong(AttnGpuLower *L, MlirOperation op) {
  MlirOperation loop = mlirOperationGetParentOperation(op);
  return N(L)->ws && !L->producer && attnIsOp(loop, "scf.for") &&
         !mlirAttributeIsNull(attnGetAttr(loop, "attn.pipeline"));
}

/* Around the matmuls of a pipelined loop body (lowerQK, lowerPV). */
static void turnBegin(AttnGpuLower *L, AttnBuilder *b, MlirOperation op) {
  if (pingPong(L, op) && matmulAtEdge(op, true))
    turnSync(L, b, turnBarrier(L, b, false));
}

static void turnEnd(AttnGpuLower *L, AttnBuilder *b, MlirOperation op) {
  if (pingPong(L, op) && matmulAtEdge(op, false))
    turnArrive(b, turnBarrier(L, b, true));
}

/* Registers move from the producer (copies only) to the consumers. */
static void roleBegin(AttnGpuLower *L, AttnBuilder *b, bool producer) {
  MlirNamedAttribute attrs[2] = {
      attnNamedAttr(
          b, "regCount",
          mlirIntegerAttrGet(mlirIntegerTypeGet(L->ctx, 32),
                             producer ? N(L)->wsProducerRegs : consumerRegs(N(L)->wsProducerRegs))),
      attnNamedAttr(
          b, "action",
          attnGpuParseAttr(L, producer ? "#nvvm<action decrease>" : "#nvvm<action increase>"))};
  attnBuildOp(b, "nvvm.setmaxregister", 0, NULL, 0, NULL, 2, attrs, 0, NULL);
  if (!producer && N(L)->ring) { /* warpgroup 0 takes the first turn */
    AttnGpuIf second = attnGpuIfBegin(b, attnCmpI(b, ATTN_CMPI_EQ, warpgroup(L, b), cIdx(b, 1)));
    turnArrive(b, cI32(b, 2));
    attnGpuIfEnd(b, &second);
  }
}

/* The producer's copies are tracked by the barriers, but a thread leaves
 * only once its own have landed. */
static void roleEnd(AttnGpuLower *L, AttnBuilder *b, bool producer) {
  if (!producer && N(L)->ring) { /* warpgroup 1's surplus arrival */
    AttnGpuIf first = attnGpuIfBegin(b, attnCmpI(b, ATTN_CMPI_EQ, warpgroup(L, b), cIdx(b, 0)));
    turnSync(L, b, cI32(b, 2));
    attnGpuIfEnd(b, &first);
  }
  if (producer) {
    MlirNamedAttribute n =
        attnNamedAttr(b, "n", mlirIntegerAttrGet(mlirIntegerTypeGet(L->ctx, 32), 0));
    attnBuildOp(b, "nvvm.cp.async.wait.group", 0, NULL, 0, NULL, 1, &n, 0, NULL);
  }
}

static bool isTmaRead(MlirOperation op) {
  MlirAttribute a = attnGetAttr(op, "attn.copy");
  return !mlirAttributeIsNull(a) && mlirAttributeIsAString(a) &&
         mlirStringRefEqual(mlirStringAttrGetValue(a), mlirStringRefCreateFromCString("tma"));
}

/* Announces rows x cols 16-bit elements on `bar` and issues one
 * cp.async.bulk.tensor per 64-column box into the box's 1024-byte-aligned
 * place at element base + dyn. */
static void tmaLoad(AttnGpuLower *L, AttnBuilder *b, const AttnGpuTensorMap *map,
                    const AttnTransfer *x, int64_t base, MlirValue dyn, int64_t rows, int64_t cols,
                    MlirValue full) {
  MlirType i32 = attnIntType(b, 32), i64 = attnIntType(b, 64);
  MlirValue expect[2] = {full, cI32(b, 2 * rows * cols)};
  attnBuildOp(b, "nvvm.mbarrier.arrive.expect_tx", 2, expect, 0, NULL, 0, NULL, 0, NULL);
  MlirType p3 = mlirTypeParseGet(L->ctx, mlirStringRefCreateFromCString("!llvm.ptr<3>"));
  MlirType p7 = mlirTypeParseGet(L->ctx, mlirStringRefCreateFromCString("!llvm.ptr<7>"));
  MlirValue dynBytes = attnIndexCast(b, attnMulI(b, dyn, cIdx(b, 2)), i64);
  for (int64_t box = 0; box * ATTN_WGMMA_BOX < cols; ++box) {
    int64_t at = 2 * (base + box * rows * ATTN_WGMMA_BOX);
    MlirValue addr =
        attnAddI(b, attnAddI(b, N(L)->wl.smemAddr, attnGpuConstInt(b, i64, at)), dynBytes);
    MlirValue dst = attnGpuOp1(b, "llvm.inttoptr", 1, &addr, p3, 0, NULL);
    dst = attnGpuOp1(b, "llvm.addrspacecast", 1, &dst, p7, 0, NULL);
    MlirValue ops[8];
    int n = 0;
    ops[n++] = dst;
    ops[n++] = map->value;
    for (intptr_t d = x->rank - 1; d >= 0; --d) {
      MlirValue c = x->idx[d];
      if (d == x->colDim)
        c = attnAddI(b, c, cIdx(b, box * ATTN_WGMMA_BOX));
      ops[n++] = attnIndexCast(b, c, i32);
    }
    ops[n++] = full;
    int32_t seg[8] = {1, 1, (int32_t)x->rank, 1, 0, 0, 0, 0};
    MlirNamedAttribute attrs[3] = {
        attnNamedAttr(b, "operandSegmentSizes", mlirDenseI32ArrayGet(L->ctx, 8, seg)),
        attnNamedAttr(b, "mode", attnGpuParseAttr(L, "#nvvm.tma_load_mode<tile>")),
        attnNamedAttr(b, "isCTAOnly", mlirBoolAttrGet(L->ctx, 0))};
    attnBuildOp(b, "nvvm.cp.async.bulk.tensor.shared.cluster.global", n, ops, 0, NULL, 3, attrs, 0,
                NULL);
  }
}

/* The producer's TMA load of a K/V tile: thread 0 of the producer waits
 * until the consumers released buffer `slot`, announces the tile's bytes on
 * its full barrier (mbarrier.arrive.expect_tx) and issues one
 * cp.async.bulk.tensor per 64-column box of the tile into the box's 1024-
 * byte-aligned place (the hardware's 128-byte swizzle is the layout the
 * wgmma descriptors read, NvgpuWgmma.h). Coordinates are the read's indices,
 * innermost first; rows past the tensor come back as zeros. */
static void tmaReadTile(AttnGpuLower *L, AttnBuilder *b, MlirOperation op, const AttnTileRead *t,
                        bool isV, MlirValue slot, MlirValue phase, MlirValue dyn) {
  NvState *s = N(L);
  const AttnTransfer *x = &t->x[0];
  const AttnGpuTensorMap *map = t->n == 1 ? attnGpuTensorMapOf(L, x->mem, t->tileRows) : NULL;
  if (!map) {
    attnGpuFail(L, op, "is a TMA read (attn.copy = \"tma\") without a tensor map of its tile");
    return;
  }
  int64_t rows = t->tileRows, cols = t->cols, base = isV ? s->vBase : 0;
  AttnGpuIf one = attnGpuIfBegin(b, attnCmpI(b, ATTN_CMPI_EQ, L->copyTid, cIdx(b, 0)));
  wsWait(b, wsBarrier(L, b, true, isV, slot), attnBinary(b, "arith.xori", phase, cIdx(b, 1)));
  tmaLoad(L, b, map, x, base, dyn, rows, cols, wsBarrier(L, b, false, isV, slot));
  attnGpuIfEnd(b, &one);
}

/* Q of a TMA kernel: consumer thread 0 loads it on Q's barrier (one phase:
 * each CTA reads one Q tile), every consumer waits for it. */
static void tmaReadQ(AttnGpuLower *L, AttnBuilder *b, MlirOperation op, const AttnTransfer *x,
                     int64_t d) {
  const AttnGpuTensorMap *map = attnGpuTensorMapOf(L, x->mem, L->bm);
  if (!map) {
    attnGpuFail(L, op, "is a TMA read (attn.copy = \"tma\") without a tensor map of its tile");
    return;
  }
  MlirValue bar = qBarrier(L, b);
  AttnGpuIf one = attnGpuIfBegin(b, attnCmpI(b, ATTN_CMPI_EQ, L->tid, cIdx(b, 0)));
  tmaLoad(L, b, map, x, N(L)->qBase, cIdx(b, 0), L->bm, d, bar);
  attnGpuIfEnd(b, &one);
  wsWait(b, bar, cIdx(b, 0));
}

/* A K/V read of a warp-specialized kernel. Producer: wait until the
 * consumers released the buffer, copy, arrive (asynchronously, when the
 * copies land). Consumers: wait until the tile landed; the buffer is
 * released when the matmul reading it is complete (settle). */
static void wsReadTile(AttnGpuLower *L, AttnBuilder *b, MlirOperation op, const AttnTileRead *t,
                       bool isV) {
  NvState *s = N(L);
  MlirValue res = mlirOperationGetResult(op, 0);
  int64_t base = isV ? s->vBase : 0;
  MlirValue n = L->readCount[isV];
  L->readCount[isV] = attnAddI(b, n, cIdx(b, 1));
  int64_t stages = s->wsStages;
  MlirValue slot = attnGpuURem(b, n, stages);
  MlirValue phase = attnGpuURem(b, attnGpuUDiv(b, n, stages), 2);
  MlirValue dyn = attnMulI(b, slot, cIdx(b, L->smemKV / (2 * stages)));
  if (isTmaRead(op) != tmaKernel(L)) {
    attnGpuFail(L, op, "mixes TMA and cp.async K/V reads in one warp-specialized kernel");
    return;
  }
  if (L->producer && tmaKernel(L)) {
    tmaReadTile(L, b, op, t, isV, slot, phase, dyn);
    return;
  }
  if (L->producer) {
    wsWait(b, wsBarrier(L, b, true, isV, slot), attnBinary(b, "arith.xori", phase, cIdx(b, 1)));
    issueReadAt(L, b, t, base, dyn);
    MlirNamedAttribute noinc = attnNamedAttr(b, "noinc", mlirBoolAttrGet(L->ctx, 1));
    MlirValue full = wsBarrier(L, b, false, isV, slot);
    attnBuildOp(b, "nvvm.cp.async.mbarrier.arrive", 1, &full, 0, NULL, 1, &noinc, 0, NULL);
    return;
  }
  wsWait(b, wsBarrier(L, b, false, isV, slot), phase);
  if (!tmaKernel(L))           /* TMA and wgmma are both the async proxy */
    attnWgmmaFenceProxy(L, b); /* cp.async wrote it (generic proxy); wgmma reads it */
  putRingTile(L, b, res, t, isV, dyn, wsBarrier(L, b, true, isV, slot));
}

/* res lives in shared memory slot `slot` at base (+ dyn, a ring slot's offset); a new
 * generation so a use of the slot's previous tile is caught (attnGpuSmemOperand). */
static void putSmemTile(AttnGpuLower *L, MlirValue res, int64_t rows, int64_t cols, int64_t base,
                        MlirValue dyn, int slot) {
  attnGpuPut(L, res,
             (AttnRep){.kind = ATTN_REP_SMEM,
                       .rows = rows,
                       .cols = cols,
                       .stride = rowStride(L, cols),
                       .base = base,
                       .dynBase = dyn,
                       .slot = slot,
                       .generation = ++L->smemGeneration[slot]});
}

static void readTile(AttnGpuLower *L, AttnBuilder *b, MlirOperation op, const AttnTileRead *t,
                     bool isV) {
  NvState *s = N(L);
  MlirValue res = mlirOperationGetResult(op, 0);
  int64_t rows = t->tileRows, cols = t->cols;
  if (!stageable(L, res)) {
    attnGpuFail(L, op,
                "reads a K/V tile the NVIDIA lowering cannot stage (rows or head dim not a "
                "multiple of 16, or a dtype other than Q's)");
    return;
  }
  if (!smemFits(L, op))
    return;
  if (s->ws) {
    wsReadTile(L, b, op, t, isV);
    return;
  }
  int slot = isV ? 1 : 0;
  int64_t base = isV ? s->vBase : 0;
  MlirOperation loop = parentOp(op);
  if (L->backward && attnIsOp(loop, "scf.for") && isPart(loop, "prefetch")) {
    MlirValue dyn = prefetchRead(L, b, op, loop, isV);
    if (L->failed)
      return;
    putSmemTile(L, res, rows, cols, base, dyn, slot);
    return;
  }
  if (s->wg && attnIsOp(loop, "scf.for") &&
      !mlirAttributeIsNull(attnGetAttr(loop, "attn.pipeline"))) {
    MlirValue dyn = ringRead(L, b, op, loop, isV, rows);
    if (!L->failed)
      putRingTile(L, b, res, t, isV, dyn, attnNullValue());
    return;
  }
  bool piped = !mlirOperationIsNull(s->pipe.oldLoop) && mlirOperationEqual(s->pipe.oldLoop, loop);
  if (!isV && !piped)
    piped = startPipe(L, b, op);
  if (L->failed)
    return;
  MlirValue dyn = attnNullValue();
  if (piped && !isV && mlirValueEqual(res, s->pipe.kTile)) {
    pipedK(L, b);
    if (s->pipe.kOnly)
      dyn = kSlot(L, b, s->pipe.iv, s->pipe.bn);
  } else if (piped && isV && mlirValueEqual(res, s->pipe.vTile)) {
    pipedV(L, b);
  } else if (piped) {
    attnGpuFail(L, op, "reads a K/V tile other than the pipelined ones of its loop");
    return;
  } else {
    attnGpuBarrier(b); /* the buffer's previous readers are done */
    issueRead(L, b, t, base);
    waitAll(L, b);
  }
  putSmemTile(L, res, rows, cols, base, dyn, slot);
}

/*===--- Matmuls -----------------------------------------------------------------===*/

static MlirValue ldmatrixLane(AttnGpuLower *L, AttnBuilder *b, int64_t stride, bool keyPairs);

/* Element pair e of a fragment row as an mma.sync operand register: f16
 * pairs as vector<2xf16>, bf16 pairs as the i32 PTX packs them in. */
static MlirValue operandPair(AttnGpuLower *L, AttnBuilder *b, MlirValue frag, int64_t row) {
  MlirValue pair = rowOfVec(L, b, frag, row);
  if (!mlirTypeIsABF16(L->elem))
    return pair;
  MlirType i32 = attnIntType(b, 32);
  MlirValue one = attnOp1(b, "vector.bitcast", 1, &pair, attnGpuVecT(1, i32));
  return attnGpuExtract(L, b, one, 0);
}

/* D = A B + C with mma.sync.aligned.m16n8k16.row.col.f32 (nvvm.mma.sync;
 * nvgpu.mma.sync does not lower bf16). a: vector<4x2xE>, bb: vector<2x2xE>,
 * c: vector<2x2xf32> in PTX's fragment order. */
static MlirValue mma(AttnGpuLower *L, AttnBuilder *b, MlirValue a, MlirValue bb, MlirValue c) {
  MlirValue operands[10];
  for (int i = 0; i < 4; ++i)
    operands[i] = operandPair(L, b, a, i);
  for (int i = 0; i < 2; ++i)
    operands[4 + i] = operandPair(L, b, bb, i);
  for (int i = 0; i < 4; ++i) {
    MlirValue row = rowOfVec(L, b, c, i / 2);
    operands[6 + i] = attnGpuExtract(L, b, row, i % 2);
  }
  const char *type = mlirTypeIsABF16(L->elem) ? "#nvvm.mma_type<bf16>" : "#nvvm.mma_type<f16>";
  int32_t segments[3] = {4, 2, 4};
  MlirNamedAttribute attrs[6] = {
      attnNamedAttr(b, "shape", attnGpuParseAttr(L, "#nvvm.shape<m = 16, n = 8, k = 16>")),
      attnNamedAttr(b, "layoutA", attnGpuParseAttr(L, "#nvvm.mma_layout<row>")),
      attnNamedAttr(b, "layoutB", attnGpuParseAttr(L, "#nvvm.mma_layout<col>")),
      attnNamedAttr(b, "multiplicandAPtxType", attnGpuParseAttr(L, type)),
      attnNamedAttr(b, "multiplicandBPtxType", attnGpuParseAttr(L, type)),
      attnNamedAttr(b, "operandSegmentSizes", mlirDenseI32ArrayGet(L->ctx, 3, segments))};
  MlirType f32 = mlirF32TypeGet(L->ctx), fields[4] = {f32, f32, f32, f32};
  MlirType result = mlirLLVMStructTypeLiteralGet(L->ctx, 4, fields, false);
  MlirValue d = attnGpuOp1(b, "nvvm.mma.sync", 10, operands, result, 6, attrs);
  MlirValue elems[4];
  for (int64_t i = 0; i < 4; ++i) {
    MlirNamedAttribute pos = attnNamedAttr(b, "position", mlirDenseI64ArrayGet(L->ctx, 1, &i));
    elems[i] = attnGpuOp1(b, "llvm.extractvalue", 1, &d, f32, 1, &pos);
  }
  return attnGpuOp1(b, "vector.from_elements", 4, elems, mlirValueGetType(c), 0, NULL);
}

/* ldmatrix.x{tiles}[.trans] at byte address `at` + 2 `off` of shared memory
 * (at: this lane's row address, fragAddr; off: a constant, in elements). The backward kernels'
 * loops read every fragment of their tiles at addresses that do not change
 * between iterations: as nvgpu.ldmatrix, each address (lane + off, 64-bit)
 * was computed once before the loops and held in two registers for the
 * whole program (LLVM hoists them; the intrinsic's address is not an
 * addressing mode it sinks), about 140 registers of the dK/dV kernel at
 * D = 64, which made D = 128 spill. There it is PTX with the constant in
 * the instruction ([base + off], base a 32-bit shared address per lane
 * address: a few registers). */
static MlirValue ldmatrixAsm(AttnGpuLower *L, AttnBuilder *b, MlirValue at, int64_t off, int tiles,
                             bool transpose) {
  MlirType i32 = attnIntType(b, 32);
  char text[160], cons[64];
  snprintf(text, sizeof(text), "ldmatrix.sync.aligned.m8n8.x%d%s.shared.b16 {%s}, [$%d+%lld];",
           tiles, transpose ? ".trans" : "",
           tiles == 4   ? "$0, $1, $2, $3"
           : tiles == 2 ? "$0, $1"
                        : "$0",
           tiles, (long long)(2 * off));
  snprintf(cons, sizeof(cons), "%s,r", tiles == 4 ? "=r,=r,=r,=r" : tiles == 2 ? "=r,=r" : "=r");
  MlirType fields[4] = {i32, i32, i32, i32};
  MlirType result = tiles == 1 ? i32 : mlirLLVMStructTypeLiteralGet(L->ctx, tiles, fields, false);
  /* has_side_effects: it reads shared memory the copies and barriers
   * around it write and order (a pure asm could be hoisted past them) */
  MlirValue r = mlirOperationGetResult(attnInlineAsm(b, text, cons, true, 1, &at, result), 0);
  MlirValue regs[4] = {r};
  for (int64_t i = 0; i < tiles && tiles > 1; ++i) {
    MlirNamedAttribute pos = attnNamedAttr(b, "position", mlirDenseI64ArrayGet(L->ctx, 1, &i));
    regs[i] = attnGpuOp1(b, "llvm.extractvalue", 1, &r, i32, 1, &pos);
  }
  MlirValue pairs[4];
  for (int i = 0; i < tiles; ++i)
    pairs[i] = attnOp1(b, "llvm.bitcast", 1, &regs[i], attnGpuVecT(2, L->elem));
  MlirValue all = tiles == 4   ? concat4(L, b, pairs)
                  : tiles == 2 ? attnGpuConcat(L, b, pairs[0], pairs[1])
                               : pairs[0];
  return shapeCast(b, all, vec2T(tiles, 2, L->elem));
}

/* The induction variable of a backward kernel's loop as its body sees it:
 * a copy LLVM cannot look through (mov.b64 in PTX). Each tile copy, lse and
 * delta load of the dK/dV kernel's loops is at an address affine in the
 * loop's (and the GQA head loop's) index, and LLVM's loop strength
 * reduction gave every one of them a 64-bit pointer of its own carried
 * through the loops (40 of them at D = 128, 80 registers: the kernel
 * spilled even with K and V in shared memory). Through the copy the
 * addresses are computed where they are used, and ptxas, which weighs
 * registers, schedules them. */
static MlirValue loopIndex(AttnGpuLower *L, AttnBuilder *b, MlirValue iv) {
  if (!L->backward)
    return iv;
  MlirType i64 = attnIntType(b, 64);
  MlirValue x = attnOp1(b, "arith.index_cast", 1, &iv, i64);
  x = mlirOperationGetResult(attnInlineAsm(b, "mov.b64 $0, $1;", "=l,l", false, 1, &x, i64), 0);
  return attnOp1(b, "arith.index_cast", 1, &x, attnIndexType(b));
}

/* Byte size of `elems` 16-bit elements as an i32 (< 2^31 in shared memory). */
static MlirValue bytes32(AttnBuilder *b, MlirValue elems) {
  MlirType i32 = attnIntType(b, 32);
  MlirValue x = attnOp1(b, "arith.index_cast", 1, &elems, i32);
  return attnBinary(b, "arith.shli", x, attnGpuConstInt(b, i32, 1));
}

/* Where a lane's ldmatrix reads of a tile start: element `lane` of the
 * shared buffer, plus `dyn` (a ring buffer's offset, chosen at run time)
 * when not null. For ldmatrixAsm (backward kernels) a 32-bit shared byte
 * address, the ring offset added in 32 bits to the loop-invariant lane
 * address: added to the index, it was 64-bit arithmetic per fragment
 * address, and the prefetching D = 128 / 256 dK/dV kernels spilled. */
static MlirValue fragAddr(AttnGpuLower *L, AttnBuilder *b, MlirValue lane, MlirValue dyn) {
  if (!L->backward)
    return mlirValueIsNull(dyn) ? lane : attnAddI(b, lane, dyn);
  MlirValue at = attnBinary(b, "arith.addi", N(L)->smem32, bytes32(b, lane));
  return mlirValueIsNull(dyn) ? at : attnBinary(b, "arith.addi", at, bytes32(b, dyn));
}

/* ldmatrix at `at` (fragAddr) + element `off`. */
static MlirValue ldmatrix(AttnGpuLower *L, AttnBuilder *b, MlirValue at, int64_t off, int tiles,
                          bool transpose) {
  if (L->backward)
    return ldmatrixAsm(L, b, at, off, tiles, transpose);
  MlirValue index = attnAddI(b, at, cIdx(b, off));
  MlirNamedAttribute attrs[2] = {
      attnNamedAttr(b, "numTiles", mlirIntegerAttrGet(mlirIntegerTypeGet(L->ctx, 32), tiles)),
      attnNamedAttr(b, "transpose", mlirBoolAttrGet(L->ctx, transpose))};
  MlirValue operands[2] = {L->smem, index};
  return attnGpuOp1(b, "nvgpu.ldmatrix", 2, operands, vec2T(tiles, 2, L->elem), 2, attrs);
}

/* The C fragment of MMA tile mt and n-tile t: blocks (2mt, t), (2mt+1, t). */
static MlirValue cFrag(AttnGpuLower *L, AttnBuilder *b, const MlirValue *blocks, int ncb, int mt,
                       int t) {
  MlirValue c = attnGpuConcat(L, b, blocks[2 * mt * ncb + t], blocks[(2 * mt + 1) * ncb + t]);
  return shapeCast(b, c, vec2T(2, 2, attnGpuElemOf(c)));
}

static void putCFrag(AttnGpuLower *L, AttnBuilder *b, MlirValue c, MlirValue *blocks, int ncb,
                     int mt, int t) {
  blocks[2 * mt * ncb + t] = rowOfVec(L, b, c, 0);
  blocks[(2 * mt + 1) * ncb + t] = rowOfVec(L, b, c, 1);
}

static bool accBlocks(AttnGpuLower *L, AttnBuilder *b, MlirOperation op, MlirValue acc,
                      MlirValue *blocks, int expect) {
  int nb = 0;
  if (!attnGpuTileBlocks(L, b, op, acc, blocks, &nb))
    return false;
  if (nb != expect) {
    attnGpuFail(L, op, "has an accumulator that does not match its operands");
    return false;
  }
  return true;
}

/* Whether `v` (kernel IR) is a zero constant. */
static bool isZero(MlirValue v) {
  if (!mlirValueIsAOpResult(v) || !attnIsOp(mlirOpResultGetOwner(v), "arith.constant"))
    return false;
  MlirAttribute a = mlirOperationGetAttributeByName(mlirOpResultGetOwner(v),
                                                    mlirStringRefCreateFromCString("value"));
  if (mlirAttributeIsNull(a) || !mlirAttributeIsADenseElements(a) ||
      !mlirDenseElementsAttrIsSplat(a))
    return false;
  MlirAttribute e = mlirDenseElementsAttrGetSplatValue(a);
  return mlirAttributeIsAFloat(e) && mlirFloatAttrGetValueDouble(e) == 0.0;
}

/* A wgmma result, committed as group `committed` and not waited for: the
 * core settles it (settle, below) before its first use. */
static void putPending(AttnGpuLower *L, MlirOperation op, MlirValue res, MlirValue acc, int nb,
                       MlirValue release) {
  attnGpuPutPending(L, op, res,
                    (AttnRep){.kind = ATTN_REP_PENDING,
                              .value = acc,
                              .nb = nb,
                              .generation = (int)N(L)->committed++,
                              .release = release});
}

/* Waits until the group of `rep` is complete (the groups committed after it
 * may keep running) and unpacks its accumulator. */
static void settle(AttnGpuLower *L, AttnBuilder *b, AttnRep *rep) {
  NvState *s = N(L);
  int64_t group = rep->generation;
  if (group >= s->done) {
    attnWgmmaWait(L, b, s->committed - group - 1);
    s->done = group + 1;
  }
  if (!mlirValueIsNull(rep->release))
    wsArrive(b, rep->release); /* its shared operand is free for the producer */
  MlirValue acc = rep->value, *blocks = attnGpuNewBlocks(L, rep->nb);
  if (!blocks)
    return;
  attnWgmmaUnpack(L, b, acc, 2 * rep->nb, blocks);
  *rep = (AttnRep){.kind = ATTN_REP_TILE, .nb = rep->nb, .blocks = blocks};
}

/* S = Q K^T with Q in shared memory, k-chunk pairs outermost (FA2's order):
 * per pair, the A fragments of every MMA tile (ldmatrix.x4: rows l%8 +
 * 8((l/8)%2), column 8(l/16) of a 16x16 block) are read once, then every
 * n-tile's B fragments. */
static void qkSharedQ(AttnGpuLower *L, AttnBuilder *b, const AttnRep *qr, const AttnRep *kr,
                      int chunks, int ncb, MlirValue *blocks, MlirValue col0) {
  int mt = N(L)->MT;
  MlirValue laneK = ldmatrixLane(L, b, kr->stride, false);
  MlirValue laneQ = ldmatrixLane(L, b, qr->stride, true);
  MlirValue warpRow = attnMulI(b, N(L)->rowWarp, cIdx(b, 16 * (int64_t)mt));
  MlirValue qLane = attnAddI(b, laneQ, attnMulI(b, warpRow, cIdx(b, qr->stride)));
  if (!mlirValueIsNull(col0)) { /* this warp's head-dim columns of a split Q K^T */
    laneK = attnAddI(b, laneK, col0);
    qLane = attnAddI(b, qLane, col0);
  }
  MlirValue qAt = fragAddr(L, b, qLane, attnNullValue());
  laneK = fragAddr(L, b, laneK, kr->dynBase); /* a K ring buffer chosen at run time */
  MlirValue c[ATTN_GPU_MAX_ROWS / 2][ATTN_GPU_MAXB / 2];
  for (int m = 0; m < mt; ++m)
    for (int t = 0; t < ncb; ++t)
      c[m][t] = cFrag(L, b, blocks, ncb, m, t);
  for (int ch = 0; ch < chunks; ch += 2) {
    int pair = ch + 1 < chunks ? 2 : 1;
    MlirValue a[ATTN_GPU_MAX_ROWS / 2][2];
    for (int m = 0; m < mt; ++m)
      for (int h = 0; h < pair; ++h) {
        int64_t off = qr->base + 16 * m * qr->stride + 16 * (ch + h);
        a[m][h] = ldmatrix(L, b, qAt, off, 4, false);
      }
    for (int t = 0; t < ncb; ++t) {
      MlirValue kf =
          ldmatrix(L, b, laneK, kr->base + 8 * t * kr->stride + 16 * ch, 2 * pair, false);
      for (int h = 0; h < pair; ++h) {
        MlirValue bf = pair == 1 ? kf : twoRows(L, b, kf, 2 * h);
        for (int m = 0; m < mt; ++m)
          c[m][t] = mma(L, b, a[m][h], bf, c[m][t]);
      }
    }
  }
  for (int m = 0; m < mt; ++m)
    for (int t = 0; t < ncb; ++t)
      putCFrag(L, b, c[m][t], blocks, ncb, m, t);
}

/* Whether a Q K^T with attn.k_per_warp = kpw (over `cols` head-dim
 * columns) can be split: a located error if not. */
static bool splitFits(AttnGpuLower *L, MlirOperation op, int64_t kpw, int64_t cols, MlirValue acc) {
  const char *why = N(L)->wg    ? "wgmma computes S per warpgroup"
                    : L->G <= 1 ? "the kernel has no column split (attn.warp_cols)"
                    : kpw % 16 || kpw * L->G != cols
                        ? "it must be the head dim / attn.warp_cols, a multiple of 16"
                    : N(L)->xElems <= 0
                        ? "Q is not staged in shared memory (attn.layout = \"smem.pad8\")"
                    : !isZero(acc) ? "its accumulator is not zero (each partial would add it)"
                                   : NULL;
  if (!why)
    return true;
  char msg[240];
  snprintf(msg, sizeof(msg), "has attn.k_per_warp = %lld, which does not fit: %s", (long long)kpw,
           why);
  attnGpuFail(L, op, msg);
  return false;
}

/* 16-bit vector<4> load / store of shared element `at`, 8-byte aligned: a
 * lane's two f32 of one block of a partial S. */
static MlirValue loadPair(AttnGpuLower *L, AttnBuilder *b, MlirValue at) {
  MlirValue ops[2] = {L->smem, at};
  MlirNamedAttribute align =
      attnNamedAttr(b, "alignment", mlirIntegerAttrGet(mlirIntegerTypeGet(L->ctx, 64), 8));
  MlirValue v = attnGpuOp1(b, "vector.load", 2, ops, attnGpuVecT(4, L->elem), 1, &align);
  return attnOp1(b, "vector.bitcast", 1, &v, attnGpuVecT(2, mlirF32TypeGet(L->ctx)));
}

static void storePair(AttnGpuLower *L, AttnBuilder *b, MlirValue v, MlirValue at) {
  MlirValue h = attnOp1(b, "vector.bitcast", 1, &v, attnGpuVecT(4, L->elem));
  MlirValue ops[3] = {h, L->smem, at};
  MlirNamedAttribute align =
      attnNamedAttr(b, "alignment", mlirIntegerAttrGet(mlirIntegerTypeGet(L->ctx, 64), 8));
  attnBuildOp(b, "vector.store", 3, ops, 0, NULL, 1, &align, 0, NULL);
}

/* S = the sum of the G partial products of a row group's warps (a split
 * Q K^T, attn.k_per_warp). Each warp stores its nb blocks (2 f32 a lane)
 * in its region of the exchange, lane-major per block (a warp's store is
 * 256 consecutive bytes: no bank conflicts), and after a CTA barrier every
 * warp sums the G regions of its row group in the same order: the warps of
 * a row group hold bitwise the same S, so their softmax statistics agree.
 * The barrier before the stores keeps them from overwriting partials that
 * a slower warp still reads (the previous tile's). */
static void sumPartialS(AttnGpuLower *L, AttnBuilder *b, int nb, MlirValue *blocks) {
  NvState *s = N(L);
  int64_t per = (int64_t)nb * WARP * 4; /* 16-bit elements of a warp's region */
  MlirValue lane = attnAddI(b, cIdx(b, s->xBase), attnMulI(b, s->lane, cIdx(b, 4)));
  MlirValue warp = attnGpuUDiv(b, L->tid, WARP);
  MlirValue mine = attnAddI(b, lane, attnMulI(b, warp, cIdx(b, per)));
  attnGpuBarrier(b);
  for (int j = 0; j < nb; ++j)
    storePair(L, b, blocks[j], attnAddI(b, mine, cIdx(b, (int64_t)j * WARP * 4)));
  attnGpuBarrier(b);
  MlirValue group0 = attnAddI(b, lane, attnMulI(b, s->rowWarp, cIdx(b, per * L->G)));
  for (int j = 0; j < nb; ++j)
    for (int g = 0; g < L->G; ++g) {
      MlirValue at = attnAddI(b, group0, cIdx(b, g * per + (int64_t)j * WARP * 4));
      MlirValue part = loadPair(L, b, at);
      blocks[j] = g == 0 ? part : attnBinary(b, "arith.addf", blocks[j], part);
    }
}

/* S = Q K^T: n-tile t of S is keys [8t, 8t + 8). The B fragment of k-chunk
 * c is K[8t + quad][16c + 2q (+8)]: ldmatrix.x4 with lane l addressing row
 * 8t + l%8 at column 16c + 8(l/8) reads chunks c and c+1 at once. */
static void lowerQK(AttnGpuLower *L, AttnBuilder *b, MlirOperation op) {
  MlirValue q = mlirOperationGetOperand(op, 0), k = mlirOperationGetOperand(op, 1),
            acc = mlirOperationGetOperand(op, 2), res = mlirOperationGetResult(op, 0);
  AttnRep *qr = attnGpuFind(L, q);
  AttnRep *kr = attnGpuSmemOperand(L, op, k);
  if (!kr)
    return;
  /* mma.sync reads B fragments of any shared tile (ldmatrix); the wgmma
   * path's buffers and descriptors are per role. */
  if (!qr || qr->kind != ATTN_REP_QFRAG || (N(L)->wg && kr->slot != 0)) {
    attnGpuFail(L, op, "must multiply the Q tile read by a K tile read");
    return;
  }
  int mt = N(L)->MT, chunks = qr->blocks ? qr->nb / mt : (int)(qr->cols / 16),
      ncb = (int)(kr->rows / 8);
  MlirValue *qf = qr->blocks, blocks[ATTN_GPU_MAXB];
  if ((int64_t)chunks * 16 != kr->cols || !accBlocks(L, b, op, acc, blocks, L->RL * ncb))
    return;
  int64_t kpw = intAttr(op, "attn.k_per_warp");
  if (kpw && !splitFits(L, op, kpw, kr->cols, acc))
    return;
  if (N(L)->wg) {
    AttnWgmmaTile qt = {qr->rows, qr->cols, qr->base, attnNullValue()},
                  kt = {kr->rows, kr->cols, kr->base, kr->dynBase};
    bool zero = isZero(acc);
    turnBegin(L, b, op);
    putPending(L, op, res, attnWgmmaQK(L, b, &N(L)->wl, &qt, &kt, zero ? NULL : blocks),
               L->RL * ncb, kr->release);
    turnEnd(L, b, op);
    return;
  }
  if (kpw) {
    MlirValue group = attnGpuURem(b, attnGpuUDiv(b, L->tid, WARP), L->G);
    qkSharedQ(L, b, qr, kr, (int)(kpw / 16), ncb, blocks, attnMulI(b, group, cIdx(b, kpw)));
    sumPartialS(L, b, L->RL * ncb, blocks);
    attnGpuPutTile(L, res, L->RL * ncb, blocks);
    return;
  }
  if (!qf) {
    qkSharedQ(L, b, qr, kr, chunks, ncb, blocks, attnNullValue());
    attnGpuPutTile(L, res, L->RL * ncb, blocks);
    return;
  }
  MlirValue laneK = ldmatrixLane(L, b, kr->stride, false);
  laneK = fragAddr(L, b, laneK, kr->dynBase);
  for (int t = 0; t < ncb; ++t) {
    MlirValue c[ATTN_GPU_MAX_ROWS / 2];
    for (int m = 0; m < mt; ++m)
      c[m] = cFrag(L, b, blocks, ncb, m, t);
    for (int ch = 0; ch < chunks; ch += 2) {
      int tiles = ch + 1 < chunks ? 4 : 2;
      MlirValue kf = ldmatrix(L, b, laneK, kr->base + 8 * t * kr->stride + 16 * ch, tiles, false);
      for (int h = 0; h < tiles / 2; ++h) {
        MlirValue bf = tiles == 2 ? kf : twoRows(L, b, kf, 2 * h);
        for (int m = 0; m < mt; ++m)
          c[m] = mma(L, b, qf[m * chunks + ch + h], bf, c[m]);
      }
    }
    for (int m = 0; m < mt; ++m)
      putCFrag(L, b, c[m], blocks, ncb, m, t);
  }
  attnGpuPutTile(L, res, L->RL * ncb, blocks);
}

/* O += P V: k-chunk j of P (keys [16j, 16j + 16)) is P's blocks of n-tiles
 * 2j and 2j+1; the B fragment of head-dim n-tile u is V[16j + 2q (+8)][8u +
 * quad]: ldmatrix.x4.trans with lane l addressing key 16j + l%8 + 8((l/8)%2)
 * at column 8u + 8(l/16) reads n-tiles u and u+1 at once. */
static void lowerPV(AttnGpuLower *L, AttnBuilder *b, MlirOperation op) {
  MlirValue p = mlirOperationGetOperand(op, 0), v = mlirOperationGetOperand(op, 1),
            acc = mlirOperationGetOperand(op, 2), res = mlirOperationGetResult(op, 0);
  AttnRep *vr = attnGpuSmemOperand(L, op, v);
  if (!vr)
    return;
  MlirValue pb[ATTN_GPU_MAXB];
  int np = 0;
  if (!attnGpuTileBlocks(L, b, op, p, pb, &np))
    return;
  /* nd: the n-tiles of this warp's columns (all of them, or its share of
   * a tile split among the warps: attn.warp_cols) */
  int mt = N(L)->MT, npt = np / L->RL, nd = (int)(attnGpuOwnCols(L, vr->cols) / 8),
      chunks = (int)(vr->rows / 16);
  if (N(L)->wg && attnGpuOwnCols(L, vr->cols) != vr->cols) {
    attnGpuFail(L, op, "splits the columns of a wgmma P V product among warps (mma.sync only)");
    return;
  }
  if ((N(L)->wg && vr->slot != 1) || !mlirTypeEqual(attnGpuElemOf(p), L->elem) ||
      (int64_t)npt * 8 != vr->rows) {
    attnGpuFail(L, op, "has a P tile that does not match the V tile");
    return;
  }
  if (N(L)->wg) {
    MlirValue blocks[ATTN_GPU_MAXB];
    if (!accBlocks(L, b, op, acc, blocks, L->RL * nd))
      return;
    AttnWgmmaTile vt = {vr->rows, vr->cols, vr->base, vr->dynBase};
    turnBegin(L, b, op);
    putPending(L, op, res, attnWgmmaPV(L, b, &N(L)->wl, pb, &vt, vr->blocks, blocks), L->RL * nd,
               vr->release);
    turnEnd(L, b, op);
    return;
  }
  MlirValue afrag[ATTN_GPU_MAX_ROWS / 2][ATTN_GPU_MAXB / 4];
  for (int m = 0; m < mt; ++m)
    for (int j = 0; j < chunks; ++j) {
      MlirValue parts[4] = {pb[2 * m * npt + 2 * j], pb[(2 * m + 1) * npt + 2 * j],
                            pb[2 * m * npt + 2 * j + 1], pb[(2 * m + 1) * npt + 2 * j + 1]};
      afrag[m][j] = shapeCast(b, concat4(L, b, parts), vec2T(4, 2, L->elem));
    }
  MlirValue blocks[ATTN_GPU_MAXB];
  if (!accBlocks(L, b, op, acc, blocks, L->RL * nd))
    return;
  MlirValue laneV = ldmatrixLane(L, b, vr->stride, true);
  if (attnGpuOwnCols(L, vr->cols) != vr->cols) /* the warp's first column */
    laneV = attnAddI(b, laneV, L->warpColIdx);
  laneV = fragAddr(L, b, laneV, vr->dynBase);
  for (int u = 0; u < nd; u += 2) {
    int tiles = u + 1 < nd ? 4 : 2;
    MlirValue c[ATTN_GPU_MAX_ROWS / 2][2];
    for (int m = 0; m < mt; ++m)
      for (int h = 0; h < tiles / 2; ++h)
        c[m][h] = cFrag(L, b, blocks, nd, m, u + h);
    for (int j = 0; j < chunks; ++j) {
      MlirValue vf = ldmatrix(L, b, laneV, vr->base + 16 * j * vr->stride + 8 * u, tiles, true);
      for (int h = 0; h < tiles / 2; ++h) {
        MlirValue bf = tiles == 2 ? vf : twoRows(L, b, vf, 2 * h);
        for (int m = 0; m < mt; ++m)
          c[m][h] = mma(L, b, afrag[m][j], bf, c[m][h]);
      }
    }
    for (int m = 0; m < mt; ++m)
      for (int h = 0; h < tiles / 2; ++h)
        putCFrag(L, b, c[m][h], blocks, nd, m, u + h);
  }
  attnGpuPutTile(L, res, L->RL * nd, blocks);
}

/*===--- Lanes, math, set-up ---------------------------------------------------===*/

/* The four lanes of a quad hold one row. */
static MlirValue reduceLanes(AttnGpuLower *L, AttnBuilder *b, const char *combine, MlirValue x) {
  for (int offset = 1; offset < 4; offset *= 2)
    x = attnBinary(b, combine, x, attnGpuShuffleXor(L, b, x, offset));
  return x;
}

/* ex2.approx / lg2.approx: 2 ulp, the MUFU instructions FA2 and cuDNN use
 * too. Inputs here are logit differences <= 0 and sums >= 1. */
static MlirValue intrinsic(AttnGpuLower *L, AttnBuilder *b, const char *name, MlirValue x) {
  int32_t segments[2] = {1, 0}; /* one argument, no operand bundles */
  MlirNamedAttribute a[3] = {
      attnNamedAttr(b, "intrin", mlirStringAttrGet(L->ctx, mlirStringRefCreateFromCString(name))),
      attnNamedAttr(b, "operandSegmentSizes", mlirDenseI32ArrayGet(L->ctx, 2, segments)),
      attnNamedAttr(b, "op_bundle_sizes", mlirDenseI32ArrayGet(L->ctx, 0, NULL))};
  return attnGpuOp1(b, "llvm.call_intrinsic", 1, &x, mlirValueGetType(x), 3, a);
}

static MlirValue exp2F32(AttnGpuLower *L, AttnBuilder *b, MlirValue x) {
  return intrinsic(L, b, "llvm.nvvm.ex2.approx.f32", x);
}

static MlirValue log2F32(AttnGpuLower *L, AttnBuilder *b, MlirValue x) {
  return intrinsic(L, b, "llvm.nvvm.lg2.approx.f", x);
}

static void laneValues(AttnGpuLower *L, AttnBuilder *b) {
  NvState *s = N(L);
  MlirValue warp = attnGpuUDiv(b, L->tid, WARP), lane = attnGpuURem(b, L->tid, WARP);
  s->quad = attnGpuUDiv(b, lane, 4);
  s->q = attnGpuURem(b, lane, 4);
  /* warps are row groups x G column groups (attn.warp_cols): warp w owns
   * rows of group w / G and, of the split tiles, columns of group w % G */
  s->rowWarp = L->G > 1 ? attnGpuUDiv(b, warp, L->G) : warp;
  MlirValue warpRow = attnMulI(b, s->rowWarp, cIdx(b, 16 * (int64_t)s->MT));
  for (int m = 0; m < s->MT; ++m)
    for (int h = 0; h < 2; ++h)
      L->rowBase[2 * m + h] = attnAddI(b, warpRow, attnAddI(b, s->quad, cIdx(b, 16 * m + 8 * h)));
  L->colLaneIdx = attnMulI(b, s->q, cIdx(b, 2));
  L->colLane = attnGpuNarrow(b, L->colLaneIdx);
  L->rowOwner = attnCmpI(b, ATTN_CMPI_EQ, s->q, cIdx(b, 0));
  if (L->G > 1) {
    MlirValue group = attnGpuURem(b, warp, L->G);
    L->warpColIdx = attnMulI(b, group, cIdx(b, L->splitCols / L->G));
    /* row vectors (lse) are stored by one column group */
    L->rowOwner = attnAndI(b, L->rowOwner, attnCmpI(b, ATTN_CMPI_EQ, group, cIdx(b, 0)));
  }
  s->lane = lane;
  if (L->backward) {
    MlirValue p =
        attnOp1(b, "memref.extract_aligned_pointer_as_index", 1, &L->smem, attnIndexType(b));
    s->smem32 = attnOp1(b, "arith.index_cast", 1, &p, attnIntType(b, 32));
  }
  s->vBase = L->smemKV / 2;
  s->qBase = L->smemKV;
  if (s->wg)
    s->wl = attnWgmmaLanes(L, b);
}

/* ldmatrix row addresses relative to a tile's (row 0, col 0): lane l
 * addresses row l % 8 (+ 8 for the second matrix of a pair when `keyPairs`)
 * of matrix l / 8. */
static MlirValue ldmatrixLane(AttnGpuLower *L, AttnBuilder *b, int64_t stride, bool keyPairs) {
  NvState *s = N(L);
  MlirValue r = attnGpuURem(b, s->lane, 8), m = attnGpuUDiv(b, s->lane, 8);
  if (!keyPairs) /* K: matrix m is columns [8m, 8m + 8) */
    return attnAddI(b, attnMulI(b, r, cIdx(b, stride)), attnMulI(b, m, cIdx(b, 8)));
  /* V: matrices (keys +0, +8) x (columns +0, +8) */
  MlirValue key = attnAddI(b, r, attnMulI(b, attnGpuURem(b, m, 2), cIdx(b, 8)));
  MlirValue col = attnMulI(b, attnGpuUDiv(b, m, 2), cIdx(b, 8));
  return attnAddI(b, attnMulI(b, key, cIdx(b, stride)), col);
}

/* A string attribute of `op`, compared with `want` (null: present at all). */
static bool hasString(MlirOperation op, const char *name, const char *want, size_t prefix) {
  MlirAttribute a = attnGetAttr(op, name);
  if (mlirAttributeIsNull(a) || !mlirAttributeIsAString(a))
    return false;
  MlirStringRef s = mlirStringAttrGetValue(a);
  size_t n = prefix ? prefix : strlen(want);
  return s.length >= n && !strncmp(s.data, want, n) && (prefix || s.length == n);
}

typedef struct {
  const char *part; /* null: any */
  MlirOperation found;
} FindPipelined;

static MlirWalkResult findPipelined(MlirOperation op, void *userData) {
  FindPipelined *f = userData;
  if (attnIsOp(op, "scf.for") && !mlirAttributeIsNull(attnGetAttr(op, "attn.pipeline")) &&
      (!f->part || isPart(op, f->part))) {
    f->found = op;
    return MlirWalkResultInterrupt;
  }
  return MlirWalkResultAdvance;
}

/* The first loop of the kernel that attn-gpu-pipeline marked `part` (null:
 * any part: a split K/V loop, or the backward's prefetch), or null. */
static MlirOperation pipelinedLoop(MlirOperation func, const char *part) {
  FindPipelined f = {part, {NULL}};
  mlirOperationWalk(func, findPipelined, &f, MlirWalkPreOrder);
  return f.found;
}

/* Reads attn-gpu-layout's decisions: the matmul form and where Q lives. */
static bool readLayout(AttnGpuLower *L, MlirOperation func, bool matmul) {
  NvState *s = N(L);
  if (!matmul)
    return true;
  bool wg = hasString(func, "attn.mma", "wgmma", 0);
  if (!wg && !hasString(func, "attn.mma", "mma_sync", 0)) {
    attnEmitOpError(func, passName,
                    "has no attn.mma = \"wgmma\" | \"mma_sync\": run attn-gpu-layout first");
    return false;
  }
  s->wg = wg;
  if (wg && (L->bm % 64 || L->W * 16 != L->bm)) {
    attnEmitOpError(func, passName,
                    "has attn.mma = \"wgmma\" but block_m and num_warps are not whole "
                    "warpgroups of 64 rows");
    return false;
  }
  if (wg)
    L->smemAlign = ATTN_WGMMA_ALIGN; /* 128-byte swizzle atoms */
  /* the backward's loops prefetch their tiles into a ring (prefetchRead) */
  MlirOperation prefetch = pipelinedLoop(func, "prefetch");
  if (!mlirOperationIsNull(prefetch) && (wg || !L->backward)) {
    attnEmitOpError(prefetch, passName,
                    "is marked attn.pipeline = \"prefetch\", which only the loops of the "
                    "backward's mma.sync kernels take");
    return false;
  }
  s->ring = (wg || L->backward) && !mlirOperationIsNull(pipelinedLoop(func, NULL));
  s->ws = hasString(func, "attn.schedule", "warp-specialized", 0);
  if (s->ws && (!wg || L->W != 8)) {
    attnEmitOpError(func, passName,
                    "has attn.schedule = \"warp-specialized\", which needs a wgmma kernel of "
                    "two consumer warpgroups (block_m 128, num_warps 8)");
    return false;
  }
  if (s->ws) {
    L->producerWarps = WS_PRODUCER_WARPS;
    MlirAttribute ring = attnGetAttr(func, "attn.ring");
    s->wsStages = mlirAttributeIsNull(ring)       ? 2
                  : mlirAttributeIsAInteger(ring) ? (int)mlirIntegerAttrGetValueInt(ring)
                                                  : 0;
    if (s->wsStages < 2 || s->wsStages > 4) {
      attnEmitOpError(func, passName, "has an attn.ring other than 2, 3 or 4 buffers");
      return false;
    }
    MlirAttribute regs = attnGetAttr(func, "attn.producer_regs");
    int64_t p = mlirAttributeIsNull(regs)       ? WS_PRODUCER_REGS
                : mlirAttributeIsAInteger(regs) ? mlirIntegerAttrGetValueInt(regs)
                                                : 0;
    /* setmaxnreg takes multiples of 8 in [24, 256]; the consumers' share
     * must be one too. */
    if (p < 24 || p > 256 || p % 8 || consumerRegs((int)p) < 24) {
      attnEmitOpError(func, passName,
                      "has an attn.producer_regs that is not a multiple of 8 in [24, 256] "
                      "leaving the consumers at least 24 (setmaxnreg)");
      return false;
    }
    s->wsProducerRegs = (int)p;
  }
  return true;
}

static bool setUp(AttnGpuLower *L, MlirOperation func, MlirAttribute kernel) {
  (void)kernel; /* the core read chip, block_m and num_warps */
  const char *chip = L->chip;
  char msg[256];
  L->state = calloc(1, sizeof(NvState));
  if (!L->state) {
    attnEmitOpError(func, passName, "ran out of memory");
    return false;
  }
  if (strcmp(chip, "sm_90a")) {
    snprintf(msg, sizeof(msg),
             "was tiled for target '%s'; the NVIDIA lowering needs sm_90a "
             "(attn-tile{target=sm_90a})",
             chip);
    attnEmitOpError(func, passName, msg);
    return false;
  }
  /* A kernel without matmuls (the paged merge kernel) fills no MMA tile:
   * one 16-row tile per warp halves the rows, and so the registers, of a
   * lane (a 128-row merge would otherwise spill its two 128 x Dv tiles). */
  bool matmul = attnGpuHasMatmul(func);
  if (!matmul && L->bm > 0 && L->bm % 16 == 0 && L->G * L->bm / 16 <= 1024 / WARP)
    L->W = (int)(L->G * L->bm / 16);            /* G column groups of them (attn.warp_cols) */
  int rowWarps = L->G > 1 ? L->W / L->G : L->W; /* the rest split columns */
  if (L->W <= 0 || L->bm <= 0 || L->bm % rowWarps ||
      (L->bm / rowWarps != 16 && L->bm / rowWarps != 32)) {
    char groups[48] = "";
    if (L->G > 1)
      snprintf(groups, sizeof(groups), " (%d column groups)", L->G);
    snprintf(msg, sizeof(msg),
             "has block_m %lld and num_warps %d%s: each warp must own 16 or 32 query rows "
             "(one or two m16n8k16 tiles)",
             (long long)L->bm, L->W, groups);
    attnEmitOpError(func, passName, msg);
    return false;
  }
  /* A kernel without matmuls (the paged merge kernel) has no Q: it only
   * uses the fragment layout, whatever its dtypes. An fp8 Q (attn.mha's
   * fp8 kernels) computes in out's 16-bit type. */
  MlirBlock old = mlirRegionGetFirstBlock(mlirOperationGetRegion(func, 0));
  MlirType qElem = mlirShapedTypeGetElementType(mlirValueGetType(mlirBlockGetArgument(old, 0)));
  if (!matmul)
    qElem = mlirF32TypeGet(L->ctx);
  else if (attnIsFp8Type(qElem))
    qElem = attnGpuFp8MathType(old);
  if (mlirTypeIsNull(qElem) || (matmul && !mlirTypeIsAF16(qElem) && !mlirTypeIsABF16(qElem))) {
    attnEmitOpError(func, passName, "has inputs that are not f16 or bf16 (mma.sync needs them)");
    return false;
  }
  L->elem = qElem;
  if (!readLayout(L, func, matmul))
    return false;
  N(L)->MT = (int)(L->bm / rowWarps / 16);
  L->RL = 2 * N(L)->MT;
  L->CB = 8;
  L->CE = 2;
  L->storeRun = 2;
  L->colBase[0] = 0;
  L->colBase[1] = 1;
  return true;
}

static const AttnGpuTarget nvTarget = {
    .passName = "attn-lower-nvgpu",
    .vendor = "NVIDIA",
    .warpSize = WARP,
    .exp2 = exp2F32,
    .log2 = log2F32,
    .setUp = setUp,
    .laneValues = laneValues,
    .sharedElems = sharedElems,
    .sharedElemsQ = sharedElemsQ,
    .readQ = readQ,
    .readTile = readTile,
    .lowerQK = lowerQK,
    .lowerPV = lowerPV,
    .loopIndex = loopIndex,
    .reduceLanes = reduceLanes,
    .settle = settle,
    .rolesBegin = rolesBegin,
    .roleBegin = roleBegin,
    .roleEnd = roleEnd,
};

/* f32 adds, subtracts and multiplies of the kernels may contract into FMAs
 * (fastmath<contract>): the softmax's scale-and-subtract becomes one FFMA,
 * as in FA2/FA3 (and more accurate, not less). Without the flag LLVM emits
 * `mul.rn` / `sub.rn`, which ptxas must not fuse. */
static MlirWalkResult allowContract(MlirOperation op, void *userData) {
  MlirAttribute contract = *(MlirAttribute *)userData;
  if (attnIsOp(op, "arith.mulf") || attnIsOp(op, "arith.addf") || attnIsOp(op, "arith.subf"))
    mlirOperationSetInherentAttributeByName(op, mlirStringRefCreateFromCString("fastmath"),
                                            contract);
  return MlirWalkResultAdvance;
}

static void run(MlirOperation root, MlirExternalPass pass) {
  attnGpuLowerRun(root, pass, &nvTarget);
  MlirAttribute contract = mlirAttributeParseGet(
      mlirOperationGetContext(root), mlirStringRefCreateFromCString("#arith.fastmath<contract>"));
  MlirBlock top = mlirRegionGetFirstBlock(mlirOperationGetRegion(root, 0));
  for (MlirOperation o = mlirBlockGetFirstOperation(top); !mlirOperationIsNull(o);
       o = mlirOperationGetNextInBlock(o))
    if (attnIsOp(o, "gpu.module"))
      mlirOperationWalk(o, allowContract, &contract, MlirWalkPreOrder);
}

static const int64_t passId = 0;

static const AttnPassInfo info = {&passId, "AttnLowerNvgpu", "attn-lower-nvgpu",
                                  "Lower kernel IR to NVIDIA GPU kernels (gpu.func with mma.sync, "
                                  "ldmatrix, cp.async K/V pipelining and warp reductions) launched "
                                  "by gpu.launch_func",
                                  run};

MlirPass attnCreateLowerNvgpuPass(void) { return attnCreatePass(&info); }
