/*===- NvgpuWgmma.c - warpgroup MMA (wgmma) for the NVIDIA lowering -------===*
 *
 * See NvgpuWgmma.h for the layouts. Descriptors follow the PTX ISA's "Matrix
 * Descriptor Format" and canonical layouts (128-byte swizzle):
 *   K-major (Q and K: the reduction dim is the contiguous one):
 *     ((8, m), (T, 2k)) : ((8T, SBO), (1, T))  -> SBO = 1024 bytes (the next
 *     8 rows), LBO unused; a k16 step inside a box is +32 bytes, the next
 *     box is + rows * 128 bytes.
 *   MN-major (V as the B of P V: N = the head dim is contiguous):
 *     ((T, 8, m), (8, k)) : ((1, T, LBO), (8T, SBO)) -> LBO = the next box of
 *     64 columns (rows * 128 bytes), SBO = 1024 bytes (the next 8 keys); a
 *     k16 step is 16 rows = +2048 bytes.
 * `nvgpu.warpgroup.mma` is not used: it steps descriptors wrongly for
 * K-major B and K > 64 (../shared/notes/hopper.md).
 *
 *===----------------------------------------------------------------------===*/

#include "NvgpuWgmma.h"

#include "mlir-c/BuiltinAttributes.h"
#include "mlir-c/BuiltinTypes.h"
#include "mlir-c/Dialect/LLVM.h"

#include <stdio.h>
#include <string.h>

enum { ROW_BYTES = 128, SBO = 1024, MAX_ACC = ATTN_WGMMA_MAX_N / 2 };

static MlirValue cIdx(AttnBuilder *b, int64_t v) { return attnConstIndex(b, v); }

static MlirValue cI64(AttnBuilder *b, int64_t v) {
  return attnGpuConstInt(b, attnIntType(b, 64), v);
}

bool attnWgmmaTileFits(int64_t rows, int64_t cols) {
  return rows > 0 && rows % 16 == 0 && cols > 0 && cols % ATTN_WGMMA_BOX == 0;
}

MlirValue attnWgmmaChunkOffset(AttnBuilder *b, MlirValue row, MlirValue col, int64_t rows,
                               int64_t base) {
  MlirValue box = attnGpuUDiv(b, col, ATTN_WGMMA_BOX);
  MlirValue chunk = attnGpuUDiv(b, attnGpuURem(b, col, ATTN_WGMMA_BOX), 8);
  MlirValue swizzled = attnBinary(b, "arith.xori", chunk, attnGpuURem(b, row, 8));
  MlirValue at = attnAddI(b, attnMulI(b, box, cIdx(b, rows * ATTN_WGMMA_BOX)),
                          attnMulI(b, row, cIdx(b, ATTN_WGMMA_BOX)));
  return attnAddI(b, cIdx(b, base), attnAddI(b, at, attnMulI(b, swizzled, cIdx(b, 8))));
}

AttnWgmmaLanes attnWgmmaLanes(AttnGpuLower *L, AttnBuilder *b) {
  MlirValue p =
      attnOp1(b, "memref.extract_aligned_pointer_as_index", 1, &L->smem, attnIndexType(b));
  AttnWgmmaLanes w;
  w.smemAddr = attnIndexCast(b, p, attnIntType(b, 64));
  w.wgRow = attnMulI(b, attnGpuUDiv(b, L->tid, 128), cIdx(b, 64));
  return w;
}

/* The descriptor of a matrix starting at byte address `addr` (i64, shared
 * window): start address >> 4 in bits 0-13, LBO >> 4 in 16-29, SBO >> 4 in
 * 32-45, base offset 0 (1024-byte aligned atoms), 128-byte swizzle (1 << 62). */
static MlirValue descriptor(AttnBuilder *b, MlirValue addr, int64_t lbo) {
  MlirValue start = attnBinary(b, "arith.shrui", attnAndI(b, addr, cI64(b, 0x3FFFF)), cI64(b, 4));
  int64_t high = (int64_t)((1ull << 62) | ((uint64_t)(SBO >> 4) << 32) |
                           ((uint64_t)((lbo >> 4) & 0x3FFF) << 16));
  return attnBinary(b, "arith.ori", start, cI64(b, high));
}

/* A descriptor moved by `bytes` (a multiple of 16, inside the shared window:
 * the start-address field cannot carry). */
