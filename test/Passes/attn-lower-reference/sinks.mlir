// Sinks in the reference lowering: the head's sink starts the row's max (it
// is one more logit) and its weight starts the row's sum (it has no value);
// rows of no sequence get lse = the head's sink instead of -inf.
// RUN: attn-opt %s --attn-lower-reference | FileCheck %s

// CHECK-LABEL: func.func @varlen(
// CHECK: %[[S:.*]] = bufferization.to_buffer %arg3 read_only : tensor<4xf32> to memref<4xf32>
// CHECK: %[[LSE:.*]] = memref.alloc(%{{.*}}) : memref<4x?xf32>
// Rows outside every sequence: lse[h][t] = sinks[h].
// CHECK: %[[NH:.*]] = memref.dim %[[LSE]], %{{.*}} : memref<4x?xf32>
// CHECK-NEXT: scf.for %[[H0:.*]] = %{{.*}} to %[[NH]] step
// CHECK-NEXT: %[[SH:.*]] = memref.load %[[S]][%[[H0]]] : memref<4xf32>
// CHECK: scf.for %[[T0:.*]] = %{{.*}} to %{{.*}} step
// CHECK-NEXT: memref.store %[[SH]], %[[LSE]][%[[H0]], %[[T0]]] : memref<4x?xf32>
// Pass 1: the row max starts at the sink.
// CHECK: scf.for %[[H:.*]] = %{{.*}} to %c4 step
// CHECK: %[[SINK:.*]] = memref.load %[[S]][%[[H]]] : memref<4xf32>
// CHECK: %[[M:.*]] = scf.for {{.*}} iter_args(%{{.*}} = %[[SINK]]) -> (f32)
// CHECK: arith.maximumf
// Pass 2: the sum starts at exp(sink - m) (0 when m = -inf, 1 when sink = m).
// CHECK: %[[EMPTY:.*]] = arith.cmpf oeq, %[[M]], %{{.*}} : f32
// CHECK: arith.cmpf oeq, %[[SINK]], %[[M]] : f32
// CHECK: %[[D:.*]] = arith.subf %[[SINK]], %[[M]] : f32
// CHECK: math.exp %[[D]]
// CHECK: %[[W0:.*]] = arith.select %[[EMPTY]]
// CHECK: scf.for {{.*}} iter_args(%{{.*}} = %[[W0]]) -> (f32)
// CHECK: math.exp
// CHECK: math.log
func.func @varlen(%q: tensor<?x4x32xf32>, %k: tensor<?x2x32xf32>, %cq: tensor<?xi32>, %s: tensor<4xf32>) -> (tensor<?x4x32xf32>, tensor<4x?xf32>) {
  %o, %l = attn.mha_varlen %q, %k, %k, %cq, %cq sinks(%s) {causal} : (tensor<?x4x32xf32>, tensor<?x2x32xf32>, tensor<?x2x32xf32>, tensor<?xi32>, tensor<?xi32>, tensor<4xf32>) -> (tensor<?x4x32xf32>, tensor<4x?xf32>)
  return %o, %l : tensor<?x4x32xf32>, tensor<4x?xf32>
}
