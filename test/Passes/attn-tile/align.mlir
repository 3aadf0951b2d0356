// The rows' alignment (issue 17; docs/limits.md): an attn.align of 1, 2, 4 or 8 elements
// is recorded in attn.tile for a GPU target when below 8 (the default is that of
// contiguous rows of D and Dv); anything else is a located error (align-errors.mlir).
// The CPU ignores it.
// RUN: attn-opt %s --split-input-file --attn-gqa-map --attn-tile=target=sm_90a 2>&1 | FileCheck %s
// RUN: attn-opt %s --split-input-file --attn-gqa-map --attn-tile 2>&1 | FileCheck %s --check-prefix=CPU

// CHECK-LABEL: func.func @two
// CHECK: attn.tile = {align = 2 : i64, block_m =
// CPU-LABEL: func.func @two
// CPU-NOT: tile = {align
func.func @two(%q: tensor<1x2x9x64xbf16>, %k: tensor<1x2x9x64xbf16>, %v: tensor<1x2x9x64xbf16>) -> tensor<1x2x9x64xbf16> {
  %o = attn.mha %q, %k, %v {attn.align = 2 : i64} : (tensor<1x2x9x64xbf16>, tensor<1x2x9x64xbf16>, tensor<1x2x9x64xbf16>) -> tensor<1x2x9x64xbf16>
  return %o : tensor<1x2x9x64xbf16>
}

// -----

// 8 is the default: nothing recorded.
// CHECK-LABEL: func.func @eight
// CHECK-NOT: tile = {align
// CHECK: return
func.func @eight(%q: tensor<1x2x9x64xbf16>, %k: tensor<1x2x9x64xbf16>, %v: tensor<1x2x9x64xbf16>) -> tensor<1x2x9x64xbf16> {
  %o = attn.mha %q, %k, %v {attn.align = 8 : i64} : (tensor<1x2x9x64xbf16>, tensor<1x2x9x64xbf16>, tensor<1x2x9x64xbf16>) -> tensor<1x2x9x64xbf16>
  return %o : tensor<1x2x9x64xbf16>
}
