"""The kernel cache: an AttentionSpec on a device -> a loaded kernel.

``get(spec, device)`` looks, in order, in

1. memory (this process; per spec and device),
2. the disk cache: ``$ATTNC_CACHE_DIR``, default ``~/.cache/attnc/<compiler version>/``,
   one ``<sha256>.attnb`` per (IR, targets, compiler version and build), written
   atomically (a temporary file in the same directory, then ``os.replace``);
3. the compiler, when libattnc is available (targets: the device's only:
   ``cpu`` for the CPU, ``sm_90a`` for CUDA devices, the gfx arch for HIP ones),
   whose bundle then goes to the disk cache;
4. otherwise the ahead-of-time bundle directories in ``$ATTNC_BUNDLE_DIR``
   (``os.pathsep``-separated), each with the ``index.json`` that
   ``python3 -m attnc.aot`` writes.

Without the compiler the disk cache is not consulted (its keys need the
compiler's version). A variant found nowhere raises
:class:`attnc.KernelNotFoundError` naming the spec and the AOT command that
builds it. ``stats`` counts memory hits, disk hits, compiles and AOT hits.
"""
import hashlib
import json
import os
import re
import sys
import tempfile
import threading

from . import _lib, compiler
from ._errors import AttncError, KernelNotFoundError, LibraryNotFoundError
from .runtime import Bundle, Module
from .spec import AttentionSpec

stats = {"memory_hits": 0, "disk_hits": 0, "compiles": 0, "aot_hits": 0}

_memory = {}
_generation = 0  # bumped by clear_memory (attnc.torch keeps kernels by call signature)
_lock = threading.RLock()
_indexes = {}  # index.json path -> (mtime_ns, {key: entry})


class Kernel:
    """A loaded kernel: ``module`` (attnc.Module), ``name``, ``info`` (its
    KernelInfo: argument order, features), ``spec``, ``source`` ("compiled",
    "disk", "aot") and ``path`` (the bundle file, when there is one). A paged
    spec has two kernels: ``info`` / ``name`` are the split kernel's, ``merge``
    the merge kernel's KernelInfo (None for the others)."""

    __slots__ = ("module", "name", "info", "merge", "infos", "spec", "source", "path")

    def __init__(self, module, spec, source, path):
        self.module = module
        if spec.backward:
            # Three kernels, in launch order (delta, dK/dV, dQ): `infos`.
            by_kind = {k.kind: k for k in module.kernels}
            self.infos = tuple(by_kind[kind] for kind in _kinds(spec))
            self.info, self.merge = self.infos[0], None
        else:
            self.info, self.merge = _split_merge(module)
            self.infos = (self.info,) if self.merge is None else (self.info, self.merge)
        self.name = self.info.name
        self.spec = spec
        self.source = source
        self.path = path

    @property
    def device(self):
        return self.module.device

    def launch(self, tensors, stream=None):
        self.module.launch(self.name, tensors, stream)

    def __repr__(self):
        return "attnc.kernels.Kernel(%s on %s, from %s)" % (self.name, self.module.device,
                                                            self.source)


def clear_memory():
    """Forgets the kernels loaded in this process (the disk cache stays)."""
    global _generation
    with _lock:
        _memory.clear()
        _indexes.clear()
        _generation += 1


def reset_stats():
    for k in stats:
        stats[k] = 0


# --- devices and targets ---------------------------------------------------------------------


def _ordinal(device):
    return int(device.split(":", 1)[1]) if ":" in device else 0


def _torch_loaded():
    return sys.modules.get("torch")


def device_target(device):
    """(the compiler target for `device`, the bundle target names that run on it, best
    first). CUDA: $ATTNC_CUDA_TARGET, else from the compute capability when torch is
    loaded ("sm_90a" on 9.0), else "sm_90a"; HIP: $ATTNC_HIP_TARGET, else the device's
    gfx arch from torch."""
    from .runtime import cpu_target_name
    if device == "cpu":
        return "cpu", [cpu_target_name()]
    if device == "cuda" or device.startswith("cuda:"):
        t = os.environ.get("ATTNC_CUDA_TARGET")
        torch = _torch_loaded()
        if not t and torch is not None and torch.cuda.is_available():
            major, minor = torch.cuda.get_device_capability(_ordinal(device))
            t = "sm_%d%d%s" % (major, minor, "a" if major >= 9 else "")
        t = t or "sm_90a"
        return t, [t] + ([t[:-1]] if t.endswith("a") else [])
    if device == "hip" or device.startswith("hip:"):
        t = os.environ.get("ATTNC_HIP_TARGET")
        torch = _torch_loaded()
        if not t and torch is not None and torch.cuda.is_available():
            props = torch.cuda.get_device_properties(_ordinal(device))
            t = getattr(props, "gcnArchName", "").split(":")[0] or None
        if not t:
            raise AttncError("cannot tell the gfx arch of %s: set ATTNC_HIP_TARGET (e.g. gfx942)"
                             % device)
        return t, [t]
    raise ValueError("attnc: unknown device %r (expected cpu, cuda[:N] or hip[:N])" % device)


