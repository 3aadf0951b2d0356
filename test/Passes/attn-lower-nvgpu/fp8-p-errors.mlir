// P rounded to e4m3 in the kernel IR (attn-online-softmax{fp8-p=true}, which only
// attn-to-rocdl sets): the NVIDIA lowering has no conversion of computed tiles to or from
// fp8 and says so where the kernel IR asks for one (the AMD lowering converts them:
// test/Passes/attn-lower-amdgpu/fp8-pv.mlir).
// RUN: attn-opt %s --split-input-file --verify-diagnostics --attn-lower-nvgpu -o /dev/null
// RUN: not attn-opt %s --split-input-file --attn-gqa-map --attn-tile=target=sm_90a --attn-online-softmax=fp8-p=true --attn-gpu-layout --attn-lower-nvgpu -o /dev/null 2>&1 | FileCheck %s --check-prefix=PIPE
// PIPE: fp8-p-errors.mlir:14:8: error: attn-lower-nvgpu: 'arith.truncf' converts
// PIPE: fp8-p-errors.mlir:{{2[0-9]}}:8: error: attn-lower-nvgpu: 'arith.truncf' converts a computed tile to or from fp8 (P rounded to e4m3 by attn-online-softmax{fp8-p=true}), which the NVIDIA lowering does not do

func.func @round_tile(%out: memref<?x32xf32>, %x: index, %y: index, %z: index) attributes {attn.kernel = {block_m = 32 : i64, num_warps = 2 : i64, target = "sm_90a", kind = "mha"}} {
  %c0 = arith.constant 0 : index
  %t = arith.constant dense<0.5> : vector<32x32xf32>
  // expected-error@+1 {{'arith.truncf' converts a computed tile to or from fp8 (P rounded to e4m3 by attn-online-softmax{fp8-p=true}), which the NVIDIA lowering does not do}}
  %r = arith.truncf %t : vector<32x32xf32> to vector<32x32xf8E4M3FN>
  %e = arith.extf %r : vector<32x32xf8E4M3FN> to vector<32x32xf32>
  vector.transfer_write %e, %out[%c0, %c0] {in_bounds = [false, true]} : vector<32x32xf32>, memref<?x32xf32>
  return
}

// -----

// An fp8 attn.mha through the front of attn-to-nvvm with fp8-p forced on.
func.func @fp8(%q: tensor<1x2x64x64xf8E4M3FN>, %k: tensor<1x2x64x64xf8E4M3FN>, %v: tensor<1x2x64x64xf8E4M3FN>, %qd: tensor<f32>, %kd: tensor<f32>, %vd: tensor<f32>) -> tensor<1x2x64x64xbf16> {
  %o = attn.mha %q, %k, %v descale(%qd, %kd, %vd) : (tensor<1x2x64x64xf8E4M3FN>, tensor<1x2x64x64xf8E4M3FN>, tensor<1x2x64x64xf8E4M3FN>, tensor<f32>, tensor<f32>, tensor<f32>) -> tensor<1x2x64x64xbf16>
  return %o : tensor<1x2x64x64xbf16>
}
