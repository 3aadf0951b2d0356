/*===- fake-kernel.c - a hand-written "elf-so" code object for attnrt-test -===*
 *
 * Two CPU trampolines with the ABI of docs/bundle-format.md: `slots` holds
 * the flat arguments, one int64 each (per tensor: allocated ptr, aligned ptr,
 * offset, sizes[rank], strides[rank]), and (x, y, z) names the program.
 *
 *   fake:   in, out: f32[n];      grid (n, 1, 1);       out[x] = 2 * in[x]
 *   fake2d: in, out: f32[r][c];   grid (c, r, 1);       out[y][x] = 2 * in[y][x] + 1
 *
 * A program outside the grid traps, so an over-sized launch cannot pass.
 *
 *===----------------------------------------------------------------------===*/
#include <stdint.h>

/* Declared here: the library has no header, only these exported symbols. */
void __attn_program_fake(int64_t *slots, int64_t x, int64_t y, int64_t z);
void __attn_program_fake2d(int64_t *slots, int64_t x, int64_t y, int64_t z);

static float *element(const int64_t *desc, int64_t offsetInElements) {
  return (float *)(intptr_t)desc[1] + desc[2] + offsetInElements;
}

void __attn_program_fake(int64_t *slots, int64_t x, int64_t y, int64_t z) {
  const int64_t *in = slots, *out = slots + 5; /* rank 1: 5 slots each */
  if (x < 0 || x >= in[3] || y != 0 || z != 0 || out[3] != in[3])
    __builtin_trap();
  *element(out, x * out[4]) = 2.0f * *element(in, x * in[4]);
}

void __attn_program_fake2d(int64_t *slots, int64_t x, int64_t y, int64_t z) {
  const int64_t *in = slots, *out = slots + 7; /* rank 2: 7 slots each */
  if (x < 0 || x >= in[4] || y < 0 || y >= in[3] || z != 0)
    __builtin_trap();
  *element(out, y * out[5] + x * out[6]) = 2.0f * *element(in, y * in[5] + x * in[6]) + 1.0f;
}
