// attn-lower-nvgpu on attn.paged_attention (docs/paged.md): the split kernel
// reads each K/V tile in pieces through the block table (one cp.async group
// per tile, one block-table load per piece and thread) and keeps FA2's
// schedule: the first K tile before the loop, V issued at the K read, the
// next K tile (its block-table pieces computed at iv + step) at the V read.
// It writes f32 partial results and lse to the workspace; the merge kernel
// has no matmul and loads the partial results straight into the fragment
// layout.
// Decode: one warp, 16 rows (the 4 query heads of a KV group), 32-key tiles
// of two 16-row pieces (blocks of 16 tokens).
// RUN: attn-opt %s --attn-gqa-map "--attn-tile=target=sm_90a block-n=32" --attn-online-softmax --attn-gpu-layout --attn-lower-nvgpu --canonicalize --cse | FileCheck %s
// Prefill: the flash kernel (4 warps, Q in shared memory) with 64-key tiles
// of four pieces.
// RUN: sed 's/"decode"/"prefill"/' %s | attn-opt --attn-gqa-map "--attn-tile=target=sm_90a block-n=64" --attn-online-softmax --attn-gpu-layout --attn-lower-nvgpu --canonicalize --cse | FileCheck %s --check-prefix=PREFILL
// Blocks of one token: 16 pieces of one row, half a warp's copies each.
// RUN: sed 's/x16x8x128/x1x8x128/g' %s | attn-opt --attn-gqa-map --attn-tile=target=sm_90a --attn-online-softmax --attn-gpu-layout --attn-lower-nvgpu --canonicalize --cse | FileCheck %s --check-prefix=BS1
// The whole pipeline to NVVM.
// RUN: attn-opt %s --attn-to-nvvm | FileCheck %s --check-prefix=NVVM

// CHECK: func.func private @__attn_launch_f_attn0(
// CHECK:   gpu.launch_func  @attn_kernels::@f_attn0 blocks in (%{{.*}}, %{{.*}}, %{{.*}}) threads in (%c32, %c1, %c1)
// CHECK: func.func private @__attn_launch_f_attn0_merge(
// The merge kernel runs 4 warps that split its 128 columns (attn-gpu-layout: four splits'
// tiles in flight per warp, docs/paged.md).
// CHECK:   gpu.launch_func  @attn_kernels::@f_attn0_merge blocks in (%{{.*}}, %{{.*}}, %{{.*}}) threads in (%c128, %c1, %c1)
// A K and a V buffer of 32 x (128 + 8) elements; Q stays in registers.
// CHECK: gpu.func @f_attn0(%{{.*}}, %[[KC:[a-z0-9]+]]: memref<?x?x?x128xbf16, {{.*}}, %[[VC:[a-z0-9]+]]: memref<?x?x?x128xbf16, {{.*}} workgroup(%[[SMEM:[a-z0-9]+]] : memref<8704xbf16, #gpu.address_space<workgroup>>) kernel attributes {{{.*}}kind = "paged_decode"{{.*}}known_block_size = array<i32: 32, 1, 1>
// The split is pid_z.
// CHECK: gpu.block_id  z
// Alibi slopes: a row vector, each lane loads its two rows (heads past the
// group read 0).
// CHECK: scf.if %{{.*}} -> (f32) {
// CHECK-NEXT: memref.load %{{.*}} : memref<4xf32
// Before the first KV loop: its first K tile, piece by piece (block-table
// load, subview of the block, 16 x 128 in 8 copies per thread).
// CHECK: scf.if
// CHECK: memref.load %[[BT:[a-z0-9_]+]][%{{.*}}] : memref<?xi32
// CHECK: %[[P0:[a-z0-9_]+]] = memref.subview %[[KC]][
// CHECK: memref.load %[[BT]][%{{.*}}] : memref<?xi32
// CHECK: %[[P1:[a-z0-9_]+]] = memref.subview %[[KC]][
// Rows past the sequence (past the subview) are zero-filled.
// CHECK: arith.select %{{.*}}, %c8, %c0 : index
// CHECK-COUNT-8: nvgpu.device_async_copy %[[P0]][{{.*}}], %[[SMEM]][{{.*}}], 8, {{.*}} {bypassL1}
// CHECK-COUNT-8: nvgpu.device_async_copy %[[P1]][{{.*}}], %[[SMEM]][{{.*}}], 8, {{.*}} {bypassL1}
// CHECK-NEXT: nvvm.cp.async.commit.group
// CHECK-NEXT: {{^ +[}]$}}
// CHECK-NEXT: scf.for %[[IV:[a-z0-9]+]] =
// K read: V's pieces at this iteration (computed before the wait), then
// wait, barrier and the V tile's copies.
// CHECK: memref.load %[[BT]][%{{.*}}] : memref<?xi32
// CHECK: %[[V0:[a-z0-9_]+]] = memref.subview %[[VC]][
// CHECK: memref.load %[[BT]][%{{.*}}] : memref<?xi32
// CHECK: %[[V1:[a-z0-9_]+]] = memref.subview %[[VC]][
// CHECK-NEXT: nvvm.cp.async.wait.group 0
// CHECK-NEXT: gpu.barrier
// CHECK-COUNT-8: nvgpu.device_async_copy %[[V0]][{{.*}}], %[[SMEM]][{{.*}}], 8,
// CHECK-COUNT-8: nvgpu.device_async_copy %[[V1]][{{.*}}], %[[SMEM]][{{.*}}], 8,
// CHECK-NEXT: nvvm.cp.async.commit.group
// CHECK: nvgpu.ldmatrix %[[SMEM]][%{{.*}}] {numTiles = 4 : i32, transpose = false}
// CHECK: nvvm.mma.sync
// V read: the next K tile's pieces at iv + step, wait, barrier, and its
// copies if the loop has that tile.
// CHECK: %[[NEXT:[0-9]+]] = arith.addi %[[IV]], %c32
// CHECK: memref.load %[[BT]][%{{.*}}] : memref<?xi32
// CHECK: %[[K0:[a-z0-9_]+]] = memref.subview %[[KC]][
// CHECK: memref.load %[[BT]][%{{.*}}] : memref<?xi32
// CHECK: %[[K1:[a-z0-9_]+]] = memref.subview %[[KC]][
// CHECK-NEXT: nvvm.cp.async.wait.group 0
// CHECK-NEXT: gpu.barrier
// CHECK-NEXT: %[[MORE:[0-9]+]] = arith.cmpi slt, %[[NEXT]],
// CHECK-NEXT: scf.if %[[MORE]] {
// CHECK-COUNT-8: nvgpu.device_async_copy %[[K0]][{{.*}}], %[[SMEM]][{{.*}}], 8,
// CHECK-COUNT-8: nvgpu.device_async_copy %[[K1]][{{.*}}], %[[SMEM]][{{.*}}], 8,
// CHECK-NEXT: nvvm.cp.async.commit.group
// CHECK: nvgpu.ldmatrix %[[SMEM]][%{{.*}}] {numTiles = 4 : i32, transpose = true}
// CHECK: scf.yield
// Epilogue: the partial output to the f32 workspace, 64-bit stores of two
// head-dim elements (no truncation); lse by the quad's lane 0.
// CHECK: vector.store %{{.*}} : memref<?x?x4x128xf32, {{.*}}>, vector<2xf32>
// CHECK: memref.store %{{.*}} : memref<?x4x?xf32
// CHECK: gpu.return

