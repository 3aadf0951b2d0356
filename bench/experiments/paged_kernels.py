#!/usr/bin/env python3
"""Device time of each kernel of attnc's paged decode (split, merge) per paged_bench row,
from torch.profiler (CUDA activity), with the split count of the heuristic or --splits.

    python3 bench/experiments/paged_kernels.py [--rows 1:131072,...] [--splits 66,...]
"""
import argparse
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path[:0] = [os.path.join(ROOT, "bench"), os.path.join(ROOT, "python"),
                os.path.join(ROOT, "python", "tests")]

import torch  # noqa: E402
from torch.profiler import ProfilerActivity, profile  # noqa: E402

import attnc.torch as at  # noqa: E402

HQ, HKV, D, BS = 32, 8, 128, 16


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--rows", default="32:4096,32:32768,1:131072,128:2048")
    p.add_argument("--splits", default="auto")
    a = p.parse_args()
    for row in a.rows.split(","):
        b, L = map(int, row.split(":"))
        nb = 2 * b * L // BS
        q = torch.randn(b, HQ, D, device="cuda", dtype=torch.bfloat16)
        kc = torch.randn(nb, BS, HKV, D, device="cuda", dtype=torch.bfloat16)
        vc = torch.randn_like(kc)
        bt = torch.randperm(nb, device="cuda", dtype=torch.int32)[:b * L // BS].view(b, L // BS)
        sl = torch.full((b,), L, device="cuda", dtype=torch.int32)
        qsl = torch.arange(b + 1, device="cuda", dtype=torch.int32)
        for s in a.splits.split(","):
            ns = None if s == "auto" else int(s)
            call = lambda: at.paged_attention(q, kc, vc, bt, sl, qsl, causal=True,  # noqa
                                              num_splits=ns, max_query_len=1)
            for _ in range(5):
                call()
            torch.cuda.synchronize()
            with profile(activities=[ProfilerActivity.CUDA]) as prof:
                for _ in range(20):
                    call()
                torch.cuda.synchronize()
            times = {}
            for e in prof.events():
                if e.device_type.name == "CUDA":
                    times.setdefault(e.name, []).append(e.device_time if hasattr(e, "device_time") else e.cuda_time)
            parts = ["%s %.1f us" % (n[-28:], sum(v) / len(v)) for n, v in sorted(times.items())]
            kv = 2 * b * L * HKV * D * 2
            split_us = [sum(v) / len(v) for n, v in times.items() if not n.endswith("merge")]
            bw = kv / (split_us[0] * 1e-6) / 1e9 if split_us else 0
            print("B=%d L=%d splits=%s: %s; split kernel alone %.0f GB/s" % (
                b, L, s, "; ".join(parts), bw), flush=True)


if __name__ == "__main__":
    main()
