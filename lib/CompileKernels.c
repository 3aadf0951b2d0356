/*===- CompileKernels.c - bundle metadata of the kernels of a module -----===*/

#include "CompileKernels.h"

#include "PassUtil.h"
#include "attnc/Compile.h"
#include "attnc/Target.h"

#include "mlir-c/AffineMap.h"
#include "mlir-c/BuiltinAttributes.h"
#include "mlir-c/BuiltinTypes.h"
#include "mlir-c/Pass.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The attn-tile dictionary entry that carries an op's index to its kernel
 * (attn-online-softmax copies attn.tile into attn.kernel). */
static const char kOpTag[] = "attnc.op";

static bool fail(char *err, size_t errLen, const char *fmt, ...) {
  if (err && errLen) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errLen, fmt, ap);
    va_end(ap);
  }
  return false;
}

static MlirStringRef str(const char *s) { return mlirStringRefCreateFromCString(s); }

static bool opIs(MlirOperation op, const char *name) {
  return mlirStringRefEqual(mlirIdentifierStr(mlirOperationGetName(op)), str(name));
}

/*===--- attn ops --------------------------------------------------------===*/

bool attnModuleHasAttnOps(MlirModule module) {
  AttnOpList l = attnCollectAttnOps(mlirModuleGetOperation(module));
  bool any = l.count > 0 || l.outOfMemory;
  attnOpListFree(&l);
  return any;
}

static bool runPipeline(MlirModule module, const char *pipeline, char *err, size_t errLen) {
  char why[512];
  if (attnRunPipeline(module, pipeline, why, sizeof(why)))
    return true;
  return fail(err, errLen, "the kernel analysis failed: %s", why);
}

static MlirModule cloneModule(MlirModule module) {
  return mlirModuleFromOperation(mlirOperationClone(mlirModuleGetOperation(module)));
}

/* Appends (attnc.op = index) to the attn.tile dictionary of `op`. */
static bool tagOp(MlirOperation op, int64_t index) {
  MlirContext ctx = mlirOperationGetContext(op);
  MlirAttribute tile = mlirOperationGetDiscardableAttributeByName(op, str("attn.tile"));
  if (mlirAttributeIsNull(tile) || !mlirAttributeIsADictionary(tile))
    return false;
  intptr_t n = mlirDictionaryAttrGetNumElements(tile);
  if (n >= 13) /* attn-online-softmax copies at most 14 entries */
    return false;
  MlirNamedAttribute entries[14];
  for (intptr_t i = 0; i < n; ++i)
    entries[i] = mlirDictionaryAttrGetElement(tile, i);
  entries[n++] = mlirNamedAttributeGet(mlirIdentifierGet(ctx, str(kOpTag)),
                                       mlirIntegerAttrGet(mlirIntegerTypeGet(ctx, 64), index));
  mlirOperationSetDiscardableAttributeByName(op, str("attn.tile"),
                                             mlirDictionaryAttrGet(ctx, n, entries));
  return true;
}

/*===--- Features ----------------------------------------------------------===*/

static MlirAttribute inherent(MlirOperation op, const char *name) {
  return mlirOperationGetInherentAttributeByName(op, str(name));
}

static int32_t staticDim(MlirValue v, intptr_t dim) {
  MlirType t = mlirValueGetType(v);
  if (!mlirTypeIsAShaped(t) || !mlirShapedTypeHasRank(t) || dim >= mlirShapedTypeGetRank(t))
    return 0;
  int64_t d = mlirShapedTypeGetDimSize(t, dim);
  return mlirShapedTypeIsDynamicSize(d) ? 0 : (int32_t)d;
}

/* attn.mla: q Tq x H x D, kv_cache NB x BS x D, V its first kv_lora_rank
 * columns (head_dim_v), one KV head. The kind is "mla" until its kernels say
 * "mla_decode" or "paged_merge" (readKernel). */
