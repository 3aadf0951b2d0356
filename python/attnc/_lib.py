"""Finding and binding attnc's C libraries with ctypes.

Two libraries:

- ``libattnrt.so`` (the runtime: bundles, module loading, launches; no MLIR):
  needed to run anything.
- ``libattnc.so`` (the compiler: MLIR + LLVM): optional. Without it attnc
  runs precompiled bundles only (``ATTNC_BUNDLE_DIR``, see attnc.kernels).

Each is searched, in order, in

1. ``$ATTNC_LIB_DIR`` (a list of directories, separated by ``os.pathsep``),
2. the package's own ``attnc/_lib/`` directory (a wheel can ship them there),
3. build trees: ``$ATTNC_BUILD_DIR``, then ``<repo>/build`` when the package
   runs from a source checkout (``lib/`` and ``runtime/`` below each),
4. the dynamic loader's default search path (``LD_LIBRARY_PATH``, ld.so.cache).

``ATTNC_NO_COMPILER=1`` hides libattnc.so (what a machine without the compiler
sees). Nothing is loaded at import time: the first use loads, and failures
raise :class:`attnc.LibraryNotFoundError` naming every place tried.
"""
import ctypes
import os
import threading

from ._errors import AttncError, CompileError, LibraryNotFoundError, RuntimeError_

_HERE = os.path.dirname(os.path.abspath(__file__))
_REPO = os.path.dirname(os.path.dirname(_HERE))  # python/attnc -> python -> repo

RUNTIME = "libattnrt.so"
COMPILER = "libattnc.so"

ERR_LEN = 1 << 16  # error buffers: diagnostics can be long


def _env_flag(name):
    return os.environ.get(name, "") not in ("", "0")


def _candidate_dirs():
    """(directory, why) in search order, the build-tree ones expanded."""
    dirs = []
    for d in os.environ.get("ATTNC_LIB_DIR", "").split(os.pathsep):
        if d:
            dirs.append((d, "$ATTNC_LIB_DIR"))
    dirs.append((os.path.join(_HERE, "_lib"), "the package"))
    trees = []
    if os.environ.get("ATTNC_BUILD_DIR"):
        trees.append((os.environ["ATTNC_BUILD_DIR"], "$ATTNC_BUILD_DIR"))
    if os.path.isfile(os.path.join(_REPO, "CMakeLists.txt")):
        trees.append((os.path.join(_REPO, "build"), "the source tree's build/"))
    for tree, why in trees:
        for sub in ("", "lib", "runtime"):
            dirs.append((os.path.join(tree, sub) if sub else tree, why))
    return dirs


def find_library(name):
    """Path of `name` (e.g. "libattnrt.so"), or (None, [places tried])."""
    tried = []
    for d, why in _candidate_dirs():
        p = os.path.join(d, name)
        tried.append("%s (%s)" % (p, why))
        if os.path.isfile(p):
            return p, tried
    return None, tried


class _Loaded:
    def __init__(self):
        self.lock = threading.Lock()
        self.runtime = None
        self.runtime_path = None
        self.runtime_error = None
        self.compiler = None
        self.compiler_path = None
        self.compiler_error = None
        self.compiler_env = None  # the ATTNC_NO_COMPILER value it was decided under


_state = _Loaded()


def _open(name):
    """Loads `name` from the search path or the default loader path."""
    path, tried = find_library(name)
    errors = []
    if path is not None:
        try:
            return ctypes.CDLL(path), path
        except OSError as e:
            errors.append("%s: %s" % (path, e))
    try:
        lib = ctypes.CDLL(name)
        return lib, name + " (default loader path)"
    except OSError as e:
        errors.append("%s (default loader path): %s" % (name, e))
    raise LibraryNotFoundError(
        "cannot load %s; looked in: %s%s. Set ATTNC_LIB_DIR to the directory that has it "
        "(a build tree: <build>/lib and <build>/runtime)."
        % (name, "; ".join(tried) if tried else "nowhere",
           "; errors: " + "; ".join(errors) if errors else ""))


