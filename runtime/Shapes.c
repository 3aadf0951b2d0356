/*===- Shapes.c - launch sizes against a kernel's metadata ----------------===*
 *
 * Each argument role of each kernel kind has a layout of named dims
 * ("B Hq Sq D"); a name bound once (from the metadata, or from the first
 * tensor that has it) must have the same size everywhere. "B+1" is the dim
 * of an offsets tensor (cu_seqlens, query_start_loc): B plus one. These are
 * cheap checks that turn a mismatched raw launch, which the kernels would
 * turn into reads and writes outside the tensors, into a status code.
 *
 *===----------------------------------------------------------------------===*/
#define _POSIX_C_SOURCE 200809L /* strtok_r */

#include "Shapes.h"
#include "bundle/BundleInternal.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
  const char *role, *dims;
} RoleDims;

/* A block mask's tensors (docs/masks.md, last in mhaRoles and varlenRoles):
 * their batch and head dims (Bm, Hm) are B or 1 and Hq or 1, which the
 * kernels clamp; NQB and NKB only have to agree between the tensors. */
static const RoleDims mhaRoles[] = {{"q", "B Hq Sq D"},
                                    {"k", "B Hkv Sk D"},
                                    {"v", "B Hkv Sk Dv"},
                                    {"alibi", "Hq"},
                                    {"sinks", "Hq"},
                                    {"rng_state", "2"},
                                    {"out", "B Hq Sq Dv"},
                                    {"lse", "B Hq Sq"},
                                    {"kv_num_blocks", "Bm Hm NQB"},
                                    {"kv_indices", "Bm Hm NQB NKB"},
                                    {"full_kv_num_blocks", "Bm Hm NQB"},
                                    {"full_kv_indices", "Bm Hm NQB NKB"},
                                    {NULL, NULL}};
static const RoleDims varlenRoles[] = {{"q", "Tq Hq D"},
                                       {"k", "Tk Hkv D"},
                                       {"v", "Tk Hkv Dv"},
                                       {"alibi", "Hq"},
                                       {"cu_seqlens_q", "B+1"},
                                       {"cu_seqlens_k", "B+1"},
                                       {"sinks", "Hq"},
                                       {"rng_state", "2"},
                                       {"out", "Tq Hq Dv"},
                                       {"lse", "Hq Tq"},
                                       {"kv_num_blocks", "Bm Hm NQB"},
                                       {"kv_indices", "Bm Hm NQB NKB"},
                                       {"full_kv_num_blocks", "Bm Hm NQB"},
                                       {"full_kv_indices", "Bm Hm NQB NKB"},
                                       {NULL, NULL}};
static const RoleDims pagedRoles[] = {{"q", "Tq Hq D"},
                                      {"k_cache", "NB BS Hkv D"},
                                      {"v_cache", "NB BS Hkv Dv"},
                                      {"block_tables", "B MB"},
                                      {"seq_lens", "B"},
                                      {"query_start_loc", "B+1"},
                                      {"alibi", "Hq"},
                                      {"split_out", "S Tq Hq Dv"},
                                      {"split_lse", "S Hq Tq"},
                                      {NULL, NULL}};
/* attn.mla's split kernel: one latent cache, V its first Dv columns. */
static const RoleDims mlaRoles[] = {{"q", "Tq Hq D"},           {"kv_cache", "NB BS D"},
                                    {"block_tables", "B MB"},   {"seq_lens", "B"},
                                    {"query_start_loc", "B+1"}, {"split_out", "S Tq Hq Dv"},
                                    {"split_lse", "S Hq Tq"},   {NULL, NULL}};
static const RoleDims mergeRoles[] = {
    {"split_out", "S Tq Hq Dv"}, {"split_lse", "S Hq Tq"}, {"sinks", "Hq"},
    {"out", "Tq Hq Dv"},         {"lse", "Hq Tq"},         {NULL, NULL}};

/* The backward kernels (docs/backward.md): the forward's tensors, dout as
 * out, delta as lse, the gradients as what they differentiate. */
static const RoleDims bwdRoles[] = {
    {"q", "B Hq Sq D"},    {"k", "B Hkv Sk D"},    {"v", "B Hkv Sk Dv"},  {"alibi", "Hq"},
    {"out", "B Hq Sq Dv"}, {"dout", "B Hq Sq Dv"}, {"lse", "B Hq Sq"},    {"delta", "B Hq Sq"},
    {"dq", "B Hq Sq D"},   {"dk", "B Hkv Sk D"},   {"dv", "B Hkv Sk Dv"}, {"rng_state", "2"},
    {NULL, NULL}};
