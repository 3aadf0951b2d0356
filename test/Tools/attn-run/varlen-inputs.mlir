// User-given cu_seqlens are checked before the compiled code indexes with
// them: out-of-range or decreasing offsets are an error naming the entry.
// RUN: %python -c "import numpy as np; np.save('%t.bad.npy', np.array([0, 9, 4], np.int32))"
// RUN: not attn-run %s --target=cpu --input=3=%t.bad.npy 2>&1 | FileCheck %s --check-prefix=DECREASING
// RUN: %python -c "import numpy as np; np.save('%t.big.npy', np.array([0, 4, 99], np.int32))"
// RUN: not attn-run %s --target=cpu --input=4=%t.big.npy 2>&1 | FileCheck %s --check-prefix=RANGE
// RUN: %python -c "import numpy as np; np.save('%t.ok.npy', np.array([0, 0, 10], np.int32))"
// RUN: attn-run %s --target=cpu --input=3=%t.ok.npy --input=4=%t.ok.npy | FileCheck %s --check-prefix=OK
// Tokens past cu_seqlens_q[B] are outputs of no sequence: 0 and lse -inf.
// RUN: %python -c "import numpy as np; np.save('%t.short.npy', np.array([0, 3, 6], np.int32))"
// RUN: attn-run %s --target=cpu --input=3=%t.short.npy | FileCheck %s --check-prefix=OK

// DECREASING: invalid inputs: cu_seqlens_q[2] = 4 is less than cu_seqlens_q[1] = 9
// RANGE: invalid inputs: cu_seqlens_k
// OK-COUNT-2: PASS
func.func @f(%q: tensor<10x2x16xf16>, %k: tensor<10x2x16xf16>, %v: tensor<10x2x16xf16>, %cq: tensor<3xi32>, %ck: tensor<3xi32>) -> (tensor<10x2x16xf16>, tensor<2x10xf32>) {
  %o, %l = attn.mha_varlen %q, %k, %v, %cq, %ck {causal} : (tensor<10x2x16xf16>, tensor<10x2x16xf16>, tensor<10x2x16xf16>, tensor<3xi32>, tensor<3xi32>) -> (tensor<10x2x16xf16>, tensor<2x10xf32>)
  return %o, %l : tensor<10x2x16xf16>, tensor<2x10xf32>
}

// --no-check skips the comparison (benchmarks) but never trusts offsets from
// a file without it.
// RUN: attn-run %s --target=cpu --no-check --bench=2 | FileCheck %s --check-prefix=NOCHECK
// RUN: not attn-run %s --target=cpu --no-check --input=3=%t.ok.npy 2>&1 | FileCheck %s --check-prefix=NOCHECK-CU
// NOCHECK-NOT: PASS
// NOCHECK: @f bench: median
// NOCHECK-CU: cu_seqlens from a file need the reference check; drop --no-check
