/* Unit tests for lib/config/ConfigTable: the shipped tables of config/, lookup
 * semantics, strict JSON edge cases, schema diagnostics and override parsing.
 * Build and run from the repository root:
 *   gcc -std=c11 -Wall -Wextra -Werror -O2 -Ilib/config \
 *     test/Unit/config-test.c lib/config/ConfigTable.c
 *   ./a.out config */
#define _POSIX_C_SOURCE 200809L

#include "ConfigTable.h"

#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures = 0;

#define CHECK(cond, ...)                                                                           \
  do {                                                                                             \
    if (!(cond)) {                                                                                 \
      ++failures;                                                                                  \
      if (failures <= 40) {                                                                        \
        fprintf(stderr, "%s:%d: FAILED %s: ", __FILE__, __LINE__, #cond);                          \
        fprintf(stderr, __VA_ARGS__);                                                              \
        fputc('\n', stderr);                                                                       \
      }                                                                                            \
    }                                                                                              \
  } while (0)

static const char *const targets[] = {"cpu", "gfx942", "gfx950", "sm_90a"};
enum { NUM_TARGETS = 4 };

/*===--- helpers ----------------------------------------------------------===*/

/* Parses text from an exactly sized heap copy, so that valgrind catches reads
 * past the end. */
static AttnConfigTable *parseExact(const char *text, size_t len, const char *path, char *err,
                                   size_t errLen) {
  char *copy = malloc(len ? len : 1);
  if (!copy) {
    fprintf(stderr, "out of memory\n");
    exit(2);
  }
  memcpy(copy, text, len);
  AttnConfigTable *t = attnConfigTableParse(copy, len, path, err, errLen);
  free(copy);
  return t;
}

static AttnConfigTable *parseOk(const char *text, int line) {
  char err[512];
  AttnConfigTable *t = parseExact(text, strlen(text), "t.json", err, sizeof err);
  CHECK(t != NULL, "line %d: unexpected error: %s", line, err);
  CHECK(!t || err[0] == '\0', "line %d: err not cleared on success: %s", line, err);
  return t;
}

/* Expects a parse error whose message is exactly `expected` (which includes
 * "t.json:line:col: "). */
static void parseErr(const char *text, size_t len, const char *expected, int line) {
  char err[512];
  AttnConfigTable *t = parseExact(text, len, "t.json", err, sizeof err);
  CHECK(t == NULL, "line %d: expected error '%s', parse succeeded", line, expected);
  attnConfigTableDestroy(t);
  CHECK(strcmp(err, expected) == 0, "line %d:\n  got      '%s'\n  expected '%s'", line, err,
        expected);
}

#define PARSE_OK(text) parseOk(text, __LINE__)
#define PARSE_ERR(text, expected) parseErr(text, strlen(text), expected, __LINE__)

static AttnTileQuery query(AttnDType dtype, int64_t headDim, bool causal, bool varlen) {
  AttnTileQuery q = {dtype, headDim, causal, varlen, ATTN_PAGED_NONE, false};
  return q;
}

static bool configIs(const AttnTileConfig *c, int64_t m, int64_t n, int64_t warps, int64_t stages,
                     int64_t splits) {
  return c->blockM == m && c->blockN == n && c->numWarps == warps && c->numStages == stages &&
         c->kvSplits == splits;
}

static void expectLookup(const AttnConfigTable *t, AttnTileQuery q, int index, int64_t m, int64_t n,
                         int64_t warps, int64_t stages, int64_t splits, int line) {
  AttnTileConfig c;
  memset(&c, 0xab, sizeof c);
  int got = attnConfigTableLookup(t, &q, &c);
  char text[160];
  attnTileConfigFormat(&c, text, sizeof text);
  CHECK(got == index, "line %d: %s D=%lld causal=%d varlen=%d: entry %d, expected %d", line,
        attnDTypeName(q.dtype), (long long)q.headDim, q.causal, q.varlen, got, index);
  CHECK(configIs(&c, m, n, warps, stages, splits), "line %d: %s D=%lld causal=%d varlen=%d: got %s",
        line, attnDTypeName(q.dtype), (long long)q.headDim, q.causal, q.varlen, text);
}

#define EXPECT_LOOKUP(t, q, index, m, n, w, s, k) expectLookup(t, q, index, m, n, w, s, k, __LINE__)

static char *readAll(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f)
    return NULL;
  size_t cap = 1 << 16;
  char *data = malloc(cap);
  *len = data ? fread(data, 1, cap, f) : 0;
  fclose(f);
  if (data && *len == cap) { /* the shipped tables are small */
    free(data);
    return NULL;
  }
  return data;
}

/*===--- shipped tables ---------------------------------------------------===*/

static const AttnDType dtypes[] = {ATTN_DTYPE_F16, ATTN_DTYPE_BF16, ATTN_DTYPE_F32};
static const int64_t headDims[] = {1, 32, 64, 80, 96, 128, 192, 256, 512};

/* Every query gets a sane config; the cpu table keeps num_warps at 1. */
static void checkAllQueries(const AttnConfigTable *t) {
  bool cpu = strcmp(attnConfigTableTarget(t), "cpu") == 0;
  for (size_t d = 0; d < 3; ++d)
    for (size_t h = 0; h < sizeof headDims / sizeof *headDims; ++h)
      for (int flags = 0; flags < 4; ++flags) {
        AttnTileQuery q = query(dtypes[d], headDims[h], flags & 1, flags & 2);
        AttnTileConfig c;
        int index = attnConfigTableLookup(t, &q, &c);
        CHECK(index >= 0 && (size_t)index < attnConfigTableNumEntries(t), "%s: index %d",
              attnConfigTableTarget(t), index);
        CHECK(c.blockM >= 1 && c.blockN >= 1 && c.numWarps >= 1 && c.numStages >= 1 &&
                  c.kvSplits >= 1,
              "%s: non-positive config", attnConfigTableTarget(t));
        CHECK(!cpu || c.numWarps == 1, "cpu: num_warps %lld", (long long)c.numWarps);
      }
}

