// attn.mla's split kernel -> rows-in-lanes vector code. The V tile is a
// column slice of the K tile (docs/mla.md), so each KV tile's latent rows are
// read and converted to f32 once, into one packed buffer of all 576 columns:
// the QK^T micro-kernel reads its rows, and the PV micro-kernel reads the
// first 512 columns of the same buffer (no second pack, no 512-column
// buffer, no slice left in the code).
// RUN: attn-opt %s --attn-gqa-map --attn-tile --attn-online-softmax --attn-lower-cpu | FileCheck %s

// CHECK-LABEL: func.func @mla_attn0(
// CHECK-NOT: memref<32x512xf32>
// CHECK: %[[PACK:.*]] = memref.alloca() {alignment = 64 : i64} : memref<32x576xf32>
// CHECK-NOT: memref<32x512xf32>
// The first KV loop: the two 16-row pieces of the tile, each from its block, packed.
// CHECK: scf.for
// CHECK: vector.store %{{.*}}, %[[PACK]][%{{.*}}, %{{.*}}] : memref<32x576xf32>, vector<576xf32>
// CHECK: vector.store %{{.*}}, %[[PACK]][%{{.*}}, %{{.*}}] : memref<32x576xf32>, vector<576xf32>
// QK^T: B(x, r) = K[x][r] over the 576 columns.
// CHECK: scf.for %[[R:[^ ]*]] = %{{.*}} to %c576
// CHECK: memref.load %[[PACK]][%{{.*}}, %[[R]]] : memref<32x576xf32>
// CHECK: math.fma
// No packing between the two matmuls.
// CHECK-NOT: vector.store %{{.*}}, %[[PACK]]
// PV over the 512 output columns: B(x, r) = V[r][x], read from the K tile's buffer.
// CHECK: scf.for %{{.*}} = %{{.*}} to %c512
// CHECK: scf.for %[[N:[^ ]*]] = %{{.*}} to %c32
// CHECK: memref.load %[[PACK]][%[[N]], %{{.*}}] : memref<32x576xf32>
// CHECK: math.fma
// CHECK-NOT: vector.extract_strided_slice
// CHECK-LABEL: func.func @mla_attn0_merge(
func.func @mla(%q: tensor<?x32x576xbf16>, %kv: tensor<?x16x576xbf16>, %bt: tensor<?x?xi32>, %sl: tensor<?xi32>, %qsl: tensor<?xi32>) -> (tensor<?x32x512xbf16>, tensor<32x?xf32>) {
  %o, %l = attn.mla %q, %kv, %bt, %sl, %qsl {kv_lora_rank = 512 : i64, causal} : (tensor<?x32x576xbf16>, tensor<?x16x576xbf16>, tensor<?x?xi32>, tensor<?xi32>, tensor<?xi32>) -> (tensor<?x32x512xbf16>, tensor<32x?xf32>)
  return %o, %l : tensor<?x32x512xbf16>, tensor<32x?xf32>
}
