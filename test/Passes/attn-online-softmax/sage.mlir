// SAGE in the kernel IR (docs/fp8.md "SAGE"): the kernel takes q and k as i8
// memrefs, v as fp8, then q_descale, k_descale, v_descale and k_mean (all
// B x H x N). Q K^T is an i8 x i8 -> i32 vector.contract (exact), converted
// to f32 and multiplied by each key's k_descale (a vector<BN> of per-block
// scales loaded per KV tile) and each row's q_descale (a vector<BM> loaded
// once per program); V is read in fp8 and extended as fp8 kernels do; out's
// columns are multiplied by v_descale (vector<Dv>); with k_mean, lse gets
// scale * q_i . k_mean (a row reduction of the dequantized Q tile). The
// scale blocks (24 rows, 40 keys) are independent of the tiles (16, 128).
// RUN: attn-opt %s --attn-gqa-map --attn-tile --attn-online-softmax | FileCheck %s
// RUN: attn-opt %s --attn-gqa-map --attn-tile --attn-online-softmax --attn-lower-cpu | FileCheck %s --check-prefix=CPU
// RUN: attn-opt %s --attn-to-cpu | FileCheck %s --check-prefix=LLVM

// CHECK-LABEL: func.func @mha_attn0(
// CHECK-SAME: %[[Q:[^:]+]]: memref<?x?x?x32xi8, strided<[?, ?, ?, 1], offset: ?>>, %[[K:[^:]+]]: memref<?x?x?x32xi8, strided<[?, ?, ?, 1], offset: ?>>, %[[V:[^:]+]]: memref<?x?x?x32xf8E4M3FN, strided<[?, ?, ?, 1], offset: ?>>,
// CHECK-SAME: %[[QD:[^:]+]]: memref<?x?x?xf32, strided<[?, ?, ?], offset: ?>>, %[[KD:[^:]+]]: memref<?x?x?xf32, strided<[?, ?, ?], offset: ?>>, %[[VD:[^:]+]]: memref<?x?x?xf32, strided<[?, ?, ?], offset: ?>>, %[[KM:[^:]+]]: memref<?x?x?xf32, strided<[?, ?, ?], offset: ?>>, %{{[^:]+}}: memref<?x?x?x32xbf16,
// CHECK-SAME: attn.kernel = {{{.*}}sage
// CHECK: %[[B:.*]] = arith.divui
// CHECK: %[[H:.*]] = arith.remui
// CHECK: %[[KVH:.*]] = affine.apply
// CHECK: %[[QT:.*]] = vector.transfer_read %[[Q]]{{.*}} : memref<?x?x?x32xi8, {{.*}}>, vector<16x32xi8>
// The rows' q scales: q_descale[b, h, min((m0 + r) / 24, N - 1)].
// CHECK: %[[QROW:.*]] = scf.for
// CHECK: arith.divui %{{.*}}, %c24
// CHECK: memref.load %[[QD]][%[[B]], %[[H]], %{{.*}}]
// CHECK: vector.insert %{{.*}} : f32 into vector<16xf32>
// k_mean's lse term.
// CHECK: %[[MEAN:.*]] = scf.for
// CHECK: memref.load %[[KM]][%[[B]], %[[KVH]], %{{.*}}]
// CHECK: %[[QF:.*]] = arith.sitofp %[[QT]] : vector<16x32xi8> to vector<16x32xf32>
// CHECK: %[[MB:.*]] = vector.broadcast %[[MEAN]] : vector<32xf32> to vector<16x32xf32>
// CHECK: %[[PROD:.*]] = arith.mulf %[[QF]], %[[MB]]
// CHECK: %[[DOT:.*]] = vector.multi_reduction <add>, %[[PROD]]
// CHECK: %[[DQ:.*]] = arith.mulf %[[DOT]], %[[QROW]]
// CHECK: %[[SHIFT:.*]] = arith.mulf %[[DQ]], %{{.*}} : vector<16xf32>
// A KV tile: the integer matmul, the key scales, the row scales.
// CHECK: scf.for
// CHECK: %[[KT:.*]] = vector.transfer_read %[[K]]{{.*}} vector<128x32xi8>
// CHECK: %[[Z:.*]] = arith.constant dense<0> : vector<16x128xi32>
// CHECK: %[[S:.*]] = vector.contract {{.*}} %[[QT]], %[[KT]], %[[Z]] : vector<16x32xi8>, vector<128x32xi8> into vector<16x128xi32>
// CHECK: %[[SF:.*]] = arith.sitofp %[[S]] : vector<16x128xi32> to vector<16x128xf32>
// CHECK: %[[KS:.*]] = scf.for
// CHECK: arith.divui %{{.*}}, %c40
// CHECK: memref.load %[[KD]][%[[B]], %[[KVH]], %{{.*}}]
// CHECK: vector.insert %{{.*}} : f32 into vector<128xf32>
// CHECK: %[[KSB:.*]] = vector.broadcast %[[KS]] : vector<128xf32> to vector<16x128xf32>
// CHECK: %[[T1:.*]] = arith.mulf %[[SF]], %[[KSB]]
// CHECK: %[[QB:.*]] = vector.broadcast %[[QROW]] : vector<16xf32> to vector<128x16xf32>
// CHECK: %[[QBT:.*]] = vector.transpose %[[QB]], [1, 0]
// CHECK: arith.mulf %[[T1]], %[[QBT]]
// CHECK: %[[VT:.*]] = vector.transfer_read %[[V]]{{.*}} vector<128x32xf8E4M3FN>
// CHECK-NEXT: %[[VE:.*]] = arith.extf %[[VT]] : vector<128x32xf8E4M3FN> to vector<128x32xbf16>
// CHECK: vector.contract {{.*}}, %[[VE]],
// The epilogue: out's columns times v_descale, lse plus k_mean's term.
// CHECK: memref.load %[[VD]][%[[B]], %[[KVH]], %{{.*}}]
// CHECK: vector.broadcast %{{.*}} : vector<32xf32> to vector<16x32xf32>
// CHECK: math.log2
// CHECK: arith.addf %{{.*}}, %[[SHIFT]] : vector<16xf32>
// The host passes the descales and k_mean after the block mask's place, before out.
// CHECK-LABEL: func.func @mha(
// CHECK: call @__attn_launch_mha_attn0({{.*}}) : (memref<?x?x?x32xi8, [[S4:strided<\[\?, \?, \?, 1\], offset: \?>]]>, memref<?x?x?x32xi8, [[S4]]>, memref<?x?x?x32xf8E4M3FN, [[S4]]>, memref<?x?x?xf32, [[S3:strided<\[\?, \?, \?\], offset: \?>]]>, memref<?x?x?xf32, [[S3]]>, memref<?x?x?xf32, [[S3]]>, memref<?x?x?xf32, [[S3]]>, memref<?x?x?x32xbf16,

