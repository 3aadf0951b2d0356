// attn.mha_bwd / attn.mha_varlen_bwd at the edges of the shapes, against the exact
// gradient (see bwd-dtypes.mlir): batch 0, D = 1 with Dv = 3, MLA's D = 576 / Dv = 512,
// varlen with no sequence (cu_seqlens of one entry, every token past it: gradients 0)
// and with queries but no keys.
// RUN: attn-run %s --target=cpu | FileCheck %s
// The sm_90a tiling of the backward (config/sm_90a-MHA-BWD.json) on the CPU:
// RUN: attn-run %s --target=cpu '--pipeline=attn-to-cpu{tiles=sm_90a}' | FileCheck %s
// The AMD tilings (config/gfx942-MHA-BWD.json, gfx950-MHA-BWD.json):
// RUN: attn-run %s --target=cpu '--pipeline=attn-to-cpu{tiles=gfx942}' | FileCheck %s
// RUN: attn-run %s --target=cpu '--pipeline=attn-to-cpu{tiles=gfx950}' | FileCheck %s
// The reference lowering too (f32 accumulation, the softmax recomputed per row):
// RUN: attn-run %s --target=cpu --reference | FileCheck %s

// CHECK: seed=
// CHECK: @batch0 result 0 (dq 0x2x5x16xf32): {{.*}} PASS
// CHECK: @batch0 result 1 (dk 0x1x7x16xf32): {{.*}} PASS
// CHECK: @batch0 result 2 (dv 0x1x7x16xf32): {{.*}} PASS
func.func @batch0(%q: tensor<0x2x5x16xf32>, %k: tensor<0x1x7x16xf32>, %v: tensor<0x1x7x16xf32>, %o: tensor<0x2x5x16xf32>, %do: tensor<0x2x5x16xf32>, %lse: tensor<0x2x5xf32>) -> (tensor<0x2x5x16xf32>, tensor<0x1x7x16xf32>, tensor<0x1x7x16xf32>) {
  %dq, %dk, %dv = attn.mha_bwd %q, %k, %v, %o, %do, %lse {causal} : (tensor<0x2x5x16xf32>, tensor<0x1x7x16xf32>, tensor<0x1x7x16xf32>, tensor<0x2x5x16xf32>, tensor<0x2x5x16xf32>, tensor<0x2x5xf32>) -> (tensor<0x2x5x16xf32>, tensor<0x1x7x16xf32>, tensor<0x1x7x16xf32>)
  return %dq, %dk, %dv : tensor<0x2x5x16xf32>, tensor<0x1x7x16xf32>, tensor<0x1x7x16xf32>
}

// CHECK: @d1_dv3 result 0 (dq 1x2x9x1xf32): {{.*}} PASS
// CHECK: @d1_dv3 result 1 (dk 1x1x11x1xf32): {{.*}} PASS
// CHECK: @d1_dv3 result 2 (dv 1x1x11x3xf32): {{.*}} PASS
func.func @d1_dv3(%q: tensor<1x2x9x1xf32>, %k: tensor<1x1x11x1xf32>, %v: tensor<1x1x11x3xf32>, %o: tensor<1x2x9x3xf32>, %do: tensor<1x2x9x3xf32>, %lse: tensor<1x2x9xf32>) -> (tensor<1x2x9x1xf32>, tensor<1x1x11x1xf32>, tensor<1x1x11x3xf32>) {
  %dq, %dk, %dv = attn.mha_bwd %q, %k, %v, %o, %do, %lse {causal} : (tensor<1x2x9x1xf32>, tensor<1x1x11x1xf32>, tensor<1x1x11x3xf32>, tensor<1x2x9x3xf32>, tensor<1x2x9x3xf32>, tensor<1x2x9xf32>) -> (tensor<1x2x9x1xf32>, tensor<1x1x11x1xf32>, tensor<1x1x11x3xf32>)
  return %dq, %dk, %dv : tensor<1x2x9x1xf32>, tensor<1x1x11x1xf32>, tensor<1x1x11x3xf32>
}

