#!/usr/bin/python3
"""CPU attention benchmark: GFLOP/s of attn-run's compiled code next to the
host's fp32 FMA peak measured on the same cores (bench/fma-peak.c).

Rows: f32 and bf16 inputs x D in {64, 128} x S in {1024, 4096} (Sq = Sk = S)
x causal and not; B = 1, H = --heads. FLOPs = 4 * B * H * Sq * Sk * D, halved
for causal (aiter's formula). Each row runs `attn-run --no-check --bench=N` on
a generated one-op module and quotes the median of N runs (attn-run's first,
untimed call is the warm-up).

The FMA peak is measured right before and right after the kernel rows on 1
core, on the thread count given with --threads or ATTN_NUM_THREADS (if any)
and on all cores the process may use; each row is quoted as a percentage of the all-cores peak
measured before (attn-run runs multithreaded on all cores unless --threads
says otherwise) and of the 1-core peak. The after-peak shows how much the
machine drifted during the run.

Also reported: the causal / non-causal time ratio per (dtype, D, S), and with
--compare-reference the reference lowering (attn-run --reference) at S=1024
only (it is slow: ~0.2 s per head at D=128) and the speedup of the default
pipeline over it.

Usage:
  bench/cpu_bench.py [--build DIR] [--threads N] [--runs N] [--heads H] [--quick]
                     [--sizes 1024,4096] [--dims 64,128] [--dtypes f32,bf16]
                     [--compare-reference [--reference-size 1024] | --reference]
                     [--json out.json]
Prints markdown (for bench/RESULTS.md) on stdout; progress goes to stderr.
"""
import argparse
import datetime
import json
import os
import platform
import re
import shlex
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REFERENCE_S = 1024  # --compare-reference runs the reference lowering at this S only

MODULE = """func.func @bench(%q: tensor<{B}x{H}x{S}x{D}x{T}>, %k: tensor<{B}x{H}x{S}x{D}x{T}>,
                    %v: tensor<{B}x{H}x{S}x{D}x{T}>) -> tensor<{B}x{H}x{S}x{D}x{T}> {{
  %o = attn.mha %q, %k, %v {attrs} : (tensor<{B}x{H}x{S}x{D}x{T}>, tensor<{B}x{H}x{S}x{D}x{T}>,
      tensor<{B}x{H}x{S}x{D}x{T}>) -> tensor<{B}x{H}x{S}x{D}x{T}>
  return %o : tensor<{B}x{H}x{S}x{D}x{T}>
}}
"""


class BenchError(Exception):
    pass


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def fma_peak_exe(build):
    """Builds bench/fma-peak.c into BUILD/bench/fma-peak when missing or stale."""
    src = os.path.join(HERE, "fma-peak.c")
    exe = os.path.join(build, "bench", "fma-peak")
    if not os.path.exists(exe) or os.path.getmtime(exe) < os.path.getmtime(src):
        os.makedirs(os.path.dirname(exe), exist_ok=True)
        cc = os.environ.get("CC", "cc")
        r = subprocess.run([cc, "-O2", "-std=c11", "-pthread", src, "-o", exe], capture_output=True, text=True)
        if r.returncode != 0:
            raise BenchError(f"cannot build {src} with {cc}:\n{r.stderr}")
    return exe


def fma_peak(exe, threads):
    """{thread count: GFLOP/s} for 1, `threads` (if given) and all usable cores; isa; cores."""
    cores = len(os.sched_getaffinity(0))  # what fma-peak calls all cores, too
    counts = sorted({1, cores} | ({threads} if threads else set()))
    out = subprocess.run([exe, "--threads=" + ",".join(map(str, counts))], check=True, capture_output=True,
                         text=True).stdout
    peaks = {int(m.group(1)): float(m.group(2)) for m in re.finditer(r"threads=(\d+) gflops=([\d.]+)", out)}
    isa = re.search(r"isa=(\w+)", out).group(1)
    if int(re.search(r"cores=(\d+)", out).group(1)) != cores:
        raise BenchError("fma-peak and this script disagree on the number of usable cores")
    return isa, cores, peaks


def run_attn(build, args, dtype, s, d, causal, reference):
    """(pipeline, threads reported by attn-run or None, median ms, GFLOP/s)."""
    b, h = 1, args.heads
    text = MODULE.format(B=b, H=h, S=s, D=d, T=dtype, attrs="{causal}" if causal else "")
    with tempfile.NamedTemporaryFile("w", suffix=".mlir", delete=False) as f:
        f.write(text)
        path = f.name
    cmd = [os.path.join(build, "tools", "attn-run"), path, "--target=cpu", "--no-check", f"--bench={args.runs}"]
    if reference:
        cmd.append("--reference")
    if args.threads:
        cmd.append(f"--threads={args.threads}")
    try:
        r = subprocess.run(cmd, capture_output=True, text=True)
    finally:
        os.unlink(path)
    m = re.search(r"median ([\d.]+) ms", r.stdout)
    if r.returncode != 0 or not m:
        raise BenchError(f"{' '.join(map(shlex.quote, cmd))} failed (exit {r.returncode}):\n{r.stdout}{r.stderr}")
    ms = float(m.group(1))
    pipeline = re.search(r"pipeline=(\S+)", r.stdout).group(1)
    t = re.search(r"threads=(\d+)", r.stdout)
    flops = 4.0 * b * h * s * s * d * (0.5 if causal else 1.0)
    return pipeline, int(t.group(1)) if t else None, ms, flops / (ms * 1e-3) * 1e-9


