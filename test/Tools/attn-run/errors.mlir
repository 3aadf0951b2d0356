// attn-run reports bad input clearly and exits 1, never crashes.
// RUN: not attn-run %s 2>&1 | FileCheck %s --check-prefix=NOTARGET
// RUN: not attn-run %s --target=gfx942 2>&1 | FileCheck %s --check-prefix=TARGET
// RUN: not attn-run %s --target=cpu --frobnicate 2>&1 | FileCheck %s --check-prefix=FLAG
// RUN: not attn-run %t.missing.mlir --target=cpu 2>&1 | FileCheck %s --check-prefix=MISSING
// RUN: not attn-run %s --target=cpu --func=good --input=0=%t.nope.npy 2>&1 | FileCheck %s --check-prefix=NOFILE
// RUN: %python -c "import numpy as np; np.save('%t.f64.npy', np.zeros((1,2,3,16)))"
// RUN: not attn-run %s --target=cpu --func=good --input=0=%t.f64.npy 2>&1 | FileCheck %s --check-prefix=DTYPE
// RUN: %python -c "import numpy as np; np.save('%t.r3.npy', np.zeros((2,3,16), np.float32))"
// RUN: not attn-run %s --target=cpu --func=good --input=0=%t.r3.npy 2>&1 | FileCheck %s --check-prefix=RANK
// RUN: %python -c "import numpy as np; np.save('%t.shape.npy', np.zeros((1,2,4,16), np.float32))"
// RUN: not attn-run %s --target=cpu --func=good --input=0=%t.shape.npy 2>&1 | FileCheck %s --check-prefix=SHAPE
// RUN: printf 'garbage' > %t.bad.npy
// RUN: not attn-run %s --target=cpu --func=good --input=0=%t.bad.npy 2>&1 | FileCheck %s --check-prefix=CORRUPT
// RUN: not attn-run %s --target=cpu --func=not_attn 2>&1 | FileCheck %s --check-prefix=NOTATTN
// RUN: not attn-run %s --target=cpu --func=nothing 2>&1 | FileCheck %s --check-prefix=NOFUNC
// RUN: not attn-run %s --target=cpu --func=good --shape=0=1x2 2>&1 | FileCheck %s --check-prefix=BADSHAPE
// RUN: not attn-run %s --target=cpu --bench=0 2>&1 | FileCheck %s --check-prefix=BENCH
// RUN: attn-run %s --target=cpu --func=good --seed=7 --bench=3 | FileCheck %s --check-prefix=GOOD

// NOTARGET: --target=(missing) cannot execute here
// TARGET: --target=gfx942 cannot execute here; attn-run executes --target=cpu
// FLAG: unknown option '--frobnicate'
// MISSING: cannot open '{{.*}}missing.mlir'
// NOFILE: --input=0={{.*}}nope.npy: {{.*}}
// DTYPE: argument 0 is f32 and needs float32 data, the file holds float64
// RANK: argument 0 has rank 4, the file has rank 3
// SHAPE: @good argument 0: dimension 2 is 4 in the given shape but 3 in the function type
// CORRUPT: --input=0={{.*}}bad.npy:
// NOTATTN: errors.mlir:[[@LINE+8]]:3: error: attn-run: result 0 of @not_attn is not a result of an attn op
// NOFUNC: no public function named nothing to run
// BADSHAPE: --shape=0: @good has no argument 0 of rank 2
// BENCH: --bench needs a count in [1, 1000000]
// GOOD: seed=7
// GOOD: @good result 0 (out 1x2x3x16xf32): {{.*}} PASS
// GOOD: @good bench: median {{.*}} ms over 3 runs
func.func @not_attn(%q: tensor<1x2x3x16xf32>) -> tensor<1x2x3x16xf32> {
  return %q : tensor<1x2x3x16xf32>
}

func.func @good(%q: tensor<1x2x3x16xf32>, %k: tensor<1x2x5x16xf32>, %v: tensor<1x2x5x16xf32>) -> tensor<1x2x3x16xf32> {
  %o = attn.mha %q, %k, %v : (tensor<1x2x3x16xf32>, tensor<1x2x5x16xf32>, tensor<1x2x5x16xf32>) -> tensor<1x2x3x16xf32>
  return %o : tensor<1x2x3x16xf32>
}

// A static result dim fixes the dynamic input dim it comes from.
// RUN: attn-run %s --target=cpu --func=static_out | FileCheck %s --check-prefix=STATIC
// RUN: not attn-run %s --target=cpu --func=static_out --shape=0=1x2x5x16 2>&1 | FileCheck %s --check-prefix=STATIC-CONFLICT
// STATIC: @static_out result 0 (out 1x2x6x16xf32): {{.*}} PASS
// STATIC-CONFLICT: @static_out result 0 dimension 2 is 6 in the function type but argument 0 dimension 2 is 5
func.func @static_out(%q: tensor<1x2x?x16xf32>, %k: tensor<1x2x?x16xf32>, %v: tensor<1x2x?x16xf32>) -> tensor<1x2x6x16xf32> {
  %o = attn.mha %q, %k, %v : (tensor<1x2x?x16xf32>, tensor<1x2x?x16xf32>, tensor<1x2x?x16xf32>) -> tensor<1x2x6x16xf32>
  return %o : tensor<1x2x6x16xf32>
}

// Inputs MLIR's parser cannot survive are refused, located; so is bytecode.
// RUN: %python -c "print('func.func @f() { ' + '[' * 5000 + ' }')" > %t.deep.mlir
// RUN: not attn-run %t.deep.mlir --target=cpu 2>&1 | FileCheck %s --check-prefix=DEEP
// RUN: printf 'ML\xefR\x00garbage' > %t.mlirbc
// RUN: not attn-run %t.mlirbc --target=cpu 2>&1 | FileCheck %s --check-prefix=BYTECODE
// DEEP: deep.mlir:1:{{[0-9]+}}: error:
// BYTECODE: mlirbc:1:1: error: attn-run reads textual MLIR only