# --- structures (runtime/include/attnrt/Bundle.h, attnrt.h, attnc/Target.h) -----------------

MAX_ARGS = 16


class BundleArg(ctypes.Structure):
    _fields_ = [("name", ctypes.c_char * 32), ("dtype", ctypes.c_char * 8),
                ("rank", ctypes.c_int32), ("output", ctypes.c_int32)]


class BundleKernel(ctypes.Structure):
    _fields_ = [("name", ctypes.c_char * 128), ("kind", ctypes.c_char * 16),
                ("num_args", ctypes.c_int32), ("args", BundleArg * MAX_ARGS),
                ("head_dim", ctypes.c_int32), ("head_dim_v", ctypes.c_int32),
                ("num_q_heads", ctypes.c_int32), ("num_kv_heads", ctypes.c_int32),
                ("causal", ctypes.c_int32),
                ("window_left", ctypes.c_int64), ("window_right", ctypes.c_int64),
                ("scale", ctypes.c_float), ("softcap", ctypes.c_float),
                ("has_alibi", ctypes.c_int32), ("has_lse", ctypes.c_int32),
                ("row_align", ctypes.c_int32)]


class BundleTensorMap(ctypes.Structure):
    _fields_ = [("arg", ctypes.c_int32), ("box", ctypes.c_int32 * 4),
                ("swizzle", ctypes.c_int32)]


MAX_TENSOR_MAPS = 4


class BundleEntry(ctypes.Structure):
    _fields_ = [("symbol", ctypes.c_char * 128), ("grid_map", ctypes.c_char * 256),
                ("num_grid_dims", ctypes.c_int32), ("grid_dims", (ctypes.c_char * 48) * 4),
                ("block_m", ctypes.c_int32), ("block_n", ctypes.c_int32),
                ("num_warps", ctypes.c_int32), ("num_stages", ctypes.c_int32),
                ("kv_splits", ctypes.c_int32), ("workgroup_size", ctypes.c_int32),
                ("lds_bytes", ctypes.c_int32),
                ("num_tensor_maps", ctypes.c_int32),
                ("tensor_maps", BundleTensorMap * MAX_TENSOR_MAPS)]


class BundleTarget(ctypes.Structure):
    _fields_ = [("name", ctypes.c_char * 32), ("format", ctypes.c_char * 16),
                ("data", ctypes.POINTER(ctypes.c_uint8)), ("size", ctypes.c_uint64),
                ("entries", ctypes.POINTER(BundleEntry))]


class Bundle(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("producer", ctypes.c_char * 64),
                ("num_kernels", ctypes.c_int32), ("kernels", ctypes.POINTER(BundleKernel)),
                ("num_targets", ctypes.c_int32), ("targets", ctypes.POINTER(BundleTarget))]


class RtTensor(ctypes.Structure):
    _fields_ = [("data", ctypes.c_void_p), ("rank", ctypes.c_int32),
                ("sizes", ctypes.c_int64 * 4), ("strides", ctypes.c_int64 * 4)]


class Blob(ctypes.Structure):
    _fields_ = [("data", ctypes.POINTER(ctypes.c_uint8)), ("size", ctypes.c_size_t)]


BUNDLE_VERSION = 1

# AttnStatus, in Bundle.h's order (attnStatusString gives the names at run time too).
STATUS_NAMES = ["ATTN_OK", "ATTN_ERROR_INVALID_ARGUMENT", "ATTN_ERROR_IO",
                "ATTN_ERROR_OUT_OF_MEMORY", "ATTN_ERROR_BAD_BUNDLE", "ATTN_ERROR_VERSION",
                "ATTN_ERROR_NO_CODE_OBJECT", "ATTN_ERROR_NO_DRIVER", "ATTN_ERROR_NO_DEVICE",
                "ATTN_ERROR_NOT_FOUND", "ATTN_ERROR_LOAD", "ATTN_ERROR_LAUNCH"]