static const RoleDims varlenBwdRoles[] = {
    {"q", "Tq Hq D"},        {"k", "Tk Hkv D"},       {"v", "Tk Hkv Dv"},  {"alibi", "Hq"},
    {"cu_seqlens_q", "B+1"}, {"cu_seqlens_k", "B+1"}, {"out", "Tq Hq Dv"}, {"dout", "Tq Hq Dv"},
    {"lse", "Hq Tq"},        {"delta", "Hq Tq"},      {"dq", "Tq Hq D"},   {"dk", "Tk Hkv D"},
    {"dv", "Tk Hkv Dv"},     {"rng_state", "2"},      {NULL, NULL}};

static const RoleDims *rolesOf(const char *kind) {
  if (!strncmp(kind, "bwd_", 4))
    return bwdRoles;
  if (!strncmp(kind, "varlen_", 7))
    return varlenBwdRoles;
  if (!strcmp(kind, "mha"))
    return mhaRoles;
  if (!strcmp(kind, "mha_varlen"))
    return varlenRoles;
  if (!strcmp(kind, "paged") || !strcmp(kind, "paged_decode"))
    return pagedRoles;
  if (!strcmp(kind, "paged_merge"))
    return mergeRoles;
  if (!strcmp(kind, "mla_decode"))
    return mlaRoles;
  return NULL;
}

enum { MAX_NAMES = 16 };

/* Named sizes bound so far, with where each came from (for the message). */
typedef struct {
  int count;
  char name[MAX_NAMES][8];
  int64_t size[MAX_NAMES];
  char from[MAX_NAMES][48];
} Bindings;

static void bind(Bindings *b, const char *name, int64_t size, const char *from) {
  if (b->count == MAX_NAMES)
    return;
  snprintf(b->name[b->count], sizeof b->name[0], "%s", name);
  b->size[b->count] = size;
  snprintf(b->from[b->count], sizeof b->from[0], "%s", from);
  ++b->count;
}

static int lookup(const Bindings *b, const char *name) {
  for (int i = 0; i < b->count; ++i)
    if (!strcmp(b->name[i], name))
      return i;
  return -1;
}

/* One dim: `word` is "NAME", "NAME+1" or a number (rng_state's 2: dropout's
 * [seed, offset]). */
static AttnStatus checkDim(const AttnBundleKernel *k, Bindings *b, const char *role, int d,
                           const char *word, int64_t size, char *err, size_t errLen) {
  if (word[0] >= '0' && word[0] <= '9') {
    long long want = strtoll(word, NULL, 10);
    if (size == want)
      return ATTN_OK;
    return attnFail(err, errLen, ATTN_ERROR_INVALID_ARGUMENT,
                    "kernel '%s': '%s' dimension %d is %lld, it must be %lld", k->name, role, d,
                    (long long)size, want);
  }
  char name[8];
  size_t n = strcspn(word, "+");
  snprintf(name, sizeof name, "%.*s", (int)(n < sizeof name ? n : sizeof name - 1), word);
  int64_t plus = word[n] == '+' ? 1 : 0;
  if (size - plus < 0)
    return attnFail(err, errLen, ATTN_ERROR_INVALID_ARGUMENT,
                    "kernel '%s': '%s' dimension %d (%s) is %lld; it holds %s offsets, "
                    "at least 1",
                    k->name, role, d, word, (long long)size, word);
  int i = lookup(b, name);
  char from[48];
  snprintf(from, sizeof from, "'%s' dimension %d", role, d);
  if (i < 0) {
    bind(b, name, size - plus, from);
    return ATTN_OK;
  }
  if (b->size[i] == size - plus)
    return ATTN_OK;
  return attnFail(err, errLen, ATTN_ERROR_INVALID_ARGUMENT,
                  "kernel '%s': %s (%s = %lld) disagrees with %s (%s = %lld)", k->name, from, word,
                  (long long)size, b->from[i], b->name[i], (long long)b->size[i]);
}

