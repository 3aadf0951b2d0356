#include "half.h"

#include <string.h>

/* memcpy is the portable, aliasing-safe way to reinterpret float bits. */
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

/* Round `value >> shift` to nearest, ties to even, using the bits shifted out.
 * Requires 1 <= shift <= 31. */
static uint32_t shiftRightRne(uint32_t value, unsigned shift) {
  uint32_t kept = value >> shift;
  uint32_t rem = value & ((UINT32_C(1) << shift) - 1u);
  uint32_t half = UINT32_C(1) << (shift - 1u);
  if (rem > half || (rem == half && (kept & 1u)))
    ++kept;
  return kept;
}

float attnF16ToF32(uint16_t bits) {
  uint32_t sign = (uint32_t)(bits & 0x8000u) << 16;
  uint32_t exp = (bits >> 10) & 0x1fu;
  uint32_t mant = bits & 0x3ffu;

  if (exp == 0x1fu) /* inf or NaN: keep the payload in the top mantissa bits */
    return bitsFloat(sign | 0x7f800000u | (mant << 13));
  if (exp != 0) /* normal: rebias 15 -> 127 */
    return bitsFloat(sign | ((exp + 112u) << 23) | (mant << 13));
  if (mant == 0)
    return bitsFloat(sign);

  /* Subnormal f16 (mant * 2^-24) is a normal f32: shift the leading one up to
   * the implicit-bit position and lower the exponent by the same amount. */
  uint32_t shifts = 0;
  while ((mant & 0x400u) == 0) {
    mant <<= 1;
    ++shifts;
  }
  mant &= 0x3ffu;
  return bitsFloat(sign | ((113u - shifts) << 23) | (mant << 13));
}

uint16_t attnF32ToF16(float value) {
  uint32_t x = floatBits(value);
  uint32_t sign = (x >> 16) & 0x8000u;
  uint32_t exp = (x >> 23) & 0xffu;
  uint32_t mant = x & 0x7fffffu;

  if (exp == 0xffu) {
    if (mant == 0)
      return (uint16_t)(sign | 0x7c00u);
    /* Quiet bit forced so a payload living only in the low bits stays NaN. */
    return (uint16_t)(sign | 0x7e00u | (mant >> 13));
  }

  int32_t halfExp = (int32_t)exp - 127 + 15;
  if (halfExp >= 31)
    return (uint16_t)(sign | 0x7c00u);

  if (halfExp <= 0) {
    /* Below 2^-25 everything (including f32 subnormals) rounds to zero;
     * exactly 2^-25 is a tie that rounds to the even value zero too, which
     * shiftRightRne handles, so only strictly smaller exponents bail out. */
    if (halfExp < -10)
      return (uint16_t)sign;
    /* Result is a f16 subnormal: m * 2^-24 with m = full * 2^(halfExp-14).
     * A carry out of the subnormal range yields 0x400, the smallest normal,
     * which is the correct encoding. */
    uint32_t full = mant | 0x800000u;
    return (uint16_t)(sign | shiftRightRne(full, (unsigned)(14 - halfExp)));
  }

  /* Normal: drop 13 mantissa bits. Adding the rounded mantissa to the packed
   * exponent lets a mantissa carry bump the exponent, and a carry out of the
   * largest finite value lands exactly on inf (0x7c00). */
  uint32_t packed = ((uint32_t)halfExp << 10) + shiftRightRne(mant, 13);
  return (uint16_t)(sign | packed);
}

float attnBF16ToF32(uint16_t bits) { return bitsFloat((uint32_t)bits << 16); }

uint16_t attnF32ToBF16(float value) {
  uint32_t x = floatBits(value);
  if ((x & 0x7fffffffu) > 0x7f800000u) /* NaN: truncating could give inf */
    return (uint16_t)((x >> 16) | 0x0040u);
  /* RNE on the low 16 bits; the carry naturally propagates into the exponent
   * and overflows the largest finite values to inf. */
  uint32_t lsb = (x >> 16) & 1u;
  x += 0x7fffu + lsb;
  return (uint16_t)(x >> 16);
}
