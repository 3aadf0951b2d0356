// GpuLower.c (the driver: kernel set-up, op dispatch, loops): kernel
// functions or ops it cannot lower fail with a located error, on both GPU
// targets (the core is shared).
// RUN: attn-opt %s --split-input-file --verify-diagnostics --attn-lower-nvgpu -o /dev/null
// RUN: sed s/sm_90a/gfx942/ %s | attn-opt --split-input-file --verify-diagnostics --attn-lower-amdgpu -o /dev/null

// The kernel ABI: memrefs, then the three program ids.
// expected-error@+1 {{'func.func' must take memrefs followed by three program ids}}
func.func @signature(%out: memref<?x64xf32>, %n: i32, %x: index, %y: index, %z: index) attributes {attn.kernel = {block_m = 32 : i64, num_warps = 2 : i64, target = "sm_90a", kind = "mha"}} {
  return
}

// -----

// A kernel without memrefs (it used to crash the targets' set-up, which
// reads Q's element type from the first one).
// expected-error@+1 {{'func.func' must take memrefs followed by three program ids}}
func.func @no_memrefs(%x: index, %y: index, %z: index) attributes {attn.kernel = {block_m = 32 : i64, num_warps = 2 : i64, target = "sm_90a", kind = "mha"}} {
  return
}

// -----

// attn.warp_cols splits the tiles' columns into groups of 16 per warp group.
// expected-error@+1 {{'func.func' has an attn.warp_cols that does not divide num_warps and the P V product's columns into groups of 16 (or block_n equals those columns)}}
func.func @warp_cols(%out: memref<?x64xf32>, %x: index, %y: index, %z: index) attributes {attn.kernel = {block_m = 32 : i64, num_warps = 2 : i64, target = "sm_90a", kind = "mha"}, attn.warp_cols = 3 : i64} {
  %c0 = arith.constant 0 : index
  %t = arith.constant dense<1.0> : vector<32x64xf32>
  vector.transfer_write %t, %out[%c0, %c0] {in_bounds = [false, true]} : vector<32x64xf32>, memref<?x64xf32>
  return
}

// -----

// A vector op with no lowering (a shape cast of a tile).
func.func @shape_cast(%out: memref<?x64xf32>, %x: index, %y: index, %z: index) attributes {attn.kernel = {block_m = 32 : i64, num_warps = 2 : i64, target = "sm_90a", kind = "mha"}} {
  %c0 = arith.constant 0 : index
  %t = arith.constant dense<1.0> : vector<32x64xf32>
  %u = arith.negf %t : vector<32x64xf32>
  // expected-error@+1 {{'vector.shape_cast' operates on vectors in a way the}}
  %f = vector.shape_cast %u : vector<32x64xf32> to vector<64x32xf32>
  return
}

// -----

// A loop carries its tiles as blocks: at most so many of them.
func.func @carries_too_much(%out: memref<?x4096xf32>, %n: memref<?xf32>, %x: index, %y: index, %z: index) attributes {attn.kernel = {block_m = 32 : i64, num_warps = 2 : i64, target = "sm_90a", kind = "mha"}} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %t = arith.constant dense<1.0> : vector<32x4096xf32>
  // expected-error@+1 {{'scf.for' carries more values than the}}
  %r:2 = scf.for %i = %c0 to %c4 step %c1 iter_args(%a = %t, %b = %t) -> (vector<32x4096xf32>, vector<32x4096xf32>) {
    %s = arith.addf %a, %b : vector<32x4096xf32>
    scf.yield %s, %a : vector<32x4096xf32>, vector<32x4096xf32>
  }
  vector.transfer_write %r#0, %out[%c0, %c0] {in_bounds = [false, true]} : vector<32x4096xf32>, memref<?x4096xf32>
  return
}
