/*===- Signature.h - what attn-run needs to know about a function -*- C -*-===*
 *
 * attn-run checks functions whose results are computed by attn ops directly
 * from the function's arguments. This module reads such a function into plain
 * C data (types, roles of the arguments, attributes of the ops, which op
 * result each function result is) before the module is lowered, and ties the
 * dynamic dimensions of the arguments together by the ops' shape contracts.
 *
 *===----------------------------------------------------------------------===*/
#ifndef ATTN_RUN_SIGNATURE_H
#define ATTN_RUN_SIGNATURE_H

#include "mlir-c/IR.h"
#include "reference.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

enum { ATTN_RUN_MAX_RANK = 4, ATTN_RUN_MAX_ARGS = 16, ATTN_RUN_MAX_OPS = 8 };

/* fp8 (docs/fp8.md) is stored as its bit patterns, one byte each. */
typedef enum {
  ATTN_ELEM_F32,
  ATTN_ELEM_F16,
  ATTN_ELEM_BF16,
  ATTN_ELEM_I32,
  ATTN_ELEM_I64, /* rng_state: kept exactly in `data` (`values` holds doubles) */
  ATTN_ELEM_F8E4M3FN,
  ATTN_ELEM_F8E4M3FNUZ,
  ATTN_ELEM_I8 /* SAGE's q and k (docs/fp8.md, "SAGE") */
} AttnElem;

static inline bool attnElemIsFp8(AttnElem e) {
  return e == ATTN_ELEM_F8E4M3FN || e == ATTN_ELEM_F8E4M3FNUZ;
}

typedef struct {
  AttnElem elem;
  int rank;
  int64_t dims[ATTN_RUN_MAX_RANK]; /* -1: dynamic */
} AttnTensorType;

/* What an argument feeds; decides how attn-run fills it. */
typedef enum {
  ATTN_ROLE_UNUSED,       /* not an attention operand: normal(0, 1) */
  ATTN_ROLE_DATA,         /* q, k, v: normal(0, 1) */
  ATTN_ROLE_CU_Q,         /* cu_seqlens_q: random valid offsets */
  ATTN_ROLE_CU_K,         /* cu_seqlens_k */
  ATTN_ROLE_ALIBI,        /* ALiBi slopes 2^(-8(h+1)/Hq) */
  ATTN_ROLE_SINKS,        /* attention sinks: normal(0, 2), head 0 -inf, head 1 +6 */
  ATTN_ROLE_KV_CACHE,     /* k_cache, v_cache: normal(0, 1), NaN where no sequence reads */
  ATTN_ROLE_BLOCK_TABLES, /* paged layout (Paged.h) */
  ATTN_ROLE_SEQ_LENS,
  ATTN_ROLE_QUERY_START,
  ATTN_ROLE_FWD_OUT,    /* a backward op's out: the reference forward of its q, k, v */
  ATTN_ROLE_FWD_LSE,    /* a backward op's lse: likewise */
  ATTN_ROLE_BLOCK_MASK, /* a block mask's tensors (BlockMask.h) */
  ATTN_ROLE_FP8_SCALE,  /* fp8 descales / cache scales: uniform in [0.5, 2) */
  ATTN_ROLE_RNG_STATE,  /* dropout's [seed, offset]: random 64-bit seed, offset < 2^40 */
  ATTN_ROLE_SAGE_SCALE, /* SAGE's q / k descales: uniform in [0.5, 2) / 64 (i8 data) */
} AttnRole;

/* Operand slots of attention ops. K and V are the caches of a paged op;
 * attn.mla has K only (its latent cache). */
typedef enum {
  ATTN_Q,
  ATTN_K,
  ATTN_V,
  ATTN_CU_Q,
  ATTN_CU_K,
  ATTN_BLOCK_TABLES,
  ATTN_SEQ_LENS,
  ATTN_QUERY_START,
  ATTN_ALIBI,
  ATTN_SINKS,
  ATTN_OUT, /* backward ops: the forward's out and lse, and dout */
  ATTN_DOUT,
  ATTN_LSE,
  ATTN_KV_NUM, /* block mask: kv_num_blocks, kv_indices, full_kv_num_blocks, full_kv_indices */
  ATTN_KV_IDX,
  ATTN_FULL_NUM,
  ATTN_FULL_IDX,
  ATTN_Q_DESCALE, /* fp8: q_descale, k_descale (paged: k_scale), v_descale (v_scale) */
  ATTN_K_DESCALE,
  ATTN_V_DESCALE,
  ATTN_RNG_STATE, /* dropout's run-time [seed, offset] (tensor<2xi64>) */
  ATTN_K_MEAN, /* SAGE: the mean taken out of K, added back */
  ATTN_NUM_SLOTS
} AttnSlot;

