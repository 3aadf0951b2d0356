// attn-lower-amdgpu on attn.paged_attention (docs/paged.md): the split
// kernel stages each K/V tile in LDS piece by piece through the block table
// (one subview of a block per piece, rows past the sequence read as 0) and
// writes f32 partial results and lse to the workspace; the merge kernel has
// no matmul and loads the partial results straight into the MFMA C layout.
// Decode: one wave, 32 rows (the 4 query heads of a KV group), 64-key tiles
// of four 16-row pieces (blocks of 16 tokens).
// RUN: attn-opt %s --attn-gqa-map --attn-tile=target=gfx942 --attn-online-softmax --attn-gpu-layout --attn-lower-amdgpu --canonicalize --cse | FileCheck %s
// RUN: attn-opt %s --attn-gqa-map --attn-tile=target=gfx950 --attn-online-softmax --attn-gpu-layout --attn-lower-amdgpu --canonicalize --cse | FileCheck %s --check-prefix=GFX950
// Blocks of one token: 32-key tiles (a wave's 32 rows, the MFMA block of
// keys), 32 pieces of one row.
// RUN: sed 's/x16x8x128/x1x8x128/g' %s | attn-opt --attn-gqa-map --attn-tile=target=gfx942 --attn-online-softmax --attn-gpu-layout --attn-lower-amdgpu --canonicalize --cse | FileCheck %s --check-prefix=BS1
// Prefill: the flash kernel (4 waves), same pieces.
// RUN: sed 's/"decode"/"prefill"/' %s | attn-opt --attn-gqa-map --attn-tile=target=gfx942 --attn-online-softmax --attn-gpu-layout --attn-lower-amdgpu --canonicalize --cse | FileCheck %s --check-prefix=PREFILL
// The whole pipeline to ROCDL.
// RUN: attn-opt %s --attn-to-rocdl=chip=gfx942 | FileCheck %s --check-prefix=ROCDL

// CHECK: gpu.launch_func  @attn_kernels::@f_attn0 blocks in (%{{.*}}, %{{.*}}, %{{.*}}) threads in (%c64, %c1, %c1)
// CHECK: gpu.launch_func  @attn_kernels::@f_attn0_merge blocks in (%{{.*}}, %{{.*}}, %{{.*}}) threads in (%c64, %c1, %c1)
// One LDS buffer: the larger of K (64 x (128 + 4)) and V^T (128 x (64 + 4)).
// CHECK: gpu.func @f_attn0(%{{.*}}, %[[KC:[a-z0-9]+]]: memref<?x?x?x128xbf16, {{.*}}, %[[VC:[a-z0-9]+]]: memref<?x?x?x128xbf16, {{.*}} workgroup(%[[LDS:[a-z0-9]+]] : memref<8704xbf16, #gpu.address_space<workgroup>>) kernel attributes {{{.*}}kind = "paged_decode"{{.*}}known_block_size = array<i32: 64, 1, 1>
// The split is pid_z.
// CHECK: gpu.block_id  z
// Alibi slopes: a row vector, one per lane (heads past the group read 0).
// CHECK: scf.if %{{.*}} -> (f32) {
// CHECK-NEXT: memref.load %{{.*}} : memref<4xf32
// CHECK: scf.for {{.*}} -> (f32
// K: the four pieces' block-table loads and subviews, then the copies into
// LDS between barriers, 4 rows of 16 chunks per piece and pass.
// CHECK: memref.load %[[BT:[a-z0-9_]+]][%{{.*}}] : memref<?xi32
// CHECK: %[[P0:[a-z0-9_]+]] = memref.subview %[[KC]][
// CHECK: %[[P1:[a-z0-9_]+]] = memref.subview %[[KC]][
// CHECK: %[[P2:[a-z0-9_]+]] = memref.subview %[[KC]][
// CHECK: %[[P3:[a-z0-9_]+]] = memref.subview %[[KC]][
// CHECK-NEXT: gpu.barrier
// CHECK-COUNT-4: vector.load %[[P0]][
// CHECK-COUNT-4: vector.load %[[P1]][
// CHECK-COUNT-4: vector.load %[[P2]][
// CHECK-COUNT-4: vector.load %[[P3]][
// CHECK-NEXT: scf.yield
// CHECK-NEXT: } else {
// CHECK-NEXT: scf.yield %cst{{.*}} : vector<8xbf16>
// CHECK-NEXT: }
// CHECK: vector.store %{{.*}}, %[[LDS]][%{{.*}}] : memref<8704xbf16, #gpu.address_space<workgroup>>, vector<8xbf16>
// CHECK-NEXT: gpu.barrier
// CHECK-COUNT-32: rocdl.mfma.f32.32x32x8bf16.1k
// V: transposed into LDS, piece by piece.
// CHECK: %[[V0:[a-z0-9_]+]] = memref.subview %[[VC]][
// CHECK: gpu.barrier
// CHECK: vector.load %[[V0]][
// CHECK: memref.store %{{.*}}, %[[LDS]][%{{.*}}] : memref<8704xbf16, #gpu.address_space<workgroup>>
// CHECK-COUNT-32: rocdl.mfma.f32.32x32x8bf16.1k
// CHECK: scf.yield
// Epilogue: the partial output to the f32 workspace, 128-bit stores of four
// head-dim elements; lse by lane group 0.
// CHECK: vector.store %{{.*}} : memref<?x?x4x128xf32, {{.*}}>, vector<4xf32>
// CHECK: memref.store %{{.*}} : memref<?x4x?xf32
// CHECK: gpu.return

