"""fp8 attention (issue 16, docs/fp8.md) through attnc.torch on CPU tensors.

q, k, v (attention, attention_varlen) or the KV caches (paged_attention) are fp8 bit
patterns in torch.uint8 storage with fp8_dtype="e4m3fn" | "e4m3fnuz" (torch 1.13 has no
float8 dtypes; where torch has them, native float8 tensors are checked too). The
reference is test_cpu.py's float64 attention on the dequantized tensors (q * q_descale,
k * k_descale, v * v_descale; caches times k_scale / v_scale), decoding the bits with
this file's own decoder. The CPU dequantizes exactly, so the bf16 / f16 tolerance of
test_cpu.py applies (atol = rtol = 1e-2), far inside aiter's fp8 floor (max abs error
<= 1.0, cosine similarity >= 0.94), which is asserted as well; the errors reached are
printed (pytest -s). Fresh random inputs every run (seed printed, ATTNC_TEST_SEED=N
replays), outputs poisoned with NaN, sizes that are not tile multiples, lengths 0 and
1, fully masked rows (0, never NaN).
"""
import math
import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))  # python/ (attnc)
sys.path.insert(0, HERE)

import torch  # noqa: E402

import attnc.torch as at  # noqa: E402
from test_cpu import (TOL, alibi_slopes, check, make_sinks, nan_like_shape,  # noqa: E402
                      paged_cache, paged_reference, reference)

FORMATS = ("e4m3fn", "e4m3fnuz")
OUT = {"bf16": torch.bfloat16, "f16": torch.float16}
ERRORS = {}  # (format, what) -> (max abs error, min cosine similarity)


# --- the formats, from their definitions ----------------------------------------------------


def decode_table(fmt):
    """The value of each of the 256 bit patterns: e4m3fn has exponent bias 7, no
    infinities, NaN = S.1111.111; e4m3fnuz has bias 8, no infinities, no negative zero,
    NaN = 0x80."""
    bias = 7 if fmt == "e4m3fn" else 8
    vals = []
    for bits in range(256):
        sign = -1.0 if bits & 0x80 else 1.0
        e, m = (bits >> 3) & 15, bits & 7
        if (fmt == "e4m3fn" and bits & 0x7F == 0x7F) or (fmt == "e4m3fnuz" and bits == 0x80):
            vals.append(float("nan"))
        elif e == 0:
            vals.append(sign * m / 8.0 * 2.0 ** (1 - bias))
        else:
            vals.append(sign * (1 + m / 8.0) * 2.0 ** (e - bias))
    return torch.tensor(vals, dtype=torch.float64)


TABLES = {f: decode_table(f) for f in FORMATS}


def test_tables():
    """The decoder against known values: the largest finite ones (448 and 240), the
    smallest subnormals (2^-9 and 2^-10), one, the NaN patterns."""
    fn, fnuz = TABLES["e4m3fn"], TABLES["e4m3fnuz"]
    assert fn[0x7E] == 448 and fn[0x01] == 2.0 ** -9 and fn[0x38] == 1.0 and fn[0xB8] == -1.0
    assert math.isnan(fn[0x7F]) and math.isnan(fn[0xFF]) and fn[0x80] == 0.0
    assert fnuz[0x7F] == 240 and fnuz[0x01] == 2.0 ** -10 and fnuz[0x40] == 1.0
    assert math.isnan(fnuz[0x80]) and int(torch.isnan(fnuz).sum()) == 1
    assert int(torch.isnan(fn).sum()) == 2


def encode(x, fmt):
    """x (float) -> the nearest fp8 bit patterns as uint8 (no NaN: saturating)."""
    table = TABLES[fmt]
    pos = torch.arange(128)
    pos = pos[~torch.isnan(table[:128])]
    mags = table[pos]
    order = torch.argsort(mags)
    mags, pos = mags[order], pos[order]
    a = x.double().abs().reshape(-1)
    i = torch.searchsorted(mags, a).clamp(1, len(mags) - 1)
    lo, hi = mags[i - 1], mags[i]
    pick = torch.where((a - lo) <= (hi - a), i - 1, i)
    bits = pos[pick]
    neg = (x.reshape(-1) < 0) & (mags[pick] > 0)  # e4m3fnuz has no -0 (0x80 is NaN)
    bits = torch.where(neg, bits | 0x80, bits)
    return bits.to(torch.uint8).reshape(x.shape)


