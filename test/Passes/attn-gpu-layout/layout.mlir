// attn-gpu-layout records the matmul form of each NVIDIA kernel (attn.mma on
// the kernel function) and where every matmul operand lives (attn.layout on
// the tile reads and the matmuls); attn-lower-nvgpu follows it.
// Default sm_90a tiling of D = 128 (128 rows, 8 warps, FA2's schedule): wgmma, warp-specialized.
// RUN: attn-opt %s --attn-gqa-map --attn-tile=target=sm_90a --attn-online-softmax --attn-gpu-layout | FileCheck %s --check-prefix=WG
// ws=false leaves the schedule alone; so does one warpgroup (D = 64). Pipelined kernels
// (num_stages 2) are warp-specialized too.
// RUN: attn-opt %s --attn-gqa-map --attn-tile=target=sm_90a --attn-online-softmax --attn-gpu-layout=ws=false | FileCheck %s --check-prefix=NOWS
// RUN: attn-opt %s --attn-gqa-map "--attn-tile=target=sm_90a num-stages=2" --attn-online-softmax --attn-gpu-layout | FileCheck %s --check-prefix=WG
// RUN: sed 's/x128xbf16/x64xbf16/g' %s | attn-opt --attn-gqa-map --attn-tile=target=sm_90a --attn-online-softmax --attn-gpu-layout | FileCheck %s --check-prefix=NOWS
// 256-key tiles: three K/V buffers would not fit 227 KiB of shared memory, two are recorded.
// RUN: attn-opt %s --attn-gqa-map "--attn-tile=target=sm_90a block-n=256" --attn-online-softmax --attn-gpu-layout | FileCheck %s --check-prefix=RING2
// RING2: attn.mma = "wgmma", attn.producer_regs = 56 : i64, attn.ring = 2 : i64, attn.schedule = "warp-specialized"
// D = 192 (rows of 24 16-byte chunks, so each cp.async address is a register of its own):
// the producer keeps 120 registers (attn.producer_regs), the consumers get 192.
// RUN: sed 's/x128xbf16/x192xbf16/g' %s | attn-opt --attn-gqa-map --attn-tile=target=sm_90a --attn-online-softmax --attn-gpu-layout | FileCheck %s --check-prefix=WS192
// WS192: attn.mma = "wgmma", attn.producer_regs = 120 : i64, attn.ring = {{[23]}} : i64, attn.schedule = "warp-specialized"
// NOWS: attn.mma = "wgmma"
// NOWS-NOT: attn.producer_regs
// NOWS-NOT: attn.schedule
// NOWS-NOT: attn.copy
// With tma=auto (or true) the Q, K and V reads of warp-specialized kernels are TMA loads
// (attn.copy = "tma"); the default (tma=false for now) and tma=false leave them alone.
// RUN: attn-opt %s --attn-gqa-map --attn-tile=target=sm_90a --attn-online-softmax --attn-gpu-layout=tma=auto | FileCheck %s --check-prefix=TMA
// RUN: attn-opt %s --attn-gqa-map --attn-tile=target=sm_90a --attn-online-softmax "--attn-gpu-layout=tma=true ws=true" | FileCheck %s --check-prefix=TMA
// RUN: attn-opt %s --attn-gqa-map --attn-tile=target=sm_90a --attn-online-softmax --attn-gpu-layout=tma=false | FileCheck %s --check-prefix=NOTMA
// RUN: attn-opt %s --attn-gqa-map --attn-tile=target=sm_90a --attn-online-softmax --attn-gpu-layout | FileCheck %s --check-prefix=NOTMA
// TMA: attn.schedule = "warp-specialized"
// TMA: vector.transfer_read %arg0{{.*}} {attn.copy = "tma", attn.layout = "smem.swizzle128"
// TMA: vector.transfer_read %arg1{{.*}} {attn.copy = "tma", attn.layout = "smem.swizzle128"
// TMA: vector.transfer_read %arg2{{.*}} {attn.copy = "tma", attn.layout = "smem.swizzle128"
// NOTMA: attn.schedule = "warp-specialized"
// NOTMA: vector.transfer_read %arg1{{.*}} {attn.layout = "smem.swizzle128"
// NOTMA-NOT: attn.copy
// Varlen kernels read K/V through a subview per sequence, whose rows end with the
// sequence: a tensor map of the whole tensor would read the next sequence's rows (or
// padding) instead of zeros, so they keep the producer's cp.async copies.
// (test/Passes/attn-gpu-layout/varlen.mlir)
// 4 warps of 32 rows are not whole warpgroups: mma.sync, Q staged in shared memory.
// RUN: attn-opt %s --attn-gqa-map "--attn-tile=target=sm_90a block-n=64 num-warps=4" --attn-online-softmax --attn-gpu-layout | FileCheck %s --check-prefix=SYNC2
// mma.sync forced on 16 rows per warp: Q in A fragments in registers.
// RUN: attn-opt %s --attn-gqa-map "--attn-tile=target=sm_90a block-n=64" --attn-online-softmax --attn-gpu-layout=mma=mma_sync | FileCheck %s --check-prefix=SYNC1
// mma=auto spelled out is the default.
// RUN: attn-opt %s --attn-gqa-map --attn-tile=target=sm_90a --attn-online-softmax --attn-gpu-layout=mma=auto | FileCheck %s --check-prefix=WG
// Head dims that are not multiples of 64 cannot use the 128-byte swizzle boxes: mma.sync.
// RUN: sed 's/x128xbf16/x160xbf16/g' %s | attn-opt --attn-gqa-map "--attn-tile=target=sm_90a num-warps=8" --attn-online-softmax --attn-gpu-layout | FileCheck %s --check-prefix=D160
// AMD kernels: MFMA, the instruction of the chip, dtype and rows per wave (32: 32x32x8 on
// gfx942, 32x32x16 on gfx950); Q's A operands in registers, K and V in padded LDS.
// RUN: attn-opt %s --attn-gqa-map --attn-tile=target=gfx942 --attn-online-softmax --attn-gpu-layout | FileCheck %s --check-prefix=AMD
// RUN: attn-opt %s --attn-gqa-map --attn-tile=target=gfx950 --attn-online-softmax --attn-gpu-layout | FileCheck %s --check-prefix=AMD950
// RUN: attn-opt %s --attn-gqa-map "--attn-tile=target=gfx942 num-warps=8" --attn-online-softmax --attn-gpu-layout | FileCheck %s --check-prefix=AMD16
// CPU kernels are left alone.
// RUN: attn-opt %s --attn-gqa-map --attn-tile=target=cpu --attn-online-softmax --attn-gpu-layout | FileCheck %s --check-prefix=CPU

