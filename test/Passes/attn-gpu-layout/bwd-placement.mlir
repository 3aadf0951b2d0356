// Left-operand placement of the backward kernels on sm_90a (mma.sync, 16 rows per
// warp): attn-gpu-layout estimates the registers a thread holds (A fragments of each
// left operand kept in registers, D / 4; per loop body its accumulators, products,
// column vectors and matmuls) and stages the widest left operands in shared memory
// ("smem.pad8", read with ldmatrix at each use; the matmul becomes ".ss") until the
// estimate fits (docs/backward.md, "On sm_90a").
// D = 64: everything stays in registers (K, V in dK/dV; Q, dout in dQ).
// RUN: sed 's/x128xbf16/x64xbf16/g' %s | attn-opt --attn-gqa-map --attn-tile=target=sm_90a --attn-flash-backward --attn-online-softmax --attn-gpu-layout | FileCheck %s --check-prefix=D64
// D = 128: dK/dV stages K and V; dQ keeps Q and dout in registers, with 16-query tiles
// (block-n=16) and with the table's 32 for this op without score modifiers.
// RUN: attn-opt %s --attn-gqa-map "--attn-tile=target=sm_90a block-n=16" --attn-flash-backward --attn-online-softmax --attn-gpu-layout | FileCheck %s --check-prefix=D128
// RUN: attn-opt %s --attn-gqa-map --attn-tile=target=sm_90a --attn-flash-backward --attn-online-softmax --attn-gpu-layout | FileCheck %s --check-prefix=D128-32
// D = 256: 8 warps (config), the dK / dV / dQ columns split between two warps
// (attn.warp_cols = 2); dK/dV stages K and V, dQ stages Q (dout stays).
// RUN: sed 's/x128xbf16/x256xbf16/g' %s | attn-opt --attn-gqa-map --attn-tile=target=sm_90a --attn-flash-backward --attn-online-softmax --attn-gpu-layout | FileCheck %s --check-prefix=D256
// The decision is the analysis's, not a rule for backward kernels: 48-query tiles at
// D = 64 (larger S^T, dP^T per body) tip the dK/dV estimate over, staging K only.
// RUN: sed 's/x128xbf16/x64xbf16/g' %s | attn-opt --attn-gqa-map "--attn-tile=target=sm_90a block-n=48" --attn-flash-backward --attn-online-softmax --attn-gpu-layout | FileCheck %s --check-prefix=BN48

// D64-LABEL: func.func @f_attn_bwd0_dkdv(
// D64: vector.transfer_read %arg1{{.*}}attn.layout = "regs.mma_a"{{.*}} vector<64x64xbf16>
// D64: vector.transfer_read %arg2{{.*}}attn.layout = "regs.mma_a"{{.*}} vector<64x64xbf16>
// D64-NOT: mma_sync.m16n8k16.ss
// D64-LABEL: func.func @f_attn_bwd0_dq(
// D64: vector.transfer_read %arg0{{.*}}attn.layout = "regs.mma_a"
// D64: vector.transfer_read %arg3{{.*}}attn.layout = "regs.mma_a"
// D64-NOT: mma_sync.m16n8k16.ss
// D64-LABEL: func.func @f(

// D128-LABEL: func.func @f_attn_bwd0_dkdv(
// D128-SAME: block_n = 16
// D128-SAME: num_warps = 4
// D128-NOT: attn.warp_cols
// D128: vector.transfer_read %arg1{{.*}}attn.layout = "smem.pad8"{{.*}} vector<64x128xbf16>
// D128: vector.transfer_read %arg2{{.*}}attn.layout = "smem.pad8"{{.*}} vector<64x128xbf16>
// D128: scf.for
// D128: vector.transfer_read %arg0{{.*}}attn.layout = "smem.pad8"{{.*}} vector<16x128xbf16>
// D128: vector.transfer_read %arg3{{.*}}attn.layout = "smem.pad8"{{.*}} vector<16x128xbf16>
// S^T = K Q^T and dP^T = V dout^T read both operands from shared memory; dV += P^T dout
// and dK += dS^T Q take P^T, dS^T from registers.
// D128: vector.contract {{.*}} %5, %{{.*}} {attn.layout = "mma_sync.m16n8k16.ss"}
// D128: vector.contract {{.*}} {attn.layout = "mma_sync.m16n8k16.rs"}
// D128: vector.contract {{.*}} %7, %{{.*}} {attn.layout = "mma_sync.m16n8k16.ss"}
// D128: vector.contract {{.*}} {attn.layout = "mma_sync.m16n8k16.rs"}
// D128-LABEL: func.func @f_attn_bwd0_dq(
// D128: vector.transfer_read %arg0{{.*}}attn.layout = "regs.mma_a"{{.*}} vector<64x128xbf16>
// D128: vector.transfer_read %arg3{{.*}}attn.layout = "regs.mma_a"{{.*}} vector<64x128xbf16>
// D128-NOT: mma_sync.m16n8k16.ss
// D128-LABEL: func.func @f(

