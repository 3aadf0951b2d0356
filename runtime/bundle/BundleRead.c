/*===- BundleRead.c - parse a kernel bundle (docs/bundle-format.md) -------===*
 *
 * The reader treats its input as hostile: every length is checked against
 * the bytes that remain before it is used, counts are capped and checked
 * against the smallest encoding of what they count before anything is
 * allocated (so a 100-byte file cannot ask for megabytes), and the checksum
 * is verified before the payload is interpreted at all. Everything the
 * parsed bundle owns lives in one allocation (kernels, targets, entries and
 * code bytes), which attnBundleDestroy frees through `kernels`.
 *
 *===----------------------------------------------------------------------===*/
#define _POSIX_C_SOURCE 200809L /* open, fstat, fdopen */

#include "BundleInternal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* A bounded cursor over [cur, end); `base` is the start of the file, for
 * offsets in messages. */
typedef struct {
  const uint8_t *base, *cur, *end;
  char *err;
  size_t errLen;
} Reader;

static size_t left(const Reader *r) { return (size_t)(r->end - r->cur); }

static AttnStatus need(Reader *r, size_t n, const char *what) {
  if (left(r) >= n)
    return ATTN_OK;
  return attnFail(r->err, r->errLen, ATTN_ERROR_BAD_BUNDLE,
                  "bad bundle: %s at offset %zu needs %zu bytes but only %zu remain", what,
                  (size_t)(r->cur - r->base), n, left(r));
}

