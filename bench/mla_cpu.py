#!/usr/bin/python3
"""CPU timing of MLA decode (attn.mla, docs/mla.md) through attnc.torch.mla_decode, next to
the same problem as paged_attention with a separate V view of the same cache (k_cache =
kv_cache[:, :, None, :], v_cache = kv_cache[:, :, None, :kv_lora_rank]): what reading each
latent row once for both matmuls buys. One decode token per sequence, bf16, random block
tables; each number is the median of --runs calls after one warm-up call. KV GB/s counts
B*L*D*2 bytes read once.

Usage (from the repository root, with a build):
  PYTHONPATH=python ATTNC_LIB_DIR=build/lib:build/runtime \\
      python3 bench/mla_cpu.py [--threads 2] [--runs 5] [--rows B:L:H,...]
Prints one markdown table on stdout.
"""
import argparse
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))


def median_ms(fn, runs):
    fn()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1e3


def row(at, torch, b, length, h, args):
    d, rank, bs = args.rank + args.rope, args.rank, args.block
    nb = b * length // bs
    kv = torch.randn(nb, bs, d, dtype=torch.bfloat16)
    tables = torch.randperm(nb).to(torch.int32).reshape(b, length // bs)
    seq_lens = torch.full((b,), length, dtype=torch.int32)
    qsl = torch.arange(b + 1, dtype=torch.int32)
    q = torch.randn(b, h, d, dtype=torch.bfloat16)
    out = torch.empty(b, h, rank, dtype=torch.bfloat16)
    mla = median_ms(lambda: at.mla_decode(q, kv, tables, seq_lens, qsl, kv_lora_rank=rank,
                                          causal=True, out=out), args.runs)
    kc, vc = kv[:, :, None, :], kv[:, :, None, :rank]
    paged = median_ms(lambda: at.paged_attention(q, kc, vc, tables, seq_lens, qsl, causal=True,
                                                 out=out, max_query_len=1), args.runs)
    gb = b * length * d * 2 / 1e9
    print("| %d | %d | %d | %.2f | %.2f | %.2f | %.2f |"
          % (b, length, h, mla, gb / mla * 1e3, paged, paged / mla))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", default="8:2048:16,2:8192:16,4:1024:128")
    ap.add_argument("--rank", type=int, default=512)
    ap.add_argument("--rope", type=int, default=64)
    ap.add_argument("--block", type=int, default=64)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    os.environ.setdefault("ATTN_NUM_THREADS", str(args.threads))
    import torch
    import attnc.torch as at
    torch.manual_seed(0)
    print("| B | L | H | mla_decode ms | KV GB/s | paged_attention (V view) ms | ratio |")
    print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for spec in args.rows.split(","):
        b, length, h = (int(x) for x in spec.split(":"))
        row(at, torch, b, length, h, args)


if __name__ == "__main__":
    main()
