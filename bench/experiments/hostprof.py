"""Where attnc.torch.attention's host time goes on the GPU machine: 200 calls of the
benchmark's D=128 variant with out= (gpu_bench's host_us loop), fast-path hits counted,
cProfile's top entries, and the median host time with and without a sync per call."""
import cProfile
import pstats
import time

import torch

import attnc.torch as at

q = torch.randn(1, 16, 4096, 128, device="cuda", dtype=torch.bfloat16)
k, v = torch.randn_like(q), torch.randn_like(q)
out = torch.empty_like(q)
hits = {"fast": 0, "checked": 0}
orig = at._run_fast


def counted(*a, **kw):
    r = orig(*a, **kw)
    hits["checked" if r is None else "fast"] += 1
    return r


at._run_fast = counted
for _ in range(5):
    at.attention(q, k, v, out=out)
torch.cuda.synchronize()
for sync in (False, True):
    times = []
    for _ in range(100):
        t0 = time.perf_counter()
        at.attention(q, k, v, out=out)
        times.append(time.perf_counter() - t0)
        if sync:
            torch.cuda.synchronize()
    torch.cuda.synchronize()
    times.sort()
    print("sync=%s median host us %.1f" % (sync, times[50] * 1e6))
print("fast entries", len(at._fast), "hits", hits)
pr = cProfile.Profile()
pr.enable()
for _ in range(100):
    at.attention(q, k, v, out=out)
    torch.cuda.synchronize()
pr.disable()
pstats.Stats(pr).sort_stats("tottime").print_stats(12)
