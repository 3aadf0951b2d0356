// One case per verifier branch of attn.mla (and the ODS checks in front of
// them). Every message names the operand and the values seen.
// RUN: attn-opt %s --split-input-file --verify-diagnostics
// Every chunk fails (so no IR is printed) and the tool says so:
// RUN: not attn-opt %s --split-input-file 2>/dev/null | FileCheck %s --check-prefix=NOIR --allow-empty
// NOIR-NOT: module
// Q of rank 4.
func.func @mla_q_rank(%q: tensor<1x12x16x96xbf16>, %kv: tensor<20x16x96xbf16>, %bt: tensor<3x4xi32>, %sl: tensor<3xi32>, %qsl: tensor<4xi32>) {
  // expected-error@+1 {{'q' must have rank 3 (Tq x H x D), got 'tensor<1x12x16x96xbf16>'}}
  %o = attn.mla %q, %kv, %bt, %sl, %qsl {kv_lora_rank = 64 : i64} : (tensor<1x12x16x96xbf16>, tensor<20x16x96xbf16>, tensor<3x4xi32>, tensor<3xi32>, tensor<4xi32>) -> tensor<12x16x64xbf16>
  return
}

// -----

// A kv_cache with a KV head dim (paged_attention's layout).
func.func @mla_kv_rank(%q: tensor<12x16x96xbf16>, %kv: tensor<20x16x1x96xbf16>, %bt: tensor<3x4xi32>, %sl: tensor<3xi32>, %qsl: tensor<4xi32>) {
  // expected-error@+1 {{'kv_cache' must have rank 3 (NB x BS x D), got 'tensor<20x16x1x96xbf16>'}}
  %o = attn.mla %q, %kv, %bt, %sl, %qsl {kv_lora_rank = 64 : i64} : (tensor<12x16x96xbf16>, tensor<20x16x1x96xbf16>, tensor<3x4xi32>, tensor<3xi32>, tensor<4xi32>) -> tensor<12x16x64xbf16>
  return
}

// -----

// Block_tables of rank 1.
func.func @mla_bt_rank(%q: tensor<12x16x96xbf16>, %kv: tensor<20x16x96xbf16>, %bt: tensor<12xi32>, %sl: tensor<3xi32>, %qsl: tensor<4xi32>) {
  // expected-error@+1 {{'block_tables' must have rank 2 (B x MaxBlocks), got 'tensor<12xi32>'}}
  %o = attn.mla %q, %kv, %bt, %sl, %qsl {kv_lora_rank = 64 : i64} : (tensor<12x16x96xbf16>, tensor<20x16x96xbf16>, tensor<12xi32>, tensor<3xi32>, tensor<4xi32>) -> tensor<12x16x64xbf16>
  return
}

// -----

// Seq_lens of rank 2.
func.func @mla_sl_rank(%q: tensor<12x16x96xbf16>, %kv: tensor<20x16x96xbf16>, %bt: tensor<3x4xi32>, %sl: tensor<3x1xi32>, %qsl: tensor<4xi32>) {
  // expected-error@+1 {{'seq_lens' must have rank 1 (B), got 'tensor<3x1xi32>'}}
  %o = attn.mla %q, %kv, %bt, %sl, %qsl {kv_lora_rank = 64 : i64} : (tensor<12x16x96xbf16>, tensor<20x16x96xbf16>, tensor<3x4xi32>, tensor<3x1xi32>, tensor<4xi32>) -> tensor<12x16x64xbf16>
  return
}

// -----

// Query_start_loc of rank 0.
func.func @mla_qsl_rank(%q: tensor<12x16x96xbf16>, %kv: tensor<20x16x96xbf16>, %bt: tensor<3x4xi32>, %sl: tensor<3xi32>, %qsl: tensor<i32>) {
  // expected-error@+1 {{'query_start_loc' must have rank 1 (B+1), got 'tensor<i32>'}}
  %o = attn.mla %q, %kv, %bt, %sl, %qsl {kv_lora_rank = 64 : i64} : (tensor<12x16x96xbf16>, tensor<20x16x96xbf16>, tensor<3x4xi32>, tensor<3xi32>, tensor<i32>) -> tensor<12x16x64xbf16>
  return
}

