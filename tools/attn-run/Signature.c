/*===- Signature.c - what attn-run needs to know about a function ---------===*/

#include "Signature.h"

#include "Diagnostics.h"

#include "mlir-c/BuiltinAttributes.h"
#include "mlir-c/BuiltinTypes.h"

#include <math.h>
#include <string.h>

const char *attnElemName(AttnElem e) {
  switch (e) {
  case ATTN_ELEM_F32:
    return "f32";
  case ATTN_ELEM_F16:
    return "f16";
  case ATTN_ELEM_BF16:
    return "bf16";
  case ATTN_ELEM_I32:
    return "i32";
  case ATTN_ELEM_I64:
    return "i64";
  case ATTN_ELEM_F8E4M3FN:
    return "f8E4M3FN";
  case ATTN_ELEM_F8E4M3FNUZ:
    return "f8E4M3FNUZ";
  case ATTN_ELEM_I8:
    return "i8";
  }
  return "?";
}

static void located(MlirLocation loc, const char *fileName, FILE *err, const char *message) {
  attnPrintLocation(loc, fileName, err);
  fprintf(err, ": error: attn-run: %s\n", message);
}

static bool isNamed(MlirOperation op, const char *name) {
  return mlirStringRefEqual(mlirIdentifierStr(mlirOperationGetName(op)),
                            mlirStringRefCreateFromCString(name));
}

static bool readTensorType(MlirType t, AttnTensorType *out) {
  if (!mlirTypeIsARankedTensor(t) || mlirShapedTypeGetRank(t) > ATTN_RUN_MAX_RANK)
    return false;
  MlirType e = mlirShapedTypeGetElementType(t);
  if (mlirTypeIsAF32(e))
    out->elem = ATTN_ELEM_F32;
  else if (mlirTypeIsAF16(e))
    out->elem = ATTN_ELEM_F16;
  else if (mlirTypeIsABF16(e))
    out->elem = ATTN_ELEM_BF16;
  else if (mlirTypeIsAInteger(e) && mlirIntegerTypeGetWidth(e) == 32)
    out->elem = ATTN_ELEM_I32;
  else if (mlirTypeIsAInteger(e) && mlirIntegerTypeGetWidth(e) == 64)
    out->elem = ATTN_ELEM_I64;
  else if (mlirTypeIsAFloat8E4M3FN(e))
    out->elem = ATTN_ELEM_F8E4M3FN;
  else if (mlirTypeIsAFloat8E4M3FNUZ(e))
    out->elem = ATTN_ELEM_F8E4M3FNUZ;
  else if (mlirTypeIsAInteger(e) && mlirIntegerTypeGetWidth(e) == 8)
    out->elem = ATTN_ELEM_I8;
  else
    return false;
  out->rank = (int)mlirShapedTypeGetRank(t);
  for (int d = 0; d < out->rank; ++d)
    out->dims[d] = mlirShapedTypeIsDynamicDim(t, d) ? -1 : mlirShapedTypeGetDimSize(t, d);
  return true;
}

static MlirAttribute inherent(MlirOperation op, const char *name) {
  return mlirOperationGetInherentAttributeByName(op, mlirStringRefCreateFromCString(name));
}

/* Attributes as the dialect defines them; the default scale is 1/sqrt(D). */
static void readParams(MlirOperation op, AttnOpKind opKind, AttnRefParams *p) {
  AttnOpKind kind = attnForwardKind(opKind);
  MlirType q = mlirValueGetType(mlirOperationGetOperand(op, 0));
  MlirType k = mlirValueGetType(mlirOperationGetOperand(op, 1));
  MlirType v = mlirValueGetType(mlirOperationGetOperand(op, 2));
  /* Head count and head dim of q / of k and v: BHSD, THD, or the caches' NB x BS x H x D. */
  intptr_t qDim = kind == ATTN_OP_MHA ? 3 : 2;
  intptr_t kvHeads = kind == ATTN_OP_PAGED ? 2 : 1, kvDim = kind == ATTN_OP_VARLEN ? 2 : 3;
  memset(p, 0, sizeof(*p));
  p->Hq = mlirShapedTypeGetDimSize(q, 1);
  p->D = mlirShapedTypeGetDimSize(q, qDim);
  MlirAttribute a;
  if (kind == ATTN_OP_MLA) { /* one latent cache: MQA, V = its first kv_lora_rank columns */
    p->Hkv = 1;
    p->Dv = mlirIntegerAttrGetValueInt(inherent(op, "kv_lora_rank"));
  } else {
    p->Hkv = mlirShapedTypeGetDimSize(k, kvHeads);
    p->Dv = mlirShapedTypeGetDimSize(v, kvDim);
  }
  a = inherent(op, "scale");
  p->scale = mlirAttributeIsNull(a) ? 1.0 / sqrt((double)p->D) : mlirFloatAttrGetValueDouble(a);
  /* The op stores the scale as f32: use exactly the value the kernel sees. */
  p->scale = (double)(float)p->scale;
  p->causal = !mlirAttributeIsNull(inherent(op, "causal"));
  if ((p->hasWindowLeft = !mlirAttributeIsNull(a = inherent(op, "window_left"))))
    p->windowLeft = mlirIntegerAttrGetValueInt(a);
  if ((p->hasWindowRight = !mlirAttributeIsNull(a = inherent(op, "window_right"))))
    p->windowRight = mlirIntegerAttrGetValueInt(a);
  if ((p->hasSoftcap = !mlirAttributeIsNull(a = inherent(op, "softcap"))))
    p->softcap = (double)(float)mlirFloatAttrGetValueDouble(a);
  if (!mlirAttributeIsNull(a = inherent(op, "dropout_p")))
    p->dropoutP = (double)(float)mlirFloatAttrGetValueDouble(a);
  if (!mlirAttributeIsNull(a = inherent(op, "seed")))
    p->seed = mlirIntegerAttrGetValueInt(a);
  if (!mlirAttributeIsNull(a = inherent(op, "offset")))
    p->offset = mlirIntegerAttrGetValueInt(a);
}

