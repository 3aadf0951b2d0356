// --verify-diagnostics accepts MLIR's full directive syntax: spaces around the
// anchor, messages that contain `}}` (the message runs to the last `}}` of the
// line), @above/@below binding to the nearest line without a directive of its
// own, and @unknown for diagnostics without a file location.
// RUN: attn-opt %s --split-input-file --verify-diagnostics 2>&1 | FileCheck %s --allow-empty --check-prefix=NONE
// RUN: attn-opt %s --split-input-file --verify-diagnostics >/dev/null 2>&1; echo "exit=$?" | FileCheck %s --check-prefix=EXIT
// NONE-NOT: error
// EXIT: exit=0{{$}}

func.func @spaces(%q: tensor<1x4x8x16xf16>) {
  // expected-error @+1   {{'window_right' must be non-negative, got -2}}
  %o = attn.mha %q, %q, %q {window_right = -2 : i64} : (tensor<1x4x8x16xf16>, tensor<1x4x8x16xf16>, tensor<1x4x8x16xf16>) -> tensor<1x4x8x16xf16>
  return
}

// -----

func.func @spaced_below(%q: tensor<1x4x8x16xf16>) {
  // expected-error  @below  {{'window_left' must be non-negative, got -1}}
  %o = attn.mha %q, %q, %q {window_left = -1 : i64} : (tensor<1x4x8x16xf16>, tensor<1x4x8x16xf16>, tensor<1x4x8x16xf16>) -> tensor<1x4x8x16xf16>
  return
}

// -----

func.func @braces_in_message() {
  // expected-error@+1 {{'x}}' does not reference a valid function}}
  func.call @"x}}"() : () -> ()
  return
}

// -----

// Both directives skip each other's lines and bind to the line of the ops.
func.func @stacked() {
  %x = arith.constant 1 : i32  %x = arith.constant 2 : i32
  // expected-error@above {{redefinition of SSA value '%x'}}
  // expected-note@above {{previously defined here}}
  return
}

// -----

func.func @unknown(%q: tensor<1x4x8x16xf16>) {
  // expected-error @unknown {{'window_right' must be non-negative, got -5}}
  %o = attn.mha %q, %q, %q {window_right = -5 : i64} : (tensor<1x4x8x16xf16>, tensor<1x4x8x16xf16>, tensor<1x4x8x16xf16>) -> tensor<1x4x8x16xf16> loc(unknown)
  return
}
