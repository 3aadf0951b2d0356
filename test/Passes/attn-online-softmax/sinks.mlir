// Sinks in the kernel IR (issue 17): the sink of the program's head, in the
// log2 domain, joins the running (m, l) once after the last KV tile (the
// loops are unchanged); out and lse use the joined max and sum. A paged op's
// split kernel does not take the sinks; its merge kernel does, after its loop
// over the splits (so they count once whatever the number of splits).
// RUN: attn-opt %s --attn-gqa-map --attn-tile=block-m=16,block-n=64 --attn-online-softmax --split-input-file | FileCheck %s

// CHECK-LABEL: func.func @swa_attn0(
// CHECK-SAME: %[[Q:[^:]*]]: memref<?x?x?x64xf16, strided<[?, ?, ?, 1], offset: ?>>, %[[K:[^:]*]]: memref<?x?x?x64xf16, strided<[?, ?, ?, 1], offset: ?>>, %[[V:[^:]*]]: memref<?x?x?x64xf16, strided<[?, ?, ?, 1], offset: ?>>,
// CHECK-SAME: %[[S:[^:]*]]: memref<?xf32, strided<[?], offset: ?>>,
// CHECK-SAME: %[[O:[^:]*]]: memref<?x?x?x64xf16, strided<[?, ?, ?, 1], offset: ?>>, %[[LSE:[^:]*]]: memref<?x?x?xf32, strided<[?, ?, ?], offset: ?>>,
// CHECK-SAME: attn.kernel = {{{.*}}kind = "mha"{{.*}}sinks
// CHECK: %[[H:.*]] = arith.remui
// CHECK: %[[LOG2E:.*]] = arith.constant 1.44269502 : f32
// CHECK: %[[SINK:.*]] = memref.load %[[S]][%[[H]]]
// CHECK: %[[SINK2:.*]] = arith.mulf %[[SINK]], %[[LOG2E]] : f32
// CHECK: %[[ROW:.*]] = vector.broadcast %[[SINK2]] : f32 to vector<16xf32>
// CHECK: %[[R1:.*]]:3 = scf.for
// CHECK-NOT: %[[ROW]]{{[^0-9_]}}
// CHECK: %[[R2:.*]]:3 = scf.for
// CHECK-NOT: %[[ROW]]{{[^0-9_]}}
// CHECK: %[[R3:.*]]:3 = scf.for
// CHECK-NOT: %[[ROW]]{{[^0-9_]}}
// CHECK: scf.yield
// CHECK-NEXT: }
// The loops' max m is unscaled (fold-scale): m2 = m * scale * log2(e) first.
// M = max(m2, sink), 0 where both are -inf; l' = l * exp2(m2 - M) + exp2(sink - M).
// CHECK: %[[M2:.*]] = arith.mulf %[[R3]]#0, %{{.*}} : vector<16xf32>
// CHECK: %[[ZERO:.*]] = arith.constant dense<0.000000e+00> : vector<16xf32>
// CHECK: %[[TOP:.*]] = arith.maximumf %[[M2]], %[[ROW]] : vector<16xf32>
// CHECK: %[[NONE:.*]] = arith.cmpf oeq, %[[TOP]]
// CHECK: %[[M:.*]] = arith.select %[[NONE]], %[[ZERO]], %[[TOP]]
// CHECK: %[[D1:.*]] = arith.subf %[[M2]], %[[M]]
// CHECK: %[[ALPHA:.*]] = math.exp2 %[[D1]]
// CHECK: %[[D2:.*]] = arith.subf %[[ROW]], %[[M]]
// CHECK: %[[W:.*]] = math.exp2 %[[D2]]
// CHECK: %[[LA:.*]] = arith.mulf %[[R3]]#1, %[[ALPHA]]
// CHECK: %[[L:.*]] = arith.addf %[[LA]], %[[W]]
// out = acc * (alpha / l') where l' > 0, else 0.
// CHECK: %[[SEEN:.*]] = arith.cmpf ogt, %[[L]], %[[ZERO]]
// CHECK: %[[F:.*]] = arith.divf %[[ALPHA]], %[[L]]
// CHECK: arith.select %[[SEEN]], %[[F]], %[[ZERO]]
// CHECK: arith.mulf %[[R3]]#2
// CHECK: vector.transfer_write %{{.*}}, %[[O]]
// lse = (M + log2 l') * ln 2: a row that sees no key gets the sink.
// CHECK: %[[LG:.*]] = math.log2 %[[L]]
// CHECK: arith.addf %[[M]], %[[LG]]
// CHECK: vector.transfer_write %{{.*}}, %[[LSE]]
// CHECK: return
// The host passes the sinks buffer in the operand order (after q, k, v).
// CHECK-LABEL: func.func @swa(
// CHECK: call @__attn_launch_swa_attn0({{.*}}) : (memref<?x?x?x64xf16, strided<[?, ?, ?, 1], offset: ?>>, memref<?x?x?x64xf16, strided<[?, ?, ?, 1], offset: ?>>, memref<?x?x?x64xf16, strided<[?, ?, ?, 1], offset: ?>>, memref<?xf32, strided<[?], offset: ?>>, memref<?x?x?x64xf16, strided<[?, ?, ?, 1], offset: ?>>,
func.func @swa(%q: tensor<?x8x?x64xf16>, %k: tensor<?x2x?x64xf16>, %v: tensor<?x2x?x64xf16>, %s: tensor<8xf32>) -> (tensor<?x8x?x64xf16>, tensor<?x8x?xf32>) {
  %o, %l = attn.mha %q, %k, %v sinks(%s) {causal, window_left = 127 : i64} : (tensor<?x8x?x64xf16>, tensor<?x2x?x64xf16>, tensor<?x2x?x64xf16>, tensor<8xf32>) -> (tensor<?x8x?x64xf16>, tensor<?x8x?xf32>)
  return %o, %l : tensor<?x8x?x64xf16>, tensor<?x8x?xf32>
}

