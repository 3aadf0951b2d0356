// --pipeline picks the lowering; the flash pipeline's ISA option is checked
// when the pipeline is built, with a message naming the bad value.
// RUN: attn-run %s --target=cpu '--pipeline=attn-to-cpu{isa=avx512}' | FileCheck %s --check-prefix=AVX512
// RUN: attn-run %s --target=cpu '--pipeline=attn-to-cpu{isa=generic}' | FileCheck %s --check-prefix=GENERIC
// RUN: not attn-run %s --target=cpu '--pipeline=attn-to-cpu{isa=sse}' 2>&1 | FileCheck %s --check-prefix=BAD
// RUN: not attn-run %s --target=cpu '--pipeline=no-such-pipeline' 2>&1 | FileCheck %s --check-prefix=UNKNOWN
// RUN: attn-opt %s '--pass-pipeline=builtin.module(attn-to-cpu{isa=generic})' | FileCheck %s --check-prefix=IR8
// RUN: attn-opt %s '--pass-pipeline=builtin.module(attn-to-cpu{isa=avx512})' | FileCheck %s --check-prefix=IR16

// AVX512: pipeline=attn-to-cpu{isa=avx512}
// AVX512: @f result 0 (out 1x3x21x40xf32): {{.*}} PASS
// GENERIC: pipeline=attn-to-cpu{isa=generic}
// GENERIC: @f result 0 (out 1x3x21x40xf32): {{.*}} PASS
// BAD: attn-run: error: bad pipeline 'attn-to-cpu{isa=sse}': attn-to-cpu: unknown options 'isa=sse' (expected isa=host|avx512|generic, tiles=cpu|gfx942|gfx950|sm_90a, kv-splits=1..256, block-m=1..1024, block-n=1..1024, sw-pipeline=true|false and fp8-p=true|false)
// UNKNOWN: attn-run: error: bad pipeline 'no-such-pipeline'
// IR8: llvm.func @f_attn0
// IR8: vector<8xf32>
// IR16: llvm.func @f_attn0
// IR16: vector<16xf32>
func.func @f(%q: tensor<1x3x21x40xf32>, %k: tensor<1x3x50x40xf32>, %v: tensor<1x3x50x40xf32>) -> tensor<1x3x21x40xf32> {
  %o = attn.mha %q, %k, %v {causal} : (tensor<1x3x21x40xf32>, tensor<1x3x50x40xf32>, tensor<1x3x50x40xf32>) -> tensor<1x3x21x40xf32>
  return %o : tensor<1x3x21x40xf32>
}
