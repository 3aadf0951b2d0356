"""Kernel bundles and the runtime (libattnrt): read a bundle, load it for a
device, launch its kernels on tensors given by address, sizes and strides.

    b = attnc.Bundle("attn.attnb")          # or the bytes of one
    m = attnc.load(b, device="cpu")         # "auto", "cpu", "cuda[:N]", "hip[:N]"
    k = m.kernels[0]                        # name, kind, args (role, dtype, rank), features
    m.launch(k.name, [attnc.Tensor(ptr, sizes, strides), ...], stream=None)

No torch or numpy needed here (attnc.torch builds on it).
"""
import ctypes
import os
import struct
import threading
from collections import namedtuple

from . import _lib
from ._errors import AttncError, RuntimeError_

Arg = namedtuple("Arg", "name dtype rank output")
Arg.__doc__ = "One tensor argument of a kernel: role (q, k, v, cu_seqlens_q, ..., out, lse)."


class KernelInfo(namedtuple("KernelInfo", "name kind args head_dim head_dim_v num_q_heads "
                                          "num_kv_heads causal window_left window_right scale "
                                          "softcap has_alibi has_lse row_align")):
    """What a bundle says about one kernel (attnrt/Bundle.h AttnBundleKernel); row_align
    is 0 in bundles written before it (their GPU kernels take 16-byte rows)."""

    def arg_names(self):
        return [a.name for a in self.args]


Entry = namedtuple("Entry", "symbol grid_map grid_dims block_m block_n num_warps num_stages "
                            "kv_splits workgroup_size lds_bytes")
TargetInfo = namedtuple("TargetInfo", "name format size entries")


_tls = threading.local()


def _err_buffer():
    """A per-thread message buffer for launches (allocating 64 KiB per call costs)."""
    buf = getattr(_tls, "err", None)
    if buf is None:
        buf = _tls.err = ctypes.create_string_buffer(4096)
    return buf


class Tensor:
    """A tensor argument: the address of element 0 (a device pointer on a GPU),
    sizes and strides in elements (rank 1..4)."""

    __slots__ = ("data_ptr", "sizes", "strides")

    def __init__(self, data_ptr, sizes, strides):
        sizes, strides = tuple(int(s) for s in sizes), tuple(int(s) for s in strides)
        if len(sizes) != len(strides):
            raise ValueError("attnc.Tensor: %d sizes but %d strides" % (len(sizes), len(strides)))
        if not 1 <= len(sizes) <= 4:
            raise ValueError("attnc.Tensor: rank %d (expected 1 to 4)" % len(sizes))
        if any(s < 0 for s in sizes):
            raise ValueError("attnc.Tensor: negative size in %s" % (sizes,))
        self.data_ptr = int(data_ptr or 0)
        self.sizes = sizes
        self.strides = strides

    def __repr__(self):
        return "attnc.Tensor(0x%x, sizes=%s, strides=%s)" % (self.data_ptr, self.sizes,
                                                            self.strides)

    def _c(self, out):
        out.data = self.data_ptr or None
        out.rank = len(self.sizes)
        for i, (s, st) in enumerate(zip(self.sizes, self.strides)):
            out.sizes[i] = s
            out.strides[i] = st


def _kernel_info(k):
    args = tuple(Arg(_lib.decode(a.name), _lib.decode(a.dtype), int(a.rank), bool(a.output))
                 for a in k.args[:k.num_args])
    return KernelInfo(_lib.decode(k.name), _lib.decode(k.kind), args, k.head_dim, k.head_dim_v,
                      k.num_q_heads, k.num_kv_heads, bool(k.causal), k.window_left,
                      k.window_right, k.scale, k.softcap, bool(k.has_alibi), bool(k.has_lse),
                      k.row_align)


def _entry(e):
    dims = tuple(_lib.decode(e.grid_dims[i].value) for i in range(e.num_grid_dims))
    return Entry(_lib.decode(e.symbol), _lib.decode(e.grid_map), dims, e.block_m, e.block_n,
                 e.num_warps, e.num_stages, e.kv_splits, e.workgroup_size, e.lds_bytes)