static void testShippedTables(const char *dir) {
  char path[4096], err[512];
  AttnConfigTable *tables[NUM_TARGETS];
  for (int i = 0; i < NUM_TARGETS; ++i) {
    snprintf(path, sizeof path, "%s/%s-MHA-DEFAULT.json", dir, targets[i]);
    tables[i] = attnConfigTableLoad(path, err, sizeof err);
    CHECK(tables[i] != NULL, "%s", err);
    if (!tables[i])
      continue;
    CHECK(strcmp(attnConfigTableTarget(tables[i]), targets[i]) == 0, "%s: target '%s'", path,
          attnConfigTableTarget(tables[i]));
    CHECK(strcmp(attnConfigTablePath(tables[i]), path) == 0, "path '%s'",
          attnConfigTablePath(tables[i]));
    checkAllQueries(tables[i]);
  }
  AttnConfigTable *cpu = tables[0], *gfx942 = tables[1], *gfx950 = tables[2], *sm90 = tables[3];
  const AttnDType F16 = ATTN_DTYPE_F16, BF16 = ATTN_DTYPE_BF16, F32 = ATTN_DTYPE_F32;
  if (gfx942) {
    EXPECT_LOOKUP(gfx942, query(BF16, 128, true, false), 0, 128, 64, 4, 1, 1);
    /* D = 64 f16 pipelined (num_stages 2); bf16 and paged kernels not. */
    EXPECT_LOOKUP(gfx942, query(F16, 64, false, true), 8, 128, 64, 4, 2, 1);
    EXPECT_LOOKUP(gfx942, query(F16, 64, true, false), 8, 128, 64, 4, 2, 1);
    EXPECT_LOOKUP(gfx942, query(BF16, 64, false, false), 9, 128, 64, 4, 1, 1);
    EXPECT_LOOKUP(gfx942, query(BF16, 64, true, false), 9, 128, 64, 4, 1, 1);
    AttnTileQuery paged64 = query(F16, 64, false, true);
    paged64.paged = ATTN_PAGED_PREFILL;
    EXPECT_LOOKUP(gfx942, paged64, 6, 128, 64, 4, 1, 0);
    EXPECT_LOOKUP(gfx942, query(BF16, 256, true, false), 1, 128, 32, 4, 1, 1);
    EXPECT_LOOKUP(gfx942, query(F32, 128, false, false), 2, 128, 32, 4, 1, 1);
    EXPECT_LOOKUP(gfx942, query(F32, 256, false, false), 3, 128, 16, 4, 1, 1);
  }
  if (gfx950) {
    /* Pipelined (num_stages 2) but at D = 256 and in the paged kernels. */
    EXPECT_LOOKUP(gfx950, query(BF16, 128, true, false), 0, 128, 64, 4, 2, 1);
    EXPECT_LOOKUP(gfx950, query(F16, 256, false, true), 1, 128, 32, 4, 1, 1);
    EXPECT_LOOKUP(gfx950, query(F32, 256, false, false), 1, 128, 32, 4, 1, 1);
    AttnTileQuery decode = query(BF16, 128, false, true);
    decode.paged = ATTN_PAGED_DECODE;
    EXPECT_LOOKUP(gfx950, decode, 2, 32, 64, 1, 1, 0);
    decode.paged = ATTN_PAGED_PREFILL;
    EXPECT_LOOKUP(gfx950, decode, 4, 128, 64, 4, 1, 0);
  }
  if (sm90) {
    /* D = 64, 128, 192, 256 (not paged): the wgmma tiling; other head dims
     * the default (mma.sync, 16 rows per warp). */
    /* D = 128: num_stages 2 (software-pipelined, warp-specialized, ping-pong),
     * causal or not; D = 192 and 256: FA2's schedule. */
    EXPECT_LOOKUP(sm90, query(F16, 128, true, false), 4, 128, 128, 8, 2, 1);
    EXPECT_LOOKUP(sm90, query(BF16, 128, false, false), 4, 128, 128, 8, 2, 1);
    EXPECT_LOOKUP(sm90, query(F16, 96, true, false), 0, 128, 64, 8, 2, 1);
    EXPECT_LOOKUP(sm90, query(BF16, 192, false, false), 5, 128, 48, 8, 1, 1);
    EXPECT_LOOKUP(sm90, query(BF16, 256, false, false), 6, 128, 32, 8, 1, 1);
    EXPECT_LOOKUP(sm90, query(F32, 256, true, true), 2, 128, 32, 8, 1, 1);
    EXPECT_LOOKUP(sm90, query(F32, 64, false, false), 3, 64, 128, 4, 1, 1);
    AttnTileQuery paged = query(BF16, 128, false, true);
    paged.paged = ATTN_PAGED_DECODE;
    EXPECT_LOOKUP(sm90, paged, 7, 16, 32, 1, 2, 0);
    paged.headDim = 256;
    EXPECT_LOOKUP(sm90, paged, 8, 16, 32, 1, 2, 0);
    paged.paged = ATTN_PAGED_PREFILL;
    paged.headDim = 128;
    EXPECT_LOOKUP(sm90, paged, 9, 128, 64, 4, 2, 0);
    /* attn.mla's decode kernels (D = 512 + 64, 256 + 32): 16 heads, 4 warps */
    paged.paged = ATTN_PAGED_DECODE;
    paged.headDim = 576;
    EXPECT_LOOKUP(sm90, paged, 15, 16, 32, 4, 2, 0);
    paged.headDim = 288;
    EXPECT_LOOKUP(sm90, paged, 16, 16, 32, 4, 2, 0);
  }
  if (cpu) {
    EXPECT_LOOKUP(cpu, query(BF16, 128, true, false), 0, 16, 128, 1, 1, 1);
    EXPECT_LOOKUP(cpu, query(BF16, 192, true, false), 1, 16, 64, 1, 1, 1);
    EXPECT_LOOKUP(cpu, query(F32, 256, false, true), 2, 16, 64, 1, 1, 1);
    size_t line = 0, col = 0;
    CHECK(attnConfigTableEntryLocation(cpu, 1, &line, &col) && line == 7 && col == 5,
          "cpu entry 1 at %zu:%zu", line, col);
    CHECK(attnConfigTableEntryLocation(cpu, 2, &line, &col) && line == 10 && col == 5,
          "cpu entry 2 at %zu:%zu", line, col);
    CHECK(!attnConfigTableEntryLocation(cpu, 6, &line, &col), "entry 6 of cpu exists");
    AttnTileQuery paged = query(BF16, 128, true, true);
    paged.paged = ATTN_PAGED_DECODE;
    EXPECT_LOOKUP(cpu, paged, 3, 16, 64, 1, 1, 0);
    paged.paged = ATTN_PAGED_PREFILL;
    EXPECT_LOOKUP(cpu, paged, 4, 16, 64, 1, 1, 0);
    /* attn.mla's D = 576 decode kernel: half the K tile rows (docs/mla.md). */
    paged.paged = ATTN_PAGED_DECODE;
    paged.headDim = 576;
    EXPECT_LOOKUP(cpu, paged, 5, 16, 32, 1, 1, 0);
    CHECK(attnConfigTableDefaultIndex(cpu) == 0, "default index");
  }
  for (int i = 0; i < NUM_TARGETS; ++i)
    attnConfigTableDestroy(tables[i]);

  /* Every *.json in the directory is a valid table named after its target. */
  DIR *d = opendir(dir);
  CHECK(d != NULL, "cannot list %s", dir);
  int jsonFiles = 0;
  for (struct dirent *ent; d && (ent = readdir(d));) {
    size_t n = strlen(ent->d_name);
    if (n < 5 || strcmp(ent->d_name + n - 5, ".json") != 0)
      continue;
    ++jsonFiles;
    snprintf(path, sizeof path, "%s/%s", dir, ent->d_name);
    AttnConfigTable *t = attnConfigTableLoad(path, err, sizeof err);
    CHECK(t != NULL, "%s", err);
    if (!t)
      continue;
    /* <target>-MHA-DEFAULT.json, or the backward's <target>-MHA-BWD.json */
    char expectedName[512], expectedBwd[512];
    snprintf(expectedName, sizeof expectedName, "%s-MHA-DEFAULT.json", attnConfigTableTarget(t));
    snprintf(expectedBwd, sizeof expectedBwd, "%s-MHA-BWD.json", attnConfigTableTarget(t));
    CHECK(strcmp(expectedName, ent->d_name) == 0 || strcmp(expectedBwd, ent->d_name) == 0,
          "%s holds target '%s'", ent->d_name, attnConfigTableTarget(t));
    checkAllQueries(t);
    attnConfigTableDestroy(t);
  }
  if (d)
    closedir(d);
  CHECK(jsonFiles >= NUM_TARGETS, "only %d tables in %s", jsonFiles, dir);
}

