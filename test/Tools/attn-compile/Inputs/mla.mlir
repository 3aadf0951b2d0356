// attn.mla: DeepSeek-V3 decode shapes (kv_lora_rank 512 + rope 64), 32 heads.
func.func @deepseek(%q: tensor<?x32x576xbf16>, %kv: tensor<?x64x576xbf16>, %bt: tensor<?x?xi32>, %sl: tensor<?xi32>, %qsl: tensor<?xi32>) -> (tensor<?x32x512xbf16>, tensor<32x?xf32>) {
  %o, %l = attn.mla %q, %kv, %bt, %sl, %qsl {kv_lora_rank = 512 : i64, causal} : (tensor<?x32x576xbf16>, tensor<?x64x576xbf16>, tensor<?x?xi32>, tensor<?xi32>, tensor<?xi32>) -> (tensor<?x32x512xbf16>, tensor<32x?xf32>)
  return %o, %l : tensor<?x32x512xbf16>, tensor<32x?xf32>
}