# --- the disk cache --------------------------------------------------------------------------


def cache_dir():
    """$ATTNC_CACHE_DIR, else ~/.cache/attnc/<compiler version> (needs the compiler)."""
    d = os.environ.get("ATTNC_CACHE_DIR")
    if d:
        return d
    version = re.sub(r"[^A-Za-z0-9._+-]+", "-", compiler.compiler_version()).strip("-")
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "attnc", version)


def cache_key(ir, targets):
    h = hashlib.sha256()
    for part in (ir, ",".join(targets), compiler.compiler_fingerprint()):
        h.update(part.encode())
        h.update(b"\0")
    return h.hexdigest()


def write_atomic(path, data):
    """Writes `data` to `path` through a temporary file in the same directory and
    os.replace: readers see the old file or the new one, never a partial one."""
    d = os.path.dirname(os.path.abspath(path))
    os.makedirs(d, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=d, prefix=".tmp-", suffix=os.path.basename(path))
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def _split_merge(module):
    """(the kernel, None) of a one-kernel module; (split, merge) of a paged one: the
    kernel that is not "paged_merge" and <its name>_merge."""
    if len(module.kernels) == 1:
        return module.kernel(), None
    split = [k for k in module.kernels if k.kind != "paged_merge"]
    names = ", ".join("%s (%s)" % (k.name, k.kind) for k in module.kernels)
    if len(module.kernels) != 2 or len(split) != 1 or \
            not split[0].kind.startswith(("paged", "mla")):
        raise AttncError("a bundle of one attention variant has one kernel, or a paged split "
                         "kernel and its merge kernel; this one has %s" % names)
    merge = [k for k in module.kernels if k.name == split[0].name + "_merge"]
    if not merge:
        raise AttncError("paged kernel %s has no merge kernel %s_merge (the bundle has %s)"
                         % (split[0].name, split[0].name, names))
    return split[0], merge[0]


def _kinds(spec):
    if spec.backward:  # in launch order
        prefix = "varlen" if spec.varlen else "bwd"
        return tuple("%s_%s" % (prefix, k) for k in ("delta", "dkdv", "dq"))
    if getattr(spec, "mla", False):
        return ("mla_decode", "paged_merge")
    if spec.paged:
        return ("paged_decode" if spec.paged_mode == "decode" else "paged", "paged_merge")
    return ("mha_varlen" if spec.varlen else "mha",)


