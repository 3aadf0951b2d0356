// One case per verifier branch of attn.mha, attn.mha_varlen and
// attn.paged_attention (and the ODS checks in front of them). Every message
// names the operand and the values seen. One case per `// -----` chunk.
// RUN: attn-opt %s --split-input-file --verify-diagnostics
// Every chunk fails (so no IR is printed) and the tool says so:
// RUN: not attn-opt %s --split-input-file 2>/dev/null | FileCheck %s --check-prefix=NOIR --allow-empty
// NOIR-NOT: module

// Q of rank 3.
func.func @mha_q_rank(%q: tensor<8x16x64xf16>, %k: tensor<2x2x32x64xf16>, %v: tensor<2x2x32x64xf16>) {
  // expected-error@+1 {{'q' must have rank 4 (B x Hq x Sq x D), got 'tensor<8x16x64xf16>'}}
  %o = attn.mha %q, %k, %v : (tensor<8x16x64xf16>, tensor<2x2x32x64xf16>, tensor<2x2x32x64xf16>) -> tensor<2x8x16x64xf16>
  return
}

// -----

// K of rank 5.
func.func @mha_k_rank(%q: tensor<2x8x16x64xf16>, %k: tensor<2x2x32x64x1xf16>, %v: tensor<2x2x32x64xf16>) {
  // expected-error@+1 {{'k' must have rank 4 (B x Hkv x Sk x D), got 'tensor<2x2x32x64x1xf16>'}}
  %o = attn.mha %q, %k, %v : (tensor<2x8x16x64xf16>, tensor<2x2x32x64x1xf16>, tensor<2x2x32x64xf16>) -> tensor<2x8x16x64xf16>
  return
}

// -----

// V of rank 3.
func.func @mha_v_rank(%q: tensor<2x8x16x64xf16>, %k: tensor<2x2x32x64xf16>, %v: tensor<2x32x64xf16>) {
  // expected-error@+1 {{'v' must have rank 4 (B x Hkv x Sk x Dv), got 'tensor<2x32x64xf16>'}}
  %o = attn.mha %q, %k, %v : (tensor<2x8x16x64xf16>, tensor<2x2x32x64xf16>, tensor<2x32x64xf16>) -> tensor<2x8x16x64xf16>
  return
}

// -----

// Out of rank 3.
func.func @mha_out_rank(%q: tensor<2x8x16x64xf16>, %k: tensor<2x2x32x64xf16>, %v: tensor<2x2x32x64xf16>) {
  // expected-error@+1 {{'out' must have rank 4 (B x Hq x Sq x Dv), got 'tensor<2x8x1024xf16>'}}
  %o = attn.mha %q, %k, %v : (tensor<2x8x16x64xf16>, tensor<2x2x32x64xf16>, tensor<2x2x32x64xf16>) -> tensor<2x8x1024xf16>
  return
}

// -----

// An unranked q.
func.func @mha_q_unranked(%q: tensor<*xf16>, %k: tensor<2x2x32x64xf16>, %v: tensor<2x2x32x64xf16>) {
  // expected-error@+1 {{'q' must have rank 4 (B x Hq x Sq x D), got 'tensor<*xf16>'}}
  %o = attn.mha %q, %k, %v : (tensor<*xf16>, tensor<2x2x32x64xf16>, tensor<2x2x32x64xf16>) -> tensor<2x8x16x64xf16>
  return
}

// -----

// A memref is not a tensor (ODS type constraint).
func.func @mha_k_memref(%q: tensor<2x8x16x64xf16>, %k: memref<2x2x32x64xf16>, %v: tensor<2x2x32x64xf16>) {
  // expected-error@+1 {{operand #1 must be tensor of 16-bit float, bfloat16 or 32-bit float values, but got 'memref<2x2x32x64xf16>'}}
  %o = attn.mha %q, %k, %v : (tensor<2x8x16x64xf16>, memref<2x2x32x64xf16>, tensor<2x2x32x64xf16>) -> tensor<2x8x16x64xf16>
  return
}

// -----

// I8 is an attention element type of q and k only (SAGE: docs/fp8.md).
func.func @mha_i8(%q: tensor<2x8x16x64xi8>, %k: tensor<2x2x32x64xi8>, %v: tensor<2x2x32x64xi8>) {
  // expected-error@+1 {{'v' element type must be f8E4M3FN or f8E4M3FNUZ with i8 q and k (SAGE), got 'i8'}}
  %o = attn.mha %q, %k, %v : (tensor<2x8x16x64xi8>, tensor<2x2x32x64xi8>, tensor<2x2x32x64xi8>) -> tensor<2x8x16x64xi8>
  return
}

// -----

// F64 is not an attention element type.
func.func @mha_f64(%q: tensor<2x8x16x64xf64>, %k: tensor<2x2x32x64xf64>, %v: tensor<2x2x32x64xf64>) {
  // expected-error@+1 {{'q' element type must be f16, bf16 or f32, got 'f64'}}
  %o = attn.mha %q, %k, %v : (tensor<2x8x16x64xf64>, tensor<2x2x32x64xf64>, tensor<2x2x32x64xf64>) -> tensor<2x8x16x64xf64>
  return
}

// -----

// K element type differs from q.
func.func @mha_k_elt(%q: tensor<2x8x16x64xf16>, %k: tensor<2x2x32x64xbf16>, %v: tensor<2x2x32x64xf16>) {
  // expected-error@+1 {{'k' element type 'bf16' must match 'q' element type 'f16'}}
  %o = attn.mha %q, %k, %v : (tensor<2x8x16x64xf16>, tensor<2x2x32x64xbf16>, tensor<2x2x32x64xf16>) -> tensor<2x8x16x64xf16>
  return
}

// -----

// V element type differs from q.
func.func @mha_v_elt(%q: tensor<2x8x16x64xf16>, %k: tensor<2x2x32x64xf16>, %v: tensor<2x2x32x64xf32>) {
  // expected-error@+1 {{'v' element type 'f32' must match 'q' element type 'f16'}}
  %o = attn.mha %q, %k, %v : (tensor<2x8x16x64xf16>, tensor<2x2x32x64xf16>, tensor<2x2x32x64xf32>) -> tensor<2x8x16x64xf16>
  return
}

// -----

// Out element type differs from q (no implicit up-cast).
func.func @mha_out_elt(%q: tensor<2x8x16x64xf16>, %k: tensor<2x2x32x64xf16>, %v: tensor<2x2x32x64xf16>) {
  // expected-error@+1 {{'out' element type 'f32' must match 'q' element type 'f16'}}
  %o = attn.mha %q, %k, %v : (tensor<2x8x16x64xf16>, tensor<2x2x32x64xf16>, tensor<2x2x32x64xf16>) -> tensor<2x8x16x64xf32>
  return
}

// -----

// Dynamic Hq.
func.func @mha_dyn_hq(%q: tensor<2x?x16x64xf16>, %k: tensor<2x2x32x64xf16>, %v: tensor<2x2x32x64xf16>) {
  // expected-error@+1 {{'q' dimension 1 (Hq) must be static, got 'tensor<2x?x16x64xf16>'}}
  %o = attn.mha %q, %k, %v : (tensor<2x?x16x64xf16>, tensor<2x2x32x64xf16>, tensor<2x2x32x64xf16>) -> tensor<2x?x16x64xf16>
  return
}

// -----

// Dynamic head dim D.
func.func @mha_dyn_d(%q: tensor<2x8x16x?xf16>, %k: tensor<2x2x32x64xf16>, %v: tensor<2x2x32x64xf16>) {
  // expected-error@+1 {{'q' dimension 3 (D) must be static, got 'tensor<2x8x16x?xf16>'}}
  %o = attn.mha %q, %k, %v : (tensor<2x8x16x?xf16>, tensor<2x2x32x64xf16>, tensor<2x2x32x64xf16>) -> tensor<2x8x16x64xf16>
  return
}

// -----

// Dynamic Hkv.
func.func @mha_dyn_hkv(%q: tensor<2x8x16x64xf16>, %k: tensor<2x?x32x64xf16>, %v: tensor<2x2x32x64xf16>) {
  // expected-error@+1 {{'k' dimension 1 (Hkv) must be static, got 'tensor<2x?x32x64xf16>'}}
  %o = attn.mha %q, %k, %v : (tensor<2x8x16x64xf16>, tensor<2x?x32x64xf16>, tensor<2x2x32x64xf16>) -> tensor<2x8x16x64xf16>
  return
}

// -----

// Dynamic Dv.
func.func @mha_dyn_dv(%q: tensor<2x8x16x64xf16>, %k: tensor<2x2x32x64xf16>, %v: tensor<2x2x32x?xf16>) {
  // expected-error@+1 {{'v' dimension 3 (Dv) must be static, got 'tensor<2x2x32x?xf16>'}}
  %o = attn.mha %q, %k, %v : (tensor<2x8x16x64xf16>, tensor<2x2x32x64xf16>, tensor<2x2x32x?xf16>) -> tensor<2x8x16x64xf16>
  return
}

// -----

// Dynamic Dv in out.
func.func @mha_dyn_out_dv(%q: tensor<2x8x16x64xf16>, %k: tensor<2x2x32x64xf16>, %v: tensor<2x2x32x64xf16>) {
  // expected-error@+1 {{'out' dimension 3 (Dv) must be static, got 'tensor<2x8x16x?xf16>'}}
  %o = attn.mha %q, %k, %v : (tensor<2x8x16x64xf16>, tensor<2x2x32x64xf16>, tensor<2x2x32x64xf16>) -> tensor<2x8x16x?xf16>
  return
}

// -----

// Head dims of q and k differ.
func.func @mha_head_dim(%q: tensor<2x8x16x64xf16>, %k: tensor<2x2x32x128xf16>, %v: tensor<2x2x32x64xf16>) {
  // expected-error@+1 {{'k' dimension 3 (D = 128) must equal 'q' dimension 3 (D = 64)}}
  %o = attn.mha %q, %k, %v : (tensor<2x8x16x64xf16>, tensor<2x2x32x128xf16>, tensor<2x2x32x64xf16>) -> tensor<2x8x16x64xf16>
  return
}

// -----

// Batch of k differs from q.
func.func @mha_k_batch(%q: tensor<2x8x16x64xf16>, %k: tensor<3x2x32x64xf16>, %v: tensor<3x2x32x64xf16>) {
  // expected-error@+1 {{'k' dimension 0 (B = 3) must equal 'q' dimension 0 (B = 2)}}
  %o = attn.mha %q, %k, %v : (tensor<2x8x16x64xf16>, tensor<3x2x32x64xf16>, tensor<3x2x32x64xf16>) -> tensor<2x8x16x64xf16>
  return
}

// -----

// Batch of v differs from q.
func.func @mha_v_batch(%q: tensor<2x8x16x64xf16>, %k: tensor<2x2x32x64xf16>, %v: tensor<1x2x32x64xf16>) {
  // expected-error@+1 {{'v' dimension 0 (B = 1) must equal 'q' dimension 0 (B = 2)}}
  %o = attn.mha %q, %k, %v : (tensor<2x8x16x64xf16>, tensor<2x2x32x64xf16>, tensor<1x2x32x64xf16>) -> tensor<2x8x16x64xf16>
  return
}

// -----

// K and v head counts differ.
func.func @mha_hkv_kv(%q: tensor<2x8x16x64xf16>, %k: tensor<2x2x32x64xf16>, %v: tensor<2x4x32x64xf16>) {
  // expected-error@+1 {{'v' dimension 1 (Hkv = 4) must equal 'k' dimension 1 (Hkv = 2)}}
  %o = attn.mha %q, %k, %v : (tensor<2x8x16x64xf16>, tensor<2x2x32x64xf16>, tensor<2x4x32x64xf16>) -> tensor<2x8x16x64xf16>
  return
}

// -----

// K and v sequence lengths differ.
func.func @mha_sk(%q: tensor<2x8x16x64xf16>, %k: tensor<2x2x32x64xf16>, %v: tensor<2x2x31x64xf16>) {
  // expected-error@+1 {{'v' dimension 2 (Sk = 31) must equal 'k' dimension 2 (Sk = 32)}}
  %o = attn.mha %q, %k, %v : (tensor<2x8x16x64xf16>, tensor<2x2x32x64xf16>, tensor<2x2x31x64xf16>) -> tensor<2x8x16x64xf16>
  return
}

// -----

