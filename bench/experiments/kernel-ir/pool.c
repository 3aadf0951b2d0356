/* Runtime side of the CPU backend, no MLIR dependency: a pthread pool that runs the grid
 * (q tile x batch*head) by calling the compiled per-program kernel with expanded memref
 * descriptors (ptr, ptr, offset, sizes[4], strides[4]) + program ids. Work is handed out
 * by an atomic counter (dynamic scheduling: causal programs have unequal cost). */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <time.h>
#define DESC float *, float *, long, long, long, long, long, long, long, long, long
extern void attn_program(DESC, DESC, DESC, DESC, long pid_m, long pid_bh);
typedef struct { float *p; long sz[4], st[4]; } T4;
#define X(t) t.p, t.p, 0L, t.sz[0], t.sz[1], t.sz[2], t.sz[3], t.st[0], t.st[1], t.st[2], t.st[3]
static T4 mk(long b, long h, long s, long d) {
  T4 t = {aligned_alloc(64, sizeof(float) * b * h * s * d), {b, h, s, d}, {h * s * d, s * d, d, 1}};
  for (long i = 0; i < b * h * s * d; ++i) t.p[i] = 3.0f * sinf(0.37f * (float)(i % 9973) + (float)(i / 9973));
  return t;
}
typedef struct { T4 q, k, v, o; long ntm, nprog; atomic_long next; } Grid;
static void *worker(void *arg) {
  Grid *g = arg;
  for (long p; (p = atomic_fetch_add(&g->next, 1)) < g->nprog;)
    attn_program(X(g->q), X(g->k), X(g->v), X(g->o), p % g->ntm, p / g->ntm);
  return NULL;
}
static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + 1e-9 * t.tv_nsec; }
int main(int argc, char **argv) {
  long S = atol(argv[1]), H = atol(argv[2]); int nt = atoi(argv[3]); int causal = argc > 4;
  Grid g; g.q = mk(1, H, S, 128); g.k = mk(1, H, S, 128); g.v = mk(1, H, S, 128); g.o = mk(1, H, S, 128);
  g.ntm = S / 16; g.nprog = g.ntm * H;
  double best = 1e30;
  for (int rep = 0; rep < 3; ++rep) {
    atomic_store(&g.next, 0);
    pthread_t th[64]; double t0 = now();
    for (int i = 1; i < nt; ++i) pthread_create(&th[i], NULL, worker, &g);
    worker(&g);
    for (int i = 1; i < nt; ++i) pthread_join(th[i], NULL);
    double dt = now() - t0; if (dt < best) best = dt;
  }
  /* spot check one row against a double reference */
  long hh = H - 1, i = S / 3; double m = -1e300, l = 0, err = 0; double *s = malloc(sizeof(double) * S);
  for (long j = 0; j < S; ++j) { double d = 0; for (int c = 0; c < 128; ++c) d += (double)g.q.p[(hh * S + i) * 128 + c] * g.k.p[(hh * S + j) * 128 + c];
    s[j] = (causal && j > i) ? -INFINITY : d / sqrt(128.0); if (s[j] > m) m = s[j]; }
  for (long j = 0; j < S; ++j) { s[j] = exp(s[j] - m); l += s[j]; }
  for (int c = 0; c < 128; ++c) { double a = 0; for (long j = 0; j < S; ++j) a += s[j] * g.v.p[(hh * S + j) * 128 + c];
    double e = fabs(a / l - g.o.p[(hh * S + i) * 128 + c]); if (e > err) err = e; }
  printf("S=%ld H=%ld threads=%d %s: %.4f s, %.1f GFLOP/s (non-causal-equivalent flops), row err %.2e\n", S, H, nt,
         causal ? "causal" : "full", best, 4.0 * S * S * 128 * H / best / 1e9, err);
  return 0;
}
