// Fuzzing seed: attn.mha_varlen in the generic syntax.
"builtin.module"() ({
  "func.func"() <{function_type = (tensor<40x8x64xf16>, tensor<50x2x64xf16>, tensor<50x2x64xf16>, tensor<4xi32>, tensor<4xi32>) -> tensor<40x8x64xf16>, sym_name = "varlen"}> ({
  ^bb0(%arg6: tensor<40x8x64xf16>, %arg7: tensor<50x2x64xf16>, %arg8: tensor<50x2x64xf16>, %arg9: tensor<4xi32>, %arg10: tensor<4xi32>):
    %6 = "attn.mha_varlen"(%arg6, %arg7, %arg8, %arg9, %arg10) <{operandSegmentSizes = array<i32: 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0>, causal}> : (tensor<40x8x64xf16>, tensor<50x2x64xf16>, tensor<50x2x64xf16>, tensor<4xi32>, tensor<4xi32>) -> tensor<40x8x64xf16>
    "func.return"(%6) : (tensor<40x8x64xf16>) -> ()
  }) : () -> ()
  "func.func"() <{function_type = (tensor<?x4x32xbf16>, tensor<?x4x32xbf16>, tensor<?x4x16xbf16>, tensor<?xi32>, tensor<?xi32>, tensor<4xf32>) -> (tensor<?x4x16xbf16>, tensor<4x?xf32>), sym_name = "varlen_all"}> ({
  ^bb0(%arg0: tensor<?x4x32xbf16>, %arg1: tensor<?x4x32xbf16>, %arg2: tensor<?x4x16xbf16>, %arg3: tensor<?xi32>, %arg4: tensor<?xi32>, %arg5: tensor<4xf32>):
    %5:2 = "attn.mha_varlen"(%arg0, %arg1, %arg2, %arg3, %arg4, %arg5) <{operandSegmentSizes = array<i32: 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0>, scale = 5.000000e-01 : f32, softcap = 3.000000e+01 : f32, window_left = 3 : i64, window_right = 2 : i64}> : (tensor<?x4x32xbf16>, tensor<?x4x32xbf16>, tensor<?x4x16xbf16>, tensor<?xi32>, tensor<?xi32>, tensor<4xf32>) -> (tensor<?x4x16xbf16>, tensor<4x?xf32>)
    "func.return"(%5#0, %5#1) : (tensor<?x4x16xbf16>, tensor<4x?xf32>) -> ()
  }) : () -> ()
  "func.func"() <{function_type = () -> tensor<6x2x8xf32>, sym_name = "varlen_const"}> ({
    %0 = "arith.constant"() <{value = dense<5.000000e-01> : tensor<6x2x8xf32>}> : () -> tensor<6x2x8xf32>
    %1 = "arith.constant"() <{value = dense<[[[1.000000e+00, 2.000000e+00, 3.000000e+00, 4.000000e+00, 5.000000e+00, 6.000000e+00, 7.000000e+00, 8.000000e+00]], [[-1.000000e+00, -2.000000e+00, -3.000000e+00, -4.000000e+00, -5.000000e+00, -6.000000e+00, -7.000000e+00, -8.000000e+00]]]> : tensor<2x1x8xf32>}> : () -> tensor<2x1x8xf32>
    %2 = "arith.constant"() <{value = dense<[0, 2, 6]> : tensor<3xi32>}> : () -> tensor<3xi32>
    %3 = "arith.constant"() <{value = dense<[0, 1, 2]> : tensor<3xi32>}> : () -> tensor<3xi32>
    %4 = "attn.mha_varlen"(%0, %1, %1, %2, %3) <{operandSegmentSizes = array<i32: 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0>}> : (tensor<6x2x8xf32>, tensor<2x1x8xf32>, tensor<2x1x8xf32>, tensor<3xi32>, tensor<3xi32>) -> tensor<6x2x8xf32>
    "func.return"(%4) : (tensor<6x2x8xf32>) -> ()
  }) : () -> ()
}) : () -> ()

