// The verifier's value ranges (issue 19): misspelled attributes, sizes past
// the supported range (docs/limits.md) and f32 literals that round to 0 or
// Inf are located errors that name what is wrong, before anything is built.
// RUN: attn-opt %s --split-input-file --verify-diagnostics
// The largest supported shapes (MLA: D = 576, Dv = 512) are accepted:
// RUN: not attn-opt %s --split-input-file 2>/dev/null | FileCheck %s

// A misspelled inherent attribute is not silently ignored (it used to compute
// non-causal attention with exit 0).
func.func @misspelled(%q: tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32> {
  // expected-error@+1 {{'attn.mha' op unknown attribute 'casual' (the op's attributes are scale, causal, window_left, window_right, softcap, dropout_p, seed, offset, q_block_size, kv_block_size, q_scale_block and k_scale_block; other attributes need a dialect prefix, such as 'attn.')}}
  %o = attn.mha %q, %q, %q {casual, windw_left = 3 : i64} : (tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32>
  return %o : tensor<1x2x8x16xf32>
}

// -----

func.func @misspelled_generic(%q: tensor<4x2x16xf16>, %c: tensor<3xi32>) -> tensor<4x2x16xf16> {
  // expected-error@+1 {{unknown attribute 'window_lft'}}
  %o = "attn.mha_varlen"(%q, %q, %q, %c, %c) <{operandSegmentSizes = array<i32: 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0>}> {causal, window_lft = 3 : i64} : (tensor<4x2x16xf16>, tensor<4x2x16xf16>, tensor<4x2x16xf16>, tensor<3xi32>, tensor<3xi32>) -> tensor<4x2x16xf16>
  return %o : tensor<4x2x16xf16>
}

// -----

func.func @misspelled_paged(%q: tensor<4x2x16xf16>, %kc: tensor<8x16x2x16xf16>, %bt: tensor<2x4xi32>, %sl: tensor<2xi32>, %qsl: tensor<3xi32>) -> tensor<4x2x16xf16> {
  // expected-error@+1 {{unknown attribute 'softcapp'}}
  %o = attn.paged_attention %q, %kc, %kc, %bt, %sl, %qsl {softcapp = 30.0 : f32} : (tensor<4x2x16xf16>, tensor<8x16x2x16xf16>, tensor<8x16x2x16xf16>, tensor<2x4xi32>, tensor<2xi32>, tensor<3xi32>) -> tensor<4x2x16xf16>
  return %o : tensor<4x2x16xf16>
}

// -----

// The same typos in the generic form's property dictionary: ODS's property
// parser reads the names it knows and used to drop the rest (computing
// non-causal attention, exit 0).
func.func @misspelled_property(%q: tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32> {
  // expected-error@+1 {{invalid properties {casual, operandSegmentSizes = array<i32: 1, 1, 1, 0, 0, 0, 0, 0, 0>} for op attn.mha: unknown property 'casual' (the op's properties are causal, dropout_p,}}
  %o = "attn.mha"(%q, %q, %q) <{casual, operandSegmentSizes = array<i32: 1, 1, 1, 0, 0, 0, 0, 0, 0>}> : (tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32>
  return %o : tensor<1x2x8x16xf32>
}

// -----

func.func @misspelled_property_varlen(%q: tensor<4x2x16xf16>, %c: tensor<3xi32>) -> tensor<4x2x16xf16> {
  // expected-error@+1 {{unknown property 'windw_left'}}
  %o = "attn.mha_varlen"(%q, %q, %q, %c, %c) <{causal, operandSegmentSizes = array<i32: 1, 1, 1, 1, 1, 0, 0>, windw_left = 3 : i64}> : (tensor<4x2x16xf16>, tensor<4x2x16xf16>, tensor<4x2x16xf16>, tensor<3xi32>, tensor<3xi32>) -> tensor<4x2x16xf16>
  return %o : tensor<4x2x16xf16>
}

// -----

func.func @misspelled_property_paged(%q: tensor<4x2x16xf16>, %kc: tensor<8x16x2x16xf16>, %bt: tensor<2x4xi32>, %sl: tensor<2xi32>, %qsl: tensor<3xi32>) -> tensor<4x2x16xf16> {
  // expected-error@+1 {{unknown property 'softcapp' (the op's properties are causal, scale, softcap, window_left, window_right, operandSegmentSizes;}}
  %o = "attn.paged_attention"(%q, %kc, %kc, %bt, %sl, %qsl) <{operandSegmentSizes = array<i32: 1, 1, 1, 1, 1, 1, 0, 0>, softcapp = 30.0 : f32}> : (tensor<4x2x16xf16>, tensor<8x16x2x16xf16>, tensor<8x16x2x16xf16>, tensor<2x4xi32>, tensor<2xi32>, tensor<3xi32>) -> tensor<4x2x16xf16>
  return %o : tensor<4x2x16xf16>
}

// -----

func.func @misspelled_property_bwd(%q: tensor<1x2x8x16xf32>, %l: tensor<1x2x8xf32>) -> tensor<1x2x8x16xf32> {
  // expected-error@+1 {{unknown property 'dropout' (the op's properties are causal, dropout_p, offset, scale, seed, softcap, window_left, window_right, operandSegmentSizes;}}
  %dq, %dk, %dv = "attn.mha_bwd"(%q, %q, %q, %q, %q, %l) <{dropout = 0.1 : f32}> : (tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8xf32>) -> (tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>)
  return %dq : tensor<1x2x8x16xf32>
}

// -----

// A dialect-prefixed annotation is an attribute, not a property.
func.func @annotation_as_property(%q: tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32> {
  // expected-error@+1 {{unknown property 'attn.note'}}
  %o = "attn.mha"(%q, %q, %q) <{attn.note = "x", operandSegmentSizes = array<i32: 1, 1, 1, 0, 0, 0, 0, 0, 0>}> : (tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32>
  return %o : tensor<1x2x8x16xf32>
}

// -----

// Every property the op has is accepted in the dictionary (operandSegmentSizes
// also in its legacy spelling, which ODS still reads).
// CHECK-LABEL: func.func @all_properties
// CHECK: attn.mha {{.*}}{causal, dropout_p = 1.000000e-01 : f32, offset = 2 : i64, scale = 2.500000e-01 : f32, seed = 1 : i64, softcap = 3.000000e+01 : f32, window_left = 4 : i64, window_right = 0 : i64}
// CHECK: attn.mha {{.*}}{causal}
func.func @all_properties(%q: tensor<1x2x8x16xf32>) -> (tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>) {
  %o = "attn.mha"(%q, %q, %q) <{causal, dropout_p = 0.1 : f32, offset = 2 : i64, operandSegmentSizes = array<i32: 1, 1, 1, 0, 0, 0, 0, 0, 0>, scale = 0.25 : f32, seed = 1 : i64, softcap = 30.0 : f32, window_left = 4 : i64, window_right = 0 : i64}> : (tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32>
  %p = "attn.mha"(%q, %q, %q) <{causal, operand_segment_sizes = array<i32: 1, 1, 1, 0, 0, 0, 0, 0, 0>}> : (tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32>
  return %o, %p : tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>
}

// -----

// Dialect-prefixed attributes (the passes' annotations) are kept.
// CHECK-LABEL: func.func @prefixed
// CHECK: attn.mha {{.*}}{attn.note = "kept", causal}
func.func @prefixed(%q: tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32> {
  %o = attn.mha %q, %q, %q {causal, attn.note = "kept"} : (tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32>
  return %o : tensor<1x2x8x16xf32>
}

// -----

// CHECK-LABEL: func.func @mla_sizes
// CHECK: attn.mha {{.*}} -> tensor<1x128x?x512xbf16>
func.func @mla_sizes(%q: tensor<1x128x?x576xbf16>, %k: tensor<1x1x?x576xbf16>, %v: tensor<1x1x?x512xbf16>) -> tensor<1x128x?x512xbf16> {
  %o = attn.mha %q, %k, %v {causal} : (tensor<1x128x?x576xbf16>, tensor<1x1x?x576xbf16>, tensor<1x1x?x512xbf16>) -> tensor<1x128x?x512xbf16>
  return %o : tensor<1x128x?x512xbf16>
}

// -----

func.func @head_dim_too_large(%q: tensor<1x2x8x65536xbf16>) -> tensor<1x2x8x65536xbf16> {
  // expected-error@+1 {{'q' dimension 3 (D = 65536) exceeds the supported maximum 576}}
  %o = attn.mha %q, %q, %q : (tensor<1x2x8x65536xbf16>, tensor<1x2x8x65536xbf16>, tensor<1x2x8x65536xbf16>) -> tensor<1x2x8x65536xbf16>
  return %o : tensor<1x2x8x65536xbf16>
}

// -----

func.func @head_dim_v_too_large(%q: tensor<1x2x8x64xf32>, %v: tensor<1x2x8x577xf32>) -> tensor<1x2x8x577xf32> {
  // expected-error@+1 {{'v' dimension 3 (Dv = 577) exceeds the supported maximum 576}}
  %o = attn.mha %q, %q, %v : (tensor<1x2x8x64xf32>, tensor<1x2x8x64xf32>, tensor<1x2x8x577xf32>) -> tensor<1x2x8x577xf32>
  return %o : tensor<1x2x8x577xf32>
}

// -----

func.func @varlen_head_dim(%q: tensor<4x2x100000xf16>, %c: tensor<3xi32>) -> tensor<4x2x100000xf16> {
  // expected-error@+1 {{'q' dimension 2 (D = 100000) exceeds the supported maximum 576}}
  %o = attn.mha_varlen %q, %q, %q, %c, %c : (tensor<4x2x100000xf16>, tensor<4x2x100000xf16>, tensor<4x2x100000xf16>, tensor<3xi32>, tensor<3xi32>) -> tensor<4x2x100000xf16>
  return %o : tensor<4x2x100000xf16>
}

// -----

func.func @heads_too_many(%q: tensor<1x8192x8x64xf16>, %k: tensor<1x1x8x64xf16>) -> tensor<1x8192x8x64xf16> {
  // expected-error@+1 {{'q' dimension 1 (Hq = 8192) exceeds the supported maximum 4096}}
  %o = attn.mha %q, %k, %k : (tensor<1x8192x8x64xf16>, tensor<1x1x8x64xf16>, tensor<1x1x8x64xf16>) -> tensor<1x8192x8x64xf16>
  return %o : tensor<1x8192x8x64xf16>
}

// -----

func.func @block_size_too_large(%q: tensor<4x2x16xf16>, %kc: tensor<8x8192x2x16xf16>, %bt: tensor<2x4xi32>, %sl: tensor<2xi32>, %qsl: tensor<3xi32>) -> tensor<4x2x16xf16> {
  // expected-error@+1 {{'k_cache' dimension 1 (BS = 8192) exceeds the supported maximum 4096}}
  %o = attn.paged_attention %q, %kc, %kc, %bt, %sl, %qsl : (tensor<4x2x16xf16>, tensor<8x8192x2x16xf16>, tensor<8x8192x2x16xf16>, tensor<2x4xi32>, tensor<2xi32>, tensor<3xi32>) -> tensor<4x2x16xf16>
  return %o : tensor<4x2x16xf16>
}

// -----

func.func @length_too_large(%q: tensor<1x2x9223372036854775807x16xf32>, %k: tensor<1x2x8x16xf32>) -> tensor<1x2x9223372036854775807x16xf32> {
  // expected-error@+1 {{dimension 2 of 'tensor<1x2x9223372036854775807x16xf32>' exceeds the supported maximum 2147483647}}
  %o = attn.mha %q, %k, %k : (tensor<1x2x9223372036854775807x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>) -> tensor<1x2x9223372036854775807x16xf32>
  return %o : tensor<1x2x9223372036854775807x16xf32>
}

// -----

// f32 literals f32 cannot hold: 1e-50 rounds to 0, 1e39 to Inf.
func.func @softcap_rounds_to_zero(%q: tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32> {
  // expected-error@+1 {{'softcap' must be positive and finite, got 0 (f32 literals below 1.4e-45 in magnitude round to 0)}}
  %o = attn.mha %q, %q, %q {softcap = 1.0e-50 : f32} : (tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32>
  return %o : tensor<1x2x8x16xf32>
}

// -----

func.func @scale_rounds_to_zero(%q: tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32> {
  // expected-error@+1 {{'scale' must be nonzero, got 0 (f32 literals below 1.4e-45 in magnitude round to 0)}}
  %o = attn.mha %q, %q, %q {scale = 1.0e-50 : f32} : (tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32>
  return %o : tensor<1x2x8x16xf32>
}

// -----

func.func @softcap_beyond_f32(%q: tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32> {
  // expected-error@+1 {{'softcap' must be positive and finite, got +Inf (f32 literals beyond 3.4028235e38 round to Inf)}}
  %o = attn.mha %q, %q, %q {softcap = 1.0e39 : f32} : (tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32>
  return %o : tensor<1x2x8x16xf32>
}

// -----

func.func @scale_beyond_f32(%q: tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32> {
  // expected-error@+1 {{'scale' must be finite, got +Inf (f32 literals beyond 3.4028235e38 round to Inf)}}
  %o = attn.mha %q, %q, %q {scale = 1.0e39 : f32} : (tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32>
  return %o : tensor<1x2x8x16xf32>
}
