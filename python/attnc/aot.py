"""Ahead-of-time compilation of attention variants into a bundle directory.

    python3 -m attnc.aot --out DIR --targets sm_90a[,cpu] --specs FILE.json
    python3 -m attnc.aot --out DIR --targets sm_90a --dtype bf16,f16 --head-dim 64,128 \\
        --heads 32:8,32:1 --causal 0,1 --lse 0,1 --alibi 0,1 --varlen 0,1 \\
        --window -1:-1,256:0 --softcap 0,30 --sinks 0,1

compiles every spec (the --specs file: a JSON list of AttentionSpec dicts, or
{"specs": [...]}; or every combination of the grid flags) for the targets into
DIR/<key>.attnb, in parallel processes (--jobs, default os.cpu_count()), and
writes DIR/index.json:

    {"format": 1, "compiler_version": "...", "entries": [
        {"key": ..., "spec": {...}, "file": "<key>.attnb", "targets": ["sm_90a"],
         "bundle_targets": ["sm_90a"], "compiler_version": "..."}, ...]}

Entries of an existing index.json for other specs are kept, so a directory
can grow. A machine without the compiler finds the kernels through
ATTNC_BUNDLE_DIR=DIR (attnc.kernels).
"""
import argparse
import concurrent.futures
import itertools
import json
import multiprocessing
import os
import sys
import time

from . import compiler
from .kernels import write_atomic
from .spec import AttentionSpec

INDEX = "index.json"


def _bundle_target_names(targets):
    from .runtime import cpu_target_name
    names = []
    for t in targets:
        if t == "cpu":
            try:
                names.append(cpu_target_name())
            except Exception:  # no runtime library here: name it as attnrt would
                import platform
                names.append("cpu-" + platform.machine())
        else:
            names.append(t)
    return names


def _compile_one(spec_dict, targets, out_dir):
    """In a worker process: compile one spec and write its bundle."""
    spec = AttentionSpec.from_dict(spec_dict)
    key = spec.key()
    start = time.monotonic()
    data = compiler.compile(spec.ir(), targets)
    name = key + ".attnb"
    write_atomic(os.path.join(out_dir, name), data)
    return {"key": key, "spec": spec.to_dict(), "file": name, "targets": list(targets),
            "bundle_targets": _bundle_target_names(targets),
            "compiler_version": compiler.compiler_version(), "bytes": len(data),
            "seconds": round(time.monotonic() - start, 3)}


def _read_index(out_dir):
    try:
        with open(os.path.join(out_dir, INDEX)) as f:
            return json.load(f)
    except FileNotFoundError:
        return None
    except ValueError as e:
        raise SystemExit("attnc.aot: %s is not valid JSON (%s); remove it or pick another --out"
                         % (os.path.join(out_dir, INDEX), e))


def _normalize_targets(targets):
    if isinstance(targets, str):
        targets = targets.split(",")
    targets = [t.strip() for t in targets if t.strip()]
    if not targets:
        raise ValueError("attnc.aot: no target")
    return targets


def build(specs, out_dir, targets=("cpu",), jobs=None, log=None):
    """Compiles `specs` (AttentionSpecs or their dicts) for `targets` into out_dir and
    updates out_dir/index.json. Returns the index entries of these specs. Raises
    attnc.CompileError (naming the spec) on the first failure."""
    targets = _normalize_targets(targets)
    specs = [s if isinstance(s, AttentionSpec) else AttentionSpec.from_dict(s) for s in specs]
    unique = {}
    for s in specs:
        unique.setdefault(s.key(), s)
    compiler.compiler_version()  # fail early without the compiler
    os.makedirs(out_dir, exist_ok=True)
    jobs = max(1, min(jobs or os.cpu_count() or 1, len(unique) or 1))
    results = {}
    todo = list(unique.values())
    if jobs == 1:
        for s in todo:
            results[s.key()] = _run_one(s, targets, out_dir, log)
    else:
        # spawn: LLVM/MLIR threads in this process do not survive fork().
        ctx = multiprocessing.get_context("spawn")
        with concurrent.futures.ProcessPoolExecutor(max_workers=jobs, mp_context=ctx) as pool:
            futures = {pool.submit(_compile_one, s.to_dict(), targets, out_dir): s for s in todo}
            for f in concurrent.futures.as_completed(futures):
                s = futures[f]
                try:
                    results[s.key()] = f.result()
                except Exception as e:
                    for other in futures:
                        other.cancel()
                    raise _named(e, s)
                if log:
                    log(_line(results[s.key()]))
    entries = [results[s.key()] for s in todo]
    _write_index(out_dir, entries)
    return entries


def _run_one(spec, targets, out_dir, log):
    try:
        e = _compile_one(spec.to_dict(), targets, out_dir)
    except Exception as exc:
        raise _named(exc, spec)
    if log:
        log(_line(e))
    return e