def _prototypes_runtime(lib):
    c = ctypes
    p = c.POINTER
    lib.attnStatusString.argtypes = [c.c_int]
    lib.attnStatusString.restype = c.c_char_p
    lib.attnBundleParse.argtypes = [c.c_void_p, c.c_size_t, p(Bundle), c.c_char_p, c.c_size_t]
    lib.attnBundleParse.restype = c.c_int
    lib.attnBundleReadFile.argtypes = [c.c_char_p, p(Bundle), c.c_char_p, c.c_size_t]
    lib.attnBundleReadFile.restype = c.c_int
    lib.attnBundleDestroy.argtypes = [p(Bundle)]
    lib.attnBundleDestroy.restype = None
    lib.attnBundleFindKernel.argtypes = [p(Bundle), c.c_char_p]
    lib.attnBundleFindKernel.restype = c.c_int32
    lib.attnBundleEvalGrid.argtypes = [p(BundleKernel), p(BundleEntry), p(p(c.c_int64)),
                                       p(c.c_int64), c.c_char_p, c.c_size_t]
    lib.attnBundleEvalGrid.restype = c.c_int
    lib.attnrtModuleLoad.argtypes = [p(Bundle), c.c_char_p, p(c.c_void_p), c.c_char_p,
                                     c.c_size_t]
    lib.attnrtModuleLoad.restype = c.c_int
    lib.attnrtModuleDestroy.argtypes = [c.c_void_p]
    lib.attnrtModuleDestroy.restype = None
    lib.attnrtModuleDevice.argtypes = [c.c_void_p]
    lib.attnrtModuleDevice.restype = c.c_char_p
    lib.attnrtModuleTarget.argtypes = [c.c_void_p]
    lib.attnrtModuleTarget.restype = c.c_char_p
    lib.attnrtCpuTargetName.argtypes = [c.c_char_p, c.c_size_t]
    lib.attnrtCpuTargetName.restype = c.c_int
    lib.attnrtLaunch.argtypes = [c.c_void_p, c.c_char_p, p(RtTensor), c.c_int, c.c_void_p,
                                 c.c_char_p, c.c_size_t]
    lib.attnrtLaunch.restype = c.c_int
    # Launch plans (newer runtimes; attnc.torch falls back to attnrtLaunch without them).
    if hasattr(lib, "attnrtPlanLaunch"):
        lib.attnrtPlanCreate.argtypes = [c.c_void_p, p(c.c_void_p), c.c_char_p, c.c_size_t]
        lib.attnrtPlanCreate.restype = c.c_int
        lib.attnrtPlanAdd.argtypes = [c.c_void_p, c.c_char_p, p(RtTensor), c.c_int, c.c_char_p,
                                      c.c_size_t]
        lib.attnrtPlanAdd.restype = c.c_int
        lib.attnrtPlanLaunch.argtypes = [c.c_void_p, c.c_void_p, c.c_int, c.c_void_p, c.c_char_p,
                                         c.c_size_t]
        lib.attnrtPlanLaunch.restype = c.c_int
        lib.attnrtPlanDestroy.argtypes = [c.c_void_p]
        lib.attnrtPlanDestroy.restype = None


def has_plans():
    """Whether the loaded libattnrt has launch plans (attnrtPlan*)."""
    return hasattr(runtime(), "attnrtPlanLaunch")


_plan_launch_packed = {}


def plan_launch_packed(lib):
    """attnrtPlanLaunch of `lib` with its data pointers passed as bytes (native uint64s,
    struct.pack("%dQ")): packing them is cheaper than building a ctypes array per call,
    and bytes are immutable, so concurrent launches need no per-thread buffer. A second
    function object: the shared one keeps its c_void_p prototype."""
    fn = _plan_launch_packed.get(id(lib))
    if fn is None or fn[0] is not lib:
        c = ctypes
        proto = c.CFUNCTYPE(c.c_int, c.c_void_p, c.c_char_p, c.c_int, c.c_void_p, c.c_char_p,
                            c.c_size_t)
        fn = _plan_launch_packed[id(lib)] = (lib, proto(("attnrtPlanLaunch", lib)))
    return fn[1]


