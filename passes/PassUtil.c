/*===- PassUtil.c - shared helpers of the attnc passes --------------------===*/

#include "PassUtil.h"

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

int64_t attnPagedPiece(int64_t blockSize, int64_t blockN) {
  int64_t a = blockSize, b = blockN;
  while (b) {
    int64_t t = a % b;
    a = b;
    b = t;
  }
  return a;
}
