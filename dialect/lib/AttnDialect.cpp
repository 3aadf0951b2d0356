//===- AttnDialect.cpp - ODS glue and verifiers of the attn dialect -------===//
//
// The verifiers check every shape relation of the op's documented contract
// and name the operand and the values seen, so that a user reading the
// diagnostic knows which tensor to fix without reading this file.
//
//===----------------------------------------------------------------------===//

#include "attn/IR/AttnDialect.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/IR/TypeUtilities.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallString.h"

#include <array>
#include <cmath>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>

using namespace mlir;

#include "attn/IR/AttnOpsDialect.cpp.inc"

#define GET_OP_CLASSES
#include "attn/IR/AttnOps.cpp.inc"

namespace {
/// TypeID::get<Trait>() names a trait by the compiler's spelling of
/// `Trait<Empty>` with a local struct Empty: libMLIR.so (clang) spells it
/// "mlir::OpTrait::IsTerminator<Empty>", gcc differently, and both share one
/// static for it, so a gcc instantiation (ODS's `Terminator` on attn.yield)
/// made every terminator unrecognizable to the C API. attn.yield therefore
/// does not declare the trait; it answers the core's spelling by name.
struct ForeignTypeID : detail::FallbackTypeIDResolver {
  static TypeID byName(llvm::StringRef name) { return registerImplicitTypeID(name); }
};
} // namespace

OperationName::HasTraitFn attn::YieldOp::getHasTraitFn() {
  static TypeID coreTerminator = ForeignTypeID::byName("mlir::OpTrait::IsTerminator<Empty>");
  return [](TypeID id) {
    return id == coreTerminator ||
           op_definition_impl::hasTrait<OpTrait::ZeroRegions, OpTrait::ZeroResults,
                                        OpTrait::ZeroSuccessors, OpTrait::OneOperand,
                                        OpTrait::OpInvariants>(id);
  };
}

namespace {

/// Holds the ODS model; a base class so that it is built before the Impl
/// base, which takes its interface map (Op::getInterfaceMap is private to
/// RegisteredOperationName; the model's own copy is not used).
template <typename OpT> struct OdsModel {
  RegisteredOperationName::Model<OpT> model;
  explicit OdsModel(Dialect *dialect) : model(dialect) {}
};

/// An op's registration (RegisteredOperationName::Model<OpT>, whose methods
/// are final) with one change: a property dictionary naming a property the op
/// does not have is an error. The generic form's `<{casual}>` goes straight
/// to ODS's setPropertiesFromAttr, which reads the names it knows and drops
/// the rest, so the typo would give a non-causal op that the verifier cannot
/// tell from a correct one (`{casual}` is a discardable attribute, which
/// checkAttributeNames refuses). MLIR has no hook for this in ODS, so
/// everything else is forwarded to the ODS model unchanged.
template <typename OpT>
struct StrictPropertiesModel final : private OdsModel<OpT>, OperationName::Impl {
  using Properties = typename OpT::Properties;
  using OdsModel<OpT>::model;

  explicit StrictPropertiesModel(Dialect *dialect)
      : OdsModel<OpT>(dialect), Impl(OpT::getOperationName(), dialect, TypeID::get<OpT>(),
                                     std::move(model.getInterfaceMap())) {}

  /// Whether ODS knows `name` (getInherentAttr answers for every property,
  /// operandSegmentSizes and its legacy spelling included).
  static bool isProperty(MLIRContext *ctx, StringRef name) {
    return OpT::getInherentAttr(ctx, Properties{}, name).has_value();
  }

  static LogicalResult unknownProperty(StringRef name,
                                       function_ref<InFlightDiagnostic()> emitError) {
    InFlightDiagnostic diag = emitError();
    diag << "unknown property '" << name << "' (the op's properties are ";
    llvm::interleaveComma(OpT::getAttributeNames(), diag);
    diag << "; other attributes go in the attribute dictionary with a dialect prefix)";
    return failure();
  }

  /// The operand groups added at the end of an op after generic IR had been
  /// written without them, latest first: attn.mha and attn.mha_varlen's
  /// k_mean (SAGE, docs/fp8.md), rng_state (dropout's run-time Philox
  /// state), then the fp8 q_descale, k_descale, v_descale;
  /// attn.paged_attention's k_scale, v_scale.
  static constexpr std::array<int, 3> laterGroups() {
    if constexpr (std::is_same_v<OpT, attn::MhaOp> || std::is_same_v<OpT, attn::MhaVarlenOp>)
      return {1, 1, 3};
    else if constexpr (std::is_same_v<OpT, attn::PagedAttentionOp>)
      return {2, 0, 0};
    return {0, 0, 0};
  }

  /// operandSegmentSizes as written before those groups existed (generic
  /// IR, C API users) is that of an op without them: padded with zeros.
  /// Anything else is left for ODS to check.
  static Attribute upgradeSegments(Attribute sizes) {
    constexpr std::array<int, 3> later = laterGroups();
    if constexpr (later[0] == 0) {
      return sizes;
    } else {
      constexpr size_t n =
          std::tuple_size<decltype(std::declval<Properties>().operandSegmentSizes)>::value;
      auto array = dyn_cast_or_null<DenseI32ArrayAttr>(sizes);
      if (!array)
        return sizes;
      int missing = 0;
      for (int groups : later) {
        missing += groups;
        if (groups == 0 || array.size() + missing != static_cast<int64_t>(n))
          continue;
        SmallVector<int32_t> padded(array.asArrayRef());
        padded.append(missing, 0);
        return DenseI32ArrayAttr::get(sizes.getContext(), padded);
      }
      return sizes;
    }
  }

  LogicalResult setPropertiesFromAttr(OperationName name, OpaqueProperties props, Attribute attr,
                                      function_ref<InFlightDiagnostic()> emitError) final {
    if (auto dict = dyn_cast_or_null<DictionaryAttr>(attr)) {
      for (NamedAttribute a : dict)
        if (!isProperty(dict.getContext(), a.getName().strref()))
          return unknownProperty(a.getName().strref(), emitError);
      NamedAttrList list(dict);
      for (const char *name : {"operandSegmentSizes", "operand_segment_sizes"})
        if (Attribute sizes = dict.get(name))
          list.set(name, upgradeSegments(sizes));
      attr = list.getDictionary(dict.getContext());
    }
    return model.setPropertiesFromAttr(name, props, attr, emitError);
  }

  // The rest: Model<OpT> as it is.
  LogicalResult foldHook(Operation *op, ArrayRef<Attribute> attrs,
                         SmallVectorImpl<OpFoldResult> &results) final {
    return model.foldHook(op, attrs, results);
  }
  void getCanonicalizationPatterns(RewritePatternSet &set, MLIRContext *ctx) final {
    model.getCanonicalizationPatterns(set, ctx);
  }
  bool hasTrait(TypeID id) final { return model.hasTrait(id); }
  OperationName::ParseAssemblyFn getParseAssemblyFn() final { return model.getParseAssemblyFn(); }
  void populateDefaultAttrs(const OperationName &name, NamedAttrList &attrs) final {
    model.populateDefaultAttrs(name, attrs);
  }
  void printAssembly(Operation *op, OpAsmPrinter &p, StringRef dialect) final {
    model.printAssembly(op, p, dialect);
  }
  LogicalResult verifyInvariants(Operation *op) final { return model.verifyInvariants(op); }
  LogicalResult verifyRegionInvariants(Operation *op) final {
    return model.verifyRegionInvariants(op);
  }
  std::optional<Attribute> getInherentAttr(Operation *op, StringRef name) final {
    return model.getInherentAttr(op, name);
  }
  void setInherentAttr(Operation *op, StringAttr name, Attribute value) final {
    if (name.getValue() == "operandSegmentSizes" || name.getValue() == "operand_segment_sizes")
      value = upgradeSegments(value);
    model.setInherentAttr(op, name, value);
  }
  void populateInherentAttrs(Operation *op, NamedAttrList &attrs) final {
    model.populateInherentAttrs(op, attrs);
  }
  LogicalResult verifyInherentAttrs(OperationName name, NamedAttrList &attrs,
                                    function_ref<InFlightDiagnostic()> emitError) final {
    return model.verifyInherentAttrs(name, attrs, emitError);
  }
  int getOpPropertyByteSize() final { return model.getOpPropertyByteSize(); }
  void initProperties(OperationName name, OpaqueProperties storage, OpaqueProperties init) final {
    model.initProperties(name, storage, init);
  }
  void deleteProperties(OpaqueProperties props) final { model.deleteProperties(props); }
  void populateDefaultProperties(OperationName name, OpaqueProperties props) final {
    model.populateDefaultProperties(name, props);
  }
  Attribute getPropertiesAsAttr(Operation *op) final { return model.getPropertiesAsAttr(op); }
  void copyProperties(OpaqueProperties lhs, OpaqueProperties rhs) final {
    model.copyProperties(lhs, rhs);
  }
  bool compareProperties(OpaqueProperties lhs, OpaqueProperties rhs) final {
    return model.compareProperties(lhs, rhs);
  }
  llvm::hash_code hashProperties(OpaqueProperties props) final {
    return model.hashProperties(props);
  }
};

/// Dialect::addOperations<OpTs...>() with StrictPropertiesModel.
template <typename... OpTs> void addStrictOperations(Dialect *dialect) {
  (RegisteredOperationName::insert(std::make_unique<StrictPropertiesModel<OpTs>>(dialect),
                                   OpTs::getAttributeNames()),
   ...);
}

} // namespace

