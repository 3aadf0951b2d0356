/*===- attn-online-softmax.c - attention ops -> flash-attention kernel IR -===*
 *
 * Each attn.mha / attn.mha_varlen that attn-gqa-map and attn-tile have
 * annotated becomes
 *
 *   - a kernel function @<func>_attn<N>: ONE program of the grid, i.e. one
 *     BLOCK_M tile of query rows of one (batch, head). It takes the operands
 *     as strided memrefs (unit stride on the head dim only; strides are read
 *     at run time, so BHSD, BSHD and packed layouts need no copies) and the
 *     program ids (pid_x, pid_y, pid_z) as index arguments;
 *   - a private declaration @__attn_launch_<kernel> with the same operands
 *     and the grid size in place of the ids: "run every program of the grid,
 *     in any order, possibly at once". Backends define it (attn-cpu-launch:
 *     the runtime's thread pool; GPU backends: a kernel launch);
 *   - in the user's function: buffers for the results, the grid from the
 *     attn.grid map, one call of the launch.
 *
 * The kernel body is the online softmax over KV tiles (FlashAttention-2):
 *
 *   q  = read Q tile                           vector<BM x D x E>
 *   for each KV tile n0 (three ranges, below):
 *     s  = contract(q, K tile^T)               vector<BM x BN x f32>
 *     t  = s * scale * log2(e)                 (softcap: c*log2e * tanh(s * scale / c))
 *          [alibi: t -= slope * log2(e) * |i + off - j|]
 *          [masked range: t = visible(i, j) ? t : -inf]
 *     mn = max(m, rowmax(t))                   running max, log2 domain
 *     p  = exp2(t - mn);  alpha = exp2(m - mn)
 *     l  = l * alpha + rowsum(p)
 *     acc = acc * alpha + contract(p, V tile)
 *   out = l > 0 ? acc / l : 0;   lse = l > 0 ? (m + log2 l) * ln 2 : -inf
 *
 * With fold-scale (the default; foldedScale) plain logits stay unscaled in
 * the loops: m is the max of s, p = exp2(s * c - m * c) (one FMA on a GPU),
 * and m * c enters the epilogue (docs/kernel-ir.md, "Folded scale").
 *
 * Sinks (one logit per head that joins every row's denominator without a
 * value) enter only here, after the last KV tile: with sk = sink * log2(e)
 * and M = max(m, sk), l' = l * exp2(m - M) + exp2(sk - M),
 * out = acc * exp2(m - M) / l', lse = (M + log2 l') * ln 2. A paged op's
 * split kernels leave them out; its merge kernel adds them once.
 *
 * fp8 (docs/fp8.md): fp8 tiles are read as stored and dequantized right
 * after the load (arith.extf to the 16-bit type the math runs in, exact);
 * q_descale * k_descale (or a cache's k_scale) is one factor per program,
 * folded into the logits' multiply, v_descale (v_scale) one in the
 * epilogue; per-token cache scales are read with each KV tile and multiply
 * the logits' and P's columns.
 *
 * Tiles are vector values, the tile matmuls vector.contract (QK^T: B
 * transposed; PV: plain) with f16/bf16 operands accumulating in f32, the row
 * reductions vector.multi_reduction, the exponential math.exp2: every role is
 * one explicit op with static tile shapes, which is what the backends match.
 *
 * KV ranges. From the tile's first and last real query rows the kernel
 * computes [lo, hi), the keys any row of the tile can see, and inside it the
 * whole BLOCK_N tiles [u0, u1) that every row sees completely. Tiles in
 * [lo, u0) and [u1, hi) (window edges, the causal diagonal, the ragged tail)
 * run the body with mask arithmetic; [u0, u1) runs it without; keys outside
 * [lo, hi) are never visited, so causal attention does about half the work.
 * In a masked tile a row may see no key yet: its max stays -inf and the
 * exponentials use 0 in its place, so such rows carry l = 0 and produce 0.
 *
 * Window sizes are clamped to 2^40 keys: any larger window is unbounded for
 * every sequence that fits in memory, and the clamp keeps the range
 * arithmetic free of overflow.
 *
 *===----------------------------------------------------------------------===*/

#include "Builder.h"
#include "Dropout.h"
#include "MaskMod.h"
#include "PassUtil.h"
#include "Passes.h"

#include "mlir-c/BuiltinAttributes.h"
#include "mlir-c/BuiltinTypes.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const int64_t windowClamp = (int64_t)1 << 40;

/* C11 <math.h> does not promise log2e / ln2. */
static const double log2e = 1.4426950408889634074, ln2 = 0.69314718055994530942;

/* Everything the kernel depends on, read from the op and its annotations. */
typedef enum { KIND_MHA, KIND_VARLEN, KIND_PAGED } OpKind;

typedef struct {
  OpKind kind;
  bool varlen, paged, decode, hasAlibi, hasSinks, hasLse;
  /* attn.mla: a paged decode op over one latent cache (NB x BS x D) whose
   * first dv columns are V; its PV matmul reads the K tile (docs/mla.md). */
  bool mla;
  bool causal, hasWindowLeft, hasRightBound, hasSoftcap;
  int64_t windowLeft, rightBound; /* rightBound: causal ? 0 : window_right */
  double scale, softcap;
  int64_t hq, d, dv, blockM, blockN;
  /* The tiles' columns: d and dv, or wider where attn-tile padded them to
   * a GPU's matrix granule (d_tile, dv_tile); the extra columns read as 0
   * (so they add nothing to Q K^T) and are never written. */
  int64_t dt, dvt;
  int64_t hkv, bs, kvSplits; /* paged: KV heads, block size, fixed splits (0: chosen) */
  MlirType elem;             /* element type of out (and of q, k, v unless fp8) */
  /* fp8 (docs/fp8.md): attn.mha / attn.mha_varlen's q, k, v, or
   * attn.paged_attention's caches, of type inElem (f8E4M3FN or
   * f8E4M3FNUZ), dequantized after each load (arith.extf to elem, exact)
   * and scaled by the descales (q, k, v) or the cache scales (k, v: slots
   * 1 and 2), whose ranks are descaleRank (0; 1: Hkv; 2: B x Hkv; 3:
   * NB x BS x Hkv, per token). */
  bool fp8;
  MlirType inElem;
  int descaleRank[3];
  /* SAGE (docs/fp8.md, "SAGE"): i8 q and k (Q K^T an i8 x i8 -> i32
   * matmul, converted to f32 and scaled per row and per key), v of type
   * inElem (fp8, dequantized as fp8's), descales B x H x N per block of
   * qScaleBlock rows / kScaleBlock keys and B x Hkv x Dv per V channel;
   * with hasKMean, k_mean's term added to lse. fp8 is false then. */
  bool sage, hasKMean;
  int64_t qScaleBlock, kScaleBlock;
  MlirAffineMap kvHeadMap, gridMap;
  MlirAttribute tile; /* attn.tile, copied onto the kernel */
  AttnDropout dropout;
  bool foldScale; /* the pass option fold-scale (foldedScale) */
  /* fp8-p: P rounded to e4m3 (inElem) for an fp8 P V product, scaled by
   * 2^pShift so that its small values keep their precision (docs/fp8.md);
   * fp8 attn.mha / mha_varlen without dropout only */
  bool fp8P;
  int pShift;
  /* Block mask (docs/masks.md): the op (for its mask_mod region, or null),
   * whether full blocks are listed, the block sizes. */
  bool hasBlockMask, hasFullBlocks;
  MlirOperation maskOp;
  int64_t qBlock, kvBlock;
} Spec;

/* attn-online-softmax{fold-scale=true|false}. */
typedef struct {
  bool foldScale;
  bool fp8P; /* fp8-p: P in e4m3 for fp8 kernels (work in progress: no GPU lowers it yet) */
} SoftmaxOptions;

/* The block mask's tensors in a program (full ones null when absent) and
 * the (batch or sequence, head) its rows belong to. */
typedef struct {
  MlirValue num, idx, fullNum, fullIdx;
  MlirValue batch, head;
} BlockMask;

/* How a tile is read from / written to a memref: fixed indices plus the
 * memref dims that carry the tile's rows and columns (colDim < 0: 1-D). */
typedef struct {
  MlirValue mem;
  intptr_t rank;
  MlirValue idx[4];
  int rowDim, colDim;
} Access;

/* K and V of a paged cache: row j of the sequence is slot j mod BS of
 * block table[j floordiv BS] (docs/paged.md). */
typedef struct {
  MlirValue kCache, vCache; /* NB x BS x Hkv x D; attn.mla: NB x BS x D, no vCache */
  MlirValue table;          /* the sequence's row of block_tables, 1-D */
  MlirValue kvHead, numBlocks, tableLen;
  /* fp8 caches with per-token scales (NB x BS x Hkv): k_scale / v_scale, or
   * null (then a per-program scalar in Program's qkScale / vScale). */
  MlirValue kScale, vScale;
} Paged;

/* Per-program values shared by the loops and the epilogue. */
typedef struct {
  const Spec *s;
  Access q, k, v, out, lse;
  MlirValue sq, sk, m0, off; /* lengths, first row of the tile, Sk - Sq */
  MlirValue slope2;          /* -slope * log2(e), f32, or null */
  MlirValue slopeRow;        /* the same per row, vector<BM x f32> (GQA-packed rows), or null */
  MlirValue sinkRow;         /* sink * log2(e) per row, vector<BM x f32>, or null */
  MlirValue qkScale, vScale; /* fp8: q_descale * k_descale and v_descale (f32), or null */
  /* SAGE: the descales (B x H x N, f32) and k_mean (B x Hkv x D), the batch
   * (varlen: sequence, clamped) and heads they are read at, whether they
   * may be read at all (null: yes; varlen with B = 0: no), the q scale of
   * each row (vector<BM x f32>) and lse's k_mean term (natural log, or
   * null). */
  struct {
    MlirValue qd, kd, vd, kMean, batch, head, kvHead, hasRows, qRow, lseShift;
  } sage;
  MlirValue qTile;    /* vector<BM x D x E> */
  MlirValue rowIndex; /* vector<BM x index>: i + off of each row */
  /* Positions (i + off) of the tile's first and last real rows; null: from m0, sq, off. */
  MlirValue firstPos, lastPos;
  /* KV split: keys in [kvLo, kvEnd) only; null: all keys. */
  MlirValue kvLo, kvEnd;
  const Paged *paged;    /* K and V through a block table, or null */
  MlirValue dropBH;      /* dropout: b * Hq + h (varlen: b the sequence) */
  AttnDropoutState drop; /* dropout: the run-time seed and offset, or null */
  const BlockMask *mask;
  bool maskMod; /* the KV loop being built applies mask_mod (partial blocks) */
} Program;

static MlirAttribute attr(MlirOperation op, const char *name) {
  return mlirOperationGetInherentAttributeByName(op, mlirStringRefCreateFromCString(name));
}

static int64_t dictInt(MlirAttribute dict, const char *name, int64_t fallback) {
  MlirAttribute a = mlirDictionaryAttrGetElementByName(dict, mlirStringRefCreateFromCString(name));
  return !mlirAttributeIsNull(a) && mlirAttributeIsAInteger(a) ? mlirIntegerAttrGetValueInt(a)
                                                               : fallback;
}

static int64_t clampWindow(int64_t w) { return w > windowClamp ? windowClamp : w; }

/* The block mask's sizes; the kernel's tiles must nest in its blocks: a
 * program's BLOCK_M rows in one query block and each BLOCK_N tile of keys
 * in one key block (docs/masks.md). */
static bool readBlockMaskSpec(MlirOperation op, Spec *s) {
  if (s->paged || mlirValueIsNull(attnOpBlockMask(op, ATTN_KV_NUM_BLOCKS)))
    return true;
  s->hasBlockMask = true;
  s->hasFullBlocks = !mlirValueIsNull(attnOpBlockMask(op, ATTN_FULL_KV_NUM_BLOCKS));
  s->maskOp = op;
  s->qBlock = mlirIntegerAttrGetValueInt(attr(op, "q_block_size"));
  s->kvBlock = mlirIntegerAttrGetValueInt(attr(op, "kv_block_size"));
  if (s->qBlock % s->blockM != 0 || s->kvBlock % s->blockN != 0) {
    char message[300];
    snprintf(message, sizeof(message),
             "has a block mask whose blocks (q_block_size = %lld, kv_block_size = %lld) are not "
             "multiples of the kernel's tile (block_m = %lld, block_n = %lld)",
             (long long)s->qBlock, (long long)s->kvBlock, (long long)s->blockM,
             (long long)s->blockN);
    attnEmitOpError(op, "attn-online-softmax", message);
    return false;
  }
  return true;
}

static void readCommonAttrs(MlirOperation op, Spec *s);
static bool readMlaSpec(MlirOperation op, MlirAttribute tile, Spec *s);

/* fp8 inputs: attn.mha and attn.mha_varlen compute in out's type after
 * dequantizing; attn.paged_attention's fp8 caches are dequantized to q's. */
static bool readFp8Spec(MlirOperation op, Spec *s) {
  if (!attnOpIsFp8(op))
    return true;
  s->fp8 = true;
  if (s->paged) { /* q and out keep their type; the caches are fp8 */
    s->inElem = mlirShapedTypeGetElementType(mlirValueGetType(mlirOperationGetOperand(op, 1)));
    s->descaleRank[1] = (int)mlirShapedTypeGetRank(mlirValueGetType(attnOpScale(op, ATTN_K_SCALE)));
    s->descaleRank[2] = (int)mlirShapedTypeGetRank(mlirValueGetType(attnOpScale(op, ATTN_V_SCALE)));
    return true;
  }
  s->inElem = s->elem;
  s->elem = mlirShapedTypeGetElementType(mlirValueGetType(mlirOperationGetResult(op, 0)));
  for (int i = 0; i < 3; ++i)
    s->descaleRank[i] = (int)mlirShapedTypeGetRank(
        mlirValueGetType(attnOpScale(op, (AttnScaleOperand)(ATTN_Q_DESCALE + i))));
  return true;
}

/* SAGE: i8 q and k, fp8 v; out's type is the 16-bit type of P V. */
static void readSageSpec(MlirOperation op, Spec *s) {
  if (!attnOpIsSage(op))
    return;
  s->sage = true;
  s->inElem = mlirShapedTypeGetElementType(mlirValueGetType(mlirOperationGetOperand(op, 2)));
  s->elem = mlirShapedTypeGetElementType(mlirValueGetType(mlirOperationGetResult(op, 0)));
  s->qScaleBlock = attnOpScaleBlock(op, "q_scale_block");
  s->kScaleBlock = attnOpScaleBlock(op, "k_scale_block");
  s->hasKMean = !mlirValueIsNull(attnOpKMean(op));
}

/* The tiles' head-dim widths (attn.tile's d_tile / dv_tile: padded on GPU
 * targets), at least D and Dv. */
static bool readTileWidths(MlirOperation op, MlirAttribute tile, Spec *s) {
  s->dt = dictInt(tile, "d_tile", s->d);
  s->dvt = dictInt(tile, "dv_tile", s->dv);
  if (s->dt < s->d || s->dvt < s->dv || s->dt > 1024 || s->dvt > 1024) {
    attnEmitOpError(op, "attn-online-softmax",
                    "has an attn.tile whose d_tile / dv_tile are not in [D, 1024]");
    return false;
  }
  return true;
}

