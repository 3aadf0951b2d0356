/*===- attn-cpu-launch.c - grid launches as calls into the CPU launcher ---===*
 *
 * attn-online-softmax declares one grid launch per kernel @K; after lowering
 * to the LLVM dialect it reads
 *
 *   llvm.func @__attn_launch_K(<flat args>, i64 %gx, i64 %gy, i64 %gz)
 *
 * and means "run @K(<flat args>, x, y, z) for every (x, y, z) in the grid".
 * This pass defines it for the host:
 *
 *   llvm.func internal @__attn_program_K(%args: !llvm.ptr, %x, %y, %z: i64) {
 *     <flat arg i> = decode(load i64 slot i of %args)
 *     llvm.call @K(<flat args>, %x, %y, %z)
 *   }
 *   llvm.func internal @__attn_launch_K(<flat args>, %gx, %gy, %gz) {
 *     %slots = llvm.alloca N x i64, slot i = encode(<flat arg i>)
 *     %rc = launcher.launch(launcher.ctx, @__attn_program_K, %slots, %gx, %gy, %gz)
 *     trap if %rc != 0
 *   }
 *
 * where `launcher` is the external global @attnrt_cpu_launcher, the
 * AttnCpuLauncher of attnrt/CpuLaunch.h that the host binds (the JIT:
 * mlirExecutionEngineRegisterSymbol). The global is never dso_local, so code
 * reaches it through the GOT: a 64-bit address that may lie anywhere, which
 * the JIT's linker resolves correctly (a direct PC-relative reference would
 * overflow when the host object is more than 2 GiB away from JIT code).
 *
 * Slots: every slot is a fully defined i64. Pointers travel through
 * ptrtoint/inttoptr, integers of up to 64 bits zero-extended, f16, bf16, f32
 * and f64 as their bits (bitcast to the integer of their width, then
 * zero-extended). Anything else is an error. The slots live in the launch
 * function's frame, which is sound because a launcher returns only after every
 * program has finished.
 *
 * The trampoline is renamed if its name is taken. Declarations are all
 * checked before anything is rewritten, so a failing module reports every bad
 * launch.
 *
 * A launch whose launcher fails (-1: a negative or overflowing grid, i.e. a
 * compiler bug) traps: the launch has no way to report an error, and results
 * that were never computed must not pass for output.
 *
 *===----------------------------------------------------------------------===*/

#include "Builder.h"
#include "PassUtil.h"
#include "Passes.h"

#include "mlir-c/BuiltinAttributes.h"
#include "mlir-c/BuiltinTypes.h"
#include "mlir-c/Dialect/LLVM.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char passName[] = "attn-cpu-launch";
static const char launchPrefix[] = "__attn_launch_";
static const char programPrefix[] = "__attn_program_";
/* ATTN_CPU_LAUNCHER_SYMBOL of attnrt/CpuLaunch.h (the passes do not see the
 * runtime's headers; test/Unit/cpu-launch-test.c checks that they agree). */
static const char launcherSymbol[] = "attnrt_cpu_launcher";

/* The grid sizes (program ids in the kernel) end every signature. A flat
 * signature longer than MAX_PARAMS (some 40 rank-4 memrefs) is refused. */
enum { GRID_RANK = 3, MAX_PARAMS = 512 };

static MlirStringRef str(const char *s) { return mlirStringRefCreateFromCString(s); }

/*===--- Types and slots ---------------------------------------------------===*/

static MlirType ptrType(MlirContext ctx) { return mlirLLVMPointerTypeGet(ctx, 0); }
static MlirType i64Type(MlirContext ctx) { return mlirIntegerTypeGet(ctx, 64); }

/* { AttnCpuLaunchFn launch; void *ctx; } */
static MlirType launcherType(MlirContext ctx) {
  MlirType fields[2] = {ptrType(ctx), ptrType(ctx)};
  return mlirLLVMStructTypeLiteralGet(ctx, 2, fields, false);
}

/* AttnProgramFn: void (void *args, int64_t x, int64_t y, int64_t z). */
static MlirType programType(MlirContext ctx) {
  MlirType params[4] = {ptrType(ctx), i64Type(ctx), i64Type(ctx), i64Type(ctx)};
  return mlirLLVMFunctionTypeGet(mlirLLVMVoidTypeGet(ctx), 4, params, false);
}

