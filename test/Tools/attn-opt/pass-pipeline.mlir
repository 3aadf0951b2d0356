// Passes as flags and as --pass-pipeline: the same pass gives the same IR
// either way; the two forms cannot be combined; unknown passes are rejected;
// IR printing around passes goes to stderr.
//
// RUN: attn-opt %s --attn-lower-reference > %t.flag
// RUN: attn-opt %s --pass-pipeline='builtin.module(attn-lower-reference)' > %t.pipeline
// RUN: diff %t.flag %t.pipeline
// RUN: FileCheck %s --check-prefix=LOWERED < %t.flag
// LOWERED-NOT: attn.mha
// LOWERED: func.func @f(
// LOWERED: scf.for
// LOWERED-NOT: attn.mha
//
// RUN: not attn-opt %s --pass-pipeline='builtin.module(no-such-pass)' 2>&1 | FileCheck %s --check-prefix=UNKNOWN
// RUN: not attn-opt %s --pass-pipeline='builtin.module(no-such-pass)' 2>/dev/null | count 0
// UNKNOWN: 'no-such-pass' does not refer to a registered pass or pass pipeline
// UNKNOWN: attn-opt: error: invalid pass pipeline
//
// RUN: not attn-opt %s --pass-pipeline='attn-lower-reference' 2>&1 | FileCheck %s --check-prefix=ANCHOR
// ANCHOR: expected pass pipeline to be wrapped with the anchor operation type
// ANCHOR: attn-opt: error: invalid pass pipeline
//
// RUN: not attn-opt %s --canonicalize --pass-pipeline='builtin.module(cse)' 2>&1 | FileCheck %s --check-prefix=BOTH
// RUN: not attn-opt %s --pass-pipeline='builtin.module(cse)' --attn-lower-reference 2>&1 | FileCheck %s --check-prefix=BOTH
// BOTH: attn-opt: error: --pass-pipeline cannot be combined with pass flags
//
// RUN: attn-opt %s --attn-lower-reference --mlir-print-ir-after-all 2>&1 >/dev/null | FileCheck %s --check-prefix=AFTER
// RUN: attn-opt %s --pass-pipeline='builtin.module(attn-lower-reference)' --mlir-print-ir-after-all 2>&1 >/dev/null | FileCheck %s --check-prefix=AFTER
// AFTER: // -----// IR Dump After AttnLowerReference (attn-lower-reference) //----- //
// AFTER-NEXT: module {
// AFTER-NOT: attn.mha
// AFTER: scf.for
//
// RUN: attn-opt %s --mlir-print-ir-before-all --attn-lower-reference 2>&1 >/dev/null | FileCheck %s --check-prefix=BEFORE
// BEFORE: // -----// IR Dump Before AttnLowerReference (attn-lower-reference) //----- //
// BEFORE-NEXT: module {
// BEFORE: attn.mha
//
// Passes given as flags run in command-line order.
// RUN: attn-opt %s --cse --attn-lower-reference --canonicalize --mlir-print-ir-after-all 2>&1 >/dev/null | FileCheck %s --check-prefix=ORDER
// ORDER: IR Dump After CSE (cse)
// ORDER: IR Dump After AttnLowerReference (attn-lower-reference)
// ORDER: IR Dump After Canonicalizer (canonicalize)
// RUN: attn-opt %s --canonicalize --attn-lower-reference --cse --mlir-print-ir-after-all 2>&1 >/dev/null | FileCheck %s --check-prefix=REORDER
// REORDER: IR Dump After Canonicalizer (canonicalize)
// REORDER: IR Dump After AttnLowerReference (attn-lower-reference)
// REORDER: IR Dump After CSE (cse)
func.func @f(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32> {
  %o = attn.mha %q, %k, %v {causal} : (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  return %o : tensor<1x2x4x8xf32>
}
