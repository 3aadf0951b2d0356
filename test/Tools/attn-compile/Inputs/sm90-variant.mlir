// A template for ptxas.test: sed replaces DH (head dim), ET (element type) and ATTRS.
func.func @f(%q: tensor<?x8x?xDHxET>, %k: tensor<?x2x?xDHxET>, %v: tensor<?x2x?xDHxET>)
    -> (tensor<?x8x?xDHxET>, tensor<?x8x?xf32>) {
  %o, %lse = attn.mha %q, %k, %v ATTRS
      : (tensor<?x8x?xDHxET>, tensor<?x2x?xDHxET>, tensor<?x2x?xDHxET>)
      -> (tensor<?x8x?xDHxET>, tensor<?x8x?xf32>)
  return %o, %lse : tensor<?x8x?xDHxET>, tensor<?x8x?xf32>
}
