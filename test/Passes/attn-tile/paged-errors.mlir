// An attn.paged_mode that names no kernel is a located error.
// RUN: not attn-opt %s --attn-tile 2>&1 | FileCheck %s --check-prefix=BAD

// BAD: error: attn-tile: 'attn.paged_attention' has an attn.paged_mode other than "decode" or "prefill"
func.func @bad_mode(%q: tensor<4x32x128xbf16>, %kc: tensor<?x16x8x128xbf16>, %vc: tensor<?x16x8x128xbf16>, %bt: tensor<4x?xi32>, %sl: tensor<4xi32>, %qsl: tensor<5xi32>) -> tensor<4x32x128xbf16> {
  %o = attn.paged_attention %q, %kc, %vc, %bt, %sl, %qsl {attn.paged_mode = "chunked"} : (tensor<4x32x128xbf16>, tensor<?x16x8x128xbf16>, tensor<?x16x8x128xbf16>, tensor<4x?xi32>, tensor<4xi32>, tensor<5xi32>) -> tensor<4x32x128xbf16>
  return %o : tensor<4x32x128xbf16>
}
