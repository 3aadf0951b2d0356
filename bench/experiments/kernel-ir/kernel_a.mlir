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
  %r:3 = scf.for %n0 = %c0 to %sk step %bn iter_args(%m = %ninf, %l = %zl, %acc = %zacc)
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
  // epilogue: out = acc / l (rows with l == 0 give 0)
  %one = arith.constant dense<1.0> : vector<16xf32>
  %pos = arith.cmpf ogt, %r#1, %zl : vector<16xf32>
  %inv0 = arith.divf %one, %r#1 : vector<16xf32>
  %inv = arith.select %pos, %inv0, %zl : vector<16xi1>, vector<16xf32>
  %ib0 = vector.broadcast %inv : vector<16xf32> to vector<128x16xf32>
  %ib = vector.transpose %ib0, [1, 0] : vector<128x16xf32> to vector<16x128xf32>
  %out = arith.mulf %r#2, %ib : vector<16x128xf32>
  vector.transfer_write %out, %o[%b, %h, %m0, %c0] {in_bounds = [true, true]} : vector<16x128xf32>, !T
  return
}
