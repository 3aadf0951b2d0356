/*===- BlockMask.c - block masks in attn-run -------------------------------===*/

#include "BlockMask.h"

#include "support/reference.h"

#include <stdlib.h>
#include <string.h>

/*===--- mask_mod interpreter -------------------------------------------------===*/

/* Values are kept sign-extended from their bit width. */
static int64_t signExtend(uint64_t v, int width) {
  if (width >= 64)
    return (int64_t)v;
  uint64_t m = (uint64_t)1 << (width - 1);
  v &= ((uint64_t)1 << width) - 1;
  return (int64_t)((v ^ m) - m);
}

static uint64_t unsignedOf(int64_t v, int width) {
  return width >= 64 ? (uint64_t)v : (uint64_t)v & (((uint64_t)1 << width) - 1);
}

static int64_t floorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

static int64_t ceilDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  return (a % b != 0 && ((a < 0) == (b < 0))) ? q + 1 : q;
}

/* arith.cmpi predicates: eq ne slt sle sgt sge ult ule ugt uge. */
static bool compare(int64_t pred, int64_t x, int64_t y, int w) {
  uint64_t ux = unsignedOf(x, w), uy = unsignedOf(y, w);
  switch (pred) {
  case 0:
    return x == y;
  case 1:
    return x != y;
  case 2:
    return x < y;
  case 3:
    return x <= y;
  case 4:
    return x > y;
  case 5:
    return x >= y;
  case 6:
    return ux < uy;
  case 7:
    return ux <= uy;
  case 8:
    return ux > uy;
  default:
    return ux >= uy;
  }
}

/* One instruction; division by zero (undefined in arith) gives 0 here. */
static int64_t step(const AttnMaskInst *in, const int64_t *v) {
  int64_t x = in->a >= 0 ? v[in->a] : 0, y = in->b >= 0 ? v[in->b] : 0;
  int w = in->srcWidth > 0 ? in->srcWidth : 64;
  uint64_t ux = unsignedOf(x, w), uy = unsignedOf(y, w);
  const char *op = in->op;
  int64_t r = 0;
  if (!strcmp(op, "constant"))
    r = in->imm;
  else if (!strcmp(op, "addi"))
    r = (int64_t)((uint64_t)x + (uint64_t)y);
  else if (!strcmp(op, "subi"))
    r = (int64_t)((uint64_t)x - (uint64_t)y);
  else if (!strcmp(op, "muli"))
    r = (int64_t)((uint64_t)x * (uint64_t)y);
  else if (!strcmp(op, "divsi"))
    r = y ? x / y : 0;
  else if (!strcmp(op, "divui"))
    r = uy ? (int64_t)(ux / uy) : 0;
  else if (!strcmp(op, "remsi"))
    r = y ? x % y : 0;
  else if (!strcmp(op, "remui"))
    r = uy ? (int64_t)(ux % uy) : 0;
  else if (!strcmp(op, "floordivsi"))
    r = y ? floorDiv(x, y) : 0;
  else if (!strcmp(op, "ceildivsi"))
    r = y ? ceilDiv(x, y) : 0;
  else if (!strcmp(op, "ceildivui"))
    r = uy ? (int64_t)((ux + uy - 1) / uy) : 0;
  else if (!strcmp(op, "maxsi"))
    r = x > y ? x : y;
  else if (!strcmp(op, "minsi"))
    r = x < y ? x : y;
  else if (!strcmp(op, "maxui"))
    r = ux > uy ? x : y;
  else if (!strcmp(op, "minui"))
    r = ux < uy ? x : y;
  else if (!strcmp(op, "andi"))
    r = x & y;
  else if (!strcmp(op, "ori"))
    r = x | y;
  else if (!strcmp(op, "xori"))
    r = x ^ y;
  else if (!strcmp(op, "shli"))
    r = uy < (uint64_t)w ? (int64_t)(ux << uy) : 0;
  else if (!strcmp(op, "shrui"))
    r = uy < (uint64_t)w ? (int64_t)(ux >> uy) : 0;
  else if (!strcmp(op, "shrsi"))
    r = uy < (uint64_t)w ? x >> uy : (x < 0 ? -1 : 0);
  else if (!strcmp(op, "cmpi"))
    r = compare(in->imm, x, y, w);
  else if (!strcmp(op, "select"))
    r = v[in->a] & 1 ? v[in->b] : v[in->c];
  else if (!strcmp(op, "extui") || !strcmp(op, "index_castui"))
    r = (int64_t)ux;
  else
    r = x; /* index_cast, extsi, trunci: the value, re-extended below */
  return signExtend((uint64_t)r, in->width);
}

