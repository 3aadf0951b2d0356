/*===- Header.c - a C header with typed launch functions ------------------===*/

#include "Header.h"

#include <ctype.h>
#include <string.h>

void attnCIdentifier(const char *text, char *out, size_t size) {
  size_t n = 0;
  if (isdigit((unsigned char)text[0]) && n + 1 < size)
    out[n++] = '_';
  for (const char *p = text; *p && n + 1 < size; ++p)
    out[n++] = isalnum((unsigned char)*p) ? *p : '_';
  if (n == 0 && size > 1)
    out[n++] = '_';
  out[n] = '\0';
}

/* The shape of a tensor role, in the op's terms (per kernel kind: mha,
 * mha_varlen, the paged kernels, attn.mla's split kernel). */
static const char *shapeOf(const char *role, const char *kind) {
  static const struct {
    const char *role, *mha, *varlen, *paged;
  } shapes[] = {
      {"q", "B x Hq x Sq x D", "Tq x Hq x D", "Tq x Hq x D"},
      {"k", "B x Hkv x Sk x D", "Tk x Hkv x D", ""},
      {"v", "B x Hkv x Sk x Dv", "Tk x Hkv x Dv", ""},
      {"cu_seqlens_q", "", "B+1 (int32 offsets of each sequence in q)", ""},
      {"cu_seqlens_k", "", "B+1 (int32 offsets of each sequence in k/v)", ""},
      {"k_cache", "", "", "NB x BS x Hkv x D (blocks of BS tokens)"},
      {"v_cache", "", "", "NB x BS x Hkv x Dv"},
      {"kv_cache", "", "", "NB x BS x D (latent rows; V = the first Dv columns)"},
      {"block_tables", "", "", "B x MaxBlocks (int32 block ids)"},
      {"seq_lens", "", "", "B (int32 keys per sequence)"},
      {"query_start_loc", "", "", "B+1 (int32 offsets of each sequence in q)"},
      {"alibi", "Hq (ALiBi slopes)", "Hq (ALiBi slopes)", "Hq (ALiBi slopes)"},
      {"sinks", "Hq (f32 sink logits)", "Hq (f32 sink logits)", "Hq (f32 sink logits)"},
      {"kv_num_blocks", "B' x H' x NQB (int32 block mask)", "B' x H' x NQB (int32 block mask)", ""},
      {"kv_indices", "B' x H' x NQB x NKB (int32)", "B' x H' x NQB x NKB (int32)", ""},
      {"full_kv_num_blocks", "B' x H' x NQB (int32)", "B' x H' x NQB (int32)", ""},
      {"full_kv_indices", "B' x H' x NQB x NKB (int32)", "B' x H' x NQB x NKB (int32)", ""},
      {"q_descale", "fp8: [] | Hkv | B x Hkv (f32)", "fp8: [] | Hkv | B x Hkv (f32, B sequences)",
       ""},
      {"k_descale", "fp8: [] | Hkv | B x Hkv (f32)", "fp8: [] | Hkv | B x Hkv (f32, B sequences)",
       ""},
      {"v_descale", "fp8: [] | Hkv | B x Hkv (f32)", "fp8: [] | Hkv | B x Hkv (f32, B sequences)",
       ""},
      {"k_scale", "", "", "fp8: [] | Hkv | NB x BS x Hkv (f32, per token)"},
      {"v_scale", "", "", "fp8: [] | Hkv | NB x BS x Hkv (f32, per token)"},
      {"kv_scale", "", "", "fp8: [] | NB x BS (f32, per token)"},
      {"rng_state", "2 (int64 [seed, offset] of dropout)", "2 (int64 [seed, offset] of dropout)",
       ""},
      {"split_out", "", "", "S x Tq x Hq x Dv (f32 workspace, S splits)"},
      {"split_lse", "", "", "S x Hq x Tq (f32 workspace)"},
      {"out", "B x Hq x Sq x Dv", "Tq x Hq x Dv", "Tq x Hq x Dv"},
      {"lse", "B x Hq x Sq (natural-log sum of exp)", "Hq x Tq (natural-log sum of exp)",
       "Hq x Tq (natural-log sum of exp)"},
  };
  for (size_t i = 0; i < sizeof(shapes) / sizeof(shapes[0]); ++i)
    if (!strcmp(shapes[i].role, role))
      return !strncmp(kind, "paged", 5) || !strcmp(kind, "mla_decode") ? shapes[i].paged
             : !strcmp(kind, "mha_varlen")                             ? shapes[i].varlen
                                                                       : shapes[i].mha;
  return "";
}

