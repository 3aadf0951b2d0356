// attn.mla (DeepSeek MLA decode over a paged latent cache) on the CPU against
// attn-run's double reference (attnRefMla: K the whole latent row, V its first
// kv_lora_rank values, read separately), on its generated paged inputs:
// random valid seq_lens including 0, 1 and full ones, several query tokens
// per sequence (causal bottom-right per sequence: speculative / MTP
// decoding), shuffled and shared blocks, NaN in every cache slot no sequence
// reads. kv_lora_rank 512 + rope 64 (DeepSeek-V2/V3) and 256 + 32, H 16 to
// 128, blocks of 1, 5, 16 and 64 tokens, bf16 / f16 / f32, softcap, DeepSeek's
// scale 1/sqrt(192), V the whole row (kv_lora_rank = D), dynamic sizes, KV
// splits chosen at run time and fixed ones. The V tile is a column slice of
// the K tile (docs/mla.md); the sw-pipelined run leaves those loops alone.
// RUN: attn-run %s --target=cpu | FileCheck %s
// RUN: attn-run %s --target=cpu '--pipeline=attn-to-cpu{kv-splits=3}' | FileCheck %s
// RUN: attn-run %s --target=cpu '--pipeline=attn-to-cpu{isa=generic kv-splits=1}' | FileCheck %s
// RUN: attn-run %s --target=cpu '--pipeline=attn-to-cpu{tiles=sm_90a sw-pipeline=true}' | FileCheck %s
// The AMD tilings (16 heads, 16-key tiles on gfx942, 32 on gfx950, also at blocks of 1):
// RUN: attn-run %s --target=cpu '--pipeline=attn-to-cpu{tiles=gfx942}' | FileCheck %s
// RUN: attn-run %s --target=cpu '--pipeline=attn-to-cpu{tiles=gfx950}' | FileCheck %s
// The reference loops (attn-lower-reference) against the same reference:
// RUN: attn-run %s --target=cpu --pipeline=attn-to-cpu-reference | FileCheck %s

// DeepSeek-V3 decode: 16 heads, blocks of 64, up to 512 keys, with the lse.
// CHECK: @deepseek_h16_bs64 result 0 (out 8x16x512xbf16): {{.*}} PASS
// CHECK: @deepseek_h16_bs64 result 1 (lse 16x8xf32): {{.*}} PASS
func.func @deepseek_h16_bs64(%q: tensor<8x16x576xbf16>, %kv: tensor<40x64x576xbf16>, %bt: tensor<6x8xi32>, %sl: tensor<6xi32>, %qsl: tensor<7xi32>) -> (tensor<8x16x512xbf16>, tensor<16x8xf32>) {
  %o, %l = attn.mla %q, %kv, %bt, %sl, %qsl {kv_lora_rank = 512 : i64, causal} : (tensor<8x16x576xbf16>, tensor<40x64x576xbf16>, tensor<6x8xi32>, tensor<6xi32>, tensor<7xi32>) -> (tensor<8x16x512xbf16>, tensor<16x8xf32>)
  return %o, %l : tensor<8x16x512xbf16>, tensor<16x8xf32>
}

// 128 heads (8 row tiles of one token share each K tile), short sequences,
// blocks of 16, DeepSeek's scale 1/sqrt(192).
// CHECK: @h128_bs16 result 0 (out 5x128x512xbf16): {{.*}} PASS
// CHECK: @h128_bs16 result 1 (lse 128x5xf32): {{.*}} PASS
func.func @h128_bs16(%q: tensor<5x128x576xbf16>, %kv: tensor<24x16x576xbf16>, %bt: tensor<4x5xi32>, %sl: tensor<4xi32>, %qsl: tensor<5xi32>) -> (tensor<5x128x512xbf16>, tensor<128x5xf32>) {
  %o, %l = attn.mla %q, %kv, %bt, %sl, %qsl {kv_lora_rank = 512 : i64, causal, scale = 0.0721687824 : f32} : (tensor<5x128x576xbf16>, tensor<24x16x576xbf16>, tensor<4x5xi32>, tensor<4xi32>, tensor<5xi32>) -> (tensor<5x128x512xbf16>, tensor<128x5xf32>)
  return %o, %l : tensor<5x128x512xbf16>, tensor<128x5xf32>
}

