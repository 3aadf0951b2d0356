"""attnc.torch.mla_decode (attn.mla: DeepSeek MLA decode over a paged latent cache,
docs/mla.md) on CPU tensors against an independent float64 reference.

Run by the lit suite (test/Python/mla.test) with the build's libraries:

    PYTHONPATH=python ATTNC_LIB_DIR=build/lib:build/runtime ATTNC_CACHE_DIR=$(mktemp -d) \\
        python3 -m pytest -q python/tests/test_mla.py

The reference gathers each sequence's rows through its block table twice, once from
the whole cache (K: D = kv_lora_rank + rope values) and once from its first
kv_lora_rank columns (V), and runs a plain masked softmax per query head in float64:
logits = scale * q.k (scale = 1/sqrt(D) unless given), softcap c * tanh(logits / c);
query token t of n sits at position seq_len - n + t and sees key j <= that position
when causal; a row that sees no key gives out = 0 and lse = -inf; tokens past
query_start_loc[B] too.

Inputs: shuffled blocks, a prefix block shared between sequences, NaN in every cache
slot no sequence reads (unused blocks and the tails of last blocks), garbage table
entries past a sequence's blocks, out= poisoned with NaN; fresh random inputs per run
(the seed is printed and named in failures; ATTNC_TEST_SEED=N replays one). Tolerances
as test_cpu.py's: f32 atol = rtol = 1e-4, f16/bf16 1e-2.
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
        assert not wrong.any(), "%s: rows that see no key must be exact, first wrong at %s %s" % (
            what, wrong.nonzero()[0].tolist(), where)
    inf_ok = torch.isinf(want) & (got == want)
    err = torch.where(inf_ok, torch.zeros_like(got), (got - want).abs())
    bad = ((torch.isinf(got) | torch.isinf(want)) & ~inf_ok) | (err > tol + tol * want.abs())
    if bad.any():
        idx = bad.nonzero()[0].tolist()
        raise AssertionError("%s: %d of %d elements off (atol = rtol = %g), max err %.3g; first "
                             "at %s: got %r, want %r %s"
                             % (what, int(bad.sum()), got.numel(), tol,
                                err[~torch.isinf(want)].max().item(), idx,
                                got[tuple(idx)].item(), want[tuple(idx)].item(), where))


def latent_cache(seq_lens, bs, dt, d, share=True, spare=3, row_pad=0):
    """A paged latent cache (NB, BS, D) for sequences of seq_lens tokens: blocks drawn
    from a random permutation (non-contiguous, out of order); with `share`, a later
    sequence reuses sequence 0's first whole blocks (a shared prefix: the same rows).
    Every slot no sequence reads holds NaN; table entries past a sequence's blocks hold
    out-of-range ids. row_pad > 0: the cache is a view of wider rows (a row stride of
    D + row_pad). Returns kv_cache, block_tables."""
    B = len(seq_lens)
    need = [-(-n // bs) for n in seq_lens]
    shared = [0] * B
    if share and B > 1 and need[0] > 0:
        for b in range(1, B):
            if need[b] >= 2 and seq_lens[b] >= bs:
                shared[b] = min(need[0] - (1 if seq_lens[0] % bs else 0), need[b] - 1)
                if shared[b] > 0:
                    break
    nb = sum(n - s for n, s in zip(need, shared)) + spare
    perm = torch.randperm(nb).tolist()
    max_blocks = max(need + [0]) + 2
    tables = torch.empty(B, max_blocks, dtype=torch.int32)
    tables[:, 0::2] = -5
    tables[:, 1::2] = nb + 1000
    storage = torch.full((nb, bs, d + row_pad), float("nan"), dtype=dt)
    kv = storage[..., :d]
    for b in range(B):
        ids = tables[0, :shared[b]].tolist() if shared[b] else []
        while len(ids) < need[b]:
            ids.append(perm.pop())
        if need[b]:
            tables[b, :need[b]] = torch.tensor(ids, dtype=torch.int32)
        for j, blk in enumerate(ids):
            if j < shared[b]:
                continue  # sequence 0's rows, already there
            rows = min(seq_lens[b], (j + 1) * bs) - j * bs
            kv[blk, :rows] = torch.randn(rows, d).to(dt)
    return kv, tables


def gather(cache, table, n):
    """The first n rows of one sequence, read through its block table row."""
    bs = cache.shape[1]
    ids = table[: -(-n // bs)].long()
    return cache[ids].reshape(-1, cache.shape[2])[:n]


def mla_reference(q, kv_cache, tables, seq_lens, qsl, rank, causal, scale=None, softcap=0.0):
    """out (Tq, H, rank) and lse (H, Tq) in float64; K and V gathered separately (K the
    whole rows, V the first `rank` columns of the cache)."""
    tq, h, d = q.shape
    out = torch.zeros(tq, h, rank, dtype=torch.float64)
    lse = torch.full((h, tq), float("-inf"), dtype=torch.float64)
    scale = 1.0 / math.sqrt(d) if scale is None else scale
    v_cache = kv_cache[..., :rank]
    for b in range(len(seq_lens)):
        q0, q1, n = int(qsl[b]), int(qsl[b + 1]), int(seq_lens[b])
        if q1 == q0 or n == 0:
            continue
        k = gather(kv_cache, tables[b], n).double()
        v = gather(v_cache, tables[b], n).double()
        assert not torch.isnan(k).any() and not torch.isnan(v).any()
        s = torch.einsum("thd,nd->thn", q[q0:q1].double(), k) * scale
        if softcap > 0:
            s = softcap * torch.tanh(s / softcap)
        if causal:
            pos = n - (q1 - q0) + torch.arange(q1 - q0)
            s = s.masked_fill(torch.arange(n)[None, None, :] > pos[:, None, None], float("-inf"))
        m = torch.logsumexp(s, dim=-1)
        p = torch.exp(s - torch.where(torch.isinf(m), torch.zeros_like(m), m)[..., None])
        out[q0:q1] = torch.einsum("thn,nr->thr", p, v)
        lse[:, q0:q1] = m.t()
    return out, lse


def run_mla(dtype, h, rank, rope, bs, q_lens, seq_lens, seed, pad=2, causal=True, scale=None,
            softcap=0.0, lse=True, num_splits=None, use_out=True, row_pad=0, q_view=False):
    dt = DTYPES[dtype]
    d = rank + rope
    kv, tables = latent_cache(seq_lens, bs, dt, d, row_pad=row_pad)
    qsl = torch.tensor([0] + [sum(q_lens[:i + 1]) for i in range(len(q_lens))],
                       dtype=torch.int32)
    sl = torch.tensor(seq_lens, dtype=torch.int32)
    tq = int(qsl[-1]) + pad
    if q_view:  # (Tq, H, D) as a view of (H, Tq, D): strided tokens and heads
        q = torch.randn(h, tq, d).to(dt).transpose(0, 1)
    else:
        q = torch.randn(tq, h, d).to(dt)
    out = torch.full((tq, h, rank), float("nan"), dtype=dt) if use_out else None
    res = at.mla_decode(q, kv, tables, sl, qsl, kv_lora_rank=rank, scale=scale, causal=causal,
                        softcap=softcap, return_lse=lse, out=out, num_splits=num_splits)
    got, got_lse = res if lse else (res, None)
    if use_out:
        assert got is out
    assert got.dtype == dt and tuple(got.shape) == (tq, h, rank)
    ref, ref_lse = mla_reference(q, kv, tables, sl, qsl, rank, causal, scale, softcap)
    empty = torch.isinf(ref_lse)
    tol = TOL[dtype]
    check("out", got, ref, tol, seed, empty.t()[..., None])
    if got_lse is not None:
        assert got_lse.dtype == torch.float32 and tuple(got_lse.shape) == (h, tq)
        check("lse", got_lse, ref_lse, tol, seed, empty)
    return got, got_lse


# Batches: (q_lens, seq_lens). Query runs of 1, 2 and 4 tokens (causal: speculative /
# MTP decoding), an empty sequence (0 keys), one of a single key, lengths that are not
# multiples of the block sizes (1, 16, 64) or of the CPU's KV tiles (32 / 64 keys).
BATCH = ([1, 0, 2, 4, 1, 4], [1, 0, 37, 100, 70, 133])
SHORT = ([1, 0, 2, 4, 1], [1, 0, 19, 45, 33])  # H = 128 x 576: short sequences
RANKS = [(512, 64), (256, 32)]
HEADS = [16, 32, 64, 128]
BLOCKS = [1, 16, 64]


def sweep():
    for hi, h in enumerate(HEADS):
        for ri, (rank, rope) in enumerate(RANKS):
            for bi, bs in enumerate(BLOCKS):
                dtype = ("bf16", "f16")[(hi + ri + bi) % 2]  # both dtypes at every H, rank, BS
                lens = SHORT if h * (rank + rope) >= 64 * 576 else BATCH
                yield pytest.param(dtype, h, rank, rope, bs, lens,
                                   id="%s-h%d-%d+%d-bs%d" % (dtype, h, rank, rope, bs))


@pytest.mark.parametrize("dtype,h,rank,rope,bs,lens", list(sweep()))
def test_mla(dtype, h, rank, rope, bs, lens, seed):
    run_mla(dtype, h, rank, rope, bs, *lens, seed)


@pytest.mark.parametrize("dtype", ["bf16", "f16"])
def test_mla_deepseek_scale_softcap(dtype, seed):
    """DeepSeek's softmax scale 1/sqrt(192) (not 1/sqrt(D)), a softcap, non-causal
    (every query token sees all keys of its sequence), no lse, no out=."""
    run_mla(dtype, 16, 512, 64, 16, *BATCH, seed, causal=False, scale=1.0 / math.sqrt(192),
            softcap=30.0, lse=False, use_out=False)


@pytest.mark.parametrize("num_splits", [1, 3, 300])
def test_mla_splits(num_splits, seed):
    """Any number of KV splits gives the same result: one, a few, more than the longest
    sequence has tiles (empty splits)."""
    run_mla("bf16", 32, 256, 32, 16, *BATCH, seed, num_splits=num_splits)


@pytest.mark.parametrize("dtype", ["f32", "bf16"])
def test_mla_odd_shapes(dtype, seed):
    """20 heads (the second 16-row head tile partial), kv_lora_rank 100 + rope 27 (no
    power of two anywhere), blocks of 5, and a single head."""
    run_mla(dtype, 20, 100, 27, 5, *BATCH, seed)
    run_mla(dtype, 1, 100, 27, 5, *SHORT, seed)


def test_mla_f32_strided(seed):
    """f32; the cache a view of wider rows (row stride D + 64), q a transposed view."""
    run_mla("f32", 16, 64, 16, 5, *BATCH, seed, row_pad=64, q_view=True)


def test_mla_repeated_calls(seed):
    """The same call signature again (the launch plan's fast path) on fresh data gives
    fresh results."""
    for _ in range(3):
        run_mla("bf16", 16, 256, 32, 16, *SHORT, seed)


def test_mla_op_plumbing(seed):
    """torch.ops.attnc.mla_decode's implementation and fake (attnc.ops._define, tested on
    any torch): (out, lse) always, lse empty without return_lse; the fake's shapes and
    dtypes are the implementation's."""
    from attnc import ops
    impl, fake = ops._define(torch)["mla_decode"]
    kv, tables = latent_cache([5, 20], 16, torch.bfloat16, 288)
    q = torch.randn(3, 16, 288).to(torch.bfloat16)
    sl = torch.tensor([5, 20], dtype=torch.int32)
    qsl = torch.tensor([0, 1, 3], dtype=torch.int32)
    for lse in (False, True):
        got = impl(q, kv, tables, sl, qsl, 256, None, True, 0.0, lse, None)
        want = fake(q, kv, tables, sl, qsl, 256, None, True, 0.0, lse, None)
        for g, w in zip(got, want):
            assert g.shape == w.shape and g.dtype == w.dtype
        assert tuple(got[1].shape) == ((16, 3) if lse else (0,))
        ref, _ = mla_reference(q, kv, tables, sl, qsl, 256, True)
        check("out", got[0], ref, TOL["bf16"], seed)


