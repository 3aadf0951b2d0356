// Block masks (docs/masks.md) through attn-lower-nvgpu: the KV loops nest in
// a loop over the first kv_num_blocks entries of kv_indices (the count a
// scalar load in an scf.if, each entry a scalar load of the gathered block
// index), and the tiles inside run the target's usual schedule: @f (D = 64,
// one warpgroup of wgmma, FA2's schedule: cp.async of K before each KV loop,
// waits and barriers per tile), @narrow (32-row query blocks: mma.sync with
// two warps). No warp specialization (no producer, no mbarriers:
// attn-gpu-layout), and mask_mod's divui runs on the tiles (i32 index math).
// RUN: attn-opt %s --attn-gqa-map --attn-tile=target=sm_90a --attn-online-softmax --attn-gpu-layout --attn-gpu-pipeline --attn-lower-nvgpu | FileCheck %s
// The D = 128 kernel of the same op, software-pipelined (num_stages 2):
// RUN: sed 's/x64xbf16/x128xbf16/g' %s | attn-opt --attn-gqa-map --attn-tile=target=sm_90a --attn-online-softmax --attn-gpu-layout --attn-gpu-pipeline --attn-lower-nvgpu | FileCheck %s --check-prefix=PIPE

// CHECK-LABEL: gpu.func @f_attn0(
// CHECK-SAME: %[[NUM:arg3]]: memref<?x?x?xi32, strided<[?, ?, ?], offset: ?>, #gpu.address_space<global>>, %[[IDX:arg4]]: memref<?x?x?x?xi32, strided<[?, ?, ?, ?], offset: ?>, #gpu.address_space<global>>, %[[FNUM:arg5]]: memref<?x?x?xi32, {{.*}}>, %[[FIDX:arg6]]: memref<?x?x?x?xi32,
// CHECK-NOT: mbarrier
// CHECK-NOT: setmaxnreg
// CHECK: scf.if
// CHECK-NEXT: memref.load %[[NUM]][
// CHECK: scf.for %[[J:[a-z0-9_]+]] = {{.*}} iter_args(
// CHECK-NEXT: memref.load %[[IDX]][%{{.*}}, %{{.*}}, %{{.*}}, %[[J]]]
// The partial block's tiles: K is copied before the KV loop, mask_mod on the tile.
// CHECK: nvvm.cp.async.commit.group
// CHECK: scf.for
// CHECK: nvvm.cp.async.wait.group 0
// CHECK: gpu.barrier
// CHECK: nvvm.wgmma.mma_async
// CHECK: arith.divui %{{.*}} : vector<2xi32>
// CHECK: wgmma.mma_async.sync.aligned.m64n64k16.f32.bf16.bf16
// Then the full list, in its own loop: three KV loops per block.
// CHECK: memref.load %[[FNUM]][
// CHECK: scf.for %[[F:[a-z0-9_]+]] = {{.*}} iter_args(
// CHECK-NEXT: memref.load %[[FIDX]][%{{.*}}, %{{.*}}, %{{.*}}, %[[F]]]
// CHECK-COUNT-3: scf.for %{{.*}} step %c128
// CHECK-NOT: mbarrier
// CHECK-LABEL: gpu.func @narrow_attn1(
// CHECK-NOT: wgmma
// CHECK: scf.for
// CHECK: memref.load
// CHECK: scf.for
// CHECK: nvvm.mma.sync

// PIPE-LABEL: gpu.func @f_attn0(
// Q and a ring of two K and two V buffers of 128 x 128 (docs/nvgpu.md).
// PIPE-SAME: workgroup(%{{.*}} : memref<81920xbf16, #gpu.address_space<workgroup>> {llvm.align = 1024 : i64})
// PIPE-NOT: mbarrier
// PIPE: scf.for %[[J:[a-z0-9_]+]] = {{.*}} iter_args(
// PIPE-NEXT: memref.load %{{.*}}[%{{.*}}, %{{.*}}, %{{.*}}, %[[J]]]
// The prologue's K[lb] goes to ring buffer (lb / 128) % 2 before its loop.
// PIPE: arith.remui
// PIPE: nvvm.cp.async.commit.group
// PIPE: scf.for
// PIPE: nvvm.wgmma.wait.group.sync.aligned 1
// The query blocks of 32 rows: two warps, whose registers ptxas may not cap.
// PIPE-LABEL: gpu.func @narrow_attn1(
// PIPE-SAME: nvvm.minctasm = 1 : i32
func.func @f(%q: tensor<?x8x?x64xbf16>, %k: tensor<?x2x?x64xbf16>, %v: tensor<?x2x?x64xbf16>,
             %n: tensor<?x?x?xi32>, %i: tensor<?x?x?x?xi32>, %fn: tensor<?x?x?xi32>, %fi: tensor<?x?x?x?xi32>)
    -> tensor<?x8x?x64xbf16> {
  %o = attn.mha %q, %k, %v block_mask(%n, %i) full_blocks(%fn, %fi) mask_mod {
  ^bb0(%b: index, %h: index, %qi: index, %kj: index):
    %c300 = arith.constant 300 : index
    %dq = arith.divui %qi, %c300 : index
    %dk = arith.divui %kj, %c300 : index
    %same = arith.cmpi eq, %dq, %dk : index
    %causal = arith.cmpi sge, %qi, %kj : index
    %vis = arith.andi %same, %causal : i1
    attn.yield %vis : i1
  } {q_block_size = 128 : i64, kv_block_size = 128 : i64}
    : (tensor<?x8x?x64xbf16>, tensor<?x2x?x64xbf16>, tensor<?x2x?x64xbf16>,
       tensor<?x?x?xi32>, tensor<?x?x?x?xi32>, tensor<?x?x?xi32>, tensor<?x?x?x?xi32>) -> tensor<?x8x?x64xbf16>
  return %o : tensor<?x8x?x64xbf16>
}

func.func @narrow(%q: tensor<?x8x?x64xbf16>, %k: tensor<?x2x?x64xbf16>, %v: tensor<?x2x?x64xbf16>,
                  %n: tensor<?x?x?xi32>, %i: tensor<?x?x?x?xi32>) -> tensor<?x8x?x64xbf16> {
  %o = attn.mha %q, %k, %v block_mask(%n, %i) {causal, q_block_size = 32 : i64, kv_block_size = 64 : i64}
    : (tensor<?x8x?x64xbf16>, tensor<?x2x?x64xbf16>, tensor<?x2x?x64xbf16>,
       tensor<?x?x?xi32>, tensor<?x?x?x?xi32>) -> tensor<?x8x?x64xbf16>
  return %o : tensor<?x8x?x64xbf16>
}
