#!/usr/bin/python3
"""CPU timing of block-sparse attention (docs/masks.md) through attnc.torch: dense,
causal, and document-causal masks given as block masks (attnc.create_block_mask with
masks.document_causal over N equal documents, FlexAttention's document masking), one
(B=1, H, S, D) problem per row. Each number is the median of --runs calls after one
warm-up call; the block counts say how much of the S x S score matrix the mask keeps.

Usage (from the repository root, with a build):
  PYTHONPATH=python ATTNC_LIB_DIR=build/lib:build/runtime \\
      python3 bench/block_mask_cpu.py [--seq 8192] [--heads 8] [--dim 64] [--docs 8]
          [--block 128] [--threads 2] [--runs 3] [--dtype bf16]
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


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seq", type=int, default=8192)
    ap.add_argument("--heads", type=int, default=8)
    ap.add_argument("--dim", type=int, default=64)
    ap.add_argument("--docs", type=int, default=8)
    ap.add_argument("--block", type=int, default=128)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--dtype", default="bf16", choices=("bf16", "f16", "f32"))
    a = ap.parse_args()
    import torch
    import attnc
    import attnc.torch as at
    from attnc import masks
    torch.set_num_threads(a.threads)
    os.environ.setdefault("ATTN_NUM_THREADS", str(a.threads))
    dt = {"bf16": torch.bfloat16, "f16": torch.float16, "f32": torch.float32}[a.dtype]
    torch.manual_seed(0)
    q, k, v = (torch.randn(1, a.heads, a.seq, a.dim).to(dt) for _ in range(3))
    sizes = [a.seq // a.docs] * a.docs
    sizes[-1] += a.seq - sum(sizes)
    bm = attnc.create_block_mask(masks.document_causal(sizes), None, None, a.seq, a.seq,
                                 BLOCK_SIZE=a.block)
    blocks = (-(-a.seq // a.block)) ** 2
    rows = [("dense", lambda: at.attention(q, k, v), 0, blocks),
            ("causal", lambda: at.attention(q, k, v, causal=True), None, None),
            ("document-causal, %d docs (block mask %d)" % (a.docs, a.block),
             lambda: at.attention(q, k, v, block_mask=bm), int(bm.kv_num_blocks.sum()),
             int(bm.full_kv_num_blocks.sum()))]
    print("B=1 H=%d S=%d D=%d %s, %d threads, median of %d" % (a.heads, a.seq, a.dim, a.dtype,
                                                             a.threads, a.runs))
    print()
    print("| mask | ms | partial blocks | full blocks | of |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for name, fn, partial, full in rows:
        ms = median_ms(fn, a.runs)
        p = "" if partial is None else str(partial)
        f = "" if full is None else str(full)
        print("| %s | %.1f | %s | %s | %d |" % (name, ms, p, f, blocks))


if __name__ == "__main__":
    main()
