#include "reference.h"

#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#if defined(__GNUC__)
#define ATTN_PRINTF(fmtIdx, argIdx) __attribute__((format(printf, fmtIdx, argIdx)))
#else
#define ATTN_PRINTF(fmtIdx, argIdx)
#endif

static void setErr(char *err, size_t errLen, const char *fmt, ...) ATTN_PRINTF(3, 4);

static void setErr(char *err, size_t errLen, const char *fmt, ...) {
  if (err == NULL || errLen == 0)
    return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err, errLen, fmt, ap);
  va_end(ap);
}

int attnRefCheckParams(const AttnRefParams *p, char *err, size_t errLen) {
  if (p == NULL) {
    setErr(err, errLen, "attention reference: NULL params");
    return 1;
  }
  if (p->B < 0 || p->Hq < 0 || p->Sq < 0 || p->Sk < 0 || p->D < 0 || p->Dv < 0) {
    setErr(err, errLen,
           "attention reference: negative size (B=%lld Hq=%lld Sq=%lld Sk=%lld D=%lld Dv=%lld)",
           (long long)p->B, (long long)p->Hq, (long long)p->Sq, (long long)p->Sk, (long long)p->D,
           (long long)p->Dv);
    return 1;
  }
  if (p->Hkv <= 0 || p->Hq % p->Hkv != 0) {
    setErr(err, errLen, "attention reference: Hkv=%lld must be positive and divide Hq=%lld",
           (long long)p->Hkv, (long long)p->Hq);
    return 1;
  }
  if (p->hasSoftcap && !(p->softcap > 0)) {
    setErr(err, errLen, "attention reference: softcap=%g must be > 0", p->softcap);
    return 1;
  }
  return 0;
}

uint32_t attnRefPhilox(const uint32_t counter[4], const uint32_t key[2]) {
  uint32_t c[4] = {counter[0], counter[1], counter[2], counter[3]}, k[2] = {key[0], key[1]};
  for (int round = 0; round < 10; ++round) {
    uint64_t p0 = (uint64_t)0xD2511F53u * c[0], p1 = (uint64_t)0xCD9E8D57u * c[2];
    uint32_t next[4] = {(uint32_t)(p1 >> 32) ^ c[1] ^ k[0], (uint32_t)p1,
                        (uint32_t)(p0 >> 32) ^ c[3] ^ k[1], (uint32_t)p0};
    for (int w = 0; w < 4; ++w)
      c[w] = next[w];
    k[0] += 0x9E3779B9u;
    k[1] += 0xBB67AE85u;
  }
  return c[0];
}

double attnRefDropoutScale(const AttnRefParams *p, int64_t bh, int64_t i, int64_t j) {
  if (!(p->dropoutP > 0))
    return 1.0;
  uint64_t seed = (uint64_t)p->seed, offset = (uint64_t)p->offset;
  uint32_t key[2] = {(uint32_t)seed, (uint32_t)((seed >> 32) ^ (offset >> 32))};
  uint32_t counter[4] = {(uint32_t)j, (uint32_t)i, (uint32_t)bh, (uint32_t)offset};
  uint64_t threshold = (uint64_t)floor(p->dropoutP * 4294967296.0);
  return attnRefPhilox(counter, key) >= threshold ? 1.0 / (1.0 - p->dropoutP) : 0.0;
}

/* The keys one query row attends to: rows of k and v starting at element
 * kBase/vBase, consecutive keys kStride/vStride elements apart. Offsets rather
 * than derived pointers so an empty tensor may be NULL. With `blocks` (a
 * paged cache), key j is row j % blockSize of block blocks[j / blockSize],
 * blocks being kBlockStride/vBlockStride elements apart. */
typedef struct {
  const double *k;
  int64_t kBase, kStride;
  const double *v;
  int64_t vBase, vStride;
  int64_t lenK;
  int64_t off; /* lenK - lenQ: aligns the last query with the last key */
  bool hasSlope;
  double slope;
  double sink;           /* the head's sink logit, -inf without sinks */
  int64_t bh;            /* b * Hq + h: the dropout mask's head */
  const int32_t *blocks; /* NULL: contiguous keys */
  int64_t blockSize, kBlockStride, vBlockStride;
} KeyRange;

