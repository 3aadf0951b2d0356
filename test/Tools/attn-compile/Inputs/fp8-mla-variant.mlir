// attn.mla over an fp8 latent cache for fp8-mla.test: HH heads, DD = kv_lora_rank RR + rope,
// blocks of BS, ET queries and out, kv_scale of type SCALE (per token: ?xBS, or rank 0).
func.func @mla(%q: tensor<?xHHxDDxET>, %kv: tensor<?xBSxDDxFP8>, %bt: tensor<?x?xi32>, %sl: tensor<?xi32>, %qsl: tensor<?xi32>, %s: SCALE) -> (tensor<?xHHxRRxET>, tensor<HHx?xf32>) {
  %o, %l = attn.mla %q, %kv, %bt, %sl, %qsl kv_scale(%s) {kv_lora_rank = RR : i64, causal} : (tensor<?xHHxDDxET>, tensor<?xBSxDDxFP8>, tensor<?x?xi32>, tensor<?xi32>, tensor<?xi32>, SCALE) -> (tensor<?xHHxRRxET>, tensor<HHx?xf32>)
  return %o, %l : tensor<?xHHxRRxET>, tensor<HHx?xf32>
}
