// attn-tile on attn.mla: paged_attention's decode kernel with one KV head,
// grid (Tq, ceil(H / BLOCK_M), S), run-time splits (kv_splits = 0); the CPU
// table's D = 576 entry halves BLOCK_N (a 32 x 576 packed f32 K tile whose
// first 512 columns are the V tile); BLOCK_N bounded by the pieces of a block.
// RUN: attn-opt %s --attn-gqa-map --attn-tile | FileCheck %s
// RUN: attn-opt %s --pass-pipeline='builtin.module(attn-gqa-map,attn-tile{target=sm_90a})' | FileCheck %s --check-prefix=SM90
// RUN: attn-opt %s --pass-pipeline='builtin.module(attn-tile{kv-splits=4})' | FileCheck %s --check-prefix=FIXED

// CHECK-DAG: #[[H128:.*]] = affine_map<(d0, d1, d2) -> (d0, 8, d2)>
// CHECK-DAG: #[[H40:.*]] = affine_map<(d0, d1, d2) -> (d0, 3, d2)>
// CHECK-DAG: #[[MQA:.*]] = affine_map<(d0) -> (0)>
// CHECK-LABEL: func.func @deepseek
// CHECK: attn.grid = #[[H128]], attn.kv_head_map = #[[MQA]], attn.tile = {block_m = 16 : i64, block_n = 32 : i64, kv_splits = 0 : i64, num_stages = 1 : i64, num_warps = 1 : i64, paged = "decode", source = "cpu-MHA-DEFAULT.json:{{[0-9]+}}", target = "cpu"}
// SM90-LABEL: func.func @deepseek
// SM90: attn.tile = {block_m = 16 : i64, block_n = 32 : i64, kv_splits = 0 : i64, {{.*}}paged = "decode", {{.*}}target = "sm_90a"}
// FIXED-LABEL: func.func @deepseek
// FIXED: kv_splits = 4 : i64
func.func @deepseek(%q: tensor<4x128x576xbf16>, %kv: tensor<?x64x576xbf16>, %bt: tensor<4x?xi32>, %sl: tensor<4xi32>, %qsl: tensor<5xi32>) -> tensor<4x128x512xbf16> {
  %o = attn.mla %q, %kv, %bt, %sl, %qsl {kv_lora_rank = 512 : i64, causal} : (tensor<4x128x576xbf16>, tensor<?x64x576xbf16>, tensor<4x?xi32>, tensor<4xi32>, tensor<5xi32>) -> tensor<4x128x512xbf16>
  return %o : tensor<4x128x512xbf16>
}

// 40 heads: three 16-row head tiles per token, the last one partial; Tq > B
// does not pick a prefill kernel (attn.mla has none); blocks of 5 tokens:
// pieces of one row, so BLOCK_N falls to 16; 256 + 32 takes the paged
// decode entry (BLOCK_N 64 before the pieces bound it).
// CHECK-LABEL: func.func @rank256_bs5
// CHECK: attn.grid = #[[H40]]{{.*}}attn.tile = {block_m = 16 : i64, block_n = 16 : i64, kv_splits = 0 : i64, {{.*}}paged = "decode"
func.func @rank256_bs5(%q: tensor<300x40x288xf16>, %kv: tensor<?x5x288xf16>, %bt: tensor<4x?xi32>, %sl: tensor<4xi32>, %qsl: tensor<5xi32>) -> tensor<300x40x256xf16> {
  %o = attn.mla %q, %kv, %bt, %sl, %qsl {kv_lora_rank = 256 : i64} : (tensor<300x40x288xf16>, tensor<?x5x288xf16>, tensor<4x?xi32>, tensor<4xi32>, tensor<5xi32>) -> tensor<300x40x256xf16>
  return %o : tensor<300x40x256xf16>
}

// An explicit decode hint is accepted.
// CHECK-LABEL: func.func @decode_hint
// CHECK: attn.mla {{.*}}paged = "decode"
func.func @decode_hint(%q: tensor<4x16x288xbf16>, %kv: tensor<?x16x288xbf16>, %bt: tensor<4x?xi32>, %sl: tensor<4xi32>, %qsl: tensor<5xi32>) -> tensor<4x16x256xbf16> {
  %o = attn.mla %q, %kv, %bt, %sl, %qsl {kv_lora_rank = 256 : i64, attn.paged_mode = "decode"} : (tensor<4x16x288xbf16>, tensor<?x16x288xbf16>, tensor<4x?xi32>, tensor<4xi32>, tensor<5xi32>) -> tensor<4x16x256xbf16>
  return %o : tensor<4x16x256xbf16>
}
