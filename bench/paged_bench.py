#!/usr/bin/env python3
"""attnc's paged decode (attnc.torch.paged_attention) next to PyTorch SDPA cuDNN and
SDPA flash on a contiguous KV cache, in one process on one NVIDIA GPU.

Rows (decode: one query token per sequence; bf16, Hq = 32, Hkv = 8, D = 128, blocks of
16 tokens, every sequence L keys): B=32 L=4096, B=32 L=32768, B=1 L=131072,
B=128 L=2048 (--rows B:L,... for others).

The paged cache is vLLM's layout, k_cache/v_cache (NB, 16, 8, 128): NB = twice the
blocks the batch needs (and at least enough for 4 x 50 MB, the H100's L2), the block
tables a random permutation of the blocks (no block used twice, none in order). The
peers get the same keys and values as contiguous (B, Hkv, L, D) tensors (gathered
from the paged cache once), and the same queries; they run as bench/peers.py's decode
rows do (F.scaled_dot_product_attention(q, k, v, enable_gqa=True), q (B, Hq, 1, D)).

Every row checks attnc's output against SDPA flash's on those data: out poisoned with
NaN, one call, then |attnc - flash| <= 2e-2 + 2e-2*|flash| everywhere, or the row is
WRONG (exit status 1). Timing: warm-up calls, then the median over --reps of CUDA-event
timed groups of --inner back-to-back calls (per call). The KV cache read by one call is
hundreds of MB or more, beyond L2, so nothing stays cached between calls.

Reported per implementation: time per call (ms) and KV bandwidth in GB/s counting only
the bytes that must be read, 2 * B * L * Hkv * D * 2 (K and V, bf16); plus attnc's
split count (num_splits, from docs/paged.md's heuristic unless --splits) and the host
time of one attnc call.

    python3 bench/paged_bench.py [--json F] [--md F] [--rows 32:4096,...] [--splits N]

The attnc variant (gpu_variants.PAGED_BENCH_SPEC) is precompiled by
bench/prepare_device.sh; bench/h100.sh paged runs this file.
"""
import argparse
import datetime
import json
import os
import sys
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
for _p in (HERE, os.path.join(ROOT, "python"), os.path.join(ROOT, "python", "tests")):
    if _p not in sys.path:
        sys.path.insert(0, _p)

ROWS = [(32, 4096), (32, 32768), (1, 131072), (128, 2048)]
HQ, HKV, D, BS = 32, 8, 128, 16
L2_BYTES = 50 * 2 ** 20
CHECK_TOL = 2e-2


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def short_error(e):
    return ("%s: %s" % (type(e).__name__, e))[:400]


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter,
                                epilog=__doc__.split("\n\n", 1)[1])
    p.add_argument("--rows", default=",".join("%d:%d" % r for r in ROWS),
                   help="B:L pairs (default %(default)s)")
    p.add_argument("--reps", type=int, default=30, help="timed groups per measurement")
    p.add_argument("--inner", type=int, default=10, help="back-to-back calls per timed group")
    p.add_argument("--warmup", type=int, default=5)
    p.add_argument("--splits", type=int, default=None,
                   help="attnc's num_splits (default: its heuristic)")
    p.add_argument("--attnc-only", action="store_true",
                   help="time attnc only (SDPA flash still runs once, untimed, as the check)")
    p.add_argument("--json", metavar="PATH", help="write the rows and the environment as JSON")
    p.add_argument("--md", metavar="PATH", help="write the table as markdown")
    p.add_argument("--commit", default=None, help="the attnc commit measured")
    a = p.parse_args(argv)
    try:
        a.rows = [tuple(int(x) for x in r.split(":")) for r in a.rows.split(",") if r]
        assert all(len(r) == 2 and r[0] > 0 and r[1] > 0 for r in a.rows)
    except (ValueError, AssertionError):
        p.error("--rows: B:L pairs, e.g. 32:4096,1:131072")
    return a


