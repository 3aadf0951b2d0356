// The kernel IR of attn.mha: one kernel function per op (one program of the
// grid), a launch declaration, and the host side (buffers, grid, launch).
// RUN: attn-opt %s --attn-gqa-map --attn-tile=block-m=16,block-n=64 --attn-online-softmax --split-input-file | FileCheck %s
// fold-scale=false (attn-to-rocdl's choice): every logit tile is scaled first.
// RUN: attn-opt %s --attn-gqa-map --attn-tile=block-m=16,block-n=64 "--attn-online-softmax=fold-scale=false" --split-input-file | FileCheck %s --check-prefix=NOFOLD
// RUN: not attn-opt %s "--attn-online-softmax=fold-scale=maybe" 2>&1 | FileCheck %s --check-prefix=OPT
// OPT: attn-online-softmax: unknown option 'fold-scale=maybe' (expected fold-scale=true|false, fp8-p=true|false)
// NOFOLD-LABEL: func.func @causal_attn0(
// NOFOLD: %[[S:.*]] = vector.contract
// NOFOLD-NEXT: %[[C:.*]] = arith.constant dense<0.180336878> : vector<16x64xf32>
// NOFOLD-NEXT: %[[T:.*]] = arith.mulf %[[S]], %[[C]] : vector<16x64xf32>
// NOFOLD: arith.select %{{.*}}, %[[T]], %{{.*}} : vector<16x64xi1>, vector<16x64xf32>
// NOFOLD: scf.for
// NOFOLD: %[[R3:.*]]:3 = scf.for
// NOFOLD: scf.yield
// NOFOLD-NEXT: }
// NOFOLD-NOT: arith.mulf %[[R3]]#0
// NOFOLD: arith.cmpf ogt, %[[R3]]#1