// Out batch differs from q.
func.func @mha_out_batch(%q: tensor<2x8x16x64xf16>, %k: tensor<2x2x32x64xf16>, %v: tensor<2x2x32x64xf16>) {
  // expected-error@+1 {{'out' dimension 0 (B = 4) must equal 'q' dimension 0 (B = 2)}}
  %o = attn.mha %q, %k, %v : (tensor<2x8x16x64xf16>, tensor<2x2x32x64xf16>, tensor<2x2x32x64xf16>) -> tensor<4x8x16x64xf16>
  return
}

// -----

// Out head count differs from q.
func.func @mha_out_hq(%q: tensor<2x8x16x64xf16>, %k: tensor<2x2x32x64xf16>, %v: tensor<2x2x32x64xf16>) {
  // expected-error@+1 {{'out' dimension 1 (Hq = 2) must equal 'q' dimension 1 (Hq = 8)}}
  %o = attn.mha %q, %k, %v : (tensor<2x8x16x64xf16>, tensor<2x2x32x64xf16>, tensor<2x2x32x64xf16>) -> tensor<2x2x16x64xf16>
  return
}

// -----

// Out sequence length differs from q (Sk given instead).
func.func @mha_out_sq(%q: tensor<2x8x16x64xf16>, %k: tensor<2x2x32x64xf16>, %v: tensor<2x2x32x64xf16>) {
  // expected-error@+1 {{'out' dimension 2 (Sq = 32) must equal 'q' dimension 2 (Sq = 16)}}
  %o = attn.mha %q, %k, %v : (tensor<2x8x16x64xf16>, tensor<2x2x32x64xf16>, tensor<2x2x32x64xf16>) -> tensor<2x8x32x64xf16>
  return
}

// -----

// Out head dim differs from v.
func.func @mha_out_dv(%q: tensor<2x8x16x64xf16>, %k: tensor<2x2x32x64xf16>, %v: tensor<2x2x32x96xf16>) {
  // expected-error@+1 {{'out' dimension 3 (Dv = 64) must equal 'v' dimension 3 (Dv = 96)}}
  %o = attn.mha %q, %k, %v : (tensor<2x8x16x64xf16>, tensor<2x2x32x64xf16>, tensor<2x2x32x96xf16>) -> tensor<2x8x16x64xf16>
  return
}

// -----

// Hq not a multiple of Hkv.
func.func @mha_gqa_ratio(%q: tensor<2x6x16x64xf16>, %k: tensor<2x4x32x64xf16>, %v: tensor<2x4x32x64xf16>) {
  // expected-error@+1 {{query heads (Hq = 6) must be a multiple of key/value heads (Hkv = 4)}}
  %o = attn.mha %q, %k, %v : (tensor<2x6x16x64xf16>, tensor<2x4x32x64xf16>, tensor<2x4x32x64xf16>) -> tensor<2x6x16x64xf16>
  return
}

// -----

// More key/value heads than query heads.
func.func @mha_hkv_gt_hq(%q: tensor<2x2x16x64xf16>, %k: tensor<2x8x32x64xf16>, %v: tensor<2x8x32x64xf16>) {
  // expected-error@+1 {{query heads (Hq = 2) must be a multiple of key/value heads (Hkv = 8)}}
  %o = attn.mha %q, %k, %v : (tensor<2x2x16x64xf16>, tensor<2x8x32x64xf16>, tensor<2x8x32x64xf16>) -> tensor<2x2x16x64xf16>
  return
}

// -----

// Zero head dim.
func.func @mha_zero_d(%q: tensor<2x8x16x0xf16>, %k: tensor<2x2x32x0xf16>, %v: tensor<2x2x32x64xf16>) {
  // expected-error@+1 {{head counts and head dims must be positive, got Hq = 8, Hkv = 2, D = 0, Dv = 64}}
  %o = attn.mha %q, %k, %v : (tensor<2x8x16x0xf16>, tensor<2x2x32x0xf16>, tensor<2x2x32x64xf16>) -> tensor<2x8x16x64xf16>
  return
}

// -----

// Zero query heads.
func.func @mha_zero_hq(%q: tensor<2x0x16x64xf16>, %k: tensor<2x2x32x64xf16>, %v: tensor<2x2x32x64xf16>) {
  // expected-error@+1 {{head counts and head dims must be positive, got Hq = 0, Hkv = 2, D = 64, Dv = 64}}
  %o = attn.mha %q, %k, %v : (tensor<2x0x16x64xf16>, tensor<2x2x32x64xf16>, tensor<2x2x32x64xf16>) -> tensor<2x0x16x64xf16>
  return
}

// -----

// Zero key/value heads.
func.func @mha_zero_hkv(%q: tensor<2x8x16x64xf16>, %k: tensor<2x0x32x64xf16>, %v: tensor<2x0x32x64xf16>) {
  // expected-error@+1 {{head counts and head dims must be positive, got Hq = 8, Hkv = 0, D = 64, Dv = 64}}
  %o = attn.mha %q, %k, %v : (tensor<2x8x16x64xf16>, tensor<2x0x32x64xf16>, tensor<2x0x32x64xf16>) -> tensor<2x8x16x64xf16>
  return
}

// -----

// A static dim still mismatches when the other side is static.
func.func @mha_dyn_mismatch(%q: tensor<?x8x?x64xf16>, %k: tensor<?x2x?x64xf16>, %v: tensor<?x2x?x32xf16>) {
  // expected-error@+1 {{'out' dimension 3 (Dv = 64) must equal 'v' dimension 3 (Dv = 32)}}
  %o = attn.mha %q, %k, %v : (tensor<?x8x?x64xf16>, tensor<?x2x?x64xf16>, tensor<?x2x?x32xf16>) -> tensor<?x8x?x64xf16>
  return
}

// -----

// Lse of rank 4.
func.func @mha_lse_rank(%q: tensor<2x8x16x64xf16>, %k: tensor<2x2x32x64xf16>, %v: tensor<2x2x32x64xf16>) {
  // expected-error@+1 {{'lse' must have rank 3 (B x Hq x Sq), got 'tensor<2x8x16x1xf32>'}}
  %o:2 = attn.mha %q, %k, %v : (tensor<2x8x16x64xf16>, tensor<2x2x32x64xf16>, tensor<2x2x32x64xf16>) -> (tensor<2x8x16x64xf16>, tensor<2x8x16x1xf32>)
  return
}

// -----

// Lse batch differs from q.
func.func @mha_lse_batch(%q: tensor<2x8x16x64xf16>, %k: tensor<2x2x32x64xf16>, %v: tensor<2x2x32x64xf16>) {
  // expected-error@+1 {{'lse' dimension 0 (B = 1) must equal 'q' dimension 0 (B = 2)}}
  %o:2 = attn.mha %q, %k, %v : (tensor<2x8x16x64xf16>, tensor<2x2x32x64xf16>, tensor<2x2x32x64xf16>) -> (tensor<2x8x16x64xf16>, tensor<1x8x16xf32>)
  return
}

// -----

// Lse head count differs from q.
func.func @mha_lse_heads(%q: tensor<2x8x16x64xf16>, %k: tensor<2x2x32x64xf16>, %v: tensor<2x2x32x64xf16>) {
  // expected-error@+1 {{'lse' dimension 1 (Hq = 2) must equal 'q' dimension 1 (Hq = 8)}}
  %o:2 = attn.mha %q, %k, %v : (tensor<2x8x16x64xf16>, tensor<2x2x32x64xf16>, tensor<2x2x32x64xf16>) -> (tensor<2x8x16x64xf16>, tensor<2x2x16xf32>)
  return
}

// -----

// Lse sequence length differs from q.
func.func @mha_lse_seq(%q: tensor<2x8x16x64xf16>, %k: tensor<2x2x32x64xf16>, %v: tensor<2x2x32x64xf16>) {
  // expected-error@+1 {{'lse' dimension 2 (Sq = 32) must equal 'q' dimension 2 (Sq = 16)}}
  %o:2 = attn.mha %q, %k, %v : (tensor<2x8x16x64xf16>, tensor<2x2x32x64xf16>, tensor<2x2x32x64xf16>) -> (tensor<2x8x16x64xf16>, tensor<2x8x32xf32>)
  return
}

// -----

// Lse must be f32 even for f16 inputs.
func.func @mha_lse_type(%q: tensor<2x8x16x64xf16>, %k: tensor<2x2x32x64xf16>, %v: tensor<2x2x32x64xf16>) {
  // expected-error@+1 {{'lse' element type must be f32, got 'f16'}}
  %o:2 = attn.mha %q, %k, %v : (tensor<2x8x16x64xf16>, tensor<2x2x32x64xf16>, tensor<2x2x32x64xf16>) -> (tensor<2x8x16x64xf16>, tensor<2x8x16xf16>)
  return
}

// -----

// Lse must be f32 even for bf16 inputs.
func.func @mha_lse_bf16(%q: tensor<2x8x16x64xbf16>, %k: tensor<2x2x32x64xbf16>, %v: tensor<2x2x32x64xbf16>) {
  // expected-error@+1 {{'lse' element type must be f32, got 'bf16'}}
  %o:2 = attn.mha %q, %k, %v : (tensor<2x8x16x64xbf16>, tensor<2x2x32x64xbf16>, tensor<2x2x32x64xbf16>) -> (tensor<2x8x16x64xbf16>, tensor<2x8x16xbf16>)
  return
}

// -----

// One alibi slope per key/value head instead of per query head.
func.func @mha_alibi_size(%q: tensor<2x8x16x64xf16>, %k: tensor<2x2x32x64xf16>, %v: tensor<2x2x32x64xf16>, %s: tensor<2xf32>) {
  // expected-error@+1 {{'alibi_slopes' dimension 0 (Hq = 2) must equal 'q' dimension 1 (Hq = 8)}}
  %o = attn.mha %q, %k, %v alibi(%s) : (tensor<2x8x16x64xf16>, tensor<2x2x32x64xf16>, tensor<2x2x32x64xf16>, tensor<2xf32>) -> tensor<2x8x16x64xf16>
  return
}

// -----

// Alibi slopes of rank 2.
func.func @mha_alibi_rank(%q: tensor<2x8x16x64xf16>, %k: tensor<2x2x32x64xf16>, %v: tensor<2x2x32x64xf16>, %s: tensor<1x8xf32>) {
  // expected-error@+1 {{'alibi_slopes' must have rank 1 (Hq), got 'tensor<1x8xf32>'}}
  %o = attn.mha %q, %k, %v alibi(%s) : (tensor<2x8x16x64xf16>, tensor<2x2x32x64xf16>, tensor<2x2x32x64xf16>, tensor<1x8xf32>) -> tensor<2x8x16x64xf16>
  return
}

// -----

// Alibi slopes in the input element type.
func.func @mha_alibi_type(%q: tensor<2x8x16x64xf16>, %k: tensor<2x2x32x64xf16>, %v: tensor<2x2x32x64xf16>, %s: tensor<8xf16>) {
  // expected-error@+1 {{'alibi_slopes' element type must be f32, got 'f16'}}
  %o = attn.mha %q, %k, %v alibi(%s) : (tensor<2x8x16x64xf16>, tensor<2x2x32x64xf16>, tensor<2x2x32x64xf16>, tensor<8xf16>) -> tensor<2x8x16x64xf16>
  return
}

// -----

// A rank-0 alibi tensor.
func.func @mha_alibi_scalar(%q: tensor<2x8x16x64xf16>, %k: tensor<2x2x32x64xf16>, %v: tensor<2x2x32x64xf16>, %s: tensor<f32>) {
  // expected-error@+1 {{'alibi_slopes' must have rank 1 (Hq), got 'tensor<f32>'}}
  %o = attn.mha %q, %k, %v alibi(%s) : (tensor<2x8x16x64xf16>, tensor<2x2x32x64xf16>, tensor<2x2x32x64xf16>, tensor<f32>) -> tensor<2x8x16x64xf16>
  return
}

// -----

// Negative window_left.
func.func @mha_window_left(%q: tensor<2x8x16x64xf16>, %k: tensor<2x2x32x64xf16>, %v: tensor<2x2x32x64xf16>) {
  // expected-error@+1 {{'window_left' must be non-negative, got -1}}
  %o = attn.mha %q, %k, %v {causal, window_left = -1 : i64} : (tensor<2x8x16x64xf16>, tensor<2x2x32x64xf16>, tensor<2x2x32x64xf16>) -> tensor<2x8x16x64xf16>
  return
}

// -----

