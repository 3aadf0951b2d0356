// attn.mha_bwd over the issue's dtype x head-dim matrix: f32, f16, bf16 with D in
// {32, 64, 80, 128, 256} (causal and not, GQA 2/1, Sq != Sk, no multiple of a tile),
// against the exact gradient (see bwd-dtypes.mlir).
// RUN: attn-run %s --target=cpu | FileCheck %s
// The sm_90a tiling of the backward (config/sm_90a-MHA-BWD.json) on the CPU:
// RUN: attn-run %s --target=cpu '--pipeline=attn-to-cpu{tiles=sm_90a}' | FileCheck %s
// The AMD tilings (config/gfx942-MHA-BWD.json, gfx950-MHA-BWD.json):
// RUN: attn-run %s --target=cpu '--pipeline=attn-to-cpu{tiles=gfx942}' | FileCheck %s
// RUN: attn-run %s --target=cpu '--pipeline=attn-to-cpu{tiles=gfx950}' | FileCheck %s
// The reference lowering too (f32 accumulation, the softmax recomputed per row):
// RUN: attn-run %s --target=cpu --reference | FileCheck %s

// CHECK: seed=
// CHECK: @f32_d32 result 0 (dq 1x2x19x32xf32): {{.*}} PASS
// CHECK: @f32_d32 result 1 (dk 1x1x23x32xf32): {{.*}} PASS
// CHECK: @f32_d32 result 2 (dv 1x1x23x32xf32): {{.*}} PASS
func.func @f32_d32(%q: tensor<1x2x19x32xf32>, %k: tensor<1x1x23x32xf32>, %v: tensor<1x1x23x32xf32>, %o: tensor<1x2x19x32xf32>, %do: tensor<1x2x19x32xf32>, %lse: tensor<1x2x19xf32>) -> (tensor<1x2x19x32xf32>, tensor<1x1x23x32xf32>, tensor<1x1x23x32xf32>) {
  %dq, %dk, %dv = attn.mha_bwd %q, %k, %v, %o, %do, %lse {causal} : (tensor<1x2x19x32xf32>, tensor<1x1x23x32xf32>, tensor<1x1x23x32xf32>, tensor<1x2x19x32xf32>, tensor<1x2x19x32xf32>, tensor<1x2x19xf32>) -> (tensor<1x2x19x32xf32>, tensor<1x1x23x32xf32>, tensor<1x1x23x32xf32>)
  return %dq, %dk, %dv : tensor<1x2x19x32xf32>, tensor<1x1x23x32xf32>, tensor<1x1x23x32xf32>
}

// CHECK: @f32_d64 result 0 (dq 1x2x23x64xf32): {{.*}} PASS
// CHECK: @f32_d64 result 1 (dk 1x1x19x64xf32): {{.*}} PASS
// CHECK: @f32_d64 result 2 (dv 1x1x19x64xf32): {{.*}} PASS
func.func @f32_d64(%q: tensor<1x2x23x64xf32>, %k: tensor<1x1x19x64xf32>, %v: tensor<1x1x19x64xf32>, %o: tensor<1x2x23x64xf32>, %do: tensor<1x2x23x64xf32>, %lse: tensor<1x2x23xf32>) -> (tensor<1x2x23x64xf32>, tensor<1x1x19x64xf32>, tensor<1x1x19x64xf32>) {
  %dq, %dk, %dv = attn.mha_bwd %q, %k, %v, %o, %do, %lse : (tensor<1x2x23x64xf32>, tensor<1x1x19x64xf32>, tensor<1x1x19x64xf32>, tensor<1x2x23x64xf32>, tensor<1x2x23x64xf32>, tensor<1x2x23xf32>) -> (tensor<1x2x23x64xf32>, tensor<1x1x19x64xf32>, tensor<1x1x19x64xf32>)
  return %dq, %dk, %dv : tensor<1x2x23x64xf32>, tensor<1x1x19x64xf32>, tensor<1x1x19x64xf32>
}

