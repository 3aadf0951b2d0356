#!/usr/bin/env python3
"""The attention variants that the GPU tests (test_cuda.py) and the GPU benchmark
(bench/gpu_bench.py) use, and nothing else.

The GPU machine has no compiler: every variant is compiled ahead of time on the
build machine and shipped as a bundle directory (bench/prepare_device.sh):

    python3 python/tests/gpu_variants.py > specs.json
    python3 -m attnc.aot --specs specs.json --out .device/bundles --targets sm_90a

A variant is the static part of an attention call (attnc.AttentionSpec kwargs:
dtype, head dims, head counts, causal, window, softcap, alibi, return_lse,
varlen, sinks; paged ones add paged, block_size, paged_mode); batch and sequence
lengths (and for paged ones token, block and table sizes) are dynamic. The test cases below pair each
variant with the dynamic shapes it is run on, and test_cuda.py is parametrized
from them, so the tests can only call variants that are in SPECS.

No torch here: this module is imported on the build machine too.
"""
import json
import math
import os
import struct
import sys

# The benchmark's prefill shapes (ANCHORS.md, ../shared/bench/peers.py): bf16, H*D = 2048,
# B*S = 16k tokens, Hq == Hkv, no lse.
BENCH_DIMS = (64, 128)
BENCH_HIDDEN = 2048
# Issue 17's table of TFLOP/s per head dim (gpu_bench.py --dims 64,72,...,256): the same
# shapes (H = 2048 // D) at the other head dims.
HEAD_DIM_BENCH_DIMS = (64, 72, 80, 96, 128, 192, 256)


def spec(dtype="bf16", head_dim=128, num_heads_q=3, num_heads_kv=None, causal=False,
         window=(-1, -1), softcap=0.0, alibi=False, return_lse=True, varlen=False,
         sinks=False, head_dim_v=None, row_align=None, block_mask=None, dropout_p=0.0):
    """AttentionSpec kwargs of one variant, normalized (floats, lists) so that it
    round-trips through JSON unchanged. scale is always the default (None). "sinks" and
    "row_align" are there only when set, head_dim_v only when it differs from head_dim
    (AttentionSpec.to_dict's form: older variants keep their JSON). row_align: the rows'
    alignment in elements when below that of contiguous rows (attnc.torch picks the
    variant from the tensors). block_mask: the static part of an attnc.BlockMask
    (block_mask_field), only when set."""
    if head_dim_v is not None and int(head_dim_v) == int(head_dim):
        head_dim_v = None
    s = dict(dtype=dtype, head_dim=int(head_dim),
             head_dim_v=None if head_dim_v is None else int(head_dim_v),
             num_heads_q=int(num_heads_q),
             num_heads_kv=int(num_heads_q if num_heads_kv is None else num_heads_kv),
             causal=bool(causal), scale=None, window=[int(window[0]), int(window[1])],
             softcap=float(softcap), alibi=bool(alibi), return_lse=bool(return_lse),
             varlen=bool(varlen))
    if sinks:
        s["sinks"] = True
    if row_align is not None and row_align != natural_row_align(head_dim, head_dim_v or head_dim):
        s["row_align"] = int(row_align)
    if block_mask is not None:
        s["block_mask"] = dict(block_mask)
    if dropout_p:  # as the f32 AttentionSpec keeps (0.0: absent)
        s["dropout_p"] = struct.unpack("<f", struct.pack("<f", float(dropout_p)))[0]
    return s


def natural_row_align(d, dv):
    """attnc.spec.natural_row_align (no attnc import here: this module runs without the
    libraries): the largest power of two up to 8 dividing both head dims."""
    a = 8
    while a > 1 and (d % a or dv % a):
        a //= 2
    return a


def paged_spec(dtype="bf16", head_dim=128, num_heads_q=32, num_heads_kv=8, block_size=16,
               mode="decode", causal=True, window=(-1, -1), softcap=0.0, alibi=False,
               return_lse=True, sinks=False):
    """AttentionSpec kwargs of one paged variant (attnc.torch.paged_attention): the split
    kernel's mode is part of it ("decode" or "prefill")."""
    s = spec(dtype, head_dim, num_heads_q, num_heads_kv, causal=causal, window=window,
             softcap=softcap, alibi=alibi, return_lse=return_lse, sinks=sinks)
    s.update(paged=True, block_size=int(block_size), paged_mode=mode)
    return s


def fp8_paged_spec(k_rank, v_rank, **kw):
    """A paged variant with e4m3fn KV caches (docs/fp8.md): k_scale / v_scale of rank 1
    (per KV head; attnc.torch broadcasts numbers and () to it) or 3 (per token and head),
    the ranks attnc.torch.paged_attention compiles."""
    s = paged_spec(**kw)
    s.update(fp8="e4m3fn", fp8_scales=[int(k_rank), int(v_rank)])
    return s


def fp8_spec(*args, **kw):
    """A variant with e4m3fn q, k, v (attn.mha / attn.mha_varlen, docs/fp8.md): dtype is
    out's; the descales are (B, Hkv) in the kernel (attnc.torch broadcasts numbers, (),
    (1,) and (Hkv,) to it: one kernel for every granularity)."""
    s = spec(*args, **kw)
    s.update(fp8="e4m3fn", fp8_scales=[2, 2, 2])
    return s


def bench_spec(head_dim, causal):
    h = BENCH_HIDDEN // head_dim
    return spec("bf16", head_dim, h, h, causal=causal, return_lse=False)


