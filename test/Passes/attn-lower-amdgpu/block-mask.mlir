// Block masks (docs/masks.md) through attn-lower-amdgpu: the KV loops nest in
// a loop over the first kv_num_blocks entries of kv_indices (the count a
// scalar load in an scf.if, each entry a scalar load of the gathered block
// index), MFMA inside, mask_mod's divui on the lanes' 16-element blocks (i32
// index math). gfx942: 128 rows of four 32-row waves, 64-key tiles; gfx950:
// its double-K instructions. Key blocks of 16 (@keys16): gfx942 gives the
// waves 16 rows (8 waves, 16x16x16 MFMA).
// RUN: attn-opt %s --attn-gqa-map --attn-tile=target=gfx942 --attn-online-softmax --attn-gpu-layout --attn-lower-amdgpu | FileCheck %s --check-prefix=GFX942
// RUN: sed '/^func.func @keys16/,$d' %s | attn-opt --attn-gqa-map --attn-tile=target=gfx950 --attn-online-softmax --attn-gpu-layout --attn-lower-amdgpu | FileCheck %s --check-prefix=GFX950

// GFX942-LABEL: gpu.func @f_attn0(
// GFX942-SAME: %[[NUM:arg3]]: memref<?x?x?xi32, strided<[?, ?, ?], offset: ?>, #gpu.address_space<global>>, %[[IDX:arg4]]: memref<?x?x?x?xi32, strided<[?, ?, ?, ?], offset: ?>, #gpu.address_space<global>>
// GFX942-SAME: known_block_size = array<i32: 256, 1, 1>
// GFX942: scf.if %{{.*}} -> (index) {
// GFX942-NEXT: memref.load %[[NUM]][
// GFX942: scf.for %[[J:[a-z0-9_]+]] = {{.*}} iter_args(
// GFX942-NEXT: memref.load %[[IDX]][%{{.*}}, %{{.*}}, %{{.*}}, %[[J]]]
// GFX942: scf.for %{{.*}} step %c64
// GFX942: rocdl.mfma.f32.32x32x8bf16.1k
// GFX942: arith.divui %{{.*}} : vector<16xi32>
// GFX942: rocdl.mfma.f32.32x32x8bf16.1k
// GFX942: scf.yield
// GFX942: scf.yield
// GFX942: memref.load %arg5[
// GFX942-LABEL: gpu.func @keys16_attn1(
// GFX942-SAME: known_block_size = array<i32: 512, 1, 1>
// GFX942: scf.for
// GFX942: memref.load
// GFX942: scf.for %{{.*}} step %c16
// GFX942: rocdl.mfma.f32.16x16x16bf16.1k

// GFX950-LABEL: gpu.func @f_attn0(
// GFX950: scf.for %[[J:[a-z0-9_]+]] = {{.*}} iter_args(
// GFX950-NEXT: memref.load %{{.*}}[%{{.*}}, %{{.*}}, %{{.*}}, %[[J]]]
// GFX950: rocdl.mfma.f32.32x32x16.bf16
// GFX950: arith.divui %{{.*}} : vector<16xi32>
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

func.func @keys16(%q: tensor<?x8x?x64xbf16>, %k: tensor<?x2x?x64xbf16>, %v: tensor<?x2x?x64xbf16>,
                  %n: tensor<?x?x?xi32>, %i: tensor<?x?x?x?xi32>) -> tensor<?x8x?x64xbf16> {
  %o = attn.mha %q, %k, %v block_mask(%n, %i) {causal, q_block_size = 128 : i64, kv_block_size = 16 : i64}
    : (tensor<?x8x?x64xbf16>, tensor<?x2x?x64xbf16>, tensor<?x2x?x64xbf16>,
       tensor<?x?x?xi32>, tensor<?x?x?x?xi32>) -> tensor<?x8x?x64xbf16>
  return %o : tensor<?x8x?x64xbf16>
}