def int_list(text):
    return [int(x) for x in text.split(",") if x]


def machine_info():
    model = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            m = re.search(r"^model name\s*:\s*(.+)$", f.read(), re.M)
            model = m.group(1).strip() if m else model
    except OSError:
        pass
    try:
        commit = subprocess.run(["git", "-C", HERE, "rev-parse", "--short", "HEAD"], capture_output=True,
                                text=True).stdout.strip() or "?"
        dirty = subprocess.run(["git", "-C", HERE, "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True).stdout.strip()
        commit += " (+ local changes)" if dirty else ""
    except OSError:
        commit = "?"
    return model, commit


def fmt_peaks(peaks, threads):
    parts = [f"{peaks[1]:.1f} on 1 core"]
    if threads and threads not in (1, max(peaks)):
        parts.append(f"{peaks[threads]:.1f} on {threads} threads")
    parts.append(f"{peaks[max(peaks)]:.1f} on all {max(peaks)} cores")
    return ", ".join(parts)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default=os.path.join(HERE, "..", "build"), help="build directory (tools/attn-run)")
    ap.add_argument("--threads", type=int, help="passed to attn-run as --threads=N (default: attn-run's own)")
    ap.add_argument("--reference", action="store_true", help="time only the reference lowering")
    ap.add_argument("--compare-reference", action="store_true",
                    help="also time the reference lowering (at --reference-size only) and print the speedup")
    ap.add_argument("--reference-size", type=int, default=REFERENCE_S,
                    help=f"the S at which --compare-reference runs the reference lowering (default {REFERENCE_S})")
    ap.add_argument("--runs", type=int, default=3, help="timed runs per row (median)")
    ap.add_argument("--heads", type=int, default=1)
    ap.add_argument("--quick", action="store_true", help=f"S={REFERENCE_S} only")
    ap.add_argument("--sizes", type=int_list, help="sequence lengths (default 1024,4096)")
    ap.add_argument("--dims", type=int_list, default=[64, 128], help="head dims (default 64,128)")
    ap.add_argument("--dtypes", default="f32,bf16", help="input element types (default f32,bf16)")
    ap.add_argument("--json", help="also write every number to this file")
    args = ap.parse_args()
    if args.reference and args.compare_reference:
        ap.error("--compare-reference compares the default pipeline with --reference; pass only one")
    if args.threads is not None and args.threads < 1:
        ap.error("--threads must be positive")
    # attn-run reads ATTN_NUM_THREADS when --threads is not given.
    env = os.environ.get("ATTN_NUM_THREADS", "")
    env_threads = int(env) if env.isdigit() and int(env) > 0 else None
    threads = args.threads or env_threads
    sizes = args.sizes or ([REFERENCE_S] if args.quick else [1024, 4096])
    if args.compare_reference and args.reference_size not in sizes:
        ap.error(f"--compare-reference runs at S={args.reference_size}, which is not among the sizes {sizes}")
    dtypes = [t for t in args.dtypes.split(",") if t]
    build = os.path.abspath(args.build)

    try:
        exe = fma_peak_exe(build)
        log("measuring the FMA peak ...")
        isa, cores, before = fma_peak(exe, threads)
        rows, ref_rows = [], []
        for dtype in dtypes:
            for d in args.dims:
                for s in sizes:
                    for causal in (False, True):
                        log(f"{dtype} D={d} S={s} causal={causal} ...")
                        pipeline, threads, ms, gflops = run_attn(build, args, dtype, s, d, causal, args.reference)
                        rows.append(dict(dtype=dtype, D=d, S=s, causal=causal, pipeline=pipeline, threads=threads,
                                         ms=ms, gflops=gflops))
                        if args.compare_reference and s == args.reference_size:
                            log("  ... and with --reference")
                            rp, rt, rms, rg = run_attn(build, args, dtype, s, d, causal, True)
                            ref_rows.append(dict(dtype=dtype, D=d, S=s, causal=causal, pipeline=rp, threads=rt,
                                                 ms=rms, gflops=rg, speedup=rms / ms))
        # The peak again: the machine's speed drifts, and a ratio needs both ends.
        log("measuring the FMA peak again ...")
        _, _, after = fma_peak(exe, threads)
    except (BenchError, subprocess.CalledProcessError) as e:
        print(f"cpu_bench.py: error: {e}", file=sys.stderr)
        return 1

    one, allc = before[1], before[cores]
    for r in rows + ref_rows:
        r["pct_one_core"] = 100 * r["gflops"] / one
        r["pct_all_cores"] = 100 * r["gflops"] / allc
    reported = {r["threads"] for r in rows}
    if args.threads:
        threads_used = f"{args.threads} (--threads={args.threads} passed to attn-run)"
    elif env_threads:
        threads_used = f"{env_threads} (ATTN_NUM_THREADS={env_threads} in the environment)"
    elif reported - {None}:
        threads_used = ", ".join(str(t) for t in sorted(reported - {None})) + " (attn-run's default, as it reports)"
    else:
        threads_used = f"attn-run's default (it does not report a count; {cores} cores usable)"
    model, commit = machine_info()
    pipelines = sorted({r["pipeline"] for r in rows})

    out = []
    out.append(f"- Machine: {model}, {cores} usable cores, {isa}; {platform.system()} {platform.release()}.")
    out.append(f"- Date: {datetime.date.today().isoformat()}. Commit: {commit}. Command: "
               f"`bench/cpu_bench.py {' '.join(map(shlex.quote, sys.argv[1:]))}`")
    out.append(f"- B=1, H={args.heads}, Sq=Sk=S, median of {args.runs} runs; FLOPs = 4*B*H*S^2*D, halved for causal. "
               f"Pipeline: {', '.join(pipelines)}. attn-run threads: {threads_used}.")
    out.append(f"- fp32 FMA peak ({isa}) before the rows: {fmt_peaks(before, threads)} GFLOP/s; "
               f"after: {fmt_peaks(after, threads)}. Percentages use the before values "
               f"(all cores {allc:.1f}, 1 core {one:.1f}).")
    out.append("")
    extra = threads if threads and threads not in (1, cores) else None
    out.append(f"| dtype | D | S | causal | threads | median ms | GFLOP/s | % of all-core peak ({allc:.0f}) "
               f"| % of 1-core peak ({one:.0f}) |"
               + (f" % of {extra}-thread peak ({before[extra]:.0f}) |" if extra else ""))
    out.append("| --- | --- | --- | --- | --- | --- | --- | --- | --- |" + (" --- |" if extra else ""))
    tcol = lambda r: str(r["threads"]) if r["threads"] else (str(threads) if threads else "default")
    for r in rows:
        out.append(f"| {r['dtype']} | {r['D']} | {r['S']} | {'yes' if r['causal'] else 'no'} | {tcol(r)} | "
                   f"{r['ms']:.1f} | {r['gflops']:.2f} | {r['pct_all_cores']:.1f} | {r['pct_one_core']:.1f} |"
                   + (f" {100 * r['gflops'] / before[extra]:.1f} |" if extra else ""))

    ratios = []
    for dtype in dtypes:
        for d in args.dims:
            for s in sizes:
                pair = {r["causal"]: r for r in rows if (r["dtype"], r["D"], r["S"]) == (dtype, d, s)}
                if len(pair) == 2:
                    ratios.append(dict(dtype=dtype, D=d, S=s, ratio=pair[True]["ms"] / pair[False]["ms"]))
    out.append("")
    out.append("Causal / non-causal time (0.5 would be perfect skipping of masked tiles):")
    out.append("")
    out.append("| dtype | D | S | causal ms / non-causal ms |")
    out.append("| --- | --- | --- | --- |")
    for r in ratios:
        out.append(f"| {r['dtype']} | {r['D']} | {r['S']} | {r['ratio']:.2f} |")

    if args.compare_reference:
        out.append("")
        out.append(f"Speedup over the reference lowering (attn-run --reference) at S={args.reference_size}:")
        out.append("")
        out.append("| dtype | D | S | causal | reference ms | reference GFLOP/s | default ms | speedup |")
        out.append("| --- | --- | --- | --- | --- | --- | --- | --- |")
        for rr in ref_rows:
            dr = next(r for r in rows if all(r[k] == rr[k] for k in ("dtype", "D", "S", "causal")))
            out.append(f"| {rr['dtype']} | {rr['D']} | {rr['S']} | {'yes' if rr['causal'] else 'no'} | "
                       f"{rr['ms']:.1f} | {rr['gflops']:.2f} | {dr['ms']:.1f} | {rr['speedup']:.1f}x |")
        if any(rr["pipeline"] == dr["pipeline"] for rr in ref_rows for dr in rows):
            out.append("")
            out.append("(The default pipeline is still the reference lowering: these speedups compare it with itself.)")
    print("\n".join(out))

    if args.json:
        with open(args.json, "w") as f:
            json.dump(dict(machine=model, cores=cores, isa=isa, commit=commit, argv=sys.argv[1:],
                           threads=threads, threads_used=threads_used, heads=args.heads, runs=args.runs,
                           peak_before={str(k): v for k, v in before.items()},
                           peak_after={str(k): v for k, v in after.items()}, rows=rows, causal_ratios=ratios,
                           reference_rows=ref_rows), f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
