// attn-online-softmax on attn.mla: paged_attention's split (decode) and merge
// kernels over one latent cache. The split kernel takes the cache once
// (kind "mla_decode": q, kv_cache, block_tables, seq_lens, query_start_loc,
// split_out, split_lse; no v_cache), reads each K tile through the block
// table in pieces (rank-reducing subviews of one block, no head dim), and
// its PV matmul's right operand is a column slice of that same K tile value
// (vector.extract_strided_slice of columns [0, kv_lora_rank)), not a second
// read: one load of the latent rows feeds both matmuls (docs/mla.md).
// RUN: attn-opt %s --attn-gqa-map --attn-tile --attn-online-softmax | FileCheck %s

// CHECK-LABEL: func.func @mla_attn0(
// CHECK-SAME: %[[Q:[^:]*]]: memref<?x?x576xbf16, strided<[?, ?, 1], offset: ?>>,
// CHECK-SAME: %[[KV:[^:]*]]: memref<?x?x576xbf16, strided<[?, ?, 1], offset: ?>>,
// CHECK-SAME: %{{[^:]*}}: memref<?x?xi32, strided<[?, ?], offset: ?>>, %{{[^:]*}}: memref<?xi32, strided<[?], offset: ?>>, %{{[^:]*}}: memref<?xi32, strided<[?], offset: ?>>,
// CHECK-SAME: %{{[^:]*}}: memref<?x?x?x512xf32, strided<[?, ?, ?, 1], offset: ?>>, %{{[^:]*}}: memref<?x?x?xf32, strided<[?, ?, ?], offset: ?>>, %{{[^:]*}}: index, %{{[^:]*}}: index, %{{[^:]*}}: index)
// CHECK-SAME: attn.kernel = {block_m = 16 : i64, block_n = 32 : i64, grid = #{{.*}}, grid_dims = ["q.0", "query_start_loc.0-1", "split_lse.0"], kind = "mla_decode", {{.*}}paged = "decode"
// Q: one token, 16 query heads, all 576 columns.
// CHECK: vector.transfer_read %{{.*}} : memref<?x?x576xbf16, {{.*}}>, vector<16x576xbf16>
// The first (masked) KV loop; each K tile is two pieces of one 16-token block.
// CHECK: scf.for
// CHECK: %[[B0:.*]] = memref.subview %[[KV]][%{{.*}}, 0, 0] [1, %{{.*}}, 576] [1, 1, 1] : memref<?x?x576xbf16, {{.*}}> to memref<?x576xbf16, strided<[?, 1], offset: ?>>
// CHECK: %[[R0:.*]] = vector.transfer_read %[[B0]]{{.*}} : memref<?x576xbf16, {{.*}}>, vector<16x576xbf16>
// CHECK: %[[T0:.*]] = vector.insert_strided_slice %[[R0]], %{{.*}} {offsets = [0, 0], strides = [1, 1]} : vector<16x576xbf16> into vector<32x576xbf16>
// CHECK: %[[B1:.*]] = memref.subview %[[KV]]
// CHECK: %[[R1:.*]] = vector.transfer_read %[[B1]]
// CHECK: %[[K:.*]] = vector.insert_strided_slice %[[R1]], %[[T0]] {offsets = [16, 0], strides = [1, 1]} : vector<16x576xbf16> into vector<32x576xbf16>
// QK^T over all 576 columns of the tile.
// CHECK: vector.contract {{.*}} %{{.*}}, %[[K]], %{{.*}} : vector<16x576xbf16>, vector<32x576xbf16> into vector<16x32xf32>
// No other read of the cache before the PV matmul: V is the first 512 columns of the same value.
// CHECK-NOT: memref.subview %[[KV]]
// CHECK: %[[V:.*]] = vector.extract_strided_slice %[[K]] {offsets = [0, 0], sizes = [32, 512], strides = [1, 1]} : vector<32x576xbf16> to vector<32x512xbf16>
// CHECK-NOT: memref.subview %[[KV]]
// CHECK: vector.contract {{.*}} %{{.*}}, %[[V]], %{{.*}} : vector<16x32xbf16>, vector<32x512xbf16> into vector<16x512xf32>
// The merge kernel is paged_attention's.
// CHECK-LABEL: func.func @mla_attn0_merge(
// CHECK-SAME: kind = "paged_merge"
// Host: the workspace with Dv = 512, the split launch (5 operands, no v_cache), the merge.
// CHECK-LABEL: func.func @mla(
// CHECK: memref.alloc({{.*}}) : memref<?x?x32x512xf32>
// CHECK: memref.alloc({{.*}}) : memref<?x32x?xf32>
// CHECK: call @__attn_launch_mla_attn0(%{{[^,]*}}, %{{[^,]*}}, %{{[^,]*}}, %{{[^,]*}}, %{{[^,]*}}, %{{[^,]*}}, %{{[^,]*}}, %{{[^,]*}}, %{{[^,]*}}, %{{[^,]*}}) :
// CHECK: memref.alloc({{.*}}) : memref<?x32x512xbf16>
// CHECK: call @__attn_launch_mla_attn0_merge(
func.func @mla(%q: tensor<?x32x576xbf16>, %kv: tensor<?x16x576xbf16>, %bt: tensor<?x?xi32>, %sl: tensor<?xi32>, %qsl: tensor<?xi32>) -> (tensor<?x32x512xbf16>, tensor<32x?xf32>) {
  %o, %l = attn.mla %q, %kv, %bt, %sl, %qsl {kv_lora_rank = 512 : i64, causal} : (tensor<?x32x576xbf16>, tensor<?x16x576xbf16>, tensor<?x?xi32>, tensor<?xi32>, tensor<?xi32>) -> (tensor<?x32x512xbf16>, tensor<32x?xf32>)
  return %o, %l : tensor<?x32x512xbf16>, tensor<32x?xf32>
}

// kv_lora_rank = D: V is the K tile itself (no slice), read once (blocks of
// 64 tokens: a 64-key tile is one piece).
// CHECK-LABEL: func.func @whole_row_attn{{[0-9]+}}(
// CHECK: scf.for
// CHECK: %[[KW:.*]] = vector.transfer_read %{{.*}} : memref<?x64xf16, {{.*}}>, vector<64x64xf16>
// CHECK: vector.contract {{.*}} %{{.*}}, %[[KW]], %{{.*}} : vector<16x64xf16>, vector<64x64xf16> into vector<16x64xf32>
// CHECK-NOT: vector.transfer_read
// CHECK: vector.contract {{.*}} %{{.*}}, %[[KW]], %{{.*}} : vector<16x64xf16>, vector<64x64xf16> into vector<16x64xf32>
func.func @whole_row(%q: tensor<?x16x64xf16>, %kv: tensor<?x64x64xf16>, %bt: tensor<?x?xi32>, %sl: tensor<?xi32>, %qsl: tensor<?xi32>) -> tensor<?x16x64xf16> {
  %o = attn.mla %q, %kv, %bt, %sl, %qsl {kv_lora_rank = 64 : i64} : (tensor<?x16x64xf16>, tensor<?x64x64xf16>, tensor<?x?xi32>, tensor<?xi32>, tensor<?xi32>) -> tensor<?x16x64xf16>
  return %o : tensor<?x16x64xf16>
}
