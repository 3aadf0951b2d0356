// attn.mla has the decode kernel only: an attn.tile that asks for the prefill
// kernel (written by hand; attn-tile never does) is refused at the op.
// RUN: attn-opt %s --split-input-file --verify-diagnostics --attn-online-softmax

func.func @prefill_tile(%q: tensor<4x16x288xbf16>, %kv: tensor<?x16x288xbf16>, %bt: tensor<4x?xi32>, %sl: tensor<4xi32>, %qsl: tensor<5xi32>) -> tensor<4x16x256xbf16> {
  // expected-error @+1 {{attn-online-softmax: 'attn.mla' needs attn.tile's paged = "decode" (attn.mla has the decode kernel only)}}
  %o = attn.mla %q, %kv, %bt, %sl, %qsl {kv_lora_rank = 256 : i64, attn.kv_head_map = affine_map<(h) -> (0)>, attn.grid = affine_map<(d0, d1, d2) -> (d0, 1, d2)>, attn.tile = {block_m = 16 : i64, block_n = 32 : i64, kv_splits = 0 : i64, num_stages = 1 : i64, num_warps = 1 : i64, paged = "prefill", source = "hand", target = "cpu"}} : (tensor<4x16x288xbf16>, tensor<?x16x288xbf16>, tensor<4x?xi32>, tensor<4xi32>, tensor<5xi32>) -> tensor<4x16x256xbf16>
  return %o : tensor<4x16x256xbf16>
}

// -----

func.func @no_tile(%q: tensor<4x16x288xbf16>, %kv: tensor<?x16x288xbf16>, %bt: tensor<4x?xi32>, %sl: tensor<4xi32>, %qsl: tensor<5xi32>) -> tensor<4x16x256xbf16> {
  // expected-error @+1 {{attn-online-softmax: 'attn.mla' needs attn.tile and attn.grid (run attn-tile first)}}
  %o = attn.mla %q, %kv, %bt, %sl, %qsl {kv_lora_rank = 256 : i64, attn.kv_head_map = affine_map<(h) -> (0)>} : (tensor<4x16x288xbf16>, tensor<?x16x288xbf16>, tensor<4x?xi32>, tensor<4xi32>, tensor<5xi32>) -> tensor<4x16x256xbf16>
  return %o : tensor<4x16x256xbf16>
}
