#!/bin/bash
# usage: run.sh file.mlir [extra mlir-runner flags]
F=$1; shift
/usr/lib/llvm-22/bin/mlir-runner -e main -entry-point-result=void -shared-libs=/usr/lib/llvm-22/lib/libmlir_c_runner_utils.so,/usr/lib/llvm-22/lib/libmlir_runner_utils.so "$@" $F
