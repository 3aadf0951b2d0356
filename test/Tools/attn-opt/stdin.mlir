// Input from stdin (no file argument, or `-`); diagnostics name it <stdin>.
// RUN: attn-opt < %s | FileCheck %s
// RUN: attn-opt - < %s | FileCheck %s
// RUN: cat %s | attn-opt --split-input-file | FileCheck %s
// RUN: printf 'func.func @f() {\n  bogus\n}\n' | not attn-opt 2>&1 | FileCheck %s --check-prefix=ERR
// RUN: printf 'func.func @f() {\n  return\n}\n// -----\n\n  bogus\n' | not attn-opt --split-input-file - 2>&1 | FileCheck %s --check-prefix=SPLIT

// CHECK: func.func @from_stdin
// CHECK-NEXT: attn.mha %arg0, %arg0, %arg0 :
// ERR: <stdin>:2:3: error: custom op 'bogus' is unknown
// SPLIT: <stdin>:6:3: error: custom op 'bogus' is unknown
func.func @from_stdin(%x: tensor<1x2x4x8xbf16>) -> tensor<1x2x4x8xbf16> {
  %o = attn.mha %x, %x, %x : (tensor<1x2x4x8xbf16>, tensor<1x2x4x8xbf16>, tensor<1x2x4x8xbf16>) -> tensor<1x2x4x8xbf16>
  return %o : tensor<1x2x4x8xbf16>
}
