// Bad options fail when the pipeline is built; a target without a table
// fails at the op, located.
// RUN: not attn-opt %s --attn-tile=block-q=3 2>&1 | FileCheck %s --check-prefix=KEY
// RUN: not attn-opt %s --attn-tile=block-m=0 2>&1 | FileCheck %s --check-prefix=VALUE
// RUN: not attn-opt %s --attn-tile=target 2>&1 | FileCheck %s --check-prefix=NOVALUE
// RUN: not attn-opt %s --attn-tile=target=h100 2>&1 | FileCheck %s --check-prefix=TARGET
// RUN: not attn-opt %s --attn-tile=config-dir=%t.nowhere 2>&1 | FileCheck %s --check-prefix=DIR

// KEY: attn-tile: unknown option 'block-q'
// VALUE: invalid value '0' for 'block_m'
// NOVALUE: attn-tile: option 'target' needs a value
// TARGET: errors.mlir:[[@LINE+4]]:8: error: attn-tile: 'attn.mha' cannot be tiled for target 'h100': {{.*}}h100-MHA-DEFAULT.json: cannot open
// DIR: errors.mlir:[[@LINE+3]]:8: error: attn-tile: 'attn.mha' cannot be tiled for target 'cpu'

func.func @f(%q: tensor<1x4x8x64xf16>) -> tensor<1x4x8x64xf16> {
  %o = attn.mha %q, %q, %q : (tensor<1x4x8x64xf16>, tensor<1x4x8x64xf16>, tensor<1x4x8x64xf16>) -> tensor<1x4x8x64xf16>
  return %o : tensor<1x4x8x64xf16>
}
