"""Checks attn-run's saved fp8 run (Inputs/fp8-saved.mlir) with numpy: the arguments are
uint8 bit patterns, decoded here from the e4m3fnuz definition (bias 8, no infinities,
NaN = 0x80), multiplied by their descales (q's by its KV head's), and attention in
float64 agrees with the saved bf16 output (stored as float32) within 1e-2."""
import sys

import numpy as np

d = sys.argv[1]
q, k, v, qd, kd, vd = (np.load("%s/fp8.arg%d.npy" % (d, i)) for i in range(6))
out = np.load("%s/fp8.result0.npy" % d).astype(np.float64)
print("fp8 args uint8:", all(a.dtype == np.uint8 for a in (q, k, v)))


def decode(bits):
    b = bits.astype(np.int64)
    e, m = (b >> 3) & 15, b & 7
    mag = np.where(e == 0, m / 8.0 * 2.0 ** -7, (1 + m / 8.0) * 2.0 ** (e - 8))
    val = np.where(b & 0x80, -mag, mag)
    return np.where(b == 0x80, np.nan, val)


hq, hkv = q.shape[1], k.shape[1]
g = hq // hkv
qf = decode(q) * np.repeat(qd, g, axis=1)[:, :, None, None]
kf = decode(k) * kd[None, :, None, None]
vf = decode(v) * float(vd)
kf, vf = np.repeat(kf, g, axis=1), np.repeat(vf, g, axis=1)
s = qf @ kf.transpose(0, 1, 3, 2) / np.sqrt(q.shape[3])
sq, sk = q.shape[2], k.shape[2]
i, j = np.arange(sq)[:, None], np.arange(sk)[None, :]
s = np.where(j <= i + sk - sq, s, -np.inf)
p = np.exp(s - s.max(-1, keepdims=True))
ref = (p / p.sum(-1, keepdims=True)) @ vf
err = np.abs(out - ref).max()
ok = np.all(np.abs(out - ref) <= 1e-2 + 1e-2 * np.abs(ref))
print("fp8 out: numpy max abs err %.3g %s" % (err, "PASS" if ok else "FAIL"))
