"""Block-sparse and custom masks (docs/masks.md): FlexAttention's BlockMask for
attnc.torch.attention / attention_varlen (`block_mask=`).

A BlockMask holds FlexAttention's int32 tensors (kv_num_blocks, kv_indices and
optionally full_kv_num_blocks, full_kv_indices) and block sizes, plus an optional
element mask for the partial blocks, a MaskMod: the same predicate of (b, h, q_idx,
kv_idx) written twice, as the body of the op's `mask_mod` region (MLIR arith ops on
`index` values, compiled into the kernel) and as a Python function of integer torch
tensors (used by create_block_mask and by references). Named MaskMods:
causal(), document_causal(lengths), prefix_lm(prefix), sliding_chunks(chunk).

    import attnc, attnc.torch as at
    mm = attnc.masks.document_causal([300, 500, 224])           # documents in 1024 tokens
    bm = attnc.masks.create_block_mask(mm, None, None, 1024, 1024, BLOCK_SIZE=128)
    out = at.attention(q, k, v, block_mask=bm)

A key is visible iff its block is listed as full, or listed as partial and mask_mod holds
(always, without one), and the call's causal / window masks allow it; unlisted blocks
are never read. Indices q_idx / kv_idx are raw positions (varlen: within the sequence).
The MLIR text is part of the kernel variant: a new document layout is a new kernel (the
boundaries are constants), as FlexAttention recompiles for a new mask_mod.
"""

__all__ = ["MaskMod", "BlockMask", "create_block_mask", "causal", "document_causal",
           "prefix_lm", "sliding_chunks"]


class MaskMod:
    """mask_mod(b, h, q_idx, kv_idx) -> bool.

    mlir: the region body, ops on the index values %b, %h, %q_idx, %kv_idx ending in
    `attn.yield %v : i1` (pure arith ops only: the dialect's verifier checks it).
    fn: the same predicate on broadcastable integer torch tensors (returns a bool tensor).
    name: for messages and repr.
    """

    def __init__(self, mlir, fn, name="mask_mod"):
        if not isinstance(mlir, str) or "attn.yield" not in mlir:
            raise ValueError("MaskMod: mlir must be the region body ending in attn.yield")
        self.mlir, self.fn, self.name = mlir.strip(), fn, name

    def __call__(self, b, h, q_idx, kv_idx):
        return self.fn(b, h, q_idx, kv_idx)

    def __repr__(self):
        return "MaskMod(%s)" % self.name


def causal():
    """q_idx >= kv_idx (top-left aligned, as FlexAttention's causal mask_mod)."""
    return MaskMod("%v = arith.cmpi sge, %q_idx, %kv_idx : index\nattn.yield %v : i1",
                   lambda b, h, q, kv: q >= kv, "causal")


def document_causal(lengths):
    """Causal attention inside each document of a packed sequence: documents of the given
    lengths follow each other from position 0 (the positions past their sum belong to a
    last document). The boundaries are constants of the kernel."""
    lengths = [int(n) for n in lengths]
    if any(n < 0 for n in lengths):
        raise ValueError("document_causal: lengths must be >= 0, got %r" % (lengths,))
    bounds, total = [], 0
    for n in lengths[:-1]:
        total += n
        bounds.append(total)
    # Same document iff q_idx and kv_idx lie on the same side of every boundary: i1 ops
    # only (a per-element document number in i64 spilled on sm_90a at D = 128 with seven
    # boundaries: 48 bytes, ptxas).
    lines, same = [], None
    for i, bnd in enumerate(bounds):
        lines += ["%%c%d = arith.constant %d : index" % (i, bnd),
                  "%%q%d = arith.cmpi sge, %%q_idx, %%c%d : index" % (i, i),
                  "%%k%d = arith.cmpi sge, %%kv_idx, %%c%d : index" % (i, i),
                  "%%e%d = arith.cmpi eq, %%q%d, %%k%d : i1" % (i, i, i)]
        if same is None:
            same = "%%e%d" % i
        else:
            lines.append("%%s%d = arith.andi %s, %%e%d : i1" % (i, same, i))
            same = "%%s%d" % i
    lines.append("%causal = arith.cmpi sge, %q_idx, %kv_idx : index")
    if same is None:
        lines.append("attn.yield %causal : i1")
    else:
        lines += ["%%v = arith.andi %s, %%causal : i1" % same, "attn.yield %v : i1"]

    def fn(b, h, q, kv):
        import torch
        bt = torch.tensor(bounds, dtype=torch.int64, device=q.device)
        doc = lambda x: (x.unsqueeze(-1) >= bt).sum(-1) if bounds else x * 0
        return (doc(q) == doc(kv)) & (q >= kv)
    return MaskMod("\n".join(lines), fn, "document_causal(%r)" % (lengths,))


