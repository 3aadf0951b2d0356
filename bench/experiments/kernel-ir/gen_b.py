# Generates formulation B: the CPU-lowered form of the kernel IR (what attn-to-cpu would emit).
# Lanes run over the BM=16 query rows (one zmm), so S^T, P^T and acc^T are [*, 16] buffers in L1
# (memref.alloca), every tile matmul is "broadcast scalar x 16-lane row" FMAs with NR register
# accumulators, and all row reductions (max, sum) are element-wise across registers.
import sys
NR = int(sys.argv[1]) if len(sys.argv) > 1 else 8     # accumulator rows per micro-kernel
BN = int(sys.argv[2]) if len(sys.argv) > 2 else 64
CAUSAL = len(sys.argv) > 3 and sys.argv[3] == "causal"
BM, D = 16, 128
V = f"vector<{BM}xf32>"
o = []
w = o.append
w("!T = memref<?x?x?x128xf32, strided<[?, ?, ?, 1], offset: ?>>")
w("func.func @attn_program(%q: !T, %k: !T, %v: !T, %o: !T, %pid_m: index, %pid_bh: index) {")
w("""  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %cbm = arith.constant 16 : index
  %cbn = arith.constant %BN% : index
  %cnr = arith.constant %NR% : index
  %cD = arith.constant 128 : index
  %pad = arith.constant 0.0 : f32
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
  %sT = memref.alloca() {alignment = 64} : memref<%BN%x16xf32>
  %aT = memref.alloca() {alignment = 64} : memref<128x16xf32>
  %zv = arith.constant dense<0.0> : %V%
  %ninf = arith.constant dense<0xFF800000> : %V%
  %qscale = arith.constant dense<0.12751743074602468> : vector<128x16xf32>
  // Q^T (scaled by scale*log2e), acc^T = 0: once per program
  %qt0 = vector.transfer_read %q[%b, %h, %m0, %c0], %pad {in_bounds = [true, true], permutation_map = affine_map<(d0, d1, d2, d3) -> (d3, d2)>} : !T, vector<128x16xf32>
  %qt = arith.mulf %qt0, %qscale : vector<128x16xf32>
  vector.transfer_write %qt, %qT[%c0, %c0] {in_bounds = [true, true]} : vector<128x16xf32>, memref<128x16xf32>
  scf.for %d = %c0 to %cD step %c1 {
    vector.store %zv, %aT[%d, %c0] : memref<128x16xf32>, %V%
  }""")
if CAUSAL:
    # bottom-right aligned: key j visible to query i iff j <= i + (sk - sq). Last KV tile to visit:
    w("""  %off = arith.subi %sk, %sq : index
  %mlast = arith.addi %m0, %c16x : index
  %kend0 = arith.addi %mlast, %off : index
  %kend1 = arith.minsi %kend0, %sk : index
  %kend = arith.maxsi %kend1, %c0 : index
  // first tile needing the mask: KV tiles fully below row m0's diagonal are unmasked
  %diag0 = arith.addi %m0, %off : index
  %d1 = arith.addi %diag0, %c1 : index
  %nfull0 = arith.divsi %d1, %cbn : index
  %nfull1 = arith.muli %nfull0, %cbn : index
  %nfull = arith.maxsi %nfull1, %c0 : index
  %iota = vector.step : vector<16xindex>
  %diagv0 = vector.broadcast %diag0 : index to vector<16xindex>
  %diagv = arith.addi %diagv0, %iota : vector<16xindex>""".replace("%c16x", "%cbm"))
    ranges = [("%c0", "%nfull", False), ("%nfull", "%kend", True)]
else:
    ranges = [("%c0", "%sk", False)]