/* Index of `v` among the entry block's arguments, or -1. */
static int argNumber(MlirValue v, MlirBlock entry) {
  if (!mlirValueIsABlockArgument(v) || !mlirBlockEqual(mlirBlockArgumentGetOwner(v), entry))
    return -1;
  return (int)mlirBlockArgumentGetArgNumber(v);
}

static bool setRole(AttnFuncInfo *info, int arg, AttnRole role, MlirOperation op,
                    const char *fileName, FILE *err) {
  if (info->roles[arg] == ATTN_ROLE_UNUSED || info->roles[arg] == role) {
    info->roles[arg] = role;
    return true;
  }
  char message[400];
  snprintf(message, sizeof(message), "argument %d feeds attention operands of different kinds",
           arg);
  located(mlirOperationGetLocation(op), fileName, err, message);
  return false;
}

/* The operand group (operandSegmentSizes) operand i belongs to: the optional
 * alibi_slopes and sinks are both Hq x f32, so only the op's segment sizes
 * tell them apart. Verified ops have one entry per group. */
static int operandGroup(MlirOperation op, intptr_t i) {
  MlirAttribute sizes =
      mlirOperationGetAttributeByName(op, mlirStringRefCreateFromCString("operandSegmentSizes"));
  if (mlirAttributeIsNull(sizes) || !mlirAttributeIsADenseI32Array(sizes))
    return (int)i;
  intptr_t end = 0, n = mlirDenseArrayGetNumElements(sizes);
  for (intptr_t g = 0; g < n; ++g) {
    end += mlirDenseI32ArrayGetElement(sizes, g);
    if (i < end)
      return (int)g;
  }
  return (int)i;
}

/* Value number of `v` in the program: a block argument (0..3), or the
 * result of an earlier instruction (4 + n); -1 otherwise. */
static int maskValue(MlirValue v, MlirBlock body, MlirOperation *defs, int n) {
  if (mlirValueIsABlockArgument(v) && mlirBlockEqual(mlirBlockArgumentGetOwner(v), body))
    return (int)mlirBlockArgumentGetArgNumber(v);
  if (!mlirValueIsAOpResult(v))
    return -1;
  MlirOperation owner = mlirOpResultGetOwner(v);
  for (int i = 0; i < n; ++i)
    if (mlirOperationEqual(owner, defs[i]))
      return 4 + i;
  return -1;
}

static int bitWidth(MlirType t) {
  return mlirTypeIsAIndex(t) ? 64 : mlirTypeIsAInteger(t) ? (int)mlirIntegerTypeGetWidth(t) : -1;
}

/* The arith constants outside the region that `o` uses (a canonicalizer
 * may hoist the region's constants out of it), read first as instructions. */
static bool addInst(AttnMaskProgram *prog, MlirOperation *defs, int *n, MlirOperation o,
                    MlirBlock body);

static bool addOuterConstants(AttnMaskProgram *prog, MlirOperation *defs, int *n, MlirOperation o,
                              MlirBlock body) {
  for (intptr_t i = 0; i < mlirOperationGetNumOperands(o); ++i) {
    MlirValue v = mlirOperationGetOperand(o, i);
    if (maskValue(v, body, defs, *n) >= 0 || !mlirValueIsAOpResult(v))
      continue;
    MlirOperation def = mlirOpResultGetOwner(v);
    if (!isNamed(def, "arith.constant") || !addInst(prog, defs, n, def, body))
      return false;
  }
  return true;
}

