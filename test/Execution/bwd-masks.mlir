// attn.mha_bwd with masks and logit modifiers, against the exact gradient
// (see bwd-dtypes.mlir): sliding windows that mask whole rows (causal with
// window_left = 0: one key per row; causal with Sq > Sk) and whole tiles
// (a narrow window over 300 x 400: most query tiles of a key tile are never
// visited), softcap (its tanh derivative), alibi (no gradient), both at once;
// Sq and Sk in {0, 1, 17, 1000}.
// RUN: attn-run %s --target=cpu | FileCheck %s
// The sm_90a tiling of the backward (config/sm_90a-MHA-BWD.json) on the CPU:
// RUN: attn-run %s --target=cpu '--pipeline=attn-to-cpu{tiles=sm_90a}' | FileCheck %s
// The AMD tilings (config/gfx942-MHA-BWD.json, gfx950-MHA-BWD.json):
// RUN: attn-run %s --target=cpu '--pipeline=attn-to-cpu{tiles=gfx942}' | FileCheck %s
// RUN: attn-run %s --target=cpu '--pipeline=attn-to-cpu{tiles=gfx950}' | FileCheck %s
// RUN: attn-run %s --target=cpu '--pipeline=attn-to-cpu{isa=generic}' | FileCheck %s
// Small tiles (5 keys per dK/dV program, 3 queries per tile): many masked,
// unmasked and skipped ranges on short sequences.
// RUN: attn-run %s --target=cpu '--pipeline=attn-to-cpu{block-m=5 block-n=3}' | FileCheck %s
// The reference lowering (attn-lower-reference) of the same ops:
// RUN: attn-run %s --target=cpu --reference | FileCheck %s

// CHECK: seed=
// CHECK: @diagonal_only result 0 (dq 1x2x40x32xf32): {{.*}} PASS
// CHECK: @diagonal_only result 1 (dk 1x1x40x32xf32): {{.*}} PASS
// CHECK: @diagonal_only result 2 (dv 1x1x40x32xf32): {{.*}} PASS
func.func @diagonal_only(%q: tensor<1x2x40x32xf32>, %k: tensor<1x1x40x32xf32>, %v: tensor<1x1x40x32xf32>, %o: tensor<1x2x40x32xf32>, %do: tensor<1x2x40x32xf32>, %lse: tensor<1x2x40xf32>) -> (tensor<1x2x40x32xf32>, tensor<1x1x40x32xf32>, tensor<1x1x40x32xf32>) {
  %dq, %dk, %dv = attn.mha_bwd %q, %k, %v, %o, %do, %lse {causal, window_left = 0 : i64} : (tensor<1x2x40x32xf32>, tensor<1x1x40x32xf32>, tensor<1x1x40x32xf32>, tensor<1x2x40x32xf32>, tensor<1x2x40x32xf32>, tensor<1x2x40xf32>) -> (tensor<1x2x40x32xf32>, tensor<1x1x40x32xf32>, tensor<1x1x40x32xf32>)
  return %dq, %dk, %dv : tensor<1x2x40x32xf32>, tensor<1x1x40x32xf32>, tensor<1x1x40x32xf32>
}

// CHECK: @rows_without_keys result 0 (dq 1x2x50x32xf32): {{.*}} PASS
// CHECK: @rows_without_keys result 1 (dk 1x1x20x32xf32): {{.*}} PASS
// CHECK: @rows_without_keys result 2 (dv 1x1x20x32xf32): {{.*}} PASS
func.func @rows_without_keys(%q: tensor<1x2x50x32xf32>, %k: tensor<1x1x20x32xf32>, %v: tensor<1x1x20x32xf32>, %o: tensor<1x2x50x32xf32>, %do: tensor<1x2x50x32xf32>, %lse: tensor<1x2x50xf32>) -> (tensor<1x2x50x32xf32>, tensor<1x1x20x32xf32>, tensor<1x1x20x32xf32>) {
  %dq, %dk, %dv = attn.mha_bwd %q, %k, %v, %o, %do, %lse {causal} : (tensor<1x2x50x32xf32>, tensor<1x1x20x32xf32>, tensor<1x1x20x32xf32>, tensor<1x2x50x32xf32>, tensor<1x2x50x32xf32>, tensor<1x2x50xf32>) -> (tensor<1x2x50x32xf32>, tensor<1x1x20x32xf32>, tensor<1x1x20x32xf32>)
  return %dq, %dk, %dv : tensor<1x2x50x32xf32>, tensor<1x1x20x32xf32>, tensor<1x1x20x32xf32>
}

