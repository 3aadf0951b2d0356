// Block-sparse and custom masks (issue 17 section 4, docs/masks.md) on the
// CPU against attn-run's double reference. attn-run fills each block mask
// with random valid lists derived from the op's mask_mod (key blocks whose
// elements mask_mod hides are skipped, those it shows are full, others
// partial; then random blocks are skipped although visible and full ones
// demoted to partial; lists shuffled, garbage past the counts) and checks
// against its own interpreter of the region. The three example masks
// (document-causal, prefix-LM, sliding chunks), block masks without a
// region on top of causal / windows, broadcast and per-(b, h) lists, GQA,
// Sq / Sk not multiples of the blocks, rows that see nothing (0 and -inf),
// varlen with an empty sequence, f32 / f16 / bf16. Tiles: the table's, tiny
// ones that split a KV block into several BLOCK_N tiles, the software-pipelined
// loops, and the reference lowering.
// RUN: attn-run %s --target=cpu | FileCheck %s
// RUN: attn-run %s --target=cpu '--pipeline=attn-to-cpu{block-m=8 block-n=4}' | FileCheck %s
// RUN: attn-run %s --target=cpu --reference | FileCheck %s
// GPU-sized tiles (64 x 64) inside 128-blocks, as the sm_90a table would pick them:
// RUN: attn-run %s --target=cpu --func=big_blocks '--pipeline=attn-to-cpu{block-m=64 block-n=64}' | FileCheck %s --check-prefix=BIG
// The software-pipelined KV loops (attn-gpu-pipeline{force=true}) inside the block loops:
// RUN: attn-run %s --target=cpu '--pipeline=attn-to-cpu{sw-pipeline=true}' | FileCheck %s
// A canonicalizer hoists mask_mod's constants out of the region; both the
// lowering and attn-run's interpreter take them from there:
// RUN: attn-opt %s --canonicalize --cse -o %t.mlir
// RUN: FileCheck %s --check-prefix=HOISTED < %t.mlir
// RUN: attn-run %t.mlir --target=cpu --func=document_causal | FileCheck %s --check-prefix=HOIST
// HOISTED-LABEL: func.func @document_causal
// HOISTED: arith.constant 61 : index
// HOISTED: attn.mha
// HOISTED-NOT: arith.constant 61
// HOISTED: attn.yield
// HOIST: @document_causal result 0 (out 2x4x100x32xf32): {{.*}} PASS
// HOIST: @document_causal result 1 (lse 2x4x100xf32): {{.*}} PASS
// A layout where half the rows of @nothing_partial see keys (full blocks) and half none:
// RUN: rm -rf %t.sv && attn-run %s --target=cpu --func=nothing_partial --seed=2 --save=%t.sv | FileCheck %s --check-prefix=EMPTY
// RUN: %python -c "import numpy as n, sys; l = n.load(sys.argv[1]); assert n.isneginf(l).any() and n.isfinite(l).any()" %t.sv/nothing_partial.result1.npy

// Documents [0, 23), [23, 61), [61, 100): causal inside each document.
// CHECK: @document_causal result 0 (out 2x4x100x32xf32): {{.*}} PASS
// CHECK: @document_causal result 1 (lse 2x4x100xf32): {{.*}} PASS
func.func @document_causal(%q: tensor<2x4x100x32xf32>, %k: tensor<2x2x100x32xf32>, %v: tensor<2x2x100x32xf32>,
                           %n: tensor<1x1x7xi32>, %i: tensor<1x1x7x7xi32>, %fn: tensor<1x1x7xi32>, %fi: tensor<1x1x7x7xi32>)
    -> (tensor<2x4x100x32xf32>, tensor<2x4x100xf32>) {
  %o, %l = attn.mha %q, %k, %v block_mask(%n, %i) full_blocks(%fn, %fi) mask_mod {
  ^bb0(%b: index, %h: index, %qi: index, %kj: index):
    %c23 = arith.constant 23 : index
    %c61 = arith.constant 61 : index
    %q1 = arith.cmpi sge, %qi, %c23 : index
    %q2 = arith.cmpi sge, %qi, %c61 : index
    %k1 = arith.cmpi sge, %kj, %c23 : index
    %k2 = arith.cmpi sge, %kj, %c61 : index
    %s1 = arith.cmpi eq, %q1, %k1 : i1
    %s2 = arith.cmpi eq, %q2, %k2 : i1
    %same = arith.andi %s1, %s2 : i1
    %causal = arith.cmpi sge, %qi, %kj : index
    %vis = arith.andi %same, %causal : i1
    attn.yield %vis : i1
  } {q_block_size = 16 : i64, kv_block_size = 16 : i64}
    : (tensor<2x4x100x32xf32>, tensor<2x2x100x32xf32>, tensor<2x2x100x32xf32>, tensor<1x1x7xi32>, tensor<1x1x7x7xi32>, tensor<1x1x7xi32>, tensor<1x1x7x7xi32>)
    -> (tensor<2x4x100x32xf32>, tensor<2x4x100xf32>)
  return %o, %l : tensor<2x4x100x32xf32>, tensor<2x4x100xf32>
}

