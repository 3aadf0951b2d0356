/* attn-online-softmax: placeholder while the pass is being written. */
#include "PassUtil.h"
#include "Passes.h"

static void run(MlirOperation root, MlirExternalPass pass) {
  (void)root;
  mlirExternalPassSignalFailure(pass);
}

static const int64_t passId = 0;
static const AttnPassInfo info = {&passId, "AttnOnlineSoftmax", "attn-online-softmax", "not yet implemented", run};

MlirPass attnCreateOnlineSoftmaxPass(void) { return attnCreatePass(&info); }
