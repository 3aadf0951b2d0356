// A Llama-style attention: GQA with 32 query heads over 8 KV heads, head dim
// 128, causal, bf16, with the log-sum-exp. Batch and sequence lengths are
// dynamic; attn-run sizes them with --shape (the demo: B=2, Sq=100, Sk=161).
//
//   attn-opt examples/gqa-causal.mlir --attn-gqa-map --attn-tile \
//       --attn-online-softmax                                  # kernel IR
//   attn-opt examples/gqa-causal.mlir --attn-to-cpu            # LLVM dialect
//   attn-run examples/gqa-causal.mlir --target=cpu \
//       --shape=0=2x32x100x128 --shape=1=2x8x161x128            # run + check
func.func @attention(%q: tensor<?x32x?x128xbf16>, %k: tensor<?x8x?x128xbf16>,
                     %v: tensor<?x8x?x128xbf16>)
    -> (tensor<?x32x?x128xbf16>, tensor<?x32x?xf32>) {
  %out, %lse = attn.mha %q, %k, %v {causal}
      : (tensor<?x32x?x128xbf16>, tensor<?x8x?x128xbf16>, tensor<?x8x?x128xbf16>)
      -> (tensor<?x32x?x128xbf16>, tensor<?x32x?xf32>)
  return %out, %lse : tensor<?x32x?x128xbf16>, tensor<?x32x?xf32>
}
