"""FlashAttention- and aiter-compatible entry points over attnc's kernels.

    from attnc.flash_attn import flash_attn_func, flash_attn_varlen_func, flash_attn_with_kvcache

The signatures, argument names, layouts and return conventions are FlashAttention's
(flash_attn 2.x, ``flash_attn/flash_attn_interface.py``), plus aiter's extra names
``return_lse`` and ``sink``:

- ``flash_attn_func(q, k, v, ...)``: q (B, Sq, Hq, D), k/v (B, Sk, Hkv, D) -> out
  (B, Sq, Hq, D) -> attnc.torch.attention(layout="bshd").
- ``flash_attn_varlen_func(q, k, v, cu_seqlens_q, cu_seqlens_k, max_seqlen_q,
  max_seqlen_k, ...)``: packed q (total_q, Hq, D), k/v (total_k, Hkv, D) ->
  attnc.torch.attention_varlen; with ``block_table``, k/v are a paged cache
  (num_blocks, page_block_size, Hkv, D) and the call goes to paged_attention.
- ``flash_attn_with_kvcache(q, k_cache, v_cache, ...)``: q (B, Sq, Hq, D), a cache
  (B_cache, Sk_max, Hkv, D) with ``cache_seqlens`` valid keys per sequence, or a paged
  cache (num_blocks, page_block_size, Hkv, D) with ``block_table`` (B, max_blocks) ->
  attnc.torch.paged_attention (a contiguous cache is a paged cache whose blocks are
  consecutive: no copy).

Semantics are FlashAttention's: masks aligned to the bottom-right corner (query i sees key
j <= i + Sk - Sq when causal; a window (left, right) keeps keys in [i + Sk - Sq - left,
i + Sk - Sq + right], -1 unbounded), softcap c: c * tanh(scale * q.k / c), ALiBi
-slope[h] * |i + Sk - Sq - j|. Returns ``out``, or with ``return_attn_probs``
``(out, softmax_lse, S_dmask)`` (S_dmask is None: it only exists with dropout), with
aiter's ``return_lse`` ``(out, softmax_lse)``. softmax_lse is float32 (B, Hq, Sq)
((Hq, total_q) for varlen). One difference: a row that sees no key has out = 0 and
softmax_lse = -inf (FlashAttention 2 reports +inf there).

dropout_p (FlashAttention's dropout, in [0, 1), else ValueError) works in
flash_attn_func and flash_attn_varlen_func (not with block_table, nor in
flash_attn_with_kvcache, which has none): the mask is drawn per call from torch's
generator and regenerated in the backward (attnc.torch.attention's dropout_p);
S_dmask is None (the mask is not materialized).

What attnc does not do raises NotImplementedError naming the option: dropout_p > 0
with a paged cache, appending k/v to the cache, rotary embeddings, cache_batch_idx, cache_leftpad,
per-batch ALiBi slopes (B, Hq), aiter's ``sink`` argument (attnc.torch's functions
take ``sinks=``), aiter's ``bias``, a window with a sink size. flash_attn_func and
flash_attn_varlen_func are differentiable on the CPU through attnc.torch
(docs/backward.md); flash_attn_with_kvcache is not.
"""
import math

from . import torch as _at

__all__ = ["flash_attn_func", "flash_attn_varlen_func", "flash_attn_with_kvcache"]


def _unsupported(fn, option, why):
    raise NotImplementedError("%s: %s is not supported by attnc (%s)" % (fn, option, why))


def _window(fn, window_size):
    try:
        w = tuple(window_size)
    except TypeError:
        raise ValueError("%s: window_size must be (left, right), got %r" % (fn, window_size))
    if len(w) == 3:  # aiter: (left, right, sink size)
        if w[2]:
            _unsupported(fn, "window_size[2] (a sink size of %r)" % (w[2],),
                         "sink tokens (always-visible first keys) are not supported; "
                         "attnc.torch's sinks= is a per-head sink logit")
        w = w[:2]
    if len(w) != 2:
        raise ValueError("%s: window_size must be (left, right), got %r" % (fn, window_size))
    return w


