/* attn-lower-cpu: placeholder while the pass is being written. */
#include "PassUtil.h"
#include "Passes.h"

static void run(MlirOperation root, MlirExternalPass pass) {
  (void)root;
  mlirExternalPassSignalFailure(pass);
}

static const int64_t passId = 0;
static const AttnPassInfo info = {&passId, "AttnLowerCpu", "attn-lower-cpu", "not yet implemented", run};

MlirPass attnCreateLowerCpuPass(void) { return attnCreatePass(&info); }