// -----

// Out of rank 4.
func.func @mla_out_rank(%q: tensor<12x16x96xbf16>, %kv: tensor<20x16x96xbf16>, %bt: tensor<3x4xi32>, %sl: tensor<3xi32>, %qsl: tensor<4xi32>) {
  // expected-error@+1 {{'out' must have rank 3 (Tq x H x kv_lora_rank), got 'tensor<1x12x16x64xbf16>'}}
  %o = attn.mla %q, %kv, %bt, %sl, %qsl {kv_lora_rank = 64 : i64} : (tensor<12x16x96xbf16>, tensor<20x16x96xbf16>, tensor<3x4xi32>, tensor<3xi32>, tensor<4xi32>) -> tensor<1x12x16x64xbf16>
  return
}

// -----

// I64 block table.
func.func @mla_bt_i64(%q: tensor<12x16x96xbf16>, %kv: tensor<20x16x96xbf16>, %bt: tensor<3x4xi64>, %sl: tensor<3xi32>, %qsl: tensor<4xi32>) {
  // expected-error@+1 {{'block_tables' element type must be i32, got 'i64'}}
  %o = attn.mla %q, %kv, %bt, %sl, %qsl {kv_lora_rank = 64 : i64} : (tensor<12x16x96xbf16>, tensor<20x16x96xbf16>, tensor<3x4xi64>, tensor<3xi32>, tensor<4xi32>) -> tensor<12x16x64xbf16>
  return
}

// -----

// Unsigned seq_lens.
func.func @mla_sl_ui32(%q: tensor<12x16x96xbf16>, %kv: tensor<20x16x96xbf16>, %bt: tensor<3x4xi32>, %sl: tensor<3xui32>, %qsl: tensor<4xi32>) {
  // expected-error@+1 {{'seq_lens' element type must be i32, got 'ui32'}}
  %o = attn.mla %q, %kv, %bt, %sl, %qsl {kv_lora_rank = 64 : i64} : (tensor<12x16x96xbf16>, tensor<20x16x96xbf16>, tensor<3x4xi32>, tensor<3xui32>, tensor<4xi32>) -> tensor<12x16x64xbf16>
  return
}

// -----

// Float query_start_loc.
func.func @mla_qsl_f32(%q: tensor<12x16x96xbf16>, %kv: tensor<20x16x96xbf16>, %bt: tensor<3x4xi32>, %sl: tensor<3xi32>, %qsl: tensor<4xf32>) {
  // expected-error@+1 {{'query_start_loc' element type must be i32, got 'f32'}}
  %o = attn.mla %q, %kv, %bt, %sl, %qsl {kv_lora_rank = 64 : i64} : (tensor<12x16x96xbf16>, tensor<20x16x96xbf16>, tensor<3x4xi32>, tensor<3xi32>, tensor<4xf32>) -> tensor<12x16x64xbf16>
  return
}

// -----

// F64 tensors.
func.func @mla_f64(%q: tensor<12x16x96xf64>, %kv: tensor<20x16x96xf64>, %bt: tensor<3x4xi32>, %sl: tensor<3xi32>, %qsl: tensor<4xi32>) {
  // expected-error@+1 {{'q' element type must be f16, bf16 or f32, got 'f64'}}
  %o = attn.mla %q, %kv, %bt, %sl, %qsl {kv_lora_rank = 64 : i64} : (tensor<12x16x96xf64>, tensor<20x16x96xf64>, tensor<3x4xi32>, tensor<3xi32>, tensor<4xi32>) -> tensor<12x16x64xf64>
  return
}

// -----

