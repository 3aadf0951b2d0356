// SAGE operands (issue 16 part 3, docs/fp8.md "SAGE"): one case per verifier
// branch; every message names the operand and what was seen.
// RUN: attn-opt %s --split-input-file --verify-diagnostics

func.func @no_descales(%q: tensor<1x2x8x16xi8>, %k: tensor<1x2x8x16xi8>, %v: tensor<1x2x8x16xf8E4M3FN>) {
  // expected-error@+1 {{SAGE (i8 q and k) needs 'q_descale', 'k_descale' and 'v_descale' (descale(%q_descale, %k_descale, %v_descale))}}
  %o = attn.mha %q, %k, %v {q_scale_block = 4 : i64, k_scale_block = 8 : i64} : (tensor<1x2x8x16xi8>, tensor<1x2x8x16xi8>, tensor<1x2x8x16xf8E4M3FN>) -> tensor<1x2x8x16xbf16>
  return
}

// -----

func.func @no_blocks(%q: tensor<1x2x8x16xi8>, %k: tensor<1x2x8x16xi8>, %v: tensor<1x2x8x16xf8E4M3FN>, %qd: tensor<1x2x2xf32>, %kd: tensor<1x2x1xf32>, %vd: tensor<1x2x16xf32>) {
  // expected-error@+1 {{SAGE (i8 q and k) needs 'q_scale_block' and 'k_scale_block' (the rows that share one q_descale / k_descale)}}
  %o = attn.mha %q, %k, %v descale(%qd, %kd, %vd)  : (tensor<1x2x8x16xi8>, tensor<1x2x8x16xi8>, tensor<1x2x8x16xf8E4M3FN>, tensor<1x2x2xf32>, tensor<1x2x1xf32>, tensor<1x2x16xf32>) -> tensor<1x2x8x16xbf16>
  return
}

// -----

func.func @zero_block(%q: tensor<1x2x8x16xi8>, %k: tensor<1x2x8x16xi8>, %v: tensor<1x2x8x16xf8E4M3FN>, %qd: tensor<1x2x2xf32>, %kd: tensor<1x2x1xf32>, %vd: tensor<1x2x16xf32>) {
  // expected-error@+1 {{'q_scale_block' must be in [1, 2147483647], got 0}}
  %o = attn.mha %q, %k, %v descale(%qd, %kd, %vd) {q_scale_block = 0 : i64, k_scale_block = 8 : i64} : (tensor<1x2x8x16xi8>, tensor<1x2x8x16xi8>, tensor<1x2x8x16xf8E4M3FN>, tensor<1x2x2xf32>, tensor<1x2x1xf32>, tensor<1x2x16xf32>) -> tensor<1x2x8x16xbf16>
  return
}

// -----

func.func @k_not_i8(%q: tensor<1x2x8x16xi8>, %k: tensor<1x2x8x16xbf16>, %v: tensor<1x2x8x16xf8E4M3FN>, %qd: tensor<1x2x2xf32>, %kd: tensor<1x2x1xf32>, %vd: tensor<1x2x16xf32>) {
  // expected-error@+1 {{'k' element type must be i8 with i8 'q' (SAGE: i8 q and k, fp8 v), got 'bf16'}}
  %o = attn.mha %q, %k, %v descale(%qd, %kd, %vd) {q_scale_block = 4 : i64, k_scale_block = 8 : i64} : (tensor<1x2x8x16xi8>, tensor<1x2x8x16xbf16>, tensor<1x2x8x16xf8E4M3FN>, tensor<1x2x2xf32>, tensor<1x2x1xf32>, tensor<1x2x16xf32>) -> tensor<1x2x8x16xbf16>
  return
}

// -----

func.func @q_not_i8(%q: tensor<1x2x8x16xf8E4M3FN>, %k: tensor<1x2x8x16xi8>, %v: tensor<1x2x8x16xf8E4M3FN>, %qd: tensor<1x2x2xf32>, %kd: tensor<1x2x1xf32>, %vd: tensor<1x2x16xf32>) {
  // expected-error@+1 {{'q' element type must be i8 with i8 'k' (SAGE: i8 q and k, fp8 v), got 'f8E4M3FN'}}
  %o = attn.mha %q, %k, %v descale(%qd, %kd, %vd) {q_scale_block = 4 : i64, k_scale_block = 8 : i64} : (tensor<1x2x8x16xf8E4M3FN>, tensor<1x2x8x16xi8>, tensor<1x2x8x16xf8E4M3FN>, tensor<1x2x2xf32>, tensor<1x2x1xf32>, tensor<1x2x16xf32>) -> tensor<1x2x8x16xbf16>
  return
}

