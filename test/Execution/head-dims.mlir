// Head dims that are not multiples of the GPUs' matrix granules (issue 17): the
// sm_90a, gfx942 and gfx950 tilings pad the tiles' head dims (attn-tile's d_tile and
// dv_tile: columns past D read 0, never written), run on the CPU against attn-run's
// double-precision reference on fresh random inputs. D in {1, 8, 33, 40, 72, 80, 96,
// 100, 112, 160, 192, 200, 256}, Dv != D (192/128, 40/72, 72/40), sequence lengths not
// multiples of any tile, Sq = Sk = 1, GQA, causal, windows, softcap, lse; D = 60 and 120
// (padded to wgmma's 64 columns).
// RUN: attn-run %s --target=cpu | FileCheck %s
// RUN: attn-run %s --target=cpu '--pipeline=attn-to-cpu{tiles=sm_90a}' | FileCheck %s
// RUN: attn-run %s --target=cpu '--pipeline=attn-to-cpu{tiles=sm_90a sw-pipeline=true}' | FileCheck %s
// RUN: attn-run %s --target=cpu '--pipeline=attn-to-cpu{tiles=gfx942}' | FileCheck %s
// RUN: attn-run %s --target=cpu '--pipeline=attn-to-cpu{tiles=gfx950}' | FileCheck %s
// The padded widths the GPU tilings take:
// RUN: attn-opt %s --attn-gqa-map --attn-tile=target=sm_90a | FileCheck %s --check-prefix=SM90
// RUN: attn-opt %s --attn-gqa-map --attn-tile=target=gfx942 | FileCheck %s --check-prefix=GFX942
// SM90-LABEL: func.func @d1(
// SM90: attn.tile = {align = 1 : i64, {{.*}}d_tile = 16 : i64, dv_tile = 16 : i64
// SM90-LABEL: func.func @d8(
// SM90-NOT: align
// SM90: d_tile = 16 : i64, dv_tile = 16 : i64
// SM90-LABEL: func.func @d33(
// SM90: attn.tile = {align = 1 : i64, {{.*}}d_tile = 48 : i64, dv_tile = 48 : i64
// Forward f16/bf16 tiles past D = 32 pad to wgmma's 64 (attn-tile's wgmmaPads; f32,
// rows aligned to 1 element and widths that would pad to 192 keep mma.sync's 16):
// SM90-LABEL: func.func @d80(
// SM90: d_tile = 128 : i64, dv_tile = 128 : i64
// SM90-LABEL: func.func @d100(
// SM90: attn.tile = {align = 4 : i64, block_m = 128 : i64, block_n = 128 : i64, d_tile = 128 : i64, dv_tile = 128 : i64
// SM90-LABEL: func.func @d160(
// SM90-NOT: d_tile
// SM90-LABEL: func.func @d200(
// SM90: block_n = 32 : i64, d_tile = 256 : i64, dv_tile = 256 : i64
// SM90-LABEL: func.func @d40_v72(
// SM90: d_tile = 64 : i64, dv_tile = 128 : i64
// SM90-LABEL: func.func @d72_v40(
// SM90: d_tile = 80 : i64, dv_tile = 48 : i64
// GFX942-LABEL: func.func @d33(
// GFX942: attn.tile = {align = 1 : i64, {{.*}}d_tile = 48 : i64, dv_tile = 64 : i64
// GFX942-LABEL: func.func @d100(
// GFX942: attn.tile = {align = 4 : i64, {{.*}}d_tile = 112 : i64, dv_tile = 128 : i64
// GFX942-LABEL: func.func @d40_v72(
// GFX942: d_tile = 48 : i64, dv_tile = 96 : i64

// CHECK: @d1 result 0 (out 2x4x37x1xbf16): {{.*}} PASS
// CHECK: @d1 result 1 (lse 2x4x37xf32): {{.*}} PASS
func.func @d1(%q: tensor<2x4x37x1xbf16>, %k: tensor<2x2x53x1xbf16>, %v: tensor<2x2x53x1xbf16>) -> (tensor<2x4x37x1xbf16>, tensor<2x4x37xf32>) {
  %o, %l = attn.mha %q, %k, %v {causal} : (tensor<2x4x37x1xbf16>, tensor<2x2x53x1xbf16>, tensor<2x2x53x1xbf16>) -> (tensor<2x4x37x1xbf16>, tensor<2x4x37xf32>)
  return %o, %l : tensor<2x4x37x1xbf16>, tensor<2x4x37xf32>
}