static bool readSpec(MlirOperation op, Spec *s) {
  const char *pass = "attn-online-softmax";
  memset(s, 0, sizeof(*s));
  s->varlen = attnIsOp(op, "attn.mha_varlen");
  s->mla = attnIsOp(op, "attn.mla");
  s->paged = attnIsOp(op, "attn.paged_attention") || s->mla;
  s->kind = s->paged ? KIND_PAGED : s->varlen ? KIND_VARLEN : KIND_MHA;
  if (!s->varlen && !s->paged && !attnIsOp(op, "attn.mha")) {
    attnEmitOpError(op, pass, "has no online-softmax lowering");
    return false;
  }
  MlirAttribute map = attnGetAttr(op, "attn.kv_head_map");
  MlirAttribute tile = attnGetAttr(op, "attn.tile");
  MlirAttribute grid = attnGetAttr(op, "attn.grid");
  if (mlirAttributeIsNull(map) || !mlirAttributeIsAAffineMap(map)) {
    attnEmitOpError(op, pass, "needs attn.kv_head_map (run attn-gqa-map first)");
    return false;
  }
  if (mlirAttributeIsNull(tile) || !mlirAttributeIsADictionary(tile) || mlirAttributeIsNull(grid) ||
      !mlirAttributeIsAAffineMap(grid)) {
    attnEmitOpError(op, pass, "needs attn.tile and attn.grid (run attn-tile first)");
    return false;
  }
  s->kvHeadMap = mlirAffineMapAttrGetValue(map);
  s->gridMap = mlirAffineMapAttrGetValue(grid);
  s->tile = tile;
  s->blockM = dictInt(tile, "block_m", 0);
  s->blockN = dictInt(tile, "block_n", 0);
  if (s->blockM <= 0 || s->blockN <= 0 || s->blockM > 1024 || s->blockN > 1024) {
    attnEmitOpError(op, pass, "has an attn.tile without valid block_m / block_n (1..1024)");
    return false;
  }
  s->kvSplits = dictInt(tile, "kv_splits", 1);
  if (!s->paged && s->kvSplits != 1) {
    attnEmitOpError(op, pass,
                    "has kv_splits != 1 in attn.tile: split-KV is implemented for "
                    "attn.paged_attention only");
    return false;
  }
  if (s->kvSplits < 0) {
    attnEmitOpError(op, pass, "has kv_splits < 0 in attn.tile");
    return false;
  }
  if (mlirAffineMapGetNumDims(s->kvHeadMap) != 1 || mlirAffineMapGetNumResults(s->kvHeadMap) != 1 ||
      mlirAffineMapGetNumDims(s->gridMap) != (s->paged ? 3 : 2) ||
      mlirAffineMapGetNumResults(s->gridMap) != 3) {
    attnEmitOpError(op, pass, "has an attn.kv_head_map or attn.grid of the wrong arity");
    return false;
  }
  s->hasAlibi = !mlirValueIsNull(attnOpAlibi(op));
  s->hasSinks = !mlirValueIsNull(attnOpSinks(op));
  s->hasLse = mlirOperationGetNumResults(op) > 1;
  MlirType qType = mlirValueGetType(mlirOperationGetOperand(op, 0));
  MlirType kType = mlirValueGetType(mlirOperationGetOperand(op, 1));
  MlirType vType = mlirValueGetType(mlirOperationGetOperand(op, 2));
  int dDim = s->paged ? 3 : s->varlen ? 2 : 3;
  s->hq = mlirShapedTypeGetDimSize(qType, 1);
  s->d = mlirShapedTypeGetDimSize(qType, s->paged ? 2 : dDim);
  if (s->mla)
    return readMlaSpec(op, tile, s);
  s->dv = mlirShapedTypeGetDimSize(vType, dDim);
  if (s->paged) {
    MlirAttribute mode =
        mlirDictionaryAttrGetElementByName(tile, mlirStringRefCreateFromCString("paged"));
    s->decode =
        !mlirAttributeIsNull(mode) && mlirAttributeIsAString(mode) &&
        mlirStringRefEqual(mlirStringAttrGetValue(mode), mlirStringRefCreateFromCString("decode"));
    s->hkv = mlirShapedTypeGetDimSize(kType, 2);
    s->bs = mlirShapedTypeGetDimSize(kType, 1);
  }
  s->elem = mlirShapedTypeGetElementType(qType);
  if (!readFp8Spec(op, s))
    return false;
  readSageSpec(op, s);
  if (!readTileWidths(op, tile, s))
    return false;
  readCommonAttrs(op, s);
  s->dropout = attnReadDropout(op);
  return readBlockMaskSpec(op, s);
}

/* scale, causal, windows and softcap. */
static void readCommonAttrs(MlirOperation op, Spec *s) {
  MlirAttribute a = attr(op, "scale");
  s->scale = mlirAttributeIsNull(a) ? 1.0 / sqrt((double)s->d) : mlirFloatAttrGetValueDouble(a);
  s->causal = !mlirAttributeIsNull(attr(op, "causal"));
  if (!mlirAttributeIsNull(a = attr(op, "window_left"))) {
    s->hasWindowLeft = true;
    s->windowLeft = clampWindow(mlirIntegerAttrGetValueInt(a));
  }
  s->hasRightBound = s->causal;
  if (!mlirAttributeIsNull(a = attr(op, "window_right"))) {
    s->hasRightBound = true;
    s->rightBound = s->causal ? 0 : clampWindow(mlirIntegerAttrGetValueInt(a));
  }
  if (!mlirAttributeIsNull(a = attr(op, "softcap"))) {
    s->hasSoftcap = true;
    s->softcap = mlirFloatAttrGetValueDouble(a);
  }
}

/* attn.mla: one KV head, V the first kv_lora_rank columns of the cache rows;
 * only the decode kernel (its query heads are the rows). */
static bool readMlaSpec(MlirOperation op, MlirAttribute tile, Spec *s) {
  MlirAttribute mode =
      mlirDictionaryAttrGetElementByName(tile, mlirStringRefCreateFromCString("paged"));
  s->decode =
      !mlirAttributeIsNull(mode) && mlirAttributeIsAString(mode) &&
      mlirStringRefEqual(mlirStringAttrGetValue(mode), mlirStringRefCreateFromCString("decode"));
  if (!s->decode) {
    attnEmitOpError(op, "attn-online-softmax",
                    "needs attn.tile's paged = \"decode\" (attn.mla has the decode kernel only)");
    return false;
  }
  s->dv = mlirIntegerAttrGetValueInt(attr(op, "kv_lora_rank"));
  s->hkv = 1;
  s->bs = mlirShapedTypeGetDimSize(mlirValueGetType(mlirOperationGetOperand(op, 1)), 1);
  s->elem = mlirShapedTypeGetElementType(mlirValueGetType(mlirOperationGetOperand(op, 0)));
  if (!readFp8Spec(op, s) || !readTileWidths(op, tile, s))
    return false;
  /* V is a column slice of the K tile: its tile cannot be wider. */
  if (s->dvt > s->dt) {
    attnEmitOpError(op, "attn-online-softmax",
                    "has an attn.tile whose dv_tile exceeds d_tile (attn.mla's V tile is a "
                    "column slice of its K tile)");
    return false;
  }
  readCommonAttrs(op, s);
  return true;
}

/*===--- Types ---------------------------------------------------------------===*/

static MlirType vec1(int64_t n, MlirType elem) { return mlirVectorTypeGet(1, &n, elem); }
static MlirType vec2(int64_t r, int64_t c, MlirType elem) {
  int64_t shape[2] = {r, c};
  return mlirVectorTypeGet(2, shape, elem);
}

static intptr_t pidTypes(MlirContext ctx, MlirType *types) {
  for (int i = 0; i < 3; ++i)
    types[i] = mlirIndexTypeGet(ctx);
  return 3;
}

/* An fp8 scale's memref: f32 of rank 0 to 3, all strides dynamic. */
static MlirType scaleMemRefType(MlirContext ctx, int rank) {
  MlirType f32 = mlirF32TypeGet(ctx);
  if (rank > 0)
    return attnStridedMemRefType(ctx, rank, mlirShapedTypeGetDynamicSize(), false, f32);
  MlirAttribute layout =
      mlirStridedLayoutAttrGet(ctx, mlirShapedTypeGetDynamicStrideOrOffset(), 0, NULL);
  return mlirMemRefTypeGet(f32, 0, NULL, layout, mlirAttributeGetNull());
}

/* The workspace of the paged split kernel: split_out S x Tq x Hq x Dv and
 * split_lse S x Hq x Tq, f32. */
static intptr_t splitTypes(MlirContext ctx, const Spec *s, MlirType *types) {
  MlirType f32 = mlirF32TypeGet(ctx);
  types[0] = attnStridedMemRefType(ctx, 4, s->dv, true, f32);
  types[1] = attnStridedMemRefType(ctx, 3, mlirShapedTypeGetDynamicSize(), false, f32);
  return 2;
}

/* attn.paged_attention's split kernel: q, k_cache, v_cache, block_tables,
 * seq_lens, query_start_loc, [alibi], [k_scale, v_scale], split_out,
 * split_lse, pids; attn.mla's:
 * q, kv_cache, block_tables, seq_lens, query_start_loc, split_out, split_lse,
 * pids. */
static intptr_t pagedParamTypes(MlirContext ctx, const Spec *s, MlirType *types) {
  intptr_t n = 0;
  int64_t dyn = mlirShapedTypeGetDynamicSize();
  MlirType f32 = mlirF32TypeGet(ctx), i32 = mlirIntegerTypeGet(ctx, 32);
  types[n++] = attnStridedMemRefType(ctx, 3, s->d, true, s->elem);
  if (s->mla) { /* one latent cache, NB x BS x D: V is a prefix of its rows */
    types[n++] = attnStridedMemRefType(ctx, 3, s->d, true, s->fp8 ? s->inElem : s->elem);
  } else {
    MlirType cache = s->fp8 ? s->inElem : s->elem;
    types[n++] = attnStridedMemRefType(ctx, 4, s->d, true, cache);
    types[n++] = attnStridedMemRefType(ctx, 4, s->dv, true, cache);
  }
  types[n++] = attnStridedMemRefType(ctx, 2, dyn, false, i32);
  types[n++] = attnStridedMemRefType(ctx, 1, dyn, false, i32);
  types[n++] = attnStridedMemRefType(ctx, 1, dyn, false, i32);
  if (s->hasAlibi)
    types[n++] = attnStridedMemRefType(ctx, 1, dyn, false, f32);
  /* fp8: k_scale, v_scale; attn.mla's one kv_scale (its K and V are one cache). */
  for (int i = 1; s->fp8 && i < (s->mla ? 2 : 3); ++i)
    types[n++] = scaleMemRefType(ctx, s->descaleRank[i]);
  n += splitTypes(ctx, s, types + n);
  return n + pidTypes(ctx, types + n);
}

/* The merge kernel: split_out, split_lse, [sinks], out, [lse], pids. */
static intptr_t mergeParamTypes(MlirContext ctx, const Spec *s, MlirType *types) {
  intptr_t n = splitTypes(ctx, s, types);
  if (s->hasSinks)
    types[n++] =
        attnStridedMemRefType(ctx, 1, mlirShapedTypeGetDynamicSize(), false, mlirF32TypeGet(ctx));
  types[n++] = attnStridedMemRefType(ctx, 3, s->dv, true, s->elem);
  if (s->hasLse)
    types[n++] =
        attnStridedMemRefType(ctx, 2, mlirShapedTypeGetDynamicSize(), false, mlirF32TypeGet(ctx));
  return n + pidTypes(ctx, types + n);
}

/* The kernel's parameter types, in order: q, k, v, [cu_q, cu_k], [alibi],
 * [sinks], [kv_num_blocks, kv_indices, [full_kv_num_blocks,
 * full_kv_indices]], [q_descale, k_descale, v_descale], [rng_state], out,
 * [lse], pid_x, pid_y, pid_z (the op's operands in order, then its
 * results). */
static intptr_t kernelParamTypes(MlirContext ctx, const Spec *s, MlirType *types) {
  if (s->paged)
    return pagedParamTypes(ctx, s, types);
  intptr_t n = 0, rank = s->varlen ? 3 : 4;
  MlirType f32 = mlirF32TypeGet(ctx), i32 = mlirIntegerTypeGet(ctx, 32);
  MlirType in = s->fp8 ? s->inElem : s->elem;
  MlirType qk = s->sage ? mlirIntegerTypeGet(ctx, 8) : in, vIn = s->sage ? s->inElem : in;
  types[n++] = attnStridedMemRefType(ctx, rank, s->d, true, qk);
  types[n++] = attnStridedMemRefType(ctx, rank, s->d, true, qk);
  types[n++] = attnStridedMemRefType(ctx, rank, s->dv, true, vIn);
  if (s->varlen) {
    types[n++] = attnStridedMemRefType(ctx, 1, mlirShapedTypeGetDynamicSize(), false, i32);
    types[n++] = attnStridedMemRefType(ctx, 1, mlirShapedTypeGetDynamicSize(), false, i32);
  }
  if (s->hasAlibi)
    types[n++] = attnStridedMemRefType(ctx, 1, mlirShapedTypeGetDynamicSize(), false, f32);
  if (s->hasSinks)
    types[n++] = attnStridedMemRefType(ctx, 1, mlirShapedTypeGetDynamicSize(), false, f32);
  for (int pair = 0; s->hasBlockMask && pair < (s->hasFullBlocks ? 2 : 1); ++pair) {
    types[n++] = attnStridedMemRefType(ctx, 3, mlirShapedTypeGetDynamicSize(), false, i32);
    types[n++] = attnStridedMemRefType(ctx, 4, mlirShapedTypeGetDynamicSize(), false, i32);
  }
  for (int i = 0; s->fp8 && i < 3; ++i)
    types[n++] = scaleMemRefType(ctx, s->descaleRank[i]);
  /* SAGE: q_descale, k_descale, v_descale (B x H x N), then rng_state, then
   * k_mean (B x Hkv x D): the op's operand order. */
  for (int i = 0; s->sage && i < 3; ++i)
    types[n++] = scaleMemRefType(ctx, 3);
  if (s->dropout.runtime)
    types[n++] = attnRngStateMemRefType(ctx);
  if (s->hasKMean)
    types[n++] = scaleMemRefType(ctx, 3);
  types[n++] = attnStridedMemRefType(ctx, rank, s->dv, true, s->elem);
  if (s->hasLse)
    types[n++] = attnStridedMemRefType(ctx, rank - 1, mlirShapedTypeGetDynamicSize(), false, f32);
  for (int i = 0; i < 3; ++i)
    types[n++] = mlirIndexTypeGet(ctx);
  return n;
}

/*===--- Small emitters --------------------------------------------------------===*/

static MlirValue cst(AttnBuilder *b, int64_t v) { return attnConstIndex(b, v); }
static MlirValue minI(AttnBuilder *b, MlirValue x, MlirValue y) { return attnMinSI(b, x, y); }
static MlirValue maxI(AttnBuilder *b, MlirValue x, MlirValue y) { return attnMaxSI(b, x, y); }
static MlirValue splatF(AttnBuilder *b, MlirType vectorType, double v) {
  return attnConstSplatF(b, vectorType, v);
}

/* Splat of a scalar SSA value. */
static MlirValue splatOf(AttnBuilder *b, MlirValue scalar, MlirType vectorType) {
  return attnBroadcast(b, scalar, vectorType);
}

/* The map (d_0 .. d_{rank-1}) -> (d_row[, d_col]) of a tile access. */
static MlirAffineMap accessMap(AttnBuilder *b, const Access *a) {
  MlirAffineExpr results[2];
  intptr_t n = 0;
  results[n++] = mlirAffineDimExprGet(b->ctx, a->rowDim);
  if (a->colDim >= 0)
    results[n++] = mlirAffineDimExprGet(b->ctx, a->colDim);
  return mlirAffineMapGet(b->ctx, a->rank, 0, n, results);
}

/* The static size of dim `dim` of memref `mem`: the head dim of a tile's
 * rows (a padded tile is wider). */
static int64_t colsOf(MlirValue mem, int dim) {
  return mlirShapedTypeGetDimSize(mlirValueGetType(mem), dim);
}

static void place(AttnBuilder *b, Access *a, MlirValue row) {
  a->idx[a->rowDim] = row;
  if (a->colDim >= 0)
    a->idx[a->colDim] = cst(b, 0);
}

/* 0 of a tile's element type: a constant of it (fp8 has no truncf on the
 * CPU, so not a conversion of f32's 0 as for the 16-bit types). */
static MlirValue zeroOf(AttnBuilder *b, MlirType elem) {
  if (mlirTypeIsAInteger(elem)) { /* SAGE's i8 q and k */
    MlirNamedAttribute value = attnNamedAttr(b, "value", mlirIntegerAttrGet(elem, 0));
    return mlirOperationGetResult(
        attnBuildOp(b, "arith.constant", 0, NULL, 1, &elem, 1, &value, 0, NULL), 0);
  }
  if (!attnIsFp8Type(elem))
    return attnConvertF(b, attnConstF32(b, 0.0), elem);
  MlirNamedAttribute value = attnNamedAttr(b, "value", mlirFloatAttrDoubleGet(b->ctx, elem, 0.0));
  return mlirOperationGetResult(
      attnBuildOp(b, "arith.constant", 0, NULL, 1, &elem, 1, &value, 0, NULL), 0);
}

/* rows x cols tile at row `row`; rowsInBounds: the caller proved every row
 * exists (no masking). Out-of-bounds rows read as 0. */
