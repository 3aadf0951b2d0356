/*===- Paged.c - inputs of attn.paged_attention for attn-run --------------===*
 *
 * The layout is chosen in three steps, each keeping what --input gave:
 * seq_lens (special lengths 0, 1 and MaxBlocks * BS among random ones, shrunk
 * until the sequences fit in NB blocks), then query lengths (decode and
 * prefill sequences within seq_len, a few tokens left past the last
 * sequence), then block tables (a shuffled pool of blocks, a prefix block
 * shared by some sequences, garbage in the entries no key uses).
 *
 *===----------------------------------------------------------------------===*/

#include "Paged.h"

#include "reference.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>

/* The operands of one paged op and what is already known about them. */
typedef struct {
  int64_t B, Tq, NB, BS, MB;
  AttnTensor *table, *seqLens, *qsl;
  bool haveTable, haveSeqLens, haveQsl;
} Layout;

static Layout readLayout(const AttnOpInfo *o, AttnTensor *args, const bool *have) {
  Layout l;
  const AttnTensor *k = &args[o->arg[ATTN_K]];
  l.table = &args[o->arg[ATTN_BLOCK_TABLES]];
  l.seqLens = &args[o->arg[ATTN_SEQ_LENS]];
  l.qsl = &args[o->arg[ATTN_QUERY_START]];
  l.B = l.seqLens->dims[0];
  l.Tq = args[o->arg[ATTN_Q]].dims[0];
  l.NB = k->dims[0];
  l.BS = k->dims[1];
  l.MB = l.table->dims[1];
  l.haveTable = have[o->arg[ATTN_BLOCK_TABLES]];
  l.haveSeqLens = have[o->arg[ATTN_SEQ_LENS]];
  l.haveQsl = have[o->arg[ATTN_QUERY_START]];
  return l;
}

static int64_t clampI64(int64_t x, int64_t lo, int64_t hi) { return x < lo ? lo : x > hi ? hi : x; }

static int64_t ceilDiv(int64_t x, int64_t y) { return (x + y - 1) / y; }

/* seq_lens are i32: MaxBlocks * BS may not be. */
static int64_t maxKeys(const Layout *l) {
  return l->MB > INT32_MAX / l->BS ? INT32_MAX : l->MB * l->BS;
}

static int64_t entry(const Layout *l, int64_t b, int64_t i) {
  return (int64_t)l->table->values[b * l->MB + i];
}

/* Random order of 0..n-1 (Fisher-Yates). */
static void shuffle(uint64_t *rng, int64_t *x, int64_t n) {
  for (int64_t i = n - 1; i > 0; --i) {
    int64_t j = attnRandRange(rng, 0, i), t = x[i];
    x[i] = x[j];
    x[j] = t;
  }
}

static int64_t *permutation(uint64_t *rng, int64_t n) {
  int64_t *p = malloc((size_t)n * sizeof(int64_t) + 1);
  for (int64_t i = 0; p && i < n; ++i)
    p[i] = i;
  if (p)
    shuffle(rng, p, n);
  return p;
}

/*===--- seq_lens ----------------------------------------------------------===*/

/* The fewest keys sequence b may have (its given query count) and the most
 * (what the table holds: all of it, or the leading valid entries of a given
 * table; nothing if the cache has no block). */
static void keyBounds(const Layout *l, int64_t b, int64_t *lo, int64_t *hi) {
  *lo = l->haveQsl ? clampI64((int64_t)(l->qsl->values[b + 1] - l->qsl->values[b]), 0, l->Tq) : 0;
  *hi = l->NB > 0 ? maxKeys(l) : 0;
  if (l->haveTable) {
    int64_t valid = 0;
    while (valid < l->MB && entry(l, b, valid) >= 0 && entry(l, b, valid) < l->NB)
      ++valid;
    *hi = valid * l->BS < *hi ? valid * l->BS : *hi;
  }
}

/* A length in [lo, hi]: at or next to a block boundary, short, or anywhere. */
static int64_t randomLength(uint64_t *rng, int64_t lo, int64_t hi, int64_t bs) {
  if (hi <= lo)
    return lo;
  switch (attnRandRange(rng, 0, 3)) {
  case 0:
    return clampI64(attnRandRange(rng, 0, hi / bs) * bs + attnRandRange(rng, -1, 1), lo, hi);
  case 1:
    return attnRandRange(rng, lo, hi - lo > 2 * bs ? lo + 2 * bs : hi);
  default:
    return attnRandRange(rng, lo, hi);
  }
}

