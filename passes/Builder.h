/*===- Builder.h - a small IR builder over the MLIR C API --------*- C -*-===*
 *
 * Passes build IR through these helpers so that a pass reads like the IR it
 * produces: `attnAddF(b, x, y)` emits `arith.addf`, `attnForBegin` ...
 * `attnForEnd` brackets the body of an `scf.for`. The builder is a value type
 * holding an insertion point; nothing here owns IR (created ops are inserted
 * immediately and owned by their block).
 *
 *===----------------------------------------------------------------------===*/
#ifndef ATTN_PASSES_BUILDER_H
#define ATTN_PASSES_BUILDER_H

#include "mlir-c/AffineMap.h"
#include "mlir-c/IR.h"

#include <stdbool.h>
#include <stdint.h>

typedef struct {
  MlirContext ctx;
  MlirLocation loc;
  MlirBlock block;      /* insertion block */
  MlirOperation before; /* insert before this op; null: append to block */
} AttnBuilder;

/* The C API has no null constructors for these handles. */
static inline MlirValue attnNullValue(void) {
  MlirValue v = {NULL};
  return v;
}
static inline MlirOperation attnNullOp(void) {
  MlirOperation op = {NULL};
  return op;
}

/* Builder that inserts right before `op`, with op's location. */
AttnBuilder attnBuilderBefore(MlirOperation op);

/* Creates `name` with the given operands/results/attributes/regions and
 * inserts it at the builder's insertion point. Regions are taken over. */
MlirOperation attnBuildOp(AttnBuilder *b, const char *name, intptr_t nOperands,
                          const MlirValue *operands, intptr_t nResults, const MlirType *results,
                          intptr_t nAttrs, const MlirNamedAttribute *attrs, intptr_t nRegions,
                          MlirRegion *regions);
MlirNamedAttribute attnNamedAttr(AttnBuilder *b, const char *name, MlirAttribute attr);

/* llvm.inline_asm of PTX `text` with `constraints`; `sideEffects` keeps it in
 * place (it reads or writes memory that other ops order). A null `result`
 * builds one without results (the returned op, not a value, then matters). */
MlirOperation attnInlineAsm(AttnBuilder *b, const char *text, const char *constraints,
                            bool sideEffects, intptr_t nOperands, const MlirValue *operands,
                            MlirType result);

/* Types. */
MlirType attnIndexType(AttnBuilder *b);
MlirType attnF32Type(AttnBuilder *b);
MlirType attnIntType(AttnBuilder *b, unsigned width);

/* arith constants. */
MlirValue attnConstIndex(AttnBuilder *b, int64_t value);
MlirValue attnConstF32(AttnBuilder *b, double value);

/* arith on integers/index (signed semantics where it matters). */
MlirValue attnAddI(AttnBuilder *b, MlirValue x, MlirValue y);
MlirValue attnSubI(AttnBuilder *b, MlirValue x, MlirValue y);
MlirValue attnMulI(AttnBuilder *b, MlirValue x, MlirValue y);
MlirValue attnDivSI(AttnBuilder *b, MlirValue x, MlirValue y);
MlirValue attnAndI(AttnBuilder *b, MlirValue x, MlirValue y);
MlirValue attnMaxSI(AttnBuilder *b, MlirValue x, MlirValue y);
MlirValue attnMinSI(AttnBuilder *b, MlirValue x, MlirValue y);
MlirValue attnIndexCast(AttnBuilder *b, MlirValue x, MlirType to);
MlirValue attnSIToFP(AttnBuilder *b, MlirValue x, MlirType to);

typedef enum {
  ATTN_CMPI_EQ = 0,
  ATTN_CMPI_NE = 1,
  ATTN_CMPI_SLT = 2,
  ATTN_CMPI_SLE = 3,
  ATTN_CMPI_SGT = 4,
  ATTN_CMPI_SGE = 5,
  ATTN_CMPI_UGE = 9
} AttnCmpIPredicate;
typedef enum {
  ATTN_CMPF_OEQ = 1,
  ATTN_CMPF_OGT = 2,
  ATTN_CMPF_OLT = 4,
  ATTN_CMPF_UNO = 14
} AttnCmpFPredicate;

