#!/usr/bin/python3
"""CPU attention benchmark: GFLOP/s of attn-run's compiled code next to the
host's fp32 FMA peak measured on the same cores (bench/fma-peak.c).

FLOPs = 4 * B * H * Sq * Sk * D, halved for causal (aiter's formula). Each row
runs `attn-run --no-check --bench=N` on a generated one-op module and quotes
the median. Usage:
  bench/cpu_bench.py [--build build] [--reference] [--runs N] [--quick] [--json out.json]
Prints a markdown table (for bench/RESULTS.md).
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))

MODULE = """func.func @bench(%q: tensor<{B}x{H}x{S}x{D}x{T}>, %k: tensor<{B}x{H}x{S}x{D}x{T}>,
                    %v: tensor<{B}x{H}x{S}x{D}x{T}>) -> tensor<{B}x{H}x{S}x{D}x{T}> {{
  %o = attn.mha %q, %k, %v {attrs} : (tensor<{B}x{H}x{S}x{D}x{T}>, tensor<{B}x{H}x{S}x{D}x{T}>,
      tensor<{B}x{H}x{S}x{D}x{T}>) -> tensor<{B}x{H}x{S}x{D}x{T}>
  return %o : tensor<{B}x{H}x{S}x{D}x{T}>
}}
"""


def fma_peak(build):
    exe = os.path.join(build, "bench", "fma-peak")
    if not os.path.exists(exe):
        os.makedirs(os.path.dirname(exe), exist_ok=True)
        subprocess.run(["gcc", "-O2", "-std=c11", "-pthread", os.path.join(HERE, "fma-peak.c"), "-o", exe],
                       check=True)
    out = subprocess.run([exe], check=True, capture_output=True, text=True).stdout
    peaks = {int(m.group(1)): float(m.group(2)) for m in re.finditer(r"threads=(\d+) gflops=([\d.]+)", out)}
    isa = re.search(r"isa=(\w+)", out).group(1)
    return isa, peaks


def run_row(build, args, dtype, s, d, causal):
    b, h = 1, args.heads
    text = MODULE.format(B=b, H=h, S=s, D=d, T=dtype, attrs="{causal}" if causal else "")
    with tempfile.NamedTemporaryFile("w", suffix=".mlir", delete=False) as f:
        f.write(text)
        path = f.name
    cmd = [os.path.join(build, "tools", "attn-run"), path, "--target=cpu", "--no-check", f"--bench={args.runs}"]
    if args.reference:
        cmd.append("--reference")
    try:
        out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    finally:
        os.unlink(path)
    ms = float(re.search(r"median ([\d.]+) ms", out).group(1))
    pipeline = re.search(r"pipeline=(\S+)", out).group(1)
    flops = 4.0 * b * h * s * s * d * (0.5 if causal else 1.0)
    return pipeline, ms, flops / (ms * 1e-3) * 1e-9


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.path.join(HERE, "..", "build"))
    ap.add_argument("--reference", action="store_true", help="time the reference lowering")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--heads", type=int, default=1)
    ap.add_argument("--quick", action="store_true", help="S=1024 only")
    ap.add_argument("--json")
    args = ap.parse_args()

    isa, peaks = fma_peak(args.build)
    one, allc = peaks[min(peaks)], peaks[max(peaks)]
    print(f"fp32 FMA peak ({isa}): {one:.1f} GFLOP/s on 1 core, {allc:.1f} on {max(peaks)} cores")
    rows = []
    print("| dtype | D | S | causal | pipeline | median ms | GFLOP/s | % of 1-core peak | % of all-core peak |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for dtype in ("f32", "bf16"):
        for d in (64, 128):
            for s in ((1024,) if args.quick else (1024, 4096)):
                for causal in (False, True):
                    pipeline, ms, gflops = run_row(args.build, args, dtype, s, d, causal)
                    rows.append(dict(dtype=dtype, D=d, S=s, causal=causal, pipeline=pipeline, ms=ms,
                                     gflops=gflops, pct_one=100 * gflops / one, pct_all=100 * gflops / allc))
                    print(f"| {dtype} | {d} | {s} | {'yes' if causal else 'no'} | {pipeline} | {ms:.1f} | "
                          f"{gflops:.2f} | {100 * gflops / one:.2f} | {100 * gflops / allc:.2f} |", flush=True)
    # The peak again: the machine's speed drifts, and a ratio needs both ends.
    _, after = fma_peak(args.build)
    print(f"fp32 FMA peak after the run: {after[min(after)]:.1f} GFLOP/s on 1 core, {after[max(after)]:.1f} on all")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(dict(isa=isa, peak_before=peaks, peak_after=after, rows=rows), f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
