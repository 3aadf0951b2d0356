/*===- BlockMask.h - block masks in attn-run -----------------------*- C -*-===*
 *
 * Inputs and reference of an attention op's block mask (docs/masks.md):
 * random valid block lists derived from the op's mask_mod, and the
 * element visibility the double reference applies, with mask_mod evaluated
 * by an interpreter of its arith ops (independent of the compiler).
 *
 *===----------------------------------------------------------------------===*/
#ifndef ATTN_RUN_BLOCKMASK_H
#define ATTN_RUN_BLOCKMASK_H

#include "Tensor.h"

#include <stdio.h>

/* mask_mod(b, h, q_idx, kv_idx) (true without a region). */
bool attnMaskModEval(const AttnMaskProgram *prog, int64_t b, int64_t h, int64_t i, int64_t j);

/* Fills op `op`'s block tensors not given by --input: per (b, h, query
 * block) every key block is classified by mask_mod over its elements
 * (none visible: skipped, all: full, else partial), then randomly skipped,
 * or demoted from full to partial; the lists are shuffled and padded with
 * garbage past their counts (never read). Needs q, k (and cu_seqlens). */
bool attnBlockMaskMake(const AttnFuncInfo *info, int op, AttnTensor *args, const bool *have,
                       uint64_t *rng, FILE *err);

/* What the reference's keyMask callback reads. */
typedef struct {
  const AttnOpInfo *op;
  const AttnTensor *num, *idx, *fullNum, *fullIdx; /* full ones null when absent */
} AttnBlockMaskRef;

/* AttnRefParams.keyMask for an AttnBlockMaskRef. */
bool attnBlockMaskVisible(const void *ctx, int64_t b, int64_t h, int64_t i, int64_t j);

#endif /* ATTN_RUN_BLOCKMASK_H */
