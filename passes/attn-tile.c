/*===- attn-tile.c - choose tile configurations and form the grid ---------===*
 *
 * For every attention op, looks up the tile configuration of the target in
 * its config table (config/<target>-MHA-DEFAULT.json, keyed by dtype, head
 * dim, causal and varlen; backward ops: <target>-MHA-BWD.json where it
 * exists), applies the pass options' overrides, and records
 *
 *   attn.tile = {block_m, block_n, num_warps, num_stages, kv_splits : i64,
 *                target : string, source : "path:line" of the table entry}
 *   attn.grid = affine_map<(d0, d1) -> (programs along x, y, z)>
 *
 * The grid is the number of programs as a function of the op's dynamic
 * sizes:
 *   attn.mha        (d0, d1) = (B, Sq): (Sq ceildiv BLOCK_M, B * Hq, kv_splits)
 *   attn.mha_varlen (d0, d1) = (Tq, B): (Tq ceildiv BLOCK_M + B, Hq, kv_splits)
 *   attn.paged_attention (d0, d1, d2) = (Tq, B, S), S the number of KV
 *     splits (docs/paged.md):
 *       decode kernel   (Tq, Hkv * ceil(G / BLOCK_M), S)   G = Hq / Hkv
 *       prefill kernel  (Tq ceildiv BLOCK_M + B, Hq, S)
 *     and attn.tile gains paged = "decode" | "prefill". The kernel is the
 *     op's `attn.paged_mode` attribute if it has one, else prefill when Tq
 *     and B are static and Tq > B, else decode. BLOCK_N is halved (down to
 *     16, on AMD to a wave's rows) until a KV tile spans at most 16 pieces
 *     of gcd(BS, BLOCK_N) rows.
 *   attn.mla (d0, d1, d2) = (Tq, B, S): attn.paged_attention's decode
 *     kernel with one KV head, (Tq, ceil(H / BLOCK_M), S) (docs/mla.md);
 *     its only kernel, so attn.paged_mode = "prefill" is an error.
 * (a varlen batch has at most one partial q tile per sequence, so
 * Tq ceildiv BLOCK_M + B programs along x cover every tile; programs past the
 * last tile of the batch exit at once).
 *
 * Options: target=cpu|gfx942|gfx950|sm_90a (default cpu), config-dir=PATH
 * (default: $ATTN_CONFIG_DIR, else the source tree's config/, else the
 * installed share/attnc/config), and overrides block-m=, block-n=,
 * num-warps=, num-stages=, kv-splits=. Registered as a named pipeline so the
 * options reach C: `attn-tile{target=gfx942 block-n=32}`.
 *
 *===----------------------------------------------------------------------===*/

#include "PassUtil.h"
#include "Passes.h"

#include "ConfigTable.h"
#include "attn-c/Dialect.h"

#include "mlir-c/AffineExpr.h"
#include "mlir-c/AffineMap.h"
#include "mlir-c/BuiltinAttributes.h"
#include "mlir-c/BuiltinTypes.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef ATTN_CONFIG_DIR
#error "ATTN_CONFIG_DIR must name the directory of the shipped config tables"
#endif

typedef struct {
  char target[32];
  char configDir[1024];
  char overrides[512]; /* "block_m=64,block_n=32", checked when parsed */
} AttnTileOptions;

/*===--- Options -----------------------------------------------------------===*/

static bool copyValue(char *dst, size_t cap, const char *value, size_t length) {
  if (length == 0 || length >= cap)
    return false;
  memcpy(dst, value, length);
  dst[length] = '\0';
  return true;
}

static const char *const overrideKeys[] = {"block-m", "block-n", "num-warps", "num-stages",
                                           "kv-splits"};

/* Where the shipped tables are, unless config-dir= says: $ATTN_CONFIG_DIR,
 * else the source tree's config/ when it is there (build tree), else the
 * installed share/attnc/config. */
static void defaultConfigDir(char *dir, size_t cap) {
  const char *env = getenv("ATTN_CONFIG_DIR");
  if (env && *env) {
    snprintf(dir, cap, "%s", env);
    return;
  }
  FILE *probe = fopen(ATTN_CONFIG_DIR "/cpu-MHA-DEFAULT.json", "r");
  if (probe) {
    fclose(probe);
    snprintf(dir, cap, "%s", ATTN_CONFIG_DIR);
    return;
  }
  snprintf(dir, cap, "%s", ATTN_INSTALL_CONFIG_DIR);
}

