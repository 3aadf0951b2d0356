/*===- BundleWrite.c - serialize a kernel bundle (docs/bundle-format.md) --===*
 *
 * Builds the sections in growable buffers, then the file: header, section
 * table, INFO, KERN, TARG, CODE and, when a kernel takes tensor maps, TMAP
 * (each section 16-byte aligned in the
 * payload, each code object 16-byte aligned in CODE, padding zero). The
 * bundle is checked with the reader's own checks first, so the output always
 * parses.
 *
 *===----------------------------------------------------------------------===*/
#include "BundleInternal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
  uint8_t *data;
  size_t size, cap;
  int failed; /* an allocation failed: later writes are dropped */
} Writer;

static int reserve(Writer *w, size_t n) {
  if (w->failed)
    return 0;
  if (n <= w->cap - w->size)
    return 1;
  if (n > SIZE_MAX / 2 - w->size) {
    w->failed = 1;
    return 0;
  }
  size_t ncap = w->cap ? w->cap : 256;
  while (ncap - w->size < n)
    ncap *= 2;
  uint8_t *nd = realloc(w->data, ncap);
  if (!nd) {
    w->failed = 1;
    return 0;
  }
  w->data = nd;
  w->cap = ncap;
  return 1;
}

static void putBytes(Writer *w, const void *p, size_t n) {
  if (n && reserve(w, n)) {
    memcpy(w->data + w->size, p, n);
    w->size += n;
  }
}

static void putZeros(Writer *w, size_t n) {
  if (n && reserve(w, n)) {
    memset(w->data + w->size, 0, n);
    w->size += n;
  }
}

