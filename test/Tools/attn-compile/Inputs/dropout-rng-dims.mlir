// dropout-dims.mlir with the seed and offset read at run time: rng_state(%r),
// tensor<2xi64> = [seed, offset] (sed-substituted by the tests).
func.func @fwd(%q: tensor<?x8x?xDHxbf16>, %k: tensor<?x2x?xDHxbf16>, %v: tensor<?x2x?xDHxbf16>, %r: tensor<2xi64>) -> (tensor<?x8x?xDHxbf16>, tensor<?x8x?xf32>) {
  %o, %l = attn.mha %q, %k, %v rng_state(%r) {dropout_p = 0.1 : f32 ATTRS} : (tensor<?x8x?xDHxbf16>, tensor<?x2x?xDHxbf16>, tensor<?x2x?xDHxbf16>, tensor<2xi64>) -> (tensor<?x8x?xDHxbf16>, tensor<?x8x?xf32>)
  return %o, %l : tensor<?x8x?xDHxbf16>, tensor<?x8x?xf32>
}
func.func @bwd(%q: tensor<?x8x?xDHxbf16>, %k: tensor<?x2x?xDHxbf16>, %v: tensor<?x2x?xDHxbf16>, %o: tensor<?x8x?xDHxbf16>, %do: tensor<?x8x?xDHxbf16>, %lse: tensor<?x8x?xf32>, %r: tensor<2xi64>) -> (tensor<?x8x?xDHxbf16>, tensor<?x2x?xDHxbf16>, tensor<?x2x?xDHxbf16>) {
  %dq, %dk, %dv = attn.mha_bwd %q, %k, %v, %o, %do, %lse rng_state(%r) {dropout_p = 0.1 : f32 ATTRS} : (tensor<?x8x?xDHxbf16>, tensor<?x2x?xDHxbf16>, tensor<?x2x?xDHxbf16>, tensor<?x8x?xDHxbf16>, tensor<?x8x?xDHxbf16>, tensor<?x8x?xf32>, tensor<2xi64>) -> (tensor<?x8x?xDHxbf16>, tensor<?x2x?xDHxbf16>, tensor<?x2x?xDHxbf16>)
  return %dq, %dk, %dv : tensor<?x8x?xDHxbf16>, tensor<?x2x?xDHxbf16>, tensor<?x2x?xDHxbf16>
}