/* Parses "key=value key=value" (MLIR's pass-option syntax). Returns false
 * with a message in err. */
static bool parseOptions(const char *text, size_t length, AttnTileOptions *o, char *err,
                         size_t errLen) {
  memset(o, 0, sizeof(*o));
  strcpy(o->target, "cpu");
  defaultConfigDir(o->configDir, sizeof(o->configDir));
  const char *p = text, *end = text + length;
  while (p < end) {
    while (p < end && *p == ' ')
      ++p;
    const char *tok = p;
    while (p < end && *p != ' ')
      ++p;
    if (tok == p)
      break;
    const char *eq = memchr(tok, '=', (size_t)(p - tok));
    if (!eq) {
      snprintf(err, errLen, "attn-tile: option '%.*s' needs a value (key=value)", (int)(p - tok),
               tok);
      return false;
    }
    size_t keyLen = (size_t)(eq - tok), valueLen = (size_t)(p - eq - 1);
    const char *value = eq + 1;
    bool ok = true, known = true;
    if (keyLen == 6 && !strncmp(tok, "target", 6)) {
      ok = copyValue(o->target, sizeof(o->target), value, valueLen);
    } else if (keyLen == 10 && !strncmp(tok, "config-dir", 10)) {
      ok = copyValue(o->configDir, sizeof(o->configDir), value, valueLen);
    } else {
      known = false;
      for (size_t k = 0; k < sizeof(overrideKeys) / sizeof(overrideKeys[0]); ++k)
        if (keyLen == strlen(overrideKeys[k]) && !strncmp(tok, overrideKeys[k], keyLen))
          known = true;
      size_t used = strlen(o->overrides);
      ok = known && used + keyLen + valueLen + 3 < sizeof(o->overrides);
      if (ok)
        snprintf(o->overrides + used, sizeof(o->overrides) - used, "%s%.*s=%.*s", used ? "," : "",
                 (int)keyLen, tok, (int)valueLen, value);
    }
    if (!known) {
      snprintf(err, errLen,
               "attn-tile: unknown option '%.*s' (expected target, config-dir, block-m, "
               "block-n, num-warps, num-stages, kv-splits)",
               (int)keyLen, tok);
      return false;
    }
    if (!ok) {
      snprintf(err, errLen, "attn-tile: bad value for option '%.*s'", (int)keyLen, tok);
      return false;
    }
  }
  /* Validate the overrides now, so a typo fails when the pipeline is built. */
  AttnTileConfig probe = {1, 1, 1, 1, 1};
  return attnTileConfigOverride(&probe, o->overrides, err, errLen) == 0;
}

/*===--- The pass ----------------------------------------------------------===*/

static bool dtypeOf(MlirOperation op, AttnDType *out) {
  MlirType e = mlirShapedTypeGetElementType(mlirValueGetType(mlirOperationGetOperand(op, 0)));
  /* fp8 tiles are dequantized after the load: the math is that of the
   * result's 16-bit type (docs/fp8.md), whose config entry applies. */
  if (attnIsFp8Type(e) || attnOpIsSage(op)) /* SAGE: i8 q and k, P V in out's type */
    e = mlirShapedTypeGetElementType(mlirValueGetType(mlirOperationGetResult(op, 0)));
  if (mlirTypeIsAF16(e))
    *out = ATTN_DTYPE_F16;
  else if (mlirTypeIsABF16(e))
    *out = ATTN_DTYPE_BF16;
  else if (mlirTypeIsAF32(e))
    *out = ATTN_DTYPE_F32;
  else
    return false;
  return true;
}

static MlirNamedAttribute named(MlirContext ctx, const char *name, MlirAttribute a) {
  return mlirNamedAttributeGet(mlirIdentifierGet(ctx, mlirStringRefCreateFromCString(name)), a);
}

static MlirAttribute i64(MlirContext ctx, int64_t v) {
  return mlirIntegerAttrGet(mlirIntegerTypeGet(ctx, 64), v);
}

