// Column slices of K/V tiles (attn.mla's V in its K tile) that the CPU
// lowering cannot read from the packed tile fail at the slice.
// RUN: attn-opt %s --split-input-file --verify-diagnostics --attn-lower-cpu

// Columns [4, 8) instead of a prefix.
#qa = affine_map<(m, n, k) -> (m, k)>
#qb = affine_map<(m, n, k) -> (n, k)>
#qc = affine_map<(m, n, k) -> (m, n)>
#pa = affine_map<(m, d, n) -> (m, n)>
#pb = affine_map<(m, d, n) -> (n, d)>
#pc = affine_map<(m, d, n) -> (m, d)>
func.func @offset_slice(%q: memref<?x8xf32>, %k: memref<?x8xf32>, %o: memref<?x4xf32>, %i: index) attributes {attn.kernel = {block_m = 4 : i64}} {
  %p = arith.constant 0.0 : f32
  %z = arith.constant dense<0.0> : vector<4x4xf32>
  %zo = arith.constant dense<0.0> : vector<4x4xf32>
  %a = vector.transfer_read %q[%i, %i], %p {in_bounds = [false, true]} : memref<?x8xf32>, vector<4x8xf32>
  %kt = vector.transfer_read %k[%i, %i], %p {in_bounds = [false, true]} : memref<?x8xf32>, vector<4x8xf32>
  %s = vector.contract {indexing_maps = [#qa, #qb, #qc], iterator_types = ["parallel", "parallel", "reduction"], kind = #vector.kind<add>} %a, %kt, %z : vector<4x8xf32>, vector<4x8xf32> into vector<4x4xf32>
  // expected-error @+1 {{attn-lower-cpu: 'vector.extract_strided_slice' is not a column prefix of a K/V tile (all rows, columns [0, n) of a transfer_read or its pieces, feeding tile matmuls as right operand)}}
  %v = vector.extract_strided_slice %kt {offsets = [0, 4], sizes = [4, 4], strides = [1, 1]} : vector<4x8xf32> to vector<4x4xf32>
  %c = vector.contract {indexing_maps = [#pa, #pb, #pc], iterator_types = ["parallel", "parallel", "reduction"], kind = #vector.kind<add>} %s, %v, %zo : vector<4x4xf32>, vector<4x4xf32> into vector<4x4xf32>
  vector.transfer_write %c, %o[%i, %i] {in_bounds = [false, true]} : vector<4x4xf32>, memref<?x4xf32>
  return
}

// -----

// A prefix of a computed tile (not a K/V read).
#pa = affine_map<(m, d, n) -> (m, n)>
#pb = affine_map<(m, d, n) -> (n, d)>
#pc = affine_map<(m, d, n) -> (m, d)>
func.func @computed_slice(%q: memref<?x8xf32>, %o: memref<?x4xf32>, %i: index) attributes {attn.kernel = {block_m = 4 : i64}} {
  %p = arith.constant 0.0 : f32
  %zo = arith.constant dense<0.0> : vector<4x4xf32>
  %a = vector.transfer_read %q[%i, %i], %p {in_bounds = [false, true]} : memref<?x8xf32>, vector<4x8xf32>
  %e = arith.addf %a, %a : vector<4x8xf32>
  // expected-error @+1 {{attn-lower-cpu: 'vector.extract_strided_slice' is not a column prefix of a K/V tile}}
  %v = vector.extract_strided_slice %e {offsets = [0, 0], sizes = [4, 4], strides = [1, 1]} : vector<4x8xf32> to vector<4x4xf32>
  %s = vector.extract_strided_slice %a {offsets = [0, 0], sizes = [4, 4], strides = [1, 1]} : vector<4x8xf32> to vector<4x4xf32>
  %c = vector.contract {indexing_maps = [#pa, #pb, #pc], iterator_types = ["parallel", "parallel", "reduction"], kind = #vector.kind<add>} %s, %v, %zo : vector<4x4xf32>, vector<4x4xf32> into vector<4x4xf32>
  vector.transfer_write %c, %o[%i, %i] {in_bounds = [false, true]} : vector<4x4xf32>, memref<?x4xf32>
  return
}
