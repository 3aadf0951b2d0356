// fp8 KV caches of attn.paged_attention as sm_90a lowers them (docs/fp8.md):
// f8E4M3FN k_cache / v_cache with k_scale / v_scale per tensor ([]), per KV
// head ([Hkv]) and per token ([NB, BS, Hkv]); bf16 and f16 queries; D 64 and
// 128; GQA, MQA and MHA; decode and prefill split kernels; blocks of 1 to 64
// tokens (a tile of one piece, and blocks narrower than a column block of
// the per-token scales). The kernel IR tiled for sm_90a (the tiles the
// NVIDIA lowering gets) runs on the CPU against attn-run's double reference
// on the exactly decoded, scaled caches; NaN in every cache slot no
// sequence reads. attn-compile --target=sm_90a of these functions:
// test/Tools/attn-compile/fp8-paged-ptxas.test.
// RUN: attn-run %s --target=cpu '--pipeline=attn-to-cpu{tiles=sm_90a}' | FileCheck %s
// RUN: attn-run %s --target=cpu '--pipeline=attn-to-cpu{tiles=sm_90a kv-splits=3}' | FileCheck %s
// RUN: attn-run %s --target=cpu --dynamic-size=1 '--pipeline=attn-to-cpu{tiles=sm_90a}' | FileCheck %s

// Per token and head (k and v), decode, GQA 32/8, D = 128, bf16, causal, lse.
// CHECK: @decode_token_bf16 result 0 (out {{.*}}): {{.*}} PASS
// CHECK: @decode_token_bf16 result 1 (lse {{.*}}): {{.*}} PASS
func.func @decode_token_bf16(%q: tensor<?x32x128xbf16>, %kc: tensor<40x16x8x128xf8E4M3FN>, %vc: tensor<40x16x8x128xf8E4M3FN>, %bt: tensor<3x8xi32>, %sl: tensor<3xi32>, %qsl: tensor<4xi32>, %ks: tensor<40x16x8xf32>, %vs: tensor<40x16x8xf32>) -> (tensor<?x32x128xbf16>, tensor<32x?xf32>) {
  %o, %l = attn.paged_attention %q, %kc, %vc, %bt, %sl, %qsl kv_scale(%ks, %vs) {causal, attn.paged_mode = "decode"} : (tensor<?x32x128xbf16>, tensor<40x16x8x128xf8E4M3FN>, tensor<40x16x8x128xf8E4M3FN>, tensor<3x8xi32>, tensor<3xi32>, tensor<4xi32>, tensor<40x16x8xf32>, tensor<40x16x8xf32>) -> (tensor<?x32x128xbf16>, tensor<32x?xf32>)
  return %o, %l : tensor<?x32x128xbf16>, tensor<32x?xf32>
}

// Per KV head, decode, GQA 8/2, D = 64, f16, window, softcap.
// CHECK: @decode_head_f16 result 0 (out {{.*}}): {{.*}} PASS
func.func @decode_head_f16(%q: tensor<?x8x64xf16>, %kc: tensor<30x32x2x64xf8E4M3FN>, %vc: tensor<30x32x2x64xf8E4M3FN>, %bt: tensor<3x6xi32>, %sl: tensor<3xi32>, %qsl: tensor<4xi32>, %ks: tensor<2xf32>, %vs: tensor<2xf32>) -> tensor<?x8x64xf16> {
  %o = attn.paged_attention %q, %kc, %vc, %bt, %sl, %qsl kv_scale(%ks, %vs) {window_left = 40 : i64, softcap = 30.0 : f32, attn.paged_mode = "decode"} : (tensor<?x8x64xf16>, tensor<30x32x2x64xf8E4M3FN>, tensor<30x32x2x64xf8E4M3FN>, tensor<3x6xi32>, tensor<3xi32>, tensor<4xi32>, tensor<2xf32>, tensor<2xf32>) -> tensor<?x8x64xf16>
  return %o : tensor<?x8x64xf16>
}

// Per tensor, decode, MQA 8/1, D = 128, bf16, blocks of 64 (one piece), alibi.
// CHECK: @decode_tensor_bf16 result 0 (out {{.*}}): {{.*}} PASS
func.func @decode_tensor_bf16(%q: tensor<?x8x128xbf16>, %kc: tensor<12x64x1x128xf8E4M3FN>, %vc: tensor<12x64x1x128xf8E4M3FN>, %bt: tensor<3x4xi32>, %sl: tensor<3xi32>, %qsl: tensor<4xi32>, %a: tensor<8xf32>, %ks: tensor<f32>, %vs: tensor<f32>) -> tensor<?x8x128xbf16> {
  %o = attn.paged_attention %q, %kc, %vc, %bt, %sl, %qsl alibi(%a) kv_scale(%ks, %vs) {causal, attn.paged_mode = "decode"} : (tensor<?x8x128xbf16>, tensor<12x64x1x128xf8E4M3FN>, tensor<12x64x1x128xf8E4M3FN>, tensor<3x4xi32>, tensor<3xi32>, tensor<4xi32>, tensor<8xf32>, tensor<f32>, tensor<f32>) -> tensor<?x8x128xbf16>
  return %o : tensor<?x8x128xbf16>
}

