// How fast can one warp per (sequence, KV head, split) stream a vLLM paged KV cache
// (NB x 16 x 8 x 128 bf16, B = 32 sequences of 32768 keys, random block table) on an H100,
// with no attention math? The copy mechanisms attnc's decode kernel could use:
//   cpasync1  16-byte cp.async per lane, one tile in flight (attnc's FA2 schedule)
//   cpasync2  the same with the next K and V tiles both in flight (a 2-stage ring)
//   bulk1/2   cp.async.bulk (one 256-byte row per lane) + mbarrier, 1 or 2 stages
//   ring S/R  rings of S stages of R keys (S - 1 tiles in flight)
//   ldg W     16-byte ld.global into registers (W warps per CTA), no shared memory
//   heads W   W warps per CTA, one KV head each (a row's W heads read together),
//             random and in-order block tables
// -DCPVAR=N picks the cp.async form: 0 plain, 1 .L2::256B, 2 L2 evict-first policy,
// 3 cp.async.ca, 4 evict-first + .L2::256B; -DLDG=__ldg the load of the ldg kernels.
// Results: bench/RESULTS.md ("Where the decode bandwidth goes").
// Build and run on the GPU machine:
//   nvcc -O3 -arch=sm_90a -std=c++17 [-DCPVAR=1] paged_stream.cu -o ps && ./ps
#include <cstdio>
#include <cstdlib>
#include <cstdint>
#include <vector>
#include <algorithm>
#include <random>
#include <cuda_runtime.h>

constexpr int BS = 16, HKV = 8, D = 128, BN = 32, ROWB = D * 2, PADB = ROWB + 16;
constexpr int TILEB = BN * PADB;

__device__ __forceinline__ uint32_t smem(const void *p) {
  return (uint32_t)__cvta_generic_to_shared(p);
}
#ifndef CPVAR
#define CPVAR 0
#endif
__device__ __forceinline__ void cpasync16(uint32_t dst, const void *src) {
#if CPVAR == 0
  asm volatile("cp.async.cg.shared.global [%0], [%1], 16;\n" ::"r"(dst), "l"(src));
#elif CPVAR == 1
  asm volatile("cp.async.cg.shared.global.L2::256B [%0], [%1], 16;\n" ::"r"(dst), "l"(src));
#elif CPVAR == 2
  asm volatile("{\n .reg .b64 pol;\n createpolicy.fractional.L2::evict_first.b64 pol, 1.0;\n"
               " cp.async.cg.shared.global.L2::cache_hint [%0], [%1], 16, pol;\n}\n" ::"r"(dst), "l"(src));
#elif CPVAR == 3
  asm volatile("cp.async.ca.shared.global [%0], [%1], 16;\n" ::"r"(dst), "l"(src));
#elif CPVAR == 4
  asm volatile("{\n .reg .b64 pol;\n createpolicy.fractional.L2::evict_first.b64 pol, 1.0;\n"
               " cp.async.cg.shared.global.L2::cache_hint.L2::256B [%0], [%1], 16, pol;\n}\n" ::"r"(dst), "l"(src));
#endif
}
__device__ __forceinline__ void commit() { asm volatile("cp.async.commit_group;\n"); }
template <int N> __device__ __forceinline__ void waitg() {
  asm volatile("cp.async.wait_group %0;\n" ::"n"(N));
}
__device__ __forceinline__ void mbar_init(uint32_t bar, int count) {
  asm volatile("mbarrier.init.shared::cta.b64 [%0], %1;\n" ::"r"(bar), "r"(count));
}
__device__ __forceinline__ void mbar_expect(uint32_t bar, int bytes) {
  asm volatile("mbarrier.arrive.expect_tx.shared::cta.b64 _, [%0], %1;\n" ::"r"(bar), "r"(bytes));
}
__device__ __forceinline__ void mbar_wait(uint32_t bar, int parity) {
  asm volatile("{\n .reg .pred p;\n W: mbarrier.try_wait.parity.shared::cta.b64 p, [%0], %1;\n"
               " @!p bra W;\n}\n" ::"r"(bar), "r"(parity));
}
__device__ __forceinline__ void bulk(uint32_t dst, const void *src, int bytes, uint32_t bar) {
  asm volatile("cp.async.bulk.shared::cluster.global.mbarrier::complete_tx::bytes [%0], [%1], %2, [%3];\n"
               ::"r"(dst), "l"(src), "r"(bytes), "r"(bar) : "memory");
}

