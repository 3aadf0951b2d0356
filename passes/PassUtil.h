/*===- PassUtil.h - shared helpers of the attnc passes ------------*- C -*-===*/
#ifndef ATTN_PASSES_PASSUTIL_H
#define ATTN_PASSES_PASSUTIL_H

#include "mlir-c/IR.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The attention ops under a root, collected before any is rewritten (walking
 * while mutating is not allowed). Owned array; release with attnOpListFree. */
typedef struct {
  MlirOperation *ops;
  size_t count, capacity;
  bool outOfMemory;
} AttnOpList;

/* Collects every op of the attn dialect nested under `root`, in post order
 * (not attn.yield, the terminator of an op's mask_mod region). */
AttnOpList attnCollectAttnOps(MlirOperation root);
void attnOpListFree(AttnOpList *list);
/* Appends `op`; false (and outOfMemory set) when the list cannot grow. */
bool attnOpListAppend(AttnOpList *list, MlirOperation op);

bool attnIsOp(MlirOperation op, const char *name);
/* Whether v is an arith.constant of integer (index) value; *out gets it. */
bool attnConstIndexValue(MlirValue v, int64_t *out);

/* The optional operands of an attention op, or a null value when absent.
 * The forward ops have the groups alibi_slopes, sinks (0 or 1 operand
 * each, counted by operandSegmentSizes; on attn.paged_attention followed by
 * k_scale, v_scale): both are Hq x f32, so the
 * operand count alone cannot tell them apart. */
MlirValue attnOpAlibi(MlirOperation op);
MlirValue attnOpSinks(MlirOperation op);
/* attn.mha and attn.mha_varlen have four more groups after the sinks: the
 * block mask (docs/masks.md). */
typedef enum {
  ATTN_KV_NUM_BLOCKS,
  ATTN_KV_INDICES,
  ATTN_FULL_KV_NUM_BLOCKS,
  ATTN_FULL_KV_INDICES
} AttnBlockMaskOperand;
MlirValue attnOpBlockMask(MlirOperation op, AttnBlockMaskOperand which);
/* fp8 (docs/fp8.md): attn.mha and attn.mha_varlen end with the groups
 * q_descale, k_descale, v_descale (after the block mask),
 * attn.paged_attention with k_scale, v_scale (after the sinks). Null when
 * absent or not an operand of the op. */
typedef enum {
  ATTN_Q_DESCALE,
  ATTN_K_DESCALE,
  ATTN_V_DESCALE,
  ATTN_K_SCALE,
  ATTN_V_SCALE
} AttnScaleOperand;
MlirValue attnOpScale(MlirOperation op, AttnScaleOperand which);
/* dropout's run-time Philox state, tensor<2xi64> [seed, offset]: the
 * operand group after the descales of attn.mha and attn.mha_varlen (only
 * SAGE's k_mean follows), the last of attn.mha_bwd and attn.mha_varlen_bwd. Null when absent (the
 * seed and offset attributes, or no dropout). */
MlirValue attnOpRngState(MlirOperation op);
/* SAGE (docs/fp8.md, "SAGE"): attn.mha / attn.mha_varlen with i8 q and k
 * (fp8 v, descales per q block, k block and v channel); their optional
 * k_mean (B x Hkv x D f32, the last operand, after rng_state), or null; the block size
 * attribute `name` ("q_scale_block", "k_scale_block"), 0 when absent. */
bool attnOpIsSage(MlirOperation op);
MlirValue attnOpKMean(MlirOperation op);
int64_t attnOpScaleBlock(MlirOperation op, const char *name);
/* f8E4M3FN or f8E4M3FNUZ. */
bool attnIsFp8Type(MlirType t);
/* An attention op whose k (k_cache) is fp8. */
bool attnOpIsFp8(MlirOperation op);

/* Emits "<pass>: <message>" at the op's location. */
void attnEmitOpError(MlirOperation op, const char *pass, const char *message);

/* Static dim of an operand's shaped type. */
int64_t attnOperandDim(MlirOperation op, intptr_t operand, intptr_t dim);
/* The alignment, in elements, of the rows of an attention op's tensors on
 * a GPU: its attn.align (1, 2, 4 or 8; anything else is 0, which attn-tile
 * reports), else that of contiguous rows of its head dims (the largest
 * power of two up to 8 dividing D and Dv). */
int64_t attnOpRowAlign(MlirOperation op);
/* The value head dim Dv of an attention op: v's (v_cache's) last dim, or
 * attn.mla's kv_lora_rank. */
int64_t attnOpValueDim(MlirOperation op);

/* Sets / reads a discardable attribute by name. */
void attnSetAttr(MlirOperation op, const char *name, MlirAttribute attr);

/* `dict` with its i64 entry `name` set to `value` (other entries kept; at
 * most 32). */
MlirAttribute attnDictWithInt(MlirContext ctx, MlirAttribute dict, const char *name, int64_t value);
MlirAttribute attnGetAttr(MlirOperation op, const char *name);

/* dropout_p > 0 (the attribute of attn.mha, attn.mha_varlen and their
 * backward ops; absent means 0). */
bool attnHasDropout(MlirOperation op);

/* attn.mha_bwd or attn.mha_varlen_bwd. */
bool attnIsBackwardOp(MlirOperation op);
/* Whether an attn.kernel dictionary is one of attn-flash-backward's kernels
 * (kind "bwd_delta" / "bwd_dkdv" / "bwd_dq", varlen: "varlen_delta", ...). */
bool attnIsBackwardKernel(MlirAttribute kernel);

/* Rows of a paged K/V tile read from one cache block: gcd(BS, BLOCK_N)
 * (docs/paged.md). attn-tile bounds BLOCK_N with it, attn-online-softmax
 * reads tiles in pieces of it. */
int64_t attnPagedPiece(int64_t blockSize, int64_t blockN);

MlirAttribute attnStringAttr(MlirContext ctx, const char *v);
/* The closest enclosing op named `name`, or null. */
MlirOperation attnParentOfType(MlirOperation op, const char *name);
/* Whether `module`'s symbol table has `name`. */
bool attnSymbolTaken(MlirOperation module, const char *name);

/* One accepted pass option word ("force=true") and what it sets: *field =
 * value. */
typedef struct {
  const char *word;
  int *field;
  int value;
} AttnOptionWord;

/* Parses the space-separated words of a pass's options text against
 * `words`; an unknown word is "<pass>: unknown option '<w>' (expected
 * <expected>)" in err, and false. */
bool attnParseOptionWords(const char *text, const AttnOptionWord *words, int n, const char *pass,
                          const char *expected, char *err, size_t errLen);

#endif /* ATTN_PASSES_PASSUTIL_H */
