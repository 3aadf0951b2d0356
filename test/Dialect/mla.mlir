// attn.mla round trip in the custom form: DeepSeek-V3's shapes (kv_lora_rank
// 512 + rope 64), 256 + 32, every attribute, the lse result, dynamic token,
// block and batch dims, bf16 / f16 / f32, blocks of one token. The custom form
// printed directly, re-parsed, and printed via the generic form must all give
// the same custom form; an unused op is dropped (Pure).
// RUN: attn-opt %s | FileCheck %s
// RUN: attn-opt %s | attn-opt | FileCheck %s
// RUN: attn-opt %s --mlir-print-op-generic | attn-opt | FileCheck %s
// RUN: attn-opt %s --mlir-print-op-generic | FileCheck %s --check-prefix=GENERIC
// RUN: attn-opt %s --canonicalize | FileCheck %s --check-prefix=PURE

// CHECK-LABEL: func.func @mla_forms
// CHECK-NEXT: attn.mla %arg0, %arg1, %arg2, %arg3, %arg4 {kv_lora_rank = 512 : i64} : (tensor<4x128x576xbf16>, tensor<1024x64x576xbf16>, tensor<4x64xi32>, tensor<4xi32>, tensor<5xi32>) -> tensor<4x128x512xbf16>
// CHECK-NEXT: attn.mla %arg0, %arg1, %arg2, %arg3, %arg4 {causal, kv_lora_rank = 512 : i64, scale = 0.0721687824 : f32, softcap = 3.000000e+01 : f32} : (tensor<4x128x576xbf16>, tensor<1024x64x576xbf16>, tensor<4x64xi32>, tensor<4xi32>, tensor<5xi32>) -> (tensor<4x128x512xbf16>, tensor<128x4xf32>)
// CHECK-NEXT: attn.mla %arg5, %arg6, %arg7, %arg8, %arg9 {causal, kv_lora_rank = 256 : i64} : (tensor<?x16x288xf16>, tensor<?x1x288xf16>, tensor<?x?xi32>, tensor<?xi32>, tensor<?xi32>) -> (tensor<?x16x256xf16>, tensor<16x?xf32>)
// CHECK-NEXT: attn.mla %arg10, %arg11, %arg12, %arg13, %arg14 {attn.note = "any", kv_lora_rank = 32 : i64} : (tensor<3x2x48xf32>, tensor<5x7x48xf32>, tensor<2x3xi32>, tensor<2xi32>, tensor<3xi32>) -> tensor<3x2x32xf32>
// GENERIC: "attn.mla"(%arg0, %arg1, %arg2, %arg3, %arg4) <{kv_lora_rank = 512 : i64}>
// GENERIC: "attn.mla"(%arg0, %arg1, %arg2, %arg3, %arg4) <{causal, kv_lora_rank = 512 : i64, scale = 0.0721687824 : f32, softcap = 3.000000e+01 : f32}>
// PURE-LABEL: func.func @mla_forms
// PURE-NOT: attn.mla
// PURE: return
func.func @mla_forms(%q: tensor<4x128x576xbf16>, %kv: tensor<1024x64x576xbf16>, %bt: tensor<4x64xi32>, %sl: tensor<4xi32>, %qsl: tensor<5xi32>,
                     %q2: tensor<?x16x288xf16>, %kv2: tensor<?x1x288xf16>, %bt2: tensor<?x?xi32>, %sl2: tensor<?xi32>, %qsl2: tensor<?xi32>,
                     %q3: tensor<3x2x48xf32>, %kv3: tensor<5x7x48xf32>, %bt3: tensor<2x3xi32>, %sl3: tensor<2xi32>, %qsl3: tensor<3xi32>) {
  %0 = attn.mla %q, %kv, %bt, %sl, %qsl {kv_lora_rank = 512 : i64} : (tensor<4x128x576xbf16>, tensor<1024x64x576xbf16>, tensor<4x64xi32>, tensor<4xi32>, tensor<5xi32>) -> tensor<4x128x512xbf16>
  %1:2 = attn.mla %q, %kv, %bt, %sl, %qsl {kv_lora_rank = 512 : i64, causal, scale = 0.0721687824 : f32, softcap = 30.0 : f32} : (tensor<4x128x576xbf16>, tensor<1024x64x576xbf16>, tensor<4x64xi32>, tensor<4xi32>, tensor<5xi32>) -> (tensor<4x128x512xbf16>, tensor<128x4xf32>)
  %2:2 = attn.mla %q2, %kv2, %bt2, %sl2, %qsl2 {causal, kv_lora_rank = 256 : i64} : (tensor<?x16x288xf16>, tensor<?x1x288xf16>, tensor<?x?xi32>, tensor<?xi32>, tensor<?xi32>) -> (tensor<?x16x256xf16>, tensor<16x?xf32>)
  %3 = attn.mla %q3, %kv3, %bt3, %sl3, %qsl3 {kv_lora_rank = 32 : i64, attn.note = "any"} : (tensor<3x2x48xf32>, tensor<5x7x48xf32>, tensor<2x3xi32>, tensor<2xi32>, tensor<3xi32>) -> tensor<3x2x32xf32>
  return
}
