"""The compiler (libattnc, optional): attn IR text -> kernel bundle bytes."""
import ctypes
import os

from . import _lib
from ._errors import CompileError

_FORMS = {"mlir": 3, "llvm": 4, "asm": 5}  # AttnCompileEmit (attnc/Compile.h)


def compiler_available():
    """Whether libattnc.so can be loaded (and ATTNC_NO_COMPILER is not set)."""
    return _lib.compiler_available()


def compiler_version():
    """"attnc 0.1.0 (LLVM 22.1.0)"; raises attnc.LibraryNotFoundError without the
    compiler."""
    return _lib.compiler().attnCompilerVersion().decode()


def compiler_fingerprint():
    """The compiler version plus the identity of the library file (size, mtime): a
    rebuilt compiler of the same version does not reuse cached kernels."""
    lib = _lib.compiler()
    path = _lib._state.compiler_path or ""
    try:  # a library found by the default loader has no path here
        st = os.stat(path)
        ident = "%d:%d" % (st.st_size, st.st_mtime_ns)
    except OSError:
        ident = "?"
    return "%s [%s]" % (lib.attnCompilerVersion().decode(), ident)


def _targets(targets):
    if isinstance(targets, str):
        return targets
    targets = list(targets)
    if not targets:
        raise ValueError("attnc.compile: no target")
    return ",".join(targets)


def _text(ir):
    if isinstance(ir, str):
        return ir.encode()
    if isinstance(ir, (bytes, bytearray)):
        return bytes(ir)
    raise TypeError("attnc.compile: ir must be str or bytes, got %s" % type(ir).__name__)


def _take(lib, blob):
    try:
        return ctypes.string_at(blob.data, blob.size)
    finally:
        lib.attnBlobFree(ctypes.byref(blob))


def compile(ir, targets=("cpu",), pipeline=None):
    """Compiles attn IR (text) into the bytes of a kernel bundle with a code object
    per target ("cpu", "sm_90a", "gfx942", "gfx950"; a list or "sm_90a,cpu").
    `pipeline` replaces the target's lowering (one target; "none": the IR is
    already lowered). Raises attnc.CompileError with the located diagnostics
    ("input:3:5: error: ...")."""
    lib = _lib.compiler()
    text = _text(ir)
    blob = _lib.Blob()
    err = _lib.err_buffer()
    ok = lib.attnCompileBundle(text, len(text), _targets(targets).encode(),
                               pipeline.encode() if pipeline else None, ctypes.byref(blob), err,
                               len(err))
    if not ok:
        raise CompileError(err.value.decode(errors="replace") or "compilation failed")
    return _take(lib, blob)


def emit(ir, target="cpu", form="asm", pipeline=None):
    """One intermediate form of one target as text: "mlir" (after the target's
    pipeline), "llvm" (LLVM IR after -O3) or "asm" (assembly; PTX for sm_90a)."""
    if form not in _FORMS:
        raise ValueError("attnc.emit: form must be mlir, llvm or asm, got %r" % (form,))
    lib = _lib.compiler()
    text = _text(ir)
    blob = _lib.Blob()
    err = _lib.err_buffer()
    ok = lib.attnCompileEmit(text, len(text), target.encode(), _FORMS[form],
                             pipeline.encode() if pipeline else None, ctypes.byref(blob), err,
                             len(err))
    if not ok:
        raise CompileError(err.value.decode(errors="replace") or "compilation failed")
    return _take(lib, blob).decode(errors="replace")
