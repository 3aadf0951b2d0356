"""attnc.flash_attn (FlashAttention / aiter drop-ins) on CPU tensors against an
independent float64 reference of FlashAttention's documented semantics
(flash_common.py): causal bottom-right alignment with Sq != Sk, windows, softcap, ALiBi,
GQA/MQA, softmax_scale, varlen (also over a paged cache with block_table), kvcache decode
with cache_seqlens (tensor, int, None) over contiguous and paged caches, num_splits;
FlashAttention's signatures and return conventions, aiter's extra names, and the
NotImplementedError of every unsupported option.

Run by test/Python/flash.test (like test_cpu.py).
"""
import inspect
import json
import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
for _p in (os.path.dirname(HERE), HERE):
    if _p not in sys.path:
        sys.path.insert(0, _p)

import torch  # noqa: E402

import flash_common as fc  # noqa: E402
from attnc import flash_attn as fa  # noqa: E402

torch.set_num_threads(max(1, min(2, os.cpu_count() or 1)))


@pytest.fixture
def seed():
    return fc.new_seed()


@pytest.mark.parametrize("c", fc.FUNC_CASES, ids=fc.case_id)
def test_flash_attn_func(c, seed):
    fc.run_func(fa, c, "cpu", seed)


@pytest.mark.parametrize("c", fc.VARLEN_CASES, ids=fc.case_id)
def test_flash_attn_varlen_func(c, seed):
    fc.run_varlen(fa, c, "cpu", seed)


@pytest.mark.parametrize("c", fc.KVCACHE_CASES, ids=fc.case_id)
def test_flash_attn_with_kvcache(c, seed):
    fc.run_kvcache(fa, c, "cpu", seed)


# --- signatures and return conventions --------------------------------------------------------

# FlashAttention 2's signatures (flash_attn/flash_attn_interface.py), names and defaults.
FA_SIGNATURES = {
    "flash_attn_func": [
        ("q", None), ("k", None), ("v", None), ("dropout_p", 0.0), ("softmax_scale", None),
        ("causal", False), ("window_size", (-1, -1)), ("softcap", 0.0), ("alibi_slopes", None),
        ("deterministic", False), ("return_attn_probs", False)],
    "flash_attn_varlen_func": [
        ("q", None), ("k", None), ("v", None), ("cu_seqlens_q", None), ("cu_seqlens_k", None),
        ("max_seqlen_q", None), ("max_seqlen_k", None), ("dropout_p", 0.0),
        ("softmax_scale", None), ("causal", False), ("window_size", (-1, -1)), ("softcap", 0.0),
        ("alibi_slopes", None), ("deterministic", False), ("return_attn_probs", False),
        ("block_table", None)],
    "flash_attn_with_kvcache": [
        ("q", None), ("k_cache", None), ("v_cache", None), ("k", None), ("v", None),
        ("rotary_cos", None), ("rotary_sin", None), ("cache_seqlens", None),
        ("cache_batch_idx", None), ("cache_leftpad", None), ("block_table", None),
        ("softmax_scale", None), ("causal", False), ("window_size", (-1, -1)), ("softcap", 0.0),
        ("rotary_interleaved", True), ("alibi_slopes", None), ("num_splits", 0),
        ("return_softmax_lse", False)],
}


@pytest.mark.parametrize("name", sorted(FA_SIGNATURES))
def test_signatures(name):
    """FlashAttention's positional parameters, in order, with its defaults; aiter's extra
    names (return_lse, sink) keyword-only after them."""
    params = list(inspect.signature(getattr(fa, name)).parameters.values())
    want = FA_SIGNATURES[name]
    got = [(p.name, None if p.default is inspect.Parameter.empty else p.default)
           for p in params[:len(want)]]
    assert got == want
    assert all(p.kind == p.POSITIONAL_OR_KEYWORD for p in params[:len(want)])
    extra = {p.name: p for p in params[len(want):]}
    assert "sink" in extra and "return_lse" in extra
    assert all(p.kind == p.KEYWORD_ONLY for p in extra.values())


def _qkv(b=1, sq=5, sk=7, hq=4, hkv=2, d=32, dt=torch.float32):
    return (torch.randn(b, sq, hq, d, dtype=dt), torch.randn(b, sk, hkv, d, dtype=dt),
            torch.randn(b, sk, hkv, d, dtype=dt))


