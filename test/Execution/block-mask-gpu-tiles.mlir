// Block masks (issue 17 section 4, docs/masks.md) in the kernel IR as the
// GPU targets tile it, run on the CPU against attn-run's double reference:
// sm_90a (wgmma tiles, the software-pipelined KV loops that its D = 128
// kernels take, and the mma.sync tiles of query blocks below 64 rows),
// gfx942 and gfx950 (32-row waves, and 16-row ones where the key blocks are
// 16 wide). attn-run fills each block mask with random valid lists derived
// from mask_mod (skipped although visible, full ones demoted to partial,
// shuffled, garbage past the counts). The three example masks (document-
// causal, prefix-LM, sliding chunks), a random block mask without a region
// on causal + window with GQA and Sq > Sk (rows that see nothing: 0 and
// -inf), i64 region arguments, varlen with an empty sequence, bf16 and f16,
// Sq / Sk not multiples of the blocks or tiles.
// RUN: attn-run %s --target=cpu '--pipeline=attn-to-cpu{tiles=sm_90a}' | FileCheck %s
// RUN: attn-run %s --target=cpu '--pipeline=attn-to-cpu{tiles=sm_90a sw-pipeline=true}' | FileCheck %s
// RUN: attn-run %s --target=cpu '--pipeline=attn-to-cpu{tiles=gfx942}' | FileCheck %s
// RUN: attn-run %s --target=cpu '--pipeline=attn-to-cpu{tiles=gfx950}' | FileCheck %s
// The tiles the GPU tilings pick (attn-tile: gcd with the blocks; warps of
// the table's rows, 16-row warps where those no longer fit):
// RUN: attn-opt %s --attn-gqa-map --attn-tile=target=sm_90a | FileCheck %s --check-prefix=SM90
// RUN: attn-opt %s --attn-gqa-map --attn-tile=target=gfx942 | FileCheck %s --check-prefix=GFX942
// SM90-LABEL: func.func @document_causal(
// SM90: attn.tile = {block_m = 128 : i64, block_n = 128 : i64, {{.*}}num_stages = 2 : i64, num_warps = 8 : i64
// SM90-LABEL: func.func @prefix_lm(
// SM90: attn.tile = {block_m = 64 : i64, block_n = 64 : i64, {{.*}}num_warps = 4 : i64
// SM90-LABEL: func.func @sliding_chunks(
// SM90: attn.tile = {block_m = 32 : i64, block_n = 32 : i64, {{.*}}num_warps = 2 : i64
// SM90-LABEL: func.func @random_causal_window(
// SM90: attn.tile = {block_m = 16 : i64, block_n = 32 : i64, {{.*}}num_warps = 1 : i64
// GFX942-LABEL: func.func @document_causal(
// GFX942: attn.tile = {block_m = 128 : i64, block_n = 64 : i64, {{.*}}num_warps = 4 : i64
// GFX942-LABEL: func.func @sliding_chunks(
// GFX942: attn.tile = {block_m = 32 : i64, block_n = 64 : i64, {{.*}}num_warps = 1 : i64
// GFX942-LABEL: func.func @random_causal_window(
// GFX942: attn.tile = {block_m = 16 : i64, block_n = 32 : i64, {{.*}}num_warps = 1 : i64

