// One case per verifier branch of attn.mha_bwd and attn.mha_varlen_bwd (the
// forward's checks on the forward operands, then dout and the gradients), and
// of the dropout attributes on all four ops. One case per `// -----` chunk.
// RUN: attn-opt %s --split-input-file --verify-diagnostics
// RUN: not attn-opt %s --split-input-file 2>/dev/null | FileCheck %s --check-prefix=NOIR --allow-empty
// NOIR-NOT: module

// q of rank 3 (the forward's checks apply to the forward operands).
func.func @q_rank(%q: tensor<8x16x64xf16>, %k: tensor<2x2x32x64xf16>, %v: tensor<2x2x32x32xf16>, %o: tensor<2x8x16x32xf16>, %do: tensor<2x8x16x32xf16>, %lse: tensor<2x8x16xf32>) {
  // expected-error@+1 {{'q' must have rank 4 (B x Hq x Sq x D), got 'tensor<8x16x64xf16>'}}
  %dq, %dk, %dv = attn.mha_bwd %q, %k, %v, %o, %do, %lse : (tensor<8x16x64xf16>, tensor<2x2x32x64xf16>, tensor<2x2x32x32xf16>, tensor<2x8x16x32xf16>, tensor<2x8x16x32xf16>, tensor<2x8x16xf32>) -> (tensor<2x8x16x64xf16>, tensor<2x2x32x64xf16>, tensor<2x2x32x32xf16>)
  return
}

// -----

// out with a head dim other than v's.
func.func @out_dv(%q: tensor<2x8x16x64xf16>, %k: tensor<2x2x32x64xf16>, %v: tensor<2x2x32x32xf16>, %o: tensor<2x8x16x64xf16>, %do: tensor<2x8x16x32xf16>, %lse: tensor<2x8x16xf32>) {
  // expected-error@+1 {{'out' dimension 3 (Dv = 64) must equal 'v' dimension 3 (Dv = 32)}}
  %dq, %dk, %dv = attn.mha_bwd %q, %k, %v, %o, %do, %lse : (tensor<2x8x16x64xf16>, tensor<2x2x32x64xf16>, tensor<2x2x32x32xf16>, tensor<2x8x16x64xf16>, tensor<2x8x16x32xf16>, tensor<2x8x16xf32>) -> (tensor<2x8x16x64xf16>, tensor<2x2x32x64xf16>, tensor<2x2x32x32xf16>)
  return
}

// -----

// lse of rank 4.
func.func @lse_rank(%q: tensor<2x8x16x64xf16>, %k: tensor<2x2x32x64xf16>, %v: tensor<2x2x32x32xf16>, %o: tensor<2x8x16x32xf16>, %do: tensor<2x8x16x32xf16>, %lse: tensor<2x8x16x1xf32>) {
  // expected-error@+1 {{'lse' must have rank 3 (B x Hq x Sq), got 'tensor<2x8x16x1xf32>'}}
  %dq, %dk, %dv = attn.mha_bwd %q, %k, %v, %o, %do, %lse : (tensor<2x8x16x64xf16>, tensor<2x2x32x64xf16>, tensor<2x2x32x32xf16>, tensor<2x8x16x32xf16>, tensor<2x8x16x32xf16>, tensor<2x8x16x1xf32>) -> (tensor<2x8x16x64xf16>, tensor<2x2x32x64xf16>, tensor<2x2x32x32xf16>)
  return
}

// -----

// lse with another Sq.
func.func @lse_seq(%q: tensor<2x8x16x64xf16>, %k: tensor<2x2x32x64xf16>, %v: tensor<2x2x32x32xf16>, %o: tensor<2x8x16x32xf16>, %do: tensor<2x8x16x32xf16>, %lse: tensor<2x8x15xf32>) {
  // expected-error@+1 {{'lse' dimension 2 (Sq = 15) must equal 'q' dimension 2 (Sq = 16)}}
  %dq, %dk, %dv = attn.mha_bwd %q, %k, %v, %o, %do, %lse : (tensor<2x8x16x64xf16>, tensor<2x2x32x64xf16>, tensor<2x2x32x32xf16>, tensor<2x8x16x32xf16>, tensor<2x8x16x32xf16>, tensor<2x8x15xf32>) -> (tensor<2x8x16x64xf16>, tensor<2x2x32x64xf16>, tensor<2x2x32x32xf16>)
  return
}

// -----

