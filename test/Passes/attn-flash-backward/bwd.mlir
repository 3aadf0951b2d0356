// attn-flash-backward: an attn.mha_bwd (GQA 4/2, causal, softcap, Dv != D)
// becomes three kernels of the kernel IR and their launches, delta first.
// RUN: attn-opt %s --attn-gqa-map --attn-tile --attn-flash-backward | FileCheck %s
// The kernels fit attn-lower-cpu's forms unchanged:
// RUN: attn-opt %s --attn-gqa-map --attn-tile --attn-flash-backward --attn-lower-cpu | FileCheck %s --check-prefix=CPU
// CPU-NOT: vector.contract
// CPU-NOT: vector.multi_reduction

// delta = rowsum(dout * out), one program per 16 query rows of one (batch, head).
// CHECK-LABEL: func.func @f_attn_bwd0_delta(
// CHECK-SAME: attn.kernel = {block_m = 16 : i64, block_n = 128 : i64, grid = #[[QGRID:map[0-9]*]], grid_dims = ["out.2", "out.0"], kind = "bwd_delta"
// CHECK: arith.mulf {{.*}} : vector<16x32xf32>
// CHECK: vector.multi_reduction <add>, {{.*}} [1] : vector<16x32xf32> to vector<16xf32>
// CHECK: vector.transfer_write {{.*}} : vector<16xf32>, memref<?x?x?xf32
// CHECK: func.func private @__attn_launch_f_attn_bwd0_delta(

// dK/dV: 16 keys (the lanes) of one (batch, KV head); K and V read once, then
// the 2 query heads of the group, each over three ranges of 128-query tiles.
// CHECK-LABEL: func.func @f_attn_bwd0_dkdv(
// CHECK-SAME: grid_dims = ["k.2", "q.0"], kind = "bwd_dkdv"
// CHECK: %[[K:.*]] = vector.transfer_read {{.*}} : memref<?x?x?x64xbf16, {{.*}}>, vector<16x64xbf16>
// CHECK: %[[V:.*]] = vector.transfer_read {{.*}} : memref<?x?x?x32xbf16, {{.*}}>, vector<16x32xbf16>
// CHECK: scf.for %{{.*}} = %c0{{.*}} to %c2{{.*}} step %c1{{.*}} iter_args({{.*}}) -> (vector<16x64xf32>, vector<16x32xf32>)
// CHECK: scf.for {{.*}} step %c128{{.*}} iter_args({{.*}}) -> (vector<16x64xf32>, vector<16x32xf32>)
// s^T = K Q^T
// CHECK: %[[Q:.*]] = vector.transfer_read {{.*}} {in_bounds = [false, true]} : memref<?x?x?x64xbf16, {{.*}}>, vector<128x64xbf16>
// CHECK: %[[DO:.*]] = vector.transfer_read {{.*}} {in_bounds = [false, true]} : memref<?x?x?x32xbf16, {{.*}}>, vector<128x32xbf16>
// CHECK: vector.contract {{.*}} %[[K]], %[[Q]], %{{.*}} : vector<16x64xbf16>, vector<128x64xbf16> into vector<16x128xf32>
// CHECK: math.tanh {{.*}} : vector<16x128xf32>
// CHECK: arith.select {{.*}} : vector<16x128xi1>, vector<16x128xf32>
// p^T = exp2(t - lse), the lse of each query broadcast down the columns
// CHECK: vector.broadcast {{.*}} : vector<128xf32> to vector<16x128xf32>
// CHECK: math.exp2 {{.*}} : vector<16x128xf32>
// dV += p^T dout; dp^T = V dout^T; dK += ds^T Q
// CHECK: vector.contract {{.*}}, %[[DO]], %{{.*}} : vector<16x128xbf16>, vector<128x32xbf16> into vector<16x32xf32>
// CHECK: vector.contract {{.*}} %[[V]], %[[DO]], %{{.*}} : vector<16x32xbf16>, vector<128x32xbf16> into vector<16x128xf32>
// CHECK: vector.contract {{.*}}, %[[Q]], %{{.*}} : vector<16x128xbf16>, vector<128x64xbf16> into vector<16x64xf32>
// The unmasked range: no select.
// CHECK: scf.for {{.*}} step %c128{{.*}} iter_args
// CHECK-NOT: arith.select {{.*}} vector<16x128xi1>
// CHECK: scf.for {{.*}} step %c128{{.*}} iter_args
// CHECK: arith.select {{.*}} : vector<16x128xi1>, vector<16x128xf32>
// dK *= scale; both written in the element type, rows past Sk masked.
// CHECK: arith.mulf {{.*}} : vector<16x64xf32>
// CHECK: vector.transfer_write {{.*}} {in_bounds = [false, true]} : vector<16x64xbf16>
// CHECK: vector.transfer_write {{.*}} {in_bounds = [false, true]} : vector<16x32xbf16>
// CHECK: func.func private @__attn_launch_f_attn_bwd0_dkdv(

