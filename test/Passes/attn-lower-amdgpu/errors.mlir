// Kernel IR the AMD lowering cannot map fails with a located error.
// RUN: not attn-opt %s --attn-gqa-map --attn-tile=target=cpu --attn-online-softmax --attn-lower-amdgpu 2>&1 | FileCheck %s --check-prefix=CPU
// RUN: sed s/f16/f32/g %s | not attn-opt --attn-gqa-map --attn-tile=target=gfx942 --attn-online-softmax --attn-lower-amdgpu 2>&1 | FileCheck %s --check-prefix=F32
// RUN: not attn-opt %s --attn-gqa-map "--attn-tile=target=gfx942 block-m=96" --attn-online-softmax --attn-lower-amdgpu 2>&1 | FileCheck %s --check-prefix=BM
// RUN: not attn-opt %s --attn-lower-amdgpu --attn-to-rocdl=chip=gfx90a 2>&1 | FileCheck %s --check-prefix=CHIP

// CPU: errors.mlir:[[@LINE+5]]:{{[0-9]+}}: error: attn-lower-amdgpu: 'func.func' was tiled for target 'cpu'; the AMD lowering needs gfx942 or gfx950
// F32: [[@LINE+4]]:{{[0-9]+}}: error: attn-lower-amdgpu: 'func.func' has inputs that are not f16 or bf16 (MFMA needs them)
// BM: errors.mlir:[[@LINE+3]]:{{[0-9]+}}: error: attn-lower-amdgpu: 'func.func' has block_m 96 and num_warps 4: each wave must own 32 or 16 query rows (an MFMA block)
// CHIP: attn-to-rocdl: unknown options 'chip=gfx90a' (expected chip=gfx942 or chip=gfx950)
func.func @f(%q: tensor<1x4x?x64xf16>, %k: tensor<1x4x?x64xf16>, %v: tensor<1x4x?x64xf16>) -> tensor<1x4x?x64xf16> {
  %o = attn.mha %q, %k, %v : (tensor<1x4x?x64xf16>, tensor<1x4x?x64xf16>, tensor<1x4x?x64xf16>) -> tensor<1x4x?x64xf16>
  return %o : tensor<1x4x?x64xf16>
}
