"""Function attributes of bundled sm_90a kernels as the driver sees them after its JIT
(registers, shared memory, the largest block it allows), and a launch of the TMA kernel
with kernelParams instead of the packed buffer, to find what CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES
refers to. Usage: attrs.py BUNDLE..."""
import ctypes, sys
from attnc import _lib

rt = _lib.runtime()
cu = ctypes.CDLL("libcuda.so.1")
cu.cuInit(0)
dev = ctypes.c_int()
cu.cuDeviceGet(ctypes.byref(dev), 0)
ctx = ctypes.c_void_p()
cu.cuDevicePrimaryCtxRetain(ctypes.byref(ctx), dev)
cu.cuCtxSetCurrent(ctx)
for name, attr in [("max smem optin", 97), ("max smem/SM", 81), ("regs/block", 12)]:
    v = ctypes.c_int()
    cu.cuDeviceGetAttribute(ctypes.byref(v), attr, dev)
    print("device", name, v.value)
names = {0: "max_threads", 1: "static_smem", 2: "const", 3: "local", 4: "regs", 5: "ptx",
         6: "binary", 8: "max_dyn_smem"}
for path in sys.argv[1:]:
    b = _lib.Bundle()
    err = ctypes.create_string_buffer(512)
    if rt.attnBundleReadFile(path.encode(), ctypes.byref(b), err, 512):
        print(path, "read failed", err.value)
        continue
    t = b.targets[0]
    ptx = ctypes.string_at(t.data, t.size) + b"\0"
    mod = ctypes.c_void_p()
    r = cu.cuModuleLoadData(ctypes.byref(mod), ctypes.c_char_p(ptx))
    if r:
        print(path, "load failed", r)
        continue
    for k in range(b.num_kernels):
        e = t.entries[k]
        fn = ctypes.c_void_p()
        cu.cuModuleGetFunction(ctypes.byref(fn), mod, e.symbol)
        vals = {}
        for a, n in names.items():
            v = ctypes.c_int()
            cu.cuFuncGetAttribute(ctypes.byref(v), a, fn)
            vals[n] = v.value
        print(path.split("/")[-1], e.symbol.decode(), "wg", e.workgroup_size, "lds", e.lds_bytes,
              "maps", e.num_tensor_maps, vals)

# A launch of the D=128 TMA kernel through kernelParams (one pointer per parameter) with
# maps encoded here: if it runs, the packed-buffer launch is what the driver refuses.
import torch
path = [p for p in sys.argv[1:] if "/tma/" in p][0]
b = _lib.Bundle()
err = ctypes.create_string_buffer(512)
rt.attnBundleReadFile(path.encode(), ctypes.byref(b), err, 512)
t = b.targets[0]
e = t.entries[0]
ptx = ctypes.string_at(t.data, t.size) + b"\0"
mod = ctypes.c_void_p()
print("load", cu.cuModuleLoadData(ctypes.byref(mod), ctypes.c_char_p(ptx)))
fn = ctypes.c_void_p()
cu.cuModuleGetFunction(ctypes.byref(fn), mod, e.symbol)
B, H, S, D = 1, 16, 256, 128
q, k, v = (torch.randn(B, H, S, D, device="cuda", dtype=torch.bfloat16) for _ in range(3))
out = torch.full_like(q, float("nan"))
words = []
for x in (q, k, v, out):
    words += [x.data_ptr(), x.data_ptr(), 0] + list(x.shape) + list(x.stride())
holders = [ctypes.c_uint64(w) for w in words]
maps = []
for m in range(e.num_tensor_maps):
    tm = e.tensor_maps[m]
    x = (q, k, v)[tm.arg]
    buf = (ctypes.c_uint8 * 192)()
    at = (ctypes.addressof(buf) + 63) // 64 * 64
    dims = (ctypes.c_uint64 * 4)(D, S, H, B)
    strides = (ctypes.c_uint64 * 3)(D * 2, S * D * 2, H * S * D * 2)
    box = (ctypes.c_uint32 * 4)(64, tm.box[2], 1, 1)
    ones = (ctypes.c_uint32 * 4)(1, 1, 1, 1)
    r = cu.cuTensorMapEncodeTiled(ctypes.c_void_p(at), 9, 4, ctypes.c_void_p(x.data_ptr()), dims,
                                  strides, box, ones, 0, 3, 3, 0)
    print("encode", m, r)
    maps.append((buf, at))
params = (ctypes.c_void_p * (len(holders) + len(maps)))()
for i, h in enumerate(holders):
    params[i] = ctypes.addressof(h)
for j, (buf, at) in enumerate(maps):
    params[len(holders) + j] = at
gx = (S + 127) // 128
r = cu.cuLaunchKernel(fn, gx, B * H, 1, e.workgroup_size, 1, 1, 0, None, params, None)
print("kernelParams launch", r)
torch.cuda.synchronize()
ref = torch.nn.functional.scaled_dot_product_attention(q.float(), k.float(), v.float())
print("max err", (out.float() - ref).abs().max().item())
