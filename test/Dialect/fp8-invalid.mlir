// fp8 operands (issue 16, docs/fp8.md): one case per verifier branch; every
// message names the operand and what was seen.
// RUN: attn-opt %s --split-input-file --verify-diagnostics

func.func @no_descales(%q: tensor<1x2x8x16xf8E4M3FN>, %k: tensor<1x2x8x16xf8E4M3FN>, %v: tensor<1x2x8x16xf8E4M3FN>) {
  // expected-error@+1 {{fp8 q, k and v ('f8E4M3FN') need 'q_descale', 'k_descale' and 'v_descale' (descale(%q_descale, %k_descale, %v_descale))}}
  %o = attn.mha %q, %k, %v : (tensor<1x2x8x16xf8E4M3FN>, tensor<1x2x8x16xf8E4M3FN>, tensor<1x2x8x16xf8E4M3FN>) -> tensor<1x2x8x16xbf16>
  return
}

// -----

func.func @mixed_formats(%q: tensor<1x2x8x16xf8E4M3FN>, %k: tensor<1x2x8x16xf8E4M3FNUZ>, %v: tensor<1x2x8x16xf8E4M3FN>, %s: tensor<f32>) {
  // expected-error@+1 {{'k' element type 'f8E4M3FNUZ' must match 'q' element type 'f8E4M3FN' (q, k and v share one fp8 format)}}
  %o = attn.mha %q, %k, %v descale(%s, %s, %s) : (tensor<1x2x8x16xf8E4M3FN>, tensor<1x2x8x16xf8E4M3FNUZ>, tensor<1x2x8x16xf8E4M3FN>, tensor<f32>, tensor<f32>, tensor<f32>) -> tensor<1x2x8x16xbf16>
  return
}

// -----

func.func @fp8_kv_only(%q: tensor<1x2x8x16xbf16>, %k: tensor<1x2x8x16xf8E4M3FN>, %v: tensor<1x2x8x16xf8E4M3FN>) {
  // expected-error@+1 {{'q' element type must be the fp8 type of 'k' and 'v' ('f8E4M3FN'), got 'bf16'}}
  %o = attn.mha %q, %k, %v : (tensor<1x2x8x16xbf16>, tensor<1x2x8x16xf8E4M3FN>, tensor<1x2x8x16xf8E4M3FN>) -> tensor<1x2x8x16xbf16>
  return
}

// -----

func.func @fp8_out(%q: tensor<1x2x8x16xf8E4M3FN>, %s: tensor<f32>) {
  // expected-error@+1 {{'out' element type must be bf16 or f16 with fp8 q, k and v, got 'f32'}}
  %o = attn.mha %q, %q, %q descale(%s, %s, %s) : (tensor<1x2x8x16xf8E4M3FN>, tensor<1x2x8x16xf8E4M3FN>, tensor<1x2x8x16xf8E4M3FN>, tensor<f32>, tensor<f32>, tensor<f32>) -> tensor<1x2x8x16xf32>
  return
}

// -----

func.func @descale_not_fp8(%q: tensor<1x2x8x16xbf16>, %s: tensor<f32>) {
  // expected-error@+1 {{'q_descale', 'k_descale' and 'v_descale' apply to fp8 q, k and v (f8E4M3FN or f8E4M3FNUZ) or SAGE's i8 q and k only, got 'bf16'}}
  %o = attn.mha %q, %q, %q descale(%s, %s, %s) : (tensor<1x2x8x16xbf16>, tensor<1x2x8x16xbf16>, tensor<1x2x8x16xbf16>, tensor<f32>, tensor<f32>, tensor<f32>) -> tensor<1x2x8x16xbf16>
  return
}

// -----

func.func @descale_heads(%q: tensor<2x4x8x16xf8E4M3FN>, %k: tensor<2x2x8x16xf8E4M3FN>, %s: tensor<f32>, %h: tensor<4xf32>) {
  // expected-error@+1 {{'k_descale' dimension 0 (Hkv = 4) must equal 'k' dimension 1 (Hkv = 2)}}
  %o = attn.mha %q, %k, %k descale(%s, %h, %s) : (tensor<2x4x8x16xf8E4M3FN>, tensor<2x2x8x16xf8E4M3FN>, tensor<2x2x8x16xf8E4M3FN>, tensor<f32>, tensor<4xf32>, tensor<f32>) -> tensor<2x4x8x16xbf16>
  return
}

// -----

func.func @descale_batch(%q: tensor<2x4x8x16xf8E4M3FN>, %k: tensor<2x2x8x16xf8E4M3FN>, %s: tensor<f32>, %b: tensor<3x2xf32>) {
  // expected-error@+1 {{'v_descale' dimension 0 (B = 3) must equal 'q' dimension 0 (B = 2)}}
  %o = attn.mha %q, %k, %k descale(%s, %s, %b) : (tensor<2x4x8x16xf8E4M3FN>, tensor<2x2x8x16xf8E4M3FN>, tensor<2x2x8x16xf8E4M3FN>, tensor<f32>, tensor<f32>, tensor<3x2xf32>) -> tensor<2x4x8x16xbf16>
  return
}

