/*===- TensorMap.c - what a TMA tensor map of a launch encodes ------------===*
 *
 * A kernel entry's tensor maps (Bundle.h, AttnBundleTensorMap) name a tensor
 * argument and a box; at launch the tensor's pointer, sizes and strides make
 * the arguments of cuTensorMapEncodeTiled. The checks are TMA's own rules
 * (CUDA driver API, cuTensorMapEncodeTiled), made here so that a tensor the
 * hardware cannot address is refused with its name instead of the driver's
 * bare CUDA_ERROR_INVALID_VALUE. No driver is needed: the CUDA backend
 * encodes what this describes.
 *
 *===----------------------------------------------------------------------===*/
#include "attnrt/attnrt.h"
#include "bundle/BundleInternal.h"

#include <string.h>

enum { TMA_F16 = 6, TMA_F32 = 7, TMA_BF16 = 9 };

static int dataType(const char *dtype, int *bytes) {
  if (!strcmp(dtype, "f16") || !strcmp(dtype, "bf16")) {
    *bytes = 2;
    return dtype[0] == 'b' ? TMA_BF16 : TMA_F16;
  }
  if (!strcmp(dtype, "f32")) {
    *bytes = 4;
    return TMA_F32;
  }
  return -1;
}

static int swizzleMode(int32_t bytes) {
  return bytes == 128 ? 3 : bytes == 64 ? 2 : bytes == 32 ? 1 : 0;
}

AttnStatus attnrtDescribeTensorMap(const AttnBundleKernel *k, const AttnBundleTensorMap *map,
                                   const AttnrtTensor *tensors, AttnrtTensorMapDesc *out, char *err,
                                   size_t errLen) {
  if (!k || !map || !tensors || !out || map->arg < 0 || map->arg >= k->num_args)
    return attnFail(err, errLen, ATTN_ERROR_INVALID_ARGUMENT,
                    "attnrtDescribeTensorMap: null or malformed argument");
  const AttnBundleArg *a = &k->args[map->arg];
  const AttnrtTensor *t = &tensors[map->arg];
  memset(out, 0, sizeof *out);
  int bytes = 0, type = dataType(a->dtype, &bytes);
  if (type < 0 || t->rank != a->rank || a->rank < 1 || a->rank > 4)
    return attnFail(err, errLen, ATTN_ERROR_INVALID_ARGUMENT,
                    "kernel '%s': tensor '%s' (%s, rank %d) cannot be read through a tensor map",
                    k->name, a->name, a->dtype, (int)t->rank);
  int r = a->rank;
  out->data_type = type;
  out->rank = r;
  out->address = t->data;
  out->swizzle = swizzleMode(map->swizzle);
  for (int d = 0; d < r; ++d) {
    out->dims[d] = (uint64_t)t->sizes[r - 1 - d];
    out->box[d] = (uint32_t)map->box[r - 1 - d];
    out->empty |= t->sizes[d] == 0;
  }
  for (int d = 1; d < r; ++d)
    out->strides[d - 1] = (uint64_t)t->strides[r - 1 - d] * (uint64_t)bytes;
  if (out->empty)
    return ATTN_OK; /* never read: the CUDA backend passes a zero map */
  if (t->strides[r - 1] != 1 && t->sizes[r - 1] != 1)
    return attnFail(err, errLen, ATTN_ERROR_INVALID_ARGUMENT,
                    "kernel '%s': tensor '%s' has stride %lld in its last dim; its TMA loads need "
                    "contiguous rows (stride 1)",
                    k->name, a->name, (long long)t->strides[r - 1]);
  if ((uintptr_t)t->data % 16)
    return attnFail(err, errLen, ATTN_ERROR_INVALID_ARGUMENT,
                    "kernel '%s': tensor '%s' starts at %p, which is not 16-byte aligned (TMA)",
                    k->name, a->name, t->data);
  for (int d = 0; d < r; ++d)
    if (out->dims[d] >= ((uint64_t)1 << 32))
      return attnFail(err, errLen, ATTN_ERROR_INVALID_ARGUMENT,
                      "kernel '%s': tensor '%s' has %llu elements in dim %d, TMA takes < 2^32",
                      k->name, a->name, (unsigned long long)out->dims[d], r - 1 - d);
  for (int d = 0; d + 1 < r; ++d) {
    /* A dim of size 1 is never stepped over, so its stride (frameworks give
     * such dims any) is replaced by the packed one, rounded up to 16. */
    if (out->dims[d + 1] == 1) {
      uint64_t packed = d ? out->strides[d - 1] * out->dims[d] : out->dims[0] * (uint64_t)bytes;
      out->strides[d] = (packed + 15) / 16 * 16;
      continue;
    }
    if (t->strides[r - 2 - d] < 0 || out->strides[d] % 16 || out->strides[d] >= ((uint64_t)1 << 40))
      return attnFail(err, errLen, ATTN_ERROR_INVALID_ARGUMENT,
                      "kernel '%s': tensor '%s' has a stride of %lld bytes in dim %d; its TMA "
                      "loads need non-negative multiples of 16 below 2^40",
                      k->name, a->name, (long long)out->strides[d], r - 2 - d);
  }
  return ATTN_OK;
}

size_t attnrtTensorMapOffset(size_t flatBytes, int i) {
  size_t first =
      (flatBytes + ATTNRT_TENSOR_MAP_ALIGN - 1) / ATTNRT_TENSOR_MAP_ALIGN * ATTNRT_TENSOR_MAP_ALIGN;
  return first + (size_t)i * ATTNRT_TENSOR_MAP_BYTES;
}
