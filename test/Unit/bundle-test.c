/*===- bundle-test.c - kernel bundle format: round trips, corruption, grids ===*
 *
 * Round trips (every field, several targets and kernels, code objects of odd
 * sizes including 0 bytes, through memory and files); corruption (every
 * truncation, every flipped byte and bit, random mutations with the checksum
 * repaired so the structural checks are reached, random garbage, wrong
 * magic, other versions, unknown sections); serializer argument checks; and
 * the grid-map evaluator (MLIR floordiv/ceildiv/mod on negatives,
 * precedence, varlen "ARG.DIM-1" dims, malformed maps and overflow).
 *
 * Usage: bundle-test DIR (a writable directory for the file round trip).
 *
 *===----------------------------------------------------------------------===*/
#define _POSIX_C_SOURCE 200809L /* mkfifo */

#include "attnrt/Bundle.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int failures;

static void check(int ok, const char *fmt, ...) {
  if (ok)
    return;
  va_list ap;
  va_start(ap, fmt);
  printf("FAIL: ");
  vprintf(fmt, ap);
  printf("\n");
  va_end(ap);
  ++failures;
}

/* Deterministic xorshift64*, so failures reproduce. */
static uint64_t rng = 0x9E3779B97F4A7C15ull;
static uint64_t next(void) {
  rng ^= rng >> 12;
  rng ^= rng << 25;
  rng ^= rng >> 27;
  return rng * 2685821657736338717ull;
}

/*--- a bundle to play with -----------------------------------------------===*/

#define NK 3
#define NT 3

typedef struct {
  AttnBundle b;
  AttnBundleKernel kernels[NK];
  AttnBundleTarget targets[NT];
  AttnBundleEntry entries[NT][NK];
  uint8_t code[NT][1200];
} Fixture;

static void setArg(AttnBundleArg *a, const char *name, const char *dtype, int rank, int output) {
  snprintf(a->name, sizeof a->name, "%s", name);
  snprintf(a->dtype, sizeof a->dtype, "%s", dtype);
  a->rank = rank;
  a->output = output;
}

static void makeKernel(AttnBundleKernel *k, int i) {
  snprintf(k->name, sizeof k->name, "attention_attn%d", i);
  snprintf(k->kind, sizeof k->kind, "%s", i == 1 ? "mha_varlen" : "mha");
  if (i == 2) { /* no arguments at all */
    k->num_args = 0;
  } else if (i == 1) {
    setArg(&k->args[0], "q", "f16", 3, 0);
    setArg(&k->args[1], "k", "f16", 3, 0);
    setArg(&k->args[2], "v", "f16", 3, 0);
    setArg(&k->args[3], "cu_seqlens_q", "i32", 1, 0);
    setArg(&k->args[4], "cu_seqlens_k", "i32", 1, 0);
    setArg(&k->args[5], "out", "f16", 3, 1);
    k->num_args = 6;
  } else {
    const char *names[] = {"q", "k", "v", "alibi", "out", "lse"};
    for (int a = 0; a < 6; ++a)
      setArg(&k->args[a], names[a], a == 3 || a == 5 ? "f32" : "bf16",
             a == 3   ? 1
             : a == 5 ? 3
                      : 4,
             a >= 4);
    k->num_args = 6;
  }
  k->head_dim = 128 + i;
  k->head_dim_v = 64 - i;
  k->num_q_heads = 32;
  k->num_kv_heads = i == 1 ? 0 : 8;
  k->causal = i & 1;
  k->window_left = i == 0 ? -1 : 4096 + i;
  k->window_right = i == 0 ? -1 : -((int64_t)1 << 40);
  k->scale = 0.08838834764f * (float)(i + 1);
  k->softcap = i == 2 ? 30.0f : 0.0f;
  k->has_alibi = i == 0;
  k->has_lse = i != 1;
}

static void makeEntry(AttnBundleEntry *e, int t, int k) {
  snprintf(e->symbol, sizeof e->symbol,
           t == 1 ? "__attn_program_attention_attn%d" : "attention_attn%d", k);
  if (k == 2) {
    snprintf(e->grid_map, sizeof e->grid_map, "() -> (1, 1, 1)");
    e->num_grid_dims = 0;
  } else {
    snprintf(e->grid_map, sizeof e->grid_map, "(d0, d1) -> (d1 ceildiv %d, d0 * 32, 1)", 64 << t);
    e->num_grid_dims = 2;
    snprintf(e->grid_dims[0], sizeof e->grid_dims[0], k == 1 ? "cu_seqlens_q.0-1" : "q.0");
    snprintf(e->grid_dims[1], sizeof e->grid_dims[1], k == 1 ? "q.0" : "q.2");
  }
  e->block_m = 64 << t;
  e->block_n = 32 + k;
  e->num_warps = 4 + t;
  e->num_stages = 2;
  e->kv_splits = k + 1;
  e->workgroup_size = t == 1 ? 0 : 256;
  e->lds_bytes = t == 1 ? 0 : 65536 - k;
}

static void makeFixture(Fixture *f) {
  memset(f, 0, sizeof *f);
  static const char *names[NT] = {"gfx942", "cpu-x86_64", "sm_90a"};
  static const char *formats[NT] = {"hsaco", "elf-so", "ptx"};
  static const uint64_t sizes[NT] = {1001, 0, 17};
  for (int k = 0; k < NK; ++k)
    makeKernel(&f->kernels[k], k);
  for (int t = 0; t < NT; ++t) {
    AttnBundleTarget *tg = &f->targets[t];
    snprintf(tg->name, sizeof tg->name, "%s", names[t]);
    snprintf(tg->format, sizeof tg->format, "%s", formats[t]);
    for (size_t i = 0; i < sizes[t]; ++i)
      f->code[t][i] = (uint8_t)next();
    tg->data = f->code[t];
    tg->size = sizes[t];
    tg->entries = f->entries[t];
    for (int k = 0; k < NK; ++k)
      makeEntry(&f->entries[t][k], t, k);
  }
  snprintf(f->b.producer, sizeof f->b.producer, "attnc 0.1.0 (bundle-test)");
  f->b.num_kernels = NK;
  f->b.kernels = f->kernels;
  f->b.num_targets = NT;
  f->b.targets = f->targets;
}

