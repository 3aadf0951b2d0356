"""attnc's torch.library custom ops (attnc.ops) on the CPU.

- On any torch: the ops' implementations and fake (meta) implementations as plain
  functions (attnc.ops._define): the fakes give exactly the shapes, dtypes and strides of
  the real results; and attnc.torch's traced branch (what runs while torch.compile
  traces) passes its arguments to the ops in their schema's order, with out= copied.
- Where torch has torch.library.custom_op (torch >= 2.4): the registered ops,
  torch.library.opcheck, and torch.compile(fullgraph=True) over attnc.torch and
  attnc.flash_attn calls, against eager. Elsewhere (Debian's torch 1.13) these skip,
  counted as expected skips with the reason (python/tests/attnc_pytest.py).

CUDA graphs and fullgraph compile on the GPU: test_flash_cuda.py.
"""
import os
import sys
import types

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
for _p in (os.path.dirname(HERE), HERE):
    if _p not in sys.path:
        sys.path.insert(0, _p)

import torch  # noqa: E402

import attnc.torch as at  # noqa: E402
import flash_common as fc  # noqa: E402
from attnc import flash_attn as fa  # noqa: E402
from attnc import ops  # noqa: E402

HAS_CUSTOM_OP = hasattr(torch, "library") and hasattr(torch.library, "custom_op")
NO_OPS = ("torch %s has no torch.library.custom_op (needs torch >= 2.4): attnc.torch runs "
          "eagerly there" % torch.__version__)


@pytest.fixture
def seed():
    return fc.new_seed()


def _dense(dt=torch.bfloat16, layout="bshd", b=2, sq=9, sk=13, hq=4, hkv=2, d=64):
    if layout == "bshd":
        shapes = (b, sq, hq, d), (b, sk, hkv, d)
    else:
        shapes = (b, hq, sq, d), (b, hkv, sk, d)
    return (torch.randn(shapes[0], dtype=dt), torch.randn(shapes[1], dtype=dt),
            torch.randn(shapes[1], dtype=dt))


def _varlen(dt=torch.bfloat16):
    cu_q = torch.tensor([0, 5, 5, 12], dtype=torch.int32)
    cu_k = torch.tensor([0, 7, 9, 20], dtype=torch.int32)
    return (torch.randn(12, 4, 64, dtype=dt), torch.randn(20, 2, 64, dtype=dt),
            torch.randn(20, 2, 64, dtype=dt), cu_q, cu_k)


def _paged(dt=torch.bfloat16):
    kc, vc, table, _, _ = fc.paged_cache([9, 30, 1], 16, 2, 64, 64, dt, "cpu")
    return (torch.randn(3, 4, 64, dtype=dt), kc.nan_to_num(), vc.nan_to_num(), table,
            torch.tensor([9, 30, 1], dtype=torch.int32),
            torch.tensor([0, 1, 2, 3], dtype=torch.int32))


def _same_meta(fake, real):
    assert fake.device.type == "meta"
    assert (fake.shape, fake.dtype, fake.stride()) == (real.shape, real.dtype, real.stride())


# --- plumbing, on any torch --------------------------------------------------------------------


@pytest.mark.parametrize("layout", ["bshd", "bhsd"])
@pytest.mark.parametrize("return_lse", [False, True])
def test_attention_impl_and_fake(layout, return_lse, seed):
    impl, fake = ops._define(torch)["attention"]
    q, k, v = _dense(layout=layout)
    args = (None, True, None, -1, -1, 0.0, return_lse, layout)
    out, lse = impl(q, k, v, *args)
    want = at.attention(q, k, v, causal=True, return_lse=return_lse, layout=layout)
    assert torch.equal(out, want[0] if return_lse else want)
    if return_lse:
        assert torch.equal(lse, want[1])
    else:
        assert lse.numel() == 0 and lse.dtype == torch.float32
    fo, fl = fake(q.to("meta"), k.to("meta"), v.to("meta"), *args)
    _same_meta(fo, out)
    _same_meta(fl, lse)