def _prototypes_compiler(lib):
    c = ctypes
    p = c.POINTER
    lib.attnCompilerVersion.argtypes = []
    lib.attnCompilerVersion.restype = c.c_char_p
    lib.attnCompileBundle.argtypes = [c.c_char_p, c.c_size_t, c.c_char_p, c.c_char_p, p(Blob),
                                      c.c_char_p, c.c_size_t]
    lib.attnCompileBundle.restype = c.c_bool
    lib.attnCompileEmit.argtypes = [c.c_char_p, c.c_size_t, c.c_char_p, c.c_int, c.c_char_p,
                                    p(Blob), c.c_char_p, c.c_size_t]
    lib.attnCompileEmit.restype = c.c_bool
    lib.attnBlobFree.argtypes = [p(Blob)]
    lib.attnBlobFree.restype = None
    lib.attnTargetValidNames.argtypes = []
    lib.attnTargetValidNames.restype = c.c_char_p


def runtime():
    """The loaded libattnrt (ctypes.CDLL); raises LibraryNotFoundError."""
    s = _state
    if s.runtime is not None:
        return s.runtime
    with s.lock:
        if s.runtime is None:
            if s.runtime_error is not None:
                raise LibraryNotFoundError(s.runtime_error)
            try:
                lib, path = _open(RUNTIME)
                _prototypes_runtime(lib)
            except LibraryNotFoundError as e:
                s.runtime_error = str(e)
                raise
            except AttributeError as e:
                s.runtime_error = "%s lacks a symbol attnc needs: %s" % (RUNTIME, e)
                raise LibraryNotFoundError(s.runtime_error)
            s.runtime, s.runtime_path = lib, path
    return s.runtime


def compiler():
    """The loaded libattnc, or raises LibraryNotFoundError (also when
    ATTNC_NO_COMPILER is set)."""
    s = _state
    env = os.environ.get("ATTNC_NO_COMPILER", "")
    if _env_flag("ATTNC_NO_COMPILER"):
        raise LibraryNotFoundError("the compiler is disabled (ATTNC_NO_COMPILER=%s)" % env)
    if s.compiler is not None:
        return s.compiler
    with s.lock:
        if s.compiler is None:
            if s.compiler_error is not None:
                raise LibraryNotFoundError(s.compiler_error)
            try:
                lib, path = _open(COMPILER)
                _prototypes_compiler(lib)
            except LibraryNotFoundError as e:
                s.compiler_error = str(e)
                raise
            except AttributeError as e:
                s.compiler_error = "%s lacks a symbol attnc needs: %s" % (COMPILER, e)
                raise LibraryNotFoundError(s.compiler_error)
            s.compiler, s.compiler_path = lib, path
    return s.compiler


def runtime_path():
    try:
        runtime()
    except LibraryNotFoundError:
        return None
    return _state.runtime_path


def compiler_path():
    try:
        compiler()
    except LibraryNotFoundError:
        return None
    return _state.compiler_path


def compiler_available():
    try:
        compiler()
        return True
    except LibraryNotFoundError:
        return False


def compiler_unavailable_reason():
    try:
        compiler()
        return None
    except LibraryNotFoundError as e:
        return str(e)


# --- status and errors -------------------------------------------------------------------------


def status_name(code):
    try:
        text = runtime().attnStatusString(int(code))
        if text:
            return text.decode().split(":", 1)[0]
    except LibraryNotFoundError:
        pass
    if 0 <= code < len(STATUS_NAMES):
        return STATUS_NAMES[code]
    return "ATTN_ERROR_%d" % code


def err_buffer():
    return ctypes.create_string_buffer(ERR_LEN)


def check(code, err, what, exc=RuntimeError_):
    """Raises `exc` for a failed AttnStatus, with the C message and status name."""
    if code == 0:
        return
    name = status_name(code)
    msg = err.value.decode(errors="replace") if err is not None else ""
    raise exc("%s: %s (%s)" % (what, msg or "failed", name), status=name, code=code)


def decode(b):
    return b.decode(errors="replace") if isinstance(b, bytes) else b


__all__ = ["AttncError", "CompileError", "LibraryNotFoundError", "RuntimeError_", "runtime",
           "compiler", "compiler_available", "find_library"]