static MlirValue stepped(AttnBuilder *b, MlirValue desc, int64_t bytes) {
  return bytes ? attnAddI(b, desc, cI64(b, bytes >> 4)) : desc;
}

static MlirValue byteAddr(AttnBuilder *b, const AttnWgmmaLanes *w, const AttnWgmmaTile *t,
                          MlirValue rowBytes) {
  MlirValue at = attnAddI(b, w->smemAddr, cI64(b, 2 * t->base));
  if (!mlirValueIsNull(t->dynBase))
    at = attnAddI(b, at, attnIndexCast(b, attnMulI(b, t->dynBase, cIdx(b, 2)), attnIntType(b, 64)));
  if (!mlirValueIsNull(rowBytes))
    at = attnAddI(b, at, attnIndexCast(b, rowBytes, attnIntType(b, 64)));
  return at;
}

static MlirType accType(AttnGpuLower *L, int n) {
  MlirType f32 = mlirF32TypeGet(L->ctx), fields[MAX_ACC];
  for (int i = 0; i < n; ++i)
    fields[i] = f32;
  return mlirLLVMStructTypeLiteralGet(L->ctx, n, fields, false);
}

/* The accumulator struct of `n` f32 from the core's blocks: register i is
 * block ((i >> 1) & 1) * ncb + (i >> 2), element i & 1. */
static MlirValue packAcc(AttnGpuLower *L, AttnBuilder *b, const MlirValue *blocks, int n) {
  int ncb = n / 4;
  MlirType t = accType(L, n);
  MlirValue s = attnGpuOp1(b, "llvm.mlir.poison", 0, NULL, t, 0, NULL);
  for (int64_t i = 0; i < n; ++i) {
    MlirValue x = attnGpuExtract(L, b, blocks[((i >> 1) & 1) * ncb + (i >> 2)], i & 1);
    MlirNamedAttribute pos = attnNamedAttr(b, "position", mlirDenseI64ArrayGet(L->ctx, 1, &i));
    MlirValue operands[2] = {s, x};
    s = attnGpuOp1(b, "llvm.insertvalue", 2, operands, t, 1, &pos);
  }
  return s;
}

void attnWgmmaUnpack(AttnGpuLower *L, AttnBuilder *b, MlirValue s, int n, MlirValue *blocks) {
  int ncb = n / 4;
  MlirType f32 = mlirF32TypeGet(L->ctx);
  for (int64_t i = 0; i < n; i += 2) {
    MlirValue pair[2];
    for (int64_t e = 0; e < 2; ++e) {
      int64_t at = i + e;
      MlirNamedAttribute pos = attnNamedAttr(b, "position", mlirDenseI64ArrayGet(L->ctx, 1, &at));
      pair[e] = attnGpuOp1(b, "llvm.extractvalue", 1, &s, f32, 1, &pos);
    }
    blocks[((i >> 1) & 1) * ncb + (i >> 2)] =
        attnGpuOp1(b, "vector.from_elements", 2, pair, attnGpuVecT(2, f32), 0, NULL);
  }
}

static void simpleOp(AttnBuilder *b, const char *name) {
  attnBuildOp(b, name, 0, NULL, 0, NULL, 0, NULL, 0, NULL);
}

/* wait_group N: the accumulators of all but the last N committed groups are
 * final, and their shared operands free, once the warpgroup passes it. */
void attnWgmmaWait(AttnGpuLower *L, AttnBuilder *b, int64_t inFlight) {
  MlirNamedAttribute g =
      attnNamedAttr(b, "group", mlirIntegerAttrGet(mlirIntegerTypeGet(L->ctx, 64), inFlight));
  attnBuildOp(b, "nvvm.wgmma.wait.group.sync.aligned", 0, NULL, 0, NULL, 1, &g, 0, NULL);
}

static const char *elemName(AttnGpuLower *L) { return mlirTypeIsABF16(L->elem) ? "bf16" : "f16"; }