void attn::AttnDialect::initialize() {
  addStrictOperations<
#define GET_OP_LIST
#include "attn/IR/AttnOps.cpp.inc"
      >(this);
}

namespace {

/// One dimension of an operand, with a name for diagnostics ("Hq", "D", ...).
struct Dim {
  Value tensor;
  const char *operand;
  unsigned index;
  const char *name;
  int64_t size() const { return cast<RankedTensorType>(tensor.getType()).getDimSize(index); }
  bool isStatic() const { return !ShapedType::isDynamic(size()); }
};

/// Checks the rank of an operand or result and tells which layout was expected.
/// ODS only guarantees a tensor; an unranked one fails here too.
LogicalResult checkRank(Operation *op, Value value, const char *what, int64_t rank,
                        const char *layout) {
  auto type = dyn_cast<RankedTensorType>(value.getType());
  if (type && type.getRank() == rank)
    return success();
  return op->emitOpError() << "'" << what << "' must have rank " << rank << " (" << layout
                           << "), got " << value.getType();
}

/// The element types an operand or result may have.
enum class Elements { Float, F32, I32 };

LogicalResult checkElementKind(Operation *op, Value value, const char *what, Elements kind) {
  Type t = getElementTypeOrSelf(value.getType());
  bool ok = kind == Elements::Float ? t.isF16() || t.isBF16() || t.isF32()
            : kind == Elements::F32 ? t.isF32()
                                    : t.isSignlessInteger(32);
  if (ok)
    return success();
  const char *want = kind == Elements::Float ? "f16, bf16 or f32"
                     : kind == Elements::F32 ? "f32"
                                             : "i32";
  return op->emitOpError() << "'" << what << "' element type must be " << want << ", got " << t;
}

/// Head counts and head dims are static: tiles and MMA shapes depend on them.
LogicalResult checkStatic(Operation *op, const Dim &d) {
  if (d.isStatic())
    return success();
  return op->emitOpError() << "'" << d.operand << "' dimension " << d.index << " (" << d.name
                           << ") must be static, got " << d.tensor.getType();
}

/// Two dims that must agree; dynamic sizes agree with anything.
LogicalResult checkSame(Operation *op, const Dim &a, const Dim &b) {
  if (!a.isStatic() || !b.isStatic() || a.size() == b.size())
    return success();
  return op->emitOpError() << "'" << b.operand << "' dimension " << b.index << " (" << b.name
                           << " = " << b.size() << ") must equal '" << a.operand << "' dimension "
                           << a.index << " (" << a.name << " = " << a.size() << ")";
}

LogicalResult checkSameElementType(Operation *op, Value ref, const char *refName, Value other,
                                   const char *otherName) {
  Type want = getElementTypeOrSelf(ref.getType());
  Type got = getElementTypeOrSelf(other.getType());
  if (want == got)
    return success();
  return op->emitOpError() << "'" << otherName << "' element type " << got << " must match '"
                           << refName << "' element type " << want;
}

/// The supported range of static sizes (README "The IR", docs/limits.md).
/// Head dims up to 576 cover every model in use (MLA: D = 576, Dv = 512);
/// beyond that the tile vectors grow until LLVM's instruction selection
/// crashes or runs for minutes, so the verifier refuses them before anything
/// is built. Head counts and the block size bound the grid and the
/// block-table arithmetic; batch, sequence and token counts are i32 in the
/// offset tensors (cu_seqlens, seq_lens), so a static one fits in i32 too.
constexpr int64_t kMaxHeadDim = 576;
constexpr int64_t kMaxHeads = 4096;
constexpr int64_t kMaxBlockSize = 4096;
constexpr int64_t kMaxLength = 2147483647;

/// A static dim of an operand within [1 or 0, max]; dynamic dims pass.
LogicalResult checkAtMost(Operation *op, const Dim &d, int64_t max) {
  if (!d.isStatic() || d.size() <= max)
    return success();
  return op->emitOpError() << "'" << d.operand << "' dimension " << d.index << " (" << d.name
                           << " = " << d.size() << ") exceeds the supported maximum " << max;
}

/// Every dim of every operand and result within its supported range. Head
/// dims and counts are listed by the caller; every other static dim is a
/// batch, sequence, token, block or table length.
LogicalResult checkRanges(Operation *op, std::initializer_list<Dim> heads,
                          std::initializer_list<Dim> headDims) {
  for (const Dim &d : headDims)
    if (failed(checkAtMost(op, d, kMaxHeadDim)))
      return failure();
  for (const Dim &d : heads)
    if (failed(checkAtMost(op, d, kMaxHeads)))
      return failure();
  for (Value v : llvm::concat<Value>(op->getOperands(), op->getResults())) {
    auto type = dyn_cast<RankedTensorType>(v.getType());
    for (int64_t i = 0; type && i < type.getRank(); ++i)
      if (!ShapedType::isDynamic(type.getDimSize(i)) && type.getDimSize(i) > kMaxLength)
        return op->emitOpError() << "dimension " << i << " of " << v.getType()
                                 << " exceeds the supported maximum " << kMaxLength;
  }
  return success();
}

/// Discardable attributes must carry a dialect prefix ("attn.tile"): a bare
/// name is a misspelled inherent one ({casual, windw_left = 3}) that would
/// otherwise be ignored silently and change the meaning of the op.
LogicalResult checkAttributeNames(Operation *op, bool dropout) {
  bool blockMask = isa<attn::MhaOp, attn::MhaVarlenOp>(op);
  const char *names = isa<attn::MlaOp>(op) ? "kv_lora_rank, scale, causal and softcap"
                      : blockMask ? "scale, causal, window_left, window_right, softcap, dropout_p, "
                                    "seed, offset, q_block_size, kv_block_size, q_scale_block and "
                                    "k_scale_block"
                      : dropout   ? "scale, causal, window_left, window_right, softcap, dropout_p, "
                                    "seed and offset"
                                  : "scale, causal, window_left, window_right and softcap";
  for (NamedAttribute a : op->getDiscardableAttrs())
    if (!a.getName().strref().contains('.'))
      return op->emitOpError() << "unknown attribute '" << a.getName().strref()
                               << "' (the op's attributes are " << names
                               << "; other attributes need a dialect prefix, such as 'attn.')";
  return success();
}

/// A float attribute's value as it would be written: "-30", "0.125", "NaN", "+Inf".
std::string toString(FloatAttr attr) {
  SmallString<16> text;
  attr.getValue().toString(text);
  return std::string(text);
}

/// Attributes shared by all attention ops.
/// Why an f32 literal may hold 0 or Inf although the text said otherwise.
const char *f32RangeHint(double v) {
  if (std::isinf(v))
    return " (f32 literals beyond 3.4028235e38 round to Inf)";
  if (v == 0.0)
    return " (f32 literals below 1.4e-45 in magnitude round to 0)";
  return "";
}

/// scale and softcap are f32: a literal beyond f32's range parses as +-Inf and
/// one below its smallest subnormal (1.4e-45) as 0, so those are the values
/// the messages explain.
/// scale and softcap, which every attention op has (attn.mla has no windows).
template <typename OpT> LogicalResult verifyScaleAndSoftcap(OpT op) {
  if (auto scale = op.getScaleAttr()) {
    double v = scale.getValueAsDouble();
    if (!std::isfinite(v))
      return op.emitOpError() << "'scale' must be finite, got " << toString(scale)
                              << f32RangeHint(v);
    if (v == 0.0)
      return op.emitOpError() << "'scale' must be nonzero, got " << toString(scale)
                              << f32RangeHint(v);
  }
  if (auto cap = op.getSoftcapAttr()) {
    double c = cap.getValueAsDouble();
    if (!(c > 0.0) || !std::isfinite(c))
      return op.emitOpError() << "'softcap' must be positive and finite, got " << toString(cap)
                              << f32RangeHint(c);
  }
  return success();
}

template <typename OpT> LogicalResult verifyCommonAttrs(OpT op, bool dropout = false) {
  if (failed(checkAttributeNames(op.getOperation(), dropout)) || failed(verifyScaleAndSoftcap(op)))
    return failure();
  if (auto wl = op.getWindowLeftAttr(); wl && wl.getInt() < 0)
    return op.emitOpError() << "'window_left' must be non-negative, got " << wl.getInt();
  if (auto wr = op.getWindowRightAttr(); wr && wr.getInt() < 0)
    return op.emitOpError() << "'window_right' must be non-negative, got " << wr.getInt();
  return success();
}

/// The fp8 formats of docs/fp8.md: e4m3 with bias 7 (NVIDIA, gfx950) or 8
/// (gfx942), neither with infinities.
bool isFp8(Type t) { return isa<Float8E4M3FNType, Float8E4M3FNUZType>(t); }

/// The element type of an fp8 op's result: bf16 or f16 (the math after the
/// dequantization is 16-bit, as on the GPUs).
LogicalResult checkFp8Result(Operation *op, Value out, const char *inputs) {
  Type t = getElementTypeOrSelf(out.getType());
  if (t.isBF16() || t.isF16())
    return success();
  return op->emitOpError() << "'out' element type must be bf16 or f16 with fp8 " << inputs
                           << ", got " << t;
}

/// SAGE (docs/fp8.md, "SAGE"): q and k are signless i8.
bool isSage(Type t) { return t.isSignlessInteger(8); }

/// SAGE's element types: q and k i8, v one fp8 type, out bf16 or f16, lse
/// f32.
LogicalResult verifySageElementTypes(Operation *op, Value q, Value k, Value v, Value out,
                                     Value lse) {
  for (auto [x, name] : {std::pair<Value, const char *>{q, "q"}, {k, "k"}})
    if (!isSage(getElementTypeOrSelf(x.getType())))
      return op->emitOpError() << "'" << name << "' element type must be i8 with i8 '"
                               << (x == q ? "k" : "q") << "' (SAGE: i8 q and k, fp8 v), got "
                               << getElementTypeOrSelf(x.getType());
  Type ve = getElementTypeOrSelf(v.getType());
  if (!isFp8(ve))
    return op->emitOpError() << "'v' element type must be f8E4M3FN or f8E4M3FNUZ with i8 q and "
                                "k (SAGE), got "
                             << ve;
  if (failed(checkFp8Result(op, out, "v and i8 q, k")))
    return failure();
  return lse ? checkElementKind(op, lse, "lse", Elements::F32) : success();
}

/// q, k, v and out share one of f16, bf16, f32; lse is f32. With fp8Ok
/// (the forward ops), q, k and v may instead share one fp8 type, out then
/// bf16 or f16.
LogicalResult verifyElementTypes(Operation *op, Value q, Value k, Value v, Value out, Value lse,
                                 bool fp8Ok) {
  Type qe = getElementTypeOrSelf(q.getType());
  if (fp8Ok && (isSage(qe) || isSage(getElementTypeOrSelf(k.getType()))))
    return verifySageElementTypes(op, q, k, v, out, lse);
  if (isFp8(qe)) {
    if (!fp8Ok)
      return op->emitOpError() << "'q' element type must be f16, bf16 or f32, got " << qe
                               << " (fp8 is implemented for the forward ops only)";
    for (auto [x, name] : {std::pair<Value, const char *>{k, "k"}, {v, "v"}})
      if (getElementTypeOrSelf(x.getType()) != qe)
        return op->emitOpError() << "'" << name << "' element type "
                                 << getElementTypeOrSelf(x.getType())
                                 << " must match 'q' element type " << qe
                                 << " (q, k and v share one fp8 format)";
    if (failed(checkFp8Result(op, out, "q, k and v")))
      return failure();
    return lse ? checkElementKind(op, lse, "lse", Elements::F32) : success();
  }
  if (fp8Ok &&
      (isFp8(getElementTypeOrSelf(k.getType())) || isFp8(getElementTypeOrSelf(v.getType()))))
    return op->emitOpError() << "'q' element type must be the fp8 type of 'k' and 'v' ("
                             << getElementTypeOrSelf(k.getType()) << "), got " << qe
                             << " (q, k and v share one fp8 format)";
  if (failed(checkElementKind(op, q, "q", Elements::Float)) ||
      failed(checkSameElementType(op, q, "q", k, "k")) ||
      failed(checkSameElementType(op, q, "q", v, "v")) ||
      failed(checkSameElementType(op, q, "q", out, "out")))
    return failure();
  return lse ? checkElementKind(op, lse, "lse", Elements::F32) : success();
}

/// Head dims and head counts are positive, and Hkv divides Hq.
LogicalResult verifyHeads(Operation *op, const Dim &qH, const Dim &kH, const Dim &qD,
                          const Dim &vD) {
  if (qH.size() <= 0 || kH.size() <= 0 || qD.size() <= 0 || vD.size() <= 0)
    return op->emitOpError() << "head counts and head dims must be positive, got Hq = " << qH.size()
                             << ", Hkv = " << kH.size() << ", D = " << qD.size()
                             << ", Dv = " << vD.size();
  if (qH.size() % kH.size() != 0)
    return op->emitOpError() << "query heads (Hq = " << qH.size()
                             << ") must be a multiple of key/value heads (Hkv = " << kH.size()
                             << ")";
  return success();
}

/// alibi_slopes: tensor<Hq x f32>.
LogicalResult verifyAlibi(Operation *op, Value alibi, const Dim &hq) {
  if (!alibi)
    return success();
  if (failed(checkRank(op, alibi, "alibi_slopes", 1, "Hq")) ||
      failed(checkElementKind(op, alibi, "alibi_slopes", Elements::F32)))
    return failure();
  return checkSame(op, hq, Dim{alibi, "alibi_slopes", 0, "Hq"});
}

/// sinks: tensor<Hq x f32>, one logit per query head.
LogicalResult verifySinks(Operation *op, Value sinks, const Dim &hq) {
  if (!sinks)
    return success();
  if (failed(checkRank(op, sinks, "sinks", 1, "Hq")) ||
      failed(checkElementKind(op, sinks, "sinks", Elements::F32)))
    return failure();
  return checkSame(op, hq, Dim{sinks, "sinks", 0, "Hq"});
}

/// rng_state: tensor<2xi64> holding [seed, offset], read at run time. It
/// only means something with dropout, and replaces the seed and offset
/// attributes (two sources of one value would leave it unclear which wins).
LogicalResult verifyRngState(Operation *op, Value rng, FloatAttr dropoutP, bool seedOrOffset) {
  if (!rng)
    return success();
  auto type = dyn_cast<RankedTensorType>(rng.getType());
  if (!type || type.getRank() != 1 || type.getDimSize(0) != 2 ||
      !type.getElementType().isSignlessInteger(64))
    return op->emitOpError() << "'rng_state' must be tensor<2xi64> ([seed, offset]), got "
                             << rng.getType();
  if (!dropoutP || !(dropoutP.getValueAsDouble() > 0.0))
    return op->emitOpError() << "'rng_state' needs 'dropout_p' > 0 (it holds dropout's seed "
                                "and offset)";
  if (seedOrOffset)
    return op->emitOpError() << "'rng_state' replaces the 'seed' and 'offset' attributes; give "
                                "one or the other";
  return success();
}

/// dropout_p in [0, 1) (1 would drop everything and scale by 1/0); the
/// Philox offset counts draws already used, so it is non-negative.
template <typename OpT> LogicalResult verifyDropoutAttrs(OpT op) {
  if (failed(verifyCommonAttrs(op, /*dropout=*/true)))
    return failure();
  if (auto p = op.getDropoutPAttr()) {
    double v = p.getValueAsDouble();
    if (!(v >= 0.0 && v < 1.0))
      return op.emitOpError() << "'dropout_p' must be in [0, 1), got " << toString(p);
  }
  if (auto off = op.getOffsetAttr(); off && off.getInt() < 0)
    return op.emitOpError() << "'offset' must be non-negative, got " << off.getInt();
  return verifyRngState(op.getOperation(), op.getRngState(), op.getDropoutPAttr(),
                        op.getSeedAttr() || op.getOffsetAttr());
}

/// `other` has the rank, element type and (static) sizes of `ref`: dout of
/// out, and the gradients of the tensors they differentiate.
LogicalResult checkSameShape(Operation *op, Value ref, const char *refName, Value other,
                             const char *otherName, const char *layout,
                             std::initializer_list<const char *> dimNames) {
  int64_t rank = static_cast<int64_t>(dimNames.size());
  if (failed(checkRank(op, other, otherName, rank, layout)) ||
      failed(checkSameElementType(op, ref, refName, other, otherName)))
    return failure();
  unsigned i = 0;
  for (const char *name : dimNames) {
    if (failed(checkSame(op, Dim{ref, refName, i, name}, Dim{other, otherName, i, name})))
      return failure();
    ++i;
  }
  return success();
}

/// attn.mha's operands and results (q, k, v, out, [lse], [alibi]): ranks,
/// element types, static head dims, every shape relation, supported ranges.
LogicalResult verifyMhaShapes(Operation *op, Value q, Value k, Value v, Value out, Value lse,
                              Value alibi, bool fp8Ok = false) {
  if (failed(checkRank(op, q, "q", 4, "B x Hq x Sq x D")) ||
      failed(checkRank(op, k, "k", 4, "B x Hkv x Sk x D")) ||
      failed(checkRank(op, v, "v", 4, "B x Hkv x Sk x Dv")) ||
      failed(checkRank(op, out, "out", 4, "B x Hq x Sq x Dv")))
    return failure();
  if (failed(verifyElementTypes(op, q, k, v, out, lse, fp8Ok)))
    return failure();

  Dim qB{q, "q", 0, "B"}, qH{q, "q", 1, "Hq"}, qS{q, "q", 2, "Sq"}, qD{q, "q", 3, "D"};
  Dim kB{k, "k", 0, "B"}, kH{k, "k", 1, "Hkv"}, kS{k, "k", 2, "Sk"}, kD{k, "k", 3, "D"};
  Dim vB{v, "v", 0, "B"}, vH{v, "v", 1, "Hkv"}, vS{v, "v", 2, "Sk"}, vD{v, "v", 3, "Dv"};
  Dim oB{out, "out", 0, "B"}, oH{out, "out", 1, "Hq"}, oS{out, "out", 2, "Sq"},
      oD{out, "out", 3, "Dv"};

  for (const Dim &d : {qH, qD, kH, kD, vH, vD, oH, oD})
    if (failed(checkStatic(op, d)))
      return failure();
  if (failed(checkSame(op, qD, kD)) || failed(checkSame(op, qB, kB)) ||
      failed(checkSame(op, qB, vB)) || failed(checkSame(op, kH, vH)) ||
      failed(checkSame(op, kS, vS)) || failed(checkSame(op, qB, oB)) ||
      failed(checkSame(op, qH, oH)) || failed(checkSame(op, qS, oS)) ||
      failed(checkSame(op, vD, oD)))
    return failure();
  if (failed(verifyHeads(op, qH, kH, qD, vD)) || failed(checkRanges(op, {qH, kH}, {qD, vD})))
    return failure();
  if (lse) {
    if (failed(checkRank(op, lse, "lse", 3, "B x Hq x Sq")))
      return failure();
    Dim lB{lse, "lse", 0, "B"}, lH{lse, "lse", 1, "Hq"}, lS{lse, "lse", 2, "Sq"};
    if (failed(checkSame(op, qB, lB)) || failed(checkSame(op, qH, lH)) ||
        failed(checkSame(op, qS, lS)))
      return failure();
  }
  return verifyAlibi(op, alibi, qH);
}

/// attn.mha_varlen's operands and results (q, k, v, cu_seqlens_q/k, out,
/// [lse], [alibi]).
LogicalResult verifyVarlenShapes(Operation *op, Value q, Value k, Value v, Value cuQ, Value cuK,
                                 Value out, Value lse, Value alibi, bool fp8Ok = false) {
  if (failed(checkRank(op, q, "q", 3, "Tq x Hq x D")) ||
      failed(checkRank(op, k, "k", 3, "Tk x Hkv x D")) ||
      failed(checkRank(op, v, "v", 3, "Tk x Hkv x Dv")) ||
      failed(checkRank(op, out, "out", 3, "Tq x Hq x Dv")) ||
      failed(checkRank(op, cuQ, "cu_seqlens_q", 1, "B+1")) ||
      failed(checkRank(op, cuK, "cu_seqlens_k", 1, "B+1")) ||
      failed(checkElementKind(op, cuQ, "cu_seqlens_q", Elements::I32)) ||
      failed(checkElementKind(op, cuK, "cu_seqlens_k", Elements::I32)))
    return failure();
  if (failed(verifyElementTypes(op, q, k, v, out, lse, fp8Ok)))
    return failure();

  Dim qT{q, "q", 0, "Tq"}, qH{q, "q", 1, "Hq"}, qD{q, "q", 2, "D"};
  Dim kT{k, "k", 0, "Tk"}, kH{k, "k", 1, "Hkv"}, kD{k, "k", 2, "D"};
  Dim vT{v, "v", 0, "Tk"}, vH{v, "v", 1, "Hkv"}, vD{v, "v", 2, "Dv"};
  Dim oT{out, "out", 0, "Tq"}, oH{out, "out", 1, "Hq"}, oD{out, "out", 2, "Dv"};
  Dim cq{cuQ, "cu_seqlens_q", 0, "B+1"};
  Dim ck{cuK, "cu_seqlens_k", 0, "B+1"};

  for (const Dim &d : {qH, qD, kH, kD, vH, vD, oH, oD})
    if (failed(checkStatic(op, d)))
      return failure();
  if (failed(checkSame(op, qD, kD)) || failed(checkSame(op, kT, vT)) ||
      failed(checkSame(op, kH, vH)) || failed(checkSame(op, qT, oT)) ||
      failed(checkSame(op, qH, oH)) || failed(checkSame(op, vD, oD)) ||
      failed(checkSame(op, cq, ck)))
    return failure();
  for (const Dim &c : {cq, ck})
    if (c.isStatic() && c.size() < 1)
      return op->emitOpError() << "'" << c.operand << "' must hold B+1 >= 1 offsets, got "
                               << c.size();
  if (failed(verifyHeads(op, qH, kH, qD, vD)) || failed(checkRanges(op, {qH, kH}, {qD, vD})))
    return failure();
  if (lse) {
    if (failed(checkRank(op, lse, "lse", 2, "Hq x Tq")))
      return failure();
    Dim lH{lse, "lse", 0, "Hq"}, lT{lse, "lse", 1, "Tq"};
    if (failed(checkSame(op, qH, lH)) || failed(checkSame(op, qT, lT)))
      return failure();
  }
  return verifyAlibi(op, alibi, qH);
}

/// One fp8 scale operand: f32 of rank 0 (per tensor) or one of the ranks
/// in `dims` (the dims it must match, e.g. {Hkv} or {B, Hkv}; a Dim with a
/// null tensor is a count known only as a number, B of varlen).
LogicalResult verifyScaleShape(Operation *op, Value scale, const char *name, const char *shapes,
                               ArrayRef<ArrayRef<std::pair<Dim, int64_t>>> ranks) {
  if (failed(checkElementKind(op, scale, name, Elements::F32)))
    return failure();
  auto type = dyn_cast<RankedTensorType>(scale.getType());
  if (type && type.getRank() == 0)
    return success();
  for (ArrayRef<std::pair<Dim, int64_t>> dims : ranks) {
    if (!type || type.getRank() != static_cast<int64_t>(dims.size()))
      continue;
    for (unsigned i = 0; i < dims.size(); ++i) {
      const Dim &want = dims[i].first;
      int64_t size = type.getDimSize(i), wantSize = dims[i].second;
      if (ShapedType::isDynamic(size) || ShapedType::isDynamic(wantSize) || size == wantSize)
        continue;
      return op->emitOpError() << "'" << name << "' dimension " << i << " (" << want.name << " = "
                               << size << ") must equal '" << want.operand << "' dimension "
                               << want.index << " (" << want.name << " = " << wantSize << ")";
    }
    return success();
  }
  return op->emitOpError() << "'" << name << "' must have shape " << shapes << ", got "
                           << scale.getType();
}

/// attn.mha / attn.mha_varlen's descales: present iff q, k, v are fp8, all
/// three, each [] or [Hkv] or [B, Hkv] (batch: q's B, or varlen's number of
/// sequences).
LogicalResult verifyDescales(Operation *op, Value q, Value qd, Value kd, Value vd, const Dim &batch,
                             int64_t batchSize, const Dim &hkv) {
  Type qe = getElementTypeOrSelf(q.getType());
  int given = (qd ? 1 : 0) + (kd ? 1 : 0) + (vd ? 1 : 0);
  if (isSage(qe))
    return success(); // verifySage: SAGE's granularities
  if (!isFp8(qe)) {
    if (given == 0)
      return success();
    return op->emitOpError() << "'q_descale', 'k_descale' and 'v_descale' apply to fp8 q, k and "
                                "v (f8E4M3FN or f8E4M3FNUZ) or SAGE's i8 q and k only, got "
                             << qe;
  }
  if (given != 3)
    return op->emitOpError() << "fp8 q, k and v (" << qe
                             << ") need 'q_descale', 'k_descale' and 'v_descale' "
                                "(descale(%q_descale, %k_descale, %v_descale))";
  std::pair<Dim, int64_t> h{hkv, hkv.size()}, b{batch, batchSize};
  std::pair<Dim, int64_t> perHead[] = {h}, perBatch[] = {b, h};
  ArrayRef<std::pair<Dim, int64_t>> ranks[] = {perHead, perBatch};
  for (auto [v, name] :
       {std::pair<Value, const char *>{qd, "q_descale"}, {kd, "k_descale"}, {vd, "v_descale"}})
    if (failed(verifyScaleShape(op, v, name, "[] (per tensor), [Hkv] or [B, Hkv]", ranks)))
      return failure();
  return success();
}

/// SAGE's operands and attributes (docs/fp8.md, "SAGE").
struct SageOperands {
  Value q, k, v, qd, kd, vd, kMean, sinks;
  IntegerAttr qBlock, kBlock;
  FloatAttr softcap;
};

/// A SAGE scale operand: f32 of rank 3 whose dims equal `dims` (a Dim with a
/// null tensor is a count known only as a number: varlen's B).
LogicalResult checkSageScale(Operation *op, Value scale, const char *name, const char *layout,
                             ArrayRef<std::pair<Dim, int64_t>> dims) {
  if (failed(checkElementKind(op, scale, name, Elements::F32)) ||
      failed(checkRank(op, scale, name, static_cast<int64_t>(dims.size()), layout)))
    return failure();
  auto type = cast<RankedTensorType>(scale.getType());
  for (unsigned i = 0; i < dims.size(); ++i) {
    const Dim &want = dims[i].first;
    int64_t size = type.getDimSize(i), wantSize = dims[i].second;
    if (ShapedType::isDynamic(size) || ShapedType::isDynamic(wantSize) || size == wantSize)
      continue;
    return op->emitOpError() << "'" << name << "' dimension " << i << " (" << want.name << " = "
                             << size << ") must equal '" << want.operand << "' dimension "
                             << want.index << " (" << want.name << " = " << wantSize << ")";
  }
  return success();
}

/// The block count dim of a SAGE scale: ceil(S / block) of a static S
/// (attn.mha; varlen's blocks are per sequence, so any count passes there).
LogicalResult checkSageBlocks(Operation *op, Value scale, const char *name, const Dim *seq,
                              int64_t block, const char *blockName) {
  auto type = cast<RankedTensorType>(scale.getType());
  int64_t n = type.getDimSize(2);
  if (!ShapedType::isDynamic(n) && n < 1)
    return op->emitOpError() << "'" << name << "' dimension 2 must hold at least 1 block, got "
                             << n;
  if (!seq || !seq->isStatic() || ShapedType::isDynamic(n))
    return success();
  int64_t want = (seq->size() + block - 1) / block;
  if (n == want || (seq->size() == 0 && n == 1))
    return success();
  return op->emitOpError() << "'" << name << "' dimension 2 (" << n << " blocks) must equal ceil("
                           << seq->name << " / " << blockName << ") = " << want << " ('"
                           << seq->operand << "' dimension " << seq->index << ", " << seq->name
                           << " = " << seq->size() << ", " << blockName << " = " << block << ")";
}

/// SAGE: with i8 q and k, the three descales in SAGE's granularities, both
/// block sizes, an optional k_mean; without, none of them. `batch` is q's B
/// (varlen: the number of sequences, batchSize); `sq`, `sk` the sequence
/// dims that fix the block counts (varlen: null).
LogicalResult verifySage(Operation *op, const SageOperands &s, const Dim &batch, int64_t batchSize,
                         const Dim &hq, const Dim &hkv, const Dim &d, const Dim &dv, const Dim *sq,
                         const Dim *sk) {
  if (!isSage(getElementTypeOrSelf(s.q.getType()))) {
    if (s.kMean)
      return op->emitOpError() << "'k_mean' applies to SAGE (i8 q and k) only, got "
                               << getElementTypeOrSelf(s.q.getType());
    if (s.qBlock || s.kBlock)
      return op->emitOpError() << "'q_scale_block' and 'k_scale_block' apply to SAGE (i8 q and "
                                  "k) only, got "
                               << getElementTypeOrSelf(s.q.getType());
    return success();
  }
  if (!s.qd || !s.kd || !s.vd)
    return op->emitOpError() << "SAGE (i8 q and k) needs 'q_descale', 'k_descale' and 'v_descale' "
                                "(descale(%q_descale, %k_descale, %v_descale))";
  if (!s.qBlock || !s.kBlock)
    return op->emitOpError() << "SAGE (i8 q and k) needs 'q_scale_block' and 'k_scale_block' (the "
                                "rows that share one q_descale / k_descale)";
  for (auto [a, name] : {std::pair<IntegerAttr, const char *>{s.qBlock, "q_scale_block"},
                         {s.kBlock, "k_scale_block"}})
    if (a.getInt() < 1 || a.getInt() > kMaxLength)
      return op->emitOpError() << "'" << name << "' must be in [1, " << kMaxLength << "], got "
                               << a.getInt();
  Dim nqb{s.qd, "q_descale", 2, "NQB"}, nkb{s.kd, "k_descale", 2, "NKB"};
  std::pair<Dim, int64_t> b{batch, batchSize}, h{hq, hq.size()}, g{hkv, hkv.size()},
      nq{nqb, ShapedType::kDynamic}, nk{nkb, ShapedType::kDynamic}, c{dv, dv.size()},
      e{d, d.size()};
  if (failed(
          checkSageScale(op, s.qd, "q_descale", "B x Hq x ceil(Sq / q_scale_block)", {b, h, nq})) ||
      failed(checkSageBlocks(op, s.qd, "q_descale", sq, s.qBlock.getInt(), "q_scale_block")) ||
      failed(checkSageScale(op, s.kd, "k_descale", "B x Hkv x ceil(Sk / k_scale_block)",
                            {b, g, nk})) ||
      failed(checkSageBlocks(op, s.kd, "k_descale", sk, s.kBlock.getInt(), "k_scale_block")) ||
      failed(checkSageScale(op, s.vd, "v_descale", "B x Hkv x Dv, per channel", {b, g, c})))
    return failure();
  if (!s.kMean)
    return success();
  if (failed(checkSageScale(op, s.kMean, "k_mean", "B x Hkv x D", {b, g, e})))
    return failure();
  // k_mean adds q.k_mean to every logit of a row: softmax is invariant to
  // it, and the kernels add it to lse only. softcap's tanh and a sink's
  // fixed logit do not commute with that shift.
  if (s.softcap)
    return op->emitOpError() << "'softcap' cannot be combined with 'k_mean' (the smoothing term is "
                                "added back to lse only, which is exact for the shift-invariant "
                                "softmax; tanh is not shift-invariant)";
  if (s.sinks)
    return op->emitOpError() << "'sinks' cannot be combined with 'k_mean' (a sink's logit does not "
                                "move with the smoothing term that is added back to lse only)";
  return success();
}

/// The block mask's operands, block sizes and mask_mod region
/// (docs/masks.md). `batch` is the dim that B' must match or be 1 (q's B;
/// for varlen cu_seqlens_q's B+1, so one less); `sq`, `sk` the sequence
/// dims that fix NQB and NKB (varlen: null, as sequences vary).
struct BlockMaskOperands {
  Value kvNum, kvIdx, fullNum, fullIdx;
  IntegerAttr qBlock, kvBlock;
  MutableArrayRef<Region> regions;
};

/// dim (B' or H') of a block tensor: `want` (when static) or 1.
LogicalResult checkSameOrOne(Operation *op, const Dim &want, int64_t wantSize, const Dim &d) {
  if (!d.isStatic() || d.size() == 1 || ShapedType::isDynamic(wantSize) || d.size() == wantSize)
    return success();
  return op->emitOpError() << "'" << d.operand << "' dimension " << d.index << " (" << d.name
                           << " = " << d.size() << ") must equal '" << want.operand
                           << "' dimension " << want.index << " (" << want.name << " = " << wantSize
                           << ") or 1 (broadcast)";
}

/// NQB = ceil(S / block) of a static S.
LogicalResult checkBlockCount(Operation *op, const Dim &d, const Dim &seq, int64_t block,
                              const char *blockName) {
  if (!d.isStatic() || !seq.isStatic())
    return success();
  int64_t want = (seq.size() + block - 1) / block;
  if (d.size() == want)
    return success();
  return op->emitOpError() << "'" << d.operand << "' dimension " << d.index << " (" << d.name
                           << " = " << d.size() << ") must equal ceil(" << seq.name << " / "
                           << blockName << ") = " << want << " ('" << seq.operand << "' dimension "
                           << seq.index << ", " << seq.name << " = " << seq.size() << ", "
                           << blockName << " = " << block << ")";
}

/// One pair (num_blocks: B' x H' x NQB, indices: B' x H' x NQB x NKB).
LogicalResult verifyBlockPair(Operation *op, Value num, const char *numName, Value idx,
                              const char *idxName, const Dim &batch, int64_t batchSize,
                              const Dim &hq, const Dim *sq, const Dim *sk, int64_t qBlock,
                              int64_t kvBlock) {
  if (failed(checkRank(op, num, numName, 3, "B x Hq x NQB")) ||
      failed(checkRank(op, idx, idxName, 4, "B x Hq x NQB x NKB")) ||
      failed(checkElementKind(op, num, numName, Elements::I32)) ||
      failed(checkElementKind(op, idx, idxName, Elements::I32)))
    return failure();
  Dim nB{num, numName, 0, "B"}, nH{num, numName, 1, "Hq"}, nQ{num, numName, 2, "NQB"};
  Dim iB{idx, idxName, 0, "B"}, iH{idx, idxName, 1, "Hq"}, iQ{idx, idxName, 2, "NQB"},
      iK{idx, idxName, 3, "NKB"};
  if (failed(checkSameOrOne(op, batch, batchSize, nB)) ||
      failed(checkSameOrOne(op, hq, hq.size(), nH)) || failed(checkSame(op, nB, iB)) ||
      failed(checkSame(op, nH, iH)) || failed(checkSame(op, nQ, iQ)))
    return failure();
  if (sq && failed(checkBlockCount(op, nQ, *sq, qBlock, "q_block_size")))
    return failure();
  if (sk && failed(checkBlockCount(op, iK, *sk, kvBlock, "kv_block_size")))
    return failure();
  return success();
}

/// mask_mod: one block (b, h, q_idx, kv_idx : index or i64) of pure arith
/// ops ending in attn.yield. Anything else could read memory or have
/// effects the kernels cannot replay per element.
LogicalResult verifyMaskMod(Operation *op, Region &region) {
  Block &block = region.front();
  if (block.getNumArguments() != 4)
    return op->emitOpError() << "'mask_mod' must take 4 arguments (b, h, q_idx, kv_idx), got "
                             << block.getNumArguments();
  for (BlockArgument arg : block.getArguments())
    if (!arg.getType().isIndex() && !arg.getType().isSignlessInteger(64))
      return op->emitOpError() << "'mask_mod' argument " << arg.getArgNumber()
                               << " must be index or i64, got " << arg.getType();
  for (Operation &inner : block) {
    bool pureArith = inner.getDialect() && inner.getDialect()->getNamespace() == "arith" &&
                     inner.getNumRegions() == 0 && isMemoryEffectFree(&inner);
    if (!pureArith && !isa<attn::YieldOp>(inner))
      return inner.emitOpError() << "is not allowed in 'mask_mod' (only pure arith ops and "
                                    "attn.yield)";
    // The region is replayed per element inside the kernels: it may use
    // its arguments, its own values and constants (a canonicalizer may
    // hoist those out of it), nothing else of the enclosing function.
    for (Value operand : inner.getOperands()) {
      Operation *def = operand.getDefiningOp();
      if (operand.getParentRegion() == &region ||
          (def && def->getName().getStringRef() == "arith.constant"))
        continue;
      return inner.emitOpError() << "in 'mask_mod' uses a value defined outside it (only its "
                                    "arguments, its own values and constants)";
    }
  }
  if (!isa<attn::YieldOp>(block.back()))
    return op->emitOpError() << "'mask_mod' must end in attn.yield";
  for (Operation &inner : block)
    if (isa<attn::YieldOp>(inner) && &inner != &block.back())
      return inner.emitOpError() << "must be the last op of 'mask_mod'";
  return success();
}

LogicalResult verifyBlockMask(Operation *op, const BlockMaskOperands &m, const Dim &batch,
                              int64_t batchSize, const Dim &hq, const Dim *sq, const Dim *sk) {
  bool any =
      m.kvNum || m.kvIdx || m.fullNum || m.fullIdx || m.qBlock || m.kvBlock || !m.regions.empty();
  if (!any)
    return success();
  if (m.regions.size() > 1)
    return op->emitOpError() << "takes at most one 'mask_mod' region, got " << m.regions.size();
  if (!m.kvNum || !m.kvIdx)
    return op->emitOpError() << "a block mask needs 'kv_num_blocks' and 'kv_indices' "
                                "(block_mask(...)); 'full_blocks', 'mask_mod', "
                                "'q_block_size' and 'kv_block_size' belong to it";
  if (!m.fullNum != !m.fullIdx)
    return op->emitOpError() << "'full_kv_num_blocks' and 'full_kv_indices' must be given together";
  if (!m.qBlock || !m.kvBlock)
    return op->emitOpError() << "a block mask needs 'q_block_size' and 'kv_block_size'";
  for (auto [a, name] : {std::pair<IntegerAttr, const char *>{m.qBlock, "q_block_size"},
                         {m.kvBlock, "kv_block_size"}})
    if (a.getInt() < 1 || a.getInt() > kMaxLength)
      return op->emitOpError() << "'" << name << "' must be in [1, " << kMaxLength << "], got "
                               << a.getInt();
  int64_t qb = m.qBlock.getInt(), kb = m.kvBlock.getInt();
  if (failed(verifyBlockPair(op, m.kvNum, "kv_num_blocks", m.kvIdx, "kv_indices", batch, batchSize,
                             hq, sq, sk, qb, kb)))
    return failure();
  if (m.fullNum) {
    if (failed(verifyBlockPair(op, m.fullNum, "full_kv_num_blocks", m.fullIdx, "full_kv_indices",
                               batch, batchSize, hq, sq, sk, qb, kb)) ||
        failed(checkSameShape(op, m.kvIdx, "kv_indices", m.fullIdx, "full_kv_indices",
                              "B x Hq x NQB x NKB", {"B", "Hq", "NQB", "NKB"})) ||
        failed(checkSameShape(op, m.kvNum, "kv_num_blocks", m.fullNum, "full_kv_num_blocks",
                              "B x Hq x NQB", {"B", "Hq", "NQB"})))
      return failure();
  }
  if (!m.regions.empty() && failed(verifyMaskMod(op, m.regions.front())))
    return failure();
  return success();
}
} // namespace

