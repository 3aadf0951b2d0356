// Dropout (FlashAttention's semantics: each probability kept with
// probability 1 - p and scaled by 1 / (1 - p); lse is that of the
// probabilities before dropout) in the forward and the backward ops. The
// kernels generate the keep mask with Philox4x32-10 from (seed, offset,
// b * Hq + h, i, j) (passes/Dropout.h), the backward regenerates it; attn-run's
// reference implements the same generator independently
// (attnRefDropoutScale), so out and the gradients are checked against a
// reference that uses the same mask (a different mask fails: nearly every
// element differs). The backward's out comes from the reference forward with
// that mask. Seeds beyond 2^32 and offsets beyond 2^32 use both words.
// RUN: attn-run %s --target=cpu | FileCheck %s
// RUN: attn-run %s --target=cpu '--pipeline=attn-to-cpu{isa=generic}' | FileCheck %s
// Small tiles (5 keys per dK/dV program, 3 queries per tile): many masked,
// unmasked and skipped ranges on short sequences.
// RUN: attn-run %s --target=cpu '--pipeline=attn-to-cpu{block-m=5 block-n=3}' | FileCheck %s
// The kernel IR as tiled for the GPUs (sm_90a: the forward's dropout tiles of 64 rows and
// 32 keys; gfx942 / gfx950 with their backward tables), run on the CPU:
// RUN: attn-run %s --target=cpu '--pipeline=attn-to-cpu{tiles=sm_90a}' | FileCheck %s
// RUN: attn-run %s --target=cpu '--pipeline=attn-to-cpu{tiles=gfx942}' | FileCheck %s
// RUN: attn-run %s --target=cpu '--pipeline=attn-to-cpu{tiles=gfx950}' | FileCheck %s

// CHECK: seed=
// CHECK: @fwd_f32_causal_gqa result 0 (out 2x4x37x32xf32): {{.*}} PASS
// CHECK: @fwd_f32_causal_gqa result 1 (lse 2x4x37xf32): {{.*}} PASS
func.func @fwd_f32_causal_gqa(%q: tensor<2x4x37x32xf32>, %k: tensor<2x2x45x32xf32>, %v: tensor<2x2x45x32xf32>) -> (tensor<2x4x37x32xf32>, tensor<2x4x37xf32>) {
  %o, %l = attn.mha %q, %k, %v {causal, dropout_p = 0.3 : f32, seed = 12345 : i64, offset = 7 : i64} : (tensor<2x4x37x32xf32>, tensor<2x2x45x32xf32>, tensor<2x2x45x32xf32>) -> (tensor<2x4x37x32xf32>, tensor<2x4x37xf32>)
  return %o, %l : tensor<2x4x37x32xf32>, tensor<2x4x37xf32>
}

// CHECK: @fwd_bf16_p09 result 0 (out 1x2x20x64xbf16): {{.*}} PASS
// CHECK: @fwd_bf16_p09 result 1 (lse 1x2x20xf32): {{.*}} PASS
func.func @fwd_bf16_p09(%q: tensor<1x2x20x64xbf16>, %k: tensor<1x1x70x64xbf16>, %v: tensor<1x1x70x64xbf16>) -> (tensor<1x2x20x64xbf16>, tensor<1x2x20xf32>) {
  %o, %l = attn.mha %q, %k, %v {dropout_p = 0.9 : f32, seed = 5 : i64} : (tensor<1x2x20x64xbf16>, tensor<1x1x70x64xbf16>, tensor<1x1x70x64xbf16>) -> (tensor<1x2x20x64xbf16>, tensor<1x2x20xf32>)
  return %o, %l : tensor<1x2x20x64xbf16>, tensor<1x2x20xf32>
}

// CHECK: @fwd_varlen_f16 result 0 (out 61x8x64xf16): {{.*}} PASS
func.func @fwd_varlen_f16(%q: tensor<61x8x64xf16>, %k: tensor<47x2x64xf16>, %v: tensor<47x2x64xf16>, %cq: tensor<5xi32>, %ck: tensor<5xi32>) -> tensor<61x8x64xf16> {
  %o = attn.mha_varlen %q, %k, %v, %cq, %ck {causal, dropout_p = 0.2 : f32, seed = 3 : i64, offset = 100 : i64} : (tensor<61x8x64xf16>, tensor<47x2x64xf16>, tensor<47x2x64xf16>, tensor<5xi32>, tensor<5xi32>) -> tensor<61x8x64xf16>
  return %o : tensor<61x8x64xf16>
}

// CHECK: @bwd_f32_causal_gqa result 0 (dq 2x4x37x32xf32): {{.*}} PASS
// CHECK: @bwd_f32_causal_gqa result 1 (dk 2x2x45x32xf32): {{.*}} PASS
// CHECK: @bwd_f32_causal_gqa result 2 (dv 2x2x45x32xf32): {{.*}} PASS
func.func @bwd_f32_causal_gqa(%q: tensor<2x4x37x32xf32>, %k: tensor<2x2x45x32xf32>, %v: tensor<2x2x45x32xf32>, %o: tensor<2x4x37x32xf32>, %do: tensor<2x4x37x32xf32>, %lse: tensor<2x4x37xf32>) -> (tensor<2x4x37x32xf32>, tensor<2x2x45x32xf32>, tensor<2x2x45x32xf32>) {
  %dq, %dk, %dv = attn.mha_bwd %q, %k, %v, %o, %do, %lse {causal, dropout_p = 0.3 : f32, seed = 12345 : i64, offset = 7 : i64} : (tensor<2x4x37x32xf32>, tensor<2x2x45x32xf32>, tensor<2x2x45x32xf32>, tensor<2x4x37x32xf32>, tensor<2x4x37x32xf32>, tensor<2x4x37xf32>) -> (tensor<2x4x37x32xf32>, tensor<2x2x45x32xf32>, tensor<2x2x45x32xf32>)
  return %dq, %dk, %dv : tensor<2x4x37x32xf32>, tensor<2x2x45x32xf32>, tensor<2x2x45x32xf32>
}

