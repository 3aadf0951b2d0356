// Block masks in the kernel IR (docs/masks.md): the kernel takes the block
// tensors after the sinks; the program's query block is m0 / q_block_size;
// its KV loop runs over the listed blocks only: a loop over the first
// kv_num_blocks[b][h][qb] entries of kv_indices (the count loaded inside an
// scf.if, never from an empty tensor), each entry a gathered block index
// whose keys [blk * KV_BLOCK, +KV_BLOCK) clamped into [0, Sk) are visited in
// BLOCK_N tiles with mask_mod's ops evaluated on whole tiles (vector<BM x
// BN>), then the same over full_kv_indices with the masked / unmasked
// split of an op without a block mask (no mask_mod).
// RUN: attn-opt %s --attn-gqa-map --attn-tile=block-m=16,block-n=64 --attn-online-softmax | FileCheck %s

// CHECK-LABEL: func.func @bm_attn0(
// CHECK-SAME: %[[NUM:[^:]*]]: memref<?x?x?xi32, strided<[?, ?, ?], offset: ?>>, %[[IDX:[^:]*]]: memref<?x?x?x?xi32, strided<[?, ?, ?, ?], offset: ?>>,
// CHECK-SAME: %[[FNUM:[^:]*]]: memref<?x?x?xi32, strided<[?, ?, ?], offset: ?>>, %[[FIDX:[^:]*]]: memref<?x?x?x?xi32, strided<[?, ?, ?, ?], offset: ?>>,
// CHECK-SAME: attn.kernel = {{{.*}}block_mask
// CHECK: %[[QB:.*]] = arith.divui %{{.*}}, %c128 : index
// CHECK: %[[QBC:.*]] = arith.minsi %[[QB]],
// CHECK: %[[N:.*]] = scf.if
// CHECK-NEXT: memref.load %[[NUM]][%{{.*}}, %{{.*}}, %[[QBC]]]
// CHECK: %[[NC:.*]] = arith.minsi %{{.*}}, %{{.*}} : index
// CHECK: scf.for %[[T:.*]] = %{{.*}} to %[[NC]] step %{{.*}} iter_args
// CHECK-NEXT: %[[BLK:.*]] = memref.load %[[IDX]][%{{.*}}, %{{.*}}, %[[QBC]], %[[T]]]
// CHECK-NEXT: %[[B:.*]] = arith.index_cast %[[BLK]]
// CHECK: arith.muli %[[B]], %c64
// Partial blocks: one masked loop, with mask_mod's cmpi on tiles.
// CHECK: scf.for %{{.*}} step %c64{{.*}} -> (vector<16xf32>, vector<16xf32>, vector<16x64xf32>) {
// CHECK: arith.cmpi slt, {{.*}} : vector<16x64xindex>
// CHECK: %[[REG:.*]] = arith.cmpi sge, %{{.*}}, %{{.*}} : vector<16x64xindex>
// CHECK-NEXT: arith.andi %{{.*}}, %[[REG]] : vector<16x64xi1>
// CHECK: scf.yield
// CHECK: scf.yield
// Full blocks: masked / unmasked / masked, without mask_mod.
// CHECK: scf.if
// CHECK-NEXT: memref.load %[[FNUM]]
// CHECK: scf.for
// CHECK-NEXT: memref.load %[[FIDX]]
// CHECK: scf.for
// CHECK-NOT: arith.cmpi sge, {{.*}} : vector<16x64xindex>
// CHECK: scf.for
// CHECK: scf.for
// CHECK-LABEL: func.func private @__attn_launch_bm_attn0(
func.func @bm(%q: tensor<1x4x256x64xf16>, %k: tensor<1x4x200x64xf16>, %v: tensor<1x4x200x64xf16>,
              %n: tensor<1x1x2xi32>, %i: tensor<1x1x2x4xi32>, %fn: tensor<1x1x2xi32>, %fi: tensor<1x1x2x4xi32>) -> tensor<1x4x256x64xf16> {
  %o = attn.mha %q, %k, %v block_mask(%n, %i) full_blocks(%fn, %fi) mask_mod {
  ^bb0(%b: index, %h: index, %qi: index, %kj: index):
    %c = arith.cmpi sge, %qi, %kj : index
    attn.yield %c : i1
  } {q_block_size = 128 : i64, kv_block_size = 64 : i64}
    : (tensor<1x4x256x64xf16>, tensor<1x4x200x64xf16>, tensor<1x4x200x64xf16>, tensor<1x1x2xi32>, tensor<1x1x2x4xi32>, tensor<1x1x2xi32>, tensor<1x1x2x4xi32>) -> tensor<1x4x256x64xf16>
  return %o : tensor<1x4x256x64xf16>
}

