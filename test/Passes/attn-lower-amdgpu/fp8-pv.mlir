// fp8 P V on AMD (docs/fp8.md, "AMD: fp8 attn.mha"): with P rounded to e4m3 in the
// kernel IR (attn-online-softmax{fp8-p=true}, which attn-to-rocdl sets) and
// attn-gpu-layout's fp8 P V layout, both matmuls run on the fp8 MFMA and no fp8 value is
// dequantized:
// - P: its f32 blocks (P * 2^s) become bytes with v_cvt_pk_fp8_f32
//   (rocdl.cvt.pk.fp8.f32: two values into the low, then the high half of a dword);
//   a k-step's B fragment is 8 consecutive bytes of a lane's block (an i64).
// - V: a thread loads 8 bytes (head-dim columns) of keys 2p and 2p + 1, interleaves them
//   into 8 16-bit words and writes them transposed (8 stores, word (d, p) of V^T, a row
//   34 words: 64 keys + 4 bytes of padding): V^T holds each head-dim row's keys in order.
// - The V^T fragment of lane (g, r): row r of a 32-row block, the keys of its P bytes,
//   two runs of four (keys 16s + 4g and 16s + 8 + 4g), each one 32-bit LDS read.
// gfx950 (prefix P950) is pipelined (num_stages 2): V's pairs are loaded at the K read,
// interleaved and written after QK^T (so the wait for the loads comes at the write); P V
// takes the f8f6f4 32x32x64 MFMA (32 bytes a lane: two blocks of P, eight runs of V^T).
// RUN: attn-opt %s --attn-gqa-map --attn-tile=target=gfx942 --attn-online-softmax=fp8-p=true --attn-gpu-layout --attn-lower-amdgpu --canonicalize --cse | FileCheck %s
// RUN: sed 's/xf8E4M3FNUZ>/xf8E4M3FN>/g' %s | attn-opt --attn-gqa-map --attn-tile=target=gfx950 --attn-online-softmax=fp8-p=true --attn-gpu-layout --attn-lower-amdgpu --canonicalize --cse | FileCheck %s --check-prefix=P950
// fp8-mfma=false: both products 16-bit; P is rounded all the same (v_cvt_pk_fp8_f32,
// then v_cvt_pk_f32_fp8 back), V dequantized.
// RUN: attn-opt %s --attn-gqa-map --attn-tile=target=gfx942 --attn-online-softmax=fp8-p=true --attn-gpu-layout=fp8-mfma=false --attn-lower-amdgpu --canonicalize --cse | FileCheck %s --check-prefix=DEQ
// The whole pipeline (attn-to-rocdl) compiles to the ROCDL dialect with both fp8 MFMAs.
// RUN: attn-opt %s --attn-to-rocdl=chip=gfx942 | FileCheck %s --check-prefix=ROCDL

