// attn.mha_bwd against the exact gradient (attn-run: out and lse from the
// double reference forward of q, k, v; dq, dk, dv from the double reference
// backward): f32, f16 and bf16, head dims 32, 64, 80, 128, 256 and Dv != D,
// Sq != Sk in both directions with causal (bottom-right: with Sq > Sk the
// first rows see no key and get dq = 0), sizes no multiple of any tile.
// Fresh random inputs every run; the compiled code's buffers are poisoned.
// RUN: attn-run %s --target=cpu | FileCheck %s
// 8-row tiles (hosts without AVX-512): other key tiles in the dK/dV kernel.
// RUN: attn-run %s --target=cpu '--pipeline=attn-to-cpu{isa=generic}' | FileCheck %s

// CHECK: seed=
// CHECK: @f32_d32_causal result 0 (dq 2x2x37x32xf32): {{.*}} PASS
// CHECK: @f32_d32_causal result 1 (dk 2x1x45x32xf32): {{.*}} PASS
// CHECK: @f32_d32_causal result 2 (dv 2x1x45x32xf32): {{.*}} PASS
func.func @f32_d32_causal(%q: tensor<2x2x37x32xf32>, %k: tensor<2x1x45x32xf32>, %v: tensor<2x1x45x32xf32>, %o: tensor<2x2x37x32xf32>, %do: tensor<2x2x37x32xf32>, %lse: tensor<2x2x37xf32>) -> (tensor<2x2x37x32xf32>, tensor<2x1x45x32xf32>, tensor<2x1x45x32xf32>) {
  %dq, %dk, %dv = attn.mha_bwd %q, %k, %v, %o, %do, %lse {causal} : (tensor<2x2x37x32xf32>, tensor<2x1x45x32xf32>, tensor<2x1x45x32xf32>, tensor<2x2x37x32xf32>, tensor<2x2x37x32xf32>, tensor<2x2x37xf32>) -> (tensor<2x2x37x32xf32>, tensor<2x1x45x32xf32>, tensor<2x1x45x32xf32>)
  return %dq, %dk, %dv : tensor<2x2x37x32xf32>, tensor<2x1x45x32xf32>, tensor<2x1x45x32xf32>
}

// CHECK: @f16_d64_causal_sq_gt_sk result 0 (dq 1x2x45x64xf16): {{.*}} PASS
// CHECK: @f16_d64_causal_sq_gt_sk result 1 (dk 1x2x37x64xf16): {{.*}} PASS
// CHECK: @f16_d64_causal_sq_gt_sk result 2 (dv 1x2x37x64xf16): {{.*}} PASS
func.func @f16_d64_causal_sq_gt_sk(%q: tensor<1x2x45x64xf16>, %k: tensor<1x2x37x64xf16>, %v: tensor<1x2x37x64xf16>, %o: tensor<1x2x45x64xf16>, %do: tensor<1x2x45x64xf16>, %lse: tensor<1x2x45xf32>) -> (tensor<1x2x45x64xf16>, tensor<1x2x37x64xf16>, tensor<1x2x37x64xf16>) {
  %dq, %dk, %dv = attn.mha_bwd %q, %k, %v, %o, %do, %lse {causal} : (tensor<1x2x45x64xf16>, tensor<1x2x37x64xf16>, tensor<1x2x37x64xf16>, tensor<1x2x45x64xf16>, tensor<1x2x45x64xf16>, tensor<1x2x45xf32>) -> (tensor<1x2x45x64xf16>, tensor<1x2x37x64xf16>, tensor<1x2x37x64xf16>)
  return %dq, %dk, %dv : tensor<1x2x45x64xf16>, tensor<1x2x37x64xf16>, tensor<1x2x37x64xf16>
}

