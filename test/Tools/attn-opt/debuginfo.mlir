// --mlir-print-debuginfo prints the locations the parser gives ops and block
// arguments with the input's name (<stdin> for stdin), not MLIR's buffer name
// "-"; locations spelled out in the input keep their own names.
// RUN: attn-opt %s --mlir-print-debuginfo | FileCheck %s
// RUN: attn-opt --mlir-print-debuginfo < %s | FileCheck %s --check-prefix=STDIN
// RUN: attn-opt %s --split-input-file --mlir-print-debuginfo | FileCheck %s
// RUN: attn-opt %s --mlir-print-debuginfo | FileCheck %s --check-prefix=NODASH
// RUN: attn-opt %s --mlir-print-debuginfo --canonicalize | FileCheck %s

// CHECK-DAG: loc("{{[^"]*}}debuginfo.mlir":[[@LINE+7]]:14)
// CHECK-DAG: loc("{{[^"]*}}debuginfo.mlir":[[@LINE+7]]:3)
// CHECK-DAG: loc("elsewhere.mlir":7:9)
// STDIN-DAG: loc("<stdin>":[[@LINE+4]]:14)
// STDIN-DAG: loc("<stdin>":[[@LINE+4]]:3)
// STDIN-DAG: loc("elsewhere.mlir":7:9)
// NODASH-NOT: loc("-"
func.func @f(%arg: i32) -> i32 {
  return %arg : i32
}
func.func @g() {
  return loc("elsewhere.mlir":7:9)
}
