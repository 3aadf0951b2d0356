// Kernel IR the CPU lowering cannot map fails at the offending op.
// RUN: attn-opt %s --split-input-file --verify-diagnostics --attn-lower-cpu

// expected-error @+1 {{attn-lower-cpu: 'func.func' has an attn.kernel without a positive block_m}}
func.func @no_block(%x: index) attributes {attn.kernel = {block_n = 4 : i64}} {
  return
}

// -----

#a = affine_map<(m, n, k) -> (m, k)>
#b = affine_map<(m, n, k) -> (k, n)>
#c = affine_map<(m, n, k) -> (n, m)>
func.func @odd_contract(%m: memref<?x4xf32>, %i: index) attributes {attn.kernel = {block_m = 4 : i64}} {
  %p = arith.constant 0.0 : f32
  %z = arith.constant dense<0.0> : vector<4x4xf32>
  %a = vector.transfer_read %m[%i, %i], %p {in_bounds = [false, true]} : memref<?x4xf32>, vector<4x4xf32>
  %b = vector.transfer_read %m[%i, %i], %p {in_bounds = [false, true]} : memref<?x4xf32>, vector<4x4xf32>
  // expected-error @+1 {{attn-lower-cpu: 'vector.contract' is not a QK^T or PV tile matmul of the kernel IR}}
  %c = vector.contract {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "parallel", "reduction"], kind = #vector.kind<add>} %a, %b, %z : vector<4x4xf32>, vector<4x4xf32> into vector<4x4xf32>
  vector.transfer_write %c, %m[%i, %i] {in_bounds = [false, true]} : vector<4x4xf32>, memref<?x4xf32>
  return
}

// -----

func.func @transpose(%m: memref<?x4xf32>, %i: index) attributes {attn.kernel = {block_m = 4 : i64}} {
  %p = arith.constant 0.0 : f32
  %a = vector.transfer_read %m[%i, %i], %p {in_bounds = [false, true]} : memref<?x4xf32>, vector<4x4xf32>
  // expected-error @+1 {{attn-lower-cpu: 'vector.transpose' transposes a tile that is not a broadcast row vector (unsupported)}}
  %t = vector.transpose %a, [1, 0] : vector<4x4xf32> to vector<4x4xf32>
  vector.transfer_write %t, %m[%i, %i] {in_bounds = [false, true]} : vector<4x4xf32>, memref<?x4xf32>
  return
}

// -----

func.func @column_reduction(%m: memref<?x4xf32>, %i: index, %acc: vector<4xf32>) -> vector<4xf32> attributes {attn.kernel = {block_m = 4 : i64}} {
  %p = arith.constant 0.0 : f32
  %a = vector.transfer_read %m[%i, %i], %p {in_bounds = [false, true]} : memref<?x4xf32>, vector<4x4xf32>
  // expected-error @+1 {{attn-lower-cpu: 'vector.multi_reduction' is not a row reduction (add or maximumf over dim 1 of an f32 tile)}}
  %r = vector.multi_reduction <add>, %a, %acc [0] : vector<4x4xf32> to vector<4xf32>
  return %r : vector<4xf32>
}

// -----

func.func @tile_result(%m: memref<?x4xf32>, %i: index) -> vector<4x4xf32> attributes {attn.kernel = {block_m = 4 : i64}} {
  %p = arith.constant 0.0 : f32
  %a = vector.transfer_read %m[%i, %i], %p {in_bounds = [false, true]} : memref<?x4xf32>, vector<4x4xf32>
  // expected-error @+1 {{attn-lower-cpu: 'func.return' takes a tile operand (unsupported on the CPU)}}
  return %a : vector<4x4xf32>
}

// -----

