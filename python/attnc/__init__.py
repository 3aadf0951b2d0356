"""attnc: ahead-of-time compiled attention kernels, from Python.

    import attnc
    attnc.compiler_available()                    # libattnc.so found?
    data = attnc.compile(ir, targets=("cpu",))     # attn IR -> bundle bytes
    m = attnc.load(attnc.Bundle(data), "cpu")      # -> attnc.Module
    m.launch(m.kernels[0].name, [attnc.Tensor(ptr, sizes, strides), ...])

    spec = attnc.AttentionSpec(dtype="bf16", head_dim=128, num_heads_q=32, num_heads_kv=8,
                               causal=True)
    k = attnc.kernels.get(spec, "cpu")             # memory / disk cache / compile / AOT dirs

    import attnc.torch                             # attention(), attention_varlen(), paged_attention(),
                                                   # mla_decode() (CPU, sm_90a)
    import attnc.flash_attn                        # FlashAttention / aiter drop-ins
    import attnc.integrations.transformers         # register(): attn_implementation="attnc"

`import attnc` needs neither torch nor numpy, and loads no library until used.
See docs/python.md.
"""
from ._errors import (AttncError, CompileError, KernelNotFoundError, LibraryNotFoundError,
                      RuntimeError_ as RuntimeError)
from .compiler import compile, compiler_available, compiler_version, emit
from .runtime import (Bundle, KernelInfo, Module, Tensor, cpu_target_name, load, load_runtime,
                      runtime_available)
from .spec import AttentionSpec
from . import masks  # noqa: E402  (block masks: attnc.masks, docs/masks.md)
from .masks import BlockMask, MaskMod, create_block_mask  # noqa: E402
from . import kernels  # noqa: E402  (attnc.kernels.get)

__version__ = "0.1.0"

__all__ = ["AttncError", "CompileError", "KernelNotFoundError", "LibraryNotFoundError",
           "RuntimeError", "compile", "compiler_available", "compiler_version", "emit", "Bundle",
           "KernelInfo", "Module", "Tensor", "cpu_target_name", "load", "load_runtime",
           "runtime_available", "AttentionSpec", "kernels", "masks", "BlockMask", "MaskMod",
           "create_block_mask", "__version__"]
