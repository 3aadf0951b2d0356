/* Exact conversions between IEEE binary32 and the 16-bit float formats used by
 * attention kernels (IEEE binary16 "f16" and bfloat16 "bf16").
 *
 * Implemented with integer bit manipulation only, so results do not depend on
 * compiler support for _Float16 or on the FPU rounding mode. */
#ifndef ATTN_RUN_SUPPORT_HALF_H
#define ATTN_RUN_SUPPORT_HALF_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* f16 -> f32. Exact for every bit pattern (every f16 value is a f32 value);
 * subnormals are normalized, inf stays inf, NaN stays NaN with its payload. */
float attnF16ToF32(uint16_t bits);

/* f32 -> f16 with round-to-nearest-even. Values too large round to +-inf,
 * tiny values round to (signed) subnormals or zero, NaN becomes a quiet NaN
 * keeping the sign and the top payload bits. */
uint16_t attnF32ToF16(float value);

/* bf16 -> f32. Exact (bf16 is the top half of a f32). */
float attnBF16ToF32(uint16_t bits);

/* f32 -> bf16 with round-to-nearest-even; overflow rounds to +-inf,
 * NaN becomes a quiet NaN (never rounds into inf). */
uint16_t attnF32ToBF16(float value);

#ifdef __cplusplus
}
#endif

#endif /* ATTN_RUN_SUPPORT_HALF_H */
