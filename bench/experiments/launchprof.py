"""Where the C side of a launch-plan call goes on the GPU machine (issue 18: <= 10 us).

Medians over many calls, in one process: ctypes' own cost (cuCtxGetCurrent through ctypes),
cuTensorMapEncodeTiled for a Q-like map (what attnrt does per map per launch of a TMA
kernel), cuLaunchKernel of an empty kernel (the driver's floor), and plan.launch of the
benchmark's D=128 forward (TMA, three maps) next to D=96 (cp.async, no maps) at S=128; the
Python pieces of the fast path (the signature, its lookup, the stream, the pointers)."""
import ctypes
import time

import torch

import attnc.torch as at


def median_us(fn, n=2000):
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    times.sort()
    return times[n // 2] * 1e6


torch.cuda.init()
torch.zeros(1, device="cuda")
cu = ctypes.CDLL("libcuda.so.1")
ctx = ctypes.c_void_p()
print("ctypes cuCtxGetCurrent %.2f us" % median_us(lambda: cu.cuCtxGetCurrent(ctypes.byref(ctx))))

# A Q-like map: bf16, B=1 H=16 S=4096 D=128 (innermost first), box 64 x 128, swizzle 128B.
q = torch.randn(1, 16, 4096, 128, device="cuda", dtype=torch.bfloat16)
tmap = (ctypes.c_uint8 * 128)()
dims = (ctypes.c_uint64 * 4)(128, 4096, 16, 1)
strides = (ctypes.c_uint64 * 3)(256, 256 * 4096, 256 * 4096 * 16)
box = (ctypes.c_uint32 * 4)(64, 128, 1, 1)
ones = (ctypes.c_uint32 * 4)(1, 1, 1, 1)
enc = cu.cuTensorMapEncodeTiled
enc.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_uint32, ctypes.c_void_p, ctypes.c_void_p,
                ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int, ctypes.c_int,
                ctypes.c_int, ctypes.c_int]
# CU_TENSOR_MAP_DATA_TYPE_BFLOAT16 = 9, interleave none 0, swizzle 128B 3, L2 256B 3, fill 0
rc = enc(tmap, 9, 4, q.data_ptr(), dims, strides, box, ones, 0, 3, 3, 0)
print("cuTensorMapEncodeTiled rc %d: %.2f us" % (rc, median_us(
    lambda: enc(tmap, 9, 4, q.data_ptr(), dims, strides, box, ones, 0, 3, 3, 0))))
rep = getattr(cu, "cuTensorMapReplaceAddress", None)
if rep is not None:
    rep.argtypes = [ctypes.c_void_p, ctypes.c_void_p]
    print("cuTensorMapReplaceAddress rc %d: %.2f us" % (
        rep(tmap, q.data_ptr()), median_us(lambda: rep(tmap, q.data_ptr()))))

# cuLaunchKernel of an empty kernel, no parameters.
ptx = b""".version 8.0
.target sm_90a
.address_size 64
.visible .entry empty() { ret; }
"""
mod, fn = ctypes.c_void_p(), ctypes.c_void_p()
print("module", cu.cuModuleLoadData(ctypes.byref(mod), ptx),
      cu.cuModuleGetFunction(ctypes.byref(fn), mod, b"empty"))
launch = cu.cuLaunchKernel
launch.argtypes = [ctypes.c_void_p] + [ctypes.c_uint] * 7 + [ctypes.c_void_p] * 3
stream = torch.cuda.current_stream().cuda_stream
for grid, block in ((1, 32), (132, 256)):
    t = median_us(lambda: launch(fn, grid, 1, 1, block, 1, 1, 0, stream, None, None))
    torch.cuda.synchronize()
    print("cuLaunchKernel empty grid %d block %d: %.2f us" % (grid, block, t))

# Two launches as one CUDA graph (the paged split + merge): cuGraphLaunch of a graph of two
# empty kernels, and with cuGraphExecKernelNodeSetParams on both nodes first (new
# arguments per call), against two cuLaunchKernel.
class KernelNodeParams(ctypes.Structure):  # CUDA_KERNEL_NODE_PARAMS_v2
    _fields_ = [("func", ctypes.c_void_p)] + [(n, ctypes.c_uint) for n in (
        "gx", "gy", "gz", "bx", "by", "bz", "shmem")] + [
        ("kernelParams", ctypes.c_void_p), ("extra", ctypes.c_void_p),
        ("kern", ctypes.c_void_p), ("ctx", ctypes.c_void_p)]


