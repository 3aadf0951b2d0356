#!/usr/bin/env python3
"""Runs every attn-opt, attn-compile and attnb-dump command README.md shows.

The README documents the tools by example: code spans such as
`--attn-to-rocdl{chip=gfx942}` in a tool's bullet, `attn-compile IN.mlir...
--target=... -o OUT.attnb`, and the first column of the Passes table. A span
that does not work when typed as written is a documentation bug (issue 19:
`attn-opt --attn-to-rocdl{chip=gfx942}` was "not a registered pass"), so this
script extracts them all, turns each into a command line and runs it on
examples/gqa-causal.mlir:

  * a flag span (`--...`) in the attn-opt or attn-compile bullet runs as
    `TOOL EXAMPLE FLAG` (attn-compile: with --target=gfx942 -o TMP);
    `a|b` in a value and `[=x]` expand to one run per alternative;
  * a span that starts with a tool name runs as written, placeholders
    (IN.mlir..., OUT.attnb, FILE, k.hsaco, X, P) replaced;
  * a Passes-table entry `name{k=a|b ...}` runs as `attn-opt --name{...}`
    once per alternative (options written without a value are left out),
    after the passes it needs (attn-online-softmax needs attn-tile, ...).

Every run must exit 0. Prints one line per command; exits 1 if any failed
or if fewer commands than expected were found (a parser that finds nothing
must not pass).

  readme-commands.py --readme README.md --bin build/tools --example examples/gqa-causal.mlir
"""

import argparse
import itertools
import os
import re
import shlex
import subprocess
import sys
import tempfile

TOOLS = ("attn-opt", "attn-compile", "attnb-dump")

# A plain function for upstream passes shown as examples (one-shot-bufferize
# cannot bufferize attn ops; the README shows it as an upstream pass).
UPSTREAM_INPUT = """func.func @f(%t: tensor<4xf32>) -> tensor<4xf32> {
  %c = arith.constant 1 : index
  %e = tensor.extract %t[%c] : tensor<4xf32>
  %0 = tensor.insert %e into %t[%c] : tensor<4xf32>
  return %0 : tensor<4xf32>
}
"""


def spans(text):
    """Inline code spans (`...`) of a piece of Markdown, in order."""
    return [m.group(1) for m in re.finditer(r"`([^`\n]+)`", text)]


def tool_paragraphs(readme):
    """(tool, text) for each top-level bullet of the Tools section and its sub-bullets."""
    m = re.search(r"^## Tools\n(.*?)^## ", readme, re.M | re.S)
    if not m:
        return []
    out, current, lines = [], None, []
    for line in m.group(1).splitlines():
        if line.startswith("- "):
            if current:
                out.append((current, "\n".join(lines)))
            first = spans(line)
            current = first[0].split()[0] if first and first[0].split()[0] in TOOLS else None
            lines = [line]
        else:
            lines.append(line)
    if current:
        out.append((current, "\n".join(lines)))
    return out


def expand_alternatives(flag):
    """`--emit=mlir|llvm|asm` -> three flags; `--report[=json]` -> two;
    `--x-{a,b}-y` -> two (shell brace expansion, as the README means it)."""
    m = re.search(r"\[(=[^\]]*)\]", flag)
    if m:
        return expand_alternatives(flag[:m.start()] + flag[m.end():]) + \
            expand_alternatives(flag[:m.start()] + m.group(1) + flag[m.end():])
    m = re.search(r"\{([^{}=]*,[^{}=]*)\}", flag)
    if m:
        return [x for alt in m.group(1).split(",")
                for x in expand_alternatives(flag[:m.start()] + alt + flag[m.end():])]
    m = re.match(r"(--[\w-]+=)([^{}'\s]*\|[^{}'\s]*)$", flag)
    if m:
        return [m.group(1) + alt for alt in m.group(2).split("|")]
    return [flag]


def prerequisites(readme):
    """What runs before a pass, from the Passes table's pipeline rows: in
    "pipeline: `a`, `b{x=chip}`, `c`, then ...", c needs a and b (chip: the
    row's first chip). A list item that is not a pass breaks the chain."""
    m = re.search(r"^## Passes\n(.*?)(^## |\Z)", readme, re.M | re.S)
    pre = {}
    for line in (m.group(1) if m else "").splitlines():
        row = re.match(r"\|\s*`([^`]+)`\s*\|\s*pipeline:(.*)\|\s*$", line)
        if not row:
            continue
        chip = re.search(r"chip=(\w+)", row.group(1))
        chain = []
        for item in row.group(2).split(","):
            item = item.strip()
            first = re.match(r"`([^`]+)`", item)
            if not first:
                chain = None
                continue
            name = first.group(1).split("{")[0]
            flag = "--" + first.group(1)
            if chip:
                flag = flag.replace("=chip", "=" + chip.group(1))
            if chain is not None:
                pre.setdefault(name, list(chain))
                chain.append(flag)
    return pre


