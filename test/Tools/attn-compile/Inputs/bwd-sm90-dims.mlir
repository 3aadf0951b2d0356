// attn.mha_bwd / attn.mha_varlen_bwd for sm_90a at head dim DH (sed-substituted by
// bwd-ptxas-dims.test; docs/backward.md, "On sm_90a"): GQA 8/2 causal with softcap and
// ALiBi; varlen with a window; Dv = DV != D (f16); rng_state dropout (causal GQA, and
// varlen).
func.func @gqa(%q: tensor<?x8x?xDHxbf16>, %k: tensor<?x2x?xDHxbf16>, %v: tensor<?x2x?xDHxbf16>, %o: tensor<?x8x?xDHxbf16>, %do: tensor<?x8x?xDHxbf16>, %lse: tensor<?x8x?xf32>, %slopes: tensor<8xf32>) -> (tensor<?x8x?xDHxbf16>, tensor<?x2x?xDHxbf16>, tensor<?x2x?xDHxbf16>) {
  %dq, %dk, %dv = attn.mha_bwd %q, %k, %v, %o, %do, %lse alibi(%slopes) {causal, softcap = 30.0 : f32} : (tensor<?x8x?xDHxbf16>, tensor<?x2x?xDHxbf16>, tensor<?x2x?xDHxbf16>, tensor<?x8x?xDHxbf16>, tensor<?x8x?xDHxbf16>, tensor<?x8x?xf32>, tensor<8xf32>) -> (tensor<?x8x?xDHxbf16>, tensor<?x2x?xDHxbf16>, tensor<?x2x?xDHxbf16>)
  return %dq, %dk, %dv : tensor<?x8x?xDHxbf16>, tensor<?x2x?xDHxbf16>, tensor<?x2x?xDHxbf16>
}
func.func @varlen(%q: tensor<?x4xDHxbf16>, %k: tensor<?x4xDHxbf16>, %v: tensor<?x4xDHxbf16>, %o: tensor<?x4xDHxbf16>, %do: tensor<?x4xDHxbf16>, %lse: tensor<4x?xf32>, %cq: tensor<?xi32>, %ck: tensor<?xi32>) -> (tensor<?x4xDHxbf16>, tensor<?x4xDHxbf16>, tensor<?x4xDHxbf16>) {
  %dq, %dk, %dv = attn.mha_varlen_bwd %q, %k, %v, %o, %do, %lse, %cq, %ck {window_left = 100 : i64, window_right = 0 : i64} : (tensor<?x4xDHxbf16>, tensor<?x4xDHxbf16>, tensor<?x4xDHxbf16>, tensor<?x4xDHxbf16>, tensor<?x4xDHxbf16>, tensor<4x?xf32>, tensor<?xi32>, tensor<?xi32>) -> (tensor<?x4xDHxbf16>, tensor<?x4xDHxbf16>, tensor<?x4xDHxbf16>)
  return %dq, %dk, %dv : tensor<?x4xDHxbf16>, tensor<?x4xDHxbf16>, tensor<?x4xDHxbf16>
}
func.func @dv(%q: tensor<?x2x?xDHxf16>, %k: tensor<?x2x?xDHxf16>, %v: tensor<?x2x?xDVxf16>, %o: tensor<?x2x?xDVxf16>, %do: tensor<?x2x?xDVxf16>, %lse: tensor<?x2x?xf32>) -> (tensor<?x2x?xDHxf16>, tensor<?x2x?xDHxf16>, tensor<?x2x?xDVxf16>) {
  %dq, %dk, %dv = attn.mha_bwd %q, %k, %v, %o, %do, %lse {causal} : (tensor<?x2x?xDHxf16>, tensor<?x2x?xDHxf16>, tensor<?x2x?xDVxf16>, tensor<?x2x?xDVxf16>, tensor<?x2x?xDVxf16>, tensor<?x2x?xf32>) -> (tensor<?x2x?xDHxf16>, tensor<?x2x?xDHxf16>, tensor<?x2x?xDVxf16>)
  return %dq, %dk, %dv : tensor<?x2x?xDHxf16>, tensor<?x2x?xDHxf16>, tensor<?x2x?xDVxf16>
}
func.func @drop(%q: tensor<?x8x?xDHxbf16>, %k: tensor<?x2x?xDHxbf16>, %v: tensor<?x2x?xDHxbf16>, %o: tensor<?x8x?xDHxbf16>, %do: tensor<?x8x?xDHxbf16>, %lse: tensor<?x8x?xf32>, %r: tensor<2xi64>) -> (tensor<?x8x?xDHxbf16>, tensor<?x2x?xDHxbf16>, tensor<?x2x?xDHxbf16>) {
  %dq, %dk, %dv = attn.mha_bwd %q, %k, %v, %o, %do, %lse rng_state(%r) {dropout_p = 0.1 : f32, causal} : (tensor<?x8x?xDHxbf16>, tensor<?x2x?xDHxbf16>, tensor<?x2x?xDHxbf16>, tensor<?x8x?xDHxbf16>, tensor<?x8x?xDHxbf16>, tensor<?x8x?xf32>, tensor<2xi64>) -> (tensor<?x8x?xDHxbf16>, tensor<?x2x?xDHxbf16>, tensor<?x2x?xDHxbf16>)
  return %dq, %dk, %dv : tensor<?x8x?xDHxbf16>, tensor<?x2x?xDHxbf16>, tensor<?x2x?xDHxbf16>
}
func.func @dropvarlen(%q: tensor<?x4xDHxbf16>, %k: tensor<?x4xDHxbf16>, %v: tensor<?x4xDHxbf16>, %o: tensor<?x4xDHxbf16>, %do: tensor<?x4xDHxbf16>, %lse: tensor<4x?xf32>, %cq: tensor<?xi32>, %ck: tensor<?xi32>, %r: tensor<2xi64>) -> (tensor<?x4xDHxbf16>, tensor<?x4xDHxbf16>, tensor<?x4xDHxbf16>) {
  %dq, %dk, %dv = attn.mha_varlen_bwd %q, %k, %v, %o, %do, %lse, %cq, %ck rng_state(%r) {dropout_p = 0.1 : f32} : (tensor<?x4xDHxbf16>, tensor<?x4xDHxbf16>, tensor<?x4xDHxbf16>, tensor<?x4xDHxbf16>, tensor<?x4xDHxbf16>, tensor<4x?xf32>, tensor<?xi32>, tensor<?xi32>, tensor<2xi64>) -> (tensor<?x4xDHxbf16>, tensor<?x4xDHxbf16>, tensor<?x4xDHxbf16>)
  return %dq, %dk, %dv : tensor<?x4xDHxbf16>, tensor<?x4xDHxbf16>, tensor<?x4xDHxbf16>
}
