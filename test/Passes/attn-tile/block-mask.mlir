// Block masks (docs/masks.md): attn-tile fits the table's tiles into the
// blocks (block_m = gcd(block_m, q_block_size), block_n = gcd(block_n,
// kv_block_size)). On the CPU: here 16 x 64 for blocks of 128 x 192, sizes
// given as options too (block-n=48 becomes 48, block-m=12 becomes 4). On the
// GPUs a warp keeps the table's rows and the warps follow block_m (sm_90a
// D = 64: 64 rows of 4 warps); where the rows no longer fit, 16-row warps
// (sm_90a below 64 rows: mma.sync with 32-key tiles; AMD where the keys are
// fewer than a 32-row wave's MFMA block). Tiles below 16 rows or 16 keys (32
// on gfx950) are refused, located.
// RUN: attn-opt %s --split-input-file --attn-tile | FileCheck %s --check-prefix=HOST
// RUN: attn-opt %s --split-input-file --attn-tile=block-m=12,block-n=48 | FileCheck %s --check-prefix=OPT
// RUN: not attn-opt %s --split-input-file --attn-tile=target=sm_90a 2>/dev/null | FileCheck %s --check-prefix=SM90
// RUN: not attn-opt %s --split-input-file --attn-tile=target=gfx942 2>/dev/null | FileCheck %s --check-prefix=GFX942
// RUN: not attn-opt %s --split-input-file --attn-tile=target=gfx950 2>/dev/null | FileCheck %s --check-prefix=GFX950
// RUN: not attn-opt %s --split-input-file --attn-tile=target=sm_90a 2>&1 >/dev/null | FileCheck %s --check-prefix=SM90ERR
// RUN: not attn-opt %s --split-input-file --attn-tile=target=gfx942 2>&1 >/dev/null | FileCheck %s --check-prefix=GFX942ERR
// RUN: not attn-opt %s --split-input-file --attn-tile=target=gfx950 2>&1 >/dev/null | FileCheck %s --check-prefix=GFX950ERR

// HOST: attn.tile = {block_m = 16 : i64, block_n = 64 : i64
// OPT: attn.tile = {block_m = 4 : i64, block_n = 48 : i64
// SM90: attn.tile = {block_m = 64 : i64, block_n = 64 : i64, {{.*}}num_warps = 4 : i64
// GFX942: attn.tile = {block_m = 128 : i64, block_n = 64 : i64, {{.*}}num_warps = 4 : i64
// GFX950: attn.tile = {block_m = 128 : i64, block_n = 64 : i64, {{.*}}num_warps = 4 : i64
func.func @bm(%q: tensor<1x4x256x64xf16>, %k: tensor<1x4x384x64xf16>, %v: tensor<1x4x384x64xf16>, %n: tensor<1x1x2xi32>, %i: tensor<1x1x2x2xi32>) -> tensor<1x4x256x64xf16> {
  %o = attn.mha %q, %k, %v block_mask(%n, %i) {q_block_size = 128 : i64, kv_block_size = 192 : i64}
    : (tensor<1x4x256x64xf16>, tensor<1x4x384x64xf16>, tensor<1x4x384x64xf16>, tensor<1x1x2xi32>, tensor<1x1x2x2xi32>) -> tensor<1x4x256x64xf16>
  return %o : tensor<1x4x256x64xf16>
}

// -----

