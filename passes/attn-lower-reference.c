/*===- attn-lower-reference.c - attn ops to plain reference loops ---------===*
 *
 * The executable definition of the attn dialect. Each attention op becomes a
 * loop nest over (batch or sequence, query head, query row); every row runs
 * the textbook three-pass softmax with f32 accumulation:
 *
 *   pass 1: s[j] = mask(i, j) ? bias(cap(scale * q_i . k_j)) : -inf, m = max s
 *   pass 2: s[j] = exp(s[j] - m), l = sum s
 *   pass 3: out[i] = (sum_j s[j] * v_j) / l, lse[i] = m + log(l)
 *
 * attn.paged_attention reads key j of a sequence through its block table at
 * every access (no gather into a contiguous copy), so the indirection itself
 * is what the flash kernels are checked against.
 *
 * attn.mha_bwd / attn.mha_varlen_bwd recompute each row's softmax the same
 * way and then, with f32 accumulators for dk and dv:
 *
 *   pass 3: p[j] = s[j] / l, dp[j] = dout_i . v_j, delta = sum p[j] dp[j]
 *   pass 4: ds[j] = p[j] (dp[j] - delta) s'[j] (s' = scale, times 1 - tanh^2
 *           under a softcap); dk_j += ds[j] q_i, dv_j += p[j] dout_i
 *   pass 5: dq_i = sum_j ds[j] k_j
 *
 * Rows that see no key give out = 0 and lse = -inf. No tiling, no fusion: the
 * flash pipeline is checked against this (and both against attn-run's
 * independent double-precision implementation).
 *
 * Input operands are read through bufferization.to_buffer; results are fresh
 * allocations wrapped by bufferization.to_tensor, so one-shot bufferization
 * finishes the job. No memref.dealloc is emitted: the ownership-based
 * buffer-deallocation pipeline places them (it rejects hand-written ones).
 *
 *===----------------------------------------------------------------------===*/

#include "Builder.h"
#include "KernelIR.h"
#include "MaskMod.h"
#include "PassUtil.h"
#include "Passes.h"

#include "mlir-c/BuiltinAttributes.h"
#include "mlir-c/BuiltinTypes.h"
#include "mlir-c/Diagnostics.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Options of one attention op, read from its properties. */
typedef struct {
  double scale;
  bool causal;
  bool hasWindowLeft, hasWindowRight, hasSoftcap;
  int64_t windowLeft, windowRight;
  double softcap;
} AttnOptions;

/* Key j of a paged sequence is slot j mod BS of block table[seq][j / BS]:
 * the block table row, its last column, the last block id of the cache and
 * the block size. */
typedef struct {
  MlirValue table, seq, lastColumn, lastBlock;
  int64_t blockSize;
} AttnPaging;

/* How a row-wise computation reaches one operand: a memref and an index
 * vector whose `rowSlot` is the key/value row (offset by rowBase) and whose
 * `colSlot` is the head-dim column. Fixed indices are pre-filled. With
 * `paging`, the row is a key of a paged cache instead and fills slots 0
 * (block) and 1 (slot in the block). */
typedef struct {
  MlirValue mem;
  intptr_t rank;
  MlirValue idx[4];
  int rowSlot, colSlot;
  MlirValue rowBase;        /* null: rows start at 0 */
  const AttnPaging *paging; /* null: not paged */
  /* fp8 (docs/fp8.md): the f32 factor every element is multiplied by after
   * its exact decoding (a descale, or a paged cache's per-tensor or per-head
   * scale), or null; with `tokenScale` (NB x BS x Hkv) instead the factor
   * of the key's (block, slot, scaleHead). */
  struct {
    MlirValue scale, tokenScale, scaleHead;
    /* SAGE (docs/fp8.md, "SAGE"): the factor of row r is
     * rowScale[sb, sh, min(r / rowBlock, N - 1)] (k: one per block of keys),
     * that of column c colScale[sb, sh, c] (v: per channel), and
     * shift[sb, sh, c] is added after scaling (k_mean: the unsmoothed K). */
    MlirValue rowScale, colScale, shift, sb, sh;
    int64_t rowBlock;
  } dq;
} AttnAccess;
#define NO_DEQUANT                                                                                 \
  { {NULL}, {NULL}, {NULL}, {NULL}, {NULL}, {NULL}, {NULL}, {NULL}, 0 }

/* Everything one query row needs. */
typedef struct {
  AttnOptions opt;
  AttnAccess q, k, v, out, lse; /* lse.mem null when not requested */
  MlirValue slope;              /* f32 alibi slope of this head, or null */
  MlirValue sink;               /* f32 sink logit of this head, or null */
  MlirValue lenQ, lenK, row;    /* sequence lengths and the local query row */
  MlirValue scratch;            /* memref<?xf32>, at least lenK long */
  int64_t headDim, valueDim;
  MlirType outElemType;
  const struct AttnBlockMask *mask; /* block mask, or null */
} AttnRow;

/* A block mask (docs/masks.md) as one row reads it: the four int32
 * tensors (full ones null when absent), the block sizes, the op (for its
 * mask_mod region), the row's batch (varlen: sequence) and head, and the
 * row's state of every key block (0 skipped, 1 partial, 2 full). */
typedef struct AttnBlockMask {
  MlirValue num, idx, fullNum, fullIdx;
  int64_t qBlock, kvBlock;
  MlirOperation op;
  MlirValue batch, head, state;
} AttnBlockMask;

static MlirValue clampIndex(AttnBuilder *b, MlirValue x, MlirValue lo, MlirValue hi) {
  return attnMinSI(b, attnMaxSI(b, x, lo), hi);
}

/* Block and slot of key j. The column and the block id are clamped (the
 * block id comes from data): a table that breaks the op's preconditions
 * gives wrong numbers, never a read outside the cache. */
static void pagedRow(AttnBuilder *b, const AttnPaging *p, MlirValue j, MlirValue *idx) {
  MlirValue c0 = attnConstIndex(b, 0), bs = attnConstIndex(b, p->blockSize);
  MlirValue column = attnMinSI(b, attnDivSI(b, j, bs), p->lastColumn);
  MlirValue entry[2] = {p->seq, column};
  MlirValue block = attnIndexCast(b, attnLoad(b, p->table, 2, entry), attnIndexType(b));
  idx[0] = clampIndex(b, block, c0, p->lastBlock);
  idx[1] = attnBinary(b, "arith.remsi", j, bs);
}

static MlirValue *at(AttnAccess *a, MlirValue row, MlirValue col, AttnBuilder *b) {
  if (a->paging)
    pagedRow(b, a->paging, row, a->idx);
  else if (a->rowSlot >= 0)
    a->idx[a->rowSlot] = mlirValueIsNull(a->rowBase) ? row : attnAddI(b, a->rowBase, row);
  if (a->colSlot >= 0)
    a->idx[a->colSlot] = col;
  return a->idx;
}

/* The index of a row's scale block: min(row / block, N - 1), N the
 * scale's last dim (varlen's N covers the longest sequence; clamped so
 * that short scale tensors give wrong numbers, never reads outside). */
static MlirValue blockIndex(AttnBuilder *b, MlirValue scale, MlirValue row, int64_t block) {
  MlirValue last = attnSubI(b, attnDim(b, scale, 2), attnConstIndex(b, 1));
  return attnMaxSI(b, attnMinSI(b, attnDivSI(b, row, attnConstIndex(b, block)), last),
                   attnConstIndex(b, 0));
}

/* x (decoded exactly to f32) of element (row, col) times its SAGE scales,
 * plus its shift (k_mean). */
static MlirValue sageDequant(AttnBuilder *b, AttnAccess *a, MlirValue x, MlirValue row,
                             MlirValue col) {
  if (!mlirValueIsNull(a->dq.rowScale)) {
    MlirValue idx[3] = {a->dq.sb, a->dq.sh, blockIndex(b, a->dq.rowScale, row, a->dq.rowBlock)};
    x = attnMulF(b, x, attnLoad(b, a->dq.rowScale, 3, idx));
  }
  MlirValue cidx[3] = {a->dq.sb, a->dq.sh, col};
  if (!mlirValueIsNull(a->dq.colScale))
    x = attnMulF(b, x, attnLoad(b, a->dq.colScale, 3, cidx));
  if (!mlirValueIsNull(a->dq.shift))
    x = attnAddF(b, x, attnLoad(b, a->dq.shift, 3, cidx));
  return x;
}

