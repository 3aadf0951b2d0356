// --threads (or ATTN_NUM_THREADS) sizes the pool that runs kernel grids;
// --threads wins over the environment, whose bad values are then never read;
// bad counts are errors.
// RUN: attn-run %s --target=cpu --threads=3 | FileCheck %s
// RUN: env ATTN_NUM_THREADS=2 attn-run %s --target=cpu | FileCheck %s
// RUN: env ATTN_NUM_THREADS=junk attn-run %s --target=cpu --threads=1 | FileCheck %s
// RUN: env -u ATTN_NUM_THREADS attn-run %s --target=cpu | FileCheck %s
// RUN: not attn-run %s --target=cpu --threads=0 2>&1 | FileCheck %s --check-prefix=ZERO
// RUN: not attn-run %s --target=cpu --threads=many 2>&1 | FileCheck %s --check-prefix=WORD
// RUN: env ATTN_NUM_THREADS=-4 not attn-run %s --target=cpu 2>&1 | FileCheck %s --check-prefix=ENV
// RUN: attn-run --help | FileCheck %s --check-prefix=HELP

// CHECK: @f result 0 {{.*}} PASS
// ZERO: attn-run: error: --threads needs a count in [1, 4096], got '0'
// WORD: attn-run: error: --threads needs a count in [1, 4096], got 'many'
// ENV: attn-run: error: ATTN_NUM_THREADS needs a count in [1, 4096], got '-4'
// HELP: --threads=N

func.func @f(%q: tensor<1x2x5x16xf32>) -> tensor<1x2x5x16xf32> {
  %o = attn.mha %q, %q, %q : (tensor<1x2x5x16xf32>, tensor<1x2x5x16xf32>, tensor<1x2x5x16xf32>) -> tensor<1x2x5x16xf32>
  return %o : tensor<1x2x5x16xf32>
}