// Kv_cache of another element type.
func.func @mla_kv_elt(%q: tensor<12x16x96xbf16>, %kv: tensor<20x16x96xf16>, %bt: tensor<3x4xi32>, %sl: tensor<3xi32>, %qsl: tensor<4xi32>) {
  // expected-error@+1 {{'kv_cache' element type 'f16' must match 'q' element type 'bf16'}}
  %o = attn.mla %q, %kv, %bt, %sl, %qsl {kv_lora_rank = 64 : i64} : (tensor<12x16x96xbf16>, tensor<20x16x96xf16>, tensor<3x4xi32>, tensor<3xi32>, tensor<4xi32>) -> tensor<12x16x64xbf16>
  return
}

// -----

// Out of another element type.
func.func @mla_out_elt(%q: tensor<12x16x96xbf16>, %kv: tensor<20x16x96xbf16>, %bt: tensor<3x4xi32>, %sl: tensor<3xi32>, %qsl: tensor<4xi32>) {
  // expected-error@+1 {{'out' element type 'f32' must match 'q' element type 'bf16'}}
  %o = attn.mla %q, %kv, %bt, %sl, %qsl {kv_lora_rank = 64 : i64} : (tensor<12x16x96xbf16>, tensor<20x16x96xbf16>, tensor<3x4xi32>, tensor<3xi32>, tensor<4xi32>) -> tensor<12x16x64xf32>
  return
}

// -----

// Lse in bf16.
func.func @mla_lse_elt(%q: tensor<12x16x96xbf16>, %kv: tensor<20x16x96xbf16>, %bt: tensor<3x4xi32>, %sl: tensor<3xi32>, %qsl: tensor<4xi32>) {
  // expected-error@+1 {{'lse' element type must be f32, got 'bf16'}}
  %o:2 = attn.mla %q, %kv, %bt, %sl, %qsl {kv_lora_rank = 64 : i64} : (tensor<12x16x96xbf16>, tensor<20x16x96xbf16>, tensor<3x4xi32>, tensor<3xi32>, tensor<4xi32>) -> (tensor<12x16x64xbf16>, tensor<16x12xbf16>)
  return
}

// -----

// Dynamic head count.
func.func @mla_dyn_h(%q: tensor<12x?x96xbf16>, %kv: tensor<20x16x96xbf16>, %bt: tensor<3x4xi32>, %sl: tensor<3xi32>, %qsl: tensor<4xi32>) {
  // expected-error@+1 {{'q' dimension 1 (H) must be static, got 'tensor<12x?x96xbf16>'}}
  %o = attn.mla %q, %kv, %bt, %sl, %qsl {kv_lora_rank = 64 : i64} : (tensor<12x?x96xbf16>, tensor<20x16x96xbf16>, tensor<3x4xi32>, tensor<3xi32>, tensor<4xi32>) -> tensor<12x16x64xbf16>
  return
}

// -----

// Dynamic head dim.
func.func @mla_dyn_d(%q: tensor<12x16x?xbf16>, %kv: tensor<20x16x96xbf16>, %bt: tensor<3x4xi32>, %sl: tensor<3xi32>, %qsl: tensor<4xi32>) {
  // expected-error@+1 {{'q' dimension 2 (D) must be static, got 'tensor<12x16x?xbf16>'}}
  %o = attn.mla %q, %kv, %bt, %sl, %qsl {kv_lora_rank = 64 : i64} : (tensor<12x16x?xbf16>, tensor<20x16x96xbf16>, tensor<3x4xi32>, tensor<3xi32>, tensor<4xi32>) -> tensor<12x16x64xbf16>
  return
}

// -----

// Dynamic block size.
func.func @mla_dyn_bs(%q: tensor<12x16x96xbf16>, %kv: tensor<20x?x96xbf16>, %bt: tensor<3x4xi32>, %sl: tensor<3xi32>, %qsl: tensor<4xi32>) {
  // expected-error@+1 {{'kv_cache' dimension 1 (BS) must be static, got 'tensor<20x?x96xbf16>'}}
  %o = attn.mla %q, %kv, %bt, %sl, %qsl {kv_lora_rank = 64 : i64} : (tensor<12x16x96xbf16>, tensor<20x?x96xbf16>, tensor<3x4xi32>, tensor<3xi32>, tensor<4xi32>) -> tensor<12x16x64xbf16>
  return
}

