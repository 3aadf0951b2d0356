// RUN: attn-opt %s --attn-cpu-launch --split-input-file --verify-diagnostics -o /dev/null
// RUN: not attn-opt %s --split-input-file --pass-pipeline='builtin.module(llvm.func(attn-cpu-launch))' 2>&1 | FileCheck %s --check-prefix=NESTED

// Launch declarations the pass cannot define are errors at the declaration;
// every bad launch of a module is reported.

// NESTED: error: attn-cpu-launch: 'llvm.func' is not a symbol table: attn-cpu-launch runs on a module

// expected-error@+1 {{attn-cpu-launch: 'llvm.func' launches @missing, but the module defines no llvm.func of that name}}
llvm.func @__attn_launch_missing(!llvm.ptr, i64, i64, i64)
llvm.func @declared(!llvm.ptr, i64, i64, i64)
// expected-error@+1 {{attn-cpu-launch: 'llvm.func' launches @declared, but the module defines no llvm.func of that name}}
llvm.func @__attn_launch_declared(!llvm.ptr, i64, i64, i64)
llvm.mlir.global external @data() {addr_space = 0 : i32} : i64
// expected-error@+1 {{attn-cpu-launch: 'llvm.func' launches @data, but the module defines no llvm.func of that name}}
llvm.func @__attn_launch_data(i64, i64, i64)

// -----

llvm.func @k(%p: !llvm.ptr, %s: f32, %x: i64, %y: i64, %z: i64) {
  llvm.return
}
// expected-error@+1 {{attn-cpu-launch: 'llvm.func' parameter 1 has type f64, but in its kernel @k it has type f32}}
llvm.func @__attn_launch_k(!llvm.ptr, f64, i64, i64, i64)

// -----

llvm.func @k(%p: !llvm.ptr, %x: i64, %y: i64, %z: i64) {
  llvm.return
}
// expected-error@+1 {{attn-cpu-launch: 'llvm.func' has 5 parameters, but its kernel @k has 4}}
llvm.func @__attn_launch_k(!llvm.ptr, !llvm.ptr, i64, i64, i64)

// -----

llvm.func @k(%p: !llvm.ptr, %x: i64, %y: i64, %z: i64) -> i32 {
  %0 = llvm.mlir.constant(0 : i32) : i32
  llvm.return %0 : i32
}
// expected-error@+1 {{attn-cpu-launch: 'llvm.func' returns !llvm.void, but its kernel @k returns i32}}
llvm.func @__attn_launch_k(!llvm.ptr, i64, i64, i64)

// -----

// Not a grid: the last three parameters must be i64.
llvm.func @k(%p: !llvm.ptr, %x: i64, %y: i32, %z: i64) {
  llvm.return
}
// expected-error@+1 {{attn-cpu-launch: 'llvm.func' @__attn_launch_k must end with the grid sizes (i64, i64, i64)}}
llvm.func @__attn_launch_k(!llvm.ptr, i64, i32, i64)

llvm.func @short(%x: i64, %y: i64) {
  llvm.return
}
// expected-error@+1 {{attn-cpu-launch: 'llvm.func' @__attn_launch_short must end with the grid sizes (i64, i64, i64)}}
llvm.func @__attn_launch_short(i64, i64)

// -----

llvm.func @k(%p: !llvm.ptr, %x: i64, %y: i64, %z: i64) -> i32 {
  %0 = llvm.mlir.constant(0 : i32) : i32
  llvm.return %0 : i32
}
// expected-error@+1 {{attn-cpu-launch: 'llvm.func' @__attn_launch_k must return void}}
llvm.func @__attn_launch_k(!llvm.ptr, i64, i64, i64) -> i32

// -----

llvm.func @k(%p: !llvm.ptr, %x: i64, %y: i64, %z: i64, ...) {
  llvm.return
}
// expected-error@+1 {{attn-cpu-launch: 'llvm.func' @__attn_launch_k is variadic}}
llvm.func @__attn_launch_k(!llvm.ptr, i64, i64, i64, ...)

// -----

llvm.func @k(%p: !llvm.ptr, %x: i64, %y: i64, %z: i64, ...) {
  llvm.return
}
// expected-error@+1 {{attn-cpu-launch: 'llvm.func' is variadic and its kernel @k is not, or the other way round}}
llvm.func @__attn_launch_k(!llvm.ptr, i64, i64, i64)

// -----

// Arguments travel in 64-bit slots.
llvm.func @k(%a: i128, %x: i64, %y: i64, %z: i64) {
  llvm.return
}
// expected-error@+1 {{attn-cpu-launch: 'llvm.func' @__attn_launch_k: parameter 0 has type i128, which does not fit a 64-bit launch slot}}
llvm.func @__attn_launch_k(i128, i64, i64, i64)
llvm.func @v(%a: !llvm.ptr, %b: vector<2xf32>, %x: i64, %y: i64, %z: i64) {
  llvm.return
}
// expected-error@+1 {{attn-cpu-launch: 'llvm.func' @__attn_launch_v: parameter 1 has type vector<2xf32>, which does not fit a 64-bit launch slot}}
llvm.func @__attn_launch_v(!llvm.ptr, vector<2xf32>, i64, i64, i64)

// -----

// The launcher's symbol is reserved.
// expected-error@+1 {{attn-cpu-launch: 'llvm.mlir.global' @attnrt_cpu_launcher is reserved for the runtime's CPU launcher (an external llvm.mlir.global of type !llvm.struct<(ptr, ptr)>)}}
llvm.mlir.global external @attnrt_cpu_launcher() {addr_space = 0 : i32} : !llvm.ptr
llvm.func @k(%x: i64, %y: i64, %z: i64) {
  llvm.return
}
llvm.func @__attn_launch_k(i64, i64, i64)
