// fp8 KV caches of attn.paged_attention (issue 16, docs/fp8.md): k_cache and
// v_cache in f8E4M3FN / f8E4M3FNUZ with k_scale / v_scale per token and head
// ([NB, BS, Hkv], aiter's paged decode), per KV head and per tensor; queries
// and out bf16 / f16. attn-run's double reference decodes the cache bits
// exactly and multiplies by the scales; NaN in every cache slot no sequence
// reads. Decode (GQA-packed rows) and prefill split kernels, several KV
// splits (the merge sees per-head v scales in each split's partial result),
// sinks, alibi, window, softcap, lse, the reference lowering; attn.mla over an
// fp8 latent cache with kv_scale.
// RUN: attn-run %s --target=cpu | FileCheck %s
// RUN: attn-run %s --target=cpu --dynamic-size=1 | FileCheck %s
// RUN: attn-run %s --target=cpu '--pipeline=attn-to-cpu{kv-splits=3}' | FileCheck %s
// RUN: attn-run %s --target=cpu '--pipeline=attn-to-cpu{isa=generic}' | FileCheck %s
// RUN: attn-run %s --target=cpu --reference | FileCheck %s
// The kernel IR tiled for the AMD chips (docs/fp8.md, "AMD"), each in its own format.
// RUN: sed 's/xf8E4M3FN>/xf8E4M3FNUZ>/g' %s > %t.fnuz.mlir
// RUN: attn-run %t.fnuz.mlir --target=cpu '--pipeline=attn-to-cpu{tiles=gfx942}' | FileCheck %s
// RUN: sed 's/xf8E4M3FNUZ>/xf8E4M3FN>/g' %s > %t.fn.mlir
// RUN: attn-run %t.fn.mlir --target=cpu '--pipeline=attn-to-cpu{tiles=gfx950}' | FileCheck %s

// Per token and head, decode kernel, lse.
// CHECK: @decode_fn_token result 0 (out {{.*}}): {{.*}} PASS
// CHECK: @decode_fn_token result 1 (lse {{.*}}): {{.*}} PASS
func.func @decode_fn_token(%q: tensor<?x8x64xbf16>, %kc: tensor<40x16x2x64xf8E4M3FN>, %vc: tensor<40x16x2x64xf8E4M3FN>, %bt: tensor<3x8xi32>, %sl: tensor<3xi32>, %qsl: tensor<4xi32>, %ks: tensor<40x16x2xf32>, %vs: tensor<40x16x2xf32>) -> (tensor<?x8x64xbf16>, tensor<8x?xf32>) {
  %o, %l = attn.paged_attention %q, %kc, %vc, %bt, %sl, %qsl kv_scale(%ks, %vs) {causal, attn.paged_mode = "decode"} : (tensor<?x8x64xbf16>, tensor<40x16x2x64xf8E4M3FN>, tensor<40x16x2x64xf8E4M3FN>, tensor<3x8xi32>, tensor<3xi32>, tensor<4xi32>, tensor<40x16x2xf32>, tensor<40x16x2xf32>) -> (tensor<?x8x64xbf16>, tensor<8x?xf32>)
  return %o, %l : tensor<?x8x64xbf16>, tensor<8x?xf32>
}

// Per token (k) and per head (v), prefill kernel, sinks.
// CHECK: @prefill_fn_mixed result 0 (out {{.*}}): {{.*}} PASS
// CHECK: @prefill_fn_mixed result 1 (lse {{.*}}): {{.*}} PASS
func.func @prefill_fn_mixed(%q: tensor<?x8x64xbf16>, %kc: tensor<40x16x2x64xf8E4M3FN>, %vc: tensor<40x16x2x64xf8E4M3FN>, %bt: tensor<3x8xi32>, %sl: tensor<3xi32>, %qsl: tensor<4xi32>, %s: tensor<8xf32>, %ks: tensor<40x16x2xf32>, %vs: tensor<2xf32>) -> (tensor<?x8x64xbf16>, tensor<8x?xf32>) {
  %o, %l = attn.paged_attention %q, %kc, %vc, %bt, %sl, %qsl sinks(%s) kv_scale(%ks, %vs) {causal, attn.paged_mode = "prefill"} : (tensor<?x8x64xbf16>, tensor<40x16x2x64xf8E4M3FN>, tensor<40x16x2x64xf8E4M3FN>, tensor<3x8xi32>, tensor<3xi32>, tensor<4xi32>, tensor<8xf32>, tensor<40x16x2xf32>, tensor<2xf32>) -> (tensor<?x8x64xbf16>, tensor<8x?xf32>)
  return %o, %l : tensor<?x8x64xbf16>, tensor<8x?xf32>
}