static MlirValue readTile(AttnBuilder *b, Access *a, MlirValue row, int64_t rows, int64_t cols,
                          bool rowsInBounds) {
  place(b, a, row);
  MlirType elem = mlirShapedTypeGetElementType(mlirValueGetType(a->mem));
  MlirValue pad = zeroOf(b, elem);
  bool inBounds[2] = {rowsInBounds, cols <= colsOf(a->mem, a->colDim)};
  return attnTransferRead(b, vec2(rows, cols, elem), a->mem, a->rank, a->idx, pad, accessMap(b, a),
                          inBounds);
}

/* Rows [0, valid) of block `blk` of a cache for one KV head:
 * memref<? x cols x E, strided<[?, 1], offset: ?>> (a rank-reducing
 * subview), so rows of the block past the sequence read as padding. A
 * latent cache (attn.mla, NB x BS x D) has no head dim. */
static MlirValue blockRows(AttnBuilder *b, MlirValue cache, MlirValue blk, MlirValue kvHead,
                           MlirValue valid, int64_t cols) {
  int64_t dyn = mlirShapedTypeGetDynamicSize(),
          dynStride = mlirShapedTypeGetDynamicStrideOrOffset();
  MlirType elem = mlirShapedTypeGetElementType(mlirValueGetType(cache));
  int64_t shape[2] = {dyn, cols}, strides[2] = {dynStride, 1};
  MlirType type =
      mlirMemRefTypeGet(elem, 2, shape, mlirStridedLayoutAttrGet(b->ctx, dynStride, 2, strides),
                        mlirAttributeGetNull());
  if (mlirShapedTypeGetRank(mlirValueGetType(cache)) == 3) {
    int64_t offs[3] = {dyn, 0, 0}, sizes[3] = {1, dyn, cols};
    return attnSubView(b, cache, type, 3, offs, sizes, 1, &blk, 1, &valid);
  }
  int64_t offs[4] = {dyn, 0, dyn, 0}, sizes[4] = {1, dyn, 1, cols};
  MlirValue dynOffs[2] = {blk, kvHead};
  return attnSubView(b, cache, type, 4, offs, sizes, 2, dynOffs, 1, &valid);
}

/* The rows x cols tile of keys [n0, n0 + rows) through the block table:
 * pieces of P = gcd(BS, rows) rows, each inside one block, assembled with
 * vector.insert_strided_slice (docs/paged.md). Table columns and block ids
 * are clamped into range, so bad data never reads outside the tensors;
 * keys past the sequence read 0. */
static MlirValue readPagedTile(AttnBuilder *b, const Program *p, MlirValue cache, MlirValue n0,
                               int64_t rows, int64_t cols, bool rowsInBounds) {
  const Paged *pg = p->paged;
  int64_t bs = p->s->bs, piece = attnPagedPiece(bs, rows);
  MlirType elem = mlirShapedTypeGetElementType(mlirValueGetType(cache));
  MlirValue pad = attnConvertF(b, attnConstF32(b, 0.0), elem);
  MlirValue c0 = cst(b, 0), c1 = cst(b, 1), cBs = cst(b, bs);
  MlirAffineMap rowsCols = mlirAffineMapMultiDimIdentityGet(b->ctx, 2);
  MlirType cacheType = mlirValueGetType(cache);
  /* The head dim: the last (NB x BS x Hkv x D, or attn.mla's NB x BS x D). */
  int64_t width = mlirShapedTypeGetDimSize(cacheType, mlirShapedTypeGetRank(cacheType) - 1);
  bool inBounds[2] = {rowsInBounds, cols <= width};
  MlirValue tile = attnNullValue();
  for (int64_t i = 0; i < rows / piece; ++i) {
    MlirValue key = attnAddI(b, n0, cst(b, i * piece));
    MlirValue column =
        minI(b, attnBinary(b, "arith.divui", key, cBs), maxI(b, attnSubI(b, pg->tableLen, c1), c0));
    MlirValue id = attnIndexCast(b, attnLoad(b, pg->table, 1, &column), attnIndexType(b));
    MlirValue blk = attnClampSI(b, id, c0, maxI(b, attnSubI(b, pg->numBlocks, c1), c0));
    MlirValue slot = attnBinary(b, "arith.remui", key, cBs);
    MlirValue valid = attnClampSI(b, attnSubI(b, p->sk, attnSubI(b, key, slot)), c0, cBs);
    MlirValue view = blockRows(b, cache, blk, pg->kvHead, valid, width);
    MlirValue idx[2] = {slot, c0};
    MlirValue part =
        attnTransferRead(b, vec2(piece, cols, elem), view, 2, idx, pad, rowsCols, inBounds);
    if (rows == piece)
      return part;
    if (mlirValueIsNull(tile))
      tile = splatF(b, vec2(rows, cols, elem), 0.0);
    tile = attnInsertRows(b, part, tile, i * piece);
  }
  return tile;
}

/* fp8 caches with per-token scales: the scales (NB x BS x Hkv, f32) of keys
 * [n0, n0 + rows) for the program's KV head, vector<rows x f32>, read
 * through the block table in the pieces of readPagedTile (1-D reads of a
 * rank-reducing subview of each block's slots); keys past the sequence
 * read 0. */
static MlirValue readPagedScales(AttnBuilder *b, const Program *p, MlirValue scales, MlirValue n0,
                                 int64_t rows) {
  const Paged *pg = p->paged;
  int64_t bs = p->s->bs, piece = attnPagedPiece(bs, rows);
  int64_t dyn = mlirShapedTypeGetDynamicSize(),
          dynStride = mlirShapedTypeGetDynamicStrideOrOffset();
  MlirType f32 = attnF32Type(b);
  MlirValue c0 = cst(b, 0), c1 = cst(b, 1), cBs = cst(b, bs), zero = attnConstF32(b, 0.0);
  int64_t shape[1] = {dyn}, strides[1] = {dynStride};
  MlirType type =
      mlirMemRefTypeGet(f32, 1, shape, mlirStridedLayoutAttrGet(b->ctx, dynStride, 1, strides),
                        mlirAttributeGetNull());
  MlirValue vec = attnNullValue();
  for (int64_t i = 0; i < rows / piece; ++i) {
    MlirValue key = attnAddI(b, n0, cst(b, i * piece));
    MlirValue column =
        minI(b, attnBinary(b, "arith.divui", key, cBs), maxI(b, attnSubI(b, pg->tableLen, c1), c0));
    MlirValue id = attnIndexCast(b, attnLoad(b, pg->table, 1, &column), attnIndexType(b));
    MlirValue blk = attnClampSI(b, id, c0, maxI(b, attnSubI(b, pg->numBlocks, c1), c0));
    MlirValue slot = attnBinary(b, "arith.remui", key, cBs);
    MlirValue valid = attnClampSI(b, attnSubI(b, p->sk, attnSubI(b, key, slot)), c0, cBs);
    /* [NB, BS, Hkv] at the KV head; attn.mla's [NB, BS] has no head dim. */
    intptr_t rank = mlirShapedTypeGetRank(mlirValueGetType(scales));
    int64_t offs[3] = {dyn, 0, dyn}, sizes[3] = {1, dyn, 1};
    MlirValue dynOffs[2] = {blk, pg->kvHead};
    MlirValue view = attnSubView(b, scales, type, rank, offs, sizes, rank - 1, dynOffs, 1, &valid);
    bool inBounds[1] = {false};
    MlirValue part = attnTransferRead(b, vec1(piece, f32), view, 1, &slot, zero,
                                      mlirAffineMapMultiDimIdentityGet(b->ctx, 1), inBounds);
    if (rows == piece)
      return part;
    if (mlirValueIsNull(vec))
      vec = splatF(b, vec1(rows, f32), 0.0);
    vec = attnInsertRows(b, part, vec, i * piece);
  }
  return vec;
}

static void writeTile(AttnBuilder *b, Access *a, MlirValue row, MlirValue value) {
  place(b, a, row);
  int64_t cols = mlirShapedTypeGetDimSize(mlirValueGetType(value), 1);
  bool inBounds[2] = {false, cols <= colsOf(a->mem, a->colDim)};
  attnTransferWrite(b, value, a->mem, a->rank, a->idx, accessMap(b, a), inBounds);
}

static const char *const qkMaps = "affine_map<(m, n, k) -> (m, k)>, "
                                  "affine_map<(m, n, k) -> (n, k)>, "
                                  "affine_map<(m, n, k) -> (m, n)>";
static const char *const pvMaps = "affine_map<(m, d, n) -> (m, n)>, "
                                  "affine_map<(m, d, n) -> (n, d)>, "
                                  "affine_map<(m, d, n) -> (m, d)>";

/*===--- One KV tile -----------------------------------------------------------===*/

/* Keys at or past this are invisible: Sk, or the end of the KV split. */
static MlirValue keyEnd(AttnBuilder *b, const Program *p) {
  return p->kvEnd.ptr ? minI(b, p->sk, p->kvEnd) : p->sk;
}

/* dist[i][j] = (i + off) - j over the tile at key n0, vector<BM x BN x index>. */
static MlirValue distanceTile(AttnBuilder *b, const Program *p, MlirValue n0) {
  const Spec *s = p->s;
  MlirType idx = attnIndexType(b);
  MlirValue keys = attnAddI(b, attnStep(b, s->blockN), splatOf(b, n0, vec1(s->blockN, idx)));
  MlirValue keyTile = attnBroadcast(b, keys, vec2(s->blockM, s->blockN, idx));
  return attnSubI(b, attnRowBroadcast(b, p->rowIndex, s->blockN), keyTile);
}

/* visible(i, j) = j < Sk && [causal: dist >= 0] && [wl: dist <= wl] &&
 * [wr: dist >= -wr], as vector<BM x BN x i1>. */
static MlirValue visibleTile(AttnBuilder *b, const Program *p, MlirValue n0, MlirValue dist) {
  const Spec *s = p->s;
  MlirType idx = attnIndexType(b), tileIdx = vec2(s->blockM, s->blockN, idx);
  MlirValue keys = attnAddI(b, attnStep(b, s->blockN), splatOf(b, n0, vec1(s->blockN, idx)));
  MlirValue vis = attnCmpI(b, ATTN_CMPI_SLT, attnBroadcast(b, keys, tileIdx),
                           splatOf(b, keyEnd(b, p), tileIdx));
  if (s->hasRightBound)
    vis = attnAndI(b, vis,
                   attnCmpI(b, ATTN_CMPI_SGE, dist, splatOf(b, cst(b, -s->rightBound), tileIdx)));
  if (s->hasWindowLeft)
    vis = attnAndI(b, vis,
                   attnCmpI(b, ATTN_CMPI_SLE, dist, splatOf(b, cst(b, s->windowLeft), tileIdx)));
  return vis;
}

/* An fp8 tile read, dequantized: arith.extf to the 16-bit type the math
 * runs in (exact: every e4m3 value is a bf16 and an f16). The descales are
 * applied to the logits and the output instead of every element. */
static MlirValue dequantTile(AttnBuilder *b, const Spec *s, MlirValue tile) {
  MlirType t = mlirValueGetType(tile);
  if (!attnIsFp8Type(mlirShapedTypeGetElementType(t)))
    return tile;
  return attnConvertF(
      b, tile, vec2(mlirShapedTypeGetDimSize(t, 0), mlirShapedTypeGetDimSize(t, 1), s->elem));
}

/* SAGE: n scales of a descale or k_mean (B x H x N, f32) at the program's
 * batch and `head`: entry min((first + r) / block, N - 1) for r < n, as
 * vector<n x f32> (block 1: per channel). Loaded one by one in an scf.for
 * (rows of a tile may share a block, or straddle several): n loads per
 * program or KV tile, next to BM x BN x D multiply-adds. Rows past the
 * tensor read a real block's scale; their logits are masked and their
 * rows not written. Varlen with no sequences reads nothing (hasRows). */
static MlirValue sageScales(AttnBuilder *b, const Program *p, MlirValue mem, MlirValue head,
                            MlirValue first, int64_t n, int64_t block) {
  MlirType f32 = attnF32Type(b), vec = vec1(n, f32);
  MlirValue c0 = cst(b, 0), c1 = cst(b, 1);
  MlirValue last = maxI(b, attnSubI(b, attnDim(b, mem, 2), c1), c0);
  MlirValue init = splatF(b, vec, 0.0);
  AttnFor loop = attnForBegin(b, c0, cst(b, n), c1, 1, &init);
  MlirValue pos = attnAddI(b, first, loop.iv);
  MlirValue blk = minI(b, attnBinary(b, "arith.divui", pos, cst(b, block)), last);
  MlirValue idx[3] = {p->sage.batch, head, blk};
  MlirValue x = p->sage.hasRows.ptr ? attnLoadF32If(b, p->sage.hasRows, mem, 3, idx, 1.0)
                                    : attnLoad(b, mem, 3, idx);
  int64_t dynPos = mlirShapedTypeGetDynamicSize();
  MlirValue operands[3] = {x, loop.iterArgs[0], loop.iv};
  MlirNamedAttribute pos1 =
      attnNamedAttr(b, "static_position", mlirDenseI64ArrayGet(b->ctx, 1, &dynPos));
  MlirOperation ins = attnBuildOp(b, "vector.insert", 3, operands, 1, &vec, 1, &pos1, 0, NULL);
  MlirValue next = mlirOperationGetResult(ins, 0);
  attnForEnd(b, &loop, 1, &next);
  return loop.results[0];
}

/* SAGE's logits before the scale: the i8 x i8 -> i32 matmul (exact), as
 * f32, times each key's k_descale and each row's q_descale. */
static MlirValue sageLogits(AttnBuilder *b, const Program *p, MlirValue kTile, MlirValue n0) {
  const Spec *s = p->s;
  MlirType tileF = vec2(s->blockM, s->blockN, attnF32Type(b));
  MlirType tileI = vec2(s->blockM, s->blockN, attnIntType(b, 32));
  MlirNamedAttribute zero = attnNamedAttr(
      b, "value", mlirDenseElementsAttrSplatGet(tileI, mlirIntegerAttrGet(attnIntType(b, 32), 0)));
  MlirValue acc = mlirOperationGetResult(
      attnBuildOp(b, "arith.constant", 0, NULL, 1, &tileI, 1, &zero, 0, NULL), 0);
  MlirValue t = attnSIToFP(b, attnContract(b, p->qTile, kTile, acc, qkMaps), tileF);
  MlirValue ks = sageScales(b, p, p->sage.kd, p->sage.kvHead, n0, s->blockN, s->kScaleBlock);
  t = attnMulF(b, t, attnBroadcast(b, ks, tileF));
  return attnMulF(b, t, attnRowBroadcast(b, p->sage.qRow, s->blockN));
}

/* The K (isV false) or V tile at key n0. */
static MlirValue readKv(AttnBuilder *b, const Program *p, bool isV, MlirValue n0, bool masked) {
  const Spec *s = p->s;
  int64_t cols = isV ? s->dvt : s->dt;
  if (p->paged)
    return dequantTile(b, s,
                       readPagedTile(b, p, isV ? p->paged->vCache : p->paged->kCache, n0, s->blockN,
                                     cols, !masked));
  MlirValue tile = readTile(b, (Access *)(isV ? &p->v : &p->k), n0, s->blockN, cols, !masked);
  return dequantTile(b, s, tile);
}

/* t * k for a constant k that may not be a normal f32 (beyond 3.4e38, or
 * below 1.2e-38, where a GPU flushes it to 0): the product of a normal f32
 * and powers of two 2^+-64, multiplied in that order. */
static MlirValue mulConst(AttnBuilder *b, MlirValue t, double k, MlirType type) {
  double pow2[4];
  int n = 0;
  while (k != 0.0 && isfinite(k) && (fabs(k) > FLT_MAX || fabs(k) < FLT_MIN) && n < 4) {
    pow2[n] = fabs(k) > FLT_MAX ? 0x1p64 : 0x1p-64;
    k /= pow2[n++];
  }
  t = attnMulF(b, t, splatF(b, type, k));
  for (int i = 0; i < n; ++i)
    t = attnMulF(b, t, splatF(b, type, pow2[i]));
  return t;
}

/* Soft-capped logits in the log2 domain: c*log2e * tanh(s * scale / c).
 * Written as it reads, a softcap near f32's limit breaks it: c*log2e
 * overflows to Inf above 2.36e38 (and 0 * Inf = NaN in every row), and
 * scale / c falls below f32's normal range, so a GPU flushes s * scale / c
 * to 0 for ordinary logits. Where |s * scale / c| < 2^-12 the tanh is the
 * identity in f32 and the logit is s * scale * log2e exactly as without a
 * softcap; a cap that large only matters for |s| above that threshold,
 * where s * scale / c is a normal number. */
