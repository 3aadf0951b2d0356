// attn-lower-nvgpu on the loops attn-gpu-pipeline split (docs/nvgpu.md):
// K and V get a ring of two shared buffers each (tile iv in buffer
// (iv / BLOCK_N) % 2), and the wgmma groups are waited for where their
// results are first needed, so the P V of tile n-1 runs during the softmax
// of tile n.
// RUN: attn-opt %s --attn-gqa-map "--attn-tile=target=sm_90a num-stages=2" --attn-online-softmax --attn-gpu-layout=ws=false --attn-gpu-pipeline --attn-lower-nvgpu | FileCheck %s

// Q, then K0 K1 V0 V1 of 128 x 128: 5 x 16384 elements.
// CHECK: workgroup(%{{.*}} : memref<81920xf16, #gpu.address_space<workgroup>> {llvm.align = 1024 : i64})
// The steady loop of the first KV loop (its prologue came before).
// CHECK: nvvm.wgmma.wait.group.sync.aligned 0
// CHECK: scf.yield
// CHECK: scf.for %[[IV:[a-z0-9_]+]] = {{.*}} step %[[BN:[a-z0-9_]+]] iter_args(
// CHECK-NEXT: arith.subi %[[IV]], %[[BN]] : index
// CHECK: %[[NEXT:.*]] = arith.addi %[[IV]], %[[BN]] : index
// K[iv] and V[iv - BN] landed; every warp is done with the other buffers.
// CHECK-NEXT: nvvm.cp.async.wait.group 0
// CHECK-NEXT: nvvm.fence.proxy
// CHECK-NEXT: gpu.barrier
// V[iv] goes to V's buffer (iv / 128) % 2, after K's two (32768 elements) ...
// CHECK-NOT: nvgpu.device_async_copy
// CHECK: %[[VT:.*]] = arith.divui %[[IV]], %{{.*}} : index
// CHECK-NOT: nvgpu.device_async_copy
// CHECK: %[[VP:.*]] = arith.remui %[[VT]], %{{.*}} : index
// CHECK: %[[VS:.*]] = arith.muli %[[VP]], %{{.*}} : index
// CHECK-NOT: nvgpu.device_async_copy
// CHECK: arith.constant 32768 : index
// CHECK: %[[DST:.*]] = arith.addi %{{.*}}, %[[VS]] : index
// CHECK-NEXT: nvgpu.device_async_copy %arg2[{{.*}}], %{{.*}}[%[[DST]]]
// CHECK: nvvm.cp.async.commit.group
// ... and K[iv + BN], if the loop has it, to K's buffer of its parity.
// CHECK: %[[HAS:.*]] = arith.cmpi slt, %[[NEXT]], %{{.*}} : index
// CHECK: %[[KT:.*]] = arith.divui %[[NEXT]], %{{.*}} : index
// CHECK: %[[KP:.*]] = arith.remui %[[KT]], %{{.*}} : index
// CHECK: %[[KS:.*]] = arith.muli %[[KP]], %{{.*}} : index
// CHECK: scf.if %[[HAS]] {
// CHECK: %[[KDST:.*]] = arith.addi %{{.*}}, %[[KS]] : index
// CHECK-NEXT: nvgpu.device_async_copy %arg1[{{.*}}], %{{.*}}[%[[KDST]]]
// CHECK: nvvm.cp.async.commit.group
// CHECK: }
// S = Q K^T of tile iv, then P V of tile iv - BN: two groups in flight.
// CHECK: nvvm.wgmma.fence.aligned
// CHECK-COUNT-8: nvvm.wgmma.mma_async
// CHECK-NEXT: nvvm.wgmma.commit.group.sync.aligned
// Nothing but packing (no arithmetic) between the groups: P V's inputs were
// made before the Q K^T was issued (ptxas would serialize, C7513).
// CHECK-NOT: arith.{{mulf|addf|subf|ori|addi}}
// CHECK: nvvm.wgmma.fence.aligned
// CHECK-NOT: arith.{{mulf|addf|subf|ori|addi}}
// CHECK: wgmma.mma_async.sync.aligned.m64n128k16.f32.f16.f16
// CHECK: nvvm.wgmma.commit.group.sync.aligned
// The softmax waits for S only (at S's first use, after the mask's index
// arithmetic); P V still runs.
// CHECK-NOT: llvm.extractvalue
// CHECK: nvvm.wgmma.wait.group.sync.aligned 1
// CHECK-NEXT: llvm.extractvalue
// CHECK: gpu.shuffle  xor
// CHECK: ex2.approx.f32
// P V is waited for before P of this tile is made (LLVM may put it in the
// registers P V reads), and before the back edge.
// CHECK: nvvm.wgmma.wait.group.sync.aligned 0
// CHECK-NOT: nvvm.wgmma
// CHECK: arith.truncf %{{.*}} : vector<2xf32> to vector<2xf16>
// CHECK-NOT: nvvm.wgmma
// CHECK: scf.yield
func.func @f(%q: tensor<?x8x?x128xf16>, %k: tensor<?x2x?x128xf16>, %v: tensor<?x2x?x128xf16>)
    -> (tensor<?x8x?x128xf16>, tensor<?x8x?xf32>) {
  %o, %lse = attn.mha %q, %k, %v {causal}
      : (tensor<?x8x?x128xf16>, tensor<?x2x?x128xf16>, tensor<?x2x?x128xf16>)
      -> (tensor<?x8x?x128xf16>, tensor<?x8x?xf32>)
  return %o, %lse : tensor<?x8x?x128xf16>, tensor<?x8x?xf32>
}