/* How a GPU tile pads the head dims (docs/limits.md, "Head dims"): the
 * tile's columns (d, dv) are the head dims rounded up to what the matrix
 * instructions take, the extra columns read as 0 and never written; align
 * is the alignment, in elements, of every row start the kernel may assume
 * (its copy width; attnrt checks it at launch). */
typedef struct {
  int64_t d, dv, align;
} TilePad;

static MlirAttribute tileAttr(MlirContext ctx, const AttnTileConfig *c, const char *target,
                              const char *source, AttnPagedMode paged, const TilePad *pad,
                              int64_t d, int64_t dv) {
  MlirNamedAttribute entries[11] = {
      named(ctx, "block_m", i64(ctx, c->blockM)),
      named(ctx, "block_n", i64(ctx, c->blockN)),
      named(ctx, "num_warps", i64(ctx, c->numWarps)),
      named(ctx, "num_stages", i64(ctx, c->numStages)),
      named(ctx, "kv_splits", i64(ctx, c->kvSplits)),
      named(ctx, "target", mlirStringAttrGet(ctx, mlirStringRefCreateFromCString(target))),
      named(ctx, "source", mlirStringAttrGet(ctx, mlirStringRefCreateFromCString(source))),
      named(ctx, "paged",
            mlirStringAttrGet(ctx, mlirStringRefCreateFromCString(
                                       paged == ATTN_PAGED_DECODE ? "decode" : "prefill"))),
  };
  intptr_t n = paged == ATTN_PAGED_NONE ? 7 : 8;
  /* Only what differs from the unpadded, 16-byte-aligned tiling, so that
   * kernels of the common head dims keep their attn.tile. */
  if (pad->d != d || pad->dv != dv) {
    entries[n++] = named(ctx, "d_tile", i64(ctx, pad->d));
    entries[n++] = named(ctx, "dv_tile", i64(ctx, pad->dv));
  }
  if (pad->align != 8)
    entries[n++] = named(ctx, "align", i64(ctx, pad->align));
  return mlirDictionaryAttrGet(ctx, n, entries);
}

static int64_t roundUp(int64_t x, int64_t m) { return (x + m - 1) / m * m; }

/* What decides whether an sm_90a tile pads its head dims to wgmma's 64. */
typedef struct {
  int64_t d, dv, align;
  bool eligible; /* f16/bf16 (not fp8), not paged, not a backward op, whole warpgroups */
} WgmmaPad;

/* sm_90a: a forward f16/bf16 op (not paged) whose head dims are not both
 * multiples of 64 pads them to 64 when D > 32: wgmma (128-byte swizzled
 * boxes) then runs it, which is faster than mma.sync on the narrower tile
 * (H200, bench/RESULTS.md: D = 72/80/96 on mma.sync reach 161-235 TFLOP/s,
 * D = 128 on wgmma 380-540, so even 128/72 of the work wins). Not below 33
 * (mostly padding), not past 256 (wgmma's N), not with rows aligned to
 * fewer than 2 elements (wgmma needs attn.align >= 2), not for paged tiles
 * and backward kernels, which take mma.sync anyway, nor for tiles that are
 * not whole warpgroups of 16-row warps (a block mask's query blocks below 64
 * rows, attn-tile's fitBlockMask), which attn-gpu-layout keeps on mma.sync. */
static bool wgmmaPads(const WgmmaPad *w) {
  if (!w || !w->eligible || w->d <= 32 || w->d > 256 || w->dv > 256 || w->align < 2)
    return false;
  /* D = 192's warp-specialized kernel spills 620 bytes (ptxas), padded ones
   * more: head dims in (128, 192) stay on mma.sync until it does not. */
  if (roundUp(w->d, 64) == 192 || roundUp(w->dv, 64) == 192)
    return false;
  return roundUp(w->d, 16) % 64 != 0 || roundUp(w->dv, 16) % 64 != 0;
}

/* The head-dim granules of a GPU target's matrix instructions: sm_90a's
 * mma.sync m16n8k16 takes 16 columns of Q/K per k-step and V in pairs of
 * 8-column n-tiles (ldmatrix.x4.trans); an AMD wave of R rows (32x32 or
 * 16x16 MFMA) reads Q in spans of 8 elements per lane group (64 / R groups)
 * and O^T in blocks of R head-dim rows; sm_90a pads to 64 where wgmmaPads
 * says. 0: no padding (the CPU). */
