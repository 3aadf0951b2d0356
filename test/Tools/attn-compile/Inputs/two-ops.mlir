// Two kernels with different argument lists: GQA mha with lse, and varlen
// with alibi (cu_seqlens and slopes are rank-1 arguments).
func.func @mha(%q: tensor<?x32x?x128xbf16>, %k: tensor<?x8x?x128xbf16>, %v: tensor<?x8x?x128xbf16>)
    -> (tensor<?x32x?x128xbf16>, tensor<?x32x?xf32>) {
  %o, %lse = attn.mha %q, %k, %v {causal}
      : (tensor<?x32x?x128xbf16>, tensor<?x8x?x128xbf16>, tensor<?x8x?x128xbf16>)
      -> (tensor<?x32x?x128xbf16>, tensor<?x32x?xf32>)
  return %o, %lse : tensor<?x32x?x128xbf16>, tensor<?x32x?xf32>
}
func.func @varlen(%q: tensor<?x8x64xf16>, %k: tensor<?x8x64xf16>, %v: tensor<?x8x64xf16>,
                  %cq: tensor<?xi32>, %ck: tensor<?xi32>, %s: tensor<8xf32>) -> tensor<?x8x64xf16> {
  %o = attn.mha_varlen %q, %k, %v, %cq, %ck alibi(%s) {causal, window_left = 64 : i64}
      : (tensor<?x8x64xf16>, tensor<?x8x64xf16>, tensor<?x8x64xf16>, tensor<?xi32>, tensor<?xi32>, tensor<8xf32>)
      -> tensor<?x8x64xf16>
  return %o : tensor<?x8x64xf16>
}
