/*===- Report.h - per-kernel resource report of AMD code objects --*- C -*-===*/
#ifndef ATTN_COMPILE_REPORT_H
#define ATTN_COMPILE_REPORT_H

#include "attnc/Target.h"

#include <stdbool.h>
#include <stdio.h>

/* One kernel on one AMD target. */
typedef struct AttnReportRow {
  char target[32];
  AttnAmdKernelInfo info;
  int workgroupSize; /* threads, as launched */
  int waves;         /* occupancy: waves per SIMD */
  const char *limiter;
} AttnReportRow;

/* A fixed-width table (json: a JSON array of objects) of `rows`. */
void attnPrintReport(FILE *out, const AttnReportRow *rows, int count, bool json);

#endif /* ATTN_COMPILE_REPORT_H */