// -----

// Dynamic cache row.
func.func @mla_dyn_kv_d(%q: tensor<12x16x96xbf16>, %kv: tensor<20x16x?xbf16>, %bt: tensor<3x4xi32>, %sl: tensor<3xi32>, %qsl: tensor<4xi32>) {
  // expected-error@+1 {{'kv_cache' dimension 2 (D) must be static, got 'tensor<20x16x?xbf16>'}}
  %o = attn.mla %q, %kv, %bt, %sl, %qsl {kv_lora_rank = 64 : i64} : (tensor<12x16x96xbf16>, tensor<20x16x?xbf16>, tensor<3x4xi32>, tensor<3xi32>, tensor<4xi32>) -> tensor<12x16x64xbf16>
  return
}

// -----

// Dynamic output columns.
func.func @mla_dyn_out_rank(%q: tensor<12x16x96xbf16>, %kv: tensor<20x16x96xbf16>, %bt: tensor<3x4xi32>, %sl: tensor<3xi32>, %qsl: tensor<4xi32>) {
  // expected-error@+1 {{'out' dimension 2 (kv_lora_rank) must be static, got 'tensor<12x16x?xbf16>'}}
  %o = attn.mla %q, %kv, %bt, %sl, %qsl {kv_lora_rank = 64 : i64} : (tensor<12x16x96xbf16>, tensor<20x16x96xbf16>, tensor<3x4xi32>, tensor<3xi32>, tensor<4xi32>) -> tensor<12x16x?xbf16>
  return
}

// -----

// Blocks of no token.
func.func @mla_bs0(%q: tensor<12x16x96xbf16>, %kv: tensor<20x0x96xbf16>, %bt: tensor<3x4xi32>, %sl: tensor<3xi32>, %qsl: tensor<4xi32>) {
  // expected-error@+1 {{block size (kv_cache dimension 1, BS) must be at least 1, got 0}}
  %o = attn.mla %q, %kv, %bt, %sl, %qsl {kv_lora_rank = 64 : i64} : (tensor<12x16x96xbf16>, tensor<20x0x96xbf16>, tensor<3x4xi32>, tensor<3xi32>, tensor<4xi32>) -> tensor<12x16x64xbf16>
  return
}

// -----

// No heads.
func.func @mla_h0(%q: tensor<12x0x96xbf16>, %kv: tensor<20x16x96xbf16>, %bt: tensor<3x4xi32>, %sl: tensor<3xi32>, %qsl: tensor<4xi32>) {
  // expected-error@+1 {{head count and head dim must be positive, got H = 0, D = 96}}
  %o:2 = attn.mla %q, %kv, %bt, %sl, %qsl {kv_lora_rank = 64 : i64} : (tensor<12x0x96xbf16>, tensor<20x16x96xbf16>, tensor<3x4xi32>, tensor<3xi32>, tensor<4xi32>) -> (tensor<12x0x64xbf16>, tensor<0x12xf32>)
  return
}

// -----

// Cache rows of another width than q.
func.func @mla_d_mismatch(%q: tensor<12x16x96xbf16>, %kv: tensor<20x16x80xbf16>, %bt: tensor<3x4xi32>, %sl: tensor<3xi32>, %qsl: tensor<4xi32>) {
  // expected-error@+1 {{'kv_cache' dimension 2 (D = 80) must equal 'q' dimension 2 (D = 96)}}
  %o = attn.mla %q, %kv, %bt, %sl, %qsl {kv_lora_rank = 64 : i64} : (tensor<12x16x96xbf16>, tensor<20x16x80xbf16>, tensor<3x4xi32>, tensor<3xi32>, tensor<4xi32>) -> tensor<12x16x64xbf16>
  return
}

// -----

