/*===- PassUtil.c - shared helpers of the attnc passes --------------------===*/

#include "PassUtil.h"

#include "mlir-c/BuiltinAttributes.h"
#include "mlir-c/BuiltinTypes.h"
#include "mlir-c/Diagnostics.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool attnOpListAppend(AttnOpList *list, MlirOperation op) {
  if (list->count == list->capacity) {
    size_t cap = list->capacity ? 2 * list->capacity : 8;
    MlirOperation *grown = realloc(list->ops, cap * sizeof(*grown));
    if (!grown) {
      list->outOfMemory = true;
      return false;
    }
    list->ops = grown;
    list->capacity = cap;
  }
  list->ops[list->count++] = op;
  return true;
}

static MlirWalkResult collect(MlirOperation op, void *userData) {
  MlirStringRef name = mlirIdentifierStr(mlirOperationGetName(op));
  if (name.length < 5 || strncmp(name.data, "attn.", 5) != 0)
    return MlirWalkResultAdvance;
  /* attn.yield ends a mask_mod region: part of its attention op. */
  if (attnIsOp(op, "attn.yield"))
    return MlirWalkResultAdvance;
  return attnOpListAppend(userData, op) ? MlirWalkResultAdvance : MlirWalkResultInterrupt;
}

AttnOpList attnCollectAttnOps(MlirOperation root) {
  AttnOpList list = {NULL, 0, 0, false};
  mlirOperationWalk(root, collect, &list, MlirWalkPostOrder);
  return list;
}

void attnOpListFree(AttnOpList *list) {
  free(list->ops);
  list->ops = NULL;
  list->count = list->capacity = 0;
}

bool attnIsOp(MlirOperation op, const char *name) {
  return mlirStringRefEqual(mlirIdentifierStr(mlirOperationGetName(op)),
                            mlirStringRefCreateFromCString(name));
}

/* Operand `fromEnd` groups before the end (1: the last group), or null when
 * that group is empty. Ops without operandSegmentSizes have no optional
 * operands. */
static MlirValue optionalOperand(MlirOperation op, intptr_t fromEnd) {
  MlirAttribute sizes =
      mlirOperationGetAttributeByName(op, mlirStringRefCreateFromCString("operandSegmentSizes"));
  if (mlirAttributeIsNull(sizes) || !mlirAttributeIsADenseI32Array(sizes))
    return (MlirValue){NULL};
  intptr_t groups = mlirDenseArrayGetNumElements(sizes), group = groups - fromEnd, first = 0;
  if (group < 0 || mlirDenseI32ArrayGetElement(sizes, group) != 1)
    return (MlirValue){NULL};
  for (intptr_t i = 0; i < group; ++i)
    first += mlirDenseI32ArrayGetElement(sizes, i);
  return first < mlirOperationGetNumOperands(op) ? mlirOperationGetOperand(op, first)
                                                 : (MlirValue){NULL};
}

static bool isMhaOrVarlen(MlirOperation op) {
  return attnIsOp(op, "attn.mha") || attnIsOp(op, "attn.mha_varlen");
}

/* The group after the descales: rng_state (dropout's run-time Philox state),
 * of attn.mha, attn.mha_varlen and their backward ops (of the backward ops the
 * last group). */
static intptr_t rngGroups(MlirOperation op) {
  return isMhaOrVarlen(op) || attnIsBackwardOp(op) ? 1 : 0;
}
/* The group after rng_state, the last of attn.mha and attn.mha_varlen:
 * SAGE's k_mean (docs/fp8.md). */
static intptr_t sageGroups(MlirOperation op) { return isMhaOrVarlen(op) ? 1 : 0; }
/* The groups after the sinks: attn.mha and attn.mha_varlen have the block
 * mask's four, the three descales, rng_state and k_mean, attn.paged_attention
 * k_scale and v_scale. Counted from the block mask (fp8Groups) they are the
 * descales and what follows them. */
static intptr_t fp8Groups(MlirOperation op) {
  return (isMhaOrVarlen(op)                      ? 3
          : attnIsOp(op, "attn.paged_attention") ? 2
                                                 : 0) +
         rngGroups(op) + sageGroups(op);
}
static intptr_t blockMaskGroups(MlirOperation op) {
  return (isMhaOrVarlen(op) ? 4 : 0) + fp8Groups(op);
}

