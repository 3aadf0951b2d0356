// Two paged ops: a decode kernel (GQA 32/8, blocks of 16, causal, lse) and a
// prefill kernel (attn.paged_mode, MHA, blocks of 1, window, softcap, ALiBi).
func.func @decode(%q: tensor<?x32x128xbf16>, %kc: tensor<?x16x8x128xbf16>,
                  %vc: tensor<?x16x8x128xbf16>, %bt: tensor<?x?xi32>, %sl: tensor<?xi32>,
                  %qsl: tensor<?xi32>) -> (tensor<?x32x128xbf16>, tensor<32x?xf32>) {
  %o, %l = attn.paged_attention %q, %kc, %vc, %bt, %sl, %qsl {causal}
      : (tensor<?x32x128xbf16>, tensor<?x16x8x128xbf16>, tensor<?x16x8x128xbf16>,
         tensor<?x?xi32>, tensor<?xi32>, tensor<?xi32>) -> (tensor<?x32x128xbf16>, tensor<32x?xf32>)
  return %o, %l : tensor<?x32x128xbf16>, tensor<32x?xf32>
}

func.func @prefill(%q: tensor<?x4x64xf16>, %kc: tensor<?x1x4x64xf16>, %vc: tensor<?x1x4x64xf16>,
                   %bt: tensor<?x?xi32>, %sl: tensor<?xi32>, %qsl: tensor<?xi32>,
                   %al: tensor<4xf32>) -> tensor<?x4x64xf16> {
  %o = attn.paged_attention %q, %kc, %vc, %bt, %sl, %qsl alibi(%al)
      {window_left = 16 : i64, softcap = 30.0 : f32, attn.paged_mode = "prefill"}
      : (tensor<?x4x64xf16>, tensor<?x1x4x64xf16>, tensor<?x1x4x64xf16>, tensor<?x?xi32>,
         tensor<?xi32>, tensor<?xi32>, tensor<4xf32>) -> tensor<?x4x64xf16>
  return %o : tensor<?x4x64xf16>
}