// Blocks of 32 x 128 at D = 128: sm_90a's 128 rows of 8 warps become 32 rows
// of 2 (mma.sync, 32-key tiles); AMD's 32-row waves one wave.
// HOST: attn.tile = {block_m = 16 : i64, block_n = 128 : i64
// SM90: attn.tile = {block_m = 32 : i64, block_n = 32 : i64, {{.*}}num_warps = 2 : i64
// GFX942: attn.tile = {block_m = 32 : i64, block_n = 64 : i64, {{.*}}num_warps = 1 : i64
// GFX950: attn.tile = {block_m = 32 : i64, block_n = 64 : i64, {{.*}}num_warps = 1 : i64
func.func @narrow(%q: tensor<1x4x256x128xbf16>, %k: tensor<1x4x256x128xbf16>, %v: tensor<1x4x256x128xbf16>, %n: tensor<1x1x8xi32>, %i: tensor<1x1x8x2xi32>) -> tensor<1x4x256x128xbf16> {
  %o = attn.mha %q, %k, %v block_mask(%n, %i) {q_block_size = 32 : i64, kv_block_size = 128 : i64}
    : (tensor<1x4x256x128xbf16>, tensor<1x4x256x128xbf16>, tensor<1x4x256x128xbf16>, tensor<1x1x8xi32>, tensor<1x1x8x2xi32>) -> tensor<1x4x256x128xbf16>
  return %o : tensor<1x4x256x128xbf16>
}

// -----

// Key blocks of 16: gfx942's waves take 16 rows (8 of them for 128 rows);
// gfx950 needs 32 keys (its 16x16 MFMA reduces 32 per step), located.
// SM90: attn.tile = {block_m = 128 : i64, block_n = 16 : i64, {{.*}}num_warps = 8 : i64
// GFX942: attn.tile = {block_m = 128 : i64, block_n = 16 : i64, {{.*}}num_warps = 8 : i64
// GFX950ERR: block-mask.mlir:[[@LINE+2]]:8: error: attn-tile: 'attn.mha' has a block mask (q_block_size = 128, kv_block_size = 16) whose blocks give 128 x 16 tiles, which target 'gfx950' cannot run: its tiles nest in the blocks and take multiples of 16 rows and 32 keys (docs/masks.md)
func.func @keys16(%q: tensor<1x4x256x128xbf16>, %k: tensor<1x4x256x128xbf16>, %v: tensor<1x4x256x128xbf16>, %n: tensor<1x1x2xi32>, %i: tensor<1x1x2x16xi32>) -> tensor<1x4x256x128xbf16> {
  %o = attn.mha %q, %k, %v block_mask(%n, %i) {q_block_size = 128 : i64, kv_block_size = 16 : i64}
    : (tensor<1x4x256x128xbf16>, tensor<1x4x256x128xbf16>, tensor<1x4x256x128xbf16>, tensor<1x1x2xi32>, tensor<1x1x2x16xi32>) -> tensor<1x4x256x128xbf16>
  return %o : tensor<1x4x256x128xbf16>
}

// -----

// Blocks of 8 rows and 24 keys: tiles of 8 x 8 on the CPU; no GPU tile is
// that small.
// HOST: attn.tile = {block_m = 8 : i64, block_n = 8 : i64
// GFX942ERR: block-mask.mlir:[[@LINE+3]]:8: error: attn-tile: 'attn.mha' has a block mask (q_block_size = 8, kv_block_size = 24) whose blocks give 8 x 8 tiles, which target 'gfx942' cannot run
// SM90ERR: block-mask.mlir:[[@LINE+2]]:8: error: attn-tile: 'attn.mha' has a block mask (q_block_size = 8, kv_block_size = 24) whose blocks give 8 x 8 tiles, which target 'sm_90a' cannot run: its tiles nest in the blocks and take multiples of 16 rows and 16 keys (docs/masks.md)
func.func @small(%q: tensor<1x4x40x64xf32>, %k: tensor<1x4x48x64xf32>, %v: tensor<1x4x48x64xf32>, %n: tensor<1x4x5xi32>, %i: tensor<1x4x5x2xi32>) -> tensor<1x4x40x64xf32> {
  %o = attn.mha %q, %k, %v block_mask(%n, %i) {q_block_size = 8 : i64, kv_block_size = 24 : i64}
    : (tensor<1x4x40x64xf32>, tensor<1x4x48x64xf32>, tensor<1x4x48x64xf32>, tensor<1x4x5xi32>, tensor<1x4x5x2xi32>) -> tensor<1x4x40x64xf32>
  return %o : tensor<1x4x40x64xf32>
}