// CHECK: @window_skips_tiles result 0 (dq 1x1x300x32xf32): {{.*}} PASS
// CHECK: @window_skips_tiles result 1 (dk 1x1x400x32xf32): {{.*}} PASS
// CHECK: @window_skips_tiles result 2 (dv 1x1x400x32xf32): {{.*}} PASS
func.func @window_skips_tiles(%q: tensor<1x1x300x32xf32>, %k: tensor<1x1x400x32xf32>, %v: tensor<1x1x400x32xf32>, %o: tensor<1x1x300x32xf32>, %do: tensor<1x1x300x32xf32>, %lse: tensor<1x1x300xf32>) -> (tensor<1x1x300x32xf32>, tensor<1x1x400x32xf32>, tensor<1x1x400x32xf32>) {
  %dq, %dk, %dv = attn.mha_bwd %q, %k, %v, %o, %do, %lse {window_left = 5 : i64, window_right = 3 : i64} : (tensor<1x1x300x32xf32>, tensor<1x1x400x32xf32>, tensor<1x1x400x32xf32>, tensor<1x1x300x32xf32>, tensor<1x1x300x32xf32>, tensor<1x1x300xf32>) -> (tensor<1x1x300x32xf32>, tensor<1x1x400x32xf32>, tensor<1x1x400x32xf32>)
  return %dq, %dk, %dv : tensor<1x1x300x32xf32>, tensor<1x1x400x32xf32>, tensor<1x1x400x32xf32>
}

// CHECK: @right_window_only result 0 (dq 1x2x33x32xbf16): {{.*}} PASS
// CHECK: @right_window_only result 1 (dk 1x2x70x32xbf16): {{.*}} PASS
// CHECK: @right_window_only result 2 (dv 1x2x70x32xbf16): {{.*}} PASS
func.func @right_window_only(%q: tensor<1x2x33x32xbf16>, %k: tensor<1x2x70x32xbf16>, %v: tensor<1x2x70x32xbf16>, %o: tensor<1x2x33x32xbf16>, %do: tensor<1x2x33x32xbf16>, %lse: tensor<1x2x33xf32>) -> (tensor<1x2x33x32xbf16>, tensor<1x2x70x32xbf16>, tensor<1x2x70x32xbf16>) {
  %dq, %dk, %dv = attn.mha_bwd %q, %k, %v, %o, %do, %lse {window_right = 0 : i64} : (tensor<1x2x33x32xbf16>, tensor<1x2x70x32xbf16>, tensor<1x2x70x32xbf16>, tensor<1x2x33x32xbf16>, tensor<1x2x33x32xbf16>, tensor<1x2x33xf32>) -> (tensor<1x2x33x32xbf16>, tensor<1x2x70x32xbf16>, tensor<1x2x70x32xbf16>)
  return %dq, %dk, %dv : tensor<1x2x33x32xbf16>, tensor<1x2x70x32xbf16>, tensor<1x2x70x32xbf16>
}