class Bundle:
    """A parsed kernel bundle (.attnb): from its bytes or a file path."""

    def __init__(self, data_or_path):
        rt = _lib.runtime()
        self._c = _lib.Bundle()
        self._rt = rt
        err = _lib.err_buffer()
        if isinstance(data_or_path, (bytes, bytearray, memoryview)):
            data = bytes(data_or_path)
            self.path = None
            code = rt.attnBundleParse(data, len(data), ctypes.byref(self._c), err, len(err))
            _lib.check(code, err, "cannot parse the bundle")
        elif isinstance(data_or_path, (str, os.PathLike)):
            self.path = os.fspath(data_or_path)
            code = rt.attnBundleReadFile(os.fsencode(self.path), ctypes.byref(self._c), err,
                                         len(err))
            _lib.check(code, err, "cannot read the bundle")
        else:
            raise TypeError("attnc.Bundle needs bytes or a path, got %s"
                            % type(data_or_path).__name__)
        c = self._c
        self.producer = _lib.decode(c.producer)
        self.kernels = [_kernel_info(c.kernels[i]) for i in range(c.num_kernels)]
        self.targets = [TargetInfo(_lib.decode(t.name), _lib.decode(t.format), int(t.size),
                                   [_entry(t.entries[i]) for i in range(c.num_kernels)])
                        for t in (c.targets[j] for j in range(c.num_targets))]

    def kernel(self, name=None):
        """The KernelInfo called `name` (None: the only kernel)."""
        return _find_kernel(self.kernels, name)

    def code(self, target):
        """The code object bytes of bundle target `target` ("sm_90a", "cpu-x86_64", ...):
        PTX text with its NUL, an HSACO, an ELF shared object."""
        for i in range(self._c.num_targets):
            t = self._c.targets[i]
            if _lib.decode(t.name) == target:
                return ctypes.string_at(t.data, t.size) if t.size else b""
        raise KeyError("the bundle has no target %r (it has %s)"
                       % (target, ", ".join(x.name for x in self.targets) or "none"))

    def __del__(self):
        c = getattr(self, "_c", None)
        if c is not None and getattr(self, "_rt", None) is not None:
            self._rt.attnBundleDestroy(ctypes.byref(c))
            self._c = None

    def __repr__(self):
        return "attnc.Bundle(%d kernels, targets %s)" % (
            len(self.kernels), ", ".join("%s (%s)" % (t.name, t.format) for t in self.targets))


def _find_kernel(kernels, name):
    if name is None:
        if len(kernels) != 1:
            raise ValueError("the bundle has %d kernels (%s): name one"
                             % (len(kernels), ", ".join(k.name for k in kernels)))
        return kernels[0]
    for k in kernels:
        if k.name == name:
            return k
    raise KeyError("no kernel %r; the bundle has %s" % (name, ", ".join(k.name for k in kernels)
                                                        or "none"))