// lse in f16.
func.func @lse_type(%q: tensor<2x8x16x64xf16>, %k: tensor<2x2x32x64xf16>, %v: tensor<2x2x32x32xf16>, %o: tensor<2x8x16x32xf16>, %do: tensor<2x8x16x32xf16>, %lse: tensor<2x8x16xf16>) {
  // expected-error@+1 {{'lse' element type must be f32, got 'f16'}}
  %dq, %dk, %dv = attn.mha_bwd %q, %k, %v, %o, %do, %lse : (tensor<2x8x16x64xf16>, tensor<2x2x32x64xf16>, tensor<2x2x32x32xf16>, tensor<2x8x16x32xf16>, tensor<2x8x16x32xf16>, tensor<2x8x16xf16>) -> (tensor<2x8x16x64xf16>, tensor<2x2x32x64xf16>, tensor<2x2x32x32xf16>)
  return
}

// -----

// dout of rank 3.
func.func @dout_rank(%q: tensor<2x8x16x64xf16>, %k: tensor<2x2x32x64xf16>, %v: tensor<2x2x32x32xf16>, %o: tensor<2x8x16x32xf16>, %do: tensor<8x16x32xf16>, %lse: tensor<2x8x16xf32>) {
  // expected-error@+1 {{'dout' must have rank 4 (B x Hq x Sq x Dv), got 'tensor<8x16x32xf16>'}}
  %dq, %dk, %dv = attn.mha_bwd %q, %k, %v, %o, %do, %lse : (tensor<2x8x16x64xf16>, tensor<2x2x32x64xf16>, tensor<2x2x32x32xf16>, tensor<2x8x16x32xf16>, tensor<8x16x32xf16>, tensor<2x8x16xf32>) -> (tensor<2x8x16x64xf16>, tensor<2x2x32x64xf16>, tensor<2x2x32x32xf16>)
  return
}

// -----

// dout in bf16 while out is f16.
func.func @dout_type(%q: tensor<2x8x16x64xf16>, %k: tensor<2x2x32x64xf16>, %v: tensor<2x2x32x32xf16>, %o: tensor<2x8x16x32xf16>, %do: tensor<2x8x16x32xbf16>, %lse: tensor<2x8x16xf32>) {
  // expected-error@+1 {{'dout' element type 'bf16' must match 'out' element type 'f16'}}
  %dq, %dk, %dv = attn.mha_bwd %q, %k, %v, %o, %do, %lse : (tensor<2x8x16x64xf16>, tensor<2x2x32x64xf16>, tensor<2x2x32x32xf16>, tensor<2x8x16x32xf16>, tensor<2x8x16x32xbf16>, tensor<2x8x16xf32>) -> (tensor<2x8x16x64xf16>, tensor<2x2x32x64xf16>, tensor<2x2x32x32xf16>)
  return
}

// -----

// dout with another Sq.
func.func @dout_seq(%q: tensor<2x8x16x64xf16>, %k: tensor<2x2x32x64xf16>, %v: tensor<2x2x32x32xf16>, %o: tensor<2x8x16x32xf16>, %do: tensor<2x8x17x32xf16>, %lse: tensor<2x8x16xf32>) {
  // expected-error@+1 {{'dout' dimension 2 (Sq = 17) must equal 'out' dimension 2 (Sq = 16)}}
  %dq, %dk, %dv = attn.mha_bwd %q, %k, %v, %o, %do, %lse : (tensor<2x8x16x64xf16>, tensor<2x2x32x64xf16>, tensor<2x2x32x32xf16>, tensor<2x8x16x32xf16>, tensor<2x8x17x32xf16>, tensor<2x8x16xf32>) -> (tensor<2x8x16x64xf16>, tensor<2x2x32x64xf16>, tensor<2x2x32x32xf16>)
  return
}

// -----

// dq with another head count.
func.func @dq_shape(%q: tensor<2x8x16x64xf16>, %k: tensor<2x2x32x64xf16>, %v: tensor<2x2x32x32xf16>, %o: tensor<2x8x16x32xf16>, %do: tensor<2x8x16x32xf16>, %lse: tensor<2x8x16xf32>) {
  // expected-error@+1 {{'dq' dimension 1 (Hq = 4) must equal 'q' dimension 1 (Hq = 8)}}
  %dq, %dk, %dv = attn.mha_bwd %q, %k, %v, %o, %do, %lse : (tensor<2x8x16x64xf16>, tensor<2x2x32x64xf16>, tensor<2x2x32x32xf16>, tensor<2x8x16x32xf16>, tensor<2x8x16x32xf16>, tensor<2x8x16xf32>) -> (tensor<2x4x16x64xf16>, tensor<2x2x32x64xf16>, tensor<2x2x32x32xf16>)
  return
}

// -----

// dq of rank 3.
func.func @dq_rank(%q: tensor<2x8x16x64xf16>, %k: tensor<2x2x32x64xf16>, %v: tensor<2x2x32x32xf16>, %o: tensor<2x8x16x32xf16>, %do: tensor<2x8x16x32xf16>, %lse: tensor<2x8x16xf32>) {
  // expected-error@+1 {{'dq' must have rank 4 (B x Hq x Sq x D), got 'tensor<8x16x64xf16>'}}
  %dq, %dk, %dv = attn.mha_bwd %q, %k, %v, %o, %do, %lse : (tensor<2x8x16x64xf16>, tensor<2x2x32x64xf16>, tensor<2x2x32x32xf16>, tensor<2x8x16x32xf16>, tensor<2x8x16x32xf16>, tensor<2x8x16xf32>) -> (tensor<8x16x64xf16>, tensor<2x2x32x64xf16>, tensor<2x2x32x32xf16>)
  return
}

