// attn-lower-amdgpu on fp8 attn.mha (docs/fp8.md, "AMD"): q, k and v are loaded as fp8
// bytes (8 per lane and chunk; rows past the sequence take the zero padding) and
// dequantized exactly to out's 16-bit type by v_cvt_pk_f32_fp8 (rocdl.cvt.pk.f32.fp8):
// Q into the MFMA B fragments it keeps in registers, K and V on their way into LDS, so
// the LDS tiles and the MFMAs are the 16-bit ones. gfx942 with f8E4M3FNUZ (its format),
// gfx950 with f8E4M3FN; sizes that are not tile multiples; mixed descale granularities
// (the descales are kernel IR multiplies, lowered by the common core).
// RUN: attn-opt %s --attn-gqa-map --attn-tile=target=gfx942 --attn-online-softmax --attn-gpu-layout --attn-lower-amdgpu --canonicalize --cse | FileCheck %s
// RUN: sed 's/xf8E4M3FNUZ>/xf8E4M3FN>/g' %s | attn-opt --attn-gqa-map --attn-tile=target=gfx950 --attn-online-softmax --attn-gpu-layout --attn-lower-amdgpu --canonicalize --cse | FileCheck %s --check-prefix=GFX950
// The whole pipeline: no fp8 value reaches LDS or an MFMA.
// RUN: attn-opt %s --attn-to-rocdl=chip=gfx942 | FileCheck %s --check-prefix=ROCDL

// Q: four chunks of 8 bytes per lane (D = 64, two lane groups), each converted and kept.
// CHECK-LABEL: gpu.func @mha_attn0(
// CHECK-SAME: memref<?x?x?x64xf8E4M3FNUZ, strided<[?, ?, ?, 1], offset: ?>, #gpu.address_space<global>>
// CHECK: %[[QRAW:.*]] = scf.if %{{.*}} -> (vector<8xf8E4M3FNUZ>) {
// CHECK-NEXT: %[[QLD:.*]] = vector.load %arg0[{{.*}}] : memref<?x?x?x64xf8E4M3FNUZ, strided<[?, ?, ?, 1], offset: ?>, #gpu.address_space<global>>, vector<8xf8E4M3FNUZ>
// CHECK-NEXT: scf.yield %[[QLD]]
// CHECK: %[[QB:.*]] = arith.bitcast %[[QRAW]] : vector<8xf8E4M3FNUZ> to vector<8xi8>
// CHECK-NEXT: %[[QW:.*]] = vector.bitcast %[[QB]] : vector<8xi8> to vector<2xi32>
// CHECK-NEXT: %[[QW0:.*]] = vector.extract %[[QW]][0] : i32 from vector<2xi32>
// CHECK-NEXT: rocdl.cvt.pk.f32.fp8 %[[QW0]][false] : vector<2xf32>
// CHECK-NEXT: rocdl.cvt.pk.f32.fp8 %[[QW0]][true] : vector<2xf32>
// CHECK: arith.truncf %{{.*}} : vector<8xf32> to vector<8xbf16>
// CHECK-COUNT-3: rocdl.cvt.pk.f32.fp8 %{{.*}}[false] : vector<2xf32>
// CHECK: scf.for
// K: byte loads in the loop, converted, stored in LDS as bf16; the MFMAs read bf16.
// CHECK: vector.load %arg1[{{.*}}] : memref<?x?x?x64xf8E4M3FNUZ, strided<[?, ?, ?, 1], offset: ?>, #gpu.address_space<global>>, vector<8xf8E4M3FNUZ>
// CHECK: rocdl.cvt.pk.f32.fp8
// CHECK: %[[KT:.*]] = arith.truncf %{{.*}} : vector<8xf32> to vector<8xbf16>
// CHECK: vector.store %[[KT]], %{{.*}} : memref<{{[0-9]+}}xbf16, #gpu.address_space<workgroup>>, vector<8xbf16>
// CHECK: rocdl.mfma.f32.32x32x8bf16.1k
// V: byte loads, converted before its (transposed) LDS writes.
// CHECK: vector.load %arg2[{{.*}}] : memref<?x?x?x64xf8E4M3FNUZ, strided<[?, ?, ?, 1], offset: ?>, #gpu.address_space<global>>, vector<8xf8E4M3FNUZ>
// CHECK: rocdl.cvt.pk.f32.fp8
// CHECK: arith.truncf %{{.*}} : vector<8xf32> to vector<8xbf16>
// CHECK: rocdl.mfma.f32.32x32x8bf16.1k
// CHECK-NOT: xf8E4M3FNUZ, #gpu.address_space<workgroup>
// CHECK: gpu.return

// GFX950-LABEL: gpu.func @mha_attn0(
// GFX950: vector.load %arg0[{{.*}}] : memref<?x?x?x64xf8E4M3FN, strided<[?, ?, ?, 1], offset: ?>, #gpu.address_space<global>>, vector<8xf8E4M3FN>
// GFX950: rocdl.cvt.pk.f32.fp8 %{{.*}}[false] : vector<2xf32>
// GFX950: scf.for
// GFX950: vector.load %arg1[{{.*}}] : memref<?x?x?x64xf8E4M3FN
// GFX950: rocdl.cvt.pk.f32.fp8
// GFX950: rocdl.mfma.f32.32x32x16.bf16
// GFX950: vector.load %arg2[{{.*}}] : memref<?x?x?x64xf8E4M3FN
// GFX950: rocdl.cvt.pk.f32.fp8
// GFX950: gpu.return

// ROCDL-LABEL: llvm.func @mha_attn0(
// ROCDL-NOT: !llvm.ptr<3>, i8
// ROCDL-NOT: xi8>, !llvm.ptr<3>
// ROCDL: rocdl.cvt.pk.f32.fp8
// ROCDL-NOT: xi8>, !llvm.ptr<3>
// ROCDL: llvm.store {{.*}} : vector<8xbf16>, !llvm.ptr<3>
// ROCDL-NOT: !llvm.ptr<3> -> vector<{{[0-9]+}}xi8>
// ROCDL: llvm.load {{.*}} : !llvm.ptr<3> -> vector<8xbf16>
// ROCDL: rocdl.mfma.f32.32x32x8bf16.1k
// ROCDL-NOT: !llvm.ptr<3> -> vector<{{[0-9]+}}xi8>
// ROCDL: llvm.return

// GQA 4/2, causal, Sq 100 / Sk 90 (no tile multiples); per-(B, Hkv) q, per-head k,
// per-tensor v descales; bf16 out.
func.func @mha(%q: tensor<1x4x100x64xf8E4M3FNUZ>, %k: tensor<1x2x90x64xf8E4M3FNUZ>, %v: tensor<1x2x90x64xf8E4M3FNUZ>, %qd: tensor<1x2xf32>, %kd: tensor<2xf32>, %vd: tensor<f32>) -> tensor<1x4x100x64xbf16> {
  %o = attn.mha %q, %k, %v descale(%qd, %kd, %vd) {causal} : (tensor<1x4x100x64xf8E4M3FNUZ>, tensor<1x2x90x64xf8E4M3FNUZ>, tensor<1x2x90x64xf8E4M3FNUZ>, tensor<1x2xf32>, tensor<2xf32>, tensor<f32>) -> tensor<1x4x100x64xbf16>
  return %o : tensor<1x4x100x64xbf16>
}
