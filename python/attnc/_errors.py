"""attnc's exceptions. Every one is an :class:`AttncError`; those raised for a
failed C call carry the C library's message and, for the runtime, the status
code name (``ATTN_ERROR_NO_CODE_OBJECT``, ...)."""
import builtins


class AttncError(Exception):
    """Base class of attnc's errors. ``status``: the AttnStatus name of a failed
    runtime call (or None); ``code``: its integer value (or None)."""

    def __init__(self, message, status=None, code=None):
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code


class LibraryNotFoundError(AttncError, OSError):
    """libattnrt.so or libattnc.so cannot be found or loaded (the message names
    every place searched), or the compiler is disabled."""

    def __init__(self, message, status=None, code=None):
        AttncError.__init__(self, message, status, code)

    def __str__(self):
        return self.message


class CompileError(AttncError):
    """The compiler rejected the IR or failed to generate code. ``diagnostics``:
    the located MLIR diagnostics (``input:3:5: error: ...``), one per line."""

    @property
    def diagnostics(self):
        return [line for line in self.message.splitlines()
                if ": error: " in line or ": note: " in line or ": warning: " in line]


class RuntimeError_(AttncError, builtins.RuntimeError):
    """The runtime (libattnrt) failed: bad bundle, no code object for the device,
    no driver, a rejected launch, ... (exported as ``attnc.RuntimeError``)."""


RuntimeError_.__name__ = "RuntimeError"
RuntimeError_.__qualname__ = "RuntimeError"


class KernelNotFoundError(AttncError, LookupError):
    """No kernel for an attention variant: the compiler is not available and no
    ahead-of-time bundle directory has it. The message names the variant and
    the ``python3 -m attnc.aot`` command that builds it."""
