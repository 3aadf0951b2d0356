#!/usr/bin/env python3
"""attnc's block-sparse attention (docs/masks.md) next to FlexAttention with the same
BlockMask, on one NVIDIA GPU: FlexAttention's document-masking benchmark, 8 documents
packed into 16k tokens (issue 17 section 4).

Rows: B=1, S=16384, bf16, BHSD, D=128 with H=16 and D=64 with H=32 (Hq == Hkv), the
documents of python/tests/gpu_variants.py (BENCH_DOC_LENGTHS, causal inside each).
One BlockMask serves both: torch's create_block_mask(document_causal, None, None, S, S,
BLOCK_SIZE=128) (FlexAttention's default), whose kv_num_blocks / kv_indices /
full_kv_num_blocks / full_kv_indices attnc takes as they are, with
attnc.masks.document_causal(lengths) as the mask_mod of the partial blocks (its MLIR is
part of attnc's precompiled variant, gpu_variants.BLOCK_MASK_BENCH_SPECS). The block
counts are checked against attnc.create_block_mask's.

Columns: attnc, flex (torch.compile(flex_attention), same BlockMask), and for reference
dense causal attention over the whole 16k sequence with SDPA (flash backend,
is_causal=True) and with attnc's own causal kernel (gpu_variants.bench_spec, no block mask):
the block-mask kernel's TFLOP/s next to attnc causal's shows what the loop over listed
blocks costs. Times are
the median of --reps CUDA-event pairs around --inner back-to-back calls (default 4, so
that the host's side of a call overlaps the previous kernel; --inner 1 is bench/peers.py's
timing), after 5 warm-up calls; attnc's host time per call is recorded too; TFLOP/s = 4 * B * H * D * (visible (query, key) pairs) / time, the
visible pairs being the mask's own (sum of L(L+1)/2 over the documents; S(S+1)/2 for
dense causal). attnc's output (out poisoned with NaN first) is checked against flex's:
max |attnc - flex|, and WRONG where an element is NaN or off by more than 2e-2 +
2e-2*|flex|; the exit status is 1 then.

From the repository root on the GPU machine (bundles from bench/prepare_device.sh):

    ATTNC_BUNDLE_DIR=.device/bundles ATTNC_LIB_DIR=.device/lib PYTHONPATH=python \\
        ATTNC_NO_COMPILER=1 python3 bench/block_mask_gpu.py [--dims 128,64] [--reps 20]
        [--inner 4] [--json out/block_mask.json] [--no-flex] [--no-sdpa]
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

import gpu_variants as gv  # noqa: E402  (no torch needed)

SEQ = sum(gv.BENCH_DOC_LENGTHS)
HEADS = {128: 16, 64: 32}
BLOCK = 128
CHECK_TOL = 2e-2


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def short_error(e):
    return ("%s: %s" % (type(e).__name__, e))[:400]


def median_ms(fn, reps, inner):
    """The median over reps of (CUDA-event time of `inner` back-to-back calls) / inner,
    after 5 warm-up calls: with inner > 1 the host's side of a call (attnc's checks of its
    arguments, torch.compile's guards) overlaps the previous call's kernel, as in a model."""
    import torch
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


def host_us(fn, n=20):
    """Median host time of one call in microseconds (the GPU work is not waited for)."""
    import torch
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    torch.cuda.synchronize()
    times.sort()
    return round(times[len(times) // 2] * 1e6, 1)


def visible_pairs(lengths):
    return sum(n * (n + 1) // 2 for n in lengths)


def flex_block_mask(torch, create_block_mask):
    """torch's BlockMask of the documents (document_causal as a FlexAttention mask_mod)."""
    doc = torch.repeat_interleave(torch.arange(len(gv.BENCH_DOC_LENGTHS), device="cuda"),
                                  torch.tensor(gv.BENCH_DOC_LENGTHS, device="cuda"))

    def document_causal(b, h, q_idx, kv_idx):
        return (doc[q_idx] == doc[kv_idx]) & (q_idx >= kv_idx)
    return create_block_mask(document_causal, None, None, SEQ, SEQ, device="cuda",
                             BLOCK_SIZE=BLOCK)