// Per token, prefill, MHA 4/4, D = 128, f16, blocks of one token, sinks, lse.
// CHECK: @prefill_token_f16 result 0 (out {{.*}}): {{.*}} PASS
// CHECK: @prefill_token_f16 result 1 (lse {{.*}}): {{.*}} PASS
func.func @prefill_token_f16(%q: tensor<?x4x128xf16>, %kc: tensor<300x1x4x128xf8E4M3FN>, %vc: tensor<300x1x4x128xf8E4M3FN>, %bt: tensor<3x96xi32>, %sl: tensor<3xi32>, %qsl: tensor<4xi32>, %s: tensor<4xf32>, %ks: tensor<300x1x4xf32>, %vs: tensor<300x1x4xf32>) -> (tensor<?x4x128xf16>, tensor<4x?xf32>) {
  %o, %l = attn.paged_attention %q, %kc, %vc, %bt, %sl, %qsl sinks(%s) kv_scale(%ks, %vs) {causal, attn.paged_mode = "prefill"} : (tensor<?x4x128xf16>, tensor<300x1x4x128xf8E4M3FN>, tensor<300x1x4x128xf8E4M3FN>, tensor<3x96xi32>, tensor<3xi32>, tensor<4xi32>, tensor<4xf32>, tensor<300x1x4xf32>, tensor<300x1x4xf32>) -> (tensor<?x4x128xf16>, tensor<4x?xf32>)
  return %o, %l : tensor<?x4x128xf16>, tensor<4x?xf32>
}

// Per token (k) and per tensor (v), prefill, GQA 4/2, D = 64, bf16, blocks of 4.
// CHECK: @prefill_mixed_bf16 result 0 (out {{.*}}): {{.*}} PASS
func.func @prefill_mixed_bf16(%q: tensor<?x4x64xbf16>, %kc: tensor<100x4x2x64xf8E4M3FN>, %vc: tensor<100x4x2x64xf8E4M3FN>, %bt: tensor<3x24xi32>, %sl: tensor<3xi32>, %qsl: tensor<4xi32>, %ks: tensor<100x4x2xf32>, %vs: tensor<f32>) -> tensor<?x4x64xbf16> {
  %o = attn.paged_attention %q, %kc, %vc, %bt, %sl, %qsl kv_scale(%ks, %vs) {causal, attn.paged_mode = "prefill"} : (tensor<?x4x64xbf16>, tensor<100x4x2x64xf8E4M3FN>, tensor<100x4x2x64xf8E4M3FN>, tensor<3x24xi32>, tensor<3xi32>, tensor<4xi32>, tensor<100x4x2xf32>, tensor<f32>) -> tensor<?x4x64xbf16>
  return %o : tensor<?x4x64xbf16>
}

// Per token, decode, GQA 16/2, D = 64, f16, blocks of one token (a column
// block of the scales spans several cache blocks).
// CHECK: @decode_token_f16_bs1 result 0 (out {{.*}}): {{.*}} PASS
func.func @decode_token_f16_bs1(%q: tensor<?x16x64xf16>, %kc: tensor<300x1x2x64xf8E4M3FN>, %vc: tensor<300x1x2x64xf8E4M3FN>, %bt: tensor<3x96xi32>, %sl: tensor<3xi32>, %qsl: tensor<4xi32>, %ks: tensor<300x1x2xf32>, %vs: tensor<300x1x2xf32>) -> tensor<?x16x64xf16> {
  %o = attn.paged_attention %q, %kc, %vc, %bt, %sl, %qsl kv_scale(%ks, %vs) {causal, attn.paged_mode = "decode"} : (tensor<?x16x64xf16>, tensor<300x1x2x64xf8E4M3FN>, tensor<300x1x2x64xf8E4M3FN>, tensor<3x96xi32>, tensor<3xi32>, tensor<4xi32>, tensor<300x1x2xf32>, tensor<300x1x2xf32>) -> tensor<?x16x64xf16>
  return %o : tensor<?x16x64xf16>
}