@pytest.mark.parametrize("return_lse", [False, True])
def test_varlen_and_paged_impl_and_fake(return_lse, seed):
    impls = ops._define(torch)
    q, k, v, cu_q, cu_k = _varlen()
    impl, fake = impls["attention_varlen"]
    args = (None, True, 0.2, 3, -1, 0.0, return_lse)
    out, lse = impl(q, k, v, cu_q, cu_k, *args)
    want = at.attention_varlen(q, k, v, cu_q, cu_k, causal=True, scale=0.2, window=(3, -1),
                               return_lse=return_lse)
    assert torch.equal(out, want[0] if return_lse else want)
    meta = [t.to("meta") for t in (q, k, v, cu_q, cu_k)]
    fo, fl = fake(*meta, *args)
    _same_meta(fo, out)
    _same_meta(fl, lse)
    impl, fake = impls["paged_attention"]
    pa = _paged()
    args = (None, True, None, -1, -1, 5.0, return_lse, 2, 1)
    out, lse = impl(*pa, *args)
    want = at.paged_attention(*pa, causal=True, softcap=5.0, return_lse=return_lse,
                              num_splits=2, max_query_len=1)
    assert torch.equal(out, want[0] if return_lse else want)
    fo, fl = fake(*[t.to("meta") for t in pa], *args)
    _same_meta(fo, out)
    _same_meta(fl, lse)


def test_sinks_through_the_ops(monkeypatch, seed):
    """sinks= goes through the ops as their last (optional) argument: the
    implementations give what attnc.torch gives eagerly, the fakes the same metadata, and
    attnc.torch's traced branch passes the sinks on (stand-in ops as below)."""
    impls = ops._define(torch)
    sinks = torch.randn(4) * 2
    q, k, v = _dense()
    args = (None, True, None, -1, -1, 0.0, True, "bshd", sinks)
    out, lse = impls["attention"][0](q, k, v, *args)
    want = at.attention(q, k, v, causal=True, return_lse=True, layout="bshd", sinks=sinks)
    assert torch.equal(out, want[0]) and torch.equal(lse, want[1])
    plain = at.attention(q, k, v, causal=True, layout="bshd")
    assert not torch.equal(out, plain), "the sinks changed nothing"
    fo, fl = impls["attention"][1](q.to("meta"), k.to("meta"), v.to("meta"), *args)
    _same_meta(fo, out)
    _same_meta(fl, lse)
    vq = _varlen()
    out, lse = impls["attention_varlen"][0](*vq, None, True, None, -1, -1, 0.0, True, sinks)
    want = at.attention_varlen(*vq, causal=True, return_lse=True, sinks=sinks)
    assert torch.equal(out, want[0]) and torch.equal(lse, want[1])
    pa = _paged()
    out, lse = impls["paged_attention"][0](*pa, None, True, None, -1, -1, 0.0, True, 2, 1, sinks)
    want = at.paged_attention(*pa, causal=True, return_lse=True, num_splits=2, max_query_len=1,
                              sinks=sinks)
    assert torch.equal(out, want[0]) and torch.equal(lse, want[1])
    got = []
    tracing = [True]

    def op(name):
        def run(*a):  # outside the trace, as compiled code runs the op
            got.append((name, a[-1]))
            tracing[0] = False
            try:
                return impls[name][0](*a)
            finally:
                tracing[0] = True
        return run

    ns = types.SimpleNamespace(attnc=types.SimpleNamespace(**{n: op(n) for n in impls}))
    monkeypatch.setattr(at, "_compiling", lambda: tracing[0])
    monkeypatch.setattr(torch, "ops", ns)
    at.attention(q, k, v, causal=True, layout="bshd", sinks=sinks)
    at.attention_varlen(*vq, causal=True, sinks=sinks)
    at.paged_attention(*pa, causal=True, max_query_len=1, sinks=sinks)
    assert [n for n, _ in got] == ["attention", "attention_varlen", "paged_attention"]
    assert all(last is sinks for _, last in got), "the traced branch must pass sinks on"


