/*===- attnrt/ThreadPool.h - the CPU backend's program scheduler --*- C -*-===*
 *
 * Runs a grid of kernel programs on the host's cores: the CPU counterpart of
 * a GPU launch. Programs are handed out dynamically (an atomic counter over
 * the flattened grid), so programs of unequal cost (causal attention: late q
 * tiles see more keys) balance across threads. No MLIR dependency: the
 * runtime links it alone.
 *
 *===----------------------------------------------------------------------===*/
#ifndef ATTNRT_THREADPOOL_H
#define ATTNRT_THREADPOOL_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct AttnThreadPool AttnThreadPool;

/* One program of a grid: (x, y, z) as a GPU kernel would see its block ids. */
typedef void (*AttnProgramFn)(void *userData, int64_t x, int64_t y, int64_t z);

/* Creates a pool that runs launches on `numThreads` threads in total (the
 * launching thread included); 0 means one per online core. Returns NULL when
 * threads cannot be created. */
AttnThreadPool *attnThreadPoolCreate(int numThreads);

/* Joins the workers. Must not be called while a launch is running. */
void attnThreadPoolDestroy(AttnThreadPool *pool);

int attnThreadPoolNumThreads(const AttnThreadPool *pool);

/* Runs fn for every (x, y, z) in [0, gridX) x [0, gridY) x [0, gridZ) exactly
 * once and returns when all have finished. Programs are issued with x
 * descending (the costliest causal q tiles first), then y, then z. Returns 0,
 * or -1 for a negative or overflowing grid. Launches on one pool are
 * serialized; calling it from inside a program of the same pool deadlocks
 * and is not allowed. */
int attnThreadPoolLaunch(AttnThreadPool *pool, int64_t gridX, int64_t gridY, int64_t gridZ,
                         AttnProgramFn fn, void *userData);

#ifdef __cplusplus
}
#endif

#endif /* ATTNRT_THREADPOOL_H */
