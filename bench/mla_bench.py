#!/usr/bin/env python3
"""attnc's MLA decode (attnc.torch.mla_decode, docs/mla.md) on one NVIDIA GPU: KV GB/s
against the device's copy bandwidth measured in the same run, TFLOP/s, and the same
problem as paged_attention with a separate V view (what reading each latent row once
buys).

Rows (issue 15; decode: one query token per sequence, bf16, kv_lora_rank 512 + rope 64,
blocks of 64 latent rows, random block tables, DeepSeek's scale 1/sqrt(192)):
B=128 L=4096 H=16, B=64 L=16384 H=16, B=32 L=8192 H=128, B=128 L=4096 H=128
(--rows B:L:H,... for others).

    KV GB/s  = B * L * 576 * 2 bytes (each latent row read once) / time
    TFLOP/s  = B * H * L * (576 + 512) * 2 / time
    copy     = a 2 GiB device-to-device copy: (read + written bytes) / time

Every row checks attnc's output against a float32 reference that gathers K (all 576
columns) and V (the first 512) from the cache separately: out poisoned with NaN, one
call, then |attnc - ref| <= 2e-2 + 2e-2*|ref| everywhere, or the row is WRONG (exit 1).
Timing: warm-up, then the median over --reps of CUDA-event timed groups of --inner calls.
The cache (at least 4x the L2) and the block tables are fresh per row.

    python3 bench/mla_bench.py [--json F] [--rows 128:4096:16,...] [--no-paged]

The attnc variants (gpu_variants.MLA_BENCH_SPECS, and MLA_PAGED_BENCH_SPECS for the
paged_attention comparison) are precompiled by bench/prepare_device.sh.
"""
import argparse
import datetime
import json
import math
import os
import sys
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
for _p in (HERE, os.path.join(ROOT, "python"), os.path.join(ROOT, "python", "tests")):
    if _p not in sys.path:
        sys.path.insert(0, _p)

ROWS = [(128, 4096, 16), (64, 16384, 16), (32, 8192, 128), (128, 4096, 128)]
RANK, ROPE, BS = 512, 64, 64
D = RANK + ROPE
SCALE = 1.0 / math.sqrt(192)
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
    p.add_argument("--rows", default=",".join("%d:%d:%d" % r for r in ROWS),
                   help="B:L:H triples (default %(default)s)")
    p.add_argument("--reps", type=int, default=20)
    p.add_argument("--inner", type=int, default=5)
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--no-paged", action="store_true",
                   help="skip the paged_attention comparison (separate V view)")
    p.add_argument("--splits", default="",
                   help="also time attnc with these fixed KV split counts (num_splits=), "
                        "e.g. 1,2,4,8: the row gets attnc_ms_by_splits (the split heuristic's "
                        "alternatives, measured in the same process)")
    p.add_argument("--json", metavar="PATH")
    p.add_argument("--commit", default=None)
    a = p.parse_args(argv)
    try:
        a.rows = [tuple(int(x) for x in r.split(":")) for r in a.rows.split(",") if r]
        assert all(len(r) == 3 and min(r) > 0 for r in a.rows)
    except (ValueError, AssertionError):
        p.error("--rows: B:L:H triples, e.g. 128:4096:16")
    try:
        a.splits = [int(x) for x in a.splits.split(",") if x]
        assert all(x > 0 for x in a.splits)
    except (ValueError, AssertionError):
        p.error("--splits: positive integers, e.g. 1,2,4,8")
    return a


