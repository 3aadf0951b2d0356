// A block mask with a region on attn.mha, and one without full lists on
// attn.mha_varlen (test/Tools/attn-compile/block-mask.test).
func.func @f(%q: tensor<?x4x?x32xf32>, %k: tensor<?x2x?x32xf32>, %v: tensor<?x2x?x32xf32>, %s: tensor<4xf32>,
             %n: tensor<?x?x?xi32>, %i: tensor<?x?x?x?xi32>, %fn: tensor<?x?x?xi32>, %fi: tensor<?x?x?x?xi32>)
    -> (tensor<?x4x?x32xf32>, tensor<?x4x?xf32>) {
  %o, %l = attn.mha %q, %k, %v sinks(%s) block_mask(%n, %i) full_blocks(%fn, %fi) mask_mod {
  ^bb0(%b: index, %h: index, %qi: index, %kj: index):
    %c = arith.cmpi sge, %qi, %kj : index
    attn.yield %c : i1
  } {q_block_size = 64 : i64, kv_block_size = 64 : i64}
    : (tensor<?x4x?x32xf32>, tensor<?x2x?x32xf32>, tensor<?x2x?x32xf32>, tensor<4xf32>,
       tensor<?x?x?xi32>, tensor<?x?x?x?xi32>, tensor<?x?x?xi32>, tensor<?x?x?x?xi32>) -> (tensor<?x4x?x32xf32>, tensor<?x4x?xf32>)
  return %o, %l : tensor<?x4x?x32xf32>, tensor<?x4x?xf32>
}

func.func @varlen(%q: tensor<?x4x32xbf16>, %k: tensor<?x4x32xbf16>, %v: tensor<?x4x32xbf16>, %cq: tensor<?xi32>, %ck: tensor<?xi32>,
                  %n: tensor<?x?x?xi32>, %i: tensor<?x?x?x?xi32>) -> tensor<?x4x32xbf16> {
  %o = attn.mha_varlen %q, %k, %v, %cq, %ck block_mask(%n, %i) {causal, q_block_size = 32 : i64, kv_block_size = 32 : i64}
    : (tensor<?x4x32xbf16>, tensor<?x4x32xbf16>, tensor<?x4x32xbf16>, tensor<?xi32>, tensor<?xi32>, tensor<?x?x?xi32>, tensor<?x?x?x?xi32>) -> tensor<?x4x32xbf16>
  return %o : tensor<?x4x32xbf16>
}
