// attn-lower-nvgpu on a warp-specialized kernel (attn.schedule =
// "warp-specialized", attn-gpu-layout's choice for D = 128 without
// software pipelining): warps 8-11 (the producer warpgroup) copy every K/V
// tile into a two-buffer ring guarded by mbarriers; warps 0-7 compute, with
// no CTA barrier in their KV loops. docs/nvgpu.md, "Warp specialization".
// The producer's copies here are cp.async (tma=false: varlen kernels keep them);
// wgmma-tma.mlir has the TMA loads that dense kernels get by default.
// RUN: attn-opt %s --attn-gqa-map --attn-tile=target=sm_90a --attn-online-softmax --attn-gpu-layout=tma=false --attn-lower-nvgpu | FileCheck %s
// ws=false keeps the FA2 schedule (one CTA barrier per tile, 256 threads).
// RUN: attn-opt %s --attn-gqa-map --attn-tile=target=sm_90a --attn-online-softmax --attn-gpu-layout=ws=false --attn-lower-nvgpu | FileCheck %s --check-prefix=OFF
// Software-pipelined loops (num_stages 2) warp-specialized: the consumer warpgroups take
// turns issuing their matmuls (ping-pong, named barriers 2 and 3).
// RUN: attn-opt %s --attn-gqa-map "--attn-tile=target=sm_90a num-stages=2" --attn-online-softmax --attn-gpu-layout=tma=false --attn-gpu-pipeline --attn-lower-nvgpu | FileCheck %s --check-prefix=PING
// A ring of another size than 2-4 buffers is refused, located.
// RUN: attn-opt %s --attn-gqa-map --attn-tile=target=sm_90a --attn-online-softmax --attn-gpu-layout | sed 's/attn.ring = 3 : i64/attn.ring = 7 : i64/' | not attn-opt --attn-lower-nvgpu 2>&1 | FileCheck %s --check-prefix=RING
// RING: <stdin>:{{[0-9]+}}:{{[0-9]+}}: error: attn-lower-nvgpu: 'func.func' has an attn.ring other than 2, 3 or 4 buffers
// The register split follows attn.producer_regs (the consumers get (512 - p) / 2, a
// multiple of 8); one setmaxnreg cannot take is refused, located.
// RUN: attn-opt %s --attn-gqa-map --attn-tile=target=sm_90a --attn-online-softmax --attn-gpu-layout=tma=false | sed 's/attn.producer_regs = 56 : i64/attn.producer_regs = 120 : i64/' | attn-opt --attn-lower-nvgpu | FileCheck %s --check-prefix=REGS
// REGS: nvvm.setmaxregister decrease 120
// REGS: nvvm.setmaxregister increase 192
// RUN: attn-opt %s --attn-gqa-map --attn-tile=target=sm_90a --attn-online-softmax --attn-gpu-layout | sed 's/attn.producer_regs = 56 : i64/attn.producer_regs = 60 : i64/' | not attn-opt --attn-lower-nvgpu 2>&1 | FileCheck %s --check-prefix=BADREGS
// RUN: attn-opt %s --attn-gqa-map --attn-tile=target=sm_90a --attn-online-softmax --attn-gpu-layout | sed 's/attn.producer_regs = 56 : i64/attn.producer_regs = 480 : i64/' | not attn-opt --attn-lower-nvgpu 2>&1 | FileCheck %s --check-prefix=BADREGS
// BADREGS: <stdin>:{{[0-9]+}}:{{[0-9]+}}: error: attn-lower-nvgpu: 'func.func' has an attn.producer_regs that is not a multiple of 8 in [24, 256] leaving the consumers at least 24 (setmaxnreg)
// A kernel marked warp-specialized that cannot be (mma.sync) is refused, located.
// RUN: attn-opt %s --attn-gqa-map --attn-tile=target=sm_90a --attn-online-softmax --attn-gpu-layout=mma=mma_sync | sed 's/attn.mma = "mma_sync"/attn.mma = "mma_sync", attn.schedule = "warp-specialized"/' | not attn-opt --attn-lower-nvgpu 2>&1 | FileCheck %s --check-prefix=BAD