/* Every proper prefix of a table fails with a located message (up to its
 * closing brace), every byte mutation either fails with a message or yields a
 * usable table; nothing crashes or reads out of bounds (run under valgrind). */
static void checkPrefixesAndMutations(char *text, size_t len, const char *path) {
  static const unsigned char mutations[] = {'"', '{', '}', '[',  ']', ',',  ':',  '\\', '0', '-',
                                            'x', 't', ' ', '\n', 0,   0x80, 0xc3, 0xf0, 0xff};
  char err[512], prefix[4200];
  size_t lastBrace = len;
  while (lastBrace > 0 && text[lastBrace - 1] != '}')
    --lastBrace; /* lastBrace = length of the prefix ending in the final '}' */
  snprintf(prefix, sizeof prefix, "%s:", path);
  for (size_t n = 0; n <= len; ++n) {
    err[0] = 'X';
    err[1] = '\0';
    AttnConfigTable *t = parseExact(text, n, path, err, sizeof err);
    if (n < lastBrace) {
      CHECK(t == NULL, "%s: prefix of %zu bytes parsed", path, n);
      CHECK(strncmp(err, prefix, strlen(prefix)) == 0 && strlen(err) > strlen(prefix) + 4,
            "%s: prefix of %zu bytes: message '%s'", path, n, err);
    } else {
      CHECK(t != NULL, "%s: prefix of %zu bytes: %s", path, n, err);
    }
    attnConfigTableDestroy(t);
  }
  int accepted = 0, rejected = 0;
  for (size_t pos = 0; pos < len; ++pos) {
    char saved = text[pos];
    for (size_t m = 0; m < sizeof mutations; ++m) {
      text[pos] = (char)mutations[m];
      err[0] = '\0';
      AttnConfigTable *t = parseExact(text, len, path, err, sizeof err);
      if (t) {
        ++accepted;
        AttnTileQuery q = query(ATTN_DTYPE_BF16, 128, true, false);
        AttnTileConfig c;
        int index = attnConfigTableLookup(t, &q, &c);
        CHECK(index >= 0 && c.blockM >= 1 && c.blockN >= 1, "mutated table lookup");
        attnConfigTableDestroy(t);
      } else {
        ++rejected;
        CHECK(strncmp(err, prefix, strlen(prefix)) == 0, "mutation at %zu: message '%s'", pos, err);
      }
    }
    text[pos] = saved;
  }
  CHECK(accepted > 0 && rejected > 0, "%s: %d accepted, %d rejected mutations", path, accepted,
        rejected);
}

static void testTruncationAndMutation(const char *dir) {
  char path[4096];
  for (int i = 0; i < NUM_TARGETS; ++i) {
    snprintf(path, sizeof path, "%s/%s-MHA-DEFAULT.json", dir, targets[i]);
    size_t len = 0;
    char *text = readAll(path, &len);
    CHECK(text != NULL, "cannot read %s", path);
    if (!text)
      continue;
    checkPrefixesAndMutations(text, len, path);
    free(text);
  }
  /* A synthetic table with what the shipped ones lack: raw multi-byte UTF-8
   * (cut anywhere by the prefixes) and escapes. */
  char rich[] = "{\"comment\": \"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80 \\u00e9\\ud83d\\ude00"
                "\\n\\\"\",\n"
                " \"target\": \"r\",\n"
                " \"entries\": [\n"
                "  {\"match\": {\"dtype\": \"f32\", \"head_dim\": 64, \"causal\": false, "
                "\"varlen\": true},\n"
                "   \"config\": {\"block_m\": 32}, \"comment\": \"\xe2\x82\xac\"},\n"
                "  {\"match\": {}, \"config\": {\"block_m\": 8, \"block_n\": 16, "
                "\"num_warps\": 1, \"num_stages\": 1, \"kv_splits\": 1}}\n"
                " ]\n"
                "}\n";
  AttnConfigTable *t = PARSE_OK(rich);
  if (t)
    EXPECT_LOOKUP(t, query(ATTN_DTYPE_F32, 64, false, true), 0, 32, 16, 1, 1, 1);
  attnConfigTableDestroy(t);
  checkPrefixesAndMutations(rich, strlen(rich), "rich.json");
}

/*===--- lookup semantics -------------------------------------------------===*/