// Merge: no matmul; per split, each lane loads the lse of its row (-inf
// past the tokens), then its C-layout elements of the partial output block
// by block where they are used (4 runs of 4 consecutive columns per
// 32-column block), rows past the tokens as 0.
// CHECK: gpu.func @f_attn0_merge(%[[SO:[a-z0-9]+]]: memref<?x?x?x128xf32, {{.*}}, %[[SL:[a-z0-9]+]]: memref<?x?x?xf32, {{.*}} workgroup(%{{.*}} : memref<1xf32, #gpu.address_space<workgroup>>) kernel attributes {{{.*}}kind = "paged_merge"
// CHECK-NOT: rocdl.mfma
// CHECK: scf.for %[[S:[a-z0-9]+]] =
// CHECK: scf.if %{{.*}} -> (f32) {
// CHECK-NEXT: memref.load %[[SL]][%[[S]],
// CHECK: rocdl.exp2
// CHECK: scf.if %{{.*}} -> (vector<16xf32>) {
// CHECK-COUNT-4: vector.load %[[SO]][%[[S]], {{.*}} : memref<?x?x?x128xf32, {{.*}}>, vector<4xf32>
// CHECK: arith.mulf
// CHECK-NEXT: arith.addf
// CHECK-COUNT-12: vector.load %[[SO]][%[[S]], {{.*}} : memref<?x?x?x128xf32, {{.*}}>, vector<4xf32>
// CHECK: scf.yield
// CHECK: vector.store %{{.*}} : memref<?x?x128xbf16, {{.*}}>, vector<4xbf16>
// CHECK: rocdl.log
// CHECK: memref.store %{{.*}} : memref<?x?xf32
// CHECK: gpu.return

// GFX950: gpu.func @f_attn0(
// GFX950: scf.for {{.*}} -> (f32
// GFX950-COUNT-16: rocdl.mfma.f32.32x32x16.bf16
// GFX950: gpu.func @f_attn0_merge(
// GFX950-NOT: rocdl.mfma
// GFX950: vector.load {{.*}} vector<4xf32>

// BS1: gpu.func @f_attn0({{.*}} workgroup(%{{.*}} : memref<4608xbf16, #gpu.address_space<workgroup>>)
// BS1: scf.for {{.*}} -> (f32
// BS1-COUNT-32: memref.subview
// BS1-NEXT: gpu.barrier
// One row of 16 chunks per piece: lanes 0-15 copy it.
// BS1: %[[QUARTER:[0-9]+]] = arith.cmpi slt, %{{.*}}, %c16 : index
// BS1-COUNT-32: scf.if %[[QUARTER]] {
// BS1: gpu.barrier
// BS1-COUNT-16: rocdl.mfma.f32.32x32x8bf16.1k

// PREFILL: gpu.func @f_attn0({{.*}}kind = "paged"{{.*}}known_block_size = array<i32: 256, 1, 1>
// PREFILL: scf.for {{.*}} -> (f32
// PREFILL-COUNT-4: memref.subview
// PREFILL-NEXT: gpu.barrier
// PREFILL-COUNT-4: vector.load {{.*}} vector<8xbf16>
// PREFILL: gpu.barrier
// PREFILL: gpu.func @f_attn0_merge

// ROCDL: gpu.module @attn_kernels
// ROCDL: llvm.func @f_attn0({{.*}}) attributes {{{.*}}rocdl.kernel
// ROCDL: rocdl.mfma.f32.32x32x8bf16.1k
// ROCDL: llvm.func @f_attn0_merge({{.*}}) attributes {{{.*}}rocdl.kernel
// ROCDL-NOT: {{= vector\.|memref\.}}
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
