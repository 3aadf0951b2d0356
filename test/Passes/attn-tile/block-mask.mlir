// Block masks (docs/masks.md): on the CPU attn-tile fits the table's tiles
// into the blocks (block_m = gcd(16, q_block_size), block_n =
// gcd(128, kv_block_size), here 64 for blocks of 192 keys), sizes given as
// options too (block-n=48 becomes 48, block-m=12 becomes 4). The GPU
// targets refuse block masks, located, at attn-tile and (for kernel IR
// that reaches them another way) in attn-lower-nvgpu / attn-lower-amdgpu.
// RUN: attn-opt %s --split-input-file --attn-tile | FileCheck %s --check-prefix=HOST
// RUN: attn-opt %s --split-input-file --attn-tile=block-m=12,block-n=48 | FileCheck %s --check-prefix=OPT
// RUN: not attn-opt %s --split-input-file --attn-tile=target=sm_90a 2>&1 | FileCheck %s --check-prefix=SM90
// RUN: not attn-opt %s --split-input-file --attn-to-nvvm 2>&1 | FileCheck %s --check-prefix=SM90
// RUN: not attn-opt %s --split-input-file --attn-tile=target=gfx942 2>&1 | FileCheck %s --check-prefix=GFX
// RUN: not attn-opt %s --split-input-file --attn-to-rocdl=chip=gfx950 2>&1 | FileCheck %s --check-prefix=GFX
// The kernel IR itself, retargeted, is refused by both GPU lowerings:
// RUN: attn-opt %s --split-input-file --attn-gqa-map --attn-tile=block-m=64,block-n=64,num-warps=4 --attn-online-softmax --mlir-print-debuginfo | sed 's/target = "cpu"/target = "sm_90a"/' | not attn-opt --split-input-file --attn-gpu-layout --attn-lower-nvgpu 2>&1 | FileCheck %s --check-prefix=NVGPU
// RUN: attn-opt %s --split-input-file --attn-gqa-map --attn-tile=block-m=64,block-n=64,num-warps=2 --attn-online-softmax --mlir-print-debuginfo | sed 's/target = "cpu"/target = "gfx942"/' | not attn-opt --split-input-file --attn-gpu-layout --attn-lower-amdgpu 2>&1 | FileCheck %s --check-prefix=AMDGPU

// HOST: attn.tile = {block_m = 16 : i64, block_n = 64 : i64
// OPT: attn.tile = {block_m = 4 : i64, block_n = 48 : i64
func.func @bm(%q: tensor<1x4x256x64xf16>, %k: tensor<1x4x384x64xf16>, %v: tensor<1x4x384x64xf16>, %n: tensor<1x1x2xi32>, %i: tensor<1x1x2x2xi32>) -> tensor<1x4x256x64xf16> {
// SM90: block-mask.mlir:[[@LINE+4]]:8: error: attn-tile: 'attn.mha' has a block mask, which target 'sm_90a' does not implement yet (block masks run on the CPU: attn-to-cpu; docs/masks.md)
// GFX: block-mask.mlir:[[@LINE+3]]:8: error: attn-tile: 'attn.mha' has a block mask, which target 'gfx{{942|950}}' does not implement yet (block masks run on the CPU: attn-to-cpu; docs/masks.md)
// NVGPU: block-mask.mlir:[[@LINE+2]]:8: error: attn-lower-nvgpu: 'func.func' takes a block mask, which this GPU lowering does not implement yet (block masks run on the CPU: attn-to-cpu)
// AMDGPU: block-mask.mlir:[[@LINE+1]]:8: error: attn-lower-amdgpu: 'func.func' takes a block mask, which this GPU lowering does not implement yet (block masks run on the CPU: attn-to-cpu)
  %o = attn.mha %q, %k, %v block_mask(%n, %i) {q_block_size = 128 : i64, kv_block_size = 192 : i64}
    : (tensor<1x4x256x64xf16>, tensor<1x4x384x64xf16>, tensor<1x4x384x64xf16>, tensor<1x1x2xi32>, tensor<1x1x2x2xi32>) -> tensor<1x4x256x64xf16>
  return %o : tensor<1x4x256x64xf16>
}

// -----

// Blocks of 8 rows and 24 keys: tiles of 8 x 8 on the CPU.
// HOST: attn.tile = {block_m = 8 : i64, block_n = 8 : i64
func.func @small(%q: tensor<1x4x40x64xf32>, %k: tensor<1x4x48x64xf32>, %v: tensor<1x4x48x64xf32>, %n: tensor<1x4x5xi32>, %i: tensor<1x4x5x2xi32>) -> tensor<1x4x40x64xf32> {
  %o = attn.mha %q, %k, %v block_mask(%n, %i) {q_block_size = 8 : i64, kv_block_size = 24 : i64}
    : (tensor<1x4x40x64xf32>, tensor<1x4x48x64xf32>, tensor<1x4x48x64xf32>, tensor<1x4x5xi32>, tensor<1x4x5x2xi32>) -> tensor<1x4x40x64xf32>
  return %o : tensor<1x4x40x64xf32>
}
