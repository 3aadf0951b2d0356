// Dropout with its seed and offset read at run time (rng_state(%r), tensor<2xi64>
// = [seed, offset]): the kernel takes a memref<2xi64> after the op's other operands and
// before out, loads both words once at the top of the program (before the KV loops),
// the Philox keys are scalars broadcast into the tiles, and attn.kernel says rng_state.
// With the attributes, no such argument and splat-constant keys.
// RUN: attn-opt %s --attn-gqa-map --attn-tile --attn-online-softmax | FileCheck %s

// CHECK-LABEL: func.func @f_attn0(
// CHECK-SAME: %arg2: memref<?x?x?x32xf32, strided<[?, ?, ?, 1], offset: ?>>, %arg3: memref<2xi64, strided<[?], offset: ?>>, %arg4: memref<?x?x?x32xf32, strided<[?, ?, ?, 1], offset: ?>>, %arg5: memref<?x?x?xf32
// CHECK-SAME: kind = "mha"
// CHECK-SAME: rng_state
// CHECK-NEXT: %[[C0:.*]] = arith.constant 0 : index
// CHECK-NEXT: %[[C1:.*]] = arith.constant 1 : index
// CHECK-NEXT: %[[SEED:.*]] = memref.load %arg3[%[[C0]]] : memref<2xi64, strided<[?], offset: ?>>
// CHECK-NEXT: %[[OFF:.*]] = memref.load %arg3[%[[C1]]] : memref<2xi64, strided<[?], offset: ?>>
// CHECK-NOT: memref.load %arg3
// The uniform words of each KV iteration's Philox counter and keys (the (batch, head)
// word, the offset, the two key words) are computed in the loop and marked
// attn.per_iteration, which the GPU lowerings keep in the loop (docs/kernel-ir.md).
// CHECK: scf.for
// CHECK: arith.index_cast %{{.*}} {attn.per_iteration} : index to i32
// CHECK: arith.trunci %[[OFF]] {attn.per_iteration} : i64 to i32
// CHECK: arith.trunci %[[SEED]] {attn.per_iteration} : i64 to i32
// CHECK-DAG: %[[SH:.*]] = arith.shrui %[[SEED]], %{{.*}} : i64
// CHECK-DAG: %[[OH:.*]] = arith.shrui %[[OFF]], %{{.*}} : i64
// CHECK: %[[HI:.*]] = arith.xori %[[SH]], %[[OH]] : i64
// CHECK-NEXT: arith.trunci %[[HI]] {attn.per_iteration} : i64 to i32
// The Philox words are i32 tiles (one register per element on the GPUs); each
// round's high product half is extui/muli/shrui/trunci (mul.hi.u32 / v_mul_hi_u32).
// CHECK: vector.broadcast {{.*}} : i32 to vector<16x128xi32>
// CHECK: arith.extui {{.*}} : vector<16x128xi32> to vector<16x128xi64>
// CHECK-NEXT: arith.constant dense<3449720151> : vector<16x128xi64>
// CHECK-NEXT: arith.muli
// CHECK-NEXT: arith.constant dense<32> : vector<16x128xi64>
// CHECK-NEXT: arith.shrui
// CHECK-NEXT: arith.trunci {{.*}} : vector<16x128xi64> to vector<16x128xi32>
// CHECK: arith.cmpi uge, {{.*}} : vector<16x128xi32>
// CHECK-LABEL: func.func private @__attn_launch_f_attn0(
// CHECK-SAME: memref<2xi64, strided<[?], offset: ?>>
// CHECK-LABEL: func.func @f(
// CHECK: bufferization.to_buffer %arg3
// CHECK: call @__attn_launch_f_attn0(
func.func @f(%q: tensor<2x4x37x32xf32>, %k: tensor<2x2x45x32xf32>, %v: tensor<2x2x45x32xf32>, %r: tensor<2xi64>) -> (tensor<2x4x37x32xf32>, tensor<2x4x37xf32>) {
  %o, %l = attn.mha %q, %k, %v rng_state(%r) {causal, dropout_p = 0.3 : f32} : (tensor<2x4x37x32xf32>, tensor<2x2x45x32xf32>, tensor<2x2x45x32xf32>, tensor<2xi64>) -> (tensor<2x4x37x32xf32>, tensor<2x4x37xf32>)
  return %o, %l : tensor<2x4x37x32xf32>, tensor<2x4x37xf32>
}

// CHECK-LABEL: func.func @h_attn{{[0-9]+}}(
// CHECK-NOT: i64, strided
// CHECK-SAME: %arg2: memref<?x?x?x32xf32, strided<[?, ?, ?, 1], offset: ?>>, %arg3: memref<?x?x?x32xf32
// CHECK-NOT: rng_state
// CHECK-NOT: memref.load {{.*}}memref<2xi64
// CHECK: func.func private @__attn_launch_h_attn{{[0-9]+}}(
func.func @h(%q: tensor<2x4x37x32xf32>, %k: tensor<2x2x45x32xf32>, %v: tensor<2x2x45x32xf32>) -> tensor<2x4x37x32xf32> {
  %o = attn.mha %q, %k, %v {causal, dropout_p = 0.3 : f32, seed = 5 : i64, offset = 9 : i64} : (tensor<2x4x37x32xf32>, tensor<2x2x45x32xf32>, tensor<2x2x45x32xf32>) -> tensor<2x4x37x32xf32>
  return %o : tensor<2x4x37x32xf32>
}