/* Appends arith op `o` as an instruction. */
static bool addInst(AttnMaskProgram *prog, MlirOperation *defs, int *n, MlirOperation o,
                    MlirBlock body) {
  if (!addOuterConstants(prog, defs, n, o, body))
    return false;
  MlirStringRef name = mlirIdentifierStr(mlirOperationGetName(o));
  if (*n == ATTN_MASK_MAX_INSTS || name.length < 7 || name.length > 28 ||
      strncmp(name.data, "arith.", 6) != 0 || mlirOperationGetNumResults(o) != 1)
    return false;
  AttnMaskInst *in = &prog->insts[*n];
  snprintf(in->op, sizeof(in->op), "%.*s", (int)name.length - 6, name.data + 6);
  int *slots[3] = {&in->a, &in->b, &in->c};
  in->a = in->b = in->c = -1;
  intptr_t k = mlirOperationGetNumOperands(o);
  if (k > 3)
    return false;
  for (intptr_t i = 0; i < k; ++i)
    if ((*slots[i] = maskValue(mlirOperationGetOperand(o, i), body, defs, *n)) < 0)
      return false;
  in->width = bitWidth(mlirValueGetType(mlirOperationGetResult(o, 0)));
  in->srcWidth = k > 0 ? bitWidth(mlirValueGetType(mlirOperationGetOperand(o, k - 1))) : 0;
  if (!strcmp(in->op, "constant")) {
    MlirAttribute a = inherent(o, "value");
    if (!mlirAttributeIsAInteger(a))
      return false;
    in->imm = bitWidth(mlirAttributeGetType(a)) > 1 ? mlirIntegerAttrGetValueInt(a)
                                                    : (int64_t)(mlirIntegerAttrGetValueInt(a) & 1);
  } else if (!strcmp(in->op, "cmpi")) {
    in->imm = mlirIntegerAttrGetValueInt(inherent(o, "predicate"));
  }
  if (in->width < 0)
    return false;
  defs[(*n)++] = o;
  return true;
}

/* The op's mask_mod region as an AttnMaskProgram (absent: present = false). */
static bool readMaskMod(MlirOperation op, AttnMaskProgram *prog) {
  memset(prog, 0, sizeof(*prog));
  if (mlirOperationGetNumRegions(op) < 1)
    return true;
  MlirBlock body = mlirRegionGetFirstBlock(mlirOperationGetRegion(op, 0));
  if (mlirBlockIsNull(body))
    return true;
  prog->present = true;
  MlirOperation defs[ATTN_MASK_MAX_INSTS];
  int n = 0;
  for (MlirOperation o = mlirBlockGetFirstOperation(body); !mlirOperationIsNull(o);
       o = mlirOperationGetNextInBlock(o)) {
    if (isNamed(o, "attn.yield")) {
      if (!addOuterConstants(prog, defs, &n, o, body))
        return false;
      prog->result = maskValue(mlirOperationGetOperand(o, 0), body, defs, n);
      prog->numInsts = n;
      return prog->result >= 0;
    }
    if (!addInst(prog, defs, &n, o, body))
      return false;
  }
  return false;
}