def test_return_conventions(seed):
    q, k, v = _qkv()
    out = fa.flash_attn_func(q, k, v, causal=True)
    assert isinstance(out, torch.Tensor) and out.shape == q.shape
    out2, lse, s_dmask = fa.flash_attn_func(q, k, v, causal=True, return_attn_probs=True)
    assert s_dmask is None and torch.equal(out2, out) and lse.shape == (1, 4, 5)
    out3, lse3 = fa.flash_attn_func(q, k, v, causal=True, return_lse=True)       # aiter
    assert torch.equal(out3, out) and torch.equal(lse3, lse)
    r = fa.flash_attn_func(q, k, v, causal=True, return_lse=True, return_attn_probs=True)
    assert len(r) == 3 and r[2] is None
    # Positional arguments in FlashAttention's order: dropout_p, softmax_scale, causal.
    out4 = fa.flash_attn_func(q, k, v, 0.0, None, True)
    assert torch.equal(out4, out)
    # deterministic is accepted (the forward pass is deterministic anyway).
    assert torch.equal(fa.flash_attn_func(q, k, v, causal=True, deterministic=True), out)
    # window_size with aiter's sink size 0; alibi slopes (1, Hq) (a batch of one).
    fa.flash_attn_func(q, k, v, window_size=(2, 0, 0))
    fa.flash_attn_func(q, k, v, alibi_slopes=torch.rand(1, 4))
    # kvcache: out, or (out, softmax_lse) with return_softmax_lse.
    kc, vc = torch.randn(1, 16, 2, 32), torch.randn(1, 16, 2, 32)
    o = fa.flash_attn_with_kvcache(q[:, :1], kc, vc, cache_seqlens=9, causal=True)
    o2, l2 = fa.flash_attn_with_kvcache(q[:, :1], kc, vc, cache_seqlens=9, causal=True,
                                        return_softmax_lse=True)
    assert torch.equal(o, o2) and l2.shape == (1, 4, 1)


def test_equal_specs_share_a_kernel(seed):
    """softmax_scale = 1/sqrt(D) spelled out and causal vs window (-1, 0) are one kernel."""
    from attnc import kernels
    q, k, v = _qkv(d=64)
    a = fa.flash_attn_func(q, k, v, causal=True)
    before = dict(kernels.stats)
    b = fa.flash_attn_func(q, k, v, softmax_scale=64 ** -0.5, window_size=(-1, 0))
    assert torch.equal(a, b)
    assert kernels.stats["compiles"] == before["compiles"]
    assert kernels.stats["disk_hits"] == before["disk_hits"]


@pytest.mark.parametrize("call,option", [
    (lambda q, k, v: fa.flash_attn_func(q, k, v, sink=torch.zeros(4)), "sink"),
    (lambda q, k, v: fa.flash_attn_func(q, k, v, bias=torch.zeros(1)), "bias"),
    (lambda q, k, v: fa.flash_attn_func(q, k, v, window_size=(-1, -1, 4)), "window_size[2]"),
    (lambda q, k, v: fa.flash_attn_func(q, k, v, alibi_slopes=torch.rand(2, 4)),
     "alibi_slopes of shape (2, 4)"),
    (lambda q, k, v: fa.flash_attn_varlen_func(
        q[0], k.reshape(7, 1, 2, 32).expand(7, 16, 2, 32).contiguous(),
        v.reshape(7, 1, 2, 32).expand(7, 16, 2, 32).contiguous(), *_cu(), 5, 7,
        dropout_p=0.2, block_table=torch.zeros(1, 1, dtype=torch.int32)),
     "dropout_p > 0 with block_table"),
    (lambda q, k, v: fa.flash_attn_varlen_func(q[0], k[0], v[0], *_cu(), 5, 7,
                                               sink=torch.zeros(4)), "sink"),
    (lambda q, k, v: fa.flash_attn_with_kvcache(q, k, v, k=k[:, :1], v=v[:, :1]), "k/v"),
    (lambda q, k, v: fa.flash_attn_with_kvcache(q, k, v, rotary_cos=torch.zeros(7, 16),
                                                rotary_sin=torch.zeros(7, 16)), "rotary_cos"),
    (lambda q, k, v: fa.flash_attn_with_kvcache(q, k, v, cache_batch_idx=torch.zeros(
        1, dtype=torch.int32)), "cache_batch_idx"),
    (lambda q, k, v: fa.flash_attn_with_kvcache(q, k, v, cache_leftpad=torch.zeros(
        1, dtype=torch.int32)), "cache_leftpad"),
    (lambda q, k, v: fa.flash_attn_with_kvcache(q, k, v, sink=torch.zeros(4)), "sink"),
])
def test_unsupported_options(call, option):
    q, k, v = _qkv()
    with pytest.raises(NotImplementedError) as e:
        call(q, k, v)
    assert option in str(e.value) and "not supported by attnc" in str(e.value), str(e.value)


def _cu():
    return (torch.tensor([0, 5], dtype=torch.int32), torch.tensor([0, 7], dtype=torch.int32))


