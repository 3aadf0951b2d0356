/*===- Diagnostics.h - located diagnostics for the attnc tools ----*- C -*-===*
 *
 * One diagnostic handler for all tools: prints `file:line:col: error: msg`
 * (with notes) to a stream, or collects diagnostics so that
 * --verify-diagnostics can match them against `expected-*` comments.
 *
 *===----------------------------------------------------------------------===*/
#ifndef ATTN_TOOLS_DIAGNOSTICS_H
#define ATTN_TOOLS_DIAGNOSTICS_H

#include "mlir-c/Diagnostics.h"
#include "mlir-c/IR.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

typedef struct {
  MlirDiagnosticSeverity severity;
  char *file; /* NULL when the location has no file */
  unsigned line, column;
  char *message;
} AttnDiag;

typedef struct {
  FILE *stream;         /* where diagnostics are printed when not collecting */
  const char *fileName; /* stands for locations with an empty file name */
  bool collect;         /* keep them for verification instead of printing */
  AttnDiag *items;      /* collected diagnostics, owned */
  size_t count, capacity;
  unsigned numErrors; /* errors seen (printed or collected) */
} AttnDiagEngine;

/* Attaches `engine` to `ctx`; the engine must outlive the attachment. */
MlirDiagnosticHandlerID attnDiagAttach(MlirContext ctx, AttnDiagEngine *engine);
/* Frees collected diagnostics and resets counters. */
void attnDiagClear(AttnDiagEngine *engine);

/* Matches the collected diagnostics against the `expected-*` directives of
 * `text`, in MLIR's syntax: `expected-(error|warning|note|remark) *(@ANCHOR)?
 * *{{substring}}`, the substring running to the last `}}` of the line, ANCHOR
 * one of +N, -N, above, below (the nearest line without a directive) or
 * unknown (a diagnostic without a file location). Malformed directives and
 * `-re` ones (unsupported) are errors. `firstLine` is the line of `text` in
 * `file`. Prints every mismatch to `out`; returns their count. */
unsigned attnDiagVerify(AttnDiagEngine *engine, const char *file, const char *text, size_t length,
                        unsigned firstLine, FILE *out);

/* Prints a location as file:line:col when it has one (searching through
 * name, call-site and fused locations), else in MLIR syntax. An empty file
 * name prints as `fileName`. */
void attnPrintLocation(MlirLocation loc, const char *fileName, FILE *out);

#endif /* ATTN_TOOLS_DIAGNOSTICS_H */