// CHECK: @f32_d80 result 0 (dq 1x2x19x80xf32): {{.*}} PASS
// CHECK: @f32_d80 result 1 (dk 1x1x23x80xf32): {{.*}} PASS
// CHECK: @f32_d80 result 2 (dv 1x1x23x80xf32): {{.*}} PASS
func.func @f32_d80(%q: tensor<1x2x19x80xf32>, %k: tensor<1x1x23x80xf32>, %v: tensor<1x1x23x80xf32>, %o: tensor<1x2x19x80xf32>, %do: tensor<1x2x19x80xf32>, %lse: tensor<1x2x19xf32>) -> (tensor<1x2x19x80xf32>, tensor<1x1x23x80xf32>, tensor<1x1x23x80xf32>) {
  %dq, %dk, %dv = attn.mha_bwd %q, %k, %v, %o, %do, %lse {causal} : (tensor<1x2x19x80xf32>, tensor<1x1x23x80xf32>, tensor<1x1x23x80xf32>, tensor<1x2x19x80xf32>, tensor<1x2x19x80xf32>, tensor<1x2x19xf32>) -> (tensor<1x2x19x80xf32>, tensor<1x1x23x80xf32>, tensor<1x1x23x80xf32>)
  return %dq, %dk, %dv : tensor<1x2x19x80xf32>, tensor<1x1x23x80xf32>, tensor<1x1x23x80xf32>
}

// CHECK: @f32_d128 result 0 (dq 1x2x23x128xf32): {{.*}} PASS
// CHECK: @f32_d128 result 1 (dk 1x1x19x128xf32): {{.*}} PASS
// CHECK: @f32_d128 result 2 (dv 1x1x19x128xf32): {{.*}} PASS
func.func @f32_d128(%q: tensor<1x2x23x128xf32>, %k: tensor<1x1x19x128xf32>, %v: tensor<1x1x19x128xf32>, %o: tensor<1x2x23x128xf32>, %do: tensor<1x2x23x128xf32>, %lse: tensor<1x2x23xf32>) -> (tensor<1x2x23x128xf32>, tensor<1x1x19x128xf32>, tensor<1x1x19x128xf32>) {
  %dq, %dk, %dv = attn.mha_bwd %q, %k, %v, %o, %do, %lse : (tensor<1x2x23x128xf32>, tensor<1x1x19x128xf32>, tensor<1x1x19x128xf32>, tensor<1x2x23x128xf32>, tensor<1x2x23x128xf32>, tensor<1x2x23xf32>) -> (tensor<1x2x23x128xf32>, tensor<1x1x19x128xf32>, tensor<1x1x19x128xf32>)
  return %dq, %dk, %dv : tensor<1x2x23x128xf32>, tensor<1x1x19x128xf32>, tensor<1x1x19x128xf32>
}

// CHECK: @f32_d256 result 0 (dq 1x2x19x256xf32): {{.*}} PASS
// CHECK: @f32_d256 result 1 (dk 1x1x23x256xf32): {{.*}} PASS
// CHECK: @f32_d256 result 2 (dv 1x1x23x256xf32): {{.*}} PASS
func.func @f32_d256(%q: tensor<1x2x19x256xf32>, %k: tensor<1x1x23x256xf32>, %v: tensor<1x1x23x256xf32>, %o: tensor<1x2x19x256xf32>, %do: tensor<1x2x19x256xf32>, %lse: tensor<1x2x19xf32>) -> (tensor<1x2x19x256xf32>, tensor<1x1x23x256xf32>, tensor<1x1x23x256xf32>) {
  %dq, %dk, %dv = attn.mha_bwd %q, %k, %v, %o, %do, %lse {causal} : (tensor<1x2x19x256xf32>, tensor<1x1x23x256xf32>, tensor<1x1x23x256xf32>, tensor<1x2x19x256xf32>, tensor<1x2x19x256xf32>, tensor<1x2x19xf32>) -> (tensor<1x2x19x256xf32>, tensor<1x1x23x256xf32>, tensor<1x1x23x256xf32>)
  return %dq, %dk, %dv : tensor<1x2x19x256xf32>, tensor<1x1x23x256xf32>, tensor<1x1x23x256xf32>
}

// CHECK: @f16_d32 result 0 (dq 1x2x23x32xf16): {{.*}} PASS
// CHECK: @f16_d32 result 1 (dk 1x1x19x32xf16): {{.*}} PASS
// CHECK: @f16_d32 result 2 (dv 1x1x19x32xf16): {{.*}} PASS
func.func @f16_d32(%q: tensor<1x2x23x32xf16>, %k: tensor<1x1x19x32xf16>, %v: tensor<1x1x19x32xf16>, %o: tensor<1x2x23x32xf16>, %do: tensor<1x2x23x32xf16>, %lse: tensor<1x2x23xf32>) -> (tensor<1x2x23x32xf16>, tensor<1x1x19x32xf16>, tensor<1x1x19x32xf16>) {
  %dq, %dk, %dv = attn.mha_bwd %q, %k, %v, %o, %do, %lse : (tensor<1x2x23x32xf16>, tensor<1x1x19x32xf16>, tensor<1x1x19x32xf16>, tensor<1x2x23x32xf16>, tensor<1x2x23x32xf16>, tensor<1x2x23xf32>) -> (tensor<1x2x23x32xf16>, tensor<1x1x19x32xf16>, tensor<1x1x19x32xf16>)
  return %dq, %dk, %dv : tensor<1x2x23x32xf16>, tensor<1x1x19x32xf16>, tensor<1x1x19x32xf16>
}