// Merge: no shared memory to speak of, no matmul; 4 warps of 32 columns
// each (attn-gpu-layout). Four splits per iteration of the first loop: each
// lane loads the lse of its two rows for the four splits (-inf past the
// tokens), then the partial outputs of its fragment block by block where they
// are used (acc * alpha + out_s * beta), rows past the tokens as 0: 8 blocks
// of 2 per split, 32 per iteration (LLVM issues them before their uses:
// docs/paged.md). Then the S mod 4 last splits one by one: 8 blocks each.
// CHECK: gpu.func @f_attn0_merge(%[[SO:[a-z0-9]+]]: memref<?x?x?x128xf32, {{.*}}, %[[SL:[a-z0-9]+]]: memref<?x?x?xf32, {{.*}} workgroup(%{{.*}} : memref<1xf32, #gpu.address_space<workgroup>>) kernel attributes {{{.*}}kind = "paged_merge"{{.*}}known_block_size = array<i32: 128, 1, 1>
// CHECK-NOT: nvvm.mma.sync
// CHECK: scf.for %[[S:[a-z0-9]+]] = %{{.*}} to %{{.*}} step %c4
// CHECK: scf.if %{{.*}} -> (f32) {
// CHECK-NEXT: memref.load %[[SL]][%[[S]],
// CHECK: } else {
// CHECK-NEXT: scf.yield %cst{{.*}} : f32
// CHECK-COUNT-7: memref.load %[[SL]]
// CHECK: llvm.call_intrinsic "llvm.nvvm.ex2.approx.f32"
// CHECK: scf.if %{{.*}} -> (vector<2xf32>) {
// CHECK-NEXT: vector.load %[[SO]][%[[S]], {{.*}} : memref<?x?x?x128xf32, {{.*}}>, vector<2xf32>
// CHECK: arith.mulf
// CHECK-NEXT: arith.addf
// CHECK-COUNT-31: vector.load %[[SO]][{{.*}} : memref<?x?x?x128xf32, {{.*}}>, vector<2xf32>
// CHECK-NOT: vector.load %[[SO]]
// CHECK: scf.yield
// CHECK: scf.for %[[S1:[a-z0-9]+]] = %{{.*}} to %{{.*}} step %c1
// CHECK-COUNT-8: vector.load %[[SO]][%[[S1]], {{.*}} : memref<?x?x?x128xf32, {{.*}}>, vector<2xf32>
// CHECK-NOT: vector.load %[[SO]]
// CHECK: scf.yield
// CHECK: vector.store %{{.*}} : memref<?x?x128xbf16, {{.*}}>, vector<2xbf16>
// CHECK: llvm.call_intrinsic "llvm.nvvm.lg2.approx.f"
// CHECK: memref.store %{{.*}} : memref<?x?xf32
// CHECK: gpu.return

