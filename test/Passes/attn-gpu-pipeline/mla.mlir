// attn-gpu-pipeline leaves attn.mla's KV loops alone: their stage 1 (the P V
// matmul) reads a column slice of the K tile that stage 0 (Q K^T) read, and
// carrying a K/V tile one iteration is a staging decision of that kernel's
// lowering (docs/mla.md), not something this pass invents. The loops stay
// correct as they are (test/Execution/mla.mlir runs them with sw-pipeline).
// RUN: attn-opt %s --attn-gqa-map --attn-tile=target=cpu --attn-online-softmax "--attn-gpu-pipeline=force=true" | FileCheck %s

// CHECK-LABEL: func.func @deepseek_attn0(
// CHECK-NOT: attn.pipeline
// CHECK: vector.extract_strided_slice
// CHECK-NOT: attn.pipeline
// CHECK-LABEL: func.func @deepseek_attn0_merge(
func.func @deepseek(%q: tensor<?x16x576xbf16>, %kv: tensor<?x64x576xbf16>, %bt: tensor<?x?xi32>, %sl: tensor<?xi32>, %qsl: tensor<?xi32>) -> tensor<?x16x512xbf16> {
  %o = attn.mla %q, %kv, %bt, %sl, %qsl {kv_lora_rank = 512 : i64, causal} : (tensor<?x16x576xbf16>, tensor<?x64x576xbf16>, tensor<?x?xi32>, tensor<?xi32>, tensor<?xi32>) -> tensor<?x16x512xbf16>
  return %o : tensor<?x16x512xbf16>
}