// -----

// dk in f32 while k is f16.
func.func @dk_type(%q: tensor<2x8x16x64xf16>, %k: tensor<2x2x32x64xf16>, %v: tensor<2x2x32x32xf16>, %o: tensor<2x8x16x32xf16>, %do: tensor<2x8x16x32xf16>, %lse: tensor<2x8x16xf32>) {
  // expected-error@+1 {{'dk' element type 'f32' must match 'k' element type 'f16'}}
  %dq, %dk, %dv = attn.mha_bwd %q, %k, %v, %o, %do, %lse : (tensor<2x8x16x64xf16>, tensor<2x2x32x64xf16>, tensor<2x2x32x32xf16>, tensor<2x8x16x32xf16>, tensor<2x8x16x32xf16>, tensor<2x8x16xf32>) -> (tensor<2x8x16x64xf16>, tensor<2x2x32x64xf32>, tensor<2x2x32x32xf16>)
  return
}

// -----

// dv with another Sk.
func.func @dv_len(%q: tensor<2x8x16x64xf16>, %k: tensor<2x2x32x64xf16>, %v: tensor<2x2x32x32xf16>, %o: tensor<2x8x16x32xf16>, %do: tensor<2x8x16x32xf16>, %lse: tensor<2x8x16xf32>) {
  // expected-error@+1 {{'dv' dimension 2 (Sk = 31) must equal 'v' dimension 2 (Sk = 32)}}
  %dq, %dk, %dv = attn.mha_bwd %q, %k, %v, %o, %do, %lse : (tensor<2x8x16x64xf16>, tensor<2x2x32x64xf16>, tensor<2x2x32x32xf16>, tensor<2x8x16x32xf16>, tensor<2x8x16x32xf16>, tensor<2x8x16xf32>) -> (tensor<2x8x16x64xf16>, tensor<2x2x32x64xf16>, tensor<2x2x31x32xf16>)
  return
}

// -----

// dk with another B.
func.func @dk_batch(%q: tensor<2x8x16x64xf16>, %k: tensor<2x2x32x64xf16>, %v: tensor<2x2x32x32xf16>, %o: tensor<2x8x16x32xf16>, %do: tensor<2x8x16x32xf16>, %lse: tensor<2x8x16xf32>) {
  // expected-error@+1 {{'dk' dimension 0 (B = 3) must equal 'k' dimension 0 (B = 2)}}
  %dq, %dk, %dv = attn.mha_bwd %q, %k, %v, %o, %do, %lse : (tensor<2x8x16x64xf16>, tensor<2x2x32x64xf16>, tensor<2x2x32x32xf16>, tensor<2x8x16x32xf16>, tensor<2x8x16x32xf16>, tensor<2x8x16xf32>) -> (tensor<2x8x16x64xf16>, tensor<3x2x32x64xf16>, tensor<2x2x32x32xf16>)
  return
}

// -----

// dropout_p = 1 would drop everything and scale by 1/0.
func.func @dropout_one(%q: tensor<2x8x16x64xf16>, %k: tensor<2x2x32x64xf16>, %v: tensor<2x2x32x32xf16>, %o: tensor<2x8x16x32xf16>, %do: tensor<2x8x16x32xf16>, %lse: tensor<2x8x16xf32>) {
  // expected-error@+1 {{'dropout_p' must be in [0, 1), got 1}}
  %dq, %dk, %dv = attn.mha_bwd %q, %k, %v, %o, %do, %lse {dropout_p = 1.0 : f32} : (tensor<2x8x16x64xf16>, tensor<2x2x32x64xf16>, tensor<2x2x32x32xf16>, tensor<2x8x16x32xf16>, tensor<2x8x16x32xf16>, tensor<2x8x16xf32>) -> (tensor<2x8x16x64xf16>, tensor<2x2x32x64xf16>, tensor<2x2x32x32xf16>)
  return
}

// -----

// Negative dropout_p.
func.func @dropout_neg(%q: tensor<2x8x16x64xf16>, %k: tensor<2x2x32x64xf16>, %v: tensor<2x2x32x32xf16>, %o: tensor<2x8x16x32xf16>, %do: tensor<2x8x16x32xf16>, %lse: tensor<2x8x16xf32>) {
  // expected-error@+1 {{'dropout_p' must be in [0, 1), got -0.1}}
  %dq, %dk, %dv = attn.mha_bwd %q, %k, %v, %o, %do, %lse {dropout_p = -0.1 : f32} : (tensor<2x8x16x64xf16>, tensor<2x2x32x64xf16>, tensor<2x2x32x32xf16>, tensor<2x8x16x32xf16>, tensor<2x8x16x32xf16>, tensor<2x8x16xf32>) -> (tensor<2x8x16x64xf16>, tensor<2x2x32x64xf16>, tensor<2x2x32x32xf16>)
  return
}

