"""attnc's package machinery on the CPU: AttentionSpec, the compiler API and its
errors, the kernel cache (memory, disk, atomic files), ahead-of-time bundle
directories (python3 -m attnc.aot, then running them with the compiler disabled),
runtime errors, and `python3 -m attnc`.

Run by the lit suite (test/Python/package.test) like test_cpu.py.
"""
import json
import os
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
PYTHON_DIR = os.path.dirname(HERE)
sys.path.insert(0, PYTHON_DIR)

import attnc  # noqa: E402
from attnc import kernels  # noqa: E402

SMALL = dict(dtype="f32", head_dim=32, num_heads_q=2, num_heads_kv=1)


def run_python(code, env=None, check=True):
    """Runs `code` in a fresh interpreter with this one's environment plus `env`."""
    e = dict(os.environ)
    e["PYTHONPATH"] = os.pathsep.join([PYTHON_DIR, e.get("PYTHONPATH", "")])
    e.update(env or {})
    p = subprocess.run([sys.executable, "-c", code], env=e, capture_output=True, text=True,
                       timeout=300)
    if check and p.returncode != 0:
        raise AssertionError("subprocess failed (%d):\n%s\n%s" % (p.returncode, p.stdout,
                                                                  p.stderr))
    return p


@pytest.fixture
def fresh_cache(tmp_path, monkeypatch):
    """An empty disk cache and no kernels in memory."""
    d = tmp_path / "cache"
    monkeypatch.setenv("ATTNC_CACHE_DIR", str(d))
    monkeypatch.delenv("ATTNC_NO_COMPILER", raising=False)
    monkeypatch.delenv("ATTNC_BUNDLE_DIR", raising=False)
    kernels.clear_memory()
    kernels.reset_stats()
    yield d
    kernels.clear_memory()


# --- AttentionSpec ---------------------------------------------------------------------------


def test_spec_normalization_and_key():
    a = attnc.AttentionSpec(dtype="bf16", head_dim=128, num_heads_q=32, num_heads_kv=8,
                            causal=True)
    b = attnc.AttentionSpec.from_dict(a.to_dict())
    assert a == b and a.key() == b.key() and hash(a) == hash(b)
    assert json.loads(json.dumps(a.to_dict())) == a.to_dict()
    # Defaults spelled out are the same variant.
    c = attnc.AttentionSpec(dtype="bf16", head_dim=128, head_dim_v=128, num_heads_q=32,
                            num_heads_kv=8, causal=True, window=[-1, -1], softcap=0,
                            scale=None)
    assert c.key() == a.key()
    # Equal specs are one key: the default scale spelled out (as transformers passes it,
    # also rounded through f32), a right window of 0 (= causal), causal with a right window.
    import math
    for same in [dict(scale=1 / math.sqrt(128)), dict(scale=0.08838834764831845),
                 dict(causal=False, window=(-1, 0)), dict(window=(-1, 0)),
                 dict(window=(-1, 7)), dict(window=[-1, 1 << 20]),
                 dict(softcap=None), dict(head_dim_v=None, num_heads_kv=8)]:
        d = dict(a.to_dict(), **same)
        assert attnc.AttentionSpec.from_dict(d).key() == a.key(), same
    w = attnc.AttentionSpec(dtype="bf16", head_dim=64, num_heads_q=4, window=(16, 0))
    assert w.causal and w.window == (16, -1) and w.key() == attnc.AttentionSpec(
        dtype="bf16", head_dim=64, num_heads_q=4, causal=True, window=(16, 3)).key()
    assert attnc.AttentionSpec(dtype="bf16", head_dim=64, num_heads_q=4,
                               scale=1 / math.sqrt(64)).scale is None
    assert attnc.AttentionSpec(dtype="bf16", head_dim=64, num_heads_q=4,
                               scale=0.126).scale is not None
    # Every field changes the key.
    for change in [dict(dtype="f16"), dict(head_dim=64), dict(head_dim_v=64),
                   dict(num_heads_kv=4), dict(causal=False), dict(scale=0.1),
                   dict(window=(128, 0)), dict(softcap=30.0), dict(alibi=True),
                   dict(return_lse=True), dict(varlen=True)]:
        d = dict(a.to_dict(), **change)
        assert attnc.AttentionSpec.from_dict(d).key() != a.key(), change
    # Stable across processes (no per-process hash seeds).
    p = run_python("import attnc; print(attnc.AttentionSpec(dtype='bf16', head_dim=128, "
                   "num_heads_q=32, num_heads_kv=8, causal=True).key())")
    assert p.stdout.strip() == a.key()
    assert a.key().startswith("mha-bf16-d128-h32x8-causal-")


