//===- AttnOps.td - the attn dialect ---------------------------*- tablegen -*-===//
//
// The attn dialect: one op per attention. Everything downstream of these ops
// (passes, lowering, runtime) is C11 over the MLIR C API; this file and its
// small C++ glue are the only C++ in attnc.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_OPS_TD
#define ATTN_OPS_TD

include "mlir/IR/OpBase.td"
include "mlir/IR/AttrTypeBase.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

def Attn_Dialect : Dialect {
  let name = "attn";
  let cppNamespace = "::attn";
  let summary = "Attention as a handful of high-level ops";
  let description = [{
    `attn` expresses scaled dot-product attention (MHA/GQA/MQA, varlen) as a
    single op per attention on tensors. Passes tile and fuse it into a
    flash-attention kernel IR that lowers to AMD, NVIDIA and host CPU code.
  }];
}

class Attn_Op<string mnemonic, list<Trait> traits = []>
    : Op<Attn_Dialect, mnemonic, traits>;

// Operand and result types. ODS only checks that they are tensors: its own
// messages name values by index ("operand #3"), so rank and element type
// (f16/bf16/f32 for q/k/v/out, fp8 where docs/fp8.md says, f32 for lse,
// alibi_slopes and scales, i32 for cu_seqlens) are checked by the verifiers,
// which name the operand.
class Attn_TensorOf<string elements>
    : Type<IsTensorTypePred, "tensor of " # elements # " values", "::mlir::TensorType">;
def Attn_Tensor : Attn_TensorOf<"16-bit float, bfloat16 or 32-bit float">;
def Attn_F32Tensor : Attn_TensorOf<"32-bit float">;
def Attn_I32Tensor : Attn_TensorOf<"32-bit signless integer">;
def Attn_I64Tensor : Attn_TensorOf<"64-bit signless integer">;

// Attributes shared by every attention op. They are inherent and stored as
// properties; absence means "default" (scale = 1/sqrt(D), unbounded window,
// no softcap, not causal).
defvar Attn_CommonAttrs = (ins
  OptionalAttr<F32Attr>:$scale,
  UnitAttr:$causal,
  OptionalAttr<I64Attr>:$window_left,
  OptionalAttr<I64Attr>:$window_right,
  OptionalAttr<F32Attr>:$softcap
);

// Dropout on the attention probabilities (FlashAttention's semantics): each
// probability is kept with probability 1 - dropout_p and then scaled by
// 1 / (1 - dropout_p). The keep mask is a pure function of (seed, offset,
// batch, head, query row, key) through a counter-based generator, so the
// backward regenerates it instead of storing it. Absent dropout_p means 0.
defvar Attn_DropoutAttrs = (ins
  OptionalAttr<F32Attr>:$dropout_p,
  OptionalAttr<I64Attr>:$seed,
  OptionalAttr<I64Attr>:$offset
);

// The Philox state read at run time instead of the seed / offset attributes
// (FlashAttention 2's rng_state: tensor<2xi64> holding [seed, offset]), so
// one compiled kernel serves every training step. dropout_p stays an
// attribute: it is part of the kernel (its threshold and scale are
// constants). It is the last operand group of the backward ops, and of
// attn.mha / attn.mha_varlen but for SAGE's k_mean, which came after it.
defvar Attn_RngStateOperand = (ins Optional<Attn_I64Tensor>:$rng_state);

// Block-sparse and custom masks (FlexAttention's BlockMask; docs/masks.md).
// For each (batch, head, query block of q_block_size rows): kv_num_blocks
// partial key blocks listed in kv_indices (the element mask region decides
// per element) and full_kv_num_blocks full key blocks listed in
// full_kv_indices (every element visible); key blocks in neither list are
// skipped and never read. All are int32; batch and head dims may be 1
// (broadcast).
defvar Attn_BlockMaskOperands = (ins
  Optional<Attn_I32Tensor>:$kv_num_blocks,
  Optional<Attn_I32Tensor>:$kv_indices,
  Optional<Attn_I32Tensor>:$full_kv_num_blocks,
  Optional<Attn_I32Tensor>:$full_kv_indices
);
defvar Attn_BlockMaskAttrs = (ins
  OptionalAttr<I64Attr>:$q_block_size,
  OptionalAttr<I64Attr>:$kv_block_size
);