// -----

func.func @v_not_fp8(%q: tensor<1x2x8x16xi8>, %k: tensor<1x2x8x16xi8>, %v: tensor<1x2x8x16xbf16>, %qd: tensor<1x2x2xf32>, %kd: tensor<1x2x1xf32>, %vd: tensor<1x2x16xf32>) {
  // expected-error@+1 {{'v' element type must be f8E4M3FN or f8E4M3FNUZ with i8 q and k (SAGE), got 'bf16'}}
  %o = attn.mha %q, %k, %v descale(%qd, %kd, %vd) {q_scale_block = 4 : i64, k_scale_block = 8 : i64} : (tensor<1x2x8x16xi8>, tensor<1x2x8x16xi8>, tensor<1x2x8x16xbf16>, tensor<1x2x2xf32>, tensor<1x2x1xf32>, tensor<1x2x16xf32>) -> tensor<1x2x8x16xbf16>
  return
}

// -----

func.func @out_f32(%q: tensor<1x2x8x16xi8>, %k: tensor<1x2x8x16xi8>, %v: tensor<1x2x8x16xf8E4M3FN>, %qd: tensor<1x2x2xf32>, %kd: tensor<1x2x1xf32>, %vd: tensor<1x2x16xf32>) {
  // expected-error@+1 {{'out' element type must be bf16 or f16 with fp8 v and i8 q, k, got 'f32'}}
  %o = attn.mha %q, %k, %v descale(%qd, %kd, %vd) {q_scale_block = 4 : i64, k_scale_block = 8 : i64} : (tensor<1x2x8x16xi8>, tensor<1x2x8x16xi8>, tensor<1x2x8x16xf8E4M3FN>, tensor<1x2x2xf32>, tensor<1x2x1xf32>, tensor<1x2x16xf32>) -> tensor<1x2x8x16xf32>
  return
}

// -----

func.func @qd_rank(%q: tensor<1x2x8x16xi8>, %k: tensor<1x2x8x16xi8>, %v: tensor<1x2x8x16xf8E4M3FN>, %qd: tensor<1x2xf32>, %kd: tensor<1x2x1xf32>, %vd: tensor<1x2x16xf32>) {
  // expected-error@+1 {{'q_descale' must have rank 3 (B x Hq x ceil(Sq / q_scale_block)), got 'tensor<1x2xf32>'}}
  %o = attn.mha %q, %k, %v descale(%qd, %kd, %vd) {q_scale_block = 4 : i64, k_scale_block = 8 : i64} : (tensor<1x2x8x16xi8>, tensor<1x2x8x16xi8>, tensor<1x2x8x16xf8E4M3FN>, tensor<1x2xf32>, tensor<1x2x1xf32>, tensor<1x2x16xf32>) -> tensor<1x2x8x16xbf16>
  return
}

// -----

func.func @qd_elem(%q: tensor<1x2x8x16xi8>, %k: tensor<1x2x8x16xi8>, %v: tensor<1x2x8x16xf8E4M3FN>, %qd: tensor<1x2x2xf16>, %kd: tensor<1x2x1xf32>, %vd: tensor<1x2x16xf32>) {
  // expected-error@+1 {{'q_descale' element type must be f32, got 'f16'}}
  %o = attn.mha %q, %k, %v descale(%qd, %kd, %vd) {q_scale_block = 4 : i64, k_scale_block = 8 : i64} : (tensor<1x2x8x16xi8>, tensor<1x2x8x16xi8>, tensor<1x2x8x16xf8E4M3FN>, tensor<1x2x2xf16>, tensor<1x2x1xf32>, tensor<1x2x16xf32>) -> tensor<1x2x8x16xbf16>
  return
}

// -----

