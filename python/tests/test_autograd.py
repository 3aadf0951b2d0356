"""attnc.torch's autograd path on CPU tensors (docs/backward.md).

When q, k or v require grad, attention() and attention_varlen() return an out whose
backward runs attnc's backward kernels (delta, dK/dV, dQ). Checked here against the
gradients of an independent float64 reference (plain masked softmax, autograd of torch
ops), by central finite differences of the kernels' own forward on tiny f32 shapes
(gradcheck's method), for determinism (two backward passes give the same bits) and for
the rules (lse is not differentiable, out= is refused, only the inputs that require grad
get one).

Fresh random inputs every test (the seed is printed; ATTNC_TEST_SEED=N replays); the
gradient buffers are filled with NaN before the kernels run, so an element they do not
write fails. Tolerances as the forward's: f32 atol = rtol = 1e-4, f16/bf16 1e-2.
"""
import math
import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))  # python/ (attnc)

import torch  # noqa: E402

import attnc.torch as at  # noqa: E402

# Skips count in this directory: python/tests/attnc_pytest.py.
from attnc_pytest import (pytest_collection_modifyitems, pytest_collectreport,  # noqa: F401,E402
                          pytest_configure, pytest_runtest_logreport, pytest_sessionfinish,
                          pytest_terminal_summary)

DTYPES = {"f32": torch.float32, "bf16": torch.bfloat16, "f16": torch.float16}
TOL = {"f32": 1e-4, "bf16": 1e-2, "f16": 1e-2}

torch.set_num_threads(max(1, min(2, os.cpu_count() or 1)))


@pytest.fixture(autouse=True)
def poisoned_gradients(monkeypatch):
    monkeypatch.setattr(at, "_new_grad", lambda t: torch.full(t.shape, float("nan"),
                                                              dtype=t.dtype, device=t.device))


