/*===- fma-peak.c - the host's fp32 FMA peak, measured --------------------===*
 *
 * The CPU benchmark quotes attention GFLOP/s as a percentage of what the same
 * cores reach on a tight loop of independent fp32 FMAs (12 chains, enough to
 * cover FMA latency x throughput on current x86 cores). AVX-512 when the
 * host has it, AVX2 otherwise. Prints one line per thread count:
 *   fma-peak isa=avx512 threads=2 gflops=233.1
 * Usage: fma-peak [max-threads]   (default: all online cores)
 *
 *===----------------------------------------------------------------------===*/
#define _GNU_SOURCE
#include <immintrin.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

enum { CHAINS = 12, ITERS = 20 * 1000 * 1000 };

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

__attribute__((target("avx512f"))) static float loop512(long iters) {
  __m512 acc[CHAINS], a = _mm512_set1_ps(0.9999f), b = _mm512_set1_ps(1e-7f);
  for (int c = 0; c < CHAINS; ++c)
    acc[c] = _mm512_set1_ps((float)c);
  for (long i = 0; i < iters; ++i)
    for (int c = 0; c < CHAINS; ++c)
      acc[c] = _mm512_fmadd_ps(acc[c], a, b);
  float sum = 0;
  for (int c = 0; c < CHAINS; ++c)
    sum += _mm512_reduce_add_ps(acc[c]);
  return sum;
}

__attribute__((target("avx2,fma"))) static float loop256(long iters) {
  __m256 acc[CHAINS], a = _mm256_set1_ps(0.9999f), b = _mm256_set1_ps(1e-7f);
  for (int c = 0; c < CHAINS; ++c)
    acc[c] = _mm256_set1_ps((float)c);
  for (long i = 0; i < iters; ++i)
    for (int c = 0; c < CHAINS; ++c)
      acc[c] = _mm256_fmadd_ps(acc[c], a, b);
  float out[8], sum = 0;
  for (int c = 0; c < CHAINS; ++c) {
    _mm256_storeu_ps(out, acc[c]);
    for (int k = 0; k < 8; ++k)
      sum += out[k];
  }
  return sum;
}

typedef struct {
  int avx512;
  float sink;
} Job;

static void *work(void *arg) {
  Job *job = arg;
  job->sink = job->avx512 ? loop512(ITERS) : loop256(ITERS);
  return NULL;
}

int main(int argc, char **argv) {
  int avx512 = __builtin_cpu_supports("avx512f");
  if (!avx512 && !__builtin_cpu_supports("fma")) {
    fprintf(stderr, "fma-peak: the host has neither AVX-512 nor AVX2+FMA\n");
    return 1;
  }
  long cores = sysconf(_SC_NPROCESSORS_ONLN);
  int maxThreads = argc > 1 ? atoi(argv[1]) : (int)cores;
  if (maxThreads < 1 || maxThreads > 1024)
    maxThreads = (int)cores;
  double flopsPerIter = 2.0 * CHAINS * (avx512 ? 16 : 8);
  for (int threads = 1; threads <= maxThreads; threads *= 2) {
    pthread_t tid[1024];
    Job jobs[1024];
    double t0 = now();
    for (int t = 0; t < threads; ++t) {
      jobs[t].avx512 = avx512;
      pthread_create(&tid[t], NULL, work, &jobs[t]);
    }
    for (int t = 0; t < threads; ++t)
      pthread_join(tid[t], NULL);
    double secs = now() - t0;
    printf("fma-peak isa=%s threads=%d gflops=%.1f\n", avx512 ? "avx512" : "avx2", threads,
           threads * flopsPerIter * ITERS / secs * 1e-9);
    if (threads < maxThreads && threads * 2 > maxThreads)
      threads = maxThreads / 2; /* also measure exactly maxThreads */
  }
  return 0;
}
