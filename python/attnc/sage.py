"""SAGE-style quantized attention (issue 16 part 3, docs/fp8.md "SAGE"), on PyTorch
tensors: exported as attnc.torch.sage_attention, sage_quantize and
sage_attention_quantized.

SageAttention's recipe: Q as int8 with one scale per (batch, head, block of q_block
rows); K smoothed by subtracting its mean over the sequence, then int8 with one scale
per (batch, KV head, block of k_block keys); V as fp8 with one scale per (batch, KV
head, channel). The kernel (attn.mha with i8 q and k) computes Q K^T exactly in integers
and adds the smoothing term scale * q_i . mean(K) back into lse (softmax, and so out, is
invariant to it). The quantization runs with torch ops on the tensors' device.

torch 1.13 has no float8 dtypes, so V's fp8 values are uint8 bit patterns (fp8_dtype
says which format: "e4m3fn", bias 7, largest 448; "e4m3fnuz", bias 8, largest 240),
encoded here by rounding to the nearest value (ties to the even pattern).
"""
import math
from collections import namedtuple

__all__ = ["SageQuantized", "SageQuantizedVarlen", "sage_quantize", "sage_attention",
           "sage_attention_quantized", "sage_quantize_varlen", "sage_attention_varlen",
           "sage_attention_varlen_quantized"]

# The quantized inputs of attn.mha's SAGE form, all BHSD: q, k int8 (B, H, S, D); v the
# fp8 bit patterns, uint8 (B, Hkv, Sk, Dv); the float32 descales (B, Hq, ceil(Sq /
# q_block)), (B, Hkv, ceil(Sk / k_block)), (B, Hkv, Dv); k_mean (B, Hkv, D) float32 or
# None (no smoothing); the block sizes and v's format.
SageQuantized = namedtuple("SageQuantized", "q k v q_descale k_descale v_descale k_mean "
                                            "q_block k_block fp8_dtype")

_FP8_BIAS = {"e4m3fn": 7, "e4m3fnuz": 8}
_tables = {}


def _fp8_magnitudes(torch, fmt):
    """(values, bit patterns) of the non-negative finite fp8 numbers of `fmt`, sorted,
    from the format's definition (S.EEEE.MMM; e4m3fn's 0x7F and e4m3fnuz's 0x80 are
    NaN)."""
    if fmt not in _tables:
        bias, vals, bits = _FP8_BIAS[fmt], [], []
        for b in range(0x80):
            e, m = b >> 3, b & 7
            if fmt == "e4m3fn" and b == 0x7F:
                continue
            vals.append(m / 8.0 * 2.0 ** (1 - bias) if e == 0 else
                        (1 + m / 8.0) * 2.0 ** (e - bias))
            bits.append(b)
        _tables[fmt] = (torch.tensor(vals, dtype=torch.float64),
                        torch.tensor(bits, dtype=torch.int64))
    return _tables[fmt]


def _encode_fp8(torch, x, fmt):
    """x (float) -> the nearest fp8 bit patterns of `fmt` as uint8, saturating at the
    largest finite value; ties go to the even pattern."""
    mags, bits = _fp8_magnitudes(torch, fmt)
    mags, bits = mags.to(x.device), bits.to(x.device)
    a = x.double().abs().reshape(-1)
    i = torch.searchsorted(mags, a).clamp(1, mags.numel() - 1)
    lo, hi = mags[i - 1], mags[i]
    dlo, dhi = a - lo, hi - a
    pick = torch.where((dlo < dhi) | ((dlo == dhi) & (bits[i - 1] % 2 == 0)), i - 1, i)
    pick = torch.where(a >= mags[-1], torch.full_like(pick, mags.numel() - 1), pick)
    out = bits[pick]
    # e4m3fnuz has no negative zero (0x80 is its NaN).
    neg = (x.reshape(-1) < 0) & (mags[pick] > 0)
    out = torch.where(neg, out | 0x80, out)
    return out.to(torch.uint8).reshape(x.shape)


def _fp8_max(torch, fmt):
    return float(_fp8_magnitudes(torch, fmt)[0][-1])


