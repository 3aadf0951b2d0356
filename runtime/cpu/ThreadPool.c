/*===- ThreadPool.c - the CPU backend's program scheduler -----------------===*
 *
 * Persistent workers sleep on a condition variable between launches. A launch
 * publishes the job under the mutex and bumps `generation`; every thread
 * (workers and the launcher) then claims program indices with an atomic
 * fetch-add until the grid is exhausted, and the launcher waits until every
 * worker has reported back, so the job (and the caller's userData) is never
 * touched after attnThreadPoolLaunch returns.
 *
 *===----------------------------------------------------------------------===*/
#define _POSIX_C_SOURCE 200809L

#include "attnrt/ThreadPool.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <unistd.h>

typedef struct {
  AttnProgramFn fn;
  void *userData;
  int64_t gridX, gridY, gridZ, total;
} Job;

struct AttnThreadPool {
  pthread_mutex_t mutex;
  pthread_cond_t wake;        /* workers: a new generation or shutdown */
  pthread_cond_t done;        /* launcher: a worker finished its share */
  pthread_mutex_t launchLock; /* serializes launches */
  Job job;
  uint64_t generation;
  int pending; /* workers still inside the current generation */
  bool shutdown;
  atomic_int_fast64_t next; /* next program index to claim */
  int numWorkers;
  pthread_t *workers;
};

/* Index -> (x, y, z) with x descending and fastest-varying. */
static void runPrograms(AttnThreadPool *pool, const Job *job) {
  for (;;) {
    int64_t i = atomic_fetch_add_explicit(&pool->next, 1, memory_order_relaxed);
    if (i >= job->total)
      return;
    int64_t x = job->gridX - 1 - i % job->gridX;
    int64_t rest = i / job->gridX;
    job->fn(job->userData, x, rest % job->gridY, rest / job->gridY);
  }
}

static void *workerMain(void *arg) {
  AttnThreadPool *pool = arg;
  uint64_t seen = 0;
  pthread_mutex_lock(&pool->mutex);
  for (;;) {
    while (!pool->shutdown && pool->generation == seen)
      pthread_cond_wait(&pool->wake, &pool->mutex);
    if (pool->shutdown)
      break;
    seen = pool->generation;
    Job job = pool->job;
    pthread_mutex_unlock(&pool->mutex);
    runPrograms(pool, &job);
    pthread_mutex_lock(&pool->mutex);
    if (--pool->pending == 0)
      pthread_cond_signal(&pool->done);
  }
  pthread_mutex_unlock(&pool->mutex);
  return NULL;
}

AttnThreadPool *attnThreadPoolCreate(int numThreads) {
  if (numThreads <= 0) {
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    numThreads = cores > 0 && cores < 4096 ? (int)cores : 1;
  }
  AttnThreadPool *pool = calloc(1, sizeof(*pool));
  if (!pool)
    return NULL;
  pool->workers = calloc((size_t)numThreads, sizeof(pthread_t));
  if (!pool->workers) {
    free(pool);
    return NULL;
  }
  pthread_mutex_init(&pool->mutex, NULL);
  pthread_mutex_init(&pool->launchLock, NULL);
  pthread_cond_init(&pool->wake, NULL);
  pthread_cond_init(&pool->done, NULL);
  atomic_init(&pool->next, 0);
  /* The launching thread works too: numThreads - 1 workers. */
  for (int i = 0; i < numThreads - 1; ++i) {
    if (pthread_create(&pool->workers[i], NULL, workerMain, pool) != 0) {
      attnThreadPoolDestroy(pool);
      return NULL;
    }
    ++pool->numWorkers;
  }
  return pool;
}

void attnThreadPoolDestroy(AttnThreadPool *pool) {
  if (!pool)
    return;
  pthread_mutex_lock(&pool->mutex);
  pool->shutdown = true;
  pthread_cond_broadcast(&pool->wake);
  pthread_mutex_unlock(&pool->mutex);
  for (int i = 0; i < pool->numWorkers; ++i)
    pthread_join(pool->workers[i], NULL);
  pthread_cond_destroy(&pool->wake);
  pthread_cond_destroy(&pool->done);
  pthread_mutex_destroy(&pool->mutex);
  pthread_mutex_destroy(&pool->launchLock);
  free(pool->workers);
  free(pool);
}

int attnThreadPoolNumThreads(const AttnThreadPool *pool) { return pool->numWorkers + 1; }

int attnThreadPoolLaunch(AttnThreadPool *pool, int64_t gridX, int64_t gridY, int64_t gridZ,
                         AttnProgramFn fn, void *userData) {
  if (gridX < 0 || gridY < 0 || gridZ < 0 || !fn)
    return -1;
  if (gridX == 0 || gridY == 0 || gridZ == 0)
    return 0;
  if (gridY > INT64_MAX / gridX || gridZ > INT64_MAX / (gridX * gridY))
    return -1;
  Job job = {fn, userData, gridX, gridY, gridZ, gridX * gridY * gridZ};
  pthread_mutex_lock(&pool->launchLock);
  if (job.total == 1 || pool->numWorkers == 0) {
    /* Not worth waking anyone. */
    atomic_store(&pool->next, 0);
    runPrograms(pool, &job);
    pthread_mutex_unlock(&pool->launchLock);
    return 0;
  }
  pthread_mutex_lock(&pool->mutex);
  pool->job = job;
  atomic_store(&pool->next, 0);
  pool->pending = pool->numWorkers;
  ++pool->generation;
  pthread_cond_broadcast(&pool->wake);
  pthread_mutex_unlock(&pool->mutex);

  runPrograms(pool, &job);

  pthread_mutex_lock(&pool->mutex);
  while (pool->pending > 0)
    pthread_cond_wait(&pool->done, &pool->mutex);
  pthread_mutex_unlock(&pool->mutex);
  pthread_mutex_unlock(&pool->launchLock);
  return 0;
}
