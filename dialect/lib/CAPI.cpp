//===- CAPI.cpp - C API shim: dialect handle and registry hooks -----------===//
//
// Kept as small as possible: everything here exists only because the MLIR C
// API cannot reach the pass registry, declare an ODS dialect or set a pass
// manager's nesting by itself.
//
//===----------------------------------------------------------------------===//

#include "attn-c/Dialect.h"
#include "attn/IR/AttnDialect.h"

#include "mlir/CAPI/Pass.h"
#include "mlir/CAPI/Registration.h"
#include "mlir/CAPI/Support.h"
#include "mlir/CAPI/Utils.h"
#include "mlir/Pass/PassRegistry.h"

MLIR_DEFINE_CAPI_DIALECT_REGISTRATION(Attn, attn, attn::AttnDialect)

static bool isRegistered(llvm::StringRef argument) {
  return mlir::PassInfo::lookup(argument) || mlir::PassPipelineInfo::lookup(argument);
}

void attnRegisterPass(MlirStringRef argument, MlirStringRef description, AttnPassFactory factory) {
  (void)description; // The pass carries its own description.
  if (isRegistered(unwrap(argument)))
    return;
  mlir::registerPass([factory]() { return std::unique_ptr<mlir::Pass>(unwrap(factory())); });
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

void attnPassManagerEnableImplicitNesting(MlirPassManager pm) {
  unwrap(pm)->setNesting(mlir::OpPassManager::Nesting::Implicit);
}

// Adds the pass through its registry entry, as mlir-opt does for pass flags:
// the textual-pipeline C API turns implicit nesting off while it adds.
MlirLogicalResult attnOpPassManagerAddRegistered(MlirOpPassManager pm, MlirStringRef name,
                                                 MlirStringRef options, MlirStringCallback callback,
                                                 void *userData) {
  mlir::detail::CallbackOstream stream(callback, userData);
  const mlir::PassRegistryEntry *entry = mlir::PassInfo::lookup(unwrap(name));
  if (!entry)
    entry = mlir::PassPipelineInfo::lookup(unwrap(name));
  if (!entry) {
    stream << "'" << unwrap(name) << "' does not refer to a registered pass or pass pipeline";
    return mlirLogicalResultFailure();
  }
  auto onError = [&](const llvm::Twine &message) {
    stream << message;
    return mlir::failure();
  };
  return wrap(entry->addToPipeline(*unwrap(pm), unwrap(options), onError));
}