def reference(q, k, v, *, causal=False, scale=None, window=(-1, -1), softcap=0.0,
              alibi_slopes=None, sinks=None):
    """out (B, Hq, Sq, Dv) in float64 from BHSD float64 q, k, v, differentiable: the
    softmax without NaN for rows that see no key (their out is 0). sinks (Hq,) float64:
    one more logit per row without a value (differentiable too)."""
    b, hq, sq, d = q.shape
    hkv, sk = k.shape[1], k.shape[2]
    scale = 1.0 / math.sqrt(d) if scale is None else scale
    kf = k.repeat_interleave(hq // hkv, dim=1)
    vf = v.repeat_interleave(hq // hkv, dim=1)
    s = torch.matmul(q, kf.transpose(-1, -2)) * scale
    if softcap > 0:
        s = softcap * torch.tanh(s / softcap)
    rel = torch.arange(sq)[:, None] + sk - sq - torch.arange(sk)[None, :]
    if alibi_slopes is not None:
        s = s - alibi_slopes.double().view(1, hq, 1, 1) * rel.abs().double()
    visible = torch.ones(sq, sk, dtype=torch.bool)
    if causal:
        visible &= rel >= 0
    if window[0] >= 0:
        visible &= rel <= window[0]
    if window[1] >= 0:
        visible &= rel >= -window[1]
    s = s.masked_fill(~visible, float("-inf"))
    if sinks is not None:
        s = torch.cat([s, sinks.view(1, hq, 1, 1).expand(b, hq, sq, 1)], dim=-1)
    m = s.detach().amax(dim=-1, keepdim=True) if s.shape[-1] else \
        s.new_zeros(s.shape[:-1] + (1,))
    e = torch.exp(s - torch.where(torch.isinf(m), torch.zeros_like(m), m))
    p = e / e.sum(dim=-1, keepdim=True).clamp_min(1e-300)
    return torch.matmul(p[..., :sk], vf)


def check(what, got, want, tol, seed):
    """|got - want| <= atol + tol * |want| with atol = tol times the gradient's largest
    magnitude (at least 1): gradients are not bounded by the values as out is, and an element
    near 0 of a large bf16 gradient carries the rounding of p and ds of the whole tensor (the
    rule attn-run applies to gradients, docs/backward.md)."""
    got = got.double()
    where = "(seed %d; replay with ATTNC_TEST_SEED=%d)" % (seed, seed)
    assert tuple(got.shape) == tuple(want.shape), "%s: shape %s, want %s" % (
        what, tuple(got.shape), tuple(want.shape))
    assert not torch.isnan(got).any(), "%s: %d NaN (unwritten or 0/0) %s" % (
        what, int(torch.isnan(got).sum()), where)
    err = (got - want).abs()
    finite = want[torch.isfinite(want)].abs()
    atol = tol * max(1.0, finite.max().item() if finite.numel() else 1.0)
    bad = err > atol + tol * want.abs()
    if bad.any():
        idx = bad.nonzero()[0].tolist()
        raise AssertionError("%s: %d of %d elements off (atol %g, rtol %g), max err %.3g; first "
                             "at %s: got %r, want %r %s"
                             % (what, int(bad.sum()), got.numel(), atol, tol, err.max().item(), idx,
                                got[tuple(idx)].item(), want[tuple(idx)].item(), where))


def leaves(*ts):
    return [t.detach().clone().requires_grad_(True) for t in ts]


def dense_grads(dtype, b, hq, hkv, sq, sk, d, dv, layout="bhsd", alibi=False, **opts):
    """(attnc's dq, dk, dv, the reference's, the seed's inputs) for a random upstream
    gradient of out."""
    t = DTYPES[dtype]
    q, k, v = (torch.randn(b, h, s, x).to(t) for h, s, x in ((hq, sq, d), (hkv, sk, d),
                                                              (hkv, sk, dv)))
    slopes = (torch.rand(hq) * 0.5 + 0.1) if alibi else None
    w = torch.randn(b, hq, sq, dv).to(t)
    if layout == "bshd":
        q, k, v, w = (x.transpose(1, 2).contiguous() for x in (q, k, v, w))
    lq, lk, lv = leaves(q, k, v)
    out = at.attention(lq, lk, lv, alibi_slopes=slopes, layout=layout, **opts)
    assert out.requires_grad and out.grad_fn is not None
    got = torch.autograd.grad(out, (lq, lk, lv), w)
    tr = (lambda x: x.transpose(1, 2)) if layout == "bshd" else (lambda x: x)
    rq, rk, rv = leaves(*(x.double() for x in (q, k, v)))
    ref = reference(tr(rq), tr(rk), tr(rv), alibi_slopes=slopes, **opts)
    want = torch.autograd.grad(ref, (rq, rk, rv), tr(w.double()))
    return got, want


# (dtype, B, Hq, Hkv, Sq, Sk, D, Dv, options): sizes no multiple of any tile; causal with
# Sq < Sk and Sq > Sk (the first rows see no key: dq = 0, nothing to dk/dv).
DENSE = [
    ("f32", 2, 2, 2, 19, 23, 32, 32, {}),
    ("f32", 1, 4, 2, 37, 45, 32, 32, dict(causal=True)),
    ("bf16", 1, 8, 2, 45, 29, 64, 64, dict(causal=True)),
    ("f16", 2, 4, 1, 17, 40, 32, 32, dict(window=(3, 2))),
    ("f32", 1, 4, 2, 21, 30, 32, 32, dict(softcap=5.0, alibi=True, causal=True)),
    ("bf16", 2, 4, 4, 33, 33, 64, 64, dict(layout="bshd", causal=True)),
    ("f32", 1, 2, 1, 20, 26, 80, 48, dict(scale=0.3)),
    ("f32", 1, 2, 2, 0, 9, 16, 16, dict(causal=True)),
    ("f32", 1, 2, 2, 9, 0, 16, 16, {}),
]


@pytest.mark.parametrize("case", DENSE, ids=lambda c: "%s-%dx%d-%d-%d-%s" % (
    c[0], c[2], c[3], c[4], c[5], "-".join("%s=%s" % kv for kv in sorted(c[8].items()))))
def test_dense_gradients(case, seed):
    dtype, b, hq, hkv, sq, sk, d, dv, opts = case
    got, want = dense_grads(dtype, b, hq, hkv, sq, sk, d, dv, **opts)
    for name, g, w in zip(("dq", "dk", "dv"), got, want):
        check("%s %s" % (name, case), g, w, TOL[dtype], seed)


def test_varlen_gradients(seed):
    """Sequences of 0/3, 1/1, 17/40, 1/0 and 5/17 (queries/keys), then 4 query and 2 key
    tokens past the last one (their gradients are 0), GQA, causal, softcap."""
    hq, hkv, d = 4, 2, 32
    cu_q = torch.tensor([0, 0, 1, 18, 19, 24], dtype=torch.int32)
    cu_k = torch.tensor([0, 3, 4, 44, 44, 61], dtype=torch.int32)
    tq, tk = 28, 63
    q, k, v = torch.randn(tq, hq, d), torch.randn(tk, hkv, d), torch.randn(tk, hkv, d)
    w = torch.randn(tq, hq, d)
    lq, lk, lv = leaves(q, k, v)
    out = at.attention_varlen(lq, lk, lv, cu_q, cu_k, causal=True, softcap=8.0)
    got = torch.autograd.grad(out, (lq, lk, lv), w)
    rq, rk, rv = leaves(q.double(), k.double(), v.double())
    outs = []
    for s in range(len(cu_q) - 1):
        a, e, ka, ke = int(cu_q[s]), int(cu_q[s + 1]), int(cu_k[s]), int(cu_k[s + 1])
        o = reference(rq[a:e].transpose(0, 1)[None], rk[ka:ke].transpose(0, 1)[None],
                      rv[ka:ke].transpose(0, 1)[None], causal=True, softcap=8.0)
        outs.append((o[0].transpose(0, 1) * w[a:e].double()).sum())
    want = torch.autograd.grad(sum(outs), (rq, rk, rv), allow_unused=True)
    want = [torch.zeros_like(x) if g is None else g for g, x in zip(want, (rq, rk, rv))]
    for name, g, x in zip(("dq", "dk", "dv"), got, want):
        check("varlen " + name, g, x, TOL["f32"], seed)
    assert (got[0][24:] == 0).all() and (got[1][61:] == 0).all() and (got[1][:3] == 0).all()


def test_finite_differences(seed):
    """gradcheck's method on tiny f32 shapes: central differences of the kernels' own
    forward, (L(x + eps) - L(x - eps)) / 2 eps with L = sum(out * w) in float64, for
    every element of q, k and v (GQA 2/1, causal with Sq < Sk, softcap, alibi)."""
    q, k, v = torch.randn(1, 2, 3, 4), torch.randn(1, 1, 5, 4), torch.randn(1, 1, 5, 4)
    slopes = torch.tensor([0.3, 0.7])
    w = torch.randn(1, 2, 3, 4).double()
    opts = dict(causal=True, softcap=3.0, alibi_slopes=slopes)

    def loss(q, k, v):
        with torch.no_grad():
            return (at.attention(q, k, v, **opts).double() * w).sum().item()

    lq, lk, lv = leaves(q, k, v)
    analytic = torch.autograd.grad(at.attention(lq, lk, lv, **opts), (lq, lk, lv), w.float())
    eps = 1e-2
    for name, x, a in zip(("q", "k", "v"), (q, k, v), analytic):
        numeric = torch.zeros(x.shape, dtype=torch.float64)
        flat = x.view(-1)
        for i in range(flat.numel()):
            old = flat[i].item()
            flat[i] = old + eps
            up = loss(q, k, v)
            flat[i] = old - eps
            down = loss(q, k, v)
            flat[i] = old
            numeric.view(-1)[i] = (up - down) / (2 * eps)
        err = (a.double() - numeric).abs()
        assert (err <= 2e-3 + 2e-3 * numeric.abs()).all(), (
            "d%s: analytic %s, numeric %s (seed %d)" % (name, a.flatten().tolist(),
                                                        numeric.flatten().tolist(), seed))


# --- sinks: dq, dk, dv with the sinks in the softmax, and dsink (issue 17 section 2) ---------

def sinks_for(hq, edge=True):
    """Sinks around the size of the logits; with edge and hq > 2: head 0 without one
    (-inf: dsink 0), head 1 one that outweighs most keys."""
    s = torch.randn(hq) * 1.5
    if edge and hq > 2:
        s[0], s[1] = float("-inf"), 4.0
    return s


# (dtype, B, Hq, Hkv, Sq, Sk, D, options): GQA, causal with Sq > Sk (rows that see no key:
# their out is 0 whatever the sink, and they add nothing to dsink), windows, softcap +
# alibi, BSHD, a head without a sink.
SINKS = [
    ("f32", 2, 4, 2, 19, 23, 32, {}),
    ("f32", 1, 4, 2, 37, 25, 32, dict(causal=True)),
    ("bf16", 1, 8, 2, 45, 29, 64, dict(causal=True, window=(7, -1))),
    ("f16", 2, 3, 1, 17, 40, 32, dict(window=(3, 2))),
    ("f32", 1, 4, 2, 21, 30, 32, dict(softcap=5.0, alibi=True, causal=True)),
    ("f32", 2, 4, 4, 13, 13, 16, dict(layout="bshd", causal=True)),
]


@pytest.mark.parametrize("case", SINKS, ids=lambda c: "%s-%dx%d-%d-%d-%s" % (
    c[0], c[2], c[3], c[4], c[5], "-".join("%s=%s" % kv for kv in sorted(c[7].items()))))
def test_sinks_gradients(case, seed):
    """dq, dk, dv and dsink (the sinks' gradient, aiter's dsink) against float64 autograd
    of the reference with the sinks as a value-less logit."""
    dtype, b, hq, hkv, sq, sk, d, opts = case
    opts = dict(opts)
    layout = opts.pop("layout", "bhsd")
    alibi = opts.pop("alibi", False)
    t = DTYPES[dtype]
    q, k, v = (torch.randn(b, h, n, d).to(t) for h, n in ((hq, sq), (hkv, sk), (hkv, sk)))
    w = torch.randn(b, hq, sq, d).to(t)
    slopes = (torch.rand(hq) * 0.5 + 0.1) if alibi else None
    sinks = sinks_for(hq)
    if layout == "bshd":
        q, k, v, w = (x.transpose(1, 2).contiguous() for x in (q, k, v, w))
    lq, lk, lv, ls = leaves(q, k, v, sinks)
    out = at.attention(lq, lk, lv, alibi_slopes=slopes, sinks=ls, layout=layout, **opts)
    got = torch.autograd.grad(out, (lq, lk, lv, ls), w)
    tr = (lambda x: x.transpose(1, 2)) if layout == "bshd" else (lambda x: x)
    rq, rk, rv, rs = leaves(*(x.double() for x in (q, k, v, sinks)))
    ref = reference(tr(rq), tr(rk), tr(rv), alibi_slopes=slopes, sinks=rs, **opts)
    want = torch.autograd.grad(ref, (rq, rk, rv, rs), tr(w.double()))
    for name, g, x in zip(("dq", "dk", "dv", "dsink"), got, want):
        check("%s %s" % (name, case), g, x, TOL[dtype], seed)
    assert got[3].dtype == torch.float32 and got[3].shape == (hq,)
    if hq > 2:
        assert got[3][0].item() == 0.0, "a head without a sink (-inf) has dsink 0"


def test_sinks_only_require_grad(seed):
    """Only the sinks require grad: attention() still takes the autograd path and gives
    dsink (q, k, v get none)."""
    q, k, v = torch.randn(1, 4, 9, 16), torch.randn(1, 2, 12, 16), torch.randn(1, 2, 12, 16)
    (ls,) = leaves(sinks_for(4, edge=False))
    out = at.attention(q, k, v, sinks=ls, causal=True)
    assert out.requires_grad
    w = torch.randn(1, 4, 9, 16)
    (got,) = torch.autograd.grad(out, (ls,), w)
    (rs,) = leaves(ls.detach().double())
    ref = reference(q.double(), k.double(), v.double(), causal=True, sinks=rs)
    (want,) = torch.autograd.grad(ref, (rs,), w.double())
    check("dsink", got, want, TOL["f32"], seed)


def test_sinks_varlen_gradients(seed):
    """Varlen with sinks: sequences of 0/3, 1/1, 17/40, 1/0 (a query without keys: out 0,
    nothing to dsink) and 5/17, tokens past the last sequence, GQA, causal; dq, dk, dv and
    dsink against float64 autograd per sequence."""
    hq, hkv, d = 4, 2, 32
    cu_q = torch.tensor([0, 0, 1, 18, 19, 24], dtype=torch.int32)
    cu_k = torch.tensor([0, 3, 4, 44, 44, 61], dtype=torch.int32)
    tq, tk = 28, 63
    q, k, v = torch.randn(tq, hq, d), torch.randn(tk, hkv, d), torch.randn(tk, hkv, d)
    w = torch.randn(tq, hq, d)
    sinks = sinks_for(hq)
    lq, lk, lv, ls = leaves(q, k, v, sinks)
    out = at.attention_varlen(lq, lk, lv, cu_q, cu_k, causal=True, sinks=ls)
    got = torch.autograd.grad(out, (lq, lk, lv, ls), w)
    rq, rk, rv, rs = leaves(q.double(), k.double(), v.double(), sinks.double())
    loss = 0.0
    for j in range(len(cu_q) - 1):
        a, e, ka, ke = int(cu_q[j]), int(cu_q[j + 1]), int(cu_k[j]), int(cu_k[j + 1])
        o = reference(rq[a:e].transpose(0, 1)[None], rk[ka:ke].transpose(0, 1)[None],
                      rv[ka:ke].transpose(0, 1)[None], causal=True, sinks=rs)
        loss = loss + (o[0].transpose(0, 1) * w[a:e].double()).sum()
    want = torch.autograd.grad(loss, (rq, rk, rv, rs), allow_unused=True)
    want = [torch.zeros_like(x) if g is None else g for g, x in zip(want, (rq, rk, rv, rs))]
    for name, g, x in zip(("dq", "dk", "dv", "dsink"), got, want):
        check("varlen sinks " + name, g, x, TOL["f32"], seed)
    assert (got[0][24:] == 0).all()


def test_sinks_finite_differences(seed):
    """dsink by central differences of the kernels' own forward (float64 loss), on a tiny
    f32 case with GQA, causal Sq > Sk (a row without keys) and softcap."""
    q, k, v = torch.randn(1, 2, 4, 4), torch.randn(1, 1, 3, 4), torch.randn(1, 1, 3, 4)
    sinks = torch.tensor([0.4, -1.1])
    w = torch.randn(1, 2, 4, 4).double()
    opts = dict(causal=True, softcap=3.0)

    def loss(s):
        with torch.no_grad():
            return (at.attention(q, k, v, sinks=s, **opts).double() * w).sum().item()

    (ls,) = leaves(sinks)
    (analytic,) = torch.autograd.grad(at.attention(q, k, v, sinks=ls, **opts), (ls,),
                                      w.float())
    eps = 1e-2
    for h in range(2):
        up, down = sinks.clone(), sinks.clone()
        up[h] += eps
        down[h] -= eps
        numeric = (loss(up) - loss(down)) / (2 * eps)
        assert abs(analytic[h].item() - numeric) <= 2e-3 + 2e-3 * abs(numeric), (
            "dsink[%d]: analytic %r, numeric %r (seed %d)" % (h, analytic[h].item(), numeric,
                                                             seed))


def test_deterministic(seed):
    """dK/dV and dQ are each written by one program (no atomics): bitwise repeatable."""
    q, k, v = leaves(torch.randn(2, 8, 50, 64).bfloat16(), torch.randn(2, 2, 70, 64).bfloat16(),
                     torch.randn(2, 2, 70, 64).bfloat16())
    w = torch.randn(2, 8, 50, 64).bfloat16()
    runs = [torch.autograd.grad(at.attention(q, k, v, causal=True), (q, k, v), w)
            for _ in range(3)]
    for a, b in zip(runs[0], runs[1]):
        assert torch.equal(a, b)
    for a, b in zip(runs[0], runs[2]):
        assert torch.equal(a, b)


def test_rules(seed):
    q, k, v = leaves(torch.randn(1, 2, 5, 16), torch.randn(1, 2, 6, 16), torch.randn(1, 2, 6, 16))
    out, lse = at.attention(q, k, v, return_lse=True)
    assert out.requires_grad and not lse.requires_grad
    with pytest.raises(ValueError, match="out= cannot be used"):
        at.attention(q, k, v, out=torch.empty(1, 2, 5, 16))
    with torch.no_grad():
        assert not at.attention(q, k, v).requires_grad
    # sinks take part in autograd (test_sinks_gradients); lse stays non-differentiable
    out, lse = at.attention(q, k, v, sinks=torch.zeros(2), return_lse=True)
    assert out.requires_grad and not lse.requires_grad
    # The backward is not differentiable again: create_graph=True then a second grad raises.
    g = torch.autograd.grad(at.attention(q, k, v).sum(), (q,), create_graph=True)[0]
    with pytest.raises(RuntimeError, match="does not require grad|differentiate twice"):
        torch.autograd.grad(g.sum(), (q,))
    # Only k requires grad: dq is not asked for, dk and dv are computed.
    q2 = q.detach()
    out = at.attention(q2, k, v)
    (gk,) = torch.autograd.grad(out.sum(), (k,))
    assert gk.shape == k.shape and not torch.isnan(gk).any()


def test_flash_attn_drop_in(seed):
    """attnc.flash_attn's functions are differentiable through attnc.torch (BSHD)."""
    from attnc.flash_attn import flash_attn_func, flash_attn_varlen_func
    q, k, v = torch.randn(2, 11, 4, 32), torch.randn(2, 14, 2, 32), torch.randn(2, 14, 2, 32)
    w = torch.randn(2, 11, 4, 32)
    lq, lk, lv = leaves(q, k, v)
    got = torch.autograd.grad(flash_attn_func(lq, lk, lv, causal=True), (lq, lk, lv), w)
    rq, rk, rv = leaves(q.double(), k.double(), v.double())
    ref = reference(rq.transpose(1, 2), rk.transpose(1, 2), rv.transpose(1, 2), causal=True)
    want = torch.autograd.grad(ref, (rq, rk, rv), w.double().transpose(1, 2))
    for name, g, x in zip(("dq", "dk", "dv"), got, want):
        check("flash_attn_func " + name, g, x, TOL["f32"], seed)
    cu = torch.tensor([0, 5, 11], dtype=torch.int32)
    lq, lk, lv = leaves(q[0], q[0][:, :2], q[0][:, :2])
    out = flash_attn_varlen_func(lq, lk, lv, cu, cu, 6, 6, causal=True)
    g = torch.autograd.grad(out.sum(), (lq, lk, lv))
    assert all(not torch.isnan(x).any() for x in g)
