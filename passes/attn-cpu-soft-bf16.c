/*===- attn-cpu-soft-bf16.c - the bf16 rounding helper of host code -------===*
 *
 * On a host CPU without bf16 instructions (x86 before AVX512-BF16, e.g. AMD
 * EPYC Zen 3), LLVM keeps bf16 as a storage type and promotes every value
 * it moves (select, phi, vector insert/extract) to f32 and back, rounding
 * with the soft-float libcall __truncsfbf2. arith-expand{include-bf16}
 * already turns the kernels' own conversions into integer arithmetic, but
 * these libcalls appear only in the backend. libgcc has __truncsfbf2 from
 * GCC 13 on; Debian 12's libgcc_s (GCC 12) and the JIT of attn-run do not,
 * so the code object would fail to load ("undefined symbol: __truncsfbf2").
 *
 * This pass defines it in every LLVM-dialect module that holds a bf16 value:
 *
 *   llvm.func weak_odr hidden @__truncsfbf2(%f: f32) -> bf16
 *     (round to nearest even; NaN stays NaN, quieted, with its sign)
 *
 * weak_odr so that LLVM keeps it although nothing calls it before
 * instruction selection, hidden so that code objects never bind to each
 * other's copy; attn.runtime_helper so that the bundle's pruning of what the
 * trampolines do not reach (lib/Target.c) keeps it for the same reason. A module that defines the
 *symbol is left alone; a declaration of it is replaced by the definition.
 *
 *===----------------------------------------------------------------------===*/

#include "PassUtil.h"
#include "Passes.h"

#include "mlir-c/BuiltinAttributes.h"
#include "mlir-c/BuiltinTypes.h"
#include "mlir-c/Dialect/LLVM.h"

#include <string.h>

static const char *const passName = "attn-cpu-soft-bf16";

/* The bits of float f in bf16, rounded to nearest even: f + 0x7fff + the
 * kept part's lowest bit, top half; NaN: the top half with the quiet bit. */
static const char *const helperSource =
    "llvm.func weak_odr hidden @__truncsfbf2(%f: f32) -> bf16 attributes "
    "{attn.runtime_helper} {\n"
    "  %i = llvm.bitcast %f : f32 to i32\n"
    "  %absMask = llvm.mlir.constant(2147483647 : i32) : i32\n"
    "  %infBits = llvm.mlir.constant(2139095040 : i32) : i32\n"
    "  %c16 = llvm.mlir.constant(16 : i32) : i32\n"
    "  %c1 = llvm.mlir.constant(1 : i32) : i32\n"
    "  %half = llvm.mlir.constant(32767 : i32) : i32\n"
    "  %quiet = llvm.mlir.constant(64 : i32) : i32\n"
    "  %abs = llvm.and %i, %absMask : i32\n"
    "  %isNan = llvm.icmp \"ugt\" %abs, %infBits : i32\n"
    "  %top = llvm.lshr %i, %c16 : i32\n"
    "  %lsb = llvm.and %top, %c1 : i32\n"
    "  %bias = llvm.add %lsb, %half : i32\n"
    "  %sum = llvm.add %i, %bias : i32\n"
    "  %rounded = llvm.lshr %sum, %c16 : i32\n"
    "  %nan = llvm.or %top, %quiet : i32\n"
    "  %bits32 = llvm.select %isNan, %nan, %rounded : i1, i32\n"
    "  %bits = llvm.trunc %bits32 : i32 to i16\n"
    "  %r = llvm.bitcast %bits : i16 to bf16\n"
    "  llvm.return %r : bf16\n"
    "}\n";

/* The C API has no IsA for !llvm.array: its TypeID is that of any array. */
static bool isLLVMArray(MlirType t) {
  MlirType any = mlirLLVMArrayTypeGet(mlirIntegerTypeGet(mlirTypeGetContext(t), 8), 1);
  return mlirTypeIDEqual(mlirTypeGetTypeID(t), mlirTypeGetTypeID(any));
}

static bool typeHasBF16(MlirType t) {
  if (mlirTypeIsABF16(t))
    return true;
  if (mlirTypeIsAShaped(t))
    return typeHasBF16(mlirShapedTypeGetElementType(t));
  if (isLLVMArray(t))
    return typeHasBF16(mlirLLVMArrayTypeGetElementType(t));
  if (mlirTypeIsALLVMStructType(t)) {
    for (intptr_t i = 0, n = mlirLLVMStructTypeGetNumElementTypes(t); i < n; ++i)
      if (typeHasBF16(mlirLLVMStructTypeGetElementType(t, i)))
        return true;
  }
  return false;
}

typedef struct {
  bool bf16;                 /* a value of the module holds bf16 */
  bool defined;              /* the module defines __truncsfbf2 */
  MlirOperation declaration; /* its declaration, if it has one */
} Scan;

static MlirWalkResult scanOp(MlirOperation op, void *userData) {
  Scan *s = userData;
  if (attnIsOp(op, "llvm.func")) {
    MlirAttribute name =
        mlirOperationGetInherentAttributeByName(op, mlirStringRefCreateFromCString("sym_name"));
    if (!mlirAttributeIsNull(name) && mlirAttributeIsAString(name)) {
      MlirStringRef n = mlirStringAttrGetValue(name);
      if (n.length == strlen("__truncsfbf2") && !memcmp(n.data, "__truncsfbf2", n.length)) {
        if (mlirBlockIsNull(mlirRegionGetFirstBlock(mlirOperationGetRegion(op, 0))))
          s->declaration = op;
        else
          s->defined = true;
      }
    }
  }
  for (intptr_t i = 0, n = mlirOperationGetNumResults(op); i < n && !s->bf16; ++i)
    s->bf16 = typeHasBF16(mlirValueGetType(mlirOperationGetResult(op, i)));
  for (intptr_t i = 0, n = mlirOperationGetNumOperands(op); i < n && !s->bf16; ++i)
    s->bf16 = typeHasBF16(mlirValueGetType(mlirOperationGetOperand(op, i)));
  return MlirWalkResultAdvance;
}

static void run(MlirOperation root, MlirExternalPass pass) {
  if (!attnIsOp(root, "builtin.module"))
    return;
  Scan s = {false, false, {NULL}};
  mlirOperationWalk(root, scanOp, &s, MlirWalkPreOrder);
  if (!s.bf16 || s.defined)
    return;
  MlirOperation helper = mlirOperationCreateParse(mlirOperationGetContext(root),
                                                  mlirStringRefCreateFromCString(helperSource),
                                                  mlirStringRefCreateFromCString(passName));
  if (mlirOperationIsNull(helper)) { /* only if the LLVM dialect rejected the text */
    attnEmitOpError(root, passName, "cannot build @__truncsfbf2");
    mlirExternalPassSignalFailure(pass);
    return;
  }
  if (!mlirOperationIsNull(s.declaration))
    mlirOperationDestroy(s.declaration); /* calls refer to the symbol by name */
  MlirBlock body = mlirRegionGetFirstBlock(mlirOperationGetRegion(root, 0));
  mlirBlockAppendOwnedOperation(body, helper);
}

static const int64_t passId = 0;

static const AttnPassInfo info = {
    &passId, "AttnCpuSoftBf16", passName,
    "Define __truncsfbf2 (f32 -> bf16, round to nearest even) in host modules that move bf16 "
    "values, for CPUs and runtimes without it",
    run};

MlirPass attnCreateCpuSoftBf16Pass(void) { return attnCreatePass(&info); }
