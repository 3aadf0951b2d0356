/*===- Input.h - reading tool inputs and splitting them -----------*- C -*-===*/
#ifndef ATTN_TOOLS_INPUT_H
#define ATTN_TOOLS_INPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Reads a whole file ("-" = stdin) into a NUL-terminated buffer. Returns NULL
 * and prints a message naming the file on failure. */
char *attnReadFile(const char *path, size_t *length, FILE *err);

/* One `// -----`-separated chunk of an input, as --split-input-file sees it. */
typedef struct {
  const char *text;
  size_t length;
  unsigned firstLine; /* 1-based line of text[0] in the whole input */
} AttnChunk;

/* Splits `text` at lines that start with `// -----`. Returns the number of
 * chunks written to a malloc'ed array in *chunks (at least one). */
size_t attnSplitInput(const char *text, size_t length, bool split, AttnChunk **chunks);

/* Copies a chunk behind (firstLine - 1) newlines so the parser reports the
 * line numbers of the whole file. Caller frees. */
char *attnPadChunk(const AttnChunk *chunk, size_t *paddedLength);

#endif /* ATTN_TOOLS_INPUT_H */
