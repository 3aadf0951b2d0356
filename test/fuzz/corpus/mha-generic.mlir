// Fuzzing seed: attn.mha in the generic syntax with properties and locations
// (attn-opt --mlir-print-op-generic --mlir-print-debuginfo mha.mlir).
#loc2 = loc("-":6:18)
#loc3 = loc("-":6:28)
#loc4 = loc("-":6:39)
#loc8 = loc("-":11:26)
#loc9 = loc("-":11:54)
#loc10 = loc("-":11:82)
#loc14 = loc("-":16:24)
#loc15 = loc("-":16:51)
#loc16 = loc("-":16:78)
#loc20 = loc("-":21:26)
#loc21 = loc("-":21:52)
#loc22 = loc("-":21:78)
#loc23 = loc("-":21:104)
#loc27 = loc("-":26:23)
#loc28 = loc("-":26:49)
#loc29 = loc("-":26:75)
#loc33 = loc("-":31:20)
#loc34 = loc("-":31:46)
"builtin.module"() ({
  "func.func"() <{function_type = (tensor<2x8x16x64xf16>, tensor<2x2x16x64xf16>, tensor<2x2x16x64xf16>) -> tensor<2x8x16x64xf16>, sym_name = "basic"}> ({
  ^bb0(%arg15: tensor<2x8x16x64xf16> loc("-":6:18), %arg16: tensor<2x2x16x64xf16> loc("-":6:28), %arg17: tensor<2x2x16x64xf16> loc("-":6:39)):
    %6 = "attn.mha"(%arg15, %arg16, %arg17) <{operandSegmentSizes = array<i32: 1, 1, 1, 0, 0, 0, 0, 0, 0>}> : (tensor<2x8x16x64xf16>, tensor<2x2x16x64xf16>, tensor<2x2x16x64xf16>) -> tensor<2x8x16x64xf16> loc(#loc5)
    "func.return"(%6) : (tensor<2x8x16x64xf16>) -> () loc(#loc6)
  }) : () -> () loc(#loc1)
  "func.func"() <{function_type = (tensor<1x4x45x32xbf16>, tensor<1x4x45x32xbf16>, tensor<1x4x45x32xbf16>) -> tensor<1x4x45x32xbf16>, sym_name = "causal_window"}> ({
  ^bb0(%arg12: tensor<1x4x45x32xbf16> loc("-":11:26), %arg13: tensor<1x4x45x32xbf16> loc("-":11:54), %arg14: tensor<1x4x45x32xbf16> loc("-":11:82)):
    %5 = "attn.mha"(%arg12, %arg13, %arg14) <{operandSegmentSizes = array<i32: 1, 1, 1, 0, 0, 0, 0, 0, 0>, causal, window_left = 7 : i64, window_right = 0 : i64}> : (tensor<1x4x45x32xbf16>, tensor<1x4x45x32xbf16>, tensor<1x4x45x32xbf16>) -> tensor<1x4x45x32xbf16> loc(#loc11)
    "func.return"(%5) : (tensor<1x4x45x32xbf16>) -> () loc(#loc12)
  }) : () -> () loc(#loc7)
  "func.func"() <{function_type = (tensor<1x4x21x64xf32>, tensor<1x1x26x64xf32>, tensor<1x1x26x128xf32>) -> (tensor<1x4x21x128xf32>, tensor<1x4x21xf32>), sym_name = "softcap_lse"}> ({
  ^bb0(%arg9: tensor<1x4x21x64xf32> loc("-":16:24), %arg10: tensor<1x1x26x64xf32> loc("-":16:51), %arg11: tensor<1x1x26x128xf32> loc("-":16:78)):
    %4:2 = "attn.mha"(%arg9, %arg10, %arg11) <{operandSegmentSizes = array<i32: 1, 1, 1, 0, 0, 0, 0, 0, 0>, scale = 1.250000e-01 : f32, softcap = 2.500000e+00 : f32}> : (tensor<1x4x21x64xf32>, tensor<1x1x26x64xf32>, tensor<1x1x26x128xf32>) -> (tensor<1x4x21x128xf32>, tensor<1x4x21xf32>) loc(#loc17)
    "func.return"(%4#0, %4#1) : (tensor<1x4x21x128xf32>, tensor<1x4x21xf32>) -> () loc(#loc18)
  }) : () -> () loc(#loc13)
  "func.func"() <{function_type = (tensor<?x8x?x64xf16>, tensor<?x2x?x64xf16>, tensor<?x2x?x64xf16>, tensor<8xf32>) -> (tensor<?x8x?x64xf16>, tensor<?x8x?xf32>), sym_name = "alibi_dynamic"}> ({
  ^bb0(%arg5: tensor<?x8x?x64xf16> loc("-":21:26), %arg6: tensor<?x2x?x64xf16> loc("-":21:52), %arg7: tensor<?x2x?x64xf16> loc("-":21:78), %arg8: tensor<8xf32> loc("-":21:104)):
    %3:2 = "attn.mha"(%arg5, %arg6, %arg7, %arg8) <{operandSegmentSizes = array<i32: 1, 1, 1, 1, 0, 0, 0, 0, 0>, causal}> : (tensor<?x8x?x64xf16>, tensor<?x2x?x64xf16>, tensor<?x2x?x64xf16>, tensor<8xf32>) -> (tensor<?x8x?x64xf16>, tensor<?x8x?xf32>) loc(#loc24)
    "func.return"(%3#0, %3#1) : (tensor<?x8x?x64xf16>, tensor<?x8x?xf32>) -> () loc(#loc25)
  }) : () -> () loc(#loc19)
  "func.func"() <{function_type = (tensor<1x2x5x16xf32>, tensor<1x2x0x16xf32>, tensor<1x2x0x16xf32>) -> tensor<1x2x5x16xf32>, sym_name = "empty_keys"}> ({
  ^bb0(%arg2: tensor<1x2x5x16xf32> loc("-":26:23), %arg3: tensor<1x2x0x16xf32> loc("-":26:49), %arg4: tensor<1x2x0x16xf32> loc("-":26:75)):
    %2 = "attn.mha"(%arg2, %arg3, %arg4) <{operandSegmentSizes = array<i32: 1, 1, 1, 0, 0, 0, 0, 0, 0>, window_left = 0 : i64}> : (tensor<1x2x5x16xf32>, tensor<1x2x0x16xf32>, tensor<1x2x0x16xf32>) -> tensor<1x2x5x16xf32> loc(#loc30)
    "func.return"(%2) : (tensor<1x2x5x16xf32>) -> () loc(#loc31)
  }) : () -> () loc(#loc26)
  "func.func"() <{function_type = (tensor<1x2x8x16xf16>, tensor<1x2x8x16xf16>) -> tensor<1x2x8x16xf16>, sym_name = "chained"}> ({
  ^bb0(%arg0: tensor<1x2x8x16xf16> loc("-":31:20), %arg1: tensor<1x2x8x16xf16> loc("-":31:46)):
    %0 = "attn.mha"(%arg0, %arg1, %arg1) <{operandSegmentSizes = array<i32: 1, 1, 1, 0, 0, 0, 0, 0, 0>}> : (tensor<1x2x8x16xf16>, tensor<1x2x8x16xf16>, tensor<1x2x8x16xf16>) -> tensor<1x2x8x16xf16> loc(#loc35)
    %1 = "attn.mha"(%0, %0, %arg0) <{operandSegmentSizes = array<i32: 1, 1, 1, 0, 0, 0, 0, 0, 0>, causal}> : (tensor<1x2x8x16xf16>, tensor<1x2x8x16xf16>, tensor<1x2x8x16xf16>) -> tensor<1x2x8x16xf16> loc(#loc36)
    "func.return"(%1) : (tensor<1x2x8x16xf16>) -> () loc(#loc37)
  }) : () -> () loc(#loc32)
}) : () -> () loc(#loc)
#loc = loc("-":0:0)
#loc1 = loc("-":6:1)
#loc5 = loc("-":7:8)
#loc6 = loc("-":8:3)
#loc7 = loc("-":11:1)
#loc11 = loc("mha.py":12:3)
#loc12 = loc("-":13:3)
#loc13 = loc("-":16:1)
#loc17 = loc("-":17:12)
#loc18 = loc("-":18:3)
#loc19 = loc("-":21:1)
#loc24 = loc("-":22:12)
#loc25 = loc("-":23:3)
#loc26 = loc("-":26:1)
#loc30 = loc("-":27:8)
#loc31 = loc("-":28:3)
#loc32 = loc("-":31:1)
#loc35 = loc("-":32:8)
#loc36 = loc("-":33:8)
#loc37 = loc("-":34:3)