def decode(bits, fmt):
    return TABLES[fmt][bits.long()]


def random_fp8(shape, fmt, gain=1.0):
    return encode(torch.randn(shape) * gain, fmt)


def random_scale(shape):
    return (0.5 + 1.5 * torch.rand(shape)).float()


def record(fmt, what, got, want):
    """Keeps the worst max abs error and cosine similarity per (format, what); asserts
    aiter's fp8 floor (the tolerance check that follows is much tighter)."""
    g, w = got.double().reshape(-1), want.double().reshape(-1)
    finite = torch.isfinite(w)
    g, w = g[finite], w[finite]
    if w.numel() == 0:
        return
    err = (g - w).abs().max().item()
    den = g.norm() * w.norm()
    cos = (g @ w / den).item() if den > 0 else 1.0
    assert err <= 1.0 and cos >= 0.94, "aiter's fp8 floor: max abs err %g, cosine %g" % (err, cos)
    old = ERRORS.get((fmt, what), (0.0, 1.0))
    ERRORS[(fmt, what)] = (max(old[0], err), min(old[1], cos))
    print("%s %s: max abs err %.3g, cosine %.6f" % (fmt, what, err, cos))


# --- attention -------------------------------------------------------------------------------

# Descale forms: None (1), a number, (), (Hkv,), (B, Hkv).
GRANULARITY = ("none", "number", "scalar", "head", "batch_head")


def make_descale(kind, b, hkv):
    if kind == "none":
        return None, torch.ones(b, hkv)
    if kind == "number":
        x = float(0.5 + torch.rand(()).item())
        return x, torch.full((b, hkv), x)
    if kind == "scalar":
        t = random_scale(())
        return t, t.expand(b, hkv)
    if kind == "head":
        t = random_scale((hkv,))
        return t, t.expand(b, hkv)
    t = random_scale((b, hkv))
    return t, t