// 12 warps; three K and three V buffers (attn.ring = 3), Q and 72 elements (144 bytes) of mbarriers;
// nvvm.minctasm makes ptxas honour setmaxnreg.
// CHECK: gpu.func @f_attn0({{.*}} workgroup(%{{.*}} : memref<114760xbf16, #gpu.address_space<workgroup>> {llvm.align = 1024 : i64}) kernel attributes {attn.kernel = {{.*}}num_warps = 12 : i64{{.*}}known_block_size = array<i32: 384, 1, 1>, nvvm.minctasm = 1 : i32}
// Thread 0 makes 6 full barriers (128 producer arrivals) and 6 empty ones
// (256 consumer arrivals); a CTA barrier publishes them.
// CHECK: scf.if
// CHECK-COUNT-6: nvvm.mbarrier.init %{{.*}}, %c128_i32
// CHECK-COUNT-6: nvvm.mbarrier.init %{{.*}}, %c256_i32
// CHECK: gpu.barrier
// The producer: threads 256..383, registers given away.
// CHECK: %[[PROD:.*]] = arith.cmpi sge, %thread_id_x, %c256 : index
// CHECK-NEXT: scf.if %[[PROD]] {
// CHECK-NEXT: %[[PT:.*]] = arith.subi %thread_id_x, %c256 : index
// CHECK: nvvm.setmaxregister decrease 56
// Its KV loop carries only the counts of K and V tiles read; K tile n sits in
// buffer n % 3, its barriers in phase (n / 3) % 2.
// CHECK: scf.for %{{.*}} iter_args(%[[N:.*]] = %{{.*}}, %[[NV:.*]] = %{{.*}}) -> (index, index) {
// CHECK: %[[NEXT:.*]] = arith.addi %[[N]], %c1
// CHECK: %[[SLOT:.*]] = arith.remui %[[N]], %c3
// CHECK: %[[HALF:.*]] = arith.divui %[[N]], %c3
// CHECK: %[[PHASE:.*]] = arith.remui %[[HALF]], %c2
// CHECK: %[[FREE:.*]] = arith.xori %[[PHASE]], %c1
// Wait until the consumers released K's buffer (empty: barriers 6-8, byte 48).
// CHECK: arith.addi %{{.*}}, %c48_i64 : i64
// CHECK: %[[EPAR:.*]] = arith.index_cast %[[FREE]] : index to i32
// CHECK: nvvm.mbarrier.try_wait.parity %{{.*}}, %[[EPAR]]
// 16 copies of 16 bytes per producer thread (128 x 128 bf16), then the
// asynchronous arrival on K's full barrier.
// CHECK: arith.remui %[[PT]], %c16
// CHECK-COUNT-16: nvgpu.device_async_copy %arg1
// CHECK: nvvm.cp.async.commit.group
// CHECK: nvvm.cp.async.mbarrier.arrive %{{.*}} {noinc = true} : !llvm.ptr<3>
// V: empty barriers 9-11 (byte 72), the same copies, full barriers 3-5.
// CHECK: arith.addi %{{.*}}, %c72_i64 : i64
// CHECK: nvvm.mbarrier.try_wait.parity
// CHECK-COUNT-16: nvgpu.device_async_copy %arg2
// CHECK: nvvm.cp.async.mbarrier.arrive %{{.*}} {noinc = true} : !llvm.ptr<3>
// CHECK: %[[NEXTV:.*]] = arith.addi %[[NV]], %c1
// CHECK: scf.yield %[[NEXT]], %[[NEXTV]] : index, index
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
// CHECK: scf.for {{.*}} -> ({{.*}}vector<2xf32>, index, index) {
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