typedef enum { SLOT_NONE, SLOT_PTR, SLOT_INT, SLOT_FLOAT } SlotKind;

static SlotKind slotKind(MlirType t) {
  if (mlirTypeIsALLVMPointerType(t))
    return SLOT_PTR;
  if (mlirTypeIsAInteger(t) && mlirIntegerTypeGetWidth(t) <= 64)
    return SLOT_INT;
  if (mlirTypeIsAF16(t) || mlirTypeIsABF16(t) || mlirTypeIsAF32(t) || mlirTypeIsAF64(t))
    return SLOT_FLOAT;
  return SLOT_NONE;
}

static unsigned bitWidth(MlirType t) {
  return mlirTypeIsAInteger(t) ? mlirIntegerTypeGetWidth(t) : mlirFloatTypeGetWidth(t);
}

/*===--- LLVM dialect ops --------------------------------------------------===*/

static MlirValue cast(AttnBuilder *b, const char *name, MlirValue x, MlirType to) {
  MlirOperation op = attnBuildOp(b, name, 1, &x, 1, &to, 0, NULL, 0, NULL);
  return mlirOperationGetResult(op, 0);
}

static MlirValue constInt(AttnBuilder *b, unsigned width, int64_t value) {
  MlirType type = mlirIntegerTypeGet(b->ctx, width);
  MlirNamedAttribute attr = attnNamedAttr(b, "value", mlirIntegerAttrGet(type, value));
  return mlirOperationGetResult(
      attnBuildOp(b, "llvm.mlir.constant", 0, NULL, 1, &type, 1, &attr, 0, NULL), 0);
}

/* llvm.getelementptr %base[indices...] with constant indices. */
static MlirValue gep(AttnBuilder *b, MlirValue base, MlirType elem, intptr_t n,
                     const int32_t *indices) {
  MlirNamedAttribute attrs[2] = {
      attnNamedAttr(b, "elem_type", mlirTypeAttrGet(elem)),
      attnNamedAttr(b, "rawConstantIndices", mlirDenseI32ArrayGet(b->ctx, n, indices))};
  MlirType ptr = ptrType(b->ctx);
  return mlirOperationGetResult(
      attnBuildOp(b, "llvm.getelementptr", 1, &base, 1, &ptr, 2, attrs, 0, NULL), 0);
}

static MlirValue slotAddress(AttnBuilder *b, MlirValue slots, intptr_t i) {
  int32_t index = (int32_t)i;
  return gep(b, slots, i64Type(b->ctx), 1, &index);
}

/* Every access here is to an 8-byte slot or launcher field, 8-byte aligned
 * (the translation to LLVM IR would otherwise assume less). */
static MlirNamedAttribute aligned8(AttnBuilder *b) {
  return attnNamedAttr(b, "alignment", mlirIntegerAttrGet(i64Type(b->ctx), 8));
}

static MlirValue load(AttnBuilder *b, MlirValue addr, MlirType type) {
  MlirNamedAttribute align = aligned8(b);
  return mlirOperationGetResult(attnBuildOp(b, "llvm.load", 1, &addr, 1, &type, 1, &align, 0, NULL),
                                0);
}

static void store(AttnBuilder *b, MlirValue value, MlirValue addr) {
  MlirValue operands[2] = {value, addr};
  MlirNamedAttribute align = aligned8(b);
  attnBuildOp(b, "llvm.store", 2, operands, 0, NULL, 1, &align, 0, NULL);
}

static MlirValue addressOf(AttnBuilder *b, MlirAttribute symbol) {
  MlirNamedAttribute attr = attnNamedAttr(b, "global_name", symbol);
  MlirType ptr = ptrType(b->ctx);
  return mlirOperationGetResult(
      attnBuildOp(b, "llvm.mlir.addressof", 0, NULL, 1, &ptr, 1, &attr, 0, NULL), 0);
}

/* llvm.call: direct when `callee` is a symbol, otherwise through operands[0].
 * A null `result` type makes a call without results. */