// CHECK: @f16_d64 result 0 (dq 1x2x19x64xf16): {{.*}} PASS
// CHECK: @f16_d64 result 1 (dk 1x1x23x64xf16): {{.*}} PASS
// CHECK: @f16_d64 result 2 (dv 1x1x23x64xf16): {{.*}} PASS
func.func @f16_d64(%q: tensor<1x2x19x64xf16>, %k: tensor<1x1x23x64xf16>, %v: tensor<1x1x23x64xf16>, %o: tensor<1x2x19x64xf16>, %do: tensor<1x2x19x64xf16>, %lse: tensor<1x2x19xf32>) -> (tensor<1x2x19x64xf16>, tensor<1x1x23x64xf16>, tensor<1x1x23x64xf16>) {
  %dq, %dk, %dv = attn.mha_bwd %q, %k, %v, %o, %do, %lse {causal} : (tensor<1x2x19x64xf16>, tensor<1x1x23x64xf16>, tensor<1x1x23x64xf16>, tensor<1x2x19x64xf16>, tensor<1x2x19x64xf16>, tensor<1x2x19xf32>) -> (tensor<1x2x19x64xf16>, tensor<1x1x23x64xf16>, tensor<1x1x23x64xf16>)
  return %dq, %dk, %dv : tensor<1x2x19x64xf16>, tensor<1x1x23x64xf16>, tensor<1x1x23x64xf16>
}

// CHECK: @f16_d80 result 0 (dq 1x2x23x80xf16): {{.*}} PASS
// CHECK: @f16_d80 result 1 (dk 1x1x19x80xf16): {{.*}} PASS
// CHECK: @f16_d80 result 2 (dv 1x1x19x80xf16): {{.*}} PASS
func.func @f16_d80(%q: tensor<1x2x23x80xf16>, %k: tensor<1x1x19x80xf16>, %v: tensor<1x1x19x80xf16>, %o: tensor<1x2x23x80xf16>, %do: tensor<1x2x23x80xf16>, %lse: tensor<1x2x23xf32>) -> (tensor<1x2x23x80xf16>, tensor<1x1x19x80xf16>, tensor<1x1x19x80xf16>) {
  %dq, %dk, %dv = attn.mha_bwd %q, %k, %v, %o, %do, %lse : (tensor<1x2x23x80xf16>, tensor<1x1x19x80xf16>, tensor<1x1x19x80xf16>, tensor<1x2x23x80xf16>, tensor<1x2x23x80xf16>, tensor<1x2x23xf32>) -> (tensor<1x2x23x80xf16>, tensor<1x1x19x80xf16>, tensor<1x1x19x80xf16>)
  return %dq, %dk, %dv : tensor<1x2x23x80xf16>, tensor<1x1x19x80xf16>, tensor<1x1x19x80xf16>
}

// CHECK: @f16_d128 result 0 (dq 1x2x19x128xf16): {{.*}} PASS
// CHECK: @f16_d128 result 1 (dk 1x1x23x128xf16): {{.*}} PASS
// CHECK: @f16_d128 result 2 (dv 1x1x23x128xf16): {{.*}} PASS
func.func @f16_d128(%q: tensor<1x2x19x128xf16>, %k: tensor<1x1x23x128xf16>, %v: tensor<1x1x23x128xf16>, %o: tensor<1x2x19x128xf16>, %do: tensor<1x2x19x128xf16>, %lse: tensor<1x2x19xf32>) -> (tensor<1x2x19x128xf16>, tensor<1x1x23x128xf16>, tensor<1x1x23x128xf16>) {
  %dq, %dk, %dv = attn.mha_bwd %q, %k, %v, %o, %do, %lse {causal} : (tensor<1x2x19x128xf16>, tensor<1x1x23x128xf16>, tensor<1x1x23x128xf16>, tensor<1x2x19x128xf16>, tensor<1x2x19x128xf16>, tensor<1x2x19xf32>) -> (tensor<1x2x19x128xf16>, tensor<1x1x23x128xf16>, tensor<1x1x23x128xf16>)
  return %dq, %dk, %dv : tensor<1x2x19x128xf16>, tensor<1x1x23x128xf16>, tensor<1x1x23x128xf16>
}