static void granules(const char *target, const AttnTileConfig *c, const WgmmaPad *w, int64_t *gd,
                     int64_t *gdv) {
  *gd = *gdv = 0;
  if (!strcmp(target, "sm_90a")) {
    *gd = *gdv = wgmmaPads(w) ? 64 : 16;
  } else if (!strncmp(target, "gfx", 3)) {
    int64_t r = c->numWarps > 0 && c->blockM / c->numWarps == 16 ? 16 : 32;
    *gd = 8 * (64 / r);
    *gdv = r;
  }
}

/* The op's attn.align (what the caller guarantees about its rows), else
 * the alignment of contiguous rows of its head dims. 0 after a located
 * error. */
static int64_t rowAlign(MlirOperation op) {
  int64_t v = attnOpRowAlign(op);
  if (v == 0)
    attnEmitOpError(op, "attn-tile", "has an attn.align other than 1, 2, 4 or 8 (elements)");
  return v;
}

static MlirAttribute gridAttr(MlirContext ctx, bool varlen, int64_t hq, const AttnTileConfig *c) {
  MlirAffineExpr d0 = mlirAffineDimExprGet(ctx, 0), d1 = mlirAffineDimExprGet(ctx, 1);
  MlirAffineExpr blockM = mlirAffineConstantExprGet(ctx, c->blockM);
  MlirAffineExpr heads = mlirAffineConstantExprGet(ctx, hq);
  MlirAffineExpr results[3];
  if (!varlen) {
    results[0] = mlirAffineCeilDivExprGet(d1, blockM);
    results[1] = mlirAffineMulExprGet(d0, heads);
  } else {
    results[0] = mlirAffineAddExprGet(mlirAffineCeilDivExprGet(d0, blockM), d1);
    results[1] = heads;
  }
  results[2] = mlirAffineConstantExprGet(ctx, c->kvSplits);
  return mlirAffineMapAttrGet(mlirAffineMapGet(ctx, 2, 0, 3, results));
}

/* attn.paged_attention's grid, (Tq, B, S) -> programs (docs/paged.md). */
static MlirAttribute pagedGridAttr(MlirContext ctx, AttnPagedMode mode, int64_t hq, int64_t hkv,
                                   int64_t blockM) {
  MlirAffineExpr d0 = mlirAffineDimExprGet(ctx, 0), d1 = mlirAffineDimExprGet(ctx, 1);
  MlirAffineExpr results[3];
  if (mode == ATTN_PAGED_DECODE) {
    int64_t group = hq / hkv, headTiles = (group + blockM - 1) / blockM;
    results[0] = d0;
    results[1] = mlirAffineConstantExprGet(ctx, hkv * headTiles);
  } else {
    results[0] = mlirAffineAddExprGet(
        mlirAffineCeilDivExprGet(d0, mlirAffineConstantExprGet(ctx, blockM)), d1);
    results[1] = mlirAffineConstantExprGet(ctx, hq);
  }
  results[2] = mlirAffineDimExprGet(ctx, 2);
  return mlirAffineMapAttrGet(mlirAffineMapGet(ctx, 3, 0, 3, results));
}

/* The op's attn.paged_mode, else prefill for static Tq > B, else decode.
 * Returns NONE (after a located error) for a bad attn.paged_mode. */
static AttnPagedMode pagedMode(MlirOperation op) {
  MlirAttribute a = attnGetAttr(op, "attn.paged_mode");
  if (!mlirAttributeIsNull(a)) {
    MlirStringRef v =
        mlirAttributeIsAString(a) ? mlirStringAttrGetValue(a) : (MlirStringRef){"", 0};
    if (mlirStringRefEqual(v, mlirStringRefCreateFromCString("decode")))
      return ATTN_PAGED_DECODE;
    if (mlirStringRefEqual(v, mlirStringRefCreateFromCString("prefill")))
      return ATTN_PAGED_PREFILL;
    attnEmitOpError(op, "attn-tile", "has an attn.paged_mode other than \"decode\" or \"prefill\"");
    return ATTN_PAGED_NONE;
  }
  int64_t tq = attnOperandDim(op, 0, 0), b = attnOperandDim(op, 4, 0);
  bool known = !mlirShapedTypeIsDynamicSize(tq) && !mlirShapedTypeIsDynamicSize(b);
  return known && tq > b ? ATTN_PAGED_PREFILL : ATTN_PAGED_DECODE;
}