static MlirOperation call(AttnBuilder *b, MlirAttribute callee, intptr_t n,
                          const MlirValue *operands, MlirType result) {
  int32_t segments[2] = {(int32_t)n, 0}; /* callee operands, op bundle operands */
  MlirNamedAttribute attrs[3] = {
      attnNamedAttr(b, "operandSegmentSizes", mlirDenseI32ArrayGet(b->ctx, 2, segments)),
      attnNamedAttr(b, "op_bundle_sizes", mlirDenseI32ArrayGet(b->ctx, 0, NULL)),
      attnNamedAttr(b, "callee", callee)};
  intptr_t nAttrs = mlirAttributeIsNull(callee) ? 2 : 3;
  intptr_t nResults = mlirTypeIsNull(result) ? 0 : 1;
  return attnBuildOp(b, "llvm.call", n, operands, nResults, &result, nAttrs, attrs, 0, NULL);
}

static void condBr(AttnBuilder *b, MlirValue cond, MlirBlock onTrue, MlirBlock onFalse) {
  int32_t segments[3] = {1, 0, 0}; /* condition, true operands, false operands */
  MlirNamedAttribute attr =
      attnNamedAttr(b, "operandSegmentSizes", mlirDenseI32ArrayGet(b->ctx, 3, segments));
  MlirBlock successors[2] = {onTrue, onFalse};
  MlirOperationState state = mlirOperationStateGet(str("llvm.cond_br"), b->loc);
  mlirOperationStateAddOperands(&state, 1, &cond);
  mlirOperationStateAddSuccessors(&state, 2, successors);
  mlirOperationStateAddAttributes(&state, 1, &attr);
  mlirBlockAppendOwnedOperation(b->block, mlirOperationCreate(&state));
}

/* A flat argument as the i64 its slot holds. */
static MlirValue encode(AttnBuilder *b, MlirValue value) {
  MlirType type = mlirValueGetType(value), i64 = i64Type(b->ctx);
  SlotKind kind = slotKind(type);
  if (kind == SLOT_PTR)
    return cast(b, "llvm.ptrtoint", value, i64);
  if (kind == SLOT_FLOAT)
    value = cast(b, "llvm.bitcast", value, mlirIntegerTypeGet(b->ctx, bitWidth(type)));
  return bitWidth(type) < 64 ? cast(b, "llvm.zext", value, i64) : value;
}

/* The inverse of encode. */
static MlirValue decode(AttnBuilder *b, MlirValue slot, MlirType type) {
  SlotKind kind = slotKind(type);
  if (kind == SLOT_PTR)
    return cast(b, "llvm.inttoptr", slot, type);
  unsigned width = bitWidth(type);
  MlirValue bits =
      width < 64 ? cast(b, "llvm.trunc", slot, mlirIntegerTypeGet(b->ctx, width)) : slot;
  return kind == SLOT_FLOAT ? cast(b, "llvm.bitcast", bits, type) : bits;
}

/*===--- Checks ------------------------------------------------------------===*/

typedef struct {
  char *text;
  size_t length, capacity;
} TextBuffer;

static void appendText(MlirStringRef s, void *userData) {
  TextBuffer *buf = userData;
  size_t room = buf->capacity - 1 - buf->length;
  size_t n = s.length < room ? s.length : room;
  memcpy(buf->text + buf->length, s.data, n);
  buf->length += n;
  buf->text[buf->length] = '\0';
}

static void printType(MlirType type, char *text, size_t capacity) {
  TextBuffer buf = {text, 0, capacity};
  text[0] = '\0';
  mlirTypePrint(type, appendText, &buf);
}

static MlirType functionType(MlirOperation func) {
  return mlirTypeAttrGetValue(mlirOperationGetInherentAttributeByName(func, str("function_type")));
}

static MlirStringRef symbolName(MlirOperation op) {
  return mlirStringAttrGetValue(
      mlirOperationGetInherentAttributeByName(op, mlirSymbolTableGetSymbolAttributeName()));
}

static bool isDefinedFunc(MlirOperation op) {
  return !mlirOperationIsNull(op) && attnIsOp(op, "llvm.func") &&
         !mlirBlockIsNull(mlirRegionGetFirstBlock(mlirOperationGetRegion(op, 0)));
}

static bool isLaunchDeclaration(MlirOperation op) {
  if (!attnIsOp(op, "llvm.func") || isDefinedFunc(op))
    return false;
  MlirStringRef name = symbolName(op);
  size_t n = sizeof(launchPrefix) - 1;
  return name.length >= n && memcmp(name.data, launchPrefix, n) == 0;
}