LogicalResult attn::MhaOp::verify() {
  Dim qB{getQ(), "q", 0, "B"}, qH{getQ(), "q", 1, "Hq"}, qS{getQ(), "q", 2, "Sq"},
      kS{getK(), "k", 2, "Sk"};
  BlockMaskOperands mask{getKvNumBlocks(),   getKvIndices(),      getFullKvNumBlocks(),
                         getFullKvIndices(), getQBlockSizeAttr(), getKvBlockSizeAttr(),
                         getMaskMod()};
  if (failed(verifyMhaShapes(getOperation(), getQ(), getK(), getV(), getOut(), getLse(),
                             getAlibiSlopes(), /*fp8Ok=*/true)) ||
      failed(verifySinks(getOperation(), getSinks(), qH)) || failed(verifyDropoutAttrs(*this)))
    return failure();
  if (failed(verifyDescales(getOperation(), getQ(), getQDescale(), getKDescale(), getVDescale(), qB,
                            qB.size(), Dim{getK(), "k", 1, "Hkv"})))
    return failure();
  SageOperands sage{
      getQ(),          getK(),     getV(),     getQDescale(),        getKDescale(),
      getVDescale(),   getKMean(), getSinks(), getQScaleBlockAttr(), getKScaleBlockAttr(),
      getSoftcapAttr()};
  if (failed(verifySage(getOperation(), sage, qB, qB.size(), qH, Dim{getK(), "k", 1, "Hkv"},
                        Dim{getQ(), "q", 3, "D"}, Dim{getV(), "v", 3, "Dv"}, &qS, &kS)))
    return failure();
  return verifyBlockMask(getOperation(), mask, qB, qB.size(), qH, &qS, &kS);
}

