// Driver for mlir-runner: fills inputs, runs the grid serially, checks a few rows against a
// naive reference (small S) and prints GFLOP/s. B=1, H=NH heads.
func.func private @rtclock() -> f64
func.func private @printF64(f64)
func.func private @printNewline()
func.func private @printComma()
func.func private @printI64(i64)

func.func @fill(%m: memref<?x?x?x128xf32>, %seed: f32) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c128 = arith.constant 128 : index
  %d0 = memref.dim %m, %c0 : memref<?x?x?x128xf32>
  %d1 = memref.dim %m, %c1 : memref<?x?x?x128xf32>
  %d2 = memref.dim %m, %c2 : memref<?x?x?x128xf32>
  scf.for %a = %c0 to %d0 step %c1 {
  scf.for %b = %c0 to %d1 step %c1 {
  scf.for %s = %c0 to %d2 step %c1 {
  scf.for %d = %c0 to %c128 step %c1 {
    %i1 = arith.muli %s, %c128 : index
    %i2 = arith.addi %i1, %d : index
    %i3 = arith.addi %i2, %b : index
    %ii = arith.index_cast %i3 : index to i64
    %f = arith.sitofp %ii : i64 to f32
    %x = arith.mulf %f, %seed : f32
    %y = math.sin %x : f32
    %c3f = arith.constant 3.0 : f32
    %z = arith.mulf %y, %c3f : f32
    memref.store %z, %m[%a, %b, %s, %d] : memref<?x?x?x128xf32>
  }}}}
  return
}

// naive reference for row i of head h: returns max abs error of that row vs %o
func.func @ref_row_err(%q: memref<?x?x?x128xf32>, %k: memref<?x?x?x128xf32>, %v: memref<?x?x?x128xf32>,
                       %o: memref<?x?x?x128xf32>, %h: index, %hkv_div: index, %i: index) -> f32 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c128 = arith.constant 128 : index
  %sk = memref.dim %k, %c2 : memref<?x?x?x128xf32>
  %kh = arith.divui %h, %hkv_div : index
  %scale = arith.constant 0.08838834764831845 : f32
  %s = memref.alloc(%sk) : memref<?xf32>
  %ninf = arith.constant 0xFF800000 : f32
  %zero = arith.constant 0.0 : f32
  %mx = scf.for %j = %c0 to %sk step %c1 iter_args(%m = %ninf) -> f32 {
    %dot = scf.for %d = %c0 to %c128 step %c1 iter_args(%a = %zero) -> f32 {
      %x = memref.load %q[%c0, %h, %i, %d] : memref<?x?x?x128xf32>
      %y = memref.load %k[%c0, %kh, %j, %d] : memref<?x?x?x128xf32>
      %p = arith.mulf %x, %y : f32
      %a2 = arith.addf %a, %p : f32
      scf.yield %a2 : f32
    }
    %lg = arith.mulf %dot, %scale : f32
    memref.store %lg, %s[%j] : memref<?xf32>
    %m2 = arith.maximumf %m, %lg : f32
    scf.yield %m2 : f32
  }
  %sum = scf.for %j = %c0 to %sk step %c1 iter_args(%a = %zero) -> f32 {
    %x = memref.load %s[%j] : memref<?xf32>
    %y = arith.subf %x, %mx : f32
    %e = math.exp %y : f32
    memref.store %e, %s[%j] : memref<?xf32>
    %a2 = arith.addf %a, %e : f32
    scf.yield %a2 : f32
  }
  %err = scf.for %d = %c0 to %c128 step %c1 iter_args(%eacc = %zero) -> f32 {
    %acc = scf.for %j = %c0 to %sk step %c1 iter_args(%a = %zero) -> f32 {
      %p = memref.load %s[%j] : memref<?xf32>
      %y = memref.load %v[%c0, %kh, %j, %d] : memref<?x?x?x128xf32>
      %t = arith.mulf %p, %y : f32
      %a2 = arith.addf %a, %t : f32
      scf.yield %a2 : f32
    }
    %want = arith.divf %acc, %sum : f32
    %got = memref.load %o[%c0, %h, %i, %d] : memref<?x?x?x128xf32>
    %df = arith.subf %got, %want : f32
    %ad = math.absf %df : f32
    %e2 = arith.maximumf %eacc, %ad : f32
    scf.yield %e2 : f32
  }
  memref.dealloc %s : memref<?xf32>
  return %err : f32
}

