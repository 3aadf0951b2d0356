// GpuPieces.c (K/V tiles assembled from pieces, as paged caches make them):
// a chain of vector.insert_strided_slice of whole-row piece reads covering
// the tile's rows once is staged as one K/V tile; anything else fails with
// a located error.
// RUN: attn-opt %s --split-input-file --verify-diagnostics --attn-lower-nvgpu -o /dev/null

#mq = affine_map<(d0, d1, d2) -> (d0, d2)>
#mk = affine_map<(d0, d1, d2) -> (d1, d2)>
#mo = affine_map<(d0, d1, d2) -> (d0, d1)>
// Two pieces at row 0: rows 32 to 63 of the tile come from nowhere.
func.func @overlap(%q: memref<?x64xf16>, %k: memref<?x64xf16>, %s: memref<?x64xf32>, %x: index, %y: index, %z: index) attributes {attn.kernel = {block_m = 64 : i64, block_n = 64 : i64, num_warps = 4 : i64, target = "sm_90a", kind = "mha"}, attn.mma = "mma_sync"} {
  %c0 = arith.constant 0 : index
  %c32 = arith.constant 32 : index
  %pad = arith.constant 0.0 : f16
  %qt = vector.transfer_read %q[%c0, %c0], %pad {attn.layout = "regs.mma_a", in_bounds = [false, true]} : memref<?x64xf16>, vector<64x64xf16>
  %empty = arith.constant dense<0.0> : vector<64x64xf16>
  %p0 = vector.transfer_read %k[%c0, %c0], %pad {attn.layout = "smem.pad8", in_bounds = [false, true]} : memref<?x64xf16>, vector<32x64xf16>
  %p1 = vector.transfer_read %k[%c32, %c0], %pad {attn.layout = "smem.pad8", in_bounds = [false, true]} : memref<?x64xf16>, vector<32x64xf16>
  %t0 = vector.insert_strided_slice %p0, %empty {offsets = [0, 0], strides = [1, 1]} : vector<32x64xf16> into vector<64x64xf16>
  // expected-error@+1 {{'vector.insert_strided_slice' assembles a K/V tile from pieces that do not cover its rows once}}
  %kt = vector.insert_strided_slice %p1, %t0 {offsets = [0, 0], strides = [1, 1]} : vector<32x64xf16> into vector<64x64xf16>
  %zero = arith.constant dense<0.0> : vector<64x64xf32>
  %st = vector.contract {indexing_maps = [#mq, #mk, #mo], iterator_types = ["parallel", "parallel", "reduction"], kind = #vector.kind<add>} %qt, %kt, %zero {attn.layout = "mma_sync.m16n8k16.rs"} : vector<64x64xf16>, vector<64x64xf16> into vector<64x64xf32>
  vector.transfer_write %st, %s[%c0, %c0] {in_bounds = [false, true]} : vector<64x64xf32>, memref<?x64xf32>
  return
}

// -----

#mq = affine_map<(d0, d1, d2) -> (d0, d2)>
#mk = affine_map<(d0, d1, d2) -> (d1, d2)>
#mo = affine_map<(d0, d1, d2) -> (d0, d1)>
// A piece that is not read from memory.
func.func @not_read(%q: memref<?x64xf16>, %k: memref<?x64xf16>, %s: memref<?x64xf32>, %x: index, %y: index, %z: index) attributes {attn.kernel = {block_m = 64 : i64, block_n = 64 : i64, num_warps = 4 : i64, target = "sm_90a", kind = "mha"}, attn.mma = "mma_sync"} {
  %c0 = arith.constant 0 : index
  %pad = arith.constant 0.0 : f16
  %qt = vector.transfer_read %q[%c0, %c0], %pad {attn.layout = "regs.mma_a", in_bounds = [false, true]} : memref<?x64xf16>, vector<64x64xf16>
  %empty = arith.constant dense<0.0> : vector<64x64xf16>
  %p0 = vector.transfer_read %k[%c0, %c0], %pad {attn.layout = "smem.pad8", in_bounds = [false, true]} : memref<?x64xf16>, vector<32x64xf16>
  %p1 = arith.constant dense<1.0> : vector<32x64xf16>
  %t0 = vector.insert_strided_slice %p0, %empty {offsets = [0, 0], strides = [1, 1]} : vector<32x64xf16> into vector<64x64xf16>
  // expected-error@+1 {{'vector.insert_strided_slice' must insert whole-row pieces read by vector.transfer_read into a tile}}
  %kt = vector.insert_strided_slice %p1, %t0 {offsets = [32, 0], strides = [1, 1]} : vector<32x64xf16> into vector<64x64xf16>
  %zero = arith.constant dense<0.0> : vector<64x64xf32>
  %st = vector.contract {indexing_maps = [#mq, #mk, #mo], iterator_types = ["parallel", "parallel", "reduction"], kind = #vector.kind<add>} %qt, %kt, %zero {attn.layout = "mma_sync.m16n8k16.rs"} : vector<64x64xf16>, vector<64x64xf16> into vector<64x64xf32>
  vector.transfer_write %st, %s[%c0, %c0] {in_bounds = [false, true]} : vector<64x64xf32>, memref<?x64xf32>
  return
}

// -----

// A tile assembled from pieces that is written out, not multiplied: pieces
// are staged in shared memory for a matmul only (attnGpuLowerInsertSlice).
func.func @pieces_written(%in: memref<?x64xf32>, %out: memref<?x64xf32>, %x: index, %y: index, %z: index) attributes {attn.kernel = {block_m = 32 : i64, num_warps = 2 : i64, target = "sm_90a", kind = "mha"}} {
  %c0 = arith.constant 0 : index
  %pad = arith.constant 0.0 : f32
  %t = arith.constant dense<0.0> : vector<32x64xf32>
  %piece = vector.transfer_read %in[%c0, %c0], %pad {in_bounds = [false, true]} : memref<?x64xf32>, vector<32x64xf32>
  // expected-error@+1 {{'vector.insert_strided_slice' assembles a tile that is not only the K/V operand of a matmul}}
  %tile = vector.insert_strided_slice %piece, %t {offsets = [0, 0], strides = [1, 1]} : vector<32x64xf32> into vector<32x64xf32>
  vector.transfer_write %tile, %out[%c0, %c0] {in_bounds = [false, true]} : vector<32x64xf32>, memref<?x64xf32>
  return
}