static MlirStringRef kernelName(MlirOperation decl) {
  MlirStringRef name = symbolName(decl);
  size_t n = sizeof(launchPrefix) - 1;
  return mlirStringRefCreate(name.data + n, name.length - n);
}

/* Emits "attn-cpu-launch: '<op name>' <printf message>" at the op. */
static void emitErrorf(MlirOperation op, const char *format, ...) {
  char message[400];
  va_list args;
  va_start(args, format);
  vsnprintf(message, sizeof(message), format, args);
  va_end(args);
  attnEmitOpError(op, passName, message);
}

#define NAME_ARG(s) (int)(s).length, (s).data

/* The launch type must be void(<slot-sized args>..., i64, i64, i64). */
static bool checkLaunchType(MlirOperation decl, MlirType type) {
  MlirContext ctx = mlirOperationGetContext(decl);
  MlirStringRef name = symbolName(decl);
  intptr_t n = mlirLLVMFunctionTypeGetNumInputs(type);
  if (n > MAX_PARAMS) {
    emitErrorf(decl, "@%.*s has more than %d parameters", NAME_ARG(name), MAX_PARAMS);
    return false;
  }
  MlirType params[MAX_PARAMS];
  for (intptr_t i = 0; i < n; ++i)
    params[i] = mlirLLVMFunctionTypeGetInput(type, i);
  MlirType result = mlirLLVMFunctionTypeGetReturnType(type);
  if (!mlirTypeEqual(type, mlirLLVMFunctionTypeGet(result, n, params, false))) {
    emitErrorf(decl, "@%.*s is variadic", NAME_ARG(name));
    return false;
  }
  if (!mlirTypeEqual(result, mlirLLVMVoidTypeGet(ctx))) {
    emitErrorf(decl, "@%.*s must return void", NAME_ARG(name));
    return false;
  }
  bool grid = n >= GRID_RANK;
  for (intptr_t i = n - GRID_RANK; grid && i < n; ++i)
    grid = mlirTypeEqual(params[i], i64Type(ctx));
  if (!grid) {
    emitErrorf(decl, "@%.*s must end with the grid sizes (i64, i64, i64)", NAME_ARG(name));
    return false;
  }
  for (intptr_t i = 0; i < n - GRID_RANK; ++i) {
    if (slotKind(params[i]) != SLOT_NONE)
      continue;
    char typeText[128];
    printType(params[i], typeText, sizeof(typeText));
    emitErrorf(decl, "@%.*s: parameter %d has type %s, which does not fit a 64-bit launch slot",
               NAME_ARG(name), (int)i, typeText);
    return false;
  }
  return true;
}

/* Names the first difference between the launch's and the kernel's type. */
static void emitSignatureMismatch(MlirOperation decl, MlirStringRef kernel, MlirType have,
                                  MlirType want) {
  intptr_t n = mlirLLVMFunctionTypeGetNumInputs(have), m = mlirLLVMFunctionTypeGetNumInputs(want);
  if (n != m) {
    emitErrorf(decl, "has %d parameters, but its kernel @%.*s has %d", (int)n, NAME_ARG(kernel),
               (int)m);
    return;
  }
  intptr_t i = 0;
  while (i < n && mlirTypeEqual(mlirLLVMFunctionTypeGetInput(have, i),
                                mlirLLVMFunctionTypeGetInput(want, i)))
    ++i;
  bool param = i < n;
  MlirType h =
      param ? mlirLLVMFunctionTypeGetInput(have, i) : mlirLLVMFunctionTypeGetReturnType(have);
  MlirType w =
      param ? mlirLLVMFunctionTypeGetInput(want, i) : mlirLLVMFunctionTypeGetReturnType(want);
  char haveText[128], wantText[128];
  printType(h, haveText, sizeof(haveText));
  printType(w, wantText, sizeof(wantText));
  if (param)
    emitErrorf(decl, "parameter %d has type %s, but in its kernel @%.*s it has type %s", (int)i,
               haveText, NAME_ARG(kernel), wantText);
  else if (!mlirTypeEqual(h, w))
    emitErrorf(decl, "returns %s, but its kernel @%.*s returns %s", haveText, NAME_ARG(kernel),
               wantText);
  else
    emitErrorf(decl, "is variadic and its kernel @%.*s is not, or the other way round",
               NAME_ARG(kernel));
}