def test_bad_inputs_are_value_errors():
    q, k, v = _qkv()
    with pytest.raises(ValueError, match="multiple of the key/value heads"):
        fa.flash_attn_func(q, torch.randn(1, 7, 3, 32), torch.randn(1, 7, 3, 32))
    with pytest.raises(ValueError, match="window_size"):
        fa.flash_attn_func(q, k, v, window_size=(1,))
    with pytest.raises(ValueError, match="batch size of q"):
        fa.flash_attn_with_kvcache(q, torch.randn(2, 16, 2, 32), torch.randn(2, 16, 2, 32))
    with pytest.raises(ValueError, match="num_splits"):
        fa.flash_attn_with_kvcache(q, k, v, num_splits=-1)
    with pytest.raises(ValueError, match="int32"):
        fa.flash_attn_with_kvcache(q[:, :1], k, v, cache_seqlens=torch.tensor([3]))


# --- the CUDA cases are bundled -----------------------------------------------------------------


def test_cuda_cases_are_bundled():
    """The GPU machine has no compiler: every kernel test_flash_cuda.py calls must be in
    gpu_variants.SPECS (prepare_device.sh compiles those; python/tests/flash_variants.json,
    regenerated by `python3 python/tests/flash_common.py`)."""
    import attnc
    import gpu_variants as gv
    seen = fc.record_cuda_specs()
    have = {attnc.AttentionSpec.from_dict(s).key() for s in gv.SPECS}
    missing = [s for s in seen if attnc.AttentionSpec.from_dict(s).key() not in have]
    assert len(seen) >= 10
    assert not missing, ("not in gpu_variants.SPECS (regenerate python/tests/flash_variants.json "
                         "with python3 python/tests/flash_common.py):\n%s"
                         % "\n".join(json.dumps(s, sort_keys=True) for s in missing))


# --- the transformers backend's contract (no transformers needed) ------------------------------


@pytest.mark.parametrize("kw", [
    dict(), dict(sliding_window=8), dict(softcap=20.0, sliding_window=5),
    dict(scaling=0.2, is_causal=False), dict(gain=3.0, softcap=10.0)])
@pytest.mark.parametrize("sq,sk", [(37, 37), (1, 50), (3, 40)])
def test_transformers_attention_forward(kw, sq, sk, seed):
    """attnc.integrations.transformers.attention_forward as transformers calls it: query
    (B, Hq, Sq, D) and key/value (B, Hkv, Sk, D) as strided views of (B, S, H, D)
    projections, KV heads not repeated (GQA 4/2), prefill (Sq = Sk) and decode steps
    (the Sq new queries at the end of the cache); returns ((B, Sq, Hq, D), None). A
    sliding window W: each query sees its W most recent keys (window (W - 1, 0))."""
    import types
    from attnc.integrations import transformers as hf
    kw = dict(kw)
    gain = kw.pop("gain", 1.0)
    module = types.SimpleNamespace(is_causal=True, training=False)
    b, hq, hkv, d = 2, 4, 2, 32
    q = (torch.randn(b, sq, hq, d) * gain).transpose(1, 2)
    k = torch.randn(b, sk, hkv, d).transpose(1, 2)
    v = torch.randn(b, sk, hkv, d).transpose(1, 2)
    before = hf.stats["attnc"]
    out, weights = hf.attention_forward(module, q, k, v, None, **kw)
    assert weights is None and hf.stats["attnc"] == before + 1
    assert tuple(out.shape) == (b, sq, hq, d) and out.is_contiguous()
    w = kw.get("sliding_window")
    ref_kw = dict(scale=kw.get("scaling"), causal=kw.get("is_causal", True),
                  window=(w - 1, -1) if w else (-1, -1), softcap=kw.get("softcap", 0.0))
    for i in range(b):
        ro, _ = fc.ref_one(q[i].transpose(0, 1), k[i].transpose(0, 1), v[i].transpose(0, 1),
                           **ref_kw)
        fc.check("out[%d]" % i, out[i], ro, "f32", seed)
    # The fallback (a padded batch) agrees on the rows of real tokens, and is counted.
    mask = torch.ones(b, sk, dtype=torch.long)
    mask[1, : sk // 3] = 0
    fb = hf.stats["sdpa_fallback"]
    out2, _ = hf.attention_forward(module, q, k, v, mask, **kw)
    assert hf.stats["sdpa_fallback"] == fb + 1
    fc.check("fallback, unpadded row", out2[0], out[0].double(), "f32", seed)
    keys = torch.arange(sk)[sk // 3:]
    # Bottom-right alignment is the same over the real keys only (both ends shift alike);
    # query rows that see no real key are the model's business (finite, uniform), skipped.
    ro, rl = fc.ref_one(q[1].transpose(0, 1), k[1].transpose(0, 1)[keys],
                        v[1].transpose(0, 1)[keys], **ref_kw)
    seen = ~torch.isinf(rl[0])
    assert seen.any()
    fc.check("fallback, padded sequence", out2[1][seen], ro[seen], "f32", seed)