// CHECK-LABEL: gpu.func @mha_attn0(
// CHECK-NOT: rocdl.cvt.pk.f32.fp8
// CHECK: scf.for
// CHECK: rocdl.mfma.f32.32x32x16.fp8.fp8
// P's first block: 16 values, 8 conversions, 4 dwords, 16 bytes.
// CHECK: %[[W0:.*]] = rocdl.cvt.pk.fp8.f32 %{{.*}}, %{{.*}} -> %{{.*}}[false] : i32
// CHECK-NEXT: vector.extract
// CHECK-NEXT: vector.extract
// CHECK-NEXT: rocdl.cvt.pk.fp8.f32 %{{.*}}, %{{.*}} -> %[[W0]][true] : i32
// CHECK: %[[PW:.*]] = vector.from_elements %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} : vector<4xi32>
// CHECK-NEXT: %[[PB:.*]] = vector.bitcast %[[PW]] : vector<4xi32> to vector<16xi8>
// CHECK-NEXT: %[[P8:.*]] = arith.bitcast %[[PB]] : vector<16xi8> to vector<16xf8E4M3FNUZ>
// V: two byte loads (keys 2p, 2p + 1), interleaved, 8 transposed 16-bit stores.
// CHECK: gpu.barrier
// CHECK: %[[KEY:.*]] = arith.muli %{{.*}}, %c2 : index
// CHECK: %[[V0:.*]] = scf.if %{{.*}} -> (vector<8xf8E4M3FNUZ>) {
// CHECK-NEXT: vector.load %arg2[%{{.*}}] : memref<?x?x?x64xf8E4M3FNUZ, strided<[?, ?, ?, 1], offset: ?>, #gpu.address_space<global>>, vector<8xf8E4M3FNUZ>
// CHECK: arith.addi %[[KEY]], %c1 : index
// CHECK: %[[V1:.*]] = scf.if %{{.*}} -> (vector<8xf8E4M3FNUZ>) {
// CHECK-NEXT: vector.load %arg2[%{{.*}}] : memref<?x?x?x64xf8E4M3FNUZ, strided<[?, ?, ?, 1], offset: ?>, #gpu.address_space<global>>, vector<8xf8E4M3FNUZ>
// CHECK: %[[B0:.*]] = arith.bitcast %[[V0]] : vector<8xf8E4M3FNUZ> to vector<8xi8>
// CHECK-NEXT: %[[B1:.*]] = arith.bitcast %[[V1]] : vector<8xf8E4M3FNUZ> to vector<8xi8>
// CHECK-NEXT: %[[IL:.*]] = vector.interleave %[[B0]], %[[B1]] : vector<8xi8> -> vector<16xi8>
// CHECK-NEXT: vector.bitcast %[[IL]] : vector<16xi8> to vector<8xi16>
// CHECK-COUNT-8: memref.store %{{.*}}, %arg7[%{{.*}}] : memref<{{[0-9]+}}xbf16, #gpu.address_space<workgroup>>
// CHECK: gpu.barrier
// P's first k-step: bytes 0-7 of its first block.
// CHECK: %[[PF:.*]] = vector.shuffle %[[P8]], %[[P8]] [0, 1, 2, 3, 4, 5, 6, 7] : vector<16xf8E4M3FNUZ>, vector<16xf8E4M3FNUZ>
// CHECK-NEXT: %[[PI8:.*]] = arith.bitcast %[[PF]] : vector<8xf8E4M3FNUZ> to vector<8xi8>
// CHECK-NEXT: %[[PI64:.*]] = vector.bitcast %[[PI8]] : vector<8xi8> to vector<1xi64>
// CHECK-NEXT: %[[PI:.*]] = vector.extract %[[PI64]][0] : i64 from vector<1xi64>
// V^T: lane (g, r) at row r (34 elements a row), keys 4g (element 2g) and 4g + 8 (+4).
// CHECK: %[[G2:.*]] = arith.muli %{{.*}}, %c2 : index
// CHECK-NEXT: %[[R34:.*]] = arith.muli %{{.*}}, %c34 : index
// CHECK-NEXT: %[[A:.*]] = arith.addi %[[R34]], %[[G2]] : index
// CHECK: %[[RUN0:.*]] = vector.load %arg7[%[[A]]] : memref<{{[0-9]+}}xbf16, #gpu.address_space<workgroup>>, vector<2xbf16>
// CHECK-NEXT: %[[RUN0I:.*]] = arith.bitcast %[[RUN0]] : vector<2xbf16> to vector<2xi16>
// CHECK-NEXT: %[[RUN0B:.*]] = vector.bitcast %[[RUN0I]] : vector<2xi16> to vector<4xi8>
// CHECK-NEXT: %[[A4:.*]] = arith.addi %[[A]], %c4 : index
// CHECK-NEXT: %[[RUN1:.*]] = vector.load %arg7[%[[A4]]] : memref<{{[0-9]+}}xbf16, #gpu.address_space<workgroup>>, vector<2xbf16>
// CHECK-NEXT: %[[RUN1I:.*]] = arith.bitcast %[[RUN1]] : vector<2xbf16> to vector<2xi16>
// CHECK-NEXT: %[[RUN1B:.*]] = vector.bitcast %[[RUN1I]] : vector<2xi16> to vector<4xi8>
// CHECK-NEXT: %[[VF:.*]] = vector.shuffle %[[RUN0B]], %[[RUN1B]] [0, 1, 2, 3, 4, 5, 6, 7] : vector<4xi8>, vector<4xi8>
// CHECK-NEXT: %[[VF64:.*]] = vector.bitcast %[[VF]] : vector<8xi8> to vector<1xi64>
// CHECK-NEXT: %[[VI:.*]] = vector.extract %[[VF64]][0] : i64 from vector<1xi64>
// CHECK-NEXT: rocdl.mfma.f32.32x32x16.fp8.fp8 %[[VI]], %[[PI]], %{{.*}} : (i64, i64, vector<16xf32>, i32, i32, i32) -> vector<16xf32>
// The second k-step: keys 16 + 4g (element 8 + 2g).
// CHECK-NEXT: %[[A8:.*]] = arith.addi %[[A]], %c8 : index
// CHECK-NEXT: vector.load %arg7[%[[A8]]]
// D = 64: 2 head-dim blocks x 4 k-steps of 16 keys.
// CHECK-COUNT-7: rocdl.mfma.f32.32x32x16.fp8.fp8
// CHECK-NOT: bf16.1k
// CHECK-NOT: rocdl.cvt.pk.f32.fp8
// CHECK: gpu.return