// -----

func.func @descale_rank(%q: tensor<2x4x8x16xf8E4M3FN>, %k: tensor<2x2x8x16xf8E4M3FN>, %s: tensor<f32>, %b: tensor<2x2x1xf32>) {
  // expected-error@+1 {{'q_descale' must have shape [] (per tensor), [Hkv] or [B, Hkv], got 'tensor<2x2x1xf32>'}}
  %o = attn.mha %q, %k, %k descale(%b, %s, %s) : (tensor<2x4x8x16xf8E4M3FN>, tensor<2x2x8x16xf8E4M3FN>, tensor<2x2x8x16xf8E4M3FN>, tensor<2x2x1xf32>, tensor<f32>, tensor<f32>) -> tensor<2x4x8x16xbf16>
  return
}

// -----

func.func @descale_type(%q: tensor<2x4x8x16xf8E4M3FN>, %k: tensor<2x2x8x16xf8E4M3FN>, %s: tensor<f32>, %x: tensor<f16>) {
  // expected-error@+1 {{'k_descale' element type must be f32, got 'f16'}}
  %o = attn.mha %q, %k, %k descale(%s, %x, %s) : (tensor<2x4x8x16xf8E4M3FN>, tensor<2x2x8x16xf8E4M3FN>, tensor<2x2x8x16xf8E4M3FN>, tensor<f32>, tensor<f16>, tensor<f32>) -> tensor<2x4x8x16xbf16>
  return
}

// -----

func.func @varlen_batch(%q: tensor<9x4x16xf8E4M3FNUZ>, %k: tensor<7x2x16xf8E4M3FNUZ>, %c: tensor<4xi32>, %s: tensor<f32>, %b: tensor<4x2xf32>) {
  // expected-error@+1 {{'q_descale' dimension 0 (B = 4) must equal 'cu_seqlens_q' dimension 0 (B = 3)}}
  %o = attn.mha_varlen %q, %k, %k, %c, %c descale(%b, %s, %s) : (tensor<9x4x16xf8E4M3FNUZ>, tensor<7x2x16xf8E4M3FNUZ>, tensor<7x2x16xf8E4M3FNUZ>, tensor<4xi32>, tensor<4xi32>, tensor<4x2xf32>, tensor<f32>, tensor<f32>) -> tensor<9x4x16xf16>
  return
}

// -----

func.func @bwd_fp8(%q: tensor<1x2x8x16xf8E4M3FN>, %o: tensor<1x2x8x16xf8E4M3FN>, %l: tensor<1x2x8xf32>) {
  // expected-error@+1 {{'q' element type must be f16, bf16 or f32, got 'f8E4M3FN' (fp8 is implemented for the forward ops only)}}
  %dq, %dk, %dv = attn.mha_bwd %q, %q, %q, %o, %o, %l : (tensor<1x2x8x16xf8E4M3FN>, tensor<1x2x8x16xf8E4M3FN>, tensor<1x2x8x16xf8E4M3FN>, tensor<1x2x8x16xf8E4M3FN>, tensor<1x2x8x16xf8E4M3FN>, tensor<1x2x8xf32>) -> (tensor<1x2x8x16xf8E4M3FN>, tensor<1x2x8x16xf8E4M3FN>, tensor<1x2x8x16xf8E4M3FN>)
  return
}

// -----

func.func @paged_no_scales(%q: tensor<4x8x64xbf16>, %kc: tensor<16x16x2x64xf8E4M3FN>, %bt: tensor<4x4xi32>, %sl: tensor<4xi32>, %qsl: tensor<5xi32>) {
  // expected-error@+1 {{fp8 'k_cache' and 'v_cache' ('f8E4M3FN') need 'k_scale' and 'v_scale' (kv_scale(%k_scale, %v_scale))}}
  %o = attn.paged_attention %q, %kc, %kc, %bt, %sl, %qsl : (tensor<4x8x64xbf16>, tensor<16x16x2x64xf8E4M3FN>, tensor<16x16x2x64xf8E4M3FN>, tensor<4x4xi32>, tensor<4xi32>, tensor<5xi32>) -> tensor<4x8x64xbf16>
  return
}

// -----

func.func @paged_scale_token(%q: tensor<4x8x64xbf16>, %kc: tensor<16x16x2x64xf8E4M3FN>, %bt: tensor<4x4xi32>, %sl: tensor<4xi32>, %qsl: tensor<5xi32>, %s: tensor<f32>, %t: tensor<16x8x2xf32>) {
  // expected-error@+1 {{'v_scale' dimension 1 (BS = 8) must equal 'k_cache' dimension 1 (BS = 16)}}
  %o = attn.paged_attention %q, %kc, %kc, %bt, %sl, %qsl kv_scale(%s, %t) : (tensor<4x8x64xbf16>, tensor<16x16x2x64xf8E4M3FN>, tensor<16x16x2x64xf8E4M3FN>, tensor<4x4xi32>, tensor<4xi32>, tensor<5xi32>, tensor<f32>, tensor<16x8x2xf32>) -> tensor<4x8x64xbf16>
  return
}

