#!/bin/bash
# usage: build.sh kernel.mlir "<contract lowering pipeline>" out.mlir
set -e
K=$1; PRE=$2; OUT=$3
cat $K ${DRIVER:-driver.mlir} > bench/experiments/kernel-ir/_combined.mlir
mlir-opt-22 bench/experiments/kernel-ir/_combined.mlir --pass-pipeline="builtin.module($PRE)" -o $OUT