// e4m3fnuz, per KV head and per tensor, f16, decode, alibi, window, softcap.
// CHECK: @decode_fnuz_head result 0 (out {{.*}}): {{.*}} PASS
func.func @decode_fnuz_head(%q: tensor<?x8x64xf16>, %kc: tensor<40x16x2x64xf8E4M3FNUZ>, %vc: tensor<40x16x2x64xf8E4M3FNUZ>, %bt: tensor<3x8xi32>, %sl: tensor<3xi32>, %qsl: tensor<4xi32>, %a: tensor<8xf32>, %ks: tensor<2xf32>, %vs: tensor<f32>) -> tensor<?x8x64xf16> {
  %o = attn.paged_attention %q, %kc, %vc, %bt, %sl, %qsl alibi(%a) kv_scale(%ks, %vs) {window_left = 20 : i64, softcap = 30.0 : f32, attn.paged_mode = "decode"} : (tensor<?x8x64xf16>, tensor<40x16x2x64xf8E4M3FNUZ>, tensor<40x16x2x64xf8E4M3FNUZ>, tensor<3x8xi32>, tensor<3xi32>, tensor<4xi32>, tensor<8xf32>, tensor<2xf32>, tensor<f32>) -> tensor<?x8x64xf16>
  return %o : tensor<?x8x64xf16>
}

// e4m3fnuz, per token, prefill, MQA, block size 1.
// CHECK: @prefill_fnuz_token result 0 (out {{.*}}): {{.*}} PASS
// CHECK: @prefill_fnuz_token result 1 (lse {{.*}}): {{.*}} PASS
func.func @prefill_fnuz_token(%q: tensor<?x8x64xbf16>, %kc: tensor<300x1x1x64xf8E4M3FNUZ>, %vc: tensor<300x1x1x64xf8E4M3FNUZ>, %bt: tensor<3x128xi32>, %sl: tensor<3xi32>, %qsl: tensor<4xi32>, %ks: tensor<300x1x1xf32>, %vs: tensor<300x1x1xf32>) -> (tensor<?x8x64xbf16>, tensor<8x?xf32>) {
  %o, %l = attn.paged_attention %q, %kc, %vc, %bt, %sl, %qsl kv_scale(%ks, %vs) {causal, attn.paged_mode = "prefill"} : (tensor<?x8x64xbf16>, tensor<300x1x1x64xf8E4M3FNUZ>, tensor<300x1x1x64xf8E4M3FNUZ>, tensor<3x128xi32>, tensor<3xi32>, tensor<4xi32>, tensor<300x1x1xf32>, tensor<300x1x1xf32>) -> (tensor<?x8x64xbf16>, tensor<8x?xf32>)
  return %o, %l : tensor<?x8x64xbf16>, tensor<8x?xf32>
}

// attn.mla over an fp8 latent cache: kv_scale per token ([NB, BS]), one scale
// for K and its V prefix (the V tile a column slice of the dequantized K tile).
// CHECK: @mla_fn_token result 0 (out {{.*}}): {{.*}} PASS
// CHECK: @mla_fn_token result 1 (lse {{.*}}): {{.*}} PASS
func.func @mla_fn_token(%q: tensor<?x16x96xbf16>, %kv: tensor<40x16x96xf8E4M3FN>, %bt: tensor<3x8xi32>, %sl: tensor<3xi32>, %qsl: tensor<4xi32>, %s: tensor<40x16xf32>) -> (tensor<?x16x64xbf16>, tensor<16x?xf32>) {
  %o, %l = attn.mla %q, %kv, %bt, %sl, %qsl kv_scale(%s) {kv_lora_rank = 64 : i64, causal} : (tensor<?x16x96xbf16>, tensor<40x16x96xf8E4M3FN>, tensor<3x8xi32>, tensor<3xi32>, tensor<4xi32>, tensor<40x16xf32>) -> (tensor<?x16x64xbf16>, tensor<16x?xf32>)
  return %o, %l : tensor<?x16x64xbf16>, tensor<16x?xf32>
}

// attn.mla, e4m3fnuz, per-tensor kv_scale, f16.
// CHECK: @mla_fnuz_tensor result 0 (out {{.*}}): {{.*}} PASS
func.func @mla_fnuz_tensor(%q: tensor<?x8x80xf16>, %kv: tensor<30x32x80xf8E4M3FNUZ>, %bt: tensor<2x6xi32>, %sl: tensor<2xi32>, %qsl: tensor<3xi32>, %s: tensor<f32>) -> tensor<?x8x48xf16> {
  %o = attn.mla %q, %kv, %bt, %sl, %qsl kv_scale(%s) {kv_lora_rank = 48 : i64, scale = 0.1 : f32} : (tensor<?x8x80xf16>, tensor<30x32x80xf8E4M3FNUZ>, tensor<2x6xi32>, tensor<2xi32>, tensor<3xi32>, tensor<f32>) -> tensor<?x8x48xf16>
  return %o : tensor<?x8x48xf16>
}
