// attn-tile on attn.paged_attention: the decode or prefill kernel (the op's
// attn.paged_mode, else prefill when static Tq > B), the (Tq, B, S) grid,
// run-time splits (kv_splits = 0), BLOCK_N bounded by the pieces of a block.
// RUN: attn-opt %s --pass-pipeline='builtin.module(attn-gqa-map,attn-tile{target=sm_90a})' | FileCheck %s
// RUN: attn-opt %s --pass-pipeline='builtin.module(attn-tile{target=sm_90a kv-splits=4})' | FileCheck %s --check-prefix=FIXED

// CHECK-DAG: #[[DEC:.*]] = affine_map<(d0, d1, d2) -> (d0, 8, d2)>
// CHECK-DAG: #[[PRE:.*]] = affine_map<(d0, d1, d2) -> (d0 ceildiv 128 + d1, 32, d2)>
// CHECK-DAG: #[[MQA:.*]] = affine_map<(d0, d1, d2) -> (d0, 2, d2)>
// CHECK-LABEL: func.func @decode
// CHECK: attn.grid = #[[DEC]]{{.*}}attn.tile = {block_m = 16 : i64, block_n = 32 : i64, kv_splits = 0 : i64, num_stages = 2 : i64, num_warps = 1 : i64, paged = "decode"
// FIXED-LABEL: func.func @decode
// FIXED: kv_splits = 4 : i64
func.func @decode(%q: tensor<4x32x128xbf16>, %kc: tensor<?x16x8x128xbf16>, %vc: tensor<?x16x8x128xbf16>, %bt: tensor<4x?xi32>, %sl: tensor<4xi32>, %qsl: tensor<5xi32>) -> tensor<4x32x128xbf16> {
  %o = attn.paged_attention %q, %kc, %vc, %bt, %sl, %qsl {causal} : (tensor<4x32x128xbf16>, tensor<?x16x8x128xbf16>, tensor<?x16x8x128xbf16>, tensor<4x?xi32>, tensor<4xi32>, tensor<5xi32>) -> tensor<4x32x128xbf16>
  return %o : tensor<4x32x128xbf16>
}

// Static Tq > B: the prefill kernel; blocks of 5 tokens: pieces of one row,
// so BLOCK_N falls to 16.
// CHECK-LABEL: func.func @prefill
// CHECK: attn.grid = #[[PRE]]{{.*}}attn.tile = {block_m = 128 : i64, block_n = 16 : i64, kv_splits = 0 : i64, {{.*}}paged = "prefill"
func.func @prefill(%q: tensor<300x32x128xbf16>, %kc: tensor<?x5x8x128xbf16>, %vc: tensor<?x5x8x128xbf16>, %bt: tensor<4x?xi32>, %sl: tensor<4xi32>, %qsl: tensor<5xi32>) -> tensor<300x32x128xbf16> {
  %o = attn.paged_attention %q, %kc, %vc, %bt, %sl, %qsl {causal} : (tensor<300x32x128xbf16>, tensor<?x5x8x128xbf16>, tensor<?x5x8x128xbf16>, tensor<4x?xi32>, tensor<4xi32>, tensor<5xi32>) -> tensor<300x32x128xbf16>
  return %o : tensor<300x32x128xbf16>
}

// MQA with 32 query heads: two 16-row head tiles per token; the op's
// attn.paged_mode overrides the static sizes.
// CHECK-LABEL: func.func @mqa
// CHECK: attn.grid = #[[MQA]]{{.*}}paged = "decode"
func.func @mqa(%q: tensor<300x32x64xf16>, %kc: tensor<?x544x1x64xf16>, %vc: tensor<?x544x1x64xf16>, %bt: tensor<4x?xi32>, %sl: tensor<4xi32>, %qsl: tensor<5xi32>) -> tensor<300x32x64xf16> {
  %o = attn.paged_attention %q, %kc, %vc, %bt, %sl, %qsl {attn.paged_mode = "decode"} : (tensor<300x32x64xf16>, tensor<?x544x1x64xf16>, tensor<?x544x1x64xf16>, tensor<4x?xi32>, tensor<4xi32>, tensor<5xi32>) -> tensor<300x32x64xf16>
  return %o : tensor<300x32x64xf16>
}
