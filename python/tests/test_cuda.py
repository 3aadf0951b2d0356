"""attnc's CUDA kernels (attnc.torch) against an f32 reference, on one NVIDIA GPU.

Run on the GPU machine (bench/h100.sh test), with the variants of gpu_variants.py
precompiled into $ATTNC_BUNDLE_DIR and libattnrt.so in $ATTNC_LIB_DIR:

    PYTHONPATH=python python3 -m pytest -q -x python/tests/test_cuda.py -rs

The module is skipped (with the reason) where torch.cuda is unavailable or attnc
cannot load its CUDA runtime; ATTNC_REQUIRE_GPU=1 turns that skip into an error.

Semantics checked (README, "The IR"): logits = scale * q.k (scale = 1/sqrt(D));
softcap c: c * tanh(logits / c); ALiBi: -slope[h] * |i + Sk - Sq - j|; query i sees
key j iff (causal) j <= i + Sk - Sq, (window) i + Sk - Sq - left <= j <= i + Sk - Sq
+ right (-1 = unbounded), i.e. bottom-right aligned; softmax over visible keys;
lse = logsumexp of the visible logits; a row that sees no key gives out = 0 and
lse = -inf, never NaN. Sinks (gv.SINKS_SPECS and the sinks varlen/paged variants):
one logit per query head that joins every row's logsumexp without a value; rows
that see no key then give out = 0 and lse = sinks[h]. The reference is computed here in float32 on the GPU (TF32
off) from the same low-precision inputs; test_reference_matches_sdpa_math checks
it against torch's SDPA math backend wherever SDPA can express the case.

Every test draws fresh random inputs (seed printed, and named in every failure;
ATTNC_TEST_SEED=N replays one), and poisons the output with NaN before the call
(out=), so an element the kernel does not write fails.

Tolerances are aiter's (op_tests/test_mha.py): atol = rtol = 1e-2 for MHA. aiter
uses 1e-1 for varlen; we hold varlen to 1e-2 as well (VARLEN_TOL).

Paged attention (attnc.torch.paged_attention, gv.PAGED_CASES): both split kernels
(decode, prefill) over random shuffled block tables with a shared prefix and NaN in
every cache slot no sequence uses, against reference() per sequence over the keys
gathered through the block table; block sizes 1/16/32/128/544, D 64/128/256, GQA
1/4/8 and MQA, up to 64k keys, decode + prefill + padding in one batch, windows,
softcap, ALiBi, lse, num_splits 1 to 256. fp8 (e4m3fn) caches with per-token and per-head
scales (gv.FP8_PAGED_CASES) against f32 math on the dequantized caches: the 16-bit
tolerance and aiter's fp8 floor (max abs <= 1.0, cosine >= 0.94). fp8 (e4m3fn) q, k, v of
attention / attention_varlen (gv.FP8_MHA_CASES, FP8_MHA_VARLEN_CASES) with every descale
granularity ((B, Hkv), (Hkv,), (), none) against f32 math on the dequantized inputs, the
same two checks.

Environment: ATTNC_TEST_QUICK=1 leaves out the 4097- and 16384-token shapes (and paged
shapes beyond 4097 keys);
ATTNC_TEST_DEVICE=cpu runs the same tests on the CPU (a dry run of this file where
attnc has CPU bundles of the same variants; slow, use with ATTNC_TEST_QUICK=1).
"""
import math
import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
for _p in (os.path.dirname(HERE), HERE):  # python/ (attnc), python/tests (gpu_variants)
    if _p not in sys.path:
        sys.path.insert(0, _p)

import gpu_variants as gv  # noqa: E402  (no torch needed)
from attnc_pytest import skip_expected  # noqa: E402  (counted as an expected skip)

DEVICE = os.environ.get("ATTNC_TEST_DEVICE", "cuda")
QUICK = os.environ.get("ATTNC_TEST_QUICK", "") not in ("", "0")
REQUIRE = os.environ.get("ATTNC_REQUIRE_GPU", "") not in ("", "0")

MHA_TOL = 1e-2     # aiter test_mha: atol = rtol = 1e-2
VARLEN_TOL = 1e-2  # aiter test_mha_varlen uses 1e-1; we try the MHA tolerance first


def _unavailable():
    """Why this module cannot run here, or None."""
    try:
        import torch
    except ImportError as e:
        return "torch is not installed (%s)" % e
    if DEVICE == "cuda" and not torch.cuda.is_available():
        return "torch.cuda is not available (torch %s, CUDA build %s)" % (
            torch.__version__, torch.version.cuda)
    try:
        import attnc.torch  # noqa: F401
    except Exception as e:  # ImportError, OSError from the runtime library, ...
        return "attnc.torch cannot be imported: %s: %s" % (type(e).__name__, e)
    return _probe_runtime()


def _probe_runtime():
    """Whether attnc's runtime (libattnrt.so via ATTNC_LIB_DIR) loads and finds the
    driver and a device; returns why not, or None. Only the runtime and the driver are
    probed: a missing or broken kernel bundle fails the tests, it does not skip them."""
    import attnc
    import torch
    device = "cpu" if DEVICE == "cpu" else "cuda:%d" % torch.cuda.current_device()
    try:
        ok = attnc.runtime_available(device)
    except Exception as e:
        ok = "%s: %s" % (type(e).__name__, e)
    if ok is True:
        return None
    return "attnc cannot load its runtime for %s: %s" % (device, ok)


_REASON = _unavailable()
if _REASON is not None:
    if REQUIRE:
        raise RuntimeError("ATTNC_REQUIRE_GPU is set but: " + _REASON)
    pytest.skip(_REASON, allow_module_level=True)

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

import attnc  # noqa: E402
import attnc.torch as at  # noqa: E402
from attnc import masks  # noqa: E402

DTYPES = {"bf16": torch.bfloat16, "f16": torch.float16}

# The reference must be float32, not TF32.
torch.backends.cuda.matmul.allow_tf32 = False
torch.backends.cudnn.allow_tf32 = False
torch.set_float32_matmul_precision("highest")


# --- helpers ---------------------------------------------------------------------------------


def _sync():
    if DEVICE == "cuda":
        torch.cuda.synchronize()


def alibi_slopes(hq):
    """The usual ALiBi slopes 2^(-8(h+1)/Hq), jittered so that a head mixup shows."""
    base = torch.tensor([2.0 ** (-8.0 * (h + 1) / hq) for h in range(hq)], dtype=torch.float32)
    jitter = 0.75 + 0.5 * torch.rand(hq)
    return (base * jitter).to(DEVICE)


def make_sinks(hq):
    """Attention sinks of the size of the logits, plus the edges when there are heads to
    spare: head 0 has none (-inf), head 1 one that outweighs most keys (+6)."""
    s = torch.randn(hq) * 2.0
    if hq > 2:
        s[0], s[1] = float("-inf"), 6.0
    return s.to(DEVICE)


def poisoned(shape, dtype):
    return torch.full(shape, float("nan"), dtype=dtype, device=DEVICE)


