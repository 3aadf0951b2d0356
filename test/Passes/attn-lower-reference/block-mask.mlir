// Block masks in the reference lowering (docs/masks.md): per row, a state
// per key block (0 skipped, 1 partial, 2 full) from the two lists (only the
// first num[b][h][qb] entries, entries outside [0, NKB) ignored, full wins),
// then per key: full, or partial and mask_mod copied on scalars at (b, h, i, j).
// RUN: attn-opt %s --attn-lower-reference | FileCheck %s

// CHECK-LABEL: func.func @bm(
// CHECK: %[[NUM:[^ ]*]] = bufferization.to_buffer %arg3
// CHECK: %[[IDX:[^ ]*]] = bufferization.to_buffer %arg4
// CHECK: %[[FNUM:[^ ]*]] = bufferization.to_buffer %arg5
// CHECK: %[[FIDX:[^ ]*]] = bufferization.to_buffer %arg6
// CHECK: %[[STATE:[^ ]*]] = memref.alloc(%{{.*}}) : memref<?xindex>
// CHECK: scf.for %[[B:[^ ]*]] =
// CHECK: scf.for %[[H:[^ ]*]] =
// CHECK: scf.for %[[I:[^ ]*]] =
// Every block skipped, then the lists' blocks marked 1 (partial) and 2 (full).
// CHECK: memref.store %{{.*}}, %[[STATE]]
// CHECK: %[[QB:[^ ]*]] = arith.divsi %[[I]], %c32{{(_[0-9]+)?}} :
// CHECK: scf.if
// CHECK-NEXT: memref.load %[[NUM]]
// CHECK: memref.load %[[IDX]]
// CHECK: memref.store {{.*}}, %[[STATE]]
// CHECK: scf.if
// CHECK-NEXT: memref.load %[[FNUM]]
// CHECK: memref.load %[[FIDX]]
// CHECK: memref.store {{.*}}, %[[STATE]]
// Pass 1: key j's block state, and the region at (b, h, i, j).
// CHECK: scf.for %[[J:[^ ]*]] =
// CHECK: arith.divsi %[[J]], %c16{{(_[0-9]+)?}} :
// CHECK: memref.load %[[STATE]]
// CHECK: %[[FULL:[^ ]*]] = arith.cmpi eq, %{{.*}}, %c2{{(_[0-9]+)?}} :
// CHECK: %[[PART:[^ ]*]] = arith.cmpi eq, %{{.*}}, %c1{{(_[0-9]+)?}} :
// CHECK: %[[REG:[^ ]*]] = arith.cmpi sge, %[[I]], %[[J]] : index
// CHECK: %[[PR:[^ ]*]] = arith.andi %[[PART]], %[[REG]] : i1
// CHECK: %[[VIS:[^ ]*]] = arith.ori %[[FULL]], %[[PR]] : i1
// CHECK: arith.select %[[VIS]]
func.func @bm(%q: tensor<1x2x64x16xf32>, %k: tensor<1x2x48x16xf32>, %v: tensor<1x2x48x16xf32>,
              %n: tensor<1x2x2xi32>, %i: tensor<1x2x2x3xi32>, %fn: tensor<1x2x2xi32>, %fi: tensor<1x2x2x3xi32>) -> tensor<1x2x64x16xf32> {
  %o = attn.mha %q, %k, %v block_mask(%n, %i) full_blocks(%fn, %fi) mask_mod {
  ^bb0(%b: index, %h: index, %qi: index, %kj: index):
    %c = arith.cmpi sge, %qi, %kj : index
    attn.yield %c : i1
  } {q_block_size = 32 : i64, kv_block_size = 16 : i64}
    : (tensor<1x2x64x16xf32>, tensor<1x2x48x16xf32>, tensor<1x2x48x16xf32>, tensor<1x2x2xi32>, tensor<1x2x2x3xi32>, tensor<1x2x2xi32>, tensor<1x2x2x3xi32>) -> tensor<1x2x64x16xf32>
  return %o : tensor<1x2x64x16xf32>
}