def _expected_args(spec, kind):
    """The (name, dtype, rank) of each argument of a `kind` kernel for `spec`, in ABI
    order (docs/bundle-format.md, "Kinds")."""
    e, f32, i32 = spec.dtype, "f32", "i32"
    # fp8 (docs/fp8.md): q, k, v (paged: the caches) in the bundle's fp8 dtype, then
    # the scales after the block mask (paged: after alibi).
    fp8 = getattr(spec, "fp8", None)
    f8 = {"e4m3fn": "f8fn", "e4m3fnuz": "f8fnuz"}.get(fp8, e)
    # SAGE (docs/fp8.md): q and k are i8, the descales B x H x N; k_mean comes last
    # (after rng_state, which a SAGE spec never has: no dropout with fp8).
    sage = getattr(spec, "sage", None)
    qk = "i8" if sage else f8
    scales = []
    kmean = [("k_mean", f32, 3)] if sage and sage["k_mean"] else []
    if sage:
        scales = [(n, f32, 3) for n in ("q_descale", "k_descale", "v_descale")]
    elif fp8:
        names = (("kv_scale",) if getattr(spec, "mla", False) else ("k_scale", "v_scale")
                 if spec.paged else ("q_descale", "k_descale", "v_descale"))
        scales = [(n, f32, r) for n, r in zip(names, spec.fp8_scales)]
    alibi = [("alibi", f32, 1)] if spec.alibi else []
    # Sinks follow alibi; a paged op's merge kernel takes them, its split kernel not.
    sinks = [("sinks", f32, 1)] if getattr(spec, "sinks", False) else []
    alibi = alibi + sinks if kind in ("mha", "mha_varlen") else alibi
    # A block mask's tensors follow the sinks (docs/masks.md).
    bm = getattr(spec, "block_mask", None)
    if bm and kind in ("mha", "mha_varlen"):
        alibi = alibi + [("kv_num_blocks", i32, 3), ("kv_indices", i32, 4)]
        if bm["full"]:
            alibi = alibi + [("full_kv_num_blocks", i32, 3), ("full_kv_indices", i32, 4)]
    # dropout's run-time [seed, offset], the ops' last operand (docs/backward.md).
    rng = [("rng_state", "i64", 1)] if getattr(spec, "dropout_p", None) else []
    if spec.backward:
        r = 3 if spec.varlen else 4
        if kind.endswith("_delta"):
            return [("out", e, r), ("dout", e, r), ("delta", f32, r - 1)]
        cu = [("cu_seqlens_q", i32, 1), ("cu_seqlens_k", i32, 1)] if spec.varlen else []
        ins = ([("q", e, r), ("k", e, r), ("v", e, r), ("dout", e, r), ("lse", f32, r - 1),
                ("delta", f32, r - 1)] + cu + alibi + rng)
        return ins + ([("dk", e, r), ("dv", e, r)] if kind.endswith("_dkdv") else [("dq", e, r)])
    if kind == "mha":
        return ([("q", qk, 4), ("k", qk, 4), ("v", f8, 4)] + alibi + scales + rng + kmean
                + [("out", e, 4)] + ([("lse", f32, 3)] if spec.return_lse else []))
    if kind == "mha_varlen":
        return ([("q", qk, 3), ("k", qk, 3), ("v", f8, 3), ("cu_seqlens_q", i32, 1),
                 ("cu_seqlens_k", i32, 1)] + alibi + scales + rng + kmean + [("out", e, 3)]
                + ([("lse", f32, 2)] if spec.return_lse else []))
    if kind == "mla_decode":
        return ([("q", e, 3), ("kv_cache", f8, 3), ("block_tables", i32, 2), ("seq_lens", i32, 1),
                 ("query_start_loc", i32, 1)] + scales
                + [("split_out", f32, 4), ("split_lse", f32, 3)])
    if kind == "paged_merge":
        return ([("split_out", f32, 4), ("split_lse", f32, 3)] + sinks + [("out", e, 3)]
                + ([("lse", f32, 2)] if spec.return_lse else []))
    return ([("q", e, 3), ("k_cache", f8, 4), ("v_cache", f8, 4), ("block_tables", i32, 2),
             ("seq_lens", i32, 1), ("query_start_loc", i32, 1)] + alibi + scales
            + [("split_out", f32, 4), ("split_lse", f32, 3)])


def _mismatches(k, spec, kind):
    """The fields in which kernel `k` (a KernelInfo from a bundle) differs from what
    `spec` compiles to: every feature and every argument's role, dtype and rank. A
    bundle whose kernel has another dtype or window than its key says must never run:
    an f32 kernel under a bf16 key writes twice the bytes of `out`."""
    import math
    from .spec import _f32, natural_row_align
    scale = spec.scale if spec.scale is not None else _f32(1.0 / math.sqrt(spec.head_dim))
    want = {"kind": kind, "head_dim": spec.head_dim, "head_dim_v": spec.head_dim_out,
            "num_q_heads": spec.num_heads_q, "num_kv_heads": spec.num_heads_kv,
            "causal": bool(spec.causal), "window_left": spec.window[0],
            "window_right": spec.window[1], "scale": scale, "softcap": spec.softcap,
            "has_alibi": bool(spec.alibi), "has_lse": bool(spec.return_lse),
            "row_align": spec.row_align or natural_row_align(spec.head_dim, spec.head_dim_out),
            "args": _expected_args(spec, kind)}
    got = {"kind": k.kind, "head_dim": k.head_dim, "head_dim_v": k.head_dim_v,
           "num_q_heads": k.num_q_heads, "num_kv_heads": k.num_kv_heads,
           "causal": bool(k.causal), "window_left": k.window_left,
           "window_right": k.window_right, "scale": k.scale, "softcap": k.softcap,
           "has_alibi": bool(k.has_alibi), "has_lse": bool(k.has_lse),
           "row_align": k.row_align or 8,  # 0: written before row_align, 16-byte rows
           "args": [(a.name, a.dtype, a.rank) for a in k.args]}
    bad = []
    for field, w in want.items():
        g = got[field]
        if field in ("scale", "softcap"):
            # Both are f32 values; NaN in the file differs from everything.
            same = g == w or (math.isfinite(g) and abs(g - w) <= 1e-6 * abs(w))
        else:
            same = g == w
        if not same:
            bad.append("%s: want %s, got %s" % (field, w, g))
    return bad