// CHECK: @f16_d256 result 0 (dq 1x2x23x256xf16): {{.*}} PASS
// CHECK: @f16_d256 result 1 (dk 1x1x19x256xf16): {{.*}} PASS
// CHECK: @f16_d256 result 2 (dv 1x1x19x256xf16): {{.*}} PASS
func.func @f16_d256(%q: tensor<1x2x23x256xf16>, %k: tensor<1x1x19x256xf16>, %v: tensor<1x1x19x256xf16>, %o: tensor<1x2x23x256xf16>, %do: tensor<1x2x23x256xf16>, %lse: tensor<1x2x23xf32>) -> (tensor<1x2x23x256xf16>, tensor<1x1x19x256xf16>, tensor<1x1x19x256xf16>) {
  %dq, %dk, %dv = attn.mha_bwd %q, %k, %v, %o, %do, %lse : (tensor<1x2x23x256xf16>, tensor<1x1x19x256xf16>, tensor<1x1x19x256xf16>, tensor<1x2x23x256xf16>, tensor<1x2x23x256xf16>, tensor<1x2x23xf32>) -> (tensor<1x2x23x256xf16>, tensor<1x1x19x256xf16>, tensor<1x1x19x256xf16>)
  return %dq, %dk, %dv : tensor<1x2x23x256xf16>, tensor<1x1x19x256xf16>, tensor<1x1x19x256xf16>
}

// CHECK: @bf16_d32 result 0 (dq 1x2x19x32xbf16): {{.*}} PASS
// CHECK: @bf16_d32 result 1 (dk 1x1x23x32xbf16): {{.*}} PASS
// CHECK: @bf16_d32 result 2 (dv 1x1x23x32xbf16): {{.*}} PASS
func.func @bf16_d32(%q: tensor<1x2x19x32xbf16>, %k: tensor<1x1x23x32xbf16>, %v: tensor<1x1x23x32xbf16>, %o: tensor<1x2x19x32xbf16>, %do: tensor<1x2x19x32xbf16>, %lse: tensor<1x2x19xf32>) -> (tensor<1x2x19x32xbf16>, tensor<1x1x23x32xbf16>, tensor<1x1x23x32xbf16>) {
  %dq, %dk, %dv = attn.mha_bwd %q, %k, %v, %o, %do, %lse {causal} : (tensor<1x2x19x32xbf16>, tensor<1x1x23x32xbf16>, tensor<1x1x23x32xbf16>, tensor<1x2x19x32xbf16>, tensor<1x2x19x32xbf16>, tensor<1x2x19xf32>) -> (tensor<1x2x19x32xbf16>, tensor<1x1x23x32xbf16>, tensor<1x1x23x32xbf16>)
  return %dq, %dk, %dv : tensor<1x2x19x32xbf16>, tensor<1x1x23x32xbf16>, tensor<1x1x23x32xbf16>
}

// CHECK: @bf16_d64 result 0 (dq 1x2x23x64xbf16): {{.*}} PASS
// CHECK: @bf16_d64 result 1 (dk 1x1x19x64xbf16): {{.*}} PASS
// CHECK: @bf16_d64 result 2 (dv 1x1x19x64xbf16): {{.*}} PASS
func.func @bf16_d64(%q: tensor<1x2x23x64xbf16>, %k: tensor<1x1x19x64xbf16>, %v: tensor<1x1x19x64xbf16>, %o: tensor<1x2x23x64xbf16>, %do: tensor<1x2x23x64xbf16>, %lse: tensor<1x2x23xf32>) -> (tensor<1x2x23x64xbf16>, tensor<1x1x19x64xbf16>, tensor<1x1x19x64xbf16>) {
  %dq, %dk, %dv = attn.mha_bwd %q, %k, %v, %o, %do, %lse : (tensor<1x2x23x64xbf16>, tensor<1x1x19x64xbf16>, tensor<1x1x19x64xbf16>, tensor<1x2x23x64xbf16>, tensor<1x2x23x64xbf16>, tensor<1x2x23xf32>) -> (tensor<1x2x23x64xbf16>, tensor<1x1x19x64xbf16>, tensor<1x1x19x64xbf16>)
  return %dq, %dk, %dv : tensor<1x2x23x64xbf16>, tensor<1x1x19x64xbf16>, tensor<1x1x19x64xbf16>
}