def test_spec_rejects_bad_values():
    for kw, message in [(dict(SMALL, dtype="f64"), "dtype"),
                        (dict(SMALL, num_heads_q=3, num_heads_kv=2), "multiple"),
                        (dict(SMALL, head_dim=0), "head_dim"),
                        (dict(SMALL, window=(-2, 0)), "window"),
                        (dict(SMALL, softcap=-1), "softcap"),
                        (dict(SMALL, scale=-1.0), "scale"),
                        (dict(SMALL, bogus=1), "bogus")]:
        with pytest.raises((ValueError, TypeError), match=message):
            if "bogus" in kw:
                attnc.AttentionSpec.from_dict(kw)
            else:
                attnc.AttentionSpec(**kw)


def test_row_align_spec():
    """row_align (issue 17): the GPU kernels' copy width, in the key and the IR
    (attn.align) only when below that of contiguous rows of the head dims."""
    s = attnc.AttentionSpec(dtype="bf16", head_dim=64, num_heads_q=2, row_align=1)
    assert s.row_align == 1 and "-a1-" in s.key()
    assert "attn.align = 1 : i64" in s.ir()
    assert attnc.AttentionSpec.from_dict(s.to_dict()) == s
    plain = attnc.AttentionSpec(dtype="bf16", head_dim=64, num_heads_q=2)
    assert "row_align" not in plain.to_dict() and "attn.align" not in plain.ir()
    assert attnc.AttentionSpec(dtype="bf16", head_dim=64, num_heads_q=2, row_align=8) == plain
    d33 = attnc.AttentionSpec(dtype="bf16", head_dim=33, num_heads_q=2, row_align=1)
    assert d33.row_align is None  # 66-byte rows: the default of D = 33
    for bad in (3, 16, 0, True, "8"):
        with pytest.raises(ValueError, match="row_align"):
            attnc.AttentionSpec(dtype="bf16", head_dim=64, num_heads_q=2, row_align=bad)


def test_row_align_compiles_for_the_gpus():
    """A spec with row_align compiles for sm_90a and gfx942 (narrower copies) and the
    bundle records it; D = 33 records its default, 1."""
    from attnc import runtime
    for s, want in ((attnc.AttentionSpec(dtype="bf16", head_dim=64, num_heads_q=2,
                                         row_align=2), 2),
                    (attnc.AttentionSpec(dtype="f16", head_dim=33, num_heads_q=2,
                                         causal=True), 1)):
        data = attnc.compile(s.ir(), ["sm_90a", "gfx942"])
        assert [k.row_align for k in runtime.Bundle(data).kernels] == [want]


def test_gpu_variant_dicts():
    """The GPU test driver's variant dicts (python/tests/gpu_variants.py) are specs."""
    sys.path.insert(0, HERE)
    import gpu_variants
    specs = [attnc.AttentionSpec.from_dict(s) for s in gpu_variants.SPECS]
    assert len({s.key() for s in specs}) == len(specs)
    for s in specs[:3] + [s for s in specs if s.varlen][:1]:
        assert "func.func @attention" in s.ir()


# --- the compiler ----------------------------------------------------------------------------


def test_compiler_version():
    assert attnc.compiler_available()
    v = attnc.compiler_version()
    assert v.startswith("attnc ") and "LLVM 22." in v


BAD_HEADS = """func.func @f(%q: tensor<?x6x?x64xf32>, %k: tensor<?x4x?x64xf32>, %v: tensor<?x4x?x64xf32>)
    -> tensor<?x6x?x64xf32> {
  %o = attn.mha %q, %k, %v
      : (tensor<?x6x?x64xf32>, tensor<?x4x?x64xf32>, tensor<?x4x?x64xf32>) -> tensor<?x6x?x64xf32>
  return %o : tensor<?x6x?x64xf32>
}
"""


