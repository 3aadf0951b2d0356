#!/usr/bin/env bash
# Why the TMA kernels fail to launch (CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES): driver-side
# function attributes of a TMA bundle and of the same kernel without TMA (a835f9c).
set -uo pipefail
cd "$(dirname "$0")/../../.."
export PYTHONPATH=$PWD/python ATTNC_LIB_DIR=$PWD/.device/lib ATTNC_NO_COMPILER=1 PYTHONDONTWRITEBYTECODE=1
timeout 60 python3 bench/experiments/tma/attrs.py .device/bundles/mha-bf16-d128-h16x16-18cca301b086.attnb \
  .device/old/mha-bf16-d128-h16x16-18cca301b086.attnb .device/d64/*.attnb .device/notma/*.attnb 2>&1