class Module:
    """A bundle loaded for one device (attnrtModuleLoad)."""

    def __init__(self, bundle, device="auto"):
        if not isinstance(bundle, Bundle):
            bundle = Bundle(bundle)
        rt = _lib.runtime()
        handle = ctypes.c_void_p()
        err = _lib.err_buffer()
        code = rt.attnrtModuleLoad(ctypes.byref(bundle._c), device.encode(), ctypes.byref(handle),
                                   err, len(err))
        _lib.check(code, err, "cannot load the bundle for device %r" % device)
        self._rt = rt
        self._handle = handle
        self._lock = threading.Lock()
        self.device = _lib.decode(rt.attnrtModuleDevice(handle))
        self.target = _lib.decode(rt.attnrtModuleTarget(handle))
        self.kernels = list(bundle.kernels)
        self.producer = bundle.producer
        entries = next((t.entries for t in bundle.targets if t.name == self.target), [])
        self.entries = {k.name: e for k, e in zip(self.kernels, entries)}
        self._grid_structs = {}

    def kernel(self, name=None):
        return _find_kernel(self.kernels, name)

    def grid(self, kernel_name, sizes):
        """The grid (gx, gy, gz) that a launch of `kernel_name` on this module's target
        runs for arguments of the given sizes (one sequence of sizes per argument, in
        the kernel's order): attnBundleEvalGrid over the entry's grid map."""
        c = self._grid_structs.get(kernel_name)
        if c is None:
            c = self._grid_structs[kernel_name] = _grid_structs(self.kernel(kernel_name),
                                                                self.entries.get(kernel_name))
        ck, ce = c
        sizes = list(sizes)
        if len(sizes) != ck.num_args:
            raise ValueError("grid of %s: %d argument sizes, the kernel takes %d"
                             % (kernel_name, len(sizes), ck.num_args))
        rows = [(ctypes.c_int64 * 4)(*[int(x) for x in s][:4]) for s in sizes]
        ptrs = (ctypes.POINTER(ctypes.c_int64) * max(1, len(rows)))(
            *[ctypes.cast(r, ctypes.POINTER(ctypes.c_int64)) for r in rows])
        grid = (ctypes.c_int64 * 3)()
        err = _err_buffer()
        code = self._rt.attnBundleEvalGrid(ctypes.byref(ck), ctypes.byref(ce), ptrs, grid, err,
                                           len(err))
        _lib.check(code, err, "grid of %s on %s" % (kernel_name, self.target))
        return tuple(grid)

    def launch(self, kernel_name, tensors, stream=None):
        """Launches `kernel_name` on `tensors` (attnc.Tensor, in the kernel's argument
        order: see .kernel(name).args). GPU launches are asynchronous on `stream`
        (a CUstream / hipStream_t as an int; None: the default stream); CPU
        launches have finished when this returns."""
        tensors = list(tensors)
        arr = (_lib.RtTensor * max(1, len(tensors)))()
        for i, t in enumerate(tensors):
            if not isinstance(t, Tensor):
                raise TypeError("tensor %d: expected attnc.Tensor, got %s"
                                % (i, type(t).__name__))
            t._c(arr[i])
        self._launch(kernel_name.encode(), arr, len(tensors), stream)

    def _launch(self, name, arr, count, stream):
        """attnrtLaunch on a filled _lib.RtTensor array (name: bytes)."""
        if self._handle is None:
            raise RuntimeError_("the module is closed")
        err = _err_buffer()
        code = self._rt.attnrtLaunch(self._handle, name, arr, count,
                                     stream if stream else None, err, len(err))
        if code:
            _lib.check(code, err, "launch of %s on %s failed" % (name.decode(), self.device))

    def close(self):
        h, self._handle = getattr(self, "_handle", None), None
        if h is not None and h.value:
            self._rt.attnrtModuleDestroy(h)

    def __del__(self):
        self.close()

    def __repr__(self):
        return "attnc.Module(device=%r, target=%r, kernels=%s)" % (
            self.device, self.target, [k.name for k in self.kernels])


