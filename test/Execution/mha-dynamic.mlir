// Dynamic batch and sequence dims sized on the command line; the op ties
// B and Sk of q/k/v together, so only q and k need a --shape.
// RUN: attn-run %s --target=cpu --shape=0=2x4x40x64 --shape=1=2x2x10x64 | FileCheck %s
// Fully dynamic default sizes (--dynamic-size) work too.
// RUN: attn-run %s --target=cpu --dynamic-size=23 | FileCheck %s --check-prefix=DEFAULT
// Conflicting sizes are an error, not a crash.
// RUN: not attn-run %s --target=cpu --shape=0=2x4x40x64 --shape=1=3x2x10x64 2>&1 | FileCheck %s --check-prefix=CONFLICT

// DEFAULT: @window_masks_rows result 0 (out 23x4x23x64xf16): {{.*}} PASS
// CONFLICT: error: @window_masks_rows argument 1 dimension 0 (3) must equal argument 0 dimension 0 (2)

// Sq = 40 > Sk = 10 with window_right = 0: rows 0..29 see no key.
// CHECK: @window_masks_rows result 0 (out 2x4x40x64xf16): {{.*}} PASS
// CHECK: @window_masks_rows result 1 (lse 2x4x40xf32): {{.*}} PASS
func.func @window_masks_rows(%q: tensor<?x4x?x64xf16>, %k: tensor<?x2x?x64xf16>, %v: tensor<?x2x?x64xf16>) -> (tensor<?x4x?x64xf16>, tensor<?x4x?xf32>) {
  %o, %l = attn.mha %q, %k, %v {window_left = 3 : i64, window_right = 0 : i64} : (tensor<?x4x?x64xf16>, tensor<?x2x?x64xf16>, tensor<?x2x?x64xf16>) -> (tensor<?x4x?x64xf16>, tensor<?x4x?xf32>)
  return %o, %l : tensor<?x4x?x64xf16>, tensor<?x4x?xf32>
}

// CHECK-NOT: FAIL
