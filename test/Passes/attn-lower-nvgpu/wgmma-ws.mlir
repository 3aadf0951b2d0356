// attn-lower-nvgpu on a warp-specialized kernel (attn.schedule =
// "warp-specialized", attn-gpu-layout's choice for D = 128 without
// software pipelining): warps 8-11 (the producer warpgroup) copy every K/V
// tile into a two-buffer ring guarded by mbarriers; warps 0-7 compute, with
// no CTA barrier in their KV loops. docs/nvgpu.md, "Warp specialization".
// RUN: attn-opt %s --attn-gqa-map --attn-tile=target=sm_90a --attn-online-softmax --attn-gpu-layout --attn-lower-nvgpu | FileCheck %s
// ws=false keeps the FA2 schedule (one CTA barrier per tile, 256 threads).
// RUN: attn-opt %s --attn-gqa-map --attn-tile=target=sm_90a --attn-online-softmax --attn-gpu-layout=ws=false --attn-lower-nvgpu | FileCheck %s --check-prefix=OFF
// A kernel marked warp-specialized that cannot be (mma.sync) is refused, located.
// RUN: attn-opt %s --attn-gqa-map --attn-tile=target=sm_90a --attn-online-softmax --attn-gpu-layout=mma=mma_sync | sed 's/attn.mma = "mma_sync"/attn.mma = "mma_sync", attn.schedule = "warp-specialized"/' | not attn-opt --attn-lower-nvgpu 2>&1 | FileCheck %s --check-prefix=BAD

// 12 warps; the four K/V buffers, Q and 64 elements (128 bytes) of mbarriers;
// nvvm.minctasm makes ptxas honour setmaxnreg.
// CHECK: gpu.func @f_attn0({{.*}} workgroup(%{{.*}} : memref<81984xbf16, #gpu.address_space<workgroup>> {llvm.align = 1024 : i64}) kernel attributes {attn.kernel = {{.*}}num_warps = 12 : i64{{.*}}known_block_size = array<i32: 384, 1, 1>, nvvm.minctasm = 1 : i32}
// Thread 0 makes 4 full barriers (128 producer arrivals) and 4 empty ones
// (256 consumer arrivals); a CTA barrier publishes them.
// CHECK: scf.if
// CHECK-COUNT-4: nvvm.mbarrier.init %{{.*}}, %c128_i32
// CHECK-COUNT-4: nvvm.mbarrier.init %{{.*}}, %c256_i32
// CHECK: gpu.barrier
// The producer: threads 256..383, registers given away.
// CHECK: %[[PROD:.*]] = arith.cmpi sge, %thread_id_x, %c256 : index
// CHECK-NEXT: scf.if %[[PROD]] {
// CHECK-NEXT: %[[PT:.*]] = arith.subi %thread_id_x, %c256 : index
// CHECK: nvvm.setmaxregister decrease 56
// Its KV loop carries only the tile count n; buffer n % 2, phase (n / 2) % 2.
// CHECK: scf.for %{{.*}} iter_args(%[[N:.*]] = %{{.*}}) -> (index) {
// CHECK: %[[SLOT:.*]] = arith.remui %[[N]], %c2
// CHECK: %[[HALF:.*]] = arith.divui %[[N]], %c2
// CHECK: %[[PHASE:.*]] = arith.remui %[[HALF]], %c2
// CHECK: %[[FREE:.*]] = arith.xori %[[PHASE]], %c1
// Wait until the consumers released K's buffer (empty: barriers 4-5, byte 32).
// CHECK: arith.addi %{{.*}}, %c32_i64 : i64
// CHECK: %[[EPAR:.*]] = arith.index_cast %[[FREE]] : index to i32
// CHECK: nvvm.mbarrier.try_wait.parity %{{.*}}, %[[EPAR]]
// 16 copies of 16 bytes per producer thread (128 x 128 bf16), then the
// asynchronous arrival on K's full barrier.
// CHECK: arith.remui %[[PT]], %c16
// CHECK-COUNT-16: nvgpu.device_async_copy %arg1
// CHECK: nvvm.cp.async.commit.group
// CHECK: nvvm.cp.async.mbarrier.arrive %{{.*}} {noinc = true} : !llvm.ptr<3>
// V: empty barriers 6-7 (byte 48), the same copies, full barriers 2-3.
// CHECK: arith.addi %{{.*}}, %c48_i64 : i64
// CHECK: nvvm.mbarrier.try_wait.parity
// CHECK-COUNT-16: nvgpu.device_async_copy %arg2
// CHECK: nvvm.cp.async.mbarrier.arrive %{{.*}} {noinc = true} : !llvm.ptr<3>
// CHECK: scf.yield %{{.*}} : index
// The producer computes nothing: no matmul, no store in its region.
// CHECK-NOT: nvvm.wgmma
// CHECK-NOT: vector.store
// CHECK: nvvm.cp.async.wait.group 0
// CHECK-NEXT: }
// The consumers: threads 0..255, registers taken.
// CHECK: %[[CONS:.*]] = arith.cmpi slt, %thread_id_x, %c256 : index
// CHECK-NEXT: scf.if %[[CONS]] {
// CHECK: nvvm.setmaxregister increase 224
// Q: copied by the consumers, then a named barrier of the 256 of them.
// CHECK: nvvm.cp.async.wait.group 0
// CHECK-NEXT: nvvm.fence.proxy
// CHECK-NOT: gpu.barrier
// CHECK: nvvm.barrier id = %c1_i32 number_of_threads = %c256_i32
// CHECK: scf.for {{.*}} -> ({{.*}}vector<2xf32>, index) {
// K landed (full phase (n / 2) % 2), fence for wgmma's async proxy.
// CHECK: nvvm.mbarrier.try_wait.parity
// CHECK-NEXT: nvvm.fence.proxy
// CHECK-NOT: gpu.barrier
// CHECK: nvvm.wgmma.commit.group.sync.aligned
// S's first use waits for the wgmma, then K's buffer is released.
// CHECK: nvvm.wgmma.wait.group.sync.aligned 0
// CHECK-NEXT: nvvm.mbarrier.arrive %{{.*}} : !llvm.ptr<3>
// CHECK-NOT: gpu.barrier
// CHECK: nvvm.mbarrier.try_wait.parity
// CHECK-NEXT: nvvm.fence.proxy
// CHECK-NOT: gpu.barrier
// P V, waited for at the loop's end; V's buffer released.
// CHECK: nvvm.wgmma.wait.group.sync.aligned 0
// CHECK-NEXT: nvvm.mbarrier.arrive %{{.*}} : !llvm.ptr<3>
// CHECK-NOT: gpu.barrier
// CHECK: scf.yield

// OFF: known_block_size = array<i32: 256, 1, 1>
// OFF-NOT: nvvm.minctasm
// OFF-NOT: mbarrier
// OFF-NOT: setmaxregister
// OFF: gpu.barrier

// BAD: error: attn-lower-nvgpu: 'func.func' has attn.schedule = "warp-specialized", which needs a wgmma kernel of two consumer warpgroups (block_m 128, num_warps 8) without software-pipelined loops
func.func @f(%q: tensor<?x8x?x128xbf16>, %k: tensor<?x2x?x128xbf16>, %v: tensor<?x2x?x128xbf16>)
    -> tensor<?x8x?x128xbf16> {
  %o = attn.mha %q, %k, %v
      : (tensor<?x8x?x128xbf16>, tensor<?x2x?x128xbf16>, tensor<?x2x?x128xbf16>) -> tensor<?x8x?x128xbf16>
  return %o : tensor<?x8x?x128xbf16>
}
