// Kernel IR the NVIDIA lowering cannot map fails with a located error.
// RUN: not attn-opt %s --attn-gqa-map --attn-tile=target=cpu --attn-online-softmax --attn-gpu-layout --attn-lower-nvgpu 2>&1 | FileCheck %s --check-prefix=CPU
// RUN: sed s/f16/f32/g %s | not attn-opt --attn-gqa-map --attn-tile=target=sm_90a --attn-online-softmax --attn-gpu-layout --attn-lower-nvgpu 2>&1 | FileCheck %s --check-prefix=F32
// RUN: not attn-opt %s --attn-gqa-map "--attn-tile=target=sm_90a block-m=96 num-warps=4" --attn-online-softmax --attn-gpu-layout --attn-lower-nvgpu 2>&1 | FileCheck %s --check-prefix=BM
// RUN: not attn-opt %s --attn-gqa-map "--attn-tile=target=sm_90a block-n=512 num-warps=4" --attn-online-softmax --attn-gpu-layout --attn-lower-nvgpu 2>&1 | FileCheck %s --check-prefix=SMEM
// RUN: not attn-opt %s --attn-to-nvvm=chip=sm_80 2>&1 | FileCheck %s --check-prefix=CHIP
// The matmul form is attn-gpu-layout's decision: without it there is none.
// RUN: not attn-opt %s --attn-gqa-map --attn-tile=target=sm_90a --attn-online-softmax --attn-lower-nvgpu 2>&1 | FileCheck %s --check-prefix=NOLAYOUT

// CPU: errors.mlir:[[@LINE+7]]:{{[0-9]+}}: error: attn-lower-nvgpu: 'func.func' was tiled for target 'cpu'; the NVIDIA lowering needs sm_90a
// F32: [[@LINE+6]]:{{[0-9]+}}: error: attn-lower-nvgpu: 'func.func' has inputs that are not f16 or bf16 (mma.sync needs them)
// BM: errors.mlir:[[@LINE+5]]:{{[0-9]+}}: error: attn-lower-nvgpu: 'func.func' has block_m 96 and num_warps 4: each warp must own 16 or 32 query rows (one or two m16n8k16 tiles)
// SMEM: errors.mlir:[[@LINE+4]]:{{[0-9]+}}: error: attn-lower-nvgpu: 'vector.transfer_read' needs 313344 bytes of shared memory for its tiles; sm_90a has 227 KiB per CTA (use a smaller block_n)
// NOLAYOUT: errors.mlir:[[@LINE+3]]:{{[0-9]+}}: error: attn-lower-nvgpu: 'func.func' has no attn.mma = "wgmma" | "mma_sync": run attn-gpu-layout first
// CHIP: attn-to-nvvm: unknown options 'chip=sm_80' (expected chip=sm_90a)
func.func @f(%q: tensor<1x4x?x128xf16>, %k: tensor<1x4x?x128xf16>, %v: tensor<1x4x?x128xf16>) -> tensor<1x4x?x128xf16> {
  %o = attn.mha %q, %k, %v : (tensor<1x4x?x128xf16>, tensor<1x4x?x128xf16>, tensor<1x4x?x128xf16>) -> tensor<1x4x?x128xf16>
  return %o : tensor<1x4x?x128xf16>
}
