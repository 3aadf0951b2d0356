// --verify-diagnostics reports directives it cannot parse (or does not
// support) as errors instead of dropping them, and binds @above/@below as MLIR
// does: to the nearest line without a directive, comments and blank lines
// included. (The CHECK lines spell the keywords `expected-{{...}}` so that they
// are not directives themselves.)
// RUN: not attn-opt %s --split-input-file --verify-diagnostics 2>&1 >/dev/null | FileCheck %s
// RUN: attn-opt %s --split-input-file --verify-diagnostics >/dev/null 2>&1; echo "exit=$?" | FileCheck %s --check-prefix=EXIT
// EXIT: exit=1{{$}}

func.func @no_open() {
  // expected-error@+1 'never produced'
  return
}
// CHECK: verify-diagnostics-malformed.mlir:[[@LINE-3]]:6: error: malformed expected-* directive: expected '{{[{][{]}}' to start the message

// -----

func.func @no_close() {
  // expected-error@+1 {{never produced
  return
}
// CHECK: verify-diagnostics-malformed.mlir:[[@LINE-3]]:6: error: malformed expected-* directive: expected '{{[}][}]}}' at the end of the line

// -----

func.func @trailing_text() {
  // expected-error@+1 {{never produced}} trailing
  return
}
// CHECK: verify-diagnostics-malformed.mlir:[[@LINE-3]]:6: error: malformed expected-* directive: expected '{{[}][}]}}' at the end of the line

// -----

func.func @unsigned_offset() {
  // expected-error@1 {{never produced}}
  return
}
// CHECK: verify-diagnostics-malformed.mlir:[[@LINE-3]]:6: error: malformed expected-* directive: expected '@+N', '@-N', '@above', '@below' or '@unknown'

// -----

func.func @regex() {
  // expected-warning-re {{never .* produced}}
  return
}
// CHECK: verify-diagnostics-malformed.mlir:[[@LINE-3]]:6: error: malformed expected-* directive: regular expressions (expected-*-re) are not supported

// -----

func.func @bad_anchor() {
  // expected-note@somewhere {{never produced}}
  return
}
// CHECK: verify-diagnostics-malformed.mlir:[[@LINE-3]]:6: error: malformed expected-* directive: expected '@+N'

// -----

// The message runs to the last `}}`: this one is not a substring.
func.func @braces_in_message() {
  // expected-error@+1 {{'x}}' is fine}}
  func.call @"x}}"() : () -> ()
  return
}
// CHECK: verify-diagnostics-malformed.mlir:[[@LINE-3]]:3: error: unexpected error: 'func.call' op 'x}}' does not reference a valid function
// CHECK: verify-diagnostics-malformed.mlir:[[@LINE-5]]: error: expected error "'x}}' is fine" (for line [[@LINE-4]]) was not produced

// -----

// @above binds to the comment line right above it, not to the op.
func.func @above_comment(%q: tensor<1x4x8x16xf16>) {
  %o = attn.mha %q, %q, %q {window_right = -4 : i64} : (tensor<1x4x8x16xf16>, tensor<1x4x8x16xf16>, tensor<1x4x8x16xf16>) -> tensor<1x4x8x16xf16>
  // A comment.
  // expected-error@above {{'window_right' must be non-negative, got -4}}
  return
}
// CHECK: verify-diagnostics-malformed.mlir:[[@LINE-5]]:8: error: unexpected error: {{.*}}got -4
// CHECK: verify-diagnostics-malformed.mlir:[[@LINE-4]]: error: expected error "'window_right' must be non-negative, got -4" (for line [[@LINE-5]]) was not produced