def _common(fn, alibi_slopes, sink, bias=None):
    if sink is not None:
        _unsupported(fn, "sink", "aiter's sink argument is not mapped; attnc.torch's attention "
                     "functions take sinks=")
    if bias is not None:
        _unsupported(fn, "bias", "no additive bias; ALiBi slopes are supported")
    if alibi_slopes is not None and alibi_slopes.dim() == 2:
        if alibi_slopes.shape[0] == 1:
            return alibi_slopes[0]
        _unsupported(fn, "alibi_slopes of shape %s (per batch)" % (tuple(alibi_slopes.shape),),
                     "slopes are per head: (nheads,)")
    return alibi_slopes


def _result(out, lse, return_lse, return_attn_probs):
    """FlashAttention: out, or (out, softmax_lse, S_dmask) with return_attn_probs; aiter:
    (out, softmax_lse) with return_lse, (out, softmax_lse, S_dmask) with both."""
    if return_attn_probs:
        return out, lse, None
    if return_lse:
        return out, lse
    return out


def flash_attn_func(q, k, v, dropout_p=0.0, softmax_scale=None, causal=False,
                    window_size=(-1, -1), softcap=0.0, alibi_slopes=None, deterministic=False,
                    return_attn_probs=False, *, return_lse=False, sink=None, bias=None,
                    q_descale=None, k_descale=None, v_descale=None, fp8_dtype=None):
    """FlashAttention's flash_attn_func: q (B, Sq, Hq, D), k (B, Sk, Hkv, D), v (B, Sk,
    Hkv, Dv) -> out (B, Sq, Hq, Dv); with return_attn_probs (out, softmax_lse (B, Hq, Sq)
    float32, None); aiter's return_lse: (out, softmax_lse). deterministic is accepted
    (the forward pass is deterministic). dropout_p in [0, 1): attnc.torch.attention's
    (a seed per call from torch's generator; the backward regenerates the mask). fp8 (FA3's names; CPU, and e4m3fn on CUDA sm_90a: docs/fp8.md): q, k, v
    as uint8 storage with fp8_dtype, or float8 tensors, and q_descale, k_descale,
    v_descale (B, Hkv) float32 (or a number, (), (Hkv,)); out is bfloat16."""
    fn = "attnc.flash_attn.flash_attn_func"
    slopes = _common(fn, alibi_slopes, sink, bias)
    dropout_p = _at._check_dropout(fn, dropout_p)
    want_lse = bool(return_lse or return_attn_probs)
    fp8 = {}
    if _at._is_fp8_call((q, k, v), fp8_dtype, (q_descale, k_descale, v_descale)):
        fp8 = dict(q_descale=q_descale, k_descale=k_descale, v_descale=v_descale,
                   fp8_dtype=fp8_dtype)
    res = _at.attention(q, k, v, causal=causal, scale=softmax_scale,
                        window=_window(fn, window_size), softcap=softcap or 0.0,
                        alibi_slopes=slopes, return_lse=want_lse, layout="bshd",
                        dropout_p=dropout_p, **fp8)
    if not want_lse:
        return res
    return _result(res[0], res[1], return_lse, return_attn_probs)