static MlirValue loadF32(AttnBuilder *b, AttnAccess *a, MlirValue row, MlirValue col) {
  MlirValue *idx = at(a, row, col, b);
  MlirValue x = attnConvertFromFp8(b, attnLoad(b, a->mem, a->rank, idx), attnF32Type(b));
  if (!mlirValueIsNull(a->dq.rowScale) || !mlirValueIsNull(a->dq.colScale))
    return sageDequant(b, a, x, row, col);
  if (!mlirValueIsNull(a->dq.tokenScale)) { /* [NB, BS, Hkv], or attn.mla's [NB, BS] */
    MlirValue sidx[3] = {idx[0], idx[1], a->dq.scaleHead};
    intptr_t rank = mlirShapedTypeGetRank(mlirValueGetType(a->dq.tokenScale));
    return attnMulF(b, x, attnLoad(b, a->dq.tokenScale, rank, sidx));
  }
  return mlirValueIsNull(a->dq.scale) ? x : attnMulF(b, x, a->dq.scale);
}

/* An fp8 scale of (batch, KV head): shape [], [Hkv] or [B, Hkv] (paged:
 * [] or [Hkv] here; [NB, BS, Hkv] and attn.mla's [NB, BS] are read per key
 * by loadF32). */
static MlirValue loadScale(AttnBuilder *b, MlirValue scale, MlirValue batch, MlirValue kvHead) {
  intptr_t rank = mlirShapedTypeGetRank(mlirValueGetType(scale));
  MlirValue idx[2] = {rank == 2 ? batch : kvHead, kvHead};
  return attnLoad(b, scale, rank, idx);
}

/* Dequantization of an fp8 attn.mha / attn.mha_varlen (q, k, v times their
 * descales); nothing for other ops. */
static void setDescales(AttnBuilder *b, AttnRow *r, const MlirValue desc[3], MlirValue batch,
                        MlirValue kvHead) {
  if (mlirValueIsNull(desc[0]))
    return;
  r->q.dq.scale = loadScale(b, desc[0], batch, kvHead);
  r->k.dq.scale = loadScale(b, desc[1], batch, kvHead);
  r->v.dq.scale = loadScale(b, desc[2], batch, kvHead);
}

/* SAGE (docs/fp8.md, "SAGE"): q rows and k rows times their block's
 * descale, k plus k_mean when given (the op's K is the unsmoothed one), v
 * columns times their channel's descale; `batch` is the batch (varlen: the
 * sequence), rows local to it. */
typedef struct {
  MlirValue qd, kd, vd, kMean;
  int64_t qBlock, kBlock;
} AttnSage;

static bool readSage(AttnBuilder *b, MlirOperation op, AttnSage *s) {
  memset(s, 0, sizeof(*s));
  if (!attnOpIsSage(op))
    return false;
  s->qd = attnToBuffer(b, attnOpScale(op, ATTN_Q_DESCALE));
  s->kd = attnToBuffer(b, attnOpScale(op, ATTN_K_DESCALE));
  s->vd = attnToBuffer(b, attnOpScale(op, ATTN_V_DESCALE));
  MlirValue mean = attnOpKMean(op);
  s->kMean = mlirValueIsNull(mean) ? attnNullValue() : attnToBuffer(b, mean);
  s->qBlock = attnOpScaleBlock(op, "q_scale_block");
  s->kBlock = attnOpScaleBlock(op, "k_scale_block");
  return true;
}

static void setSage(AttnRow *r, const AttnSage *s, MlirValue batch, MlirValue head,
                    MlirValue kvHead) {
  r->q.dq.rowScale = s->qd;
  r->q.dq.rowBlock = s->qBlock;
  r->q.dq.sb = batch;
  r->q.dq.sh = head;
  r->k.dq.rowScale = s->kd;
  r->k.dq.rowBlock = s->kBlock;
  r->k.dq.shift = s->kMean;
  r->k.dq.sb = r->v.dq.sb = batch;
  r->k.dq.sh = r->v.dq.sh = kvHead;
  r->v.dq.colScale = s->vd;
}

/* visible(i, j) per the dialect: j <= i + off (causal), i + off - wl <= j,
 * j <= i + off + wr, with off = lenK - lenQ (bottom-right alignment). */
static MlirValue emitVisible(AttnBuilder *b, const AttnOptions *opt, MlirValue diag, MlirValue j) {
  /* Compared on the distance dist = diag - j, which stays small: adding a
   * window to diag would overflow for windows near INT64_MAX. */
  MlirValue dist = attnSubI(b, diag, j);
  MlirValue visible = attnNullValue();
  MlirValue conds[3];
  int n = 0;
  if (opt->causal)
    conds[n++] = attnCmpI(b, ATTN_CMPI_SGE, dist, attnConstIndex(b, 0));
  if (opt->hasWindowLeft)
    conds[n++] = attnCmpI(b, ATTN_CMPI_SLE, dist, attnConstIndex(b, opt->windowLeft));
  if (opt->hasWindowRight)
    conds[n++] = attnCmpI(b, ATTN_CMPI_SGE, dist, attnConstIndex(b, -opt->windowRight));
  for (int c = 0; c < n; ++c)
    visible = c == 0 ? conds[0] : attnAndI(b, visible, conds[c]);
  return visible;
}

/* Marks the key blocks listed for the row's query block in `state`:
 * state[blk] = value for the first num[b][h][qb] entries of idx (entries
 * outside [0, NKB) are ignored; B' and H' of 1 broadcast). */
static void markBlocks(AttnBuilder *b, const AttnBlockMask *m, MlirValue num, MlirValue idx,
                       MlirValue qb, MlirValue valid, int value) {
  MlirValue c0 = attnConstIndex(b, 0), c1 = attnConstIndex(b, 1);
  MlirValue bb = attnMinSI(b, m->batch, attnSubI(b, attnDim(b, num, 0), c1));
  MlirValue hh = attnMinSI(b, m->head, attnSubI(b, attnDim(b, num, 1), c1));
  MlirValue at[4] = {bb, hh, qb, c0};
  MlirValue nkb = attnDim(b, idx, 3);
  MlirValue count = clampIndex(b, attnLoadIndexIf(b, valid, num, 3, at), c0, nkb);
  AttnFor t = attnForBegin(b, c0, count, c1, 0, NULL);
  at[3] = t.iv;
  MlirValue blk = attnIndexCast(b, attnLoad(b, idx, 4, at), attnIndexType(b));
  MlirValue inRange =
      attnAndI(b, attnCmpI(b, ATTN_CMPI_SGE, blk, c0), attnCmpI(b, ATTN_CMPI_SLT, blk, nkb));
  MlirValue slot = clampIndex(b, blk, c0, attnSubI(b, nkb, c1));
  MlirValue old = attnLoad(b, m->state, 1, &slot);
  MlirValue mark = attnConstIndex(b, value);
  /* A block listed as full stays full. */
  MlirValue set = attnAndI(b, inRange, attnCmpI(b, ATTN_CMPI_SLE, old, mark));
  attnStore(b, attnSelect(b, set, mark, old), m->state, 1, &slot);
  attnForEnd(b, &t, 0, NULL);
}

/* The state of every key block for query row `row` (emitRow, once per row). */
static void emitBlockStates(AttnBuilder *b, const AttnBlockMask *m, MlirValue row) {
  MlirValue c0 = attnConstIndex(b, 0), c1 = attnConstIndex(b, 1);
  AttnFor t = attnForBegin(b, c0, attnDim(b, m->state, 0), c1, 0, NULL);
  attnStore(b, c0, m->state, 1, &t.iv);
  attnForEnd(b, &t, 0, NULL);
  MlirValue nqb = attnDim(b, m->num, 2);
  MlirValue valid = attnAndI(b, attnCmpI(b, ATTN_CMPI_SGT, nqb, c0),
                             attnAndI(b, attnCmpI(b, ATTN_CMPI_SGT, attnDim(b, m->num, 0), c0),
                                      attnCmpI(b, ATTN_CMPI_SGT, attnDim(b, m->num, 1), c0)));
  MlirValue qb = clampIndex(b, attnDivSI(b, row, attnConstIndex(b, m->qBlock)), c0,
                            attnMaxSI(b, attnSubI(b, nqb, c1), c0));
  markBlocks(b, m, m->num, m->idx, qb, valid, 1);
  if (!mlirValueIsNull(m->fullNum))
    markBlocks(b, m, m->fullNum, m->fullIdx, qb, valid, 2);
}

/* Key j passes the block mask: its block is full, or partial and
 * mask_mod(b, h, i, j) holds (always, without a region). */
