// One case per verifier branch of the block mask (docs/masks.md) of
// attn.mha (attn.mha_varlen shares the checks but NQB / NKB, per sequence).
// RUN: attn-opt %s --split-input-file --verify-diagnostics

// kv_num_blocks dim 2 must be ceil(Sq / q_block_size) = 4
func.func @nqb(%q: tensor<2x8x100x64xf16>, %k: tensor<2x2x70x64xf16>, %v: tensor<2x2x70x64xf16>, %n: tensor<2x8x3xi32>, %i: tensor<2x8x3x5xi32>) {
  // expected-error@+1 {{'kv_num_blocks' dimension 2 (NQB = 3) must equal ceil(Sq / q_block_size) = 4 ('q' dimension 2, Sq = 100, q_block_size = 32)}}
  %o = attn.mha %q, %k, %v block_mask(%n, %i) {q_block_size = 32 : i64, kv_block_size = 16 : i64}
    : (tensor<2x8x100x64xf16>, tensor<2x2x70x64xf16>, tensor<2x2x70x64xf16>, tensor<2x8x3xi32>, tensor<2x8x3x5xi32>) -> tensor<2x8x100x64xf16>
  return
}

// -----

// kv_indices dim 3 must be ceil(Sk / kv_block_size) = 5
func.func @nkb(%q: tensor<2x8x100x64xf16>, %k: tensor<2x2x70x64xf16>, %v: tensor<2x2x70x64xf16>, %n: tensor<2x8x4xi32>, %i: tensor<2x8x4x4xi32>) {
  // expected-error@+1 {{'kv_indices' dimension 3 (NKB = 4) must equal ceil(Sk / kv_block_size) = 5 ('k' dimension 2, Sk = 70, kv_block_size = 16)}}
  %o = attn.mha %q, %k, %v block_mask(%n, %i) {q_block_size = 32 : i64, kv_block_size = 16 : i64}
    : (tensor<2x8x100x64xf16>, tensor<2x2x70x64xf16>, tensor<2x2x70x64xf16>, tensor<2x8x4xi32>, tensor<2x8x4x4xi32>) -> tensor<2x8x100x64xf16>
  return
}

// -----

// B of the block tensors: B or 1
func.func @batch(%q: tensor<2x8x100x64xf16>, %k: tensor<2x2x70x64xf16>, %v: tensor<2x2x70x64xf16>, %n: tensor<3x8x4xi32>, %i: tensor<3x8x4x5xi32>) {
  // expected-error@+1 {{'kv_num_blocks' dimension 0 (B = 3) must equal 'q' dimension 0 (B = 2) or 1 (broadcast)}}
  %o = attn.mha %q, %k, %v block_mask(%n, %i) {q_block_size = 32 : i64, kv_block_size = 16 : i64}
    : (tensor<2x8x100x64xf16>, tensor<2x2x70x64xf16>, tensor<2x2x70x64xf16>, tensor<3x8x4xi32>, tensor<3x8x4x5xi32>) -> tensor<2x8x100x64xf16>
  return
}

// -----

// H of the block tensors: Hq or 1 (not Hkv)
func.func @heads(%q: tensor<2x8x100x64xf16>, %k: tensor<2x2x70x64xf16>, %v: tensor<2x2x70x64xf16>, %n: tensor<2x2x4xi32>, %i: tensor<2x2x4x5xi32>) {
  // expected-error@+1 {{'kv_num_blocks' dimension 1 (Hq = 2) must equal 'q' dimension 1 (Hq = 8) or 1 (broadcast)}}
  %o = attn.mha %q, %k, %v block_mask(%n, %i) {q_block_size = 32 : i64, kv_block_size = 16 : i64}
    : (tensor<2x8x100x64xf16>, tensor<2x2x70x64xf16>, tensor<2x2x70x64xf16>, tensor<2x2x4xi32>, tensor<2x2x4x5xi32>) -> tensor<2x8x100x64xf16>
  return
}

// -----

