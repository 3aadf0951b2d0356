// attn.mha on f32, f16 and bf16 with head dims 16..256, sizes that are no
// multiple of any tile, fresh random inputs on every run.
// RUN: attn-run %s --target=cpu | FileCheck %s
// The software-pipelined KV loops of the wgmma path (attn-gpu-pipeline, sm_90a tiles), run on the CPU:
// RUN: attn-run %s --target=cpu '--pipeline=attn-to-cpu{tiles=sm_90a sw-pipeline=true}' | FileCheck %s

// CHECK: seed=
// CHECK: @f32_d16 result 0 (out 2x4x19x16xf32): {{.*}} PASS
func.func @f32_d16(%q: tensor<2x4x19x16xf32>, %k: tensor<2x4x23x16xf32>, %v: tensor<2x4x23x16xf32>) -> tensor<2x4x19x16xf32> {
  %o = attn.mha %q, %k, %v : (tensor<2x4x19x16xf32>, tensor<2x4x23x16xf32>, tensor<2x4x23x16xf32>) -> tensor<2x4x19x16xf32>
  return %o : tensor<2x4x19x16xf32>
}

// CHECK: @f16_d64 result 0 (out 1x4x33x64xf16): {{.*}} PASS
func.func @f16_d64(%q: tensor<1x4x33x64xf16>, %k: tensor<1x4x33x64xf16>, %v: tensor<1x4x33x64xf16>) -> tensor<1x4x33x64xf16> {
  %o = attn.mha %q, %k, %v : (tensor<1x4x33x64xf16>, tensor<1x4x33x64xf16>, tensor<1x4x33x64xf16>) -> tensor<1x4x33x64xf16>
  return %o : tensor<1x4x33x64xf16>
}

// CHECK: @bf16_d96 result 0 (out 1x2x17x96xbf16): {{.*}} PASS
func.func @bf16_d96(%q: tensor<1x2x17x96xbf16>, %k: tensor<1x2x41x96xbf16>, %v: tensor<1x2x41x96xbf16>) -> tensor<1x2x17x96xbf16> {
  %o = attn.mha %q, %k, %v : (tensor<1x2x17x96xbf16>, tensor<1x2x41x96xbf16>, tensor<1x2x41x96xbf16>) -> tensor<1x2x17x96xbf16>
  return %o : tensor<1x2x17x96xbf16>
}

// CHECK: @bf16_d128 result 0 (out 1x2x29x128xbf16): {{.*}} PASS
func.func @bf16_d128(%q: tensor<1x2x29x128xbf16>, %k: tensor<1x2x31x128xbf16>, %v: tensor<1x2x31x128xbf16>) -> tensor<1x2x29x128xbf16> {
  %o = attn.mha %q, %k, %v : (tensor<1x2x29x128xbf16>, tensor<1x2x31x128xbf16>, tensor<1x2x31x128xbf16>) -> tensor<1x2x29x128xbf16>
  return %o : tensor<1x2x29x128xbf16>
}

// CHECK: @f16_d256 result 0 (out 1x2x13x256xf16): {{.*}} PASS
func.func @f16_d256(%q: tensor<1x2x13x256xf16>, %k: tensor<1x2x21x256xf16>, %v: tensor<1x2x21x256xf16>) -> tensor<1x2x13x256xf16> {
  %o = attn.mha %q, %k, %v : (tensor<1x2x13x256xf16>, tensor<1x2x21x256xf16>, tensor<1x2x21x256xf16>) -> tensor<1x2x13x256xf16>
  return %o : tensor<1x2x13x256xf16>
}

// CHECK: @f32_d128 result 0 (out 1x2x7x128xf32): {{.*}} PASS
func.func @f32_d128(%q: tensor<1x2x7x128xf32>, %k: tensor<1x2x65x128xf32>, %v: tensor<1x2x65x128xf32>) -> tensor<1x2x7x128xf32> {
  %o = attn.mha %q, %k, %v : (tensor<1x2x7x128xf32>, tensor<1x2x65x128xf32>, tensor<1x2x65x128xf32>) -> tensor<1x2x7x128xf32>
  return %o : tensor<1x2x7x128xf32>
}

// Dv != D.
// CHECK: @f16_dv32 result 0 (out 1x2x9x32xf16): {{.*}} PASS
func.func @f16_dv32(%q: tensor<1x2x9x64xf16>, %k: tensor<1x2x11x64xf16>, %v: tensor<1x2x11x32xf16>) -> tensor<1x2x9x32xf16> {
  %o = attn.mha %q, %k, %v : (tensor<1x2x9x64xf16>, tensor<1x2x11x64xf16>, tensor<1x2x11x32xf16>) -> tensor<1x2x9x32xf16>
  return %o : tensor<1x2x9x32xf16>
}
// CHECK-NOT: FAIL