// CHECK: @softcap_causal_bf16 result 0 (dq 1x2x41x64xbf16): {{.*}} PASS
// CHECK: @softcap_causal_bf16 result 1 (dk 1x1x37x64xbf16): {{.*}} PASS
// CHECK: @softcap_causal_bf16 result 2 (dv 1x1x37x64xbf16): {{.*}} PASS
func.func @softcap_causal_bf16(%q: tensor<1x2x41x64xbf16>, %k: tensor<1x1x37x64xbf16>, %v: tensor<1x1x37x64xbf16>, %o: tensor<1x2x41x64xbf16>, %do: tensor<1x2x41x64xbf16>, %lse: tensor<1x2x41xf32>) -> (tensor<1x2x41x64xbf16>, tensor<1x1x37x64xbf16>, tensor<1x1x37x64xbf16>) {
  %dq, %dk, %dv = attn.mha_bwd %q, %k, %v, %o, %do, %lse {causal, softcap = 10.0 : f32} : (tensor<1x2x41x64xbf16>, tensor<1x1x37x64xbf16>, tensor<1x1x37x64xbf16>, tensor<1x2x41x64xbf16>, tensor<1x2x41x64xbf16>, tensor<1x2x41xf32>) -> (tensor<1x2x41x64xbf16>, tensor<1x1x37x64xbf16>, tensor<1x1x37x64xbf16>)
  return %dq, %dk, %dv : tensor<1x2x41x64xbf16>, tensor<1x1x37x64xbf16>, tensor<1x1x37x64xbf16>
}

// CHECK: @softcap_f32 result 0 (dq 1x2x20x32xf32): {{.*}} PASS
// CHECK: @softcap_f32 result 1 (dk 1x2x45x32xf32): {{.*}} PASS
// CHECK: @softcap_f32 result 2 (dv 1x2x45x32xf32): {{.*}} PASS
func.func @softcap_f32(%q: tensor<1x2x20x32xf32>, %k: tensor<1x2x45x32xf32>, %v: tensor<1x2x45x32xf32>, %o: tensor<1x2x20x32xf32>, %do: tensor<1x2x20x32xf32>, %lse: tensor<1x2x20xf32>) -> (tensor<1x2x20x32xf32>, tensor<1x2x45x32xf32>, tensor<1x2x45x32xf32>) {
  %dq, %dk, %dv = attn.mha_bwd %q, %k, %v, %o, %do, %lse {softcap = 2.0 : f32, scale = 0.5 : f32} : (tensor<1x2x20x32xf32>, tensor<1x2x45x32xf32>, tensor<1x2x45x32xf32>, tensor<1x2x20x32xf32>, tensor<1x2x20x32xf32>, tensor<1x2x20xf32>) -> (tensor<1x2x20x32xf32>, tensor<1x2x45x32xf32>, tensor<1x2x45x32xf32>)
  return %dq, %dk, %dv : tensor<1x2x20x32xf32>, tensor<1x2x45x32xf32>, tensor<1x2x45x32xf32>
}

// CHECK: @alibi_causal_f32 result 0 (dq 1x4x38x32xf32): {{.*}} PASS
// CHECK: @alibi_causal_f32 result 1 (dk 1x2x38x32xf32): {{.*}} PASS
// CHECK: @alibi_causal_f32 result 2 (dv 1x2x38x32xf32): {{.*}} PASS
func.func @alibi_causal_f32(%q: tensor<1x4x38x32xf32>, %k: tensor<1x2x38x32xf32>, %v: tensor<1x2x38x32xf32>, %o: tensor<1x4x38x32xf32>, %do: tensor<1x4x38x32xf32>, %lse: tensor<1x4x38xf32>, %s: tensor<4xf32>) -> (tensor<1x4x38x32xf32>, tensor<1x2x38x32xf32>, tensor<1x2x38x32xf32>) {
  %dq, %dk, %dv = attn.mha_bwd %q, %k, %v, %o, %do, %lse alibi(%s) {causal} : (tensor<1x4x38x32xf32>, tensor<1x2x38x32xf32>, tensor<1x2x38x32xf32>, tensor<1x4x38x32xf32>, tensor<1x4x38x32xf32>, tensor<1x4x38xf32>, tensor<4xf32>) -> (tensor<1x4x38x32xf32>, tensor<1x2x38x32xf32>, tensor<1x2x38x32xf32>)
  return %dq, %dk, %dv : tensor<1x4x38x32xf32>, tensor<1x2x38x32xf32>, tensor<1x2x38x32xf32>
}

