// Target errors point at the attention op (issue 19): f32 on a GPU pipeline
// used to be located at the enclosing function, and LLVM's code generation
// errors (gfx942 LDS over its limit at D = 512) at <unknown>:0:0, printed by
// LLVM's default handler, which then called exit(1) (in Python: the process).
// RUN: not attn-compile %s --target=sm_90a -o %t.attnb 2>&1 | FileCheck %s --check-prefix=F32-NV
// RUN: not attn-compile %s --target=gfx942 -o %t.attnb 2>&1 | FileCheck %s --check-prefix=F32-AMD
// RUN: not attn-compile %S/Inputs/lds-over-limit.mlir --target=gfx942 -o %t.attnb 2>&1 | FileCheck %s --check-prefix=LDS
// RUN: not attn-compile %S/Inputs/lds-over-limit.mlir --target=gfx942 --emit=asm -o %t.s 2>&1 | FileCheck %s --check-prefix=LDS
// gfx950 has 160 KiB of local memory, so the same kernel fits.
// RUN: attn-compile %S/Inputs/lds-over-limit.mlir --target=gfx950 -o %t.attnb

// LDS: lds-over-limit.mlir:3:8: error: LLVM code generation for gfx942 failed: local memory (69632) exceeds limit (65536) in function 'wide_attn0'
// LDS-NOT: <unknown>
// LDS: attn-compile: error: gfx942: code generation failed

func.func @f32(%q: tensor<1x2x17x32xf32>, %k: tensor<1x2x70x32xf32>, %v: tensor<1x2x70x32xf32>) -> tensor<1x2x17x32xf32> {
  // F32-NV: located-errors.mlir:[[@LINE+2]]:8: error: attn-lower-nvgpu: {{.*}} not f16 or bf16
  // F32-AMD: located-errors.mlir:[[@LINE+1]]:8: error: attn-gpu-layout: {{.*}} not f16 or bf16
  %o = attn.mha %q, %k, %v : (tensor<1x2x17x32xf32>, tensor<1x2x70x32xf32>, tensor<1x2x70x32xf32>) -> tensor<1x2x17x32xf32>
  return %o : tensor<1x2x17x32xf32>
}
