// Two attention ops with every feature between them: a varlen MQA op with
// ALiBi, a left window and softcap; a GQA op with an explicit scale, a
// right window and lse.
func.func @varlen(%q: tensor<?x8x64xf16>, %k: tensor<?x1x64xf16>, %v: tensor<?x1x64xf16>,
                  %cq: tensor<5xi32>, %ck: tensor<5xi32>, %s: tensor<8xf32>)
    -> tensor<?x8x64xf16> {
  %o = attn.mha_varlen %q, %k, %v, %cq, %ck alibi(%s) {window_left = 16 : i64, softcap = 30.0 : f32}
      : (tensor<?x8x64xf16>, tensor<?x1x64xf16>, tensor<?x1x64xf16>, tensor<5xi32>, tensor<5xi32>, tensor<8xf32>)
      -> tensor<?x8x64xf16>
  return %o : tensor<?x8x64xf16>
}

func.func @gqa(%q: tensor<?x4x?x128xbf16>, %k: tensor<?x2x?x128xbf16>, %v: tensor<?x2x?x128xbf16>)
    -> (tensor<?x4x?x128xbf16>, tensor<?x4x?xf32>) {
  %o, %l = attn.mha %q, %k, %v {scale = 0.125 : f32, window_right = 8 : i64}
      : (tensor<?x4x?x128xbf16>, tensor<?x2x?x128xbf16>, tensor<?x2x?x128xbf16>)
      -> (tensor<?x4x?x128xbf16>, tensor<?x4x?xf32>)
  return %o, %l : tensor<?x4x?x128xbf16>, tensor<?x4x?xf32>
}