static bool readOp(MlirOperation op, MlirBlock entry, const char *fileName, AttnFuncInfo *info,
                   FILE *err) {
  if (info->numOps == ATTN_RUN_MAX_OPS) {
    located(mlirOperationGetLocation(op), fileName, err, "too many attention ops in one function");
    return false;
  }
  AttnOpInfo *o = &info->ops[info->numOps++];
  o->kind = isNamed(op, "attn.mha_varlen")        ? ATTN_OP_VARLEN
            : isNamed(op, "attn.paged_attention") ? ATTN_OP_PAGED
            : isNamed(op, "attn.mha_bwd")         ? ATTN_OP_MHA_BWD
            : isNamed(op, "attn.mha_varlen_bwd")  ? ATTN_OP_VARLEN_BWD
            : isNamed(op, "attn.mla")             ? ATTN_OP_MLA
                                                  : ATTN_OP_MHA;
  o->hasLse = mlirOperationGetNumResults(op) > 1;
  readParams(op, o->kind, &o->params);
  for (int s = 0; s < ATTN_NUM_SLOTS; ++s)
    o->arg[s] = -1;
  /* Operand group g of the op fills slot slots[g]. */
  static const AttnSlot mhaSlots[] = {
      ATTN_Q,         ATTN_K,         ATTN_V,         ATTN_ALIBI,    ATTN_SINKS,
      ATTN_KV_NUM,    ATTN_KV_IDX,    ATTN_FULL_NUM,  ATTN_FULL_IDX, ATTN_Q_DESCALE,
      ATTN_K_DESCALE, ATTN_V_DESCALE, ATTN_RNG_STATE, ATTN_K_MEAN};
  static const AttnSlot varlenSlots[] = {
      ATTN_Q,         ATTN_K,         ATTN_V,         ATTN_CU_Q,     ATTN_CU_K,     ATTN_ALIBI,
      ATTN_SINKS,     ATTN_KV_NUM,    ATTN_KV_IDX,    ATTN_FULL_NUM, ATTN_FULL_IDX, ATTN_Q_DESCALE,
      ATTN_K_DESCALE, ATTN_V_DESCALE, ATTN_RNG_STATE, ATTN_K_MEAN};
  static const AttnSlot mhaBwdSlots[] = {ATTN_Q,    ATTN_K,   ATTN_V,     ATTN_OUT,
                                         ATTN_DOUT, ATTN_LSE, ATTN_ALIBI, ATTN_RNG_STATE};
  static const AttnSlot varlenBwdSlots[] = {ATTN_Q,     ATTN_K,        ATTN_V,    ATTN_OUT,
                                            ATTN_DOUT,  ATTN_LSE,      ATTN_CU_Q, ATTN_CU_K,
                                            ATTN_ALIBI, ATTN_RNG_STATE};
  static const AttnSlot pagedSlots[] = {
      ATTN_Q,           ATTN_K,     ATTN_V,     ATTN_BLOCK_TABLES, ATTN_SEQ_LENS,
      ATTN_QUERY_START, ATTN_ALIBI, ATTN_SINKS, ATTN_K_DESCALE,    ATTN_V_DESCALE};
  static const AttnSlot mlaSlots[] = {ATTN_Q,        ATTN_K,           ATTN_BLOCK_TABLES,
                                      ATTN_SEQ_LENS, ATTN_QUERY_START, ATTN_K_DESCALE};
  static const AttnRole slotRoles[] = {
      [ATTN_Q] = ATTN_ROLE_DATA,
      [ATTN_K] = ATTN_ROLE_DATA,
      [ATTN_V] = ATTN_ROLE_DATA,
      [ATTN_CU_Q] = ATTN_ROLE_CU_Q,
      [ATTN_CU_K] = ATTN_ROLE_CU_K,
      [ATTN_BLOCK_TABLES] = ATTN_ROLE_BLOCK_TABLES,
      [ATTN_SEQ_LENS] = ATTN_ROLE_SEQ_LENS,
      [ATTN_QUERY_START] = ATTN_ROLE_QUERY_START,
      [ATTN_ALIBI] = ATTN_ROLE_ALIBI,
      [ATTN_SINKS] = ATTN_ROLE_SINKS,
      [ATTN_OUT] = ATTN_ROLE_FWD_OUT,
      [ATTN_DOUT] = ATTN_ROLE_DATA,
      [ATTN_LSE] = ATTN_ROLE_FWD_LSE,
      [ATTN_KV_NUM] = ATTN_ROLE_BLOCK_MASK,
      [ATTN_KV_IDX] = ATTN_ROLE_BLOCK_MASK,
      [ATTN_FULL_NUM] = ATTN_ROLE_BLOCK_MASK,
      [ATTN_FULL_IDX] = ATTN_ROLE_BLOCK_MASK,
      [ATTN_Q_DESCALE] = ATTN_ROLE_FP8_SCALE,
      [ATTN_K_DESCALE] = ATTN_ROLE_FP8_SCALE,
      [ATTN_V_DESCALE] = ATTN_ROLE_FP8_SCALE,
      [ATTN_RNG_STATE] = ATTN_ROLE_RNG_STATE,
      [ATTN_K_MEAN] = ATTN_ROLE_DATA,
  };
  /* SAGE: i8 q and k, whose descales bring them to about normal(0, 1). */
  MlirType qElem = mlirShapedTypeGetElementType(mlirValueGetType(mlirOperationGetOperand(op, 0)));
  o->sage = (o->kind == ATTN_OP_MHA || o->kind == ATTN_OP_VARLEN) && mlirTypeIsAInteger(qElem) &&
            mlirIntegerTypeGetWidth(qElem) == 8;
  if (o->sage) {
    o->qScaleBlock = mlirIntegerAttrGetValueInt(inherent(op, "q_scale_block"));
    o->kScaleBlock = mlirIntegerAttrGetValueInt(inherent(op, "k_scale_block"));
  }
  const AttnSlot *slots = o->kind == ATTN_OP_VARLEN       ? varlenSlots
                          : o->kind == ATTN_OP_PAGED      ? pagedSlots
                          : o->kind == ATTN_OP_MHA_BWD    ? mhaBwdSlots
                          : o->kind == ATTN_OP_VARLEN_BWD ? varlenBwdSlots
                          : o->kind == ATTN_OP_MLA        ? mlaSlots
                                                          : mhaSlots;
  for (intptr_t i = 0; i < mlirOperationGetNumOperands(op); ++i) {
    int arg = argNumber(mlirOperationGetOperand(op, i), entry);
    if (arg < 0) {
      char message[400];
      snprintf(message, sizeof(message),
               "operand %d of this op is not a function argument; attn-run checks attention "
               "ops applied directly to the function's arguments",
               (int)i);
      located(mlirOperationGetLocation(op), fileName, err, message);
      return false;
    }
    AttnSlot slot = slots[operandGroup(op, i)];
    o->arg[slot] = arg;
    bool cache = attnIsPagedKind(o->kind) && (slot == ATTN_K || slot == ATTN_V);
    AttnRole role = cache ? ATTN_ROLE_KV_CACHE : slotRoles[slot];
    if (o->sage && (slot == ATTN_Q_DESCALE || slot == ATTN_K_DESCALE))
      role = ATTN_ROLE_SAGE_SCALE;
    if (!setRole(info, arg, role, op, fileName, err))
      return false;
  }
  if (o->arg[ATTN_KV_NUM] >= 0) {
    o->qBlock = mlirIntegerAttrGetValueInt(inherent(op, "q_block_size"));
    o->kvBlock = mlirIntegerAttrGetValueInt(inherent(op, "kv_block_size"));
    if (!readMaskMod(op, &o->maskMod)) {
      located(mlirOperationGetLocation(op), fileName, err,
              "mask_mod has more ops than attn-run's interpreter takes (64) or an op it does "
              "not know");
      return false;
    }
  }
  return true;
}