static void writeFeatures(FILE *out, const AttnBundleKernel *k) {
  fprintf(out, " *   %s:", k->kind);
  if (k->num_q_heads > 0 && k->num_kv_heads > 0)
    fprintf(out, " Hq = %d, Hkv = %d (%s),", k->num_q_heads, k->num_kv_heads,
            k->num_q_heads == k->num_kv_heads ? "MHA"
            : k->num_kv_heads == 1            ? "MQA"
                                              : "GQA");
  fprintf(out, " D = %d, Dv = %d, scale = %.9g", k->head_dim, k->head_dim_v, (double)k->scale);
  if (k->causal)
    fputs(", causal", out);
  if (k->window_left >= 0)
    fprintf(out, ", window_left = %lld", (long long)k->window_left);
  if (k->window_right >= 0)
    fprintf(out, ", window_right = %lld", (long long)k->window_right);
  if (k->softcap != 0.0f)
    fprintf(out, ", softcap = %.9g", (double)k->softcap);
  if (k->has_alibi)
    fputs(", alibi", out);
  if (k->has_lse)
    fputs(", lse", out);
  fputs("\n", out);
}

static void writeKernel(FILE *out, const AttnBundleKernel *k) {
  char id[160];
  attnCIdentifier(k->name, id, sizeof(id));
  fprintf(out, "/* %s\n", k->name);
  writeFeatures(out, k);
  fputs(" * Tensors (strides in elements; the last dim must have stride 1):\n", out);
  for (int i = 0; i < k->num_args; ++i) {
    const AttnBundleArg *a = &k->args[i];
    fprintf(out, " *   %-12s %-4s rank %d  %-6s %s\n", a->name, a->dtype, a->rank,
            a->output ? "output" : "input", shapeOf(a->name, k->kind));
  }
  fputs(" */\n", out);
  char upper[160];
  snprintf(upper, sizeof(upper), "%s", id);
  for (char *p = upper; *p; ++p)
    *p = (char)toupper((unsigned char)*p);
  fprintf(out, "#define %s_NUM_TENSORS %d\n", upper, k->num_args);
  fprintf(out, "static inline AttnStatus %s_launch(AttnrtModule *m,", id);
  for (int i = 0; i < k->num_args; ++i)
    fprintf(out, "\n    const AttnrtTensor *%s,", k->args[i].name);
  fputs("\n    void *stream, char *err, size_t errLen) {\n", out);
  fprintf(out, "  AttnrtTensor t[%d];\n", k->num_args > 0 ? k->num_args : 1);
  for (int i = 0; i < k->num_args; ++i)
    fprintf(out, "  t[%d] = *%s;\n", i, k->args[i].name);
  fprintf(out, "  return attnrtLaunch(m, \"%s\", t, %d, stream, err, errLen);\n}\n\n", k->name,
          k->num_args);
}

bool attnWriteHeader(FILE *out, const char *prefix, const char *source,
                     const AttnBundleKernel *kernels, int numKernels) {
  char guard[160];
  attnCIdentifier(prefix, guard, sizeof(guard));
  for (char *p = guard; *p; ++p)
    *p = (char)toupper((unsigned char)*p);
  fprintf(out,
          "/* Generated by attn-compile from %s: typed launchers of its kernels.\n"
          " * Load the bundle with %s_load(), then call <kernel>_launch(). */\n"
          "#ifndef %s_ATTN_H\n#define %s_ATTN_H\n\n"
          "#include <attnrt/attnrt.h>\n\n#include <stddef.h>\n\n",
          source, prefix, guard, guard);
  fprintf(out,
          "/* Reads the bundle at `path` and loads the code object for `device`\n"
          " * (\"auto\", \"cpu\", \"hip\", \"hip:N\"); see attnrtModuleLoad. */\n"
          "static inline AttnStatus %s_load(const char *path, const char *device,\n"
          "    AttnrtModule **m, char *err, size_t errLen) {\n"
          "  AttnBundle b;\n"
          "  AttnStatus s = attnBundleReadFile(path, &b, err, errLen);\n"
          "  if (s != ATTN_OK)\n    return s;\n"
          "  s = attnrtModuleLoad(&b, device, m, err, errLen);\n"
          "  attnBundleDestroy(&b);\n  return s;\n}\n\n",
          prefix);
  for (int i = 0; i < numKernels; ++i)
    writeKernel(out, &kernels[i]);
  fprintf(out, "#endif /* %s_ATTN_H */\n", guard);
  return !ferror(out);
}
