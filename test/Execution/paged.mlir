// attn.paged_attention on the CPU (attn-to-cpu: split kernel, merge kernel)
// against attn-run's double reference, on its generated paged inputs (random
// valid seq_lens including 0, 1 and full, decode and prefill query lengths,
// shuffled and shared blocks, NaN in every cache slot no sequence reads).
// Block sizes 1, 5, 16, 32, 128 and 544, head dims 64, 128 and 256, GQA 1, 4
// and 8 and MQA, both split kernels, KV splits chosen at run time (1 to 4
// here) and fixed ones. Windows are in paged-window.mlir.
// RUN: attn-run %s --target=cpu | FileCheck %s
// RUN: attn-run %s --target=cpu '--pipeline=attn-to-cpu{isa=generic}' | FileCheck %s
// RUN: attn-run %s --target=cpu '--pipeline=attn-to-cpu{kv-splits=3}' | FileCheck %s
// The merge kernel reads four splits per iteration where its tile has at most 2048
// elements (the sm_90a decode tiles: 16 tokens x D), then the S mod 4 last ones one by
// one: 4 splits (one group), 7 (a group and 3), 9 (two groups and 1).
// RUN: attn-run %s --target=cpu '--pipeline=attn-to-cpu{tiles=sm_90a kv-splits=4}' | FileCheck %s
// RUN: attn-run %s --target=cpu '--pipeline=attn-to-cpu{tiles=sm_90a kv-splits=7}' | FileCheck %s
// RUN: attn-run %s --target=cpu '--pipeline=attn-to-cpu{tiles=sm_90a kv-splits=9}' | FileCheck %s
// The software-pipelined KV loops of the wgmma path (attn-gpu-pipeline, sm_90a tiles), run on the CPU:
// RUN: attn-run %s --target=cpu '--pipeline=attn-to-cpu{tiles=sm_90a sw-pipeline=true}' | FileCheck %s

// Decode, GQA 4 (32 heads on 8), blocks of 16, D 128; 320 keys at most: two
// splits chosen at run time.
// CHECK: @decode_gqa4_bs16 result 0 (out 6x32x128xbf16): {{.*}} PASS
func.func @decode_gqa4_bs16(%q: tensor<6x32x128xbf16>, %kc: tensor<120x16x8x128xbf16>, %vc: tensor<120x16x8x128xbf16>, %bt: tensor<6x20xi32>, %sl: tensor<6xi32>, %qsl: tensor<7xi32>) -> tensor<6x32x128xbf16> {
  %o = attn.paged_attention %q, %kc, %vc, %bt, %sl, %qsl {causal} : (tensor<6x32x128xbf16>, tensor<120x16x8x128xbf16>, tensor<120x16x8x128xbf16>, tensor<6x20xi32>, tensor<6xi32>, tensor<7xi32>) -> tensor<6x32x128xbf16>
  return %o : tensor<6x32x128xbf16>
}

// Decode, MQA (16 heads on 1), blocks of 32, D 64, f16, with the lse; 1024 keys
// at most: four splits.
// CHECK: @decode_mqa_bs32_lse result 0 (out 4x16x64xf16): {{.*}} PASS
// CHECK: @decode_mqa_bs32_lse result 1 (lse 16x4xf32): {{.*}} PASS
func.func @decode_mqa_bs32_lse(%q: tensor<4x16x64xf16>, %kc: tensor<130x32x1x64xf16>, %vc: tensor<130x32x1x64xf16>, %bt: tensor<4x32xi32>, %sl: tensor<4xi32>, %qsl: tensor<5xi32>) -> (tensor<4x16x64xf16>, tensor<16x4xf32>) {
  %o, %l = attn.paged_attention %q, %kc, %vc, %bt, %sl, %qsl {causal} : (tensor<4x16x64xf16>, tensor<130x32x1x64xf16>, tensor<130x32x1x64xf16>, tensor<4x32xi32>, tensor<4xi32>, tensor<5xi32>) -> (tensor<4x16x64xf16>, tensor<16x4xf32>)
  return %o, %l : tensor<4x16x64xf16>, tensor<16x4xf32>
}