static void readMlaFeatures(MlirOperation op, AttnBundleKernel *k) {
  MlirValue q = mlirOperationGetOperand(op, 0);
  snprintf(k->kind, sizeof(k->kind), "mla");
  k->head_dim = staticDim(q, 2);
  k->head_dim_v = (int32_t)mlirIntegerAttrGetValueInt(inherent(op, "kv_lora_rank"));
  k->num_q_heads = staticDim(q, 1);
  k->num_kv_heads = 1;
  MlirAttribute a = inherent(op, "scale");
  k->scale = !mlirAttributeIsNull(a) ? (float)mlirFloatAttrGetValueDouble(a)
             : k->head_dim > 0       ? (float)(1.0 / sqrt((double)k->head_dim))
                                     : 0.0f;
  k->causal = !mlirAttributeIsNull(inherent(op, "causal"));
  k->window_left = k->window_right = -1;
  a = inherent(op, "softcap");
  k->softcap = mlirAttributeIsNull(a) ? 0.0f : (float)mlirFloatAttrGetValueDouble(a);
  k->has_alibi = false;
  k->has_lse = mlirOperationGetNumResults(op) > 1;
  k->row_align = (int32_t)attnOpRowAlign(op);
}

/* attn.mha: q B x Hq x Sq x D, k/v B x Hkv x Sk x D; attn.mha_varlen: q Tq x Hq x D,
 * k/v Tk x Hkv x D; attn.paged_attention: q Tq x Hq x D, k_cache/v_cache
 * NB x BS x Hkv x D. The kind is the op's ("paged" for a paged op until its kernels
 * say "paged_decode", "paged" or "paged_merge": readKernel). */
static void readFeatures(MlirOperation op, AttnBundleKernel *k) {
  if (opIs(op, "attn.mla")) {
    readMlaFeatures(op, k);
    return;
  }
  bool bwd = opIs(op, "attn.mha_bwd"), varlenBwd = opIs(op, "attn.mha_varlen_bwd");
  bool varlen = opIs(op, "attn.mha_varlen") || varlenBwd, paged = opIs(op, "attn.paged_attention");
  /* A backward op's three kernels take their kinds from attn.kernel (readKernel). */
  snprintf(k->kind, sizeof(k->kind), "%s",
           bwd         ? "bwd"
           : varlenBwd ? "varlen_bwd"
           : paged     ? "paged"
           : varlen    ? "mha_varlen"
                       : "mha");
  int qDim = varlen || paged ? 2 : 3, kvDim = paged ? 3 : qDim, kvHeads = paged ? 2 : 1;
  MlirValue q = mlirOperationGetOperand(op, 0), kk = mlirOperationGetOperand(op, 1),
            v = mlirOperationGetOperand(op, 2);
  k->head_dim = staticDim(q, qDim);
  k->head_dim_v = staticDim(v, kvDim);
  k->num_q_heads = staticDim(q, 1);
  k->num_kv_heads = staticDim(kk, kvHeads);
  MlirAttribute a = inherent(op, "scale");
  k->scale = !mlirAttributeIsNull(a) ? (float)mlirFloatAttrGetValueDouble(a)
             : k->head_dim > 0       ? (float)(1.0 / sqrt((double)k->head_dim))
                                     : 0.0f;
  k->causal = !mlirAttributeIsNull(inherent(op, "causal"));
  a = inherent(op, "window_left");
  k->window_left = mlirAttributeIsNull(a) ? -1 : mlirIntegerAttrGetValueInt(a);
  a = inherent(op, "window_right");
  k->window_right = mlirAttributeIsNull(a) ? -1 : mlirIntegerAttrGetValueInt(a);
  a = inherent(op, "softcap");
  k->softcap = mlirAttributeIsNull(a) ? 0.0f : (float)mlirFloatAttrGetValueDouble(a);
  k->has_alibi = !mlirValueIsNull(attnOpAlibi(op));
  /* has_lse: the op returns lse (a backward op takes it as an input). */
  k->has_lse = !bwd && !varlenBwd && mlirOperationGetNumResults(op) > 1;
  /* The GPU kernels' copy width (attn-tile's align), checked by attnrt. */
  k->row_align = (int32_t)attnOpRowAlign(op);
}