def spec_id(s):
    """A short readable name for a variant (pytest ids)."""
    parts = [s["dtype"], "d%d" % s["head_dim"], "h%d-%d" % (s["num_heads_q"], s["num_heads_kv"])]
    if s.get("head_dim_v"):
        parts[1] += "v%d" % s["head_dim_v"]
    if s.get("row_align"):
        parts.append("a%d" % s["row_align"])
    if s["causal"]:
        parts.append("causal")
    if list(s["window"]) != [-1, -1]:
        parts.append("w%d_%d" % tuple(s["window"]))
    if s["softcap"]:
        parts.append("cap%g" % s["softcap"])
    if s["alibi"]:
        parts.append("alibi")
    if s["return_lse"]:
        parts.append("lse")
    if s["varlen"]:
        parts.append("varlen")
    if s.get("dropout_p"):
        parts.append("drop%g" % s["dropout_p"])
    if s.get("sinks"):
        parts.append("sinks")
    if s.get("mla"):
        parts.append("mla")
        if s.get("scale") is not None:
            parts.append("scale%.4g" % s["scale"])
    if s.get("paged"):
        parts += ["paged", "bs%d" % s["block_size"], s["paged_mode"]]
    if s.get("fp8"):
        parts.append("%s-s%s" % (s["fp8"], "".join(str(r) for r in s["fp8_scales"])))
    if s.get("block_mask"):
        m = s["block_mask"]
        parts.append("bm%dx%d%s-%s" % (m["q_block_size"], m["kv_block_size"],
                                       "f" if m["full"] else "",
                                       BLOCK_MASK_MOD_NAMES.get(m["mask_mod"], "lut")))
    return "-".join(parts)


# --- dense cases: (spec, [(B, Sq, Sk), ...], gain) -------------------------------------------
# gain multiplies q so that the scaled logits have standard deviation ~gain (softcap cases use
# gain > 1 so that tanh actually bends the logits).
DTYPES = ("bf16", "f16")
DIMS = (64, 96, 128, 256)

SQUARE = [(3, 1, 1), (2, 100, 100), (2, 1000, 1000), (1, 4097, 4097)]
RECT = [(2, 100, 1000), (2, 1000, 100), (3, 1, 1000)]
LONG = [(1, 16384, 16384)]
SMALL = [(2, 100, 100), (2, 1000, 1000), (1, 4097, 4097), (2, 100, 1000), (2, 1000, 100)]

DENSE_CASES = []


def _dense(s, shapes, gain=1.0):
    DENSE_CASES.append((s, list(shapes), float(gain)))


# Every dtype x head dim x causal, MHA with 3 heads (odd, so that batch/head index mixups show).
BASE = {}
for _dt in DTYPES:
    for _d in DIMS:
        for _c in (False, True):
            BASE[_dt, _d, _c] = spec(_dt, _d, 3, 3, causal=_c)
            _dense(BASE[_dt, _d, _c], SQUARE + RECT)
# 16k tokens for a few of them (B=1, 3 heads).
for _key in [("bf16", 64, False), ("bf16", 128, True), ("bf16", 256, True), ("f16", 128, False)]:
    _dense(BASE[_key], LONG)

# GQA 32/8 and MQA 8/1.
for _dt, _d, _c in [("bf16", 64, False), ("bf16", 64, True), ("bf16", 128, False),
                    ("bf16", 128, True), ("f16", 128, True)]:
    _dense(spec(_dt, _d, 32, 8, causal=_c), SMALL)
for _dt, _d, _c in [("bf16", 128, False), ("bf16", 128, True), ("f16", 64, False)]:
    _dense(spec(_dt, _d, 8, 1, causal=_c), SMALL + [(3, 1, 1000)])

# Sliding windows (left, right), relative to the bottom-right diagonal.
for _dt, _d, _c, _w in [("bf16", 128, False, (128, 0)), ("bf16", 128, False, (64, 64)),
                        ("bf16", 128, False, (-1, 32)), ("bf16", 128, True, (256, -1)),
                        ("f16", 64, False, (0, 0))]:
    _dense(spec(_dt, _d, 3, 3, causal=_c, window=_w), SMALL + [(3, 1, 1000)])

# Softcap (Gemma-2 style 30/50, and a small cap that bends almost every logit).
_dense(spec("bf16", 128, 3, 3, softcap=30.0), SMALL, gain=8.0)
_dense(spec("f16", 64, 3, 3, causal=True, softcap=2.0), SMALL, gain=2.0)
_dense(spec("bf16", 256, 4, 2, causal=True, softcap=50.0), SMALL, gain=8.0)

# ALiBi, alone and with everything else at once.
_dense(spec("bf16", 128, 3, 3, causal=True, alibi=True), SMALL)
_dense(spec("f16", 64, 8, 2, alibi=True), SMALL)
_dense(spec("bf16", 96, 6, 2, causal=True, window=(256, -1), softcap=30.0, alibi=True), SMALL,
       gain=4.0)

# Attention sinks (gpt-oss: GQA 64/8, D 64, alternating sliding-window (128) and full causal
# layers), MHA and MQA, and with softcap + ALiBi; RECT's (2, 1000, 100) causal has rows that
# see no key (out 0, lse = the head's sink).
SINKS_SPECS = [spec("bf16", 64, 64, 8, causal=True, window=(127, 0), sinks=True),
               spec("bf16", 64, 64, 8, causal=True, sinks=True),
               spec("f16", 128, 3, 3, sinks=True),
               spec("bf16", 128, 8, 1, causal=True, window=(256, -1), sinks=True),
               spec("bf16", 96, 6, 2, causal=True, softcap=30.0, alibi=True, sinks=True)]
for _s in SINKS_SPECS[:2]:
    _dense(_s, [(3, 1, 1), (2, 1000, 1000), (1, 4097, 4097)] + RECT)
