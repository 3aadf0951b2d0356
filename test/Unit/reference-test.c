/* Unit tests for reference.h: hand-computed attention cases (masking, softcap,
 * alibi, GQA, varlen, paged, MLA), the gradients against finite differences of the
 * forward, Philox4x32-10's known answers, the comparison helper and the RNG.
 * Build from the repository root:
 *   gcc -std=c11 -Wall -Wextra -Werror -O2 -Itools/attn-run/support \
 *     test/Unit/reference-test.c tools/attn-run/support/{half,npy,reference}.c -lm */
#include "reference.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures = 0;

#define CHECK(cond, ...)                                                                           \
  do {                                                                                             \
    if (!(cond)) {                                                                                 \
      ++failures;                                                                                  \
      fprintf(stderr, "%s:%d: FAILED %s: ", __FILE__, __LINE__, #cond);                            \
      fprintf(stderr, __VA_ARGS__);                                                                \
      fputc('\n', stderr);                                                                         \
    }                                                                                              \
  } while (0)

#define TIGHT 1e-13 /* both atol and rtol for results computed two ways */

static AttnRefParams makeParams(int64_t B, int64_t Hq, int64_t Hkv, int64_t Sq, int64_t Sk,
                                int64_t D, int64_t Dv) {
  AttnRefParams p;
  memset(&p, 0, sizeof p);
  p.B = B;
  p.Hq = Hq;
  p.Hkv = Hkv;
  p.Sq = Sq;
  p.Sk = Sk;
  p.D = D;
  p.Dv = Dv;
  p.scale = D > 0 ? 1.0 / sqrt((double)D) : 1.0;
  return p;
}

/* calloc'ed buffer of n normal samples (caller frees); never NULL for n == 0. */
static double *randomTensor(uint64_t *state, size_t n) {
  double *x = calloc(n ? n : 1, sizeof *x);
  if (x == NULL) {
    fprintf(stderr, "out of memory\n");
    exit(2);
  }
  attnRandNormal(state, x, n);
  return x;
}

static void expectClose(const double *got, const double *want, size_t n, const char *what) {
  AttnCompareStats st;
  bool ok = attnCompare(got, want, n, TIGHT, TIGHT, &st);
  CHECK(ok, "%s: %lld bad, worst index %lld got %.17g want %.17g", what, (long long)st.numBad,
        (long long)st.worstIndex, st.worstIndex >= 0 ? got[st.worstIndex] : 0.0,
        st.worstIndex >= 0 ? want[st.worstIndex] : 0.0);
}

/* A fully masked row: exactly 0 output and -inf lse. */
static void expectMaskedRow(const double *outRow, int64_t Dv, double lse, const char *what) {
  for (int64_t d = 0; d < Dv; ++d)
    CHECK(outRow[d] == 0.0 && !signbit(outRow[d]), "%s: out[%lld] = %g, want +0", what,
          (long long)d, outRow[d]);
  CHECK(lse == -INFINITY, "%s: lse = %g, want -inf", what, lse);
}

/* softmax(logits) @ v for n keys, and log-sum-exp, straight from the
 * definition (no max subtraction: the test logits are small). */
static void softmaxRow(const double *logits, const double *v, int n, int Dv, double *out,
                       double *lse) {
  double sum = 0;
  for (int j = 0; j < n; ++j)
    sum += exp(logits[j]);
  for (int d = 0; d < Dv; ++d) {
    out[d] = 0;
    for (int j = 0; j < n; ++j)
      out[d] += exp(logits[j]) / sum * v[j * Dv + d];
  }
  *lse = log(sum);
}

static void testSingleKey(void) {
  AttnRefParams p = makeParams(2, 2, 2, 3, 1, 4, 5);
  uint64_t st = 1;
  double *q = randomTensor(&st, 2 * 2 * 3 * 4), *k = randomTensor(&st, 2 * 2 * 1 * 4),
         *v = randomTensor(&st, 2 * 2 * 1 * 5);
  double out[2 * 2 * 3 * 5], lse[2 * 2 * 3];
  attnRefMha(&p, q, k, v, NULL, out, lse);
  for (int bh = 0; bh < 4; ++bh) {
    for (int i = 0; i < 3; ++i) {
      double dot = 0;
      for (int d = 0; d < 4; ++d)
        dot += q[(bh * 3 + i) * 4 + d] * k[bh * 4 + d];
      expectClose(out + (bh * 3 + i) * 5, v + bh * 5, 5, "single key: out == v");
      expectClose(&lse[bh * 3 + i], (double[]){dot * p.scale}, 1, "single key: lse == logit");
    }
  }
  free(q);
  free(k);
  free(v);
}

static void testUniformLogits(void) {
  AttnRefParams p = makeParams(1, 1, 1, 2, 4, 3, 2);
  double q[2 * 3] = {0};
  uint64_t st = 2;
  double *k = randomTensor(&st, 4 * 3), *v = randomTensor(&st, 4 * 2);
  double out[2 * 2], lse[2];
  attnRefMha(&p, q, k, v, NULL, out, lse);
  for (int i = 0; i < 2; ++i) {
    for (int d = 0; d < 2; ++d) {
      double mean = (v[0 + d] + v[2 + d] + v[4 + d] + v[6 + d]) / 4;
      expectClose(&out[i * 2 + d], &mean, 1, "uniform logits: out == mean(v)");
    }
    expectClose(&lse[i], (double[]){log(4.0)}, 1, "uniform logits: lse == log(Sk)");
  }
  free(k);
  free(v);
}

/* Sq > Sk with causal: off = -2, so rows 0 and 1 see no key at all. */
static void testCausalMoreQueriesThanKeys(void) {
  AttnRefParams p = makeParams(1, 1, 1, 5, 3, 1, 2);
  p.causal = true;
  p.scale = 1.0;
  double q[5] = {1, 1, 1, 1, 1};
  double k[3] = {0.5, -1, 2};
  double v[3 * 2] = {1, 2, 3, 4, 5, 6};
  double out[5 * 2], lse[5];
  attnRefMha(&p, q, k, v, NULL, out, lse);
  expectMaskedRow(out + 0, 2, lse[0], "causal row 0");
  expectMaskedRow(out + 2, 2, lse[1], "causal row 1");
  expectClose(out + 4, v, 2, "causal row 2 sees key 0 only");
  CHECK(lse[2] == 0.5, "row 2 lse %g", lse[2]);
  double want[2], wantLse;
  softmaxRow(k, v, 2, 2, want, &wantLse); /* q = 1, so logits are k */
  expectClose(out + 6, want, 2, "causal row 3 sees keys 0..1");
  expectClose(&lse[3], &wantLse, 1, "causal row 3 lse");
  softmaxRow(k, v, 3, 2, want, &wantLse);
  expectClose(out + 8, want, 2, "causal row 4 sees all keys");
  expectClose(&lse[4], &wantLse, 1, "causal row 4 lse");
}

static void testWindows(void) {
  double v[4 * 2] = {1, 2, 3, 4, 5, 6, 7, 8};
  double q[6] = {0}, k[4] = {0};
  double out[6 * 2], lse[6];

  /* Band of width 0 on the diagonal with Sq > Sk: the diagonal only meets the
   * keys for the last two rows. */
  AttnRefParams p = makeParams(1, 1, 1, 6, 2, 1, 2);
  p.hasWindowLeft = p.hasWindowRight = true;
  attnRefMha(&p, q, k, v, NULL, out, lse);
  for (int i = 0; i < 4; ++i)
    expectMaskedRow(out + 2 * i, 2, lse[i], "diagonal band, rows before the keys");
  expectClose(out + 8, v, 2, "diagonal band row 4 -> v0");
  expectClose(out + 10, v + 2, 2, "diagonal band row 5 -> v1");

  /* causal (j <= i) together with window_left = -1 (j >= i + 1) masks every
   * key of every row. */
  p = makeParams(1, 1, 1, 3, 3, 1, 2);
  p.causal = p.hasWindowLeft = true;
  p.windowLeft = -1;
  attnRefMha(&p, q, k, v, NULL, out, lse);
  for (int i = 0; i < 3; ++i)
    expectMaskedRow(out + 2 * i, 2, lse[i], "causal + window_left -1");

  /* No keys at all: k and v may be NULL. */
  p = makeParams(1, 1, 1, 2, 0, 1, 2);
  attnRefMha(&p, q, NULL, NULL, NULL, out, lse);
  for (int i = 0; i < 2; ++i)
    expectMaskedRow(out + 2 * i, 2, lse[i], "Sk = 0");

  /* Sliding window, no causal: row i sees j in [i-1, i+0]; with zero logits
   * the output is the mean of the visible rows of v. */
  p = makeParams(1, 1, 1, 4, 4, 1, 2);
  p.hasWindowLeft = p.hasWindowRight = true;
  p.windowLeft = 1;
  p.windowRight = 0;
  attnRefMha(&p, q, k, v, NULL, out, lse);
  expectClose(out, v, 2, "window row 0 sees key 0");
  for (int i = 1; i < 4; ++i) {
    double mean[2] = {(v[2 * (i - 1)] + v[2 * i]) / 2, (v[2 * (i - 1) + 1] + v[2 * i + 1]) / 2};
    expectClose(out + 2 * i, mean, 2, "window rows see two keys");
    expectClose(&lse[i], (double[]){log(2.0)}, 1, "window lse");
  }

  /* window_right only (no causal): row 0 sees keys 0..2. */
  p.hasWindowLeft = false;
  p.windowRight = 2;
  attnRefMha(&p, q, k, v, NULL, out, lse);
  expectClose(&lse[0], (double[]){log(3.0)}, 1, "window_right only row 0");
  expectClose(&lse[3], (double[]){log(4.0)}, 1, "window_right only row 3");

  /* Huge windows behave like no window (and must not overflow). */
  p.hasWindowLeft = p.hasWindowRight = true;
  p.windowLeft = p.windowRight = INT64_MAX;
  attnRefMha(&p, q, k, v, NULL, out, lse);
  for (int i = 0; i < 4; ++i)
    expectClose(&lse[i], (double[]){log(4.0)}, 1, "INT64_MAX windows");
}

static void testSoftcap(void) {
  AttnRefParams p = makeParams(1, 1, 1, 1, 2, 1, 1);
  p.scale = 1.0;
  p.hasSoftcap = true;
  p.softcap = 2.0;
  double q[1] = {10}, k[2] = {10, -10}, v[2] = {3, -5};
  double out[1], lse[1];
  attnRefMha(&p, q, k, v, NULL, out, lse);
  double capped[2] = {2.0 * tanh(50.0), 2.0 * tanh(-50.0)};
  double want, wantLse;
  softmaxRow(capped, v, 2, 1, &want, &wantLse);
  expectClose(out, &want, 1, "softcap out");
  expectClose(lse, &wantLse, 1, "softcap lse");

  /* Whatever q and k are, capped logits lie in [-cap, cap], so
   * -cap + log(n) <= lse <= cap + log(n) for n visible keys. */
  p = makeParams(2, 3, 3, 4, 7, 8, 2);
  p.hasSoftcap = true;
  p.softcap = 5.0;
  uint64_t st = 3;
  size_t nq = 2 * 3 * 4 * 8, nk = 2 * 3 * 7 * 8;
  double *qq = randomTensor(&st, nq), *kk = randomTensor(&st, nk), *vv = randomTensor(&st, nk);
  for (size_t i = 0; i < nq; ++i)
    qq[i] *= 100; /* logits of order 1e3 without the cap */
  double o[2 * 3 * 4 * 2], l[2 * 3 * 4];
  attnRefMha(&p, qq, kk, vv, NULL, o, l);
  for (int i = 0; i < 24; ++i)
    CHECK(l[i] <= 5.0 + log(7.0) + 1e-12 && l[i] >= -5.0 + log(7.0) - 1e-12, "lse %g out of bound",
          l[i]);
  free(qq);
  free(kk);
  free(vv);
}

/* Sq = 2, Sk = 3 (off = 1), D = 1, scale 1, two heads with slopes 0.5 and
 * 0.25. Logits written out from logit = q_i k_j - slope * |i + 1 - j|. */
static void testAlibi(void) {
  AttnRefParams p = makeParams(1, 2, 2, 2, 3, 1, 2);
  p.scale = 1.0;
  double q[2 * 2] = {1, 2, 1, 2};
  double k[2 * 3] = {1, 0, -1, 1, 0, -1};
  double v[2 * 3 * 2] = {1, 0, 0, 1, 1, 1, 1, 0, 0, 1, 1, 1};
  double slopes[2] = {0.5, 0.25};
  double out[2 * 2 * 2], lse[2 * 2];
  attnRefMha(&p, q, k, v, slopes, out, lse);
  const double logits[2][2][3] = {
      /* head 0, slope 0.5 */
      {{1 - 0.5, 0 - 0.0, -1 - 0.5}, {2 - 1.0, 0 - 0.5, -2 - 0.0}},
      /* head 1, slope 0.25 */
      {{1 - 0.25, 0 - 0.0, -1 - 0.25}, {2 - 0.5, 0 - 0.25, -2 - 0.0}},
  };
  for (int h = 0; h < 2; ++h) {
    for (int i = 0; i < 2; ++i) {
      double want[2], wantLse;
      softmaxRow(logits[h][i], v + h * 6, 3, 2, want, &wantLse);
      expectClose(out + (h * 2 + i) * 2, want, 2, "alibi out");
      expectClose(&lse[h * 2 + i], &wantLse, 1, "alibi lse");
    }
  }
  /* With causal, row 0 (diagonal at key 1) drops key 2. */
  p.causal = true;
  attnRefMha(&p, q, k, v, slopes, out, lse);
  double want[2], wantLse;
  softmaxRow(logits[0][0], v, 2, 2, want, &wantLse);
  expectClose(out, want, 2, "alibi + causal row 0");
  expectClose(lse, &wantLse, 1, "alibi + causal row 0 lse");
}

/* Each query head h of a GQA op must equal a one-head op run on q[b][h] with
 * kv head h / (Hq / Hkv). */
static void testGqaMapping(void) {
  enum { B = 2, HQ = 6, HKV = 2, SQ = 3, SK = 5, D = 4, DV = 3 };
  AttnRefParams p = makeParams(B, HQ, HKV, SQ, SK, D, DV);
  p.causal = true;
  uint64_t st = 4;
  double *q = randomTensor(&st, B * HQ * SQ * D), *k = randomTensor(&st, B * HKV * SK * D),
         *v = randomTensor(&st, B * HKV * SK * DV), *alibi = randomTensor(&st, HQ);
  double out[B * HQ * SQ * DV], lse[B * HQ * SQ];
  attnRefMha(&p, q, k, v, alibi, out, lse);
  AttnRefParams one = p;
  one.B = one.Hq = one.Hkv = 1;
  for (int b = 0; b < B; ++b) {
    for (int h = 0; h < HQ; ++h) {
      int kvh = h / (HQ / HKV);
      double o[SQ * DV], l[SQ];
      attnRefMha(&one, q + (b * HQ + h) * SQ * D, k + (b * HKV + kvh) * SK * D,
                 v + (b * HKV + kvh) * SK * DV, alibi + h, o, l);
      expectClose(out + (b * HQ + h) * SQ * DV, o, SQ * DV, "GQA head out");
      expectClose(lse + (b * HQ + h) * SQ, l, SQ, "GQA head lse");
    }
  }
  free(q);
  free(k);
  free(v);
  free(alibi);
}

/* Runs varlen on a packed batch and checks each sequence against attn.mha on
 * that sequence alone, and the uncovered tail tokens against the masked-row
 * convention. */
static void checkVarlenAgainstMha(AttnRefParams p, const char *what) {
  enum { NB = 4, TQ = 12, TK = 13, HQ = 4, HKV = 2, D = 3, DV = 2 };
  /* q lengths 3, 0, 4, 3 (+2 uncovered); k lengths 5, 2, 4, 1 (+1 uncovered).
   * The last sequence has more queries than keys (off = -2). */
  const int32_t cuQ[NB + 1] = {0, 3, 3, 7, 10}, cuK[NB + 1] = {0, 5, 7, 11, 12};
  p.B = NB;
  p.Hq = HQ;
  p.Hkv = HKV;
  p.Sq = TQ;
  p.Sk = TK;
  p.D = D;
  p.Dv = DV;
  p.scale = 0.7;
  uint64_t st = 5;
  double *q = randomTensor(&st, TQ * HQ * D), *k = randomTensor(&st, TK * HKV * D),
         *v = randomTensor(&st, TK * HKV * DV), *alibi = randomTensor(&st, HQ);
  double out[TQ * HQ * DV], lse[HQ * TQ];
  char err[256] = "";
  int rc = attnRefMhaVarlen(&p, q, k, v, cuQ, cuK, alibi, out, lse, err, sizeof err);
  CHECK(rc == 0, "%s: varlen failed: %s", what, err);
  for (int b = 0; b < NB; ++b) {
    int lq = cuQ[b + 1] - cuQ[b], lk = cuK[b + 1] - cuK[b];
    /* Unpack sequence b into BHSD layout. */
    double qb[HQ * TQ * D], kb[HKV * TK * D], vb[HKV * TK * DV], ob[HQ * TQ * DV], lb[HQ * TQ];
    for (int h = 0; h < HQ; ++h)
      for (int i = 0; i < lq; ++i)
        memcpy(qb + (h * lq + i) * D, q + ((cuQ[b] + i) * HQ + h) * D, D * sizeof(double));
    for (int h = 0; h < HKV; ++h) {
      for (int j = 0; j < lk; ++j) {
        memcpy(kb + (h * lk + j) * D, k + ((cuK[b] + j) * HKV + h) * D, D * sizeof(double));
        memcpy(vb + (h * lk + j) * DV, v + ((cuK[b] + j) * HKV + h) * DV, DV * sizeof(double));
      }
    }
    AttnRefParams one = p;
    one.B = 1;
    one.Sq = lq;
    one.Sk = lk;
    attnRefMha(&one, qb, kb, vb, alibi, ob, lb);
    for (int h = 0; h < HQ; ++h) {
      for (int i = 0; i < lq; ++i) {
        int t = cuQ[b] + i;
        expectClose(out + (t * HQ + h) * DV, ob + (h * lq + i) * DV, DV, what);
        expectClose(&lse[h * TQ + t], &lb[h * lq + i], 1, what);
      }
    }
  }
  for (int t = cuQ[NB]; t < TQ; ++t)
    for (int h = 0; h < HQ; ++h)
      expectMaskedRow(out + (t * HQ + h) * DV, DV, lse[h * TQ + t], "uncovered varlen token");
  /* lse may be NULL. */
  CHECK(attnRefMhaVarlen(&p, q, k, v, cuQ, cuK, alibi, out, NULL, err, sizeof err) == 0, "%s", err);
  free(q);
  free(k);
  free(v);
  free(alibi);
}

static void testVarlen(void) {
  AttnRefParams p = makeParams(0, 0, 1, 0, 0, 0, 0);
  checkVarlenAgainstMha(p, "varlen plain");
  p.causal = true;
  p.hasWindowLeft = true;
  p.windowLeft = 2;
  p.hasSoftcap = true;
  p.softcap = 1.5;
  checkVarlenAgainstMha(p, "varlen causal+window+softcap+alibi");
  p.causal = false;
  p.hasWindowRight = true;
  p.windowRight = 0;
  checkVarlenAgainstMha(p, "varlen band");
}

static void expectVarlenError(const int32_t *cuQ, const int32_t *cuK, const char *needle) {
  AttnRefParams p = makeParams(3, 1, 1, 6, 6, 1, 1);
  double q[6] = {0}, k[6] = {0}, v[6] = {0};
  double out[6], lse[6];
  for (int i = 0; i < 6; ++i)
    out[i] = lse[i] = 42.0;
  char err[256] = "";
  int rc = attnRefMhaVarlen(&p, q, k, v, cuQ, cuK, NULL, out, lse, err, sizeof err);
  CHECK(rc != 0, "invalid cu_seqlens accepted (want '%s')", needle);
  CHECK(strstr(err, needle) != NULL, "message '%s' lacks '%s'", err, needle);
  for (int i = 0; i < 6; ++i)
    CHECK(out[i] == 42.0 && lse[i] == 42.0, "outputs written despite the error");
}

static void testInvalidCuSeqlens(void) {
  const int32_t good[4] = {0, 2, 4, 6};
  expectVarlenError((int32_t[]){1, 2, 4, 6}, good, "cu_seqlens_q[0] = 1");
  expectVarlenError(good, (int32_t[]){0, 3, 2, 6}, "cu_seqlens_k[2] = 2 is less than");
  expectVarlenError((int32_t[]){0, 2, 4, 7}, good, "cu_seqlens_q[3] = 7 exceeds the 6");
  expectVarlenError(good, (int32_t[]){0, -1, 4, 6}, "cu_seqlens_k[1] = -1");
  expectVarlenError(NULL, good, "cu_seqlens_q is NULL");

  AttnRefParams p = makeParams(1, 3, 2, 1, 1, 1, 1);
  char err[256] = "";
  CHECK(attnRefCheckParams(&p, err, sizeof err) != 0 && strstr(err, "divide") != NULL,
        "Hq %% Hkv: %s", err);
  p = makeParams(1, 1, 1, 1, 1, 1, 1);
  p.hasSoftcap = true;
  CHECK(attnRefCheckParams(&p, err, sizeof err) != 0 && strstr(err, "softcap") != NULL,
        "softcap 0: %s", err);
  p = makeParams(1, 1, 0, 1, 1, 1, 1);
  double sentinel = 42.0;
  attnRefMha(&p, &sentinel, &sentinel, &sentinel, NULL, &sentinel, NULL);
  CHECK(sentinel == 42.0, "attnRefMha wrote output for invalid params");
}

/* A paged batch made from a packed (varlen) one: the keys of sequence b are
 * scattered into blocks of BS slots taken from a shuffled pool, with a NaN
 * in every slot no sequence owns and garbage (out-of-range ids) in the
 * table entries past ceil(seq_len / BS). attnRefPaged must give what
 * attnRefMhaVarlen gives on the packed keys, and never read the NaNs. */
enum { PB = 4, PTQ = 12, PTK = 13, PHQ = 4, PHKV = 2, PD = 3, PDV = 2, PBS = 3, PNB = 9, PMB = 4 };

static void scatterToCache(const double *packed, int width, const int32_t *cuK,
                           const int32_t *table, double *cache) {
  for (int i = 0; i < PNB * PBS * PHKV * width; ++i)
    cache[i] = NAN;
  for (int b = 0; b < PB; ++b)
    for (int j = 0; j < cuK[b + 1] - cuK[b]; ++j) {
      int block = table[b * PMB + j / PBS], slot = j % PBS;
      memcpy(cache + (block * PBS + slot) * PHKV * width, packed + (cuK[b] + j) * PHKV * width,
             (size_t)(PHKV * width) * sizeof(double));
    }
}

static void checkPagedAgainstVarlen(AttnRefParams p, const char *what) {
  /* q lengths 3, 0, 4, 1 (+4 uncovered); seq_lens 5, 2, 4, 1 (+1 unused
   * packed key): chunked prefill, an empty-query sequence, a sequence whose
   * queries are all its keys, decode. Blocks used: 2 + 1 + 2 + 1 of 9. */
  const int32_t qsl[PB + 1] = {0, 3, 3, 7, 8}, cuK[PB + 1] = {0, 5, 7, 11, 12};
  const int32_t seqLens[PB] = {5, 2, 4, 1};
  const int32_t table[PB * PMB] = {7, 2, -1, 99, 4, 2147483647, 0, 0, 8, 1, -5, 9, 3, 40, 6, 6};
  p.B = PB;
  p.Hq = PHQ;
  p.Hkv = PHKV;
  p.Sq = PTQ;
  p.Sk = PTK;
  p.D = PD;
  p.Dv = PDV;
  p.scale = 0.6;
  uint64_t st = 11;
  double *q = randomTensor(&st, PTQ * PHQ * PD), *k = randomTensor(&st, PTK * PHKV * PD),
         *v = randomTensor(&st, PTK * PHKV * PDV), *alibi = randomTensor(&st, PHQ);
  double kc[PNB * PBS * PHKV * PD], vc[PNB * PBS * PHKV * PDV];
  scatterToCache(k, PD, cuK, table, kc);
  scatterToCache(v, PDV, cuK, table, vc);
  double want[PTQ * PHQ * PDV], wantLse[PHQ * PTQ], got[PTQ * PHQ * PDV], gotLse[PHQ * PTQ];
  char err[256] = "";
  CHECK(attnRefMhaVarlen(&p, q, k, v, qsl, cuK, alibi, want, wantLse, err, sizeof err) == 0,
        "%s: varlen failed: %s", what, err);
  AttnRefPaging g = {PNB, PBS, PMB};
  int rc =
      attnRefPaged(&p, &g, q, kc, vc, table, seqLens, qsl, alibi, got, gotLse, err, sizeof err);
  CHECK(rc == 0, "%s: paged failed: %s", what, err);
  expectClose(got, want, PTQ * PHQ * PDV, what);
  expectClose(gotLse, wantLse, PHQ * PTQ, what);
  for (int t = qsl[PB]; t < PTQ; ++t)
    for (int h = 0; h < PHQ; ++h)
      expectMaskedRow(got + (t * PHQ + h) * PDV, PDV, gotLse[h * PTQ + t], "uncovered paged token");
  CHECK(attnRefPaged(&p, &g, q, kc, vc, table, seqLens, qsl, alibi, got, NULL, err, sizeof err) ==
            0,
        "lse may be NULL: %s", err);
  free(q);
  free(k);
  free(v);
  free(alibi);
}

/* Decode of one sequence (one query, 7 keys in blocks 2, 0, 1 of 2 slots)
 * is attn.mha with Sq = 1, whose causal mask is bottom-right aligned. */
static void testPagedDecodeAgainstMha(void) {
  enum { SK = 7, HQ = 2, D = 4, BS = 2, NB = 4, MB = 4 };
  AttnRefParams p = makeParams(1, HQ, 1, 1, SK, D, D);
  p.causal = true;
  p.hasWindowLeft = true;
  p.windowLeft = 4;
  uint64_t st = 12;
  double *q = randomTensor(&st, HQ * D), *k = randomTensor(&st, SK * D),
         *v = randomTensor(&st, SK * D);
  const int32_t table[MB] = {2, 0, 1, 3}, seqLens[1] = {SK}, qsl[2] = {0, 1};
  double kc[NB * BS * D], vc[NB * BS * D];
  for (int i = 0; i < NB * BS * D; ++i)
    kc[i] = vc[i] = NAN;
  for (int j = 0; j < SK; ++j) {
    memcpy(kc + (table[j / BS] * BS + j % BS) * D, k + j * D, D * sizeof(double));
    memcpy(vc + (table[j / BS] * BS + j % BS) * D, v + j * D, D * sizeof(double));
  }
  double want[HQ * D], wantLse[HQ], got[HQ * D], gotLse[HQ];
  attnRefMha(&p, q, k, v, NULL, want, wantLse);
  AttnRefPaging g = {NB, BS, MB};
  char err[256] = "";
  CHECK(attnRefPaged(&p, &g, q, kc, vc, table, seqLens, qsl, NULL, got, gotLse, err, sizeof err) ==
            0,
        "paged decode: %s", err);
  expectClose(got, want, HQ * D, "paged decode out");
  expectClose(gotLse, wantLse, HQ, "paged decode lse");
  free(q);
  free(k);
  free(v);
}

static void testPaged(void) {
  AttnRefParams p = makeParams(0, 0, 1, 0, 0, 0, 0);
  checkPagedAgainstVarlen(p, "paged plain");
  p.causal = true;
  p.hasWindowLeft = true;
  p.windowLeft = 2;
  p.hasSoftcap = true;
  p.softcap = 1.5;
  checkPagedAgainstVarlen(p, "paged causal+window+softcap+alibi");
  testPagedDecodeAgainstMha();
}

/* attnRefMla over a latent cache NB x BS x D equals attnRefPaged with one KV
 * head, k_cache = the cache and v_cache = a copy of its first Dv columns; it
 * never reads the NaN slots, and refuses Hkv != 1 or Dv outside [1, D]. */
static void testMla(void) {
  enum { B = 3, TQ = 6, HQ = 3, D = 5, DV = 3, BS = 2, NB = 7, MB = 4 };
  const int32_t qsl[B + 1] = {0, 1, 1, 4}, seqLens[B] = {3, 0, 5};
  const int32_t table[B * MB] = {4, 0, -3, 70, 9, 9, 9, 9, 6, 1, 2, 2147483647};
  AttnRefParams p = makeParams(B, HQ, 1, TQ, 0, D, DV);
  p.causal = true;
  p.hasSoftcap = true;
  p.softcap = 2.0;
  uint64_t st = 13;
  double *q = randomTensor(&st, TQ * HQ * D), *rows = randomTensor(&st, NB * BS * D);
  double kv[NB * BS * D], vc[NB * BS * DV];
  for (int i = 0; i < NB * BS * D; ++i)
    kv[i] = NAN;
  for (int b = 0; b < B; ++b)
    for (int j = 0; j < seqLens[b]; ++j) {
      int slot = table[b * MB + j / BS] * BS + j % BS;
      memcpy(kv + slot * D, rows + slot * D, D * sizeof(double));
    }
  for (int s = 0; s < NB * BS; ++s)
    memcpy(vc + s * DV, kv + s * D, DV * sizeof(double));
  double want[TQ * HQ * DV], wantLse[HQ * TQ], got[TQ * HQ * DV], gotLse[HQ * TQ];
  AttnRefPaging g = {NB, BS, MB};
  char err[256] = "";
  CHECK(attnRefPaged(&p, &g, q, kv, vc, table, seqLens, qsl, NULL, want, wantLse, err,
                     sizeof err) == 0,
        "mla via paged: %s", err);
  CHECK(attnRefMla(&p, &g, q, kv, table, seqLens, qsl, got, gotLse, err, sizeof err) == 0,
        "mla: %s", err);
  expectClose(got, want, TQ * HQ * DV, "mla out");
  expectClose(gotLse, wantLse, HQ * TQ, "mla lse");
  p.Dv = D + 1;
  CHECK(attnRefMla(&p, &g, q, kv, table, seqLens, qsl, got, NULL, err, sizeof err) != 0 &&
            strstr(err, "kv_lora_rank") != NULL,
        "Dv > D accepted: %s", err);
  p.Dv = DV;
  p.Hkv = 3;
  CHECK(attnRefMla(&p, &g, q, kv, table, seqLens, qsl, got, NULL, err, sizeof err) != 0 &&
            strstr(err, "Hkv = 1") != NULL,
        "Hkv = 3 accepted: %s", err);
  free(q);
  free(rows);
}

/* Data that breaks a precondition is reported, naming the entry, and
 * nothing is written. */
static void expectPagedError(const int32_t *table, const int32_t *seqLens, const int32_t *qsl,
                             AttnRefPaging g, const char *needle) {
  AttnRefParams p = makeParams(2, 1, 1, 4, 0, 1, 1);
  double q[4] = {0}, kc[8] = {0}, vc[8] = {0};
  double out[4], lse[4];
  for (int i = 0; i < 4; ++i)
    out[i] = lse[i] = 42.0;
  char err[256] = "";
  int rc = attnRefPaged(&p, &g, q, kc, vc, table, seqLens, qsl, NULL, out, lse, err, sizeof err);
  CHECK(rc != 0, "invalid paged inputs accepted (want '%s')", needle);
  CHECK(strstr(err, needle) != NULL, "message '%s' lacks '%s'", err, needle);
  for (int i = 0; i < 4; ++i)
    CHECK(out[i] == 42.0 && lse[i] == 42.0, "outputs written despite the error");
  char again[256] = "";
  CHECK(attnRefCheckPaged(&p, &g, table, seqLens, qsl, again, sizeof again) != 0 &&
            strcmp(err, again) == 0,
        "attnRefCheckPaged disagrees: '%s' vs '%s'", again, err);
}

static void testInvalidPaged(void) {
  /* 2 sequences, NB = 4 blocks of 2, MaxBlocks = 3 (at most 6 keys). */
  AttnRefPaging g = {4, 2, 3};
  const int32_t table[6] = {0, 1, 77, 2, 3, -1}, seqLens[2] = {3, 4}, qsl[3] = {0, 1, 3};
  expectPagedError(table, seqLens, (int32_t[]){1, 1, 3}, g, "query_start_loc[0] = 1");
  expectPagedError(table, seqLens, (int32_t[]){0, 2, 1}, g,
                   "query_start_loc[2] = 1 is less than query_start_loc[1] = 2");
  expectPagedError(table, seqLens, (int32_t[]){0, 1, 5}, g,
                   "query_start_loc[2] = 5 exceeds the 4 packed tokens");
  expectPagedError(table, (int32_t[]){3, 7}, qsl, g,
                   "seq_lens[1] = 7 is outside [0, MaxBlocks * BS = 3 * 2 = 6]");
  expectPagedError(table, (int32_t[]){-1, 4}, qsl, g, "seq_lens[0] = -1 is outside");
  expectPagedError(table, (int32_t[]){3, 1}, qsl, g,
                   "seq_lens[1] = 1 is less than the 2 query tokens of sequence 1");
  expectPagedError(table, (int32_t[]){5, 4}, qsl, g,
                   "block_tables[0][2] = 77 is not a block of the cache [0, NB = 4) (sequence 0 "
                   "has 5 keys in 3 blocks)");
  expectPagedError((int32_t[]){0, 1, 77, 2, -3, 0}, seqLens, qsl, g, "block_tables[1][1] = -3");
  expectPagedError(table, seqLens, NULL, g, "query_start_loc is NULL");
  expectPagedError(table, NULL, qsl, g, "seq_lens is NULL");
  expectPagedError(table, seqLens, qsl, (AttnRefPaging){4, 0, 3}, "bad cache geometry");

  /* Entries past ceil(seq_len / BS) are never looked at: 77 and -1 above
   * pass, and so does a sequence with no key and no query. */
  AttnRefParams p = makeParams(2, 1, 1, 4, 0, 1, 1);
  char err[256] = "";
  CHECK(attnRefCheckPaged(&p, &g, table, seqLens, qsl, err, sizeof err) == 0, "valid: %s", err);
  CHECK(attnRefCheckPaged(&p, &g, table, (int32_t[]){0, 4}, (int32_t[]){0, 0, 2}, err,
                          sizeof err) == 0,
        "empty sequence: %s", err);
}

/* Logits of order 1e6 must not overflow exp; out stays a convex combination
 * of the rows of v. */
static void testLargeLogits(void) {
  AttnRefParams p = makeParams(1, 2, 1, 5, 9, 16, 4);
  uint64_t st = 6;
  double *q = randomTensor(&st, 2 * 5 * 16), *k = randomTensor(&st, 9 * 16),
         *v = randomTensor(&st, 9 * 4);
  for (int i = 0; i < 2 * 5 * 16; ++i)
    q[i] *= 1e6;
  double out[2 * 5 * 4], lse[2 * 5];
  attnRefMha(&p, q, k, v, NULL, out, lse);
  for (int r = 0; r < 10; ++r) {
    CHECK(isfinite(lse[r]), "lse %d = %g", r, lse[r]);
    for (int d = 0; d < 4; ++d) {
      double lo = INFINITY, hi = -INFINITY;
      for (int j = 0; j < 9; ++j) {
        lo = fmin(lo, v[j * 4 + d]);
        hi = fmax(hi, v[j * 4 + d]);
      }
      CHECK(out[r * 4 + d] >= lo - 1e-12 && out[r * 4 + d] <= hi + 1e-12, "out %g outside [%g, %g]",
            out[r * 4 + d], lo, hi);
    }
  }
  free(q);
  free(k);
  free(v);
}

static void testCompare(void) {
  AttnCompareStats st;
  double want[5] = {1.0, -INFINITY, INFINITY, 0.0, 100.0};
  double got[5] = {1.0 + 1e-9, -INFINITY, INFINITY, 1e-9, 100.0 + 1e-6};
  CHECK(attnCompare(got, want, 5, 1e-8, 1e-8, &st), "within tolerance");
  CHECK(st.numBad == 0 && !st.nanMismatch, "stats of a pass");
  CHECK(fabs(st.maxAbs - 1e-6) < 1e-12, "maxAbs %g", st.maxAbs);
  CHECK(st.worstIndex == 4, "worst index %lld", (long long)st.worstIndex);

  got[4] = 100.0 + 1e-5; /* tol = 1e-8 + 1e-6 */
  CHECK(!attnCompare(got, want, 5, 1e-8, 1e-8, &st) && st.numBad == 1 && st.worstIndex == 4,
        "tolerance exceeded");

  got[4] = 100.0;
  got[2] = -INFINITY;
  CHECK(!attnCompare(got, want, 5, 1e-8, 1e-8, &st) && st.numBad == 1 && st.worstIndex == 2 &&
            isinf(st.maxAbs),
        "+inf vs -inf");
  got[2] = 1e300;
  CHECK(!attnCompare(got, want, 5, 1e-8, 1e-8, &st) && st.numBad == 1, "finite vs inf");

  got[2] = INFINITY;
  got[0] = NAN;
  CHECK(!attnCompare(got, want, 5, 1e9, 1e9, &st) && st.nanMismatch && st.worstIndex == 0,
        "NaN in got fails whatever the tolerance");
  got[0] = 1.0;
  want[3] = NAN;
  CHECK(!attnCompare(got, want, 5, 1e9, 1e9, &st) && st.nanMismatch, "NaN in want fails");

  double a[2] = {2.0, 0.0}, b[2] = {1.0, 0.0};
  CHECK(!attnCompare(a, b, 2, 0.1, 0.1, &st) && fabs(st.maxRel - 1.0) < 1e-15, "maxRel %g",
        st.maxRel);
  CHECK(attnCompare(a, b, 2, 0.1, 0.1, NULL) == false, "NULL stats");
  CHECK(attnCompare(a, b, 2, 0.5, 0.5, NULL), "boundary |got-want| == atol + rtol*|want| passes");
  CHECK(attnCompare(NULL, NULL, 0, 0, 0, &st) && st.worstIndex == -1, "empty");
}

static void testRng(void) {
  uint64_t a = 99, b = 99;
  for (int i = 0; i < 100; ++i)
    CHECK(attnRandNext(&a) == attnRandNext(&b), "same seed, same sequence");
  /* splitmix64 from seed 0: first output is a published constant. */
  uint64_t z = 0;
  CHECK(attnRandNext(&z) == UINT64_C(0xe220a8397b1dcdaf), "splitmix64 test vector");

  uint64_t st = 7;
  int seen[7] = {0};
  for (int i = 0; i < 7000; ++i) {
    int64_t r = attnRandRange(&st, -3, 3);
    CHECK(r >= -3 && r <= 3, "range value %lld", (long long)r);
    if (r >= -3 && r <= 3)
      seen[r + 3]++;
  }
  for (int i = 0; i < 7; ++i)
    CHECK(seen[i] > 800 && seen[i] < 1200, "bucket %d has %d", i - 3, seen[i]);
  CHECK(attnRandRange(&st, 5, 5) == 5, "single value range");
  CHECK(attnRandRange(&st, 5, 4) == 5, "empty range returns lo");
  (void)attnRandRange(&st, INT64_MIN, INT64_MAX);
  CHECK(attnRandRange(&st, INT64_MAX - 1, INT64_MAX) >= INT64_MAX - 1, "top of range");
  CHECK(attnRandRange(&st, INT64_MIN, INT64_MIN + 1) <= INT64_MIN + 1, "bottom of range");

  enum { N = 200001 }; /* odd: exercises the unpaired last sample */
  double *x = malloc(N * sizeof *x);
  attnRandNormal(&st, x, N);
  double mean = 0, var = 0;
  for (int i = 0; i < N; ++i)
    mean += x[i];
  mean /= N;
  for (int i = 0; i < N; ++i)
    var += (x[i] - mean) * (x[i] - mean);
  var /= N - 1;
  CHECK(fabs(mean) < 0.01 && fabs(var - 1) < 0.02, "normal mean %g var %g", mean, var);
  for (int i = 0; i < N; ++i)
    CHECK(isfinite(x[i]), "sample %d not finite", i);
  free(x);
}

/* Sinks, from the definition: the sink is one more term of the row's
 * denominator, without a value. Causal with Sq > Sk as above: rows 0 and 1
 * see no key (out 0, lse = the sink; -inf for a -inf sink), rows 2..4 see
 * 1..3 keys. Head 0's sink is 0.7, head 1's -inf (no sink: the plain
 * softmax), and a sink of 40 leaves out ~0 with lse ~40 (no overflow). */
static void testSinks(void) {
  AttnRefParams p = makeParams(1, 3, 1, 5, 3, 1, 2);
  p.causal = true;
  p.scale = 1.0;
  const double sinks[3] = {0.7, -INFINITY, 40.0};
  p.sinks = sinks;
  double q[3 * 5] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
  double k[3] = {0.5, -1, 2};
  double v[3 * 2] = {1, 2, 3, 4, 5, 6};
  double out[3 * 5 * 2], lse[3 * 5];
  attnRefMha(&p, q, k, v, NULL, out, lse);
  for (int h = 0; h < 3; ++h) {
    for (int i = 0; i < 5; ++i) {
      const double *o = out + (h * 5 + i) * 2;
      int n = i - 2 > 0 ? i - 1 : i == 2 ? 1 : 0; /* keys row i sees: 0, 0, 1, 2, 3 */
      double sum = exp(sinks[h]), want[2] = {0, 0};
      for (int j = 0; j < n; ++j) {
        sum += exp(k[j]);
        for (int d = 0; d < 2; ++d)
          want[d] += exp(k[j]) * v[j * 2 + d];
      }
      char what[64];
      snprintf(what, sizeof what, "sinks head %d row %d", h, i);
      if (n == 0 && h == 1) {
        expectMaskedRow(o, 2, lse[h * 5 + i], what);
        continue;
      }
      for (int d = 0; d < 2; ++d)
        want[d] /= sum;
      expectClose(o, want, 2, what);
      double wantLse = log(sum);
      expectClose(&lse[h * 5 + i], &wantLse, 1, what);
      if (n == 0)
        CHECK(o[0] == 0.0 && o[1] == 0.0 && lse[h * 5 + i] == sinks[h],
              "%s: a row that sees no key gives out 0 and lse = the sink, got %g %g %g", what, o[0],
              o[1], lse[h * 5 + i]);
    }
  }
}

/* Philox4x32-10's known-answer vectors (Random123, kat_vectors: word 0). */
static void testPhilox(void) {
  uint32_t c0[4] = {0, 0, 0, 0}, k0[2] = {0, 0};
  uint32_t c1[4] = {0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu};
  uint32_t k1[2] = {0xffffffffu, 0xffffffffu};
  uint32_t c2[4] = {0x243f6a88u, 0x85a308d3u, 0x13198a2eu, 0x03707344u};
  uint32_t k2[2] = {0xa4093822u, 0x299f31d0u};
  CHECK(attnRefPhilox(c0, k0) == 0x6627e8d5u, "philox(0, 0) = %08x", attnRefPhilox(c0, k0));
  CHECK(attnRefPhilox(c1, k1) == 0x408f276du, "philox(~0, ~0) = %08x", attnRefPhilox(c1, k1));
  CHECK(attnRefPhilox(c2, k2) == 0xd16cfe09u, "philox(pi) = %08x", attnRefPhilox(c2, k2));
  /* The keep rate of the dropout factor over many draws is 1 - p. */
  AttnRefParams p = makeParams(1, 1, 1, 1, 1, 1, 1);
  p.dropoutP = 0.25;
  p.seed = 123456789012345;
  p.offset = 77;
  int kept = 0, n = 40000;
  for (int i = 0; i < n; ++i) {
    double z = attnRefDropoutScale(&p, i % 7, i / 200, i % 200);
    CHECK(z == 0.0 || z == 1.0 / 0.75, "dropout factor %g", z);
    kept += z != 0.0;
  }
  CHECK(fabs((double)kept / n - 0.75) < 0.01, "kept %d of %d", kept, n);
}

/* L = sum(out * w) for the forward of q, k, v (mha, or varlen with cu). */
static double forwardLoss(const AttnRefParams *p, const double *q, const double *k, const double *v,
                          const int32_t *cuQ, const int32_t *cuK, const double *alibi,
                          const double *w, size_t outCount) {
  double *out = calloc(outCount + 1, sizeof *out);
  double *lse = calloc((size_t)(p->B * p->Hq * p->Sq) + (size_t)(p->Hq * p->Sq) + 1, sizeof *lse);
  if (cuQ)
    attnRefMhaVarlen(p, q, k, v, cuQ, cuK, alibi, out, lse, NULL, 0);
  else
    attnRefMha(p, q, k, v, alibi, out, lse);
  double loss = 0.0;
  for (size_t i = 0; i < outCount; ++i)
    loss += out[i] * w[i];
  free(out);
  free(lse);
  return loss;
}

/* Central differences of forwardLoss for every element of x (one of q, k, v),
 * compared with the analytic gradient. */
static void expectFiniteDifferences(const AttnRefParams *p, double *q, double *k, double *v,
                                    const int32_t *cuQ, const int32_t *cuK, const double *alibi,
                                    const double *w, size_t outCount, double *x, size_t n,
                                    const double *analytic, const char *what) {
  const double h = 1e-6;
  for (size_t i = 0; i < n; ++i) {
    double old = x[i];
    x[i] = old + h;
    double up = forwardLoss(p, q, k, v, cuQ, cuK, alibi, w, outCount);
    x[i] = old - h;
    double down = forwardLoss(p, q, k, v, cuQ, cuK, alibi, w, outCount);
    x[i] = old;
    double numeric = (up - down) / (2 * h);
    CHECK(fabs(analytic[i] - numeric) <= 1e-6 + 1e-6 * fabs(numeric),
          "%s[%zu]: analytic %.12g, finite differences %.12g", what, i, analytic[i], numeric);
  }
}

/* attnRefMhaBwd is the derivative of attnRefMha: GQA, causal with Sq > Sk (rows
 * without keys), a window, softcap, alibi and dropout (the same mask in both). */
static void testGradients(void) {
  AttnRefParams p = makeParams(2, 4, 2, 6, 5, 3, 2);
  p.causal = true;
  p.hasWindowLeft = true;
  p.windowLeft = 2;
  p.hasSoftcap = true;
  p.softcap = 1.5;
  p.dropoutP = 0.3;
  p.seed = 42;
  p.offset = 5;
  uint64_t rng = 7;
  size_t nq = 2 * 4 * 6 * 3, nk = 2 * 2 * 5 * 3, nv = 2 * 2 * 5 * 2, no = 2 * 4 * 6 * 2;
  double *q = randomTensor(&rng, nq), *k = randomTensor(&rng, nk), *v = randomTensor(&rng, nv);
  double *w = randomTensor(&rng, no);
  double alibi[4] = {0.5, 0.25, 0.125, 0.0625};
  double *dq = calloc(nq, sizeof *dq), *dk = calloc(nk, sizeof *dk), *dv = calloc(nv, sizeof *dv);
  CHECK(attnRefMhaBwd(&p, q, k, v, w, alibi, dq, dk, dv, NULL, 0) == 0, "attnRefMhaBwd failed");
  /* Row 0 of every head sees no key (Sq - Sk = 1): dq = 0 there. */
  for (int64_t bh = 0; bh < 8; ++bh)
    for (int d = 0; d < 3; ++d)
      CHECK(dq[bh * 6 * 3 + d] == 0.0, "dq of a row without keys: %g", dq[bh * 6 * 3 + d]);
  expectFiniteDifferences(&p, q, k, v, NULL, NULL, alibi, w, no, q, nq, dq, "mha dq");
  expectFiniteDifferences(&p, q, k, v, NULL, NULL, alibi, w, no, k, nk, dk, "mha dk");
  expectFiniteDifferences(&p, q, k, v, NULL, NULL, alibi, w, no, v, nv, dv, "mha dv");
  free(q);
  free(k);
  free(v);
  free(w);
  free(dq);
  free(dk);
  free(dv);
}

/* attnRefMhaVarlenBwd likewise: an empty sequence, one of a single query and
 * tokens past the last sequence (gradient 0). */
static void testVarlenGradients(void) {
  AttnRefParams p = makeParams(3, 2, 1, 9, 10, 3, 3);
  p.causal = true;
  p.dropoutP = 0.5;
  p.seed = -3;
  int32_t cuQ[4] = {0, 0, 1, 7}, cuK[4] = {0, 2, 4, 9};
  uint64_t rng = 11;
  size_t nq = 9 * 2 * 3, nk = 10 * 1 * 3, nv = 10 * 1 * 3, no = 9 * 2 * 3;
  double *q = randomTensor(&rng, nq), *k = randomTensor(&rng, nk), *v = randomTensor(&rng, nv);
  double *w = randomTensor(&rng, no);
  double *dq = calloc(nq, sizeof *dq), *dk = calloc(nk, sizeof *dk), *dv = calloc(nv, sizeof *dv);
  CHECK(attnRefMhaVarlenBwd(&p, q, k, v, w, cuQ, cuK, NULL, dq, dk, dv, NULL, 0) == 0,
        "attnRefMhaVarlenBwd failed");
  for (size_t i = 7 * 2 * 3; i < nq; ++i)
    CHECK(dq[i] == 0.0, "dq past the last sequence: %g", dq[i]);
  for (size_t i = 0; i < 2 * 3; ++i)
    CHECK(dk[i] == 0.0 && dv[i] == 0.0, "dk/dv of a sequence without queries");
  expectFiniteDifferences(&p, q, k, v, cuQ, cuK, NULL, w, no, q, nq, dq, "varlen dq");
  expectFiniteDifferences(&p, q, k, v, cuQ, cuK, NULL, w, no, k, nk, dk, "varlen dk");
  expectFiniteDifferences(&p, q, k, v, cuQ, cuK, NULL, w, no, v, nv, dv, "varlen dv");
  free(q);
  free(k);
  free(v);
  free(w);
  free(dq);
  free(dk);
  free(dv);
}

int main(void) {
  testSingleKey();
  testSinks();
  testUniformLogits();
  testCausalMoreQueriesThanKeys();
  testWindows();
  testSoftcap();
  testAlibi();
  testGqaMapping();
  testVarlen();
  testInvalidCuSeqlens();
  testPaged();
  testInvalidPaged();
  testMla();
  testLargeLogits();
  testPhilox();
  testGradients();
  testVarlenGradients();
  testCompare();
  testRng();
  if (failures != 0) {
    printf("FAIL: %d check(s) failed\n", failures);
    return 1;
  }
  printf("PASS\n");
  return 0;
}
