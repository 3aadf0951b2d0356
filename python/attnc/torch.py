"""attnc for PyTorch tensors (CPU and CUDA): ``attention`` and ``attention_varlen``.

torch is imported when a function is called, not when this module is; tensors
are passed to the kernels as they are (address, sizes, strides: no copies),
so any layout whose last dimension has unit stride works.
"""
import math

from . import kernels
from ._lib import RtTensor as _RtTensor
from .spec import AttentionSpec


def _torch():
    import torch  # noqa: F811  (lazily: `import attnc` works without torch)
    return torch


_DTYPE_NAMES = {"bfloat16": "bf16", "float16": "f16", "float32": "f32"}


def _dtype_name(t):
    return _DTYPE_NAMES.get(str(t.dtype).replace("torch.", ""))


def _device_string(torch, dev):
    """attnrt's name of a torch device: "cpu", "cuda:N" ("hip:N" under ROCm)."""
    if dev.type == "cpu":
        return "cpu"
    if dev.type == "cuda":
        index = dev.index if dev.index is not None else torch.cuda.current_device()
        return ("hip:%d" if getattr(torch.version, "hip", None) else "cuda:%d") % index
    raise ValueError("attnc: tensors on %s are not supported (cpu or cuda)" % dev)


def _stream(torch, dev):
    if dev.type == "cpu":
        return None
    return torch.cuda.current_stream(dev).cuda_stream or None


def _fill(arr, i, t):
    """arr[i] (an attnrt tensor) = torch tensor t as it is in memory."""
    c = arr[i]
    c.data = t.data_ptr() or None
    n = t.dim()
    c.rank = n
    sizes, strides = t.shape, t.stride()
    for j in range(n):
        c.sizes[j] = sizes[j]
        c.strides[j] = strides[j]
    if n and sizes[n - 1] <= 1:
        c.strides[n - 1] = 1  # any stride will do for a dim of one element


def _check_tensor(fn, name, t, torch, rank):
    if not isinstance(t, torch.Tensor):
        raise TypeError("%s: %s must be a torch.Tensor, got %s" % (fn, name, type(t).__name__))
    if t.dim() != rank:
        raise ValueError("%s: %s must have %d dimensions, got shape %s"
                         % (fn, name, rank, tuple(t.shape)))
    if t.size(-1) > 1 and t.stride(-1) != 1:
        raise ValueError("%s: the last dimension of %s must be contiguous (stride 1), got "
                         "strides %s (use .contiguous())" % (fn, name, tuple(t.stride())))
    if t.requires_grad and torch.is_grad_enabled():
        raise ValueError("%s: %s requires grad; attnc has no backward pass (call under "
                         "torch.no_grad() or pass .detach())" % (fn, name))


def _check_gpu_alignment(fn, name, t):
    """GPU kernels move rows in 16-byte pieces (cp.async on NVIDIA, 128-bit loads on
    AMD): each row must start on a 16-byte boundary. A misaligned access would fault
    on the device (and poison the CUDA context), so it is refused here."""
    if t.device.type == "cpu" or t.numel() == 0:
        return
    size = t.element_size()
    bad = t.data_ptr() % 16 or any(
        (st * size) % 16 for st, sz in zip(t.stride()[:-1], t.shape[:-1]) if sz > 1)
    if bad:
        raise ValueError("%s: %s rows must start on 16-byte boundaries on the GPU (address %#x, "
                         "strides %s, %d-byte elements); use .contiguous()"
                         % (fn, name, t.data_ptr(), tuple(t.stride()), size))


