// fp32 FMA peak: N independent accumulator chains of 512-bit (or 256-bit) FMAs.
#include <immintrin.h>
#include <stdio.h>
#include <time.h>
#include <stdlib.h>
static double now(void){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return t.tv_sec+1e-9*t.tv_nsec;}
#define CH 12
__attribute__((noinline)) float run512(long iters){
  __m512 a[CH]; __m512 x=_mm512_set1_ps(1.0000001f), y=_mm512_set1_ps(0.9999999f);
  for(int i=0;i<CH;i++) a[i]=_mm512_set1_ps((float)i);
  for(long it=0;it<iters;it++){
#pragma GCC unroll 12
    for(int i=0;i<CH;i++) a[i]=_mm512_fmadd_ps(a[i],x,y);
  }
  __m512 s=a[0]; for(int i=1;i<CH;i++) s=_mm512_add_ps(s,a[i]);
  return _mm512_reduce_add_ps(s);
}
__attribute__((noinline)) float run256(long iters){
  __m256 a[CH]; __m256 x=_mm256_set1_ps(1.0000001f), y=_mm256_set1_ps(0.9999999f);
  for(int i=0;i<CH;i++) a[i]=_mm256_set1_ps((float)i);
  for(long it=0;it<iters;it++){
#pragma GCC unroll 12
    for(int i=0;i<CH;i++) a[i]=_mm256_fmadd_ps(a[i],x,y);
  }
  __m256 s=a[0]; for(int i=1;i<CH;i++) s=_mm256_add_ps(s,a[i]);
  float o[8]; _mm256_storeu_ps(o,s); return o[0];
}
int main(int argc,char**argv){
  long iters=argc>1?atol(argv[1]):200000000L;
  for(int rep=0;rep<3;rep++){
  double t=now(); float r=run512(iters); double dt=now()-t;
  printf("avx512: %.1f GFLOP/s (1 thread) [%g]\n", 2.0*16*CH*iters/dt/1e9, r);
  t=now(); r=run256(iters); dt=now()-t;
  printf("avx2  : %.1f GFLOP/s (1 thread) [%g]\n", 2.0*8*CH*iters/dt/1e9, r);
  }
}