class Bench:
    def __init__(self, args):
        import torch
        self.torch = torch
        self.args = args
        import attnc.torch as at
        self.at = at

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

    def copy_gbps(self):
        """Device-to-device copy of 2 GiB: (read + written bytes) / time."""
        torch = self.torch
        n = 2 ** 30
        src = torch.empty(n, dtype=torch.uint8, device="cuda")
        dst = torch.empty_like(src)
        ms = self.median_ms(lambda: dst.copy_(src))
        del src, dst
        torch.cuda.empty_cache()
        return round(2 * n / ms / 1e6, 1)

    def inputs(self, b, length, h):
        torch = self.torch
        per_seq = -(-length // BS)
        need = b * per_seq
        nb = max(2 * need, -(-4 * L2_BYTES // (BS * D * 2)))
        kv = torch.randn(nb, BS, D, device="cuda", dtype=torch.bfloat16)
        tables = torch.randperm(nb, device="cuda")[:need].view(b, per_seq).to(torch.int32)
        seq_lens = torch.full((b,), length, dtype=torch.int32, device="cuda")
        qsl = torch.arange(b + 1, dtype=torch.int32, device="cuda")
        q = torch.randn(b, h, D, device="cuda", dtype=torch.bfloat16)
        return dict(q=q, kv=kv, tables=tables, seq_lens=seq_lens, qsl=qsl, nb=nb)

    def reference(self, x, length):
        """float32: K = the whole latent rows, V = their first 512 columns, gathered
        separately; one sequence at a time to bound memory."""
        torch = self.torch
        q, kv, tables = x["q"], x["kv"], x["tables"].long()
        out = torch.empty(q.shape[0], q.shape[1], RANK, device="cuda", dtype=torch.float32)
        for i in range(q.shape[0]):
            rows = kv[tables[i]].reshape(-1, D)[:length].float()  # (L, D)
            k, v = rows, rows[:, :RANK].clone()
            s = (q[i].float() @ k.t()) * SCALE  # (H, L)
            out[i] = torch.softmax(s, dim=-1) @ v
        return out

    def by_splits(self, x, out):
        """attnc's time (ms) with each --splits count (the result is checked by the
        default call only; a split count changes the summation order, not the math)."""
        at, times = self.at, {}
        for n in self.args.splits:
            def call(n=n):
                return at.mla_decode(x["q"], x["kv"], x["tables"], x["seq_lens"], x["qsl"],
                                     kv_lora_rank=RANK, scale=SCALE, causal=True, out=out,
                                     num_splits=n)
            times[n] = round(self.median_ms(call), 4)
        return times

    def row(self, b, length, h):
        torch, at = self.torch, self.at
        kv_bytes = b * length * D * 2
        flops = b * h * length * (D + RANK) * 2
        row = dict(B=b, L=length, H=h, D=D, Dv=RANK, block_size=BS, dtype="bf16",
                   kv_bytes=kv_bytes, flops=flops, errors={})
        try:
            x = self.inputs(b, length, h)
            ref = self.reference(x, length)
            out = torch.full((b, h, RANK), float("nan"), device="cuda", dtype=torch.bfloat16)

            def call():
                return at.mla_decode(x["q"], x["kv"], x["tables"], x["seq_lens"], x["qsl"],
                                     kv_lora_rank=RANK, scale=SCALE, causal=True, out=out)
            call()
            torch.cuda.synchronize()
            nan = int(torch.isnan(out).sum())
            diff = (out.float() - ref).abs()
            bad = int(((diff > CHECK_TOL + CHECK_TOL * ref.abs()) | torch.isnan(diff)).sum())
            row.update(attnc_nan=nan, attnc_bad_elements=bad, attnc_ok=bad == 0 and nan == 0,
                       attnc_max_abs_err=float(diff[~torch.isnan(diff)].max()))
            ms = self.median_ms(call)
            row.update(attnc_ms=round(ms, 4), attnc_gbps=round(kv_bytes / ms / 1e6, 1),
                       attnc_tflops=round(flops / ms / 1e9, 1))
            # the heuristic's count (docs/paged.md): programs per split = B * ceil(H / 16)
            sms = torch.cuda.get_device_properties(0).multi_processor_count
            row["attnc_splits"] = at.num_splits_for(b * -(-h // 16), length, sms)
            if self.args.splits:
                row["attnc_ms_by_splits"] = self.by_splits(x, out)
        except Exception as e:
            row["errors"]["attnc"] = short_error(e)
            log("attnc B=%d L=%d H=%d: %s" % (b, length, h, traceback.format_exc()))
            return row
        if not self.args.no_paged:
            # The same problem as paged_attention: one KV head, K the whole rows, V a view
            # of their first 512 columns (a second read of those bytes).
            try:
                kc = x["kv"].view(x["nb"], BS, 1, D)
                vc = x["kv"][:, :, None, :RANK]
                pout = torch.empty_like(out)

                def pcall():
                    return at.paged_attention(x["q"], kc, vc, x["tables"], x["seq_lens"],
                                              x["qsl"], scale=SCALE, causal=True, out=pout,
                                              max_query_len=1)
                pcall()
                torch.cuda.synchronize()
                pdiff = float((pout.float() - ref).abs().max())
                ms = self.median_ms(pcall)
                row.update(paged_ms=round(ms, 4), paged_gbps=round(kv_bytes / ms / 1e6, 1),
                           paged_max_abs_err=pdiff)
            except Exception as e:
                row["errors"]["paged"] = short_error(e)
        del x, ref
        torch.cuda.empty_cache()
        return row


def table(rows, copy):
    lines = ["| B | L | H | attnc ms | KV GB/s | of copy | TFLOP/s | paged (V view) ms | "
             "mla/paged speed | check |",
             "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |"]
    for r in rows:
        f = lambda k, s="%.1f": "-" if r.get(k) is None else s % r[k]  # noqa: E731
        frac = "%.2f" % (r["attnc_gbps"] / copy) if r.get("attnc_gbps") and copy else "-"
        speed = "%.2f" % (r["paged_ms"] / r["attnc_ms"]) \
            if r.get("paged_ms") and r.get("attnc_ms") else "-"
        ok = {True: "ok", False: "WRONG", None: "-"}[r.get("attnc_ok")]
        if r.get("attnc_max_abs_err") is not None:
            ok += " (max err %.2g)" % r["attnc_max_abs_err"]
        lines.append("| %d | %d | %d | %s | %s | %s | %s | %s | %s | %s |" % (
            r["B"], r["L"], r["H"], f("attnc_ms", "%.4f"), f("attnc_gbps"), frac,
            f("attnc_tflops"), f("paged_ms", "%.4f"), speed, ok))
    return "\n".join(lines)


def main(argv=None):
    args = parse_args(argv)
    import torch
    if not torch.cuda.is_available():
        log("mla_bench: torch.cuda is not available")
        return 2
    bench = Bench(args)
    env = dict(date=datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
               commit=args.commit or os.environ.get("ATTNC_COMMIT"), torch=torch.__version__,
               device=torch.cuda.get_device_name(0), reps=args.reps, inner=args.inner)
    env["copy_gbps"] = bench.copy_gbps()
    log("mla_bench: %s" % json.dumps(env))
    rows = []
    for b, length, h in args.rows:
        r = bench.row(b, length, h)
        rows.append(r)
        print(json.dumps(r), flush=True)
    print("MLA decode, bf16, %d + %d, blocks of %d, scale 1/sqrt(192); %s; copy %.1f GB/s "
          "(read + write); median of %d x %d calls.\n\n%s\n"
          % (RANK, ROPE, BS, env["device"], env["copy_gbps"], args.reps, args.inner,
             table(rows, env["copy_gbps"])))
    for r in rows:
        if r.get("attnc_ms_by_splits"):
            print("B=%d L=%d H=%d ms by num_splits: %s (default, %s splits: %s)"
                  % (r["B"], r["L"], r["H"], r["attnc_ms_by_splits"], r.get("attnc_splits"),
                     r.get("attnc_ms")))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(dict(environment=env, rows=rows), f, indent=1)
    return 1 if any(r.get("attnc_ok") is False or "attnc" in r["errors"] for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
