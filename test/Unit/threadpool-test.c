/*===- threadpool-test.c - the CPU backend's program scheduler ------------===*
 *
 * Every program of a grid runs exactly once, launches are complete when they
 * return, grids of any shape (including empty and 1x1x1) work for any thread
 * count, the issue order is x-descending, and the pool survives thousands of
 * back-to-back launches.
 *
 *===----------------------------------------------------------------------===*/
#include "attnrt/ThreadPool.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
  int64_t gx, gy, gz;
  atomic_int *hits;
} Grid;

static void count(void *userData, int64_t x, int64_t y, int64_t z) {
  Grid *g = userData;
  if (x < 0 || x >= g->gx || y < 0 || y >= g->gy || z < 0 || z >= g->gz)
    abort();
  atomic_fetch_add(&g->hits[(z * g->gy + y) * g->gx + x], 1);
}

static int checkGrid(AttnThreadPool *pool, int64_t gx, int64_t gy, int64_t gz) {
  size_t n = (size_t)(gx * gy * gz);
  Grid g = {gx, gy, gz, calloc(n + 1, sizeof(atomic_int))};
  if (!g.hits || attnThreadPoolLaunch(pool, gx, gy, gz, count, &g) != 0) {
    printf("FAIL: launch %lldx%lldx%lld\n", (long long)gx, (long long)gy, (long long)gz);
    free(g.hits);
    return 1;
  }
  int bad = 0;
  for (size_t i = 0; i < n; ++i)
    if (atomic_load(&g.hits[i]) != 1)
      ++bad;
  if (bad)
    printf("FAIL: %d of %zu programs of %lldx%lldx%lld did not run exactly once (threads=%d)\n",
           bad, n, (long long)gx, (long long)gy, (long long)gz, attnThreadPoolNumThreads(pool));
  free(g.hits);
  return bad != 0;
}

typedef struct {
  int64_t order[64];
  atomic_int next;
} Order;

static void record(void *userData, int64_t x, int64_t y, int64_t z) {
  Order *o = userData;
  (void)y;
  (void)z;
  o->order[atomic_fetch_add(&o->next, 1)] = x;
}

int main(void) {
  int failures = 0;
  static const int64_t shapes[][3] = {{0, 5, 5},   {1, 1, 1},   {7, 1, 1}, {1, 9, 1}, {3, 5, 2},
                                      {64, 32, 1}, {257, 3, 1}, {5, 0, 1}, {2, 2, 33}};
  for (int threads = 1; threads <= 5; ++threads) {
    AttnThreadPool *pool = attnThreadPoolCreate(threads);
    if (!pool || attnThreadPoolNumThreads(pool) != threads) {
      printf("FAIL: create(%d)\n", threads);
      return 1;
    }
    for (size_t s = 0; s < sizeof(shapes) / sizeof(shapes[0]); ++s)
      failures += checkGrid(pool, shapes[s][0], shapes[s][1], shapes[s][2]);
    /* Back-to-back launches: each must be complete when it returns. */
    for (int i = 0; i < 2000 && !failures; ++i)
      failures += checkGrid(pool, 1 + i % 13, 1 + i % 3, 1);
    attnThreadPoolDestroy(pool);
  }

  /* Default size: one thread per core. */
  AttnThreadPool *pool = attnThreadPoolCreate(0);
  failures += !pool || attnThreadPoolNumThreads(pool) < 1;
  /* Bad grids are rejected, not run. */
  Grid g = {1, 1, 1, NULL};
  failures += attnThreadPoolLaunch(pool, -1, 1, 1, count, &g) != -1;
  failures += attnThreadPoolLaunch(pool, INT64_MAX, INT64_MAX, 2, count, &g) != -1;
  failures += attnThreadPoolLaunch(pool, 1, 1, 1, NULL, &g) != -1;
  attnThreadPoolDestroy(pool);

  /* One thread issues x descending: the costliest causal q tiles first. */
  pool = attnThreadPoolCreate(1);
  Order o;
  memset(&o, 0, sizeof(o));
  attnThreadPoolLaunch(pool, 8, 1, 1, record, &o);
  for (int i = 0; i < 8; ++i)
    if (o.order[i] != 7 - i) {
      printf("FAIL: issue order at %d is %lld\n", i, (long long)o.order[i]);
      ++failures;
    }
  attnThreadPoolDestroy(pool);
  attnThreadPoolDestroy(NULL);

  printf("%s\n", failures ? "FAIL" : "PASS");
  return failures != 0;
}