/* attn.mla runs the decode kernel only (its rows are the query heads, which
 * share the latent rows); an explicit "prefill" hint is an error. */
static AttnPagedMode mlaMode(MlirOperation op) {
  MlirAttribute a = attnGetAttr(op, "attn.paged_mode");
  if (mlirAttributeIsNull(a) ||
      (mlirAttributeIsAString(a) &&
       mlirStringRefEqual(mlirStringAttrGetValue(a), mlirStringRefCreateFromCString("decode"))))
    return ATTN_PAGED_DECODE;
  attnEmitOpError(op, "attn-tile",
                  "has an attn.paged_mode other than \"decode\" (attn.mla has the decode kernel "
                  "only: its rows are the query heads of one token)");
  return ATTN_PAGED_NONE;
}

/* A KV tile is read in pieces of gcd(BS, BLOCK_N) rows, one per block it
 * touches; halving BLOCK_N bounds the pieces at 16 so tiny or odd block
 * sizes do not unroll without end. Not below 16, the smallest MMA k, and on
 * AMD not below a wave's rows: S^T = K Q^T takes keys in MFMA blocks of
 * that many rows (32 for the 32x32 instructions), so a 32-row wave may read
 * 32 pieces of one row. */
static int64_t pagedBlockN(int64_t blockN, int64_t bs, const char *target,
                           const AttnTileConfig *c) {
  int64_t least = 16;
  if (!strncmp(target, "gfx", 3) && c->numWarps > 0 && c->blockM / c->numWarps > least)
    least = c->blockM / c->numWarps;
  /* gfx950's MFMAs of 16-row waves (16x16x32) take P V's keys 32 at a time
   * (attn.mla's 16 heads on 4 waves: blocks of 1 token keep 32-key tiles) */
  if (!strcmp(target, "gfx950") && least < 32)
    least = 32;
  while (blockN > least && blockN / attnPagedPiece(bs, blockN) > 16)
    blockN /= 2;
  return blockN;
}

static int64_t gcd(int64_t a, int64_t b) {
  while (b != 0) {
    int64_t r = a % b;
    a = b;
    b = r;
  }
  return a;
}

/* A block mask's tiles nest in its blocks (docs/masks.md): block_m and
 * block_n (the table's or the options') become their gcd with q_block_size
 * and kv_block_size, so a program's rows lie in one query block and a KV
 * tile in one key block. On the GPUs a warp keeps the table's rows (one or
 * two MMA tiles, an AMD wave's MFMA block) and the warps follow block_m;
 * where block_m no longer holds such warps, or block_n no longer holds an
 * AMD wave's MFMA blocks of keys (S^T = K Q^T takes keys in blocks of the
 * wave's rows), a warp takes 16 rows (mma.sync m16n8k16, MFMA 16x16). Tiles
 * below 16 rows or 16 keys (32 on gfx950): an MMA tile, a k-step of P V,
 * are a located error.
 * Returns false after it. */
