//===- CAPI.cpp - C API shim: dialect handle and registry hooks -----------===//
//
// Kept as small as possible: everything here exists only because the MLIR C
// API cannot reach the pass registry or declare an ODS dialect by itself.
//
//===----------------------------------------------------------------------===//

#include "attn-c/Dialect.h"
#include "attn/IR/AttnDialect.h"

#include "mlir/CAPI/Pass.h"
#include "mlir/CAPI/Registration.h"
#include "mlir/CAPI/Support.h"
#include "mlir/Pass/PassRegistry.h"

MLIR_DEFINE_CAPI_DIALECT_REGISTRATION(Attn, attn, attn::AttnDialect)

static bool isRegistered(llvm::StringRef argument) {
  return mlir::PassInfo::lookup(argument) || mlir::PassPipelineInfo::lookup(argument);
}

void attnRegisterPass(MlirStringRef argument, MlirStringRef description,
                      AttnPassFactory factory) {
  (void)description; // The pass carries its own description.
  if (isRegistered(unwrap(argument)))
    return;
  mlir::registerPass(
      [factory]() { return std::unique_ptr<mlir::Pass>(unwrap(factory())); });
}

void attnRegisterPipeline(MlirStringRef argument, MlirStringRef description,
                          AttnPipelineBuilder builder) {
  if (isRegistered(unwrap(argument)))
    return;
  auto build = [builder](mlir::OpPassManager &pm, llvm::StringRef options,
                         llvm::function_ref<mlir::LogicalResult(const llvm::Twine &)> onError) {
    std::string message;
    auto collect = [](MlirStringRef part, void *userData) {
      static_cast<std::string *>(userData)->append(part.data, part.length);
    };
    if (mlirLogicalResultIsSuccess(builder(wrap(&pm), wrap(options), collect, &message)))
      return mlir::success();
    return onError(message);
  };
  mlir::registerPassPipeline(unwrap(argument), unwrap(description), build,
                             [](llvm::function_ref<void(const mlir::detail::PassOptions &)>) {});
}
