// The backward kernels on sm_90a (docs/backward.md), stage by stage.
// attn-gpu-layout: mma.sync for every backward kernel (their shared tiles are
// right operands of both matmul forms), no warp specialization; left operands
// (K, V in dK/dV; Q, dout in dQ) in A fragments, right operands (Q, dout in
// dK/dV; K, V in dQ) in padded shared tiles.
// RUN: attn-opt %s --attn-gqa-map --attn-tile=target=sm_90a --attn-flash-backward --attn-online-softmax --attn-gpu-layout | FileCheck %s --check-prefix=LAYOUT
// attn-lower-nvgpu: the two right-operand tiles of a loop body take the two
// shared buffers in read order (Q at 0, dout after it), each copied, waited for
// and published by a barrier before use (no prefetch: Q is read again by
// dK += ds^T Q after dout); lse and delta of the tile's queries are loaded per
// column, as each lane's accumulator columns need them.
// RUN: attn-opt %s --attn-gqa-map --attn-tile=target=sm_90a --attn-flash-backward --attn-online-softmax --attn-gpu-layout --attn-lower-nvgpu | FileCheck %s --check-prefix=LOWER
// Refused with wgmma, located:
// RUN: not attn-opt %s --attn-gqa-map --attn-tile=target=sm_90a --attn-flash-backward --attn-online-softmax --attn-gpu-layout=mma=wgmma 2>&1 | FileCheck %s --check-prefix=WGMMA

// LAYOUT-LABEL: func.func @f_attn_bwd0_delta(
// LAYOUT-SAME: attn.mma = "none"
// LAYOUT-LABEL: func.func @f_attn_bwd0_dkdv(
// LAYOUT-SAME: kind = "bwd_dkdv"
// LAYOUT-SAME: attn.mma = "mma_sync"
// LAYOUT-NOT: attn.schedule
// LAYOUT: vector.transfer_read %arg1{{.*}}attn.layout = "regs.mma_a"{{.*}} vector<64x32xbf16>
// LAYOUT: vector.transfer_read %arg2{{.*}}attn.layout = "regs.mma_a"{{.*}} vector<64x32xbf16>
// LAYOUT: vector.transfer_read %arg0{{.*}}attn.layout = "smem.pad8"{{.*}} vector<16x32xbf16>
// LAYOUT: vector.transfer_read %arg3{{.*}}attn.layout = "smem.pad8"{{.*}} vector<16x32xbf16>
// LAYOUT: vector.contract {{.*}}attn.layout = "mma_sync.m16n8k16.rs"
// LAYOUT-LABEL: func.func @f_attn_bwd0_dq(
// LAYOUT-SAME: attn.mma = "mma_sync"

// LOWER-LABEL: gpu.func @f_attn_bwd0_dkdv(
// LOWER: gpu.barrier
// LOWER: nvgpu.device_async_copy %arg0[{{.*}}], %arg8[{{.*}}], 8
// LOWER: nvvm.cp.async.wait.group 0
// LOWER-NEXT: gpu.barrier
// LOWER: gpu.barrier
// LOWER: arith.constant 640 : index
// LOWER: nvgpu.device_async_copy %arg3[{{.*}}], %arg8[{{.*}}], 8
// LOWER: nvvm.cp.async.wait.group 0
// LOWER-NEXT: gpu.barrier
// LOWER: nvvm.mma.sync
// LOWER: memref.load %arg4[{{.*}}] : memref<?x?x?xf32
// LOWER: nvvm.mma.sync
// LOWER: memref.load %arg5[{{.*}}] : memref<?x?x?xf32
// LOWER-LABEL: gpu.func @f_attn_bwd0_dq(

// WGMMA: error: attn-gpu-layout: 'func.func' cannot use wgmma (mma=wgmma): it is a backward kernel (mma.sync only for now: docs/backward.md)
func.func @f(%q: tensor<?x2x?x32xbf16>, %k: tensor<?x2x?x32xbf16>, %v: tensor<?x2x?x32xbf16>, %o: tensor<?x2x?x32xbf16>, %do: tensor<?x2x?x32xbf16>, %lse: tensor<?x2x?xf32>) -> (tensor<?x2x?x32xbf16>, tensor<?x2x?x32xbf16>, tensor<?x2x?x32xbf16>) {
  %dq, %dk, %dv = attn.mha_bwd %q, %k, %v, %o, %do, %lse : (tensor<?x2x?x32xbf16>, tensor<?x2x?x32xbf16>, tensor<?x2x?x32xbf16>, tensor<?x2x?x32xbf16>, tensor<?x2x?x32xbf16>, tensor<?x2x?xf32>) -> (tensor<?x2x?x32xbf16>, tensor<?x2x?x32xbf16>, tensor<?x2x?x32xbf16>)
  return %dq, %dk, %dv : tensor<?x2x?x32xbf16>, tensor<?x2x?x32xbf16>, tensor<?x2x?x32xbf16>
}