static MlirValue softcapTile(AttnBuilder *b, const Spec *s, MlirValue t, MlirType tileF) {
  double in = s->scale / s->softcap, outK = s->softcap * log2e;
  double identityBelow = 0x1p-12 / fabs(in); /* |s| below: tanh is the identity in f32 */
  bool ordinary = fabs(in) >= 0x1p-100 && fabs(in) <= FLT_MAX && outK <= FLT_MAX;
  if (ordinary) { /* statements, not nested calls: the ops in a fixed order */
    t = attnTanhF(b, attnMulF(b, t, splatF(b, tileF, in)));
    return attnMulF(b, t, splatF(b, tileF, outK));
  }
  MlirValue plain = mulConst(b, t, s->scale * log2e, tileF);
  if (identityBelow >= FLT_MAX) /* no finite f32 logit reaches the cap */
    return plain;
  MlirValue tanh = attnTanhF(b, mulConst(b, t, in, tileF));
  MlirValue capped = mulConst(b, tanh, outK, tileF);
  /* -thr < t < thr without math.absf (NVVM has no lowering for its fabs). */
  MlirValue below = attnCmpF(b, ATTN_CMPF_OLT, t, splatF(b, tileF, identityBelow));
  MlirValue above = attnCmpF(b, ATTN_CMPF_OGT, t, splatF(b, tileF, -identityBelow));
  MlirValue small = attnAndI(b, below, above);
  return attnSelect(b, small, plain, capped);
}

/* mask_mod(b, h, i, j) over the tile at key n0 (i, j local to the
 * sequence), vector<BM x BN x i1>: the region's ops on tiles. */
static MlirValue maskModTile(AttnBuilder *b, const Program *p, MlirValue n0) {
  const Spec *s = p->s;
  MlirType idx = attnIndexType(b), tileIdx = vec2(s->blockM, s->blockN, idx);
  MlirValue rows = attnSubI(b, p->rowIndex, splatOf(b, p->off, vec1(s->blockM, idx)));
  MlirValue keys = attnAddI(b, attnStep(b, s->blockN), splatOf(b, n0, vec1(s->blockN, idx)));
  MlirValue args[4] = {splatOf(b, p->mask->batch, tileIdx), splatOf(b, p->mask->head, tileIdx),
                       attnRowBroadcast(b, rows, s->blockN), attnBroadcast(b, keys, tileIdx)};
  return attnInlineMaskMod(b, s->maskOp, args);
}

/* The factor c = scale * log2(e) when the loops may keep logits unscaled:
 * max commutes with a positive factor, so the running max m is taken over
 * the raw logits s and exp2(s * c - m * c) is one fused multiply-add per
 * element instead of a multiply and a subtraction (FlashAttention-3's
 * softmax). Only plain logits (no softcap or alibi: those are not linear in
 * s) and 0 < c <= 1, so that s * c and m * c never overflow where s is
 * finite and the documented results for logits beyond f32 stay exactly
 * those of the scaled form (docs/limits.md). 0: scale each tile. */
static double foldedScale(const Spec *s) {
  double c = s->scale * log2e;
  return s->foldScale && !s->fp8 && !s->sage && !s->hasSoftcap && !s->hasAlibi && c >= FLT_MIN &&
                 c <= 1.0
             ? c
             : 0.0;
}

/* The logits of one tile in the log2 domain (scale, softcap, alibi, mask);
 * unscaled where foldedScale folds the scale into the exponentials. */
static MlirValue logitTile(AttnBuilder *b, const Program *p, MlirValue n0, bool masked,
                           MlirValue *kTileOut) {
  const Spec *s = p->s;
  MlirType f32 = attnF32Type(b), tileF = vec2(s->blockM, s->blockN, f32);
  MlirValue kTile = readKv(b, p, false, n0, masked);
  *kTileOut = kTile;
  MlirValue t = s->sage ? sageLogits(b, p, kTile, n0)
                        : attnContract(b, p->qTile, kTile, splatF(b, tileF, 0.0), qkMaps);
  if (p->paged &&
      p->paged->kScale.ptr) /* fp8 cache, per-token k_scale: column j times k_scale[j] */
    t = attnMulF(b, t,
                 attnBroadcast(b, readPagedScales(b, p, p->paged->kScale, n0, s->blockN), tileF));
  double c = s->scale * log2e;
  if (p->qkScale.ptr && !s->hasSoftcap && c >= FLT_MIN && c <= FLT_MAX) {
    /* fp8: q_descale * k_descale folded into the scale, one multiply. */
    t = attnMulF(b, t, splatOf(b, attnMulF(b, p->qkScale, attnConstF32(b, c)), tileF));
  } else {
    if (p->qkScale.ptr) /* the dequantized logits, then softcap or scale */
      t = attnMulF(b, t, splatOf(b, p->qkScale, tileF));
    if (s->hasSoftcap)
      t = softcapTile(b, s, t, tileF);
    else if (foldedScale(s) == 0.0)
      t = mulConst(b, t, c, tileF);
  }
  MlirValue dist = attnNullValue();
  if (s->hasAlibi || masked)
    dist = distanceTile(b, p, n0);
  if (s->hasAlibi) {
    MlirType i64Tile = vec2(s->blockM, s->blockN, attnIntType(b, 64));
    MlirValue absDist = attnUnary(b, "math.absi", attnIndexCast(b, dist, i64Tile));
    MlirValue distF = attnSIToFP(b, absDist, tileF);
    MlirValue slope = p->slopeRow.ptr ? attnRowBroadcast(b, p->slopeRow, s->blockN)
                                      : splatOf(b, p->slope2, tileF);
    t = attnAddF(b, t, attnMulF(b, slope, distF));
  }
  if (masked) {
    /* -inf first: the order of the ops kernels without mask_mod always had. */
    MlirValue negInf = splatF(b, tileF, -INFINITY);
    MlirValue vis = visibleTile(b, p, n0, dist);
    if (p->maskMod && p->s->maskOp.ptr && !mlirBlockIsNull(attnMaskModBlock(p->s->maskOp))) {
      MlirValue elem = maskModTile(b, p, n0);
      if (!mlirValueIsNull(elem))
        vis = attnAndI(b, vis, elem);
    }
    t = attnSelect(b, vis, t, negInf);
  }
  return t;
}

/* Dropout's factor (0 or 1 / (1 - p)) of each probability of the tile at
 * key n0: Dropout.h's generator of (query i, key j), i = (i + off) - off. */
static MlirValue dropoutTile(AttnBuilder *b, const Program *p, MlirValue n0) {
  const Spec *s = p->s;
  MlirType idx = attnIndexType(b), tileIdx = vec2(s->blockM, s->blockN, idx);
  MlirValue rows = attnSubI(b, p->rowIndex, splatOf(b, p->off, vec1(s->blockM, idx)));
  MlirValue keys = attnAddI(b, attnStep(b, s->blockN), splatOf(b, n0, vec1(s->blockN, idx)));
  return attnDropoutScale(b, &s->dropout, &p->drop, p->dropBH, attnRowBroadcast(b, rows, s->blockN),
                          attnBroadcast(b, keys, tileIdx));
}

/* attn.mla's V tile: the first dv columns of the K tile value, not a second
 * read. One load of the latent rows feeds both matmuls; a backend sees the
 * aliasing in the IR (the PV matmul's right operand is a column slice of
 * the QK^T matmul's) and stages the rows once (docs/mla.md). */
static MlirValue mlaValueTile(AttnBuilder *b, const Spec *s, MlirValue kTile) {
  return s->dvt == s->dt ? kTile : attnExtractColumns(b, kTile, s->dvt);
}

/* scf.for over [lo, hi) step BN carrying (m, l, acc). */
static void emitKvLoop(AttnBuilder *b, const Program *p, MlirValue lo, MlirValue hi, bool masked,
                       MlirValue carry[3]) {
  const Spec *s = p->s;
  MlirType f32 = attnF32Type(b), row = vec1(s->blockM, f32);
  AttnFor loop = attnForBegin(b, lo, hi, cst(b, s->blockN), 3, carry);
  MlirValue n0 = loop.iv, m = loop.iterArgs[0], l = loop.iterArgs[1], acc = loop.iterArgs[2];

  MlirValue kTile;
  MlirValue t = logitTile(b, p, n0, masked, &kTile);
  MlirValue mNew = attnMultiReduction(b, "maximumf", t, m, 1);
  /* A row that has seen no key yet keeps max -inf: subtract 0 instead, so
   * its weights are exp2(-inf) = 0 rather than exp2(NaN). Unmasked tiles
   * give every row a finite max. */
  MlirValue mSafe = mNew;
  if (masked)
    mSafe = attnSelect(b, attnCmpF(b, ATTN_CMPF_OEQ, mNew, splatF(b, row, -INFINITY)),
                       splatF(b, row, 0.0), mNew);
  /* With a folded scale, m and t are unscaled: exp2(t * c - m * c). */
  double c = foldedScale(s);
  MlirValue mTop = c != 0.0 ? attnMulF(b, mSafe, splatF(b, row, c)) : mSafe;
  MlirValue tTop = c != 0.0 ? attnMulF(b, t, splatF(b, vec2(s->blockM, s->blockN, f32), c)) : t;
  MlirValue prob =
      attnUnary(b, "math.exp2", attnSubF(b, tTop, attnRowBroadcast(b, mTop, s->blockN)));
  MlirValue mDrop = attnSubF(b, m, mSafe);
  if (c != 0.0)
    mDrop = attnMulF(b, mDrop, splatF(b, row, c));
  MlirValue alpha = attnUnary(b, "math.exp2", mDrop);
  MlirValue lNew = attnMultiReduction(b, "add", prob, attnMulF(b, l, alpha), 1);

  /* P in the element type of V, as the GPU kernels feed the PV matmul; with
   * dropout, the kept probabilities scaled (l and lse are dropout's). */
  MlirValue kept = s->dropout.p > 0 ? attnMulF(b, prob, dropoutTile(b, p, n0)) : prob;
  /* fp8 cache, per-token v_scale: P's column j times v_scale[j] (V's row j),
   * after l took the probabilities. */
  if (p->paged && p->paged->vScale.ptr)
    kept = attnMulF(b, kept,
                    attnBroadcast(b, readPagedScales(b, p, p->paged->vScale, n0, s->blockN),
                                  vec2(s->blockM, s->blockN, f32)));
  MlirValue pv;
  if (s->fp8P) { /* P * 2^pShift rounded to e4m3; the epilogue takes 2^-pShift */
    MlirType tile = vec2(s->blockM, s->blockN, f32);
    MlirValue up = attnMulF(b, kept, splatF(b, tile, ldexp(1.0, s->pShift)));
    MlirValue q8 = attnOp1(b, "arith.truncf", 1, &up, vec2(s->blockM, s->blockN, s->inElem));
    pv = attnOp1(b, "arith.extf", 1, &q8, vec2(s->blockM, s->blockN, s->elem));
  } else {
    pv = attnConvertF(b, kept, vec2(s->blockM, s->blockN, s->elem));
  }
  MlirValue vTile = s->mla ? mlaValueTile(b, s, kTile) : readKv(b, p, true, n0, masked);
  MlirValue scaled = attnMulF(b, acc, attnRowBroadcast(b, alpha, s->dvt));
  MlirValue accNew = attnContract(b, pv, vTile, scaled, pvMaps);

  MlirValue yielded[3] = {mNew, lNew, accNew};
  attnForEnd(b, &loop, 3, yielded);
  for (int i = 0; i < 3; ++i)
    carry[i] = loop.results[i];
}

/*===--- The program -------------------------------------------------------------===*/

/* [lo, u0) masked, [u0, u1) unmasked whole tiles, [u1, hi) masked. */
static void emitRanges(AttnBuilder *b, const Program *p, MlirValue bounds[4]) {
  const Spec *s = p->s;
  MlirValue c0 = cst(b, 0), bn = cst(b, s->blockN);
  MlirValue firstDiag = p->firstPos, lastDiag = p->lastPos;
  /* A KV split narrows [0, Sk) to [kvLo, kvEnd) before anything else. */
  MlirValue end = keyEnd(b, p);
  MlirValue start = p->kvLo.ptr ? minI(b, p->kvLo, end) : c0;
  MlirValue lo = start, hi = end, uLo = start, uHi = end;
  if (s->hasWindowLeft) {
    MlirValue wl = cst(b, s->windowLeft);
    lo = attnClampSI(b, attnSubI(b, firstDiag, wl), start, end);
    uLo = attnSubI(b, lastDiag, wl);
    /* Through a block table, tiles start on piece boundaries (a piece must
     * not straddle two blocks): round the window's edge down; the masked
     * loop hides the keys before it. start (0 or a split's first key) is a
     * multiple of BLOCK_N unless the split lies past the sequence (then
     * start = lo = end and nothing runs); the max keeps a split from
     * visiting keys of the one before it. */
    if (p->paged || p->mask) {
      /* A block mask's key block is likewise read in whole tiles from its
       * first key, so no tile reaches into the next (maybe skipped) block. */
      MlirValue piece = cst(b, p->paged ? attnPagedPiece(s->bs, s->blockN) : s->blockN);
      lo = maxI(b, attnMulI(b, attnBinary(b, "arith.divui", lo, piece), piece), start);
    }
  }
  if (s->hasRightBound) {
    MlirValue rb1 = cst(b, s->rightBound + 1);
    hi = attnClampSI(b, attnAddI(b, lastDiag, rb1), lo, end);
    uHi = minI(b, attnAddI(b, firstDiag, rb1), hi);
  }
  MlirValue lead = attnBinary(b, "arith.ceildivsi", maxI(b, attnSubI(b, uLo, lo), c0), bn);
  MlirValue u0 = minI(b, attnAddI(b, lo, attnMulI(b, lead, bn)), hi);
  MlirValue whole = attnBinary(b, "arith.floordivsi", attnSubI(b, uHi, lo), bn);
  MlirValue u1 = maxI(b, u0, attnAddI(b, lo, attnMulI(b, whole, bn)));
  bounds[0] = lo;
  bounds[1] = u0;
  bounds[2] = u1;
  bounds[3] = hi;
}

/* One list of key blocks of the program's query block (partial: kv_indices,
 * or full: full_kv_indices): for each of the first num[b][h][qb] blocks, the
 * KV ranges of emitRanges inside it. Partial blocks run the masked body with
 * mask_mod; full ones are split as without a block mask (masked only at the
 * causal / window edges and the sequence's end). Entries are clamped into
 * [0, Sk): a bad index gives wrong numbers, never an access outside K/V. */
static void emitBlockList(AttnBuilder *b, Program *p, MlirValue num, MlirValue idx, MlirValue qb,
                          MlirValue valid, bool partial, MlirValue carry[3]) {
  const Spec *s = p->s;
  MlirValue c0 = cst(b, 0), c1 = cst(b, 1);
  /* B' and H' of 1 broadcast. */
  MlirValue bb = minI(b, p->mask->batch, attnSubI(b, attnDim(b, num, 0), c1));
  MlirValue hh = minI(b, p->mask->head, attnSubI(b, attnDim(b, num, 1), c1));
  MlirValue at[4] = {bb, hh, qb, c0};
  MlirValue count = attnClampSI(b, attnLoadIndexIf(b, valid, num, 3, at), c0, attnDim(b, idx, 3));
  AttnFor loop = attnForBegin(b, c0, count, c1, 3, carry);
  at[3] = loop.iv;
  MlirValue blk = attnIndexCast(b, attnLoad(b, idx, 4, at), attnIndexType(b));
  MlirValue start = attnMulI(b, blk, cst(b, s->kvBlock));
  p->kvLo = attnClampSI(b, start, c0, p->sk);
  p->kvEnd = attnClampSI(b, attnAddI(b, start, cst(b, s->kvBlock)), p->kvLo, p->sk);
  MlirValue inner[3] = {loop.iterArgs[0], loop.iterArgs[1], loop.iterArgs[2]};
  MlirValue bounds[4];
  emitRanges(b, p, bounds);
  if (partial) {
    p->maskMod = true;
    emitKvLoop(b, p, bounds[0], bounds[3], true, inner);
    p->maskMod = false;
  } else {
    emitKvLoop(b, p, bounds[0], bounds[1], true, inner);
    emitKvLoop(b, p, bounds[1], bounds[2], false, inner);
    emitKvLoop(b, p, bounds[2], bounds[3], true, inner);
  }
  attnForEnd(b, &loop, 3, inner);
  for (int i = 0; i < 3; ++i)
    carry[i] = loop.results[i];
  p->kvLo = p->kvEnd = attnNullValue();
}