#ifndef LDG
#define LDG __ldcs
#endif
struct Args {
  const char *k, *v;
  const int *table;
  int nblk, splits, tiles;  // tiles of BN keys per sequence
  float *out;
};

// Median over 15 CUDA-event timings of 5 back-to-back launches, in ms per launch.
template <typename Launch> float medianMs(Launch launch) {
  launch();
  cudaError_t err = cudaDeviceSynchronize();
  if (err != cudaSuccess) { printf("launch failed: %s\n", cudaGetErrorString(err)); exit(1); }
  cudaEvent_t e0, e1;
  cudaEventCreate(&e0);
  cudaEventCreate(&e1);
  std::vector<float> ms;
  for (int i = 0; i < 15; ++i) {
    cudaEventRecord(e0);
    for (int j = 0; j < 5; ++j) launch();
    cudaEventRecord(e1);
    cudaEventSynchronize(e1);
    float t;
    cudaEventElapsedTime(&t, e0, e1);
    ms.push_back(t / 5);
  }
  cudaEventDestroy(e0);
  cudaEventDestroy(e1);
  std::sort(ms.begin(), ms.end());
  return ms[7];
}

// The global address of row r (0..BN) of tile t for head h.
__device__ __forceinline__ const char *rowAddr(const char *cache, const int *tab, int t, int r, int h) {
  int key = t * BN + r;
  int blk = tab[key / BS];
  return cache + (((size_t)blk * BS + key % BS) * HKV + h) * ROWB;
}

__device__ __forceinline__ void issueCp(uint32_t buf, const char *cache, const int *tab, int t, int h, int lane) {
  // 32 rows x 16 chunks of 16 bytes: lane copies chunk lane%16 of rows 2i + lane/16.
#pragma unroll
  for (int i = 0; i < BN / 2; ++i) {
    int r = 2 * i + lane / 16;
    cpasync16(buf + r * PADB + (lane % 16) * 16, rowAddr(cache, tab, t, r, h) + (lane % 16) * 16);
  }
}

__device__ __forceinline__ float consume(const char *buf, int lane) {
  const float *f = (const float *)(buf + lane * PADB);
  return f[0] + f[17];
}

// attnc's schedule (FA2's): K(t) in flight during PV(t-1), V(t) during QK(t); one tile
// in flight, K and V buffers of TILEB bytes at sm.
__device__ float streamFa2(const Args &a, const int *tab, char *sm, int t0, int t1, int h, int lane) {
  uint32_t base = smem(sm);
  float acc = 0;
  if (t0 < t1) { issueCp(base, a.k, tab, t0, h, lane); commit(); }
  for (int t = t0; t < t1; ++t) {
    waitg<0>(); __syncwarp();
    issueCp(base + TILEB, a.v, tab, t, h, lane); commit();
    acc += consume(sm, lane);
    waitg<0>(); __syncwarp();
    if (t + 1 < t1) { issueCp(base, a.k, tab, t + 1, h, lane); commit(); }
    acc += consume(sm + TILEB, lane);
  }
  return acc;
}

