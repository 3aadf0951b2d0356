// --verify-diagnostics fails with exit code 1 and one message per mismatch
// when an expected diagnostic is not produced or an unexpected one is (wrong
// text, line or severity count as both); matched chunks report nothing.
// RUN: not attn-opt %s --split-input-file --verify-diagnostics 2>&1 >/dev/null | FileCheck %s
// RUN: attn-opt %s --split-input-file --verify-diagnostics >/dev/null 2>&1; echo "exit=$?" | FileCheck %s --check-prefix=EXIT
// EXIT: exit=1{{$}}

func.func @missing() {
  // expected-error@+1 {{this error is never produced}}
  return
}
// CHECK: verify-diagnostics-fail.mlir:[[@LINE-3]]: error: expected error "this error is never produced" (for line [[@LINE-2]]) was not produced

// -----

func.func @unexpected(%q: tensor<1x4x8x16xf16>) {
  %o = attn.mha %q, %q, %q {window_left = -3 : i64} : (tensor<1x4x8x16xf16>, tensor<1x4x8x16xf16>, tensor<1x4x8x16xf16>) -> tensor<1x4x8x16xf16>
  return
}
// CHECK: verify-diagnostics-fail.mlir:[[@LINE-3]]:8: error: unexpected error: 'attn.mha' op 'window_left' must be non-negative, got -3

// -----

func.func @matched(%q: tensor<1x4x8x16xf16>) {
  // expected-error@+1 {{'softcap' must be positive and finite, got -2}}
  %o = attn.mha %q, %q, %q {softcap = -2.0 : f32} : (tensor<1x4x8x16xf16>, tensor<1x4x8x16xf16>, tensor<1x4x8x16xf16>) -> tensor<1x4x8x16xf16>
  return
}
// CHECK-NOT: softcap

// -----

func.func @wrong_text(%q: tensor<1x4x8x16xf16>) {
  // expected-error@+1 {{'window_right' must be positive}}
  %o = attn.mha %q, %q, %q {window_right = -1 : i64} : (tensor<1x4x8x16xf16>, tensor<1x4x8x16xf16>, tensor<1x4x8x16xf16>) -> tensor<1x4x8x16xf16>
  return
}
// CHECK: verify-diagnostics-fail.mlir:[[@LINE-3]]:8: error: unexpected error: 'attn.mha' op 'window_right' must be non-negative, got -1
// CHECK: verify-diagnostics-fail.mlir:[[@LINE-5]]: error: expected error "'window_right' must be positive" (for line [[@LINE-4]]) was not produced

// -----

func.func @wrong_line(%q: tensor<1x4x8x16xf16>) {
  // expected-error@+2 {{'scale' must be finite}}
  %o = attn.mha %q, %q, %q {scale = 0x7F800000 : f32} : (tensor<1x4x8x16xf16>, tensor<1x4x8x16xf16>, tensor<1x4x8x16xf16>) -> tensor<1x4x8x16xf16>
  return
}
// CHECK: verify-diagnostics-fail.mlir:[[@LINE-3]]:8: error: unexpected error: 'attn.mha' op 'scale' must be finite, got +Inf
// CHECK: verify-diagnostics-fail.mlir:[[@LINE-5]]: error: expected error "'scale' must be finite" (for line [[@LINE-3]]) was not produced

// -----

func.func @wrong_severity(%q: tensor<1x4x8x16xf16>, %k: tensor<1x3x8x16xf16>) {
  // expected-warning@+1 {{must be a multiple of key/value heads}}
  %o = attn.mha %q, %k, %k : (tensor<1x4x8x16xf16>, tensor<1x3x8x16xf16>, tensor<1x3x8x16xf16>) -> tensor<1x4x8x16xf16>
  return
}
// CHECK: verify-diagnostics-fail.mlir:[[@LINE-3]]:8: error: unexpected error: 'attn.mha' op query heads (Hq = 4) must be a multiple of key/value heads (Hkv = 3)
// CHECK: verify-diagnostics-fail.mlir:[[@LINE-5]]: error: expected warning "must be a multiple of key/value heads" (for line [[@LINE-4]]) was not produced

// -----

// A parse error nobody expected, after failing chunks: still reported at
// its line in the whole file.
func.func @parse_error() {
  bogus
}
// CHECK: verify-diagnostics-fail.mlir:[[@LINE-2]]:3: error: unexpected error: custom op 'bogus' is unknown