MlirValue attnCmpI(AttnBuilder *b, AttnCmpIPredicate pred, MlirValue x, MlirValue y);
MlirValue attnCmpF(AttnBuilder *b, AttnCmpFPredicate pred, MlirValue x, MlirValue y);
MlirValue attnSelect(AttnBuilder *b, MlirValue cond, MlirValue t, MlirValue f);

/* arith/math on floats. */
MlirValue attnAddF(AttnBuilder *b, MlirValue x, MlirValue y);
MlirValue attnSubF(AttnBuilder *b, MlirValue x, MlirValue y);
MlirValue attnMulF(AttnBuilder *b, MlirValue x, MlirValue y);
MlirValue attnDivF(AttnBuilder *b, MlirValue x, MlirValue y);
MlirValue attnMaximumF(AttnBuilder *b, MlirValue x, MlirValue y);
MlirValue attnExpF(AttnBuilder *b, MlirValue x);
MlirValue attnLogF(AttnBuilder *b, MlirValue x);
MlirValue attnTanhF(AttnBuilder *b, MlirValue x);
MlirValue attnAbsI(AttnBuilder *b, MlirValue x);
/* Converts between float types; no-op when the types already agree. */
MlirValue attnConvertF(AttnBuilder *b, MlirValue x, MlirType to);

/* memref / bufferization. */
MlirValue attnDim(AttnBuilder *b, MlirValue shaped, int64_t index);
MlirValue attnLoad(AttnBuilder *b, MlirValue memref, intptr_t rank, const MlirValue *indices);
void attnStore(AttnBuilder *b, MlirValue value, MlirValue memref, intptr_t rank,
               const MlirValue *indices);
MlirValue attnAlloc(AttnBuilder *b, MlirType memrefType, intptr_t nDynamic,
                    const MlirValue *dynamicSizes);
void attnDealloc(AttnBuilder *b, MlirValue memref);
MlirValue attnToBuffer(AttnBuilder *b, MlirValue tensor);
MlirValue attnToTensor(AttnBuilder *b, MlirValue memref, MlirType tensorType);
/* Buffer for the tensor `result` of an op; each dynamic dim i is
 * dim(srcValues[i], srcDims[i]). */
MlirValue attnAllocLike(AttnBuilder *b, MlirValue result, const MlirValue *srcValues,
                        const int *srcDims);
/* The memref type with the shape and element type of a ranked tensor type. */
MlirType attnMemRefLike(MlirType tensorType);

/* scf.for with loop-carried values:
 *   AttnFor loop = attnForBegin(b, lb, ub, step, n, inits);
 *   ... body built through b, using loop.iv and loop.iterArgs[i] ...
 *   attnForEnd(b, &loop, n, yielded);   // loop.results[i] now usable
 */
enum { ATTN_FOR_MAX_ITER = 160 };
typedef struct {
  MlirOperation op;
  MlirValue iv;
  MlirValue iterArgs[ATTN_FOR_MAX_ITER];
  MlirValue results[ATTN_FOR_MAX_ITER];
  intptr_t numIter;
  AttnBuilder outer; /* insertion point to restore */
} AttnFor;

AttnFor attnForBegin(AttnBuilder *b, MlirValue lb, MlirValue ub, MlirValue step, intptr_t numIter,
                     const MlirValue *inits);
void attnForEnd(AttnBuilder *b, AttnFor *loop, intptr_t numYield, const MlirValue *yielded);

/* Any single-result op: `name`(operands) -> result. */
MlirValue attnOp1(AttnBuilder *b, const char *name, intptr_t nOperands, const MlirValue *operands,
                  MlirType result);
/* Same-typed elementwise ops (arith/math on scalars or vectors). */
MlirValue attnBinary(AttnBuilder *b, const char *name, MlirValue x, MlirValue y);
MlirValue attnUnary(AttnBuilder *b, const char *name, MlirValue x);

