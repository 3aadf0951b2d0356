"""Adversarial use of the Python API (issue 19), on CPU tensors.

Each test is a row of the issue: arguments that used to crash, hang, raise the wrong
exception or compute silently wrong answers, and the on-disk artifacts (kernel cache
entries, AOT bundle directories) that must not be trusted blindly. Plus the concurrency
checks: threads calling attention / paged_attention with different specs, and processes
racing one cache entry.

    PYTHONPATH=python ATTNC_LIB_DIR=build/lib:build/runtime ATTNC_CACHE_DIR=$(mktemp -d) \\
        python3 -m pytest -q python/tests/test_reliability.py
"""
import json
import math
import os
import signal
import subprocess
import sys
import textwrap
import threading

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))  # python/ (attnc)

import torch  # noqa: E402

import attnc  # noqa: E402
import attnc.torch as at  # noqa: E402
from attnc import compiler, kernels  # noqa: E402
from attnc.runtime import Bundle, Module, Tensor, cpu_target_name  # noqa: E402
from attnc.spec import AttentionSpec  # noqa: E402

torch.set_num_threads(1)


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """A private, empty kernel cache; memory forgotten before and after."""
    monkeypatch.setenv("ATTNC_CACHE_DIR", str(tmp_path / "cache"))
    kernels.clear_memory()
    yield tmp_path / "cache"
    kernels.clear_memory()


@pytest.fixture
def deadline():
    """Fails a test that blocks (a FIFO opened for reading, /dev/zero read to the end)
    instead of hanging the suite."""
    def on_alarm(signum, frame):
        raise TimeoutError("blocked for 60 s")
    old = signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(60)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, old)


def reference(q, k, v, causal=False, softcap=0.0, scale=None):
    """float64 attention of BHSD tensors (GQA by repeating heads); out and lse."""
    q, k, v = (t.double() for t in (q, k, v))
    g = q.shape[1] // k.shape[1]
    k, v = k.repeat_interleave(g, 1), v.repeat_interleave(g, 1)
    s = (q @ k.transpose(-1, -2)) * (scale if scale is not None else q.shape[-1] ** -0.5)
    if softcap:
        s = softcap * torch.tanh(s / softcap)
    if causal:
        sq, sk = q.shape[2], k.shape[2]
        i = torch.arange(sq)[:, None] + sk - sq
        s = s.masked_fill(torch.arange(sk)[None, :] > i, -math.inf)
    lse = torch.logsumexp(s, -1)
    p = torch.exp(s - lse[..., None]).nan_to_num(0.0)
    return p @ v, lse


def qkv(b=1, hq=2, hkv=1, sq=5, sk=7, d=8, dtype=torch.float32):
    return (torch.randn(b, hq, sq, d, dtype=dtype), torch.randn(b, hkv, sk, d, dtype=dtype),
            torch.randn(b, hkv, sk, d, dtype=dtype))


# --- arguments ---------------------------------------------------------------------------


@pytest.mark.parametrize("window", [(2.5, 1), (1, 0.5), (float("nan"), 1), (True, 1), ("2", 1),
                                    (float("inf"), -1)])
def test_window_must_be_integers(window):
    q, k, v = qkv()
    with pytest.raises(ValueError, match="window"):
        at.attention(q, k, v, window=window)
    with pytest.raises(ValueError, match="window"):
        AttentionSpec(head_dim=8, num_heads_q=2, window=window)


@pytest.mark.parametrize("name,value,why", [
    ("softcap", 1e-50, "rounds to 0"), ("scale", 1e-50, "rounds to 0"),
    ("softcap", 1e39, "beyond the range of f32"), ("scale", 1e39, "beyond the range of f32"),
    ("softcap", -1e39, "beyond the range of f32"),
])
def test_scalars_f32_cannot_hold(name, value, why):
    """A value f32 cannot represent is a ValueError, not OverflowError or a silent 0."""
    with pytest.raises(ValueError, match=why):
        AttentionSpec(head_dim=8, num_heads_q=2, **{name: value})
    q, k, v = qkv()
    with pytest.raises(ValueError):
        at.attention(q, k, v, **{name: value})


@pytest.mark.parametrize("kw", [dict(head_dim=577), dict(head_dim=64, head_dim_v=65536),
                                dict(head_dim=64, num_heads_q=8192, num_heads_kv=1)])
def test_sizes_past_the_supported_range(kw):
    kw.setdefault("num_heads_q", 2)
    with pytest.raises(ValueError, match="supported maximum"):
        AttentionSpec(**kw)


def test_head_dim_65536_refused_before_compiling(cache):
    """D = 65536 crashed LLVM's instruction selection; now a ValueError at once."""
    q = torch.zeros(1, 1, 1, 65536, dtype=torch.bfloat16)
    with pytest.raises(ValueError, match="supported maximum 576"):
        at.attention(q, q, q)


