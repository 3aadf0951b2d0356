// attn-flash-backward refuses, located, what it cannot lower: ops not yet
// through attn-gqa-map / attn-tile (here the annotations are written by
// hand), a softcap whose derivative is not representable in f32. Forward
// ops are left alone.
// RUN: attn-opt %s --split-input-file --verify-diagnostics --attn-flash-backward

func.func @no_map(%q: tensor<1x2x8x32xf32>, %l: tensor<1x2x8xf32>) -> tensor<1x2x8x32xf32> {
  // expected-error@+1 {{attn-flash-backward: 'attn.mha_bwd' needs attn.kv_head_map (run attn-gqa-map first)}}
  %dq, %dk, %dv = attn.mha_bwd %q, %q, %q, %q, %q, %l : (tensor<1x2x8x32xf32>, tensor<1x2x8x32xf32>, tensor<1x2x8x32xf32>, tensor<1x2x8x32xf32>, tensor<1x2x8x32xf32>, tensor<1x2x8xf32>) -> (tensor<1x2x8x32xf32>, tensor<1x2x8x32xf32>, tensor<1x2x8x32xf32>)
  return %dq : tensor<1x2x8x32xf32>
}

// -----

func.func @no_tile(%q: tensor<1x2x8x32xf32>, %l: tensor<1x2x8xf32>) -> tensor<1x2x8x32xf32> {
  // expected-error@+1 {{attn-flash-backward: 'attn.mha_bwd' needs attn.tile (run attn-tile first)}}
  %dq, %dk, %dv = attn.mha_bwd %q, %q, %q, %q, %q, %l {attn.kv_head_map = affine_map<(h) -> (h)>} : (tensor<1x2x8x32xf32>, tensor<1x2x8x32xf32>, tensor<1x2x8x32xf32>, tensor<1x2x8x32xf32>, tensor<1x2x8x32xf32>, tensor<1x2x8xf32>) -> (tensor<1x2x8x32xf32>, tensor<1x2x8x32xf32>, tensor<1x2x8x32xf32>)
  return %dq : tensor<1x2x8x32xf32>
}

// -----

func.func @bad_tile(%q: tensor<1x2x8x32xf32>, %l: tensor<1x2x8xf32>) -> tensor<1x2x8x32xf32> {
  // expected-error@+1 {{attn-flash-backward: 'attn.mha_bwd' has an attn.tile without valid block_m / block_n (1..1024)}}
  %dq, %dk, %dv = attn.mha_bwd %q, %q, %q, %q, %q, %l {attn.kv_head_map = affine_map<(h) -> (h)>, attn.tile = {block_m = 0 : i64, block_n = 64 : i64}} : (tensor<1x2x8x32xf32>, tensor<1x2x8x32xf32>, tensor<1x2x8x32xf32>, tensor<1x2x8x32xf32>, tensor<1x2x8x32xf32>, tensor<1x2x8xf32>) -> (tensor<1x2x8x32xf32>, tensor<1x2x8x32xf32>, tensor<1x2x8x32xf32>)
  return %dq : tensor<1x2x8x32xf32>
}

// -----

// scale / softcap = 0.18 / 1e38 is below f32's normal range.
func.func @softcap_huge(%q: tensor<8x2x32xf32>, %l: tensor<2x8xf32>, %c: tensor<3xi32>) -> tensor<8x2x32xf32> {
  // expected-error@+1 {{attn-flash-backward: 'attn.mha_varlen_bwd' has a softcap whose scale / softcap or softcap * log2(e) is not a normal f32 number, which the backward does not support}}
  %dq, %dk, %dv = attn.mha_varlen_bwd %q, %q, %q, %q, %q, %l, %c, %c {softcap = 1.0e38 : f32, attn.kv_head_map = affine_map<(h) -> (h)>, attn.tile = {block_m = 16 : i64, block_n = 64 : i64}} : (tensor<8x2x32xf32>, tensor<8x2x32xf32>, tensor<8x2x32xf32>, tensor<8x2x32xf32>, tensor<8x2x32xf32>, tensor<2x8xf32>, tensor<3xi32>, tensor<3xi32>) -> (tensor<8x2x32xf32>, tensor<8x2x32xf32>, tensor<8x2x32xf32>)
  return %dq : tensor<8x2x32xf32>
}

// -----

// A forward op is not this pass's: no diagnostic, left in place.
func.func @forward(%q: tensor<1x2x8x32xf32>) -> tensor<1x2x8x32xf32> {
  %o = attn.mha %q, %q, %q : (tensor<1x2x8x32xf32>, tensor<1x2x8x32xf32>, tensor<1x2x8x32xf32>) -> tensor<1x2x8x32xf32>
  return %o : tensor<1x2x8x32xf32>
}