static bool fitBlockMask(MlirOperation op, const char *target, AttnTileConfig *c) {
  MlirAttribute qb =
      mlirOperationGetInherentAttributeByName(op, mlirStringRefCreateFromCString("q_block_size"));
  MlirAttribute kb =
      mlirOperationGetInherentAttributeByName(op, mlirStringRefCreateFromCString("kv_block_size"));
  if (mlirAttributeIsNull(qb) || mlirAttributeIsNull(kb))
    return true;
  int64_t rows = c->numWarps > 0 ? c->blockM / c->numWarps : 1;
  c->blockM = gcd(c->blockM, mlirIntegerAttrGetValueInt(qb));
  c->blockN = gcd(c->blockN, mlirIntegerAttrGetValueInt(kb));
  bool amd = !strncmp(target, "gfx", 3);
  if (!amd && strcmp(target, "sm_90a") != 0)
    return true; /* the CPU takes any tile */
  /* gfx950's 16 x 16 MFMA reduces 32 keys per step of P V (16x16x32), its
   * 32 x 32 one takes keys in blocks of 32 rows of K: 32 keys either way. */
  int64_t keys = !strcmp(target, "gfx950") ? 32 : 16;
  if (c->blockM % 16 || c->blockN % keys) {
    char message[320];
    snprintf(message, sizeof(message),
             "has a block mask (q_block_size = %lld, kv_block_size = %lld) whose blocks give "
             "%lld x %lld tiles, which target '%s' cannot run: its tiles nest in the blocks and "
             "take multiples of 16 rows and %lld keys (docs/masks.md)",
             (long long)mlirIntegerAttrGetValueInt(qb), (long long)mlirIntegerAttrGetValueInt(kb),
             (long long)c->blockM, (long long)c->blockN, target, (long long)keys);
    attnEmitOpError(op, "attn-tile", message);
    return false;
  }
  if (rows <= 0 || c->blockM % rows || (amd && c->blockN % rows))
    rows = 16;
  c->numWarps = c->blockM / rows;
  /* Below whole warpgroups sm_90a takes mma.sync (attn-gpu-layout) with
   * one 16-row tile per warp: at D = 128 a 16 x 128 S tile next to Q's
   * fragments and O spilled 164 bytes, at D = 64 with a window 64-key tiles
   * 8 bytes (ptxas); 32-key tiles spill at neither. */
  if (!amd && c->blockM % 64)
    c->blockN = gcd(c->blockN, 32);
  return true;
}

/* The table's entry for the query with the options' overrides applied;
 * -1 after a located error. */
/* The forward's dropout keeps the Philox words of every element of S live
 * next to the accumulators: on sm_90a a 64-row tile of 64 keys spills (ptxas:
 * 150-310 bytes at D = 64, wgmma or mma.sync), one of 32 keys does not (204
 * registers); and the warp-specialized 128-row kernels, whose consumers get
 * 168 registers, spill at D = 128 causal (4 bytes) and D = 256 (540), so
 * dropout kernels take one warpgroup of 64 rows. Applied before the options,
 * which may still ask for more. */
static void capDropoutTile(MlirOperation op, const AttnTileOptions *o, int64_t headDim,
                           AttnTileConfig *config) {
  if (!attnHasDropout(op) || attnIsBackwardOp(op) || strcmp(o->target, "sm_90a") != 0)
    return;
  int64_t cap = headDim > 128 ? 16 : 32;
  if (config->blockN > cap)
    config->blockN = cap;
  if (config->blockM > 64 && config->numWarps * 16 == config->blockM) {
    config->blockM = 64;
    config->numWarps = 4;
  }
}

static int lookUp(MlirOperation op, const AttnConfigTable *table, const AttnTileQuery *query,
                  const AttnTileOptions *o, AttnTileConfig *config) {
  int entry = attnConfigTableLookup(table, query, config);
  char err[256];
  if (entry >= 0)
    capDropoutTile(op, o, query->headDim, config);
  if (entry < 0 || attnTileConfigOverride(config, o->overrides, err, sizeof(err)) != 0) {
    attnEmitOpError(op, "attn-tile", entry < 0 ? "matches no config entry" : err);
    return -1;
  }
  return entry;
}

/* The fp8 format of a chip (docs/fp8.md): NVIDIA sm_90a and gfx950 have
 * e4m3 with bias 7 (f8E4M3FN), gfx942 the bias-8 one (f8E4M3FNUZ); the CPU
 * takes both (it is the numerics oracle for both chips). An op in a format
 * its chip lacks is refused here, where the op is still there to point at. */