for _s in SINKS_SPECS[2:4]:
    _dense(_s, SMALL + [(3, 1, 1000)])
_dense(SINKS_SPECS[4], SMALL, gain=4.0)
# test_sinks_fully_masked_rows compares with the same attention without sinks (and without
# lse: at.attention(q, k, v, causal=True)); the H100 run of 4b7a6e3 found it missing.
SINKS_PLAIN_SPECS = [spec("bf16", 64, 64, 8, causal=True, return_lse=False)]

# Head dims of the other sm_90a tilings: 80 (mma.sync, one 16-row tile per warp) and 192
# (wgmma, 48-key tiles).
for _dt, _d, _c in [("bf16", 80, True), ("f16", 192, False), ("bf16", 192, True)]:
    _dense(spec(_dt, _d, 3, 3, causal=_c), SQUARE + RECT)

# Any head dim (issue 17): tiles padded to the MMA granule (16 on sm_90a), rows of any
# alignment (D = 33: 66-byte bf16 rows, 2-byte copies; D = 100: 8-byte ones), Dv != D. Odd
# head counts, causal and not, shapes that are no multiples of any tile, lengths 1.
HEAD_DIMS = (1, 8, 33, 40, 72, 80, 96, 100, 112, 160, 192, 200, 256)
HEAD_DIM_SHAPES = [(3, 1, 1), (2, 7, 0), (2, 0, 5), (2, 100, 100), (2, 257, 1000), (2, 1000, 77),
                   (1, 1500, 1500)]
HEAD_DIM_SPECS = []
for _i, _d in enumerate(HEAD_DIMS):
    for _c in (False, True):
        HEAD_DIM_SPECS.append(spec(("bf16", "f16")[_i % 2], _d, 3, 3, causal=_c))
for _dt, _d, _dv, _c in [("bf16", 192, 128, True), ("bf16", 192, 128, False),
                         ("bf16", 40, 72, False), ("f16", 40, 72, True),
                         ("bf16", 72, 40, True), ("bf16", 33, 64, True)]:
    HEAD_DIM_SPECS.append(spec(_dt, _d, 4, 2, causal=_c, head_dim_v=_dv))
# Padded to a multiple of 64, so wgmma: D = 60 (one warpgroup, 8-byte rows), 120 (warp-
# specialized; with the opt-in TMA loads their boxes reach past the head dim, zero-filled),
# 250 (4-byte rows).
for _d, _c in [(60, True), (120, False), (120, True), (250, True)]:
    HEAD_DIM_SPECS.append(spec("bf16", _d, 3, 3, causal=_c))
# GQA with a window and softcap at the odd head dims.
HEAD_DIM_SPECS.append(spec("bf16", 33, 8, 2, causal=True, window=(100, -1), softcap=30.0))
HEAD_DIM_SPECS.append(spec("f16", 100, 6, 3, alibi=True))
for _s in HEAD_DIM_SPECS:
    _dense(_s, HEAD_DIM_SHAPES, gain=4.0 if _s["softcap"] else 1.0)

# aiter's test_mha.py with HEAD_SZ = 33 (its BATCH x SEQLEN_Q x SEQLEN_K x NUM_Q_HEADS x
# NUM_K_HEADS grid, bf16 and f16, causal and not, with and without dropout: no dropout on
# the GPU, so without): GQA 48/8 and MHA 16/16, sequence lengths 1 .. 4096.
AITER_D33_SPECS = [spec(_dt, 33, _hq, _hkv, causal=_c)
                   for _dt in ("bf16", "f16") for _hq, _hkv in ((48, 8), (16, 16))
                   for _c in (False, True)]
AITER_D33_SHAPES = [(1, 1, 1), (4, 128, 128), (4, 1, 1024), (2, 1024, 1), (3, 513, 257),
                    (1, 4096, 4096)]
for _s in AITER_D33_SPECS:
    _dense(_s, AITER_D33_SHAPES)

# Rows less aligned than their head dim allows (views with odd strides; test_cuda.py's
# test_odd_row_strides builds the tensors): q whose rows are 66 bytes apart (D = 32 sliced
# from 33, align 1), 4 bytes (align 2) and 8 bytes (align 4) at D = 64 and 128 (the wgmma
# kernels keep wgmma down to align 2), and a q two bytes past a 16-byte boundary.
ODD_STRIDE_CASES = [(spec("bf16", 32, 3, 3, causal=True, row_align=1), 33),
                    (spec("bf16", 64, 3, 3, row_align=1), 65),
                    (spec("f16", 64, 3, 3, causal=True, row_align=2), 66),
                    (spec("bf16", 128, 3, 3, causal=True, row_align=2), 130),
                    (spec("bf16", 128, 3, 3, row_align=4), 132)]
ODD_STRIDE_SHAPES = [(2, 1, 1), (2, 300, 300), (1, 1000, 77)]
# test_misaligned_rows and the fast-path tests: a q 2 bytes past a 16-byte boundary.
MISALIGNED_SPECS = [spec("bf16", 128, 3, 3, row_align=1),
                    spec("bf16", 128, 3, 3, causal=True, row_align=1)]

# The benchmark's variants (no lse), on shapes up to one of the benchmark's own.
for _d in BENCH_DIMS:
    for _c in (False, True):
        _dense(bench_spec(_d, _c), [(2, 1000, 1000), (1, 4097, 4097), (2, 100, 1000)])
        if _d == 128 and _c:
            _dense(bench_spec(_d, _c), [(1, 16384, 16384)])

# Layout cases (test_cuda.py runs these through BSHD, transposed views and packed QKV); the
# variants are already above.
LAYOUT_SPECS = [BASE["bf16", 128, True], BASE["f16", 64, False],
                spec("bf16", 128, 32, 8, causal=True)]