MlirValue attnWgmmaQK(AttnGpuLower *L, AttnBuilder *b, const AttnWgmmaLanes *w,
                      const AttnWgmmaTile *q, const AttnWgmmaTile *k, const MlirValue *acc) {
  int n = (int)(k->rows / 2), chunks = (int)(q->cols / 16);
  MlirValue qRow = attnMulI(b, w->wgRow, cIdx(b, ROW_BYTES));
  MlirValue descQ = descriptor(b, byteAddr(b, w, q, qRow), 16);
  MlirValue descK = descriptor(b, byteAddr(b, w, k, attnNullValue()), 16);
  char text[160];
  snprintf(text, sizeof(text), "#nvvm.shape<m = 64, n = %lld, k = 16>", (long long)k->rows);
  MlirAttribute shape = attnGpuParseAttr(L, text);
  snprintf(text, sizeof(text), "#nvvm.wgmma_type<%s>", elemName(L));
  MlirAttribute type = attnGpuParseAttr(L, text);
  MlirNamedAttribute attrs[9] = {
      attnNamedAttr(b, "shape", shape),
      attnNamedAttr(b, "typeA", type),
      attnNamedAttr(b, "typeB", type),
      attnNamedAttr(b, "typeD", attnGpuParseAttr(L, "#nvvm.wgmma_type<f32>")),
      attnNamedAttr(b, "scaleD", attnGpuParseAttr(L, "#nvvm.wgmma_scale_out<one>")),
      attnNamedAttr(b, "scaleA", attnGpuParseAttr(L, "#nvvm.wgmma_scale_in<one>")),
      attnNamedAttr(b, "scaleB", attnGpuParseAttr(L, "#nvvm.wgmma_scale_in<one>")),
      attnNamedAttr(b, "layoutA", attnGpuParseAttr(L, "#nvvm.mma_layout<row>")),
      attnNamedAttr(b, "layoutB", attnGpuParseAttr(L, "#nvvm.mma_layout<col>"))};
  /* A zero accumulator is not loaded: the first step does not read it
   * (scale-d 0), so no instruction writes the registers of the group. */
  MlirValue s = acc ? packAcc(L, b, acc, n)
                    : attnGpuOp1(b, "llvm.mlir.poison", 0, NULL, accType(L, n), 0, NULL);
  /* Every descriptor is made before the fence: ptxas serializes a group
   * whose inputs other instructions write while wgmmas are in flight (C7513). */
  MlirValue dq[ATTN_WGMMA_MAX_N / 16 * 2], dk[ATTN_WGMMA_MAX_N / 16 * 2];
  for (int64_t c = 0; c < chunks; ++c) {
    int64_t box = c / 4, inRow = (c % 4) * 32;
    dq[c] = stepped(b, descQ, box * q->rows * ROW_BYTES + inRow);
    dk[c] = stepped(b, descK, box * k->rows * ROW_BYTES + inRow);
  }
  simpleOp(b, "nvvm.wgmma.fence.aligned");
  for (int64_t c = 0; c < chunks; ++c) {
    if (c == 1 && !acc)
      attrs[4] = attnNamedAttr(b, "scaleD", attnGpuParseAttr(L, "#nvvm.wgmma_scale_out<one>"));
    else if (c == 0 && !acc)
      attrs[4] = attnNamedAttr(b, "scaleD", attnGpuParseAttr(L, "#nvvm.wgmma_scale_out<zero>"));
    MlirValue operands[3] = {s, dq[c], dk[c]};
    s = attnGpuOp1(b, "nvvm.wgmma.mma_async", 3, operands, mlirValueGetType(s), 9, attrs);
  }
  simpleOp(b, "nvvm.wgmma.commit.group.sync.aligned");
  return s;
}

/* One pair of P (vector<2 x bf16|f16>) as the b32 register PTX packs it in. */
static MlirValue packPair(AttnGpuLower *L, AttnBuilder *b, MlirValue pair) {
  MlirType i32 = attnIntType(b, 32);
  MlirValue one = attnOp1(b, "vector.bitcast", 1, &pair, attnGpuVecT(1, i32));
  return attnGpuExtract(L, b, one, 0);
}

/* The inline PTX of one RS wgmma with `n` accumulator registers: operands
 * $0..$n-1 the accumulator (tied to $n+5..$2n+4), $n..$n+3 the A registers,
 * $n+4 the B descriptor. */