/* The KV loops of a program with a block mask: the listed partial blocks,
 * then the full ones; unlisted blocks are never visited. */
static void emitBlockLoops(AttnBuilder *b, Program *p, MlirValue carry[3]) {
  const BlockMask *m = p->mask;
  MlirValue c0 = cst(b, 0), c1 = cst(b, 1);
  MlirValue nqb = attnDim(b, m->num, 2);
  /* Empty block tensors (no batch, head or query block) are never read. */
  MlirValue valid = attnAndI(b, attnCmpI(b, ATTN_CMPI_SGT, nqb, c0),
                             attnAndI(b, attnCmpI(b, ATTN_CMPI_SGT, attnDim(b, m->num, 0), c0),
                                      attnCmpI(b, ATTN_CMPI_SGT, attnDim(b, m->num, 1), c0)));
  /* block_m divides q_block_size: the program's rows share one query block. */
  MlirValue qb = minI(b, attnBinary(b, "arith.divui", p->m0, cst(b, p->s->qBlock)),
                      maxI(b, attnSubI(b, nqb, c1), c0));
  emitBlockList(b, p, m->num, m->idx, qb, valid, true, carry);
  if (!mlirValueIsNull(m->fullNum))
    emitBlockList(b, p, m->fullNum, m->fullIdx, qb, valid, false, carry);
}

/* The end of the online softmax for BLOCK_M rows: the running (m, l) (log2
 * domain) with the sinks joined, and the factor of acc. */
typedef struct {
  MlirValue top, l, seen, outScale;
} RowsEnd;

/* out = acc * outScale: rows with l = 0 (no visible key, no sink) give 0.
 * sink2: the rows' sink * log2(e), or null; it joins l as one more term
 * without a value (the file comment), and its max joins m. */
static RowsEnd finishRows(AttnBuilder *b, int64_t rows, MlirValue m, MlirValue l, MlirValue sink2) {
  MlirType row = vec1(rows, attnF32Type(b));
  MlirValue zero = splatF(b, row, 0.0);
  RowsEnd e = {m, l, attnNullValue(), attnNullValue()};
  if (sink2.ptr) {
    MlirValue top = attnMaximumF(b, m, sink2);
    /* No key and a -inf sink: subtract 0, not -inf (exp2(NaN)). */
    e.top = attnSelect(b, attnCmpF(b, ATTN_CMPF_OEQ, top, splatF(b, row, -INFINITY)), zero, top);
    MlirValue alpha = attnUnary(b, "math.exp2", attnSubF(b, m, e.top));
    e.l = attnAddF(b, attnMulF(b, l, alpha), attnUnary(b, "math.exp2", attnSubF(b, sink2, e.top)));
    e.outScale = alpha;
  }
  e.seen = attnCmpF(b, ATTN_CMPF_OGT, e.l, zero);
  MlirValue num = e.outScale.ptr ? e.outScale : splatF(b, row, 1.0);
  e.outScale = attnSelect(b, e.seen, attnDivF(b, num, e.l), zero);
  return e;
}

/* lse = (m + log2 l) * ln 2 of finished rows, -inf where l = 0; a row whose
 * max is +Inf (a logit beyond f32) gives +Inf (docs/limits.md). */
static MlirValue rowsLse(AttnBuilder *b, int64_t rows, const RowsEnd *e) {
  MlirType row = vec1(rows, attnF32Type(b));
  MlirValue lse =
      attnMulF(b, attnAddF(b, e->top, attnUnary(b, "math.log2", e->l)), splatF(b, row, ln2));
  lse = attnSelect(b, e->seen, lse, splatF(b, row, -INFINITY));
  /* A logit beyond f32's range made the max +Inf (and l NaN): the row's
   * log-sum-exp is beyond f32 too, +Inf, not "no key" (docs/limits.md). */
  MlirValue inf = splatF(b, row, INFINITY);
  return attnSelect(b, attnCmpF(b, ATTN_CMPF_OEQ, e->top, inf), inf, lse);
}

/* SAGE, once per program: the q scale of each row and, with k_mean, lse's
 * term scale * q_i . k_mean (natural log): the logits' shift that K's
 * smoothing removed. It is the same for every key of a row, so the
 * softmax (and out) never sees it, and lse is exact with it added back. */
static void sageRows(AttnBuilder *b, Program *p) {
  const Spec *s = p->s;
  MlirType f32 = attnF32Type(b), row = vec1(s->blockM, f32);
  p->sage.qRow = sageScales(b, p, p->sage.qd, p->sage.head, p->m0, s->blockM, s->qScaleBlock);
  if (!s->hasKMean)
    return;
  MlirType tile = vec2(s->blockM, s->dt, f32);
  MlirValue mean = sageScales(b, p, p->sage.kMean, p->sage.kvHead, cst(b, 0), s->dt, 1);
  MlirValue qf = attnSIToFP(b, p->qTile, tile);
  MlirValue dot = attnMultiReduction(b, "add", attnMulF(b, qf, attnBroadcast(b, mean, tile)),
                                     splatF(b, row, 0.0), 1);
  p->sage.lseShift = attnMulF(b, attnMulF(b, dot, p->sage.qRow), splatF(b, row, s->scale));
}

static void emitProgram(AttnBuilder *b, Program *p) {
  const Spec *s = p->s;
  MlirType f32 = attnF32Type(b), idx = attnIndexType(b);
  MlirType row = vec1(s->blockM, f32);
  if (!p->firstPos.ptr) {
    p->off = attnSubI(b, p->sk, p->sq);
    MlirValue last = attnSubI(b, minI(b, attnAddI(b, p->m0, cst(b, s->blockM)), p->sq), cst(b, 1));
    p->firstPos = attnAddI(b, p->m0, p->off);
    p->lastPos = attnAddI(b, last, p->off);
    p->rowIndex =
        attnAddI(b, attnStep(b, s->blockM), splatOf(b, p->firstPos, vec1(s->blockM, idx)));
  } else {
    /* GQA-packed rows: every row is the same query token. */
    p->rowIndex = splatOf(b, p->firstPos, vec1(s->blockM, idx));
  }
  p->qTile = dequantTile(b, s, readTile(b, &p->q, p->m0, s->blockM, s->dt, false));
  if (s->sage)
    sageRows(b, p);

  MlirValue bounds[4];
  if (!p->mask) /* before the carried values: kernels without a block mask keep their IR */
    emitRanges(b, p, bounds);
  MlirValue carry[3] = {splatF(b, row, -INFINITY), splatF(b, row, 0.0),
                        splatF(b, vec2(s->blockM, s->dvt, f32), 0.0)};
  if (p->mask) {
    emitBlockLoops(b, p, carry);
  } else {
    emitKvLoop(b, p, bounds[0], bounds[1], true, carry);
    emitKvLoop(b, p, bounds[1], bounds[2], false, carry);
    emitKvLoop(b, p, bounds[2], bounds[3], true, carry);
  }

  /* The running max in the log2 domain (unscaled while the scale was folded). */
  MlirValue m = carry[0];
  if (foldedScale(s) != 0.0)
    m = attnMulF(b, m, splatF(b, row, foldedScale(s)));
  RowsEnd end = finishRows(b, s->blockM, m, carry[1], p->sinkRow);
  /* fp8: v_descale joins the epilogue's factor (a row op, not a tile op). */
  MlirValue outScale =
      p->vScale.ptr ? attnMulF(b, end.outScale, splatOf(b, p->vScale, row)) : end.outScale;
  if (s->fp8P)
    outScale = attnMulF(b, outScale, splatF(b, row, ldexp(1.0, -s->pShift)));
  MlirValue out = attnMulF(b, carry[2], attnRowBroadcast(b, outScale, s->dvt));
  /* SAGE: out's column c times v_descale[c] (V's channel c). */
  if (s->sage)
    out = attnMulF(b, out,
                   attnBroadcast(b,
                                 sageScales(b, p, p->sage.vd, p->sage.kvHead, cst(b, 0), s->dvt, 1),
                                 vec2(s->blockM, s->dvt, f32)));
  /* out's element type: the op's, or f32 for a paged split's partial result. */
  MlirType outElem = mlirShapedTypeGetElementType(mlirValueGetType(p->out.mem));
  if (!mlirTypeEqual(outElem, f32))
    out = attnConvertF(b, out, vec2(s->blockM, s->dvt, outElem));
  writeTile(b, &p->out, p->m0, out);
  if (s->hasLse || s->paged) { /* a paged split always writes split_lse (the merge reads it) */
    MlirValue lse = rowsLse(b, s->blockM, &end);
    if (p->sage.lseShift.ptr) /* SAGE: the smoothing term k_mean took out of K */
      lse = attnAddF(b, lse, p->sage.lseShift);
    place(b, &p->lse, p->m0);
    bool inBounds[1] = {false};
    attnTransferWrite(b, lse, p->lse.mem, p->lse.rank, p->lse.idx, accessMap(b, &p->lse), inBounds);
  }
}

static MlirValue loadSlope(AttnBuilder *b, MlirValue alibi, MlirValue h) {
  MlirValue slope = attnLoad(b, alibi, 1, &h);
  return attnMulF(b, slope, attnConstF32(b, -log2e));
}

/* sinks[h] * log2(e) in every row: the program's rows are all of head h. */
static MlirValue loadSinkRow(AttnBuilder *b, const Spec *s, MlirValue sinks, MlirValue h) {
  MlirValue sink = attnMulF(b, attnLoad(b, sinks, 1, &h), attnConstF32(b, log2e));
  return splatOf(b, sink, vec1(s->blockM, attnF32Type(b)));
}

/* The block mask's kernel arguments (after the sinks), advancing *a. */
static BlockMask readMaskArgs(const Spec *s, MlirValue *args, int *a) {
  BlockMask m;
  memset(&m, 0, sizeof(m));
  if (!s->hasBlockMask)
    return m;
  m.num = args[(*a)++];
  m.idx = args[(*a)++];
  if (s->hasFullBlocks) {
    m.fullNum = args[(*a)++];
    m.fullIdx = args[(*a)++];
  }
  return m;
}

/* The fp8 descales' kernel arguments (after the block mask), advancing *a;
 * null when the kernel is not fp8. */
static void readDescaleArgs(const Spec *s, MlirValue *args, int *a, MlirValue desc[3]) {
  for (int i = 0; i < 3; ++i)
    desc[i] = s->fp8 || s->sage ? args[(*a)++] : attnNullValue();
}

/* SAGE's descales and k_mean in the program, read at (batch, head or KV
 * head); `hasRows` as in loadDescale. */
static void setSage(const Spec *s, Program *p, const MlirValue desc[3], MlirValue kMean,
                    MlirValue batch, MlirValue head, MlirValue kvHead, MlirValue hasRows) {
  if (!s->sage)
    return;
  p->sage.qd = desc[0];
  p->sage.kd = desc[1];
  p->sage.vd = desc[2];
  p->sage.kMean = kMean;
  p->sage.batch = batch;
  p->sage.head = head;
  p->sage.kvHead = kvHead;
  p->sage.hasRows = hasRows;
}

/* A descale of (batch or sequence, KV head): shape [], [Hkv] or [B, Hkv].
 * `hasRows` (or null: always) guards the read of a [B, Hkv] one: varlen's
 * B may be 0, and then the program (of the tokens past cu_seqlens_q[B])
 * multiplies nothing but zeros by it. */
static MlirValue loadDescale(AttnBuilder *b, MlirValue mem, int rank, MlirValue batch,
                             MlirValue kvHead, MlirValue hasRows) {
  MlirValue idx[2] = {rank == 2 ? batch : kvHead, kvHead};
  if (rank == 2 && hasRows.ptr)
    return attnLoadF32If(b, hasRows, mem, rank, idx, 1.0);
  return attnLoad(b, mem, rank, idx);
}

/* p->qkScale and p->vScale of an fp8 program. */
static void setDescales(AttnBuilder *b, const Spec *s, Program *p, const MlirValue desc[3],
                        MlirValue batch, MlirValue kvHead, MlirValue hasRows) {
  if (!s->fp8)
    return;
  MlirValue qd = loadDescale(b, desc[0], s->descaleRank[0], batch, kvHead, hasRows);
  MlirValue kd = loadDescale(b, desc[1], s->descaleRank[1], batch, kvHead, hasRows);
  p->qkScale = attnMulF(b, qd, kd);
  p->vScale = loadDescale(b, desc[2], s->descaleRank[2], batch, kvHead, hasRows);
}

/* attn.mha: pid_y = batch * Hq + head. */
static void emitMhaKernel(AttnBuilder *b, const Spec *s, MlirValue *args) {
  int a = 0;
  MlirValue q = args[a++], k = args[a++], v = args[a++];
  MlirValue alibi = s->hasAlibi ? args[a++] : attnNullValue();
  MlirValue sinks = s->hasSinks ? args[a++] : attnNullValue();
  BlockMask mask = readMaskArgs(s, args, &a);
  MlirValue desc[3];
  readDescaleArgs(s, args, &a, desc);
  MlirValue rng = s->dropout.runtime ? args[a++] : attnNullValue();
  MlirValue kMean = s->hasKMean ? args[a++] : attnNullValue();
  MlirValue out = args[a++];
  MlirValue lse = s->hasLse ? args[a++] : attnNullValue();
  MlirValue pidX = args[a], pidY = args[a + 1];
  AttnDropoutState drop = attnLoadDropoutState(b, rng);
  MlirValue hq = cst(b, s->hq), c0 = cst(b, 0);
  MlirValue batch = attnBinary(b, "arith.divui", pidY, hq);
  MlirValue head = attnBinary(b, "arith.remui", pidY, hq);
  MlirValue kvHead = attnAffineApply(b, s->kvHeadMap, 1, &head);
  Program p;
  memset(&p, 0, sizeof(p));
  p.s = s;
  p.q = (Access){q, 4, {batch, head, c0, c0}, 2, 3};
  p.k = (Access){k, 4, {batch, kvHead, c0, c0}, 2, 3};
  p.v = (Access){v, 4, {batch, kvHead, c0, c0}, 2, 3};
  p.out = (Access){out, 4, {batch, head, c0, c0}, 2, 3};
  p.lse = (Access){lse, 3, {batch, head, c0, c0}, 2, -1};
  p.sq = attnDim(b, q, 2);
  p.sk = attnDim(b, k, 2);
  /* Causal: the last query tile (the most keys) first. GPUs start programs
   * in pid_x order within each head, so the longest programs no longer end
   * up in the last wave (FA2/FA3 do the same). */
  if (s->causal && !s->hasBlockMask) {
    MlirValue tiles = attnBinary(b, "arith.ceildivui", p.sq, cst(b, s->blockM));
    pidX = attnSubI(b, attnSubI(b, tiles, cst(b, 1)), pidX);
  }
  p.m0 = attnMulI(b, pidX, cst(b, s->blockM));
  p.slope2 = s->hasAlibi ? loadSlope(b, alibi, head) : attnNullValue();
  p.sinkRow = s->hasSinks ? loadSinkRow(b, s, sinks, head) : attnNullValue();
  p.dropBH = pidY;
  p.drop = drop;
  mask.batch = batch;
  mask.head = head;
  p.mask = s->hasBlockMask ? &mask : NULL;
  setDescales(b, s, &p, desc, batch, kvHead, attnNullValue());
  setSage(s, &p, desc, kMean, batch, head, kvHead, attnNullValue());
  emitProgram(b, &p);
}

/* attn.mha_varlen: pid_x enumerates the q tiles of sequence 0, then of
 * sequence 1, ..., then of the tokens past cu_seqlens_q[B] (a pseudo
 * sequence without keys, so they get 0 and lse = -inf); pid_y is the head.
 * Programs past the last tile have no rows. Offsets are clamped into range
 * as the reference does: wrong data gives wrong numbers, never accesses
 * outside the tensors. */
