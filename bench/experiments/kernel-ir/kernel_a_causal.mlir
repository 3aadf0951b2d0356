// Kernel IR, formulation A: one program = one (q tile, batch*head); tiles are vector values,
// tile matmuls are vector.contract, row reductions are vector.multi_reduction.
// Non-causal, full tiles only (Sq % BM == 0, Sk % BN == 0). BM=16, BN=64, D=128, f32.
#qk_a = affine_map<(m, n, k) -> (m, k)>
#qk_b = affine_map<(m, n, k) -> (n, k)>
#qk_c = affine_map<(m, n, k) -> (m, n)>
#pv_a = affine_map<(m, d, n) -> (m, n)>
#pv_b = affine_map<(m, d, n) -> (n, d)>
#pv_c = affine_map<(m, d, n) -> (m, d)>
!T = memref<?x?x?x128xf32, strided<[?, ?, ?, 1], offset: ?>>

func.func @attn_program(%q: !T, %k: !T, %v: !T, %o: !T, %pid_m: index, %pid_bh: index)
    attributes {llvm.emit_c_interface} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c3 = arith.constant 3 : index
  %bm = arith.constant 16 : index
  %bn = arith.constant 64 : index
  %pad = arith.constant 0.0 : f32
  %hq = memref.dim %q, %c1 : !T
  %hkv = memref.dim %k, %c1 : !T
  %sk = memref.dim %k, %c2 : !T
  %group = arith.divui %hq, %hkv : index
  %b = arith.divui %pid_bh, %hq : index
  %h = arith.remui %pid_bh, %hq : index
  %kvh = arith.divui %h, %group : index            // attn-gqa-map: kv_head = q_head / (Hq/Hkv)
  %m0 = arith.muli %pid_m, %bm : index
  // scale * log2(e) folded into Q once per program (1/sqrt(128) * 1.4426950408889634)
  %qscale = arith.constant dense<0.12751743074602468> : vector<16x128xf32>
  %qt0 = vector.transfer_read %q[%b, %h, %m0, %c0], %pad {in_bounds = [true, true]} : !T, vector<16x128xf32>
  %qt = arith.mulf %qt0, %qscale : vector<16x128xf32>
  %ninf = arith.constant dense<0xFF800000> : vector<16xf32>
  %zl = arith.constant dense<0.0> : vector<16xf32>
  %zacc = arith.constant dense<0.0> : vector<16x128xf32>
  %zs = arith.constant dense<0.0> : vector<16x64xf32>
  %sq = memref.dim %q, %c2 : !T
  %off = arith.subi %sk, %sq : index
  %diag0 = arith.addi %m0, %off : index             // diagonal of the tile's first row
  %last = arith.addi %diag0, %bm : index            // one past the last row's diagonal
  %kend0 = arith.minsi %last, %sk : index
  %kend = arith.maxsi %kend0, %c0 : index           // tiles at or beyond kend are never visited
  %d1 = arith.addi %diag0, %c1 : index
  %nf0 = arith.maxsi %d1, %c0 : index
  %nf1 = arith.divui %nf0, %bn : index
  %nfull = arith.muli %nf1, %bn : index             // [0, nfull): fully visible, no mask code
  %stepm = vector.step : vector<16xindex>
  %dgb = vector.broadcast %diag0 : index to vector<16xindex>
  %dgv = arith.addi %dgb, %stepm : vector<16xindex>
  %dg2 = vector.broadcast %dgv : vector<16xindex> to vector<64x16xindex>
  %diagT = vector.transpose %dg2, [1, 0] : vector<64x16xindex> to vector<16x64xindex>
  %stepn = vector.step : vector<64xindex>
  %r:3 = scf.for %n0 = %c0 to %nfull step %bn iter_args(%m = %ninf, %l = %zl, %acc = %zacc)
      -> (vector<16xf32>, vector<16xf32>, vector<16x128xf32>) {
    %kt = vector.transfer_read %k[%b, %kvh, %n0, %c0], %pad {in_bounds = [true, true]} : !T, vector<64x128xf32>
    %s = vector.contract {indexing_maps = [#qk_a, #qk_b, #qk_c],
                          iterator_types = ["parallel", "parallel", "reduction"], kind = #vector.kind<add>}
         %qt, %kt, %zs : vector<16x128xf32>, vector<64x128xf32> into vector<16x64xf32>
    %mn = vector.multi_reduction <maximumf>, %s, %m [1] : vector<16x64xf32> to vector<16xf32>
    %mb0 = vector.broadcast %mn : vector<16xf32> to vector<64x16xf32>
    %mb = vector.transpose %mb0, [1, 0] : vector<64x16xf32> to vector<16x64xf32>
    %sd = arith.subf %s, %mb : vector<16x64xf32>
    %p = math.exp2 %sd : vector<16x64xf32>
    %dm = arith.subf %m, %mn : vector<16xf32>
    %alpha = math.exp2 %dm : vector<16xf32>
    %la = arith.mulf %l, %alpha : vector<16xf32>
    %ln = vector.multi_reduction <add>, %p, %la [1] : vector<16x64xf32> to vector<16xf32>
    %ab0 = vector.broadcast %alpha : vector<16xf32> to vector<128x16xf32>
    %ab = vector.transpose %ab0, [1, 0] : vector<128x16xf32> to vector<16x128xf32>
    %acc1 = arith.mulf %acc, %ab : vector<16x128xf32>
    %vt = vector.transfer_read %v[%b, %kvh, %n0, %c0], %pad {in_bounds = [true, true]} : !T, vector<64x128xf32>
    %acc2 = vector.contract {indexing_maps = [#pv_a, #pv_b, #pv_c],
                             iterator_types = ["parallel", "parallel", "reduction"], kind = #vector.kind<add>}
            %p, %vt, %acc1 : vector<16x64xf32>, vector<64x128xf32> into vector<16x128xf32>
    scf.yield %mn, %ln, %acc2 : vector<16xf32>, vector<16xf32>, vector<16x128xf32>
  }
  %r2:3 = scf.for %n0 = %nfull to %kend step %bn iter_args(%m = %r#0, %l = %r#1, %acc = %r#2)
      -> (vector<16xf32>, vector<16xf32>, vector<16x128xf32>) {
    %kt = vector.transfer_read %k[%b, %kvh, %n0, %c0], %pad {in_bounds = [true, true]} : !T, vector<64x128xf32>
    %s0 = vector.contract {indexing_maps = [#qk_a, #qk_b, #qk_c],
                          iterator_types = ["parallel", "parallel", "reduction"], kind = #vector.kind<add>}
         %qt, %kt, %zs : vector<16x128xf32>, vector<64x128xf32> into vector<16x64xf32>
    // partly masked tile: key j visible to row i iff j <= i + Sk - Sq (and j < Sk)
    %n0b = vector.broadcast %n0 : index to vector<64xindex>
    %jv1 = arith.addi %n0b, %stepn : vector<64xindex>
    %jv = vector.broadcast %jv1 : vector<64xindex> to vector<16x64xindex>
    %vis = arith.cmpi sle, %jv, %diagT : vector<16x64xindex>
    %ninf2 = arith.constant dense<0xFF800000> : vector<16x64xf32>
    %s = arith.select %vis, %s0, %ninf2 : vector<16x64xi1>, vector<16x64xf32>
    %mn = vector.multi_reduction <maximumf>, %s, %m [1] : vector<16x64xf32> to vector<16xf32>
    %isinf = arith.cmpf oeq, %mn, %ninf : vector<16xf32>
    %ms = arith.select %isinf, %zl, %mn : vector<16xi1>, vector<16xf32>   // no visible key yet: no NaN
    %mb0 = vector.broadcast %ms : vector<16xf32> to vector<64x16xf32>
    %mb = vector.transpose %mb0, [1, 0] : vector<64x16xf32> to vector<16x64xf32>
    %sd = arith.subf %s, %mb : vector<16x64xf32>
    %p = math.exp2 %sd : vector<16x64xf32>
    %dm = arith.subf %m, %ms : vector<16xf32>
    %alpha = math.exp2 %dm : vector<16xf32>
    %la = arith.mulf %l, %alpha : vector<16xf32>
    %ln = vector.multi_reduction <add>, %p, %la [1] : vector<16x64xf32> to vector<16xf32>
    %ab0 = vector.broadcast %alpha : vector<16xf32> to vector<128x16xf32>
    %ab = vector.transpose %ab0, [1, 0] : vector<128x16xf32> to vector<16x128xf32>
    %acc1 = arith.mulf %acc, %ab : vector<16x128xf32>
    %vt = vector.transfer_read %v[%b, %kvh, %n0, %c0], %pad {in_bounds = [true, true]} : !T, vector<64x128xf32>
    %acc2 = vector.contract {indexing_maps = [#pv_a, #pv_b, #pv_c],
                             iterator_types = ["parallel", "parallel", "reduction"], kind = #vector.kind<add>}
            %p, %vt, %acc1 : vector<16x64xf32>, vector<64x128xf32> into vector<16x128xf32>
    scf.yield %mn, %ln, %acc2 : vector<16xf32>, vector<16xf32>, vector<16x128xf32>
  }
  // epilogue: out = acc / l (rows with l == 0 give 0)
  %one = arith.constant dense<1.0> : vector<16xf32>
  %pos = arith.cmpf ogt, %r2#1, %zl : vector<16xf32>
  %inv0 = arith.divf %one, %r2#1 : vector<16xf32>
  %inv = arith.select %pos, %inv0, %zl : vector<16xi1>, vector<16xf32>
  %ib0 = vector.broadcast %inv : vector<16xf32> to vector<128x16xf32>
  %ib = vector.transpose %ib0, [1, 0] : vector<128x16xf32> to vector<16x128xf32>
  %out = arith.mulf %r2#2, %ib : vector<16x128xf32>
  vector.transfer_write %out, %o[%b, %h, %m0, %c0] {in_bounds = [true, true]} : vector<16x128xf32>, !T
  return
}
