/*===- attnb-dump.c - print a kernel bundle, extract its code objects -----===*
 *
 *   attnb-dump FILE.attnb                      kernels, targets, entries
 *   attnb-dump FILE.attnb --extract=T -o OUT   target T's code object
 *
 * Reads the bundle with the runtime's reader (attnBundleReadFile), so it
 * also checks that what attn-compile wrote parses.
 *
 *===----------------------------------------------------------------------===*/

#include "attnrt/Bundle.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static void printKernel(const AttnBundleKernel *k, int index) {
  printf("kernel %d: %s kind=%s D=%d Dv=%d Hq=%d Hkv=%d causal=%d window=(%" PRId64 ",%" PRId64
         ") scale=%.6g softcap=%g alibi=%d lse=%d\n",
         index, k->name, k->kind, k->head_dim, k->head_dim_v, k->num_q_heads, k->num_kv_heads,
         k->causal, k->window_left, k->window_right, (double)k->scale, (double)k->softcap,
         k->has_alibi, k->has_lse);
  for (int i = 0; i < k->num_args; ++i)
    printf("  arg %d: %s %s rank %d%s\n", i, k->args[i].name, k->args[i].dtype, k->args[i].rank,
           k->args[i].output ? " output" : "");
}

static void printEntry(const AttnBundleEntry *e, const AttnBundleKernel *k) {
  printf("  entry %s: symbol=%s block_m=%d block_n=%d num_warps=%d num_stages=%d kv_splits=%d "
         "workgroup=%d lds=%d grid=%s dims=",
         k->name, e->symbol, e->block_m, e->block_n, e->num_warps, e->num_stages, e->kv_splits,
         e->workgroup_size, e->lds_bytes, e->grid_map);
  for (int i = 0; i < e->num_grid_dims; ++i)
    printf("%s%s", i ? "," : "", e->grid_dims[i]);
  for (int i = 0; i < e->num_tensor_maps; ++i) {
    const AttnBundleTensorMap *m = &e->tensor_maps[i];
    printf(" tensor_map=%s:", k->args[m->arg].name);
    for (int d = 0; d < k->args[m->arg].rank; ++d)
      printf("%s%d", d ? "x" : "", m->box[d]);
    printf(":swizzle%d", m->swizzle);
  }
  printf("\n");
}

static void dump(const AttnBundle *b) {
  printf("bundle version %u producer '%s' kernels %d targets %d\n", b->version, b->producer,
         b->num_kernels, b->num_targets);
  for (int i = 0; i < b->num_kernels; ++i)
    printKernel(&b->kernels[i], i);
  for (int t = 0; t < b->num_targets; ++t) {
    const AttnBundleTarget *tg = &b->targets[t];
    printf("target %s format %s size %" PRIu64 "\n", tg->name, tg->format, tg->size);
    for (int i = 0; i < b->num_kernels; ++i)
      printEntry(&tg->entries[i], &b->kernels[i]);
  }
}

static int extract(const AttnBundle *b, const char *name, const char *out) {
  const AttnBundleTarget *t = attnBundleFindTarget(b, name);
  if (!t) {
    fprintf(stderr, "attnb-dump: error: no target '%s' in the bundle\n", name);
    return 1;
  }
  FILE *f = fopen(out, "wb");
  bool ok = f && fwrite(t->data, 1, t->size, f) == t->size;
  ok = f && fclose(f) == 0 && ok;
  if (!ok)
    fprintf(stderr, "attnb-dump: error: cannot write '%s'\n", out);
  return ok ? 0 : 1;
}

int main(int argc, char **argv) {
  const char *file = NULL, *target = NULL, *out = NULL;
  for (int i = 1; i < argc; ++i) {
    if (!strncmp(argv[i], "--extract=", 10))
      target = argv[i] + 10;
    else if (!strcmp(argv[i], "-o") && i + 1 < argc)
      out = argv[++i];
    else if (argv[i][0] != '-' && !file)
      file = argv[i];
    else {
      fprintf(stderr, "usage: attnb-dump FILE.attnb [--extract=TARGET -o OUT]\n");
      return 1;
    }
  }
  if (!file || (target && !out)) {
    fprintf(stderr, "usage: attnb-dump FILE.attnb [--extract=TARGET -o OUT]\n");
    return 1;
  }
  AttnBundle b;
  char err[512];
  AttnStatus s = attnBundleReadFile(file, &b, err, sizeof(err));
  if (s != ATTN_OK) {
    fprintf(stderr, "attnb-dump: error: %s: %s\n", file, err);
    return 1;
  }
  int rc = 0;
  if (target)
    rc = extract(&b, target, out);
  else
    dump(&b);
  attnBundleDestroy(&b);
  return rc;
}
