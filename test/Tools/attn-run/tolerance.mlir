// --atol= / --rtol= replace the element type's tolerances (bf16: 1e-2 / 1e-2) for
// every result, e.g. for kernel IR that quantizes on purpose; the printed
// tolerances are the ones used, a result outside them fails the run, and a bad
// value is an error naming the flag.
// RUN: attn-run %s --target=cpu | FileCheck %s --check-prefix=DEFAULT
// RUN: not attn-run %s --target=cpu --atol=1e-9 --rtol=0 | FileCheck %s --check-prefix=TIGHT
// RUN: attn-run %s --target=cpu --atol=0.25 --rtol=0.5 | FileCheck %s --check-prefix=LOOSE
// RUN: attn-run %s --target=cpu --rtol=0.125 | FileCheck %s --check-prefix=RTOL
// RUN: not attn-run %s --target=cpu --atol=-1 2>&1 | FileCheck %s --check-prefix=NEG
// RUN: not attn-run %s --target=cpu --rtol=nan 2>&1 | FileCheck %s --check-prefix=NAN
// RUN: not attn-run %s --target=cpu --atol= 2>&1 | FileCheck %s --check-prefix=EMPTY

// DEFAULT: @f result 0 (out 2x4x19x40xbf16): {{.*}} (atol=1e-02 rtol=1e-02)  PASS
// DEFAULT: @f result 1 (lse 2x4x19xf32): {{.*}} (atol=1e-02 rtol=1e-02)  PASS
// bf16 outputs are not exact to 1e-9: every element past it is counted.
// TIGHT: @f result 0 (out 2x4x19x40xbf16): {{.*}} (atol=1e-09 rtol=0) bad={{[1-9][0-9]*}} worst_index={{[0-9]+}}  FAIL
// LOOSE: @f result 0 (out 2x4x19x40xbf16): {{.*}} (atol=0.25 rtol=0.5)  PASS
// LOOSE: @f result 1 (lse 2x4x19xf32): {{.*}} (atol=0.25 rtol=0.5)  PASS
// RTOL: @f result 0 (out 2x4x19x40xbf16): {{.*}} (atol=1e-02 rtol=0.125)  PASS
// NEG: attn-run: error: --atol needs a finite number >= 0, got '-1'
// NAN: attn-run: error: --rtol needs a finite number >= 0, got 'nan'
// EMPTY: attn-run: error: --atol needs a finite number >= 0, got ''
func.func @f(%q: tensor<2x4x19x40xbf16>, %k: tensor<2x2x33x40xbf16>, %v: tensor<2x2x33x40xbf16>) -> (tensor<2x4x19x40xbf16>, tensor<2x4x19xf32>) {
  %o, %l = attn.mha %q, %k, %v {causal} : (tensor<2x4x19x40xbf16>, tensor<2x2x33x40xbf16>, tensor<2x2x33x40xbf16>) -> (tensor<2x4x19x40xbf16>, tensor<2x4x19xf32>)
  return %o, %l : tensor<2x4x19x40xbf16>, tensor<2x4x19xf32>
}
