/*===- Tensor.c - host tensors of attn-run --------------------------------===*/

#include "Tensor.h"

#include "half.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

size_t attnElemBytes(AttnElem e) {
  return attnElemIsFp8(e) || e == ATTN_ELEM_I8       ? 1
         : e == ATTN_ELEM_F16 || e == ATTN_ELEM_BF16 ? 2
         : e == ATTN_ELEM_I64                        ? 8
                                                     : 4;
}

/* fp8 bits -> value, written from the formats' definitions (independent of
 * the compiler's decoder, passes/KernelIR.c): e4m3fn has bias 7, no
 * infinities and NaN = S.1111.111; e4m3fnuz has bias 8, no infinities, no
 * negative zero and NaN = 0x80. */
double attnFp8ToDouble(AttnElem e, uint8_t bits) {
  bool fnuz = e == ATTN_ELEM_F8E4M3FNUZ;
  int bias = fnuz ? 8 : 7, exponent = (bits >> 3) & 15, mantissa = bits & 7;
  bool negative = (bits & 0x80) != 0;
  if (fnuz ? bits == 0x80 : (bits & 0x7f) == 0x7f)
    return NAN;
  double magnitude = exponent == 0 ? ldexp(mantissa / 8.0, 1 - bias)
                                   : ldexp(1.0 + mantissa / 8.0, exponent - bias);
  return negative ? -magnitude : magnitude;
}

/* value -> the nearest fp8 bits (ties to the even bit pattern, as the
 * mantissa's last bit), saturating at the largest finite value (448 for
 * e4m3fn, 240 for e4m3fnuz); NaN -> the NaN pattern. */
uint8_t attnDoubleToFp8(AttnElem e, double v) {
  bool fnuz = e == ATTN_ELEM_F8E4M3FNUZ;
  if (isnan(v))
    return fnuz ? 0x80 : 0x7f;
  uint8_t best = 0;
  double bestErr = INFINITY, mag = fabs(v);
  for (int b = 0; b < 0x80; ++b) {
    double x = attnFp8ToDouble(e, (uint8_t)b);
    if (isnan(x))
      continue;
    double err = fabs(x - mag);
    if (err < bestErr || (err == bestErr && !(b & 1))) {
      bestErr = err;
      best = (uint8_t)b;
    }
  }
  /* -0 is 0x80 in e4m3fn; e4m3fnuz has no negative zero (0x80 is NaN). */
  if (v < 0 && !(fnuz && best == 0))
    best |= 0x80;
  return best;
}

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
  case ATTN_ELEM_I64:
    return (double)((const int64_t *)data)[i];
  case ATTN_ELEM_F8E4M3FN:
  case ATTN_ELEM_F8E4M3FNUZ:
    return attnFp8ToDouble(e, ((const uint8_t *)data)[i]);
  case ATTN_ELEM_I8:
    return ((const int8_t *)data)[i];
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
    case ATTN_ELEM_I64:
      ((int64_t *)t->data)[i] = (int64_t)v;
      break;
    case ATTN_ELEM_F8E4M3FN:
    case ATTN_ELEM_F8E4M3FNUZ:
      ((uint8_t *)t->data)[i] = attnDoubleToFp8(t->elem, v);
      break;
    case ATTN_ELEM_I8: /* nearest, saturating at +-127 (SAGE's symmetric range) */
      ((int8_t *)t->data)[i] = (int8_t)(isnan(v) ? 0 : fmax(-127.0, fmin(127.0, nearbyint(v))));
      break;
    }
    t->values[i] = attnElemLoad(t->elem, t->data, i);
  }
}