// CHECK: @alibi_softcap_window_f16 result 0 (dq 1x4x45x64xf16): {{.*}} PASS
// CHECK: @alibi_softcap_window_f16 result 1 (dk 1x1x60x64xf16): {{.*}} PASS
// CHECK: @alibi_softcap_window_f16 result 2 (dv 1x1x60x64xf16): {{.*}} PASS
func.func @alibi_softcap_window_f16(%q: tensor<1x4x45x64xf16>, %k: tensor<1x1x60x64xf16>, %v: tensor<1x1x60x64xf16>, %o: tensor<1x4x45x64xf16>, %do: tensor<1x4x45x64xf16>, %lse: tensor<1x4x45xf32>, %s: tensor<4xf32>) -> (tensor<1x4x45x64xf16>, tensor<1x1x60x64xf16>, tensor<1x1x60x64xf16>) {
  %dq, %dk, %dv = attn.mha_bwd %q, %k, %v, %o, %do, %lse alibi(%s) {softcap = 15.0 : f32, window_left = 20 : i64, window_right = 4 : i64} : (tensor<1x4x45x64xf16>, tensor<1x1x60x64xf16>, tensor<1x1x60x64xf16>, tensor<1x4x45x64xf16>, tensor<1x4x45x64xf16>, tensor<1x4x45xf32>, tensor<4xf32>) -> (tensor<1x4x45x64xf16>, tensor<1x1x60x64xf16>, tensor<1x1x60x64xf16>)
  return %dq, %dk, %dv : tensor<1x4x45x64xf16>, tensor<1x1x60x64xf16>, tensor<1x1x60x64xf16>
}

// CHECK: @sq0_sk17 result 0 (dq 1x2x0x32xf32): {{.*}} PASS
// CHECK: @sq0_sk17 result 1 (dk 1x1x17x32xf32): {{.*}} PASS
// CHECK: @sq0_sk17 result 2 (dv 1x1x17x32xf32): {{.*}} PASS
func.func @sq0_sk17(%q: tensor<1x2x0x32xf32>, %k: tensor<1x1x17x32xf32>, %v: tensor<1x1x17x32xf32>, %o: tensor<1x2x0x32xf32>, %do: tensor<1x2x0x32xf32>, %lse: tensor<1x2x0xf32>) -> (tensor<1x2x0x32xf32>, tensor<1x1x17x32xf32>, tensor<1x1x17x32xf32>) {
  %dq, %dk, %dv = attn.mha_bwd %q, %k, %v, %o, %do, %lse {causal} : (tensor<1x2x0x32xf32>, tensor<1x1x17x32xf32>, tensor<1x1x17x32xf32>, tensor<1x2x0x32xf32>, tensor<1x2x0x32xf32>, tensor<1x2x0xf32>) -> (tensor<1x2x0x32xf32>, tensor<1x1x17x32xf32>, tensor<1x1x17x32xf32>)
  return %dq, %dk, %dv : tensor<1x2x0x32xf32>, tensor<1x1x17x32xf32>, tensor<1x1x17x32xf32>
}

// CHECK: @sq17_sk0 result 0 (dq 1x2x17x32xf32): {{.*}} PASS
// CHECK: @sq17_sk0 result 1 (dk 1x1x0x32xf32): {{.*}} PASS
// CHECK: @sq17_sk0 result 2 (dv 1x1x0x32xf32): {{.*}} PASS
func.func @sq17_sk0(%q: tensor<1x2x17x32xf32>, %k: tensor<1x1x0x32xf32>, %v: tensor<1x1x0x32xf32>, %o: tensor<1x2x17x32xf32>, %do: tensor<1x2x17x32xf32>, %lse: tensor<1x2x17xf32>) -> (tensor<1x2x17x32xf32>, tensor<1x1x0x32xf32>, tensor<1x1x0x32xf32>) {
  %dq, %dk, %dv = attn.mha_bwd %q, %k, %v, %o, %do, %lse {causal} : (tensor<1x2x17x32xf32>, tensor<1x1x0x32xf32>, tensor<1x1x0x32xf32>, tensor<1x2x17x32xf32>, tensor<1x2x17x32xf32>, tensor<1x2x17xf32>) -> (tensor<1x2x17x32xf32>, tensor<1x1x0x32xf32>, tensor<1x1x0x32xf32>)
  return %dq, %dk, %dv : tensor<1x2x17x32xf32>, tensor<1x1x0x32xf32>, tensor<1x1x0x32xf32>
}

