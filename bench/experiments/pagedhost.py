"""Where paged_attention's host time goes on the GPU machine (issue 18: <= 10 us), piece by
piece, for paged_bench.py's B=32, L=4096 decode call with out=: the whole call; the fast
path's parts (signature, lookup, stream, capture check, workspace lookup, pointers, packing)
each alone; the plan's C call alone; the Python side alone (C call replaced by a no-op).
Medians of 2000 calls (500 for those that launch, with a sync after each, outside the
timing), each piece timed in a loop of its own."""
import time

import torch

import attnc.torch as at


def med(fn, n=2000, sync=False):
    """Median host time of fn in us; sync: wait for the GPU after each call, outside the
    timing (calls that launch kernels would otherwise fill the launch queue and wait)."""
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


B, L, BS = 32, 4096, 16
nb = B * L // BS
q = torch.randn(B, 32, 128, device="cuda", dtype=torch.bfloat16)
kc = torch.randn(nb, BS, 8, 128, device="cuda", dtype=torch.bfloat16)
vc = torch.randn_like(kc)
bt = torch.randperm(nb, device="cuda", dtype=torch.int32).view(B, L // BS)
sl = torch.full((B,), L, device="cuda", dtype=torch.int32)
qsl = torch.arange(B + 1, device="cuda", dtype=torch.int32)
out = torch.empty_like(q)
call = lambda: at.paged_attention(q, kc, vc, bt, sl, qsl, causal=True, out=out,  # noqa: E731
                                  max_query_len=1)
for _ in range(5):
    call()
torch.cuda.synchronize()
f = next(iter(at._fast.values()))
if hasattr(at, "_paged_sig"):
    sig = lambda: at._paged_sig(True, None, (-1, -1), 0.0, False, None, 1, q, kc, vc,  # noqa: E731
                                bt, sl, qsl, None, out, None)
else:  # attnc before the flat signature (A/B runs against an older python/)
    sig = lambda: ("paged", True, None, (-1, -1), 0.0, False, None, 1, at._tsig(q),  # noqa: E731
                   at._tsig(kc), at._tsig(vc), at._tsig(bt), at._tsig(sl), at._tsig(qsl),
                   at._tsig(None), at._tsig(out), at._tsig(None))
s = sig()
stream = f.stream()
objs = (q, kc, vc, bt, sl, qsl, None, None, out, None) + next(iter(f.ws.values()))
ptrs = [objs[i].data_ptr() for i in f.idx]
packed = f.pack(*ptrs)
err = at._err_buffer()
launches = {"whole call", "plan C call (graph launch)", "whole call again"}
rows = [
    ("whole call", call),
    ("signature", sig),
    ("_fast.get(sig)", lambda: at._fast.get(s)),
    ("one _tsig", lambda: at._tsig(q)),
    ("f.stream()", f.stream),
    ("f.capturing()", f.capturing),
    ("ws lookup", lambda: f.ws.get(stream if stream is not None else at._thread_ident())),
    ("_private_ws.on", lambda: at._private_ws.on),
    ("pointers (%d data_ptr)" % len(f.idx), lambda: [objs[i].data_ptr() for i in f.idx]),
    ("pack", lambda: f.pack(*ptrs)),
    ("_err_buffer()", at._err_buffer),
    ("_compiling()", at._compiling if at._compiling is not None else (lambda: None)),
    ("plan C call (graph launch)", lambda: f.fn(f.handle, packed, f.num_data, stream, err,
                                                len(err))),
]
for name, fn in rows:
    print("%-30s %6.2f us" % (name, med(fn, n=500 if name in launches else 2000,
                                       sync=name in launches)))
# fp8 caches (issue 16's serving case; bundles of FP8_PAGED_BENCH_SPEC where present), per-head
# scale tensors as vLLM keeps them (a number would take the checked path every call).
try:
    k8 = kc.to(torch.float8_e4m3fn).view(torch.uint8)
    v8 = vc.to(torch.float8_e4m3fn).view(torch.uint8)
    ks = torch.full((8,), 0.5, device="cuda")
    call8 = lambda: at.paged_attention(q, k8, v8, bt, sl, qsl, causal=True,  # noqa: E731
                                       out=out, max_query_len=1, k_scale=ks, v_scale=ks,
                                       fp8_dtype="e4m3fn")
    for _ in range(3):
        call8()
    print("%-30s %6.2f us" % ("fp8 caches, whole call", med(call8, n=500, sync=True)))
    print("%-30s %6.2f us" % ("fp8 caches, number scales",
                              med(lambda: at.paged_attention(
                                  q, k8, v8, bt, sl, qsl, causal=True, out=out,
                                  max_query_len=1, k_scale=0.5, v_scale=0.5,
                                  fp8_dtype="e4m3fn"), n=200, sync=True)))
except Exception as e:  # no fp8 bundle for this shape: say so, go on
    print("fp8 caches: %s: %s" % (type(e).__name__, str(e)[:200]))
real, f.fn = f.fn, lambda *a: 0
print("%-30s %6.2f us" % ("Python side alone", med(call)))
f.fn = real
print("%-30s %6.2f us" % ("whole call again", med(call, n=500, sync=True)))
