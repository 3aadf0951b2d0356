"""python3 -m attnc: what attnc finds on this machine (versions, libraries,
compiler, devices, cache and bundle directories)."""
import os
import sys

import attnc
from attnc import _lib, kernels


def _devices():
    lines = []
    try:
        lines.append("cpu (bundle target %s)" % attnc.cpu_target_name())
    except attnc.AttncError as e:
        lines.append("cpu: %s" % e)
        return lines
    for dev in ("cuda:0", "hip:0"):
        ok = attnc.runtime_available(dev)
        lines.append("%s: %s" % (dev, "available" if ok is True else "not available: %s" % ok))
    return lines


def main():
    out = sys.stdout
    out.write("attnc %s (Python package, %s)\n" % (attnc.__version__, os.path.dirname(
        attnc.__file__)))
    rt = _lib.runtime_path()
    out.write("runtime:  %s\n" % (rt or "NOT FOUND: %s" % (_lib._state.runtime_error or "?")))
    cp = _lib.compiler_path()
    if cp:
        out.write("compiler: %s\n          %s\n" % (cp, attnc.compiler_version()))
    else:
        out.write("compiler: not available (%s)\n" % _lib.compiler_unavailable_reason())
    out.write("devices:\n")
    if rt:
        for line in _devices():
            out.write("  %s\n" % line)
    try:
        import torch  # noqa: F401
        out.write("torch:    %s (cuda available: %s)\n" % (torch.__version__,
                                                         torch.cuda.is_available()))
    except ImportError:
        out.write("torch:    not installed (attnc.torch needs it)\n")
    if cp:
        out.write("cache:    %s\n" % kernels.cache_dir())
    else:
        out.write("cache:    unused without the compiler\n")
    dirs = kernels.bundle_dirs()
    out.write("bundles:  %s\n" % (os.pathsep.join(dirs) if dirs else "none (ATTNC_BUNDLE_DIR)"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