// -----

// Varlen: the same epilogue; sinks after alibi in the parameters.
// CHECK-LABEL: func.func @varlen_attn0(
// CHECK-SAME: memref<?xi32, strided<[?], offset: ?>>, %{{[^:]*}}: memref<?xi32, strided<[?], offset: ?>>, %[[A:[^:]*]]: memref<?xf32, strided<[?], offset: ?>>, %[[S:[^:]*]]: memref<?xf32, strided<[?], offset: ?>>, %{{[^:]*}}: memref<?x?x32xf32
// CHECK-SAME: sinks
// CHECK: memref.load %[[A]]
// CHECK: memref.load %[[S]]
// CHECK: arith.maximumf
func.func @varlen(%q: tensor<?x4x32xf32>, %k: tensor<?x2x32xf32>, %cq: tensor<?xi32>, %a: tensor<4xf32>, %s: tensor<4xf32>) -> tensor<?x4x32xf32> {
  %o = attn.mha_varlen %q, %k, %k, %cq, %cq alibi(%a) sinks(%s) {causal} : (tensor<?x4x32xf32>, tensor<?x2x32xf32>, tensor<?x2x32xf32>, tensor<?xi32>, tensor<?xi32>, tensor<4xf32>, tensor<4xf32>) -> tensor<?x4x32xf32>
  return %o : tensor<?x4x32xf32>
}

// -----

// Paged: the split kernel has no sinks parameter (nor sinks in attn.kernel);
// the merge takes them after split_out and split_lse and joins them after
// its loop over the splits.
// CHECK-LABEL: func.func @paged_attn0(
// CHECK-SAME: %{{[^:]*}}: memref<?xi32, strided<[?], offset: ?>>, %{{[^:]*}}: memref<?x?x?x64xf32, strided<[?, ?, ?, 1], offset: ?>>, %{{[^:]*}}: memref<?x?x?xf32, strided<[?, ?, ?], offset: ?>>, %{{[^:]*}}: index,
// CHECK-NOT: sinks
// CHECK-SAME: }
// CHECK-NOT: arith.maximumf %{{.*}} : vector<16xf32>
// CHECK-LABEL: func.func @paged_attn0_merge(
// CHECK-SAME: %{{[^:]*}}: memref<?x?x?x64xf32, strided<[?, ?, ?, 1], offset: ?>>, %{{[^:]*}}: memref<?x?x?xf32, strided<[?, ?, ?], offset: ?>>, %[[S:[^:]*]]: memref<?xf32, strided<[?], offset: ?>>, %{{[^:]*}}: memref<?x?x64xf16, strided<[?, ?, 1], offset: ?>>, %{{[^:]*}}: index, %[[HEAD:[^:]*]]: index,
// CHECK-SAME: kind = "paged_merge"{{.*}}sinks
// Four splits per iteration, then the S mod 4 last ones (docs/paged.md).
// CHECK: %[[GROUPS:.*]]:3 = scf.for
// CHECK: scf.yield
// CHECK-NEXT: }
// CHECK: %[[SPLITS:.*]]:3 = scf.for {{.*}} iter_args(%{{.*}} = %[[GROUPS]]#0,
// CHECK: scf.yield
// CHECK-NEXT: }
// CHECK: memref.load %[[S]][%[[HEAD]]]
// CHECK: arith.maximumf %[[SPLITS]]#0
// CHECK-LABEL: func.func @paged(
// CHECK: call @__attn_launch_paged_attn0({{.*}}) : ({{.*}}, memref<?xi32, strided<[?], offset: ?>>, memref<?x?x?x64xf32, strided<[?, ?, ?, 1], offset: ?>>, memref<?x?x?xf32, strided<[?, ?, ?], offset: ?>>, index, index, index) -> ()
// CHECK: call @__attn_launch_paged_attn0_merge({{.*}}) : (memref<?x?x?x64xf32, strided<[?, ?, ?, 1], offset: ?>>, memref<?x?x?xf32, strided<[?, ?, ?], offset: ?>>, memref<?xf32, strided<[?], offset: ?>>, memref<?x?x64xf16
func.func @paged(%q: tensor<?x8x64xf16>, %kc: tensor<?x16x2x64xf16>, %vc: tensor<?x16x2x64xf16>, %bt: tensor<?x?xi32>, %sl: tensor<?xi32>, %qsl: tensor<?xi32>, %s: tensor<8xf32>) -> tensor<?x8x64xf16> {
  %o = attn.paged_attention %q, %kc, %vc, %bt, %sl, %qsl sinks(%s) {causal} : (tensor<?x8x64xf16>, tensor<?x16x2x64xf16>, tensor<?x16x2x64xf16>, tensor<?x?xi32>, tensor<?xi32>, tensor<?xi32>, tensor<8xf32>) -> tensor<?x8x64xf16>
  return %o : tensor<?x8x64xf16>
}
