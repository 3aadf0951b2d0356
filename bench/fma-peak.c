/*===- fma-peak.c - the host's fp32 FMA peak, measured --------------------===*
 *
 * The CPU benchmark quotes attention GFLOP/s as a percentage of what the same
 * cores reach on a tight loop of independent fp32 FMAs (12 chains, enough to
 * cover FMA latency x throughput on current x86 cores). AVX-512 when the
 * host has it, AVX2 otherwise. "All cores" are the CPUs this process may run
 * on (so `taskset` restricts the measurement like it restricts attn-run).
 * Thread t is pinned to the t-th of them, ordered one per physical core first
 * and SMT siblings after (what the scheduler does with attn-run's unpinned
 * threads). Each thread count is timed three times and the best is kept.
 * Prints one line per thread count:
 *   fma-peak isa=avx512 cores=2 threads=2 gflops=233.1
 * Usage: fma-peak [MAX]            1, 2, 4, ... up to MAX, and MAX itself
 *                                   (default: all usable cores)
 *        fma-peak --threads=1,3,16 exactly these thread counts
 *
 *===----------------------------------------------------------------------===*/
#define _GNU_SOURCE
#include <immintrin.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum { CHAINS = 12, ITERS = 20 * 1000 * 1000, TRIALS = 3, MAX_THREADS = 1024, MAX_COUNTS = 64 };

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

__attribute__((target("avx512f"))) static float loop512(long iters) {
  __m512 acc[CHAINS], a = _mm512_set1_ps(0.9999f), b = _mm512_set1_ps(1e-7f);
  for (int c = 0; c < CHAINS; ++c)
    acc[c] = _mm512_set1_ps((float)c);
  /* Unrolled so the chains live in registers: a rolled loop keeps acc[] in
   * memory and measures store-to-load latency instead of the FMA units. */
  for (long i = 0; i < iters; ++i)
#pragma GCC unroll 16
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
#pragma GCC unroll 16
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
  int avx512, cpu; /* cpu < 0: not pinned */
  pthread_barrier_t *start;
  float sink;
} Job;

static void *work(void *arg) {
  Job *job = arg;
  if (job->cpu >= 0) {
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(job->cpu, &one);
    pthread_setaffinity_np(pthread_self(), sizeof(one), &one); /* best effort */
  }
  pthread_barrier_wait(job->start);
  job->sink = job->avx512 ? loop512(ITERS) : loop256(ITERS);
  return NULL;
}

/* GFLOP/s of `threads` threads, each on its own CPU of `cpus` (round robin
 * if there are more threads than CPUs). Timed from the barrier release. */
static double measure(int avx512, int threads, const int *cpus, int numCpus) {
  static pthread_t tid[MAX_THREADS];
  static Job jobs[MAX_THREADS];
  double best = 0;
  for (int trial = 0; trial < TRIALS; ++trial) {
    pthread_barrier_t start;
    pthread_barrier_init(&start, NULL, (unsigned)threads + 1);
    for (int t = 0; t < threads; ++t) {
      jobs[t].avx512 = avx512;
      jobs[t].cpu = numCpus > 0 ? cpus[t % numCpus] : -1;
      jobs[t].start = &start;
      if (pthread_create(&tid[t], NULL, work, &jobs[t]) != 0) {
        fprintf(stderr, "fma-peak: cannot start thread %d\n", t);
        exit(1);
      }
    }
    pthread_barrier_wait(&start);
    double t0 = now();
    for (int t = 0; t < threads; ++t)
      pthread_join(tid[t], NULL);
    double secs = now() - t0;
    pthread_barrier_destroy(&start);
    double flopsPerIter = 2.0 * CHAINS * (avx512 ? 16 : 8);
    double gflops = threads * flopsPerIter * ITERS / secs * 1e-9;
    best = gflops > best ? gflops : best;
  }
  return best;
}

