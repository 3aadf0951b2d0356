// attn-lower-nvgpu on a warp-specialized kernel (B x H x S x D) whose K/V reads are TMA
// loads (attn.copy = "tma", attn-gpu-layout): the kernel takes a tensor map per K and V
// (box 1 x 1 x 128 x 64: 128 rows of one 128-byte swizzle box), thread 0 of the producer
// issues them, and each full barrier expects one arrival.
// docs/nvgpu.md, "TMA loads".
// RUN: attn-opt %s --attn-gqa-map --attn-tile=target=sm_90a --attn-online-softmax --attn-gpu-layout=tma=auto --attn-lower-nvgpu | FileCheck %s
// The same through the whole NVVM pipeline: the maps become 128-byte grid-constant
// parameters (attn-nvvm-tensor-maps), in PTX .param .align 64 .b8 [128].
// RUN: attn-opt %s --attn-gqa-map --attn-tile=target=sm_90a --attn-online-softmax --attn-gpu-layout=tma=auto --attn-gpu-pipeline --attn-lower-nvgpu | attn-opt --pass-pipeline="builtin.module(gpu.module(lower-affine,convert-scf-to-cf,expand-strided-metadata,lower-affine,canonicalize,cse,convert-math-to-llvm,convert-nvgpu-to-nvvm,convert-gpu-to-nvvm,convert-vector-to-llvm,convert-nvvm-to-llvm,attn-nvvm-tensor-maps,reconcile-unrealized-casts))" | FileCheck %s --check-prefix=NVVM

// Maps of Q, K and V (scanned in that order); six full barriers of one arrival, six empty
// ones of 256 (the consumers), and Q's (one arrival).
// CHECK: gpu.func @f_attn0({{.*}}, %[[QMAP:[a-z0-9]+]]: !llvm.ptr, %[[KMAP:[a-z0-9]+]]: !llvm.ptr, %[[VMAP:[a-z0-9]+]]: !llvm.ptr) workgroup
// CHECK-SAME: attn.tensor_maps = [{arg = 0 : i64, box = array<i64: 1, 1, 128, 64>}, {arg = 1 : i64, box = array<i64: 1, 1, 128, 64>}, {arg = 2 : i64, box = array<i64: 1, 1, 128, 64>}]
// CHECK-COUNT-6: nvvm.mbarrier.init %{{.*}}, %c1_i32
// CHECK-COUNT-6: nvvm.mbarrier.init %{{.*}}, %c256_i32
// CHECK-NEXT: arith.constant 128 : i64
// CHECK-NEXT: %[[QBAR:.*]] = arith.addi
// CHECK-NEXT: %[[QB:.*]] = llvm.inttoptr %[[QBAR]]
// CHECK: nvvm.mbarrier.init %[[QB]], %c1_i32
// The producer: only its thread 0 loads; it waits for the buffer to be free, expects
// 128 x 128 x 2 bytes and loads two 64-column boxes (coordinates innermost first:
// column, row, head, batch).
// CHECK: scf.if %{{.*}} {
// CHECK: %[[T0:.*]] = arith.cmpi eq, %{{.*}}, %c0{{.*}} : index
// CHECK-NEXT: scf.if %[[T0]] {
// CHECK: nvvm.mbarrier.try_wait.parity
// CHECK: nvvm.mbarrier.arrive.expect_tx %[[FULL:.*]], %c32768_i32
// CHECK: %[[DST:.*]] = llvm.addrspacecast %{{.*}} : !llvm.ptr<3> to !llvm.ptr<7>
// CHECK: nvvm.cp.async.bulk.tensor.shared.cluster.global %[[DST]], %[[KMAP]], %[[FULL]], box[%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}] : !llvm.ptr<7>, !llvm.ptr
// CHECK: nvvm.cp.async.bulk.tensor.shared.cluster.global %{{.*}}, %[[KMAP]], %[[FULL]], box[%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}]
// CHECK-NOT: nvvm.cp.async.shared.global
// CHECK: nvvm.cp.async.bulk.tensor.shared.cluster.global %{{.*}}, %[[VMAP]]
// The consumers: thread 0 loads Q (two boxes on Q's barrier), all of them wait for it
// (parity 0), then for each K/V tile's full barrier; no proxy fence (TMA and wgmma are
// both the async proxy) and no cp.async.
// CHECK: arith.cmpi slt, %thread_id_x, %c256 : index
// CHECK-NOT: nvvm.fence.proxy
// CHECK: nvvm.mbarrier.arrive.expect_tx %{{.*}}, %c32768_i32
// CHECK: nvvm.cp.async.bulk.tensor.shared.cluster.global %{{.*}}, %[[QMAP]]
// CHECK: nvvm.cp.async.bulk.tensor.shared.cluster.global %{{.*}}, %[[QMAP]]
// CHECK: nvvm.mbarrier.try_wait.parity
// CHECK-NOT: nvvm.cp.async.shared.global
// CHECK-NOT: nvvm.fence.proxy
// CHECK: nvvm.mbarrier.try_wait.parity
// CHECK-NOT: nvvm.fence.proxy
// CHECK: nvvm.wgmma.fence.aligned
// The launch passes null pointers for the maps (attnrt encodes them).
// RUN: attn-opt %s --attn-gqa-map --attn-tile=target=sm_90a --attn-online-softmax --attn-gpu-layout=tma=auto --attn-lower-nvgpu | FileCheck %s --check-prefix=LAUNCH
// LAUNCH: func.func private @__attn_launch_f_attn0(
// LAUNCH: %[[Z0:.*]] = llvm.mlir.zero : !llvm.ptr
// LAUNCH: %[[Z1:.*]] = llvm.mlir.zero : !llvm.ptr
// LAUNCH: %[[Z2:.*]] = llvm.mlir.zero : !llvm.ptr
// LAUNCH: gpu.launch_func @attn_kernels::@f_attn0 {{.*}} args({{.*}}, %[[Z0]] : !llvm.ptr, %[[Z1]] : !llvm.ptr, %[[Z2]] : !llvm.ptr)

// NVVM: llvm.func @f_attn0({{.*}}, %{{.*}}: !llvm.ptr {llvm.align = 64 : i64, llvm.byval = !llvm.array<128 x i8>, nvvm.grid_constant}, %{{.*}}: !llvm.ptr {llvm.align = 64 : i64, llvm.byval = !llvm.array<128 x i8>, nvvm.grid_constant}, %{{.*}}: !llvm.ptr {llvm.align = 64 : i64, llvm.byval = !llvm.array<128 x i8>, nvvm.grid_constant})
func.func @f(%q: tensor<?x8x?x128xbf16>, %k: tensor<?x2x?x128xbf16>, %v: tensor<?x2x?x128xbf16>)
    -> tensor<?x8x?x128xbf16> {
  %o = attn.mha %q, %k, %v {causal}
      : (tensor<?x8x?x128xbf16>, tensor<?x2x?x128xbf16>, tensor<?x2x?x128xbf16>) -> tensor<?x8x?x128xbf16>
  return %o : tensor<?x8x?x128xbf16>
}