/* Element offset of key j's row, contiguous or through the block table. */
static int64_t keyOffset(const KeyRange *r, int64_t j, int64_t base, int64_t stride,
                         int64_t blockStride) {
  if (r->blocks == NULL)
    return base + j * stride;
  return base + r->blocks[j / r->blockSize] * blockStride + (j % r->blockSize) * stride;
}

/* dist = i + off - j: how far key j lies left of the query's diagonal. Using
 * the distance avoids overflow for huge window values. */
static bool isVisible(const AttnRefParams *p, int64_t dist) {
  if (p->causal && dist < 0)
    return false;
  if (p->hasWindowLeft && dist > p->windowLeft)
    return false;
  if (p->hasWindowRight && -dist > p->windowRight)
    return false;
  return true;
}

/* The extra element mask of key j for row i of the range's (b, h). */
static bool keyVisible(const AttnRefParams *p, const KeyRange *r, int64_t i, int64_t j) {
  return !p->keyMask || p->keyMask(p->keyMaskCtx, r->bh / p->Hq, r->bh % p->Hq, i, j);
}

/* Head h's sink, -inf (no sink) without sinks. */
static double headSink(const AttnRefParams *p, int64_t h) {
  return p->sinks ? p->sinks[h] : -INFINITY;
}

static double computeLogit(const AttnRefParams *p, const double *qRow, const KeyRange *r, int64_t j,
                           int64_t dist) {
  const double *kRow = r->k + keyOffset(r, j, r->kBase, r->kStride, r->kBlockStride);
  double dot = 0.0;
  for (int64_t d = 0; d < p->D; ++d)
    dot += qRow[d] * kRow[d];
  double logit = p->scale * dot;
  if (p->hasSoftcap)
    logit = p->softcap * tanh(logit / p->softcap);
  if (r->hasSlope)
    logit -= r->slope * (double)(dist < 0 ? -dist : dist);
  return logit;
}

/* Two-pass softmax of one query row. Rows with nothing to attend to (no
 * visible key, or only -inf logits, and no sink) produce 0 and lse -inf,
 * matching the kernels' convention instead of 0/0 = NaN. The sink is one
 * more logit of the row, without a value. */
static void attendRow(const AttnRefParams *p, const double *qRow, int64_t i, const KeyRange *r,
                      double *outRow, double *lseOut) {
  double m = r->sink;
  for (int64_t j = 0; j < r->lenK; ++j) {
    int64_t dist = i + r->off - j;
    if (isVisible(p, dist) && keyVisible(p, r, i, j)) {
      double logit = computeLogit(p, qRow, r, j, dist);
      m = logit > m ? logit : m;
    }
  }
  for (int64_t d = 0; d < p->Dv; ++d)
    outRow[d] = 0.0;
  if (m == -INFINITY) {
    *lseOut = -INFINITY;
    return;
  }
  double sum = r->sink == m ? 1.0 : exp(r->sink - m);
  for (int64_t j = 0; j < r->lenK; ++j) {
    int64_t dist = i + r->off - j;
    if (!isVisible(p, dist) || !keyVisible(p, r, i, j))
      continue;
    double logit = computeLogit(p, qRow, r, j, dist);
    /* logit == m special-cased so that m == +inf gives weight 1, not NaN. */
    double w = logit == m ? 1.0 : exp(logit - m);
    const double *vRow = r->v + keyOffset(r, j, r->vBase, r->vStride, r->vBlockStride);
    /* Dropout scales the weights of out, not the normalizer (nor lse). */
    double z = attnRefDropoutScale(p, r->bh, i, j);
    sum += w;
    for (int64_t d = 0; d < p->Dv; ++d)
      outRow[d] += w * z * vRow[d];
  }
  for (int64_t d = 0; d < p->Dv; ++d)
    outRow[d] /= sum;
  *lseOut = m + log(sum);
}

