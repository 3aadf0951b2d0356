/*===- Input.h - reading tool inputs and splitting them -----------*- C -*-===*/
#ifndef ATTN_TOOLS_INPUT_H
#define ATTN_TOOLS_INPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Reads a whole file ("-" = stdin) into a NUL-terminated buffer. Returns NULL
 * on failure after printing `TOOL: error: cannot open|read 'PATH': REASON`
 * to `err` (without `TOOL: ` when `tool` is NULL). */
char *attnReadInput(const char *tool, const char *path, size_t *length, FILE *err);

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

/* Deepest nesting of brackets, unary minus signs and alias references that
 * attnCheckSource lets through to MLIR's (recursive) parser and printer. */
#define ATTN_MAX_NESTING 512

/* Whether `text` is MLIR bytecode (starts with its magic number). */
bool attnIsBytecode(const char *text, size_t length);

/* Screens textual MLIR before it reaches MLIR's parser, which MLIR 22 cannot
 * survive on some inputs (found by test/fuzz/fuzz-attn-opt.py): text nested
 * deeper than ATTN_MAX_NESTING, aliases that expand exponentially, absurd
 * result numbers, dense arrays of index elements. Returns NULL when `text` may be parsed; otherwise
 * why not, and in *line and *column (1-based; `firstLine` is the line of text[0]) where. Bytecode
 * must be read by other means (it is refused here). */
const char *attnCheckSource(const char *text, size_t length, unsigned firstLine, unsigned *line,
                            unsigned *column);

#endif /* ATTN_TOOLS_INPUT_H */
