// fp8 attn.mha / attn.mha_varlen kernels that sm_90a lowers (fp8-mha-ptxas.test;
// the kernel IR's numerics on the CPU with the same tiling: test/Execution/fp8.mlir,
// attn-to-cpu{tiles=sm_90a}): f8E4M3FN q, k, v dequantized as they are staged,
// mma.sync in out's 16-bit type; D = 64 and 128, causal and not, GQA, MQA, lse,
// window + softcap, alibi, descales per (batch, KV head), per KV head and per tensor.

func.func @d128_causal_gqa_lse(%q: tensor<2x8x?x128xf8E4M3FN>, %k: tensor<2x2x?x128xf8E4M3FN>, %v: tensor<2x2x?x128xf8E4M3FN>, %qd: tensor<2x2xf32>, %kd: tensor<2x2xf32>, %vd: tensor<2x2xf32>) -> (tensor<2x8x?x128xbf16>, tensor<2x8x?xf32>) {
  %o, %l = attn.mha %q, %k, %v descale(%qd, %kd, %vd) {causal} : (tensor<2x8x?x128xf8E4M3FN>, tensor<2x2x?x128xf8E4M3FN>, tensor<2x2x?x128xf8E4M3FN>, tensor<2x2xf32>, tensor<2x2xf32>, tensor<2x2xf32>) -> (tensor<2x8x?x128xbf16>, tensor<2x8x?xf32>)
  return %o, %l : tensor<2x8x?x128xbf16>, tensor<2x8x?xf32>
}

func.func @d128_noncausal(%q: tensor<2x8x?x128xf8E4M3FN>, %k: tensor<2x8x?x128xf8E4M3FN>, %v: tensor<2x8x?x128xf8E4M3FN>, %qd: tensor<f32>, %kd: tensor<f32>, %vd: tensor<f32>) -> tensor<2x8x?x128xbf16> {
  %o = attn.mha %q, %k, %v descale(%qd, %kd, %vd)  : (tensor<2x8x?x128xf8E4M3FN>, tensor<2x8x?x128xf8E4M3FN>, tensor<2x8x?x128xf8E4M3FN>, tensor<f32>, tensor<f32>, tensor<f32>) -> tensor<2x8x?x128xbf16>
  return %o : tensor<2x8x?x128xbf16>
}

func.func @d64_causal_gqa(%q: tensor<2x8x?x64xf8E4M3FN>, %k: tensor<2x2x?x64xf8E4M3FN>, %v: tensor<2x2x?x64xf8E4M3FN>, %qd: tensor<2x2xf32>, %kd: tensor<2x2xf32>, %vd: tensor<2x2xf32>) -> tensor<2x8x?x64xbf16> {
  %o = attn.mha %q, %k, %v descale(%qd, %kd, %vd) {causal} : (tensor<2x8x?x64xf8E4M3FN>, tensor<2x2x?x64xf8E4M3FN>, tensor<2x2x?x64xf8E4M3FN>, tensor<2x2xf32>, tensor<2x2xf32>, tensor<2x2xf32>) -> tensor<2x8x?x64xbf16>
  return %o : tensor<2x8x?x64xbf16>
}

func.func @d64_noncausal_lse_f16(%q: tensor<2x4x?x64xf8E4M3FN>, %k: tensor<2x4x?x64xf8E4M3FN>, %v: tensor<2x4x?x64xf8E4M3FN>, %qd: tensor<f32>, %kd: tensor<f32>, %vd: tensor<f32>) -> (tensor<2x4x?x64xf16>, tensor<2x4x?xf32>) {
  %o, %l = attn.mha %q, %k, %v descale(%qd, %kd, %vd)  : (tensor<2x4x?x64xf8E4M3FN>, tensor<2x4x?x64xf8E4M3FN>, tensor<2x4x?x64xf8E4M3FN>, tensor<f32>, tensor<f32>, tensor<f32>) -> (tensor<2x4x?x64xf16>, tensor<2x4x?xf32>)
  return %o, %l : tensor<2x4x?x64xf16>, tensor<2x4x?xf32>
}