MlirValue attnOpAlibi(MlirOperation op) {
  /* The backward ops: alibi, then rng_state, after a fixed list. */
  if (attnIsBackwardOp(op))
    return optionalOperand(op, 2);
  return optionalOperand(op, 2 + blockMaskGroups(op));
}
MlirValue attnOpSinks(MlirOperation op) { return optionalOperand(op, 1 + blockMaskGroups(op)); }
MlirValue attnOpBlockMask(MlirOperation op, AttnBlockMaskOperand which) {
  return isMhaOrVarlen(op) ? optionalOperand(op, 4 - (intptr_t)which + fp8Groups(op))
                           : (MlirValue){NULL};
}
MlirValue attnOpRngState(MlirOperation op) {
  return rngGroups(op) ? optionalOperand(op, 1 + sageGroups(op)) : (MlirValue){NULL};
}
MlirValue attnOpScale(MlirOperation op, AttnScaleOperand which) {
  if (isMhaOrVarlen(op))
    return which <= ATTN_V_DESCALE
               ? optionalOperand(op, 3 - (intptr_t)which + rngGroups(op) + sageGroups(op))
               : (MlirValue){NULL};
  if (attnIsOp(op, "attn.paged_attention"))
    return which >= ATTN_K_SCALE ? optionalOperand(op, 2 - (intptr_t)(which - ATTN_K_SCALE))
                                 : (MlirValue){NULL};
  /* attn.mla: one kv_scale, after its five operands, for K and V alike. */
  if (attnIsOp(op, "attn.mla") && which >= ATTN_K_SCALE && mlirOperationGetNumOperands(op) > 5)
    return mlirOperationGetOperand(op, 5);
  return (MlirValue){NULL};
}

MlirValue attnOpKMean(MlirOperation op) {
  return isMhaOrVarlen(op) ? optionalOperand(op, 1) : (MlirValue){NULL};
}

bool attnOpIsSage(MlirOperation op) {
  if (!isMhaOrVarlen(op))
    return false;
  MlirType q = mlirShapedTypeGetElementType(mlirValueGetType(mlirOperationGetOperand(op, 0)));
  return mlirTypeIsAInteger(q) && mlirIntegerTypeGetWidth(q) == 8;
}

int64_t attnOpScaleBlock(MlirOperation op, const char *name) {
  MlirAttribute a =
      mlirOperationGetInherentAttributeByName(op, mlirStringRefCreateFromCString(name));
  return mlirAttributeIsNull(a) ? 0 : mlirIntegerAttrGetValueInt(a);
}

bool attnIsFp8Type(MlirType t) {
  return mlirTypeIsAFloat8E4M3FN(t) || mlirTypeIsAFloat8E4M3FNUZ(t);
}

bool attnOpIsFp8(MlirOperation op) {
  if (!isMhaOrVarlen(op) && !attnIsOp(op, "attn.paged_attention") && !attnIsOp(op, "attn.mla"))
    return false;
  MlirType k = mlirShapedTypeGetElementType(mlirValueGetType(mlirOperationGetOperand(op, 1)));
  return attnIsFp8Type(k);
}

void attnEmitOpError(MlirOperation op, const char *pass, const char *message) {
  MlirStringRef name = mlirIdentifierStr(mlirOperationGetName(op));
  char text[512];
  snprintf(text, sizeof(text), "%s: '%.*s' %s", pass, (int)name.length, name.data, message);
  mlirEmitError(mlirOperationGetLocation(op), text);
}

int64_t attnOperandDim(MlirOperation op, intptr_t operand, intptr_t dim) {
  return mlirShapedTypeGetDimSize(mlirValueGetType(mlirOperationGetOperand(op, operand)), dim);
}

void attnSetAttr(MlirOperation op, const char *name, MlirAttribute attr) {
  mlirOperationSetDiscardableAttributeByName(op, mlirStringRefCreateFromCString(name), attr);
}

MlirAttribute attnGetAttr(MlirOperation op, const char *name) {
  return mlirOperationGetDiscardableAttributeByName(op, mlirStringRefCreateFromCString(name));
}

bool attnHasDropout(MlirOperation op) {
  MlirAttribute p =
      mlirOperationGetInherentAttributeByName(op, mlirStringRefCreateFromCString("dropout_p"));
  return !mlirAttributeIsNull(p) && mlirAttributeIsAFloat(p) && mlirFloatAttrGetValueDouble(p) > 0;
}

bool attnIsBackwardOp(MlirOperation op) {
  return attnIsOp(op, "attn.mha_bwd") || attnIsOp(op, "attn.mha_varlen_bwd");
}

bool attnConstIndexValue(MlirValue v, int64_t *out) {
  if (!mlirValueIsAOpResult(v) || !attnIsOp(mlirOpResultGetOwner(v), "arith.constant"))
    return false;
  MlirAttribute a = mlirOperationGetAttributeByName(mlirOpResultGetOwner(v),
                                                    mlirStringRefCreateFromCString("value"));
  if (mlirAttributeIsNull(a) || !mlirAttributeIsAInteger(a))
    return false;
  *out = mlirIntegerAttrGetValueInt(a);
  return true;
}