static void emitVarlenKernel(AttnBuilder *b, const Spec *s, MlirValue *args) {
  int a = 0;
  MlirValue q = args[a++], k = args[a++], v = args[a++], cuQ = args[a++], cuK = args[a++];
  MlirValue alibi = s->hasAlibi ? args[a++] : attnNullValue();
  MlirValue sinks = s->hasSinks ? args[a++] : attnNullValue();
  BlockMask mask = readMaskArgs(s, args, &a);
  MlirValue desc[3];
  readDescaleArgs(s, args, &a, desc);
  MlirValue rng = s->dropout.runtime ? args[a++] : attnNullValue();
  MlirValue kMean = s->hasKMean ? args[a++] : attnNullValue();
  MlirValue out = args[a++];
  MlirValue lse = s->hasLse ? args[a++] : attnNullValue();
  MlirValue pidX = args[a], head = args[a + 1];
  AttnDropoutState drop = attnLoadDropoutState(b, rng);
  MlirValue c0 = cst(b, 0), c1 = cst(b, 1), bm = cst(b, s->blockM);
  MlirValue tq = attnDim(b, q, 0), tk = attnDim(b, k, 0);
  MlirValue numSeq = attnSubI(b, attnDim(b, cuQ, 0), c1);

  /* iter args: tiles before this sequence, then the selected qs, qe, ks, ke,
   * tile, and with dropout or a block mask the sequence (their batch index). */
  int picks = s->dropout.p > 0 || s->hasBlockMask || s->fp8 || s->sage ? 6 : 5;
  MlirValue init[7] = {c0, c0, c0, c0, c0, c0, c0};
  AttnFor scan = attnForBegin(b, c0, attnAddI(b, maxI(b, numSeq, c0), c1), c1, 1 + picks, init);
  {
    MlirValue g = scan.iv, before = scan.iterArgs[0];
    MlirValue tail = attnCmpI(b, ATTN_CMPI_EQ, g, numSeq);
    MlirValue next = minI(b, attnAddI(b, g, c1), numSeq);
    MlirValue qe = attnSelect(b, tail, tq, attnClampSI(b, attnLoadIndex(b, cuQ, next), c0, tq));
    MlirValue qs = attnClampSI(b, attnLoadIndex(b, cuQ, g), c0, qe);
    MlirValue ke = attnSelect(b, tail, c0, attnClampSI(b, attnLoadIndex(b, cuK, next), c0, tk));
    MlirValue ks = attnSelect(b, tail, c0, attnClampSI(b, attnLoadIndex(b, cuK, g), c0, ke));
    MlirValue tiles = attnBinary(b, "arith.ceildivsi", attnSubI(b, qe, qs), bm);
    MlirValue after = attnAddI(b, before, tiles);
    MlirValue hit = attnAndI(b, attnCmpI(b, ATTN_CMPI_SGE, pidX, before),
                             attnCmpI(b, ATTN_CMPI_SLT, pidX, after));
    MlirValue picked[6] = {qs, qe, ks, ke, attnSubI(b, pidX, before), g};
    MlirValue yielded[7];
    yielded[0] = after;
    for (int i = 0; i < picks; ++i)
      yielded[1 + i] = attnSelect(b, hit, picked[i], scan.iterArgs[1 + i]);
    attnForEnd(b, &scan, 1 + picks, yielded);
  }
  MlirValue qs = scan.results[1], qe = scan.results[2], ks = scan.results[3], ke = scan.results[4];
  MlirValue lenQ = attnSubI(b, qe, qs), lenK = attnSubI(b, ke, ks);
  MlirValue kvHead = attnAffineApply(b, s->kvHeadMap, 1, &head);
  Program p;
  memset(&p, 0, sizeof(p));
  p.s = s;
  p.q = (Access){attnRowSlice(b, q, 0, qs, lenQ), 3, {c0, head, c0, c0}, 0, 2};
  p.k = (Access){attnRowSlice(b, k, 0, ks, lenK), 3, {c0, kvHead, c0, c0}, 0, 2};
  p.v = (Access){attnRowSlice(b, v, 0, ks, lenK), 3, {c0, kvHead, c0, c0}, 0, 2};
  p.out = (Access){attnRowSlice(b, out, 0, qs, lenQ), 3, {c0, head, c0, c0}, 0, 2};
  if (s->hasLse)
    p.lse = (Access){attnRowSlice(b, lse, 1, qs, lenQ), 2, {head, c0, c0, c0}, 1, -1};
  p.sq = lenQ;
  p.sk = lenK;
  p.m0 = attnMulI(b, scan.results[5], bm);
  p.slope2 = s->hasAlibi ? loadSlope(b, alibi, head) : attnNullValue();
  p.sinkRow = s->hasSinks ? loadSinkRow(b, s, sinks, head) : attnNullValue();
  if (s->dropout.p > 0) {
    p.dropBH = attnAddI(b, attnMulI(b, scan.results[6], cst(b, s->hq)), head);
    p.drop = drop;
  }
  if (s->hasBlockMask) {
    mask.batch = scan.results[6];
    mask.head = head;
    p.mask = &mask;
  }
  /* The pseudo-sequence past cu_seqlens_q[B] has no keys: its descales
   * (clamped to sequence B - 1; none read when B = 0) multiply nothing but
   * zeros. */
  if (s->fp8)
    setDescales(b, s, &p, desc, minI(b, scan.results[6], maxI(b, attnSubI(b, numSeq, c1), c0)),
                kvHead, attnCmpI(b, ATTN_CMPI_SGT, numSeq, c0));
  if (s->sage)
    setSage(s, &p, desc, kMean, minI(b, scan.results[6], maxI(b, attnSubI(b, numSeq, c1), c0)),
            head, kvHead, attnCmpI(b, ATTN_CMPI_SGT, numSeq, c0));
  emitProgram(b, &p);
}

/*===--- attn.paged_attention ---------------------------------------------------===*/

/* The sequence that owns query token `t`: a binary search of
 * query_start_loc for the last g < B with query_start_loc[g] <= t (a
 * decode program does log2(B) dependent loads instead of scanning B).
 * Yields the sequence, its first and end token (clamped into [0, Tq]) and
 * whether t belongs to it at all (tokens past query_start_loc[B] do not).
 * Non-monotonic offsets (a violated precondition) give some sequence, never
 * an access outside the tensors. */
typedef struct {
  MlirValue seq, qs, qe, found;
} Owner;

static Owner findOwner(AttnBuilder *b, MlirValue qsl, MlirValue numSeq, MlirValue tq, MlirValue t) {
  MlirValue c0 = cst(b, 0), c1 = cst(b, 1);
  MlirType i32 = attnIntType(b, 32);
  MlirValue last = maxI(b, attnSubI(b, numSeq, c1), c0);
  /* bits = 32 - ctlz(B): the search visits steps 2^(bits-1), ..., 1. */
  MlirValue clz = attnUnary(b, "math.ctlz", attnIndexCast(b, numSeq, i32));
  MlirValue bits = attnSubI(b, cst(b, 32), attnIndexCast(b, clz, attnIndexType(b)));
  MlirValue init[1] = {c0};
  AttnFor search = attnForBegin(b, c0, bits, c1, 1, init);
  {
    MlirValue g = search.iterArgs[0];
    MlirValue shift = attnSubI(b, attnSubI(b, bits, c1), search.iv);
    MlirValue cand = attnAddI(b, g, attnBinary(b, "arith.shli", c1, shift));
    MlirValue probe = minI(b, cand, last);
    MlirValue ok = attnAndI(b, attnCmpI(b, ATTN_CMPI_SLE, cand, last),
                            attnCmpI(b, ATTN_CMPI_SLE, attnLoadIndex(b, qsl, probe), t));
    MlirValue yielded[1] = {attnSelect(b, ok, cand, g)};
    attnForEnd(b, &search, 1, yielded);
  }
  MlirValue g = search.results[0];
  MlirValue qe = attnClampSI(b, attnLoadIndex(b, qsl, minI(b, attnAddI(b, g, c1), numSeq)), c0, tq);
  MlirValue qs = attnClampSI(b, attnLoadIndex(b, qsl, g), c0, qe);
  MlirValue found =
      attnAndI(b, attnCmpI(b, ATTN_CMPI_SLT, c0, numSeq),
               attnAndI(b, attnCmpI(b, ATTN_CMPI_SGE, t, qs), attnCmpI(b, ATTN_CMPI_SLT, t, qe)));
  return (Owner){g, qs, qe, found};
}

/* Keys of sequence `seq` in the cache: seq_lens[seq] clamped into
 * [0, MaxBlocks * BS]; 0 when `found` is false, without reading seq_lens
 * (tokens past query_start_loc[B], B = 0 included). */
static MlirValue seqLength(AttnBuilder *b, const Spec *s, MlirValue seqLens, MlirValue table,
                           MlirValue seq, MlirValue found) {
  MlirValue maxKeys = attnMulI(b, attnDim(b, table, 1), cst(b, s->bs));
  return attnClampSI(b, attnLoadIndexIf(b, found, seqLens, 1, &seq), cst(b, 0), maxKeys);
}

/* Row `seq` of block_tables as a 1-D memref. */
static MlirValue tableRow(AttnBuilder *b, MlirValue table, MlirValue seq) {
  int64_t dyn = mlirShapedTypeGetDynamicSize(),
          dynStride = mlirShapedTypeGetDynamicStrideOrOffset();
  int64_t shape[1] = {dyn}, strides[1] = {dynStride};
  MlirType type = mlirMemRefTypeGet(mlirShapedTypeGetElementType(mlirValueGetType(table)), 1, shape,
                                    mlirStridedLayoutAttrGet(b->ctx, dynStride, 1, strides),
                                    mlirAttributeGetNull());
  int64_t offs[2] = {dyn, 0}, sizes[2] = {1, dyn};
  MlirValue len = attnDim(b, table, 1);
  return attnSubView(b, table, type, 2, offs, sizes, 1, &seq, 1, &len);
}

/* Split `split` of S covers keys [split * C, (split + 1) * C), C the tiles of
 * the longest possible sequence (MaxBlocks * BS) shared out evenly. */
static void splitRange(AttnBuilder *b, const Spec *s, MlirValue table, MlirValue numSplits,
                       MlirValue split, Program *p) {
  MlirValue bn = cst(b, s->blockN);
  MlirValue maxKeys = attnMulI(b, attnDim(b, table, 1), cst(b, s->bs));
  MlirValue tiles = attnBinary(b, "arith.ceildivsi", maxKeys, bn);
  MlirValue per = attnBinary(b, "arith.ceildivsi", tiles, maxI(b, numSplits, cst(b, 1)));
  MlirValue chunk = attnMulI(b, per, bn);
  p->kvLo = attnMulI(b, split, chunk);
  p->kvEnd = attnAddI(b, p->kvLo, chunk);
}

typedef struct {
  MlirValue q, kc, vc, table, seqLens, qsl, alibi, kScale, vScale, splitOut, splitLse, pid[3];
} PagedArgs;

static PagedArgs pagedArgs(const Spec *s, MlirValue *args) {
  PagedArgs a;
  int i = 0;
  a.q = args[i++];
  a.kc = args[i++];
  a.vc = s->mla ? attnNullValue() : args[i++];
  a.table = args[i++];
  a.seqLens = args[i++];
  a.qsl = args[i++];
  a.alibi = s->hasAlibi ? args[i++] : attnNullValue();
  a.kScale = s->fp8 ? args[i++] : attnNullValue();
  a.vScale = s->fp8 && !s->mla ? args[i++] : a.kScale;
  a.splitOut = args[i++];
  a.splitLse = args[i++];
  for (int k = 0; k < 3; ++k)
    a.pid[k] = args[i + k];
  return a;
}

/* fp8 caches: a scale of rank 0 or 1 (Hkv) is one factor per program (the
 * program's rows share the KV head): qkScale, vScale; one of rank 3 (per
 * token and head) is read with each KV tile (readPagedScales). */
static void setCacheScales(AttnBuilder *b, const Spec *s, const PagedArgs *a, Paged *pg,
                           Program *p) {
  if (!s->fp8)
    return;
  MlirValue mem[2] = {a->kScale, a->vScale}, *scalar[2] = {&p->qkScale, &p->vScale},
            *token[2] = {&pg->kScale, &pg->vScale};
  for (int i = 0; i < 2; ++i) {
    int rank = s->descaleRank[1 + i];
    if (rank >= 2) /* per token: [NB, BS, Hkv], attn.mla's [NB, BS] */
      *token[i] = mem[i];
    else
      *scalar[i] = attnLoad(b, mem[i], rank, &pg->kvHead);
  }
}

/* Decode: one program per (query token, KV head [x head tile], split); its
 * rows are the query heads h0 .. h0 + rows - 1 of the KV group, all at the
 * token's position (GQA packing, docs/paged.md). */
static void emitPagedDecodeKernel(AttnBuilder *b, const Spec *s, MlirValue *args) {
  PagedArgs a = pagedArgs(s, args);
  int64_t group = s->hq / s->hkv, headTiles = (group + s->blockM - 1) / s->blockM;
  MlirValue c0 = cst(b, 0), c1 = cst(b, 1);
  MlirValue t = a.pid[0], split = a.pid[2];
  MlirValue kvHead = attnBinary(b, "arith.divui", a.pid[1], cst(b, headTiles));
  MlirValue headTile = attnBinary(b, "arith.remui", a.pid[1], cst(b, headTiles));
  MlirValue first = attnMulI(b, headTile, cst(b, s->blockM));
  MlirValue h0 = attnAddI(b, attnMulI(b, kvHead, cst(b, group)), first);
  MlirValue rows = minI(b, cst(b, s->blockM), attnSubI(b, cst(b, group), first));
  MlirValue tq = attnDim(b, a.q, 0);
  MlirValue numSeq = attnDim(b, a.seqLens, 0);
  Owner o = findOwner(b, a.qsl, numSeq, tq, t);
  MlirValue seq = attnClampSI(b, o.seq, c0, maxI(b, attnSubI(b, numSeq, c1), c0));
  MlirValue table = tableRow(b, a.table, seq);
  MlirValue sk = seqLength(b, s, a.seqLens, a.table, seq, o.found);
  /* position = seq_len - q_len + local index */
  MlirValue pos = attnAddI(b, attnSubI(b, sk, attnSubI(b, o.qe, o.qs)), attnSubI(b, t, o.qs));

  Paged pg = {a.kc,
              a.vc,
              table,
              kvHead,
              attnDim(b, a.kc, 0),
              attnDim(b, a.table, 1),
              attnNullValue(),
              attnNullValue()};
  Program p;
  memset(&p, 0, sizeof(p));
  p.s = s;
  p.paged = &pg;
  p.q = (Access){attnRowSlice(b, a.q, 1, h0, rows), 3, {t, c0, c0, c0}, 1, 2};
  p.out = (Access){attnRowSlice(b, a.splitOut, 2, h0, rows), 4, {split, t, c0, c0}, 2, 3};
  p.lse = (Access){attnRowSlice(b, a.splitLse, 1, h0, rows), 3, {split, c0, t, c0}, 1, -1};
  p.sq = rows;
  p.sk = sk;
  p.m0 = c0;
  p.firstPos = pos;
  p.lastPos = pos;
  setCacheScales(b, s, &a, &pg, &p);
  splitRange(b, s, a.table, attnDim(b, a.splitLse, 0), split, &p);
  if (s->hasAlibi) {
    /* One slope per row (head): -slope * log2(e), rows past the group 0. */
    MlirValue slopes = attnRowSlice(b, a.alibi, 0, h0, rows);
    MlirValue zero = attnConstF32(b, 0.0);
    bool inBounds[1] = {false};
    MlirValue idx[1] = {c0};
    MlirValue row = attnTransferRead(b, vec1(s->blockM, attnF32Type(b)), slopes, 1, idx, zero,
                                     mlirAffineMapMultiDimIdentityGet(b->ctx, 1), inBounds);
    p.slopeRow = attnMulF(b, row, splatF(b, vec1(s->blockM, attnF32Type(b)), -log2e));
  }
  emitProgram(b, &p);
}

/* Prefill / mixed batches: the varlen program (rows are query tokens of one
 * sequence, one head) with K and V through the block table. pid_x
 * enumerates the q tiles of sequence 0, 1, ..., then of the tokens past
 * query_start_loc[B] (no keys: 0 and lse = -inf). */
