// Hq = 6 is not a multiple of Hkv = 4.
func.func @f(%q: tensor<1x6x8x16xf32>, %k: tensor<1x4x8x16xf32>, %v: tensor<1x4x8x16xf32>)
    -> tensor<1x6x8x16xf32> {
  %o = attn.mha %q, %k, %v : (tensor<1x6x8x16xf32>, tensor<1x4x8x16xf32>, tensor<1x4x8x16xf32>) -> tensor<1x6x8x16xf32>
  return %o : tensor<1x6x8x16xf32>
}
