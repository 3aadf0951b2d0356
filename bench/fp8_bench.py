#!/usr/bin/env python3
"""fp8 attention on one NVIDIA GPU (issue 16's benchmark, docs/fp8.md), in one process:

- forward: attnc with e4m3fn q, k, v (per-tensor descales) next to attnc bf16 and SDPA
  cuDNN bf16 on gpu_bench.py's prefill shapes (H*D = 2048, B*S = 16k tokens, Hq == Hkv);
  TFLOP/s = 4*B*H*S^2*D / time, halved for causal;
- paged decode (paged_bench.py's rows: Hq 32, Hkv 8, D 128, blocks of 16) with e4m3fn
  K/V caches (per-KV-head scales) next to the bf16-cache kernel: GB/s on the bytes each
  reads (1 byte per cached element for fp8, 2 for bf16) and the time ratio.

Timings: 5 warm-up calls, then the median of --reps groups of --inner back-to-back calls,
each group timed with CUDA events. Every fp8 row is checked first (out poisoned with NaN,
one call): against SDPA flash (FA2) in bf16 on the dequantized inputs (e4m3 values are
exact in bf16 and the descales are powers of two, so both compute the same attention;
paged: on each sequence's keys gathered through its block table); the max abs error is
printed and a row beyond 2e-2 + 2e-2*|ref| or with NaN is marked WRONG. The fp8 variants are precompiled from python/tests/gpu_variants.py
(FP8_BENCH_SPECS, FP8_PAGED_BENCH_SPEC) by bench/prepare_device.sh.

    python3 bench/fp8_bench.py [--seqs 4096,16384] [--dims 128] [--paged-rows 32:4096]
                               [--json F]
"""
import argparse
import datetime
import json
import sys

SEQS = (4096, 16384)
DIMS = (64, 128)
PAGED_ROWS = ((32, 4096), (32, 32768), (1, 131072), (128, 2048))
HIDDEN, TOKENS = 2048, 16384
HQ, HKV, D, BS = 32, 8, 128, 16
DESCALE = 0.5  # a power of two: x * 0.5 is exact in bf16, so the bf16 check is exact too
TOL = 2e-2


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def median_ms(torch, fn, reps, inner):
    for _ in range(5):
        fn()
    torch.cuda.synchronize()
    start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
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


def e4m3(torch, x):
    """e4m3fn codes (uint8) of x and the bf16 tensor of their values."""
    f8 = x.float().clamp(-448, 448).to(torch.float8_e4m3fn)
    return f8.view(torch.uint8), f8.to(torch.bfloat16)


def check(got, ref):
    """(max abs error, ok): ok when finite and within TOL + TOL * |ref| everywhere."""
    g, r = got.float(), ref.float()
    err = (g - r).abs()
    ok = bool(g.isfinite().all()) and bool((err <= TOL + TOL * r.abs()).all())
    return float(err.max()), ok


def sdpa_flash(torch, q, k, v, causal):
    """The reference: SDPA flash (FA2) in bf16 on the dequantized tensors (B, H, S, D)."""
    import torch.nn.functional as F
    from torch.nn.attention import SDPBackend, sdpa_kernel
    with sdpa_kernel([SDPBackend.FLASH_ATTENTION]):
        return F.scaled_dot_product_attention(q, k, v, is_causal=causal, enable_gqa=True)


def forward_row(torch, at, d, causal, s, reps, inner):
    from torch.nn.attention import SDPBackend, sdpa_kernel
    import torch.nn.functional as F
    h, b = HIDDEN // d, max(1, TOKENS // s)
    shape = (b, h, s, d)
    codes, vals = zip(*(e4m3(torch, torch.randn(shape, device="cuda")) for _ in range(3)))
    deq = [v * DESCALE for v in vals]  # exact: bf16 values times a power of two
    out8 = torch.full(shape, float("nan"), device="cuda", dtype=torch.bfloat16)
    out16 = torch.empty(shape, device="cuda", dtype=torch.bfloat16)
    d_t = torch.full((), DESCALE, device="cuda")  # a tensor: the call takes a launch plan
    kw8 = dict(causal=causal, fp8_dtype="e4m3fn", q_descale=d_t, k_descale=d_t, v_descale=d_t)
    at.attention(*codes, out=out8, **kw8)
    err, ok = check(out8, sdpa_flash(torch, *deq, causal))
    flops = 4.0 * b * h * s * s * d / (2 if causal else 1)
    row = dict(kind="forward", D=d, causal=causal, S=s, B=b, H=h, max_abs_err=err, ok=ok)
    fns = {"attnc_fp8": lambda: at.attention(*codes, out=out8, **kw8),
           "attnc_bf16": lambda: at.attention(*deq, causal=causal, out=out16)}
    with sdpa_kernel([SDPBackend.CUDNN_ATTENTION]):
        fns["sdpa_cudnn_bf16"] = lambda: F.scaled_dot_product_attention(*deq, is_causal=causal)
        for name, fn in fns.items():
            try:
                ms = median_ms(torch, fn, reps, inner)
                row[name] = round(flops / ms / 1e9, 1)
                row[name + "_ms"] = round(ms, 4)
            except Exception as e:  # a backend that fails reports None, the run goes on
                row[name] = None
                row.setdefault("errors", {})[name] = "%s: %s" % (type(e).__name__, e)
    return row


