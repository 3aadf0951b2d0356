/* attn-cpu-launch: placeholder while the pass is being written. */
#include "PassUtil.h"
#include "Passes.h"

static void run(MlirOperation root, MlirExternalPass pass) {
  (void)root;
  mlirExternalPassSignalFailure(pass);
}

static const int64_t passId = 0;
static const AttnPassInfo info = {&passId, "AttnCpuLaunch", "attn-cpu-launch", "not yet implemented", run};

MlirPass attnCreateCpuLaunchPass(void) { return attnCreatePass(&info); }