class Bench:
    def __init__(self, args):
        import torch
        import peers  # bench/peers.py: median_ms, the SDPA backends
        import gpu_variants
        self.torch = torch
        self.args = args
        self.backends = dict(peers.BACKENDS)
        self.spec = gpu_variants.PAGED_BENCH_SPEC
        self.at, self.attnc_error = None, None
        try:
            import attnc.torch as at
            self.at = at
        except Exception as e:
            self.attnc_error = short_error(e)
            log("attnc unavailable: " + self.attnc_error)

    def median_ms(self, fn):
        torch, a = self.torch, self.args
        for _ in range(a.warmup):
            fn()
        torch.cuda.synchronize()
        start = torch.cuda.Event(enable_timing=True)
        end = torch.cuda.Event(enable_timing=True)
        times = []
        for _ in range(a.reps):
            start.record()
            for _ in range(a.inner):
                fn()
            end.record()
            torch.cuda.synchronize()
            times.append(start.elapsed_time(end) / a.inner)
        times.sort()
        return times[len(times) // 2]

    def host_us(self, fn, n=50):
        times = []
        for _ in range(n):
            t0 = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t0)
        self.torch.cuda.synchronize()
        times.sort()
        return round(times[len(times) // 2] * 1e6, 1)

    def inputs(self, b, length):
        """q (B, Hq, D); the paged cache (NB, BS, Hkv, D) with random block tables; the
        same keys/values contiguous (B, Hkv, L, D) for SDPA."""
        torch = self.torch
        per_seq = -(-length // BS)
        need = b * per_seq
        block_bytes = 2 * BS * HKV * D * 2  # K and V
        nb = max(2 * need, -(-4 * L2_BYTES // block_bytes))
        dev = "cuda"
        k_cache = torch.randn(nb, BS, HKV, D, device=dev, dtype=torch.bfloat16)
        v_cache = torch.randn(nb, BS, HKV, D, device=dev, dtype=torch.bfloat16)
        tables = torch.randperm(nb, device=dev)[:need].view(b, per_seq).to(torch.int32)
        seq_lens = torch.full((b,), length, dtype=torch.int32, device=dev)
        qsl = torch.arange(b + 1, dtype=torch.int32, device=dev)
        q = torch.randn(b, HQ, D, device=dev, dtype=torch.bfloat16)
        idx = tables.long()

        def contiguous(cache):
            return cache[idx].view(b, per_seq * BS, HKV, D)[:, :length].transpose(1, 2) \
                .contiguous()

        k, v = contiguous(k_cache), contiguous(v_cache)
        return dict(q=q, k_cache=k_cache, v_cache=v_cache, tables=tables, seq_lens=seq_lens,
                    qsl=qsl, k=k, v=v, nb=nb)

    def sdpa(self, name, q4, k, v):
        F = self.torch.nn.functional
        from torch.nn.attention import sdpa_kernel

        def fn():
            return F.scaled_dot_product_attention(q4, k, v, enable_gqa=True)
        return fn, sdpa_kernel([self.backends[name]])

    def reference(self, q4, k, v):
        """SDPA flash's output; flash on GQA-expanded k/v where enable_gqa is refused."""
        F = self.torch.nn.functional
        from torch.nn.attention import sdpa_kernel
        with sdpa_kernel([self.backends["sdpa_flash"]]):
            try:
                out = F.scaled_dot_product_attention(q4, k, v, enable_gqa=True)
                how = "sdpa_flash"
            except RuntimeError:
                g = HQ // HKV
                out = F.scaled_dot_product_attention(q4, k.repeat_interleave(g, 1),
                                                     v.repeat_interleave(g, 1))
                how = "sdpa_flash (k/v heads repeated)"
        self.torch.cuda.synchronize()
        return how, out[:, :, 0]  # (B, Hq, D)

    def attnc_splits(self, x):
        """The split count attnc's heuristic picks for this call (best effort)."""
        try:
            import attnc
            torch, at = self.torch, self.at
            dev = x["q"].device
            k = attnc.kernels.get(self.spec, "cuda:%d" % torch.cuda.current_device())
            b = x["tables"].shape[0]
            return at._num_splits(k, dev, torch, b, b, HQ, D, D, x["tables"].shape[1] * BS), k
        except Exception as e:
            log("split count: %s" % short_error(e))
            return None, None

    def row(self, b, length):
        torch = self.torch
        kv_bytes = 2 * b * length * HKV * D * 2
        row = dict(B=b, L=length, Hq=HQ, Hkv=HKV, D=D, block_size=BS, dtype="bf16",
                   kv_bytes=kv_bytes, unit="GB/s", attnc=None, sdpa_cudnn=None, sdpa_flash=None,
                   attnc_ok=None, errors={})
        gbps = lambda ms: round(kv_bytes / ms / 1e6, 1)  # noqa: E731
        try:
            x = self.inputs(b, length)
        except Exception as e:
            row["errors"]["inputs"] = short_error(e)
            return row
        row["num_blocks"] = x["nb"]
        row["cache_bytes"] = 2 * x["k_cache"].numel() * 2
        q4 = x["q"][:, :, None]  # (B, Hq, 1, D)
        ref = None
        try:
            row["check_against"], ref = self.reference(q4, x["k"], x["v"])
        except Exception as e:
            row["errors"]["check"] = short_error(e)

        if self.at is None:
            row["errors"]["attnc"] = self.attnc_error
        else:
            try:
                at = self.at
                out = torch.full_like(x["q"], float("nan"))

                def call():
                    return at.paged_attention(x["q"], x["k_cache"], x["v_cache"], x["tables"],
                                              x["seq_lens"], x["qsl"], causal=True, out=out,
                                              max_query_len=1, num_splits=self.args.splits)
                t0 = time.time()
                call()
                torch.cuda.synchronize()
                row["attnc_first_call_s"] = round(time.time() - t0, 3)
                splits, k = self.attnc_splits(x)
                row["attnc_splits"] = self.args.splits or splits
                if k is not None:
                    e = k.module.entries.get(k.name)
                    row["attnc_kernel"] = dict(name=k.name, source=k.source, target=k.module.target,
                                               block_m=e.block_m if e else None,
                                               block_n=e.block_n if e else None,
                                               num_warps=e.num_warps if e else None)
                nan = int(torch.isnan(out).sum())
                row["attnc_nan"] = nan
                if ref is not None:
                    diff = (out.float() - ref.float()).abs()
                    finite = diff[~torch.isnan(diff)]
                    row["attnc_max_abs_err"] = float(finite.max()) if finite.numel() else None
                    bad = int(((diff > CHECK_TOL + CHECK_TOL * ref.float().abs())
                               | torch.isnan(diff)).sum())
                    row["attnc_bad_elements"] = bad
                    row["attnc_ok"] = bad == 0 and nan == 0
                else:
                    row["attnc_ok"] = None if nan == 0 else False
                ms = self.median_ms(call)
                row["attnc"], row["attnc_ms"] = gbps(ms), round(ms, 4)
                row["attnc_host_us"] = self.host_us(call)
            except Exception as e:
                row["errors"]["attnc"] = short_error(e)
                log("attnc B=%d L=%d: %s" % (b, length, traceback.format_exc()))

        if not self.args.attnc_only:
            for name in ("sdpa_cudnn", "sdpa_flash"):
                try:
                    fn, ctx = self.sdpa(name, q4, x["k"], x["v"])
                    with ctx:
                        ms = self.median_ms(fn)
                        row[name + "_host_us"] = self.host_us(fn)  # next to attnc_host_us
                    row[name], row[name + "_ms"] = gbps(ms), round(ms, 4)
                except Exception as e:
                    row["errors"][name] = short_error(e)
        del x, ref
        torch.cuda.empty_cache()
        return row


def environment(args):
    import torch
    env = dict(date=datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
               commit=args.commit or os.environ.get("ATTNC_COMMIT"), torch=torch.__version__,
               cuda=torch.version.cuda)
    try:
        p = torch.cuda.get_device_properties(0)
        env.update(device=p.name, sms=p.multi_processor_count,
                   memory_gib=round(p.total_memory / 2 ** 30, 1))
    except Exception as e:
        env["device_error"] = short_error(e)
    env.update(reps=args.reps, inner=args.inner, warmup=args.warmup, splits=args.splits)
    return env


def fmt(x, spec="%.1f"):
    return "-" if x is None else spec % x


def table(rows):
    lines = ["| B | L | KV GB/call | attnc GB/s | cuDNN GB/s | flash GB/s | attnc ms | cuDNN ms "
             "| flash ms | attnc/best peer | splits | check |",
             "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |"]
    for r in rows:
        peers = [r.get(n) for n in ("sdpa_cudnn", "sdpa_flash") if r.get(n)]
        ratio = r["attnc"] / max(peers) if r.get("attnc") and peers else None
        ok = {True: "ok", False: "WRONG", None: "-"}[r.get("attnc_ok")]
        if r.get("attnc_max_abs_err") is not None:
            ok += " (max err %.2g)" % r["attnc_max_abs_err"]
        lines.append("| %d | %d | %.2f | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
            r["B"], r["L"], r["kv_bytes"] / 1e9, fmt(r.get("attnc")), fmt(r.get("sdpa_cudnn")),
            fmt(r.get("sdpa_flash")), fmt(r.get("attnc_ms"), "%.4f"),
            fmt(r.get("sdpa_cudnn_ms"), "%.4f"), fmt(r.get("sdpa_flash_ms"), "%.4f"),
            fmt(ratio, "%.2f"), fmt(r.get("attnc_splits"), "%d"), ok))
    return "\n".join(lines)


def main(argv=None):
    args = parse_args(argv)
    import torch
    if not torch.cuda.is_available():
        log("paged_bench: torch.cuda is not available")
        return 2
    bench = Bench(args)
    env = environment(args)
    log("paged_bench: %s" % json.dumps(env))
    rows = []
    t0 = time.time()
    for b, length in args.rows:
        r = bench.row(b, length)
        rows.append(r)
        print(json.dumps(r), flush=True)
    env["seconds"] = round(time.time() - t0, 1)
    md = ("Paged decode, bf16, Hq=%d, Hkv=%d, D=%d, blocks of %d; %s; KV GB/s = 2*B*L*Hkv*D*2 "
          "bytes / time; median of %d x %d calls.\n\n%s\n"
          % (HQ, HKV, D, BS, env.get("device", "?"), args.reps, args.inner, table(rows)))
    print(md)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(dict(environment=env, spec=bench.spec, rows=rows), f, indent=1)
    if args.md:
        with open(args.md, "w") as f:
            f.write(md)
    wrong = [r for r in rows if r.get("attnc_ok") is False or r["errors"].get("attnc")]
    if wrong:
        log("paged_bench: attnc failed or was wrong in %d rows" % len(wrong))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