static MlirValue emitBlockVisible(AttnBuilder *b, AttnRow *r, MlirValue j) {
  const AttnBlockMask *m = r->mask;
  MlirValue c0 = attnConstIndex(b, 0), c1 = attnConstIndex(b, 1);
  MlirValue kb = attnDivSI(b, j, attnConstIndex(b, m->kvBlock));
  MlirValue n = attnDim(b, m->state, 0);
  MlirValue slot = attnMinSI(b, kb, attnMaxSI(b, attnSubI(b, n, c1), c0));
  MlirValue st =
      attnSelect(b, attnCmpI(b, ATTN_CMPI_SLT, kb, n), attnLoad(b, m->state, 1, &slot), c0);
  MlirValue full = attnCmpI(b, ATTN_CMPI_EQ, st, attnConstIndex(b, 2));
  MlirValue partial = attnCmpI(b, ATTN_CMPI_EQ, st, c1);
  if (!mlirBlockIsNull(attnMaskModBlock(m->op))) {
    MlirValue args[4] = {m->batch, m->head, r->row, j};
    MlirValue elem = attnInlineMaskMod(b, m->op, args);
    if (!mlirValueIsNull(elem))
      partial = attnAndI(b, partial, elem);
  }
  return attnBinary(b, "arith.ori", full, partial);
}

/* Pass 1: logits of row i into scratch; returns the row max. */
static MlirValue emitLogits(AttnBuilder *b, AttnRow *r, MlirValue diag) {
  MlirValue c0 = attnConstIndex(b, 0), c1 = attnConstIndex(b, 1);
  /* A sink is one more logit of the row (without a value): it joins the max. */
  MlirValue init = mlirValueIsNull(r->sink) ? attnConstF32(b, -INFINITY) : r->sink;
  AttnFor keys = attnForBegin(b, c0, r->lenK, c1, 1, &init);
  MlirValue j = keys.iv;
  {
    MlirValue zero = attnConstF32(b, 0.0);
    AttnFor dims = attnForBegin(b, c0, attnConstIndex(b, r->headDim), c1, 1, &zero);
    MlirValue prod = attnMulF(b, loadF32(b, &r->q, r->row, dims.iv), loadF32(b, &r->k, j, dims.iv));
    MlirValue acc = attnAddF(b, dims.iterArgs[0], prod);
    attnForEnd(b, &dims, 1, &acc);

    MlirValue logit = attnMulF(b, dims.results[0], attnConstF32(b, r->opt.scale));
    if (r->opt.hasSoftcap) {
      MlirValue cap = attnConstF32(b, r->opt.softcap);
      logit = attnMulF(b, cap, attnTanhF(b, attnDivF(b, logit, cap)));
    }
    if (!mlirValueIsNull(r->slope)) {
      MlirValue dist = attnAbsI(b, attnSubI(b, diag, j));
      MlirValue distF = attnSIToFP(b, attnIndexCast(b, dist, attnIntType(b, 64)), attnF32Type(b));
      logit = attnSubF(b, logit, attnMulF(b, r->slope, distF));
    }
    MlirValue visible = emitVisible(b, &r->opt, diag, j);
    if (r->mask) {
      MlirValue inMask = emitBlockVisible(b, r, j);
      visible = mlirValueIsNull(visible) ? inMask : attnAndI(b, visible, inMask);
    }
    if (!mlirValueIsNull(visible))
      logit = attnSelect(b, visible, logit, attnConstF32(b, -INFINITY));
    attnStore(b, logit, r->scratch, 1, &j);
    MlirValue m = attnMaximumF(b, keys.iterArgs[0], logit);
    attnForEnd(b, &keys, 1, &m);
  }
  return keys.results[0];
}

/* exp(s - m) of one logit, 0 in a row whose max is -inf (`empty`: no visible
 * key and no sink; 0 rather than exp(NaN)); s == m gives 1 even when both are
 * +inf (an overflowed logit), where exp(s - m) would be NaN. */
static MlirValue emitWeight(AttnBuilder *b, MlirValue s, MlirValue m, MlirValue empty,
                            MlirValue zero) {
  MlirValue atMax = attnCmpF(b, ATTN_CMPF_OEQ, s, m);
  return attnSelect(b, empty, zero,
                    attnSelect(b, atMax, attnConstF32(b, 1.0), attnExpF(b, attnSubF(b, s, m))));
}

/* Pass 2: scratch[j] = exp(scratch[j] - m); returns the sum, the sink's
 * weight included (it has no value, so it only enlarges the sum). */
static MlirValue emitExpSum(AttnBuilder *b, AttnRow *r, MlirValue m) {
  MlirValue c0 = attnConstIndex(b, 0), c1 = attnConstIndex(b, 1);
  MlirValue zero = attnConstF32(b, 0.0);
  MlirValue empty = attnCmpF(b, ATTN_CMPF_OEQ, m, attnConstF32(b, -INFINITY));
  MlirValue init = mlirValueIsNull(r->sink) ? zero : emitWeight(b, r->sink, m, empty, zero);
  AttnFor keys = attnForBegin(b, c0, r->lenK, c1, 1, &init);
  MlirValue e = emitWeight(b, attnLoad(b, r->scratch, 1, &keys.iv), m, empty, zero);
  attnStore(b, e, r->scratch, 1, &keys.iv);
  MlirValue sum = attnAddF(b, keys.iterArgs[0], e);
  attnForEnd(b, &keys, 1, &sum);
  return keys.results[0];
}

/* Pass 3: out[i][dv] = sum_j scratch[j] * v[j][dv] / l, and lse. */
static void emitOutput(AttnBuilder *b, AttnRow *r, MlirValue m, MlirValue sum) {
  MlirValue c0 = attnConstIndex(b, 0), c1 = attnConstIndex(b, 1);
  MlirValue zero = attnConstF32(b, 0.0);
  MlirValue nonEmpty = attnCmpF(b, ATTN_CMPF_OGT, sum, zero);
  MlirValue inv = attnSelect(b, nonEmpty, attnDivF(b, attnConstF32(b, 1.0), sum), zero);
  AttnFor cols = attnForBegin(b, c0, attnConstIndex(b, r->valueDim), c1, 0, NULL);
  {
    AttnFor keys = attnForBegin(b, c0, r->lenK, c1, 1, &zero);
    MlirValue p = attnLoad(b, r->scratch, 1, &keys.iv);
    MlirValue acc =
        attnAddF(b, keys.iterArgs[0], attnMulF(b, p, loadF32(b, &r->v, keys.iv, cols.iv)));
    attnForEnd(b, &keys, 1, &acc);
    MlirValue o = attnConvertF(b, attnMulF(b, keys.results[0], inv), r->outElemType);
    attnStore(b, o, r->out.mem, r->out.rank, at(&r->out, r->row, cols.iv, b));
  }
  attnForEnd(b, &cols, 0, NULL);
  if (!mlirValueIsNull(r->lse.mem)) {
    MlirValue lse =
        attnSelect(b, nonEmpty, attnAddF(b, m, attnLogF(b, sum)), attnConstF32(b, -INFINITY));
    attnStore(b, lse, r->lse.mem, r->lse.rank, at(&r->lse, r->row, attnNullValue(), b));
  }
}

static void emitRow(AttnBuilder *b, AttnRow *r) {
  if (r->mask)
    emitBlockStates(b, r->mask, r->row);
  MlirValue diag = attnAddI(b, r->row, attnSubI(b, r->lenK, r->lenQ));
  MlirValue m = emitLogits(b, r, diag);
  MlirValue sum = emitExpSum(b, r, m);
  emitOutput(b, r, m, sum);
}

/*===--- Reading the op ----------------------------------------------------===*/

static MlirAttribute attr(MlirOperation op, const char *name) {
  return mlirOperationGetInherentAttributeByName(op, mlirStringRefCreateFromCString(name));
}

static AttnOptions readOptions(MlirOperation op, int64_t headDim) {
  AttnOptions o;
  memset(&o, 0, sizeof(o));
  MlirAttribute a = attr(op, "scale");
  o.scale = mlirAttributeIsNull(a) ? 1.0 / sqrt((double)headDim) : mlirFloatAttrGetValueDouble(a);
  o.causal = !mlirAttributeIsNull(attr(op, "causal"));
  if (!mlirAttributeIsNull(a = attr(op, "window_left"))) {
    o.hasWindowLeft = true;
    o.windowLeft = mlirIntegerAttrGetValueInt(a);
  }
  if (!mlirAttributeIsNull(a = attr(op, "window_right"))) {
    o.hasWindowRight = true;
    o.windowRight = mlirIntegerAttrGetValueInt(a);
  }
  if (!mlirAttributeIsNull(a = attr(op, "softcap"))) {
    o.hasSoftcap = true;
    o.softcap = mlirFloatAttrGetValueDouble(a);
  }
  return o;
}

static int64_t staticDim(MlirValue v, intptr_t i) {
  return mlirShapedTypeGetDimSize(mlirValueGetType(v), i);
}

static void replaceResults(AttnBuilder *b, MlirOperation op, MlirValue out, MlirValue lse) {
  MlirValue res0 = mlirOperationGetResult(op, 0);
  mlirValueReplaceAllUsesOfWith(res0, attnToTensor(b, out, mlirValueGetType(res0)));
  if (mlirOperationGetNumResults(op) > 1) {
    MlirValue res1 = mlirOperationGetResult(op, 1);
    mlirValueReplaceAllUsesOfWith(res1, attnToTensor(b, lse, mlirValueGetType(res1)));
  }
}

