// attn.mha_varlen_bwd against the exact gradient (see bwd-dtypes.mlir):
// attn-run's random cu_seqlens (all tokens covered, one empty sequence), and
// fixed offsets from .npy files with empty and length-1 sequences and tokens
// past the last sequence (their dq, dk, dv are 0).
// RUN: attn-run %s --target=cpu --func=varlen_causal | FileCheck %s --check-prefix=CAUSAL
// RUN: attn-run %s --target=cpu --func=varlen_causal '--pipeline=attn-to-cpu{block-m=3 block-n=7}' | FileCheck %s --check-prefix=CAUSAL
// RUN: attn-run %s --target=cpu --func=varlen_causal --reference | FileCheck %s --check-prefix=CAUSAL
// The sm_90a tiling of the backward (config/sm_90a-MHA-BWD.json) on the CPU:
// RUN: attn-run %s --target=cpu --func=varlen_causal '--pipeline=attn-to-cpu{tiles=sm_90a}' | FileCheck %s --check-prefix=CAUSAL
// The AMD tilings (config/gfx942-MHA-BWD.json, gfx950-MHA-BWD.json):
// RUN: attn-run %s --target=cpu --func=varlen_causal '--pipeline=attn-to-cpu{tiles=gfx942}' | FileCheck %s --check-prefix=CAUSAL
// RUN: attn-run %s --target=cpu --func=varlen_causal '--pipeline=attn-to-cpu{tiles=gfx950}' | FileCheck %s --check-prefix=CAUSAL
// RUN: attn-run %s --target=cpu --func=varlen_window_alibi --reference | FileCheck %s --check-prefix=WINDOW
// RUN: attn-run %s --target=cpu --func=varlen_window_alibi | FileCheck %s --check-prefix=WINDOW
// RUN: attn-run %s --target=cpu --func=varlen_mqa_softcap '--pipeline=attn-to-cpu{isa=generic}' | FileCheck %s --check-prefix=MQA
// Sequences of lengths (queries/keys) 0/3, 1/1, 17/40, 1/0, 5/17, then 4 query and 2 key tokens past the last one:
// RUN: %python -c "import numpy as np; np.save('%t.cq.npy', np.array([0, 0, 1, 18, 19, 24], np.int32)); np.save('%t.ck.npy', np.array([0, 3, 4, 44, 44, 61], np.int32))"
// RUN: attn-run %s --target=cpu --func=varlen_fixed --input=6=%t.cq.npy --input=7=%t.ck.npy | FileCheck %s --check-prefix=FIXED

// CAUSAL: @varlen_causal result 0 (dq 61x8x64xf16): {{.*}} PASS
// CAUSAL: @varlen_causal result 1 (dk 47x2x64xf16): {{.*}} PASS
// CAUSAL: @varlen_causal result 2 (dv 47x2x64xf16): {{.*}} PASS
func.func @varlen_causal(%q: tensor<61x8x64xf16>, %k: tensor<47x2x64xf16>, %v: tensor<47x2x64xf16>, %o: tensor<61x8x64xf16>, %do: tensor<61x8x64xf16>, %lse: tensor<8x61xf32>, %cq: tensor<5xi32>, %ck: tensor<5xi32>) -> (tensor<61x8x64xf16>, tensor<47x2x64xf16>, tensor<47x2x64xf16>) {
  %dq, %dk, %dv = attn.mha_varlen_bwd %q, %k, %v, %o, %do, %lse, %cq, %ck {causal} : (tensor<61x8x64xf16>, tensor<47x2x64xf16>, tensor<47x2x64xf16>, tensor<61x8x64xf16>, tensor<61x8x64xf16>, tensor<8x61xf32>, tensor<5xi32>, tensor<5xi32>) -> (tensor<61x8x64xf16>, tensor<47x2x64xf16>, tensor<47x2x64xf16>)
  return %dq, %dk, %dv : tensor<61x8x64xf16>, tensor<47x2x64xf16>, tensor<47x2x64xf16>
}

