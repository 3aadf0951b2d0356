// attn-lower-nvgpu: one kernel IR program -> one gpu.func CTA of 4 warps
// (BLOCK_M = 128, two 16-row mma.sync tiles per warp, Q in shared memory),
// K/V staged with cp.async in their own shared buffers (FA2's schedule: V
// loads during QK^T, the next K during PV), ldmatrix fragments, quad
// reductions.
// The mma.sync path (attn-gpu-layout picks it: 4 warps of 32 rows are not
// whole warpgroups; docs/nvgpu.md). wgmma.mlir tests the warpgroup path.
// RUN: attn-opt %s --attn-gqa-map "--attn-tile=target=sm_90a block-n=64 num-warps=4" --attn-online-softmax --attn-gpu-layout --attn-lower-nvgpu | FileCheck %s
// RUN: sed s/f16/bf16/g %s | attn-opt --attn-gqa-map "--attn-tile=target=sm_90a block-n=64 num-warps=4" --attn-online-softmax --attn-gpu-layout --attn-lower-nvgpu | FileCheck %s --check-prefix=BF16
// One MMA tile per warp (8 warps), mma.sync forced: Q's A fragments stay in registers.
// RUN: attn-opt %s --attn-gqa-map "--attn-tile=target=sm_90a block-n=64 num-warps=8" --attn-online-softmax --attn-gpu-layout=mma=mma_sync --attn-lower-nvgpu | FileCheck %s --check-prefix=MT1
// The whole pipeline to NVVM (the default tiling: wgmma).
// RUN: attn-opt %s --attn-to-nvvm | FileCheck %s --check-prefix=NVVM
// The flash kernel is compute-bound: its copies keep no L2 prefetch
// (attn-nvvm-l2-prefetch is for paged decode kernels).
// RUN: attn-opt %s --attn-to-nvvm | FileCheck %s --check-prefix=NOPF
// NOPF-NOT: L2::256B
// NOPF: nvvm.cp.async.shared.global {{.*}} cache =  cg
// NOPF-NOT: L2::256B

