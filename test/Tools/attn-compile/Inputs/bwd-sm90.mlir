// attn.mha_bwd / attn.mha_varlen_bwd for sm_90a (docs/backward.md): D = 64 GQA 8/2
// causal with softcap and ALiBi; varlen D = 64 with a window; D = 32 / Dv = 64 f16.
func.func @bwd(%q: tensor<?x8x?x64xbf16>, %k: tensor<?x2x?x64xbf16>, %v: tensor<?x2x?x64xbf16>, %o: tensor<?x8x?x64xbf16>, %do: tensor<?x8x?x64xbf16>, %lse: tensor<?x8x?xf32>, %slopes: tensor<8xf32>) -> (tensor<?x8x?x64xbf16>, tensor<?x2x?x64xbf16>, tensor<?x2x?x64xbf16>) {
  %dq, %dk, %dv = attn.mha_bwd %q, %k, %v, %o, %do, %lse alibi(%slopes) {causal, softcap = 30.0 : f32} : (tensor<?x8x?x64xbf16>, tensor<?x2x?x64xbf16>, tensor<?x2x?x64xbf16>, tensor<?x8x?x64xbf16>, tensor<?x8x?x64xbf16>, tensor<?x8x?xf32>, tensor<8xf32>) -> (tensor<?x8x?x64xbf16>, tensor<?x2x?x64xbf16>, tensor<?x2x?x64xbf16>)
  return %dq, %dk, %dv : tensor<?x8x?x64xbf16>, tensor<?x2x?x64xbf16>, tensor<?x2x?x64xbf16>
}
func.func @varlen(%q: tensor<?x4x64xbf16>, %k: tensor<?x4x64xbf16>, %v: tensor<?x4x64xbf16>, %o: tensor<?x4x64xbf16>, %do: tensor<?x4x64xbf16>, %lse: tensor<4x?xf32>, %cq: tensor<?xi32>, %ck: tensor<?xi32>) -> (tensor<?x4x64xbf16>, tensor<?x4x64xbf16>, tensor<?x4x64xbf16>) {
  %dq, %dk, %dv = attn.mha_varlen_bwd %q, %k, %v, %o, %do, %lse, %cq, %ck {window_left = 100 : i64, window_right = 0 : i64} : (tensor<?x4x64xbf16>, tensor<?x4x64xbf16>, tensor<?x4x64xbf16>, tensor<?x4x64xbf16>, tensor<?x4x64xbf16>, tensor<4x?xf32>, tensor<?xi32>, tensor<?xi32>) -> (tensor<?x4x64xbf16>, tensor<?x4x64xbf16>, tensor<?x4x64xbf16>)
  return %dq, %dk, %dv : tensor<?x4x64xbf16>, tensor<?x4x64xbf16>, tensor<?x4x64xbf16>
}
func.func @dv(%q: tensor<?x2x?x32xf16>, %k: tensor<?x2x?x32xf16>, %v: tensor<?x2x?x64xf16>, %o: tensor<?x2x?x64xf16>, %do: tensor<?x2x?x64xf16>, %lse: tensor<?x2x?xf32>) -> (tensor<?x2x?x32xf16>, tensor<?x2x?x32xf16>, tensor<?x2x?x64xf16>) {
  %dq, %dk, %dv = attn.mha_bwd %q, %k, %v, %o, %do, %lse : (tensor<?x2x?x32xf16>, tensor<?x2x?x32xf16>, tensor<?x2x?x64xf16>, tensor<?x2x?x64xf16>, tensor<?x2x?x64xf16>, tensor<?x2x?xf32>) -> (tensor<?x2x?x32xf16>, tensor<?x2x?x32xf16>, tensor<?x2x?x64xf16>)
  return %dq, %dk, %dv : tensor<?x2x?x32xf16>, tensor<?x2x?x32xf16>, tensor<?x2x?x64xf16>
}
