// fp8 KV caches of attn.paged_attention in the kernel IR (docs/fp8.md): the
// split kernel takes the caches as fp8 memrefs and k_scale, v_scale after
// alibi (the sinks go to the merge kernel); the paged K tile's pieces are
// read in fp8, assembled, and dequantized (arith.extf to q's bf16); a
// per-token k_scale (NB x BS x Hkv) is read with each KV tile through the
// block table (1-D reads of each block's slots for the program's KV head),
// broadcast down the rows and multiplied into the logits; a per-head v_scale
// is one factor per program in the epilogue.
// RUN: attn-opt %s --attn-gqa-map --attn-tile --attn-online-softmax | FileCheck %s

// CHECK-LABEL: func.func @paged_attn0(
// CHECK-SAME: %{{[^:]+}}: memref<?x?x64xbf16, {{[^>]+}}>>, %{{[^:]+}}: memref<?x?x?x64xf8E4M3FNUZ, {{[^>]+}}>>, %{{[^:]+}}: memref<?x?x?x64xf8E4M3FNUZ, {{[^>]+}}>>,
// CHECK-SAME: %[[KS:[^:]+]]: memref<?x?x?xf32, strided<[?, ?, ?], offset: ?>>, %[[VS:[^:]+]]: memref<?xf32, strided<[?], offset: ?>>, %{{[^:]+}}: memref<?x?x?x64xf32,
// CHECK-SAME: fp8
// CHECK-SAME: kind = "paged_decode"
// CHECK: %[[KVH:.*]] = arith.divui %arg11
// CHECK: %[[VSV:.*]] = memref.load %[[VS]][%[[KVH]]]
// CHECK: scf.for
// CHECK: vector.transfer_read {{.*}} vector<16x64xf8E4M3FNUZ>
// CHECK: %[[KP:.*]] = vector.insert_strided_slice {{.*}} {offsets = [48, 0], strides = [1, 1]} : vector<16x64xf8E4M3FNUZ> into vector<64x64xf8E4M3FNUZ>
// CHECK-NEXT: %[[KE:.*]] = arith.extf %[[KP]] : vector<64x64xf8E4M3FNUZ> to vector<64x64xbf16>
// CHECK: %[[S:.*]] = vector.contract {{.*}}, %[[KE]],
// CHECK: memref.subview %[[KS]][%{{.*}}, 0, %[[KVH]]] [1, %{{.*}}, 1] [1, 1, 1] : memref<?x?x?xf32, strided<[?, ?, ?], offset: ?>> to memref<?xf32, strided<[?], offset: ?>>
// CHECK: vector.transfer_read %{{.*}} : memref<?xf32, strided<[?], offset: ?>>, vector<16xf32>
// CHECK: %[[KSV:.*]] = vector.insert_strided_slice %{{.*}} {offsets = [48], strides = [1]} : vector<16xf32> into vector<64xf32>
// CHECK-NEXT: %[[KSB:.*]] = vector.broadcast %[[KSV]] : vector<64xf32> to vector<16x64xf32>
// CHECK-NEXT: arith.mulf %[[S]], %[[KSB]] : vector<16x64xf32>
// CHECK: %[[VSB:.*]] = vector.broadcast %[[VSV]] : f32 to vector<16xf32>
// CHECK-NEXT: arith.mulf %{{.*}}, %[[VSB]] : vector<16xf32>
// CHECK-LABEL: func.func @paged_attn0_merge(
// CHECK-LABEL: func.func @paged(
// CHECK: call @__attn_launch_paged_attn0({{.*}}) : (memref<?x?x64xbf16, {{.*}}, memref<?xi32, {{[^>]+}}>>, memref<?x?x?xf32, {{[^>]+}}>>, memref<?xf32, {{[^>]+}}>>, memref<?x?x?x64xf32,
func.func @paged(%q: tensor<?x8x64xbf16>, %kc: tensor<40x16x2x64xf8E4M3FNUZ>, %vc: tensor<40x16x2x64xf8E4M3FNUZ>,
                 %bt: tensor<3x8xi32>, %sl: tensor<3xi32>, %qsl: tensor<4xi32>, %s: tensor<8xf32>,
                 %ks: tensor<40x16x2xf32>, %vs: tensor<2xf32>) -> tensor<?x8x64xbf16> {
  %o = attn.paged_attention %q, %kc, %vc, %bt, %sl, %qsl sinks(%s) kv_scale(%ks, %vs)
      {causal, attn.paged_mode = "decode"}
      : (tensor<?x8x64xbf16>, tensor<40x16x2x64xf8E4M3FNUZ>, tensor<40x16x2x64xf8E4M3FNUZ>,
         tensor<3x8xi32>, tensor<3xi32>, tensor<4xi32>, tensor<8xf32>, tensor<40x16x2xf32>,
         tensor<2xf32>) -> tensor<?x8x64xbf16>
  return %o : tensor<?x8x64xbf16>
}