/* A mask_mod region as a straight-line program over int64 values: values
 * 0..3 are (b, h, q_idx, kv_idx), value 4 + n the result of instruction n
 * (docs/masks.md). attn-run evaluates it with its own interpreter
 * (BlockMask.c), independently of the compiler's lowering. */
enum { ATTN_MASK_MAX_INSTS = 64 };
typedef struct {
  char op[24];  /* the arith op's name without "arith." */
  int a, b, c;  /* operand values, -1 if absent */
  int width;    /* result bit width (index: 64) */
  int srcWidth; /* operand bit width (casts, unsigned ops) */
  int64_t imm;  /* constant value, or cmpi predicate */
} AttnMaskInst;
typedef struct {
  bool present;
  int numInsts, result;
  AttnMaskInst insts[ATTN_MASK_MAX_INSTS];
} AttnMaskProgram;

typedef enum {
  ATTN_OP_MHA,
  ATTN_OP_VARLEN,
  ATTN_OP_PAGED,
  ATTN_OP_MHA_BWD,
  ATTN_OP_VARLEN_BWD,
  ATTN_OP_MLA /* attn.mla: slot K is the latent cache, V its first kv_lora_rank columns */
} AttnOpKind;

/* attn.paged_attention or attn.mla: a block-table cache (Paged.h). */
static inline bool attnIsPagedKind(AttnOpKind k) { return k == ATTN_OP_PAGED || k == ATTN_OP_MLA; }

/* attn.mha_bwd or attn.mha_varlen_bwd. */
static inline bool attnIsBwdKind(AttnOpKind k) {
  return k == ATTN_OP_MHA_BWD || k == ATTN_OP_VARLEN_BWD;
}
/* The forward kind whose shapes an op has (a backward op's forward). */
static inline AttnOpKind attnForwardKind(AttnOpKind k) {
  return k == ATTN_OP_MHA_BWD ? ATTN_OP_MHA : k == ATTN_OP_VARLEN_BWD ? ATTN_OP_VARLEN : k;
}

typedef struct {
  AttnOpKind kind;
  int arg[ATTN_NUM_SLOTS]; /* function argument feeding each slot, -1 if absent */
  bool hasLse;
  AttnRefParams params;    /* static parts and attributes; sizes filled at run time */
  int64_t qBlock, kvBlock; /* block mask sizes (arg[ATTN_KV_NUM] >= 0) */
  /* SAGE (i8 q and k): q_scale_block and k_scale_block. */
  bool sage;
  int64_t qScaleBlock, kScaleBlock;
  AttnMaskProgram maskMod;
} AttnOpInfo;

typedef struct {
  char name[128];
  int numArgs, numResults, numOps;
  AttnTensorType args[ATTN_RUN_MAX_ARGS];
  AttnRole roles[ATTN_RUN_MAX_ARGS];
  AttnTensorType results[ATTN_RUN_MAX_ARGS];
  int resultOp[ATTN_RUN_MAX_ARGS];    /* op computing each result */
  int resultIndex[ATTN_RUN_MAX_ARGS]; /* 0: out, 1: lse; backward: 0 dq, 1 dk, 2 dv */
  AttnOpInfo ops[ATTN_RUN_MAX_OPS];
} AttnFuncInfo;

/* Reads public function `func` (a func.func). Returns false after printing a
 * located message naming what attn-run cannot handle. */
bool attnReadFunc(MlirOperation func, const char *fileName, AttnFuncInfo *info, FILE *err);

/* Resolves every argument dimension: `shapes[a]` holds the fixed sizes (from
 * --shape / --input, -1 where unknown, or all -1); static dims of the type win
 * and must agree; dims tied by an op contract share a size (a paged op's
 * query_start_loc has B+1 entries); what is left gets `defaultSize`. Writes `resolved[a][d]`;
 * returns false with a message on a conflict. */
bool attnResolveShapes(const AttnFuncInfo *info, int64_t fixed[][ATTN_RUN_MAX_RANK],
                       int64_t defaultSize, int64_t resolved[][ATTN_RUN_MAX_RANK], FILE *err);

const char *attnElemName(AttnElem e);

#endif /* ATTN_RUN_SIGNATURE_H */
