// attn.paged_attention run on attn-run's generated paged inputs (valid
// random seq_lens including 0, 1 and MaxBlocks * BS; decode and prefill
// sequences; tokens past the last sequence; shuffled, shared and garbage
// block-table entries; NaN in every cache slot no sequence reads) and
// compared with the double-precision reference. A fresh seed per run, and
// fixed ones so that each run also covers known layouts.
// RUN: attn-run %s --target=cpu --reference | FileCheck %s
// RUN: attn-run %s --target=cpu --reference --seed=1 | FileCheck %s
// RUN: attn-run %s --target=cpu --reference --seed=2 | FileCheck %s
// The flash CPU lowering on the same functions and generated inputs:
// RUN: attn-run %s --target=cpu | FileCheck %s
// RUN: attn-run %s --target=cpu --pipeline='attn-to-cpu{kv-splits=3}' | FileCheck %s
// Larger dynamic sizes: more sequences than fit the cache at full length.
// RUN: attn-run %s --target=cpu --reference --func=dynamic --dynamic-size=70 | FileCheck %s --check-prefix=DYN
// The saved inputs and results, checked with numpy alone (check-paged.py):
// the layout is valid, NaN marks exactly the cache slots no sequence reads,
// and out/lse recomputed from the inputs match.
// RUN: rm -rf %t && attn-run %s --target=cpu --reference --save=%t > /dev/null
// RUN: %python %S/Inputs/check-paged.py %t decode_gqa --causal | FileCheck %s --check-prefix=NUMPY
// RUN: %python %S/Inputs/check-paged.py %t mixed_mha --causal | FileCheck %s --check-prefix=NUMPY
// RUN: %python %S/Inputs/check-paged.py %t bs1_mqa_window --window-left 7 --window-right 3 | FileCheck %s --check-prefix=NUMPY
// RUN: %python %S/Inputs/check-paged.py %t bs5_softcap_alibi --causal --scale 0.1 --softcap 20 | FileCheck %s --check-prefix=NUMPY
// RUN: %python %S/Inputs/check-paged.py %t bs544_small_nb --causal | FileCheck %s --check-prefix=NUMPY
// RUN: %python %S/Inputs/check-paged.py %t decode_mqa_window --causal --window-left 20 | FileCheck %s --check-prefix=NUMPY
// NUMPY: layout: valid
// NUMPY: out: numpy {{.*}} PASS

// Decode, GQA 4 (32 query heads on 8 KV heads), blocks of 16, D 128.
// CHECK: @decode_gqa op 0 paged: B=4 NB=64 BS=16 MaxBlocks=8 seq_lens=[{{.*}}] q_lens=[{{.*}}]
// CHECK: @decode_gqa result 0 (out 4x32x128xbf16): {{.*}} PASS
func.func @decode_gqa(%q: tensor<4x32x128xbf16>, %kc: tensor<64x16x8x128xbf16>, %vc: tensor<64x16x8x128xbf16>, %bt: tensor<4x8xi32>, %sl: tensor<4xi32>, %qsl: tensor<5xi32>) -> tensor<4x32x128xbf16> {
  %o = attn.paged_attention %q, %kc, %vc, %bt, %sl, %qsl {causal, attn.paged_mode = "decode"} : (tensor<4x32x128xbf16>, tensor<64x16x8x128xbf16>, tensor<64x16x8x128xbf16>, tensor<4x8xi32>, tensor<4xi32>, tensor<5xi32>) -> tensor<4x32x128xbf16>
  return %o : tensor<4x32x128xbf16>
}

// Mixed batch (chunked prefill next to decode), MHA, D 64, with the lse.
// CHECK: @mixed_mha op 0 paged: B=5 NB=40 BS=16 MaxBlocks=6
// CHECK: @mixed_mha result 0 (out 61x4x64xf16): {{.*}} PASS
// CHECK: @mixed_mha result 1 (lse 4x61xf32): {{.*}} PASS
func.func @mixed_mha(%q: tensor<61x4x64xf16>, %kc: tensor<40x16x4x64xf16>, %vc: tensor<40x16x4x64xf16>, %bt: tensor<5x6xi32>, %sl: tensor<5xi32>, %qsl: tensor<6xi32>) -> (tensor<61x4x64xf16>, tensor<4x61xf32>) {
  %o, %l = attn.paged_attention %q, %kc, %vc, %bt, %sl, %qsl {causal} : (tensor<61x4x64xf16>, tensor<40x16x4x64xf16>, tensor<40x16x4x64xf16>, tensor<5x6xi32>, tensor<5xi32>, tensor<6xi32>) -> (tensor<61x4x64xf16>, tensor<4x61xf32>)
  return %o, %l : tensor<61x4x64xf16>, tensor<4x61xf32>
}