/* The kernel of a launch declaration, or a null op after a located error. */
static MlirOperation checkLaunch(MlirSymbolTable table, MlirOperation decl) {
  MlirStringRef kernel = kernelName(decl);
  MlirOperation k = mlirSymbolTableLookup(table, kernel);
  if (!isDefinedFunc(k)) {
    emitErrorf(decl, "launches @%.*s, but the module defines no llvm.func of that name",
               NAME_ARG(kernel));
    return attnNullOp();
  }
  MlirType type = functionType(decl);
  if (!mlirTypeEqual(type, functionType(k))) {
    emitSignatureMismatch(decl, kernel, type, functionType(k));
    return attnNullOp();
  }
  return checkLaunchType(decl, type) ? k : attnNullOp();
}

/* @attnrt_cpu_launcher, declared once per module (an existing global of the
 * launcher's type is kept; any other symbol of that name is an error). */
static bool declareLauncher(MlirSymbolTable table, MlirOperation module, MlirLocation loc) {
  MlirContext ctx = mlirOperationGetContext(module);
  MlirOperation existing = mlirSymbolTableLookup(table, str(launcherSymbol));
  if (!mlirOperationIsNull(existing)) {
    MlirAttribute type = mlirOperationGetInherentAttributeByName(existing, str("global_type"));
    bool ok = attnIsOp(existing, "llvm.mlir.global") && !mlirAttributeIsNull(type) &&
              mlirTypeEqual(mlirTypeAttrGetValue(type), launcherType(ctx));
    if (!ok)
      emitErrorf(existing,
                 "@%s is reserved for the runtime's CPU launcher (an external llvm.mlir.global of "
                 "type !llvm.struct<(ptr, ptr)>)",
                 launcherSymbol);
    return ok;
  }
  MlirBlock body = mlirRegionGetFirstBlock(mlirOperationGetRegion(module, 0));
  AttnBuilder b = {ctx, loc, body, mlirBlockGetFirstOperation(body)};
  MlirNamedAttribute attrs[3] = {
      attnNamedAttr(&b, "sym_name", mlirStringAttrGet(ctx, str(launcherSymbol))),
      attnNamedAttr(&b, "global_type", mlirTypeAttrGet(launcherType(ctx))),
      attnNamedAttr(&b, "linkage", mlirLLVMLinkageAttrGet(ctx, MlirLLVMLinkageExternal))};
  MlirRegion init = mlirRegionCreate(); /* empty: defined by the host */
  mlirSymbolTableInsert(table,
                        attnBuildOp(&b, "llvm.mlir.global", 0, NULL, 0, NULL, 3, attrs, 1, &init));
  return true;
}

/*===--- Rewrite -----------------------------------------------------------===*/

static MlirOperation internalFunc(AttnBuilder *b, MlirStringRef name, MlirType type,
                                  MlirBlock entry) {
  MlirNamedAttribute attrs[3] = {
      attnNamedAttr(b, "sym_name", mlirStringAttrGet(b->ctx, name)),
      attnNamedAttr(b, "function_type", mlirTypeAttrGet(type)),
      attnNamedAttr(b, "linkage", mlirLLVMLinkageAttrGet(b->ctx, MlirLLVMLinkageInternal))};
  MlirRegion body = mlirRegionCreate();
  mlirRegionAppendOwnedBlock(body, entry);
  return attnBuildOp(b, "llvm.func", 0, NULL, 0, NULL, 3, attrs, 1, &body);
}

static MlirBlock createBlock(MlirType type, MlirLocation loc) {
  intptr_t n = mlirLLVMFunctionTypeGetNumInputs(type); /* <= MAX_PARAMS: checked */
  MlirType params[MAX_PARAMS];
  MlirLocation locs[MAX_PARAMS];
  for (intptr_t i = 0; i < n; ++i) {
    params[i] = mlirLLVMFunctionTypeGetInput(type, i);
    locs[i] = loc;
  }
  return mlirBlockCreate(n, params, locs);
}

/* @__attn_program_K(%args, %x, %y, %z): one program, its arguments decoded
 * from the slots. Returns the trampoline's symbol (renamed on a clash). */
