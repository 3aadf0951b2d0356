/*===- fp8-encode-test.c - attnEncodeFp8 against the nearest e4m3 value ----===*
 *
 * attnEncodeFp8 (passes/KernelIR.c) builds the integer ops that round an f32
 * to e4m3 (f8E4M3FN, f8E4M3FNUZ) on the CPU target, where the fp8-p kernels
 * quantize P (docs/fp8.md). This test replaces the arith.truncf ops of a
 * small module by the encoder's IR, JIT-compiles it and compares every
 * result with an independent oracle: the 256 codes decoded from the format's
 * definition, the nearest finite one chosen by distance (ties to the even
 * code), saturating past the largest value, NaN to the format's NaN, -0 to
 * +0 in FNUZ. Inputs: every f32 bit pattern with a stride (all exponents and
 * signs), every code's value and its neighbours, every midpoint between
 * adjacent codes and its neighbours, and the specials. Scalar and vector
 * forms of the encoder (the CPU lowering emits both).
 *
 *===----------------------------------------------------------------------===*/
#include "Builder.h"
#include "KernelIR.h"
#include "PassUtil.h"
#include "attnc/attnc.h"

#include "mlir-c/BuiltinTypes.h"
#include "mlir-c/ExecutionEngine.h"
#include "mlir-c/IR.h"
#include "mlir-c/Pass.h"

#include <float.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures = 0;

