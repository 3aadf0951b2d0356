"""dropout_p in attnc.torch.attention / attention_varlen and attnc.flash_attn on the CPU
(docs/backward.md, "Dropout").

The keep mask is a pure function of (seed, offset, b * Hq + h, i, j) through Philox4x32-10
(passes/Dropout.h). It is computed here a third time, by a pure-numpy Philox written from
that definition (the kernels' is passes/Dropout.c, attn-run's reference
attnRefDropoutScale), and the forward and the gradients are checked against a float64
reference that applies that mask: out = (P * Z) V with Z = keep / (1 - p), lse that of P,
gradients by float64 autograd of the same expression. Also: the same torch.manual_seed
gives bitwise equal results, another seed another mask, the kept fraction is about 1 - p,
central differences of the kernels' own forward at a fixed rng_state match the backward
kernels, and dropout_p outside [0, 1) is a ValueError. Shapes are not multiples of the
tiles and include Sq = 1.
"""
import math
import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
for _p in (os.path.dirname(HERE), HERE):  # python/ (attnc), and philox_ref
    if _p not in sys.path:
        sys.path.insert(0, _p)

import numpy as np  # noqa: E402
import torch  # noqa: E402

import attnc.flash_attn as fa  # noqa: E402
import attnc.torch as at  # noqa: E402
from attnc import kernels  # noqa: E402
from attnc.spec import AttentionSpec  # noqa: E402

# Skips count in this directory: python/tests/attnc_pytest.py.
from attnc_pytest import (pytest_collection_modifyitems, pytest_collectreport,  # noqa: F401,E402
                          pytest_configure, pytest_runtest_logreport, pytest_sessionfinish,
                          pytest_terminal_summary)

torch.set_num_threads(max(1, min(2, os.cpu_count() or 1)))

# A seed and an offset beyond 2^32: both words of each reach the key and the counter.
RNG = (0x0123456789ABCDEF, (1 << 32) + 7)

from philox_ref import _MASK32, keep_factor, philox_word0  # noqa: E402


def test_philox_known_answers():
    """Random123's known-answer vectors of Philox4x32-10 (word 0)."""
    assert int(philox_word0((0, 0, 0, 0), (0, 0))) == 0x6627E8D5
    f = _MASK32
    assert int(philox_word0((f, f, f, f), (f, f))) == 0x408F276D
    assert int(philox_word0((0x243F6A88, 0x85A308D3, 0x13198A2E, 0x03707344),
                            (0xA4093822, 0x299F31D0))) == 0xD16CFE09


# --- the float64 reference ---------------------------------------------------------------

