// attn.mha_varlen: pid_x walks the q tiles of every sequence (and of the
// tokens past cu_seqlens_q[B], a sequence without keys); the program works on
// row slices of the packed tensors, so the body is the one of attn.mha.
// RUN: attn-opt %s --attn-gqa-map --attn-tile --attn-online-softmax | FileCheck %s

// CHECK-LABEL: func.func @varlen_attn0(
// CHECK-SAME: %[[Q:[^:]*]]: memref<?x?x32xbf16, strided<[?, ?, 1], offset: ?>>
// CHECK-SAME: %[[CUQ:[^:]*]]: memref<?xi32, strided<[?], offset: ?>>, %[[CUK:[^:]*]]: memref<?xi32, strided<[?], offset: ?>>
// CHECK-SAME: %[[O:[^:]*]]: memref<?x?x32xbf16, strided<[?, ?, 1], offset: ?>>
// CHECK-SAME: %[[LSE:[^:]*]]: memref<?x?xf32, strided<[?, ?], offset: ?>>
// CHECK-SAME: %[[PX:[^:]*]]: index, %[[H:[^:]*]]: index
// CHECK-SAME: kind = "mha_varlen"
// The scan over sequences: 6 carried values (tiles so far; qs, qe, ks, ke, tile).
// CHECK: %[[SEL:.*]]:6 = scf.for
// CHECK: memref.load %[[CUQ]]
// CHECK: arith.ceildivsi
// CHECK: scf.yield
// CHECK: %[[QS:.*]] = memref.subview %[[Q]][%[[SEL]]#1, 0, 0]
// CHECK: memref.subview %[[O]][%[[SEL]]#1, 0, 0]
// CHECK: memref.subview %[[LSE]][0, %[[SEL]]#1]
// CHECK: %[[M0:.*]] = arith.muli %[[SEL]]#5
// CHECK: vector.transfer_read %[[QS]][%[[M0]], %[[H]], %{{.*}}], %{{.*}} {in_bounds = [false, true], permutation_map = #{{.*}}} : memref<?x?x32xbf16, strided<[?, ?, 1], offset: ?>>, vector<16x32xbf16>
// CHECK-COUNT-3: scf.for
// CHECK: vector.transfer_write
// CHECK: vector.transfer_write
// Host: grid (Tq ceildiv 16 + B, Hq, 1) from (Tq, B).
// CHECK-LABEL: func.func @varlen(
// CHECK: %[[NB:.*]] = arith.subi %{{.*}}, %c1
// CHECK: affine.apply #{{.*}}(%{{.*}}, %[[NB]])
// CHECK: call @__attn_launch_varlen_attn0(
func.func @varlen(%q: tensor<?x4x32xbf16>, %k: tensor<?x1x32xbf16>, %v: tensor<?x1x32xbf16>, %cq: tensor<?xi32>, %ck: tensor<?xi32>) -> (tensor<?x4x32xbf16>, tensor<4x?xf32>) {
  %o, %l = attn.mha_varlen %q, %k, %v, %cq, %ck {causal} : (tensor<?x4x32xbf16>, tensor<?x1x32xbf16>, tensor<?x1x32xbf16>, tensor<?xi32>, tensor<?xi32>) -> (tensor<?x4x32xbf16>, tensor<4x?xf32>)
  return %o, %l : tensor<?x4x32xbf16>, tensor<4x?xf32>
}