// CHECK: @mla_d576_dv512 result 0 (dq 1x1x5x576xbf16): {{.*}} PASS
// CHECK: @mla_d576_dv512 result 1 (dk 1x1x6x576xbf16): {{.*}} PASS
// CHECK: @mla_d576_dv512 result 2 (dv 1x1x6x512xbf16): {{.*}} PASS
func.func @mla_d576_dv512(%q: tensor<1x1x5x576xbf16>, %k: tensor<1x1x6x576xbf16>, %v: tensor<1x1x6x512xbf16>, %o: tensor<1x1x5x512xbf16>, %do: tensor<1x1x5x512xbf16>, %lse: tensor<1x1x5xf32>) -> (tensor<1x1x5x576xbf16>, tensor<1x1x6x576xbf16>, tensor<1x1x6x512xbf16>) {
  %dq, %dk, %dv = attn.mha_bwd %q, %k, %v, %o, %do, %lse : (tensor<1x1x5x576xbf16>, tensor<1x1x6x576xbf16>, tensor<1x1x6x512xbf16>, tensor<1x1x5x512xbf16>, tensor<1x1x5x512xbf16>, tensor<1x1x5xf32>) -> (tensor<1x1x5x576xbf16>, tensor<1x1x6x576xbf16>, tensor<1x1x6x512xbf16>)
  return %dq, %dk, %dv : tensor<1x1x5x576xbf16>, tensor<1x1x6x576xbf16>, tensor<1x1x6x512xbf16>
}

// CHECK: @varlen_no_sequence result 0 (dq 3x2x16xf32): {{.*}} PASS
// CHECK: @varlen_no_sequence result 1 (dk 2x1x16xf32): {{.*}} PASS
// CHECK: @varlen_no_sequence result 2 (dv 2x1x16xf32): {{.*}} PASS
func.func @varlen_no_sequence(%q: tensor<3x2x16xf32>, %k: tensor<2x1x16xf32>, %v: tensor<2x1x16xf32>, %o: tensor<3x2x16xf32>, %do: tensor<3x2x16xf32>, %lse: tensor<2x3xf32>, %cq: tensor<1xi32>, %ck: tensor<1xi32>) -> (tensor<3x2x16xf32>, tensor<2x1x16xf32>, tensor<2x1x16xf32>) {
  %dq, %dk, %dv = attn.mha_varlen_bwd %q, %k, %v, %o, %do, %lse, %cq, %ck {causal} : (tensor<3x2x16xf32>, tensor<2x1x16xf32>, tensor<2x1x16xf32>, tensor<3x2x16xf32>, tensor<3x2x16xf32>, tensor<2x3xf32>, tensor<1xi32>, tensor<1xi32>) -> (tensor<3x2x16xf32>, tensor<2x1x16xf32>, tensor<2x1x16xf32>)
  return %dq, %dk, %dv : tensor<3x2x16xf32>, tensor<2x1x16xf32>, tensor<2x1x16xf32>
}

// CHECK: @varlen_no_keys result 0 (dq 5x2x16xf32): {{.*}} PASS
// CHECK: @varlen_no_keys result 1 (dk 0x1x16xf32): {{.*}} PASS
// CHECK: @varlen_no_keys result 2 (dv 0x1x16xf32): {{.*}} PASS
func.func @varlen_no_keys(%q: tensor<5x2x16xf32>, %k: tensor<0x1x16xf32>, %v: tensor<0x1x16xf32>, %o: tensor<5x2x16xf32>, %do: tensor<5x2x16xf32>, %lse: tensor<2x5xf32>, %cq: tensor<2xi32>, %ck: tensor<2xi32>) -> (tensor<5x2x16xf32>, tensor<0x1x16xf32>, tensor<0x1x16xf32>) {
  %dq, %dk, %dv = attn.mha_varlen_bwd %q, %k, %v, %o, %do, %lse, %cq, %ck : (tensor<5x2x16xf32>, tensor<0x1x16xf32>, tensor<0x1x16xf32>, tensor<5x2x16xf32>, tensor<5x2x16xf32>, tensor<2x5xf32>, tensor<2xi32>, tensor<2xi32>) -> (tensor<5x2x16xf32>, tensor<0x1x16xf32>, tensor<0x1x16xf32>)
  return %dq, %dk, %dv : tensor<5x2x16xf32>, tensor<0x1x16xf32>, tensor<0x1x16xf32>
}
