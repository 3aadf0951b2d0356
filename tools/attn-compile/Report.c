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

/* The llvm-mca estimate of a row: cycles, MFMA cycles and their ratio as
 * text, "n/a" when there is none. */
typedef struct {
  char cycles[16], mfmaCycles[16], ratio[16];
} EstimateText;

static bool hasEstimate(const AttnAmdKernelInfo *k) {
  return k->loopCycles > 0 && k->loopMfmaCycles >= 0;
}

static EstimateText estimateText(const AttnAmdKernelInfo *k) {
  EstimateText t = {"n/a", "n/a", "n/a"};
  if (hasEstimate(k)) {
    snprintf(t.cycles, sizeof(t.cycles), "%.1f", k->loopCycles);
    snprintf(t.mfmaCycles, sizeof(t.mfmaCycles), "%.1f", k->loopMfmaCycles);
    snprintf(t.ratio, sizeof(t.ratio), "%.3f", k->loopMfmaCycles / k->loopCycles);
  }
  return t;
}

static void printTable(FILE *out, const AttnReportRow *rows, int count) {
  int kw = kernelWidth(rows, count);
  fprintf(out, "%-8s %-*s %5s %5s %5s %6s %6s %8s %8s %5s %-11s %5s %9s %9s %9s %10s\n", "target",
          kw, "kernel", "vgpr", "agpr", "sgpr", "vspill", "sspill", "scratch", "lds", "wg", "waves",
          "mfma", "mfma/loop", "cyc/iter", "mfma-cyc", "mfma-ratio");
  for (int i = 0; i < count; ++i) {
    const AttnReportRow *r = &rows[i];
    const AttnAmdKernelInfo *k = &r->info;
    char waves[32];
    snprintf(waves, sizeof(waves), "%d (%s)", r->waves, r->limiter ? r->limiter : "?");
    EstimateText e = estimateText(k);
    fprintf(out, "%-8s %-*s %5d %5d %5d %6d %6d %8d %8d %5d %-11s %5d %9d %9s %9s %10s\n",
            r->target, kw, k->name, k->vgprs, k->agprs, k->sgprs, k->vgprSpills, k->sgprSpills,
            k->scratchBytes, k->ldsBytes, r->workgroupSize, waves, k->mfma, k->mfmaPerLoop,
            e.cycles, e.mfmaCycles, e.ratio);
  }
}

/* JSON numbers of the estimate, null when there is none. */
static void printJsonEstimate(FILE *out, const AttnAmdKernelInfo *k) {
  if (!hasEstimate(k)) {
    fputs(", \"loop_cycles\": null, \"loop_mfma_cycles\": null, \"mfma_ratio\": null, "
          "\"estimate_note\": \"",
          out);
    for (const char *c = k->estimateNote; *c; ++c) {
      if (*c == '"' || *c == '\\')
        fputc('\\', out);
      fputc((unsigned char)*c < 0x20 ? ' ' : *c, out);
    }
    fputs("\"", out);
    return;
  }
  fprintf(out, ", \"loop_cycles\": %.2f, \"loop_mfma_cycles\": %.2f, \"mfma_ratio\": %.4f",
          k->loopCycles, k->loopMfmaCycles, k->loopMfmaCycles / k->loopCycles);
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
            "\"mfma_per_loop\": %d, \"loops\": %d",
            r->target, k->name, k->vgprs, k->agprs, k->vgprTotal, k->sgprs, k->vgprSpills,
            k->sgprSpills, k->scratchBytes, k->ldsBytes, r->workgroupSize, r->waves,
            r->limiter ? r->limiter : "", k->mfma, k->mfmaPerLoop, k->loops);
    printJsonEstimate(out, k);
    fprintf(out, "}%s\n", i + 1 < count ? "," : "");
  }
  fputs("]\n", out);
}

void attnPrintReport(FILE *out, const AttnReportRow *rows, int count, bool json) {
  if (json)
    printJson(out, rows, count);
  else
    printTable(out, rows, count);
}