def _check_qkv(fn, q, k, v, torch, rank):
    for name, t in (("q", q), ("k", k), ("v", v)):
        _check_tensor(fn, name, t, torch, rank)
    if not (q.dtype == k.dtype == v.dtype):
        raise ValueError("%s: q, k and v must have the same dtype, got %s, %s, %s"
                         % (fn, q.dtype, k.dtype, v.dtype))
    if _dtype_name(q) is None:
        raise ValueError("%s: dtype %s is not supported (bfloat16, float16, float32)"
                         % (fn, q.dtype))
    if not (q.device == k.device == v.device):
        raise ValueError("%s: q, k and v must be on one device, got %s, %s, %s"
                         % (fn, q.device, k.device, v.device))
    for name, t in (("q", q), ("k", k), ("v", v)):
        _check_gpu_alignment(fn, name, t)


def _check_common(fn, hq, hkv, d, dk, scale, window, softcap):
    if dk != d:
        raise ValueError("%s: q and k must have the same head_dim, got %d and %d" % (fn, d, dk))
    if hkv == 0 or hq % hkv:
        raise ValueError("%s: the query heads (%d) must be a multiple of the key/value heads "
                         "(%d)" % (fn, hq, hkv))
    try:
        left, right = window
        left, right = int(left), int(right)
    except (TypeError, ValueError):
        raise ValueError("%s: window must be a pair (left, right), got %r" % (fn, window))
    if left < -1 or right < -1:
        raise ValueError("%s: window sizes must be >= -1 (-1: unbounded), got %r"
                         % (fn, window))
    if scale is not None and not (math.isfinite(scale) and scale > 0):
        raise ValueError("%s: scale must be a positive finite number, got %r" % (fn, scale))
    if softcap is None or not math.isfinite(softcap) or softcap < 0:
        raise ValueError("%s: softcap must be >= 0 (0: none), got %r" % (fn, softcap))
    return left, right


def _check_alibi(fn, slopes, hq, dev, torch):
    if slopes is None:
        return None
    if not isinstance(slopes, torch.Tensor):
        raise TypeError("%s: alibi_slopes must be a torch.Tensor" % fn)
    if tuple(slopes.shape) != (hq,):
        raise ValueError("%s: alibi_slopes must have shape (num_heads_q,) = (%d,), got %s"
                         % (fn, hq, tuple(slopes.shape)))
    if slopes.dtype != torch.float32:
        raise ValueError("%s: alibi_slopes must be float32, got %s" % (fn, slopes.dtype))
    if slopes.device != dev:
        raise ValueError("%s: alibi_slopes is on %s, q on %s" % (fn, slopes.device, dev))
    return slopes


def _check_out(fn, out, shape, dtype, dev, torch):
    if out is None:
        return None
    if not isinstance(out, torch.Tensor):
        raise TypeError("%s: out must be a torch.Tensor" % fn)
    if tuple(out.shape) != tuple(shape):
        raise ValueError("%s: out must have shape %s, got %s" % (fn, tuple(shape),
                                                                 tuple(out.shape)))
    if out.dtype != dtype:
        raise ValueError("%s: out must have dtype %s, got %s" % (fn, dtype, out.dtype))
    if out.device != dev:
        raise ValueError("%s: out is on %s, q on %s" % (fn, out.device, dev))
    if out.size(-1) > 1 and out.stride(-1) != 1:
        raise ValueError("%s: the last dimension of out must be contiguous (stride 1), got "
                         "strides %s" % (fn, tuple(out.stride())))
    _check_gpu_alignment(fn, "out", out)
    if any(st == 0 and sz > 1 for st, sz in zip(out.stride(), out.shape)):
        raise ValueError("%s: out must not overlap itself (a zero stride), got strides %s"
                         % (fn, tuple(out.stride())))
    return out


# Kernels by call signature: the hot path skips building an AttentionSpec.
_by_signature = {}


def _kernel(spec_args, device):
    sig = (device,) + tuple(spec_args.values())  # built in one order by each caller
    hit = _by_signature.get(sig)
    if hit is not None and hit[0] == kernels._generation:
        return hit[1]
    k = kernels.get(AttentionSpec(**spec_args), device)
    _by_signature[sig] = (kernels._generation, k)
    return k