// P950-LABEL: gpu.func @mha_attn0(
// P950-NOT: rocdl.cvt.pk.f32.fp8
// P950: scf.for
// The V pairs of this iteration go out at the K read, nothing else uses them there.
// P950: vector.load %arg2[%{{.*}}] : memref<?x?x?x64xf8E4M3FN
// P950: vector.load %arg2[%{{.*}}] : memref<?x?x?x64xf8E4M3FN
// P950-NOT: vector.interleave
// P950: rocdl.sched.barrier 0
// P950-NOT: vector.interleave
// P950: rocdl.mfma.scale.f32.32x32x64.f8f6f4
// P950: rocdl.cvt.pk.fp8.f32
// Interleaved and written after QK^T, each chunk handed on by an empty inline asm with
// side effects (LLVM hoisted the interleave up to the loads, whose wait then came there);
// then the next K's bytes go out.
// P950: rocdl.sched.barrier 0
// P950-NEXT: arith.bitcast %{{.*}} : vector<8xf8E4M3FN> to vector<8xi8>
// P950-NEXT: vector.bitcast %{{.*}} : vector<8xi8> to vector<2xi32>
// P950-NEXT: vector.extract
// P950-NEXT: llvm.inline_asm has_side_effects "", "=v,0" %{{.*}} : (i32) -> i32
// P950-COUNT-3: llvm.inline_asm has_side_effects "", "=v,0"
// P950: vector.interleave %{{.*}}, %{{.*}} : vector<8xi8> -> vector<16xi8>
// P950-COUNT-8: memref.store %{{.*}} : memref<{{[0-9]+}}xbf16, #gpu.address_space<workgroup>>
// P950: gpu.barrier
// P950: vector.load %arg1[%{{.*}}] : memref<?x?x?x64xf8E4M3FN
// P950: rocdl.sched.barrier 0
// P's 32 bytes: two blocks concatenated; V^T's: eight 32-bit reads.
// P950: vector.shuffle %{{.*}}, %{{.*}} [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31] : vector<16xf8E4M3FN>, vector<16xf8E4M3FN>
// P950: vector.bitcast %{{.*}} : vector<32xi8> to vector<8xi32>
// P950-COUNT-8: vector.load %arg7[%{{.*}}] : memref<{{[0-9]+}}xbf16, #gpu.address_space<workgroup>>, vector<2xbf16>
// P950: rocdl.mfma.scale.f32.32x32x64.f8f6f4 %{{.*}} : (vector<8xi32>, vector<8xi32>, vector<16xf32>, i32, i32, i32, i32, i32, i32) -> vector<16xf32>
// P950-NOT: rocdl.mfma.f32.32x32x16.bf16
// P950-NOT: rocdl.cvt.pk.f32.fp8
// P950: gpu.return

// DEQ-LABEL: gpu.func @mha_attn0(
// DEQ: scf.for
// DEQ: rocdl.cvt.pk.fp8.f32
// DEQ: rocdl.cvt.pk.f32.fp8 %{{.*}}[false] : vector<2xf32>
// DEQ: rocdl.mfma.f32.32x32x8bf16.1k
// DEQ-NOT: fp8.fp8
// DEQ: gpu.return

// ROCDL-LABEL: llvm.func @mha_attn0(
// ROCDL: rocdl.mfma.f32.32x32x16.fp8.fp8
// ROCDL: rocdl.cvt.pk.fp8.f32
// ROCDL: llvm.store {{.*}} : bf16, !llvm.ptr<3>
// ROCDL: llvm.load {{.*}} : !llvm.ptr<3> -> vector<2xbf16>
// ROCDL: rocdl.mfma.f32.32x32x16.fp8.fp8
// ROCDL-NOT: rocdl.mfma.f32.32x32x8bf16.1k
// ROCDL: llvm.return

// GQA 4/2, causal, Sq 100 / Sk 90 (no tile multiples); per-(B, Hkv) q, per-head k,
// per-tensor v descales; bf16 out.
func.func @mha(%q: tensor<1x4x100x64xf8E4M3FNUZ>, %k: tensor<1x2x90x64xf8E4M3FNUZ>, %v: tensor<1x2x90x64xf8E4M3FNUZ>, %qd: tensor<1x2xf32>, %kd: tensor<2xf32>, %vd: tensor<f32>) -> tensor<1x4x100x64xbf16> {
  %o = attn.mha %q, %k, %v descale(%qd, %kd, %vd) {causal} : (tensor<1x4x100x64xf8E4M3FNUZ>, tensor<1x2x90x64xf8E4M3FNUZ>, tensor<1x2x90x64xf8E4M3FNUZ>, tensor<1x2xf32>, tensor<2xf32>, tensor<f32>) -> tensor<1x4x100x64xbf16>
  return %o : tensor<1x4x100x64xbf16>
}