template <int MODE>
__global__ void __launch_bounds__(32) stream(Args a) {
  __shared__ __align__(128) char sm[4 * TILEB];
  __shared__ __align__(8) uint64_t bars[4];
  int lane = threadIdx.x, h = blockIdx.x % HKV, b = blockIdx.x / HKV, s = blockIdx.y;
  const int *tab = a.table + (size_t)b * a.nblk;
  int per = (a.tiles + a.splits - 1) / a.splits, t0 = s * per, t1 = min(a.tiles, t0 + per);
  float acc = 0;
  uint32_t base = smem(sm);
  if (MODE >= 2) {
    if (lane == 0)
      for (int i = 0; i < 4; ++i) mbar_init(smem(&bars[i]), 1);
    asm volatile("fence.mbarrier_init.release.cluster;\n");
    __syncwarp();
  }
  if (MODE == 0) {  // FA2: K(t) in flight during PV(t-1); V(t) during QK(t)
    acc = streamFa2(a, tab, sm, t0, t1, h, lane);
  } else if (MODE == 1) {  // ring of 2 (K, V) stages: tile t+1 in flight while t is consumed
    if (t0 < t1) { issueCp(base, a.k, tab, t0, h, lane); issueCp(base + TILEB, a.v, tab, t0, h, lane); commit(); }
    for (int t = t0; t < t1; ++t) {
      int cur = (t - t0) & 1;
      if (t + 1 < t1) {
        uint32_t nb = base + (cur ^ 1) * 2 * TILEB;
        issueCp(nb, a.k, tab, t + 1, h, lane); issueCp(nb + TILEB, a.v, tab, t + 1, h, lane);
      }
      commit();
      waitg<1>(); __syncwarp();
      acc += consume(sm + cur * 2 * TILEB, lane) + consume(sm + cur * 2 * TILEB + TILEB, lane);
      __syncwarp();
    }
  } else {  // bulk: lane r copies row r; one barrier per buffer
    const int stages = MODE == 2 ? 1 : 2;
    auto issue = [&](int t, int st) {
      uint32_t kb = base + st * 2 * TILEB, bar = smem(&bars[st]);
      if (lane == 0) mbar_expect(bar, 2 * BN * ROWB);
      __syncwarp();
      bulk(kb + lane * PADB, rowAddr(a.k, tab, t, lane, h), ROWB, bar);
      bulk(kb + TILEB + lane * PADB, rowAddr(a.v, tab, t, lane, h), ROWB, bar);
    };
    int phase[2] = {0, 0};
    for (int i = 0; i < stages && t0 + i < t1; ++i) issue(t0 + i, i);
    for (int t = t0; t < t1; ++t) {
      int st = (t - t0) % stages;
      mbar_wait(smem(&bars[st]), phase[st]);
      phase[st] ^= 1;
      acc += consume(sm + st * 2 * TILEB, lane) + consume(sm + st * 2 * TILEB + TILEB, lane);
      __syncwarp();
      if (t + stages < t1) issue(t + stages, st);
    }
  }
  a.out[(blockIdx.y * gridDim.x + blockIdx.x) * 32 + lane] = acc;
}

// W warps per CTA, each its own KV head (warp w reads head hb*W + w): the W heads of a
// row are W*256 contiguous bytes, read by one CTA at the same time. cpasync1's schedule.
template <int W>
__global__ void __launch_bounds__(32 * W) streamHeads(Args a) {
  extern __shared__ __align__(128) char dyn[];
  int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  int groups = HKV / W, h = (blockIdx.x % groups) * W + warp, b = blockIdx.x / groups, s = blockIdx.y;
  char *sm = dyn + warp * 2 * TILEB;
  const int *tab = a.table + (size_t)b * a.nblk;
  int per = (a.tiles + a.splits - 1) / a.splits, t0 = s * per, t1 = min(a.tiles, t0 + per);
  float acc = streamFa2(a, tab, sm, t0, t1, h, lane);
  a.out[(blockIdx.y * gridDim.x + blockIdx.x) * 32 * W + threadIdx.x] = acc;
}