LAYOUT_SHAPES = [(2, 1000, 1000), (2, 100, 1000), (2, 1000, 100)]

# --- varlen cases: (spec, [(q_lens, k_lens, pad), ...], gain) ---------------------------------
# pad = extra query tokens past cu_seqlens_q[B] (they must come out 0, lse -inf).
VARLEN_SHAPES = [
    ([100, 0, 1, 1000, 1, 257], None, 0),            # an empty sequence, length-1 sequences
    ([1, 100, 0, 37, 1000], [1000, 100, 5, 0, 900], 0),  # Sq != Sk, a query run without keys
    ([4097], None, 0),
    ([3, 0, 0, 129], [64, 1, 0, 200], 5),            # padding tokens after the last sequence
]
VARLEN_CASES = []
for _s in [spec("bf16", 128, 8, 2, varlen=True), spec("bf16", 128, 8, 2, causal=True, varlen=True),
           spec("f16", 64, 4, 4, varlen=True), spec("f16", 64, 4, 4, causal=True, varlen=True),
           spec("bf16", 256, 2, 2, causal=True, varlen=True),
           spec("bf16", 96, 6, 3, return_lse=False, varlen=True),
           spec("bf16", 128, 4, 4, causal=True, window=(64, 0), varlen=True),
           spec("f16", 128, 4, 1, softcap=10.0, alibi=True, varlen=True),
           spec("bf16", 64, 16, 2, causal=True, window=(127, 0), varlen=True, sinks=True),
           spec("f16", 128, 4, 4, varlen=True, sinks=True),
           # head dims padded to the MMA granule, rows of 2 and 8 bytes (issue 17)
           spec("bf16", 33, 8, 2, causal=True, varlen=True),
           spec("f16", 100, 4, 4, varlen=True, head_dim_v=72)]:
    VARLEN_CASES.append((_s, VARLEN_SHAPES, 3.0 if _s["softcap"] else 1.0))


# --- paged cases: (spec, [(q_lens, seq_lens, pad), ...], gain) -------------------------------
# q_lens: query tokens per sequence, seq_lens: keys per sequence (its new tokens included, so
# seq_len >= q_len), pad: query tokens past the last sequence (0 / -inf). Every case runs both
# kernels' variants where the spec comes in both modes; the block tables are random
# permutations with a shared prefix and NaN in every cache slot no sequence uses
# (test_cuda.py).
PAGED_DECODE = ([1, 1, 0, 1, 1, 1], [1, 4097, 0, 300, 16, 2048], 0)     # seq lens 0 and 1
PAGED_MIXED = ([1, 100, 0, 3, 1, 37], [1000, 100, 0, 50, 1, 2000], 5)    # decode + prefill + pad
PAGED_CHUNKED = ([513, 1, 64], [4097, 65, 64], 0)                       # chunked prefill
PAGED_LONG = ([1, 1, 1], [65536, 1, 40000], 0)                          # up to 64k keys
PAGED_LONG_PREFILL = ([256, 1], [65536, 30000], 0)
PAGED_SHAPES = [PAGED_DECODE, PAGED_MIXED, PAGED_CHUNKED]

PAGED_CASES = []


def _paged(shapes, gain=1.0, modes=("decode", "prefill"), **kw):
    for m in modes:
        PAGED_CASES.append((paged_spec(mode=m, **kw), list(shapes), float(gain)))


# The serving shape (bf16, D 128, GQA 32/8 = 4, blocks of 16), with the long sequences.
_paged(PAGED_SHAPES + [PAGED_LONG, PAGED_LONG_PREFILL])
# Block sizes 1, 32, 128, 544 (a block larger than a KV tile, not a power of two).
for _bs in (1, 32, 128, 544):
    _paged(PAGED_SHAPES, block_size=_bs,
           modes=("decode", "prefill") if _bs in (1, 544) else ("decode",))
# Head dims 64 and 256, GQA 1 (MHA) and 8, MQA.
_paged(PAGED_SHAPES, dtype="f16", head_dim=64, num_heads_q=8, num_heads_kv=8)
_paged(PAGED_SHAPES, head_dim=256, num_heads_q=16, num_heads_kv=2)
_paged(PAGED_SHAPES, num_heads_q=8, num_heads_kv=1, block_size=32, causal=False)
# Windows, softcap, ALiBi, and everything at once.
_paged(PAGED_SHAPES, window=(256, 0))
_paged(PAGED_SHAPES, causal=False, window=(64, 64), modes=("prefill",))
_paged(PAGED_SHAPES, num_heads_q=8, num_heads_kv=2, softcap=30.0, gain=8.0)
_paged(PAGED_SHAPES, dtype="f16", head_dim=64, num_heads_q=8, num_heads_kv=2, alibi=True)
_paged(PAGED_SHAPES, num_heads_q=16, num_heads_kv=4, block_size=32, window=(512, -1),
       softcap=50.0, alibi=True, gain=4.0)

# Sinks (applied once, in the merge kernel): gpt-oss's decode shape (GQA 64/8, D 64, a
# sliding window of 128 and full layers) and the serving shape.
_paged(PAGED_SHAPES + [PAGED_LONG], head_dim=64, num_heads_q=64, num_heads_kv=8,
       window=(127, 0), sinks=True)
_paged(PAGED_SHAPES, head_dim=64, num_heads_q=64, num_heads_kv=8, sinks=True)
_paged(PAGED_SHAPES, block_size=32, alibi=True, softcap=30.0, gain=8.0, sinks=True,
       modes=("decode",))

