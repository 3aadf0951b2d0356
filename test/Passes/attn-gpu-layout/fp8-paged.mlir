// fp8 paged caches on the GPU targets (docs/fp8.md): sm_90a lowers
// attn.paged_attention's split kernels with f8E4M3FN caches (the layout
// passes them on; the merge kernel has no fp8 operand), and so do gfx942 and
// gfx950; attn.mla's fp8 latent cache stays refused, located.
// RUN: sed '/^func.func @mla/,/^}/d' %s | attn-opt --attn-gqa-map --attn-tile=target=sm_90a --attn-online-softmax --attn-gpu-layout | FileCheck %s --check-prefix=SM90
// SM90-LABEL: func.func @paged_attn0(
// SM90-SAME: memref<?x?x?x64xf8E4M3FN
// SM90: vector.contract {{.*}}attn.layout = "mma_sync.m16n8k16.rs"
// attn.mla over an fp8 latent cache: refused on sm_90a (its V tile is a column
// slice of the dequantized K tile, which the staging does not cover yet).
// RUN: not attn-opt %s --attn-to-nvvm 2>&1 | FileCheck %s --check-prefix=MLA --implicit-check-not=@paged
// MLA: fp8-paged.mlir:[[@LINE+3]]:8: error: attn-gpu-layout: 'func.func' has fp8 operands, which target 'sm_90a' does not implement yet (f8E4M3FN;
func.func @mla(%q: tensor<?x16x96xbf16>, %kv: tensor<40x16x96xf8E4M3FN>, %bt: tensor<3x8xi32>,
               %sl: tensor<3xi32>, %qsl: tensor<4xi32>, %s: tensor<40x16xf32>) -> tensor<?x16x64xbf16> {
  %o = attn.mla %q, %kv, %bt, %sl, %qsl kv_scale(%s) {kv_lora_rank = 64 : i64, causal}
      : (tensor<?x16x96xbf16>, tensor<40x16x96xf8E4M3FN>, tensor<3x8xi32>, tensor<3xi32>,
         tensor<4xi32>, tensor<40x16xf32>) -> tensor<?x16x64xbf16>
  return %o : tensor<?x16x64xbf16>
}

// AMD lowers fp8 paged caches (docs/fp8.md, "AMD"): the layout pass passes the
// split kernel on with the 16-bit MFMA of q's type (its tiles are dequantized on
// their way into LDS: test/Passes/attn-lower-amdgpu/fp8-paged.mlir), gfx950 with
// f8E4M3FN caches, gfx942 with f8E4M3FNUZ; attn.mla's fp8 latent cache stays refused.
// RUN: sed '/^func.func @mla/,/^}/d' %s | attn-opt --attn-gqa-map --attn-tile=target=gfx950 --attn-online-softmax --attn-gpu-layout | FileCheck %s --check-prefix=AMD-PAGED
// RUN: sed -e '/^func.func @mla/,/^}/d' -e 's/xf8E4M3FN>/xf8E4M3FNUZ>/g' %s | attn-opt --attn-gqa-map --attn-tile=target=gfx942 --attn-online-softmax --attn-gpu-layout | FileCheck %s --check-prefix=AMD-PAGED
// AMD-PAGED-LABEL: func.func @paged_attn0(
// AMD-PAGED-SAME: memref<?x?x?x64xf8E4M3FN
// AMD-PAGED-SAME: attn.mma = "mfma"
// AMD-PAGED: vector.contract {{.*}}attn.layout = "mfma.32x32x{{(8|16)}}.bf16.rs"
// AMD-PAGED: vector.contract {{.*}}attn.layout = "mfma.32x32x{{(8|16)}}.bf16.rs"
// RUN: not attn-opt %s --attn-to-rocdl=chip=gfx950 2>&1 | FileCheck %s --check-prefix=AMD-MLA --implicit-check-not=@paged
// AMD-MLA: fp8-paged.mlir:{{[0-9]+}}:8: error: attn-gpu-layout: 'func.func' has fp8 operands, which target 'gfx950' does not implement yet (f8E4M3FN;
func.func @paged(%q: tensor<?x8x64xbf16>, %kc: tensor<40x16x2x64xf8E4M3FN>, %vc: tensor<40x16x2x64xf8E4M3FN>, %bt: tensor<3x8xi32>, %sl: tensor<3xi32>, %qsl: tensor<4xi32>, %ks: tensor<2xf32>, %vs: tensor<2xf32>) -> tensor<?x8x64xbf16> {
  %o = attn.paged_attention %q, %kc, %vc, %bt, %sl, %qsl kv_scale(%ks, %vs) {attn.paged_mode = "decode"} : (tensor<?x8x64xbf16>, tensor<40x16x2x64xf8E4M3FN>, tensor<40x16x2x64xf8E4M3FN>, tensor<3x8xi32>, tensor<3xi32>, tensor<4xi32>, tensor<2xf32>, tensor<2xf32>) -> tensor<?x8x64xbf16>
  return %o : tensor<?x8x64xbf16>
}
