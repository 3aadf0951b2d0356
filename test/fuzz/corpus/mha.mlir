// Fuzzing seed: attn.mha in the custom syntax, every feature once.
#loc0 = loc("mha.py":12:3)
!q16 = tensor<2x8x16x64xf16>
!kv16 = tensor<2x2x16x64xf16>

func.func @basic(%q: !q16, %k: !kv16, %v: !kv16) -> !q16 {
  %o = attn.mha %q, %k, %v : (!q16, !kv16, !kv16) -> !q16
  return %o : !q16
}

func.func @causal_window(%q: tensor<1x4x45x32xbf16>, %k: tensor<1x4x45x32xbf16>, %v: tensor<1x4x45x32xbf16>) -> tensor<1x4x45x32xbf16> {
  %o = attn.mha %q, %k, %v {causal, window_left = 7 : i64, window_right = 0 : i64} : (tensor<1x4x45x32xbf16>, tensor<1x4x45x32xbf16>, tensor<1x4x45x32xbf16>) -> tensor<1x4x45x32xbf16> loc(#loc0)
  return %o : tensor<1x4x45x32xbf16>
}

func.func @softcap_lse(%q: tensor<1x4x21x64xf32>, %k: tensor<1x1x26x64xf32>, %v: tensor<1x1x26x128xf32>) -> (tensor<1x4x21x128xf32>, tensor<1x4x21xf32>) {
  %o, %l = attn.mha %q, %k, %v {softcap = 2.5 : f32, scale = 0.125 : f32} : (tensor<1x4x21x64xf32>, tensor<1x1x26x64xf32>, tensor<1x1x26x128xf32>) -> (tensor<1x4x21x128xf32>, tensor<1x4x21xf32>)
  return %o, %l : tensor<1x4x21x128xf32>, tensor<1x4x21xf32>
}

func.func @alibi_dynamic(%q: tensor<?x8x?x64xf16>, %k: tensor<?x2x?x64xf16>, %v: tensor<?x2x?x64xf16>, %s: tensor<8xf32>) -> (tensor<?x8x?x64xf16>, tensor<?x8x?xf32>) {
  %o, %l = attn.mha %q, %k, %v alibi(%s) {causal} : (tensor<?x8x?x64xf16>, tensor<?x2x?x64xf16>, tensor<?x2x?x64xf16>, tensor<8xf32>) -> (tensor<?x8x?x64xf16>, tensor<?x8x?xf32>)
  return %o, %l : tensor<?x8x?x64xf16>, tensor<?x8x?xf32>
}

func.func @empty_keys(%q: tensor<1x2x5x16xf32>, %k: tensor<1x2x0x16xf32>, %v: tensor<1x2x0x16xf32>) -> tensor<1x2x5x16xf32> {
  %o = attn.mha %q, %k, %v {window_left = 0 : i64} : (tensor<1x2x5x16xf32>, tensor<1x2x0x16xf32>, tensor<1x2x0x16xf32>) -> tensor<1x2x5x16xf32>
  return %o : tensor<1x2x5x16xf32>
}

func.func @chained(%q: tensor<1x2x8x16xf16>, %k: tensor<1x2x8x16xf16>) -> tensor<1x2x8x16xf16> {
  %a = attn.mha %q, %k, %k : (tensor<1x2x8x16xf16>, tensor<1x2x8x16xf16>, tensor<1x2x8x16xf16>) -> tensor<1x2x8x16xf16>
  %b = attn.mha %a, %a, %q {causal} : (tensor<1x2x8x16xf16>, tensor<1x2x8x16xf16>, tensor<1x2x8x16xf16>) -> tensor<1x2x8x16xf16>
  return %b : tensor<1x2x8x16xf16>
}
