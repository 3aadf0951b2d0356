#!/usr/bin/env python3
"""Host overhead of one attnc.torch call (microbenchmark, not a test).

Times attnc.torch.attention and attnc.torch.paged_attention (and the attnc.flash_attn
drop-ins) on tiny tensors, where the kernel itself is nearly free, so that a call's
time is what Python, ctypes and the runtime add:

  total_us   median wall time of one call (CPU: includes running the tiny kernel on the
             runtime's thread pool; CUDA: the launch only, the GPU is not waited for)
  python_us  the same with the runtime's launch replaced by a no-op: the Python side
             alone (signature, plan lookup, output allocation, data pointers)
  launch_us  (the out= cases) the launch plan's one C call alone, on the pointers of the
             last call: packing the pointers, ctypes, attnrtPlanLaunch (CUDA: enqueueing
             every kernel of the call, e.g. paged's split and merge kernels; CPU: also
             running them). total_us is about python_us + launch_us.

    PYTHONPATH=python ATTNC_LIB_DIR=build/lib:build/runtime python3 bench/host_overhead.py
    ... --device cuda      (on the H100; with ATTNC_BUNDLE_DIR holding the variants)

Prints one JSON object per case (and SDPA's time where torch has it).
"""
import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))


def median_us(fn, n, warm=20, sync=None):
    """Median wall time of fn() in microseconds; sync (untimed) every 100 calls keeps a
    GPU's launch queue from filling up when fn only enqueues work."""
    for _ in range(warm):
        fn()
    ts = []
    for i in range(n):
        if sync is not None and i % 100 == 0:
            sync()
        t0 = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t0)
    ts.sort()
    return ts[len(ts) // 2] * 1e6


class _Stub:
    """Replaces the runtime's launch entry points with no-ops while active: the checked
    path's launches and every launch plan's C entry point (attnc.torch's fast path calls
    the plan's `fn` directly, not LaunchPlan.launch)."""

    def __enter__(self):
        from attnc import runtime
        import attnc.torch as at
        self.saved = []
        for cls, name in ((runtime.Module, "_launch"),
                          (getattr(runtime, "LaunchPlan", None), "launch")):
            if cls is not None and hasattr(cls, name):
                self.saved.append((cls, name, getattr(cls, name)))
                setattr(cls, name, lambda *a, **k: None)
        for f in list(getattr(at, "_fast", {}).values()):
            self.saved.append((f, "fn", f.fn))
            f.fn = lambda *a: 0
        return self

    def __exit__(self, *exc):
        for obj, name, fn in reversed(self.saved):
            setattr(obj, name, fn)


class _Record:
    """Records the last launch plan call (its C entry point and arguments) while active."""

    def __enter__(self):
        import attnc.torch as at
        self.saved = []
        self.last = None
        for f in list(getattr(at, "_fast", {}).values()):
            def record(*args, _real=f.fn):
                self.last = (_real, args)
                return _real(*args)
            self.saved.append((f, f.fn))
            f.fn = record
        return self

    def __exit__(self, *exc):
        for f, fn in self.saved:
            f.fn = fn


def launch_us(fn, n, sync):
    """The plan launch of fn's calls alone (None without a plan). Only for calls whose
    tensors all outlive them (out= given): the launches reuse the last call's pointers."""
    with _Record() as rec:
        fn()
    sync()
    if rec.last is None:
        return None
    real, args = rec.last
    t = median_us(lambda: real(*args), n, sync=sync)
    sync()
    return round(t, 2)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--dtype", default="bf16")
    ap.add_argument("--attnc", metavar="DIR",
                    help="import attnc from DIR (a python/ directory) instead of this "
                         "checkout's: another version's host overhead on the same machine, e.g. "
                         "`git archive main python | tar -x -C before` then --attnc before/python")
    a = ap.parse_args()
    if a.attnc:
        sys.path.insert(0, os.path.abspath(a.attnc))
    import torch
    import attnc.torch as at
    src = os.path.dirname(os.path.dirname(os.path.abspath(at.__file__)))
    dev = torch.device(a.device)
    dt = {"bf16": torch.bfloat16, "f16": torch.float16, "f32": torch.float32}[a.dtype]
    sync = torch.cuda.synchronize if dev.type == "cuda" else (lambda: None)
    torch.manual_seed(0)
    b, hq, hkv, d = 1, 4, 1, 64
    q = torch.randn(b, 1, hq, d, dtype=dt, device=dev)
    k = torch.randn(b, 16, hkv, d, dtype=dt, device=dev)
    v = torch.randn(b, 16, hkv, d, dtype=dt, device=dev)
    nb, bs = 4, 16
    kc = torch.randn(nb, bs, hkv, d, dtype=dt, device=dev)
    vc = torch.randn(nb, bs, hkv, d, dtype=dt, device=dev)
    qp = q[:, 0]  # (B, Hq, D): one decode token per sequence
    bt = torch.arange(nb, dtype=torch.int32, device=dev).reshape(1, nb)
    sl = torch.tensor([40], dtype=torch.int32, device=dev)
    qsl = torch.tensor([0, 1], dtype=torch.int32, device=dev)
    out = torch.empty_like(q)
    outp = torch.empty_like(qp)
    cases = {
        "attention": lambda: at.attention(q, k, v, causal=True, layout="bshd"),
        "paged_attention": lambda: at.paged_attention(qp, kc, vc, bt, sl, qsl, causal=True,
                                                      max_query_len=1),
        # As bench/gpu_bench.py and bench/paged_bench.py call them (their attnc_host_us).
        "attention(out=)": lambda: at.attention(q, k, v, causal=True, layout="bshd", out=out),
        "paged_attention(out=)": lambda: at.paged_attention(qp, kc, vc, bt, sl, qsl,
                                                            causal=True, max_query_len=1,
                                                            out=outp),
    }
    try:
        from attnc import flash_attn as fa
        cases["flash_attn_func"] = lambda: fa.flash_attn_func(q, k, v, causal=True)
        cases["flash_attn_with_kvcache"] = lambda: fa.flash_attn_with_kvcache(
            q, kc, vc, cache_seqlens=sl, block_table=bt, causal=True)
    except ImportError:
        pass
    sdpa = getattr(torch.nn.functional, "scaled_dot_product_attention", None)
    if sdpa is not None:
        qt, kt, vt = (x.transpose(1, 2) for x in (q, k.repeat_interleave(hq // hkv, 2),
                                                  v.repeat_interleave(hq // hkv, 2)))
        cases["sdpa"] = lambda: sdpa(qt, kt, vt, is_causal=False)
    with torch.no_grad():
        for name, fn in cases.items():
            total = median_us(fn, a.n)
            sync()
            row = {"case": name, "device": str(dev), "dtype": a.dtype, "attnc": src,
                   "total_us": round(total, 2)}
            if name != "sdpa":
                with _Stub():
                    row["python_us"] = round(median_us(fn, a.n), 2)
            if name.endswith("(out=)"):
                row["launch_us"] = launch_us(fn, a.n, sync)
            print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
