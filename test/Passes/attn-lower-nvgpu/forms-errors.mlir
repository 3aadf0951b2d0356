// GpuForms.c (value forms: a value's row or column form over the lanes):
// kernel IR whose vectors have no form the lanes can hold fails with a
// located error, on both GPU targets (the core is shared).
// RUN: attn-opt %s --split-input-file --verify-diagnostics --attn-lower-nvgpu -o /dev/null
// RUN: sed s/sm_90a/gfx942/ %s | attn-opt --split-input-file --verify-diagnostics --attn-lower-amdgpu -o /dev/null

// A 1-D broadcast of a 1-D vector (not a scalar, not a row to a tile).
func.func @broadcast_1d(%lse: memref<?xf32>, %x: index, %y: index, %z: index) attributes {attn.kernel = {block_m = 32 : i64, num_warps = 2 : i64, target = "sm_90a", kind = "mha"}} {
  %c0 = arith.constant 0 : index
  %one = arith.constant dense<1.0> : vector<1xf32>
  // expected-error@+1 {{'vector.broadcast' is a broadcast the}}
  %b = vector.broadcast %one : vector<1xf32> to vector<32xf32>
  vector.transfer_write %b, %lse[%c0] {in_bounds = [false]} : vector<32xf32>, memref<?xf32>
  return
}

// -----

// Row indices (vector.step) as a row vector must have BLOCK_M of them.
func.func @step_rows(%rows: memref<?xindex>, %x: index, %y: index, %z: index) attributes {attn.kernel = {block_m = 32 : i64, num_warps = 2 : i64, target = "sm_90a", kind = "mha"}} {
  %c0 = arith.constant 0 : index
  // expected-error@+1 {{'vector.step' is a row index vector whose size is not BLOCK_M}}
  %s = vector.step : vector<16xindex>
  vector.transfer_write %s, %rows[%c0] {in_bounds = [false]} : vector<16xindex>, memref<?xindex>
  return
}

// -----

// A constant row vector that is not a splat has no per-lane form.
func.func @dense_row(%lse: memref<?xf32>, %x: index, %y: index, %z: index) attributes {attn.kernel = {block_m = 32 : i64, num_warps = 2 : i64, target = "sm_90a", kind = "mha"}} {
  %c0 = arith.constant 0 : index
  // expected-error@+1 {{'arith.constant' is a vector op the}}
  %v = arith.constant dense<[0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 11.0, 12.0, 13.0, 14.0, 15.0, 16.0, 17.0, 18.0, 19.0, 20.0, 21.0, 22.0, 23.0, 24.0, 25.0, 26.0, 27.0, 28.0, 29.0, 30.0, 31.0]> : vector<32xf32>
  vector.transfer_write %v, %lse[%c0] {in_bounds = [false]} : vector<32xf32>, memref<?xf32>
  return
}

// -----

// A row vector (one value per row) broadcast down the columns of a tile is
// not a column vector: the lanes hold rows, not columns, of it.
func.func @row_as_columns(%out: memref<?x32xf32>, %x: index, %y: index, %z: index) attributes {attn.kernel = {block_m = 32 : i64, num_warps = 2 : i64, target = "sm_90a", kind = "mha"}} {
  %c0 = arith.constant 0 : index
  %t = arith.constant dense<1.0> : vector<32x32xf32>
  %acc = arith.constant dense<0.0> : vector<32xf32>
  %r = vector.multi_reduction <add>, %t, %acc [1] : vector<32x32xf32> to vector<32xf32>
  // expected-error@+1 {{'vector.broadcast' uses a value as a tile that is not one}}
  %b = vector.broadcast %r : vector<32xf32> to vector<32x32xf32>
  vector.transfer_write %b, %out[%c0, %c0] {in_bounds = [false, true]} : vector<32x32xf32>, memref<?x32xf32>
  return
}

// -----

// Tiles are held in blocks of the matrix instructions' columns (8 on NVIDIA,
// 4 or more on AMD).
func.func @narrow_tile(%out: memref<?x12xf32>, %x: index, %y: index, %z: index) attributes {attn.kernel = {block_m = 32 : i64, num_warps = 2 : i64, target = "sm_90a", kind = "mha"}} {
  %c0 = arith.constant 0 : index
  %t = arith.constant dense<1.0> : vector<32x12xf32>
  // expected-error@+1 {{'vector.transfer_write' has a tile width that is not a multiple of the matrix block}}
  vector.transfer_write %t, %out[%c0, %c0] {in_bounds = [false, true]} : vector<32x12xf32>, memref<?x12xf32>
  return
}

// -----

// A lane holds at most 128 blocks of a tile.
func.func @wide_tile(%out: memref<?x8192xf32>, %x: index, %y: index, %z: index) attributes {attn.kernel = {block_m = 32 : i64, num_warps = 2 : i64, target = "sm_90a", kind = "mha"}} {
  %c0 = arith.constant 0 : index
  %t = arith.constant dense<1.0> : vector<32x8192xf32>
  // expected-error@+1 {{'vector.transfer_write' has a tile too wide for the GPU lowering}}
  vector.transfer_write %t, %out[%c0, %c0] {in_bounds = [false, true]} : vector<32x8192xf32>, memref<?x8192xf32>
  return
}