#define CHECK(cond, ...)                                                                           \
  do {                                                                                             \
    if (!(cond)) {                                                                                 \
      if (++failures <= 20) {                                                                      \
        printf("FAIL: %s: ", #cond);                                                               \
        printf(__VA_ARGS__);                                                                       \
        printf("\n");                                                                              \
      }                                                                                            \
    }                                                                                              \
  } while (0)

/* @scalar encodes in[i] one by one; @vector eight at a time (n % 8 == 0). */
static const char *kModule =
    "func.func @scalar(%in: memref<?xf32>, %out: memref<?xi8>, %n: index)\n"
    "    attributes {llvm.emit_c_interface} {\n"
    "  %c0 = arith.constant 0 : index\n"
    "  %c1 = arith.constant 1 : index\n"
    "  scf.for %i = %c0 to %n step %c1 {\n"
    "    %x = memref.load %in[%i] : memref<?xf32>\n"
    "    %y = arith.truncf %x : f32 to FORMAT\n"
    "    %b = arith.bitcast %y : FORMAT to i8\n"
    "    memref.store %b, %out[%i] : memref<?xi8>\n"
    "  }\n"
    "  return\n"
    "}\n"
    "func.func @vector(%in: memref<?xf32>, %out: memref<?xi8>, %n: index)\n"
    "    attributes {llvm.emit_c_interface} {\n"
    "  %c0 = arith.constant 0 : index\n"
    "  %c8 = arith.constant 8 : index\n"
    "  scf.for %i = %c0 to %n step %c8 {\n"
    "    %x = vector.load %in[%i] : memref<?xf32>, vector<8xf32>\n"
    "    %y = arith.truncf %x : vector<8xf32> to vector<8xFORMAT>\n"
    "    %b = arith.bitcast %y : vector<8xFORMAT> to vector<8xi8>\n"
    "    vector.store %b, %out[%i] : memref<?xi8>, vector<8xi8>\n"
    "  }\n"
    "  return\n"
    "}\n";

typedef struct {
  void *allocated, *aligned;
  int64_t offset, size, stride;
} Memref1D;

/* The module text with FORMAT replaced by `format`. */
static char *moduleText(const char *format) {
  size_t cap = strlen(kModule) * 2 + 1, n = 0;
  char *text = malloc(cap);
  for (const char *s = kModule; *s;) {
    if (strncmp(s, "FORMAT", 6) == 0) {
      n += (size_t)sprintf(text + n, "%s", format);
      s += 6;
    } else {
      text[n++] = *s++;
    }
  }
  text[n] = '\0';
  return text;
}

/* Every arith.truncf to fp8 in `op`'s regions replaced by attnEncodeFp8. */
static void replaceTruncs(MlirOperation op) {
  for (intptr_t r = 0; r < mlirOperationGetNumRegions(op); ++r) {
    MlirRegion region = mlirOperationGetRegion(op, r);
    for (MlirBlock block = mlirRegionGetFirstBlock(region); !mlirBlockIsNull(block);
         block = mlirBlockGetNextInRegion(block)) {
      MlirOperation child = mlirBlockGetFirstOperation(block);
      while (!mlirOperationIsNull(child)) {
        MlirOperation next = mlirOperationGetNextInBlock(child);
        if (attnIsOp(child, "arith.truncf")) {
          MlirValue result = mlirOperationGetResult(child, 0);
          MlirType type = mlirValueGetType(result);
          MlirType elem = mlirTypeIsAVector(type) ? mlirShapedTypeGetElementType(type) : type;
          AttnBuilder b = attnBuilderBefore(child);
          MlirValue enc = attnEncodeFp8(&b, mlirOperationGetOperand(child, 0), elem);
          mlirValueReplaceAllUsesOfWith(result, enc);
          mlirOperationDestroy(child);
        } else {
          replaceTruncs(child);
        }
        child = next;
      }
    }
  }
}

static MlirExecutionEngine compile(MlirContext ctx, const char *format) {
  char *text = moduleText(format);
  MlirModule module = mlirModuleCreateParse(ctx, mlirStringRefCreateFromCString(text));
  free(text);
  if (mlirModuleIsNull(module))
    return (MlirExecutionEngine){NULL};
  replaceTruncs(mlirModuleGetOperation(module));
  MlirPassManager pm = mlirPassManagerCreate(ctx);
  MlirLogicalResult ok = mlirOpPassManagerAddPipeline(
      mlirPassManagerGetAsOpPassManager(pm),
      mlirStringRefCreateFromCString(
          "canonicalize,convert-scf-to-cf,convert-vector-to-llvm,convert-math-to-llvm,"
          "convert-arith-to-llvm,finalize-memref-to-llvm,convert-cf-to-llvm,"
          "convert-func-to-llvm,reconcile-unrealized-casts"),
      NULL, NULL);
  if (mlirLogicalResultIsSuccess(ok))
    ok = mlirPassManagerRunOnOp(pm, mlirModuleGetOperation(module));
  mlirPassManagerDestroy(pm);
  MlirExecutionEngine jit = {NULL};
  if (mlirLogicalResultIsSuccess(ok))
    jit = mlirExecutionEngineCreate(module, 2, 0, NULL, false, false);
  mlirModuleDestroy(module);
  return jit;
}

/* The value of code c, from the format's definition (bias 7 / 8, 3 mantissa
 * bits, subnormals at exponent field 0); NAN for NaN codes. */
static double decode(unsigned c, bool fnuz) {
  int bias = fnuz ? 8 : 7;
  if (fnuz ? c == 0x80 : (c & 0x7f) == 0x7f)
    return NAN;
  int e = (c >> 3) & 0xf, m = c & 7;
  double mag = e ? ldexp(1.0 + m / 8.0, e - bias) : ldexp(m / 8.0, 1 - bias);
  return (c & 0x80) ? -mag : mag;
}

/* The expected code of x: NaN to the NaN code, beyond the largest finite
 * magnitude to it (saturation, with x's sign), else the nearest code, ties to
 * the one with an even mantissa; zero keeps its sign unless FNUZ. */
static unsigned oracle(float x, bool fnuz) {
  if (isnan(x))
    return fnuz ? 0x80 : 0x7f;
  double maxFinite = fnuz ? 240.0 : 448.0;
  unsigned sign = signbit(x) ? 0x80 : 0;
  double a = fabs((double)x);
  if (a > maxFinite)
    return sign | (fnuz ? 0x7f : 0x7e);
  unsigned best = 0;
  double bestD = INFINITY;
  for (unsigned c = 0; c < 0x80; ++c) {
    double v = decode(c, fnuz);
    if (isnan(v))
      continue;
    double d = fabs(v - a);
    if (d < bestD || (d == bestD && (c & 1) == 0 && (best & 1) == 1)) {
      best = c;
      bestD = d;
    }
  }
  if (fnuz && best == 0)
    sign = 0;
  return sign | best;
}

static float bitsFloat(uint32_t u) {
  float f;
  memcpy(&f, &u, sizeof f);
  return f;
}

static uint32_t floatBits(float f) {
  uint32_t u;
  memcpy(&u, &f, sizeof u);
  return u;
}

/* The inputs (see the header), padded with zeros to a multiple of 8. */
static float *makeInputs(bool fnuz, int64_t *count) {
  size_t cap = (1u << 20) + 4096, n = 0;
  float *in = malloc(cap * sizeof(float));
  for (uint64_t u = 0; u < (1ull << 32); u += 4099) /* odd stride: every low-bit pattern */
    in[n++] = bitsFloat((uint32_t)u);
  for (unsigned c = 0; c < 0x100; ++c) {
    double v = decode(c, fnuz), next = decode((c & 0x80) | ((c + 1) & 0x7f), fnuz);
    if (isnan(v))
      continue;
    float around[] = {(float)v, nextafterf((float)v, INFINITY), nextafterf((float)v, -INFINITY)};
    for (int k = 0; k < 3; ++k)
      in[n++] = around[k];
    if ((c & 0x7f) != 0x7f && !isnan(next) && fabs(next) > fabs(v)) {
      float mid = (float)((v + next) / 2); /* exact: 5 significant bits at most */
      in[n++] = mid;
      in[n++] = nextafterf(mid, INFINITY);
      in[n++] = nextafterf(mid, -INFINITY);
    }
  }
  float specials[] = {0.0f,   -0.0f,   INFINITY, -INFINITY,    NAN,
                      -NAN,   1e-30f,  -1e-30f,  240.0f,       247.99f,
                      248.0f, 448.0f,  464.0f,   480.0f,       1e30f,
                      -1e30f, FLT_MIN, -FLT_MIN, bitsFloat(1), bitsFloat(0x807fffff)};
  for (size_t k = 0; k < sizeof(specials) / sizeof(specials[0]); ++k)
    in[n++] = specials[k];
  while (n % 8)
    in[n++] = 0.0f;
  *count = (int64_t)n;
  return in;
}

static void checkFormat(MlirContext ctx, const char *format, bool fnuz) {
  MlirExecutionEngine jit = compile(ctx, format);
  CHECK(!mlirExecutionEngineIsNull(jit), "cannot compile the %s encoder", format);
  if (mlirExecutionEngineIsNull(jit))
    return;
  int64_t n = 0;
  float *in = makeInputs(fnuz, &n);
  uint8_t *out = malloc((size_t)n);
  const char *names[] = {"scalar", "vector"};
  for (int form = 0; form < 2; ++form) {
    memset(out, 0xa5, (size_t)n); /* poisoned: an unwritten byte shows */
    Memref1D mi = {in, in, 0, n, 1}, mo = {out, out, 0, n, 1};
    char name[32];
    snprintf(name, sizeof name, "_mlir_ciface_%s", names[form]);
    void (*fn)(Memref1D *, Memref1D *, int64_t) = NULL;
    *(void **)&fn = mlirExecutionEngineLookup(jit, mlirStringRefCreateFromCString(name));
    CHECK(fn != NULL, "no %s in the %s module", name, format);
    if (!fn)
      continue;
    fn(&mi, &mo, n);
    int64_t wrong = 0;
    for (int64_t i = 0; i < n; ++i) {
      unsigned want = oracle(in[i], fnuz);
      if (out[i] != want) {
        ++wrong;
        CHECK(false, "%s %s: %a (0x%08x) -> 0x%02x, want 0x%02x", format, names[form], in[i],
              floatBits(in[i]), out[i], want);
      }
    }
    printf("%s %s: %lld inputs, %lld wrong\n", format, names[form], (long long)n, (long long)wrong);
  }
  free(in);
  free(out);
  mlirExecutionEngineDestroy(jit);
}

int main(void) {
  MlirContext ctx = attnContextCreate();
  checkFormat(ctx, "f8E4M3FNUZ", true);
  checkFormat(ctx, "f8E4M3FN", false);
  mlirContextDestroy(ctx);
  printf("%s\n", failures ? "FAIL" : "PASS");
  return failures != 0;
}
