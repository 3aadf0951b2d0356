// Kernel IR the AMD lowering cannot map fails with a located error.
// RUN: not attn-opt %s --attn-gqa-map --attn-tile=target=cpu --attn-online-softmax --attn-gpu-layout --attn-lower-amdgpu 2>&1 | FileCheck %s --check-prefix=CPU
// The lowering's own checks (without the layout stage), then attn-gpu-layout's, which
// runs first in attn-to-rocdl.
// RUN: sed s/f16/f32/g %s | not attn-opt --attn-gqa-map --attn-tile=target=gfx942 --attn-online-softmax --attn-lower-amdgpu 2>&1 | FileCheck %s --check-prefix=F32
// RUN: not attn-opt %s --attn-gqa-map "--attn-tile=target=gfx942 block-m=96" --attn-online-softmax --attn-lower-amdgpu 2>&1 | FileCheck %s --check-prefix=BM
// RUN: sed s/f16/f32/g %s | not attn-opt --attn-gqa-map --attn-tile=target=gfx942 --attn-online-softmax --attn-gpu-layout 2>&1 | FileCheck %s --check-prefix=F32L
// RUN: not attn-opt %s --attn-gqa-map "--attn-tile=target=gfx950 block-m=96" --attn-online-softmax --attn-gpu-layout 2>&1 | FileCheck %s --check-prefix=BML
// The MFMA form is attn-gpu-layout's decision: without it the lowering refuses.
// RUN: not attn-opt %s --attn-gqa-map --attn-tile=target=gfx942 --attn-online-softmax --attn-lower-amdgpu 2>&1 | FileCheck %s --check-prefix=NOLAYOUT
// A recorded instruction that does not fit the kernel (16 rows per wave, 32x32 recorded).
// RUN: attn-opt %s --attn-gqa-map --attn-tile=target=gfx942 --attn-online-softmax --attn-gpu-layout | sed 's/num_warps = 4/num_warps = 8/' | not attn-opt --attn-lower-amdgpu 2>&1 | FileCheck %s --check-prefix=MISMATCH
// RUN: not attn-opt %s --attn-lower-amdgpu --attn-to-rocdl=chip=gfx90a 2>&1 | FileCheck %s --check-prefix=CHIP

// CPU: errors.mlir:[[@LINE+9]]:{{[0-9]+}}: error: attn-lower-amdgpu: 'func.func' was tiled for target 'cpu'; the AMD lowering needs gfx942 or gfx950
// F32: [[@LINE+8]]:{{[0-9]+}}: error: attn-lower-amdgpu: 'func.func' has inputs that are not f16 or bf16 (MFMA needs them)
// BM: errors.mlir:[[@LINE+7]]:{{[0-9]+}}: error: attn-lower-amdgpu: 'func.func' has block_m 96 and num_warps 4: each wave must own 32 or 16 query rows (an MFMA block)
// F32L: [[@LINE+6]]:{{[0-9]+}}: error: attn-gpu-layout: 'func.func' has tiles that are not f16 or bf16 (MFMA needs them)
// BML: errors.mlir:[[@LINE+5]]:{{[0-9]+}}: error: attn-gpu-layout: 'func.func' has block_m 96 and num_warps 4: each wave must own 32 or 16 query rows (an MFMA block)
// NOLAYOUT: errors.mlir:[[@LINE+4]]:{{[0-9]+}}: error: attn-lower-amdgpu: 'func.func' has no attn.mma = "mfma" and MFMA attn.layout on its matmuls: run attn-gpu-layout first
// MISMATCH: error: attn-lower-amdgpu: 'func.func' has an attn.layout MFMA instruction that does not match its dtype and rows per wave
// CHIP: attn-to-rocdl: unknown options 'chip=gfx90a' (expected chip=gfx942 or chip=gfx950)
func.func @f(%q: tensor<1x4x?x64xf16>, %k: tensor<1x4x?x64xf16>, %v: tensor<1x4x?x64xf16>) -> tensor<1x4x?x64xf16> {
  %o = attn.mha %q, %k, %v : (tensor<1x4x?x64xf16>, tensor<1x4x?x64xf16>, tensor<1x4x?x64xf16>) -> tensor<1x4x?x64xf16>
  return %o : tensor<1x4x?x64xf16>
}
