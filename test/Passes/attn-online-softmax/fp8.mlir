// fp8 in the kernel IR (docs/fp8.md): the kernel takes q, k, v as fp8 memrefs
// and the three descales (their ranks kept) after the other operands; each
// tile is read in fp8 and dequantized right after the load (arith.extf to
// out's bf16); q_descale * k_descale is loaded once per program and folded into
// the logits' scale (one multiply per logit; no folded-max form), v_descale
// joins the epilogue's row factor. attn.kernel says fp8.
// RUN: attn-opt %s --attn-gqa-map --attn-tile --attn-online-softmax | FileCheck %s
// RUN: attn-opt %s --attn-gqa-map --attn-tile --attn-online-softmax --attn-lower-cpu | FileCheck %s --check-prefix=CPU
// RUN: attn-opt %s --attn-to-cpu | FileCheck %s --check-prefix=LLVM

// CHECK-LABEL: func.func @mha_attn0(
// CHECK-SAME: %[[Q:[^:]+]]: memref<?x?x?x32xf8E4M3FN, strided<[?, ?, ?, 1], offset: ?>>, %[[K:[^:]+]]: memref<?x?x?x32xf8E4M3FN, strided<[?, ?, ?, 1], offset: ?>>, %[[V:[^:]+]]: memref<?x?x?x32xf8E4M3FN, strided<[?, ?, ?, 1], offset: ?>>,
// CHECK-SAME: %[[QD:[^:]+]]: memref<?x?xf32, strided<[?, ?], offset: ?>>, %[[KD:[^:]+]]: memref<?xf32, strided<[?], offset: ?>>, %[[VD:[^:]+]]: memref<f32, strided<[], offset: ?>>, %{{[^:]+}}: memref<?x?x?x32xbf16,
// CHECK-SAME: attn.kernel = {{{.*}}fp8,
// CHECK: %[[B:.*]] = arith.divui
// CHECK: %[[KVH:.*]] = affine.apply
// CHECK: %[[QDV:.*]] = memref.load %[[QD]][%[[B]], %[[KVH]]]
// CHECK: %[[KDV:.*]] = memref.load %[[KD]][%[[KVH]]]
// CHECK: %[[QK:.*]] = arith.mulf %[[QDV]], %[[KDV]] : f32
// CHECK: %[[VDV:.*]] = memref.load %[[VD]][]
// CHECK: %[[QT:.*]] = vector.transfer_read %[[Q]]{{.*}} vector<16x32xf8E4M3FN>
// CHECK-NEXT: %[[QE:.*]] = arith.extf %[[QT]] : vector<16x32xf8E4M3FN> to vector<16x32xbf16>
// CHECK: scf.for
// CHECK: %[[KT:.*]] = vector.transfer_read %[[K]]{{.*}} vector<128x32xf8E4M3FN>
// CHECK-NEXT: %[[KE:.*]] = arith.extf %[[KT]] : vector<128x32xf8E4M3FN> to vector<128x32xbf16>
// CHECK: %[[S:.*]] = vector.contract {{.*}} %[[QE]], %[[KE]]
// CHECK: %[[C:.*]] = arith.mulf %[[QK]], %{{.*}} : f32
// CHECK-NEXT: %[[CB:.*]] = vector.broadcast %[[C]] : f32 to vector<16x128xf32>
// CHECK-NEXT: arith.mulf %[[S]], %[[CB]] : vector<16x128xf32>
// CHECK: %[[VT:.*]] = vector.transfer_read %[[V]]{{.*}} vector<128x32xf8E4M3FN>
// CHECK-NEXT: %[[VE:.*]] = arith.extf %[[VT]] : vector<128x32xf8E4M3FN> to vector<128x32xbf16>
// CHECK: vector.contract {{.*}}, %[[VE]],
// The epilogue: 1/l times v_descale.
// CHECK: %[[VDB:.*]] = vector.broadcast %[[VDV]] : f32 to vector<16xf32>
// CHECK-NEXT: arith.mulf %{{.*}}, %[[VDB]] : vector<16xf32>
// The host passes the descales after the block mask's place, before out.
// CHECK-LABEL: func.func @mha(
// CHECK: call @__attn_launch_mha_attn0({{.*}}) : (memref<?x?x?x32xf8E4M3FN, [[S4:strided<\[\?, \?, \?, 1\], offset: \?>]]>, memref<?x?x?x32xf8E4M3FN, [[S4]]>, memref<?x?x?x32xf8E4M3FN, [[S4]]>, memref<?x?xf32, strided<[?, ?], offset: ?>>, memref<?xf32, strided<[?], offset: ?>>, memref<f32, strided<[], offset: ?>>, memref<?x?x?x32xbf16,

// The CPU lowering decodes the bits (no arith.extf from fp8 is left): K and
// V when packed, Q once before the KV loops.
// CPU-LABEL: func.func @mha_attn0(
// CPU-NOT: arith.extf {{.*}}f8E4M3FN
// CPU: arith.bitcast %{{.*}} : vector<16xf8E4M3FN> to vector<16xi8>
// CPU: scf.for
// CPU: arith.bitcast %{{.*}} : vector<32xf8E4M3FN> to vector<32xi8>
// CPU-NOT: arith.extf {{.*}}f8E4M3FN
// CPU-LABEL: func.func @mha(

// Nothing of fp8 is left for LLVM (its loads are of i8).
// LLVM: llvm.func @mha_attn0(
// LLVM-NOT: unrealized_conversion_cast
// LLVM-NOT: arith.
// LLVM: llvm.func @mha(
func.func @mha(%q: tensor<2x4x?x32xf8E4M3FN>, %k: tensor<2x2x?x32xf8E4M3FN>, %v: tensor<2x2x?x32xf8E4M3FN>,
               %qd: tensor<2x2xf32>, %kd: tensor<2xf32>, %vd: tensor<f32>) -> tensor<2x4x?x32xbf16> {
  %o = attn.mha %q, %k, %v descale(%qd, %kd, %vd) {causal}
      : (tensor<2x4x?x32xf8E4M3FN>, tensor<2x2x?x32xf8E4M3FN>, tensor<2x2x?x32xf8E4M3FN>,
         tensor<2x2xf32>, tensor<2xf32>, tensor<f32>) -> tensor<2x4x?x32xbf16>
  return %o : tensor<2x4x?x32xbf16>
}
