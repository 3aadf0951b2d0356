// Several attention ops in one function, sharing an argument, each result
// checked against the reference of the op that produced it; also the
// --reference flag.
// RUN: attn-run %s --target=cpu | FileCheck %s --check-prefixes=CHECK,FLASH
// RUN: attn-run %s --target=cpu --reference | FileCheck %s --check-prefixes=CHECK,REF

// FLASH: pipeline=attn-to-cpu{{$}}
// REF: pipeline=attn-to-cpu-reference{{$}}
// CHECK: @two_ops result 0 (out 1x4x11x32xf16): {{.*}} PASS
// CHECK: @two_ops result 1 (out 1x4x11x32xf16): {{.*}} PASS
// CHECK: @two_ops result 2 (lse 1x4x11xf32): {{.*}} PASS
func.func @two_ops(%q: tensor<1x4x11x32xf16>, %k: tensor<1x2x13x32xf16>, %v: tensor<1x2x13x32xf16>) -> (tensor<1x4x11x32xf16>, tensor<1x4x11x32xf16>, tensor<1x4x11xf32>) {
  %a = attn.mha %q, %k, %v {causal} : (tensor<1x4x11x32xf16>, tensor<1x2x13x32xf16>, tensor<1x2x13x32xf16>) -> tensor<1x4x11x32xf16>
  %b, %l = attn.mha %q, %k, %v {window_left = 2 : i64} : (tensor<1x4x11x32xf16>, tensor<1x2x13x32xf16>, tensor<1x2x13x32xf16>) -> (tensor<1x4x11x32xf16>, tensor<1x4x11xf32>)
  return %a, %b, %l : tensor<1x4x11x32xf16>, tensor<1x4x11x32xf16>, tensor<1x4x11xf32>
}

// Self-attention: the same argument is q, k and v.
// CHECK: @self result 0 (out 2x2x9x16xbf16): {{.*}} PASS
func.func @self(%x: tensor<2x2x9x16xbf16>) -> tensor<2x2x9x16xbf16> {
  %o = attn.mha %x, %x, %x {causal} : (tensor<2x2x9x16xbf16>, tensor<2x2x9x16xbf16>, tensor<2x2x9x16xbf16>) -> tensor<2x2x9x16xbf16>
  return %o : tensor<2x2x9x16xbf16>
}
// CHECK-NOT: FAIL
