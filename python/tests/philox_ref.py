"""Dropout's keep mask computed independently of attnc's C code: Philox4x32-10 in numpy
(Salmon et al., SC'11) from the definition in passes/Dropout.h, shared by test_dropout.py
(CPU) and test_cuda.py (GPU). No torch here."""
import math

import numpy as np

_M0, _M1 = 0xD2511F53, 0xCD9E8D57
_W0, _W1 = 0x9E3779B9, 0xBB67AE85
_MASK32 = 0xFFFFFFFF


def philox_word0(counter, key):
    """Word 0 of Philox4x32-10 of counters (c0, c1, c2, c3) (uint64 arrays holding 32-bit
    words) and the key (k0, k1) (Python ints)."""
    c0, c1, c2, c3 = (np.asarray(c, dtype=np.uint64) for c in counter)
    k0, k1 = key
    m32 = np.uint64(_MASK32)
    for _ in range(10):
        prod0 = np.uint64(_M0) * c0  # exact: both factors below 2^32
        prod1 = np.uint64(_M1) * c2
        c0, c1, c2, c3 = ((prod1 >> np.uint64(32)) ^ c1 ^ np.uint64(k0),
                          prod1 & m32,
                          (prod0 >> np.uint64(32)) ^ c3 ^ np.uint64(k1),
                          prod0 & m32)
        k0, k1 = (k0 + _W0) & _MASK32, (k1 + _W1) & _MASK32
    return c0


def keep_factor(p, seed, offset, bh, sq, sk):
    """Z[bh, i, j] = 1 / (1 - p) where kept, else 0 (float64), for heads bh (b * Hq + h),
    queries i < sq and keys j < sk:
      key = (seed mod 2^32, (seed >> 32) xor (offset >> 32))
      counter = (j, i, b * Hq + h, offset mod 2^32)
      keep = word 0 >= floor(p * 2^32) (p as the f32 the kernel holds)."""
    seed, offset = seed & ((1 << 64) - 1), offset & ((1 << 64) - 1)
    key = (seed & _MASK32, ((seed >> 32) ^ (offset >> 32)) & _MASK32)
    j = np.arange(sk, dtype=np.uint64)[None, None, :]
    i = np.arange(sq, dtype=np.uint64)[None, :, None]
    h = np.asarray(bh, dtype=np.uint64)[:, None, None]
    word = philox_word0((j, i, h, np.uint64(offset & _MASK32)), key)
    word = np.broadcast_to(word, (len(bh), sq, sk))
    p32 = float(np.float32(p))
    keep = word >= np.uint64(math.floor(p32 * 2.0 ** 32))
    return np.where(keep, 1.0 / (1.0 - p32), 0.0)
