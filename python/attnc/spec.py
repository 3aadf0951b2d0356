"""AttentionSpec: the static part of an attention call (what a kernel is
compiled for), its attn-dialect IR and a stable key.

Batch and sequence lengths are dynamic in the generated IR, so one kernel
serves every (B, Sq, Sk); dtype, head dims, head counts and the features
(causal, window, softcap, ALiBi, sinks, lse, varlen, an explicit scale) are static.
A paged spec (attn.paged_attention over a block-table KV cache) also fixes the
block size and the split kernel's mode ("decode" or "prefill"); the token,
sequence and block counts stay dynamic. An MLA spec (mla=True: attn.mla, DeepSeek's
latent attention over one paged latent cache, docs/mla.md) is a paged decode spec
with one KV head whose V is the first head_dim_v (kv_lora_rank) columns of K.
"""
import hashlib
import json
import math
import re
import struct

DTYPES = ("bf16", "f16", "f32")

_FIELDS = ("dtype", "head_dim", "head_dim_v", "num_heads_q", "num_heads_kv", "causal", "scale",
           "window", "softcap", "alibi", "return_lse", "varlen", "paged", "block_size",
           "paged_mode", "sinks", "backward", "block_mask", "row_align", "mla", "fp8",
           "fp8_scales", "dropout_p", "sage")
# Only in the dict form (and so in the key) of paged specs: the keys of the others stay
# what they were before paged attention existed.
_PAGED_FIELDS = ("paged", "block_size", "paged_mode")
# Only in the dict form (and key) of specs that have it (sinks=True), for the same reason.
_OPTIONAL_FIELDS = ("sinks", "backward", "block_mask", "row_align", "mla", "fp8", "fp8_scales",
                    "dropout_p", "sage")
# fp8 (docs/fp8.md): the formats, their MLIR element types, and the ranks each scale
# may have: attn.mha / attn.mha_varlen's q_descale, k_descale, v_descale ([], [Hkv],
# [B, Hkv]); attn.paged_attention's k_scale, v_scale ([], [Hkv], [NB, BS, Hkv]).
FP8_FORMATS = {"e4m3fn": "f8E4M3FN", "e4m3fnuz": "f8E4M3FNUZ"}
_DESCALE_RANKS = (0, 1, 2)
_CACHE_SCALE_RANKS = (0, 1, 3)
_LATENT_SCALE_RANKS = (0, 2)  # attn.mla's kv_scale: [] or [NB, BS]
PAGED_MODES = ("decode", "prefill")


def natural_row_align(d, dv):
    """The alignment, in elements, of contiguous rows of head dims d and dv: the
    largest power of two up to 8 dividing both (8: 16-byte rows of f16/bf16)."""
    a = 8
    while a > 1 and (d % a or dv % a):
        a //= 2
    return a


def _f32(x):
    """x rounded to float32 (what the kernel's f32 attribute holds)."""
    return struct.unpack("<f", struct.pack("<f", float(x)))[0]


def _mlir_f32(x):
    # '%.9e' always has a '.', which MLIR's float literal needs; 9 digits round-trip f32.
    return "%.9e" % x


# The supported ranges the attn dialect's verifier enforces (docs/limits.md): head dims
# up to 576 (MLA: D = 576, Dv = 512), head counts and the block size up to 4096.
MAX_HEAD_DIM = 576
MAX_HEADS = 4096
MAX_BLOCK_SIZE = 4096


def _check_mla(paged, paged_mode, hkv, left, right, alibi, sinks):
    """An MLA spec is a paged decode spec with one KV head and none of the features
    attn.mla does not have."""
    if not paged or (paged_mode or "decode") != "decode":
        raise ValueError("AttentionSpec: an mla spec is paged (paged=True, block_size) "
                         "with paged_mode \"decode\"")
    if hkv != 1:
        raise ValueError("AttentionSpec: an mla spec has one KV head (the latent cache), "
                         "got num_heads_kv = %d" % hkv)
    if left >= 0 or right >= 0 or alibi or sinks:
        raise ValueError("AttentionSpec: attn.mla has no window, alibi or sinks")