/*===--- Arguments ---------------------------------------------------------===*/

static const char *dtypeName(MlirType t) {
  if (mlirTypeIsAF16(t))
    return "f16";
  if (mlirTypeIsABF16(t))
    return "bf16";
  if (mlirTypeIsAF32(t))
    return "f32";
  if (mlirTypeIsAF64(t))
    return "f64";
  if (mlirTypeIsAInteger(t) && mlirIntegerTypeGetWidth(t) == 32)
    return "i32";
  if (mlirTypeIsAInteger(t) && mlirIntegerTypeGetWidth(t) == 64)
    return "i64"; /* rng_state: dropout's [seed, offset] */
  /* SAGE's q and k (docs/fp8.md, "SAGE"), one signed byte per element. */
  if (mlirTypeIsAInteger(t) && mlirIntegerTypeGetWidth(t) == 8)
    return "i8";
  /* fp8 (docs/fp8.md), one byte per element: e4m3 with bias 7 / with bias 8. */
  if (mlirTypeIsAFloat8E4M3FN(t))
    return "f8fn";
  if (mlirTypeIsAFloat8E4M3FNUZ(t))
    return "f8fnuz";
  return NULL;
}

static bool isPagedKind(const char *kind) { return !strncmp(kind, "paged", 5); }

/* attn.mla's op ("mla") and split kernel ("mla_decode"); its merge kernel
 * is paged_attention's "paged_merge". */
static bool isMlaKind(const char *kind) { return !strncmp(kind, "mla", 3); }

/* The kernels of attn.mha_bwd (bwd_delta, bwd_dkdv, bwd_dq) and of
 * attn.mha_varlen_bwd (varlen_delta, varlen_dkdv, varlen_dq). */
static bool isBackwardKind(const char *kind) {
  return !strncmp(kind, "bwd", 3) || !strncmp(kind, "varlen_", 7);
}

/* delta: out, dout -> delta; dkdv: q, k, v, dout, lse, delta, [cu_seqlens_q,
 * cu_seqlens_k], [alibi], [rng_state] -> dk, dv; dq: the same -> dq. */
static int backwardRoles(const AttnBundleKernel *k, bool rngState, const char *roles[],
                         bool output[]) {
  int n = 0;
  const char *suffix = strrchr(k->kind, '_');
  suffix = suffix ? suffix + 1 : "";
#define ROLE(name, out) (roles[n] = (name), output[n++] = (out))
  if (!strcmp(suffix, "delta")) {
    ROLE("out", false);
    ROLE("dout", false);
    ROLE("delta", true);
    return n;
  }
  static const char *const inputs[] = {"q", "k", "v", "dout", "lse", "delta"};
  for (int i = 0; i < 6; ++i)
    ROLE(inputs[i], false);
  if (!strncmp(k->kind, "varlen", 6)) {
    ROLE("cu_seqlens_q", false);
    ROLE("cu_seqlens_k", false);
  }
  if (k->has_alibi)
    ROLE("alibi", false);
  if (rngState)
    ROLE("rng_state", false);
  if (!strcmp(suffix, "dkdv")) {
    ROLE("dk", true);
    ROLE("dv", true);
  } else {
    ROLE("dq", true);
  }
#undef ROLE
  return n;
}