// Blocks of one token, MQA, a two-sided window without causal, f32.
// CHECK: @bs1_mqa_window op 0 paged: B=3 NB=100 BS=1 MaxBlocks=40
// CHECK: @bs1_mqa_window result 0 (out 23x8x64xf32): {{.*}} PASS
// CHECK: @bs1_mqa_window result 1 (lse 8x23xf32): {{.*}} PASS
func.func @bs1_mqa_window(%q: tensor<23x8x64xf32>, %kc: tensor<100x1x1x64xf32>, %vc: tensor<100x1x1x64xf32>, %bt: tensor<3x40xi32>, %sl: tensor<3xi32>, %qsl: tensor<4xi32>) -> (tensor<23x8x64xf32>, tensor<8x23xf32>) {
  %o, %l = attn.paged_attention %q, %kc, %vc, %bt, %sl, %qsl {window_left = 7 : i64, window_right = 3 : i64} : (tensor<23x8x64xf32>, tensor<100x1x1x64xf32>, tensor<100x1x1x64xf32>, tensor<3x40xi32>, tensor<3xi32>, tensor<4xi32>) -> (tensor<23x8x64xf32>, tensor<8x23xf32>)
  return %o, %l : tensor<23x8x64xf32>, tensor<8x23xf32>
}

// Blocks of 5 (no power of two), GQA 4, D 128, softcap, alibi, a scale.
// CHECK: @bs5_softcap_alibi op 0 paged: B=4 NB=24 BS=5 MaxBlocks=7
// CHECK: @bs5_softcap_alibi result 0 (out 30x8x128xf16): {{.*}} PASS
// CHECK: @bs5_softcap_alibi result 1 (lse 8x30xf32): {{.*}} PASS
func.func @bs5_softcap_alibi(%q: tensor<30x8x128xf16>, %kc: tensor<24x5x2x128xf16>, %vc: tensor<24x5x2x128xf16>, %bt: tensor<4x7xi32>, %sl: tensor<4xi32>, %qsl: tensor<5xi32>, %s: tensor<8xf32>) -> (tensor<30x8x128xf16>, tensor<8x30xf32>) {
  %o, %l = attn.paged_attention %q, %kc, %vc, %bt, %sl, %qsl alibi(%s) {causal, scale = 0.1 : f32, softcap = 20.0 : f32} : (tensor<30x8x128xf16>, tensor<24x5x2x128xf16>, tensor<24x5x2x128xf16>, tensor<4x7xi32>, tensor<4xi32>, tensor<5xi32>, tensor<8xf32>) -> (tensor<30x8x128xf16>, tensor<8x30xf32>)
  return %o, %l : tensor<30x8x128xf16>, tensor<8x30xf32>
}

// Blocks of 544 tokens and only 3 of them for 4 sequences of up to 1088
// keys: the generator shortens sequences until they fit. MQA.
// CHECK: @bs544_small_nb op 0 paged: B=4 NB=3 BS=544 MaxBlocks=2
// CHECK: @bs544_small_nb result 0 (out 9x4x64xbf16): {{.*}} PASS
func.func @bs544_small_nb(%q: tensor<9x4x64xbf16>, %kc: tensor<3x544x1x64xbf16>, %vc: tensor<3x544x1x64xbf16>, %bt: tensor<4x2xi32>, %sl: tensor<4xi32>, %qsl: tensor<5xi32>) -> tensor<9x4x64xbf16> {
  %o = attn.paged_attention %q, %kc, %vc, %bt, %sl, %qsl {causal} : (tensor<9x4x64xbf16>, tensor<3x544x1x64xbf16>, tensor<3x544x1x64xbf16>, tensor<4x2xi32>, tensor<4xi32>, tensor<5xi32>) -> tensor<9x4x64xbf16>
  return %o : tensor<9x4x64xbf16>
}

