// An attn.align that is not 1, 2, 4 or 8 elements is a located error (issue 17).
// RUN: not attn-opt %s --attn-gqa-map --attn-tile=target=gfx942 2>&1 | FileCheck %s

// CHECK: align-errors.mlir:[[@LINE+2]]:8: error: attn-tile: 'attn.mha' has an attn.align other than 1, 2, 4 or 8 (elements)
func.func @three(%q: tensor<1x2x9x64xbf16>, %k: tensor<1x2x9x64xbf16>, %v: tensor<1x2x9x64xbf16>) -> tensor<1x2x9x64xbf16> {
  %o = attn.mha %q, %k, %v {attn.align = 3 : i64} : (tensor<1x2x9x64xbf16>, tensor<1x2x9x64xbf16>, tensor<1x2x9x64xbf16>) -> tensor<1x2x9x64xbf16>
  return %o : tensor<1x2x9x64xbf16>
}
