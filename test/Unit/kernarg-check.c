/*===- kernarg-check.c - attnrt's kernarg packing vs the code object -----===*
 *
 *   kernarg-check BUNDLE.attnb TARGET KERNELS.s
 *
 * For every kernel of the bundle, packs kernel arguments with attnrt
 * (attnrtPackKernargs) for tensors with distinct marker values, and checks
 * them against the `.args` metadata the AMDGPU backend wrote for the same
 * kernel (KERNELS.s = attn-compile --emit=asm): one explicit argument per
 * packed 8-byte word, at the same offset, of size 8, a global_buffer where
 * attnrt puts a pointer and by_value elsewhere, and the explicit arguments
 * end where attnrt's buffer ends. Prints one line per kernel; exits 1 on any
 * mismatch.
 *
 *===----------------------------------------------------------------------===*/

#include "attnrt/Bundle.h"
#include "attnrt/attnrt.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { MAX_ARGS = 256 };

typedef struct {
  long offset, size;
  char kind[32];
} MetaArg;

static char *readText(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f)
    return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *text = n >= 0 ? malloc((size_t)n + 1) : NULL;
  if (text && fread(text, 1, (size_t)n, f) != (size_t)n) {
    free(text);
    text = NULL;
  }
  if (text)
    text[n] = '\0';
  fclose(f);
  return text;
}

/* The `.args` of the metadata entry whose `.name` is `symbol`: entries are
 * the list items of `amdhsa.kernels` ("  - .agpr_count: ..."), their args
 * the items "      - ..." under ".args:". Hidden arguments are skipped. */
static int metadataArgs(const char *text, const char *symbol, MetaArg *out) {
  const char *entry = strstr(text, "amdhsa.kernels:");
  while (entry && (entry = strstr(entry, "\n  - ")) != NULL) {
    const char *next = strstr(entry + 1, "\n  - ");
    const char *end = next ? next : entry + strlen(entry);
    char name[160];
    const char *n = strstr(entry, "    .name:");
    if (!n || n > end || sscanf(n, " .name: %159s", name) != 1 || strcmp(name, symbol)) {
      entry = next;
      continue;
    }
    int count = 0;
    const char *p = strstr(entry, "    .args:");
    while (p && p < end && (p = strstr(p, "\n      - ")) != NULL && p < end && count < MAX_ARGS) {
      const char *itemEnd = strstr(p + 1, "\n      - ");
      const char *argsEnd = strstr(p + 1, "\n    .");
      if (!itemEnd || (argsEnd && argsEnd < itemEnd))
        itemEnd = argsEnd ? argsEnd : end;
      MetaArg a = {-1, -1, ""};
      const char *o = strstr(p, ".offset:"), *s = strstr(p, ".size:"),
                 *k = strstr(p, ".value_kind:");
      if (o && o < itemEnd)
        a.offset = strtol(o + 8, NULL, 10);
      if (s && s < itemEnd)
        a.size = strtol(s + 6, NULL, 10);
      if (k && k < itemEnd)
        sscanf(k + 12, " %31s", a.kind);
      if (strncmp(a.kind, "hidden_", 7))
        out[count++] = a;
      p = itemEnd;
      if (argsEnd && argsEnd == itemEnd)
        break;
    }
    return count;
  }
  return -1;
}

/* Size of dim d of argument `a`: attnrt refuses sizes that disagree with the
 * kernel's head dims and counts or with each other (B, Sq, Sk, Tq, Tk), so
 * the sizes follow the kind's layout; the strides below stay distinct. */
static int64_t consistentSize(const AttnBundleKernel *k, const AttnBundleArg *a, int d) {
  static const struct {
    const char *role;
    int rank;
    const char *dims;
  } layouts[] = {{"q", 4, "BHSD"},        {"k", 4, "BhTD"},  {"v", 4, "BhTE"},
                 {"out", 4, "BHSE"},      {"lse", 3, "BHS"}, {"alibi", 1, "H"},
                 {"q", 3, "SHD"},         {"k", 3, "ThD"},   {"v", 3, "ThE"},
                 {"out", 3, "SHE"},       {"lse", 2, "HS"},  {"cu_seqlens_q", 1, "C"},
                 {"cu_seqlens_k", 1, "C"}};
  for (size_t i = 0; i < sizeof layouts / sizeof layouts[0]; ++i) {
    if (strcmp(layouts[i].role, a->name) || layouts[i].rank != a->rank)
      continue;
    switch (layouts[i].dims[d]) {
    case 'B':
      return 3;
    case 'S':
      return 5;
    case 'T':
      return 7;
    case 'C':
      return 4; /* B + 1 */
    case 'H':
      return k->num_q_heads;
    case 'h':
      return k->num_kv_heads;
    case 'D':
      return k->head_dim;
    case 'E':
      return k->head_dim_v;
    }
  }
  return 9;
}

