!T = memref<?x?x?x128xf32, strided<[?, ?, ?, 1], offset: ?>>
func.func @attn_program(%q: !T, %k: !T, %v: !T, %o: !T, %pid_m: index, %pid_bh: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %cbm = arith.constant 16 : index
  %cbn = arith.constant 64 : index
  %cnr = arith.constant 8 : index
  %cD = arith.constant 128 : index
  %pad = arith.constant 0.0 : f32
  %c0_ = arith.constant 0 : index
  %c1_ = arith.constant 1 : index
  %c2_ = arith.constant 2 : index
  %c3_ = arith.constant 3 : index
  %c4_ = arith.constant 4 : index
  %c5_ = arith.constant 5 : index
  %c6_ = arith.constant 6 : index
  %c7_ = arith.constant 7 : index
  %hq = memref.dim %q, %c1 : !T
  %hkv = memref.dim %k, %c1 : !T
  %sq = memref.dim %q, %c2 : !T
  %sk = memref.dim %k, %c2 : !T
  %group = arith.divui %hq, %hkv : index
  %b = arith.divui %pid_bh, %hq : index
  %h = arith.remui %pid_bh, %hq : index
  %kvh = arith.divui %h, %group : index
  %m0 = arith.muli %pid_m, %cbm : index
  %qT = memref.alloca() {alignment = 64} : memref<128x16xf32>
  %sT = memref.alloca() {alignment = 64} : memref<64x16xf32>
  %aT = memref.alloca() {alignment = 64} : memref<128x16xf32>
  %zv = arith.constant dense<0.0> : vector<16xf32>
  %ninf = arith.constant dense<0xFF800000> : vector<16xf32>
  %qscale = arith.constant dense<0.12751743074602468> : vector<128x16xf32>
  // Q^T (scaled by scale*log2e), acc^T = 0: once per program
  %qt0 = vector.transfer_read %q[%b, %h, %m0, %c0], %pad {in_bounds = [true, true], permutation_map = affine_map<(d0, d1, d2, d3) -> (d3, d2)>} : !T, vector<128x16xf32>
  %qt = arith.mulf %qt0, %qscale : vector<128x16xf32>
  vector.transfer_write %qt, %qT[%c0, %c0] {in_bounds = [true, true]} : vector<128x16xf32>, memref<128x16xf32>
  scf.for %d = %c0 to %cD step %c1 {
    vector.store %zv, %aT[%d, %c0] : memref<128x16xf32>, vector<16xf32>
  }
  %r0:2 = scf.for %n0 = %c0 to %sk step %cbn iter_args(%m = %ninf, %l = %zv) -> (vector<16xf32>, vector<16xf32>) {
    scf.for %nb = %c0 to %cbn step %cnr {
      %nrow = arith.addi %n0, %nb : index
      %s:8 = scf.for %kk = %c0 to %cD step %c1 iter_args(%a0 = %zv, %a1 = %zv, %a2 = %zv, %a3 = %zv, %a4 = %zv, %a5 = %zv, %a6 = %zv, %a7 = %zv) -> (vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>) {
        %qr = vector.load %qT[%kk, %c0] : memref<128x16xf32>, vector<16xf32>
        %j0 = arith.addi %nrow, %c0_ : index
        %kv0 = memref.load %k[%b, %kvh, %j0, %kk] : !T
        %kb0 = vector.broadcast %kv0 : f32 to vector<16xf32>
        %y0 = vector.fma %kb0, %qr, %a0 : vector<16xf32>
        %j1 = arith.addi %nrow, %c1_ : index
        %kv1 = memref.load %k[%b, %kvh, %j1, %kk] : !T
        %kb1 = vector.broadcast %kv1 : f32 to vector<16xf32>
        %y1 = vector.fma %kb1, %qr, %a1 : vector<16xf32>
        %j2 = arith.addi %nrow, %c2_ : index
        %kv2 = memref.load %k[%b, %kvh, %j2, %kk] : !T
        %kb2 = vector.broadcast %kv2 : f32 to vector<16xf32>
        %y2 = vector.fma %kb2, %qr, %a2 : vector<16xf32>
        %j3 = arith.addi %nrow, %c3_ : index
        %kv3 = memref.load %k[%b, %kvh, %j3, %kk] : !T
        %kb3 = vector.broadcast %kv3 : f32 to vector<16xf32>
        %y3 = vector.fma %kb3, %qr, %a3 : vector<16xf32>
        %j4 = arith.addi %nrow, %c4_ : index
        %kv4 = memref.load %k[%b, %kvh, %j4, %kk] : !T
        %kb4 = vector.broadcast %kv4 : f32 to vector<16xf32>
        %y4 = vector.fma %kb4, %qr, %a4 : vector<16xf32>
        %j5 = arith.addi %nrow, %c5_ : index
        %kv5 = memref.load %k[%b, %kvh, %j5, %kk] : !T
        %kb5 = vector.broadcast %kv5 : f32 to vector<16xf32>
        %y5 = vector.fma %kb5, %qr, %a5 : vector<16xf32>
        %j6 = arith.addi %nrow, %c6_ : index
        %kv6 = memref.load %k[%b, %kvh, %j6, %kk] : !T
        %kb6 = vector.broadcast %kv6 : f32 to vector<16xf32>
        %y6 = vector.fma %kb6, %qr, %a6 : vector<16xf32>
        %j7 = arith.addi %nrow, %c7_ : index
        %kv7 = memref.load %k[%b, %kvh, %j7, %kk] : !T
        %kb7 = vector.broadcast %kv7 : f32 to vector<16xf32>
        %y7 = vector.fma %kb7, %qr, %a7 : vector<16xf32>
        scf.yield %y0, %y1, %y2, %y3, %y4, %y5, %y6, %y7 : vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>
      }
      %sr0 = arith.addi %nb, %c0_ : index
      vector.store %s#0, %sT[%sr0, %c0] : memref<64x16xf32>, vector<16xf32>
      %sr1 = arith.addi %nb, %c1_ : index
      vector.store %s#1, %sT[%sr1, %c0] : memref<64x16xf32>, vector<16xf32>
      %sr2 = arith.addi %nb, %c2_ : index
      vector.store %s#2, %sT[%sr2, %c0] : memref<64x16xf32>, vector<16xf32>
      %sr3 = arith.addi %nb, %c3_ : index
      vector.store %s#3, %sT[%sr3, %c0] : memref<64x16xf32>, vector<16xf32>
      %sr4 = arith.addi %nb, %c4_ : index
      vector.store %s#4, %sT[%sr4, %c0] : memref<64x16xf32>, vector<16xf32>
      %sr5 = arith.addi %nb, %c5_ : index
      vector.store %s#5, %sT[%sr5, %c0] : memref<64x16xf32>, vector<16xf32>
      %sr6 = arith.addi %nb, %c6_ : index
      vector.store %s#6, %sT[%sr6, %c0] : memref<64x16xf32>, vector<16xf32>
      %sr7 = arith.addi %nb, %c7_ : index
      vector.store %s#7, %sT[%sr7, %c0] : memref<64x16xf32>, vector<16xf32>
    }
    %mn = scf.for %n = %c0 to %cbn step %c1 iter_args(%mx = %m) -> (vector<16xf32>) {
      %sv = vector.load %sT[%n, %c0] : memref<64x16xf32>, vector<16xf32>
      %mx2 = arith.maximumf %mx, %sv : vector<16xf32>
      scf.yield %mx2 : vector<16xf32>
    }
    %msafe = arith.addf %mn, %zv : vector<16xf32>
    %dm = arith.subf %m, %msafe : vector<16xf32>
    %alpha = math.exp2 %dm : vector<16xf32>
    %ps = scf.for %n = %c0 to %cbn step %c1 iter_args(%sum = %zv) -> (vector<16xf32>) {
      %sv = vector.load %sT[%n, %c0] : memref<64x16xf32>, vector<16xf32>
      %x = arith.subf %sv, %msafe : vector<16xf32>
      %p = math.exp2 %x : vector<16xf32>
      vector.store %p, %sT[%n, %c0] : memref<64x16xf32>, vector<16xf32>
      %sum2 = arith.addf %sum, %p : vector<16xf32>
      scf.yield %sum2 : vector<16xf32>
    }
    %la = arith.mulf %l, %alpha : vector<16xf32>
    %ln = arith.addf %la, %ps : vector<16xf32>
    scf.for %db = %c0 to %cD step %cnr {
      %dr0 = arith.addi %db, %c0_ : index
      %ao0 = vector.load %aT[%dr0, %c0] : memref<128x16xf32>, vector<16xf32>
      %ai0 = arith.mulf %ao0, %alpha : vector<16xf32>
      %dr1 = arith.addi %db, %c1_ : index
      %ao1 = vector.load %aT[%dr1, %c0] : memref<128x16xf32>, vector<16xf32>
      %ai1 = arith.mulf %ao1, %alpha : vector<16xf32>
      %dr2 = arith.addi %db, %c2_ : index
      %ao2 = vector.load %aT[%dr2, %c0] : memref<128x16xf32>, vector<16xf32>
      %ai2 = arith.mulf %ao2, %alpha : vector<16xf32>
      %dr3 = arith.addi %db, %c3_ : index
      %ao3 = vector.load %aT[%dr3, %c0] : memref<128x16xf32>, vector<16xf32>
      %ai3 = arith.mulf %ao3, %alpha : vector<16xf32>
      %dr4 = arith.addi %db, %c4_ : index
      %ao4 = vector.load %aT[%dr4, %c0] : memref<128x16xf32>, vector<16xf32>
      %ai4 = arith.mulf %ao4, %alpha : vector<16xf32>
      %dr5 = arith.addi %db, %c5_ : index
      %ao5 = vector.load %aT[%dr5, %c0] : memref<128x16xf32>, vector<16xf32>
      %ai5 = arith.mulf %ao5, %alpha : vector<16xf32>
      %dr6 = arith.addi %db, %c6_ : index
      %ao6 = vector.load %aT[%dr6, %c0] : memref<128x16xf32>, vector<16xf32>
      %ai6 = arith.mulf %ao6, %alpha : vector<16xf32>
      %dr7 = arith.addi %db, %c7_ : index
      %ao7 = vector.load %aT[%dr7, %c0] : memref<128x16xf32>, vector<16xf32>
      %ai7 = arith.mulf %ao7, %alpha : vector<16xf32>
      %t:8 = scf.for %n = %c0 to %cbn step %c1 iter_args(%a0 = %ai0, %a1 = %ai1, %a2 = %ai2, %a3 = %ai3, %a4 = %ai4, %a5 = %ai5, %a6 = %ai6, %a7 = %ai7) -> (vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>) {
        %pr = vector.load %sT[%n, %c0] : memref<64x16xf32>, vector<16xf32>
        %vrow = arith.addi %n0, %n : index
        %vv0 = memref.load %v[%b, %kvh, %vrow, %dr0] : !T
        %vb0 = vector.broadcast %vv0 : f32 to vector<16xf32>
        %y0 = vector.fma %vb0, %pr, %a0 : vector<16xf32>
        %vv1 = memref.load %v[%b, %kvh, %vrow, %dr1] : !T
        %vb1 = vector.broadcast %vv1 : f32 to vector<16xf32>
        %y1 = vector.fma %vb1, %pr, %a1 : vector<16xf32>
        %vv2 = memref.load %v[%b, %kvh, %vrow, %dr2] : !T
        %vb2 = vector.broadcast %vv2 : f32 to vector<16xf32>
        %y2 = vector.fma %vb2, %pr, %a2 : vector<16xf32>
        %vv3 = memref.load %v[%b, %kvh, %vrow, %dr3] : !T
        %vb3 = vector.broadcast %vv3 : f32 to vector<16xf32>
        %y3 = vector.fma %vb3, %pr, %a3 : vector<16xf32>
        %vv4 = memref.load %v[%b, %kvh, %vrow, %dr4] : !T
        %vb4 = vector.broadcast %vv4 : f32 to vector<16xf32>
        %y4 = vector.fma %vb4, %pr, %a4 : vector<16xf32>
        %vv5 = memref.load %v[%b, %kvh, %vrow, %dr5] : !T
        %vb5 = vector.broadcast %vv5 : f32 to vector<16xf32>
        %y5 = vector.fma %vb5, %pr, %a5 : vector<16xf32>
        %vv6 = memref.load %v[%b, %kvh, %vrow, %dr6] : !T
        %vb6 = vector.broadcast %vv6 : f32 to vector<16xf32>
        %y6 = vector.fma %vb6, %pr, %a6 : vector<16xf32>
        %vv7 = memref.load %v[%b, %kvh, %vrow, %dr7] : !T
        %vb7 = vector.broadcast %vv7 : f32 to vector<16xf32>
        %y7 = vector.fma %vb7, %pr, %a7 : vector<16xf32>
        scf.yield %y0, %y1, %y2, %y3, %y4, %y5, %y6, %y7 : vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>
      }
      vector.store %t#0, %aT[%dr0, %c0] : memref<128x16xf32>, vector<16xf32>
      vector.store %t#1, %aT[%dr1, %c0] : memref<128x16xf32>, vector<16xf32>
      vector.store %t#2, %aT[%dr2, %c0] : memref<128x16xf32>, vector<16xf32>
      vector.store %t#3, %aT[%dr3, %c0] : memref<128x16xf32>, vector<16xf32>
      vector.store %t#4, %aT[%dr4, %c0] : memref<128x16xf32>, vector<16xf32>
      vector.store %t#5, %aT[%dr5, %c0] : memref<128x16xf32>, vector<16xf32>
      vector.store %t#6, %aT[%dr6, %c0] : memref<128x16xf32>, vector<16xf32>
      vector.store %t#7, %aT[%dr7, %c0] : memref<128x16xf32>, vector<16xf32>
    }
    scf.yield %mn, %ln : vector<16xf32>, vector<16xf32>
  }
  // epilogue: out = acc / l, rows with l == 0 give 0; transposed write back
  %one = arith.constant dense<1.0> : vector<16xf32>
  %pos = arith.cmpf ogt, %r0#1, %zv : vector<16xf32>
  %inv0 = arith.divf %one, %r0#1 : vector<16xf32>
  %inv = arith.select %pos, %inv0, %zv : vector<16xi1>, vector<16xf32>
  %at = vector.transfer_read %aT[%c0, %c0], %pad {in_bounds = [true, true]} : memref<128x16xf32>, vector<128x16xf32>
  %invb = vector.broadcast %inv : vector<16xf32> to vector<128x16xf32>
  %ot = arith.mulf %at, %invb : vector<128x16xf32>
  vector.transfer_write %ot, %o[%b, %h, %m0, %c0] {in_bounds = [true, true], permutation_map = affine_map<(d0, d1, d2, d3) -> (d3, d2)>} : vector<128x16xf32>, !T
  return
}
