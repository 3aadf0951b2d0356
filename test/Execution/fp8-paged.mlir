// fp8 KV caches of attn.paged_attention (issue 16, docs/fp8.md): k_cache and
// v_cache in f8E4M3FN / f8E4M3FNUZ with k_scale / v_scale per token and head
// ([NB, BS, Hkv], aiter's paged decode), per KV head and per tensor; queries
// and out bf16 / f16. They run in the reference lowering only for now (the
// flash kernels refuse them with a located error, checked below); attn-run's
// double reference decodes the cache bits exactly and multiplies by the
// scales, NaN in every cache slot no sequence reads.
// RUN: attn-run %s --target=cpu --reference | FileCheck %s --check-prefix=REF
// RUN: attn-run %s --target=cpu --reference --dynamic-size=1 | FileCheck %s --check-prefix=REF
// RUN: not attn-run %s --target=cpu 2>&1 | FileCheck %s --check-prefix=FLASH
// FLASH: error: attn-online-softmax: 'attn.paged_attention' has fp8 caches, which the flash kernels do not implement yet

// Paged, fp8 caches: per token and head (aiter's), per KV head, per tensor.
// REF: @paged_fn_token result 0 (out {{.*}}): {{.*}} PASS
func.func @paged_fn_token(%q: tensor<?x8x64xbf16>, %kc: tensor<40x16x2x64xf8E4M3FN>, %vc: tensor<40x16x2x64xf8E4M3FN>, %bt: tensor<3x8xi32>, %sl: tensor<3xi32>, %qsl: tensor<4xi32>, %ks: tensor<40x16x2xf32>, %vs: tensor<40x16x2xf32>) -> tensor<?x8x64xbf16> {
  %o = attn.paged_attention %q, %kc, %vc, %bt, %sl, %qsl kv_scale(%ks, %vs) {causal} : (tensor<?x8x64xbf16>, tensor<40x16x2x64xf8E4M3FN>, tensor<40x16x2x64xf8E4M3FN>, tensor<3x8xi32>, tensor<3xi32>, tensor<4xi32>, tensor<40x16x2xf32>, tensor<40x16x2xf32>) -> tensor<?x8x64xbf16>
  return %o : tensor<?x8x64xbf16>
}

// REF: @paged_fnuz_head result 0 (out {{.*}}): {{.*}} PASS
func.func @paged_fnuz_head(%q: tensor<?x8x64xf16>, %kc: tensor<40x16x2x64xf8E4M3FNUZ>, %vc: tensor<40x16x2x64xf8E4M3FNUZ>, %bt: tensor<3x8xi32>, %sl: tensor<3xi32>, %qsl: tensor<4xi32>, %ks: tensor<2xf32>, %vs: tensor<f32>) -> tensor<?x8x64xf16> {
  %o = attn.paged_attention %q, %kc, %vc, %bt, %sl, %qsl kv_scale(%ks, %vs) : (tensor<?x8x64xf16>, tensor<40x16x2x64xf8E4M3FNUZ>, tensor<40x16x2x64xf8E4M3FNUZ>, tensor<3x8xi32>, tensor<3xi32>, tensor<4xi32>, tensor<2xf32>, tensor<f32>) -> tensor<?x8x64xf16>
  return %o : tensor<?x8x64xf16>
}

