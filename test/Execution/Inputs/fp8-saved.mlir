func.func @fp8(%q: tensor<1x4x33x32xf8E4M3FNUZ>, %k: tensor<1x2x40x32xf8E4M3FNUZ>, %v: tensor<1x2x40x32xf8E4M3FNUZ>, %qd: tensor<1x2xf32>, %kd: tensor<2xf32>, %vd: tensor<f32>) -> tensor<1x4x33x32xbf16> {
  %o = attn.mha %q, %k, %v descale(%qd, %kd, %vd) {causal} : (tensor<1x4x33x32xf8E4M3FNUZ>, tensor<1x2x40x32xf8E4M3FNUZ>, tensor<1x2x40x32xf8E4M3FNUZ>, tensor<1x2xf32>, tensor<2xf32>, tensor<f32>) -> tensor<1x4x33x32xbf16>
  return %o : tensor<1x4x33x32xbf16>
}
