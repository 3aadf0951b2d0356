// attn.paged_attention's kernels -> rows-in-lanes vector code: K/V tiles
// read through the block table are packed piece by piece (one cache block
// each), the decode kernel's ALiBi slopes are a row vector, the split kernel
// writes its f32 partial and lse, and the merge kernel's loop over splits
// carries its rows in vectors and its tile in a buffer. No tile-shaped
// vectors survive, and the host leaves the workspace's free to bufferization.
// RUN: attn-opt %s --attn-gqa-map --attn-tile=block-m=8,block-n=32 --attn-online-softmax --attn-lower-cpu | FileCheck %s

// Decode (GQA 4, blocks of 16): a K tile of 32 keys is two pieces of 16.
// CHECK-LABEL: func.func @decode_attn0(
// CHECK-DAG: memref.alloca() {alignment = 64 : i64} : memref<32x64xf32>
// The slopes of the rows (query heads): one 1-D read.
// CHECK: vector.transfer_read %{{.*}} : memref<?xf32, strided<[?], offset: ?>>, vector<8xf32>
// Piece 0: a subview of one block of the K cache, rows packed to [0, 16).
// CHECK: %[[P0:.*]] = memref.subview %arg1[{{.*}}] [1, %{{.*}}, 1, 64] [1, 1, 1, 1] : memref<?x?x?x64xbf16, {{.*}}> to memref<?x64xbf16, {{.*}}>
// Piece 1: the next block.
// CHECK: %[[P1:.*]] = memref.subview %arg1[{{.*}}] [1, %{{.*}}, 1, 64] [1, 1, 1, 1] : memref<?x?x?x64xbf16, {{.*}}> to memref<?x64xbf16, {{.*}}>
// CHECK: scf.for %[[I0:.*]] = %{{.*}} to %c16{{.*}} step
// Masked loop: rows past the block's valid keys read the padding.
// CHECK: memref.dim %[[P0]]
// CHECK: arith.cmpi slt
// CHECK: vector.transfer_read %[[P0]][{{.*}}], %{{.*}} {in_bounds = [true]} : memref<?x64xbf16, {{.*}}>, vector<64xbf16>
// CHECK: arith.extf {{.*}} : vector<64xbf16> to vector<64xf32>
// CHECK: vector.store %{{.*}}, %[[PACK:.*]][%[[I0]], %{{.*}}] : memref<32x64xf32>, vector<64xf32>
// CHECK: scf.for %[[I1:.*]] = %{{.*}} to %c16{{.*}} step
// CHECK: vector.transfer_read %[[P1]][{{.*}}], %{{.*}} {in_bounds = [true]} : memref<?x64xbf16, {{.*}}>, vector<64xbf16>
// CHECK: %[[R1:.*]] = arith.addi %[[I1]], %c16{{.*}} : index
// CHECK: vector.store %{{.*}}, %[[PACK]][%[[R1]], %{{.*}}] : memref<32x64xf32>, vector<64xf32>
// The QK^T micro-kernel reads the packed tile.
// CHECK: math.fma %{{.*}} : vector<8xf32>
// The partial result in f32 and the split's lse, by columns and rows.
// CHECK: vector.transfer_write %{{.*}} : vector<8xf32>, memref<?x?x?x64xf32, {{.*}}>
// CHECK: vector.transfer_write %{{.*}} : vector<8xf32>, memref<?x?x?xf32, {{.*}}>
// CHECK-NOT: vector.insert_strided_slice
// CHECK-NOT: vector.contract
// CHECK-NOT: vector<8x32
// CHECK-NOT: vector<32x64
// CHECK: return

