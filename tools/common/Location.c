/*===- Location.c - the file:line:col of an MLIR location ------------------===*/

#include "Location.h"

#include <stdlib.h>

/* Finds the first file:line:col inside a possibly nested location. Fused
 * and call-site locations form a DAG that aliases in the input can make
 * exponentially large as a tree (10 children per level, 8 levels: 10^8
 * paths), so the search visits at most `*budget` locations. */
static bool findFileLoc(MlirLocation loc, MlirStringRef *file, unsigned *line, unsigned *col,
                        int depth, unsigned *budget) {
  if (depth > 16 || *budget == 0 || mlirLocationIsNull(loc))
    return false;
  --*budget;
  if (mlirLocationIsAFileLineColRange(loc)) {
    *file = mlirIdentifierStr(mlirLocationFileLineColRangeGetFilename(loc));
    *line = (unsigned)mlirLocationFileLineColRangeGetStartLine(loc);
    *col = (unsigned)mlirLocationFileLineColRangeGetStartColumn(loc);
    return true;
  }
  if (mlirLocationIsAName(loc))
    return findFileLoc(mlirLocationNameGetChildLoc(loc), file, line, col, depth + 1, budget);
  if (mlirLocationIsACallSite(loc))
    return findFileLoc(mlirLocationCallSiteGetCallee(loc), file, line, col, depth + 1, budget);
  if (mlirLocationIsAFused(loc)) {
    intptr_t n = mlirLocationFusedGetNumLocations(loc);
    MlirLocation *locs = n > 0 ? malloc(sizeof(MlirLocation) * (size_t)n) : NULL;
    bool found = false;
    if (locs) {
      mlirLocationFusedGetLocations(loc, locs);
      for (intptr_t i = 0; i < n && !found; ++i)
        found = findFileLoc(locs[i], file, line, col, depth + 1, budget);
      free(locs);
    }
    return found;
  }
  return false;
}

bool attnFindFileLoc(MlirLocation loc, MlirStringRef *file, unsigned *line, unsigned *col) {
  unsigned budget = 1024;
  return findFileLoc(loc, file, line, col, 0, &budget);
}
