// fp8-p (docs/fp8.md, "P in fp8"): for fp8 attn.mha / attn.mha_varlen the
// kernel IR rounds P * 2^s to the inputs' e4m3 (s = 8 for f8E4M3FN, whose
// largest value is 448; 7 for f8E4M3FNUZ's 240) before the P V contraction,
// takes the row sum l from the unrounded P, and multiplies the epilogue's row
// factor by 2^-s. Off by default; not with dropout (1 / (1 - p) would leave
// the range) or fp8 caches (their Q is 16-bit).
// RUN: attn-opt %s --attn-gqa-map --attn-tile --attn-online-softmax=fp8-p=true | FileCheck %s
// RUN: attn-opt %s --attn-gqa-map --attn-tile --attn-online-softmax | FileCheck %s --check-prefix=OFF

// CHECK-LABEL: func.func @fn_attn0(
// CHECK: scf.for
// CHECK: %[[P:.*]] = math.exp2 %{{.*}} : vector<16x128xf32>
// CHECK: %[[L:.*]] = vector.multi_reduction <add>, %[[P]], %{{.*}} [1] : vector<16x128xf32> to vector<16xf32>
// CHECK-NEXT: %[[UP:.*]] = arith.constant dense<2.560000e+02> : vector<16x128xf32>
// CHECK-NEXT: %[[PS:.*]] = arith.mulf %[[P]], %[[UP]] : vector<16x128xf32>
// CHECK-NEXT: %[[P8:.*]] = arith.truncf %[[PS]] : vector<16x128xf32> to vector<16x128xf8E4M3FN>
// CHECK-NEXT: %[[PE:.*]] = arith.extf %[[P8]] : vector<16x128xf8E4M3FN> to vector<16x128xbf16>
// CHECK: vector.contract {{.*}} %[[PE]], %{{.*}}, %{{.*}} : vector<16x128xbf16>, vector<128x64xbf16> into vector<16x64xf32>
// CHECK: scf.yield %{{.*}}, %[[L]],
// CHECK: %[[DOWN:.*]] = arith.constant dense<3.906250e-03> : vector<16xf32>
// CHECK-NEXT: arith.mulf %{{.*}}, %[[DOWN]] : vector<16xf32>
// CHECK: vector.transfer_write
// OFF-LABEL: func.func @fn_attn0(
// OFF-NOT: xf32> to vector<16x128xf8E4M3FN>
// OFF: return
func.func @fn(%q: tensor<1x2x37x64xf8E4M3FN>, %k: tensor<1x2x53x64xf8E4M3FN>, %v: tensor<1x2x53x64xf8E4M3FN>, %qd: tensor<f32>, %kd: tensor<f32>, %vd: tensor<f32>) -> tensor<1x2x37x64xbf16> {
  %o = attn.mha %q, %k, %v descale(%qd, %kd, %vd) {causal} : (tensor<1x2x37x64xf8E4M3FN>, tensor<1x2x53x64xf8E4M3FN>, tensor<1x2x53x64xf8E4M3FN>, tensor<f32>, tensor<f32>, tensor<f32>) -> tensor<1x2x37x64xbf16>
  return %o : tensor<1x2x37x64xbf16>
}

// FNUZ: 2^7 and 2^-7.
// CHECK-LABEL: func.func @fnuz_attn1(
// CHECK: arith.constant dense<1.280000e+02> : vector<16x128xf32>
// CHECK-NEXT: arith.mulf
// CHECK-NEXT: arith.truncf %{{.*}} : vector<16x128xf32> to vector<16x128xf8E4M3FNUZ>
// CHECK-NEXT: arith.extf %{{.*}} : vector<16x128xf8E4M3FNUZ> to vector<16x128xf16>
// CHECK: arith.constant dense<7.812500e-03> : vector<16xf32>
// CHECK: return
func.func @fnuz(%q: tensor<1x2x37x32xf8E4M3FNUZ>, %k: tensor<1x1x53x32xf8E4M3FNUZ>, %v: tensor<1x1x53x32xf8E4M3FNUZ>, %qd: tensor<1xf32>, %kd: tensor<1xf32>, %vd: tensor<1xf32>) -> tensor<1x2x37x32xf16> {
  %o = attn.mha %q, %k, %v descale(%qd, %kd, %vd) : (tensor<1x2x37x32xf8E4M3FNUZ>, tensor<1x1x53x32xf8E4M3FNUZ>, tensor<1x1x53x32xf8E4M3FNUZ>, tensor<1xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x2x37x32xf16>
  return %o : tensor<1x2x37x32xf16>
}

// bf16 inputs: nothing to round to.
// CHECK-LABEL: func.func @bf16_attn2(
// CHECK-NOT: f8E4M3
// CHECK: return
func.func @bf16(%q: tensor<1x2x37x64xbf16>, %k: tensor<1x2x53x64xbf16>, %v: tensor<1x2x53x64xbf16>) -> tensor<1x2x37x64xbf16> {
  %o = attn.mha %q, %k, %v : (tensor<1x2x37x64xbf16>, tensor<1x2x53x64xbf16>, tensor<1x2x53x64xbf16>) -> tensor<1x2x37x64xbf16>
  return %o : tensor<1x2x37x64xbf16>
}