static void testLookup(void) {
  const AttnDType F16 = ATTN_DTYPE_F16, BF16 = ATTN_DTYPE_BF16, F32 = ATTN_DTYPE_F32;
  /* The default need not come first; the most specific entry wins regardless
   * of order; partial entries merge over the default only. */
  AttnConfigTable *t = PARSE_OK(
      "{\"target\": \"x\", \"entries\": [\n"
      "  {\"match\": {\"dtype\": \"bf16\"}, \"config\": {\"block_m\": 64}},\n"
      "  {\"match\": {\"head_dim\": 256}, \"config\": {\"block_n\": 32}},\n"
      "  {\"match\": {}, \"config\": {\"block_m\": 128, \"block_n\": 64, \"num_warps\": 4,\n"
      "                             \"num_stages\": 2, \"kv_splits\": 1}},\n"
      "  {\"match\": {\"dtype\": \"bf16\", \"head_dim\": 256, \"causal\": true},\n"
      "   \"config\": {\"num_warps\": 8}},\n"
      "  {\"match\": {\"dtype\": \"f16\", \"varlen\": true}, \"config\": {\"kv_splits\": 4}},\n"
      "  {\"match\": {\"causal\": false, \"varlen\": false, \"head_dim\": 64},\n"
      "   \"config\": {}}\n"
      "]}");
  if (t) {
    CHECK(attnConfigTableNumEntries(t) == 6 && attnConfigTableDefaultIndex(t) == 2, "counts");
    EXPECT_LOOKUP(t, query(F32, 128, false, false), 2, 128, 64, 4, 2, 1);
    EXPECT_LOOKUP(t, query(BF16, 128, false, false), 0, 64, 64, 4, 2, 1);
    EXPECT_LOOKUP(t, query(F16, 256, false, false), 1, 128, 32, 4, 2, 1);
    /* Tie between entry 0 and entry 1 (one key each): the earlier wins. */
    EXPECT_LOOKUP(t, query(BF16, 256, false, false), 0, 64, 64, 4, 2, 1);
    /* Three keys beat one, and the merge is over the default, not entry 0/1. */
    EXPECT_LOOKUP(t, query(BF16, 256, true, false), 3, 128, 64, 8, 2, 1);
    EXPECT_LOOKUP(t, query(F16, 256, true, true), 4, 128, 64, 4, 2, 4);
    EXPECT_LOOKUP(t, query(F16, 256, true, false), 1, 128, 32, 4, 2, 1);
    /* An empty config pins the default values (three keys beat entry 0). */
    EXPECT_LOOKUP(t, query(BF16, 64, false, false), 5, 128, 64, 4, 2, 1);
    EXPECT_LOOKUP(t, query(BF16, 64, true, false), 0, 64, 64, 4, 2, 1);
    size_t line = 0, col = 0;
    CHECK(attnConfigTableEntryLocation(t, 3, &line, &col) && line == 6 && col == 3,
          "entry 3 at %zu:%zu", line, col);
  }
  attnConfigTableDestroy(t);

  /* Same table with the two one-key entries swapped: the tie goes the other way. */
  t = PARSE_OK("{\"target\": \"x\", \"entries\": [\n"
               "  {\"match\": {\"head_dim\": 256}, \"config\": {\"block_n\": 32}},\n"
               "  {\"match\": {\"dtype\": \"bf16\"}, \"config\": {\"block_m\": 64}},\n"
               "  {\"match\": {}, \"config\": {\"block_m\": 128, \"block_n\": 64, \"num_warps\": "
               "4, \"num_stages\": 2, \"kv_splits\": 1}}\n"
               "]}");
  if (t)
    EXPECT_LOOKUP(t, query(BF16, 256, false, false), 0, 128, 32, 4, 2, 1);
  attnConfigTableDestroy(t);

  /* "paged" matches attn.paged_attention's split kernels only; kv_splits
   * may be 0 (chosen at run time); unknown kernel names are errors. */
  t = PARSE_OK("{\"target\": \"x\", \"entries\": [\n"
               "  {\"match\": {}, \"config\": {\"block_m\": 128, \"block_n\": 64, \"num_warps\": "
               "4, \"num_stages\": 2, \"kv_splits\": 1}},\n"
               "  {\"match\": {\"paged\": \"decode\"}, \"config\": {\"block_m\": 16, "
               "\"kv_splits\": 0}},\n"
               "  {\"match\": {\"paged\": \"none\", \"head_dim\": 64}, \"config\": "
               "{\"block_n\": 32}}\n"
               "]}");
  if (t) {
    AttnTileQuery paged = query(BF16, 128, false, true);
    paged.paged = ATTN_PAGED_DECODE;
    EXPECT_LOOKUP(t, paged, 1, 16, 64, 4, 2, 0);
    paged.paged = ATTN_PAGED_PREFILL;
    EXPECT_LOOKUP(t, paged, 0, 128, 64, 4, 2, 1);
    paged.headDim = 64;
    EXPECT_LOOKUP(t, paged, 0, 128, 64, 4, 2, 1);
    EXPECT_LOOKUP(t, query(BF16, 64, false, false), 2, 128, 32, 4, 2, 1);
  }
  attnConfigTableDestroy(t);
  PARSE_ERR("{\"target\": \"x\", \"entries\": [{\"match\": {}, \"config\": {\"block_m\": 1, "
            "\"block_n\": 1, \"num_warps\": 1, \"num_stages\": 1, \"kv_splits\": 1}}"
            ", {\"match\": {\"paged\": \"chunked\"}, \"config\": {}}]}",
            "t.json:1:153: unknown paged kernel 'chunked' (expected none, prefill or decode)");

  /* "score_mods" (softcap, ALiBi, a window, dropout: attn-tile's query) is a
   * boolean key like causal; a non-boolean is an error. */
  t = PARSE_OK("{\"target\": \"x\", \"entries\": [\n"
               "  {\"match\": {}, \"config\": {\"block_m\": 64, \"block_n\": 16, \"num_warps\": "
               "4, \"num_stages\": 2, \"kv_splits\": 1}},\n"
               "  {\"match\": {\"head_dim\": 128, \"score_mods\": false}, \"config\": "
               "{\"block_n\": 32}},\n"
               "  {\"match\": {\"head_dim\": 128, \"score_mods\": true}, \"config\": "
               "{\"num_stages\": 1}}\n"
               "]}");
  if (t) {
    AttnTileQuery mods = query(BF16, 128, true, false);
    EXPECT_LOOKUP(t, mods, 1, 64, 32, 4, 2, 1);
    mods.scoreMods = true;
    EXPECT_LOOKUP(t, mods, 2, 64, 16, 4, 1, 1);
    mods.headDim = 64;
    EXPECT_LOOKUP(t, mods, 0, 64, 16, 4, 2, 1);
  }
  attnConfigTableDestroy(t);
  PARSE_ERR("{\"target\": \"x\", \"entries\": [{\"match\": {}, \"config\": {\"block_m\": 1, "
            "\"block_n\": 1, \"num_warps\": 1, \"num_stages\": 1, \"kv_splits\": 1}}"
            ", {\"match\": {\"score_mods\": 1}, \"config\": {}}]}",
            "t.json:1:158: 'score_mods' must be a boolean, got an integer");

  /* NULL handling. */
  AttnTileQuery q = query(F16, 64, false, false);
  AttnTileConfig c;
  CHECK(attnConfigTableLookup(NULL, &q, &c) == -1, "NULL table");
  attnConfigTableDestroy(NULL);
  CHECK(attnConfigTableTarget(NULL) == NULL && attnConfigTableNumEntries(NULL) == 0, "NULL");
  CHECK(strcmp(attnDTypeName(ATTN_DTYPE_BF16), "bf16") == 0, "dtype name");
}