void attnRefMha(const AttnRefParams *p, const double *q, const double *k, const double *v,
                const double *alibi, double *out, double *lse) {
  if (attnRefCheckParams(p, NULL, 0) != 0)
    return;
  int64_t group = p->Hq / p->Hkv;
  for (int64_t b = 0; b < p->B; ++b) {
    for (int64_t h = 0; h < p->Hq; ++h) {
      int64_t kvHead = b * p->Hkv + h / group;
      KeyRange r = {.k = k,
                    .kBase = kvHead * p->Sk * p->D,
                    .kStride = p->D,
                    .v = v,
                    .vBase = kvHead * p->Sk * p->Dv,
                    .vStride = p->Dv,
                    .lenK = p->Sk,
                    .off = p->Sk - p->Sq,
                    .hasSlope = alibi != NULL,
                    .slope = alibi ? alibi[h] : 0.0,
                    .sink = headSink(p, h),
                    .bh = b * p->Hq + h};
      for (int64_t i = 0; i < p->Sq; ++i) {
        int64_t row = (b * p->Hq + h) * p->Sq + i;
        double rowLse;
        attendRow(p, q + row * p->D, i, &r, out + row * p->Dv, &rowLse);
        if (lse != NULL)
          lse[row] = rowLse;
      }
    }
  }
}

/* cu_seqlens must start at 0, never decrease and stay within the T packed
 * tokens; anything else would index out of bounds. */
static bool checkCuSeqlens(const char *name, const int32_t *cu, int64_t B, int64_t T, char *err,
                           size_t errLen) {
  if (cu == NULL) {
    setErr(err, errLen, "%s is NULL", name);
    return false;
  }
  if (cu[0] != 0) {
    setErr(err, errLen, "%s[0] = %ld, must be 0", name, (long)cu[0]);
    return false;
  }
  for (int64_t b = 1; b <= B; ++b) {
    if (cu[b] < cu[b - 1]) {
      setErr(err, errLen, "%s[%lld] = %ld is less than %s[%lld] = %ld (must be non-decreasing)",
             name, (long long)b, (long)cu[b], name, (long long)(b - 1), (long)cu[b - 1]);
      return false;
    }
  }
  if (cu[B] > T) {
    setErr(err, errLen, "%s[%lld] = %ld exceeds the %lld packed tokens", name, (long long)B,
           (long)cu[B], (long long)T);
    return false;
  }
  return true;
}

/* Rows no sequence covers get the fully-masked result; covered rows are
 * overwritten afterwards. */
static void clearVarlenOutputs(const AttnRefParams *p, double *out, double *lse) {
  for (int64_t i = 0; i < p->Sq * p->Hq * p->Dv; ++i)
    out[i] = 0.0;
  if (lse != NULL) {
    for (int64_t h = 0; h < p->Hq; ++h)
      for (int64_t t = 0; t < p->Sq; ++t)
        lse[h * p->Sq + t] = headSink(p, h);
  }
}

int attnRefMhaVarlen(const AttnRefParams *p, const double *q, const double *k, const double *v,
                     const int32_t *cuQ, const int32_t *cuK, const double *alibi, double *out,
                     double *lse, char *err, size_t errLen) {
  if (attnRefCheckParams(p, err, errLen) != 0 ||
      !checkCuSeqlens("cu_seqlens_q", cuQ, p->B, p->Sq, err, errLen) ||
      !checkCuSeqlens("cu_seqlens_k", cuK, p->B, p->Sk, err, errLen))
    return 1;
  clearVarlenOutputs(p, out, lse);
  int64_t group = p->Hq / p->Hkv;
  int64_t tq = p->Sq;
  for (int64_t b = 0; b < p->B; ++b) {
    int64_t q0 = cuQ[b], lenQ = cuQ[b + 1] - cuQ[b];
    int64_t k0 = cuK[b], lenK = cuK[b + 1] - cuK[b];
    for (int64_t h = 0; h < p->Hq; ++h) {
      int64_t kvHead = h / group;
      /* Packed layout: consecutive keys of one head are Hkv*D apart. */
      KeyRange r = {.k = k,
                    .kBase = (k0 * p->Hkv + kvHead) * p->D,
                    .kStride = p->Hkv * p->D,
                    .v = v,
                    .vBase = (k0 * p->Hkv + kvHead) * p->Dv,
                    .vStride = p->Hkv * p->Dv,
                    .lenK = lenK,
                    .off = lenK - lenQ,
                    .hasSlope = alibi != NULL,
                    .slope = alibi ? alibi[h] : 0.0,
                    .sink = headSink(p, h),
                    .bh = b * p->Hq + h};
      for (int64_t i = 0; i < lenQ; ++i) {
        int64_t t = q0 + i;
        double rowLse;
        attendRow(p, q + (t * p->Hq + h) * p->D, i, &r, out + (t * p->Hq + h) * p->Dv, &rowLse);
        if (lse != NULL)
          lse[h * tq + t] = rowLse;
      }
    }
  }
  return 0;
}

