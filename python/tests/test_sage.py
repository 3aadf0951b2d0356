"""SAGE-style quantized attention (issue 16 part 3, docs/fp8.md "SAGE") through
attnc.torch on CPU tensors.

Two references, both float64 (test_cpu.py's attention):
- on the dequantized inputs, decoded by this file (q_i8 * q_descale per block of rows,
  k_i8 * k_descale per block of keys plus k_mean, v's fp8 bits by test_fp8.py's own
  decoder times v_descale per channel): the kernel must match it to the bf16 / f16
  tolerance of test_cpu.py (atol = rtol = 1e-2; lse 1e-4), since Q K^T is exact;
- on the original (unquantized) inputs: aiter's fp8 floor (max abs error <= 1.0,
  cosine similarity >= 0.94) is asserted, and the errors reached are printed
  (pytest -s) and recorded in docs/fp8.md.
The smoothing term: lse with smoothed K equals lse without smoothing up to rounding, and
the k_mean term the kernel adds is exactly scale * q_i . k_mean. Fresh random inputs every
run (seed printed, ATTNC_TEST_SEED=N replays), outputs poisoned with NaN, sizes that are
not multiples of any tile or scale block, Sq = 1, GQA and MQA, causal and not.
"""
import math
import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))  # python/ (attnc)
sys.path.insert(0, HERE)

import torch  # noqa: E402

import attnc.torch as at  # noqa: E402
from test_cpu import TOL, check, reference  # noqa: E402
from test_fp8 import decode, encode  # noqa: E402

ERRORS = {}  # what -> (max abs error, min cosine similarity)
OUT = {"bf16": torch.bfloat16, "f16": torch.float16}


def per_row(scale, block, n):
    """A (B, H, N) block scale as one value per row: (B, H, n, 1)."""
    return scale.double().repeat_interleave(block, dim=2)[:, :, :n, None]


def dequantize(z):
    """The tensors a SageQuantized stands for, in float64, as the op defines them."""
    q = z.q.double() * per_row(z.q_descale, z.q_block, z.q.shape[2])
    k = z.k.double() * per_row(z.k_descale, z.k_block, z.k.shape[2])
    if z.k_mean is not None:
        k = k + z.k_mean.double()[:, :, None, :]
    v = decode(z.v, z.fp8_dtype) * z.v_descale.double()[:, :, None, :]
    return q, k, v


def record(what, got, want):
    """Asserts aiter's fp8 floor on the finite entries and keeps the worst errors."""
    g, w = got.double().reshape(-1), want.double().reshape(-1)
    finite = torch.isfinite(w)
    g, w = g[finite], w[finite]
    if w.numel() == 0:
        return
    err = (g - w).abs().max().item()
    den = g.norm() * w.norm()
    cos = (g @ w / den).item() if den > 0 else 1.0
    assert err <= 1.0 and cos >= 0.94, "aiter's fp8 floor: max abs err %g, cosine %g" % (err, cos)
    old = ERRORS.get(what, (0.0, 1.0))
    ERRORS[what] = (max(old[0], err), min(old[1], cos))
    print("%s: max abs err %.3g, cosine %.6f" % (what, err, cos))


def inputs(b, hq, hkv, sq, sk, d, dv, dtype=torch.bfloat16, k_offset=0.0):
    """normal(0, 1) q, k, v; k shifted per channel by up to k_offset (SageAttention's
    motivating case: a large common K component that smoothing removes)."""
    q = torch.randn(b, hq, sq, d).to(dtype)
    k = (torch.randn(b, hkv, sk, d) + k_offset * torch.rand(1, hkv, 1, d)).to(dtype)
    v = torch.randn(b, hkv, sk, dv).to(dtype)
    return q, k, v


# (B, Hq, Hkv, Sq, Sk, D, Dv): not multiples of the CPU's 16 x 128 tiles or the blocks.
SHAPES = [(2, 4, 2, 100, 77, 64, 64), (1, 3, 3, 45, 51, 32, 48), (3, 8, 1, 1, 200, 64, 64),
          (1, 2, 1, 130, 130, 128, 128), (2, 2, 2, 37, 0, 32, 32), (1, 4, 2, 1, 1, 64, 64)]
# (q_block, k_block): SageAttention's, smaller than the tiles, odd, larger than Sk.
BLOCKS = [(128, 64), (16, 32), (7, 5), (64, 256)]


def case_id(c):
    (b, hq, hkv, sq, sk, d, dv), (qb, kb), causal, smooth, fmt, out = c
    return "b%dh%dx%ds%dx%dd%dx%d-qb%dkb%d%s%s-%s-%s" % (
        b, hq, hkv, sq, sk, d, dv, qb, kb, "-causal" if causal else "",
        "-smooth" if smooth else "", fmt, out)


