"""attnc.torch on CPU tensors against an independent float64 reference.

Run by the lit suite (test/Python/cpu.test) with the build's libraries:

    PYTHONPATH=python ATTNC_LIB_DIR=build/lib:build/runtime ATTNC_CACHE_DIR=$(mktemp -d) \\
        python3 -m pytest -q python/tests/test_cpu.py

Semantics (README, "The IR"): logits = scale * q.k (scale = 1/sqrt(D)); softcap c:
c * tanh(logits / c), before the masks; ALiBi: -slope[h] * |i + Sk - Sq - j|; query i
sees key j iff (causal) j <= i + Sk - Sq, (window) i + Sk - Sq - left <= j <= i + Sk -
Sq + right (-1: unbounded), i.e. bottom-right aligned; softmax over the visible keys;
lse = logsumexp of the visible logits; a row that sees no key gives out = 0 and lse =
-inf, never NaN. Sinks (one logit per head): join the logsumexp without a value, so a
row that sees no key gives out = 0 and lse = sinks[h]. Varlen: the same per sequence,
positions local to it; tokens past cu_seqlens_q[B] give 0 / -inf (sinks[h] with sinks).

Every test draws fresh random inputs (the seed is printed and named in failures;
ATTNC_TEST_SEED=N replays one) and passes out= poisoned with NaN, so an element the
kernel does not write fails. Tolerances (aiter's): f32 atol = rtol = 1e-4, f16/bf16
1e-2. Kernels are compiled once per variant per session (ATTNC_CACHE_DIR).
"""
import math
import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))  # python/ (attnc)

import torch  # noqa: E402

import attnc  # noqa: E402
import attnc.torch as at  # noqa: E402

DTYPES = {"f32": torch.float32, "bf16": torch.bfloat16, "f16": torch.float16}
TOL = {"f32": 1e-4, "bf16": 1e-2, "f16": 1e-2}

torch.set_num_threads(max(1, min(2, os.cpu_count() or 1)))


def alibi_slopes(hq):
    base = torch.tensor([2.0 ** (-8.0 * (h + 1) / hq) for h in range(hq)], dtype=torch.float32)
    return base * (0.75 + 0.5 * torch.rand(hq))  # jittered: a head mixup shows


def make_sinks(hq):
    """Attention sinks of the size of the logits, plus the edges when there are heads to
    spare: head 0 has none (-inf), head 1 one that outweighs most keys (+6)."""
    s = torch.randn(hq) * 2.0
    if hq > 2:
        s[0], s[1] = float("-inf"), 6.0
    return s