// -----

func.func @paged_q_fp8(%q: tensor<4x8x64xf8E4M3FN>, %kc: tensor<16x16x2x64xf8E4M3FN>, %bt: tensor<4x4xi32>, %sl: tensor<4xi32>, %qsl: tensor<5xi32>, %s: tensor<f32>) {
  // expected-error@+1 {{'q' element type must be f16, bf16 or f32, got 'f8E4M3FN'}}
  %o = attn.paged_attention %q, %kc, %kc, %bt, %sl, %qsl kv_scale(%s, %s) : (tensor<4x8x64xf8E4M3FN>, tensor<16x16x2x64xf8E4M3FN>, tensor<16x16x2x64xf8E4M3FN>, tensor<4x4xi32>, tensor<4xi32>, tensor<5xi32>, tensor<f32>, tensor<f32>) -> tensor<4x8x64xf8E4M3FN>
  return
}

// -----

func.func @paged_scale_not_fp8(%q: tensor<4x8x64xbf16>, %kc: tensor<16x16x2x64xbf16>, %bt: tensor<4x4xi32>, %sl: tensor<4xi32>, %qsl: tensor<5xi32>, %s: tensor<f32>) {
  // expected-error@+1 {{'k_scale' and 'v_scale' apply to fp8 caches only (f8E4M3FN or f8E4M3FNUZ), got 'bf16'}}
  %o = attn.paged_attention %q, %kc, %kc, %bt, %sl, %qsl kv_scale(%s, %s) : (tensor<4x8x64xbf16>, tensor<16x16x2x64xbf16>, tensor<16x16x2x64xbf16>, tensor<4x4xi32>, tensor<4xi32>, tensor<5xi32>, tensor<f32>, tensor<f32>) -> tensor<4x8x64xbf16>
  return
}

// -----

func.func @mla_no_scale(%q: tensor<4x8x96xbf16>, %kv: tensor<16x16x96xf8E4M3FN>, %bt: tensor<4x4xi32>, %sl: tensor<4xi32>, %qsl: tensor<5xi32>) {
  // expected-error@+1 {{an fp8 'kv_cache' ('f8E4M3FN') needs 'kv_scale' (kv_scale(%kv_scale))}}
  %o = attn.mla %q, %kv, %bt, %sl, %qsl {kv_lora_rank = 64 : i64} : (tensor<4x8x96xbf16>, tensor<16x16x96xf8E4M3FN>, tensor<4x4xi32>, tensor<4xi32>, tensor<5xi32>) -> tensor<4x8x64xbf16>
  return
}

// -----

func.func @mla_scale_shape(%q: tensor<4x8x96xbf16>, %kv: tensor<16x16x96xf8E4M3FN>, %bt: tensor<4x4xi32>, %sl: tensor<4xi32>, %qsl: tensor<5xi32>, %s: tensor<16x8xf32>) {
  // expected-error@+1 {{'kv_scale' dimension 1 (BS = 8) must equal 'kv_cache' dimension 1 (BS = 16)}}
  %o = attn.mla %q, %kv, %bt, %sl, %qsl kv_scale(%s) {kv_lora_rank = 64 : i64} : (tensor<4x8x96xbf16>, tensor<16x16x96xf8E4M3FN>, tensor<4x4xi32>, tensor<4xi32>, tensor<5xi32>, tensor<16x8xf32>) -> tensor<4x8x64xbf16>
  return
}

// -----

func.func @mla_scale_rank(%q: tensor<4x8x96xbf16>, %kv: tensor<16x16x96xf8E4M3FN>, %bt: tensor<4x4xi32>, %sl: tensor<4xi32>, %qsl: tensor<5xi32>, %s: tensor<16xf32>) {
  // expected-error@+1 {{'kv_scale' must have shape [] (per tensor) or [NB, BS], got 'tensor<16xf32>'}}
  %o = attn.mla %q, %kv, %bt, %sl, %qsl kv_scale(%s) {kv_lora_rank = 64 : i64} : (tensor<4x8x96xbf16>, tensor<16x16x96xf8E4M3FN>, tensor<4x4xi32>, tensor<4xi32>, tensor<5xi32>, tensor<16xf32>) -> tensor<4x8x64xbf16>
  return
}

// -----

func.func @mla_scale_not_fp8(%q: tensor<4x8x96xbf16>, %kv: tensor<16x16x96xbf16>, %bt: tensor<4x4xi32>, %sl: tensor<4xi32>, %qsl: tensor<5xi32>, %s: tensor<f32>) {
  // expected-error@+1 {{'kv_scale' applies to an fp8 kv_cache only (f8E4M3FN or f8E4M3FNUZ), got 'bf16'}}
  %o = attn.mla %q, %kv, %bt, %sl, %qsl kv_scale(%s) {kv_lora_rank = 64 : i64} : (tensor<4x8x96xbf16>, tensor<16x16x96xbf16>, tensor<4x4xi32>, tensor<4xi32>, tensor<5xi32>, tensor<f32>) -> tensor<4x8x64xbf16>
  return
}