def _fp8_fields(fp8, fp8_scales, dtype, paged, backward, mla):
    """The checked (fp8, fp8_scales) pair: None, None without fp8."""
    if fp8 is None:
        if fp8_scales is not None:
            raise ValueError("AttentionSpec: fp8_scales goes with fp8")
        return None, None
    if fp8 not in FP8_FORMATS:
        raise ValueError("AttentionSpec: fp8 must be one of %s, got %r"
                         % (", ".join(sorted(FP8_FORMATS)), fp8))
    if dtype not in ("bf16", "f16"):
        raise ValueError("AttentionSpec: an fp8 spec's dtype (out's; paged: q's too) must be "
                         "bf16 or f16, got %r" % dtype)
    if backward:
        raise ValueError("AttentionSpec: fp8 goes with forward specs (attn.mha, "
                         "attn.mha_varlen, attn.paged_attention, attn.mla)")
    want, ranks = ((1, _LATENT_SCALE_RANKS) if mla else (2, _CACHE_SCALE_RANKS) if paged
                   else (3, _DESCALE_RANKS))
    try:
        scales = tuple(int(r) for r in (fp8_scales if fp8_scales is not None else (0,) * want))
    except (TypeError, ValueError):
        raise ValueError("AttentionSpec: fp8_scales must be a tuple of ranks, got %r"
                         % (fp8_scales,))
    if len(scales) != want or any(r not in ranks for r in scales):
        raise ValueError("AttentionSpec: fp8_scales must be %d ranks in %s (%s), got %r"
                         % (want, ranks, "kv_scale" if mla else "k_scale, v_scale" if paged
                            else "q_descale, k_descale, v_descale", fp8_scales))
    return fp8, scales


def _sage_field(sage, fp8, paged, backward, softcap, sinks):
    """The sage field (docs/fp8.md, "SAGE"): None, or {q_block, k_block, k_mean}: the
    scale blocks (rows sharing a q_descale / keys sharing a k_descale) and whether the
    kernel adds k_mean's term to lse (a dict, or its sorted (name, value) pairs). A SAGE
    spec has i8 q and k and v in format `fp8`."""
    if sage is None or sage is False:
        return None
    if isinstance(sage, (tuple, list)):  # (name, value) pairs: the hashable form
        try:
            sage = dict(sage)
        except (TypeError, ValueError):
            raise ValueError("AttentionSpec: sage must be a dict with q_block, k_block and "
                             "k_mean, got %r" % (sage,))
    if not isinstance(sage, dict) or set(sage) - {"q_block", "k_block", "k_mean"}:
        raise ValueError("AttentionSpec: sage must be a dict with q_block, k_block and "
                         "k_mean, got %r" % (sage,))
    if fp8 is None:
        raise ValueError("AttentionSpec: a sage spec names v's fp8 format in fp8")
    if paged or backward:
        raise ValueError("AttentionSpec: sage goes with forward attn.mha / attn.mha_varlen specs")
    k_mean = bool(sage.get("k_mean", False))
    if k_mean and (softcap > 0 or sinks):
        raise ValueError("AttentionSpec: sage's k_mean excludes softcap and sinks")
    return {"q_block": _int("sage q_block", sage.get("q_block"), 1, 2 ** 31 - 1),
            "k_block": _int("sage k_block", sage.get("k_block"), 1, 2 ** 31 - 1),
            "k_mean": k_mean}