// Plain 16-byte loads into registers (no shared memory), one tile of K and V per step:
// how a reduction like torch.sum reads.
template <int W>
__global__ void __launch_bounds__(32 * W) streamLdg(Args a) {
  int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  int groups = HKV / W, h = (blockIdx.x % groups) * W + warp, b = blockIdx.x / groups, s = blockIdx.y;
  const int *tab = a.table + (size_t)b * a.nblk;
  int per = (a.tiles + a.splits - 1) / a.splits, t0 = s * per, t1 = min(a.tiles, t0 + per);
  float acc = 0;
  for (int t = t0; t < t1; ++t) {
    uint4 x[BN];
#pragma unroll
    for (int i = 0; i < BN / 2; ++i) {
      int r = 2 * i + lane / 16;
      x[i] = LDG((const uint4 *)(rowAddr(a.k, tab, t, r, h) + (lane % 16) * 16));
      x[BN / 2 + i] = LDG((const uint4 *)(rowAddr(a.v, tab, t, r, h) + (lane % 16) * 16));
    }
#pragma unroll
    for (int i = 0; i < BN; ++i) acc += __uint_as_float(x[i].x ^ x[i].w);
  }
  a.out[(blockIdx.y * gridDim.x + blockIdx.x) * 32 * W + threadIdx.x] = acc;
}

template <int W> void runLdg(Args a, int B, double bytes) {
  dim3 grid(B * HKV / W, a.splits);
  float ms = medianMs([&] { streamLdg<W><<<grid, 32 * W>>>(a); });
  printf("ldg%d splits=%d  %.3f ms  %.0f GB/s\n", W, a.splits, ms, bytes / ms / 1e6);
}

// A ring of STAGES (K, V) slots of R keys per warp: STAGES - 1 tiles in flight.
template <int STAGES, int R>
__device__ __forceinline__ void issueRing(uint32_t buf, const char *cache, const int *tab, int t, int h, int lane) {
#pragma unroll
  for (int i = 0; i < R / 2; ++i) {
    int r = 2 * i + lane / 16, key = t * R + r;
    const char *src = cache + (((size_t)tab[key / BS] * BS + key % BS) * HKV + h) * ROWB + (lane % 16) * 16;
    cpasync16(buf + r * PADB + (lane % 16) * 16, src);
  }
}

template <int STAGES, int R>
__global__ void __launch_bounds__(32) streamRing(Args a) {
  extern __shared__ __align__(128) char dyn[];
  constexpr int SLOT = 2 * R * PADB;
  int lane = threadIdx.x, h = blockIdx.x % HKV, b = blockIdx.x / HKV, s = blockIdx.y;
  const int *tab = a.table + (size_t)b * a.nblk;
  int tiles = a.tiles * BN / R;
  int per = (tiles + a.splits - 1) / a.splits, t0 = s * per, t1 = min(tiles, t0 + per);
  uint32_t base = smem(dyn);
  float acc = 0;
#pragma unroll
  for (int i = 0; i < STAGES - 1; ++i) {
    if (t0 + i < t1) {
      issueRing<STAGES, R>(base + i * SLOT, a.k, tab, t0 + i, h, lane);
      issueRing<STAGES, R>(base + i * SLOT + R * PADB, a.v, tab, t0 + i, h, lane);
    }
    commit();
  }
  for (int t = t0; t < t1; ++t) {
    waitg<STAGES - 2>();
    __syncwarp();
    int slot = (t - t0) % STAGES;
    acc += consume(dyn + slot * SLOT, lane % R) + consume(dyn + slot * SLOT + R * PADB, lane % R);
    __syncwarp();
    int nt = t + STAGES - 1, ns = (nt - t0) % STAGES;
    if (nt < t1) {
      issueRing<STAGES, R>(base + ns * SLOT, a.k, tab, nt, h, lane);
      issueRing<STAGES, R>(base + ns * SLOT + R * PADB, a.v, tab, nt, h, lane);
    }
    commit();
  }
  a.out[(blockIdx.y * gridDim.x + blockIdx.x) * 32 + lane] = acc;
}

