// Upstream passes work as flags (with options after `=`) and in
// --pass-pipeline, next to the attn dialect.
// RUN: attn-opt %s --canonicalize | FileCheck %s
// RUN: attn-opt %s --canonicalize=max-iterations=3 | FileCheck %s
// RUN: attn-opt %s --pass-pipeline='builtin.module(canonicalize)' | FileCheck %s
// RUN: attn-opt %s --cse --canonicalize | FileCheck %s
// RUN: attn-opt %s | FileCheck %s --check-prefix=NOPASS

// CHECK-LABEL: func.func @fold
// CHECK-NEXT: %[[C:.*]] = arith.constant 5 : i32
// CHECK-NEXT: return %[[C]] : i32
// NOPASS-LABEL: func.func @fold
// NOPASS: arith.addi
func.func @fold() -> i32 {
  %a = arith.constant 2 : i32
  %b = arith.constant 3 : i32
  %c = arith.addi %a, %b : i32
  return %c : i32
}

// The attn op is untouched by canonicalize (it has no folder) but its dead
// twin is erased.
// CHECK-LABEL: func.func @attn
// CHECK-NEXT: attn.mha %arg0, %arg0, %arg0 {causal}
// CHECK-NEXT: return
func.func @attn(%x: tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32> {
  %o = attn.mha %x, %x, %x {causal} : (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  %dead = attn.mha %x, %x, %x : (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  return %o : tensor<1x2x4x8xf32>
}

// RUN: attn-opt %s --convert-arith-to-llvm | FileCheck %s --check-prefix=CONVERT
// CONVERT-LABEL: func.func @fold
// CONVERT: llvm.mlir.constant(2 : i32) : i32
// CONVERT-NOT: arith.
