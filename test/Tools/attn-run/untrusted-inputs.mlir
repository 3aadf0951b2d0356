// attn-run reads only regular files for --input and parses --shape strictly
// (issue 19): a FIFO used to hang in fopen before the regular-file check,
// /dev/zero to grow memory without bound, and a trailing 'x' in --shape was
// accepted. Each case must exit 1 with a clear message, quickly (the timeout
// turns a regression into a failure instead of a hung suite).
// RUN: rm -rf %t && mkdir -p %t && mkfifo %t/fifo.npy && ln -s /dev/zero %t/zero.npy && mkdir %t/dir.npy
// RUN: not timeout 20 attn-run %s --target=cpu --input=0=%t/fifo.npy 2>&1 | FileCheck %s --check-prefix=FIFO
// RUN: not timeout 20 attn-run %s --target=cpu --input=0=%t/zero.npy 2>&1 | FileCheck %s --check-prefix=ZERO
// RUN: not timeout 20 attn-run %s --target=cpu --input=0=%t/dir.npy 2>&1 | FileCheck %s --check-prefix=DIR
// RUN: not attn-run %s --target=cpu --shape=0=1x2x5x8x 2>&1 | FileCheck %s --check-prefix=TRAILING
// RUN: not attn-run %s --target=cpu --shape=0=1x2xx5x8 2>&1 | FileCheck %s --check-prefix=DOUBLE
// RUN: not attn-run %s --target=cpu --shape=0=x1x2x5x8 2>&1 | FileCheck %s --check-prefix=LEADING
// RUN: attn-run %s --target=cpu --shape=0=1x2x5x8 --seed=1 | FileCheck %s --check-prefix=GOOD

// FIFO: --input=0={{.*}}fifo.npy: {{.*}}not a regular file
// ZERO: --input=0={{.*}}zero.npy: {{.*}}not a regular file
// DIR: --input=0={{.*}}dir.npy: {{.*}}not a regular file
// TRAILING: --shape expects N=AxBxC, got '0=1x2x5x8x'
// DOUBLE: --shape expects N=AxBxC, got '0=1x2xx5x8'
// LEADING: --shape expects N=AxBxC, got '0=x1x2x5x8'
// GOOD: @f result 0 (out 1x2x5x8xf32): {{.*}} PASS
func.func @f(%q: tensor<1x2x?x8xf32>, %k: tensor<1x2x7x8xf32>, %v: tensor<1x2x7x8xf32>) -> tensor<1x2x?x8xf32> {
  %o = attn.mha %q, %k, %v : (tensor<1x2x?x8xf32>, tensor<1x2x7x8xf32>, tensor<1x2x7x8xf32>) -> tensor<1x2x?x8xf32>
  return %o : tensor<1x2x?x8xf32>
}
