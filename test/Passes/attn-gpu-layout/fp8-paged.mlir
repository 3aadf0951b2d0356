// fp8 paged caches on the GPU targets (docs/fp8.md): sm_90a lowers
// attn.paged_attention's split kernels with f8E4M3FN caches (the layout
// passes them on; the merge kernel has no fp8 operand), and so do gfx942 and
// gfx950; attn.mla's fp8 latent cache too (its V is a view of the staged,
// dequantized K tile).
// RUN: sed '/^func.func @mla/,/^}/d' %s | attn-opt --attn-gqa-map --attn-tile=target=sm_90a --attn-online-softmax --attn-gpu-layout | FileCheck %s --check-prefix=SM90
// SM90-LABEL: func.func @paged_attn0(
// SM90-SAME: memref<?x?x?x64xf8E4M3FN
// SM90: vector.contract {{.*}}attn.layout = "mma_sync.m16n8k16.rs"
// attn.mla over an fp8 latent cache: the K tile's arith.extf is staged
// ("smem.pad8": dequantized on its way into shared memory), V its first
// kv_lora_rank columns read in place ("smem.pad8.view"), both matmuls 16-bit
// mma.sync; test/Tools/attn-compile/fp8-mla.test has the whole kernels.
// RUN: attn-opt %s --attn-gqa-map --attn-tile=target=sm_90a --attn-online-softmax --attn-gpu-layout | FileCheck %s --check-prefix=MLA
// MLA-LABEL: func.func @mla_attn0(
// MLA-SAME: memref<?x?x96xf8E4M3FN
// MLA: %[[K:.*]] = arith.extf %{{.*}} {attn.layout = "smem.pad8"} : vector<32x96xf8E4M3FN> to vector<32x96xbf16>
// MLA: vector.contract {{.*}} %[[K]], {{.*}} {attn.layout = "mma_sync.m16n8k16.rs"}
// MLA: vector.extract_strided_slice %[[K]] {attn.layout = "smem.pad8.view", offsets = [0, 0], sizes = [32, 64], strides = [1, 1]}
// MLA-LABEL: func.func @mla_attn0_merge(
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
// f8E4M3FN caches, gfx942 with f8E4M3FNUZ; attn.mla's fp8 latent cache too
// (test/Tools/attn-compile/fp8-mla.test).
// RUN: sed '/^func.func @mla/,/^}/d' %s | attn-opt --attn-gqa-map --attn-tile=target=gfx950 --attn-online-softmax --attn-gpu-layout | FileCheck %s --check-prefix=AMD-PAGED
// RUN: sed -e '/^func.func @mla/,/^}/d' -e 's/xf8E4M3FN>/xf8E4M3FNUZ>/g' %s | attn-opt --attn-gqa-map --attn-tile=target=gfx942 --attn-online-softmax --attn-gpu-layout | FileCheck %s --check-prefix=AMD-PAGED
// AMD-PAGED-LABEL: func.func @paged_attn0(
// AMD-PAGED-SAME: memref<?x?x?x64xf8E4M3FN
// AMD-PAGED-SAME: attn.mma = "mfma"
// AMD-PAGED: vector.contract {{.*}}attn.layout = "mfma.32x32x{{(8|16)}}.bf16.rs"
// AMD-PAGED: vector.contract {{.*}}attn.layout = "mfma.32x32x{{(8|16)}}.bf16.rs"
// RUN: attn-opt %s --attn-gqa-map --attn-tile=target=gfx950 --attn-online-softmax --attn-gpu-layout | FileCheck %s --check-prefix=AMD-MLA
// AMD-MLA-LABEL: func.func @mla_attn0(
// AMD-MLA-SAME: attn.mma = "mfma"
// AMD-MLA: arith.extf %{{.*}} {attn.layout = "lds.pad"} : vector<{{[0-9]+}}x96xf8E4M3FN> to vector<{{[0-9]+}}x96xbf16>
func.func @paged(%q: tensor<?x8x64xbf16>, %kc: tensor<40x16x2x64xf8E4M3FN>, %vc: tensor<40x16x2x64xf8E4M3FN>, %bt: tensor<3x8xi32>, %sl: tensor<3xi32>, %qsl: tensor<4xi32>, %ks: tensor<2xf32>, %vs: tensor<2xf32>) -> tensor<?x8x64xbf16> {
  %o = attn.paged_attention %q, %kc, %vc, %bt, %sl, %qsl kv_scale(%ks, %vs) {attn.paged_mode = "decode"} : (tensor<?x8x64xbf16>, tensor<40x16x2x64xf8E4M3FN>, tensor<40x16x2x64xf8E4M3FN>, tensor<3x8xi32>, tensor<3xi32>, tensor<4xi32>, tensor<2xf32>, tensor<2xf32>) -> tensor<?x8x64xbf16>
  return %o : tensor<?x8x64xbf16>
}
