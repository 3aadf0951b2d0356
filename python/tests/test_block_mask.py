"""attnc.torch with block masks (block_mask=, docs/masks.md) on CPU tensors against a float64
torch reference that applies the dense visibility the BlockMask means.

Run by the lit suite (test/Python/block-mask.test):

    PYTHONPATH=python ATTNC_LIB_DIR=build/lib:build/runtime ATTNC_CACHE_DIR=$(mktemp -d) \\
        python3 -m pytest -q python/tests/test_block_mask.py

The three example masks (document-causal, prefix-LM, sliding chunks) through
create_block_mask, random lists with and without mask_mod, broadcast and per-(b, h) lists,
the call's causal / window masks on top, rows that see nothing (0 and -inf), varlen, and
the argument checks. Fresh inputs every run (ATTNC_TEST_SEED=N replays); out= is
poisoned with NaN.
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
from attnc import masks  # noqa: E402

DTYPES = {"f32": torch.float32, "bf16": torch.bfloat16, "f16": torch.float16}
TOL = {"f32": 1e-4, "bf16": 1e-2, "f16": 1e-2}

torch.set_num_threads(max(1, min(2, os.cpu_count() or 1)))


def reference(q, k, v, visible, causal=False, window=(-1, -1)):
    """float64 attention of (B, Hq, S, D) tensors with a (B, Hq, Sq, Sk) bool visibility
    (the block mask's), the bottom-right causal / window masks on top; rows that see
    nothing give 0 and -inf."""
    q, k, v = q.double(), k.double(), v.double()
    b, hq, sq, d = q.shape
    hkv, sk = k.shape[1], k.shape[2]
    k = k.repeat_interleave(hq // hkv, 1)
    v = v.repeat_interleave(hq // hkv, 1)
    s = q @ k.transpose(-1, -2) / math.sqrt(d)
    i = torch.arange(sq).view(-1, 1) + (sk - sq)
    j = torch.arange(sk).view(1, -1)
    vis = visible.expand(b, hq, sq, sk).clone()
    if causal:
        vis &= j <= i
    if window[0] >= 0:
        vis &= j >= i - window[0]
    if window[1] >= 0:
        vis &= j <= i + window[1]
    s = s.masked_fill(~vis, -math.inf)
    lse = torch.logsumexp(s, -1)
    p = torch.where(vis, torch.exp(s - torch.where(torch.isinf(lse), 0.0, lse).unsqueeze(-1)),
                    torch.zeros((), dtype=torch.float64))
    return p @ v.double(), lse


def check(got, want, dtype, what):
    tol = TOL[dtype]
    got, want = got.double(), want.double()
    same_inf = torch.isinf(want) & (got == want)
    err = torch.where(same_inf, torch.zeros_like(got), (got - want).abs())
    bad = ~(err <= tol + tol * want.abs().nan_to_num(posinf=0.0, neginf=0.0))
    assert not bad.any(), "%s: %d elements off, max error %g" % (what, int(bad.sum()),
                                                                 float(err.nan_to_num(1e30).max()))


def qkv(b, hq, hkv, sq, sk, d, dtype):
    t = DTYPES[dtype]
    return (torch.randn(b, hq, sq, d).to(t), torch.randn(b, hkv, sk, d).to(t),
            torch.randn(b, hkv, sk, d).to(t))


def run(q, k, v, bm, dtype, **kw):
    b, hq, sq, _ = q.shape
    out = torch.full((b, hq, sq, v.shape[3]), math.nan, dtype=q.dtype)
    o, lse = at.attention(q, k, v, block_mask=bm, return_lse=True, out=out, **kw)
    assert o is out
    want_o, want_lse = reference(q, k, v, bm.to_dense(b, hq, sq, k.shape[2]),
                                 kw.get("causal", False), kw.get("window", (-1, -1)))
    check(o, want_o, dtype, "out")
    check(lse, want_lse, dtype, "lse")
    return lse


EXAMPLES = {
    "document_causal": lambda: masks.document_causal([37, 61, 70]),
    "prefix_lm": lambda: masks.prefix_lm(25),
    "sliding_chunks": lambda: masks.sliding_chunks(24),
}


@pytest.mark.parametrize("name", sorted(EXAMPLES))
@pytest.mark.parametrize("dtype", ["f32", "bf16"])
def test_example_masks(seed, name, dtype):
    mm = EXAMPLES[name]()
    q, k, v = qkv(2, 4, 2, 150, 150, 32, dtype)
    bm = masks.create_block_mask(mm, None, None, 150, 150, BLOCK_SIZE=(32, 16))
    # the block mask alone means mask_mod's dense mask: create_block_mask lost nothing
    i = torch.arange(150)
    dense = mm.fn(torch.zeros(()), torch.zeros(()), i.view(-1, 1), i.view(1, -1))
    assert torch.equal(bm.to_dense(1, 1, 150, 150)[0, 0], dense)
    assert int(bm.full_kv_num_blocks.sum()) > 0 and int(bm.kv_num_blocks.sum()) > 0
    run(q, k, v, bm, dtype)


def random_lists(nb, nh, nqb, nkb, full):
    """Random valid lists: each key block skipped, partial or full (full listed as partial
    without full lists), shuffled, garbage past the counts."""
    state = torch.randint(0, 3, (nb, nh, nqb, nkb))
    if not full:
        state = torch.where(state == 2, torch.ones_like(state), state)

    def lists(which):
        sel = state == which
        count = sel.sum(-1).to(torch.int32)
        key = torch.where(sel, torch.rand(sel.shape), torch.full(sel.shape, 2.0))
        idx = key.argsort(-1).to(torch.int32)
        garbage = torch.arange(nkb).expand_as(idx) >= count.unsqueeze(-1)
        return count, torch.where(garbage, torch.full_like(idx, -77), idx)
    n, i = lists(1)
    fn, fi = lists(2) if full else (None, None)
    return n, i, fn, fi


@pytest.mark.parametrize("dtype", ["f32", "f16"])
@pytest.mark.parametrize("broadcast", [False, True])
def test_random_lists(seed, dtype, broadcast):
    b, hq, hkv, sq, sk = 2, 4, 2, 70, 90
    q, k, v = qkv(b, hq, hkv, sq, sk, 16, dtype)
    nb, nh = (1, 1) if broadcast else (b, hq)
    n, i, fn, fi = random_lists(nb, nh, 3, 6, True)
    bm = attnc.BlockMask(n, i, fn, fi, BLOCK_SIZE=(32, 16), mask_mod=masks.causal())
    run(q, k, v, bm, dtype)


def test_no_mask_mod_with_causal_and_window(seed):
    """aiter's block-sparse LUT: lists only, on top of causal + a window; Sq > Sk leaves
    rows with nothing to see."""
    q, k, v = qkv(1, 2, 1, 80, 50, 16, "f32")
    n, i, _, _ = random_lists(1, 2, 3, 4, False)
    bm = attnc.BlockMask(n, i, BLOCK_SIZE=32 if False else (32, 16))
    lse = run(q, k, v, bm, "f32", causal=True, window=(20, -1))
    assert torch.isinf(lse).any()


def test_rows_that_see_nothing(seed):
    """A query block whose lists are empty: its rows give 0 and lse -inf."""
    q, k, v = qkv(1, 2, 2, 64, 64, 16, "f32")
    n = torch.tensor([[[0, 2], [2, 0]]], dtype=torch.int32)
    i = torch.tensor([[[[5, 5], [0, 1]], [[1, 0], [9, 9]]]], dtype=torch.int32)
    bm = attnc.BlockMask(n, i, BLOCK_SIZE=32)
    out = torch.full((1, 2, 64, 16), math.nan)
    o, lse = at.attention(q, k, v, block_mask=bm, return_lse=True, out=out)
    assert torch.all(o[0, 0, :32] == 0) and torch.all(torch.isneginf(lse[0, 0, :32]))
    assert torch.all(o[0, 1, 32:] == 0) and torch.all(torch.isneginf(lse[0, 1, 32:]))
    assert torch.isfinite(lse[0, 0, 32:]).all()


def test_varlen(seed):
    """Per sequence: query blocks and mask_mod indices local to each sequence; an empty
    sequence; lists of the longest sequence's blocks."""
    lens_q, lens_k = [40, 0, 70], [50, 10, 64]
    cu_q = torch.tensor([0] + list(torch.tensor(lens_q).cumsum(0)), dtype=torch.int32)
    cu_k = torch.tensor([0] + list(torch.tensor(lens_k).cumsum(0)), dtype=torch.int32)
    hq, hkv, d = 4, 2, 16
    q = torch.randn(int(cu_q[-1]), hq, d).to(torch.bfloat16)
    k = torch.randn(int(cu_k[-1]), hkv, d).to(torch.bfloat16)
    v = torch.randn(int(cu_k[-1]), hkv, d).to(torch.bfloat16)
    mm = masks.document_causal([20, 100])
    n, i, fn, fi = random_lists(3, 1, 3, 4, True)
    bm = attnc.BlockMask(n, i, fn, fi, BLOCK_SIZE=(32, 16), mask_mod=mm)
    out, lse = at.attention_varlen(q, k, v, cu_q, cu_k, block_mask=bm, return_lse=True)
    for s in range(3):
        q0, q1, k0, k1 = int(cu_q[s]), int(cu_q[s + 1]), int(cu_k[s]), int(cu_k[s + 1])
        if q1 == q0:
            continue
        sub = attnc.BlockMask(n[s:s + 1], i[s:s + 1], fn[s:s + 1], fi[s:s + 1], (32, 16), mm)
        vis = sub.to_dense(1, hq, q1 - q0, k1 - k0)
        wo, wl = reference(q[q0:q1].transpose(0, 1)[None], k[k0:k1].transpose(0, 1)[None],
                           v[k0:k1].transpose(0, 1)[None], vis)
        check(out[q0:q1].transpose(0, 1)[None], wo, "bf16", "out of sequence %d" % s)
        check(lse[:, q0:q1][None], wl, "bf16", "lse of sequence %d" % s)


def test_spec_ir():
    """The variant carries the block sizes, whether full lists are given and the region;
    the IR parses (the compiler verifies it when the kernel is built above)."""
    bm = attnc.BlockMask(torch.zeros(1, 1, 1, dtype=torch.int32),
                         torch.zeros(1, 1, 1, 1, dtype=torch.int32), BLOCK_SIZE=(64, 32),
                         mask_mod=masks.prefix_lm(4))
    spec = attnc.AttentionSpec("f32", 16, num_heads_q=2, block_mask=bm.spec_field())
    ir = spec.ir()
    assert "block_mask(%kv_num_blocks, %kv_indices) mask_mod {" in ir
    assert "q_block_size = 64 : i64" in ir and "kv_block_size = 32 : i64" in ir
    assert "full_blocks" not in ir
    assert spec.key() != attnc.AttentionSpec("f32", 16, num_heads_q=2).key()
    assert attnc.AttentionSpec.from_dict(spec.to_dict()) == spec


def test_errors():
    q, k, v = qkv(1, 2, 2, 64, 64, 16, "f32")
    n = torch.zeros(1, 1, 2, dtype=torch.int32)
    i = torch.zeros(1, 1, 2, 2, dtype=torch.int32)
    with pytest.raises(ValueError, match="int32"):
        at.attention(q, k, v, block_mask=attnc.BlockMask(n.long(), i, BLOCK_SIZE=32))
    with pytest.raises(ValueError, match="need 2 x 4"):
        at.attention(q, k, v, block_mask=attnc.BlockMask(n, i, BLOCK_SIZE=(32, 16)))
    with pytest.raises(ValueError, match="batch B = 1 or 1 and heads Hq = 2 or 1"):
        at.attention(q, k, v, block_mask=attnc.BlockMask(n.expand(1, 3, 2).contiguous(),
                                                         i.expand(1, 3, 2, 2).contiguous(),
                                                         BLOCK_SIZE=32))
    with pytest.raises(TypeError, match="BlockMask"):
        at.attention(q, k, v, block_mask=(n, i))
    with pytest.raises(NotImplementedError, match="block_mask"):
        at.attention(q.requires_grad_(), k, v, block_mask=attnc.BlockMask(n, i, BLOCK_SIZE=32))


def test_unlisted_blocks_are_never_read(seed):
    """K and V rows of key blocks listed for no query block hold NaN: they must not reach
    out or lse (a read of them, even one that is masked afterwards, would put NaN in the
    row's max or in P V)."""
    q, k, v = qkv(1, 2, 2, 96, 128, 16, "f32")
    # Query block qb lists key blocks {qb, qb + 1} (partial, causal mask_mod) and {0} (full);
    # key blocks 4..7 (rows 64..127) are listed for nobody.
    n = torch.full((1, 1, 3), 2, dtype=torch.int32)
    i = torch.full((1, 1, 3, 8), 6, dtype=torch.int32)  # past the counts: never read either
    i[..., :2] = torch.tensor([[1, 2], [2, 3], [3, 1]], dtype=torch.int32)
    fn = torch.ones(1, 1, 3, dtype=torch.int32)
    fi = torch.full((1, 1, 3, 8), 7, dtype=torch.int32)
    fi[..., 0] = 0
    bm = attnc.BlockMask(n, i, fn, fi, BLOCK_SIZE=(32, 16), mask_mod=masks.causal())
    vis = bm.to_dense(1, 2, 96, 128)
    assert not vis[..., 64:].any()
    k[:, :, 64:], v[:, :, 64:] = math.nan, math.nan
    o, lse = at.attention(q, k, v, block_mask=bm, return_lse=True)
    want_o, want_lse = reference(q, k.nan_to_num(0.0), v.nan_to_num(0.0), vis)
    check(o, want_o, "f32", "out")
    check(lse, want_lse, "f32", "lse")
