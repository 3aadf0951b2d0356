// attn.paged_attention with inputs from .npy files. A hand-written layout:
// sequence 0 has 6 keys and 2 queries (chunked prefill), sequence 1 none of
// either, sequence 2 has 9 keys and 5 queries and shares its first block
// (5) with sequence 0; one token is left past the last sequence; table
// entries past ceil(seq_len / BS) hold garbage the kernel must not read.
// RUN: %python -c "import numpy as np; np.save('%t.bt.npy', np.array([[5, 2, -7], [99, -1, 2147483647], [5, 0, 3]], np.int32))"
// RUN: %python -c "import numpy as np; np.save('%t.sl.npy', np.array([6, 0, 9], np.int32))"
// RUN: %python -c "import numpy as np; np.save('%t.qsl.npy', np.array([0, 2, 2, 7], np.int32))"
// RUN: attn-run %s --target=cpu --reference --func=f --input=3=%t.bt.npy --input=4=%t.sl.npy --input=5=%t.qsl.npy | FileCheck %s --check-prefix=GIVEN
// GIVEN: @f op 0 paged: B=3 NB=6 BS=4 MaxBlocks=3 seq_lens=[6,0,9] q_lens=[2,0,5] tokens_past_last=1 shared_blocks=1
// GIVEN-COUNT-2: PASS
// Given caches too, with NaN in blocks no sequence reads (1 and 4).
// RUN: %python -c "import numpy as np; k = np.random.default_rng(0).standard_normal((6, 4, 1, 16)).astype(np.float32); k[[1, 4]] = np.nan; np.save('%t.kc.npy', k)"
// RUN: attn-run %s --target=cpu --reference --func=f --input=1=%t.kc.npy --input=2=%t.kc.npy --input=3=%t.bt.npy --input=4=%t.sl.npy --input=5=%t.qsl.npy | FileCheck %s --check-prefix=GIVEN
// Any part of the layout given: the generator makes the rest fit it.
// RUN: attn-run %s --target=cpu --reference --func=f --input=4=%t.sl.npy | FileCheck %s --check-prefix=SL
// RUN: attn-run %s --target=cpu --reference --func=f --input=5=%t.qsl.npy | FileCheck %s --check-prefix=QSL
// RUN: attn-run %s --target=cpu --reference --func=f --input=3=%t.bt.npy | FileCheck %s --check-prefix=PARTIAL
// RUN: attn-run %s --target=cpu --reference --func=f --input=3=%t.bt.npy --input=5=%t.qsl.npy | FileCheck %s --check-prefix=PARTIAL
// SL: seq_lens=[6,0,9]
// SL-COUNT-2: PASS
// QSL: q_lens=[2,0,5] tokens_past_last=1
// QSL-COUNT-2: PASS
// PARTIAL-COUNT-2: PASS

