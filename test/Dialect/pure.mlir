// attn.mha, attn.mha_varlen and attn.paged_attention are Pure: CSE merges
// identical ops, and canonicalize erases ops whose results are unused.
// RUN: attn-opt %s --cse | FileCheck %s --check-prefix=CSE
// RUN: attn-opt %s --canonicalize | FileCheck %s --check-prefix=CANON
// RUN: attn-opt %s | FileCheck %s --check-prefix=NONE

// CSE-LABEL: func.func @duplicate
// CSE-NEXT: %[[O:.*]] = attn.mha %arg0, %arg1, %arg2 {causal}
// CSE-NEXT: return %[[O]], %[[O]] :
func.func @duplicate(%q: tensor<1x4x8x16xf16>, %k: tensor<1x2x8x16xf16>, %v: tensor<1x2x8x16xf16>) -> (tensor<1x4x8x16xf16>, tensor<1x4x8x16xf16>) {
  %a = attn.mha %q, %k, %v {causal} : (tensor<1x4x8x16xf16>, tensor<1x2x8x16xf16>, tensor<1x2x8x16xf16>) -> tensor<1x4x8x16xf16>
  %b = attn.mha %q, %k, %v {causal} : (tensor<1x4x8x16xf16>, tensor<1x2x8x16xf16>, tensor<1x2x8x16xf16>) -> tensor<1x4x8x16xf16>
  return %a, %b : tensor<1x4x8x16xf16>, tensor<1x4x8x16xf16>
}

// Ops that differ in an attribute are not merged.
// CSE-LABEL: func.func @different_attrs
// CSE-NEXT: %[[A:.*]] = attn.mha %arg0, %arg1, %arg2 {causal}
// CSE-NEXT: %[[B:.*]] = attn.mha %arg0, %arg1, %arg2 {causal, window_left = 4 : i64}
// CSE-NEXT: return %[[A]], %[[B]] :
func.func @different_attrs(%q: tensor<1x4x8x16xf16>, %k: tensor<1x2x8x16xf16>, %v: tensor<1x2x8x16xf16>) -> (tensor<1x4x8x16xf16>, tensor<1x4x8x16xf16>) {
  %a = attn.mha %q, %k, %v {causal} : (tensor<1x4x8x16xf16>, tensor<1x2x8x16xf16>, tensor<1x2x8x16xf16>) -> tensor<1x4x8x16xf16>
  %b = attn.mha %q, %k, %v {causal, window_left = 4 : i64} : (tensor<1x4x8x16xf16>, tensor<1x2x8x16xf16>, tensor<1x2x8x16xf16>) -> tensor<1x4x8x16xf16>
  return %a, %b : tensor<1x4x8x16xf16>, tensor<1x4x8x16xf16>
}

// Duplicate varlen ops with alibi and lse.
// CSE-LABEL: func.func @duplicate_varlen
// CSE-NEXT: %[[O:.*]], %[[L:.*]] = attn.mha_varlen
// CSE-NEXT: return %[[O]], %[[L]], %[[O]], %[[L]] :
func.func @duplicate_varlen(%q: tensor<?x4x16xbf16>, %k: tensor<?x2x16xbf16>, %v: tensor<?x2x16xbf16>, %c: tensor<3xi32>, %s: tensor<4xf32>)
    -> (tensor<?x4x16xbf16>, tensor<4x?xf32>, tensor<?x4x16xbf16>, tensor<4x?xf32>) {
  %a, %la = attn.mha_varlen %q, %k, %v, %c, %c alibi(%s) : (tensor<?x4x16xbf16>, tensor<?x2x16xbf16>, tensor<?x2x16xbf16>, tensor<3xi32>, tensor<3xi32>, tensor<4xf32>) -> (tensor<?x4x16xbf16>, tensor<4x?xf32>)
  %b, %lb = attn.mha_varlen %q, %k, %v, %c, %c alibi(%s) : (tensor<?x4x16xbf16>, tensor<?x2x16xbf16>, tensor<?x2x16xbf16>, tensor<3xi32>, tensor<3xi32>, tensor<4xf32>) -> (tensor<?x4x16xbf16>, tensor<4x?xf32>)
  return %a, %la, %b, %lb : tensor<?x4x16xbf16>, tensor<4x?xf32>, tensor<?x4x16xbf16>, tensor<4x?xf32>
}

// Duplicate paged ops with lse.
// CSE-LABEL: func.func @duplicate_paged
// CSE-NEXT: %[[O:.*]], %[[L:.*]] = attn.paged_attention
// CSE-NEXT: return %[[O]], %[[L]], %[[O]], %[[L]] :
func.func @duplicate_paged(%q: tensor<?x4x16xf16>, %kc: tensor<?x16x2x16xf16>, %bt: tensor<2x3xi32>, %sl: tensor<2xi32>, %qsl: tensor<3xi32>)
    -> (tensor<?x4x16xf16>, tensor<4x?xf32>, tensor<?x4x16xf16>, tensor<4x?xf32>) {
  %a, %la = attn.paged_attention %q, %kc, %kc, %bt, %sl, %qsl {causal} : (tensor<?x4x16xf16>, tensor<?x16x2x16xf16>, tensor<?x16x2x16xf16>, tensor<2x3xi32>, tensor<2xi32>, tensor<3xi32>) -> (tensor<?x4x16xf16>, tensor<4x?xf32>)
  %b, %lb = attn.paged_attention %q, %kc, %kc, %bt, %sl, %qsl {causal} : (tensor<?x4x16xf16>, tensor<?x16x2x16xf16>, tensor<?x16x2x16xf16>, tensor<2x3xi32>, tensor<2xi32>, tensor<3xi32>) -> (tensor<?x4x16xf16>, tensor<4x?xf32>)
  return %a, %la, %b, %lb : tensor<?x4x16xf16>, tensor<4x?xf32>, tensor<?x4x16xf16>, tensor<4x?xf32>
}

// Unused results: canonicalize (and CSE, which also drops trivially dead
// ops) erases both ops; without a pass they stay.
// CANON-LABEL: func.func @unused
// CANON-NEXT: return{{$}}
// CANON-NEXT: }
// CSE-LABEL: func.func @unused
// CSE-NEXT: return{{$}}
// NONE-LABEL: func.func @unused
// NONE-NEXT: attn.mha %arg0
// NONE-NEXT: attn.mha_varlen %arg3
// NONE-NEXT: return{{$}}
func.func @unused(%q: tensor<1x4x8x16xf32>, %k: tensor<1x4x8x16xf32>, %v: tensor<1x4x8x16xf32>,
                  %vq: tensor<8x4x16xf32>, %c: tensor<2xi32>) {
  %o, %l = attn.mha %q, %k, %v {causal} : (tensor<1x4x8x16xf32>, tensor<1x4x8x16xf32>, tensor<1x4x8x16xf32>) -> (tensor<1x4x8x16xf32>, tensor<1x4x8xf32>)
  %w = attn.mha_varlen %vq, %vq, %vq, %c, %c : (tensor<8x4x16xf32>, tensor<8x4x16xf32>, tensor<8x4x16xf32>, tensor<2xi32>, tensor<2xi32>) -> tensor<8x4x16xf32>
  return
}
