/*===- attn-capi.c - the attn dialect and passes used from plain C --------===*
 *
 * Like mlir/test/CAPI: builds attn ops through the generic C API (the way a C
 * client or another compiler would), verifies them, and runs attnc's passes
 * by name through the pass registry. Output is checked by FileCheck
 * (attn-capi.test).
 *
 *===----------------------------------------------------------------------===*/

#include "attn-c/Dialect.h"
#include "attnc/attnc.h"

#include "mlir-c/BuiltinAttributes.h"
#include "mlir-c/BuiltinTypes.h"
#include "mlir-c/Diagnostics.h"
#include "mlir-c/IR.h"
#include "mlir-c/Pass.h"

#include <stdio.h>
#include <stdlib.h>

static void printToStdout(MlirStringRef s, void *userData) {
  (void)userData;
  fwrite(s.data, 1, s.length, stdout);
}

static MlirLogicalResult printDiagnostic(MlirDiagnostic d, void *userData) {
  (void)userData;
  printf("diagnostic: ");
  mlirDiagnosticPrint(d, printToStdout, NULL);
  printf("\n");
  return mlirLogicalResultSuccess();
}

static MlirType tensor4(int64_t b, int64_t h, int64_t s, int64_t d, MlirType e) {
  int64_t shape[4] = {b, h, s, d};
  return mlirRankedTensorTypeGet(4, shape, e, mlirAttributeGetNull());
}

/* func.func @f(q, k, v) -> out { attn.mha {causal, window_left = 4} } built op by op. */
static MlirModule buildModule(MlirContext ctx, int64_t hq, int64_t hkv) {
  MlirLocation loc = mlirLocationUnknownGet(ctx);
  MlirModule module = mlirModuleCreateEmpty(loc);
  MlirType bf16 = mlirBF16TypeGet(ctx);
  int64_t dyn = mlirShapedTypeGetDynamicSize();
  MlirType q = tensor4(2, hq, dyn, 64, bf16), kv = tensor4(2, hkv, dyn, 64, bf16);
  MlirType inputs[3] = {q, kv, kv};
  MlirType funcType = mlirFunctionTypeGet(ctx, 3, inputs, 1, &q);

  MlirLocation locs[3] = {loc, loc, loc};
  MlirBlock body = mlirBlockCreate(3, inputs, locs);
  MlirValue args[3] = {mlirBlockGetArgument(body, 0), mlirBlockGetArgument(body, 1),
                       mlirBlockGetArgument(body, 2)};
  MlirOperationState mha = mlirOperationStateGet(mlirStringRefCreateFromCString("attn.mha"), loc);
  mlirOperationStateAddOperands(&mha, 3, args);
  mlirOperationStateAddResults(&mha, 1, &q);
  /* One entry per operand group: q, k, v, alibi_slopes, sinks and the block
   * mask's kv_num_blocks, kv_indices, full_kv_num_blocks, full_kv_indices. */
  static const int32_t segments[9] = {1, 1, 1, 0, 0, 0, 0, 0, 0};
  MlirNamedAttribute attrs[3] = {
      mlirNamedAttributeGet(mlirIdentifierGet(ctx, mlirStringRefCreateFromCString("causal")),
                            mlirUnitAttrGet(ctx)),
      mlirNamedAttributeGet(mlirIdentifierGet(ctx, mlirStringRefCreateFromCString("window_left")),
                            mlirIntegerAttrGet(mlirIntegerTypeGet(ctx, 64), 4)),
      mlirNamedAttributeGet(
          mlirIdentifierGet(ctx, mlirStringRefCreateFromCString("operandSegmentSizes")),
          mlirDenseI32ArrayGet(ctx, 9, segments))};
  mlirOperationStateAddAttributes(&mha, 3, attrs);
  MlirOperation mhaOp = mlirOperationCreate(&mha);
  mlirBlockAppendOwnedOperation(body, mhaOp);
  MlirValue out = mlirOperationGetResult(mhaOp, 0);
  MlirOperationState ret =
      mlirOperationStateGet(mlirStringRefCreateFromCString("func.return"), loc);
  mlirOperationStateAddOperands(&ret, 1, &out);
  mlirBlockAppendOwnedOperation(body, mlirOperationCreate(&ret));

  MlirRegion region = mlirRegionCreate();
  mlirRegionAppendOwnedBlock(region, body);
  MlirOperationState func = mlirOperationStateGet(mlirStringRefCreateFromCString("func.func"), loc);
  MlirNamedAttribute funcAttrs[2] = {
      mlirNamedAttributeGet(mlirIdentifierGet(ctx, mlirStringRefCreateFromCString("sym_name")),
                            mlirStringAttrGet(ctx, mlirStringRefCreateFromCString("f"))),
      mlirNamedAttributeGet(mlirIdentifierGet(ctx, mlirStringRefCreateFromCString("function_type")),
                            mlirTypeAttrGet(funcType))};
  mlirOperationStateAddAttributes(&func, 2, funcAttrs);
  mlirOperationStateAddOwnedRegions(&func, 1, &region);
  mlirBlockAppendOwnedOperation(mlirModuleGetBody(module), mlirOperationCreate(&func));
  return module;
}