// -----

// NaN dropout_p.
func.func @dropout_nan(%q: tensor<2x8x16x64xf16>, %k: tensor<2x2x32x64xf16>, %v: tensor<2x2x32x32xf16>, %o: tensor<2x8x16x32xf16>, %do: tensor<2x8x16x32xf16>, %lse: tensor<2x8x16xf32>) {
  // expected-error@+1 {{'dropout_p' must be in [0, 1), got NaN}}
  %dq, %dk, %dv = attn.mha_bwd %q, %k, %v, %o, %do, %lse {dropout_p = 0x7FC00000 : f32} : (tensor<2x8x16x64xf16>, tensor<2x2x32x64xf16>, tensor<2x2x32x32xf16>, tensor<2x8x16x32xf16>, tensor<2x8x16x32xf16>, tensor<2x8x16xf32>) -> (tensor<2x8x16x64xf16>, tensor<2x2x32x64xf16>, tensor<2x2x32x32xf16>)
  return
}

// -----

// A negative Philox offset.
func.func @offset_neg(%q: tensor<2x8x16x64xf16>, %k: tensor<2x2x32x64xf16>, %v: tensor<2x2x32x32xf16>, %o: tensor<2x8x16x32xf16>, %do: tensor<2x8x16x32xf16>, %lse: tensor<2x8x16xf32>) {
  // expected-error@+1 {{'offset' must be non-negative, got -1}}
  %dq, %dk, %dv = attn.mha_bwd %q, %k, %v, %o, %do, %lse {dropout_p = 0.5 : f32, offset = -1 : i64} : (tensor<2x8x16x64xf16>, tensor<2x2x32x64xf16>, tensor<2x2x32x32xf16>, tensor<2x8x16x32xf16>, tensor<2x8x16x32xf16>, tensor<2x8x16xf32>) -> (tensor<2x8x16x64xf16>, tensor<2x2x32x64xf16>, tensor<2x2x32x32xf16>)
  return
}

// -----

// A misspelled attribute is an error, and the message lists the dropout attributes.
func.func @typo(%q: tensor<2x8x16x64xf16>, %k: tensor<2x2x32x64xf16>, %v: tensor<2x2x32x32xf16>, %o: tensor<2x8x16x32xf16>, %do: tensor<2x8x16x32xf16>, %lse: tensor<2x8x16xf32>) {
  // expected-error@+1 {{'attn.mha_bwd' op unknown attribute 'dropout' (the op's attributes are scale, causal, window_left, window_right, softcap, dropout_p, seed and offset; other attributes need a dialect prefix, such as 'attn.')}}
  %dq, %dk, %dv = attn.mha_bwd %q, %k, %v, %o, %do, %lse {dropout = 0.5 : f32} : (tensor<2x8x16x64xf16>, tensor<2x2x32x64xf16>, tensor<2x2x32x32xf16>, tensor<2x8x16x32xf16>, tensor<2x8x16x32xf16>, tensor<2x8x16xf32>) -> (tensor<2x8x16x64xf16>, tensor<2x2x32x64xf16>, tensor<2x2x32x32xf16>)
  return
}

// -----

// The forward's attribute checks apply.
func.func @softcap(%q: tensor<2x8x16x64xf16>, %k: tensor<2x2x32x64xf16>, %v: tensor<2x2x32x32xf16>, %o: tensor<2x8x16x32xf16>, %do: tensor<2x8x16x32xf16>, %lse: tensor<2x8x16xf32>) {
  // expected-error@+1 {{'softcap' must be positive and finite, got -30}}
  %dq, %dk, %dv = attn.mha_bwd %q, %k, %v, %o, %do, %lse {softcap = -30.0 : f32} : (tensor<2x8x16x64xf16>, tensor<2x2x32x64xf16>, tensor<2x2x32x32xf16>, tensor<2x8x16x32xf16>, tensor<2x8x16x32xf16>, tensor<2x8x16xf32>) -> (tensor<2x8x16x64xf16>, tensor<2x2x32x64xf16>, tensor<2x2x32x32xf16>)
  return
}

// -----

