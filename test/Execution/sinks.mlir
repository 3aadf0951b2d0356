// Attention sinks (issue 17) on the CPU against attn-run's double reference:
// a per-head logit that joins every row's softmax denominator without a value
// (attn-run's sinks are normal(0, 2), head 0's -inf (no sink), head 1's +6).
// gpt-oss's shape (GQA, a sliding window of 128 next to full causal layers),
// windows and alibi and softcap together, Sq > Sk (rows that see no key: out
// 0, lse = the head's sink), Sk = 0, lengths 1, varlen with an empty sequence
// and tokens past the last one, paged decode and prefill (the merge kernel
// adds the sinks once, whatever the number of KV splits), and the reference
// lowering (attn-to-cpu-reference).
// RUN: attn-run %s --target=cpu | FileCheck %s
// RUN: attn-run %s --target=cpu --dynamic-size=1 | FileCheck %s
// RUN: attn-run %s --target=cpu --reference | FileCheck %s
// RUN: attn-run %s --target=cpu '--pipeline=attn-to-cpu{sw-pipeline=true}' | FileCheck %s
// RUN: attn-run %s --target=cpu --func=paged_decode '--pipeline=attn-to-cpu{kv-splits=3}' | FileCheck %s --check-prefix=SPLITS
// RUN: attn-run %s --target=cpu --func=paged_prefill '--pipeline=attn-to-cpu{kv-splits=3}' | FileCheck %s --check-prefix=SPLITS

// CHECK: @gpt_oss_swa result 0 (out {{.*}}): {{.*}} PASS
// CHECK: @gpt_oss_swa result 1 (lse {{.*}}): {{.*}} PASS
func.func @gpt_oss_swa(%q: tensor<2x16x?x64xbf16>, %k: tensor<2x2x?x64xbf16>, %v: tensor<2x2x?x64xbf16>, %s: tensor<16xf32>) -> (tensor<2x16x?x64xbf16>, tensor<2x16x?xf32>) {
  %o, %l = attn.mha %q, %k, %v sinks(%s) {causal, window_left = 127 : i64} : (tensor<2x16x?x64xbf16>, tensor<2x2x?x64xbf16>, tensor<2x2x?x64xbf16>, tensor<16xf32>) -> (tensor<2x16x?x64xbf16>, tensor<2x16x?xf32>)
  return %o, %l : tensor<2x16x?x64xbf16>, tensor<2x16x?xf32>
}

// Window shorter than a tile, Sq != Sk.
// CHECK: @window_gqa result 0 (out 1x8x200x64xbf16): {{.*}} PASS
// CHECK: @window_gqa result 1 (lse 1x8x200xf32): {{.*}} PASS
func.func @window_gqa(%q: tensor<1x8x200x64xbf16>, %k: tensor<1x2x301x64xbf16>, %v: tensor<1x2x301x64xbf16>, %s: tensor<8xf32>) -> (tensor<1x8x200x64xbf16>, tensor<1x8x200xf32>) {
  %o, %l = attn.mha %q, %k, %v sinks(%s) {causal, window_left = 9 : i64} : (tensor<1x8x200x64xbf16>, tensor<1x2x301x64xbf16>, tensor<1x2x301x64xbf16>, tensor<8xf32>) -> (tensor<1x8x200x64xbf16>, tensor<1x8x200xf32>)
  return %o, %l : tensor<1x8x200x64xbf16>, tensor<1x8x200xf32>
}

// Causal with Sq > Sk: the first 29 rows see no key.
// CHECK: @no_key_rows result 0 (out 2x4x37x32xf32): {{.*}} PASS
// CHECK: @no_key_rows result 1 (lse 2x4x37xf32): {{.*}} PASS
func.func @no_key_rows(%q: tensor<2x4x37x32xf32>, %k: tensor<2x1x8x32xf32>, %v: tensor<2x1x8x32xf32>, %s: tensor<4xf32>) -> (tensor<2x4x37x32xf32>, tensor<2x4x37xf32>) {
  %o, %l = attn.mha %q, %k, %v sinks(%s) {causal} : (tensor<2x4x37x32xf32>, tensor<2x1x8x32xf32>, tensor<2x1x8x32xf32>, tensor<4xf32>) -> (tensor<2x4x37x32xf32>, tensor<2x4x37xf32>)
  return %o, %l : tensor<2x4x37x32xf32>, tensor<2x4x37xf32>
}

// No keys at all; one query and one key.
// CHECK: @no_keys result 1 (lse 1x4x5xf32): {{.*}} PASS
// CHECK: @one_key result 1 (lse 3x4x1xf32): {{.*}} PASS
func.func @no_keys(%q: tensor<1x4x5x16xf32>, %k: tensor<1x4x0x16xf32>, %v: tensor<1x4x0x16xf32>, %s: tensor<4xf32>) -> (tensor<1x4x5x16xf32>, tensor<1x4x5xf32>) {
  %o, %l = attn.mha %q, %k, %v sinks(%s) : (tensor<1x4x5x16xf32>, tensor<1x4x0x16xf32>, tensor<1x4x0x16xf32>, tensor<4xf32>) -> (tensor<1x4x5x16xf32>, tensor<1x4x5xf32>)
  return %o, %l : tensor<1x4x5x16xf32>, tensor<1x4x5xf32>
}
func.func @one_key(%q: tensor<3x4x1x16xf16>, %k: tensor<3x4x1x16xf16>, %v: tensor<3x4x1x16xf16>, %s: tensor<4xf32>) -> (tensor<3x4x1x16xf16>, tensor<3x4x1xf32>) {
  %o, %l = attn.mha %q, %k, %v sinks(%s) {causal} : (tensor<3x4x1x16xf16>, tensor<3x4x1x16xf16>, tensor<3x4x1x16xf16>, tensor<4xf32>) -> (tensor<3x4x1x16xf16>, tensor<3x4x1xf32>)
  return %o, %l : tensor<3x4x1x16xf16>, tensor<3x4x1xf32>
}

