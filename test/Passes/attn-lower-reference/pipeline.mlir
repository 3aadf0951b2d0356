// RUN: attn-opt %s --attn-to-cpu-reference | FileCheck %s
// RUN: not attn-opt %s --pass-pipeline='builtin.module(attn-to-cpu-reference{foo=1})' 2>&1 | FileCheck %s --check-prefix=OPTS
// The named CPU pipeline ends in the LLVM dialect with no attn, scf, memref
// or bufferization ops left.

// CHECK-NOT: attn.
// CHECK-NOT: scf.
// CHECK-NOT: memref.
// CHECK-NOT: bufferization.
// CHECK:     llvm.func @f(
// CHECK:     llvm.call @malloc
// OPTS: attn-to-cpu-reference' takes no options
func.func @f(%q: tensor<1x2x?x16xbf16>, %k: tensor<1x2x?x16xbf16>, %v: tensor<1x2x?x16xbf16>) -> tensor<1x2x?x16xbf16> {
  %o = attn.mha %q, %k, %v {causal, softcap = 1.0 : f32} : (tensor<1x2x?x16xbf16>, tensor<1x2x?x16xbf16>, tensor<1x2x?x16xbf16>) -> tensor<1x2x?x16xbf16>
  return %o : tensor<1x2x?x16xbf16>
}