/* Roles in the kernel ABI order, outputs marked:
 *   mha, mha_varlen:     q, k, v, [cu_seqlens_q, cu_seqlens_k], [alibi], [sinks],
 *                        [kv_num_blocks, kv_indices, [full_kv_num_blocks,
 *                        full_kv_indices]], [q_descale, k_descale, v_descale],
 *                        [rng_state], [k_mean], out, [lse]
 *   paged_decode, paged: q, k_cache, v_cache, block_tables, seq_lens,
 *                        query_start_loc, [alibi], [k_scale, v_scale], split_out,
 *                        split_lse
 *   paged_merge:         split_out, split_lse, [sinks], out, [lse]
 *   mla_decode:          q, kv_cache, block_tables, seq_lens, query_start_loc,
 *                        split_out, split_lse
 * `sinks`: the kernel takes the op's sinks (attn.kernel says so; a paged
 * op's split kernel does not, its merge does). `blockMask`: 0 none, 1 the
 * partial lists, 2 also the full ones (attn.kernel's block_mask and
 * full_blocks entries; docs/masks.md). `fp8`: the kernel takes scales (fp8
 * or SAGE: attn.kernel's fp8 / sage entry). `rngState`: it takes dropout's
 * run-time [seed, offset] (attn.kernel's rng_state entry). `kMean`: SAGE's
 * k_mean, last (its k_mean entry; docs/fp8.md). */
enum { MAX_ROLES = 16 };

static int argRoles(const AttnBundleKernel *k, bool sinks, int blockMask, bool fp8, bool rngState,
                    bool kMean, const char *roles[MAX_ROLES], bool output[MAX_ROLES]) {
  if (isBackwardKind(k->kind))
    return backwardRoles(k, rngState, roles, output);
  int n = 0;
#define ROLE(name, out) (roles[n] = (name), output[n++] = (out))
  if (!strcmp(k->kind, "paged_merge")) {
    ROLE("split_out", false);
    ROLE("split_lse", false);
    if (sinks)
      ROLE("sinks", false);
    ROLE("out", true);
    if (k->has_lse)
      ROLE("lse", true);
    return n;
  }
  if (isMlaKind(k->kind)) {
    ROLE("q", false);
    ROLE("kv_cache", false);
    ROLE("block_tables", false);
    ROLE("seq_lens", false);
    ROLE("query_start_loc", false);
    if (fp8)
      ROLE("kv_scale", false);
    ROLE("split_out", true);
    ROLE("split_lse", true);
    return n;
  }
  if (isPagedKind(k->kind)) {
    ROLE("q", false);
    ROLE("k_cache", false);
    ROLE("v_cache", false);
    ROLE("block_tables", false);
    ROLE("seq_lens", false);
    ROLE("query_start_loc", false);
    if (k->has_alibi)
      ROLE("alibi", false);
    if (fp8) {
      ROLE("k_scale", false);
      ROLE("v_scale", false);
    }
    ROLE("split_out", true);
    ROLE("split_lse", true);
    return n;
  }
  ROLE("q", false);
  ROLE("k", false);
  ROLE("v", false);
  if (!strcmp(k->kind, "mha_varlen")) {
    ROLE("cu_seqlens_q", false);
    ROLE("cu_seqlens_k", false);
  }
  if (k->has_alibi)
    ROLE("alibi", false);
  if (sinks)
    ROLE("sinks", false);
  if (blockMask > 0) {
    ROLE("kv_num_blocks", false);
    ROLE("kv_indices", false);
  }
  if (blockMask > 1) {
    ROLE("full_kv_num_blocks", false);
    ROLE("full_kv_indices", false);
  }
  if (fp8) {
    ROLE("q_descale", false);
    ROLE("k_descale", false);
    ROLE("v_descale", false);
  }
  if (rngState)
    ROLE("rng_state", false);
  if (kMean)
    ROLE("k_mean", false);
  ROLE("out", true);
  if (k->has_lse)
    ROLE("lse", true);
#undef ROLE
  return n;
}