// D128-32-LABEL: func.func @f_attn_bwd0_dkdv(
// D128-32-SAME: block_n = 32
// D128-32: vector.transfer_read %arg1{{.*}}attn.layout = "smem.pad8"{{.*}} vector<64x128xbf16>
// D128-32: vector.transfer_read %arg2{{.*}}attn.layout = "smem.pad8"{{.*}} vector<64x128xbf16>
// D128-32: vector.transfer_read %arg0{{.*}}attn.layout = "smem.pad8"{{.*}} vector<32x128xbf16>
// D128-32-LABEL: func.func @f_attn_bwd0_dq(
// D128-32: vector.transfer_read %arg0{{.*}}attn.layout = "regs.mma_a"{{.*}} vector<64x128xbf16>
// D128-32: vector.transfer_read %arg3{{.*}}attn.layout = "regs.mma_a"{{.*}} vector<64x128xbf16>

// D256-LABEL: func.func @f_attn_bwd0_dkdv(
// D256-SAME: num_warps = 8
// D256-SAME: attn.warp_cols = 2
// D256: vector.transfer_read %arg1{{.*}}attn.layout = "smem.pad8"{{.*}} vector<64x256xbf16>
// D256: vector.transfer_read %arg2{{.*}}attn.layout = "smem.pad8"{{.*}} vector<64x256xbf16>
// D256: vector.contract {{.*}} {attn.cols_per_warp = 128 : i64, attn.layout = "mma_sync.m16n8k16.rs"}
// D256-LABEL: func.func @f_attn_bwd0_dq(
// D256-SAME: attn.warp_cols = 2
// D256: vector.transfer_read %arg0{{.*}}attn.layout = "smem.pad8"{{.*}} vector<64x256xbf16>
// D256: vector.transfer_read %arg3{{.*}}attn.layout = "regs.mma_a"{{.*}} vector<64x256xbf16>
// D256: vector.contract {{.*}} %6, %{{.*}} {attn.layout = "mma_sync.m16n8k16.ss"}
// D256: vector.contract {{.*}} %8, %{{.*}} {attn.layout = "mma_sync.m16n8k16.rs"}

// BN48-LABEL: func.func @f_attn_bwd0_dkdv(
// BN48: vector.transfer_read %arg1{{.*}}attn.layout = "smem.pad8"{{.*}} vector<64x64xbf16>
// BN48: vector.transfer_read %arg2{{.*}}attn.layout = "regs.mma_a"{{.*}} vector<64x64xbf16>
func.func @f(%q: tensor<?x4x?x128xbf16>, %k: tensor<?x2x?x128xbf16>, %v: tensor<?x2x?x128xbf16>, %o: tensor<?x4x?x128xbf16>, %do: tensor<?x4x?x128xbf16>, %lse: tensor<?x4x?xf32>) -> (tensor<?x4x?x128xbf16>, tensor<?x2x?x128xbf16>, tensor<?x2x?x128xbf16>) {
  %dq, %dk, %dv = attn.mha_bwd %q, %k, %v, %o, %do, %lse {causal} : (tensor<?x4x?x128xbf16>, tensor<?x2x?x128xbf16>, tensor<?x2x?x128xbf16>, tensor<?x4x?x128xbf16>, tensor<?x4x?x128xbf16>, tensor<?x4x?xf32>) -> (tensor<?x4x?x128xbf16>, tensor<?x2x?x128xbf16>, tensor<?x2x?x128xbf16>)
  return %dq, %dk, %dv : tensor<?x4x?x128xbf16>, tensor<?x2x?x128xbf16>, tensor<?x2x?x128xbf16>
}
