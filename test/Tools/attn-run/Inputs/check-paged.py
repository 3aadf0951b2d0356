#!/usr/bin/python3
"""Checks what `attn-run --save=DIR` wrote for an attn.paged_attention function
whose arguments are (q, k_cache, v_cache, block_tables, seq_lens,
query_start_loc[, alibi]) and whose results are (out[, lse]), with numpy
only (nothing shared with attn-run's C code):

  - the generated layout follows the op's preconditions, and every cache slot
    no sequence reads is NaN (every slot a sequence reads is finite);
  - out and lse recomputed in float64 from the saved inputs match the saved
    results (f32 1e-4, f16/bf16 1e-2).

Usage: check-paged.py DIR FUNC [--causal] [--window-left N] [--window-right N]
                      [--softcap C] [--scale S]
Prints one line per check and exits 1 if any fails.
"""
import argparse
import os
import sys

import numpy as np


def load(d, func, name):
    return np.load(os.path.join(d, f"{func}.{name}.npy"))


def check_layout(k, table, seq_lens, qsl, tq):
    nb, bs = k.shape[:2]
    problems = []
    if qsl[0] != 0 or (np.diff(qsl) < 0).any() or qsl[-1] > tq:
        problems.append(f"query_start_loc {qsl.tolist()}")
    read = np.zeros((nb, bs), dtype=bool)
    for b, n in enumerate(seq_lens):
        q_len = qsl[b + 1] - qsl[b]
        if not (q_len <= n <= table.shape[1] * bs):
            problems.append(f"seq_lens[{b}] = {n} with {q_len} queries")
            continue
        blocks = table[b, : -(-n // bs)]
        if ((blocks < 0) | (blocks >= nb)).any():
            problems.append(f"block_tables[{b}] = {table[b].tolist()}")
            continue
        for j in range(n):
            read[blocks[j // bs], j % bs] = True
    nan = np.isnan(k.astype(np.float64)).reshape(nb, bs, -1)
    if not nan[~read].all() or nan[read].any():
        problems.append("NaN does not mark exactly the unread cache slots")
    return problems


def attend(q, k, v, pos, slope, a):
    """Rows of one head: q[n,D] at positions pos, keys k[s,D], v[s,Dv]."""
    scale = a.scale if a.scale is not None else 1.0 / np.sqrt(q.shape[1])
    s = float(np.float32(scale)) * (q @ k.T)
    if a.softcap is not None:
        c = float(np.float32(a.softcap))
        s = c * np.tanh(s / c)
    i, j = pos[:, None], np.arange(k.shape[0])[None, :]
    if slope is not None:
        s = s - slope * np.abs(i - j)
    visible = np.ones(s.shape, dtype=bool)
    if a.causal:
        visible &= j <= i
    if a.window_left is not None:
        visible &= j >= i - a.window_left
    if a.window_right is not None:
        visible &= j <= i + a.window_right
    s = np.where(visible, s, -np.inf)
    out, lse = np.zeros((q.shape[0], v.shape[1])), np.full(q.shape[0], -np.inf)
    for r in range(q.shape[0]):
        if visible[r].any():
            m = s[r].max()
            p = np.exp(s[r] - m)
            out[r], lse[r] = (p @ v) / p.sum(), m + np.log(p.sum())
    return out, lse


def reference(q, k, v, table, seq_lens, qsl, alibi, a):
    tq, hq, _ = q.shape
    bs, hkv = k.shape[1], k.shape[2]
    out, lse = np.zeros((tq, hq, v.shape[3])), np.full((hq, tq), -np.inf)
    for b, n in enumerate(seq_lens):
        t0, t1 = qsl[b], qsl[b + 1]
        j = np.arange(n)
        keys = k[table[b, j // bs], j % bs]  # n x Hkv x D
        values = v[table[b, j // bs], j % bs]
        pos = n - (t1 - t0) + np.arange(t1 - t0)
        for h in range(hq):
            g = h // (hq // hkv)
            slope = None if alibi is None else alibi[h]
            o, l = attend(q[t0:t1, h], keys[:, g], values[:, g], pos, slope, a)
            out[t0:t1, h], lse[h, t0:t1] = o, l
    return out, lse


def compare(name, got, want, tol):
    both_inf = np.isinf(got) & np.isinf(want) & (np.sign(got) == np.sign(want))
    with np.errstate(invalid="ignore"):
        err = np.where(both_inf, 0.0, np.abs(got - want))
    bad = ~(err <= tol + tol * np.abs(np.where(both_inf, 0.0, want)))
    print(f"{name}: numpy max_abs_err={np.nanmax(err) if err.size else 0:.3e}  "
          f"{'FAIL' if bad.any() else 'PASS'}")
    return not bad.any()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("func")
    ap.add_argument("--causal", action="store_true")
    ap.add_argument("--window-left", type=int)
    ap.add_argument("--window-right", type=int)
    ap.add_argument("--softcap", type=float)
    ap.add_argument("--scale", type=float)
    a = ap.parse_args()
    f = lambda n: load(a.dir, a.func, n)
    q, k, v = f("arg0"), f("arg1"), f("arg2")
    table, seq_lens, qsl = f("arg3"), f("arg4"), f("arg5")
    alibi = f("arg6").astype(np.float64) if os.path.exists(
        os.path.join(a.dir, f"{a.func}.arg6.npy")) else None
    problems = check_layout(k, table, seq_lens, qsl, q.shape[0])
    problems += check_layout(v, table, seq_lens, qsl, q.shape[0])
    print(f"{a.func} layout: {'; '.join(problems) if problems else 'valid'}")
    ok = not problems
    # Nothing unread may matter: zero the NaNs so a wrong read would differ.
    k64, v64 = (np.nan_to_num(x.astype(np.float64), nan=0.0) for x in (k, v))
    out, lse = reference(q.astype(np.float64), k64, v64, table, seq_lens, qsl, alibi, a)
    half = q.dtype == np.float16 or not (q.view(np.uint32) & 0xFFFF).any()
    tol = 1e-2 if half else 1e-4
    ok &= compare(f"{a.func} out", load(a.dir, a.func, "result0").astype(np.float64), out, tol)
    if os.path.exists(os.path.join(a.dir, f"{a.func}.result1.npy")):
        ok &= compare(f"{a.func} lse", load(a.dir, a.func, "result1").astype(np.float64), lse, tol)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