// CHECK: @d8 result 0 (out 1x3x1x8xf16): {{.*}} PASS
// CHECK: @d8 result 1 (lse 1x3x1xf32): {{.*}} PASS
func.func @d8(%q: tensor<1x3x1x8xf16>, %k: tensor<1x1x70x8xf16>, %v: tensor<1x1x70x8xf16>) -> (tensor<1x3x1x8xf16>, tensor<1x3x1xf32>) {
  %o, %l = attn.mha %q, %k, %v : (tensor<1x3x1x8xf16>, tensor<1x1x70x8xf16>, tensor<1x1x70x8xf16>) -> (tensor<1x3x1x8xf16>, tensor<1x3x1xf32>)
  return %o, %l : tensor<1x3x1x8xf16>, tensor<1x3x1xf32>
}

// CHECK: @d33 result 0 (out 2x4x150x33xbf16): {{.*}} PASS
// CHECK: @d33 result 1 (lse 2x4x150xf32): {{.*}} PASS
func.func @d33(%q: tensor<2x4x150x33xbf16>, %k: tensor<2x2x131x33xbf16>, %v: tensor<2x2x131x33xbf16>) -> (tensor<2x4x150x33xbf16>, tensor<2x4x150xf32>) {
  %o, %l = attn.mha %q, %k, %v {causal} : (tensor<2x4x150x33xbf16>, tensor<2x2x131x33xbf16>, tensor<2x2x131x33xbf16>) -> (tensor<2x4x150x33xbf16>, tensor<2x4x150xf32>)
  return %o, %l : tensor<2x4x150x33xbf16>, tensor<2x4x150xf32>
}

// CHECK: @d33_q1 result 0 (out 3x2x1x33xf16): {{.*}} PASS
// CHECK: @d33_q1 result 1 (lse 3x2x1xf32): {{.*}} PASS
func.func @d33_q1(%q: tensor<3x2x1x33xf16>, %k: tensor<3x2x1x33xf16>, %v: tensor<3x2x1x33xf16>) -> (tensor<3x2x1x33xf16>, tensor<3x2x1xf32>) {
  %o, %l = attn.mha %q, %k, %v : (tensor<3x2x1x33xf16>, tensor<3x2x1x33xf16>, tensor<3x2x1x33xf16>) -> (tensor<3x2x1x33xf16>, tensor<3x2x1xf32>)
  return %o, %l : tensor<3x2x1x33xf16>, tensor<3x2x1xf32>
}

// CHECK: @d40 result 0 (out 1x2x65x40xbf16): {{.*}} PASS
func.func @d40(%q: tensor<1x2x65x40xbf16>, %k: tensor<1x2x200x40xbf16>, %v: tensor<1x2x200x40xbf16>) -> tensor<1x2x65x40xbf16> {
  %o = attn.mha %q, %k, %v {window_left = 50 : i64, window_right = 7 : i64} : (tensor<1x2x65x40xbf16>, tensor<1x2x200x40xbf16>, tensor<1x2x200x40xbf16>) -> tensor<1x2x65x40xbf16>
  return %o : tensor<1x2x65x40xbf16>
}

// CHECK: @d72 result 0 (out 1x4x129x72xf16): {{.*}} PASS
// CHECK: @d72 result 1 (lse 1x4x129xf32): {{.*}} PASS
func.func @d72(%q: tensor<1x4x129x72xf16>, %k: tensor<1x4x97x72xf16>, %v: tensor<1x4x97x72xf16>) -> (tensor<1x4x129x72xf16>, tensor<1x4x129xf32>) {
  %o, %l = attn.mha %q, %k, %v {causal, softcap = 20.0 : f32} : (tensor<1x4x129x72xf16>, tensor<1x4x97x72xf16>, tensor<1x4x97x72xf16>) -> (tensor<1x4x129x72xf16>, tensor<1x4x129xf32>)
  return %o, %l : tensor<1x4x129x72xf16>, tensor<1x4x129xf32>
}

// CHECK: @d80 result 0 (out 2x2x70x80xbf16): {{.*}} PASS
func.func @d80(%q: tensor<2x2x70x80xbf16>, %k: tensor<2x1x70x80xbf16>, %v: tensor<2x1x70x80xbf16>) -> tensor<2x2x70x80xbf16> {
  %o = attn.mha %q, %k, %v : (tensor<2x2x70x80xbf16>, tensor<2x1x70x80xbf16>, tensor<2x1x70x80xbf16>) -> tensor<2x2x70x80xbf16>
  return %o : tensor<2x2x70x80xbf16>
}

// CHECK: @d96 result 0 (out 1x2x33x96xf16): {{.*}} PASS
func.func @d96(%q: tensor<1x2x33x96xf16>, %k: tensor<1x2x190x96xf16>, %v: tensor<1x2x190x96xf16>) -> tensor<1x2x33x96xf16> {
  %o = attn.mha %q, %k, %v {causal} : (tensor<1x2x33x96xf16>, tensor<1x2x190x96xf16>, tensor<1x2x190x96xf16>) -> tensor<1x2x33x96xf16>
  return %o : tensor<1x2x33x96xf16>
}