// kv_indices and kv_num_blocks disagree
func.func @idx_vs_num(%q: tensor<2x8x100x64xf16>, %k: tensor<2x2x70x64xf16>, %v: tensor<2x2x70x64xf16>, %n: tensor<2x8x4xi32>, %i: tensor<1x8x4x5xi32>) {
  // expected-error@+1 {{'kv_indices' dimension 0 (B = 1) must equal 'kv_num_blocks' dimension 0 (B = 2)}}
  %o = attn.mha %q, %k, %v block_mask(%n, %i) {q_block_size = 32 : i64, kv_block_size = 16 : i64}
    : (tensor<2x8x100x64xf16>, tensor<2x2x70x64xf16>, tensor<2x2x70x64xf16>, tensor<2x8x4xi32>, tensor<1x8x4x5xi32>) -> tensor<2x8x100x64xf16>
  return
}

// -----

// kv_num_blocks of rank 2
func.func @rank(%q: tensor<2x8x100x64xf16>, %k: tensor<2x2x70x64xf16>, %v: tensor<2x2x70x64xf16>, %n: tensor<2x8xi32>, %i: tensor<2x8x4x5xi32>) {
  // expected-error@+1 {{'kv_num_blocks' must have rank 3 (B x Hq x NQB), got 'tensor<2x8xi32>'}}
  %o = attn.mha %q, %k, %v block_mask(%n, %i) {q_block_size = 32 : i64, kv_block_size = 16 : i64}
    : (tensor<2x8x100x64xf16>, tensor<2x2x70x64xf16>, tensor<2x2x70x64xf16>, tensor<2x8xi32>, tensor<2x8x4x5xi32>) -> tensor<2x8x100x64xf16>
  return
}

// -----

// kv_indices of i64
func.func @elem(%q: tensor<2x8x100x64xf16>, %k: tensor<2x2x70x64xf16>, %v: tensor<2x2x70x64xf16>, %n: tensor<2x8x4xi32>, %i: tensor<2x8x4x5xi64>) {
  // expected-error@+1 {{'kv_indices' element type must be i32, got 'i64'}}
  %o = attn.mha %q, %k, %v block_mask(%n, %i) {q_block_size = 32 : i64, kv_block_size = 16 : i64}
    : (tensor<2x8x100x64xf16>, tensor<2x2x70x64xf16>, tensor<2x2x70x64xf16>, tensor<2x8x4xi32>, tensor<2x8x4x5xi64>) -> tensor<2x8x100x64xf16>
  return
}

// -----

// full lists in the shape of the partial ones
func.func @full_shape(%q: tensor<2x8x100x64xf16>, %k: tensor<2x2x70x64xf16>, %v: tensor<2x2x70x64xf16>, %n: tensor<2x8x4xi32>, %i: tensor<2x8x4x5xi32>, %fn: tensor<2x8x4xi32>, %fi: tensor<2x1x4x5xi32>) {
  // expected-error@+1 {{'full_kv_indices' dimension 1 (Hq = 1) must equal 'full_kv_num_blocks' dimension 1 (Hq = 8)}}
  %o = attn.mha %q, %k, %v block_mask(%n, %i) full_blocks(%fn, %fi) {q_block_size = 32 : i64, kv_block_size = 16 : i64}
    : (tensor<2x8x100x64xf16>, tensor<2x2x70x64xf16>, tensor<2x2x70x64xf16>, tensor<2x8x4xi32>, tensor<2x8x4x5xi32>, tensor<2x8x4xi32>, tensor<2x1x4x5xi32>) -> tensor<2x8x100x64xf16>
  return
}

// -----

// block sizes required
func.func @no_sizes(%q: tensor<2x8x100x64xf16>, %k: tensor<2x2x70x64xf16>, %v: tensor<2x2x70x64xf16>, %n: tensor<2x8x4xi32>, %i: tensor<2x8x4x5xi32>) {
  // expected-error@+1 {{a block mask needs 'q_block_size' and 'kv_block_size'}}
  %o = attn.mha %q, %k, %v block_mask(%n, %i) {q_block_size = 32 : i64}
    : (tensor<2x8x100x64xf16>, tensor<2x2x70x64xf16>, tensor<2x2x70x64xf16>, tensor<2x8x4xi32>, tensor<2x8x4x5xi32>) -> tensor<2x8x100x64xf16>
  return
}

// -----