def paged_row(torch, at, b, length, reps, inner):
    per_seq = -(-length // BS)
    need = b * per_seq
    nb = max(2 * need, 64)
    dev = "cuda"
    kb, kv = e4m3(torch, torch.randn(nb, BS, HKV, D, device=dev))
    vb, vv = e4m3(torch, torch.randn(nb, BS, HKV, D, device=dev))
    tables = torch.randperm(nb, device=dev)[:need].view(b, per_seq).to(torch.int32)
    sl = torch.full((b,), length, dtype=torch.int32, device=dev)
    qsl = torch.arange(b + 1, dtype=torch.int32, device=dev)
    q = torch.randn(b, HQ, D, device=dev, dtype=torch.bfloat16)
    kd, vd = kv * DESCALE, vv * DESCALE
    out8 = torch.full_like(q, float("nan"))
    out16 = torch.empty_like(q)
    kw = dict(causal=True, max_query_len=1)
    # Scales as tensors, as vLLM keeps them (per KV head here): such calls take a launch plan
    # (a number makes a tensor per call, on the checked path).
    scale_t = torch.full((HKV,), DESCALE, device=dev)
    kw8 = dict(kw, fp8_dtype="e4m3fn", k_scale=scale_t, v_scale=scale_t)
    at.paged_attention(q, kb, vb, tables, sl, qsl, out=out8, **kw8)
    idx = tables.long()

    def contiguous(cache):  # (B, Hkv, L, D): each sequence's keys through its table
        return cache[idx].view(b, per_seq * BS, HKV, D)[:, :length].transpose(1, 2)

    # decode: one query per sequence at the last position, which sees every key
    ref = sdpa_flash(torch, q[:, :, None], contiguous(kd), contiguous(vd), False)[:, :, 0]
    err, ok = check(out8, ref)
    elems = 2.0 * b * length * HKV * D
    row = dict(kind="paged", B=b, L=length, max_abs_err=err, ok=ok)
    for name, fn, nbytes in (
            ("attnc_fp8", lambda: at.paged_attention(q, kb, vb, tables, sl, qsl, out=out8,
                                                     **kw8), 1),
            ("attnc_bf16", lambda: at.paged_attention(q, kd, vd, tables, sl, qsl, out=out16,
                                                      **kw), 2)):
        ms = median_ms(torch, fn, reps, inner)
        row[name + "_ms"] = round(ms, 4)
        row[name + "_GBps"] = round(elems * nbytes / ms / 1e6, 1)
    row["time_bf16_over_fp8"] = round(row["attnc_bf16_ms"] / row["attnc_fp8_ms"], 2)
    return row


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--seqs", default=",".join(map(str, SEQS)))
    p.add_argument("--dims", default=",".join(map(str, DIMS)))
    p.add_argument("--paged-rows", default=",".join("%d:%d" % r for r in PAGED_ROWS),
                   help="B:L pairs; empty for none")
    p.add_argument("--reps", type=int, default=30)
    p.add_argument("--inner", type=int, default=10)
    p.add_argument("--json", metavar="PATH")
    a = p.parse_args(argv)
    import torch
    if not torch.cuda.is_available() or not hasattr(torch, "float8_e4m3fn"):
        log("fp8_bench.py: needs a CUDA GPU and torch with float8_e4m3fn")
        return 2
    import attnc.torch as at
    rows, bad = [], 0
    for d in [int(x) for x in a.dims.split(",") if x]:
        for causal in (False, True):
            for s in [int(x) for x in a.seqs.split(",") if x]:
                r = forward_row(torch, at, d, causal, s, a.reps, a.inner)
                rows.append(r)
                bad += not r["ok"]
                print("forward D=%d causal=%s S=%d: fp8 %s, bf16 %s, cuDNN bf16 %s TFLOP/s; "
                      "fp8/bf16 %.2f; max err %.2e%s"
                      % (d, causal, s, r["attnc_fp8"], r["attnc_bf16"], r["sdpa_cudnn_bf16"],
                         (r["attnc_fp8"] or 0) / (r["attnc_bf16"] or 1), r["max_abs_err"],
                         "" if r["ok"] else " WRONG"), flush=True)
    for pair in [x for x in a.paged_rows.split(",") if x]:
        b, length = (int(x) for x in pair.split(":"))
        r = paged_row(torch, at, b, length, a.reps, a.inner)
        rows.append(r)
        bad += not r["ok"]
        print("paged B=%d L=%d: fp8 %.1f GB/s (%.4f ms), bf16 %.1f GB/s (%.4f ms); "
              "bf16/fp8 time %.2f; max err %.2e%s"
              % (b, length, r["attnc_fp8_GBps"], r["attnc_fp8_ms"], r["attnc_bf16_GBps"],
                 r["attnc_bf16_ms"], r["time_bf16_over_fp8"], r["max_abs_err"],
                 "" if r["ok"] else " WRONG"), flush=True)
    if a.json:
        doc = dict(date=datetime.datetime.now(datetime.timezone.utc).isoformat(),
                   device=torch.cuda.get_device_name(), torch=torch.__version__, rows=rows)
        with open(a.json, "w") as f:
            json.dump(doc, f, indent=1)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
