// mma=wgmma on a kernel wgmma cannot take is a located error that says why;
// a bad option is refused before anything runs.
// RUN: sed 's/x128xbf16/x160xbf16/g' %s | not attn-opt --attn-gqa-map "--attn-tile=target=sm_90a num-warps=8" --attn-online-softmax --attn-gpu-layout=mma=wgmma 2>&1 | FileCheck %s --check-prefix=D160
// RUN: not attn-opt %s --attn-gqa-map "--attn-tile=target=sm_90a num-warps=4" --attn-online-softmax --attn-gpu-layout=mma=wgmma 2>&1 | FileCheck %s --check-prefix=WARPS
// RUN: sed 's/bf16/f32/g' %s | not attn-opt --attn-gqa-map --attn-tile=target=sm_90a --attn-online-softmax --attn-gpu-layout=mma=wgmma 2>&1 | FileCheck %s --check-prefix=F32
// RUN: not attn-opt %s --attn-gqa-map "--attn-tile=target=sm_90a block-n=512" --attn-online-softmax --attn-gpu-layout=mma=wgmma 2>&1 | FileCheck %s --check-prefix=BN
// RUN: not attn-opt %s --attn-gpu-layout=mma=tensorcore 2>&1 | FileCheck %s --check-prefix=OPT
// ws=true where warp specialization does not fit: D=64's kernel is one warpgroup,
// mma.sync has no warpgroups, pipelined loops past Dv = 128 need too many registers.
// RUN: sed 's/x128xbf16/x256xbf16/g' %s | not attn-opt --attn-gqa-map "--attn-tile=target=sm_90a num-stages=2" --attn-online-softmax --attn-gpu-layout=ws=true 2>&1 | FileCheck %s --check-prefix=WSREGS
// WSREGS: error: attn-gpu-layout: 'func.func' cannot warp-specialize (ws=true): its software-pipelined loops need more registers than a consumer warpgroup gets past Dv = 128
// RUN: sed 's/x128xbf16/x64xbf16/g' %s | not attn-opt --attn-gqa-map --attn-tile=target=sm_90a --attn-online-softmax --attn-gpu-layout=ws=true 2>&1 | FileCheck %s --check-prefix=WSWG
// RUN: not attn-opt %s --attn-gqa-map "--attn-tile=target=sm_90a num-stages=1" --attn-online-softmax "--attn-gpu-layout=mma=mma_sync ws=true" 2>&1 | FileCheck %s --check-prefix=WSSYNC
// RUN: not attn-opt %s --attn-gpu-layout=ws=maybe 2>&1 | FileCheck %s --check-prefix=WSOPT
// TMA loads feed the producer's ring: tma=true needs a warp-specialized kernel.
// RUN: not attn-opt %s --attn-gqa-map --attn-tile=target=sm_90a --attn-online-softmax "--attn-gpu-layout=ws=false tma=true" 2>&1 | FileCheck %s --check-prefix=TMAWS
// RUN: not attn-opt %s --attn-gpu-layout=tma=yes 2>&1 | FileCheck %s --check-prefix=TMAOPT
// TMAWS: errors.mlir:[[@LINE+19]]:{{[0-9]+}}: error: attn-gpu-layout: 'func.func' cannot load K/V with TMA (tma=true): it is not warp-specialized (TMA loads feed the producer's ring)
// TMAOPT: attn-gpu-layout: unknown option 'tma=yes'
// WSWG: <stdin>:[[@LINE+17]]:{{[0-9]+}}: error: attn-gpu-layout: 'func.func' cannot warp-specialize (ws=true): it is not two warpgroups of 64 rows (block_m 128, num_warps 8)
// WSSYNC: errors.mlir:[[@LINE+16]]:{{[0-9]+}}: error: attn-gpu-layout: 'func.func' cannot warp-specialize (ws=true): it does not use wgmma
// WSOPT: attn-gpu-layout: unknown option 'ws=maybe' (expected mma=auto|mma_sync|wgmma, ws=auto|true|false, tma=auto|true|false, split-s=true|false, fp8-mfma=true|false)
// Paged K/V tiles (pieces of cache blocks) stay on mma.sync: auto picks it, wgmma is refused.
// RUN: sed 's/"decode"/"prefill"/' %S/../attn-lower-nvgpu/paged.mlir | not attn-opt --attn-gqa-map "--attn-tile=target=sm_90a num-warps=8 block-n=64" --attn-online-softmax --attn-gpu-layout=mma=wgmma 2>&1 | FileCheck %s --check-prefix=PAGED
// RUN: sed 's/"decode"/"prefill"/' %S/../attn-lower-nvgpu/paged.mlir | attn-opt --attn-gqa-map "--attn-tile=target=sm_90a num-warps=8 block-n=64" --attn-online-softmax --attn-gpu-layout | FileCheck %s --check-prefix=PAGEDAUTO
// PAGED: <stdin>:156:{{[0-9]+}}: error: attn-gpu-layout: 'func.func' cannot use wgmma (mma=wgmma): its K/V tiles are assembled from paged-cache pieces (mma.sync only for now)
// PAGEDAUTO: attn.mma = "mma_sync"
// PAGEDAUTO: attn.mma = "none"

// D160: <stdin>:[[@LINE+7]]:{{[0-9]+}}: error: attn-gpu-layout: 'func.func' cannot use wgmma (mma=wgmma): the head dim is not a multiple of 64 (128-byte swizzle boxes)
// WARPS: errors.mlir:[[@LINE+6]]:{{[0-9]+}}: error: attn-gpu-layout: 'func.func' cannot use wgmma (mma=wgmma): block_m 128 with 4 warps is not whole warpgroups of 64 rows (16 rows per warp)
// F32: <stdin>:[[@LINE+5]]:{{[0-9]+}}: error: attn-gpu-layout: 'func.func' cannot use wgmma (mma=wgmma): its tiles are not f16 or bf16
// BN: errors.mlir:[[@LINE+4]]:{{[0-9]+}}: error: attn-gpu-layout: 'func.func' cannot use wgmma (mma=wgmma): block_n is not a multiple of 16 up to 256
// OPT: attn-gpu-layout: unknown option 'mma=tensorcore' (expected mma=auto|mma_sync|wgmma, ws=auto|true|false, tma=auto|true|false, split-s=true|false, fp8-mfma=true|false)
func.func @f(%q: tensor<?x8x?x128xbf16>, %k: tensor<?x2x?x128xbf16>, %v: tensor<?x2x?x128xbf16>)
    -> tensor<?x8x?x128xbf16> {
  %o = attn.mha %q, %k, %v {causal}
      : (tensor<?x8x?x128xbf16>, tensor<?x2x?x128xbf16>, tensor<?x2x?x128xbf16>) -> tensor<?x8x?x128xbf16>
  return %o : tensor<?x8x?x128xbf16>
}