def test_compile_error_is_located():
    with pytest.raises(attnc.CompileError) as e:
        attnc.compile(BAD_HEADS, ["cpu"])
    msg = str(e.value)
    assert msg.startswith("input:3:8: error: 'attn.mha' op query heads (Hq = 6) must be a "
                          "multiple of key/value heads (Hkv = 4)"), msg
    assert e.value.diagnostics[0].startswith("input:3:8: error:")
    with pytest.raises(attnc.CompileError, match=r"input:1:\d+: error: "):
        attnc.compile("func.func @f(", ["cpu"])
    with pytest.raises(attnc.CompileError, match="unknown target 'sm_80' \\(valid targets: "):
        attnc.compile(attnc.AttentionSpec(**SMALL).ir(), ["sm_80"])
    with pytest.raises(attnc.CompileError, match="target 'cpu' given twice"):
        attnc.compile(attnc.AttentionSpec(**SMALL).ir(), "cpu,cpu")
    assert isinstance(e.value, attnc.AttncError)


def test_compile_pass_failure_has_diagnostics():
    """A pipeline that fails names the pipeline after the pass's located diagnostics."""
    with pytest.raises(attnc.CompileError, match="bad pipeline 'bogus'"):
        attnc.compile(attnc.AttentionSpec(**SMALL).ir(), ["cpu"], pipeline="bogus")


def test_emit_forms():
    ir = attnc.AttentionSpec(**SMALL).ir()
    assert "__attn_program_attention_attn0" in attnc.emit(ir, "cpu", "asm")
    assert "define void @__attn_program_attention_attn0" in attnc.emit(ir, "cpu", "llvm")
    assert "llvm.func" in attnc.emit(ir, "cpu", "mlir")
    with pytest.raises(ValueError):
        attnc.emit(ir, "cpu", "ptx")


def test_bundle_metadata():
    spec = attnc.AttentionSpec(dtype="bf16", head_dim=64, num_heads_q=8, num_heads_kv=1,
                               window=(16, 7), softcap=30.0, alibi=True, varlen=True,
                               return_lse=True)
    b = attnc.Bundle(attnc.compile(spec.ir(), ["cpu"]))
    k = b.kernel()
    assert k.kind == "mha_varlen"
    assert [(a.name, a.dtype, a.rank, a.output) for a in k.args] == [
        ("q", "bf16", 3, False), ("k", "bf16", 3, False), ("v", "bf16", 3, False),
        ("cu_seqlens_q", "i32", 1, False), ("cu_seqlens_k", "i32", 1, False),
        ("alibi", "f32", 1, False), ("out", "bf16", 3, True), ("lse", "f32", 2, True)]
    assert (k.window_left, k.window_right, k.softcap, k.num_q_heads, k.num_kv_heads) == \
        (16, 7, 30.0, 8, 1) and not k.causal
    assert [t.format for t in b.targets] == ["elf-so"]
    assert b.targets[0].name == attnc.cpu_target_name()


def test_sm90a_bundle(tmp_path):
    """sm_90a next to the CPU: the code object is the PTX with its NUL, blocks of 32 *
    num_warps threads; an AOT directory records both targets."""
    spec = attnc.AttentionSpec(dtype="bf16", head_dim=128, num_heads_q=32, num_heads_kv=8,
                               causal=True, return_lse=True)
    b = attnc.Bundle(attnc.compile(spec.ir(), ["sm_90a", "cpu"]))
    assert [(t.name, t.format) for t in b.targets] == [("sm_90a", "ptx"),
                                                       (attnc.cpu_target_name(), "elf-so")]
    e = b.targets[0].entries[0]
    assert e.symbol == b.kernel().name and e.workgroup_size == 32 * e.num_warps > 0
    assert e.lds_bytes > 0
    ptx = b.code("sm_90a")
    assert ptx.endswith(b"\0") and ptx.count(b"\0") == 1
    assert b".target sm_90a" in ptx and b".entry attention_attn0(" in ptx
    assert "attention_attn0" in attnc.emit(spec.ir(), "sm_90a", "asm")
    from attnc import aot
    [entry] = aot.build([spec], str(tmp_path), "sm_90a,cpu", jobs=1)
    assert entry["targets"] == ["sm_90a", "cpu"]
    assert entry["bundle_targets"] == ["sm_90a", attnc.cpu_target_name()]
    assert attnc.load(str(tmp_path / entry["file"]), "cpu").target == attnc.cpu_target_name()