// block sizes positive
func.func @size_range(%q: tensor<2x8x100x64xf16>, %k: tensor<2x2x70x64xf16>, %v: tensor<2x2x70x64xf16>, %n: tensor<2x8x4xi32>, %i: tensor<2x8x4x5xi32>) {
  // expected-error@+1 {{'kv_block_size' must be in [1, 2147483647], got 0}}
  %o = attn.mha %q, %k, %v block_mask(%n, %i) {q_block_size = 32 : i64, kv_block_size = 0 : i64}
    : (tensor<2x8x100x64xf16>, tensor<2x2x70x64xf16>, tensor<2x2x70x64xf16>, tensor<2x8x4xi32>, tensor<2x8x4x5xi32>) -> tensor<2x8x100x64xf16>
  return
}

// -----

// block sizes without the block tensors
func.func @sizes_alone(%q: tensor<2x8x100x64xf16>, %k: tensor<2x2x70x64xf16>, %v: tensor<2x2x70x64xf16>, %n: tensor<2x8x4xi32>) {
  // expected-error@+1 {{a block mask needs 'kv_num_blocks' and 'kv_indices' (block_mask(...)); 'full_blocks', 'mask_mod', 'q_block_size' and 'kv_block_size' belong to it}}
  %o = attn.mha %q, %k, %v  {q_block_size = 32 : i64, kv_block_size = 16 : i64}
    : (tensor<2x8x100x64xf16>, tensor<2x2x70x64xf16>, tensor<2x2x70x64xf16>) -> tensor<2x8x100x64xf16>
  return
}

// -----

// mask_mod with three arguments
func.func @region_args(%q: tensor<2x8x100x64xf16>, %k: tensor<2x2x70x64xf16>, %v: tensor<2x2x70x64xf16>, %n: tensor<2x8x4xi32>, %i: tensor<2x8x4x5xi32>) {
  // expected-error@+1 {{'mask_mod' must take 4 arguments (b, h, q_idx, kv_idx), got 3}}
  %o = attn.mha %q, %k, %v block_mask(%n, %i) mask_mod {
  ^bb0(%b: index, %qi: index, %kj: index):
    %c = arith.cmpi sge, %qi, %kj : index
    attn.yield %c : i1
  } {q_block_size = 32 : i64, kv_block_size = 16 : i64}
    : (tensor<2x8x100x64xf16>, tensor<2x2x70x64xf16>, tensor<2x2x70x64xf16>, tensor<2x8x4xi32>, tensor<2x8x4x5xi32>) -> tensor<2x8x100x64xf16>
  return
}

// -----

// mask_mod argument of i32
func.func @region_argtype(%q: tensor<2x8x100x64xf16>, %k: tensor<2x2x70x64xf16>, %v: tensor<2x2x70x64xf16>, %n: tensor<2x8x4xi32>, %i: tensor<2x8x4x5xi32>) {
  // expected-error@+1 {{'mask_mod' argument 3 must be index or i64, got 'i32'}}
  %o = attn.mha %q, %k, %v block_mask(%n, %i) mask_mod {
  ^bb0(%b: index, %h: index, %qi: index, %kj: i32):
    %c = arith.constant true
    attn.yield %c : i1
  } {q_block_size = 32 : i64, kv_block_size = 16 : i64}
    : (tensor<2x8x100x64xf16>, tensor<2x2x70x64xf16>, tensor<2x2x70x64xf16>, tensor<2x8x4xi32>, tensor<2x8x4x5xi32>) -> tensor<2x8x100x64xf16>
  return
}

// -----

// mask_mod yields an index
func.func @region_yield_type(%q: tensor<2x8x100x64xf16>, %k: tensor<2x2x70x64xf16>, %v: tensor<2x2x70x64xf16>, %n: tensor<2x8x4xi32>, %i: tensor<2x8x4x5xi32>) {
  %o = attn.mha %q, %k, %v block_mask(%n, %i) mask_mod {
  ^bb0(%b: index, %h: index, %qi: index, %kj: index):
    // expected-error@+1 {{'attn.yield' op operand #0 must be 1-bit signless integer, but got 'index'}}
    "attn.yield"(%qi) : (index) -> ()
  } {q_block_size = 32 : i64, kv_block_size = 16 : i64}
    : (tensor<2x8x100x64xf16>, tensor<2x2x70x64xf16>, tensor<2x2x70x64xf16>, tensor<2x8x4xi32>, tensor<2x8x4x5xi32>) -> tensor<2x8x100x64xf16>
  return
}

// -----

