// SAGE-style quantized attention (issue 16 part 3, docs/fp8.md "SAGE") on the
// CPU against attn-run's double reference, which dequantizes the inputs as the
// op defines them (q rows times their block's q_descale, k rows times their
// block's k_descale plus k_mean, v channels times v_descale; its own fp8
// decoder) and runs the attention of those tensors. i8 q and k are
// normal(0, 48) saturating at +-127, their descales uniform in [0.5, 2) / 64.
// QK^T is exact (i8 x i8 into i32), so the bf16 / f16 tolerance applies. Scale
// blocks that differ from the tiles (smaller, larger, not multiples), sizes
// that are not tile or block multiples, causal and not, GQA, Sq = 1, k_mean
// (lse moves by the smoothing term; out does not), alibi, windows, sinks
// without k_mean, softcap without k_mean, varlen with per-sequence blocks and
// an empty sequence.
// RUN: attn-run %s --target=cpu | FileCheck %s --check-prefix=FLASH
// RUN: attn-run %s --target=cpu --reference | FileCheck %s --check-prefix=FLASH
// RUN: attn-run %s --target=cpu '--pipeline=attn-to-cpu{isa=generic}' | FileCheck %s --check-prefix=FLASH
// The GPUs' padded tiles and schedule run on the CPU, each chip's v in its format:
// RUN: sed s/xf8E4M3FNUZ/xf8E4M3FN/g %s > %t.fn.mlir
// RUN: attn-run %t.fn.mlir --target=cpu '--pipeline=attn-to-cpu{tiles=sm_90a sw-pipeline=true}' | FileCheck %s --check-prefix=FLASH
// RUN: sed s/xf8E4M3FN/xf8E4M3FNUZ/g %t.fn.mlir > %t.fnuz.mlir
// RUN: attn-run %t.fnuz.mlir --target=cpu '--pipeline=attn-to-cpu{tiles=gfx942}' | FileCheck %s --check-prefix=FLASH

// GQA, causal, Sq < Sk, q blocks of 64 rows (several CPU tiles of 16 rows
// each), k blocks of 32 keys (several per 128-key tile), k_mean, lse.
// FLASH: @mha_causal_kmean result 0 (out {{.*}}): {{.*}} PASS
// FLASH: @mha_causal_kmean result 1 (lse {{.*}}): {{.*}} PASS
func.func @mha_causal_kmean(%q: tensor<2x4x100x64xi8>, %k: tensor<2x2x77x64xi8>, %v: tensor<2x2x77x64xf8E4M3FN>, %qd: tensor<2x4x2xf32>, %kd: tensor<2x2x3xf32>, %vd: tensor<2x2x64xf32>, %km: tensor<2x2x64xf32>) -> (tensor<2x4x100x64xbf16>, tensor<2x4x100xf32>) {
  %o, %l = attn.mha %q, %k, %v descale(%qd, %kd, %vd) k_mean(%km) {causal, q_scale_block = 64 : i64, k_scale_block = 32 : i64} : (tensor<2x4x100x64xi8>, tensor<2x2x77x64xi8>, tensor<2x2x77x64xf8E4M3FN>, tensor<2x4x2xf32>, tensor<2x2x3xf32>, tensor<2x2x64xf32>, tensor<2x2x64xf32>) -> (tensor<2x4x100x64xbf16>, tensor<2x4x100xf32>)
  return %o, %l : tensor<2x4x100x64xbf16>, tensor<2x4x100xf32>
}