// kv_lora_rank 256 + rope 32, f16, blocks of one token (every K row its own
// piece), 32 heads.
// CHECK: @rank256_f16_bs1 result 0 (out 6x32x256xf16): {{.*}} PASS
func.func @rank256_f16_bs1(%q: tensor<6x32x288xf16>, %kv: tensor<300x1x288xf16>, %bt: tensor<5x70xi32>, %sl: tensor<5xi32>, %qsl: tensor<6xi32>) -> tensor<6x32x256xf16> {
  %o = attn.mla %q, %kv, %bt, %sl, %qsl {kv_lora_rank = 256 : i64, causal} : (tensor<6x32x288xf16>, tensor<300x1x288xf16>, tensor<5x70xi32>, tensor<5xi32>, tensor<6xi32>) -> tensor<6x32x256xf16>
  return %o : tensor<6x32x256xf16>
}

// 64 heads, f32, blocks of 5 (no power of two), softcap, not causal.
// CHECK: @h64_f32_bs5_softcap result 0 (out 5x64x64xf32): {{.*}} PASS
// CHECK: @h64_f32_bs5_softcap result 1 (lse 64x5xf32): {{.*}} PASS
func.func @h64_f32_bs5_softcap(%q: tensor<5x64x80xf32>, %kv: tensor<90x5x80xf32>, %bt: tensor<4x25xi32>, %sl: tensor<4xi32>, %qsl: tensor<5xi32>) -> (tensor<5x64x64xf32>, tensor<64x5xf32>) {
  %o, %l = attn.mla %q, %kv, %bt, %sl, %qsl {kv_lora_rank = 64 : i64, softcap = 20.0 : f32} : (tensor<5x64x80xf32>, tensor<90x5x80xf32>, tensor<4x25xi32>, tensor<4xi32>, tensor<5xi32>) -> (tensor<5x64x64xf32>, tensor<64x5xf32>)
  return %o, %l : tensor<5x64x64xf32>, tensor<64x5xf32>
}

// V the whole row (kv_lora_rank = D): the PV matmul reads the K tile itself.
// CHECK: @v_whole_row result 0 (out 4x16x64xbf16): {{.*}} PASS
func.func @v_whole_row(%q: tensor<4x16x64xbf16>, %kv: tensor<30x16x64xbf16>, %bt: tensor<4x7xi32>, %sl: tensor<4xi32>, %qsl: tensor<5xi32>) -> tensor<4x16x64xbf16> {
  %o = attn.mla %q, %kv, %bt, %sl, %qsl {kv_lora_rank = 64 : i64, causal} : (tensor<4x16x64xbf16>, tensor<30x16x64xbf16>, tensor<4x7xi32>, tensor<4xi32>, tensor<5xi32>) -> tensor<4x16x64xbf16>
  return %o : tensor<4x16x64xbf16>
}

// Dynamic tokens, blocks and batch: attn-run picks the sizes (--dynamic-size).
// CHECK: @dynamic_h16 result 0 (out {{[0-9]+}}x16x512xbf16): {{.*}} PASS
func.func @dynamic_h16(%q: tensor<?x16x576xbf16>, %kv: tensor<?x16x576xbf16>, %bt: tensor<?x?xi32>, %sl: tensor<?xi32>, %qsl: tensor<?xi32>) -> tensor<?x16x512xbf16> {
  %o = attn.mla %q, %kv, %bt, %sl, %qsl {kv_lora_rank = 512 : i64, causal} : (tensor<?x16x576xbf16>, tensor<?x16x576xbf16>, tensor<?x?xi32>, tensor<?xi32>, tensor<?xi32>) -> tensor<?x16x512xbf16>
  return %o : tensor<?x16x512xbf16>
}
// CHECK-NOT: FAIL
