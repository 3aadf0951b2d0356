"""attnc's kernels as torch.library custom ops: ``torch.ops.attnc.attention``,
``torch.ops.attnc.attention_varlen``, ``torch.ops.attnc.paged_attention`` and
``torch.ops.attnc.mla_decode``, with fake
(meta) implementations for shape inference, so that ``torch.compile(fullgraph=True)``
traces them and CUDA graphs capture them.

They are registered where torch has ``torch.library.custom_op`` (torch >= 2.4), when
this module is imported (attnc.torch imports it once torch is loaded). ``AVAILABLE``
says whether they are; ``REASON`` why not. Elsewhere (e.g. Debian's torch 1.13) the
plain functions of attnc.torch work as before, eagerly.

Under torch.compile, attnc.torch.attention / attention_varlen / paged_attention /
mla_decode (and so
attnc.flash_attn) call these ops, so user code needs no change:

    @torch.compile(fullgraph=True)
    def f(q, k, v):
        return attnc.torch.attention(q, k, v, causal=True, layout="bshd")

The ops return (out, lse) always; lse is an empty float32 tensor when return_lse is
false. They have no out= (ops do not write their inputs); attnc.torch's out= under
torch.compile is a copy into out. The ops have no autograd registration yet (the eager
attnc.torch functions are differentiable on the CPU).
"""
import sys

AVAILABLE = False
REASON = "not registered yet (import torch first)"


def _define(torch):
    """The ops' eager implementations and fake (meta) implementations, as plain functions
    (name -> (impl, fake)); _register wraps them with torch.library.custom_op. Separate so
    that their plumbing is tested on any torch (test_ops.py)."""
    from typing import Optional, Tuple

    from . import torch as at

    Tensor = torch.Tensor

    def _empty_lse(q):
        return q.new_empty((0,), dtype=torch.float32)

    def attention(q: Tensor, k: Tensor, v: Tensor, alibi_slopes: Optional[Tensor],
                  causal: bool, scale: Optional[float], window_left: int, window_right: int,
                  softcap: float, return_lse: bool, layout: str,
                  sinks: Optional[Tensor] = None) -> Tuple[Tensor, Tensor]:
        res = at.attention(q, k, v, causal=causal, scale=scale,
                           window=(window_left, window_right), softcap=softcap,
                           alibi_slopes=alibi_slopes, return_lse=return_lse, layout=layout,
                           sinks=sinks)
        return res if return_lse else (res, _empty_lse(q))

    def attention_fake(q, k, v, alibi_slopes, causal, scale, window_left, window_right, softcap,
                       return_lse, layout, sinks=None):
        if layout == "bshd":
            b, sq, hq, _ = q.shape
            shape = (b, sq, hq, v.shape[-1])
        else:
            b, hq, sq, _ = q.shape
            shape = (b, hq, sq, v.shape[-1])
        lse = q.new_empty((b, hq, sq), dtype=torch.float32) if return_lse else _empty_lse(q)
        return q.new_empty(shape), lse

    def attention_varlen(q: Tensor, k: Tensor, v: Tensor, cu_seqlens_q: Tensor,
                         cu_seqlens_k: Tensor, alibi_slopes: Optional[Tensor], causal: bool,
                         scale: Optional[float], window_left: int, window_right: int,
                         softcap: float, return_lse: bool,
                         sinks: Optional[Tensor] = None) -> Tuple[Tensor, Tensor]:
        res = at.attention_varlen(q, k, v, cu_seqlens_q, cu_seqlens_k, causal=causal,
                                  scale=scale, window=(window_left, window_right),
                                  softcap=softcap, alibi_slopes=alibi_slopes,
                                  return_lse=return_lse, sinks=sinks)
        return res if return_lse else (res, _empty_lse(q))

    def attention_varlen_fake(q, k, v, cu_seqlens_q, cu_seqlens_k, alibi_slopes, causal, scale,
                              window_left, window_right, softcap, return_lse, sinks=None):
        tq, hq, _ = q.shape
        lse = q.new_empty((hq, tq), dtype=torch.float32) if return_lse else _empty_lse(q)
        return q.new_empty((tq, hq, v.shape[-1])), lse

    def paged_attention(q: Tensor, k_cache: Tensor, v_cache: Tensor, block_tables: Tensor,
                        seq_lens: Tensor, query_start_loc: Tensor, alibi_slopes: Optional[Tensor],
                        causal: bool, scale: Optional[float], window_left: int,
                        window_right: int, softcap: float, return_lse: bool,
                        num_splits: Optional[int],
                        max_query_len: Optional[int],
                        sinks: Optional[Tensor] = None) -> Tuple[Tensor, Tensor]:
        with at._FreshWorkspace():  # see there: CUDA graph trees' private pool
            res = at.paged_attention(q, k_cache, v_cache, block_tables, seq_lens,
                                     query_start_loc, causal=causal, scale=scale,
                                     window=(window_left, window_right), softcap=softcap,
                                     alibi_slopes=alibi_slopes, return_lse=return_lse,
                                     num_splits=num_splits, max_query_len=max_query_len,
                                     sinks=sinks)
        return res if return_lse else (res, _empty_lse(q))

    def paged_attention_fake(q, k_cache, v_cache, block_tables, seq_lens, query_start_loc,
                             alibi_slopes, causal, scale, window_left, window_right, softcap,
                             return_lse, num_splits, max_query_len, sinks=None):
        tq, hq, _ = q.shape
        lse = q.new_empty((hq, tq), dtype=torch.float32) if return_lse else _empty_lse(q)
        return q.new_empty((tq, hq, v_cache.shape[-1])), lse

    def mla_decode(q: Tensor, kv_cache: Tensor, block_tables: Tensor, seq_lens: Tensor,
                   query_start_loc: Tensor, kv_lora_rank: int, scale: Optional[float],
                   causal: bool, softcap: float, return_lse: bool,
                   num_splits: Optional[int]) -> Tuple[Tensor, Tensor]:
        with at._FreshWorkspace():
            res = at.mla_decode(q, kv_cache, block_tables, seq_lens, query_start_loc,
                                kv_lora_rank=kv_lora_rank, scale=scale, causal=causal,
                                softcap=softcap, return_lse=return_lse, num_splits=num_splits)
        return res if return_lse else (res, _empty_lse(q))

    def mla_decode_fake(q, kv_cache, block_tables, seq_lens, query_start_loc, kv_lora_rank,
                        scale, causal, softcap, return_lse, num_splits):
        tq, hq, _ = q.shape
        lse = q.new_empty((hq, tq), dtype=torch.float32) if return_lse else _empty_lse(q)
        return q.new_empty((tq, hq, kv_lora_rank)), lse

    return {"attention": (attention, attention_fake),
            "attention_varlen": (attention_varlen, attention_varlen_fake),
            "paged_attention": (paged_attention, paged_attention_fake),
            "mla_decode": (mla_decode, mla_decode_fake)}


def _register():
    global AVAILABLE, REASON
    import torch
    if AVAILABLE:
        return True
    if not hasattr(torch, "library") or not hasattr(torch.library, "custom_op"):
        REASON = ("torch %s has no torch.library.custom_op (needs torch >= 2.4); attnc.torch "
                  "runs eagerly" % torch.__version__)
        return False
    for name, (impl, fake) in _define(torch).items():
        op = torch.library.custom_op("attnc::" + name, mutates_args=())(impl)
        op.register_fake(fake)
    AVAILABLE = True
    REASON = None
    return True


def register():
    """Registers the ops (idempotent); returns whether they are available."""
    return _register()


if "torch" in sys.modules:
    _register()
