// 64-bit element offsets (issue 17): a batched op (batch and head strides),
// varlen (token offsets from cu_seqlens) and paged (block offsets from
// block_tables), each kernel small enough to read its address arithmetic.
func.func @mha(%q: tensor<?x4x?x64xf16>, %k: tensor<?x2x?x64xf16>, %v: tensor<?x2x?x64xf16>) -> tensor<?x4x?x64xf16> {
  %o = attn.mha %q, %k, %v : (tensor<?x4x?x64xf16>, tensor<?x2x?x64xf16>, tensor<?x2x?x64xf16>) -> tensor<?x4x?x64xf16>
  return %o : tensor<?x4x?x64xf16>
}

func.func @varlen(%q: tensor<?x4x64xf16>, %k: tensor<?x2x64xf16>, %v: tensor<?x2x64xf16>, %cq: tensor<?xi32>, %ck: tensor<?xi32>) -> tensor<?x4x64xf16> {
  %o = attn.mha_varlen %q, %k, %v, %cq, %ck : (tensor<?x4x64xf16>, tensor<?x2x64xf16>, tensor<?x2x64xf16>, tensor<?xi32>, tensor<?xi32>) -> tensor<?x4x64xf16>
  return %o : tensor<?x4x64xf16>
}

func.func @paged(%q: tensor<?x4x64xf16>, %kc: tensor<?x16x2x64xf16>, %vc: tensor<?x16x2x64xf16>, %bt: tensor<?x?xi32>, %sl: tensor<?xi32>, %qsl: tensor<?xi32>) -> tensor<?x4x64xf16> {
  %o = attn.paged_attention %q, %kc, %vc, %bt, %sl, %qsl {attn.paged_mode = "decode"} : (tensor<?x4x64xf16>, tensor<?x16x2x64xf16>, tensor<?x16x2x64xf16>, tensor<?x?xi32>, tensor<?xi32>, tensor<?xi32>) -> tensor<?x4x64xf16>
  return %o : tensor<?x4x64xf16>
}