// The forward's head checks apply.
func.func @gqa(%q: tensor<2x8x16x64xf16>, %k: tensor<2x3x32x64xf16>, %v: tensor<2x3x32x32xf16>, %o: tensor<2x8x16x32xf16>, %do: tensor<2x8x16x32xf16>, %lse: tensor<2x8x16xf32>) {
  // expected-error@+1 {{query heads (Hq = 8) must be a multiple of key/value heads (Hkv = 3)}}
  %dq, %dk, %dv = attn.mha_bwd %q, %k, %v, %o, %do, %lse : (tensor<2x8x16x64xf16>, tensor<2x3x32x64xf16>, tensor<2x3x32x32xf16>, tensor<2x8x16x32xf16>, tensor<2x8x16x32xf16>, tensor<2x8x16xf32>) -> (tensor<2x8x16x64xf16>, tensor<2x3x32x64xf16>, tensor<2x3x32x32xf16>)
  return
}

// -----

// alibi_slopes with the wrong length.
func.func @alibi_len(%q: tensor<2x8x16x64xf16>, %k: tensor<2x2x32x64xf16>, %v: tensor<2x2x32x32xf16>, %o: tensor<2x8x16x32xf16>, %do: tensor<2x8x16x32xf16>, %lse: tensor<2x8x16xf32>, %s: tensor<4xf32>) {
  // expected-error@+1 {{'alibi_slopes' dimension 0 (Hq = 4) must equal 'q' dimension 1 (Hq = 8)}}
  %dq, %dk, %dv = attn.mha_bwd %q, %k, %v, %o, %do, %lse alibi(%s) : (tensor<2x8x16x64xf16>, tensor<2x2x32x64xf16>, tensor<2x2x32x32xf16>, tensor<2x8x16x32xf16>, tensor<2x8x16x32xf16>, tensor<2x8x16xf32>, tensor<4xf32>) -> (tensor<2x8x16x64xf16>, tensor<2x2x32x64xf16>, tensor<2x2x32x32xf16>)
  return
}

// -----

// lse is not optional in the backward: five operands do not parse as the op.
func.func @no_lse(%q: tensor<2x8x16x64xf16>, %k: tensor<2x2x32x64xf16>, %v: tensor<2x2x32x32xf16>, %o: tensor<2x8x16x32xf16>, %do: tensor<2x8x16x32xf16>) {
  // expected-error@+1 {{expected ','}}
  %dq, %dk, %dv = attn.mha_bwd %q, %k, %v, %o, %do : (tensor<2x8x16x64xf16>, tensor<2x2x32x64xf16>, tensor<2x2x32x32xf16>, tensor<2x8x16x32xf16>, tensor<2x8x16x32xf16>) -> (tensor<2x8x16x64xf16>, tensor<2x2x32x64xf16>, tensor<2x2x32x32xf16>)
  return
}

// -----

// varlen: lse of rank 3 (it is Hq x Tq).
func.func @varlen_lse_rank(%q: tensor<?x8x64xf16>, %k: tensor<?x2x64xf16>, %v: tensor<?x2x32xf16>, %o: tensor<?x8x32xf16>, %do: tensor<?x8x32xf16>, %lse: tensor<1x8x16xf32>, %cq: tensor<5xi32>, %ck: tensor<5xi32>) {
  // expected-error@+1 {{'lse' must have rank 2 (Hq x Tq), got 'tensor<1x8x16xf32>'}}
  %dq, %dk, %dv = attn.mha_varlen_bwd %q, %k, %v, %o, %do, %lse, %cq, %ck : (tensor<?x8x64xf16>, tensor<?x2x64xf16>, tensor<?x2x32xf16>, tensor<?x8x32xf16>, tensor<?x8x32xf16>, tensor<1x8x16xf32>, tensor<5xi32>, tensor<5xi32>) -> (tensor<?x8x64xf16>, tensor<?x2x64xf16>, tensor<?x2x32xf16>)
  return
}

// -----

// varlen: lse with another head count.
func.func @varlen_lse_heads(%q: tensor<?x8x64xf16>, %k: tensor<?x2x64xf16>, %v: tensor<?x2x32xf16>, %o: tensor<?x8x32xf16>, %do: tensor<?x8x32xf16>, %lse: tensor<4x?xf32>, %cq: tensor<5xi32>, %ck: tensor<5xi32>) {
  // expected-error@+1 {{'lse' dimension 0 (Hq = 4) must equal 'q' dimension 1 (Hq = 8)}}
  %dq, %dk, %dv = attn.mha_varlen_bwd %q, %k, %v, %o, %do, %lse, %cq, %ck : (tensor<?x8x64xf16>, tensor<?x2x64xf16>, tensor<?x2x32xf16>, tensor<?x8x32xf16>, tensor<?x8x32xf16>, tensor<4x?xf32>, tensor<5xi32>, tensor<5xi32>) -> (tensor<?x8x64xf16>, tensor<?x2x64xf16>, tensor<?x2x32xf16>)
  return
}

// -----