CASES = [(s, bl, causal, smooth, fmt, out)
         for i, s in enumerate(SHAPES) for j, bl in enumerate(BLOCKS)
         for causal in (False, True) for smooth in (True, False)
         for fmt, out in (("e4m3fn", "bf16"), ("e4m3fnuz", "f16"))
         if (i + j + causal + smooth) % 3 == 0]


@pytest.mark.parametrize("c", CASES, ids=[case_id(c) for c in CASES])
def test_exact(c, seed):
    """The kernel against float64 attention on the dequantized inputs: the bf16 / f16
    tolerance (Q K^T is exact; P V rounds P to out's type as the 16-bit kernels do)."""
    (b, hq, hkv, sq, sk, d, dv), (qb, kb), causal, smooth, fmt, out = c
    q, k, v = inputs(b, hq, hkv, sq, sk, d, dv, k_offset=2.0)
    z = at.sage_quantize(q, k, v, q_block=qb, k_block=kb, smooth_k=smooth, fp8_dtype=fmt)
    o = torch.full((b, hq, sq, dv), float("nan"), dtype=OUT[out])
    got, lse = at.sage_attention_quantized(z.q, z.k, z.v, z.q_descale, z.k_descale, z.v_descale,
                                           z.k_mean, q_block=qb, k_block=kb, fp8_dtype=fmt,
                                           causal=causal, return_lse=True, out=o)
    assert got is o
    want, want_lse = reference(*dequantize(z), causal=causal)
    empty = torch.isinf(want_lse)[..., None] if sq and sk else None
    check("out", got, want, TOL[out], seed, empty)
    check("lse", lse, want_lse, 1e-4, seed)
    record("exact %s out" % fmt, got, want)


@pytest.mark.parametrize("c", CASES, ids=[case_id(c) for c in CASES])
def test_original(c, seed):
    """sage_attention on float inputs against float64 attention on those inputs: aiter's
    fp8 floor, errors printed."""
    (b, hq, hkv, sq, sk, d, dv), (qb, kb), causal, smooth, fmt, out = c
    q, k, v = inputs(b, hq, hkv, sq, sk, d, dv, dtype=OUT[out], k_offset=2.0)
    got, lse = at.sage_attention(q, k, v, causal=causal, return_lse=True, q_block=qb,
                                 k_block=kb, smooth_k=smooth, fp8_dtype=fmt)
    assert got.dtype == OUT[out] and got.shape == (b, hq, sq, dv)
    want, want_lse = reference(q, k, v, causal=causal)
    record("original %s out (%s)" % (fmt, "smoothed K" if smooth else "K as is"), got, want)
    record("original %s lse (%s)" % (fmt, "smoothed K" if smooth else "K as is"), lse, want_lse)
    assert torch.equal(torch.isinf(lse), torch.isinf(want_lse))