// fp8 attention (docs/fp8.md): with q, k and v of one fp8 type
// (f8E4M3FN or f8E4M3FNUZ) the op takes the three descales, f32 tensors of
// rank 0 (per tensor), 1 (Hkv: per KV head) or 2 (B x Hkv: per batch and
// KV head, FA3's), and computes attention of (q * q_descale, k * k_descale,
// v * v_descale); query head h uses KV head h / (Hq / Hkv)'s descales. The
// result element type (bf16 or f16) is out's. They come after every other
// optional operand.
defvar Attn_DescaleOperands = (ins
  Optional<Attn_F32Tensor>:$q_descale,
  Optional<Attn_F32Tensor>:$k_descale,
  Optional<Attn_F32Tensor>:$v_descale
);

// SAGE-style quantized attention (docs/fp8.md, "SAGE"): q and k signless
// i8, v fp8, with the descales in SAGE's granularities (q_descale
// B x Hq x ceil(Sq / q_scale_block), k_descale B x Hkv x ceil(Sk /
// k_scale_block), v_descale B x Hkv x Dv, per channel) and optionally the
// mean that was subtracted from K before quantizing it (k_mean:
// B x Hkv x D f32), which the op adds back (only lse changes). The block
// sizes are attributes of the op, independent of the kernel's tiling.
defvar Attn_SageOperands = (ins
  Optional<Attn_F32Tensor>:$k_mean
);
defvar Attn_SageAttrs = (ins
  OptionalAttr<I64Attr>:$q_scale_block,
  OptionalAttr<I64Attr>:$k_scale_block
);

