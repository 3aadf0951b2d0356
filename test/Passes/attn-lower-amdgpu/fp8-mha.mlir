// attn-lower-amdgpu on fp8 attn.mha (docs/fp8.md, "AMD"): q, k and v are loaded as fp8
// bytes (8 per lane and chunk; rows past the sequence take the zero padding). Q K^T runs
// on the chip's fp8 MFMA (attn-gpu-layout's "mfma.<M>x<N>x<K>.fp8.rs"): Q's bytes stay in
// registers as the MFMA's operands (i64 of 8 bytes on gfx942, vector<8xi32> of 32 on
// gfx950's f8f6f4), K's bytes go into LDS as they are (two per element of the 16-bit
// buffer) and its fragments are read back as bytes; only V is dequantized exactly to
// out's 16-bit type by v_cvt_pk_f32_fp8 (rocdl.cvt.pk.f32.fp8) before its LDS store, for
// the 16-bit P V MFMA (P not rounded to e4m3: attn-online-softmax without fp8-p). With fp8-mfma=false (prefix DEQ) Q and K are dequantized too and
// both matmuls are 16-bit. gfx942 with f8E4M3FNUZ (its format), gfx950 with f8E4M3FN;
// sizes that are not tile multiples; mixed descale granularities (the descales are
// kernel IR multiplies, lowered by the common core).
// RUN: attn-opt %s --attn-gqa-map --attn-tile=target=gfx942 --attn-online-softmax --attn-gpu-layout --attn-lower-amdgpu --canonicalize --cse | FileCheck %s
// RUN: attn-opt %s --attn-gqa-map --attn-tile=target=gfx942 --attn-online-softmax --attn-gpu-layout=fp8-mfma=false --attn-lower-amdgpu --canonicalize --cse | FileCheck %s --check-prefix=DEQ
// RUN: sed 's/xf8E4M3FNUZ>/xf8E4M3FN>/g' %s | attn-opt --attn-gqa-map --attn-tile=target=gfx950 --attn-online-softmax --attn-gpu-layout --attn-lower-amdgpu --canonicalize --cse | FileCheck %s --check-prefix=GFX950
// The whole pipeline (attn-to-rocdl) also rounds P to e4m3 (attn-online-softmax{fp8-p}),
// so P V runs on the fp8 MFMA too and V stays bytes (fp8-pv.mlir): no fp8 value is
// dequantized and no 16-bit MFMA is left.
// RUN: attn-opt %s --attn-to-rocdl=chip=gfx942 | FileCheck %s --check-prefix=ROCDL

