// attn-flash-backward on attn.mha_varlen_bwd (MQA 4/1, window, alibi, dropout): the
// delta kernel runs over all Tq tokens (grid (Tq) -> (Tq/16, Hq, 1)); dK/dV numbers the
// key tiles sequence by sequence (a scan of cu_seqlens, the tail of keys past the last
// sequence included: grid (Tk, B) -> (Tk/16 + B, Hkv, 1)) and slices every tensor to its
// sequence; the Philox rounds of the dropout mask are i64 tile arithmetic.
// RUN: attn-opt %s --attn-gqa-map --attn-tile --attn-flash-backward | FileCheck %s
// RUN: attn-opt %s --attn-gqa-map --attn-tile --attn-flash-backward --attn-lower-cpu | FileCheck %s --check-prefix=CPU
// CPU-NOT: vector.contract

// CHECK-DAG: #[[DELTA:map[0-9]*]] = affine_map<(d0) -> (d0 ceildiv 16, 4, 1)>
// CHECK-DAG: #[[KVGRID:map[0-9]*]] = affine_map<(d0, d1) -> (d0 ceildiv 16 + d1, 1, 1)>
// CHECK-DAG: #[[QGRID:map[0-9]*]] = affine_map<(d0, d1) -> (d0 ceildiv 16 + d1, 4, 1)>
// CHECK-LABEL: func.func @g_attn_bwd0_delta(
// CHECK-SAME: grid = #[[DELTA]], grid_dims = ["out.0"], kind = "varlen_delta"
// CHECK-LABEL: func.func @g_attn_bwd0_dkdv(
// CHECK-SAME: grid = #[[KVGRID]], grid_dims = ["k.0", "cu_seqlens_q.0-1"], kind = "varlen_dkdv"
// CHECK: scf.for {{.*}} -> (index, index, index, index, index, index, index)
// CHECK: memref.subview %arg0[
// CHECK: memref.subview %arg1[
// CHECK: memref.subview %arg4[0,
// CHECK: scf.for {{.*}} to %c4{{.*}} iter_args({{.*}}) -> (vector<16x32xf32>, vector<16x32xf32>)
// The Philox rounds: i32 words, each high product half through i64.
// CHECK: arith.muli {{.*}} : vector<16x128xi32>
// CHECK: arith.muli {{.*}} : vector<16x128xi64>
// CHECK: arith.shrui {{.*}} : vector<16x128xi64>
// CHECK: arith.trunci {{.*}} : vector<16x128xi64> to vector<16x128xi32>
// CHECK: arith.xori {{.*}} : vector<16x128xi32>
// CHECK-LABEL: func.func @g_attn_bwd0_dq(
// CHECK-SAME: grid = #[[QGRID]], grid_dims = ["q.0", "cu_seqlens_q.0-1"], kind = "varlen_dq"
// CHECK-LABEL: func.func @g(
// CHECK: memref.alloc({{.*}}) : memref<4x?xf32>
// CHECK: call @__attn_launch_g_attn_bwd0_delta(
// CHECK: call @__attn_launch_g_attn_bwd0_dkdv(
// CHECK: call @__attn_launch_g_attn_bwd0_dq(
func.func @g(%q: tensor<?x4x32xf16>, %k: tensor<?x1x32xf16>, %v: tensor<?x1x32xf16>, %o: tensor<?x4x32xf16>, %do: tensor<?x4x32xf16>, %lse: tensor<4x?xf32>, %cq: tensor<?xi32>, %ck: tensor<?xi32>, %s: tensor<4xf32>) -> (tensor<?x4x32xf16>, tensor<?x1x32xf16>, tensor<?x1x32xf16>) {
  %dq, %dk, %dv = attn.mha_varlen_bwd %q, %k, %v, %o, %do, %lse, %cq, %ck alibi(%s) {window_left = 8 : i64, dropout_p = 0.25 : f32, seed = 7 : i64} : (tensor<?x4x32xf16>, tensor<?x1x32xf16>, tensor<?x1x32xf16>, tensor<?x4x32xf16>, tensor<?x4x32xf16>, tensor<4x?xf32>, tensor<?xi32>, tensor<?xi32>, tensor<4xf32>) -> (tensor<?x4x32xf16>, tensor<?x1x32xf16>, tensor<?x1x32xf16>)
  return %dq, %dk, %dv : tensor<?x4x32xf16>, tensor<?x1x32xf16>, tensor<?x1x32xf16>
}
