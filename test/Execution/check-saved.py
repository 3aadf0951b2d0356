#!/usr/bin/python3
"""Recomputes attention with numpy (float64) from the .npy files that
`attn-run --save=DIR` wrote, and compares with the saved results.

This is a second, independent check of attn-run itself: its inputs, its
output gathering and its .npy writer, against code that shares nothing with
the C reference. Usage:
  check-saved.py DIR FUNC (--mha|--varlen) [--causal] [--window-left N]
                 [--window-right N] [--softcap C] [--scale S] [--alibi]
Exits 1 on a mismatch beyond the dtype tolerance (f16/bf16 1e-2, f32 1e-4).
"""
import argparse
import os
import sys

import numpy as np


def attention_rows(q, k, v, slopes, h, a):
    """One head of one sequence: q[Sq,D], k[Sk,D], v[Sk,Dv] -> out, lse."""
    sq, sk = q.shape[0], k.shape[0]
    scale = a.scale if a.scale is not None else 1.0 / np.sqrt(q.shape[1])
    scale = float(np.float32(scale))
    s = scale * (q @ k.T)
    if a.softcap is not None:
        c = float(np.float32(a.softcap))
        s = c * np.tanh(s / c)
    i = np.arange(sq)[:, None] + (sk - sq)
    j = np.arange(sk)[None, :]
    if slopes is not None:
        s = s - slopes[h] * np.abs(i - j)
    visible = np.ones((sq, sk), dtype=bool)
    if a.causal:
        visible &= j <= i
    if a.window_left is not None:
        visible &= j >= i - a.window_left
    if a.window_right is not None:
        visible &= j <= i + a.window_right
    s = np.where(visible, s, -np.inf)
    out = np.zeros((sq, v.shape[1]))
    lse = np.full(sq, -np.inf)
    for r in range(sq):
        if not visible[r].any():
            continue
        m = s[r].max()
        p = np.exp(s[r] - m)
        out[r] = (p @ v) / p.sum()
        lse[r] = m + np.log(p.sum())
    return out, lse


def load(d, name):
    return np.load(os.path.join(d, name)).astype(np.float64)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("func")
    kind = ap.add_mutually_exclusive_group(required=True)
    kind.add_argument("--mha", action="store_true")
    kind.add_argument("--varlen", action="store_true")
    ap.add_argument("--causal", action="store_true")
    ap.add_argument("--window-left", type=int)
    ap.add_argument("--window-right", type=int)
    ap.add_argument("--softcap", type=float)
    ap.add_argument("--scale", type=float)
    ap.add_argument("--alibi", action="store_true")
    a = ap.parse_args()

    f = lambda n: f"{a.func}.{n}.npy"
    q, k, v = (load(a.dir, f(f"arg{i}")) for i in range(3))
    raw_out = np.load(os.path.join(a.dir, f("result0")))
    got_out = raw_out.astype(np.float64)
    got_lse = load(a.dir, f("result1"))
    # bf16 is saved as float32, so the dtype of the output tells f32 vs half only
    # by the absence of bits below bf16; take the tolerance from q's file instead.
    q_dtype = np.load(os.path.join(a.dir, f("arg0"))).dtype
    low_bits = np.load(os.path.join(a.dir, f("arg0"))).view(np.uint32) & 0xFFFF if q_dtype == np.float32 else None
    half = q_dtype == np.float16 or (low_bits is not None and not low_bits.any())
    tol = 1e-2 if half else 1e-4

    if a.mha:
        B, Hq, Sq, _ = q.shape
        Hkv = k.shape[1]
        slopes = load(a.dir, f("arg3")) if a.alibi else None
        want_out = np.zeros(got_out.shape)
        want_lse = np.zeros(got_lse.shape)
        for b in range(B):
            for h in range(Hq):
                kh = h // (Hq // Hkv)
                want_out[b, h], want_lse[b, h] = attention_rows(q[b, h], k[b, kh], v[b, kh], slopes, h, a)
    else:
        cq = np.load(os.path.join(a.dir, f("arg3")))
        ck = np.load(os.path.join(a.dir, f("arg4")))
        slopes = load(a.dir, f("arg5")) if a.alibi else None
        Hq, Hkv = q.shape[1], k.shape[1]
        want_out = np.zeros(got_out.shape)
        want_lse = np.full(got_lse.shape, -np.inf)
        for b in range(len(cq) - 1):
            qs, qe, ks, ke = cq[b], cq[b + 1], ck[b], ck[b + 1]
            for h in range(Hq):
                kh = h // (Hq // Hkv)
                o, l = attention_rows(q[qs:qe, h], k[ks:ke, kh], v[ks:ke, kh], slopes, h, a)
                want_out[qs:qe, h] = o
                want_lse[h, qs:qe] = l

    ok = True
    for name, got, want in (("out", got_out, want_out), ("lse", got_lse, want_lse)):
        if got.shape != want.shape:
            print(f"{a.func} {name}: shape {got.shape} != {want.shape}  FAIL")
            ok = False
            continue
        same_inf = np.isinf(want) & (got == want)
        with np.errstate(invalid="ignore"):  # inf - inf where both are -inf
            err = np.where(same_inf, 0.0, np.abs(got - want))
        bad = ~(err <= tol + tol * np.where(same_inf, 0.0, np.abs(want)))
        verdict = "FAIL" if bad.any() else "PASS"
        ok &= not bad.any()
        print(f"{a.func} {name}: numpy max_abs_err={np.nanmax(err):.3e} bad={int(bad.sum())}  {verdict}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
