// attn.mla's split kernel on sm_90a (docs/mla.md): 16 query heads x 4 warps
// that split the 512 output columns (attn.warp_cols = 4, attn-gpu-layout).
// - lanes: warp w is row group w / 4 (rows 16 (w / 4) + ...) and column group
//   w % 4, whose first column of the 512 is 128 (w % 4); only column group 0
//   stores the lse;
// - Q is staged in shared memory once (D = 576), followed by the exchange of
//   the partial S products: each warp multiplies its 144 of the 576 head-dim
//   columns (attn.k_per_warp) and the 4 partials are summed through shared
//   memory (two barriers per tile);
// - each KV loop stages each 32 x 576 K tile once, in a two-buffer ring (the
//   K and V buffers; tile iv in buffer (iv / 32) % 2, 18688 elements apart): at
//   the K read, wait + barrier, then the next tile's 18 copies per thread, and
//   no other copy (V is not read from global memory: P V's ldmatrix.trans
//   reads the first 512 columns of the same buffer, at the warp's column);
// - each warp's P V, accumulator (16 blocks of its 128 columns per row slot,
//   32 loop-carried vector<2xf32> next to m and l) and split_out stores are its own
//   columns.
// RUN: attn-opt %s --attn-gqa-map --attn-tile=target=sm_90a --attn-online-softmax --attn-gpu-layout --attn-lower-nvgpu | FileCheck %s
// The merge kernel splits its 512-column tiles the same way (4 warps of 128 columns).
// RUN: attn-opt %s --attn-gqa-map --attn-tile=target=sm_90a --attn-online-softmax --attn-gpu-layout --attn-lower-nvgpu | FileCheck %s --check-prefix=MERGE

