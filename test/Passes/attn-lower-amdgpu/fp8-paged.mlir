// attn-lower-amdgpu on fp8 KV caches (docs/fp8.md, "AMD"): each 8-element run of a K/V
// tile is loaded as 8 fp8 bytes (rows past the sequence read the tile's zero padding),
// its two dwords converted by v_cvt_pk_f32_fp8 (rocdl.cvt.pk.f32.fp8, low and high
// word), the f32 values truncated exactly to q's type and stored in LDS as a 16-bit tile:
// the MFMAs are the 16-bit ones. gfx942 with f8E4M3FNUZ (its format), gfx950 with
// f8E4M3FN; decode (per-token k scale, per-head v scale) and prefill.
// RUN: attn-opt %s --attn-gqa-map --attn-tile=target=gfx942 --attn-online-softmax --attn-gpu-layout --attn-lower-amdgpu --canonicalize --cse | FileCheck %s
// RUN: sed 's/xf8E4M3FNUZ>/xf8E4M3FN>/g' %s | attn-opt --attn-gqa-map --attn-tile=target=gfx950 --attn-online-softmax --attn-gpu-layout --attn-lower-amdgpu --canonicalize --cse | FileCheck %s --check-prefix=GFX950
// RUN: sed 's/"decode"/"prefill"/' %s | attn-opt --attn-gqa-map --attn-tile=target=gfx942 --attn-online-softmax --attn-gpu-layout --attn-lower-amdgpu --canonicalize --cse | FileCheck %s
// The whole pipeline (attn-to-rocdl): byte loads, the conversions, no byte reaches LDS.
// RUN: attn-opt %s --attn-to-rocdl=chip=gfx942 | FileCheck %s --check-prefix=ROCDL

// CHECK-LABEL: gpu.func @decode_attn0(
// CHECK: %[[RAW:.*]] = scf.if %{{.*}} -> (vector<8xf8E4M3FNUZ>) {
// CHECK-NEXT: %[[LD:.*]] = vector.load %{{.*}} : memref<?x64xf8E4M3FNUZ, strided<[?, 1], offset: ?>, #gpu.address_space<global>>, vector<8xf8E4M3FNUZ>
// CHECK-NEXT: scf.yield %[[LD]]
// CHECK-NEXT: } else {
// CHECK-NEXT: scf.yield %{{.*}} : vector<8xf8E4M3FNUZ>
// CHECK: %[[B:.*]] = arith.bitcast %[[RAW]] : vector<8xf8E4M3FNUZ> to vector<8xi8>
// CHECK-NEXT: %[[W:.*]] = vector.bitcast %[[B]] : vector<8xi8> to vector<2xi32>
// CHECK-NEXT: %[[W0:.*]] = vector.extract %[[W]][0] : i32 from vector<2xi32>
// CHECK-NEXT: %[[P0:.*]] = rocdl.cvt.pk.f32.fp8 %[[W0]][false] : vector<2xf32>
// CHECK-NEXT: %[[P1:.*]] = rocdl.cvt.pk.f32.fp8 %[[W0]][true] : vector<2xf32>
// CHECK-NEXT: %[[W1:.*]] = vector.extract %[[W]][1] : i32 from vector<2xi32>
// CHECK-NEXT: %[[P2:.*]] = rocdl.cvt.pk.f32.fp8 %[[W1]][false] : vector<2xf32>
// CHECK-NEXT: %[[P3:.*]] = rocdl.cvt.pk.f32.fp8 %[[W1]][true] : vector<2xf32>
// CHECK-NEXT: %[[L:.*]] = vector.shuffle %[[P0]], %[[P1]] [0, 1, 2, 3]
// CHECK-NEXT: %[[H:.*]] = vector.shuffle %[[P2]], %[[P3]] [0, 1, 2, 3]
// CHECK-NEXT: %[[F:.*]] = vector.shuffle %[[L]], %[[H]] [0, 1, 2, 3, 4, 5, 6, 7]
// CHECK-NEXT: %[[T:.*]] = arith.truncf %[[F]] : vector<8xf32> to vector<8xbf16>
// CHECK: vector.store %[[T]], %{{.*}} : memref<{{[0-9]+}}xbf16, #gpu.address_space<workgroup>>, vector<8xbf16>
// CHECK-NOT: xf8E4M3FNUZ, #gpu.address_space<workgroup>
// CHECK: rocdl.mfma.f32.32x32x8bf16.1k
// CHECK-LABEL: gpu.func @decode_attn0_merge(
// CHECK-NOT: rocdl.cvt.pk.f32.fp8
// CHECK: gpu.return

// GFX950-LABEL: gpu.func @decode_attn0(
// GFX950: vector.load %{{.*}} : memref<?x64xf8E4M3FN, strided<[?, 1], offset: ?>, #gpu.address_space<global>>, vector<8xf8E4M3FN>
// GFX950: rocdl.cvt.pk.f32.fp8 %{{.*}}[false] : vector<2xf32>
// GFX950: rocdl.cvt.pk.f32.fp8 %{{.*}}[true] : vector<2xf32>
// GFX950: arith.truncf %{{.*}} : vector<8xf32> to vector<8xbf16>
// GFX950: rocdl.mfma.f32.32x32x16.bf16

// ROCDL-LABEL: llvm.func @decode_attn0(
// ROCDL: llvm.load {{.*}}!llvm.ptr<1> -> vector<8xi8>
// ROCDL: rocdl.cvt.pk.f32.fp8 %{{.*}}[false] : vector<2xf32>
// ROCDL-NOT: !llvm.ptr<3> -> vector<8xi8>
// ROCDL: rocdl.mfma
func.func @decode(%q: tensor<?x8x64xbf16>, %kc: tensor<40x16x2x64xf8E4M3FNUZ>, %vc: tensor<40x16x2x64xf8E4M3FNUZ>, %bt: tensor<3x8xi32>, %sl: tensor<3xi32>, %qsl: tensor<4xi32>, %ks: tensor<40x16x2xf32>, %vs: tensor<2xf32>) -> tensor<?x8x64xbf16> {
  %o = attn.paged_attention %q, %kc, %vc, %bt, %sl, %qsl kv_scale(%ks, %vs) {causal, attn.paged_mode = "decode"} : (tensor<?x8x64xbf16>, tensor<40x16x2x64xf8E4M3FNUZ>, tensor<40x16x2x64xf8E4M3FNUZ>, tensor<3x8xi32>, tensor<3xi32>, tensor<4xi32>, tensor<40x16x2xf32>, tensor<2xf32>) -> tensor<?x8x64xbf16>
  return %o : tensor<?x8x64xbf16>
}
