/* Unit tests for half.h: exhaustive f16/bf16 round trips, an independent
 * nearest-value check of f32->f16 rounding, and hand-picked tie cases.
 * Build from the repository root:
 *   gcc -std=c11 -Wall -Wextra -Werror -O2 -Itools/attn-run/support \
 *     test/Unit/half-test.c tools/attn-run/support/{half,npy,reference}.c -lm */
#include "half.h"
#include "reference.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static int failures = 0;

#define CHECK(cond, ...)                                                                           \
  do {                                                                                             \
    if (!(cond)) {                                                                                 \
      ++failures;                                                                                  \
      if (failures <= 20) {                                                                        \
        fprintf(stderr, "%s:%d: FAILED %s: ", __FILE__, __LINE__, #cond);                          \
        fprintf(stderr, __VA_ARGS__);                                                              \
        fputc('\n', stderr);                                                                       \
      }                                                                                            \
    }                                                                                              \
  } while (0)

static uint32_t floatBits(float f) {
  uint32_t u;
  memcpy(&u, &f, sizeof u);
  return u;
}

static float bitsFloat(uint32_t u) {
  float f;
  memcpy(&f, &u, sizeof f);
  return f;
}

/* Value of a finite f16 computed from the definition, independently of the
 * bit-shuffling implementation. */
static double f16Value(uint16_t h) {
  int exp = (h >> 10) & 0x1f;
  int mant = h & 0x3ff;
  double mag = exp == 0 ? ldexp(mant, -24) : ldexp(1024 + mant, exp - 25);
  return (h & 0x8000) ? -mag : mag;
}

static void testF16ToF32AllPatterns(void) {
  for (uint32_t i = 0; i < 65536; ++i) {
    uint16_t h = (uint16_t)i;
    float f = attnF16ToF32(h);
    bool isNan = ((h >> 10) & 0x1f) == 0x1f && (h & 0x3ff) != 0;
    bool isInf = (h & 0x7fff) == 0x7c00;
    if (isNan) {
      CHECK(isnan(f), "0x%04x should be NaN", h);
      CHECK((signbit(f) != 0) == ((h & 0x8000) != 0), "0x%04x NaN sign", h);
    } else if (isInf) {
      CHECK(isinf(f) && (signbit(f) != 0) == ((h & 0x8000) != 0), "0x%04x should be inf", h);
    } else {
      CHECK((double)f == f16Value(h), "0x%04x: got %.9g want %.9g", h, (double)f, f16Value(h));
      CHECK((signbit(f) != 0) == ((h & 0x8000) != 0), "0x%04x sign of zero", h);
    }
  }
}

static void testF16RoundTripAllPatterns(void) {
  for (uint32_t i = 0; i < 65536; ++i) {
    uint16_t h = (uint16_t)i;
    uint16_t back = attnF32ToF16(attnF16ToF32(h));
    bool isNan = ((h >> 10) & 0x1f) == 0x1f && (h & 0x3ff) != 0;
    /* NaNs come back quiet with the payload otherwise intact. */
    uint16_t want = isNan ? (uint16_t)(h | 0x0200) : h;
    CHECK(back == want, "0x%04x -> 0x%04x, want 0x%04x", h, back, want);
  }
}

/* Nearest f16 to x by search over the sorted positive finite values, ties to
 * the even bit pattern; >= 65520 (the midpoint to 2^16) goes to inf. */
static uint16_t referenceF32ToF16(float x) {
  if (isnan(x))
    return 0x7e00;
  double a = fabs((double)x);
  uint16_t sign = signbit(x) ? 0x8000 : 0;
  if (a >= 65520.0)
    return sign | 0x7c00;
  int lo = 0, hi = 0x7bff; /* find largest pattern with value <= a */
  while (lo < hi) {
    int mid = (lo + hi + 1) / 2;
    if (f16Value((uint16_t)mid) <= a)
      lo = mid;
    else
      hi = mid - 1;
  }
  double below = f16Value((uint16_t)lo);
  if (below == a || lo == 0x7bff)
    return sign | (uint16_t)lo;
  double above = f16Value((uint16_t)(lo + 1));
  double dBelow = a - below, dAbove = above - a;
  if (dBelow < dAbove || (dBelow == dAbove && (lo & 1) == 0))
    return sign | (uint16_t)lo;
  return sign | (uint16_t)(lo + 1);
}

static void testF32ToF16AgainstReference(void) {
  /* Every midpoint between adjacent f16 values (the tie cases), one f32 ulp on
   * either side of it, then random bit patterns concentrated on the f16 range. */
  for (uint32_t h = 0; h < 0x7bff; ++h) {
    double mid = (f16Value((uint16_t)h) + f16Value((uint16_t)(h + 1))) / 2;
    float m = (float)mid; /* exact: midpoints need at most 12 significant bits */
    CHECK((double)m == mid, "midpoint of 0x%04x not exact", h);
    float cases[3] = {nextafterf(m, 0.0f), m, nextafterf(m, INFINITY)};
    for (int c = 0; c < 3; ++c) {
      for (int s = 0; s < 2; ++s) {
        float x = s ? -cases[c] : cases[c];
        uint16_t got = attnF32ToF16(x), want = referenceF32ToF16(x);
        CHECK(got == want, "x=%.10g (0x%08x): got 0x%04x want 0x%04x", (double)x, floatBits(x), got,
              want);
      }
    }
  }
  uint64_t state = 42;
  for (int i = 0; i < 2000000; ++i) {
    uint32_t bits = (uint32_t)attnRandNext(&state);
    if (i & 1) /* exponent in [96, 144]: subnormal..overflow region of f16 */
      bits = (bits & 0x807fffffu) | ((uint32_t)attnRandRange(&state, 96, 144) << 23);
    float x = bitsFloat(bits);
    uint16_t got = attnF32ToF16(x);
    if (isnan(x)) {
      CHECK((got & 0x7c00) == 0x7c00 && (got & 0x3ff) != 0, "NaN 0x%08x -> 0x%04x", bits, got);
      continue;
    }
    uint16_t want = referenceF32ToF16(x);
    CHECK(got == want, "0x%08x: got 0x%04x want 0x%04x", bits, got, want);
  }
}

static void testF16TieCases(void) {
  struct {
    float x;
    uint16_t want;
    const char *what;
  } cases[] = {
      {1.0f + 0x1p-11f, 0x3c00, "tie between 1 and next rounds down to even"},
      {1.0f + 3 * 0x1p-11f, 0x3c02, "tie rounds up to even"},
      {1.0f + 0x1p-11f + 0x1p-23f, 0x3c01, "just above tie rounds up"},
      {-(1.0f + 0x1p-11f), 0xbc00, "negative tie"},
      {65504.0f, 0x7bff, "max finite"},
      {65519.0f, 0x7bff, "below overflow midpoint"},
      {65520.0f, 0x7c00, "overflow midpoint ties to inf"},
      {1e10f, 0x7c00, "overflow to inf"},
      {-1e10f, 0xfc00, "overflow to -inf"},
      {0x1p-24f, 0x0001, "smallest subnormal"},
      {0x1p-25f, 0x0000, "half of smallest subnormal ties to zero"},
      {0x1p-25f + 0x1p-40f, 0x0001, "just above half rounds up"},
      {3 * 0x1p-25f, 0x0002, "subnormal tie rounds to even"},
      {-0x1p-26f, 0x8000, "tiny negative -> -0"},
      {0x1p-149f, 0x0000, "f32 subnormal -> 0"},
      {1023.5f * 0x1p-24f, 0x0400, "subnormal tie carries into smallest normal"},
      {0x1p-14f, 0x0400, "smallest normal"},
      {-0.0f, 0x8000, "negative zero"},
      {INFINITY, 0x7c00, "inf"},
      {-INFINITY, 0xfc00, "-inf"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; ++i) {
    uint16_t got = attnF32ToF16(cases[i].x);
    CHECK(got == cases[i].want, "%s: got 0x%04x want 0x%04x", cases[i].what, got, cases[i].want);
  }
  uint16_t nanBits = attnF32ToF16(bitsFloat(0x7f800001u)); /* payload only in low bits */
  CHECK((nanBits & 0x7c00) == 0x7c00 && (nanBits & 0x3ff) != 0, "sNaN stays NaN: 0x%04x", nanBits);
  nanBits = attnF32ToF16(bitsFloat(0xffc00000u));
  CHECK(nanBits == 0xfe00, "-qNaN -> 0xfe00, got 0x%04x", nanBits);
}

static void testBF16(void) {
  for (uint32_t i = 0; i < 65536; ++i) {
    uint16_t b = (uint16_t)i;
    float f = attnBF16ToF32(b);
    CHECK(floatBits(f) == (uint32_t)b << 16, "bf16 0x%04x widen", b);
    bool isNan = (b & 0x7f80) == 0x7f80 && (b & 0x7f) != 0;
    uint16_t back = attnF32ToBF16(f);
    uint16_t want = isNan ? (uint16_t)(b | 0x40) : b;
    CHECK(back == want, "bf16 0x%04x -> 0x%04x want 0x%04x", b, back, want);
  }
  struct {
    uint32_t x;
    uint16_t want;
    const char *what;
  } cases[] = {
      {0x3f808000u, 0x3f80, "tie rounds down to even"},
      {0x3f818000u, 0x3f82, "tie rounds up to even"},
      {0x3f808001u, 0x3f81, "above tie rounds up"},
      {0x3f807fffu, 0x3f80, "below tie rounds down"},
      {0xbf808000u, 0xbf80, "negative tie"},
      {0x7f7fffffu, 0x7f80, "max float overflows to inf"},
      {0x7f7f7fffu, 0x7f7f, "largest that stays finite"},
      {0x00008000u, 0x0000, "subnormal tie to even zero"},
      {0x00018000u, 0x0002, "subnormal tie up to even"},
      {0x7f800000u, 0x7f80, "inf"},
      {0xff800000u, 0xff80, "-inf"},
      {0xffc00000u, 0xffc0, "-qNaN"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; ++i) {
    uint16_t got = attnF32ToBF16(bitsFloat(cases[i].x));
    CHECK(got == cases[i].want, "%s: got 0x%04x want 0x%04x", cases[i].what, got, cases[i].want);
  }
  /* NaNs whose payload sits only in the dropped bits must not become inf. */
  uint32_t nans[] = {0x7f800001u, 0x7f80ffffu, 0xff800001u, 0x7fffffffu};
  for (size_t i = 0; i < sizeof nans / sizeof nans[0]; ++i) {
    uint16_t got = attnF32ToBF16(bitsFloat(nans[i]));
    CHECK((got & 0x7f80) == 0x7f80 && (got & 0x7f) != 0, "NaN 0x%08x -> 0x%04x", nans[i], got);
    CHECK((got & 0x8000) == ((nans[i] >> 16) & 0x8000), "NaN sign 0x%08x", nans[i]);
  }
}

int main(void) {
  testF16ToF32AllPatterns();
  testF16RoundTripAllPatterns();
  testF32ToF16AgainstReference();
  testF16TieCases();
  testBF16();
  if (failures != 0) {
    printf("FAIL: %d check(s) failed\n", failures);
    return 1;
  }
  printf("PASS\n");
  return 0;
}
