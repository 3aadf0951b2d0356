// A softcap near f32's limit (issue 19): c * log2(e) overflows f32 above
// 2.36e38 and scale / c is below f32's normal range, so the kernel IR uses
// s * scale * log2(e) where the tanh is the identity in f32 (|s| below a
// threshold) and the capped form, with constants split into normal f32
// factors, elsewhere. An ordinary cap keeps the two multiplies around tanh.
// RUN: attn-opt %s --attn-gqa-map --attn-tile --attn-online-softmax | FileCheck %s
// The GPU pipelines lower it:
// RUN: attn-compile %s --target=sm_90a,gfx942 -o %t.attnb

// CHECK-LABEL: func.func @huge_attn0(
// CHECK: math.tanh
// CHECK: arith.cmpf olt
// CHECK: arith.cmpf ogt
// CHECK: arith.andi
// CHECK: arith.select
// CHECK-LABEL: func.func @ordinary_attn1(
// CHECK: math.tanh
// CHECK-NOT: arith.cmpf olt
// CHECK: vector.contract
func.func @huge(%q: tensor<1x4x?x64xbf16>, %k: tensor<1x2x?x64xbf16>, %v: tensor<1x2x?x64xbf16>) -> tensor<1x4x?x64xbf16> {
  %o = attn.mha %q, %k, %v {causal, softcap = 3.0e+38 : f32, scale = 4.0e+10 : f32} : (tensor<1x4x?x64xbf16>, tensor<1x2x?x64xbf16>, tensor<1x2x?x64xbf16>) -> tensor<1x4x?x64xbf16>
  return %o : tensor<1x4x?x64xbf16>
}

func.func @ordinary(%q: tensor<1x4x?x64xbf16>, %k: tensor<1x2x?x64xbf16>, %v: tensor<1x2x?x64xbf16>) -> tensor<1x4x?x64xbf16> {
  %o = attn.mha %q, %k, %v {softcap = 30.0 : f32} : (tensor<1x4x?x64xbf16>, tensor<1x2x?x64xbf16>, tensor<1x2x?x64xbf16>) -> tensor<1x4x?x64xbf16>
  return %o : tensor<1x4x?x64xbf16>
}
