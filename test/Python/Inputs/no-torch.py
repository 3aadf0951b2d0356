import sys


class Block:
    """Refuses torch and numpy, as on a machine without them."""

    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("torch", "numpy"):
            raise ImportError("blocked: " + name)


sys.meta_path.insert(0, Block())

import attnc  # noqa: E402
import attnc.aot  # noqa: E402,F401
import attnc.kernels  # noqa: E402,F401
import attnc.torch  # noqa: E402

assert "torch" not in sys.modules and "numpy" not in sys.modules, sorted(sys.modules)
print("imported without torch")
spec = attnc.AttentionSpec(dtype="f32", head_dim=32, num_heads_q=2)
m = attnc.load(attnc.compile(spec.ir(), ["cpu"]), "cpu")
print("kernel %s on %s" % (m.kernel().name, m.device))
try:
    attnc.torch.attention(None, None, None)
except ImportError as e:
    print("attention: ImportError: %s" % e)