// Sinks after alibi, with softcap and a two-sided window.
// CHECK: @alibi_softcap result 0 (out 1x6x45x48xf32): {{.*}} PASS
// CHECK: @alibi_softcap result 1 (lse 1x6x45xf32): {{.*}} PASS
func.func @alibi_softcap(%q: tensor<1x6x45x48xf32>, %k: tensor<1x3x45x48xf32>, %v: tensor<1x3x45x48xf32>, %a: tensor<6xf32>, %s: tensor<6xf32>) -> (tensor<1x6x45x48xf32>, tensor<1x6x45xf32>) {
  %o, %l = attn.mha %q, %k, %v alibi(%a) sinks(%s) {window_left = 5 : i64, window_right = 3 : i64, softcap = 3.0 : f32} : (tensor<1x6x45x48xf32>, tensor<1x3x45x48xf32>, tensor<1x3x45x48xf32>, tensor<6xf32>, tensor<6xf32>) -> (tensor<1x6x45x48xf32>, tensor<1x6x45xf32>)
  return %o, %l : tensor<1x6x45x48xf32>, tensor<1x6x45xf32>
}

// Varlen: an empty sequence and tokens past cu_seqlens_q[B] (lse = the sink).
// CHECK: @varlen_swa result 0 (out 73x8x64xbf16): {{.*}} PASS
// CHECK: @varlen_swa result 1 (lse 8x73xf32): {{.*}} PASS
func.func @varlen_swa(%q: tensor<73x8x64xbf16>, %k: tensor<88x2x64xbf16>, %v: tensor<88x2x64xbf16>, %cq: tensor<5xi32>, %ck: tensor<5xi32>, %s: tensor<8xf32>) -> (tensor<73x8x64xbf16>, tensor<8x73xf32>) {
  %o, %l = attn.mha_varlen %q, %k, %v, %cq, %ck sinks(%s) {causal, window_left = 5 : i64} : (tensor<73x8x64xbf16>, tensor<88x2x64xbf16>, tensor<88x2x64xbf16>, tensor<5xi32>, tensor<5xi32>, tensor<8xf32>) -> (tensor<73x8x64xbf16>, tensor<8x73xf32>)
  return %o, %l : tensor<73x8x64xbf16>, tensor<8x73xf32>
}

// Paged: the decode kernel (GQA-packed rows) and the prefill kernel, a window
// and alibi; seq_lens 0 and 1 among the random layouts.
// SPLITS: result 0 (out {{.*}}): {{.*}} PASS
// SPLITS: result 1 (lse {{.*}}): {{.*}} PASS
// SPLITS-NOT: FAIL
// CHECK: @paged_decode result 0 (out {{.*}}): {{.*}} PASS
// CHECK: @paged_decode result 1 (lse {{.*}}): {{.*}} PASS
func.func @paged_decode(%q: tensor<?x8x64xbf16>, %kc: tensor<40x16x2x64xbf16>, %vc: tensor<40x16x2x64xbf16>, %bt: tensor<5x7xi32>, %sl: tensor<5xi32>, %qsl: tensor<6xi32>, %a: tensor<8xf32>, %s: tensor<8xf32>) -> (tensor<?x8x64xbf16>, tensor<8x?xf32>) {
  %o, %l = attn.paged_attention %q, %kc, %vc, %bt, %sl, %qsl alibi(%a) sinks(%s) {causal, window_left = 20 : i64, attn.paged_mode = "decode"} : (tensor<?x8x64xbf16>, tensor<40x16x2x64xbf16>, tensor<40x16x2x64xbf16>, tensor<5x7xi32>, tensor<5xi32>, tensor<6xi32>, tensor<8xf32>, tensor<8xf32>) -> (tensor<?x8x64xbf16>, tensor<8x?xf32>)
  return %o, %l : tensor<?x8x64xbf16>, tensor<8x?xf32>
}
// CHECK: @paged_prefill result 0 (out {{.*}}): {{.*}} PASS
// CHECK: @paged_prefill result 1 (lse {{.*}}): {{.*}} PASS
func.func @paged_prefill(%q: tensor<?x4x32xf32>, %kc: tensor<30x5x4x32xf32>, %vc: tensor<30x5x4x32xf32>, %bt: tensor<4x9xi32>, %sl: tensor<4xi32>, %qsl: tensor<5xi32>, %s: tensor<4xf32>) -> (tensor<?x4x32xf32>, tensor<4x?xf32>) {
  %o, %l = attn.paged_attention %q, %kc, %vc, %bt, %sl, %qsl sinks(%s) {causal, attn.paged_mode = "prefill"} : (tensor<?x4x32xf32>, tensor<30x5x4x32xf32>, tensor<30x5x4x32xf32>, tensor<4x9xi32>, tensor<4xi32>, tensor<5xi32>, tensor<4xf32>) -> (tensor<?x4x32xf32>, tensor<4x?xf32>)
  return %o, %l : tensor<?x4x32xf32>, tensor<4x?xf32>
}
// CHECK-NOT: FAIL