// Data that breaks the op's preconditions is reported, naming the entry,
// before the compiled code runs: exit 1, no PASS or FAIL.
// RUN: %python -c "import numpy as np; np.save('%t.bad-block.npy', np.array([[5, 2, -7], [99, -1, 2147483647], [5, 0, 6]], np.int32))"
// RUN: not attn-run %s --target=cpu --reference --func=f --input=3=%t.bad-block.npy --input=4=%t.sl.npy --input=5=%t.qsl.npy 2>&1 | FileCheck %s --check-prefix=BLOCK
// BLOCK-NOT: {{PASS|FAIL}}
// BLOCK: attn-run: error: @f: invalid inputs: block_tables[2][2] = 6 is not a block of the cache [0, NB = 6) (sequence 2 has 9 keys in 3 blocks)
// RUN: %python -c "import numpy as np; np.save('%t.long.npy', np.array([6, 0, 13], np.int32))"
// RUN: not attn-run %s --target=cpu --reference --func=f --input=3=%t.bt.npy --input=4=%t.long.npy --input=5=%t.qsl.npy 2>&1 | FileCheck %s --check-prefix=LONG
// LONG: invalid inputs: seq_lens[2] = 13 is outside [0, MaxBlocks * BS = 3 * 4 = 12]
// RUN: %python -c "import numpy as np; np.save('%t.short.npy', np.array([1, 0, 9], np.int32))"
// RUN: not attn-run %s --target=cpu --reference --func=f --input=3=%t.bt.npy --input=4=%t.short.npy --input=5=%t.qsl.npy 2>&1 | FileCheck %s --check-prefix=SHORT
// SHORT: invalid inputs: seq_lens[0] = 1 is less than the 2 query tokens of sequence 0 (query_start_loc[1] - query_start_loc[0])
// RUN: %python -c "import numpy as np; np.save('%t.decreasing.npy', np.array([0, 3, 2, 7], np.int32))"
// RUN: not attn-run %s --target=cpu --reference --func=f --input=3=%t.bt.npy --input=4=%t.sl.npy --input=5=%t.decreasing.npy 2>&1 | FileCheck %s --check-prefix=DECREASING
// DECREASING: invalid inputs: query_start_loc[2] = 2 is less than query_start_loc[1] = 3 (must be non-decreasing)
// RUN: %python -c "import numpy as np; np.save('%t.past.npy', np.array([0, 2, 2, 9], np.int32))"
// RUN: not attn-run %s --target=cpu --reference --func=f --input=3=%t.bt.npy --input=4=%t.sl.npy --input=5=%t.past.npy 2>&1 | FileCheck %s --check-prefix=PAST
// PAST: invalid inputs: query_start_loc[3] = 9 exceeds the 8 packed tokens
// Given seq_lens that need more blocks than the cache has.
// RUN: %python -c "import numpy as np; np.save('%t.many.npy', np.array([12, 12, 1], np.int32))"
// RUN: not attn-run %s --target=cpu --reference --func=f --input=4=%t.many.npy 2>&1 | FileCheck %s --check-prefix=MANY
// MANY: attn-run: error: @f: the given seq_lens need 7 blocks, the cache has 6
// --no-check never trusts a layout from a file.
// RUN: not attn-run %s --target=cpu --reference --func=f --no-check --input=3=%t.bt.npy 2>&1 | FileCheck %s --check-prefix=NOCHECK
// NOCHECK: --input=3: block_tables, seq_lens and query_start_loc from a file need the reference check; drop --no-check
func.func @f(%q: tensor<8x2x16xf32>, %kc: tensor<6x4x1x16xf32>, %vc: tensor<6x4x1x16xf32>, %bt: tensor<3x3xi32>, %sl: tensor<3xi32>, %qsl: tensor<4xi32>) -> (tensor<8x2x16xf32>, tensor<2x8xf32>) {
  %o, %l = attn.paged_attention %q, %kc, %vc, %bt, %sl, %qsl {causal} : (tensor<8x2x16xf32>, tensor<6x4x1x16xf32>, tensor<6x4x1x16xf32>, tensor<3x3xi32>, tensor<3xi32>, tensor<4xi32>) -> (tensor<8x2x16xf32>, tensor<2x8xf32>)
  return %o, %l : tensor<8x2x16xf32>, tensor<2x8xf32>
}

// Dynamic B: the number of sequences comes from the given file; seq_lens
// and query_start_loc must then be B and B+1 long.
// RUN: attn-run %s --target=cpu --reference --func=dyn --input=5=%t.qsl.npy | FileCheck %s --check-prefix=DYN
// DYN: @dyn op 0 paged: B=3 NB=37 BS=4 MaxBlocks=37 seq_lens=[{{.*}}] q_lens=[2,0,5]
// DYN: PASS
// RUN: not attn-run %s --target=cpu --reference --func=dyn --input=4=%t.sl.npy --input=5=%t.sl.npy 2>&1 | FileCheck %s --check-prefix=COUNT
// COUNT: attn-run: error: @dyn argument 5 (query_start_loc) has 3 entries, argument 4 (seq_lens) 3: the paged op needs B+1 and B
func.func @dyn(%q: tensor<8x2x16xf32>, %kc: tensor<?x4x1x16xf32>, %vc: tensor<?x4x1x16xf32>, %bt: tensor<?x?xi32>, %sl: tensor<?xi32>, %qsl: tensor<?xi32>) -> tensor<8x2x16xf32> {
  %o = attn.paged_attention %q, %kc, %vc, %bt, %sl, %qsl {causal} : (tensor<8x2x16xf32>, tensor<?x4x1x16xf32>, tensor<?x4x1x16xf32>, tensor<?x?xi32>, tensor<?xi32>, tensor<?xi32>) -> tensor<8x2x16xf32>
  return %o : tensor<8x2x16xf32>
}
