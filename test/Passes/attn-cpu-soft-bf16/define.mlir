// RUN: attn-opt %s --attn-cpu-soft-bf16 --split-input-file | FileCheck %s
// RUN: attn-opt %s --attn-cpu-soft-bf16 --attn-cpu-soft-bf16 --split-input-file | FileCheck %s
// RUN: attn-opt %s --attn-cpu-soft-bf16 --split-input-file | mlir-translate --mlir-to-llvmir --split-input-file | FileCheck %s --check-prefix=LLVM

// A module that moves bf16 values (here a select of two, which LLVM promotes to
// f32 and rounds back with __truncsfbf2 on CPUs without bf16 instructions) gets
// the helper, once (the second RUN runs the pass twice): weak_odr so that LLVM
// keeps it although no call exists before instruction selection, hidden so that
// code objects do not bind to each other's copy.

// CHECK-LABEL: llvm.func @pick
// CHECK: llvm.func weak_odr hidden @__truncsfbf2(%{{.*}}: f32) -> bf16
// CHECK: llvm.icmp "ugt"
// CHECK: llvm.select
// CHECK: llvm.bitcast %{{.*}} : i16 to bf16
// CHECK-NOT: @__truncsfbf2
// LLVM: define weak_odr hidden bfloat @__truncsfbf2(float
llvm.func @pick(%c: i1, %a: vector<8xbf16>, %b: vector<8xbf16>) -> vector<8xbf16> {
  %r = llvm.select %c, %a, %b : i1, vector<8xbf16>
  llvm.return %r : vector<8xbf16>
}

// -----

// bf16 inside an LLVM array (the vector unrolling of attn-lower-cpu's tiles).
// CHECK-LABEL: llvm.func @arrays
// CHECK: llvm.func weak_odr hidden @__truncsfbf2
llvm.func @arrays(%a: !llvm.array<2 x vector<1xbf16>>) -> !llvm.array<2 x vector<1xbf16>> {
  llvm.return %a : !llvm.array<2 x vector<1xbf16>>
}

// -----

// No bf16 value: nothing to define.
// CHECK-LABEL: llvm.func @plain
// CHECK-NOT: __truncsfbf2
llvm.func @plain(%a: f32) -> f32 {
  llvm.return %a : f32
}

// -----

// A module that defines the symbol itself is left alone.
// CHECK-LABEL: llvm.func @__truncsfbf2(%{{.*}}: f32) -> bf16
// CHECK-NEXT: llvm.mlir.poison
// CHECK-NOT: weak_odr
llvm.func @__truncsfbf2(%f: f32) -> bf16 {
  %p = llvm.mlir.poison : bf16
  llvm.return %p : bf16
}
llvm.func @other(%a: bf16) -> bf16 {
  llvm.return %a : bf16
}

// -----

// A declaration is replaced by the definition (calls name the symbol).
// CHECK-LABEL: llvm.func @caller
// CHECK: llvm.call @__truncsfbf2
// CHECK-NOT: llvm.func @__truncsfbf2(f32) -> bf16
// CHECK: llvm.func weak_odr hidden @__truncsfbf2
// CHECK-NOT: llvm.func @__truncsfbf2(f32) -> bf16
llvm.func @__truncsfbf2(f32) -> bf16
llvm.func @caller(%a: f32) -> bf16 {
  %r = llvm.call @__truncsfbf2(%a) : (f32) -> bf16
  llvm.return %r : bf16
}
