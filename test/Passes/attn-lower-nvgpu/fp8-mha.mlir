// fp8 attn.mha on sm_90a (docs/fp8.md, "sm_90a: fp8 attn.mha"): q, k and v
// are f8E4M3FN; attn-lower-nvgpu stages each tile (the arith.extf of its fp8
// read) by loading runs of 8 bytes (one 8-byte global load), converting pairs
// with cvt.rn.f16x2.e4m3x2 (bf16 through f32, exact) and storing 8 16-bit
// elements into shared memory. Q is staged once, before the KV loops, at the
// end of the buffer (after the K and V tiles), and its A fragments are read
// with ldmatrix.x4 like K's B fragments; V's with ldmatrix.trans. No fp8 tile
// is copied with cp.async and no Q fragment is loaded from global memory. The
// math is out's 16-bit mma.sync; q_descale * k_descale is one multiply per
// program (folded into the softmax scale by the kernel IR), v_descale one load.
// RUN: attn-opt %s --attn-gqa-map --attn-tile=target=sm_90a --attn-online-softmax --attn-gpu-layout --attn-lower-nvgpu --canonicalize --cse | FileCheck %s
// RUN: sed 's/xbf16>/xf16>/g' %s | attn-opt --attn-gqa-map --attn-tile=target=sm_90a --attn-online-softmax --attn-gpu-layout --attn-lower-nvgpu --canonicalize --cse | FileCheck %s --check-prefix=F16
// RUN: attn-opt %s --attn-to-nvvm | FileCheck %s --check-prefix=NVVM

// CHECK-LABEL: gpu.func @mha_attn0(
// CHECK-SAME: %[[Q:[^:]+]]: memref<?x?x?x64xf8E4M3FN, strided<[?, ?, ?, 1], offset: ?>, #gpu.address_space<global>>, %[[K:[^:]+]]: memref<?x?x?x64xf8E4M3FN, strided<[?, ?, ?, 1], offset: ?>, #gpu.address_space<global>>, %[[V:[^:]+]]: memref<?x?x?x64xf8E4M3FN
// CHECK-SAME: %[[QD:[^:]+]]: memref<?x?xf32, strided<[?, ?], offset: ?>, #gpu.address_space<global>>, %[[KD:[^:]+]]: memref<?x?xf32, strided<[?, ?], offset: ?>, #gpu.address_space<global>>, %[[VD:[^:]+]]: memref<?x?xf32
// CHECK-SAME: workgroup(%[[SMEM:[^ ]+]] : memref<[[N:[0-9]+]]xbf16, #gpu.address_space<workgroup>>)
// CHECK-NOT: nvgpu.device_async_copy
// CHECK-DAG: memref.load %[[QD]]
// CHECK-DAG: memref.load %[[KD]]
// CHECK-DAG: memref.load %[[VD]]
// Q: staged dequantized, then published by a barrier.
// CHECK: %[[RAW:.*]] = vector.load %[[Q]][{{.*}}] {alignment = 8 : i64} : memref<?x?x?x64xf8E4M3FN, {{.*}}>, vector<8xf8E4M3FN>
// CHECK-NEXT: %[[BITS:.*]] = arith.bitcast %[[RAW]] : vector<8xf8E4M3FN> to vector<8xi8>
// CHECK-NEXT: %[[PAIR:.*]] = vector.shuffle %[[BITS]], %[[BITS]] [0, 1]
// CHECK-NEXT: %[[H:.*]] = nvvm.convert.f8x2.to.f16x2 %[[PAIR]] : vector<2xi8>(f8E4M3FN) -> vector<2xf16>
// CHECK-NEXT: %[[F:.*]] = arith.extf %[[H]] : vector<2xf16> to vector<2xf32>
// CHECK-NEXT: arith.truncf %[[F]] : vector<2xf32> to vector<2xbf16>
// CHECK: vector.store %{{.*}}, %[[SMEM]][%{{.*}}] : memref<[[N]]xbf16, #gpu.address_space<workgroup>>, vector<8xbf16>
// CHECK: gpu.barrier
// K: the first tile before the loop, the same way.
// CHECK: vector.load %[[K]][{{.*}}] {alignment = 8 : i64} : {{.*}}, vector<8xf8E4M3FN>
// CHECK: nvvm.convert.f8x2.to.f16x2
// CHECK: vector.store %{{.*}}, %[[SMEM]][%{{.*}}] : memref<[[N]]xbf16, #gpu.address_space<workgroup>>, vector<8xbf16>
// CHECK: scf.for
// V: staged at the K read of the loop (FA2's schedule).
// CHECK: vector.load %[[V]][{{.*}}] {alignment = 8 : i64} : {{.*}}, vector<8xf8E4M3FN>
// CHECK: nvvm.convert.f8x2.to.f16x2
// Q's A fragments and K's B fragments from shared memory, 16-bit mma.sync.
// CHECK: nvgpu.ldmatrix %[[SMEM]][%{{.*}}] {numTiles = 4 : i32, transpose = false} : memref<[[N]]xbf16, #gpu.address_space<workgroup>> -> vector<4x2xbf16>
// CHECK: nvvm.mma.sync {{.*}} multiplicandAPtxType = #nvvm.mma_type<bf16>, multiplicandBPtxType = #nvvm.mma_type<bf16>
// CHECK: nvgpu.ldmatrix %[[SMEM]][%{{.*}}] {numTiles = 4 : i32, transpose = true} : memref<[[N]]xbf16, #gpu.address_space<workgroup>> -> vector<4x2xbf16>
// CHECK-NOT: vector.load %[[Q]]
// CHECK-NOT: nvgpu.device_async_copy
// CHECK: gpu.return

// F16-LABEL: gpu.func @mha_attn0(
// F16: vector.load %{{.*}} {alignment = 8 : i64} : memref<?x?x?x64xf8E4M3FN, {{.*}}>, vector<8xf8E4M3FN>
// F16: nvvm.convert.f8x2.to.f16x2 %{{.*}} : vector<2xi8>(f8E4M3FN) -> vector<2xf16>
// F16-NOT: arith.truncf {{.*}} to vector<2xf16>
// F16: vector.store %{{.*}} : memref<{{[0-9]+}}xf16, #gpu.address_space<workgroup>>, vector<8xf16>
// F16: nvvm.mma.sync A[{{.*}} : (vector<2xf16>, vector<2xf16>, f32) -> !llvm.struct<(f32, f32, f32, f32)>

// NVVM: llvm.load %{{.*}} {alignment = 8 : i64} : !llvm.ptr<1> -> vector<8xi8>
// NVVM: nvvm.convert.f8x2.to.f16x2
// NVVM: nvvm.mma.sync
func.func @mha(%q: tensor<2x4x?x64xf8E4M3FN>, %k: tensor<2x2x?x64xf8E4M3FN>, %v: tensor<2x2x?x64xf8E4M3FN>,
               %qd: tensor<2x2xf32>, %kd: tensor<2x2xf32>, %vd: tensor<2x2xf32>) -> tensor<2x4x?x64xbf16> {
  %o = attn.mha %q, %k, %v descale(%qd, %kd, %vd) {causal}
      : (tensor<2x4x?x64xf8E4M3FN>, tensor<2x2x?x64xf8E4M3FN>, tensor<2x2x?x64xf8E4M3FN>,
         tensor<2x2xf32>, tensor<2x2xf32>, tensor<2x2xf32>) -> tensor<2x4x?x64xbf16>
  return %o : tensor<2x4x?x64xbf16>
}
