/*===- Shapes.h - launch sizes against a kernel's metadata (private) -*- C -*-===*/
#ifndef ATTNRT_SHAPES_H
#define ATTNRT_SHAPES_H

#include "attnrt/attnrt.h"

/* Checks the sizes of `tensors` (rank and count already checked) against
 * the kernel's static dims (head dims, head counts) and against each other
 * (B, Sq, Sk, Tq, ... shared by several tensors; B+1 offsets), from the
 * layouts of its kind (docs/bundle-format.md, "Kinds"). Kernels trust these
 * relations: a q of batch 2 with a k of batch 1 reads past k. Arguments of
 * a kind or role it does not know are not checked. */
__attribute__((visibility("hidden"))) AttnStatus
attnCheckShapes(const AttnBundleKernel *k, const AttnrtTensor *tensors, char *err, size_t errLen);

/* The longest sequence (in tokens) a GPU kernel takes. Element offsets are
 * 64-bit on every target, but token positions and their differences
 * (masks, ALiBi distances, row bounds) live in 32-bit registers: positions
 * of [-Sq, Sk + BLOCK_N) and distances of [-Sq - BLOCK_N, Sk] are exact
 * when Sq and Sk stay 2^12 (> BLOCK_M + BLOCK_N) below 2^31. */
#define ATTN_GPU_MAX_TOKENS (((int64_t)1 << 31) - ((int64_t)1 << 12))

/* The byte alignment a GPU launch of kernel k needs of tensor i's data
 * pointer (t: its sizes and rank; 1: none): row_align elements of an
 * f16/bf16 tensor of rank >= 2 that has elements. */
__attribute__((visibility("hidden"))) int64_t attnGpuDataAlignment(const AttnBundleKernel *k, int i,
                                                                   const AttnrtTensor *t);
/* GPU launches: every f16/bf16 tensor's rows start on a multiple of the
 * kernel's row_align elements (data pointer and the strides of all dims but
 * the last, where that dim has more than one element). */
__attribute__((visibility("hidden"))) AttnStatus attnCheckGpuAlignment(const AttnBundleKernel *k,
                                                                       const AttnrtTensor *tensors,
                                                                       char *err, size_t errLen);
/* Checks the sizes that bound a GPU kernel's token positions (Sq, Sk; the
 * packed token counts Tq, Tk that bound a varlen sequence; a paged
 * sequence's MaxBlocks * BS keys) against ATTN_GPU_MAX_TOKENS. Every other
 * size (batch, heads, blocks, splits, strides) is unbounded here. */
__attribute__((visibility("hidden"))) AttnStatus attnCheckGpuPositions(const AttnBundleKernel *k,
                                                                       const AttnrtTensor *tensors,
                                                                       char *err, size_t errLen);

#endif /* ATTNRT_SHAPES_H */
