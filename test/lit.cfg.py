# lit configuration of the attnc test suite.
import os

import lit.formats

config.name = "attnc"
config.test_format = lit.formats.ShTest(execute_external=True)
config.suffixes = [".mlir", ".test"]
config.excludes = ["Inputs", "corpus", "lit.cfg.py", "lit.site.cfg.py"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.attnc_obj_root, "test")

config.environment["PATH"] = os.pathsep.join(
    [config.attnc_tools_dir, config.llvm_tools_dir, config.environment.get("PATH", os.environ["PATH"])]
)
config.substitutions.append(("%attn_unit_dir", config.attnc_unit_dir))
config.substitutions.append(("%attn_capi_dir", config.attnc_capi_dir))
# test/fuzz/sanitizers.sh: python3 is not instrumented, the libraries it loads are; the
# ASan runtime must come first (preloaded), and CPython's arenas are not leaks.
_preload = os.environ.get("ATTNC_SANITIZER_PRELOAD")
_python = config.python_executable
if _preload:
    _python = "env LD_PRELOAD=%s ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 %s" % (_preload, _python)
config.substitutions.append(("%python", _python))
config.substitutions.append(("%attnc_src_root", config.attnc_src_root))
config.substitutions.append(("%attnc_obj_root", config.attnc_obj_root))

# What the Python tests may skip here (python/tests/attnc_pytest.py counts those skips as
# expected, apart from passes): said once per run, where CI's output shows it.
def _python_optional_notes():
    import subprocess
    probe = (
        "import torch\n"
        "print('torch.library.custom_op: ' + ('yes' if hasattr(torch.library, 'custom_op') else\n"
        "      'no (torch %s; needs >= 2.4): torch.compile/custom-op tests skip' % torch.__version__))\n"
        "print('CUDA: ' + ('yes' if torch.cuda.is_available() else 'no: test_flash_cuda.py skips'))\n"
        "try:\n"
        "    import transformers\n"
        "    ok = hasattr(transformers, 'AttentionInterface')\n"
        "    print('transformers: ' + (transformers.__version__ if ok else\n"
        "          'no AttentionInterface (%s): test_transformers.py skips' % transformers.__version__))\n"
        "except ImportError:\n"
        "    print('transformers: not installed: test_transformers.py skips')\n")
    try:
        p = subprocess.run([config.python_executable, "-c", probe], capture_output=True,
                           text=True, timeout=120)
    except (OSError, subprocess.SubprocessError) as e:
        lit_config.note("python probe failed: %s" % e)
        return
    for line in p.stdout.splitlines():
        lit_config.note("python tests: " + line)


_python_optional_notes()

# ptxas (CUDA toolkit) checks generated sm_90a kernels for spills and for the
# warnings that mean lost overlap or ignored hints (C7508/C7510/C7515/C7517)
# where it is installed; tests that need it say `REQUIRES: ptxas`.
import shutil

_ptxas = os.environ.get("PTXAS") or shutil.which("ptxas")
if not _ptxas and os.access("/usr/local/cuda/bin/ptxas", os.X_OK):
    _ptxas = "/usr/local/cuda/bin/ptxas"
if _ptxas:
    config.available_features.add("ptxas")
    config.substitutions.append(("%ptxas", _ptxas))