// Decode, MHA (one row per program), blocks of one token: every K/V row is
// its own piece; ALiBi slopes read as a row vector.
// CHECK: @decode_mha_bs1_alibi result 0 (out 5x4x64xbf16): {{.*}} PASS
func.func @decode_mha_bs1_alibi(%q: tensor<5x4x64xbf16>, %kc: tensor<400x1x4x64xbf16>, %vc: tensor<400x1x4x64xbf16>, %bt: tensor<5x90xi32>, %sl: tensor<5xi32>, %qsl: tensor<6xi32>, %al: tensor<4xf32>) -> tensor<5x4x64xbf16> {
  %o = attn.paged_attention %q, %kc, %vc, %bt, %sl, %qsl alibi(%al) {causal} : (tensor<5x4x64xbf16>, tensor<400x1x4x64xbf16>, tensor<400x1x4x64xbf16>, tensor<5x90xi32>, tensor<5xi32>, tensor<6xi32>, tensor<4xf32>) -> tensor<5x4x64xbf16>
  return %o : tensor<5x4x64xbf16>
}

// Decode, GQA 8 (16 heads on 2), blocks of 5 (no power of two), D 256, f32,
// softcap.
// CHECK: @decode_gqa8_bs5_softcap result 0 (out 4x16x256xf32): {{.*}} PASS
func.func @decode_gqa8_bs5_softcap(%q: tensor<4x16x256xf32>, %kc: tensor<160x5x2x256xf32>, %vc: tensor<160x5x2x256xf32>, %bt: tensor<4x40xi32>, %sl: tensor<4xi32>, %qsl: tensor<5xi32>) -> tensor<4x16x256xf32> {
  %o = attn.paged_attention %q, %kc, %vc, %bt, %sl, %qsl {causal, softcap = 20.0 : f32} : (tensor<4x16x256xf32>, tensor<160x5x2x256xf32>, tensor<160x5x2x256xf32>, tensor<4x40xi32>, tensor<4xi32>, tensor<5xi32>) -> tensor<4x16x256xf32>
  return %o : tensor<4x16x256xf32>
}

// Mixed batch (chunked prefill next to decode): the prefill kernel, GQA 4,
// blocks of 16, with the lse.
// CHECK: @mixed_gqa4_bs16 result 0 (out 48x8x128xbf16): {{.*}} PASS
// CHECK: @mixed_gqa4_bs16 result 1 (lse 8x48xf32): {{.*}} PASS
func.func @mixed_gqa4_bs16(%q: tensor<48x8x128xbf16>, %kc: tensor<110x16x2x128xbf16>, %vc: tensor<110x16x2x128xbf16>, %bt: tensor<5x20xi32>, %sl: tensor<5xi32>, %qsl: tensor<6xi32>) -> (tensor<48x8x128xbf16>, tensor<8x48xf32>) {
  %o, %l = attn.paged_attention %q, %kc, %vc, %bt, %sl, %qsl {causal} : (tensor<48x8x128xbf16>, tensor<110x16x2x128xbf16>, tensor<110x16x2x128xbf16>, tensor<5x20xi32>, tensor<5xi32>, tensor<6xi32>) -> (tensor<48x8x128xbf16>, tensor<8x48xf32>)
  return %o, %l : tensor<48x8x128xbf16>, tensor<8x48xf32>
}