/*===--- Gradients ---------------------------------------------------------===*/

/* Scratch of one query row's backward: per key its logit and d(logit)/d(q.k). */
typedef struct {
  double *logit, *slope, *dp, *drop;
} GradScratch;

/* The logit of key j as computeLogit, and its derivative with respect to the
 * dot product q.k: scale, times 1 - tanh^2 under a softcap. */
static double logitAndSlope(const AttnRefParams *p, const double *qRow, const KeyRange *r,
                            int64_t j, int64_t dist, double *slope) {
  const double *kRow = r->k + keyOffset(r, j, r->kBase, r->kStride, r->kBlockStride);
  double dot = 0.0;
  for (int64_t d = 0; d < p->D; ++d)
    dot += qRow[d] * kRow[d];
  double logit = p->scale * dot;
  *slope = p->scale;
  if (p->hasSoftcap) {
    double th = tanh(logit / p->softcap);
    logit = p->softcap * th;
    *slope = p->scale * (1.0 - th * th);
  }
  if (r->hasSlope)
    logit -= r->slope * (double)(dist < 0 ? -dist : dist);
  return logit;
}

/* The exact gradient of one query row's output: with P the row's softmax
 * and z_j its dropout factor (1 without dropout), dP_j = z_j dout.v_j,
 * delta = sum_j P_j dP_j and dS_j = P_j (dP_j - delta), dq += dS_j s'_j k_j,
 * dk_j += dS_j s'_j q, dv_j += P_j z_j dout. A row that
 * sees no key contributes nothing. dk/dv rows are addressed as k/v rows. */
static void gradRow(const AttnRefParams *p, const double *qRow, const double *doRow, int64_t i,
                    const KeyRange *r, double *dqRow, double *dk, double *dv, GradScratch *g) {
  double m = -INFINITY;
  for (int64_t j = 0; j < r->lenK; ++j) {
    int64_t dist = i + r->off - j;
    g->logit[j] = isVisible(p, dist) ? logitAndSlope(p, qRow, r, j, dist, &g->slope[j]) : -INFINITY;
    m = g->logit[j] > m ? g->logit[j] : m;
  }
  if (m == -INFINITY)
    return;
  double sum = 0.0, delta = 0.0;
  for (int64_t j = 0; j < r->lenK; ++j) {
    if (g->logit[j] == -INFINITY)
      continue;
    const double *vRow = r->v + keyOffset(r, j, r->vBase, r->vStride, r->vBlockStride);
    double dp = 0.0;
    for (int64_t d = 0; d < p->Dv; ++d)
      dp += doRow[d] * vRow[d];
    g->drop[j] = attnRefDropoutScale(p, r->bh, i, j);
    g->dp[j] = dp * g->drop[j];         /* the gradient of the kept (undropped) probability */
    g->logit[j] = exp(g->logit[j] - m); /* now the unnormalized probability */
    sum += g->logit[j];
  }
  for (int64_t j = 0; j < r->lenK; ++j)
    if (g->logit[j] != -INFINITY)
      delta += g->logit[j] / sum * g->dp[j];
  for (int64_t j = 0; j < r->lenK; ++j) {
    if (g->logit[j] == -INFINITY)
      continue;
    double prob = g->logit[j] / sum, ds = prob * (g->dp[j] - delta) * g->slope[j];
    int64_t kOff = keyOffset(r, j, r->kBase, r->kStride, r->kBlockStride);
    int64_t vOff = keyOffset(r, j, r->vBase, r->vStride, r->vBlockStride);
    for (int64_t d = 0; d < p->D; ++d) {
      dqRow[d] += ds * r->k[kOff + d];
      dk[kOff + d] += ds * qRow[d];
    }
    for (int64_t d = 0; d < p->Dv; ++d)
      dv[vOff + d] += prob * g->drop[j] * doRow[d];
  }
}