LogicalResult attn::MhaVarlenOp::verify() {
  Dim qH{getQ(), "q", 1, "Hq"}, cq{getCuSeqlensQ(), "cu_seqlens_q", 0, "B+1"};
  BlockMaskOperands mask{getKvNumBlocks(),   getKvIndices(),      getFullKvNumBlocks(),
                         getFullKvIndices(), getQBlockSizeAttr(), getKvBlockSizeAttr(),
                         getMaskMod()};
  if (failed(verifyVarlenShapes(getOperation(), getQ(), getK(), getV(), getCuSeqlensQ(),
                                getCuSeqlensK(), getOut(), getLse(), getAlibiSlopes(),
                                /*fp8Ok=*/true)) ||
      failed(verifySinks(getOperation(), getSinks(), qH)) || failed(verifyDropoutAttrs(*this)))
    return failure();
  int64_t batch = cq.isStatic() ? cq.size() - 1 : ShapedType::kDynamic;
  if (failed(verifyDescales(getOperation(), getQ(), getQDescale(), getKDescale(), getVDescale(),
                            Dim{getCuSeqlensQ(), "cu_seqlens_q", 0, "B"}, batch,
                            Dim{getK(), "k", 1, "Hkv"})))
    return failure();
  SageOperands sage{
      getQ(),          getK(),     getV(),     getQDescale(),        getKDescale(),
      getVDescale(),   getKMean(), getSinks(), getQScaleBlockAttr(), getKScaleBlockAttr(),
      getSoftcapAttr()};
  if (failed(verifySage(getOperation(), sage, Dim{getCuSeqlensQ(), "cu_seqlens_q", 0, "B"}, batch,
                        qH, Dim{getK(), "k", 1, "Hkv"}, Dim{getQ(), "q", 2, "D"},
                        Dim{getV(), "v", 2, "Dv"}, nullptr, nullptr)))
    return failure();
  return verifyBlockMask(getOperation(), mask, cq, batch, qH, nullptr, nullptr);
}

