#!/usr/bin/env python3
"""attnc's CUDA attention next to PyTorch SDPA flash (FA2), SDPA cuDNN and
FlexAttention (torch.compile'd), in one process on one NVIDIA GPU.

Shapes are the prefill rows of ANCHORS.md / bench/peers.py: bf16, BHSD, Hq == Hkv,
H*D = 2048, B*S = 16k tokens, D in {64, 128}, causal and not, S in {1k, 4k, 16k}
(--seqs adds 8k or others). Each of q, k, v and out is 64 MiB, beyond the H100's
50 MiB L2, so one input set is reused across repetitions (as peers.py does).
Timings are peers.py's median_ms: 5 warm-up calls, then the median of 30 calls
each timed with CUDA events (--inner N: events around N back-to-back calls, which
hides the host-side launch overhead; the same for every implementation). The host
time of one attnc call (Python wrapper + launch, without waiting for the GPU) is
recorded too (attnc_host_us), next to SDPA flash's. TFLOP/s = 4*B*H*S^2*D / time,
halved for causal.

attnc runs on the same tensors (causal with Sq == Sk is SDPA's is_causal) and is
checked against SDPA flash's output first: out is poisoned with NaN, one call,
then the max abs error is printed and a row whose output is off (NaN, or beyond
2e-2 + 2e-2*|ref|) is marked WRONG. A backend that fails reports None (the error
goes into the JSON) and the run goes on.

The variants attnc needs (bf16, D 64/128, causal or not, H = 2048/D, no lse) are
precompiled from python/tests/gpu_variants.py (BENCH_SPECS) by
bench/prepare_device.sh and found through ATTNC_BUNDLE_DIR / ATTNC_LIB_DIR.

    python3 bench/gpu_bench.py [--quick] [--attnc-only] [--json F] [--png F]
    python3 bench/gpu_bench.py --from-json F [--png G]   # table/plot again, no GPU needed
"""
import argparse
import datetime
import json
import os
import subprocess
import sys
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

sys.path.insert(0, os.path.join(ROOT, "python", "tests"))
from gpu_variants import HEAD_DIM_BENCH_DIMS as ALL_DIMS  # noqa: E402  (the bundled ones)