def test_mla_no_tokens():
    q = torch.empty(0, 16, 288, dtype=torch.bfloat16)
    kv = torch.randn(4, 16, 288, dtype=torch.bfloat16)
    bt = torch.zeros(1, 2, dtype=torch.int32)
    out, lse = at.mla_decode(q, kv, bt, torch.zeros(1, dtype=torch.int32),
                             torch.zeros(2, dtype=torch.int32), kv_lora_rank=256,
                             return_lse=True)
    assert tuple(out.shape) == (0, 16, 256) and tuple(lse.shape) == (16, 0)


def test_mla_checks():
    fn = at.mla_decode
    q = torch.randn(2, 16, 288, dtype=torch.bfloat16)
    kv = torch.randn(4, 16, 288, dtype=torch.bfloat16)
    bt = torch.zeros(2, 2, dtype=torch.int32)
    sl = torch.ones(2, dtype=torch.int32)
    qsl = torch.tensor([0, 1, 2], dtype=torch.int32)
    with pytest.raises(ValueError, match="kv_lora_rank must be in \\[1, D = 288\\]"):
        fn(q, kv, bt, sl, qsl, kv_lora_rank=289)
    with pytest.raises(ValueError, match="kv_lora_rank must be in"):
        fn(q, kv, bt, sl, qsl, kv_lora_rank=0)
    with pytest.raises(ValueError, match="kv_lora_rank must be an integer"):
        fn(q, kv, bt, sl, qsl, kv_lora_rank=2.5)
    with pytest.raises(TypeError):
        fn(q, kv, bt, sl, qsl)  # kv_lora_rank is required
    with pytest.raises(ValueError, match="kv_cache must have 3 dimensions"):
        fn(q, kv[:, :, None], bt, sl, qsl, kv_lora_rank=256)
    with pytest.raises(ValueError, match="same head dim D"):
        fn(q, kv[..., :256], bt, sl, qsl, kv_lora_rank=256)
    with pytest.raises(ValueError, match="same dtype"):
        fn(q, kv.half(), bt, sl, qsl, kv_lora_rank=256)
    with pytest.raises(ValueError, match="disagree on B"):
        fn(q, kv, bt, sl, qsl[:2], kv_lora_rank=256)
    with pytest.raises(ValueError, match="block_tables must be int32"):
        fn(q, kv, bt.long(), sl, qsl, kv_lora_rank=256)
    with pytest.raises(ValueError, match="out must have shape \\(2, 16, 256\\)"):
        fn(q, kv, bt, sl, qsl, kv_lora_rank=256, out=torch.empty(2, 16, 288, dtype=q.dtype))
    with pytest.raises(ValueError, match="num_splits must be an integer >= 1"):
        fn(q, kv, bt, sl, qsl, kv_lora_rank=256, num_splits=0)
    with pytest.raises(ValueError, match="softcap must be >= 0"):
        fn(q, kv, bt, sl, qsl, kv_lora_rank=256, softcap=-1.0)
    with pytest.raises(ValueError, match="scale must be a positive finite number"):
        fn(q, kv, bt, sl, qsl, kv_lora_rank=256, scale=float("inf"))
    with pytest.raises(ValueError, match="last dimension of kv_cache must be contiguous"):
        fn(q, kv.transpose(1, 2).contiguous().transpose(1, 2), bt, sl, qsl, kv_lora_rank=256)