/* Fills k->args from the memref parameters of the kernel function. */
static bool readArgs(MlirOperation fn, bool sinks, int blockMask, bool fp8, bool rngState,
                     bool kMean, AttnBundleKernel *k, char *err, size_t errLen) {
  const char *roles[MAX_ROLES];
  bool output[MAX_ROLES];
  int numRoles = argRoles(k, sinks, blockMask, fp8, rngState, kMean, roles, output);
  MlirType fnType = mlirTypeAttrGetValue(inherent(fn, "function_type"));
  intptr_t numInputs = mlirFunctionTypeGetNumInputs(fnType);
  int n = 0;
  for (intptr_t i = 0; i < numInputs; ++i) {
    MlirType t = mlirFunctionTypeGetInput(fnType, i);
    if (!mlirTypeIsAMemRef(t))
      continue;
    const char *dtype = dtypeName(mlirShapedTypeGetElementType(t));
    if (n >= numRoles || !dtype)
      return fail(err, errLen, "kernel %s: unexpected parameter %d", k->name, (int)i);
    AttnBundleArg *a = &k->args[n];
    snprintf(a->name, sizeof(a->name), "%s", roles[n]);
    snprintf(a->dtype, sizeof(a->dtype), "%s", dtype);
    a->rank = (int32_t)mlirShapedTypeGetRank(t);
    a->output = output[n];
    ++n;
  }
  if (n != numRoles)
    return fail(err, errLen, "kernel %s has %d tensor parameters, expected %d", k->name, n,
                numRoles);
  k->num_args = n;
  return true;
}

/*===--- Kernel functions ---------------------------------------------------===*/

static MlirStringRef symName(MlirOperation op) {
  MlirAttribute a = mlirOperationGetAttributeByName(op, str("sym_name"));
  return !mlirAttributeIsNull(a) && mlirAttributeIsAString(a) ? mlirStringAttrGetValue(a)
                                                              : (MlirStringRef){NULL, 0};
}

static MlirAttribute kernelAttr(MlirOperation op) {
  MlirAttribute a = mlirOperationGetDiscardableAttributeByName(op, str("attn.kernel"));
  return !mlirAttributeIsNull(a) && mlirAttributeIsADictionary(a) ? a : mlirAttributeGetNull();
}

static int64_t dictInt(MlirAttribute dict, const char *name, int64_t fallback) {
  MlirAttribute a = mlirDictionaryAttrGetElementByName(dict, str(name));
  return !mlirAttributeIsNull(a) && mlirAttributeIsAInteger(a) ? mlirIntegerAttrGetValueInt(a)
                                                               : fallback;
}

/* Copies the string entry `name` of `dict` into buf (size bytes); false when
 * there is none or it does not fit. */
static bool dictString(MlirAttribute dict, const char *name, char *buf, size_t size) {
  MlirAttribute a = mlirDictionaryAttrGetElementByName(dict, str(name));
  if (mlirAttributeIsNull(a) || !mlirAttributeIsAString(a))
    return false;
  MlirStringRef v = mlirStringAttrGetValue(a);
  if (v.length >= size)
    return false;
  memcpy(buf, v.data, v.length);
  buf[v.length] = '\0';
  return true;
}

/* One kernel function of the analysis module; `features[i]` holds what
 * attn op i (tagged i) says. A paged op has two kernels (split and merge):
 * their kinds come from their attn.kernel dictionaries. */