def test_mla_head_dims_run(cache):
    """The largest supported head dims (MLA: D = 576, Dv = 512) compile and are right."""
    q, k = torch.randn(1, 2, 3, 576), torch.randn(1, 1, 4, 576)
    v = torch.randn(1, 1, 4, 512)
    out = at.attention(q, k, v, causal=True)
    want, _ = reference(q, k, v, causal=True)
    assert torch.allclose(out.double(), want, atol=1e-4, rtol=1e-4)


def test_gfx942_lds_error_is_an_exception(cache):
    """LLVM's code generation error (LDS over the limit) used to end the process
    through LLVM's default handler (exit(1)); now a CompileError at the op."""
    spec = AttentionSpec(dtype="bf16", head_dim=512, num_heads_q=2)
    with pytest.raises(attnc.AttncError, match=r"local memory \(\d+\) exceeds limit"):
        compiler.compile(spec.ir(), ["gfx942"])


# --- softcap and logits at the edge of f32 -----------------------------------------------


@pytest.mark.parametrize("softcap", [3.4e38, 2.4e38, 1e36])
def test_huge_softcap(cache, softcap):
    """c * log2(e) overflowed f32 for c >= 2.36e38: NaN in every row."""
    q, k, v = qkv(hq=4, hkv=2, sq=9, sk=13, d=16)
    out, lse = at.attention(q, k, v, softcap=softcap, causal=True, return_lse=True)
    want, want_lse = reference(q, k, v, softcap=softcap, causal=True)
    assert torch.allclose(out.double(), want, atol=1e-4, rtol=1e-4)
    assert torch.allclose(lse.double(), want_lse, atol=1e-4, rtol=1e-4)


def test_logits_beyond_f32_are_documented_nan(cache):
    """docs/limits.md: logits are f32; a row with a logit beyond f32's range (|scale *
    q.k| > 3.4e38 / log2(e)) gives out = NaN and lse = +Inf (its log-sum-exp is beyond
    f32 too); the other rows are unaffected."""
    q, k, v = qkv(sq=3, sk=4, d=8)
    q[0, 0, 1] = 1e19
    k[0, 0, 2] = 1e19
    out, lse = at.attention(q, k, v, return_lse=True)
    assert torch.isnan(out[0, 0, 1]).all() and lse[0, 0, 1] == math.inf
    want, _ = reference(q, k, v)
    ok = torch.ones(2, 3, dtype=torch.bool)
    ok[0, 1] = False
    assert torch.allclose(out[0][ok].double(), want[0][ok], atol=1e-4, rtol=1e-4)


# --- paged attention with no sequences ---------------------------------------------------


@pytest.mark.parametrize("mode", ["decode", "prefill"])
@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16])
def test_paged_no_sequences(cache, mode, dtype):
    """B = 0: the split kernels read seq_lens[0] (SIGSEGV: torch passes NULL for empty
    tensors). Tokens past query_start_loc[B] give 0 and lse = -inf. Three calls: the
    checked path, the one that makes a launch plan, the plan's launch; out poisoned."""
    q = torch.randn(6, 4, 16, dtype=dtype)
    kc, vc = torch.randn(3, 8, 2, 16, dtype=dtype), torch.randn(3, 8, 2, 16, dtype=dtype)
    bt = torch.zeros(0, 3, dtype=torch.int32)
    sl = torch.zeros(0, dtype=torch.int32)
    qsl = torch.zeros(1, dtype=torch.int32)
    for _ in range(3):
        out = torch.full((6, 4, 16), math.nan, dtype=dtype)
        res, lse = at.paged_attention(q, kc, vc, bt, sl, qsl, return_lse=True, out=out,
                                      max_query_len=1 if mode == "decode" else 6)
        assert res is out and (out == 0).all()
        assert torch.isneginf(lse).all()


# --- raw launches ------------------------------------------------------------------------


def _tensor(t):
    return Tensor(t.data_ptr(), t.shape, t.stride())


def test_module_launch_sizes_checked(cache):
    """Sizes that disagree with the kernel's static dims or with each other: a status
    (AttncError), not a SIGSEGV in the kernel."""
    spec = AttentionSpec(dtype="f32", head_dim=8, num_heads_q=2, num_heads_kv=1)
    k = kernels.get(spec, "cpu")
    q, kk, v = qkv(b=2, hq=2, hkv=1, sq=5, sk=7, d=8)
    out = torch.empty(2, 2, 5, 8)
    k.module.launch(k.name, [_tensor(t) for t in (q, kk, v, out)])  # consistent: fine
    bad = [
        (q, kk[:1], v, out),                                      # k at B = 1, q at B = 2
        (q[..., :4], kk[..., :4], v, out),                        # D = 4 on a D = 8 kernel
        (q, kk, v[:, :, :6], out),                                # v's Sk != k's Sk
        (q, kk, v, out[:, :, :4]),                                # out's Sq != q's Sq
    ]
    for args in bad:
        with pytest.raises(attnc.AttncError, match="disagrees"):
            k.module.launch(k.name, [_tensor(t) for t in args])


