"""attnc.torch.mla_decode (attn.mla: DeepSeek MLA decode over a paged latent cache,
docs/mla.md) on an NVIDIA GPU (sm_90a) against an independent float64 reference.

The kernels: the split kernel (mma.sync; 16 query heads per program, 4 warps that
split the kv_lora_rank output columns, Q in shared memory, each K tile staged once
and its first kv_lora_rank columns read as V) and the merge kernel. The reference
(test_mla.mla_reference, float64 on the host) gathers each sequence's rows
through its block table twice, K the whole rows and V their first kv_lora_rank
columns, and runs a plain masked softmax per query head; a row that sees no key gives
out = 0 and lse = -inf, tokens past query_start_loc[B] too.

Inputs (test_mla.latent_cache): shuffled blocks, a prefix block shared between
sequences, NaN in every cache slot no sequence reads, garbage table entries past a
sequence's blocks; out= poisoned with NaN; causal runs of 1, 2 and 4 query tokens per
sequence, seq_lens 0, 1 and no multiple of the blocks or tiles (gv.MLA_CASES: H 16,
32 and 128, 512 + 64 and 256 + 32, blocks of 1, 16 and 64, bf16 and f16, DeepSeek's
scale, a softcap). Fresh random inputs per run (seed printed; ATTNC_TEST_SEED=N
replays one). Tolerances as test_mla.py's: atol = rtol = 1e-2.

Run on the GPU machine with the variants precompiled (bench/prepare_device.sh):
    PYTHONPATH=python python3 -m pytest -q python/tests/test_mla_cuda.py -rs
"""
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
# ATTNC_TEST_DEVICE=cpu: the same tests on the CPU kernels (a dry run of this file where
# there is no GPU; with ATTNC_TEST_QUICK=1).
DEVICE = os.environ.get("ATTNC_TEST_DEVICE", "cuda")
QUICK = os.environ.get("ATTNC_TEST_QUICK", "") not in ("", "0")


def _unavailable():
    try:
        import torch
    except ImportError as e:
        return "torch is not installed (%s)" % e
    if DEVICE == "cuda" and not torch.cuda.is_available():
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
from test_mla import check, latent_cache, mla_reference  # noqa: E402

DTYPES = {"bf16": torch.bfloat16, "f16": torch.float16}
TOL = 1e-2


def inputs(s, q_lens, seq_lens, pad):
    """q (Tq, H, D), kv_cache, block_tables, seq_lens, query_start_loc on the GPU."""
    dt = DTYPES[s["dtype"]]
    kv, tables = latent_cache(seq_lens, s["block_size"], dt, s["head_dim"])
    qsl = torch.tensor([0] + [sum(q_lens[:i + 1]) for i in range(len(q_lens))],
                       dtype=torch.int32)
    tq = int(qsl[-1]) + pad
    q = torch.randn(tq, s["num_heads_q"], s["head_dim"]).to(dt)
    sl = torch.tensor(seq_lens, dtype=torch.int32)
    return [t.to(DEVICE) for t in (q, kv, tables, sl, qsl)]


def run(s, q_lens, seq_lens, pad, seed, num_splits=None):
    """Two calls on the same tensors (the checked path, then the launch plan's), each into
    an out= full of NaN; both checked against the reference, and equal."""
    q, kv, tables, sl, qsl = inputs(s, q_lens, seq_lens, pad)
    rank, lse_wanted = s["head_dim_v"], s["return_lse"]
    kw = dict(kv_lora_rank=rank, scale=s["scale"], causal=s["causal"], softcap=s["softcap"],
              return_lse=lse_wanted, num_splits=num_splits)
    ref, ref_lse = mla_reference(q.cpu(), kv.cpu(), tables.cpu(), sl.cpu(), qsl.cpu(), rank,
                                 s["causal"], s["scale"], s["softcap"])
    empty = torch.isinf(ref_lse)
    first = None
    for call in range(2):
        out = torch.full((q.shape[0], q.shape[1], rank), float("nan"), dtype=q.dtype,
                         device=DEVICE)
        res = at.mla_decode(q, kv, tables, sl, qsl, out=out, **kw)
        if DEVICE == "cuda":
            torch.cuda.synchronize()
        got, lse = res if lse_wanted else (res, None)
        assert got is out
        check("out (call %d)" % call, got.cpu(), ref, TOL, seed, empty.t()[..., None])
        if lse_wanted:
            assert lse.dtype == torch.float32 and tuple(lse.shape) == (q.shape[1], q.shape[0])
            check("lse (call %d)" % call, lse.cpu(), ref_lse, TOL, seed, empty)
        if first is None:
            first = (got.clone(), None if lse is None else lse.clone())
        else:
            assert torch.equal(got, first[0]), \
                "the launch plan's call differs from the checked one (seed %d)" % seed
            assert lse is None or torch.equal(lse, first[1])