// Negative window_right.
func.func @mha_window_right(%q: tensor<2x8x16x64xf16>, %k: tensor<2x2x32x64xf16>, %v: tensor<2x2x32x64xf16>) {
  // expected-error@+1 {{'window_right' must be non-negative, got -5}}
  %o = attn.mha %q, %k, %v {window_right = -5 : i64} : (tensor<2x8x16x64xf16>, tensor<2x2x32x64xf16>, tensor<2x2x32x64xf16>) -> tensor<2x8x16x64xf16>
  return
}

// -----

// Zero softcap.
func.func @mha_softcap_zero(%q: tensor<2x8x16x64xf16>, %k: tensor<2x2x32x64xf16>, %v: tensor<2x2x32x64xf16>) {
  // expected-error@+1 {{'softcap' must be positive and finite, got 0}}
  %o = attn.mha %q, %k, %v {softcap = 0.0 : f32} : (tensor<2x8x16x64xf16>, tensor<2x2x32x64xf16>, tensor<2x2x32x64xf16>) -> tensor<2x8x16x64xf16>
  return
}

// -----

// Negative softcap.
func.func @mha_softcap_neg(%q: tensor<2x8x16x64xf16>, %k: tensor<2x2x32x64xf16>, %v: tensor<2x2x32x64xf16>) {
  // expected-error@+1 {{'softcap' must be positive and finite, got -30}}
  %o = attn.mha %q, %k, %v {softcap = -30.0 : f32} : (tensor<2x8x16x64xf16>, tensor<2x2x32x64xf16>, tensor<2x2x32x64xf16>) -> tensor<2x8x16x64xf16>
  return
}

// -----

// Infinite softcap.
func.func @mha_softcap_inf(%q: tensor<2x8x16x64xf16>, %k: tensor<2x2x32x64xf16>, %v: tensor<2x2x32x64xf16>) {
  // expected-error@+1 {{'softcap' must be positive and finite, got +Inf}}
  %o = attn.mha %q, %k, %v {softcap = 0x7F800000 : f32} : (tensor<2x8x16x64xf16>, tensor<2x2x32x64xf16>, tensor<2x2x32x64xf16>) -> tensor<2x8x16x64xf16>
  return
}

// -----

// NaN softcap.
func.func @mha_softcap_nan(%q: tensor<2x8x16x64xf16>, %k: tensor<2x2x32x64xf16>, %v: tensor<2x2x32x64xf16>) {
  // expected-error@+1 {{'softcap' must be positive and finite, got NaN}}
  %o = attn.mha %q, %k, %v {softcap = 0x7FC00000 : f32} : (tensor<2x8x16x64xf16>, tensor<2x2x32x64xf16>, tensor<2x2x32x64xf16>) -> tensor<2x8x16x64xf16>
  return
}

// -----

// NaN scale.
func.func @mha_scale_nan(%q: tensor<2x8x16x64xf16>, %k: tensor<2x2x32x64xf16>, %v: tensor<2x2x32x64xf16>) {
  // expected-error@+1 {{'scale' must be finite, got NaN}}
  %o = attn.mha %q, %k, %v {scale = 0x7FC00000 : f32} : (tensor<2x8x16x64xf16>, tensor<2x2x32x64xf16>, tensor<2x2x32x64xf16>) -> tensor<2x8x16x64xf16>
  return
}

// -----

// Infinite scale.
func.func @mha_scale_inf(%q: tensor<2x8x16x64xf16>, %k: tensor<2x2x32x64xf16>, %v: tensor<2x2x32x64xf16>) {
  // expected-error@+1 {{'scale' must be finite, got +Inf}}
  %o = attn.mha %q, %k, %v {scale = 0x7F800000 : f32} : (tensor<2x8x16x64xf16>, tensor<2x2x32x64xf16>, tensor<2x2x32x64xf16>) -> tensor<2x8x16x64xf16>
  return
}

// -----

// Negative infinite scale.
func.func @mha_scale_neg_inf(%q: tensor<2x8x16x64xf16>, %k: tensor<2x2x32x64xf16>, %v: tensor<2x2x32x64xf16>) {
  // expected-error@+1 {{'scale' must be finite, got -Inf}}
  %o = attn.mha %q, %k, %v {scale = 0xFF800000 : f32} : (tensor<2x8x16x64xf16>, tensor<2x2x32x64xf16>, tensor<2x2x32x64xf16>) -> tensor<2x8x16x64xf16>
  return
}

// -----

// Scale given as f64 (an untyped float literal is f64).
func.func @mha_scale_f64(%q: tensor<2x8x16x64xf16>, %k: tensor<2x2x32x64xf16>, %v: tensor<2x2x32x64xf16>) {
  // expected-error@+1 {{attribute 'scale' failed to satisfy constraint: 32-bit float attribute}}
  %o = attn.mha %q, %k, %v {scale = 0.125} : (tensor<2x8x16x64xf16>, tensor<2x2x32x64xf16>, tensor<2x2x32x64xf16>) -> tensor<2x8x16x64xf16>
  return
}

// -----

// Window_left given as i32.
func.func @mha_window_i32(%q: tensor<2x8x16x64xf16>, %k: tensor<2x2x32x64xf16>, %v: tensor<2x2x32x64xf16>) {
  // expected-error@+1 {{attribute 'window_left' failed to satisfy constraint: 64-bit signless integer attribute}}
  %o = attn.mha %q, %k, %v {window_left = 4 : i32} : (tensor<2x8x16x64xf16>, tensor<2x2x32x64xf16>, tensor<2x2x32x64xf16>) -> tensor<2x8x16x64xf16>
  return
}

// -----

// Causal given as a bool in the generic form.
func.func @mha_causal_bool(%q: tensor<2x8x16x64xf16>, %k: tensor<2x2x32x64xf16>, %v: tensor<2x2x32x64xf16>) {
  // expected-error@+1 {{Invalid attribute `causal` in property conversion: true}}
  %o = "attn.mha"(%q, %k, %v) <{operandSegmentSizes = array<i32: 1, 1, 1, 0, 0, 0, 0, 0, 0>, causal = true}> : (tensor<2x8x16x64xf16>, tensor<2x2x32x64xf16>, tensor<2x2x32x64xf16>) -> tensor<2x8x16x64xf16>
  return
}

// -----

// A verifier error in the generic form.
func.func @mha_generic_softcap(%q: tensor<2x8x16x64xf16>, %k: tensor<2x2x32x64xf16>, %v: tensor<2x2x32x64xf16>) {
  // expected-error@+1 {{'softcap' must be positive and finite, got -1}}
  %o = "attn.mha"(%q, %k, %v) <{operandSegmentSizes = array<i32: 1, 1, 1, 0, 0, 0, 0, 0, 0>, softcap = -1.0 : f32}> : (tensor<2x8x16x64xf16>, tensor<2x2x32x64xf16>, tensor<2x2x32x64xf16>) -> tensor<2x8x16x64xf16>
  return
}

// -----

// Two operands.
func.func @mha_two_operands(%q: tensor<2x8x16x64xf16>, %k: tensor<2x2x32x64xf16>) {
  // expected-error@+1 {{'attn.mha' op expected 3 or more operands, but found 2}}
  %o = "attn.mha"(%q, %k) <{operandSegmentSizes = array<i32: 1, 1, 0, 0, 0, 0, 0, 0, 0>}> : (tensor<2x8x16x64xf16>, tensor<2x2x32x64xf16>) -> tensor<2x8x16x64xf16>
  return
}

// -----

// Five operands.
func.func @mha_five_operands(%q: tensor<2x8x16x64xf16>, %k: tensor<2x2x32x64xf16>, %v: tensor<2x2x32x64xf16>, %s: tensor<8xf32>) {
  // expected-error@+1 {{'attn.mha' op operand group starting at #3 requires 0 or 1 element, but found 2}}
  %o = "attn.mha"(%q, %k, %v, %s, %s) <{operandSegmentSizes = array<i32: 1, 1, 1, 2, 0, 0, 0, 0, 0>}> : (tensor<2x8x16x64xf16>, tensor<2x2x32x64xf16>, tensor<2x2x32x64xf16>, tensor<8xf32>, tensor<8xf32>) -> tensor<2x8x16x64xf16>
  return
}

// -----

// No result.
func.func @mha_no_result(%q: tensor<2x8x16x64xf16>, %k: tensor<2x2x32x64xf16>, %v: tensor<2x2x32x64xf16>) {
  // expected-error@+1 {{'attn.mha' op expected 1 or more results}}
  "attn.mha"(%q, %k, %v) <{operandSegmentSizes = array<i32: 1, 1, 1, 0, 0, 0, 0, 0, 0>}> : (tensor<2x8x16x64xf16>, tensor<2x2x32x64xf16>, tensor<2x2x32x64xf16>) -> ()
  return
}

// -----

// Three results.
func.func @mha_three_results(%q: tensor<2x8x16x64xf16>, %k: tensor<2x2x32x64xf16>, %v: tensor<2x2x32x64xf16>) {
  // expected-error@+1 {{'attn.mha' op result group starting at #1 requires 0 or 1 element, but found 2}}
  %o:3 = "attn.mha"(%q, %k, %v) <{operandSegmentSizes = array<i32: 1, 1, 1, 0, 0, 0, 0, 0, 0>}> : (tensor<2x8x16x64xf16>, tensor<2x2x32x64xf16>, tensor<2x2x32x64xf16>) -> (tensor<2x8x16x64xf16>, tensor<2x8x16xf32>, tensor<2x8x16xf32>)
  return
}

// -----

// 4-d q (the batched layout).
func.func @varlen_q_rank(%q: tensor<1x40x8x64xf16>, %k: tensor<56x2x64xf16>, %v: tensor<56x2x64xf16>, %cq: tensor<3xi32>, %ck: tensor<3xi32>) {
  // expected-error@+1 {{'q' must have rank 3 (Tq x Hq x D), got 'tensor<1x40x8x64xf16>'}}
  %o = attn.mha_varlen %q, %k, %v, %cq, %ck : (tensor<1x40x8x64xf16>, tensor<56x2x64xf16>, tensor<56x2x64xf16>, tensor<3xi32>, tensor<3xi32>) -> tensor<40x8x64xf16>
  return
}

// -----

// K of rank 2.
func.func @varlen_k_rank(%q: tensor<40x8x64xf16>, %k: tensor<56x128xf16>, %v: tensor<56x2x64xf16>, %cq: tensor<3xi32>, %ck: tensor<3xi32>) {
  // expected-error@+1 {{'k' must have rank 3 (Tk x Hkv x D), got 'tensor<56x128xf16>'}}
  %o = attn.mha_varlen %q, %k, %v, %cq, %ck : (tensor<40x8x64xf16>, tensor<56x128xf16>, tensor<56x2x64xf16>, tensor<3xi32>, tensor<3xi32>) -> tensor<40x8x64xf16>
  return
}

// -----

// V of rank 4.
func.func @varlen_v_rank(%q: tensor<40x8x64xf16>, %k: tensor<56x2x64xf16>, %v: tensor<1x56x2x64xf16>, %cq: tensor<3xi32>, %ck: tensor<3xi32>) {
  // expected-error@+1 {{'v' must have rank 3 (Tk x Hkv x Dv), got 'tensor<1x56x2x64xf16>'}}
  %o = attn.mha_varlen %q, %k, %v, %cq, %ck : (tensor<40x8x64xf16>, tensor<56x2x64xf16>, tensor<1x56x2x64xf16>, tensor<3xi32>, tensor<3xi32>) -> tensor<40x8x64xf16>
  return
}

// -----

// Out of rank 4.
func.func @varlen_out_rank(%q: tensor<40x8x64xf16>, %k: tensor<56x2x64xf16>, %v: tensor<56x2x64xf16>, %cq: tensor<3xi32>, %ck: tensor<3xi32>) {
  // expected-error@+1 {{'out' must have rank 3 (Tq x Hq x Dv), got 'tensor<1x40x8x64xf16>'}}
  %o = attn.mha_varlen %q, %k, %v, %cq, %ck : (tensor<40x8x64xf16>, tensor<56x2x64xf16>, tensor<56x2x64xf16>, tensor<3xi32>, tensor<3xi32>) -> tensor<1x40x8x64xf16>
  return
}

// -----

// Cu_seqlens_q of rank 2.
func.func @varlen_cq_rank(%q: tensor<40x8x64xf16>, %k: tensor<56x2x64xf16>, %v: tensor<56x2x64xf16>, %cq: tensor<1x3xi32>, %ck: tensor<3xi32>) {
  // expected-error@+1 {{'cu_seqlens_q' must have rank 1 (B+1), got 'tensor<1x3xi32>'}}
  %o = attn.mha_varlen %q, %k, %v, %cq, %ck : (tensor<40x8x64xf16>, tensor<56x2x64xf16>, tensor<56x2x64xf16>, tensor<1x3xi32>, tensor<3xi32>) -> tensor<40x8x64xf16>
  return
}