# Head dims padded to the MMA granule (issue 17): D = 33 (66-byte rows) and 100 (200-byte).
_paged(PAGED_SHAPES, head_dim=33, num_heads_q=16, num_heads_kv=4)
_paged(PAGED_SHAPES, dtype="f16", head_dim=100, num_heads_q=8, num_heads_kv=2, block_size=32,
       modes=("decode",))

# fp8 (e4m3fn) KV caches (issue 16, docs/fp8.md; test_cuda.py's test_paged_fp8): scales
# per token and head (rank 3) and per KV head (rank 1), mixed; bf16 and f16 queries; D 64
# and 128; GQA, MHA and MQA; blocks of 1, 16 and 32 tokens; both split kernels.
FP8_PAGED_CASES = []


def _fp8_paged(shapes, k_rank, v_rank, modes=("decode", "prefill"), **kw):
    for m in modes:
        FP8_PAGED_CASES.append((fp8_paged_spec(k_rank, v_rank, mode=m, **kw), list(shapes)))


_fp8_paged(PAGED_SHAPES + [PAGED_LONG], 3, 3)  # the serving shape, aiter's per-token scales
_fp8_paged(PAGED_SHAPES, 1, 1)
_fp8_paged(PAGED_SHAPES, 3, 1, dtype="f16", head_dim=64, num_heads_q=8, num_heads_kv=2,
           block_size=32, window=(256, 0), sinks=True)
_fp8_paged(PAGED_SHAPES, 1, 3, num_heads_q=8, num_heads_kv=1, block_size=1, causal=False,
           softcap=30.0, alibi=True)
_fp8_paged(PAGED_SHAPES, 3, 3, dtype="f16", head_dim=64, num_heads_q=8, num_heads_kv=8,
           modes=("decode",))

# fp8 (e4m3fn) q, k, v of attention / attention_varlen (issue 16 Part 1, docs/fp8.md;
# test_cuda.py's test_fp8_mha / test_fp8_mha_varlen): bf16 and f16 out, D 64 and 128,
# causal and not, GQA and MQA, lse, a window with softcap, alibi; each case runs with
# descales per (batch, KV head), per KV head, per tensor and none. Dense cases are
# (spec, [(B, Sq, Sk), ...]), varlen ones (spec, VARLEN_SHAPES).
FP8_MHA_SHAPES = [(2, 100, 100), (2, 1000, 1000), (1, 4097, 4097), (2, 100, 1000),
                  (2, 1000, 100), (3, 1, 1000)]
FP8_MHA_CASES = [(fp8_spec("bf16", 128, 8, 2, causal=True), FP8_MHA_SHAPES),
                 (fp8_spec("bf16", 128, 8, 8, return_lse=False), FP8_MHA_SHAPES),
                 (fp8_spec("bf16", 64, 8, 2, causal=True, return_lse=False), FP8_MHA_SHAPES),
                 (fp8_spec("f16", 64, 4, 4), FP8_MHA_SHAPES),
                 (fp8_spec("bf16", 128, 8, 1, window=(256, 0), softcap=30.0), SMALL),
                 (fp8_spec("f16", 64, 8, 2, causal=True, alibi=True), SMALL)]
FP8_MHA_VARLEN_CASES = [(fp8_spec("bf16", 128, 8, 2, causal=True, varlen=True), VARLEN_SHAPES),
                        (fp8_spec("f16", 64, 4, 4, return_lse=False, varlen=True),
                         VARLEN_SHAPES)]

# --- MLA cases (attn.mla, docs/mla.md; test_mla_cuda.py): (spec, [(q_lens, seq_lens, pad)]) ---
# q_lens: query tokens per sequence (causal: 1, 2 or 4, speculative / MTP decoding), seq_lens:
# latent rows per sequence (>= q_len; 0 with no query), pad: query tokens past the last
# sequence. Lengths 0, 1 and no multiple of the blocks (1, 16, 64) or of the 32-key tiles.
MLA_DECODE = ([1, 0, 1, 1, 1, 1], [1, 0, 4097, 300, 65, 2048], 2)
MLA_MTP = ([2, 4, 1, 2, 0, 4], [2, 1000, 37, 129, 0, 4], 3)
MLA_LONG = ([1, 1, 2], [32768, 1, 20000], 0)
MLA_SHAPES = [MLA_DECODE, MLA_MTP]
DEEPSEEK_SCALE = 1.0 / math.sqrt(192)  # DeepSeek-V3's softmax_scale (qk_head_dim 192)


def mla_spec(dtype="bf16", num_heads_q=16, kv_lora_rank=512, rope=64, block_size=64,
             causal=True, return_lse=True, scale=None, softcap=0.0):
    """AttentionSpec kwargs of one attn.mla variant (attnc.torch.mla_decode): a paged decode
    spec with one KV head (the latent cache), D = kv_lora_rank + rope, Dv = kv_lora_rank."""
    s = paged_spec(dtype, kv_lora_rank + rope, num_heads_q, 1, block_size, causal=causal,
                   return_lse=return_lse, softcap=softcap, mode="decode")
    s.update(head_dim_v=int(kv_lora_rank), mla=True,
             scale=None if scale is None else float(scale))
    return s


MLA_CASES = [
    (mla_spec("bf16", 16, block_size=64), MLA_SHAPES + [MLA_LONG]),   # DeepSeek-V3, TP 8
    (mla_spec("bf16", 128, block_size=64), MLA_SHAPES),              # DeepSeek-V3, 128 heads
    (mla_spec("f16", 16, block_size=1), MLA_SHAPES),                 # one row per block
    (mla_spec("f16", 128, block_size=1, return_lse=False), MLA_SHAPES),
    (mla_spec("bf16", 16, block_size=16, causal=False, scale=DEEPSEEK_SCALE, softcap=30.0),
     MLA_SHAPES),
    (mla_spec("bf16", 128, block_size=64, return_lse=False, scale=DEEPSEEK_SCALE),
     MLA_SHAPES),
    (mla_spec("f16", 32, kv_lora_rank=256, rope=32, block_size=16), MLA_SHAPES),
    (mla_spec("bf16", 128, kv_lora_rank=256, rope=32, block_size=64), MLA_SHAPES),
]

