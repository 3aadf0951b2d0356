// Round trip of the block mask (docs/masks.md) on attn.mha and
// attn.mha_varlen: partial lists only, with full lists, with and without a
// mask_mod region (index and i64 arguments), broadcast batch / head dims,
// dynamic dims, together with alibi and sinks. The custom form printed,
// re-parsed, and printed through the generic form gives the same custom form.
// RUN: attn-opt %s | FileCheck %s
// RUN: attn-opt %s | attn-opt | FileCheck %s
// RUN: attn-opt %s --mlir-print-op-generic | attn-opt | FileCheck %s
// The generic form counts nine operand groups (q, k, v, alibi, sinks and the four block tensors):
// RUN: attn-opt %s --mlir-print-op-generic | FileCheck %s --check-prefix=GENERIC

// CHECK-LABEL: func.func @partial_only
// CHECK: attn.mha %{{.*}}, %{{.*}}, %{{.*}} block_mask(%{{.*}}, %{{.*}}) {kv_block_size = 64 : i64, q_block_size = 128 : i64}
// GENERIC-LABEL: sym_name = "partial_only"
// GENERIC: operandSegmentSizes = array<i32: 1, 1, 1, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0>
func.func @partial_only(%q: tensor<2x8x256x64xf16>, %k: tensor<2x2x300x64xf16>, %v: tensor<2x2x300x64xf16>,
                        %n: tensor<2x8x2xi32>, %i: tensor<2x8x2x5xi32>) -> tensor<2x8x256x64xf16> {
  %o = attn.mha %q, %k, %v block_mask(%n, %i) {q_block_size = 128 : i64, kv_block_size = 64 : i64}
    : (tensor<2x8x256x64xf16>, tensor<2x2x300x64xf16>, tensor<2x2x300x64xf16>, tensor<2x8x2xi32>, tensor<2x8x2x5xi32>) -> tensor<2x8x256x64xf16>
  return %o : tensor<2x8x256x64xf16>
}

// CHECK-LABEL: func.func @full_and_region
// CHECK: attn.mha %{{.*}}, %{{.*}}, %{{.*}} alibi(%{{.*}}) sinks(%{{.*}}) block_mask(%{{.*}}, %{{.*}}) full_blocks(%{{.*}}, %{{.*}}) mask_mod {
// CHECK-NEXT: ^bb0(%{{.*}}: index, %{{.*}}: index, %[[QI:.*]]: index, %[[KJ:.*]]: index):
// CHECK-NEXT: %[[C:.*]] = arith.cmpi sge, %[[QI]], %[[KJ]] : index
// CHECK-NEXT: attn.yield %[[C]] : i1
// CHECK-NEXT: } {causal, kv_block_size = 16 : i64, q_block_size = 32 : i64}
// GENERIC-LABEL: sym_name = "full_and_region"
// GENERIC: operandSegmentSizes = array<i32: 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0>
// GENERIC: "attn.yield"
func.func @full_and_region(%q: tensor<?x4x?x32xbf16>, %k: tensor<?x4x?x32xbf16>, %v: tensor<?x4x?x32xbf16>,
                           %a: tensor<4xf32>, %s: tensor<4xf32>,
                           %n: tensor<1x1x?xi32>, %i: tensor<1x1x?x?xi32>, %fn: tensor<1x1x?xi32>, %fi: tensor<1x1x?x?xi32>)
    -> (tensor<?x4x?x32xbf16>, tensor<?x4x?xf32>) {
  %o, %l = attn.mha %q, %k, %v alibi(%a) sinks(%s) block_mask(%n, %i) full_blocks(%fn, %fi) mask_mod {
  ^bb0(%b: index, %h: index, %qi: index, %kj: index):
    %c = arith.cmpi sge, %qi, %kj : index
    attn.yield %c : i1
  } {causal, q_block_size = 32 : i64, kv_block_size = 16 : i64}
    : (tensor<?x4x?x32xbf16>, tensor<?x4x?x32xbf16>, tensor<?x4x?x32xbf16>, tensor<4xf32>, tensor<4xf32>,
       tensor<1x1x?xi32>, tensor<1x1x?x?xi32>, tensor<1x1x?xi32>, tensor<1x1x?x?xi32>) -> (tensor<?x4x?x32xbf16>, tensor<?x4x?xf32>)
  return %o, %l : tensor<?x4x?x32xbf16>, tensor<?x4x?xf32>
}

// CHECK-LABEL: func.func @varlen_i64
// CHECK: attn.mha_varlen %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} block_mask(%{{.*}}, %{{.*}}) mask_mod {
// CHECK-NEXT: ^bb0(%{{.*}}: i64, %{{.*}}: i64, %{{.*}}: i64, %{{.*}}: i64):
// CHECK: arith.floordivsi
// CHECK: attn.yield
// CHECK-NEXT: } {kv_block_size = 64 : i64, q_block_size = 64 : i64}
// GENERIC-LABEL: sym_name = "varlen_i64"
// GENERIC: operandSegmentSizes = array<i32: 1, 1, 1, 1, 1, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0>
func.func @varlen_i64(%q: tensor<?x8x64xf16>, %k: tensor<?x2x64xf16>, %v: tensor<?x2x64xf16>, %cq: tensor<5xi32>, %ck: tensor<5xi32>,
                      %n: tensor<4x1x?xi32>, %i: tensor<4x1x?x?xi32>) -> tensor<?x8x64xf16> {
  %o = attn.mha_varlen %q, %k, %v, %cq, %ck block_mask(%n, %i) mask_mod {
  ^bb0(%b: i64, %h: i64, %qi: i64, %kj: i64):
    %c64 = arith.constant 64 : i64
    %qc = arith.floordivsi %qi, %c64 : i64
    %kc = arith.floordivsi %kj, %c64 : i64
    %c = arith.cmpi eq, %qc, %kc : i64
    attn.yield %c : i1
  } {q_block_size = 64 : i64, kv_block_size = 64 : i64}
    : (tensor<?x8x64xf16>, tensor<?x2x64xf16>, tensor<?x2x64xf16>, tensor<5xi32>, tensor<5xi32>, tensor<4x1x?xi32>, tensor<4x1x?x?xi32>) -> tensor<?x8x64xf16>
  return %o : tensor<?x8x64xf16>
}