static void rsAsm(AttnGpuLower *L, int n, char *text, size_t size, char *cons, size_t consSize) {
  size_t at = (size_t)snprintf(text, size,
                               "{\n.reg .pred p;\nsetp.ne.b32 p, 1, 0;\n"
                               "wgmma.mma_async.sync.aligned.m64n%dk16.f32.%s.%s {",
                               2 * n, elemName(L), elemName(L));
  for (int i = 0; i < n && at < size; ++i)
    at += (size_t)snprintf(text + at, size - at, "%s$%d", i ? ", " : "", i);
  /* scale-d is a predicate operand: true, the accumulator is an input. */
  if (at < size)
    snprintf(text + at, size - at, "}, {$%d, $%d, $%d, $%d}, $%d, p, 1, 1, 1;\n}", n, n + 1, n + 2,
             n + 3, n + 4);
  at = 0;
  for (int i = 0; i < n && at < consSize; ++i)
    at += (size_t)snprintf(cons + at, consSize - at, "=f,");
  if (at < consSize)
    at += (size_t)snprintf(cons + at, consSize - at, "r,r,r,r,l");
  for (int i = 0; i < n && at < consSize; ++i)
    at += (size_t)snprintf(cons + at, consSize - at, ",%d", i);
}

void attnWgmmaDescriptorsV(AttnBuilder *b, const AttnWgmmaLanes *w, const AttnWgmmaTile *v,
                           MlirValue *out) {
  MlirValue descV = descriptor(b, byteAddr(b, w, v, attnNullValue()), v->rows * ROW_BYTES);
  for (int j = 0; j < v->rows / 16; ++j)
    out[j] = stepped(b, descV, (int64_t)j * 16 * ROW_BYTES);
}

MlirValue attnWgmmaPV(AttnGpuLower *L, AttnBuilder *b, const AttnWgmmaLanes *w, const MlirValue *p,
                      const AttnWgmmaTile *v, const MlirValue *vDesc, const MlirValue *acc) {
  int n = (int)(v->cols / 2), npt = (int)(v->rows / 8);
  MlirValue made[ATTN_WGMMA_MAX_N / 16];
  if (!vDesc) {
    attnWgmmaDescriptorsV(b, w, v, made);
    vDesc = made;
  }
  char text[4096], cons[2048];
  rsAsm(L, n, text, sizeof(text), cons, sizeof(cons));
  MlirValue s = packAcc(L, b, acc, n);
  MlirType t = mlirValueGetType(s), f32 = mlirF32TypeGet(L->ctx);
  /* Every input register is defined before the fence: ptxas serializes a
   * pipeline stage (C7513) in which other instructions write wgmma inputs,
   * and the Q K^T of the next tile may be in flight here. */
  MlirValue aRegs[ATTN_WGMMA_MAX_N / 16][4];
  for (int j = 0; j < v->rows / 16; ++j) {
    /* k-chunk j of P: keys [16j, 16j + 16) = column blocks 2j and 2j + 1 of
     * both row slots, in the A fragment's register order. */
    const MlirValue parts[4] = {p[2 * j], p[npt + 2 * j], p[2 * j + 1], p[npt + 2 * j + 1]};
    for (int r = 0; r < 4; ++r)
      aRegs[j][r] = packPair(L, b, parts[r]);
  }
  simpleOp(b, "nvvm.wgmma.fence.aligned");
  MlirValue operands[5 + MAX_ACC];
  for (int j = 0; j < v->rows / 16; ++j) {
    for (int r = 0; r < 4; ++r)
      operands[r] = aRegs[j][r];
    operands[4] = vDesc[j];
    for (int64_t i = 0; i < n; ++i) {
      MlirNamedAttribute pos = attnNamedAttr(b, "position", mlirDenseI64ArrayGet(L->ctx, 1, &i));
      operands[5 + i] = attnGpuOp1(b, "llvm.extractvalue", 1, &s, f32, 1, &pos);
    }
    s = mlirOperationGetResult(attnInlineAsm(b, text, cons, true, 5 + n, operands, t), 0);
  }
  simpleOp(b, "nvvm.wgmma.commit.group.sync.aligned");
  return s;
}

void attnWgmmaFenceProxy(AttnGpuLower *L, AttnBuilder *b) {
  MlirNamedAttribute attrs[2] = {
      attnNamedAttr(b, "kind", attnGpuParseAttr(L, "#nvvm.proxy_kind<async.shared>")),
      attnNamedAttr(b, "space", attnGpuParseAttr(L, "#nvvm.shared_space<cta>"))};
  attnBuildOp(b, "nvvm.fence.proxy", 0, NULL, 0, NULL, 2, attrs, 0, NULL);
}
