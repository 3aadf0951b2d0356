/* NumPy .npy reader and writer for the little-endian numeric dtypes attn-run
 * exchanges with Python (f16, f32, f64, i32, i64).
 *
 * The reader treats the file as untrusted: every length and the header text
 * are bounds-checked, and failures come back as a message, never a crash. */
#ifndef ATTN_RUN_SUPPORT_NPY_H
#define ATTN_RUN_SUPPORT_NPY_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define ATTN_NPY_MAX_RANK 8

/* U8: fp8 tensors as their bit patterns (docs/fp8.md); I8: SAGE's int8 q
 * and k. */
typedef enum {
  ATTN_NPY_F16,
  ATTN_NPY_F32,
  ATTN_NPY_F64,
  ATTN_NPY_I32,
  ATTN_NPY_I64,
  ATTN_NPY_U8,
  ATTN_NPY_I8
} AttnNpyDType;

/* A dense C-order array. `data` is malloc'ed and owned by the struct; release
 * it with attnNpyArrayDestroy. shape[rank..7] are unspecified. A zero-element
 * array still has a non-NULL `data`. */
typedef struct {
  AttnNpyDType dtype;
  int rank;
  int64_t shape[ATTN_NPY_MAX_RANK];
  void *data;
  size_t numElements;
} AttnNpyArray;

/* Bytes per element of `dtype` (2, 4 or 8); 0 for an invalid enum value. */
size_t attnNpyDTypeSize(AttnNpyDType dtype);

/* NumPy descr string of `dtype` ("<f2", "<f4", ...); "?" for an invalid value. */
const char *attnNpyDTypeName(AttnNpyDType dtype);

/* Reads a .npy file (format versions 1.0, 2.0 and 3.0).
 * Returns 0 on success and fills *out (the caller then owns out->data).
 * On failure returns non-zero, writes a message naming `path` and the problem
 * into err (if err != NULL and errLen > 0) and leaves *out empty
 * (data == NULL), so attnNpyArrayDestroy(out) is always safe. */
int attnNpyRead(const char *path, AttnNpyArray *out, char *err, size_t errLen);

/* Writes `data` (C order, numElements = product of shape) as a version 1.0
 * .npy file laid out byte for byte as numpy.save does. The file is written to
 * a temporary name in the same directory and renamed over `path`, so readers
 * never see a partial file. `shape` may be NULL when rank == 0 (a scalar).
 * Returns 0 on success, non-zero with a message in err otherwise. */
int attnNpyWrite(const char *path, AttnNpyDType dtype, int rank, const int64_t *shape,
                 const void *data, char *err, size_t errLen);

/* Frees a->data and resets *a to empty. Safe on an already empty array and on
 * NULL. */
void attnNpyArrayDestroy(AttnNpyArray *a);

#ifdef __cplusplus
}
#endif

#endif /* ATTN_RUN_SUPPORT_NPY_H */
