// Varlen kernels are warp-specialized, but their K/V reads stay cp.async copies: they read
// through a subview per sequence whose rows end with the sequence (reads past it are
// zeros), and a tensor map of the whole packed tensor would load the next sequence's rows
// or the padding between sequences instead. tma=true says so, located.
// RUN: attn-opt %s --attn-gqa-map --attn-tile=target=sm_90a --attn-online-softmax --attn-gpu-layout=tma=auto | FileCheck %s
// RUN: not attn-opt %s --attn-gqa-map --attn-tile=target=sm_90a --attn-online-softmax --attn-gpu-layout=tma=true 2>&1 | FileCheck %s --check-prefix=ERR
// CHECK: attn.schedule = "warp-specialized"
// CHECK: memref.subview %arg1
// CHECK-NOT: attn.copy
// ERR: varlen.mlir:[[@LINE+3]]:{{[0-9]+}}: error: attn-gpu-layout: 'func.func' cannot load K/V with TMA (tma=true): its K/V tiles are read through a per-sequence subview (varlen), whose rows past the sequence must read as zeros
func.func @f(%q: tensor<?x8x128xbf16>, %k: tensor<?x2x128xbf16>, %v: tensor<?x2x128xbf16>,
             %cq: tensor<?xi32>, %ck: tensor<?xi32>) -> tensor<?x8x128xbf16> {
  %o = attn.mha_varlen %q, %k, %v, %cq, %ck {causal}
      : (tensor<?x8x128xbf16>, tensor<?x2x128xbf16>, tensor<?x2x128xbf16>, tensor<?xi32>, tensor<?xi32>) -> tensor<?x8x128xbf16>
  return %o : tensor<?x8x128xbf16>
}