/* Shrinks the longest sequences, a block at a time, until all of them fit in
 * the NB blocks of the cache (without counting on shared blocks). */
static bool fitInCache(const Layout *l, uint64_t *rng, const int64_t *lo, int64_t *len) {
  for (;;) {
    int64_t total = 0, longest = -1;
    for (int64_t b = 0; b < l->B; ++b) {
      total += ceilDiv(len[b], l->BS);
      bool shrinkable = ceilDiv(len[b], l->BS) > ceilDiv(lo[b], l->BS);
      if (shrinkable && (longest < 0 || len[b] > len[longest]))
        longest = b;
    }
    if (total <= l->NB)
      return true;
    if (longest < 0)
      return false;
    int64_t shorter = (ceilDiv(len[longest], l->BS) - 1) * l->BS - attnRandRange(rng, 0, l->BS - 1);
    len[longest] = shorter > lo[longest] ? shorter : lo[longest];
  }
}

static bool chooseSeqLens(const Layout *l, uint64_t *rng, int64_t *len, FILE *err,
                          const char *func) {
  int64_t *lo = malloc((size_t)l->B * sizeof(int64_t) + 1);
  int64_t *hi = malloc((size_t)l->B * sizeof(int64_t) + 1);
  int64_t *order = permutation(rng, l->B);
  bool ok = lo && hi && order;
  for (int64_t b = 0; ok && b < l->B; ++b) {
    keyBounds(l, b, &lo[b], &hi[b]);
    len[b] = randomLength(rng, lo[b], hi[b], l->BS);
  }
  /* The edge cases, each in a random sequence: no key, one key, a full
   * table (with B = 1: full or not, at random). */
  int64_t full = -1;
  if (ok && l->B >= 3) {
    len[order[0]] = lo[order[0]];
    len[order[1]] = clampI64(1, lo[order[1]], hi[order[1]]);
    full = order[2];
  } else if (ok && (l->B == 2 || (l->B == 1 && attnRandRange(rng, 0, 1)))) {
    full = order[0];
  }
  if (full >= 0)
    len[full] = hi[full] > lo[full] ? hi[full] : lo[full];
  if (ok && !l->haveTable && !fitInCache(l, rng, lo, len)) {
    fprintf(err,
            "attn-run: error: @%s: the %" PRId64 " blocks of the cache cannot hold the query "
            "tokens given by query_start_loc\n",
            func, l->NB);
    ok = false;
  }
  free(lo);
  free(hi);
  free(order);
  return ok;
}

/*===--- query lengths -----------------------------------------------------===*/

/* Each sequence with a key gets one query (decode) while tokens last; then
 * sequences become prefill ones (the first with room always, the others at
 * random), taking part or all of their keys as queries, and the prefill
 * ones take what tokens remain. A few tokens may be left past the last
 * sequence (more when the sequences have no room for them). */
static bool chooseQueryLens(const Layout *l, uint64_t *rng, const int64_t *keys, int64_t *lenQ) {
  int64_t *order = permutation(rng, l->B);
  if (!order)
    return false;
  int64_t spare = l->Tq >= 4 ? attnRandRange(rng, 0, l->Tq / 4 < 3 ? l->Tq / 4 : 3) : 0;
  int64_t budget = l->Tq - spare, numPrefill = 0;
  for (int64_t i = 0; i < l->B; ++i) {
    int64_t b = order[i];
    lenQ[b] = keys[b] >= 1 && budget > 0 ? 1 : 0;
    budget -= lenQ[b];
  }
  /* order[0..numPrefill) becomes the prefill sequences. */
  for (int64_t i = 0; i < l->B && budget > 0; ++i) {
    int64_t b = order[i], room = keys[b] - lenQ[b];
    room = room < budget ? room : budget;
    if (room <= 0 || (numPrefill > 0 && attnRandRange(rng, 0, 1) == 0))
      continue;
    int64_t extra = attnRandRange(rng, 0, 2) == 0 ? room : attnRandRange(rng, 1, room);
    lenQ[b] += extra;
    budget -= extra;
    order[i] = order[numPrefill];
    order[numPrefill++] = b;
  }
  for (int64_t i = 0; i < numPrefill && budget > 0; ++i) {
    int64_t b = order[i], room = keys[b] - lenQ[b];
    int64_t extra = room < budget ? room : budget;
    lenQ[b] += extra;
    budget -= extra;
  }
  free(order);
  return true;
}

