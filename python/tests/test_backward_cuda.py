"""attnc's backward kernels on an NVIDIA GPU (sm_90a; docs/backward.md) through autograd.

attention(q, k, v, ...) with q, k, v requiring grad runs the forward kernel with lse, and
out.backward(dout) the three backward kernels (delta, dK/dV, dQ). Checked against the
gradients of an independent float32 reference (masked softmax written with torch ops,
autograd in f32 on the GPU, TF32 off), with aiter's tolerance (op_tests/test_mha.py):
|grad - ref| <= max(10 * |grad_pt - ref|, 0.01), grad_pt being the same reference run in
the inputs' dtype (what plain PyTorch gets). The errors reached are printed.

Fresh random inputs each run (seed printed; ATTNC_TEST_SEED=N replays); the gradient
buffers are filled with NaN before the kernels run, so an unwritten element fails. Cases:
gpu_variants.BWD_CASES (sizes that are no multiple of any tile, Sq != Sk both ways, length
1, GQA, causal, windows, softcap, ALiBi, Dv != D); fully masked rows get zero gradients.

Run on the GPU machine with the variants precompiled (bench/prepare_device.sh):
    PYTHONPATH=python python3 -m pytest -q python/tests/test_backward_cuda.py -rs
"""
import math
import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
for _p in (os.path.dirname(HERE), HERE):
    if _p not in sys.path:
        sys.path.insert(0, _p)

import gpu_variants as gv  # noqa: E402
from attnc_pytest import (pytest_collection_modifyitems, pytest_collectreport,  # noqa: F401,E402
                          skip_expected)

REQUIRE = os.environ.get("ATTNC_REQUIRE_GPU", "") not in ("", "0")


def _unavailable():
    try:
        import torch
    except ImportError as e:
        return "torch is not installed (%s)" % e
    if not torch.cuda.is_available():
        return "torch.cuda is not available (torch %s)" % torch.__version__
    try:
        import attnc.torch  # noqa: F401
    except Exception as e:
        return "attnc.torch cannot be imported: %s: %s" % (type(e).__name__, e)
    return None


_why = _unavailable()
if _why is not None:
    if REQUIRE:
        raise RuntimeError("ATTNC_REQUIRE_GPU is set but: " + _why)
    pytest.skip(_why, allow_module_level=True)

import torch  # noqa: E402

import attnc.torch as at  # noqa: E402

torch.backends.cuda.matmul.allow_tf32 = False
torch.backends.cudnn.allow_tf32 = False


@pytest.fixture(autouse=True)
def nan_grads(monkeypatch):
    """Gradient buffers start as NaN: an element the kernels do not write fails."""
    monkeypatch.setattr(at, "_new_grad", lambda t: torch.full(t.shape, float("nan"),
                                                               dtype=t.dtype, device=t.device))