// CHECK: @d100 result 0 (out 1x4x140x100xbf16): {{.*}} PASS
// CHECK: @d100 result 1 (lse 1x4x140xf32): {{.*}} PASS
func.func @d100(%q: tensor<1x4x140x100xbf16>, %k: tensor<1x2x77x100xbf16>, %v: tensor<1x2x77x100xbf16>) -> (tensor<1x4x140x100xbf16>, tensor<1x4x140xf32>) {
  %o, %l = attn.mha %q, %k, %v : (tensor<1x4x140x100xbf16>, tensor<1x2x77x100xbf16>, tensor<1x2x77x100xbf16>) -> (tensor<1x4x140x100xbf16>, tensor<1x4x140xf32>)
  return %o, %l : tensor<1x4x140x100xbf16>, tensor<1x4x140xf32>
}

// CHECK: @d112 result 0 (out 1x2x17x112xf16): {{.*}} PASS
func.func @d112(%q: tensor<1x2x17x112xf16>, %k: tensor<1x1x150x112xf16>, %v: tensor<1x1x150x112xf16>) -> tensor<1x2x17x112xf16> {
  %o = attn.mha %q, %k, %v {causal} : (tensor<1x2x17x112xf16>, tensor<1x1x150x112xf16>, tensor<1x1x150x112xf16>) -> tensor<1x2x17x112xf16>
  return %o : tensor<1x2x17x112xf16>
}

// CHECK: @d160 result 0 (out 1x2x45x160xbf16): {{.*}} PASS
func.func @d160(%q: tensor<1x2x45x160xbf16>, %k: tensor<1x2x66x160xbf16>, %v: tensor<1x2x66x160xbf16>) -> tensor<1x2x45x160xbf16> {
  %o = attn.mha %q, %k, %v : (tensor<1x2x45x160xbf16>, tensor<1x2x66x160xbf16>, tensor<1x2x66x160xbf16>) -> tensor<1x2x45x160xbf16>
  return %o : tensor<1x2x45x160xbf16>
}

// CHECK: @d192 result 0 (out 1x2x130x192xbf16): {{.*}} PASS
// CHECK: @d192 result 1 (lse 1x2x130xf32): {{.*}} PASS
func.func @d192(%q: tensor<1x2x130x192xbf16>, %k: tensor<1x2x65x192xbf16>, %v: tensor<1x2x65x192xbf16>) -> (tensor<1x2x130x192xbf16>, tensor<1x2x130xf32>) {
  %o, %l = attn.mha %q, %k, %v {causal} : (tensor<1x2x130x192xbf16>, tensor<1x2x65x192xbf16>, tensor<1x2x65x192xbf16>) -> (tensor<1x2x130x192xbf16>, tensor<1x2x130xf32>)
  return %o, %l : tensor<1x2x130x192xbf16>, tensor<1x2x130xf32>
}

// CHECK: @d200 result 0 (out 1x2x60x200xf16): {{.*}} PASS
// CHECK: @d200 result 1 (lse 1x2x60xf32): {{.*}} PASS
func.func @d200(%q: tensor<1x2x60x200xf16>, %k: tensor<1x1x99x200xf16>, %v: tensor<1x1x99x200xf16>) -> (tensor<1x2x60x200xf16>, tensor<1x2x60xf32>) {
  %o, %l = attn.mha %q, %k, %v : (tensor<1x2x60x200xf16>, tensor<1x1x99x200xf16>, tensor<1x1x99x200xf16>) -> (tensor<1x2x60x200xf16>, tensor<1x2x60xf32>)
  return %o, %l : tensor<1x2x60x200xf16>, tensor<1x2x60xf32>
}

// CHECK: @d256 result 0 (out 1x2x19x256xbf16): {{.*}} PASS
func.func @d256(%q: tensor<1x2x19x256xbf16>, %k: tensor<1x2x49x256xbf16>, %v: tensor<1x2x49x256xbf16>) -> tensor<1x2x19x256xbf16> {
  %o = attn.mha %q, %k, %v {causal} : (tensor<1x2x19x256xbf16>, tensor<1x2x49x256xbf16>, tensor<1x2x49x256xbf16>) -> tensor<1x2x19x256xbf16>
  return %o : tensor<1x2x19x256xbf16>
}

// CHECK: @d192_v128 result 0 (out 1x4x100x128xbf16): {{.*}} PASS
// CHECK: @d192_v128 result 1 (lse 1x4x100xf32): {{.*}} PASS
func.func @d192_v128(%q: tensor<1x4x100x192xbf16>, %k: tensor<1x2x90x192xbf16>, %v: tensor<1x2x90x128xbf16>) -> (tensor<1x4x100x128xbf16>, tensor<1x4x100xf32>) {
  %o, %l = attn.mha %q, %k, %v {causal} : (tensor<1x4x100x192xbf16>, tensor<1x2x90x192xbf16>, tensor<1x2x90x128xbf16>) -> (tensor<1x4x100x128xbf16>, tensor<1x4x100xf32>)
  return %o, %l : tensor<1x4x100x128xbf16>, tensor<1x4x100xf32>
}