static uint32_t loadU32(const uint8_t *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t loadU64(const uint8_t *p) { return loadU32(p) | (uint64_t)loadU32(p + 4) << 32; }

static AttnStatus readU32(Reader *r, uint32_t *v, const char *what) {
  AttnStatus s = need(r, 4, what);
  if (s == ATTN_OK) {
    *v = loadU32(r->cur);
    r->cur += 4;
  }
  return s;
}

static AttnStatus readU64(Reader *r, uint64_t *v, const char *what) {
  AttnStatus s = need(r, 8, what);
  if (s == ATTN_OK) {
    *v = loadU64(r->cur);
    r->cur += 8;
  }
  return s;
}

static AttnStatus readI32(Reader *r, int32_t *v, const char *what) {
  uint32_t u = 0; /* left as 0 when the read fails */
  AttnStatus s = readU32(r, &u, what);
  memcpy(v, &u, sizeof *v); /* two's complement, as written */
  return s;
}

static AttnStatus readI64(Reader *r, int64_t *v, const char *what) {
  uint64_t u = 0; /* left as 0 when the read fails */
  AttnStatus s = readU64(r, &u, what);
  memcpy(v, &u, sizeof *v);
  return s;
}

static AttnStatus readF32(Reader *r, float *v, const char *what) {
  uint32_t u = 0; /* left as 0 when the read fails */
  AttnStatus s = readU32(r, &u, what);
  memcpy(v, &u, sizeof *v); /* IEEE-754 binary32 bits */
  return s;
}

/* A string: u32 length, then that many bytes (no NUL), into a char[cap]. */
static AttnStatus readStr(Reader *r, char *dst, size_t cap, const char *what) {
  uint32_t len;
  AttnStatus s = readU32(r, &len, what);
  if (s != ATTN_OK)
    return s;
  if (len >= cap)
    return attnFail(r->err, r->errLen, ATTN_ERROR_BAD_BUNDLE,
                    "bad bundle: %s at offset %zu is %u bytes long, at most %zu allowed", what,
                    (size_t)(r->cur - r->base) - 4, len, cap - 1);
  if ((s = need(r, len, what)) != ATTN_OK)
    return s;
  if (memchr(r->cur, '\0', len))
    return attnFail(r->err, r->errLen, ATTN_ERROR_BAD_BUNDLE,
                    "bad bundle: %s at offset %zu contains a NUL byte", what,
                    (size_t)(r->cur - r->base));
  memcpy(dst, r->cur, len);
  dst[len] = '\0';
  r->cur += len;
  return ATTN_OK;
}

/* Splits off the next `size` bytes as a reader of their own. */
static AttnStatus subReader(Reader *r, uint64_t size, Reader *sub, const char *what) {
  if (size > left(r))
    return attnFail(r->err, r->errLen, ATTN_ERROR_BAD_BUNDLE,
                    "bad bundle: %s at offset %zu needs %llu bytes but only %zu remain", what,
                    (size_t)(r->cur - r->base), (unsigned long long)size, left(r));
  *sub = *r;
  sub->end = r->cur + size;
  r->cur += size;
  return ATTN_OK;
}

/*--- header -------------------------------------------------------------===*/

static AttnStatus checkVersion(uint32_t version, char *err, size_t errLen) {
  if (version == ATTN_BUNDLE_VERSION)
    return ATTN_OK;
  if (version > ATTN_BUNDLE_VERSION)
    return attnFail(err, errLen, ATTN_ERROR_VERSION,
                    "bundle format version %u is newer than this attnrt reads (version %u); "
                    "use a newer attnrt or recompile the bundle",
                    version, ATTN_BUNDLE_VERSION);
  return attnFail(err, errLen, ATTN_ERROR_VERSION,
                  "bundle format version %u is not supported (this attnrt reads version %u)",
                  version, ATTN_BUNDLE_VERSION);
}

/* Magic, version, reserved fields, exact size and checksum; on success
 * *payload covers the bytes after the header. */
static AttnStatus readHeader(Reader *r, Reader *payload) {
  static const char magic[8] = ATTN_BUNDLE_MAGIC;
  if (left(r) < 8 || memcmp(r->cur, magic, 8) != 0)
    return attnFail(r->err, r->errLen, ATTN_ERROR_BAD_BUNDLE,
                    "not a kernel bundle: %s (expected the magic \"ATTNB\\0\\0\\0\")",
                    left(r) < 8 ? "shorter than the 8-byte magic" : "wrong magic");
  r->cur += 8;
  uint32_t version, flags, crc, reserved;
  uint64_t payloadSize;
  AttnStatus s = readU32(r, &version, "header version");
  if (s != ATTN_OK || (s = checkVersion(version, r->err, r->errLen)) != ATTN_OK)
    return s;
  if ((s = readU32(r, &flags, "header flags")) != ATTN_OK ||
      (s = readU64(r, &payloadSize, "header payload size")) != ATTN_OK ||
      (s = readU32(r, &crc, "header checksum")) != ATTN_OK ||
      (s = readU32(r, &reserved, "header reserved word")) != ATTN_OK)
    return s;
  if (flags != 0 || reserved != 0)
    return attnFail(r->err, r->errLen, ATTN_ERROR_BAD_BUNDLE,
                    "bad bundle: header flags 0x%x / reserved 0x%x must be 0 in version %u", flags,
                    reserved, ATTN_BUNDLE_VERSION);
  if (payloadSize != left(r))
    return attnFail(r->err, r->errLen, ATTN_ERROR_BAD_BUNDLE,
                    "bad bundle: the header announces %llu payload bytes but the file has %zu "
                    "(truncated or trailing data)",
                    (unsigned long long)payloadSize, left(r));
  uint32_t actual = attnBundleCrc32(r->cur, left(r));
  if (actual != crc)
    return attnFail(r->err, r->errLen, ATTN_ERROR_BAD_BUNDLE,
                    "bad bundle: checksum mismatch (header 0x%08x, payload 0x%08x): the file is "
                    "corrupt",
                    crc, actual);
  *payload = *r;
  return ATTN_OK;
}

/*--- section table -------------------------------------------------------===*/

/* The four sections every bundle has, and TMAP (optional). */
typedef struct {
  Reader info, kern, targ, code, tmap;
  int seen[5];
} Sections;

static Reader *knownSection(Sections *secs, uint32_t id, int **seen) {
  static const uint32_t ids[5] = {ATTN_SECTION_INFO, ATTN_SECTION_KERN, ATTN_SECTION_TARG,
                                  ATTN_SECTION_CODE, ATTN_SECTION_TMAP};
  Reader *readers[5] = {&secs->info, &secs->kern, &secs->targ, &secs->code, &secs->tmap};
  for (int i = 0; i < 5; ++i)
    if (ids[i] == id) {
      *seen = &secs->seen[i];
      return readers[i];
    }
  return NULL;
}

static void fourcc(uint32_t id, char out[5]) {
  for (int i = 0; i < 4; ++i) {
    char c = (char)(id >> (8 * i));
    out[i] = (c >= 0x20 && c < 0x7f) ? c : '?';
  }
  out[4] = '\0';
}

static AttnStatus readSectionEntry(Reader *table, const Reader *payload, Sections *secs, int i) {
  uint32_t id, flags;
  uint64_t offset, size;
  AttnStatus s;
  if ((s = readU32(table, &id, "section id")) != ATTN_OK ||
      (s = readU32(table, &flags, "section flags")) != ATTN_OK ||
      (s = readU64(table, &offset, "section offset")) != ATTN_OK ||
      (s = readU64(table, &size, "section size")) != ATTN_OK)
    return s;
  char name[5];
  fourcc(id, name);
  size_t total = (size_t)(payload->end - payload->cur);
  if (offset > total || size > total - offset)
    return attnFail(table->err, table->errLen, ATTN_ERROR_BAD_BUNDLE,
                    "bad bundle: section %d ('%s') spans [%llu, +%llu) outside the %zu-byte "
                    "payload",
                    i, name, (unsigned long long)offset, (unsigned long long)size, total);
  int *seen;
  Reader *dst = knownSection(secs, id, &seen);
  if (!dst) {
    /* Unknown sections are what later writers add without a version bump;
     * only one marked required stops this reader. */
    if (flags & ATTN_SECTION_REQUIRED)
      return attnFail(table->err, table->errLen, ATTN_ERROR_VERSION,
                      "bundle needs section '%s', which this attnrt does not know; use a newer "
                      "attnrt",
                      name);
    return ATTN_OK;
  }
  if (*seen)
    return attnFail(table->err, table->errLen, ATTN_ERROR_BAD_BUNDLE,
                    "bad bundle: section '%s' appears twice", name);
  *seen = 1;
  *dst = *payload;
  dst->cur = payload->cur + offset;
  dst->end = dst->cur + size;
  return ATTN_OK;
}

static AttnStatus readSections(const Reader *payload, Sections *secs) {
  Reader r = *payload;
  uint32_t count, reserved;
  AttnStatus s;
  if ((s = readU32(&r, &count, "section count")) != ATTN_OK ||
      (s = readU32(&r, &reserved, "section table reserved word")) != ATTN_OK)
    return s;
  if (count > ATTN_BUNDLE_MAX_SECTIONS)
    return attnFail(r.err, r.errLen, ATTN_ERROR_BAD_BUNDLE,
                    "bad bundle: %u sections, at most %u allowed", count, ATTN_BUNDLE_MAX_SECTIONS);
  Reader table;
  if ((s = subReader(&r, (uint64_t)count * ATTN_SECTION_ENTRY_SIZE, &table, "section table")) !=
      ATTN_OK)
    return s;
  memset(secs->seen, 0, sizeof secs->seen);
  for (uint32_t i = 0; i < count; ++i)
    if ((s = readSectionEntry(&table, payload, secs, (int)i)) != ATTN_OK)
      return s;
  static const char *names[4] = {"INFO", "KERN", "TARG", "CODE"};
  for (int i = 0; i < 4; ++i)
    if (!secs->seen[i])
      return attnFail(r.err, r.errLen, ATTN_ERROR_BAD_BUNDLE,
                      "bad bundle: the required section '%s' is missing", names[i]);
  return ATTN_OK;
}

/*--- records -------------------------------------------------------------===*/

/* A record: u32 size (including itself), then fields. Bytes after the fields
 * this reader knows are skipped: that is where later writers append. */
static AttnStatus openRecord(Reader *r, Reader *rec, const char *what) {
  uint32_t size;
  AttnStatus s = readU32(r, &size, what);
  if (s != ATTN_OK)
    return s;
  if (size < 4)
    return attnFail(r->err, r->errLen, ATTN_ERROR_BAD_BUNDLE,
                    "bad bundle: %s at offset %zu has size %u, less than its size field", what,
                    (size_t)(r->cur - r->base) - 4, size);
  return subReader(r, size - 4, rec, what);
}

static AttnStatus readArg(Reader *r, AttnBundleArg *a) {
  AttnStatus s;
  if ((s = readStr(r, a->name, sizeof a->name, "argument name")) != ATTN_OK ||
      (s = readStr(r, a->dtype, sizeof a->dtype, "argument dtype")) != ATTN_OK ||
      (s = readI32(r, &a->rank, "argument rank")) != ATTN_OK ||
      (s = readI32(r, &a->output, "argument output flag")) != ATTN_OK)
    return s;
  return ATTN_OK;
}

static AttnStatus readKernelFeatures(Reader *r, AttnBundleKernel *k) {
  AttnStatus s;
  if ((s = readI32(r, &k->head_dim, "kernel head_dim")) != ATTN_OK ||
      (s = readI32(r, &k->head_dim_v, "kernel head_dim_v")) != ATTN_OK ||
      (s = readI32(r, &k->num_q_heads, "kernel num_q_heads")) != ATTN_OK ||
      (s = readI32(r, &k->num_kv_heads, "kernel num_kv_heads")) != ATTN_OK ||
      (s = readI32(r, &k->causal, "kernel causal")) != ATTN_OK ||
      (s = readI64(r, &k->window_left, "kernel window_left")) != ATTN_OK ||
      (s = readI64(r, &k->window_right, "kernel window_right")) != ATTN_OK ||
      (s = readF32(r, &k->scale, "kernel scale")) != ATTN_OK ||
      (s = readF32(r, &k->softcap, "kernel softcap")) != ATTN_OK ||
      (s = readI32(r, &k->has_alibi, "kernel has_alibi")) != ATTN_OK ||
      (s = readI32(r, &k->has_lse, "kernel has_lse")) != ATTN_OK)
    return s;
  return ATTN_OK;
}

static AttnStatus readKernel(Reader *r, AttnBundleKernel *k, int index) {
  Reader rec;
  AttnStatus s = openRecord(r, &rec, "kernel record");
  if (s != ATTN_OK || (s = readStr(&rec, k->name, sizeof k->name, "kernel name")) != ATTN_OK ||
      (s = readStr(&rec, k->kind, sizeof k->kind, "kernel kind")) != ATTN_OK ||
      (s = readI32(&rec, &k->num_args, "kernel argument count")) != ATTN_OK)
    return s;
  if (k->num_args < 0 || k->num_args > ATTN_BUNDLE_MAX_ARGS)
    return attnFail(r->err, r->errLen, ATTN_ERROR_BAD_BUNDLE,
                    "bad bundle: kernel %d ('%s') has %d arguments, at most %d allowed", index,
                    k->name, (int)k->num_args, ATTN_BUNDLE_MAX_ARGS);
  for (int i = 0; i < k->num_args; ++i)
    if ((s = readArg(&rec, &k->args[i])) != ATTN_OK)
      return s;
  if ((s = readKernelFeatures(&rec, k)) != ATTN_OK)
    return s;
  /* Added after version 1's first fields: absent in older records. */
  if (left(&rec) >= 4 && (s = readI32(&rec, &k->row_align, "kernel row_align")) != ATTN_OK)
    return s;
  char what[48];
  snprintf(what, sizeof what, "bad bundle: kernel %d", index);
  return attnCheckKernel(k, what, ATTN_ERROR_BAD_BUNDLE, r->err, r->errLen);
}

static AttnStatus readEntry(Reader *r, AttnBundleEntry *e, const char *target, int kernel) {
  AttnStatus s;
  if ((s = readStr(r, e->symbol, sizeof e->symbol, "entry symbol")) != ATTN_OK ||
      (s = readStr(r, e->grid_map, sizeof e->grid_map, "entry grid_map")) != ATTN_OK ||
      (s = readI32(r, &e->num_grid_dims, "entry grid dim count")) != ATTN_OK)
    return s;
  if (e->num_grid_dims < 0 || e->num_grid_dims > 4)
    return attnFail(r->err, r->errLen, ATTN_ERROR_BAD_BUNDLE,
                    "bad bundle: target '%s', kernel %d: %d grid dims, at most 4 allowed", target,
                    kernel, (int)e->num_grid_dims);
  for (int i = 0; i < e->num_grid_dims; ++i)
    if ((s = readStr(r, e->grid_dims[i], sizeof e->grid_dims[i], "entry grid dim")) != ATTN_OK)
      return s;
  int32_t *ints[7] = {&e->block_m,   &e->block_n,        &e->num_warps, &e->num_stages,
                      &e->kv_splits, &e->workgroup_size, &e->lds_bytes};
  for (int i = 0; i < 7; ++i)
    if ((s = readI32(r, ints[i], "entry launch parameter")) != ATTN_OK)
      return s;
  return ATTN_OK;
}

/* Code bytes: [offset, offset + size) of the CODE section, copied already
 * into `code` (the CODE section's copy). */
static AttnStatus readCodeRange(Reader *rec, AttnBundleTarget *t, const uint8_t *code,
                                uint64_t codeSize) {
  uint64_t offset, size;
  AttnStatus s;
  if ((s = readU64(rec, &offset, "target code offset")) != ATTN_OK ||
      (s = readU64(rec, &size, "target code size")) != ATTN_OK)
    return s;
  if (offset > codeSize || size > codeSize - offset)
    return attnFail(rec->err, rec->errLen, ATTN_ERROR_BAD_BUNDLE,
                    "bad bundle: target '%s' code [%llu, +%llu) lies outside the %llu-byte CODE "
                    "section",
                    t->name, (unsigned long long)offset, (unsigned long long)size,
                    (unsigned long long)codeSize);
  t->data = code + offset;
  t->size = size;
  return ATTN_OK;
}

static AttnStatus readTarget(Reader *r, AttnBundleTarget *t, int32_t numKernels,
                             const uint8_t *code, uint64_t codeSize) {
  Reader rec;
  AttnStatus s = openRecord(r, &rec, "target record");
  if (s != ATTN_OK || (s = readStr(&rec, t->name, sizeof t->name, "target name")) != ATTN_OK ||
      (s = readStr(&rec, t->format, sizeof t->format, "target format")) != ATTN_OK ||
      (s = readCodeRange(&rec, t, code, codeSize)) != ATTN_OK)
    return s;
  for (int32_t i = 0; i < numKernels; ++i) {
    if ((s = readEntry(&rec, &t->entries[i], t->name, i)) != ATTN_OK)
      return s;
    char what[80];
    snprintf(what, sizeof what, "bad bundle: target '%s', kernel %d", t->name, (int)i);
    if ((s = attnCheckEntry(&t->entries[i], what, ATTN_ERROR_BAD_BUNDLE, r->err, r->errLen)) !=
        ATTN_OK)
      return s;
  }
  return ATTN_OK;
}

/*--- the owned allocation ------------------------------------------------===*/

static size_t alignUp(size_t n) { return (n + 15) & ~(size_t)15; }

/* Lays out kernels, targets, entries and code in one block. Counts were
 * bounded by the section sizes already, so the sizes cannot overflow; the
 * checks are kept anyway because they are cheap. */
static AttnStatus allocateBundle(AttnBundle *out, int32_t nk, int32_t nt, size_t codeSize,
                                 uint8_t **code, char *err, size_t errLen) {
  size_t kBytes = alignUp((size_t)nk * sizeof(AttnBundleKernel));
  size_t tBytes = alignUp((size_t)nt * sizeof(AttnBundleTarget));
  size_t eBytes = alignUp((size_t)nt * (size_t)nk * sizeof(AttnBundleEntry));
  if (codeSize > SIZE_MAX - kBytes - tBytes - eBytes - 16)
    return attnFail(err, errLen, ATTN_ERROR_OUT_OF_MEMORY, "bundle too large for memory");
  uint8_t *block = calloc(1, kBytes + tBytes + eBytes + codeSize + 16);
  if (!block)
    return attnFail(err, errLen, ATTN_ERROR_OUT_OF_MEMORY,
                    "out of memory allocating a %zu-byte bundle",
                    kBytes + tBytes + eBytes + codeSize);
  out->kernels = (AttnBundleKernel *)block;
  out->targets = (AttnBundleTarget *)(block + kBytes);
  AttnBundleEntry *entries = (AttnBundleEntry *)(block + kBytes + tBytes);
  for (int32_t i = 0; i < nt; ++i)
    out->targets[i].entries = nk ? entries + (size_t)i * (size_t)nk : NULL;
  *code = block + kBytes + tBytes + eBytes;
  return ATTN_OK;
}

/*--- parse ---------------------------------------------------------------===*/

typedef struct {
  char producer[64];
  uint32_t numKernels, numTargets;
} Info;

static AttnStatus readInfo(Reader *r, Info *info) {
  AttnStatus s;
  if ((s = readStr(r, info->producer, sizeof info->producer, "producer")) != ATTN_OK ||
      (s = readU32(r, &info->numKernels, "kernel count")) != ATTN_OK ||
      (s = readU32(r, &info->numTargets, "target count")) != ATTN_OK)
    return s;
  return ATTN_OK;
}

/* Rejects counts that the KERN / TARG sections are too small to hold, before
 * anything is allocated for them. */
static AttnStatus checkCounts(const Info *info, const Sections *secs, char *err, size_t errLen) {
  if (info->numKernels > ATTN_BUNDLE_MAX_KERNELS || info->numTargets > ATTN_BUNDLE_MAX_TARGETS)
    return attnFail(err, errLen, ATTN_ERROR_BAD_BUNDLE,
                    "bad bundle: %u kernels / %u targets, at most %d / %d allowed",
                    info->numKernels, info->numTargets, ATTN_BUNDLE_MAX_KERNELS,
                    ATTN_BUNDLE_MAX_TARGETS);
  uint64_t kernMin = (uint64_t)info->numKernels * ATTN_MIN_KERNEL_RECORD;
  uint64_t targMin = (uint64_t)info->numTargets *
                     (ATTN_MIN_TARGET_RECORD + (uint64_t)info->numKernels * ATTN_MIN_ENTRY_RECORD);
  if (kernMin > left(&secs->kern) || targMin > left(&secs->targ))
    return attnFail(err, errLen, ATTN_ERROR_BAD_BUNDLE,
                    "bad bundle: %u kernels and %u targets cannot fit in KERN (%zu bytes) and "
                    "TARG (%zu bytes)",
                    info->numKernels, info->numTargets, left(&secs->kern), left(&secs->targ));
  return ATTN_OK;
}

/* One TMAP record: the next tensor map of entry (target, kernel). */
static AttnStatus readTensorMap(Reader *r, AttnBundle *out) {
  Reader rec;
  uint32_t t, k;
  int32_t arg, rank, box[4] = {0, 0, 0, 0}, swizzle;
  AttnStatus s;
  if ((s = openRecord(r, &rec, "tensor map record")) != ATTN_OK ||
      (s = readU32(&rec, &t, "tensor map target")) != ATTN_OK ||
      (s = readU32(&rec, &k, "tensor map kernel")) != ATTN_OK ||
      (s = readI32(&rec, &arg, "tensor map argument")) != ATTN_OK ||
      (s = readI32(&rec, &rank, "tensor map rank")) != ATTN_OK)
    return s;
  if (t >= (uint32_t)out->num_targets || k >= (uint32_t)out->num_kernels)
    return attnFail(r->err, r->errLen, ATTN_ERROR_BAD_BUNDLE,
                    "bad bundle: a tensor map names target %u, kernel %u (%d targets, %d kernels)",
                    t, k, (int)out->num_targets, (int)out->num_kernels);
  const AttnBundleKernel *kernel = &out->kernels[k];
  if (arg < 0 || arg >= kernel->num_args || rank != kernel->args[arg].rank)
    return attnFail(r->err, r->errLen, ATTN_ERROR_BAD_BUNDLE,
                    "bad bundle: kernel %u: a tensor map of argument %d with rank %d", k, (int)arg,
                    (int)rank);
  for (int d = 0; d < rank; ++d)
    if ((s = readI32(&rec, &box[d], "tensor map box")) != ATTN_OK)
      return s;
  if ((s = readI32(&rec, &swizzle, "tensor map swizzle")) != ATTN_OK)
    return s;
  AttnBundleEntry *e = &out->targets[t].entries[k];
  if (e->num_tensor_maps == ATTN_BUNDLE_MAX_TENSOR_MAPS)
    return attnFail(r->err, r->errLen, ATTN_ERROR_BAD_BUNDLE,
                    "bad bundle: target '%s', kernel %u: more than %d tensor maps",
                    out->targets[t].name, k, ATTN_BUNDLE_MAX_TENSOR_MAPS);
  AttnBundleTensorMap *m = &e->tensor_maps[e->num_tensor_maps++];
  m->arg = arg;
  memcpy(m->box, box, sizeof box);
  m->swizzle = swizzle;
  char what[80];
  snprintf(what, sizeof what, "bad bundle: target '%s', kernel %u", out->targets[t].name, k);
  return attnCheckTensorMaps(e, kernel, what, ATTN_ERROR_BAD_BUNDLE, r->err, r->errLen);
}

static AttnStatus readTensorMaps(Reader *r, AttnBundle *out) {
  uint32_t count;
  AttnStatus s = readU32(r, &count, "tensor map count");
  /* each record is at least 24 bytes: bound the count by the section */
  if (s == ATTN_OK && (uint64_t)count * 24u > left(r))
    return attnFail(r->err, r->errLen, ATTN_ERROR_BAD_BUNDLE,
                    "bad bundle: %u tensor maps cannot fit in TMAP (%zu bytes)", count, left(r));
  for (uint32_t i = 0; s == ATTN_OK && i < count; ++i)
    s = readTensorMap(r, out);
  return s;
}

static AttnStatus readRecords(Sections *secs, AttnBundle *out, const uint8_t *code,
                              uint64_t codeSize) {
  AttnStatus s;
  for (int32_t i = 0; i < out->num_kernels; ++i)
    if ((s = readKernel(&secs->kern, &out->kernels[i], i)) != ATTN_OK)
      return s;
  for (int32_t i = 0; i < out->num_targets; ++i)
    if ((s = readTarget(&secs->targ, &out->targets[i], out->num_kernels, code, codeSize)) !=
        ATTN_OK)
      return s;
  if (secs->seen[4] && (s = readTensorMaps(&secs->tmap, out)) != ATTN_OK)
    return s;
  return attnCheckUniqueNames(out, ATTN_ERROR_BAD_BUNDLE, secs->kern.err, secs->kern.errLen);
}

static AttnStatus parseInto(Reader *file, AttnBundle *out) {
  Reader payload;
  Sections secs;
  Info info;
  AttnStatus s;
  if ((s = readHeader(file, &payload)) != ATTN_OK ||
      (s = readSections(&payload, &secs)) != ATTN_OK ||
      (s = readInfo(&secs.info, &info)) != ATTN_OK ||
      (s = checkCounts(&info, &secs, file->err, file->errLen)) != ATTN_OK)
    return s;
  uint8_t *code = NULL;
  size_t codeSize = left(&secs.code);
  if ((s = allocateBundle(out, (int32_t)info.numKernels, (int32_t)info.numTargets, codeSize, &code,
                          file->err, file->errLen)) != ATTN_OK)
    return s;
  if (codeSize)
    memcpy(code, secs.code.cur, codeSize);
  out->version = ATTN_BUNDLE_VERSION;
  memcpy(out->producer, info.producer, sizeof out->producer);
  out->num_kernels = (int32_t)info.numKernels;
  out->num_targets = (int32_t)info.numTargets;
  return readRecords(&secs, out, code, codeSize);
}

AttnStatus attnBundleParse(const void *data, size_t size, AttnBundle *out, char *err,
                           size_t errLen) {
  if (err && errLen)
    err[0] = '\0';
  if (!out)
    return attnFail(err, errLen, ATTN_ERROR_INVALID_ARGUMENT, "attnBundleParse: null output");
  memset(out, 0, sizeof *out);
  if (!data && size)
    return attnFail(err, errLen, ATTN_ERROR_INVALID_ARGUMENT, "attnBundleParse: null data");
  static const uint8_t empty[1];
  const uint8_t *bytes = data ? data : empty;
  Reader file = {bytes, bytes, bytes + size, err, errLen};
  AttnStatus s = parseInto(&file, out);
  if (s != ATTN_OK)
    attnBundleDestroy(out);
  return s;
}

void attnBundleDestroy(AttnBundle *bundle) {
  if (!bundle)
    return;
  free(bundle->kernels); /* the one block: see allocateBundle */
  memset(bundle, 0, sizeof *bundle);
}

AttnStatus attnBundleReadFile(const char *path, AttnBundle *out, char *err, size_t errLen) {
  if (out)
    memset(out, 0, sizeof *out);
  if (!path || !out)
    return attnFail(err, errLen, ATTN_ERROR_INVALID_ARGUMENT, "attnBundleReadFile: null argument");
  /* Regular files only, checked before reading: opening a FIFO would block
   * until a writer comes (O_NONBLOCK), and /dev/zero never ends. A bundle
   * in a kernel cache may be any of these (issue 19). */
  int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0)
    return attnFail(err, errLen, ATTN_ERROR_IO, "cannot open bundle '%s': %s", path,
                    strerror(errno));
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    close(fd);
    return attnFail(err, errLen, ATTN_ERROR_IO, "bundle '%s' is not a regular file", path);
  }
  FILE *f = fdopen(fd, "rb");
  if (!f) {
    close(fd);
    return attnFail(err, errLen, ATTN_ERROR_IO, "cannot open bundle '%s': %s", path,
                    strerror(errno));
  }
  /* Read in chunks rather than trusting st_size, so files that change
   * underneath work too. */
  size_t size = 0, cap = 0;
  uint8_t *buf = NULL;
  AttnStatus s = ATTN_OK;
  for (;;) {
    if (size == cap) {
      if (cap >= ATTN_BUNDLE_MAX_FILE) {
        s = attnFail(err, errLen, ATTN_ERROR_BAD_BUNDLE, "'%s' is larger than %llu bytes", path,
                     (unsigned long long)ATTN_BUNDLE_MAX_FILE);
        break;
      }
      size_t ncap = cap ? cap * 2 : 1 << 16;
      uint8_t *nbuf = realloc(buf, ncap);
      if (!nbuf) {
        s = attnFail(err, errLen, ATTN_ERROR_OUT_OF_MEMORY, "out of memory reading '%s'", path);
        break;
      }
      buf = nbuf;
      cap = ncap;
    }
    size_t n = fread(buf + size, 1, cap - size, f);
    size += n;
    if (n == 0) {
      if (ferror(f))
        s = attnFail(err, errLen, ATTN_ERROR_IO, "cannot read bundle '%s'", path);
      break;
    }
  }
  fclose(f);
  if (s == ATTN_OK) {
    s = attnBundleParse(buf, size, out, err, errLen);
    if (s != ATTN_OK && err && errLen) {
      char msg[512];
      snprintf(msg, sizeof msg, "%s", err);
      snprintf(err, errLen, "%s: %s", path, msg);
    }
  }
  free(buf);
  return s;
}