// Prefix-LM: the first 20 keys are visible to every query, causal after.
// Per-(b, h) lists, bf16, i64 arguments.
// CHECK: @prefix_lm result 0 (out 2x2x90x64xbf16): {{.*}} PASS
// CHECK: @prefix_lm result 1 (lse 2x2x90xf32): {{.*}} PASS
func.func @prefix_lm(%q: tensor<2x2x90x64xbf16>, %k: tensor<2x2x90x64xbf16>, %v: tensor<2x2x90x64xbf16>,
                     %n: tensor<2x2x3xi32>, %i: tensor<2x2x3x6xi32>, %fn: tensor<2x2x3xi32>, %fi: tensor<2x2x3x6xi32>)
    -> (tensor<2x2x90x64xbf16>, tensor<2x2x90xf32>) {
  %o, %l = attn.mha %q, %k, %v block_mask(%n, %i) full_blocks(%fn, %fi) mask_mod {
  ^bb0(%b: i64, %h: i64, %qi: i64, %kj: i64):
    %c20 = arith.constant 20 : i64
    %prefix = arith.cmpi slt, %kj, %c20 : i64
    %causal = arith.cmpi sle, %kj, %qi : i64
    %vis = arith.ori %prefix, %causal : i1
    attn.yield %vis : i1
  } {q_block_size = 32 : i64, kv_block_size = 16 : i64}
    : (tensor<2x2x90x64xbf16>, tensor<2x2x90x64xbf16>, tensor<2x2x90x64xbf16>, tensor<2x2x3xi32>, tensor<2x2x3x6xi32>, tensor<2x2x3xi32>, tensor<2x2x3x6xi32>)
    -> (tensor<2x2x90x64xbf16>, tensor<2x2x90xf32>)
  return %o, %l : tensor<2x2x90x64xbf16>, tensor<2x2x90xf32>
}

// Sliding chunks: causal within the query's chunk of 24 keys and the one
// before it (floordivsi), f16, Sq < Sk (bottom-right causal does not apply:
// mask_mod's indices are raw).
// CHECK: @sliding_chunks result 0 (out 1x4x70x32xf16): {{.*}} PASS
// CHECK: @sliding_chunks result 1 (lse 1x4x70xf32): {{.*}} PASS
func.func @sliding_chunks(%q: tensor<1x4x70x32xf16>, %k: tensor<1x4x110x32xf16>, %v: tensor<1x4x110x32xf16>,
                          %n: tensor<1x4x5xi32>, %i: tensor<1x4x5x14xi32>, %fn: tensor<1x4x5xi32>, %fi: tensor<1x4x5x14xi32>)
    -> (tensor<1x4x70x32xf16>, tensor<1x4x70xf32>) {
  %o, %l = attn.mha %q, %k, %v block_mask(%n, %i) full_blocks(%fn, %fi) mask_mod {
  ^bb0(%b: index, %h: index, %qi: index, %kj: index):
    %c24 = arith.constant 24 : index
    %c1 = arith.constant 1 : index
    %qc = arith.floordivsi %qi, %c24 : index
    %kc = arith.floordivsi %kj, %c24 : index
    %lo = arith.subi %qc, %c1 : index
    %near = arith.cmpi sge, %kc, %lo : index
    %causal = arith.cmpi sle, %kj, %qi : index
    %vis = arith.andi %near, %causal : i1
    attn.yield %vis : i1
  } {q_block_size = 16 : i64, kv_block_size = 8 : i64}
    : (tensor<1x4x70x32xf16>, tensor<1x4x110x32xf16>, tensor<1x4x110x32xf16>, tensor<1x4x5xi32>, tensor<1x4x5x14xi32>, tensor<1x4x5xi32>, tensor<1x4x5x14xi32>)
    -> (tensor<1x4x70x32xf16>, tensor<1x4x70xf32>)
  return %o, %l : tensor<1x4x70x32xf16>, tensor<1x4x70xf32>
}