def reference(q, k, v, *, causal, window, softcap, alibi_slopes, sinks=None):
    """out (B, Hq, Sq, Dv) in q's dtype's math (f32 if q is f32): explicit masked softmax,
    bottom-right aligned masks, rows that see no key give 0 (differentiable: no NaN).
    sinks (Hq,): one more logit per row without a value (differentiable too)."""
    b, hq, sq, d = q.shape
    hkv, sk = k.shape[1], k.shape[2]
    kf = k.repeat_interleave(hq // hkv, dim=1)
    vf = v.repeat_interleave(hq // hkv, dim=1)
    s = torch.matmul(q, kf.transpose(-1, -2)) * (1.0 / math.sqrt(d))
    if softcap > 0:
        s = softcap * torch.tanh(s / softcap)
    i = torch.arange(sq, device=q.device)[:, None] + sk - sq
    rel = i - torch.arange(sk, device=q.device)[None, :]
    if alibi_slopes is not None:
        s = s - alibi_slopes.to(s.dtype).view(1, hq, 1, 1) * rel.abs().to(s.dtype)
    visible = torch.ones_like(rel, dtype=torch.bool)
    if causal:
        visible &= rel >= 0
    if window[0] >= 0:
        visible &= rel <= window[0]
    if window[1] >= 0:
        visible &= rel >= -window[1]
    s = s.masked_fill(~visible, float("-inf"))
    if sinks is not None:
        s = torch.cat([s, sinks.to(s.dtype).view(1, hq, 1, 1).expand(b, hq, sq, 1)], dim=-1)
    m = s.detach().amax(-1, keepdim=True)
    m = torch.where(torch.isinf(m), torch.zeros_like(m), m)
    e = torch.exp(s - m)
    den = e.sum(-1, keepdim=True)
    p = e / torch.where(den == 0, torch.ones_like(den), den)
    return torch.matmul(p[..., :sk].to(vf.dtype), vf)


def _grads(fn, q, k, v, dout):
    leaves = [t.detach().clone().requires_grad_(True) for t in (q, k, v)]
    out = fn(*leaves)
    out.backward(dout.to(out.dtype))
    return out.detach(), [t.grad for t in leaves]


def _params():
    for s, shapes in gv.BWD_CASES:
        for shape in shapes:
            yield pytest.param(s, shape, id="%s-b%d-q%d-k%d" % ((gv.spec_id(s),) + tuple(shape)))


@pytest.mark.parametrize("s,shape", list(_params()))
def test_backward(s, shape, seed):
    b, sq, sk = shape
    hq, hkv, d = s["num_heads_q"], s["num_heads_kv"], s["head_dim"]
    dv = s["head_dim_v"] or d
    dt = {"bf16": torch.bfloat16, "f16": torch.float16}[s["dtype"]]
    q = torch.randn(b, hq, sq, d, device="cuda", dtype=dt)
    k = torch.randn(b, hkv, sk, d, device="cuda", dtype=dt)
    v = torch.randn(b, hkv, sk, dv, device="cuda", dtype=dt)
    dout = torch.randn(b, hq, sq, dv, device="cuda", dtype=dt)
    slopes = None
    if s["alibi"]:
        slopes = torch.tensor([2.0 ** (-8.0 * (h + 1) / hq) for h in range(hq)],
                              dtype=torch.float32, device="cuda")
    opts = dict(causal=s["causal"], window=tuple(s["window"]), softcap=s["softcap"])
    ref_opts = dict(opts, alibi_slopes=slopes)

    out, grads = _grads(lambda q, k, v: at.attention(q, k, v, alibi_slopes=slopes, **opts),
                        q, k, v, dout)
    torch.cuda.synchronize()
    out_ref, refs = _grads(lambda q, k, v: reference(q.float(), k.float(), v.float(),
                                                     **ref_opts), q, k, v, dout.float())
    _, pts = _grads(lambda q, k, v: reference(q, k, v, **ref_opts), q, k, v, dout)
    where = "(seed %d; replay with ATTNC_TEST_SEED=%d)" % (seed, seed)
    assert (out.float() - out_ref).abs().max().item() <= 1e-2 + 1e-2 * out_ref.abs().max().item()
    report = []
    for name, got, ref, pt in zip(("dq", "dk", "dv"), grads, refs, pts):
        assert got.shape == ref.shape and got.dtype == dt, name
        nan = torch.isnan(got)
        assert not nan.any(), "%s: %d of %d elements NaN (unwritten?) %s" % (
            name, int(nan.sum()), got.numel(), where)
        err = (got.float() - ref).abs().max().item() if got.numel() else 0.0
        pt_err = (pt.float() - ref).abs().max().item() if got.numel() else 0.0
        tol = max(10 * pt_err, 0.01)
        report.append("%s err %.3g (torch %s %.3g, tol %.3g)" % (name, err, s["dtype"], pt_err,
                                                                  tol))
        assert err <= tol, "%s: max |attnc - ref| = %.4g > %.4g %s" % (name, err, tol, where)
    print("; ".join(report))


def test_fully_masked_rows_get_zero(seed):
    """Causal with Sq > Sk: the first Sq - Sk query rows see no key; their out and dq are
    exactly 0 (dk and dv, which they add nothing to, are checked by test_backward's
    (1, 300, 200) case against the reference)."""
    b, sq, sk = 1, 300, 200
    q = torch.randn(b, 4, sq, 64, device="cuda", dtype=torch.bfloat16)
    k = torch.randn(b, 4, sk, 64, device="cuda", dtype=torch.bfloat16)
    v = torch.randn(b, 4, sk, 64, device="cuda", dtype=torch.bfloat16)
    dout = torch.randn(b, 4, sq, 64, device="cuda", dtype=torch.bfloat16)
    out, (dq, dk, dv) = _grads(lambda q, k, v: at.attention(q, k, v, causal=True), q, k, v, dout)
    torch.cuda.synchronize()
    assert torch.equal(dq[:, :, :sq - sk], torch.zeros_like(dq[:, :, :sq - sk]))
    assert torch.equal(out[:, :, :sq - sk], torch.zeros_like(out[:, :, :sq - sk]))
    assert not torch.isnan(dk).any() and not torch.isnan(dv).any()


def test_deterministic(seed):
    """Two backward passes give bitwise the same gradients (dQ has its own kernel: no
    atomics)."""
    q = torch.randn(2, 4, 300, 64, device="cuda", dtype=torch.bfloat16)
    k = torch.randn(2, 4, 300, 64, device="cuda", dtype=torch.bfloat16)
    v = torch.randn(2, 4, 300, 64, device="cuda", dtype=torch.bfloat16)
    dout = torch.randn(2, 4, 300, 64, device="cuda", dtype=torch.bfloat16)
    fn = lambda q, k, v: at.attention(q, k, v, causal=True)  # noqa: E731
    _, g1 = _grads(fn, q, k, v, dout)
    _, g2 = _grads(fn, q, k, v, dout)
    torch.cuda.synchronize()
    for a, b in zip(g1, g2):
        assert torch.equal(a, b)


def _sinks_params():
    for s, shapes in gv.BWD_SINKS_CASES:
        for shape in shapes:
            yield pytest.param(s, shape, id="%s-b%d-q%d-k%d" % ((gv.spec_id(s),) + tuple(shape)))


@pytest.mark.parametrize("s,shape", list(_sinks_params()))
def test_backward_sinks(s, shape, seed):
    """Sinks with autograd: dq, dk, dv from the backward kernels with the forward's
    sink-including lse, and dsink (aiter's) reduced by attnc.torch from the delta
    workspace, against the f32 reference's autograd (aiter's tolerance as test_backward's;
    for dsink relative to its largest magnitude). Head 0 has no sink (-inf: dsink 0)."""
    b, sq, sk = shape
    hq, hkv, d = s["num_heads_q"], s["num_heads_kv"], s["head_dim"]
    dt = {"bf16": torch.bfloat16, "f16": torch.float16}[s["dtype"]]
    q = torch.randn(b, hq, sq, d, device="cuda", dtype=dt)
    k = torch.randn(b, hkv, sk, d, device="cuda", dtype=dt)
    v = torch.randn(b, hkv, sk, d, device="cuda", dtype=dt)
    dout = torch.randn(b, hq, sq, d, device="cuda", dtype=dt)
    sinks = torch.randn(hq, device="cuda") * 1.5
    sinks[0] = float("-inf")
    opts = dict(causal=s["causal"], window=tuple(s["window"]), softcap=s["softcap"])

    def run(fn):
        leaves = [t.detach().clone().requires_grad_(True) for t in (q, k, v, sinks)]
        out = fn(*leaves)
        out.backward(dout.to(out.dtype))
        return [t.grad for t in leaves]

    grads = run(lambda q, k, v, sk_: at.attention(q, k, v, sinks=sk_, **opts))
    torch.cuda.synchronize()
    refs = run(lambda q, k, v, sk_: reference(q.float(), k.float(), v.float(), sinks=sk_,
                                              alibi_slopes=None, **opts))
    pts = run(lambda q, k, v, sk_: reference(q, k, v, sinks=sk_, alibi_slopes=None, **opts))
    where = "(seed %d; replay with ATTNC_TEST_SEED=%d)" % (seed, seed)
    report = []
    for name, got, ref, pt in zip(("dq", "dk", "dv", "dsink"), grads, refs, pts):
        assert got is not None and got.shape == ref.shape, name
        assert not torch.isnan(got).any(), "%s: NaN %s" % (name, where)
        err = (got.float() - ref).abs().max().item()
        pt_err = (pt.float() - ref).abs().max().item()
        scale = max(1.0, ref.abs().max().item()) if name == "dsink" else 1.0
        tol = max(10 * pt_err, 0.01 * scale)
        report.append("%s err %.3g (tol %.3g)" % (name, err, tol))
        assert err <= tol, "%s: max |attnc - ref| = %.4g > %.4g %s" % (name, err, tol, where)
    assert grads[3][0].item() == 0.0, "a head without a sink has dsink 0"
    print("; ".join(report))