// Q: four chunks of 8 bytes per lane (D = 64, two lane groups, K = 16 a step), kept.
// CHECK-LABEL: gpu.func @mha_attn0(
// CHECK-SAME: memref<?x?x?x64xf8E4M3FNUZ, strided<[?, ?, ?, 1], offset: ?>, #gpu.address_space<global>>
// CHECK: %[[QRAW:.*]] = scf.if %{{.*}} -> (vector<8xf8E4M3FNUZ>) {
// CHECK-NEXT: %[[QLD:.*]] = vector.load %arg0[{{.*}}] : memref<?x?x?x64xf8E4M3FNUZ, strided<[?, ?, ?, 1], offset: ?>, #gpu.address_space<global>>, vector<8xf8E4M3FNUZ>
// CHECK-NEXT: scf.yield %[[QLD]]
// CHECK: %[[QB:.*]] = arith.bitcast %[[QRAW]] : vector<8xf8E4M3FNUZ> to vector<8xi8>
// CHECK-NEXT: %[[QW:.*]] = vector.bitcast %[[QB]] : vector<8xi8> to vector<1xi64>
// CHECK-NEXT: %[[Q0:.*]] = vector.extract %[[QW]][0] : i64 from vector<1xi64>
// CHECK-COUNT-3: vector.bitcast %{{.*}} : vector<8xi8> to vector<1xi64>
// CHECK-NOT: rocdl.cvt.pk.f32.fp8
// CHECK: scf.for
// K: byte loads in the loop, stored in LDS as they are (8 bytes = 4 bf16 elements).
// CHECK: vector.load %arg1[{{.*}}] : memref<?x?x?x64xf8E4M3FNUZ, strided<[?, ?, ?, 1], offset: ?>, #gpu.address_space<global>>, vector<8xf8E4M3FNUZ>
// CHECK-NOT: rocdl.cvt.pk.f32.fp8
// CHECK: %[[KB:.*]] = arith.bitcast %{{.*}} : vector<8xf8E4M3FNUZ> to vector<8xi8>
// CHECK-NEXT: %[[KH:.*]] = vector.bitcast %[[KB]] : vector<8xi8> to vector<4xi16>
// CHECK-NEXT: %[[KS:.*]] = arith.bitcast %[[KH]] : vector<4xi16> to vector<4xbf16>
// CHECK: vector.store %[[KS]], %{{.*}} : memref<{{[0-9]+}}xbf16, #gpu.address_space<workgroup>>, vector<4xbf16>
// CHECK-NOT: rocdl.cvt.pk.f32.fp8
// The K fragment: one 64-bit LDS read, its bytes an i64; the first step multiplies Q's first.
// CHECK: %[[KF:.*]] = vector.load %{{.*}} : memref<{{[0-9]+}}xbf16, #gpu.address_space<workgroup>>, vector<4xbf16>
// CHECK-NEXT: %[[KI:.*]] = arith.bitcast %[[KF]] : vector<4xbf16> to vector<4xi16>
// CHECK-NEXT: %[[K8:.*]] = vector.bitcast %[[KI]] : vector<4xi16> to vector<1xi64>
// CHECK-NEXT: %[[K0:.*]] = vector.extract %[[K8]][0] : i64 from vector<1xi64>
// CHECK-NEXT: rocdl.mfma.f32.32x32x16.fp8.fp8 %[[K0]], %[[Q0]], %{{.*}} : (i64, i64, vector<16xf32>, i32, i32, i32) -> vector<16xf32>
// CHECK-COUNT-3: rocdl.mfma.f32.32x32x16.fp8.fp8
// V: byte loads, converted before its (transposed) LDS writes; P V is bf16.
// CHECK: vector.load %arg2[{{.*}}] : memref<?x?x?x64xf8E4M3FNUZ, strided<[?, ?, ?, 1], offset: ?>, #gpu.address_space<global>>, vector<8xf8E4M3FNUZ>
// CHECK: rocdl.cvt.pk.f32.fp8
// CHECK: arith.truncf %{{.*}} : vector<8xf32> to vector<8xbf16>
// CHECK: rocdl.mfma.f32.32x32x8bf16.1k
// CHECK-NOT: rocdl.mfma.f32.32x32x8bf16.1k{{.*}}i64
// CHECK-NOT: xf8E4M3FNUZ, #gpu.address_space<workgroup>
// CHECK: gpu.return

// Dequantized (fp8-mfma=false): Q's chunks converted and kept, K converted before LDS.
// DEQ-LABEL: gpu.func @mha_attn0(
// DEQ: %[[QRAW:.*]] = scf.if %{{.*}} -> (vector<8xf8E4M3FNUZ>) {
// DEQ: %[[QB:.*]] = arith.bitcast %[[QRAW]] : vector<8xf8E4M3FNUZ> to vector<8xi8>
// DEQ-NEXT: %[[QW:.*]] = vector.bitcast %[[QB]] : vector<8xi8> to vector<2xi32>
// DEQ-NEXT: %[[QW0:.*]] = vector.extract %[[QW]][0] : i32 from vector<2xi32>
// DEQ-NEXT: rocdl.cvt.pk.f32.fp8 %[[QW0]][false] : vector<2xf32>
// DEQ-NEXT: rocdl.cvt.pk.f32.fp8 %[[QW0]][true] : vector<2xf32>
// DEQ: arith.truncf %{{.*}} : vector<8xf32> to vector<8xbf16>
// DEQ-COUNT-3: rocdl.cvt.pk.f32.fp8 %{{.*}}[false] : vector<2xf32>
// DEQ: scf.for
// DEQ: vector.load %arg1[{{.*}}] : memref<?x?x?x64xf8E4M3FNUZ, strided<[?, ?, ?, 1], offset: ?>, #gpu.address_space<global>>, vector<8xf8E4M3FNUZ>
// DEQ: rocdl.cvt.pk.f32.fp8
// DEQ: %[[KT:.*]] = arith.truncf %{{.*}} : vector<8xf32> to vector<8xbf16>
// DEQ: vector.store %[[KT]], %{{.*}} : memref<{{[0-9]+}}xbf16, #gpu.address_space<workgroup>>, vector<8xbf16>
// DEQ: rocdl.mfma.f32.32x32x8bf16.1k
// DEQ: vector.load %arg2[{{.*}}] : memref<?x?x?x64xf8E4M3FNUZ, strided<[?, ?, ?, 1], offset: ?>, #gpu.address_space<global>>, vector<8xf8E4M3FNUZ>
// DEQ: rocdl.cvt.pk.f32.fp8
// DEQ: rocdl.mfma.f32.32x32x8bf16.1k
// DEQ-NOT: fp8.fp8
// DEQ: gpu.return