// Out with other tokens.
func.func @mla_out_tq(%q: tensor<12x16x96xbf16>, %kv: tensor<20x16x96xbf16>, %bt: tensor<3x4xi32>, %sl: tensor<3xi32>, %qsl: tensor<4xi32>) {
  // expected-error@+1 {{'out' dimension 0 (Tq = 11) must equal 'q' dimension 0 (Tq = 12)}}
  %o = attn.mla %q, %kv, %bt, %sl, %qsl {kv_lora_rank = 64 : i64} : (tensor<12x16x96xbf16>, tensor<20x16x96xbf16>, tensor<3x4xi32>, tensor<3xi32>, tensor<4xi32>) -> tensor<11x16x64xbf16>
  return
}

// -----

// Out with other heads.
func.func @mla_out_h(%q: tensor<12x16x96xbf16>, %kv: tensor<20x16x96xbf16>, %bt: tensor<3x4xi32>, %sl: tensor<3xi32>, %qsl: tensor<4xi32>) {
  // expected-error@+1 {{'out' dimension 1 (H = 8) must equal 'q' dimension 1 (H = 16)}}
  %o = attn.mla %q, %kv, %bt, %sl, %qsl {kv_lora_rank = 64 : i64} : (tensor<12x16x96xbf16>, tensor<20x16x96xbf16>, tensor<3x4xi32>, tensor<3xi32>, tensor<4xi32>) -> tensor<12x8x64xbf16>
  return
}

// -----

// Seq_lens of another batch than the table.
func.func @mla_sl_b(%q: tensor<12x16x96xbf16>, %kv: tensor<20x16x96xbf16>, %bt: tensor<3x4xi32>, %sl: tensor<2xi32>, %qsl: tensor<4xi32>) {
  // expected-error@+1 {{'seq_lens' dimension 0 (B = 2) must equal 'block_tables' dimension 0 (B = 3)}}
  %o = attn.mla %q, %kv, %bt, %sl, %qsl {kv_lora_rank = 64 : i64} : (tensor<12x16x96xbf16>, tensor<20x16x96xbf16>, tensor<3x4xi32>, tensor<2xi32>, tensor<4xi32>) -> tensor<12x16x64xbf16>
  return
}

// -----

// Kv_lora_rank 0.
func.func @mla_rank0(%q: tensor<12x16x96xbf16>, %kv: tensor<20x16x96xbf16>, %bt: tensor<3x4xi32>, %sl: tensor<3xi32>, %qsl: tensor<4xi32>) {
  // expected-error@+1 {{'kv_lora_rank' must be in [1, D = 96] (V is the first kv_lora_rank columns of each kv_cache row), got 0}}
  %o = attn.mla %q, %kv, %bt, %sl, %qsl {kv_lora_rank = 0 : i64} : (tensor<12x16x96xbf16>, tensor<20x16x96xbf16>, tensor<3x4xi32>, tensor<3xi32>, tensor<4xi32>) -> tensor<12x16x64xbf16>
  return
}

// -----

// Kv_lora_rank past the row.
func.func @mla_rank_big(%q: tensor<12x16x96xbf16>, %kv: tensor<20x16x96xbf16>, %bt: tensor<3x4xi32>, %sl: tensor<3xi32>, %qsl: tensor<4xi32>) {
  // expected-error@+1 {{'kv_lora_rank' must be in [1, D = 96] (V is the first kv_lora_rank columns of each kv_cache row), got 97}}
  %o = attn.mla %q, %kv, %bt, %sl, %qsl {kv_lora_rank = 97 : i64} : (tensor<12x16x96xbf16>, tensor<20x16x96xbf16>, tensor<3x4xi32>, tensor<3xi32>, tensor<4xi32>) -> tensor<12x16x64xbf16>
  return
}

// -----

// Out columns other than kv_lora_rank.
func.func @mla_out_rank_mismatch(%q: tensor<12x16x96xbf16>, %kv: tensor<20x16x96xbf16>, %bt: tensor<3x4xi32>, %sl: tensor<3xi32>, %qsl: tensor<4xi32>) {
  // expected-error@+1 {{'out' dimension 2 (96) must equal 'kv_lora_rank' (64)}}
  %o = attn.mla %q, %kv, %bt, %sl, %qsl {kv_lora_rank = 64 : i64} : (tensor<12x16x96xbf16>, tensor<20x16x96xbf16>, tensor<3x4xi32>, tensor<3xi32>, tensor<4xi32>) -> tensor<12x16x96xbf16>
  return
}