static bool gradScratchCreate(GradScratch *g, int64_t lenK) {
  size_t n = (size_t)(lenK > 0 ? lenK : 1);
  g->logit = malloc(n * sizeof(double));
  g->slope = malloc(n * sizeof(double));
  g->dp = malloc(n * sizeof(double));
  g->drop = malloc(n * sizeof(double));
  return g->logit && g->slope && g->dp && g->drop;
}

static void gradScratchDestroy(GradScratch *g) {
  free(g->logit);
  free(g->slope);
  free(g->dp);
  free(g->drop);
}

static void zero(double *x, int64_t n) {
  for (int64_t i = 0; i < n; ++i)
    x[i] = 0.0;
}

int attnRefMhaBwd(const AttnRefParams *p, const double *q, const double *k, const double *v,
                  const double *dout, const double *alibi, double *dq, double *dk, double *dv,
                  char *err, size_t errLen) {
  GradScratch g;
  if (attnRefCheckParams(p, err, errLen) != 0)
    return 1;
  if (!gradScratchCreate(&g, p->Sk)) {
    gradScratchDestroy(&g);
    setErr(err, errLen, "attention reference: out of memory");
    return 1;
  }
  zero(dq, p->B * p->Hq * p->Sq * p->D);
  zero(dk, p->B * p->Hkv * p->Sk * p->D);
  zero(dv, p->B * p->Hkv * p->Sk * p->Dv);
  int64_t group = p->Hq / p->Hkv;
  for (int64_t b = 0; b < p->B; ++b)
    for (int64_t h = 0; h < p->Hq; ++h) {
      int64_t kvHead = b * p->Hkv + h / group;
      KeyRange r = {.k = k,
                    .kBase = kvHead * p->Sk * p->D,
                    .kStride = p->D,
                    .v = v,
                    .vBase = kvHead * p->Sk * p->Dv,
                    .vStride = p->Dv,
                    .lenK = p->Sk,
                    .off = p->Sk - p->Sq,
                    .hasSlope = alibi != NULL,
                    .slope = alibi ? alibi[h] : 0.0,
                    .bh = b * p->Hq + h};
      for (int64_t i = 0; i < p->Sq; ++i) {
        int64_t row = (b * p->Hq + h) * p->Sq + i;
        gradRow(p, q + row * p->D, dout + row * p->Dv, i, &r, dq + row * p->D, dk, dv, &g);
      }
    }
  gradScratchDestroy(&g);
  return 0;
}

