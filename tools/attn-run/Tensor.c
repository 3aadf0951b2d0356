/*===- Tensor.c - host tensors of attn-run --------------------------------===*/

#include "Tensor.h"

#include "half.h"

#include <stdlib.h>
#include <string.h>

size_t attnElemBytes(AttnElem e) { return e == ATTN_ELEM_F16 || e == ATTN_ELEM_BF16 ? 2 : 4; }

bool attnTensorAlloc(AttnTensor *t, AttnElem elem, int rank, const int64_t *dims) {
  memset(t, 0, sizeof(*t));
  t->elem = elem;
  t->rank = rank;
  t->count = 1;
  for (int d = 0; d < rank; ++d) {
    t->dims[d] = dims[d];
    if (dims[d] < 0 || (dims[d] > 0 && t->count > SIZE_MAX / 16 / (size_t)dims[d]))
      return false;
    t->count *= (size_t)dims[d];
  }
  /* +1: malloc(0) may return NULL, and empty tensors are ordinary inputs. */
  t->data = malloc(t->count * attnElemBytes(elem) + 1);
  t->values = malloc(t->count * sizeof(double) + 1);
  return t->data && t->values;
}

void attnTensorDestroy(AttnTensor *t) {
  free(t->data);
  free(t->values);
  t->data = NULL;
  t->values = NULL;
}

double attnElemLoad(AttnElem e, const void *data, size_t i) {
  switch (e) {
  case ATTN_ELEM_F32:
    return ((const float *)data)[i];
  case ATTN_ELEM_F16:
    return attnF16ToF32(((const uint16_t *)data)[i]);
  case ATTN_ELEM_BF16:
    return attnBF16ToF32(((const uint16_t *)data)[i]);
  case ATTN_ELEM_I32:
    return ((const int32_t *)data)[i];
  }
  return 0.0;
}

void attnTensorStoreValues(AttnTensor *t) {
  for (size_t i = 0; i < t->count; ++i) {
    double v = t->values[i];
    switch (t->elem) {
    case ATTN_ELEM_F32:
      ((float *)t->data)[i] = (float)v;
      break;
    case ATTN_ELEM_F16:
      ((uint16_t *)t->data)[i] = attnF32ToF16((float)v);
      break;
    case ATTN_ELEM_BF16:
      ((uint16_t *)t->data)[i] = attnF32ToBF16((float)v);
      break;
    case ATTN_ELEM_I32:
      ((int32_t *)t->data)[i] = (int32_t)v;
      break;
    }
    t->values[i] = attnElemLoad(t->elem, t->data, i);
  }
}
