// RUN: attn-opt %s --attn-cpu-soft-bf16 | mlir-translate --mlir-to-llvmir -o %t.ll
// RUN: lli %t.ll | FileCheck %s

// The helper's rounding, run: round to nearest even (ties to the even bf16),
// carries into the exponent, overflow to infinity, signed zeros, subnormals,
// infinities, and NaN kept NaN (quieted, sign kept). Each line prints the input
// bits and the bf16 bits; the expected values are IEEE-754 round-to-nearest-even
// worked by hand (and what GCC 13's libgcc __truncsfbf2 gives).

// CHECK: 3f800000 -> 3f80
// CHECK-NEXT: 3f808000 -> 3f80
// CHECK-NEXT: 3f818000 -> 3f82
// CHECK-NEXT: 3f808001 -> 3f81
// CHECK-NEXT: 3f80ffff -> 3f81
// CHECK-NEXT: 3fffffff -> 4000
// CHECK-NEXT: 7f7fffff -> 7f80
// CHECK-NEXT: 80000000 -> 8000
// CHECK-NEXT: 00000001 -> 0000
// CHECK-NEXT: 00018000 -> 0002
// CHECK-NEXT: ff800000 -> ff80
// CHECK-NEXT: 7f800001 -> 7fc0
// CHECK-NEXT: ffa00000 -> ffe0
// CHECK-NEXT: 7fc00000 -> 7fc0

llvm.mlir.global private constant @fmt("%08x -> %04x\0A\00") {addr_space = 0 : i32}
llvm.func @printf(!llvm.ptr, ...) -> i32

// Declared here; the pass replaces the declaration with its definition.
llvm.func @__truncsfbf2(f32) -> bf16

llvm.func @as_bits(%f: f32) -> i32 {
  %b = llvm.call @__truncsfbf2(%f) : (f32) -> bf16
  %i = llvm.bitcast %b : bf16 to i16
  %w = llvm.zext %i : i16 to i32
  llvm.return %w : i32
}

llvm.func @show(%bits: i32) {
  %f = llvm.bitcast %bits : i32 to f32
  %r = llvm.call @as_bits(%f) : (f32) -> i32
  %fmt = llvm.mlir.addressof @fmt : !llvm.ptr
  %0 = llvm.call @printf(%fmt, %bits, %r) vararg(!llvm.func<i32 (ptr, ...)>) : (!llvm.ptr, i32, i32) -> i32
  llvm.return
}

llvm.func @main() -> i32 {
  %c0 = llvm.mlir.constant(1065353216 : i32) : i32
  llvm.call @show(%c0) : (i32) -> ()
  %c1 = llvm.mlir.constant(1065385984 : i32) : i32
  llvm.call @show(%c1) : (i32) -> ()
  %c2 = llvm.mlir.constant(1065451520 : i32) : i32
  llvm.call @show(%c2) : (i32) -> ()
  %c3 = llvm.mlir.constant(1065385985 : i32) : i32
  llvm.call @show(%c3) : (i32) -> ()
  %c4 = llvm.mlir.constant(1065418751 : i32) : i32
  llvm.call @show(%c4) : (i32) -> ()
  %c5 = llvm.mlir.constant(1073741823 : i32) : i32
  llvm.call @show(%c5) : (i32) -> ()
  %c6 = llvm.mlir.constant(2139095039 : i32) : i32
  llvm.call @show(%c6) : (i32) -> ()
  %c7 = llvm.mlir.constant(-2147483648 : i32) : i32
  llvm.call @show(%c7) : (i32) -> ()
  %c8 = llvm.mlir.constant(1 : i32) : i32
  llvm.call @show(%c8) : (i32) -> ()
  %c9 = llvm.mlir.constant(98304 : i32) : i32
  llvm.call @show(%c9) : (i32) -> ()
  %c10 = llvm.mlir.constant(-8388608 : i32) : i32
  llvm.call @show(%c10) : (i32) -> ()
  %c11 = llvm.mlir.constant(2139095041 : i32) : i32
  llvm.call @show(%c11) : (i32) -> ()
  %c12 = llvm.mlir.constant(-6291456 : i32) : i32
  llvm.call @show(%c12) : (i32) -> ()
  %c13 = llvm.mlir.constant(2143289344 : i32) : i32
  llvm.call @show(%c13) : (i32) -> ()
  %z = llvm.mlir.constant(0 : i32) : i32
  llvm.return %z : i32
}
