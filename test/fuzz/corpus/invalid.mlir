// Fuzzing seed for --split-input-file --verify-diagnostics: verifier errors
// of the attn ops, each with its expectation.

func.func @rank(%q: tensor<8x16x64xf16>, %k: tensor<2x2x16x64xf16>) -> tensor<2x8x16x64xf16> {
  // expected-error@+1 {{'q' must have rank 4}}
  %o = attn.mha %q, %k, %k : (tensor<8x16x64xf16>, tensor<2x2x16x64xf16>, tensor<2x2x16x64xf16>) -> tensor<2x8x16x64xf16>
  return %o : tensor<2x8x16x64xf16>
}

// -----

func.func @element_type(%q: tensor<2x8x16x64xf16>, %k: tensor<2x2x16x64xbf16>) -> tensor<2x8x16x64xf16> {
  // expected-error@+1 {{'k' element type 'bf16' must match 'q' element type 'f16'}}
  %o = attn.mha %q, %k, %k : (tensor<2x8x16x64xf16>, tensor<2x2x16x64xbf16>, tensor<2x2x16x64xbf16>) -> tensor<2x8x16x64xf16>
  return %o : tensor<2x8x16x64xf16>
}

// -----

func.func @heads(%q: tensor<2x6x16x64xf32>, %k: tensor<2x4x16x64xf32>) -> tensor<2x6x16x64xf32> {
  %o = attn.mha %q, %k, %k : (tensor<2x6x16x64xf32>, tensor<2x4x16x64xf32>, tensor<2x4x16x64xf32>) -> tensor<2x6x16x64xf32>
  // expected-error@-1 {{must be a multiple of key/value heads}}
  return %o : tensor<2x6x16x64xf32>
}

// -----

func.func @static_head_dim(%q: tensor<2x?x16x?xf16>, %k: tensor<2x2x16x?xf16>) -> tensor<2x8x16x?xf16> {
  // expected-error@below {{dimension 1 (Hq) must be static}}
  %o = attn.mha %q, %k, %k : (tensor<2x?x16x?xf16>, tensor<2x2x16x?xf16>, tensor<2x2x16x?xf16>) -> tensor<2x8x16x?xf16>
  return %o : tensor<2x8x16x?xf16>
}

// -----

func.func @window(%q: tensor<1x1x4x8xf32>) -> tensor<1x1x4x8xf32> {
  // expected-error@+1 {{'window_left' must be non-negative, got -1}}
  %o = attn.mha %q, %q, %q {window_left = -1 : i64} : (tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>) -> tensor<1x1x4x8xf32>
  return %o : tensor<1x1x4x8xf32>
}

// -----

func.func @softcap(%q: tensor<1x1x4x8xf32>) -> tensor<1x1x4x8xf32> {
  // expected-error@+1 {{'softcap' must be positive and finite}}
  %o = "attn.mha"(%q, %q, %q) <{operandSegmentSizes = array<i32: 1, 1, 1, 0, 0, 0, 0, 0, 0>, softcap = 0.0 : f32}> : (tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>) -> tensor<1x1x4x8xf32>
  return %o : tensor<1x1x4x8xf32>
}

// -----

func.func @alibi(%q: tensor<1x4x4x8xf32>, %s: tensor<3xf32>) -> tensor<1x4x4x8xf32> {
  // expected-error@+1 {{'alibi_slopes' dimension 0 (Hq = 3) must equal 'q' dimension 1 (Hq = 4)}}
  %o = attn.mha %q, %q, %q alibi(%s) : (tensor<1x4x4x8xf32>, tensor<1x4x4x8xf32>, tensor<1x4x4x8xf32>, tensor<3xf32>) -> tensor<1x4x4x8xf32>
  return %o : tensor<1x4x4x8xf32>
}

// -----

func.func @lse(%q: tensor<1x4x4x8xf32>) -> (tensor<1x4x4x8xf32>, tensor<1x4x5xf32>) {
  // expected-error@+1 {{'lse' dimension 2 (Sq = 5) must equal 'q' dimension 2 (Sq = 4)}}
  %o, %l = attn.mha %q, %q, %q : (tensor<1x4x4x8xf32>, tensor<1x4x4x8xf32>, tensor<1x4x4x8xf32>) -> (tensor<1x4x4x8xf32>, tensor<1x4x5xf32>)
  return %o, %l : tensor<1x4x4x8xf32>, tensor<1x4x5xf32>
}

// -----

func.func @varlen_offsets(%q: tensor<9x2x8xf16>, %c: tensor<0xi32>) -> tensor<9x2x8xf16> {
  // expected-error@+1 {{'cu_seqlens_q' must hold B+1 >= 1 offsets, got 0}}
  %o = attn.mha_varlen %q, %q, %q, %c, %c : (tensor<9x2x8xf16>, tensor<9x2x8xf16>, tensor<9x2x8xf16>, tensor<0xi32>, tensor<0xi32>) -> tensor<9x2x8xf16>
  return %o : tensor<9x2x8xf16>
}

// -----

func.func @varlen_type(%q: tensor<9x2x8xf16>, %c: tensor<3xi64>) -> tensor<9x2x8xf16> {
  // expected-error@+1 {{'cu_seqlens_q' element type must be i32, got 'i64'}}
  %o = "attn.mha_varlen"(%q, %q, %q, %c, %c) <{operandSegmentSizes = array<i32: 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0>}> : (tensor<9x2x8xf16>, tensor<9x2x8xf16>, tensor<9x2x8xf16>, tensor<3xi64>, tensor<3xi64>) -> tensor<9x2x8xf16>
  return %o : tensor<9x2x8xf16>
}

// -----

func.func @parse(%q: tensor<1x1x4x8xf32>) {
  // expected-error@+1 {{expected ','}}
  %o = attn.mha %q %q, %q : (tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>) -> tensor<1x1x4x8xf32>
  return
}