func.func @run(%S: index, %NH: index, %NKV: index, %check: i1, %reps: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %bm = arith.constant 16 : index
  %q = memref.alloc(%NH, %S) {alignment = 64} : memref<1x?x?x128xf32>
  %k = memref.alloc(%NKV, %S) {alignment = 64} : memref<1x?x?x128xf32>
  %v = memref.alloc(%NKV, %S) {alignment = 64} : memref<1x?x?x128xf32>
  %o = memref.alloc(%NH, %S) {alignment = 64} : memref<1x?x?x128xf32>
  %qd = memref.cast %q : memref<1x?x?x128xf32> to memref<?x?x?x128xf32>
  %kd = memref.cast %k : memref<1x?x?x128xf32> to memref<?x?x?x128xf32>
  %vd = memref.cast %v : memref<1x?x?x128xf32> to memref<?x?x?x128xf32>
  %od = memref.cast %o : memref<1x?x?x128xf32> to memref<?x?x?x128xf32>
  %s1 = arith.constant 0.37 : f32
  %s2 = arith.constant 0.71 : f32
  %s3 = arith.constant 1.13 : f32
  func.call @fill(%qd, %s1) : (memref<?x?x?x128xf32>, f32) -> ()
  func.call @fill(%kd, %s2) : (memref<?x?x?x128xf32>, f32) -> ()
  func.call @fill(%vd, %s3) : (memref<?x?x?x128xf32>, f32) -> ()
  %qs = memref.cast %qd : memref<?x?x?x128xf32> to !T
  %ks = memref.cast %kd : memref<?x?x?x128xf32> to !T
  %vs = memref.cast %vd : memref<?x?x?x128xf32> to !T
  %os = memref.cast %od : memref<?x?x?x128xf32> to !T
  %ntiles = arith.divui %S, %bm : index
  %best0 = arith.constant 1.0e30 : f64
  %best = scf.for %rep = %c0 to %reps step %c1 iter_args(%bst = %best0) -> f64 {
    %t0 = func.call @rtclock() : () -> f64
    scf.for %bh = %c0 to %NH step %c1 {
      scf.for %pm = %c0 to %ntiles step %c1 {
        func.call @attn_program(%qs, %ks, %vs, %os, %pm, %bh) : (!T, !T, !T, !T, index, index) -> ()
      }
    }
    %t1 = func.call @rtclock() : () -> f64
    %dt = arith.subf %t1, %t0 : f64
    %b2 = arith.minimumf %bst, %dt : f64
    scf.yield %b2 : f64
  }
  // flops = 4 * S * S * D * NH
  %si = arith.index_cast %S : index to i64
  %hi = arith.index_cast %NH : index to i64
  %sf = arith.sitofp %si : i64 to f64
  %hf = arith.sitofp %hi : i64 to f64
  %c512 = arith.constant 512.0 : f64
  %f1 = arith.mulf %sf, %sf : f64
  %f2 = arith.mulf %f1, %c512 : f64
  %f3 = arith.mulf %f2, %hf : f64
  %g = arith.divf %f3, %best : f64
  %e9 = arith.constant 1.0e9 : f64
  %gf = arith.divf %g, %e9 : f64
  func.call @printI64(%si) : (i64) -> ()
  func.call @printComma() : () -> ()
  func.call @printF64(%best) : (f64) -> ()
  func.call @printComma() : () -> ()
  func.call @printF64(%gf) : (f64) -> ()
  func.call @printNewline() : () -> ()
  scf.if %check {
    %grp = arith.divui %NH, %NKV : index
    %zerof = arith.constant 0.0 : f32
    %c7 = arith.constant 7 : index
    %errmax = scf.for %hh = %c0 to %NH step %c1 iter_args(%e = %zerof) -> f32 {
      %e1 = scf.for %ii = %c0 to %S step %c7 iter_args(%ee = %e) -> f32 {
        %er = func.call @ref_row_err(%qd, %kd, %vd, %od, %hh, %grp, %ii) : (memref<?x?x?x128xf32>, memref<?x?x?x128xf32>, memref<?x?x?x128xf32>, memref<?x?x?x128xf32>, index, index, index) -> f32
        %m = arith.maximumf %ee, %er : f32
        scf.yield %m : f32
      }
      scf.yield %e1 : f32
    }
    %zf = arith.constant 0.37 : f32
    %ed = arith.subf %errmax, %zf : f32  // (started at 0.37)
    %e64 = arith.extf %errmax : f32 to f64
    func.call @printF64(%e64) : (f64) -> ()
    func.call @printNewline() : () -> ()
  }
  return
}

func.func @main() {
  %t = arith.constant true
  %f = arith.constant false
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c4 = arith.constant 4 : index
  %c3 = arith.constant 3 : index
  %c256 = arith.constant 256 : index
  %c1024 = arith.constant 1024 : index
  %c2048 = arith.constant 2048 : index
  %c4096 = arith.constant 4096 : index
  // correctness: GQA 4 q heads / 2 kv heads, S=256
  func.call @run(%c256, %c4, %c2, %t, %c1) : (index, index, index, i1, index) -> ()
  func.call @run(%c1024, %c2, %c2, %f, %c3) : (index, index, index, i1, index) -> ()
  func.call @run(%c2048, %c1, %c1, %f, %c2) : (index, index, index, i1, index) -> ()
  func.call @run(%c4096, %c1, %c1, %f, %c1) : (index, index, index, i1, index) -> ()
  return
}