static bool readKernel(MlirOperation fn, const AttnBundleKernel *features, int numOps,
                       AttnBundleKernel *k, char *err, size_t errLen) {
  MlirStringRef name = symName(fn);
  if (name.length >= sizeof(k->name))
    return fail(err, errLen, "kernel name too long: %.*s", (int)name.length, name.data);
  int64_t index = dictInt(kernelAttr(fn), kOpTag, -1);
  if (index < 0 || index >= numOps)
    return fail(err, errLen, "kernel %.*s: cannot trace it back to its attn op", (int)name.length,
                name.data);
  *k = features[index];
  memset(k->name, 0, sizeof(k->name));
  memcpy(k->name, name.data, name.length);
  if (isPagedKind(k->kind) || isMlaKind(k->kind) || isBackwardKind(k->kind)) {
    char kind[sizeof(k->kind)];
    bool paged = isPagedKind(k->kind) || isMlaKind(k->kind);
    if (!dictString(kernelAttr(fn), "kind", kind, sizeof(kind)) ||
        (paged ? !isPagedKind(kind) && !isMlaKind(kind) : !isBackwardKind(kind)))
      return fail(err, errLen, "kernel %s of a %s op: no %s kind in its attn.kernel", k->name,
                  paged ? "paged" : "backward", paged ? "paged" : "backward");
    memcpy(k->kind, kind, sizeof(kind));
  }
  MlirAttribute dict = kernelAttr(fn);
  bool sinks = !mlirAttributeIsNull(mlirDictionaryAttrGetElementByName(dict, str("sinks")));
  int blockMask =
      mlirAttributeIsNull(mlirDictionaryAttrGetElementByName(dict, str("block_mask")))    ? 0
      : mlirAttributeIsNull(mlirDictionaryAttrGetElementByName(dict, str("full_blocks"))) ? 1
                                                                                          : 2;
  /* fp8 kernels take their scales (attn.kernel's fp8 entry; docs/fp8.md). */
  bool fp8 = !mlirAttributeIsNull(mlirDictionaryAttrGetElementByName(dict, str("fp8")));
  /* dropout's run-time [seed, offset] (docs/backward.md, "Dropout"). */
  bool rngState = !mlirAttributeIsNull(mlirDictionaryAttrGetElementByName(dict, str("rng_state")));
  /* SAGE kernels take the descales too, and k_mean when it has one. */
  bool sage = !mlirAttributeIsNull(mlirDictionaryAttrGetElementByName(dict, str("sage")));
  bool kMean = !mlirAttributeIsNull(mlirDictionaryAttrGetElementByName(dict, str("k_mean")));
  return readArgs(fn, sinks, blockMask, fp8 || sage, rngState, kMean, k, err, errLen);
}

typedef struct {
  AttnBundleKernel *items;
  int count, capacity;
} KernelList;

static AttnBundleKernel *appendKernel(KernelList *l) {
  if (l->count == l->capacity) {
    int cap = l->capacity ? 2 * l->capacity : 4;
    AttnBundleKernel *grown = realloc(l->items, (size_t)cap * sizeof(*grown));
    if (!grown)
      return NULL;
    l->items = grown;
    l->capacity = cap;
  }
  return &l->items[l->count++];
}

static bool readKernels(MlirModule analysis, const AttnBundleKernel *features, int numOps,
                        KernelList *out, char *err, size_t errLen) {
  for (MlirOperation op = mlirBlockGetFirstOperation(mlirModuleGetBody(analysis));
       !mlirOperationIsNull(op); op = mlirOperationGetNextInBlock(op)) {
    if (!opIs(op, "func.func") || mlirAttributeIsNull(kernelAttr(op)))
      continue;
    AttnBundleKernel *k = appendKernel(out);
    if (!k)
      return fail(err, errLen, "out of memory");
    if (!readKernel(op, features, numOps, k, err, errLen))
      return false;
  }
  return true;
}

/* Reads the features of every attn op of the analysis module and tags
 * each op with its index. Returns the malloc'd features or NULL. */
static AttnBundleKernel *tagOps(MlirModule analysis, int *count, char *err, size_t errLen) {
  AttnOpList ops = attnCollectAttnOps(mlirModuleGetOperation(analysis));
  AttnBundleKernel *features =
      ops.outOfMemory ? NULL : calloc((size_t)(ops.count ? ops.count : 1), sizeof(*features));
  bool ok = features != NULL || fail(err, errLen, "out of memory");
  for (int i = 0; ok && i < (int)ops.count; ++i) {
    readFeatures(ops.ops[i], &features[i]);
    ok = tagOp(ops.ops[i], i) ||
         fail(err, errLen, "cannot tag attn op %d for the kernel analysis (no attn.tile)", i);
  }
  *count = (int)ops.count;
  attnOpListFree(&ops);
  if (!ok) {
    free(features);
    return NULL;
  }
  return features;
}