def _params(cases):
    """One pytest.param per (variant, shape) of `cases` (gv.MLA_CASES, gv.FP8_MLA_CASES)."""
    for s, shapes in cases:
        for q_lens, seq_lens, pad in shapes:
            yield pytest.param(s, q_lens, seq_lens, pad,
                               id="%s-%dtok-max%d" % (gv.spec_id(s), sum(q_lens) + pad,
                                                      max(seq_lens)))


@pytest.mark.parametrize("s,q_lens,seq_lens,pad", list(_params(gv.MLA_CASES)))
def test_mla_cuda(s, q_lens, seq_lens, pad, seed):
    if QUICK and max(seq_lens) > 4097:
        skip_expected("ATTNC_TEST_QUICK leaves out the largest shapes")
    run(s, q_lens, seq_lens, pad, seed)


@pytest.mark.parametrize("num_splits", [1, 3, 300])
def test_mla_cuda_splits(num_splits, seed):
    """One KV split, a few, more than the longest sequence has tiles (empty splits)."""
    s, _ = gv.MLA_CASES[0]
    run(s, *gv.MLA_MTP, seed, num_splits=num_splits)


def run_fp8(s, q_lens, seq_lens, pad, seed):
    """An e4m3fn latent cache (codes of the 16-bit cache's values; NaN codes in every slot no
    sequence reads) with kv_scale per token (NB, BS) or one number, against the float64
    reference on the dequantized cache (codes decoded by test_fp8.py's own decoder, times
    the scales). The conversion is exact and the math 16-bit as without fp8: the 16-bit
    tolerance (TOL), out poisoned with NaN."""
    from test_fp8 import decode, encode, random_scale
    q, kv, tables, sl, qsl = inputs(s, q_lens, seq_lens, pad)
    kvf = kv.float().cpu()
    codes = encode(torch.nan_to_num(kvf), "e4m3fn")
    codes[torch.isnan(kvf)] = 0x7F
    nb, bs = codes.shape[:2]
    if s["fp8_scales"][0] == 2:
        kv_scale = random_scale((nb, bs))
        full, given = kv_scale.double(), kv_scale.to(DEVICE)
    else:
        full, given = torch.full((nb, bs), 1.25, dtype=torch.float64), 1.25
    rank, lse_wanted = s["head_dim_v"], s["return_lse"]
    ref, ref_lse = mla_reference(q.cpu(), decode(codes, "e4m3fn") * full[..., None],
                                 tables.cpu(), sl.cpu(), qsl.cpu(), rank, s["causal"],
                                 s["scale"], s["softcap"])
    empty = torch.isinf(ref_lse)
    out = torch.full((q.shape[0], q.shape[1], rank), float("nan"), dtype=q.dtype,
                     device=DEVICE)
    res = at.mla_decode(q, codes.to(DEVICE), tables, sl, qsl, out=out, kv_lora_rank=rank,
                        scale=s["scale"], causal=s["causal"], softcap=s["softcap"],
                        return_lse=lse_wanted, kv_scale=given, fp8_dtype="e4m3fn")
    if DEVICE == "cuda":
        torch.cuda.synchronize()
    got, lse = res if lse_wanted else (res, None)
    assert got is out
    check("out", got.cpu(), ref, TOL, seed, empty.t()[..., None])
    if lse_wanted:
        check("lse", lse.cpu(), ref_lse, TOL, seed, empty)


@pytest.mark.parametrize("s,q_lens,seq_lens,pad", list(_params(gv.FP8_MLA_CASES)))
def test_mla_cuda_fp8(s, q_lens, seq_lens, pad, seed):
    """fp8 latent caches (issue 15/16, docs/fp8.md): the split kernel dequantizes each K
    tile as it is staged; V is the staged tile's first kv_lora_rank columns."""
    run_fp8(s, q_lens, seq_lens, pad, seed)


def test_mla_cuda_fp8_format():
    """The GPU's own fp8 format only (e4m3fn on sm_90a): e4m3fnuz is a clear error."""
    if DEVICE != "cuda":
        skip_expected("the format check is the GPU's")
    s, _ = gv.MLA_CASES[0]
    q, kv, tables, sl, qsl = inputs(s, [1], [5], 0)
    with pytest.raises(NotImplementedError, match="e4m3fn, got e4m3fnuz"):
        at.mla_decode(q, kv.view(torch.uint8)[..., :s["head_dim"]], tables, sl, qsl,
                      kv_lora_rank=s["head_dim_v"], fp8_dtype="e4m3fnuz", kv_scale=1.0)