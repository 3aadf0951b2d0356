// RUN: attn-opt %s --attn-gqa-map --verify-diagnostics -o /dev/null

// A map that contradicts the head counts is rejected, located.
func.func @wrong(%q: tensor<1x8x8x64xf16>, %k: tensor<1x2x8x64xf16>) -> tensor<1x8x8x64xf16> {
  // expected-error@+1 {{attn-gqa-map: 'attn.mha' has an attn.kv_head_map that disagrees with Hq = 8, Hkv = 2}}
  %o = attn.mha %q, %k, %k {attn.kv_head_map = affine_map<(d0) -> (d0 floordiv 2)>} : (tensor<1x8x8x64xf16>, tensor<1x2x8x64xf16>, tensor<1x2x8x64xf16>) -> tensor<1x8x8x64xf16>
  return %o : tensor<1x8x8x64xf16>
}