// CHECK: @bwd_bf16_softcap_alibi result 0 (dq 1x2x20x64xbf16): {{.*}} PASS
// CHECK: @bwd_bf16_softcap_alibi result 1 (dk 1x1x70x64xbf16): {{.*}} PASS
// CHECK: @bwd_bf16_softcap_alibi result 2 (dv 1x1x70x64xbf16): {{.*}} PASS
func.func @bwd_bf16_softcap_alibi(%q: tensor<1x2x20x64xbf16>, %k: tensor<1x1x70x64xbf16>, %v: tensor<1x1x70x64xbf16>, %o: tensor<1x2x20x64xbf16>, %do: tensor<1x2x20x64xbf16>, %lse: tensor<1x2x20xf32>, %s: tensor<2xf32>) -> (tensor<1x2x20x64xbf16>, tensor<1x1x70x64xbf16>, tensor<1x1x70x64xbf16>) {
  %dq, %dk, %dv = attn.mha_bwd %q, %k, %v, %o, %do, %lse alibi(%s) {softcap = 5.0 : f32, dropout_p = 0.5 : f32, seed = -77 : i64, offset = 4294967301 : i64} : (tensor<1x2x20x64xbf16>, tensor<1x1x70x64xbf16>, tensor<1x1x70x64xbf16>, tensor<1x2x20x64xbf16>, tensor<1x2x20x64xbf16>, tensor<1x2x20xf32>, tensor<2xf32>) -> (tensor<1x2x20x64xbf16>, tensor<1x1x70x64xbf16>, tensor<1x1x70x64xbf16>)
  return %dq, %dk, %dv : tensor<1x2x20x64xbf16>, tensor<1x1x70x64xbf16>, tensor<1x1x70x64xbf16>
}

// CHECK: @bwd_f16_window result 0 (dq 1x4x50x32xf16): {{.*}} PASS
// CHECK: @bwd_f16_window result 1 (dk 1x1x40x32xf16): {{.*}} PASS
// CHECK: @bwd_f16_window result 2 (dv 1x1x40x32xf16): {{.*}} PASS
func.func @bwd_f16_window(%q: tensor<1x4x50x32xf16>, %k: tensor<1x1x40x32xf16>, %v: tensor<1x1x40x32xf16>, %o: tensor<1x4x50x32xf16>, %do: tensor<1x4x50x32xf16>, %lse: tensor<1x4x50xf32>) -> (tensor<1x4x50x32xf16>, tensor<1x1x40x32xf16>, tensor<1x1x40x32xf16>) {
  %dq, %dk, %dv = attn.mha_bwd %q, %k, %v, %o, %do, %lse {window_left = 6 : i64, window_right = 6 : i64, dropout_p = 0.1 : f32, seed = 8589934597 : i64} : (tensor<1x4x50x32xf16>, tensor<1x1x40x32xf16>, tensor<1x1x40x32xf16>, tensor<1x4x50x32xf16>, tensor<1x4x50x32xf16>, tensor<1x4x50xf32>) -> (tensor<1x4x50x32xf16>, tensor<1x1x40x32xf16>, tensor<1x1x40x32xf16>)
  return %dq, %dk, %dv : tensor<1x4x50x32xf16>, tensor<1x1x40x32xf16>, tensor<1x1x40x32xf16>
}

// CHECK: @bwd_varlen_f32 result 0 (dq 61x8x32xf32): {{.*}} PASS
// CHECK: @bwd_varlen_f32 result 1 (dk 47x2x32xf32): {{.*}} PASS
// CHECK: @bwd_varlen_f32 result 2 (dv 47x2x32xf32): {{.*}} PASS
func.func @bwd_varlen_f32(%q: tensor<61x8x32xf32>, %k: tensor<47x2x32xf32>, %v: tensor<47x2x32xf32>, %o: tensor<61x8x32xf32>, %do: tensor<61x8x32xf32>, %lse: tensor<8x61xf32>, %cq: tensor<5xi32>, %ck: tensor<5xi32>) -> (tensor<61x8x32xf32>, tensor<47x2x32xf32>, tensor<47x2x32xf32>) {
  %dq, %dk, %dv = attn.mha_varlen_bwd %q, %k, %v, %o, %do, %lse, %cq, %ck {causal, dropout_p = 0.2 : f32, seed = 3 : i64, offset = 100 : i64} : (tensor<61x8x32xf32>, tensor<47x2x32xf32>, tensor<47x2x32xf32>, tensor<61x8x32xf32>, tensor<61x8x32xf32>, tensor<8x61xf32>, tensor<5xi32>, tensor<5xi32>) -> (tensor<61x8x32xf32>, tensor<47x2x32xf32>, tensor<47x2x32xf32>)
  return %dq, %dk, %dv : tensor<61x8x32xf32>, tensor<47x2x32xf32>, tensor<47x2x32xf32>
}
