// fp8 KV caches on sm_90a (docs/fp8.md): attn-lower-nvgpu stages an fp8
// paged K/V tile (the arith.extf of its fp8 pieces) by loading each run of
// 8 cache bytes (one 8-byte global load: half the traffic of 16-bit rows),
// converting pairs with cvt.rn.f16x2.e4m3x2 (bf16: through f32, exact),
// zeroing runs past the block's valid slots with a select, and storing 8
// 16-bit elements into shared memory; no cp.async of the fp8 cache. The
// matmuls read the staged tile as a 16-bit one (ldmatrix, mma.sync). A
// per-token k_scale is a column vector of pieces read through the block
// table; a per-head v_scale one load per program.
// RUN: attn-opt %s --attn-gqa-map "--attn-tile=target=sm_90a block-n=32" --attn-online-softmax --attn-gpu-layout --attn-lower-nvgpu --canonicalize --cse | FileCheck %s
// RUN: sed 's/xbf16>/xf16>/g' %s | attn-opt --attn-gqa-map "--attn-tile=target=sm_90a block-n=32" --attn-online-softmax --attn-gpu-layout --attn-lower-nvgpu --canonicalize --cse | FileCheck %s --check-prefix=F16
// RUN: attn-opt %s --attn-to-nvvm | FileCheck %s --check-prefix=NVVM

// CHECK-LABEL: gpu.func @paged_attn0(
// CHECK-SAME: memref<?x?x?x64xf8E4M3FN, strided<[?, ?, ?, 1], offset: ?>, #gpu.address_space<global>>, %[[VC:[^:]+]]: memref<?x?x?x64xf8E4M3FN
// CHECK-NOT: nvgpu.device_async_copy
// CHECK: memref.load %{{.*}}[%block_id_y] : memref<?xf32, strided<[?], offset: ?>, #gpu.address_space<global>>
// CHECK: %[[RAW:.*]] = vector.load %{{.*}} {alignment = 8 : i64} : memref<?x64xf8E4M3FN, strided<[?, 1], offset: ?>, #gpu.address_space<global>>, vector<8xf8E4M3FN>
// CHECK-NEXT: %[[BITS:.*]] = arith.bitcast %[[RAW]] : vector<8xf8E4M3FN> to vector<8xi8>
// CHECK-NEXT: %[[PAIR:.*]] = vector.shuffle %[[BITS]], %[[BITS]] [0, 1]
// CHECK-NEXT: %[[H:.*]] = nvvm.convert.f8x2.to.f16x2 %[[PAIR]] : vector<2xi8>(f8E4M3FN) -> vector<2xf16>
// CHECK-NEXT: %[[F:.*]] = arith.extf %[[H]] : vector<2xf16> to vector<2xf32>
// CHECK-NEXT: arith.truncf %[[F]] : vector<2xf32> to vector<2xbf16>
// CHECK: %[[STAGED:.*]] = arith.select %{{.*}} : vector<8xbf16>
// CHECK-NEXT: vector.store %[[STAGED]], %{{.*}} : memref<{{[0-9]+}}xbf16, #gpu.address_space<workgroup>>, vector<8xbf16>
// CHECK-NOT: nvgpu.device_async_copy
// CHECK: nvgpu.ldmatrix {{.*}} : memref<{{[0-9]+}}xbf16, #gpu.address_space<workgroup>> -> vector<4x2xbf16>
// CHECK: nvvm.mma.sync
// CHECK: memref.load %{{.*}} : memref<?xf32, strided<[?], offset: ?>, #gpu.address_space<global>>
// CHECK: gpu.func @paged_attn0_merge(

// F16-LABEL: gpu.func @paged_attn0(
// F16: vector.load %{{.*}} {alignment = 8 : i64} : memref<?x64xf8E4M3FN, strided<[?, 1], offset: ?>, #gpu.address_space<global>>, vector<8xf8E4M3FN>
// F16: nvvm.convert.f8x2.to.f16x2 %{{.*}} : vector<2xi8>(f8E4M3FN) -> vector<2xf16>
// F16-NOT: arith.truncf {{.*}} to vector<2xf16>
// F16: vector.store %{{.*}} : memref<{{[0-9]+}}xf16, #gpu.address_space<workgroup>>, vector<8xf16>

// NVVM: llvm.load %{{.*}} {alignment = 8 : i64} : !llvm.ptr<1> -> vector<8xi8>
// NVVM: nvvm.convert.f8x2.to.f16x2
func.func @paged(%q: tensor<?x8x64xbf16>, %kc: tensor<40x16x2x64xf8E4M3FN>, %vc: tensor<40x16x2x64xf8E4M3FN>,
                 %bt: tensor<3x8xi32>, %sl: tensor<3xi32>, %qsl: tensor<4xi32>,
                 %ks: tensor<40x16x2xf32>, %vs: tensor<2xf32>) -> tensor<?x8x64xbf16> {
  %o = attn.paged_attention %q, %kc, %vc, %bt, %sl, %qsl kv_scale(%ks, %vs)
      {causal, attn.paged_mode = "decode"}
      : (tensor<?x8x64xbf16>, tensor<40x16x2x64xf8E4M3FN>, tensor<40x16x2x64xf8E4M3FN>,
         tensor<3x8xi32>, tensor<3xi32>, tensor<4xi32>, tensor<40x16x2xf32>,
         tensor<2xf32>) -> tensor<?x8x64xbf16>
  return %o : tensor<?x8x64xbf16>
}