static MlirAttribute defineProgram(MlirSymbolTable table, MlirOperation decl,
                                   MlirOperation kernel) {
  MlirContext ctx = mlirOperationGetContext(decl);
  MlirLocation loc = mlirOperationGetLocation(decl);
  MlirType type = functionType(decl);
  intptr_t n = mlirLLVMFunctionTypeGetNumInputs(type), numSlots = n - GRID_RANK;
  MlirBlock entry = createBlock(programType(ctx), loc);
  AttnBuilder b = {ctx, loc, entry, attnNullOp()};
  MlirValue args[MAX_PARAMS];
  for (intptr_t i = 0; i < numSlots; ++i) {
    MlirValue slot = load(&b, slotAddress(&b, mlirBlockGetArgument(entry, 0), i), i64Type(ctx));
    args[i] = decode(&b, slot, mlirLLVMFunctionTypeGetInput(type, i));
  }
  for (intptr_t d = 0; d < GRID_RANK; ++d)
    args[numSlots + d] = mlirBlockGetArgument(entry, 1 + d);
  MlirAttribute callee = mlirFlatSymbolRefAttrGet(ctx, symbolName(kernel));
  call(&b, callee, n, args, (MlirType){NULL});
  attnBuildOp(&b, "llvm.return", 0, NULL, 0, NULL, 0, NULL, 0, NULL);

  MlirStringRef k = kernelName(decl);
  size_t prefix = sizeof(programPrefix) - 1;
  char *name = malloc(prefix + k.length + 1);
  if (!name) {
    attnEmitOpError(decl, passName, "ran out of memory");
    return mlirAttributeGetNull();
  }
  memcpy(name, programPrefix, prefix);
  memcpy(name + prefix, k.data, k.length);
  AttnBuilder top = {ctx, loc, mlirOperationGetBlock(decl), mlirOperationGetNextInBlock(decl)};
  MlirOperation program =
      internalFunc(&top, mlirStringRefCreate(name, prefix + k.length), programType(ctx), entry);
  free(name);
  return mlirFlatSymbolRefAttrGet(ctx,
                                  mlirStringAttrGetValue(mlirSymbolTableInsert(table, program)));
}

/* The body of @__attn_launch_K: slots, the launcher call, a trap on failure. */
static void defineLaunch(MlirOperation decl, MlirAttribute program) {
  MlirContext ctx = mlirOperationGetContext(decl);
  MlirLocation loc = mlirOperationGetLocation(decl);
  MlirType type = functionType(decl), i64 = i64Type(ctx), ptr = ptrType(ctx);
  intptr_t n = mlirLLVMFunctionTypeGetNumInputs(type), numSlots = n - GRID_RANK;
  MlirRegion region = mlirOperationGetRegion(decl, 0);
  MlirBlock entry = createBlock(type, loc);
  mlirRegionAppendOwnedBlock(region, entry);
  AttnBuilder b = {ctx, loc, entry, attnNullOp()};

  MlirValue count = constInt(&b, 64, numSlots > 0 ? numSlots : 1);
  MlirNamedAttribute elem = attnNamedAttr(&b, "elem_type", mlirTypeAttrGet(i64));
  MlirValue slots = mlirOperationGetResult(
      attnBuildOp(&b, "llvm.alloca", 1, &count, 1, &ptr, 1, &elem, 0, NULL), 0);
  for (intptr_t i = 0; i < numSlots; ++i)
    store(&b, encode(&b, mlirBlockGetArgument(entry, i)), slotAddress(&b, slots, i));

  MlirValue launcher = addressOf(&b, mlirFlatSymbolRefAttrGet(ctx, str(launcherSymbol)));
  int32_t ctxField[2] = {0, 1};
  MlirValue operands[4 + GRID_RANK] = {
      load(&b, launcher, ptr), /* launch */
      load(&b, gep(&b, launcher, launcherType(ctx), 2, ctxField), ptr), addressOf(&b, program),
      slots};
  for (intptr_t d = 0; d < GRID_RANK; ++d)
    operands[4 + d] = mlirBlockGetArgument(entry, numSlots + d);
  MlirValue rc = mlirOperationGetResult(
      call(&b, mlirAttributeGetNull(), 4 + GRID_RANK, operands, mlirIntegerTypeGet(ctx, 32)), 0);

  MlirBlock trap = mlirBlockCreate(0, NULL, NULL), done = mlirBlockCreate(0, NULL, NULL);
  mlirRegionAppendOwnedBlock(region, trap);
  mlirRegionAppendOwnedBlock(region, done);
  MlirValue cmp[2] = {rc, constInt(&b, 32, 0)};
  MlirType i1 = mlirIntegerTypeGet(ctx, 1);
  MlirNamedAttribute ne = attnNamedAttr(&b, "predicate", mlirIntegerAttrGet(i64, 1));
  MlirValue failed =
      mlirOperationGetResult(attnBuildOp(&b, "llvm.icmp", 2, cmp, 1, &i1, 1, &ne, 0, NULL), 0);
  condBr(&b, failed, trap, done);
  b.block = trap;
  attnBuildOp(&b, "llvm.intr.trap", 0, NULL, 0, NULL, 0, NULL, 0, NULL);
  attnBuildOp(&b, "llvm.unreachable", 0, NULL, 0, NULL, 0, NULL, 0, NULL);
  b.block = done;
  attnBuildOp(&b, "llvm.return", 0, NULL, 0, NULL, 0, NULL, 0, NULL);

  /* Only this module calls it: internal lets LLVM inline it into the caller. */
  mlirOperationSetInherentAttributeByName(decl, str("linkage"),
                                          mlirLLVMLinkageAttrGet(ctx, MlirLLVMLinkageInternal));
}