/*===--- JSON edge cases --------------------------------------------------===*/

#define DEFAULT_ENTRY                                                                              \
  "{\"match\": {}, \"config\": {\"block_m\": 1, \"block_n\": 1, \"num_warps\": 1, "                \
  "\"num_stages\": 1, \"kv_splits\": 1}}"
#define TABLE(target) "{\"target\": " target ", \"entries\": [" DEFAULT_ENTRY "]}"

static void testJsonStrings(void) {
  /* Escapes in keys and values; the escaped key still names "target". */
  AttnConfigTable *t =
      PARSE_OK("{\"targe\\u0074\": \"gfx\\u0039\\u00342\", \"comment\": "
               "\"\\\"\\\\\\/\\b\\f\\n\\r\\t \\u00e9 \\ud83d\\ude00 \xc3\xa9 "
               "\xe2\x82\xac \xf0\x9f\x98\x80\", \"entries\": [" DEFAULT_ENTRY "]}");
  CHECK(t && strcmp(attnConfigTableTarget(t), "gfx942") == 0, "escaped target");
  attnConfigTableDestroy(t);
  t = PARSE_OK(TABLE("\"\\ud83d\\ude00\\u00e9\\u20ac/\\/\""));
  CHECK(t && strcmp(attnConfigTableTarget(t), "\xf0\x9f\x98\x80\xc3\xa9\xe2\x82\xac//") == 0,
        "UTF-8 encoding of \\u escapes");
  attnConfigTableDestroy(t);

  PARSE_ERR(TABLE("\"a\\x\""), "t.json:1:14: invalid escape sequence: '\\' followed by 'x'");
  PARSE_ERR(TABLE("\"a\\u12\""), "t.json:1:14: invalid \\u escape: expected 4 hex digits");
  PARSE_ERR(TABLE("\"a\\u12g4\""), "t.json:1:14: invalid \\u escape: expected 4 hex digits");
  PARSE_ERR(TABLE("\"\\ud83d\""), "t.json:1:13: unpaired high surrogate in \\u escape");
  PARSE_ERR(TABLE("\"\\ud83dx\""), "t.json:1:13: unpaired high surrogate in \\u escape");
  PARSE_ERR(TABLE("\"\\ud83d\\u0041\""), "t.json:1:13: unpaired high surrogate in \\u escape");
  PARSE_ERR(TABLE("\"\\ude00\""), "t.json:1:13: unpaired low surrogate in \\u escape");
  PARSE_ERR(TABLE("\"a\\u0000\""), "t.json:1:14: \\u0000 is not allowed in strings");
  PARSE_ERR(TABLE("\"a\tb\""), "t.json:1:14: control character (byte 0x09) in string must be "
                               "escaped");
  PARSE_ERR("{\"target\": \"a\nb\"}",
            "t.json:1:14: control character (byte 0x0a) in string must be escaped");
  PARSE_ERR(TABLE("\"\xc0\x80\""), "t.json:1:13: invalid UTF-8 in string");         /* overlong */
  PARSE_ERR(TABLE("\"\xed\xa0\x80\""), "t.json:1:13: invalid UTF-8 in string");     /* surrogate */
  PARSE_ERR(TABLE("\"\xf4\x90\x80\x80\""), "t.json:1:13: invalid UTF-8 in string"); /* >10FFFF */
  PARSE_ERR(TABLE("\"\xe2\x82\""), "t.json:1:13: invalid UTF-8 in string");         /* cut */
  PARSE_ERR(TABLE("\"\xff\""), "t.json:1:13: invalid UTF-8 in string");
  PARSE_ERR(TABLE("\"\x80\""), "t.json:1:13: invalid UTF-8 in string");
  PARSE_ERR("{\"target\": \"abc", "t.json:1:12: unterminated string");
  PARSE_ERR("{\"target\": \"abc\\", "t.json:1:12: unterminated string");
  /* An embedded NUL byte is a control character, not the end of the text. */
  parseErr("{\"target\": \"a\0b\"}", 18,
           "t.json:1:14: control character (byte 0x00) in string must be escaped", __LINE__);
  parseErr("{\"target\": \"ab\"}\0", 17,
           "t.json:1:17: unexpected byte 0x00 after the top-level "
           "value",
           __LINE__);
}