def test_launch_plan_pointers_checked(cache):
    """A launch plan takes its data pointers packed (one uint64 each): the wrong number of
    them, one that is not an int >= 0, or a null one for a non-empty tensor, is an
    AttncError before anything runs; the right ones compute what a checked launch does."""
    from attnc.runtime import LaunchPlan
    spec = AttentionSpec(dtype="f32", head_dim=8, num_heads_q=2, num_heads_kv=1)
    k = kernels.get(spec, "cpu")
    q, kk, v = qkv(b=2, hq=2, hkv=1, sq=5, sk=7, d=8)
    want = torch.empty(2, 2, 5, 8)
    k.module.launch(k.name, [_tensor(t) for t in (q, kk, v, want)])
    plan = LaunchPlan(k.module, [(k.name, [_tensor(t) for t in (q, kk, v, want)])])
    out = torch.full((2, 2, 5, 8), math.nan)
    ptrs = [t.data_ptr() for t in (q, kk, v, out)]
    for bad in (ptrs[:3], ptrs + [0], ptrs[:3] + [None], ptrs[:3] + [-16]):
        with pytest.raises(attnc.AttncError, match="it takes 4 data pointers"):
            plan.launch(bad)
    with pytest.raises(attnc.AttncError, match="null data"):
        plan.launch(ptrs[:3] + [0])
    assert torch.isnan(out).all()  # nothing ran
    plan.launch(ptrs)
    assert torch.equal(out, want)


# --- the kernel cache and AOT bundles ----------------------------------------------------

BASE = dict(dtype="bf16", head_dim=16, num_heads_q=4, num_heads_kv=2)
OTHERS = {
    "dtype": dict(dtype="f32"), "window": dict(window=(3, -1)), "softcap": dict(softcap=20.0),
    "scale": dict(scale=0.5), "causal": dict(causal=True), "lse": dict(return_lse=True),
    "alibi": dict(alibi=True), "heads": dict(num_heads_kv=4), "head_dim_v": dict(head_dim_v=8),
}


def _cache_path(spec):
    target, _ = kernels.device_target("cpu")
    return os.path.join(kernels.cache_dir(), kernels.cache_key(spec.ir(), [target]) + ".attnb")


@pytest.mark.parametrize("field", sorted(OTHERS))
def test_cache_entry_of_another_variant_is_not_used(cache, field):
    """A cache entry whose kernel differs from its key in any field is recompiled: an
    f32 kernel under a bf16 key wrote 2,048 elements past out=."""
    want = AttentionSpec(**BASE)
    other = AttentionSpec(**dict(BASE, **OTHERS[field]))
    path = _cache_path(want)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(compiler.compile(other.ir(), ["cpu"]))
    kernels.reset_stats()
    k = kernels.get(want, "cpu")
    assert k.source == "compiled" and kernels.stats["disk_hits"] == 0
    assert not kernels._mismatches(Bundle(path).kernels[0], want, "mha")  # replaced


def test_aot_bundle_of_another_variant_is_refused(tmp_path):
    """An AOT index entry whose bundle holds another variant raises before any launch."""
    want = AttentionSpec(**BASE)
    d = tmp_path / "aot"
    d.mkdir()
    (d / "x.attnb").write_bytes(compiler.compile(AttentionSpec(**dict(BASE, dtype="f32")).ir(),
                                                 ["cpu"]))
    (d / "index.json").write_text(json.dumps({"entries": [{
        "key": want.key(), "file": "x.attnb", "targets": [cpu_target_name()],
        "spec": want.to_dict()}]}))
    r = _run_child("""
        import attnc, attnc.kernels as K
        from attnc.spec import AttentionSpec
        try:
            K.get(AttentionSpec(**%r), "cpu")
            print("LOADED")
        except attnc.AttncError as e:
            print("REFUSED", e)
    """ % BASE, ATTNC_BUNDLE_DIR=str(d), ATTNC_NO_COMPILER="1")
    assert "REFUSED" in r.stdout and "dtype" in r.stdout and "args" in r.stdout, r.stdout + r.stderr