// CHECK: @sq1_sk1 result 0 (dq 1x2x1x32xbf16): {{.*}} PASS
// CHECK: @sq1_sk1 result 1 (dk 1x1x1x32xbf16): {{.*}} PASS
// CHECK: @sq1_sk1 result 2 (dv 1x1x1x32xbf16): {{.*}} PASS
func.func @sq1_sk1(%q: tensor<1x2x1x32xbf16>, %k: tensor<1x1x1x32xbf16>, %v: tensor<1x1x1x32xbf16>, %o: tensor<1x2x1x32xbf16>, %do: tensor<1x2x1x32xbf16>, %lse: tensor<1x2x1xf32>) -> (tensor<1x2x1x32xbf16>, tensor<1x1x1x32xbf16>, tensor<1x1x1x32xbf16>) {
  %dq, %dk, %dv = attn.mha_bwd %q, %k, %v, %o, %do, %lse {causal} : (tensor<1x2x1x32xbf16>, tensor<1x1x1x32xbf16>, tensor<1x1x1x32xbf16>, tensor<1x2x1x32xbf16>, tensor<1x2x1x32xbf16>, tensor<1x2x1xf32>) -> (tensor<1x2x1x32xbf16>, tensor<1x1x1x32xbf16>, tensor<1x1x1x32xbf16>)
  return %dq, %dk, %dv : tensor<1x2x1x32xbf16>, tensor<1x1x1x32xbf16>, tensor<1x1x1x32xbf16>
}

// CHECK: @sq1_sk1000 result 0 (dq 1x2x1x64xbf16): {{.*}} PASS
// CHECK: @sq1_sk1000 result 1 (dk 1x2x1000x64xbf16): {{.*}} PASS
// CHECK: @sq1_sk1000 result 2 (dv 1x2x1000x64xbf16): {{.*}} PASS
func.func @sq1_sk1000(%q: tensor<1x2x1x64xbf16>, %k: tensor<1x2x1000x64xbf16>, %v: tensor<1x2x1000x64xbf16>, %o: tensor<1x2x1x64xbf16>, %do: tensor<1x2x1x64xbf16>, %lse: tensor<1x2x1xf32>) -> (tensor<1x2x1x64xbf16>, tensor<1x2x1000x64xbf16>, tensor<1x2x1000x64xbf16>) {
  %dq, %dk, %dv = attn.mha_bwd %q, %k, %v, %o, %do, %lse : (tensor<1x2x1x64xbf16>, tensor<1x2x1000x64xbf16>, tensor<1x2x1000x64xbf16>, tensor<1x2x1x64xbf16>, tensor<1x2x1x64xbf16>, tensor<1x2x1xf32>) -> (tensor<1x2x1x64xbf16>, tensor<1x2x1000x64xbf16>, tensor<1x2x1000x64xbf16>)
  return %dq, %dk, %dv : tensor<1x2x1x64xbf16>, tensor<1x2x1000x64xbf16>, tensor<1x2x1000x64xbf16>
}

// CHECK: @sq1000_sk1_causal result 0 (dq 1x2x1000x32xf16): {{.*}} PASS
// CHECK: @sq1000_sk1_causal result 1 (dk 1x1x1x32xf16): {{.*}} PASS
// CHECK: @sq1000_sk1_causal result 2 (dv 1x1x1x32xf16): {{.*}} PASS
func.func @sq1000_sk1_causal(%q: tensor<1x2x1000x32xf16>, %k: tensor<1x1x1x32xf16>, %v: tensor<1x1x1x32xf16>, %o: tensor<1x2x1000x32xf16>, %do: tensor<1x2x1000x32xf16>, %lse: tensor<1x2x1000xf32>) -> (tensor<1x2x1000x32xf16>, tensor<1x1x1x32xf16>, tensor<1x1x1x32xf16>) {
  %dq, %dk, %dv = attn.mha_bwd %q, %k, %v, %o, %do, %lse {causal} : (tensor<1x2x1000x32xf16>, tensor<1x1x1x32xf16>, tensor<1x1x1x32xf16>, tensor<1x2x1000x32xf16>, tensor<1x2x1000x32xf16>, tensor<1x2x1000xf32>) -> (tensor<1x2x1000x32xf16>, tensor<1x1x1x32xf16>, tensor<1x1x1x32xf16>)
  return %dq, %dk, %dv : tensor<1x2x1000x32xf16>, tensor<1x1x1x32xf16>, tensor<1x1x1x32xf16>
}

