/*===- attn-lower-amdgpu.c - kernel IR -> AMD GPU kernels (MFMA, LDS) ------===*
 *
 * Lowers each kernel function of the kernel IR (docs/kernel-ir.md) to a
 * `gpu.func` in `gpu.module @attn_kernels`: one program is one workgroup of
 * num_warps wave64 waves, wave w owning query rows [w*R, w*R + R) of the
 * BLOCK_M tile (R = BLOCK_M / num_warps, 32 or 16: the MFMA block). The
 * launch declaration becomes a `gpu.launch_func` of that kernel.
 *
 * Layouts (per lane `lane`, g = lane / R, r = lane % R, row = w*R + r). The
 * kernel computes S^T = K Q^T and O^T = V^T P^T, so every query row lives in
 * one lane column of the MFMA blocks and all per-row state is per lane:
 *   - a row vector vector<BM x T> is one scalar per lane (its row's value);
 *   - a tile vector<BM x C x T> is C/R blocks vector<c_per_lane x T>: element
 *     e of block t is column t*R + crow(e, g), crow the MFMA C-layout row
 *     (MfmaLayout.h), which is the key (S) or head-dim (O) index;
 *   - Q is kept in registers as MFMA B fragments (Q^T), loaded once with
 *     128-bit global loads: the QK reduction walks the head dim in chunks of
 *     8 elements per lane (two k-steps of a 4-element instruction), which the
 *     K fragments, read from LDS with the same order, match;
 *   - a K/V tile is staged in LDS by the whole workgroup (128-bit global
 *     loads, rows padded by a_per_lane elements so the fragment reads of
 *     consecutive rows fall in different banks); K fragments are 64/128-bit
 *     LDS reads, V^T fragments element reads in the key order of P's blocks.
 * Because the C layout of S^T is the B layout of P^T, P feeds the PV MFMAs
 * straight from registers.
 *
 * fp8 q and k (attn-gpu-layout's "mfma.<M>x<N>x<K>.fp8.rs" on Q K^T): Q's and
 * K's tiles stay e4m3 bytes, Q's as the fp8 MFMA's operands in registers,
 * K's two to an element of the 16-bit LDS buffer (lowerReadQBytes,
 * writeChunk, lowerQKBytes). With P rounded to e4m3 in the kernel IR
 * (attn-online-softmax{fp8-p}; "mfma...fp8.rs" on P V too) P's blocks
 * become bytes (convertFp8: v_cvt_pk_fp8_f32) and V^T is staged as bytes,
 * two keys a 16-bit element (stagePairs, lowerPVBytes); otherwise V is
 * dequantized for the 16-bit P V.
 *
 * Pipelining (attn.kernel num_stages >= 2). K and V get an LDS buffer each.
 * In a KV loop whose tiles' addresses depend only on its induction variable
 * (and values from outside it), with global loads into registers (there is
 * no asynchronous copy to LDS on gfx942):
 *     before the loop:  barrier; K[lb] -> K's buffer; barrier
 *     K read:   global loads of V[n]                 (land during QK^T, softmax)
 *     V read:   V[n] -> V's buffer; barrier; global loads of K[n + step]
 *     after PV: K[n + step] -> K's buffer; barrier   (the loads land during PV)
 * Two barriers per iteration instead of four; each also ends every wave's
 * reads of the buffer written after it. A tile is read at another iteration
 * by rebuilding its addresses there (attnGpuTileReadAt, as the NVIDIA
 * target does). Other reads are staged where they are, in the first buffer. Row reductions reduce a
 *lane's elements, then across its g lane groups with xor shuffles (gpu.shuffle).
 *
 * The target-independent part (value forms, element-wise ops, reductions,
 * loops, stores, the gpu.func and its launch) is GpuLower.c; this file is
 * the AMD target of it: layouts, MFMA, LDS staging, lane reductions.
 * exp2/log2 become the
 * hardware's v_exp_f32 / v_log_f32 (rocdl.exp2 / rocdl.log), whose inputs
 * here are never denormal-sensitive (exp2 of a logit difference <= 0).
 *
 *===----------------------------------------------------------------------===*/

#include "GpuLower.h"
#include "MfmaLayout.h"
#include "Passes.h"

#include "mlir-c/BuiltinAttributes.h"
#include "mlir-c/BuiltinTypes.h"
#include "mlir-c/Dialect/LLVM.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const passName = "attn-lower-amdgpu";
enum { WAVE = 64, CHUNK = 8 /* elements per 128-bit load */ };

/* Chunks of one tile a thread may hold in registers between its global
 * loads and its LDS writes: 4 for the 64 x 128 and 32 x 256 tiles of 16-bit
 * elements of 4 waves. A tile of many pieces (a paged cache of blocks of one
 * token: a partial pass per piece) is staged where it is read instead. */
enum { MAX_STAGED = 16 };

/* A K/V tile loaded from global memory into a thread's registers, to be
 * written to LDS later: chunk i is `value[i]`, for LDS row `row[i]` (a key
 * of K; a head-dim column of V^T when transposed) and column `col[i]`;
 * `has[i]` (null: always) whether the thread has that chunk (the last pass
 * over a piece may be partial). */
typedef struct {
  int n;
  MlirValue value[MAX_STAGED], row[MAX_STAGED], col[MAX_STAGED], has[MAX_STAGED];
  /* stagePairs' chunks: value[i] holds key 2p's bytes and high[i] key
   * 2p + 1's, interleaved at the write (writeStaged) so that the wait for
   * the loads comes there, not at the loads (null for other chunks) */
  MlirValue high[MAX_STAGED];
  int64_t tileRow[MAX_STAGED];
} Staged;

/* num_stages >= 2: the KV loop being pipelined (see the file comment). */
typedef struct {
  MlirOperation oldLoop;  /* the kernel IR loop, or null */
  MlirValue iv, ub, step; /* the new loop's */
  MlirValue kTile, vTile; /* kernel IR: the K and V operands of its matmuls */
  Staged pending;         /* V[n] (after the K read), K[n + step] (after the V read) */
  bool pendingK;          /* pending holds K[n + step], for the end of PV */
  bool kBytes;            /* K is an fp8 Q K^T's byte tile (keepsBytes) */
  bool vBytes;            /* V is an fp8 P V's byte tile (keepsBytes) */
  int64_t kStride;        /* K's LDS row stride */
  int64_t vStride;        /* V^T's LDS row stride */
} AmdPipe;

/* The AMD part of the lowering state. */
typedef struct {
  const AttnMfmaInstr *mma;
  /* fp8 Q K^T (attn.layout "mfma.<M>x<N>x<K>.fp8.rs"): its MFMA, on Q and K
   * kept as e4m3 bytes; null: Q K^T takes `mma` */
  const AttnMfmaInstr *qk;
  /* fp8 P V (P rounded to e4m3 by attn-online-softmax{fp8-p}): its MFMA,
   * on P's blocks as bytes and V^T's byte tile; null: P V takes `mma` */
  const AttnMfmaInstr *pv;
  bool permlaneSwap; /* gfx950: v_permlane{16,32}_swap for cross-row reductions */
  int R, G, KPL, K;
  int crowBase[16], crowDelta[16];
  MlirValue g, lr;
  int stages;     /* attn.kernel's num_stages: >= 2 pipelines KV loops, K and V in two buffers */
  bool dualTiles; /* a forward kernel stages a tile both ways (attn.mla's K, whose prefix is V) */
  AmdPipe pipe;
} AmdState;

static AmdState *A(AttnGpuLower *L) { return L->state; }
static MlirValue cIdx(AttnBuilder *b, int64_t v) { return attnConstIndex(b, v); }

/*===--- Q, K, V ------------------------------------------------------------------===*/

/* fp8 K/V tiles (paged KV caches, docs/fp8.md) are loaded as bytes (half the
 * global traffic of a 16-bit cache) and dequantized, exactly, to q's 16-bit
 * type in registers before the LDS store, so the LDS tiles and the MFMAs
 * are those of a 16-bit tile. v_cvt_pk_f32_fp8 converts two bytes of a
 * dword (wordSel: the low or the high half) in the chip's own fp8 format:
 * FNUZ on gfx942, OCP e4m3fn on gfx950, which attn-tile matched to the
 * cache's type. f32 -> f16 / bf16 is exact (every e4m3 value is both). */
static MlirValue dequantTo(AttnGpuLower *L, AttnBuilder *b, MlirValue raw, MlirType elem) {
  MlirContext ctx = L->ctx;
  MlirType i8 = mlirIntegerTypeGet(ctx, 8), i32 = mlirIntegerTypeGet(ctx, 32);
  MlirType i1 = mlirIntegerTypeGet(ctx, 1), f32 = mlirF32TypeGet(ctx);
  int n = (int)attnGpuDim(raw, 0);
  MlirValue bytes = attnGpuOp1(b, "arith.bitcast", 1, &raw, attnGpuVecT(n, i8), 0, NULL);
  MlirValue words = attnGpuOp1(b, "vector.bitcast", 1, &bytes, attnGpuVecT(n / 4, i32), 0, NULL);
  MlirValue pairs[32];
  for (int w = 0; w < n / 4; ++w) {
    MlirValue word = attnGpuExtract(L, b, words, w);
    for (int half = 0; half < 2; ++half) {
      MlirNamedAttribute sel = attnNamedAttr(b, "wordSel", mlirIntegerAttrGet(i1, half));
      pairs[2 * w + half] =
          attnGpuOp1(b, "rocdl.cvt.pk.f32.fp8", 1, &word, attnGpuVecT(2, f32), 1, &sel);
    }
  }
  for (int m = n / 2; m > 1; m /= 2) /* concatenated pairwise */
    for (int i = 0; i < m / 2; ++i)
      pairs[i] = attnGpuConcat(L, b, pairs[2 * i], pairs[2 * i + 1]);
  return mlirTypeIsAF32(elem)
             ? pairs[0]
             : attnGpuOp1(b, "arith.truncf", 1, &pairs[0], attnGpuVecT(n, elem), 0, NULL);
}

static MlirValue dequantChunk(AttnGpuLower *L, AttnBuilder *b, MlirValue raw) {
  return dequantTo(L, b, raw, L->elem);
}

/* f32 x (a vector of a multiple of 4) rounded to the chip's e4m3 (`type`):
 * v_cvt_pk_fp8_f32 rounds two values (to nearest even) into a half of a
 * dword, four a dword. Not saturating: P * 2^s (attn-online-softmax{fp8-p},
 * its only user) is at most 2^s, below both formats' largest value. */
