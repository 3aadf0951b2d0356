// Input of cpu-launch-test.c: kernels and their launches in the LLVM dialect,
// as attn-online-softmax and the lowering to LLVM leave them, with
// @attnrt_cpu_launcher left for attn-cpu-launch to declare.

// Counts its program in hits[off + (z * ny + y) * nx + x] (hits is a
// memref-like descriptor: allocated, aligned, offset, size, stride) and,
// in program (0, 0, 0), writes every scalar argument to its 8-byte cell of
// echo (little-endian, as its own type).
llvm.func @count(%alloc: !llvm.ptr, %hits: !llvm.ptr, %off: i64, %size: i64, %stride: i64,
                 %nx: i64, %ny: i64, %echo: !llvm.ptr,
                 %a1: i1, %a8: i8, %a16: i16, %a32: i32, %a64: i64,
                 %h: f16, %bh: bf16, %f: f32, %d: f64,
                 %x: i64, %y: i64, %z: i64) {
  %zy = llvm.mul %z, %ny : i64
  %row = llvm.add %zy, %y : i64
  %rowx = llvm.mul %row, %nx : i64
  %idx = llvm.add %rowx, %x : i64
  %i = llvm.add %idx, %off : i64
  %p = llvm.getelementptr %hits[%i] : (!llvm.ptr, i64) -> !llvm.ptr, i32
  %one = llvm.mlir.constant(1 : i32) : i32
  %old = llvm.atomicrmw add %p, %one seq_cst : !llvm.ptr, i32
  %zero = llvm.mlir.constant(0 : i64) : i64
  %xy = llvm.or %x, %y : i64
  %xyz = llvm.or %xy, %z : i64
  %first = llvm.icmp "eq" %xyz, %zero : i64
  llvm.cond_br %first, ^echo, ^done
^echo:
  %e1 = llvm.getelementptr %echo[1] : (!llvm.ptr) -> !llvm.ptr, i64
  %e2 = llvm.getelementptr %echo[2] : (!llvm.ptr) -> !llvm.ptr, i64
  %e3 = llvm.getelementptr %echo[3] : (!llvm.ptr) -> !llvm.ptr, i64
  %e4 = llvm.getelementptr %echo[4] : (!llvm.ptr) -> !llvm.ptr, i64
  %e5 = llvm.getelementptr %echo[5] : (!llvm.ptr) -> !llvm.ptr, i64
  %e6 = llvm.getelementptr %echo[6] : (!llvm.ptr) -> !llvm.ptr, i64
  %e7 = llvm.getelementptr %echo[7] : (!llvm.ptr) -> !llvm.ptr, i64
  %e8 = llvm.getelementptr %echo[8] : (!llvm.ptr) -> !llvm.ptr, i64
  %e9 = llvm.getelementptr %echo[9] : (!llvm.ptr) -> !llvm.ptr, i64
  %e10 = llvm.getelementptr %echo[10] : (!llvm.ptr) -> !llvm.ptr, i64
  %a1x = llvm.zext %a1 : i1 to i8
  llvm.store %a1x, %echo : i8, !llvm.ptr
  llvm.store %a8, %e1 : i8, !llvm.ptr
  llvm.store %a16, %e2 : i16, !llvm.ptr
  llvm.store %a32, %e3 : i32, !llvm.ptr
  llvm.store %a64, %e4 : i64, !llvm.ptr
  llvm.store %h, %e5 : f16, !llvm.ptr
  llvm.store %bh, %e6 : bf16, !llvm.ptr
  llvm.store %f, %e7 : f32, !llvm.ptr
  llvm.store %d, %e8 : f64, !llvm.ptr
  llvm.store %alloc, %e9 : !llvm.ptr, !llvm.ptr
  llvm.store %size, %e10 : i64, !llvm.ptr
  llvm.br ^done
^done:
  llvm.return
}
llvm.func @__attn_launch_count(!llvm.ptr, !llvm.ptr, i64, i64, i64, i64, i64, !llvm.ptr,
                               i1, i8, i16, i32, i64, f16, bf16, f32, f64, i64, i64, i64)
    attributes {sym_visibility = "private"}

// A launch without arguments besides the grid: counts its programs in a host
// variable the test binds to @tick_count.
llvm.mlir.global external @tick_count() {addr_space = 0 : i32} : i64
llvm.func @tick(%x: i64, %y: i64, %z: i64) {
  %g = llvm.mlir.addressof @tick_count : !llvm.ptr
  %one = llvm.mlir.constant(1 : i64) : i64
  %old = llvm.atomicrmw add %g, %one seq_cst : !llvm.ptr, i64
  llvm.return
}
llvm.func @__attn_launch_tick(i64, i64, i64) attributes {sym_visibility = "private"}

// run(hits, off, size, echo, gx, gy, gz): @count over gx x gy x gz with fixed
// scalars (the test knows them), then @tick over gz x gy x gx, twice.
llvm.func @run(%hits: !llvm.ptr, %off: i64, %size: i64, %echo: !llvm.ptr,
               %gx: i64, %gy: i64, %gz: i64) {
  %one = llvm.mlir.constant(1 : i64) : i64
  %a1 = llvm.mlir.constant(true) : i1
  %a8 = llvm.mlir.constant(-3 : i8) : i8
  %a16 = llvm.mlir.constant(-12345 : i16) : i16
  %a32 = llvm.mlir.constant(-123456789 : i32) : i32
  %a64 = llvm.mlir.constant(-9223372036854775801 : i64) : i64
  %h = llvm.mlir.constant(-2.625 : f16) : f16
  %bh = llvm.mlir.constant(1.5 : bf16) : bf16
  %f = llvm.mlir.constant(-0.1 : f32) : f32
  %d = llvm.mlir.constant(0.33333333333333331 : f64) : f64
  llvm.call @__attn_launch_count(%hits, %hits, %off, %size, %one, %gx, %gy, %echo,
                                 %a1, %a8, %a16, %a32, %a64, %h, %bh, %f, %d, %gx, %gy, %gz)
      : (!llvm.ptr, !llvm.ptr, i64, i64, i64, i64, i64, !llvm.ptr,
         i1, i8, i16, i32, i64, f16, bf16, f32, f64, i64, i64, i64) -> ()
  llvm.call @__attn_launch_tick(%gz, %gy, %gx) : (i64, i64, i64) -> ()
  llvm.call @__attn_launch_tick(%gz, %gy, %gx) : (i64, i64, i64) -> ()
  llvm.return
}
