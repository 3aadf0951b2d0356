/*===- Tensor.h - host tensors of attn-run ------------------------*- C -*-===*/
#ifndef ATTN_RUN_TENSOR_H
#define ATTN_RUN_TENSOR_H

#include "Signature.h"

#include <stddef.h>
#include <stdint.h>

/* A dense row-major tensor in its storage type (f32 as float, f16/bf16 as
 * uint16 bits, i32 as int32), plus the exact values widened to double. */
typedef struct {
  AttnElem elem;
  int rank;
  int64_t dims[ATTN_RUN_MAX_RANK];
  size_t count;
  void *data;
  double *values;
} AttnTensor;

size_t attnElemBytes(AttnElem e);
/* Allocates storage and values for `count` elements; false when out of memory. */
bool attnTensorAlloc(AttnTensor *t, AttnElem elem, int rank, const int64_t *dims);
void attnTensorDestroy(AttnTensor *t);
/* Rounds each of t->values to the storage type (nearest even) and stores it;
 * afterwards values hold exactly what is stored. */
void attnTensorStoreValues(AttnTensor *t);
/* Reads element i of raw storage as double. */
double attnElemLoad(AttnElem e, const void *data, size_t i);
/* fp8 (docs/fp8.md) bits <-> values: exact decoding; nearest encoding. */
double attnFp8ToDouble(AttnElem e, uint8_t bits);
uint8_t attnDoubleToFp8(AttnElem e, double v);

#endif /* ATTN_RUN_TENSOR_H */