static void emitPagedPrefillKernel(AttnBuilder *b, const Spec *s, MlirValue *args) {
  PagedArgs a = pagedArgs(s, args);
  MlirValue c0 = cst(b, 0), c1 = cst(b, 1), bm = cst(b, s->blockM);
  MlirValue pidX = a.pid[0], head = a.pid[1], split = a.pid[2];
  MlirValue tq = attnDim(b, a.q, 0);
  MlirValue numSeq = attnDim(b, a.seqLens, 0);

  /* iter args: tiles before this group, then the selected group, qs, qe, tile. */
  MlirValue init[5] = {c0, c0, c0, c0, c0};
  AttnFor scan = attnForBegin(b, c0, attnAddI(b, maxI(b, numSeq, c0), c1), c1, 5, init);
  {
    MlirValue g = scan.iv, before = scan.iterArgs[0];
    MlirValue tail = attnCmpI(b, ATTN_CMPI_EQ, g, numSeq);
    MlirValue next = minI(b, attnAddI(b, g, c1), numSeq);
    MlirValue qe = attnSelect(b, tail, tq, attnClampSI(b, attnLoadIndex(b, a.qsl, next), c0, tq));
    MlirValue qs = attnClampSI(b, attnLoadIndex(b, a.qsl, g), c0, qe);
    MlirValue tiles = attnBinary(b, "arith.ceildivsi", attnSubI(b, qe, qs), bm);
    MlirValue after = attnAddI(b, before, tiles);
    MlirValue hit = attnAndI(b, attnCmpI(b, ATTN_CMPI_SGE, pidX, before),
                             attnCmpI(b, ATTN_CMPI_SLT, pidX, after));
    MlirValue picked[4] = {g, qs, qe, attnSubI(b, pidX, before)};
    MlirValue yielded[5];
    yielded[0] = after;
    for (int i = 0; i < 4; ++i)
      yielded[1 + i] = attnSelect(b, hit, picked[i], scan.iterArgs[1 + i]);
    attnForEnd(b, &scan, 5, yielded);
  }
  MlirValue g = scan.results[1], qs = scan.results[2], qe = scan.results[3];
  MlirValue found = attnCmpI(b, ATTN_CMPI_SLT, g, numSeq);
  MlirValue seq = attnClampSI(b, g, c0, maxI(b, attnSubI(b, numSeq, c1), c0));
  MlirValue table = tableRow(b, a.table, seq);
  MlirValue lenQ = attnSubI(b, qe, qs);
  MlirValue kvHead = attnAffineApply(b, s->kvHeadMap, 1, &head);

  Paged pg = {a.kc,
              a.vc,
              table,
              kvHead,
              attnDim(b, a.kc, 0),
              attnDim(b, a.table, 1),
              attnNullValue(),
              attnNullValue()};
  Program p;
  memset(&p, 0, sizeof(p));
  p.s = s;
  p.paged = &pg;
  p.q = (Access){attnRowSlice(b, a.q, 0, qs, lenQ), 3, {c0, head, c0, c0}, 0, 2};
  p.out = (Access){attnRowSlice(b, a.splitOut, 1, qs, lenQ), 4, {split, c0, head, c0}, 1, 3};
  p.lse = (Access){attnRowSlice(b, a.splitLse, 2, qs, lenQ), 3, {split, head, c0, c0}, 2, -1};
  p.sq = lenQ;
  p.sk = seqLength(b, s, a.seqLens, a.table, seq, found);
  p.m0 = attnMulI(b, scan.results[4], bm);
  p.slope2 = s->hasAlibi ? loadSlope(b, a.alibi, head) : attnNullValue();
  setCacheScales(b, s, &a, &pg, &p);
  splitRange(b, s, a.table, attnDim(b, a.splitLse, 0), split, &p);
  emitProgram(b, &p);
}

/* Splits read per iteration of the merge loop: the loop is latency-bound
 * (one program per BLOCK_M tokens of a head walks all S splits; at B = 1
 * that is 32 programs for 32 heads), so U splits' loads are issued together.
 * U tiles are live at once: 4 for tiles of up to 2048 elements (decode's 16 x
 * 128; on sm_90a attn-gpu-layout gives such merges 4 warps that split the
 * columns), else 1 (prefill's and MLA's 16 x 512 tiles would spill). */
static int mergeUnroll(const Spec *s) { return s->blockM * s->dvt <= 2048 ? 4 : 1; }

/* The merge's state: the running max m and sum l (log2 domain) and acc. */
typedef struct {
  MlirValue m, l, acc;
} MergeState;

/* Merges splits [sp, sp + u) into st: every load first, then one rescale
 * of acc by the new max and the weighted sum of the u partial outputs. */
static MergeState mergeSplits(AttnBuilder *b, const Spec *s, int u, MlirValue sp, MergeState st,
                              Access partOut, Access partLse, MlirValue t0) {
  MlirType f32 = attnF32Type(b), row = vec1(s->blockM, f32);
  MlirValue lseS[4], outS[4];
  for (int j = 0; j < u; ++j) {
    MlirValue spj = j ? attnAddI(b, sp, cst(b, j)) : sp;
    partLse.idx[0] = spj;
    partOut.idx[0] = spj;
    place(b, &partLse, t0);
    bool inBounds[1] = {false};
    lseS[j] = attnTransferRead(b, row, partLse.mem, 3, partLse.idx, attnConstF32(b, -INFINITY),
                               accessMap(b, &partLse), inBounds);
    outS[j] = readTile(b, &partOut, t0, s->blockM, s->dvt, false);
  }
  MlirValue mNew = st.m;
  for (int j = 0; j < u; ++j) {
    lseS[j] = attnMulF(b, lseS[j], splatF(b, row, log2e));
    mNew = attnMaximumF(b, mNew, lseS[j]);
  }
  MlirValue mSafe = attnSelect(b, attnCmpF(b, ATTN_CMPF_OEQ, mNew, splatF(b, row, -INFINITY)),
                               splatF(b, row, 0.0), mNew);
  MlirValue alpha = attnUnary(b, "math.exp2", attnSubF(b, st.m, mSafe));
  MlirValue lNew = attnMulF(b, st.l, alpha);
  MlirValue accNew = attnMulF(b, st.acc, attnRowBroadcast(b, alpha, s->dvt));
  for (int j = 0; j < u; ++j) {
    MlirValue w = attnUnary(b, "math.exp2", attnSubF(b, lseS[j], mSafe));
    lNew = attnAddF(b, lNew, w);
    accNew = attnAddF(b, accNew, attnMulF(b, outS[j], attnRowBroadcast(b, w, s->dvt)));
  }
  return (MergeState){mNew, lNew, accNew};
}

/* for sp in [lo, hi) step u: st = mergeSplits(sp, u). */
static MergeState mergeLoop(AttnBuilder *b, const Spec *s, int u, MlirValue lo, MlirValue hi,
                            MergeState st, Access partOut, Access partLse, MlirValue t0) {
  MlirValue carry[3] = {st.m, st.l, st.acc};
  AttnFor loop = attnForBegin(b, lo, hi, cst(b, u), 3, carry);
  MergeState in = {loop.iterArgs[0], loop.iterArgs[1], loop.iterArgs[2]};
  MergeState next = mergeSplits(b, s, u, loop.iv, in, partOut, partLse, t0);
  MlirValue yielded[3] = {next.m, next.l, next.acc};
  attnForEnd(b, &loop, 3, yielded);
  return (MergeState){loop.results[0], loop.results[1], loop.results[2]};
}

/* The merge: per (token, head), lse = log sum_s exp(lse_s) and
 * out = sum_s exp(lse_s - lse) out_s, as an online loop over the splits in
 * the log2 domain, mergeUnroll splits per iteration and the S mod U last
 * ones one by one. Empty splits (lse_s = -inf) weigh 0; a row whose splits
 * are all empty gets 0 and -inf. One program: BLOCK_M tokens of one head. */
static void emitMergeKernel(AttnBuilder *b, const Spec *s, MlirValue *args) {
  int i = 0;
  MlirValue splitOut = args[i++], splitLse = args[i++];
  MlirValue sinks = s->hasSinks ? args[i++] : attnNullValue();
  MlirValue out = args[i++];
  MlirValue lse = s->hasLse ? args[i++] : attnNullValue();
  MlirValue t0 = attnMulI(b, args[i], cst(b, s->blockM)), head = args[i + 1];
  MlirValue c0 = cst(b, 0);
  MlirType f32 = attnF32Type(b), row = vec1(s->blockM, f32), tile = vec2(s->blockM, s->dvt, f32);
  Access partOut = {splitOut, 4, {c0, c0, head, c0}, 1, 3};
  Access partLse = {splitLse, 3, {c0, head, c0, c0}, 2, -1};

  MergeState st = {splatF(b, row, -INFINITY), splatF(b, row, 0.0), splatF(b, tile, 0.0)};
  MlirValue nSplits = attnDim(b, splitLse, 0);
  int u = mergeUnroll(s);
  MlirValue whole = c0;
  if (u > 1) {
    MlirValue cu = cst(b, u);
    whole = attnMulI(b, attnDivSI(b, nSplits, cu), cu);
    st = mergeLoop(b, s, u, c0, whole, st, partOut, partLse, t0);
  }
  st = mergeLoop(b, s, 1, whole, nSplits, st, partOut, partLse, t0);
  MlirValue m = st.m, l = st.l, acc = st.acc;
  MlirValue zero = splatF(b, row, 0.0), seen = attnNullValue(), inv;
  RowsEnd end;
  memset(&end, 0, sizeof(end));
  if (s->hasSinks) {
    /* The sinks join here, once, not in every split. */
    end = finishRows(b, s->blockM, m, l, loadSinkRow(b, s, sinks, head));
    inv = end.outScale;
  } else {
    seen = attnCmpF(b, ATTN_CMPF_OGT, l, zero);
    inv = attnSelect(b, seen, attnDivF(b, splatF(b, row, 1.0), l), zero);
  }
  MlirValue o = attnMulF(b, acc, attnRowBroadcast(b, inv, s->dvt));
  Access outA = {out, 3, {c0, head, c0, c0}, 0, 2};
  writeTile(b, &outA, t0, attnConvertF(b, o, vec2(s->blockM, s->dvt, s->elem)));
  if (s->hasLse) {
    MlirValue v;
    if (s->hasSinks) {
      v = rowsLse(b, s->blockM, &end);
    } else {
      v = attnMulF(b, attnAddF(b, m, attnUnary(b, "math.log2", l)), splatF(b, row, ln2));
      v = attnSelect(b, seen, v, splatF(b, row, -INFINITY));
    }
    Access lseA = {lse, 2, {head, c0, c0, c0}, 1, -1};
    place(b, &lseA, t0);
    bool inBounds[1] = {false};
    attnTransferWrite(b, v, lse, 2, lseA.idx, accessMap(b, &lseA), inBounds);
  }
}

/*===--- Functions and the launch ---------------------------------------------===*/

/* func.func @name(types) with an entry block (or a private declaration),
 * inserted before `anchor`, at `loc`: the attention op's location, so that
 * what a target lowering reports about the kernel function (f32 on
 * mma.sync, shared memory over the limit) points at the op. */
static MlirOperation createFunc(MlirOperation anchor, MlirLocation loc, const char *name,
                                intptr_t n, const MlirType *types, bool declaration,
                                MlirAttribute kernelAttr) {
  AttnBuilder b = attnBuilderBefore(anchor);
  b.loc = loc;
  MlirType fnType = mlirFunctionTypeGet(b.ctx, n, types, 0, NULL);
  MlirNamedAttribute attrs[3];
  intptr_t nAttrs = 0;
  attrs[nAttrs++] =
      attnNamedAttr(&b, "sym_name", mlirStringAttrGet(b.ctx, mlirStringRefCreateFromCString(name)));
  attrs[nAttrs++] = attnNamedAttr(&b, "function_type", mlirTypeAttrGet(fnType));
  if (declaration)
    attrs[nAttrs++] = attnNamedAttr(
        &b, "sym_visibility", mlirStringAttrGet(b.ctx, mlirStringRefCreateFromCString("private")));
  MlirRegion region = mlirRegionCreate();
  if (!declaration) {
    MlirLocation locs[24];
    for (intptr_t i = 0; i < n; ++i)
      locs[i] = b.loc;
    mlirRegionAppendOwnedBlock(region, mlirBlockCreate(n, types, locs));
  }
  MlirOperation fn = attnBuildOp(&b, "func.func", 0, NULL, 0, NULL, nAttrs, attrs, 1, &region);
  if (!mlirAttributeIsNull(kernelAttr))
    attnSetAttr(fn, "attn.kernel", kernelAttr);
  return fn;
}

/* attn.kernel = {<attn.tile entries>, grid = <map>, kind = "mha"|...,
 * [grid_dims = ["ARG.DIM", ...]: the kernel arguments' dims the grid map
 * takes, when they are not the (B, Sq) / (Tq, B) of attn.mha / varlen],
 * [sinks: the kernel takes the op's sinks (a paged op's merge kernel, not
 * its split kernel)], [block_mask: it takes a block mask (docs/masks.md)],
 * [full_blocks: with full_kv_num_blocks / full_kv_indices], [fp8: it takes
 * the fp8 scales], [rng_state: it takes dropout's run-time [seed, offset]]}. */
static MlirAttribute kernelAttr(MlirContext ctx, const Spec *s, const char *kind,
                                MlirAffineMap grid, int numGridDims, const char *const *gridDims,
                                bool sinks) {
  intptr_t n = mlirDictionaryAttrGetNumElements(s->tile);
  MlirNamedAttribute entries[20];
  for (intptr_t i = 0; i < n && i < 16; ++i)
    entries[i] = mlirDictionaryAttrGetElement(s->tile, i);
  entries[n++] = mlirNamedAttributeGet(
      mlirIdentifierGet(ctx, mlirStringRefCreateFromCString("grid")), mlirAffineMapAttrGet(grid));
  entries[n++] = mlirNamedAttributeGet(
      mlirIdentifierGet(ctx, mlirStringRefCreateFromCString("kind")), attnStringAttr(ctx, kind));
  if (numGridDims > 0) {
    MlirAttribute dims[4];
    for (int i = 0; i < numGridDims; ++i)
      dims[i] = attnStringAttr(ctx, gridDims[i]);
    entries[n++] =
        mlirNamedAttributeGet(mlirIdentifierGet(ctx, mlirStringRefCreateFromCString("grid_dims")),
                              mlirArrayAttrGet(ctx, numGridDims, dims));
  }
  if (sinks)
    entries[n++] = mlirNamedAttributeGet(
        mlirIdentifierGet(ctx, mlirStringRefCreateFromCString("sinks")), mlirUnitAttrGet(ctx));
  if (s->hasBlockMask)
    entries[n++] = mlirNamedAttributeGet(
        mlirIdentifierGet(ctx, mlirStringRefCreateFromCString("block_mask")), mlirUnitAttrGet(ctx));
  if (s->hasFullBlocks)
    entries[n++] =
        mlirNamedAttributeGet(mlirIdentifierGet(ctx, mlirStringRefCreateFromCString("full_blocks")),
                              mlirUnitAttrGet(ctx));
  /* the kernel takes q_descale, k_descale, v_descale or k_scale, v_scale
   * (docs/fp8.md); a paged op's merge kernel has none of them */
  if (s->fp8 && strcmp(kind, "paged_merge"))
    entries[n++] = mlirNamedAttributeGet(
        mlirIdentifierGet(ctx, mlirStringRefCreateFromCString("fp8")), mlirUnitAttrGet(ctx));
  /* the kernel takes dropout's run-time [seed, offset] */
  if (s->dropout.runtime)
    entries[n++] = mlirNamedAttributeGet(
        mlirIdentifierGet(ctx, mlirStringRefCreateFromCString("rng_state")), mlirUnitAttrGet(ctx));
  /* SAGE (docs/fp8.md): i8 q and k, fp8 v, block / channel descales */
  if (s->sage)
    entries[n++] = mlirNamedAttributeGet(
        mlirIdentifierGet(ctx, mlirStringRefCreateFromCString("sage")), mlirUnitAttrGet(ctx));
  if (s->hasKMean) /* the kernel takes k_mean after the descales */
    entries[n++] = mlirNamedAttributeGet(
        mlirIdentifierGet(ctx, mlirStringRefCreateFromCString("k_mean")), mlirUnitAttrGet(ctx));
  return mlirDictionaryAttrGet(ctx, n, entries);
}

/* The merge kernel's grid: (Tq) -> (Tq ceildiv BLOCK_M, Hq, 1). */
static MlirAffineMap mergeGrid(MlirContext ctx, const Spec *s) {
  MlirAffineExpr results[3] = {mlirAffineCeilDivExprGet(mlirAffineDimExprGet(ctx, 0),
                                                        mlirAffineConstantExprGet(ctx, s->blockM)),
                               mlirAffineConstantExprGet(ctx, s->hq),
                               mlirAffineConstantExprGet(ctx, 1)};
  return mlirAffineMapGet(ctx, 1, 0, 3, results);
}

