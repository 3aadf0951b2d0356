#!/usr/bin/env bash
# Run on the build machine (which has the compiler) before bench/h100.sh on the GPU machine:
#
#   bench/prepare_device.sh [BUILD_DIR]      (default build/)
#
# 1. builds (ninja -C BUILD_DIR);
# 2. copies BUILD_DIR/runtime/libattnrt.so into .device/lib;
# 3. AOT-compiles every variant of python/tests/gpu_variants.py (SPECS: what test_cuda.py and
#    gpu_bench.py use) for sm_90a into .device/bundles, with BUILD_DIR's compiler;
# 4. records the commit in .device/COMMIT and prints the size (the device tool carries at
#    most 64 MiB with the working tree).
#
# A variant that fails to compile does not stop the others: it is listed in .device/FAILED.txt
# (its tests then fail on the GPU machine with KernelNotFoundError) and the exit status is 3.
# Other failures exit 1 and leave the previous .device as it was.
#
# .device/ is listed in .git/info/exclude (added here if missing), so it never gets committed
# and travels only when named: device run with carry [".device"], command "bench/h100.sh all".
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
build=$(realpath "${1:-build}")
PY=${PYTHON:-python3}
dev=.device
new=.device.new
limit_mib=48   # of the 64 MiB the working tree + carried paths may take

exclude=$(git rev-parse --git-path info/exclude)
mkdir -p "$(dirname "$exclude")"
for pattern in '/.device/' '/.device.new/'; do
  grep -qxF "$pattern" "$exclude" 2>/dev/null || echo "$pattern" >> "$exclude"
done

echo "== ninja -C $build"
ninja -C "$build"

rm -rf "$new"
trap 'rm -rf "$new"' EXIT
mkdir -p "$new/lib" "$new/bundles"
lib=$build/runtime/libattnrt.so
[ -f "$lib" ] || { echo "no $lib" >&2; exit 1; }
cp -L "$lib" "$new/lib/"

$PY python/tests/gpu_variants.py > "$new/specs.json"
echo "== $($PY python/tests/gpu_variants.py --count) variants -> $new/bundles (sm_90a)"
t0=$(date +%s)
# The compiler (libattnc.so) of the same build, not whatever else attnc would find.
export ATTNC_LIB_DIR=$build/lib:$build/runtime
export PYTHONPATH=$root/python${PYTHONPATH:+:$PYTHONPATH}
set +e
$PY -m attnc.aot --specs "$new/specs.json" --out "$new/bundles" --targets sm_90a  # in parallel
rc=$?
if [ "$rc" -ne 0 ]; then
  echo "== a variant failed; compiling them one at a time to find every failure"
  # shellcheck disable=SC2016
  $PY -c '
import sys
from attnc import aot
specs_path, out, failed_path = sys.argv[1:]
specs = aot.load_specs(specs_path)
failed = []
for s in specs:
    try:
        aot.build([s], out, ["sm_90a"], jobs=1)
    except Exception as e:
        failed.append("%r\n    %s" % (s, "\n    ".join(str(e).splitlines()[-6:])))
        print("FAILED: %r" % s, flush=True)
if failed:
    with open(failed_path, "w") as f:
        f.write("\n".join(failed) + "\n")
    print("%d of %d variants failed to compile:\n%s" % (len(failed), len(specs), "\n".join(failed)))
sys.exit(3 if failed else 0)
' "$new/specs.json" "$new/bundles" "$new/FAILED.txt"
  rc=$?
fi
set -e
[ "$rc" -eq 0 ] || [ "$rc" -eq 3 ] || { echo "AOT compilation failed (exit $rc)" >&2; exit 1; }
echo "== compiled in $(( $(date +%s) - t0 )) s"

commit=$(git rev-parse HEAD)
[ -z "$(git status --porcelain -uno)" ] || commit="$commit-dirty"
echo "$commit" > "$new/COMMIT"

rm -rf "$dev"
mv "$new" "$dev"
trap - EXIT
size_kib=$(du -sk "$dev" | cut -f1)
echo "== $dev: $(find "$dev" -type f | wc -l) files, $(( size_kib / 1024 )) MiB ($size_kib KiB), commit $commit"
if [ "$size_kib" -gt $(( limit_mib * 1024 )) ]; then
  echo "$dev is over $limit_mib MiB: the device tool carries at most 64 MiB with the tree" >&2
  exit 1
fi
if [ "$rc" -eq 3 ]; then
  echo "WARNING: $(grep -c '^AttentionSpec' "$dev/FAILED.txt") variants did not compile (listed in $dev/FAILED.txt)"
fi
echo "next: device run, carry [\".device\"], command \"bench/h100.sh all\" (or test|bench|quick)"
exit "$rc"