try:
    gs = ctypes.c_void_p()
    print("stream", cu.cuStreamCreate(ctypes.byref(gs), 1))
    graph, gexec = ctypes.c_void_p(), ctypes.c_void_p()
    print("capture", cu.cuStreamBeginCapture_v2(gs, 2))  # relaxed
    for _ in range(2):
        launch(fn, 1, 1, 1, 32, 1, 1, 0, gs.value, None, None)
    print("end", cu.cuStreamEndCapture(gs, ctypes.byref(graph)),
          "instantiate", cu.cuGraphInstantiateWithFlags(ctypes.byref(gexec), graph,
                                                         ctypes.c_ulonglong(0)))
    nodes = (ctypes.c_void_p * 4)()
    nn = ctypes.c_size_t(4)
    print("nodes", cu.cuGraphGetNodes(graph, nodes, ctypes.byref(nn)), nn.value)
    prm = [KernelNodeParams() for _ in range(nn.value)]
    for i in range(nn.value):
        print("get", cu.cuGraphKernelNodeGetParams_v2(ctypes.c_void_p(nodes[i]),
                                                      ctypes.byref(prm[i])))
    glaunch = cu.cuGraphLaunch
    glaunch.argtypes = [ctypes.c_void_p, ctypes.c_void_p]
    setp = cu.cuGraphExecKernelNodeSetParams_v2
    setp.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p]
    t = median_us(lambda: glaunch(gexec, gs))
    torch.cuda.synchronize()
    node_ptrs = [ctypes.c_void_p(nodes[i]) for i in range(nn.value)]
    prm_ptrs = [ctypes.byref(p) for p in prm]

    def set_and_launch():
        for n, p in zip(node_ptrs, prm_ptrs):
            setp(gexec, n, p)
        glaunch(gexec, gs)
    print("set rc", setp(gexec, node_ptrs[0], prm_ptrs[0]))
    t2 = median_us(set_and_launch)
    torch.cuda.synchronize()
    t3 = median_us(lambda: (launch(fn, 1, 1, 1, 32, 1, 1, 0, gs.value, None, None),
                            launch(fn, 1, 1, 1, 32, 1, 1, 0, gs.value, None, None)))
    torch.cuda.synchronize()
    print("graph of 2 empty kernels: cuGraphLaunch %.2f us, with 2 SetParams %.2f us; "
          "2 cuLaunchKernel %.2f us" % (t, t2, t3))
except Exception as e:  # an experiment: report, go on
    print("graph experiment failed:", repr(e))

# plan.launch: TMA (D=128) next to no maps (D=96), S=128, out= given.
for d in (128, 96, 64):
    h = 2048 // d
    q = torch.randn(1, h, 128, d, device="cuda", dtype=torch.bfloat16)
    k, v, out = torch.randn_like(q), torch.randn_like(q), torch.empty_like(q)
    at._fast.clear()
    at._seen.clear()
    for _ in range(3):
        at.attention(q, k, v, out=out)
    torch.cuda.synchronize()
    if not at._fast:
        print("D=%d: no plan" % d)
        continue
    f = next(iter(at._fast.values()))
    objs = (q, k, v, None, None, out, None)
    ptrs = [objs[i].data_ptr() if objs[i] is not None else 0 for i in f.idx]
    s = f.stream()
    t = median_us(lambda: f.plan.launch(ptrs, s))
    torch.cuda.synchronize()
    data = f.plan._pack(*ptrs)
    err = ctypes.create_string_buffer(4096)
    t2 = median_us(lambda: f.plan._fn(f.plan._handle, data, f.plan.num_data, s, err, 4096))
    torch.cuda.synchronize()
    call = lambda: at.attention(q, k, v, out=out)  # noqa: E731
    t3 = median_us(call)
    torch.cuda.synchronize()
    print("D=%d: plan.launch %.2f us, its ctypes call alone %.2f us, attention(out=) %.2f us"
          % (d, t, t2, t3))

    sig = lambda: ("mha", "bhsd", False, None, (-1, -1), 0.0, False, at._tsig(q),  # noqa
                   at._tsig(k), at._tsig(v), at._tsig(None), at._tsig(out), at._tsig(None))
    print("  sig %.2f us, sig+get %.2f us, stream() %.2f us, 5 data_ptr %.2f us, pack %.2f us"
          % (median_us(sig), median_us(lambda: at._fast.get(sig())), median_us(f.stream),
             median_us(lambda: [o.data_ptr() for o in (q, k, v, out, q)]),
             median_us(lambda: f.plan._pack(*ptrs))))
    print("  _tsig %.2f us, .dtype %.2f, .device %.2f, .shape %.2f, .stride() %.2f, "
          "get_device %.2f, hash(sig) %.2f" % (
              median_us(lambda: at._tsig(q)), median_us(lambda: q.dtype),
              median_us(lambda: q.device), median_us(lambda: q.shape),
              median_us(lambda: q.stride()), median_us(lambda: q.get_device()),
              median_us(lambda: hash(sig()))))
print("torch.empty_like %.2f us" % median_us(lambda: torch.empty_like(q)))

# The call signature before (stride() and .shape per tensor) and now, in this process.
q = torch.randn(1, 16, 128, 128, device="cuda", dtype=torch.bfloat16)
k, v, out = torch.randn_like(q), torch.randn_like(q), torch.empty_like(q)
new_tsig = at._tsig


def old_tsig(t):
    return None if t is None else (t.dtype, t.device, t.shape, t.stride())


for name, fn in (("old", old_tsig), ("new", new_tsig), ("old", old_tsig), ("new", new_tsig)):
    at._tsig = fn
    at._fast.clear()
    at._seen.clear()
    for _ in range(3):
        at.attention(q, k, v, out=out)
    torch.cuda.synchronize()
    f = next(iter(at._fast.values()))
    real, f.fn = f.fn, lambda *a: 0
    py = median_us(lambda: at.attention(q, k, v, out=out))
    f.fn = real
    t = median_us(lambda: at.attention(q, k, v, out=out))
    torch.cuda.synchronize()
    print("%s signature: attention(out=) %.2f us, Python only %.2f us, _tsig(q) %.2f us" % (
        name, t, py, median_us(lambda: fn(q))))
at._tsig = new_tsig
