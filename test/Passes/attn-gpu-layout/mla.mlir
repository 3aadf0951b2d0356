// attn.mla's split kernel (kind "mla_decode": V a column slice of the K tile)
// on sm_90a (docs/mla.md): mma.sync (16 query heads per program, not whole
// warpgroups), Q in shared memory (D = 576: its A fragments would be 144
// registers), the K tile staged once (smem.pad8) and V a view of it
// (smem.pad8.view), and the 512 output columns split among the 4 warps
// (attn.warp_cols = 4 on the function, 128 columns per warp on the P V
// matmul), and S = Q K^T split among them by head-dim columns
// (attn.k_per_warp = 144 on the Q K^T matmul; not with 8 warps: 576 / 8 is
// not a multiple of 16; split-s=false: every warp computes S whole). The merge kernel's 512-column tiles are split the same way.
// gfx942 / gfx950: MFMA 16x16 with the same split (4 waves of 128 columns;
// K in LDS, V its prefix: attn-lower-amdgpu stages the tile both ways); the
// CPU's kernels are left alone.
// RUN: attn-opt %s --attn-gqa-map --attn-tile=target=sm_90a --attn-online-softmax --attn-gpu-layout | FileCheck %s --check-prefix=SM90
// RUN: attn-opt %s --attn-gqa-map "--attn-tile=target=sm_90a num-warps=8" --attn-online-softmax --attn-gpu-layout | FileCheck %s --check-prefix=W8
// RUN: attn-opt %s --attn-gqa-map --attn-tile=target=sm_90a --attn-online-softmax "--attn-gpu-layout=split-s=false" | FileCheck %s --check-prefix=WHOLES
// RUN: not attn-opt %s --attn-gqa-map "--attn-tile=target=sm_90a block-n=512" --attn-online-softmax --attn-gpu-layout 2>&1 | FileCheck %s --check-prefix=BN512
// RUN: attn-opt %s --attn-gqa-map --attn-tile=target=gfx942 --attn-online-softmax --attn-gpu-layout | FileCheck %s --check-prefix=GFX942
// RUN: attn-opt %s --attn-gqa-map --attn-tile=target=gfx950 --attn-online-softmax --attn-gpu-layout | FileCheck %s --check-prefix=GFX950
// RUN: attn-opt %s --attn-to-nvvm | FileCheck %s --check-prefix=NVVM
// RUN: attn-opt %s --attn-to-rocdl | FileCheck %s --check-prefix=ROCDL
// RUN: attn-opt %s --attn-to-rocdl=chip=gfx950 | FileCheck %s --check-prefix=ROCDL
// RUN: attn-opt %s --attn-gqa-map --attn-tile=target=cpu --attn-online-softmax --attn-gpu-layout | FileCheck %s --check-prefix=HOST

// SM90-LABEL: func.func @deepseek_attn0(
// SM90-SAME: block_m = 16 : i64, block_n = 32 : i64{{.*}}kind = "mla_decode"{{.*}}num_warps = 4 : i64
// SM90-SAME: attn.mma = "mma_sync", attn.warp_cols = 4 : i64
// SM90: vector.transfer_read {{.*}} {attn.layout = "smem.pad8", {{.*}} vector<16x576xbf16>
// SM90: scf.for
// SM90: %[[K:.+]] = vector.transfer_read {{.*}} {attn.layout = "smem.pad8", {{.*}} vector<32x576xbf16>
// SM90: vector.contract {{.*}} %[[K]], {{.*}} {attn.k_per_warp = 144 : i64, attn.layout = "mma_sync.m16n8k16.ss"}
// SM90: %[[V:.+]] = vector.extract_strided_slice %[[K]] {attn.layout = "smem.pad8.view", offsets = [0, 0], sizes = [32, 512]
// SM90: vector.contract {{.*}} %[[V]], {{.*}} {attn.cols_per_warp = 128 : i64, attn.layout = "mma_sync.m16n8k16.rs"} : vector<16x32xbf16>, vector<32x512xbf16> into vector<16x512xf32>
// SM90-LABEL: func.func @deepseek_attn0_merge(
// SM90-SAME: attn.mma = "none", attn.warp_cols = 4 : i64

// W8: func.func @deepseek_attn0(
// W8-SAME: attn.warp_cols = 8 : i64
// W8: vector.contract {{.*}} {attn.layout = "mma_sync.m16n8k16.ss"}
// W8: vector.contract {{.*}} {attn.cols_per_warp = 64 : i64, attn.layout = "mma_sync.m16n8k16.rs"}

// WHOLES: func.func @deepseek_attn0(
// WHOLES-SAME: attn.warp_cols = 4 : i64
// WHOLES: vector.contract {{.*}} {attn.layout = "mma_sync.m16n8k16.ss"} : vector<16x576xbf16>, vector<32x576xbf16>
// WHOLES-NOT: attn.k_per_warp

// BN512: error: attn-gpu-layout: 'func.func' has block_m 16 and num_warps 4: more warps than 16-row tiles split the P V product's 512 columns into 4 groups of a multiple of 16 columns, which do not fit (or block_n is that wide too)

// GFX942-LABEL: func.func @deepseek_attn0(
// GFX942-SAME: block_m = 16 : i64, block_n = 16 : i64{{.*}}kind = "mla_decode"{{.*}}num_warps = 4 : i64
// GFX942-SAME: attn.mma = "mfma", attn.warp_cols = 4 : i64
// GFX942: vector.contract {{.*}} {attn.layout = "mfma.16x16x16.bf16.rs"} : vector<16x576xbf16>, vector<16x576xbf16>
// GFX942: vector.contract {{.*}} {attn.cols_per_warp = 128 : i64, attn.layout = "mfma.16x16x16.bf16.rs"} : vector<16x16xbf16>, vector<16x512xbf16> into vector<16x512xf32>
// GFX942-LABEL: func.func @deepseek_attn0_merge(
// GFX942-SAME: attn.mma = "none", attn.warp_cols = 4 : i64
// GFX950-LABEL: func.func @deepseek_attn0(
// GFX950-SAME: block_m = 16 : i64, block_n = 32 : i64
// GFX950-SAME: attn.mma = "mfma", attn.warp_cols = 4 : i64
// GFX950: vector.contract {{.*}} {attn.cols_per_warp = 128 : i64, attn.layout = "mfma.16x16x32.bf16.rs"}
// ROCDL: gpu.module @attn_kernels
// ROCDL: llvm.func @deepseek_attn0(
// ROCDL: llvm.func @deepseek_attn0_merge(
// NVVM: gpu.module @attn_kernels
// NVVM: llvm.func @deepseek_attn0(
// NVVM: llvm.func @deepseek_attn0_merge(
// HOST-LABEL: func.func @deepseek_attn0(
// HOST-NOT: attn.mma
func.func @deepseek(%q: tensor<?x16x576xbf16>, %kv: tensor<?x64x576xbf16>, %bt: tensor<?x?xi32>, %sl: tensor<?xi32>, %qsl: tensor<?xi32>) -> tensor<?x16x512xbf16> {
  %o = attn.mla %q, %kv, %bt, %sl, %qsl {kv_lora_rank = 512 : i64, causal} : (tensor<?x16x576xbf16>, tensor<?x64x576xbf16>, tensor<?x?xi32>, tensor<?xi32>, tensor<?xi32>) -> tensor<?x16x512xbf16>
  return %o : tensor<?x16x512xbf16>
}