int attnRefMhaVarlenBwd(const AttnRefParams *p, const double *q, const double *k, const double *v,
                        const double *dout, const int32_t *cuQ, const int32_t *cuK,
                        const double *alibi, double *dq, double *dk, double *dv, char *err,
                        size_t errLen) {
  GradScratch g;
  if (attnRefCheckParams(p, err, errLen) != 0 ||
      !checkCuSeqlens("cu_seqlens_q", cuQ, p->B, p->Sq, err, errLen) ||
      !checkCuSeqlens("cu_seqlens_k", cuK, p->B, p->Sk, err, errLen))
    return 1;
  if (!gradScratchCreate(&g, p->Sk)) {
    gradScratchDestroy(&g);
    setErr(err, errLen, "attention reference: out of memory");
    return 1;
  }
  zero(dq, p->Sq * p->Hq * p->D);
  zero(dk, p->Sk * p->Hkv * p->D);
  zero(dv, p->Sk * p->Hkv * p->Dv);
  int64_t group = p->Hq / p->Hkv;
  for (int64_t b = 0; b < p->B; ++b) {
    int64_t q0 = cuQ[b], lenQ = cuQ[b + 1] - cuQ[b];
    int64_t k0 = cuK[b], lenK = cuK[b + 1] - cuK[b];
    for (int64_t h = 0; h < p->Hq; ++h) {
      int64_t kvHead = h / group;
      KeyRange r = {.k = k,
                    .kBase = (k0 * p->Hkv + kvHead) * p->D,
                    .kStride = p->Hkv * p->D,
                    .v = v,
                    .vBase = (k0 * p->Hkv + kvHead) * p->Dv,
                    .vStride = p->Hkv * p->Dv,
                    .lenK = lenK,
                    .off = lenK - lenQ,
                    .hasSlope = alibi != NULL,
                    .slope = alibi ? alibi[h] : 0.0,
                    .bh = b * p->Hq + h};
      for (int64_t i = 0; i < lenQ; ++i) {
        int64_t t = q0 + i;
        gradRow(p, q + (t * p->Hq + h) * p->D, dout + (t * p->Hq + h) * p->Dv, i, &r,
                dq + (t * p->Hq + h) * p->D, dk, dv, &g);
      }
    }
  }
  gradScratchDestroy(&g);
  return 0;
}

static bool checkPagedGeometry(const AttnRefPaging *g, char *err, size_t errLen) {
  if (g == NULL || g->blockSize < 1 || g->numBlocks < 0 || g->maxBlocks < 0) {
    setErr(err, errLen,
           "paged attention reference: bad cache geometry (NB=%lld BS=%lld MaxBlocks=%lld)",
           g ? (long long)g->numBlocks : -1LL, g ? (long long)g->blockSize : -1LL,
           g ? (long long)g->maxBlocks : -1LL);
    return false;
  }
  return true;
}

/* Sequence b: its key count fits the table, covers its queries, and the
 * block ids it uses exist. */
static bool checkPagedSequence(const AttnRefPaging *g, const int32_t *blockTables,
                               const int32_t *seqLens, const int32_t *qsl, int64_t b, char *err,
                               size_t errLen) {
  int64_t maxKeys = g->maxBlocks * g->blockSize, len = seqLens[b];
  int64_t lenQ = (int64_t)qsl[b + 1] - qsl[b];
  if (len < 0 || len > maxKeys) {
    setErr(err, errLen, "seq_lens[%lld] = %lld is outside [0, MaxBlocks * BS = %lld * %lld = %lld]",
           (long long)b, (long long)len, (long long)g->maxBlocks, (long long)g->blockSize,
           (long long)maxKeys);
    return false;
  }
  if (len < lenQ) {
    setErr(err, errLen,
           "seq_lens[%lld] = %lld is less than the %lld query tokens of sequence %lld "
           "(query_start_loc[%lld] - query_start_loc[%lld])",
           (long long)b, (long long)len, (long long)lenQ, (long long)b, (long long)(b + 1),
           (long long)b);
    return false;
  }
  int64_t used = (len + g->blockSize - 1) / g->blockSize;
  for (int64_t i = 0; i < used; ++i) {
    int32_t id = blockTables[b * g->maxBlocks + i];
    if (id < 0 || id >= g->numBlocks) {
      setErr(err, errLen,
             "block_tables[%lld][%lld] = %ld is not a block of the cache [0, NB = %lld) "
             "(sequence %lld has %lld keys in %lld blocks)",
             (long long)b, (long long)i, (long)id, (long long)g->numBlocks, (long long)b,
             (long long)len, (long long)used);
      return false;
    }
  }
  return true;
}