bool attnIsBackwardKernel(MlirAttribute kernel) {
  if (!mlirAttributeIsADictionary(kernel))
    return false;
  MlirAttribute a =
      mlirDictionaryAttrGetElementByName(kernel, mlirStringRefCreateFromCString("kind"));
  if (mlirAttributeIsNull(a) || !mlirAttributeIsAString(a))
    return false;
  MlirStringRef k = mlirStringAttrGetValue(a);
  return (k.length > 4 && !strncmp(k.data, "bwd_", 4)) ||
         (k.length > 7 && !strncmp(k.data, "varlen_", 7));
}

int64_t attnPagedPiece(int64_t blockSize, int64_t blockN) {
  int64_t a = blockSize, b = blockN;
  while (b) {
    int64_t t = a % b;
    a = b;
    b = t;
  }
  return a;
}

MlirAttribute attnStringAttr(MlirContext ctx, const char *v) {
  return mlirStringAttrGet(ctx, mlirStringRefCreateFromCString(v));
}

MlirOperation attnParentOfType(MlirOperation op, const char *name) {
  for (MlirOperation p = mlirOperationGetParentOperation(op); !mlirOperationIsNull(p);
       p = mlirOperationGetParentOperation(p))
    if (attnIsOp(p, name))
      return p;
  return (MlirOperation){NULL};
}

bool attnSymbolTaken(MlirOperation module, const char *name) {
  MlirSymbolTable table = mlirSymbolTableCreate(module);
  bool taken =
      !mlirOperationIsNull(mlirSymbolTableLookup(table, mlirStringRefCreateFromCString(name)));
  mlirSymbolTableDestroy(table);
  return taken;
}

bool attnParseOptionWords(const char *text, const AttnOptionWord *words, int n, const char *pass,
                          const char *expected, char *err, size_t errLen) {
  for (const char *p = text; *p;) {
    while (*p == ' ')
      ++p;
    if (!*p)
      break;
    size_t len = strcspn(p, " ");
    int i = 0;
    while (i < n && !(strlen(words[i].word) == len && !strncmp(p, words[i].word, len)))
      ++i;
    if (i == n) {
      snprintf(err, errLen, "%s: unknown option '%.*s' (expected %s)", pass, (int)len, p, expected);
      return false;
    }
    *words[i].field = words[i].value;
    p += len;
  }
  return true;
}

/* The largest power of two up to 8 dividing n (a dynamic n: 1). */
static int64_t pow2UpTo8(int64_t n) {
  int64_t a = 8;
  while (a > 1 && (n <= 0 || n % a))
    a /= 2;
  return a;
}

int64_t attnOpRowAlign(MlirOperation op) {
  MlirAttribute a = attnGetAttr(op, "attn.align");
  if (!mlirAttributeIsNull(a)) {
    int64_t v = mlirAttributeIsAInteger(a) ? mlirIntegerAttrGetValueInt(a) : 0;
    return v == 1 || v == 2 || v == 4 || v == 8 ? v : 0;
  }
  bool varlen = attnIsOp(op, "attn.mha_varlen") || attnIsOp(op, "attn.mha_varlen_bwd");
  bool paged = attnIsOp(op, "attn.paged_attention") || attnIsOp(op, "attn.mla");
  int64_t d = pow2UpTo8(attnOperandDim(op, 0, varlen || paged ? 2 : 3));
  int64_t dv = pow2UpTo8(attnOpValueDim(op));
  return d < dv ? d : dv;
}

int64_t attnOpValueDim(MlirOperation op) {
  if (attnIsOp(op, "attn.mla")) /* V: the first kv_lora_rank columns of the cache rows */
    return mlirIntegerAttrGetValueInt(mlirOperationGetInherentAttributeByName(
        op, mlirStringRefCreateFromCString("kv_lora_rank")));
  bool varlen = attnIsOp(op, "attn.mha_varlen") || attnIsOp(op, "attn.mha_varlen_bwd");
  return attnOperandDim(op, 2, varlen ? 2 : 3);
}

MlirAttribute attnDictWithInt(MlirContext ctx, MlirAttribute dict, const char *name,
                              int64_t value) {
  intptr_t n = mlirDictionaryAttrGetNumElements(dict);
  MlirNamedAttribute elems[32];
  for (intptr_t i = 0; i < n && i < 32; ++i) {
    elems[i] = mlirDictionaryAttrGetElement(dict, i);
    if (mlirStringRefEqual(mlirIdentifierStr(elems[i].name), mlirStringRefCreateFromCString(name)))
      elems[i].attribute = mlirIntegerAttrGet(mlirIntegerTypeGet(ctx, 64), value);
  }
  return mlirDictionaryAttrGet(ctx, n < 32 ? n : 32, elems);
}