// The CPU lowering runs the integer matmul on the i8 values converted to f32
// (exact: every partial sum is an integer below 2^24) and leaves no i32 tile.
// CPU-LABEL: func.func @mha_attn0(
// CPU-NOT: vector.contract
// CPU-NOT: x128xi32>
// Q's columns for k_mean's term (once per program), K's rows when packed, Q's
// columns in the micro-kernel.
// CPU: arith.sitofp %{{.*}} : vector<16xi8> to vector<16xf32>
// CPU: arith.sitofp %{{.*}} : vector<32xi8> to vector<32xf32>
// CPU: arith.sitofp %{{.*}} : vector<16xi8> to vector<16xf32>
// CPU-NOT: vector.contract
// CPU-NOT: x128xi32>
// CPU-LABEL: func.func @mha(

// LLVM: llvm.func @mha_attn0(
// LLVM-NOT: unrealized_conversion_cast
// LLVM-NOT: arith.
// LLVM: llvm.func @mha(
func.func @mha(%q: tensor<2x4x?x32xi8>, %k: tensor<2x2x?x32xi8>, %v: tensor<2x2x?x32xf8E4M3FN>,
               %qd: tensor<2x4x?xf32>, %kd: tensor<2x2x?xf32>, %vd: tensor<2x2x32xf32>, %km: tensor<2x2x32xf32>) -> (tensor<2x4x?x32xbf16>, tensor<2x4x?xf32>) {
  %o, %l = attn.mha %q, %k, %v descale(%qd, %kd, %vd) k_mean(%km) {causal, q_scale_block = 24 : i64, k_scale_block = 40 : i64}
      : (tensor<2x4x?x32xi8>, tensor<2x2x?x32xi8>, tensor<2x2x?x32xf8E4M3FN>,
         tensor<2x4x?xf32>, tensor<2x2x?xf32>, tensor<2x2x32xf32>, tensor<2x2x32xf32>) -> (tensor<2x4x?x32xbf16>, tensor<2x4x?xf32>)
  return %o, %l : tensor<2x4x?x32xbf16>, tensor<2x4x?xf32>
}
