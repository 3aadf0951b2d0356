/*===- MaskMod.h - the block mask's element mask, inlined ---------*- C -*-===*
 *
 * attn.mha / attn.mha_varlen may carry a `mask_mod` region (docs/masks.md):
 * (b, h, q_idx, kv_idx : index or i64) -> i1, pure arith ops ending in
 * attn.yield. The lowerings evaluate it by copying its ops to where they
 * need the value: the reference lowering on scalars, the flash lowering on
 * whole tiles (the same arith ops on vectors).
 *
 *===----------------------------------------------------------------------===*/
#ifndef ATTN_PASSES_MASKMOD_H
#define ATTN_PASSES_MASKMOD_H

#include "Builder.h"

#include <stdbool.h>

/* The region's block, or a null block when the op has none. */
MlirBlock attnMaskModBlock(MlirOperation op);

/* The region's i1 at (b, h, q_idx, kv_idx), its ops copied at b's
 * insertion point. `args` are index scalars, or index vectors of one shape
 * (then every op is copied on vectors of that shape and the result is a
 * vector of i1). Null when the region cannot be copied (reported at op). */
MlirValue attnInlineMaskMod(AttnBuilder *b, MlirOperation op, const MlirValue args[4]);

#endif /* ATTN_PASSES_MASKMOD_H */
