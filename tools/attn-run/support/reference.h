/* Independent double-precision reference for the attn dialect's attention ops,
 * a comparison helper with tolerances, and a small deterministic RNG.
 *
 * The reference is deliberately a plain two-pass softmax (max over the row,
 * then sum/accumulate, recomputing logits so nothing is allocated), not the
 * online-softmax recurrence the compiler generates, so a bug shared by the two
 * is unlikely. */
#ifndef ATTN_RUN_SUPPORT_REFERENCE_H
#define ATTN_RUN_SUPPORT_REFERENCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Shapes and attributes of one attention op.
 * For attn.mha, Sq/Sk are the sequence lengths. For attn.mha_varlen, Sq = Tq
 * and Sk = Tk are the packed token counts and B is the number of sequences;
 * attn.paged_attention uses B and Sq = Tq the same way (keys: AttnRefPaging).
 * `scale` is the resolved scale (the op's default is 1/sqrt(D); the caller
 * resolves it). Absent windows are unbounded; softcap must be > 0 when
 * present. */
typedef struct {
  int64_t B, Hq, Hkv, Sq, Sk, D, Dv;
  double scale;
  bool causal;
  bool hasWindowLeft;
  int64_t windowLeft;
  bool hasWindowRight;
  int64_t windowRight;
  bool hasSoftcap;
  double softcap;
  /* Attention sinks, sinks[Hq] (nullable): a per-head logit that joins every
   * row's softmax denominator without a value, so
   * out = sum_j e^(s_j) v_j / (e^sink + sum_j e^(s_j)) and
   * lse = log(e^sink + sum_j e^(s_j)); a row without a visible key gets
   * out = 0 and lse = sink (tokens outside every sequence too). */
  const double *sinks;
  /* An extra element mask (a block mask, docs/masks.md), nullable: key j
   * is visible to query row i of batch (varlen: sequence) b and head h only
   * if it returns true (i, j local to the sequence). */
  bool (*keyMask)(const void *ctx, int64_t b, int64_t h, int64_t i, int64_t j);
  const void *keyMaskCtx;
  /* Dropout (attn.mha, attn.mha_varlen and their backward ops): 0 for none. */
  double dropoutP;
  int64_t seed, offset;
} AttnRefParams;

/* Word 0 of Philox4x32-10 (Salmon et al., SC'11) of a counter and key. */
uint32_t attnRefPhilox(const uint32_t counter[4], const uint32_t key[2]);

/* The dropout factor of query i and key j of head bh = b * Hq + h (b the
 * sequence for varlen), indices local to the sequence: 1 / (1 - p) when the
 * element is kept, 0 when dropped, 1 without dropout. The generator is the
 * kernels' (passes/Dropout.h): key (seed mod 2^32, (seed >> 32) xor (offset
 * >> 32)), counter (j, i, bh, offset mod 2^32), kept iff word 0 >=
 * floor(p * 2^32). */
double attnRefDropoutScale(const AttnRefParams *p, int64_t bh, int64_t i, int64_t j);

/* Checks the preconditions both reference functions rely on: non-negative
 * sizes, Hkv > 0 dividing Hq, softcap > 0 when present. Returns 0 if valid,
 * non-zero with a message in err otherwise. */
int attnRefCheckParams(const AttnRefParams *p, char *err, size_t errLen);

/* attn.mha on contiguous row-major tensors:
 *   q[B][Hq][Sq][D], k[B][Hkv][Sk][D], v[B][Hkv][Sk][Dv], alibi[Hq] (nullable)
 *   -> out[B][Hq][Sq][Dv], lse[B][Hq][Sq] (nullable).
 * For query row i and key j, with off = Sk - Sq and d = i + off - j:
 *   logit = scale * q.k; with softcap: softcap * tanh(logit / softcap);
 *   with alibi: logit -= slope[h] * |d|;
 *   visible iff (!causal || d >= 0) && (!hasWindowLeft || d <= windowLeft)
 *               && (!hasWindowRight || -d <= windowRight).
 * out = softmax over visible keys applied to v; lse = natural-log
 * sum-exp of the visible logits. A row with no visible key (or whose visible
 * logits are all -inf) gets out = 0 and lse = -inf, never NaN.
 * Query head h reads kv head h / (Hq / Hkv). If `p` fails
 * attnRefCheckParams nothing is written (check it first to get the reason). */
void attnRefMha(const AttnRefParams *p, const double *q, const double *k, const double *v,
                const double *alibi, double *out, double *lse);

/* attn.mha_varlen on packed tensors:
 *   q[Tq][Hq][D], k[Tk][Hkv][D], v[Tk][Hkv][Dv], cuQ[B+1], cuK[B+1],
 *   alibi[Hq] (nullable) -> out[Tq][Hq][Dv], lse[Hq][Tq] (nullable; note the
 *   head-major layout).
 * Sequence b owns query tokens cuQ[b]..cuQ[b+1]-1 and key tokens
 * cuK[b]..cuK[b+1]-1; masking and alibi use indices local to the sequence with
 * off = lenK - lenQ. Query tokens t >= cuQ[B] get out = 0 and lse = -inf.
 * Validates p and the cu_seqlens arrays (cu[0] == 0, non-decreasing,
 * cu[B] <= T) first; returns non-zero with a message naming the array, index
 * and value, without touching out/lse, if they are invalid. */
int attnRefMhaVarlen(const AttnRefParams *p, const double *q, const double *k, const double *v,
                     const int32_t *cuQ, const int32_t *cuK, const double *alibi, double *out,
                     double *lse, char *err, size_t errLen);

