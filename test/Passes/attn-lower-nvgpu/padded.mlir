// Head dims padded to the MMA granule and rows of any alignment (issue 17;
// docs/limits.md). D = 40 (16-byte rows, tile of 64 columns: attn-tile pads it for
// wgmma; mma.sync forced here, with Q in fragments): 16-byte cp.async whose source
// bytes stop at the head dim (arith.minsi of 40 - col and 8, 0 past it).
// RUN: sed -e s/DH/40/g -e s/ET/bf16/g %s | attn-opt --attn-gqa-map --attn-tile=target=sm_90a --attn-online-softmax --attn-gpu-layout=mma=mma_sync --attn-lower-nvgpu | FileCheck %s --check-prefix=D40
// The default (wgmma on the 64-column tile): Q, K and V staged by cp.async clamped the same way.
// RUN: sed -e s/DH/40/g -e s/ET/bf16/g %s | attn-opt --attn-gqa-map --attn-tile=target=sm_90a --attn-online-softmax --attn-gpu-layout --attn-lower-nvgpu | FileCheck %s --check-prefix=D40WG
// D = 100 (200-byte rows: 8-byte copies, cp.async.ca without bypassL1, in an scf.for).
// RUN: sed -e s/DH/100/g -e s/ET/f16/g %s | attn-opt --attn-gqa-map --attn-tile=target=sm_90a --attn-online-softmax --attn-gpu-layout --attn-lower-nvgpu | FileCheck %s --check-prefix=D100
// D = 33 (66-byte rows: no cp.async of 2 bytes; loads and stores of one element, Q's
// fragments and the output one element at a time, guarded past column 33).
// RUN: sed -e s/DH/33/g -e s/ET/bf16/g %s | attn-opt --attn-gqa-map --attn-tile=target=sm_90a --attn-online-softmax --attn-gpu-layout --attn-lower-nvgpu | FileCheck %s --check-prefix=D33
// The same on gfx942: D = 33 reads Q and stages K/V one element at a time.
// RUN: sed -e s/DH/33/g -e s/ET/bf16/g %s | attn-opt --attn-gqa-map --attn-tile=target=gfx942 --attn-online-softmax --attn-gpu-layout --attn-lower-amdgpu | FileCheck %s --check-prefix=AMD33

// D40WG: arith.subi %c40{{[_0-9]*}}, %{{.*}} : index
// D40WG: arith.minsi {{.*}}, %c8{{[_0-9]*}} : index
// D40WG: nvgpu.device_async_copy %arg0{{.*}}, 8, %{{.*}} {bypassL1} : memref<?x?x?x40xbf16
// D40WG: nvvm.wgmma.mma_async

// Q's pairs past column 40 load the padding.
// D40: arith.cmpi slt, %{{.*}}, %c40{{[_0-9]*}} : index
// D40: scf.if %{{.*}} -> (vector<2xbf16>)
// D40: %[[LEFT:.*]] = arith.subi %c40{{[_0-9]*}}, %{{.*}} : index
// D40: arith.cmpi sgt, %[[LEFT]], %{{.*}} : index
// D40: arith.minsi %[[LEFT]], %{{.*}} : index
// D40: nvgpu.device_async_copy {{.*}}, 8, %{{.*}} {bypassL1} : memref<?x?x?x40xbf16
// D40-NOT: nvgpu.device_async_copy {{.*}}, 4, %
// Output stores: pairs, the block that crosses column 40 guarded.
// D40: arith.cmpi slt, %{{.*}}, %{{.*}} : index
// D40: vector.store %{{.*}} : memref<?x?x?x40xbf16, {{.*}}>, vector<2xbf16>

// D100: scf.for
// D100: nvgpu.device_async_copy {{.*}}, 4, %{{.*}} : memref<?x?x?x100xf16
// D100-NOT: {bypassL1} : memref<?x?x?x100xf16

// D33-NOT: nvgpu.device_async_copy
// D33: vector.load %{{.*}} : memref<?x?x?x33xbf16, {{.*}}>, vector<1xbf16>
// D33: scf.for
// D33: vector.store %{{.*}} : memref<{{[0-9]+}}xbf16, #gpu.address_space<workgroup>>, vector<1xbf16>
// D33: vector.store %{{.*}} : memref<?x?x?x33xbf16, {{.*}}>, vector<1xbf16>

// AMD33-NOT: vector.load %{{.*}} : memref<?x?x?x33xbf16, {{.*}}>, vector<{{[2-8]}}xbf16>
// AMD33: vector.load %{{.*}} : memref<?x?x?x33xbf16, {{.*}}>, vector<1xbf16>
// AMD33: rocdl.mfma.f32.32x32x8bf16.1k
func.func @f(%q: tensor<?x2x?xDHxET>, %k: tensor<?x2x?xDHxET>, %v: tensor<?x2x?xDHxET>) -> tensor<?x2x?xDHxET> {
  %o = attn.mha %q, %k, %v : (tensor<?x2x?xDHxET>, tensor<?x2x?xDHxET>, tensor<?x2x?xDHxET>) -> tensor<?x2x?xDHxET>
  return %o : tensor<?x2x?xDHxET>
}