# --- runtime errors --------------------------------------------------------------------------


def test_runtime_errors(tmp_path):
    with pytest.raises(attnc.RuntimeError) as e:
        attnc.Bundle(b"not a bundle at all, not even close")
    assert e.value.status == "ATTN_ERROR_BAD_BUNDLE" and "ATTN_ERROR_BAD_BUNDLE" in str(e.value)
    with pytest.raises(attnc.RuntimeError) as e:
        attnc.Bundle(str(tmp_path / "missing.attnb"))
    assert e.value.status == "ATTN_ERROR_IO"
    data = attnc.compile(attnc.AttentionSpec(**SMALL).ir(), ["cpu"])
    with pytest.raises(attnc.RuntimeError) as e:
        attnc.load(data, device="tpu")
    assert e.value.status == "ATTN_ERROR_INVALID_ARGUMENT"
    # No CUDA here: no driver (or, with a driver, no sm_90a code in a CPU bundle).
    with pytest.raises(attnc.RuntimeError) as e:
        attnc.load(data, device="cuda:0")
    assert e.value.status in ("ATTN_ERROR_NO_DRIVER", "ATTN_ERROR_NO_DEVICE",
                              "ATTN_ERROR_NO_CODE_OBJECT")
    assert isinstance(e.value, RuntimeError) and isinstance(e.value, attnc.AttncError)
    assert attnc.runtime_available("cpu") is True
    assert attnc.runtime_available("tpu") is not True


# --- the kernel cache ------------------------------------------------------------------------


def test_cache_memory_then_disk(fresh_cache):
    spec = attnc.AttentionSpec(**SMALL, causal=True)
    k1 = kernels.get(spec, "cpu")
    assert k1.source == "compiled" and kernels.stats["compiles"] == 1
    files = sorted(os.listdir(fresh_cache))
    assert len(files) == 1 and files[0].endswith(".attnb"), files  # no temporary left
    assert k1.path == str(fresh_cache / files[0])
    mtime = os.stat(k1.path).st_mtime_ns
    assert kernels.get(spec, "cpu") is k1 and kernels.stats["memory_hits"] == 1
    kernels.clear_memory()
    k2 = kernels.get(spec.to_dict(), "cpu")
    assert k2.source == "disk" and kernels.stats == {"memory_hits": 1, "disk_hits": 1,
                                                     "compiles": 1, "aot_hits": 0}
    assert os.stat(k2.path).st_mtime_ns == mtime  # read, not rewritten
    # Another process finds it on disk without compiling.
    p = run_python("import attnc; from attnc import kernels; "
                   "k = kernels.get(attnc.AttentionSpec(dtype='f32', head_dim=32, num_heads_q=2, "
                   "num_heads_kv=1, causal=True), 'cpu'); print(k.source, kernels.stats)",
                   env={"ATTNC_CACHE_DIR": str(fresh_cache)})
    assert p.stdout.startswith("disk ") and "'compiles': 0" in p.stdout, p.stdout
    assert os.stat(k2.path).st_mtime_ns == mtime


def test_cache_replaces_corrupt_file(fresh_cache):
    spec = attnc.AttentionSpec(**SMALL, return_lse=True)
    path = kernels.get(spec, "cpu").path
    with open(path, "r+b") as f:
        f.seek(100)
        f.write(b"\xff" * 16)
    kernels.clear_memory()
    k = kernels.get(spec, "cpu")
    assert k.source == "compiled" and kernels.stats["compiles"] == 2
    attnc.Bundle(k.path)  # a good file again


