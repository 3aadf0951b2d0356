// GpuTileMath.c (element-wise ops, broadcast rows, row reductions): tile
// arithmetic the lanes cannot do fails with a located error, on both GPU
// targets (the core is shared).
// RUN: attn-opt %s --split-input-file --verify-diagnostics --attn-lower-nvgpu -o /dev/null
// RUN: sed s/sm_90a/gfx942/ %s | attn-opt --split-input-file --verify-diagnostics --attn-lower-amdgpu -o /dev/null

// A transpose is only that of a broadcast row vector (every column holds
// the row's value).
func.func @transpose_tile(%out: memref<?x32xf32>, %x: index, %y: index, %z: index) attributes {attn.kernel = {block_m = 32 : i64, num_warps = 2 : i64, target = "sm_90a", kind = "mha"}} {
  %c0 = arith.constant 0 : index
  %t = arith.constant dense<1.0> : vector<32x32xf32>
  // expected-error@+1 {{'vector.transpose' transposes something other than a broadcast row vector}}
  %tt = vector.transpose %t, [1, 0] : vector<32x32xf32> to vector<32x32xf32>
  vector.transfer_write %tt, %out[%c0, %c0] {in_bounds = [false, true]} : vector<32x32xf32>, memref<?x32xf32>
  return
}

// -----

// Row reductions are <maximumf> or <add> over dim 1 of an f32 tile.
func.func @reduce_mul(%lse: memref<?xf32>, %x: index, %y: index, %z: index) attributes {attn.kernel = {block_m = 32 : i64, num_warps = 2 : i64, target = "sm_90a", kind = "mha"}} {
  %c0 = arith.constant 0 : index
  %t = arith.constant dense<1.0> : vector<32x64xf32>
  %acc = arith.constant dense<1.0> : vector<32xf32>
  // expected-error@+1 {{'vector.multi_reduction' must reduce dim 1 of an f32 tile with <maximumf> or <add>}}
  %r = vector.multi_reduction <mul>, %t, %acc [1] : vector<32x64xf32> to vector<32xf32>
  vector.transfer_write %r, %lse[%c0] {in_bounds = [false]} : vector<32xf32>, memref<?xf32>
  return
}

// -----

// A tile whose columns are split among the warps (attn.warp_cols: each warp
// holds 32 of the 64) has no row reduction within a warp.
func.func @reduce_split(%out: memref<?x64xf32>, %lse: memref<?xf32>, %x: index, %y: index, %z: index) attributes {attn.kernel = {block_m = 32 : i64, num_warps = 2 : i64, target = "sm_90a", kind = "mha"}, attn.warp_cols = 2 : i64} {
  %c0 = arith.constant 0 : index
  %t = arith.constant dense<1.0> : vector<32x64xf32>
  %acc = arith.constant dense<0.0> : vector<32xf32>
  // expected-error@+1 {{'vector.multi_reduction' reduces a tile whose columns are split among the warps}}
  %r = vector.multi_reduction <add>, %t, %acc [1] : vector<32x64xf32> to vector<32xf32>
  vector.transfer_write %t, %out[%c0, %c0] {in_bounds = [false, true]} : vector<32x64xf32>, memref<?x64xf32>
  vector.transfer_write %r, %lse[%c0] {in_bounds = [false]} : vector<32xf32>, memref<?xf32>
  return
}