carry_in = ("%ninf", "%zv")
for ri, (lo, hi, masked) in enumerate(ranges):
    res = f"%r{ri}"
    w(f"  {res}:2 = scf.for %n0 = {lo} to {hi} step %cbn iter_args(%m = {carry_in[0]}, %l = {carry_in[1]}) -> ({V}, {V}) {{")
    # S^T = K_tile . Q^T   (NR rows of S^T in registers, loop over k)
    w(f"    scf.for %nb = %c0 to %cbn step %cnr {{")
    w(f"      %nrow = arith.addi %n0, %nb : index")
    rows = ", ".join([f"%a{i} = %zv" for i in range(NR)])
    w(f"      %s:{NR} = scf.for %kk = %c0 to %cD step %c1 iter_args({rows}) -> ({', '.join([V]*NR)}) {{")
    w(f"        %qr = vector.load %qT[%kk, %c0] : memref<128x16xf32>, {V}")
    ys = []
    for i in range(NR):
        w(f"        %j{i} = arith.addi %nrow, %c{i}_ : index")
        w(f"        %kv{i} = memref.load %k[%b, %kvh, %j{i}, %kk] : !T")
        w(f"        %kb{i} = vector.broadcast %kv{i} : f32 to {V}")
        w(f"        %y{i} = vector.fma %kb{i}, %qr, %a{i} : {V}")
        ys.append(f"%y{i}")
    w(f"        scf.yield {', '.join(ys)} : {', '.join([V]*NR)}")
    w(f"      }}")
    for i in range(NR):
        w(f"      %sr{i} = arith.addi %nb, %c{i}_ : index")
        w(f"      vector.store %s#{i}, %sT[%sr{i}, %c0] : memref<{BN}x16xf32>, {V}")
    w(f"    }}")
    # masking (partly masked tiles only): key j visible to lane i iff j <= diag0 + i
    if masked:
        w(f"""    scf.for %n = %c0 to %cbn step %c1 {{
      %j = arith.addi %n0, %n : index
      %jv = vector.broadcast %j : index to vector<16xindex>
      %vis0 = arith.cmpi sle, %jv, %diagv : vector<16xindex>
      %inb = arith.cmpi slt, %j, %sk : index
      %inbv = vector.broadcast %inb : i1 to vector<16xi1>
      %vis = arith.andi %vis0, %inbv : vector<16xi1>
      %sv = vector.load %sT[%n, %c0] : memref<{BN}x16xf32>, {V}
      %sm = arith.select %vis, %sv, %ninf : vector<16xi1>, {V}
      vector.store %sm, %sT[%n, %c0] : memref<{BN}x16xf32>, {V}
    }}""")
    # online softmax: element-wise over the 16 lanes (= query rows)
    w(f"""    %mn = scf.for %n = %c0 to %cbn step %c1 iter_args(%mx = %m) -> ({V}) {{
      %sv = vector.load %sT[%n, %c0] : memref<{BN}x16xf32>, {V}
      %mx2 = arith.maximumf %mx, %sv : {V}
      scf.yield %mx2 : {V}
    }}""")
    if masked:  # rows with nothing visible so far: subtract 0 instead of -inf (no NaN)
        w(f"""    %isinf = arith.cmpf oeq, %mn, %ninf : {V}
    %msafe = arith.select %isinf, %zv, %mn : vector<16xi1>, {V}""")
    else:
        w(f"    %msafe = arith.addf %mn, %zv : {V}")
    w(f"""    %dm = arith.subf %m, %msafe : {V}
    %alpha = math.exp2 %dm : {V}
    %ps = scf.for %n = %c0 to %cbn step %c1 iter_args(%sum = %zv) -> ({V}) {{
      %sv = vector.load %sT[%n, %c0] : memref<{BN}x16xf32>, {V}
      %x = arith.subf %sv, %msafe : {V}
      %p = math.exp2 %x : {V}
      vector.store %p, %sT[%n, %c0] : memref<{BN}x16xf32>, {V}
      %sum2 = arith.addf %sum, %p : {V}
      scf.yield %sum2 : {V}
    }}
    %la = arith.mulf %l, %alpha : {V}
    %ln = arith.addf %la, %ps : {V}""")
    # acc^T = alpha * acc^T + V_tile^T . P^T   (NR rows of acc^T in registers, loop over n)
    w(f"    scf.for %db = %c0 to %cD step %cnr {{")
    for i in range(NR):
        w(f"      %dr{i} = arith.addi %db, %c{i}_ : index")
        w(f"      %ao{i} = vector.load %aT[%dr{i}, %c0] : memref<128x16xf32>, {V}")
        w(f"      %ai{i} = arith.mulf %ao{i}, %alpha : {V}")
    rows = ", ".join([f"%a{i} = %ai{i}" for i in range(NR)])
    w(f"      %t:{NR} = scf.for %n = %c0 to %cbn step %c1 iter_args({rows}) -> ({', '.join([V]*NR)}) {{")
    w(f"        %pr = vector.load %sT[%n, %c0] : memref<{BN}x16xf32>, {V}")
    w(f"        %vrow = arith.addi %n0, %n : index")
    ys = []
    for i in range(NR):
        w(f"        %vv{i} = memref.load %v[%b, %kvh, %vrow, %dr{i}] : !T")
        w(f"        %vb{i} = vector.broadcast %vv{i} : f32 to {V}")
        w(f"        %y{i} = vector.fma %vb{i}, %pr, %a{i} : {V}")
        ys.append(f"%y{i}")
    w(f"        scf.yield {', '.join(ys)} : {', '.join([V]*NR)}")
    w(f"      }}")
    for i in range(NR):
        w(f"      vector.store %t#{i}, %aT[%dr{i}, %c0] : memref<128x16xf32>, {V}")
    w(f"    }}")
    w(f"    scf.yield %mn, %ln : {V}, {V}")
    w(f"  }}")
    carry_in = (f"{res}#0", f"{res}#1")
w(f"""  // epilogue: out = acc / l, rows with l == 0 give 0; transposed write back
  %one = arith.constant dense<1.0> : {V}
  %pos = arith.cmpf ogt, {carry_in[1]}, %zv : {V}
  %inv0 = arith.divf %one, {carry_in[1]} : {V}
  %inv = arith.select %pos, %inv0, %zv : vector<16xi1>, {V}
  %at = vector.transfer_read %aT[%c0, %c0], %pad {{in_bounds = [true, true]}} : memref<128x16xf32>, vector<128x16xf32>
  %invb = vector.broadcast %inv : {V} to vector<128x16xf32>
  %ot = arith.mulf %at, %invb : vector<128x16xf32>
  vector.transfer_write %ot, %o[%b, %h, %m0, %c0] {{in_bounds = [true, true], permutation_map = affine_map<(d0, d1, d2, d3) -> (d3, d2)>}} : vector<128x16xf32>, !T
  return
}}""")
s = "\n".join(o).replace("%BN%", str(BN)).replace("%NR%", str(NR)).replace("%V%", V)
consts = "\n".join([f"  %c{i}_ = arith.constant {i} : index" for i in range(max(NR, 1))])
s = s.replace("  %pad = arith.constant 0.0 : f32\n", "  %pad = arith.constant 0.0 : f32\n" + consts + "\n", 1)
print(s)
