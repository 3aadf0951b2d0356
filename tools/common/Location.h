/*===- Location.h - the file:line:col of an MLIR location ----------*- C -*-===*
 *
 * Shared by the tools' diagnostic printer and libattnc's compile API (which
 * compiles this file; the tools link libattnc).
 *
 *===----------------------------------------------------------------------===*/
#ifndef ATTN_TOOLS_LOCATION_H
#define ATTN_TOOLS_LOCATION_H

#include "mlir-c/IR.h"

#include <stdbool.h>

/* The first file:line:col inside `loc` (name, call-site and fused locations
 * are searched, at most 1024 of them). False when there is none. */
bool attnFindFileLoc(MlirLocation loc, MlirStringRef *file, unsigned *line, unsigned *col);

#endif /* ATTN_TOOLS_LOCATION_H */