// The merge: rows (max, sum) carried in vectors, the accumulator in a buffer
// updated in place; the per-split lse is a padded row read, the partial
// tile one strided read per column.
// CHECK-LABEL: func.func @decode_attn0_merge(
// CHECK: scf.for %{{.*}} -> (vector<8xf32>, vector<8xf32>) {
// CHECK: vector.transfer_read %arg1[{{.*}}], %{{.*}} : memref<?x?x?xf32, {{.*}}>, vector<8xf32>
// CHECK: vector.transfer_read %arg0[{{.*}}], %{{.*}} {permutation_map = {{.*}}} : memref<?x?x?x64xf32, {{.*}}>, vector<8xf32>
// CHECK: arith.maximumf %{{.*}} : vector<8xf32>
// CHECK: math.roundeven
// CHECK: scf.for
// CHECK: arith.mulf %{{.*}} : vector<8xf32>
// CHECK: arith.addf %{{.*}} : vector<8xf32>
// CHECK: vector.store
// CHECK-NOT: vector.store
// CHECK: scf.yield %{{.*}} : vector<8xf32>, vector<8xf32>
// CHECK: arith.truncf %{{.*}} : vector<8xf32> to vector<8xbf16>
// CHECK: vector.transfer_write %{{.*}} : vector<8xbf16>, memref<?x?x64xbf16, {{.*}}>
// CHECK-NOT: vector<8x64
// CHECK: return

// The host allocates the workspace and leaves its free to the pipeline.
// CHECK-LABEL: func.func @decode(
// CHECK: memref.alloc
// CHECK: call @__attn_launch_decode_attn0(
// CHECK: call @__attn_launch_decode_attn0_merge(
// CHECK-NOT: memref.dealloc
// CHECK: return
func.func @decode(%q: tensor<4x8x64xbf16>, %kc: tensor<64x16x2x64xbf16>, %vc: tensor<64x16x2x64xbf16>, %bt: tensor<4x8xi32>, %sl: tensor<4xi32>, %qsl: tensor<5xi32>, %al: tensor<8xf32>) -> tensor<4x8x64xbf16> {
  %o = attn.paged_attention %q, %kc, %vc, %bt, %sl, %qsl alibi(%al) {causal, attn.paged_mode = "decode"} : (tensor<4x8x64xbf16>, tensor<64x16x2x64xbf16>, tensor<64x16x2x64xbf16>, tensor<4x8xi32>, tensor<4xi32>, tensor<5xi32>, tensor<8xf32>) -> tensor<4x8x64xbf16>
  return %o : tensor<4x8x64xbf16>
}

// Prefill, blocks of 544 keys: a whole tile lies in one block, a single
// piece read straight from the subview (no insert_strided_slice).
// CHECK-LABEL: func.func @prefill_attn1(
// CHECK: %[[V:.*]] = memref.subview %arg1[{{.*}}] [1, %{{.*}}, 1, 32] [1, 1, 1, 1] : memref<?x?x?x32xf16, {{.*}}> to memref<?x32xf16, {{.*}}>
// CHECK: scf.for %[[I:.*]] = %{{.*}} to %c32{{.*}} step
// CHECK: vector.transfer_read %[[V]][{{.*}}], %{{.*}} {in_bounds = [true]} : memref<?x32xf16, {{.*}}>, vector<32xf16>
// CHECK: arith.extf {{.*}} : vector<32xf16> to vector<32xf32>
// CHECK: vector.store %{{.*}}, %{{.*}}[%[[I]], %{{.*}}] : memref<32x32xf32>, vector<32xf32>
// CHECK-NOT: vector<8x32
// CHECK: return
// CHECK-LABEL: func.func @prefill_attn1_merge(
// CHECK: vector.transfer_write %{{.*}} : vector<8xf16>, memref<?x?x32xf16, {{.*}}>
// CHECK: vector.transfer_write %{{.*}} : vector<8xf32>, memref<?x?xf32, {{.*}}>
func.func @prefill(%q: tensor<20x4x32xf16>, %kc: tensor<3x544x4x32xf16>, %vc: tensor<3x544x4x32xf16>, %bt: tensor<2x2xi32>, %sl: tensor<2xi32>, %qsl: tensor<3xi32>) -> (tensor<20x4x32xf16>, tensor<4x20xf32>) {
  %o, %l = attn.paged_attention %q, %kc, %vc, %bt, %sl, %qsl {causal, attn.paged_mode = "prefill"} : (tensor<20x4x32xf16>, tensor<3x544x4x32xf16>, tensor<3x544x4x32xf16>, tensor<2x2xi32>, tensor<2xi32>, tensor<3xi32>) -> (tensor<20x4x32xf16>, tensor<4x20xf32>)
  return %o, %l : tensor<20x4x32xf16>, tensor<4x20xf32>
}