def _block_mask_field(m, unsupported):
    """The block_mask field: None, or {q_block_size, kv_block_size, full, mask_mod} (the
    static part of an attnc.masks.BlockMask: block sizes, whether full lists are given,
    mask_mod's MLIR region body or None; docs/masks.md)."""
    if not m:
        return None
    if unsupported:
        raise ValueError("AttentionSpec: block_mask goes with attn.mha / attn.mha_varlen "
                         "forward specs (not paged, not backward)")
    try:
        m = dict(m)  # a dict, or its (name, value) pairs (BlockMask.spec_field)
        d = {"q_block_size": int(m["q_block_size"]), "kv_block_size": int(m["kv_block_size"]),
             "full": bool(m.get("full", False)), "mask_mod": m.get("mask_mod") or None}
    except (TypeError, KeyError, ValueError):
        raise ValueError("AttentionSpec: block_mask must be a dict with q_block_size, "
                         "kv_block_size, full, mask_mod, got %r" % (m,))
    if d["q_block_size"] < 1 or d["kv_block_size"] < 1:
        raise ValueError("AttentionSpec: block sizes must be >= 1, got %r" % (m,))
    if d["mask_mod"] is not None and not isinstance(d["mask_mod"], str):
        raise ValueError("AttentionSpec: block_mask's mask_mod must be MLIR text")
    return d


def _f32_value(name, x):
    """x as the f32 the kernel's attribute holds; ValueError for a value f32 cannot
    represent (one that rounds to Inf, or a nonzero one that rounds to 0) instead of
    struct's OverflowError or a silent 0 (a softcap of 1e-50 meant "no softcap")."""
    try:
        x = float(x)
    except (TypeError, ValueError):
        raise ValueError("AttentionSpec: %s must be a number, got %r" % (name, x))
    if not math.isfinite(x):
        return x
    try:
        r = _f32(x)
    except OverflowError:
        r = math.inf
    if math.isinf(r):
        raise ValueError("AttentionSpec: %s = %r is beyond the range of f32 (|x| <= "
                         "3.4028235e38)" % (name, x))
    if x != 0 and r == 0:
        raise ValueError("AttentionSpec: %s = %r rounds to 0 in f32 (|x| >= 1.4e-45)"
                         % (name, x))
    return r


def _dropout_field(p, paged, block_mask, fp8):
    """dropout_p as the f32 the op's attribute holds, in [0, 1); 0 (no dropout) is
    None, so the keys of specs without dropout stay what they were."""
    p = _f32_value("dropout_p", p or 0.0)
    if not (0.0 <= p < 1.0):
        raise ValueError("AttentionSpec: dropout_p must be in [0, 1), got %r" % p)
    if p == 0.0:
        return None
    if paged or block_mask or fp8:
        raise ValueError("AttentionSpec: dropout_p goes with attn.mha / attn.mha_varlen "
                         "specs and their backward (not paged, block_mask or fp8)")
    return p


def _int(name, v, minimum, maximum=None):
    if isinstance(v, bool) or not isinstance(v, int):
        try:
            # True, "2" and 2.5 are not sizes (2.0 and numpy integers are).
            if isinstance(v, (bool, str, bytes)) or float(v) != int(v):
                raise ValueError
            v = int(v)
        except (TypeError, ValueError, OverflowError):
            raise ValueError("AttentionSpec: %s must be an integer, got %r" % (name, v))
    if v < minimum:
        raise ValueError("AttentionSpec: %s must be >= %d, got %d" % (name, minimum, v))
    if maximum is not None and v > maximum:
        raise ValueError("AttentionSpec: %s = %d exceeds the supported maximum %d "
                         "(docs/limits.md)" % (name, v, maximum))
    return v


