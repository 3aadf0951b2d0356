"""Reads back the dropout mask of a compiled forward and checks it.

attn-run ran Inputs/dropout-mask.mlir with v = I, so out[b, h, i, j] = P_ij * z_ij:
the keep factor z (0 or 1 / (1 - p)) of every visible element is out / P, with P the
softmax probability recomputed here from the saved q, k and lse. The mask must be
exactly the one of the generator documented in passes/Dropout.h, computed here by a
third, vectorized implementation of Philox4x32-10, and keep a fraction of about 1 - p.

usage: check-dropout-mask.py DIR P SEED OFFSET
"""
import sys

import numpy as np

M0, M1 = np.uint64(0xD2511F53), np.uint64(0xCD9E8D57)
W0, W1 = 0x9E3779B9, 0xBB67AE85
LOW = np.uint64(0xFFFFFFFF)


def philox_word0(c0, c1, c2, c3, k0, k1):
    c = [x.astype(np.uint64) for x in np.broadcast_arrays(c0, c1, c2, c3)]
    for _ in range(10):
        p0, p1 = M0 * c[0], M1 * c[2]
        c = [((p1 >> np.uint64(32)) ^ c[1] ^ np.uint64(k0)) & LOW, p1 & LOW,
             ((p0 >> np.uint64(32)) ^ c[3] ^ np.uint64(k1)) & LOW, p0 & LOW]
        k0, k1 = (k0 + W0) & 0xFFFFFFFF, (k1 + W1) & 0xFFFFFFFF
    return c[0]


def main():
    d, p, seed, offset = sys.argv[1], float(np.float32(sys.argv[2])), int(sys.argv[3]), int(sys.argv[4])
    q = np.load(d + "/mask.arg0.npy").astype(np.float64)
    k = np.load(d + "/mask.arg1.npy").astype(np.float64)
    out = np.load(d + "/mask.result0.npy").astype(np.float64)
    lse = np.load(d + "/mask.result1.npy").astype(np.float64)
    B, Hq, Sq, D = q.shape
    Hkv, Sk = k.shape[1], k.shape[2]
    k = np.repeat(k, Hq // Hkv, axis=1)
    scale = float(np.float32(1.0 / np.sqrt(D)))
    prob = np.exp(scale * np.einsum("bhid,bhjd->bhij", q, k) - lse[..., None])
    i, j = np.arange(Sq)[:, None], np.arange(Sk)[None, :]
    visible = np.broadcast_to(j <= i + (Sk - Sq), prob.shape)
    seen = visible & (prob > 1e-6)
    got = np.where(seen, out / np.where(seen, prob, 1.0), 0.0)

    bh = (np.arange(B)[:, None] * Hq + np.arange(Hq)[None, :])[:, :, None, None]
    key0, key1 = seed & 0xFFFFFFFF, ((seed >> 32) ^ (offset >> 32)) & 0xFFFFFFFF
    word = philox_word0(j[None, None], i[None, None], bh, np.uint64(offset & 0xFFFFFFFF), key0, key1)
    keep = word >= np.uint64(int(np.floor(p * 2.0**32)))
    want = np.where(keep, 1.0 / (1.0 - p), 0.0)

    bad = seen & (np.abs(got - want) > 1e-3 * (1.0 / (1.0 - p)))
    n, kept = int(seen.sum()), float(keep[seen].mean())
    # 6 standard deviations of a binomial keep rate: a broken generator (all kept,
    # all dropped, p and 1 - p swapped) is far outside.
    sigma = np.sqrt(p * (1 - p) / n)
    ok = not bad.any() and abs(kept - (1 - p)) < 6 * sigma and n > 1000
    print("dropout mask: %d visible elements, %d differ from the reference generator, kept %.4f "
          "(expected %.4f +- %.4f)  %s" % (n, int(bad.sum()), kept, 1 - p, 6 * sigma,
                                           "PASS" if ok else "FAIL"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
