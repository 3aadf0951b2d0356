// attn-gpu-pipeline on the backward's mma.sync kernels (docs/backward.md, "On sm_90a"):
// with num_stages >= 2 (config/sm_90a-MHA-BWD.json below D = 256) every loop whose
// matmuls read their right operands from tile reads of its own body, one tile of `step`
// rows per iteration at addresses any iteration can compute (Q and dout in dK/dV, K and
// V in dQ), is marked attn.pipeline = "prefetch": attn-lower-nvgpu stages its tiles in a
// two-buffer ring and issues those of iteration iv + step at the top of iteration iv
// (Passes/attn-lower-nvgpu/backward.mlir). The kernel IR itself is unchanged (the CPU
// runs it as before: Execution/bwd-*.mlir).
// RUN: attn-opt %s --attn-gqa-map "--attn-tile=target=sm_90a num-stages=2" --attn-flash-backward --attn-online-softmax --attn-gpu-layout --attn-gpu-pipeline | FileCheck %s
// The table's default at D = 32 is num_stages 2, and 1 at D = 256 (the prefetching
// dK/dV kernels spilled there):
// RUN: attn-opt %s --attn-gqa-map --attn-tile=target=sm_90a --attn-flash-backward --attn-online-softmax --attn-gpu-layout --attn-gpu-pipeline | FileCheck %s
// RUN: sed s/x32xbf16/x256xbf16/g %s | attn-opt --attn-gqa-map --attn-tile=target=sm_90a --attn-flash-backward --attn-online-softmax --attn-gpu-layout --attn-gpu-pipeline | FileCheck %s --check-prefix=NONE
// Dropout's seed at run time (rng_state): not marked (its Philox key words leave the
// ring no registers: docs/backward.md).
// RUN: attn-opt %S/../attn-flash-backward/rng-state.mlir --attn-gqa-map --attn-tile=target=sm_90a --attn-flash-backward --attn-online-softmax --attn-gpu-layout --attn-gpu-pipeline | FileCheck %s --check-prefix=NONE
// num_stages 1: the loops are left as they are.
// RUN: attn-opt %s --attn-gqa-map "--attn-tile=target=sm_90a num-stages=1" --attn-flash-backward --attn-online-softmax --attn-gpu-layout --attn-gpu-pipeline | FileCheck %s --check-prefix=NONE

// CHECK-LABEL: func.func @f_attn_bwd0_delta(
// CHECK-NOT: attn.pipeline
// CHECK-LABEL: func.func @f_attn_bwd0_dkdv(
// The loop over the GQA group's query heads holds no matmul of its own: not marked.
// CHECK: scf.for %[[H:[a-z0-9_]+]] =
// Three query loops (masked, unmasked, masked), each reading Q then dout at its index:
// CHECK: scf.for %[[I:[a-z0-9_]+]] = %{{.*}} to %{{.*}} step %{{.*}} iter_args
// CHECK: vector.transfer_read %arg0[%{{.*}}, %{{.*}}, %[[I]], %{{.*}}]{{.*}}attn.layout = "smem.pad8"{{.*}} vector<16x32xbf16>
// CHECK: vector.transfer_read %arg3[%{{.*}}, %{{.*}}, %[[I]], %{{.*}}]{{.*}}attn.layout = "smem.pad8"{{.*}} vector<16x32xbf16>
// CHECK: } {attn.pipeline = "prefetch"}
// CHECK: } {attn.pipeline = "prefetch"}
// CHECK: } {attn.pipeline = "prefetch"}
// CHECK-NEXT: scf.yield
// CHECK-NEXT: }
// CHECK-NOT: attn.pipeline
// CHECK-LABEL: func.func @f_attn_bwd0_dq(
// CHECK: scf.for %[[J:[a-z0-9_]+]] = %{{.*}} to %{{.*}} step %{{.*}} iter_args
// CHECK: vector.transfer_read %arg1[%{{.*}}, %{{.*}}, %[[J]], %{{.*}}]{{.*}}attn.layout = "smem.pad8"
// CHECK: vector.transfer_read %arg2[%{{.*}}, %{{.*}}, %[[J]], %{{.*}}]{{.*}}attn.layout = "smem.pad8"
// CHECK: } {attn.pipeline = "prefetch"}
// CHECK: } {attn.pipeline = "prefetch"}
// CHECK: } {attn.pipeline = "prefetch"}
// CHECK-NOT: attn.pipeline
// CHECK-LABEL: func.func @f(

// NONE-NOT: attn.pipeline
func.func @f(%q: tensor<?x4x?x32xbf16>, %k: tensor<?x2x?x32xbf16>, %v: tensor<?x2x?x32xbf16>, %o: tensor<?x4x?x32xbf16>, %do: tensor<?x4x?x32xbf16>, %lse: tensor<?x4x?xf32>) -> (tensor<?x4x?x32xbf16>, tensor<?x2x?x32xbf16>, tensor<?x2x?x32xbf16>) {
  %dq, %dk, %dv = attn.mha_bwd %q, %k, %v, %o, %do, %lse {causal} : (tensor<?x4x?x32xbf16>, tensor<?x2x?x32xbf16>, tensor<?x2x?x32xbf16>, tensor<?x4x?x32xbf16>, tensor<?x4x?x32xbf16>, tensor<?x4x?xf32>) -> (tensor<?x4x?x32xbf16>, tensor<?x2x?x32xbf16>, tensor<?x2x?x32xbf16>)
  return %dq, %dk, %dv : tensor<?x4x?x32xbf16>, tensor<?x2x?x32xbf16>, tensor<?x2x?x32xbf16>
}