int main(void) {
  /* The dialect alone, registered through its C handle. */
  MlirContext ctx = attnContextCreate();
  mlirContextAttachDiagnosticHandler(ctx, printDiagnostic, NULL, NULL);
  /* attn is loaded by attnContextCreate; func is only registered, and ops are
   * created here without a parser to load it on demand. */
  mlirContextGetOrLoadDialect(ctx, mlirStringRefCreateFromCString("func"));

  MlirModule good = buildModule(ctx, 8, 2);
  MlirOperation goodOp = mlirModuleGetOperation(good);
  printf("good verifies: %d\n", mlirOperationVerify(goodOp));
  // CHECK: good verifies: 1
  mlirOperationPrint(goodOp, printToStdout, NULL);
  printf("\n");
  // CHECK: attn.mha %arg0, %arg1, %arg2 {causal, window_left = 4 : i64}

  MlirOperation mha = mlirBlockGetFirstOperation(mlirRegionGetFirstBlock(
      mlirOperationGetRegion(mlirBlockGetFirstOperation(mlirModuleGetBody(good)), 0)));
  MlirAttribute wl =
      mlirOperationGetInherentAttributeByName(mha, mlirStringRefCreateFromCString("window_left"));
  printf("window_left property: %lld\n", (long long)mlirIntegerAttrGetValueInt(wl));
  // CHECK: window_left property: 4

  /* attnc passes by name, next to upstream ones. */
  MlirPassManager pm = mlirPassManagerCreate(ctx);
  MlirLogicalResult parsed = mlirParsePassPipeline(
      mlirPassManagerGetAsOpPassManager(pm),
      mlirStringRefCreateFromCString("builtin.module(attn-lower-reference,canonicalize)"), NULL,
      NULL);
  printf("pipeline parses: %d\n", mlirLogicalResultIsSuccess(parsed));
  // CHECK: pipeline parses: 1
  printf("pipeline runs: %d\n", mlirLogicalResultIsSuccess(mlirPassManagerRunOnOp(pm, goodOp)));
  // CHECK: pipeline runs: 1
  mlirOperationPrint(goodOp, printToStdout, NULL);
  printf("\n");
  // CHECK-NOT: attn.mha
  // CHECK: arith.divsi %{{.*}}, %c4 : index
  mlirPassManagerDestroy(pm);
  mlirModuleDestroy(good);

  /* 6 query heads over 4 KV heads: the verifier names both counts. */
  MlirModule bad = buildModule(ctx, 6, 4);
  printf("bad verifies: %d\n", mlirOperationVerify(mlirModuleGetOperation(bad)));
  // CHECK: diagnostic: 'attn.mha' op query heads (Hq = 6) must be a multiple of key/value heads
  // (Hkv = 4) CHECK: bad verifies: 0
  mlirModuleDestroy(bad);

  /* Registering twice is harmless (tools and libraries may both do it). */
  attnRegisterAll();
  attnRegisterAll();
  printf("re-registration ok\n");
  // CHECK: re-registration ok
  mlirContextDestroy(ctx);
  return 0;
}
