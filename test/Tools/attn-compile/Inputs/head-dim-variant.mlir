// A template for ptxas-head-dims.test and amd-head-dims.test: sed replaces DH (head dim
// of Q and K), DV (of V and out), ET (element type) and ATTRS.
func.func @f(%q: tensor<?x8x?xDHxET>, %k: tensor<?x2x?xDHxET>, %v: tensor<?x2x?xDVxET>)
    -> (tensor<?x8x?xDVxET>, tensor<?x8x?xf32>) {
  %o, %lse = attn.mha %q, %k, %v ATTRS
      : (tensor<?x8x?xDHxET>, tensor<?x2x?xDHxET>, tensor<?x2x?xDVxET>)
      -> (tensor<?x8x?xDVxET>, tensor<?x8x?xf32>)
  return %o, %lse : tensor<?x8x?xDVxET>, tensor<?x8x?xf32>
}
