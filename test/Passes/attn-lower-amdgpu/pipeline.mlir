// attn-lower-amdgpu with num_stages >= 2 (the gfx950 table's default, gfx942
// at D = 64): each KV loop is pipelined. K and V get an LDS buffer each; the
// first K tile is staged before the loop; in iteration n the global loads of
// V[n] go out before the QK^T MFMAs of tile n and land in registers, V[n] is
// written to its buffer after the softmax, then the global loads of K[n + 1]
// (K[n] again past the loop's end) go out before the PV MFMAs and K[n + 1] is
// written to K's buffer after them. Two barriers per iteration, and
// rocdl.sched.barrier pins the loads above and the writes below the work
// they overlap.
// RUN: attn-opt %s --attn-gqa-map --attn-tile=target=gfx950 --attn-online-softmax --attn-gpu-layout --attn-lower-amdgpu | FileCheck %s --check-prefix=S2
// RUN: attn-opt %s --attn-gqa-map --attn-tile=target=gfx942 --attn-online-softmax --attn-gpu-layout --attn-lower-amdgpu | FileCheck %s --check-prefix=GFX942
// RUN: attn-opt %s --pass-pipeline='builtin.module(attn-gqa-map,attn-tile{target=gfx950 num-stages=1},attn-online-softmax,attn-gpu-layout,attn-lower-amdgpu)' | FileCheck %s --check-prefix=S1
// At D = 128 gfx942 keeps num_stages 1: two buffers (33.5 KiB) would leave
// one workgroup per CU.
// RUN: sed s/x64xf16/x128xf16/g %s | attn-opt --attn-gqa-map --attn-tile=target=gfx942 --attn-online-softmax --attn-gpu-layout --attn-lower-amdgpu | FileCheck %s --check-prefix=S1-D128

// Two buffers of 64 x (64 + 8) elements (K rows, V^T columns padded by
// a_per_lane = 8 on gfx950).
// S2: gpu.func @f_attn0({{.*}}workgroup(%[[LDS:[a-z0-9]+]] : memref<9216xf16, #gpu.address_space<workgroup>>)
// Before the first loop: K[lb] into K's buffer if the loop runs.
// S2: gpu.barrier
// S2-NEXT: arith.cmpi slt
// S2-NEXT: scf.if
// S2: vector.load %arg1[
// S2: vector.store %{{.*}}, %[[LDS]][
// S2: gpu.barrier
// S2-NEXT: scf.for %[[IV:[a-z0-9]+]] = %{{[a-z0-9_]+}} to %[[UB:[a-z0-9_]+]] step %[[STEP:[a-z0-9_]+]]
// V[n]: two 128-bit loads per thread, issued before the 8 QK^T MFMAs.
// S2-NOT: gpu.barrier
// S2-COUNT-2: vector.load %arg2[
// S2-NEXT: scf.yield
// S2: rocdl.sched.barrier 0
// S2-NOT: gpu.barrier
// S2-COUNT-8: rocdl.mfma.f32.32x32x16.f16
// S2: rocdl.exp2
// V[n] into V's buffer (transposed: 16-bit stores), after the softmax.
// S2: rocdl.sched.barrier 0
// S2: memref.store %{{.*}}, %[[LDS]][
// S2: gpu.barrier
// K[n + step], or K[n] past the loop's end, issued before the 8 PV MFMAs.
// S2-NEXT: %[[NEXT:[0-9]+]] = arith.addi %[[IV]], %[[STEP]]
// S2-NEXT: %[[IN:[0-9]+]] = arith.cmpi slt, %[[NEXT]], %[[UB]]
// S2-NEXT: arith.select %[[IN]], %[[NEXT]], %[[IV]] : index
// S2-COUNT-2: vector.load %arg1[
// S2-NOT: gpu.barrier
// S2: rocdl.sched.barrier 0
// S2-NOT: gpu.barrier
// S2-COUNT-8: rocdl.mfma.f32.32x32x16.f16
// S2-NOT: gpu.barrier
// S2: rocdl.sched.barrier 0
// S2-NOT: gpu.barrier
// S2: vector.store %{{.*}}, %[[LDS]][
// S2-NOT: gpu.barrier
// S2: vector.store %{{.*}}, %[[LDS]][
// S2-NEXT: gpu.barrier
// S2-NEXT: scf.yield
// The tail loop (ragged last tile) is pipelined the same way.
// S2: gpu.barrier
// S2-NEXT: arith.cmpi slt
// S2-NEXT: scf.if
// S2: scf.for
// S2-NOT: gpu.barrier
// S2: rocdl.sched.barrier 0
// S2-NOT: gpu.barrier
// S2: rocdl.sched.barrier 0
// S2-NOT: rocdl.sched.barrier
// S2: gpu.barrier
// S2-NOT: gpu.barrier
// S2: rocdl.sched.barrier 0
// S2-NOT: gpu.barrier
// S2: rocdl.sched.barrier 0
// S2-NOT: rocdl.sched.barrier
// S2: gpu.barrier
// S2-NEXT: scf.yield

// The code object keeps the schedule: the unmasked KV loop (the one that
// starts with global loads) of the gfx950 kernel, label to backward branch.
// RUN: attn-compile %s --target=gfx950 --emit=asm | awk '/^\.LBB/ { label = 1; next } label && !done && /global_load_dwordx4/ { p = 1 } { label = 0 } p { print } p && /s_cbranch_vcc/ { p = 0; done = 1 }' | FileCheck %s --check-prefix=ASM
// ASM: global_load_dwordx4
// ASM-NEXT: global_load_dwordx4
// ASM-NOT: s_barrier
// ASM-COUNT-8: v_mfma_f32_32x32x16_f16
// ASM-NOT: s_barrier
// ASM: v_exp_f32
// ASM-NOT: s_barrier
// ASM: ds_write_b16
// ASM: s_barrier
// ASM-NOT: v_mfma
// ASM: global_load_dwordx4
// ASM-NOT: v_mfma
// ASM: global_load_dwordx4
// ASM-NOT: s_barrier
// ASM-COUNT-8: v_mfma_f32_32x32x16_f16
// ASM-NOT: s_barrier
// ASM: ds_write_b128
// ASM-NOT: v_mfma
// ASM: s_barrier
// ASM-NOT: global_load
// ASM: s_cbranch_vcc

// GFX942: workgroup(%{{[a-z0-9]+}} : memref<8704xf16, #gpu.address_space<workgroup>>)
// GFX942: scf.for
// GFX942: rocdl.sched.barrier 0
// GFX942-COUNT-16: rocdl.mfma.f32.32x32x8f16

// num_stages 1: one buffer for K, then V; four barriers per iteration.
// S1: workgroup(%{{[a-z0-9]+}} : memref<4608xf16, #gpu.address_space<workgroup>>)
// S1-NOT: rocdl.sched.barrier
// S1-D128: workgroup(%{{[a-z0-9]+}} : memref<8704xf16, #gpu.address_space<workgroup>>)
// S1-D128-NOT: rocdl.sched.barrier

func.func @f(%q: tensor<?x8x?x64xf16>, %k: tensor<?x8x?x64xf16>, %v: tensor<?x8x?x64xf16>)
    -> tensor<?x8x?x64xf16> {
  %o = attn.mha %q, %k, %v
      : (tensor<?x8x?x64xf16>, tensor<?x8x?x64xf16>, tensor<?x8x?x64xf16>) -> tensor<?x8x?x64xf16>
  return %o : tensor<?x8x?x64xf16>
}