// Documents [0, 150), [150, 333), [333, 500) of a 500-token sequence, causal
// inside each; 128-blocks (FlexAttention's default), D = 128, GQA 4/2, lse.
// CHECK: @document_causal result 0 (out 2x4x500x128xbf16): {{.*}} PASS
// CHECK: @document_causal result 1 (lse 2x4x500xf32): {{.*}} PASS
func.func @document_causal(%q: tensor<2x4x500x128xbf16>, %k: tensor<2x2x500x128xbf16>, %v: tensor<2x2x500x128xbf16>,
                           %n: tensor<1x1x4xi32>, %i: tensor<1x1x4x4xi32>, %fn: tensor<1x1x4xi32>, %fi: tensor<1x1x4x4xi32>)
    -> (tensor<2x4x500x128xbf16>, tensor<2x4x500xf32>) {
  %o, %l = attn.mha %q, %k, %v block_mask(%n, %i) full_blocks(%fn, %fi) mask_mod {
  ^bb0(%b: index, %h: index, %qi: index, %kj: index):
    %c150 = arith.constant 150 : index
    %c333 = arith.constant 333 : index
    %q1 = arith.cmpi sge, %qi, %c150 : index
    %q2 = arith.cmpi sge, %qi, %c333 : index
    %k1 = arith.cmpi sge, %kj, %c150 : index
    %k2 = arith.cmpi sge, %kj, %c333 : index
    %s1 = arith.cmpi eq, %q1, %k1 : i1
    %s2 = arith.cmpi eq, %q2, %k2 : i1
    %same = arith.andi %s1, %s2 : i1
    %causal = arith.cmpi sge, %qi, %kj : index
    %vis = arith.andi %same, %causal : i1
    attn.yield %vis : i1
  } {q_block_size = 128 : i64, kv_block_size = 128 : i64}
    : (tensor<2x4x500x128xbf16>, tensor<2x2x500x128xbf16>, tensor<2x2x500x128xbf16>, tensor<1x1x4xi32>, tensor<1x1x4x4xi32>, tensor<1x1x4xi32>, tensor<1x1x4x4xi32>)
    -> (tensor<2x4x500x128xbf16>, tensor<2x4x500xf32>)
  return %o, %l : tensor<2x4x500x128xbf16>, tensor<2x4x500xf32>
}

// Prefix-LM (the first 70 keys visible to all, causal after), 64-blocks,
// per-(b, h) lists, f16, D = 64, i64 region arguments.
// CHECK: @prefix_lm result 0 (out 2x3x300x64xf16): {{.*}} PASS
// CHECK: @prefix_lm result 1 (lse 2x3x300xf32): {{.*}} PASS
func.func @prefix_lm(%q: tensor<2x3x300x64xf16>, %k: tensor<2x3x300x64xf16>, %v: tensor<2x3x300x64xf16>,
                     %n: tensor<2x3x5xi32>, %i: tensor<2x3x5x5xi32>, %fn: tensor<2x3x5xi32>, %fi: tensor<2x3x5x5xi32>)
    -> (tensor<2x3x300x64xf16>, tensor<2x3x300xf32>) {
  %o, %l = attn.mha %q, %k, %v block_mask(%n, %i) full_blocks(%fn, %fi) mask_mod {
  ^bb0(%b: i64, %h: i64, %qi: i64, %kj: i64):
    %c70 = arith.constant 70 : i64
    %prefix = arith.cmpi slt, %kj, %c70 : i64
    %causal = arith.cmpi sle, %kj, %qi : i64
    %vis = arith.ori %prefix, %causal : i1
    attn.yield %vis : i1
  } {q_block_size = 64 : i64, kv_block_size = 64 : i64}
    : (tensor<2x3x300x64xf16>, tensor<2x3x300x64xf16>, tensor<2x3x300x64xf16>, tensor<2x3x5xi32>, tensor<2x3x5x5xi32>, tensor<2x3x5xi32>, tensor<2x3x5x5xi32>)
    -> (tensor<2x3x300x64xf16>, tensor<2x3x300xf32>)
  return %o, %l : tensor<2x3x300x64xf16>, tensor<2x3x300xf32>
}

// Sliding chunks of 48 (causal within the query's chunk and the one before,
// floordivsi), query blocks of 32 rows (below a warpgroup: mma.sync on
// sm_90a), key blocks of 128 in 64-key tiles, Sq < Sk, D = 128, bf16.
// CHECK: @sliding_chunks result 0 (out 1x4x200x128xbf16): {{.*}} PASS
// CHECK: @sliding_chunks result 1 (lse 1x4x200xf32): {{.*}} PASS
func.func @sliding_chunks(%q: tensor<1x4x200x128xbf16>, %k: tensor<1x4x330x128xbf16>, %v: tensor<1x4x330x128xbf16>,
                          %n: tensor<1x4x7xi32>, %i: tensor<1x4x7x3xi32>, %fn: tensor<1x4x7xi32>, %fi: tensor<1x4x7x3xi32>)
    -> (tensor<1x4x200x128xbf16>, tensor<1x4x200xf32>) {
  %o, %l = attn.mha %q, %k, %v block_mask(%n, %i) full_blocks(%fn, %fi) mask_mod {
  ^bb0(%b: index, %h: index, %qi: index, %kj: index):
    %c48 = arith.constant 48 : index
    %c1 = arith.constant 1 : index
    %qc = arith.floordivsi %qi, %c48 : index
    %kc = arith.floordivsi %kj, %c48 : index
    %lo = arith.subi %qc, %c1 : index
    %near = arith.cmpi sge, %kc, %lo : index
    %causal = arith.cmpi sle, %kj, %qi : index
    %vis = arith.andi %near, %causal : i1
    attn.yield %vis : i1
  } {q_block_size = 32 : i64, kv_block_size = 128 : i64}
    : (tensor<1x4x200x128xbf16>, tensor<1x4x330x128xbf16>, tensor<1x4x330x128xbf16>, tensor<1x4x7xi32>, tensor<1x4x7x3xi32>, tensor<1x4x7xi32>, tensor<1x4x7x3xi32>)
    -> (tensor<1x4x200x128xbf16>, tensor<1x4x200xf32>)
  return %o, %l : tensor<1x4x200x128xbf16>, tensor<1x4x200xf32>
}