// CHECK: @sq17_sk1000_causal result 0 (dq 1x2x17x32xf32): {{.*}} PASS
// CHECK: @sq17_sk1000_causal result 1 (dk 1x1x1000x32xf32): {{.*}} PASS
// CHECK: @sq17_sk1000_causal result 2 (dv 1x1x1000x32xf32): {{.*}} PASS
func.func @sq17_sk1000_causal(%q: tensor<1x2x17x32xf32>, %k: tensor<1x1x1000x32xf32>, %v: tensor<1x1x1000x32xf32>, %o: tensor<1x2x17x32xf32>, %do: tensor<1x2x17x32xf32>, %lse: tensor<1x2x17xf32>) -> (tensor<1x2x17x32xf32>, tensor<1x1x1000x32xf32>, tensor<1x1x1000x32xf32>) {
  %dq, %dk, %dv = attn.mha_bwd %q, %k, %v, %o, %do, %lse {causal} : (tensor<1x2x17x32xf32>, tensor<1x1x1000x32xf32>, tensor<1x1x1000x32xf32>, tensor<1x2x17x32xf32>, tensor<1x2x17x32xf32>, tensor<1x2x17xf32>) -> (tensor<1x2x17x32xf32>, tensor<1x1x1000x32xf32>, tensor<1x1x1000x32xf32>)
  return %dq, %dk, %dv : tensor<1x2x17x32xf32>, tensor<1x1x1000x32xf32>, tensor<1x1x1000x32xf32>
}

// CHECK: @sq1000_sk17_causal result 0 (dq 1x2x1000x32xbf16): {{.*}} PASS
// CHECK: @sq1000_sk17_causal result 1 (dk 1x1x17x32xbf16): {{.*}} PASS
// CHECK: @sq1000_sk17_causal result 2 (dv 1x1x17x32xbf16): {{.*}} PASS
func.func @sq1000_sk17_causal(%q: tensor<1x2x1000x32xbf16>, %k: tensor<1x1x17x32xbf16>, %v: tensor<1x1x17x32xbf16>, %o: tensor<1x2x1000x32xbf16>, %do: tensor<1x2x1000x32xbf16>, %lse: tensor<1x2x1000xf32>) -> (tensor<1x2x1000x32xbf16>, tensor<1x1x17x32xbf16>, tensor<1x1x17x32xbf16>) {
  %dq, %dk, %dv = attn.mha_bwd %q, %k, %v, %o, %do, %lse {causal} : (tensor<1x2x1000x32xbf16>, tensor<1x1x17x32xbf16>, tensor<1x1x17x32xbf16>, tensor<1x2x1000x32xbf16>, tensor<1x2x1000x32xbf16>, tensor<1x2x1000xf32>) -> (tensor<1x2x1000x32xbf16>, tensor<1x1x17x32xbf16>, tensor<1x1x17x32xbf16>)
  return %dq, %dk, %dv : tensor<1x2x1000x32xbf16>, tensor<1x1x17x32xbf16>, tensor<1x1x17x32xbf16>
}

