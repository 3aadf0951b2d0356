"""attnc.flash_attn, the custom ops, torch.compile and CUDA graphs on one NVIDIA GPU.

On the GPU machine (no compiler; the variants of gpu_variants.py, flash_variants.json
included, precompiled by bench/prepare_device.sh):

    ATTNC_REQUIRE_GPU=1 PYTHONPATH=python:python/tests python3 -m pytest -q -rs \\
        python/tests/test_flash_cuda.py python/tests/test_transformers.py

- FlashAttention's documented semantics cases (flash_common.py, the CPU suite's cases
  with f32 made bf16 and D >= 64) against the float64 reference;
- torch.compile(fullgraph=True) over attnc.torch.attention / attention_varlen /
  paged_attention and attnc.flash_attn calls: one custom op per call, results equal to
  eager (needs torch.library.custom_op, torch >= 2.4);
- CUDA graph capture of the same calls (plain functions and custom ops), replayed with
  fresh data copied into the captured inputs, against the reference each time;
- the fast path's per-call checks on the GPU (16-byte row alignment).

Without CUDA every test skips with the reason, counted as an expected skip (the
`optional` marker; python/tests/attnc_pytest.py); ATTNC_REQUIRE_GPU=1 makes that an
error instead.
"""
import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
for _p in (os.path.dirname(HERE), HERE):
    if _p not in sys.path:
        sys.path.insert(0, _p)

import torch  # noqa: E402

import flash_common as fc  # noqa: E402


def _unavailable():
    if not torch.cuda.is_available():
        return "torch.cuda is not available (torch %s, CUDA build %s)" % (torch.__version__,
                                                                          torch.version.cuda)
    try:
        import attnc
        ok = attnc.runtime_available("cuda:%d" % torch.cuda.current_device())
    except Exception as e:  # the runtime library missing, ...
        ok = "%s: %s" % (type(e).__name__, e)
    return None if ok is True else "attnc cannot load its CUDA runtime: %s" % ok


REASON = _unavailable()
if REASON is not None and os.environ.get("ATTNC_REQUIRE_GPU", "") not in ("", "0"):
    raise RuntimeError("ATTNC_REQUIRE_GPU is set but: " + REASON)

pytestmark = [pytest.mark.optional("a CUDA GPU"),
              pytest.mark.skipif(REASON is not None, reason=REASON or "")]

import attnc.torch as at  # noqa: E402
from attnc import flash_attn as fa  # noqa: E402
from attnc import ops  # noqa: E402

DEV = "cuda"
HAS_CUSTOM_OP = hasattr(torch, "library") and hasattr(torch.library, "custom_op")
NO_OPS = "torch %s has no torch.library.custom_op (needs torch >= 2.4)" % torch.__version__

if REASON is None:
    torch.backends.cuda.matmul.allow_tf32 = False


@pytest.fixture
def seed():
    return fc.new_seed()


# --- FlashAttention's semantics -------------------------------------------------------------------


@pytest.mark.parametrize("c", fc.CUDA_FUNC_CASES, ids=fc.case_id)
def test_flash_attn_func(c, seed):
    fc.run_func(fa, c, DEV, seed)
    torch.cuda.synchronize()


@pytest.mark.parametrize("c", fc.CUDA_VARLEN_CASES, ids=fc.case_id)
def test_flash_attn_varlen_func(c, seed):
    fc.run_varlen(fa, c, DEV, seed)
    torch.cuda.synchronize()


@pytest.mark.parametrize("c", fc.CUDA_KVCACHE_CASES, ids=fc.case_id)
def test_flash_attn_with_kvcache(c, seed):
    fc.run_kvcache(fa, c, DEV, seed)
    torch.cuda.synchronize()


def test_repeated_calls_fast_path(seed):
    """The same signature many times (the launch plan path) with fresh data each time,
    and on a side stream."""
    for _ in range(3):
        fc.run_func(fa, fc.CUDA_FUNC_CASES[1], DEV, seed)
        fc.run_kvcache(fa, fc.CUDA_KVCACHE_CASES[0], DEV, seed)
    s = torch.cuda.Stream()
    with torch.cuda.stream(s):
        fc.run_kvcache(fa, fc.CUDA_KVCACHE_CASES[0], DEV, seed)
        fc.run_varlen(fa, fc.CUDA_VARLEN_CASES[3], DEV, seed)
    torch.cuda.synchronize()


