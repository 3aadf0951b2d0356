"""One warm D=128 launch for ncu (B=4, H=16, S=4096, bf16, non-causal; bench_spec's variant)."""
import torch
import attnc.torch as at

q, k, v = (torch.randn(4, 16, 4096, 128, device="cuda", dtype=torch.bfloat16) for _ in range(3))
for _ in range(3):
    at.attention(q, k, v)
torch.cuda.synchronize()
