#!/usr/bin/env bash
# Copies what run1.sh needs (python/, bench/, .device/ of this checkout, after
# bench/prepare_device.sh and the old kernels in .device/bundles-base) into DEST, for a device
# call made from another checkout: the device tool sends the checkout its session started in,
# not this worktree (/work/.library/device/README.md). DEST must be a folder of that checkout
# that its .git/info/exclude ignores; carry it and run `bash DEST/bench/experiments/mla-speed/run1.sh`.
#
#   bench/experiments/mla-speed/stage.sh DEST
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: $0 DEST" >&2; exit 2; }
src=$(cd "$(dirname "$0")/../../.." && pwd)
dest=$1
[ -d "$src/.device/bundles" ] && [ -d "$src/.device/bundles-base" ] || {
  echo "$src/.device/bundles and bundles-base are needed (bench/prepare_device.sh)" >&2; exit 1; }
mkdir -p "$dest"
for d in python bench .device; do
  rm -rf "${dest:?}/$d"
  cp -r "$src/$d" "$dest/$d"
done
find "$dest" -name __pycache__ -type d -prune -exec rm -rf {} +
echo "$dest: $(du -sm "$dest" | cut -f1) MiB"
