"""attnc as a transformers attention backend.

    import attnc.integrations.transformers as attnc_hf
    attnc_hf.register()                                   # registers "attnc"
    model = AutoModelForCausalLM.from_pretrained(..., attn_implementation="attnc")
    # or: model.set_attn_implementation("attnc")

``register()`` adds ``attention_forward`` to ``transformers.AttentionInterface`` under the
name "attnc" (and, where transformers has ``AttentionMaskInterface``, the mask function
FlashAttention uses: no mask at all unless the batch is padded). The models then call it
for prefill and for each KV-cache decode step:

- query (B, Hq, Sq, D), key/value (B, Hkv, Sk, D) as the model hands them (strided views,
  KV heads not repeated: GQA/MQA go to the kernel as they are), the output written into
  a (B, Sq, Hq, D) tensor (what transformers expects back), no copies;
- causal unless the module (or the call) says otherwise, bottom-right aligned, so the Sq
  new queries of a decode step sit at the last Sq positions of the cache;
- ``scaling`` as the model passes it (1/sqrt(D) spelled out maps to the default kernel);
- ``sliding_window`` W (Mistral, Qwen2, Gemma 2/3, ...; from the call or the module):
  each query sees its W most recent keys, itself included: window (W - 1, 0);
- ``softcap`` (Gemma 2's attn_logit_softcapping) as the logit softcap.

Calls attnc cannot serve exactly are run by torch's SDPA with the model's mask and counted
in ``stats["sdpa_fallback"]``: a padded batch (an attention_mask with padding), a 4-D mask
that is not known to be plain causal, dropout > 0 while training. ``stats["attnc"]`` counts
the calls attnc ran. Calls whose query requires grad go to SDPA too: attnc's backward runs
on the CPU only so far (docs/backward.md); use it for inference (torch.no_grad()).
"""
import math

NAME = "attnc"
stats = {"attnc": 0, "sdpa_fallback": 0}


def _is_causal(module, kwargs):
    c = kwargs.get("is_causal")
    if c is None:
        c = getattr(module, "is_causal", True)
    return bool(c)


def _sdpa(module, query, key, value, attention_mask, scaling, dropout, causal, window, softcap):
    """The fallback: torch SDPA (plain math with a softcap, or on torch < 2.0) with an
    explicit mask from the model's 2-D padding mask or 4-D mask, plus causal / window
    bottom-right aligned."""
    import torch
    import torch.nn.functional as F
    b, hq, sq, d = query.shape
    hkv, sk = key.shape[1], key.shape[2]
    if hkv != hq:
        key = key.repeat_interleave(hq // hkv, dim=1)
        value = value.repeat_interleave(hq // hkv, dim=1)
    i = torch.arange(sq, device=query.device).view(sq, 1) + (sk - sq)
    j = torch.arange(sk, device=query.device).view(1, sk)
    keep = torch.ones(sq, sk, dtype=torch.bool, device=query.device)
    if causal:
        keep &= j <= i
    if window is not None and window[0] >= 0:
        keep &= j >= i - window[0]
    mask = keep.view(1, 1, sq, sk)
    if attention_mask is not None:
        if attention_mask.dim() == 2:  # (B, Sk) padding: 1 keeps a key
            mask = mask & attention_mask[:, -sk:].bool().view(b, 1, 1, sk)
        else:
            am = attention_mask[..., -sk:]
            mask = mask & (am.bool() if am.dtype == torch.bool else am == 0)
    # An additive mask of the dtype's minimum, as transformers' own masks: a padded row that
    # sees no key stays finite (uniform weights) instead of NaN, which would reach the real
    # rows through the padded positions' keys and values in the next layer.
    neg = torch.finfo(query.dtype).min
    if softcap or not hasattr(F, "scaled_dot_product_attention"):
        s = torch.matmul(query.float(), key.float().transpose(-1, -2)) * scaling
        if softcap:
            s = softcap * torch.tanh(s / softcap)
        s = s.masked_fill(~mask, torch.finfo(torch.float32).min)
        p = torch.softmax(s, dim=-1)
        out = torch.matmul(p.to(value.dtype), value)
    else:
        add = torch.zeros(mask.shape, dtype=query.dtype, device=query.device).masked_fill(~mask,
                                                                                            neg)
        out = F.scaled_dot_product_attention(query, key, value, attn_mask=add, dropout_p=dropout,
                                             scale=scaling)
    stats["sdpa_fallback"] += 1
    return out.transpose(1, 2).contiguous()


def attention_forward(module, query, key, value, attention_mask, scaling=None, dropout=0.0,
                      sliding_window=None, softcap=None, **kwargs):
    """transformers' attention-function contract: (B, Hq, Sq, D) query, (B, Hkv, Sk, D)
    key/value -> (attn_output (B, Sq, Hq, Dv), None)."""
    import attnc.torch as at
    import torch
    b, hq, sq, d = query.shape
    causal = _is_causal(module, kwargs)
    if sliding_window is None:
        sliding_window = getattr(module, "sliding_window", None)
    window = (int(sliding_window) - 1, -1) if sliding_window else (-1, -1)
    if scaling is None:
        scaling = 1.0 / math.sqrt(d)
    softcap = float(softcap or 0.0)
    mask = attention_mask
    if mask is not None and mask.dim() == 2 and bool(mask.all()):
        mask = None  # no padding
    training_dropout = dropout and getattr(module, "training", False)
    if mask is not None or training_dropout or query.requires_grad and torch.is_grad_enabled():
        out = _sdpa(module, query, key, value, mask, scaling,
                    dropout if training_dropout else 0.0, causal, window, softcap)
        return out, None
    out = torch.empty((b, sq, hq, value.shape[-1]), dtype=query.dtype, device=query.device)
    at.attention(query, key, value, causal=causal, scale=float(scaling), window=window,
                 softcap=softcap, layout="bhsd", out=out.transpose(1, 2))
    stats["attnc"] += 1
    return out, None


def register(name=NAME):
    """Registers attnc with transformers' AttentionInterface under `name` (default
    "attnc"), plus FlashAttention's mask function for it where transformers has
    AttentionMaskInterface. Returns `name`. Raises ImportError when transformers (with
    AttentionInterface, transformers >= 4.48) is not installed."""
    try:
        from transformers import AttentionInterface
    except ImportError as e:
        raise ImportError("attnc.integrations.transformers needs transformers >= 4.48 "
                          "(AttentionInterface): %s" % e)
    AttentionInterface.register(name, attention_forward)
    try:
        from transformers.masking_utils import AttentionMaskInterface, flash_attention_mask
    except ImportError:
        pass  # older transformers: the models pass their own masks (see attention_forward)
    else:
        AttentionMaskInterface.register(name, flash_attention_mask)
    return name