def per_head(scale, hq):
    """(B, Hkv) -> (B, Hq, 1, 1): query head h uses KV head h // (Hq // Hkv)."""
    b, hkv = scale.shape
    return scale.double().repeat_interleave(hq // hkv, dim=1).view(b, hq, 1, 1)


CASES = [
    dict(b=2, hq=4, hkv=2, sq=37, sk=53, d=64, causal=True, lse=True),
    dict(b=1, hq=6, hkv=3, sq=45, sk=45, d=32, window=(9, 3), softcap=20.0, lse=True),
    dict(b=3, hq=4, hkv=1, sq=19, sk=130, d=64, dv=32, alibi=True),
    dict(b=2, hq=2, hkv=2, sq=70, sk=33, d=64, causal=True, sinks=True, lse=True),  # Sq > Sk
    dict(b=1, hq=8, hkv=1, sq=33, sk=17, d=128, scale=0.05),
    dict(b=2, hq=2, hkv=1, sq=1, sk=1, d=16, causal=True, lse=True),
    dict(b=1, hq=2, hkv=2, sq=5, sk=0, d=16, lse=True),                # no keys: 0 and -inf
    dict(b=1, hq=2, hkv=1, sq=0, sk=7, d=16),
]


def case_id(c):
    return "b%d-h%dx%d-s%dx%d-d%d%s" % (c["b"], c["hq"], c["hkv"], c["sq"], c["sk"], c["d"],
                                        "".join("-" + k for k in ("causal", "window", "softcap",
                                                                  "alibi", "sinks", "lse")
                                                if c.get(k)))


def run_mha(c, fmt, out_name, gran, seed, layout="bhsd"):
    b, hq, hkv, sq, sk, d = c["b"], c["hq"], c["hkv"], c["sq"], c["sk"], c["d"]
    dv = c.get("dv", d)
    qb, kb, vb = random_fp8((b, hq, sq, d), fmt), random_fp8((b, hkv, sk, d), fmt), \
        random_fp8((b, hkv, sk, dv), fmt)
    desc = [make_descale(g, b, hkv) for g in gran]
    kw = dict(causal=c.get("causal", False), window=c.get("window", (-1, -1)),
              softcap=c.get("softcap", 0.0), scale=c.get("scale"))
    slopes = alibi_slopes(hq) if c.get("alibi") else None
    sinks = make_sinks(hq) if c.get("sinks") else None
    out = nan_like_shape((b, hq, sq, dv), OUT[out_name])
    args = (qb, kb, vb) if layout == "bhsd" else tuple(t.transpose(1, 2) for t in (qb, kb, vb))
    if layout == "bshd":
        out = out.transpose(1, 2)
    res = at.attention(*args, alibi_slopes=slopes, sinks=sinks, return_lse=c.get("lse", False),
                       layout=layout, out=out, q_descale=desc[0][0], k_descale=desc[1][0],
                       v_descale=desc[2][0], fp8_dtype=fmt, **kw)
    got, lse = res if c.get("lse") else (res, None)
    assert got is out and got.dtype == OUT[out_name]
    if layout == "bshd":
        got = got.transpose(1, 2)
    q = decode(qb, fmt) * per_head(desc[0][1], hq)
    k = decode(kb, fmt) * desc[1][1].double().view(b, hkv, 1, 1)
    v = decode(vb, fmt) * desc[2][1].double().view(b, hkv, 1, 1)
    ref, ref_lse = reference(q, k, v, alibi_slopes=slopes, sinks=sinks, **kw)
    empty = torch.isinf(ref_lse)
    tol = TOL[out_name]
    record(fmt, "mha out", got, ref)
    check("out", got, ref, tol, seed, empty[..., None])
    if lse is not None:
        record(fmt, "mha lse", lse, ref_lse)
        check("lse", lse, ref_lse, tol, seed, empty)


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("c", CASES, ids=case_id)
def test_attention(c, fmt, seed):
    # A different granularity per descale, cycling through all of them over the cases.
    i = CASES.index(c)
    gran = [GRANULARITY[(i + j) % len(GRANULARITY)] for j in range(3)]
    run_mha(c, fmt, "bf16" if i % 2 == 0 else "f16", gran, seed)


@pytest.mark.parametrize("gran", GRANULARITY)
@pytest.mark.parametrize("fmt", FORMATS)
def test_attention_granularity(gran, fmt, seed):
    """Every descale form on all three descales, GQA, bshd views (no copies)."""
    c = dict(b=2, hq=6, hkv=2, sq=29, sk=41, d=64, causal=True, lse=True)
    run_mha(c, fmt, "bf16", (gran, gran, gran), seed, layout="bshd")


@pytest.mark.parametrize("layout", ["bhsd", "bshd"])
@pytest.mark.parametrize("gran", ["scalar", "head", "batch_head"])
def test_attention_fast_path(gran, layout, seed, monkeypatch):
    """fp8 attention with tensor descales takes a launch plan from a signature's third call
    on (issue 18): fresh inputs and descale tensors every call (the plan reads the descales
    through broadcast views of them), BSHD views, GQA with lse; a number descale makes a
    tensor per call and keeps the checked path."""
    from test_cpu import _no_checks
    c = dict(b=2, hq=6, hkv=2, sq=29, sk=41, d=64, causal=True, lse=True)
    at._fast.clear()
    for _ in range(2):
        run_mha(c, "e4m3fn", "bf16", (gran, gran, gran), seed, layout=layout)
    with monkeypatch.context() as m:
        _no_checks(m)
        for _ in range(3):
            run_mha(c, "e4m3fn", "bf16", (gran, gran, gran), seed, layout=layout)
        with pytest.raises(AssertionError, match="the checked path ran"):
            run_mha(c, "e4m3fn", "bf16", ("number", gran, gran), seed, layout=layout)


def test_attention_native_float8(seed):
    """torch.float8_e4m3fn / float8_e4m3fnuz tensors where torch has them (2.x): the
    same bytes give the same result as uint8 storage; on torch 1.13 the uint8 path is
    the only one, and fp8_dtype names the format."""
    qb, kb, vb = (random_fp8((1, 2, 20, 32), "e4m3fn") for _ in range(3))
    ref = at.attention(qb, kb, vb, fp8_dtype="e4m3fn", q_descale=0.5, causal=True)
    for fmt in FORMATS:
        dt = getattr(torch, "float8_" + fmt, None)
        if dt is None:
            continue
        got = at.attention(qb.view(dt), kb.view(dt), vb.view(dt), q_descale=0.5, causal=True)
        if fmt == "e4m3fn":
            assert torch.equal(got, ref)
        with pytest.raises(ValueError, match="disagrees"):
            other = "e4m3fnuz" if fmt == "e4m3fn" else "e4m3fn"
            at.attention(qb.view(dt), kb.view(dt), vb.view(dt), fp8_dtype=other)


# --- attention_varlen ------------------------------------------------------------------------


def cu(lengths):
    return torch.tensor([0] + [sum(lengths[:i + 1]) for i in range(len(lengths))],
                        dtype=torch.int32)


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("lens", [([5, 0, 40, 1], [7, 3, 60, 1], 3), ([17], [17], 0)],
                         ids=["empty-seq-and-padding", "one"])
def test_attention_varlen(lens, fmt, seed):
    q_lens, k_lens, pad = lens
    hq, hkv, d = 4, 2, 64
    nseq = len(q_lens)
    tq, tk = sum(q_lens) + pad, sum(k_lens)
    qb, kb, vb = random_fp8((tq, hq, d), fmt), random_fp8((tk, hkv, d), fmt), \
        random_fp8((tk, hkv, d), fmt)
    qd, kd, vd = random_scale((nseq, hkv)), random_scale((hkv,)), random_scale(())
    sinks = make_sinks(hq)
    out = nan_like_shape((tq, hq, d), torch.bfloat16)
    got, lse = at.attention_varlen(qb, kb, vb, cu(q_lens), cu(k_lens), causal=True,
                                   return_lse=True, out=out, sinks=sinks, q_descale=qd,
                                   k_descale=kd, v_descale=vd, fp8_dtype=fmt)
    assert got is out
    ref = torch.zeros(tq, hq, d, dtype=torch.float64)
    ref_lse = sinks.double()[:, None].repeat(1, tq)
    cq, ck = cu(q_lens), cu(k_lens)
    for s in range(nseq):
        q0, q1, k0, k1 = int(cq[s]), int(cq[s + 1]), int(ck[s]), int(ck[s + 1])
        if q1 == q0:
            continue
        q = decode(qb[q0:q1], fmt) * qd[s].double().repeat_interleave(hq // hkv)[None, :, None]
        k = decode(kb[k0:k1], fmt) * kd.double()[None, :, None]
        v = decode(vb[k0:k1], fmt) * vd.double()
        o, l = reference(q.transpose(0, 1)[None], k.transpose(0, 1)[None],
                         v.transpose(0, 1)[None], causal=True, sinks=sinks)
        ref[q0:q1] = o[0].transpose(0, 1)
        ref_lse[:, q0:q1] = l[0]
    record(fmt, "varlen out", got, ref)
    check("out", got, ref, TOL["bf16"], seed)
    check("lse", lse, ref_lse, TOL["bf16"], seed)


def test_attention_varlen_fast_path(seed, monkeypatch):
    """test_attention_varlen's call (descales per sequence and head, per head, per tensor;
    sinks, lse, an empty sequence) through a launch plan from its third call on, fresh
    inputs and descales each time."""
    from test_cpu import _no_checks
    lens = ([5, 0, 40, 1], [7, 3, 60, 1], 3)
    at._fast.clear()
    for _ in range(2):
        test_attention_varlen(lens, "e4m3fnuz", seed)
    with monkeypatch.context() as m:
        _no_checks(m)
        for _ in range(3):
            test_attention_varlen(lens, "e4m3fnuz", seed)


def test_attention_varlen_no_sequences():
    """B = 0: every token is past cu_seqlens_q[B]: 0 and lse -inf."""
    qb = random_fp8((3, 2, 16), "e4m3fn")
    z = torch.zeros(1, dtype=torch.int32)
    got, lse = at.attention_varlen(qb, qb[:0], qb[:0], z, z, return_lse=True,
                                   fp8_dtype="e4m3fn", out=nan_like_shape((3, 2, 16),
                                                                         torch.bfloat16))
    assert torch.equal(got, torch.zeros_like(got)) and bool(torch.isinf(lse).all())


# --- paged_attention -------------------------------------------------------------------------

SCALES = ("token", "head", "number", "none")


def make_cache_scale(kind, nb, bs, hkv):
    if kind == "token":
        t = random_scale((nb, bs, hkv))
        return t, t
    if kind == "head":
        t = random_scale((hkv,))
        return t, t.expand(nb, bs, hkv)
    if kind == "number":
        return 1.5, torch.full((nb, bs, hkv), 1.5)
    return None, torch.ones(nb, bs, hkv)


@pytest.mark.parametrize("mode", ["decode", "prefill"])
@pytest.mark.parametrize("ks,vs", [("token", "token"), ("head", "token"), ("number", "head"),
                                   ("none", "none")])
@pytest.mark.parametrize("fmt", FORMATS)
def test_paged(fmt, ks, vs, mode, seed):
    hq, hkv, d, bs = 8, 2, 64, 16
    q_lens, seq_lens = [1, 20, 0, 3, 1], [100, 20, 0, 50, 1]
    k_cache, v_cache, tables, _, _ = paged_cache(q_lens, seq_lens, bs, torch.float32, hkv, d, d)
    kc, vc = encode(k_cache, fmt), encode(v_cache, fmt)
    nb = kc.shape[0]
    k_scale, k_full = make_cache_scale(ks, nb, bs, hkv)
    v_scale, v_full = make_cache_scale(vs, nb, bs, hkv)
    qsl, sl = cu(q_lens), torch.tensor(seq_lens, dtype=torch.int32)
    tq = int(qsl[-1]) + 2
    q = torch.randn(tq, hq, d).to(torch.bfloat16)
    out = nan_like_shape((tq, hq, d), torch.bfloat16)
    kw = dict(causal=True, window=(-1, -1), softcap=0.0, scale=None, return_lse=True,
              alibi_slopes=None, sinks=None)
    max_q = 1 if mode == "decode" else 1 << 20
    got, lse = at.paged_attention(q, kc, vc, tables, sl, qsl, causal=True, return_lse=True,
                                  out=out, max_query_len=max_q, k_scale=k_scale,
                                  v_scale=v_scale, fp8_dtype=fmt)
    assert got is out
    kd = decode(kc, fmt) * k_full.double()[..., None]
    vd = decode(vc, fmt) * v_full.double()[..., None]
    ref, ref_lse = paged_reference(q, kd, vd, tables, sl, qsl, kw)
    empty = torch.isinf(ref_lse)
    record(fmt, "paged out", got, ref)
    check("out", got, ref, TOL["bf16"], seed, empty.t()[..., None])
    check("lse", lse, ref_lse, TOL["bf16"], seed, empty)


@pytest.mark.parametrize("kind", ["token", "head", "scalar", "one"])
@pytest.mark.parametrize("fmt", FORMATS)
def test_paged_fast_path(fmt, kind, seed, monkeypatch):
    """fp8 caches with tensor scales take a launch plan from a signature's third call on
    (issue 18), fresh caches, queries and scale values each call: the plan reads the scale
    tensors' own storage (a broadcast view, not a copy), so scales changed in place count.
    A scale given as a number makes a tensor per call and keeps the checked path."""
    from test_cpu import _no_checks
    hq, hkv, d, bs = 8, 2, 64, 16
    q_lens, seq_lens = [1, 1, 0, 1], [100, 20, 0, 1]
    qsl, sl = cu(q_lens), torch.tensor(seq_lens, dtype=torch.int32)
    tq = int(qsl[-1]) + 1
    shape = {"token": None, "head": (hkv,), "scalar": (), "one": (1,)}[kind]
    k_cache, _, tables, _, _ = paged_cache(q_lens, seq_lens, bs, torch.float32, hkv, d, d)
    nb = k_cache.shape[0]
    k_scale = random_scale(shape or (nb, bs, hkv))
    v_scale = random_scale(shape or (nb, bs, hkv))
    kw = dict(causal=True, window=(-1, -1), softcap=0.0, scale=None, return_lse=False,
              alibi_slopes=None, sinks=None)

    def call(number=False):
        kf, vf, _, _, _ = paged_cache(q_lens, seq_lens, bs, torch.float32, hkv, d, d)
        kc, vc = encode(kf, fmt), encode(vf, fmt)
        k_scale.copy_(random_scale(k_scale.shape))  # in place: the plan must see it
        v_scale.copy_(random_scale(v_scale.shape))
        q = torch.randn(tq, hq, d).to(torch.bfloat16)
        out = nan_like_shape((tq, hq, d), torch.bfloat16)
        ks = float(k_scale.reshape(-1)[0]) if number else k_scale
        got = at.paged_attention(q, kc, vc, tables, sl, qsl, causal=True, out=out,
                                 max_query_len=1, k_scale=ks, v_scale=v_scale, fp8_dtype=fmt)
        assert got is out
        kfull = (k_scale.reshape(-1)[0].expand(nb, bs, hkv) if number else
                 k_scale.reshape(() if k_scale.numel() == 1 else k_scale.shape)
                 .expand(nb, bs, hkv))
        vfull = v_scale.reshape(() if v_scale.numel() == 1 else v_scale.shape).expand(
            nb, bs, hkv)
        kd = decode(kc, fmt) * kfull.double()[..., None]
        vd = decode(vc, fmt) * vfull.double()[..., None]
        ref, _ = paged_reference(q, kd, vd, tables, sl, qsl, kw)
        check("out", got, ref, TOL["bf16"], seed, None)

    at._fast.clear()
    for _ in range(2):  # checked; the plan is made at the second
        call()
    with monkeypatch.context() as m:
        _no_checks(m)
        for _ in range(3):
            call()
        with pytest.raises(AssertionError, match="the checked path ran"):
            call(number=True)


# --- mla_decode ------------------------------------------------------------------------------


@pytest.mark.parametrize("per_token", [True, False], ids=["token", "tensor"])
@pytest.mark.parametrize("fmt", FORMATS)
def test_mla_decode(fmt, per_token, seed):
    """attn.mla over an fp8 latent cache: kv_scale per token (NB, BS) or a number; the
    rows (K, and V their first kv_lora_rank values) are kv_cache * kv_scale."""
    from test_mla import latent_cache, mla_reference
    h, rank, rope, bs = 16, 64, 32, 16
    q_lens, seq_lens = [1, 3, 0, 1], [40, 17, 0, 1]
    kv, tables = latent_cache(seq_lens, bs, torch.float32, rank + rope)
    kvb = encode(torch.nan_to_num(kv), fmt)
    # Slots no sequence reads hold the format's NaN (as the f32 cache held NaN there).
    kvb[torch.isnan(kv)] = 0x7F if fmt == "e4m3fn" else 0x80
    nb = kvb.shape[0]
    if per_token:
        kv_scale = random_scale((nb, bs))
        full = kv_scale.double()
    else:
        kv_scale = 1.25
        full = torch.full((nb, bs), 1.25, dtype=torch.float64)
    qsl, sl = cu(q_lens), torch.tensor(seq_lens, dtype=torch.int32)
    tq = int(qsl[-1]) + 2
    q = torch.randn(tq, h, rank + rope).to(torch.float16)
    out = nan_like_shape((tq, h, rank), torch.float16)
    got, lse = at.mla_decode(q, kvb, tables, sl, qsl, kv_lora_rank=rank, causal=True,
                             return_lse=True, out=out, kv_scale=kv_scale, fp8_dtype=fmt)
    assert got is out
    ref, ref_lse = mla_reference(q, decode(kvb, fmt) * full[..., None], tables, sl, qsl, rank,
                                 True)
    record(fmt, "mla out", got, ref)
    check("out", got, ref, TOL["f16"], seed)
    check("lse", lse, ref_lse, TOL["f16"], seed)


# --- attnc.flash_attn (FA3's names) ----------------------------------------------------------


def test_flash_attn_fp8(seed):
    """flash_attn_func / flash_attn_varlen_func with FA3's q_descale, k_descale,
    v_descale ((B, Hkv)) on bshd / packed fp8 tensors: attnc.torch's results."""
    from attnc.flash_attn import flash_attn_func, flash_attn_varlen_func
    fmt = "e4m3fnuz"
    q, k = random_fp8((2, 21, 4, 32), fmt), random_fp8((2, 30, 2, 32), fmt)
    qd, kd, vd = (random_scale((2, 2)) for _ in range(3))
    got = flash_attn_func(q, k, k, causal=True, q_descale=qd, k_descale=kd, v_descale=vd,
                          fp8_dtype=fmt)
    want = at.attention(q, k, k, causal=True, layout="bshd", q_descale=qd, k_descale=kd,
                        v_descale=vd, fp8_dtype=fmt)
    assert got.dtype == torch.bfloat16 and torch.equal(got, want)
    qp, kp = q.reshape(-1, 4, 32), k.reshape(-1, 2, 32)
    cq, ck = cu([21, 21]), cu([30, 30])
    got = flash_attn_varlen_func(qp, kp, kp, cq, ck, 21, 30, causal=True, q_descale=qd,
                                 k_descale=kd, v_descale=vd, fp8_dtype=fmt)
    assert torch.equal(got.reshape(2, 21, 4, 32), want)


# --- errors ----------------------------------------------------------------------------------


def test_errors():
    qb = random_fp8((1, 2, 8, 16), "e4m3fn")
    with pytest.raises(ValueError, match="fp8_dtype"):
        at.attention(qb, qb, qb)  # uint8 without fp8_dtype
    with pytest.raises(ValueError, match="fp8_dtype must be"):
        at.attention(qb, qb, qb, fp8_dtype="e5m2")
    bf = torch.randn(1, 2, 8, 16).to(torch.bfloat16)
    with pytest.raises(ValueError, match="fp8 q, k, v"):
        at.attention(bf, bf, bf, q_descale=1.0)
    with pytest.raises(ValueError, match="one dtype"):
        at.attention(qb, bf, bf, fp8_dtype="e4m3fn")
    with pytest.raises(ValueError, match="k_descale must have shape"):
        at.attention(qb, qb, qb, fp8_dtype="e4m3fn", k_descale=torch.ones(3))
    with pytest.raises(ValueError, match="float32"):
        at.attention(qb, qb, qb, fp8_dtype="e4m3fn", v_descale=torch.ones(2, dtype=torch.float64))
    with pytest.raises(ValueError, match="bfloat16 or float16"):
        at.attention(qb, qb, qb, fp8_dtype="e4m3fn", out_dtype=torch.float32)
    with pytest.raises(ValueError, match="out_dtype need fp8"):
        at.attention(bf, bf, bf, out_dtype=torch.float16)
    with pytest.raises(TypeError, match="q must be a torch.Tensor"):
        at.attention([1], qb, qb, fp8_dtype="e4m3fn")
    with pytest.raises(NotImplementedError, match="no backward"):
        at.attention(qb.float().requires_grad_(), qb, qb, fp8_dtype="e4m3fn")
    kc = random_fp8((4, 16, 2, 16), "e4m3fnuz")
    q = torch.randn(2, 2, 16).to(torch.bfloat16)
    t = torch.zeros(1, 2, dtype=torch.int32)
    sl, qsl = torch.ones(1, dtype=torch.int32), torch.tensor([0, 2], dtype=torch.int32)
    with pytest.raises(ValueError, match="fp8_dtype"):
        at.paged_attention(q, kc, kc, t, sl, qsl)
    with pytest.raises(ValueError, match="k_scale must have shape"):
        at.paged_attention(q, kc, kc, t, sl, qsl, fp8_dtype="e4m3fnuz",
                           k_scale=torch.ones(4, 8, 2))


def test_gpu_formats(monkeypatch):
    """Each GPU takes its own fp8 format (attn-tile refuses the other): e4m3fn on sm_90a
    and gfx950, e4m3fnuz on gfx942; the error names the device, its chip and both
    formats. The check itself (no GPU needed: device_target reads the env vars)."""
    monkeypatch.setenv("ATTNC_CUDA_TARGET", "sm_90a")
    monkeypatch.setenv("ATTNC_HIP_TARGET", "gfx942")
    at._fp8_gpu_format("f", "inputs", "cuda:0", "e4m3fn")
    at._fp8_gpu_format("f", "caches", "hip:0", "e4m3fnuz")
    with pytest.raises(NotImplementedError,
                       match=r"f: fp8 inputs on cuda:0 \(sm_90a\) are e4m3fn, got e4m3fnuz"):
        at._fp8_gpu_format("f", "inputs", "cuda:0", "e4m3fnuz")
    with pytest.raises(NotImplementedError,
                       match=r"f: fp8 caches on hip:1 \(gfx942\) are e4m3fnuz, got e4m3fn"):
        at._fp8_gpu_format("f", "caches", "hip:1", "e4m3fn")
    monkeypatch.setenv("ATTNC_HIP_TARGET", "gfx950")
    at._fp8_gpu_format("f", "inputs", "hip:0", "e4m3fn")
    with pytest.raises(NotImplementedError, match=r"\(gfx950\) are e4m3fn, got e4m3fnuz"):
        at._fp8_gpu_format("f", "inputs", "hip:0", "e4m3fnuz")


def test_report_errors():
    """Prints the worst errors reached per format (run with -s to see them)."""
    for (fmt, what), (err, cos) in sorted(ERRORS.items()):
        print("fp8 %s %s: max abs err %.3g, min cosine %.6f" % (fmt, what, err, cos))