// CHECK: module attributes {gpu.container_module}
// CHECK: func.func private @__attn_launch_f_attn0(
// CHECK:   %[[C128:[a-z0-9]+]] = arith.constant 128 : index
// CHECK:   gpu.launch_func  @attn_kernels::@f_attn0 blocks in (%{{.*}}, %{{.*}}, %{{.*}}) threads in (%[[C128]], %{{.*}}, %{{.*}})
// CHECK: gpu.module @attn_kernels
// A K and a V buffer of 64 x (128 + 8) elements, then Q's 128 x (128 + 8).
// CHECK: gpu.func @f_attn0({{.*}} workgroup(%[[SMEM:[a-z0-9]+]] : memref<34816xf16, #gpu.address_space<workgroup>>) kernel attributes {{{.*}}known_block_size = array<i32: 128, 1, 1>
// Q: staged once, 128 x 128 in 16-byte copies, 16 per thread.
// CHECK-COUNT-16: nvgpu.device_async_copy %{{.*}}, %[[SMEM]][{{.*}}], 8, {{.*}} {bypassL1}
// CHECK: nvvm.cp.async.commit.group
// CHECK-NEXT: nvvm.cp.async.wait.group 0
// CHECK-NEXT: gpu.barrier
// Before the first KV loop: its first K tile, 64 x 128, 8 copies per thread.
// CHECK: scf.if
// CHECK-COUNT-8: nvgpu.device_async_copy {{.*}}, %[[SMEM]][{{.*}}], 8, {{.*}} {bypassL1}
// CHECK: nvvm.cp.async.commit.group
// CHECK: scf.for
// K read: wait, barrier, V tile issued (at element 17408 / 2).
// CHECK: nvvm.cp.async.wait.group 0
// CHECK-NEXT: gpu.barrier
// CHECK: nvgpu.device_async_copy
// CHECK: nvvm.cp.async.commit.group
// S = Q K^T, k-chunk pairs outermost: Q's A fragments of both MMA tiles
// (4 ldmatrix.x4), then per n-tile one ldmatrix.x4 of K and 4 mma.sync.
// CHECK-COUNT-4: nvgpu.ldmatrix %[[SMEM]][%{{.*}}] {numTiles = 4 : i32, transpose = false}
// CHECK-COUNT-4: nvvm.mma.sync A[{{.*}}] B[{{.*}}] C[{{.*}}] {layoutA = #nvvm.mma_layout<row>, layoutB = #nvvm.mma_layout<col>, shape = #nvvm.shape<m = 16, n = 8, k = 16>} : (vector<2xf16>, vector<2xf16>, f32) -> !llvm.struct<(f32, f32, f32, f32)>
// Row max: the quad's lanes.
// CHECK: vector.reduction <maximumf>
// CHECK: gpu.shuffle  xor %{{.*}}, %c1_i32, %c32_i32
// CHECK: gpu.shuffle  xor %{{.*}}, %c2_i32, %c32_i32
// CHECK: llvm.call_intrinsic "llvm.nvvm.ex2.approx.f32"
// V read: wait, barrier, the next K tile if the loop has one.
// CHECK: nvvm.cp.async.wait.group 0
// CHECK-NEXT: gpu.barrier
// CHECK: scf.if
// CHECK: nvgpu.device_async_copy
// O += P V: ldmatrix.trans, two head-dim n-tiles each.
// CHECK: nvgpu.ldmatrix %[[SMEM]][%{{.*}}] {numTiles = 4 : i32, transpose = true}
// CHECK: nvvm.mma.sync
// CHECK: scf.yield
// Three loops, 128 mma.sync each (64 for QK^T, 64 for PV).
// CHECK: scf.for
// CHECK: scf.for
// Epilogue: 32-bit stores of two head-dim elements; lse by the quad's lane 0.
// CHECK: vector.store {{.*}} vector<2xf16>
// CHECK: memref.store {{.*}} memref<?x?x?xf32

// BF16: nvvm.mma.sync {{.*}} multiplicandAPtxType = #nvvm.mma_type<bf16>, multiplicandBPtxType = #nvvm.mma_type<bf16>{{.*}} : (i32, i32, f32) -> !llvm.struct<(f32, f32, f32, f32)>

// MT1: workgroup({{.*}} : memref<17408xf16, #gpu.address_space<workgroup>>) kernel attributes {{{.*}}known_block_size = array<i32: 256, 1, 1>
// Q: A fragments in registers, 4 x 32-bit loads each, 8 head-dim chunks.
// MT1-COUNT-32: vector.load {{.*}} vector<2xf16>
// MT1: scf.for
// MT1: nvgpu.ldmatrix {{.*}} transpose = false
// MT1-COUNT-2: nvvm.mma.sync

// NVVM: gpu.module @attn_kernels
// NVVM: llvm.func @f_attn0({{.*}}) attributes {{{.*}}nvvm.kernel
// NVVM: wgmma.mma_async.sync.aligned.m64n128k16.f32.f16.f16
// NVVM: wgmma.mma_async.sync.aligned.m64n128k16.f32.f16.f16
// NVVM-NOT: {{= vector\.|nvgpu\.}}
func.func @f(%q: tensor<?x8x?x128xf16>, %k: tensor<?x2x?x128xf16>, %v: tensor<?x2x?x128xf16>)
    -> (tensor<?x8x?x128xf16>, tensor<?x8x?xf32>) {
  %o, %lse = attn.mha %q, %k, %v {causal}
      : (tensor<?x8x?x128xf16>, tensor<?x2x?x128xf16>, tensor<?x2x?x128xf16>)
      -> (tensor<?x8x?x128xf16>, tensor<?x8x?xf32>)
  return %o, %lse : tensor<?x8x?x128xf16>, tensor<?x8x?xf32>
}
