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

#endif /* ATTNRT_SHAPES_H */