/* The gradients of attn.mha (attn.mha_bwd) with respect to q, k and v for
 * the output gradient dout[B][Hq][Sq][Dv], computed exactly from q, k, v (the
 * softmax recomputed in double, not from a given out or lse):
 * dq[B][Hq][Sq][D], dk[B][Hkv][Sk][D], dv[B][Hkv][Sk][Dv]. Softcap's
 * derivative included; alibi slopes are constants; rows with no visible key
 * contribute nothing. Returns non-zero with a message if p is invalid or
 * memory runs out. */
int attnRefMhaBwd(const AttnRefParams *p, const double *q, const double *k, const double *v,
                  const double *dout, const double *alibi, double *dq, double *dk, double *dv,
                  char *err, size_t errLen);

/* The same for attn.mha_varlen (attn.mha_varlen_bwd) on packed tensors:
 * dout[Tq][Hq][Dv] -> dq[Tq][Hq][D], dk[Tk][Hkv][D], dv[Tk][Hkv][Dv]; tokens
 * outside every sequence get 0. Validates the cu_seqlens as
 * attnRefMhaVarlen. */
int attnRefMhaVarlenBwd(const AttnRefParams *p, const double *q, const double *k, const double *v,
                        const double *dout, const int32_t *cuQ, const int32_t *cuK,
                        const double *alibi, double *dq, double *dk, double *dv, char *err,
                        size_t errLen);

/* The cache geometry of attn.paged_attention: NB blocks of BS tokens, and
 * MaxBlocks block-table entries per sequence. */
typedef struct {
  int64_t numBlocks, blockSize, maxBlocks;
} AttnRefPaging;

/* Checks the data preconditions of attn.paged_attention (the op's contract):
 * qsl[0] == 0, qsl non-decreasing, qsl[B] <= Tq (= p->Sq);
 * 0 <= seqLens[b] <= MaxBlocks * BS; seqLens[b] >= qsl[b+1] - qsl[b]; the
 * first ceil(seqLens[b] / BS) entries of row b of blockTables in [0, NB).
 * Also that BS >= 1 and NB, MaxBlocks >= 0. Returns 0 if they hold, non-zero
 * with a message naming the array, the sequence and the entry otherwise. */
int attnRefCheckPaged(const AttnRefParams *p, const AttnRefPaging *g, const int32_t *blockTables,
                      const int32_t *seqLens, const int32_t *queryStartLoc, char *err,
                      size_t errLen);

/* attn.paged_attention:
 *   q[Tq][Hq][D], kCache[NB][BS][Hkv][D], vCache[NB][BS][Hkv][Dv],
 *   blockTables[B][MaxBlocks], seqLens[B], queryStartLoc[B+1], alibi[Hq]
 *   (nullable) -> out[Tq][Hq][Dv], lse[Hq][Tq] (nullable), with p->B = B
 *   and p->Sq = Tq (p->Sk is not used).
 * Key j of sequence b is kCache[blockTables[b][j / BS]][j % BS]; the q_len
 * query tokens of b sit at positions seqLens[b] - q_len + t, which masks and
 * alibi use as attn.mha uses i + (Sk - Sq). Query tokens t >= queryStartLoc[B]
 * get out = 0 and lse = -inf. Checks p and attnRefCheckPaged first; returns
 * non-zero with its message, without touching out/lse, if they fail. */
int attnRefPaged(const AttnRefParams *p, const AttnRefPaging *g, const double *q,
                 const double *kCache, const double *vCache, const int32_t *blockTables,
                 const int32_t *seqLens, const int32_t *queryStartLoc, const double *alibi,
                 double *out, double *lse, char *err, size_t errLen);

/* attn.mla (docs/mla.md): attnRefPaged with one KV head over a latent cache
 *   kvCache[NB][BS][D], where K is a whole row and V its first p->Dv
 *   (kv_lora_rank) values; p->Hkv must be 1. -> out[Tq][Hq][Dv],
 *   lse[Hq][Tq] (nullable). Same checks and conventions as attnRefPaged. */
int attnRefMla(const AttnRefParams *p, const AttnRefPaging *g, const double *q,
               const double *kvCache, const int32_t *blockTables, const int32_t *seqLens,
               const int32_t *queryStartLoc, double *out, double *lse, char *err, size_t errLen);

typedef struct {
  double maxAbs;      /* max |got - want| (inf for an inf/finite mismatch) */
  double maxRel;      /* max |got - want| / max(|want|, DBL_MIN), finite pairs */
  int64_t worstIndex; /* element with the largest error relative to its
                         tolerance; -1 if n == 0 */
  int64_t numBad;     /* elements failing the tolerance */
  bool nanMismatch;   /* some element had a NaN in got or want */
} AttnCompareStats;

/* Returns true iff every element satisfies |got - want| <= atol + rtol*|want|.
 * Equal infinities (same sign) match with error 0; any NaN in got (or in want)
 * fails. `stats` may be NULL. */
bool attnCompare(const double *got, const double *want, size_t n, double atol, double rtol,
                 AttnCompareStats *stats);

/* splitmix64: the full generator state is the one uint64_t owned by the
 * caller, so runs are reproducible from a seed and thread-safe per state. */
uint64_t attnRandNext(uint64_t *state);

/* Uniform integer in [lo, hiInclusive] without modulo bias. Returns lo if
 * hiInclusive < lo. */
int64_t attnRandRange(uint64_t *state, int64_t lo, int64_t hiInclusive);

/* n standard normal samples (Box-Muller). Samples are produced in pairs, so a
 * call consumes 2 * ceil(n / 2) draws from the state. */
void attnRandNormal(uint64_t *state, double *out, size_t n);

#ifdef __cplusplus
}
#endif

#endif /* ATTN_RUN_SUPPORT_REFERENCE_H */
