"""attnc as a transformers attention backend (attnc.integrations.transformers) with tiny
random models: the logits and greedy generations of attn_implementation="attnc" against
"eager" (transformers' own plain implementation, the reference) and "sdpa": prefill, KV
cache decode, GQA (Llama 4/2 heads), sliding window (Mistral), softcap (Gemma 2).

On the CPU in f32 (test/Python/flash.test), and on a CUDA GPU in bf16 with
ATTNC_TEST_DEVICE=cuda (the H100 command in test_flash_cuda.py's docstring): there the
attnc-vs-eager difference must stay within the sdpa-vs-eager difference (x2, at least
0.05). Skipped (an expected skip, with the reason) where transformers with
AttentionInterface (>= 4.48) is not installed.
"""
import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
for _p in (os.path.dirname(HERE), HERE):
    if _p not in sys.path:
        sys.path.insert(0, _p)

import torch  # noqa: E402


def _why_not():
    try:
        import transformers
    except ImportError as e:
        return "transformers is not installed (%s)" % e
    if not hasattr(transformers, "AttentionInterface"):
        return "transformers %s has no AttentionInterface (needs >= 4.48)" % (
            transformers.__version__)
    if DEVICE == "cuda" and not torch.cuda.is_available():
        return "ATTNC_TEST_DEVICE=cuda but torch.cuda is not available"
    return None


DEVICE = os.environ.get("ATTNC_TEST_DEVICE", "cpu")
REASON = _why_not()
pytestmark = [pytest.mark.optional("transformers >= 4.48 (AttentionInterface)"),
              pytest.mark.skipif(REASON is not None, reason=REASON or "")]

DTYPE = torch.float32 if DEVICE == "cpu" else torch.bfloat16
# f32 on the CPU: attnc and eager agree to rounding; bf16 on the GPU: within sdpa's distance.
F32_TOL = 2e-4

# The CUDA variants these models need are in python/tests/flash_variants.json (flash_common
# HF_CASES): head_dim 64, GQA 16/4 (Llama, the shape), a sliding window of 8.
LLAMA = dict(vocab_size=128, hidden_size=1024 if DEVICE == "cuda" else 256,
             intermediate_size=512, num_hidden_layers=2,
             num_attention_heads=16 if DEVICE == "cuda" else 4,
             num_key_value_heads=4 if DEVICE == "cuda" else 2, max_position_embeddings=256)


def _models(name, config_kw, seed=0):
    """The same random weights under eager, sdpa and attnc."""
    import transformers
    from attnc.integrations import transformers as attnc_hf
    attnc_hf.register()
    cfg_cls = getattr(transformers, name + "Config")
    model_cls = getattr(transformers, name + "ForCausalLM")
    out = {}
    state = None
    for impl in ("eager", "sdpa", "attnc"):
        cfg = cfg_cls(**config_kw)
        torch.manual_seed(seed)
        m = model_cls._from_config(cfg, attn_implementation=impl) if hasattr(
            model_cls, "_from_config") else model_cls(cfg)
        if state is None:
            state = m.state_dict()
        else:
            m.load_state_dict(state)
        assert m.config._attn_implementation == impl
        out[impl] = m.to(DEVICE, DTYPE).eval()
    return out


def _tol(ref, other):
    if DTYPE == torch.float32:
        return F32_TOL
    return max(2 * float((other - ref).abs().max()), 0.05)


def _compare_prefill(models, seed):
    from attnc.integrations import transformers as attnc_hf
    torch.manual_seed(seed)
    ids = torch.randint(1, 128, (2, 37), device=DEVICE)
    with torch.no_grad():
        logits = {k: m(ids).logits.float() for k, m in models.items()}
    before = dict(attnc_hf.stats)
    with torch.no_grad():
        got = models["attnc"](ids).logits.float()
    assert attnc_hf.stats["attnc"] > before["attnc"], "attnc's kernels were not called"
    assert attnc_hf.stats["sdpa_fallback"] == before["sdpa_fallback"], "fell back to sdpa"
    tol = _tol(logits["eager"], logits["sdpa"])
    diff = float((got - logits["eager"]).abs().max())
    print("prefill: max |attnc - eager| = %.3g, |sdpa - eager| = %.3g, tol %.3g"
          % (diff, float((logits["sdpa"] - logits["eager"]).abs().max()), tol))
    assert diff <= tol


def _compare_generate(models, seed, new_tokens=12):
    """Greedy decoding with the KV cache: each step's logits (Sq = 1 against the cache)."""
    torch.manual_seed(seed)
    ids = torch.randint(1, 128, (2, 21), device=DEVICE)  # no pad token (0)
    kw = dict(max_new_tokens=new_tokens, do_sample=False, output_logits=True,
              return_dict_in_generate=True, pad_token_id=0)
    with torch.no_grad():
        ref = models["eager"].generate(ids, **kw)
        sdpa = models["sdpa"].generate(ids, **kw)
        got = models["attnc"].generate(ids, **kw)
    ref_l, got_l = torch.stack(ref.logits).float(), torch.stack(got.logits).float()
    tol = _tol(ref_l, torch.stack(sdpa.logits).float())
    diff = float((got_l - ref_l).abs().max())
    print("decode: max |attnc - eager| over %d steps = %.3g (tol %.3g)" % (new_tokens, diff, tol))
    assert diff <= tol
    if DTYPE == torch.float32:
        assert torch.equal(got.sequences, ref.sequences)


def test_llama_gqa_prefill_and_decode():
    models = _models("Llama", LLAMA)
    _compare_prefill(models, 1)
    _compare_generate(models, 2)


def test_mistral_sliding_window():
    import transformers
    if not hasattr(transformers, "MistralConfig"):
        pytest.skip("this transformers has no Mistral")
    kw = dict(LLAMA, sliding_window=8)
    models = _models("Mistral", kw)
    _compare_prefill(models, 3)
    _compare_generate(models, 4)


def test_gemma2_softcap():
    import transformers
    if not hasattr(transformers, "Gemma2Config"):
        pytest.skip("this transformers has no Gemma 2")
    kw = dict(LLAMA, head_dim=LLAMA["hidden_size"] // LLAMA["num_attention_heads"],
              attn_logit_softcapping=20.0, final_logit_softcapping=None, sliding_window=8,
              query_pre_attn_scalar=LLAMA["hidden_size"] // LLAMA["num_attention_heads"])
    models = _models("Gemma2", kw)
    _compare_prefill(models, 5)
    _compare_generate(models, 6)


def test_padded_batch_falls_back_to_sdpa():
    """A padded batch (attention_mask with zeros) is run by SDPA with the model's mask and
    counted; the logits of the real tokens still match eager."""
    from attnc.integrations import transformers as attnc_hf
    models = _models("Llama", LLAMA)
    ids = torch.randint(1, 128, (2, 16), device=DEVICE)
    mask = torch.ones_like(ids)
    mask[1, :5] = 0  # left padding
    before = attnc_hf.stats["sdpa_fallback"]
    with torch.no_grad():
        want = models["eager"](ids, attention_mask=mask).logits.float()
        got = models["attnc"](ids, attention_mask=mask).logits.float()
    assert attnc_hf.stats["sdpa_fallback"] > before
    keep = mask.bool()
    tol = 2e-4 if DTYPE == torch.float32 else 0.1
    assert float((got - want).abs()[keep].max()) <= tol