// CHECK-LABEL: gpu.func @mla_attn0(
// CHECK: %[[TID:.+]] = gpu.thread_id x
// CHECK: %[[WARP:.+]] = arith.divui %[[TID]], %c32 : index
// CHECK: %[[ROWG:.+]] = arith.divui %[[WARP]], %c4{{.*}} : index
// CHECK: arith.muli %[[ROWG]], %c16 : index
// CHECK: %[[COLG:.+]] = arith.remui %[[WARP]], %c4{{.*}} : index
// CHECK: %[[COL0:.+]] = arith.muli %[[COLG]], %c128 : index
// CHECK: %[[LSEG:.+]] = arith.cmpi eq, %[[COLG]], %c0{{.*}} : index
// CHECK: %[[LSEOWNER:.+]] = arith.andi %{{.+}}, %[[LSEG]] : i1
// Q: 16 x 576 into shared memory (after the two 32 x 584 K buffers), once.
// CHECK: nvgpu.device_async_copy {{.*}} : memref<?x?x576xbf16, {{.*}}> to memref<50820xbf16, #gpu.address_space<workgroup>>
// CHECK: nvvm.cp.async.wait.group 0
// CHECK-NEXT: gpu.barrier
// The first loop: its first K tile, into the ring buffer of lb.
// CHECK: gpu.barrier
// CHECK-NEXT: %[[HAS:.+]] = arith.cmpi slt
// CHECK-NEXT: scf.if %[[HAS]] {
// CHECK: arith.muli %{{.+}}, %c18688{{.*}} : index
// CHECK: nvgpu.device_async_copy {{.*}} : memref<?x576xbf16, {{.*}}> to memref<50820xbf16, #gpu.address_space<workgroup>>
// CHECK: = scf.for {{.*}} -> (f32, f32, f32, f32, vector<2xf32>, vector<2xf32>, vector<2xf32>, vector<2xf32>, vector<2xf32>, vector<2xf32>, vector<2xf32>, vector<2xf32>, vector<2xf32>, vector<2xf32>, vector<2xf32>, vector<2xf32>, vector<2xf32>, vector<2xf32>, vector<2xf32>, vector<2xf32>, vector<2xf32>, vector<2xf32>, vector<2xf32>, vector<2xf32>, vector<2xf32>, vector<2xf32>, vector<2xf32>, vector<2xf32>, vector<2xf32>, vector<2xf32>, vector<2xf32>, vector<2xf32>, vector<2xf32>, vector<2xf32>, vector<2xf32>, vector<2xf32>) {
// CHECK-NOT: nvgpu.device_async_copy
// CHECK: nvvm.cp.async.wait.group 0
// CHECK-NEXT: gpu.barrier
// CHECK-NEXT: %[[MORE:.+]] = arith.cmpi slt
// CHECK-NEXT: scf.if %[[MORE]] {
// CHECK: arith.muli %{{.+}}, %c18688{{.*}} : index
// CHECK-COUNT-18: nvgpu.device_async_copy {{.*}} : memref<?x576xbf16, {{.*}}> to memref<50820xbf16, #gpu.address_space<workgroup>>
// CHECK-NOT: nvgpu.device_async_copy
// CHECK-NOT: gpu.barrier
// CHECK-NOT: nvvm.cp.async.wait.group
// Q K^T split among the column groups (attn.k_per_warp = 144): the warp's
// head-dim columns start at 144 (w % 4), in the K tile and in Q (at 37376,
// after the ring); 9 k-chunks: 9 Q and 20 K ldmatrix per 16 query rows.
// CHECK: %[[KG:.+]] = arith.remui %{{.+}}, %c4{{.*}} : index
// CHECK-NEXT: %c144 = arith.constant 144 : index
// CHECK-NEXT: %[[KCOL:.+]] = arith.muli %[[KG]], %c144 : index
// CHECK: arith.addi %{{.+}}, %[[KCOL]] : index
// CHECK-NEXT: arith.addi %{{.+}}, %[[KCOL]] : index
// CHECK-COUNT-29: nvgpu.ldmatrix %arg7[%{{.+}}] {numTiles = {{[24]}} : i32, transpose = false}
// CHECK-NOT: nvgpu.ldmatrix
// The partial S (8 blocks of 2 f32 a lane) into the warp's 1024-element
// region of the exchange after Q (46720), between two barriers, then the
// row group's 4 regions summed in warp order (32 loads: 8 blocks x 4).
// CHECK: gpu.barrier
// CHECK-COUNT-8: vector.store %{{.+}}, %arg7[%{{.+}}] {alignment = 8 : i64} : memref<50820xbf16, #gpu.address_space<workgroup>>, vector<4xbf16>
// CHECK-NEXT: gpu.barrier
// CHECK: %[[P0:.+]] = vector.load %arg7[%{{.+}}] {alignment = 8 : i64} : memref<50820xbf16, #gpu.address_space<workgroup>>, vector<4xbf16>
// CHECK: %[[P1:.+]] = vector.load %arg7[%{{.+}}] {alignment = 8 : i64} : memref<50820xbf16, #gpu.address_space<workgroup>>, vector<4xbf16>
// CHECK: %[[S01:.+]] = arith.addf %{{.+}}, %{{.+}} : vector<2xf32>
// CHECK-COUNT-30: vector.load %arg7[%{{.+}}] {alignment = 8 : i64} : memref<50820xbf16, #gpu.address_space<workgroup>>, vector<4xbf16>
// CHECK-NOT: nvgpu.device_async_copy
// CHECK-NOT: gpu.barrier
// CHECK-NOT: nvvm.cp.async.wait.group
// P V: the warp's first column, then the tile's ring buffer.
// CHECK: %[[AT:.+]] = arith.addi %{{.+}}, %[[COL0]] : index
// CHECK-NEXT: arith.addi %[[AT]], %{{.+}} : index
// CHECK-COUNT-16: nvgpu.ldmatrix %arg7[%{{.+}}] {numTiles = 4 : i32, transpose = true}
// CHECK-NOT: nvgpu.device_async_copy
// CHECK-NOT: nvgpu.ldmatrix
// CHECK: scf.yield
// split_out, after the last loop's accumulator (blocks 0-35) is normalized:
// this warp's 128 columns (16 pairs per row slot).
// CHECK: arith.mulf %{{[0-9]+}}#35,
// CHECK: %[[OCOL:.+]] = arith.addi %{{.+}}, %[[COL0]] : index
// CHECK: %[[OBASE:.+]] = arith.addi %c0{{.*}}, %[[OCOL]] : index
// CHECK: %[[O0:.+]] = arith.addi %[[OBASE]], %c0{{.*}} : index
// CHECK-NEXT: vector.store %{{.+}}, %{{.+}}[%{{.+}}, %{{.+}}, %{{.+}}, %[[O0]]] : memref<?x?x?x512xf32, {{.*}}>, vector<2xf32>
// CHECK: %[[O120:.+]] = arith.addi %[[OBASE]], %c120{{.*}} : index
// CHECK-NEXT: vector.store %{{.+}}, %{{.+}}[%{{.+}}, %{{.+}}, %{{.+}}, %[[O120]]] : memref<?x?x?x512xf32, {{.*}}>, vector<2xf32>
// CHECK-NOT: %c128
// CHECK: arith.andi %[[LSEOWNER]], %{{.+}} : i1
// CHECK: memref.store {{.*}} : memref<?x?x?xf32, {{.*}}>
// CHECK: gpu.return

