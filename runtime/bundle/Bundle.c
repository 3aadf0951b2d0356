/*===- Bundle.c - status strings, checksum, checks and lookups of bundles -===*
 *
 * What the reader (BundleRead.c) and the writer (BundleWrite.c) share. The
 * semantic checks live here once so that the writer can never produce a file
 * the reader refuses.
 *
 *===----------------------------------------------------------------------===*/
#include "BundleInternal.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *attnStatusString(AttnStatus s) {
  switch (s) {
  case ATTN_OK:
    return "ATTN_OK: success";
  case ATTN_ERROR_INVALID_ARGUMENT:
    return "ATTN_ERROR_INVALID_ARGUMENT: null pointer, bad size or unknown name";
  case ATTN_ERROR_IO:
    return "ATTN_ERROR_IO: cannot read or write the file";
  case ATTN_ERROR_OUT_OF_MEMORY:
    return "ATTN_ERROR_OUT_OF_MEMORY: an allocation failed";
  case ATTN_ERROR_BAD_BUNDLE:
    return "ATTN_ERROR_BAD_BUNDLE: the bundle is truncated, corrupt or malformed";
  case ATTN_ERROR_VERSION:
    return "ATTN_ERROR_VERSION: the bundle format version is not supported";
  case ATTN_ERROR_NO_CODE_OBJECT:
    return "ATTN_ERROR_NO_CODE_OBJECT: the bundle has no code object for this device";
  case ATTN_ERROR_NO_DRIVER:
    return "ATTN_ERROR_NO_DRIVER: the backend's driver library cannot be loaded";
  case ATTN_ERROR_NO_DEVICE:
    return "ATTN_ERROR_NO_DEVICE: the driver is present but no device is";
  case ATTN_ERROR_NOT_FOUND:
    return "ATTN_ERROR_NOT_FOUND: no kernel of that name";
  case ATTN_ERROR_LOAD:
    return "ATTN_ERROR_LOAD: the driver rejected the code object";
  case ATTN_ERROR_LAUNCH:
    return "ATTN_ERROR_LAUNCH: the driver rejected the launch";
  }
  return "ATTN_ERROR_UNKNOWN: not an AttnStatus value";
}

AttnStatus attnFail(char *err, size_t errLen, AttnStatus status, const char *fmt, ...) {
  if (err && errLen) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errLen, fmt, ap);
    va_end(ap);
  }
  return status;
}

/* Table-driven CRC-32; the table is built on the stack per call (1 KiB, 2048
 * steps) rather than kept in a mutable global. */
uint32_t attnBundleCrc32(const void *data, size_t size) {
  uint32_t table[256];
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i;
    for (int k = 0; k < 8; ++k)
      c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    table[i] = c;
  }
  const uint8_t *p = data;
  uint32_t crc = 0xFFFFFFFFu;
  for (size_t i = 0; i < size; ++i)
    crc = table[(crc ^ p[i]) & 0xFF] ^ (crc >> 8);
  return crc ^ 0xFFFFFFFFu;
}

long attnFieldLength(const char *field, size_t cap) {
  const char *nul = memchr(field, '\0', cap);
  return nul ? (long)(nul - field) : -1;
}

static AttnStatus checkArg(const AttnBundleArg *a, const char *what, int i, AttnStatus status,
                           char *err, size_t errLen) {
  if (attnFieldLength(a->name, sizeof a->name) <= 0)
    return attnFail(err, errLen, status, "%s: argument %d has an empty or unterminated name", what,
                    i);
  if (attnFieldLength(a->dtype, sizeof a->dtype) < 0)
    return attnFail(err, errLen, status, "%s: argument %d ('%s') has an unterminated dtype", what,
                    i, a->name);
  /* Rank 0: a scalar tensor (fp8's per-tensor scales, docs/fp8.md). */
  if (a->rank < 0 || a->rank > 4)
    return attnFail(err, errLen, status, "%s: argument %d ('%s') has rank %d, expected 0..4", what,
                    i, a->name, (int)a->rank);
  if (a->output != 0 && a->output != 1)
    return attnFail(err, errLen, status, "%s: argument %d ('%s') has output = %d, expected 0 or 1",
                    what, i, a->name, (int)a->output);
  return ATTN_OK;
}

