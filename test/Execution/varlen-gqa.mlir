// Varlen with GQA 32/8 and MQA, bf16 and f32, many sequences (random
// lengths, one empty), generic op syntax.
// RUN: attn-run %s --target=cpu | FileCheck %s
// The software-pipelined KV loops of the wgmma path (attn-gpu-pipeline, sm_90a tiles), run on the CPU:
// RUN: attn-run %s --target=cpu '--pipeline=attn-to-cpu{tiles=sm_90a sw-pipeline=true}' | FileCheck %s

// CHECK: @varlen_gqa result 0 (out 73x32x64xbf16): {{.*}} PASS
// CHECK: @varlen_gqa result 1 (lse 32x73xf32): {{.*}} PASS
func.func @varlen_gqa(%q: tensor<73x32x64xbf16>, %k: tensor<88x8x64xbf16>, %v: tensor<88x8x64xbf16>, %cq: tensor<9xi32>, %ck: tensor<9xi32>) -> (tensor<73x32x64xbf16>, tensor<32x73xf32>) {
  %o, %l = "attn.mha_varlen"(%q, %k, %v, %cq, %ck) <{operandSegmentSizes = array<i32: 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0>, causal}> : (tensor<73x32x64xbf16>, tensor<88x8x64xbf16>, tensor<88x8x64xbf16>, tensor<9xi32>, tensor<9xi32>) -> (tensor<73x32x64xbf16>, tensor<32x73xf32>)
  return %o, %l : tensor<73x32x64xbf16>, tensor<32x73xf32>
}

// CHECK: @varlen_mqa result 0 (out 31x6x96xf32): {{.*}} PASS
func.func @varlen_mqa(%q: tensor<31x6x96xf32>, %k: tensor<29x1x96xf32>, %v: tensor<29x1x96xf32>, %cq: tensor<4xi32>, %ck: tensor<4xi32>) -> tensor<31x6x96xf32> {
  %o = "attn.mha_varlen"(%q, %k, %v, %cq, %ck) <{operandSegmentSizes = array<i32: 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0>, window_left = 3 : i64, softcap = 2.0 : f32}> : (tensor<31x6x96xf32>, tensor<29x1x96xf32>, tensor<29x1x96xf32>, tensor<4xi32>, tensor<4xi32>) -> tensor<31x6x96xf32>
  return %o : tensor<31x6x96xf32>
}
// CHECK-NOT: FAIL