/* vector dialect. */
MlirType attnVectorType(intptr_t rank, const int64_t *shape, MlirType elem);
MlirValue attnConstSplatF(AttnBuilder *b, MlirType vectorType, double value);
MlirValue attnBroadcast(AttnBuilder *b, MlirValue x, MlirType vectorType);
MlirValue attnTranspose2d(AttnBuilder *b, MlirValue x);
/* memref.subview with unit strides: static offsets/sizes, the dynamic ones
 * (ShapedType dynamic markers in the static arrays) given in order. */
MlirValue attnSubView(AttnBuilder *b, MlirValue source, MlirType resultType, intptr_t rank,
                      const int64_t *staticOffsets, const int64_t *staticSizes, intptr_t nOffsets,
                      const MlirValue *offsets, intptr_t nSizes, const MlirValue *sizes);
/* vector.insert_strided_slice of a 2-D `part` into `into` at row `row`, column 0. */
MlirValue attnInsertRows(AttnBuilder *b, MlirValue part, MlirValue into, int64_t row);
/* vector.extract_strided_slice of columns [0, cols) of every row of the 2-D
 * `tile`: a view of a prefix of its columns (attn.mla's V inside its K tile). */
MlirValue attnExtractColumns(AttnBuilder *b, MlirValue tile, int64_t cols);
/* vector<R> -> vector<R x cols>: every row r holds row[r] (broadcast along
 * the trailing dim needs the transposed broadcast). */
MlirValue attnRowBroadcast(AttnBuilder *b, MlirValue row, int64_t cols);
MlirValue attnStep(AttnBuilder *b, int64_t n);
MlirValue attnTransferRead(AttnBuilder *b, MlirType vectorType, MlirValue mem, intptr_t rank,
                           const MlirValue *indices, MlirValue pad, MlirAffineMap perm,
                           const bool *inBounds);
void attnTransferWrite(AttnBuilder *b, MlirValue value, MlirValue mem, intptr_t rank,
                       const MlirValue *indices, MlirAffineMap perm, const bool *inBounds);
/* vector.contract (add) with two parallel and one reduction dims; `maps` is
 * the text of the three indexing maps, comma separated. */
MlirValue attnContract(AttnBuilder *b, MlirValue lhs, MlirValue rhs, MlirValue acc,
                       const char *maps);
MlirValue attnMultiReduction(AttnBuilder *b, const char *kind, MlirValue source, MlirValue acc,
                             int64_t dim);

MlirValue attnAffineApply(AttnBuilder *b, MlirAffineMap map, intptr_t n, const MlirValue *operands);
void attnCall(AttnBuilder *b, const char *callee, intptr_t n, const MlirValue *operands);

/* memref<?x..x?xlast x elem, strided<[?,..,?,unit?], offset: ?>> of rank <= 4
 * (unitLast: the last stride is 1). */
MlirType attnStridedMemRefType(MlirContext ctx, intptr_t rank, int64_t last, bool unitLast,
                               MlirType elem);
/* memref.subview of `rows` rows from `start` along dim `dim`, the other dims
 * whole; keeps the (fully dynamic) type of `mem`. */
MlirValue attnRowSlice(AttnBuilder *b, MlirValue mem, int dim, MlirValue start, MlirValue rows);
/* mem[i] of a 1-D integer memref (cu_seqlens, seq_lens) as an index. */
MlirValue attnLoadIndex(AttnBuilder *b, MlirValue mem, MlirValue i);
/* cond ? index_cast(mem[indices]) : 0, the load inside an scf.if: for
 * tensors that may be empty (a select would still load). */
MlirValue attnLoadIndexIf(AttnBuilder *b, MlirValue cond, MlirValue mem, intptr_t rank,
                          const MlirValue *indices);
/* min(max(x, lo), hi), signed. */
/* mem[indices] (f32) if cond, else the constant `otherwise`, without reading
 * mem then (scf.if): a row of a tensor that may have none. */
MlirValue attnLoadF32If(AttnBuilder *b, MlirValue cond, MlirValue mem, intptr_t rank,
                        const MlirValue *indices, double otherwise);
MlirValue attnClampSI(AttnBuilder *b, MlirValue x, MlirValue lo, MlirValue hi);

#endif /* ATTN_PASSES_BUILDER_H */