/* The dims of an fp8 scale (docs/fp8.md) by its rank: q_descale, k_descale,
 * v_descale [], [Hkv] or [B, Hkv]; a paged cache's k_scale, v_scale [],
 * [Hkv] or [NB, BS, Hkv]; attn.mla's kv_scale [] or [NB, BS]. NULL for other arguments (and other
 * ranks, which the rank check refuses). */
static const char *scaleDims(const AttnBundleArg *a) {
  size_t len = strlen(a->name);
  /* SAGE (docs/fp8.md): per q block, k block, V channel; k_mean per head dim.
   * The block counts NQS and NKS are not tied to the lengths: the kernels
   * clamp block indices. */
  if (a->rank == 3 && !strcmp(a->name, "q_descale"))
    return "B Hq NQS"; /* NQS, NKS: not the block mask's NQB, NKB */
  if (a->rank == 3 && !strcmp(a->name, "k_descale"))
    return "B Hkv NKS";
  if (a->rank == 3 && !strcmp(a->name, "v_descale"))
    return "B Hkv Dv";
  if (!strcmp(a->name, "k_mean"))
    return "B Hkv D";
  bool descale = len > 8 && !strcmp(a->name + len - 8, "_descale");
  bool cacheScale = !strcmp(a->name, "k_scale") || !strcmp(a->name, "v_scale");
  bool latent = !strcmp(a->name, "kv_scale"); /* attn.mla: [] or [NB, BS] */
  if (!descale && !cacheScale && !latent)
    return NULL;
  switch (a->rank) {
  case 0:
    return "";
  case 1:
    return latent ? NULL : "Hkv";
  case 2:
    return descale ? "B Hkv" : latent ? "NB BS" : NULL;
  case 3:
    return cacheScale ? "NB BS Hkv" : NULL;
  }
  return NULL;
}

AttnStatus attnCheckShapes(const AttnBundleKernel *k, const AttnrtTensor *t, char *err,
                           size_t errLen) {
  const RoleDims *roles = rolesOf(k->kind);
  if (!roles)
    return ATTN_OK;
  Bindings b;
  memset(&b, 0, sizeof b);
  /* The kernel's static dims (0: dynamic, bound by the tensors). */
  const struct {
    const char *name;
    int32_t size;
  } fixed[] = {
      {"D", k->head_dim}, {"Dv", k->head_dim_v}, {"Hq", k->num_q_heads}, {"Hkv", k->num_kv_heads}};
  for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; ++i)
    if (fixed[i].size > 0)
      bind(&b, fixed[i].name, fixed[i].size, "the kernel");
  for (int i = 0; i < k->num_args; ++i) {
    const RoleDims *r = roles;
    while (r->role && strcmp(r->role, k->args[i].name))
      ++r;
    RoleDims scale = {k->args[i].name, scaleDims(&k->args[i])};
    if (scale.dims)
      r = &scale;
    if (!r->role)
      continue;
    char dims[32];
    snprintf(dims, sizeof dims, "%s", r->dims);
    int d = 0;
    for (char *save = NULL, *w = strtok_r(dims, " ", &save); w && d < t[i].rank;
         w = strtok_r(NULL, " ", &save), ++d) {
      AttnStatus s = checkDim(k, &b, r->role, d, w, t[i].sizes[d], err, errLen);
      if (s != ATTN_OK)
        return s;
    }
  }
  return ATTN_OK;
}

/* Whether dim `word` of a role's layout is a token count (a bound on the
 * positions in one sequence). */
static bool isTokenDim(const char *word) {
  return !strcmp(word, "Sq") || !strcmp(word, "Sk") || !strcmp(word, "Tq") || !strcmp(word, "Tk");
}

/* `what` names the size and its value ("'q' dimension 2 (Sq) = 2147483648"). */
static AttnStatus tooManyTokens(const AttnBundleKernel *k, const char *what, char *err,
                                size_t errLen) {
  return attnFail(err, errLen, ATTN_ERROR_INVALID_ARGUMENT,
                  "kernel '%s': %s; GPU kernels take sequences of at most %lld tokens (token "
                  "positions are 32-bit; element offsets are 64-bit)",
                  k->name, what, (long long)ATTN_GPU_MAX_TOKENS);
}

/* A paged sequence has at most MaxBlocks * BS keys (the kernels clamp
 * seq_lens to it): block_tables dimension 1 times k_cache dimension 1. */