// CHECK: @bf16_d80 result 0 (dq 1x2x17x80xbf16): {{.*}} PASS
// CHECK: @bf16_d80 result 1 (dk 1x1x70x80xbf16): {{.*}} PASS
// CHECK: @bf16_d80 result 2 (dv 1x1x70x80xbf16): {{.*}} PASS
func.func @bf16_d80(%q: tensor<1x2x17x80xbf16>, %k: tensor<1x1x70x80xbf16>, %v: tensor<1x1x70x80xbf16>, %o: tensor<1x2x17x80xbf16>, %do: tensor<1x2x17x80xbf16>, %lse: tensor<1x2x17xf32>) -> (tensor<1x2x17x80xbf16>, tensor<1x1x70x80xbf16>, tensor<1x1x70x80xbf16>) {
  %dq, %dk, %dv = attn.mha_bwd %q, %k, %v, %o, %do, %lse : (tensor<1x2x17x80xbf16>, tensor<1x1x70x80xbf16>, tensor<1x1x70x80xbf16>, tensor<1x2x17x80xbf16>, tensor<1x2x17x80xbf16>, tensor<1x2x17xf32>) -> (tensor<1x2x17x80xbf16>, tensor<1x1x70x80xbf16>, tensor<1x1x70x80xbf16>)
  return %dq, %dk, %dv : tensor<1x2x17x80xbf16>, tensor<1x1x70x80xbf16>, tensor<1x1x70x80xbf16>
}

// CHECK: @bf16_d128_causal result 0 (dq 1x2x50x128xbf16): {{.*}} PASS
// CHECK: @bf16_d128_causal result 1 (dk 1x2x33x128xbf16): {{.*}} PASS
// CHECK: @bf16_d128_causal result 2 (dv 1x2x33x128xbf16): {{.*}} PASS
func.func @bf16_d128_causal(%q: tensor<1x2x50x128xbf16>, %k: tensor<1x2x33x128xbf16>, %v: tensor<1x2x33x128xbf16>, %o: tensor<1x2x50x128xbf16>, %do: tensor<1x2x50x128xbf16>, %lse: tensor<1x2x50xf32>) -> (tensor<1x2x50x128xbf16>, tensor<1x2x33x128xbf16>, tensor<1x2x33x128xbf16>) {
  %dq, %dk, %dv = attn.mha_bwd %q, %k, %v, %o, %do, %lse {causal} : (tensor<1x2x50x128xbf16>, tensor<1x2x33x128xbf16>, tensor<1x2x33x128xbf16>, tensor<1x2x50x128xbf16>, tensor<1x2x50x128xbf16>, tensor<1x2x50xf32>) -> (tensor<1x2x50x128xbf16>, tensor<1x2x33x128xbf16>, tensor<1x2x33x128xbf16>)
  return %dq, %dk, %dv : tensor<1x2x50x128xbf16>, tensor<1x2x33x128xbf16>, tensor<1x2x33x128xbf16>
}

// CHECK: @f16_d256 result 0 (dq 1x1x21x256xf16): {{.*}} PASS
// CHECK: @f16_d256 result 1 (dk 1x1x40x256xf16): {{.*}} PASS
// CHECK: @f16_d256 result 2 (dv 1x1x40x256xf16): {{.*}} PASS
func.func @f16_d256(%q: tensor<1x1x21x256xf16>, %k: tensor<1x1x40x256xf16>, %v: tensor<1x1x40x256xf16>, %o: tensor<1x1x21x256xf16>, %do: tensor<1x1x21x256xf16>, %lse: tensor<1x1x21xf32>) -> (tensor<1x1x21x256xf16>, tensor<1x1x40x256xf16>, tensor<1x1x40x256xf16>) {
  %dq, %dk, %dv = attn.mha_bwd %q, %k, %v, %o, %do, %lse : (tensor<1x1x21x256xf16>, tensor<1x1x40x256xf16>, tensor<1x1x40x256xf16>, tensor<1x1x21x256xf16>, tensor<1x1x21x256xf16>, tensor<1x1x21xf32>) -> (tensor<1x1x21x256xf16>, tensor<1x1x40x256xf16>, tensor<1x1x40x256xf16>)
  return %dq, %dk, %dv : tensor<1x1x21x256xf16>, tensor<1x1x40x256xf16>, tensor<1x1x40x256xf16>
}