static MlirValue scratchFor(AttnBuilder *b, MlirValue keys, int keyDim) {
  int64_t shape[1] = {mlirShapedTypeGetDynamicSize()};
  MlirType type = mlirMemRefTypeContiguousGet(attnF32Type(b), 1, shape, mlirAttributeGetNull());
  MlirValue len = attnDim(b, keys, keyDim);
  return attnAlloc(b, type, 1, &len);
}

/* Fills every element of a rank-n memref with `value` (rows of varlen outputs
 * that belong to no sequence). */
static void emitFill(AttnBuilder *b, MlirValue mem, MlirValue value) {
  intptr_t rank = mlirShapedTypeGetRank(mlirValueGetType(mem));
  MlirValue idx[4];
  AttnFor loops[4];
  MlirValue c0 = attnConstIndex(b, 0), c1 = attnConstIndex(b, 1);
  for (intptr_t i = 0; i < rank; ++i) {
    loops[i] = attnForBegin(b, c0, attnDim(b, mem, i), c1, 0, NULL);
    idx[i] = loops[i].iv;
  }
  attnStore(b, value, mem, rank, idx);
  for (intptr_t i = rank - 1; i >= 0; --i)
    attnForEnd(b, &loops[i], 0, NULL);
}

/* lse (Hq x T) = sinks[h] in every row. */
static void fillLseWithSinks(AttnBuilder *b, MlirValue lse, MlirValue sinks) {
  MlirValue c0 = attnConstIndex(b, 0), c1 = attnConstIndex(b, 1);
  AttnFor head = attnForBegin(b, c0, attnDim(b, lse, 0), c1, 0, NULL);
  MlirValue sink = attnLoad(b, sinks, 1, &head.iv);
  AttnFor tok = attnForBegin(b, c0, attnDim(b, lse, 1), c1, 0, NULL);
  MlirValue idx[2] = {head.iv, tok.iv};
  attnStore(b, sink, lse, 2, idx);
  attnForEnd(b, &tok, 0, NULL);
  attnForEnd(b, &head, 0, NULL);
}

/* Output rows outside every sequence: 0, and lse -inf, or the head's sink
 * (such a row sees no key, so its log-sum-exp is the sink's). */
static void fillUncovered(AttnBuilder *b, MlirValue out, MlirValue lse, MlirValue sinks,
                          MlirType elemType) {
  emitFill(b, out, attnConvertF(b, attnConstF32(b, 0.0), elemType));
  if (mlirValueIsNull(lse))
    return;
  if (mlirValueIsNull(sinks))
    emitFill(b, lse, attnConstF32(b, -INFINITY));
  else
    fillLseWithSinks(b, lse, sinks);
}

/* The buffer of an optional operand, or null. */
static MlirValue optionalBuffer(AttnBuilder *b, MlirValue operand) {
  return mlirValueIsNull(operand) ? attnNullValue() : attnToBuffer(b, operand);
}

/* The op's block mask with its buffers and a state array of NKB (at least
 * 1) entries; false when the op has none. */
static bool readBlockMask(AttnBuilder *b, MlirOperation op, AttnBlockMask *m) {
  memset(m, 0, sizeof(*m));
  MlirValue num = attnOpBlockMask(op, ATTN_KV_NUM_BLOCKS);
  if (mlirValueIsNull(num))
    return false;
  m->num = attnToBuffer(b, num);
  m->idx = attnToBuffer(b, attnOpBlockMask(op, ATTN_KV_INDICES));
  m->fullNum = optionalBuffer(b, attnOpBlockMask(op, ATTN_FULL_KV_NUM_BLOCKS));
  m->fullIdx = optionalBuffer(b, attnOpBlockMask(op, ATTN_FULL_KV_INDICES));
  m->qBlock = mlirIntegerAttrGetValueInt(attr(op, "q_block_size"));
  m->kvBlock = mlirIntegerAttrGetValueInt(attr(op, "kv_block_size"));
  m->op = op;
  int64_t shape[1] = {mlirShapedTypeGetDynamicSize()};
  MlirType type = mlirMemRefTypeContiguousGet(attnIndexType(b), 1, shape, mlirAttributeGetNull());
  MlirValue n = attnMaxSI(b, attnDim(b, m->idx, 3), attnConstIndex(b, 1));
  m->state = attnAlloc(b, type, 1, &n);
  return true;
}

/* The buffers of an fp8 op's q_descale, k_descale, v_descale (null when
 * absent). */
static void readDescales(AttnBuilder *b, MlirOperation op, MlirValue desc[3]) {
  for (int i = 0; i < 3; ++i)
    desc[i] = optionalBuffer(b, attnOpScale(op, (AttnScaleOperand)(ATTN_Q_DESCALE + i)));
}

/* out's element type (q's, or for fp8 inputs the op's bf16 / f16 result). */
static MlirType resultElemType(MlirOperation op) {
  return mlirShapedTypeGetElementType(mlirValueGetType(mlirOperationGetResult(op, 0)));
}

/*===--- attn.mha ----------------------------------------------------------===*/

static void lowerMha(MlirOperation op) {
  AttnBuilder b = attnBuilderBefore(op);
  MlirValue qT = mlirOperationGetOperand(op, 0), kT = mlirOperationGetOperand(op, 1),
            vT = mlirOperationGetOperand(op, 2);
  bool hasLse = mlirOperationGetNumResults(op) > 1;
  int64_t hq = staticDim(qT, 1), hkv = staticDim(kT, 1), d = staticDim(qT, 3),
          dv = staticDim(vT, 3);

  MlirValue q = attnToBuffer(&b, qT), k = attnToBuffer(&b, kT), v = attnToBuffer(&b, vT);
  MlirValue alibi = optionalBuffer(&b, attnOpAlibi(op));
  MlirValue sinks = optionalBuffer(&b, attnOpSinks(op));
  MlirValue desc[3];
  AttnSage sage;
  bool isSage = readSage(&b, op, &sage);
  if (!isSage)
    readDescales(&b, op, desc);
  MlirType resultElem = resultElemType(op);
  MlirValue outSrc[4] = {q, q, q, v};
  int outDims[4] = {0, 1, 2, 3};
  MlirValue out = attnAllocLike(&b, mlirOperationGetResult(op, 0), outSrc, outDims);
  MlirValue lse =
      hasLse ? attnAllocLike(&b, mlirOperationGetResult(op, 1), outSrc, outDims) : attnNullValue();
  MlirValue scratch = scratchFor(&b, k, 2);
  AttnBlockMask mask;
  bool hasMask = readBlockMask(&b, op, &mask);

  MlirValue c0 = attnConstIndex(&b, 0), c1 = attnConstIndex(&b, 1);
  MlirValue lenQ = attnDim(&b, q, 2), lenK = attnDim(&b, k, 2);
  AttnFor batch = attnForBegin(&b, c0, attnDim(&b, q, 0), c1, 0, NULL);
  AttnFor head = attnForBegin(&b, c0, attnConstIndex(&b, hq), c1, 0, NULL);
  /* GQA/MQA: query head h reads KV head h / (Hq / Hkv). */
  MlirValue kvHead = attnDivSI(&b, head.iv, attnConstIndex(&b, hq / hkv));
  AttnFor rows = attnForBegin(&b, c0, lenQ, c1, 0, NULL);
  {
    MlirValue bi = batch.iv, h = head.iv, i = rows.iv;
    AttnRow r;
    memset(&r, 0, sizeof(r));
    r.opt = readOptions(op, d);
    r.q = (AttnAccess){q, 4, {bi, h, i, c0}, -1, 3, attnNullValue(), NULL, NO_DEQUANT};
    r.k = (AttnAccess){k, 4, {bi, kvHead, c0, c0}, 2, 3, attnNullValue(), NULL, NO_DEQUANT};
    r.v = (AttnAccess){v, 4, {bi, kvHead, c0, c0}, 2, 3, attnNullValue(), NULL, NO_DEQUANT};
    r.out = (AttnAccess){out, 4, {bi, h, i, c0}, -1, 3, attnNullValue(), NULL, NO_DEQUANT};
    r.lse = (AttnAccess){lse, 3, {bi, h, i, c0}, -1, -1, attnNullValue(), NULL, NO_DEQUANT};
    r.slope = mlirValueIsNull(alibi) ? attnNullValue() : attnLoad(&b, alibi, 1, &h);
    r.sink = mlirValueIsNull(sinks) ? attnNullValue() : attnLoad(&b, sinks, 1, &h);
    r.lenQ = lenQ;
    r.lenK = lenK;
    r.row = i;
    r.scratch = scratch;
    r.headDim = d;
    r.valueDim = dv;
    r.outElemType = resultElem;
    mask.batch = bi;
    mask.head = h;
    r.mask = hasMask ? &mask : NULL;
    if (isSage)
      setSage(&r, &sage, bi, h, kvHead);
    else
      setDescales(&b, &r, desc, bi, kvHead);
    emitRow(&b, &r);
  }
  attnForEnd(&b, &rows, 0, NULL);
  attnForEnd(&b, &head, 0, NULL);
  attnForEnd(&b, &batch, 0, NULL);
  replaceResults(&b, op, out, lse);
}