def _launch(fn, spec_args, dev, torch, named):
    """Looks the kernel up and launches it with the tensors of `named` (role ->
    torch tensor) in the kernel's argument order."""
    device = _device_string(torch, dev)
    k = _kernel(spec_args, device)
    args = k.info.args
    arr = (_RtTensor * len(args))()
    for i, a in enumerate(args):
        t = named.get(a.name)
        if t is None:
            raise RuntimeError("%s: the kernel %s wants argument %r, which this call does not "
                               "have" % (fn, k.name, a.name))
        if t.dim() != a.rank:
            raise RuntimeError("%s: kernel %s argument %s has rank %d, the tensor %d"
                               % (fn, k.name, a.name, a.rank, t.dim()))
        _fill(arr, i, t)
    k.module._launch(k.name.encode(), arr, len(args), _stream(torch, dev))


def attention(q, k, v, *, causal=False, scale=None, window=(-1, -1), softcap=0.0,
              alibi_slopes=None, return_lse=False, layout="bhsd", out=None):
    """Attention over batched sequences (FlashAttention semantics, bottom-right aligned
    masks).

    layout "bhsd": q (B, Hq, Sq, D), k (B, Hkv, Sk, D), v (B, Hkv, Sk, Dv);
    layout "bshd": q (B, Sq, Hq, D), k/v (B, Sk, Hkv, D/Dv). Any strides with a unit
    stride on the last dimension (transposed views, slices of a packed QKV): no copies.
    Hq a multiple of Hkv (GQA, MQA); Sq may differ from Sk.

    causal: query i sees key j <= i + Sk - Sq. window=(left, right): keys within
    [i + Sk - Sq - left, i + Sk - Sq + right] (-1: unbounded). scale: default
    1/sqrt(D). softcap c > 0: logits c * tanh(logits / c). alibi_slopes: (Hq,) float32,
    logits -= slope[h] * |i + Sk - Sq - j|.

    Returns out (in q's layout and dtype; `out=` a preallocated one that is written
    and returned) and, with return_lse, lse (B, Hq, Sq) float32 (natural log; -inf for
    rows that see no key, whose out is 0).
    """
    fn = "attnc.torch.attention"
    torch = _torch()
    if layout not in ("bhsd", "bshd"):
        raise ValueError("%s: layout must be 'bhsd' or 'bshd', got %r" % (fn, layout))
    _check_qkv(fn, q, k, v, torch, 4)
    if layout == "bshd":
        qb, kb, vb = q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2)
    else:
        qb, kb, vb = q, k, v
    b, hq, sq, d = qb.shape
    bk, hkv, sk, dk = kb.shape
    bv, hv, skv, dv = vb.shape
    if not (b == bk == bv):
        raise ValueError("%s: q, k and v must have the same batch size, got %d, %d, %d"
                         % (fn, b, bk, bv))
    if hv != hkv or skv != sk:
        raise ValueError("%s: k and v must have the same heads and sequence length, got k %s "
                         "and v %s (%s)" % (fn, tuple(k.shape), tuple(v.shape), layout))
    window = _check_common(fn, hq, hkv, d, dk, scale, window, softcap)
    dev = q.device
    slopes = _check_alibi(fn, alibi_slopes, hq, dev, torch)
    shape = (b, hq, sq, dv) if layout == "bhsd" else (b, sq, hq, dv)
    out = _check_out(fn, out, shape, q.dtype, dev, torch)
    if out is None:
        out = torch.empty(shape, dtype=q.dtype, device=dev)
    outb = out if layout == "bhsd" else out.transpose(1, 2)
    lse = torch.empty((b, hq, sq), dtype=torch.float32, device=dev) if return_lse else None
    spec = dict(dtype=_dtype_name(q), head_dim=d, head_dim_v=dv, num_heads_q=hq,
                num_heads_kv=hkv, causal=bool(causal), scale=scale, window=window,
                softcap=float(softcap), alibi=slopes is not None, return_lse=bool(return_lse))
    _launch(fn, spec, dev, torch, {"q": qb, "k": kb, "v": vb, "alibi": slopes, "out": outb,
                                   "lse": lse})
    return (out, lse) if return_lse else out