static MlirValue quantize(AttnGpuLower *L, AttnBuilder *b, MlirValue x, MlirType type) {
  MlirContext ctx = L->ctx;
  MlirType i32 = mlirIntegerTypeGet(ctx, 32), i1 = mlirIntegerTypeGet(ctx, 1);
  int n = (int)attnGpuDim(x, 0);
  MlirValue words[16];
  for (int w = 0; w < n / 4; ++w) {
    MlirValue word = attnGpuOp1(b, "llvm.mlir.undef", 0, NULL, i32, 0, NULL);
    for (int half = 0; half < 2; ++half) {
      MlirValue operands[3] = {attnGpuExtract(L, b, x, 4 * w + 2 * half),
                               attnGpuExtract(L, b, x, 4 * w + 2 * half + 1), word};
      MlirNamedAttribute sel = attnNamedAttr(b, "wordSel", mlirIntegerAttrGet(i1, half));
      word = attnGpuOp1(b, "rocdl.cvt.pk.fp8.f32", 3, operands, i32, 1, &sel);
    }
    words[w] = word;
  }
  MlirValue packed =
      attnGpuOp1(b, "vector.from_elements", n / 4, words, attnGpuVecT(n / 4, i32), 0, NULL);
  MlirValue bytes = attnGpuOp1(b, "vector.bitcast", 1, &packed,
                               attnGpuVecT(n, mlirIntegerTypeGet(ctx, 8)), 0, NULL);
  return attnOp1(b, "arith.bitcast", 1, &bytes, type);
}

/* arith.truncf to / arith.extf from e4m3 of a computed block (P rounded to
 * e4m3, attn-online-softmax{fp8-p}): the chip's conversions. */
static MlirValue convertFp8(AttnGpuLower *L, AttnBuilder *b, MlirValue x, MlirType type) {
  if (attnIsFp8Type(attnGpuElemOf(x)))
    return dequantTo(L, b, x, mlirShapedTypeGetElementType(type));
  return quantize(L, b, x, type);
}

/* CHUNK elements of a row: one 128-bit load where the rows are 16-byte
 * aligned and the chunk lies in the head dim, else pieces the alignment
 * allows, those past the head dim of a padded tile 0 (attnGpuLoadRun).
 * Where `valid` (null: always) is false, the padding. An fp8 row is loaded
 * in its own type (CHUNK bytes) and dequantized to L->elem (dequantChunk). */
static MlirValue loadChunk(AttnGpuLower *L, AttnBuilder *b, const AttnTransfer *x,
                           const MlirValue *idx, MlirValue valid, MlirType chunkType,
                           bool keepBytes) {
  MlirType memElem = mlirShapedTypeGetElementType(mlirValueGetType(x->mem));
  bool fp8 = attnIsFp8Type(memElem);
  if (fp8)
    chunkType = attnGpuVecT(CHUNK, memElem);
  MlirValue v;
  if (attnGpuRunPiece(x, CHUNK) == CHUNK && x->cols == INT64_MAX)
    v = mlirValueIsNull(valid)
            ? attnGpuLoad(b, chunkType, x->mem, x->rank, idx)
            : attnGpuGuardedLoad(b, valid, chunkType, x->mem, x->rank, idx, x->pad);
  else
    v = attnGpuLoadRun(L, b, x, idx, valid, CHUNK, fp8 ? memElem : L->elem);
  return fp8 && !keepBytes ? dequantChunk(L, b, v) : v;
}

/*===--- fp8 Q K^T on the fp8 MFMA --------------------------------------------===*/

/* Whether `op` is the arith.extf of an fp8 tile that attn-gpu-layout kept as
 * bytes for the fp8 MFMA ("regs.mfma_a.fp8", "lds.pad.fp8"). */
static bool keepsBytes(MlirOperation op) {
  MlirAttribute a = attnGetAttr(op, "attn.layout");
  if (!attnIsOp(op, "arith.extf") || mlirAttributeIsNull(a) || !mlirAttributeIsAString(a))
    return false;
  MlirStringRef t = mlirStringAttrGetValue(a);
  return t.length > 4 && !memcmp(t.data + t.length - 4, ".fp8", 4);
}

/* The operand of fp8 MFMA `in` of `bytes` (vector<a_per_lane x e4m3 or
 * i8>): i64 for 8 bytes, vector<8xi32> for gfx950's f8f6f4 (32). */
static MlirValue fp8Operand(AttnGpuLower *L, AttnBuilder *b, MlirValue bytes,
                            const AttnMfmaInstr *in) {
  int n = in->a_per_lane;
  MlirType i8 = attnIntType(b, 8);
  MlirValue raw = mlirTypeEqual(attnGpuElemOf(bytes), i8)
                      ? bytes
                      : attnOp1(b, "arith.bitcast", 1, &bytes, attnGpuVecT(n, i8));
  if (n == 8) {
    MlirValue one =
        attnGpuOp1(b, "vector.bitcast", 1, &raw, attnGpuVecT(1, attnIntType(b, 64)), 0, NULL);
    return attnGpuExtract(L, b, one, 0);
  }
  return attnGpuOp1(b, "vector.bitcast", 1, &raw, attnGpuVecT(n / 4, attnIntType(b, 32)), 0, NULL);
}

/* Bytes of an fp8 K tile in the 16-bit LDS buffer, two per element: a row
 * of cols bytes takes cols / 2 elements, padded by 8 bytes (64-bit fragment
 * reads) or 16 (128-bit ones, f8f6f4) so that consecutive rows' reads start
 * 2 or 4 banks apart (as the 16-bit tiles' a_per_lane padding). */
static int64_t byteStride(const AttnGpuLower *L, int64_t cols) {
  int padBytes = ((const AmdState *)L->state)->qk->a_per_lane >= 16 ? 16 : 8;
  return cols / 2 + padBytes / 2;
}

/* V^T's byte tile (fp8 P V) in the 16-bit LDS buffer: a head-dim row of
 * `rows` keys takes rows / 2 elements, padded by 2 (4 bytes): the 32-bit
 * fragment reads of 32 consecutive rows then start an odd number of banks
 * apart (rows / 4 + 1 for 64 or 128 keys) and do not conflict. */
static int64_t vByteStride(int64_t rows) { return rows / 2 + 2; }

/* Q as fp8 MFMA operands: fragment s holds, in lane group g, head-dim
 * columns s*K + g*a_per_lane + [0, a_per_lane): a_per_lane / 8 byte chunks
 * (8-byte global loads), never dequantized. K's fragments read the same
 * columns of its byte tile (lowerQK). */
static void lowerReadQBytes(AttnGpuLower *L, AttnBuilder *b, MlirOperation op,
                            const AttnTransfer *x) {
  const AttnMfmaInstr *in = A(L)->qk;
  MlirValue res = mlirOperationGetResult(op, 0);
  int64_t d = attnGpuDim(res, 1);
  if (!in || attnGpuDim(res, 0) != L->bm || d % in->k) {
    attnGpuFail(L, op, "keeps an fp8 Q tile whose head dim is not a multiple of its fp8 MFMA's K");
    return;
  }
  int steps = (int)(d / in->k), perFrag = in->a_per_lane / CHUNK;
  if (perFrag < 1 || perFrag > 32 / CHUNK || (perFrag & (perFrag - 1))) {
    attnGpuFail(L, op, "keeps an fp8 Q tile for an MFMA of an operand size it does not handle");
    return;
  }
  MlirValue *frags = attnGpuNewBlocks(L, steps);
  if (!frags)
    return;
  MlirType memElem = mlirShapedTypeGetElementType(mlirValueGetType(x->mem));
  MlirValue idx[4];
  for (int s = 0; s < steps; ++s) {
    MlirValue chunks[32 / CHUNK]; /* a_per_lane <= 32 */
    for (int j = 0; j < perFrag; ++j) {
      MlirValue col = attnAddI(b, attnMulI(b, A(L)->g, cIdx(b, in->a_per_lane)),
                               cIdx(b, (int64_t)s * in->k + (int64_t)j * CHUNK));
      attnGpuShifted(b, x, L->rowBase[0], col, idx);
      MlirValue valid = x->rowsInBounds ? attnNullValue() : attnGpuRowValid(b, x, idx[x->rowDim]);
      chunks[j] = loadChunk(L, b, x, idx, valid, attnGpuVecT(CHUNK, memElem), true);
    }
    for (int m = perFrag; m > 1; m /= 2) /* concatenated pairwise (equal halves) */
      for (int i = 0; i < m / 2; ++i)
        chunks[i] = attnGpuConcat(L, b, chunks[2 * i], chunks[2 * i + 1]);
    frags[s] = fp8Operand(L, b, chunks[0], in);
  }
  attnGpuPut(L, res,
             (AttnRep){.kind = ATTN_REP_QFRAG, .nb = steps, .blocks = frags, .bytes = true});
}

/* Q: MFMA B fragments kept in registers, one 128-bit load per lane and chunk
 * of CHUNK head-dim elements; rows past the tensor read the padding. */
static void lowerReadQ(AttnGpuLower *L, AttnBuilder *b, MlirOperation op, const AttnTransfer *x) {
  if (keepsBytes(op)) {
    lowerReadQBytes(L, b, op, x);
    return;
  }
  MlirValue res = mlirOperationGetResult(op, 0);
  int64_t d = attnGpuDim(res, 1), span = (int64_t)A(L)->G * CHUNK;
  if (attnGpuDim(res, 0) != L->bm || d % span) {
    attnGpuFail(L, op,
                "reads a Q tile whose head dim is not a multiple of 8 elements per lane group");
    return;
  }
  int steps = (int)(d / A(L)->K), perChunk = CHUNK / A(L)->KPL;
  MlirValue *frags = attnGpuNewBlocks(L, steps);
  if (!frags)
    return;
  MlirValue idx[4];
  MlirType chunkType = attnGpuVecT(CHUNK, attnGpuElemOf(res));
  for (int64_t c = 0; c < d / span; ++c) {
    MlirValue col = attnAddI(b, attnMulI(b, A(L)->g, cIdx(b, CHUNK)), cIdx(b, c * span));
    attnGpuShifted(b, x, L->rowBase[0], col, idx);
    MlirValue valid = x->rowsInBounds ? attnNullValue() : attnGpuRowValid(b, x, idx[x->rowDim]);
    MlirValue v = loadChunk(L, b, x, idx, valid, chunkType, false);
    for (int j = 0; j < perChunk; ++j)
      frags[c * perChunk + j] = attnGpuSlice(L, b, v, (int64_t)j * A(L)->KPL, A(L)->KPL);
  }
  attnGpuPut(L, res, (AttnRep){.kind = ATTN_REP_QFRAG, .nb = steps, .blocks = frags});
}

/* Copies `rows` rows read through x (from its row index on; rows past the
 * memref read the padding) into rows [tileRow, tileRow + rows) of the LDS
 * tile of leading dim `stride`. Row-major: consecutive threads walk a row's
 * chunks (coalesced loads, contiguous 128-bit LDS writes). Transposed:
 * consecutive threads walk the rows (keys), so each of the 8 element writes
 * of a wave is one LDS row. When the workgroup covers whole rows (columns)
 * per pass, a thread's chunks differ by constant rows (columns): its
 * addresses are computed once. */
/* Writes one chunk v (row, col of the tile as stageRows computes them) into
 * the LDS tile at element `base`. */