// -----

// Cu_seqlens_k of rank 0.
func.func @varlen_ck_rank(%q: tensor<40x8x64xf16>, %k: tensor<56x2x64xf16>, %v: tensor<56x2x64xf16>, %cq: tensor<3xi32>, %ck: tensor<i32>) {
  // expected-error@+1 {{'cu_seqlens_k' must have rank 1 (B+1), got 'tensor<i32>'}}
  %o = attn.mha_varlen %q, %k, %v, %cq, %ck : (tensor<40x8x64xf16>, tensor<56x2x64xf16>, tensor<56x2x64xf16>, tensor<3xi32>, tensor<i32>) -> tensor<40x8x64xf16>
  return
}

// -----

// Cu_seqlens_q of i64.
func.func @varlen_cq_i64(%q: tensor<40x8x64xf16>, %k: tensor<56x2x64xf16>, %v: tensor<56x2x64xf16>, %cq: tensor<3xi64>, %ck: tensor<3xi32>) {
  // expected-error@+1 {{'cu_seqlens_q' element type must be i32, got 'i64'}}
  %o = attn.mha_varlen %q, %k, %v, %cq, %ck : (tensor<40x8x64xf16>, tensor<56x2x64xf16>, tensor<56x2x64xf16>, tensor<3xi64>, tensor<3xi32>) -> tensor<40x8x64xf16>
  return
}

// -----

// Cu_seqlens_k of signed si32 (must be signless).
func.func @varlen_ck_si32(%q: tensor<40x8x64xf16>, %k: tensor<56x2x64xf16>, %v: tensor<56x2x64xf16>, %cq: tensor<3xi32>, %ck: tensor<3xsi32>) {
  // expected-error@+1 {{'cu_seqlens_k' element type must be i32, got 'si32'}}
  %o = attn.mha_varlen %q, %k, %v, %cq, %ck : (tensor<40x8x64xf16>, tensor<56x2x64xf16>, tensor<56x2x64xf16>, tensor<3xi32>, tensor<3xsi32>) -> tensor<40x8x64xf16>
  return
}

// -----

// Cu_seqlens_k of f32.
func.func @varlen_ck_f32(%q: tensor<40x8x64xf16>, %k: tensor<56x2x64xf16>, %v: tensor<56x2x64xf16>, %cq: tensor<3xi32>, %ck: tensor<3xf32>) {
  // expected-error@+1 {{'cu_seqlens_k' element type must be i32, got 'f32'}}
  %o = attn.mha_varlen %q, %k, %v, %cq, %ck : (tensor<40x8x64xf16>, tensor<56x2x64xf16>, tensor<56x2x64xf16>, tensor<3xi32>, tensor<3xf32>) -> tensor<40x8x64xf16>
  return
}

// -----

// Cu_seqlens_q and cu_seqlens_k describe different batch sizes.
func.func @varlen_cu_mismatch(%q: tensor<40x8x64xf16>, %k: tensor<56x2x64xf16>, %v: tensor<56x2x64xf16>, %cq: tensor<3xi32>, %ck: tensor<4xi32>) {
  // expected-error@+1 {{'cu_seqlens_k' dimension 0 (B+1 = 4) must equal 'cu_seqlens_q' dimension 0 (B+1 = 3)}}
  %o = attn.mha_varlen %q, %k, %v, %cq, %ck : (tensor<40x8x64xf16>, tensor<56x2x64xf16>, tensor<56x2x64xf16>, tensor<3xi32>, tensor<4xi32>) -> tensor<40x8x64xf16>
  return
}

// -----

// Empty cu_seqlens.
func.func @varlen_cu_empty(%q: tensor<40x8x64xf16>, %k: tensor<56x2x64xf16>, %v: tensor<56x2x64xf16>, %cq: tensor<0xi32>, %ck: tensor<0xi32>) {
  // expected-error@+1 {{'cu_seqlens_q' must hold B+1 >= 1 offsets, got 0}}
  %o = attn.mha_varlen %q, %k, %v, %cq, %ck : (tensor<40x8x64xf16>, tensor<56x2x64xf16>, tensor<56x2x64xf16>, tensor<0xi32>, tensor<0xi32>) -> tensor<40x8x64xf16>
  return
}

// -----

// I8 tokens: q and k only (SAGE).
func.func @varlen_i8(%q: tensor<40x8x64xi8>, %k: tensor<56x2x64xi8>, %v: tensor<56x2x64xi8>, %cq: tensor<3xi32>, %ck: tensor<3xi32>) {
  // expected-error@+1 {{'v' element type must be f8E4M3FN or f8E4M3FNUZ with i8 q and k (SAGE), got 'i8'}}
  %o = attn.mha_varlen %q, %k, %v, %cq, %ck : (tensor<40x8x64xi8>, tensor<56x2x64xi8>, tensor<56x2x64xi8>, tensor<3xi32>, tensor<3xi32>) -> tensor<40x8x64xi8>
  return
}

// -----

// F64 tokens.
func.func @varlen_f64(%q: tensor<40x8x64xf64>, %k: tensor<56x2x64xf64>, %v: tensor<56x2x64xf64>, %cq: tensor<3xi32>, %ck: tensor<3xi32>) {
  // expected-error@+1 {{'q' element type must be f16, bf16 or f32, got 'f64'}}
  %o = attn.mha_varlen %q, %k, %v, %cq, %ck : (tensor<40x8x64xf64>, tensor<56x2x64xf64>, tensor<56x2x64xf64>, tensor<3xi32>, tensor<3xi32>) -> tensor<40x8x64xf64>
  return
}

// -----

// V element type differs from q.
func.func @varlen_v_elt(%q: tensor<40x8x64xf16>, %k: tensor<56x2x64xf16>, %v: tensor<56x2x64xbf16>, %cq: tensor<3xi32>, %ck: tensor<3xi32>) {
  // expected-error@+1 {{'v' element type 'bf16' must match 'q' element type 'f16'}}
  %o = attn.mha_varlen %q, %k, %v, %cq, %ck : (tensor<40x8x64xf16>, tensor<56x2x64xf16>, tensor<56x2x64xbf16>, tensor<3xi32>, tensor<3xi32>) -> tensor<40x8x64xf16>
  return
}

// -----

// Dynamic Hq.
func.func @varlen_dyn_hq(%q: tensor<40x?x64xf16>, %k: tensor<56x2x64xf16>, %v: tensor<56x2x64xf16>, %cq: tensor<3xi32>, %ck: tensor<3xi32>) {
  // expected-error@+1 {{'q' dimension 1 (Hq) must be static, got 'tensor<40x?x64xf16>'}}
  %o = attn.mha_varlen %q, %k, %v, %cq, %ck : (tensor<40x?x64xf16>, tensor<56x2x64xf16>, tensor<56x2x64xf16>, tensor<3xi32>, tensor<3xi32>) -> tensor<40x?x64xf16>
  return
}

// -----

// Dynamic D in k.
func.func @varlen_dyn_d(%q: tensor<40x8x64xf16>, %k: tensor<56x2x?xf16>, %v: tensor<56x2x64xf16>, %cq: tensor<3xi32>, %ck: tensor<3xi32>) {
  // expected-error@+1 {{'k' dimension 2 (D) must be static, got 'tensor<56x2x?xf16>'}}
  %o = attn.mha_varlen %q, %k, %v, %cq, %ck : (tensor<40x8x64xf16>, tensor<56x2x?xf16>, tensor<56x2x64xf16>, tensor<3xi32>, tensor<3xi32>) -> tensor<40x8x64xf16>
  return
}

// -----

// Head dims of q and k differ.
func.func @varlen_head_dim(%q: tensor<40x8x64xf16>, %k: tensor<56x2x32xf16>, %v: tensor<56x2x64xf16>, %cq: tensor<3xi32>, %ck: tensor<3xi32>) {
  // expected-error@+1 {{'k' dimension 2 (D = 32) must equal 'q' dimension 2 (D = 64)}}
  %o = attn.mha_varlen %q, %k, %v, %cq, %ck : (tensor<40x8x64xf16>, tensor<56x2x32xf16>, tensor<56x2x64xf16>, tensor<3xi32>, tensor<3xi32>) -> tensor<40x8x64xf16>
  return
}

// -----

// K and v token counts differ.
func.func @varlen_tk(%q: tensor<40x8x64xf16>, %k: tensor<56x2x64xf16>, %v: tensor<55x2x64xf16>, %cq: tensor<3xi32>, %ck: tensor<3xi32>) {
  // expected-error@+1 {{'v' dimension 0 (Tk = 55) must equal 'k' dimension 0 (Tk = 56)}}
  %o = attn.mha_varlen %q, %k, %v, %cq, %ck : (tensor<40x8x64xf16>, tensor<56x2x64xf16>, tensor<55x2x64xf16>, tensor<3xi32>, tensor<3xi32>) -> tensor<40x8x64xf16>
  return
}

// -----

// K and v head counts differ.
func.func @varlen_hkv(%q: tensor<40x8x64xf16>, %k: tensor<56x2x64xf16>, %v: tensor<56x1x64xf16>, %cq: tensor<3xi32>, %ck: tensor<3xi32>) {
  // expected-error@+1 {{'v' dimension 1 (Hkv = 1) must equal 'k' dimension 1 (Hkv = 2)}}
  %o = attn.mha_varlen %q, %k, %v, %cq, %ck : (tensor<40x8x64xf16>, tensor<56x2x64xf16>, tensor<56x1x64xf16>, tensor<3xi32>, tensor<3xi32>) -> tensor<40x8x64xf16>
  return
}

// -----

// Out token count differs from q.
func.func @varlen_out_tq(%q: tensor<40x8x64xf16>, %k: tensor<56x2x64xf16>, %v: tensor<56x2x64xf16>, %cq: tensor<3xi32>, %ck: tensor<3xi32>) {
  // expected-error@+1 {{'out' dimension 0 (Tq = 56) must equal 'q' dimension 0 (Tq = 40)}}
  %o = attn.mha_varlen %q, %k, %v, %cq, %ck : (tensor<40x8x64xf16>, tensor<56x2x64xf16>, tensor<56x2x64xf16>, tensor<3xi32>, tensor<3xi32>) -> tensor<56x8x64xf16>
  return
}

// -----

// Out head count differs from q.
func.func @varlen_out_hq(%q: tensor<40x8x64xf16>, %k: tensor<56x2x64xf16>, %v: tensor<56x2x64xf16>, %cq: tensor<3xi32>, %ck: tensor<3xi32>) {
  // expected-error@+1 {{'out' dimension 1 (Hq = 2) must equal 'q' dimension 1 (Hq = 8)}}
  %o = attn.mha_varlen %q, %k, %v, %cq, %ck : (tensor<40x8x64xf16>, tensor<56x2x64xf16>, tensor<56x2x64xf16>, tensor<3xi32>, tensor<3xi32>) -> tensor<40x2x64xf16>
  return
}

// -----

// Out head dim differs from v.
func.func @varlen_out_dv(%q: tensor<40x8x64xf16>, %k: tensor<56x2x64xf16>, %v: tensor<56x2x64xf16>, %cq: tensor<3xi32>, %ck: tensor<3xi32>) {
  // expected-error@+1 {{'out' dimension 2 (Dv = 32) must equal 'v' dimension 2 (Dv = 64)}}
  %o = attn.mha_varlen %q, %k, %v, %cq, %ck : (tensor<40x8x64xf16>, tensor<56x2x64xf16>, tensor<56x2x64xf16>, tensor<3xi32>, tensor<3xi32>) -> tensor<40x8x32xf16>
  return
}

// -----

// Hq not a multiple of Hkv.
func.func @varlen_gqa_ratio(%q: tensor<40x5x64xf16>, %k: tensor<56x2x64xf16>, %v: tensor<56x2x64xf16>, %cq: tensor<3xi32>, %ck: tensor<3xi32>) {
  // expected-error@+1 {{query heads (Hq = 5) must be a multiple of key/value heads (Hkv = 2)}}
  %o = attn.mha_varlen %q, %k, %v, %cq, %ck : (tensor<40x5x64xf16>, tensor<56x2x64xf16>, tensor<56x2x64xf16>, tensor<3xi32>, tensor<3xi32>) -> tensor<40x5x64xf16>
  return
}

// -----

