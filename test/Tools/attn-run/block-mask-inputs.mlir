// attn-run's block mask inputs (docs/masks.md): generated lists saved with
// --save replay through --input (all four tensors), and giving only some of
// them is an error (a half-given mask would be half garbage).
// RUN: rm -rf %t && attn-run %s --target=cpu --save=%t | FileCheck %s
// RUN: attn-run %s --target=cpu --input=3=%t/f.arg3.npy --input=4=%t/f.arg4.npy --input=5=%t/f.arg5.npy --input=6=%t/f.arg6.npy | FileCheck %s
// RUN: not attn-run %s --target=cpu --input=3=%t/f.arg3.npy 2>&1 | FileCheck %s --check-prefix=ERR
// CHECK: @f result 0 (out 1x2x50x16xf32): {{.*}} PASS
// ERR: attn-run: error: @f: give all of the block mask's tensors with --input, or none
func.func @f(%q: tensor<1x2x50x16xf32>, %k: tensor<1x2x40x16xf32>, %v: tensor<1x2x40x16xf32>,
             %n: tensor<1x2x4xi32>, %i: tensor<1x2x4x3xi32>, %fn: tensor<1x2x4xi32>, %fi: tensor<1x2x4x3xi32>) -> tensor<1x2x50x16xf32> {
  %o = attn.mha %q, %k, %v block_mask(%n, %i) full_blocks(%fn, %fi) mask_mod {
  ^bb0(%b: index, %h: index, %qi: index, %kj: index):
    %c = arith.cmpi sge, %qi, %kj : index
    attn.yield %c : i1
  } {q_block_size = 16 : i64, kv_block_size = 16 : i64}
    : (tensor<1x2x50x16xf32>, tensor<1x2x40x16xf32>, tensor<1x2x40x16xf32>, tensor<1x2x4xi32>, tensor<1x2x4x3xi32>, tensor<1x2x4xi32>, tensor<1x2x4x3xi32>) -> tensor<1x2x50x16xf32>
  return %o : tensor<1x2x50x16xf32>
}
