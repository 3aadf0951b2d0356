// attn.mla's split kernel on gfx942 (docs/mla.md, "On AMD"): 16 heads on 4 waves that
// split the 512 output columns (attn.warp_cols = 4), Q in registers, each 16 x 576 K
// tile loaded from global memory once per chunk and written to LDS twice by the same
// load: row-major (leading dim 576 + 4, the Q K^T operand) and transposed after it (V^T,
// leading dim 16 + 4, at 16 x 580 = 9280: the P V operand; V is its first 512 rows).
// LDS: 9280 + 576 x 20 = 20800 elements.
// RUN: attn-opt %s --attn-gqa-map --attn-tile=target=gfx942 --attn-online-softmax --attn-gpu-layout --attn-lower-amdgpu | FileCheck %s

// CHECK-LABEL: gpu.func @deepseek_attn0(
// CHECK-SAME: workgroup(%[[LDS:.+]] : memref<20800xbf16, #gpu.address_space<workgroup>>)
// The wave's column group (wave % 4) and its first column, 128 per group:
// CHECK: %[[WAVE:.+]] = arith.divui %thread_id_x, %c64
// CHECK: arith.remui %[[WAVE]], %c4
// CHECK: scf.for
// CHECK: scf.for
// CHECK: gpu.barrier
// One chunk: a global load, its row-major store, its transposed stores after 9280, and no
// second global load of the chunk.
// CHECK: %[[CHUNK:.+]] = scf.if %{{.+}} -> (vector<8xbf16>) {
// CHECK-NEXT: vector.load %{{.+}} : memref<?x576xbf16, strided<[?, 1], offset: ?>, #gpu.address_space<global>>, vector<8xbf16>
// CHECK: %c580 = arith.constant 580 : index
// CHECK: vector.store %[[CHUNK]], %[[LDS]][%{{.+}}] : memref<20800xbf16, #gpu.address_space<workgroup>>, vector<8xbf16>
// CHECK-NOT: vector.load
// CHECK: %c20 = arith.constant 20 : index
// CHECK-NOT: vector.load
// CHECK: %c9280 = arith.constant 9280 : index
// CHECK-NOT: vector.load
// CHECK-COUNT-8: memref.store %{{.+}}, %[[LDS]][%{{.+}}] : memref<20800xbf16
// CHECK: gpu.barrier
// Q K^T reads the row-major copy (two k-steps per 128-bit read), P V the transposed one
// (runs of four keys), both with MFMA 16x16x16.
// CHECK: vector.load %[[LDS]][%{{.+}}] : memref<20800xbf16, #gpu.address_space<workgroup>>, vector<8xbf16>
// CHECK: rocdl.mfma.f32.16x16x16bf16.1k
// CHECK: vector.load %[[LDS]][%{{.+}}] : memref<20800xbf16, #gpu.address_space<workgroup>>, vector<4xbf16>
// CHECK: rocdl.mfma.f32.16x16x16bf16.1k
// CHECK-LABEL: gpu.func @deepseek_attn0_merge(
func.func @deepseek(%q: tensor<?x16x576xbf16>, %kv: tensor<?x64x576xbf16>, %bt: tensor<?x?xi32>, %sl: tensor<?xi32>, %qsl: tensor<?xi32>) -> tensor<?x16x512xbf16> {
  %o = attn.mla %q, %kv, %bt, %sl, %qsl {kv_lora_rank = 512 : i64, causal} : (tensor<?x16x576xbf16>, tensor<?x64x576xbf16>, tensor<?x?xi32>, tensor<?xi32>, tensor<?xi32>) -> tensor<?x16x512xbf16>
  return %o : tensor<?x16x512xbf16>
}
