// attn-tile refuses a prefill hint on attn.mla (it has the decode kernel
// only), with a located error.
// RUN: not attn-opt %s --attn-gqa-map --attn-tile 2>&1 | FileCheck %s

// CHECK: mla-errors.mlir:[[# @LINE + 2]]:8: error: attn-tile: 'attn.mla' has an attn.paged_mode other than "decode" (attn.mla has the decode kernel only: its rows are the query heads of one token)
func.func @prefill_hint(%q: tensor<4x16x288xbf16>, %kv: tensor<?x16x288xbf16>, %bt: tensor<4x?xi32>, %sl: tensor<4xi32>, %qsl: tensor<5xi32>) -> tensor<4x16x256xbf16> {
  %o = attn.mla %q, %kv, %bt, %sl, %qsl {kv_lora_rank = 256 : i64, attn.paged_mode = "prefill"} : (tensor<4x16x288xbf16>, tensor<?x16x288xbf16>, tensor<4x?xi32>, tensor<4xi32>, tensor<5xi32>) -> tensor<4x16x256xbf16>
  return %o : tensor<4x16x256xbf16>
}