def reference(q, k, v, z, causal=False, window=(-1, -1), scale=None):
    """BHSD float64: out = (P * Z) V, lse = logsumexp of the logits (before dropout);
    rows that see no key give 0 and -inf. z: (B * Hq, Sq, Sk) float64."""
    b, hq, sq, d = q.shape
    hkv, sk = k.shape[1], k.shape[2]
    kk = k.repeat_interleave(hq // hkv, dim=1)
    vv = v.repeat_interleave(hq // hkv, dim=1)
    scale = 1.0 / math.sqrt(d) if scale is None else scale
    s = torch.einsum("bhid,bhjd->bhij", q, kk) * float(np.float32(scale))
    i = torch.arange(sq)[:, None] + (sk - sq)
    j = torch.arange(sk)[None, :]
    vis = torch.ones(sq, sk, dtype=torch.bool)
    if causal:
        vis &= j <= i
    if window[0] >= 0:
        vis &= j >= i - window[0]
    if window[1] >= 0:
        vis &= j <= i + window[1]
    s = s.masked_fill(~vis, -math.inf)
    lse = torch.logsumexp(s, dim=-1)
    none = torch.isneginf(lse)
    prob = torch.where(none[..., None], torch.zeros_like(s), torch.exp(s - lse[..., None]))
    zt = torch.from_numpy(z).reshape(b, hq, sq, sk)
    out = torch.einsum("bhij,bhjd->bhid", prob * zt, vv)
    return out, lse


def _rng(seed=RNG[0], offset=RNG[1]):
    return torch.tensor([seed - (1 << 64) if seed >= 1 << 63 else seed, offset],
                        dtype=torch.int64)


def _z(p, rng, b, hq, sq, sk):
    seed, offset = (int(x) for x in rng.tolist())
    return keep_factor(p, seed, offset, np.arange(b * hq), sq, sk)


MHA_CASES = [
    # (B, Hq, Hkv, Sq, Sk, D, causal, window, p)
    (2, 4, 2, 37, 45, 32, True, (-1, -1), 0.3),
    (1, 3, 3, 1, 50, 16, False, (-1, -1), 0.5),        # Sq = 1 (decode-like)
    (1, 2, 1, 19, 19, 24, False, (4, 2), 0.75),        # window, MQA
]


@pytest.mark.parametrize("case", MHA_CASES)
def test_forward_matches_reference(case, seed):
    b, hq, hkv, sq, sk, d, causal, window, p = case
    q, k, v = (torch.randn(b, h, s, d) for h, s in ((hq, sq), (hkv, sk), (hkv, sk)))
    rng = _rng()
    out, lse = at.attention(q, k, v, causal=causal, window=window, dropout_p=p,
                            return_lse=True, _rng_state=rng)
    z = _z(p, rng, b, hq, sq, sk)
    want, want_lse = reference(q.double(), k.double(), v.double(), z, causal, window)
    torch.testing.assert_close(out.double(), want, atol=1e-4, rtol=1e-4)
    torch.testing.assert_close(lse.double(), want_lse, atol=1e-4, rtol=1e-4)
    # The mask matters: another seed's reference is far off.
    other = reference(q.double(), k.double(), v.double(), _z(p, _rng(RNG[0] + 1), b, hq, sq, sk),
                      causal, window)[0]
    assert (out.double() - other).abs().max() > 1e-2


def test_forward_bshd_bf16(seed):
    """layout="bshd" (transposed views) and bf16: the mask's (b, h, i, j) are positions,
    not memory order."""
    b, hq, hkv, sq, sk, d, p = 2, 4, 2, 33, 40, 64, 0.2
    q = torch.randn(b, sq, hq, d).bfloat16()
    k, v = torch.randn(b, sk, hkv, d).bfloat16(), torch.randn(b, sk, hkv, d).bfloat16()
    rng = _rng()
    out = at.attention(q, k, v, layout="bshd", dropout_p=p, causal=True, _rng_state=rng)
    z = _z(p, rng, b, hq, sq, sk)
    want, _ = reference(*(t.transpose(1, 2).double() for t in (q, k, v)), z, causal=True)
    torch.testing.assert_close(out.transpose(1, 2).double(), want, atol=2e-2, rtol=2e-2)


def _varlen_inputs(lens_q, lens_k, hq, hkv, d, dtype=torch.float32):
    cu_q = torch.tensor([0] + list(np.cumsum(lens_q)), dtype=torch.int32)
    cu_k = torch.tensor([0] + list(np.cumsum(lens_k)), dtype=torch.int32)
    q = torch.randn(int(cu_q[-1]), hq, d, dtype=dtype)
    k = torch.randn(int(cu_k[-1]), hkv, d, dtype=dtype)
    v = torch.randn(int(cu_k[-1]), hkv, d, dtype=dtype)
    return q, k, v, cu_q, cu_k


def _varlen_reference(q, k, v, cu_q, cu_k, p, rng, causal):
    """Each sequence b as attention of batch 1 whose mask is that of (b, h, local i, j)."""
    hq = q.shape[1]
    seed, offset = (int(x) for x in rng.tolist())
    outs, lses = [], []
    for bi in range(len(cu_q) - 1):
        qs, qe, ks, ke = int(cu_q[bi]), int(cu_q[bi + 1]), int(cu_k[bi]), int(cu_k[bi + 1])
        z = keep_factor(p, seed, offset, bi * hq + np.arange(hq), qe - qs, ke - ks)
        o, l = reference(q[qs:qe].transpose(0, 1)[None], k[ks:ke].transpose(0, 1)[None],
                         v[ks:ke].transpose(0, 1)[None], z, causal)
        outs.append(o[0].transpose(0, 1))
        lses.append(l[0])
    return torch.cat(outs), torch.cat(lses, dim=1)


def test_varlen_forward_matches_reference(seed):
    lens_q, lens_k = [5, 1, 17, 0, 9], [7, 12, 17, 3, 30]
    p = 0.4
    q, k, v, cu_q, cu_k = _varlen_inputs(lens_q, lens_k, 4, 2, 32)
    rng = _rng()
    out, lse = at.attention_varlen(q, k, v, cu_q, cu_k, causal=True, dropout_p=p,
                                   return_lse=True, _rng_state=rng)
    want, want_lse = _varlen_reference(q.double(), k.double(), v.double(), cu_q, cu_k, p, rng,
                                       True)
    torch.testing.assert_close(out.double(), want, atol=1e-4, rtol=1e-4)
    torch.testing.assert_close(lse.double(), want_lse, atol=1e-4, rtol=1e-4)


# --- gradients -------------------------------------------------------------------------

def _grads_reference(q, k, v, dout, z, causal, window=(-1, -1)):
    qd, kd, vd = (t.detach().double().requires_grad_() for t in (q, k, v))
    out, _ = reference(qd, kd, vd, z, causal, window)
    out.backward(dout.double())
    return qd.grad, kd.grad, vd.grad


@pytest.mark.parametrize("case", MHA_CASES)
def test_gradients_match_reference(case, seed):
    b, hq, hkv, sq, sk, d, causal, window, p = case
    q, k, v = (torch.randn(b, h, s, d).requires_grad_() for h, s in
               ((hq, sq), (hkv, sk), (hkv, sk)))
    out = at.attention(q, k, v, causal=causal, window=window, dropout_p=p)
    # The forward drew its rng_state from torch's generator and kept it for the backward.
    rng = out.grad_fn.rng_state
    assert rng.dtype == torch.int64 and tuple(rng.shape) == (2,)
    dout = torch.randn_like(out)
    out.backward(dout)
    z = _z(p, rng, b, hq, sq, sk)
    want = _grads_reference(q, k, v, dout, z, causal, window)
    for name, got, w in zip("qkv", (q.grad, k.grad, v.grad), want):
        scale = max(1.0, float(w.abs().max()))
        torch.testing.assert_close(got.double(), w, atol=1e-4 * scale, rtol=1e-4,
                                   msg=lambda m: "d%s: %s" % (name, m))


def test_varlen_gradients_match_reference(seed):
    lens_q, lens_k = [6, 1, 0, 21], [9, 4, 5, 21]
    p = 0.3
    q, k, v, cu_q, cu_k = _varlen_inputs(lens_q, lens_k, 6, 2, 16)
    for t in (q, k, v):
        t.requires_grad_()
    out = at.attention_varlen(q, k, v, cu_q, cu_k, dropout_p=p)
    rng = out.grad_fn.rng_state
    dout = torch.randn_like(out)
    out.backward(dout)
    qd, kd, vd = (t.detach().double().requires_grad_() for t in (q, k, v))
    want, _ = _varlen_reference(qd, kd, vd, cu_q, cu_k, p, rng, False)
    want.backward(dout.double())
    for name, got, w in zip("qkv", (q.grad, k.grad, v.grad), (qd.grad, kd.grad, vd.grad)):
        scale = max(1.0, float(w.abs().max()))
        torch.testing.assert_close(got.double(), w, atol=1e-4 * scale, rtol=1e-4,
                                   msg=lambda m: "d%s: %s" % (name, m))


def test_finite_differences_fixed_rng_state(seed):
    """gradcheck's method on tiny f32 shapes: central differences of the kernels' own
    forward at a fixed rng_state (same mask every call) against the backward kernels."""
    b, hq, hkv, sq, sk, d, p = 1, 2, 1, 3, 5, 4, 0.4
    q, k, v = (torch.randn(b, h, s, d) for h, s in ((hq, sq), (hkv, sk), (hkv, sk)))
    w = torch.randn(b, hq, sq, d)
    rng = _rng()
    qr, kr, vr = (t.clone().requires_grad_() for t in (q, k, v))
    out = at.attention(qr, kr, vr, causal=True, dropout_p=p, _rng_state=rng)
    assert torch.equal(out.grad_fn.rng_state, rng)
    (out * w).sum().backward()

    def loss(q_, k_, v_):
        with torch.no_grad():
            return float((at.attention(q_, k_, v_, causal=True, dropout_p=p, _rng_state=rng)
                          .double() * w.double()).sum())

    eps = 1e-2
    for t, grad in ((q, qr.grad), (k, kr.grad), (v, vr.grad)):
        num = torch.zeros_like(t, dtype=torch.float64)
        flat = t.view(-1)
        for idx in range(flat.numel()):
            old = float(flat[idx])
            flat[idx] = old + eps
            hi = loss(q, k, v)
            flat[idx] = old - eps
            lo = loss(q, k, v)
            flat[idx] = old
            num.view(-1)[idx] = (hi - lo) / (2 * eps)
        torch.testing.assert_close(grad.double(), num, atol=5e-3, rtol=5e-3)


# --- seeds, masks, rates ---------------------------------------------------------------

def test_manual_seed_repeats_and_seeds_differ():
    q, k, v = (torch.randn(2, 4, 23, 32) for _ in range(3))

    def run(s):
        torch.manual_seed(s)
        qr, kr, vr = (t.clone().requires_grad_() for t in (q, k, v))
        out = at.attention(qr, kr, vr, causal=True, dropout_p=0.25)
        out.backward(torch.ones_like(out))
        return out.detach(), qr.grad, kr.grad, vr.grad, out.grad_fn.rng_state

    a, b, c = run(11), run(11), run(12)
    for x, y in zip(a, b):
        assert torch.equal(x, y)  # bitwise: same seed, same mask, same kernels
    assert not torch.equal(a[4], c[4])
    assert float((a[0] != c[0]).double().mean()) > 0.5
    # No grad: each call draws a new seed (the default generator moves on).
    torch.manual_seed(3)
    x1 = at.attention(q, k, v, dropout_p=0.25)
    x2 = at.attention(q, k, v, dropout_p=0.25)
    torch.manual_seed(3)
    assert torch.equal(at.attention(q, k, v, dropout_p=0.25), x1)
    assert not torch.equal(x1, x2)


@pytest.mark.parametrize("p", [0.1, 0.5, 0.9])
def test_kept_fraction(p, seed):
    """With v = I (Sk = Dv), out = P * Z exposes every keep factor: Z = out / P is 0 or
    exactly 1 / (1 - p) (in f32), and kept in a fraction 1 - p within 6 sigma."""
    b, h, sq, sk = 2, 3, 41, 64
    q, k = torch.randn(b, h, sq, 16), torch.randn(b, h, sk, 16)
    v = torch.eye(sk).expand(b, h, sk, sk).contiguous()
    rng = _rng(int(torch.randint(0, 1 << 62, (1,))), 0)
    out, lse = at.attention(q, k, v, dropout_p=p, return_lse=True, _rng_state=rng)
    s = torch.einsum("bhid,bhjd->bhij", q.double(), k.double()) / 4.0
    prob = torch.exp(s - lse.double()[..., None])
    factor = (out.double() / prob).numpy().reshape(b * h, sq, sk)
    scale = 1.0 / (1.0 - float(np.float32(p)))
    kept = factor > 0.5 * scale
    assert np.all(np.abs(factor[kept] - scale) < 1e-3 * scale)
    assert np.all(np.abs(factor[~kept]) < 1e-3)
    assert np.array_equal(kept, _z(p, rng, b, h, sq, sk) > 0)
    n = kept.size
    assert abs(kept.mean() - (1 - p)) < 6 * math.sqrt(p * (1 - p) / n)


# --- the API -------------------------------------------------------------------------------

@pytest.mark.parametrize("bad", [-0.1, 1.0, 1.5, float("nan"), "0.1x", True])
def test_bad_dropout_p(bad):
    q, k, v = (torch.randn(1, 2, 5, 16) for _ in range(3))
    with pytest.raises(ValueError, match="dropout_p"):
        at.attention(q, k, v, dropout_p=bad)
    cu = torch.tensor([0, 5], dtype=torch.int32)
    with pytest.raises(ValueError, match="dropout_p"):
        at.attention_varlen(q[0].transpose(0, 1), k[0].transpose(0, 1), v[0].transpose(0, 1),
                            cu, cu, dropout_p=bad)
    with pytest.raises(ValueError, match="dropout_p"):
        fa.flash_attn_func(q, k, v, dropout_p=bad)
    with pytest.raises(ValueError, match="dropout_p"):
        AttentionSpec("f32", 16, num_heads_q=2, dropout_p=bad if bad != "0.1x" else 2.0)


def test_bad_rng_state():
    q, k, v = (torch.randn(1, 2, 5, 16) for _ in range(3))
    for bad in (torch.zeros(3, dtype=torch.int64), torch.zeros(2, dtype=torch.int32),
                torch.zeros(1, 2, dtype=torch.int64)):
        with pytest.raises(ValueError, match="rng_state"):
            at.attention(q, k, v, dropout_p=0.1, _rng_state=bad)


def test_dropout_zero_is_no_dropout(seed):
    """Eval: dropout_p = 0 compiles nothing new and gives the plain kernel's bits; the
    spec (and the AOT key) normalizes 0.0 to absent, and dropout_p > 0 changes both."""
    q, k, v = (torch.randn(1, 2, 9, 16) for _ in range(3))
    plain = at.attention(q, k, v, causal=True)
    before = dict(kernels.stats)
    assert torch.equal(at.attention(q, k, v, causal=True, dropout_p=0.0), plain)
    assert kernels.stats["compiles"] == before["compiles"]
    base = AttentionSpec("bf16", 64, num_heads_q=8)
    assert AttentionSpec("bf16", 64, num_heads_q=8, dropout_p=0.0).key() == base.key()
    drop = AttentionSpec("bf16", 64, num_heads_q=8, dropout_p=0.1)
    assert drop.key() != base.key() and "dropout" in drop.key()
    assert drop.key() != AttentionSpec("bf16", 64, num_heads_q=8, dropout_p=0.2).key()
    assert "rng_state(%rng_state)" in drop.ir() and "dropout_p = " in drop.ir()
    assert "rng_state" not in base.ir()
    assert AttentionSpec.from_dict(drop.to_dict()) == drop
    bwd = AttentionSpec("bf16", 64, num_heads_q=8, dropout_p=0.1, backward=True, varlen=True)
    assert "rng_state(%rng_state)" in bwd.ir()
    with pytest.raises(ValueError, match="dropout_p"):
        AttentionSpec("bf16", 64, num_heads_q=8, dropout_p=0.1, paged=True, block_size=16)


def test_flash_attn_dropout(seed):
    """flash_attn_func / flash_attn_varlen_func take dropout_p (FlashAttention's
    positional order): the same draws as attnc.torch, and differentiable."""
    q, k, v = (torch.randn(2, 13, 4, 32) for _ in range(3))
    torch.manual_seed(7)
    a = fa.flash_attn_func(q, k, v, 0.3, None, True)
    torch.manual_seed(7)
    b = at.attention(q, k, v, layout="bshd", causal=True, dropout_p=0.3)
    assert torch.equal(a, b)
    out, lse, s_dmask = fa.flash_attn_func(q, k, v, dropout_p=0.3, return_attn_probs=True)
    assert s_dmask is None and lse.shape == (2, 4, 13)
    qr = q.clone().requires_grad_()
    fa.flash_attn_func(qr, k, v, dropout_p=0.3).sum().backward()
    assert qr.grad is not None and torch.isfinite(qr.grad).all()
    cu = torch.tensor([0, 13, 26], dtype=torch.int32)
    torch.manual_seed(9)
    c = fa.flash_attn_varlen_func(q.reshape(26, 4, 32), k.reshape(26, 4, 32),
                                  v.reshape(26, 4, 32), cu, cu, 13, 13, dropout_p=0.3)
    torch.manual_seed(9)
    d = at.attention_varlen(q.reshape(26, 4, 32), k.reshape(26, 4, 32), v.reshape(26, 4, 32),
                            cu, cu, dropout_p=0.3)
    assert torch.equal(c, d)