// A random block mask without a region (aiter's block-sparse LUT) on causal
// attention with a window, GQA 8/2, Sq > Sk (the first rows see nothing:
// out 0, lse -inf), key blocks of 16 (16-row waves on AMD), no full list.
// CHECK: @random_causal_window result 0 (out 2x8x290x64xbf16): {{.*}} PASS
// CHECK: @random_causal_window result 1 (lse 2x8x290xf32): {{.*}} PASS
func.func @random_causal_window(%q: tensor<2x8x290x64xbf16>, %k: tensor<2x2x200x64xbf16>, %v: tensor<2x2x200x64xbf16>,
                                %n: tensor<2x8x19xi32>, %i: tensor<2x8x19x7xi32>)
    -> (tensor<2x8x290x64xbf16>, tensor<2x8x290xf32>) {
  %o, %l = attn.mha %q, %k, %v block_mask(%n, %i) {causal, window_left = 100 : i64, q_block_size = 16 : i64, kv_block_size = 32 : i64}
    : (tensor<2x8x290x64xbf16>, tensor<2x2x200x64xbf16>, tensor<2x2x200x64xbf16>, tensor<2x8x19xi32>, tensor<2x8x19x7xi32>)
    -> (tensor<2x8x290x64xbf16>, tensor<2x8x290xf32>)
  return %o, %l : tensor<2x8x290x64xbf16>, tensor<2x8x290xf32>
}

// Varlen (one sequence empty), document-causal inside each sequence with a
// boundary at local position 100 + b, 128-blocks, D = 64, f16.
// CHECK: @varlen_docs result 0 (out 600x4x64xf16): {{.*}} PASS
// CHECK: @varlen_docs result 1 (lse 4x600xf32): {{.*}} PASS
func.func @varlen_docs(%q: tensor<600x4x64xf16>, %k: tensor<640x4x64xf16>, %v: tensor<640x4x64xf16>,
                       %cq: tensor<4xi32>, %ck: tensor<4xi32>,
                       %n: tensor<3x1x5xi32>, %i: tensor<3x1x5x6xi32>, %fn: tensor<3x1x5xi32>, %fi: tensor<3x1x5x6xi32>)
    -> (tensor<600x4x64xf16>, tensor<4x600xf32>) {
  %o, %l = attn.mha_varlen %q, %k, %v, %cq, %ck block_mask(%n, %i) full_blocks(%fn, %fi) mask_mod {
  ^bb0(%b: index, %h: index, %qi: index, %kj: index):
    %c100 = arith.constant 100 : index
    %bound = arith.addi %c100, %b : index
    %qd = arith.cmpi sge, %qi, %bound : index
    %kd = arith.cmpi sge, %kj, %bound : index
    %same = arith.cmpi eq, %qd, %kd : i1
    %causal = arith.cmpi sge, %qi, %kj : index
    %vis = arith.andi %same, %causal : i1
    attn.yield %vis : i1
  } {q_block_size = 128 : i64, kv_block_size = 128 : i64}
    : (tensor<600x4x64xf16>, tensor<640x4x64xf16>, tensor<640x4x64xf16>, tensor<4xi32>, tensor<4xi32>,
       tensor<3x1x5xi32>, tensor<3x1x5x6xi32>, tensor<3x1x5xi32>, tensor<3x1x5x6xi32>)
    -> (tensor<600x4x64xf16>, tensor<4x600xf32>)
  return %o, %l : tensor<600x4x64xf16>, tensor<4x600xf32>
}