static void putU32(Writer *w, uint32_t v) {
  uint8_t b[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
  putBytes(w, b, 4);
}

static void putU64(Writer *w, uint64_t v) {
  putU32(w, (uint32_t)v);
  putU32(w, (uint32_t)(v >> 32));
}

static void putI32(Writer *w, int32_t v) {
  uint32_t u;
  memcpy(&u, &v, sizeof u);
  putU32(w, u);
}

static void putI64(Writer *w, int64_t v) {
  uint64_t u;
  memcpy(&u, &v, sizeof u);
  putU64(w, u);
}

static void putF32(Writer *w, float v) {
  uint32_t u;
  memcpy(&u, &v, sizeof u);
  putU32(w, u);
}

/* The field was checked to be NUL-terminated. */
static void putStr(Writer *w, const char *s, size_t cap) {
  uint32_t len = (uint32_t)attnFieldLength(s, cap);
  putU32(w, len);
  putBytes(w, s, len);
}

static void padTo16(Writer *w) { putZeros(w, (16 - w->size % 16) % 16); }

/* Records start with their size, patched in once the fields are written. */
static size_t beginRecord(Writer *w) {
  size_t at = w->size;
  putU32(w, 0);
  return at;
}

static void endRecord(Writer *w, size_t at) {
  if (w->failed)
    return;
  uint32_t n = (uint32_t)(w->size - at);
  uint8_t b[4] = {(uint8_t)n, (uint8_t)(n >> 8), (uint8_t)(n >> 16), (uint8_t)(n >> 24)};
  memcpy(w->data + at, b, 4);
}

/*--- checks --------------------------------------------------------------===*/

static AttnStatus checkTarget(const AttnBundle *b, int i, char *err, size_t errLen) {
  const AttnBundleTarget *t = &b->targets[i];
  if (attnFieldLength(t->format, sizeof t->format) < 0)
    return attnFail(err, errLen, ATTN_ERROR_INVALID_ARGUMENT,
                    "target %d has an unterminated format", i);
  if (t->size && !t->data)
    return attnFail(err, errLen, ATTN_ERROR_INVALID_ARGUMENT,
                    "target %d ('%.31s') has %llu code bytes but no data", i, t->name,
                    (unsigned long long)t->size);
  if (b->num_kernels && !t->entries)
    return attnFail(err, errLen, ATTN_ERROR_INVALID_ARGUMENT,
                    "target %d ('%.31s') has no entries for its %d kernels", i, t->name,
                    (int)b->num_kernels);
  for (int k = 0; k < b->num_kernels; ++k) {
    char what[80];
    snprintf(what, sizeof what, "target %d ('%.31s'), kernel %d", i, t->name, k);
    AttnStatus s = attnCheckEntry(&t->entries[k], what, ATTN_ERROR_INVALID_ARGUMENT, err, errLen);
    if (s == ATTN_OK)
      s = attnCheckTensorMaps(&t->entries[k], &b->kernels[k], what, ATTN_ERROR_INVALID_ARGUMENT,
                              err, errLen);
    if (s != ATTN_OK)
      return s;
  }
  return ATTN_OK;
}

static AttnStatus checkBundle(const AttnBundle *b, char *err, size_t errLen) {
  if (attnFieldLength(b->producer, sizeof b->producer) < 0)
    return attnFail(err, errLen, ATTN_ERROR_INVALID_ARGUMENT, "the producer is unterminated");
  if (b->num_kernels < 0 || b->num_kernels > ATTN_BUNDLE_MAX_KERNELS || b->num_targets < 0 ||
      b->num_targets > ATTN_BUNDLE_MAX_TARGETS)
    return attnFail(err, errLen, ATTN_ERROR_INVALID_ARGUMENT,
                    "%d kernels / %d targets: expected 0..%d / 0..%d", (int)b->num_kernels,
                    (int)b->num_targets, ATTN_BUNDLE_MAX_KERNELS, ATTN_BUNDLE_MAX_TARGETS);
  if ((b->num_kernels && !b->kernels) || (b->num_targets && !b->targets))
    return attnFail(err, errLen, ATTN_ERROR_INVALID_ARGUMENT, "null kernels or targets array");
  AttnStatus s;
  for (int i = 0; i < b->num_kernels; ++i) {
    char what[32];
    snprintf(what, sizeof what, "kernel %d", i);
    if ((s = attnCheckKernel(&b->kernels[i], what, ATTN_ERROR_INVALID_ARGUMENT, err, errLen)) !=
        ATTN_OK)
      return s;
  }
  for (int i = 0; i < b->num_targets; ++i)
    if ((s = checkTarget(b, i, err, errLen)) != ATTN_OK)
      return s;
  return attnCheckUniqueNames(b, ATTN_ERROR_INVALID_ARGUMENT, err, errLen);
}

/*--- sections ------------------------------------------------------------===*/

static void writeInfo(Writer *w, const AttnBundle *b) {
  putStr(w, b->producer, sizeof b->producer);
  putU32(w, (uint32_t)b->num_kernels);
  putU32(w, (uint32_t)b->num_targets);
}

static void writeKernel(Writer *w, const AttnBundleKernel *k) {
  size_t at = beginRecord(w);
  putStr(w, k->name, sizeof k->name);
  putStr(w, k->kind, sizeof k->kind);
  putI32(w, k->num_args);
  for (int i = 0; i < k->num_args; ++i) {
    const AttnBundleArg *a = &k->args[i];
    putStr(w, a->name, sizeof a->name);
    putStr(w, a->dtype, sizeof a->dtype);
    putI32(w, a->rank);
    putI32(w, a->output);
  }
  const int32_t head[5] = {k->head_dim, k->head_dim_v, k->num_q_heads, k->num_kv_heads, k->causal};
  for (int i = 0; i < 5; ++i)
    putI32(w, head[i]);
  putI64(w, k->window_left);
  putI64(w, k->window_right);
  putF32(w, k->scale);
  putF32(w, k->softcap);
  putI32(w, k->has_alibi);
  putI32(w, k->has_lse);
  if (k->row_align != 0) /* older records end before it, and re-serialize as they were */
    putI32(w, k->row_align);
  endRecord(w, at);
}

static void writeEntry(Writer *w, const AttnBundleEntry *e) {
  putStr(w, e->symbol, sizeof e->symbol);
  putStr(w, e->grid_map, sizeof e->grid_map);
  putI32(w, e->num_grid_dims);
  for (int i = 0; i < e->num_grid_dims; ++i)
    putStr(w, e->grid_dims[i], sizeof e->grid_dims[i]);
  const int32_t ints[7] = {e->block_m,   e->block_n,        e->num_warps, e->num_stages,
                           e->kv_splits, e->workgroup_size, e->lds_bytes};
  for (int i = 0; i < 7; ++i)
    putI32(w, ints[i]);
}

/* Appends the target's code to CODE (aligned) and its record to TARG. */
static void writeTarget(Writer *targ, Writer *code, const AttnBundle *b, int i) {
  const AttnBundleTarget *t = &b->targets[i];
  padTo16(code);
  uint64_t offset = code->size;
  putBytes(code, t->data, (size_t)t->size);
  size_t at = beginRecord(targ);
  putStr(targ, t->name, sizeof t->name);
  putStr(targ, t->format, sizeof t->format);
  putU64(targ, offset);
  putU64(targ, t->size);
  for (int k = 0; k < b->num_kernels; ++k)
    writeEntry(targ, &t->entries[k]);
  endRecord(targ, at);
}

/* TMAP: u32 count, then per tensor map a record (u32 size, u32 target,
 * u32 kernel, i32 arg, i32 rank, rank x i32 box, i32 swizzle), in
 * parameter order per (target, kernel). Returns the count. */
static uint32_t writeTensorMaps(Writer *w, const AttnBundle *b) {
  uint32_t count = 0;
  putU32(w, 0); /* patched below */
  for (int t = 0; t < b->num_targets; ++t)
    for (int k = 0; k < b->num_kernels; ++k) {
      const AttnBundleEntry *e = &b->targets[t].entries[k];
      for (int i = 0; i < e->num_tensor_maps; ++i, ++count) {
        const AttnBundleTensorMap *m = &e->tensor_maps[i];
        int32_t rank = b->kernels[k].args[m->arg].rank;
        size_t at = beginRecord(w);
        putU32(w, (uint32_t)t);
        putU32(w, (uint32_t)k);
        putI32(w, m->arg);
        putI32(w, rank);
        for (int d = 0; d < rank; ++d)
          putI32(w, m->box[d]);
        putI32(w, m->swizzle);
        endRecord(w, at);
      }
    }
  if (!w->failed) {
    Writer patch = {w->data, 0, 4, 0};
    putU32(&patch, count);
  }
  return count;
}

/* Header + section table + sections (INFO, KERN, TARG, CODE and, when n is
 * 5, TMAP), the payload checksummed last. */
static void assemble(Writer *out, Writer secs[5], int n) {
  static const uint32_t ids[5] = {ATTN_SECTION_INFO, ATTN_SECTION_KERN, ATTN_SECTION_TARG,
                                  ATTN_SECTION_CODE, ATTN_SECTION_TMAP};
  putBytes(out, ATTN_BUNDLE_MAGIC, 8);
  putU32(out, ATTN_BUNDLE_VERSION);
  putU32(out, 0);                                          /* flags */
  putU64(out, 0);                                          /* payload size, patched below */
  putU32(out, 0);                                          /* checksum, patched below */
  putU32(out, 0);                                          /* reserved */
  size_t offset = 8 + (size_t)n * ATTN_SECTION_ENTRY_SIZE; /* payload-relative */
  putU32(out, (uint32_t)n);
  putU32(out, 0);
  for (int i = 0; i < n; ++i) {
    offset += (16 - offset % 16) % 16;
    putU32(out, ids[i]);
    putU32(out, ATTN_SECTION_REQUIRED);
    putU64(out, offset);
    putU64(out, secs[i].size);
    offset += secs[i].size;
  }
  for (int i = 0; i < n; ++i) {
    putZeros(out, (16 - (out->size - ATTN_BUNDLE_HEADER_SIZE) % 16) % 16);
    putBytes(out, secs[i].data, secs[i].size);
  }
  if (out->failed)
    return;
  size_t payload = out->size - ATTN_BUNDLE_HEADER_SIZE;
  Writer patch = {out->data + 16, 0, 16, 0};
  putU64(&patch, payload);
  putU32(&patch, attnBundleCrc32(out->data + ATTN_BUNDLE_HEADER_SIZE, payload));
}

AttnStatus attnBundleSerialize(const AttnBundle *bundle, uint8_t **data, size_t *size, char *err,
                               size_t errLen) {
  if (err && errLen)
    err[0] = '\0';
  if (!bundle || !data || !size)
    return attnFail(err, errLen, ATTN_ERROR_INVALID_ARGUMENT, "attnBundleSerialize: null argument");
  *data = NULL;
  *size = 0;
  AttnStatus s = checkBundle(bundle, err, errLen);
  if (s != ATTN_OK)
    return s;
  Writer secs[5] = {{0}}, out = {0};
  writeInfo(&secs[0], bundle);
  for (int i = 0; i < bundle->num_kernels; ++i)
    writeKernel(&secs[1], &bundle->kernels[i]);
  for (int i = 0; i < bundle->num_targets; ++i)
    writeTarget(&secs[2], &secs[3], bundle, i);
  /* Version-1 bundles without tensor maps stay byte for byte what they were. */
  int numSections = writeTensorMaps(&secs[4], bundle) ? 5 : 4;
  assemble(&out, secs, numSections);
  int failed = out.failed;
  for (int i = 0; i < 5; ++i) {
    failed |= secs[i].failed;
    free(secs[i].data);
  }
  if (failed) {
    free(out.data);
    return attnFail(err, errLen, ATTN_ERROR_OUT_OF_MEMORY, "out of memory serializing the bundle");
  }
  *data = out.data;
  *size = out.size;
  return ATTN_OK;
}

AttnStatus attnBundleWriteFile(const AttnBundle *bundle, const char *path, char *err,
                               size_t errLen) {
  if (!path)
    return attnFail(err, errLen, ATTN_ERROR_INVALID_ARGUMENT, "attnBundleWriteFile: null path");
  uint8_t *data;
  size_t size;
  AttnStatus s = attnBundleSerialize(bundle, &data, &size, err, errLen);
  if (s != ATTN_OK)
    return s;
  FILE *f = fopen(path, "wb");
  if (!f) {
    s = attnFail(err, errLen, ATTN_ERROR_IO, "cannot create '%s': %s", path, strerror(errno));
  } else {
    int bad = fwrite(data, 1, size, f) != size;
    bad |= fclose(f) != 0;
    if (bad)
      s = attnFail(err, errLen, ATTN_ERROR_IO, "cannot write '%s': %s", path, strerror(errno));
  }
  free(data);
  return s;
}
