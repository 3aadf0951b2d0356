// attn-lower-nvgpu, warpgroup path (attn.mma = "wgmma", chosen by
// attn-gpu-layout for the default sm_90a tiling of D = 128): one CTA of two
// warpgroups (8 warps, 64 query rows each), Q/K/V staged with cp.async into
// 128-byte-swizzled shared memory (1024-byte aligned), QK^T as wgmma with
// both operands in shared memory (own descriptors), PV as wgmma with P from
// registers (inline PTX), fence.proxy.async between the copies and the
// tensor cores' reads. docs/nvgpu.md. FA2's schedule without warp specialization
// (ws=false; wgmma-ws.mlir has the warp-specialized form).
// RUN: attn-opt %s --attn-gqa-map --attn-tile=target=sm_90a --attn-online-softmax --attn-gpu-layout=ws=false --attn-lower-nvgpu | FileCheck %s
// D = 64: one warpgroup of 64 rows per CTA, one swizzle box per row, 4 k-steps of QK^T, PV's N = 64.
// RUN: sed 's/x128xf16/x64xf16/g' %s | attn-opt --attn-gqa-map --attn-tile=target=sm_90a --attn-online-softmax --attn-gpu-layout=ws=false --attn-lower-nvgpu | FileCheck %s --check-prefix=D64
// bf16 operands.
// RUN: sed 's/f16/bf16/g' %s | attn-opt --attn-gqa-map --attn-tile=target=sm_90a --attn-online-softmax --attn-gpu-layout=ws=false --attn-lower-nvgpu | FileCheck %s --check-prefix=BF16

// f32 arithmetic may contract into FMAs (no `mul.rn`/`sub.rn` in the PTX).
// RUN: attn-opt %s --attn-gqa-map --attn-tile=target=sm_90a --attn-online-softmax --attn-gpu-layout=ws=false --attn-lower-nvgpu | FileCheck %s --check-prefix=FMA
// FMA: gpu.module @attn_kernels
// FMA-NOT: {{arith\.(mulf|addf|subf) %[^ ]+, %[^ ]+ :}}
// FMA: arith.mulf {{.*}} fastmath<contract>
// FMA-NOT: {{arith\.(mulf|addf|subf) %[^ ]+, %[^ ]+ :}}
// FMA: gpu.return

// CHECK: gpu.launch_func  @attn_kernels::@f_attn0
// Q 128 x 128, K and V 128 x 128: 49152 elements, aligned for the swizzle atoms.
// CHECK: gpu.func @f_attn0({{.*}} workgroup(%[[SMEM:[a-z0-9]+]] : memref<49152xf16, #gpu.address_space<workgroup>> {llvm.align = 1024 : i64}) kernel attributes {{{.*}}known_block_size = array<i32: 256, 1, 1>
// CHECK: memref.extract_aligned_pointer_as_index %[[SMEM]]
// Q: 2048 chunks of 16 bytes, 8 per thread, each to chunk (j xor row % 8) of its row.
// CHECK-COUNT-8: arith.xori
// CHECK: nvvm.cp.async.commit.group
// CHECK-NEXT: nvvm.cp.async.wait.group 0
// CHECK-NEXT: nvvm.fence.proxy {kind = #nvvm.proxy_kind<async.shared>, space = #nvvm.shared_space<cta>}
// CHECK-NEXT: gpu.barrier
// CHECK: scf.for
// K[n0] landed: wait, fence, barrier; V[n0] goes out.
// CHECK: nvvm.cp.async.wait.group 0
// CHECK-NEXT: nvvm.fence.proxy
// CHECK-NEXT: gpu.barrier
// CHECK: nvvm.cp.async.commit.group
// Descriptors: 128-byte swizzle (1 << 62), SBO 1024 bytes (64 << 32), LBO 16 (K-major).
// CHECK: arith.constant 4611686293305360384 : i64
// S = Q K^T: 8 k-steps of m64n128k16, both operands K-major from shared memory;
// the first does not read the (zero) accumulator. Waited for at its first use.
// CHECK: nvvm.wgmma.fence.aligned
// CHECK-NEXT: nvvm.wgmma.mma_async {{.*}}, <m = 64, n = 128, k = 16>, D[<f32>, <zero>], A[<f16>, <one>, <row>], B[<f16>, <one>, <col>]
// CHECK-COUNT-7: nvvm.wgmma.mma_async {{.*}}, <m = 64, n = 128, k = 16>, D[<f32>, <one>], A[<f16>, <one>, <row>], B[<f16>, <one>, <col>]
// CHECK-NEXT: nvvm.wgmma.commit.group.sync.aligned
// The mask's index arithmetic runs while the wgmma does; S's first use waits.
// CHECK-NOT: llvm.extractvalue
// CHECK: nvvm.wgmma.wait.group.sync.aligned 0
// CHECK-NEXT: llvm.extractvalue
// Row max over the quad, as with mma.sync (the accumulator layouts agree).
// CHECK: gpu.shuffle  xor %{{.*}}, %c1_i32, %c32_i32
// CHECK: gpu.shuffle  xor %{{.*}}, %c2_i32, %c32_i32
// V is MN-major: LBO = one box of 128 rows x 128 bytes (1024 << 16).
// CHECK: arith.constant 4611686293372403712 : i64
// O += P V: 8 key chunks, P's registers as A (4 x b32), V from shared memory, transposed B.
// CHECK: nvvm.wgmma.fence.aligned
// CHECK-COUNT-8: llvm.inline_asm has_side_effects "{\0A.reg .pred p;\0Asetp.ne.b32 p, 1, 0;\0Awgmma.mma_async.sync.aligned.m64n128k16.f32.f16.f16 {{.*}}, p, 1, 1, 1;\0A}", "=f,{{.*}},r,r,r,r,l,0,1,2,
// CHECK-NEXT: nvvm.wgmma.commit.group.sync.aligned
// CHECK-NEXT: nvvm.wgmma.wait.group.sync.aligned 0
// CHECK: scf.yield

// D64: workgroup({{.*}} : memref<20480xf16, #gpu.address_space<workgroup>> {llvm.align = 1024 : i64}) kernel attributes {{{.*}}known_block_size = array<i32: 128, 1, 1>
// D64: nvvm.wgmma.fence.aligned
// D64-COUNT-4: nvvm.wgmma.mma_async {{.*}}, <m = 64, n = 128, k = 16>
// D64-NEXT: nvvm.wgmma.commit.group.sync.aligned
// D64: nvvm.wgmma.fence.aligned
// D64-COUNT-8: wgmma.mma_async.sync.aligned.m64n64k16.f32.f16.f16
// D64-NEXT: nvvm.wgmma.commit.group.sync.aligned

// BF16: nvvm.wgmma.mma_async {{.*}}, <m = 64, n = 128, k = 16>, D[<f32>, <one>], A[<bf16>, <one>, <row>], B[<bf16>, <one>, <col>]
// BF16: wgmma.mma_async.sync.aligned.m64n128k16.f32.bf16.bf16
func.func @f(%q: tensor<?x8x?x128xf16>, %k: tensor<?x2x?x128xf16>, %v: tensor<?x2x?x128xf16>)
    -> (tensor<?x8x?x128xf16>, tensor<?x8x?xf32>) {
  %o, %lse = attn.mha %q, %k, %v {causal}
      : (tensor<?x8x?x128xf16>, tensor<?x2x?x128xf16>, tensor<?x2x?x128xf16>)
      -> (tensor<?x8x?x128xf16>, tensor<?x8x?xf32>)
  return %o, %lse : tensor<?x8x?x128xf16>, tensor<?x8x?xf32>
}