// dQ: 16 query rows of one (batch, head) over the forward's three KV ranges.
// CHECK-LABEL: func.func @f_attn_bwd0_dq(
// CHECK-SAME: grid = #[[QGRID]], grid_dims = ["q.2", "q.0"], kind = "bwd_dq"
// CHECK: scf.for {{.*}} step %c128{{.*}} iter_args({{.*}}) -> (vector<16x64xf32>)
// CHECK: vector.contract {{.*}} : vector<16x64xbf16>, vector<128x64xbf16> into vector<16x128xf32>
// CHECK: vector.contract {{.*}} : vector<16x32xbf16>, vector<128x32xbf16> into vector<16x128xf32>
// CHECK: vector.contract {{.*}} : vector<16x128xbf16>, vector<128x64xbf16> into vector<16x64xf32>
// CHECK: scf.for
// CHECK: scf.for
// CHECK: vector.transfer_write {{.*}} {in_bounds = [false, true]} : vector<16x64xbf16>

// The host: the f32 delta workspace (laid out as lse), the gradients, the
// launches in order: delta, dK/dV (grid Sk/16 x B*Hkv), dQ.
// CHECK-LABEL: func.func @f(
// CHECK: %[[DELTA:.*]] = memref.alloc({{.*}}) : memref<?x4x?xf32>
// CHECK: memref.alloc({{.*}}) : memref<2x4x?x64xbf16>
// CHECK: memref.alloc({{.*}}) : memref<2x2x?x64xbf16>
// CHECK: memref.alloc({{.*}}) : memref<2x2x?x32xbf16>
// CHECK: call @__attn_launch_f_attn_bwd0_delta(
// CHECK: call @__attn_launch_f_attn_bwd0_dkdv(
// CHECK: call @__attn_launch_f_attn_bwd0_dq(
// CHECK: return
// CHECK-NOT: attn.mha_bwd
func.func @f(%q: tensor<2x4x?x64xbf16>, %k: tensor<2x2x?x64xbf16>, %v: tensor<2x2x?x32xbf16>, %o: tensor<2x4x?x32xbf16>, %do: tensor<2x4x?x32xbf16>, %lse: tensor<2x4x?xf32>) -> (tensor<2x4x?x64xbf16>, tensor<2x2x?x64xbf16>, tensor<2x2x?x32xbf16>) {
  %dq, %dk, %dv = attn.mha_bwd %q, %k, %v, %o, %do, %lse {causal, softcap = 30.0 : f32} : (tensor<2x4x?x64xbf16>, tensor<2x2x?x64xbf16>, tensor<2x2x?x32xbf16>, tensor<2x4x?x32xbf16>, tensor<2x4x?x32xbf16>, tensor<2x4x?xf32>) -> (tensor<2x4x?x64xbf16>, tensor<2x2x?x64xbf16>, tensor<2x2x?x32xbf16>)
  return %dq, %dk, %dv : tensor<2x4x?x64xbf16>, tensor<2x2x?x64xbf16>, tensor<2x2x?x32xbf16>
}
