// A template for block-mask-ptxas.test and block-mask-amd.test: sed replaces DH (head
// dim), ET (element type), QB / KB (q_block_size / kv_block_size) and ATTRS (more
// attributes, starting with ", " or empty). @f: a block mask with full lists and a
// document-causal mask_mod (documents of 300 tokens: divui on tiles), GQA 8/2, lse;
// @varlen: attn.mha_varlen with partial lists only and no region (aiter's LUT).
func.func @f(%q: tensor<?x8x?xDHxET>, %k: tensor<?x2x?xDHxET>, %v: tensor<?x2x?xDHxET>,
             %n: tensor<?x?x?xi32>, %i: tensor<?x?x?x?xi32>, %fn: tensor<?x?x?xi32>, %fi: tensor<?x?x?x?xi32>)
    -> (tensor<?x8x?xDHxET>, tensor<?x8x?xf32>) {
  %o, %lse = attn.mha %q, %k, %v block_mask(%n, %i) full_blocks(%fn, %fi) mask_mod {
  ^bb0(%b: index, %h: index, %qi: index, %kj: index):
    %c300 = arith.constant 300 : index
    %dq = arith.divui %qi, %c300 : index
    %dk = arith.divui %kj, %c300 : index
    %same = arith.cmpi eq, %dq, %dk : index
    %causal = arith.cmpi sge, %qi, %kj : index
    %vis = arith.andi %same, %causal : i1
    attn.yield %vis : i1
  } {q_block_size = QB : i64, kv_block_size = KB : i64 ATTRS}
      : (tensor<?x8x?xDHxET>, tensor<?x2x?xDHxET>, tensor<?x2x?xDHxET>,
         tensor<?x?x?xi32>, tensor<?x?x?x?xi32>, tensor<?x?x?xi32>, tensor<?x?x?x?xi32>)
      -> (tensor<?x8x?xDHxET>, tensor<?x8x?xf32>)
  return %o, %lse : tensor<?x8x?xDHxET>, tensor<?x8x?xf32>
}

func.func @varlen(%q: tensor<?x8xDHxET>, %k: tensor<?x8xDHxET>, %v: tensor<?x8xDHxET>, %cq: tensor<?xi32>,
                  %ck: tensor<?xi32>, %n: tensor<?x?x?xi32>, %i: tensor<?x?x?x?xi32>) -> tensor<?x8xDHxET> {
  %o = attn.mha_varlen %q, %k, %v, %cq, %ck block_mask(%n, %i) {causal, q_block_size = QB : i64, kv_block_size = KB : i64 ATTRS}
      : (tensor<?x8xDHxET>, tensor<?x8xDHxET>, tensor<?x8xDHxET>, tensor<?xi32>, tensor<?xi32>,
         tensor<?x?x?xi32>, tensor<?x?x?x?xi32>) -> tensor<?x8xDHxET>
  return %o : tensor<?x8xDHxET>
}