// The producer's copies of the three loops of a pipelined range: K only (prologue),
// K then V (steady: V of the previous tile), V only (epilogue); K and V are counted
// apart (two index iter_args).
// PING: nvvm.setmaxregister decrease 56
// PING: scf.for {{.*}} -> (index, index) {
// PING-COUNT-16: nvgpu.device_async_copy %arg1
// PING-NOT: nvgpu.device_async_copy %arg2
// PING: scf.yield %{{.*}}, %{{.*}} : index, index
// PING: scf.for {{.*}} -> (index, index) {
// PING-COUNT-16: nvgpu.device_async_copy %arg1
// PING-COUNT-16: nvgpu.device_async_copy %arg2
// PING: scf.yield
// PING: scf.for {{.*}} -> (index, index) {
// PING-NOT: nvgpu.device_async_copy %arg1
// PING-COUNT-16: nvgpu.device_async_copy %arg2
// PING: scf.yield
// Consumers: warpgroup 1 lets warpgroup 0 go first.
// PING: nvvm.setmaxregister increase 224
// PING: %[[WG1:.*]] = arith.cmpi eq, %{{.*}}, %c1
// PING-NEXT: scf.if %[[WG1]] {
// PING-NEXT: %[[C2:.*]] = arith.constant 2 : i32
// PING: nvvm.barrier.arrive id = %[[C2]] number_of_threads = %c256_i32{{[_0-9]*}}
// Prologue: the turn (barrier 2 + w) around Q K^T; the data waits come before it.
// PING: scf.for
// PING: nvvm.mbarrier.try_wait.parity
// PING: %[[MINE:.*]] = arith.addi %{{.*}}, %c2{{.*}} : index
// PING-NEXT: %[[MINE32:.*]] = arith.index_cast %[[MINE]] : index to i32
// PING: nvvm.barrier id = %[[MINE32]] number_of_threads = %c256_i32{{[_0-9]*}}
// PING-NOT: nvvm.wgmma.mma_async
// PING: nvvm.wgmma.fence.aligned
// PING: nvvm.wgmma.commit.group.sync.aligned
// PING-NOT: nvvm.wgmma
// PING: %[[WG:.*]] = arith.divui %thread_id_x, %c128
// PING: %[[THEIRS:.*]] = arith.subi %c3{{.*}}, %[[WG]] : index
// PING-NEXT: %[[THEIRS32:.*]] = arith.index_cast %[[THEIRS]] : index to i32
// PING: nvvm.barrier.arrive id = %[[THEIRS32]] number_of_threads = %c256_i32{{[_0-9]*}}
// Steady: one turn covers Q K^T of tile n and P V of tile n-1.
// PING: scf.for
// PING-COUNT-2: nvvm.mbarrier.try_wait.parity
// PING: nvvm.barrier id = %{{.*}} number_of_threads = %c256_i32{{[_0-9]*}}
// PING-NOT: nvvm.barrier
// PING: nvvm.wgmma.commit.group.sync.aligned
// PING-NOT: nvvm.barrier
// PING: nvvm.wgmma.commit.group.sync.aligned
// PING-NOT: nvvm.barrier id
// PING: nvvm.barrier.arrive id = %{{.*}} number_of_threads = %c256_i32{{[_0-9]*}}
// Q K^T's buffer is released at the softmax's wait (P V still running).
// PING-NOT: nvvm.wgmma
// PING: nvvm.wgmma.wait.group.sync.aligned 1
// PING-NEXT: nvvm.mbarrier.arrive
// At the end warpgroup 0 takes back warpgroup 1's first arrival.
// PING: %[[WG0:.*]] = arith.cmpi eq, %{{.*}}, %c0
// PING-NEXT: scf.if %[[WG0]] {
// PING-NEXT: %[[B2:.*]] = arith.constant 2 : i32
// PING: nvvm.barrier id = %[[B2]] number_of_threads = %c256_i32{{[_0-9]*}}
// PING-NEXT: }
// PING-NEXT: }
// PING-NEXT: gpu.return

// OFF: known_block_size = array<i32: 256, 1, 1>
// OFF-NOT: nvvm.minctasm
// OFF-NOT: mbarrier
// OFF-NOT: setmaxregister
// OFF: gpu.barrier

// BAD: <stdin>:{{[0-9]+}}:{{[0-9]+}}: error: attn-lower-nvgpu: 'func.func' has attn.schedule = "warp-specialized", which needs a wgmma kernel of two consumer warpgroups (block_m 128, num_warps 8)
func.func @f(%q: tensor<?x8x?x128xbf16>, %k: tensor<?x2x?x128xbf16>, %v: tensor<?x2x?x128xbf16>)
    -> tensor<?x8x?x128xbf16> {
  %o = attn.mha %q, %k, %v
      : (tensor<?x8x?x128xbf16>, tensor<?x2x?x128xbf16>, tensor<?x2x?x128xbf16>) -> tensor<?x8x?x128xbf16>
  return %o : tensor<?x8x?x128xbf16>
}
