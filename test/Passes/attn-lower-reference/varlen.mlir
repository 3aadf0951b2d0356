// RUN: attn-opt %s --attn-lower-reference | FileCheck %s
// Varlen: outputs are pre-filled (0, lse -inf) for tokens outside every
// sequence; per sequence, offsets come from cu_seqlens and index the packed
// tensors; lse is head-major.

// CHECK-LABEL: func.func @varlen
// CHECK-DAG:     %[[CQ:.*]] = bufferization.to_buffer %arg3 read_only : tensor<?xi32> to memref<?xi32>
// CHECK-DAG:     %[[CK:.*]] = bufferization.to_buffer %arg4 read_only
// CHECK:         %[[OUT:.*]] = memref.alloc(%{{.*}}) : memref<?x4x32xf16>
// CHECK:         %[[LSE:.*]] = memref.alloc(%{{.*}}) : memref<4x?xf32>
// CHECK:         memref.store %{{.*}}, %[[OUT]]
// CHECK:         memref.store %cst{{.*}}, %[[LSE]]
// CHECK:         %[[NB:.*]] = arith.subi %{{.*}}, %c1
// CHECK:         scf.for %[[SEQ:.*]] = %{{.*}} to %[[NB]]
// Offsets are clamped into [0, T] so bad data cannot index out of bounds.
// CHECK:           %[[TQ:.*]] = memref.dim %{{.*}}, %c0{{.*}} : memref<?x4x32xf16>
// CHECK:           arith.index_cast %{{.*}} : i32 to index
// CHECK:           arith.maxsi
// CHECK:           %[[QE:.*]] = arith.minsi %{{.*}}, %[[TQ]] : index
// CHECK:           arith.index_cast
// CHECK:           arith.maxsi
// CHECK:           %[[QS:.*]] = arith.minsi %{{.*}}, %[[QE]] : index
// CHECK:           scf.for %[[H:.*]] =
// CHECK:             scf.for %[[I:.*]] =
// CHECK:                   %[[T:.*]] = arith.addi %[[QS]], %[[I]]
// CHECK:                   memref.load %{{.*}}[%[[T]], %[[H]], %{{.*}}] : memref<?x4x32xf16>
// CHECK:               memref.store %{{.*}}, %[[LSE]][%[[H]], %{{.*}}]
func.func @varlen(%q: tensor<?x4x32xf16>, %k: tensor<?x2x32xf16>, %v: tensor<?x2x32xf16>, %cq: tensor<?xi32>, %ck: tensor<?xi32>) -> (tensor<?x4x32xf16>, tensor<4x?xf32>) {
  %o, %l = attn.mha_varlen %q, %k, %v, %cq, %ck {causal} : (tensor<?x4x32xf16>, tensor<?x2x32xf16>, tensor<?x2x32xf16>, tensor<?xi32>, tensor<?xi32>) -> (tensor<?x4x32xf16>, tensor<4x?xf32>)
  return %o, %l : tensor<?x4x32xf16>, tensor<4x?xf32>
}