// WG: func.func @f_attn0({{.*}} attributes {attn.kernel = {{{.*}}num_warps = 8 : i64{{.*}}}, attn.mma = "wgmma", attn.producer_regs = 56 : i64, attn.ring = 3 : i64, attn.schedule = "warp-specialized"}
// WG: vector.transfer_read %arg0{{.*}} {attn.layout = "smem.swizzle128", in_bounds = [false, true]}
// WG: scf.for
// WG: vector.transfer_read %arg1{{.*}} {attn.layout = "smem.swizzle128"
// WG: vector.contract {{.*}} {attn.layout = "wgmma.m64n128k16.ss"}
// WG: vector.transfer_read %arg2{{.*}} {attn.layout = "smem.swizzle128"
// WG: vector.contract {{.*}} {attn.layout = "wgmma.m64n128k16.rs"}

// SYNC2: attn.mma = "mma_sync"
// SYNC2: vector.transfer_read %arg0{{.*}} {attn.layout = "smem.pad8"
// SYNC2: vector.transfer_read %arg1{{.*}} {attn.layout = "smem.pad8"
// SYNC2: vector.contract {{.*}} {attn.layout = "mma_sync.m16n8k16.ss"}
// SYNC2: vector.contract {{.*}} {attn.layout = "mma_sync.m16n8k16.rs"}

// SYNC1: attn.mma = "mma_sync"
// SYNC1: vector.transfer_read %arg0{{.*}} {attn.layout = "regs.mma_a"
// SYNC1: vector.contract {{.*}} {attn.layout = "mma_sync.m16n8k16.rs"}

// D160: attn.mma = "mma_sync"
// D160: vector.transfer_read %arg0{{.*}} {attn.layout = "regs.mma_a"

// AMD: attn.mma = "mfma"
// AMD: vector.transfer_read %arg0{{.*}} {attn.layout = "regs.mfma_a"
// AMD: scf.for
// AMD: vector.transfer_read %arg1{{.*}} {attn.layout = "lds.pad"
// AMD: vector.contract {{.*}} {attn.layout = "mfma.32x32x8.bf16.rs"}
// AMD: vector.transfer_read %arg2{{.*}} {attn.layout = "lds.pad"
// AMD: vector.contract {{.*}} {attn.layout = "mfma.32x32x8.bf16.rs"}
// AMD950: vector.contract {{.*}} {attn.layout = "mfma.32x32x16.bf16.rs"}
// AMD16: vector.contract {{.*}} {attn.layout = "mfma.16x16x{{[0-9]+}}.bf16.rs"}
// CPU-NOT: attn.mma
// CPU-NOT: attn.layout
func.func @f(%q: tensor<?x8x?x128xbf16>, %k: tensor<?x2x?x128xbf16>, %v: tensor<?x2x?x128xbf16>)
    -> tensor<?x8x?x128xbf16> {
  %o = attn.mha %q, %k, %v {causal}
      : (tensor<?x8x?x128xbf16>, tensor<?x2x?x128xbf16>, tensor<?x2x?x128xbf16>) -> tensor<?x8x?x128xbf16>
  return %o : tensor<?x8x?x128xbf16>
}
