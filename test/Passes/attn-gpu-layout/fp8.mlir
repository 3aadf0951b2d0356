// fp8 kernels (docs/fp8.md) on the GPU targets. sm_90a lowers fp8 attn.mha /
// attn.mha_varlen (and attn.paged_attention's caches: fp8-paged.mlir) on the
// mma.sync path: q, k and v are dequantized to out's 16-bit type as they are
// staged in shared memory, so every fp8 tile's arith.extf carries the staged
// layout (Q too: "smem.pad8", never "regs.mma_a") and the matmuls are the
// 16-bit mma.sync ones (test/Passes/attn-lower-nvgpu/fp8-mha.mlir). wgmma
// (mma=wgmma) is a located error saying why. gfx942 and gfx950 lower them
// too, in their own formats (attn-tile checks that the chip has the format:
// sm_90a and gfx950 take f8E4M3FN, gfx942 f8E4M3FNUZ; the CPU takes both:
// test/Execution/fp8.mlir): Q K^T takes the chip's fp8 MFMA on the tiles'
// bytes (Q's arith.extf "regs.mfma_a.fp8", K's "lds.pad.fp8"; the largest K
// that divides the head dim: gfx950's f8f6f4 32x32x64, or 32x32x16 fp8_fp8 at
// D = 72, an 80-column tile), V's is "lds.pad" (dequantized) and P V out's
// 16-bit MFMA, unless P is rounded to e4m3 (below). fp8-mfma=false dequantizes Q ("regs.mfma_a") and K too
// (test/Passes/attn-lower-amdgpu/fp8-mha.mlir).
// RUN: attn-opt %s --attn-gqa-map --attn-tile=target=sm_90a --attn-online-softmax --attn-gpu-layout | FileCheck %s --check-prefix=SM90
// RUN: attn-opt %s --attn-gqa-map --attn-tile=target=sm_90a --attn-online-softmax --attn-gpu-layout=mma=auto | FileCheck %s --check-prefix=SM90
// RUN: not attn-opt %s --attn-gqa-map --attn-tile=target=sm_90a --attn-online-softmax --attn-gpu-layout=mma=wgmma 2>&1 | FileCheck %s --check-prefix=WGMMA
// RUN: attn-opt %s --attn-gqa-map --attn-tile=target=gfx950 --attn-online-softmax --attn-gpu-layout | FileCheck %s --check-prefix=GFX950
// RUN: not attn-opt %s --attn-to-rocdl 2>&1 | FileCheck %s --check-prefix=GFX942
// RUN: sed s/xf8E4M3FN/xf8E4M3FNUZ/g %s | attn-opt --attn-gqa-map --attn-tile=target=gfx942 --attn-online-softmax --attn-gpu-layout | FileCheck %s --check-prefix=GFX942-FNUZ
// RUN: sed s/xf8E4M3FN/xf8E4M3FNUZ/g %s | not attn-opt --attn-to-nvvm 2>&1 | FileCheck %s --check-prefix=SM90-FNUZ
// RUN: attn-opt %s --attn-gqa-map --attn-tile=target=gfx950 --attn-online-softmax --attn-gpu-layout=fp8-mfma=false | FileCheck %s --check-prefix=DEQ950
// P rounded to e4m3 (attn-online-softmax{fp8-p}, which attn-to-rocdl sets): P V takes
// the fp8 MFMA too, the largest K dividing the keys of a tile (block_n 64: gfx942's
// 32x32x16, gfx950's f8f6f4 32x32x64, also where Q K^T takes 32x32x16 at D = 72);
// P's arith.extf is "regs.mfma_b.fp8", V's "lds.pad.fp8". Without an fp8 Q K^T
// (fp8-mfma=false) P V stays 16-bit, P rounded all the same.
// RUN: sed s/xf8E4M3FN/xf8E4M3FNUZ/g %s | attn-opt --attn-gqa-map --attn-tile=target=gfx942 --attn-online-softmax=fp8-p=true --attn-gpu-layout | FileCheck %s --check-prefix=P942
// RUN: attn-opt %s --attn-gqa-map --attn-tile=target=gfx950 --attn-online-softmax=fp8-p=true --attn-gpu-layout | FileCheck %s --check-prefix=P950
// RUN: attn-opt %s --attn-gqa-map --attn-tile=target=gfx950 --attn-online-softmax=fp8-p=true --attn-gpu-layout=fp8-mfma=false | FileCheck %s --check-prefix=PDEQ950
// P942-LABEL: func.func @fp8_attn0(
// P942: vector.contract {{.*}} {attn.layout = "mfma.32x32x16.fp8.rs"}
// P942: arith.truncf %{{.*}} : vector<128x64xf32> to vector<128x64xf8E4M3FNUZ>
// P942-NEXT: arith.extf %{{.*}} {attn.layout = "regs.mfma_b.fp8"} : vector<128x64xf8E4M3FNUZ> to vector<128x64xbf16>
// P942: arith.extf %{{.*}} {attn.layout = "lds.pad.fp8"} : vector<64x128xf8E4M3FNUZ> to vector<64x128xbf16>
// P942: vector.contract {{.*}} {attn.layout = "mfma.32x32x16.fp8.rs"}
// P942-NOT: bf16.rs
// P942-LABEL: func.func @fp8_varlen_attn1(
// P942: arith.extf %{{.*}} {attn.layout = "regs.mfma_b.fp8"} : vector<128x64xf8E4M3FNUZ> to vector<128x64xf16>
// P942: vector.contract {{.*}} {attn.layout = "mfma.32x32x16.fp8.rs"}
// P942-NOT: f16.rs
// P942-LABEL: func.func @fp8_d72_attn2(
// P942: arith.extf %{{.*}} {attn.layout = "lds.pad.fp8"} : vector<64x96xf8E4M3FNUZ> to vector<64x96xbf16>
// P942: vector.contract {{.*}} {attn.layout = "mfma.32x32x16.fp8.rs"}
// P950-LABEL: func.func @fp8_attn0(
// P950: vector.contract {{.*}} {attn.layout = "mfma.32x32x64.fp8.rs"}
// P950: arith.extf %{{.*}} {attn.layout = "regs.mfma_b.fp8"} : vector<128x64xf8E4M3FN> to vector<128x64xbf16>
// P950: arith.extf %{{.*}} {attn.layout = "lds.pad.fp8"} : vector<64x128xf8E4M3FN> to vector<64x128xbf16>
// P950: vector.contract {{.*}} {attn.layout = "mfma.32x32x64.fp8.rs"}
// P950-NOT: bf16.rs
// P950-LABEL: func.func @fp8_d72_attn2(
// P950: vector.contract {{.*}} {attn.layout = "mfma.32x32x16.fp8.rs"}
// P950: arith.extf %{{.*}} {attn.layout = "regs.mfma_b.fp8"} : vector<128x64xf8E4M3FN> to vector<128x64xbf16>
// P950: vector.contract {{.*}} {attn.layout = "mfma.32x32x64.fp8.rs"}
// PDEQ950-LABEL: func.func @fp8_attn0(
// PDEQ950-NOT: .fp8
// PDEQ950: arith.truncf %{{.*}} : vector<128x64xf32> to vector<128x64xf8E4M3FN>
// PDEQ950-NEXT: arith.extf %{{.*}} : vector<128x64xf8E4M3FN> to vector<128x64xbf16>
// PDEQ950: arith.extf %{{.*}} {attn.layout = "lds.pad"} : vector<64x128xf8E4M3FN> to vector<64x128xbf16>
// PDEQ950: vector.contract {{.*}} {attn.layout = "mfma.32x32x16.bf16.rs"}
// PDEQ950-NOT: .fp8
// PDEQ950-LABEL: func.func @fp8_varlen_attn1(