static void writeChunk(AttnGpuLower *L, AttnBuilder *b, MlirValue v, MlirValue row, MlirValue col,
                       int64_t tileRow, int64_t stride, int64_t base, bool transposed) {
  /* An fp8 K tile's bytes, two per element, row-major (lowerReadTile keeps
   * bytes for K tiles only, never transposed ones). */
  if (attnIsFp8Type(attnGpuElemOf(v))) {
    MlirValue raw = attnOp1(b, "arith.bitcast", 1, &v, attnGpuVecT(CHUNK, attnIntType(b, 8)));
    MlirValue pairs = attnGpuOp1(b, "vector.bitcast", 1, &raw,
                                 attnGpuVecT(CHUNK / 2, attnIntType(b, 16)), 0, NULL);
    v = attnOp1(b, "arith.bitcast", 1, &pairs, attnGpuVecT(CHUNK / 2, L->elem));
    col = attnGpuUDiv(b, col, 2);
  }
  if (transposed) {
    MlirValue at = attnAddI(b, attnMulI(b, col, cIdx(b, stride)), row);
    for (int e = 0; e < CHUNK; ++e) {
      MlirValue a = attnAddI(b, at, cIdx(b, e * stride + tileRow + base));
      attnStore(b, attnGpuExtract(L, b, v, e), L->smem, 1, &a);
    }
  } else {
    MlirValue at = attnAddI(b, attnMulI(b, row, cIdx(b, stride)), col);
    if (tileRow * stride + base)
      at = attnAddI(b, at, cIdx(b, tileRow * stride + base));
    attnGpuStore(b, v, L->smem, 1, &at);
  }
}

/* The workgroup's walk over `total` chunks of a tile, `walk` of them along
 * the fast dim: thread t's chunk in pass i is c = t + i * threads, at
 * (c % walk, c / walk). With a whole number of fast runs per pass the
 * coordinates are the first pass's plus constant slow steps. */
typedef struct {
  int64_t walk, total, threads;
  bool uniformStep;
  MlirValue fast, slow; /* pass 0's */
} StageWalk;

/* Pass i of a walk: the chunk's coordinates and whether the thread has one
 * (`has`, null when every thread does). */
typedef struct {
  MlirValue fast, slow, has;
  bool partial;
} StagePass;

static StageWalk stageWalk(AttnGpuLower *L, AttnBuilder *b, int64_t walk, int64_t total) {
  StageWalk w = {.walk = walk, .total = total, .threads = (int64_t)L->W * WAVE};
  w.uniformStep = w.threads % walk == 0;
  w.fast = attnGpuURem(b, L->tid, walk);
  w.slow = attnGpuUDiv(b, L->tid, walk);
  return w;
}

static StagePass stagePass(AttnGpuLower *L, AttnBuilder *b, const StageWalk *w, int64_t i) {
  MlirValue c = attnAddI(b, L->tid, cIdx(b, i * w->threads));
  StagePass p = {.partial = (i + 1) * w->threads > w->total, .fast = w->fast};
  p.has = p.partial ? attnCmpI(b, ATTN_CMPI_SLT, c, cIdx(b, w->total)) : attnNullValue();
  p.slow = attnAddI(b, w->slow, cIdx(b, i * w->threads / w->walk));
  if (!w->uniformStep) {
    p.fast = attnGpuURem(b, c, w->walk);
    p.slow = attnGpuUDiv(b, c, w->walk);
  }
  return p;
}

/* The chunk at (row, col) of piece x in pass `ps`: padding past the rows;
 * with `deferred` loads also padding where the thread has no chunk (no
 * guard encloses them). */
static MlirValue loadPassChunk(AttnGpuLower *L, AttnBuilder *b, const AttnTransfer *x,
                               MlirValue row, MlirValue col, const StagePass *ps, bool deferred,
                               bool keepBytes) {
  MlirValue idx[4];
  attnGpuShifted(b, x, row, col, idx);
  MlirValue valid = x->rowsInBounds ? attnNullValue() : attnGpuRowValid(b, x, idx[x->rowDim]);
  if (deferred && ps->partial)
    valid = mlirValueIsNull(valid) ? ps->has : attnAndI(b, ps->has, valid);
  return loadChunk(L, b, x, idx, valid, attnGpuVecT(CHUNK, L->elem), keepBytes);
}

/* Records chunk v (with `high`, a pair's second key: stagePairs; else
 * null) for writeStaged. */
static void deferChunk(Staged *defer, MlirValue v, MlirValue high, MlirValue row, MlirValue col,
                       const StagePass *ps, int64_t tileRow) {
  int k = defer->n++;
  defer->value[k] = v;
  defer->high[k] = high;
  defer->row[k] = row;
  defer->col[k] = col;
  defer->has[k] = ps->has;
  defer->tileRow[k] = tileRow;
}

/* `defer` null: copies the rows now (the synchronous stage); with
 * twinStride > 0 each chunk is also written transposed, leading dim
 * twinStride, at element twinBase (a tile both matmul forms read: one
 * global load, two LDS layouts). Otherwise only issues the global loads and
 * records the chunks in *defer, for writeStaged: a partial pass then loads
 * under a guard (no scf.if around both, whose values would not reach the
 * writes). */
static void stageRows(AttnGpuLower *L, AttnBuilder *b, const AttnTransfer *x, int64_t tileRow,
                      int64_t rows, int64_t cols, int64_t stride, bool transposed, int64_t base,
                      Staged *defer, int64_t twinStride, int64_t twinBase, bool keepBytes) {
  int64_t perRow = cols / CHUNK;
  /* threads along the fast dim: a row's chunks, or (transposed) the keys */
  StageWalk w = stageWalk(L, b, transposed ? rows : perRow, rows * perRow);
  for (int64_t i = 0; i * w.threads < w.total; ++i) {
    StagePass ps = stagePass(L, b, &w, i);
    AttnGpuIf guard;
    if (ps.partial && !defer)
      guard = attnGpuIfBegin(b, ps.has);
    MlirValue row = transposed ? ps.fast : ps.slow;
    MlirValue col = attnMulI(b, transposed ? ps.slow : ps.fast, cIdx(b, CHUNK));
    MlirValue v = loadPassChunk(L, b, x, row, col, &ps, defer != NULL, keepBytes);
    if (defer) {
      deferChunk(defer, v, attnNullValue(), row, col, &ps, tileRow);
      continue;
    }
    writeChunk(L, b, v, row, col, tileRow, stride, base, transposed);
    if (twinStride > 0)
      writeChunk(L, b, v, row, col, tileRow, twinStride, twinBase, true);
    if (ps.partial)
      attnGpuIfEnd(b, &guard);
  }
}

/* Two 8-byte chunks of fp8 bytes (keys 2p and 2p + 1, the same head-dim
 * columns) interleaved into a 16-bit chunk: element d holds key 2p's byte
 * of column d low and key 2p + 1's high. */
static MlirValue interleaveBytes(AttnGpuLower *L, AttnBuilder *b, MlirValue lo, MlirValue hi) {
  MlirType i8 = attnIntType(b, 8);
  MlirValue operands[2] = {attnOp1(b, "arith.bitcast", 1, &lo, attnGpuVecT(CHUNK, i8)),
                           attnOp1(b, "arith.bitcast", 1, &hi, attnGpuVecT(CHUNK, i8))};
  int64_t mask[2 * CHUNK];
  for (int i = 0; i < CHUNK; ++i) {
    mask[2 * i] = i;
    mask[2 * i + 1] = CHUNK + i;
  }
  MlirNamedAttribute a = attnNamedAttr(b, "mask", mlirDenseI64ArrayGet(L->ctx, 2 * CHUNK, mask));
  MlirValue both = attnGpuOp1(b, "vector.shuffle", 2, operands, attnGpuVecT(2 * CHUNK, i8), 1, &a);
  MlirValue words =
      attnGpuOp1(b, "vector.bitcast", 1, &both, attnGpuVecT(CHUNK, attnIntType(b, 16)), 0, NULL);
  return attnOp1(b, "arith.bitcast", 1, &words, attnGpuVecT(CHUNK, L->elem));
}

/* Chunk x (8 bytes) handed on by an empty inline asm with side effects:
 * LLVM cannot move the interleave that uses it above the schedule's
 * barriers, next to the loads (it did: the loads of a pipelined V were then
 * waited for at once), and the wait for x comes here. */
static MlirValue landed(AttnGpuLower *L, AttnBuilder *b, MlirValue x) {
  MlirType i32 = attnIntType(b, 32), i8 = attnIntType(b, 8);
  MlirValue bytes = attnOp1(b, "arith.bitcast", 1, &x, attnGpuVecT(CHUNK, i8));
  MlirValue words =
      attnGpuOp1(b, "vector.bitcast", 1, &bytes, attnGpuVecT(CHUNK / 4, i32), 0, NULL);
  MlirValue held[CHUNK / 4];
  for (int w = 0; w < CHUNK / 4; ++w) {
    MlirValue word = attnGpuExtract(L, b, words, w);
    held[w] = mlirOperationGetResult(attnInlineAsm(b, "", "=v,0", true, 1, &word, i32), 0);
  }
  MlirValue back =
      attnGpuOp1(b, "vector.from_elements", CHUNK / 4, held, attnGpuVecT(CHUNK / 4, i32), 0, NULL);
  MlirValue raw = attnGpuOp1(b, "vector.bitcast", 1, &back, attnGpuVecT(CHUNK, i8), 0, NULL);
  return attnOp1(b, "arith.bitcast", 1, &raw, mlirValueGetType(x));
}

/* An fp8 V tile of an fp8 P V, staged as bytes transposed (V^T: a head-dim
 * row holds the keys' bytes in order) in the 16-bit LDS buffer, `stride`
 * 16-bit elements a row. A thread loads the 8-byte chunks of keys 2p and
 * 2p + 1 at the same head-dim columns and interleaves them
 * (interleaveBytes), so that the transposed write of that 16-bit chunk at
 * pair row p (writeChunk) puts every byte in place: half the LDS writes of
 * a 16-bit V tile, no byte stores. The loads, the guards and `defer` are
 * stageRows'. */
static void stagePairs(AttnGpuLower *L, AttnBuilder *b, const AttnTransfer *x, int64_t tileRow,
                       int64_t rows, int64_t cols, int64_t stride, int64_t base, Staged *defer) {
  /* threads along the fast dim: the pairs of keys */
  StageWalk w = stageWalk(L, b, rows / 2, rows / 2 * (cols / CHUNK));
  for (int64_t i = 0; i * w.threads < w.total; ++i) {
    StagePass ps = stagePass(L, b, &w, i);
    AttnGpuIf guard;
    if (ps.partial && !defer)
      guard = attnGpuIfBegin(b, ps.has);
    MlirValue p = ps.fast, col = attnMulI(b, ps.slow, cIdx(b, CHUNK)), half[2];
    for (int h = 0; h < 2; ++h) {
      MlirValue row = attnAddI(b, attnMulI(b, p, cIdx(b, 2)), cIdx(b, h));
      half[h] = loadPassChunk(L, b, x, row, col, &ps, defer != NULL, true);
    }
    if (defer) {
      deferChunk(defer, half[0], half[1], p, col, &ps, tileRow / 2);
      continue;
    }
    writeChunk(L, b, interleaveBytes(L, b, half[0], half[1]), p, col, tileRow / 2, stride, base,
               true);
    if (ps.partial)
      attnGpuIfEnd(b, &guard);
  }
}