func.func @qd_batch(%q: tensor<1x2x8x16xi8>, %k: tensor<1x2x8x16xi8>, %v: tensor<1x2x8x16xf8E4M3FN>, %qd: tensor<2x2x2xf32>, %kd: tensor<1x2x1xf32>, %vd: tensor<1x2x16xf32>) {
  // expected-error@+1 {{'q_descale' dimension 0 (B = 2) must equal 'q' dimension 0 (B = 1)}}
  %o = attn.mha %q, %k, %v descale(%qd, %kd, %vd) {q_scale_block = 4 : i64, k_scale_block = 8 : i64} : (tensor<1x2x8x16xi8>, tensor<1x2x8x16xi8>, tensor<1x2x8x16xf8E4M3FN>, tensor<2x2x2xf32>, tensor<1x2x1xf32>, tensor<1x2x16xf32>) -> tensor<1x2x8x16xbf16>
  return
}

// -----

func.func @qd_blocks(%q: tensor<1x2x8x16xi8>, %k: tensor<1x2x8x16xi8>, %v: tensor<1x2x8x16xf8E4M3FN>, %qd: tensor<1x2x3xf32>, %kd: tensor<1x2x1xf32>, %vd: tensor<1x2x16xf32>) {
  // expected-error@+1 {{'q_descale' dimension 2 (3 blocks) must equal ceil(Sq / q_scale_block) = 2 ('q' dimension 2, Sq = 8, q_scale_block = 4)}}
  %o = attn.mha %q, %k, %v descale(%qd, %kd, %vd) {q_scale_block = 4 : i64, k_scale_block = 8 : i64} : (tensor<1x2x8x16xi8>, tensor<1x2x8x16xi8>, tensor<1x2x8x16xf8E4M3FN>, tensor<1x2x3xf32>, tensor<1x2x1xf32>, tensor<1x2x16xf32>) -> tensor<1x2x8x16xbf16>
  return
}

// -----

func.func @kd_heads(%q: tensor<1x4x8x16xi8>, %k: tensor<1x2x8x16xi8>, %v: tensor<1x2x8x16xf8E4M3FN>, %qd: tensor<1x4x2xf32>, %kd: tensor<1x4x1xf32>, %vd: tensor<1x2x16xf32>) {
  // expected-error@+1 {{'k_descale' dimension 1 (Hkv = 4) must equal 'k' dimension 1 (Hkv = 2)}}
  %o = attn.mha %q, %k, %v descale(%qd, %kd, %vd) {q_scale_block = 4 : i64, k_scale_block = 8 : i64} : (tensor<1x4x8x16xi8>, tensor<1x2x8x16xi8>, tensor<1x2x8x16xf8E4M3FN>, tensor<1x4x2xf32>, tensor<1x4x1xf32>, tensor<1x2x16xf32>) -> tensor<1x4x8x16xbf16>
  return
}

// -----

func.func @kd_blocks(%q: tensor<1x2x8x16xi8>, %k: tensor<1x2x8x16xi8>, %v: tensor<1x2x8x16xf8E4M3FN>, %qd: tensor<1x2x2xf32>, %kd: tensor<1x2x2xf32>, %vd: tensor<1x2x16xf32>) {
  // expected-error@+1 {{'k_descale' dimension 2 (2 blocks) must equal ceil(Sk / k_scale_block) = 1 ('k' dimension 2, Sk = 8, k_scale_block = 8)}}
  %o = attn.mha %q, %k, %v descale(%qd, %kd, %vd) {q_scale_block = 4 : i64, k_scale_block = 8 : i64} : (tensor<1x2x8x16xi8>, tensor<1x2x8x16xi8>, tensor<1x2x8x16xf8E4M3FN>, tensor<1x2x2xf32>, tensor<1x2x2xf32>, tensor<1x2x16xf32>) -> tensor<1x2x8x16xbf16>
  return
}

// -----

func.func @vd_channels(%q: tensor<1x2x8x16xi8>, %k: tensor<1x2x8x16xi8>, %v: tensor<1x2x8x16xf8E4M3FN>, %qd: tensor<1x2x2xf32>, %kd: tensor<1x2x1xf32>, %vd: tensor<1x2x8xf32>) {
  // expected-error@+1 {{'v_descale' dimension 2 (Dv = 8) must equal 'v' dimension 3 (Dv = 16)}}
  %o = attn.mha %q, %k, %v descale(%qd, %kd, %vd) {q_scale_block = 4 : i64, k_scale_block = 8 : i64} : (tensor<1x2x8x16xi8>, tensor<1x2x8x16xi8>, tensor<1x2x8x16xf8E4M3FN>, tensor<1x2x2xf32>, tensor<1x2x1xf32>, tensor<1x2x8xf32>) -> tensor<1x2x8x16xbf16>
  return
}

