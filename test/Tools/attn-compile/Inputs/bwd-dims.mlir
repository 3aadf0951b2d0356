// attn.mha_bwd, GQA 8/2, causal, bf16, head dim DH (sed-substituted by the tests).
func.func @dDH(%q: tensor<?x8x?xDHxbf16>, %k: tensor<?x2x?xDHxbf16>, %v: tensor<?x2x?xDHxbf16>, %o: tensor<?x8x?xDHxbf16>, %do: tensor<?x8x?xDHxbf16>, %lse: tensor<?x8x?xf32>) -> (tensor<?x8x?xDHxbf16>, tensor<?x2x?xDHxbf16>, tensor<?x2x?xDHxbf16>) {
  %dq, %dk, %dv = attn.mha_bwd %q, %k, %v, %o, %do, %lse {causal} : (tensor<?x8x?xDHxbf16>, tensor<?x2x?xDHxbf16>, tensor<?x2x?xDHxbf16>, tensor<?x8x?xDHxbf16>, tensor<?x8x?xDHxbf16>, tensor<?x8x?xf32>) -> (tensor<?x8x?xDHxbf16>, tensor<?x2x?xDHxbf16>, tensor<?x2x?xDHxbf16>)
  return %dq, %dk, %dv : tensor<?x8x?xDHxbf16>, tensor<?x2x?xDHxbf16>, tensor<?x2x?xDHxbf16>
}