/// dout has out's shape and type; dq, dk, dv those of q, k, v.
template <typename OpT>
static LogicalResult verifyGradients(OpT op, bool varlen, const char *qLayout, const char *kLayout,
                                     const char *vLayout, const char *outLayout) {
  Operation *o = op.getOperation();
  std::initializer_list<const char *> qDims = {"B", "Hq", "Sq", "D"},
                                      kDims = {"B", "Hkv", "Sk", "D"},
                                      vDims = {"B", "Hkv", "Sk", "Dv"},
                                      oDims = {"B", "Hq", "Sq", "Dv"};
  std::initializer_list<const char *> qDimsV = {"Tq", "Hq", "D"}, kDimsV = {"Tk", "Hkv", "D"},
                                      vDimsV = {"Tk", "Hkv", "Dv"}, oDimsV = {"Tq", "Hq", "Dv"};
  if (failed(checkSameShape(o, op.getOut(), "out", op.getDout(), "dout", outLayout,
                            varlen ? oDimsV : oDims)) ||
      failed(
          checkSameShape(o, op.getQ(), "q", op.getDq(), "dq", qLayout, varlen ? qDimsV : qDims)) ||
      failed(
          checkSameShape(o, op.getK(), "k", op.getDk(), "dk", kLayout, varlen ? kDimsV : kDims)) ||
      failed(checkSameShape(o, op.getV(), "v", op.getDv(), "dv", vLayout, varlen ? vDimsV : vDims)))
    return failure();
  return verifyDropoutAttrs(op);
}