// -----

// No offsets at all.
func.func @mla_qsl_empty(%q: tensor<12x16x96xbf16>, %kv: tensor<20x16x96xbf16>, %bt: tensor<?x4xi32>, %sl: tensor<?xi32>, %qsl: tensor<0xi32>) {
  // expected-error@+1 {{'query_start_loc' must hold B+1 >= 1 offsets, got 0}}
  %o = attn.mla %q, %kv, %bt, %sl, %qsl {kv_lora_rank = 64 : i64} : (tensor<12x16x96xbf16>, tensor<20x16x96xbf16>, tensor<?x4xi32>, tensor<?xi32>, tensor<0xi32>) -> tensor<12x16x64xbf16>
  return
}

// -----

// B offsets instead of B+1.
func.func @mla_qsl_b(%q: tensor<12x16x96xbf16>, %kv: tensor<20x16x96xbf16>, %bt: tensor<3x4xi32>, %sl: tensor<3xi32>, %qsl: tensor<3xi32>) {
  // expected-error@+1 {{'query_start_loc' dimension 0 (B+1 = 3) must be one more than 'seq_lens' dimension 0 (B = 3)}}
  %o = attn.mla %q, %kv, %bt, %sl, %qsl {kv_lora_rank = 64 : i64} : (tensor<12x16x96xbf16>, tensor<20x16x96xbf16>, tensor<3x4xi32>, tensor<3xi32>, tensor<3xi32>) -> tensor<12x16x64xbf16>
  return
}

// -----

// B from the table when seq_lens is dynamic.
func.func @mla_qsl_b_table(%q: tensor<12x16x96xbf16>, %kv: tensor<20x16x96xbf16>, %bt: tensor<3x4xi32>, %sl: tensor<?xi32>, %qsl: tensor<5xi32>) {
  // expected-error@+1 {{'query_start_loc' dimension 0 (B+1 = 5) must be one more than 'block_tables' dimension 0 (B = 3)}}
  %o = attn.mla %q, %kv, %bt, %sl, %qsl {kv_lora_rank = 64 : i64} : (tensor<12x16x96xbf16>, tensor<20x16x96xbf16>, tensor<3x4xi32>, tensor<?xi32>, tensor<5xi32>) -> tensor<12x16x64xbf16>
  return
}

// -----

// Rows past the supported head dim.
func.func @mla_d_max(%q: tensor<12x16x640xbf16>, %kv: tensor<20x16x640xbf16>, %bt: tensor<3x4xi32>, %sl: tensor<3xi32>, %qsl: tensor<4xi32>) {
  // expected-error@+1 {{'q' dimension 2 (D = 640) exceeds the supported maximum 576}}
  %o = attn.mla %q, %kv, %bt, %sl, %qsl {kv_lora_rank = 64 : i64} : (tensor<12x16x640xbf16>, tensor<20x16x640xbf16>, tensor<3x4xi32>, tensor<3xi32>, tensor<4xi32>) -> tensor<12x16x64xbf16>
  return
}

// -----

// Too many heads.
func.func @mla_h_max(%q: tensor<12x8192x96xbf16>, %kv: tensor<20x16x96xbf16>, %bt: tensor<3x4xi32>, %sl: tensor<3xi32>, %qsl: tensor<4xi32>) {
  // expected-error@+1 {{'q' dimension 1 (H = 8192) exceeds the supported maximum 4096}}
  %o = attn.mla %q, %kv, %bt, %sl, %qsl {kv_lora_rank = 64 : i64} : (tensor<12x8192x96xbf16>, tensor<20x16x96xbf16>, tensor<3x4xi32>, tensor<3xi32>, tensor<4xi32>) -> tensor<12x8192x64xbf16>
  return
}

// -----