// CHECK: @d40_v72 result 0 (out 2x2x50x72xf16): {{.*}} PASS
// CHECK: @d40_v72 result 1 (lse 2x2x50xf32): {{.*}} PASS
func.func @d40_v72(%q: tensor<2x2x50x40xf16>, %k: tensor<2x2x133x40xf16>, %v: tensor<2x2x133x72xf16>) -> (tensor<2x2x50x72xf16>, tensor<2x2x50xf32>) {
  %o, %l = attn.mha %q, %k, %v : (tensor<2x2x50x40xf16>, tensor<2x2x133x40xf16>, tensor<2x2x133x72xf16>) -> (tensor<2x2x50x72xf16>, tensor<2x2x50xf32>)
  return %o, %l : tensor<2x2x50x72xf16>, tensor<2x2x50xf32>
}

// CHECK: @d72_v40 result 0 (out 1x2x50x40xf32): {{.*}} PASS
func.func @d72_v40(%q: tensor<1x2x50x72xf32>, %k: tensor<1x2x33x72xf32>, %v: tensor<1x2x33x40xf32>) -> tensor<1x2x50x40xf32> {
  %o = attn.mha %q, %k, %v {causal} : (tensor<1x2x50x72xf32>, tensor<1x2x33x72xf32>, tensor<1x2x33x40xf32>) -> tensor<1x2x50x40xf32>
  return %o : tensor<1x2x50x40xf32>
}

// CHECK: @d120 result 0 (out 1x3x130x120xbf16): {{.*}} PASS
func.func @d120(%q: tensor<1x3x130x120xbf16>, %k: tensor<1x3x70x120xbf16>, %v: tensor<1x3x70x120xbf16>) -> tensor<1x3x130x120xbf16> {
  %o = attn.mha %q, %k, %v {causal} : (tensor<1x3x130x120xbf16>, tensor<1x3x70x120xbf16>, tensor<1x3x70x120xbf16>) -> tensor<1x3x130x120xbf16>
  return %o : tensor<1x3x130x120xbf16>
}

// CHECK: @d60 result 0 (out 2x2x65x60xf16): {{.*}} PASS
func.func @d60(%q: tensor<2x2x65x60xf16>, %k: tensor<2x2x129x60xf16>, %v: tensor<2x2x129x60xf16>) -> tensor<2x2x65x60xf16> {
  %o = attn.mha %q, %k, %v : (tensor<2x2x65x60xf16>, tensor<2x2x129x60xf16>, tensor<2x2x129x60xf16>) -> tensor<2x2x65x60xf16>
  return %o : tensor<2x2x65x60xf16>
}

// Varlen, D = 33 and Dv = 100 (8-byte rows of V).
// CHECK: @varlen_d33_v100 result 0 (out 91x4x100xbf16): {{.*}} PASS
func.func @varlen_d33_v100(%q: tensor<91x4x33xbf16>, %k: tensor<120x2x33xbf16>, %v: tensor<120x2x100xbf16>, %cq: tensor<4xi32>, %ck: tensor<4xi32>) -> tensor<91x4x100xbf16> {
  %o = attn.mha_varlen %q, %k, %v, %cq, %ck {causal} : (tensor<91x4x33xbf16>, tensor<120x2x33xbf16>, tensor<120x2x100xbf16>, tensor<4xi32>, tensor<4xi32>) -> tensor<91x4x100xbf16>
  return %o : tensor<91x4x100xbf16>
}

// Paged decode, D = 33 (the cache's blocks read as pieces of a padded tile).
// CHECK: @paged_d33 result 0 (out 5x8x33xbf16): {{.*}} PASS
func.func @paged_d33(%q: tensor<5x8x33xbf16>, %kc: tensor<60x16x2x33xbf16>, %vc: tensor<60x16x2x33xbf16>, %bt: tensor<5x12xi32>, %sl: tensor<5xi32>, %qsl: tensor<6xi32>) -> tensor<5x8x33xbf16> {
  %o = attn.paged_attention %q, %kc, %vc, %bt, %sl, %qsl {causal} : (tensor<5x8x33xbf16>, tensor<60x16x2x33xbf16>, tensor<60x16x2x33xbf16>, tensor<5x12xi32>, tensor<5xi32>, tensor<6xi32>) -> tensor<5x8x33xbf16>
  return %o : tensor<5x8x33xbf16>
}
// CHECK-NOT: FAIL