static void testJsonStructure(void) {
  PARSE_ERR("", "t.json:1:1: expected a value, got end of input");
  PARSE_ERR(" \n\t\r\n ", "t.json:3:2: expected a value, got end of input");
  PARSE_ERR("\xef\xbb\xbf" TABLE("\"a\""), "t.json:1:1: expected a value, got byte 0xef");
  PARSE_ERR("[]", "t.json:1:1: top-level value must be an object, got an array");
  PARSE_ERR("42", "t.json:1:1: top-level value must be an object, got an integer");
  PARSE_ERR("null", "t.json:1:1: top-level value must be an object, got null");
  PARSE_ERR("nul", "t.json:1:1: invalid literal (expected true, false or null)");
  PARSE_ERR("{\"a\": tru}", "t.json:1:7: invalid literal (expected true, false or null)");
  PARSE_ERR("{\"a\": True}", "t.json:1:7: expected a value, got 'T'");
  PARSE_ERR("{\"a\": 'x'}", "t.json:1:7: expected a value, got '''");
  PARSE_ERR("{\"a\" 1}", "t.json:1:6: expected ':' after object key, got '1'");
  PARSE_ERR("{\"a\": 1 \"b\": 2}", "t.json:1:9: expected ',' or '}' in object, got '\"'");
  PARSE_ERR("{\"a\": [1 2]}", "t.json:1:10: expected ',' or ']' in array, got '2'");
  PARSE_ERR("{\"a\": 1,}", "t.json:1:9: trailing comma in object");
  PARSE_ERR("{\"a\": [1,]}", "t.json:1:10: trailing comma in array");
  PARSE_ERR("{\"a\": [,]}", "t.json:1:8: expected a value, got ','");
  PARSE_ERR("{a: 1}", "t.json:1:2: expected a string key in object, got 'a'");
  PARSE_ERR("{,}", "t.json:1:2: expected a string key in object, got ','");
  PARSE_ERR("{\"a\": 1", "t.json:1:8: expected ',' or '}' in object, got end of input");
  PARSE_ERR("{\"a\": [1", "t.json:1:9: expected ',' or ']' in array, got end of input");
  PARSE_ERR("{\"a\": // c\n 1}", "t.json:1:7: expected a value, got '/'");

  /* Trailing garbage; trailing whitespace is fine. */
  PARSE_ERR(TABLE("\"a\"") " x", "t.json:1:134: unexpected 'x' after the top-level value");
  PARSE_ERR(TABLE("\"a\"") "\n{}", "t.json:2:1: unexpected '{' after the top-level value");
  PARSE_ERR(TABLE("\"a\"") "}", "t.json:1:133: unexpected '}' after the top-level value");
  attnConfigTableDestroy(PARSE_OK(TABLE("\"a\"") " \n\t\r\n"));

  /* Duplicate keys, also when spelled with escapes, at every level. */
  PARSE_ERR("{\"target\": \"a\",\n \"target\": \"b\"}",
            "t.json:2:2: duplicate key 'target' (first given at 1:2)");
  PARSE_ERR("{\"target\": \"a\", \"targ\\u0065t\": \"b\"}",
            "t.json:1:17: duplicate key 'target' (first given at 1:2)");
  PARSE_ERR("{\"target\": \"a\", \"entries\": [{\"match\": {\"causal\": true, \"causal\": "
            "false}}]}",
            "t.json:1:56: duplicate key 'causal' (first given at 1:40)");
  PARSE_ERR("{\"x\": {\"a\": 1, \"b\": 2, \"a\": 3}}",
            "t.json:1:24: duplicate key 'a' (first given at 1:8)");

  /* Nesting: 32 levels (the top-level object and 31 arrays) parse, so the
   * schema complains; 33 are refused by the parser. Deep inputs do not
   * recurse without bound. */
  char deep[4096];
  for (int levels = 31; levels <= 32; ++levels) {
    int n = snprintf(deep, sizeof deep, "{\"target\": \"a\", \"comment\": ");
    for (int i = 0; i < levels; ++i)
      deep[n++] = '[';
    for (int i = 0; i < levels; ++i)
      deep[n++] = ']';
    snprintf(deep + n, sizeof deep - (size_t)n, "}");
    if (levels == 31)
      PARSE_ERR(deep, "t.json:1:28: 'comment' must be a string, got an array");
    else
      PARSE_ERR(deep, "t.json:1:59: nesting deeper than 32 levels");
  }
  size_t bigLen = 100000;
  char *big = malloc(bigLen);
  if (big) {
    memset(big, '[', bigLen);
    parseErr(big, bigLen, "t.json:1:33: nesting deeper than 32 levels", __LINE__);
    for (size_t i = 0; i < bigLen; ++i)
      big[i] = "{\"a\":"[i % 5];
    parseErr(big, bigLen, "t.json:1:161: nesting deeper than 32 levels", __LINE__);
    free(big);
  }
}