template <int STAGES, int R> void runRing(Args a, int B, double bytes) {
  auto kern = streamRing<STAGES, R>;
  int smemBytes = STAGES * 2 * R * PADB;
  cudaFuncSetAttribute(kern, cudaFuncAttributeMaxDynamicSharedMemorySize, smemBytes);
  dim3 grid(B * HKV, a.splits);
  float ms = medianMs([&] { kern<<<grid, 32, smemBytes>>>(a); });
  printf("ring stages=%d keys=%d smem=%d splits=%d  %.3f ms  %.0f GB/s\n", STAGES, R, smemBytes,
         a.splits, ms, bytes / ms / 1e6);
}

template <int W> void runHeads(Args a, int B, double bytes, const char *order) {
  auto kern = streamHeads<W>;
  int smemBytes = W * 2 * TILEB;
  cudaFuncSetAttribute(kern, cudaFuncAttributeMaxDynamicSharedMemorySize, smemBytes);
  dim3 grid(B * HKV / W, a.splits);
  float ms = medianMs([&] { kern<<<grid, 32 * W, smemBytes>>>(a); });
  printf("heads%d %s splits=%d  %.3f ms  %.0f GB/s\n", W, order, a.splits, ms, bytes / ms / 1e6);
}

int main() {
  const int B = 32, L = 32768, nblk = L / BS, need = B * nblk, NB = 2 * need;
  size_t cacheBytes = (size_t)NB * BS * HKV * ROWB;
  char *k, *v;
  int *table;
  float *out;
  cudaMalloc(&k, cacheBytes);
  cudaMalloc(&v, cacheBytes);
  cudaMemset(k, 0, cacheBytes);
  cudaMemset(v, 0, cacheBytes);
  std::vector<int> ids(NB);
  for (int i = 0; i < NB; ++i) ids[i] = i;
  std::shuffle(ids.begin(), ids.end(), std::mt19937(1));
  cudaMalloc(&table, need * sizeof(int));
  cudaMemcpy(table, ids.data(), need * sizeof(int), cudaMemcpyHostToDevice);
  cudaMalloc(&out, 64 * 1024 * 1024);
  double bytes = 2.0 * B * L * HKV * ROWB;
  const char *names[4] = {"cpasync1", "cpasync2", "bulk1", "bulk2"};
  void (*kern[4])(Args) = {stream<0>, stream<1>, stream<2>, stream<3>};
  for (int m = 0; m < 4; ++m)
    for (int splits : {3, 4, 6}) {
      Args a{k, v, table, nblk, splits, L / BN, out};
      dim3 grid(B * HKV, splits);
      float ms = medianMs([&] { kern[m]<<<grid, 32>>>(a); });
      printf("%-9s splits=%d  %.3f ms  %.0f GB/s\n", names[m], splits, ms, bytes / ms / 1e6);
    }
  for (int splits : {2, 3, 4}) {
    Args a{k, v, table, nblk, splits, L / BN, out};
    runRing<2, 32>(a, B, bytes);
    runRing<3, 32>(a, B, bytes);
    runRing<4, 32>(a, B, bytes);
    runRing<4, 16>(a, B, bytes);
    runRing<6, 16>(a, B, bytes);
    runRing<8, 16>(a, B, bytes);
    runRing<3, 64>(a, B, bytes);
  }
  for (int splits : {3, 6, 12, 24}) {
    Args a{k, v, table, nblk, splits, L / BN, out};
    runLdg<1>(a, B, bytes);
    runLdg<4>(a, B, bytes);
  }
  std::vector<int> sorted(need);
  for (int i = 0; i < need; ++i) sorted[i] = i;
  for (int order = 0; order < 2; ++order) {
    cudaMemcpy(table, order ? sorted.data() : ids.data(), need * sizeof(int), cudaMemcpyHostToDevice);
    const char *on = order ? "sorted" : "random";
    for (int splits : {6, 12}) {
      Args a{k, v, table, nblk, splits, L / BN, out};
      runHeads<1>(a, B, bytes, on);
      runHeads<2>(a, B, bytes, on);
      runHeads<4>(a, B, bytes, on);
      runHeads<8>(a, B, bytes, on);
    }
  }
  return 0;
}
