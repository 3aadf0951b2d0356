// attn.paged_attention with sliding windows on the CPU: the KV loops start at
// the window's left edge, rounded down to a block-table piece, in every KV
// split (fixed splits 1 and 3, and the run-time choice).
// RUN: attn-run %s --target=cpu | FileCheck %s
// RUN: attn-run %s --target=cpu '--pipeline=attn-to-cpu{kv-splits=1}' | FileCheck %s
// RUN: attn-run %s --target=cpu '--pipeline=attn-to-cpu{kv-splits=3 isa=generic}' | FileCheck %s

// Decode, GQA 4, blocks of 16, a causal window of 37 keys whose left edge
// falls inside a block, with the lse.
// CHECK: @decode_window result 0 (out 6x32x128xbf16): {{.*}} PASS
// CHECK: @decode_window result 1 (lse 32x6xf32): {{.*}} PASS
func.func @decode_window(%q: tensor<6x32x128xbf16>, %kc: tensor<120x16x8x128xbf16>, %vc: tensor<120x16x8x128xbf16>, %bt: tensor<6x20xi32>, %sl: tensor<6xi32>, %qsl: tensor<7xi32>) -> (tensor<6x32x128xbf16>, tensor<32x6xf32>) {
  %o, %l = attn.paged_attention %q, %kc, %vc, %bt, %sl, %qsl {causal, window_left = 37 : i64} : (tensor<6x32x128xbf16>, tensor<120x16x8x128xbf16>, tensor<120x16x8x128xbf16>, tensor<6x20xi32>, tensor<6xi32>, tensor<7xi32>) -> (tensor<6x32x128xbf16>, tensor<32x6xf32>)
  return %o, %l : tensor<6x32x128xbf16>, tensor<32x6xf32>
}

// Mixed batch, MQA, blocks of 5, a two-sided window without causal, f16.
// CHECK: @mixed_window_two_sided result 0 (out 40x8x64xf16): {{.*}} PASS
func.func @mixed_window_two_sided(%q: tensor<40x8x64xf16>, %kc: tensor<100x5x1x64xf16>, %vc: tensor<100x5x1x64xf16>, %bt: tensor<4x30xi32>, %sl: tensor<4xi32>, %qsl: tensor<5xi32>) -> tensor<40x8x64xf16> {
  %o = attn.paged_attention %q, %kc, %vc, %bt, %sl, %qsl {window_left = 9 : i64, window_right = 4 : i64} : (tensor<40x8x64xf16>, tensor<100x5x1x64xf16>, tensor<100x5x1x64xf16>, tensor<4x30xi32>, tensor<4xi32>, tensor<5xi32>) -> tensor<40x8x64xf16>
  return %o : tensor<40x8x64xf16>
}

// Decode kernel on a mixed batch, GQA 8, blocks of 32, window, softcap and
// ALiBi.
// CHECK: @mixed_decode_window_alibi result 0 (out 24x16x64xbf16): {{.*}} PASS
func.func @mixed_decode_window_alibi(%q: tensor<24x16x64xbf16>, %kc: tensor<60x32x2x64xbf16>, %vc: tensor<60x32x2x64xbf16>, %bt: tensor<4x12xi32>, %sl: tensor<4xi32>, %qsl: tensor<5xi32>, %al: tensor<16xf32>) -> tensor<24x16x64xbf16> {
  %o = attn.paged_attention %q, %kc, %vc, %bt, %sl, %qsl alibi(%al) {causal, window_left = 50 : i64, softcap = 30.0 : f32, attn.paged_mode = "decode"} : (tensor<24x16x64xbf16>, tensor<60x32x2x64xbf16>, tensor<60x32x2x64xbf16>, tensor<4x12xi32>, tensor<4xi32>, tensor<5xi32>, tensor<16xf32>) -> tensor<24x16x64xbf16>
  return %o : tensor<24x16x64xbf16>
}
// CHECK-NOT: FAIL