@pytest.mark.parametrize("kind", ["fifo", "dev-zero", "directory", "dangling"])
def test_cache_entry_not_a_regular_file(cache, deadline, kind):
    """A cache entry that is a FIFO, a symlink to /dev/zero or a directory: used to hang
    (open blocked on the FIFO, /dev/zero grew memory) or raise IsADirectoryError. Now
    it is refused without reading it and the kernel is compiled."""
    spec = AttentionSpec(**BASE)
    path = _cache_path(spec)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "dev-zero":
        os.symlink("/dev/zero", path)
    elif kind == "directory":
        os.mkdir(path)
    else:
        os.symlink(path + ".missing", path)
    k = kernels.get(spec, "cpu")
    assert k.source == "compiled"
    q, kk, v = qkv(hq=4, hkv=2, d=16, dtype=torch.bfloat16)
    out = at.attention(q, kk, v)
    assert torch.allclose(out.double(), reference(q, kk, v)[0], atol=2e-2, rtol=2e-2)


def test_aot_bundle_that_is_a_fifo(tmp_path, deadline):
    want = AttentionSpec(**BASE)
    d = tmp_path / "aot"
    d.mkdir()
    os.mkfifo(d / "x.attnb")
    (d / "index.json").write_text(json.dumps({"entries": [{
        "key": want.key(), "file": "x.attnb", "targets": [cpu_target_name()],
        "spec": want.to_dict()}]}))
    r = _run_child("""
        import attnc, attnc.kernels as K
        from attnc.spec import AttentionSpec
        try:
            K.get(AttentionSpec(**%r), "cpu")
            print("LOADED")
        except attnc.AttncError as e:
            print("REFUSED", e)
    """ % BASE, ATTNC_BUNDLE_DIR=str(d), ATTNC_NO_COMPILER="1")
    assert "REFUSED" in r.stdout and "not a regular file" in r.stdout, r.stdout + r.stderr


# --- concurrency -------------------------------------------------------------------------


def _run_child(code, timeout=240, **env):
    e = dict(os.environ, **env)
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], env=e,
                          capture_output=True, text=True, timeout=timeout)


def test_threads_with_different_specs(cache):
    """8 threads x 12 calls of attention (several specs) and paged_attention at once:
    every result right, no crash."""
    specs = [dict(causal=True), dict(softcap=30.0), dict(window=(2, 1)), dict()]
    errors = []
    torch.manual_seed(7)

    def worker(i):
        try:
            for n in range(12):
                if (i + n) % 3 == 0:
                    q = torch.randn(5, 4, 16)
                    kc, vc = torch.randn(4, 4, 2, 16), torch.randn(4, 4, 2, 16)
                    bt = torch.tensor([[0, 1], [2, 3]], dtype=torch.int32)
                    sl = torch.tensor([6, 8], dtype=torch.int32)
                    qsl = torch.tensor([0, 2, 5], dtype=torch.int32)
                    out = at.paged_attention(q, kc, vc, bt, sl, qsl, causal=True)
                    assert torch.isfinite(out).all()
                    continue
                kw = specs[(i + n) % len(specs)]
                q, k, v = qkv(b=2, hq=4, hkv=2, sq=3 + n, sk=5 + i, d=16)
                out = at.attention(q, k, v, **kw)
                ref_kw = {x: y for x, y in kw.items() if x != "window"}
                if "window" not in kw:
                    want, _ = reference(q, k, v, **ref_kw)
                    assert torch.allclose(out.double(), want, atol=1e-4, rtol=1e-4)
        except BaseException as e:  # noqa: BLE001 (reported below)
            errors.append("thread %d: %r" % (i, e))

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(300)
    assert not errors, errors


def test_processes_race_one_cache_entry(tmp_path):
    """Three processes compile the same variant into one empty cache at once: all
    succeed, and the entry left is a valid bundle of that variant."""
    cache_dir = tmp_path / "race"
    code = """
        import torch, attnc.torch as at, attnc.kernels as K
        q = torch.randn(1, 4, 9, 16, dtype=torch.bfloat16)
        k = torch.randn(1, 2, 11, 16, dtype=torch.bfloat16)
        out = at.attention(q, k, k, causal=True)
        assert torch.isfinite(out).all()
        print("OK", K.stats)
    """
    env = dict(os.environ, ATTNC_CACHE_DIR=str(cache_dir))
    procs = [subprocess.Popen([sys.executable, "-c", textwrap.dedent(code)], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(3)]
    results = [p.communicate(timeout=300) for p in procs]
    for p, (out, err) in zip(procs, results):
        assert p.returncode == 0 and "OK" in out, out + err
    entries = [f for f in os.listdir(cache_dir) if f.endswith(".attnb")]
    assert len(entries) == 1, entries
    assert not [f for f in os.listdir(cache_dir) if f.startswith(".tmp-")]
    spec = AttentionSpec(dtype="bf16", head_dim=16, num_heads_q=4, num_heads_kv=2, causal=True)
    assert not kernels._mismatches(Bundle(str(cache_dir / entries[0])).kernels[0], spec, "mha")