static bool fp8FormatOk(MlirOperation op, const char *target) {
  bool sage = attnOpIsSage(op); /* SAGE: the fp8 type is v's (q and k are i8) */
  if (!attnOpIsFp8(op) && !sage)
    return true;
  MlirType e =
      mlirShapedTypeGetElementType(mlirValueGetType(mlirOperationGetOperand(op, sage ? 2 : 1)));
  bool fn = mlirTypeIsAFloat8E4M3FN(e);
  const char *want = !strcmp(target, "gfx942")                                ? "f8E4M3FNUZ"
                     : !strcmp(target, "sm_90a") || !strcmp(target, "gfx950") ? "f8E4M3FN"
                                                                              : NULL;
  if (!want || !strcmp(want, fn ? "f8E4M3FN" : "f8E4M3FNUZ"))
    return true;
  char message[300];
  snprintf(message, sizeof(message),
           "has %s operands, a format target '%s' lacks (it takes %s; sm_90a and gfx950 take "
           "f8E4M3FN, gfx942 f8E4M3FNUZ, the CPU both)",
           fn ? "f8E4M3FN" : "f8E4M3FNUZ", target, want);
  attnEmitOpError(op, "attn-tile", message);
  return false;
}

static bool hasInherent(MlirOperation op, const char *name) {
  return !mlirAttributeIsNull(
      mlirOperationGetInherentAttributeByName(op, mlirStringRefCreateFromCString(name)));
}

/* The config key score_mods: whether the op changes the scores beyond the
 * causal mask (softcap, ALiBi, a window bound, dropout). Each adds live
 * values to the backward's loops: at D = 128 the sm_90a table gives 32-query
 * tiles only to ops without them (config/sm_90a-MHA-BWD.json). */
static bool scoreMods(MlirOperation op) {
  /* the verifiers keep softcap > 0 and window bounds >= 0 where present */
  return hasInherent(op, "softcap") || hasInherent(op, "window_left") ||
         hasInherent(op, "window_right") || !mlirValueIsNull(attnOpAlibi(op)) || attnHasDropout(op);
}

static bool tileOp(MlirOperation op, const AttnTileOptions *o, const AttnConfigTable *table) {
  bool varlen = attnIsOp(op, "attn.mha_varlen") || attnIsOp(op, "attn.mha_varlen_bwd");
  bool mla = attnIsOp(op, "attn.mla");
  bool paged = attnIsOp(op, "attn.paged_attention") || mla;
  if (!varlen && !paged && !attnIsOp(op, "attn.mha") && !attnIsOp(op, "attn.mha_bwd")) {
    attnEmitOpError(op, "attn-tile", "has no tiling");
    return false;
  }
  if (!fp8FormatOk(op, o->target))
    return false;
  AttnTileQuery query;
  memset(&query, 0, sizeof(query));
  if (!dtypeOf(op, &query.dtype)) {
    attnEmitOpError(op, "attn-tile", "has an element type without a tile configuration");
    return false;
  }
  query.headDim = attnOperandDim(op, 0, varlen || paged ? 2 : 3);
  query.causal = !mlirAttributeIsNull(
      mlirOperationGetInherentAttributeByName(op, mlirStringRefCreateFromCString("causal")));
  query.varlen = varlen || paged;
  query.scoreMods = scoreMods(op);
  if (paged && (query.paged = mla ? mlaMode(op) : pagedMode(op)) == ATTN_PAGED_NONE)
    return false;
  int64_t d = query.headDim, dv = attnOpValueDim(op);
  TilePad pad = {d, dv, rowAlign(op)};
  if (pad.align == 0)
    return false;
  AttnTileConfig config;
  bool blockMask = !mlirValueIsNull(attnOpBlockMask(op, ATTN_KV_NUM_BLOCKS));
  int entry = lookUp(op, table, &query, o, &config);
  if (entry < 0 || (blockMask && !fitBlockMask(op, o->target, &config)))
    return false;
  /* A padded head dim takes the table entry of the padded width: its tile
   * is that wide (D = 100 runs as D = 112 does). */
  int64_t gd, gdv;
  /* fp8 ops take mma.sync on sm_90a (docs/fp8.md): no wgmma padding */
  WgmmaPad wp = {d, dv, pad.align,
                 !paged && !attnIsBackwardOp(op) && !attnOpIsFp8(op) &&
                     (query.dtype == ATTN_DTYPE_BF16 || query.dtype == ATTN_DTYPE_F16) &&
                     config.blockM % 64 == 0 && config.numWarps * 16 == config.blockM};
  granules(o->target, &config, &wp, &gd, &gdv);
  if (gd > 0 && (d % gd || dv % gdv)) {
    query.headDim = roundUp(d, gd);
    if ((entry = lookUp(op, table, &query, o, &config)) < 0 ||
        (blockMask && !fitBlockMask(op, o->target, &config)))
      return false;
    granules(o->target, &config, &wp, &gd, &gdv);
    pad.d = roundUp(d, gd);
    pad.dv = roundUp(dv, gdv);
  }
  if (gd == 0)
    pad.align = 8; /* the CPU reads rows of any alignment */
  if (!paged && config.kvSplits != 1) {
    attnEmitOpError(op, "attn-tile",
                    "has kv_splits != 1: split-KV is implemented for attn.paged_attention only");
    return false;
  }
  if (paged)
    config.blockN = pagedBlockN(config.blockN, attnOperandDim(op, 1, 1), o->target, &config);
  size_t line = 0, col = 0;
  attnConfigTableEntryLocation(table, (size_t)entry, &line, &col);
  char source[1200];
  /* The file name only: IR must not depend on where the tree lives. */
  const char *path = attnConfigTablePath(table), *slash = strrchr(path, '/');
  snprintf(source, sizeof(source), "%s:%zu%s", slash ? slash + 1 : path, line,
           o->overrides[0] ? " + options" : "");
  MlirContext ctx = mlirOperationGetContext(op);
  attnSetAttr(op, "attn.tile", tileAttr(ctx, &config, o->target, source, query.paged, &pad, d, dv));
  int64_t hq = attnOperandDim(op, 0, 1);
  attnSetAttr(
      op, "attn.grid",
      paged ? pagedGridAttr(ctx, query.paged, hq, mla ? 1 : attnOperandDim(op, 1, 2), config.blockM)
            : gridAttr(ctx, varlen, hq, &config));
  return true;
}