/*--- comparisons ---------------------------------------------------------===*/

#define SAME_STR(what, a, b) check(strcmp(a, b) == 0, "%s: '%s' != '%s'", what, a, b)
#define SAME_INT(what, a, b)                                                                       \
  check((int64_t)(a) == (int64_t)(b), "%s: %lld != %lld", what, (long long)(a), (long long)(b))

static void sameKernel(const AttnBundleKernel *a, const AttnBundleKernel *b) {
  SAME_STR("kernel name", a->name, b->name);
  SAME_STR("kernel kind", a->kind, b->kind);
  SAME_INT("num_args", a->num_args, b->num_args);
  for (int i = 0; i < a->num_args && i < ATTN_BUNDLE_MAX_ARGS; ++i) {
    SAME_STR("arg name", a->args[i].name, b->args[i].name);
    SAME_STR("arg dtype", a->args[i].dtype, b->args[i].dtype);
    SAME_INT("arg rank", a->args[i].rank, b->args[i].rank);
    SAME_INT("arg output", a->args[i].output, b->args[i].output);
  }
  SAME_INT("head_dim", a->head_dim, b->head_dim);
  SAME_INT("head_dim_v", a->head_dim_v, b->head_dim_v);
  SAME_INT("num_q_heads", a->num_q_heads, b->num_q_heads);
  SAME_INT("num_kv_heads", a->num_kv_heads, b->num_kv_heads);
  SAME_INT("causal", a->causal, b->causal);
  SAME_INT("window_left", a->window_left, b->window_left);
  SAME_INT("window_right", a->window_right, b->window_right);
  check(memcmp(&a->scale, &b->scale, sizeof a->scale) == 0, "scale %g != %g", a->scale, b->scale);
  check(memcmp(&a->softcap, &b->softcap, sizeof a->softcap) == 0, "softcap");
  SAME_INT("has_alibi", a->has_alibi, b->has_alibi);
  SAME_INT("has_lse", a->has_lse, b->has_lse);
}

static void sameEntry(const AttnBundleEntry *a, const AttnBundleEntry *b) {
  SAME_STR("symbol", a->symbol, b->symbol);
  SAME_STR("grid_map", a->grid_map, b->grid_map);
  SAME_INT("num_grid_dims", a->num_grid_dims, b->num_grid_dims);
  for (int i = 0; i < a->num_grid_dims && i < 4; ++i)
    SAME_STR("grid dim", a->grid_dims[i], b->grid_dims[i]);
  SAME_INT("block_m", a->block_m, b->block_m);
  SAME_INT("block_n", a->block_n, b->block_n);
  SAME_INT("num_warps", a->num_warps, b->num_warps);
  SAME_INT("num_stages", a->num_stages, b->num_stages);
  SAME_INT("kv_splits", a->kv_splits, b->kv_splits);
  SAME_INT("workgroup_size", a->workgroup_size, b->workgroup_size);
  SAME_INT("lds_bytes", a->lds_bytes, b->lds_bytes);
  SAME_INT("num_tensor_maps", a->num_tensor_maps, b->num_tensor_maps);
  for (int i = 0; i < a->num_tensor_maps && i < ATTN_BUNDLE_MAX_TENSOR_MAPS; ++i) {
    SAME_INT("tensor map arg", a->tensor_maps[i].arg, b->tensor_maps[i].arg);
    SAME_INT("tensor map swizzle", a->tensor_maps[i].swizzle, b->tensor_maps[i].swizzle);
    for (int d = 0; d < 4; ++d)
      SAME_INT("tensor map box", a->tensor_maps[i].box[d], b->tensor_maps[i].box[d]);
  }
}

static void sameBundle(const AttnBundle *a, const AttnBundle *b) {
  SAME_STR("producer", a->producer, b->producer);
  SAME_INT("num_kernels", a->num_kernels, b->num_kernels);
  SAME_INT("num_targets", a->num_targets, b->num_targets);
  if (a->num_kernels != b->num_kernels || a->num_targets != b->num_targets)
    return;
  for (int k = 0; k < a->num_kernels; ++k)
    sameKernel(&a->kernels[k], &b->kernels[k]);
  for (int t = 0; t < a->num_targets; ++t) {
    const AttnBundleTarget *x = &a->targets[t], *y = &b->targets[t];
    SAME_STR("target name", x->name, y->name);
    SAME_STR("target format", x->format, y->format);
    SAME_INT("code size", x->size, y->size);
    check(x->size != y->size || x->size == 0 || memcmp(x->data, y->data, x->size) == 0,
          "target %s: code bytes differ", x->name);
    for (int k = 0; k < a->num_kernels; ++k)
      sameEntry(&x->entries[k], &y->entries[k]);
  }
}

static int isZeroed(const AttnBundle *b) {
  static const AttnBundle zero;
  return memcmp(b, &zero, sizeof zero) == 0;
}

/*--- serialized-byte surgery ---------------------------------------------===*/

