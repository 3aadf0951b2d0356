// Empty input (a file, stdin, a file with only comments, with and without
// passes) parses to an empty module and exits 0.
// RUN: printf '' > %t.mlir
// RUN: attn-opt %t.mlir | FileCheck %s --match-full-lines --strict-whitespace
// RUN: attn-opt < /dev/null | FileCheck %s --match-full-lines --strict-whitespace
// RUN: attn-opt %s | FileCheck %s --match-full-lines --strict-whitespace
// RUN: attn-opt %t.mlir --split-input-file | FileCheck %s --match-full-lines --strict-whitespace
// RUN: attn-opt %t.mlir --attn-lower-reference | FileCheck %s --match-full-lines --strict-whitespace
// RUN: attn-opt %t.mlir --verify-diagnostics | FileCheck %s --match-full-lines --strict-whitespace
// RUN: attn-opt %t.mlir 2>&1 >/dev/null | count 0

// CHECK:module {
// CHECK-NEXT:}
// CHECK-EMPTY:
// CHECK-NOT:{{.}}