int attnCollectKernels(MlirModule module, const char *tileTarget, AttnBundleKernel **kernels,
                       char *err, size_t errLen) {
  *kernels = NULL;
  char front[160];
  snprintf(front, sizeof(front), "builtin.module(attn-gqa-map,attn-tile{target=%s})", tileTarget);
  MlirModule analysis = cloneModule(module);
  KernelList list = {NULL, 0, 0};
  int numOps = 0;
  AttnBundleKernel *features = NULL;
  bool ok = runPipeline(analysis, front, err, errLen) &&
            (features = tagOps(analysis, &numOps, err, errLen)) != NULL &&
            runPipeline(analysis, "builtin.module(attn-flash-backward,attn-online-softmax)", err,
                        errLen) &&
            readKernels(analysis, features, numOps, &list, err, errLen);
  free(features);
  mlirModuleDestroy(analysis);
  if (!ok) {
    free(list.items);
    return -1;
  }
  *kernels = list.items;
  return list.count;
}

/*===--- Entries -----------------------------------------------------------===*/

static void printToBuffer(MlirStringRef piece, void *userData) {
  char *buf = userData; /* 256 bytes, as AttnBundleEntry::grid_map */
  size_t len = strlen(buf);
  size_t n = piece.length < 255 - len ? piece.length : 255 - len;
  memcpy(buf + len, piece.data, n);
  buf[len + n] = '\0';
}

static void fillEntry(MlirAttribute dict, const AttnBundleKernel *k, AttnBundleEntry *e) {
  memset(e, 0, sizeof(*e));
  e->block_m = (int32_t)dictInt(dict, "block_m", 0);
  e->block_n = (int32_t)dictInt(dict, "block_n", 0);
  e->num_warps = (int32_t)dictInt(dict, "num_warps", 1);
  e->num_stages = (int32_t)dictInt(dict, "num_stages", 1);
  e->kv_splits = (int32_t)dictInt(dict, "kv_splits", 1);
  MlirAttribute grid = mlirDictionaryAttrGetElementByName(dict, str("grid"));
  if (!mlirAttributeIsNull(grid) && mlirAttributeIsAAffineMap(grid))
    mlirAffineMapPrint(mlirAffineMapAttrGetValue(grid), printToBuffer, e->grid_map);
  /* grid_dims when the kernel says (paged kernels), else attn.grid's dims:
   * (B, Sq) for mha, (Tq, B) for varlen. */
  MlirAttribute dims = mlirDictionaryAttrGetElementByName(dict, str("grid_dims"));
  if (!mlirAttributeIsNull(dims) && mlirAttributeIsAArray(dims)) {
    intptr_t n = mlirArrayAttrGetNumElements(dims);
    for (intptr_t i = 0; i < n && e->num_grid_dims < 4; ++i) {
      MlirAttribute d = mlirArrayAttrGetElement(dims, i);
      if (!mlirAttributeIsAString(d))
        continue;
      MlirStringRef v = mlirStringAttrGetValue(d);
      char *slot = e->grid_dims[e->num_grid_dims++];
      size_t len = v.length < sizeof(e->grid_dims[0]) - 1 ? v.length : sizeof(e->grid_dims[0]) - 1;
      memcpy(slot, v.data, len);
      slot[len] = '\0';
    }
    return;
  }
  e->num_grid_dims = 2;
  bool varlen = !strcmp(k->kind, "mha_varlen");
  snprintf(e->grid_dims[0], sizeof(e->grid_dims[0]), "q.0");
  snprintf(e->grid_dims[1], sizeof(e->grid_dims[1]), "%s", varlen ? "cu_seqlens_q.0-1" : "q.2");
}

