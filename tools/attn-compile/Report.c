/*===- Report.c - per-kernel resource report of AMD code objects ----------===*/

#include "Report.h"

#include <string.h>

static int kernelWidth(const AttnReportRow *rows, int count) {
  int w = 6;
  for (int i = 0; i < count; ++i) {
    int n = (int)strlen(rows[i].info.name);
    if (n > w)
      w = n;
  }
  return w;
}

static void printTable(FILE *out, const AttnReportRow *rows, int count) {
  int kw = kernelWidth(rows, count);
  fprintf(out, "%-8s %-*s %5s %5s %5s %6s %6s %8s %8s %5s %-11s %5s %9s\n", "target", kw, "kernel",
          "vgpr", "agpr", "sgpr", "vspill", "sspill", "scratch", "lds", "wg", "waves", "mfma",
          "mfma/loop");
  for (int i = 0; i < count; ++i) {
    const AttnReportRow *r = &rows[i];
    const AttnAmdKernelInfo *k = &r->info;
    char waves[32];
    snprintf(waves, sizeof(waves), "%d (%s)", r->waves, r->limiter ? r->limiter : "?");
    fprintf(out, "%-8s %-*s %5d %5d %5d %6d %6d %8d %8d %5d %-11s %5d %9d\n", r->target, kw,
            k->name, k->vgprs, k->agprs, k->sgprs, k->vgprSpills, k->sgprSpills, k->scratchBytes,
            k->ldsBytes, r->workgroupSize, waves, k->mfma, k->mfmaPerLoop);
  }
}

static void printJson(FILE *out, const AttnReportRow *rows, int count) {
  fputs("[\n", out);
  for (int i = 0; i < count; ++i) {
    const AttnReportRow *r = &rows[i];
    const AttnAmdKernelInfo *k = &r->info;
    fprintf(out,
            "  {\"target\": \"%s\", \"kernel\": \"%s\", \"vgpr\": %d, \"agpr\": %d, "
            "\"vgpr_total\": %d, \"sgpr\": %d, \"vgpr_spill\": %d, \"sgpr_spill\": %d, "
            "\"scratch_bytes\": %d, \"lds_bytes\": %d, \"workgroup_size\": %d, "
            "\"waves_per_simd\": %d, \"occupancy_limiter\": \"%s\", \"mfma\": %d, "
            "\"mfma_per_loop\": %d, \"loops\": %d}%s\n",
            r->target, k->name, k->vgprs, k->agprs, k->vgprTotal, k->sgprs, k->vgprSpills,
            k->sgprSpills, k->scratchBytes, k->ldsBytes, r->workgroupSize, r->waves,
            r->limiter ? r->limiter : "", k->mfma, k->mfmaPerLoop, k->loops,
            i + 1 < count ? "," : "");
  }
  fputs("]\n", out);
}

void attnPrintReport(FILE *out, const AttnReportRow *rows, int count, bool json) {
  if (json)
    printJson(out, rows, count);
  else
    printTable(out, rows, count);
}
