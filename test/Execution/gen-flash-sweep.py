#!/usr/bin/python3
"""Writes the issue-3 numerics matrix for attn-run: modules of attn.mha /
attn.mha_varlen functions, the varlen offsets some of them need, and for each
attn-run invocation a FileCheck file that names every expected result line in
order (a dropped or extra result fails the check).

The matrix is a covering design, not a product: every value of every axis
appears, combined with the interesting values of the others, in groups:

  A  dtype x D            every (f32|f16|bf16, 32..256) pair; sequences, causal,
                          GQA, features and lse rotate underneath.
  B  (Sq, Sk) x causal    all 25 pairs of {1, 17, 128, 1000, 4097}, causal and not
                          (bottom-right alignment: Sq > Sk masks whole rows).
  T  tile edges           16/127/129/255/257 around BLOCK_M=16, BLOCK_N=128.
  C  GQA x causal         ratios 1, 4, 7, 8 and MQA, each causal and not, two
                          shapes each, with batch > 1, alibi and windows mixed in.
  W  windows              diagonal-only, windows that mask whole rows and whole
                          query tiles (Sq > Sk), small left windows with Sk >> Sq
                          (whole KV tiles skipped), tile-edge widths, windows as
                          wide as / wider than the sequence, INT64_MAX.
  F  features             softcap, alibi, explicit scale (sharp softmax), Dv != D,
                          batch, each per dtype and causal/not, lse throughout.
  V  varlen, random       attn-run's offsets (one empty sequence when B > 1):
                          length-1 sequences, sequences over one 128-key tile.
  X  varlen, fixed        given offsets (.npy): empty q, empty k, both empty,
                          length 1, multi-tile, Sq > Sk, query and key tails
                          past cu_seqlens[B].
  D  dynamic shapes       the same functions at several runtime sizes.
  R  --reference          a small subset through the reference lowering.

Deterministic structure; attn-run draws fresh random inputs each run.
Usage: gen-flash-sweep.py --out-dir DIR [--stats]
Writes DIR/<shard>.mlir, DIR/<run>.check, DIR/*.npy and prints one summary line.
"""
import argparse
import itertools
import os
import struct
import sys

DTYPES = ["f32", "f16", "bf16"]
HEAD_DIMS = [32, 64, 80, 96, 128, 192, 256]
SEQS = [1, 17, 128, 1000, 4097]
TILE_EDGES = [16, 127, 129, 255, 257]
# GQA ratio -> (Hq, Hkv). Ratios 4/7/8 with two KV heads so the head mapping
# h // ratio is exercised; MQA is Hkv = 1 with a non-power-of-two Hq.
GQA = {"1": (3, 3), "4": (8, 2), "7": (14, 2), "8": (16, 2), "mqa": (6, 1)}
GQA_NAMES = list(GQA)
# Cheap head configurations for the large shapes, one per ratio.
GQA_CHEAP = {"1": (1, 1), "4": (4, 1), "7": (7, 1), "8": (8, 1), "mqa": (2, 1)}
I64_MAX = 2**63 - 1

# Work of one case in "units" (B*Hq*Sq*Sk*max(D, Dv)); the double reference
# and the reference lowering each cost a few ns per unit on one core.
UNIT_BUDGET = 600e6