def attention_varlen(q, k, v, cu_seqlens_q, cu_seqlens_k, max_seqlen_q=None, max_seqlen_k=None,
                     *, causal=False, scale=None, window=(-1, -1), softcap=0.0,
                     alibi_slopes=None, return_lse=False, out=None):
    """Attention over packed variable-length sequences.

    q (Tq, Hq, D), k (Tk, Hkv, D), v (Tk, Hkv, Dv); cu_seqlens_q / cu_seqlens_k int32
    (B+1,) on q's device: sequence b owns query tokens [cu_seqlens_q[b],
    cu_seqlens_q[b+1]) and keys [cu_seqlens_k[b], cu_seqlens_k[b+1]); masks and ALiBi
    use positions local to each sequence. Query tokens past cu_seqlens_q[B] give 0
    (lse -inf). max_seqlen_q/k are accepted for FlashAttention compatibility and not
    needed. Options as in attention(). Returns out (Tq, Hq, Dv) (or `out=`) and, with
    return_lse, lse (Hq, Tq) float32.
    """
    fn = "attnc.torch.attention_varlen"
    torch = _torch()
    _check_qkv(fn, q, k, v, torch, 3)
    tq, hq, d = q.shape
    tk, hkv, dk = k.shape
    tv, hv, dv = v.shape
    if hv != hkv or tv != tk:
        raise ValueError("%s: k and v must have the same tokens and heads, got %s and %s"
                         % (fn, tuple(k.shape), tuple(v.shape)))
    window = _check_common(fn, hq, hkv, d, dk, scale, window, softcap)
    dev = q.device
    for name, cu in (("cu_seqlens_q", cu_seqlens_q), ("cu_seqlens_k", cu_seqlens_k)):
        if not isinstance(cu, torch.Tensor):
            raise TypeError("%s: %s must be a torch.Tensor" % (fn, name))
        if cu.dtype != torch.int32:
            raise ValueError("%s: %s must be int32, got %s" % (fn, name, cu.dtype))
        if cu.dim() != 1 or cu.numel() < 1:
            raise ValueError("%s: %s must have shape (B+1,), got %s"
                             % (fn, name, tuple(cu.shape)))
        if cu.device != dev:
            raise ValueError("%s: %s is on %s, q on %s" % (fn, name, cu.device, dev))
    if cu_seqlens_q.numel() != cu_seqlens_k.numel():
        raise ValueError("%s: cu_seqlens_q and cu_seqlens_k must have the same length (B+1), "
                         "got %d and %d" % (fn, cu_seqlens_q.numel(), cu_seqlens_k.numel()))
    for name, m in (("max_seqlen_q", max_seqlen_q), ("max_seqlen_k", max_seqlen_k)):
        if m is not None and int(m) < 0:
            raise ValueError("%s: %s must be >= 0, got %r" % (fn, name, m))
    slopes = _check_alibi(fn, alibi_slopes, hq, dev, torch)
    out = _check_out(fn, out, (tq, hq, dv), q.dtype, dev, torch)
    if out is None:
        out = torch.empty((tq, hq, dv), dtype=q.dtype, device=dev)
    lse = torch.empty((hq, tq), dtype=torch.float32, device=dev) if return_lse else None
    spec = dict(dtype=_dtype_name(q), head_dim=d, head_dim_v=dv, num_heads_q=hq,
                num_heads_kv=hkv, causal=bool(causal), scale=scale, window=window,
                softcap=float(softcap), alibi=slopes is not None, return_lse=bool(return_lse),
                varlen=True)
    _launch(fn, spec, dev, torch, {"q": q, "k": k, "v": v, "cu_seqlens_q": cu_seqlens_q,
                                   "cu_seqlens_k": cu_seqlens_k, "alibi": slopes, "out": out,
                                   "lse": lse})
    return (out, lse) if return_lse else out
