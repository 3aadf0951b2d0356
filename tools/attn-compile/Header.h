/*===- Header.h - a C header with typed launch functions -----------*- C -*-===*
 *
 * `attn-compile --emit=header` / `--header=FILE`: per kernel of a bundle, a
 * `static inline` launch function taking one AttnrtTensor per argument in
 * the kernel's order (attnrt/attnrt.h), with a comment giving each tensor's
 * role, dtype and shape and the kernel's features; plus
 * `<prefix>_load(path, device, &module, err, errLen)` that reads a bundle
 * and loads it for a device ("auto", "cpu", "hip").
 *
 *===----------------------------------------------------------------------===*/
#ifndef ATTN_COMPILE_HEADER_H
#define ATTN_COMPILE_HEADER_H

#include "attnrt/Bundle.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Turns `text` into a C identifier in `out` (other characters become '_',
 * a leading digit gets a '_' in front). */
void attnCIdentifier(const char *text, char *out, size_t size);

/* Writes the header. `prefix` (a C identifier) names the load function and
 * the include guard; `source` is named in the leading comment. */
bool attnWriteHeader(FILE *out, const char *prefix, const char *source,
                     const AttnBundleKernel *kernels, int numKernels);

#endif /* ATTN_COMPILE_HEADER_H */
