// The pass needs the annotations of attn-gqa-map and attn-tile, and reports
// what it cannot lower at the op.
// RUN: attn-opt %s --split-input-file --verify-diagnostics --attn-online-softmax

func.func @no_map(%q: tensor<1x4x8x64xf16>) -> tensor<1x4x8x64xf16> {
  // expected-error @+1 {{attn-online-softmax: 'attn.mha' needs attn.kv_head_map (run attn-gqa-map first)}}
  %o = attn.mha %q, %q, %q : (tensor<1x4x8x64xf16>, tensor<1x4x8x64xf16>, tensor<1x4x8x64xf16>) -> tensor<1x4x8x64xf16>
  return %o : tensor<1x4x8x64xf16>
}

// -----

func.func @no_tile(%q: tensor<1x4x8x64xf16>) -> tensor<1x4x8x64xf16> {
  // expected-error @+1 {{attn-online-softmax: 'attn.mha' needs attn.tile and attn.grid (run attn-tile first)}}
  %o = attn.mha %q, %q, %q {attn.kv_head_map = affine_map<(h) -> (h)>} : (tensor<1x4x8x64xf16>, tensor<1x4x8x64xf16>, tensor<1x4x8x64xf16>) -> tensor<1x4x8x64xf16>
  return %o : tensor<1x4x8x64xf16>
}

// -----

func.func @splits(%q: tensor<1x4x8x64xf16>) -> tensor<1x4x8x64xf16> {
  // expected-error @+1 {{attn-online-softmax: 'attn.mha' has kv_splits != 1 in attn.tile: split-KV is implemented for attn.paged_attention only}}
  %o = attn.mha %q, %q, %q {attn.kv_head_map = affine_map<(h) -> (h)>, attn.grid = affine_map<(b, s) -> (s, b, 2)>, attn.tile = {block_m = 16 : i64, block_n = 64 : i64, kv_splits = 2 : i64}} : (tensor<1x4x8x64xf16>, tensor<1x4x8x64xf16>, tensor<1x4x8x64xf16>) -> tensor<1x4x8x64xf16>
  return %o : tensor<1x4x8x64xf16>
}

// -----

func.func @bad_block(%q: tensor<1x4x8x64xf16>) -> tensor<1x4x8x64xf16> {
  // expected-error @+1 {{attn-online-softmax: 'attn.mha' has an attn.tile without valid block_m / block_n (1..1024)}}
  %o = attn.mha %q, %q, %q {attn.kv_head_map = affine_map<(h) -> (h)>, attn.grid = affine_map<(b, s) -> (s, b, 1)>, attn.tile = {block_m = 0 : i64, block_n = 64 : i64}} : (tensor<1x4x8x64xf16>, tensor<1x4x8x64xf16>, tensor<1x4x8x64xf16>) -> tensor<1x4x8x64xf16>
  return %o : tensor<1x4x8x64xf16>
}

// -----

func.func @bad_grid(%q: tensor<1x4x8x64xf16>) -> tensor<1x4x8x64xf16> {
  // expected-error @+1 {{attn-online-softmax: 'attn.mha' has an attn.kv_head_map or attn.grid of the wrong arity}}
  %o = attn.mha %q, %q, %q {attn.kv_head_map = affine_map<(h) -> (h)>, attn.grid = affine_map<(b) -> (b, b, 1)>, attn.tile = {block_m = 16 : i64, block_n = 64 : i64}} : (tensor<1x4x8x64xf16>, tensor<1x4x8x64xf16>, tensor<1x4x8x64xf16>) -> tensor<1x4x8x64xf16>
  return %o : tensor<1x4x8x64xf16>
}
