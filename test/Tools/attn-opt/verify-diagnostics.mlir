// --verify-diagnostics passes (exit 0) when every expected-* comment matches a
// diagnostic and every diagnostic is expected, in all the supported forms:
// same line, @+N, @-N, @above, @below, notes, several on one op.
// RUN: attn-opt %s --split-input-file --verify-diagnostics
// RUN: attn-opt %s --split-input-file --verify-diagnostics 2>&1 >/dev/null | count 0
// Without --verify-diagnostics the same errors are printed and the tool fails.
// RUN: not attn-opt %s --split-input-file 2>&1 >/dev/null | FileCheck %s --check-prefix=RAW
// RAW: verify-diagnostics.mlir:20:8: error: 'attn.mha' op 'window_right' must be non-negative, got -2
// RAW: verify-diagnostics.mlir:{{[0-9]+}}:3: error: redefinition of SSA value '%x'
// RAW-NEXT: verify-diagnostics.mlir:{{[0-9]+}}:3: note: previously defined here

// No diagnostics and no expectations.
func.func @clean() {
  return
}

// -----

func.func @same_line(%q: tensor<1x4x8x16xf16>) {
  %o = attn.mha %q, %q, %q {window_right = -2 : i64} : (tensor<1x4x8x16xf16>, tensor<1x4x8x16xf16>, tensor<1x4x8x16xf16>) -> tensor<1x4x8x16xf16> // expected-error {{'window_right' must be non-negative, got -2}}
  return
}

// -----

func.func @plus(%q: tensor<1x4x8x16xf16>) {
  // expected-error@+2 {{'softcap' must be positive and finite, got 0}}
  // A comment between the expectation and the op.
  %o = attn.mha %q, %q, %q {softcap = 0.0 : f32} : (tensor<1x4x8x16xf16>, tensor<1x4x8x16xf16>, tensor<1x4x8x16xf16>) -> tensor<1x4x8x16xf16>
  return
}

// -----

func.func @minus(%q: tensor<1x4x8x16xf16>) {
  %o = attn.mha %q, %q, %q {window_left = -7 : i64} : (tensor<1x4x8x16xf16>, tensor<1x4x8x16xf16>, tensor<1x4x8x16xf16>) -> tensor<1x4x8x16xf16>
  // expected-error@-1 {{'window_left' must be non-negative, got -7}}
  return
}

// -----

func.func @above(%q: tensor<1x4x8x16xf16>) {
  %o = attn.mha %q, %q, %q {scale = 0x7FC00000 : f32} : (tensor<1x4x8x16xf16>, tensor<1x4x8x16xf16>, tensor<1x4x8x16xf16>) -> tensor<1x4x8x16xf16>
  // expected-error@above {{'scale' must be finite, got NaN}}
  return
}

// -----

func.func @below(%q: tensor<1x4x8x16xf16>) {
  %s = tensor.empty() : tensor<3xf32>
  // expected-error@below {{'alibi_slopes' dimension 0 (Hq = 3) must equal 'q' dimension 1 (Hq = 4)}}
  %o = attn.mha %q, %q, %q alibi(%s) : (tensor<1x4x8x16xf16>, tensor<1x4x8x16xf16>, tensor<1x4x8x16xf16>, tensor<3xf32>) -> tensor<1x4x8x16xf16>
  return
}

// -----

// An error with a note on another line.
func.func @note() {
  // expected-note@+1 {{previously defined here}}
  %x = arith.constant 1 : i32
  // expected-error@+1 {{redefinition of SSA value '%x'}}
  %x = arith.constant 2 : i32
  return
}

// -----

// Substrings: the op name prefix, a fragment, the whole message.
func.func @substrings(%q: tensor<1x6x8x16xf32>, %k: tensor<1x4x8x16xf32>) {
  // expected-error@+1 {{'attn.mha' op query heads (Hq = 6) must be a multiple of key/value heads (Hkv = 4)}}
  %o = attn.mha %q, %k, %k : (tensor<1x6x8x16xf32>, tensor<1x4x8x16xf32>, tensor<1x4x8x16xf32>) -> tensor<1x6x8x16xf32>
  return
}