static int checkKernel(const AttnBundleKernel *k, const AttnBundleEntry *e, const char *asmText) {
  AttnrtTensor t[ATTN_BUNDLE_MAX_ARGS];
  memset(t, 0, sizeof(t));
  int words = 0;
  for (int i = 0; i < k->num_args; ++i) {
    t[i].data = (void *)(uintptr_t)(0x1000000ull * (uint64_t)(i + 1));
    t[i].rank = k->args[i].rank;
    for (int d = 0; d < t[i].rank; ++d) {
      t[i].sizes[d] = consistentSize(k, &k->args[i], d);
      t[i].strides[d] = 10000 * (i + 1) + d + 1;
    }
    words += 3 + 2 * t[i].rank;
  }
  uint8_t buf[ATTNRT_MAX_KERNARG_BYTES];
  size_t used = 0;
  char err[256];
  if (attnrtPackKernargs(k, t, k->num_args, buf, sizeof(buf), &used, err, sizeof(err)) != ATTN_OK) {
    printf("FAIL %s: pack: %s\n", k->name, err);
    return 1;
  }
  MetaArg meta[MAX_ARGS];
  int n = metadataArgs(asmText, e->symbol, meta);
  if (n < 0) {
    printf("FAIL %s: no metadata entry for symbol %s\n", k->name, e->symbol);
    return 1;
  }
  if (n != words || used != (size_t)words * 8) {
    printf("FAIL %s: %d explicit .args, attnrt packs %d words (%zu bytes)\n", k->name, n, words,
           used);
    return 1;
  }
  int w = 0, bad = 0;
  for (int i = 0; i < k->num_args; ++i)
    for (int j = 0; j < 3 + 2 * t[i].rank; ++j, ++w) {
      uint64_t v;
      memcpy(&v, buf + 8 * w, 8);
      bool pointer = j < 2;
      uint64_t want = pointer             ? (uint64_t)(uintptr_t)t[i].data
                      : j == 2            ? 0
                      : j < 3 + t[i].rank ? (uint64_t)t[i].sizes[j - 3]
                                          : (uint64_t)t[i].strides[j - 3 - t[i].rank];
      const char *kind = pointer ? "global_buffer" : "by_value";
      if (meta[w].offset != 8L * w || meta[w].size != 8 || strcmp(meta[w].kind, kind) ||
          v != want) {
        printf("FAIL %s: word %d (%s arg %d): .args offset %ld size %ld %s, attnrt offset %d "
               "value %llu (want %s %llu)\n",
               k->name, w, k->args[i].name, j, meta[w].offset, meta[w].size, meta[w].kind, 8 * w,
               (unsigned long long)v, kind, (unsigned long long)want);
        bad = 1;
      }
    }
  if (!bad)
    printf("OK %s: %d tensors, %d kernel arguments, %zu bytes match .args\n", k->name, k->num_args,
           words, used);
  return bad;
}

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: kernarg-check BUNDLE.attnb TARGET KERNELS.s\n");
    return 2;
  }
  AttnBundle b;
  char err[256];
  if (attnBundleReadFile(argv[1], &b, err, sizeof(err)) != ATTN_OK) {
    fprintf(stderr, "kernarg-check: %s\n", err);
    return 2;
  }
  const AttnBundleTarget *target = attnBundleFindTarget(&b, argv[2]);
  char *asmText = readText(argv[3]);
  int rc = 0;
  if (!target || !asmText) {
    fprintf(stderr, "kernarg-check: no target %s in the bundle, or cannot read %s\n", argv[2],
            argv[3]);
    rc = 2;
  }
  for (int i = 0; rc != 2 && i < b.num_kernels; ++i)
    rc |= checkKernel(&b.kernels[i], &target->entries[i], asmText);
  if (rc != 2 && b.num_kernels == 0) {
    printf("FAIL: no kernels\n");
    rc = 1;
  }
  free(asmText);
  attnBundleDestroy(&b);
  return rc;
}