// A tile assembled with insert_strided_slice must be a K/V matmul operand.
func.func @piece_not_operand(%m: memref<?x4xf32>, %i: index) attributes {attn.kernel = {block_m = 4 : i64}} {
  %p = arith.constant 0.0 : f32
  %z = arith.constant dense<0.0> : vector<8x4xf32>
  %a = vector.transfer_read %m[%i, %i], %p {in_bounds = [false, true]} : memref<?x4xf32>, vector<4x4xf32>
  // expected-error @+1 {{attn-lower-cpu: 'vector.insert_strided_slice' is not a piece of a K/V tile}}
  %t = vector.insert_strided_slice %a, %z {offsets = [4, 0], strides = [1, 1]} : vector<4x4xf32> into vector<8x4xf32>
  %s = vector.extract_strided_slice %t {offsets = [0, 0], sizes = [4, 4], strides = [1, 1]} : vector<8x4xf32> to vector<4x4xf32>
  vector.transfer_write %s, %m[%i, %i] {in_bounds = [false, true]} : vector<4x4xf32>, memref<?x4xf32>
  return
}

// -----

// SAGE's integer Q K^T (docs/fp8.md): the CPU runs it in f32 from 0, so another
// accumulator is refused, as is a use of the i32 result other than its arith.sitofp.
#qa = affine_map<(m, n, k) -> (m, k)>
#qb = affine_map<(m, n, k) -> (n, k)>
#qc = affine_map<(m, n, k) -> (m, n)>
func.func @int_acc(%m: memref<?x4xi8>, %o: memref<?x4xf32>, %i: index) attributes {attn.kernel = {block_m = 4 : i64}} {
  %p = arith.constant 0 : i8
  %one = arith.constant dense<1> : vector<4x4xi32>
  %a = vector.transfer_read %m[%i, %i], %p {in_bounds = [false, true]} : memref<?x4xi8>, vector<4x4xi8>
  %b = vector.transfer_read %m[%i, %i], %p {in_bounds = [false, true]} : memref<?x4xi8>, vector<4x4xi8>
  // expected-error @+1 {{attn-lower-cpu: 'vector.contract' is an integer tile matmul whose accumulator is not a splat 0 (unsupported on the CPU)}}
  %c = vector.contract {indexing_maps = [#qa, #qb, #qc], iterator_types = ["parallel", "parallel", "reduction"], kind = #vector.kind<add>} %a, %b, %one : vector<4x4xi8>, vector<4x4xi8> into vector<4x4xi32>
  %f = arith.sitofp %c : vector<4x4xi32> to vector<4x4xf32>
  vector.transfer_write %f, %o[%i, %i] {in_bounds = [false, true]} : vector<4x4xf32>, memref<?x4xf32>
  return
}

// -----

#ra = affine_map<(m, n, k) -> (m, k)>
#rb = affine_map<(m, n, k) -> (n, k)>
#rc = affine_map<(m, n, k) -> (m, n)>
func.func @int_use(%m: memref<?x4xi8>, %o: memref<?x4xi32>, %i: index) attributes {attn.kernel = {block_m = 4 : i64}} {
  %p = arith.constant 0 : i8
  %z = arith.constant dense<0> : vector<4x4xi32>
  %a = vector.transfer_read %m[%i, %i], %p {in_bounds = [false, true]} : memref<?x4xi8>, vector<4x4xi8>
  %b = vector.transfer_read %m[%i, %i], %p {in_bounds = [false, true]} : memref<?x4xi8>, vector<4x4xi8>
  // expected-error @+1 {{attn-lower-cpu: 'vector.contract' is an integer matmul result read other than by its arith.sitofp (unsupported on the CPU)}}
  %c = vector.contract {indexing_maps = [#ra, #rb, #rc], iterator_types = ["parallel", "parallel", "reduction"], kind = #vector.kind<add>} %a, %b, %z : vector<4x4xi8>, vector<4x4xi8> into vector<4x4xi32>
  %d = arith.addi %c, %c : vector<4x4xi32>
  vector.transfer_write %d, %o[%i, %i] {in_bounds = [false, true]} : vector<4x4xi32>, memref<?x4xi32>
  return
}
