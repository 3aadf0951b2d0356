// SAGE (docs/fp8.md) with dropout's run-time rng_state and k_mean together: the
// op's operand order (descales, rng_state, k_mean) reaches the kernel arguments
// and attn-run's slots. The flash kernels only (the reference lowering has no
// dropout); attn-run's double reference applies the same Philox keep mask.
// RUN: attn-run %s --target=cpu | FileCheck %s

// CHECK: @sage_dropout result 0 (out {{.*}}): {{.*}} PASS
// CHECK: @sage_dropout result 1 (lse {{.*}}): {{.*}} PASS
func.func @sage_dropout(%q: tensor<1x4x50x32xi8>, %k: tensor<1x2x60x32xi8>, %v: tensor<1x2x60x32xf8E4M3FN>, %qd: tensor<1x4x4xf32>, %kd: tensor<1x2x2xf32>, %vd: tensor<1x2x32xf32>, %rng: tensor<2xi64>, %km: tensor<1x2x32xf32>) -> (tensor<1x4x50x32xbf16>, tensor<1x4x50xf32>) {
  %o, %l = attn.mha %q, %k, %v descale(%qd, %kd, %vd) rng_state(%rng) k_mean(%km) {causal, dropout_p = 0.25 : f32, q_scale_block = 16 : i64, k_scale_block = 32 : i64} : (tensor<1x4x50x32xi8>, tensor<1x2x60x32xi8>, tensor<1x2x60x32xf8E4M3FN>, tensor<1x4x4xf32>, tensor<1x2x2xf32>, tensor<1x2x32xf32>, tensor<2xi64>, tensor<1x2x32xf32>) -> (tensor<1x4x50x32xbf16>, tensor<1x4x50xf32>)
  return %o, %l : tensor<1x4x50x32xbf16>, tensor<1x4x50xf32>
}