def Attn_MhaOp : Attn_Op<"mha", [Pure, AttrSizedOperandSegments]> {
  let summary = "batched multi-head (GQA/MQA) scaled dot-product attention";
  let description = [{
    `q: tensor<B x Hq x Sq x D>`, `k: tensor<B x Hkv x Sk x D>`,
    `v: tensor<B x Hkv x Sk x Dv>`, optional `alibi_slopes: tensor<Hq x f32>`,
    optional `sinks: tensor<Hq x f32>`.
    Result `out: tensor<B x Hq x Sq x Dv>` (element type of q) and optionally
    `lse: tensor<B x Hq x Sq x f32>`, the natural-log log-sum-exp of the
    scaled, soft-capped, biased and masked logits of each row.

    Query row i sees key j iff (with off = Sk - Sq, i.e. bottom-right aligned)
    `!causal || j <= i + off`, `j >= i + off - window_left` and
    `j <= i + off + window_right` (absent windows are unbounded).
    logit = scale * q.k; softcap: logit = softcap * tanh(logit / softcap);
    alibi: logit += -slope[h] * |i + off - j|; then mask and softmax.
    Rows that see no key produce 0 and lse = -inf. With `dropout_p` > 0 each
    softmax probability is kept with probability 1 - dropout_p and scaled by
    1 / (1 - dropout_p) (the keep mask from `seed` and `offset`); lse is that
    of the probabilities before dropout. dropout_p is a compile-time
    attribute; the Philox seed and offset may instead be read at run time
    from `rng_state(%rng_state)`, a `tensor<2xi64>` holding [seed, offset]
    (FlashAttention 2's rng_state), after the descales (only SAGE's
    k_mean follows it); it needs dropout_p > 0 and excludes the `seed` and
    `offset` attributes.

    Optional `sinks: tensor<Hq x f32>` (attention sinks, as in gpt-oss): a
    per-head logit (natural-log domain, not scaled, capped or biased) that
    joins every row's softmax denominator without a value:
    out = sum_j exp(s_j - m) v_j / (exp(sinks[h] - m) + sum_j exp(s_j - m)),
    and lse = log(exp(sinks[h]) + sum_j exp(s_j)). A row that sees no key
    then produces 0 and lse = sinks[h]; a sink of -inf is no sink.

    fp8 (docs/fp8.md): q, k and v of one fp8 type (f8E4M3FN or
    f8E4M3FNUZ) with `descale(%q_descale, %k_descale, %v_descale)`, f32
    tensors of shape [] (per tensor), [Hkv] or [B, Hkv]; the op is then
    attention of (q * q_descale, k * k_descale, v * v_descale), query head h
    using KV head h / (Hq / Hkv)'s descales, and out is bf16 or f16.

    SAGE (docs/fp8.md, "SAGE"): q and k i8 and v fp8 (f8E4M3FN or
    f8E4M3FNUZ) with `descale(%q_descale, %k_descale, %v_descale)` of shapes
    [B, Hq, ceil(Sq / q_scale_block)], [B, Hkv, ceil(Sk / k_scale_block)] and
    [B, Hkv, Dv], the attributes `q_scale_block` and `k_scale_block`, and
    optionally `k_mean(%k_mean)` of shape [B, Hkv, D] (f32). The op is then
    attention of (q[b, h, i, :] * q_descale[b, h, i / q_scale_block],
    k[b, g, j, :] * k_descale[b, g, j / k_scale_block] (+ k_mean[b, g, :]
    when given: the unsmoothed K), v[b, g, j, c] * v_descale[b, g, c]), g
    the KV head of h; out is bf16 or f16. k_mean shifts every logit of a
    row by the same amount, so only lse depends on it; softcap and sinks
    do not commute with that shift and are refused with k_mean.

    Optional block mask (FlexAttention's BlockMask, docs/masks.md):
    `block_mask(%kv_num_blocks, %kv_indices)` with
    `kv_num_blocks: tensor<B' x H' x NQB x i32>`,
    `kv_indices: tensor<B' x H' x NQB x NKB x i32>`, optionally
    `full_blocks(%full_kv_num_blocks, %full_kv_indices)` of the same shapes,
    attributes `q_block_size`, `kv_block_size` (NQB = ceil(Sq / q_block_size),
    NKB = ceil(Sk / kv_block_size), B' in {B, 1}, H' in {Hq, 1}), and
    optionally `mask_mod`, a region (b, h, q_idx, kv_idx : index or i64) of
    pure arith ops yielding an i1 with attn.yield. Key j is visible to row i
    iff its block is among the first full_kv_num_blocks[b][h][i / QB] entries
    of full_kv_indices, or among the first kv_num_blocks entries of
    kv_indices and mask_mod(b, h, i, j) is true (true without a region),
    and causal / windows allow it. Other blocks are never read.

    Example:
    ```mlir
    %o = attn.mha %q, %k, %v {causal} : (tensor<2x8x128x64xf16>,
        tensor<2x2x128x64xf16>, tensor<2x2x128x64xf16>) -> tensor<2x8x128x64xf16>
    ```
  }];
  let arguments = !con((ins Attn_Tensor:$q, Attn_Tensor:$k, Attn_Tensor:$v,
                            Optional<Attn_F32Tensor>:$alibi_slopes,
                            Optional<Attn_F32Tensor>:$sinks),
                       Attn_BlockMaskOperands, Attn_DescaleOperands, Attn_RngStateOperand,
                       Attn_SageOperands, Attn_CommonAttrs, Attn_DropoutAttrs,
                       Attn_BlockMaskAttrs, Attn_SageAttrs);
  let results = (outs Attn_Tensor:$out, Optional<Attn_F32Tensor>:$lse);
  // At most one region (absent: no element mask); variadic so that ops
  // written without one keep their generic form.
  let regions = (region VariadicRegion<SizedRegion<1>>:$mask_mod);
  let assemblyFormat = [{
    $q `,` $k `,` $v (`alibi` `(` $alibi_slopes^ `)`)? (`sinks` `(` $sinks^ `)`)?
    (`block_mask` `(` $kv_num_blocks^ `,` $kv_indices `)`)?
    (`full_blocks` `(` $full_kv_num_blocks^ `,` $full_kv_indices `)`)?
    (`descale` `(` $q_descale^ `,` $k_descale `,` $v_descale `)`)?
    (`rng_state` `(` $rng_state^ `)`)?
    (`k_mean` `(` $k_mean^ `)`)?
    (`mask_mod` $mask_mod^)? attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Attn_MhaVarlenOp : Attn_Op<"mha_varlen", [Pure, AttrSizedOperandSegments]> {
  let summary = "attention over packed variable-length sequences";
  let description = [{
    Packed `q: tensor<Tq x Hq x D>`, `k: tensor<Tk x Hkv x D>`,
    `v: tensor<Tk x Hkv x Dv>`, `cu_seqlens_q: tensor<(B+1) x i32>`,
    `cu_seqlens_k: tensor<(B+1) x i32>`, optional `alibi_slopes`, optional
    `sinks`.
    Results `out: tensor<Tq x Hq x Dv>`, optional `lse: tensor<Hq x Tq x f32>`.
    Sequence b owns query tokens [cu_seqlens_q[b], cu_seqlens_q[b+1]) and keys
    [cu_seqlens_k[b], cu_seqlens_k[b+1]); masks and alibi use indices local to
    the sequence, exactly as attn.mha. Precondition on the data: both
    cu_seqlens start at 0, are non-decreasing and end at most at Tq (Tk).
    Query tokens past cu_seqlens_q[B] produce 0 and lse = -inf. Optional
    `sinks: tensor<Hq x f32>` as in attn.mha (a row that sees no key gives 0
    and lse = sinks[h]; tokens past cu_seqlens_q[B] too). Optional block
    mask as in attn.mha, per sequence: B' in {B, 1}, query blocks and
    mask_mod's q_idx / kv_idx local to the sequence, NQB and NKB at least
    the blocks of the longest sequence. fp8 q, k, v with
    `descale(%q_descale, %k_descale, %v_descale)` as in attn.mha (B is the
    number of sequences). Dropout and `rng_state(%rng_state)` as in
    attn.mha, b the sequence. SAGE (i8 q and k, fp8 v) as in attn.mha, per
    sequence: B the number of sequences, row i / q_scale_block and key
    j / k_scale_block local to the sequence, the descales' last dims NQB
    and NKB at least the blocks of the longest sequence, k_mean[b] the
    mean of sequence b (any vector per sequence and KV head is exact).
  }];
  let arguments = !con((ins Attn_Tensor:$q, Attn_Tensor:$k, Attn_Tensor:$v,
                            Attn_I32Tensor:$cu_seqlens_q,
                            Attn_I32Tensor:$cu_seqlens_k,
                            Optional<Attn_F32Tensor>:$alibi_slopes,
                            Optional<Attn_F32Tensor>:$sinks),
                       Attn_BlockMaskOperands, Attn_DescaleOperands, Attn_RngStateOperand,
                       Attn_SageOperands, Attn_CommonAttrs, Attn_DropoutAttrs,
                       Attn_BlockMaskAttrs, Attn_SageAttrs);
  let results = (outs Attn_Tensor:$out, Optional<Attn_F32Tensor>:$lse);
  let regions = (region VariadicRegion<SizedRegion<1>>:$mask_mod);
  let assemblyFormat = [{
    $q `,` $k `,` $v `,` $cu_seqlens_q `,` $cu_seqlens_k
    (`alibi` `(` $alibi_slopes^ `)`)? (`sinks` `(` $sinks^ `)`)?
    (`block_mask` `(` $kv_num_blocks^ `,` $kv_indices `)`)?
    (`full_blocks` `(` $full_kv_num_blocks^ `,` $full_kv_indices `)`)?
    (`descale` `(` $q_descale^ `,` $k_descale `,` $v_descale `)`)?
    (`rng_state` `(` $rng_state^ `)`)?
    (`k_mean` `(` $k_mean^ `)`)?
    (`mask_mod` $mask_mod^)? attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Attn_MhaBwdOp : Attn_Op<"mha_bwd", [Pure, AttrSizedOperandSegments]> {
  let summary = "gradients of attn.mha with respect to q, k and v";
  let description = [{
    The forward's operands `q: tensor<B x Hq x Sq x D>`,
    `k: tensor<B x Hkv x Sk x D>`, `v: tensor<B x Hkv x Sk x Dv>`, its results
    `out: tensor<B x Hq x Sq x Dv>` and `lse: tensor<B x Hq x Sq x f32>`, the
    gradient of the loss with respect to out, `dout` (shape and element type
    of out), and optionally the forward's `alibi_slopes: tensor<Hq x f32>`.
    Results `dq`, `dk`, `dv`: the exact gradients of the loss with respect to
    q, k and v, in their shapes and element types, for the attn.mha with the
    same attributes (scale, causal, windows, softcap's tanh derivative
    included; alibi slopes are constants and get no gradient). Query rows
    that see no key contribute nothing: their dq is 0, and they add nothing
    to dk and dv. With `dropout_p` > 0 the keep mask of the forward is
    regenerated from `seed` and `offset`, or from `rng_state(%rng_state)`
    (`tensor<2xi64>`, [seed, offset], read at run time; the last operand,
    after alibi), which must hold what the forward's held.

    Example:
    ```mlir
    %dq, %dk, %dv = attn.mha_bwd %q, %k, %v, %o, %do, %lse {causal}
        : (tensor<2x8x128x64xf16>, tensor<2x2x128x64xf16>, tensor<2x2x128x64xf16>,
           tensor<2x8x128x64xf16>, tensor<2x8x128x64xf16>, tensor<2x8x128xf32>)
        -> (tensor<2x8x128x64xf16>, tensor<2x2x128x64xf16>, tensor<2x2x128x64xf16>)
    ```
  }];
  let arguments = !con((ins Attn_Tensor:$q, Attn_Tensor:$k, Attn_Tensor:$v,
                            Attn_Tensor:$out, Attn_Tensor:$dout, Attn_F32Tensor:$lse,
                            Optional<Attn_F32Tensor>:$alibi_slopes),
                       Attn_RngStateOperand, Attn_CommonAttrs, Attn_DropoutAttrs);
  let results = (outs Attn_Tensor:$dq, Attn_Tensor:$dk, Attn_Tensor:$dv);
  let assemblyFormat = [{
    $q `,` $k `,` $v `,` $out `,` $dout `,` $lse (`alibi` `(` $alibi_slopes^ `)`)?
    (`rng_state` `(` $rng_state^ `)`)? attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Attn_MhaVarlenBwdOp : Attn_Op<"mha_varlen_bwd", [Pure, AttrSizedOperandSegments]> {
  let summary = "gradients of attn.mha_varlen with respect to q, k and v";
  let description = [{
    attn.mha_bwd over packed sequences: `q: tensor<Tq x Hq x D>`,
    `k: tensor<Tk x Hkv x D>`, `v: tensor<Tk x Hkv x Dv>`,
    `out` and `dout: tensor<Tq x Hq x Dv>`, `lse: tensor<Hq x Tq x f32>`,
    `cu_seqlens_q`, `cu_seqlens_k: tensor<(B+1) x i32>`, optional
    `alibi_slopes`. Results `dq`, `dk`, `dv` in the shapes and element types
    of q, k and v: the gradients of the attn.mha_varlen with the same
    attributes. Query tokens past cu_seqlens_q[B] get dq = 0; keys past
    cu_seqlens_k[B] get dk = dv = 0. Dropout and `rng_state(%rng_state)`
    (the last operand, after alibi) as in attn.mha_bwd.
  }];
  let arguments = !con((ins Attn_Tensor:$q, Attn_Tensor:$k, Attn_Tensor:$v,
                            Attn_Tensor:$out, Attn_Tensor:$dout, Attn_F32Tensor:$lse,
                            Attn_I32Tensor:$cu_seqlens_q,
                            Attn_I32Tensor:$cu_seqlens_k,
                            Optional<Attn_F32Tensor>:$alibi_slopes),
                       Attn_RngStateOperand, Attn_CommonAttrs, Attn_DropoutAttrs);
  let results = (outs Attn_Tensor:$dq, Attn_Tensor:$dk, Attn_Tensor:$dv);
  let assemblyFormat = [{
    $q `,` $k `,` $v `,` $out `,` $dout `,` $lse `,` $cu_seqlens_q `,` $cu_seqlens_k
    (`alibi` `(` $alibi_slopes^ `)`)? (`rng_state` `(` $rng_state^ `)`)? attr-dict `:`
    functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Attn_PagedAttentionOp : Attn_Op<"paged_attention", [Pure, AttrSizedOperandSegments]> {
  let summary = "attention over a paged (block-table) KV cache: decode and chunked prefill";
  let description = [{
    Packed query tokens `q: tensor<Tq x Hq x D>` of B sequences, a KV cache of
    NB blocks of BS tokens `k_cache: tensor<NB x BS x Hkv x D>`,
    `v_cache: tensor<NB x BS x Hkv x Dv>` (vLLM's layout),
    `block_tables: tensor<B x MaxBlocks x i32>`, `seq_lens: tensor<B x i32>`
    (tokens in the cache per sequence, including the new ones),
    `query_start_loc: tensor<(B+1) x i32>` (cumulative query lengths),
    optional `alibi_slopes: tensor<Hq x f32>`, optional
    `sinks: tensor<Hq x f32>`. Results
    `out: tensor<Tq x Hq x Dv>` and optionally `lse: tensor<Hq x Tq x f32>`.

    Key j (0 <= j < seq_lens[b]) of sequence b is slot j mod BS of block
    block_tables[b][j floordiv BS]. Sequence b owns the query tokens
    [query_start_loc[b], query_start_loc[b+1]); with q_len of them, its
    query token t (local index) sits at position seq_lens[b] - q_len + t:
    masks, causal alignment (bottom-right) and alibi use that position
    exactly as attn.mha uses i + (Sk - Sq). Query tokens past
    query_start_loc[B] produce 0 and lse = -inf, as do rows that see no key.
    Optional `sinks: tensor<Hq x f32>` as in attn.mha (rows that see no key,
    and tokens past query_start_loc[B], then give 0 and lse = sinks[h]).

    fp8 caches (docs/fp8.md): k_cache and v_cache of one fp8 type
    (f8E4M3FN or f8E4M3FNUZ) with `kv_scale(%k_scale, %v_scale)`, f32
    tensors of shape [] (per tensor), [Hkv] or [NB, BS, Hkv] (per token and
    head); keys and values are k_cache * k_scale and v_cache * v_scale, q
    and out stay bf16 or f16.

    Preconditions on the data (not checkable at compile time; attn-run's
    reference checks them): query_start_loc starts at 0, is non-decreasing
    and ends at most at Tq; 0 <= seq_lens[b] <= MaxBlocks * BS and
    seq_lens[b] >= q_len of b; the block ids of the first
    ceil(seq_lens[b] / BS) entries of row b are in [0, NB). Kernels clamp
    indices so that violating data gives wrong numbers, never accesses
    outside the tensors.

    Example (decode, 4 sequences, blocks of 16 tokens):
    ```mlir
    %o = attn.paged_attention %q, %kc, %vc, %bt, %sl, %qsl {causal}
        : (tensor<4x32x128xbf16>, tensor<1024x16x8x128xbf16>,
           tensor<1024x16x8x128xbf16>, tensor<4x64xi32>, tensor<4xi32>,
           tensor<5xi32>) -> tensor<4x32x128xbf16>
    ```
  }];
  let arguments = !con((ins Attn_Tensor:$q, Attn_Tensor:$k_cache, Attn_Tensor:$v_cache,
                            Attn_I32Tensor:$block_tables, Attn_I32Tensor:$seq_lens,
                            Attn_I32Tensor:$query_start_loc,
                            Optional<Attn_F32Tensor>:$alibi_slopes,
                            Optional<Attn_F32Tensor>:$sinks,
                            Optional<Attn_F32Tensor>:$k_scale,
                            Optional<Attn_F32Tensor>:$v_scale),
                       Attn_CommonAttrs);
  let results = (outs Attn_Tensor:$out, Optional<Attn_F32Tensor>:$lse);
  let assemblyFormat = [{
    $q `,` $k_cache `,` $v_cache `,` $block_tables `,` $seq_lens `,` $query_start_loc
    (`alibi` `(` $alibi_slopes^ `)`)? (`sinks` `(` $sinks^ `)`)?
    (`kv_scale` `(` $k_scale^ `,` $v_scale `)`)? attr-dict `:`
    functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Attn_MlaOp : Attn_Op<"mla", [Pure]> {
  let summary = "DeepSeek multi-head latent attention (MLA) decode over a paged latent cache";
  let description = [{
    MLA in its absorbed form: every query head attends over one shared
    latent cache row per token, K = [c_kv (kv_lora_rank) | k_pe (rope dim)]
    = D values, and V = c_kv, the first kv_lora_rank values of the same row
    (docs/mla.md). Packed query tokens `q: tensor<Tq x H x D>` of B
    sequences (D = kv_lora_rank + rope dim), a latent cache of NB blocks of
    BS tokens `kv_cache: tensor<NB x BS x D>`,
    `block_tables: tensor<B x MaxBlocks x i32>`, `seq_lens: tensor<B x i32>`,
    `query_start_loc: tensor<(B+1) x i32>`, as attn.paged_attention; the
    required attribute `kv_lora_rank` (1 <= kv_lora_rank <= D). Results
    `out: tensor<Tq x H x kv_lora_rank>` (q's element type) and optionally
    `lse: tensor<H x Tq x f32>`.

    It is attn.paged_attention with one KV head, k_cache = kv_cache and
    v_cache = its first kv_lora_rank columns: key j of sequence b is slot
    j mod BS of block block_tables[b][j floordiv BS]; query token t of a
    sequence with q_len queries sits at position seq_lens[b] - q_len + t
    (causal is bottom-right aligned per sequence, for several query tokens
    per sequence: speculative / MTP decoding); `scale` defaults to
    1/sqrt(D) (DeepSeek passes 1/sqrt(192)); `softcap` as in attn.mha.
    Query tokens past query_start_loc[B] and rows that see no key produce 0
    and lse = -inf. Preconditions on the data as attn.paged_attention's.

    fp8 latent cache (docs/fp8.md): kv_cache in f8E4M3FN or f8E4M3FNUZ with
    `kv_scale(%kv_scale)`, f32 of shape [] (per tensor) or [NB, BS] (per
    token); the cache rows are kv_cache * kv_scale (K and V alike); q and
    out stay bf16 or f16.

    Example (decode, DeepSeek-V3 shapes, 4 sequences, blocks of 64 tokens):
    ```mlir
    %o = attn.mla %q, %kv, %bt, %sl, %qsl {kv_lora_rank = 512 : i64}
        : (tensor<4x128x576xbf16>, tensor<1024x64x576xbf16>, tensor<4x64xi32>,
           tensor<4xi32>, tensor<5xi32>) -> tensor<4x128x512xbf16>
    ```
  }];
  let arguments = (ins Attn_Tensor:$q, Attn_Tensor:$kv_cache,
                       Attn_I32Tensor:$block_tables, Attn_I32Tensor:$seq_lens,
                       Attn_I32Tensor:$query_start_loc,
                       Optional<Attn_F32Tensor>:$kv_scale,
                       I64Attr:$kv_lora_rank,
                       OptionalAttr<F32Attr>:$scale,
                       UnitAttr:$causal,
                       OptionalAttr<F32Attr>:$softcap);
  let results = (outs Attn_Tensor:$out, Optional<Attn_F32Tensor>:$lse);
  let assemblyFormat = [{
    $q `,` $kv_cache `,` $block_tables `,` $seq_lens `,` $query_start_loc
    (`kv_scale` `(` $kv_scale^ `)`)? attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

// Not declared `Terminator`: that trait's TypeID is spelled differently by
// gcc (this dialect) and clang (libMLIR.so), and instantiating it here
// breaks libMLIR's own terminator checks; getHasTraitFn answers libMLIR's
// spelling instead, and the verifier checks the position.
def Attn_YieldOp : Attn_Op<"yield", [Pure, ParentOneOf<["MhaOp", "MhaVarlenOp"]>]> {
  let summary = "the value of a mask_mod region: is key kv_idx visible to q_idx";
  let arguments = (ins I1:$visible);
  let assemblyFormat = "$visible attr-dict `:` type($visible)";
  // Answers libMLIR's query for the terminator trait (AttnDialect.cpp).
  let extraClassDeclaration = [{
    static ::mlir::OperationName::HasTraitFn getHasTraitFn();
  }];
}

#endif // ATTN_OPS_TD