def _load_checked(bundle, spec, device):
    """Loads `bundle` on `device` after checking that its kernels are what `spec`
    compiles to, field by field; anything else raises AttncError before a launch."""
    infos = list(bundle.kernels)
    kinds = _kinds(spec)
    if spec.backward:
        by_kind = {k.kind: k for k in infos}
        if len(infos) != len(kinds) or set(by_kind) != set(kinds):
            raise AttncError("the bundle has %d kernels (%s), %r needs %s"
                             % (len(infos), ", ".join("%s (%s)" % (k.name, k.kind) for k in infos),
                                spec, ", ".join(kinds)))
        for kind in kinds:
            bad = _mismatches(by_kind[kind], spec, kind)
            if bad:
                raise AttncError("the bundle's kernel %s does not match %r: %s"
                                 % (by_kind[kind].name, spec, "; ".join(bad)))
        return Module(bundle, device)
    split = [k for k in infos if k.kind != "paged_merge"]
    if len(infos) != len(kinds) or len(split) != 1:
        raise AttncError("the bundle has %d kernels (%s), %r needs %d (%s)"
                         % (len(infos), ", ".join("%s (%s)" % (k.name, k.kind) for k in infos),
                            spec, len(kinds), ", ".join(kinds)))
    ordered = split + [k for k in infos if k.kind == "paged_merge"]
    for k, kind in zip(ordered, kinds):
        bad = _mismatches(k, spec, kind)
        if bad:
            raise AttncError("the bundle's kernel %s does not match %r: %s"
                             % (k.name, spec, "; ".join(bad)))
    module = Module(bundle, device)
    try:
        _split_merge(module)
    except AttncError as e:
        module.close()
        raise AttncError("the bundle does not match %r: %s" % (spec, e))
    return module


