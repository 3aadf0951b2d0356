/*===- Dropout.h - dropout masks in the kernel IR -----------------*- C -*-===*
 *
 * FlashAttention's dropout: each attention probability is kept with
 * probability 1 - p and then scaled by 1 / (1 - p). The keep decision is a
 * pure function of (seed, offset, b * Hq + h, query i, key j) through the
 * counter-based generator Philox4x32-10, so the forward and the backward
 * regenerate the same mask and nothing is stored (docs/backward.md):
 *
 *   key     = (seed mod 2^32, (seed >> 32) xor (offset >> 32))
 *   counter = (j, i, b * Hq + h, offset mod 2^32)
 *   keep    = word 0 of Philox4x32-10(counter, key) >= floor(p * 2^32)
 *
 * i and j are indices within the sequence (varlen: b is the sequence).
 * attn-run's reference (tools/attn-run/support/reference.c) implements the
 * same function independently.
 *
 *===----------------------------------------------------------------------===*/
#ifndef ATTN_PASSES_DROPOUT_H
#define ATTN_PASSES_DROPOUT_H

#include "Builder.h"

#include <stdbool.h>
#include <stdint.h>

typedef struct {
  double p; /* 0: no dropout */
  int64_t seed, offset;
} AttnDropout;

/* The op's dropout_p, seed and offset (absent: 0). */
AttnDropout attnReadDropout(MlirOperation op);

/* The factor of each element of a tile: 1 / (1 - p) where kept, else 0, as
 * an f32 tile of the shape of `queries` and `keys` (index tiles holding i
 * and j); `bh` is the index b * Hq + h. Element-wise integer arithmetic on
 * i64 tiles, which the CPU lowering evaluates column by column. */
MlirValue attnDropoutScale(AttnBuilder *b, const AttnDropout *d, MlirValue bh, MlirValue queries,
                           MlirValue keys);

#endif /* ATTN_PASSES_DROPOUT_H */