def test_fast_path_checks_alignment():
    """A call whose signature has a plan but whose data is not 16-byte aligned leaves the
    fast path (it re-checks the addresses against the kernel's row alignment) for the
    checked one, which runs the kernel of 2-byte rows: the same numbers."""
    c = fc.OPS_DENSE
    q = torch.randn(c["b"], c["sq"], c["hq"], c["d"], device=DEV, dtype=torch.bfloat16)
    k = torch.randn(c["b"], c["sq"], c["hkv"], c["d"], device=DEV, dtype=torch.bfloat16)
    for _ in range(2):  # the launch plan is made at the second call
        fa.flash_attn_func(q, k, k, causal=True, return_attn_probs=True)
    assert at._fast, "no launch plan was made"
    buf = torch.randn(q.numel() + 1, device=DEV, dtype=torch.bfloat16)
    shifted = buf[1:].view(q.shape)  # same shape and strides, address 2 bytes off
    shifted.copy_(q)
    want = fa.flash_attn_func(q, k, k, causal=True, return_attn_probs=True)
    got = fa.flash_attn_func(shifted, k, k, causal=True, return_attn_probs=True)
    torch.cuda.synchronize()
    for g, w in zip(got, want):
        if torch.is_tensor(w):
            assert torch.equal(g, w), "the misaligned q gives other numbers"


# --- torch.compile ------------------------------------------------------------------------------


def _inputs(seed):
    c = fc.OPS_DENSE
    dt = torch.bfloat16
    q = torch.randn(c["b"], c["sq"], c["hq"], c["d"], device=DEV, dtype=dt)
    k = torch.randn(c["b"], c["sk"], c["hkv"], c["d"], device=DEV, dtype=dt)
    v = torch.randn(c["b"], c["sk"], c["hkv"], c["d"], device=DEV, dtype=dt)
    vc = fc.OPS_VARLEN
    ql, kl = vc["q_lens"], vc["k_lens"]
    cu_q = torch.tensor([0] + [sum(ql[:i + 1]) for i in range(len(ql))], dtype=torch.int32,
                        device=DEV)
    cu_k = torch.tensor([0] + [sum(kl[:i + 1]) for i in range(len(kl))], dtype=torch.int32,
                        device=DEV)
    vq = torch.randn(sum(ql), 8, 64, device=DEV, dtype=dt)
    vk = torch.randn(sum(kl), 2, 64, device=DEV, dtype=dt)
    vv = torch.randn(sum(kl), 2, 64, device=DEV, dtype=dt)
    pc = fc.OPS_PAGED
    kc, vcache, table, keys, vals = fc.paged_cache(pc["seqlens"], pc["bs"], 2, 64, 64, dt, DEV)
    pq = torch.randn(3, 1, 8, 64, device=DEV, dtype=dt)
    sl = torch.tensor(pc["seqlens"], dtype=torch.int32, device=DEV)
    return dict(q=q, k=k, v=v, vq=vq, vk=vk, vv=vv, cu_q=cu_q, cu_k=cu_k, pq=pq,
                kc=kc.nan_to_num(), vc=vcache.nan_to_num(), table=table, sl=sl)


def _calls(x):
    """The calls under test: plain attnc.torch functions and flash_attn drop-ins."""
    a, lse = at.attention(x["q"], x["k"], x["v"], causal=True, layout="bshd", return_lse=True)
    b = at.attention_varlen(x["vq"], x["vk"], x["vv"], x["cu_q"], x["cu_k"], causal=True,
                           return_lse=True)[0]
    qsl = torch.arange(4, dtype=torch.int32, device=x["pq"].device)
    c = at.paged_attention(x["pq"].view(3, 8, 64), x["kc"], x["vc"], x["table"], x["sl"], qsl,
                           causal=True, return_lse=True, max_query_len=1)[0]
    d = fa.flash_attn_func(x["q"], x["k"], x["v"], causal=True, return_attn_probs=True)[0]
    e = fa.flash_attn_with_kvcache(x["pq"], x["kc"], x["vc"], cache_seqlens=x["sl"],
                                   block_table=x["table"], causal=True,
                                   return_softmax_lse=True)[0]
    return a, lse, b, c, d, e