def reference(q, k, v, *, causal=False, scale=None, window=(-1, -1), softcap=0.0,
              alibi_slopes=None, sinks=None, visible=None):
    """out (B, Hq, Sq, Dv) and lse (B, Hq, Sq), both float32, from BHSD q/k/v of any
    dtype. Explicit masked softmax in float32, in chunks of query rows to bound memory.
    sinks (Hq,): one more logit per row, without a value. visible: a bool (B or 1, Hq or
    1, Sq, Sk) mask ANDed with the others (a block mask's, BlockMask.to_dense)."""
    b, hq, sq, d = q.shape
    hkv, sk, dv = k.shape[1], k.shape[2], v.shape[3]
    out = torch.zeros(b, hq, sq, dv, dtype=torch.float32, device=q.device)
    lse = torch.full((b, hq, sq), float("-inf"), dtype=torch.float32, device=q.device)
    if sinks is not None:
        lse[:] = sinks.float().view(1, hq, 1)
    if sq == 0 or sk == 0:
        return out, lse
    scale = 1.0 / math.sqrt(d) if scale is None else scale
    kf = k.float().repeat_interleave(hq // hkv, dim=1)
    vf = v.float().repeat_interleave(hq // hkv, dim=1)
    left, right = window
    j = torch.arange(sk, device=q.device)
    chunk = max(1, min(sq, (1 << 26) // max(1, b * hq * sk)))
    for i0 in range(0, sq, chunk):
        i1 = min(sq, i0 + chunk)
        s = torch.matmul(q[:, :, i0:i1].float(), kf.transpose(-1, -2)) * scale
        if softcap > 0:
            s = softcap * torch.tanh(s / softcap)
        i = torch.arange(i0, i1, device=q.device)
        diag = (i + sk - sq)[:, None]  # the key on query i's diagonal
        rel = diag - j[None, :]         # > 0: key left of the diagonal
        if alibi_slopes is not None:
            s = s - alibi_slopes.float().view(1, hq, 1, 1) * rel.abs().float()
        vis = torch.ones_like(rel, dtype=torch.bool)
        if causal:
            vis &= rel >= 0
        if left >= 0:
            vis &= rel <= left
        if right >= 0:
            vis &= rel >= -right
        if visible is not None:
            vis = vis & visible[:, :, i0:i1]
        s = s.masked_fill(~vis, float("-inf"))
        if sinks is not None:
            sink = sinks.float().view(1, hq, 1, 1).expand(b, hq, i1 - i0, 1)
            m = torch.logsumexp(torch.cat([s, sink], dim=-1), dim=-1)
        else:
            m = torch.logsumexp(s, dim=-1)
        p = torch.exp(s - torch.where(torch.isinf(m), torch.zeros_like(m), m)[..., None])
        out[:, :, i0:i1] = torch.matmul(p, vf)
        lse[:, :, i0:i1] = m
    return out, lse


def check(what, got, want, tol, seed, empty_rows=None):
    """|got - want| <= tol + tol*|want| everywhere; no NaN; infinities only where want has
    the same infinity. empty_rows (bool, broadcastable to got): rows that see no key,
    whose values must be exactly 0 (out) / -inf (lse)."""
    got = got.float()
    assert got.shape == want.shape, "%s: shape %s, want %s" % (what, tuple(got.shape),
                                                               tuple(want.shape))
    where = "(seed %d; replay with ATTNC_TEST_SEED=%d)" % (seed, seed)
    nan = torch.isnan(got)
    if nan.any():
        idx = nan.nonzero()[0].tolist()
        raise AssertionError("%s: %d of %d elements are NaN (first at %s) %s"
                             % (what, int(nan.sum()), got.numel(), idx, where))
    if empty_rows is not None:
        e = empty_rows.expand_as(got)
        wrong = e & (got != want)
        if wrong.any():
            idx = wrong.nonzero()[0].tolist()
            raise AssertionError("%s: %d elements of rows that see no key are not %s (first at "
                                 "%s: %r) %s" % (what, int(wrong.sum()), want[tuple(idx)].item(),
                                                 idx, got[tuple(idx)].item(), where))
    inf_ok = torch.isinf(want) & (got == want)
    inf_bad = (torch.isinf(got) | torch.isinf(want)) & ~inf_ok
    err = (got - want).abs()
    err = torch.where(inf_ok, torch.zeros_like(err), err)
    bad = inf_bad | (err > tol + tol * want.abs())
    if bad.any():
        idx = bad.nonzero()[0].tolist()
        finite = ~(inf_ok | inf_bad)
        maxerr = err[finite].max().item() if finite.any() else float("nan")
        raise AssertionError(
            "%s: %d of %d elements off (atol = rtol = %g), max abs err %.4g; first at %s: "
            "got %r, want %r %s" % (what, int(bad.sum()), got.numel(), tol, maxerr, idx,
                                    got[tuple(idx)].item(), want[tuple(idx)].item(), where))


def _call_kwargs(s, hq):
    kw = dict(causal=s["causal"], window=tuple(s["window"]), softcap=s["softcap"],
              return_lse=s["return_lse"])
    if s["alibi"]:
        kw["alibi_slopes"] = alibi_slopes(hq)
    if s.get("sinks"):
        kw["sinks"] = make_sinks(hq)
    return kw


def _ref_kwargs(s, kw):
    return dict(causal=s["causal"], window=tuple(s["window"]), softcap=s["softcap"],
                alibi_slopes=kw.get("alibi_slopes"), sinks=kw.get("sinks"))


def _no_key_lse(tq, hq, kw):
    """lse (Hq, Tq) of tokens outside every sequence: -inf, or the head's sink."""
    lse = torch.full((hq, tq), float("-inf"), dtype=torch.float32, device=DEVICE)
    if kw.get("sinks") is not None:
        lse[:] = kw["sinks"].float()[:, None]
    return lse


def poison_next_alloc(shape):
    """attention() allocates lse itself (there is no lse out=). Free a NaN-filled float32
    block of lse's size right before the call: the CUDA caching allocator hands that block
    to the next allocation of the same size, so an lse element the kernel does not write
    most likely reads NaN and fails (best effort; no effect on the CPU)."""
    if DEVICE == "cuda":
        torch.full(shape, float("nan"), dtype=torch.float32, device=DEVICE)


def _unpack(res, s):
    if s["return_lse"]:
        assert isinstance(res, tuple) and len(res) == 2, "return_lse=True must give (out, lse)"
        return res
    assert torch.is_tensor(res), "return_lse=False must give out alone, got %r" % type(res)
    return res, None


def _too_big(shape):
    return QUICK and max(shape[1], shape[2]) > 2048


# --- inputs in each layout -------------------------------------------------------------------


def make_inputs(s, b, sq, sk, layout, gain):
    """q, k, v and the preallocated (NaN) out in `layout`, plus their BHSD views.
    layouts: "bhsd" contiguous; "bshd" contiguous; "bhsd-view": BSHD storage passed as
    transposed BHSD views (non-contiguous); "bshd-packed": one QKV buffer (Sq == Sk) or
    q plus one KV buffer, layout "bshd", out a strided view into a wider buffer."""
    dt = DTYPES[s["dtype"]]
    hq, hkv, d = s["num_heads_q"], s["num_heads_kv"], s["head_dim"]
    dv = s["head_dim_v"] or d

    def rnd(*shape, g=1.0):
        return (torch.randn(*shape, device=DEVICE) * g).to(dt)

    if layout == "bhsd":
        q, k, v = rnd(b, hq, sq, d, g=gain), rnd(b, hkv, sk, d), rnd(b, hkv, sk, dv)
        out = poisoned((b, hq, sq, dv), dt)
        return "bhsd", (q, k, v, out), (q, k, v, out)
    if layout == "bshd":
        q, k, v = rnd(b, sq, hq, d, g=gain), rnd(b, sk, hkv, d), rnd(b, sk, hkv, dv)
        out = poisoned((b, sq, hq, dv), dt)
    elif layout == "bhsd-view":
        q, k, v = rnd(b, sq, hq, d, g=gain), rnd(b, sk, hkv, d), rnd(b, sk, hkv, dv)
        out = poisoned((b, sq, hq, dv), dt)
        t = [x.transpose(1, 2) for x in (q, k, v, out)]
        assert not t[0].is_contiguous()
        return "bhsd", t, t
    elif layout == "bshd-packed":
        assert d == dv
        if sq == sk:
            qkv = rnd(b, sq, hq + 2 * hkv, d)
            q, k, v = qkv[:, :, :hq], qkv[:, :, hq:hq + hkv], qkv[:, :, hq + hkv:]
            if gain != 1.0:
                q.mul_(gain)
        else:
            q = rnd(b, sq, hq, d, g=gain)
            kv = rnd(b, sk, 2, hkv, d)
            k, v = kv[:, :, 0], kv[:, :, 1]
        wide = poisoned((b, sq, hq, dv + 8), dt)
        out = wide[..., :dv]
        assert not (k.is_contiguous() or out.is_contiguous())
    else:
        raise ValueError(layout)
    bhsd = tuple(x.transpose(1, 2) for x in (q, k, v, out))
    return "bshd", (q, k, v, out), bhsd


def run_dense(s, b, sq, sk, seed, layout="bhsd", gain=1.0, use_out=True):
    hq = s["num_heads_q"]
    api_layout, (q, k, v, out), (qb, kb, vb, outb) = make_inputs(s, b, sq, sk, layout, gain)
    kw = _call_kwargs(s, hq)
    if use_out:
        poison_next_alloc((b, hq, sq))
        res = at.attention(q, k, v, layout=api_layout, out=out, **kw)
    else:
        res = at.attention(q, k, v, layout=api_layout, **kw)
    got, lse = _unpack(res, s)
    _sync()
    if use_out:
        assert got.data_ptr() == out.data_ptr() and got.shape == out.shape, \
            "attention(out=...) must return out itself"
    else:
        assert got.shape == out.shape and got.dtype == out.dtype
        outb = got if api_layout == "bhsd" else got.transpose(1, 2)
    ref, ref_lse = reference(qb, kb, vb, **_ref_kwargs(s, kw))
    empty = torch.isinf(ref_lse)
    check("out", outb, ref, MHA_TOL, seed, empty_rows=empty[..., None])
    if lse is not None:
        assert lse.dtype == torch.float32 and tuple(lse.shape) == (b, hq, sq), \
            "lse: %s %s, want float32 %s" % (lse.dtype, tuple(lse.shape), (b, hq, sq))
        check("lse", lse, ref_lse, MHA_TOL, seed, empty_rows=empty)


# --- dense tests -----------------------------------------------------------------------------


def _dense_params():
    for s, shapes, gain in gv.DENSE_CASES:
        for shape in shapes:
            yield pytest.param(s, shape, gain,
                               id="%s-b%d-q%d-k%d" % ((gv.spec_id(s),) + tuple(shape)))


@pytest.mark.parametrize("s,shape,gain", list(_dense_params()))
def test_dense(s, shape, gain, seed):
    if _too_big(shape):
        skip_expected("ATTNC_TEST_QUICK leaves out the largest shapes")
    run_dense(s, *shape, seed, gain=gain)


def _layout_params():
    for s in gv.LAYOUT_SPECS:
        for shape in gv.LAYOUT_SHAPES:
            for layout in ("bshd", "bhsd-view", "bshd-packed"):
                yield pytest.param(s, shape, layout, id="%s-%s-b%d-q%d-k%d" % (
                    (gv.spec_id(s), layout) + tuple(shape)))


@pytest.mark.parametrize("s,shape,layout", list(_layout_params()))
def test_layouts(s, shape, layout, seed):
    run_dense(s, *shape, seed, layout=layout)


@pytest.mark.parametrize("layout", ["bhsd", "bshd"])
def test_without_out(layout, seed):
    """attention() without out= allocates its result."""
    run_dense(gv.BASE["bf16", 128, True], 2, 1000, 1000, seed, layout=layout, use_out=False)


def test_repeatable(seed):
    """The same inputs give bitwise the same output twice (a moving result is a race)."""
    s = gv.BASE["bf16", 128, True]
    _, (q, k, v, out), _ = make_inputs(s, 2, 1000, 1000, "bhsd", 1.0)
    at.attention(q, k, v, causal=True, return_lse=True, out=out)
    first = out.clone()
    out.fill_(float("nan"))
    at.attention(q, k, v, causal=True, return_lse=True, out=out)
    _sync()
    assert torch.equal(first, out), "two runs on the same inputs differ (seed %d)" % seed


# --- varlen ----------------------------------------------------------------------------------


def run_varlen(s, q_lens, k_lens, pad, seed, gain=1.0, pass_max=True):
    dt = DTYPES[s["dtype"]]
    hq, hkv, d = s["num_heads_q"], s["num_heads_kv"], s["head_dim"]
    dv = s["head_dim_v"] or d
    k_lens = list(q_lens if k_lens is None else k_lens)
    assert len(k_lens) == len(q_lens)
    cu_q, cu_k = [0], [0]
    for a, c in zip(q_lens, k_lens):
        cu_q.append(cu_q[-1] + a)
        cu_k.append(cu_k[-1] + c)
    tq, tk = cu_q[-1] + pad, cu_k[-1]
    q = (torch.randn(tq, hq, d, device=DEVICE) * gain).to(dt)
    k = torch.randn(tk, hkv, d, device=DEVICE).to(dt)
    v = torch.randn(tk, hkv, dv, device=DEVICE).to(dt)
    cu_q_t = torch.tensor(cu_q, dtype=torch.int32, device=DEVICE)
    cu_k_t = torch.tensor(cu_k, dtype=torch.int32, device=DEVICE)
    out = poisoned((tq, hq, dv), dt)
    kw = _call_kwargs(s, hq)
    maxes = (max(q_lens), max(k_lens)) if pass_max else (None, None)
    poison_next_alloc((hq, tq))
    res = at.attention_varlen(q, k, v, cu_q_t, cu_k_t, *maxes, out=out, **kw)
    got, lse = _unpack(res, s)
    _sync()
    assert got.data_ptr() == out.data_ptr(), "attention_varlen(out=...) must return out itself"

    ref = torch.zeros(tq, hq, dv, dtype=torch.float32, device=DEVICE)
    ref_lse = _no_key_lse(tq, hq, kw)
    for i in range(len(q_lens)):
        q0, q1, k0, k1 = cu_q[i], cu_q[i + 1], cu_k[i], cu_k[i + 1]
        if q1 == q0:
            continue
        o, l = reference(q[q0:q1].transpose(0, 1)[None], k[k0:k1].transpose(0, 1)[None],
                         v[k0:k1].transpose(0, 1)[None], **_ref_kwargs(s, kw))
        ref[q0:q1] = o[0].transpose(0, 1)
        ref_lse[:, q0:q1] = l[0]
    empty = torch.isinf(ref_lse)
    check("out", got, ref, VARLEN_TOL, seed, empty_rows=empty.t()[..., None])
    if lse is not None:
        assert lse.dtype == torch.float32 and tuple(lse.shape) == (hq, tq), \
            "lse: %s %s, want float32 %s" % (lse.dtype, tuple(lse.shape), (hq, tq))
        check("lse", lse, ref_lse, VARLEN_TOL, seed, empty_rows=empty)


def _varlen_params():
    for s, shapes, gain in gv.VARLEN_CASES:
        for n, (q_lens, k_lens, pad) in enumerate(shapes):
            yield pytest.param(s, q_lens, k_lens, pad, gain, n % 2 == 0,
                               id="%s-%d" % (gv.spec_id(s), n))


@pytest.mark.parametrize("s,q_lens,k_lens,pad,gain,pass_max", list(_varlen_params()))
def test_varlen(s, q_lens, k_lens, pad, gain, pass_max, seed):
    if QUICK and max(q_lens + (k_lens or [])) > 2048:
        skip_expected("ATTNC_TEST_QUICK leaves out the largest shapes")
    run_varlen(s, q_lens, k_lens, pad, seed, gain=gain, pass_max=pass_max)


# --- block masks (docs/masks.md) ---------------------------------------------------------------


def _block_mask_mod(s):
    """The attnc.masks.MaskMod of the variant's mask_mod text (None: no region)."""
    text = s["block_mask"]["mask_mod"]
    if text is None:
        return None
    mm = gv.make_mask_mod(masks, gv.BLOCK_MASK_MOD_NAMES[text])
    assert mm.mlir == text, "gpu_variants and attnc.masks disagree on %s" % mm
    return mm


def random_block_lists(nb, nh, nqb, nkb, full, skip_kb=None):
    """Random valid lists on the device: each (b', h', query block, key block) skipped,
    partial or full (no full without full lists), each list shuffled, garbage (-77 or past
    NKB) past its count. Query block 0 of (0, 0) lists nothing (its rows see no key); key
    block skip_kb is listed for nobody."""
    state = torch.randint(0, 3, (nb, nh, nqb, nkb), device=DEVICE)
    if not full:
        state[state == 2] = 1
    state[0, 0, 0] = 0
    if skip_kb is not None:
        state[..., skip_kb] = 0

    def lists(which):
        sel = state == which
        count = sel.sum(-1).to(torch.int32)
        key = torch.where(sel, torch.rand(sel.shape, device=DEVICE),
                          torch.full(sel.shape, 2.0, device=DEVICE))
        idx = key.argsort(-1).to(torch.int32)
        after = torch.arange(nkb, device=DEVICE).expand_as(idx) >= count.unsqueeze(-1)
        junk = torch.where(torch.rand(idx.shape, device=DEVICE) < 0.5,
                           torch.full_like(idx, -77), torch.full_like(idx, nkb + 5))
        return count.contiguous(), torch.where(after, junk, idx).contiguous()
    n, i = lists(1)
    fn, fi = lists(2) if full else (None, None)
    return n, i, fn, fi


def make_block_mask(s, lists, b, hq, sq, sk, skip_kb=None):
    """The attnc.BlockMask of a case: "exact" (create_block_mask of the mask_mod),
    "random" (random_block_lists per (b, h)), "broadcast" (random, B' = H' = 1)."""
    m = s["block_mask"]
    qb, kvb = m["q_block_size"], m["kv_block_size"]
    mm = _block_mask_mod(s)
    if lists == "exact":
        assert m["full"] and mm is not None
        return masks.create_block_mask(mm, None, None, sq, sk, device=DEVICE,
                                       BLOCK_SIZE=(qb, kvb))
    nb, nh = (1, 1) if lists == "broadcast" else (b, hq)
    n, i, fn, fi = random_block_lists(nb, nh, -(-sq // qb), -(-sk // kvb), m["full"], skip_kb)
    return attnc.BlockMask(n, i, fn, fi, BLOCK_SIZE=(qb, kvb), mask_mod=mm)


def _seen_rows(vis, s, sq, sk):
    """Rows (B|1, H|1, Sq) that see a key under the block mask's visibility and the
    variant's causal / window masks (bottom-right)."""
    left, right = s["window"]
    if not s["causal"] and left < 0 and right < 0:
        return vis.any(-1)  # (no S x S distances: 2 GiB of int64 at the benchmark's 16k)
    rel = (torch.arange(sq, device=DEVICE) + sk - sq)[:, None] - torch.arange(sk, device=DEVICE)
    ok = torch.ones_like(rel, dtype=torch.bool)
    if s["causal"]:
        ok &= rel >= 0
    if left >= 0:
        ok &= rel <= left
    if right >= 0:
        ok &= rel >= -right
    return (vis & ok).any(-1)


def run_block_mask(s, lists, b, sq, sk, seed):
    dt = DTYPES[s["dtype"]]
    hq, hkv, d = s["num_heads_q"], s["num_heads_kv"], s["head_dim"]
    qb, kvb = s["block_mask"]["q_block_size"], s["block_mask"]["kv_block_size"]
    nkb = -(-sk // kvb)
    skip_kb = nkb // 2 if lists != "exact" and nkb > 1 else None
    bm = make_block_mask(s, lists, b, hq, sq, sk, skip_kb)
    q = torch.randn(b, hq, sq, d, device=DEVICE).to(dt)
    k = torch.randn(b, hkv, sk, d, device=DEVICE).to(dt)
    v = torch.randn(b, hkv, sk, d, device=DEVICE).to(dt)
    if skip_kb is not None:
        # K/V rows of a key block no list names: a kernel that reads them, even masked,
        # puts NaN into the row's max or P V.
        k[:, :, skip_kb * kvb:(skip_kb + 1) * kvb] = float("nan")
        v[:, :, skip_kb * kvb:(skip_kb + 1) * kvb] = float("nan")
    out = poisoned((b, hq, sq, d), dt)
    kw = _call_kwargs(s, hq)
    poison_next_alloc((b, hq, sq))
    res = at.attention(q, k, v, out=out, block_mask=bm, **kw)
    got, lse = _unpack(res, s)
    _sync()
    assert got.data_ptr() == out.data_ptr(), "attention(out=...) must return out itself"
    nb, nh = bm.kv_indices.shape[:2]
    vis = bm.to_dense(nb, nh, sq, sk)
    ref, ref_lse = reference(q, k.nan_to_num(0.0), v.nan_to_num(0.0), visible=vis,
                             **_ref_kwargs(s, kw))
    empty = ~_seen_rows(vis, s, sq, sk).expand(b, hq, sq)
    if lists != "exact" and sq > 0 and sk > 0:
        assert empty.any(), "the random lists must leave rows that see no key"
    check("out", got, ref, MHA_TOL, seed, empty_rows=empty[..., None])
    if lse is not None:  # -inf exactly where no key and no sink; a sink's lse is rounded
        check("lse", lse, ref_lse, MHA_TOL, seed, empty_rows=empty & torch.isinf(ref_lse))
    return bm


def _block_mask_params():
    for s, lists, shapes in gv.BLOCK_MASK_CASES:
        for shape in shapes:
            yield pytest.param(s, lists, shape, id="%s-%s-b%d-q%d-k%d" % (
                (gv.spec_id(s), lists) + tuple(shape)))


@pytest.mark.parametrize("s,lists,shape", list(_block_mask_params()))
def test_block_mask(s, lists, shape, seed):
    """attention(block_mask=...) against the f32 reference with the dense visibility the
    BlockMask means (issue 17 section 4): skipped / partial / full blocks, mask_mod on the
    partial ones, the op's masks on top; rows that see nothing give 0 (lse -inf, or the
    sink); K/V rows of a block no list names are NaN and must never be read."""
    if _too_big(shape):
        skip_expected("ATTNC_TEST_QUICK leaves out the largest shapes")
    bm = run_block_mask(s, lists, *shape, seed)
    if lists == "exact":  # the case covers both kinds of listed blocks
        assert int(bm.kv_num_blocks.sum()) > 0 and int(bm.full_kv_num_blocks.sum()) > 0


def run_block_mask_varlen(s, lists, q_lens, k_lens, seed):
    dt = DTYPES[s["dtype"]]
    hq, hkv, d = s["num_heads_q"], s["num_heads_kv"], s["head_dim"]
    m = s["block_mask"]
    qb, kvb = m["q_block_size"], m["kv_block_size"]
    k_lens = list(q_lens if k_lens is None else k_lens)
    cu_q, cu_k = [0], [0]
    for a, c in zip(q_lens, k_lens):
        cu_q.append(cu_q[-1] + a)
        cu_k.append(cu_k[-1] + c)
    tq, tk, nseq = cu_q[-1], cu_k[-1], len(q_lens)
    q = torch.randn(tq, hq, d, device=DEVICE).to(dt)
    k = torch.randn(tk, hkv, d, device=DEVICE).to(dt)
    v = torch.randn(tk, hkv, d, device=DEVICE).to(dt)
    nqb, nkb = max(1, -(-max(q_lens) // qb)), max(1, -(-max(k_lens) // kvb))
    n, i, fn, fi = random_block_lists(nseq, hq, nqb, nkb, m["full"])
    mm = _block_mask_mod(s)
    bm = attnc.BlockMask(n, i, fn, fi, BLOCK_SIZE=(qb, kvb), mask_mod=mm)
    cu_q_t = torch.tensor(cu_q, dtype=torch.int32, device=DEVICE)
    cu_k_t = torch.tensor(cu_k, dtype=torch.int32, device=DEVICE)
    out = poisoned((tq, hq, d), dt)
    kw = _call_kwargs(s, hq)
    poison_next_alloc((hq, tq))
    got, lse = _unpack(at.attention_varlen(q, k, v, cu_q_t, cu_k_t, out=out, block_mask=bm,
                                           **kw), s)
    _sync()
    ref = torch.zeros(tq, hq, d, dtype=torch.float32, device=DEVICE)
    ref_lse = _no_key_lse(tq, hq, kw)
    seen = torch.zeros(tq, hq, dtype=torch.bool, device=DEVICE)
    for j in range(nseq):
        q0, q1, k0, k1 = cu_q[j], cu_q[j + 1], cu_k[j], cu_k[j + 1]
        if q1 == q0:
            continue
        sub = attnc.BlockMask(n[j:j + 1], i[j:j + 1], None if fn is None else fn[j:j + 1],
                              None if fi is None else fi[j:j + 1], (qb, kvb), mm)
        vis = sub.to_dense(1, hq, q1 - q0, k1 - k0)
        o, l = reference(q[q0:q1].transpose(0, 1)[None], k[k0:k1].transpose(0, 1)[None],
                         v[k0:k1].transpose(0, 1)[None], visible=vis, **_ref_kwargs(s, kw))
        ref[q0:q1] = o[0].transpose(0, 1)
        ref_lse[:, q0:q1] = l[0]
        seen[q0:q1] = _seen_rows(vis, s, q1 - q0, k1 - k0)[0].t()
    check("out", got, ref, VARLEN_TOL, seed, empty_rows=~seen[..., None])
    if lse is not None:
        check("lse", lse, ref_lse, VARLEN_TOL, seed, empty_rows=~seen.t() & torch.isinf(ref_lse))


def _block_mask_varlen_params():
    for s, lists, shapes in gv.BLOCK_MASK_VARLEN_CASES:
        for n, (q_lens, k_lens) in enumerate(shapes):
            yield pytest.param(s, lists, q_lens, k_lens, id="%s-%d" % (gv.spec_id(s), n))


@pytest.mark.parametrize("s,lists,q_lens,k_lens", list(_block_mask_varlen_params()))
def test_block_mask_varlen(s, lists, q_lens, k_lens, seed):
    """attention_varlen(block_mask=...): lists per sequence (B' = the sequences), query
    blocks and mask_mod indices local to each sequence, an empty sequence and one without
    keys."""
    run_block_mask_varlen(s, lists, q_lens, k_lens, seed)


# --- the reference itself --------------------------------------------------------------------


@pytest.mark.parametrize("causal,window,alibi,sq,sk", [
    (False, (-1, -1), False, 100, 300), (True, (-1, -1), False, 300, 300),
    (True, (-1, -1), False, 100, 300), (False, (32, 16), False, 200, 300),
    (True, (64, -1), True, 200, 200), (False, (-1, -1), True, 150, 100)])
def test_reference_matches_sdpa_math(causal, window, alibi, sq, sk, seed):
    """reference() against SDPA's math backend in float32 with an explicit bottom-right
    mask (and ALiBi as an additive mask), on cases where every row sees a key."""
    attention = pytest.importorskip("torch.nn.attention")
    b, hq, hkv, d = 2, 4, 2, 64
    q = torch.randn(b, hq, sq, d, device=DEVICE)
    k = torch.randn(b, hkv, sk, d, device=DEVICE)
    v = torch.randn(b, hkv, sk, d, device=DEVICE)
    slopes = alibi_slopes(hq) if alibi else None
    rel = (torch.arange(sq, device=DEVICE) + sk - sq)[:, None] - torch.arange(sk, device=DEVICE)
    vis = torch.ones_like(rel, dtype=torch.bool)
    if causal:
        vis &= rel >= 0
    if window[0] >= 0:
        vis &= rel <= window[0]
    if window[1] >= 0:
        vis &= rel >= -window[1]
    assert vis.any(dim=-1).all(), "test case must not have empty rows"
    mask = torch.zeros(1, hq, sq, sk, device=DEVICE).masked_fill(~vis, float("-inf"))
    if alibi:
        mask = mask - slopes.view(1, hq, 1, 1) * rel.abs().float()
    with attention.sdpa_kernel([attention.SDPBackend.MATH]):
        want = F.scaled_dot_product_attention(q, k.repeat_interleave(hq // hkv, 1),
                                              v.repeat_interleave(hq // hkv, 1), attn_mask=mask)
    got, lse = reference(q, k, v, causal=causal, window=window, alibi_slopes=slopes)
    torch.testing.assert_close(got, want, atol=1e-5, rtol=1e-5)
    s = torch.matmul(q, k.repeat_interleave(hq // hkv, 1).transpose(-1, -2)) / math.sqrt(d)
    torch.testing.assert_close(lse, torch.logsumexp(s + mask, dim=-1), atol=1e-5, rtol=1e-5)


def test_reference_empty_rows(seed):
    """Rows that see no key: out 0, lse -inf, no NaN (causal with Sq > Sk)."""
    q = torch.randn(1, 2, 10, 64, device=DEVICE)
    k = torch.randn(1, 2, 4, 64, device=DEVICE)
    out, lse = reference(q, k, k, causal=True)
    assert not torch.isnan(out).any() and not torch.isnan(lse).any()
    assert torch.isinf(lse[:, :, :6]).all() and (out[:, :, :6] == 0).all()
    assert torch.isfinite(lse[:, :, 6:]).all()


@pytest.mark.parametrize("causal", [False, True])
def test_misaligned_rows(causal, seed):
    """Rows that do not start on 16-byte boundaries (here 2 bytes past one, 260 bytes
    apart) cannot take 16-byte copies: attnc.torch picks the kernel compiled for their
    alignment (row_align 1: 2-byte copies; issue 17), which computes the right numbers.
    They used to be refused."""
    q = torch.randn(1, 3, 300, 130, device=DEVICE, dtype=torch.bfloat16)[..., 1:129]
    k = torch.randn(1, 3, 257, 128, device=DEVICE, dtype=torch.bfloat16)
    out = poisoned((1, 3, 300, 128), torch.bfloat16)
    poison_next_alloc((1, 3, 300))
    got, lse = at.attention(q, k, k, causal=causal, return_lse=True, out=out)
    _sync()
    ref, ref_lse = reference(q, k, k, causal=causal)
    empty = torch.isinf(ref_lse)
    check("out", got, ref, MHA_TOL, seed, empty_rows=empty[..., None])
    check("lse", lse, ref_lse, MHA_TOL, seed, empty_rows=empty)


def _odd_stride_params():
    for s, stride in gv.ODD_STRIDE_CASES:
        for shape in gv.ODD_STRIDE_SHAPES:
            yield pytest.param(s, stride, shape, id="%s-stride%d-b%d-q%d-k%d" % (
                (gv.spec_id(s), stride) + tuple(shape)))


@pytest.mark.parametrize("s,stride,shape", list(_odd_stride_params()))
def test_odd_row_strides(s, stride, shape, seed):
    """q, k, v and out are views of buffers whose rows are `stride` elements apart (a bf16
    q of head dim 32 in rows of 66 bytes, ...): the rows' alignment is below what their
    head dim allows, and attnc.torch runs the variant compiled for it (gv.ODD_STRIDE_CASES:
    its row_align is the one these views have)."""
    b, sq, sk = shape
    dt = DTYPES[s["dtype"]]
    hq, d = s["num_heads_q"], s["head_dim"]
    q = torch.randn(b, hq, sq, stride, device=DEVICE).to(dt)[..., :d]
    k = torch.randn(b, hq, sk, stride, device=DEVICE).to(dt)[..., :d]
    v = torch.randn(b, hq, sk, stride, device=DEVICE).to(dt)[..., :d]
    wide = poisoned((b, hq, sq, stride), dt)
    out = wide[..., :d]
    if DEVICE != "cpu":  # the CPU reads rows of any alignment: no row_align there
        assert at._row_align(q.device, d, d, (q, k, v, out)) == s["row_align"]
    poison_next_alloc((b, hq, sq))
    got, lse = at.attention(q, k, v, causal=s["causal"], return_lse=True, out=out)
    _sync()
    ref, ref_lse = reference(q, k, v, causal=s["causal"])
    empty = torch.isinf(ref_lse)
    check("out", got, ref, MHA_TOL, seed, empty_rows=empty[..., None])
    check("lse", lse, ref_lse, MHA_TOL, seed, empty_rows=empty)
    # the columns between rows are not written
    assert torch.isnan(wide[..., d:].float()).all(), "wrote past the head dim of out"


# --- paged attention (docs/paged.md) ---------------------------------------------------------


def paged_inputs(s, q_lens, seq_lens, pad, gain):
    """q (Tq, Hq, D) and a vLLM-style paged cache on the device: each sequence's blocks
    come from a random permutation of the physical blocks (non-contiguous, out of order,
    no reuse), except that the first later sequence with two or more whole blocks shares
    sequence 0's leading whole blocks (a cached prefix). Unused blocks and the slots past
    seq_len in a sequence's last block hold NaN (a kernel that lets them into the result
    fails); table entries past a sequence's blocks are out of range (-5, NB + 1000)."""
    dt = DTYPES[s["dtype"]]
    hq, hkv, d = s["num_heads_q"], s["num_heads_kv"], s["head_dim"]
    dv = s["head_dim_v"] or d
    bs = s["block_size"]
    b = len(seq_lens)
    need = [-(-n // bs) for n in seq_lens]
    shared = [0] * b
    for i in range(1, b):
        full0 = seq_lens[0] // bs
        if need[i] >= 2 and seq_lens[i] >= bs and full0 > 0:
            shared[i] = min(full0, need[i] - 1)
            break
    nb = sum(n - sh for n, sh in zip(need, shared)) + 3
    perm = torch.randperm(nb)
    max_blocks = max(need + [0]) + 2
    tables = torch.empty(b, max_blocks, dtype=torch.int32)
    tables[:, 0::2] = -5
    tables[:, 1::2] = nb + 1000
    k_cache = poisoned((nb, bs, hkv, d), dt)
    v_cache = poisoned((nb, bs, hkv, dv), dt)
    used = 0
    for i in range(b):
        own = need[i] - shared[i]
        ids = perm[used:used + own]
        used += own
        tables[i, :shared[i]] = tables[0, :shared[i]]
        tables[i, shared[i]:need[i]] = ids.int()
        if own == 0:
            continue
        k = torch.randn(own * bs, hkv, d, device=DEVICE).to(dt)
        v = torch.randn(own * bs, hkv, dv, device=DEVICE).to(dt)
        tail = own * bs - (seq_lens[i] - shared[i] * bs)  # slots past seq_len
        if tail:
            k[-tail:] = float("nan")
            v[-tail:] = float("nan")
        idx = ids.to(DEVICE).long()
        k_cache[idx] = k.view(own, bs, hkv, d)
        v_cache[idx] = v.view(own, bs, hkv, dv)
    cu = [0]
    for n in q_lens:
        cu.append(cu[-1] + n)
    tq = cu[-1] + pad
    q = (torch.randn(tq, hq, d, device=DEVICE) * gain).to(dt)
    qsl = torch.tensor(cu, dtype=torch.int32, device=DEVICE)
    sl = torch.tensor(seq_lens, dtype=torch.int32, device=DEVICE)
    return q, k_cache, v_cache, tables.to(DEVICE), sl, qsl


def _gather(cache, row, n):
    """The first n tokens of a sequence, read through its block table row."""
    bs = cache.shape[1]
    ids = row[: -(-n // bs)].long()
    return cache[ids].reshape(-1, *cache.shape[2:])[:n]


def paged_reference(q, k_cache, v_cache, tables, seq_lens, qsl, ref_kw):
    """out (Tq, Hq, Dv) and lse (Hq, Tq), float32: per sequence, reference() over the keys
    gathered through the block table (queries bottom-right aligned); tokens past
    query_start_loc[B] give 0 / -inf (the head's sink with sinks)."""
    tq, hq, _ = q.shape
    dv = v_cache.shape[3]
    out = torch.zeros(tq, hq, dv, dtype=torch.float32, device=q.device)
    lse = _no_key_lse(tq, hq, ref_kw)
    qsl_h, sl_h = qsl.tolist(), seq_lens.tolist()
    for i in range(len(sl_h)):
        q0, q1, n = qsl_h[i], qsl_h[i + 1], sl_h[i]
        if q1 == q0:
            continue
        k = _gather(k_cache, tables[i], n)
        v = _gather(v_cache, tables[i], n)
        o, l = reference(q[q0:q1].transpose(0, 1)[None], k.transpose(0, 1)[None],
                         v.transpose(0, 1)[None], **ref_kw)
        out[q0:q1] = o[0].transpose(0, 1)
        lse[:, q0:q1] = l[0]
    return out, lse


def run_paged(s, q_lens, seq_lens, pad, seed, gain=1.0, num_splits=None):
    hq = s["num_heads_q"]
    dv = s["head_dim_v"] or s["head_dim"]
    q, k_cache, v_cache, tables, sl, qsl = paged_inputs(s, q_lens, seq_lens, pad, gain)
    tq = q.shape[0]
    kw = _call_kwargs(s, hq)
    out = poisoned((tq, hq, dv), q.dtype)
    # The spec's mode through max_query_len (a hint: the true longest run may differ).
    max_q = 1 if s["paged_mode"] == "decode" else max(q_lens + [64])
    poison_next_alloc((hq, tq))
    res = at.paged_attention(q, k_cache, v_cache, tables, sl, qsl, out=out,
                             num_splits=num_splits, max_query_len=max_q, **kw)
    got, lse = _unpack(res, s)
    _sync()
    assert got.data_ptr() == out.data_ptr(), "paged_attention(out=...) must return out itself"
    ref, ref_lse = paged_reference(q, k_cache, v_cache, tables, sl, qsl, _ref_kwargs(s, kw))
    empty = torch.isinf(ref_lse)
    check("out", got, ref, VARLEN_TOL, seed, empty_rows=empty.t()[..., None])
    if lse is not None:
        assert lse.dtype == torch.float32 and tuple(lse.shape) == (hq, tq), \
            "lse: %s %s, want float32 %s" % (lse.dtype, tuple(lse.shape), (hq, tq))
        check("lse", lse, ref_lse, VARLEN_TOL, seed, empty_rows=empty)
    return got, lse


def _paged_params():
    for s, shapes, gain in gv.PAGED_CASES:
        for n, (q_lens, seq_lens, pad) in enumerate(shapes):
            yield pytest.param(s, q_lens, seq_lens, pad, gain,
                               id="%s-%d-k%d" % (gv.spec_id(s), n, max(seq_lens)))


@pytest.mark.parametrize("s,q_lens,seq_lens,pad,gain", list(_paged_params()))
def test_paged(s, q_lens, seq_lens, pad, gain, seed):
    if QUICK and max(seq_lens) > 4097:
        skip_expected("ATTNC_TEST_QUICK leaves out the largest shapes")
    run_paged(s, q_lens, seq_lens, pad, seed, gain=gain)


# --- fp8 (e4m3fn) KV caches (issue 16, docs/fp8.md) ------------------------------------------


def _e4m3fn_values():
    """The value of each of the 256 e4m3fn bit patterns (bias 7, no infinities, NaN =
    S.1111.111), from the format's definition."""
    vals = []
    for bits in range(256):
        sign = -1.0 if bits & 0x80 else 1.0
        e, m = (bits >> 3) & 15, bits & 7
        if bits & 0x7F == 0x7F:
            vals.append(float("nan"))
        elif e == 0:
            vals.append(sign * m / 8.0 * 2.0 ** -6)
        else:
            vals.append(sign * (1 + m / 8.0) * 2.0 ** (e - 7))
    return torch.tensor(vals, dtype=torch.float32)


E4M3FN = _e4m3fn_values()


def to_e4m3fn(x):
    """uint8 e4m3fn codes of x (rounded toward zero onto the format's magnitudes; NaN ->
    0x7F). The reference decodes the same codes, so the rounding only needs to stay in
    the format."""
    mags = E4M3FN[:0x7F].to(x.device)  # 0 .. 448, increasing
    xf = x.float()
    a = xf.abs().clamp(max=448.0).nan_to_num(0.0)
    code = (torch.bucketize(a, mags, right=True) - 1).clamp(min=0)
    code = code | torch.where(xf < 0, 0x80, 0)
    code = torch.where(torch.isnan(xf), torch.full_like(code, 0x7F), code)
    return code.to(torch.uint8)


def from_e4m3fn(codes):
    return E4M3FN.to(codes.device)[codes.long()]


def fp8_scale(rank, nb, bs, hkv):
    """k_scale / v_scale: uniform in [0.5, 2), per KV head (rank 1) or per token (3)."""
    shape = (hkv,) if rank == 1 else (nb, bs, hkv)
    return torch.rand(shape, device=DEVICE) * 1.5 + 0.5


def run_paged_fp8(s, q_lens, seq_lens, pad, seed, native=False):
    """fp8 caches (codes of normal(0, 1) values; NaN codes in every slot no sequence
    reads) with random scales, against f32 math (reference()) on the dequantized caches
    (code values times their scales). The conversion is exact and the math 16-bit as
    without fp8, so the 16-bit kernels' tolerance is asserted (atol = rtol = 1e-2), and
    aiter's fp8 floor (max abs error <= 1.0, cosine similarity >= 0.94) as well; the
    errors are printed (pytest -s)."""
    hq = s["num_heads_q"]
    dv = s["head_dim_v"] or s["head_dim"]
    q, k16, v16, tables, sl, qsl = paged_inputs(s, q_lens, seq_lens, pad, 1.0)
    kb, vb = to_e4m3fn(k16), to_e4m3fn(v16)
    nb, bs, hkv, _ = kb.shape
    ks, vs = (fp8_scale(r, nb, bs, hkv) for r in s["fp8_scales"])
    deq = [from_e4m3fn(c) * (x.view(1, 1, hkv, 1) if x.dim() == 1 else x[..., None])
           for c, x in ((kb, ks), (vb, vs))]
    tq = q.shape[0]
    kw = _call_kwargs(s, hq)
    out = poisoned((tq, hq, dv), q.dtype)
    max_q = 1 if s["paged_mode"] == "decode" else max(q_lens + [64])
    caches = dict(fp8_dtype="e4m3fn")
    kc, vc = kb, vb
    if native:
        kc, vc = kb.view(torch.float8_e4m3fn), vb.view(torch.float8_e4m3fn)
        caches = {}
    poison_next_alloc((hq, tq))
    res = at.paged_attention(q, kc, vc, tables, sl, qsl, out=out, max_query_len=max_q,
                             k_scale=ks, v_scale=vs, **caches, **kw)
    got, lse = _unpack(res, s)
    _sync()
    assert got.data_ptr() == out.data_ptr(), "paged_attention(out=...) must return out itself"
    ref, ref_lse = paged_reference(q, deq[0], deq[1], tables, sl, qsl, _ref_kwargs(s, kw))
    empty = torch.isinf(ref_lse)
    seen = ~empty.t()  # (Tq, Hq): rows with keys
    g, w = got.float()[seen], ref[seen]
    if g.numel():
        err = (g - w).abs().max().item()
        cos = F.cosine_similarity(g.reshape(-1, dv), w.reshape(-1, dv), dim=1, eps=1e-6)
        cos = cos[w.reshape(-1, dv).abs().amax(dim=1) > 0].min().item() if cos.numel() else 1.0
        print("\nfp8 paged %s: max abs error %.4g, min cosine %.6f" % (gv.spec_id(s), err, cos))
        assert err <= 1.0 and cos >= 0.94, "below aiter's fp8 floor: max abs %.4g, cosine %.4f " \
            "(seed %d)" % (err, cos, seed)
    check("out", got, ref, VARLEN_TOL, seed, empty_rows=empty.t()[..., None])
    if lse is not None:
        check("lse", lse, ref_lse, VARLEN_TOL, seed, empty_rows=empty)


def _paged_fp8_params():
    for s, shapes in gv.FP8_PAGED_CASES:
        for n, (q_lens, seq_lens, pad) in enumerate(shapes):
            yield pytest.param(s, q_lens, seq_lens, pad,
                               id="%s-%d-k%d" % (gv.spec_id(s), n, max(seq_lens)))


@pytest.mark.parametrize("s,q_lens,seq_lens,pad", list(_paged_fp8_params()))
def test_paged_fp8(s, q_lens, seq_lens, pad, seed):
    if QUICK and max(seq_lens) > 4097:
        skip_expected("ATTNC_TEST_QUICK leaves out the largest shapes")
    run_paged_fp8(s, q_lens, seq_lens, pad, seed)


def test_paged_fp8_native_float8(seed):
    """torch.float8_e4m3fn caches (torch 2.x) take the same kernels as uint8 storage."""
    if not hasattr(torch, "float8_e4m3fn"):
        skip_expected("torch %s has no float8_e4m3fn" % torch.__version__)
    s, shapes = gv.FP8_PAGED_CASES[0]
    run_paged_fp8(s, *shapes[1], seed, native=True)


# --- fp8 (e4m3fn) q, k, v: attention / attention_varlen (issue 16 Part 1, docs/fp8.md) -------

FP8_GRANULARITIES = ("bh", "h", "0", "none")  # (B, Hkv), (Hkv,), (), no descales


def fp8_descales(gran, b, hkv):
    """q_descale, k_descale, v_descale of one granularity (uniform in [0.5, 2)), and
    each one as a (B, Hkv) tensor for the reference (None: not passed, i.e. 1)."""
    shape = {"bh": (b, hkv), "h": (hkv,), "0": ()}.get(gran)
    given, full = [], []
    for _ in range(3):
        if shape is None:
            given.append(None)
            full.append(torch.ones(b, hkv, device=DEVICE))
            continue
        x = torch.rand(shape, device=DEVICE) * 1.5 + 0.5
        given.append(x)
        full.append(x.expand(b, hkv).contiguous())
    return given, full


def _fp8_dequant(codes, desc, hq):
    """(B, H, S, D) codes times their (B, Hkv) descale, per head (query head h uses KV
    head h // (Hq // Hkv)'s, as FA3)."""
    b, h = codes.shape[:2]
    d = desc.repeat_interleave(h // desc.shape[1], dim=1) if h != desc.shape[1] else desc
    return from_e4m3fn(codes) * d.view(b, h, 1, 1)


def _fp8_floor(what, got, want, dv, seed):
    """aiter's fp8 floor (max abs error <= 1.0, cosine similarity >= 0.94 per row), the
    errors printed (pytest -s)."""
    g, w = got.float().reshape(-1, dv), want.reshape(-1, dv)
    if not g.numel():
        return
    err = (g - w).abs().max().item()
    cos = F.cosine_similarity(g, w, dim=1, eps=1e-6)
    keep = w.abs().amax(dim=1) > 0
    cos = cos[keep].min().item() if keep.any() else 1.0
    print("\nfp8 %s: max abs error %.4g, min cosine %.6f" % (what, err, cos))
    assert err <= 1.0 and cos >= 0.94, "below aiter's fp8 floor: max abs %.4g, cosine %.4f " \
        "(seed %d)" % (err, cos, seed)


def run_fp8_mha(s, b, sq, sk, gran, seed, gain=1.0, native=False):
    """fp8 q, k, v (codes of normal(0, 1) values, q times gain) with descales of one
    granularity, against f32 math (reference()) on the dequantized tensors. sm_90a
    dequantizes exactly and computes in out's 16-bit type as without fp8, so the 16-bit
    tolerance holds (atol = rtol = 1e-2), and aiter's fp8 floor is asserted as well."""
    dt = DTYPES[s["dtype"]]
    hq, hkv, d = s["num_heads_q"], s["num_heads_kv"], s["head_dim"]
    dv = s["head_dim_v"] or d
    qc = to_e4m3fn(torch.randn(b, hq, sq, d, device=DEVICE) * gain)
    kc = to_e4m3fn(torch.randn(b, hkv, sk, d, device=DEVICE))
    vc = to_e4m3fn(torch.randn(b, hkv, sk, dv, device=DEVICE))
    (qd, kd, vd), full = fp8_descales(gran, b, hkv)
    kw = _call_kwargs(s, hq)
    out = poisoned((b, hq, sq, dv), dt)
    fmt = dict(fp8_dtype="e4m3fn")
    args = (qc, kc, vc)
    if native:
        args, fmt = tuple(x.view(torch.float8_e4m3fn) for x in args), {}
    poison_next_alloc((b, hq, sq))
    res = at.attention(*args, out=out, q_descale=qd, k_descale=kd, v_descale=vd, **fmt, **kw)
    got, lse = _unpack(res, s)
    _sync()
    assert got.data_ptr() == out.data_ptr(), "attention(out=...) must return out itself"
    deq = [_fp8_dequant(c, f, hq) for c, f in ((qc, full[0]), (kc, full[1]), (vc, full[2]))]
    ref, ref_lse = reference(*deq, **_ref_kwargs(s, kw))
    empty = torch.isinf(ref_lse)
    _fp8_floor("%s %s b%d q%d k%d" % (gv.spec_id(s), gran, b, sq, sk), got[~empty],
               ref[~empty], dv, seed)
    check("out", got, ref, MHA_TOL, seed, empty_rows=empty[..., None])
    if lse is not None:
        check("lse", lse, ref_lse, MHA_TOL, seed, empty_rows=empty)


def _fp8_mha_params():
    for i, (s, shapes) in enumerate(gv.FP8_MHA_CASES):
        for n, shape in enumerate(shapes):  # every granularity on every kernel
            gran = FP8_GRANULARITIES[(n + i) % len(FP8_GRANULARITIES)]
            yield pytest.param(s, shape, gran,
                               id="%s-b%d-q%d-k%d-%s" % ((gv.spec_id(s),) + tuple(shape) + (gran,)))


@pytest.mark.parametrize("s,shape,gran", list(_fp8_mha_params()))
def test_fp8_mha(s, shape, gran, seed):
    if _too_big(shape):
        skip_expected("ATTNC_TEST_QUICK leaves out the largest shapes")
    run_fp8_mha(s, *shape, gran, seed, gain=3.0 if s["softcap"] else 1.0)


@pytest.mark.parametrize("gran", FP8_GRANULARITIES)
def test_fp8_mha_granularities(gran, seed):
    """Every descale granularity on one kernel (the first case, a mid-size shape)."""
    s, shapes = gv.FP8_MHA_CASES[0]
    run_fp8_mha(s, *shapes[1], gran, seed)


def test_fp8_mha_native_float8(seed):
    """torch.float8_e4m3fn q, k, v (torch 2.x) take the same kernels as uint8 storage."""
    if not hasattr(torch, "float8_e4m3fn"):
        skip_expected("torch %s has no float8_e4m3fn" % torch.__version__)
    s, shapes = gv.FP8_MHA_CASES[0]
    run_fp8_mha(s, *shapes[0], "bh", seed, native=True)


def run_fp8_mha_varlen(s, q_lens, k_lens, pad, gran, seed):
    """attention_varlen with fp8 q, k, v and descales per (sequence, KV head) or coarser,
    against reference() per sequence on the dequantized tensors (as run_fp8_mha)."""
    dt = DTYPES[s["dtype"]]
    hq, hkv, d = s["num_heads_q"], s["num_heads_kv"], s["head_dim"]
    dv = s["head_dim_v"] or d
    k_lens = list(q_lens if k_lens is None else k_lens)
    cu_q, cu_k = [0], [0]
    for a, c in zip(q_lens, k_lens):
        cu_q.append(cu_q[-1] + a)
        cu_k.append(cu_k[-1] + c)
    tq, tk, nseq = cu_q[-1] + pad, cu_k[-1], len(q_lens)
    qc = to_e4m3fn(torch.randn(tq, hq, d, device=DEVICE))
    kc = to_e4m3fn(torch.randn(tk, hkv, d, device=DEVICE))
    vc = to_e4m3fn(torch.randn(tk, hkv, dv, device=DEVICE))
    (qd, kd, vd), full = fp8_descales(gran, nseq, hkv)
    cu_q_t = torch.tensor(cu_q, dtype=torch.int32, device=DEVICE)
    cu_k_t = torch.tensor(cu_k, dtype=torch.int32, device=DEVICE)
    out = poisoned((tq, hq, dv), dt)
    kw = _call_kwargs(s, hq)
    poison_next_alloc((hq, tq))
    res = at.attention_varlen(qc, kc, vc, cu_q_t, cu_k_t, max(q_lens), max(k_lens), out=out,
                              q_descale=qd, k_descale=kd, v_descale=vd, fp8_dtype="e4m3fn",
                              **kw)
    got, lse = _unpack(res, s)
    _sync()
    assert got.data_ptr() == out.data_ptr(), "attention_varlen(out=...) must return out itself"
    ref = torch.zeros(tq, hq, dv, dtype=torch.float32, device=DEVICE)
    ref_lse = _no_key_lse(tq, hq, kw)
    for i in range(nseq):
        q0, q1, k0, k1 = cu_q[i], cu_q[i + 1], cu_k[i], cu_k[i + 1]
        if q1 == q0:
            continue
        deq = [_fp8_dequant(c[a:e].transpose(0, 1)[None], f[i:i + 1], hq)
               for c, f, a, e in ((qc, full[0], q0, q1), (kc, full[1], k0, k1),
                                  (vc, full[2], k0, k1))]
        o, l = reference(*deq, **_ref_kwargs(s, kw))
        ref[q0:q1] = o[0].transpose(0, 1)
        ref_lse[:, q0:q1] = l[0]
    empty = torch.isinf(ref_lse)
    seen = ~empty.t()
    _fp8_floor("%s %s varlen %s" % (gv.spec_id(s), gran, q_lens), got[seen], ref[seen], dv, seed)
    check("out", got, ref, VARLEN_TOL, seed, empty_rows=empty.t()[..., None])
    if lse is not None:
        check("lse", lse, ref_lse, VARLEN_TOL, seed, empty_rows=empty)


def _fp8_mha_varlen_params():
    for i, (s, shapes) in enumerate(gv.FP8_MHA_VARLEN_CASES):
        for n, (q_lens, k_lens, pad) in enumerate(shapes):
            gran = FP8_GRANULARITIES[(n + i) % len(FP8_GRANULARITIES)]
            yield pytest.param(s, q_lens, k_lens, pad, gran,
                               id="%s-%d-%s" % (gv.spec_id(s), n, gran))


@pytest.mark.parametrize("s,q_lens,k_lens,pad,gran", list(_fp8_mha_varlen_params()))
def test_fp8_mha_varlen(s, q_lens, k_lens, pad, gran, seed):
    if QUICK and max(q_lens + (k_lens or [])) > 2048:
        skip_expected("ATTNC_TEST_QUICK leaves out the largest shapes")
    run_fp8_mha_varlen(s, q_lens, k_lens, pad, gran, seed)


@pytest.mark.parametrize("mode", ["decode", "prefill"])
@pytest.mark.parametrize("num_splits", [1, 3, 64, 256])
@pytest.mark.parametrize("shape", [gv.PAGED_MIXED, gv.PAGED_LONG], ids=["mixed", "long"])
def test_paged_splits(shape, num_splits, mode, seed):
    """One KV split (the whole sequence in one program), a few, many (empty splits for
    the short sequences), on a mixed batch and on 64k keys."""
    if QUICK and max(shape[1]) > 4097:
        skip_expected("ATTNC_TEST_QUICK leaves out the largest shapes")
    s = gv.paged_spec(mode=mode)
    run_paged(s, *shape, seed, num_splits=num_splits)


def test_paged_repeatable(seed):
    """The same inputs give bitwise the same output twice (split kernel + merge)."""
    s = gv.paged_spec()
    q, k_cache, v_cache, tables, sl, qsl = paged_inputs(s, *gv.PAGED_DECODE, 1.0)
    first, lse = at.paged_attention(q, k_cache, v_cache, tables, sl, qsl, causal=True,
                                    return_lse=True, max_query_len=1)
    again, lse2 = at.paged_attention(q, k_cache, v_cache, tables, sl, qsl, causal=True,
                                     return_lse=True, max_query_len=1)
    _sync()
    assert torch.equal(first, again) and torch.equal(lse, lse2), \
        "two runs on the same inputs differ (seed %d)" % seed


def test_threads_on_streams(seed):
    """Concurrency (issue 19): 4 threads, each on its own CUDA stream, call attention with
    two different specs and paged_attention (the split kernels, whose workspace is kept per
    stream) 6 times each at once, into their own poisoned outputs; every result must match
    the reference of its inputs (a workspace or launch plan shared across streams would mix
    them). On the CPU (ATTNC_TEST_DEVICE=cpu) the threads share the default device."""
    import contextlib
    import threading
    dense = [(gv.BASE["bf16", 128, True], (2, 300, 300)),
             (gv.BASE["bf16", 64, False], (1, 200, 257))]
    jobs = []
    for s, (b, sq, sk) in dense:
        _, (q, k, v, _), (qb, kb, vb, _) = make_inputs(s, b, sq, sk, "bhsd", 1.0)
        kw = _call_kwargs(s, s["num_heads_q"])
        ref, _ = reference(qb, kb, vb, **_ref_kwargs(s, kw))
        jobs.append(("dense", s, (q, k, v), kw, ref))
    ps = gv.paged_spec()
    pin = paged_inputs(ps, *gv.PAGED_DECODE, 1.0)
    pkw = _call_kwargs(ps, ps["num_heads_q"])
    pref, _ = paged_reference(*pin, _ref_kwargs(ps, pkw))
    jobs.append(("paged", ps, pin, pkw, pref))
    threads, iters = 4, 6
    results = [[None] * (iters * len(jobs)) for _ in range(threads)]
    errors = []
    start = threading.Barrier(threads)

    def work(t):
        try:
            stream = torch.cuda.Stream() if DEVICE == "cuda" else None
            ctx = torch.cuda.stream(stream) if stream is not None else contextlib.nullcontext()
            with ctx:
                start.wait()
                for i in range(iters):
                    for j, (kind, s, ins, kw, ref) in enumerate(jobs):
                        out = torch.full_like(ref, float("nan"), dtype=ins[0].dtype)
                        if kind == "dense":  # kw as the bundled variant (its return_lse)
                            at.attention(*ins, out=out, **kw)
                        else:
                            at.paged_attention(*ins, out=out, max_query_len=1, **kw)
                        results[t][i * len(jobs) + j] = out
            if stream is not None:
                stream.synchronize()
        except Exception as e:  # reported below, with the thread
            errors.append("thread %d: %r" % (t, e))

    ts = [threading.Thread(target=work, args=(t,)) for t in range(threads)]
    for x in ts:
        x.start()
    for x in ts:
        x.join()
    _sync()
    assert not errors, errors
    for t in range(threads):
        for i in range(iters):
            for j, (kind, s, ins, kw, ref) in enumerate(jobs):
                got = results[t][i * len(jobs) + j]
                check("%s spec %d, thread %d, call %d" % (kind, j, t, i), got, ref,
                      VARLEN_TOL if kind == "paged" else MHA_TOL, seed)


@pytest.mark.parametrize("mode", ["decode", "prefill"])
def test_paged_no_sequences(mode, seed):
    """B = 0 (issue 19): block_tables (0, 3), seq_lens (0,), query_start_loc [0] and 6
    query tokens, all past query_start_loc[B]: out = 0 and lse = -inf for every token.
    torch's pointers for the empty seq_lens and block_tables are null, so a split kernel
    that read seq_lens[0] (the CPU's SIGSEGV) faults here; the grids are not empty (Tq
    decode programs, Tq / BLOCK_M + B prefill ones) and both kernels must write all 6
    tokens. Three calls: the checked path, the call that makes a launch plan (null data
    pointers in it) and the plan's launch."""
    s = gv.paged_spec(mode=mode)  # a bundled variant (gv.PAGED_CASES)
    dt = DTYPES[s["dtype"]]
    hq, hkv, d, bs = s["num_heads_q"], s["num_heads_kv"], s["head_dim"], s["block_size"]
    tq = 6
    q = torch.randn(tq, hq, d, device=DEVICE).to(dt)
    k_cache = torch.randn(3, bs, hkv, d, device=DEVICE).to(dt)
    v_cache = torch.randn(3, bs, hkv, d, device=DEVICE).to(dt)
    tables = torch.zeros(0, 3, dtype=torch.int32, device=DEVICE)
    sl = torch.zeros(0, dtype=torch.int32, device=DEVICE)
    qsl = torch.zeros(1, dtype=torch.int32, device=DEVICE)
    for call in range(3):
        out = poisoned((tq, hq, d), dt)
        poison_next_alloc((hq, tq))
        got, lse = at.paged_attention(q, k_cache, v_cache, tables, sl, qsl, causal=True,
                                      return_lse=True, out=out,
                                      max_query_len=1 if mode == "decode" else tq)
        _sync()
        assert got.data_ptr() == out.data_ptr()
        assert torch.equal(got, torch.zeros_like(got)), \
            "call %d: out must be 0 for tokens past query_start_loc[B] (seed %d)" % (call, seed)
        assert tuple(lse.shape) == (hq, tq) and torch.isneginf(lse).all(), \
            "call %d: lse must be -inf for tokens past query_start_loc[B] (seed %d)" % (call, seed)


def test_paged_misaligned_rows():
    """A cache whose rows start 8 bytes past 16-byte boundaries takes the kernel of 8-byte
    copies (row_align 4) and gives what the aligned cache gives (it used to be refused)."""
    s = gv.paged_spec()
    q, k_cache, v_cache, tables, sl, qsl = paged_inputs(s, [1], [16], 0, 1.0)
    k_cache = torch.nan_to_num(k_cache)
    wide = torch.full((*k_cache.shape[:3], 136), float("nan"), dtype=k_cache.dtype,
                      device=DEVICE)
    odd = wide[..., 4:132]
    odd.copy_(k_cache)
    kw = dict(causal=True, return_lse=True, max_query_len=1)
    want, want_lse = at.paged_attention(q, k_cache, v_cache, tables, sl, qsl, **kw)
    got, lse = at.paged_attention(q, odd, v_cache, tables, sl, qsl, **kw)
    _sync()
    assert torch.equal(got, want) and torch.equal(lse, want_lse), \
        "the 8-byte aligned cache gives other numbers"


@pytest.mark.parametrize("which", ["q", "out"])
def test_paged_fast_path_checks_alignment(which):
    """Once a signature has a launch plan, a call with the same shapes and strides but a
    q or out that does not start on a 16-byte boundary leaves the fast path (which
    re-checks the addresses of q, the caches and out against the kernel's row alignment)
    for the checked one, which runs the kernel of 2-byte rows: the same numbers."""
    s = gv.paged_spec()
    q, k_cache, v_cache, tables, sl, qsl = paged_inputs(s, [1], [16], 0, 1.0)
    out = torch.empty_like(q)
    for _ in range(3):  # the plan is made at the second call, launched at the third
        at.paged_attention(q, k_cache, v_cache, tables, sl, qsl, causal=True, out=out,
                           return_lse=True, max_query_len=1)
    buf = torch.empty(q.numel() + 1, device=DEVICE, dtype=q.dtype)
    shifted = buf[1:].view(q.shape)  # same shape and strides, address 2 bytes off
    if which == "q":
        shifted.copy_(q)
        args = (shifted, out)
    else:
        args = (q, shifted)
    want = out.clone()
    got, _ = at.paged_attention(args[0], k_cache, v_cache, tables, sl, qsl, causal=True,
                                out=args[1], return_lse=True, max_query_len=1)
    torch.cuda.synchronize()
    assert got.data_ptr() == args[1].data_ptr()
    assert torch.equal(got, want), "the misaligned call gives other numbers"


@pytest.mark.parametrize("kind", ["dense", "paged"])
def test_fast_path_plans_are_made(kind, monkeypatch):
    """From the second call of a signature on, calls launch its launch plan (one C call):
    a GPU plan that attnrt refuses is dropped silently and every call takes the checked
    path, which cost 80 us per call instead of ~10 (attnrtPlanAdd once checked the row
    alignment of its stand-in pointers, so no GPU plan was ever made)."""
    hits = []
    orig = at._run_fast

    def counted(*a, **kw):
        r = orig(*a, **kw)
        hits.append(r is not None)
        return r

    monkeypatch.setattr(at, "_run_fast", counted)
    if kind == "dense":
        s = gv.DENSE_CASES[0][0]
        _, (q, k, v, out), _ = make_inputs(s, 1, 100, 100, "bhsd", 1.0)
        kw = _call_kwargs(s, s["num_heads_q"])
        call = lambda: at.attention(q, k, v, out=out, **kw)  # noqa: E731
    else:
        s = gv.paged_spec()
        q, k_cache, v_cache, tables, sl, qsl = paged_inputs(s, [1], [16], 0, 1.0)
        out = torch.empty_like(q)
        call = lambda: at.paged_attention(  # noqa: E731
            q, k_cache, v_cache, tables, sl, qsl, causal=True, out=out, return_lse=True,
            max_query_len=1)
    for _ in range(5):
        call()
    _sync()
    assert len(hits) >= 3 and all(hits), \
        "calls 3 to 5 must take the fast path (launch plans), got %s" % hits


# --- attention sinks (issue 17) ------------------------------------------------------------------
# The sinks variants also run through test_dense / test_varlen / test_paged (gv.SINKS_SPECS and
# the sinks varlen and paged cases); these check what those cannot see.


def test_sinks_fully_masked_rows(seed):
    """Causal with Sq > Sk: the first Sq - Sk rows see no key and must give out = 0 exactly
    and lse = the head's sink (-inf for head 0, whose sink is -inf); the sinks must change
    every other row (a kernel that ignored them fails)."""
    s = gv.SINKS_SPECS[1]
    hq = s["num_heads_q"]
    _, (q, k, v, out), _ = make_inputs(s, 2, 1000, 100, "bhsd", 1.0)
    sinks = make_sinks(hq)
    poison_next_alloc((2, hq, 1000))
    got, lse = at.attention(q, k, v, causal=True, return_lse=True, out=out, sinks=sinks)
    _sync()
    assert torch.equal(got[:, :, :900], torch.zeros_like(got[:, :, :900])), \
        "rows that see no key must be 0 (seed %d)" % seed
    want = sinks.float().view(1, hq, 1).expand(2, hq, 900)
    check("lse of rows that see no key", lse[:, :, :900], want.contiguous(), 1e-5, seed)
    ref, ref_lse = reference(q, k, v, causal=True, sinks=sinks)
    check("out", got, ref, MHA_TOL, seed)
    check("lse", lse, ref_lse, MHA_TOL, seed)
    plain = at.attention(q, k, v, causal=True)
    _sync()
    assert not torch.allclose(got[:, 1:, 900:].float(), plain[:, 1:, 900:].float(), atol=1e-2), \
        "the sinks changed nothing (seed %d)" % seed


@pytest.mark.parametrize("mode", ["decode", "prefill"])
@pytest.mark.parametrize("num_splits", [1, 3, 64, 256])
def test_sinks_paged_splits(num_splits, mode, seed):
    """The merge kernel adds the sinks once however many KV splits there are (empty splits
    for the short sequences included)."""
    s = gv.paged_spec(head_dim=64, num_heads_q=64, num_heads_kv=8, mode=mode, sinks=True)
    run_paged(s, *gv.PAGED_MIXED, seed, num_splits=num_splits)


# --- dropout (issue 14, docs/backward.md "Dropout") --------------------------------------------
# The forward and the backward with dropout_p > 0 against a float32 reference that applies
# the same keep mask, computed by philox_ref.py (numpy Philox4x32-10, independent of the
# kernels' generator) from the rng_state the forward used (kept on out.grad_fn). Gradient
# tolerance as test_backward_cuda.py's (aiter's): max(10 * |torch in the dtype - ref|, 0.01).

from philox_ref import keep_factor  # noqa: E402


def _dropout_reference(q, k, v, z, causal):
    """out = (P * Z) V from BHSD q, k, v (any float dtype; computed in their dtype's
    float32 or the dtype itself), z (B*Hq, Sq, Sk) float64 numpy."""
    b, hq, sq, d = q.shape
    hkv, sk = k.shape[1], k.shape[2]
    kk = k.repeat_interleave(hq // hkv, dim=1)
    vv = v.repeat_interleave(hq // hkv, dim=1)
    s = torch.matmul(q, kk.transpose(-1, -2)) * (1.0 / math.sqrt(d))
    if causal:
        i = torch.arange(sq, device=q.device)[:, None] + (sk - sq)
        j = torch.arange(sk, device=q.device)[None, :]
        s = s.masked_fill(j > i, float("-inf"))
    m = torch.logsumexp(s.float(), dim=-1)
    p = torch.exp(s.float() - torch.where(torch.isinf(m), torch.zeros_like(m), m)[..., None])
    zt = torch.from_numpy(z).to(device=q.device, dtype=torch.float32).view(b, hq, sq, sk)
    return torch.matmul((p * zt).to(q.dtype), vv), m


def _dropout_params():
    for s, shapes in gv.DROPOUT_CASES:
        for shape in shapes:
            yield pytest.param(s, shape, id="%s-b%d-q%d-k%d" % ((gv.spec_id(s),) + tuple(shape)))


@pytest.mark.parametrize("s,shape", list(_dropout_params()))
def test_dropout(s, shape, seed):
    b, sq, sk = shape
    hq, hkv, d, p = s["num_heads_q"], s["num_heads_kv"], s["head_dim"], s["dropout_p"]
    dt = DTYPES[s["dtype"]]
    q = torch.randn(b, hq, sq, d, device=DEVICE, dtype=dt)
    k = torch.randn(b, hkv, sk, d, device=DEVICE, dtype=dt)
    v = torch.randn(b, hkv, sk, d, device=DEVICE, dtype=dt)
    dout = torch.randn(b, hq, sq, d, device=DEVICE, dtype=dt)
    leaves = [t.clone().requires_grad_(True) for t in (q, k, v)]
    out, lse = at.attention(*leaves, causal=s["causal"], dropout_p=p, return_lse=True)
    rng = out.grad_fn.rng_state
    assert rng.device == q.device and rng.dtype == torch.int64
    out.backward(dout)
    _sync()
    seed_, offset = (int(x) for x in rng.cpu().tolist())
    z = keep_factor(p, seed_, offset, list(range(b * hq)), sq, sk)

    def ref(dtype):
        ls = [t.detach().to(dtype).requires_grad_(True) for t in (q, k, v)]
        o, m = _dropout_reference(*ls, z, s["causal"])
        o.backward(dout.to(dtype))
        return o.detach(), m.detach(), [t.grad for t in ls]

    out_ref, lse_ref, refs = ref(torch.float32)
    # torch in the inputs' dtype (the CPU dry run's torch has no f16 matmul: f32 there,
    # which leaves the 0.01 floor)
    _, _, pts = ref(dt if DEVICE == "cuda" or dt == torch.bfloat16 else torch.float32)
    check("out", out, out_ref, MHA_TOL, seed)
    check("lse", lse, lse_ref, MHA_TOL, seed)
    where = "(seed %d; replay with ATTNC_TEST_SEED=%d)" % (seed, seed)
    for name, got, r, pt in zip(("dq", "dk", "dv"), [t.grad for t in leaves], refs, pts):
        assert not torch.isnan(got).any(), "%s has NaN %s" % (name, where)
        err = (got.float() - r).abs().max().item() if got.numel() else 0.0
        tol = max(10 * ((pt.float() - r).abs().max().item() if got.numel() else 0.0), 0.01)
        assert err <= tol, "%s: max |attnc - ref| = %.4g > %.4g %s" % (name, err, tol, where)
    # Same generator state, same bits; the mask matters. (return_lse: the bundled variant,
    # gpu_variants.DROPOUT_CASES, is the one with lse.)
    torch.manual_seed(seed)
    a = at.attention(q, k, v, causal=s["causal"], dropout_p=p, return_lse=True)[0]
    torch.manual_seed(seed)
    b2 = at.attention(q, k, v, causal=s["causal"], dropout_p=p, return_lse=True)[0]
    _sync()
    assert torch.equal(a, b2), "same torch.manual_seed, different results %s" % where
