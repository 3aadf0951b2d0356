func.func @f(%q: tensor<?x4x?x16xf8E4M3FN>, %k: tensor<?x2x?x16xf8E4M3FN>, %v: tensor<?x2x?x16xf8E4M3FN>,
             %qd: tensor<?x2xf32>, %kd: tensor<f32>, %vd: tensor<2xf32>) -> tensor<?x4x?x16xbf16> {
  %o = attn.mha %q, %k, %v descale(%qd, %kd, %vd) {causal}
      : (tensor<?x4x?x16xf8E4M3FN>, tensor<?x2x?x16xf8E4M3FN>, tensor<?x2x?x16xf8E4M3FN>,
         tensor<?x2xf32>, tensor<f32>, tensor<2xf32>) -> tensor<?x4x?x16xbf16>
  return %o : tensor<?x4x?x16xbf16>
}

func.func @g(%q: tensor<?x8x64xf16>, %kc: tensor<?x16x2x64xf8E4M3FNUZ>, %bt: tensor<?x?xi32>,
             %sl: tensor<?xi32>, %qsl: tensor<?xi32>, %ks: tensor<?x16x2xf32>, %vs: tensor<2xf32>)
    -> tensor<?x8x64xf16> {
  %o = attn.paged_attention %q, %kc, %kc, %bt, %sl, %qsl kv_scale(%ks, %vs) {causal}
      : (tensor<?x8x64xf16>, tensor<?x16x2x64xf8E4M3FNUZ>, tensor<?x16x2x64xf8E4M3FNUZ>,
         tensor<?x?xi32>, tensor<?xi32>, tensor<?xi32>, tensor<?x16x2xf32>, tensor<2xf32>)
      -> tensor<?x8x64xf16>
  return %o : tensor<?x8x64xf16>
}