LogicalResult attn::MhaBwdOp::verify() {
  if (failed(verifyMhaShapes(getOperation(), getQ(), getK(), getV(), getOut(), getLse(),
                             getAlibiSlopes())))
    return failure();
  return verifyGradients(*this, false, "B x Hq x Sq x D", "B x Hkv x Sk x D", "B x Hkv x Sk x Dv",
                         "B x Hq x Sq x Dv");
}

LogicalResult attn::MhaVarlenBwdOp::verify() {
  if (failed(verifyVarlenShapes(getOperation(), getQ(), getK(), getV(), getCuSeqlensQ(),
                                getCuSeqlensK(), getOut(), getLse(), getAlibiSlopes())))
    return failure();
  return verifyGradients(*this, true, "Tq x Hq x D", "Tk x Hkv x D", "Tk x Hkv x Dv",
                         "Tq x Hq x Dv");
}

/// attn.paged_attention's k_scale and v_scale: present iff the caches are
/// fp8, both, each [] or [Hkv] or [NB, BS, Hkv] (per token and head).
static LogicalResult verifyCacheScales(Operation *op, bool fp8, Type cacheElem, Value ks, Value vs,
                                       const Dim &nb, const Dim &bs, const Dim &hkv) {
  int given = (ks ? 1 : 0) + (vs ? 1 : 0);
  if (!fp8) {
    if (given == 0)
      return success();
    return op->emitOpError() << "'k_scale' and 'v_scale' apply to fp8 caches only (f8E4M3FN or "
                                "f8E4M3FNUZ), got "
                             << cacheElem;
  }
  if (given != 2)
    return op->emitOpError() << "fp8 'k_cache' and 'v_cache' (" << cacheElem
                             << ") need 'k_scale' and 'v_scale' (kv_scale(%k_scale, %v_scale))";
  std::pair<Dim, int64_t> h{hkv, hkv.size()}, n{nb, nb.size()}, s{bs, bs.size()};
  std::pair<Dim, int64_t> perHead[] = {h}, perToken[] = {n, s, h};
  ArrayRef<std::pair<Dim, int64_t>> ranks[] = {perHead, perToken};
  for (auto [v, name] : {std::pair<Value, const char *>{ks, "k_scale"}, {vs, "v_scale"}})
    if (failed(verifyScaleShape(op, v, name, "[] (per tensor), [Hkv] or [NB, BS, Hkv]", ranks)))
      return failure();
  return success();
}