def _quantize_int8(torch, x, block):
    """x (B, H, S, D) float32 -> (int8 (B, H, S, D), float32 (B, H, ceil(S / block))): one
    absmax scale per block of `block` rows (x / scale rounded, within [-127, 127]). An
    all-zero block gets scale 1."""
    b, h, s, d = x.shape
    n = max(1, -(-s // block))
    pad = n * block - s
    xp = torch.nn.functional.pad(x, (0, 0, 0, pad)) if pad else x
    amax = xp.reshape(b, h, n, block * d).abs().amax(dim=-1)
    scale = torch.where(amax > 0, amax / 127.0, torch.ones_like(amax)).float()
    per_row = scale.repeat_interleave(block, dim=2)[:, :, :s, None]
    q = torch.round(x / per_row).clamp(-127, 127).to(torch.int8)
    return q, scale


def sage_quantize(q, k, v, *, q_block=128, k_block=64, smooth_k=True, fp8_dtype="e4m3fn",
                  layout="bhsd"):
    """SAGE's quantization of float q (B, Hq, Sq, D), k (B, Hkv, Sk, D), v (B, Hkv, Sk, Dv)
    (layout "bhsd"; "bshd": (B, S, H, D)) with torch ops on their device: q per block of
    q_block rows to int8; k minus its mean over the sequence (smooth_k) per block of
    k_block keys to int8; v per channel to fp8 (uint8 bit patterns of fp8_dtype). Returns
    a SageQuantized in BHSD."""
    from .torch import _torch
    torch = _torch()
    fn = "attnc.torch.sage_quantize"
    if fp8_dtype not in _FP8_BIAS:
        raise ValueError("%s: fp8_dtype must be 'e4m3fn' or 'e4m3fnuz', got %r" % (fn, fp8_dtype))
    if layout not in ("bhsd", "bshd"):
        raise ValueError("%s: layout must be 'bhsd' or 'bshd', got %r" % (fn, layout))
    for name, blk in (("q_block", q_block), ("k_block", k_block)):
        if isinstance(blk, bool) or not isinstance(blk, int) or blk < 1:
            raise ValueError("%s: %s must be a positive int, got %r" % (fn, name, blk))
    for name, t in (("q", q), ("k", k), ("v", v)):
        if not isinstance(t, torch.Tensor) or t.dim() != 4 or not t.is_floating_point():
            raise ValueError("%s: %s must be a 4-d floating-point tensor, got %s"
                             % (fn, name, getattr(t, "dtype", type(t).__name__)))
    if layout == "bshd":
        q, k, v = q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2)
    with torch.no_grad():
        qf, kf, vf = q.float(), k.float(), v.float()
        k_mean = None
        if smooth_k:
            k_mean = kf.mean(dim=2) if kf.shape[2] > 0 else torch.zeros(
                kf.shape[0], kf.shape[1], kf.shape[3], dtype=torch.float32, device=kf.device)
            kf = kf - k_mean[:, :, None, :]
        qi, qd = _quantize_int8(torch, qf, q_block)
        ki, kd = _quantize_int8(torch, kf, k_block)
        vmax = vf.abs().amax(dim=2) if vf.shape[2] > 0 else torch.zeros(
            vf.shape[0], vf.shape[1], vf.shape[3], device=vf.device)
        vd = torch.where(vmax > 0, vmax / _fp8_max(torch, fp8_dtype),
                         torch.ones_like(vmax)).float()
        vb = _encode_fp8(torch, vf / vd[:, :, None, :], fp8_dtype)
    return SageQuantized(qi.contiguous(), ki.contiguous(), vb.contiguous(), qd.contiguous(),
                         kd.contiguous(), vd.contiguous(),
                         None if k_mean is None else k_mean.contiguous(), q_block, k_block,
                         fp8_dtype)


def _check_scale(fn, name, x, shape, dev, torch):
    if not isinstance(x, torch.Tensor) or x.dtype != torch.float32:
        raise ValueError("%s: %s must be a float32 tensor, got %s"
                         % (fn, name, getattr(x, "dtype", type(x).__name__)))
    if tuple(x.shape) != tuple(shape):
        raise ValueError("%s: %s must have shape %s, got %s"
                         % (fn, name, tuple(shape), tuple(x.shape)))
    if x.device != dev:
        raise ValueError("%s: %s is on %s, q on %s" % (fn, name, x.device, dev))
    return x.contiguous()


def _check_quantized(at, torch, fn, q, k, v, sinks, fp8_dtype, rank):
    """The checks of SAGE's quantized inputs (q, k int8; v fp8 bits; rank-`rank` tensors);
    returns v's fp8 format."""
    for name, t in (("q", q), ("k", k), ("v", v)):
        at._check_tensor(fn, name, t, torch, rank)
    for name, t in (("q", q), ("k", k)):
        if t.dtype != torch.int8:
            raise ValueError("%s: %s must be int8, got %s" % (fn, name, t.dtype))
    at._fp8_guards(fn, q, (q, k, v, sinks), torch)
    return at._fp8_format(fn, ("v",), (v,), fp8_dtype, torch)


def sage_attention_quantized(q, k, v, q_descale, k_descale, v_descale, k_mean=None, *,
                             q_block, k_block, fp8_dtype=None, causal=False, scale=None,
                             window=(-1, -1), softcap=0.0, alibi_slopes=None, sinks=None,
                             return_lse=False, out=None, out_dtype=None):
    """Attention of SAGE-quantized BHSD tensors (attn.mha with i8 q and k): the attention
    of (q[b, h, i] * q_descale[b, h, i // q_block], k[b, g, j] * k_descale[b, g,
    j // k_block] + k_mean[b, g], v[b, g, j, c] * v_descale[b, g, c]), g = h // (Hq //
    Hkv). q, k int8; v uint8 fp8 bit patterns with fp8_dtype (or native float8); the
    descales float32 of shapes (B, Hq, ceil(Sq / q_block)), (B, Hkv, ceil(Sk / k_block)),
    (B, Hkv, Dv); k_mean (B, Hkv, D) float32 or None. Returns out (B, Hq, Sq, Dv) in
    bfloat16 (out_dtype / out='s dtype: float16) and, with return_lse, lse (B, Hq, Sq)."""
    from . import torch as at
    torch = at._torch()
    fn = "attnc.torch.sage_attention_quantized"
    fmt = _check_quantized(at, torch, fn, q, k, v, sinks, fp8_dtype, 4)
    if not (q.device == k.device == v.device):
        raise ValueError("%s: q, k and v must be on one device" % fn)
    b, hq, sq, d = q.shape
    bk, hkv, sk, dk = k.shape
    bv, hv, skv, dv = v.shape
    if not (b == bk == bv) or hv != hkv or skv != sk:
        raise ValueError("%s: q, k and v must agree in batch, and k and v in heads and "
                         "sequence length, got %s, %s, %s"
                         % (fn, tuple(q.shape), tuple(k.shape), tuple(v.shape)))
    window = at._check_common(fn, hq, hkv, d, dk, scale, window, softcap)
    for name, blk in (("q_block", q_block), ("k_block", k_block)):
        if isinstance(blk, bool) or not isinstance(blk, int) or blk < 1:
            raise ValueError("%s: %s must be a positive int, got %r" % (fn, name, blk))
    if k_mean is not None and (softcap or sinks is not None):
        raise ValueError("%s: k_mean (smoothed K) cannot be combined with softcap or sinks: "
                         "the smoothing term is added back to lse only, which is exact for "
                         "the shift-invariant softmax alone (pass smooth_k=False)" % fn)
    dev = q.device
    qd = _check_scale(fn, "q_descale", q_descale, (b, hq, max(1, -(-sq // q_block))), dev, torch)
    kd = _check_scale(fn, "k_descale", k_descale, (b, hkv, max(1, -(-sk // k_block))), dev,
                      torch)
    vd = _check_scale(fn, "v_descale", v_descale, (b, hkv, dv), dev, torch)
    km = None if k_mean is None else _check_scale(fn, "k_mean", k_mean, (b, hkv, d), dev, torch)
    slopes = at._check_alibi(fn, alibi_slopes, hq, dev, torch)
    sinks = at._check_sinks(fn, sinks, hq, dev, torch)
    dt = at._fp8_out_dtype(fn, out, out_dtype, torch)
    out = at._check_out(fn, out, (b, hq, sq, dv), dt, dev, torch)
    if out is None:
        out = torch.empty((b, hq, sq, dv), dtype=dt, device=dev)
    lse = torch.empty((b, hq, sq), dtype=torch.float32, device=dev) if return_lse else None
    spec = dict(dtype=at._dtype_name(out), head_dim=d, head_dim_v=dv, num_heads_q=hq,
                num_heads_kv=hkv, causal=bool(causal), scale=scale, window=window,
                softcap=float(softcap), alibi=slopes is not None, return_lse=bool(return_lse),
                sinks=sinks is not None, fp8=fmt,
                # sorted (name, value) pairs: hashable, the launch cache keys on them
                sage=(("k_block", k_block), ("k_mean", km is not None), ("q_block", q_block)))
    named = {"q": q, "k": k, "v": at._fp8_bytes(v, torch), "alibi": slopes, "sinks": sinks,
             "q_descale": qd, "k_descale": kd, "v_descale": vd, "k_mean": km, "out": out,
             "lse": lse}
    kern = at._kernel(spec, at._device_string(torch, dev))
    at._launch_kernel(fn, kern.module, kern.info, named, at._stream(torch, dev))
    return (out, lse) if return_lse else out


def sage_attention(q, k, v, *, causal=False, scale=None, window=(-1, -1), return_lse=False,
                   layout="bhsd", q_block=128, k_block=64, smooth_k=True, fp8_dtype="e4m3fn",
                   softcap=0.0, alibi_slopes=None, sinks=None, out=None, out_dtype=None):
    """SageAttention on float q (B, Hq, Sq, D), k (B, Hkv, Sk, D), v (B, Hkv, Sk, Dv)
    (layout "bhsd"; "bshd": (B, S, H, D)): quantizes them with sage_quantize (Q int8 per
    block of q_block rows, K smoothed by its mean over the sequence when smooth_k and int8
    per block of k_block keys, V fp8 per channel in fp8_dtype) and runs the SAGE kernel
    (exact int8 Q K^T, the smoothing term added back to lse). Options as attention()'s;
    smooth_k excludes softcap and sinks (pass smooth_k=False with them). Returns out in
    q's layout, in q's dtype if that is bfloat16 / float16 (else bfloat16; out_dtype or
    out= choose), and, with return_lse, lse (B, Hq, Sq) float32."""
    from . import torch as at
    torch = at._torch()
    fn = "attnc.torch.sage_attention"
    if layout not in ("bhsd", "bshd"):
        raise ValueError("%s: layout must be 'bhsd' or 'bshd', got %r" % (fn, layout))
    if smooth_k and (softcap or sinks is not None):
        raise ValueError("%s: smooth_k cannot be combined with softcap or sinks (the smoothing "
                         "term is added back to lse only, exact for the shift-invariant "
                         "softmax alone); pass smooth_k=False" % fn)
    for name, t in (("q", q), ("k", k), ("v", v)):
        at._check_tensor(fn, name, t, torch, 4)
        if not t.is_floating_point():
            raise ValueError("%s: %s must be floating point (sage_attention_quantized takes "
                             "quantized tensors), got %s" % (fn, name, t.dtype))
    if out_dtype is None and out is None:
        out_dtype = q.dtype if q.dtype in (torch.bfloat16, torch.float16) else torch.bfloat16
    qz = sage_quantize(q, k, v, q_block=q_block, k_block=k_block, smooth_k=smooth_k,
                       fp8_dtype=fp8_dtype, layout=layout)
    if out is None and layout == "bshd":  # out in q's layout, written through a BHSD view
        b, hq, sq, dv = qz.q.shape[0], qz.q.shape[1], qz.q.shape[2], qz.v.shape[3]
        out = torch.empty((b, sq, hq, dv), dtype=out_dtype, device=q.device)
    outb = out if out is None or layout == "bhsd" else out.transpose(1, 2)
    res = sage_attention_quantized(
        qz.q, qz.k, qz.v, qz.q_descale, qz.k_descale, qz.v_descale, qz.k_mean,
        q_block=q_block, k_block=k_block, fp8_dtype=fp8_dtype, causal=causal, scale=scale,
        window=window, softcap=softcap, alibi_slopes=alibi_slopes, sinks=sinks,
        return_lse=return_lse, out=outb, out_dtype=out_dtype)
    o, lse = res if return_lse else (res, None)
    if out is not None:
        o = out
    return (o, lse) if return_lse else o


# --- packed variable-length sequences ------------------------------------------------------------
#
# attn.mha_varlen's SAGE form: the blocks are local to each sequence (row i of sequence b
# uses q_descale[b, h, i // q_block]), the descales' last dims cover the longest sequence,
# and k_mean[b] is the mean of sequence b's keys.

SageQuantizedVarlen = namedtuple("SageQuantizedVarlen", SageQuantized._fields)


def _offsets(fn, name, cu, dev, torch):
    if not isinstance(cu, torch.Tensor) or cu.dtype != torch.int32 or cu.dim() != 1 or \
            cu.numel() < 1 or cu.device != dev:
        raise ValueError("%s: %s must be an int32 (B+1,) tensor on q's device" % (fn, name))
    return [int(x) for x in cu.tolist()]


def sage_quantize_varlen(q, k, v, cu_seqlens_q, cu_seqlens_k, *, q_block=128, k_block=64,
                         smooth_k=True, fp8_dtype="e4m3fn"):
    """sage_quantize for packed q (Tq, Hq, D), k (Tk, Hkv, D), v (Tk, Hkv, Dv) of B
    sequences (cu_seqlens int32 (B+1,)): per sequence, its rows in blocks from its first
    token, K smoothed by its own mean. The descales are (B, H, N) with N the blocks of the
    longest sequence (1 at least; unused entries 1); v's scale (B, Hkv, Dv) per sequence
    and channel; k_mean (B, Hkv, D). q, k, v stay packed (int8, int8, uint8 fp8 bits)."""
    from .torch import _torch
    torch = _torch()
    fn = "attnc.torch.sage_quantize_varlen"
    if fp8_dtype not in _FP8_BIAS:
        raise ValueError("%s: fp8_dtype must be 'e4m3fn' or 'e4m3fnuz', got %r" % (fn, fp8_dtype))
    for name, t in (("q", q), ("k", k), ("v", v)):
        if not isinstance(t, torch.Tensor) or t.dim() != 3 or not t.is_floating_point():
            raise ValueError("%s: %s must be a 3-d floating-point tensor, got %s"
                             % (fn, name, getattr(t, "dtype", type(t).__name__)))
    cq = _offsets(fn, "cu_seqlens_q", cu_seqlens_q, q.device, torch)
    ck = _offsets(fn, "cu_seqlens_k", cu_seqlens_k, q.device, torch)
    if len(cq) != len(ck):
        raise ValueError("%s: cu_seqlens_q and cu_seqlens_k must have the same length" % fn)
    nseq, hq, d = len(cq) - 1, q.shape[1], q.shape[2]
    hkv, dv = k.shape[1], v.shape[2]
    nq = max([1] + [-(-(cq[b + 1] - cq[b]) // q_block) for b in range(nseq)])
    nk = max([1] + [-(-(ck[b + 1] - ck[b]) // k_block) for b in range(nseq)])
    dev = q.device
    with torch.no_grad():
        qi, ki = torch.zeros_like(q, dtype=torch.int8), torch.zeros_like(k, dtype=torch.int8)
        vb = torch.zeros_like(v, dtype=torch.uint8)
        qd = torch.ones(nseq, hq, nq, dtype=torch.float32, device=dev)
        kd = torch.ones(nseq, hkv, nk, dtype=torch.float32, device=dev)
        vd = torch.ones(nseq, hkv, dv, dtype=torch.float32, device=dev)
        km = torch.zeros(nseq, hkv, d, dtype=torch.float32, device=dev)
        for b in range(nseq):
            # One sequence as a BHSD batch of one (views of the packed tensors).
            z = sage_quantize(q[cq[b]:cq[b + 1]].transpose(0, 1)[None],
                              k[ck[b]:ck[b + 1]].transpose(0, 1)[None],
                              v[ck[b]:ck[b + 1]].transpose(0, 1)[None], q_block=q_block,
                              k_block=k_block, smooth_k=smooth_k, fp8_dtype=fp8_dtype)
            qi[cq[b]:cq[b + 1]] = z.q[0].transpose(0, 1)
            ki[ck[b]:ck[b + 1]] = z.k[0].transpose(0, 1)
            vb[ck[b]:ck[b + 1]] = z.v[0].transpose(0, 1)
            qd[b, :, :z.q_descale.shape[2]] = z.q_descale[0]
            kd[b, :, :z.k_descale.shape[2]] = z.k_descale[0]
            vd[b] = z.v_descale[0]
            if z.k_mean is not None:
                km[b] = z.k_mean[0]
    return SageQuantizedVarlen(qi, ki, vb, qd, kd, vd, km if smooth_k else None, q_block,
                               k_block, fp8_dtype)


def sage_attention_varlen_quantized(q, k, v, cu_seqlens_q, cu_seqlens_k, q_descale, k_descale,
                                    v_descale, k_mean=None, *, q_block, k_block, fp8_dtype=None,
                                    causal=False, scale=None, window=(-1, -1), softcap=0.0,
                                    alibi_slopes=None, sinks=None, return_lse=False, out=None,
                                    out_dtype=None):
    """sage_attention_quantized over packed sequences (attn.mha_varlen's SAGE form): q, k
    int8 (Tq, Hq, D), (Tk, Hkv, D); v fp8 bits (Tk, Hkv, Dv); the descales (B, Hq, NQ),
    (B, Hkv, NK), (B, Hkv, Dv) with per-sequence blocks, NQ / NK covering the longest
    sequence; k_mean (B, Hkv, D) or None. Returns out (Tq, Hq, Dv) and, with return_lse,
    lse (Hq, Tq); tokens past cu_seqlens_q[B] get 0 (lse -inf, or the sink)."""
    from . import torch as at
    torch = at._torch()
    fn = "attnc.torch.sage_attention_varlen_quantized"
    fmt = _check_quantized(at, torch, fn, q, k, v, sinks, fp8_dtype, 3)
    tq, hq, d = q.shape
    tk, hkv, dk = k.shape
    tv, hv, dv = v.shape
    if hv != hkv or tv != tk:
        raise ValueError("%s: k and v must have the same tokens and heads, got %s and %s"
                         % (fn, tuple(k.shape), tuple(v.shape)))
    window = at._check_common(fn, hq, hkv, d, dk, scale, window, softcap)
    dev = q.device
    cq = _offsets(fn, "cu_seqlens_q", cu_seqlens_q, dev, torch)
    ck = _offsets(fn, "cu_seqlens_k", cu_seqlens_k, dev, torch)
    if len(cq) != len(ck):
        raise ValueError("%s: cu_seqlens_q and cu_seqlens_k must have the same length (B+1), "
                         "got %d and %d" % (fn, len(cq), len(ck)))
    for name, blk in (("q_block", q_block), ("k_block", k_block)):
        if isinstance(blk, bool) or not isinstance(blk, int) or blk < 1:
            raise ValueError("%s: %s must be a positive int, got %r" % (fn, name, blk))
    if k_mean is not None and (softcap or sinks is not None):
        raise ValueError("%s: k_mean (smoothed K) cannot be combined with softcap or sinks: "
                         "the smoothing term is added back to lse only, which is exact for "
                         "the shift-invariant softmax alone (pass smooth_k=False)" % fn)
    nseq = len(cq) - 1
    nq = max([1] + [-(-(cq[b + 1] - cq[b]) // q_block) for b in range(nseq)])
    nk = max([1] + [-(-(ck[b + 1] - ck[b]) // k_block) for b in range(nseq)])
    for name, x, h in (("q_descale", q_descale, hq), ("k_descale", k_descale, hkv)):
        n = x.shape[2] if isinstance(x, torch.Tensor) and x.dim() == 3 else -1
        want = nq if name == "q_descale" else nk
        _check_scale(fn, name, x, (nseq, h, max(n, want)), dev, torch)
        if n < want:
            raise ValueError("%s: %s covers %d blocks, the longest sequence has %d"
                             % (fn, name, n, want))
    qd, kd = q_descale.contiguous(), k_descale.contiguous()
    vd = _check_scale(fn, "v_descale", v_descale, (nseq, hkv, dv), dev, torch)
    km = None if k_mean is None else _check_scale(fn, "k_mean", k_mean, (nseq, hkv, d), dev,
                                                  torch)
    slopes = at._check_alibi(fn, alibi_slopes, hq, dev, torch)
    sinks = at._check_sinks(fn, sinks, hq, dev, torch)
    dt = at._fp8_out_dtype(fn, out, out_dtype, torch)
    out = at._check_out(fn, out, (tq, hq, dv), dt, dev, torch)
    if out is None:
        out = torch.empty((tq, hq, dv), dtype=dt, device=dev)
    lse = torch.empty((hq, tq), dtype=torch.float32, device=dev) if return_lse else None
    if nseq == 0:
        # No sequence: every token is past cu_seqlens_q[B], and the kernel would read a
        # descale row of an empty (0, H, N) tensor.
        out.zero_()
        if lse is not None:
            lse.copy_(sinks[:, None].expand(hq, tq) if sinks is not None else
                      torch.full((hq, tq), -math.inf, dtype=torch.float32, device=dev))
        return (out, lse) if return_lse else out
    spec = dict(dtype=at._dtype_name(out), head_dim=d, head_dim_v=dv, num_heads_q=hq,
                num_heads_kv=hkv, causal=bool(causal), scale=scale, window=window,
                softcap=float(softcap), alibi=slopes is not None, return_lse=bool(return_lse),
                varlen=True, sinks=sinks is not None, fp8=fmt,
                sage=(("k_block", k_block), ("k_mean", km is not None), ("q_block", q_block)))
    named = {"q": q, "k": k, "v": at._fp8_bytes(v, torch), "cu_seqlens_q": cu_seqlens_q,
             "cu_seqlens_k": cu_seqlens_k, "alibi": slopes, "sinks": sinks, "q_descale": qd,
             "k_descale": kd, "v_descale": vd, "k_mean": km, "out": out, "lse": lse}
    kern = at._kernel(spec, at._device_string(torch, dev))
    at._launch_kernel(fn, kern.module, kern.info, named, at._stream(torch, dev))
    return (out, lse) if return_lse else out


def sage_attention_varlen(q, k, v, cu_seqlens_q, cu_seqlens_k, max_seqlen_q=None,
                          max_seqlen_k=None, *, causal=False, scale=None, window=(-1, -1),
                          return_lse=False, q_block=128, k_block=64, smooth_k=True,
                          fp8_dtype="e4m3fn", softcap=0.0, alibi_slopes=None, sinks=None,
                          out=None, out_dtype=None):
    """sage_attention over packed float q (Tq, Hq, D), k (Tk, Hkv, D), v (Tk, Hkv, Dv) of
    B sequences (cu_seqlens int32 (B+1,); max_seqlen_* accepted for FlashAttention
    compatibility, not needed): sage_quantize_varlen (blocks and K's mean per sequence),
    then the SAGE kernel. Returns out (Tq, Hq, Dv) (q's dtype if bfloat16 / float16, else
    bfloat16) and, with return_lse, lse (Hq, Tq)."""
    from . import torch as at
    torch = at._torch()
    fn = "attnc.torch.sage_attention_varlen"
    if smooth_k and (softcap or sinks is not None):
        raise ValueError("%s: smooth_k cannot be combined with softcap or sinks (the smoothing "
                         "term is added back to lse only, exact for the shift-invariant "
                         "softmax alone); pass smooth_k=False" % fn)
    for name, t in (("q", q), ("k", k), ("v", v)):
        at._check_tensor(fn, name, t, torch, 3)
    if out_dtype is None and out is None:
        out_dtype = q.dtype if q.dtype in (torch.bfloat16, torch.float16) else torch.bfloat16
    z = sage_quantize_varlen(q, k, v, cu_seqlens_q, cu_seqlens_k, q_block=q_block,
                             k_block=k_block, smooth_k=smooth_k, fp8_dtype=fp8_dtype)
    return sage_attention_varlen_quantized(
        z.q, z.k, z.v, cu_seqlens_q, cu_seqlens_k, z.q_descale, z.k_descale, z.v_descale,
        z.k_mean, q_block=q_block, k_block=k_block, fp8_dtype=fp8_dtype, causal=causal,
        scale=scale, window=window, softcap=softcap, alibi_slopes=alibi_slopes, sinks=sinks,
        return_lse=return_lse, out=out, out_dtype=out_dtype)