/*===--- attn.mha_varlen ---------------------------------------------------===*/

/* out (Tq x Hq x Dv, Dv from dim `dvDim` of v) and lse (Hq x Tq, or null)
 * of a packed op, pre-filled for the tokens outside every sequence. */
static void allocPackedResults(AttnBuilder *b, MlirOperation op, MlirValue q, MlirValue v,
                               MlirValue sinks, int dvDim, MlirValue *out, MlirValue *lse) {
  MlirValue outSrc[3] = {q, q, v};
  int outDims[3] = {0, 1, dvDim};
  *out = attnAllocLike(b, mlirOperationGetResult(op, 0), outSrc, outDims);
  MlirValue lseSrc[2] = {q, q};
  int lseDims[2] = {1, 0};
  *lse = mlirOperationGetNumResults(op) > 1
             ? attnAllocLike(b, mlirOperationGetResult(op, 1), lseSrc, lseDims)
             : attnNullValue();
  fillUncovered(b, *out, *lse, sinks,
                mlirShapedTypeGetElementType(mlirValueGetType(mlirOperationGetResult(op, 0))));
}

static void lowerMhaVarlen(MlirOperation op) {
  AttnBuilder b = attnBuilderBefore(op);
  MlirValue qT = mlirOperationGetOperand(op, 0), kT = mlirOperationGetOperand(op, 1),
            vT = mlirOperationGetOperand(op, 2);
  int64_t hq = staticDim(qT, 1), hkv = staticDim(kT, 1), d = staticDim(qT, 2),
          dv = staticDim(vT, 2);

  MlirValue q = attnToBuffer(&b, qT), k = attnToBuffer(&b, kT), v = attnToBuffer(&b, vT);
  MlirValue cuQ = attnToBuffer(&b, mlirOperationGetOperand(op, 3));
  MlirValue cuK = attnToBuffer(&b, mlirOperationGetOperand(op, 4));
  MlirValue alibi = optionalBuffer(&b, attnOpAlibi(op));
  MlirValue sinks = optionalBuffer(&b, attnOpSinks(op));
  MlirValue desc[3];
  AttnSage sage;
  bool isSage = readSage(&b, op, &sage);
  if (!isSage)
    readDescales(&b, op, desc);
  MlirType resultElem = resultElemType(op);
  MlirValue out, lse;
  allocPackedResults(&b, op, q, v, sinks, 2, &out, &lse);
  MlirValue scratch = scratchFor(&b, k, 0);
  AttnBlockMask mask;
  bool hasMask = readBlockMask(&b, op, &mask);

  MlirValue c0 = attnConstIndex(&b, 0), c1 = attnConstIndex(&b, 1);
  MlirValue numSeq = attnSubI(&b, attnDim(&b, cuQ, 0), c1);
  AttnFor seq = attnForBegin(&b, c0, numSeq, c1, 0, NULL);
  MlirValue next = attnAddI(&b, seq.iv, c1);
  /* Offsets outside the documented precondition (0 <= cu[b] <= cu[b+1] <= T)
   * are clamped into range: wrong data gives wrong numbers, never accesses
   * outside the tensors. */
  MlirValue tq = attnDim(&b, q, 0), tk = attnDim(&b, k, 0);
  MlirValue qEnd = clampIndex(&b, attnLoadIndex(&b, cuQ, next), c0, tq);
  MlirValue qStart = clampIndex(&b, attnLoadIndex(&b, cuQ, seq.iv), c0, qEnd);
  MlirValue kEnd = clampIndex(&b, attnLoadIndex(&b, cuK, next), c0, tk);
  MlirValue kStart = clampIndex(&b, attnLoadIndex(&b, cuK, seq.iv), c0, kEnd);
  MlirValue lenQ = attnSubI(&b, qEnd, qStart);
  MlirValue lenK = attnSubI(&b, kEnd, kStart);
  AttnFor head = attnForBegin(&b, c0, attnConstIndex(&b, hq), c1, 0, NULL);
  MlirValue kvHead = attnDivSI(&b, head.iv, attnConstIndex(&b, hq / hkv));
  AttnFor rows = attnForBegin(&b, c0, lenQ, c1, 0, NULL);
  {
    MlirValue h = head.iv;
    AttnRow r;
    memset(&r, 0, sizeof(r));
    r.opt = readOptions(op, d);
    r.q = (AttnAccess){q, 3, {c0, h, c0, c0}, 0, 2, qStart, NULL, NO_DEQUANT};
    r.k = (AttnAccess){k, 3, {c0, kvHead, c0, c0}, 0, 2, kStart, NULL, NO_DEQUANT};
    r.v = (AttnAccess){v, 3, {c0, kvHead, c0, c0}, 0, 2, kStart, NULL, NO_DEQUANT};
    r.out = (AttnAccess){out, 3, {c0, h, c0, c0}, 0, 2, qStart, NULL, NO_DEQUANT};
    r.lse = (AttnAccess){lse, 2, {h, c0, c0, c0}, 1, -1, qStart, NULL, NO_DEQUANT};
    r.slope = mlirValueIsNull(alibi) ? attnNullValue() : attnLoad(&b, alibi, 1, &h);
    r.sink = mlirValueIsNull(sinks) ? attnNullValue() : attnLoad(&b, sinks, 1, &h);
    r.lenQ = lenQ;
    r.lenK = lenK;
    r.row = rows.iv;
    r.scratch = scratch;
    r.headDim = d;
    r.valueDim = dv;
    r.outElemType = resultElem;
    mask.batch = seq.iv;
    mask.head = h;
    r.mask = hasMask ? &mask : NULL;
    if (isSage)
      setSage(&r, &sage, seq.iv, h, kvHead);
    else
      setDescales(&b, &r, desc, seq.iv, kvHead);
    emitRow(&b, &r);
  }
  attnForEnd(&b, &rows, 0, NULL);
  attnForEnd(&b, &head, 0, NULL);
  attnForEnd(&b, &seq, 0, NULL);
  replaceResults(&b, op, out, lse);
}

/*===--- attn.mha_bwd and attn.mha_varlen_bwd ---------------------------===*/

/* What one query row of a backward op needs besides its forward row (q, k,
 * v, options, lengths; the forward's out and lse are not read: the softmax is
 * recomputed): dout, dq, the f32 accumulators of dk and dv (laid out as k
 * and v) and a second scratch row. */
typedef struct {
  AttnRow fwd;
  AttnAccess dout, dq, dkAcc, dvAcc;
  MlirValue dsScratch; /* memref<?xf32>, at least lenK long: dp[j], then ds[j] */
} AttnGradRow;

/* d(logit)/d(q . k) of key j: scale, times 1 - tanh^2 under a softcap (the
 * dot product recomputed). */
static MlirValue emitLogitSlope(AttnBuilder *b, AttnRow *r, MlirValue j) {
  MlirValue scale = attnConstF32(b, r->opt.scale);
  if (!r->opt.hasSoftcap)
    return scale;
  MlirValue c0 = attnConstIndex(b, 0), c1 = attnConstIndex(b, 1), zero = attnConstF32(b, 0.0);
  AttnFor dims = attnForBegin(b, c0, attnConstIndex(b, r->headDim), c1, 1, &zero);
  MlirValue prod = attnMulF(b, loadF32(b, &r->q, r->row, dims.iv), loadF32(b, &r->k, j, dims.iv));
  MlirValue acc = attnAddF(b, dims.iterArgs[0], prod);
  attnForEnd(b, &dims, 1, &acc);
  MlirValue th = attnTanhF(
      b, attnDivF(b, attnMulF(b, dims.results[0], scale), attnConstF32(b, r->opt.softcap)));
  return attnMulF(b, scale, attnSubF(b, attnConstF32(b, 1.0), attnMulF(b, th, th)));
}