// Zero Dv.
func.func @varlen_zero_dv(%q: tensor<40x8x64xf16>, %k: tensor<56x2x64xf16>, %v: tensor<56x2x0xf16>, %cq: tensor<3xi32>, %ck: tensor<3xi32>) {
  // expected-error@+1 {{head counts and head dims must be positive, got Hq = 8, Hkv = 2, D = 64, Dv = 0}}
  %o = attn.mha_varlen %q, %k, %v, %cq, %ck : (tensor<40x8x64xf16>, tensor<56x2x64xf16>, tensor<56x2x0xf16>, tensor<3xi32>, tensor<3xi32>) -> tensor<40x8x0xf16>
  return
}

// -----

// Lse in the batched layout (rank 3).
func.func @varlen_lse_rank(%q: tensor<40x8x64xf16>, %k: tensor<56x2x64xf16>, %v: tensor<56x2x64xf16>, %cq: tensor<3xi32>, %ck: tensor<3xi32>) {
  // expected-error@+1 {{'lse' must have rank 2 (Hq x Tq), got 'tensor<1x8x40xf32>'}}
  %o:2 = attn.mha_varlen %q, %k, %v, %cq, %ck : (tensor<40x8x64xf16>, tensor<56x2x64xf16>, tensor<56x2x64xf16>, tensor<3xi32>, tensor<3xi32>) -> (tensor<40x8x64xf16>, tensor<1x8x40xf32>)
  return
}

// -----

// Lse as Tq x Hq instead of Hq x Tq.
func.func @varlen_lse_layout(%q: tensor<40x8x64xf16>, %k: tensor<56x2x64xf16>, %v: tensor<56x2x64xf16>, %cq: tensor<3xi32>, %ck: tensor<3xi32>) {
  // expected-error@+1 {{'lse' dimension 0 (Hq = 40) must equal 'q' dimension 1 (Hq = 8)}}
  %o:2 = attn.mha_varlen %q, %k, %v, %cq, %ck : (tensor<40x8x64xf16>, tensor<56x2x64xf16>, tensor<56x2x64xf16>, tensor<3xi32>, tensor<3xi32>) -> (tensor<40x8x64xf16>, tensor<40x8xf32>)
  return
}

// -----

// Lse token count differs from q.
func.func @varlen_lse_tq(%q: tensor<40x8x64xf16>, %k: tensor<56x2x64xf16>, %v: tensor<56x2x64xf16>, %cq: tensor<3xi32>, %ck: tensor<3xi32>) {
  // expected-error@+1 {{'lse' dimension 1 (Tq = 56) must equal 'q' dimension 0 (Tq = 40)}}
  %o:2 = attn.mha_varlen %q, %k, %v, %cq, %ck : (tensor<40x8x64xf16>, tensor<56x2x64xf16>, tensor<56x2x64xf16>, tensor<3xi32>, tensor<3xi32>) -> (tensor<40x8x64xf16>, tensor<8x56xf32>)
  return
}

// -----

// Lse of f16.
func.func @varlen_lse_type(%q: tensor<40x8x64xf16>, %k: tensor<56x2x64xf16>, %v: tensor<56x2x64xf16>, %cq: tensor<3xi32>, %ck: tensor<3xi32>) {
  // expected-error@+1 {{'lse' element type must be f32, got 'f16'}}
  %o:2 = attn.mha_varlen %q, %k, %v, %cq, %ck : (tensor<40x8x64xf16>, tensor<56x2x64xf16>, tensor<56x2x64xf16>, tensor<3xi32>, tensor<3xi32>) -> (tensor<40x8x64xf16>, tensor<8x40xf16>)
  return
}

// -----

// Alibi slopes per key/value head.
func.func @varlen_alibi_size(%q: tensor<40x8x64xf16>, %k: tensor<56x2x64xf16>, %v: tensor<56x2x64xf16>, %cq: tensor<3xi32>, %ck: tensor<3xi32>, %s: tensor<2xf32>) {
  // expected-error@+1 {{'alibi_slopes' dimension 0 (Hq = 2) must equal 'q' dimension 1 (Hq = 8)}}
  %o = attn.mha_varlen %q, %k, %v, %cq, %ck alibi(%s) : (tensor<40x8x64xf16>, tensor<56x2x64xf16>, tensor<56x2x64xf16>, tensor<3xi32>, tensor<3xi32>, tensor<2xf32>) -> tensor<40x8x64xf16>
  return
}

// -----

// Alibi slopes of rank 2.
func.func @varlen_alibi_rank(%q: tensor<40x8x64xf16>, %k: tensor<56x2x64xf16>, %v: tensor<56x2x64xf16>, %cq: tensor<3xi32>, %ck: tensor<3xi32>, %s: tensor<8x1xf32>) {
  // expected-error@+1 {{'alibi_slopes' must have rank 1 (Hq), got 'tensor<8x1xf32>'}}
  %o = attn.mha_varlen %q, %k, %v, %cq, %ck alibi(%s) : (tensor<40x8x64xf16>, tensor<56x2x64xf16>, tensor<56x2x64xf16>, tensor<3xi32>, tensor<3xi32>, tensor<8x1xf32>) -> tensor<40x8x64xf16>
  return
}

// -----

// Alibi slopes of bf16.
func.func @varlen_alibi_type(%q: tensor<40x8x64xf16>, %k: tensor<56x2x64xf16>, %v: tensor<56x2x64xf16>, %cq: tensor<3xi32>, %ck: tensor<3xi32>, %s: tensor<8xbf16>) {
  // expected-error@+1 {{'alibi_slopes' element type must be f32, got 'bf16'}}
  %o = attn.mha_varlen %q, %k, %v, %cq, %ck alibi(%s) : (tensor<40x8x64xf16>, tensor<56x2x64xf16>, tensor<56x2x64xf16>, tensor<3xi32>, tensor<3xi32>, tensor<8xbf16>) -> tensor<40x8x64xf16>
  return
}

// -----

// Negative window_left.
func.func @varlen_window_left(%q: tensor<40x8x64xf16>, %k: tensor<56x2x64xf16>, %v: tensor<56x2x64xf16>, %cq: tensor<3xi32>, %ck: tensor<3xi32>) {
  // expected-error@+1 {{'window_left' must be non-negative, got -3}}
  %o = attn.mha_varlen %q, %k, %v, %cq, %ck {window_left = -3 : i64} : (tensor<40x8x64xf16>, tensor<56x2x64xf16>, tensor<56x2x64xf16>, tensor<3xi32>, tensor<3xi32>) -> tensor<40x8x64xf16>
  return
}

// -----

// Negative window_right.
func.func @varlen_window_right(%q: tensor<40x8x64xf16>, %k: tensor<56x2x64xf16>, %v: tensor<56x2x64xf16>, %cq: tensor<3xi32>, %ck: tensor<3xi32>) {
  // expected-error@+1 {{'window_right' must be non-negative, got -1}}
  %o = attn.mha_varlen %q, %k, %v, %cq, %ck {causal, window_right = -1 : i64} : (tensor<40x8x64xf16>, tensor<56x2x64xf16>, tensor<56x2x64xf16>, tensor<3xi32>, tensor<3xi32>) -> tensor<40x8x64xf16>
  return
}

// -----

// Negative softcap.
func.func @varlen_softcap(%q: tensor<40x8x64xf16>, %k: tensor<56x2x64xf16>, %v: tensor<56x2x64xf16>, %cq: tensor<3xi32>, %ck: tensor<3xi32>) {
  // expected-error@+1 {{'softcap' must be positive and finite, got -0.5}}
  %o = attn.mha_varlen %q, %k, %v, %cq, %ck {softcap = -0.5 : f32} : (tensor<40x8x64xf16>, tensor<56x2x64xf16>, tensor<56x2x64xf16>, tensor<3xi32>, tensor<3xi32>) -> tensor<40x8x64xf16>
  return
}

// -----

// Infinite scale.
func.func @varlen_scale(%q: tensor<40x8x64xf16>, %k: tensor<56x2x64xf16>, %v: tensor<56x2x64xf16>, %cq: tensor<3xi32>, %ck: tensor<3xi32>) {
  // expected-error@+1 {{'scale' must be finite, got +Inf}}
  %o = attn.mha_varlen %q, %k, %v, %cq, %ck {scale = 0x7F800000 : f32} : (tensor<40x8x64xf16>, tensor<56x2x64xf16>, tensor<56x2x64xf16>, tensor<3xi32>, tensor<3xi32>) -> tensor<40x8x64xf16>
  return
}

// -----

// Cu_seqlens_k missing.
func.func @varlen_four_operands(%q: tensor<40x8x64xf16>, %k: tensor<56x2x64xf16>, %v: tensor<56x2x64xf16>, %cq: tensor<3xi32>) {
  // expected-error@+1 {{'attn.mha_varlen' op expected 5 or more operands, but found 4}}
  %o = "attn.mha_varlen"(%q, %k, %v, %cq) <{operandSegmentSizes = array<i32: 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0>}> : (tensor<40x8x64xf16>, tensor<56x2x64xf16>, tensor<56x2x64xf16>, tensor<3xi32>) -> tensor<40x8x64xf16>
  return
}

// -----

// Q in the batched layout (rank 4).
func.func @paged_q_rank(%q: tensor<1x12x8x64xf16>, %kc: tensor<20x16x2x64xf16>, %vc: tensor<20x16x2x64xf16>, %bt: tensor<3x4xi32>, %sl: tensor<3xi32>, %qsl: tensor<4xi32>) {
  // expected-error@+1 {{'q' must have rank 3 (Tq x Hq x D), got 'tensor<1x12x8x64xf16>'}}
  %o = attn.paged_attention %q, %kc, %vc, %bt, %sl, %qsl : (tensor<1x12x8x64xf16>, tensor<20x16x2x64xf16>, tensor<20x16x2x64xf16>, tensor<3x4xi32>, tensor<3xi32>, tensor<4xi32>) -> tensor<12x8x64xf16>
  return
}

// -----

// K cache without the block dimension.
func.func @paged_k_rank(%q: tensor<12x8x64xf16>, %kc: tensor<320x2x64xf16>, %vc: tensor<20x16x2x64xf16>, %bt: tensor<3x4xi32>, %sl: tensor<3xi32>, %qsl: tensor<4xi32>) {
  // expected-error@+1 {{'k_cache' must have rank 4 (NB x BS x Hkv x D), got 'tensor<320x2x64xf16>'}}
  %o = attn.paged_attention %q, %kc, %vc, %bt, %sl, %qsl : (tensor<12x8x64xf16>, tensor<320x2x64xf16>, tensor<20x16x2x64xf16>, tensor<3x4xi32>, tensor<3xi32>, tensor<4xi32>) -> tensor<12x8x64xf16>
  return
}

// -----

// V cache of rank 5.
func.func @paged_v_rank(%q: tensor<12x8x64xf16>, %kc: tensor<20x16x2x64xf16>, %vc: tensor<20x16x2x64x1xf16>, %bt: tensor<3x4xi32>, %sl: tensor<3xi32>, %qsl: tensor<4xi32>) {
  // expected-error@+1 {{'v_cache' must have rank 4 (NB x BS x Hkv x Dv), got 'tensor<20x16x2x64x1xf16>'}}
  %o = attn.paged_attention %q, %kc, %vc, %bt, %sl, %qsl : (tensor<12x8x64xf16>, tensor<20x16x2x64xf16>, tensor<20x16x2x64x1xf16>, tensor<3x4xi32>, tensor<3xi32>, tensor<4xi32>) -> tensor<12x8x64xf16>
  return
}

// -----

// Block table flattened.
func.func @paged_bt_rank(%q: tensor<12x8x64xf16>, %kc: tensor<20x16x2x64xf16>, %vc: tensor<20x16x2x64xf16>, %bt: tensor<12xi32>, %sl: tensor<3xi32>, %qsl: tensor<4xi32>) {
  // expected-error@+1 {{'block_tables' must have rank 2 (B x MaxBlocks), got 'tensor<12xi32>'}}
  %o = attn.paged_attention %q, %kc, %vc, %bt, %sl, %qsl : (tensor<12x8x64xf16>, tensor<20x16x2x64xf16>, tensor<20x16x2x64xf16>, tensor<12xi32>, tensor<3xi32>, tensor<4xi32>) -> tensor<12x8x64xf16>
  return
}

// -----

