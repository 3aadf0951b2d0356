// attn-lower-nvgpu follows attn-gpu-layout's placement of each left operand
// (docs/backward.md, "On sm_90a"): at D = 128 the dK/dV kernel's K and V reads are
// "smem.pad8". Each staged left operand takes its own place after the two
// right-operand buffers (Q, dout: 2 x 16 x 136 elements), K at element 4352, V at
// 13056 (64 x 136 later; 21760 elements, 43520 bytes in all), copied once per program,
// waited for and published by a barrier; S^T = K Q^T and dP^T = V dout^T read their A
// fragments with ldmatrix.x4 at each use. In backward kernels ldmatrix is PTX with the
// byte offset in the instruction ([base + offset]: one 32-bit base per lane address,
// not a 64-bit address per fragment held through the loops), and each loop's index
// reaches its body through a mov.b64 LLVM does not look through (its loop strength
// reduction had made every tile address a pointer carried through the loops: 80
// registers of the D = 128 dK/dV kernel).
// 16-query tiles (block-n=16; the table gives this op without score modifiers 32:
// test/Passes/attn-tile/score-mods.mlir).
// RUN: attn-opt %s --attn-gqa-map "--attn-tile=target=sm_90a block-n=16" --attn-flash-backward --attn-online-softmax --attn-gpu-layout --attn-lower-nvgpu | FileCheck %s
// A left operand's placement the lowering does not know is a located error.
// RUN: attn-opt %s --attn-gqa-map "--attn-tile=target=sm_90a block-n=16" --attn-flash-backward --attn-online-softmax --attn-gpu-layout | sed '0,/attn.layout = "smem.pad8"/s//attn.layout = "regs.swizzled"/' | not attn-opt --attn-lower-nvgpu 2>&1 | FileCheck %s --check-prefix=LAYOUT
// Staged left operands count against sm_90a's 227 KiB of shared memory: 256 keys of
// K and V at D = 256 (2 x 256 x 264 elements) do not fit, a located error.
// RUN: sed 's/x128xbf16/x256xbf16/g' %s | not attn-opt --attn-gqa-map "--attn-tile=target=sm_90a block-m=256 num-warps=16" --attn-flash-backward --attn-online-softmax --attn-gpu-layout --attn-lower-nvgpu 2>&1 | FileCheck %s --check-prefix=SMEM

// CHECK-LABEL: gpu.func @f_attn_bwd0_dkdv(
// CHECK-SAME: workgroup(%[[BUF:.*]] : memref<21760xbf16, #gpu.address_space<workgroup>>)
// K: into element 4352 on, then wait and barrier.
// CHECK: arith.constant 4352 : index
// CHECK: nvgpu.device_async_copy %arg1[{{.*}}], %[[BUF]][{{.*}}], 8
// CHECK: nvvm.cp.async.wait.group 0
// CHECK-NEXT: gpu.barrier
// V: into element 13056 on.
// CHECK: arith.constant 13056 : index
// CHECK: nvgpu.device_async_copy %arg2[{{.*}}], %[[BUF]][{{.*}}], 8
// CHECK: nvvm.cp.async.wait.group 0
// CHECK-NEXT: gpu.barrier
// The GQA head loop and the query-tile loop see their index through a mov.
// CHECK: scf.for
// CHECK-NEXT: arith.index_cast
// CHECK-NEXT: llvm.inline_asm "mov.b64 $0, $1;", "=l,l"
// CHECK: scf.for
// CHECK-NEXT: arith.index_cast
// CHECK-NEXT: llvm.inline_asm "mov.b64 $0, $1;", "=l,l"
// S^T = K Q^T: K's A fragments at byte 8704 (element 4352) on, Q's B fragments from
// buffer 0.
// CHECK: llvm.inline_asm has_side_effects "ldmatrix.sync.aligned.m8n8.x4.shared.b16 {$0, $1, $2, $3}, [$4+8704];"
// CHECK: llvm.inline_asm has_side_effects "ldmatrix.sync.aligned.m8n8.x4.shared.b16 {$0, $1, $2, $3}, [$4+0];"
// CHECK: nvvm.mma.sync
// dV += P^T dout: dout's B fragments (ldmatrix.trans) from buffer 1 (byte 4352).
// CHECK: ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16 {$0, $1, $2, $3}, [$4+4352];
// dP^T = V dout^T: V's A fragments at byte 26112 (element 13056) on.
// CHECK: ldmatrix.sync.aligned.m8n8.x4.shared.b16 {$0, $1, $2, $3}, [$4+26112];
// CHECK-NOT: nvgpu.ldmatrix
// CHECK-LABEL: gpu.func @f_attn_bwd0_dq(
// dQ keeps Q and dout in registers (32-bit loads into A fragments, no staging).
// CHECK-SAME: workgroup(%{{.*}} : memref<4352xbf16, #gpu.address_space<workgroup>>)

// LAYOUT: error: attn-lower-nvgpu: 'vector.transfer_read' has an attn.layout other than "regs.mma_a" (A fragments in registers) or "smem.pad8" (shared memory, ldmatrix) for an mma.sync left operand
// SMEM: <stdin>:[[@LINE+2]]:{{[0-9]+}}: error: attn-lower-nvgpu: 'vector.transfer_read' needs {{[0-9]+}} bytes of shared memory for its tiles; sm_90a has 227 KiB per CTA (use a smaller block_n)
func.func @f(%q: tensor<?x4x?x128xbf16>, %k: tensor<?x2x?x128xbf16>, %v: tensor<?x2x?x128xbf16>, %o: tensor<?x4x?x128xbf16>, %do: tensor<?x4x?x128xbf16>, %lse: tensor<?x4x?xf32>) -> (tensor<?x4x?x128xbf16>, tensor<?x2x?x128xbf16>, tensor<?x2x?x128xbf16>) {
  %dq, %dk, %dv = attn.mha_bwd %q, %k, %v, %o, %do, %lse {causal} : (tensor<?x4x?x128xbf16>, tensor<?x2x?x128xbf16>, tensor<?x2x?x128xbf16>, tensor<?x4x?x128xbf16>, tensor<?x4x?x128xbf16>, tensor<?x4x?xf32>) -> (tensor<?x4x?x128xbf16>, tensor<?x2x?x128xbf16>, tensor<?x2x?x128xbf16>)
  return %dq, %dk, %dv : tensor<?x4x?x128xbf16>, tensor<?x2x?x128xbf16>, tensor<?x2x?x128xbf16>
}
