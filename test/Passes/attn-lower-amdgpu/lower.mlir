// attn-lower-amdgpu: one kernel IR program -> one gpu.func workgroup of
// 4 wave64 waves (BLOCK_M = 128, 32 rows per wave), MFMA per chip and dtype,
// K/V staged in LDS, row reductions across lane groups, gpu.launch_func.
// RUN: attn-opt %s --attn-gqa-map --attn-tile=target=gfx942 --attn-online-softmax --attn-gpu-layout --attn-lower-amdgpu | FileCheck %s --check-prefix=GFX942
// RUN: attn-opt %s --attn-gqa-map --attn-tile=target=gfx950 --attn-online-softmax --attn-gpu-layout --attn-lower-amdgpu | FileCheck %s --check-prefix=GFX950
// RUN: sed s/f16/bf16/g %s | attn-opt --attn-gqa-map --attn-tile=target=gfx942 --attn-online-softmax --attn-gpu-layout --attn-lower-amdgpu | FileCheck %s --check-prefix=BF16

// GFX942: module attributes {gpu.container_module}
// GFX942: func.func private @__attn_launch_f_attn0(%[[Q:[a-z0-9]+]]: memref<?x?x?x128xf16, strided<[?, ?, ?, 1], offset: ?>>,
// GFX942:   %[[C256:[a-z0-9]+]] = arith.constant 256 : index
// GFX942:   memref.memory_space_cast %[[Q]] {{.*}} to memref<?x?x?x128xf16, strided<[?, ?, ?, 1], offset: ?>, #gpu.address_space<global>>
// GFX942:   gpu.launch_func  @attn_kernels::@f_attn0 blocks in (%{{.*}}, %{{.*}}, %{{.*}}) threads in (%[[C256]], %{{.*}}, %{{.*}})
// GFX942: gpu.module @attn_kernels
// The LDS buffer holds the larger of K (64 x (128+4)) and V^T (128 x (64+4)).
// GFX942: gpu.func @f_attn0(%{{.*}}: memref<?x?x?x128xf16, strided<[?, ?, ?, 1], offset: ?>, #gpu.address_space<global>>, {{.*}} workgroup(%[[LDS:[a-z0-9]+]] : memref<8704xf16, #gpu.address_space<workgroup>>) kernel attributes {{{.*}}known_block_size = array<i32: 256, 1, 1>
// GFX942: gpu.block_id  x
// GFX942: gpu.thread_id  x
// Q is read once, in 128-bit chunks, before the KV loops.
// GFX942-COUNT-8: vector.load {{.*}} vector<8xf16>
// Three KV loops (masked, unmasked, masked), each one KV tile per iteration:
// 32 MFMAs for S^T = K Q^T and 32 for O^T = V^T P^T.
// GFX942: scf.for
// GFX942: gpu.barrier
// GFX942: vector.store {{.*}}, %[[LDS]]
// GFX942: gpu.barrier
// GFX942-COUNT-32: rocdl.mfma.f32.32x32x8f16
// GFX942: vector.reduction <maximumf>
// GFX942: gpu.shuffle  xor
// GFX942: rocdl.exp2
// GFX942: gpu.shuffle  xor
// GFX942: gpu.barrier
// GFX942: memref.store {{.*}}, %[[LDS]]
// GFX942: gpu.barrier
// GFX942-COUNT-32: rocdl.mfma.f32.32x32x8f16
// GFX942: scf.yield
// GFX942: scf.for
// GFX942-COUNT-64: rocdl.mfma.f32.32x32x8f16
// GFX942: scf.yield
// GFX942: scf.for
// GFX942-COUNT-64: rocdl.mfma.f32.32x32x8f16
// GFX942: scf.yield
// GFX942-NOT: rocdl.mfma
// Epilogue: rows past Sq are not written; 4 head-dim elements per store.
// GFX942: scf.if
// GFX942-COUNT-16: vector.store {{.*}} : memref<?x?x?x128xf16, strided<[?, ?, ?, 1], offset: ?>, #gpu.address_space<global>>, vector<4xf16>
// GFX942: gpu.return

// gfx950: the double-K instruction, half as many per tile.
// GFX950: gpu.func @f_attn0
// GFX950-NOT: rocdl.mfma.f32.32x32x8f16
// GFX950: scf.for
// GFX950-COUNT-16: rocdl.mfma.f32.32x32x16.f16
// Cross-row reductions with v_permlane32_swap instead of ds_bpermute.
// GFX950-NOT: gpu.shuffle
// GFX950: rocdl.permlane32.swap {{.*}}, false, false : (i32, i32) -> <(i32, i32)>
// GFX950-COUNT-16: rocdl.mfma.f32.32x32x16.f16
// GFX950: scf.yield
// GFX950: scf.for
// GFX950-COUNT-32: rocdl.mfma.f32.32x32x16.f16
// GFX950: scf.yield

// bf16 on gfx942: the _1k instruction, operands as i16 vectors.
// BF16: gpu.func @f_attn0
// BF16: arith.bitcast {{.*}} : vector<4xbf16> to vector<4xi16>
// BF16: rocdl.mfma.f32.32x32x8bf16.1k {{.*}} : (vector<4xi16>, vector<4xi16>, vector<16xf32>, i32, i32, i32) -> vector<16xf32>

func.func @f(%q: tensor<?x8x?x128xf16>, %k: tensor<?x2x?x128xf16>, %v: tensor<?x2x?x128xf16>)
    -> (tensor<?x8x?x128xf16>, tensor<?x8x?xf32>) {
  %o, %lse = attn.mha %q, %k, %v {causal}
      : (tensor<?x8x?x128xf16>, tensor<?x2x?x128xf16>, tensor<?x2x?x128xf16>)
      -> (tensor<?x8x?x128xf16>, tensor<?x8x?xf32>)
  return %o, %lse : tensor<?x8x?x128xf16>, tensor<?x8x?xf32>
}
