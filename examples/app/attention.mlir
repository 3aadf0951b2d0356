// The attention of the example application: Llama-style GQA (8 query heads
// over 2 KV heads), head dim 128, causal, bf16, with the log-sum-exp.
// Batch and sequence lengths are dynamic: one bundle serves every size.
func.func @attention(%q: tensor<?x8x?x128xbf16>, %k: tensor<?x2x?x128xbf16>,
                     %v: tensor<?x2x?x128xbf16>)
    -> (tensor<?x8x?x128xbf16>, tensor<?x8x?xf32>) {
  %out, %lse = attn.mha %q, %k, %v {causal}
      : (tensor<?x8x?x128xbf16>, tensor<?x2x?x128xbf16>, tensor<?x2x?x128xbf16>)
      -> (tensor<?x8x?x128xbf16>, tensor<?x8x?xf32>)
  return %out, %lse : tensor<?x8x?x128xbf16>, tensor<?x8x?xf32>
}