typedef struct {
  const char *name;
  MlirAttribute found;
  MlirOperation op;
} FindKernel;

static MlirWalkResult findKernel(MlirOperation op, void *userData) {
  FindKernel *f = userData;
  MlirAttribute dict = kernelAttr(op);
  if (mlirAttributeIsNull(dict) || !mlirStringRefEqual(symName(op), str(f->name)))
    return MlirWalkResultAdvance;
  f->found = dict;
  f->op = op;
  return MlirWalkResultInterrupt;
}

/* The kernel's TMA tensor maps (attn.tensor_maps of its GPU function:
 * [{arg, box}], in parameter order) into the entry; 128-byte swizzle, the
 * one layout the NVIDIA lowering stages tiles in. */
static void fillTensorMaps(MlirOperation fn, AttnBundleEntry *e) {
  MlirAttribute maps = mlirOperationGetDiscardableAttributeByName(fn, str("attn.tensor_maps"));
  if (mlirAttributeIsNull(maps) || !mlirAttributeIsAArray(maps))
    return;
  intptr_t n = mlirArrayAttrGetNumElements(maps);
  for (intptr_t i = 0; i < n && e->num_tensor_maps < ATTN_BUNDLE_MAX_TENSOR_MAPS; ++i) {
    MlirAttribute m = mlirArrayAttrGetElement(maps, i);
    MlirAttribute box = mlirDictionaryAttrGetElementByName(m, str("box"));
    AttnBundleTensorMap *out = &e->tensor_maps[e->num_tensor_maps++];
    out->arg = (int32_t)dictInt(m, "arg", -1);
    out->swizzle = 128;
    intptr_t rank = mlirAttributeIsNull(box) ? 0 : mlirDenseArrayGetNumElements(box);
    for (intptr_t d = 0; d < rank && d < 4; ++d)
      out->box[d] = (int32_t)mlirDenseI64ArrayGetElement(box, d);
  }
}

bool attnEntryFromLowered(MlirModule lowered, const AttnBundleKernel *kernel,
                          AttnBundleEntry *entry) {
  FindKernel f = {kernel->name, mlirAttributeGetNull(), {NULL}};
  mlirOperationWalk(mlirModuleGetOperation(lowered), findKernel, &f, MlirWalkPreOrder);
  if (mlirAttributeIsNull(f.found))
    return false;
  fillEntry(f.found, kernel, entry);
  fillTensorMaps(f.op, entry);
  return true;
}

void attnKindFromLowered(MlirModule lowered, AttnBundleKernel *kernel) {
  FindKernel f = {kernel->name, mlirAttributeGetNull(), {NULL}};
  mlirOperationWalk(mlirModuleGetOperation(lowered), findKernel, &f, MlirWalkPreOrder);
  if (mlirAttributeIsNull(f.found))
    return;
  dictString(f.found, "kind", kernel->kind, sizeof(kernel->kind));
}

bool attnEntriesFromFront(MlirModule module, const char *tileTarget,
                          const AttnBundleKernel *kernels, int count, AttnBundleEntry *entries,
                          char *err, size_t errLen) {
  char pipeline[200];
  snprintf(pipeline, sizeof(pipeline),
           "builtin.module(attn-gqa-map,attn-tile{target=%s},attn-flash-backward,"
           "attn-online-softmax)",
           tileTarget);
  MlirModule analysis = cloneModule(module);
  bool ok = runPipeline(analysis, pipeline, err, errLen);
  for (int i = 0; ok && i < count; ++i)
    ok = attnEntryFromLowered(analysis, &kernels[i], &entries[i]) ||
         fail(err, errLen, "kernel %s: no attn.kernel for target %s", kernels[i].name, tileTarget);
  mlirModuleDestroy(analysis);
  return ok;
}