func.func @d128_window_softcap(%q: tensor<2x8x?x128xf8E4M3FN>, %k: tensor<2x2x?x128xf8E4M3FN>, %v: tensor<2x2x?x128xf8E4M3FN>, %qd: tensor<2xf32>, %kd: tensor<2xf32>, %vd: tensor<2xf32>) -> tensor<2x8x?x128xbf16> {
  %o = attn.mha %q, %k, %v descale(%qd, %kd, %vd) {window_left = 256 : i64, window_right = 0 : i64, softcap = 30.0 : f32} : (tensor<2x8x?x128xf8E4M3FN>, tensor<2x2x?x128xf8E4M3FN>, tensor<2x2x?x128xf8E4M3FN>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<2x8x?x128xbf16>
  return %o : tensor<2x8x?x128xbf16>
}

func.func @d64_alibi_mqa(%q: tensor<1x8x?x64xf8E4M3FN>, %k: tensor<1x1x?x64xf8E4M3FN>, %v: tensor<1x1x?x64xf8E4M3FN>, %a: tensor<8xf32>, %qd: tensor<1x1xf32>, %kd: tensor<1x1xf32>, %vd: tensor<1x1xf32>) -> tensor<1x8x?x64xf16> {
  %o = attn.mha %q, %k, %v alibi(%a) descale(%qd, %kd, %vd) {causal} : (tensor<1x8x?x64xf8E4M3FN>, tensor<1x1x?x64xf8E4M3FN>, tensor<1x1x?x64xf8E4M3FN>, tensor<8xf32>, tensor<1x1xf32>, tensor<1x1xf32>, tensor<1x1xf32>) -> tensor<1x8x?x64xf16>
  return %o : tensor<1x8x?x64xf16>
}

func.func @varlen_d128_causal_gqa_lse(%q: tensor<?x8x128xf8E4M3FN>, %k: tensor<?x2x128xf8E4M3FN>, %v: tensor<?x2x128xf8E4M3FN>, %cq: tensor<5xi32>, %ck: tensor<5xi32>, %qd: tensor<4x2xf32>, %kd: tensor<4x2xf32>, %vd: tensor<4x2xf32>) -> (tensor<?x8x128xbf16>, tensor<8x?xf32>) {
  %o, %l = attn.mha_varlen %q, %k, %v, %cq, %ck descale(%qd, %kd, %vd) {causal} : (tensor<?x8x128xf8E4M3FN>, tensor<?x2x128xf8E4M3FN>, tensor<?x2x128xf8E4M3FN>, tensor<5xi32>, tensor<5xi32>, tensor<4x2xf32>, tensor<4x2xf32>, tensor<4x2xf32>) -> (tensor<?x8x128xbf16>, tensor<8x?xf32>)
  return %o, %l : tensor<?x8x128xbf16>, tensor<8x?xf32>
}

func.func @varlen_d64(%q: tensor<?x4x64xf8E4M3FN>, %k: tensor<?x4x64xf8E4M3FN>, %v: tensor<?x4x64xf8E4M3FN>, %cq: tensor<3xi32>, %ck: tensor<3xi32>, %qd: tensor<f32>, %kd: tensor<f32>, %vd: tensor<f32>) -> tensor<?x4x64xf16> {
  %o = attn.mha_varlen %q, %k, %v, %cq, %ck descale(%qd, %kd, %vd) : (tensor<?x4x64xf8E4M3FN>, tensor<?x4x64xf8E4M3FN>, tensor<?x4x64xf8E4M3FN>, tensor<3xi32>, tensor<3xi32>, tensor<f32>, tensor<f32>, tensor<f32>) -> tensor<?x4x64xf16>
  return %o : tensor<?x4x64xf16>
}

// Head dims padded to the mma.sync granule (16), not to wgmma's 64: D = 72
// (tile 80) and D = 100 (tile 112, f16, GQA, causal, lse).
func.func @d72(%q: tensor<2x4x?x72xf8E4M3FN>, %k: tensor<2x4x?x72xf8E4M3FN>, %v: tensor<2x4x?x72xf8E4M3FN>, %qd: tensor<f32>, %kd: tensor<f32>, %vd: tensor<f32>) -> tensor<2x4x?x72xbf16> {
  %o = attn.mha %q, %k, %v descale(%qd, %kd, %vd) : (tensor<2x4x?x72xf8E4M3FN>, tensor<2x4x?x72xf8E4M3FN>, tensor<2x4x?x72xf8E4M3FN>, tensor<f32>, tensor<f32>, tensor<f32>) -> tensor<2x4x?x72xbf16>
  return %o : tensor<2x4x?x72xbf16>
}

func.func @d100_f16(%q: tensor<2x8x?x100xf8E4M3FN>, %k: tensor<2x2x?x100xf8E4M3FN>, %v: tensor<2x2x?x100xf8E4M3FN>, %qd: tensor<2x2xf32>, %kd: tensor<2x2xf32>, %vd: tensor<2x2xf32>) -> (tensor<2x8x?x100xf16>, tensor<2x8x?xf32>) {
  %o, %l = attn.mha %q, %k, %v descale(%qd, %kd, %vd) {causal} : (tensor<2x8x?x100xf8E4M3FN>, tensor<2x2x?x100xf8E4M3FN>, tensor<2x2x?x100xf8E4M3FN>, tensor<2x2xf32>, tensor<2x2xf32>, tensor<2x2xf32>) -> (tensor<2x8x?x100xf16>, tensor<2x8x?xf32>)
  return %o, %l : tensor<2x8x?x100xf16>, tensor<2x8x?xf32>
}