/* Finds which attn op result a returned value is. */
static bool readResult(MlirValue v, MlirOperation *ops, int numOps, int r, const char *fileName,
                       MlirLocation loc, AttnFuncInfo *info, FILE *err) {
  if (mlirValueIsAOpResult(v)) {
    MlirOperation owner = mlirOpResultGetOwner(v);
    for (int i = 0; i < numOps; ++i)
      if (mlirOperationEqual(owner, ops[i])) {
        info->resultOp[r] = i;
        info->resultIndex[r] = (int)mlirOpResultGetResultNumber(v);
        return true;
      }
  }
  char message[400];
  snprintf(message, sizeof(message),
           "result %d of @%s is not a result of an attn op; attn-run can only check attention "
           "results",
           r, info->name);
  located(loc, fileName, err, message);
  return false;
}

bool attnReadFunc(MlirOperation func, const char *fileName, AttnFuncInfo *info, FILE *err) {
  memset(info, 0, sizeof(*info));
  MlirStringRef name = mlirStringAttrGetValue(
      mlirOperationGetAttributeByName(func, mlirStringRefCreateFromCString("sym_name")));
  snprintf(info->name, sizeof(info->name), "%.*s", (int)name.length, name.data);
  MlirLocation loc = mlirOperationGetLocation(func);
  MlirType type = mlirTypeAttrGetValue(
      mlirOperationGetAttributeByName(func, mlirStringRefCreateFromCString("function_type")));
  info->numArgs = (int)mlirFunctionTypeGetNumInputs(type);
  info->numResults = (int)mlirFunctionTypeGetNumResults(type);
  if (info->numArgs > ATTN_RUN_MAX_ARGS || info->numResults > ATTN_RUN_MAX_ARGS) {
    located(loc, fileName, err, "too many arguments or results");
    return false;
  }
  for (int a = 0; a < info->numArgs; ++a)
    if (!readTensorType(mlirFunctionTypeGetInput(type, a), &info->args[a])) {
      char message[400];
      snprintf(message, sizeof(message),
               "argument %d of @%s must be a ranked tensor (rank <= 4) of f32, f16, bf16 or i32", a,
               info->name);
      located(loc, fileName, err, message);
      return false;
    }
  for (int r = 0; r < info->numResults; ++r)
    if (!readTensorType(mlirFunctionTypeGetResult(type, r), &info->results[r])) {
      located(loc, fileName, err, "results must be ranked tensors of f32, f16, bf16");
      return false;
    }
  MlirBlock entry = mlirRegionGetFirstBlock(mlirOperationGetRegion(func, 0));
  MlirOperation ops[ATTN_RUN_MAX_OPS];
  for (MlirOperation op = mlirBlockGetFirstOperation(entry); !mlirOperationIsNull(op);
       op = mlirOperationGetNextInBlock(op)) {
    if (isNamed(op, "attn.mha") || isNamed(op, "attn.mha_varlen") ||
        isNamed(op, "attn.paged_attention") || isNamed(op, "attn.mha_bwd") ||
        isNamed(op, "attn.mha_varlen_bwd") || isNamed(op, "attn.mla")) {
      if (!readOp(op, entry, fileName, info, err))
        return false;
      ops[info->numOps - 1] = op;
    } else if (isNamed(op, "func.return")) {
      for (int r = 0; r < info->numResults; ++r)
        if (!readResult(mlirOperationGetOperand(op, r), ops, info->numOps, r, fileName,
                        mlirOperationGetLocation(op), info, err))
          return false;
    }
  }
  if (info->numResults == 0) {
    located(loc, fileName, err, "function has no results to check");
    return false;
  }
  return true;
}

