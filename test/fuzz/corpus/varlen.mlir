// Fuzzing seed: attn.mha_varlen in the custom syntax.
func.func @varlen(%q: tensor<40x8x64xf16>, %k: tensor<50x2x64xf16>, %v: tensor<50x2x64xf16>, %cq: tensor<4xi32>, %ck: tensor<4xi32>) -> tensor<40x8x64xf16> {
  %o = attn.mha_varlen %q, %k, %v, %cq, %ck {causal} : (tensor<40x8x64xf16>, tensor<50x2x64xf16>, tensor<50x2x64xf16>, tensor<4xi32>, tensor<4xi32>) -> tensor<40x8x64xf16>
  return %o : tensor<40x8x64xf16>
}

func.func @varlen_all(%q: tensor<?x4x32xbf16>, %k: tensor<?x4x32xbf16>, %v: tensor<?x4x16xbf16>, %cq: tensor<?xi32>, %ck: tensor<?xi32>, %s: tensor<4xf32>) -> (tensor<?x4x16xbf16>, tensor<4x?xf32>) {
  %o, %l = attn.mha_varlen %q, %k, %v, %cq, %ck alibi(%s) {window_left = 3 : i64, window_right = 2 : i64, softcap = 30.0 : f32, scale = 0.5 : f32} : (tensor<?x4x32xbf16>, tensor<?x4x32xbf16>, tensor<?x4x16xbf16>, tensor<?xi32>, tensor<?xi32>, tensor<4xf32>) -> (tensor<?x4x16xbf16>, tensor<4x?xf32>)
  return %o, %l : tensor<?x4x16xbf16>, tensor<4x?xf32>
}

func.func @varlen_const() -> tensor<6x2x8xf32> {
  %q = arith.constant dense<0.5> : tensor<6x2x8xf32>
  %k = arith.constant dense<[[[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0]], [[-1.0, -2.0, -3.0, -4.0, -5.0, -6.0, -7.0, -8.0]]]> : tensor<2x1x8xf32>
  %c = arith.constant dense<[0, 2, 6]> : tensor<3xi32>
  %ck = arith.constant dense<[0, 1, 2]> : tensor<3xi32>
  %o = attn.mha_varlen %q, %k, %k, %c, %ck : (tensor<6x2x8xf32>, tensor<2x1x8xf32>, tensor<2x1x8xf32>, tensor<3xi32>, tensor<3xi32>) -> tensor<6x2x8xf32>
  return %o : tensor<6x2x8xf32>
}
