// GpuSmem.c (shared-memory planning): the tiles staged in shared memory are
// the matmuls' right operands, each read while its buffer holds it, of Q's
// dtype; what breaks that fails with a located error.
// RUN: attn-opt %s --split-input-file --verify-diagnostics --attn-lower-nvgpu -o /dev/null

#mq = affine_map<(d0, d1, d2) -> (d0, d2)>
#mk = affine_map<(d0, d1, d2) -> (d1, d2)>
#mo = affine_map<(d0, d1, d2) -> (d0, d1)>
// The right operand of QK^T is a K tile read, not a value in registers.
func.func @rhs_in_registers(%q: memref<?x64xf16>, %s: memref<?x64xf32>, %x: index, %y: index, %z: index) attributes {attn.kernel = {block_m = 64 : i64, block_n = 64 : i64, num_warps = 4 : i64, target = "sm_90a", kind = "mha"}, attn.mma = "mma_sync"} {
  %c0 = arith.constant 0 : index
  %pad = arith.constant 0.0 : f16
  %qt = vector.transfer_read %q[%c0, %c0], %pad {attn.layout = "regs.mma_a", in_bounds = [false, true]} : memref<?x64xf16>, vector<64x64xf16>
  %kt = arith.constant dense<1.0> : vector<64x64xf16>
  %zero = arith.constant dense<0.0> : vector<64x64xf32>
  // expected-error@+1 {{'vector.contract' has a right operand that is not a K/V tile read}}
  %st = vector.contract {indexing_maps = [#mq, #mk, #mo], iterator_types = ["parallel", "parallel", "reduction"], kind = #vector.kind<add>} %qt, %kt, %zero {attn.layout = "mma_sync.m16n8k16.rs"} : vector<64x64xf16>, vector<64x64xf16> into vector<64x64xf32>
  vector.transfer_write %st, %s[%c0, %c0] {in_bounds = [false, true]} : vector<64x64xf32>, memref<?x64xf32>
  return
}

// -----

#mq = affine_map<(d0, d1, d2) -> (d0, d2)>
#mk = affine_map<(d0, d1, d2) -> (d1, d2)>
#mo = affine_map<(d0, d1, d2) -> (d0, d1)>
// Two K tiles share the K buffer: the first is gone once the second is staged.
func.func @stale_tile(%q: memref<?x64xf16>, %k: memref<?x64xf16>, %s: memref<?x64xf32>, %x: index, %y: index, %z: index) attributes {attn.kernel = {block_m = 64 : i64, block_n = 64 : i64, num_warps = 4 : i64, target = "sm_90a", kind = "mha"}, attn.mma = "mma_sync"} {
  %c0 = arith.constant 0 : index
  %c64 = arith.constant 64 : index
  %pad = arith.constant 0.0 : f16
  %qt = vector.transfer_read %q[%c0, %c0], %pad {attn.layout = "regs.mma_a", in_bounds = [false, true]} : memref<?x64xf16>, vector<64x64xf16>
  %k1 = vector.transfer_read %k[%c0, %c0], %pad {attn.layout = "smem.pad8", in_bounds = [false, true]} : memref<?x64xf16>, vector<64x64xf16>
  %k2 = vector.transfer_read %k[%c64, %c0], %pad {attn.layout = "smem.pad8", in_bounds = [false, true]} : memref<?x64xf16>, vector<64x64xf16>
  %zero = arith.constant dense<0.0> : vector<64x64xf32>
  // expected-error@+1 {{'vector.contract' uses a K/V tile after the next one was staged in its buffer}}
  %s1 = vector.contract {indexing_maps = [#mq, #mk, #mo], iterator_types = ["parallel", "parallel", "reduction"], kind = #vector.kind<add>} %qt, %k1, %zero {attn.layout = "mma_sync.m16n8k16.rs"} : vector<64x64xf16>, vector<64x64xf16> into vector<64x64xf32>
  %s2 = vector.contract {indexing_maps = [#mq, #mk, #mo], iterator_types = ["parallel", "parallel", "reduction"], kind = #vector.kind<add>} %qt, %k2, %s1 {attn.layout = "mma_sync.m16n8k16.rs"} : vector<64x64xf16>, vector<64x64xf16> into vector<64x64xf32>
  vector.transfer_write %s2, %s[%c0, %c0] {in_bounds = [false, true]} : vector<64x64xf32>, memref<?x64xf32>
  return
}

// -----

#mq = affine_map<(d0, d1, d2) -> (d0, d2)>
#mk = affine_map<(d0, d1, d2) -> (d1, d2)>
#mo = affine_map<(d0, d1, d2) -> (d0, d1)>
// One shared buffer holds K/V tiles of Q's dtype (the first argument's:
// here f16, the tiles bf16).
// expected-error@+1 {{'func.func' stages K/V tiles of a dtype other than Q's}}
func.func @other_dtype(%q0: memref<?x64xf16>, %q: memref<?x64xbf16>, %k: memref<?x64xbf16>, %s: memref<?x64xf32>, %x: index, %y: index, %z: index) attributes {attn.kernel = {block_m = 64 : i64, block_n = 64 : i64, num_warps = 4 : i64, target = "sm_90a", kind = "mha"}, attn.mma = "mma_sync"} {
  %c0 = arith.constant 0 : index
  %pad = arith.constant 0.0 : bf16
  %qt = vector.transfer_read %q[%c0, %c0], %pad {attn.layout = "regs.mma_a", in_bounds = [false, true]} : memref<?x64xbf16>, vector<64x64xbf16>
  %kt = vector.transfer_read %k[%c0, %c0], %pad {attn.layout = "smem.pad8", in_bounds = [false, true]} : memref<?x64xbf16>, vector<64x64xbf16>
  %zero = arith.constant dense<0.0> : vector<64x64xf32>
  %st = vector.contract {indexing_maps = [#mq, #mk, #mo], iterator_types = ["parallel", "parallel", "reduction"], kind = #vector.kind<add>} %qt, %kt, %zero {attn.layout = "mma_sync.m16n8k16.rs"} : vector<64x64xbf16>, vector<64x64xbf16> into vector<64x64xf32>
  vector.transfer_write %st, %s[%c0, %c0] {in_bounds = [false, true]} : vector<64x64xf32>, memref<?x64xf32>
  return
}

// -----

// A column prefix (attn.mla's V) is a view of a staged K/V tile, not of a
// tile in registers.
func.func @prefix_of_registers(%out: memref<?x32xf32>, %x: index, %y: index, %z: index) attributes {attn.kernel = {block_m = 32 : i64, num_warps = 2 : i64, target = "sm_90a", kind = "mha"}} {
  %c0 = arith.constant 0 : index
  %t = arith.constant dense<1.0> : vector<32x64xf32>
  // expected-error@+1 {{'vector.extract_strided_slice' is not a column prefix of a staged K/V tile (all rows, columns [0, n), feeding matmuls as right operand)}}
  %p = vector.extract_strided_slice %t {offsets = [0, 0], sizes = [32, 32], strides = [1, 1]} : vector<32x64xf32> to vector<32x32xf32>
  vector.transfer_write %p, %out[%c0, %c0] {in_bounds = [false, true]} : vector<32x32xf32>, memref<?x32xf32>
  return
}