// PREFILL: gpu.func @f_attn0({{.*}} workgroup(%[[SMEM:[a-z0-9]+]] : memref<34816xbf16, #gpu.address_space<workgroup>>) kernel attributes {{{.*}}kind = "paged"{{.*}}known_block_size = array<i32: 128, 1, 1>
// Q staged once: 16 copies per thread.
// PREFILL-COUNT-16: nvgpu.device_async_copy
// PREFILL: nvvm.cp.async.commit.group
// PREFILL: scf.for {{.*}} -> (f32
// A 64-key tile: 4 pieces of 16 x 128, 2 copies per thread each, one group.
// PREFILL: nvvm.cp.async.wait.group 0
// PREFILL-NEXT: gpu.barrier
// PREFILL-COUNT-8: nvgpu.device_async_copy {{.*}}, %[[SMEM]][{{.*}}], 8,
// PREFILL-NEXT: nvvm.cp.async.commit.group
// The merge kernel has no MMA tile to fill: one 16-row tile per warp (8
// warps, two rows per lane), and the bundle's num_warps says so.
// PREFILL: gpu.func @f_attn0_merge({{.*}}num_warps = 8 : i64{{.*}}known_block_size = array<i32: 256, 1, 1>
// PREFILL-COUNT-2: scf.if %{{.*}} -> (f32) {
// PREFILL-NOT: scf.if %{{.*}} -> (f32) {
// PREFILL: gpu.return

// 16-key tiles (the smallest k of mma.sync): 2 x 16 x (128 + 8) elements.
// BS1: gpu.func @f_attn0({{.*}} workgroup(%{{.*}} : memref<4352xbf16, #gpu.address_space<workgroup>>)
// BS1: scf.for {{.*}} -> (f32
// BS1: nvvm.cp.async.wait.group 0
// BS1-NEXT: gpu.barrier
// One row of 16 chunks per piece: threads 0-15 copy it.
// BS1: %[[HALF:[0-9]+]] = arith.cmpi slt, %{{.*}}, %c16 : index
// BS1-COUNT-16: scf.if %[[HALF]] {
// BS1: nvgpu.device_async_copy
// BS1-NEXT: {{^ +[}]$}}
// BS1-NEXT: nvvm.cp.async.commit.group

// NVVM: gpu.module @attn_kernels
// NVVM: llvm.func @f_attn0({{.*}}) attributes {{{.*}}nvvm.kernel
// K/V copies carry a 256-byte L2 prefetch (attn-nvvm-l2-prefetch).
// NVVM: llvm.inline_asm has_side_effects "cp.async.cg.shared.global.L2::256B [$0], [$1], 16
// NVVM-NOT: nvvm.cp.async.shared.global
// NVVM: nvvm.mma.sync
// NVVM: llvm.func @f_attn0_merge({{.*}}) attributes {{{.*}}nvvm.kernel
// NVVM-NOT: {{= vector\.|nvgpu\.|memref\.}}
func.func @f(%q: tensor<4x32x128xbf16>, %kc: tensor<1024x16x8x128xbf16>,
             %vc: tensor<1024x16x8x128xbf16>, %bt: tensor<4x64xi32>, %sl: tensor<4xi32>,
             %qsl: tensor<5xi32>, %al: tensor<32xf32>)
    -> (tensor<4x32x128xbf16>, tensor<32x4xf32>) {
  %o, %lse = attn.paged_attention %q, %kc, %vc, %bt, %sl, %qsl alibi(%al)
      {attn.paged_mode = "decode", causal}
      : (tensor<4x32x128xbf16>, tensor<1024x16x8x128xbf16>, tensor<1024x16x8x128xbf16>,
         tensor<4x64xi32>, tensor<4xi32>, tensor<5xi32>, tensor<32xf32>)
      -> (tensor<4x32x128xbf16>, tensor<32x4xf32>)
  return %o, %lse : tensor<4x32x128xbf16>, tensor<32x4xf32>
}
