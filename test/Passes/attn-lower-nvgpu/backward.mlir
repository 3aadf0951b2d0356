// The backward kernels on sm_90a (docs/backward.md), stage by stage.
// attn-gpu-layout: mma.sync for every backward kernel (their shared tiles are
// right operands of both matmul forms), no warp specialization; left operands
// (K, V in dK/dV; Q, dout in dQ) in A fragments, right operands (Q, dout in
// dK/dV; K, V in dQ) in padded shared tiles.
// RUN: attn-opt %s --attn-gqa-map --attn-tile=target=sm_90a --attn-flash-backward --attn-online-softmax --attn-gpu-layout | FileCheck %s --check-prefix=LAYOUT
// attn-lower-nvgpu without attn-gpu-pipeline (loops not marked "prefetch"): the
// two right-operand tiles of a loop body take the two shared buffers in read
// order (Q at 0, dout after it), each copied, waited for and published by a
// barrier before use; lse and delta of the tile's queries are loaded per
// column, as each lane's accumulator columns need them.
// RUN: attn-opt %s --attn-gqa-map --attn-tile=target=sm_90a --attn-flash-backward --attn-online-softmax --attn-gpu-layout --attn-lower-nvgpu | FileCheck %s --check-prefix=LOWER
// With attn-gpu-pipeline's attn.pipeline = "prefetch" on the loops (num_stages 2, the
// table's default below D = 256): each tile has a two-buffer ring. Before each loop: a
// barrier, then Q and dout of its first iteration into buffer 0; at the top of iteration
// iv: wait, one barrier, then Q and dout of iv + 16 (if < ub) into buffer
// ((iv + 16 - lb) / 16) % 2 (640 elements further: 16 rows of 40), and no other barrier
// in the body; the ldmatrix reads add the ring offset of iv (in bytes, 32-bit) to their
// lane addresses. The shared buffer holds four 16 x 40 tiles.
// RUN: attn-opt %s --attn-gqa-map --attn-tile=target=sm_90a --attn-flash-backward --attn-online-softmax --attn-gpu-layout --attn-gpu-pipeline --attn-lower-nvgpu | FileCheck %s --check-prefix=PREFETCH
// A loop marked "prefetch" in a kernel other than the backward's: located.
// RUN: attn-opt %s --attn-gqa-map --attn-tile=target=sm_90a --attn-flash-backward --attn-online-softmax --attn-gpu-layout --attn-gpu-pipeline | sed 's/kind = "bwd_dq"/kind = "mha"/' | not attn-opt --attn-lower-nvgpu 2>&1 | FileCheck %s --check-prefix=NOTBWD
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