class Case:
    def __init__(self, group, dtype, d, sq, sk, hq, hkv, b=1, dv=None, causal=False, wl=None, wr=None,
                 softcap=None, scale=None, alibi=False, lse=False, varlen=False, dyn_q=False, dyn_k=False,
                 gqa=None, tag=""):
        self.group, self.dtype, self.d, self.sq, self.sk = group, dtype, d, sq, sk
        self.hq, self.hkv, self.b, self.dv = hq, hkv, b, d if dv is None else dv
        self.causal, self.wl, self.wr, self.softcap, self.scale = causal, wl, wr, softcap, scale
        self.alibi, self.lse, self.varlen, self.dyn_q, self.dyn_k = alibi, lse, varlen, dyn_q, dyn_k
        assert hq % hkv == 0
        self.gqa = gqa or ("mqa" if hkv == 1 and hq > 1 else str(hq // hkv))
        self.tag = tag
        self.name = None

    def units(self):
        w = self.b * self.hq * self.sq * self.sk * max(self.d, self.dv)
        return w / self.b if self.varlen else w  # varlen: about Tq*Tk/B per head

    def label(self):
        parts = [self.dtype, f"d{self.d}" + (f"v{self.dv}" if self.dv != self.d else ""),
                 f"{'?' if self.dyn_q else self.sq}x{'?' if self.dyn_k else self.sk}".replace("?", "dyn"),
                 f"h{self.hq}x{self.hkv}"]
        if self.b != 1:
            parts.append(f"b{self.b}")
        if self.causal:
            parts.append("causal")
        if self.wl is not None:
            parts.append("wl" + ("max" if self.wl == I64_MAX else str(self.wl)))
        if self.wr is not None:
            parts.append("wr" + ("max" if self.wr == I64_MAX else str(self.wr)))
        if self.softcap is not None:
            parts.append(f"cap{self.softcap:g}".replace(".", "p"))
        if self.scale is not None:
            parts.append(f"scale{self.scale:g}".replace(".", "p"))
        if self.alibi:
            parts.append("alibi")
        if self.lse:
            parts.append("lse")
        if self.tag:
            parts.append(self.tag)
        return "_".join(parts)

    # -- IR ------------------------------------------------------------------
    def _attrs(self):
        a = []
        if self.scale is not None:
            a.append(f"scale = {self.scale!r} : f32")
        if self.causal:
            a.append("causal")
        if self.wl is not None:
            a.append(f"window_left = {self.wl} : i64")
        if self.wr is not None:
            a.append(f"window_right = {self.wr} : i64")
        if self.softcap is not None:
            a.append(f"softcap = {self.softcap!r} : f32")
        return " {" + ", ".join(a) + "}" if a else ""

    def types(self):
        """(argument types, result types) as MLIR type strings."""
        sq = "?" if self.dyn_q else str(self.sq)
        sk = "?" if self.dyn_k else str(self.sk)
        t = self.dtype
        if self.varlen:
            args = [f"tensor<{sq}x{self.hq}x{self.d}x{t}>", f"tensor<{sk}x{self.hkv}x{self.d}x{t}>",
                    f"tensor<{sk}x{self.hkv}x{self.dv}x{t}>", f"tensor<{self.b + 1}xi32>",
                    f"tensor<{self.b + 1}xi32>"]
            res = [f"tensor<{sq}x{self.hq}x{self.dv}x{t}>"] + ([f"tensor<{self.hq}x{sq}xf32>"] if self.lse else [])
        else:
            b = self.b
            args = [f"tensor<{b}x{self.hq}x{sq}x{self.d}x{t}>", f"tensor<{b}x{self.hkv}x{sk}x{self.d}x{t}>",
                    f"tensor<{b}x{self.hkv}x{sk}x{self.dv}x{t}>"]
            res = [f"tensor<{b}x{self.hq}x{sq}x{self.dv}x{t}>"] + ([f"tensor<{b}x{self.hq}x{sq}xf32>"]
                                                                    if self.lse else [])
        if self.alibi:
            args.append(f"tensor<{self.hq}xf32>")
        return args, res

    def mlir(self):
        args, res = self.types()
        names = ["%q", "%k", "%v"] + (["%cq", "%ck"] if self.varlen else []) + (["%slopes"] if self.alibi else [])
        operands = names[:5] if self.varlen else names[:3]
        alibi = " alibi(%slopes)" if self.alibi else ""
        op = "attn.mha_varlen" if self.varlen else "attn.mha"
        rs = ", ".join(res)
        rnames = "%o, %l" if self.lse else "%o"
        sig = ", ".join(f"{n}: {t}" for n, t in zip(names, args))
        return (f"func.func @{self.name}({sig}) -> ({rs}) {{\n"
                f"  {rnames} = {op} {', '.join(operands)}{alibi}{self._attrs()} : ({', '.join(args)}) -> ({rs})\n"
                f"  return {rnames} : {rs}\n}}\n")

    def result_lines(self, dyn_size=None):
        """The `@name result N (kind shape)` prefixes attn-run prints."""
        sq = dyn_size if self.dyn_q else self.sq
        if self.varlen:
            out, lse = [sq, self.hq, self.dv], [self.hq, sq]
        else:
            out, lse = [self.b, self.hq, sq, self.dv], [self.b, self.hq, sq]
        fmt = lambda dims: "x".join(str(x) for x in dims)
        lines = [f"@{self.name} result 0 (out {fmt(out)}x{self.dtype})"]
        if self.lse:
            lines.append(f"@{self.name} result 1 (lse {fmt(lse)}xf32)")
        return lines


def rot(seq, i):
    return seq[i % len(seq)]


def cheap_heads(gqa, work_per_head):
    """The GQA configuration named `gqa`, its cheap variant if the full one is too much work."""
    hq, hkv = GQA[gqa]
    if hq * work_per_head <= UNIT_BUDGET / 3:
        return hq, hkv
    hq, hkv = GQA_CHEAP[gqa]
    while hq > 1 and hq * work_per_head > UNIT_BUDGET and hq % 2 == 0 and gqa != "7":
        hq //= 2
    return hq, hkv


def feature(c, f):
    """Applies a named feature bundle to case c."""
    if f == "softcap":
        c.softcap = 20.0
    elif f == "alibi":
        c.alibi = True
    elif f == "window":
        c.wl, c.wr = 9, 2
    elif f == "scale":
        c.scale = 0.5
    elif f == "cap+alibi":
        c.softcap, c.alibi = 8.0, True
    return c


# -- groups --------------------------------------------------------------------


def group_a():
    """Every dtype with every head dim."""
    seqs = [(128, 128), (17, 1000), (1000, 17), (129, 257), (16, 127), (1, 128), (127, 129)]
    feats = ["", "softcap", "", "alibi", "", "window", "scale"]
    out = []
    for t, dtype in enumerate(DTYPES):
        for j, d in enumerate(HEAD_DIMS):
            sq, sk = rot(seqs, j + 3 * t)
            gqa = rot(GQA_NAMES, j + 2 * t)
            hq, hkv = GQA[gqa]
            b = 2 if (j + t) % 4 == 1 else 1
            c = Case("a", dtype, d, sq, sk, hq, hkv, b=b, causal=(j + t) % 2 == 0, lse=(2 * j + t) % 3 != 0, gqa=gqa)
            out.append(feature(c, rot(feats, j + 4 * t)))
    return out


def group_b():
    """Every (Sq, Sk) pair, causal and not: mask alignment, no other feature."""
    out = []
    n = 0
    for sq, sk in itertools.product(SEQS, SEQS):
        for causal in (False, True):
            area = sq * sk
            if area >= 4097 * 1000:
                d = rot([32, 64], n // 2) if area < 4097 * 4097 else 32
            elif area >= 1000 * 1000:
                d = rot([32, 64, 80, 96], n)
            else:
                d = rot(HEAD_DIMS, 3 * n + 1)
            gqa = rot(GQA_NAMES, n // 2 + n % 2 * 2)
            hq, hkv = cheap_heads(gqa, area * d)
            b = 2 if area * d * hq <= 2e6 and n % 3 == 0 else 1
            out.append(Case("b", rot(DTYPES, n), d, sq, sk, hq, hkv, b=b, causal=causal,
                            lse=(n // 2 + causal) % 2 == 1, gqa=gqa))
            n += 1
    return out


def group_t():
    """Sizes around the CPU tiles (BLOCK_M = 16 rows, BLOCK_N = 128 keys)."""
    out = []
    pairs = [(16, 16), (16, 128), (127, 127), (129, 129), (16, 255), (255, 16), (257, 257), (129, 127),
             (15, 129), (33, 256)]
    for n, (sq, sk) in enumerate(pairs):
        gqa = rot(GQA_NAMES, n)
        hq, hkv = GQA_CHEAP[gqa]
        out.append(Case("t", rot(DTYPES, n + 1), rot([64, 128, 80, 32, 96], n), sq, sk, hq, hkv,
                        causal=n % 2 == 0, lse=n % 3 != 1, gqa=gqa))
    return out


def group_c():
    """Every GQA ratio, causal and not, on two shapes each."""
    seqs = [(1, 4097), (17, 128), (128, 1000), (1000, 129), (257, 257), (16, 1000), (4097, 17)]
    out = []
    n = 0
    for g, gqa in enumerate(GQA_NAMES):
        for causal in (False, True):
            for s in range(2):
                sq, sk = rot(seqs, 2 * g + s + (3 if causal else 0))
                d = rot([64, 128, 80, 96, 32, 256, 192], n)
                b = 2 if n % 3 == 0 else 1
                hq, hkv = GQA[gqa]
                while b * hq * sq * sk * d > UNIT_BUDGET / 2 and d > 32:
                    d //= 2
                c = Case("c", rot(DTYPES, n), d, sq, sk, hq, hkv, b=b, causal=causal, lse=n % 2 == 1, gqa=gqa,
                         alibi=n % 4 == 3)
                if n % 5 == 2:
                    c.wl = 33
                out.append(c)
                n += 1
    return out


def group_w():
    """Windows. (wl, wr, (Sq, Sk), causal variants, note)."""
    M = I64_MAX
    specs = [
        (0, 0, (128, 128), (False, True)),  # the diagonal only
        (0, 0, (1000, 17), (False, True)),  # Sq > Sk: 983 rows (61 query tiles) see no key
        (0, 0, (17, 1000), (False, True)),  # the diagonal at the right end; other KV tiles skipped
        (0, 0, (4097, 128), (False,)),  # 3969 rows masked
        (0, None, (1000, 1000), (False, True)),  # left-bounded only: diagonal and everything right of it
        (3, None, (17, 4097), (False, True)),  # causal: only the last KV tile is touched
        (3, 0, (128, 4097), (False,)),  # the same band without causal
        (16, None, (1, 4097), (False, True)),  # decode with a sliding window
        (None, 0, (1000, 17), (False,)),  # right-bounded only: = causal, masks rows
        (None, 5, (17, 1000), (False, True)),
        (None, 130, (128, 1000), (False,)),
        (15, 15, (1000, 1000), (False,)),  # widths around the tiles
        (16, 16, (1000, 1000), (True,)),
        (127, 0, (1000, 1000), (False,)),
        (128, 1, (1000, 1000), (True,)),
        (129, 129, (1000, 1000), (False,)),
        (255, None, (1000, 1000), (True,)),  # sliding-window causal
        (40, 7, (257, 129), (False, True)),  # asymmetric, Sq > Sk
        (7, 40, (129, 257), (False, True)),
        (999, 999, (1000, 1000), (False,)),  # as wide as the sequence
        (1000, None, (1000, 1000), (True,)),
        (5000, 5000, (1000, 17), (False, True)),  # wider than the sequence
        (M, M, (17, 128), (False, True)),  # INT64_MAX: no overflow in i + off - j arithmetic
        (M, 0, (128, 17), (False,)),
        (0, M, (17, 17), (False,)),
        (2, 2, (4097, 4097), (True,)),  # a narrow band over a long square: almost every tile skipped
    ]
    out = []
    n = 0
    for wl, wr, (sq, sk), causals in specs:
        for causal in causals:
            gqa = rot(GQA_NAMES, n)
            area = sq * sk
            d = rot([32, 64, 80, 96, 128], n) if area <= 2e5 else rot([32, 64], n)
            if area >= 4097 * 4097:
                d = 32
            hq, hkv = cheap_heads(gqa, area * d)
            masks_rows = sq > sk and (causal or wr is not None and wr < sq - sk)
            c = Case("w", rot(DTYPES, n), d, sq, sk, hq, hkv, causal=causal, wl=wl, wr=wr,
                     lse=masks_rows or n % 2 == 0, alibi=n % 7 == 3, gqa=gqa)
            out.append(c)
            n += 1
    return out


def group_f():
    """softcap, alibi, explicit scale, Dv != D and batch, per dtype and causal/not."""
    out = []
    seqs = [(128, 128), (17, 1000), (1000, 128), (1, 257), (257, 17), (129, 129)]
    n = 0
    for dtype in DTYPES:
        for causal in (False, True):
            sq, sk = rot(seqs, n)
            # softcap, a strong one with a large scale so tanh saturates
            out.append(Case("f", dtype, rot([64, 128, 96], n), sq, sk, *GQA_CHEAP[rot(GQA_NAMES, n)],
                            causal=causal, softcap=rot([30.0, 5.0, 1.0], n), lse=n % 2 == 0))
            # alibi with GQA (slopes per query head), Sq != Sk both ways
            sq, sk = rot(seqs, n + 2)
            gqa = rot(["4", "mqa", "8", "1", "7"], n)
            hq, hkv = cheap_heads(gqa, sq * sk * 64)
            out.append(Case("f", dtype, rot([64, 32, 80], n), sq, sk, hq, hkv, causal=causal, alibi=True,
                            lse=n % 2 == 1, gqa=gqa))
            # explicit scale: tiny (flat softmax) and 4.0 (sharp; the running max moves a lot)
            sq, sk = rot(seqs, n + 4)
            out.append(Case("f", dtype, rot([128, 64, 256], n), sq, sk, 2, 1, causal=causal,
                            scale=rot([4.0, 0.01, 1.0], n), lse=True))
            n += 1
    # all at once
    out.append(Case("f", "bf16", 128, 1000, 1000, 4, 2, causal=True, wl=200, softcap=15.0, alibi=True, lse=True,
                    scale=0.1))
    out.append(Case("f", "f16", 64, 300, 700, 3, 1, wl=50, wr=300, softcap=2.0, alibi=True, lse=True, scale=1.5))
    out.append(Case("f", "f32", 96, 700, 300, 7, 7, causal=True, wr=0, softcap=50.0, alibi=True, lse=True))
    # softcap saturating hard: scale 4, cap 0.5
    out.append(Case("f", "f16", 128, 129, 300, 2, 2, softcap=0.5, scale=4.0, lse=True))
    # nearly one-hot rows: the running max jumps by hundreds between key tiles
    out.append(Case("f", "bf16", 64, 129, 1000, 2, 1, scale=100.0, lse=True))
    # Dv != D
    out.append(Case("f", "bf16", 192, 257, 300, 4, 1, dv=128, causal=True, lse=True))
    out.append(Case("f", "f16", 64, 129, 129, 2, 2, dv=32, alibi=True))
    out.append(Case("f", "f32", 32, 100, 1000, 4, 2, dv=256, causal=True, wl=100, lse=True))
    out.append(Case("f", "bf16", 256, 17, 4097, 8, 1, dv=64))
    out.append(Case("f", "f16", 256, 4097, 17, 2, 1, causal=True, lse=True))  # 4080 rows masked
    out.append(Case("f", "f16", 80, 300, 129, 3, 3, dv=96, softcap=10.0, lse=True))
    # batch: several batches with GQA (batch and head strides), decode batch
    out.append(Case("f", "f16", 64, 200, 333, 8, 2, b=3, causal=True, lse=True))
    out.append(Case("f", "bf16", 128, 1, 1000, 8, 1, b=4, wl=300, lse=True))
    out.append(Case("f", "f32", 32, 129, 17, 4, 4, b=5, causal=True, lse=True, alibi=True))
    return out


def group_v():
    """mha_varlen with attn-run's random offsets (a random empty sequence when B > 1)."""
    # (B, Tq, Tk): every non-empty query sequence of length 1 (Tq = B - 1),
    # every key sequence of length 1, long sequences over several key tiles.
    shapes = [(4, 1000, 1000), (8, 7, 300), (8, 300, 7), (3, 600, 17), (2, 17, 4097), (5, 129, 129),
              (1, 1000, 4097), (6, 6, 6), (3, 2000, 2000), (2, 1, 1)]
    feats = ["", "window", "softcap", "alibi", "", "cap+alibi", "scale"]
    out = []
    n = 0
    for b, tq, tk in shapes:
        for causal in (False, True) if n < 12 else (True,):
            gqa = rot(GQA_NAMES, n)
            d = rot([64, 128, 80, 32, 96, 256, 192], n)
            hq, hkv = GQA[gqa]
            while hq * tq * tk * d / max(b, 1) > UNIT_BUDGET / 4 and d > 32:
                d //= 2
            if hq * tq * tk * d / max(b, 1) > UNIT_BUDGET / 4:
                hq, hkv = GQA_CHEAP[gqa]
            c = Case("v", rot(DTYPES, n), d, tq, tk, hq, hkv, b=b, causal=causal, varlen=True, lse=n % 3 != 2,
                     gqa=gqa)
            out.append(feature(c, rot(feats, n)))
            n += 1
    return out


# Fixed offsets, given to attn-run as .npy files. Per sequence (len_q, len_k):
FIXED_PATTERNS = {
    # empty q / nonempty k, q with no keys, length 1, multi-tile Sq < Sk,
    # Sq > Sk (causal masks rows), just over one key tile, both empty,
    # multi-tile Sq > Sk; then 10 query and 34 key tokens past cu[B].
    "mixed": ([(0, 5), (1, 0), (1, 1), (148, 400), (17, 1), (3, 129), (0, 0), (200, 130)], 10, 34),
    # decode: one query per sequence against 1, 17, 128, 1000, 4097 keys;
    # the last 2 query tokens belong to no sequence.
    "decode": ([(1, 1), (1, 17), (1, 128), (1, 1000), (1, 4097)], 2, 0),
    # length-1 everything, with empty sequences in between and a long tail.
    "ones": ([(1, 1), (0, 0), (1, 1), (1, 1), (0, 1), (1, 1)], 20, 3),
}


def group_x():
    out = {}
    for pname, (seqs, tail_q, tail_k) in FIXED_PATTERNS.items():
        b = len(seqs)
        tq = sum(s[0] for s in seqs) + tail_q
        tk = sum(s[1] for s in seqs) + tail_k
        cases = []
        for n in range(8):
            gqa = rot(GQA_NAMES, n)
            hq, hkv = GQA[gqa] if pname != "decode" else GQA_CHEAP[gqa]
            c = Case("x", rot(DTYPES, n), rot([64, 128, 32, 80, 256, 96, 192, 64], n), tq, tk, hq, hkv, b=b,
                     causal=n % 2 == 1, varlen=True, lse=n != 4, gqa=gqa, tag=pname)
            cases.append(feature(c, rot(["", "", "window", "alibi", "softcap", "", "cap+alibi", "scale"], n)))
        cases[0].wl = 0  # diagonal windows on the masked-row sequences
        cases[1].wl, cases[1].wr = 3, 0
        out[pname] = (seqs, cases)
    return out


def group_d():
    """Dynamic Sq and/or Sk: one module, run at several --dynamic-size values."""
    return [
        Case("d", "f16", 64, 0, 0, 4, 2, causal=True, lse=True, dyn_q=True, dyn_k=True),
        Case("d", "bf16", 128, 0, 129, 4, 1, dyn_q=True, lse=True),
        Case("d", "f32", 80, 17, 0, 3, 3, causal=True, alibi=True, dyn_k=True),
        Case("d", "f16", 96, 0, 0, 2, 2, wl=16, wr=0, lse=True, dyn_q=True, dyn_k=True),
        Case("d", "bf16", 32, 1000, 0, 2, 1, causal=True, softcap=5.0, lse=True, dyn_k=True),
        Case("d", "f32", 64, 0, 0, 7, 1, b=3, varlen=True, causal=True, lse=True, dyn_q=True, dyn_k=True),
    ]


DYNAMIC_SIZES = [1, 17, 1000]


def group_r(all_cases):
    """Through --reference: a cheap, varied subset (two per group, causal and not)."""
    picked = []
    seen = set()
    for c in all_cases:
        key = (c.group, c.causal)
        if c.units() <= 5e6 and key not in seen and not c.dyn_q and not c.dyn_k and c.group != "x":
            seen.add(key)
            picked.append(c)
    return picked


# -- coverage ------------------------------------------------------------------


def check_coverage(cases):
    """Fails loudly if an axis value or a required pairing disappears."""
    mha = [c for c in cases if not c.varlen and not c.dyn_q and not c.dyn_k]
    var = [c for c in cases if c.varlen]
    need = {
        "dtype x D": ({(c.dtype, c.d) for c in mha}, set(itertools.product(DTYPES, HEAD_DIMS))),
        "(Sq,Sk) x causal": ({(c.sq, c.sk, c.causal) for c in mha},
                             {(a, b, k) for a in SEQS for b in SEQS for k in (False, True)}),
        "GQA x causal": ({(c.gqa, c.causal) for c in mha}, set(itertools.product(GQA_NAMES, (False, True)))),
        "D x causal": ({(c.d, c.causal) for c in mha}, set(itertools.product(HEAD_DIMS, (False, True)))),
        "D x lse": ({c.d for c in mha if c.lse}, set(HEAD_DIMS)),
        "dtype x softcap/alibi/window/lse x causal": (
            {(c.dtype, f, c.causal) for c in mha for f, on in
             (("softcap", c.softcap is not None), ("alibi", c.alibi), ("window", c.wl is not None or c.wr is not None),
              ("lse", c.lse)) if on},
            set(itertools.product(DTYPES, ("softcap", "alibi", "window", "lse"), (False, True)))),
        "S x dtype (Sq and Sk)": ({(s, c.dtype) for c in mha for s in (c.sq, c.sk)},
                                  set(itertools.product(SEQS, DTYPES))),
        "tile edges as Sq and as Sk": ({(s, w) for c in mha for s, w in ((c.sq, "q"), (c.sk, "k"))},
                                       set(itertools.product(TILE_EDGES, "qk"))),
        "GQA x dtype": ({(c.gqa, c.dtype) for c in mha}, set(itertools.product(GQA_NAMES, DTYPES))),
        "varlen dtype x causal": ({(c.dtype, c.causal) for c in var}, set(itertools.product(DTYPES, (False, True)))),
        "varlen GQA": ({c.gqa for c in var}, set(GQA_NAMES)),
    }
    for what, (have, want) in need.items():
        missing = want - have
        if missing:
            sys.exit(f"gen-flash-sweep.py: coverage lost for {what}: {sorted(missing, key=str)}")


# -- output --------------------------------------------------------------------


def write_npy_i32(path, values):
    header = "{'descr': '<i4', 'fortran_order': False, 'shape': (%d,), }" % len(values)
    pad = 64 - (10 + len(header) + 1) % 64
    header += " " * (pad % 64) + "\n"
    with open(path, "wb") as f:
        f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode("latin1"))
        f.write(struct.pack(f"<{len(values)}i", *values))


def name_all(cases, used):
    for c in cases:
        if c.name is None:
            base = f"{c.group}{sum(1 for x in used if x.startswith(c.group))}_{c.label()}"
            c.name = base
            used.add(base)


def write_shard(out_dir, shard, cases, header):
    with open(os.path.join(out_dir, shard + ".mlir"), "w") as f:
        f.write(f"// Generated by gen-flash-sweep.py: {header}\n\n")
        for c in cases:
            f.write(c.mlir() + "\n")


def write_check(out_dir, run, shard, cases, pipeline=None, dyn_size=None):
    lines = [f"CHECK: attn-run: {{{{(.*/)?}}}}{shard}.mlir seed={{{{[0-9]+}}}} pipeline="
             + (pipeline if pipeline else "{{[a-z-]+}}") + "{{( .*)?$}}"]  # room for more fields
    n = 0
    for c in cases:
        for line in c.result_lines(dyn_size):
            lines.append(f"CHECK-NEXT: {line}: max_abs_err={{{{.*}}}}  PASS{{{{$}}}}")
            n += 1
    lines.append("CHECK-NOT: {{.}}")
    with open(os.path.join(out_dir, run + ".check"), "w") as f:
        f.write("\n".join(lines) + "\n")
    return n


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out-dir", required=True)
    ap.add_argument("--stats", action="store_true", help="also print per-group counts and work to stderr")
    a = ap.parse_args()
    os.makedirs(a.out_dir, exist_ok=True)

    used = set()
    shards = {
        "mha-dtype-dim": group_a(),
        "mha-seqs": group_b() + group_t(),
        "mha-gqa-windows": group_c() + group_w(),
        "mha-features": group_f(),
        "varlen-random": group_v(),
    }
    for cases in shards.values():
        name_all(cases, used)
    fixed = group_x()
    for pname, (_, cases) in fixed.items():
        name_all(cases, used)
    dyn = group_d()
    name_all(dyn, used)
    everything = [c for cs in shards.values() for c in cs] + [c for _, cs in fixed.values() for c in cs]
    check_coverage(everything)
    ref = group_r(everything)

    total_results = 0
    total_funcs = 0
    units = 0.0
    for shard, cases in shards.items():
        write_shard(a.out_dir, shard, cases, shard)
        total_results += write_check(a.out_dir, shard, shard, cases)
        total_funcs += len(cases)
        units += sum(c.units() for c in cases)
    for pname, (seqs, cases) in fixed.items():
        shard = "varlen-fixed-" + pname
        write_shard(a.out_dir, shard, cases, f"varlen with the fixed offsets '{pname}' ({shard}.cu_q.npy, .cu_k.npy)")
        cu_q, cu_k = [0], [0]
        for lq, lk in seqs:
            cu_q.append(cu_q[-1] + lq)
            cu_k.append(cu_k[-1] + lk)
        write_npy_i32(os.path.join(a.out_dir, shard + ".cu_q.npy"), cu_q)
        write_npy_i32(os.path.join(a.out_dir, shard + ".cu_k.npy"), cu_k)
        total_results += write_check(a.out_dir, shard, shard, cases)
        total_funcs += len(cases)
        units += sum(c.units() for c in cases)
    write_shard(a.out_dir, "dynamic", dyn, "dynamic sizes, run at --dynamic-size=" + ",".join(map(str, DYNAMIC_SIZES)))
    for s in DYNAMIC_SIZES:
        total_results += write_check(a.out_dir, f"dynamic-{s}", "dynamic", dyn, dyn_size=s)
        total_funcs += len(dyn)
        for c in dyn:
            sq, sk = (s if c.dyn_q else c.sq), (s if c.dyn_k else c.sk)
            units += c.b * c.hq * sq * sk * max(c.d, c.dv) / (c.b if c.varlen else 1)
    ref_copies = []
    for c in ref:
        r = Case(c.group, c.dtype, c.d, c.sq, c.sk, c.hq, c.hkv, b=c.b, dv=c.dv, causal=c.causal, wl=c.wl, wr=c.wr,
                 softcap=c.softcap, scale=c.scale, alibi=c.alibi, lse=c.lse, varlen=c.varlen, gqa=c.gqa)
        r.name = "ref_" + c.name
        ref_copies.append(r)
    write_shard(a.out_dir, "reference", ref_copies, "a subset through --reference")
    total_results += write_check(a.out_dir, "reference", "reference", ref_copies, pipeline="attn-to-cpu-reference")
    total_funcs += len(ref_copies)
    units += sum(c.units() for c in ref_copies)

    # The verifier refuses negative windows; the test checks that it still
    # does (if that changes, negative windows need numerics cases here).
    with open(os.path.join(a.out_dir, "negative-window.mlir"), "w") as f:
        neg = Case("w", "f16", 32, 17, 17, 1, 1, wl=2, wr=-1)
        neg.name = "negative_window_right"
        f.write(neg.mlir())

    if a.stats:
        for shard, cases in list(shards.items()) + [("varlen-fixed-" + p, cs) for p, (_, cs) in fixed.items()] + [
                ("dynamic (per size)", dyn), ("reference", ref_copies)]:
            print(f"{shard}: {len(cases)} functions, {sum(c.units() for c in cases) / 1e6:.0f}M units", file=sys.stderr)
        big = sorted(everything, key=lambda c: -c.units())[:8]
        for c in big:
            print(f"  {c.name}: {c.units() / 1e6:.0f}M", file=sys.stderr)
    print(f"gen-flash-sweep: {total_funcs} functions, {total_results} results, {units / 1e9:.1f}G units")


if __name__ == "__main__":
    main()
