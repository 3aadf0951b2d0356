"""FlashAttention's documented semantics, as test cases for attnc.flash_attn on any device
(test_flash_cpu.py, test_flash_cuda.py), with an independent float64 reference.

The reference is written from FlashAttention's docstrings (flash_attn_interface.py), not
from attnc's code:

- "If causal=True, the causal mask is aligned to the bottom right corner of the attention
  matrix": query i (of Sq) sees key j (of Sk) iff j <= i + Sk - Sq;
- "If window_size != (-1, -1), implements sliding window local attention. Query at
  position i will only attend to keys between [i + seqlen_k - seqlen_q - window_size[0],
  i + seqlen_k - seqlen_q + window_size[1]] inclusive";
- alibi_slopes (nheads,): "a bias of (-alibi_slope * |i + seqlen_k - seqlen_q - j|) is
  added to the attention score of query i and key j";
- softcap > 0: scores = softcap * tanh(scores / softcap), on the scaled scores, before
  ALiBi's bias and the masks (the order of FlashAttention 2's kernel: apply_softcap, then
  apply_mask with the ALiBi bias);
- softmax_scale default 1 / sqrt(headdim); GQA/MQA: query head h uses key/value head
  h // (Hq / Hkv);
- varlen: each sequence on its own (cu_seqlens), with its own Sq, Sk;
- kvcache: sequence b has cache_seqlens[b] keys, the queries are its last Sq positions;
  with block_table, key j of sequence b is slot j % page_block_size of block
  block_table[b][j // page_block_size].

A row that sees no key is 0 (FlashAttention's reference, attention_ref, fills it with 0);
its lse is -inf here and in attnc (FlashAttention 2's kernels report +inf).

Tolerances: aiter's, atol = rtol = 1e-2 for bf16/f16; 1e-4 for f32. Every case draws
fresh random inputs (seed printed; ATTNC_TEST_SEED=N replays).
"""
import math
import os
import secrets

import torch

DTYPES = {"f32": torch.float32, "bf16": torch.bfloat16, "f16": torch.float16}
TOL = {"f32": 1e-4, "bf16": 1e-2, "f16": 1e-2}


def new_seed():
    s = int(os.environ.get("ATTNC_TEST_SEED") or secrets.randbits(31))
    torch.manual_seed(s)
    print("seed %d (replay with ATTNC_TEST_SEED=%d)" % (s, s))
    return s


