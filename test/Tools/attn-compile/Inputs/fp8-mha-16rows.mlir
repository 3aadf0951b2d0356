// fp8 attn.mha at D = 128 for tilings of 16 rows per wave (block-m=64, 4 waves): the
// 16x16 fp8 MFMAs (gfx950: v_mfma_f32_16x16x128_f8f6f4; gfx942: 16x16x32_fp8_fp8).
// Used by fp8-mha-amd.test.
func.func @mha128(%q: tensor<2x8x77x128xf8E4M3FN>, %k: tensor<2x2x90x128xf8E4M3FN>, %v: tensor<2x2x90x128xf8E4M3FN>, %qd: tensor<2x2xf32>, %kd: tensor<2x2xf32>, %vd: tensor<2x2xf32>) -> tensor<2x8x77x128xbf16> {
  %o = attn.mha %q, %k, %v descale(%qd, %kd, %vd) : (tensor<2x8x77x128xf8E4M3FN>, tensor<2x2x90x128xf8E4M3FN>, tensor<2x2x90x128xf8E4M3FN>, tensor<2x2xf32>, tensor<2x2xf32>, tensor<2x2xf32>) -> tensor<2x8x77x128xbf16>
  return %o : tensor<2x8x77x128xbf16>
}