def test_cache_default_dir(monkeypatch, tmp_path):
    monkeypatch.delenv("ATTNC_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    d = kernels.cache_dir()
    assert d.startswith(str(tmp_path / "attnc" / "attnc-0.")) and "LLVM-22" in d, d


# --- ahead of time ---------------------------------------------------------------------------


def test_aot_command_and_no_compiler(tmp_path, fresh_cache):
    out = tmp_path / "bundles"
    p = subprocess.run([sys.executable, "-m", "attnc.aot", "--out", str(out), "--targets", "cpu",
                        "--dtype", "f32", "--head-dim", "32", "--heads", "2:1", "--causal", "0,1",
                        "--lse", "1", "--jobs", "2"],
                       env=dict(os.environ, PYTHONPATH=PYTHON_DIR), capture_output=True,
                       text=True, timeout=300)
    assert p.returncode == 0, p.stdout + p.stderr
    index = json.loads((out / "index.json").read_text())
    assert index["compiler_version"] == attnc.compiler_version()
    entries = index["entries"]
    assert len(entries) == 2 and {e["spec"]["causal"] for e in entries} == {False, True}
    for e in entries:
        assert (out / e["file"]).is_file() and e["targets"] == ["cpu"]
        assert e["bundle_targets"] == [attnc.cpu_target_name()]
        assert e["key"] == attnc.AttentionSpec.from_dict(e["spec"]).key()
    assert sorted(os.listdir(out)) == sorted([e["file"] for e in entries] + ["index.json"])

    # The same kernels without the compiler: found in the bundle directory, and correct.
    code = r"""
import math, torch, attnc, attnc.torch as at
from attnc import kernels
assert not attnc.compiler_available()
torch.manual_seed(0)
q, k, v = torch.randn(2, 2, 37, 32), torch.randn(2, 1, 50, 32), torch.randn(2, 1, 50, 32)
out, lse = at.attention(q, k, v, causal=True, return_lse=True)
s = (q.double() @ k.double().transpose(-1, -2)) / math.sqrt(32)
s = s.masked_fill(torch.arange(50)[None] > torch.arange(37)[:, None] + 13, float('-inf'))
ref = torch.softmax(s, -1) @ v.double()
assert (out - ref).abs().max() < 1e-4 and (lse - torch.logsumexp(s, -1)).abs().max() < 1e-4
assert kernels.stats['aot_hits'] == 1 and kernels.stats['compiles'] == 0
# Equal specs find the same bundle: the default scale spelled out, a (-1, 0) window.
out2, lse2 = at.attention(q, k, v, scale=1 / math.sqrt(32), window=(-1, 0), return_lse=True)
assert torch.equal(out2, out) and torch.equal(lse2, lse)
assert kernels.stats['aot_hits'] == 1 and kernels.stats['compiles'] == 0
try:
    at.attention(q, k, v, causal=True)          # no lse: not built
    raise SystemExit('no error')
except attnc.KernelNotFoundError as e:
    print(e)
"""
    p = run_python(code, env={"ATTNC_NO_COMPILER": "1", "ATTNC_BUNDLE_DIR": str(out),
                              "ATTNC_CACHE_DIR": str(tmp_path / "unused")})
    msg = p.stdout
    assert "no kernel for AttentionSpec(dtype='f32', head_dim=32, num_heads_q=2, " \
           "num_heads_kv=1, causal=True)" in msg, msg
    assert "ATTNC_NO_COMPILER=1" in msg and str(out) in msg
    assert ("python3 -m attnc.aot --out DIR --targets cpu --dtype f32 --head-dim 32 --heads 2:1 "
            "--causal 1 --lse 0") in msg, msg
    # The nearest bundled variants: the causal one with lse (one field off) first.
    near = msg.split("Nearest bundled variants:\n", 1)[1].splitlines()
    causal_key = [e["key"] for e in entries if e["spec"]["causal"]][0]
    assert near[0].strip() == "%s in %s: return_lse=true (want false)" % (causal_key, out), near
    assert "causal=false (want true), return_lse=true (want false)" in near[1], near
    assert not (tmp_path / "unused").exists()


def test_aot_build_api_with_specs_file(tmp_path, fresh_cache):
    """attnc.aot.build (what the GPU driver uses) and --specs with a JSON list; a second
    build into the same directory keeps the first one's entries."""
    from attnc import aot
    out = tmp_path / "b"
    specs = [dict(SMALL, varlen=True, causal=True, return_lse=True)]
    entries = aot.build(specs, str(out), ["cpu"], jobs=1)
    assert [e["spec"] for e in entries] == [attnc.AttentionSpec.from_dict(specs[0]).to_dict()]
    f = tmp_path / "specs.json"
    f.write_text(json.dumps([dict(SMALL, scale=0.25, head_dim_v=16)]))
    assert aot.main(["--out", str(out), "--targets", "cpu", "--specs", str(f), "-j", "1"]) == 0
    index = json.loads((out / "index.json").read_text())
    assert len(index["entries"]) == 2
    # Found without the compiler, from the in-process API.
    os.environ["ATTNC_NO_COMPILER"] = "1"
    os.environ["ATTNC_BUNDLE_DIR"] = os.pathsep.join([str(tmp_path / "nothing-here"), str(out)])
    try:
        kernels.clear_memory()
        k = kernels.get(attnc.AttentionSpec(**dict(SMALL, scale=0.25, head_dim_v=16)), "cpu")
        assert k.source == "aot" and k.info.head_dim_v == 16 and abs(k.info.scale - 0.25) < 1e-7
        with pytest.raises(attnc.KernelNotFoundError, match="--specs spec.json"):
            kernels.get(attnc.AttentionSpec(**dict(SMALL, scale=0.5)), "cpu")
    finally:
        del os.environ["ATTNC_NO_COMPILER"]
        del os.environ["ATTNC_BUNDLE_DIR"]


def test_aot_bad_arguments(tmp_path):
    p = subprocess.run([sys.executable, "-m", "attnc.aot", "--out", str(tmp_path / "x"),
                        "--heads", "3:2"], env=dict(os.environ, PYTHONPATH=PYTHON_DIR),
                       capture_output=True, text=True, timeout=120)
    assert p.returncode != 0 and "multiple of num_heads_kv" in p.stderr, p.stderr
    p = subprocess.run([sys.executable, "-m", "attnc.aot", "--out", str(tmp_path / "x"),
                        "--head-dim", "32", "--targets", "cpu"],
                       env=dict(os.environ, PYTHONPATH=PYTHON_DIR, ATTNC_NO_COMPILER="1"),
                       capture_output=True, text=True, timeout=120)
    assert p.returncode != 0 and "the compiler is not available" in p.stderr, p.stderr


# --- library discovery and the info command --------------------------------------------------


def test_missing_libraries_are_clear(tmp_path):
    code = ("import attnc\n"
            "try:\n    attnc.Bundle(b'')\nexcept attnc.LibraryNotFoundError as e:\n"
            "    print('RT', e)\n"
            "print('CC', attnc.compiler_available())\n")
    env = {"ATTNC_LIB_DIR": str(tmp_path), "ATTNC_BUILD_DIR": str(tmp_path),
           "LD_LIBRARY_PATH": str(tmp_path)}
    # The source tree's build/ may have them: run from a copy of the package.
    import shutil
    shutil.copytree(os.path.join(PYTHON_DIR, "attnc"), tmp_path / "pkg" / "attnc",
                    ignore=shutil.ignore_patterns("__pycache__"))
    env["PYTHONPATH"] = str(tmp_path / "pkg")
    e = dict(os.environ, **env)
    p = subprocess.run([sys.executable, "-c", code], env=e, capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    assert "RT cannot load libattnrt.so; looked in: %s" % (tmp_path / "libattnrt.so") in p.stdout
    assert "ATTNC_LIB_DIR" in p.stdout and "CC False" in p.stdout


def test_info_command():
    p = subprocess.run([sys.executable, "-m", "attnc"], env=dict(os.environ,
                                                                 PYTHONPATH=PYTHON_DIR),
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    assert "runtime:  /" in p.stdout and "libattnrt.so" in p.stdout
    assert "compiler: /" in p.stdout and attnc.compiler_version() in p.stdout
    assert "cpu (bundle target %s)" % attnc.cpu_target_name() in p.stdout
    assert "cuda:0:" in p.stdout


def test_import_without_torch():
    """`import attnc` (and attnc.torch itself) work where torch cannot be imported;
    calling attnc.torch.attention says torch is missing."""
    code = r"""
import sys
class NoTorch:
    def find_spec(self, name, path=None, target=None):
        if name == 'torch' or name.startswith('torch.') or name == 'numpy':
            raise ImportError('blocked for the test: ' + name)
sys.meta_path.insert(0, NoTorch())
import attnc, attnc.torch, attnc.aot, attnc.kernels
assert 'torch' not in sys.modules and 'numpy' not in sys.modules
data = attnc.compile(attnc.AttentionSpec(dtype='f32', head_dim=32, num_heads_q=2).ir())
print(attnc.load(data, 'cpu').kernel().name)
try:
    attnc.torch.attention(None, None, None)
except ImportError as e:
    print('ImportError', e)
"""
    p = run_python(code)
    assert "attention_attn0" in p.stdout and "ImportError blocked for the test: torch" in p.stdout