static void testJsonNumbers(void) {
  const char *pre = "{\"target\": \"a\", \"entries\": [{\"match\": {\"head_dim\": ";
  char text[512], expected[512];
  struct {
    const char *number;
    const char *message; /* NULL: parses (and the table is valid) */
  } cases[] = {
      {"9223372036854775807", NULL},
      {"128", NULL},
      {"9223372036854775808", "integer out of range (must fit in 64-bit signed)"},
      {"99999999999999999999999", "integer out of range (must fit in 64-bit signed)"},
      {"-9223372036854775808", "'head_dim' must be positive, got -9223372036854775808"},
      {"-9223372036854775809", "integer out of range (must fit in 64-bit signed)"},
      {"-0", "'head_dim' must be positive, got 0"},
      {"0", "'head_dim' must be positive, got 0"},
      {"1.5", "only integers are allowed (no fractions or exponents)"},
      {"1e3", "only integers are allowed (no fractions or exponents)"},
      {"1E3", "only integers are allowed (no fractions or exponents)"},
      {"128.0", "only integers are allowed (no fractions or exponents)"},
      {"0128", "leading zeros are not allowed in numbers"},
      {"00", "leading zeros are not allowed in numbers"},
      {"+1", "expected a value, got '+'"},
      {".5", "expected a value, got '.'"},
      {"-", "expected a digit after '-', got '}'"},
      {"-x", "expected a digit after '-', got 'x'"},
      {"0x10", "expected ',' or '}' in object, got 'x'"},
      {"12abc", "expected ',' or '}' in object, got 'a'"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; ++i) {
    snprintf(text, sizeof text, "%s%s}, \"config\": {}}, " DEFAULT_ENTRY "]}", pre,
             cases[i].number);
    if (!cases[i].message) {
      AttnConfigTable *t = parseOk(text, __LINE__);
      if (t) {
        AttnTileQuery q = query(ATTN_DTYPE_F16, 0, false, false);
        q.headDim = strtoll(cases[i].number, NULL, 10);
        AttnTileConfig c;
        CHECK(attnConfigTableLookup(t, &q, &c) == 0, "head_dim %s selects entry 0",
              cases[i].number);
      }
      attnConfigTableDestroy(t);
      continue;
    }
    size_t col = strlen(pre) + 1;
    if (strncmp(cases[i].number, "-", 2) == 0)
      col += 1;
    else if (strncmp(cases[i].number, "-x", 2) == 0)
      col += 1;
    else if (strncmp(cases[i].number, "0x", 2) == 0)
      col += 1;
    else if (strncmp(cases[i].number, "12abc", 5) == 0)
      col += 2;
    snprintf(expected, sizeof expected, "t.json:1:%zu: %s", col, cases[i].message);
    parseErr(text, strlen(text), expected, __LINE__);
  }
}

/*===--- schema diagnostics -----------------------------------------------===*/

static void testSchema(void) {
  /* Locations point at the offending key or value. */
  PARSE_ERR("{\"target\": \"a\", \"entries\": [" DEFAULT_ENTRY "], \"version\": 2}",
            "t.json:1:134: unknown top-level key 'version' (expected target, comment, entries)");
  PARSE_ERR("{\"target\": \"a\",\n \"entries\": [\n  " DEFAULT_ENTRY ",\n"
            "  {\"match\": {\"dtype\": \"f16\"}, \"cfg\": {}}]}",
            "t.json:4:31: unknown entry key 'cfg' (expected match, config, comment)");
  PARSE_ERR("{\"target\": \"a\",\n \"entries\": [\n  " DEFAULT_ENTRY ",\n"
            "  {\"match\": {\"head_size\": 64}, \"config\": {}}]}",
            "t.json:4:14: unknown match key 'head_size' (expected dtype, head_dim, causal, varlen, "
            "paged, score_mods)");
  PARSE_ERR("{\"target\": \"a\",\n \"entries\": [\n  " DEFAULT_ENTRY ",\n"
            "  {\"match\": {\"dtype\": \"f16\"}, \"config\": {\"block_k\": 64}}]}",
            "t.json:4:42: unknown config key 'block_k' (expected block_m, block_n, num_warps, "
            "num_stages, kv_splits)");
  PARSE_ERR("{\"target\": \"a\",\n \"entries\": [\n  " DEFAULT_ENTRY ",\n"
            "  {\"match\": {\"dtype\": \"fp16\"}, \"config\": {}}]}",
            "t.json:4:23: unknown dtype 'fp16' (expected f16, bf16 or f32)");
  PARSE_ERR("{\"target\": \"a\", \"entries\": [" DEFAULT_ENTRY ", {\"match\": {\"dtype\": "
            "\"F16\"}, \"config\": {}}]}",
            "t.json:1:153: unknown dtype 'F16' (expected f16, bf16 or f32)");

  /* Wrong types. */
  const char *entryPre = "{\"target\": \"a\", \"entries\": [" DEFAULT_ENTRY ", ";
  char text[1024], expected[512];
  struct {
    const char *entry;
    size_t col; /* column within the entry text */
    const char *message;
  } cases[] = {
      {"[]", 1, "entry must be an object, got an array"},
      {"{\"config\": {}}", 1, "entry is missing required key 'match'"},
      {"{\"match\": {}}", 1, "entry is missing required key 'config'"},
      {"{\"match\": [], \"config\": {}}", 11, "'match' must be an object, got an array"},
      {"{\"match\": {\"dtype\": 16}, \"config\": {}}", 21,
       "'dtype' must be a string, got an integer"},
      {"{\"match\": {\"head_dim\": \"128\"}, \"config\": {}}", 24,
       "'head_dim' must be an integer, got a string"},
      {"{\"match\": {\"head_dim\": -64}, \"config\": {}}", 24,
       "'head_dim' must be positive, got -64"},
      {"{\"match\": {\"causal\": 1}, \"config\": {}}", 22,
       "'causal' must be a boolean, got an integer"},
      {"{\"match\": {\"varlen\": null}, \"config\": {}}", 22,
       "'varlen' must be a boolean, got null"},
      {"{\"match\": {\"causal\": true}, \"config\": null}", 39,
       "'config' must be an object, got null"},
      {"{\"match\": {\"causal\": true}, \"config\": {\"block_m\": true}}", 51,
       "'block_m' must be an integer, got a boolean"},
      {"{\"match\": {\"causal\": true}, \"config\": {\"block_n\": \"64\"}}", 51,
       "'block_n' must be an integer, got a string"},
      {"{\"match\": {\"causal\": true}, \"config\": {\"block_m\": 0}}", 51,
       "'block_m' must be positive, got 0"},
      {"{\"match\": {\"causal\": true}, \"config\": {\"block_n\": -32}}", 51,
       "'block_n' must be positive, got -32"},
      {"{\"match\": {\"causal\": true}, \"config\": {\"num_warps\": 0}}", 53,
       "'num_warps' must be positive, got 0"},
      {"{\"match\": {\"causal\": true}, \"config\": {\"num_stages\": 0}}", 54,
       "'num_stages' must be >= 1, got 0"},
      {"{\"match\": {\"causal\": true}, \"config\": {\"kv_splits\": -1}}", 53,
       "'kv_splits' must be >= 1, got -1"},
      {"{\"match\": {\"causal\": true}, \"config\": {\"block_m\": 1048577}}", 51,
       "'block_m' must be at most 1048576, got 1048577"},
      {"{\"match\": {\"causal\": true}, \"config\": {\"block_m\": 9223372036854775807}}", 51,
       "'block_m' must be at most 1048576, got 9223372036854775807"},
      {"{\"comment\": 1, \"match\": {}, \"config\": {}}", 13,
       "'comment' must be a string, got an integer"},
      {"{\"match\": {\"causal\": false, \"dtype\": \"f16\"}, \"config\": {}}, "
       "{\"match\": {\"dtype\": \"f16\", \"causal\": false}, \"config\": {\"block_m\": 1}}",
       61, "this entry has the same \"match\" as the entry at 1:133 and can never be selected"},
  };
  size_t preLen = strlen(entryPre);
  for (size_t i = 0; i < sizeof cases / sizeof *cases; ++i) {
    snprintf(text, sizeof text, "%s%s]}", entryPre, cases[i].entry);
    snprintf(expected, sizeof expected, "t.json:1:%zu: %s", preLen + cases[i].col,
             cases[i].message);
    parseErr(text, strlen(text), expected, __LINE__);
  }
  /* A block_m of 1048576 is the largest accepted. */
  snprintf(text, sizeof text,
           "%s{\"match\": {\"causal\": true}, \"config\": {\"block_m\": "
           "1048576}}]}",
           entryPre);
  attnConfigTableDestroy(parseOk(text, __LINE__));

  /* Top level and default entry. */
  PARSE_ERR("{}", "t.json:1:1: missing required key 'target'");
  PARSE_ERR("{\"target\": \"a\"}", "t.json:1:1: missing required key 'entries'");
  PARSE_ERR("{\"target\": 7, \"entries\": []}", "t.json:1:12: 'target' must be a string, got an "
                                                "integer");
  PARSE_ERR("{\"target\": \"\", \"entries\": []}", "t.json:1:12: 'target' must not be empty");
  PARSE_ERR("{\"target\": \"a\", \"entries\": {}}",
            "t.json:1:28: 'entries' must be an array, got an object");
  PARSE_ERR("{\"target\": \"a\", \"comment\": [\"x\"], \"entries\": []}",
            "t.json:1:28: 'comment' must be a string, got an array");
  PARSE_ERR("{\"target\": \"a\", \"entries\": []}",
            "t.json:1:28: missing default entry (one with an empty \"match\": {})");
  PARSE_ERR("{\"target\": \"a\",\n \"entries\": [{\"match\": {\"causal\": true}, \"config\": "
            "{\"block_m\": 1, \"block_n\": 1, \"num_warps\": 1, \"num_stages\": 1, \"kv_splits\": "
            "1}}]}",
            "t.json:2:13: missing default entry (one with an empty \"match\": {})");
  PARSE_ERR("{\"target\": \"a\",\n \"entries\": [{\"match\": {}, \"config\": {\"block_m\": 1, "
            "\"block_n\": 1, \"num_warps\": 1, \"kv_splits\": 1}}]}",
            "t.json:2:14: the default entry (empty \"match\") must give every config key; "
            "'num_stages' is missing");
  PARSE_ERR("{\"target\": \"a\",\n \"entries\": [" DEFAULT_ENTRY ",\n  " DEFAULT_ENTRY "]}",
            "t.json:3:3: this entry has the same \"match\" as the entry at 2:14 and can never be "
            "selected");

  /* Messages are truncated to the buffer and always terminated. */
  char small[12];
  memset(small, 'x', sizeof small);
  CHECK(attnConfigTableParse("[]", 2, "t.json", small, sizeof small) == NULL, "[] parsed");
  CHECK(strcmp(small, "t.json:1:1:") == 0, "truncated message '%s'", small);
  CHECK(attnConfigTableParse("[]", 2, "t.json", NULL, 0) == NULL, "[] parsed");
  char err[512];
  CHECK(attnConfigTableParse("{", 1, NULL, err, sizeof err) == NULL &&
            strcmp(err, "<input>:1:2: expected a string key in object, got end of input") == 0,
        "'%s'", err);

  /* Load errors name the file. */
  AttnConfigTable *t = attnConfigTableLoad("/nonexistent/cpu-MHA-DEFAULT.json", err, sizeof err);
  CHECK(t == NULL && strncmp(err, "/nonexistent/cpu-MHA-DEFAULT.json: cannot open: ", 48) == 0,
        "'%s'", err);
  t = attnConfigTableLoad("/", err, sizeof err);
  CHECK(t == NULL && strncmp(err, "/: ", 3) == 0, "'%s'", err);
}

/*===--- overrides --------------------------------------------------------===*/

static void expectOverrideErr(const char *text, const char *expected, int line) {
  AttnTileConfig c = {128, 64, 4, 1, 1}, before = c;
  char err[512];
  CHECK(attnTileConfigOverride(&c, text, err, sizeof err) == -1, "line %d: '%s' accepted", line,
        text);
  CHECK(memcmp(&c, &before, sizeof c) == 0, "line %d: config changed on error", line);
  CHECK(strcmp(err, expected) == 0, "line %d:\n  got      '%s'\n  expected '%s'", line, err,
        expected);
}

#define OVERRIDE_ERR(text, expected) expectOverrideErr(text, expected, __LINE__)

static void testOverride(void) {
  AttnTileConfig c = {128, 64, 4, 1, 1};
  char err[512] = "junk", text[160];
  CHECK(attnTileConfigOverride(&c, "block_m=64,block_n=32", err, sizeof err) == 0, "%s", err);
  CHECK(configIs(&c, 64, 32, 4, 1, 1) && err[0] == '\0', "override");
  CHECK(attnTileConfigOverride(&c, " num-warps = 8 ,\tnum_stages=3, kv-splits=2 ", err,
                               sizeof err) == 0,
        "%s", err);
  CHECK(configIs(&c, 64, 32, 8, 3, 2), "override with spaces and dashes");
  CHECK(attnTileConfigOverride(&c, "", err, sizeof err) == 0 &&
            attnTileConfigOverride(&c, "  ", err, sizeof err) == 0 &&
            attnTileConfigOverride(&c, NULL, err, sizeof err) == 0 && configIs(&c, 64, 32, 8, 3, 2),
        "empty override");
  CHECK(attnTileConfigOverride(&c, "block_m=1048576", NULL, 0) == 0 && c.blockM == 1048576,
        "max value");

  /* Format and override round trip. */
  AttnTileConfig d = {16, 32, 1, 2, 4}, e = {1, 1, 1, 1, 1};
  attnTileConfigFormat(&d, text, sizeof text);
  CHECK(strcmp(text, "block_m=16,block_n=32,num_warps=1,num_stages=2,kv_splits=4") == 0, "%s",
        text);
  CHECK(attnTileConfigOverride(&e, text, err, sizeof err) == 0 && memcmp(&d, &e, sizeof d) == 0,
        "round trip: %s", err);

  OVERRIDE_ERR("block_k=64", "tile config override: unknown key 'block_k' (expected block_m, "
                             "block_n, num_warps, num_stages, kv_splits)");
  OVERRIDE_ERR("block_m=64,BLOCK_N=32", "tile config override: unknown key 'BLOCK_N' (expected "
                                        "block_m, block_n, num_warps, num_stages, kv_splits)");
  OVERRIDE_ERR("=64", "tile config override: unknown key '' (expected block_m, block_n, "
                      "num_warps, num_stages, kv_splits)");
  OVERRIDE_ERR("block_m=abc", "tile config override: invalid value 'abc' for 'block_m' (expected "
                              "an integer in [1, 1048576])");
  OVERRIDE_ERR("block_n=0", "tile config override: invalid value '0' for 'block_n' (expected an "
                            "integer in [1, 1048576])");
  OVERRIDE_ERR("num_warps=-4", "tile config override: invalid value '-4' for 'num_warps' "
                               "(expected an integer in [1, 1048576])");
  OVERRIDE_ERR("num_stages=2x", "tile config override: invalid value '2x' for 'num_stages' "
                                "(expected an integer in [1, 1048576])");
  OVERRIDE_ERR("kv_splits=", "tile config override: invalid value '' for 'kv_splits' (expected "
                             "an integer in [1, 1048576])");
  OVERRIDE_ERR("block_m=1 6", "tile config override: invalid value '1 6' for 'block_m' "
                              "(expected an integer in [1, 1048576])");
  OVERRIDE_ERR("block_m=99999999999999999999999", "tile config override: invalid value "
                                                  "'99999999999999999999999' for 'block_m' "
                                                  "(expected an integer in [1, 1048576])");
  OVERRIDE_ERR("block_m=1048577", "tile config override: invalid value '1048577' for 'block_m' "
                                  "(expected an integer in [1, 1048576])");
  OVERRIDE_ERR("block_m", "tile config override: expected key=value, got 'block_m'");
  OVERRIDE_ERR("block_m=64,block-m=32", "tile config override: key 'block_m' given more than once");
  OVERRIDE_ERR("block_m=64,", "tile config override 'block_m=64,': empty item (expected "
                              "key=value)");
  OVERRIDE_ERR(",block_m=64", "tile config override ',block_m=64': empty item (expected "
                              "key=value)");
  OVERRIDE_ERR("block_m=64,,block_n=32", "tile config override 'block_m=64,,block_n=32': empty "
                                         "item (expected key=value)");
  /* Later bad items leave earlier good ones unapplied. */
  OVERRIDE_ERR("block_m=8,block_n=x", "tile config override: invalid value 'x' for 'block_n' "
                                      "(expected an integer in [1, 1048576])");
  OVERRIDE_ERR("block_m=\x01", "tile config override: invalid value '\\x01' for 'block_m' "
                               "(expected an integer in [1, 1048576])");
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s CONFIG_DIR\n", argv[0]);
    return 2;
  }
  testShippedTables(argv[1]);
  testTruncationAndMutation(argv[1]);
  testLookup();
  testJsonStrings();
  testJsonStructure();
  testJsonNumbers();
  testSchema();
  testOverride();
  if (failures) {
    fprintf(stderr, "%d check(s) failed\n", failures);
    return 1;
  }
  printf("config-test: all checks passed\n");
  return 0;
}