def test_mla_spec():
    spec = attnc.AttentionSpec(dtype="bf16", head_dim=576, head_dim_v=512, num_heads_q=128,
                               num_heads_kv=1, causal=True, paged=True, block_size=64,
                               mla=True)
    assert spec.key().startswith("mla-bf16-d576-h128x1-bs64-decode-causal-")
    ir = spec.ir()
    assert "attn.mla %q, %kv_cache, %block_tables, %seq_lens, %query_start_loc" in ir
    assert "kv_lora_rank = 512 : i64" in ir and "tensor<?x64x576xbf16>" in ir
    assert attnc.AttentionSpec.from_dict(spec.to_dict()) == spec
    # The paged spec of the same shapes is another variant (and key).
    paged = attnc.AttentionSpec(dtype="bf16", head_dim=576, head_dim_v=512, num_heads_q=128,
                                num_heads_kv=1, causal=True, paged=True, block_size=64)
    assert paged != spec and "mla" not in paged.to_dict()
    for bad in (dict(paged=False, block_size=None), dict(num_heads_kv=2),
                dict(paged_mode="prefill"), dict(window=(8, 0)), dict(sinks=True),
                dict(alibi=True)):
        kw = dict(dtype="bf16", head_dim=576, head_dim_v=512, num_heads_q=128, num_heads_kv=1,
                  paged=True, block_size=64, mla=True)
        kw.update(bad)
        with pytest.raises(ValueError):
            attnc.AttentionSpec(**kw)