def flash_attn_varlen_func(q, k, v, cu_seqlens_q, cu_seqlens_k, max_seqlen_q, max_seqlen_k,
                           dropout_p=0.0, softmax_scale=None, causal=False, window_size=(-1, -1),
                           softcap=0.0, alibi_slopes=None, deterministic=False,
                           return_attn_probs=False, block_table=None, *, return_lse=False,
                           sink=None, bias=None, q_descale=None, k_descale=None,
                           v_descale=None, fp8_dtype=None):
    """FlashAttention's flash_attn_varlen_func: q (total_q, Hq, D), k/v (total_k, Hkv, D),
    cu_seqlens_q / cu_seqlens_k int32 (B+1,) -> out (total_q, Hq, Dv); softmax_lse
    (Hq, total_q). With block_table (B, max_blocks) int32, k/v are a paged cache
    (num_blocks, page_block_size, Hkv, D) and sequence b has cu_seqlens_k[b+1] -
    cu_seqlens_k[b] keys in it. fp8 q, k, v with q_descale, k_descale, v_descale as in
    flash_attn_func (B the sequences; not with block_table: attnc.torch.paged_attention
    takes fp8 caches with vLLM's k_scale / v_scale)."""
    fn = "attnc.flash_attn.flash_attn_varlen_func"
    slopes = _common(fn, alibi_slopes, sink, bias)
    dropout_p = _at._check_dropout(fn, dropout_p)
    want_lse = bool(return_lse or return_attn_probs)
    window = _window(fn, window_size)
    fp8 = {}
    if _at._is_fp8_call((q, k, v), fp8_dtype, (q_descale, k_descale, v_descale)):
        if block_table is not None:
            _unsupported(fn, "q_descale / k_descale / v_descale with block_table",
                         "attnc.torch.paged_attention takes fp8 caches with k_scale, v_scale")
        fp8 = dict(q_descale=q_descale, k_descale=k_descale, v_descale=v_descale,
                   fp8_dtype=fp8_dtype)
    if block_table is None:
        res = _at.attention_varlen(q, k, v, cu_seqlens_q, cu_seqlens_k, max_seqlen_q,
                                   max_seqlen_k, causal=causal, scale=softmax_scale,
                                   window=window, softcap=softcap or 0.0, alibi_slopes=slopes,
                                   return_lse=want_lse, dropout_p=dropout_p, **fp8)
    else:
        if dropout_p:
            _unsupported(fn, "dropout_p > 0 with block_table", "the paged kernels are "
                         "inference kernels")
        torch = _at._torch()
        if not isinstance(cu_seqlens_k, torch.Tensor) or cu_seqlens_k.dim() != 1:
            raise ValueError("%s: cu_seqlens_k must be a (B+1,) int32 tensor" % fn)
        seq_lens = (cu_seqlens_k[1:] - cu_seqlens_k[:-1]).to(torch.int32)
        res = _at.paged_attention(q, k, v, block_table, seq_lens, cu_seqlens_q, causal=causal,
                                  scale=softmax_scale, window=window, softcap=softcap or 0.0,
                                  alibi_slopes=slopes, return_lse=want_lse,
                                  max_query_len=None if max_seqlen_q is None else
                                  int(max_seqlen_q))
    if not want_lse:
        return res
    return _result(res[0], res[1], return_lse, return_attn_probs)


# Small int32 index tensors that a decode step needs on every call (the block table of a
# contiguous cache, query_start_loc, full seq_lens): made once per shape and device.
_index_cache = {}


def _cached(kind, torch, dev, *args):
    # While torch.compile traces, the tensors are made in the graph (no global state).
    tracing = _at._compiling is not None and _at._compiling()
    key = (kind, dev) + args
    t = None if tracing else _index_cache.get(key)
    if t is None:
        if len(_index_cache) > 1024:
            _index_cache.clear()
        if kind == "table":
            b, per = args
            t = torch.arange(b * per, dtype=torch.int32, device=dev).view(b, per)
        elif kind == "qsl":
            b, sq = args
            t = torch.arange(0, b * sq + 1, sq, dtype=torch.int32, device=dev) if sq else \
                torch.zeros(b + 1, dtype=torch.int32, device=dev)
        else:  # "full": (B,) filled with a value
            b, n = args
            t = torch.full((b,), n, dtype=torch.int32, device=dev)
        if not tracing:
            _index_cache[key] = t
    return t


def _contiguous_block(sk, k_cache, v_cache):
    """The block size that views a contiguous (B, Sk, Hkv, D) cache as a paged one
    without copying: 16 tokens (the common paged kernel) or the largest divisor of Sk of
    at least 8 up to 16 when the batch and sequence dims merge; else the whole sequence
    (one block per batch entry)."""
    def mergeable(c):
        return c.shape[0] <= 1 or c.stride(0) == c.shape[1] * c.stride(1)
    if mergeable(k_cache) and mergeable(v_cache):
        bs = math.gcd(sk, 16)
        if bs >= 8:
            return bs
    return sk