bool attnMaskModEval(const AttnMaskProgram *prog, int64_t b, int64_t h, int64_t i, int64_t j) {
  if (!prog->present)
    return true;
  int64_t v[4 + ATTN_MASK_MAX_INSTS] = {b, h, i, j};
  for (int n = 0; n < prog->numInsts; ++n)
    v[4 + n] = step(&prog->insts[n], v);
  return v[prog->result] & 1;
}

/*===--- Block lists ----------------------------------------------------------===*/

/* (lenQ, lenK) of batch / sequence b. */
static void lengths(const AttnOpInfo *op, const AttnTensor *args, int64_t b, int64_t *lq,
                    int64_t *lk) {
  if (op->kind == ATTN_OP_MHA) {
    *lq = args[op->arg[ATTN_Q]].dims[2];
    *lk = args[op->arg[ATTN_K]].dims[2];
    return;
  }
  const AttnTensor *cq = &args[op->arg[ATTN_CU_Q]], *ck = &args[op->arg[ATTN_CU_K]];
  int64_t nseq = (int64_t)cq->count - 1;
  if (b >= nseq) {
    *lq = *lk = 0;
    return;
  }
  *lq = (int64_t)(cq->values[b + 1] - cq->values[b]);
  *lk = (int64_t)(ck->values[b + 1] - ck->values[b]);
}

/* 0: no element visible, 2: all, 1: some (by mask_mod alone). */
static int classify(const AttnOpInfo *op, int64_t b, int64_t h, int64_t q0, int64_t q1, int64_t k0,
                    int64_t k1) {
  bool any = false, all = true;
  for (int64_t i = q0; i < q1; ++i)
    for (int64_t j = k0; j < k1; ++j) {
      bool v = attnMaskModEval(&op->maskMod, b, h, i, j);
      any |= v;
      all &= v;
    }
  return !any ? 0 : all ? 2 : 1;
}

static void shuffle(int32_t *x, int64_t n, uint64_t *rng) {
  for (int64_t i = n - 1; i > 0; --i) {
    int64_t k = attnRandRange(rng, 0, i);
    int32_t t = x[i];
    x[i] = x[k];
    x[k] = t;
  }
}

/* The four tensors of an op's block mask (full ones null when absent). */
typedef struct {
  AttnTensor *num, *idx, *fullNum, *fullIdx;
} MaskTensors;

/* The listed state of key block kb for one (b, h, query block) whose rows
 * are [q0, q1): mask_mod's classification (random without a region or where
 * the block lies past the sequence), then randomly perturbed. */
static int blockState(const AttnOpInfo *op, bool haveFull, int64_t b, int64_t h, int64_t q0,
                      int64_t q1, int64_t kb, int64_t lk, uint64_t *rng) {
  int64_t k0 = kb * op->kvBlock, k1 = k0 + op->kvBlock < lk ? k0 + op->kvBlock : lk;
  int state = op->maskMod.present && q0 < q1 && k0 < k1 ? classify(op, b, h, q0, q1, k0, k1)
                                                        : (int)attnRandRange(rng, 0, 2);
  if (attnRandRange(rng, 0, 4) == 0)
    state = 0; /* skipped although visible: the lists decide */
  else if (state == 0 && attnRandRange(rng, 0, 2) == 0)
    state = (int)attnRandRange(rng, 1, 2); /* listed although mask_mod hides it */
  if (state == 2 && (!haveFull || attnRandRange(rng, 0, 3) == 0))
    state = 1; /* full blocks may be listed as partial */
  return state;
}

/* Row `row` of a (num, idx) pair: n shuffled entries, garbage after them. */
static void writeList(AttnTensor *num, AttnTensor *idx, size_t row, int32_t *list, int64_t n,
                      int64_t garbage, uint64_t *rng) {
  int64_t nkb = idx->dims[3];
  shuffle(list, n, rng);
  num->values[row] = (double)n;
  for (int64_t t = 0; t < nkb; ++t)
    idx->values[row * (size_t)nkb + (size_t)t] = t < n ? list[t] : garbage + t;
}

