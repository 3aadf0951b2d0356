"""Where attnc.torch.attention's host time goes on the GPU machine (issue 18: <= 10 us).

For the benchmark's D=128 variant (S=4096, kernel ~0.3 ms) and a small shape (S=128, kernel
a few us), with out=: fast-path hits counted; median host time of one call with and without
a sync per call; the launch plan's C call alone (attnrtPlanLaunch through ctypes); the
checked path (no plans); SDPA's host time on the same tensors; cProfile's top entries."""
import cProfile
import pstats
import time

import torch
import torch.nn.functional as F

import attnc.torch as at

hits = {"fast": 0, "checked": 0}
orig = at._run_fast


def counted(*a, **kw):
    r = orig(*a, **kw)
    hits["checked" if r is None else "fast"] += 1
    return r


at._run_fast = counted


def median_us(fn, n=200, sync=False):
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
        if sync:
            torch.cuda.synchronize()
    torch.cuda.synchronize()
    times.sort()
    return times[n // 2] * 1e6


for s in (4096, 128):
    q = torch.randn(1, 16, s, 128, device="cuda", dtype=torch.bfloat16)
    k, v = torch.randn_like(q), torch.randn_like(q)
    out = torch.empty_like(q)
    at._fast.clear()
    at._seen.clear()
    hits.update(fast=0, checked=0)
    for _ in range(5):
        at.attention(q, k, v, out=out)
    torch.cuda.synchronize()
    call = lambda: at.attention(q, k, v, out=out)  # noqa: E731
    print("S=%d attention: no sync %.1f us, sync %.1f us" % (
        s, median_us(call), median_us(call, sync=True)))
    print("S=%d fast entries %d hits %s" % (s, len(at._fast), hits))
    if at._fast:
        f = next(iter(at._fast.values()))
        objs = (q, k, v, None, None, out, None)
        ptrs = [objs[i].data_ptr() if objs[i] is not None else 0 for i in f.idx]
        stream = f.stream()
        print("S=%d plan.launch alone %.1f us (stream %s, %d pointers)" % (
            s, median_us(lambda: f.plan.launch(ptrs, stream), sync=True), stream, len(ptrs)))
        print("S=%d stream() %.2f us, torch.empty_like %.2f us" % (
            s, median_us(f.stream), median_us(lambda: torch.empty_like(q))))

        # The Python side alone: everything but the C call (_run_fast calls the plan's C
        # entry point f.fn directly).
        real, f.fn = f.fn, lambda *a: 0
        print("S=%d attention without the launch (Python only) %.1f us" % (
            s, median_us(call, n=1000)))
        f.fn = real
    at._USE_PLANS = False
    at._fast.clear()
    print("S=%d checked path %.1f us" % (s, median_us(call, n=100, sync=True)))
    at._USE_PLANS = True
    sd = lambda: F.scaled_dot_product_attention(q, k, v)  # noqa: E731
    sd()
    print("S=%d sdpa %.1f us (sync %.1f)" % (s, median_us(sd), median_us(sd, sync=True)))

# Paged decode as paged_bench.py runs it: B=32, L=4096, Hq 32, Hkv 8, D 128, blocks of 16.
B, L, BS = 32, 4096, 16
nb = B * L // BS
pq = torch.randn(B, 32, 128, device="cuda", dtype=torch.bfloat16)
kc = torch.randn(nb, BS, 8, 128, device="cuda", dtype=torch.bfloat16)
vc = torch.randn_like(kc)
bt = torch.randperm(nb, device="cuda", dtype=torch.int32).view(B, L // BS)
sl = torch.full((B,), L, device="cuda", dtype=torch.int32)
qsl = torch.arange(B + 1, device="cuda", dtype=torch.int32)
pout = torch.empty_like(pq)
pcall = lambda: at.paged_attention(pq, kc, vc, bt, sl, qsl, causal=True, out=pout,  # noqa
                                   max_query_len=1)
hits.update(fast=0, checked=0)
for _ in range(5):
    pcall()
torch.cuda.synchronize()
print("paged: no sync %.1f us, sync %.1f us, hits %s" % (
    median_us(pcall), median_us(pcall, sync=True), hits))
pr = cProfile.Profile()
pr.enable()
for _ in range(100):
    pcall()
    torch.cuda.synchronize()
pr.disable()
pstats.Stats(pr).sort_stats("tottime").print_stats(10)

q = torch.randn(1, 16, 4096, 128, device="cuda", dtype=torch.bfloat16)
k, v = torch.randn_like(q), torch.randn_like(q)
out = torch.empty_like(q)
for _ in range(3):
    at.attention(q, k, v, out=out)
pr = cProfile.Profile()
pr.enable()
for _ in range(100):
    at.attention(q, k, v, out=out)
    torch.cuda.synchronize()
pr.disable()
pstats.Stats(pr).sort_stats("tottime").print_stats(14)