// PREFETCH-LABEL: gpu.func @f_attn_bwd0_dkdv(
// PREFETCH-SAME: workgroup(%[[SMEM:.*]] : memref<2560xbf16, #gpu.address_space<workgroup>>)
// PREFETCH: gpu.barrier
// PREFETCH-NEXT: %[[FIRST:.*]] = arith.cmpi slt, %[[LB:[a-z0-9_]+]], %[[UB:[a-z0-9_]+]] : index
// PREFETCH-NEXT: scf.if %[[FIRST]] {
// PREFETCH: nvgpu.device_async_copy %arg0[{{.*}}], %[[SMEM]][{{.*}}], 8
// PREFETCH: nvvm.cp.async.commit.group
// PREFETCH: arith.constant 1280 : index
// PREFETCH: nvgpu.device_async_copy %arg3[{{.*}}], %[[SMEM]][{{.*}}], 8
// PREFETCH: nvvm.cp.async.commit.group
// PREFETCH: scf.for %[[IV:[a-z0-9_]+]] = %[[LB]] to %[[UB]] step %[[STEP:[a-z0-9_]+]] iter_args
// PREFETCH: %[[I:.*]] = arith.index_cast %{{.*}} : i64 to index
// PREFETCH: %[[REL:.*]] = arith.subi %[[I]], %[[LB]] : index
// PREFETCH: %[[N:.*]] = arith.divui %[[REL]], %{{.*}} : index
// PREFETCH: %[[PAR:.*]] = arith.remui %[[N]], %{{.*}} : index
// PREFETCH: %[[SLOT:.*]] = arith.muli %[[PAR]], %{{.*}} : index
// PREFETCH: %[[NEXT:.*]] = arith.addi %[[I]], %[[STEP]] : index
// PREFETCH-NEXT: nvvm.cp.async.wait.group 0
// PREFETCH-NEXT: gpu.barrier
// PREFETCH-NEXT: %[[MORE:.*]] = arith.cmpi slt, %[[NEXT]], %[[UB]] : index
// PREFETCH-NEXT: scf.if %[[MORE]] {
// PREFETCH: arith.subi %[[NEXT]], %[[LB]] : index
// PREFETCH: nvgpu.device_async_copy %arg0[{{.*}}], %[[SMEM]][{{.*}}], 8
// PREFETCH: nvgpu.device_async_copy %arg3[{{.*}}], %[[SMEM]][{{.*}}], 8
// PREFETCH: nvvm.cp.async.commit.group
// PREFETCH-NOT: gpu.barrier
// PREFETCH: %[[SLOT32:.*]] = arith.index_cast %[[SLOT]] : index to i32
// PREFETCH: %[[SLOTB:.*]] = arith.shli %[[SLOT32]], %{{.*}} : i32
// PREFETCH-NEXT: %[[AT:.*]] = arith.addi %{{.*}}, %[[SLOTB]] : i32
// PREFETCH-NOT: gpu.barrier
// PREFETCH: llvm.inline_asm has_side_effects "ldmatrix.sync.aligned.m8n8.x4.shared.b16 {$0, $1, $2, $3}, [$4+0];", "=r,=r,=r,=r,r" %[[AT]]
// PREFETCH-NOT: gpu.barrier
// PREFETCH: nvvm.mma.sync
// PREFETCH-NOT: gpu.barrier
// PREFETCH: "ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16 {$0, $1, $2, $3}, [$4+2560];"
// PREFETCH-NOT: gpu.barrier
// PREFETCH: scf.yield {{.*}} : vector<2xf32>, vector<2xf32>
// PREFETCH-NEXT: }
// The next loop starts with its barrier and first tiles:
// PREFETCH-NEXT: arith.constant
// PREFETCH-NEXT: gpu.barrier
// PREFETCH-NEXT: arith.cmpi slt
// PREFETCH-NEXT: scf.if
// PREFETCH-LABEL: gpu.func @f_attn_bwd0_dq(
// PREFETCH: nvgpu.device_async_copy %arg1[
// PREFETCH: nvgpu.device_async_copy %arg2[
// PREFETCH: scf.for
// PREFETCH: nvvm.cp.async.wait.group 0
// PREFETCH-NEXT: gpu.barrier
// PREFETCH: nvgpu.device_async_copy %arg1[
// PREFETCH: nvgpu.device_async_copy %arg2[
// PREFETCH-NOT: gpu.barrier
// PREFETCH: scf.yield {{.*}} : vector<2xf32>, vector<2xf32>

// NOTBWD: error: attn-lower-nvgpu: 'scf.for' is marked attn.pipeline = "prefetch", which only the loops of the backward's mma.sync kernels take

// WGMMA: error: attn-gpu-layout: 'func.func' cannot use wgmma (mma=wgmma): it is a backward kernel (mma.sync only for now: docs/backward.md)
func.func @f(%q: tensor<?x2x?x32xbf16>, %k: tensor<?x2x?x32xbf16>, %v: tensor<?x2x?x32xbf16>, %o: tensor<?x2x?x32xbf16>, %do: tensor<?x2x?x32xbf16>, %lse: tensor<?x2x?xf32>) -> (tensor<?x2x?x32xbf16>, tensor<?x2x?x32xbf16>, tensor<?x2x?x32xbf16>) {
  %dq, %dk, %dv = attn.mha_bwd %q, %k, %v, %o, %do, %lse : (tensor<?x2x?x32xbf16>, tensor<?x2x?x32xbf16>, tensor<?x2x?x32xbf16>, tensor<?x2x?x32xbf16>, tensor<?x2x?x32xbf16>, tensor<?x2x?xf32>) -> (tensor<?x2x?x32xbf16>, tensor<?x2x?x32xbf16>, tensor<?x2x?x32xbf16>)
  return %dq, %dk, %dv : tensor<?x2x?x32xbf16>, tensor<?x2x?x32xbf16>, tensor<?x2x?x32xbf16>
}
