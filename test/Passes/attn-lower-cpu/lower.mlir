// Kernel IR -> rows-in-lanes vector code: no tile-shaped vectors, matmuls or
// row reductions survive; exp2 is a polynomial.
// RUN: attn-opt %s --attn-gqa-map --attn-tile=block-m=8,block-n=32 --attn-online-softmax --attn-lower-cpu | FileCheck %s

// CHECK-LABEL: func.func @f_attn0(
// Per-program stack buffers, one row per tile column, 64-byte aligned.
// CHECK-DAG: memref.alloca() {alignment = 64 : i64} : memref<64x8xbf16>
// CHECK-DAG: memref.alloca() {alignment = 64 : i64} : memref<32x8xf32>
// CHECK-DAG: memref.alloca() {alignment = 64 : i64} : memref<32x64xf32>
// Q read column by column along the sequence dim.
// CHECK: scf.for
// CHECK: vector.transfer_read %{{.*}} {permutation_map = #{{.*}}} : memref<?x?x?x64xbf16, {{.*}}>, vector<8xbf16>
// K tile packed into f32 rows (bounds-checked rows in masked ranges).
// CHECK: scf.for
// CHECK: arith.cmpi slt
// CHECK: vector.transfer_read {{.*}} {in_bounds = [true]} : memref<?x?x?x64xbf16, {{.*}}>, vector<64xbf16>
// CHECK: arith.extf {{.*}} : vector<64xbf16> to vector<64xf32>
// Register-blocked QK^T: 16 accumulators, broadcast scalar times a Q column.
// CHECK: scf.for {{.*}} -> (vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>)
// CHECK: memref.load %{{.*}} : memref<32x64xf32>
// CHECK: vector.broadcast %{{.*}} : f32 to vector<8xf32>
// CHECK: math.fma %{{.*}} : vector<8xf32>
// Row max: an element-wise max over the columns, carried in one vector.
// CHECK: scf.for {{.*}} iter_args({{.*}}) -> (vector<8xf32>)
// CHECK: arith.maximumf %{{.*}} : vector<8xf32>
// exp2 polynomial: clamp, round, Horner, 2^n in the exponent bits.
// CHECK: math.roundeven %{{.*}} : vector<8xf32>
// CHECK: math.fma
// CHECK: arith.fptosi %{{.*}} : vector<8xf32> to vector<8xi32>
// CHECK: arith.shli
// CHECK: arith.bitcast %{{.*}} : vector<8xi32> to vector<8xf32>
// CHECK-NOT: vector.contract
// CHECK-NOT: vector.multi_reduction
// CHECK-NOT: math.exp2
// CHECK-NOT: vector<8x32
// CHECK-NOT: vector<8x64
// CHECK: return
// CHECK: func.func private @__attn_launch_f_attn0(
func.func @f(%q: tensor<1x2x20x64xbf16>, %k: tensor<1x1x40x64xbf16>, %v: tensor<1x1x40x64xbf16>) -> tensor<1x2x20x64xbf16> {
  %o = attn.mha %q, %k, %v {causal} : (tensor<1x2x20x64xbf16>, tensor<1x1x40x64xbf16>, tensor<1x1x40x64xbf16>) -> tensor<1x2x20x64xbf16>
  return %o : tensor<1x2x20x64xbf16>
}