/*===--- block tables ------------------------------------------------------===*/

/* Table entries no key uses: anything, as a kernel must not read them (or
 * only clamp them): negative, past NB, extreme, or the id of some block. */
static int64_t garbageEntry(uint64_t *rng, int64_t numBlocks) {
  switch (attnRandRange(rng, 0, 4)) {
  case 0:
    return -1 - attnRandRange(rng, 0, 1000);
  case 1:
    return clampI64(numBlocks + attnRandRange(rng, 0, 1000), 0, INT32_MAX);
  case 2:
    return INT32_MAX;
  case 3:
    return INT32_MIN;
  default:
    return numBlocks > 0 ? attnRandRange(rng, 0, numBlocks - 1) : -1;
  }
}

/* Blocks come from a shuffled pool (so no sequence is contiguous); when two
 * or more sequences have a full first block, some of them (two at least)
 * share it, as sequences with a common prompt prefix do. fitInCache made
 * sure the pool is large enough. */
static bool buildTable(const Layout *l, uint64_t *rng, const int64_t *keys, FILE *err,
                       const char *func) {
  int64_t next = 0, shared = -1, candidates = 0, needed = 0;
  for (int64_t b = 0; b < l->B; ++b) {
    candidates += keys[b] >= l->BS ? 1 : 0;
    needed += ceilDiv(keys[b], l->BS);
  }
  if (needed > l->NB) { /* only with seq_lens from --input */
    fprintf(err,
            "attn-run: error: @%s: the given seq_lens need %" PRId64
            " blocks, the cache has %" PRId64 "\n",
            func, needed, l->NB);
    return false;
  }
  int64_t *pool = permutation(rng, l->NB);
  if (!pool)
    return false;
  if (candidates >= 2)
    shared = pool[next++];
  int64_t sharers = 0;
  for (int64_t b = 0; b < l->B; ++b) {
    int64_t used = ceilDiv(keys[b], l->BS);
    /* The first two candidates always share, later ones at random. */
    bool share = shared >= 0 && keys[b] >= l->BS && (sharers < 2 || attnRandRange(rng, 0, 1));
    sharers += share ? 1 : 0;
    for (int64_t i = 0; i < l->MB; ++i) {
      int64_t id = i >= used ? garbageEntry(rng, l->NB) : i == 0 && share ? shared : pool[next++];
      l->table->values[b * l->MB + i] = (double)id;
    }
  }
  free(pool);
  return true;
}

/*===--- The layout --------------------------------------------------------===*/

bool attnPagedMakeLayout(const AttnFuncInfo *info, int op, AttnTensor *args, bool *have,
                         uint64_t *rng, FILE *err) {
  const AttnOpInfo *o = &info->ops[op];
  Layout l = readLayout(o, args, have);
  if (l.haveTable && l.haveSeqLens && l.haveQsl)
    return true;
  int64_t *keys = malloc((size_t)l.B * sizeof(int64_t) + 1);
  int64_t *lenQ = malloc((size_t)l.B * sizeof(int64_t) + 1);
  bool ok = keys && lenQ;
  for (int64_t b = 0; ok && b < l.B && l.haveSeqLens; ++b)
    keys[b] = clampI64((int64_t)l.seqLens->values[b], 0, maxKeys(&l));
  if (ok && !l.haveSeqLens)
    ok = chooseSeqLens(&l, rng, keys, err, info->name);
  if (ok && !l.haveQsl && (ok = chooseQueryLens(&l, rng, keys, lenQ))) {
    l.qsl->values[0] = 0;
    for (int64_t b = 0; b < l.B; ++b)
      l.qsl->values[b + 1] = l.qsl->values[b] + (double)lenQ[b];
  }
  if (ok && !l.haveTable)
    ok = buildTable(&l, rng, keys, err, info->name);
  for (int64_t b = 0; ok && b < l.B && !l.haveSeqLens; ++b)
    l.seqLens->values[b] = (double)keys[b];
  if (!keys || !lenQ)
    fprintf(err, "attn-run: error: @%s: out of memory making paged inputs\n", info->name);
  free(keys);
  free(lenQ);
  if (!ok)
    return false;
  for (int s = ATTN_BLOCK_TABLES; s <= ATTN_QUERY_START; ++s) {
    if (!have[o->arg[s]])
      attnTensorStoreValues(&args[o->arg[s]]);
    have[o->arg[s]] = true;
  }
  return true;
}