// Seq_lens of rank 2.
func.func @paged_sl_rank(%q: tensor<12x8x64xf16>, %kc: tensor<20x16x2x64xf16>, %vc: tensor<20x16x2x64xf16>, %bt: tensor<3x4xi32>, %sl: tensor<3x1xi32>, %qsl: tensor<4xi32>) {
  // expected-error@+1 {{'seq_lens' must have rank 1 (B), got 'tensor<3x1xi32>'}}
  %o = attn.paged_attention %q, %kc, %vc, %bt, %sl, %qsl : (tensor<12x8x64xf16>, tensor<20x16x2x64xf16>, tensor<20x16x2x64xf16>, tensor<3x4xi32>, tensor<3x1xi32>, tensor<4xi32>) -> tensor<12x8x64xf16>
  return
}

// -----

// Query_start_loc of rank 0.
func.func @paged_qsl_rank(%q: tensor<12x8x64xf16>, %kc: tensor<20x16x2x64xf16>, %vc: tensor<20x16x2x64xf16>, %bt: tensor<3x4xi32>, %sl: tensor<3xi32>, %qsl: tensor<i32>) {
  // expected-error@+1 {{'query_start_loc' must have rank 1 (B+1), got 'tensor<i32>'}}
  %o = attn.paged_attention %q, %kc, %vc, %bt, %sl, %qsl : (tensor<12x8x64xf16>, tensor<20x16x2x64xf16>, tensor<20x16x2x64xf16>, tensor<3x4xi32>, tensor<3xi32>, tensor<i32>) -> tensor<12x8x64xf16>
  return
}

// -----

// Out of rank 4.
func.func @paged_out_rank(%q: tensor<12x8x64xf16>, %kc: tensor<20x16x2x64xf16>, %vc: tensor<20x16x2x64xf16>, %bt: tensor<3x4xi32>, %sl: tensor<3xi32>, %qsl: tensor<4xi32>) {
  // expected-error@+1 {{'out' must have rank 3 (Tq x Hq x Dv), got 'tensor<1x12x8x64xf16>'}}
  %o = attn.paged_attention %q, %kc, %vc, %bt, %sl, %qsl : (tensor<12x8x64xf16>, tensor<20x16x2x64xf16>, tensor<20x16x2x64xf16>, tensor<3x4xi32>, tensor<3xi32>, tensor<4xi32>) -> tensor<1x12x8x64xf16>
  return
}

// -----

// Block table of i64.
func.func @paged_bt_i64(%q: tensor<12x8x64xf16>, %kc: tensor<20x16x2x64xf16>, %vc: tensor<20x16x2x64xf16>, %bt: tensor<3x4xi64>, %sl: tensor<3xi32>, %qsl: tensor<4xi32>) {
  // expected-error@+1 {{'block_tables' element type must be i32, got 'i64'}}
  %o = attn.paged_attention %q, %kc, %vc, %bt, %sl, %qsl : (tensor<12x8x64xf16>, tensor<20x16x2x64xf16>, tensor<20x16x2x64xf16>, tensor<3x4xi64>, tensor<3xi32>, tensor<4xi32>) -> tensor<12x8x64xf16>
  return
}

// -----

// Seq_lens of unsigned i32.
func.func @paged_sl_ui32(%q: tensor<12x8x64xf16>, %kc: tensor<20x16x2x64xf16>, %vc: tensor<20x16x2x64xf16>, %bt: tensor<3x4xi32>, %sl: tensor<3xui32>, %qsl: tensor<4xi32>) {
  // expected-error@+1 {{'seq_lens' element type must be i32, got 'ui32'}}
  %o = attn.paged_attention %q, %kc, %vc, %bt, %sl, %qsl : (tensor<12x8x64xf16>, tensor<20x16x2x64xf16>, tensor<20x16x2x64xf16>, tensor<3x4xi32>, tensor<3xui32>, tensor<4xi32>) -> tensor<12x8x64xf16>
  return
}

// -----

// Query_start_loc of f32.
func.func @paged_qsl_f32(%q: tensor<12x8x64xf16>, %kc: tensor<20x16x2x64xf16>, %vc: tensor<20x16x2x64xf16>, %bt: tensor<3x4xi32>, %sl: tensor<3xi32>, %qsl: tensor<4xf32>) {
  // expected-error@+1 {{'query_start_loc' element type must be i32, got 'f32'}}
  %o = attn.paged_attention %q, %kc, %vc, %bt, %sl, %qsl : (tensor<12x8x64xf16>, tensor<20x16x2x64xf16>, tensor<20x16x2x64xf16>, tensor<3x4xi32>, tensor<3xi32>, tensor<4xf32>) -> tensor<12x8x64xf16>
  return
}

// -----

// Q of f64.
func.func @paged_f64(%q: tensor<12x8x64xf64>, %kc: tensor<20x16x2x64xf64>, %vc: tensor<20x16x2x64xf64>, %bt: tensor<3x4xi32>, %sl: tensor<3xi32>, %qsl: tensor<4xi32>) {
  // expected-error@+1 {{'q' element type must be f16, bf16 or f32, got 'f64'}}
  %o = attn.paged_attention %q, %kc, %vc, %bt, %sl, %qsl : (tensor<12x8x64xf64>, tensor<20x16x2x64xf64>, tensor<20x16x2x64xf64>, tensor<3x4xi32>, tensor<3xi32>, tensor<4xi32>) -> tensor<12x8x64xf64>
  return
}

// -----

// K cache of bf16 with q of f16.
func.func @paged_k_elt(%q: tensor<12x8x64xf16>, %kc: tensor<20x16x2x64xbf16>, %vc: tensor<20x16x2x64xf16>, %bt: tensor<3x4xi32>, %sl: tensor<3xi32>, %qsl: tensor<4xi32>) {
  // expected-error@+1 {{'k_cache' element type 'bf16' must match 'q' element type 'f16'}}
  %o = attn.paged_attention %q, %kc, %vc, %bt, %sl, %qsl : (tensor<12x8x64xf16>, tensor<20x16x2x64xbf16>, tensor<20x16x2x64xf16>, tensor<3x4xi32>, tensor<3xi32>, tensor<4xi32>) -> tensor<12x8x64xf16>
  return
}

// -----

// V cache of f32 (an fp8 cache is not supported).
func.func @paged_v_elt(%q: tensor<12x8x64xf16>, %kc: tensor<20x16x2x64xf16>, %vc: tensor<20x16x2x64xf32>, %bt: tensor<3x4xi32>, %sl: tensor<3xi32>, %qsl: tensor<4xi32>) {
  // expected-error@+1 {{'v_cache' element type 'f32' must match 'q' element type 'f16'}}
  %o = attn.paged_attention %q, %kc, %vc, %bt, %sl, %qsl : (tensor<12x8x64xf16>, tensor<20x16x2x64xf16>, tensor<20x16x2x64xf32>, tensor<3x4xi32>, tensor<3xi32>, tensor<4xi32>) -> tensor<12x8x64xf16>
  return
}

// -----

// Out of f32.
func.func @paged_out_elt(%q: tensor<12x8x64xf16>, %kc: tensor<20x16x2x64xf16>, %vc: tensor<20x16x2x64xf16>, %bt: tensor<3x4xi32>, %sl: tensor<3xi32>, %qsl: tensor<4xi32>) {
  // expected-error@+1 {{'out' element type 'f32' must match 'q' element type 'f16'}}
  %o = attn.paged_attention %q, %kc, %vc, %bt, %sl, %qsl : (tensor<12x8x64xf16>, tensor<20x16x2x64xf16>, tensor<20x16x2x64xf16>, tensor<3x4xi32>, tensor<3xi32>, tensor<4xi32>) -> tensor<12x8x64xf32>
  return
}

// -----

// Lse of f16.
func.func @paged_lse_type(%q: tensor<12x8x64xf16>, %kc: tensor<20x16x2x64xf16>, %vc: tensor<20x16x2x64xf16>, %bt: tensor<3x4xi32>, %sl: tensor<3xi32>, %qsl: tensor<4xi32>) {
  // expected-error@+1 {{'lse' element type must be f32, got 'f16'}}
  %o:2 = attn.paged_attention %q, %kc, %vc, %bt, %sl, %qsl : (tensor<12x8x64xf16>, tensor<20x16x2x64xf16>, tensor<20x16x2x64xf16>, tensor<3x4xi32>, tensor<3xi32>, tensor<4xi32>) -> (tensor<12x8x64xf16>, tensor<8x12xf16>)
  return
}

// -----

// Dynamic block size.
func.func @paged_dyn_bs(%q: tensor<12x8x64xf16>, %kc: tensor<20x?x2x64xf16>, %vc: tensor<20x16x2x64xf16>, %bt: tensor<3x4xi32>, %sl: tensor<3xi32>, %qsl: tensor<4xi32>) {
  // expected-error@+1 {{'k_cache' dimension 1 (BS) must be static, got 'tensor<20x?x2x64xf16>'}}
  %o = attn.paged_attention %q, %kc, %vc, %bt, %sl, %qsl : (tensor<12x8x64xf16>, tensor<20x?x2x64xf16>, tensor<20x16x2x64xf16>, tensor<3x4xi32>, tensor<3xi32>, tensor<4xi32>) -> tensor<12x8x64xf16>
  return
}

// -----

// Dynamic block size in the V cache only.
func.func @paged_dyn_v_bs(%q: tensor<12x8x64xf16>, %kc: tensor<20x16x2x64xf16>, %vc: tensor<20x?x2x64xf16>, %bt: tensor<3x4xi32>, %sl: tensor<3xi32>, %qsl: tensor<4xi32>) {
  // expected-error@+1 {{'v_cache' dimension 1 (BS) must be static, got 'tensor<20x?x2x64xf16>'}}
  %o = attn.paged_attention %q, %kc, %vc, %bt, %sl, %qsl : (tensor<12x8x64xf16>, tensor<20x16x2x64xf16>, tensor<20x?x2x64xf16>, tensor<3x4xi32>, tensor<3xi32>, tensor<4xi32>) -> tensor<12x8x64xf16>
  return
}

// -----

// Dynamic KV head count.
func.func @paged_dyn_hkv(%q: tensor<12x8x64xf16>, %kc: tensor<20x16x?x64xf16>, %vc: tensor<20x16x2x64xf16>, %bt: tensor<3x4xi32>, %sl: tensor<3xi32>, %qsl: tensor<4xi32>) {
  // expected-error@+1 {{'k_cache' dimension 2 (Hkv) must be static, got 'tensor<20x16x?x64xf16>'}}
  %o = attn.paged_attention %q, %kc, %vc, %bt, %sl, %qsl : (tensor<12x8x64xf16>, tensor<20x16x?x64xf16>, tensor<20x16x2x64xf16>, tensor<3x4xi32>, tensor<3xi32>, tensor<4xi32>) -> tensor<12x8x64xf16>
  return
}

// -----

// Dynamic head dim of q.
func.func @paged_dyn_d(%q: tensor<12x8x?xf16>, %kc: tensor<20x16x2x64xf16>, %vc: tensor<20x16x2x64xf16>, %bt: tensor<3x4xi32>, %sl: tensor<3xi32>, %qsl: tensor<4xi32>) {
  // expected-error@+1 {{'q' dimension 2 (D) must be static, got 'tensor<12x8x?xf16>'}}
  %o = attn.paged_attention %q, %kc, %vc, %bt, %sl, %qsl : (tensor<12x8x?xf16>, tensor<20x16x2x64xf16>, tensor<20x16x2x64xf16>, tensor<3x4xi32>, tensor<3xi32>, tensor<4xi32>) -> tensor<12x8x64xf16>
  return
}

// -----

// Dynamic head dim of the V cache.
func.func @paged_dyn_dv(%q: tensor<12x8x64xf16>, %kc: tensor<20x16x2x64xf16>, %vc: tensor<20x16x2x?xf16>, %bt: tensor<3x4xi32>, %sl: tensor<3xi32>, %qsl: tensor<4xi32>) {
  // expected-error@+1 {{'v_cache' dimension 3 (Dv) must be static, got 'tensor<20x16x2x?xf16>'}}
  %o = attn.paged_attention %q, %kc, %vc, %bt, %sl, %qsl : (tensor<12x8x64xf16>, tensor<20x16x2x64xf16>, tensor<20x16x2x?xf16>, tensor<3x4xi32>, tensor<3xi32>, tensor<4xi32>) -> tensor<12x8x64xf16>
  return
}

// -----