TOKENS = 16384
HIDDEN = 2048
DIMS = (64, 128)
SEQS = (1024, 4096, 16384)
QUICK = [(128, False, 4096), (128, True, 4096), (64, True, 1024)]
IMPLS = [("attnc", "attnc"), ("sdpa_flash", "FA2"), ("sdpa_cudnn", "cuDNN"), ("flex", "flex")]
CHECK_TOL = 2e-2  # attnc vs FA2, both bf16: |a - b| <= tol + tol*|b|


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter,
                                epilog=__doc__.split("\n\n", 1)[1])
    p.add_argument("--quick", action="store_true",
                   help="a few shapes only: %s" % ", ".join("D=%d%s S=%d" % (d, " causal" if c
                                                                            else "", s)
                                                            for d, c, s in QUICK))
    p.add_argument("--attnc-only", action="store_true",
                   help="time attnc only (SDPA flash still runs once, untimed, as the check)")
    p.add_argument("--seqs", default=",".join(map(str, SEQS)),
                   help="sequence lengths (default %(default)s; add 8192 for 8k)")
    p.add_argument("--dims", default=",".join(map(str, DIMS)),
                   help="head dims, a subset of %s (the precompiled variants; H = %d // D)"
                   % (",".join(map(str, ALL_DIMS)), HIDDEN))
    p.add_argument("--no-flex", action="store_true",
                   help="skip FlexAttention (its torch.compile per shape costs seconds)")
    p.add_argument("--causal", choices=["both", "yes", "no"], default="both")
    p.add_argument("--reps", type=int, default=30, help="timed calls per measurement")
    p.add_argument("--inner", type=int, default=1,
                   help="back-to-back calls per timed event pair (default 1, as peers.py)")
    p.add_argument("--json", metavar="PATH", help="write the rows and the environment as JSON")
    p.add_argument("--png", metavar="PATH", help="plot TFLOP/s vs S (one subplot per D, causal)")
    p.add_argument("--commit", default=None,
                   help="the attnc commit measured (default: env ATTNC_COMMIT, else git)")
    p.add_argument("--from-json", metavar="PATH",
                   help="no measurement: print the table (and --png) from an earlier --json")
    a = p.parse_args(argv)
    a.seqs = [int(x) for x in a.seqs.split(",") if x]
    a.dims = [int(x) for x in a.dims.split(",") if x]
    bad = [d for d in a.dims if d not in ALL_DIMS]
    if bad:
        p.error("--dims: no precompiled variants for D=%s (gpu_variants.HEAD_DIM_BENCH_DIMS = "
                "%s)" % (bad, list(ALL_DIMS)))
    return a


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def commit_of(args):
    if args.commit:
        return args.commit
    if os.environ.get("ATTNC_COMMIT"):
        return os.environ["ATTNC_COMMIT"]
    try:
        c = subprocess.run(["git", "-C", ROOT, "rev-parse", "HEAD"], capture_output=True,
                           text=True, timeout=10)
        if c.returncode == 0:
            dirty = subprocess.run(["git", "-C", ROOT, "status", "--porcelain", "-uno"],
                                   capture_output=True, text=True, timeout=10).stdout.strip()
            return c.stdout.strip() + ("-dirty" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        pass
    return None


def shapes(args):
    if args.quick:
        return list(QUICK)
    causals = {"both": (False, True), "yes": (True,), "no": (False,)}[args.causal]
    return [(d, c, s) for d in args.dims for c in causals for s in args.seqs]


def short_error(e):
    return ("%s: %s" % (type(e).__name__, e))[:400]


# --- measurement (GPU) -----------------------------------------------------------------------


class Runner:
    def __init__(self, args):
        import torch
        self.torch = torch
        self.args = args
        for p in (HERE, os.path.join(ROOT, "python"), os.path.join(ROOT, "python", "tests")):
            if p not in sys.path:
                sys.path.insert(0, p)
        import peers  # bench/peers.py, a copy of ../shared/bench/peers.py
        self.peers_median_ms = peers.median_ms
        self.backends = dict(peers.BACKENDS)
        import gpu_variants
        self.bench_spec = gpu_variants.bench_spec
        self.specs = [json.dumps(s, sort_keys=True) for s in gpu_variants.SPECS]
        self.at, self.attnc_error = None, None
        try:
            import attnc.torch as at
            self.at = at
        except Exception as e:  # reported in every row, the peers still run
            self.attnc_error = short_error(e)
            log("attnc unavailable: " + self.attnc_error)
        self.flex, self.create_block_mask, self.flex_error = None, None, None
        if args.no_flex:
            self.flex_error = "skipped (--no-flex)"
        elif not args.attnc_only:
            try:
                from torch.nn.attention.flex_attention import create_block_mask, flex_attention
                torch._dynamo.config.cache_size_limit = 256
                self.flex = torch.compile(flex_attention, dynamic=False)
                self.create_block_mask = create_block_mask
            except Exception as e:
                self.flex_error = short_error(e)

    def median_ms(self, fn, reps):
        """peers.median_ms, or with --inner N the median over reps of (N calls) / N."""
        inner = self.args.inner
        if inner <= 1:
            return self.peers_median_ms(fn, reps=reps)
        torch = self.torch
        for _ in range(5):
            fn()
        torch.cuda.synchronize()
        start = torch.cuda.Event(enable_timing=True)
        end = torch.cuda.Event(enable_timing=True)
        times = []
        for _ in range(reps):
            start.record()
            for _ in range(inner):
                fn()
            end.record()
            torch.cuda.synchronize()
            times.append(start.elapsed_time(end) / inner)
        times.sort()
        return times[len(times) // 2]

    def host_us(self, fn, n=50):
        """Median host time of one call in microseconds (the GPU work is not waited for)."""
        times = []
        for _ in range(n):
            t0 = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t0)
        self.torch.cuda.synchronize()
        times.sort()
        return round(times[len(times) // 2] * 1e6, 1)

    def kernel_info(self, d, causal):
        """Where attnc's kernel came from and its tile (best effort, for the JSON)."""
        try:
            import attnc
            torch = self.torch
            k = attnc.kernels.get(self.bench_spec(d, causal),
                                  "cuda:%d" % torch.cuda.current_device())
            info = dict(name=k.name, source=k.source, path=k.path, target=k.module.target)
            e = k.module.entries.get(k.name)
            if e is not None:
                info.update(block_m=e.block_m, block_n=e.block_n, num_warps=e.num_warps,
                            num_stages=e.num_stages, workgroup_size=e.workgroup_size,
                            lds_bytes=e.lds_bytes)
            return info
        except Exception as e:
            return dict(error=short_error(e))

    def time_sdpa(self, backend, q, k, v, causal):
        F = self.torch.nn.functional
        from torch.nn.attention import sdpa_kernel
        fn = lambda: F.scaled_dot_product_attention(q, k, v, is_causal=causal)  # noqa: E731
        with sdpa_kernel([backend]):
            ms = self.median_ms(fn, reps=self.args.reps)
            if backend == self.backends["sdpa_flash"]:
                self.last_flash_host_us = self.host_us(fn)
        return ms

    def sdpa_out(self, q, k, v, causal):
        """SDPA flash's output (the check), or cuDNN's / efficient's if flash fails."""
        F = self.torch.nn.functional
        from torch.nn.attention import sdpa_kernel
        errors = []
        for name in ("sdpa_flash", "sdpa_cudnn", "sdpa_efficient"):
            try:
                with sdpa_kernel([self.backends[name]]):
                    out = F.scaled_dot_product_attention(q, k, v, is_causal=causal)
                self.torch.cuda.synchronize()
                return name, out
            except Exception as e:
                errors.append("%s: %s" % (name, short_error(e)))
        raise RuntimeError("no SDPA backend ran: " + "; ".join(errors))

    def row(self, d, causal, n):
        torch = self.torch
        b, h = max(1, TOKENS // n), HIDDEN // d
        flops = 4 * b * h * n * n * d * (0.5 if causal else 1.0)
        row = dict(dtype="bf16", D=d, causal=causal, S=n, B=b, H=h, flops=flops, unit="TFLOP/s",
                   attnc=None, sdpa_flash=None, sdpa_cudnn=None, flex=None, attnc_ok=None,
                   attnc_max_abs_err=None, check_against=None, errors={})
        tflops = lambda ms: round(flops / ms / 1e9, 1)  # noqa: E731
        try:
            q = torch.randn(b, h, n, d, device="cuda", dtype=torch.bfloat16)
            k, v = torch.randn_like(q), torch.randn_like(q)
        except Exception as e:
            row["errors"]["inputs"] = short_error(e)
            return row
        ref = None
        try:
            row["check_against"], ref = self.sdpa_out(q, k, v, causal)
        except Exception as e:
            row["errors"]["check"] = short_error(e)

        # attnc: check once on a NaN-poisoned out, then time.
        if self.at is None:
            row["errors"]["attnc"] = self.attnc_error
        else:
            try:
                spec = json.dumps(self.bench_spec(d, causal), sort_keys=True)
                assert spec in self.specs, "variant not in gpu_variants.SPECS"
                out = torch.full_like(q, float("nan"))
                t0 = time.time()
                self.at.attention(q, k, v, causal=causal, out=out)
                torch.cuda.synchronize()
                row["attnc_first_call_s"] = round(time.time() - t0, 3)
                row["attnc_kernel"] = self.kernel_info(d, causal)
                nan = int(torch.isnan(out).sum())
                if ref is not None:
                    diff = (out.float() - ref.float()).abs()
                    row["attnc_max_abs_err"] = float(diff[~torch.isnan(diff)].max()) \
                        if nan < out.numel() else None
                    bad = int(((diff > CHECK_TOL + CHECK_TOL * ref.float().abs())
                               | torch.isnan(diff)).sum())
                    row["attnc_bad_elements"] = bad
                    row["attnc_ok"] = bad == 0 and nan == 0
                    del diff
                else:
                    row["attnc_ok"] = None if nan == 0 else False
                row["attnc_nan"] = nan
                ms = self.median_ms(lambda: self.at.attention(q, k, v, causal=causal, out=out),
                                    reps=self.args.reps)
                row["attnc"] = tflops(ms)
                row["attnc_ms"] = round(ms, 4)
                row["attnc_host_us"] = self.host_us(
                    lambda: self.at.attention(q, k, v, causal=causal, out=out))
                del out
            except Exception as e:
                row["errors"]["attnc"] = short_error(e)
                log("attnc D=%d causal=%s S=%d: %s" % (d, causal, n, traceback.format_exc()))
        del ref

        if not self.args.attnc_only:
            for name in ("sdpa_flash", "sdpa_cudnn"):
                try:
                    ms = self.time_sdpa(self.backends[name], q, k, v, causal)
                    row[name] = tflops(ms)
                    row[name + "_ms"] = round(ms, 4)
                    if name == "sdpa_flash":
                        row["sdpa_flash_host_us"] = self.last_flash_host_us
                except Exception as e:
                    row["errors"][name] = short_error(e)
            if self.flex is None:
                row["errors"]["flex"] = self.flex_error
            else:
                try:
                    mask = self.create_block_mask(lambda bb, hh, qi, ki: qi >= ki, None, None, n,
                                                  n) if causal else None
                    ms = self.median_ms(lambda: self.flex(q, k, v, block_mask=mask),
                                        reps=self.args.reps)
                    row["flex"] = tflops(ms)
                except Exception as e:  # compile failures and OOM are reported as missing
                    row["errors"]["flex"] = short_error(e)
        q = k = v = None  # free them before the next shape
        try:
            torch.cuda.synchronize()
            torch.cuda.empty_cache()
        except Exception as e:  # a sticky CUDA error: later rows will say so too
            row["errors"]["sync"] = short_error(e)
        if not row["errors"]:
            del row["errors"]
        return row


def environment(args):
    import torch
    env = dict(date=datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
               commit=commit_of(args), torch=torch.__version__, cuda=torch.version.cuda,
               device=None, argv=sys.argv[1:],
               attnc_bundle_dir=os.environ.get("ATTNC_BUNDLE_DIR"),
               attnc_lib_dir=os.environ.get("ATTNC_LIB_DIR"))
    try:
        import triton
        env["triton"] = triton.__version__
    except Exception:
        env["triton"] = None
    try:
        env["device"] = torch.cuda.get_device_name()
        env["capability"] = "%d.%d" % torch.cuda.get_device_capability()
    except Exception as e:
        env["device_error"] = short_error(e)
    return env


# --- output (no GPU needed) ------------------------------------------------------------------


def fmt(x, spec="%.1f"):
    return "-" if x is None else spec % x


def ratio(a, b):
    return None if a is None or not b else a / b


def table(rows):
    head = ["D", "causal", "S", "attnc", "FA2", "cuDNN", "flex", "attnc/FA2", "attnc/cuDNN",
            "max|attnc-ref|"]
    lines = [head]
    for r in rows:
        err = fmt(r.get("attnc_max_abs_err"), "%.2e")
        if r.get("attnc_ok") is False:
            err += " WRONG"
        lines.append([str(r["D"]), "yes" if r["causal"] else "no", str(r["S"]),
                      fmt(r.get("attnc")), fmt(r.get("sdpa_flash")), fmt(r.get("sdpa_cudnn")),
                      fmt(r.get("flex")), fmt(ratio(r.get("attnc"), r.get("sdpa_flash")), "%.2f"),
                      fmt(ratio(r.get("attnc"), r.get("sdpa_cudnn")), "%.2f"), err])
    widths = [max(len(line[i]) for line in lines) for i in range(len(head))]
    out = ["  ".join(c.rjust(w) for c, w in zip(line, widths)) for line in lines]
    out.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(out)


def plot(doc, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    rows = doc["rows"]
    panels = sorted({(r["D"], r["causal"]) for r in rows})
    if not panels:
        return
    dims = sorted({d for d, _ in panels})
    causals = sorted({c for _, c in panels})
    fig, axes = plt.subplots(len(dims), len(causals), figsize=(5.5 * len(causals), 4 * len(dims)),
                             squeeze=False)
    ymax = max([r[k] for r in rows for k, _ in IMPLS if r.get(k) is not None] + [1.0])
    for i, d in enumerate(dims):
        for j, c in enumerate(causals):
            ax = axes[i][j]
            sel = sorted((r for r in rows if r["D"] == d and r["causal"] == c),
                         key=lambda r: r["S"])
            for key, label in IMPLS:
                pts = [(r["S"], r[key]) for r in sel if r.get(key) is not None]
                if pts:
                    ax.plot([p[0] for p in pts], [p[1] for p in pts], marker="o", label=label,
                            linewidth=2.5 if key == "attnc" else 1.5)
            wrong = [r["S"] for r in sel if r.get("attnc_ok") is False and r.get("attnc")]
            for s in wrong:
                ax.annotate("wrong", (s, next(r["attnc"] for r in sel if r["S"] == s)),
                            color="red")
            ax.set_xscale("log", base=2)
            ax.set_xticks([r["S"] for r in sel])
            ax.set_xticklabels(["%dk" % (r["S"] // 1024) if r["S"] >= 1024 else str(r["S"])
                                for r in sel])
            ax.set_title("D=%d, %s" % (d, "causal" if c else "non-causal"))
            ax.set_xlabel("sequence length (B*S = %d tokens, H*D = %d)" % (TOKENS, HIDDEN))
            ax.set_ylabel("TFLOP/s")
            ax.set_ylim(0, ymax * 1.08)
            ax.grid(True, alpha=0.3)
            ax.legend(loc="best", fontsize="small")
    env = doc.get("env", {})
    fig.suptitle("bf16 attention forward on %s (torch %s, attnc %s, %s)" % (
        env.get("device"), env.get("torch"), (env.get("commit") or "?")[:12],
        (env.get("date") or "")[:10]))
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def try_plot(doc, path):
    try:
        plot(doc, path)
    except Exception:
        log("plot failed:\n" + traceback.format_exc())


def write_json(doc, path):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")
    os.replace(tmp, path)


def main(argv=None):
    args = parse_args(argv)
    if args.from_json:
        with open(args.from_json) as f:
            doc = json.load(f)
    else:
        import torch
        if not torch.cuda.is_available():
            log("torch.cuda is not available (torch %s): nothing to measure" % torch.__version__)
            return 2
        doc = dict(env=environment(args), rows=[])
        log(json.dumps(doc["env"]))
        runner = Runner(args)
        for d, causal, n in shapes(args):
            t0 = time.time()
            r = runner.row(d, causal, n)
            r["wall_s"] = round(time.time() - t0, 1)
            doc["rows"].append(r)
            print(json.dumps(r), flush=True)
            # After every row: a run stopped at its time limit keeps what it measured.
            if args.json:
                write_json(doc, args.json)
            if args.png:
                try_plot(doc, args.png)
    print()
    print(table(doc["rows"]), flush=True)
    wrong = [r for r in doc["rows"] if r.get("attnc_ok") is False]
    if wrong:
        print("attnc output WRONG in %d row(s): %s" % (len(wrong), ", ".join(
            "D=%d causal=%s S=%d" % (r["D"], r["causal"], r["S"]) for r in wrong)))
    if args.json and not args.from_json:
        write_json(doc, args.json)
    if args.png:
        try_plot(doc, args.png)
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())
