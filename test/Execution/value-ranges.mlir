// Scalars at the edge of f32's range compute correct numbers (issue 19): a
// softcap of 2.36e38 or more made c * log2(e) overflow to Inf in the flash
// kernel (NaN in every row); a cap so large that scale / c is subnormal must
// not flush ordinary logits to 0 either (GPUs flush subnormals), so the
// kernel uses s * scale where the tanh is the identity in f32.
// RUN: attn-run %s --target=cpu --seed=5 | FileCheck %s
// The kernel IR as tiled for the GPUs, run on the CPU:
// RUN: attn-run %s --target=cpu --seed=5 '--pipeline=attn-to-cpu{tiles=sm_90a}' | FileCheck %s
// RUN: attn-run %s --target=cpu --seed=5 '--pipeline=attn-to-cpu{tiles=gfx942}' | FileCheck %s
// (test/Passes/attn-online-softmax/softcap-range.mlir: the kernel IR, and the
// GPU pipelines on it.)
//
// Logits beyond the softcap's identity range take the tanh branch: q and k
// of magnitude 3e15 give logits near the cap, 1e31 (scale / softcap < 2^-100).
// RUN: %python -c "import numpy as np; r = np.random.default_rng(1); np.save('%t.q.npy', (r.standard_normal((1, 2, 9, 16)) * 3e15).astype(np.float32)); np.save('%t.k.npy', (r.standard_normal((1, 2, 13, 16)) * 3e15).astype(np.float32)); np.save('%t.v.npy', r.standard_normal((1, 2, 13, 16)).astype(np.float32))"
// RUN: attn-run %s --target=cpu --func=capped_branch --input=0=%t.q.npy --input=1=%t.k.npy --input=2=%t.v.npy | FileCheck %s --check-prefix=CAPPED
// RUN: attn-run %s --target=cpu --func=capped_branch --input=0=%t.q.npy --input=1=%t.k.npy --input=2=%t.v.npy '--pipeline=attn-to-cpu{tiles=sm_90a}' | FileCheck %s --check-prefix=CAPPED

// CHECK: @cap_3e38 result 0 (out 2x4x33x64xbf16): {{.*}} PASS
// CHECK: @cap_3e38 result 1 (lse 2x4x33xf32): {{.*}} PASS
func.func @cap_3e38(%q: tensor<2x4x33x64xbf16>, %k: tensor<2x2x47x64xbf16>, %v: tensor<2x2x47x64xbf16>) -> (tensor<2x4x33x64xbf16>, tensor<2x4x33xf32>) {
  %o, %l = attn.mha %q, %k, %v {causal, softcap = 3.0e+38 : f32} : (tensor<2x4x33x64xbf16>, tensor<2x2x47x64xbf16>, tensor<2x2x47x64xbf16>) -> (tensor<2x4x33x64xbf16>, tensor<2x4x33xf32>)
  return %o, %l : tensor<2x4x33x64xbf16>, tensor<2x4x33xf32>
}

// CHECK: @cap_max_f32 result 0 (out 1x2x17x32xf32): {{.*}} PASS
func.func @cap_max_f32(%q: tensor<1x2x17x32xf32>, %k: tensor<1x2x70x32xf32>, %v: tensor<1x2x70x32xf32>) -> tensor<1x2x17x32xf32> {
  %o = attn.mha %q, %k, %v {softcap = 3.40282347e+38 : f32, window_left = 20 : i64} : (tensor<1x2x17x32xf32>, tensor<1x2x70x32xf32>, tensor<1x2x70x32xf32>) -> tensor<1x2x17x32xf32>
  return %o : tensor<1x2x17x32xf32>
}

// CHECK: @cap_2_4e38_scale result 0 (out 1x2x17x32xf16): {{.*}} PASS
func.func @cap_2_4e38_scale(%q: tensor<1x2x17x32xf16>, %k: tensor<1x2x30x32xf16>, %v: tensor<1x2x30x32xf16>) -> tensor<1x2x17x32xf16> {
  %o = attn.mha %q, %k, %v {softcap = 2.4e+38 : f32, scale = 3.0 : f32} : (tensor<1x2x17x32xf16>, tensor<1x2x30x32xf16>, tensor<1x2x30x32xf16>) -> tensor<1x2x17x32xf16>
  return %o : tensor<1x2x17x32xf16>
}

// CHECK: @cap_varlen result 0 (out 40x4x16xbf16): {{.*}} PASS
func.func @cap_varlen(%q: tensor<40x4x16xbf16>, %k: tensor<50x1x16xbf16>, %v: tensor<50x1x16xbf16>, %cq: tensor<4xi32>, %ck: tensor<4xi32>) -> tensor<40x4x16xbf16> {
  %o = attn.mha_varlen %q, %k, %v, %cq, %ck {causal, softcap = 1.0e+36 : f32} : (tensor<40x4x16xbf16>, tensor<50x1x16xbf16>, tensor<50x1x16xbf16>, tensor<4xi32>, tensor<4xi32>) -> tensor<40x4x16xbf16>
  return %o : tensor<40x4x16xbf16>
}

// CAPPED: @capped_branch result 0 (out 1x2x9x16xf32): {{.*}} PASS
// CAPPED: @capped_branch result 1 (lse 1x2x9xf32): {{.*}} PASS
func.func @capped_branch(%q: tensor<1x2x9x16xf32>, %k: tensor<1x2x13x16xf32>, %v: tensor<1x2x13x16xf32>) -> (tensor<1x2x9x16xf32>, tensor<1x2x9xf32>) {
  %o, %l = attn.mha %q, %k, %v {softcap = 1.0e+31 : f32} : (tensor<1x2x9x16xf32>, tensor<1x2x13x16xf32>, tensor<1x2x13x16xf32>) -> (tensor<1x2x9x16xf32>, tensor<1x2x9xf32>)
  return %o, %l : tensor<1x2x9x16xf32>, tensor<1x2x9xf32>
}
