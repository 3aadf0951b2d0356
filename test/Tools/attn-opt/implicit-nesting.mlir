// Passes given as flags that anchor on a nested op (func.func passes such as
// affine-loop-invariant-code-motion) are nested implicitly under the module,
// as mlir-opt nests them, in command-line order with module-level passes.
// RUN: attn-opt %s --affine-loop-invariant-code-motion | FileCheck %s
// RUN: attn-opt %s --canonicalize --affine-loop-invariant-code-motion --cse --mlir-print-ir-after-all 2>&1 >/dev/null | FileCheck %s --check-prefix=ORDER
// A textual pipeline still has to spell the nesting out, as with mlir-opt.
// RUN: attn-opt %s --pass-pipeline='builtin.module(func.func(affine-loop-invariant-code-motion))' | FileCheck %s
// RUN: not attn-opt %s --pass-pipeline='builtin.module(affine-loop-invariant-code-motion)' 2>&1 | FileCheck %s --check-prefix=EXPLICIT

// CHECK-LABEL: func.func @licm
// CHECK-NEXT: %[[X:.*]] = arith.addf
// CHECK-NEXT: affine.for
// CHECK-NEXT: affine.store %[[X]]
// ORDER: IR Dump After Canonicalizer (canonicalize)
// ORDER: IR Dump After AffineLoopInvariantCodeMotion (affine-loop-invariant-code-motion)
// ORDER: IR Dump After CSE (cse)
// EXPLICIT: did you intend to nest?
// EXPLICIT: attn-opt: error: invalid pass pipeline
func.func @licm(%a: memref<4xf32>, %v: f32) {
  affine.for %i = 0 to 4 {
    %x = arith.addf %v, %v : f32
    affine.store %x, %a[%i] : memref<4xf32>
  }
  return
}