// varlen: cu_seqlens_k in i64.
func.func @varlen_cu_type(%q: tensor<?x8x64xf16>, %k: tensor<?x2x64xf16>, %v: tensor<?x2x32xf16>, %o: tensor<?x8x32xf16>, %do: tensor<?x8x32xf16>, %lse: tensor<8x?xf32>, %cq: tensor<5xi32>, %ck: tensor<5xi64>) {
  // expected-error@+1 {{'cu_seqlens_k' element type must be i32, got 'i64'}}
  %dq, %dk, %dv = attn.mha_varlen_bwd %q, %k, %v, %o, %do, %lse, %cq, %ck : (tensor<?x8x64xf16>, tensor<?x2x64xf16>, tensor<?x2x32xf16>, tensor<?x8x32xf16>, tensor<?x8x32xf16>, tensor<8x?xf32>, tensor<5xi32>, tensor<5xi64>) -> (tensor<?x8x64xf16>, tensor<?x2x64xf16>, tensor<?x2x32xf16>)
  return
}

// -----

// varlen: cu_seqlens of different lengths.
func.func @varlen_cu_len(%q: tensor<?x8x64xf16>, %k: tensor<?x2x64xf16>, %v: tensor<?x2x32xf16>, %o: tensor<?x8x32xf16>, %do: tensor<?x8x32xf16>, %lse: tensor<8x?xf32>, %cq: tensor<5xi32>, %ck: tensor<4xi32>) {
  // expected-error@+1 {{'cu_seqlens_k' dimension 0 (B+1 = 4) must equal 'cu_seqlens_q' dimension 0 (B+1 = 5)}}
  %dq, %dk, %dv = attn.mha_varlen_bwd %q, %k, %v, %o, %do, %lse, %cq, %ck : (tensor<?x8x64xf16>, tensor<?x2x64xf16>, tensor<?x2x32xf16>, tensor<?x8x32xf16>, tensor<?x8x32xf16>, tensor<8x?xf32>, tensor<5xi32>, tensor<4xi32>) -> (tensor<?x8x64xf16>, tensor<?x2x64xf16>, tensor<?x2x32xf16>)
  return
}

// -----

// varlen: dout of rank 4.
func.func @varlen_dout_rank(%q: tensor<?x8x64xf16>, %k: tensor<?x2x64xf16>, %v: tensor<?x2x32xf16>, %o: tensor<?x8x32xf16>, %do: tensor<1x?x8x32xf16>, %lse: tensor<8x?xf32>, %cq: tensor<5xi32>, %ck: tensor<5xi32>) {
  // expected-error@+1 {{'dout' must have rank 3 (Tq x Hq x Dv), got 'tensor<1x?x8x32xf16>'}}
  %dq, %dk, %dv = attn.mha_varlen_bwd %q, %k, %v, %o, %do, %lse, %cq, %ck : (tensor<?x8x64xf16>, tensor<?x2x64xf16>, tensor<?x2x32xf16>, tensor<?x8x32xf16>, tensor<1x?x8x32xf16>, tensor<8x?xf32>, tensor<5xi32>, tensor<5xi32>) -> (tensor<?x8x64xf16>, tensor<?x2x64xf16>, tensor<?x2x32xf16>)
  return
}

// -----

// varlen: dout with another Dv.
func.func @varlen_dout_dv(%q: tensor<?x8x64xf16>, %k: tensor<?x2x64xf16>, %v: tensor<?x2x32xf16>, %o: tensor<?x8x32xf16>, %do: tensor<?x8x64xf16>, %lse: tensor<8x?xf32>, %cq: tensor<5xi32>, %ck: tensor<5xi32>) {
  // expected-error@+1 {{'dout' dimension 2 (Dv = 64) must equal 'out' dimension 2 (Dv = 32)}}
  %dq, %dk, %dv = attn.mha_varlen_bwd %q, %k, %v, %o, %do, %lse, %cq, %ck : (tensor<?x8x64xf16>, tensor<?x2x64xf16>, tensor<?x2x32xf16>, tensor<?x8x32xf16>, tensor<?x8x64xf16>, tensor<8x?xf32>, tensor<5xi32>, tensor<5xi32>) -> (tensor<?x8x64xf16>, tensor<?x2x64xf16>, tensor<?x2x32xf16>)
  return
}

// -----

// varlen: dv with another head count.
func.func @varlen_dv_heads(%q: tensor<?x8x64xf16>, %k: tensor<?x2x64xf16>, %v: tensor<?x2x32xf16>, %o: tensor<?x8x32xf16>, %do: tensor<?x8x32xf16>, %lse: tensor<8x?xf32>, %cq: tensor<5xi32>, %ck: tensor<5xi32>) {
  // expected-error@+1 {{'dv' dimension 1 (Hkv = 1) must equal 'v' dimension 1 (Hkv = 2)}}
  %dq, %dk, %dv = attn.mha_varlen_bwd %q, %k, %v, %o, %do, %lse, %cq, %ck : (tensor<?x8x64xf16>, tensor<?x2x64xf16>, tensor<?x2x32xf16>, tensor<?x8x32xf16>, tensor<?x8x32xf16>, tensor<8x?xf32>, tensor<5xi32>, tensor<5xi32>) -> (tensor<?x8x64xf16>, tensor<?x2x64xf16>, tensor<?x1x32xf16>)
  return
}

