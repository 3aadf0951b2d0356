// attn.mla's split kernel (kind "mla_decode": V a column slice of the K tile)
// has no GPU lowering yet: attn-gpu-layout, the first GPU stage of both the
// NVIDIA and the AMD pipelines, refuses it with an error at the op; the CPU's
// kernels are left alone. The named pipelines stop there too.
// RUN: not attn-opt %s --attn-gqa-map --attn-tile=target=sm_90a --attn-online-softmax --attn-gpu-layout 2>&1 | FileCheck %s --check-prefix=SM90
// RUN: not attn-opt %s --attn-gqa-map --attn-tile=target=gfx942 --attn-online-softmax --attn-gpu-layout 2>&1 | FileCheck %s --check-prefix=GFX942
// RUN: not attn-opt %s --attn-to-nvvm 2>&1 | FileCheck %s --check-prefix=SM90
// RUN: not attn-opt %s --attn-to-rocdl 2>&1 | FileCheck %s --check-prefix=GFX942
// RUN: not attn-opt %s --attn-to-rocdl=chip=gfx950 2>&1 | FileCheck %s --check-prefix=GFX950
// RUN: attn-opt %s --attn-gqa-map --attn-tile=target=cpu --attn-online-softmax --attn-gpu-layout | FileCheck %s --check-prefix=HOST

// SM90: mla.mlir:[[# @LINE + 6]]:8: error: attn-gpu-layout: 'func.func' is an attn.mla kernel (kind "mla_decode"), which target 'sm_90a' does not lower yet (attn.mla runs on the CPU: attn-to-cpu; docs/mla.md)
// GFX942: mla.mlir:[[# @LINE + 5]]:8: error: attn-gpu-layout: 'func.func' is an attn.mla kernel (kind "mla_decode"), which target 'gfx942' does not lower yet (attn.mla runs on the CPU: attn-to-cpu; docs/mla.md)
// GFX950: mla.mlir:[[# @LINE + 4]]:8: error: attn-gpu-layout: 'func.func' is an attn.mla kernel (kind "mla_decode"), which target 'gfx950' does not lower yet
// HOST-LABEL: func.func @deepseek_attn0(
// HOST-NOT: attn.mma
func.func @deepseek(%q: tensor<?x16x576xbf16>, %kv: tensor<?x64x576xbf16>, %bt: tensor<?x?xi32>, %sl: tensor<?xi32>, %qsl: tensor<?xi32>) -> tensor<?x16x512xbf16> {
  %o = attn.mla %q, %kv, %bt, %sl, %qsl {kv_lora_rank = 512 : i64, causal} : (tensor<?x16x576xbf16>, tensor<?x64x576xbf16>, tensor<?x?xi32>, tensor<?xi32>, tensor<?xi32>) -> tensor<?x16x512xbf16>
  return %o : tensor<?x16x512xbf16>
}