// SM90-LABEL: func.func @fp8_attn0(
// SM90-SAME: memref<?x?x?x128xf8E4M3FN
// SM90-SAME: attn.mma = "mma_sync"
// SM90-NOT: regs.mma_a
// SM90: arith.extf %{{.*}} {attn.layout = "smem.pad8"} : vector<128x128xf8E4M3FN> to vector<128x128xbf16>
// SM90-NOT: regs.mma_a
// SM90: arith.extf %{{.*}} {attn.layout = "smem.pad8"} : vector<128x128xf8E4M3FN> to vector<128x128xbf16>
// SM90: vector.contract {{.*}} {attn.layout = "mma_sync.m16n8k16.ss"}
// SM90: arith.extf %{{.*}} {attn.layout = "smem.pad8"} : vector<128x128xf8E4M3FN> to vector<128x128xbf16>
// SM90: vector.contract {{.*}} {attn.layout = "mma_sync.m16n8k16.rs"}
// SM90-NOT: wgmma
// SM90-LABEL: func.func @fp8_varlen_attn1(
// SM90-SAME: attn.mma = "mma_sync"
// SM90-NOT: regs.mma_a
// SM90: arith.extf %{{.*}} {attn.layout = "smem.pad8"} : vector<64x64xf8E4M3FN> to vector<64x64xf16>
// SM90: vector.contract {{.*}} {attn.layout = "mma_sync.m16n8k16.ss"}
// SM90-NOT: wgmma
// fp8 head dims pad to mma.sync's 16, not to wgmma's 64 (D = 72: an 80-column tile).
// SM90-LABEL: func.func @fp8_d72_attn2(
// SM90-SAME: d_tile = 80 : i64
// SM90-SAME: attn.mma = "mma_sync"
// WGMMA: fp8.mlir:{{[0-9]+}}:8: error: attn-gpu-layout: 'func.func' cannot use wgmma (mma=wgmma): its K/V tiles are fp8, dequantized as they are staged (mma.sync only for now)
// GFX950-LABEL: func.func @fp8_attn0(
// GFX950-SAME: attn.mma = "mfma"
// GFX950: arith.extf %{{.*}} {attn.layout = "regs.mfma_a.fp8"} : vector<128x128xf8E4M3FN> to vector<128x128xbf16>
// GFX950: arith.extf %{{.*}} {attn.layout = "lds.pad.fp8"} : vector<64x128xf8E4M3FN> to vector<64x128xbf16>
// GFX950: vector.contract {{.*}} {attn.layout = "mfma.32x32x64.fp8.rs"}
// GFX950: arith.extf %{{.*}} {attn.layout = "lds.pad"} : vector<64x128xf8E4M3FN> to vector<64x128xbf16>
// GFX950: vector.contract {{.*}} {attn.layout = "mfma.32x32x16.bf16.rs"}
// GFX950-LABEL: func.func @fp8_varlen_attn1(
// GFX950-SAME: attn.mma = "mfma"
// GFX950: arith.extf %{{.*}} {attn.layout = "regs.mfma_a.fp8"} : vector<128x64xf8E4M3FN> to vector<128x64xf16>
// GFX950: vector.contract {{.*}} {attn.layout = "mfma.32x32x64.fp8.rs"}
// GFX950: vector.contract {{.*}} {attn.layout = "mfma.32x32x16.f16.rs"}
// GFX950-LABEL: func.func @fp8_d72_attn2(
// GFX950-SAME: attn.mma = "mfma"
// GFX950: vector.contract {{.*}} {attn.layout = "mfma.32x32x16.fp8.rs"}
// GFX950: vector.contract {{.*}} {attn.layout = "mfma.32x32x16.bf16.rs"}
// DEQ950-LABEL: func.func @fp8_attn0(
// DEQ950-NOT: .fp8
// DEQ950: arith.extf %{{.*}} {attn.layout = "regs.mfma_a"} : vector<128x128xf8E4M3FN> to vector<128x128xbf16>
// DEQ950: arith.extf %{{.*}} {attn.layout = "lds.pad"} : vector<64x128xf8E4M3FN> to vector<64x128xbf16>
// DEQ950: vector.contract {{.*}} {attn.layout = "mfma.32x32x16.bf16.rs"}
// DEQ950-NOT: .fp8
// DEQ950-LABEL: func.func @fp8_varlen_attn1(
// GFX942: fp8.mlir:{{[0-9]+}}:8: error: attn-tile: 'attn.mha' has f8E4M3FN operands, a format target 'gfx942' lacks (it takes f8E4M3FNUZ; sm_90a and gfx950 take f8E4M3FN, gfx942 f8E4M3FNUZ, the CPU both)
// GFX942-FNUZ-LABEL: func.func @fp8_attn0(
// GFX942-FNUZ-SAME: attn.mma = "mfma"
// GFX942-FNUZ: arith.extf %{{.*}} {attn.layout = "regs.mfma_a.fp8"} : vector<128x128xf8E4M3FNUZ> to vector<128x128xbf16>
// GFX942-FNUZ: arith.extf %{{.*}} {attn.layout = "lds.pad.fp8"} : vector<64x128xf8E4M3FNUZ> to vector<64x128xbf16>
// GFX942-FNUZ: vector.contract {{.*}} {attn.layout = "mfma.32x32x16.fp8.rs"}
// GFX942-FNUZ: arith.extf %{{.*}} {attn.layout = "lds.pad"} : vector<64x128xf8E4M3FNUZ> to vector<64x128xbf16>
// GFX942-FNUZ: vector.contract {{.*}} {attn.layout = "mfma.32x32x8.bf16.rs"}
// GFX942-FNUZ-LABEL: func.func @fp8_varlen_attn1(
// GFX942-FNUZ-LABEL: func.func @fp8_d72_attn2(
// GFX942-FNUZ-SAME: attn.mma = "mfma"
// GFX942-FNUZ: vector.contract {{.*}} {attn.layout = "mfma.32x32x16.fp8.rs"}
// SM90-FNUZ: error: attn-tile: 'attn.mha' has f8E4M3FNUZ operands, a format target 'sm_90a' lacks (it takes f8E4M3FN
func.func @fp8(%q: tensor<1x8x128x128xf8E4M3FN>, %k: tensor<1x2x128x128xf8E4M3FN>,
               %v: tensor<1x2x128x128xf8E4M3FN>, %qd: tensor<1x2xf32>, %kd: tensor<1x2xf32>,
               %vd: tensor<1x2xf32>) -> tensor<1x8x128x128xbf16> {
  %o = attn.mha %q, %k, %v descale(%qd, %kd, %vd) {causal}
      : (tensor<1x8x128x128xf8E4M3FN>, tensor<1x2x128x128xf8E4M3FN>, tensor<1x2x128x128xf8E4M3FN>,
         tensor<1x2xf32>, tensor<1x2xf32>, tensor<1x2xf32>) -> tensor<1x8x128x128xbf16>
  return %o : tensor<1x8x128x128xbf16>
}

