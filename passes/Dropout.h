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
  /* seed and offset are read at run time from the op's rng_state operand
   * (tensor<2xi64>, [seed, offset]; the kernels take it as a memref), not
   * taken from the attributes. */
  bool runtime;
} AttnDropout;

/* The op's dropout_p, seed and offset (absent: 0), and whether it has an
 * rng_state operand. */
AttnDropout attnReadDropout(MlirOperation op);

/* The kernel parameter of a run-time rng_state: memref<2xi64, strided<[?],
 * offset: ?>> (any stride, as every tensor the kernels take). */
MlirType attnRngStateMemRefType(MlirContext ctx);

/* seed and offset as i64 values of one program: null (the attributes'
 * constants) or loaded from the rng_state memref. */
typedef struct {
  MlirValue seed, offset;
} AttnDropoutState;

/* Loads [seed, offset] from `rng` (attnRngStateMemRefType) at b's
 * insertion point: once at the top of a program, so the loads are not
 * repeated per tile. `rng` null (the attributes' seed and offset) gives the
 * null state. */
AttnDropoutState attnLoadDropoutState(AttnBuilder *b, MlirValue rng);

/* The factor of each element of a tile: 1 / (1 - p) where kept, else 0, as
 * an f32 tile of the shape of `queries` and `keys` (index tiles holding i
 * and j); `bh` is the index b * Hq + h; `st` the program's run-time seed
 * and offset (NULL or null values: d's constants). Element-wise integer
 * arithmetic on i64 tiles, which the CPU lowering evaluates column by
 * column. */
MlirValue attnDropoutScale(AttnBuilder *b, const AttnDropout *d, const AttnDropoutState *st,
                           MlirValue bh, MlirValue queries, MlirValue keys);

#endif /* ATTN_PASSES_DROPOUT_H */
