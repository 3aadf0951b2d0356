// --split-input-file: chunks are parsed independently, errors carry the line
// numbers of the whole file, a failing chunk does not stop the others, and
// the exit code is 1 if any chunk failed. Without the flag the separators are
// comments and the first error ends the parse, at the same line.
// RUN: not attn-opt %s --split-input-file 2>%t.err | FileCheck %s --check-prefix=OUT
// RUN: FileCheck %s --check-prefix=ERR < %t.err
// RUN: attn-opt %s --split-input-file >/dev/null 2>&1; echo "exit=$?" | FileCheck %s --check-prefix=EXIT
// RUN: not attn-opt %s 2>&1 | FileCheck %s --check-prefix=NOSPLIT
// EXIT: exit=1{{$}}

// OUT: module {
// OUT-NEXT: func.func @first
// OUT-NOT: @second
// OUT: // -----
// OUT-NEXT: // -----
// OUT-NEXT: module {
// OUT-NEXT: func.func @third
// OUT-NOT: @fourth
// OUT: // -----
// OUT-NEXT: // -----
// OUT-NEXT: // -----
// OUT-NEXT: module {
// OUT-NEXT: func.func @sixth
// OUT-NOT: module
func.func @first() {
  return
}

// -----

func.func @second() {
  // ERR: split-input-file.mlir:[[@LINE+2]]:3: error: custom op 'bogus' is unknown
  // NOSPLIT: split-input-file.mlir:[[@LINE+1]]:3: error: custom op 'bogus' is unknown
  bogus
}

// -----

func.func @third() {
  return
}

// -----
func.func @fourth(%q: tensor<1x4x8x16xf16>, %k: tensor<1x4x8x16xf16>, %v: tensor<1x4x9x16xf16>) -> tensor<1x4x8x16xf16> {
  // ERR-NEXT: split-input-file.mlir:[[@LINE+2]]:8: error: 'attn.mha' op 'v' dimension 2 (Sk = 9) must equal 'k' dimension 2 (Sk = 8)
  // ERR-NEXT: split-input-file.mlir:[[@LINE+1]]:8: note: see current operation
  %o = attn.mha %q, %k, %v : (tensor<1x4x8x16xf16>, tensor<1x4x8x16xf16>, tensor<1x4x9x16xf16>) -> tensor<1x4x8x16xf16>
  return %o : tensor<1x4x8x16xf16>
}
// -----



// Blank lines at the top of a chunk still count.
// ERR-NEXT: split-input-file.mlir:[[@LINE+1]]:32: error: use of undeclared SSA value name
func.func @g() -> i32 { return %x : i32 }
// -----
func.func @sixth() {
  return
}
// NOSPLIT-NOT: error:
