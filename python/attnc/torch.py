"""attnc for PyTorch tensors (CPU and CUDA): ``attention``, ``attention_varlen``,
``paged_attention`` and ``mla_decode`` (CPU and sm_90a; fp8 on GPUs: e4m3fn attention,
attention_varlen and paged_attention's caches), and SAGE-style quantized attention, ``sage_attention`` (CPU;
attnc.sage).

torch is imported when a function is called, not when this module is; tensors
are passed to the kernels as they are (address, sizes, strides: no copies),
so any layout whose last dimension has unit stride works.
"""
import math
import os
import sys
import threading

from . import _lib, kernels
from ._errors import AttncError
from ._lib import RtTensor as _RtTensor
from .runtime import _err_buffer
from .spec import AttentionSpec, natural_row_align


def _torch():
    global _T
    import torch  # noqa: F811  (lazily: `import attnc` works without torch)
    if _T is None:
        _T = torch
        _init_ops()
    return torch


_thread_ident = threading.get_ident


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
        raise ValueError("%s: %s requires grad; %s has no backward pass (call under "
                         "torch.no_grad() or pass .detach())" % (fn, name, fn))


def _tensor_row_align(t):
    """The alignment, in elements (1, 2, 4 or 8), that every row start of t has: its
    address and the strides of its dims but the last (those of more than one element)."""
    size = t.element_size()
    ptr = t.data_ptr()
    strides = [st for st, sz in zip(t.stride()[:-1], t.shape[:-1]) if sz > 1]
    a = 8
    while a > 1 and (ptr % (a * size) or any(st % a for st in strides)):
        a //= 2
    return a


def _row_align(dev, d, dv, tensors):
    """The spec's row_align for tensors on `dev`: None on the CPU and where the rows are
    as aligned as contiguous ones of head dims d, dv (the default kernel), else the
    alignment they have. GPU kernels copy rows in pieces of that many elements (16 bytes
    at most: cp.async on NVIDIA, global loads on AMD), and attnrt checks it at launch, so
    rows of any alignment work (a bf16 q of head dim 33 has 66-byte rows)."""
    if dev.type == "cpu":
        return None
    a = natural_row_align(d, dv)
    for t in tensors:
        if t is not None and t.numel() > 0 and t.element_size() == 2:
            a = min(a, _tensor_row_align(t))
    return a


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


def _check_common(fn, hq, hkv, d, dk, scale, window, softcap):
    if dk != d:
        raise ValueError("%s: q and k must have the same head_dim, got %d and %d" % (fn, d, dk))
    if hkv == 0 or hq % hkv:
        raise ValueError("%s: the query heads (%d) must be a multiple of the key/value heads "
                         "(%d)" % (fn, hq, hkv))
    try:
        left, right = window
        # Integers only: int(2.5) would silently make a window of 2.
        if any(isinstance(w, bool) or int(w) != w for w in (left, right)):
            raise ValueError
        left, right = int(left), int(right)
    except (TypeError, ValueError, OverflowError):
        raise ValueError("%s: window must be a pair of integers (left, right), got %r"
                         % (fn, window))
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


def _check_sinks(fn, sinks, hq, dev, torch):
    """sinks: (Hq,) float32 on q's device, or None."""
    if sinks is None:
        return None
    if not isinstance(sinks, torch.Tensor):
        raise TypeError("%s: sinks must be a torch.Tensor" % fn)
    if tuple(sinks.shape) != (hq,):
        raise ValueError("%s: sinks must have shape (num_heads_q,) = (%d,), got %s"
                         % (fn, hq, tuple(sinks.shape)))
    if sinks.dtype != torch.float32:
        raise ValueError("%s: sinks must be float32, got %s" % (fn, sinks.dtype))
    if sinks.device != dev:
        raise ValueError("%s: sinks is on %s, q on %s" % (fn, sinks.device, dev))
    return sinks


def _check_dropout(fn, dropout_p):
    """dropout_p as a float in [0, 1) (0: no dropout, nothing compiled for it)."""
    if isinstance(dropout_p, bool):
        raise ValueError("%s: dropout_p must be a number in [0, 1), got %r" % (fn, dropout_p))
    try:
        p = float(dropout_p or 0.0)
    except (TypeError, ValueError):
        raise ValueError("%s: dropout_p must be a number in [0, 1), got %r" % (fn, dropout_p))
    if not (0.0 <= p < 1.0):
        raise ValueError("%s: dropout_p must be in [0, 1), got %r" % (fn, dropout_p))
    return p


def _draw_rng_state(torch, dev):
    """Dropout's Philox state for one forward, FlashAttention 2's rng_state: an int64
    (2,) tensor [seed, offset] on `dev`, the seed drawn from torch's default generator
    of that device (torch.manual_seed makes runs repeatable), offset 0 (every call has
    its own seed). Drawn on the device: no host synchronization on CUDA."""
    if dev.type == "cuda":
        index = dev.index if dev.index is not None else torch.cuda.current_device()
        gen = torch.cuda.default_generators[index]
    else:
        gen = torch.default_generator
    state = torch.zeros(2, dtype=torch.int64, device=dev)
    state[:1].random_(generator=gen)
    return state


def _check_rng_state(fn, rng_state, dev, torch):
    """rng_state: int64 (2,) [seed, offset] on the device of q (the kernels read it)."""
    if not isinstance(rng_state, torch.Tensor) or rng_state.dtype != torch.int64 or \
            tuple(rng_state.shape) != (2,):
        raise ValueError("%s: rng_state must be an int64 tensor of shape (2,) ([seed, offset]), "
                         "got %s" % (fn, rng_state if not isinstance(rng_state, torch.Tensor)
                                     else "%s %s" % (rng_state.dtype, tuple(rng_state.shape))))
    if rng_state.device != dev:
        raise ValueError("%s: rng_state is on %s, q on %s" % (fn, rng_state.device, dev))
    return rng_state


def _dropout_guards(fn, dropout_p, block_mask, fp8):
    """Dropout goes with the plain forward and backward kernels (docs/backward.md)."""
    if not dropout_p:
        return
    if block_mask is not None:
        raise NotImplementedError("%s: dropout_p > 0 with block_mask is not supported yet" % fn)
    if fp8:
        raise NotImplementedError("%s: dropout_p > 0 with fp8 is not supported yet" % fn)
    if _compiling is not None and _compiling():
        raise NotImplementedError("%s: dropout_p > 0 under torch.compile is not supported yet "
                                  "(call it outside the compiled region)" % fn)


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
    if any(st == 0 and sz > 1 for st, sz in zip(out.stride(), out.shape)):
        raise ValueError("%s: out must not overlap itself (a zero stride), got strides %s"
                         % (fn, tuple(out.stride())))
    return out


# Kernels by call signature: the hot path skips building an AttentionSpec.
_by_signature = {}


def _kernel(spec_args, device):
    # Names and values: the forward spec with return_lse and the backward spec with the
    # same values in other fields (backward=True) must not share an entry.
    sig = (device,) + tuple(spec_args.items())
    hit = _by_signature.get(sig)
    if hit is not None and hit[0] == kernels._generation:
        return hit[1]
    k = kernels.get(AttentionSpec(**spec_args), device)
    _by_signature[sig] = (kernels._generation, k)
    return k


def _launch_kernel(fn, module, info, named, stream):
    """Launches kernel `info` of `module` with the tensors of `named` (role -> torch
    tensor) in the kernel's argument order."""
    args = info.args
    arr = (_RtTensor * len(args))()
    for i, a in enumerate(args):
        t = named.get(a.name)
        if t is None:
            raise RuntimeError("%s: the kernel %s wants argument %r, which this call does not "
                               "have" % (fn, info.name, a.name))
        if t.dim() != a.rank:
            raise RuntimeError("%s: kernel %s argument %s has rank %d, the tensor %d"
                               % (fn, info.name, a.name, a.rank, t.dim()))
        _fill(arr, i, t)
    module._launch(info.name.encode(), arr, len(args), stream)


def _launch(fn, spec_args, dev, torch, named):
    """Looks the kernel up and launches it with the tensors of `named` (role ->
    torch tensor) in the kernel's argument order."""
    k = _kernel(spec_args, _device_string(torch, dev))
    _launch_kernel(fn, k.module, k.info, named, _stream(torch, dev))


# --- the fast path: one launch plan per call signature -----------------------------------------
#
# A call signature is everything the checks, the kernel choice, the output shapes and the
# packed kernel arguments depend on: the options and each tensor's dtype, device, shape and
# strides. The first calls of a signature run the checks and launch as usual; the second
# also keeps a launch plan (attnc.runtime.LaunchPlan: arguments packed and grids evaluated once in
# libattnrt); later calls with the same signature only allocate the outputs, read the data
# pointers and launch the plan with one C call. What depends on the data is checked on
# every call: requires_grad under grad mode and (on the GPU) that the data pointers keep the
# kernel's row alignment; a call failing those takes the checked path, which raises (grad)
# or picks the kernel for the pointers' alignment.

_fast = {}
_seen = {}  # signatures checked once (a plan is made at the second)
_FAST_MAX = 1024
_USE_PLANS = os.environ.get("ATTNC_NO_PLANS", "") in ("", "0")
_T = None  # torch, once imported


def _tsig(t):
    """A tensor's part of a call signature: dtype, device, sizes and strides, with True for
    the strides of a contiguous tensor. On the hot path of every call (issue 18):
    is_contiguous() reads a flag torch keeps where stride() builds a tuple, and size()
    skips the property getter of .shape (each about half the cost on the H100's host).
    A contiguous tensor's strides are its sizes' except along dims of size 1, whose
    stride never enters an address, so the plan's strides serve every such tensor."""
    if t is None:
        return None
    return (t.dtype, t.device, t.size(), True if t.is_contiguous() else t.stride())


def _paged_sig(causal, scale, window, softcap, return_lse, num_splits, max_query_len, q, kc, vc,
               bt, sl, qsl, alibi, out, sinks):
    """paged_attention's call signature, as _tsig's but flat and, past q, with the device's
    index (get_device(): an int) for the device: the nine tensors' part is most of the call's
    host time (issue 18), and torch builds a device object per `.device` read. q's device
    gives the type; the checked path puts every tensor on it, so equal indices mean one
    device."""
    return ("paged", causal, scale, tuple(window), softcap, return_lse, num_splits,
            max_query_len, q.dtype, q.device, q.size(), q.is_contiguous() or q.stride(),
            kc.dtype, kc.get_device(), kc.size(), kc.is_contiguous() or kc.stride(),
            vc.dtype, vc.get_device(), vc.size(), vc.is_contiguous() or vc.stride(),
            bt.dtype, bt.get_device(), bt.size(), bt.is_contiguous() or bt.stride(),
            sl.dtype, sl.get_device(), sl.size(), sl.is_contiguous() or sl.stride(),
            qsl.dtype, qsl.get_device(), qsl.size(), qsl.is_contiguous() or qsl.stride(),
            None if alibi is None else _isig(alibi), None if out is None else _isig(out),
            None if sinks is None else _isig(sinks))


def _paged_fp8_sig(causal, scale, window, softcap, return_lse, num_splits, max_query_len, q, kc,
                   vc, bt, sl, qsl, alibi, out, sinks, k_scale, v_scale, fp8_dtype):
    """_paged_sig's with fp8 caches: the format and both scales (tensors only: a number or
    None raises, and the call takes the checked path)."""
    return (_paged_sig(causal, scale, window, softcap, return_lse, num_splits, max_query_len, q,
                       kc, vc, bt, sl, qsl, alibi, out, sinks), fp8_dtype, _isig(k_scale),
            _isig(v_scale))


def _isig(t):
    """_paged_sig's part for an optional tensor."""
    return (t.dtype, t.get_device(), t.size(), t.is_contiguous() or t.stride())


class _Fast:
    __slots__ = ("gen", "plan", "idx", "align", "align_mask", "out_shape", "lse_shape", "dtype",
                 "device", "stream", "capturing", "ws_shapes", "ws", "fn", "handle", "pack",
                 "num_data")


def _stream_fn(torch, dev):
    """A function () -> the current stream of `dev` as an int (None on the CPU)."""
    if dev.type == "cpu":
        return None
    index = dev.index if dev.index is not None else torch.cuda.current_device()
    raw = getattr(torch._C, "_cuda_getCurrentRawStream", None)
    if raw is not None:
        return lambda: raw(index) or None
    return lambda: torch.cuda.current_stream(index).cuda_stream or None


def _capturing_fn(torch, dev):
    """A function () -> whether the current stream of `dev` is capturing a CUDA graph (None
    on the CPU): torch's C binding when it has one (its Python wrapper costs a call)."""
    if dev.type == "cpu":
        return None
    fn = getattr(torch._C, "_cuda_isCurrentStreamCapturing", None)
    return fn if fn is not None else torch.cuda.is_current_stream_capturing


def _remember(sig, torch, dev, k, launches, roles, align, out_shape, lse_shape, dtype,
              ws_shapes=None):
    """After a checked call: keeps a launch plan for `sig`. launches: [(KernelInfo, {role:
    tensor})] in launch order; roles: the role of each object of the fast path's objects
    tuple (inputs, then out, lse, then the workspace); align: the positions in it whose
    data must keep the kernel's row alignment on the GPU (row_align elements)."""
    if sig is None or not _USE_PLANS:
        return
    # A plan costs a few tens of microseconds to build: made at a signature's second
    # checked call, so one-off shapes (varlen batches that change every step) do not pay.
    if sig not in _seen:
        if len(_seen) >= _FAST_MAX:
            _seen.clear()
        _seen[sig] = True
        return
    try:
        if not _lib.has_plans():
            return
        from .runtime import LaunchPlan
        spec = []
        idx = []
        for info, named in launches:
            arr = (_RtTensor * max(1, len(info.args)))()
            for i, a in enumerate(info.args):
                _fill(arr, i, named[a.name])
                idx.append(roles.index(a.name))
            spec.append((info.name, [arr[i] for i in range(len(info.args))]))
        f = _Fast()
        f.gen = kernels._generation
        f.plan = LaunchPlan(k.module, spec)
        # The plan's C entry point, handle and packer, called by _run_fast directly (its
        # launch() method costs a call and a buffer lookup more); f keeps the plan alive.
        f.fn, f.handle, f.pack, f.num_data = (f.plan._fn, f.plan._handle, f.plan._pack,
                                              f.plan.num_data)
        f.idx = tuple(idx)
        # Positions in the launch's pointer list (not in the objects tuple): the fast path
        # checks the pointers it already read.
        f.align = tuple(idx.index(i) for i in align) if dev.type != "cpu" else ()
        # The kernel's rows start on multiples of its row_align elements: a pointer off
        # that (the strides are in the signature) takes the checked path, which picks
        # the kernel for its alignment.
        sp = k.spec
        f.align_mask = 2 * (sp.row_align or natural_row_align(sp.head_dim,
                                                               sp.head_dim_out)) - 1
        f.out_shape, f.lse_shape, f.dtype, f.device = tuple(out_shape), lse_shape, dtype, dev
        f.stream = _stream_fn(torch, dev)
        f.capturing = _capturing_fn(torch, dev)
        f.ws_shapes = ws_shapes
        f.ws = {}
    except (AttncError, KeyError, ValueError):
        return  # no plan: every call takes the checked path
    if len(_fast) >= _FAST_MAX:
        _fast.clear()
    _fast[sig] = f


class _PrivateWs(threading.local):
    on = False  # inside _FreshWorkspace (per thread)


_private_ws = _PrivateWs()


class _FreshWorkspace:
    """Within it, the paged split kernel's workspace is a temporary of the call, not the
    cached one: calls through torch.ops.attnc (torch.compile's graphs) may run in the
    private memory pool of torch.compile(mode="reduce-overhead")'s CUDA graph trees, whose
    warm-up runs are not captures; a workspace cached there would be a live pool
    allocation no output tracks, which they refuse."""

    def __enter__(self):
        self.before = _private_ws.on
        _private_ws.on = True
        return self

    def __exit__(self, *exc):
        _private_ws.on = self.before
        return False


def _run_fast(f, ins, out, want_lse):
    """Runs plan `f` on the input objects `ins`; None when the checked path must run."""
    torch = _T
    if out is None:
        out = torch.empty(f.out_shape, dtype=f.dtype, device=f.device)
    lse = torch.empty(f.lse_shape, dtype=torch.float32, device=f.device) if want_lse else None
    stream = f.stream() if f.stream is not None else None
    objs = ins + (out, lse)
    if f.ws_shapes is not None:
        # The paged split kernel's float32 workspace, reused: one per stream (GPU work on
        # one stream is ordered) or per thread (CPU launches finish before returning).
        wkey = stream if stream is not None else _thread_ident()
        ws = f.ws.get(wkey)
        if _private_ws.on or (stream is not None and f.capturing()):
            # Under CUDA graph capture the workspace is a temporary of the graph's private
            # pool (freed when the call returns, its memory kept for the replays): a cached
            # one would be a live pool allocation that no output tracks, which
            # torch.compile(mode="reduce-overhead")'s cudagraph trees refuse.
            ws = tuple(torch.empty(sh, dtype=torch.float32, device=f.device)
                       for sh in f.ws_shapes)
        elif ws is None:
            if len(f.ws) > 64:
                f.ws.clear()
            ws = f.ws[wkey] = tuple(torch.empty(sh, dtype=torch.float32, device=f.device)
                                    for sh in f.ws_shapes)
        objs = objs + ws
    ptrs = [objs[i].data_ptr() for i in f.idx]
    for i in f.align:
        if ptrs[i] & f.align_mask:
            return None
    err = _err_buffer()
    code = f.fn(f.handle, f.pack(*ptrs), f.num_data, stream, err, len(err))
    if code:
        _lib.check(code, err, "launch on %s failed" % f.plan.module.device)
    return (out, lse) if want_lse else out


# --- under torch.compile: the custom ops of attnc.ops ----------------------------------------
# Where torch has torch.library.custom_op, attnc.ops registers torch.ops.attnc.* with fake
# implementations; while dynamo traces, the functions below call them (their first
# statement), so torch.compile(fullgraph=True) captures one op per call. Eagerly (and when
# the compiled graph runs the op) the functions run as usual.

_compiling = None  # torch.compiler.is_compiling once the ops are registered


def _init_ops():
    global _compiling
    from . import ops
    if ops.register():
        import torch
        c = getattr(getattr(torch, "compiler", None), "is_compiling", None)
        if c is None:
            c = torch._dynamo.is_compiling
        _compiling = c


def _op_result(out, res, return_lse):
    if out is not None:
        out.copy_(res[0])
        res = (out, res[1])
    return res if return_lse else res[0]


def _grad_blocked(*ts):
    return _T.is_grad_enabled() and any(t is not None and t.requires_grad for t in ts)


# --- autograd (docs/backward.md) ----------------------------------------------------------------
#
# When q, k, v or sinks require grad (and grad mode is on), attention and attention_varlen
# run as a torch.autograd.Function: the forward launches the forward kernel with lse and
# saves q, k, v, out and lse; the backward launches the three backward kernels of the
# backward spec (delta = rowsum(dout * out), dK/dV, dQ). lse is not differentiable; ALiBi
# slopes get no gradient. With sinks the forward's lse includes them, which is all the
# backward kernels need for dq, dk and dv (the sink joins the softmax without a value, so
# ds = p * (dp - delta) holds as it is); the sinks' own gradient, dsink[h] = -sum over the
# rows of exp(sinks[h] - lse) * delta, is reduced here from the kernels' delta workspace.
# The backward kernels run on the CPU and on sm_90a (CUDA tensors).

_functions = {}


def _needs_autograd(*ts):
    return any(getattr(t, "requires_grad", False) for t in ts) and _torch().is_grad_enabled()


def _as_window(window):
    left, right = window
    return (int(left), int(right))


def _backward_launch(fn, spec, dev, named):
    """Launches the delta, dK/dV and dQ kernels of the backward `spec` (a dict) in order
    with the tensors of `named`."""
    torch = _torch()
    if dev.type not in ("cpu", "cuda"):
        raise NotImplementedError("%s: the backward kernels run on the CPU and GPUs (sm_90a, "
                                  "gfx942, gfx950; docs/backward.md); got tensors on %s"
                                  % (fn, dev))
    k = _kernel(spec, _device_string(torch, dev))
    stream = _stream(torch, dev)
    for info in k.infos:
        _launch_kernel(fn, k.module, info, named, stream)


def _new_grad(t):
    """The buffer of t's gradient (every element is written by the backward kernels;
    tests replace this with a NaN-filled one to check that)."""
    return _torch().empty(t.shape, dtype=t.dtype, device=t.device)


def _contiguous_rows(t):
    return t.contiguous() if t.size(-1) > 1 and t.stride(-1) != 1 else t


def _sinks_grad(sinks, lse, delta, head_dim):
    """dsink[h] = -sum over the rows r of head h of exp(sinks[h] - lse_r) * delta_r (aiter's
    dsink): out_r depends on the sink only through lse_r, d out_r / d sink = -p_sink * out_r
    with p_sink = exp(sink - lse_r), and delta_r = dout_r . out_r. lse and delta have the
    heads at dim head_dim; a head without a sink (-inf) gets 0, so do rows with lse = -inf
    (no key and no sink: their delta is 0 too). Float64 sums, returned as float32."""
    torch = _torch()
    shape = [1] * lse.dim()
    shape[head_dim] = -1
    s = sinks.detach().double().view(shape)
    lse = lse.double()
    p = torch.where(torch.isneginf(s) | torch.isneginf(lse), torch.zeros_like(lse),
                    torch.exp(s - lse))
    dims = [i for i in range(lse.dim()) if i != head_dim]
    return (-(p * delta.double()).sum(dims)).to(torch.float32)


def _attention_backward(ctx, dout):
    torch = _torch()
    q, k, v, out, lse = ctx.saved_tensors[:5]
    slopes = ctx.slopes
    o = ctx.opts
    fn = "attnc.torch.attention (backward)"
    dout = _contiguous_rows(dout)
    tr = (lambda t: t.transpose(1, 2)) if o["layout"] == "bshd" else (lambda t: t)
    qb, kb, vb = tr(q), tr(k), tr(v)
    b, hq, sq, d = qb.shape
    hkv, dv = kb.shape[1], vb.shape[3]
    grads = [_new_grad(t) for t in (q, k, v)]
    spec = dict(dtype=_dtype_name(q), head_dim=d, head_dim_v=dv, num_heads_q=hq,
                num_heads_kv=hkv, causal=bool(o["causal"]), scale=o["scale"],
                window=_as_window(o["window"]), softcap=float(o["softcap"]),
                alibi=slopes is not None, backward=True)
    if o.get("dropout_p"):  # the forward's mask, regenerated from its rng_state
        spec["dropout_p"] = o["dropout_p"]
    named = {"q": qb, "k": kb, "v": vb, "out": tr(out), "dout": tr(dout), "lse": lse,
             "delta": torch.zeros((b, hq, sq), dtype=torch.float32, device=q.device),
             "alibi": slopes, "dq": tr(grads[0]), "dk": tr(grads[1]), "dv": tr(grads[2]),
             "rng_state": ctx.rng_state}
    _backward_launch(fn, spec, q.device, named)
    sinks = ctx.sinks
    dsink = _sinks_grad(sinks, lse, named["delta"], 1) if sinks is not None else None
    return grads + [dsink]


def _varlen_backward(ctx, dout):
    torch = _torch()
    q, k, v, out, lse, cu_q, cu_k = ctx.saved_tensors[:7]
    slopes = ctx.slopes
    o = ctx.opts
    fn = "attnc.torch.attention_varlen (backward)"
    tq, hq, d = q.shape
    hkv, dv = k.shape[1], v.shape[2]
    grads = [_new_grad(t) for t in (q, k, v)]
    spec = dict(dtype=_dtype_name(q), head_dim=d, head_dim_v=dv, num_heads_q=hq,
                num_heads_kv=hkv, causal=bool(o["causal"]), scale=o["scale"],
                window=_as_window(o["window"]), softcap=float(o["softcap"]),
                alibi=slopes is not None, varlen=True, backward=True)
    if o.get("dropout_p"):
        spec["dropout_p"] = o["dropout_p"]
    # zeros: tokens past cu_seqlens_q[B] then add nothing to dsink whatever the kernel
    # leaves there
    named = {"q": q, "k": k, "v": v, "out": out, "dout": _contiguous_rows(dout), "lse": lse,
             "delta": torch.zeros((hq, tq), dtype=torch.float32, device=q.device),
             "cu_seqlens_q": cu_q, "cu_seqlens_k": cu_k, "alibi": slopes,
             "dq": grads[0], "dk": grads[1], "dv": grads[2], "rng_state": ctx.rng_state}
    _backward_launch(fn, spec, q.device, named)
    sinks = ctx.sinks
    dsink = _sinks_grad(sinks, lse, named["delta"], 0) if sinks is not None else None
    return grads + [dsink]


def _autograd_functions():
    """The torch.autograd.Function classes of attention and attention_varlen (made when
    torch is imported)."""
    if _functions:
        return _functions
    torch = _torch()
    # The backward kernels are not themselves differentiable: a double backward
    # (create_graph=True) raises instead of returning gradients without history.
    from torch.autograd.function import once_differentiable

    class Attention(torch.autograd.Function):
        @staticmethod
        def forward(ctx, q, k, v, slopes, sinks, opts):
            # Dropout: one rng_state per forward, kept for the backward, which
            # regenerates the same mask from it.
            opts = dict(opts)
            rng = opts.pop("_rng_state", None)
            if opts.get("dropout_p") and rng is None:
                rng = _draw_rng_state(_T, q.device)
            out, lse = attention(q, k, v, alibi_slopes=slopes, sinks=sinks, return_lse=True,
                                 _rng_state=rng, **opts)
            ctx.save_for_backward(q, k, v, out, lse)
            ctx.slopes, ctx.sinks, ctx.opts, ctx.rng_state = slopes, sinks, opts, rng
            ctx.mark_non_differentiable(lse)
            return out, lse

        @staticmethod
        @once_differentiable
        def backward(ctx, dout, _dlse):
            dq, dk, dv, dsink = _attention_backward(ctx, dout)
            return dq, dk, dv, None, dsink, None

    class AttentionVarlen(torch.autograd.Function):
        @staticmethod
        def forward(ctx, q, k, v, cu_q, cu_k, slopes, sinks, opts):
            opts = dict(opts)
            rng = opts.pop("_rng_state", None)
            if opts.get("dropout_p") and rng is None:
                rng = _draw_rng_state(_T, q.device)
            out, lse = attention_varlen(q, k, v, cu_q, cu_k, alibi_slopes=slopes, sinks=sinks,
                                        return_lse=True, _rng_state=rng, **opts)
            ctx.save_for_backward(q, k, v, out, lse, cu_q, cu_k)
            ctx.slopes, ctx.sinks, ctx.opts, ctx.rng_state = slopes, sinks, opts, rng
            ctx.mark_non_differentiable(lse)
            return out, lse

        @staticmethod
        @once_differentiable
        def backward(ctx, dout, _dlse):
            dq, dk, dv, dsink = _varlen_backward(ctx, dout)
            return dq, dk, dv, None, None, None, dsink, None

    _functions.update(mha=Attention, varlen=AttentionVarlen)
    return _functions


def _check_block_mask(fn, bm, b, hq, sq, sk, dev, torch):
    """block_mask: an attnc.masks.BlockMask whose int32 tensors are on q's device, of
    shapes (B', H', NQB) / (B', H', NQB, NKB) with B' in {B, 1}, H' in {Hq, 1}, and for
    attn.mha (sq, sk given) NQB = ceil(Sq / Q_BLOCK_SIZE), NKB = ceil(Sk / KV_BLOCK_SIZE).
    Returns the named tensors for the launch."""
    from .masks import BlockMask
    if not isinstance(bm, BlockMask):
        raise TypeError("%s: block_mask must be an attnc.masks.BlockMask, got %r" % (fn, bm))
    pairs = [("kv_num_blocks", bm.kv_num_blocks, "kv_indices", bm.kv_indices)]
    if bm.full_kv_num_blocks is not None:
        pairs.append(("full_kv_num_blocks", bm.full_kv_num_blocks, "full_kv_indices",
                      bm.full_kv_indices))
    named = {}
    want = None
    for nname, num, iname, idx in pairs:
        for name, t, rank in ((nname, num, 3), (iname, idx, 4)):
            if not isinstance(t, torch.Tensor):
                raise TypeError("%s: block_mask.%s must be a torch.Tensor" % (fn, name))
            if t.dtype != torch.int32 or t.dim() != rank:
                raise ValueError("%s: block_mask.%s must be int32 of rank %d, got %s %s"
                                 % (fn, name, rank, t.dtype, tuple(t.shape)))
            if t.device != dev:
                raise ValueError("%s: block_mask.%s is on %s, q on %s" % (fn, name, t.device, dev))
        if tuple(idx.shape[:3]) != tuple(num.shape):
            raise ValueError("%s: block_mask.%s %s and %s %s disagree" % (
                fn, iname, tuple(idx.shape), nname, tuple(num.shape)))
        if want is None:
            want = tuple(idx.shape)
        elif tuple(idx.shape) != want:
            raise ValueError("%s: block_mask.%s must have the shape of kv_indices %s, got %s"
                             % (fn, iname, want, tuple(idx.shape)))
        named[nname], named[iname] = num, idx
    mb, mh, nqb, nkb = want
    if mb not in (b, 1) or mh not in (hq, 1):
        raise ValueError("%s: block_mask tensors must have batch B = %d or 1 and heads Hq = %d "
                         "or 1, got %s" % (fn, b, hq, want))
    if sq is not None:
        need = (-(-sq // bm.q_block_size), -(-sk // bm.kv_block_size))
        if (nqb, nkb) != need:
            raise ValueError("%s: block_mask has %d x %d blocks; Sq = %d, Sk = %d with BLOCK_SIZE "
                             "%r need %d x %d" % ((fn, nqb, nkb, sq, sk, bm.BLOCK_SIZE) + need))
    return named


def _no_block_mask(fn, block_mask, why):
    if block_mask is not None:
        raise NotImplementedError("%s: block_mask %s (docs/masks.md)" % (fn, why))


def _no_out(fn, out):
    if out is not None:
        raise ValueError("%s: out= cannot be used when q, k or v require grad (autograd "
                         "allocates the output)" % fn)


# --- fp8 (docs/fp8.md) ---------------------------------------------------------------------------
#
# fp8 q, k, v (attention, attention_varlen) or caches (paged_attention) come as uint8 storage
# with fp8_dtype="e4m3fn" | "e4m3fnuz" (torch 1.13 has no float8 dtypes) or as native
# torch.float8_e4m3fn / float8_e4m3fnuz tensors where torch has them; the kernels read the
# bytes. Scales are float32: a number or a tensor of shape (), (1,), (Hkv,) or (B, Hkv)
# (descales; B the batch, or the sequences of varlen) or, for caches, (), (1,), (Hkv,) or
# (NB, BS, Hkv) (per token and head); None is 1. The CPU runs fp8; CUDA (sm_90a) runs
# e4m3fn attention / attention_varlen and paged_attention's e4m3fn caches (mla_decode's
# fp8 cache not yet); no autograd, no block_mask, no torch.compile for fp8 calls yet.

FP8_DTYPES = ("e4m3fn", "e4m3fnuz")


def _native_fp8(torch):
    """torch's float8 dtypes that attnc takes, by format (none on torch 1.13)."""
    found = {}
    for name in FP8_DTYPES:
        dt = getattr(torch, "float8_" + name, None)
        if dt is not None:
            found[dt] = name
    return found


_fp8_storage = None  # the dtypes of fp8 data: uint8 and torch's float8 types, once known


def _is_fp8_call(tensors, fp8_dtype, scales):
    """Whether a call is an fp8 one: a scale or fp8_dtype given, or uint8 / float8 data.
    On every call's path, hence a set lookup (str(dtype) cost a microsecond per call)."""
    global _fp8_storage
    for x in scales:
        if x is not None:
            return True
    if fp8_dtype is not None:
        return True
    if _fp8_storage is None:
        import torch
        _fp8_storage = frozenset([torch.uint8] + [dt for dt in vars(torch).values()
                                                  if isinstance(dt, torch.dtype)
                                                  and str(dt).startswith("torch.float8")])
    for t in tensors:
        if getattr(t, "dtype", None) in _fp8_storage:
            return True
    return False


def _fp8_format(fn, names, tensors, fp8_dtype, torch):
    """The fp8 format of `tensors` (all of one dtype): uint8 with fp8_dtype, or native
    float8 (fp8_dtype, if given, must agree)."""
    if fp8_dtype is not None and fp8_dtype not in FP8_DTYPES:
        raise ValueError("%s: fp8_dtype must be 'e4m3fn' or 'e4m3fnuz', got %r" % (fn, fp8_dtype))
    dtypes = [t.dtype for t in tensors]
    if any(dt != dtypes[0] for dt in dtypes):
        raise ValueError("%s: %s must have one dtype (one fp8 format), got %s"
                         % (fn, ", ".join(names), ", ".join(str(dt) for dt in dtypes)))
    native = _native_fp8(torch)
    if dtypes[0] in native:
        fmt = native[dtypes[0]]
        if fp8_dtype is not None and fp8_dtype != fmt:
            raise ValueError("%s: fp8_dtype=%r disagrees with the tensors' dtype %s"
                             % (fn, fp8_dtype, dtypes[0]))
        return fmt
    if dtypes[0] == torch.uint8:
        if fp8_dtype is None:
            raise ValueError("%s: %s are uint8: pass fp8_dtype='e4m3fn' or 'e4m3fnuz' to say "
                             "which fp8 format their bytes hold" % (fn, ", ".join(names)))
        return fp8_dtype
    raise ValueError("%s: fp8 scales, fp8_dtype or out_dtype need fp8 %s (uint8 storage with "
                     "fp8_dtype, or torch.float8_e4m3fn / float8_e4m3fnuz), got %s"
                     % (fn, ", ".join(names), dtypes[0]))


def _fp8_bytes(t, torch):
    """The bytes of an fp8 tensor as uint8 (a view: same storage, sizes and strides)."""
    return t if t.dtype == torch.uint8 else t.view(torch.uint8)


def _fp8_guards(fn, q, tensors, torch, cuda=False):
    """cuda: the call's fp8 kernels lower for the GPUs too (attention, attention_varlen,
    paged_attention's fp8 caches, mla_decode's fp8 latent cache); the rest (SAGE) is
    refused by attn-gpu-layout for the GPU targets."""
    if _compiling is not None and _compiling():
        raise NotImplementedError("%s: fp8 inputs under torch.compile (docs/fp8.md)" % fn)
    dev = getattr(q, "device", None)
    if dev is not None and dev.type != "cpu" and not (cuda and dev.type == "cuda"):
        raise NotImplementedError("%s: fp8 inputs run on the CPU only so far (on CUDA: "
                                  "attention, attention_varlen, paged_attention's fp8 KV "
                                  "caches and mla_decode's fp8 latent cache), q is on %s "
                                  "(docs/fp8.md)" % (fn, dev))
    if any(getattr(t, "requires_grad", False) for t in tensors) and torch.is_grad_enabled():
        raise NotImplementedError("%s: fp8 inputs have no backward (docs/fp8.md)" % fn)


def _fp8_gpu_format(fn, what, device, fmt):
    """Each GPU takes its own fp8 format (attn-tile refuses the other: docs/fp8.md):
    e4m3fn on sm_90a and gfx950, e4m3fnuz on gfx942. device: attnrt's name of the
    inputs' GPU ("cuda:0"; "hip:0" for ROCm torch's "cuda" devices)."""
    target = kernels.device_target(device)[0]
    want = "e4m3fnuz" if target == "gfx942" else "e4m3fn"
    if fmt != want:
        raise NotImplementedError("%s: fp8 %s on %s (%s) are %s, got %s (docs/fp8.md)"
                                  % (fn, what, device, target, want, fmt))


def _fp8_cuda_format(fn, q, fmt):
    """On a GPU, fp8 q, k, v in that GPU's format (_fp8_gpu_format)."""
    if q.device.type == "cuda":
        _fp8_gpu_format(fn, "inputs", _device_string(_torch(), q.device), fmt)


def _fp8_scale(fn, name, x, shapes, full, dev, torch, view=False):
    """A scale as a float32 tensor of shape `full`: x is None (1), a number, or a float32
    tensor of one of `shapes` (broadcast to `full`); (NB, BS, Hkv) and (B, Hkv) scales are
    kept as given. The broadcast is a contiguous copy, or with view a view of x (stride 0,
    no copy; the kernels read scales through their strides), so that a launch plan made
    from it reads x's own storage on later calls."""
    if x is None:
        x = 1.0
    if not isinstance(x, torch.Tensor):
        try:
            x = torch.full((), float(x), dtype=torch.float32, device=dev)
        except (TypeError, ValueError):
            raise TypeError("%s: %s must be a number or a float32 tensor, got %s"
                            % (fn, name, type(x).__name__))
    if x.dtype != torch.float32:
        raise ValueError("%s: %s must be float32, got %s" % (fn, name, x.dtype))
    if x.device != dev:
        raise ValueError("%s: %s is on %s, q on %s" % (fn, name, x.device, dev))
    if tuple(x.shape) not in shapes:
        raise ValueError("%s: %s must have shape %s, got %s"
                         % (fn, name, " or ".join(str(sh) for sh in shapes), tuple(x.shape)))
    if x.dim() == 1 and x.numel() == 1 and (not full or full[-1] != 1):
        x = x.reshape(())
    return x.expand(full) if view else x.expand(full).contiguous()


def _fp8_descales(fn, scales, b, hkv, dev, torch):
    """q_descale, k_descale, v_descale as (B, Hkv) float32 (FA3's granularity, which every
    other one broadcasts to: one kernel for all of them)."""
    shapes = ((), (1,), (hkv,), (b, hkv))
    return [_fp8_scale(fn, n, x, shapes, (b, hkv), dev, torch, view=True)
            for n, x in zip(("q_descale", "k_descale", "v_descale"), scales)]


def _fp8_out_dtype(fn, out, out_dtype, torch):
    """out's dtype for fp8 inputs: out_dtype, out's, or bfloat16; bf16 or f16."""
    dt = out_dtype if out_dtype is not None else out.dtype if out is not None else torch.bfloat16
    if dt not in (torch.bfloat16, torch.float16):
        raise ValueError("%s: the output of fp8 attention is bfloat16 or float16, got %s"
                         % (fn, dt))
    return dt


def _attention_fp8(q, k, v, causal, scale, window, softcap, alibi_slopes, return_lse, layout,
                   out, sinks, block_mask, scales, fp8_dtype, out_dtype):
    """attention() with fp8 q, k, v. The launch plan first, as for 16-bit inputs (issue
    18), where the three descales are float32 tensors (numbers and None make tensors per
    call, which a plan cannot hold: the checked path)."""
    fn = "attnc.torch.attention"
    torch = _torch()
    sig = None
    if block_mask is None and not (_compiling is not None and _compiling()):
        try:
            sig = ("mha-fp8", layout, causal, scale, tuple(window), softcap, return_lse,
                   fp8_dtype, out_dtype, _tsig(q), _tsig(k), _tsig(v), _tsig(alibi_slopes),
                   _tsig(out), _tsig(sinks)) + tuple(_isig(x) for x in scales)
            f = _fast.get(sig)
        except Exception:
            sig = f = None
        if f is not None and f.gen == kernels._generation and not (
                sinks is not None and sinks.requires_grad and torch.is_grad_enabled()):
            r = _run_fast(f, (q, k, v, alibi_slopes, sinks) + tuple(scales), out, return_lse)
            if r is not None:
                return r
    if block_mask is not None:
        raise NotImplementedError("%s: block_mask with fp8 inputs (docs/fp8.md)" % fn)
    if layout not in ("bhsd", "bshd"):
        raise ValueError("%s: layout must be 'bhsd' or 'bshd', got %r" % (fn, layout))
    _fp8_guards(fn, q, (q, k, v, sinks), torch, cuda=True)
    for name, t in (("q", q), ("k", k), ("v", v)):
        _check_tensor(fn, name, t, torch, 4)
    fmt = _fp8_format(fn, ("q", "k", "v"), (q, k, v), fp8_dtype, torch)
    _fp8_cuda_format(fn, q, fmt)
    if not (q.device == k.device == v.device):
        raise ValueError("%s: q, k and v must be on one device" % fn)
    qb, kb, vb = (q, k, v) if layout == "bhsd" else (q.transpose(1, 2), k.transpose(1, 2),
                                                     v.transpose(1, 2))
    b, hq, sq, d = qb.shape
    bk, hkv, sk, dk = kb.shape
    bv, hv, skv, dv = vb.shape
    if not (b == bk == bv) or hv != hkv or skv != sk:
        raise ValueError("%s: q, k and v must agree in batch, and k and v in heads and "
                         "sequence length, got %s, %s, %s (%s)"
                         % (fn, tuple(q.shape), tuple(k.shape), tuple(v.shape), layout))
    window = _check_common(fn, hq, hkv, d, dk, scale, window, softcap)
    dev = q.device
    slopes = _check_alibi(fn, alibi_slopes, hq, dev, torch)
    sinks = _check_sinks(fn, sinks, hq, dev, torch)
    qd, kd, vd = _fp8_descales(fn, scales, b, hkv, dev, torch)
    dt = _fp8_out_dtype(fn, out, out_dtype, torch)
    shape = (b, hq, sq, dv) if layout == "bhsd" else (b, sq, hq, dv)
    out = _check_out(fn, out, shape, dt, dev, torch)
    if out is None:
        out = torch.empty(shape, dtype=dt, device=dev)
    outb = out if layout == "bhsd" else out.transpose(1, 2)
    lse = torch.empty((b, hq, sq), dtype=torch.float32, device=dev) if return_lse else None
    spec = dict(dtype=_dtype_name(out), head_dim=d, head_dim_v=dv, num_heads_q=hq,
                num_heads_kv=hkv, causal=bool(causal), scale=scale, window=window,
                softcap=float(softcap), alibi=slopes is not None, return_lse=bool(return_lse),
                sinks=sinks is not None, fp8=fmt, fp8_scales=(2, 2, 2))
    named = {"q": _fp8_bytes(qb, torch), "k": _fp8_bytes(kb, torch), "v": _fp8_bytes(vb, torch),
             "alibi": slopes, "sinks": sinks, "q_descale": qd, "k_descale": kd,
             "v_descale": vd, "out": outb, "lse": lse}
    kern = _kernel(spec, _device_string(torch, dev))
    _launch_kernel(fn, kern.module, kern.info, named, _stream(torch, dev))
    if all(isinstance(x, torch.Tensor) for x in scales):
        # The descales' broadcasts to (B, Hkv) are views (their strides are in the plan):
        # the fast path passes the tensors themselves, as it passes q for BSHD's transposes.
        _remember(sig, torch, dev, kern, [(kern.info, named)],
                  ("q", "k", "v", "alibi", "sinks", "q_descale", "k_descale", "v_descale",
                   "out", "lse"), (0, 1, 2, 8), shape, (b, hq, sq), dt)
    return (out, lse) if return_lse else out


def _attention_varlen_fp8(q, k, v, cu_seqlens_q, cu_seqlens_k, causal, scale, window, softcap,
                          alibi_slopes, return_lse, out, sinks, block_mask, scales, fp8_dtype,
                          out_dtype):
    """attention_varlen() with fp8 q, k, v (descales per sequence: B the sequences). The
    launch plan first where the descales are float32 tensors, as in _attention_fp8."""
    fn = "attnc.torch.attention_varlen"
    torch = _torch()
    sig = None
    if block_mask is None and not (_compiling is not None and _compiling()):
        try:
            sig = ("varlen-fp8", causal, scale, tuple(window), softcap, return_lse, fp8_dtype,
                   out_dtype, _tsig(q), _tsig(k), _tsig(v), _tsig(cu_seqlens_q),
                   _tsig(cu_seqlens_k), _tsig(alibi_slopes), _tsig(out),
                   _tsig(sinks)) + tuple(_isig(x) for x in scales)
            f = _fast.get(sig)
        except Exception:
            sig = f = None
        if f is not None and f.gen == kernels._generation and not (
                sinks is not None and sinks.requires_grad and torch.is_grad_enabled()):
            r = _run_fast(f, (q, k, v, cu_seqlens_q, cu_seqlens_k, alibi_slopes, sinks)
                          + tuple(scales), out, return_lse)
            if r is not None:
                return r
    if block_mask is not None:
        raise NotImplementedError("%s: block_mask with fp8 inputs (docs/fp8.md)" % fn)
    _fp8_guards(fn, q, (q, k, v, sinks), torch, cuda=True)
    for name, t in (("q", q), ("k", k), ("v", v)):
        _check_tensor(fn, name, t, torch, 3)
    fmt = _fp8_format(fn, ("q", "k", "v"), (q, k, v), fp8_dtype, torch)
    _fp8_cuda_format(fn, q, fmt)
    tq, hq, d = q.shape
    tk, hkv, dk = k.shape
    tv, hv, dv = v.shape
    if hv != hkv or tv != tk:
        raise ValueError("%s: k and v must have the same tokens and heads, got %s and %s"
                         % (fn, tuple(k.shape), tuple(v.shape)))
    window = _check_common(fn, hq, hkv, d, dk, scale, window, softcap)
    dev = q.device
    for name, cu in (("cu_seqlens_q", cu_seqlens_q), ("cu_seqlens_k", cu_seqlens_k)):
        if not isinstance(cu, torch.Tensor) or cu.dtype != torch.int32 or cu.dim() != 1 or \
                cu.numel() < 1 or cu.device != dev:
            raise ValueError("%s: %s must be an int32 (B+1,) tensor on q's device" % (fn, name))
    if cu_seqlens_q.numel() != cu_seqlens_k.numel():
        raise ValueError("%s: cu_seqlens_q and cu_seqlens_k must have the same length (B+1), "
                         "got %d and %d" % (fn, cu_seqlens_q.numel(), cu_seqlens_k.numel()))
    slopes = _check_alibi(fn, alibi_slopes, hq, dev, torch)
    sinks = _check_sinks(fn, sinks, hq, dev, torch)
    nseq = cu_seqlens_q.numel() - 1
    qd, kd, vd = _fp8_descales(fn, scales, nseq, hkv, dev, torch)
    dt = _fp8_out_dtype(fn, out, out_dtype, torch)
    out = _check_out(fn, out, (tq, hq, dv), dt, dev, torch)
    if out is None:
        out = torch.empty((tq, hq, dv), dtype=dt, device=dev)
    lse = torch.empty((hq, tq), dtype=torch.float32, device=dev) if return_lse else None
    if nseq == 0:
        # No sequence: every token is past cu_seqlens_q[B] (0, lse -inf or the sink), and
        # the kernel would read a descale row of an empty (0, Hkv) tensor.
        out.zero_()
        if lse is not None:
            lse.copy_(sinks[:, None].expand(hq, tq) if sinks is not None else
                      torch.full((hq, tq), -math.inf, dtype=torch.float32, device=dev))
        return (out, lse) if return_lse else out
    spec = dict(dtype=_dtype_name(out), head_dim=d, head_dim_v=dv, num_heads_q=hq,
                num_heads_kv=hkv, causal=bool(causal), scale=scale, window=window,
                softcap=float(softcap), alibi=slopes is not None, return_lse=bool(return_lse),
                varlen=True, sinks=sinks is not None, fp8=fmt, fp8_scales=(2, 2, 2))
    named = {"q": _fp8_bytes(q, torch), "k": _fp8_bytes(k, torch), "v": _fp8_bytes(v, torch),
             "cu_seqlens_q": cu_seqlens_q, "cu_seqlens_k": cu_seqlens_k, "alibi": slopes,
             "sinks": sinks, "q_descale": qd, "k_descale": kd, "v_descale": vd, "out": out,
             "lse": lse}
    kern = _kernel(spec, _device_string(torch, dev))
    _launch_kernel(fn, kern.module, kern.info, named, _stream(torch, dev))
    if all(isinstance(x, torch.Tensor) for x in scales):
        _remember(sig, torch, dev, kern, [(kern.info, named)],
                  ("q", "k", "v", "cu_seqlens_q", "cu_seqlens_k", "alibi", "sinks", "q_descale",
                   "k_descale", "v_descale", "out", "lse"), (0, 1, 2, 10), (tq, hq, dv),
                  (hq, tq), dt)
    return (out, lse) if return_lse else out


def attention(q, k, v, *, causal=False, scale=None, window=(-1, -1), softcap=0.0,
              alibi_slopes=None, return_lse=False, layout="bhsd", out=None, sinks=None,
              block_mask=None, q_descale=None, k_descale=None, v_descale=None,
              fp8_dtype=None, out_dtype=None, dropout_p=0.0, _rng_state=None):
    """Attention over batched sequences (FlashAttention semantics, bottom-right aligned
    masks).

    layout "bhsd": q (B, Hq, Sq, D), k (B, Hkv, Sk, D), v (B, Hkv, Sk, Dv);
    layout "bshd": q (B, Sq, Hq, D), k/v (B, Sk, Hkv, D/Dv). Any strides with a unit
    stride on the last dimension (transposed views, slices of a packed QKV): no copies.
    Hq a multiple of Hkv (GQA, MQA); Sq may differ from Sk.

    causal: query i sees key j <= i + Sk - Sq. window=(left, right): keys within
    [i + Sk - Sq - left, i + Sk - Sq + right] (-1: unbounded). scale: default
    1/sqrt(D). softcap c > 0: logits c * tanh(logits / c). alibi_slopes: (Hq,) float32,
    logits -= slope[h] * |i + Sk - Sq - j|. sinks: (Hq,) float32 attention sinks (gpt-oss):
    a logit per head that joins every row's softmax denominator without a value,
    out = sum_j exp(s_j) v_j / (exp(sinks[h]) + sum_j exp(s_j)); the lse includes it.

    Returns out (in q's layout and dtype; `out=` a preallocated one that is written
    and returned) and, with return_lse, lse (B, Hq, Sq) float32 (natural log; -inf for
    rows that see no key, whose out is 0; with sinks, such rows have lse = sinks[h]).

    block_mask: an attnc.masks.BlockMask (FlexAttention's BlockMask form, docs/masks.md):
    only keys of listed blocks are visible (partial ones where its mask_mod holds), and
    the other masks still apply; unlisted blocks are never read. CPU and GPUs; no
    autograd.

    Differentiable on the CPU: when q, k, v or sinks require grad, out has a grad_fn whose
    backward runs attnc's backward kernels (docs/backward.md); sinks get their gradient
    (aiter's dsink); lse is not differentiable and alibi_slopes get no gradient; out= is
    not allowed then.

    dropout_p in [0, 1) (FlashAttention's dropout, docs/backward.md): each probability is
    kept with probability 1 - dropout_p and scaled by 1 / (1 - dropout_p); lse is that of
    the probabilities before dropout. Each call draws its Philox seed from torch's default
    generator of q's device (torch.manual_seed makes it repeatable), and the backward
    regenerates the same mask. 0 (eval) compiles no dropout; dropout_p is part of the
    kernel (one kernel per value), the seed is not. Not with block_mask or fp8.

    fp8 (docs/fp8.md; CPU, and e4m3fn on CUDA sm_90a; no autograd): q, k, v as
    torch.uint8 storage of fp8 bit
    patterns with fp8_dtype="e4m3fn" | "e4m3fnuz", or torch.float8_e4m3fn /
    float8_e4m3fnuz tensors where torch has them; q_descale, k_descale, v_descale
    (float32: a number, or shape (), (1,), (Hkv,) or (B, Hkv); None: 1) make the result
    attention of (q * q_descale, k * k_descale, v * v_descale), query head h using KV
    head h // (Hq // Hkv)'s descales. out is bfloat16 (out_dtype=torch.float16, or
    out='s dtype, for float16).
    """
    # The launch plan first (issue 18: host time per call): a call without the options that
    # take other paths (dropout, fp8, block masks), outside torch.compile's tracing and
    # autograd, whose signature has a plan, launches it with no further checks. The
    # signature holds every input's dtype, device, shape and strides, and a "mha" plan is
    # only made by the checked bfloat16/float16/float32 path below.
    if not (dropout_p or _rng_state is not None or block_mask is not None or fp8_dtype is not None
            or out_dtype is not None or q_descale is not None or k_descale is not None
            or v_descale is not None or (_compiling is not None and _compiling())):
        try:
            sig = ("mha", layout, causal, scale, tuple(window), softcap, return_lse, _tsig(q),
                   _tsig(k), _tsig(v), _tsig(alibi_slopes), _tsig(out), _tsig(sinks))
            f = _fast.get(sig)
        except Exception:  # not tensors, unhashable options: the checked path says why
            sig = f = None
        if f is not None and f.gen == kernels._generation and not (
                (q.requires_grad or k.requires_grad or v.requires_grad or
                 (sinks is not None and sinks.requires_grad)) and _T.is_grad_enabled()):
            r = _run_fast(f, (q, k, v, alibi_slopes, sinks), out, return_lse)
            if r is not None:
                return r
    fn = "attnc.torch.attention"
    if dropout_p or _rng_state is not None:
        dropout_p = _check_dropout(fn, dropout_p)
    fp8_call = _is_fp8_call((q, k, v), fp8_dtype, (q_descale, k_descale, v_descale)) or \
        out_dtype is not None
    _dropout_guards(fn, dropout_p, block_mask, fp8_call)
    if fp8_call:
        return _attention_fp8(q, k, v, causal, scale, window, softcap, alibi_slopes, return_lse,
                              layout, out, sinks, block_mask, (q_descale, k_descale, v_descale),
                              fp8_dtype, out_dtype)
    if block_mask is not None:
        return _attention_masked(q, k, v, causal, scale, window, softcap, alibi_slopes,
                                 return_lse, layout, out, sinks, block_mask)
    if _compiling is not None and _compiling():
        w = tuple(window)
        return _op_result(out, _T.ops.attnc.attention(
            q, k, v, alibi_slopes, bool(causal), None if scale is None else float(scale),
            int(w[0]), int(w[1]), float(softcap or 0.0), bool(return_lse), layout, sinks),
            return_lse)
    if _needs_autograd(q, k, v, sinks):
        _no_out("attnc.torch.attention", out)
        opts = dict(causal=causal, scale=scale, window=window, softcap=softcap, layout=layout)
        if dropout_p:  # the rng_state (one is drawn unless given) is kept on out.grad_fn
            opts.update(dropout_p=dropout_p, _rng_state=_rng_state)
        res, lse = _autograd_functions()["mha"].apply(q, k, v, alibi_slopes, sinks, opts)
        return (res, lse) if return_lse else res
    if dropout_p:  # a fresh rng_state per call: the checked path (no launch plan)
        return _attention_checked(q, k, v, causal, scale, window, softcap, alibi_slopes,
                                  return_lse, layout, out, sinks, None, dropout_p, _rng_state)
    try:  # the plan's key (the lookup above found none, or not for these pointers)
        sig = ("mha", layout, causal, scale, tuple(window), softcap, return_lse, _tsig(q),
               _tsig(k), _tsig(v), _tsig(alibi_slopes), _tsig(out), _tsig(sinks))
        hash(sig)
    except Exception:  # not tensors, unhashable options: the checked path says what is wrong
        sig = None
    return _attention_checked(q, k, v, causal, scale, window, softcap, alibi_slopes, return_lse,
                              layout, out, sinks, sig, 0.0, None)


def _attention_checked(q, k, v, causal, scale, window, softcap, alibi_slopes, return_lse,
                       layout, out, sinks, sig, dropout_p, rng_state):
    """attention() with every check; keeps a launch plan for `sig` (None: none). With
    dropout, rng_state is the call's [seed, offset] (None: drawn here)."""
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
    sinks = _check_sinks(fn, sinks, hq, dev, torch)
    shape = (b, hq, sq, dv) if layout == "bhsd" else (b, sq, hq, dv)
    out = _check_out(fn, out, shape, q.dtype, dev, torch)
    if out is None:
        out = torch.empty(shape, dtype=q.dtype, device=dev)
    outb = out if layout == "bhsd" else out.transpose(1, 2)
    lse = torch.empty((b, hq, sq), dtype=torch.float32, device=dev) if return_lse else None
    spec = dict(dtype=_dtype_name(q), head_dim=d, head_dim_v=dv, num_heads_q=hq,
                num_heads_kv=hkv, causal=bool(causal), scale=scale, window=window,
                softcap=float(softcap), alibi=slopes is not None, return_lse=bool(return_lse),
                sinks=sinks is not None, row_align=_row_align(dev, d, dv, (qb, kb, vb, outb)))
    named = {"q": qb, "k": kb, "v": vb, "alibi": slopes, "sinks": sinks, "out": outb, "lse": lse}
    if dropout_p:
        spec["dropout_p"] = dropout_p
        named["rng_state"] = (_check_rng_state(fn, rng_state, dev, torch)
                              if rng_state is not None else _draw_rng_state(torch, dev))
    kern = _kernel(spec, _device_string(torch, dev))
    _launch_kernel(fn, kern.module, kern.info, named, _stream(torch, dev))
    _remember(sig, torch, dev, kern, [(kern.info, named)],
              ("q", "k", "v", "alibi", "sinks", "out", "lse"), (0, 1, 2, 5), shape, (b, hq, sq),
              q.dtype)
    return (out, lse) if return_lse else out


def _masked_guards(fn, q, k, v, block_mask, sinks=None):
    if _compiling is not None and _compiling():
        raise NotImplementedError("%s: block_mask under torch.compile (docs/masks.md)" % fn)
    if _needs_autograd(q, k, v, sinks):
        _no_block_mask(fn, block_mask, "with inputs that require grad: the backward kernels "
                                       "have no block masks yet")


def _attention_masked(q, k, v, causal, scale, window, softcap, alibi_slopes, return_lse,
                      layout, out, sinks, block_mask):
    """attention() with a block mask: the checked path, no launch-plan cache."""
    fn = "attnc.torch.attention"
    _masked_guards(fn, q, k, v, block_mask, sinks)
    torch = _torch()
    if layout not in ("bhsd", "bshd"):
        raise ValueError("%s: layout must be 'bhsd' or 'bshd', got %r" % (fn, layout))
    _check_qkv(fn, q, k, v, torch, 4)
    qb, kb, vb = (q, k, v) if layout == "bhsd" else (q.transpose(1, 2), k.transpose(1, 2),
                                                     v.transpose(1, 2))
    b, hq, sq, d = qb.shape
    bk, hkv, sk, dk = kb.shape
    bv, hv, skv, dv = vb.shape
    if not (b == bk == bv) or hv != hkv or skv != sk:
        raise ValueError("%s: q, k and v must agree in batch, and k and v in heads and "
                         "sequence length, got %s, %s, %s (%s)"
                         % (fn, tuple(q.shape), tuple(k.shape), tuple(v.shape), layout))
    window = _check_common(fn, hq, hkv, d, dk, scale, window, softcap)
    dev = q.device
    slopes = _check_alibi(fn, alibi_slopes, hq, dev, torch)
    sinks = _check_sinks(fn, sinks, hq, dev, torch)
    masks = _check_block_mask(fn, block_mask, b, hq, sq, sk, dev, torch)
    shape = (b, hq, sq, dv) if layout == "bhsd" else (b, sq, hq, dv)
    out = _check_out(fn, out, shape, q.dtype, dev, torch)
    if out is None:
        out = torch.empty(shape, dtype=q.dtype, device=dev)
    outb = out if layout == "bhsd" else out.transpose(1, 2)
    lse = torch.empty((b, hq, sq), dtype=torch.float32, device=dev) if return_lse else None
    spec = dict(dtype=_dtype_name(q), head_dim=d, head_dim_v=dv, num_heads_q=hq,
                num_heads_kv=hkv, causal=bool(causal), scale=scale, window=window,
                softcap=float(softcap), alibi=slopes is not None, return_lse=bool(return_lse),
                sinks=sinks is not None, block_mask=block_mask.spec_field(),
                row_align=_row_align(dev, d, dv, (qb, kb, vb, outb)))
    named = dict(q=qb, k=kb, v=vb, alibi=slopes, sinks=sinks, out=outb, lse=lse, **masks)
    kern = _kernel(spec, _device_string(torch, dev))
    _launch_kernel(fn, kern.module, kern.info, named, _stream(torch, dev))
    return (out, lse) if return_lse else out


def _attention_varlen_masked(q, k, v, cu_seqlens_q, cu_seqlens_k, causal, scale, window,
                             softcap, alibi_slopes, return_lse, out, sinks, block_mask):
    """attention_varlen() with a block mask (B' is the number of sequences or 1)."""
    fn = "attnc.torch.attention_varlen"
    _masked_guards(fn, q, k, v, block_mask, sinks)
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
        if not isinstance(cu, torch.Tensor) or cu.dtype != torch.int32 or cu.dim() != 1 or \
                cu.numel() < 1 or cu.device != dev:
            raise ValueError("%s: %s must be an int32 (B+1,) tensor on q's device" % (fn, name))
    if cu_seqlens_q.numel() != cu_seqlens_k.numel():
        raise ValueError("%s: cu_seqlens_q and cu_seqlens_k must have the same length (B+1), "
                         "got %d and %d" % (fn, cu_seqlens_q.numel(), cu_seqlens_k.numel()))
    slopes = _check_alibi(fn, alibi_slopes, hq, dev, torch)
    sinks = _check_sinks(fn, sinks, hq, dev, torch)
    masks = _check_block_mask(fn, block_mask, cu_seqlens_q.numel() - 1, hq, None, None, dev,
                              torch)
    out = _check_out(fn, out, (tq, hq, dv), q.dtype, dev, torch)
    if out is None:
        out = torch.empty((tq, hq, dv), dtype=q.dtype, device=dev)
    lse = torch.empty((hq, tq), dtype=torch.float32, device=dev) if return_lse else None
    spec = dict(dtype=_dtype_name(q), head_dim=d, head_dim_v=dv, num_heads_q=hq,
                num_heads_kv=hkv, causal=bool(causal), scale=scale, window=window,
                softcap=float(softcap), alibi=slopes is not None, return_lse=bool(return_lse),
                varlen=True, sinks=sinks is not None, block_mask=block_mask.spec_field(),
                row_align=_row_align(dev, d, dv, (q, k, v, out)))
    named = dict(q=q, k=k, v=v, cu_seqlens_q=cu_seqlens_q, cu_seqlens_k=cu_seqlens_k,
                 alibi=slopes, sinks=sinks, out=out, lse=lse, **masks)
    kern = _kernel(spec, _device_string(torch, dev))
    _launch_kernel(fn, kern.module, kern.info, named, _stream(torch, dev))
    return (out, lse) if return_lse else out


def attention_varlen(q, k, v, cu_seqlens_q, cu_seqlens_k, max_seqlen_q=None, max_seqlen_k=None,
                     *, causal=False, scale=None, window=(-1, -1), softcap=0.0,
                     alibi_slopes=None, return_lse=False, out=None, sinks=None,
                     block_mask=None, q_descale=None, k_descale=None, v_descale=None,
                     fp8_dtype=None, out_dtype=None, dropout_p=0.0, _rng_state=None):
    """Attention over packed variable-length sequences.

    q (Tq, Hq, D), k (Tk, Hkv, D), v (Tk, Hkv, Dv); cu_seqlens_q / cu_seqlens_k int32
    (B+1,) on q's device: sequence b owns query tokens [cu_seqlens_q[b],
    cu_seqlens_q[b+1]) and keys [cu_seqlens_k[b], cu_seqlens_k[b+1]); masks and ALiBi
    use positions local to each sequence. Query tokens past cu_seqlens_q[B] give 0
    (lse -inf). max_seqlen_q/k are accepted for FlashAttention compatibility and not
    needed. Options as in attention() (sinks: tokens past cu_seqlens_q[B] then have
    lse = sinks[h]). Returns out (Tq, Hq, Dv) (or `out=`) and, with return_lse, lse
    (Hq, Tq) float32. Differentiable on the CPU as attention(). block_mask as in
    attention(), per sequence (batch dim B or 1 with B the sequences; query blocks and
    mask_mod indices local to each sequence; NQB / NKB cover the longest sequence).
    fp8 q, k, v with q_descale, k_descale, v_descale, fp8_dtype, out_dtype as in
    attention(), B the number of sequences. dropout_p as in attention() (b the sequence,
    i and j positions within it).
    """
    fn = "attnc.torch.attention_varlen"
    if dropout_p or _rng_state is not None:
        dropout_p = _check_dropout(fn, dropout_p)
    fp8_call = _is_fp8_call((q, k, v), fp8_dtype, (q_descale, k_descale, v_descale)) or \
        out_dtype is not None
    _dropout_guards(fn, dropout_p, block_mask, fp8_call)
    if fp8_call:
        return _attention_varlen_fp8(q, k, v, cu_seqlens_q, cu_seqlens_k, causal, scale, window,
                                     softcap, alibi_slopes, return_lse, out, sinks, block_mask,
                                     (q_descale, k_descale, v_descale), fp8_dtype, out_dtype)
    if block_mask is not None:
        if max_seqlen_q is not None and int(max_seqlen_q) < 0:
            raise ValueError("attnc.torch.attention_varlen: max_seqlen_q must be >= 0")
        return _attention_varlen_masked(q, k, v, cu_seqlens_q, cu_seqlens_k, causal, scale,
                                        window, softcap, alibi_slopes, return_lse, out, sinks,
                                        block_mask)
    if _compiling is not None and _compiling():
        w = tuple(window)
        return _op_result(out, _T.ops.attnc.attention_varlen(
            q, k, v, cu_seqlens_q, cu_seqlens_k, alibi_slopes, bool(causal),
            None if scale is None else float(scale), int(w[0]), int(w[1]), float(softcap or 0.0),
            bool(return_lse), sinks), return_lse)
    if _needs_autograd(q, k, v, sinks):
        _no_out("attnc.torch.attention_varlen", out)
        opts = dict(causal=causal, scale=scale, window=window, softcap=softcap,
                    max_seqlen_q=max_seqlen_q, max_seqlen_k=max_seqlen_k)
        if dropout_p:
            opts.update(dropout_p=dropout_p, _rng_state=_rng_state)
        res, lse = _autograd_functions()["varlen"].apply(q, k, v, cu_seqlens_q, cu_seqlens_k,
                                                         alibi_slopes, sinks, opts)
        return (res, lse) if return_lse else res
    sig = f = None
    if not dropout_p:  # with dropout a fresh rng_state per call: the checked path
        try:
            sig = ("varlen", causal, scale, tuple(window), softcap, return_lse, _tsig(q),
                   _tsig(k), _tsig(v), _tsig(cu_seqlens_q), _tsig(cu_seqlens_k),
                   _tsig(alibi_slopes), _tsig(out), _tsig(sinks),
                   max_seqlen_q is None or int(max_seqlen_q) >= 0,
                   max_seqlen_k is None or int(max_seqlen_k) >= 0)
            f = _fast.get(sig)
        except Exception:
            sig = f = None
    if f is not None and f.gen == kernels._generation and sig[-1] and sig[-2] and \
            not _grad_blocked(q, k, v):
        r = _run_fast(f, (q, k, v, cu_seqlens_q, cu_seqlens_k, alibi_slopes, sinks), out,
                      return_lse)
        if r is not None:
            return r
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
    sinks = _check_sinks(fn, sinks, hq, dev, torch)
    out = _check_out(fn, out, (tq, hq, dv), q.dtype, dev, torch)
    if out is None:
        out = torch.empty((tq, hq, dv), dtype=q.dtype, device=dev)
    lse = torch.empty((hq, tq), dtype=torch.float32, device=dev) if return_lse else None
    spec = dict(dtype=_dtype_name(q), head_dim=d, head_dim_v=dv, num_heads_q=hq,
                num_heads_kv=hkv, causal=bool(causal), scale=scale, window=window,
                softcap=float(softcap), alibi=slopes is not None, return_lse=bool(return_lse),
                varlen=True, sinks=sinks is not None,
                row_align=_row_align(dev, d, dv, (q, k, v, out)))
    named = {"q": q, "k": k, "v": v, "cu_seqlens_q": cu_seqlens_q, "cu_seqlens_k": cu_seqlens_k,
             "alibi": slopes, "sinks": sinks, "out": out, "lse": lse}
    if dropout_p:
        spec["dropout_p"] = dropout_p
        named["rng_state"] = (_check_rng_state(fn, _rng_state, dev, torch)
                              if _rng_state is not None else _draw_rng_state(torch, dev))
    kern = _kernel(spec, _device_string(torch, dev))
    _launch_kernel(fn, kern.module, kern.info, named, _stream(torch, dev))
    _remember(sig, torch, dev, kern, [(kern.info, named)],
              ("q", "k", "v", "cu_seqlens_q", "cu_seqlens_k", "alibi", "sinks", "out", "lse"),
              (0, 1, 2, 7), (tq, hq, dv), (hq, tq), q.dtype)
    return (out, lse) if return_lse else out


# --- paged attention (docs/paged.md) ---------------------------------------------------------

# The split kernel: "decode" (GQA-packed rows: one program per query token and KV head
# reads the sequence's keys once for all query heads of the group) while the longest
# query run is at most this many tokens, "prefill" (varlen rows: one program per
# BLOCK_M query tokens and query head) beyond. A decode program per token re-reads the
# keys once per token, a prefill program once per query head: the decode kernel wins for
# a handful of tokens per sequence (decode, speculative decoding), the prefill kernel for
# chunks of prompt.
PAGED_DECODE_MAX_QUERY_LEN = 4

_compute_units = {}
_splits_cache = {}


def paged_mode(max_query_len, num_tokens, batch):
    """The split kernel paged_attention picks: "decode" when the longest query run
    (max_query_len) is at most PAGED_DECODE_MAX_QUERY_LEN tokens, else "prefill".
    Without max_query_len, the average run (num_tokens / batch) decides. Only speed
    depends on it: both kernels are exact for any batch."""
    if max_query_len is None:
        return "decode" if num_tokens <= PAGED_DECODE_MAX_QUERY_LEN * max(1, batch) else "prefill"
    return "decode" if max_query_len <= PAGED_DECODE_MAX_QUERY_LEN else "prefill"


def _num_compute_units(torch, dev):
    """SMs (CUs) of a GPU, os.cpu_count() on the host."""
    key = str(dev)
    n = _compute_units.get(key)
    if n is None:
        if dev.type == "cpu":
            n = os.cpu_count() or 1
        else:
            index = dev.index if dev.index is not None else torch.cuda.current_device()
            n = torch.cuda.get_device_properties(index).multi_processor_count
        n = _compute_units[key] = max(1, int(n))
    return n


def num_splits_for(programs, max_keys, compute_units, per_unit=4, whole_waves=False):
    """docs/paged.md's split count: S = clamp(ceil(4 * compute_units / programs), 1,
    min(ceil(max_keys / 256), 256)), programs = the split kernel's programs per split.
    whole_waves (attn.mla on a GPU, per_unit = 2: its split kernel's CTAs per SM,
    docs/mla.md): floor(per_unit * compute_units / programs) instead, so that the
    programs fill whole waves of the resident CTAs (a partial last wave measured up to
    1.7x slower on the H100)."""
    total = per_unit * compute_units
    want = total // max(1, programs) if whole_waves else -(-total // max(1, programs))
    return max(1, min(want, -(-max_keys // 256), 256))


def _num_splits(k, dev, torch, tq, b, hq, d, dv, max_keys, mla=False):
    key = (id(k), tq, b, max_keys)
    hit = _splits_cache.get(key)
    if hit is not None and hit[0] is k:
        return hit[1]
    sizes = {"split_out": (1, tq, hq, dv), "split_lse": (1, hq, tq), "query_start_loc": (b + 1,),
             "q": (tq, hq, d)}
    gx, gy, _ = k.module.grid(k.name, [sizes.get(a.name, (0,) * a.rank) for a in k.info.args])
    if mla and dev.type != "cpu":
        s = num_splits_for(gx * gy, max_keys, _num_compute_units(torch, dev), per_unit=2,
                           whole_waves=True)
    else:
        s = num_splits_for(gx * gy, max_keys, _num_compute_units(torch, dev))
    if len(_splits_cache) > 4096:
        _splits_cache.clear()
    _splits_cache[key] = (k, s)
    return s


def _check_int_tensor(fn, name, t, torch, rank, dev):
    if not isinstance(t, torch.Tensor):
        raise TypeError("%s: %s must be a torch.Tensor, got %s" % (fn, name, type(t).__name__))
    if t.dtype != torch.int32:
        raise ValueError("%s: %s must be int32, got %s" % (fn, name, t.dtype))
    if t.dim() != rank:
        raise ValueError("%s: %s must have %d dimension%s, got shape %s"
                         % (fn, name, rank, "s" if rank > 1 else "", tuple(t.shape)))
    if t.device != dev:
        raise ValueError("%s: %s is on %s, q on %s" % (fn, name, t.device, dev))


def paged_attention(q, k_cache, v_cache, block_tables, seq_lens, query_start_loc, *,
                    causal=False, scale=None, window=(-1, -1), softcap=0.0, alibi_slopes=None,
                    return_lse=False, out=None, num_splits=None, max_query_len=None, sinks=None,
                    k_scale=None, v_scale=None, fp8_dtype=None):
    """Attention over a paged KV cache (vLLM's layout; decode, chunked prefill and mixed
    batches in one call).

    q (Tq, Hq, D): the query tokens of B sequences, packed; sequence b owns tokens
    [query_start_loc[b], query_start_loc[b+1]). k_cache (NB, BS, Hkv, D), v_cache
    (NB, BS, Hkv, Dv): NB blocks of BS tokens. block_tables int32 (B, MaxBlocks): key j
    of sequence b is slot j % BS of block block_tables[b][j // BS]. seq_lens int32 (B,):
    keys of each sequence, its new tokens included; query_start_loc int32 (B+1,). All
    on q's device. Query token t of a sequence with n queries sits at position
    seq_lens[b] - n + t: causal masks, windows and ALiBi are bottom-right aligned as in
    attention(). Options as in attention().

    The work runs as two kernels on the current stream: the split kernel (each KV
    split of each row: a partial result and its lse, into a float32 workspace this
    function allocates: (S, Tq, Hq, Dv) and (S, Hq, Tq)), then the merge kernel.
    num_splits: S (None: docs/paged.md's heuristic from the grid and the device's SMs,
    os.cpu_count() on the CPU). max_query_len: the longest query run, which picks the
    split kernel (paged_mode(): "decode" up to PAGED_DECODE_MAX_QUERY_LEN tokens, else
    "prefill"; a hint only, results do not depend on it).

    Not checked (it would need the data on the host): query_start_loc starts at 0, is
    non-decreasing and ends at most at Tq; 0 <= seq_lens[b] <= MaxBlocks * BS and at
    least the query run of b; the first ceil(seq_lens[b] / BS) block ids of row b are in
    [0, NB). The kernels clamp indices, so bad data gives wrong numbers, never an access
    outside the tensors.

    sinks: (Hq,) float32 attention sinks as in attention(), applied once by the merge
    kernel (not per split).

    Returns out (Tq, Hq, Dv) in q's dtype (or `out=`, written and returned) and, with
    return_lse, lse (Hq, Tq) float32. Tokens past query_start_loc[B] and rows that see
    no key give 0 and lse -inf (with sinks: lse = sinks[h]).

    fp8 caches (docs/fp8.md; CPU, and e4m3fn on CUDA sm_90a): k_cache and v_cache as torch.uint8 storage with
    fp8_dtype="e4m3fn" | "e4m3fnuz" (or native float8 tensors), k_scale and v_scale
    (vLLM's names; float32: a number, shape (), (1,), (Hkv,) or (NB, BS, Hkv) per token and
    head; None: 1): keys and values are k_cache * k_scale, v_cache * v_scale; q and out
    stay bfloat16 / float16.
    """
    # The launch plan first (issue 18), as in attention(): a "paged" plan is only made for
    # 16/32-bit caches, whose dtypes are in its signature.
    if k_scale is None and v_scale is None and fp8_dtype is None and not (
            _compiling is not None and _compiling()):
        try:
            f = _fast.get(_paged_sig(causal, scale, window, softcap, return_lse, num_splits,
                                     max_query_len, q, k_cache, v_cache, block_tables,
                                     seq_lens, query_start_loc, alibi_slopes, out, sinks))
        except Exception:
            f = None
        if f is not None and f.gen == kernels._generation and not (
                (q.requires_grad or k_cache.requires_grad or v_cache.requires_grad)
                and _T.is_grad_enabled()):
            r = _run_fast(f, (q, k_cache, v_cache, block_tables, seq_lens, query_start_loc,
                              alibi_slopes, sinks), out, return_lse)
            if r is not None:
                return r
    if _is_fp8_call((k_cache, v_cache), fp8_dtype, (k_scale, v_scale)):
        return _paged_fp8(q, k_cache, v_cache, block_tables, seq_lens, query_start_loc, causal,
                          scale, window, softcap, alibi_slopes, return_lse, out, num_splits,
                          max_query_len, sinks, k_scale, v_scale, fp8_dtype)
    if _compiling is not None and _compiling():
        w = tuple(window)
        return _op_result(out, _T.ops.attnc.paged_attention(
            q, k_cache, v_cache, block_tables, seq_lens, query_start_loc, alibi_slopes,
            bool(causal), None if scale is None else float(scale), int(w[0]), int(w[1]),
            float(softcap or 0.0), bool(return_lse), None if num_splits is None else
            int(num_splits), None if max_query_len is None else int(max_query_len), sinks),
            return_lse)
    try:  # the plan's key (the lookup above found none, or not for these pointers)
        sig = _paged_sig(causal, scale, window, softcap, return_lse, num_splits, max_query_len,
                         q, k_cache, v_cache, block_tables, seq_lens, query_start_loc,
                         alibi_slopes, out, sinks)
        hash(sig)
    except Exception:
        sig = None
    fn = "attnc.torch.paged_attention"
    torch = _torch()
    _check_tensor(fn, "q", q, torch, 3)
    _check_tensor(fn, "k_cache", k_cache, torch, 4)
    _check_tensor(fn, "v_cache", v_cache, torch, 4)
    if not (q.dtype == k_cache.dtype == v_cache.dtype):
        raise ValueError("%s: q, k_cache and v_cache must have the same dtype, got %s, %s, %s"
                         % (fn, q.dtype, k_cache.dtype, v_cache.dtype))
    if _dtype_name(q) is None:
        raise ValueError("%s: dtype %s is not supported (bfloat16, float16, float32)"
                         % (fn, q.dtype))
    dev = q.device
    if not (dev == k_cache.device == v_cache.device):
        raise ValueError("%s: q, k_cache and v_cache must be on one device, got %s, %s, %s"
                         % (fn, dev, k_cache.device, v_cache.device))
    tq, hq, d = q.shape
    nb, bs, hkv, dk = k_cache.shape
    nbv, bsv, hv, dv = v_cache.shape
    if (nbv, bsv, hv) != (nb, bs, hkv):
        raise ValueError("%s: k_cache and v_cache must have the same blocks, block size and "
                         "heads, got %s and %s" % (fn, tuple(k_cache.shape), tuple(v_cache.shape)))
    if bs < 1 or nb < 1:
        raise ValueError("%s: the cache needs at least one block of at least one token, got "
                         "k_cache %s" % (fn, tuple(k_cache.shape)))
    window = _check_common(fn, hq, hkv, d, dk, scale, window, softcap)
    _check_int_tensor(fn, "block_tables", block_tables, torch, 2, dev)
    _check_int_tensor(fn, "seq_lens", seq_lens, torch, 1, dev)
    _check_int_tensor(fn, "query_start_loc", query_start_loc, torch, 1, dev)
    b, max_blocks = block_tables.shape
    if seq_lens.numel() != b or query_start_loc.numel() != b + 1:
        raise ValueError("%s: block_tables (B, MaxBlocks), seq_lens (B,) and query_start_loc "
                         "(B+1,) disagree on B: shapes %s, %s, %s"
                         % (fn, tuple(block_tables.shape), tuple(seq_lens.shape),
                            tuple(query_start_loc.shape)))
    if num_splits is not None:
        if isinstance(num_splits, bool) or int(num_splits) != num_splits or num_splits < 1:
            raise ValueError("%s: num_splits must be an integer >= 1 (None: chosen), got %r"
                             % (fn, num_splits))
        num_splits = int(num_splits)
    if max_query_len is not None and int(max_query_len) < 0:
        raise ValueError("%s: max_query_len must be >= 0, got %r" % (fn, max_query_len))
    slopes = _check_alibi(fn, alibi_slopes, hq, dev, torch)
    sinks = _check_sinks(fn, sinks, hq, dev, torch)
    out = _check_out(fn, out, (tq, hq, dv), q.dtype, dev, torch)
    if out is None:
        out = torch.empty((tq, hq, dv), dtype=q.dtype, device=dev)
    lse = torch.empty((hq, tq), dtype=torch.float32, device=dev) if return_lse else None
    if tq == 0:
        return (out, lse) if return_lse else out
    mode = paged_mode(None if max_query_len is None else int(max_query_len), tq, b)
    spec = dict(dtype=_dtype_name(q), head_dim=d, head_dim_v=dv, num_heads_q=hq,
                num_heads_kv=hkv, causal=bool(causal), scale=scale, window=window,
                softcap=float(softcap), alibi=slopes is not None, return_lse=bool(return_lse),
                paged=True, block_size=bs, paged_mode=mode, sinks=sinks is not None,
                row_align=_row_align(dev, d, dv, (q, k_cache, v_cache, out)))
    k = _kernel(spec, _device_string(torch, dev))
    s = num_splits or _num_splits(k, dev, torch, tq, b, hq, d, dv, max_blocks * bs)
    split_out = torch.empty((s, tq, hq, dv), dtype=torch.float32, device=dev)
    split_lse = torch.empty((s, hq, tq), dtype=torch.float32, device=dev)
    stream = _stream(torch, dev)
    named = {"q": q, "k_cache": k_cache, "v_cache": v_cache, "block_tables": block_tables,
             "seq_lens": seq_lens, "query_start_loc": query_start_loc, "alibi": slopes,
             "sinks": sinks, "split_out": split_out, "split_lse": split_lse, "out": out,
             "lse": lse}
    _launch_kernel(fn, k.module, k.info, named, stream)
    _launch_kernel(fn, k.module, k.merge, named, stream)
    _remember(sig, torch, dev, k, [(k.info, named), (k.merge, named)],
              ("q", "k_cache", "v_cache", "block_tables", "seq_lens", "query_start_loc", "alibi",
               "sinks", "out", "lse", "split_out", "split_lse"), (0, 1, 2, 8), (tq, hq, dv),
              (hq, tq),
              q.dtype, ws_shapes=((s, tq, hq, dv), (s, hq, tq)))
    return (out, lse) if return_lse else out


def _paged_fp8(q, k_cache, v_cache, block_tables, seq_lens, query_start_loc, causal, scale,
               window, softcap, alibi_slopes, return_lse, out, num_splits, max_query_len, sinks,
               k_scale, v_scale, fp8_dtype):
    """paged_attention() with fp8 caches. The launch plan first, as for 16-bit caches (issue
    18; serving runs fp8 caches), where both scales are float32 tensors (a number or None
    makes a tensor per call, which a plan cannot hold)."""
    fn = "attnc.torch.paged_attention"
    torch = _torch()
    if not (_compiling is not None and _compiling()):
        try:
            sig = _paged_fp8_sig(causal, scale, window, softcap, return_lse, num_splits,
                                 max_query_len, q, k_cache, v_cache, block_tables, seq_lens,
                                 query_start_loc, alibi_slopes, out, sinks, k_scale, v_scale,
                                 fp8_dtype)
            f = _fast.get(sig)
        except Exception:
            sig = f = None
        if f is not None and f.gen == kernels._generation and not (
                q.requires_grad and torch.is_grad_enabled()):
            r = _run_fast(f, (q, k_cache, v_cache, block_tables, seq_lens, query_start_loc,
                              alibi_slopes, sinks, k_scale, v_scale), out, return_lse)
            if r is not None:
                return r
    else:
        sig = None
    _fp8_guards(fn, q, (q, k_cache, v_cache), torch, cuda=True)
    _check_tensor(fn, "q", q, torch, 3)
    _check_tensor(fn, "k_cache", k_cache, torch, 4)
    _check_tensor(fn, "v_cache", v_cache, torch, 4)
    fmt = _fp8_format(fn, ("k_cache", "v_cache"), (k_cache, v_cache), fp8_dtype, torch)
    if q.device.type == "cuda":
        _fp8_gpu_format(fn, "caches", _device_string(torch, q.device), fmt)
    if q.dtype not in (torch.bfloat16, torch.float16):
        raise ValueError("%s: q must be bfloat16 or float16 with fp8 caches, got %s"
                         % (fn, q.dtype))
    dev = q.device
    if not (dev == k_cache.device == v_cache.device):
        raise ValueError("%s: q, k_cache and v_cache must be on one device" % fn)
    tq, hq, d = q.shape
    nb, bs, hkv, dk = k_cache.shape
    nbv, bsv, hv, dv = v_cache.shape
    if (nbv, bsv, hv) != (nb, bs, hkv):
        raise ValueError("%s: k_cache and v_cache must have the same blocks, block size and "
                         "heads, got %s and %s" % (fn, tuple(k_cache.shape), tuple(v_cache.shape)))
    if bs < 1 or nb < 1:
        raise ValueError("%s: the cache needs at least one block of at least one token, got "
                         "k_cache %s" % (fn, tuple(k_cache.shape)))
    window = _check_common(fn, hq, hkv, d, dk, scale, window, softcap)
    _check_int_tensor(fn, "block_tables", block_tables, torch, 2, dev)
    _check_int_tensor(fn, "seq_lens", seq_lens, torch, 1, dev)
    _check_int_tensor(fn, "query_start_loc", query_start_loc, torch, 1, dev)
    b, max_blocks = block_tables.shape
    if seq_lens.numel() != b or query_start_loc.numel() != b + 1:
        raise ValueError("%s: block_tables (B, MaxBlocks), seq_lens (B,) and query_start_loc "
                         "(B+1,) disagree on B: shapes %s, %s, %s"
                         % (fn, tuple(block_tables.shape), tuple(seq_lens.shape),
                            tuple(query_start_loc.shape)))
    if num_splits is not None:
        if isinstance(num_splits, bool) or int(num_splits) != num_splits or num_splits < 1:
            raise ValueError("%s: num_splits must be an integer >= 1 (None: chosen), got %r"
                             % (fn, num_splits))
        num_splits = int(num_splits)
    if max_query_len is not None and int(max_query_len) < 0:
        raise ValueError("%s: max_query_len must be >= 0, got %r" % (fn, max_query_len))
    slopes = _check_alibi(fn, alibi_slopes, hq, dev, torch)
    sinks = _check_sinks(fn, sinks, hq, dev, torch)
    # Scales: per head (Hkv,) (a number or (), (1,) broadcast to it), or per token and
    # head (NB, BS, Hkv) as given.
    scales, ranks = [], []
    for name, x in (("k_scale", k_scale), ("v_scale", v_scale)):
        token = isinstance(x, torch.Tensor) and x.dim() == 3
        full = (nb, bs, hkv) if token else (hkv,)
        scales.append(_fp8_scale(fn, name, x, ((), (1,), (hkv,), (nb, bs, hkv)), full, dev,
                                 torch, view=True))
        ranks.append(3 if token else 1)
    out = _check_out(fn, out, (tq, hq, dv), q.dtype, dev, torch)
    if out is None:
        out = torch.empty((tq, hq, dv), dtype=q.dtype, device=dev)
    lse = torch.empty((hq, tq), dtype=torch.float32, device=dev) if return_lse else None
    if tq == 0:
        return (out, lse) if return_lse else out
    mode = paged_mode(None if max_query_len is None else int(max_query_len), tq, b)
    spec = dict(dtype=_dtype_name(q), head_dim=d, head_dim_v=dv, num_heads_q=hq,
                num_heads_kv=hkv, causal=bool(causal), scale=scale, window=window,
                softcap=float(softcap), alibi=slopes is not None, return_lse=bool(return_lse),
                paged=True, block_size=bs, paged_mode=mode, sinks=sinks is not None,
                fp8=fmt, fp8_scales=tuple(ranks))
    k = _kernel(spec, _device_string(torch, dev))
    s = num_splits or _num_splits(k, dev, torch, tq, b, hq, d, dv, max_blocks * bs)
    split_out = torch.empty((s, tq, hq, dv), dtype=torch.float32, device=dev)
    split_lse = torch.empty((s, hq, tq), dtype=torch.float32, device=dev)
    stream = _stream(torch, dev)
    named = {"q": q, "k_cache": _fp8_bytes(k_cache, torch),
             "v_cache": _fp8_bytes(v_cache, torch), "block_tables": block_tables,
             "seq_lens": seq_lens, "query_start_loc": query_start_loc, "alibi": slopes,
             "sinks": sinks, "k_scale": scales[0], "v_scale": scales[1],
             "split_out": split_out, "split_lse": split_lse, "out": out, "lse": lse}
    _launch_kernel(fn, k.module, k.info, named, stream)
    _launch_kernel(fn, k.module, k.merge, named, stream)
    if isinstance(k_scale, torch.Tensor) and isinstance(v_scale, torch.Tensor):
        # The scales' broadcasts are views of k_scale and v_scale (their strides are in the
        # plan): the fast path passes the tensors themselves. The caches' pointers are
        # checked at q's 16-bit row alignment, stricter than their bytes need.
        _remember(sig, torch, dev, k, [(k.info, named), (k.merge, named)],
                  ("q", "k_cache", "v_cache", "block_tables", "seq_lens", "query_start_loc",
                   "alibi", "sinks", "k_scale", "v_scale", "out", "lse", "split_out",
                   "split_lse"), (0, 1, 2, 10), (tq, hq, dv), (hq, tq), q.dtype,
                  ws_shapes=((s, tq, hq, dv), (s, hq, tq)))
    return (out, lse) if return_lse else out


# --- MLA decode (docs/mla.md) ------------------------------------------------------------------


def _check_kv_lora_rank(fn, kv_lora_rank, d):
    if isinstance(kv_lora_rank, bool):
        raise ValueError("%s: kv_lora_rank must be an integer, got %r" % (fn, kv_lora_rank))
    try:
        rank = int(kv_lora_rank)
        if rank != kv_lora_rank:
            raise ValueError
    except (TypeError, ValueError, OverflowError):
        raise ValueError("%s: kv_lora_rank must be an integer, got %r" % (fn, kv_lora_rank))
    if not 1 <= rank <= d:
        raise ValueError("%s: kv_lora_rank must be in [1, D = %d] (V is the first kv_lora_rank "
                         "columns of each kv_cache row), got %d" % (fn, d, rank))
    return rank


def mla_decode(q, kv_cache, block_tables, seq_lens, query_start_loc, *, kv_lora_rank,
               scale=None, causal=False, softcap=0.0, return_lse=False, out=None,
               num_splits=None, kv_scale=None, fp8_dtype=None):
    """DeepSeek's multi-head latent attention (MLA), decode, in the absorbed form over a
    paged latent cache (attn.mla, docs/mla.md).

    q (Tq, H, D): the query tokens of B sequences, packed (D = kv_lora_rank + rope dim,
    e.g. 512 + 64); sequence b owns tokens [query_start_loc[b], query_start_loc[b+1]).
    kv_cache (NB, BS, D): NB blocks of BS latent rows [c_kv | k_pe]; every query head
    attends over them with K = the whole row and V = its first kv_lora_rank values (any
    strides with a unit last stride). block_tables int32 (B, MaxBlocks): key j of
    sequence b is slot j % BS of block block_tables[b][j // BS]. seq_lens int32 (B,):
    keys per sequence, its new tokens included; query_start_loc int32 (B+1,). All on
    q's device. Query token t of a sequence with n queries sits at position
    seq_lens[b] - n + t: causal is bottom-right aligned per sequence (several query
    tokens per sequence: speculative / MTP decoding).

    scale: None for 1/sqrt(D) (DeepSeek passes 1/sqrt(192) = softmax_scale of its
    qk_head_dim); softcap as in attention(). Two kernels, as paged_attention's: the
    split kernel (one program per query token, 16 heads and KV split, each K tile read
    once for both matmuls) into a float32 workspace (S, Tq, H, kv_lora_rank), (S, H, Tq),
    then the merge. num_splits: S (None: docs/paged.md's heuristic).

    Returns out (Tq, H, kv_lora_rank) in q's dtype (or `out=`, written and returned)
    and, with return_lse, lse (H, Tq) float32. Tokens past query_start_loc[B] and rows
    that see no key give 0 and lse -inf. The data preconditions (not checked) are
    paged_attention's. CPU and CUDA (sm_90a, bfloat16 / float16) tensors; other devices
    raise NotImplementedError.

    fp8 latent cache (docs/fp8.md; CPU, and e4m3fn on CUDA sm_90a): kv_cache as
    torch.uint8 storage with fp8_dtype="e4m3fn" | "e4m3fnuz" (or a native float8 tensor)
    and kv_scale (float32: a number, shape (), (1,), or (NB, BS) per token; None: 1): the
    rows are kv_cache * kv_scale, K and V alike; q and out stay bfloat16 / float16.
    """
    fp8 = _is_fp8_call((kv_cache,), fp8_dtype, (kv_scale,))
    if fp8:
        _fp8_guards("attnc.torch.mla_decode", q, (q, kv_cache), _torch(), cuda=True)
    if _compiling is not None and _compiling():
        return _op_result(out, _T.ops.attnc.mla_decode(
            q, kv_cache, block_tables, seq_lens, query_start_loc, int(kv_lora_rank),
            None if scale is None else float(scale), bool(causal), float(softcap or 0.0),
            bool(return_lse), None if num_splits is None else int(num_splits)), return_lse)
    try:
        sig = ("mla", kv_lora_rank, causal, scale, softcap, return_lse, num_splits, _tsig(q),
               _tsig(kv_cache), _tsig(block_tables), _tsig(seq_lens), _tsig(query_start_loc),
               _tsig(out))
        f = _fast.get(sig)
    except Exception:
        sig = f = None
    if f is not None and f.gen == kernels._generation and not _grad_blocked(q, kv_cache) and \
            not fp8:
        r = _run_fast(f, (q, kv_cache, block_tables, seq_lens, query_start_loc), out,
                      return_lse)
        if r is not None:
            return r
    fn = "attnc.torch.mla_decode"
    torch = _torch()
    _check_tensor(fn, "q", q, torch, 3)
    _check_tensor(fn, "kv_cache", kv_cache, torch, 3)
    fmt = _fp8_format(fn, ("kv_cache",), (kv_cache,), fp8_dtype, torch) if fp8 else None
    if fp8 and q.device.type == "cuda":
        _fp8_gpu_format(fn, "caches", _device_string(torch, q.device), fmt)
    if fp8 and q.dtype not in (torch.bfloat16, torch.float16):
        raise ValueError("%s: q must be bfloat16 or float16 with an fp8 kv_cache, got %s"
                         % (fn, q.dtype))
    if not fp8 and q.dtype != kv_cache.dtype:
        raise ValueError("%s: q and kv_cache must have the same dtype, got %s, %s"
                         % (fn, q.dtype, kv_cache.dtype))
    if _dtype_name(q) is None:
        raise ValueError("%s: dtype %s is not supported (bfloat16, float16, float32)"
                         % (fn, q.dtype))
    dev = q.device
    if kv_cache.device != dev:
        raise ValueError("%s: q and kv_cache must be on one device, got %s, %s"
                         % (fn, dev, kv_cache.device))
    if dev.type not in ("cpu", "cuda"):
        raise NotImplementedError("%s: %s tensors are not supported yet (attn.mla runs on the "
                                  "CPU and GPUs so far: sm_90a, and gfx942/gfx950 compiled "
                                  "but not run; docs/mla.md)"
                                  % (fn, dev.type))
    tq, hq, d = q.shape
    nb, bs, dk = kv_cache.shape
    if dk != d:
        raise ValueError("%s: q and kv_cache must have the same head dim D, got %d and %d"
                         % (fn, d, dk))
    if bs < 1 or nb < 1:
        raise ValueError("%s: the cache needs at least one block of at least one token, got "
                         "kv_cache %s" % (fn, tuple(kv_cache.shape)))
    rank = _check_kv_lora_rank(fn, kv_lora_rank, d)
    _check_common(fn, hq, 1, d, dk, scale, (-1, -1), softcap)
    _check_int_tensor(fn, "block_tables", block_tables, torch, 2, dev)
    _check_int_tensor(fn, "seq_lens", seq_lens, torch, 1, dev)
    _check_int_tensor(fn, "query_start_loc", query_start_loc, torch, 1, dev)
    b, max_blocks = block_tables.shape
    if seq_lens.numel() != b or query_start_loc.numel() != b + 1:
        raise ValueError("%s: block_tables (B, MaxBlocks), seq_lens (B,) and query_start_loc "
                         "(B+1,) disagree on B: shapes %s, %s, %s"
                         % (fn, tuple(block_tables.shape), tuple(seq_lens.shape),
                            tuple(query_start_loc.shape)))
    if num_splits is not None:
        if isinstance(num_splits, bool) or int(num_splits) != num_splits or num_splits < 1:
            raise ValueError("%s: num_splits must be an integer >= 1 (None: chosen), got %r"
                             % (fn, num_splits))
        num_splits = int(num_splits)
    out = _check_out(fn, out, (tq, hq, rank), q.dtype, dev, torch)
    if out is None:
        out = torch.empty((tq, hq, rank), dtype=q.dtype, device=dev)
    lse = torch.empty((hq, tq), dtype=torch.float32, device=dev) if return_lse else None
    if tq == 0:
        return (out, lse) if return_lse else out
    spec = dict(dtype=_dtype_name(q), head_dim=d, head_dim_v=rank, num_heads_q=hq,
                num_heads_kv=1, causal=bool(causal), scale=scale, softcap=float(softcap),
                return_lse=bool(return_lse), paged=True, block_size=bs, paged_mode="decode",
                mla=True)
    named_fp8 = {}
    if fp8:
        token = isinstance(kv_scale, torch.Tensor) and kv_scale.dim() == 2
        named_fp8["kv_scale"] = _fp8_scale(fn, "kv_scale", kv_scale, ((), (1,), (nb, bs)),
                                           (nb, bs) if token else (), dev, torch)
        named_fp8["kv_cache"] = _fp8_bytes(kv_cache, torch)
        spec.update(fp8=fmt, fp8_scales=(2 if token else 0,))
    k = _kernel(spec, _device_string(torch, dev))
    s = num_splits or _num_splits(k, dev, torch, tq, b, hq, d, rank, max_blocks * bs,
                                  mla=True)
    split_out = torch.empty((s, tq, hq, rank), dtype=torch.float32, device=dev)
    split_lse = torch.empty((s, hq, tq), dtype=torch.float32, device=dev)
    stream = _stream(torch, dev)
    named = {"q": q, "kv_cache": kv_cache, "block_tables": block_tables, "seq_lens": seq_lens,
             "query_start_loc": query_start_loc, "split_out": split_out,
             "split_lse": split_lse, "out": out, "lse": lse}
    named.update(named_fp8)
    _launch_kernel(fn, k.module, k.info, named, stream)
    _launch_kernel(fn, k.module, k.merge, named, stream)
    if fp8:
        return (out, lse) if return_lse else out
    _remember(sig, torch, dev, k, [(k.info, named), (k.merge, named)],
              ("q", "kv_cache", "block_tables", "seq_lens", "query_start_loc", "out", "lse",
               "split_out", "split_lse"), (0, 1, 5), (tq, hq, rank), (hq, tq), q.dtype,
              ws_shapes=((s, tq, hq, rank), (s, hq, tq)))
    return (out, lse) if return_lse else out


# SAGE-style quantized attention (docs/fp8.md, "SAGE"): its own module, imported lazily
# like the rest (it needs torch only when called).
from .sage import (SageQuantized, SageQuantizedVarlen, sage_attention,  # noqa: E402,F401
                   sage_attention_quantized, sage_attention_varlen,
                   sage_attention_varlen_quantized, sage_quantize, sage_quantize_varlen)

# With torch already imported, the custom ops are registered now (so that torch.compile
# sees them from the first traced call); otherwise at the first call.
if "torch" in sys.modules:
    _torch()