def test_traced_branch_calls_the_ops(monkeypatch, seed):
    """While torch.compile traces, attnc.torch calls torch.ops.attnc.* (here stand-ins
    running the ops' implementations): positional arguments in the schema's order, out=
    copied, return conventions kept, flash_attn included."""
    impls = ops._define(torch)
    calls = []

    tracing = [True]

    def op(name):
        def run(*args):  # the op's implementation runs outside the trace, as compiled code does
            calls.append(name)
            tracing[0] = False
            try:
                return impls[name][0](*args)
            finally:
                tracing[0] = True
        return run

    q, k, v = _dense()
    eager_dense = at.attention(q, k, v, causal=True, window=(4, -1), softcap=3.0,
                               return_lse=True, layout="bshd")
    vq = _varlen()
    eager_varlen = at.attention_varlen(*vq, causal=True, return_lse=True)
    pa = _paged()
    eager_paged = at.paged_attention(*pa, causal=True, return_lse=True, max_query_len=1)
    eager_fa = fa.flash_attn_func(q, k, v, causal=True, return_lse=True)
    kc, vc = torch.randn(2, 32, 2, 64, dtype=q.dtype), torch.randn(2, 32, 2, 64, dtype=q.dtype)
    lens = torch.tensor([5, 32], dtype=torch.int32)
    eager_kv = fa.flash_attn_with_kvcache(q[:, :2], kc, vc, cache_seqlens=lens, causal=True,
                                          return_softmax_lse=True)
    cu = pa[5]
    eager_vp = fa.flash_attn_varlen_func(pa[0], pa[1], pa[2], cu, torch.tensor(
        [0, 9, 39, 40], dtype=torch.int32), 1, 30, causal=True, block_table=pa[3])
    ns = types.SimpleNamespace(attnc=types.SimpleNamespace(
        **{name: op(name) for name in impls}))
    monkeypatch.setattr(at, "_compiling", lambda: tracing[0])
    monkeypatch.setattr(torch, "ops", ns)
    out = torch.full_like(q, float("nan"))
    r = at.attention(q, k, v, causal=True, window=(4, -1), softcap=3.0, return_lse=True,
                     layout="bshd", out=out)
    assert r[0] is out and torch.equal(out, eager_dense[0]) and torch.equal(r[1], eager_dense[1])
    r = at.attention(q, k, v, causal=True, window=(4, -1), softcap=3.0, layout="bshd")
    assert torch.equal(r, eager_dense[0])
    r = at.attention_varlen(*vq, causal=True, return_lse=True)
    assert torch.equal(r[0], eager_varlen[0]) and torch.equal(r[1], eager_varlen[1])
    r = at.paged_attention(*pa, causal=True, return_lse=True, max_query_len=1)
    assert torch.equal(r[0], eager_paged[0]) and torch.equal(r[1], eager_paged[1])
    r = fa.flash_attn_func(q, k, v, causal=True, return_lse=True)
    assert torch.equal(r[0], eager_fa[0]) and torch.equal(r[1], eager_fa[1])
    r = fa.flash_attn_with_kvcache(q[:, :2], kc, vc, cache_seqlens=lens, causal=True,
                                   return_softmax_lse=True)
    assert torch.equal(r[0], eager_kv[0]) and torch.equal(r[1], eager_kv[1])
    r = fa.flash_attn_varlen_func(pa[0], pa[1], pa[2], cu, torch.tensor(
        [0, 9, 39, 40], dtype=torch.int32), 1, 30, causal=True, block_table=pa[3])
    assert torch.equal(r, eager_vp)
    assert calls == ["attention", "attention", "attention_varlen", "paged_attention",
                     "attention", "paged_attention", "paged_attention"]


def test_availability_is_reported():
    assert ops.AVAILABLE == HAS_CUSTOM_OP
    if not HAS_CUSTOM_OP:
        assert "torch.library.custom_op" in ops.REASON and at._compiling is None


# --- registered ops (torch >= 2.4) ---------------------------------------------------------------


@pytest.mark.parametrize("name", ["attention", "attention_varlen", "paged_attention"])
def test_opcheck(name, seed):
    if not HAS_CUSTOM_OP:
        pytest.skip(NO_OPS)
    op = getattr(torch.ops.attnc, name)
    if name == "attention":
        args = _dense() + (None, True, None, -1, -1, 0.0, True, "bshd")
    elif name == "attention_varlen":
        args = _varlen() + (None, True, None, -1, -1, 0.0, True)
    else:
        args = _paged() + (None, True, None, -1, -1, 0.0, True, None, 1)
    torch.library.opcheck(op, args, test_utils=("test_schema", "test_faketensor",
                                                "test_aot_dispatch_static"))


test_opcheck = pytest.mark.optional("torch.library.custom_op (torch >= 2.4)")(test_opcheck)


@pytest.mark.parametrize("backend", ["eager", "aot_eager"])
def test_compile_fullgraph(backend, seed):
    if not HAS_CUSTOM_OP:
        pytest.skip(NO_OPS)
    torch._dynamo.reset()
    q, k, v = _dense()
    vq = _varlen()
    pa = _paged()

    def f(q, k, v, vq, pa):
        a = at.attention(q, k, v, causal=True, layout="bshd")
        b, lse = at.attention(q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2),
                              window=(4, 0), return_lse=True)
        c = at.attention_varlen(*vq, causal=True)
        d = at.paged_attention(*pa, causal=True, max_query_len=1)
        e = fa.flash_attn_func(q, k, v, causal=True)
        return a, b, lse, c, d, e

    want = f(q, k, v, vq, pa)
    got = torch.compile(f, fullgraph=True, backend=backend)(q, k, v, vq, pa)
    for x, y in zip(got, want):
        assert torch.equal(x, y)


test_compile_fullgraph = pytest.mark.optional("torch.library.custom_op (torch >= 2.4)")(
    test_compile_fullgraph)