def prefix_lm(prefix):
    """Prefix-LM: the first `prefix` keys are visible to every query, causal after."""
    prefix = int(prefix)
    return MaskMod("%p = arith.constant {0} : index\n"
                   "%in_prefix = arith.cmpi slt, %kv_idx, %p : index\n"
                   "%causal = arith.cmpi sge, %q_idx, %kv_idx : index\n"
                   "%v = arith.ori %in_prefix, %causal : i1\n"
                   "attn.yield %v : i1".format(prefix),
                   lambda b, h, q, kv: (kv < prefix) | (q >= kv), "prefix_lm(%d)" % prefix)


def sliding_chunks(chunk):
    """Causal attention within the query's chunk of `chunk` positions and the chunk
    before it (chunked local attention that slides by whole chunks)."""
    chunk = int(chunk)
    if chunk < 1:
        raise ValueError("sliding_chunks: chunk must be >= 1, got %d" % chunk)
    return MaskMod("%c = arith.constant {0} : index\n"
                   "%one = arith.constant 1 : index\n"
                   "%qc = arith.floordivsi %q_idx, %c : index\n"
                   "%kc = arith.floordivsi %kv_idx, %c : index\n"
                   "%lo = arith.subi %qc, %one : index\n"
                   "%near = arith.cmpi sge, %kc, %lo : index\n"
                   "%causal = arith.cmpi sge, %q_idx, %kv_idx : index\n"
                   "%v = arith.andi %near, %causal : i1\n"
                   "attn.yield %v : i1".format(chunk),
                   lambda b, h, q, kv: (kv // chunk >= q // chunk - 1) & (q >= kv),
                   "sliding_chunks(%d)" % chunk)


def _block_sizes(BLOCK_SIZE):
    if isinstance(BLOCK_SIZE, int):
        qb = kvb = BLOCK_SIZE
    else:
        try:
            qb, kvb = BLOCK_SIZE
        except (TypeError, ValueError):
            raise ValueError("BlockMask: BLOCK_SIZE must be an int or (Q_BLOCK_SIZE, "
                             "KV_BLOCK_SIZE), got %r" % (BLOCK_SIZE,))
    qb, kvb = int(qb), int(kvb)
    if qb < 1 or kvb < 1:
        raise ValueError("BlockMask: block sizes must be >= 1, got %r" % ((qb, kvb),))
    return qb, kvb


class BlockMask:
    """FlexAttention's BlockMask form: int32 tensors on the device of q.

    kv_num_blocks (B', H', NQB), kv_indices (B', H', NQB, NKB): the partial key blocks of
    each query block (the first kv_num_blocks entries); full_kv_num_blocks /
    full_kv_indices (same shapes, optional): the full ones. B' is B or 1, H' is Hq or 1.
    BLOCK_SIZE: int or (Q_BLOCK_SIZE, KV_BLOCK_SIZE) as FlexAttention. mask_mod: a MaskMod
    for the partial blocks, or None (partial blocks wholly visible).
    """

    def __init__(self, kv_num_blocks, kv_indices, full_kv_num_blocks=None,
                 full_kv_indices=None, BLOCK_SIZE=128, mask_mod=None):
        if (full_kv_num_blocks is None) != (full_kv_indices is None):
            raise ValueError("BlockMask: full_kv_num_blocks and full_kv_indices go together")
        if mask_mod is not None and not isinstance(mask_mod, MaskMod):
            raise TypeError("BlockMask: mask_mod must be an attnc.masks.MaskMod (MLIR region "
                            "body + Python function), got %r" % (mask_mod,))
        self.kv_num_blocks, self.kv_indices = kv_num_blocks, kv_indices
        self.full_kv_num_blocks, self.full_kv_indices = full_kv_num_blocks, full_kv_indices
        self.q_block_size, self.kv_block_size = _block_sizes(BLOCK_SIZE)
        self.mask_mod = mask_mod

    @property
    def BLOCK_SIZE(self):
        return (self.q_block_size, self.kv_block_size)

    def spec_field(self):
        """The static part (AttentionSpec's block_mask field), as sorted (name, value) pairs
        (hashable: the launch cache keys on it)."""
        return tuple(sorted({"q_block_size": self.q_block_size,
                             "kv_block_size": self.kv_block_size,
                             "full": self.full_kv_num_blocks is not None,
                             "mask_mod": self.mask_mod.mlir if self.mask_mod is not None
                             else None}.items()))

    def to_dense(self, B, H, Q_LEN, KV_LEN):
        """The (B, H, Q_LEN, KV_LEN) bool visibility this mask means (without the call's
        causal / window masks): for references and tests."""
        import torch
        dev = self.kv_num_blocks.device

        def listed(num, idx):
            nkb = idx.shape[-1]
            t = torch.arange(nkb, device=dev)
            valid = t < num.long().unsqueeze(-1)                        # B' H' NQB NKB
            hit = torch.zeros(num.shape + (nkb + 1,), dtype=torch.bool, device=dev)
            col = torch.where(valid & (idx >= 0) & (idx < nkb), idx.long(),
                              torch.full_like(idx.long(), nkb))
            hit.scatter_(-1, col, torch.ones_like(col, dtype=torch.bool))
            return hit[..., :nkb]                                        # by key block

        qi = torch.arange(Q_LEN, device=dev)
        ki = torch.arange(KV_LEN, device=dev)
        qb, kb = qi // self.q_block_size, ki // self.kv_block_size

        def expand(blocks):
            blocks = blocks.expand(B, H, -1, -1)
            nqb, nkb = blocks.shape[-2:]
            q = qb.clamp(max=nqb - 1)
            rows = blocks[:, :, q, :]                                    # B H Q NKB
            k = kb.clamp(max=nkb - 1)
            cols = rows[..., k] & (kb < nkb)
            return cols

        part = expand(listed(self.kv_num_blocks, self.kv_indices))
        if self.mask_mod is not None:
            b = torch.arange(B, device=dev).view(B, 1, 1, 1)
            h = torch.arange(H, device=dev).view(1, H, 1, 1)
            part = part & self.mask_mod.fn(b, h, qi.view(1, 1, -1, 1), ki.view(1, 1, 1, -1))
        if self.full_kv_num_blocks is not None:
            part = part | expand(listed(self.full_kv_num_blocks, self.full_kv_indices))
        return part

    def __repr__(self):
        return ("BlockMask(shape=%s, BLOCK_SIZE=%r, full=%s, mask_mod=%r)"
                % (tuple(self.kv_indices.shape), self.BLOCK_SIZE,
                   self.full_kv_num_blocks is not None, self.mask_mod))


def _lists(blocks):
    """(count, indices) int32 of a (..., NKB) bool tensor: the set blocks first, ascending."""
    import torch
    count = blocks.sum(-1).to(torch.int32)
    order = torch.sort((~blocks).to(torch.int8), dim=-1, stable=True).indices
    return count, order.to(torch.int32)


def create_block_mask(mask_mod, B, H, Q_LEN, KV_LEN, device="cpu", BLOCK_SIZE=128):
    """A BlockMask from a MaskMod, as FlexAttention's create_block_mask: each (query block,
    key block) whose elements (within Q_LEN x KV_LEN) mask_mod shows all is full, some is
    partial, none is skipped. B / H None: broadcast (one list for all)."""
    import torch
    qbs, kvbs = _block_sizes(BLOCK_SIZE)
    nb, nh = 1 if B is None else int(B), 1 if H is None else int(H)
    nqb, nkb = -(-int(Q_LEN) // qbs), -(-int(KV_LEN) // kvbs)
    b = torch.arange(nb, device=device).view(nb, 1, 1, 1)
    h = torch.arange(nh, device=device).view(1, nh, 1, 1)
    q = torch.arange(nqb * qbs, device=device).view(1, 1, -1, 1)
    kv = torch.arange(nkb * kvbs, device=device).view(1, 1, 1, -1)
    dense = mask_mod.fn(b, h, q, kv).expand(nb, nh, nqb * qbs, nkb * kvbs)
    inside = (q < Q_LEN) & (kv < KV_LEN)
    blocks = lambda x: x.reshape(nb, nh, nqb, qbs, nkb, kvbs)
    anyv = blocks(dense & inside).any(5).any(3)
    allv = blocks(dense | ~inside).all(5).all(3)
    full, partial = anyv & allv, anyv & ~allv
    n, i = _lists(partial)
    fn, fi = _lists(full)
    return BlockMask(n, i, fn, fi, (qbs, kvbs), mask_mod)