class AttentionSpec:
    """One attention variant.

    dtype: "bf16", "f16" or "f32" (q, k, v and out; lse is always f32)
    head_dim, head_dim_v (None: = head_dim), num_heads_q, num_heads_kv (None: = num_heads_q;
    must divide num_heads_q: GQA, MQA with 1)
    causal, scale (None: 1/sqrt(head_dim)), window=(left, right) (-1: unbounded; relative to
    the bottom-right diagonal), softcap (0: none), alibi (slopes passed at run time),
    return_lse, varlen (packed sequences with cu_seqlens), sinks (attention sinks: one f32
    logit per query head, passed at run time, that joins every row's softmax denominator)
    paged (attn.paged_attention: packed queries over a block-table KV cache, docs/paged.md),
    block_size (tokens per cache block; paged only), paged_mode ("decode": GQA-packed rows,
    for short query runs; "prefill": varlen rows; paged only, default "decode")
    backward: the gradients of this variant (attn.mha_bwd / attn.mha_varlen_bwd: three
    kernels, docs/backward.md); not paged, no return_lse (lse is an input)
    mla: attn.mla (DeepSeek MLA decode, docs/mla.md): paged, paged_mode "decode",
    num_heads_kv 1, head_dim = kv_lora_rank + rope dim, head_dim_v = kv_lora_rank (V is
    a prefix of each latent cache row); no window, alibi or sinks
    dropout_p: dropout on the attention probabilities (FlashAttention's semantics), in
    [0, 1) as f32; 0 is none. The kernels then take rng_state, an int64 (2,) tensor of
    [seed, offset] read at run time (docs/backward.md, "Dropout"); attn.mha /
    attn.mha_varlen and their backward only (no block_mask, fp8)

    Equal variants are one spec (one key, one kernel): scale equal to 1/sqrt(head_dim) (in
    f32) is None; window (-1, -1) is no window; softcap 0 / None is none; head_dim_v =
    head_dim is None; num_heads_kv = num_heads_q is MHA; window (left, 0) is causal with
    window (left, -1), and causal drops any right window (it already stops at the diagonal).
    """

    __slots__ = _FIELDS

    def __init__(self, dtype="bf16", head_dim=None, head_dim_v=None, num_heads_q=None,
                 num_heads_kv=None, causal=False, scale=None, window=(-1, -1), softcap=0.0,
                 alibi=False, return_lse=False, varlen=False, paged=False, block_size=None,
                 paged_mode=None, sinks=False, backward=False, block_mask=None,
                 row_align=None, mla=False, fp8=None, fp8_scales=None, dropout_p=0.0,
                 sage=None):
        if dtype not in DTYPES:
            raise ValueError("AttentionSpec: dtype must be one of %s, got %r"
                             % (", ".join(DTYPES), dtype))
        if head_dim is None or num_heads_q is None:
            raise ValueError("AttentionSpec: head_dim and num_heads_q are required")
        d = _int("head_dim", head_dim, 1, MAX_HEAD_DIM)
        dv = d if head_dim_v is None else _int("head_dim_v", head_dim_v, 1, MAX_HEAD_DIM)
        hq = _int("num_heads_q", num_heads_q, 1, MAX_HEADS)
        hkv = hq if num_heads_kv is None else _int("num_heads_kv", num_heads_kv, 1, MAX_HEADS)
        if hq % hkv:
            raise ValueError("AttentionSpec: num_heads_q (%d) must be a multiple of "
                             "num_heads_kv (%d)" % (hq, hkv))
        try:
            left, right = window
        except (TypeError, ValueError):
            raise ValueError("AttentionSpec: window must be (left, right), got %r" % (window,))
        left, right = _int("window[0]", left, -1), _int("window[1]", right, -1)
        if scale is not None:
            scale = _f32_value("scale", scale)
            if not math.isfinite(scale) or scale <= 0:
                raise ValueError("AttentionSpec: scale must be a positive finite number, got %r"
                                 % scale)
            scale = _f32(scale)
            if scale == _f32(1.0 / math.sqrt(d)):
                scale = None  # the default, spelled out (as transformers passes it)
        # Equal masks, one spec: a window (left, 0) is causal with that window; with causal,
        # a right window >= 0 adds nothing (causal already stops at the diagonal).
        if right == 0 and not causal:
            causal = True
        if causal:
            right = -1
        softcap = _f32_value("softcap", softcap or 0.0)
        if not math.isfinite(softcap) or softcap < 0:
            raise ValueError("AttentionSpec: softcap must be >= 0 (0: none), got %r" % softcap)
        paged = bool(paged)
        if paged:
            if varlen:
                raise ValueError("AttentionSpec: paged and varlen exclude each other")
            if block_size is None:
                raise ValueError("AttentionSpec: a paged spec needs block_size")
            block_size = _int("block_size", block_size, 1, MAX_BLOCK_SIZE)
            paged_mode = "decode" if paged_mode is None else paged_mode
            if paged_mode not in PAGED_MODES:
                raise ValueError("AttentionSpec: paged_mode must be one of %s, got %r"
                                 % (", ".join(PAGED_MODES), paged_mode))
        elif block_size is not None or paged_mode is not None:
            raise ValueError("AttentionSpec: block_size and paged_mode go with paged=True")
        mla = bool(mla)
        if mla:
            _check_mla(paged, paged_mode, hkv, left, right, alibi, sinks)
        backward = bool(backward)
        if backward and (paged or return_lse or sinks):
            raise ValueError("AttentionSpec: a backward spec is of attn.mha or attn.mha_varlen "
                             "(not paged, no sinks yet) and takes lse as an input (no "
                             "return_lse)")
        set_ = object.__setattr__
        set_(self, "dtype", dtype)
        set_(self, "head_dim", d)
        set_(self, "head_dim_v", None if dv == d else dv)
        set_(self, "num_heads_q", hq)
        set_(self, "num_heads_kv", hkv)
        set_(self, "causal", bool(causal))
        set_(self, "scale", scale)
        set_(self, "window", (left, right))
        set_(self, "softcap", _f32(softcap))
        set_(self, "alibi", bool(alibi))
        set_(self, "return_lse", bool(return_lse))
        set_(self, "varlen", bool(varlen))
        set_(self, "paged", paged)
        set_(self, "block_size", block_size)
        set_(self, "paged_mode", paged_mode)
        set_(self, "sinks", bool(sinks))
        set_(self, "backward", backward)
        set_(self, "block_mask", _block_mask_field(block_mask, paged or backward))
        # The GPU kernels' copy width (attn.align): what the tensors' rows guarantee, when
        # that is less than contiguous rows of these head dims have (None: that).
        if row_align is not None:
            if row_align not in (1, 2, 4, 8) or isinstance(row_align, bool):
                raise ValueError("AttentionSpec: row_align must be 1, 2, 4 or 8 (elements), "
                                 "got %r" % (row_align,))
            if row_align == natural_row_align(d, dv):
                row_align = None
        set_(self, "row_align", row_align)
        set_(self, "mla", mla)
        sage = _sage_field(sage, fp8, paged, backward, softcap, sinks)
        if sage is not None:  # SAGE's descales are B x H x N (docs/fp8.md)
            if fp8_scales not in (None, (3, 3, 3), [3, 3, 3]):
                raise ValueError("AttentionSpec: a sage spec's scales are rank 3, got %r"
                                 % (fp8_scales,))
            fp8, _ = _fp8_fields(fp8, None, dtype, paged, backward, mla)
            fp8_scales = (3, 3, 3)
        else:
            fp8, fp8_scales = _fp8_fields(fp8, fp8_scales, dtype, paged, backward, mla)
        set_(self, "fp8", fp8)
        set_(self, "fp8_scales", fp8_scales)
        set_(self, "dropout_p", _dropout_field(dropout_p, paged, self.block_mask, fp8))
        set_(self, "sage", sage)

    def __setattr__(self, name, value):
        raise AttributeError("AttentionSpec is immutable")

    # --- dict form ------------------------------------------------------------------------

    def to_dict(self):
        """The JSON form (the keyword arguments that rebuild it). The paged fields are
        there for paged specs only; sinks and backward only when set (so the keys of the
        others stay what they were)."""
        d = {f: getattr(self, f) for f in _FIELDS
             if (self.paged or f not in _PAGED_FIELDS) and (getattr(self, f) or
                                                            f not in _OPTIONAL_FIELDS)}
        d["window"] = list(self.window)
        if "fp8_scales" in d:
            d["fp8_scales"] = list(self.fp8_scales)
        return d

    @classmethod
    def from_dict(cls, d):
        unknown = set(d) - set(_FIELDS)
        if unknown:
            raise ValueError("AttentionSpec: unknown field(s) %s" % ", ".join(sorted(unknown)))
        return cls(**d)

    def key(self):
        """A stable name for the variant: readable, plus a hash of all fields."""
        canon = json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"))
        h = hashlib.sha256(canon.encode()).hexdigest()[:12]
        parts = ["mla" if self.mla else "paged" if self.paged else "varlen" if self.varlen
                 else "mha", self.dtype,
                 "d%d" % self.head_dim, "h%dx%d" % (self.num_heads_q, self.num_heads_kv)]
        if self.paged:
            parts += ["bs%d" % self.block_size, self.paged_mode]
        if self.causal:
            parts.append("causal")
        if self.sinks:
            parts.append("sinks")
        if self.backward:
            parts.append("bwd")
        if self.block_mask:
            parts.append("bm")
        if self.row_align:
            parts.append("a%d" % self.row_align)
        if self.fp8:
            parts.append(self.fp8)
        if self.dropout_p:
            parts.append("dropout")
        if self.sage:
            parts.append("sage")
        return "-".join(parts + [h])

    def __eq__(self, other):
        return isinstance(other, AttentionSpec) and self.to_dict() == other.to_dict()

    def __hash__(self):
        return hash(self.key())

    def __repr__(self):
        d = self.to_dict()
        default = AttentionSpec(self.dtype, self.head_dim, None, self.num_heads_q).to_dict()
        keep = ["dtype", "head_dim", "num_heads_q", "num_heads_kv"]
        args = ["%s=%r" % (k, tuple(d[k]) if k in ("window", "fp8_scales") else d[k])
                for k in _FIELDS
                if k in d and (k in keep or d[k] != default.get(k))]
        return "AttentionSpec(%s)" % ", ".join(args)

    # --- IR ---------------------------------------------------------------------------------

    @property
    def head_dim_out(self):
        return self.head_dim_v or self.head_dim

    def _block_mask_ir(self, ins):
        """The block mask's operands (appended to ins) and region, as attn.mha spells them."""
        m = self.block_mask
        names = ["kv_num_blocks", "kv_indices"]
        if m["full"]:
            names += ["full_kv_num_blocks", "full_kv_indices"]
        for n in names:
            ins.append((n, "tensor<?x?x?xi32>" if n.endswith("blocks") else "tensor<?x?x?x?xi32>"))
        text = " block_mask(%kv_num_blocks, %kv_indices)"
        if m["full"]:
            text += " full_blocks(%full_kv_num_blocks, %full_kv_indices)"
        if m["mask_mod"]:
            # The region is not isolated from the function: its value names get a prefix
            # so that they cannot redefine the function's (%q, %k, %v, ...).
            text_ = re.sub(r"%([A-Za-z_0-9][\w$.-]*)",
                           lambda g: g.group(0) if g.group(1) in ("b", "h", "q_idx", "kv_idx")
                           else "%mm_" + g.group(1), m["mask_mod"])
            body = "\n".join("    " + line for line in text_.splitlines())
            text += (" mask_mod {\n  ^bb0(%b: index, %h: index, %q_idx: index, %kv_idx: index):\n"
                     + body + "\n  }")
        return text

    def _sage_ir(self, ins):
        """SAGE's descales (appended to ins), as attn.mha spells them (k_mean: ir())."""
        hq, hkv = self.num_heads_q, self.num_heads_kv
        ins += [("q_descale", "tensor<?x%dx?xf32>" % hq), ("k_descale", "tensor<?x%dx?xf32>" % hkv),
                ("v_descale", "tensor<?x%dx%dxf32>" % (hkv, self.head_dim_out))]
        return " descale(%q_descale, %k_descale, %v_descale)"

    def _fp8_ir(self, ins):
        """The fp8 scales' operands (appended to ins), as the ops spell them."""
        if self.sage:
            return self._sage_ir(ins)
        hkv = self.num_heads_kv
        shapes = {0: "tensor<f32>", 1: "tensor<%dxf32>" % hkv, 2: "tensor<?x%dxf32>" % hkv,
                  3: "tensor<?x%dx%dxf32>" % (self.block_size or 1, hkv)}
        if self.mla:  # one kv_scale, [] or [NB, BS]
            shapes[2] = "tensor<?x%dxf32>" % self.block_size
            ins.append(("kv_scale", shapes[self.fp8_scales[0]]))
            return " kv_scale(%kv_scale)"
        names = ("k_scale", "v_scale") if self.paged else ("q_descale", "k_descale", "v_descale")
        for n, r in zip(names, self.fp8_scales):
            ins.append((n, shapes[r]))
        return " %s(%s)" % ("kv_scale" if self.paged else "descale",
                            ", ".join("%" + n for n in names))

    def _attrs(self):
        a = []
        if self.block_mask:
            a.append("q_block_size = %d : i64" % self.block_mask["q_block_size"])
            a.append("kv_block_size = %d : i64" % self.block_mask["kv_block_size"])
        if self.mla:
            a.append("kv_lora_rank = %d : i64" % self.head_dim_out)
        elif self.paged:
            a.append('attn.paged_mode = "%s"' % self.paged_mode)
        if self.row_align:
            a.append("attn.align = %d : i64" % self.row_align)
        if self.sage:
            a.append("q_scale_block = %d : i64" % self.sage["q_block"])
            a.append("k_scale_block = %d : i64" % self.sage["k_block"])
        if self.causal:
            a.append("causal")
        if self.scale is not None:
            a.append("scale = %s : f32" % _mlir_f32(self.scale))
        if self.window[0] >= 0:
            a.append("window_left = %d : i64" % self.window[0])
        if self.window[1] >= 0:
            a.append("window_right = %d : i64" % self.window[1])
        if self.softcap > 0:
            a.append("softcap = %s : f32" % _mlir_f32(self.softcap))
        if self.dropout_p:
            a.append("dropout_p = %s : f32" % _mlir_f32(self.dropout_p))
        return " {%s}" % ", ".join(a) if a else ""

    def ir(self, func_name="attention"):
        """The attn-dialect MLIR of one function @func_name with this variant's op
        (kernel name <func_name>_attn0; a paged op adds <func_name>_attn0_merge)."""
        t, d, dv = self.dtype, self.head_dim, self.head_dim_out
        hq, hkv = self.num_heads_q, self.num_heads_kv
        # fp8: q, k, v (paged: the caches) in the fp8 type; out (paged: q too) in dtype.
        f8 = FP8_FORMATS[self.fp8] if self.fp8 else t
        # SAGE: q and k are i8, v in the fp8 format.
        qk, f8 = ("i8", f8) if self.sage else (f8, f8)
        if self.mla:
            bs = self.block_size
            q, kv = "tensor<?x%dx%dx%s>" % (hq, d, t), "tensor<?x%dx%dx%s>" % (bs, d, f8)
            out, lse = "tensor<?x%dx%dx%s>" % (hq, dv, t), "tensor<%dx?xf32>" % hq
            ins = [("q", q), ("kv_cache", kv), ("block_tables", "tensor<?x?xi32>"),
                   ("seq_lens", "tensor<?xi32>"), ("query_start_loc", "tensor<?xi32>")]
            op = "attn.mla"
        elif self.paged:
            bs = self.block_size
            q, k, v = ("tensor<?x%dx%dx%s>" % (hq, d, t), "tensor<?x%dx%dx%dx%s>" % (bs, hkv, d, f8),
                       "tensor<?x%dx%dx%dx%s>" % (bs, hkv, dv, f8))
            out, lse = "tensor<?x%dx%dx%s>" % (hq, dv, t), "tensor<%dx?xf32>" % hq
            ins = [("q", q), ("k_cache", k), ("v_cache", v), ("block_tables", "tensor<?x?xi32>"),
                   ("seq_lens", "tensor<?xi32>"), ("query_start_loc", "tensor<?xi32>")]
            op = "attn.paged_attention"
        elif self.varlen:
            q, k, v = ("tensor<?x%dx%dx%s>" % (hq, d, qk), "tensor<?x%dx%dx%s>" % (hkv, d, qk),
                       "tensor<?x%dx%dx%s>" % (hkv, dv, f8))
            out, lse = "tensor<?x%dx%dx%s>" % (hq, dv, t), "tensor<%dx?xf32>" % hq
            ins = [("q", q), ("k", k), ("v", v), ("cu_seqlens_q", "tensor<?xi32>"),
                   ("cu_seqlens_k", "tensor<?xi32>")]
            op = "attn.mha_varlen"
        else:
            q, k, v = ("tensor<?x%dx?x%dx%s>" % (hq, d, qk), "tensor<?x%dx?x%dx%s>" % (hkv, d, qk),
                       "tensor<?x%dx?x%dx%s>" % (hkv, dv, f8))
            out, lse = "tensor<?x%dx?x%dx%s>" % (hq, dv, t), "tensor<?x%dx?xf32>" % hq
            ins = [("q", q), ("k", k), ("v", v)]
            op = "attn.mha"
        if self.backward:
            # The forward's tensors, then its out and lse and the gradient of out.
            ins = ins[:3] + [("out", out), ("dout", out), ("lse", lse)] + ins[3:]
            op = "attn.mha_varlen_bwd" if self.varlen else "attn.mha_bwd"
        operands = ", ".join("%" + n for n, _ in ins)
        alibi = ""
        if self.alibi:
            ins.append(("alibi_slopes", "tensor<%dxf32>" % hq))
            alibi = " alibi(%alibi_slopes)"
        if self.sinks:
            ins.append(("sinks", "tensor<%dxf32>" % hq))
            alibi += " sinks(%sinks)"
        if self.block_mask:
            alibi += self._block_mask_ir(ins)
        if self.fp8:
            alibi += self._fp8_ir(ins)
        if self.dropout_p:  # after the descales: dropout's run-time [seed, offset]
            ins.append(("rng_state", "tensor<2xi64>"))
            alibi += " rng_state(%rng_state)"
        if self.sage and self.sage["k_mean"]:  # the last operand: SAGE's k_mean
            ins.append(("k_mean", "tensor<?x%dx%dxf32>" % (self.num_heads_kv, self.head_dim)))
            alibi += " k_mean(%k_mean)"
        results = [out, lse] if self.return_lse else [out]
        names = ["%out", "%lse"] if self.return_lse else ["%out"]
        if self.backward:
            results, names = [q, k, v], ["%dq", "%dk", "%dv"]
        res_types = ", ".join(results)
        res_sig = "(%s)" % res_types if len(results) > 1 else res_types
        params = ",\n    ".join("%%%s: %s" % (n, ty) for n, ty in ins)
        in_types = ", ".join(ty for _, ty in ins)
        return (
            "// %r\n"
            "func.func @%s(%s)\n    -> %s {\n"
            "  %s = %s %s%s%s\n"
            "      : (%s)\n      -> %s\n"
            "  return %s : %s\n"
            "}\n" % (self, func_name, params, res_sig, ", ".join(names), op, operands, alibi,
                     self._attrs(), in_types, res_sig, ", ".join(names), res_types))

    # --- the AOT grid flags that select exactly this spec ---------------------------------------

    def aot_flags(self):
        """`python3 -m attnc.aot` grid flags for this spec, or None when the grid cannot
        express it (explicit scale, head_dim_v != head_dim, paged)."""
        if (self.scale is not None or self.head_dim_v is not None or self.paged or self.backward
                or self.block_mask or self.row_align or self.fp8 or self.dropout_p):
            return None
        return ("--dtype %s --head-dim %d --heads %d:%d --causal %d --lse %d --alibi %d "
                "--varlen %d --window %d:%d --softcap %s%s"
                % (self.dtype, self.head_dim, self.num_heads_q, self.num_heads_kv,
                   self.causal, self.return_lse, self.alibi, self.varlen, self.window[0],
                   self.window[1], ("%g" % self.softcap), " --sinks 1" if self.sinks else ""))