// -----

// varlen: dq with another static token count.
func.func @varlen_dq_tokens(%q: tensor<9x8x64xf16>, %k: tensor<?x2x64xf16>, %v: tensor<?x2x32xf16>, %o: tensor<?x8x32xf16>, %do: tensor<?x8x32xf16>, %lse: tensor<8x?xf32>, %cq: tensor<5xi32>, %ck: tensor<5xi32>) {
  // expected-error@+1 {{'dq' dimension 0 (Tq = 7) must equal 'q' dimension 0 (Tq = 9)}}
  %dq, %dk, %dv = attn.mha_varlen_bwd %q, %k, %v, %o, %do, %lse, %cq, %ck : (tensor<9x8x64xf16>, tensor<?x2x64xf16>, tensor<?x2x32xf16>, tensor<?x8x32xf16>, tensor<?x8x32xf16>, tensor<8x?xf32>, tensor<5xi32>, tensor<5xi32>) -> (tensor<7x8x64xf16>, tensor<?x2x64xf16>, tensor<?x2x32xf16>)
  return
}

// -----

// varlen: dropout_p checked too.
func.func @varlen_dropout(%q: tensor<?x8x64xf16>, %k: tensor<?x2x64xf16>, %v: tensor<?x2x32xf16>, %o: tensor<?x8x32xf16>, %do: tensor<?x8x32xf16>, %lse: tensor<8x?xf32>, %cq: tensor<5xi32>, %ck: tensor<5xi32>) {
  // expected-error@+1 {{'dropout_p' must be in [0, 1), got 2}}
  %dq, %dk, %dv = attn.mha_varlen_bwd %q, %k, %v, %o, %do, %lse, %cq, %ck {dropout_p = 2.0 : f32} : (tensor<?x8x64xf16>, tensor<?x2x64xf16>, tensor<?x2x32xf16>, tensor<?x8x32xf16>, tensor<?x8x32xf16>, tensor<8x?xf32>, tensor<5xi32>, tensor<5xi32>) -> (tensor<?x8x64xf16>, tensor<?x2x64xf16>, tensor<?x2x32xf16>)
  return
}

// -----

// The forward ops check dropout_p too.
func.func @mha_dropout(%q: tensor<2x8x16x64xf16>, %k: tensor<2x2x32x64xf16>, %v: tensor<2x2x32x64xf16>) {
  // expected-error@+1 {{'dropout_p' must be in [0, 1), got 1.5}}
  %o = attn.mha %q, %k, %v {dropout_p = 1.5 : f32} : (tensor<2x8x16x64xf16>, tensor<2x2x32x64xf16>, tensor<2x2x32x64xf16>) -> tensor<2x8x16x64xf16>
  return
}

// -----

// attn.mha_varlen checks the Philox offset.
func.func @varlen_offset(%q: tensor<?x8x64xf16>, %k: tensor<?x2x64xf16>, %cu: tensor<5xi32>) {
  // expected-error@+1 {{'offset' must be non-negative, got -5}}
  %o = attn.mha_varlen %q, %k, %k, %cu, %cu {dropout_p = 0.1 : f32, offset = -5 : i64} : (tensor<?x8x64xf16>, tensor<?x2x64xf16>, tensor<?x2x64xf16>, tensor<5xi32>, tensor<5xi32>) -> tensor<?x8x64xf16>
  return
}

// -----

// rng_state (dropout's run-time [seed, offset]) needs dropout.
func.func @rng_state_without_dropout(%q: tensor<2x8x16x64xf16>, %k: tensor<2x2x32x64xf16>, %r: tensor<2xi64>) {
  // expected-error@+1 {{'rng_state' needs 'dropout_p' > 0 (it holds dropout's seed and offset)}}
  %o = attn.mha %q, %k, %k rng_state(%r) : (tensor<2x8x16x64xf16>, tensor<2x2x32x64xf16>, tensor<2x2x32x64xf16>, tensor<2xi64>) -> tensor<2x8x16x64xf16>
  return
}

// -----

// dropout_p = 0 is no dropout.
func.func @rng_state_dropout_zero(%q: tensor<?x8x64xf16>, %k: tensor<?x2x64xf16>, %cu: tensor<5xi32>, %r: tensor<2xi64>) {
  // expected-error@+1 {{'rng_state' needs 'dropout_p' > 0}}
  %o = attn.mha_varlen %q, %k, %k, %cu, %cu rng_state(%r) {dropout_p = 0.0 : f32} : (tensor<?x8x64xf16>, tensor<?x2x64xf16>, tensor<?x2x64xf16>, tensor<5xi32>, tensor<5xi32>, tensor<2xi64>) -> tensor<?x8x64xf16>
  return
}