LogicalResult attn::PagedAttentionOp::verify() {
  Operation *op = getOperation();
  if (failed(checkRank(op, getQ(), "q", 3, "Tq x Hq x D")) ||
      failed(checkRank(op, getKCache(), "k_cache", 4, "NB x BS x Hkv x D")) ||
      failed(checkRank(op, getVCache(), "v_cache", 4, "NB x BS x Hkv x Dv")) ||
      failed(checkRank(op, getBlockTables(), "block_tables", 2, "B x MaxBlocks")) ||
      failed(checkRank(op, getSeqLens(), "seq_lens", 1, "B")) ||
      failed(checkRank(op, getQueryStartLoc(), "query_start_loc", 1, "B+1")) ||
      failed(checkRank(op, getOut(), "out", 3, "Tq x Hq x Dv")))
    return failure();
  for (auto [v, name] : {std::pair<Value, const char *>{getBlockTables(), "block_tables"},
                         {getSeqLens(), "seq_lens"},
                         {getQueryStartLoc(), "query_start_loc"}})
    if (failed(checkElementKind(op, v, name, Elements::I32)))
      return failure();
  Value q = getQ(), k = getKCache(), v = getVCache(), out = getOut();
  Type ke = getElementTypeOrSelf(k.getType());
  bool fp8 = isFp8(ke);
  if (failed(checkElementKind(op, q, "q", Elements::Float)) ||
      failed(checkSameElementType(op, q, "q", out, "out")))
    return failure();
  if (fp8) {
    if (failed(checkSameElementType(op, k, "k_cache", v, "v_cache")))
      return failure();
    Type qe = getElementTypeOrSelf(q.getType());
    if (!qe.isBF16() && !qe.isF16())
      return op->emitOpError() << "'q' element type must be bf16 or f16 with fp8 caches (" << ke
                               << "), got " << qe;
  } else if (failed(checkSameElementType(op, q, "q", k, "k_cache")) ||
             failed(checkSameElementType(op, q, "q", v, "v_cache"))) {
    return failure();
  }
  if (getLse() && failed(checkElementKind(op, getLse(), "lse", Elements::F32)))
    return failure();

  Dim qT{q, "q", 0, "Tq"}, qH{q, "q", 1, "Hq"}, qD{q, "q", 2, "D"};
  Dim kN{k, "k_cache", 0, "NB"}, kS{k, "k_cache", 1, "BS"}, kH{k, "k_cache", 2, "Hkv"},
      kD{k, "k_cache", 3, "D"};
  Dim vN{v, "v_cache", 0, "NB"}, vS{v, "v_cache", 1, "BS"}, vH{v, "v_cache", 2, "Hkv"},
      vD{v, "v_cache", 3, "Dv"};
  Dim oT{out, "out", 0, "Tq"}, oH{out, "out", 1, "Hq"}, oD{out, "out", 2, "Dv"};
  Dim tB{getBlockTables(), "block_tables", 0, "B"};
  Dim sB{getSeqLens(), "seq_lens", 0, "B"};
  Dim cB{getQueryStartLoc(), "query_start_loc", 0, "B+1"};

  // The block size shapes the tiles (a KV tile never straddles blocks in
  // a way the kernel cannot see statically), so it is static like D.
  for (const Dim &d : {qH, qD, kS, kH, kD, vS, vH, vD, oH, oD})
    if (failed(checkStatic(op, d)))
      return failure();
  if (kS.size() < 1)
    return op->emitOpError() << "block size (k_cache dimension 1, BS) must be at least 1, got "
                             << kS.size();
  if (failed(checkSame(op, qD, kD)) || failed(checkSame(op, kN, vN)) ||
      failed(checkSame(op, kS, vS)) || failed(checkSame(op, kH, vH)) ||
      failed(checkSame(op, qT, oT)) || failed(checkSame(op, qH, oH)) ||
      failed(checkSame(op, vD, oD)) || failed(checkSame(op, tB, sB)))
    return failure();
  if (cB.isStatic() && cB.size() < 1)
    return op->emitOpError() << "'query_start_loc' must hold B+1 >= 1 offsets, got " << cB.size();
  // B is known from either seq_lens or block_tables (they agree when both
  // are static): a dynamic seq_lens must not hide a mismatch with the table.
  const Dim &b = sB.isStatic() ? sB : tB;
  if (cB.isStatic() && b.isStatic() && cB.size() != b.size() + 1)
    return op->emitOpError() << "'query_start_loc' dimension 0 (B+1 = " << cB.size()
                             << ") must be one more than '" << b.operand
                             << "' dimension 0 (B = " << b.size() << ")";
  if (failed(verifyHeads(op, qH, kH, qD, vD)) || failed(checkRanges(op, {qH, kH}, {qD, vD})) ||
      failed(checkAtMost(op, kS, kMaxBlockSize)))
    return failure();
  if (Value lse = getLse()) {
    if (failed(checkRank(op, lse, "lse", 2, "Hq x Tq")))
      return failure();
    Dim lH{lse, "lse", 0, "Hq"}, lT{lse, "lse", 1, "Tq"};
    if (failed(checkSame(op, qH, lH)) || failed(checkSame(op, qT, lT)))
      return failure();
  }
  if (failed(verifyAlibi(op, getAlibiSlopes(), qH)) || failed(verifySinks(op, getSinks(), qH)))
    return failure();
  if (failed(verifyCacheScales(op, fp8, ke, getKScale(), getVScale(), kN, kS, kH)))
    return failure();
  return verifyCommonAttrs(*this);
}