/*===--- Poisoned caches ---------------------------------------------------===*/

/* Marks the slots of `cache` that op o reads. */
static void markReadSlots(const AttnOpInfo *o, const AttnTensor *args, const AttnTensor *cache,
                          bool *read) {
  Layout l = readLayout(o, (AttnTensor *)args, (bool[ATTN_RUN_MAX_ARGS]){false});
  for (int64_t b = 0; b < l.B; ++b) {
    int64_t len = clampI64((int64_t)l.seqLens->values[b], 0, l.MB * l.BS);
    for (int64_t j = 0; j < len; ++j) {
      int64_t id = entry(&l, b, j / l.BS);
      if (id >= 0 && id < cache->dims[0])
        read[id * l.BS + j % l.BS] = true;
    }
  }
}

void attnPagedPoisonCaches(const AttnFuncInfo *info, AttnTensor *args, const bool *poison) {
  for (int a = 0; a < info->numArgs; ++a) {
    AttnTensor *cache = &args[a];
    /* NB x BS x Hkv x D, or attn.mla's latent NB x BS x D */
    if (!poison[a] || (cache->rank != 4 && cache->rank != 3))
      continue;
    int64_t slots = cache->dims[0] * cache->dims[1],
            width = cache->dims[2] * (cache->rank == 4 ? cache->dims[3] : 1);
    bool *read = calloc((size_t)slots + 1, sizeof(bool));
    if (!read)
      continue; /* then without poison: the check stays valid, only weaker */
    for (int op = 0; op < info->numOps; ++op) {
      const AttnOpInfo *o = &info->ops[op];
      if (attnIsPagedKind(o->kind) && (o->arg[ATTN_K] == a || o->arg[ATTN_V] == a))
        markReadSlots(o, args, cache, read);
    }
    for (int64_t s = 0; s < slots; ++s)
      for (int64_t i = 0; i < width && !read[s]; ++i)
        cache->values[s * width + i] = NAN;
    attnTensorStoreValues(cache);
    free(read);
  }
}

/*===--- Report ------------------------------------------------------------===*/

enum { MAX_PRINTED = 64 };

static void printList(FILE *out, const char *name, const AttnTensor *t, int64_t n, bool diff) {
  fprintf(out, " %s=[", name);
  for (int64_t i = 0; i < n && i < MAX_PRINTED; ++i)
    fprintf(out, i ? ",%" PRId64 : "%" PRId64,
            (int64_t)(diff ? t->values[i + 1] - t->values[i] : t->values[i]));
  fputs(n > MAX_PRINTED ? ",...]" : "]", out);
}

/* Blocks that more than one sequence reads. */
static int64_t countShared(const Layout *l) {
  enum { NONE = -1, SHARED = -2 };
  int64_t *owner = malloc((size_t)l->NB * sizeof(int64_t) + 1), shared = 0;
  if (!owner)
    return -1;
  for (int64_t i = 0; i < l->NB; ++i)
    owner[i] = NONE;
  for (int64_t b = 0; b < l->B; ++b) {
    int64_t used = ceilDiv(clampI64((int64_t)l->seqLens->values[b], 0, l->MB * l->BS), l->BS);
    for (int64_t i = 0; i < used; ++i) {
      int64_t id = entry(l, b, i);
      if (id < 0 || id >= l->NB || owner[id] == b || owner[id] == SHARED)
        continue;
      if (owner[id] == NONE) {
        owner[id] = b;
      } else {
        owner[id] = SHARED;
        ++shared;
      }
    }
  }
  free(owner);
  return shared;
}

void attnPagedPrintLayout(const AttnFuncInfo *info, int op, const AttnTensor *args, FILE *out) {
  Layout l = readLayout(&info->ops[op], (AttnTensor *)args, (bool[ATTN_RUN_MAX_ARGS]){false});
  fprintf(out, "@%s op %d paged: B=%" PRId64 " NB=%" PRId64 " BS=%" PRId64 " MaxBlocks=%" PRId64,
          info->name, op, l.B, l.NB, l.BS, l.MB);
  printList(out, "seq_lens", l.seqLens, l.B, false);
  printList(out, "q_lens", l.qsl, l.B, true);
  fprintf(out, " tokens_past_last=%" PRId64 " shared_blocks=%" PRId64 "\n",
          l.Tq - (int64_t)l.qsl->values[l.B], countShared(&l));
}