int attnRefCheckPaged(const AttnRefParams *p, const AttnRefPaging *g, const int32_t *blockTables,
                      const int32_t *seqLens, const int32_t *queryStartLoc, char *err,
                      size_t errLen) {
  if (attnRefCheckParams(p, err, errLen) != 0 || !checkPagedGeometry(g, err, errLen) ||
      !checkCuSeqlens("query_start_loc", queryStartLoc, p->B, p->Sq, err, errLen))
    return 1;
  if (p->B > 0 && (seqLens == NULL || (blockTables == NULL && g->maxBlocks > 0))) {
    setErr(err, errLen, "%s is NULL", seqLens == NULL ? "seq_lens" : "block_tables");
    return 1;
  }
  for (int64_t b = 0; b < p->B; ++b)
    if (!checkPagedSequence(g, blockTables, seqLens, queryStartLoc, b, err, errLen))
      return 1;
  return 0;
}

int attnRefPaged(const AttnRefParams *p, const AttnRefPaging *g, const double *q,
                 const double *kCache, const double *vCache, const int32_t *blockTables,
                 const int32_t *seqLens, const int32_t *queryStartLoc, const double *alibi,
                 double *out, double *lse, char *err, size_t errLen) {
  if (attnRefCheckPaged(p, g, blockTables, seqLens, queryStartLoc, err, errLen) != 0)
    return 1;
  clearVarlenOutputs(p, out, lse);
  int64_t group = p->Hq / p->Hkv;
  for (int64_t b = 0; b < p->B; ++b) {
    int64_t q0 = queryStartLoc[b], lenQ = queryStartLoc[b + 1] - queryStartLoc[b];
    for (int64_t h = 0; h < p->Hq; ++h) {
      int64_t kvHead = h / group;
      /* Cache layout NB x BS x Hkv x D: slots of one block are Hkv*D apart. */
      KeyRange r = {.k = kCache,
                    .kBase = kvHead * p->D,
                    .kStride = p->Hkv * p->D,
                    .v = vCache,
                    .vBase = kvHead * p->Dv,
                    .vStride = p->Hkv * p->Dv,
                    .lenK = seqLens[b],
                    .off = seqLens[b] - lenQ,
                    .hasSlope = alibi != NULL,
                    .slope = alibi ? alibi[h] : 0.0,
                    .sink = headSink(p, h),
                    /* (no table without columns: such a sequence has no key) */
                    .blocks = g->maxBlocks > 0 ? blockTables + b * g->maxBlocks : NULL,
                    .blockSize = g->blockSize,
                    .kBlockStride = g->blockSize * p->Hkv * p->D,
                    .vBlockStride = g->blockSize * p->Hkv * p->Dv};
      for (int64_t i = 0; i < lenQ; ++i) {
        int64_t t = q0 + i;
        double rowLse;
        attendRow(p, q + (t * p->Hq + h) * p->D, i, &r, out + (t * p->Hq + h) * p->Dv, &rowLse);
        if (lse != NULL)
          lse[h * p->Sq + t] = rowLse;
      }
    }
  }
  return 0;
}

int attnRefMla(const AttnRefParams *p, const AttnRefPaging *g, const double *q,
               const double *kvCache, const int32_t *blockTables, const int32_t *seqLens,
               const int32_t *queryStartLoc, double *out, double *lse, char *err, size_t errLen) {
  if (p->Hkv != 1 || p->Dv < 1 || p->Dv > p->D) {
    setErr(err, errLen,
           "attn.mla needs Hkv = 1 and 1 <= kv_lora_rank <= D, got Hkv = %lld, "
           "kv_lora_rank = %lld, D = %lld",
           (long long)p->Hkv, (long long)p->Dv, (long long)p->D);
    return 1;
  }
  if (attnRefCheckPaged(p, g, blockTables, seqLens, queryStartLoc, err, errLen) != 0)
    return 1;
  clearVarlenOutputs(p, out, lse);
  for (int64_t b = 0; b < p->B; ++b) {
    int64_t q0 = queryStartLoc[b], lenQ = queryStartLoc[b + 1] - queryStartLoc[b];
    for (int64_t h = 0; h < p->Hq; ++h) {
      /* K is the whole latent row, V its first Dv values: both D apart. */
      KeyRange r = {.k = kvCache,
                    .kBase = 0,
                    .kStride = p->D,
                    .v = kvCache,
                    .vBase = 0,
                    .vStride = p->D,
                    .lenK = seqLens[b],
                    .off = seqLens[b] - lenQ,
                    .sink = -INFINITY,
                    .blocks = g->maxBlocks > 0 ? blockTables + b * g->maxBlocks : NULL,
                    .blockSize = g->blockSize,
                    .kBlockStride = g->blockSize * p->D,
                    .vBlockStride = g->blockSize * p->D};
      for (int64_t i = 0; i < lenQ; ++i) {
        int64_t t = q0 + i;
        double rowLse;
        attendRow(p, q + (t * p->Hq + h) * p->D, i, &r, out + (t * p->Hq + h) * p->Dv, &rowLse);
        if (lse != NULL)
          lse[h * p->Sq + t] = rowLse;
      }
    }
  }
  return 0;
}

