// Fuzzing seed: upstream dialects, aliases, locations, affine maps, layouts,
// dense and resource attributes, and file metadata around one attn.mha.
#map = affine_map<(d0, d1)[s0] -> (d0 * 4 + d1 floordiv 2, s0 mod 8, -d1 + 3)>
#set = affine_set<(d0)[s0] : (d0 - 1 >= 0, s0 - d0 == 0)>
#strided = strided<[?, 1], offset: ?>
!elt = complex<f32>
#loc_a = loc("upstream.mlir":4:2)
#fused = loc(fused<"attn">["a.py":1:1, callsite("f"("b.py":2:2) at "c.py":3:3)])
module attributes {test.dict = {a = [1, 2.0 : f64, "s", unit, @sym, array<i64: 1, -2>, #map]}, dlti.dl_spec = #dlti.dl_spec<"dlti.endianness" = "little">} {
  func.func private @ext(memref<4x?xf32, #strided>, tensor<*xf32>, vector<[4]x2xi8>, !elt, tuple<i1, index, none>) -> ()

  func.func @mix(%m: memref<8x8xf32>, %n: index, %t: tensor<2x2x4x8xf16>) -> (tensor<2x2x4x8xf16>, i32) {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %cst = arith.constant dense<[[1.0, -2.5], [0x7F800000, 3.0e+38]]> : tensor<2x2xf32>
    %res = arith.constant dense_resource<blob1> : tensor<4xi32>
    %big = arith.constant -9223372036854775808 : i64
    %sum = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %c0) -> (index) {
      affine.for %j = 0 to 8 step 2 {
        %v = affine.load %m[%j * 2 mod 8, %j floordiv 3] : memref<8x8xf32>
        affine.if #set(%j)[%n] {
          affine.store %v, %m[%j, 0] : memref<8x8xf32>
        }
      }
      %next = arith.addi %acc, %i : index
      scf.yield %next : index
    } loc(#fused)
    %w = scf.while (%x = %sum) : (index) -> index {
      %cond = arith.cmpi slt, %x, %n : index
      scf.condition(%cond) %x : index
    } do {
    ^bb0(%y: index):
      %z = arith.addi %y, %c1 : index
      scf.yield %z : index
    }
    cf.br ^exit(%w : index) loc(#loc_a)
  ^exit(%e: index):
    %o = attn.mha %t, %t, %t {scale = 1.0e-3 : f32} : (tensor<2x2x4x8xf16>, tensor<2x2x4x8xf16>, tensor<2x2x4x8xf16>) -> tensor<2x2x4x8xf16>
    %r = arith.index_cast %e : index to i32
    return %o, %r : tensor<2x2x4x8xf16>, i32
  }
}

{-#
  dialect_resources: {
    builtin: {
      blob1: "0x0400000001000000020000000300000004000000"
    }
  }
#-}