static AttnStatus checkPagedKeys(const AttnBundleKernel *k, const AttnrtTensor *t, char *err,
                                 size_t errLen) {
  int64_t maxBlocks = -1, blockSize = -1;
  for (int i = 0; i < k->num_args; ++i) {
    if (!strcmp(k->args[i].name, "block_tables") && t[i].rank == 2)
      maxBlocks = t[i].sizes[1];
    if ((!strcmp(k->args[i].name, "k_cache") && t[i].rank == 4) ||
        (!strcmp(k->args[i].name, "kv_cache") && t[i].rank == 3))
      blockSize = t[i].sizes[1];
  }
  /* Divided rather than multiplied: the product may not fit in 64 bits. */
  if (maxBlocks <= 0 || blockSize <= 0 || maxBlocks <= ATTN_GPU_MAX_TOKENS / blockSize)
    return ATTN_OK;
  char what[192];
  snprintf(what, sizeof what,
           "a sequence's keys are bounded by MaxBlocks * BS = %lld * %lld (block_tables "
           "dimension 1, k_cache dimension 1)",
           (long long)maxBlocks, (long long)blockSize);
  return tooManyTokens(k, what, err, errLen);
}

AttnStatus attnCheckGpuPositions(const AttnBundleKernel *k, const AttnrtTensor *t, char *err,
                                 size_t errLen) {
  const RoleDims *roles = rolesOf(k->kind);
  if (!roles)
    return ATTN_OK;
  for (int i = 0; i < k->num_args; ++i) {
    const RoleDims *r = roles;
    while (r->role && strcmp(r->role, k->args[i].name))
      ++r;
    if (!r->role)
      continue;
    char dims[32];
    snprintf(dims, sizeof dims, "%s", r->dims);
    int d = 0;
    for (char *save = NULL, *w = strtok_r(dims, " ", &save); w && d < t[i].rank;
         w = strtok_r(NULL, " ", &save), ++d) {
      if (!isTokenDim(w) || t[i].sizes[d] <= ATTN_GPU_MAX_TOKENS)
        continue;
      char what[128];
      snprintf(what, sizeof what, "'%s' dimension %d (%s) is %lld", r->role, d, w,
               (long long)t[i].sizes[d]);
      return tooManyTokens(k, what, err, errLen);
    }
  }
  return !strncmp(k->kind, "paged", 5) || !strcmp(k->kind, "mla_decode")
             ? checkPagedKeys(k, t, err, errLen)
             : ATTN_OK;
}

/* Bytes of an element of an argument the GPU kernels move in row runs of
 * row_align elements: f16/bf16, and fp8 (its runs are row_align-byte vector
 * loads: docs/fp8.md); else 0. */
static int64_t rowElemBytes(const char *dtype) {
  if (!strcmp(dtype, "f16") || !strcmp(dtype, "bf16"))
    return 2;
  return !strcmp(dtype, "f8fn") || !strcmp(dtype, "f8fnuz") ? 1 : 0;
}

int64_t attnGpuDataAlignment(const AttnBundleKernel *k, int i, const AttnrtTensor *t) {
  int64_t bytes = rowElemBytes(k->args[i].dtype);
  if (k->row_align <= 1 || !bytes || t->rank < 2)
    return 1;
  for (int d = 0; d < t->rank; ++d)
    if (t->sizes[d] == 0)
      return 1; /* never read */
  return k->row_align * bytes;
}

AttnStatus attnCheckGpuAlignment(const AttnBundleKernel *k, const AttnrtTensor *t, char *err,
                                 size_t errLen) {
  int64_t align = k->row_align;
  for (int i = 0; align > 1 && i < k->num_args; ++i) {
    int64_t bytes = attnGpuDataAlignment(k, i, &t[i]);
    if (bytes == 1)
      continue;
    bool ok = (uintptr_t)t[i].data % (uintptr_t)bytes == 0;
    for (int d = 0; d + 1 < t[i].rank; ++d)
      ok &= t[i].sizes[d] == 1 || t[i].strides[d] % align == 0;
    if (!ok)
      return attnFail(err, errLen, ATTN_ERROR_INVALID_ARGUMENT,
                      "kernel '%s': the rows of '%s' must start on multiples of %lld elements "
                      "(%lld bytes: the kernel's copy width); its address or strides are not "
                      "(compile it for the tensors' alignment: attn.align)",
                      k->name, k->args[i].name, (long long)align, (long long)bytes);
  }
  return ATTN_OK;
}
