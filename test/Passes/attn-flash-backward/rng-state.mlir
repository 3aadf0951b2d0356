// attn.mha_varlen_bwd with rng_state(%r): the dK/dV and dQ kernels take the
// memref<2xi64> after [cu_seqlens_q, cu_seqlens_k], [alibi] and before the gradients,
// and load [seed, offset] once at the top; the delta kernel (delta = rowsum(dout * out)
// of the dropped output) regenerates no mask and takes none. The host passes the
// operand's buffer to both launches.
// RUN: attn-opt %s --attn-gqa-map --attn-tile --attn-flash-backward | FileCheck %s

// CHECK-LABEL: func.func @g_attn_bwd0_delta(
// CHECK-NOT: i64, strided
// CHECK-SAME: kind = "varlen_delta"
// CHECK-NOT: rng_state
// CHECK-LABEL: func.func @g_attn_bwd0_dkdv(
// CHECK-SAME: %arg8: memref<?xf32, strided<[?], offset: ?>>, %arg9: memref<2xi64, strided<[?], offset: ?>>, %arg10: memref<?x?x32xf16
// CHECK-SAME: kind = "varlen_dkdv"
// CHECK-SAME: rng_state
// CHECK: %[[S:.*]] = memref.load %arg9[%{{.*}}] : memref<2xi64, strided<[?], offset: ?>>
// CHECK-NEXT: %[[O:.*]] = memref.load %arg9[%{{.*}}] : memref<2xi64, strided<[?], offset: ?>>
// CHECK: scf.for
// CHECK: arith.trunci %[[O]] {attn.per_iteration} : i64 to i32
// CHECK-LABEL: func.func @g_attn_bwd0_dq(
// CHECK-SAME: %arg8: memref<?xf32, strided<[?], offset: ?>>, %arg9: memref<2xi64, strided<[?], offset: ?>>, %arg10: memref<?x?x32xf16
// CHECK-SAME: kind = "varlen_dq"
// CHECK-SAME: rng_state
// CHECK: memref.load %arg9
// CHECK-LABEL: func.func @g(
// CHECK: %[[RNG:.*]] = bufferization.to_buffer %arg9
// CHECK: call @__attn_launch_g_attn_bwd0_delta(
// CHECK: %[[C1:.*]] = memref.cast %[[RNG]]
// CHECK: call @__attn_launch_g_attn_bwd0_dkdv({{.*}}%[[C1]],
// CHECK: %[[C2:.*]] = memref.cast %[[RNG]]
// CHECK: call @__attn_launch_g_attn_bwd0_dq({{.*}}%[[C2]],
func.func @g(%q: tensor<?x4x32xf16>, %k: tensor<?x1x32xf16>, %v: tensor<?x1x32xf16>, %o: tensor<?x4x32xf16>, %do: tensor<?x4x32xf16>, %lse: tensor<4x?xf32>, %cq: tensor<?xi32>, %ck: tensor<?xi32>, %s: tensor<4xf32>, %r: tensor<2xi64>) -> (tensor<?x4x32xf16>, tensor<?x1x32xf16>, tensor<?x1x32xf16>) {
  %dq, %dk, %dv = attn.mha_varlen_bwd %q, %k, %v, %o, %do, %lse, %cq, %ck alibi(%s) rng_state(%r) {dropout_p = 0.2 : f32} : (tensor<?x4x32xf16>, tensor<?x1x32xf16>, tensor<?x1x32xf16>, tensor<?x4x32xf16>, tensor<?x4x32xf16>, tensor<4x?xf32>, tensor<?xi32>, tensor<?xi32>, tensor<4xf32>, tensor<2xi64>) -> (tensor<?x4x32xf16>, tensor<?x1x32xf16>, tensor<?x1x32xf16>)
  return %dq, %dk, %dv : tensor<?x4x32xf16>, tensor<?x1x32xf16>, tensor<?x1x32xf16>
}