/* Whether fp8 V tile t (read by `op`) can be staged by stagePairs: pieces
 * of whole pairs of keys; else a located error. */
static bool pairPieces(AttnGpuLower *L, MlirOperation op, const AttnTileRead *t) {
  for (int i = 0; i < t->n; ++i)
    if (t->row[i] % 2 || t->rows[i] % 2) {
      attnGpuFail(L, op, "keeps an fp8 V tile as bytes whose pieces are not pairs of keys");
      return false;
    }
  return true;
}

/* Chunks a thread holds for tile t (MAX_STAGED + 1 when too many). */
static int stagedChunks(const AttnGpuLower *L, const AttnTileRead *t) {
  int64_t threads = (int64_t)L->W * WAVE, n = 0;
  for (int i = 0; i < t->n; ++i)
    n += (t->rows[i] * (t->cols / CHUNK) + threads - 1) / threads;
  return n > MAX_STAGED ? MAX_STAGED + 1 : (int)n;
}

/* Issues the global loads of tile t into registers. */
static void loadStaged(AttnGpuLower *L, AttnBuilder *b, const AttnTileRead *t, int64_t stride,
                       bool transposed, Staged *s, bool keepBytes) {
  s->n = 0;
  for (int i = 0; i < t->n; ++i) {
    if (transposed && keepBytes)
      stagePairs(L, b, &t->x[i], t->row[i], t->rows[i], t->cols, stride, 0, s);
    else
      stageRows(L, b, &t->x[i], t->row[i], t->rows[i], t->cols, stride, transposed, 0, s, 0, 0,
                keepBytes);
  }
}

/* Writes the chunks of s into the LDS tile at element `base`. */
static void writeStaged(AttnGpuLower *L, AttnBuilder *b, const Staged *s, int64_t stride,
                        int64_t base, bool transposed) {
  for (int k = 0; k < s->n; ++k) {
    AttnGpuIf guard;
    if (!mlirValueIsNull(s->has[k]))
      guard = attnGpuIfBegin(b, s->has[k]);
    MlirValue v = mlirValueIsNull(s->high[k])
                      ? s->value[k]
                      : interleaveBytes(L, b, landed(L, b, s->value[k]), landed(L, b, s->high[k]));
    writeChunk(L, b, v, s->row[k], s->col[k], s->tileRow[k], stride, base, transposed);
    if (!mlirValueIsNull(s->has[k]))
      attnGpuIfEnd(b, &guard);
  }
}

/* Whether some use of tile `v` is a matmul of form `form`, directly or
 * through a vector.extract_strided_slice (attn.mla: V a column prefix of
 * the K tile). */
static bool usedAs(MlirValue v, AttnContractForm form) {
  for (MlirOpOperand u = mlirValueGetFirstUse(v); !mlirOpOperandIsNull(u);
       u = mlirOpOperandGetNextUse(u)) {
    MlirOperation user = mlirOpOperandGetOwner(u);
    if (attnContractForm(user) == form || (attnIsOp(user, "vector.extract_strided_slice") &&
                                           usedAs(mlirOperationGetResult(user, 0), form)))
      return true;
  }
  return false;
}

/* Walk callback: sets *(bool *)ud when a read makes a tile that matmuls
 * of both forms read (lowerReadTile stages it both ways). */
static MlirWalkResult findDualTile(MlirOperation op, void *ud) {
  if (!attnIsOp(op, "vector.transfer_read") && !attnIsOp(op, "vector.insert_strided_slice"))
    return MlirWalkResultAdvance;
  MlirValue res = mlirOperationGetResult(op, 0);
  if (usedAs(res, ATTN_CONTRACT_QK) && usedAs(res, ATTN_CONTRACT_PV)) {
    *(bool *)ud = true;
    return MlirWalkResultInterrupt;
  }
  return MlirWalkResultAdvance;
}

static int64_t kElems(const AttnGpuLower *L, int64_t rows, int64_t cols);
static int64_t vElems(const AttnGpuLower *L, int64_t rows, int64_t cols);

/* K/V tile: the workgroup copies it into LDS between barriers, piece by
 * piece (a paged cache's tile is read from several blocks); the matmul that
 * uses it reads fragments. K is stored row-major (its fragments are runs of
 * the head dim); V, whose MFMA operand is V^T, is stored transposed so that
 * its fragments are runs of keys. Either way the leading dim is padded by
 * a_per_lane elements: the 64/128-bit fragment reads of 32 consecutive rows
 * then start a_per_lane/2 banks apart and cover the 32 banks without
 * conflicts.
 *
 * A tile that is the right operand of both matmul forms (the backward
 * kernels': Q and dO in dK/dV, K in dQ) is stored both ways, row-major at
 * its base and transposed right after it (kElems later), each chunk of one
 * global load written both ways (stageRows): gfx942 has no
 * transposing LDS read. Its value is the row-major one; lowerPV reads the
 * transposed copy (twinBase). The backward's tiles that live at once (two
 * per loop) take a buffer each, by read order (attnGpuSecondBuffer). */
static void lowerReadTile(AttnGpuLower *L, AttnBuilder *b, MlirOperation op, const AttnTileRead *t,
                          bool second) {
  MlirValue res = mlirOperationGetResult(op, 0);
  int64_t rows = t->tileRows, cols = t->cols;
  if (cols % CHUNK || !mlirTypeEqual(attnGpuElemOf(res), L->elem)) {
    attnGpuFail(L, op,
                "reads a K/V tile the AMD lowering cannot stage (head dim not a multiple of 8, or "
                "a dtype other than Q's)");
    return;
  }
  bool asK = usedAs(res, ATTN_CONTRACT_QK), asV = usedAs(res, ATTN_CONTRACT_PV);
  bool transposed = asV && !asK, bytes = keepsBytes(op);
  if (bytes && (asV ? asK || !A(L)->pv : !A(L)->qk)) {
    attnGpuFail(L, op,
                "keeps an fp8 tile as bytes that is not only the K of an fp8 Q K^T or the V of an "
                "fp8 P V");
    return;
  }
  if (bytes && transposed && !pairPieces(L, op, t))
    return;
  int slot = L->backward && second ? 1 : 0;
  int64_t base = slot ? L->smemKV / 2 : 0; /* sharedElems: two buffers of the largest tile */
  int64_t stride = bytes ? (transposed ? vByteStride(rows) : byteStride(L, cols))
                         : (transposed ? rows : cols) + A(L)->KPL;
  attnGpuBarrier(b); /* the previous tile's readers are done */
  bool twin = asK && asV;
  for (int i = 0; i < t->n; ++i) {
    if (bytes && transposed)
      stagePairs(L, b, &t->x[i], t->row[i], t->rows[i], cols, stride, base, NULL);
    else
      stageRows(L, b, &t->x[i], t->row[i], t->rows[i], cols, stride, transposed, base, NULL,
                twin ? rows + A(L)->KPL : 0, base + kElems(L, rows, cols), bytes);
  }
  attnGpuBarrier(b);
  attnGpuPut(L, res,
             (AttnRep){.kind = ATTN_REP_SMEM,
                       .rows = rows,
                       .cols = cols,
                       .stride = stride,
                       .base = base,
                       .transposed = transposed,
                       .slot = slot,
                       .generation = ++L->smemGeneration[slot],
                       .bytes = bytes});
}

/*===--- Pipelined KV loops (num_stages >= 2) ----------------------------------===*/

/* K and V get a buffer each, K's first (V^T after it); the tiles of one
 * loop have one shape. */
static int64_t kElems(const AttnGpuLower *L, int64_t rows, int64_t cols) {
  return rows * (cols + ((const AmdState *)L->state)->KPL);
}

static int64_t vElems(const AttnGpuLower *L, int64_t rows, int64_t cols) {
  return cols * (rows + ((const AmdState *)L->state)->KPL);
}

static MlirOperation parentOp(MlirOperation op) { return mlirOperationGetParentOperation(op); }

/* rocdl.sched.barrier 0: the backend's scheduler moves nothing across it.
 * It pins the schedule's points: left alone, the scheduler sinks a
 * prefetch's global loads down to their LDS writes, or hoists the writes,
 * with their waits on the loads, up to just after the loads; a barrier that
 * lets other work (MFMAs, ds_reads) cross has the same effect, as that work
 * moves instead. */
static void schedBarrier(AttnGpuLower *L, AttnBuilder *b) {
  MlirNamedAttribute mask =
      attnNamedAttr(b, "mask", mlirIntegerAttrGet(mlirIntegerTypeGet(L->ctx, 32), 0));
  attnBuildOp(b, "rocdl.sched.barrier", 0, NULL, 0, NULL, 1, &mask, 0, NULL);
}

/* Whether `v` is made by an op after `op` in op's block: the V read comes
 * after the K read (the schedule writes V into its buffer at the V read and
 * expects K in its own from the K read on). */
static bool madeAfter(MlirOperation op, MlirValue v) {
  MlirOperation def = mlirOpResultGetOwner(v);
  for (MlirOperation o = mlirOperationGetNextInBlock(op); !mlirOperationIsNull(o);
       o = mlirOperationGetNextInBlock(o))
    if (mlirOperationEqual(o, def))
      return true;
  return false;
}

/* Whether the loop around K read `op` (tile t) can be pipelined: its K and V
 * tiles are computable at any iteration (attnGpuTileReadable), V is read
 * after K, they have one shape and fit the registers that hold them between
 * load and write. */
static bool pipelinable(AttnGpuLower *L, MlirOperation op, const AttnTileRead *t,
                        MlirOperation loop, MlirOperation newLoop, MlirValue vTile) {
  MlirValue kTile = mlirOperationGetResult(op, 0);
  return attnIsOp(loop, "scf.for") && attnIsOp(newLoop, "scf.for") && !mlirValueIsNull(vTile) &&
         mlirValueIsAOpResult(vTile) && madeAfter(op, vTile) &&
         attnGpuDim(vTile, 0) == attnGpuDim(kTile, 0) &&
         attnGpuDim(vTile, 1) == attnGpuDim(kTile, 1) &&
         mlirTypeEqual(attnGpuElemOf(vTile), L->elem) &&
         mlirTypeEqual(attnGpuElemOf(kTile), L->elem) && t->cols % CHUNK == 0 &&
         stagedChunks(L, t) <= MAX_STAGED && attnGpuTileReadable(L, kTile, loop) &&
         attnGpuTileReadable(L, vTile, loop);
}

/* Sets up the pipeline of the loop around K read `op` and stages its first
 * K tile (if the loop runs) before it, between barriers: the one before
 * ends the use of the buffer by whatever came earlier. */