AttnStatus attnCheckKernel(const AttnBundleKernel *k, const char *what, AttnStatus status,
                           char *err, size_t errLen) {
  if (attnFieldLength(k->name, sizeof k->name) <= 0)
    return attnFail(err, errLen, status, "%s has an empty or unterminated name", what);
  if (attnFieldLength(k->kind, sizeof k->kind) < 0)
    return attnFail(err, errLen, status, "%s ('%s') has an unterminated kind", what, k->name);
  if (k->num_args < 0 || k->num_args > ATTN_BUNDLE_MAX_ARGS)
    return attnFail(err, errLen, status, "%s ('%s') has %d arguments, expected 0..%d", what,
                    k->name, (int)k->num_args, ATTN_BUNDLE_MAX_ARGS);
  for (int i = 0; i < k->num_args; ++i) {
    AttnStatus s = checkArg(&k->args[i], what, i, status, err, errLen);
    if (s != ATTN_OK)
      return s;
    /* Grid dims name arguments, so names must resolve to one argument. */
    for (int j = 0; j < i; ++j)
      if (strcmp(k->args[i].name, k->args[j].name) == 0)
        return attnFail(err, errLen, status, "%s ('%s'): arguments %d and %d are both named '%s'",
                        what, k->name, j, i, k->args[i].name);
  }
  if (k->row_align != 0 && k->row_align != 1 && k->row_align != 2 && k->row_align != 4 &&
      k->row_align != 8)
    return attnFail(err, errLen, status, "%s ('%s') has row_align %d, expected 0, 1, 2, 4 or 8",
                    what, k->name, (int)k->row_align);
  return ATTN_OK;
}

AttnStatus attnCheckEntry(const AttnBundleEntry *e, const char *what, AttnStatus status, char *err,
                          size_t errLen) {
  if (attnFieldLength(e->symbol, sizeof e->symbol) < 0)
    return attnFail(err, errLen, status, "%s has an unterminated symbol", what);
  if (attnFieldLength(e->grid_map, sizeof e->grid_map) < 0)
    return attnFail(err, errLen, status, "%s has an unterminated grid_map", what);
  if (e->num_grid_dims < 0 || e->num_grid_dims > 4)
    return attnFail(err, errLen, status, "%s has %d grid dims, expected 0..4", what,
                    (int)e->num_grid_dims);
  for (int i = 0; i < e->num_grid_dims; ++i)
    if (attnFieldLength(e->grid_dims[i], sizeof e->grid_dims[i]) < 0)
      return attnFail(err, errLen, status, "%s has an unterminated grid dim %d", what, i);
  return ATTN_OK;
}

AttnStatus attnCheckTensorMaps(const AttnBundleEntry *e, const AttnBundleKernel *k,
                               const char *what, AttnStatus status, char *err, size_t errLen) {
  if (e->num_tensor_maps < 0 || e->num_tensor_maps > ATTN_BUNDLE_MAX_TENSOR_MAPS)
    return attnFail(err, errLen, status, "%s has %d tensor maps, expected 0..%d", what,
                    (int)e->num_tensor_maps, ATTN_BUNDLE_MAX_TENSOR_MAPS);
  for (int i = 0; i < e->num_tensor_maps; ++i) {
    const AttnBundleTensorMap *m = &e->tensor_maps[i];
    if (m->arg < 0 || m->arg >= k->num_args)
      return attnFail(err, errLen, status, "%s: tensor map %d names argument %d of %d", what, i,
                      (int)m->arg, (int)k->num_args);
    /* TMA boxes: 1..256 elements per dim; swizzle modes of CUtensorMapSwizzle */
    for (int d = 0; d < k->args[m->arg].rank; ++d)
      if (m->box[d] < 1 || m->box[d] > 256)
        return attnFail(err, errLen, status, "%s: tensor map %d has box size %d in dim %d", what, i,
                        (int)m->box[d], d);
    if (m->swizzle != 0 && m->swizzle != 32 && m->swizzle != 64 && m->swizzle != 128)
      return attnFail(err, errLen, status, "%s: tensor map %d has swizzle %d (0, 32, 64 or 128)",
                      what, i, (int)m->swizzle);
  }
  return ATTN_OK;
}

AttnStatus attnCheckUniqueNames(const AttnBundle *b, AttnStatus status, char *err, size_t errLen) {
  for (int i = 0; i < b->num_kernels; ++i)
    for (int j = 0; j < i; ++j)
      if (strcmp(b->kernels[i].name, b->kernels[j].name) == 0)
        return attnFail(err, errLen, status, "kernels %d and %d are both named '%s'", j, i,
                        b->kernels[i].name);
  for (int i = 0; i < b->num_targets; ++i) {
    if (attnFieldLength(b->targets[i].name, sizeof b->targets[i].name) <= 0)
      return attnFail(err, errLen, status, "target %d has an empty or unterminated name", i);
    for (int j = 0; j < i; ++j)
      if (strcmp(b->targets[i].name, b->targets[j].name) == 0)
        return attnFail(err, errLen, status, "targets %d and %d are both named '%s'", j, i,
                        b->targets[i].name);
  }
  return ATTN_OK;
}

const AttnBundleTarget *attnBundleFindTarget(const AttnBundle *bundle, const char *name) {
  if (!bundle || !name)
    return NULL;
  for (int i = 0; i < bundle->num_targets; ++i)
    if (strcmp(bundle->targets[i].name, name) == 0)
      return &bundle->targets[i];
  return NULL;
}

int32_t attnBundleFindKernel(const AttnBundle *bundle, const char *name) {
  if (!bundle || !name)
    return -1;
  for (int32_t i = 0; i < bundle->num_kernels; ++i)
    if (strcmp(bundle->kernels[i].name, name) == 0)
      return i;
  return -1;
}