def flash_attn_with_kvcache(q, k_cache, v_cache, k=None, v=None, rotary_cos=None, rotary_sin=None,
                            cache_seqlens=None, cache_batch_idx=None, cache_leftpad=None,
                            block_table=None, softmax_scale=None, causal=False,
                            window_size=(-1, -1), softcap=0.0, rotary_interleaved=True,
                            alibi_slopes=None, num_splits=0, return_softmax_lse=False, *,
                            return_lse=False, sink=None):
    """FlashAttention's flash_attn_with_kvcache (decode and chunked prefill over a KV
    cache): q (B, Sq, Hq, D); k_cache / v_cache (B, Sk_max, Hkv, D) or, with block_table
    (B, max_blocks) int32, paged (num_blocks, page_block_size, Hkv, D); cache_seqlens
    (int or (B,) int32; None: the whole cache) keys per sequence, the queries being the
    last Sq of them (bottom-right aligned). num_splits: 0 chooses, n > 0 splits the keys
    n ways. Returns out (B, Sq, Hq, Dv), with return_softmax_lse (out, softmax_lse
    (B, Hq, Sq)). The cache is only read: k/v (appending) are not supported."""
    fn = "attnc.flash_attn.flash_attn_with_kvcache"
    if k is not None or v is not None:
        _unsupported(fn, "k/v (appending new keys and values to the cache)",
                     "write them into k_cache/v_cache and pass cache_seqlens")
    if rotary_cos is not None or rotary_sin is not None:
        _unsupported(fn, "rotary_cos/rotary_sin (rotary embedding)", "apply it to q and k first")
    if cache_batch_idx is not None:
        _unsupported(fn, "cache_batch_idx", "index the cache, or use block_table")
    if cache_leftpad is not None:
        _unsupported(fn, "cache_leftpad", "use block_table or varlen")
    slopes = _common(fn, alibi_slopes, sink)
    window = _window(fn, window_size)
    torch = _at._torch()
    for name, t, rank in (("q", q, 4), ("k_cache", k_cache, 4), ("v_cache", v_cache, 4)):
        if not isinstance(t, torch.Tensor):
            raise TypeError("%s: %s must be a torch.Tensor, got %s" % (fn, name, type(t).__name__))
        if t.dim() != rank:
            raise ValueError("%s: %s must have %d dimensions, got shape %s"
                             % (fn, name, rank, tuple(t.shape)))
    b, sq, hq, d = q.shape
    dev = q.device
    if block_table is not None:
        kc, vc, table = k_cache, v_cache, block_table
        max_keys = block_table.shape[1] * k_cache.shape[1] if block_table.dim() == 2 else 0
    else:
        bc, sk = k_cache.shape[0], k_cache.shape[1]
        if bc != b or v_cache.shape[0] != b:
            raise ValueError("%s: k_cache and v_cache must have the batch size of q (%d), got %s "
                             "and %s (cache_batch_idx is not supported)"
                             % (fn, b, tuple(k_cache.shape), tuple(v_cache.shape)))
        if v_cache.shape[1] != sk:
            raise ValueError("%s: k_cache and v_cache must have the same length, got %s and %s"
                             % (fn, tuple(k_cache.shape), tuple(v_cache.shape)))
        if sk == 0:
            raise ValueError("%s: the cache has no room (k_cache %s)" % (fn, tuple(k_cache.shape)))
        bs = _contiguous_block(sk, k_cache, v_cache)
        per = sk // bs
        kc = k_cache.reshape(b * per, bs, *k_cache.shape[2:]) if per > 1 else k_cache
        vc = v_cache.reshape(b * per, bs, *v_cache.shape[2:]) if per > 1 else v_cache
        table = _cached("table", torch, dev, b, per)
        max_keys = sk
    if cache_seqlens is None:
        seq_lens = _cached("full", torch, dev, b, int(max_keys))
    elif isinstance(cache_seqlens, int):
        seq_lens = _cached("full", torch, dev, b, int(cache_seqlens))
    else:
        seq_lens = cache_seqlens
    if isinstance(num_splits, bool) or int(num_splits) < 0:
        raise ValueError("%s: num_splits must be >= 0 (0: chosen), got %r" % (fn, num_splits))
    # (B, Sq, Hq, D) -> (B * Sq, Hq, D): a view for the usual layouts.
    qp = q.reshape(b * sq, hq, d)
    want_lse = bool(return_softmax_lse or return_lse)
    res = _at.paged_attention(qp, kc, vc, table, seq_lens, _cached("qsl", torch, dev, b, sq),
                              causal=causal, scale=softmax_scale, window=window,
                              softcap=softcap or 0.0, alibi_slopes=slopes, return_lse=want_lse,
                              num_splits=int(num_splits) or None, max_query_len=sq)
    out, lse = res if want_lse else (res, None)
    out = out.view(b, sq, hq, out.shape[-1])
    if not want_lse:
        return out
    return out, lse.view(hq, b, sq).permute(1, 0, 2)