def reference(q, k, v, *, causal=False, scale=None, window=(-1, -1), softcap=0.0,
              alibi_slopes=None, sinks=None):
    """out (B, Hq, Sq, Dv) and lse (B, Hq, Sq) in float64 from BHSD q, k, v: plain
    masked softmax, GQA by repeating k/v heads; sinks (Hq,): one more logit per row,
    without a value (it only enlarges the denominator)."""
    b, hq, sq, d = q.shape
    hkv, sk, dv = k.shape[1], k.shape[2], v.shape[3]
    out = torch.zeros(b, hq, sq, dv, dtype=torch.float64)
    lse = torch.full((b, hq, sq), float("-inf"), dtype=torch.float64)
    if sinks is not None:
        lse[:] = sinks.double().view(1, hq, 1)
    if sq == 0 or sk == 0 or b == 0:
        return out, lse
    scale = 1.0 / math.sqrt(d) if scale is None else scale
    kf = k.double().repeat_interleave(hq // hkv, dim=1)
    vf = v.double().repeat_interleave(hq // hkv, dim=1)
    s = torch.matmul(q.double(), kf.transpose(-1, -2)) * scale
    if softcap > 0:
        s = softcap * torch.tanh(s / softcap)
    i = torch.arange(sq)[:, None]
    j = torch.arange(sk)[None, :]
    rel = i + sk - sq - j  # > 0: key j left of query i's diagonal
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
        m = torch.logsumexp(torch.cat([s, lse[..., None]], dim=-1), dim=-1)
    else:
        m = torch.logsumexp(s, dim=-1)
    p = torch.exp(s - torch.where(torch.isinf(m), torch.zeros_like(m), m)[..., None])
    return torch.matmul(p, vf), m


def check(what, got, want, tol, seed, empty=None):
    """|got - want| <= tol + tol * |want|, no NaN, infinities only where want has the
    same one; `empty` (bool, broadcastable): rows that see no key, exactly 0 / -inf."""
    got = got.double()
    assert tuple(got.shape) == tuple(want.shape), "%s: shape %s, want %s" % (
        what, tuple(got.shape), tuple(want.shape))
    where = "(seed %d; replay with ATTNC_TEST_SEED=%d)" % (seed, seed)
    nan = torch.isnan(got)
    assert not nan.any(), "%s: %d of %d elements are NaN (first at %s) %s" % (
        what, int(nan.sum()), got.numel(), nan.nonzero()[0].tolist(), where)
    if empty is not None:
        wrong = empty.expand_as(got) & (got != want)
        assert not wrong.any(), "%s: rows that see no key must be %s, first wrong at %s: %r %s" % (
            what, want[tuple(wrong.nonzero()[0].tolist())].item(), wrong.nonzero()[0].tolist(),
            got[tuple(wrong.nonzero()[0].tolist())].item(), where)
    inf_ok = torch.isinf(want) & (got == want)
    err = torch.where(inf_ok, torch.zeros_like(got), (got - want).abs())
    bad = ((torch.isinf(got) | torch.isinf(want)) & ~inf_ok) | (err > tol + tol * want.abs())
    if bad.any():
        idx = bad.nonzero()[0].tolist()
        raise AssertionError("%s: %d of %d elements off (atol = rtol = %g), max err %.3g; first "
                             "at %s: got %r, want %r %s"
                             % (what, int(bad.sum()), got.numel(), tol,
                                err[~torch.isinf(want)].max().item() if got.numel() else 0, idx,
                                got[tuple(idx)].item(), want[tuple(idx)].item(), where))


def nan_like_shape(shape, dtype):
    return torch.full(shape, float("nan"), dtype=dtype)


# --- dense -----------------------------------------------------------------------------------

# (spec kwargs, shapes (B, Sq, Sk)); every variant compiles once per session.
SHAPES = [(2, 1, 1), (1, 37, 37), (2, 100, 257), (1, 257, 100), (1, 0, 37), (1, 37, 0),
          (0, 5, 5), (3, 13, 300)]
SHORT = [(2, 1, 1), (1, 37, 100), (2, 100, 37), (1, 0, 5), (1, 257, 257)]
DENSE = [
    (dict(dtype="f32", d=64, hq=4, hkv=2, lse=True), SHAPES),
    (dict(dtype="f32", d=64, hq=4, hkv=2, causal=True, lse=True), SHAPES),
    (dict(dtype="bf16", d=128, hq=8, hkv=1, causal=True), SHORT),                 # MQA
    (dict(dtype="bf16", d=64, hq=4, hkv=4, window=(16, 0), lse=True), SHORT),      # MHA
    (dict(dtype="f16", d=64, hq=4, hkv=2, causal=True, window=(32, -1), lse=True), SHORT),
    (dict(dtype="f32", d=32, hq=4, hkv=2, window=(8, 8), softcap=5.0, alibi=True, lse=True,
          gain=4.0), SHORT),
    (dict(dtype="f32", d=64, hq=2, hkv=1, window=(0, 0), lse=True), SHORT),       # one key
    (dict(dtype="f32", d=64, hq=2, hkv=1, scale=0.3, alibi=True), SHORT),
    (dict(dtype="f32", d=64, dv=32, hq=4, hkv=2, causal=True, lse=True), SHORT),  # Dv != D
]


def case_id(c):
    parts = [c["dtype"], "d%d" % c["d"], "h%d-%d" % (c["hq"], c["hkv"])]
    for key in ("dv", "causal", "window", "softcap", "alibi", "scale", "lse", "sinks"):
        if c.get(key):
            parts.append("%s%s" % (key, "" if c[key] is True else c[key]))
    return "-".join(str(p).replace(" ", "") for p in parts)


def make(c, b, sq, sk, layout="bhsd"):
    """q, k, v (and out, NaN) in `layout`, plus their BHSD views."""
    dt = DTYPES[c["dtype"]]
    hq, hkv, d = c["hq"], c["hkv"], c["d"]
    dv = c.get("dv", d)
    g = c.get("gain", 1.0)
    if layout == "bhsd":
        q = (torch.randn(b, hq, sq, d) * g).to(dt)
        k, v = torch.randn(b, hkv, sk, d).to(dt), torch.randn(b, hkv, sk, dv).to(dt)
        out = nan_like_shape((b, hq, sq, dv), dt)
        return "bhsd", (q, k, v, out), (q, k, v, out)
    q = (torch.randn(b, sq, hq, d) * g).to(dt)
    k, v = torch.randn(b, sk, hkv, d).to(dt), torch.randn(b, sk, hkv, dv).to(dt)
    out = nan_like_shape((b, sq, hq, dv), dt)
    views = tuple(x.transpose(1, 2) for x in (q, k, v, out))
    if layout == "bhsd-view":  # BSHD memory passed as (non-contiguous) BHSD views
        return "bhsd", views, views
    if layout == "bshd-packed":  # slices of one QKV buffer, out a slice of a wider one
        assert d == dv
        qkv = torch.randn(b, sq, hq + 2 * hkv, d).to(dt)
        if sq != sk:
            qkv = torch.randn(b, max(sq, sk), hq + 2 * hkv, d).to(dt)
        q, k, v = qkv[:, :sq, :hq], qkv[:, :sk, hq:hq + hkv], qkv[:, :sk, hq + hkv:]
        out = nan_like_shape((b, sq, hq, dv + 8), dt)[..., :dv]
        views = tuple(x.transpose(1, 2) for x in (q, k, v, out))
    return "bshd", (q, k, v, out), views


def kwargs(c):
    kw = dict(causal=c.get("causal", False), window=c.get("window", (-1, -1)),
              softcap=c.get("softcap", 0.0), scale=c.get("scale"),
              return_lse=c.get("lse", False))
    if c.get("alibi"):
        kw["alibi_slopes"] = alibi_slopes(c["hq"])
    if c.get("sinks"):
        kw["sinks"] = make_sinks(c["hq"])
    return kw


def run_dense(c, b, sq, sk, seed, layout="bhsd", use_out=True):
    api_layout, (q, k, v, out), (qb, kb, vb, outb) = make(c, b, sq, sk, layout)
    kw = kwargs(c)
    if use_out:
        res = at.attention(q, k, v, layout=api_layout, out=out, **kw)
    else:
        res = at.attention(q, k, v, layout=api_layout, **kw)
    got, lse = res if kw["return_lse"] else (res, None)
    if use_out:
        assert got is out, "attention(out=...) must return out itself"
    else:
        assert got.shape == out.shape and got.dtype == q.dtype
        outb = got if api_layout == "bhsd" else got.transpose(1, 2)
    ref_kw = {x: kw[x] for x in ("causal", "window", "softcap", "scale")}
    ref, ref_lse = reference(qb, kb, vb, alibi_slopes=kw.get("alibi_slopes"),
                             sinks=kw.get("sinks"), **ref_kw)
    empty = torch.isinf(ref_lse)
    tol = TOL[c["dtype"]]
    check("out", outb, ref, tol, seed, empty[..., None])
    if lse is not None:
        assert lse.dtype == torch.float32 and tuple(lse.shape) == (b, c["hq"], sq)
        check("lse", lse, ref_lse, tol, seed, empty)
    return empty


@pytest.mark.parametrize("c,shape", [pytest.param(c, s, id="%s-b%d-q%d-k%d" % ((case_id(c),) + s))
                                     for c, shapes in DENSE for s in shapes])
def test_dense(c, shape, seed):
    run_dense(c, *shape, seed)


LAYOUT_CASE = DENSE[1][0]  # f32, GQA 4:2, causal, lse


@pytest.mark.parametrize("layout", ["bshd", "bhsd-view", "bshd-packed"])
@pytest.mark.parametrize("shape", [(2, 37, 37), (1, 100, 257), (2, 257, 100)])
def test_layouts(layout, shape, seed):
    run_dense(LAYOUT_CASE, *shape, seed, layout=layout)


@pytest.mark.parametrize("layout", ["bhsd", "bshd"])
def test_without_out(layout, seed):
    run_dense(DENSE[2][0], 2, 37, 100, seed, layout=layout, use_out=False)


def test_fully_masked_rows(seed):
    """Rows that see no key: causal with Sq > Sk (the first Sq - Sk rows), and a
    (0, 0) window likewise: out exactly 0, lse -inf, no NaN."""
    for c in (DENSE[1][0], DENSE[6][0]):
        empty = run_dense(c, 2, 50, 20, seed)
        assert empty[:, :, :30].all() and not empty[:, :, 30:].any()


def test_repeatable(seed):
    c = DENSE[0][0]
    _, (q, k, v, out), _ = make(c, 2, 100, 100)
    at.attention(q, k, v, out=out, return_lse=True)
    first = out.clone()
    out.fill_(float("nan"))
    at.attention(q, k, v, out=out, return_lse=True)
    assert torch.equal(first, out)


# --- varlen ----------------------------------------------------------------------------------

VARLEN = [
    (dict(dtype="f32", d=64, hq=4, hkv=2, causal=True, lse=True),
     [([37, 0, 1, 100], None, 0), ([5, 0, 64], [100, 3, 0], 7), ([0], [0], 3), ([257], [1], 0)]),
    (dict(dtype="bf16", d=64, hq=8, hkv=1, window=(16, 4), softcap=10.0, alibi=True, lse=True,
          gain=3.0),
     [([37, 0, 100], [50, 10, 100], 0), ([1, 200], None, 5)]),
]


def run_varlen(c, q_lens, k_lens, pad, seed):
    dt = DTYPES[c["dtype"]]
    hq, hkv, d = c["hq"], c["hkv"], c["d"]
    dv = c.get("dv", d)
    k_lens = list(q_lens if k_lens is None else k_lens)
    cu_q, cu_k = [0], [0]
    for a, b in zip(q_lens, k_lens):
        cu_q.append(cu_q[-1] + a)
        cu_k.append(cu_k[-1] + b)
    tq, tk = cu_q[-1] + pad, cu_k[-1]
    q = (torch.randn(tq, hq, d) * c.get("gain", 1.0)).to(dt)
    k, v = torch.randn(tk, hkv, d).to(dt), torch.randn(tk, hkv, dv).to(dt)
    cq, ck = torch.tensor(cu_q, dtype=torch.int32), torch.tensor(cu_k, dtype=torch.int32)
    out = nan_like_shape((tq, hq, dv), dt)
    kw = kwargs(c)
    res = at.attention_varlen(q, k, v, cq, ck, max(q_lens), max(k_lens), out=out, **kw)
    got, lse = res if kw["return_lse"] else (res, None)
    assert got is out
    ref = torch.zeros(tq, hq, dv, dtype=torch.float64)
    ref_lse = torch.full((hq, tq), float("-inf"), dtype=torch.float64)
    if kw.get("sinks") is not None:  # tokens of no sequence see no key: lse = the sink
        ref_lse[:] = kw["sinks"].double()[:, None]
    ref_kw = {x: kw[x] for x in ("causal", "window", "softcap", "scale")}
    for i in range(len(q_lens)):
        q0, q1, k0, k1 = cu_q[i], cu_q[i + 1], cu_k[i], cu_k[i + 1]
        if q1 == q0:
            continue
        o, l = reference(q[q0:q1].transpose(0, 1)[None], k[k0:k1].transpose(0, 1)[None],
                         v[k0:k1].transpose(0, 1)[None], alibi_slopes=kw.get("alibi_slopes"),
                         sinks=kw.get("sinks"), **ref_kw)
        ref[q0:q1] = o[0].transpose(0, 1)
        ref_lse[:, q0:q1] = l[0]
    empty = torch.isinf(ref_lse)
    tol = TOL[c["dtype"]]
    check("out", got, ref, tol, seed, empty.t()[..., None])
    if lse is not None:
        assert lse.dtype == torch.float32 and tuple(lse.shape) == (hq, tq)
        check("lse", lse, ref_lse, tol, seed, empty)


@pytest.mark.parametrize("c,lens", [pytest.param(c, lens, id="%s-%d" % (case_id(c), n))
                                    for c, cases in VARLEN for n, lens in enumerate(cases)])
def test_varlen(c, lens, seed):
    run_varlen(c, *lens, seed)


# --- the runtime API directly ----------------------------------------------------------------


def test_module_launch(seed):
    """attnc.load + Module.launch with attnc.Tensor, in the order of the bundle's argument
    metadata (q, k, v, out, lse)."""
    spec = attnc.AttentionSpec(dtype="f32", head_dim=64, num_heads_q=4, num_heads_kv=2,
                               causal=True, return_lse=True)
    m = attnc.load(attnc.compile(spec.ir(), ["cpu"]), device="cpu")
    assert m.device == "cpu" and m.target.startswith("cpu-")
    info = m.kernel()
    assert [a.name for a in info.args] == ["q", "k", "v", "out", "lse"]
    assert [a.rank for a in info.args] == [4, 4, 4, 4, 3]
    assert info.causal and info.has_lse and info.num_q_heads == 4 and info.num_kv_heads == 2
    q, k, v = torch.randn(2, 4, 30, 64), torch.randn(2, 2, 40, 64), torch.randn(2, 2, 40, 64)
    out = torch.full((2, 4, 30, 64), float("nan"))
    lse = torch.full((2, 4, 30), float("nan"))
    m.launch(info.name, [attnc.Tensor(t.data_ptr(), t.shape, t.stride())
                         for t in (q, k, v, out, lse)])
    ref, ref_lse = reference(q, k, v, causal=True)
    check("out", out, ref, 1e-4, seed)
    check("lse", lse, ref_lse, 1e-4, seed)
    with pytest.raises(attnc.RuntimeError) as e:
        m.launch(info.name, [attnc.Tensor(q.data_ptr(), q.shape, q.stride())])
    assert e.value.status == "ATTN_ERROR_INVALID_ARGUMENT" and "takes 5 tensors" in str(e.value)
    with pytest.raises(attnc.RuntimeError) as e:
        m.launch("no_such_kernel", [])
    assert e.value.status == "ATTN_ERROR_NOT_FOUND"


# --- input validation ------------------------------------------------------------------------


def qkv(b=1, hq=4, hkv=2, s=8, d=32, dt=torch.float32):
    return torch.randn(b, hq, s, d, dtype=dt), torch.randn(b, hkv, s, d, dtype=dt), \
        torch.randn(b, hkv, s, d, dtype=dt)


@pytest.mark.parametrize("make_args,message", [
    (lambda: qkv(dt=torch.float64), "dtype torch.float64 is not supported"),
    (lambda: (qkv()[0], qkv()[1].half(), qkv()[2]), "same dtype"),
    (lambda: qkv(hq=3, hkv=2), "must be a multiple of the key/value heads"),
    (lambda: (qkv()[0], torch.randn(1, 2, 8, 16), torch.randn(1, 2, 8, 16)), "same head_dim"),
    (lambda: (qkv()[0][..., ::2], qkv()[1][..., ::2], qkv()[2][..., ::2]), "contiguous"),
    (lambda: (qkv()[0], qkv()[1], torch.randn(1, 2, 9, 32)), "same heads and sequence"),
    (lambda: (qkv()[0], qkv(b=2)[1], qkv(b=2)[2]), "same batch size"),
    (lambda: (qkv()[0][0], qkv()[1], qkv()[2]), "must have 4 dimensions"),
])
def test_bad_inputs(make_args, message):
    with pytest.raises(ValueError, match=message):
        at.attention(*make_args())


def test_bad_options():
    q, k, v = qkv()
    for kw, message in [(dict(layout="sbhd"), "layout"), (dict(window=(-2, 0)), "window"),
                        (dict(window=5), "window"), (dict(softcap=-1.0), "softcap"),
                        (dict(scale=0.0), "scale"),
                        (dict(alibi_slopes=torch.ones(3)), r"alibi_slopes must have shape"),
                        (dict(alibi_slopes=torch.ones(4, dtype=torch.float64)), "float32"),
                        (dict(out=torch.empty(1, 4, 8, 16)), "out must have shape"),
                        (dict(out=torch.empty(1, 4, 8, 32, dtype=torch.float16)), "dtype"),
                        (dict(out=torch.empty(32).as_strided((1, 4, 8, 32), (0, 0, 0, 1))),
                         "overlap")]:
        with pytest.raises((ValueError, TypeError), match=message):
            at.attention(q, k, v, **kw)
    # Differentiable (test_autograd.py), but not into a caller's buffer.
    with pytest.raises(ValueError, match="out= cannot be used"):
        at.attention(q.requires_grad_(), k, v, out=torch.empty(1, 4, 8, 32))


class _DeviceTensor:
    """What _tensor_row_align reads of a tensor on a GPU (none exists here)."""

    def __init__(self, ptr, shape, stride, size=2):
        self.device = type("dev", (), {"type": "cuda"})()
        self.shape, self._stride, self._ptr, self._size = shape, stride, ptr, size

    def numel(self):
        n = 1
        for x in self.shape:
            n *= x
        return n

    def element_size(self):
        return self._size

    def data_ptr(self):
        return self._ptr

    def stride(self):
        return self._stride


def test_gpu_row_alignment():
    """The alignment attnc.torch compiles a GPU kernel for (row_align, in elements): that
    of the rows' addresses, 16 bytes at most. Rows of any alignment run (issue 17); they
    used to be refused below 16 bytes."""
    align = at._tensor_row_align
    assert align(_DeviceTensor(4096, (2, 4, 8, 64), (2048, 512, 64, 1))) == 8  # contiguous
    assert align(_DeviceTensor(4096, (2, 8, 4, 64), (2048, 64, 512, 1))) == 8  # BSHD view
    assert align(_DeviceTensor(4096, (1, 1, 1, 60), (60, 60, 60, 1))) == 8  # one row
    assert align(_DeviceTensor(4098, (2, 4, 8, 64), (2048, 512, 64, 1))) == 1  # base + 2 bytes
    assert align(_DeviceTensor(4096, (2, 4, 8, 60), (1920, 480, 60, 1))) == 4  # 120-byte rows
    assert align(_DeviceTensor(4096, (2, 4, 8, 33), (1056, 264, 33, 1))) == 1  # 66-byte rows
    assert align(_DeviceTensor(4100, (2, 4, 8, 64), (2048, 512, 64, 1))) == 2  # base + 4 bytes

    class _Dev:
        type = "cuda"
    t33 = _DeviceTensor(4096, (2, 4, 8, 33), (1056, 264, 33, 1))
    t64 = _DeviceTensor(4096, (2, 4, 8, 64), (2048, 512, 64, 1))
    assert at._row_align(_Dev(), 64, 64, (t64, t64, t64)) == 8
    assert at._row_align(_Dev(), 33, 33, (t33, t33)) == 1
    assert at._row_align(_Dev(), 64, 64, (t64, _DeviceTensor(4098, (2, 4, 8, 64),
                                                             (2048, 512, 64, 1)))) == 1
    empty = _DeviceTensor(2, (0, 4, 8, 60), (1920, 480, 60, 1))
    assert at._row_align(_Dev(), 64, 64, (t64, empty)) == 8  # empty: nothing read
    cpu = type("C", (), {"type": "cpu"})()
    assert at._row_align(cpu, 33, 33, (t33,)) is None


def test_bad_varlen_inputs():
    q, k, v = torch.randn(10, 4, 32), torch.randn(12, 2, 32), torch.randn(12, 2, 32)
    cq = torch.tensor([0, 4, 10], dtype=torch.int32)
    ck = torch.tensor([0, 6, 12], dtype=torch.int32)
    with pytest.raises(ValueError, match="cu_seqlens_q must be int32"):
        at.attention_varlen(q, k, v, cq.long(), ck)
    with pytest.raises(ValueError, match="same length"):
        at.attention_varlen(q, k, v, cq, ck[:2])
    with pytest.raises(ValueError, match="shape"):
        at.attention_varlen(q, k, v, cq[None], ck)
    with pytest.raises(ValueError, match="3 dimensions"):
        at.attention_varlen(q[None], k, v, cq, ck)


# --- paged attention (docs/paged.md) ---------------------------------------------------------


def paged_cache(q_lens, seq_lens, bs, dt, hkv, d, dv, share=True, spare=3):
    """A vLLM-style paged KV cache for sequences of seq_lens keys: each sequence's blocks
    are drawn from a random permutation of the physical blocks (non-contiguous, out of
    order); with `share`, a later sequence reuses the first blocks of sequence 0 (a
    shared prefix: same keys), as prefix caching does. Blocks no sequence uses, and the
    slots past seq_len in a sequence's last block, hold NaN: a kernel that reads them
    into the result fails. Table entries past a sequence's blocks hold out-of-range ids
    (the kernels must not use them). Returns k_cache, v_cache, block_tables, the
    per-sequence keys/values (seq_len, Hkv, D) in sequence order."""
    B = len(seq_lens)
    need = [-(-n // bs) for n in seq_lens]
    shared = [0] * B
    if share and B > 1 and need[0] > 0:
        for b in range(1, B):
            if need[b] >= 2 and seq_lens[b] >= bs:  # whole shared blocks only
                shared[b] = min(need[0] - (1 if seq_lens[0] % bs else 0), need[b] - 1)
                if shared[b] > 0:
                    break
    own = sum(n - s for n, s in zip(need, shared))
    nb = own + spare
    perm = torch.randperm(nb).tolist()
    max_blocks = max(need + [0]) + 2
    tables = torch.empty(B, max_blocks, dtype=torch.int32)
    tables[:, 0::2] = -5
    tables[:, 1::2] = nb + 1000
    k_cache = torch.full((nb, bs, hkv, d), float("nan"), dtype=dt)
    v_cache = torch.full((nb, bs, hkv, dv), float("nan"), dtype=dt)
    keys, vals = [], []
    for b in range(B):
        ids = tables[0, :shared[b]].tolist() if shared[b] else []
        while len(ids) < need[b]:
            ids.append(perm.pop())
        if need[b]:
            tables[b, :need[b]] = torch.tensor(ids, dtype=torch.int32)
        k = torch.randn(seq_lens[b], hkv, d).to(dt)
        v = torch.randn(seq_lens[b], hkv, dv).to(dt)
        for j, blk in enumerate(ids):
            lo, hi = j * bs, min(seq_lens[b], (j + 1) * bs)
            if j < shared[b]:  # the shared prefix: sequence 0's keys
                k[lo:hi], v[lo:hi] = keys[0][lo:hi], vals[0][lo:hi]
            else:
                k_cache[blk, :hi - lo], v_cache[blk, :hi - lo] = k[lo:hi], v[lo:hi]
        keys.append(k)
        vals.append(v)
    return k_cache, v_cache, tables, keys, vals


def gather(cache, table, n):
    """The first n tokens of one sequence, read through its block table row: the
    reference's own reading of the layout, independent of paged_cache's bookkeeping."""
    bs = cache.shape[1]
    ids = table[: -(-n // bs)].long()
    return cache[ids].reshape(-1, *cache.shape[2:])[:n]


def paged_reference(q, k_cache, v_cache, tables, seq_lens, qsl, kw):
    """out (Tq, Hq, Dv) and lse (Hq, Tq) in float64: per sequence, plain masked softmax
    (reference()) over the keys gathered through the block table, queries bottom-right
    aligned (query t of n at position seq_len - n + t); tokens past qsl[B]: 0 / -inf."""
    tq, hq, _ = q.shape
    dv = v_cache.shape[3]
    out = torch.zeros(tq, hq, dv, dtype=torch.float64)
    lse = torch.full((hq, tq), float("-inf"), dtype=torch.float64)
    if kw.get("sinks") is not None:  # tokens of no sequence see no key: lse = the sink
        lse[:] = kw["sinks"].double()[:, None]
    ref_kw = {x: kw[x] for x in ("causal", "window", "softcap", "scale")}
    for b in range(len(seq_lens)):
        q0, q1, n = int(qsl[b]), int(qsl[b + 1]), int(seq_lens[b])
        if q1 == q0:
            continue
        k = gather(k_cache, tables[b], n)
        v = gather(v_cache, tables[b], n)
        o, l = reference(q[q0:q1].transpose(0, 1)[None], k.transpose(0, 1)[None],
                         v.transpose(0, 1)[None], alibi_slopes=kw.get("alibi_slopes"),
                         sinks=kw.get("sinks"), **ref_kw)
        out[q0:q1] = o[0].transpose(0, 1)
        lse[:, q0:q1] = l[0]
    return out, lse


# (case, [(q_lens, seq_lens, pad), ...]); mode "decode" / "prefill" picks the split kernel
# through max_query_len (both are exact for any batch, so both run mixed batches).
DECODE_BATCH = ([1, 1, 0, 1, 1], [1, 37, 0, 300, 16], 0)       # decode: seq lens 1, 0, ...
MIXED_BATCH = ([1, 20, 0, 3, 1], [100, 20, 0, 50, 1], 2)         # decode + prefill + padding
CHUNKED = ([33, 1, 7], [200, 65, 7], 0)                           # chunked prefill, a prefix
PAGED = [
    (dict(dtype="f32", d=64, hq=4, hkv=2, bs=16, causal=True, lse=True),
     [DECODE_BATCH, MIXED_BATCH, CHUNKED, ([1], [1], 3)]),
    (dict(dtype="bf16", d=128, hq=8, hkv=1, bs=1, causal=True, lse=True),           # MQA
     [DECODE_BATCH, MIXED_BATCH]),
    (dict(dtype="f16", d=64, hq=4, hkv=4, bs=544, causal=True, window=(32, 0), lse=True),
     [([1, 1, 2], [600, 1200, 545], 0), CHUNKED]),
    (dict(dtype="f32", d=32, hq=4, hkv=2, bs=16, window=(8, 8), softcap=5.0, alibi=True,
          lse=True, gain=4.0), [MIXED_BATCH, CHUNKED]),
    (dict(dtype="bf16", d=64, hq=8, hkv=2, bs=16), [DECODE_BATCH, ([5, 1], [64, 1000], 0)]),
]


def paged_case_id(c):
    return "%s-bs%d" % (case_id(c), c["bs"])


def run_paged(c, q_lens, seq_lens, pad, seed, mode, num_splits=None, use_out=True):
    dt = DTYPES[c["dtype"]]
    hq, hkv, d = c["hq"], c["hkv"], c["d"]
    dv = c.get("dv", d)
    k_cache, v_cache, tables, _, _ = paged_cache(q_lens, seq_lens, c["bs"], dt, hkv, d, dv)
    qsl = torch.tensor([0] + [sum(q_lens[:i + 1]) for i in range(len(q_lens))],
                       dtype=torch.int32)
    sl = torch.tensor(seq_lens, dtype=torch.int32)
    tq = int(qsl[-1]) + pad
    q = (torch.randn(tq, hq, d) * c.get("gain", 1.0)).to(dt)
    out = nan_like_shape((tq, hq, dv), dt)
    kw = kwargs(c)
    max_q = {"decode": 1, "prefill": 1 << 20, None: None}[mode]
    res = at.paged_attention(q, k_cache, v_cache, tables, sl, qsl, num_splits=num_splits,
                             max_query_len=max_q, out=out if use_out else None, **kw)
    got, lse = res if kw["return_lse"] else (res, None)
    if use_out:
        assert got is out
    ref, ref_lse = paged_reference(q, k_cache, v_cache, tables, sl, qsl, kw)
    empty = torch.isinf(ref_lse)
    tol = TOL[c["dtype"]]
    check("out", got, ref, tol, seed, empty.t()[..., None])
    if lse is not None:
        assert lse.dtype == torch.float32 and tuple(lse.shape) == (hq, tq)
        check("lse", lse, ref_lse, tol, seed, empty)
    return got, lse


@pytest.mark.parametrize("mode", ["decode", "prefill"])
@pytest.mark.parametrize("c,lens", [pytest.param(c, lens, id="%s-%d" % (paged_case_id(c), n))
                                    for c, cases in PAGED for n, lens in enumerate(cases)])
def test_paged(c, lens, mode, seed):
    run_paged(c, *lens, seed, mode)


@pytest.mark.parametrize("num_splits", [1, 2, 7, 300])
def test_paged_splits(num_splits, seed):
    """Any number of KV splits gives the same result: one split, a few, more splits than
    the longest sequence has tiles (empty splits)."""
    c = PAGED[0][0]
    for mode in ("decode", "prefill"):
        run_paged(c, *MIXED_BATCH, seed, mode, num_splits=num_splits)


def test_paged_default_mode_and_out(seed):
    """max_query_len=None (the mode from Tq / B) and no out=."""
    c = PAGED[4][0]
    run_paged(c, *DECODE_BATCH, seed, None, use_out=False)
    run_paged(c, *CHUNKED, seed, None, use_out=False)
    assert at.paged_mode(None, 5, 5) == "decode" and at.paged_mode(None, 100, 5) == "prefill"
    assert at.paged_mode(4, 100, 5) == "decode" and at.paged_mode(5, 5, 5) == "prefill"


def test_paged_reference_gather(seed):
    """The reference reads, through the block tables, exactly the keys paged_cache
    wrote (shared prefix blocks included), and nothing of the NaN filler."""
    k_cache, v_cache, tables, keys, vals = paged_cache(
        [1, 1, 1], [40, 0, 37], 16, torch.float32, 2, 8, 4)
    for b, n in enumerate([40, 0, 37]):
        assert torch.equal(gather(k_cache, tables[b], n), keys[b])
        assert torch.equal(gather(v_cache, tables[b], n), vals[b])
    # Sequence 2 shares sequence 0's first (whole) blocks.
    assert torch.equal(tables[2, :2], tables[0, :2])
    assert torch.isnan(k_cache).any()


def test_paged_splits_heuristic():
    # docs/paged.md: S = clamp(ceil(4 * units / programs), 1, min(ceil(MaxKeys / 256), 256))
    assert at.num_splits_for(32 * 8, 4096 * 16, 132) == 3
    assert at.num_splits_for(8, 131072, 132) == 66
    assert at.num_splits_for(1, 10 ** 7, 1000) == 256
    assert at.num_splits_for(1, 100, 132) == 1
    assert at.num_splits_for(10 ** 6, 10 ** 6, 132) == 1
    # attn.mla on a GPU (docs/mla.md): floor(2 * units / programs), whole waves of its two
    # CTAs per SM; the H100 sweep's best counts at H = 16 (B = 128: 2, B = 64: 4) and 1 at
    # H = 128 (B = 128: 8 programs of 16 heads per token).
    assert at.num_splits_for(128, 4096, 132, per_unit=2, whole_waves=True) == 2
    assert at.num_splits_for(64, 16384, 132, per_unit=2, whole_waves=True) == 4
    assert at.num_splits_for(128 * 8, 4096, 132, per_unit=2, whole_waves=True) == 1
    assert at.num_splits_for(1, 300, 132, per_unit=2, whole_waves=True) == 2


def paged_args(dt=torch.float32, tq=3, hq=4, hkv=2, d=32, nb=4, bs=16, b=2):
    return [torch.randn(tq, hq, d, dtype=dt), torch.randn(nb, bs, hkv, d, dtype=dt),
            torch.randn(nb, bs, hkv, d, dtype=dt), torch.zeros(b, 2, dtype=torch.int32),
            torch.ones(b, dtype=torch.int32), torch.tensor([0, 1, 2], dtype=torch.int32)[:b + 1]]


def _replace(args, i, t):
    args = list(args)
    args[i] = t
    return args


@pytest.mark.parametrize("make_args,kw,message", [
    (lambda: paged_args(dt=torch.float64), {}, "dtype torch.float64 is not supported"),
    (lambda: _replace(paged_args(), 1, paged_args()[1].half()), {}, "same dtype"),
    (lambda: _replace(paged_args(), 0, torch.randn(3, 3, 32)), {}, "multiple of the key/value"),
    (lambda: _replace(paged_args(), 2, torch.randn(4, 8, 2, 32)), {}, "same blocks"),
    (lambda: _replace(paged_args(), 1, torch.randn(4, 16, 2, 16)), {}, "same head_dim"),
    (lambda: _replace(paged_args(), 3, torch.zeros(2, 2, dtype=torch.int64)), {},
     "block_tables must be int32"),
    (lambda: _replace(paged_args(), 4, torch.ones(3, dtype=torch.int32)), {}, "disagree on B"),
    (lambda: _replace(paged_args(), 5, torch.zeros(2, dtype=torch.int32)), {}, "disagree on B"),
    (lambda: _replace(paged_args(), 3, torch.zeros(2, dtype=torch.int32)), {},
     "block_tables must have 2 dimensions"),
    (lambda: _replace(paged_args(), 1, torch.randn(16, 2, 32)), {}, "k_cache must have 4"),
    (lambda: _replace(paged_args(), 0, torch.randn(3, 4, 64)[..., ::2]), {}, "contiguous"),
    (lambda: paged_args(nb=0), {}, "at least one block"),
    (lambda: paged_args(), dict(num_splits=0), "num_splits"),
    (lambda: paged_args(), dict(max_query_len=-1), "max_query_len"),
    (lambda: paged_args(), dict(window=(-2, 0)), "window"),
    (lambda: paged_args(), dict(alibi_slopes=torch.ones(3)), "alibi_slopes must have shape"),
    (lambda: paged_args(), dict(out=torch.empty(3, 4, 16)), "out must have shape"),
])
def test_bad_paged_inputs(make_args, kw, message):
    with pytest.raises((ValueError, TypeError), match=message):
        at.paged_attention(*make_args(), **kw)


def test_paged_spec():
    s = attnc.AttentionSpec(dtype="bf16", head_dim=128, num_heads_q=32, num_heads_kv=8,
                            causal=True, paged=True, block_size=16)
    assert s.paged_mode == "decode" and s.key().startswith("paged-bf16-d128-h32x8-bs16-decode-")
    assert attnc.AttentionSpec.from_dict(s.to_dict()) == s
    p = attnc.AttentionSpec.from_dict(dict(s.to_dict(), paged_mode="prefill"))
    assert p.key() != s.key() and 'attn.paged_mode = "prefill"' in p.ir()
    assert "attn.paged_attention" in s.ir() and "tensor<?x16x8x128xbf16>" in s.ir()
    assert "paged" not in attnc.AttentionSpec(head_dim=64, num_heads_q=2).to_dict()
    for bad in (dict(block_size=None), dict(block_size=0), dict(paged_mode="x"),
                dict(varlen=True)):
        with pytest.raises(ValueError):
            attnc.AttentionSpec(**dict(s.to_dict(), **bad))
    with pytest.raises(ValueError, match="go with paged"):
        attnc.AttentionSpec(head_dim=64, num_heads_q=2, block_size=16)


# --- the fast path (one launch plan per call signature) ---------------------------------------


def _no_checks(monkeypatch):
    """Makes the checked path fail: a call that still succeeds took the fast path."""
    def boom(*a, **k):
        raise AssertionError("the checked path ran")
    for name in ("_check_qkv", "_check_tensor", "_check_common"):
        monkeypatch.setattr(at, name, boom)


def test_fast_path_dense(seed, monkeypatch):
    """Calls with a signature seen twice before launch a cached plan (no checks, no
    packing) on fresh data each time, with and without out=, in both layouts."""
    c = DENSE[5][0]  # f32, window, softcap, alibi, lse
    for _ in range(2):  # the plan is made at a signature's second call
        run_dense(c, 2, 37, 100, seed)
        run_dense(c, 1, 20, 30, seed, layout="bshd", use_out=False)
    with monkeypatch.context() as m:
        _no_checks(m)
        for _ in range(3):
            run_dense(c, 2, 37, 100, seed)
            run_dense(c, 1, 20, 30, seed, layout="bshd", use_out=False)
    # A new signature (other strides) takes the checked path again.
    with pytest.raises(AssertionError, match="the checked path ran"):
        with monkeypatch.context() as m:
            _no_checks(m)
            run_dense(c, 2, 37, 100, seed, layout="bhsd-view")


def test_fast_path_size_one_strides(seed, monkeypatch):
    """A contiguous tensor's signature leaves its strides out (torch's is_contiguous()
    ignores the stride of a dim of size 1, which never enters an address): q whose batch
    dim of size 1 has another stride takes the plan of plain q and gives the same numbers;
    a non-contiguous q of the same sizes does not."""
    c = DENSE[0][0]
    for _ in range(2):
        run_dense(c, 1, 9, 13, seed)
    _, (q, k, v, out), _ = make(c, 1, 9, 13)
    q1 = q.as_strided(q.shape, (7,) + q.stride()[1:])
    assert q1.is_contiguous() and q1.stride() != q.stride()
    kw = kwargs(c)
    ref, _ = reference(q, k, v)
    with monkeypatch.context() as m:
        _no_checks(m)
        got, _ = at.attention(q1, k, v, out=out, **kw)
    assert got is out
    check("out", out, ref, TOL[c["dtype"]], seed, None)
    qt = torch.empty(q.shape[0], q.shape[2], q.shape[1], q.shape[3], dtype=q.dtype)
    qt = qt.transpose(1, 2)
    qt.copy_(q)
    assert qt.shape == q.shape and not qt.is_contiguous()
    with pytest.raises(AssertionError, match="the checked path ran"):
        with monkeypatch.context() as m:
            _no_checks(m)
            at.attention(qt, k, v, out=out, **kw)
    got, _ = at.attention(qt, k, v, out=nan_like_shape(out.shape, out.dtype), **kw)
    check("out", got, ref, TOL[c["dtype"]], seed, None)


def test_fast_path_varlen_and_paged(seed, monkeypatch):
    c = VARLEN[0][0]
    c_paged = PAGED[0][0]
    for _ in range(2):
        run_varlen(c, [5, 0, 64], [100, 3, 0], 7, seed)
        run_paged(c_paged, *MIXED_BATCH, seed, "decode")
    with monkeypatch.context() as m:
        _no_checks(m)
        for _ in range(3):  # fresh data, block tables and seq_lens each time; reused workspace
            run_varlen(c, [5, 0, 64], [100, 3, 0], 7, seed)
            run_paged(c_paged, *MIXED_BATCH, seed, "decode")


def test_fresh_workspace_is_not_cached(seed):
    """Paged calls through torch.ops.attnc (at._FreshWorkspace) use a workspace of their own
    and leave none cached: under torch.compile(mode="reduce-overhead") a cached one would be
    a live allocation of the CUDA graph pool (test_flash_cuda.py::test_cuda_graph_of_compiled)."""
    c_paged = PAGED[0][0]
    at._fast.clear()
    with at._FreshWorkspace():
        for _ in range(3):  # the checked call, then the fast path
            run_paged(c_paged, *MIXED_BATCH, seed, "decode")
    plans = [f for f in at._fast.values() if f.ws_shapes is not None]
    assert plans, "the paged call did not take the fast path"
    assert all(not f.ws for f in plans), "a workspace was cached inside _FreshWorkspace"
    run_paged(c_paged, *MIXED_BATCH, seed, "decode")
    run_paged(c_paged, *MIXED_BATCH, seed, "decode")
    assert any(f.ws for f in at._fast.values() if f.ws_shapes is not None)


def test_fast_path_keeps_data_checks(seed):
    """What depends on the data is checked on every call: requires_grad under grad mode
    takes the autograd path (which refuses out=) instead of the launch plan."""
    c = DENSE[0][0]
    _, (q, k, v, out), _ = make(c, 1, 9, 9)
    at.attention(q, k, v, out=out)
    at.attention(q, k, v, out=out)
    q.requires_grad_(True)
    with pytest.raises(ValueError, match="out= cannot be used"):
        at.attention(q, k, v, out=out)
    assert at.attention(q, k, v).grad_fn is not None
    with torch.no_grad():
        at.attention(q, k, v, out=out)


def test_fast_path_after_clear_memory(seed):
    c = DENSE[0][0]
    run_dense(c, 1, 9, 9, seed)
    attnc.kernels.clear_memory()
    run_dense(c, 1, 9, 9, seed)
    run_dense(c, 1, 9, 9, seed)


# --- attention sinks (gpt-oss; issue 17) -------------------------------------------------------
# Sinks join every row's denominator without a value; the reference appends them as one
# more logit per row. Rows that see no key (causal Sq > Sk, windows, Sk = 0, varlen and
# paged padding tokens) give out = 0 and lse = the head's sink; head 0's sink is -inf (no
# sink: 0 / -inf), head 1's (+6) outweighs most rows' keys.

SINKS_DENSE = [
    (dict(dtype="f32", d=64, hq=4, hkv=2, causal=True, lse=True, sinks=True), SHAPES),
    # gpt-oss: GQA, sliding-window layers (window 128 and causal) next to full ones.
    (dict(dtype="bf16", d=64, hq=8, hkv=2, causal=True, window=(127, 0), lse=True,
          sinks=True), [(2, 1, 1), (1, 300, 300), (2, 37, 200), (1, 0, 5), (1, 5, 0)]),
    (dict(dtype="f16", d=64, hq=8, hkv=1, window=(16, 3), lse=True, sinks=True), SHORT),  # MQA
    (dict(dtype="f32", d=32, hq=4, hkv=2, window=(8, 8), softcap=5.0, alibi=True, lse=True,
          gain=4.0, sinks=True), SHORT),
    (dict(dtype="bf16", d=64, dv=32, hq=4, hkv=4, causal=True, sinks=True), SHORT),  # no lse
]


@pytest.mark.parametrize("c,shape", [pytest.param(c, s, id="%s-b%d-q%d-k%d" % ((case_id(c),) + s))
                                     for c, shapes in SINKS_DENSE for s in shapes])
def test_sinks_dense(c, shape, seed):
    run_dense(c, *shape, seed)


def test_sinks_fully_masked_rows(seed):
    """Rows that see no key (causal, Sq > Sk: the first 30 rows) give out = 0 exactly and
    lse = the head's sink (-inf for head 0, whose sink is -inf), never NaN; the sinks
    change every other row (a kernel that ignored them fails)."""
    c = SINKS_DENSE[0][0]
    b, hq, sq, sk = 2, c["hq"], 50, 20
    _, (q, k, v, out), _ = make(c, b, sq, sk)
    sinks = make_sinks(hq)
    got, lse = at.attention(q, k, v, causal=True, return_lse=True, out=out, sinks=sinks)
    assert torch.equal(got[:, :, :30], torch.zeros_like(got[:, :, :30]))
    for h in range(hq):
        want = torch.full_like(lse[:, h, :30], float(sinks[h]))
        check("lse of empty rows, head %d" % h, lse[:, h, :30], want.double(), 1e-6, seed)
    plain = at.attention(q, k, v, causal=True)
    assert not torch.allclose(got[:, 1:, 30:], plain[:, 1:, 30:], atol=1e-3), \
        "the sinks changed nothing"
    ref, ref_lse = reference(q, k, v, causal=True, sinks=sinks)
    check("out", got, ref, TOL["f32"], seed)
    check("lse", lse, ref_lse, TOL["f32"], seed)


SINKS_VARLEN = [
    (dict(dtype="f32", d=64, hq=4, hkv=2, causal=True, lse=True, sinks=True),
     [([1], None, 0), ([37, 0, 100, 5], [37, 3, 257, 0], 4), ([0, 0], [5, 0], 3)]),
    (dict(dtype="bf16", d=64, hq=8, hkv=2, causal=True, window=(127, 0), lse=True,
          sinks=True), [([200, 1, 64], [300, 1, 64], 2)]),
]


@pytest.mark.parametrize("c,lens", [pytest.param(c, lens, id="%s-%d" % (case_id(c), n))
                                    for c, cases in SINKS_VARLEN for n, lens in enumerate(cases)])
def test_sinks_varlen(c, lens, seed):
    run_varlen(c, *lens, seed)


SINKS_PAGED = [
    (dict(dtype="f32", d=64, hq=4, hkv=2, bs=16, causal=True, lse=True, sinks=True),
     [DECODE_BATCH, MIXED_BATCH, CHUNKED]),
    (dict(dtype="bf16", d=64, hq=8, hkv=1, bs=16, causal=True, window=(127, 0), lse=True,
          sinks=True), [DECODE_BATCH, ([1, 3], [1000, 130], 1)]),
    (dict(dtype="f32", d=32, hq=4, hkv=2, bs=1, window=(8, 8), softcap=5.0, alibi=True,
          lse=True, gain=4.0, sinks=True), [MIXED_BATCH]),
]


@pytest.mark.parametrize("mode", ["decode", "prefill"])
@pytest.mark.parametrize("c,lens", [pytest.param(c, lens, id="%s-%d" % (paged_case_id(c), n))
                                    for c, cases in SINKS_PAGED for n, lens in enumerate(cases)])
def test_sinks_paged(c, lens, mode, seed):
    run_paged(c, *lens, seed, mode)


@pytest.mark.parametrize("num_splits", [1, 3, 300])
def test_sinks_paged_splits(num_splits, seed):
    """The sinks join once (in the merge), however many KV splits there are: empty
    splits and many splits give the same result as one."""
    run_paged(SINKS_PAGED[0][0], *CHUNKED, seed, "prefill", num_splits=num_splits)
    run_paged(SINKS_PAGED[0][0], *DECODE_BATCH, seed, "decode", num_splits=num_splits)


def test_sinks_spec_is_a_variant():
    """A sinks kernel is its own variant (key, IR, AOT flags); specs without sinks keep
    their dict form and key (bundles built before sinks existed stay valid)."""
    base = dict(dtype="bf16", head_dim=64, num_heads_q=8, num_heads_kv=2, causal=True)
    s, plain = attnc.AttentionSpec(sinks=True, **base), attnc.AttentionSpec(**base)
    assert s != plain and s.key() != plain.key() and "-sinks-" in s.key()
    assert "sinks" not in plain.to_dict() and s.to_dict()["sinks"] is True
    assert attnc.AttentionSpec.from_dict(s.to_dict()) == s
    assert "sinks(%sinks)" in s.ir() and "%sinks: tensor<8xf32>" in s.ir()
    assert "sinks" not in plain.ir()
    assert s.aot_flags().endswith("--sinks 1") and "sinks" not in plain.aot_flags()
    p = attnc.AttentionSpec(sinks=True, paged=True, block_size=16, **base)
    assert "sinks(%sinks)" in p.ir() and p.key() != attnc.AttentionSpec(
        paged=True, block_size=16, **base).key()


def test_sinks_aot_grid():
    from attnc import aot
    a = aot.main.__globals__["argparse"].Namespace(
        dtype="bf16", head_dim="64", heads="8:2", causal="1", lse="0", alibi="0", varlen="0,1",
        window="-1:-1", softcap="0", sinks="0,1")
    specs = aot.grid_specs(a)
    assert sorted((x.varlen, x.sinks) for x in specs) == [(False, False), (False, True),
                                                          (True, False), (True, True)]


@pytest.mark.parametrize("make_sinks_arg,message", [
    (lambda: torch.zeros(3), r"sinks must have shape \(num_heads_q,\) = \(4,\)"),
    (lambda: torch.zeros(1, 4), r"sinks must have shape"),
    (lambda: torch.zeros(4, dtype=torch.float64), "sinks must be float32"),
    (lambda: torch.zeros(4, dtype=torch.bfloat16), "sinks must be float32"),
    (lambda: [0.0] * 4, "sinks must be a torch.Tensor"),
])
def test_bad_sinks(make_sinks_arg, message):
    q, k, v = qkv()
    cu = torch.tensor([0, 8], dtype=torch.int32)
    exc = TypeError if "Tensor" in message else ValueError
    with pytest.raises(exc, match=message):
        at.attention(q, k, v, sinks=make_sinks_arg())
    with pytest.raises(exc, match=message):
        at.attention_varlen(q[0].transpose(0, 1), k[0].transpose(0, 1), v[0].transpose(0, 1),
                            cu, cu, sinks=make_sinks_arg())
    args = paged_args()
    with pytest.raises(exc, match=message):
        at.paged_attention(*args, sinks=make_sinks_arg())


def test_sinks_fast_path(seed, monkeypatch):
    """The launch plans place the sinks (dense, varlen, paged merge) with fresh values on
    every call."""
    c, cv, cp = SINKS_DENSE[3][0], SINKS_VARLEN[0][0], SINKS_PAGED[0][0]
    for _ in range(2):
        run_dense(c, 2, 37, 100, seed)
        run_varlen(cv, [5, 0, 64], [100, 3, 0], 7, seed)
        run_paged(cp, *MIXED_BATCH, seed, "decode")
    with monkeypatch.context() as m:
        _no_checks(m)
        for _ in range(3):
            run_dense(c, 2, 37, 100, seed)
            run_varlen(cv, [5, 0, 64], [100, 3, 0], 7, seed)
            run_paged(cp, *MIXED_BATCH, seed, "decode")