static bool startPipe(AttnGpuLower *L, AttnBuilder *b, MlirOperation op, const AttnTileRead *t) {
  MlirOperation loop = parentOp(op);
  MlirOperation newLoop = mlirBlockGetParentOperation(b->block);
  MlirValue vTile = attnIsOp(loop, "scf.for") ? attnGpuLoopVTile(loop) : attnNullValue();
  if (!pipelinable(L, op, t, loop, newLoop, vTile))
    return false;
  AmdPipe p = {.oldLoop = loop,
               .iv = mlirBlockGetArgument(b->block, 0),
               .ub = mlirOperationGetOperand(newLoop, 1),
               .step = mlirOperationGetOperand(newLoop, 2),
               .kTile = mlirOperationGetResult(op, 0),
               .vTile = vTile,
               .kBytes = keepsBytes(op),
               .vBytes = keepsBytes(mlirOpResultGetOwner(vTile))};
  p.kStride = p.kBytes ? byteStride(L, t->cols) : t->cols + A(L)->KPL;
  p.vStride = p.vBytes ? vByteStride(t->tileRows) : t->tileRows + A(L)->KPL;
  AttnBuilder pre = {L->ctx, b->loc, mlirOperationGetBlock(newLoop), newLoop};
  MlirValue lb = mlirOperationGetOperand(newLoop, 0);
  attnGpuBarrier(&pre);
  AttnGpuIf guard = attnGpuIfBegin(&pre, attnCmpI(&pre, ATTN_CMPI_SLT, lb, p.ub));
  AttnTileRead k;
  if (attnGpuTileReadAt(L, &pre, p.kTile, loop, lb, &k)) {
    loadStaged(L, &pre, &k, p.kStride, false, &p.pending, p.kBytes);
    writeStaged(L, &pre, &p.pending, p.kStride, 0, false);
  }
  attnGpuIfEnd(&pre, &guard);
  attnGpuBarrier(&pre);
  p.pending.n = 0;
  A(L)->pipe = p;
  return !L->failed;
}

/* The K read of a pipelined loop: K[n] is in its buffer (staged before the
 * loop or at the end of the previous iteration). The global loads of V[n]
 * go out now, into registers, and land during QK^T and the softmax. */
static void pipedK(AttnGpuLower *L, AttnBuilder *b, MlirOperation op, const AttnTileRead *t) {
  AmdPipe *p = &A(L)->pipe;
  AttnTileRead v;
  if (attnGpuTileReadAt(L, b, p->vTile, p->oldLoop, p->iv, &v) &&
      (!p->vBytes || pairPieces(L, op, &v)))
    loadStaged(L, b, &v, p->vStride, true, &p->pending, p->vBytes);
  schedBarrier(L, b);
  p->pendingK = false;
  attnGpuPut(L, mlirOperationGetResult(op, 0),
             (AttnRep){.kind = ATTN_REP_SMEM,
                       .rows = t->tileRows,
                       .cols = t->cols,
                       .stride = p->kStride,
                       .generation = ++L->smemGeneration[0],
                       .bytes = p->kBytes});
}

/* The V read of a pipelined loop: V[n] goes from registers into its buffer
 * (PV of n - 1, its last reader, ended before the barrier that closed the
 * previous iteration); after a barrier the global loads of K[n + step] go
 * out, into registers, and land during PV. Past the loop's end they read
 * K[n] again, whose reads are in bounds like this iteration's, instead of
 * branching around the loads. */
static void pipedV(AttnGpuLower *L, AttnBuilder *b, MlirOperation op, const AttnTileRead *t) {
  AmdPipe *p = &A(L)->pipe;
  int64_t stride = p->vStride, base = kElems(L, t->tileRows, t->cols);
  schedBarrier(L, b);
  writeStaged(L, b, &p->pending, stride, base, true);
  attnGpuBarrier(b); /* V[n] is in LDS; every wave is done with K[n] */
  MlirValue next = attnAddI(b, p->iv, p->step);
  next = attnSelect(b, attnCmpI(b, ATTN_CMPI_SLT, next, p->ub), next, p->iv);
  AttnTileRead k;
  p->pending.n = 0;
  if (attnGpuTileReadAt(L, b, p->kTile, p->oldLoop, next, &k))
    loadStaged(L, b, &k, p->kStride, false, &p->pending, p->kBytes);
  schedBarrier(L, b);
  p->pendingK = true;
  attnGpuPut(L, mlirOperationGetResult(op, 0),
             (AttnRep){.kind = ATTN_REP_SMEM,
                       .rows = t->tileRows,
                       .cols = t->cols,
                       .stride = stride,
                       .base = base,
                       .transposed = true,
                       .slot = 1,
                       .generation = ++L->smemGeneration[1],
                       .bytes = p->vBytes});
}

/* After the PV MFMAs of a pipelined loop (V operand `v`, kernel IR): K[n +
 * step] goes from registers into K's buffer (every wave finished QK^T of n
 * before the barrier of pipedV), then a barrier makes it visible and ends
 * this iteration's reads of V's buffer. */
static void pipedPVDone(AttnGpuLower *L, AttnBuilder *b, MlirValue v) {
  AmdPipe *p = &A(L)->pipe;
  if (L->failed || !p->pendingK || !mlirValueEqual(v, p->vTile))
    return;
  schedBarrier(L, b);
  writeStaged(L, b, &p->pending, p->kStride, 0, false);
  attnGpuBarrier(b);
  p->pendingK = false;
  p->pending.n = 0;
}

/*===--- Matmuls -----------------------------------------------------------------===*/

static MlirValue mfma(AttnGpuLower *L, AttnBuilder *b, MlirValue a, MlirValue bb, MlirValue c) {
  if (A(L)->mma->ab_as_i16) {
    MlirType t = attnGpuVecT(A(L)->KPL, attnIntType(b, 16));
    a = attnOp1(b, "arith.bitcast", 1, &a, t);
    bb = attnOp1(b, "arith.bitcast", 1, &bb, t);
  }
  MlirValue zero = attnGpuConstInt(b, attnIntType(b, 32), 0);
  MlirValue operands[6] = {a, bb, c, zero, zero, zero};
  return attnGpuOp1(b, A(L)->mma->rocdl, 6, operands, mlirValueGetType(c), 0, NULL);
}

/* fp8 MFMA `in` of fp8 operands a, bb (fp8Operand's types). The f8f6f4
 * instruction is the block-scaled op with A/B format 0 (e4m3) and zero
 * opsel/scale operands, which LLVM selects as the unscaled one. */
static MlirValue fp8Mfma(AttnBuilder *b, const AttnMfmaInstr *in, MlirValue a, MlirValue bb,
                         MlirValue c) {
  MlirValue zero = attnGpuConstInt(b, attnIntType(b, 32), 0);
  MlirValue operands[9] = {a, bb, c, zero, zero, zero, zero, zero, zero};
  return attnGpuOp1(b, in->rocdl, in->scaled ? 9 : 6, operands, mlirValueGetType(c), 0, NULL);
}

/* S^T = K Q^T on the fp8 MFMA: Q's fragments are operands already
 * (lowerReadQBytes); lane (g, r) reads key r of each block, head-dim
 * columns s*K + g*a_per_lane + [0, a_per_lane) of the byte tile: one 64-bit
 * (or two 128-bit) LDS read. */
static void lowerQKBytes(AttnGpuLower *L, AttnBuilder *b, MlirOperation op, const AttnRep *qr,
                         const AttnRep *kr) {
  const AttnMfmaInstr *in = A(L)->qk;
  MlirValue acc = mlirOperationGetOperand(op, 2), res = mlirOperationGetResult(op, 0);
  int nb = (int)(kr->rows / A(L)->R), steps = qr->nb, halves = in->a_per_lane / 2;
  if (kr->rows % A(L)->R || nb > ATTN_GPU_MAXB || (int64_t)steps * in->k != kr->cols ||
      kr->transposed) {
    attnGpuFail(L, op, "has an fp8 K tile that does not match its fp8 MFMA blocks");
    return;
  }
  MlirValue laneOff = attnAddI(b, attnMulI(b, A(L)->lr, cIdx(b, kr->stride)),
                               attnMulI(b, A(L)->g, cIdx(b, halves)));
  if (kr->base)
    laneOff = attnAddI(b, laneOff, cIdx(b, kr->base));
  MlirValue blocks[ATTN_GPU_MAXB];
  for (int t = 0; t < nb && !L->failed; ++t) {
    MlirValue c = attnGpuColOf(L, b, op, acc, t);
    for (int s = 0; s < steps; ++s) {
      int64_t at = (int64_t)t * A(L)->R * kr->stride + (int64_t)s * in->k / 2;
      MlirValue addr = attnAddI(b, laneOff, cIdx(b, at));
      MlirValue kv = attnGpuLoad(b, attnGpuVecT(halves, L->elem), L->smem, 1, &addr);
      MlirValue pairs =
          attnOp1(b, "arith.bitcast", 1, &kv, attnGpuVecT(halves, attnIntType(b, 16)));
      MlirValue bytes = attnGpuOp1(b, "vector.bitcast", 1, &pairs,
                                   attnGpuVecT(in->a_per_lane, attnIntType(b, 8)), 0, NULL);
      c = fp8Mfma(b, in, fp8Operand(L, b, bytes, in), qr->blocks[s], c);
    }
    blocks[t] = c;
  }
  if (!L->failed)
    attnGpuPutTile(L, res, nb, blocks);
}

/* S^T = K Q^T: block t of S is keys [t*R, t*R+R) of the K tile. */
static void lowerQK(AttnGpuLower *L, AttnBuilder *b, MlirOperation op) {
  MlirValue q = mlirOperationGetOperand(op, 0), k = mlirOperationGetOperand(op, 1),
            acc = mlirOperationGetOperand(op, 2), res = mlirOperationGetResult(op, 0);
  AttnRep *qr = attnGpuFind(L, q);
  AttnRep *kr = attnGpuSmemOperand(L, op, k);
  if (!kr)
    return;
  if (!qr || qr->kind != ATTN_REP_QFRAG) {
    attnGpuFail(L, op, "has a left operand that is not the Q tile read");
    return;
  }
  if (A(L)->qk || qr->bytes || kr->bytes) {
    if (A(L)->qk && qr->bytes && kr->bytes)
      lowerQKBytes(L, b, op, qr, kr);
    else
      attnGpuFail(L, op,
                  "mixes fp8 MFMA operands and 16-bit tiles (attn-gpu-layout marks Q's and K's "
                  "tiles \"regs.mfma_a.fp8\" and \"lds.pad.fp8\" with an fp8 Q K^T)");
    return;
  }
  int nb = (int)(kr->rows / A(L)->R), steps = qr->nb, perChunk = CHUNK / A(L)->KPL;
  if (kr->rows % A(L)->R || nb > ATTN_GPU_MAXB || (int64_t)steps * A(L)->K != kr->cols) {
    attnGpuFail(L, op, "has a K tile whose rows are not a multiple of the MFMA block");
    return;
  }
  MlirValue blocks[ATTN_GPU_MAXB];
  MlirValue *q8 = qr->blocks;
  int64_t span = (int64_t)A(L)->G * CHUNK;
  if (kr->transposed) {
    attnGpuFail(L, op, "uses a K tile that is also a V tile");
    return;
  }
  MlirValue laneOff =
      attnAddI(b, attnMulI(b, A(L)->lr, cIdx(b, kr->stride)), attnMulI(b, A(L)->g, cIdx(b, CHUNK)));
  if (kr->base)
    laneOff = attnAddI(b, laneOff, cIdx(b, kr->base));
  for (int t = 0; t < nb && !L->failed; ++t) {
    MlirValue c = attnGpuColOf(L, b, op, acc, t);
    for (int s = 0; s < steps; s += perChunk) {
      int64_t at = (int64_t)t * A(L)->R * kr->stride + (int64_t)(s / perChunk) * span;
      MlirValue addr = attnAddI(b, laneOff, cIdx(b, at));
      MlirValue kv = attnGpuLoad(b, attnGpuVecT(CHUNK, L->elem), L->smem, 1, &addr);
      for (int j = 0; j < perChunk; ++j)
        c = mfma(L, b, attnGpuSlice(L, b, kv, (int64_t)j * A(L)->KPL, A(L)->KPL), q8[s + j], c);
    }
    blocks[t] = c;
  }
  if (!L->failed)
    attnGpuPutTile(L, res, nb, blocks);
}