/* sum over the columns [0, n) of f(col): a dot product of row vectors. */
static MlirValue emitDot(AttnBuilder *b, int64_t n, AttnAccess *x, MlirValue xRow, AttnAccess *y,
                         MlirValue yRow) {
  MlirValue c0 = attnConstIndex(b, 0), c1 = attnConstIndex(b, 1), zero = attnConstF32(b, 0.0);
  AttnFor cols = attnForBegin(b, c0, attnConstIndex(b, n), c1, 1, &zero);
  MlirValue prod = attnMulF(b, loadF32(b, x, xRow, cols.iv), loadF32(b, y, yRow, cols.iv));
  MlirValue acc = attnAddF(b, cols.iterArgs[0], prod);
  attnForEnd(b, &cols, 1, &acc);
  return cols.results[0];
}

/* Pass 3: scratch[j] = p[j], dsScratch[j] = dp[j]; returns delta. */
static MlirValue emitProbsAndDp(AttnBuilder *b, AttnGradRow *g, MlirValue sum) {
  AttnRow *r = &g->fwd;
  MlirValue c0 = attnConstIndex(b, 0), c1 = attnConstIndex(b, 1), zero = attnConstF32(b, 0.0);
  MlirValue nonEmpty = attnCmpF(b, ATTN_CMPF_OGT, sum, zero);
  MlirValue inv = attnSelect(b, nonEmpty, attnDivF(b, attnConstF32(b, 1.0), sum), zero);
  AttnFor keys = attnForBegin(b, c0, r->lenK, c1, 1, &zero);
  MlirValue j = keys.iv;
  MlirValue p = attnMulF(b, attnLoad(b, r->scratch, 1, &j), inv);
  attnStore(b, p, r->scratch, 1, &j);
  MlirValue dp = emitDot(b, r->valueDim, &g->dout, r->row, &r->v, j);
  attnStore(b, dp, g->dsScratch, 1, &j);
  MlirValue delta = attnAddF(b, keys.iterArgs[0], attnMulF(b, p, dp));
  attnForEnd(b, &keys, 1, &delta);
  return keys.results[0];
}

/* acc[row][col] += x for the columns [0, n) of an f32 accumulator row. */
static void emitAccumulateRow(AttnBuilder *b, AttnAccess *acc, MlirValue row, int64_t n,
                              MlirValue scale, AttnAccess *x, MlirValue xRow) {
  MlirValue c0 = attnConstIndex(b, 0), c1 = attnConstIndex(b, 1);
  AttnFor cols = attnForBegin(b, c0, attnConstIndex(b, n), c1, 0, NULL);
  MlirValue *idx = at(acc, row, cols.iv, b);
  MlirValue old = attnLoad(b, acc->mem, acc->rank, idx);
  MlirValue add = attnMulF(b, scale, loadF32(b, x, xRow, cols.iv));
  attnStore(b, attnAddF(b, old, add), acc->mem, acc->rank, at(acc, row, cols.iv, b));
  attnForEnd(b, &cols, 0, NULL);
}

/* Pass 4: dsScratch[j] = ds[j]; dk_j += ds[j] q_i, dv_j += p[j] dout_i. */
static void emitDsAndKv(AttnBuilder *b, AttnGradRow *g, MlirValue delta) {
  AttnRow *r = &g->fwd;
  MlirValue c0 = attnConstIndex(b, 0), c1 = attnConstIndex(b, 1);
  AttnFor keys = attnForBegin(b, c0, r->lenK, c1, 0, NULL);
  MlirValue j = keys.iv;
  MlirValue p = attnLoad(b, r->scratch, 1, &j);
  MlirValue dp = attnLoad(b, g->dsScratch, 1, &j);
  MlirValue ds = attnMulF(b, attnMulF(b, p, attnSubF(b, dp, delta)), emitLogitSlope(b, r, j));
  attnStore(b, ds, g->dsScratch, 1, &j);
  emitAccumulateRow(b, &g->dkAcc, j, r->headDim, ds, &r->q, r->row);
  emitAccumulateRow(b, &g->dvAcc, j, r->valueDim, p, &g->dout, r->row);
  attnForEnd(b, &keys, 0, NULL);
}

/* Pass 5: dq_i = sum_j ds[j] k_j, in dq's element type. */
static void emitDq(AttnBuilder *b, AttnGradRow *g) {
  AttnRow *r = &g->fwd;
  MlirValue c0 = attnConstIndex(b, 0), c1 = attnConstIndex(b, 1), zero = attnConstF32(b, 0.0);
  AttnFor cols = attnForBegin(b, c0, attnConstIndex(b, r->headDim), c1, 0, NULL);
  {
    AttnFor keys = attnForBegin(b, c0, r->lenK, c1, 1, &zero);
    MlirValue ds = attnLoad(b, g->dsScratch, 1, &keys.iv);
    MlirValue acc =
        attnAddF(b, keys.iterArgs[0], attnMulF(b, ds, loadF32(b, &r->k, keys.iv, cols.iv)));
    attnForEnd(b, &keys, 1, &acc);
    MlirValue dq = attnConvertF(b, keys.results[0], r->outElemType);
    attnStore(b, dq, g->dq.mem, g->dq.rank, at(&g->dq, r->row, cols.iv, b));
  }
  attnForEnd(b, &cols, 0, NULL);
}

static void emitGradRow(AttnBuilder *b, AttnGradRow *g) {
  AttnRow *r = &g->fwd;
  MlirValue diag = attnAddI(b, r->row, attnSubI(b, r->lenK, r->lenQ));
  MlirValue m = emitLogits(b, r, diag);
  MlirValue sum = emitExpSum(b, r, m);
  MlirValue delta = emitProbsAndDp(b, g, sum);
  emitDsAndKv(b, g, delta);
  emitDq(b, g);
}

/* A zero-filled f32 buffer of the shape of `like`. */
static MlirValue allocF32Like(AttnBuilder *b, MlirValue like) {
  MlirType t = mlirValueGetType(like);
  intptr_t rank = mlirShapedTypeGetRank(t);
  int64_t shape[4];
  MlirValue dyn[4];
  intptr_t nDyn = 0;
  for (intptr_t i = 0; i < rank; ++i) {
    shape[i] = mlirShapedTypeGetDimSize(t, i);
    if (mlirShapedTypeIsDynamicSize(shape[i]))
      dyn[nDyn++] = attnDim(b, like, i);
  }
  MlirType type = mlirMemRefTypeContiguousGet(attnF32Type(b), rank, shape, mlirAttributeGetNull());
  MlirValue mem = attnAlloc(b, type, nDyn, dyn);
  emitFill(b, mem, attnConstF32(b, 0.0));
  return mem;
}

/* dst = src converted to dst's element type, element by element. */
static void emitConvertCopy(AttnBuilder *b, MlirValue src, MlirValue dst) {
  intptr_t rank = mlirShapedTypeGetRank(mlirValueGetType(dst));
  MlirType elem = mlirShapedTypeGetElementType(mlirValueGetType(dst));
  MlirValue idx[4];
  AttnFor loops[4];
  MlirValue c0 = attnConstIndex(b, 0), c1 = attnConstIndex(b, 1);
  for (intptr_t i = 0; i < rank; ++i) {
    loops[i] = attnForBegin(b, c0, attnDim(b, dst, i), c1, 0, NULL);
    idx[i] = loops[i].iv;
  }
  attnStore(b, attnConvertF(b, attnLoad(b, src, rank, idx), elem), dst, rank, idx);
  for (intptr_t i = rank - 1; i >= 0; --i)
    attnForEnd(b, &loops[i], 0, NULL);
}

/* The gradients' buffers (dq, dk, dv in the shapes of q, k, v), the f32
 * accumulators of dk and dv, and the two scratch rows. */
typedef struct {
  MlirValue q, k, v, dout, alibi, dq, dk, dv, dkAcc, dvAcc, scratch, dsScratch;
} GradBuffers;

static GradBuffers gradBuffers(AttnBuilder *b, MlirOperation op, int alibiOperand, int keyDim) {
  GradBuffers g;
  memset(&g, 0, sizeof(g));
  g.q = attnToBuffer(b, mlirOperationGetOperand(op, 0));
  g.k = attnToBuffer(b, mlirOperationGetOperand(op, 1));
  g.v = attnToBuffer(b, mlirOperationGetOperand(op, 2));
  g.dout = attnToBuffer(b, mlirOperationGetOperand(op, 4));
  g.alibi = mlirOperationGetNumOperands(op) > alibiOperand
                ? attnToBuffer(b, mlirOperationGetOperand(op, alibiOperand))
                : attnNullValue();
  MlirValue src[3] = {g.q, g.k, g.v};
  MlirValue *dst[3] = {&g.dq, &g.dk, &g.dv};
  for (int i = 0; i < 3; ++i) {
    MlirValue from[4] = {src[i], src[i], src[i], src[i]};
    int dims[4] = {0, 1, 2, 3};
    *dst[i] = attnAllocLike(b, mlirOperationGetResult(op, i), from, dims);
  }
  g.dkAcc = allocF32Like(b, g.k);
  g.dvAcc = allocF32Like(b, g.v);
  g.scratch = scratchFor(b, g.k, keyDim);
  g.dsScratch = scratchFor(b, g.k, keyDim);
  return g;
}

