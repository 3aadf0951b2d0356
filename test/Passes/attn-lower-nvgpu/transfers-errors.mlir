// GpuTransfers.c (global reads and writes): transfers the lanes cannot
// map fail with a located error, on both GPU targets (the core is shared).
// RUN: attn-opt %s --split-input-file --verify-diagnostics --attn-lower-nvgpu -o /dev/null
// RUN: sed s/sm_90a/gfx942/ %s | attn-opt --split-input-file --verify-diagnostics --attn-lower-amdgpu -o /dev/null

// A row vector read (as ALiBi slopes or a split's lse) has BLOCK_M rows.
func.func @row_read(%in: memref<?xf32>, %lse: memref<?xf32>, %x: index, %y: index, %z: index) attributes {attn.kernel = {block_m = 32 : i64, num_warps = 2 : i64, target = "sm_90a", kind = "mha"}} {
  %c0 = arith.constant 0 : index
  %pad = arith.constant 0.0 : f32
  // expected-error@+1 {{'vector.transfer_read' reads a row vector whose size is not BLOCK_M}}
  %r = vector.transfer_read %in[%c0], %pad {in_bounds = [false]} : memref<?xf32>, vector<16xf32>
  %w = vector.broadcast %pad : f32 to vector<32xf32>
  vector.transfer_write %w, %lse[%c0] {in_bounds = [false]} : vector<32xf32>, memref<?xf32>
  return
}

// -----

// A tile read for no matmul (as the merge kernel's partial outputs) is
// loaded into the lanes' blocks: BLOCK_M rows.
func.func @tile_rows(%in: memref<?x64xf32>, %out: memref<?x64xf32>, %x: index, %y: index, %z: index) attributes {attn.kernel = {block_m = 32 : i64, num_warps = 2 : i64, target = "sm_90a", kind = "mha"}} {
  %c0 = arith.constant 0 : index
  %pad = arith.constant 0.0 : f32
  // expected-error@+1 {{'vector.transfer_read' reads a tile whose rows are not BLOCK_M}}
  %t = vector.transfer_read %in[%c0, %c0], %pad {in_bounds = [false, true]} : memref<?x64xf32>, vector<16x64xf32>
  %w = arith.constant dense<1.0> : vector<32x64xf32>
  vector.transfer_write %w, %out[%c0, %c0] {in_bounds = [false, true]} : vector<32x64xf32>, memref<?x64xf32>
  return
}

// -----

// Columns past a dynamic head dim cannot be told apart from the tile's.
func.func @read_columns(%in: memref<?x?xf32>, %out: memref<?x64xf32>, %x: index, %y: index, %z: index) attributes {attn.kernel = {block_m = 32 : i64, num_warps = 2 : i64, target = "sm_90a", kind = "mha"}} {
  %c0 = arith.constant 0 : index
  %pad = arith.constant 0.0 : f32
  // expected-error@+1 {{'vector.transfer_read' must read a 2-D tile whose columns are in bounds}}
  %t = vector.transfer_read %in[%c0, %c0], %pad {in_bounds = [false, false]} : memref<?x?xf32>, vector<32x64xf32>
  vector.transfer_write %t, %out[%c0, %c0] {in_bounds = [false, true]} : vector<32x64xf32>, memref<?x64xf32>
  return
}

// -----

func.func @write_columns(%out: memref<?x?xf32>, %x: index, %y: index, %z: index) attributes {attn.kernel = {block_m = 32 : i64, num_warps = 2 : i64, target = "sm_90a", kind = "mha"}} {
  %c0 = arith.constant 0 : index
  %t = arith.constant dense<1.0> : vector<32x64xf32>
  // expected-error@+1 {{'vector.transfer_write' must write a tile or row vector whose columns are in bounds}}
  vector.transfer_write %t, %out[%c0, %c0] {in_bounds = [false, false]} : vector<32x64xf32>, memref<?x?xf32>
  return
}
