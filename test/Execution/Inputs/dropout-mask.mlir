// Forward with dropout whose v is the identity (given by dropout-mask.test):
// out[b][h][i][j] = P_ij * z_ij exposes every keep factor z of the mask.
func.func @mask(%q: tensor<2x4x50x32xf32>, %k: tensor<2x2x64x32xf32>, %v: tensor<2x2x64x64xf32>) -> (tensor<2x4x50x64xf32>, tensor<2x4x50xf32>) {
  %o, %l = attn.mha %q, %k, %v {causal, dropout_p = 0.3 : f32, seed = 6074001000 : i64, offset = 12884901893 : i64} : (tensor<2x4x50x32xf32>, tensor<2x2x64x32xf32>, tensor<2x2x64x64xf32>) -> (tensor<2x4x50x64xf32>, tensor<2x4x50xf32>)
  return %o, %l : tensor<2x4x50x64xf32>, tensor<2x4x50xf32>
}
