/*===- CpuLaunch.c - the CPU launcher of compiled code over a thread pool -===*/

#include "attnrt/CpuLaunch.h"

static int launchOnPool(void *ctx, AttnProgramFn program, void *args, int64_t gx, int64_t gy,
                        int64_t gz) {
  return attnThreadPoolLaunch((AttnThreadPool *)ctx, gx, gy, gz, program, args);
}

AttnCpuLauncher attnCpuLauncherForPool(AttnThreadPool *pool) {
  AttnCpuLauncher launcher = {launchOnPool, pool};
  return launcher;
}