// Not causal, odd scale blocks (7 rows, 5 keys: several per tile), f16,
// e4m3fnuz v, Dv != D.
// FLASH: @mha_odd_blocks result 0 (out {{.*}}): {{.*}} PASS
// FLASH: @mha_odd_blocks result 1 (lse {{.*}}): {{.*}} PASS
func.func @mha_odd_blocks(%q: tensor<1x3x45x32xi8>, %k: tensor<1x3x51x32xi8>, %v: tensor<1x3x51x48xf8E4M3FNUZ>, %qd: tensor<1x3x7xf32>, %kd: tensor<1x3x11xf32>, %vd: tensor<1x3x48xf32>) -> (tensor<1x3x45x48xf16>, tensor<1x3x45xf32>) {
  %o, %l = attn.mha %q, %k, %v descale(%qd, %kd, %vd) {q_scale_block = 7 : i64, k_scale_block = 5 : i64} : (tensor<1x3x45x32xi8>, tensor<1x3x51x32xi8>, tensor<1x3x51x48xf8E4M3FNUZ>, tensor<1x3x7xf32>, tensor<1x3x11xf32>, tensor<1x3x48xf32>) -> (tensor<1x3x45x48xf16>, tensor<1x3x45xf32>)
  return %o, %l : tensor<1x3x45x48xf16>, tensor<1x3x45xf32>
}

// Sq = 1 (decode), MQA, one block for all keys (k_scale_block > Sk), k_mean.
// FLASH: @mha_decode result 0 (out {{.*}}): {{.*}} PASS
// FLASH: @mha_decode result 1 (lse {{.*}}): {{.*}} PASS
func.func @mha_decode(%q: tensor<3x8x1x64xi8>, %k: tensor<3x1x200x64xi8>, %v: tensor<3x1x200x64xf8E4M3FN>, %qd: tensor<3x8x1xf32>, %kd: tensor<3x1x1xf32>, %vd: tensor<3x1x64xf32>, %km: tensor<3x1x64xf32>) -> (tensor<3x8x1x64xbf16>, tensor<3x8x1xf32>) {
  %o, %l = attn.mha %q, %k, %v descale(%qd, %kd, %vd) k_mean(%km) {causal, q_scale_block = 128 : i64, k_scale_block = 256 : i64} : (tensor<3x8x1x64xi8>, tensor<3x1x200x64xi8>, tensor<3x1x200x64xf8E4M3FN>, tensor<3x8x1xf32>, tensor<3x1x1xf32>, tensor<3x1x64xf32>, tensor<3x1x64xf32>) -> (tensor<3x8x1x64xbf16>, tensor<3x8x1xf32>)
  return %o, %l : tensor<3x8x1x64xbf16>, tensor<3x8x1xf32>
}

// Alibi, sliding window, sinks (no k_mean), scale attribute.
// FLASH: @mha_window_sinks result 0 (out {{.*}}): {{.*}} PASS
// FLASH: @mha_window_sinks result 1 (lse {{.*}}): {{.*}} PASS
func.func @mha_window_sinks(%q: tensor<2x2x70x64xi8>, %k: tensor<2x2x70x64xi8>, %v: tensor<2x2x70x64xf8E4M3FN>, %a: tensor<2xf32>, %s: tensor<2xf32>, %qd: tensor<2x2x5xf32>, %kd: tensor<2x2x3xf32>, %vd: tensor<2x2x64xf32>) -> (tensor<2x2x70x64xbf16>, tensor<2x2x70xf32>) {
  %o, %l = attn.mha %q, %k, %v alibi(%a) sinks(%s) descale(%qd, %kd, %vd) {window_left = 20 : i64, window_right = 5 : i64, scale = 0.1 : f32, q_scale_block = 16 : i64, k_scale_block = 32 : i64} : (tensor<2x2x70x64xi8>, tensor<2x2x70x64xi8>, tensor<2x2x70x64xf8E4M3FN>, tensor<2xf32>, tensor<2xf32>, tensor<2x2x5xf32>, tensor<2x2x3xf32>, tensor<2x2x64xf32>) -> (tensor<2x2x70x64xbf16>, tensor<2x2x70xf32>)
  return %o, %l : tensor<2x2x70x64xbf16>, tensor<2x2x70xf32>
}