/* sysfs topology value of `cpu`, or -1. */
static int topology(int cpu, const char *what) {
  char path[128];
  snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%d/topology/%s", cpu, what);
  FILE *f = fopen(path, "r");
  int v = -1;
  if (f) {
    if (fscanf(f, "%d", &v) != 1)
      v = -1;
    fclose(f);
  }
  return v;
}

typedef struct {
  int cpu, sibling, package, core;
} CpuKey;

static int compareCpu(const void *pa, const void *pb) {
  const CpuKey *a = pa, *b = pb;
  if (a->sibling != b->sibling)
    return a->sibling - b->sibling;
  return a->cpu - b->cpu;
}

/* Orders cpus[] so that the first of each physical core comes before any SMT
 * sibling; keeps the mask order where sysfs says nothing. */
static void orderByCore(int *cpus, int n) {
  static CpuKey keys[CPU_SETSIZE];
  for (int i = 0; i < n; ++i) {
    keys[i].cpu = cpus[i];
    keys[i].package = topology(cpus[i], "physical_package_id");
    keys[i].core = topology(cpus[i], "core_id");
    keys[i].sibling = 0;
    for (int j = 0; j < i && keys[i].core >= 0; ++j)
      if (keys[j].package == keys[i].package && keys[j].core == keys[i].core)
        ++keys[i].sibling;
  }
  qsort(keys, (size_t)n, sizeof(CpuKey), compareCpu);
  for (int i = 0; i < n; ++i)
    cpus[i] = keys[i].cpu;
}

static int parseCounts(const char *s, int *counts) {
  int n = 0;
  while (*s && n < MAX_COUNTS) {
    char *end;
    long v = strtol(s, &end, 10);
    if (end == s || v < 1 || v > MAX_THREADS || (*end && *end != ','))
      return -1;
    counts[n++] = (int)v;
    s = *end ? end + 1 : end;
  }
  return *s ? -1 : n;
}

int main(int argc, char **argv) {
  int avx512 = __builtin_cpu_supports("avx512f");
  if (!avx512 && !__builtin_cpu_supports("fma")) {
    fprintf(stderr, "fma-peak: the host has neither AVX-512 nor AVX2+FMA\n");
    return 1;
  }
  /* The CPUs this process may use, in order. */
  static int cpus[CPU_SETSIZE];
  int numCpus = 0;
  cpu_set_t mask;
  if (sched_getaffinity(0, sizeof(mask), &mask) == 0) {
    for (int c = 0; c < CPU_SETSIZE; ++c)
      if (CPU_ISSET(c, &mask))
        cpus[numCpus++] = c;
  }
  orderByCore(cpus, numCpus);
  int cores = numCpus > 0 ? numCpus : (int)sysconf(_SC_NPROCESSORS_ONLN);

  int counts[MAX_COUNTS], numCounts = 0;
  if (argc > 1 && !strncmp(argv[1], "--threads=", 10)) {
    numCounts = parseCounts(argv[1] + 10, counts);
    if (numCounts <= 0) {
      fprintf(stderr, "fma-peak: --threads expects a list like 1,4,16 (each 1..%d)\n", MAX_THREADS);
      return 1;
    }
  } else {
    int maxThreads = argc > 1 ? atoi(argv[1]) : cores;
    if (maxThreads < 1 || maxThreads > MAX_THREADS)
      maxThreads = cores;
    for (int threads = 1; numCounts < MAX_COUNTS; threads *= 2) {
      if (threads >= maxThreads) {
        counts[numCounts++] = maxThreads;
        break;
      }
      counts[numCounts++] = threads;
    }
  }
  for (int i = 0; i < numCounts; ++i) {
    printf("fma-peak isa=%s cores=%d threads=%d gflops=%.1f\n", avx512 ? "avx512" : "avx2", cores,
           counts[i], measure(avx512, counts[i], cpus, numCpus));
    fflush(stdout);
  }
  return 0;
}
