// RUN: attn-opt %s --attn-lower-reference | FileCheck %s
// RUN: attn-opt %s --attn-to-cpu-reference | FileCheck %s --check-prefix=LLVM
// attn.mla: paged_attention's reference loops over one latent cache (no head
// dim): the logits read whole rows (D = 576 columns) of the cache and the
// output reads columns [0, kv_lora_rank) of the same rows, through the same
// clamped block-table indices.

// CHECK-LABEL: func.func @mla
// CHECK: %[[KV:.*]] = bufferization.to_buffer %arg1 read_only : tensor<?x64x576xbf16> to memref<?x64x576xbf16>
// CHECK: memref.alloc() : memref<4x128x512xbf16>
// Logits: q . k over the 576 columns.
// CHECK: scf.for %{{.*}} = %{{.*}} to %c576
// CHECK: memref.load %[[KV]][%{{.*}}, %{{.*}}, %{{.*}}] : memref<?x64x576xbf16>
// Output columns 0 .. 511, read from the same cache.
// CHECK: scf.for %[[C:.*]] = %{{.*}} to %c512
// CHECK: memref.load %[[KV]][%{{.*}}, %{{.*}}, %[[C]]] : memref<?x64x576xbf16>
// CHECK: memref.store %{{.*}} : memref<4x128x512xbf16>
// CHECK-NOT: attn.mla
// LLVM-LABEL: llvm.func @mla
// LLVM-NOT: attn.mla
func.func @mla(%q: tensor<4x128x576xbf16>, %kv: tensor<?x64x576xbf16>, %bt: tensor<4x?xi32>, %sl: tensor<4xi32>, %qsl: tensor<5xi32>) -> tensor<4x128x512xbf16> {
  %o = attn.mla %q, %kv, %bt, %sl, %qsl {kv_lora_rank = 512 : i64, causal} : (tensor<4x128x576xbf16>, tensor<?x64x576xbf16>, tensor<4x?xi32>, tensor<4xi32>, tensor<5xi32>) -> tensor<4x128x512xbf16>
  return %o : tensor<4x128x512xbf16>
}