// Causal GQA 8/2 with lse: masked / unmasked / masked KV ranges, the running
// (max, sum, acc) carried through all three, exp2 with scale*log2(e) folded.
// CHECK-DAG: #[[KV:.*]] = affine_map<(d0) -> (d0 floordiv 4)>
// CHECK-DAG: #[[QK_A:.*]] = affine_map<(d0, d1, d2) -> (d0, d2)>
// CHECK-DAG: #[[QK_B:.*]] = affine_map<(d0, d1, d2) -> (d1, d2)>
// CHECK-DAG: #[[QK_C:.*]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-DAG: #[[PV_B:.*]] = affine_map<(d0, d1, d2) -> (d2, d1)>
// CHECK-LABEL: func.func @causal_attn0(
// CHECK-SAME: %[[Q:[^:]*]]: memref<?x?x?x64xf16, strided<[?, ?, ?, 1], offset: ?>>
// CHECK-SAME: %[[K:[^:]*]]: memref<?x?x?x64xf16, strided<[?, ?, ?, 1], offset: ?>>
// CHECK-SAME: %[[V:[^:]*]]: memref<?x?x?x64xf16, strided<[?, ?, ?, 1], offset: ?>>
// CHECK-SAME: %[[O:[^:]*]]: memref<?x?x?x64xf16, strided<[?, ?, ?, 1], offset: ?>>
// CHECK-SAME: %[[LSE:[^:]*]]: memref<?x?x?xf32, strided<[?, ?, ?], offset: ?>>
// CHECK-SAME: %[[PX:[^:]*]]: index, %[[PY:[^:]*]]: index, %{{[^:]*}}: index)
// CHECK-SAME: attn.kernel = {block_m = 16 : i64, block_n = 64 : i64, grid = #{{.*}}, kind = "mha"
// CHECK: %[[B:.*]] = arith.divui %[[PY]], %{{.*}}
// CHECK: %[[H:.*]] = arith.remui %[[PY]], %{{.*}}
// CHECK: %[[KVH:.*]] = affine.apply #[[KV]](%[[H]])
// Causal: program x takes query tile (tiles - 1 - x), the longest programs first.
// CHECK: %[[TILES:.*]] = arith.ceildivui %{{.*}}, %c16{{.*}} : index
// CHECK: %[[LAST:.*]] = arith.subi %[[TILES]], %c1{{.*}} : index
// CHECK: %[[TILE:.*]] = arith.subi %[[LAST]], %[[PX]] : index
// CHECK: %[[M0:.*]] = arith.muli %[[TILE]], %{{.*}}
// CHECK: %[[QT:.*]] = vector.transfer_read %[[Q]][%[[B]], %[[H]], %[[M0]], %{{.*}}], %{{.*}} {in_bounds = [false, true]} : {{.*}}, vector<16x64xf16>
// First range: masked (the ragged / diagonal tiles), reads K/V with bounds checks.
// CHECK: %[[R1:.*]]:3 = scf.for %[[N1:.*]] = %{{.*}} to %[[U0:.*]] step %{{.*}} iter_args(%{{.*}} = %{{.*}}, %{{.*}} = %{{.*}}, %{{.*}} = %{{.*}}) -> (vector<16xf32>, vector<16xf32>, vector<16x64xf32>)
// CHECK: vector.transfer_read %[[K]][%[[B]], %[[KVH]], %[[N1]], %{{.*}}], %{{.*}} {in_bounds = [false, true]} {{.*}} vector<64x64xf16>
// CHECK: %[[S1:.*]] = vector.contract {indexing_maps = [#[[QK_A]], #[[QK_B]], #[[QK_C]]], {{.*}} %[[QT]], {{.*}} : vector<16x64xf16>, vector<64x64xf16> into vector<16x64xf32>
// The scale is folded into the exponentials (fold-scale, the default): the
// mask and the running max work on the unscaled logits, and the exponent is
// t * c - m * c with c = scale * log2(e) = 0.18.
// CHECK-NOT: dense<0.180336878>
// CHECK: arith.cmpi sge
// CHECK: %[[T1:.*]] = arith.select %{{.*}}, %[[S1]], %{{.*}} : vector<16x64xi1>, vector<16x64xf32>
// CHECK: %[[MX1:.*]] = vector.multi_reduction <maximumf>, %[[T1]]
// CHECK: %[[MOK:.*]] = arith.cmpf oeq, %[[MX1]]
// CHECK: %[[MS1:.*]] = arith.select %[[MOK]]
// CHECK: %[[C1:.*]] = arith.constant dense<0.180336878> : vector<16xf32>
// CHECK: %[[MC1:.*]] = arith.mulf %[[MS1]], %[[C1]] : vector<16xf32>
// CHECK: %[[CT1:.*]] = arith.constant dense<0.180336878> : vector<16x64xf32>
// CHECK: %[[TC1:.*]] = arith.mulf %[[T1]], %[[CT1]] : vector<16x64xf32>
// CHECK: %[[MB1:.*]] = vector.broadcast %[[MC1]]
// CHECK: %[[MT1:.*]] = vector.transpose %[[MB1]]
// CHECK: %[[E1:.*]] = arith.subf %[[TC1]], %[[MT1]] : vector<16x64xf32>
// CHECK: math.exp2 %[[E1]] : vector<16x64xf32>
// CHECK: %[[DM1:.*]] = arith.subf %{{.*}}, %[[MS1]] : vector<16xf32>
// CHECK: %[[DC1:.*]] = arith.mulf %[[DM1]], %{{.*}} : vector<16xf32>
// CHECK: math.exp2 %[[DC1]] : vector<16xf32>
// CHECK: vector.multi_reduction <add>
// CHECK: arith.truncf %{{.*}} : vector<16x64xf32> to vector<16x64xf16>
// CHECK: vector.contract {indexing_maps = [#[[QK_A]], #[[PV_B]], #[[QK_C]]]{{.*}} : vector<16x64xf16>, vector<64x64xf16> into vector<16x64xf32>
// CHECK: scf.yield
// Second range: whole tiles every row sees; no mask arithmetic, no bounds checks.
// CHECK: %[[R2:.*]]:3 = scf.for %{{.*}} = %[[U0]] to %[[U1:.*]] step %{{.*}} iter_args(%{{.*}} = %[[R1]]#0, %{{.*}} = %[[R1]]#1, %{{.*}} = %[[R1]]#2)
// CHECK: vector.transfer_read %[[K]]{{.*}} {in_bounds = [true, true]}
// CHECK-NOT: arith.select
// CHECK-NOT: arith.cmpi
// CHECK: vector.transfer_read %[[V]]{{.*}} {in_bounds = [true, true]}
// CHECK: scf.yield
// Third range: masked again (up to the last visible key).
// CHECK: %[[R3:.*]]:3 = scf.for %{{.*}} = %[[U1]] to %{{.*}} step %{{.*}} iter_args(%{{.*}} = %[[R2]]#0, %{{.*}} = %[[R2]]#1, %{{.*}} = %[[R2]]#2)
// CHECK: arith.select
// CHECK: scf.yield
// Epilogue: m scaled back to the log2 domain; 1/l where l > 0 else 0;
// lse = (m * c + log2 l) * ln 2 or -inf.
// CHECK: %[[CM:.*]] = arith.constant dense<0.180336878> : vector<16xf32>
// CHECK: %[[TOP:.*]] = arith.mulf %[[R3]]#0, %[[CM]] : vector<16xf32>
// CHECK: %[[SEEN:.*]] = arith.cmpf ogt, %[[R3]]#1
// CHECK: arith.divf
// CHECK: arith.select %[[SEEN]]
// CHECK: vector.transfer_write %{{.*}}, %[[O]][%[[B]], %[[H]], %[[M0]], %{{.*}}] {in_bounds = [false, true]} : vector<16x64xf16>
// CHECK: %[[LOGL:.*]] = math.log2 %[[R3]]#1
// CHECK: %[[LSE2:.*]] = arith.addf %[[TOP]], %[[LOGL]]
// CHECK: arith.mulf %[[LSE2]], %{{.*}} : vector<16xf32>
// CHECK: vector.transfer_write %{{.*}}, %[[LSE]][%[[B]], %[[H]], %[[M0]]] : vector<16xf32>
// CHECK: return
// CHECK: func.func private @__attn_launch_causal_attn0(memref<?x?x?x64xf16, {{.*}}, index, index, index)
// CHECK-LABEL: func.func @causal(
// CHECK: %[[OB:.*]] = memref.alloc() : memref<2x8x100x64xf16>
// CHECK: %[[LB:.*]] = memref.alloc() : memref<2x8x100xf32>
// CHECK: %[[GX:.*]] = affine.apply #{{.*}}(%[[BD:.*]], %[[SQ:.*]])
// CHECK: %[[GY:.*]] = affine.apply #{{.*}}(%[[BD]], %[[SQ]])
// CHECK: %[[GZ:.*]] = affine.apply #{{.*}}(%[[BD]], %[[SQ]])
// CHECK: call @__attn_launch_causal_attn0({{.*}}, %[[GX]], %[[GY]], %[[GZ]])
// CHECK: bufferization.to_tensor %[[OB]] restrict writable
// CHECK: bufferization.to_tensor %[[LB]] restrict writable
// CHECK-NOT: attn.mha
func.func @causal(%q: tensor<2x8x100x64xf16>, %k: tensor<2x2x120x64xf16>, %v: tensor<2x2x120x64xf16>) -> (tensor<2x8x100x64xf16>, tensor<2x8x100xf32>) {
  %o, %l = attn.mha %q, %k, %v {causal} : (tensor<2x8x100x64xf16>, tensor<2x2x120x64xf16>, tensor<2x2x120x64xf16>) -> (tensor<2x8x100x64xf16>, tensor<2x8x100xf32>)
  return %o, %l : tensor<2x8x100x64xf16>, tensor<2x8x100xf32>
}

