/*===- attnrt/CpuLaunch.h - how compiled code launches a CPU grid -*- C -*-===*
 *
 * The ABI between code compiled by attn-cpu-launch and the host that runs it.
 * Each grid launch in the compiled code becomes
 *
 *   AttnCpuLauncher *l = &attnrt_cpu_launcher;
 *   if (l->launch(l->ctx, program, args, gx, gy, gz) != 0) trap();
 *
 * where `program` (an AttnProgramFn) runs one program of the kernel for
 * (x, y, z) and `args` points to the launch's arguments, one int64_t slot
 * each, in the caller's stack frame. The host owns an AttnCpuLauncher and binds
 * its address to the symbol ATTN_CPU_LAUNCHER_SYMBOL: the JIT with
 *
 *   mlirExecutionEngineRegisterSymbol(jit, ATTN_CPU_LAUNCHER_SYMBOL, &launcher);
 *
 * (a data symbol: the compiled code loads `launch` and `ctx` from it on every
 * launch, so the launcher must stay alive and unchanged while code runs).
 *
 * A launch function must run program(args, x, y, z) for every (x, y, z) in
 * [0, gx) x [0, gy) x [0, gz) exactly once, in any order and on any threads,
 * and return only after every program has finished (`args` dies when the
 * compiled launch returns). It returns 0, or nonzero when it cannot run the
 * grid, which makes the compiled code trap.
 *
 *===----------------------------------------------------------------------===*/
#ifndef ATTNRT_CPULAUNCH_H
#define ATTNRT_CPULAUNCH_H

#include "attnrt/ThreadPool.h"

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef int (*AttnCpuLaunchFn)(void *ctx, AttnProgramFn program, void *args, int64_t gx, int64_t gy,
                               int64_t gz);

typedef struct AttnCpuLauncher {
  AttnCpuLaunchFn launch;
  void *ctx;
} AttnCpuLauncher;

/* The symbol compiled code reads its AttnCpuLauncher from. */
#define ATTN_CPU_LAUNCHER_SYMBOL "attnrt_cpu_launcher"

/* A launcher that runs grids on `pool` (attnThreadPoolLaunch); it borrows the
 * pool, which must outlive every launch. A program must not launch on the
 * same pool (that deadlocks). */
AttnCpuLauncher attnCpuLauncherForPool(AttnThreadPool *pool);

#ifdef __cplusplus
}
#endif

#endif /* ATTNRT_CPULAUNCH_H */
