// SAGE operands (issue 16 part 3, docs/fp8.md "SAGE") parse, verify and print
// back, in the custom and the generic form: attn.mha / attn.mha_varlen with i8
// q and k, fp8 v, descale(...) in SAGE's granularities, the optional
// k_mean(...) (the last operand, after rng_state), q_scale_block and
// k_scale_block. Generic IR written before k_mean existed still parses.
// RUN: attn-opt %s | FileCheck %s
// RUN: attn-opt %s | attn-opt | FileCheck %s
// RUN: attn-opt %s --mlir-print-op-generic | attn-opt | FileCheck %s
// RUN: attn-opt %s --mlir-print-op-generic | FileCheck %s --check-prefix=GENERIC

// CHECK-LABEL: func.func @mha
// CHECK: attn.mha %arg0, %arg1, %arg2 alibi(%arg7) descale(%arg3, %arg4, %arg5) k_mean(%arg6) {causal, k_scale_block = 32 : i64, q_scale_block = 64 : i64} : (tensor<2x4x100x64xi8>, tensor<2x2x?x64xi8>, tensor<2x2x?x64xf8E4M3FN>, tensor<4xf32>, tensor<2x4x2xf32>, tensor<2x2x?xf32>, tensor<2x2x64xf32>, tensor<2x2x64xf32>) -> (tensor<2x4x100x64xbf16>, tensor<2x4x100xf32>)
// GENERIC: "attn.mha"(%{{.*}}) <{causal, k_scale_block = 32 : i64, operandSegmentSizes = array<i32: 1, 1, 1, 1, 0, 0, 0, 0, 0, 1, 1, 1, 0, 1>, q_scale_block = 64 : i64}>
func.func @mha(%q: tensor<2x4x100x64xi8>, %k: tensor<2x2x?x64xi8>, %v: tensor<2x2x?x64xf8E4M3FN>,
               %qd: tensor<2x4x2xf32>, %kd: tensor<2x2x?xf32>, %vd: tensor<2x2x64xf32>,
               %km: tensor<2x2x64xf32>, %s: tensor<4xf32>)
    -> (tensor<2x4x100x64xbf16>, tensor<2x4x100xf32>) {
  %o, %l = attn.mha %q, %k, %v alibi(%s) descale(%qd, %kd, %vd) k_mean(%km) {causal, q_scale_block = 64 : i64, k_scale_block = 32 : i64}
      : (tensor<2x4x100x64xi8>, tensor<2x2x?x64xi8>, tensor<2x2x?x64xf8E4M3FN>, tensor<4xf32>,
         tensor<2x4x2xf32>, tensor<2x2x?xf32>, tensor<2x2x64xf32>, tensor<2x2x64xf32>)
      -> (tensor<2x4x100x64xbf16>, tensor<2x4x100xf32>)
  return %o, %l : tensor<2x4x100x64xbf16>, tensor<2x4x100xf32>
}

// CHECK-LABEL: func.func @varlen
// CHECK: attn.mha_varlen %arg0, %arg1, %arg2, %arg3, %arg3 descale(%arg4, %arg5, %arg6) {k_scale_block = 7 : i64, q_scale_block = 5 : i64} : (tensor<?x4x64xi8>, tensor<?x2x64xi8>, tensor<?x2x32xf8E4M3FNUZ>, tensor<4xi32>, tensor<4xi32>, tensor<3x4x?xf32>, tensor<3x2x9xf32>, tensor<3x2x32xf32>) -> tensor<?x4x32xf16>
// GENERIC: "attn.mha_varlen"(%{{.*}}) <{k_scale_block = 7 : i64, operandSegmentSizes = array<i32: 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 1, 1, 1, 0, 0>, q_scale_block = 5 : i64}>
func.func @varlen(%q: tensor<?x4x64xi8>, %k: tensor<?x2x64xi8>, %v: tensor<?x2x32xf8E4M3FNUZ>, %cu: tensor<4xi32>,
                  %qd: tensor<3x4x?xf32>, %kd: tensor<3x2x9xf32>, %vd: tensor<3x2x32xf32>) -> tensor<?x4x32xf16> {
  %o = attn.mha_varlen %q, %k, %v, %cu, %cu descale(%qd, %kd, %vd) {q_scale_block = 5 : i64, k_scale_block = 7 : i64}
      : (tensor<?x4x64xi8>, tensor<?x2x64xi8>, tensor<?x2x32xf8E4M3FNUZ>, tensor<4xi32>, tensor<4xi32>,
         tensor<3x4x?xf32>, tensor<3x2x9xf32>, tensor<3x2x32xf32>) -> tensor<?x4x32xf16>
  return %o : tensor<?x4x32xf16>
}

// Generic IR with the segments of before rng_state and k_mean (12 for attn.mha):
// padded.
// CHECK-LABEL: func.func @old_segments
// CHECK: attn.mha %arg0, %arg0, %arg1 descale(%arg2, %arg3, %arg4) {k_scale_block = 64 : i64, q_scale_block = 64 : i64}
// GENERIC-LABEL: sym_name = "old_segments"
// GENERIC: operandSegmentSizes = array<i32: 1, 1, 1, 0, 0, 0, 0, 0, 0, 1, 1, 1, 0, 0>
func.func @old_segments(%q: tensor<1x2x64x64xi8>, %v: tensor<1x2x64x64xf8E4M3FN>,
                        %qd: tensor<1x2x1xf32>, %kd: tensor<1x2x1xf32>, %vd: tensor<1x2x64xf32>)
    -> tensor<1x2x64x64xbf16> {
  %o = "attn.mha"(%q, %q, %v, %qd, %kd, %vd) <{operandSegmentSizes = array<i32: 1, 1, 1, 0, 0, 0, 0, 0, 0, 1, 1, 1>, q_scale_block = 64 : i64, k_scale_block = 64 : i64}>
      : (tensor<1x2x64x64xi8>, tensor<1x2x64x64xi8>, tensor<1x2x64x64xf8E4M3FN>, tensor<1x2x1xf32>, tensor<1x2x1xf32>, tensor<1x2x64xf32>) -> tensor<1x2x64x64xbf16>
  return %o : tensor<1x2x64x64xbf16>
}
