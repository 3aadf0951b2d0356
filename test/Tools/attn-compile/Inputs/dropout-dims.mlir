// attn.mha with dropout, GQA 8/2, bf16, head dim DH, causal or not (ATTRS), and its
// backward (sed-substituted by the tests).
func.func @fwd(%q: tensor<?x8x?xDHxbf16>, %k: tensor<?x2x?xDHxbf16>, %v: tensor<?x2x?xDHxbf16>) -> (tensor<?x8x?xDHxbf16>, tensor<?x8x?xf32>) {
  %o, %l = attn.mha %q, %k, %v {dropout_p = 0.1 : f32, seed = 3 : i64, offset = 5 : i64 ATTRS} : (tensor<?x8x?xDHxbf16>, tensor<?x2x?xDHxbf16>, tensor<?x2x?xDHxbf16>) -> (tensor<?x8x?xDHxbf16>, tensor<?x8x?xf32>)
  return %o, %l : tensor<?x8x?xDHxbf16>, tensor<?x8x?xf32>
}
func.func @bwd(%q: tensor<?x8x?xDHxbf16>, %k: tensor<?x2x?xDHxbf16>, %v: tensor<?x2x?xDHxbf16>, %o: tensor<?x8x?xDHxbf16>, %do: tensor<?x8x?xDHxbf16>, %lse: tensor<?x8x?xf32>) -> (tensor<?x8x?xDHxbf16>, tensor<?x2x?xDHxbf16>, tensor<?x2x?xDHxbf16>) {
  %dq, %dk, %dv = attn.mha_bwd %q, %k, %v, %o, %do, %lse {dropout_p = 0.1 : f32, seed = 3 : i64, offset = 5 : i64 ATTRS} : (tensor<?x8x?xDHxbf16>, tensor<?x2x?xDHxbf16>, tensor<?x2x?xDHxbf16>, tensor<?x8x?xDHxbf16>, tensor<?x8x?xDHxbf16>, tensor<?x8x?xf32>) -> (tensor<?x8x?xDHxbf16>, tensor<?x2x?xDHxbf16>, tensor<?x2x?xDHxbf16>)
  return %dq, %dk, %dv : tensor<?x8x?xDHxbf16>, tensor<?x2x?xDHxbf16>, tensor<?x2x?xDHxbf16>
}
