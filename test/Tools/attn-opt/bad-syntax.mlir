// A parse error is reported as file:line:col, attn-opt exits with 1 and
// prints no IR.
// RUN: not attn-opt %s 2>&1 | FileCheck %s
// RUN: attn-opt %s > %t.stdout 2>/dev/null; echo "exit=$?" | FileCheck %s --check-prefix=EXIT
// RUN: count 0 < %t.stdout
// EXIT: exit=1{{$}}

func.func @f(%q: tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32> {
  // CHECK: bad-syntax.mlir:[[@LINE+1]]:29: error: expected attribute name
  %o = attn.mha %q, %q, %q {=} : (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  return %o : tensor<1x2x4x8xf32>
}
// Parsing stops at the first error.
// CHECK-NOT: error:
func.func @g() {
  also bad
}
