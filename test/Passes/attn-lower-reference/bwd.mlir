// attn-lower-reference on attn.mha_bwd: per (batch, head, row) the forward's
// logits and exponentials, then p and dp (with delta), ds with dk / dv
// accumulated in f32 buffers, dq; finally dk and dv converted to their type.
// RUN: attn-opt %s --attn-lower-reference | FileCheck %s
// RUN: attn-opt %s --attn-to-cpu-reference | FileCheck %s --check-prefix=LLVM
// LLVM: llvm.func @f(

// CHECK-LABEL: func.func @f(
// CHECK: %[[DQ:.*]] = memref.alloc({{.*}}) : memref<1x4x?x32xbf16>
// CHECK: %[[DK:.*]] = memref.alloc({{.*}}) : memref<1x2x?x32xbf16>
// CHECK: %[[DV:.*]] = memref.alloc({{.*}}) : memref<1x2x?x16xbf16>
// CHECK: %[[DKACC:.*]] = memref.alloc({{.*}}) : memref<1x2x?x32xf32>
// CHECK: %[[DVACC:.*]] = memref.alloc({{.*}}) : memref<1x2x?x16xf32>
// The rows: logits (softcap's tanh), exponentials, then the gradient passes.
// CHECK: scf.for
// CHECK: scf.for
// CHECK: scf.for
// CHECK: math.tanh
// CHECK: math.exp
// dk_j += ds q_i and dv_j += p dout_i into the accumulators.
// CHECK: memref.load %[[DKACC]]
// CHECK: memref.store {{.*}}, %[[DKACC]]
// CHECK: memref.load %[[DVACC]]
// CHECK: memref.store {{.*}}, %[[DVACC]]
// dq in its element type.
// CHECK: arith.truncf {{.*}} : f32 to bf16
// CHECK: memref.store {{.*}}, %[[DQ]]
// The accumulators converted into dk and dv.
// CHECK: memref.load %[[DKACC]]
// CHECK: memref.store {{.*}}, %[[DK]]
// CHECK: memref.load %[[DVACC]]
// CHECK: memref.store {{.*}}, %[[DV]]
// CHECK-NOT: attn.mha_bwd
func.func @f(%q: tensor<1x4x?x32xbf16>, %k: tensor<1x2x?x32xbf16>, %v: tensor<1x2x?x16xbf16>, %o: tensor<1x4x?x16xbf16>, %do: tensor<1x4x?x16xbf16>, %lse: tensor<1x4x?xf32>) -> (tensor<1x4x?x32xbf16>, tensor<1x2x?x32xbf16>, tensor<1x2x?x16xbf16>) {
  %dq, %dk, %dv = attn.mha_bwd %q, %k, %v, %o, %do, %lse {causal, softcap = 20.0 : f32} : (tensor<1x4x?x32xbf16>, tensor<1x2x?x32xbf16>, tensor<1x2x?x16xbf16>, tensor<1x4x?x16xbf16>, tensor<1x4x?x16xbf16>, tensor<1x4x?xf32>) -> (tensor<1x4x?x32xbf16>, tensor<1x2x?x32xbf16>, tensor<1x2x?x16xbf16>)
  return %dq, %dk, %dv : tensor<1x4x?x32xbf16>, tensor<1x2x?x32xbf16>, tensor<1x2x?x16xbf16>
}
