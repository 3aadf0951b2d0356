// fp8 operands (docs/fp8.md) parse, verify and print back, in the custom and
// the generic form: attn.mha / attn.mha_varlen with descale(...) (every
// granularity: [], [Hkv], [B, Hkv]), attn.paged_attention with
// kv_scale(...) ([], [Hkv], [NB, BS, Hkv]), after the other optional operands.
// RUN: attn-opt %s | FileCheck %s
// RUN: attn-opt %s | attn-opt | FileCheck %s
// RUN: attn-opt %s --mlir-print-op-generic | attn-opt | FileCheck %s
// RUN: attn-opt %s --mlir-print-op-generic | FileCheck %s --check-prefix=GENERIC

// CHECK-LABEL: func.func @mha
// CHECK: attn.mha %arg0, %arg1, %arg2 alibi(%arg6) sinks(%arg6) descale(%arg3, %arg4, %arg5) {causal} : (tensor<2x4x?x64xf8E4M3FN>, tensor<2x2x?x64xf8E4M3FN>, tensor<2x2x?x64xf8E4M3FN>, tensor<4xf32>, tensor<4xf32>, tensor<f32>, tensor<2xf32>, tensor<2x2xf32>) -> (tensor<2x4x?x64xbf16>, tensor<2x4x?xf32>)
// GENERIC: "attn.mha"(%{{.*}}) <{causal, operandSegmentSizes = array<i32: 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, 0, 0>}>
func.func @mha(%q: tensor<2x4x?x64xf8E4M3FN>, %k: tensor<2x2x?x64xf8E4M3FN>, %v: tensor<2x2x?x64xf8E4M3FN>,
               %a: tensor<f32>, %b: tensor<2xf32>, %c: tensor<2x2xf32>, %s: tensor<4xf32>)
    -> (tensor<2x4x?x64xbf16>, tensor<2x4x?xf32>) {
  %o, %l = attn.mha %q, %k, %v alibi(%s) sinks(%s) descale(%a, %b, %c) {causal}
      : (tensor<2x4x?x64xf8E4M3FN>, tensor<2x2x?x64xf8E4M3FN>, tensor<2x2x?x64xf8E4M3FN>,
         tensor<4xf32>, tensor<4xf32>, tensor<f32>, tensor<2xf32>, tensor<2x2xf32>)
      -> (tensor<2x4x?x64xbf16>, tensor<2x4x?xf32>)
  return %o, %l : tensor<2x4x?x64xbf16>, tensor<2x4x?xf32>
}

// CHECK-LABEL: func.func @varlen
// CHECK: attn.mha_varlen %arg0, %arg1, %arg1, %arg2, %arg2 descale(%arg3, %arg3, %arg4) : (tensor<?x4x64xf8E4M3FNUZ>, tensor<?x2x64xf8E4M3FNUZ>, tensor<?x2x64xf8E4M3FNUZ>, tensor<4xi32>, tensor<4xi32>, tensor<3x2xf32>, tensor<3x2xf32>, tensor<f32>) -> tensor<?x4x64xf16>
func.func @varlen(%q: tensor<?x4x64xf8E4M3FNUZ>, %k: tensor<?x2x64xf8E4M3FNUZ>, %cu: tensor<4xi32>,
                  %d: tensor<3x2xf32>, %e: tensor<f32>) -> tensor<?x4x64xf16> {
  %o = attn.mha_varlen %q, %k, %k, %cu, %cu descale(%d, %d, %e)
      : (tensor<?x4x64xf8E4M3FNUZ>, tensor<?x2x64xf8E4M3FNUZ>, tensor<?x2x64xf8E4M3FNUZ>,
         tensor<4xi32>, tensor<4xi32>, tensor<3x2xf32>, tensor<3x2xf32>, tensor<f32>)
      -> tensor<?x4x64xf16>
  return %o : tensor<?x4x64xf16>
}

// CHECK-LABEL: func.func @paged
// CHECK: attn.paged_attention %arg0, %arg1, %arg1, %arg2, %arg3, %arg4 sinks(%arg7) kv_scale(%arg5, %arg6) {causal} : (tensor<?x8x64xbf16>, tensor<40x16x2x64xf8E4M3FN>, tensor<40x16x2x64xf8E4M3FN>, tensor<3x8xi32>, tensor<3xi32>, tensor<4xi32>, tensor<8xf32>, tensor<40x16x2xf32>, tensor<2xf32>) -> tensor<?x8x64xbf16>
// GENERIC: "attn.paged_attention"(%{{.*}}) <{causal, operandSegmentSizes = array<i32: 1, 1, 1, 1, 1, 1, 0, 1, 1, 1>}>
func.func @paged(%q: tensor<?x8x64xbf16>, %kc: tensor<40x16x2x64xf8E4M3FN>, %bt: tensor<3x8xi32>,
                 %sl: tensor<3xi32>, %qsl: tensor<4xi32>, %ks: tensor<40x16x2xf32>,
                 %vs: tensor<2xf32>, %s: tensor<8xf32>) -> tensor<?x8x64xbf16> {
  %o = attn.paged_attention %q, %kc, %kc, %bt, %sl, %qsl sinks(%s) kv_scale(%ks, %vs) {causal}
      : (tensor<?x8x64xbf16>, tensor<40x16x2x64xf8E4M3FN>, tensor<40x16x2x64xf8E4M3FN>,
         tensor<3x8xi32>, tensor<3xi32>, tensor<4xi32>, tensor<8xf32>, tensor<40x16x2xf32>,
         tensor<2xf32>) -> tensor<?x8x64xbf16>
  return %o : tensor<?x8x64xbf16>
}
