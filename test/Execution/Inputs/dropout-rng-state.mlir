// Pairs of functions, one with dropout's seed and offset as attributes, the other
// with the same dropout_p and the seed and offset read at run time from
// rng_state(%r) (tensor<2xi64> = [seed, offset]); used by dropout-rng-state.test.
// seed = 0x0123456789ABCDEF and offset = 2^32 + 7 use both words of each.

func.func @fwd_attr(%q: tensor<2x4x37x32xf32>, %k: tensor<2x2x45x32xf32>, %v: tensor<2x2x45x32xf32>) -> (tensor<2x4x37x32xf32>, tensor<2x4x37xf32>) {
  %o, %l = attn.mha %q, %k, %v {causal, dropout_p = 0.3 : f32, seed = 81985529216486895 : i64, offset = 4294967303 : i64} : (tensor<2x4x37x32xf32>, tensor<2x2x45x32xf32>, tensor<2x2x45x32xf32>) -> (tensor<2x4x37x32xf32>, tensor<2x4x37xf32>)
  return %o, %l : tensor<2x4x37x32xf32>, tensor<2x4x37xf32>
}

func.func @fwd_rng(%q: tensor<2x4x37x32xf32>, %k: tensor<2x2x45x32xf32>, %v: tensor<2x2x45x32xf32>, %r: tensor<2xi64>) -> (tensor<2x4x37x32xf32>, tensor<2x4x37xf32>) {
  %o, %l = attn.mha %q, %k, %v rng_state(%r) {causal, dropout_p = 0.3 : f32} : (tensor<2x4x37x32xf32>, tensor<2x2x45x32xf32>, tensor<2x2x45x32xf32>, tensor<2xi64>) -> (tensor<2x4x37x32xf32>, tensor<2x4x37xf32>)
  return %o, %l : tensor<2x4x37x32xf32>, tensor<2x4x37xf32>
}

func.func @bwd_attr(%q: tensor<2x4x37x32xf32>, %k: tensor<2x2x45x32xf32>, %v: tensor<2x2x45x32xf32>, %o: tensor<2x4x37x32xf32>, %do: tensor<2x4x37x32xf32>, %lse: tensor<2x4x37xf32>) -> (tensor<2x4x37x32xf32>, tensor<2x2x45x32xf32>, tensor<2x2x45x32xf32>) {
  %dq, %dk, %dv = attn.mha_bwd %q, %k, %v, %o, %do, %lse {causal, dropout_p = 0.3 : f32, seed = 81985529216486895 : i64, offset = 4294967303 : i64} : (tensor<2x4x37x32xf32>, tensor<2x2x45x32xf32>, tensor<2x2x45x32xf32>, tensor<2x4x37x32xf32>, tensor<2x4x37x32xf32>, tensor<2x4x37xf32>) -> (tensor<2x4x37x32xf32>, tensor<2x2x45x32xf32>, tensor<2x2x45x32xf32>)
  return %dq, %dk, %dv : tensor<2x4x37x32xf32>, tensor<2x2x45x32xf32>, tensor<2x2x45x32xf32>
}

func.func @bwd_rng(%q: tensor<2x4x37x32xf32>, %k: tensor<2x2x45x32xf32>, %v: tensor<2x2x45x32xf32>, %o: tensor<2x4x37x32xf32>, %do: tensor<2x4x37x32xf32>, %lse: tensor<2x4x37xf32>, %r: tensor<2xi64>) -> (tensor<2x4x37x32xf32>, tensor<2x2x45x32xf32>, tensor<2x2x45x32xf32>) {
  %dq, %dk, %dv = attn.mha_bwd %q, %k, %v, %o, %do, %lse rng_state(%r) {causal, dropout_p = 0.3 : f32} : (tensor<2x4x37x32xf32>, tensor<2x2x45x32xf32>, tensor<2x2x45x32xf32>, tensor<2x4x37x32xf32>, tensor<2x4x37x32xf32>, tensor<2x4x37xf32>, tensor<2xi64>) -> (tensor<2x4x37x32xf32>, tensor<2x2x45x32xf32>, tensor<2x2x45x32xf32>)
  return %dq, %dk, %dv : tensor<2x4x37x32xf32>, tensor<2x2x45x32xf32>, tensor<2x2x45x32xf32>
}