@pytest.mark.parametrize("causal", [False, True])
def test_lse_smoothing(causal, seed):
    """Smoothing K changes nothing but rounding: lse and out with and without it agree
    with each other and with the unquantized reference; and the term the kernel adds is
    exactly scale * q_i . k_mean (the same smoothed K without k_mean gives lse less that)."""
    b, hq, hkv, sq, sk, d = 2, 4, 2, 70, 90, 64
    q, k, v = inputs(b, hq, hkv, sq, sk, d, d, dtype=torch.float32, k_offset=4.0)
    o1, l1 = at.sage_attention(q, k, v, causal=causal, return_lse=True, smooth_k=True)
    o0, l0 = at.sage_attention(q, k, v, causal=causal, return_lse=True, smooth_k=False)
    want, want_lse = reference(q, k, v, causal=causal)
    fin = torch.isfinite(want_lse)
    d1 = (l1.double() - want_lse)[fin].abs().max().item()
    d0 = (l0.double() - want_lse)[fin].abs().max().item()
    d10 = (l1.double() - l0.double())[fin].abs().max().item()
    print("lse vs unquantized: smoothed %.3g, not smoothed %.3g; between them %.3g"
          % (d1, d0, d10))
    # Quantization error (Q's int8 steps dominate), the same with and without smoothing.
    assert d1 <= 0.15 and d0 <= 0.15 and d10 <= 0.1
    record("smoothing lse", l1, want_lse)
    record("smoothing out", o1, want)
    # The term, exactly: the same quantized tensors without k_mean.
    z = at.sage_quantize(q, k, v, smooth_k=True)
    _, with_mean = at.sage_attention_quantized(z.q, z.k, z.v, z.q_descale, z.k_descale,
                                               z.v_descale, z.k_mean, q_block=z.q_block,
                                               k_block=z.k_block, fp8_dtype="e4m3fn",
                                               causal=causal, return_lse=True)
    _, without = at.sage_attention_quantized(z.q, z.k, z.v, z.q_descale, z.k_descale,
                                             z.v_descale, None, q_block=z.q_block,
                                             k_block=z.k_block, fp8_dtype="e4m3fn",
                                             causal=causal, return_lse=True)
    qd = dequantize(z)[0]
    term = (qd @ z.k_mean.double().repeat_interleave(hq // hkv, dim=1)[..., None])[..., 0]
    term = term / math.sqrt(d)
    assert term.abs().max().item() > 1.0  # the offset makes the term matter
    check("k_mean term", (with_mean.double() - without.double())[fin], term[fin], 1e-4, seed)


def test_layout_bshd(seed):
    """layout="bshd" is the BHSD computation on transposed views (same bits)."""
    q, k, v = inputs(2, 4, 2, 33, 47, 64, 64)
    a = at.sage_attention(q, k, v, causal=True)
    bo = at.sage_attention(q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2),
                           causal=True, layout="bshd")
    assert bo.shape == (2, 33, 4, 64)
    assert torch.equal(a, bo.transpose(1, 2))


@pytest.mark.parametrize("fmt", ["e4m3fn", "e4m3fnuz"])
def test_quantize(fmt, seed):
    """sage_quantize: int8 within half a step of the values (per block), V's bits those
    of test_fp8's independent nearest encoder, k_mean the sequence mean."""
    q, k, v = inputs(2, 2, 1, 50, 70, 32, 16, dtype=torch.float32, k_offset=3.0)
    z = at.sage_quantize(q, k, v, q_block=16, k_block=32, fp8_dtype=fmt)
    assert z.q.dtype == torch.int8 and z.q_descale.shape == (2, 2, 4)
    assert z.k_descale.shape == (2, 1, 3) and z.v_descale.shape == (2, 1, 16)
    assert int(z.q.abs().max()) == 127 and int(z.k.abs().max()) == 127
    step = per_row(z.q_descale, 16, 50)
    assert ((z.q.double() * step - q.double()).abs() <= step / 2 + 1e-6).all()
    assert torch.allclose(z.k_mean, k.mean(dim=2), atol=1e-6)
    ks = k - z.k_mean[:, :, None, :]
    kstep = per_row(z.k_descale, 32, 70)
    assert ((z.k.double() * kstep - ks.double()).abs() <= kstep / 2 + 1e-5).all()
    assert torch.equal(z.v, encode(v / z.v_descale[:, :, None, :], fmt))


def test_errors():
    q, k, v = inputs(1, 2, 1, 8, 8, 32, 32)
    with pytest.raises(ValueError, match="smooth_k cannot be combined with softcap"):
        at.sage_attention(q, k, v, softcap=10.0)
    with pytest.raises(ValueError, match="fp8_dtype must be"):
        at.sage_attention(q, k, v, fp8_dtype="e5m2")
    z = at.sage_quantize(q, k, v, q_block=4, k_block=4)
    with pytest.raises(ValueError, match="q must be int8"):
        at.sage_attention_quantized(q, z.k, z.v, z.q_descale, z.k_descale, z.v_descale,
                                    q_block=4, k_block=4, fp8_dtype="e4m3fn")
    with pytest.raises(ValueError, match=r"q_descale must have shape \(1, 2, 2\)"):
        at.sage_attention_quantized(z.q, z.k, z.v, z.k_descale, z.k_descale, z.v_descale,
                                    q_block=4, k_block=4, fp8_dtype="e4m3fn")
    with pytest.raises(ValueError, match="pass fp8_dtype"):
        at.sage_attention_quantized(z.q, z.k, z.v, z.q_descale, z.k_descale, z.v_descale,
                                    q_block=4, k_block=4)
    with pytest.raises(ValueError, match="k_mean .* cannot be combined with softcap"):
        at.sage_attention_quantized(z.q, z.k, z.v, z.q_descale, z.k_descale, z.v_descale,
                                    z.k_mean, q_block=4, k_block=4, fp8_dtype="e4m3fn",
                                    softcap=5.0)
    # Without smoothing, softcap is exact (no term to add back).
    out = at.sage_attention(q, k, v, softcap=5.0, smooth_k=False, q_block=4, k_block=4)
    want, _ = reference(q, k, v, softcap=5.0)
    record("softcap out", out, want)


# --- varlen ----------------------------------------------------------------------------------


def cu(lengths):
    return torch.tensor([0] + list(torch.tensor(lengths).cumsum(0).tolist()), dtype=torch.int32)


def varlen_reference(q, k, v, cq, ck, causal, hq, hkv):
    """float64 out (Tq, Hq, Dv) and lse (Hq, Tq) of packed q, k, v (test_cpu's reference per
    sequence); tokens past cu_seqlens_q[B] 0 and -inf."""
    tq, dv = q.shape[0], v.shape[2]
    out = torch.zeros(tq, hq, dv, dtype=torch.float64)
    lse = torch.full((hq, tq), float("-inf"), dtype=torch.float64)
    for s in range(len(cq) - 1):
        q0, q1, k0, k1 = int(cq[s]), int(cq[s + 1]), int(ck[s]), int(ck[s + 1])
        if q1 == q0:
            continue
        o, l = reference(q[q0:q1].transpose(0, 1)[None], k[k0:k1].transpose(0, 1)[None],
                         v[k0:k1].transpose(0, 1)[None], causal=causal)
        out[q0:q1] = o[0].transpose(0, 1)
        lse[:, q0:q1] = l[0]
    return out, lse


def dequantize_varlen(z, cq, ck):
    """The packed tensors a SageQuantizedVarlen stands for (blocks local to sequences)."""
    q, k = z.q.double(), z.k.double()
    v = decode(z.v, z.fp8_dtype)
    for s in range(len(cq) - 1):
        q0, q1, k0, k1 = int(cq[s]), int(cq[s + 1]), int(ck[s]), int(ck[s + 1])
        q[q0:q1] *= per_row(z.q_descale[s:s + 1], z.q_block, q1 - q0)[0].transpose(0, 1)
        k[k0:k1] *= per_row(z.k_descale[s:s + 1], z.k_block, k1 - k0)[0].transpose(0, 1)
        if z.k_mean is not None:
            k[k0:k1] += z.k_mean[s].double()[None]
        v[k0:k1] *= z.v_descale[s].double()[None]
    return q, k, v


# (q lengths, k lengths, tokens past the last sequence): an empty sequence, length 1,
# lengths that are not multiples of the tiles or blocks.
VARLEN = [((37, 0, 100), (50, 20, 77), 3), ((1, 1), (200, 1), 0), ((130,), (45,), 5)]


@pytest.mark.parametrize("lens", VARLEN, ids=["mixed", "decode", "one"])
@pytest.mark.parametrize("causal", [False, True])
@pytest.mark.parametrize("smooth", [True, False])
def test_varlen(lens, causal, smooth, seed):
    """sage_attention_varlen: exact against the dequantized inputs (per-sequence blocks and
    means), aiter's floor against the unquantized ones."""
    q_lens, k_lens, pad = lens
    hq, hkv, d = 4, 2, 64
    tq, tk = sum(q_lens) + pad, sum(k_lens)
    q = torch.randn(tq, hq, d).to(torch.bfloat16)
    k = (torch.randn(tk, hkv, d) + 2.0 * torch.rand(1, hkv, d)).to(torch.bfloat16)
    v = torch.randn(tk, hkv, d).to(torch.bfloat16)
    cq, ck = cu(q_lens), cu(k_lens)
    z = at.sage_quantize_varlen(q, k, v, cq, ck, q_block=16, k_block=48, smooth_k=smooth)
    out = torch.full((tq, hq, d), float("nan"), dtype=torch.bfloat16)
    got, lse = at.sage_attention_varlen_quantized(z.q, z.k, z.v, cq, ck, z.q_descale,
                                                  z.k_descale, z.v_descale, z.k_mean,
                                                  q_block=16, k_block=48, fp8_dtype="e4m3fn",
                                                  causal=causal, return_lse=True, out=out)
    assert got is out
    qd, kd, vd = dequantize_varlen(z, cq, ck)
    want, want_lse = varlen_reference(qd, kd, vd, cq, ck, causal, hq, hkv)
    check("out", got, want, TOL["bf16"], seed)
    check("lse", lse, want_lse, 1e-4, seed)
    record("exact varlen out", got, want)
    o2, l2 = at.sage_attention_varlen(q, k, v, cq, ck, causal=causal, return_lse=True,
                                      q_block=16, k_block=48, smooth_k=smooth)
    assert torch.equal(o2, got) and torch.equal(l2, lse)
    orig, orig_lse = varlen_reference(q, k, v, cq, ck, causal, hq, hkv)
    record("original varlen out", o2, orig)
    record("original varlen lse", l2, orig_lse)


def test_varlen_no_sequences():
    """B = 0: every token is past cu_seqlens_q[B]: 0 and lse -inf."""
    q = torch.randn(3, 2, 16)
    z = torch.zeros(1, dtype=torch.int32)
    got, lse = at.sage_attention_varlen(q, q[:0], q[:0], z, z, return_lse=True,
                                        out=torch.full((3, 2, 16), float("nan"),
                                                       dtype=torch.bfloat16))
    assert torch.equal(got, torch.zeros_like(got)) and torch.isinf(lse).all()


def test_report_errors():
    """Prints the worst errors reached (pytest -s): the table of docs/fp8.md."""
    for what, (err, cos) in sorted(ERRORS.items()):
        print("%-40s max abs err %.4g  min cosine %.6f" % (what, err, cos))