static uint32_t getU32(const uint8_t *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static void setU32(uint8_t *p, uint32_t v) {
  for (int i = 0; i < 4; ++i)
    p[i] = (uint8_t)(v >> (8 * i));
}
static void setU64(uint8_t *p, uint64_t v) {
  setU32(p, (uint32_t)v);
  setU32(p + 4, (uint32_t)(v >> 32));
}

/* Rewrites payload size and checksum so that a modified payload reaches the
 * structural checks. */
static void fixHeader(uint8_t *data, size_t size) {
  setU64(data + 16, size - 32);
  setU32(data + 24, attnBundleCrc32(data + 32, size - 32));
}

/* Payload offset of section `id` (its table entry's offset field), or 0. */
static size_t sectionOffset(const uint8_t *data, uint32_t id) {
  uint32_t n = getU32(data + 32);
  for (uint32_t i = 0; i < n; ++i)
    if (getU32(data + 40 + 24 * i) == id)
      return 32 + getU32(data + 40 + 24 * i + 8);
  return 0;
}

/* A copy of `data` with one more section (appended after the others). */
static uint8_t *withSection(const uint8_t *data, size_t size, uint32_t id, uint32_t flags,
                            const char *content, size_t *outSize) {
  uint32_t n = getU32(data + 32);
  size_t tableEnd = 40 + 24 * (size_t)n, extra = strlen(content);
  *outSize = size + 24 + extra;
  uint8_t *out = calloc(1, *outSize);
  memcpy(out, data, tableEnd);
  setU32(out + 32, n + 1);
  for (uint32_t i = 0; i < n; ++i) /* the sections move down by one table entry */
    setU64(out + 40 + 24 * i + 8, getU32(data + 40 + 24 * i + 8) + 24);
  uint8_t *e = out + tableEnd;
  setU32(e, id);
  setU32(e + 4, flags);
  setU64(e + 8, size - 32 + 24);
  setU64(e + 16, extra);
  memcpy(out + tableEnd + 24, data + tableEnd, size - tableEnd);
  memcpy(out + size + 24, content, extra);
  fixHeader(out, *outSize);
  return out;
}

/*--- tests ---------------------------------------------------------------===*/

static void testRoundTrip(const AttnBundle *src, const char *what) {
  uint8_t *data = NULL, *again = NULL;
  size_t size = 0, againSize = 0;
  char err[512];
  AttnBundle b;
  AttnStatus s = attnBundleSerialize(src, &data, &size, err, sizeof err);
  check(s == ATTN_OK, "%s: serialize: %s", what, err);
  if (s != ATTN_OK)
    return;
  s = attnBundleParse(data, size, &b, err, sizeof err);
  check(s == ATTN_OK, "%s: parse: %s", what, err);
  if (s == ATTN_OK) {
    check(b.version == ATTN_BUNDLE_VERSION, "%s: version %u", what, b.version);
    sameBundle(src, &b);
    for (int t = 0; t < b.num_targets; ++t) /* code is owned, not borrowed */
      check(b.targets[t].size == 0 ||
                (b.targets[t].data < data || b.targets[t].data >= data + size),
            "%s: target %d data points into the input", what, t);
    s = attnBundleSerialize(&b, &again, &againSize, err, sizeof err);
    check(s == ATTN_OK && againSize == size && memcmp(again, data, size) == 0,
          "%s: re-serializing the parsed bundle changes the bytes", what);
    free(again);
  }
  attnBundleDestroy(&b);
  check(isZeroed(&b), "%s: destroy leaves the bundle zeroed", what);
  free(data);
}

static void testFile(const AttnBundle *src, const char *dir) {
  char path[512], err[512];
  snprintf(path, sizeof path, "%s/round-trip.attnb", dir);
  AttnStatus s = attnBundleWriteFile(src, path, err, sizeof err);
  check(s == ATTN_OK, "write %s: %s", path, err);
  AttnBundle b;
  s = attnBundleReadFile(path, &b, err, sizeof err);
  check(s == ATTN_OK, "read %s: %s", path, err);
  if (s == ATTN_OK)
    sameBundle(src, &b);
  attnBundleDestroy(&b);
  snprintf(path, sizeof path, "%s/does-not-exist/x.attnb", dir);
  s = attnBundleReadFile(path, &b, err, sizeof err);
  check(s == ATTN_ERROR_IO && strstr(err, "does-not-exist"), "missing file: %d %s", s, err);
  s = attnBundleWriteFile(src, path, err, sizeof err);
  check(s == ATTN_ERROR_IO, "write into a missing directory: %d", s);
  snprintf(path, sizeof path, "%s/empty.attnb", dir);
  FILE *empty = fopen(path, "wb");
  if (empty)
    fclose(empty);
  s = attnBundleReadFile(path, &b, err, sizeof err);
  check(s == ATTN_ERROR_BAD_BUNDLE && isZeroed(&b), "empty file: %d %s", s, err);
  /* Regular files only (issue 19): a device, a directory or a FIFO is refused
   * before reading (a FIFO would block in open, /dev/zero never end). */
  const char *notFiles[] = {"/dev/null", "/dev/zero", dir};
  for (size_t i = 0; i < sizeof notFiles / sizeof notFiles[0]; ++i) {
    s = attnBundleReadFile(notFiles[i], &b, err, sizeof err);
    check(s == ATTN_ERROR_IO && strstr(err, "not a regular file") && isZeroed(&b), "%s: %d %s",
          notFiles[i], s, err);
  }
  snprintf(path, sizeof path, "%s/fifo.attnb", dir);
  remove(path);
  if (mkfifo(path, 0600) == 0) {
    s = attnBundleReadFile(path, &b, err, sizeof err);
    check(s == ATTN_ERROR_IO && strstr(err, "not a regular file"), "FIFO: %d %s", s, err);
    remove(path);
  }
}

/* Parses and checks the outcome; a bundle that parses must serialize back
 * to something that parses to the same bundle. */
static AttnStatus parseChecked(const uint8_t *data, size_t size, const char *what) {
  AttnBundle b;
  char err[512] = "";
  AttnStatus s = attnBundleParse(data, size, &b, err, sizeof err);
  if (s != ATTN_OK) {
    check(isZeroed(&b), "%s: failed parse leaves a non-zero bundle", what);
    check(err[0] != '\0', "%s: failed parse (%d) without a message", what, s);
    return s;
  }
  uint8_t *again;
  size_t againSize;
  AttnStatus s2 = attnBundleSerialize(&b, &again, &againSize, err, sizeof err);
  check(s2 == ATTN_OK, "%s: accepted bundle does not serialize: %s", what, err);
  if (s2 == ATTN_OK) {
    AttnBundle c;
    s2 = attnBundleParse(again, againSize, &c, err, sizeof err);
    check(s2 == ATTN_OK, "%s: re-serialized bundle does not parse: %s", what, err);
    if (s2 == ATTN_OK)
      sameBundle(&b, &c);
    attnBundleDestroy(&c);
    free(again);
  }
  attnBundleDestroy(&b);
  return s;
}

static void testTruncation(const uint8_t *data, size_t size) {
  uint8_t *copy = malloc(size);
  for (size_t n = 0; n < size; ++n) {
    /* Exactly n bytes in their own allocation, so ASan sees any overread. */
    uint8_t *cut = malloc(n ? n : 1);
    memcpy(cut, data, n);
    AttnStatus s = parseChecked(cut, n, "truncation");
    check(s == ATTN_ERROR_BAD_BUNDLE, "truncated to %zu of %zu bytes: status %d", n, size, s);
    if (n >= 40) { /* the same cut with a repaired header: structural checks */
      fixHeader(cut, n);
      s = parseChecked(cut, n, "repaired truncation");
      check(s == ATTN_ERROR_BAD_BUNDLE, "truncated payload of %zu bytes accepted: status %d", n, s);
    }
    free(cut);
  }
  free(copy);
  check(parseChecked(data, size, "full length") == ATTN_OK, "the untruncated bundle fails");
}

/* Every byte flipped: the checksum (or the header checks) must catch it. */
static void testByteFlips(const uint8_t *data, size_t size) {
  uint8_t *copy = malloc(size);
  memcpy(copy, data, size);
  for (size_t i = 0; i < size; ++i) {
    copy[i] ^= 0xFF;
    AttnStatus s = parseChecked(copy, size, "byte flip");
    /* Bytes 8..11 are the version: another version, not a corrupt file. */
    AttnStatus want = (i >= 8 && i < 12) ? ATTN_ERROR_VERSION : ATTN_ERROR_BAD_BUNDLE;
    check(s == want, "byte %zu flipped: status %d, expected %d", i, s, want);
    copy[i] ^= 0xFF;
  }
  free(copy);
}

static void testBitFlips(const uint8_t *data, size_t size) {
  uint8_t *copy = malloc(size);
  memcpy(copy, data, size);
  int missed = 0;
  for (size_t i = 0; i < size * 8; ++i) {
    copy[i / 8] ^= (uint8_t)(1u << (i % 8));
    AttnStatus s = parseChecked(copy, size, "bit flip");
    missed += s == ATTN_OK;
    copy[i / 8] ^= (uint8_t)(1u << (i % 8));
  }
  check(missed == 0, "%d of %zu single-bit flips went undetected", missed, size * 8);
  free(copy);
}

/* Random payload mutations with the checksum repaired: exercises every
 * structural check; nothing may crash, and what parses must round-trip. */
static void testMutations(const uint8_t *data, size_t size, int rounds) {
  uint8_t *copy = malloc(size);
  int accepted = 0;
  for (int r = 0; r < rounds; ++r) {
    memcpy(copy, data, size);
    int n = 1 + (int)(next() % 4);
    for (int i = 0; i < n; ++i) {
      size_t at = 32 + next() % (size - 32);
      uint64_t how = next();
      switch (how & 3) { /* a random byte, all ones, zero, or one flipped bit */
      case 0:
        copy[at] = (uint8_t)(how >> 8);
        break;
      case 1:
        copy[at] = 0xFF;
        break;
      case 2:
        copy[at] = 0;
        break;
      default:
        copy[at] ^= (uint8_t)(1u << ((how >> 8) % 8));
        break;
      }
    }
    fixHeader(copy, size);
    accepted += parseChecked(copy, size, "mutation") == ATTN_OK;
  }
  printf("mutations: %d of %d accepted (and round-tripped)\n", accepted, rounds);
  free(copy);
}

static void testGarbage(void) {
  for (int r = 0; r < 2000; ++r) {
    size_t n = next() % 300;
    uint8_t *g = malloc(n ? n : 1);
    for (size_t i = 0; i < n; ++i)
      g[i] = (uint8_t)next();
    if (r % 2 && n >= 12) { /* past the magic and version checks */
      memcpy(g, "ATTNB\0\0\0", 8);
      setU32(g + 8, ATTN_BUNDLE_VERSION);
    }
    if (r % 4 == 3 && n >= 32) { /* and past the header's */
      setU32(g + 12, 0);
      setU32(g + 28, 0);
      fixHeader(g, n);
    }
    check(parseChecked(g, n, "garbage") != ATTN_OK, "random garbage of %zu bytes accepted", n);
    free(g);
  }
}

static void testHeader(const uint8_t *data, size_t size) {
  uint8_t *copy = malloc(size);
  char err[512];
  AttnBundle b;
  memcpy(copy, data, size);
  copy[0] = 'X';
  AttnStatus s = attnBundleParse(copy, size, &b, err, sizeof err);
  check(s == ATTN_ERROR_BAD_BUNDLE && strstr(err, "magic"), "wrong magic: %d %s", s, err);
  memcpy(copy, data, size);
  setU32(copy + 8, ATTN_BUNDLE_VERSION + 1);
  s = attnBundleParse(copy, size, &b, err, sizeof err);
  check(s == ATTN_ERROR_VERSION && strstr(err, "newer"), "future version: %d %s", s, err);
  s = attnBundleParse(copy, 12, &b, err, sizeof err); /* even when truncated after it */
  check(s == ATTN_ERROR_VERSION, "future version, truncated: %d %s", s, err);
  setU32(copy + 8, 0);
  s = attnBundleParse(copy, size, &b, err, sizeof err);
  check(s == ATTN_ERROR_VERSION && strstr(err, "version 0"), "version 0: %d %s", s, err);
  memcpy(copy, data, size);
  copy[size - 1] ^= 1;
  s = attnBundleParse(copy, size, &b, err, sizeof err);
  check(s == ATTN_ERROR_BAD_BUNDLE && strstr(err, "checksum"), "corrupt: %d %s", s, err);
  s = attnBundleParse(NULL, 0, &b, err, sizeof err);
  check(s == ATTN_ERROR_BAD_BUNDLE, "null, 0 bytes: %d", s);
  s = attnBundleParse(NULL, 10, &b, err, sizeof err);
  check(s == ATTN_ERROR_INVALID_ARGUMENT, "null, 10 bytes: %d", s);
  s = attnBundleParse(data, size, &b, NULL, 0); /* no message buffer */
  check(s == ATTN_OK, "parse without an error buffer: %d", s);
  attnBundleDestroy(&b);
  attnBundleDestroy(NULL);
  free(copy);
}

static void testSections(const uint8_t *data, size_t size) {
  char err[512];
  AttnBundle b;
  size_t n;
  uint8_t *x = withSection(data, size, 0x54534554u /* "TEST" */, 0, "optional extra", &n);
  AttnStatus s = attnBundleParse(x, n, &b, err, sizeof err);
  check(s == ATTN_OK, "unknown optional section: %d %s", s, err);
  attnBundleDestroy(&b);
  free(x);
  x = withSection(data, size, 0x54534554u, 1, "required extra", &n);
  s = attnBundleParse(x, n, &b, err, sizeof err);
  check(s == ATTN_ERROR_VERSION && strstr(err, "TEST"), "unknown required section: %d %s", s, err);
  free(x);
  x = withSection(data, size, 0x4F464E49u /* "INFO" again */, 1, "dup", &n);
  s = attnBundleParse(x, n, &b, err, sizeof err);
  check(s == ATTN_ERROR_BAD_BUNDLE && strstr(err, "twice"), "duplicate section: %d %s", s, err);
  free(x);
}

/* Counts far beyond what the sections hold are rejected before allocating. */
static void testHostileCounts(const uint8_t *data, size_t size) {
  uint8_t *copy = malloc(size);
  char err[512];
  AttnBundle b;
  uint32_t counts[][2] = {{1000, 3}, {3, 64}, {0xFFFFFFFFu, 3}, {3, 0xFFFFFFFFu}, {1024, 64}};
  for (size_t i = 0; i < sizeof counts / sizeof *counts; ++i) {
    memcpy(copy, data, size);
    size_t info = sectionOffset(copy, 0x4F464E49u);
    uint32_t producerLen = getU32(copy + info);
    setU32(copy + info + 4 + producerLen, counts[i][0]);
    setU32(copy + info + 8 + producerLen, counts[i][1]);
    fixHeader(copy, size);
    AttnStatus s = attnBundleParse(copy, size, &b, err, sizeof err);
    check(s == ATTN_ERROR_BAD_BUNDLE, "%u kernels / %u targets: status %d", counts[i][0],
          counts[i][1], s);
  }
  free(copy);
}

static void testSerializeChecks(void) {
  Fixture *f = malloc(sizeof *f);
  uint8_t *data;
  size_t size;
  char err[512];
  const char *what[] = {
      "unterminated kernel name", "rank 5",           "duplicate kernel",   "5 grid dims",
      "code without data",        "duplicate target", "duplicate argument", "empty target name",
      "negative kernels"};
  for (size_t i = 0; i < sizeof what / sizeof *what; ++i) {
    makeFixture(f);
    switch (i) {
    case 0:
      memset(f->kernels[0].name, 'x', sizeof f->kernels[0].name);
      break;
    case 1:
      f->kernels[0].args[2].rank = 5;
      break;
    case 2:
      strcpy(f->kernels[2].name, f->kernels[0].name);
      break;
    case 3:
      f->entries[1][0].num_grid_dims = 5;
      break;
    case 4:
      f->targets[0].data = NULL;
      break;
    case 5:
      strcpy(f->targets[2].name, "gfx942");
      break;
    case 6:
      strcpy(f->kernels[0].args[1].name, "q");
      break;
    case 7:
      f->targets[1].name[0] = '\0';
      break;
    default:
      f->b.num_kernels = -1;
      break;
    }
    AttnStatus s = attnBundleSerialize(&f->b, &data, &size, err, sizeof err);
    check(s == ATTN_ERROR_INVALID_ARGUMENT, "serialize with %s: status %d", what[i], s);
  }
  check(attnBundleSerialize(NULL, &data, &size, err, sizeof err) == ATTN_ERROR_INVALID_ARGUMENT,
        "serialize NULL");
  free(f);
}

static void testLookups(const AttnBundle *b) {
  check(attnBundleFindTarget(b, "cpu-x86_64") == &b->targets[1], "find cpu target");
  check(attnBundleFindTarget(b, "gfx950") == NULL, "find absent target");
  check(attnBundleFindKernel(b, "attention_attn2") == 2, "find kernel");
  check(attnBundleFindKernel(b, "nope") == -1, "find absent kernel");
  check(attnBundleFindKernel(NULL, "x") == -1 && attnBundleFindTarget(NULL, "x") == NULL,
        "lookups on NULL");
  for (int s = ATTN_OK; s <= ATTN_ERROR_LAUNCH; ++s)
    check(strncmp(attnStatusString((AttnStatus)s), "ATTN_", 5) == 0, "status string %d", s);
  check(strstr(attnStatusString(ATTN_ERROR_VERSION), "VERSION") != NULL, "VERSION string");
  check(attnBundleCrc32("123456789", 9) == 0xCBF43926u, "CRC-32 check value");
}

/*--- grid maps -----------------------------------------------------------===*/

/* A kernel with q (B x H x S x D) and cu_seqlens_q (B+1). */
static void gridKernel(AttnBundleKernel *k) {
  memset(k, 0, sizeof *k);
  strcpy(k->name, "grid");
  setArg(&k->args[0], "q", "f16", 4, 0);
  setArg(&k->args[1], "cu_seqlens_q", "i32", 1, 0);
  k->num_args = 2;
}

static AttnStatus evalMap(const char *map, const char *d0, const char *d1, int64_t grid[3],
                          char *err, size_t errLen) {
  AttnBundleKernel k;
  gridKernel(&k);
  AttnBundleEntry e;
  memset(&e, 0, sizeof e);
  snprintf(e.grid_map, sizeof e.grid_map, "%s", map);
  if (d0)
    snprintf(e.grid_dims[e.num_grid_dims++], sizeof e.grid_dims[0], "%s", d0);
  if (d1)
    snprintf(e.grid_dims[e.num_grid_dims++], sizeof e.grid_dims[0], "%s", d1);
  static const int64_t q[4] = {3, 32, 1000, 128}, cu[1] = {5};
  const int64_t *sizes[2] = {q, cu};
  return attnBundleEvalGrid(&k, &e, sizes, grid, err, errLen);
}

static void expectGrid(const char *map, const char *d0, const char *d1, int64_t x, int64_t y,
                       int64_t z) {
  int64_t g[3] = {-1, -1, -1};
  char err[512] = "";
  AttnStatus s = evalMap(map, d0, d1, g, err, sizeof err);
  check(s == ATTN_OK && g[0] == x && g[1] == y && g[2] == z,
        "grid \"%s\": got (%lld, %lld, %lld) status %d %s, expected (%lld, %lld, %lld)", map,
        (long long)g[0], (long long)g[1], (long long)g[2], s, err, (long long)x, (long long)y,
        (long long)z);
}

/* The value of a scalar expression: the map's x result minus a bias that
 * keeps it non-negative. */
static void expectExpr(const char *expr, int64_t want) {
  char map[256];
  snprintf(map, sizeof map, "() -> ((%s) + 1000, 1, 1)", expr);
  expectGrid(map, NULL, NULL, want + 1000, 1, 1);
}

static void expectGridError(const char *map, const char *d0, const char *d1, const char *msg) {
  int64_t g[3] = {7, 7, 7};
  char err[512] = "";
  AttnStatus s = evalMap(map, d0, d1, g, err, sizeof err);
  check(s == ATTN_ERROR_INVALID_ARGUMENT && strstr(err, msg) && g[0] == 7,
        "grid \"%s\" [%s, %s]: status %d, message '%s', expected an error containing '%s'", map,
        d0 ? d0 : "-", d1 ? d1 : "-", s, err, msg);
}

static void testGrid(void) {
  /* q.0 = B = 3, q.2 = S = 1000, cu_seqlens_q.0 = 5 (batch 4). */
  expectGrid("(d0, d1) -> (d1 ceildiv 128, d0 * 32, 1)", "q.0", "q.2", 8, 96, 1);
  expectGrid("(d0, d1) -> (d0 ceildiv 128 + d1, 32, 1)", "q.2", "q.0", 11, 32, 1);
  expectGrid("(d0, d1) -> (d0 ceildiv 64, d1 * 32, 1)", "q.2", "cu_seqlens_q.0-1", 16, 128, 1);
  expectGrid("(d0) -> (d0, 1, 1)", "cu_seqlens_q.0", NULL, 5, 1, 1);
  expectGrid("() -> (1, 1, 1)", NULL, NULL, 1, 1, 1);
  expectGrid("  ( d0 ,d1 )->( d0*d1 ,0, 2 )  ", "q.1", "q.3", 4096, 0, 2);
  /* MLIR semantics: floordiv toward -inf, ceildiv toward +inf, mod >= 0
   * for a positive divisor (and the sign of the divisor otherwise). */
  expectExpr("-7 floordiv 2", -4);
  expectExpr("-8 floordiv 2", -4);
  expectExpr("7 floordiv 2", 3);
  expectExpr("7 floordiv -2", -4);
  expectExpr("-7 floordiv -2", 3);
  expectExpr("-7 ceildiv 2", -3);
  expectExpr("7 ceildiv 2", 4);
  expectExpr("8 ceildiv 2", 4);
  expectExpr("7 ceildiv -2", -3);
  expectExpr("-7 ceildiv -2", 4);
  expectExpr("0 ceildiv 5", 0);
  expectExpr("-7 mod 3", 2);
  expectExpr("7 mod 3", 1);
  expectExpr("-6 mod 3", 0);
  expectExpr("7 mod -3", -2);
  expectExpr("-7 mod -3", -1);
  expectExpr("(0 - 9223372036854775807 - 1) mod -1", 0);
  expectExpr("(0 - 9223372036854775807 - 1) floordiv 9223372036854775807 + 2", 0);
  /* Precedence and associativity. */
  expectExpr("2 + 3 * 4", 14);
  expectExpr("(2 + 3) * 4", 20);
  expectExpr("10 - 3 - 2", 5);
  expectExpr("17 floordiv 4 * 4", 16);
  expectExpr("2 * 17 floordiv 4", 8);
  expectExpr("17 mod 5 mod 3", 2);
  expectExpr("-3 + 5", 2);
  expectExpr("- -3", 3);
  expectExpr("-(2 + 3) * 2", -10);
  expectExpr("9223372036854775807 - 9223372036854775807", 0);
  /* Malformed maps. */
  expectGridError("", NULL, NULL, "expected '('");
  expectGridError("(d0) -> (d0, 1)", "q.0", NULL, "expected ','");
  expectGridError("(d0) -> (d0, 1, 1, 1)", "q.0", NULL, "exactly 3 results");
  expectGridError("(d0, d1) -> (d0, 1, 1)", "q.0", NULL, "2 dims but the entry has 1");
  expectGridError("(d1) -> (d1, 1, 1)", "q.0", NULL, "in order");
  expectGridError("(d0) -> (d2, 1, 1)", "q.0", NULL, "not declared");
  expectGridError("(d0) -> (d0 +, 1, 1)", "q.0", NULL, "expected an integer, a dim or '('");
  expectGridError("(d0) -> (d0 floordiv 0, 1, 1)", "q.0", NULL, "division by zero");
  expectGridError("(d0) -> (d0 ceildiv (d0 - d0), 1, 1)", "q.0", NULL, "division by zero");
  expectGridError("(d0) -> (d0 mod 0, 1, 1)", "q.0", NULL, "mod by zero");
  expectGridError("() -> (9223372036854775807 + 1, 1, 1)", NULL, NULL, "addition overflows");
  expectGridError("() -> (0 - 9223372036854775807 - 2, 1, 1)", NULL, NULL, "subtraction overflows");
  expectGridError("() -> (99999999999999999999, 1, 1)", NULL, NULL, "overflows int64");
  expectGridError("() -> (3 * 4611686018427387904, 1, 1)", NULL, NULL, "multiplication overflows");
  expectGridError("() -> ((0 - 9223372036854775807 - 1) floordiv -1, 1, 1)", NULL, NULL,
                  "division overflows");
  expectGridError("() -> (-(0 - 9223372036854775807 - 1), 1, 1)", NULL, NULL, "negation overflows");
  expectGridError("(d0)[s0] -> (d0, 1, 1)", "q.0", NULL, "expected '->'");
  expectGridError("[s0] -> (1, 1, 1)", NULL, NULL, "expected '('");
  expectGridError("(d0) -> (d0, 1, 1) x", "q.0", NULL, "trailing");
  expectGridError("(d0) -> (d0 modx 2, 1, 1)", "q.0", NULL, "expected ','");
  expectGridError("(d0) -> (d0, 1, 1", "q.0", NULL, "expected ')'");
  expectGridError("() -> (0 - 1, 1, 1)", NULL, NULL, "negative");
  expectGridError("(d0) -> (d0 - 5, 1, 1)", "cu_seqlens_q.0-1", NULL, "negative");
  char deep[256];
  memset(deep, 0, sizeof deep);
  strcpy(deep, "() -> (");
  for (int i = 0; i < 100; ++i)
    strcat(deep, "(");
  expectGridError(deep, NULL, NULL, "nested too deeply");
  memset(deep, 0, sizeof deep);
  strcpy(deep, "() -> (");
  for (int i = 0; i < 120; ++i)
    strcat(deep, "-");
  strcat(deep, "1, 1, 1)");
  expectGridError(deep, NULL, NULL, "nested too deeply");
  /* Grid dims. */
  expectGridError("(d0) -> (d0, 1, 1)", "q.4", NULL, "rank 4");
  expectGridError("(d0) -> (d0, 1, 1)", "nope.0", NULL, "no argument 'nope'");
  expectGridError("(d0) -> (d0, 1, 1)", "q", NULL, "expected ARG.DIM");
  expectGridError("(d0) -> (d0, 1, 1)", "q.x", NULL, "expected ARG.DIM");
  expectGridError("(d0) -> (d0, 1, 1)", "q.0-2", NULL, "expected ARG.DIM");
  expectGridError("(d0) -> (d0, 1, 1)", ".0", NULL, "expected ARG.DIM");
  expectGridError("(d0) -> (d0, 1, 1)", "q.0+1", NULL, "expected ARG.DIM");
  /* Negative sizes are refused. */
  AttnBundleKernel k;
  gridKernel(&k);
  AttnBundleEntry e;
  memset(&e, 0, sizeof e);
  strcpy(e.grid_map, "(d0) -> (d0, 1, 1)");
  strcpy(e.grid_dims[0], "q.0");
  e.num_grid_dims = 1;
  int64_t q[4] = {-1, 1, 1, 1}, g[3];
  const int64_t *sizes[2] = {q, NULL};
  char err[256];
  check(attnBundleEvalGrid(&k, &e, sizes, g, err, sizeof err) == ATTN_ERROR_INVALID_ARGUMENT &&
            strstr(err, "negative"),
        "negative size: %s", err);
  check(attnBundleEvalGrid(&k, &e, NULL, g, err, sizeof err) == ATTN_ERROR_INVALID_ARGUMENT,
        "null sizes");
}

/* Tensor maps (section TMAP): round trip, a required section written only
 * when some kernel has maps, the writer's and the reader's checks. */
static void addMaps(Fixture *f) {
  /* sm_90a (target 2), kernel 0 (q, k, v: bf16, rank 4) and kernel 1 (varlen: rank 3) */
  AttnBundleEntry *e = &f->entries[2][0];
  e->num_tensor_maps = 2;
  e->tensor_maps[0] = (AttnBundleTensorMap){1, {1, 1, 128, 64}, 128};
  e->tensor_maps[1] = (AttnBundleTensorMap){2, {1, 1, 128, 64}, 128};
  e = &f->entries[2][1];
  e->num_tensor_maps = 1;
  e->tensor_maps[0] = (AttnBundleTensorMap){2, {176, 1, 64, 0}, 0};
}

static void testTensorMaps(void) {
  Fixture *f = malloc(sizeof *f);
  makeFixture(f);
  uint8_t *plain = NULL, *data = NULL;
  size_t plainSize = 0, size = 0;
  char err[512];
  check(attnBundleSerialize(&f->b, &plain, &plainSize, err, sizeof err) == ATTN_OK &&
            sectionOffset(plain, 0x50414D54u /* "TMAP" */) == 0,
        "a bundle without tensor maps has no TMAP section");
  addMaps(f);
  testRoundTrip(&f->b, "tensor maps");
  AttnStatus s = attnBundleSerialize(&f->b, &data, &size, err, sizeof err);
  check(s == ATTN_OK, "tensor maps: serialize: %s", err);
  if (s == ATTN_OK) {
    size_t at = sectionOffset(data, 0x50414D54u);
    uint32_t n = getU32(data + 32), flags = 0;
    for (uint32_t i = 0; i < n; ++i)
      if (getU32(data + 40 + 24 * i) == 0x50414D54u)
        flags = getU32(data + 40 + 24 * i + 4);
    check(at != 0 && getU32(data + at) == 3 && (flags & 1),
          "TMAP: 3 records in a required section (flags %u)", flags);
    /* record 0: size, target, kernel, ... -> a kernel that does not exist */
    uint8_t *bad = malloc(size);
    memcpy(bad, data, size);
    setU32(bad + at + 4 + 8, 7);
    fixHeader(bad, size);
    AttnBundle b;
    s = attnBundleParse(bad, size, &b, err, sizeof err);
    check(s == ATTN_ERROR_BAD_BUNDLE && strstr(err, "tensor map"), "TMAP naming kernel 7: %d '%s'",
          (int)s, err);
    /* record 0's box, dim 0 -> 0 elements */
    memcpy(bad, data, size);
    setU32(bad + at + 4 + 20, 0);
    fixHeader(bad, size);
    s = attnBundleParse(bad, size, &b, err, sizeof err);
    check(s == ATTN_ERROR_BAD_BUNDLE && strstr(err, "box size 0"), "TMAP box 0: %d '%s'", (int)s,
          err);
    free(bad);
    testMutations(data, size, 5000);
  }
  free(data);
  free(plain);
  /* The writer refuses what the reader would. */
  const AttnBundleTensorMap bads[3] = {
      {6, {1, 1, 128, 64}, 128}, {1, {1, 1, 300, 64}, 128}, {1, {1, 1, 128, 64}, 96}};
  const char *why[3] = {"names argument 6", "box size 300", "swizzle 96"};
  for (int i = 0; i < 3; ++i) {
    f->entries[2][0].tensor_maps[0] = bads[i];
    s = attnBundleSerialize(&f->b, &data, &size, err, sizeof err);
    check(s == ATTN_ERROR_INVALID_ARGUMENT && strstr(err, why[i]), "writer, bad map %d: '%s'", i,
          err);
    if (s == ATTN_OK)
      free(data);
  }
  free(f);
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: bundle-test DIR\n");
    return 2;
  }
  Fixture *f = malloc(sizeof *f);
  makeFixture(f);
  testRoundTrip(&f->b, "3 kernels x 3 targets");
  AttnBundle empty;
  memset(&empty, 0, sizeof empty);
  testRoundTrip(&empty, "empty bundle");
  testFile(&f->b, argv[1]);
  testSerializeChecks();
  testLookups(&f->b);
  testTensorMaps();

  uint8_t *data;
  size_t size;
  char err[512];
  if (attnBundleSerialize(&f->b, &data, &size, err, sizeof err) != ATTN_OK) {
    printf("FAIL: serialize: %s\n", err);
    return 1;
  }
  printf("bundle: %zu bytes\n", size);
  testHeader(data, size);
  testSections(data, size);
  testHostileCounts(data, size);
  testTruncation(data, size);
  testByteFlips(data, size);
  testMutations(data, size, 20000);
  free(data);

  /* A small bundle: one kernel, one target, 5 code bytes; every bit. */
  Fixture *small = malloc(sizeof *small);
  makeFixture(small);
  small->b.num_kernels = 1;
  small->b.num_targets = 1;
  small->targets[0].size = 5;
  if (attnBundleSerialize(&small->b, &data, &size, err, sizeof err) == ATTN_OK) {
    testBitFlips(data, size);
    testMutations(data, size, 20000);
    free(data);
  }
  testGarbage();
  testGrid();
  free(small);
  free(f);
  if (failures) {
    printf("%d failures\n", failures);
    return 1;
  }
  printf("PASS\n");
  return 0;
}