// -----

// rng_state and the seed attribute: two sources of one value.
func.func @rng_state_and_seed(%q: tensor<2x8x16x64xf16>, %k: tensor<2x2x32x64xf16>, %o: tensor<2x8x16x64xf16>, %lse: tensor<2x8x16xf32>, %r: tensor<2xi64>) {
  // expected-error@+1 {{'rng_state' replaces the 'seed' and 'offset' attributes; give one or the other}}
  %dq, %dk, %dv = attn.mha_bwd %q, %k, %k, %o, %o, %lse rng_state(%r) {dropout_p = 0.1 : f32, seed = 3 : i64} : (tensor<2x8x16x64xf16>, tensor<2x2x32x64xf16>, tensor<2x2x32x64xf16>, tensor<2x8x16x64xf16>, tensor<2x8x16x64xf16>, tensor<2x8x16xf32>, tensor<2xi64>) -> (tensor<2x8x16x64xf16>, tensor<2x2x32x64xf16>, tensor<2x2x32x64xf16>)
  return
}

// -----

// rng_state and the offset attribute.
func.func @rng_state_and_offset(%q: tensor<?x8x64xf16>, %k: tensor<?x2x64xf16>, %o: tensor<?x8x64xf16>, %lse: tensor<8x?xf32>, %cu: tensor<5xi32>, %r: tensor<2xi64>) {
  // expected-error@+1 {{'rng_state' replaces the 'seed' and 'offset' attributes}}
  %dq, %dk, %dv = attn.mha_varlen_bwd %q, %k, %k, %o, %o, %lse, %cu, %cu rng_state(%r) {dropout_p = 0.1 : f32, offset = 0 : i64} : (tensor<?x8x64xf16>, tensor<?x2x64xf16>, tensor<?x2x64xf16>, tensor<?x8x64xf16>, tensor<?x8x64xf16>, tensor<8x?xf32>, tensor<5xi32>, tensor<5xi32>, tensor<2xi64>) -> (tensor<?x8x64xf16>, tensor<?x2x64xf16>, tensor<?x2x64xf16>)
  return
}

// -----

// rng_state's element type: i64.
func.func @rng_state_i32(%q: tensor<2x8x16x64xf16>, %k: tensor<2x2x32x64xf16>, %r: tensor<2xi32>) {
  // expected-error@+1 {{'rng_state' must be tensor<2xi64> ([seed, offset]), got 'tensor<2xi32>'}}
  %o = attn.mha %q, %k, %k rng_state(%r) {dropout_p = 0.1 : f32} : (tensor<2x8x16x64xf16>, tensor<2x2x32x64xf16>, tensor<2x2x32x64xf16>, tensor<2xi32>) -> tensor<2x8x16x64xf16>
  return
}

// -----

// rng_state's shape: [2].
func.func @rng_state_shape(%q: tensor<2x8x16x64xf16>, %k: tensor<2x2x32x64xf16>, %o: tensor<2x8x16x64xf16>, %lse: tensor<2x8x16xf32>, %r: tensor<3xi64>) {
  // expected-error@+1 {{'rng_state' must be tensor<2xi64> ([seed, offset]), got 'tensor<3xi64>'}}
  %dq, %dk, %dv = attn.mha_bwd %q, %k, %k, %o, %o, %lse rng_state(%r) {dropout_p = 0.1 : f32} : (tensor<2x8x16x64xf16>, tensor<2x2x32x64xf16>, tensor<2x2x32x64xf16>, tensor<2x8x16x64xf16>, tensor<2x8x16x64xf16>, tensor<2x8x16xf32>, tensor<3xi64>) -> (tensor<2x8x16x64xf16>, tensor<2x2x32x64xf16>, tensor<2x2x32x64xf16>)
  return
}

// -----

// A dynamic dim is not [2] either.
func.func @rng_state_dynamic(%q: tensor<?x8x64xf16>, %k: tensor<?x2x64xf16>, %cu: tensor<5xi32>, %r: tensor<?xi64>) {
  // expected-error@+1 {{'rng_state' must be tensor<2xi64> ([seed, offset]), got 'tensor<?xi64>'}}
  %o = attn.mha_varlen %q, %k, %k, %cu, %cu rng_state(%r) {dropout_p = 0.1 : f32} : (tensor<?x8x64xf16>, tensor<?x2x64xf16>, tensor<?x2x64xf16>, tensor<5xi32>, tensor<5xi32>, tensor<?xi64>) -> tensor<?x8x64xf16>
  return
}