// mask_mod with a math op
func.func @region_op(%q: tensor<2x8x100x64xf16>, %k: tensor<2x2x70x64xf16>, %v: tensor<2x2x70x64xf16>, %n: tensor<2x8x4xi32>, %i: tensor<2x8x4x5xi32>) {
  %o = attn.mha %q, %k, %v block_mask(%n, %i) mask_mod {
  ^bb0(%b: index, %h: index, %qi: index, %kj: index):
    // expected-error@+1 {{'math.absi' op is not allowed in 'mask_mod' (only pure arith ops and attn.yield)}}
    %a = math.absi %qi : index
    %c = arith.cmpi sge, %a, %kj : index
    attn.yield %c : i1
  } {q_block_size = 32 : i64, kv_block_size = 16 : i64}
    : (tensor<2x8x100x64xf16>, tensor<2x2x70x64xf16>, tensor<2x2x70x64xf16>, tensor<2x8x4xi32>, tensor<2x8x4x5xi32>) -> tensor<2x8x100x64xf16>
  return
}

// -----

// mask_mod without a block mask
func.func @region_no_mask(%q: tensor<2x8x100x64xf16>, %k: tensor<2x2x70x64xf16>, %v: tensor<2x2x70x64xf16>, %n: tensor<2x8x4xi32>) {
  // expected-error@+1 {{a block mask needs 'kv_num_blocks' and 'kv_indices' (block_mask(...)); 'full_blocks', 'mask_mod', 'q_block_size' and 'kv_block_size' belong to it}}
  %o = attn.mha %q, %k, %v  mask_mod {
  ^bb0(%b: index, %h: index, %qi: index, %kj: index):
    %c = arith.cmpi sge, %qi, %kj : index
    attn.yield %c : i1
  } 
    : (tensor<2x8x100x64xf16>, tensor<2x2x70x64xf16>, tensor<2x2x70x64xf16>) -> tensor<2x8x100x64xf16>
  return
}

// -----

// Outer values in mask_mod (other than constants) are refused: the region is
// replayed inside the kernels.
func.func @region_outer(%q: tensor<2x8x100x64xf16>, %k: tensor<2x2x70x64xf16>, %v: tensor<2x2x70x64xf16>, %n: tensor<2x8x4xi32>, %i: tensor<2x8x4x5xi32>, %x: index) {
  %o = attn.mha %q, %k, %v block_mask(%n, %i) mask_mod {
  ^bb0(%b: index, %h: index, %qi: index, %kj: index):
    // expected-error@+1 {{'arith.cmpi' op in 'mask_mod' uses a value defined outside it (only its arguments, its own values and constants)}}
    %c = arith.cmpi sge, %qi, %x : index
    attn.yield %c : i1
  } {q_block_size = 32 : i64, kv_block_size = 16 : i64}
    : (tensor<2x8x100x64xf16>, tensor<2x2x70x64xf16>, tensor<2x2x70x64xf16>, tensor<2x8x4xi32>, tensor<2x8x4x5xi32>) -> tensor<2x8x100x64xf16>
  return
}

// -----

// Varlen: B' against cu_seqlens (B + 1 = 5 offsets: 4 sequences).
func.func @varlen_batch(%q: tensor<?x8x64xf16>, %k: tensor<?x2x64xf16>, %v: tensor<?x2x64xf16>, %cq: tensor<5xi32>, %ck: tensor<5xi32>,
                        %n: tensor<3x1x?xi32>, %i: tensor<3x1x?x?xi32>) {
  // expected-error@+1 {{'kv_num_blocks' dimension 0 (B = 3) must equal 'cu_seqlens_q' dimension 0 (B+1 = 4) or 1 (broadcast)}}
  %o = attn.mha_varlen %q, %k, %v, %cq, %ck block_mask(%n, %i) {q_block_size = 64 : i64, kv_block_size = 64 : i64}
    : (tensor<?x8x64xf16>, tensor<?x2x64xf16>, tensor<?x2x64xf16>, tensor<5xi32>, tensor<5xi32>, tensor<3x1x?xi32>, tensor<3x1x?x?xi32>) -> tensor<?x8x64xf16>
  return
}

// -----