// A random block mask without a region (aiter's block-sparse LUT) on top of
// causal attention with a window (the op's masks still apply), GQA 8/2,
// Sq > Sk (rows before the diagonal see nothing), no full list.
// CHECK: @random_causal_window result 0 (out 2x8x83x32xf32): {{.*}} PASS
// CHECK: @random_causal_window result 1 (lse 2x8x83xf32): {{.*}} PASS
func.func @random_causal_window(%q: tensor<2x8x83x32xf32>, %k: tensor<2x2x61x32xf32>, %v: tensor<2x2x61x32xf32>,
                                %n: tensor<2x8x6xi32>, %i: tensor<2x8x6x4xi32>)
    -> (tensor<2x8x83x32xf32>, tensor<2x8x83xf32>) {
  %o, %l = attn.mha %q, %k, %v block_mask(%n, %i) {causal, window_left = 40 : i64, q_block_size = 16 : i64, kv_block_size = 16 : i64}
    : (tensor<2x8x83x32xf32>, tensor<2x2x61x32xf32>, tensor<2x2x61x32xf32>, tensor<2x8x6xi32>, tensor<2x8x6x4xi32>)
    -> (tensor<2x8x83x32xf32>, tensor<2x8x83xf32>)
  return %o, %l : tensor<2x8x83x32xf32>, tensor<2x8x83xf32>
}

// mask_mod hides everything: partial blocks show nothing, so the rows whose
// lists hold no full block see no key (out 0, lse -inf).
// CHECK: @nothing_partial result 0 (out 1x2x40x16xf32): {{.*}} PASS
// CHECK: @nothing_partial result 1 (lse 1x2x40xf32): {{.*}} PASS
// EMPTY: @nothing_partial result 0 (out 1x2x40x16xf32): max_abs_err={{[1-9]}}{{.*}} PASS
// EMPTY: @nothing_partial result 1 (lse 1x2x40xf32): {{.*}} PASS
func.func @nothing_partial(%q: tensor<1x2x40x16xf32>, %k: tensor<1x2x50x16xf32>, %v: tensor<1x2x50x16xf32>,
                           %n: tensor<1x2x3xi32>, %i: tensor<1x2x3x4xi32>, %fn: tensor<1x2x3xi32>, %fi: tensor<1x2x3x4xi32>)
    -> (tensor<1x2x40x16xf32>, tensor<1x2x40xf32>) {
  %o, %l = attn.mha %q, %k, %v block_mask(%n, %i) full_blocks(%fn, %fi) mask_mod {
  ^bb0(%b: index, %h: index, %qi: index, %kj: index):
    %f = arith.constant false
    attn.yield %f : i1
  } {q_block_size = 16 : i64, kv_block_size = 16 : i64}
    : (tensor<1x2x40x16xf32>, tensor<1x2x50x16xf32>, tensor<1x2x50x16xf32>, tensor<1x2x3xi32>, tensor<1x2x3x4xi32>, tensor<1x2x3xi32>, tensor<1x2x3x4xi32>)
    -> (tensor<1x2x40x16xf32>, tensor<1x2x40xf32>)
  return %o, %l : tensor<1x2x40x16xf32>, tensor<1x2x40xf32>
}