# fp8 (e4m3fn) latent caches of mla_decode (issue 15/16, docs/fp8.md; test_mla_cuda.py's
# test_mla_cuda_fp8): kv_scale per token (NB, BS) or one number (rank 0), DeepSeek's
# 512 + 64 at 16 and 128 heads, 256 + 32 with blocks of one token.
def fp8_mla_spec(per_token, *args, **kw):
    """An attn.mla variant over an e4m3fn latent cache: kv_scale of rank 2 (per token) or 0
    (attnc.torch broadcasts numbers, () and (1,) to rank 0), the ranks mla_decode compiles."""
    s = mla_spec(*args, **kw)
    s.update(fp8="e4m3fn", fp8_scales=[2 if per_token else 0])
    return s


FP8_MLA_CASES = [
    (fp8_mla_spec(True, "bf16", 16, block_size=64), MLA_SHAPES),
    (fp8_mla_spec(False, "bf16", 128, block_size=16, return_lse=False), MLA_SHAPES),
    (fp8_mla_spec(True, "f16", 32, kv_lora_rank=256, rope=32, block_size=1, causal=False,
                  scale=DEEPSEEK_SCALE, softcap=30.0), MLA_SHAPES),
]

# The paged benchmark's variant (bench/paged_bench.py): decode, no lse.
PAGED_BENCH_SPEC = paged_spec(return_lse=False)

# bench/fp8_bench.py (issue 16's benchmark): fp8 q, k, v on gpu_bench.py's shapes (D 64
# and 128, H = 2048 / D, no lse), and paged_bench.py's decode with e4m3fn caches (scales
# per KV head: the rank a number broadcasts to).
FP8_BENCH_SPECS = [fp8_spec("bf16", d, BENCH_HIDDEN // d, BENCH_HIDDEN // d, causal=c,
                            return_lse=False) for d in (64, 128) for c in (False, True)]
FP8_PAGED_BENCH_SPEC = fp8_paged_spec(1, 1, return_lse=False)


def _mla_paged_bench_spec(h):
    """bench/mla_bench.py's comparison: the MLA problem as paged_attention, one KV head,
    K the latent rows (576), V a view of their first 512 columns."""
    s = paged_spec("bf16", 576, h, 1, 64, return_lse=False)
    s.update(head_dim_v=512, scale=float(DEEPSEEK_SCALE))
    return s


# bench/mla_bench.py (issue 15's table): decode, bf16, 512 + 64, blocks of 64, DeepSeek's
# scale, H = 16 and 128; and the same problems as paged_attention.
MLA_BENCH_SPECS = [mla_spec("bf16", h, block_size=64, return_lse=False, scale=DEEPSEEK_SCALE)
                   for h in (16, 128)]
MLA_PAGED_BENCH_SPECS = [_mla_paged_bench_spec(h) for h in (16, 128)]


# --- block masks (issue 17 section 4, docs/masks.md): (spec, lists, [(B, Sq, Sk), ...]) -------
# The static part of an attnc.BlockMask is part of the variant: block sizes, whether full lists
# are given, and mask_mod's MLIR text (the document boundaries, the prefix, the chunk are
# constants of the kernel). attnc/masks.py builds that text without torch; it is loaded from
# its file so that this module needs no attnc import.
def _load_masks():
    import importlib.util
    path = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "attnc",
                        "masks.py")
    spec_ = importlib.util.spec_from_file_location("_attnc_masks_for_variants", path)
    mod = importlib.util.module_from_spec(spec_)
    spec_.loader.exec_module(mod)
    return mod


MASKS = _load_masks()


def block_mask_field(q_block_size, kv_block_size, full, mask_mod):
    """AttentionSpec's block_mask field (attnc.BlockMask.spec_field as a dict); mask_mod a
    masks.MaskMod or None."""
    return dict(q_block_size=int(q_block_size), kv_block_size=int(kv_block_size),
                full=bool(full), mask_mod=None if mask_mod is None else mask_mod.mlir)


# The mask_mods of the cases (test_cuda.py rebuilds them by name with attnc.masks).
# Documents of the test shapes (a last one takes the positions past their sum), and the
# benchmark's document masking: 8 documents in 16k tokens (lengths drawn once, seed 17).
BLOCK_MASK_DOCS = [300, 211, 450]
BENCH_DOC_LENGTHS = [5001, 226, 1019, 795, 1767, 4664, 2520, 392]
BLOCK_MASK_MODS = {
    "docs": ("document_causal", BLOCK_MASK_DOCS),
    "bench_docs": ("document_causal", BENCH_DOC_LENGTHS),
    "prefix": ("prefix_lm", 100),
    "chunks": ("sliding_chunks", 200),
    "causal": ("causal", None),
}


def mask_mod(name):
    """The masks.MaskMod of BLOCK_MASK_MODS[name] (None: no region, aiter's block-sparse
    LUT), from the module given (attnc.masks on the GPU machine, MASKS here)."""
    return make_mask_mod(MASKS, name)


def make_mask_mod(masks_module, name):
    if name is None:
        return None
    fn, arg = BLOCK_MASK_MODS[name]
    return getattr(masks_module, fn)() if arg is None else getattr(masks_module, fn)(arg)


BLOCK_MASK_MOD_NAMES = {mask_mod(n).mlir: n for n in BLOCK_MASK_MODS}

