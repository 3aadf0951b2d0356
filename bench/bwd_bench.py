"""The backward pass on one NVIDIA GPU: attnc's backward kernels (through autograd:
delta, dK/dV, dQ; docs/backward.md) against PyTorch SDPA's flash (FA2) and cuDNN
backward, on the forward benchmark's shapes (bf16, H = 2048 / D, B * S = 16k tokens).

    ATTNC_BUNDLE_DIR=.device/bundles ATTNC_LIB_DIR=.device/lib PYTHONPATH=python \\
        ATTNC_NO_COMPILER=1 python3 bench/bwd_bench.py [--seqs 1024,4096] [--dims 64,128]

Times out.backward(dout) alone (the forward is run once, outside the timing; median of
CUDA-event timed reps). TFLOP/s = 2.5 x the forward's 4*B*H*S^2*D (the five matmuls of the
backward against the forward's two; halved for causal), FlashAttention's convention. Each
row also checks attnc's dq, dk, dv against SDPA flash's (max abs difference).
"""
import argparse
import json
import os
import sys

import torch
import torch.nn.functional as F
from torch.nn.attention import SDPBackend, sdpa_kernel

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "python"))
import peers  # noqa: E402

import attnc.torch as at  # noqa: E402


def backward_ms(fn, q, k, v, dout, reps):
    qq, kk, vv = (t.detach().clone().requires_grad_(True) for t in (q, k, v))
    out = fn(qq, kk, vv)

    def step():
        qq.grad = kk.grad = vv.grad = None
        out.backward(dout, retain_graph=True)
    ms = peers.median_ms(step, reps=reps)
    step()
    return ms, (qq.grad, kk.grad, vv.grad)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--seqs", default="1024,4096")
    p.add_argument("--dims", default="64,128")
    p.add_argument("--reps", type=int, default=20)
    a = p.parse_args()
    rows = []
    for d in [int(x) for x in a.dims.split(",")]:
        for causal in (False, True):
            for n in [int(x) for x in a.seqs.split(",")]:
                b, h = max(1, 16384 // n), 2048 // d
                q, k, v, dout = (torch.randn(b, h, n, d, device="cuda", dtype=torch.bfloat16)
                                 for _ in range(4))
                flops = 2.5 * 4 * b * h * n * n * d * (0.5 if causal else 1.0)
                row = dict(D=d, causal=causal, S=n, B=b, H=h)
                grads = {}
                try:
                    ms, grads["attnc"] = backward_ms(
                        lambda q, k, v: at.attention(q, k, v, causal=causal), q, k, v, dout,
                        a.reps)
                    row["attnc"] = round(flops / ms / 1e9, 1)
                except Exception as e:
                    row["attnc_error"] = str(e).splitlines()[0][:200]
                for name, backend in peers.BACKENDS[:2]:
                    try:
                        with sdpa_kernel([backend]):
                            ms, grads[name] = backward_ms(
                                lambda q, k, v: F.scaled_dot_product_attention(
                                    q, k, v, is_causal=causal), q, k, v, dout, a.reps)
                        row[name] = round(flops / ms / 1e9, 1)
                    except RuntimeError as e:
                        row[name + "_error"] = str(e).splitlines()[0][:200]
                if "attnc" in grads and "sdpa_flash" in grads:
                    row["max_abs_diff_vs_flash"] = max(
                        (x.float() - y.float()).abs().max().item()
                        for x, y in zip(grads["attnc"], grads["sdpa_flash"]))
                print(json.dumps(row), flush=True)
                rows.append(row)
    print("\n  D  causal      S  attnc    FA2  cuDNN  attnc/FA2  attnc/cuDNN  max|d-FA2|")
    for r in rows:
        at_, fa, cu = r.get("attnc"), r.get("sdpa_flash"), r.get("sdpa_cudnn")
        ratio = (lambda x, y: "%.2f" % (x / y) if x and y else "-")
        print("%3d  %6s  %5d  %5s  %5s  %5s  %9s  %11s  %10s" % (
            r["D"], "yes" if r["causal"] else "no", r["S"], at_ or "-", fa or "-", cu or "-",
            ratio(at_, fa), ratio(at_, cu), "%.2e" % r["max_abs_diff_vs_flash"]
            if "max_abs_diff_vs_flash" in r else "-"))


if __name__ == "__main__":
    main()
