// Block masks (docs/masks.md) on sm_90a: their KV loops nest in a loop over
// the listed key blocks, which the warp-specialized lowering's producer does
// not mirror, so ws=auto leaves such kernels without warp specialization
// (wgmma, with the table's software-pipelined loops at D = 128) and ws=true
// is a located error. Kernels without a block mask keep it (@plain).
// RUN: attn-opt %s --attn-gqa-map --attn-tile=target=sm_90a --attn-online-softmax --attn-gpu-layout | FileCheck %s
// RUN: not attn-opt %s --attn-gqa-map --attn-tile=target=sm_90a --attn-online-softmax --attn-gpu-layout=ws=true 2>&1 | FileCheck %s --check-prefix=WS

// CHECK-LABEL: func.func @f_attn0(
// CHECK-SAME: attributes {attn.kernel = {{{.*}}block_mask, {{.*}}num_stages = 2 : i64{{.*}}}, attn.mma = "wgmma"} {
// CHECK-LABEL: func.func @plain_attn1(
// CHECK-SAME: attn.schedule = "warp-specialized"
// WS: block-mask.mlir:[[@LINE+3]]:8: error: attn-gpu-layout: 'func.func' cannot warp-specialize (ws=true): it takes a block mask (its KV loops nest in a loop over the listed key blocks, which the producer does not mirror)
func.func @f(%q: tensor<1x8x300x128xbf16>, %k: tensor<1x2x300x128xbf16>, %v: tensor<1x2x300x128xbf16>,
             %n: tensor<1x1x3xi32>, %i: tensor<1x1x3x3xi32>) -> tensor<1x8x300x128xbf16> {
  %o = attn.mha %q, %k, %v block_mask(%n, %i) mask_mod {
  ^bb0(%b: index, %h: index, %qi: index, %kj: index):
    %c = arith.cmpi sge, %qi, %kj : index
    attn.yield %c : i1
  } {q_block_size = 128 : i64, kv_block_size = 128 : i64}
    : (tensor<1x8x300x128xbf16>, tensor<1x2x300x128xbf16>, tensor<1x2x300x128xbf16>, tensor<1x1x3xi32>, tensor<1x1x3x3xi32>) -> tensor<1x8x300x128xbf16>
  return %o : tensor<1x8x300x128xbf16>
}

func.func @plain(%q: tensor<1x8x300x128xbf16>, %k: tensor<1x2x300x128xbf16>, %v: tensor<1x2x300x128xbf16>) -> tensor<1x8x300x128xbf16> {
  %o = attn.mha %q, %k, %v : (tensor<1x8x300x128xbf16>, tensor<1x2x300x128xbf16>, tensor<1x2x300x128xbf16>) -> tensor<1x8x300x128xbf16>
  return %o : tensor<1x8x300x128xbf16>
}
