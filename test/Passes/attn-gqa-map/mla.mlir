// attn.mla's latent cache is one KV head that every query head reads (MQA).
// RUN: attn-opt %s --attn-gqa-map | FileCheck %s

// CHECK: #[[MAP:.*]] = affine_map<(d0) -> (0)>
// CHECK: attn.mla {{.*}}attn.kv_head_map = #[[MAP]]
func.func @mla(%q: tensor<4x128x576xbf16>, %kv: tensor<?x64x576xbf16>, %bt: tensor<4x?xi32>, %sl: tensor<4xi32>, %qsl: tensor<5xi32>) -> tensor<4x128x512xbf16> {
  %o = attn.mla %q, %kv, %bt, %sl, %qsl {kv_lora_rank = 512 : i64} : (tensor<4x128x576xbf16>, tensor<?x64x576xbf16>, tensor<4x?xi32>, tensor<4xi32>, tensor<5xi32>) -> tensor<4x128x512xbf16>
  return %o : tensor<4x128x512xbf16>
}