/*===--- Dynamic dimensions ------------------------------------------------===*/

/* Union-find over (argument, dim) pairs. */
enum { NODES = ATTN_RUN_MAX_ARGS * ATTN_RUN_MAX_RANK };

static int find(int *parent, int x) {
  while (parent[x] != x)
    x = parent[x] = parent[parent[x]];
  return x;
}

static void tie(int *parent, int argA, int dimA, int argB, int dimB) {
  if (argA < 0 || argB < 0)
    return;
  int a = find(parent, argA * ATTN_RUN_MAX_RANK + dimA);
  int b = find(parent, argB * ATTN_RUN_MAX_RANK + dimB);
  parent[a] = b;
}

/* A backward op's out and dout (the forward's out shape) and lse. */
static void tieBwd(int *parent, const AttnOpInfo *o) {
  const int *a = o->arg;
  if (o->kind == ATTN_OP_MHA_BWD) { /* out, dout: B x Hq x Sq x Dv; lse: B x Hq x Sq */
    for (int d = 0; d < 3; ++d) {
      tie(parent, a[ATTN_Q], d, a[ATTN_OUT], d);
      tie(parent, a[ATTN_Q], d, a[ATTN_DOUT], d);
      tie(parent, a[ATTN_Q], d, a[ATTN_LSE], d);
    }
    tie(parent, a[ATTN_V], 3, a[ATTN_OUT], 3);
    tie(parent, a[ATTN_V], 3, a[ATTN_DOUT], 3);
  } else if (o->kind == ATTN_OP_VARLEN_BWD) { /* out, dout: Tq x Hq x Dv; lse: Hq x Tq */
    for (int d = 0; d < 2; ++d) {
      tie(parent, a[ATTN_Q], d, a[ATTN_OUT], d);
      tie(parent, a[ATTN_Q], d, a[ATTN_DOUT], d);
    }
    tie(parent, a[ATTN_V], 2, a[ATTN_OUT], 2);
    tie(parent, a[ATTN_V], 2, a[ATTN_DOUT], 2);
    tie(parent, a[ATTN_Q], 1, a[ATTN_LSE], 0);
    tie(parent, a[ATTN_Q], 0, a[ATTN_LSE], 1);
  }
}

/* The dims each op contract says are equal. */
static void tieOp(int *parent, const AttnOpInfo *o) {
  const int *a = o->arg;
  tieBwd(parent, o);
  switch (attnForwardKind(o->kind)) {
  case ATTN_OP_MHA:
    tie(parent, a[ATTN_Q], 0, a[ATTN_K], 0);
    tie(parent, a[ATTN_Q], 0, a[ATTN_V], 0);
    tie(parent, a[ATTN_K], 1, a[ATTN_V], 1);
    tie(parent, a[ATTN_K], 2, a[ATTN_V], 2);
    tie(parent, a[ATTN_Q], 3, a[ATTN_K], 3);
    break;
  case ATTN_OP_VARLEN:
    tie(parent, a[ATTN_K], 0, a[ATTN_V], 0);
    tie(parent, a[ATTN_K], 1, a[ATTN_V], 1);
    tie(parent, a[ATTN_Q], 2, a[ATTN_K], 2);
    tie(parent, a[ATTN_CU_Q], 0, a[ATTN_CU_K], 0);
    break;
  case ATTN_OP_PAGED: /* NB, BS, Hkv of the caches; D; B */
    for (int d = 0; d < 3; ++d)
      tie(parent, a[ATTN_K], d, a[ATTN_V], d);
    tie(parent, a[ATTN_Q], 2, a[ATTN_K], 3);
    tie(parent, a[ATTN_BLOCK_TABLES], 0, a[ATTN_SEQ_LENS], 0);
    break;
  case ATTN_OP_MLA: /* D of q and the latent cache; B */
    tie(parent, a[ATTN_Q], 2, a[ATTN_K], 2);
    tie(parent, a[ATTN_BLOCK_TABLES], 0, a[ATTN_SEQ_LENS], 0);
    break;
  case ATTN_OP_MHA_BWD: /* not a forward kind */
  case ATTN_OP_VARLEN_BWD:
    break;
  }
  tie(parent, a[ATTN_Q], 1, a[ATTN_ALIBI], 0);
  tie(parent, a[ATTN_Q], 1, a[ATTN_SINKS], 0);
}

/* fp8 scales (docs/fp8.md): the last dim is Hkv; [B, Hkv] descales of
 * attn.mha share q's B; a paged cache's [NB, BS, Hkv] scales its NB and BS.
 * (varlen's B is cu_seqlens_q's size less one: given by the type or --shape.) */