def attnc_block_mask(attnc, fbm):
    """The same lists as an attnc.BlockMask, with attnc's document_causal region, checked
    against attnc.create_block_mask's classification of the blocks."""
    mm = attnc.masks.document_causal(gv.BENCH_DOC_LENGTHS)
    bm = attnc.BlockMask(fbm.kv_num_blocks, fbm.kv_indices, fbm.full_kv_num_blocks,
                         fbm.full_kv_indices, BLOCK_SIZE=BLOCK, mask_mod=mm)
    own = attnc.create_block_mask(mm, None, None, SEQ, SEQ, device="cuda", BLOCK_SIZE=BLOCK)
    counts = dict(partial=int(bm.kv_num_blocks.sum()), full=int(bm.full_kv_num_blocks.sum()),
                  of=(-(-SEQ // BLOCK)) ** 2)
    same = (int(own.kv_num_blocks.sum()), int(own.full_kv_num_blocks.sum())) == \
        (counts["partial"], counts["full"])
    return bm, counts, same


def kernel_info(attnc, d):
    try:
        import torch
        k = attnc.kernels.get(gv.BLOCK_MASK_BENCH_SPECS[d], "cuda:%d" % torch.cuda.current_device())
        info = dict(name=k.name, source=k.source)
        e = k.module.entries.get(k.name)
        if e is not None:
            info.update(block_m=e.block_m, block_n=e.block_n, num_warps=e.num_warps,
                        num_stages=e.num_stages, workgroup_size=e.workgroup_size)
        return info
    except Exception as e:
        return dict(error=short_error(e))


def row(args, d, flex, create_block_mask):
    import torch
    import attnc
    import attnc.torch as at
    h = HEADS[d]
    pairs = visible_pairs(gv.BENCH_DOC_LENGTHS)
    flops = 4.0 * h * d * pairs
    r = dict(D=d, H=h, B=1, S=SEQ, dtype="bf16", docs=list(gv.BENCH_DOC_LENGTHS), block=BLOCK,
             visible_pairs=pairs, attnc=None, flex=None, sdpa_causal=None, attnc_causal=None,
             errors={})
    tflops = lambda ms, f=flops: round(f / ms / 1e9, 1)  # noqa: E731
    torch.manual_seed(0)
    q, k, v = (torch.randn(1, h, SEQ, d, device="cuda", dtype=torch.bfloat16) for _ in range(3))
    fbm = flex_block_mask(torch, create_block_mask)
    bm, r["blocks"], r["blocks_match_attnc"] = attnc_block_mask(attnc, fbm)

    ref = None
    if flex is not None:
        try:
            t0 = time.time()
            ref = flex(q, k, v, block_mask=fbm)
            torch.cuda.synchronize()
            r["flex_first_call_s"] = round(time.time() - t0, 1)
            ms = median_ms(lambda: flex(q, k, v, block_mask=fbm), args.reps, args.inner)
            r["flex"], r["flex_ms"] = tflops(ms), round(ms, 4)
        except Exception as e:
            r["errors"]["flex"] = short_error(e)
            log("flex D=%d: %s" % (d, traceback.format_exc()))
    try:
        out = torch.full_like(q, float("nan"))
        at.attention(q, k, v, block_mask=bm, out=out)
        torch.cuda.synchronize()
        r["attnc_kernel"] = kernel_info(attnc, d)
        nan = int(torch.isnan(out).sum())
        r["attnc_nan"] = nan
        if ref is not None:
            diff = (out.float() - ref.float()).abs()
            r["attnc_max_abs_err_vs_flex"] = float(diff.nan_to_num(0.0).max())
            bad = int(((diff > CHECK_TOL + CHECK_TOL * ref.float().abs()) |
                       torch.isnan(diff)).sum())
            r["attnc_bad_elements"] = bad
            r["attnc_ok"] = bad == 0 and nan == 0
            del diff
        else:
            r["attnc_ok"] = None if nan == 0 else False
        call = lambda: at.attention(q, k, v, block_mask=bm, out=out)  # noqa: E731
        ms = median_ms(call, args.reps, args.inner)
        r["attnc"], r["attnc_ms"] = tflops(ms), round(ms, 4)
        r["attnc_host_us"] = host_us(call)
    except Exception as e:
        r["errors"]["attnc"] = short_error(e)
        log("attnc D=%d: %s" % (d, traceback.format_exc()))
    causal_flops = 4.0 * h * d * SEQ * (SEQ + 1) / 2
    try:  # attnc's dense causal kernel (the gpu_bench variant), for the block loop's cost
        dense_out = torch.empty_like(q)
        ms = median_ms(lambda: at.attention(q, k, v, causal=True, out=dense_out), args.reps,
                       args.inner)
        r["attnc_causal"], r["attnc_causal_ms"] = tflops(ms, causal_flops), round(ms, 4)
        del dense_out
    except Exception as e:
        r["errors"]["attnc_causal"] = short_error(e)
    if not args.no_sdpa:
        try:
            from torch.nn.attention import SDPBackend, sdpa_kernel
            F = torch.nn.functional
            with sdpa_kernel([SDPBackend.FLASH_ATTENTION]):
                ms = median_ms(lambda: F.scaled_dot_product_attention(q, k, v, is_causal=True),
                               args.reps, args.inner)
            r["sdpa_causal"] = tflops(ms, causal_flops)
            r["sdpa_causal_ms"] = round(ms, 4)
        except Exception as e:
            r["errors"]["sdpa_causal"] = short_error(e)
    del q, k, v, ref
    torch.cuda.empty_cache()
    if not r["errors"]:
        del r["errors"]
    return r


def write_json(path, env, rows):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(dict(env=env, rows=rows), f, indent=1)
        f.write("\n")
    os.replace(tmp, path)


def fmt(x, spec="%.1f"):
    return "-" if x is None else spec % x


def table(rows):
    head = ["D", "H", "attnc TF/s", "flex TF/s", "attnc/flex", "attnc ms", "flex ms",
            "causal: attnc TF/s", "SDPA TF/s", "SDPA ms", "blocks p/f/of", "max|attnc-flex|"]
    lines = [head]
    for r in rows:
        err = fmt(r.get("attnc_max_abs_err_vs_flex"), "%.2e")
        if r.get("attnc_ok") is False:
            err += " WRONG"
        b = r.get("blocks", {})
        ratio = r["attnc"] / r["flex"] if r.get("attnc") and r.get("flex") else None
        lines.append([str(r["D"]), str(r["H"]), fmt(r.get("attnc")), fmt(r.get("flex")),
                      fmt(ratio, "%.2f"), fmt(r.get("attnc_ms"), "%.3f"),
                      fmt(r.get("flex_ms"), "%.3f"), fmt(r.get("attnc_causal")),
                      fmt(r.get("sdpa_causal")),
                      fmt(r.get("sdpa_causal_ms"), "%.3f"),
                      "%s/%s/%s" % (b.get("partial"), b.get("full"), b.get("of")), err])
    widths = [max(len(line[i]) for line in lines) for i in range(len(head))]
    out = ["  ".join(c.rjust(w) for c, w in zip(line, widths)) for line in lines]
    out.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(out)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter,
                                epilog=__doc__.split("\n\n", 1)[1])
    p.add_argument("--dims", default="128,64", help="head dims, of 128,64 (default %(default)s)")
    p.add_argument("--reps", type=int, default=20, help="timed events per number")
    p.add_argument("--inner", type=int, default=4,
                   help="back-to-back calls per timed event pair (default %(default)s)")
    p.add_argument("--json", metavar="PATH", help="write the rows and the environment")
    p.add_argument("--no-flex", action="store_true", help="leave FlexAttention out (no check)")
    p.add_argument("--no-sdpa", action="store_true", help="leave dense causal SDPA out")
    p.add_argument("--commit", default=os.environ.get("ATTNC_COMMIT"))
    args = p.parse_args(argv)
    dims = [int(x) for x in args.dims.split(",") if x]
    if any(d not in HEADS for d in dims):
        p.error("--dims: precompiled variants exist for D in %s" % sorted(HEADS))
    import torch
    if not torch.cuda.is_available():
        log("torch.cuda is not available (torch %s): nothing to measure" % torch.__version__)
        return 2
    t_start = time.time()
    env = dict(date=datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
               commit=args.commit, torch=torch.__version__, device=torch.cuda.get_device_name())
    try:
        import triton
        env["triton"] = triton.__version__
    except Exception:
        env["triton"] = None
    log(json.dumps(env))
    from torch.nn.attention.flex_attention import create_block_mask, flex_attention
    flex = None
    if not args.no_flex:
        torch._dynamo.config.cache_size_limit = 64
        flex = torch.compile(flex_attention, dynamic=False)
    rows = []
    for d in dims:
        t0 = time.time()
        r = row(args, d, flex, create_block_mask)
        r["wall_s"] = round(time.time() - t0, 1)
        rows.append(r)
        print(json.dumps(r), flush=True)
        if args.json:  # after every row: a run stopped at its time limit keeps what it measured
            write_json(args.json, env, rows)
    env["wall_s"] = round(time.time() - t_start, 1)
    print()
    print("document masking, %d documents in %d tokens (%s), B=1, bf16, BLOCK_SIZE=%d; %s" % (
        len(gv.BENCH_DOC_LENGTHS), SEQ, ",".join(map(str, gv.BENCH_DOC_LENGTHS)), BLOCK,
        env["device"]))
    print(table(rows), flush=True)
    if args.json:
        write_json(args.json, env, rows)
    wrong = [r for r in rows if r.get("attnc_ok") is False or "attnc" in r.get("errors", {})]
    if wrong:
        print("attnc WRONG or failed for D=%s" % [r["D"] for r in wrong])
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())