// Two mask_mod regions (generic form).
func.func @two_regions(%q: tensor<1x2x16x16xf32>, %n: tensor<1x1x1xi32>, %i: tensor<1x1x1x1xi32>) -> tensor<1x2x16x16xf32> {
  // expected-error@+1 {{'attn.mha' op takes at most one 'mask_mod' region, got 2}}
  %o = "attn.mha"(%q, %q, %q, %n, %i) <{operandSegmentSizes = array<i32: 1, 1, 1, 0, 0, 1, 1, 0, 0>, q_block_size = 16 : i64, kv_block_size = 16 : i64}> ({
  ^bb0(%b: index, %h: index, %x: index, %y: index):
    %t = arith.constant true
    "attn.yield"(%t) : (i1) -> ()
  }, {
  ^bb0(%b: index, %h: index, %x: index, %y: index):
    %t = arith.constant true
    "attn.yield"(%t) : (i1) -> ()
  }) : (tensor<1x2x16x16xf32>, tensor<1x2x16x16xf32>, tensor<1x2x16x16xf32>, tensor<1x1x1xi32>, tensor<1x1x1x1xi32>) -> tensor<1x2x16x16xf32>
  return %o : tensor<1x2x16x16xf32>
}

// -----

// attn.yield before the end of the region.
func.func @two_yields(%q: tensor<1x2x16x16xf32>, %n: tensor<1x1x1xi32>, %i: tensor<1x1x1x1xi32>) -> tensor<1x2x16x16xf32> {
  %o = "attn.mha"(%q, %q, %q, %n, %i) <{operandSegmentSizes = array<i32: 1, 1, 1, 0, 0, 1, 1, 0, 0>, q_block_size = 16 : i64, kv_block_size = 16 : i64}> ({
  ^bb0(%b: index, %h: index, %x: index, %y: index):
    %t = arith.constant true
    // expected-error@+1 {{'attn.yield' op must be the last op of 'mask_mod'}}
    "attn.yield"(%t) : (i1) -> ()
    "attn.yield"(%t) : (i1) -> ()
  }) : (tensor<1x2x16x16xf32>, tensor<1x2x16x16xf32>, tensor<1x2x16x16xf32>, tensor<1x1x1xi32>, tensor<1x1x1x1xi32>) -> tensor<1x2x16x16xf32>
  return %o : tensor<1x2x16x16xf32>
}

// -----

// No attn.yield at the end.
func.func @no_yield(%q: tensor<1x2x16x16xf32>, %n: tensor<1x1x1xi32>, %i: tensor<1x1x1x1xi32>) -> tensor<1x2x16x16xf32> {
  // expected-error@+1 {{'attn.mha' op 'mask_mod' must end in attn.yield}}
  %o = "attn.mha"(%q, %q, %q, %n, %i) <{operandSegmentSizes = array<i32: 1, 1, 1, 0, 0, 1, 1, 0, 0>, q_block_size = 16 : i64, kv_block_size = 16 : i64}> ({
  ^bb0(%b: index, %h: index, %x: index, %y: index):
    %t = arith.constant true
  }) : (tensor<1x2x16x16xf32>, tensor<1x2x16x16xf32>, tensor<1x2x16x16xf32>, tensor<1x1x1xi32>, tensor<1x1x1x1xi32>) -> tensor<1x2x16x16xf32>
  return %o : tensor<1x2x16x16xf32>
}

// -----

// An empty region (ODS: one block).
func.func @empty_region(%q: tensor<1x2x16x16xf32>, %n: tensor<1x1x1xi32>, %i: tensor<1x1x1x1xi32>) -> tensor<1x2x16x16xf32> {
  // expected-error@+1 {{'attn.mha' op region #0 ('mask_mod') failed to verify constraint: region with 1 blocks}}
  %o = "attn.mha"(%q, %q, %q, %n, %i) <{operandSegmentSizes = array<i32: 1, 1, 1, 0, 0, 1, 1, 0, 0>, q_block_size = 16 : i64, kv_block_size = 16 : i64}> ({

  }) : (tensor<1x2x16x16xf32>, tensor<1x2x16x16xf32>, tensor<1x2x16x16xf32>, tensor<1x1x1xi32>, tensor<1x1x1x1xi32>) -> tensor<1x2x16x16xf32>
  return %o : tensor<1x2x16x16xf32>
}

// -----

// attn.yield outside a mask_mod region.
func.func @stray_yield(%t: i1) {
  // expected-error@+1 {{'attn.yield' op expects parent op to be one of 'attn.mha, attn.mha_varlen'}}
  "attn.yield"(%t) : (i1) -> ()
  return
}