/* SAGE's descales and k_mean (B x H x N): H is q's heads (q_descale) or
 * k's; N is v's head dim (v_descale) or k's (k_mean); attn.mha's B is q's.
 * The block counts ceil(S / block) are given by the types or --shape. */
static void tieSage(int *parent, const AttnOpInfo *o) {
  const int *a = o->arg;
  bool mha = o->kind == ATTN_OP_MHA;
  int headDim = mha ? 3 : 2;
  int src[4] = {a[ATTN_Q], a[ATTN_K], a[ATTN_V], a[ATTN_K]};
  int dst[4] = {a[ATTN_Q_DESCALE], a[ATTN_K_DESCALE], a[ATTN_V_DESCALE], a[ATTN_K_MEAN]};
  for (int i = 0; i < 4; ++i) {
    if (mha)
      tie(parent, src[i], 0, dst[i], 0);
    tie(parent, src[i], 1 /* heads: dim 1 in BHSD and THD */, dst[i], 1);
    if (i >= 2)
      tie(parent, src[i], headDim, dst[i], 2);
  }
}

static void tieScales(int *parent, const AttnFuncInfo *info, const AttnOpInfo *o) {
  const int *a = o->arg;
  if (o->sage) {
    tieSage(parent, o);
    return;
  }
  static const AttnSlot slots[3] = {ATTN_Q_DESCALE, ATTN_K_DESCALE, ATTN_V_DESCALE};
  bool paged = attnIsPagedKind(o->kind);
  for (int i = 0; i < 3; ++i) {
    int s = a[slots[i]];
    if (s < 0 || a[ATTN_K] < 0)
      continue;
    int rank = info->args[s].rank;
    if (rank == 0)
      continue;
    if (o->kind == ATTN_OP_MLA) { /* kv_scale [NB, BS] */
      tie(parent, a[ATTN_K], 0, s, 0);
      tie(parent, a[ATTN_K], 1, s, 1);
      continue;
    }
    tie(parent, a[ATTN_K], paged ? 2 : 1, s, rank - 1);
    if (rank == 2 && o->kind == ATTN_OP_MHA)
      tie(parent, a[ATTN_Q], 0, s, 0);
    if (rank == 3 && paged) {
      tie(parent, a[ATTN_K], 0, s, 0);
      tie(parent, a[ATTN_K], 1, s, 1);
    }
  }
}

/* Which (argument, dim) each dim of an op result equals; returns its rank. */
static int resultSources(const AttnOpInfo *o, int index, int *arg, int *dim) {
  const int q = o->arg[ATTN_Q], v = o->arg[ATTN_V];
  if (attnIsBwdKind(o->kind)) { /* dq, dk, dv: the shapes of q, k, v */
    int src = o->arg[index == 0 ? ATTN_Q : index == 1 ? ATTN_K : ATTN_V];
    int rank = o->kind == ATTN_OP_MHA_BWD ? 4 : 3;
    for (int d = 0; d < rank; ++d) {
      arg[d] = src;
      dim[d] = d;
    }
    return rank;
  }
  if (o->kind == ATTN_OP_PAGED && index == 0) { /* out: Tq x Hq x Dv, Dv of NB x BS x Hkv x Dv */
    int a[3] = {q, q, v}, d[3] = {0, 1, 3};
    memcpy(arg, a, sizeof(a));
    memcpy(dim, d, sizeof(d));
    return 3;
  }
  if (o->kind == ATTN_OP_MLA && index == 0) { /* out: Tq x Hq x kv_lora_rank (static) */
    int a[3] = {q, q, -1}, d[3] = {0, 1, 0};
    memcpy(arg, a, sizeof(a));
    memcpy(dim, d, sizeof(d));
    return 3;
  }
  bool varlen = o->kind != ATTN_OP_MHA; /* the rest of paged is varlen's */
  if (!varlen && index == 0) {          /* out: B x Hq x Sq x Dv */
    int a[4] = {q, q, q, v}, d[4] = {0, 1, 2, 3};
    memcpy(arg, a, sizeof(a));
    memcpy(dim, d, sizeof(d));
    return 4;
  }
  if (!varlen) { /* lse: B x Hq x Sq */
    int a[3] = {q, q, q}, d[3] = {0, 1, 2};
    memcpy(arg, a, sizeof(a));
    memcpy(dim, d, sizeof(d));
    return 3;
  }
  if (index == 0) { /* out: Tq x Hq x Dv */
    int a[3] = {q, q, v}, d[3] = {0, 1, 2};
    memcpy(arg, a, sizeof(a));
    memcpy(dim, d, sizeof(d));
    return 3;
  }
  int a[2] = {q, q}, d[2] = {1, 0}; /* lse: Hq x Tq */
  memcpy(arg, a, sizeof(a));
  memcpy(dim, d, sizeof(d));
  return 2;
}