// kv_lora_rank = D (V is the K tile itself, no slice): staged once all the same.
// RUN: attn-opt %s --attn-gqa-map --attn-tile=target=sm_90a --attn-online-softmax --attn-gpu-layout --attn-lower-nvgpu | FileCheck %s --check-prefix=WHOLE
// WHOLE-LABEL: gpu.func @whole_attn1(
// WHOLE: = scf.for {{.*}} -> (f32, f32, f32, f32, vector<2xf32>, vector<2xf32>, vector<2xf32>, vector<2xf32>, vector<2xf32>, vector<2xf32>, vector<2xf32>, vector<2xf32>, vector<2xf32>, vector<2xf32>, vector<2xf32>, vector<2xf32>, vector<2xf32>, vector<2xf32>, vector<2xf32>, vector<2xf32>, vector<2xf32>, vector<2xf32>, vector<2xf32>, vector<2xf32>, vector<2xf32>, vector<2xf32>, vector<2xf32>, vector<2xf32>, vector<2xf32>, vector<2xf32>, vector<2xf32>, vector<2xf32>, vector<2xf32>, vector<2xf32>, vector<2xf32>, vector<2xf32>, vector<2xf32>, vector<2xf32>, vector<2xf32>, vector<2xf32>) {
// WHOLE-NOT: nvgpu.device_async_copy
// WHOLE: nvvm.cp.async.wait.group 0
// WHOLE-NEXT: gpu.barrier
// WHOLE-COUNT-18: nvgpu.device_async_copy {{.*}} : memref<?x576xbf16, {{.*}}> to memref<50820xbf16, #gpu.address_space<workgroup>>
// WHOLE-NOT: nvgpu.device_async_copy
// WHOLE: nvgpu.ldmatrix %arg7[%{{.+}}] {numTiles = 4 : i32, transpose = true}
// WHOLE-NOT: nvgpu.device_async_copy
// WHOLE: scf.yield

// A split Q K^T that does not fit is a located error: a share of the head
// dim other than D / attn.warp_cols, or Q in registers (its fragments are
// loaded whole; the split reads Q's columns in shared memory at the warp's
// offset).
// RUN: attn-opt %s --attn-gqa-map --attn-tile=target=sm_90a --attn-online-softmax --attn-gpu-layout --mlir-print-debuginfo | sed 's/attn.k_per_warp = 144/attn.k_per_warp = 128/' | not attn-opt --attn-lower-nvgpu 2>&1 | FileCheck %s --check-prefix=BADK
// RUN: attn-opt %s --attn-gqa-map --attn-tile=target=sm_90a --attn-online-softmax --attn-gpu-layout --mlir-print-debuginfo | sed 's/{attn.layout = "smem.pad8", \(.*vector<16x576xbf16>\)/{attn.layout = "regs.mma_a", \1/' | not attn-opt --attn-lower-nvgpu 2>&1 | FileCheck %s --check-prefix=REGQ
// BADK: mla.mlir:[[#@LINE+16]]:8: error: attn-lower-nvgpu: 'vector.contract' has attn.k_per_warp = 128, which does not fit: it must be the head dim / attn.warp_cols, a multiple of 16
// REGQ: mla.mlir:[[#@LINE+15]]:8: error: attn-lower-nvgpu: 'vector.contract' has attn.k_per_warp = 144, which does not fit: Q is not staged in shared memory (attn.layout = "smem.pad8")

// MERGE-LABEL: gpu.func @mla_attn0_merge(
// MERGE-SAME: attn.kernel = {{{.*}}num_warps = 4 : i64
// MERGE: %[[WARP:.+]] = arith.divui %{{.+}}, %c32 : index
// MERGE: %[[COLG:.+]] = arith.remui %[[WARP]], %c4{{.*}} : index
// MERGE: %[[COL0:.+]] = arith.muli %[[COLG]], %c128 : index
// MERGE: scf.for
// MERGE: arith.addi %{{.+}}, %[[COL0]] : index
// MERGE: vector.load {{.*}} : memref<?x?x?x512xf32, {{.*}}>, vector<2xf32>
// MERGE: scf.yield
// MERGE: arith.addi %{{.+}}, %[[COL0]] : index
// MERGE: vector.store {{.*}} : memref<?x?x512xbf16, {{.*}}>, vector<2xbf16>
// MERGE: gpu.return
func.func @mla(%q: tensor<?x16x576xbf16>, %kv: tensor<?x64x576xbf16>, %bt: tensor<?x?xi32>, %sl: tensor<?xi32>, %qsl: tensor<?xi32>) -> tensor<?x16x512xbf16> {
  %o = attn.mla %q, %kv, %bt, %sl, %qsl {kv_lora_rank = 512 : i64} : (tensor<?x16x576xbf16>, tensor<?x64x576xbf16>, tensor<?x?xi32>, tensor<?xi32>, tensor<?xi32>) -> tensor<?x16x512xbf16>
  return %o : tensor<?x16x512xbf16>
}

func.func @whole(%q: tensor<?x16x576xbf16>, %kv: tensor<?x64x576xbf16>, %bt: tensor<?x?xi32>, %sl: tensor<?xi32>, %qsl: tensor<?xi32>) -> tensor<?x16x576xbf16> {
  %o = attn.mla %q, %kv, %bt, %sl, %qsl {kv_lora_rank = 576 : i64, causal} : (tensor<?x16x576xbf16>, tensor<?x64x576xbf16>, tensor<?x?xi32>, tensor<?xi32>, tensor<?xi32>) -> tensor<?x16x576xbf16>
  return %o : tensor<?x16x576xbf16>
}