/* Concatenation of n (a power of two) equal vectors, pairwise, in place. */
static MlirValue concatAll(AttnGpuLower *L, AttnBuilder *b, MlirValue *parts, int n) {
  for (int m = n; m > 1; m /= 2)
    for (int i = 0; i < m / 2; ++i)
      parts[i] = attnGpuConcat(L, b, parts[2 * i], parts[2 * i + 1]);
  return parts[0];
}

/* The P V fragments of fp8 MFMA `in` from P's blocks pb (e4m3, S's C
 * layout): k-step s is the lane's elements [s * a, s * a + a) (a =
 * a_per_lane) of its blocks in order, part of one block or whole ones. */
static bool pvByteFrags(AttnGpuLower *L, AttnBuilder *b, const AttnMfmaInstr *in,
                        const MlirValue *pb, int steps, MlirValue *frags) {
  int a = in->a_per_lane, ce = L->CE;
  if (a % 4 || (a <= ce ? ce % a : a % ce) || (a > ce && ((a / ce) & (a / ce - 1))) || a / ce > 8)
    return false;
  for (int s = 0; s < steps; ++s) {
    int f = s * a, t = f / ce;
    MlirValue parts[8];
    if (a <= ce) {
      parts[0] = attnGpuSlice(L, b, pb[t], f % ce, a);
    } else {
      for (int j = 0; j < a / ce; ++j)
        parts[j] = pb[t + j];
    }
    frags[s] = fp8Operand(L, b, a <= ce ? parts[0] : concatAll(L, b, parts, a / ce), in);
  }
  return true;
}

/* O^T += V^T P^T on the fp8 MFMA (A(L)->pv): P was rounded to e4m3 in the
 * kernel IR (attn-online-softmax{fp8-p}); its blocks before the arith.extf
 * ("regs.mfma_b.fp8") are B fragments as bytes (pvByteFrags). V^T's
 * fragment holds, per byte, the key that P's byte has: runs of four
 * consecutive keys in S's C layout, each one 32-bit read of the byte tile
 * (two 16-bit elements; stagePairs wrote it). */
static void lowerPVBytes(AttnGpuLower *L, AttnBuilder *b, MlirOperation op, const AttnRep *vr) {
  const AttnMfmaInstr *in = A(L)->pv;
  MlirValue p = mlirOperationGetOperand(op, 0), acc = mlirOperationGetOperand(op, 2),
            res = mlirOperationGetResult(op, 0);
  MlirOperation ext = mlirValueIsAOpResult(p) ? mlirOpResultGetOwner(p) : (MlirOperation){NULL};
  if (!in || mlirOperationIsNull(ext) || !attnIsOp(ext, "arith.extf") ||
      !attnIsFp8Type(attnGpuElemOf(mlirOperationGetOperand(ext, 0)))) {
    attnGpuFail(L, op,
                "has an fp8 V byte tile but a P that is not rounded to e4m3 "
                "(attn-online-softmax{fp8-p=true})");
    return;
  }
  MlirValue pb[ATTN_GPU_MAXB];
  int np = 0;
  if (!attnGpuTileBlocks(L, b, op, mlirOperationGetOperand(ext, 0), pb, &np))
    return;
  int64_t own = attnGpuOwnCols(L, vr->cols);
  int nd = (int)(own / A(L)->R), steps = (int)(vr->rows / in->k);
  MlirValue frags[128];
  if ((int64_t)np * A(L)->R != vr->rows || vr->rows % in->k || steps > 128 || !vr->transposed ||
      own % A(L)->R || nd > ATTN_GPU_MAXB || A(L)->crowDelta[0] % 2 ||
      !pvByteFrags(L, b, in, pb, steps, frags)) {
    attnGpuFail(L, op, "has a P tile and an fp8 V tile that do not match its fp8 MFMA blocks");
    return;
  }
  /* Lane (g, r) reads row d = u*R + r of V^T at the keys of its P bytes; a
   * key k is byte k of the row, in element k / 2. */
  MlirValue laneOff = attnAddI(b, attnMulI(b, A(L)->lr, cIdx(b, vr->stride)),
                               attnMulI(b, A(L)->g, cIdx(b, A(L)->crowDelta[0] / 2)));
  if (vr->base)
    laneOff = attnAddI(b, laneOff, cIdx(b, vr->base));
  if (own != vr->cols) /* this wave's first column: a row of V^T */
    laneOff = attnAddI(b, laneOff, attnMulI(b, L->warpColIdx, cIdx(b, vr->stride)));
  MlirType run = attnGpuVecT(2, L->elem), run16 = attnGpuVecT(2, attnIntType(b, 16));
  MlirType run8 = attnGpuVecT(4, attnIntType(b, 8));
  MlirValue blocks[ATTN_GPU_MAXB];
  for (int u = 0; u < nd && !L->failed; ++u) {
    MlirValue c = attnGpuColOf(L, b, op, acc, u);
    for (int s = 0; s < steps; ++s) {
      MlirValue runs[8];
      int n = 0;
      for (int e = 0; e < in->a_per_lane; e += 4) {
        int f = s * in->a_per_lane + e, t = f / L->CE, ce = f % L->CE;
        int64_t key = (int64_t)t * A(L)->R + A(L)->crowBase[ce];
        MlirValue addr = attnAddI(b, laneOff, cIdx(b, (int64_t)u * A(L)->R * vr->stride + key / 2));
        MlirValue r = attnGpuLoad(b, run, L->smem, 1, &addr);
        r = attnOp1(b, "arith.bitcast", 1, &r, run16);
        runs[n++] = attnGpuOp1(b, "vector.bitcast", 1, &r, run8, 0, NULL);
      }
      MlirValue a = fp8Operand(L, b, concatAll(L, b, runs, n), in);
      c = fp8Mfma(b, in, a, frags[s], c);
    }
    blocks[u] = c;
  }
  if (!L->failed)
    attnGpuPutTile(L, res, nd, blocks);
}

/* O^T += V^T P^T: P's blocks are B fragments as they are; the V^T fragment
 * of k-step s holds, per element, the key that P's element has. */
static void lowerPV(AttnGpuLower *L, AttnBuilder *b, MlirOperation op) {
  MlirValue p = mlirOperationGetOperand(op, 0), v = mlirOperationGetOperand(op, 1),
            acc = mlirOperationGetOperand(op, 2), res = mlirOperationGetResult(op, 0);
  AttnRep *vr = attnGpuSmemOperand(L, op, v);
  if (!vr)
    return;
  if (vr->bytes || A(L)->pv) {
    if (vr->bytes && A(L)->pv)
      lowerPVBytes(L, b, op, vr);
    else
      attnGpuFail(L, op,
                  "mixes fp8 MFMA operands and 16-bit tiles (attn-gpu-layout marks V's tile "
                  "\"lds.pad.fp8\" with an fp8 P V)");
    pipedPVDone(L, b, v);
    return;
  }
  MlirValue pb[ATTN_GPU_MAXB];
  int np = 0;
  if (!attnGpuTileBlocks(L, b, op, p, pb, &np))
    return;
  if (!mlirTypeEqual(attnGpuElemOf(p), L->elem) || (int64_t)np * A(L)->R != vr->rows) {
    attnGpuFail(L, op, "has a P tile that does not match the V tile");
    return;
  }
  /* A column split (attn.mla) leaves this wave its own columns of O. */
  int64_t own = attnGpuOwnCols(L, vr->cols);
  int nd = (int)(own / A(L)->R), steps = (int)(vr->rows / A(L)->K);
  if (own % A(L)->R || nd > ATTN_GPU_MAXB || vr->rows % A(L)->K) {
    attnGpuFail(L, op, "has a V tile whose head dim is not a multiple of the MFMA block");
    return;
  }
  MlirValue frags[128];
  for (int s = 0; s < steps; ++s) {
    int f = s * A(L)->KPL, t = f / L->CE, e = f % L->CE;
    frags[s] = A(L)->KPL <= L->CE ? attnGpuSlice(L, b, pb[t], e, A(L)->KPL)
                                  : attnGpuConcat(L, b, pb[t], pb[t + 1]);
  }
  /* A tile also used as K: its transposed copy follows the row-major one
   * (lowerReadTile). */
  int64_t vStride = vr->transposed ? vr->stride : vr->rows + A(L)->KPL;
  int64_t vBase = vr->transposed ? vr->base : vr->base + vr->rows * vr->stride;
  /* Lane (g, r) reads row d = u*R + r of V^T at the keys of its P elements:
   * runs of four consecutive keys, one 64-bit LDS read each. */
  MlirValue laneOff = attnAddI(b, attnMulI(b, A(L)->lr, cIdx(b, vStride)),
                               attnMulI(b, A(L)->g, cIdx(b, A(L)->crowDelta[0])));
  if (vBase)
    laneOff = attnAddI(b, laneOff, cIdx(b, vBase));
  if (own != vr->cols) /* this wave's first column: a row of V^T */
    laneOff = attnAddI(b, laneOff, attnMulI(b, L->warpColIdx, cIdx(b, vStride)));
  MlirType run = attnGpuVecT(4, L->elem);
  MlirValue blocks[ATTN_GPU_MAXB];
  for (int u = 0; u < nd && !L->failed; ++u) {
    MlirValue c = attnGpuColOf(L, b, op, acc, u);
    for (int s = 0; s < steps; ++s) {
      MlirValue a = attnNullValue();
      for (int e = 0; e < A(L)->KPL; e += 4) {
        int f = s * A(L)->KPL + e, t = f / L->CE, ce = f % L->CE;
        int64_t key = (int64_t)t * A(L)->R + A(L)->crowBase[ce];
        MlirValue addr = attnAddI(b, laneOff, cIdx(b, (int64_t)u * A(L)->R * vStride + key));
        MlirValue r4 = attnGpuLoad(b, run, L->smem, 1, &addr);
        a = mlirValueIsNull(a) ? r4 : attnGpuConcat(L, b, a, r4);
      }
      c = mfma(L, b, a, frags[s], c);
    }
    blocks[u] = c;
  }
  if (!L->failed)
    attnGpuPutTile(L, res, nd, blocks);
  pipedPVDone(L, b, v);
}

