// Uniform scalars the kernel IR marks attn.per_iteration (docs/kernel-ir.md: here the
// dropout's Philox words from the rng_state argument and the (batch, head) counter word)
// stay in the KV loop on AMD: each becomes an empty inline asm's SGPR result, which LLVM
// cannot hoist, so the splats built from it stay next to the VALU ops that read the SGPR.
// Hoisted, every splat was one SGPR per lane element: gfx942's forward at D = 128 with
// run-time seeds spilled 553 SGPRs to VGPR lanes (now 0;
// test/Tools/attn-compile/dropout-gpu.test checks the reports). The seed and offset are
// loaded once, before the loops; NVIDIA keeps the values plain (no such copy).
// RUN: attn-opt %s --attn-gqa-map --attn-tile=target=gfx942 --attn-online-softmax --attn-gpu-layout --attn-lower-amdgpu | FileCheck %s
// RUN: attn-opt %s --attn-gqa-map --attn-tile=target=gfx950 --attn-online-softmax --attn-gpu-layout --attn-lower-amdgpu | FileCheck %s
// RUN: attn-opt %s --attn-gqa-map --attn-tile=target=sm_90a --attn-online-softmax --attn-gpu-layout --attn-gpu-pipeline --attn-lower-nvgpu | FileCheck %s --check-prefix=NV

// CHECK-LABEL: gpu.func @fwd_attn0(
// CHECK: %[[SEED:.*]] = memref.load %arg3[
// CHECK-NEXT: %[[OFF:.*]] = memref.load %arg3[
// CHECK-NOT: llvm.inline_asm
// CHECK: scf.for
// CHECK: %[[BH:.*]] = arith.index_cast %{{.*}} {attn.per_iteration} : index to i32
// CHECK-NEXT: llvm.inline_asm "", "=s,0" %[[BH]] : (i32) -> i32
// CHECK: %[[O32:.*]] = arith.trunci %[[OFF]] {attn.per_iteration} : i64 to i32
// CHECK-NEXT: llvm.inline_asm "", "=s,0" %[[O32]] : (i32) -> i32
// CHECK-NEXT: %[[S32:.*]] = arith.trunci %[[SEED]] {attn.per_iteration} : i64 to i32
// CHECK-NEXT: llvm.inline_asm "", "=s,0" %[[S32]] : (i32) -> i32
// CHECK: %[[K1:.*]] = arith.trunci %{{.*}} {attn.per_iteration} : i64 to i32
// CHECK-NEXT: llvm.inline_asm "", "=s,0" %[[K1]] : (i32) -> i32
// CHECK: scf.yield
// The second KV loop (the causal diagonal's masked tiles) has its own copies:
// CHECK: scf.for
// CHECK-COUNT-4: llvm.inline_asm "", "=s,0"
// CHECK: scf.yield

// NV-LABEL: gpu.func @fwd_attn0(
// NV: arith.trunci %{{.*}} {attn.per_iteration} : i64 to i32
// NV-NOT: "=s,0"
// NV: gpu.return
func.func @fwd(%q: tensor<1x8x?x64xbf16>, %k: tensor<1x2x?x64xbf16>, %v: tensor<1x2x?x64xbf16>, %r: tensor<2xi64>) -> tensor<1x8x?x64xbf16> {
  %o = attn.mha %q, %k, %v rng_state(%r) {dropout_p = 0.1 : f32, causal} : (tensor<1x8x?x64xbf16>, tensor<1x2x?x64xbf16>, tensor<1x2x?x64xbf16>, tensor<2xi64>) -> tensor<1x8x?x64xbf16>
  return %o : tensor<1x8x?x64xbf16>
}
