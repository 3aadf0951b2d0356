"""Builds the GPU test variants for sm_90a with TMA loads on (attn-gpu-layout{tma=auto}),
which the default pipeline leaves off until TMA is verified on hardware:

    python3 bench/experiments/tma/build_tma.py SPECS.json OUT_DIR [JOBS]
"""
import json
import multiprocessing
import os
import sys

from attnc import aot, compiler
from attnc.spec import AttentionSpec

FRONT = ("attn-gqa-map,attn-tile{target=sm_90a},attn-flash-backward,attn-online-softmax,"
         "attn-gpu-layout{tma=auto},attn-gpu-pipeline,attn-lower-nvgpu,")
DEVICE = ("gpu.module(lower-affine,convert-scf-to-cf,expand-strided-metadata,lower-affine,"
          "canonicalize,cse,convert-math-to-llvm,convert-nvgpu-to-nvvm,convert-gpu-to-nvvm,"
          "convert-vector-to-llvm,convert-nvvm-to-llvm,attn-nvvm-l2-prefetch,"
          "attn-nvvm-tensor-maps,reconcile-unrealized-casts,canonicalize,cse)")


def one(args):
    spec_dict, out = args
    spec = AttentionSpec.from_dict(spec_dict)
    data = compiler.compile(spec.ir(), ["sm_90a"], pipeline=FRONT + DEVICE)
    name = spec.key() + ".attnb"
    with open(os.path.join(out, name), "wb") as f:
        f.write(data)
    return {"key": spec.key(), "spec": spec.to_dict(), "file": name, "targets": ["sm_90a"],
            "bundle_targets": ["sm_90a"], "compiler_version": compiler.compiler_version(),
            "bytes": len(data), "seconds": 0}


def main():
    specs = aot.load_specs(sys.argv[1])
    out = sys.argv[2]
    os.makedirs(out, exist_ok=True)
    jobs = int(sys.argv[3]) if len(sys.argv) > 3 else 2
    with multiprocessing.Pool(jobs) as pool:
        entries = pool.map(one, [(s.to_dict(), out) for s in specs])
    aot._write_index(out, entries)
    print(len(entries), "bundles in", out)


if __name__ == "__main__":
    main()