/*===--- Row reductions across lanes ---------------------------------------------===*/

/* gfx950's v_permlane32_swap / v_permlane16_swap exchange the halves (rows)
 * of two registers; swapping x with itself leaves, in the two results, x and
 * its xor-32 (xor-16) partner at every lane, in some order, which is all a
 * commutative combine needs. No LDS crossbar, unlike ds_bpermute. */
static MlirValue combineSwapped(AttnGpuLower *L, AttnBuilder *b, const char *combine, MlirValue x,
                                int offset) {
  MlirType i32 = attnIntType(b, 32), f32 = mlirValueGetType(x);
  MlirValue xi = attnOp1(b, "arith.bitcast", 1, &x, i32);
  MlirValue operands[2] = {xi, xi};
  MlirType pairElems[2] = {i32, i32};
  MlirType pair = mlirLLVMStructTypeLiteralGet(L->ctx, 2, pairElems, false);
  MlirNamedAttribute attrs[2] = {attnNamedAttr(b, "fi", mlirBoolAttrGet(L->ctx, 0)),
                                 attnNamedAttr(b, "boundControl", mlirBoolAttrGet(L->ctx, 0))};
  MlirValue swapped =
      attnGpuOp1(b, offset == 32 ? "rocdl.permlane32.swap" : "rocdl.permlane16.swap", 2, operands,
                 pair, 2, attrs);
  MlirValue half[2];
  for (int64_t i = 0; i < 2; ++i) {
    MlirNamedAttribute pos = attnNamedAttr(b, "position", mlirDenseI64ArrayGet(L->ctx, 1, &i));
    MlirValue v = attnGpuOp1(b, "llvm.extractvalue", 1, &swapped, i32, 1, &pos);
    half[i] = attnOp1(b, "arith.bitcast", 1, &v, f32);
  }
  return attnBinary(b, combine, half[0], half[1]);
}

/*===--- Set-up -----------------------------------------------------------------===*/

/* Checks that the table's C layout is what the lowering assumes: per
 * element e a row crow(e, g) = base[e] + g * delta[e], with four consecutive
 * elements on consecutive rows (64-bit stores), and that A/B hold
 * a_per_lane consecutive k per lane group g = lane / R. */
static bool readLayout(AttnGpuLower *L) {
  const AttnMfmaInstr *in = A(L)->mma;
  for (int e = 0; e < in->c_per_lane; ++e) {
    int row0, col, row1;
    attnMfmaC(in, 0, e, &row0, &col);
    attnMfmaC(in, in->n, e, &row1, &col);
    A(L)->crowBase[e] = row0;
    A(L)->crowDelta[e] = A(L)->G > 1 ? row1 - row0 : 0;
    if (A(L)->crowDelta[e] != A(L)->crowDelta[0] || (e % 4 && row0 != A(L)->crowBase[e - 1] + 1))
      return false;
    for (int lane = 0; lane < WAVE; ++lane) {
      int row, c;
      attnMfmaC(in, lane, e, &row, &c);
      if (c != lane % in->n || row != row0 + (lane / in->n) * A(L)->crowDelta[e])
        return false;
    }
  }
  for (int lane = 0; lane < WAVE; ++lane)
    for (int e = 0; e < in->a_per_lane; ++e) {
      int row, k, col, kb;
      attnMfmaA(in, lane, e, &row, &k);
      attnMfmaB(in, lane, e, &kb, &col);
      if (row != lane % in->m || col != lane % in->n || k != kb ||
          k != (lane / in->m) * in->a_per_lane + e)
        return false;
    }
  return true;
}

/* The first matmul layouts of the function: a 16-bit one ([0]), an fp8
 * Q K^T one ([1], "mfma.<M>x<N>x<K>.fp8.rs") and an fp8 P V one ([2]). */
static MlirWalkResult findMatmulLayouts(MlirOperation op, void *userData) {
  MlirAttribute *found = userData;
  if (!attnIsOp(op, "vector.contract"))
    return MlirWalkResultAdvance;
  MlirAttribute a = attnGetAttr(op, "attn.layout");
  if (mlirAttributeIsNull(a) || !mlirAttributeIsAString(a)) {
    if (mlirAttributeIsNull(found[0]))
      found[0] = a;
    return MlirWalkResultAdvance;
  }
  MlirStringRef t = mlirStringAttrGetValue(a);
  int slot = t.length > 7 && !memcmp(t.data + t.length - 7, ".fp8.rs", 7)
                 ? (attnContractForm(op) == ATTN_CONTRACT_PV ? 2 : 1)
                 : 0;
  if (mlirAttributeIsNull(found[slot]))
    found[slot] = a;
  return MlirWalkResultAdvance;
}

/* The fp8 MFMA of an fp8 Q K^T or P V layout, null when there is none;
 * `failed` set after a located error. Its C layout must be `mma`'s (same M
 * and N: the table's C layout depends on them only), since S feeds P V. */
static const AttnMfmaInstr *recordedFp8Mfma(MlirOperation func, const char *chip,
                                            MlirAttribute layout, const AttnMfmaInstr *mma,
                                            bool *failed) {
  *failed = false;
  if (mlirAttributeIsNull(layout))
    return NULL;
  MlirStringRef text = mlirStringAttrGetValue(layout);
  char buf[64];
  int m = 0, n = 0, k = 0;
  snprintf(buf, sizeof(buf), "%.*s", (int)text.length, text.data);
  const AttnMfmaInstr *in = sscanf(buf, "mfma.%dx%dx%d.fp8.rs", &m, &n, &k) == 3
                                ? attnMfmaSelectDividing(chip, ATTN_MFMA_FP8, m, k)
                                : NULL;
  if (!in || in->k != k || in->n != n || in->m != mma->m || in->n != mma->n ||
      in->c_per_lane != mma->c_per_lane) {
    attnEmitOpError(func, passName,
                    "has an fp8 attn.layout MFMA instruction its chip does not have or whose "
                    "blocks differ from its P V MFMA's");
    *failed = true;
    return NULL;
  }
  return in;
}

/* The MFMA instruction attn-gpu-layout chose (attn.mma = "mfma" on the
 * kernel, "mfma.<M>x<N>x<K>.<elem>.rs" on its matmuls: `layout`, the first
 * 16-bit one of findMatmulLayouts), checked against the chip, the dtype and
 * the rows per wave; null after a located error. */
static const AttnMfmaInstr *recordedMfma(MlirOperation func, MlirAttribute layout, const char *chip,
                                         AttnMfmaElem elem, int rows) {
  MlirAttribute mma = attnGetAttr(func, "attn.mma");
  int m = 0, n = 0, k = 0;
  char type[8] = "";
  bool ok =
      !mlirAttributeIsNull(mma) && mlirAttributeIsAString(mma) &&
      mlirStringRefEqual(mlirStringAttrGetValue(mma), mlirStringRefCreateFromCString("mfma")) &&
      !mlirAttributeIsNull(layout) && mlirAttributeIsAString(layout);
  if (ok) {
    MlirStringRef text = mlirStringAttrGetValue(layout);
    char buf[64];
    snprintf(buf, sizeof(buf), "%.*s", (int)text.length, text.data);
    ok = sscanf(buf, "mfma.%dx%dx%d.%7[a-z0-9].rs", &m, &n, &k, type) == 4;
  }
  if (!ok) {
    attnEmitOpError(func, passName,
                    "has no attn.mma = \"mfma\" and MFMA attn.layout on its matmuls: run "
                    "attn-gpu-layout first");
    return NULL;
  }
  for (int i = 0; i < attnMfmaCount(); ++i) {
    const AttnMfmaInstr *in = attnMfmaAt(i);
    bool sameElem = in->elem == (!strcmp(type, "bf16")  ? ATTN_MFMA_BF16
                                 : !strcmp(type, "f16") ? ATTN_MFMA_F16
                                                        : ATTN_MFMA_FP8);
    if (in->m == m && in->n == n && in->k == k && sameElem &&
        in == attnMfmaSelect(chip, in->elem, m)) {
      if (in->elem != elem || in->m != rows) {
        attnEmitOpError(func, passName,
                        "has an attn.layout MFMA instruction that does not match its dtype and "
                        "rows per wave");
        return NULL;
      }
      return in;
    }
  }
  attnEmitOpError(func, passName, "has an attn.layout MFMA instruction its chip does not have");
  return NULL;
}

/* The layout string of the 16-bit instruction of the chip, dtype and rows
 * (what attn-gpu-layout would write on a 16-bit matmul). */
static MlirAttribute implicitLayout(MlirContext ctx, const char *chip, AttnMfmaElem elem,
                                    int rows) {
  const AttnMfmaInstr *in = attnMfmaSelect(chip, elem, rows);
  char text[64];
  if (!in)
    return (MlirAttribute){NULL};
  snprintf(text, sizeof(text), "mfma.%dx%dx%d.%s.rs", in->m, in->n, in->k,
           elem == ATTN_MFMA_BF16 ? "bf16" : "f16");
  return mlirStringAttrGet(ctx, mlirStringRefCreateFromCString(text));
}

/* attn.kernel's num_stages (1 when absent). */
static int numStages(MlirAttribute kernel) {
  MlirAttribute a =
      mlirDictionaryAttrGetElementByName(kernel, mlirStringRefCreateFromCString("num_stages"));
  return !mlirAttributeIsNull(a) && mlirAttributeIsAInteger(a) ? (int)mlirIntegerAttrGetValueInt(a)
                                                               : 1;
}