/* dk and dv from their accumulators; the op's results replaced. */
static void finishGrads(AttnBuilder *b, MlirOperation op, const GradBuffers *g) {
  emitConvertCopy(b, g->dkAcc, g->dk);
  emitConvertCopy(b, g->dvAcc, g->dv);
  MlirValue grads[3] = {g->dq, g->dk, g->dv};
  for (int i = 0; i < 3; ++i) {
    MlirValue res = mlirOperationGetResult(op, i);
    mlirValueReplaceAllUsesOfWith(res, attnToTensor(b, grads[i], mlirValueGetType(res)));
  }
}

static void lowerMhaBwd(MlirOperation op) {
  AttnBuilder b = attnBuilderBefore(op);
  MlirValue qT = mlirOperationGetOperand(op, 0), kT = mlirOperationGetOperand(op, 1),
            vT = mlirOperationGetOperand(op, 2);
  int64_t hq = staticDim(qT, 1), hkv = staticDim(kT, 1), d = staticDim(qT, 3),
          dv = staticDim(vT, 3);
  GradBuffers g = gradBuffers(&b, op, 6, 2);
  MlirValue c0 = attnConstIndex(&b, 0), c1 = attnConstIndex(&b, 1), none = attnNullValue();
  MlirValue lenQ = attnDim(&b, g.q, 2), lenK = attnDim(&b, g.k, 2);
  AttnFor batch = attnForBegin(&b, c0, attnDim(&b, g.q, 0), c1, 0, NULL);
  AttnFor head = attnForBegin(&b, c0, attnConstIndex(&b, hq), c1, 0, NULL);
  MlirValue kvHead = attnDivSI(&b, head.iv, attnConstIndex(&b, hq / hkv));
  AttnFor rows = attnForBegin(&b, c0, lenQ, c1, 0, NULL);
  {
    MlirValue bi = batch.iv, h = head.iv, i = rows.iv;
    AttnGradRow gr;
    memset(&gr, 0, sizeof(gr));
    AttnRow *r = &gr.fwd;
    r->opt = readOptions(op, d);
    r->q = (AttnAccess){g.q, 4, {bi, h, i, c0}, -1, 3, none, NULL, NO_DEQUANT};
    r->k = (AttnAccess){g.k, 4, {bi, kvHead, c0, c0}, 2, 3, none, NULL, NO_DEQUANT};
    r->v = (AttnAccess){g.v, 4, {bi, kvHead, c0, c0}, 2, 3, none, NULL, NO_DEQUANT};
    r->slope = mlirValueIsNull(g.alibi) ? none : attnLoad(&b, g.alibi, 1, &h);
    r->lenQ = lenQ;
    r->lenK = lenK;
    r->row = i;
    r->scratch = g.scratch;
    r->headDim = d;
    r->valueDim = dv;
    r->outElemType = mlirShapedTypeGetElementType(mlirValueGetType(qT));
    gr.dout = (AttnAccess){g.dout, 4, {bi, h, i, c0}, -1, 3, none, NULL, NO_DEQUANT};
    gr.dq = (AttnAccess){g.dq, 4, {bi, h, i, c0}, -1, 3, none, NULL, NO_DEQUANT};
    gr.dkAcc = (AttnAccess){g.dkAcc, 4, {bi, kvHead, c0, c0}, 2, 3, none, NULL, NO_DEQUANT};
    gr.dvAcc = (AttnAccess){g.dvAcc, 4, {bi, kvHead, c0, c0}, 2, 3, none, NULL, NO_DEQUANT};
    gr.dsScratch = g.dsScratch;
    emitGradRow(&b, &gr);
  }
  attnForEnd(&b, &rows, 0, NULL);
  attnForEnd(&b, &head, 0, NULL);
  attnForEnd(&b, &batch, 0, NULL);
  finishGrads(&b, op, &g);
}

/* Tokens outside every sequence keep the dq of 0 filled first; keys outside
 * every sequence keep the accumulators' 0. */
static void lowerMhaVarlenBwd(MlirOperation op) {
  AttnBuilder b = attnBuilderBefore(op);
  MlirValue qT = mlirOperationGetOperand(op, 0), kT = mlirOperationGetOperand(op, 1),
            vT = mlirOperationGetOperand(op, 2);
  int64_t hq = staticDim(qT, 1), hkv = staticDim(kT, 1), d = staticDim(qT, 2),
          dv = staticDim(vT, 2);
  MlirType elemType = mlirShapedTypeGetElementType(mlirValueGetType(qT));
  GradBuffers g = gradBuffers(&b, op, 8, 0);
  emitFill(&b, g.dq, attnConvertF(&b, attnConstF32(&b, 0.0), elemType));
  MlirValue cuQ = attnToBuffer(&b, mlirOperationGetOperand(op, 6));
  MlirValue cuK = attnToBuffer(&b, mlirOperationGetOperand(op, 7));
  MlirValue c0 = attnConstIndex(&b, 0), c1 = attnConstIndex(&b, 1), none = attnNullValue();
  MlirValue numSeq = attnSubI(&b, attnDim(&b, cuQ, 0), c1);
  AttnFor seq = attnForBegin(&b, c0, numSeq, c1, 0, NULL);
  MlirValue next = attnAddI(&b, seq.iv, c1);
  MlirValue tq = attnDim(&b, g.q, 0), tk = attnDim(&b, g.k, 0);
  MlirValue qEnd = clampIndex(&b, attnLoadIndex(&b, cuQ, next), c0, tq);
  MlirValue qStart = clampIndex(&b, attnLoadIndex(&b, cuQ, seq.iv), c0, qEnd);
  MlirValue kEnd = clampIndex(&b, attnLoadIndex(&b, cuK, next), c0, tk);
  MlirValue kStart = clampIndex(&b, attnLoadIndex(&b, cuK, seq.iv), c0, kEnd);
  MlirValue lenQ = attnSubI(&b, qEnd, qStart), lenK = attnSubI(&b, kEnd, kStart);
  AttnFor head = attnForBegin(&b, c0, attnConstIndex(&b, hq), c1, 0, NULL);
  MlirValue kvHead = attnDivSI(&b, head.iv, attnConstIndex(&b, hq / hkv));
  AttnFor rows = attnForBegin(&b, c0, lenQ, c1, 0, NULL);
  {
    MlirValue h = head.iv;
    AttnGradRow gr;
    memset(&gr, 0, sizeof(gr));
    AttnRow *r = &gr.fwd;
    r->opt = readOptions(op, d);
    r->q = (AttnAccess){g.q, 3, {c0, h, c0, c0}, 0, 2, qStart, NULL, NO_DEQUANT};
    r->k = (AttnAccess){g.k, 3, {c0, kvHead, c0, c0}, 0, 2, kStart, NULL, NO_DEQUANT};
    r->v = (AttnAccess){g.v, 3, {c0, kvHead, c0, c0}, 0, 2, kStart, NULL, NO_DEQUANT};
    r->slope = mlirValueIsNull(g.alibi) ? none : attnLoad(&b, g.alibi, 1, &h);
    r->lenQ = lenQ;
    r->lenK = lenK;
    r->row = rows.iv;
    r->scratch = g.scratch;
    r->headDim = d;
    r->valueDim = dv;
    r->outElemType = elemType;
    gr.dout = (AttnAccess){g.dout, 3, {c0, h, c0, c0}, 0, 2, qStart, NULL, NO_DEQUANT};
    gr.dq = (AttnAccess){g.dq, 3, {c0, h, c0, c0}, 0, 2, qStart, NULL, NO_DEQUANT};
    gr.dkAcc = (AttnAccess){g.dkAcc, 3, {c0, kvHead, c0, c0}, 0, 2, kStart, NULL, NO_DEQUANT};
    gr.dvAcc = (AttnAccess){g.dvAcc, 3, {c0, kvHead, c0, c0}, 0, 2, kStart, NULL, NO_DEQUANT};
    gr.dsScratch = g.dsScratch;
    emitGradRow(&b, &gr);
  }
  attnForEnd(&b, &rows, 0, NULL);
  attnForEnd(&b, &head, 0, NULL);
  attnForEnd(&b, &seq, 0, NULL);
  finishGrads(&b, op, &g);
}

/*===--- attn.paged_attention ---------------------------------------------===*/

/* The number of sequences every per-sequence operand has an entry for: B of
 * seq_lens and block_tables, query_start_loc's B+1 less one. They agree for
 * valid IR; the minimum keeps a dynamic mismatch inside the tensors. */