/// attn.mla: attn.paged_attention's checks with one latent cache (no KV
/// head dim) whose first kv_lora_rank columns are V.
LogicalResult attn::MlaOp::verify() {
  Operation *op = getOperation();
  if (failed(checkRank(op, getQ(), "q", 3, "Tq x H x D")) ||
      failed(checkRank(op, getKvCache(), "kv_cache", 3, "NB x BS x D")) ||
      failed(checkRank(op, getBlockTables(), "block_tables", 2, "B x MaxBlocks")) ||
      failed(checkRank(op, getSeqLens(), "seq_lens", 1, "B")) ||
      failed(checkRank(op, getQueryStartLoc(), "query_start_loc", 1, "B+1")) ||
      failed(checkRank(op, getOut(), "out", 3, "Tq x H x kv_lora_rank")))
    return failure();
  for (auto [v, name] : {std::pair<Value, const char *>{getBlockTables(), "block_tables"},
                         {getSeqLens(), "seq_lens"},
                         {getQueryStartLoc(), "query_start_loc"}})
    if (failed(checkElementKind(op, v, name, Elements::I32)))
      return failure();
  Value q = getQ(), kv = getKvCache(), out = getOut();
  Type kvElem = getElementTypeOrSelf(kv.getType());
  bool fp8 = isFp8(kvElem);
  if (failed(checkElementKind(op, q, "q", Elements::Float)) ||
      (!fp8 && failed(checkSameElementType(op, q, "q", kv, "kv_cache"))) ||
      failed(checkSameElementType(op, q, "q", out, "out")))
    return failure();
  if (fp8) {
    Type qe = getElementTypeOrSelf(q.getType());
    if (!qe.isBF16() && !qe.isF16())
      return op->emitOpError() << "'q' element type must be bf16 or f16 with an fp8 kv_cache ("
                               << kvElem << "), got " << qe;
    if (!getKvScale())
      return op->emitOpError() << "an fp8 'kv_cache' (" << kvElem
                               << ") needs 'kv_scale' (kv_scale(%kv_scale))";
    Dim n{kv, "kv_cache", 0, "NB"}, b{kv, "kv_cache", 1, "BS"};
    std::pair<Dim, int64_t> perToken[] = {{n, n.size()}, {b, b.size()}};
    ArrayRef<std::pair<Dim, int64_t>> ranks[] = {perToken};
    if (failed(
            verifyScaleShape(op, getKvScale(), "kv_scale", "[] (per tensor) or [NB, BS]", ranks)))
      return failure();
  } else if (getKvScale()) {
    return op->emitOpError() << "'kv_scale' applies to an fp8 kv_cache only (f8E4M3FN or "
                                "f8E4M3FNUZ), got "
                             << kvElem;
  }
  if (getLse() && failed(checkElementKind(op, getLse(), "lse", Elements::F32)))
    return failure();

  Dim qT{q, "q", 0, "Tq"}, qH{q, "q", 1, "H"}, qD{q, "q", 2, "D"};
  Dim kS{kv, "kv_cache", 1, "BS"}, kD{kv, "kv_cache", 2, "D"};
  Dim oT{out, "out", 0, "Tq"}, oH{out, "out", 1, "H"}, oD{out, "out", 2, "kv_lora_rank"};
  Dim tB{getBlockTables(), "block_tables", 0, "B"};
  Dim sB{getSeqLens(), "seq_lens", 0, "B"};
  Dim cB{getQueryStartLoc(), "query_start_loc", 0, "B+1"};
  // Head count, head dim and block size shape the tiles: static, as for
  // attn.paged_attention.
  for (const Dim &d : {qH, qD, kS, kD, oH, oD})
    if (failed(checkStatic(op, d)))
      return failure();
  if (kS.size() < 1)
    return op->emitOpError() << "block size (kv_cache dimension 1, BS) must be at least 1, got "
                             << kS.size();
  if (qH.size() <= 0 || qD.size() <= 0)
    return op->emitOpError() << "head count and head dim must be positive, got H = " << qH.size()
                             << ", D = " << qD.size();
  if (failed(checkSame(op, qD, kD)) || failed(checkSame(op, qT, oT)) ||
      failed(checkSame(op, qH, oH)) || failed(checkSame(op, tB, sB)))
    return failure();
  // V is a prefix of each cache row: kv_lora_rank columns of D.
  int64_t rank = getKvLoraRank();
  if (rank < 1 || rank > qD.size())
    return op->emitOpError() << "'kv_lora_rank' must be in [1, D = " << qD.size()
                             << "] (V is the first kv_lora_rank columns of each kv_cache row), got "
                             << rank;
  if (oD.size() != rank)
    return op->emitOpError() << "'out' dimension 2 (" << oD.size()
                             << ") must equal 'kv_lora_rank' (" << rank << ")";
  if (cB.isStatic() && cB.size() < 1)
    return op->emitOpError() << "'query_start_loc' must hold B+1 >= 1 offsets, got " << cB.size();
  const Dim &b = sB.isStatic() ? sB : tB;
  if (cB.isStatic() && b.isStatic() && cB.size() != b.size() + 1)
    return op->emitOpError() << "'query_start_loc' dimension 0 (B+1 = " << cB.size()
                             << ") must be one more than '" << b.operand
                             << "' dimension 0 (B = " << b.size() << ")";
  if (failed(checkRanges(op, {qH}, {qD})) || failed(checkAtMost(op, kS, kMaxBlockSize)))
    return failure();
  if (Value lse = getLse()) {
    if (failed(checkRank(op, lse, "lse", 2, "H x Tq")))
      return failure();
    Dim lH{lse, "lse", 0, "H"}, lT{lse, "lse", 1, "Tq"};
    if (failed(checkSame(op, qH, lH)) || failed(checkSame(op, qT, lT)))
      return failure();
  }
  if (failed(checkAttributeNames(op, false)))
    return failure();
  return verifyScaleAndSoftcap(*this);
}