func.func @vfwd_attr(%q: tensor<61x8x64xf16>, %k: tensor<47x2x64xf16>, %v: tensor<47x2x64xf16>, %cq: tensor<5xi32>, %ck: tensor<5xi32>) -> (tensor<61x8x64xf16>, tensor<8x61xf32>) {
  %o, %l = attn.mha_varlen %q, %k, %v, %cq, %ck {causal, dropout_p = 0.2 : f32, seed = 81985529216486895 : i64, offset = 4294967303 : i64} : (tensor<61x8x64xf16>, tensor<47x2x64xf16>, tensor<47x2x64xf16>, tensor<5xi32>, tensor<5xi32>) -> (tensor<61x8x64xf16>, tensor<8x61xf32>)
  return %o, %l : tensor<61x8x64xf16>, tensor<8x61xf32>
}

func.func @vfwd_rng(%q: tensor<61x8x64xf16>, %k: tensor<47x2x64xf16>, %v: tensor<47x2x64xf16>, %cq: tensor<5xi32>, %ck: tensor<5xi32>, %r: tensor<2xi64>) -> (tensor<61x8x64xf16>, tensor<8x61xf32>) {
  %o, %l = attn.mha_varlen %q, %k, %v, %cq, %ck rng_state(%r) {causal, dropout_p = 0.2 : f32} : (tensor<61x8x64xf16>, tensor<47x2x64xf16>, tensor<47x2x64xf16>, tensor<5xi32>, tensor<5xi32>, tensor<2xi64>) -> (tensor<61x8x64xf16>, tensor<8x61xf32>)
  return %o, %l : tensor<61x8x64xf16>, tensor<8x61xf32>
}

func.func @vbwd_attr(%q: tensor<61x8x64xbf16>, %k: tensor<47x2x64xbf16>, %v: tensor<47x2x64xbf16>, %o: tensor<61x8x64xbf16>, %do: tensor<61x8x64xbf16>, %lse: tensor<8x61xf32>, %cq: tensor<5xi32>, %ck: tensor<5xi32>, %s: tensor<8xf32>) -> (tensor<61x8x64xbf16>, tensor<47x2x64xbf16>, tensor<47x2x64xbf16>) {
  %dq, %dk, %dv = attn.mha_varlen_bwd %q, %k, %v, %o, %do, %lse, %cq, %ck alibi(%s) {dropout_p = 0.4 : f32, seed = 81985529216486895 : i64, offset = 4294967303 : i64} : (tensor<61x8x64xbf16>, tensor<47x2x64xbf16>, tensor<47x2x64xbf16>, tensor<61x8x64xbf16>, tensor<61x8x64xbf16>, tensor<8x61xf32>, tensor<5xi32>, tensor<5xi32>, tensor<8xf32>) -> (tensor<61x8x64xbf16>, tensor<47x2x64xbf16>, tensor<47x2x64xbf16>)
  return %dq, %dk, %dv : tensor<61x8x64xbf16>, tensor<47x2x64xbf16>, tensor<47x2x64xbf16>
}

func.func @vbwd_rng(%q: tensor<61x8x64xbf16>, %k: tensor<47x2x64xbf16>, %v: tensor<47x2x64xbf16>, %o: tensor<61x8x64xbf16>, %do: tensor<61x8x64xbf16>, %lse: tensor<8x61xf32>, %cq: tensor<5xi32>, %ck: tensor<5xi32>, %s: tensor<8xf32>, %r: tensor<2xi64>) -> (tensor<61x8x64xbf16>, tensor<47x2x64xbf16>, tensor<47x2x64xbf16>) {
  %dq, %dk, %dv = attn.mha_varlen_bwd %q, %k, %v, %o, %do, %lse, %cq, %ck alibi(%s) rng_state(%r) {dropout_p = 0.4 : f32} : (tensor<61x8x64xbf16>, tensor<47x2x64xbf16>, tensor<47x2x64xbf16>, tensor<61x8x64xbf16>, tensor<61x8x64xbf16>, tensor<8x61xf32>, tensor<5xi32>, tensor<5xi32>, tensor<8xf32>, tensor<2xi64>) -> (tensor<61x8x64xbf16>, tensor<47x2x64xbf16>, tensor<47x2x64xbf16>)
  return %dq, %dk, %dv : tensor<61x8x64xbf16>, tensor<47x2x64xbf16>, tensor<47x2x64xbf16>
}