def ref_one(q, k, v, *, scale=None, causal=False, window=(-1, -1), softcap=0.0, alibi=None):
    """One sequence: q (Sq, Hq, D), k (Sk, Hkv, D), v (Sk, Hkv, Dv) -> out (Sq, Hq, Dv),
    lse (Hq, Sq), float64."""
    sq, hq, d = q.shape
    sk, hkv, dv = k.shape[0], k.shape[1], v.shape[2]
    out = torch.zeros(sq, hq, dv, dtype=torch.float64)
    lse = torch.full((hq, sq), float("-inf"), dtype=torch.float64)
    if sq == 0 or sk == 0:
        return out, lse
    scale = 1.0 / math.sqrt(d) if scale is None else scale
    g = hq // hkv
    qd = q.double().cpu().permute(1, 0, 2)                                  # (Hq, Sq, D)
    kd = k.double().cpu().permute(1, 0, 2)[torch.arange(hq) // g]          # (Hq, Sk, D)
    vd = v.double().cpu().permute(1, 0, 2)[torch.arange(hq) // g]
    s = torch.einsum("hid,hjd->hij", qd, kd) * scale
    if softcap:
        s = softcap * torch.tanh(s / softcap)
    i = torch.arange(sq).view(sq, 1)
    j = torch.arange(sk).view(1, sk)
    diag = i + sk - sq                                                      # query i's position
    if alibi is not None:
        s = s - alibi.double().cpu().view(hq, 1, 1) * (diag - j).abs().double()
    keep = torch.ones(sq, sk, dtype=torch.bool)
    if causal:
        keep &= j <= diag
    if window[0] >= 0:
        keep &= j >= diag - window[0]
    if window[1] >= 0:
        keep &= j <= diag + window[1]
    s = s.masked_fill(~keep, float("-inf"))
    m = torch.logsumexp(s, dim=-1)                                          # (Hq, Sq)
    p = torch.exp(s - torch.where(torch.isinf(m), torch.zeros_like(m), m)[..., None])
    p = p.masked_fill(~keep, 0.0)
    out = torch.einsum("hij,hjd->ihd", p, vd)
    return out, m


def check(what, got, want, dtype, seed):
    """|got - want| <= tol + tol * |want|; NaN fails; equal infinities match."""
    tol = TOL[dtype]
    got = got.detach().double().cpu()
    assert tuple(got.shape) == tuple(want.shape), "%s: shape %s, want %s" % (
        what, tuple(got.shape), tuple(want.shape))
    where = "(seed %d; replay with ATTNC_TEST_SEED=%d)" % (seed, seed)
    assert not torch.isnan(got).any(), "%s: NaN %s" % (what, where)
    same_inf = torch.isinf(want) & (got == want)
    err = torch.where(same_inf, torch.zeros_like(got), (got - want).abs())
    bad = (err > tol + tol * want.abs().nan_to_num(posinf=0.0, neginf=0.0)) | \
        (torch.isinf(got) & ~same_inf) | (torch.isinf(want) & ~same_inf)
    if bad.any():
        idx = bad.nonzero()[0].tolist()
        raise AssertionError("%s: %d of %d elements off (atol = rtol = %g); first at %s: got %r, "
                             "want %r %s" % (what, int(bad.sum()), got.numel(), tol, idx,
                                             got[tuple(idx)].item(), want[tuple(idx)].item(),
                                             where))


def slopes(hq, device):
    base = torch.tensor([2.0 ** (-8.0 * (h + 1) / hq) for h in range(hq)], dtype=torch.float32)
    return (base * (0.75 + 0.5 * torch.rand(hq))).to(device)


def _opts(c, device):
    kw = {}
    if c.get("scale") is not None:
        kw["softmax_scale"] = c["scale"]
    if c.get("causal"):
        kw["causal"] = True
    if c.get("window"):
        kw["window_size"] = c["window"]
    if c.get("softcap"):
        kw["softcap"] = c["softcap"]
    if c.get("alibi"):
        kw["alibi_slopes"] = slopes(c["hq"], device)
    return kw


def _ref_kw(c, kw):
    return dict(scale=c.get("scale"), causal=c.get("causal", False),
                window=tuple(c.get("window", (-1, -1))), softcap=c.get("softcap", 0.0),
                alibi=kw.get("alibi_slopes"))


def case_id(c):
    keys = ("dtype", "b", "sq", "sk", "hq", "hkv", "d", "dv", "causal", "window", "softcap",
            "alibi", "scale", "lse", "bs", "seqlens", "splits", "q_lens", "k_lens", "paged")
    parts = []
    for key in keys:
        if key in c and c[key] not in (None, False):
            val = c[key]
            parts.append(key if val is True else "%s%s" % (key, val))
    return "-".join(str(p).replace(" ", "") for p in parts)


# --- flash_attn_func -------------------------------------------------------------------------
# (B, Sq, Hq, D) q, (B, Sk, Hkv, D) k/v.

FUNC_CASES = [
    dict(dtype="bf16", b=2, sq=37, sk=37, hq=4, hkv=4, d=64),                       # MHA
    dict(dtype="f16", b=1, sq=100, sk=100, hq=4, hkv=4, d=64, causal=True, lse=True),
    dict(dtype="f32", b=2, sq=13, sk=77, hq=4, hkv=2, d=32, causal=True, lse=True),  # Sq < Sk
    dict(dtype="f32", b=1, sq=77, sk=13, hq=4, hkv=2, d=32, causal=True, lse=True),  # Sq > Sk
    dict(dtype="bf16", b=2, sq=65, sk=129, hq=8, hkv=2, d=64, causal=True),          # GQA 4
    dict(dtype="bf16", b=1, sq=33, sk=50, hq=8, hkv=1, d=128, lse=True),             # MQA
    dict(dtype="f32", b=2, sq=40, sk=60, hq=4, hkv=2, d=32, window=(8, 0), lse=True),
    dict(dtype="f32", b=1, sq=40, sk=60, hq=4, hkv=2, d=32, window=(4, 4)),
    dict(dtype="f32", b=1, sq=60, sk=40, hq=4, hkv=2, d=32, window=(-1, 3), lse=True),
    dict(dtype="bf16", b=1, sq=50, sk=90, hq=4, hkv=4, d=64, causal=True, window=(16, -1)),
    dict(dtype="f32", b=2, sq=31, sk=47, hq=4, hkv=2, d=32, softcap=5.0, gain=4.0, lse=True),
    dict(dtype="f32", b=1, sq=31, sk=47, hq=4, hkv=2, d=32, causal=True, alibi=True, lse=True),
    dict(dtype="f32", b=1, sq=20, sk=30, hq=4, hkv=2, d=32, scale=0.3),
    dict(dtype="bf16", b=1, sq=1, sk=300, hq=8, hkv=2, d=64, causal=True, lse=True),  # decode
]


def run_func(fa, c, device, seed):
    dt = DTYPES[c["dtype"]]
    g = c.get("gain", 1.0)
    q = (torch.randn(c["b"], c["sq"], c["hq"], c["d"]) * g).to(dt).to(device)
    k = torch.randn(c["b"], c["sk"], c["hkv"], c["d"]).to(dt).to(device)
    v = torch.randn(c["b"], c["sk"], c["hkv"], c.get("dv", c["d"])).to(dt).to(device)
    kw = _opts(c, device)
    res = fa.flash_attn_func(q, k, v, return_attn_probs=bool(c.get("lse")), **kw)
    if c.get("lse"):
        assert isinstance(res, tuple) and len(res) == 3 and res[2] is None
        out, lse = res[0], res[1]
        assert lse.dtype == torch.float32 and tuple(lse.shape) == (c["b"], c["hq"], c["sq"])
    else:
        out, lse = res, None
    assert out.dtype == dt and tuple(out.shape) == (c["b"], c["sq"], c["hq"], v.shape[-1])
    for b in range(c["b"]):
        ro, rl = ref_one(q[b], k[b], v[b], **_ref_kw(c, kw))
        check("out[%d]" % b, out[b], ro, c["dtype"], seed)
        if lse is not None:
            check("lse[%d]" % b, lse[b], rl, c["dtype"], seed)


# --- flash_attn_varlen_func ------------------------------------------------------------------

VARLEN_CASES = [
    dict(dtype="f32", hq=4, hkv=2, d=32, causal=True, lse=True, q_lens=[37, 0, 1, 64],
         k_lens=[37, 5, 20, 100]),
    dict(dtype="bf16", hq=8, hkv=2, d=64, q_lens=[50, 3], k_lens=[20, 90], lse=True),
    dict(dtype="f32", hq=4, hkv=1, d=32, window=(8, 2), softcap=5.0, alibi=True, gain=3.0,
         q_lens=[30, 12], k_lens=[30, 40], lse=True),
    # block_table: k/v are a paged cache.
    dict(dtype="f32", hq=4, hkv=2, d=32, causal=True, lse=True, q_lens=[1, 20, 3],
         k_lens=[50, 20, 33], paged=True, bs=16),
    dict(dtype="bf16", hq=8, hkv=1, d=64, causal=True, window=(16, -1), q_lens=[1, 1, 5],
         k_lens=[1, 40, 70], paged=True, bs=16),
]


def paged_cache(k_lens, bs, hkv, d, dv, dt, device):
    """A paged cache holding each sequence's keys in shuffled blocks, NaN in every slot no
    sequence uses; returns k_cache, v_cache, block_table (B, max_blocks) and the keys and
    values per sequence."""
    need = [-(-n // bs) for n in k_lens]
    nb = sum(need) + 2
    perm = torch.randperm(nb).tolist()
    maxb = max(need + [1]) + 1
    table = torch.full((len(k_lens), maxb), nb + 7, dtype=torch.int32)  # garbage past the used
    kc = torch.full((nb, bs, hkv, d), float("nan"), dtype=dt)
    vc = torch.full((nb, bs, hkv, dv), float("nan"), dtype=dt)
    keys, vals = [], []
    for b, n in enumerate(k_lens):
        kk = torch.randn(n, hkv, d).to(dt)
        vv = torch.randn(n, hkv, dv).to(dt)
        for j in range(need[b]):
            blk = perm.pop()
            table[b, j] = blk
            lo, hi = j * bs, min(n, (j + 1) * bs)
            kc[blk, :hi - lo], vc[blk, :hi - lo] = kk[lo:hi], vv[lo:hi]
        keys.append(kk)
        vals.append(vv)
    return kc.to(device), vc.to(device), table.to(device), keys, vals


def run_varlen(fa, c, device, seed):
    dt = DTYPES[c["dtype"]]
    hq, hkv, d = c["hq"], c["hkv"], c["d"]
    ql, kl = c["q_lens"], c["k_lens"]
    cu_q = torch.tensor([0] + [sum(ql[:i + 1]) for i in range(len(ql))], dtype=torch.int32)
    cu_k = torch.tensor([0] + [sum(kl[:i + 1]) for i in range(len(kl))], dtype=torch.int32)
    q = (torch.randn(int(cu_q[-1]), hq, d) * c.get("gain", 1.0)).to(dt).to(device)
    kw = _opts(c, device)
    if c.get("paged"):
        kc, vc, table, keys, vals = paged_cache(kl, c["bs"], hkv, d, d, dt, device)
        res = fa.flash_attn_varlen_func(q, kc, vc, cu_q.to(device), cu_k.to(device), max(ql),
                                        max(kl), block_table=table,
                                        return_attn_probs=bool(c.get("lse")), **kw)
    else:
        k = torch.randn(int(cu_k[-1]), hkv, d).to(dt).to(device)
        v = torch.randn(int(cu_k[-1]), hkv, d).to(dt).to(device)
        keys = [k[int(cu_k[b]):int(cu_k[b + 1])] for b in range(len(kl))]
        vals = [v[int(cu_k[b]):int(cu_k[b + 1])] for b in range(len(kl))]
        res = fa.flash_attn_varlen_func(q, k, v, cu_q.to(device), cu_k.to(device), max(ql),
                                        max(kl), return_attn_probs=bool(c.get("lse")), **kw)
    out, lse = (res[0], res[1]) if c.get("lse") else (res, None)
    if lse is not None:
        assert res[2] is None and tuple(lse.shape) == (hq, q.shape[0])
    assert tuple(out.shape) == (q.shape[0], hq, d)
    for b in range(len(ql)):
        q0, q1 = int(cu_q[b]), int(cu_q[b + 1])
        ro, rl = ref_one(q[q0:q1], keys[b], vals[b], **_ref_kw(c, kw))
        check("out seq %d" % b, out[q0:q1], ro, c["dtype"], seed)
        if lse is not None:
            check("lse seq %d" % b, lse[:, q0:q1], rl, c["dtype"], seed)


# --- flash_attn_with_kvcache -----------------------------------------------------------------
# q (B, Sq, Hq, D); a cache (B, Sk_max, Hkv, D) with cache_seqlens, or paged (bs = block size).

KVCACHE_CASES = [
    dict(dtype="bf16", b=4, sq=1, sk=256, hq=8, hkv=2, d=64, causal=True,
         seqlens=[1, 100, 256, 37]),                                            # decode
    dict(dtype="f32", b=3, sq=3, sk=96, hq=4, hkv=2, d=32, causal=True, lse=True,
         seqlens=[3, 50, 96]),                                                  # 3 new tokens
    dict(dtype="f32", b=2, sq=1, sk=64, hq=4, hkv=1, d=32, causal=True, seqlens=40, lse=True),
    dict(dtype="f32", b=2, sq=1, sk=37, hq=4, hkv=2, d=32, causal=True, lse=True,
         seqlens=[37, 5]),                                      # Sk_max not a multiple of 8
    dict(dtype="f32", b=2, sq=2, sk=64, hq=4, hkv=2, d=32, causal=True, window=(8, -1),
         softcap=5.0, alibi=True, gain=3.0, seqlens=[64, 30], lse=True),
    dict(dtype="bf16", b=2, sq=1, sk=128, hq=8, hkv=2, d=64, causal=True, seqlens=None),
    dict(dtype="bf16", b=3, sq=1, sk=0, hq=8, hkv=2, d=64, causal=True, paged=True, bs=16,
         seqlens=[1, 100, 33], lse=True),
    dict(dtype="f32", b=2, sq=6, sk=0, hq=4, hkv=2, d=32, causal=True, paged=True, bs=16,
         seqlens=[6, 70], splits=3),                                           # chunked prefill
]


def run_kvcache(fa, c, device, seed):
    dt = DTYPES[c["dtype"]]
    b, sq, hq, hkv, d = c["b"], c["sq"], c["hq"], c["hkv"], c["d"]
    q = (torch.randn(b, sq, hq, d) * c.get("gain", 1.0)).to(dt).to(device)
    seqlens = c["seqlens"]
    kw = _opts(c, device)
    if c.get("lse"):
        kw["return_softmax_lse"] = True
    if c.get("splits"):
        kw["num_splits"] = c["splits"]
    if c.get("paged"):
        kc, vc, table, keys, vals = paged_cache(seqlens, c["bs"], hkv, d, d, dt, device)
        res = fa.flash_attn_with_kvcache(q, kc, vc, cache_seqlens=torch.tensor(
            seqlens, dtype=torch.int32, device=device), block_table=table, **kw)
        lens = seqlens
    else:
        sk = c["sk"]
        kc = torch.randn(b, sk, hkv, d).to(dt)
        vc = torch.randn(b, sk, hkv, d).to(dt)
        if seqlens is None:
            lens, arg = [sk] * b, None
        elif isinstance(seqlens, int):
            lens, arg = [seqlens] * b, seqlens
        else:
            lens = seqlens
            arg = torch.tensor(seqlens, dtype=torch.int32, device=device)
        for i, n in enumerate(lens):  # past cache_seqlens: NaN, which must not be read
            kc[i, n:] = float("nan")
            vc[i, n:] = float("nan")
        keys = [kc[i, :n] for i, n in enumerate(lens)]
        vals = [vc[i, :n] for i, n in enumerate(lens)]
        kc, vc = kc.to(device), vc.to(device)
        res = fa.flash_attn_with_kvcache(q, kc, vc, cache_seqlens=arg, **kw)
    out, lse = res if c.get("lse") else (res, None)
    assert tuple(out.shape) == (b, sq, hq, d) and out.dtype == dt
    if lse is not None:
        assert tuple(lse.shape) == (b, hq, sq) and lse.dtype == torch.float32
    for i in range(b):
        ro, rl = ref_one(q[i], keys[i], vals[i], **_ref_kw(c, kw))
        check("out[%d]" % i, out[i], ro, c["dtype"], seed)
        if lse is not None:
            check("lse[%d]" % i, lse[i], rl, c["dtype"], seed)


# --- the CUDA cases ---------------------------------------------------------------------------
# The GPU kernels are bf16/f16 with head dims from 64: the CUDA file runs the same cases with
# f32 made bf16 and D 32 made 64. Their kernels must be precompiled for the GPU machine:
# gpu_variants.py adds flash_variants.json, which record_cuda_specs() regenerates
# (test_flash_cpu.py::test_cuda_cases_are_bundled checks it is complete).


def cuda_case(c):
    c = dict(c)
    if c["dtype"] == "f32":
        c["dtype"] = "bf16"
    if c["d"] < 64:
        c["d"] = 64
    return c


CUDA_FUNC_CASES = [cuda_case(c) for c in FUNC_CASES]
CUDA_VARLEN_CASES = [cuda_case(c) for c in VARLEN_CASES]
CUDA_KVCACHE_CASES = [cuda_case(c) for c in KVCACHE_CASES]

# The custom-op, torch.compile and CUDA graph tests (test_flash_cuda.py) call these.
OPS_DENSE = dict(dtype="bf16", b=2, sq=64, sk=64, hq=8, hkv=2, d=64, causal=True, lse=True)
OPS_VARLEN = dict(dtype="bf16", hq=8, hkv=2, d=64, causal=True, lse=True, q_lens=[30, 1, 64],
                  k_lens=[30, 20, 100])
OPS_PAGED = dict(dtype="bf16", b=3, sq=1, sk=0, hq=8, hkv=2, d=64, causal=True, paged=True,
                 bs=16, seqlens=[1, 100, 33], lse=True)


# The transformers backend on the GPU (test_transformers.py, bf16): Llama GQA 16/4 with
# head_dim 64 (prefill and decode), Mistral's sliding window of 8 (window (7, 0)), Gemma 2's
# softcap 20 on global and sliding layers.
HF_CASES = [dict(dtype="bf16", b=1, sq=7, sk=7, hq=16, hkv=4, d=64, causal=True, **kw)
            for kw in ({}, dict(window=(7, -1)), dict(softcap=20.0),
                       dict(softcap=20.0, window=(7, -1)))]


# bench/host_overhead.py's tiny calls (the host overhead on the GPU machine).
HOST_CASES = [dict(dtype="bf16", b=1, sq=1, sk=16, hq=4, hkv=1, d=64, causal=True)]
HOST_KVCACHE_CASES = [dict(dtype="bf16", b=1, sq=1, sk=0, hq=4, hkv=1, d=64, causal=True,
                           paged=True, bs=16, seqlens=[40])]


class _Recorded(Exception):
    pass


def record_cuda_specs():
    """The AttentionSpec dicts every CUDA flash case asks for: the calls run on CPU tensors
    of the same shapes with attnc.kernels.get replaced by a recorder (nothing launches)."""
    import attnc
    import attnc.torch as at
    from attnc import flash_attn as fa
    from attnc import kernels
    seen = []

    def record(spec, device="cpu"):
        seen.append(spec.to_dict() if isinstance(spec, attnc.AttentionSpec) else spec)
        raise _Recorded()

    saved = kernels.get, at._by_signature, at._fast
    kernels.get, at._by_signature, at._fast = record, {}, {}
    try:
        for cases, run in ((CUDA_FUNC_CASES + [OPS_DENSE] + HF_CASES + HOST_CASES, run_func),
                           (CUDA_VARLEN_CASES + [OPS_VARLEN], run_varlen),
                           (CUDA_KVCACHE_CASES + [OPS_PAGED] + HOST_KVCACHE_CASES, run_kvcache)):
            for c in cases:
                try:
                    run(fa, c, "cpu", 0)
                except _Recorded:
                    pass
    finally:
        kernels.get, at._by_signature, at._fast = saved
    out, keys = [], set()
    for s in seen:
        key = attnc.AttentionSpec.from_dict(s).key()
        if key not in keys:
            keys.add(key)
            out.append(attnc.AttentionSpec.from_dict(s).to_dict())
    return out


if __name__ == "__main__":
    # Regenerates python/tests/flash_variants.json (run from the repository root with the
    # build's libraries on ATTNC_LIB_DIR):  python3 python/tests/flash_common.py
    import json
    import sys
    specs = record_cuda_specs()
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "flash_variants.json")
    with open(path, "w") as f:
        json.dump(specs, f, indent=1, sort_keys=True)
        f.write("\n")
    print("%d variants -> %s" % (len(specs), path), file=sys.stderr)
