// -o FILE writes the IR to FILE (replacing what was there) and nothing to
// stdout; -o - is stdout; an unwritable FILE or a missing name is an error.
// RUN: echo stale > %t
// RUN: attn-opt %s -o %t | count 0
// RUN: FileCheck %s < %t
// RUN: attn-opt %s -o - | FileCheck %s
// RUN: attn-opt -o %t.split %s --split-input-file
// RUN: FileCheck %s --check-prefix=SPLIT < %t.split
// RUN: not attn-opt %s -o %t.missing-dir/out.mlir 2>&1 | FileCheck %s --check-prefix=NOWRITE
// RUN: not attn-opt %s -o 2>&1 | FileCheck %s --check-prefix=NOARG

// CHECK-NOT: stale
// CHECK: module {
// CHECK-NEXT: func.func @first
// CHECK: func.func @second
// CHECK-NOT: stale
// SPLIT: func.func @first
// SPLIT: // -----
// SPLIT-NEXT: module {
// SPLIT-NEXT: func.func @second
// NOWRITE: attn-opt: error: cannot open '{{.*}}.missing-dir/out.mlir' for writing
// NOARG: attn-opt: error: -o needs a file name
func.func @first() {
  return
}
// -----
func.func @second() {
  return
}