// Softcap without k_mean.
// FLASH: @mha_softcap result 0 (out {{.*}}): {{.*}} PASS
func.func @mha_softcap(%q: tensor<1x2x33x64xi8>, %k: tensor<1x2x40x64xi8>, %v: tensor<1x2x40x64xf8E4M3FN>, %qd: tensor<1x2x3xf32>, %kd: tensor<1x2x1xf32>, %vd: tensor<1x2x64xf32>) -> tensor<1x2x33x64xbf16> {
  %o = attn.mha %q, %k, %v descale(%qd, %kd, %vd) {softcap = 5.0 : f32, q_scale_block = 16 : i64, k_scale_block = 64 : i64} : (tensor<1x2x33x64xi8>, tensor<1x2x40x64xi8>, tensor<1x2x40x64xf8E4M3FN>, tensor<1x2x3xf32>, tensor<1x2x1xf32>, tensor<1x2x64xf32>) -> tensor<1x2x33x64xbf16>
  return %o : tensor<1x2x33x64xbf16>
}

// Varlen, causal, GQA, k_mean per sequence, blocks local to each sequence
// (NQB / NKB cover the longest sequence: 90 tokens in all).
// FLASH: @varlen_causal result 0 (out {{.*}}): {{.*}} PASS
// FLASH: @varlen_causal result 1 (lse {{.*}}): {{.*}} PASS
func.func @varlen_causal(%q: tensor<90x4x64xi8>, %k: tensor<120x2x64xi8>, %v: tensor<120x2x64xf8E4M3FN>, %cq: tensor<4xi32>, %ck: tensor<4xi32>, %qd: tensor<3x4x6xf32>, %kd: tensor<3x2x4xf32>, %vd: tensor<3x2x64xf32>, %km: tensor<3x2x64xf32>) -> (tensor<90x4x64xbf16>, tensor<4x90xf32>) {
  %o, %l = attn.mha_varlen %q, %k, %v, %cq, %ck descale(%qd, %kd, %vd) k_mean(%km) {causal, q_scale_block = 16 : i64, k_scale_block = 32 : i64} : (tensor<90x4x64xi8>, tensor<120x2x64xi8>, tensor<120x2x64xf8E4M3FN>, tensor<4xi32>, tensor<4xi32>, tensor<3x4x6xf32>, tensor<3x2x4xf32>, tensor<3x2x64xf32>, tensor<3x2x64xf32>) -> (tensor<90x4x64xbf16>, tensor<4x90xf32>)
  return %o, %l : tensor<90x4x64xbf16>, tensor<4x90xf32>
}

// Varlen, not causal, odd blocks, f16, e4m3fnuz.
// FLASH: @varlen_plain result 0 (out {{.*}}): {{.*}} PASS
// FLASH: @varlen_plain result 1 (lse {{.*}}): {{.*}} PASS
func.func @varlen_plain(%q: tensor<61x2x32xi8>, %k: tensor<75x1x32xi8>, %v: tensor<75x1x32xf8E4M3FNUZ>, %cq: tensor<3xi32>, %ck: tensor<3xi32>, %qd: tensor<2x2x11xf32>, %kd: tensor<2x1x25xf32>, %vd: tensor<2x1x32xf32>) -> (tensor<61x2x32xf16>, tensor<2x61xf32>) {
  %o, %l = attn.mha_varlen %q, %k, %v, %cq, %ck descale(%qd, %kd, %vd) {q_scale_block = 6 : i64, k_scale_block = 3 : i64} : (tensor<61x2x32xi8>, tensor<75x1x32xi8>, tensor<75x1x32xf8E4M3FNUZ>, tensor<3xi32>, tensor<3xi32>, tensor<2x2x11xf32>, tensor<2x1x25xf32>, tensor<2x1x32xf32>) -> (tensor<61x2x32xf16>, tensor<2x61xf32>)
  return %o, %l : tensor<61x2x32xf16>, tensor<2x61xf32>
}