// Decode only, MQA (16 query heads on 1), D 128, sliding window and alibi.
// CHECK: @decode_mqa_window op 0 paged: B=6 NB=50 BS=16 MaxBlocks=5
// CHECK: @decode_mqa_window result 0 (out 6x16x128xbf16): {{.*}} PASS
// CHECK: @decode_mqa_window result 1 (lse 16x6xf32): {{.*}} PASS
func.func @decode_mqa_window(%q: tensor<6x16x128xbf16>, %kc: tensor<50x16x1x128xbf16>, %vc: tensor<50x16x1x128xbf16>, %bt: tensor<6x5xi32>, %sl: tensor<6xi32>, %qsl: tensor<7xi32>, %s: tensor<16xf32>) -> (tensor<6x16x128xbf16>, tensor<16x6xf32>) {
  %o, %l = attn.paged_attention %q, %kc, %vc, %bt, %sl, %qsl alibi(%s) {causal, window_left = 20 : i64} : (tensor<6x16x128xbf16>, tensor<50x16x1x128xbf16>, tensor<50x16x1x128xbf16>, tensor<6x5xi32>, tensor<6xi32>, tensor<7xi32>, tensor<16xf32>) -> (tensor<6x16x128xbf16>, tensor<16x6xf32>)
  return %o, %l : tensor<6x16x128xbf16>, tensor<16x6xf32>
}

// One sequence, Dv != D.
// CHECK: @single_dv op 0 paged: B=1 NB=8 BS=16 MaxBlocks=4
// CHECK: @single_dv result 0 (out 5x2x32xf16): {{.*}} PASS
func.func @single_dv(%q: tensor<5x2x64xf16>, %kc: tensor<8x16x2x64xf16>, %vc: tensor<8x16x2x32xf16>, %bt: tensor<1x4xi32>, %sl: tensor<1xi32>, %qsl: tensor<2xi32>) -> tensor<5x2x32xf16> {
  %o = attn.paged_attention %q, %kc, %vc, %bt, %sl, %qsl {causal, attn.paged_mode = "prefill"} : (tensor<5x2x64xf16>, tensor<8x16x2x64xf16>, tensor<8x16x2x32xf16>, tensor<1x4xi32>, tensor<1xi32>, tensor<2xi32>) -> tensor<5x2x32xf16>
  return %o : tensor<5x2x32xf16>
}

// Dynamic Tq, NB, B and MaxBlocks (--dynamic-size, default 37); B+1 offsets.
// CHECK: @dynamic op 0 paged: B=37 NB=37 BS=16 MaxBlocks=37
// CHECK: @dynamic result 0 (out 37x4x64xf32): {{.*}} PASS
// DYN: @dynamic op 0 paged: B=70 NB=70 BS=16 MaxBlocks=70
// DYN: @dynamic result 0 (out 70x4x64xf32): {{.*}} PASS
func.func @dynamic(%q: tensor<?x4x64xf32>, %kc: tensor<?x16x2x64xf32>, %vc: tensor<?x16x2x64xf32>, %bt: tensor<?x?xi32>, %sl: tensor<?xi32>, %qsl: tensor<?xi32>) -> tensor<?x4x64xf32> {
  %o = attn.paged_attention %q, %kc, %vc, %bt, %sl, %qsl {causal} : (tensor<?x4x64xf32>, tensor<?x16x2x64xf32>, tensor<?x16x2x64xf32>, tensor<?x?xi32>, tensor<?xi32>, tensor<?xi32>) -> tensor<?x4x64xf32>
  return %o : tensor<?x4x64xf32>
}

// Two ops on one cache with their own tables and lengths: a slot is NaN
// only if neither reads it.
// CHECK: @shared_cache op 0 paged: B=3 NB=30 BS=8 MaxBlocks=4
// CHECK: @shared_cache op 1 paged: B=2 NB=30 BS=8 MaxBlocks=4
// CHECK: @shared_cache result 0 (out 12x4x64xf16): {{.*}} PASS
// CHECK: @shared_cache result 1 (out 5x4x64xf16): {{.*}} PASS
func.func @shared_cache(%q: tensor<12x4x64xf16>, %kc: tensor<30x8x2x64xf16>, %vc: tensor<30x8x2x64xf16>, %bt: tensor<3x4xi32>, %sl: tensor<3xi32>, %qsl: tensor<4xi32>,
                        %q2: tensor<5x4x64xf16>, %bt2: tensor<2x4xi32>, %sl2: tensor<2xi32>, %qsl2: tensor<3xi32>) -> (tensor<12x4x64xf16>, tensor<5x4x64xf16>) {
  %o = attn.paged_attention %q, %kc, %vc, %bt, %sl, %qsl {causal} : (tensor<12x4x64xf16>, tensor<30x8x2x64xf16>, tensor<30x8x2x64xf16>, tensor<3x4xi32>, tensor<3xi32>, tensor<4xi32>) -> tensor<12x4x64xf16>
  %o2 = attn.paged_attention %q2, %kc, %vc, %bt2, %sl2, %qsl2 : (tensor<5x4x64xf16>, tensor<30x8x2x64xf16>, tensor<30x8x2x64xf16>, tensor<2x4xi32>, tensor<2xi32>, tensor<3xi32>) -> tensor<5x4x64xf16>
  return %o, %o2 : tensor<12x4x64xf16>, tensor<5x4x64xf16>
}