// Dynamic query head count.
func.func @paged_dyn_hq(%q: tensor<12x?x64xf16>, %kc: tensor<20x16x2x64xf16>, %vc: tensor<20x16x2x64xf16>, %bt: tensor<3x4xi32>, %sl: tensor<3xi32>, %qsl: tensor<4xi32>) {
  // expected-error@+1 {{'q' dimension 1 (Hq) must be static, got 'tensor<12x?x64xf16>'}}
  %o = attn.paged_attention %q, %kc, %vc, %bt, %sl, %qsl : (tensor<12x?x64xf16>, tensor<20x16x2x64xf16>, tensor<20x16x2x64xf16>, tensor<3x4xi32>, tensor<3xi32>, tensor<4xi32>) -> tensor<12x?x64xf16>
  return
}

// -----

// Blocks of zero tokens.
func.func @paged_bs_zero(%q: tensor<12x8x64xf16>, %kc: tensor<20x0x2x64xf16>, %vc: tensor<20x0x2x64xf16>, %bt: tensor<3x4xi32>, %sl: tensor<3xi32>, %qsl: tensor<4xi32>) {
  // expected-error@+1 {{block size (k_cache dimension 1, BS) must be at least 1, got 0}}
  %o = attn.paged_attention %q, %kc, %vc, %bt, %sl, %qsl : (tensor<12x8x64xf16>, tensor<20x0x2x64xf16>, tensor<20x0x2x64xf16>, tensor<3x4xi32>, tensor<3xi32>, tensor<4xi32>) -> tensor<12x8x64xf16>
  return
}

// -----

// K head dim differs from q.
func.func @paged_head_dim(%q: tensor<12x8x64xf16>, %kc: tensor<20x16x2x128xf16>, %vc: tensor<20x16x2x64xf16>, %bt: tensor<3x4xi32>, %sl: tensor<3xi32>, %qsl: tensor<4xi32>) {
  // expected-error@+1 {{'k_cache' dimension 3 (D = 128) must equal 'q' dimension 2 (D = 64)}}
  %o = attn.paged_attention %q, %kc, %vc, %bt, %sl, %qsl : (tensor<12x8x64xf16>, tensor<20x16x2x128xf16>, tensor<20x16x2x64xf16>, tensor<3x4xi32>, tensor<3xi32>, tensor<4xi32>) -> tensor<12x8x64xf16>
  return
}

// -----

// The caches have different block counts.
func.func @paged_nb(%q: tensor<12x8x64xf16>, %kc: tensor<20x16x2x64xf16>, %vc: tensor<21x16x2x64xf16>, %bt: tensor<3x4xi32>, %sl: tensor<3xi32>, %qsl: tensor<4xi32>) {
  // expected-error@+1 {{'v_cache' dimension 0 (NB = 21) must equal 'k_cache' dimension 0 (NB = 20)}}
  %o = attn.paged_attention %q, %kc, %vc, %bt, %sl, %qsl : (tensor<12x8x64xf16>, tensor<20x16x2x64xf16>, tensor<21x16x2x64xf16>, tensor<3x4xi32>, tensor<3xi32>, tensor<4xi32>) -> tensor<12x8x64xf16>
  return
}

// -----

// The caches have different block sizes.
func.func @paged_bs(%q: tensor<12x8x64xf16>, %kc: tensor<20x16x2x64xf16>, %vc: tensor<20x8x2x64xf16>, %bt: tensor<3x4xi32>, %sl: tensor<3xi32>, %qsl: tensor<4xi32>) {
  // expected-error@+1 {{'v_cache' dimension 1 (BS = 8) must equal 'k_cache' dimension 1 (BS = 16)}}
  %o = attn.paged_attention %q, %kc, %vc, %bt, %sl, %qsl : (tensor<12x8x64xf16>, tensor<20x16x2x64xf16>, tensor<20x8x2x64xf16>, tensor<3x4xi32>, tensor<3xi32>, tensor<4xi32>) -> tensor<12x8x64xf16>
  return
}

// -----

// The caches have different KV head counts.
func.func @paged_hkv(%q: tensor<12x8x64xf16>, %kc: tensor<20x16x2x64xf16>, %vc: tensor<20x16x1x64xf16>, %bt: tensor<3x4xi32>, %sl: tensor<3xi32>, %qsl: tensor<4xi32>) {
  // expected-error@+1 {{'v_cache' dimension 2 (Hkv = 1) must equal 'k_cache' dimension 2 (Hkv = 2)}}
  %o = attn.paged_attention %q, %kc, %vc, %bt, %sl, %qsl : (tensor<12x8x64xf16>, tensor<20x16x2x64xf16>, tensor<20x16x1x64xf16>, tensor<3x4xi32>, tensor<3xi32>, tensor<4xi32>) -> tensor<12x8x64xf16>
  return
}

// -----

// Out token count differs from q.
func.func @paged_out_tq(%q: tensor<12x8x64xf16>, %kc: tensor<20x16x2x64xf16>, %vc: tensor<20x16x2x64xf16>, %bt: tensor<3x4xi32>, %sl: tensor<3xi32>, %qsl: tensor<4xi32>) {
  // expected-error@+1 {{'out' dimension 0 (Tq = 13) must equal 'q' dimension 0 (Tq = 12)}}
  %o = attn.paged_attention %q, %kc, %vc, %bt, %sl, %qsl : (tensor<12x8x64xf16>, tensor<20x16x2x64xf16>, tensor<20x16x2x64xf16>, tensor<3x4xi32>, tensor<3xi32>, tensor<4xi32>) -> tensor<13x8x64xf16>
  return
}

// -----

// Out head count differs from q.
func.func @paged_out_hq(%q: tensor<12x8x64xf16>, %kc: tensor<20x16x2x64xf16>, %vc: tensor<20x16x2x64xf16>, %bt: tensor<3x4xi32>, %sl: tensor<3xi32>, %qsl: tensor<4xi32>) {
  // expected-error@+1 {{'out' dimension 1 (Hq = 2) must equal 'q' dimension 1 (Hq = 8)}}
  %o = attn.paged_attention %q, %kc, %vc, %bt, %sl, %qsl : (tensor<12x8x64xf16>, tensor<20x16x2x64xf16>, tensor<20x16x2x64xf16>, tensor<3x4xi32>, tensor<3xi32>, tensor<4xi32>) -> tensor<12x2x64xf16>
  return
}

// -----

// Out head dim differs from v.
func.func @paged_out_dv(%q: tensor<12x8x64xf16>, %kc: tensor<20x16x2x64xf16>, %vc: tensor<20x16x2x64xf16>, %bt: tensor<3x4xi32>, %sl: tensor<3xi32>, %qsl: tensor<4xi32>) {
  // expected-error@+1 {{'out' dimension 2 (Dv = 32) must equal 'v_cache' dimension 3 (Dv = 64)}}
  %o = attn.paged_attention %q, %kc, %vc, %bt, %sl, %qsl : (tensor<12x8x64xf16>, tensor<20x16x2x64xf16>, tensor<20x16x2x64xf16>, tensor<3x4xi32>, tensor<3xi32>, tensor<4xi32>) -> tensor<12x8x32xf16>
  return
}

// -----

// Block table and seq_lens disagree on B.
func.func @paged_batch(%q: tensor<12x8x64xf16>, %kc: tensor<20x16x2x64xf16>, %vc: tensor<20x16x2x64xf16>, %bt: tensor<3x4xi32>, %sl: tensor<2xi32>, %qsl: tensor<4xi32>) {
  // expected-error@+1 {{'seq_lens' dimension 0 (B = 2) must equal 'block_tables' dimension 0 (B = 3)}}
  %o = attn.paged_attention %q, %kc, %vc, %bt, %sl, %qsl : (tensor<12x8x64xf16>, tensor<20x16x2x64xf16>, tensor<20x16x2x64xf16>, tensor<3x4xi32>, tensor<2xi32>, tensor<4xi32>) -> tensor<12x8x64xf16>
  return
}

// -----

// No offsets at all.
func.func @paged_qsl_empty(%q: tensor<12x8x64xf16>, %kc: tensor<20x16x2x64xf16>, %vc: tensor<20x16x2x64xf16>, %bt: tensor<3x4xi32>, %sl: tensor<3xi32>, %qsl: tensor<0xi32>) {
  // expected-error@+1 {{'query_start_loc' must hold B+1 >= 1 offsets, got 0}}
  %o = attn.paged_attention %q, %kc, %vc, %bt, %sl, %qsl : (tensor<12x8x64xf16>, tensor<20x16x2x64xf16>, tensor<20x16x2x64xf16>, tensor<3x4xi32>, tensor<3xi32>, tensor<0xi32>) -> tensor<12x8x64xf16>
  return
}

// -----

// Query_start_loc with B offsets instead of B+1.
func.func @paged_qsl_b(%q: tensor<12x8x64xf16>, %kc: tensor<20x16x2x64xf16>, %vc: tensor<20x16x2x64xf16>, %bt: tensor<3x4xi32>, %sl: tensor<3xi32>, %qsl: tensor<3xi32>) {
  // expected-error@+1 {{'query_start_loc' dimension 0 (B+1 = 3) must be one more than 'seq_lens' dimension 0 (B = 3)}}
  %o = attn.paged_attention %q, %kc, %vc, %bt, %sl, %qsl : (tensor<12x8x64xf16>, tensor<20x16x2x64xf16>, tensor<20x16x2x64xf16>, tensor<3x4xi32>, tensor<3xi32>, tensor<3xi32>) -> tensor<12x8x64xf16>
  return
}

// -----

// B known from the block table only (seq_lens dynamic).
func.func @paged_qsl_b_table(%q: tensor<12x8x64xf16>, %kc: tensor<20x16x2x64xf16>, %vc: tensor<20x16x2x64xf16>, %bt: tensor<3x4xi32>, %sl: tensor<?xi32>, %qsl: tensor<5xi32>) {
  // expected-error@+1 {{'query_start_loc' dimension 0 (B+1 = 5) must be one more than 'block_tables' dimension 0 (B = 3)}}
  %o = attn.paged_attention %q, %kc, %vc, %bt, %sl, %qsl : (tensor<12x8x64xf16>, tensor<20x16x2x64xf16>, tensor<20x16x2x64xf16>, tensor<3x4xi32>, tensor<?xi32>, tensor<5xi32>) -> tensor<12x8x64xf16>
  return
}

// -----

// Hq not a multiple of Hkv.
func.func @paged_gqa_ratio(%q: tensor<12x6x64xf16>, %kc: tensor<20x16x4x64xf16>, %vc: tensor<20x16x4x64xf16>, %bt: tensor<3x4xi32>, %sl: tensor<3xi32>, %qsl: tensor<4xi32>) {
  // expected-error@+1 {{query heads (Hq = 6) must be a multiple of key/value heads (Hkv = 4)}}
  %o = attn.paged_attention %q, %kc, %vc, %bt, %sl, %qsl : (tensor<12x6x64xf16>, tensor<20x16x4x64xf16>, tensor<20x16x4x64xf16>, tensor<3x4xi32>, tensor<3xi32>, tensor<4xi32>) -> tensor<12x6x64xf16>
  return
}

// -----

// No KV heads.
func.func @paged_zero_hkv(%q: tensor<12x8x64xf16>, %kc: tensor<20x16x0x64xf16>, %vc: tensor<20x16x0x64xf16>, %bt: tensor<3x4xi32>, %sl: tensor<3xi32>, %qsl: tensor<4xi32>) {
  // expected-error@+1 {{head counts and head dims must be positive, got Hq = 8, Hkv = 0, D = 64, Dv = 64}}
  %o = attn.paged_attention %q, %kc, %vc, %bt, %sl, %qsl : (tensor<12x8x64xf16>, tensor<20x16x0x64xf16>, tensor<20x16x0x64xf16>, tensor<3x4xi32>, tensor<3xi32>, tensor<4xi32>) -> tensor<12x8x64xf16>
  return
}

// -----

// Lse in the batched layout (rank 3).
func.func @paged_lse_rank(%q: tensor<12x8x64xf16>, %kc: tensor<20x16x2x64xf16>, %vc: tensor<20x16x2x64xf16>, %bt: tensor<3x4xi32>, %sl: tensor<3xi32>, %qsl: tensor<4xi32>) {
  // expected-error@+1 {{'lse' must have rank 2 (Hq x Tq), got 'tensor<1x8x12xf32>'}}
  %o:2 = attn.paged_attention %q, %kc, %vc, %bt, %sl, %qsl : (tensor<12x8x64xf16>, tensor<20x16x2x64xf16>, tensor<20x16x2x64xf16>, tensor<3x4xi32>, tensor<3xi32>, tensor<4xi32>) -> (tensor<12x8x64xf16>, tensor<1x8x12xf32>)
  return
}

// -----