// Blocks past the supported size.
func.func @mla_bs_max(%q: tensor<12x16x96xbf16>, %kv: tensor<2x8192x96xbf16>, %bt: tensor<3x4xi32>, %sl: tensor<3xi32>, %qsl: tensor<4xi32>) {
  // expected-error@+1 {{'kv_cache' dimension 1 (BS = 8192) exceeds the supported maximum 4096}}
  %o = attn.mla %q, %kv, %bt, %sl, %qsl {kv_lora_rank = 64 : i64} : (tensor<12x16x96xbf16>, tensor<2x8192x96xbf16>, tensor<3x4xi32>, tensor<3xi32>, tensor<4xi32>) -> tensor<12x16x64xbf16>
  return
}

// -----

// Lse of rank 3.
func.func @mla_lse_rank(%q: tensor<12x16x96xbf16>, %kv: tensor<20x16x96xbf16>, %bt: tensor<3x4xi32>, %sl: tensor<3xi32>, %qsl: tensor<4xi32>) {
  // expected-error@+1 {{'lse' must have rank 2 (H x Tq), got 'tensor<1x16x12xf32>'}}
  %o:2 = attn.mla %q, %kv, %bt, %sl, %qsl {kv_lora_rank = 64 : i64} : (tensor<12x16x96xbf16>, tensor<20x16x96xbf16>, tensor<3x4xi32>, tensor<3xi32>, tensor<4xi32>) -> (tensor<12x16x64xbf16>, tensor<1x16x12xf32>)
  return
}

// -----

// Lse with other heads.
func.func @mla_lse_h(%q: tensor<12x16x96xbf16>, %kv: tensor<20x16x96xbf16>, %bt: tensor<3x4xi32>, %sl: tensor<3xi32>, %qsl: tensor<4xi32>) {
  // expected-error@+1 {{'lse' dimension 0 (H = 8) must equal 'q' dimension 1 (H = 16)}}
  %o:2 = attn.mla %q, %kv, %bt, %sl, %qsl {kv_lora_rank = 64 : i64} : (tensor<12x16x96xbf16>, tensor<20x16x96xbf16>, tensor<3x4xi32>, tensor<3xi32>, tensor<4xi32>) -> (tensor<12x16x64xbf16>, tensor<8x12xf32>)
  return
}

// -----

// Lse transposed.
func.func @mla_lse_tq(%q: tensor<12x16x96xbf16>, %kv: tensor<20x16x96xbf16>, %bt: tensor<3x4xi32>, %sl: tensor<3xi32>, %qsl: tensor<4xi32>) {
  // expected-error@+1 {{'lse' dimension 0 (H = 12) must equal 'q' dimension 1 (H = 16)}}
  %o:2 = attn.mla %q, %kv, %bt, %sl, %qsl {kv_lora_rank = 64 : i64} : (tensor<12x16x96xbf16>, tensor<20x16x96xbf16>, tensor<3x4xi32>, tensor<3xi32>, tensor<4xi32>) -> (tensor<12x16x64xbf16>, tensor<12x16xf32>)
  return
}

// -----

// A misspelled attribute.
func.func @mla_casual(%q: tensor<12x16x96xbf16>, %kv: tensor<20x16x96xbf16>, %bt: tensor<3x4xi32>, %sl: tensor<3xi32>, %qsl: tensor<4xi32>) {
  // expected-error@+1 {{unknown attribute 'casual' (the op's attributes are kv_lora_rank, scale, causal and softcap; other attributes need a dialect prefix, such as 'attn.')}}
  %o = attn.mla %q, %kv, %bt, %sl, %qsl {kv_lora_rank = 64 : i64, casual} : (tensor<12x16x96xbf16>, tensor<20x16x96xbf16>, tensor<3x4xi32>, tensor<3xi32>, tensor<4xi32>) -> tensor<12x16x64xbf16>
  return
}

// -----