@pytest.mark.parametrize("backend", ["inductor", "aot_eager"])
def test_compile_fullgraph(backend, seed):
    if not HAS_CUSTOM_OP:
        pytest.skip(NO_OPS)
    assert ops.AVAILABLE, ops.REASON
    torch._dynamo.reset()
    x = _inputs(seed)
    want = _calls(x)
    compiled = torch.compile(_calls, fullgraph=True, backend=backend)
    got = compiled(x)
    torch.cuda.synchronize()
    for i, (g, w) in enumerate(zip(got, want)):
        assert torch.equal(g, w), "result %d differs from eager" % i
    # Fresh data, same shapes: no recompilation needed, results still equal.
    x2 = _inputs(seed)
    for i, (g, w) in enumerate(zip(compiled(x2), _calls(x2))):
        assert torch.equal(g, w), "result %d differs from eager (second data)" % i


# --- CUDA graphs ------------------------------------------------------------------------------------


def _graph_replay(fn, seed, rounds=3):
    """Captures fn(x) on static inputs, then replays it with fresh data copied in each
    round and compares with an eager call on the same data."""
    x = _inputs(seed)
    s = torch.cuda.Stream()
    s.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(s):  # warm up (kernel loading, launch plans) off the capture
        fn(x)
    torch.cuda.current_stream().wait_stream(s)
    torch.cuda.synchronize()
    g = torch.cuda.CUDAGraph()
    with torch.cuda.graph(g):
        static_out = fn(x)
    for r in range(rounds):
        fresh = _inputs(seed + r + 1)
        for key, t in x.items():
            t.copy_(fresh[key])
        g.replay()
        torch.cuda.synchronize()
        want = fn(fresh)
        for i, (a, b) in enumerate(zip(static_out, want)):
            assert torch.equal(a, b), "replay %d: result %d differs from eager" % (r, i)


def test_cuda_graph_plain_functions(seed):
    _graph_replay(_calls, seed)


def test_cuda_graph_custom_ops(seed):
    if not HAS_CUSTOM_OP:
        pytest.skip(NO_OPS)

    def via_ops(x):
        a, lse = torch.ops.attnc.attention(x["q"], x["k"], x["v"], None, True, None, -1, -1, 0.0,
                                           True, "bshd")
        b, _ = torch.ops.attnc.attention_varlen(x["vq"], x["vk"], x["vv"], x["cu_q"], x["cu_k"],
                                                None, True, None, -1, -1, 0.0, True)
        return a, lse, b

    _graph_replay(via_ops, seed)


def test_cuda_graph_of_compiled(seed):
    """torch.compile(mode="reduce-overhead") puts the compiled graph (with the custom ops)
    into a CUDA graph."""
    if not HAS_CUSTOM_OP:
        pytest.skip(NO_OPS)
    torch._dynamo.reset()
    x = _inputs(seed)
    compiled = torch.compile(_calls, fullgraph=True, mode="reduce-overhead")
    for r in range(3):
        fresh = _inputs(seed + r)
        got = [t.clone() for t in compiled(fresh)]
        want = _calls(fresh)
        for i, (a, b) in enumerate(zip(got, want)):
            assert torch.equal(a, b), "call %d: result %d differs from eager" % (r, i)
    del x


@pytest.mark.parametrize("name", ["attention", "attention_varlen", "paged_attention"])
def test_opcheck(name, seed):
    """torch.library.opcheck on CUDA tensors: schema, fake tensors vs the real op, AOT
    dispatch."""
    if not HAS_CUSTOM_OP:
        pytest.skip(NO_OPS)
    x = _inputs(seed)
    if name == "attention":
        args = (x["q"], x["k"], x["v"], None, True, None, -1, -1, 0.0, True, "bshd")
    elif name == "attention_varlen":
        args = (x["vq"], x["vk"], x["vv"], x["cu_q"], x["cu_k"], None, True, None, -1, -1, 0.0,
                True)
    else:
        qsl = torch.arange(4, dtype=torch.int32, device=DEV)
        args = (x["pq"].view(3, 8, 64), x["kc"], x["vc"], x["table"], x["sl"], qsl, None, True,
                None, -1, -1, 0.0, True, None, 1)
    torch.library.opcheck(getattr(torch.ops.attnc, name), args,
                          test_utils=("test_schema", "test_faketensor", "test_aot_dispatch_static"))