// -----

func.func @vd_rank(%q: tensor<1x2x8x16xi8>, %k: tensor<1x2x8x16xi8>, %v: tensor<1x2x8x16xf8E4M3FN>, %qd: tensor<1x2x2xf32>, %kd: tensor<1x2x1xf32>, %vd: tensor<2xf32>) {
  // expected-error@+1 {{'v_descale' must have rank 3 (B x Hkv x Dv, per channel), got 'tensor<2xf32>'}}
  %o = attn.mha %q, %k, %v descale(%qd, %kd, %vd) {q_scale_block = 4 : i64, k_scale_block = 8 : i64} : (tensor<1x2x8x16xi8>, tensor<1x2x8x16xi8>, tensor<1x2x8x16xf8E4M3FN>, tensor<1x2x2xf32>, tensor<1x2x1xf32>, tensor<2xf32>) -> tensor<1x2x8x16xbf16>
  return
}

// -----

func.func @kmean_shape(%q: tensor<1x2x8x16xi8>, %k: tensor<1x2x8x16xi8>, %v: tensor<1x2x8x16xf8E4M3FN>, %qd: tensor<1x2x2xf32>, %kd: tensor<1x2x1xf32>, %vd: tensor<1x2x16xf32>, %km: tensor<1x2x8xf32>) {
  // expected-error@+1 {{'k_mean' dimension 2 (D = 8) must equal 'q' dimension 3 (D = 16)}}
  %o = attn.mha %q, %k, %v descale(%qd, %kd, %vd) k_mean(%km) {q_scale_block = 4 : i64, k_scale_block = 8 : i64} : (tensor<1x2x8x16xi8>, tensor<1x2x8x16xi8>, tensor<1x2x8x16xf8E4M3FN>, tensor<1x2x2xf32>, tensor<1x2x1xf32>, tensor<1x2x16xf32>, tensor<1x2x8xf32>) -> tensor<1x2x8x16xbf16>
  return
}

// -----

func.func @kmean_softcap(%q: tensor<1x2x8x16xi8>, %k: tensor<1x2x8x16xi8>, %v: tensor<1x2x8x16xf8E4M3FN>, %qd: tensor<1x2x2xf32>, %kd: tensor<1x2x1xf32>, %vd: tensor<1x2x16xf32>, %km: tensor<1x2x16xf32>) {
  // expected-error@+1 {{'softcap' cannot be combined with 'k_mean' (the smoothing term is added back to lse only, which is exact for the shift-invariant softmax; tanh is not shift-invariant)}}
  %o = attn.mha %q, %k, %v descale(%qd, %kd, %vd) k_mean(%km) {softcap = 30.0 : f32, q_scale_block = 4 : i64, k_scale_block = 8 : i64} : (tensor<1x2x8x16xi8>, tensor<1x2x8x16xi8>, tensor<1x2x8x16xf8E4M3FN>, tensor<1x2x2xf32>, tensor<1x2x1xf32>, tensor<1x2x16xf32>, tensor<1x2x16xf32>) -> tensor<1x2x8x16xbf16>
  return
}

// -----

func.func @kmean_sinks(%q: tensor<1x2x8x16xi8>, %k: tensor<1x2x8x16xi8>, %v: tensor<1x2x8x16xf8E4M3FN>, %s: tensor<2xf32>, %qd: tensor<1x2x2xf32>, %kd: tensor<1x2x1xf32>, %vd: tensor<1x2x16xf32>, %km: tensor<1x2x16xf32>) {
  // expected-error@+1 {{'sinks' cannot be combined with 'k_mean' (a sink's logit does not move with the smoothing term that is added back to lse only)}}
  %o = attn.mha %q, %k, %v sinks(%s) descale(%qd, %kd, %vd) k_mean(%km) {q_scale_block = 4 : i64, k_scale_block = 8 : i64} : (tensor<1x2x8x16xi8>, tensor<1x2x8x16xi8>, tensor<1x2x8x16xf8E4M3FN>, tensor<2xf32>, tensor<1x2x2xf32>, tensor<1x2x1xf32>, tensor<1x2x16xf32>, tensor<1x2x16xf32>) -> tensor<1x2x8x16xbf16>
  return
}

