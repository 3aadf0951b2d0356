#!/usr/bin/env python3
"""Where paged decode's bandwidth goes (issue 6 follow-up): attnc's decode kernel on
the same bytes under different cache access patterns, one process per bundle dir.

  nhd-random   vLLM layout (NB, 16, 8, 128), random block table (paged_bench.py's rows)
  nhd-sorted   same layout, blocks in order (each sequence's blocks contiguous)
  h1-random    one KV head per cache (NB, 16, 1, 128), Hq = 4, 8x the sequences: every
               piece of a block is one contiguous 4 KiB run
  read         torch.sum over the same number of bytes of a contiguous tensor

    ATTNC_BUNDLE_DIR=... python3 bench/experiments/paged_probe.py [--rows 32:32768,128:2048]
"""
import argparse
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path[:0] = [os.path.join(ROOT, "bench"), os.path.join(ROOT, "python")]

import torch  # noqa: E402
import attnc.torch as at  # noqa: E402

D, BS = 128, 16


def median_ms(fn, reps=20, inner=5):
    for _ in range(3):
        fn()
    torch.cuda.synchronize()
    s, e = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    t = []
    for _ in range(reps):
        s.record()
        for _ in range(inner):
            fn()
        e.record()
        torch.cuda.synchronize()
        t.append(s.elapsed_time(e) / inner)
    t.sort()
    return t[len(t) // 2]


def run(b, length, hq, hkv, order, splits):
    per_seq = -(-length // BS)
    need = b * per_seq
    nb = max(2 * need, 4 * 50 * 2 ** 20 // (2 * BS * hkv * D * 2))
    kc = torch.randn(nb, BS, hkv, D, device="cuda", dtype=torch.bfloat16)
    vc = torch.randn_like(kc)
    ids = torch.randperm(nb, device="cuda")[:need] if order == "random" else \
        torch.arange(need, device="cuda")
    tables = ids.view(b, per_seq).to(torch.int32)
    seq_lens = torch.full((b,), length, dtype=torch.int32, device="cuda")
    qsl = torch.arange(b + 1, dtype=torch.int32, device="cuda")
    q = torch.randn(b, hq, D, device="cuda", dtype=torch.bfloat16)
    out = torch.empty_like(q)

    def call():
        at.paged_attention(q, kc, vc, tables, seq_lens, qsl, causal=True, out=out,
                           max_query_len=1, num_splits=splits)
    ms = median_ms(call)
    return 2 * b * length * hkv * D * 2 / ms / 1e6, ms


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--rows", default="32:32768,128:2048")
    p.add_argument("--splits", default="0", help="comma list; 0 = heuristic")
    p.add_argument("--layouts", default="nhd-random,nhd-sorted,h1-random")
    p.add_argument("--tag", default=os.environ.get("ATTNC_BUNDLE_DIR", "?"))
    a = p.parse_args()
    for r in a.rows.split(","):
        b, length = (int(x) for x in r.split(":"))
        for sp in (int(x) for x in a.splits.split(",")):
            s = sp or None
            res = []
            for name, hq, hkv, bb, order in (("nhd-random", 32, 8, b, "random"),
                                              ("nhd-sorted", 32, 8, b, "sorted"),
                                              ("h1-random", 4, 1, b * 8, "random")):
                if name not in a.layouts.split(","):
                    continue
                try:
                    gbps, ms = run(bb, length, hq, hkv, order, s)
                    res.append("%s %.0f GB/s (%.3f ms)" % (name, gbps, ms))
                except Exception as e:  # a missing variant in this bundle
                    res.append("%s: %s" % (name, str(e)[:80]))
                torch.cuda.empty_cache()
            n = 2 * b * length * 8 * D
            x = torch.randn(n, device="cuda", dtype=torch.bfloat16)
            ms = median_ms(lambda: x.sum())
            res.append("read %.0f GB/s" % (2 * n / ms / 1e6))
            del x
            torch.cuda.empty_cache()
            print("[%s] B=%d L=%d splits=%s: %s" % (a.tag, b, length, sp or "auto",
                                                     " | ".join(res)), flush=True)


if __name__ == "__main__":
    main()
