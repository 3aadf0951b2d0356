/*===- KernelIR.h - what the backends share about the kernel IR ---*- C -*-===*
 *
 * The kernel IR (docs/kernel-ir.md) is lowered by attn-lower-cpu and
 * attn-lower-amdgpu. Both rewrite it op by op into a representation of their
 * own, so they share: a map from old values to that representation, the
 * recognition of its ops (kernels, tile matmuls, element-wise ops) and the
 * re-creation of an element-wise op on new operands.
 *
 *===----------------------------------------------------------------------===*/
#ifndef ATTN_PASSES_KERNELIR_H
#define ATTN_PASSES_KERNELIR_H

#include "Builder.h"

#include <stdbool.h>
#include <stddef.h>

/* Open-addressing map MlirValue -> a payload of `elemSize` bytes (a pass's
 * representation struct), zero-initialised: AttnValueMap m = {.elemSize = sizeof(Rep)}. */
typedef struct {
  size_t elemSize;
  const void **keys;
  unsigned char *payloads;
  size_t capacity, count;
} AttnValueMap;

/* The payload of `v`, or null. Pointers stay valid until the next put. */
void *attnValueMapFind(AttnValueMap *m, MlirValue v);
/* Sets v's payload (a copy of elemSize bytes); null when out of memory. */
void *attnValueMapPut(AttnValueMap *m, MlirValue v, const void *payload);
void attnValueMapFree(AttnValueMap *m);

/* The kernel functions (func.func with attn.kernel and a body) under root. */
enum { ATTN_MAX_KERNELS = 256 };
typedef struct {
  MlirOperation funcs[ATTN_MAX_KERNELS];
  int count;
  bool overflow;
} AttnKernelList;
void attnCollectKernelFuncs(MlirOperation root, AttnKernelList *list);

/* The two tile matmuls of the kernel IR: S = Q K^T and O = P V. */
typedef enum { ATTN_CONTRACT_QK, ATTN_CONTRACT_PV, ATTN_CONTRACT_OTHER } AttnContractForm;
AttnContractForm attnContractForm(MlirOperation contract);

/* arith/math ops that apply per element (on scalars or vectors). */
bool attnIsElementwise(MlirOperation op);
/* attnIsElementwise, plus the integer ops a block mask's mask_mod may put on
 * tiles (division, remainder, shifts, extensions; MaskMod.c, docs/masks.md).
 * Separate because only the CPU lowering takes block masks: the GPU
 * lowerings' scalar code (rematerialization) treats element-wise ops as cheap. */
bool attnIsMaskModElementwise(MlirOperation op);
/* `op` again on new operands with result type `type`, keeping its inherent
 * attributes (predicate, fastmath, rounding mode, overflow flags). */
MlirValue attnRebuildElementwise(AttnBuilder *b, MlirOperation op, const MlirValue *operands,
                                 MlirType type);

/* A copy of `op` (regions included) inserted at b's insertion point, in which
 * every operand v, also of nested ops, becomes remap(ud, v) when that is not
 * null: the lowerings' way of carrying over ops they do not rewrite. */
typedef MlirValue (*AttnRemapFn)(void *ud, MlirValue v);
MlirOperation attnCloneRemapped(AttnBuilder *b, MlirOperation op, AttnRemapFn remap, void *ud);

/* Calls fn(ud, op) for the ops of `block` before its terminator, in order,
 * until *stop becomes true. */
void attnForEachBodyOp(MlirBlock block, void (*fn)(void *ud, MlirOperation op), void *ud,
                       const bool *stop);

/* fp8 (docs/fp8.md) on the CPU: x (f8E4M3FN or f8E4M3FNUZ, scalar or
 * vector) decoded exactly to f32 with integer ops (LLVM has no fp8 types);
 * attnConvertFromFp8 converts to `to` through it, SAGE's i8 through an
 * exact arith.sitofp to f32, other types as attnConvertF. */
MlirValue attnDecodeFp8(AttnBuilder *b, MlirValue x);
MlirValue attnConvertFromFp8(AttnBuilder *b, MlirValue x, MlirType to);
/* f32 x to the e4m3 type `to`, rounded to nearest even, saturating (for
 * the GPU kernels' P in fp8, docs/fp8.md); integer ops, as attnDecodeFp8. */
MlirValue attnEncodeFp8(AttnBuilder *b, MlirValue x, MlirType to);

#endif /* ATTN_PASSES_KERNELIR_H */