// Lse as Tq x Hq instead of Hq x Tq.
func.func @paged_lse_layout(%q: tensor<12x8x64xf16>, %kc: tensor<20x16x2x64xf16>, %vc: tensor<20x16x2x64xf16>, %bt: tensor<3x4xi32>, %sl: tensor<3xi32>, %qsl: tensor<4xi32>) {
  // expected-error@+1 {{'lse' dimension 0 (Hq = 12) must equal 'q' dimension 1 (Hq = 8)}}
  %o:2 = attn.paged_attention %q, %kc, %vc, %bt, %sl, %qsl : (tensor<12x8x64xf16>, tensor<20x16x2x64xf16>, tensor<20x16x2x64xf16>, tensor<3x4xi32>, tensor<3xi32>, tensor<4xi32>) -> (tensor<12x8x64xf16>, tensor<12x8xf32>)
  return
}

// -----

// Lse token count differs from q.
func.func @paged_lse_tq(%q: tensor<12x8x64xf16>, %kc: tensor<20x16x2x64xf16>, %vc: tensor<20x16x2x64xf16>, %bt: tensor<3x4xi32>, %sl: tensor<3xi32>, %qsl: tensor<4xi32>) {
  // expected-error@+1 {{'lse' dimension 1 (Tq = 3) must equal 'q' dimension 0 (Tq = 12)}}
  %o:2 = attn.paged_attention %q, %kc, %vc, %bt, %sl, %qsl : (tensor<12x8x64xf16>, tensor<20x16x2x64xf16>, tensor<20x16x2x64xf16>, tensor<3x4xi32>, tensor<3xi32>, tensor<4xi32>) -> (tensor<12x8x64xf16>, tensor<8x3xf32>)
  return
}

// -----

// Alibi slopes per KV head.
func.func @paged_alibi_size(%q: tensor<12x8x64xf16>, %kc: tensor<20x16x2x64xf16>, %vc: tensor<20x16x2x64xf16>, %bt: tensor<3x4xi32>, %sl: tensor<3xi32>, %qsl: tensor<4xi32>, %s: tensor<2xf32>) {
  // expected-error@+1 {{'alibi_slopes' dimension 0 (Hq = 2) must equal 'q' dimension 1 (Hq = 8)}}
  %o = attn.paged_attention %q, %kc, %vc, %bt, %sl, %qsl alibi(%s) : (tensor<12x8x64xf16>, tensor<20x16x2x64xf16>, tensor<20x16x2x64xf16>, tensor<3x4xi32>, tensor<3xi32>, tensor<4xi32>, tensor<2xf32>) -> tensor<12x8x64xf16>
  return
}

// -----

// Alibi slopes of rank 2.
func.func @paged_alibi_rank(%q: tensor<12x8x64xf16>, %kc: tensor<20x16x2x64xf16>, %vc: tensor<20x16x2x64xf16>, %bt: tensor<3x4xi32>, %sl: tensor<3xi32>, %qsl: tensor<4xi32>, %s: tensor<8x1xf32>) {
  // expected-error@+1 {{'alibi_slopes' must have rank 1 (Hq), got 'tensor<8x1xf32>'}}
  %o = attn.paged_attention %q, %kc, %vc, %bt, %sl, %qsl alibi(%s) : (tensor<12x8x64xf16>, tensor<20x16x2x64xf16>, tensor<20x16x2x64xf16>, tensor<3x4xi32>, tensor<3xi32>, tensor<4xi32>, tensor<8x1xf32>) -> tensor<12x8x64xf16>
  return
}

// -----

// Alibi slopes of f16.
func.func @paged_alibi_type(%q: tensor<12x8x64xf16>, %kc: tensor<20x16x2x64xf16>, %vc: tensor<20x16x2x64xf16>, %bt: tensor<3x4xi32>, %sl: tensor<3xi32>, %qsl: tensor<4xi32>, %s: tensor<8xf16>) {
  // expected-error@+1 {{'alibi_slopes' element type must be f32, got 'f16'}}
  %o = attn.paged_attention %q, %kc, %vc, %bt, %sl, %qsl alibi(%s) : (tensor<12x8x64xf16>, tensor<20x16x2x64xf16>, tensor<20x16x2x64xf16>, tensor<3x4xi32>, tensor<3xi32>, tensor<4xi32>, tensor<8xf16>) -> tensor<12x8x64xf16>
  return
}

// -----

// Negative window_left.
func.func @paged_window_left(%q: tensor<12x8x64xf16>, %kc: tensor<20x16x2x64xf16>, %vc: tensor<20x16x2x64xf16>, %bt: tensor<3x4xi32>, %sl: tensor<3xi32>, %qsl: tensor<4xi32>) {
  // expected-error@+1 {{'window_left' must be non-negative, got -3}}
  %o = attn.paged_attention %q, %kc, %vc, %bt, %sl, %qsl {window_left = -3 : i64} : (tensor<12x8x64xf16>, tensor<20x16x2x64xf16>, tensor<20x16x2x64xf16>, tensor<3x4xi32>, tensor<3xi32>, tensor<4xi32>) -> tensor<12x8x64xf16>
  return
}

// -----

// Negative window_right.
func.func @paged_window_right(%q: tensor<12x8x64xf16>, %kc: tensor<20x16x2x64xf16>, %vc: tensor<20x16x2x64xf16>, %bt: tensor<3x4xi32>, %sl: tensor<3xi32>, %qsl: tensor<4xi32>) {
  // expected-error@+1 {{'window_right' must be non-negative, got -1}}
  %o = attn.paged_attention %q, %kc, %vc, %bt, %sl, %qsl {causal, window_right = -1 : i64} : (tensor<12x8x64xf16>, tensor<20x16x2x64xf16>, tensor<20x16x2x64xf16>, tensor<3x4xi32>, tensor<3xi32>, tensor<4xi32>) -> tensor<12x8x64xf16>
  return
}

// -----

// Zero softcap.
func.func @paged_softcap(%q: tensor<12x8x64xf16>, %kc: tensor<20x16x2x64xf16>, %vc: tensor<20x16x2x64xf16>, %bt: tensor<3x4xi32>, %sl: tensor<3xi32>, %qsl: tensor<4xi32>) {
  // expected-error@+1 {{'softcap' must be positive and finite, got 0}}
  %o = attn.paged_attention %q, %kc, %vc, %bt, %sl, %qsl {softcap = 0.0 : f32} : (tensor<12x8x64xf16>, tensor<20x16x2x64xf16>, tensor<20x16x2x64xf16>, tensor<3x4xi32>, tensor<3xi32>, tensor<4xi32>) -> tensor<12x8x64xf16>
  return
}

// -----

// NaN scale.
func.func @paged_scale(%q: tensor<12x8x64xf16>, %kc: tensor<20x16x2x64xf16>, %vc: tensor<20x16x2x64xf16>, %bt: tensor<3x4xi32>, %sl: tensor<3xi32>, %qsl: tensor<4xi32>) {
  // expected-error@+1 {{'scale' must be finite, got NaN}}
  %o = attn.paged_attention %q, %kc, %vc, %bt, %sl, %qsl {scale = 0x7FC00000 : f32} : (tensor<12x8x64xf16>, tensor<20x16x2x64xf16>, tensor<20x16x2x64xf16>, tensor<3x4xi32>, tensor<3xi32>, tensor<4xi32>) -> tensor<12x8x64xf16>
  return
}

// -----

// Query_start_loc missing.
func.func @paged_five_operands(%q: tensor<12x8x64xf16>, %kc: tensor<20x16x2x64xf16>, %vc: tensor<20x16x2x64xf16>, %bt: tensor<3x4xi32>, %sl: tensor<3xi32>) {
  // expected-error@+1 {{'attn.paged_attention' op expected 6 or more operands, but found 5}}
  %o = "attn.paged_attention"(%q, %kc, %vc, %bt, %sl) <{operandSegmentSizes = array<i32: 1, 1, 1, 1, 1, 0, 0, 0>}> : (tensor<12x8x64xf16>, tensor<20x16x2x64xf16>, tensor<20x16x2x64xf16>, tensor<3x4xi32>, tensor<3xi32>) -> tensor<12x8x64xf16>
  return
}

// -----

// One sink per key/value head instead of per query head.
func.func @mha_sinks_size(%q: tensor<2x8x16x64xf16>, %k: tensor<2x2x32x64xf16>, %v: tensor<2x2x32x64xf16>, %s: tensor<2xf32>) {
  // expected-error@+1 {{'sinks' dimension 0 (Hq = 2) must equal 'q' dimension 1 (Hq = 8)}}
  %o = attn.mha %q, %k, %v sinks(%s) : (tensor<2x8x16x64xf16>, tensor<2x2x32x64xf16>, tensor<2x2x32x64xf16>, tensor<2xf32>) -> tensor<2x8x16x64xf16>
  return
}

// -----

// Sinks per (batch, head).
func.func @mha_sinks_rank(%q: tensor<2x8x16x64xf16>, %k: tensor<2x2x32x64xf16>, %v: tensor<2x2x32x64xf16>, %s: tensor<2x8xf32>) {
  // expected-error@+1 {{'sinks' must have rank 1 (Hq), got 'tensor<2x8xf32>'}}
  %o = attn.mha %q, %k, %v sinks(%s) : (tensor<2x8x16x64xf16>, tensor<2x2x32x64xf16>, tensor<2x2x32x64xf16>, tensor<2x8xf32>) -> tensor<2x8x16x64xf16>
  return
}

// -----

// Sinks in the element type of q (aiter takes them as f32).
func.func @mha_sinks_type(%q: tensor<2x8x16x64xbf16>, %k: tensor<2x2x32x64xbf16>, %v: tensor<2x2x32x64xbf16>, %s: tensor<8xbf16>) {
  // expected-error@+1 {{'sinks' element type must be f32, got 'bf16'}}
  %o = attn.mha %q, %k, %v sinks(%s) : (tensor<2x8x16x64xbf16>, tensor<2x2x32x64xbf16>, tensor<2x2x32x64xbf16>, tensor<8xbf16>) -> tensor<2x8x16x64xbf16>
  return
}

// -----

// The alibi check comes first when both are wrong; a wrong sinks after a right alibi.
func.func @varlen_sinks_size(%q: tensor<40x8x64xf16>, %k: tensor<56x2x64xf16>, %v: tensor<56x2x64xf16>, %cq: tensor<3xi32>, %ck: tensor<3xi32>, %a: tensor<8xf32>, %s: tensor<7xf32>) {
  // expected-error@+1 {{'sinks' dimension 0 (Hq = 7) must equal 'q' dimension 1 (Hq = 8)}}
  %o = attn.mha_varlen %q, %k, %v, %cq, %ck alibi(%a) sinks(%s) : (tensor<40x8x64xf16>, tensor<56x2x64xf16>, tensor<56x2x64xf16>, tensor<3xi32>, tensor<3xi32>, tensor<8xf32>, tensor<7xf32>) -> tensor<40x8x64xf16>
  return
}

// -----

func.func @paged_sinks_rank(%q: tensor<12x8x64xf16>, %kc: tensor<20x16x2x64xf16>, %vc: tensor<20x16x2x64xf16>, %bt: tensor<3x4xi32>, %sl: tensor<3xi32>, %qsl: tensor<4xi32>, %s: tensor<f32>) {
  // expected-error@+1 {{'sinks' must have rank 1 (Hq), got 'tensor<f32>'}}
  %o = attn.paged_attention %q, %kc, %vc, %bt, %sl, %qsl sinks(%s) : (tensor<12x8x64xf16>, tensor<20x16x2x64xf16>, tensor<20x16x2x64xf16>, tensor<3x4xi32>, tensor<3xi32>, tensor<4xi32>, tensor<f32>) -> tensor<12x8x64xf16>
  return
}

// -----

// Two sinks groups in the generic form.
func.func @mha_two_sinks(%q: tensor<2x8x16x64xf16>, %k: tensor<2x2x32x64xf16>, %v: tensor<2x2x32x64xf16>, %s: tensor<8xf32>) {
  // expected-error@+1 {{'attn.mha' op operand group starting at #3 requires 0 or 1 element, but found 2}}
  %o = "attn.mha"(%q, %k, %v, %s, %s) <{operandSegmentSizes = array<i32: 1, 1, 1, 0, 2, 0, 0, 0, 0>}> : (tensor<2x8x16x64xf16>, tensor<2x2x32x64xf16>, tensor<2x2x32x64xf16>, tensor<8xf32>, tensor<8xf32>) -> tensor<2x8x16x64xf16>
  return
}