// -----

// Softcap (tanh, scale / cap inside, cap * log2(e) outside), alibi
// (-slope * log2(e) * |i + off - j| in every range), windows on both sides,
// f32 without conversions, Dv != D.
// CHECK-LABEL: func.func @features_attn0(
// CHECK: %[[SLOPE:.*]] = memref.load %{{.*}}[%{{.*}}] : memref<?xf32, strided<[?], offset: ?>>
// CHECK: %[[S2:.*]] = arith.mulf %[[SLOPE]], %{{.*}} : f32
// CHECK: scf.for
// CHECK: arith.constant dense<2.000000e-02> : vector<16x64xf32>
// CHECK: math.tanh
// CHECK: arith.constant dense<72.1347503> : vector<16x64xf32>
// CHECK: math.absi %{{.*}} : vector<16x64xi64>
// CHECK: vector.broadcast %[[S2]] : f32 to vector<16x64xf32>
// CHECK: arith.cmpi sge, %{{.*}} : vector<16x64xindex>
// CHECK: arith.cmpi sle, %{{.*}} : vector<16x64xindex>
// CHECK-NOT: arith.truncf
// CHECK: vector.contract {{.*}} : vector<16x64xf32>, vector<64x32xf32> into vector<16x32xf32>
// CHECK: scf.for
// CHECK: math.absi
// CHECK-NOT: arith.select
// CHECK: scf.yield
func.func @features(%q: tensor<1x2x70x64xf32>, %k: tensor<1x2x90x64xf32>, %v: tensor<1x2x90x32xf32>, %s: tensor<2xf32>) -> tensor<1x2x70x32xf32> {
  %o = attn.mha %q, %k, %v alibi(%s) {softcap = 50.0 : f32, scale = 1.0 : f32, window_left = 20 : i64, window_right = 3 : i64} : (tensor<1x2x70x64xf32>, tensor<1x2x90x64xf32>, tensor<1x2x90x32xf32>, tensor<2xf32>) -> tensor<1x2x70x32xf32>
  return %o : tensor<1x2x70x32xf32>
}

// -----

// Two ops in one function get distinct kernels; names in use are skipped.
// CHECK: func.func @two_attn0()
// CHECK: func.func @two_attn1(
// CHECK: func.func @two_attn2(
// CHECK-LABEL: func.func @two(
// CHECK: call @__attn_launch_two_attn1(
// CHECK: call @__attn_launch_two_attn2(
func.func @two_attn0() {
  return
}
func.func @two(%q: tensor<1x1x5x16xbf16>) -> (tensor<1x1x5x16xbf16>, tensor<1x1x5x16xbf16>) {
  %a = attn.mha %q, %q, %q : (tensor<1x1x5x16xbf16>, tensor<1x1x5x16xbf16>, tensor<1x1x5x16xbf16>) -> tensor<1x1x5x16xbf16>
  %b = attn.mha %q, %q, %q {causal} : (tensor<1x1x5x16xbf16>, tensor<1x1x5x16xbf16>, tensor<1x1x5x16xbf16>) -> tensor<1x1x5x16xbf16>
  return %a, %b : tensor<1x1x5x16xbf16>, tensor<1x1x5x16xbf16>
}
