// Sinks on the GPU targets: the flash kernel of amd-flash.test with a sliding
// window (gpt-oss) and sinks, varlen, and a paged decode op (sinks in its
// merge kernel).
func.func @f(%q: tensor<?x8x?x128xf16>, %k: tensor<?x2x?x128xf16>, %v: tensor<?x2x?x128xf16>, %s: tensor<8xf32>)
    -> (tensor<?x8x?x128xf16>, tensor<?x8x?xf32>) {
  %o, %lse = attn.mha %q, %k, %v sinks(%s) {causal, window_left = 127 : i64}
      : (tensor<?x8x?x128xf16>, tensor<?x2x?x128xf16>, tensor<?x2x?x128xf16>, tensor<8xf32>)
      -> (tensor<?x8x?x128xf16>, tensor<?x8x?xf32>)
  return %o, %lse : tensor<?x8x?x128xf16>, tensor<?x8x?xf32>
}

func.func @varlen(%q: tensor<?x16x64xbf16>, %k: tensor<?x2x64xbf16>, %v: tensor<?x2x64xbf16>, %cq: tensor<?xi32>, %ck: tensor<?xi32>, %s: tensor<16xf32>) -> tensor<?x16x64xbf16> {
  %o = attn.mha_varlen %q, %k, %v, %cq, %ck sinks(%s) {causal} : (tensor<?x16x64xbf16>, tensor<?x2x64xbf16>, tensor<?x2x64xbf16>, tensor<?xi32>, tensor<?xi32>, tensor<16xf32>) -> tensor<?x16x64xbf16>
  return %o : tensor<?x16x64xbf16>
}

func.func @paged(%q: tensor<?x64x64xbf16>, %kc: tensor<?x16x8x64xbf16>, %vc: tensor<?x16x8x64xbf16>, %bt: tensor<?x?xi32>, %sl: tensor<?xi32>, %qsl: tensor<?xi32>, %s: tensor<64xf32>) -> (tensor<?x64x64xbf16>, tensor<64x?xf32>) {
  %o, %l = attn.paged_attention %q, %kc, %vc, %bt, %sl, %qsl sinks(%s) {causal, window_left = 127 : i64} : (tensor<?x64x64xbf16>, tensor<?x16x8x64xbf16>, tensor<?x16x8x64xbf16>, tensor<?x?xi32>, tensor<?xi32>, tensor<?xi32>, tensor<64xf32>) -> (tensor<?x64x64xbf16>, tensor<64x?xf32>)
  return %o, %l : tensor<?x64x64xbf16>, tensor<64x?xf32>
}
