// RUN: attn-opt %s --attn-gqa-map --attn-tile=target=sm_90a --attn-online-softmax | FileCheck %s
// RUN: attn-opt %s --attn-gqa-map --attn-tile=target=sm_90a --attn-online-softmax --attn-gpu-layout | FileCheck %s --check-prefix=LAYOUT
// RUN: attn-opt %s --attn-gqa-map --attn-tile=target=gfx942 --attn-online-softmax --attn-gpu-layout | FileCheck %s --check-prefix=GFX942

// The merge kernel of paged decode walks the S splits of each (16 tokens, head)
// tile in one program, a chain of dependent loads: it reads four splits per
// iteration (their loads issued together, then one rescale and four weighted
// adds) over the first S - S mod 4, then the rest one by one. Tiles of more
// than 2048 elements (prefill's 64 x 128) keep one split per iteration.
// Numerics: test/Execution/paged.mlir (kv-splits 4, 7, 9 with these tiles).

// CHECK-LABEL: func.func @decode_attn0_merge(
// CHECK: %[[S:.*]] = memref.dim %arg1, %c0
// CHECK: %[[Q:.*]] = arith.divsi %[[S]], %[[C4:.*]] : index
// CHECK: %[[WHOLE:.*]] = arith.muli %[[Q]], %[[C4]] : index
// CHECK: %[[G:.*]]:3 = scf.for %[[SP:.*]] = %c0{{.*}} to %[[WHOLE]] step %c4
// CHECK-COUNT-4: vector.transfer_read %arg0
// CHECK: math.exp2
// CHECK-COUNT-4: math.exp2
// CHECK: scf.yield
// CHECK: scf.for %{{.*}} = %[[WHOLE]] to %[[S]] step %c1{{.*}} iter_args(%{{.*}} = %[[G]]#0, %{{.*}} = %[[G]]#1, %{{.*}} = %[[G]]#2)
// CHECK-COUNT-1: vector.transfer_read %arg0
// CHECK-NOT: vector.transfer_read %arg0
// CHECK: scf.yield

// CHECK-LABEL: func.func @prefill_attn1_merge(
// CHECK: scf.for %{{.*}} = %c0{{.*}} to %{{.*}} step %c1
// CHECK-COUNT-1: vector.transfer_read %arg0
// CHECK-NOT: vector.transfer_read %arg0
// CHECK: scf.yield
// CHECK-NOT: scf.for

// On sm_90a the one-warp decode merge gets 4 warps of 32 columns (four
// 16 x 32 tiles in flight per warp, not four 16 x 128 ones in one warp); the
// split kernel keeps its one warp.
// LAYOUT-LABEL: func.func @decode_attn0(
// LAYOUT-SAME: num_warps = 1 : i64
// LAYOUT-LABEL: func.func @decode_attn0_merge(
// LAYOUT-SAME: num_warps = 4 : i64
// LAYOUT-SAME: attn.mma = "none", attn.warp_cols = 4 : i64
// GFX942-LABEL: func.func @decode_attn0_merge(
// GFX942-NOT: attn.warp_cols
// GFX942-SAME: attn.mma = "none"

func.func @decode(%q: tensor<?x32x128xbf16>, %kc: tensor<?x16x8x128xbf16>,
                  %vc: tensor<?x16x8x128xbf16>, %bt: tensor<?x?xi32>, %sl: tensor<?xi32>,
                  %qsl: tensor<?xi32>) -> tensor<?x32x128xbf16> {
  %o = attn.paged_attention %q, %kc, %vc, %bt, %sl, %qsl {causal}
      : (tensor<?x32x128xbf16>, tensor<?x16x8x128xbf16>, tensor<?x16x8x128xbf16>,
         tensor<?x?xi32>, tensor<?xi32>, tensor<?xi32>) -> tensor<?x32x128xbf16>
  return %o : tensor<?x32x128xbf16>
}

func.func @prefill(%q: tensor<?x32x128xbf16>, %kc: tensor<?x16x8x128xbf16>,
                   %vc: tensor<?x16x8x128xbf16>, %bt: tensor<?x?xi32>, %sl: tensor<?xi32>,
                   %qsl: tensor<?xi32>) -> tensor<?x32x128xbf16> {
  %o = attn.paged_attention %q, %kc, %vc, %bt, %sl, %qsl {causal, attn.paged_mode = "prefill"}
      : (tensor<?x32x128xbf16>, tensor<?x16x8x128xbf16>, tensor<?x16x8x128xbf16>,
         tensor<?x?xi32>, tensor<?xi32>, tensor<?xi32>) -> tensor<?x32x128xbf16>
  return %o : tensor<?x32x128xbf16>
}