/* How far an element is past its tolerance (> 1 means failing); used only to
 * pick the element worth reporting. */
static double badness(double err, double tol) {
  if (err == 0.0)
    return 0.0;
  if (isinf(err) || !(tol > 0.0)) /* also avoids inf / inf = NaN */
    return INFINITY;
  return err / tol;
}

bool attnCompare(const double *got, const double *want, size_t n, double atol, double rtol,
                 AttnCompareStats *stats) {
  AttnCompareStats s = {0.0, 0.0, -1, 0, false};
  double worst = -1.0;
  for (size_t i = 0; i < n; ++i) {
    double g = got[i], w = want[i];
    double tol = atol + rtol * fabs(w);
    double err;
    bool bad;
    if (isnan(g) || isnan(w)) {
      s.nanMismatch = true;
      err = INFINITY;
      bad = true;
    } else if (isinf(g) || isinf(w)) {
      bad = g != w;
      err = bad ? INFINITY : 0.0;
    } else {
      err = fabs(g - w);
      bad = !(err <= tol);
      double rel = err / fmax(fabs(w), DBL_MIN);
      s.maxRel = rel > s.maxRel ? rel : s.maxRel;
    }
    if (!isnan(g) && !isnan(w) && err > s.maxAbs)
      s.maxAbs = err;
    double score = badness(err, tol);
    if (score > worst) {
      worst = score;
      s.worstIndex = (int64_t)i;
    }
    s.numBad += bad ? 1 : 0;
  }
  if (stats != NULL)
    *stats = s;
  return s.numBad == 0;
}

uint64_t attnRandNext(uint64_t *state) {
  uint64_t z = (*state += UINT64_C(0x9e3779b97f4a7c15));
  z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
  z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
  return z ^ (z >> 31);
}

/* lo + offset without signed overflow or implementation-defined conversion. */
static int64_t addUnsigned(int64_t lo, uint64_t offset) {
  uint64_t u = (uint64_t)lo + offset;
  return u <= (uint64_t)INT64_MAX ? (int64_t)u : -(int64_t)(~u) - 1;
}

int64_t attnRandRange(uint64_t *state, int64_t lo, int64_t hiInclusive) {
  if (hiInclusive < lo)
    return lo;
  uint64_t span = (uint64_t)hiInclusive - (uint64_t)lo;
  if (span == UINT64_MAX)
    return addUnsigned(lo, attnRandNext(state));
  uint64_t range = span + 1;
  /* Reject the lowest 2^64 mod range draws so every residue is equally
   * likely. */
  uint64_t threshold = (0 - range) % range;
  for (;;) {
    uint64_t r = attnRandNext(state);
    if (r >= threshold)
      return addUnsigned(lo, r % range);
  }
}

/* Uniform in (0, 1]: never 0, so log() in Box-Muller stays finite. */
static double uniformOpenZero(uint64_t *state) {
  return (double)((attnRandNext(state) >> 11) + 1) * 0x1p-53;
}

void attnRandNormal(uint64_t *state, double *out, size_t n) {
  static const double kTwoPi = 6.283185307179586476925286766559;
  for (size_t i = 0; i < n; i += 2) {
    double radius = sqrt(-2.0 * log(uniformOpenZero(state)));
    double angle = kTwoPi * uniformOpenZero(state);
    out[i] = radius * cos(angle);
    if (i + 1 < n)
      out[i + 1] = radius * sin(angle);
  }
}
