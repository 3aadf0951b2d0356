// The backward kernels on gfx942/gfx950 (docs/backward.md, "On AMD"): MFMA with
// 16 rows per wave; every right-operand tile of the dK/dV and dQ loops is a right
// operand of both matmul forms (Q and dO in dK/dV: S^T = K Q^T and dK += dS^T Q;
// K in dQ), so it is staged in LDS twice, row-major and transposed (gfx942 has no
// transposing LDS read), and the two tiles a loop reads take a buffer each.
// D = 64 f16 on gfx942 (KPL 4): a buffer is 16 x (64 + 4) row-major + 64 x (16 + 4)
// transposed = 2368 elements, two buffers 4736.
// RUN: attn-opt %s --attn-gqa-map --attn-tile=target=gfx942 --attn-flash-backward --attn-online-softmax --attn-gpu-layout --attn-lower-amdgpu | FileCheck %s
// RUN: attn-opt %s --attn-gqa-map --attn-tile=target=gfx950 --attn-flash-backward --attn-online-softmax --attn-gpu-layout --attn-lower-amdgpu | FileCheck %s --check-prefix=GFX950
// RUN: attn-opt %s --attn-to-rocdl=chip=gfx942 | FileCheck %s --check-prefix=ROCDL

// CHECK-LABEL: gpu.func @bwd_attn_bwd0_delta(
// CHECK-NOT: rocdl.mfma
// CHECK-LABEL: gpu.func @bwd_attn_bwd0_dkdv(
// CHECK-SAME: workgroup(%[[LDS:.+]] : memref<4736xf16, #gpu.address_space<workgroup>>)
// CHECK-SAME: kind = "bwd_dkdv"
// CHECK-SAME: source = "gfx942-MHA-BWD.json:{{[0-9]+}}"
// The Q tile: row-major chunks (one 16-byte store each), then the same chunks transposed
// (eight 2-byte stores each), between barriers; then the dO tile into the second buffer.
// CHECK: scf.for
// CHECK: gpu.barrier
// CHECK: vector.store %{{.+}}, %[[LDS]][%{{.+}}] : memref<4736xf16, {{.+}}>, vector<8xf16>
// CHECK-COUNT-8: memref.store %{{.+}}, %[[LDS]][%{{.+}}] : memref<4736xf16
// CHECK: gpu.barrier
// CHECK: gpu.barrier
// CHECK: vector.store %{{.+}}, %[[LDS]][%{{.+}}] : memref<4736xf16, {{.+}}>, vector<8xf16>
// CHECK-COUNT-8: memref.store %{{.+}}, %[[LDS]][%{{.+}}] : memref<4736xf16
// CHECK: gpu.barrier
// CHECK: rocdl.mfma.f32.16x16x16f16
// CHECK-LABEL: gpu.func @bwd_attn_bwd0_dq(
// CHECK-SAME: workgroup(%{{.+}} : memref<4736xf16, #gpu.address_space<workgroup>>)
// CHECK: rocdl.mfma.f32.16x16x16f16

// gfx950: MFMA 16x16x32 (KPL 8), block_n 32: 2 x (32 x 72 + 64 x 40) = 9728 elements.
// GFX950-LABEL: gpu.func @bwd_attn_bwd0_dkdv(
// GFX950-SAME: workgroup(%{{.+}} : memref<9728xf16, #gpu.address_space<workgroup>>)
// GFX950-SAME: source = "gfx950-MHA-BWD.json:{{[0-9]+}}"
// GFX950: rocdl.mfma.f32.16x16x32.f16

// ROCDL: llvm.func @bwd_attn_bwd0_delta(
// ROCDL: llvm.func @bwd_attn_bwd0_dkdv(
// ROCDL: rocdl.mfma.f32.16x16x16f16
// ROCDL: llvm.func @bwd_attn_bwd0_dq(
// ROCDL: rocdl.mfma.f32.16x16x16f16
func.func @bwd(%q: tensor<?x8x?x64xf16>, %k: tensor<?x2x?x64xf16>, %v: tensor<?x2x?x64xf16>, %o: tensor<?x8x?x64xf16>, %do: tensor<?x8x?x64xf16>, %lse: tensor<?x8x?xf32>) -> (tensor<?x8x?x64xf16>, tensor<?x2x?x64xf16>, tensor<?x2x?x64xf16>) {
  %dq, %dk, %dv = attn.mha_bwd %q, %k, %v, %o, %do, %lse {causal} : (tensor<?x8x?x64xf16>, tensor<?x2x?x64xf16>, tensor<?x2x?x64xf16>, tensor<?x8x?x64xf16>, tensor<?x8x?x64xf16>, tensor<?x8x?xf32>) -> (tensor<?x8x?x64xf16>, tensor<?x2x?x64xf16>, tensor<?x2x?x64xf16>)
  return %dq, %dk, %dv : tensor<?x8x?x64xf16>, tensor<?x2x?x64xf16>, tensor<?x2x?x64xf16>
}
