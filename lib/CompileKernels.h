/*===- CompileKernels.h - bundle metadata of the kernels of a module -*- C -*-===*
 *
 * What a bundle says about each kernel (attnrt/Bundle.h), read from the IR:
 *
 *   - the kernel set, argument roles / dtypes / ranks and the features
 *     (causal, windows, scale, softcap, head dims and counts, alibi, lse):
 *     attn-gqa-map, attn-tile and attn-online-softmax run on a clone of the
 *     input, each attn op tagged so that its kernel function @<f>_attn<N>
 *     (and a paged op's merge kernel @<f>_attn<N>_merge) can be traced back
 *     to it;
 *   - per target, the tile configuration and grid of each kernel: the
 *     `attn.kernel` attribute that the target's pipeline keeps on the kernel
 *     function, or, where the lowered module does not have it, the one
 *     attn-tile{target=T} gives.
 *
 * Internal to libattnc (lib/Compile.c); not installed.
 *
 *===----------------------------------------------------------------------===*/
#ifndef ATTNC_COMPILE_KERNELS_H
#define ATTNC_COMPILE_KERNELS_H

#include "attnrt/Bundle.h"

#include "mlir-c/IR.h"

#include <stdbool.h>
#include <stddef.h>

/* Not part of libattnc's interface. */
#define ATTN_INTERNAL __attribute__((visibility("hidden")))

/* The kernels of `module` (which has attn ops), in the order
 * attn-online-softmax creates them; `tileTarget` is the attn-tile target
 * used for the analysis (cpu, gfx942, ...). Returns the count (malloc'd
 * array in *kernels) or -1 with a message. */
ATTN_INTERNAL int attnCollectKernels(MlirModule module, const char *tileTarget,
                                     AttnBundleKernel **kernels, char *err, size_t errLen);

/* Fills the tile/grid fields of `entry` for `kernel` from the first
 * function named kernel->name with an `attn.kernel` dictionary anywhere in
 * `lowered`. Returns false when there is none. */
ATTN_INTERNAL bool attnEntryFromLowered(MlirModule lowered, const AttnBundleKernel *kernel,
                                        AttnBundleEntry *entry);

/* Sets kernel->kind from the `kind` of that `attn.kernel` dictionary. */
ATTN_INTERNAL void attnKindFromLowered(MlirModule lowered, AttnBundleKernel *kernel);

/* The same, from attn-gqa-map + attn-tile{target=tileTarget} +
 * attn-online-softmax run on a clone of `module`: entries[i] for
 * kernels[i]. */
ATTN_INTERNAL bool attnEntriesFromFront(MlirModule module, const char *tileTarget,
                                        const AttnBundleKernel *kernels, int count,
                                        AttnBundleEntry *entries, char *err, size_t errLen);

#endif /* ATTNC_COMPILE_KERNELS_H */