# lists: "exact" (create_block_mask of the mask_mod: skipped / partial / full as its
# elements say), "random" (each key block randomly skipped, partial or full (full only with
# full lists), shuffled, garbage past the counts, one query block with empty lists: rows
# that see nothing), "broadcast" (random, B' = H' = 1).
BLOCK_MASK_SHAPES = [(2, 300, 300), (1, 1000, 1000), (2, 777, 1000), (2, 1000, 130),
                     (1, 4097, 4097)]
BLOCK_MASK_CASES = []


def _block(dtype, d, hq, hkv, qb, kvb, full, mm, lists, shapes=None, **kw):
    s = spec(dtype, d, hq, hkv, block_mask=block_mask_field(qb, kvb, full, mask_mod(mm)), **kw)
    BLOCK_MASK_CASES.append((s, lists, list(shapes or BLOCK_MASK_SHAPES)))
    return s


# sm_90a: 128 x 128 blocks at D = 128 (wgmma, the software-pipelined loops), at D = 64 (one
# warpgroup), GQA, lse; the three example masks; random lists with and without a region;
# causal and a window on top (rows that see nothing when Sq > Sk); sinks; 64 x 64 blocks
# (one warpgroup at D = 128), 32 x 128 (mma.sync, two warps, 32-key tiles), 128 x 32.
for _lists in ("exact", "random"):
    _block("bf16", 128, 4, 4, 128, 128, True, "docs", _lists)
    _block("bf16", 64, 8, 2, 128, 128, True, "docs", _lists)
_block("f16", 128, 8, 2, 64, 64, True, "prefix", "exact")
_block("bf16", 64, 4, 2, 128, 128, True, "chunks", "exact")
_block("bf16", 128, 8, 2, 128, 128, True, None, "random", causal=True)
_block("f16", 64, 6, 3, 128, 128, False, "causal", "broadcast", window=(300, -1))
_block("bf16", 64, 8, 2, 128, 128, True, "docs", "random", sinks=True)
_block("bf16", 128, 4, 2, 32, 128, True, "docs", "random")
_block("bf16", 128, 4, 2, 128, 32, True, "chunks", "random", return_lse=False)

# Varlen: per sequence (B' = the sequences), lists of the longest sequence's blocks, an
# empty sequence and one without keys; (q_lens, k_lens).
BLOCK_MASK_VARLEN_SHAPES = [([300, 0, 1000, 77], [300, 5, 1000, 0]),
                            ([1000, 129], None)]
BLOCK_MASK_VARLEN_CASES = [
    (spec("bf16", 128, 8, 2, varlen=True, block_mask=block_mask_field(128, 128, True,
                                                                      mask_mod("docs"))),
     "random", BLOCK_MASK_VARLEN_SHAPES),
    (spec("f16", 64, 4, 4, causal=True, varlen=True,
          block_mask=block_mask_field(64, 64, False, None)),
     "random", BLOCK_MASK_VARLEN_SHAPES),
]

# The benchmark's variants (bench/block_mask_gpu.py): document masking of 8 documents in 16k
# tokens, 128 x 128 blocks (FlexAttention's create_block_mask default), B = 1, bf16, no lse,
# D = 128 with 16 heads and D = 64 with 32; tested here on the benchmark's own shape too.
BLOCK_MASK_BENCH_SPECS = {
    _d: spec("bf16", _d, _h, _h, return_lse=False,
             block_mask=block_mask_field(128, 128, True, mask_mod("bench_docs")))
    for _d, _h in ((128, 16), (64, 32))}
for _s in BLOCK_MASK_BENCH_SPECS.values():
    BLOCK_MASK_CASES.append((_s, "exact", [(1, 16384, 16384)]))


def _unique(specs):
    seen, out = set(), []
    for s in specs:
        key = json.dumps(s, sort_keys=True)
        if key not in seen:
            seen.add(key)
            out.append(s)
    return out


BENCH_SPECS = [bench_spec(d, c) for d in HEAD_DIM_BENCH_DIMS for c in (False, True)]

# The backward on the GPU (test_backward_cuda.py, docs/backward.md): each case is a forward
# spec with lse (what autograd's forward launches) and (B, Sq, Sk) shapes; its backward
# variant (backward_spec) is bundled too. Sizes that are no multiple of any tile, Sq != Sk
# both ways, GQA, every mask, softcap, ALiBi, f16 and bf16, D 64 and 128, Dv != D.
BWD_CASES = [
    (spec("bf16", 64, 4, 4), [(2, 77, 77), (1, 300, 300), (1, 1, 1)]),
    (spec("bf16", 64, 4, 4, causal=True), [(2, 77, 77), (1, 300, 200), (1, 129, 513)]),
    (spec("f16", 64, 8, 2, causal=True), [(2, 100, 100), (1, 1, 300)]),
    (spec("bf16", 128, 4, 2), [(2, 100, 130), (1, 257, 257)]),
    (spec("bf16", 128, 4, 4, causal=True), [(1, 300, 300), (2, 64, 64)]),
    (spec("bf16", 64, 4, 2, causal=True, window=(48, 0), softcap=30.0, alibi=True),
     [(2, 200, 200)]),
    (spec("bf16", 64, 4, 4, window=(16, 16)), [(1, 150, 150)]),
    (spec("bf16", 128, 4, 4, head_dim_v=64, causal=True), [(2, 90, 90)]),
    # D >= 128: the dK/dV kernel's K and V in shared memory (attn-gpu-layout's register
    # estimate), D = 192 / 256 with 8 warps splitting the dK / dV / dQ columns in two
    # (docs/backward.md, "On sm_90a")
    (spec("bf16", 128, 8, 2, causal=True, softcap=30.0, alibi=True), [(1, 200, 200)]),
    (spec("bf16", 128, 4, 4, window=(40, 8)), [(1, 150, 150)]),
    (spec("bf16", 192, 4, 2, causal=True), [(1, 150, 150), (2, 64, 100)]),
    (spec("bf16", 256, 4, 4), [(2, 77, 77), (1, 129, 200)]),
    (spec("f16", 256, 4, 2, causal=True, window=(48, 0)), [(1, 200, 200)]),
    (spec("bf16", 256, 4, 4, head_dim_v=128, causal=True), [(1, 100, 100)]),
]


