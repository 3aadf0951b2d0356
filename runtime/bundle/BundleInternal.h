/*===- BundleInternal.h - shared by the bundle reader, writer, runtime -*- C -*-===*
 *
 * Private to libattnrt: the byte layout constants of docs/bundle-format.md,
 * the error formatter every entry point reports through, and the field
 * checks the reader and the writer share (so that whatever the writer
 * accepts, the reader accepts too, and the other way round).
 *
 *===----------------------------------------------------------------------===*/
#ifndef ATTNRT_BUNDLE_INTERNAL_H
#define ATTNRT_BUNDLE_INTERNAL_H

#include "attnrt/Bundle.h"

#include <stddef.h>
#include <stdint.h>

#define ATTN_INTERNAL __attribute__((visibility("hidden")))

/* File header (docs/bundle-format.md, "Header"). */
#define ATTN_BUNDLE_HEADER_SIZE 32u
#define ATTN_BUNDLE_MAGIC "ATTNB\0\0\0"

/* Section ids: four ASCII characters read as a little-endian u32, so a hex
 * dump shows the name. */
#define ATTN_FOURCC(a, b, c, d)                                                                    \
  ((uint32_t)(a) | (uint32_t)(b) << 8 | (uint32_t)(c) << 16 | (uint32_t)(d) << 24)
#define ATTN_SECTION_INFO ATTN_FOURCC('I', 'N', 'F', 'O')
#define ATTN_SECTION_KERN ATTN_FOURCC('K', 'E', 'R', 'N')
#define ATTN_SECTION_TARG ATTN_FOURCC('T', 'A', 'R', 'G')
#define ATTN_SECTION_CODE ATTN_FOURCC('C', 'O', 'D', 'E')
/* Tensor-map parameters (written only when a kernel has some; required). */
#define ATTN_SECTION_TMAP ATTN_FOURCC('T', 'M', 'A', 'P')
#define ATTN_SECTION_REQUIRED 1u /* flags bit 0: a reader that does not know it must fail */
#define ATTN_SECTION_ENTRY_SIZE 24u
#define ATTN_BUNDLE_MAX_SECTIONS 64u
#define ATTN_BUNDLE_CODE_ALIGN 16u
/* attnBundleReadFile stops reading here, so that a device file cannot keep it
 * reading forever. */
#define ATTN_BUNDLE_MAX_FILE ((size_t)1 << 32)

/* The smallest encodings of a record, which bound how many records a section
 * of a given size can hold (the reader checks counts against them before it
 * allocates). */
#define ATTN_MIN_KERNEL_RECORD 68u /* size, 2 empty strings, num_args, fixed fields */
#define ATTN_MIN_TARGET_RECORD 28u /* size, 2 empty strings, code offset and size */
#define ATTN_MIN_ENTRY_RECORD 40u  /* 2 empty strings, num_grid_dims, 7 int32 */

/* Formats a message into err (when non-null) and returns `status`. */
ATTN_INTERNAL AttnStatus attnFail(char *err, size_t errLen, AttnStatus status, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Length of the NUL-terminated string in a fixed char field, or -1 when the
 * field has no NUL (then it cannot be stored). */
ATTN_INTERNAL long attnFieldLength(const char *field, size_t cap);

/* Checks what the format requires of a kernel / an entry beyond the byte
 * encoding: counts in range, ranks 1..4, unique argument names. `what` names
 * the record in messages ("kernel 2"). The reader reports with
 * ATTN_ERROR_BAD_BUNDLE, the writer with ATTN_ERROR_INVALID_ARGUMENT. */
ATTN_INTERNAL AttnStatus attnCheckKernel(const AttnBundleKernel *k, const char *what,
                                         AttnStatus status, char *err, size_t errLen);
ATTN_INTERNAL AttnStatus attnCheckEntry(const AttnBundleEntry *e, const char *what,
                                        AttnStatus status, char *err, size_t errLen);
/* Checks an entry's tensor maps against its kernel: count, argument index,
 * box sizes for the argument's rank, swizzle. */
ATTN_INTERNAL AttnStatus attnCheckTensorMaps(const AttnBundleEntry *e, const AttnBundleKernel *k,
                                             const char *what, AttnStatus status, char *err,
                                             size_t errLen);

/* Checks that kernel and target names are unique (lookups by name must be
 * unambiguous). */
ATTN_INTERNAL AttnStatus attnCheckUniqueNames(const AttnBundle *b, AttnStatus status, char *err,
                                              size_t errLen);

#endif /* ATTNRT_BUNDLE_INTERNAL_H */