// gfx950: D = 64 is one f8f6f4 step of K = 64: 32 bytes per lane (four 8-byte loads
// concatenated), the operands vector<8xi32>, the scaled op with zero scales. Its kernel
// is pipelined (num_stages 2): the first K tile's bytes are staged before the loop, V's
// loads go out at the K read, the next K's after the V read (its bytes, unconverted).
// GFX950-LABEL: gpu.func @mha_attn0(
// GFX950-COUNT-4: vector.load %arg0[{{.*}}] : memref<?x?x?x64xf8E4M3FN, strided<[?, ?, ?, 1], offset: ?>, #gpu.address_space<global>>, vector<8xf8E4M3FN>
// GFX950: vector.bitcast %{{.*}} : vector<32xi8> to vector<8xi32>
// GFX950-NOT: rocdl.cvt.pk.f32.fp8
// GFX950: vector.load %arg1[{{.*}}] : memref<?x?x?x64xf8E4M3FN
// GFX950-NOT: rocdl.cvt.pk.f32.fp8
// GFX950: vector.store %{{.*}} : memref<{{[0-9]+}}xbf16, #gpu.address_space<workgroup>>, vector<4xbf16>
// GFX950: scf.for
// GFX950: vector.load %arg2[{{.*}}] : memref<?x?x?x64xf8E4M3FN
// GFX950: rocdl.cvt.pk.f32.fp8
// GFX950: vector.load %{{.*}} : memref<{{[0-9]+}}xbf16, #gpu.address_space<workgroup>>, vector<16xbf16>
// GFX950: rocdl.mfma.scale.f32.32x32x64.f8f6f4 %{{.*}}, %{{.*}}, %{{.*}}, %[[Z:c0_i32.*]], %[[Z]], %[[Z]], %[[Z]], %[[Z]], %[[Z]] : (vector<8xi32>, vector<8xi32>, vector<16xf32>, i32, i32, i32, i32, i32, i32) -> vector<16xf32>
// GFX950: vector.load %arg1[{{.*}}] : memref<?x?x?x64xf8E4M3FN
// GFX950: rocdl.mfma.f32.32x32x16.bf16
// GFX950: vector.store %{{.*}} : memref<{{[0-9]+}}xbf16, #gpu.address_space<workgroup>>, vector<4xbf16>
// GFX950: gpu.return

// ROCDL-LABEL: llvm.func @mha_attn0(
// ROCDL: llvm.store {{.*}} : vector<4xbf16>, !llvm.ptr<3>
// ROCDL: llvm.load {{.*}} : !llvm.ptr<3> -> vector<4xbf16>
// ROCDL: rocdl.mfma.f32.32x32x16.fp8.fp8 {{.*}} : (i64, i64, vector<16xf32>, i32, i32, i32) -> vector<16xf32>
// ROCDL: rocdl.cvt.pk.fp8.f32
// ROCDL: rocdl.mfma.f32.32x32x16.fp8.fp8
// ROCDL-NOT: rocdl.cvt.pk.f32.fp8
// ROCDL-NOT: rocdl.mfma.f32.32x32x8bf16.1k
// ROCDL: llvm.return

// GQA 4/2, causal, Sq 100 / Sk 90 (no tile multiples); per-(B, Hkv) q, per-head k,
// per-tensor v descales; bf16 out.
func.func @mha(%q: tensor<1x4x100x64xf8E4M3FNUZ>, %k: tensor<1x2x90x64xf8E4M3FNUZ>, %v: tensor<1x2x90x64xf8E4M3FNUZ>, %qd: tensor<1x2xf32>, %kd: tensor<2xf32>, %vd: tensor<f32>) -> tensor<1x4x100x64xbf16> {
  %o = attn.mha %q, %k, %v descale(%qd, %kd, %vd) {causal} : (tensor<1x4x100x64xf8E4M3FNUZ>, tensor<1x2x90x64xf8E4M3FNUZ>, tensor<1x2x90x64xf8E4M3FNUZ>, tensor<1x2xf32>, tensor<2xf32>, tensor<f32>) -> tensor<1x4x100x64xbf16>
  return %o : tensor<1x4x100x64xbf16>
}
