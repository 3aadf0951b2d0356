// attn.mla variants for mla-ptxas.test: HH heads, DD = kv_lora_rank RR + rope, blocks of BS, ET.
func.func @mla(%q: tensor<?xHHxDDxET>, %kv: tensor<?xBSxDDxET>, %bt: tensor<?x?xi32>, %sl: tensor<?xi32>, %qsl: tensor<?xi32>) -> (tensor<?xHHxRRxET>, tensor<HHx?xf32>) {
  %o, %l = attn.mla %q, %kv, %bt, %sl, %qsl {kv_lora_rank = RR : i64, causal} : (tensor<?xHHxDDxET>, tensor<?xBSxDDxET>, tensor<?x?xi32>, tensor<?xi32>, tensor<?xi32>) -> (tensor<?xHHxRRxET>, tensor<HHx?xf32>)
  return %o, %l : tensor<?xHHxRRxET>, tensor<HHx?xf32>
}