// CHECK: @f32_d256_causal result 0 (dq 1x1x19x256xf32): {{.*}} PASS
// CHECK: @f32_d256_causal result 1 (dk 1x1x23x256xf32): {{.*}} PASS
// CHECK: @f32_d256_causal result 2 (dv 1x1x23x256xf32): {{.*}} PASS
func.func @f32_d256_causal(%q: tensor<1x1x19x256xf32>, %k: tensor<1x1x23x256xf32>, %v: tensor<1x1x23x256xf32>, %o: tensor<1x1x19x256xf32>, %do: tensor<1x1x19x256xf32>, %lse: tensor<1x1x19xf32>) -> (tensor<1x1x19x256xf32>, tensor<1x1x23x256xf32>, tensor<1x1x23x256xf32>) {
  %dq, %dk, %dv = attn.mha_bwd %q, %k, %v, %o, %do, %lse {causal} : (tensor<1x1x19x256xf32>, tensor<1x1x23x256xf32>, tensor<1x1x23x256xf32>, tensor<1x1x19x256xf32>, tensor<1x1x19x256xf32>, tensor<1x1x19xf32>) -> (tensor<1x1x19x256xf32>, tensor<1x1x23x256xf32>, tensor<1x1x23x256xf32>)
  return %dq, %dk, %dv : tensor<1x1x19x256xf32>, tensor<1x1x23x256xf32>, tensor<1x1x23x256xf32>
}

// CHECK: @f32_d128_dv64 result 0 (dq 1x2x29x128xf32): {{.*}} PASS
// CHECK: @f32_d128_dv64 result 1 (dk 1x1x31x128xf32): {{.*}} PASS
// CHECK: @f32_d128_dv64 result 2 (dv 1x1x31x64xf32): {{.*}} PASS
func.func @f32_d128_dv64(%q: tensor<1x2x29x128xf32>, %k: tensor<1x1x31x128xf32>, %v: tensor<1x1x31x64xf32>, %o: tensor<1x2x29x64xf32>, %do: tensor<1x2x29x64xf32>, %lse: tensor<1x2x29xf32>) -> (tensor<1x2x29x128xf32>, tensor<1x1x31x128xf32>, tensor<1x1x31x64xf32>) {
  %dq, %dk, %dv = attn.mha_bwd %q, %k, %v, %o, %do, %lse {causal} : (tensor<1x2x29x128xf32>, tensor<1x1x31x128xf32>, tensor<1x1x31x64xf32>, tensor<1x2x29x64xf32>, tensor<1x2x29x64xf32>, tensor<1x2x29xf32>) -> (tensor<1x2x29x128xf32>, tensor<1x1x31x128xf32>, tensor<1x1x31x64xf32>)
  return %dq, %dk, %dv : tensor<1x2x29x128xf32>, tensor<1x1x31x128xf32>, tensor<1x1x31x64xf32>
}

// CHECK: @f32_d80_scale result 0 (dq 1x2x23x80xf32): {{.*}} PASS
// CHECK: @f32_d80_scale result 1 (dk 1x2x18x80xf32): {{.*}} PASS
// CHECK: @f32_d80_scale result 2 (dv 1x2x18x80xf32): {{.*}} PASS
func.func @f32_d80_scale(%q: tensor<1x2x23x80xf32>, %k: tensor<1x2x18x80xf32>, %v: tensor<1x2x18x80xf32>, %o: tensor<1x2x23x80xf32>, %do: tensor<1x2x23x80xf32>, %lse: tensor<1x2x23xf32>) -> (tensor<1x2x23x80xf32>, tensor<1x2x18x80xf32>, tensor<1x2x18x80xf32>) {
  %dq, %dk, %dv = attn.mha_bwd %q, %k, %v, %o, %do, %lse {scale = 0.3 : f32} : (tensor<1x2x23x80xf32>, tensor<1x2x18x80xf32>, tensor<1x2x18x80xf32>, tensor<1x2x23x80xf32>, tensor<1x2x23x80xf32>, tensor<1x2x23xf32>) -> (tensor<1x2x23x80xf32>, tensor<1x2x18x80xf32>, tensor<1x2x18x80xf32>)
  return %dq, %dk, %dv : tensor<1x2x23x80xf32>, tensor<1x2x18x80xf32>, tensor<1x2x18x80xf32>
}