// Windows are not MLA attributes.
func.func @mla_window(%q: tensor<12x16x96xbf16>, %kv: tensor<20x16x96xbf16>, %bt: tensor<3x4xi32>, %sl: tensor<3xi32>, %qsl: tensor<4xi32>) {
  // expected-error@+1 {{unknown attribute 'window_left' (the op's attributes are kv_lora_rank, scale, causal and softcap; other attributes need a dialect prefix, such as 'attn.')}}
  %o = attn.mla %q, %kv, %bt, %sl, %qsl {kv_lora_rank = 64 : i64, window_left = 8 : i64} : (tensor<12x16x96xbf16>, tensor<20x16x96xbf16>, tensor<3x4xi32>, tensor<3xi32>, tensor<4xi32>) -> tensor<12x16x64xbf16>
  return
}

// -----

// Scale 0.
func.func @mla_scale0(%q: tensor<12x16x96xbf16>, %kv: tensor<20x16x96xbf16>, %bt: tensor<3x4xi32>, %sl: tensor<3xi32>, %qsl: tensor<4xi32>) {
  // expected-error@+1 {{'scale' must be nonzero, got 0}}
  %o = attn.mla %q, %kv, %bt, %sl, %qsl {kv_lora_rank = 64 : i64, scale = 0.0 : f32} : (tensor<12x16x96xbf16>, tensor<20x16x96xbf16>, tensor<3x4xi32>, tensor<3xi32>, tensor<4xi32>) -> tensor<12x16x64xbf16>
  return
}

// -----

// Scale beyond f32.
func.func @mla_scale_inf(%q: tensor<12x16x96xbf16>, %kv: tensor<20x16x96xbf16>, %bt: tensor<3x4xi32>, %sl: tensor<3xi32>, %qsl: tensor<4xi32>) {
  // expected-error@+1 {{'scale' must be finite, got +Inf (f32 literals beyond 3.4028235e38 round to Inf)}}
  %o = attn.mla %q, %kv, %bt, %sl, %qsl {kv_lora_rank = 64 : i64, scale = 1.0e39 : f32} : (tensor<12x16x96xbf16>, tensor<20x16x96xbf16>, tensor<3x4xi32>, tensor<3xi32>, tensor<4xi32>) -> tensor<12x16x64xbf16>
  return
}

// -----

// Negative softcap.
func.func @mla_softcap_neg(%q: tensor<12x16x96xbf16>, %kv: tensor<20x16x96xbf16>, %bt: tensor<3x4xi32>, %sl: tensor<3xi32>, %qsl: tensor<4xi32>) {
  // expected-error@+1 {{'softcap' must be positive and finite, got -30}}
  %o = attn.mla %q, %kv, %bt, %sl, %qsl {kv_lora_rank = 64 : i64, softcap = -30.0 : f32} : (tensor<12x16x96xbf16>, tensor<20x16x96xbf16>, tensor<3x4xi32>, tensor<3xi32>, tensor<4xi32>) -> tensor<12x16x64xbf16>
  return
}

// -----

// kv_lora_rank is required (ODS).
func.func @mla_no_rank(%q: tensor<12x16x96xbf16>, %kv: tensor<20x16x96xbf16>, %bt: tensor<3x4xi32>, %sl: tensor<3xi32>, %qsl: tensor<4xi32>) {
  // expected-error@+1 {{requires attribute 'kv_lora_rank'}}
  %o = attn.mla %q, %kv, %bt, %sl, %qsl : (tensor<12x16x96xbf16>, tensor<20x16x96xbf16>, tensor<3x4xi32>, tensor<3xi32>, tensor<4xi32>) -> tensor<12x16x64xbf16>
  return
}

// -----

// A property the op does not have, in the generic form.
func.func @mla_generic_typo(%q: tensor<12x16x96xbf16>, %kv: tensor<20x16x96xbf16>, %bt: tensor<3x4xi32>, %sl: tensor<3xi32>, %qsl: tensor<4xi32>) {
  // expected-error@+1 {{unknown property 'casual'}}
  %o = "attn.mla"(%q, %kv, %bt, %sl, %qsl) <{casual, kv_lora_rank = 64 : i64}> : (tensor<12x16x96xbf16>, tensor<20x16x96xbf16>, tensor<3x4xi32>, tensor<3xi32>, tensor<4xi32>) -> tensor<12x16x64xbf16>
  return
}