/*===--- Driver ------------------------------------------------------------===*/

typedef struct {
  MlirOperation launch, kernel;
} Launch;

/* The launch declarations at the top of the module and their kernels, all
 * checked before anything is rewritten. Returns false after located errors. */
static bool collectLaunches(MlirBlock body, MlirSymbolTable table, Launch **launches,
                            size_t *count) {
  size_t n = 0, i = 0;
  for (MlirOperation op = mlirBlockGetFirstOperation(body); !mlirOperationIsNull(op);
       op = mlirOperationGetNextInBlock(op))
    n += isLaunchDeclaration(op);
  *launches = n ? malloc(n * sizeof(Launch)) : NULL;
  *count = 0;
  if (n && !*launches) {
    attnEmitOpError(mlirBlockGetParentOperation(body), passName, "ran out of memory");
    return false;
  }
  bool ok = true;
  for (MlirOperation op = mlirBlockGetFirstOperation(body); !mlirOperationIsNull(op);
       op = mlirOperationGetNextInBlock(op)) {
    if (!isLaunchDeclaration(op))
      continue;
    Launch l = {op, checkLaunch(table, op)};
    ok &= !mlirOperationIsNull(l.kernel);
    (*launches)[i++] = l;
  }
  *count = n;
  return ok;
}

static bool rewriteLaunches(MlirOperation module, MlirSymbolTable table) {
  MlirBlock body = mlirRegionGetFirstBlock(mlirOperationGetRegion(module, 0));
  Launch *launches;
  size_t count;
  bool ok =
      collectLaunches(body, table, &launches, &count) &&
      (count == 0 || declareLauncher(table, module, mlirOperationGetLocation(launches[0].launch)));
  for (size_t i = 0; ok && i < count; ++i) {
    MlirAttribute program = defineProgram(table, launches[i].launch, launches[i].kernel);
    ok = !mlirAttributeIsNull(program);
    if (ok)
      defineLaunch(launches[i].launch, program);
  }
  free(launches);
  return ok;
}

static void run(MlirOperation root, MlirExternalPass pass) {
  MlirSymbolTable table = mlirSymbolTableCreate(root);
  if (mlirSymbolTableIsNull(table)) {
    attnEmitOpError(root, passName, "is not a symbol table: attn-cpu-launch runs on a module");
    mlirExternalPassSignalFailure(pass);
    return;
  }
  bool ok = rewriteLaunches(root, table);
  mlirSymbolTableDestroy(table);
  if (!ok)
    mlirExternalPassSignalFailure(pass);
}

static const int64_t passId = 0;

static const AttnPassInfo info = {
    &passId, "AttnCpuLaunch", "attn-cpu-launch",
    "Define grid launches (LLVM dialect) as calls into the runtime's CPU launcher", run};

MlirPass attnCreateCpuLaunchPass(void) { return attnCreatePass(&info); }