func.func @fp8_varlen(%q: tensor<?x4x64xf8E4M3FN>, %k: tensor<?x2x64xf8E4M3FN>, %v: tensor<?x2x64xf8E4M3FN>,
                      %cq: tensor<5xi32>, %ck: tensor<5xi32>, %qd: tensor<f32>, %kd: tensor<f32>,
                      %vd: tensor<f32>) -> (tensor<?x4x64xf16>, tensor<4x?xf32>) {
  %o, %l = attn.mha_varlen %q, %k, %v, %cq, %ck descale(%qd, %kd, %vd)
      : (tensor<?x4x64xf8E4M3FN>, tensor<?x2x64xf8E4M3FN>, tensor<?x2x64xf8E4M3FN>, tensor<5xi32>,
         tensor<5xi32>, tensor<f32>, tensor<f32>, tensor<f32>) -> (tensor<?x4x64xf16>, tensor<4x?xf32>)
  return %o, %l : tensor<?x4x64xf16>, tensor<4x?xf32>
}

func.func @fp8_d72(%q: tensor<1x4x?x72xf8E4M3FN>, %k: tensor<1x4x?x72xf8E4M3FN>, %v: tensor<1x4x?x72xf8E4M3FN>,
                   %qd: tensor<f32>, %kd: tensor<f32>, %vd: tensor<f32>) -> tensor<1x4x?x72xbf16> {
  %o = attn.mha %q, %k, %v descale(%qd, %kd, %vd)
      : (tensor<1x4x?x72xf8E4M3FN>, tensor<1x4x?x72xf8E4M3FN>, tensor<1x4x?x72xf8E4M3FN>,
         tensor<f32>, tensor<f32>, tensor<f32>) -> tensor<1x4x?x72xbf16>
  return %o : tensor<1x4x?x72xbf16>
}