// Degenerate shapes: no sequence, no cache block, no table column, no query.
// CHECK: @no_sequences op 0 paged: B=0 NB=4 BS=4 MaxBlocks=3 seq_lens=[] q_lens=[] tokens_past_last=3
// CHECK: @no_sequences result 0 (out 3x2x16xf32): {{.*}} PASS
// CHECK: @no_sequences result 1 (lse 2x3xf32): {{.*}} PASS
func.func @no_sequences(%q: tensor<3x2x16xf32>, %kc: tensor<4x4x1x16xf32>, %vc: tensor<4x4x1x16xf32>, %bt: tensor<0x3xi32>, %sl: tensor<0xi32>, %qsl: tensor<1xi32>) -> (tensor<3x2x16xf32>, tensor<2x3xf32>) {
  %o, %l = attn.paged_attention %q, %kc, %vc, %bt, %sl, %qsl {causal} : (tensor<3x2x16xf32>, tensor<4x4x1x16xf32>, tensor<4x4x1x16xf32>, tensor<0x3xi32>, tensor<0xi32>, tensor<1xi32>) -> (tensor<3x2x16xf32>, tensor<2x3xf32>)
  return %o, %l : tensor<3x2x16xf32>, tensor<2x3xf32>
}
// CHECK: @no_blocks op 0 paged: B=2 NB=0 BS=4 MaxBlocks=3 seq_lens=[0,0] q_lens=[0,0]
// CHECK: @no_blocks result 0 (out 3x2x16xf32): {{.*}} PASS
func.func @no_blocks(%q: tensor<3x2x16xf32>, %kc: tensor<0x4x1x16xf32>, %vc: tensor<0x4x1x16xf32>, %bt: tensor<2x3xi32>, %sl: tensor<2xi32>, %qsl: tensor<3xi32>) -> tensor<3x2x16xf32> {
  %o = attn.paged_attention %q, %kc, %vc, %bt, %sl, %qsl : (tensor<3x2x16xf32>, tensor<0x4x1x16xf32>, tensor<0x4x1x16xf32>, tensor<2x3xi32>, tensor<2xi32>, tensor<3xi32>) -> tensor<3x2x16xf32>
  return %o : tensor<3x2x16xf32>
}
// CHECK: @no_columns op 0 paged: B=2 NB=4 BS=4 MaxBlocks=0 seq_lens=[0,0] q_lens=[0,0]
// CHECK: @no_columns result 0 (out 3x2x16xf32): {{.*}} PASS
func.func @no_columns(%q: tensor<3x2x16xf32>, %kc: tensor<4x4x1x16xf32>, %vc: tensor<4x4x1x16xf32>, %bt: tensor<2x0xi32>, %sl: tensor<2xi32>, %qsl: tensor<3xi32>) -> tensor<3x2x16xf32> {
  %o = attn.paged_attention %q, %kc, %vc, %bt, %sl, %qsl {causal} : (tensor<3x2x16xf32>, tensor<4x4x1x16xf32>, tensor<4x4x1x16xf32>, tensor<2x0xi32>, tensor<2xi32>, tensor<3xi32>) -> tensor<3x2x16xf32>
  return %o : tensor<3x2x16xf32>
}
// CHECK: @no_queries op 0 paged: B=2 NB=4 BS=4 MaxBlocks=3 seq_lens=[{{.*}}] q_lens=[0,0] tokens_past_last=0
// CHECK: @no_queries result 0 (out 0x2x16xf32): {{.*}} PASS
// CHECK: @no_queries result 1 (lse 2x0xf32): {{.*}} PASS
func.func @no_queries(%q: tensor<0x2x16xf32>, %kc: tensor<4x4x1x16xf32>, %vc: tensor<4x4x1x16xf32>, %bt: tensor<2x3xi32>, %sl: tensor<2xi32>, %qsl: tensor<3xi32>) -> (tensor<0x2x16xf32>, tensor<2x0xf32>) {
  %o, %l = attn.paged_attention %q, %kc, %vc, %bt, %sl, %qsl {causal} : (tensor<0x2x16xf32>, tensor<4x4x1x16xf32>, tensor<4x4x1x16xf32>, tensor<2x3xi32>, tensor<2xi32>, tensor<3xi32>) -> (tensor<0x2x16xf32>, tensor<2x0xf32>)
  return %o, %l : tensor<0x2x16xf32>, tensor<2x0xf32>
}
// CHECK-NOT: FAIL
// DYN-NOT: FAIL