static bool setUp(AttnGpuLower *L, MlirOperation func, MlirAttribute kernel) {
  /* The core read chip, block_m and num_warps. */
  const char *chip = L->chip;
  L->state = calloc(1, sizeof(AmdState));
  char msg[256];
  if (!L->state) {
    attnEmitOpError(func, passName, "ran out of memory");
    return false;
  }
  if (strcmp(chip, "gfx942") && strcmp(chip, "gfx950")) {
    snprintf(msg, sizeof(msg),
             "was tiled for target '%s'; the AMD lowering needs gfx942 or gfx950 "
             "(attn-tile{target=gfx942})",
             chip);
    attnEmitOpError(func, passName, msg);
    return false;
  }
  /* With a column split (L->G groups, attn.mla) the waves of a row group
   * share its rows: rows per wave = block_m / (num_warps / G). */
  int rowWaves = L->G > 0 ? L->W / L->G : 0;
  if (rowWaves <= 0 || L->bm <= 0 || L->bm % rowWaves ||
      (L->bm / rowWaves != 32 && L->bm / rowWaves != 16)) {
    snprintf(msg, sizeof(msg),
             "has block_m %lld and num_warps %d: each wave must own 32 or 16 "
             "query rows (an MFMA block)",
             (long long)L->bm, L->W);
    attnEmitOpError(func, passName, msg);
    return false;
  }
  A(L)->permlaneSwap = !strcmp(chip, "gfx950");
  A(L)->stages = numStages(kernel);
  mlirOperationWalk(func, findDualTile, &A(L)->dualTiles, MlirWalkPreOrder);
  if (A(L)->dualTiles && A(L)->stages >= 2) {
    attnEmitOpError(func, passName,
                    "has a tile that both matmul forms read (attn.mla) and num_stages >= 2, "
                    "whose K/V pipeline this lowering does not have for it");
    return false;
  }
  A(L)->R = (int)(L->bm / rowWaves);
  A(L)->G = WAVE / A(L)->R;
  MlirBlock old = mlirRegionGetFirstBlock(mlirOperationGetRegion(func, 0));
  MlirType qElem = mlirShapedTypeGetElementType(mlirValueGetType(mlirBlockGetArgument(old, 0)));
  bool matmul = attnGpuHasMatmul(func);
  /* An fp8 Q (attn.mha's fp8 kernels) computes in out's 16-bit type: every
   * fp8 tile is dequantized on its way into registers or LDS. */
  if (matmul && attnIsFp8Type(qElem))
    qElem = attnGpuFp8MathType(old);
  AttnMfmaElem elem;
  /* A kernel without matmuls (the paged merge kernel) has no Q: it only
   * uses the C layout, which f16 and bf16 instructions share. */
  if (!matmul)
    elem = ATTN_MFMA_F16;
  else if (!mlirTypeIsNull(qElem) && mlirTypeIsAF16(qElem))
    elem = ATTN_MFMA_F16;
  else if (!mlirTypeIsNull(qElem) && mlirTypeIsABF16(qElem))
    elem = ATTN_MFMA_BF16;
  else {
    attnEmitOpError(func, passName, "has inputs that are not f16 or bf16 (MFMA needs them)");
    return false;
  }
  MlirAttribute layouts[3] = {{NULL}, {NULL}, {NULL}}; /* 16-bit, fp8 Q K^T, fp8 P V */
  if (matmul)
    mlirOperationWalk(func, findMatmulLayouts, layouts, MlirWalkPreOrder);
  /* Both matmuls fp8: no 16-bit one names the instruction whose lane
   * layouts (C, and the 16-bit tiles') the rest of the kernel uses. */
  if (matmul && mlirAttributeIsNull(layouts[0]) && !mlirAttributeIsNull(layouts[1]) &&
      !mlirAttributeIsNull(layouts[2]))
    layouts[0] = implicitLayout(L->ctx, chip, elem, A(L)->R);
  A(L)->mma = matmul ? recordedMfma(func, layouts[0], chip, elem, A(L)->R)
                     : attnMfmaSelect(chip, elem, A(L)->R);
  if (!A(L)->mma)
    return false;
  if (matmul) {
    bool failed;
    A(L)->qk = recordedFp8Mfma(func, chip, layouts[1], A(L)->mma, &failed);
    if (!failed)
      A(L)->pv = recordedFp8Mfma(func, chip, layouts[2], A(L)->mma, &failed);
    if (failed)
      return false;
    if (A(L)->pv && !A(L)->qk) {
      attnEmitOpError(func, passName,
                      "has an fp8 P V without an fp8 Q K^T (P's bytes come from the C layout "
                      "of S on the fp8 MFMA)");
      return false;
    }
  }
  L->elem = matmul ? qElem : mlirF32TypeGet(L->ctx);
  L->CE = A(L)->mma->c_per_lane;
  A(L)->KPL = A(L)->mma->a_per_lane;
  A(L)->K = A(L)->mma->k;
  if (!readLayout(L) || CHUNK % A(L)->KPL || A(L)->K != A(L)->G * A(L)->KPL) {
    attnEmitOpError(func, passName, "has an MFMA lane layout this lowering does not handle");
    return false;
  }
  /* One row per lane: the MFMA block's column; R columns per block. */
  L->RL = 1;
  L->CB = A(L)->R;
  L->storeRun = 4;
  memcpy(L->colBase, A(L)->crowBase, sizeof(int) * (size_t)L->CE);
  return true;
}

static MlirValue reduceLanes(AttnGpuLower *L, AttnBuilder *b, const char *combine, MlirValue x) {
  for (int offset = A(L)->R; offset < WAVE; offset *= 2)
    x = A(L)->permlaneSwap && (offset == 16 || offset == 32)
            ? combineSwapped(L, b, combine, x, offset)
            : attnBinary(b, combine, x, attnGpuShuffleXor(L, b, x, offset));
  return x;
}

/* Per-lane values every op uses: lane group, row, columns, row owner. */
static void laneValues(AttnGpuLower *L, AttnBuilder *b) {
  AmdState *s = A(L);
  MlirValue wave = attnGpuUDiv(b, L->tid, WAVE), lane = attnGpuURem(b, L->tid, WAVE);
  s->g = attnGpuUDiv(b, lane, s->R);
  s->lr = attnGpuURem(b, lane, s->R);
  /* Waves are row groups x G column groups (attn.warp_cols; G = 1: one
   * wave per R rows): a row group's waves share its rows, and each holds
   * splitCols / G columns of the split tiles, from warpColIdx on. */
  MlirValue rowWave = L->G > 1 ? attnGpuUDiv(b, wave, L->G) : wave;
  L->rowBase[0] = attnAddI(b, attnMulI(b, rowWave, cIdx(b, s->R)), s->lr);
  L->colLaneIdx = attnMulI(b, s->g, cIdx(b, s->crowDelta[0]));
  L->colLane = attnGpuNarrow(b, L->colLaneIdx);
  L->rowOwner = attnCmpI(b, ATTN_CMPI_EQ, s->g, cIdx(b, 0));
  if (L->G > 1) {
    MlirValue colWave = attnGpuURem(b, wave, L->G);
    L->warpColIdx = attnMulI(b, colWave, cIdx(b, L->splitCols / L->G));
    L->rowOwner =
        attnBinary(b, "arith.andi", L->rowOwner, attnCmpI(b, ATTN_CMPI_EQ, colWave, cIdx(b, 0)));
  }
}

/* One buffer for K and V (V staged after QK^T has consumed K), rows (K) or
 * columns (V^T) padded by a_per_lane elements: fragment reads of
 * consecutive rows start a_per_lane/2 banks apart, so a wave's 64/128-bit
 * reads cover all banks once. */
static int64_t sharedElems(const AttnGpuLower *L, int64_t rows, int64_t cols, bool isV) {
  if (L->backward) /* two buffers, each a tile both ways (lowerReadTile) */
    return 2 * (kElems(L, rows, cols) + vElems(L, rows, cols));
  if (((const AmdState *)L->state)->dualTiles) /* attn.mla: K, and V^T of its prefix */
    return kElems(L, rows, cols) + vElems(L, rows, cols);
  if (((const AmdState *)L->state)->stages >= 2) /* K's buffer, then V's */
    return kElems(L, rows, cols) + vElems(L, rows, cols);
  return isV ? vElems(L, rows, cols) : kElems(L, rows, cols);
}

/* K/V reads of a pipelined loop follow its schedule; every other one is
 * staged where it is, in the first buffer. */
static void readTile(AttnGpuLower *L, AttnBuilder *b, MlirOperation op, const AttnTileRead *t,
                     bool isV) {
  AmdPipe *p = &A(L)->pipe;
  MlirValue res = mlirOperationGetResult(op, 0);
  bool piped = A(L)->stages >= 2 && !mlirOperationIsNull(p->oldLoop) &&
               mlirOperationEqual(p->oldLoop, parentOp(op));
  if (A(L)->stages >= 2 && !isV && !piped)
    piped = startPipe(L, b, op, t);
  if (L->failed)
    return;
  if (piped && !isV && mlirValueEqual(res, p->kTile))
    pipedK(L, b, op, t);
  else if (piped && isV && mlirValueEqual(res, p->vTile))
    pipedV(L, b, op, t);
  else if (piped)
    attnGpuFail(L, op, "reads a K/V tile other than the pipelined ones of its loop");
  else
    lowerReadTile(L, b, op, t, isV);
}

/* v_exp_f32 / v_log_f32: their inputs here are never denormal-sensitive
 * (exp2 of a logit difference <= 0, log2 of a sum >= 1). */
static MlirValue exp2F32(AttnGpuLower *L, AttnBuilder *b, MlirValue x) {
  (void)L;
  return attnGpuOp1(b, "rocdl.exp2", 1, &x, mlirValueGetType(x), 0, NULL);
}

static MlirValue log2F32(AttnGpuLower *L, AttnBuilder *b, MlirValue x) {
  (void)L;
  return attnGpuOp1(b, "rocdl.log", 1, &x, mlirValueGetType(x), 0, NULL);
}

/* An attn.per_iteration scalar (a Philox key word, counter word) as an
 * empty inline asm's SGPR result, which LLVM cannot hoist: the splats built
 * from it then stay in the loop, next to the VALU ops that read the SGPR.
 * Hoisted, each splat was one SGPR per lane element (the AMDGPU backend does
 * not rematerialize them): gfx942's dropout forward with run-time seeds at
 * D = 128 spilled 553 SGPRs to VGPR lanes and reloaded about 300 of them per
 * KV iteration; with the copy, none. The kernel IR only marks uniform values
 * (program ids, loads of the rng_state argument), which "s" holds. */
static MlirValue perIteration(AttnGpuLower *L, AttnBuilder *b, MlirValue x) {
  (void)L;
  MlirType t = mlirValueGetType(x);
  if (!mlirTypeIsAInteger(t) || mlirIntegerTypeGetWidth(t) != 32)
    return x; /* the marked words are i32 */
  return mlirOperationGetResult(attnInlineAsm(b, "", "=s,0", false, 1, &x, t), 0);
}

static const AttnGpuTarget amdTarget = {
    .passName = "attn-lower-amdgpu",
    .vendor = "AMD",
    .warpSize = WAVE,
    .exp2 = exp2F32,
    .log2 = log2F32,
    .setUp = setUp,
    .laneValues = laneValues,
    .sharedElems = sharedElems,
    .readQ = lowerReadQ,
    .readTile = readTile,
    .lowerQK = lowerQK,
    .lowerPV = lowerPV,
    .perIteration = perIteration,
    .convertFp8 = convertFp8,
    .reduceLanes = reduceLanes,
};

static void run(MlirOperation root, MlirExternalPass pass) {
  attnGpuLowerRun(root, pass, &amdTarget);
}

static const int64_t passId = 0;

static const AttnPassInfo info = {&passId, "AttnLowerAmdgpu", "attn-lower-amdgpu",
                                  "Lower kernel IR to AMD GPU kernels (gpu.func with MFMA, LDS "
                                  "staging and wave reductions) launched by gpu.launch_func",
                                  run};

MlirPass attnCreateLowerAmdgpuPass(void) { return attnCreatePass(&info); }