def pass_table_entries(readme):
    """The first column of the Passes table, one attn-opt flag per alternative."""
    m = re.search(r"^## Passes\n(.*?)(^## |\Z)", readme, re.M | re.S)
    flags = []
    for line in (m.group(1) if m else "").splitlines():
        cell = re.match(r"\|\s*`([^`]+)`\s*\|", line)
        if not cell:
            continue
        entry = cell.group(1).replace("\\|", "|")
        name, _, opts = entry.partition("{")
        opts = opts.rstrip("}").split()
        # k=a|b -> alternatives; k= (no value: a signature) -> left out.
        choices = [[o.split("=", 1)[0] + "=" + v for v in o.split("=", 1)[1].split("|")]
                   for o in opts if "=" in o and o.split("=", 1)[1]]
        base = [c[0] for c in choices]
        variants = [base] + [base[:i] + [alt] + base[i + 1:]
                             for i, c in enumerate(choices) for alt in c[1:]]
        for v in variants:
            flags.append((name, "--%s{%s}" % (name, " ".join(v)) if v else "--" + name))
    return flags


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--readme", required=True)
    ap.add_argument("--bin", required=True, help="directory with attn-opt, attn-compile, attnb-dump")
    ap.add_argument("--example", required=True)
    ap.add_argument("--min-commands", type=int, default=40)
    args = ap.parse_args()
    readme = open(args.readme, encoding="utf-8").read()
    tmp = tempfile.mkdtemp(prefix="readme-commands-")
    tool = {t: os.path.join(args.bin, t) for t in TOOLS}
    example = args.example
    bundle = os.path.join(tmp, "out.attnb")

    commands = []  # (what the README says, argv)
    pre = prerequisites(readme)
    upstream = os.path.join(tmp, "upstream.mlir")
    with open(upstream, "w") as f:
        f.write(UPSTREAM_INPUT)

    def opt(args):
        """attn-opt on the example after the passes the first one needs;
        an upstream pass on a plain function."""
        name = re.match(r"--([\w-]+)", args[0]).group(1)
        source = example if name.startswith(("attn-", "pass-pipeline", "mlir-")) or \
            not re.match(r"[a-z]", name) or name in ("split-input-file", "verify-diagnostics") \
            else upstream
        return [tool["attn-opt"], source, *pre.get(name, ()), *args, "-o",
                os.path.join(tmp, "opt.mlir")]

    def compile_(flags):
        return [tool["attn-compile"], example, "--target=gfx942", "-o",
                os.path.join(tmp, "compiled")] + flags

    placeholders = {"IN.mlir...": example, "OUT.attnb": bundle, "FILE": os.path.join(tmp, "file"),
                    "k.hsaco": os.path.join(tmp, "k.hsaco"), "X": "gfx942",
                    "P": "attn-to-rocdl{chip=gfx942}", "[input|-]": example, "[-o": "-o",
                    "out]": os.path.join(tmp, "out.mlir")}

    def as_written(span):
        """A span that starts with a tool name, run as written (placeholders
        replaced; an attn-compile fragment gets the example and -o)."""
        words = [placeholders.get(w, w) for w in shlex.split(span)]
        argv = [tool[words[0]]] + words[1:]
        if words[0] == "attn-compile":
            if not any(w.endswith(".mlir") for w in words):
                argv.insert(1, example)
            if "-o" not in words:
                argv += ["-o", os.path.join(tmp, "fragment")]
        return argv

    # Spans anywhere that start with a tool name and an argument.
    for span in spans(readme):
        words = span.split()
        if len(words) > 1 and words[0] in TOOLS and words[0] != "attnb-dump":
            commands.append((span, as_written(span)))
    for name, text in tool_paragraphs(readme):
        for span in spans(text):
            if not span.startswith("--"):
                continue
            for flag in expand_alternatives(span):
                if name == "attn-opt":
                    flag = flag.replace("builtin.module(...)", "builtin.module(attn-gqa-map)")
                    commands.append((span, opt(shlex.split(flag))))
                elif name == "attn-compile":
                    if flag.startswith("--extract="):  # attnb-dump's flag, in this bullet
                        continue
                    value = flag.split("=", 1)[1] if "=" in flag else ""
                    if flag.startswith("--pipeline=") and value == "none":
                        # 'none': the input is already lowered (by --emit=mlir).
                        lowered = os.path.join(tmp, "lowered.mlir")
                        commands.append(("(input for --pipeline=none)",
                                         [tool["attn-compile"], example, "--target=gfx942",
                                          "--emit=mlir", "-o", lowered]))
                        commands.append((span, [tool["attn-compile"], lowered, "--target=gfx942",
                                                "--pipeline=none", "-o", bundle + ".none"]))
                        continue
                    if "=" in flag:
                        flag = flag.split("=", 1)[0] + "=" + placeholders.get(value, value)
                    commands.append((span, compile_([flag])))
    # attnb-dump: its extract example, on the bundle built above.
    if "`--extract=gfx942 -o k.hsaco`" in readme:
        commands.append(("--extract=gfx942 -o k.hsaco",
                         [tool["attnb-dump"], bundle, "--extract=gfx942", "-o",
                          placeholders["k.hsaco"]]))
    for name, flag in pass_table_entries(readme):
        commands.append(("Passes: " + flag, opt([flag])))

    # Runs in README order, except that commands reading the bundle come after
    # the one that writes it.
    commands.sort(key=lambda c: bundle in c[1][1:2])
    failures = 0
    for what, argv in commands:
        p = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=300)
        ok = p.returncode == 0
        failures += not ok
        print("%s  %-45s  %s" % ("ok  " if ok else "FAIL", what, shlex.join(argv)))
        if not ok:
            sys.stdout.write(p.stderr.decode(errors="replace")[-2000:])
    print("%d commands, %d failed" % (len(commands), failures))
    if len(commands) < args.min_commands:
        print("error: only %d commands found in %s (expected at least %d)"
              % (len(commands), args.readme, args.min_commands))
        return 1
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
