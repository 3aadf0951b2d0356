// attn-online-softmax refuses, located, a block mask whose blocks do not
// hold whole tiles (attn-tile never picks such tiles; docs/masks.md).
// RUN: attn-opt %s --attn-online-softmax --verify-diagnostics

// A hand-written attn.tile whose tiles do not nest in the blocks.
func.func @no_nest(%q: tensor<1x4x64x64xf16>, %n: tensor<1x1x2xi32>, %i: tensor<1x1x2x2xi32>) -> tensor<1x4x64x64xf16> {
  // expected-error@+1 {{attn-online-softmax: 'attn.mha' has a block mask whose blocks (q_block_size = 32, kv_block_size = 32) are not multiples of the kernel's tile (block_m = 16, block_n = 64)}}
  %o = attn.mha %q, %q, %q block_mask(%n, %i) {q_block_size = 32 : i64, kv_block_size = 32 : i64,
      attn.kv_head_map = affine_map<(h) -> (h)>, attn.tile = {block_m = 16 : i64, block_n = 64 : i64},
      attn.grid = affine_map<(b, s) -> (s ceildiv 16, b * 4, 1)>}
    : (tensor<1x4x64x64xf16>, tensor<1x4x64x64xf16>, tensor<1x4x64x64xf16>, tensor<1x1x2xi32>, tensor<1x1x2x2xi32>) -> tensor<1x4x64x64xf16>
  return %o : tensor<1x4x64x64xf16>
}
