"""A few TMA-kernel launches (D=128, warp-specialized, K/V by TMA) for compute-sanitizer:
sequence tails, causal, BSHD views; each checked against SDPA's math in f32."""
import torch
import attnc.torch as at

torch.manual_seed(0)
worst = 0.0
# the benchmark's variants (bench_spec: 16 heads at D=128, no lse): no compiler on the GPU machine
for (b, hq, hkv, sq, sk, causal, bshd) in [(1, 16, 16, 300, 300, False, False),
                                            (2, 16, 16, 1000, 1000, True, False),
                                            (1, 16, 16, 77, 77, False, True)]:
    shape_q, shape_k = (b, hq, sq, 128), (b, hkv, sk, 128)
    if bshd:
        q = torch.randn(b, sq, hq, 128, device="cuda", dtype=torch.bfloat16).transpose(1, 2)
        k = torch.randn(b, sk, hkv, 128, device="cuda", dtype=torch.bfloat16).transpose(1, 2)
        v = torch.randn(b, sk, hkv, 128, device="cuda", dtype=torch.bfloat16).transpose(1, 2)
    else:
        q = torch.randn(shape_q, device="cuda", dtype=torch.bfloat16)
        k = torch.randn(shape_k, device="cuda", dtype=torch.bfloat16)
        v = torch.randn(shape_k, device="cuda", dtype=torch.bfloat16)
    out = at.attention(q, k, v, causal=causal)
    rep = hq // hkv
    kf = k.float().repeat_interleave(rep, 1)
    vf = v.float().repeat_interleave(rep, 1)
    s = q.float() @ kf.transpose(-1, -2) / 128 ** 0.5
    if causal:
        mask = torch.ones(sq, sk, device="cuda", dtype=torch.bool).tril(sk - sq)
        s = s.masked_fill(~mask, float("-inf"))
    ref = torch.nan_to_num(torch.softmax(s, -1)) @ vf
    err = (out.float() - ref).abs().max().item()
    worst = max(worst, err)
    print("b=%d hq=%d hkv=%d sq=%d sk=%d causal=%d bshd=%d max err %.4f" % (
        b, hq, hkv, sq, sk, causal, bshd, err))
torch.cuda.synchronize()
print("OK" if worst < 0.05 else "FAIL", worst)