// Varlen: q blocks and mask_mod's indices are local to each sequence (one
// of them empty), B' = B; document-causal inside each sequence with a
// boundary at local position 13, using the sequence and head arguments.
// CHECK: @varlen_docs result 0 (out 150x4x32xbf16): {{.*}} PASS
// CHECK: @varlen_docs result 1 (lse 4x150xf32): {{.*}} PASS
func.func @varlen_docs(%q: tensor<150x4x32xbf16>, %k: tensor<170x2x32xbf16>, %v: tensor<170x2x32xbf16>,
                       %cq: tensor<4xi32>, %ck: tensor<4xi32>,
                       %n: tensor<3x4x10xi32>, %i: tensor<3x4x10x11xi32>, %fn: tensor<3x4x10xi32>, %fi: tensor<3x4x10x11xi32>)
    -> (tensor<150x4x32xbf16>, tensor<4x150xf32>) {
  %o, %l = attn.mha_varlen %q, %k, %v, %cq, %ck block_mask(%n, %i) full_blocks(%fn, %fi) mask_mod {
  ^bb0(%b: index, %h: index, %qi: index, %kj: index):
    %c13 = arith.constant 13 : index
    %bound = arith.addi %c13, %b : index
    %qd = arith.cmpi sge, %qi, %bound : index
    %kd = arith.cmpi sge, %kj, %bound : index
    %same = arith.cmpi eq, %qd, %kd : i1
    %diag = arith.addi %kj, %h : index
    %causal = arith.cmpi sge, %qi, %diag : index
    %vis = arith.andi %same, %causal : i1
    attn.yield %vis : i1
  } {q_block_size = 16 : i64, kv_block_size = 16 : i64}
    : (tensor<150x4x32xbf16>, tensor<170x2x32xbf16>, tensor<170x2x32xbf16>, tensor<4xi32>, tensor<4xi32>,
       tensor<3x4x10xi32>, tensor<3x4x10x11xi32>, tensor<3x4x10xi32>, tensor<3x4x10x11xi32>)
    -> (tensor<150x4x32xbf16>, tensor<4x150xf32>)
  return %o, %l : tensor<150x4x32xbf16>, tensor<4x150xf32>
}

// FlexAttention's default 128 x 128 blocks, Sq / Sk not multiples of them,
// sliding chunks of 100 with a sink per head.
// CHECK: @big_blocks result 0 (out 1x4x300x64xbf16): {{.*}} PASS
// CHECK: @big_blocks result 1 (lse 1x4x300xf32): {{.*}} PASS
// BIG: @big_blocks result 0 (out 1x4x300x64xbf16): {{.*}} PASS
// BIG: @big_blocks result 1 (lse 1x4x300xf32): {{.*}} PASS
func.func @big_blocks(%q: tensor<1x4x300x64xbf16>, %k: tensor<1x4x400x64xbf16>, %v: tensor<1x4x400x64xbf16>, %s: tensor<4xf32>,
                      %n: tensor<1x1x3xi32>, %i: tensor<1x1x3x4xi32>, %fn: tensor<1x1x3xi32>, %fi: tensor<1x1x3x4xi32>)
    -> (tensor<1x4x300x64xbf16>, tensor<1x4x300xf32>) {
  %o, %l = attn.mha %q, %k, %v sinks(%s) block_mask(%n, %i) full_blocks(%fn, %fi) mask_mod {
  ^bb0(%b: index, %h: index, %qi: index, %kj: index):
    %c100 = arith.constant 100 : index
    %c1 = arith.constant 1 : index
    %qc = arith.divui %qi, %c100 : index
    %kc = arith.divui %kj, %c100 : index
    %lo = arith.subi %qc, %c1 : index
    %near = arith.cmpi sge, %kc, %lo : index
    %causal = arith.cmpi sge, %qi, %kj : index
    %vis = arith.andi %near, %causal : i1
    attn.yield %vis : i1
  } {q_block_size = 128 : i64, kv_block_size = 128 : i64}
    : (tensor<1x4x300x64xbf16>, tensor<1x4x400x64xbf16>, tensor<1x4x400x64xbf16>, tensor<4xf32>,
       tensor<1x1x3xi32>, tensor<1x1x3x4xi32>, tensor<1x1x3xi32>, tensor<1x1x3x4xi32>)
    -> (tensor<1x4x300x64xbf16>, tensor<1x4x300xf32>)
  return %o, %l : tensor<1x4x300x64xbf16>, tensor<1x4x300xf32>
}
