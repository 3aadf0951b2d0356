/*===- Passes.h - attnc passes and their registration -------------*- C -*-===*/
#ifndef ATTN_PASSES_PASSES_H
#define ATTN_PASSES_PASSES_H

#include "mlir-c/Pass.h"

#include <stdbool.h>

#ifdef __cplusplus
extern "C" {
#endif

/* attn-lower-reference: attn ops -> scf loops over memrefs, f32 accumulation,
 * three-pass softmax. The executable definition of the dialect's semantics. */
MlirPass attnCreateLowerReferencePass(void);

/* Registers every attnc pass and named pipeline in MLIR's pass registry.
 * Idempotent. */
void attnRegisterAllPasses(void);

/* Shared plumbing for passes without options or state. */
typedef struct {
  const void *typeIdAnchor; /* address of a static, 8-byte aligned: the pass TypeID */
  const char *name;
  const char *argument;
  const char *description;
  void (*run)(MlirOperation op, MlirExternalPass pass);
} AttnPassInfo;

MlirPass attnCreatePass(const AttnPassInfo *info);

#ifdef __cplusplus
}
#endif

#endif /* ATTN_PASSES_PASSES_H */