def read_regular(path):
    """The bytes of `path` if it is a regular file (a symlink to one included); None
    when it does not exist. Anything else (a FIFO, /dev/zero, a directory) raises
    AttncError without blocking or reading it: the file type is checked with fstat
    on a non-blocking descriptor before the first read."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        return None
    except OSError as e:
        raise AttncError("cannot open %s: %s" % (path, e.strerror or e))
    try:
        import stat
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise AttncError("%s is not a regular file" % path)
        chunks = []
        while True:
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                return b"".join(chunks)
            chunks.append(chunk)
    finally:
        os.close(fd)


def _discard(path):
    """Removes a cache entry that cannot be used, so that the compiled bundle can take
    its place. A directory is left alone (it is not ours to delete); writing the
    bundle then fails and the kernel is used without the cache."""
    try:
        if not os.path.isdir(path) or os.path.islink(path):
            os.unlink(path)
    except OSError:
        pass


def _from_disk(path, spec, device):
    try:
        data = read_regular(path)
    except AttncError:
        _discard(path)  # not a regular file: compile again (and replace it)
        return None
    if data is None:
        return None
    try:
        return _load_checked(Bundle(data), spec, device)
    except AttncError:
        # A corrupt or foreign file: compile again (and replace it).
        _discard(path)
        return None


def _compile_to_cache(spec, device):
    target, _ = device_target(device)
    ir = spec.ir()
    path = os.path.join(cache_dir(), cache_key(ir, [target]) + ".attnb")
    module = _from_disk(path, spec, device)
    if module is not None:
        stats["disk_hits"] += 1
        return Kernel(module, spec, "disk", path)
    data = compiler.compile(ir, [target])
    stats["compiles"] += 1
    try:
        write_atomic(path, data)
    except OSError:
        path = None  # a read-only cache: keep going without it
    return Kernel(_load_checked(Bundle(data), spec, device), spec, "compiled", path)


# --- ahead-of-time bundle directories --------------------------------------------------------


def bundle_dirs():
    return [d for d in os.environ.get("ATTNC_BUNDLE_DIR", "").split(os.pathsep) if d]


def _index(d):
    path = os.path.join(d, "index.json")
    try:
        mtime = os.stat(path).st_mtime_ns
    except OSError:
        return {}
    cached = _indexes.get(path)
    if cached and cached[0] == mtime:
        return cached[1]
    try:
        with open(path) as f:
            data = json.load(f)
        entries = {e["key"]: e for e in data.get("entries", [])}
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as e:
        raise AttncError("cannot read the bundle index %s: %s" % (path, e))
    _indexes[path] = (mtime, entries)
    return entries


def _from_aot(spec, device):
    key = spec.key()
    _, names = device_target(device)
    seen = []
    for d in bundle_dirs():
        e = _index(d).get(key)
        if e is None:
            continue
        targets = e.get("bundle_targets") or e.get("targets") or []
        seen.append("%s (targets %s)" % (d, ", ".join(targets)))
        if not any(t in targets for t in names):
            continue
        path = os.path.join(d, e["file"])
        data = read_regular(path)
        if data is None:
            raise AttncError("the bundle index of %s names %s, which does not exist" % (d, path))
        stats["aot_hits"] += 1
        return Kernel(_load_checked(Bundle(data), spec, device), spec, "aot", path)
    return seen


def _nearest(spec, limit=3):
    """The bundled variants (of every ATTNC_BUNDLE_DIR index) closest to `spec`: a list
    of "key (dir): field got/want, ..." strings, fewest differing fields first."""
    want = spec.to_dict()
    scored = []
    for d in bundle_dirs():
        try:
            entries = _index(d)
        except AttncError:
            continue
        for key, e in entries.items():
            try:
                got = AttentionSpec.from_dict(e.get("spec") or {}).to_dict()
            except (ValueError, TypeError):
                continue
            fields = sorted(set(want) | set(got))
            diff = [f for f in fields if got.get(f) != want.get(f)]
            # Kinds, dtypes and head shapes differ "more" than options.
            weight = sum(3 if f in ("paged", "varlen", "dtype", "head_dim", "head_dim_v",
                                    "num_heads_q", "num_heads_kv") else 1 for f in diff)
            text = ", ".join("%s=%s (want %s)" % (f, json.dumps(got.get(f)),
                                                  json.dumps(want.get(f))) for f in diff)
            scored.append((weight, key, "%s in %s: %s" % (key, d, text or "same spec")))
    scored.sort()
    return [t for _, _, t in scored[:limit]]


def _missing(spec, device, why, seen):
    target, _ = device_target(device)
    flags = spec.aot_flags()
    spec_json = json.dumps([spec.to_dict()])
    if flags:
        cmd = "python3 -m attnc.aot --out DIR --targets %s %s" % (target, flags)
    else:
        cmd = ("echo '%s' > spec.json && python3 -m attnc.aot --out DIR --targets %s "
               "--specs spec.json" % (spec_json, target))
    dirs = bundle_dirs()
    where = ("no bundle directory in ATTNC_BUNDLE_DIR (%s) has it" % os.pathsep.join(dirs)
             if dirs else "ATTNC_BUNDLE_DIR names no bundle directory")
    if seen:
        where += "; it is there without code for %s: %s" % (target, "; ".join(seen))
    near = _nearest(spec)
    nearest = ("\nNearest bundled variants:\n  " + "\n  ".join(near)) if near else ""
    return KernelNotFoundError(
        "no kernel for %r on %s (target %s, key %s): the compiler is not available (%s) and %s. "
        "Build it on a machine with the compiler:\n  %s\nand add DIR to ATTNC_BUNDLE_DIR.%s"
        % (spec, device, target, spec.key(), why, where, cmd, nearest))


def get(spec, device="cpu"):
    """The kernel of `spec` (an AttentionSpec or its dict) loaded for `device` ("cpu",
    "cuda:N", "hip:N")."""
    if isinstance(spec, dict):
        spec = AttentionSpec.from_dict(spec)
    mkey = (spec.key(), device)
    k = _memory.get(mkey)
    if k is not None:
        stats["memory_hits"] += 1
        return k
    with _lock:
        k = _memory.get(mkey)
        if k is not None:
            stats["memory_hits"] += 1
            return k
        why = _lib.compiler_unavailable_reason()
        if why is None:
            k = _compile_to_cache(spec, device)
        else:
            found = _from_aot(spec, device)
            if isinstance(found, list):
                raise _missing(spec, device, why, found)
            k = found
        _memory[mkey] = k
        return k


__all__ = ["get", "stats", "clear_memory", "reset_stats", "cache_dir", "device_target",
           "Kernel", "bundle_dirs", "LibraryNotFoundError"]