static MlirValue castToParam(AttnBuilder *b, MlirValue mem, MlirType paramType) {
  return attnOp1(b, "memref.cast", 1, &mem, paramType);
}

/* The host side: buffers, grid, launch; the op's results become the buffers. */
static void emitLaunch(MlirOperation op, const Spec *s, const char *launchName,
                       const MlirType *params) {
  AttnBuilder b = attnBuilderBefore(op);
  MlirValue args[24];
  intptr_t n = 0;
  intptr_t numIn = mlirOperationGetNumOperands(op);
  MlirValue in[16];
  for (intptr_t i = 0; i < numIn; ++i) {
    in[i] = attnToBuffer(&b, mlirOperationGetOperand(op, i));
    args[n] = castToParam(&b, in[i], params[n]);
    ++n;
  }
  MlirValue q = in[0], v = in[2];
  MlirValue out, lse = attnNullValue();
  if (!s->varlen) {
    MlirValue src[4] = {q, q, q, v};
    int dims[4] = {0, 1, 2, 3};
    out = attnAllocLike(&b, mlirOperationGetResult(op, 0), src, dims);
    if (s->hasLse)
      lse = attnAllocLike(&b, mlirOperationGetResult(op, 1), src, dims);
  } else {
    MlirValue src[3] = {q, q, v};
    int dims[3] = {0, 1, 2};
    out = attnAllocLike(&b, mlirOperationGetResult(op, 0), src, dims);
    if (s->hasLse) {
      MlirValue lsrc[2] = {q, q};
      int ldims[2] = {1, 0};
      lse = attnAllocLike(&b, mlirOperationGetResult(op, 1), lsrc, ldims);
    }
  }
  args[n] = castToParam(&b, out, params[n]);
  ++n;
  if (s->hasLse) {
    args[n] = castToParam(&b, lse, params[n]);
    ++n;
  }
  /* attn.grid is (B, Sq) -> grid for attn.mha, (Tq, B) -> grid for varlen. */
  MlirValue gridIn[2];
  if (!s->varlen) {
    gridIn[0] = attnDim(&b, q, 0);
    gridIn[1] = attnDim(&b, q, 2);
  } else {
    gridIn[0] = attnDim(&b, q, 0);
    gridIn[1] = attnSubI(&b, attnDim(&b, in[3], 0), cst(&b, 1));
  }
  for (intptr_t i = 0; i < 3; ++i)
    args[n++] = attnAffineApply(&b, mlirAffineMapGetSubMap(s->gridMap, 1, &i), 2, gridIn);
  attnCall(&b, launchName, n, args);

  MlirValue res0 = mlirOperationGetResult(op, 0);
  mlirValueReplaceAllUsesOfWith(res0, attnToTensor(&b, out, mlirValueGetType(res0)));
  if (s->hasLse) {
    MlirValue res1 = mlirOperationGetResult(op, 1);
    mlirValueReplaceAllUsesOfWith(res1, attnToTensor(&b, lse, mlirValueGetType(res1)));
  }
}

/* The number of KV splits of a paged op, on the host: attn.tile's
 * kv_splits, or enough splits that the grid has about `target` programs,
 * at most one per 256 keys of the longest possible sequence and at most
 * 256 (docs/paged.md). The CPU runtime's pool is the device here; 64
 * programs keep its threads busy. */
static MlirValue hostSplits(AttnBuilder *b, const Spec *s, MlirValue programs, MlirValue table) {
  if (s->kvSplits > 0)
    return cst(b, s->kvSplits);
  MlirValue c1 = cst(b, 1);
  MlirValue want = attnBinary(b, "arith.ceildivsi", cst(b, 64), maxI(b, programs, c1));
  MlirValue maxKeys = attnMulI(b, attnDim(b, table, 1), cst(b, s->bs));
  MlirValue cap = minI(b, attnBinary(b, "arith.ceildivsi", maxKeys, cst(b, 256)), cst(b, 256));
  return attnClampSI(b, want, c1, maxI(b, cap, c1));
}

static MlirValue allocF32(AttnBuilder *b, int rank, const int64_t *staticDims,
                          const MlirValue *dims) {
  int64_t shape[4];
  MlirValue dyn[4];
  intptr_t nDyn = 0;
  for (int i = 0; i < rank; ++i) {
    shape[i] = staticDims[i];
    if (mlirShapedTypeIsDynamicSize(shape[i]))
      dyn[nDyn++] = dims[i];
  }
  MlirType type = mlirMemRefTypeContiguousGet(attnF32Type(b), rank, shape, mlirAttributeGetNull());
  return attnAlloc(b, type, nDyn, dyn);
}

/* The operand number of a paged op's sinks (after the fixed operands and
 * alibi, before the fp8 scales), or -1. By position: one value may also be
 * another operand (the alibi slopes, say). */
static intptr_t sinksOperand(MlirOperation op) {
  if (mlirValueIsNull(attnOpSinks(op)))
    return -1;
  intptr_t fixed = attnIsOp(op, "attn.mla") ? 5 : 6;
  return fixed + (mlirValueIsNull(attnOpAlibi(op)) ? 0 : 1);
}

/* The host side of a paged op: the workspace, the split kernel's grid and
 * launch, the results, the merge launch. */
static void emitPagedLaunch(MlirOperation op, const Spec *s, const char *splitLaunch,
                            const MlirType *splitParams, const char *mergeLaunch,
                            const MlirType *mergeParams) {
  AttnBuilder b = attnBuilderBefore(op);
  MlirValue args[20], in[16];
  /* The split kernel takes every operand but the sinks (the merge's). */
  intptr_t n = 0, numIn = 0, skip = sinksOperand(op);
  for (intptr_t i = 0; i < mlirOperationGetNumOperands(op); ++i) {
    if (i == skip)
      continue;
    in[numIn] = attnToBuffer(&b, mlirOperationGetOperand(op, i));
    args[n] = castToParam(&b, in[numIn++], splitParams[n]);
    ++n;
  }
  /* attn.mla has no v_cache: its table and seq_lens come one operand earlier. */
  int tableAt = s->mla ? 2 : 3;
  MlirValue q = in[0], table = in[tableAt];
  MlirValue tq = attnDim(&b, q, 0), batch = attnDim(&b, in[tableAt + 1], 0);
  MlirValue gridIn[3] = {tq, batch, cst(&b, 1)};
  intptr_t r0 = 0, r1 = 1;
  MlirValue programs =
      attnMulI(&b, attnAffineApply(&b, mlirAffineMapGetSubMap(s->gridMap, 1, &r0), 3, gridIn),
               attnAffineApply(&b, mlirAffineMapGetSubMap(s->gridMap, 1, &r1), 3, gridIn));
  gridIn[2] = hostSplits(&b, s, programs, table);
  int64_t dyn = mlirShapedTypeGetDynamicSize();
  int64_t outShape[4] = {dyn, dyn, s->hq, s->dv}, lseShape[3] = {dyn, s->hq, dyn};
  MlirValue outDims[4] = {gridIn[2], tq}, lseDims[3] = {gridIn[2], attnNullValue(), tq};
  MlirValue splitOut = allocF32(&b, 4, outShape, outDims);
  MlirValue splitLse = allocF32(&b, 3, lseShape, lseDims);
  args[n] = castToParam(&b, splitOut, splitParams[n]);
  ++n;
  args[n] = castToParam(&b, splitLse, splitParams[n]);
  ++n;
  for (intptr_t i = 0; i < 3; ++i)
    args[n++] = attnAffineApply(&b, mlirAffineMapGetSubMap(s->gridMap, 1, &i), 3, gridIn);
  attnCall(&b, splitLaunch, n, args);

  /* out: Tq x Hq x Dv, Dv static (v_cache dim 3, or attn.mla's kv_lora_rank). */
  MlirValue src[3] = {q, q, s->mla ? q : in[2]};
  int dims[3] = {0, 1, s->mla ? 2 : 3};
  MlirValue out = attnAllocLike(&b, mlirOperationGetResult(op, 0), src, dims),
            lse = attnNullValue();
  n = 0;
  args[n] = castToParam(&b, splitOut, mergeParams[n]);
  ++n;
  args[n] = castToParam(&b, splitLse, mergeParams[n]);
  ++n;
  if (s->hasSinks) {
    args[n] = castToParam(&b, attnToBuffer(&b, attnOpSinks(op)), mergeParams[n]);
    ++n;
  }
  args[n] = castToParam(&b, out, mergeParams[n]);
  ++n;
  if (s->hasLse) {
    MlirValue lsrc[2] = {q, q};
    int ldims[2] = {1, 0};
    lse = attnAllocLike(&b, mlirOperationGetResult(op, 1), lsrc, ldims);
    args[n] = castToParam(&b, lse, mergeParams[n]);
    ++n;
  }
  MlirAffineMap grid = mergeGrid(b.ctx, s);
  for (intptr_t i = 0; i < 3; ++i)
    args[n++] = attnAffineApply(&b, mlirAffineMapGetSubMap(grid, 1, &i), 1, &tq);
  /* No frees: the pipelines' buffer deallocation places them (and
   * rejects explicit ones). */
  attnCall(&b, mergeLaunch, n, args);

  MlirValue res0 = mlirOperationGetResult(op, 0);
  mlirValueReplaceAllUsesOfWith(res0, attnToTensor(&b, out, mlirValueGetType(res0)));
  if (s->hasLse) {
    MlirValue res1 = mlirOperationGetResult(op, 1);
    mlirValueReplaceAllUsesOfWith(res1, attnToTensor(&b, lse, mlirValueGetType(res1)));
  }
}

/* Creates kernel function `name` (and its launch declaration) before
 * `anchor` and fills its body with `emit`. */
typedef void (*EmitKernel)(AttnBuilder *b, const Spec *s, MlirValue *args);

static void buildKernel(MlirOperation anchor, MlirOperation op, const Spec *s, const char *name,
                        const char *launch, intptr_t n, const MlirType *params, MlirAttribute attr,
                        EmitKernel emit) {
  MlirLocation loc = mlirOperationGetLocation(op);
  MlirOperation kfn = createFunc(anchor, loc, name, n, params, false, attr);
  createFunc(anchor, loc, launch, n, params, true, mlirAttributeGetNull());
  MlirBlock entry = mlirRegionGetFirstBlock(mlirOperationGetRegion(kfn, 0));
  AttnBuilder b = {mlirOperationGetContext(op), mlirOperationGetLocation(op), entry, attnNullOp()};
  MlirValue args[24];
  for (intptr_t i = 0; i < n; ++i)
    args[i] = mlirBlockGetArgument(entry, i);
  emit(&b, s, args);
  attnBuildOp(&b, "func.return", 0, NULL, 0, NULL, 0, NULL, 0, NULL);
}

static void lowerPagedOp(MlirOperation op, MlirOperation func, const Spec *s, const char *kernel,
                         const char *launch) {
  MlirContext ctx = mlirOperationGetContext(op);
  static const char *const splitDims[3] = {"q.0", "query_start_loc.0-1", "split_lse.0"};
  static const char *const mergeDims[1] = {"out.0"};
  char merge[300], mergeLaunch[340];
  snprintf(merge, sizeof(merge), "%s_merge", kernel);
  snprintf(mergeLaunch, sizeof(mergeLaunch), "__attn_launch_%s", merge);
  MlirType splitParams[20], mergeParams[20];
  intptr_t ns = kernelParamTypes(ctx, s, splitParams);
  intptr_t nm = mergeParamTypes(ctx, s, mergeParams);
  buildKernel(func, op, s, kernel, launch, ns, splitParams,
              kernelAttr(ctx, s,
                         s->mla      ? "mla_decode"
                         : s->decode ? "paged_decode"
                                     : "paged",
                         s->gridMap, 3, splitDims, false),
              s->decode ? emitPagedDecodeKernel : emitPagedPrefillKernel);
  buildKernel(func, op, s, merge, mergeLaunch, nm, mergeParams,
              kernelAttr(ctx, s, "paged_merge", mergeGrid(ctx, s), 1, mergeDims, s->hasSinks),
              emitMergeKernel);
  emitPagedLaunch(op, s, launch, splitParams, mergeLaunch, mergeParams);
}

static bool lowerOp(MlirOperation op, const SoftmaxOptions *o, int *counter) {
  Spec s;
  if (!readSpec(op, &s))
    return false;
  s.foldScale = o->foldScale;
  s.fp8P = o->fp8P && s.fp8 && !s.paged && !s.sage && !(s.dropout.p > 0);
  /* the largest P, 1, times 2^pShift stays below the format's largest value
   * (inElem is only read for fp8 kernels) */
  s.pShift = s.fp8P && mlirTypeIsAFloat8E4M3FNUZ(s.inElem) ? 7 : 8;
  MlirOperation func = attnParentOfType(op, "func.func");
  MlirOperation module = attnParentOfType(op, "builtin.module");
  if (mlirOperationIsNull(func) || mlirOperationIsNull(module)) {
    attnEmitOpError(op, "attn-online-softmax", "must be inside a func.func in a module");
    return false;
  }
  MlirStringRef fname = mlirStringAttrGetValue(
      mlirOperationGetAttributeByName(func, mlirStringRefCreateFromCString("sym_name")));
  char kernel[256], launch[300], merge[300];
  do {
    snprintf(kernel, sizeof(kernel), "%.*s_attn%d", (int)(fname.length > 200 ? 200 : fname.length),
             fname.data, (*counter)++);
    snprintf(launch, sizeof(launch), "__attn_launch_%s", kernel);
    snprintf(merge, sizeof(merge), "%s_merge", kernel);
  } while (attnSymbolTaken(module, kernel) || attnSymbolTaken(module, launch) ||
           (s.paged && attnSymbolTaken(module, merge)));

  if (s.paged) {
    lowerPagedOp(op, func, &s, kernel, launch);
    return true;
  }
  MlirContext ctx = mlirOperationGetContext(op);
  MlirType params[24];
  intptr_t n = kernelParamTypes(ctx, &s, params);
  buildKernel(func, op, &s, kernel, launch, n, params,
              kernelAttr(ctx, &s, s.varlen ? "mha_varlen" : "mha", s.gridMap, 0, NULL, s.hasSinks),
              s.varlen ? emitVarlenKernel : emitMhaKernel);
  emitLaunch(op, &s, launch, params);
  return true;
}

static void run(MlirOperation root, MlirExternalPass pass, const void *options) {
  const SoftmaxOptions *o = options;
  AttnOpList list = attnCollectAttnOps(root);
  bool ok = o && !list.outOfMemory;
  int counter = 0;
  for (size_t i = 0; i < list.count && ok; ++i) {
    if (!lowerOp(list.ops[i], o, &counter)) {
      ok = false;
      break;
    }
    mlirOperationDestroy(list.ops[i]);
  }
  attnOpListFree(&list);
  if (!ok)
    mlirExternalPassSignalFailure(pass);
}

/* fold-scale=true (the default) keeps plain logits unscaled in the KV loops
 * (foldedScale); attn-to-rocdl turns it off: on gfx942 the folded form
 * raised the kernels' SGPRs to the limit (61 spilled at D = 128) for no
 * change in llvm-mca's cycles per KV tile. */
static bool parseOptions(const char *text, SoftmaxOptions *o, char *err, size_t errLen) {
  int fold = 1, fp8P = 0;
  const AttnOptionWord words[] = {{"fold-scale=true", &fold, 1},
                                  {"fold-scale=false", &fold, 0},
                                  {"fp8-p=true", &fp8P, 1},
                                  {"fp8-p=false", &fp8P, 0}};
  bool ok = attnParseOptionWords(text, words, 4, "attn-online-softmax",
                                 "fold-scale=true|false, fp8-p=true|false", err, errLen);
  o->foldScale = fold;
  o->fp8P = fp8P;
  return ok;
}

static const int64_t passId = 0;

static const AttnPassInfo info = {&passId, "AttnOnlineSoftmax", "attn-online-softmax",
                                  "Fuse each tiled attention op into a flash-attention kernel "
                                  "(online softmax over KV tiles) and a grid launch of it",
                                  NULL};

MlirPass attnCreateOnlineSoftmaxPass(const char *options, char *err, size_t errLen) {
  SoftmaxOptions o;
  if (!parseOptions(options, &o, err, errLen))
    return (MlirPass){NULL};
  MlirPass pass = attnCreateOptionsPass(&info, &o, sizeof(o), run);
  if (!pass.ptr)
    snprintf(err, errLen, "attn-online-softmax: out of memory");
  return pass;
}
