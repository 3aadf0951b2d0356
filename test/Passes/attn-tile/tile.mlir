// RUN: attn-opt %s --attn-tile | FileCheck %s --check-prefix=CPU
// RUN: attn-opt %s --attn-tile=target=gfx942 | FileCheck %s --check-prefix=GFX942
// RUN: attn-opt %s --pass-pipeline='builtin.module(attn-tile{target=sm_90a block-n=16 num-stages=3})' | FileCheck %s --check-prefix=OVERRIDE
// RUN: not attn-opt %s --pass-pipeline='builtin.module(attn-tile{kv-splits=2})' 2>&1 | FileCheck %s --check-prefix=SPLITS
// Tile configs come from config/<target>-MHA-DEFAULT.json (the entry is named
// in `source`), the grid is (q tiles, batch x heads, kv splits).

// CPU-DAG: #[[GRID16:.*]] = affine_map<(d0, d1) -> (d1 ceildiv 16, d0 * 32, 1)>
// CPU-DAG: #[[VGRID:.*]] = affine_map<(d0, d1) -> (d0 ceildiv 16 + d1, 4, 1)>
// CPU-LABEL: func.func @mha_bf16_d128
// CPU: attn.mha {{.*}}attn.grid = #[[GRID16]], attn.tile = {block_m = 16 : i64, block_n = 128 : i64, kv_splits = 1 : i64, num_stages = 1 : i64, num_warps = 1 : i64, source = "cpu-MHA-DEFAULT.json:5", target = "cpu"}
// CPU-LABEL: func.func @varlen_f32_d256
// CPU: attn.mha_varlen {{.*}}attn.grid = #[[VGRID]], attn.tile = {block_m = 16 : i64, block_n = 64 : i64, {{.*}}source = "cpu-MHA-DEFAULT.json:10"

// GFX942-DAG: #[[GRID128:.*]] = affine_map<(d0, d1) -> (d1 ceildiv 128, d0 * 32, 1)>
// GFX942: attn.mha {{.*}}attn.grid = #[[GRID128]], attn.tile = {block_m = 128 : i64, block_n = 64 : i64, kv_splits = 1 : i64, num_stages = 1 : i64, num_warps = 4 : i64, source = "gfx942-MHA-DEFAULT.json:{{[0-9]+}}", target = "gfx942"}

// OVERRIDE-DAG: affine_map<(d0, d1) -> (d1 ceildiv 128, d0 * 32, 1)>
// OVERRIDE: attn.mha {{.*}}attn.tile = {block_m = 128 : i64, block_n = 16 : i64, kv_splits = 1 : i64, num_stages = 3 : i64, num_warps = 8 : i64, source = "sm_90a-MHA-DEFAULT.json:{{[0-9]+}} + options", target = "sm_90a"}

// Split-KV is for attn.paged_attention (docs/paged.md).
// SPLITS: error: attn-tile: 'attn.mha' has kv_splits != 1: split-KV is implemented for attn.paged_attention only

func.func @mha_bf16_d128(%q: tensor<?x32x?x128xbf16>, %k: tensor<?x8x?x128xbf16>, %v: tensor<?x8x?x128xbf16>) -> tensor<?x32x?x128xbf16> {
  %o = attn.mha %q, %k, %v {causal} : (tensor<?x32x?x128xbf16>, tensor<?x8x?x128xbf16>, tensor<?x8x?x128xbf16>) -> tensor<?x32x?x128xbf16>
  return %o : tensor<?x32x?x128xbf16>
}

func.func @varlen_f32_d256(%q: tensor<?x4x256xf32>, %k: tensor<?x1x256xf32>, %v: tensor<?x1x256xf32>, %c: tensor<3xi32>) -> tensor<?x4x256xf32> {
  %o = attn.mha_varlen %q, %k, %v, %c, %c : (tensor<?x4x256xf32>, tensor<?x1x256xf32>, tensor<?x1x256xf32>, tensor<3xi32>, tensor<3xi32>) -> tensor<?x4x256xf32>
  return %o : tensor<?x4x256xf32>
}
