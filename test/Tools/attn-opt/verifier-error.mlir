// A verifier error (the IR parses but breaks an op's contract) is reported at
// the op's file:line:col with a note showing the op; exit code 1, no IR.
// RUN: not attn-opt %s 2>&1 | FileCheck %s
// RUN: attn-opt %s > %t.stdout 2>/dev/null; echo "exit=$?" | FileCheck %s --check-prefix=EXIT
// RUN: count 0 < %t.stdout
// EXIT: exit=1{{$}}

func.func @f(%q: tensor<1x8x4x16xf32>, %k: tensor<1x3x4x16xf32>) -> tensor<1x8x4x16xf32> {
  // CHECK: verifier-error.mlir:[[@LINE+2]]:8: error: 'attn.mha' op query heads (Hq = 8) must be a multiple of key/value heads (Hkv = 3)
  // CHECK-NEXT: verifier-error.mlir:[[@LINE+1]]:8: note: see current operation: %0 = "attn.mha"(%arg0, %arg1, %arg1)
  %o = attn.mha %q, %k, %k : (tensor<1x8x4x16xf32>, tensor<1x3x4x16xf32>, tensor<1x3x4x16xf32>) -> tensor<1x8x4x16xf32>
  return %o : tensor<1x8x4x16xf32>
}