// WINDOW: @varlen_window_alibi result 0 (dq 40x4x128xbf16): {{.*}} PASS
// WINDOW: @varlen_window_alibi result 1 (dk 53x1x128xbf16): {{.*}} PASS
// WINDOW: @varlen_window_alibi result 2 (dv 53x1x128xbf16): {{.*}} PASS
func.func @varlen_window_alibi(%q: tensor<40x4x128xbf16>, %k: tensor<53x1x128xbf16>, %v: tensor<53x1x128xbf16>, %o: tensor<40x4x128xbf16>, %do: tensor<40x4x128xbf16>, %lse: tensor<4x40xf32>, %cq: tensor<4xi32>, %ck: tensor<4xi32>, %s: tensor<4xf32>) -> (tensor<40x4x128xbf16>, tensor<53x1x128xbf16>, tensor<53x1x128xbf16>) {
  %dq, %dk, %dv = attn.mha_varlen_bwd %q, %k, %v, %o, %do, %lse, %cq, %ck alibi(%s) {window_left = 5 : i64, window_right = 2 : i64} : (tensor<40x4x128xbf16>, tensor<53x1x128xbf16>, tensor<53x1x128xbf16>, tensor<40x4x128xbf16>, tensor<40x4x128xbf16>, tensor<4x40xf32>, tensor<4xi32>, tensor<4xi32>, tensor<4xf32>) -> (tensor<40x4x128xbf16>, tensor<53x1x128xbf16>, tensor<53x1x128xbf16>)
  return %dq, %dk, %dv : tensor<40x4x128xbf16>, tensor<53x1x128xbf16>, tensor<53x1x128xbf16>
}

// MQA: @varlen_mqa_softcap result 0 (dq 70x4x32xf32): {{.*}} PASS
// MQA: @varlen_mqa_softcap result 1 (dk 35x1x32xf32): {{.*}} PASS
// MQA: @varlen_mqa_softcap result 2 (dv 35x1x32xf32): {{.*}} PASS
func.func @varlen_mqa_softcap(%q: tensor<70x4x32xf32>, %k: tensor<35x1x32xf32>, %v: tensor<35x1x32xf32>, %o: tensor<70x4x32xf32>, %do: tensor<70x4x32xf32>, %lse: tensor<4x70xf32>, %cq: tensor<6xi32>, %ck: tensor<6xi32>) -> (tensor<70x4x32xf32>, tensor<35x1x32xf32>, tensor<35x1x32xf32>) {
  %dq, %dk, %dv = attn.mha_varlen_bwd %q, %k, %v, %o, %do, %lse, %cq, %ck {causal, softcap = 8.0 : f32} : (tensor<70x4x32xf32>, tensor<35x1x32xf32>, tensor<35x1x32xf32>, tensor<70x4x32xf32>, tensor<70x4x32xf32>, tensor<4x70xf32>, tensor<6xi32>, tensor<6xi32>) -> (tensor<70x4x32xf32>, tensor<35x1x32xf32>, tensor<35x1x32xf32>)
  return %dq, %dk, %dv : tensor<70x4x32xf32>, tensor<35x1x32xf32>, tensor<35x1x32xf32>
}

// FIXED: @varlen_fixed result 0 (dq 28x4x32xf32): {{.*}} PASS
// FIXED: @varlen_fixed result 1 (dk 63x2x32xf32): {{.*}} PASS
// FIXED: @varlen_fixed result 2 (dv 63x2x32xf32): {{.*}} PASS
func.func @varlen_fixed(%q: tensor<28x4x32xf32>, %k: tensor<63x2x32xf32>, %v: tensor<63x2x32xf32>, %o: tensor<28x4x32xf32>, %do: tensor<28x4x32xf32>, %lse: tensor<4x28xf32>, %cq: tensor<6xi32>, %ck: tensor<6xi32>) -> (tensor<28x4x32xf32>, tensor<63x2x32xf32>, tensor<63x2x32xf32>) {
  %dq, %dk, %dv = attn.mha_varlen_bwd %q, %k, %v, %o, %do, %lse, %cq, %ck {causal} : (tensor<28x4x32xf32>, tensor<63x2x32xf32>, tensor<63x2x32xf32>, tensor<28x4x32xf32>, tensor<28x4x32xf32>, tensor<4x28xf32>, tensor<6xi32>, tensor<6xi32>) -> (tensor<28x4x32xf32>, tensor<63x2x32xf32>, tensor<63x2x32xf32>)
  return %dq, %dk, %dv : tensor<28x4x32xf32>, tensor<63x2x32xf32>, tensor<63x2x32xf32>
}