// CHECK: @sq1000_sk1000_causal result 0 (dq 1x1x1000x32xf32): {{.*}} PASS
// CHECK: @sq1000_sk1000_causal result 1 (dk 1x1x1000x32xf32): {{.*}} PASS
// CHECK: @sq1000_sk1000_causal result 2 (dv 1x1x1000x32xf32): {{.*}} PASS
func.func @sq1000_sk1000_causal(%q: tensor<1x1x1000x32xf32>, %k: tensor<1x1x1000x32xf32>, %v: tensor<1x1x1000x32xf32>, %o: tensor<1x1x1000x32xf32>, %do: tensor<1x1x1000x32xf32>, %lse: tensor<1x1x1000xf32>) -> (tensor<1x1x1000x32xf32>, tensor<1x1x1000x32xf32>, tensor<1x1x1000x32xf32>) {
  %dq, %dk, %dv = attn.mha_bwd %q, %k, %v, %o, %do, %lse {causal} : (tensor<1x1x1000x32xf32>, tensor<1x1x1000x32xf32>, tensor<1x1x1000x32xf32>, tensor<1x1x1000x32xf32>, tensor<1x1x1000x32xf32>, tensor<1x1x1000xf32>) -> (tensor<1x1x1000x32xf32>, tensor<1x1x1000x32xf32>, tensor<1x1x1000x32xf32>)
  return %dq, %dk, %dv : tensor<1x1x1000x32xf32>, tensor<1x1x1000x32xf32>, tensor<1x1x1000x32xf32>
}

// CHECK: @sq1_sk17_causal result 0 (dq 1x2x1x32xf16): {{.*}} PASS
// CHECK: @sq1_sk17_causal result 1 (dk 1x1x17x32xf16): {{.*}} PASS
// CHECK: @sq1_sk17_causal result 2 (dv 1x1x17x32xf16): {{.*}} PASS
func.func @sq1_sk17_causal(%q: tensor<1x2x1x32xf16>, %k: tensor<1x1x17x32xf16>, %v: tensor<1x1x17x32xf16>, %o: tensor<1x2x1x32xf16>, %do: tensor<1x2x1x32xf16>, %lse: tensor<1x2x1xf32>) -> (tensor<1x2x1x32xf16>, tensor<1x1x17x32xf16>, tensor<1x1x17x32xf16>) {
  %dq, %dk, %dv = attn.mha_bwd %q, %k, %v, %o, %do, %lse {causal} : (tensor<1x2x1x32xf16>, tensor<1x1x17x32xf16>, tensor<1x1x17x32xf16>, tensor<1x2x1x32xf16>, tensor<1x2x1x32xf16>, tensor<1x2x1xf32>) -> (tensor<1x2x1x32xf16>, tensor<1x1x17x32xf16>, tensor<1x1x17x32xf16>)
  return %dq, %dk, %dv : tensor<1x2x1x32xf16>, tensor<1x1x17x32xf16>, tensor<1x1x17x32xf16>
}

// CHECK: @sq17_sk1 result 0 (dq 1x2x17x32xf32): {{.*}} PASS
// CHECK: @sq17_sk1 result 1 (dk 1x2x1x32xf32): {{.*}} PASS
// CHECK: @sq17_sk1 result 2 (dv 1x2x1x32xf32): {{.*}} PASS
func.func @sq17_sk1(%q: tensor<1x2x17x32xf32>, %k: tensor<1x2x1x32xf32>, %v: tensor<1x2x1x32xf32>, %o: tensor<1x2x17x32xf32>, %do: tensor<1x2x17x32xf32>, %lse: tensor<1x2x17xf32>) -> (tensor<1x2x17x32xf32>, tensor<1x2x1x32xf32>, tensor<1x2x1x32xf32>) {
  %dq, %dk, %dv = attn.mha_bwd %q, %k, %v, %o, %do, %lse : (tensor<1x2x17x32xf32>, tensor<1x2x1x32xf32>, tensor<1x2x1x32xf32>, tensor<1x2x17x32xf32>, tensor<1x2x17x32xf32>, tensor<1x2x17xf32>) -> (tensor<1x2x17x32xf32>, tensor<1x2x1x32xf32>, tensor<1x2x1x32xf32>)
  return %dq, %dk, %dv : tensor<1x2x17x32xf32>, tensor<1x2x1x32xf32>, tensor<1x2x1x32xf32>
}