/* The target's table: <target>-MHA-DEFAULT.json, or for the backward ops
 * <target>-MHA-BWD.json where the target has one (their kernels hold more
 * tiles per program than the forward's: sm_90a), else the forward's. */
static AttnConfigTable *loadTable(MlirOperation op, const AttnTileOptions *o, bool bwd) {
  char path[1200], err[512];
  snprintf(path, sizeof(path), "%s/%s-MHA-BWD.json", o->configDir, o->target);
  FILE *probe = bwd ? fopen(path, "r") : NULL;
  if (probe)
    fclose(probe);
  else
    snprintf(path, sizeof(path), "%s/%s-MHA-DEFAULT.json", o->configDir, o->target);
  AttnConfigTable *table = attnConfigTableLoad(path, err, sizeof(err));
  if (!table) {
    char message[600];
    snprintf(message, sizeof(message), "cannot be tiled for target '%s': %s", o->target, err);
    attnEmitOpError(op, "attn-tile", message);
  }
  return table;
}

static void run(MlirOperation root, MlirExternalPass pass, const void *options) {
  const AttnTileOptions *o = options;
  AttnOpList list = attnCollectAttnOps(root);
  bool ok = !list.outOfMemory;
  AttnConfigTable *tables[2] = {NULL, NULL}; /* forward, backward */
  for (size_t i = 0; ok && i < list.count; ++i) {
    bool bwd = attnIsBackwardOp(list.ops[i]);
    if (!tables[bwd] && !(tables[bwd] = loadTable(list.ops[i], o, bwd)))
      ok = false;
    else
      ok &= tileOp(list.ops[i], o, tables[bwd]);
  }
  attnConfigTableDestroy(tables[0]);
  attnConfigTableDestroy(tables[1]);
  attnOpListFree(&list);
  if (!ok)
    mlirExternalPassSignalFailure(pass);
}

static const int64_t passId = 0;

static const AttnPassInfo info = {&passId, "AttnTile", "attn-tile",
                                  "Choose tile configurations and form the program grid", NULL};

MlirPass attnCreateTilePass(const char *options, char *err, size_t errLen) {
  AttnTileOptions o;
  if (!parseOptions(options, strlen(options), &o, err, errLen))
    return (MlirPass){NULL};
  MlirPass pass = attnCreateOptionsPass(&info, &o, sizeof(o), run);
  if (!pass.ptr)
    snprintf(err, errLen, "attn-tile: out of memory");
  return pass;
}