def _named(exc, spec):
    from ._errors import AttncError, CompileError
    msg = "%r: %s" % (spec, exc)
    if isinstance(exc, AttncError):
        return type(exc)(msg, status=exc.status, code=exc.code)
    return CompileError(msg)


def _line(e):
    return "  %s  %7d bytes  %.1f s" % (e["file"], e["bytes"], e["seconds"])


def _write_index(out_dir, entries):
    old = _read_index(out_dir) or {}
    merged = {e["key"]: e for e in old.get("entries", []) if isinstance(e, dict) and "key" in e}
    for e in entries:
        merged[e["key"]] = e
    index = {"format": 1, "compiler_version": compiler.compiler_version(),
             "entries": sorted(merged.values(), key=lambda e: e["key"])}
    write_atomic(os.path.join(out_dir, INDEX), (json.dumps(index, indent=1) + "\n").encode())


# --- the command line ------------------------------------------------------------------------


def _list(text, conv, what):
    try:
        return [conv(x) for x in text.split(",") if x != ""]
    except ValueError:
        raise SystemExit("attnc.aot: bad %s list %r" % (what, text))


def _bool(x):
    if x not in ("0", "1", "true", "false"):
        raise ValueError(x)
    return x in ("1", "true")


def _pair(x):
    a, b = x.split(":")
    return int(a), int(b)


def grid_specs(a):
    """Every combination of the grid flags (argparse namespace)."""
    dtypes = _list(a.dtype, str, "--dtype")
    dims = _list(a.head_dim, int, "--head-dim")
    heads = _list(a.heads, _pair, "--heads")
    causal = _list(a.causal, _bool, "--causal")
    lse = _list(a.lse, _bool, "--lse")
    alibi = _list(a.alibi, _bool, "--alibi")
    varlen = _list(a.varlen, _bool, "--varlen")
    windows = _list(a.window, _pair, "--window")
    softcaps = _list(a.softcap, float, "--softcap")
    sinks = _list(getattr(a, "sinks", "0"), _bool, "--sinks")
    specs = []
    for dt, d, (hq, hkv), c, l, al, vl, w, sc, sk in itertools.product(
            dtypes, dims, heads, causal, lse, alibi, varlen, windows, softcaps, sinks):
        specs.append(AttentionSpec(dtype=dt, head_dim=d, num_heads_q=hq, num_heads_kv=hkv,
                                   causal=c, return_lse=l, alibi=al, varlen=vl, window=w,
                                   softcap=sc, sinks=sk))
    return specs


def load_specs(path):
    with open(path) as f:
        data = json.load(f)
    if isinstance(data, dict):
        data = data.get("specs", [])
    if not isinstance(data, list):
        raise SystemExit("attnc.aot: %s: expected a JSON list of specs (or {\"specs\": [...]})"
                         % path)
    return [AttentionSpec.from_dict(d) for d in data]


def main(argv=None):
    p = argparse.ArgumentParser(
        prog="python3 -m attnc.aot", description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="Grid flags take comma-separated values; heads and windows are A:B pairs "
               "(Hq:Hkv, left:right with -1 unbounded).")
    p.add_argument("--out", required=True, help="the bundle directory (created)")
    p.add_argument("--targets", default="cpu", help="comma-separated: sm_90a, gfx942, gfx950, "
                   "cpu (default cpu)")
    p.add_argument("--specs", help="a JSON file of AttentionSpec dicts")
    p.add_argument("--jobs", "-j", type=int, default=None,
                   help="parallel compiles (default os.cpu_count())")
    g = p.add_argument_group("grid (instead of --specs)")
    g.add_argument("--dtype", default="bf16")
    g.add_argument("--head-dim", default="128")
    g.add_argument("--heads", default="32:8")
    g.add_argument("--causal", default="0")
    g.add_argument("--lse", default="0")
    g.add_argument("--alibi", default="0")
    g.add_argument("--varlen", default="0")
    g.add_argument("--window", default="-1:-1")
    g.add_argument("--softcap", default="0")
    g.add_argument("--sinks", default="0")
    a = p.parse_args(argv)
    try:
        specs = load_specs(a.specs) if a.specs else grid_specs(a)
    except (ValueError, TypeError) as e:
        raise SystemExit("attnc.aot: %s" % e)
    targets = _normalize_targets(a.targets)
    from ._errors import AttncError
    try:
        version = compiler.compiler_version()
    except AttncError as e:
        raise SystemExit("attnc.aot: the compiler is not available: %s" % e)
    print("attnc.aot: %d specs for %s with %s -> %s" % (len(specs), ",".join(targets), version,
                                                      a.out), flush=True)
    start = time.monotonic()
    try:
        entries = build(specs, a.out, targets, jobs=a.jobs,
                        log=lambda line: print(line, flush=True))
    except AttncError as e:
        print("attnc.aot: error: %s" % e, file=sys.stderr)
        return 1
    print("attnc.aot: %d bundles in %.1f s; index %s" % (len(entries), time.monotonic() - start,
                                                       os.path.join(a.out, INDEX)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