class LaunchPlan:
    """Launches of one module's kernels prepared once for fixed tensor sizes and strides
    (attnrtPlanCreate / attnrtPlanAdd): checked, packed, grids evaluated. ``launch(ptrs,
    stream)`` then runs them all, in order, on new data pointers (every launch's, in
    argument order, concatenated) with one C call (attnrtPlanLaunch).

        plan = attnc.runtime.LaunchPlan(module, [(name, [attnc.Tensor, ...]), ...])
        plan.launch([ptr, ...], stream=None)

    The tensors' data pointers at construction are not used (only whether a tensor is
    empty). Holds a reference to the module."""

    __slots__ = ("module", "num_data", "_handle", "_fn", "_pack", "__weakref__")

    def __init__(self, module, launches):
        rt = module._rt
        if not hasattr(rt, "attnrtPlanLaunch"):
            raise RuntimeError_("this libattnrt has no launch plans (attnrtPlanLaunch); "
                                "rebuild it")
        if module._handle is None:
            raise RuntimeError_("the module is closed")
        handle = ctypes.c_void_p()
        err = _err_buffer()
        _lib.check(rt.attnrtPlanCreate(module._handle, ctypes.byref(handle), err, len(err)), err,
                   "cannot create a launch plan")
        self.module = module
        self._handle = handle
        self._fn = _lib.plan_launch_packed(rt)
        n = 0
        for name, tensors in launches:
            arr = (_lib.RtTensor * max(1, len(tensors)))()
            for i, t in enumerate(tensors):
                if isinstance(t, Tensor):
                    t._c(arr[i])
                else:
                    arr[i] = t  # an _lib.RtTensor
            code = rt.attnrtPlanAdd(handle, name.encode(), arr, len(tensors), err, len(err))
            _lib.check(code, err, "launch plan of %s on %s" % (name, module.device))
            n += len(tensors)
        self.num_data = n
        self._pack = struct.Struct("=%dQ" % n).pack

    def launch(self, ptrs, stream=None):
        """Runs the plan on data pointers `ptrs` (ints; 0 for empty tensors) on `stream`
        (a CUstream / hipStream_t as an int; ignored on the CPU)."""
        try:
            data = self._pack(*ptrs)
        except struct.error as e:  # a count other than num_data, None, a negative int
            raise RuntimeError_("launch plan on %s: it takes %d data pointers (ints >= 0): %s"
                                % (self.module.device, self.num_data, e)) from None
        err = _err_buffer()
        code = self._fn(self._handle, data, self.num_data, stream, err, 4096)
        if code:
            _lib.check(code, err, "launch on %s failed" % self.module.device)

    def close(self):
        h, self._handle = getattr(self, "_handle", None), None
        if h is not None and h.value:
            self.module._rt.attnrtPlanDestroy(h)

    def __del__(self):
        self.close()


def _grid_structs(info, entry):
    """The C kernel and entry records that attnBundleEvalGrid reads (argument names and
    ranks; grid map and dims) of a KernelInfo and its Entry."""
    if entry is None:
        raise KeyError("kernel %s has no entry for this target" % info.name)
    k = _lib.BundleKernel()
    k.name = info.name.encode()
    k.num_args = len(info.args)
    for i, a in enumerate(info.args):
        k.args[i].name = a.name.encode()
        k.args[i].dtype = a.dtype.encode()
        k.args[i].rank = a.rank
        k.args[i].output = int(a.output)
    e = _lib.BundleEntry()
    e.symbol = entry.symbol.encode()
    e.grid_map = entry.grid_map.encode()
    e.num_grid_dims = len(entry.grid_dims)
    for i, d in enumerate(entry.grid_dims):
        e.grid_dims[i].value = d.encode()
    return k, e


def load(bundle, device="auto"):
    """Loads a bundle (attnc.Bundle, bytes or a path) for `device`: "auto", "cpu",
    "cuda", "cuda:N", "hip", "hip:N". Returns an attnc.Module."""
    return Module(bundle, device)


def cpu_target_name():
    """The bundle target name of this host's CPU: "cpu-x86_64", ..."""
    buf = ctypes.create_string_buffer(64)
    code = _lib.runtime().attnrtCpuTargetName(buf, len(buf))
    _lib.check(code, None, "attnrtCpuTargetName")
    return buf.value.decode()


def _empty_bundle():
    b = _lib.Bundle()
    b.version = _lib.BUNDLE_VERSION
    b.producer = b"attnc probe"
    return b


def runtime_available(device="cpu"):
    """True when the runtime library loads and `device` ("cpu", "cuda[:N]",
    "hip[:N]") has a driver and a device; otherwise a string saying why."""
    try:
        rt = _lib.runtime()
    except AttncError as e:
        return str(e)
    if device == "cpu":
        return True
    # An empty bundle: a present device answers "no code object".
    b = _empty_bundle()
    handle = ctypes.c_void_p()
    err = _lib.err_buffer()
    code = rt.attnrtModuleLoad(ctypes.byref(b), device.encode(), ctypes.byref(handle), err,
                               len(err))
    if code == 0:
        rt.attnrtModuleDestroy(handle)
        return True
    name = _lib.status_name(code)
    if name == "ATTN_ERROR_NO_CODE_OBJECT":
        return True
    return "%s (%s)" % (err.value.decode(errors="replace"), name)


def load_runtime():
    """Loads libattnrt (raises attnc.LibraryNotFoundError); returns its path."""
    _lib.runtime()
    return _lib._state.runtime_path
