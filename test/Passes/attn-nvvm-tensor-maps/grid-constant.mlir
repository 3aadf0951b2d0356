// attn-nvvm-tensor-maps: the trailing tensor-map parameters of a kernel with
// attn.tensor_maps become 128-byte by-value grid constants; other parameters keep their
// attributes, functions without attn.tensor_maps are left alone.
// RUN: attn-opt %s --split-input-file --pass-pipeline="builtin.module(gpu.module(attn-nvvm-tensor-maps))" -verify-diagnostics | FileCheck %s

// CHECK-LABEL: llvm.func @k(
// CHECK-SAME: %arg0: !llvm.ptr<1> {llvm.noalias},
// CHECK-SAME: %arg1: i64,
// CHECK-SAME: %arg2: !llvm.ptr {llvm.align = 64 : i64, llvm.byval = !llvm.array<128 x i8>, nvvm.grid_constant},
// CHECK-SAME: %arg3: !llvm.ptr {llvm.align = 64 : i64, llvm.byval = !llvm.array<128 x i8>, nvvm.grid_constant})
// CHECK-LABEL: llvm.func @plain(
// CHECK-SAME: %arg0: !llvm.ptr)
gpu.module @m {
  llvm.func @k(%a: !llvm.ptr<1> {llvm.noalias}, %n: i64, %t0: !llvm.ptr, %t1: !llvm.ptr)
      attributes {nvvm.kernel, attn.tensor_maps = [{arg = 0 : i64, box = array<i64: 128, 64>}, {arg = 0 : i64, box = array<i64: 64, 64>}]} {
    llvm.return
  }
  llvm.func @plain(%p: !llvm.ptr) attributes {nvvm.kernel} {
    llvm.return
  }
}

// -----

gpu.module @m {
  // expected-error @+1 {{attn-nvvm-tensor-maps: 'llvm.func' has an attn.tensor_maps that does not match its trailing !llvm.ptr parameters}}
  llvm.func @k(%t0: !llvm.ptr) attributes {nvvm.kernel, attn.tensor_maps = [{arg = 0 : i64, box = array<i64: 1>}, {arg = 0 : i64, box = array<i64: 1>}]} {
    llvm.return
  }
}