// CHECK: @bf16_d80 result 0 (dq 1x2x19x80xbf16): {{.*}} PASS
// CHECK: @bf16_d80 result 1 (dk 1x1x23x80xbf16): {{.*}} PASS
// CHECK: @bf16_d80 result 2 (dv 1x1x23x80xbf16): {{.*}} PASS
func.func @bf16_d80(%q: tensor<1x2x19x80xbf16>, %k: tensor<1x1x23x80xbf16>, %v: tensor<1x1x23x80xbf16>, %o: tensor<1x2x19x80xbf16>, %do: tensor<1x2x19x80xbf16>, %lse: tensor<1x2x19xf32>) -> (tensor<1x2x19x80xbf16>, tensor<1x1x23x80xbf16>, tensor<1x1x23x80xbf16>) {
  %dq, %dk, %dv = attn.mha_bwd %q, %k, %v, %o, %do, %lse {causal} : (tensor<1x2x19x80xbf16>, tensor<1x1x23x80xbf16>, tensor<1x1x23x80xbf16>, tensor<1x2x19x80xbf16>, tensor<1x2x19x80xbf16>, tensor<1x2x19xf32>) -> (tensor<1x2x19x80xbf16>, tensor<1x1x23x80xbf16>, tensor<1x1x23x80xbf16>)
  return %dq, %dk, %dv : tensor<1x2x19x80xbf16>, tensor<1x1x23x80xbf16>, tensor<1x1x23x80xbf16>
}

// CHECK: @bf16_d128 result 0 (dq 1x2x23x128xbf16): {{.*}} PASS
// CHECK: @bf16_d128 result 1 (dk 1x1x19x128xbf16): {{.*}} PASS
// CHECK: @bf16_d128 result 2 (dv 1x1x19x128xbf16): {{.*}} PASS
func.func @bf16_d128(%q: tensor<1x2x23x128xbf16>, %k: tensor<1x1x19x128xbf16>, %v: tensor<1x1x19x128xbf16>, %o: tensor<1x2x23x128xbf16>, %do: tensor<1x2x23x128xbf16>, %lse: tensor<1x2x23xf32>) -> (tensor<1x2x23x128xbf16>, tensor<1x1x19x128xbf16>, tensor<1x1x19x128xbf16>) {
  %dq, %dk, %dv = attn.mha_bwd %q, %k, %v, %o, %do, %lse : (tensor<1x2x23x128xbf16>, tensor<1x1x19x128xbf16>, tensor<1x1x19x128xbf16>, tensor<1x2x23x128xbf16>, tensor<1x2x23x128xbf16>, tensor<1x2x23xf32>) -> (tensor<1x2x23x128xbf16>, tensor<1x1x19x128xbf16>, tensor<1x1x19x128xbf16>)
  return %dq, %dk, %dv : tensor<1x2x23x128xbf16>, tensor<1x1x19x128xbf16>, tensor<1x1x19x128xbf16>
}

// CHECK: @bf16_d256 result 0 (dq 1x2x19x256xbf16): {{.*}} PASS
// CHECK: @bf16_d256 result 1 (dk 1x1x23x256xbf16): {{.*}} PASS
// CHECK: @bf16_d256 result 2 (dv 1x1x23x256xbf16): {{.*}} PASS
func.func @bf16_d256(%q: tensor<1x2x19x256xbf16>, %k: tensor<1x1x23x256xbf16>, %v: tensor<1x1x23x256xbf16>, %o: tensor<1x2x19x256xbf16>, %do: tensor<1x2x19x256xbf16>, %lse: tensor<1x2x19xf32>) -> (tensor<1x2x19x256xbf16>, tensor<1x1x23x256xbf16>, tensor<1x1x23x256xbf16>) {
  %dq, %dk, %dv = attn.mha_bwd %q, %k, %v, %o, %do, %lse {causal} : (tensor<1x2x19x256xbf16>, tensor<1x1x23x256xbf16>, tensor<1x1x23x256xbf16>, tensor<1x2x19x256xbf16>, tensor<1x2x19x256xbf16>, tensor<1x2x19xf32>) -> (tensor<1x2x19x256xbf16>, tensor<1x1x23x256xbf16>, tensor<1x1x23x256xbf16>)
  return %dq, %dk, %dv : tensor<1x2x19x256xbf16>, tensor<1x1x23x256xbf16>, tensor<1x1x23x256xbf16>
}
