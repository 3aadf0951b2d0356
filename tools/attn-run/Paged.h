/*===- Paged.h - inputs of attn.paged_attention for attn-run ------*- C -*-===*
 *
 * attn-run's generator of valid paged inputs: sequence lengths, query
 * lengths, block tables and caches that follow the op's preconditions while
 * exercising what a kernel can get wrong (empty, single-key and full
 * sequences, decode next to prefill, tokens past the last sequence, shuffled
 * and shared blocks, garbage past the used table entries, NaN in every cache
 * slot no sequence reads).
 *
 *===----------------------------------------------------------------------===*/
#ifndef ATTN_RUN_PAGED_H
#define ATTN_RUN_PAGED_H

#include "Signature.h"
#include "Tensor.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* Fills the block_tables, seq_lens and query_start_loc of paged op `op`
 * whose `have[a]` is false (allocated, values to be chosen) from `rng`;
 * those with `have[a]` (from --input, or made for an earlier op) are taken as
 * they are and the others are made to fit them. Sets `have` for what it
 * fills. Returns false with a message when nothing valid fits (e.g. given
 * query lengths that a static NB cannot hold). */
bool attnPagedMakeLayout(const AttnFuncInfo *info, int op, AttnTensor *args, bool *have,
                         uint64_t *rng, FILE *err);

/* Writes NaN into every slot of the caches with `poison[a]` that no paged
 * op of the function reads (per its seq_lens and block table; entries that
 * break the preconditions are skipped), so a kernel reading outside the
 * sequences shows up. Leaves f32/f16/bf16 storage in sync. */
void attnPagedPoisonCaches(const AttnFuncInfo *info, AttnTensor *args, const bool *poison);

/* One line describing the layout of paged op `op`: seq_lens, q_lens,
 * tokens past the last sequence, shared blocks. */
void attnPagedPrintLayout(const AttnFuncInfo *info, int op, const AttnTensor *args, FILE *out);

#endif /* ATTN_RUN_PAGED_H */