# bench/bwd_bench.py: the benchmark's shapes (bench_spec) with lse, whose backward it times.
BWD_BENCH_SPECS = [dict(bench_spec(d, c), return_lse=True) for d in BENCH_DIMS
                   for c in (False, True)]

# Sinks with autograd (issue 17 section 2): the forward with sinks and lse, the backward
# kernels of the same spec without sinks (the lse holds them), dsink reduced by attnc.torch.
BWD_SINKS_CASES = [
    (spec("bf16", 64, 4, 2, causal=True, sinks=True), [(2, 77, 77), (1, 300, 200)]),
    (spec("bf16", 64, 8, 8, causal=True, window=(127, 0), sinks=True), [(1, 257, 257)]),
    (spec("f16", 128, 4, 4, sinks=True), [(2, 100, 130)]),
]


# Dropout with autograd (issue 14; test_cuda.py's test_dropout): forward specs with lse and
# dropout_p (their kernels take rng_state), each with its backward variant; shapes no
# multiple of any tile, Sq = 1, Sq != Sk both ways.
DROPOUT_CASES = [
    (spec("bf16", 64, 4, 2, causal=True, dropout_p=0.17), [(2, 77, 77), (1, 1, 300),
                                                           (1, 300, 200)]),
    (spec("f16", 128, 4, 4, dropout_p=0.3), [(2, 100, 130)]),
    (spec("bf16", 128, 4, 2, causal=True, dropout_p=0.1), [(1, 150, 150)]),
    (spec("bf16", 256, 4, 4, dropout_p=0.2), [(1, 100, 130)]),
]


def backward_spec(s):
    """The backward variant of forward spec `s` (attnc.torch's autograd builds the same:
    no sinks, which the forward's lse carries)."""
    b = dict(s, return_lse=False, backward=True)
    b.pop("sinks", None)
    if b.get("head_dim_v") is None:
        b["head_dim_v"] = b["head_dim"]
    return b

# The kernels a call of misaligned tensors picks (row_align 1) for the fast-path tests of
# test_cuda.py (paged, serving shape) and test_flash_cuda.py (flash_common.OPS_DENSE).
ALIGN_SPECS = [dict(paged_spec(mode="decode"), row_align=1),
               dict(paged_spec(mode="decode"), row_align=4)]

# attnc.flash_attn's CUDA cases, custom ops and CUDA graphs (test_flash_cuda.py), as
# flash_common.record_cuda_specs() records them (test_flash_cpu.py checks the file is
# complete; `python3 python/tests/flash_common.py` regenerates it).
with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "flash_variants.json")) as _f:
    FLASH_SPECS = json.load(_f)
# flash_common.OPS_DENSE's kernel for a q two bytes off (test_fast_path_checks_alignment).
ALIGN_SPECS += [dict(_s, row_align=1) for _s in FLASH_SPECS
                if (_s["dtype"], _s["head_dim"], _s["num_heads_q"], _s["num_heads_kv"],
                    _s["causal"], _s["return_lse"], _s.get("varlen"), _s.get("paged")) ==
                ("bf16", 64, 8, 2, True, True, False, None)][:1]

SPECS = _unique([c[0] for c in DENSE_CASES] + LAYOUT_SPECS + [c[0] for c in VARLEN_CASES]
                + BENCH_SPECS + [c[0] for c in PAGED_CASES] + [PAGED_BENCH_SPEC] + FLASH_SPECS
                + [c[0] for c in FP8_PAGED_CASES] + [c[0] for c in FP8_MHA_CASES]
                + [c[0] for c in FP8_MLA_CASES]
                + FP8_BENCH_SPECS + [FP8_PAGED_BENCH_SPEC]
                + [c[0] for c in FP8_MHA_VARLEN_CASES]
                + SINKS_PLAIN_SPECS + [c[0] for c in ODD_STRIDE_CASES] + MISALIGNED_SPECS
                + ALIGN_SPECS + [c[0] for c in BWD_CASES]
                + [backward_spec(c[0]) for c in BWD_CASES] + BWD_BENCH_SPECS
                + [backward_spec(s) for s in BWD_BENCH_SPECS] + [c[0] for c in BWD_SINKS_CASES]
                + [backward_spec(c[0]) for c in BWD_SINKS_CASES] + [c[0] for c in BLOCK_MASK_CASES]
                + [c[0] for c in DROPOUT_CASES] + [backward_spec(c[0]) for c in DROPOUT_CASES]
                + [c[0] for c in BLOCK_MASK_VARLEN_CASES] + [c[0] for c in MLA_CASES]
                + MLA_BENCH_SPECS + MLA_PAGED_BENCH_SPECS)


def main(argv=None):
    import argparse
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--count", action="store_true", help="print the number of variants only")
    p.add_argument("--list", action="store_true", help="print one readable name per variant")
    a = p.parse_args(argv)
    if a.count:
        print(len(SPECS))
    elif a.list:
        for s in SPECS:
            print(spec_id(s))
    else:
        json.dump(SPECS, sys.stdout, indent=1)
        sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