static MlirValue pagedBatch(AttnBuilder *b, MlirValue table, MlirValue seqLens, MlirValue qsl) {
  MlirValue n = attnMinSI(b, attnDim(b, table, 0), attnDim(b, seqLens, 0));
  return attnMinSI(b, n, attnSubI(b, attnDim(b, qsl, 0), attnConstIndex(b, 1)));
}

/* attn.paged_attention, and attn.mla: one latent cache NB x BS x D (no head
 * dim) whose rows are K and whose first kv_lora_rank values are V. */
static void lowerPaged(MlirOperation op) {
  AttnBuilder b = attnBuilderBefore(op);
  bool mla = attnIsOp(op, "attn.mla");
  int tableAt = mla ? 2 : 3; /* attn.mla has no v_cache operand */
  MlirValue qT = mlirOperationGetOperand(op, 0), kT = mlirOperationGetOperand(op, 1),
            vT = mla ? kT : mlirOperationGetOperand(op, 2);
  int64_t hq = staticDim(qT, 1), bs = staticDim(kT, 1), hkv = mla ? 1 : staticDim(kT, 2),
          d = staticDim(qT, 2),
          dv = mla ? mlirIntegerAttrGetValueInt(mlirOperationGetInherentAttributeByName(
                         op, mlirStringRefCreateFromCString("kv_lora_rank")))
                   : staticDim(vT, 3);
  MlirType elemType = mlirShapedTypeGetElementType(mlirValueGetType(qT));

  MlirValue q = attnToBuffer(&b, qT), k = attnToBuffer(&b, kT);
  MlirValue v = mla ? k : attnToBuffer(&b, vT);
  MlirValue kScale = optionalBuffer(&b, attnOpScale(op, ATTN_K_SCALE));
  MlirValue vScale = optionalBuffer(&b, attnOpScale(op, ATTN_V_SCALE));
  MlirValue table = attnToBuffer(&b, mlirOperationGetOperand(op, tableAt));
  MlirValue seqLens = attnToBuffer(&b, mlirOperationGetOperand(op, tableAt + 1));
  MlirValue qsl = attnToBuffer(&b, mlirOperationGetOperand(op, tableAt + 2));
  MlirValue alibi = optionalBuffer(&b, attnOpAlibi(op));
  MlirValue sinks = optionalBuffer(&b, attnOpSinks(op));
  MlirValue out, lse;
  /* out's Dv is static: v_cache's dim 3, or kv_lora_rank (q's dim 2 is a stand-in). */
  allocPackedResults(&b, op, q, mla ? q : v, sinks, mla ? 2 : 3, &out, &lse);

  MlirValue c0 = attnConstIndex(&b, 0), c1 = attnConstIndex(&b, 1);
  /* A sequence has at most MaxBlocks * BS keys, none if the cache has no
   * block to read them from. */
  MlirValue numBlocks = attnDim(&b, k, 0), maxBlocks = attnDim(&b, table, 1);
  MlirValue maxKeys = attnMulI(&b, maxBlocks, attnConstIndex(&b, bs));
  MlirValue keyCap = attnSelect(&b, attnCmpI(&b, ATTN_CMPI_SGT, numBlocks, c0), maxKeys, c0);
  MlirType scratchType = mlirMemRefTypeContiguousGet(
      attnF32Type(&b), 1, (int64_t[]){mlirShapedTypeGetDynamicSize()}, mlirAttributeGetNull());
  MlirValue scratch = attnAlloc(&b, scratchType, 1, &keyCap);

  AttnFor seq = attnForBegin(&b, c0, pagedBatch(&b, table, seqLens, qsl), c1, 0, NULL);
  MlirValue next = attnAddI(&b, seq.iv, c1);
  /* query_start_loc and seq_lens are clamped like varlen's offsets. */
  MlirValue tq = attnDim(&b, q, 0);
  MlirValue qEnd = clampIndex(&b, attnLoadIndex(&b, qsl, next), c0, tq);
  MlirValue qStart = clampIndex(&b, attnLoadIndex(&b, qsl, seq.iv), c0, qEnd);
  MlirValue lenQ = attnSubI(&b, qEnd, qStart);
  MlirValue lenK = clampIndex(&b, attnLoadIndex(&b, seqLens, seq.iv), c0, keyCap);
  AttnPaging paging = {table, seq.iv, attnSubI(&b, maxBlocks, c1), attnSubI(&b, numBlocks, c1), bs};
  AttnFor head = attnForBegin(&b, c0, attnConstIndex(&b, hq), c1, 0, NULL);
  MlirValue kvHead = attnDivSI(&b, head.iv, attnConstIndex(&b, hq / hkv));
  AttnFor rows = attnForBegin(&b, c0, lenQ, c1, 0, NULL);
  {
    MlirValue h = head.iv;
    AttnRow r;
    memset(&r, 0, sizeof(r));
    r.opt = readOptions(op, d);
    r.q = (AttnAccess){q, 3, {c0, h, c0, c0}, 0, 2, qStart, NULL, NO_DEQUANT};
    if (mla) { /* V: columns [0, dv) of the same rows */
      r.k = (AttnAccess){k, 3, {c0, c0, c0, c0}, -1, 2, attnNullValue(), &paging, NO_DEQUANT};
      r.v = r.k;
    } else {
      r.k = (AttnAccess){k, 4, {c0, c0, kvHead, c0}, -1, 3, attnNullValue(), &paging, NO_DEQUANT};
      r.v = (AttnAccess){v, 4, {c0, c0, kvHead, c0}, -1, 3, attnNullValue(), &paging, NO_DEQUANT};
    }
    r.out = (AttnAccess){out, 3, {c0, h, c0, c0}, 0, 2, qStart, NULL, NO_DEQUANT};
    r.lse = (AttnAccess){lse, 2, {h, c0, c0, c0}, 1, -1, qStart, NULL, NO_DEQUANT};
    r.slope = mlirValueIsNull(alibi) ? attnNullValue() : attnLoad(&b, alibi, 1, &h);
    r.sink = mlirValueIsNull(sinks) ? attnNullValue() : attnLoad(&b, sinks, 1, &h);
    if (!mlirValueIsNull(kScale)) { /* fp8 caches: keys and values times their scales */
      AttnAccess *kv[2] = {&r.k, &r.v};
      MlirValue sc[2] = {kScale, vScale};
      for (int i = 0; i < 2; ++i) {
        if (mlirShapedTypeGetRank(mlirValueGetType(sc[i])) >= 2) { /* per token */
          kv[i]->dq.tokenScale = sc[i];
          kv[i]->dq.scaleHead = kvHead;
        } else {
          kv[i]->dq.scale = loadScale(&b, sc[i], c0, kvHead);
        }
      }
    }
    /* emitRow puts local row t at t + lenK - lenQ = seq_len - q_len + t. */
    r.lenQ = lenQ;
    r.lenK = lenK;
    r.row = rows.iv;
    r.scratch = scratch;
    r.headDim = d;
    r.valueDim = dv;
    r.outElemType = elemType;
    emitRow(&b, &r);
  }
  attnForEnd(&b, &rows, 0, NULL);
  attnForEnd(&b, &head, 0, NULL);
  attnForEnd(&b, &seq, 0, NULL);
  replaceResults(&b, op, out, lse);
}

/*===--- The pass ----------------------------------------------------------===*/

static void run(MlirOperation root, MlirExternalPass pass) {
  AttnOpList list = attnCollectAttnOps(root);
  bool failed = list.outOfMemory;
  for (size_t i = 0; i < list.count && !failed; ++i) {
    MlirOperation op = list.ops[i];
    if (attnHasDropout(op)) {
      attnEmitOpError(op, "attn-lower-reference", "has dropout_p > 0, which it does not implement");
      failed = true;
      continue;
    }
    if (attnIsOp(op, "attn.mha")) {
      lowerMha(op);
    } else if (attnIsOp(op, "attn.mha_varlen")) {
      lowerMhaVarlen(op);
    } else if (attnIsOp(op, "attn.paged_attention") || attnIsOp(op, "attn.mla")) {
      lowerPaged(op);
    } else if (attnIsOp(op, "attn.mha_bwd")) {
      lowerMhaBwd(op);
    } else if (attnIsOp(op, "attn.mha_varlen_bwd")) {
      lowerMhaVarlenBwd(op);
    } else {
      attnEmitOpError(op, "attn-lower-reference", "has no reference lowering");
      failed = true;
      continue;
    }
    mlirOperationDestroy(op);
  }
  attnOpListFree(&list);
  if (failed)
    mlirExternalPassSignalFailure(pass);
}

static const int64_t passId = 0;

static const AttnPassInfo info = {
    &passId, "AttnLowerReference", "attn-lower-reference",
    "Lower attn ops to plain loops (f32 accumulation, three-pass softmax)", run};

MlirPass attnCreateLowerReferencePass(void) { return attnCreatePass(&info); }