/* The lists of every (b, h, query block); `part` and `full` hold NKB entries. */
static void fillLists(const AttnOpInfo *op, const AttnTensor *args, MaskTensors *m, int32_t *part,
                      int32_t *full, uint64_t *rng) {
  int64_t nb = m->num->dims[0], nh = m->num->dims[1], nqb = m->num->dims[2], nkb = m->idx->dims[3];
  for (int64_t b = 0; b < nb; ++b)
    for (int64_t h = 0; h < nh; ++h)
      for (int64_t qb = 0; qb < nqb; ++qb) {
        int64_t lq, lk, np = 0, nf = 0;
        lengths(op, args, b, &lq, &lk);
        int64_t q0 = qb * op->qBlock, q1 = q0 + op->qBlock < lq ? q0 + op->qBlock : lq;
        for (int64_t kb = 0; kb < nkb; ++kb) {
          int state = blockState(op, m->fullNum != NULL, b, h, q0, q1, kb, lk, rng);
          if (state == 1)
            part[np++] = (int32_t)kb;
          else if (state == 2)
            full[nf++] = (int32_t)kb;
        }
        size_t row = (size_t)((b * nh + h) * nqb + qb);
        writeList(m->num, m->idx, row, part, np, -1000000, rng);
        if (m->fullNum)
          writeList(m->fullNum, m->fullIdx, row, full, nf, 1000000, rng);
      }
}

bool attnBlockMaskMake(const AttnFuncInfo *info, int opIndex, AttnTensor *args, const bool *have,
                       uint64_t *rng, FILE *err) {
  const AttnOpInfo *op = &info->ops[opIndex];
  int slots[4] = {ATTN_KV_NUM, ATTN_KV_IDX, ATTN_FULL_NUM, ATTN_FULL_IDX};
  bool haveFull = op->arg[ATTN_FULL_NUM] >= 0;
  int given = 0, needed = haveFull ? 4 : 2;
  for (int s = 0; s < needed; ++s)
    given += have[op->arg[slots[s]]] ? 1 : 0;
  if (given == needed)
    return true; /* from --input: used as they are (the kernels clamp bad entries) */
  if (given > 0) {
    fprintf(err,
            "attn-run: error: @%s: give all of the block mask's tensors with --input, or none\n",
            info->name);
    return false;
  }
  MaskTensors m = {&args[op->arg[ATTN_KV_NUM]], &args[op->arg[ATTN_KV_IDX]],
                   haveFull ? &args[op->arg[ATTN_FULL_NUM]] : NULL,
                   haveFull ? &args[op->arg[ATTN_FULL_IDX]] : NULL};
  int64_t nkb = m.idx->dims[3];
  int32_t *part = malloc((size_t)(nkb + 1) * sizeof(int32_t));
  int32_t *full = malloc((size_t)(nkb + 1) * sizeof(int32_t));
  if (part && full)
    fillLists(op, args, &m, part, full, rng);
  else
    fprintf(err, "attn-run: error: @%s: out of memory for a block mask\n", info->name);
  bool ok = part && full;
  free(part);
  free(full);
  for (int s = 0; ok && s < needed; ++s)
    attnTensorStoreValues(&args[op->arg[slots[s]]]);
  return ok;
}

/* Whether key block kb is among the first num[b][h][qb] entries of idx. */
static bool listed(const AttnTensor *num, const AttnTensor *idx, int64_t b, int64_t h, int64_t qb,
                   int64_t kb) {
  int64_t bb = b < num->dims[0] - 1 ? b : num->dims[0] - 1;
  int64_t hh = h < num->dims[1] - 1 ? h : num->dims[1] - 1;
  int64_t nqb = num->dims[2], nkb = idx->dims[3];
  if (bb < 0 || hh < 0 || nqb <= 0)
    return false;
  if (qb > nqb - 1)
    qb = nqb - 1;
  size_t row = (size_t)((bb * num->dims[1] + hh) * nqb + qb);
  int64_t n = (int64_t)num->values[row];
  n = n < 0 ? 0 : n > nkb ? nkb : n;
  for (int64_t t = 0; t < n; ++t)
    if ((int64_t)idx->values[row * (size_t)nkb + (size_t)t] == kb)
      return true;
  return false;
}

bool attnBlockMaskVisible(const void *ctx, int64_t b, int64_t h, int64_t i, int64_t j) {
  const AttnBlockMaskRef *m = ctx;
  int64_t qb = i / m->op->qBlock, kb = j / m->op->kvBlock;
  if (m->fullNum && listed(m->fullNum, m->fullIdx, b, h, qb, kb))
    return true;
  return listed(m->num, m->idx, b, h, qb, kb) && attnMaskModEval(&m->op->maskMod, b, h, i, j);
}