// The same batch through the decode kernel (GQA-packed rows, several query
// tokens per sequence).
// CHECK: @mixed_decode_kernel result 0 (out 48x8x128xbf16): {{.*}} PASS
// CHECK: @mixed_decode_kernel result 1 (lse 8x48xf32): {{.*}} PASS
func.func @mixed_decode_kernel(%q: tensor<48x8x128xbf16>, %kc: tensor<110x16x2x128xbf16>, %vc: tensor<110x16x2x128xbf16>, %bt: tensor<5x20xi32>, %sl: tensor<5xi32>, %qsl: tensor<6xi32>) -> (tensor<48x8x128xbf16>, tensor<8x48xf32>) {
  %o, %l = attn.paged_attention %q, %kc, %vc, %bt, %sl, %qsl {causal, attn.paged_mode = "decode"} : (tensor<48x8x128xbf16>, tensor<110x16x2x128xbf16>, tensor<110x16x2x128xbf16>, tensor<5x20xi32>, tensor<5xi32>, tensor<6xi32>) -> (tensor<48x8x128xbf16>, tensor<8x48xf32>)
  return %o, %l : tensor<48x8x128xbf16>, tensor<8x48xf32>
}

// Prefill, blocks of 544 (a tile is one piece), MHA, D 64, f16.
// CHECK: @prefill_bs544 result 0 (out 30x4x64xf16): {{.*}} PASS
func.func @prefill_bs544(%q: tensor<30x4x64xf16>, %kc: tensor<4x544x4x64xf16>, %vc: tensor<4x544x4x64xf16>, %bt: tensor<3x2xi32>, %sl: tensor<3xi32>, %qsl: tensor<4xi32>) -> tensor<30x4x64xf16> {
  %o = attn.paged_attention %q, %kc, %vc, %bt, %sl, %qsl {causal} : (tensor<30x4x64xf16>, tensor<4x544x4x64xf16>, tensor<4x544x4x64xf16>, tensor<3x2xi32>, tensor<3xi32>, tensor<4xi32>) -> tensor<30x4x64xf16>
  return %o : tensor<30x4x64xf16>
}

// Prefill, blocks of 128, MQA, D 256, ALiBi without causal.
// CHECK: @prefill_bs128_mqa_alibi result 0 (out 20x8x256xbf16): {{.*}} PASS
func.func @prefill_bs128_mqa_alibi(%q: tensor<20x8x256xbf16>, %kc: tensor<8x128x1x256xbf16>, %vc: tensor<8x128x1x256xbf16>, %bt: tensor<2x3xi32>, %sl: tensor<2xi32>, %qsl: tensor<3xi32>, %al: tensor<8xf32>) -> tensor<20x8x256xbf16> {
  %o = attn.paged_attention %q, %kc, %vc, %bt, %sl, %qsl alibi(%al)  : (tensor<20x8x256xbf16>, tensor<8x128x1x256xbf16>, tensor<8x128x1x256xbf16>, tensor<2x3xi32>, tensor<2xi32>, tensor<3xi32>, tensor<8xf32>) -> tensor<20x8x256xbf16>
  return %o : tensor<20x8x256xbf16>
}

// Decode-only data through the prefill kernel (one row per sequence),
// GQA 4, blocks of 32, with the lse.
// CHECK: @decode_prefill_kernel result 0 (out 4x8x128xbf16): {{.*}} PASS
// CHECK: @decode_prefill_kernel result 1 (lse 8x4xf32): {{.*}} PASS
func.func @decode_prefill_kernel(%q: tensor<4x8x128xbf16>, %kc: tensor<50x32x2x128xbf16>, %vc: tensor<50x32x2x128xbf16>, %bt: tensor<4x12xi32>, %sl: tensor<4xi32>, %qsl: tensor<5xi32>) -> (tensor<4x8x128xbf16>, tensor<8x4xf32>) {
  %o, %l = attn.paged_attention %q, %kc, %vc, %bt, %sl, %qsl {causal, attn.paged_mode = "prefill"} : (tensor<4x8x128xbf16>, tensor<50x32x2x128xbf16>, tensor<50x32x2x128xbf16>, tensor<4x12xi32>, tensor<4xi32>, tensor<5xi32>) -> (tensor<4x8x128xbf16>, tensor<8x4xf32>)
  return %o, %l : tensor<4x8x128xbf16>, tensor<8x4xf32>
}
// CHECK-NOT: FAIL