/* A paged op's query_start_loc has B+1 entries, B those of seq_lens and
 * block_tables: not an equality, so not a union-find tie. Whichever side is
 * known fixes the other; with neither, B gets the default size. */
static bool resolveBatchPlusOne(const AttnFuncInfo *info, const AttnOpInfo *o, int *parent,
                                int64_t *size, int64_t defaultSize, FILE *err) {
  int seqs = find(parent, o->arg[ATTN_SEQ_LENS] * ATTN_RUN_MAX_RANK);
  int offsets = find(parent, o->arg[ATTN_QUERY_START] * ATTN_RUN_MAX_RANK);
  if (size[seqs] < 0 && size[offsets] < 0)
    size[seqs] = defaultSize;
  if (size[seqs] < 0)
    size[seqs] = size[offsets] - 1;
  if (size[offsets] < 0)
    size[offsets] = size[seqs] + 1;
  if (seqs != offsets && size[seqs] >= 0 && size[offsets] == size[seqs] + 1)
    return true;
  fprintf(err,
          "attn-run: error: @%s argument %d (query_start_loc) has %lld entries, argument %d "
          "(seq_lens) %lld: the paged op needs B+1 and B\n",
          info->name, o->arg[ATTN_QUERY_START], (long long)size[offsets], o->arg[ATTN_SEQ_LENS],
          (long long)size[seqs]);
  return false;
}

bool attnResolveShapes(const AttnFuncInfo *info, int64_t fixed[][ATTN_RUN_MAX_RANK],
                       int64_t defaultSize, int64_t resolved[][ATTN_RUN_MAX_RANK], FILE *err) {
  int parent[NODES];
  int64_t size[NODES];
  int source[NODES];
  for (int n = 0; n < NODES; ++n) {
    parent[n] = n;
    size[n] = -1;
    source[n] = -1;
  }
  for (int o = 0; o < info->numOps; ++o) {
    tieOp(parent, &info->ops[o]);
    tieScales(parent, info, &info->ops[o]);
  }
  for (int a = 0; a < info->numArgs; ++a)
    for (int d = 0; d < info->args[a].rank; ++d) {
      int64_t want = info->args[a].dims[d];
      int64_t given = fixed[a][d];
      if (want >= 0 && given >= 0 && want != given) {
        fprintf(err,
                "attn-run: error: @%s argument %d: dimension %d is %lld in the given shape but "
                "%lld in the function type\n",
                info->name, a, d, (long long)given, (long long)want);
        return false;
      }
      int64_t s = want >= 0 ? want : given;
      if (s < 0)
        continue;
      int root = find(parent, a * ATTN_RUN_MAX_RANK + d);
      if (size[root] >= 0 && size[root] != s) {
        fprintf(err,
                "attn-run: error: @%s argument %d dimension %d (%lld) must equal argument %d "
                "dimension %d (%lld) by the attention op's shape contract\n",
                info->name, a, d, (long long)s, source[root] / ATTN_RUN_MAX_RANK,
                source[root] % ATTN_RUN_MAX_RANK, (long long)size[root]);
        return false;
      }
      size[root] = s;
      source[root] = a * ATTN_RUN_MAX_RANK + d;
    }
  /* Static result dims fix the argument dims they come from: the compiled
   * code allocates them with the static size. */
  for (int r = 0; r < info->numResults; ++r) {
    const AttnOpInfo *op = &info->ops[info->resultOp[r]];
    int arg[ATTN_RUN_MAX_RANK], dim[ATTN_RUN_MAX_RANK];
    int rank = resultSources(op, info->resultIndex[r], arg, dim);
    for (int d = 0; d < rank && d < info->results[r].rank; ++d) {
      int64_t s = info->results[r].dims[d];
      if (s < 0 || arg[d] < 0)
        continue;
      int root = find(parent, arg[d] * ATTN_RUN_MAX_RANK + dim[d]);
      if (size[root] >= 0 && size[root] != s) {
        fprintf(err,
                "attn-run: error: @%s result %d dimension %d is %lld in the function type but "
                "argument %d dimension %d is %lld\n",
                info->name, r, d, (long long)s, arg[d], dim[d], (long long)size[root]);
        return false;
      }
      size[root] = s;
      source[root] = arg[d] * ATTN_RUN_MAX_RANK + dim[d];
    }
  }
  for (int o = 0; o < info->numOps; ++o)
    if (attnIsPagedKind(info->ops[o].kind) &&
        !resolveBatchPlusOne(info, &info->ops[o], parent, size, defaultSize, err))
      return false;
  for (int a = 0; a < info->numArgs; ++a)
    for (int d = 0; d < info->args[a].rank; ++d) {
      int root = find(parent, a * ATTN_RUN_MAX_RANK + d);
      if (size[root] < 0)
        size[root] = defaultSize;
      resolved[a][d] = size[root];
    }
  return true;
}
