// Functions whose --save'd inputs and outputs check-saved.py recomputes with
// numpy; the attributes here are repeated on its command line.
func.func @mha(%q: tensor<2x8x29x64xbf16>, %k: tensor<2x2x41x64xbf16>, %v: tensor<2x2x41x48xbf16>, %s: tensor<8xf32>) -> (tensor<2x8x29x48xbf16>, tensor<2x8x29xf32>) {
  %o, %l = attn.mha %q, %k, %v alibi(%s) {causal, window_left = 9 : i64, softcap = 4.0 : f32} : (tensor<2x8x29x64xbf16>, tensor<2x2x41x64xbf16>, tensor<2x2x41x48xbf16>, tensor<8xf32>) -> (tensor<2x8x29x48xbf16>, tensor<2x8x29xf32>)
  return %o, %l : tensor<2x8x29x48xbf16>, tensor<2x8x29xf32>
}

func.func @varlen(%q: tensor<50x4x32xf16>, %k: tensor<45x2x32xf16>, %v: tensor<45x2x32xf16>, %cq: tensor<5xi32>, %ck: tensor<5xi32>) -> (tensor<50x4x32xf16>, tensor<4x50xf32>) {
  %o, %l = attn.mha_varlen %q, %k, %v, %cq, %ck {causal, scale = 0.2 : f32} : (tensor<50x4x32xf16>, tensor<45x2x32xf16>, tensor<45x2x32xf16>, tensor<5xi32>, tensor<5xi32>) -> (tensor<50x4x32xf16>, tensor<4x50xf32>)
  return %o, %l : tensor<50x4x32xf16>, tensor<4x50xf32>
}