// -----

func.func @kmean_not_sage(%q: tensor<1x2x8x16xbf16>, %k: tensor<1x2x8x16xbf16>, %v: tensor<1x2x8x16xbf16>, %km: tensor<1x2x16xf32>) {
  // expected-error@+1 {{'k_mean' applies to SAGE (i8 q and k) only, got 'bf16'}}
  %o = attn.mha %q, %k, %v k_mean(%km)  : (tensor<1x2x8x16xbf16>, tensor<1x2x8x16xbf16>, tensor<1x2x8x16xbf16>, tensor<1x2x16xf32>) -> tensor<1x2x8x16xbf16>
  return
}

// -----

func.func @blocks_not_sage(%q: tensor<1x2x8x16xbf16>, %k: tensor<1x2x8x16xbf16>, %v: tensor<1x2x8x16xbf16>) {
  // expected-error@+1 {{'q_scale_block' and 'k_scale_block' apply to SAGE (i8 q and k) only, got 'bf16'}}
  %o = attn.mha %q, %k, %v {q_scale_block = 4 : i64} : (tensor<1x2x8x16xbf16>, tensor<1x2x8x16xbf16>, tensor<1x2x8x16xbf16>) -> tensor<1x2x8x16xbf16>
  return
}

// -----

func.func @fp8_with_blocks(%q: tensor<1x2x8x16xf8E4M3FN>, %k: tensor<1x2x8x16xf8E4M3FN>, %v: tensor<1x2x8x16xf8E4M3FN>, %qd: tensor<f32>, %kd: tensor<f32>, %vd: tensor<f32>) {
  // expected-error@+1 {{'q_scale_block' and 'k_scale_block' apply to SAGE (i8 q and k) only, got 'f8E4M3FN'}}
  %o = attn.mha %q, %k, %v descale(%qd, %kd, %vd) {k_scale_block = 4 : i64} : (tensor<1x2x8x16xf8E4M3FN>, tensor<1x2x8x16xf8E4M3FN>, tensor<1x2x8x16xf8E4M3FN>, tensor<f32>, tensor<f32>, tensor<f32>) -> tensor<1x2x8x16xbf16>
  return
}

// -----

func.func @varlen_qd_batch(%q: tensor<?x2x16xi8>, %k: tensor<?x2x16xi8>, %v: tensor<?x2x16xf8E4M3FN>, %cq: tensor<3xi32>, %ck: tensor<3xi32>, %qd: tensor<3x2x4xf32>, %kd: tensor<2x2x4xf32>, %vd: tensor<2x2x16xf32>) {
  // expected-error@+1 {{'q_descale' dimension 0 (B = 3) must equal 'cu_seqlens_q' dimension 0 (B = 2)}}
  %o = attn.mha_varlen %q, %k, %v, %cq, %ck descale(%qd, %kd, %vd) {q_scale_block = 4 : i64, k_scale_block = 4 : i64} : (tensor<?x2x16xi8>, tensor<?x2x16xi8>, tensor<?x2x16xf8E4M3FN>, tensor<3xi32>, tensor<3xi32>, tensor<3x2x4xf32>, tensor<2x2x4xf32>, tensor<2x2x16xf32>) -> tensor<?x2x16xbf16>
  return
}

// -----

func.func @varlen_no_blocks(%q: tensor<?x2x16xi8>, %k: tensor<?x2x16xi8>, %v: tensor<?x2x16xf8E4M3FN>, %cq: tensor<3xi32>, %ck: tensor<3xi32>, %qd: tensor<2x2x0xf32>, %kd: tensor<2x2x4xf32>, %vd: tensor<2x2x16xf32>) {
  // expected-error@+1 {{'q_descale' dimension 2 must hold at least 1 block, got 0}}
  %o = attn.mha_varlen %q, %k, %v, %cq, %ck descale(%qd, %kd, %vd) {q_scale_block = 4 : i64, k_scale_block = 4 : i64} : (tensor<?x2x16xi8>, tensor<?x2x16xi8>, tensor<?x2x16xf8E4M3FN>, tensor<3xi32>, tensor<3xi32>, tensor<2x2x0xf32>, tensor<2x2x4xf32>, tensor<2x2x16xf32>) -> tensor<?x2x16xbf16>
  return
}
