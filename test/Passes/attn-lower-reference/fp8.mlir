// fp8 in the reference lowering (the executable definition, docs/fp8.md):
// every element is decoded exactly from its bits with integer ops (MLIR 22
// has no LLVM lowering of arith.extf from fp8) and multiplied by its scale
// in f32: the descales of (batch, KV head), q's by its head's KV head; a
// paged cache's per-token scale at the key's (block, slot, KV head).
// RUN: attn-opt %s --attn-lower-reference | FileCheck %s
// RUN: attn-opt %s --attn-to-cpu-reference | FileCheck %s --check-prefix=LLVM
// RUN: sed s/xf8E4M3FN/xf8E4M3FNUZ/g %s | attn-opt --attn-lower-reference | FileCheck %s --check-prefix=FNUZ

// CHECK-LABEL: func.func @mha(
// CHECK: %[[QD:.*]] = bufferization.to_buffer %arg3
// CHECK: %[[KD:.*]] = bufferization.to_buffer %arg4
// CHECK: %[[VD:.*]] = bufferization.to_buffer %arg5
// CHECK: %[[KVH:.*]] = arith.divsi
// CHECK: %[[QDV:.*]] = memref.load %[[QD]][%{{.*}}, %[[KVH]]] : memref<2x2xf32>
// CHECK: %[[KDV:.*]] = memref.load %[[KD]][%[[KVH]]] : memref<2xf32>
// CHECK: %[[VDV:.*]] = memref.load %[[VD]][] : memref<f32>
// CHECK: %[[KB:.*]] = memref.load %{{.*}} : memref<2x2x?x32xf8E4M3FN>
// CHECK-NEXT: %[[I8:.*]] = arith.bitcast %[[KB]] : f8E4M3FN to i8
// CHECK-NEXT: %[[U:.*]] = arith.extui %[[I8]] : i8 to i32
// e4m3fn: 2^(127 - 7) for the normal numbers, 2^-9 per subnormal step.
// CHECK: arith.constant 1.329228E+36 : f32
// CHECK: arith.constant 0.001953125 : f32
// NaN: the magnitude bits 0x7F.
// CHECK: arith.cmpi eq, %{{.*}}, %c127_i32{{.*}} : i32
// CHECK: %[[K:.*]] = arith.select %{{.*}}, %cst{{.*}}, %{{.*}} : f32
// CHECK-NEXT: arith.mulf %[[K]], %[[KDV]] : f32
// CHECK: memref.load %{{.*}} : memref<2x4x?x32xf8E4M3FN>
// CHECK: %[[Q:.*]] = arith.select %{{.*}}, %cst{{.*}}, %{{.*}} : f32
// CHECK-NEXT: arith.mulf %[[Q]], %[[QDV]] : f32
// CHECK-NOT: arith.extf {{.*}}f8E4M3FN

// e4m3fnuz: bias 8, NaN the pattern 0x80 itself.
// FNUZ-LABEL: func.func @mha(
// FNUZ: arith.constant 6.64613997E+35 : f32
// FNUZ: arith.constant 9.765625E-4 : f32
// FNUZ: arith.cmpi eq, %{{.*}}, %c128_i32{{.*}} : i32

// LLVM: llvm.func @mha(
// LLVM-NOT: unrealized_conversion_cast
func.func @mha(%q: tensor<2x4x?x32xf8E4M3FN>, %k: tensor<2x2x?x32xf8E4M3FN>, %v: tensor<2x2x?x32xf8E4M3FN>,
               %qd: tensor<2x2xf32>, %kd: tensor<2xf32>, %vd: tensor<f32>) -> tensor<2x4x?x32xbf16> {
  %o = attn.mha %q, %k, %v descale(%qd, %kd, %vd) {causal}
      : (tensor<2x4x?x32xf8E4M3FN>, tensor<2x2x?x32xf8E4M3FN>, tensor<2x2x?x32xf8E4M3FN>,
         tensor<2x2xf32>, tensor<2xf32>, tensor<f32>) -> tensor<2x4x?x32xbf16>
  return %o : tensor<2x4x?x32xbf16>
}

// CHECK-LABEL: func.func @paged(
// CHECK: %[[KS:.*]] = bufferization.to_buffer %arg6
// CHECK: %[[VS:.*]] = bufferization.to_buffer %arg7
// CHECK: %[[VSV:.*]] = memref.load %[[VS]][%{{.*}}] : memref<2xf32>
// CHECK: %[[SLOT:.*]] = arith.remsi
// CHECK-NEXT: memref.load %{{.*}}[%[[BLK:.*]], %[[SLOT]], %{{.*}}, %{{.*}}] : memref<40x16x2x64xf8E4M3FN>
// CHECK: %[[KV:.*]] = arith.select %{{.*}}, %cst{{.*}}, %{{.*}} : f32
// CHECK-NEXT: %[[KSV:.*]] = memref.load %[[KS]][%[[BLK]], %[[SLOT]], %{{.*}}] : memref<40x16x2xf32>
// CHECK-NEXT: arith.mulf %[[KV]], %[[KSV]] : f32
func.func @paged(%q: tensor<?x8x64xbf16>, %kc: tensor<40x16x2x64xf8E4M3FN>, %vc: tensor<40x16x2x64xf8E4M3FN>,
                 %bt: tensor<3x8xi32>, %sl: tensor<3xi32>, %qsl: tensor<4xi32>,
                 %ks: tensor<40x16x2xf32>, %vs: tensor<2xf32>) -> tensor<?x8x64xbf16> {
  %o = attn.paged_attention %q, %kc, %vc, %bt, %sl, %qsl kv_scale(%ks, %vs) {causal}
      : (tensor<?x8x64xbf16>, tensor<40x16x2x64xf8E4M3FN>, tensor<40x16x2x64xf8E4M3FN>,
         tensor<3x8xi32>, tensor<3xi32>, tensor<4xi32>, tensor<40x16x2xf32>, tensor<2xf32>)
      -> tensor<?x8x64xbf16>
  return %o : tensor<?x8x64xbf16>
}
