#!/usr/bin/env python3
"""Mutation fuzzer for attn-opt.

attn-opt must never crash or hang, whatever it is fed: on malformed,
truncated, binary or empty input it exits 0 or 1 and explains itself with a
located diagnostic. This script mutates seed inputs (MLIR text and bytecode),
runs attn-opt on them under several pass configurations and reports every run
that breaks that contract:

  * killed by a signal, or an exit code other than 0 and 1;
  * no exit within --timeout seconds;
  * "LLVM ERROR", "PLEASE submit a bug report", "Assertion ... failed",
    "Stack dump", or sanitizer (ASan, LSan, UBSan) reports in the output;
  * exit code 1 without any error diagnostic.

Every run derives its own random generator from (--seed, run index), so a
failure is reproduced by the same --seed, or directly from the saved input
and command line (see --save-crashes). Standard library only.

  fuzz-attn-opt.py --attn-opt build/tools/attn-opt --runs 5000 --jobs 8 \\
      --save-crashes /tmp/crashes

A saved failure is shrunk (lines, then bytes, while it fails the same way):

  fuzz-attn-opt.py --attn-opt build/tools/attn-opt --config='--attn-tile' \\
      --minimize /tmp/crashes/crash-0123456789ab.mlir

Sanitizer builds (-fsanitize=address,undefined) are fuzzed the same way; their
reports count as failures, leaks included (ASAN_OPTIONS=detect_leaks=1 is the
default here).
"""

import argparse
import concurrent.futures
import hashlib
import os
import random
import re
import shlex
import signal
import subprocess
import sys
import tempfile
import threading
import time

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# Pass configurations exercised by default, one attn-opt command line each
# ("" = parse and print).
DEFAULT_CONFIGS = [
    "",
    "--attn-lower-reference",
    "--attn-to-cpu-reference",
    "--split-input-file --verify-diagnostics",
    "--mlir-print-op-generic",
    "--attn-gqa-map --attn-tile",
    "--attn-gqa-map --attn-tile --attn-online-softmax --attn-lower-cpu",
    "--attn-to-cpu",
]

# Seeds that are always available, even without a corpus directory.
BUILTIN_SEEDS = [
    b"""func.func @mha(%q: tensor<2x8x16x64xf16>, %k: tensor<2x2x16x64xf16>, %v: tensor<2x2x16x64xf16>) -> tensor<2x8x16x64xf16> {
  %o = attn.mha %q, %k, %v {causal, window_left = 4 : i64} : (tensor<2x8x16x64xf16>, tensor<2x2x16x64xf16>, tensor<2x2x16x64xf16>) -> tensor<2x8x16x64xf16>
  return %o : tensor<2x8x16x64xf16>
}
""",
    b"""func.func @mha_lse(%q: tensor<?x4x?x32xbf16>, %k: tensor<?x1x?x32xbf16>, %v: tensor<?x1x?x16xbf16>, %s: tensor<4xf32>) -> (tensor<?x4x?x16xbf16>, tensor<?x4x?xf32>) {
  %o, %l = attn.mha %q, %k, %v alibi(%s) {scale = 0.25 : f32, softcap = 50.0 : f32, window_right = 0 : i64} : (tensor<?x4x?x32xbf16>, tensor<?x1x?x32xbf16>, tensor<?x1x?x16xbf16>, tensor<4xf32>) -> (tensor<?x4x?x16xbf16>, tensor<?x4x?xf32>)
  return %o, %l : tensor<?x4x?x16xbf16>, tensor<?x4x?xf32>
}
""",
    b""""builtin.module"() ({
  "func.func"() <{function_type = (tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32>, sym_name = "g"}> ({
  ^bb0(%arg0: tensor<1x2x8x16xf32>, %arg1: tensor<1x2x8x16xf32>):
    %0 = "attn.mha"(%arg0, %arg1, %arg1) <{operandSegmentSizes = array<i32: 1, 1, 1, 0, 0, 0, 0, 0, 0>, causal, scale = 1.250000e-01 : f32, window_left = 3 : i64}> : (tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32>
    "func.return"(%0) : (tensor<1x2x8x16xf32>) -> ()
  }) : () -> ()
}) : () -> ()
""",
    b"""func.func @varlen(%q: tensor<40x8x64xf16>, %k: tensor<50x2x64xf16>, %v: tensor<50x2x64xf16>, %cq: tensor<4xi32>, %ck: tensor<4xi32>) -> (tensor<40x8x64xf16>, tensor<8x40xf32>) {
  %o, %l = attn.mha_varlen %q, %k, %v, %cq, %ck {causal} : (tensor<40x8x64xf16>, tensor<50x2x64xf16>, tensor<50x2x64xf16>, tensor<4xi32>, tensor<4xi32>) -> (tensor<40x8x64xf16>, tensor<8x40xf32>)
  return %o, %l : tensor<40x8x64xf16>, tensor<8x40xf32>
}
""",
    b""""builtin.module"() ({
  "func.func"() <{function_type = (tensor<?x2x8xf16>, tensor<?xi32>, tensor<2xf32>) -> tensor<?x2x8xf16>, sym_name = "varlen_generic"}> ({
  ^bb0(%arg0: tensor<?x2x8xf16>, %arg1: tensor<?xi32>, %arg2: tensor<2xf32>):
    %0 = "attn.mha_varlen"(%arg0, %arg0, %arg0, %arg1, %arg1, %arg2) <{operandSegmentSizes = array<i32: 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0>, softcap = 3.000000e+01 : f32, window_right = 1 : i64}> : (tensor<?x2x8xf16>, tensor<?x2x8xf16>, tensor<?x2x8xf16>, tensor<?xi32>, tensor<?xi32>, tensor<2xf32>) -> tensor<?x2x8xf16>
    "func.return"(%0) : (tensor<?x2x8xf16>) -> ()
  }) : () -> ()
}) : () -> ()
""",
    b"""// expected-error@+2 {{'q' must have rank 4}}
func.func @bad(%q: tensor<8x16x64xf16>, %k: tensor<2x2x16x64xf16>) -> tensor<2x8x16x64xf16> {
  %o = attn.mha %q, %k, %k : (tensor<8x16x64xf16>, tensor<2x2x16x64xf16>, tensor<2x2x16x64xf16>) -> tensor<2x8x16x64xf16>
  return %o : tensor<2x8x16x64xf16>
}

// -----

func.func @parse(%q: tensor<1x1x4x8xf32>) {
  // expected-error@+1 {{expected ','}}
  %o = attn.mha %q %q, %q : (tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>) -> tensor<1x1x4x8xf32>
  return
}
""",
]

BYTECODE_MAGIC = b"ML\xefR"

# What a failing run prints. Anchored where possible so that diagnostics
# quoting the (mutated) input do not match.
FAILURE_PATTERNS = [
    (re.compile(rb"^LLVM ERROR", re.M), "LLVM ERROR"),
    (re.compile(rb"^PLEASE submit a bug report", re.M), "crash report"),
    (re.compile(rb"Assertion `.*' failed", re.M), "assertion"),
    (re.compile(rb"^Assertion", re.M), "assertion"),
    (re.compile(rb"^Stack dump", re.M), "stack dump"),
    (re.compile(rb"^==\d+==\s*ERROR: \w+Sanitizer", re.M), "sanitizer"),
    (re.compile(rb"^\w+Sanitizer:DEADLYSIGNAL", re.M), "sanitizer"),
    (re.compile(rb"^SUMMARY: \w+Sanitizer", re.M), "sanitizer"),
    (re.compile(rb": runtime error: ", re.M), "UBSan"),
]

# A diagnostic: "file:line[:col]: error: ..." (MLIR names the buffer of an
# attribute parsed from a string, as in bytecode, after its text, so "file" can
# be anything) or the tool's own "attn-opt: error:" (usage and I/O errors).
# Exit code 1 needs at least one.
ERROR_DIAG = re.compile(rb"^([^\n]*?:\d+(:\d+)?: error: |attn-opt: error: |error: )", re.M)

# --- mutations -------------------------------------------------------------

INTERESTING_NUMBERS = [
    b"0", b"-1", b"1", b"2", b"-0", b"9223372036854775807", b"-9223372036854775808",
    b"9223372036854775808", b"18446744073709551615", b"18446744073709551616",
    b"4294967295", b"4294967296", b"2147483647", b"2147483648", b"-2147483649",
    b"65535", b"65536", b"16777216", b"1000000000000", b"99999999999999999999999999999",
    b"1e309", b"-1e309", b"1.0e-46", b"0x7FC00000", b"0xFFFFFFFFFFFFFFFF", b"0x", b"1e",
    b"3.4028235e38", b"nan", b"inf", b"0.0", b"-0.0",
]

TYPES = [
    b"f16", b"bf16", b"f32", b"f64", b"i32", b"i64", b"i8", b"i1", b"index", b"si32",
    b"ui8", b"f8E4M3FN", b"tf32", b"i0", b"i16777215", b"complex<f32>", b"none",
    b"tensor<*xf32>", b"tensor<?xi32>", b"memref<4xf32>", b"vector<4xf16>",
    b"!llvm.ptr", b"tuple<>", b"f4E2M1FN",
]
TYPE_RE = re.compile(rb"\b(?:bf16|f16|f32|f64|i1|i8|i32|i64|index)\b")

TOKENS = [b">", b"<", b"}", b"{", b")", b"(", b",", b"?", b"x", b":", b"%", b"^", b"\"",
          b"[", b"]", b"=", b"->", b"@", b"#", b"!", b"*", b"-", b"//", b"\n", b" "]

NUMBER_RE = re.compile(rb"-?\b\d+(?:\.\d+)?(?:e[+-]?\d+)?\b")
DIMS_RE = re.compile(rb"(?<=<)(?:(?:\d+|\?)x)+")

# Inserted whole: keywords, attributes and constructs the parser treats specially.
DICTIONARY = [
    b"attn.mha", b"attn.mha_varlen", b"\"attn.mha\"", b"\"attn.mha_varlen\"", b"attn.",
    b"alibi(%s)", b"alibi(", b"{causal}", b"causal", b"scale = 0.0 : f32", b"scale = 1.0 : f64",
    b"softcap = -1.0 : f32", b"window_left = -9223372036854775808 : i64",
    b"window_right = 9223372036854775807 : i64", b"window_left = 1 : i32", b"causal = 1 : i64",
    b"<{causal}>", b"<{scale = \"x\"}>", b"<{}>", b"{}",
    b"tensor<", b"tensor<*xf16>", b"tensor<0x0x0x0xf16>", b"tensor<?x?x?x?xf32>",
    b"tensor<9223372036854775807x1x1x1xf32>", b"tensor<1x1x1x1xf32, #enc>",
    b"memref<?xf32>", b"vector<", b"func.func", b"func.return", b"return", b"module {",
    b"builtin.module", b"\"builtin.module\"() ({", b"}) : () -> ()", b"^bb0:", b"^bb1(%x: i32):",
    b"cf.br ^bb1", b"%0:2 = ", b"%0#1", b"%x", b"%", b"@f", b"dense<", b"dense<1.0>",
    b"dense<[1, 2]>", b"dense<\"0xDEADBEEF\">", b"dense_resource<blob1>", b"dense_resource<",
    b"affine_map<(d0) -> (d0)>", b"affine_map<(d0)[s0] -> (d0 floordiv s0)>",
    b"strided<[?, 1], offset: ?>", b"array<i64: 1, 2>", b"#loc = loc(\"f\":1:1)", b"loc(",
    b"loc(unknown)", b"loc(fused[", b"loc(callsite(", b"#map = ", b"!t = ", b"!t", b"#t",
    b"distinct[0]<>", b"unit", b"\"\\\"", b"\"\\x\"", b"\"\\00\"",
    b"{-# dialect_resources: { builtin: { blob1: \"0x04000000ff\" } } #-}",
    b"{-# external_resources: { } #-}", b"{-#", b"#-}",
    b"// -----\n", b"// expected-error@+1 {{x}}\n", b"// expected-error@-1 {{\n",
    b"// expected-error@above {{expected}}\n", b"// expected-error@below {{}}\n",
    b"// expected-note@+99999999999 {{x}}\n", b"// expected-remark {{", b"}}", b"{{",
    b"\x00", b"\xff", b"\xef\xbb\xbf", b"\t", b"\r\n", b"\\", b"0x", b"1e999", b"-nan",
]

# Openers for nesting: deep recursion in MLIR's recursive-descent parser,
# printer and walkers.
NEST_OPEN = [b"(", b"[", b"{", b"tensor<", b"tuple<", b"[[", b"-", b"affine_map<(d0) -> (",
             b"\"scf.execute_region\"() ({\n", b"module {\n", b"loc(callsite(", b"!llvm.struct<("]


def _pos(rng, data):
    return rng.randint(0, len(data))


def _occurrence(rng, data, pattern):
    """A random (start, end) match of a regex or literal in data, or None."""
    if isinstance(pattern, re.Pattern):
        matches = [m.span() for m in pattern.finditer(data)]
    else:
        matches, start = [], data.find(pattern)
        while start != -1 and len(matches) < 4096:
            matches.append((start, start + len(pattern)))
            start = data.find(pattern, start + 1)
    return rng.choice(matches) if matches else None


def m_flip(rng, data, _seeds):
    if not data:
        return data, "flip(empty)"
    b = bytearray(data)
    n = rng.choice([1, 1, 2, 4, 8])
    for _ in range(n):
        i = rng.randrange(len(b))
        b[i] ^= 1 << rng.randrange(8) if rng.random() < 0.7 else rng.randrange(1, 256)
    return bytes(b), "flip x%d" % n


def m_insert_bytes(rng, data, _seeds):
    n = rng.choice([1, 1, 2, 4, 16])
    blob = bytes(rng.randrange(256) for _ in range(n))
    p = _pos(rng, data)
    return data[:p] + blob + data[p:], "insert %d bytes @%d" % (n, p)


def m_delete_bytes(rng, data, _seeds):
    if not data:
        return data, "delete(empty)"
    p = rng.randrange(len(data))
    n = rng.choice([1, 1, 2, 8, 64])
    return data[:p] + data[p + n:], "delete %d bytes @%d" % (n, p)


def m_truncate(rng, data, _seeds):
    p = _pos(rng, data)
    return data[:p], "truncate @%d" % p


def _lines(data):
    return data.split(b"\n")


def m_lines(rng, data, _seeds):
    lines = _lines(data)
    i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
    op = rng.choice(["dup", "del", "swap", "move"])
    if op == "dup":
        lines.insert(i, lines[i])
    elif op == "del":
        del lines[i]
    elif op == "swap":
        lines[i], lines[j] = lines[j], lines[i]
    else:
        lines.insert(j, lines.pop(i))
    return b"\n".join(lines), "line %s %d %d" % (op, i, j)


def m_number(rng, data, _seeds):
    span = _occurrence(rng, data, NUMBER_RE)
    if not span:
        return data, "number(none)"
    new = rng.choice(INTERESTING_NUMBERS)
    return data[:span[0]] + new + data[span[1]:], "number %s @%d" % (new.decode(), span[0])


def m_dims(rng, data, _seeds):
    """Rewrites the shape of one tensor/memref/vector type."""
    span = _occurrence(rng, data, DIMS_RE)
    if not span:
        return data, "dims(none)"
    dims = data[span[0]:span[1]].split(b"x")[:-1]
    op = rng.choice(["huge", "zero", "dynamic", "rank+", "rank-", "shuffle"])
    if op == "huge" and dims:
        dims[rng.randrange(len(dims))] = rng.choice([b"9223372036854775807", b"4611686018427387904",
                                                     b"2147483648", b"100000000000"])
    elif op == "zero" and dims:
        dims[rng.randrange(len(dims))] = b"0"
    elif op == "dynamic" and dims:
        dims[rng.randrange(len(dims))] = b"?"
    elif op == "rank+":
        dims.insert(rng.randint(0, len(dims)), rng.choice([b"1", b"?", b"3"]))
    elif op == "rank-" and dims:
        del dims[rng.randrange(len(dims))]
    else:
        rng.shuffle(dims)
    new = b"".join(d + b"x" for d in dims)
    return data[:span[0]] + new + data[span[1]:], "dims %s @%d" % (op, span[0])


def m_type(rng, data, _seeds):
    span = _occurrence(rng, data, TYPE_RE)
    if not span:
        return data, "type(none)"
    new = rng.choice(TYPES)
    if rng.random() < 0.3:  # every occurrence of that type at once
        old = data[span[0]:span[1]]
        return re.sub(rb"\b" + re.escape(old) + rb"\b", new, data), "type all %s->%s" % (
            old.decode(), new.decode())
    return data[:span[0]] + new + data[span[1]:], "type %s @%d" % (new.decode(), span[0])


def m_token(rng, data, _seeds):
    tok = rng.choice(TOKENS)
    span = _occurrence(rng, data, tok)
    if not span:
        return data[:0] + tok + data, "token prepend %r" % tok
    op = rng.choice(["del", "dup", "replace"])
    if op == "del":
        new = b""
    elif op == "dup":
        new = tok * rng.choice([2, 2, 3, 10])
    else:
        new = rng.choice(TOKENS)
    return data[:span[0]] + new + data[span[1]:], "token %s %r @%d" % (op, tok, span[0])


def m_dictionary(rng, data, _seeds):
    word = rng.choice(DICTIONARY)
    if rng.random() < 0.5:  # at a token boundary
        spaces = [m.start() for m in re.finditer(rb"[ \n(,<{]", data)]
        p = rng.choice(spaces) + 1 if spaces else 0
    else:
        p = _pos(rng, data)
    return data[:p] + word + data[p:], "insert %r @%d" % (word, p)


def m_splice(rng, data, seeds):
    other = rng.choice(seeds)
    a, b = _pos(rng, data), _pos(rng, other)
    if rng.random() < 0.5:
        return data[:a] + other[b:], "splice @%d+other@%d" % (a, b)
    lines, olines = _lines(data), _lines(other)
    i, j = rng.randrange(len(lines)), rng.randrange(len(olines))
    k = rng.randint(j, min(len(olines), j + 8))
    return b"\n".join(lines[:i] + olines[j:k] + lines[i:]), "splice lines %d<-%d:%d" % (i, j, k)


def m_repeat(rng, data, _seeds):
    """Repeats a piece of the input (or a nesting opener) many times: long
    inputs, many chunks, deep nesting."""
    n = rng.choice([10, 100, 1000, 10000, 100000])
    if rng.random() < 0.5 or not data:
        piece = rng.choice(NEST_OPEN)
    else:
        p = rng.randrange(len(data))
        piece = data[p:p + rng.choice([1, 2, 8, 40])]
    p = _pos(rng, data)
    return data[:p] + piece * n + data[p:], "repeat %r x%d @%d" % (piece[:20], n, p)


ATTN_ATTR_VALUES = {
    b"scale": [b"0.0 : f32", b"-1.0 : f32", b"1.0e+38 : f32", b"0x7F800000 : f32", b"1.0 : f64",
               b"2 : i64", b"\"s\"", b"unit"],
    b"softcap": [b"1.0e-30 : f32", b"0x7FC00000 : f32", b"3.0e38 : f32", b"-0.0 : f32", b"4"],
    b"window_left": [b"0 : i64", b"9223372036854775807 : i64", b"-9223372036854775808 : i64",
                     b"1 : i32", b"1 : index", b"1.0 : f32"],
    b"window_right": [b"0 : i64", b"9223372036854775807 : i64", b"-1 : i64", b"4294967296 : i64"],
    b"causal": [None, b"unit", b"true", b"1 : i64"],
    b"operandSegmentSizes": [b"array<i32: 1, 1, 1, 0>", b"array<i32: -1>"],
    b"unknown": [b"1 : i64"],
}
ATTN_OP_RE = re.compile(rb"(attn\.mha(?:_varlen)?\b[^\n]*?)(<?\{[^{}\n]*\}>?)?( : )")


def m_attn_attrs(rng, data, _seeds):
    """Gives one attn op a random attribute dictionary (custom syntax) or
    property dictionary (generic syntax), with values at and past the edges."""
    span = _occurrence(rng, data, ATTN_OP_RE)
    if not span:
        return data, "attn-attrs(none)"
    m = ATTN_OP_RE.match(data, span[0])
    if not m:
        return data, "attn-attrs(none)"
    entries = []
    for name in rng.sample(sorted(ATTN_ATTR_VALUES), rng.randint(0, 4)):
        value = rng.choice(ATTN_ATTR_VALUES[name])
        entries.append(name if value is None else name + b" = " + value)
    generic = m.group(1).startswith(b"attn.mha\"") or data[max(0, span[0] - 1):span[0]] == b"\""
    body = b"{" + b", ".join(entries) + b"}"
    if generic or rng.random() < 0.2:
        body = b"<" + body + b">"
    new = m.group(1) + b" " + body + m.group(3)
    return data[:m.start()] + new + data[m.end():], "attn-attrs %r @%d" % (body[:60], span[0])


MUTATORS = [
    (m_flip, 8), (m_insert_bytes, 4), (m_delete_bytes, 6), (m_truncate, 4), (m_lines, 6),
    (m_number, 8), (m_dims, 6), (m_type, 6), (m_token, 10), (m_dictionary, 8),
    (m_splice, 4), (m_repeat, 1), (m_attn_attrs, 6),
]
_MUTATOR_FUNCS = [m for m, _ in MUTATORS]
_MUTATOR_WEIGHTS = [w for _, w in MUTATORS]


def generate(rng, seeds):
    """One fuzz input and a description of how it was made."""
    r = rng.random()
    if r < 0.01:
        return b"", "empty"
    if r < 0.04:
        n = rng.choice([1, 4, 16, 256, 4096])
        return bytes(rng.randrange(256) for _ in range(n)), "random blob %d" % n
    if r < 0.07:
        tail = bytes(rng.randrange(256) for _ in range(rng.choice([0, 1, 2, 8, 64, 512])))
        if rng.random() < 0.5:  # a plausible header: version, producer
            tail = bytes([rng.randrange(8)]) + b"MLIR22.1.8\x00" + tail
        return BYTECODE_MAGIC + tail, "bytecode magic + %d bytes" % len(tail)
    seed = rng.choice(seeds)
    data, steps = seed, []
    count = 1 + min(int(rng.expovariate(0.7)), 7)
    binary = data.startswith(BYTECODE_MAGIC)
    for _ in range(count):
        if binary and rng.random() < 0.8:  # bytecode: mostly byte-level damage
            mut = rng.choice([m_flip, m_flip, m_insert_bytes, m_delete_bytes, m_truncate, m_number])
        else:
            mut = rng.choices(_MUTATOR_FUNCS, _MUTATOR_WEIGHTS)[0]
        data, what = mut(rng, data, seeds)
        steps.append(what)
    return data, "seed#%d: %s" % (seeds.index(seed), "; ".join(steps))


# --- running -----------------------------------------------------------------


def load_seeds(paths):
    seeds, names = [], []
    for path in paths:
        files = []
        if os.path.isdir(path):
            for root, dirs, fnames in os.walk(path):
                dirs[:] = sorted(d for d in dirs if d != "Output")
                files += [os.path.join(root, f) for f in sorted(fnames)
                          if f.endswith((".mlir", ".mlirbc"))]
        elif os.path.isfile(path):
            files.append(path)
        else:
            sys.exit("fuzz-attn-opt: error: no such corpus file or directory: %s" % path)
        for f in files:
            with open(f, "rb") as fh:
                data = fh.read()
            if len(data) <= 1 << 20 and data not in seeds:
                seeds.append(data)
                names.append(f)
    return seeds, names


def classify(proc_rc, out, err, timed_out):
    """The reason a run failed, or None."""
    if timed_out:
        return "timeout"
    if proc_rc < 0:
        try:
            return "signal %s" % signal.Signals(-proc_rc).name
        except ValueError:
            return "signal %d" % -proc_rc
    for pattern, what in FAILURE_PATTERNS:
        if pattern.search(err) or pattern.search(out):
            return what
    if proc_rc not in (0, 1):
        return "exit code %d" % proc_rc
    if proc_rc == 1 and not ERROR_DIAG.search(err):
        return "exit 1 without an error diagnostic"
    return None


def run_attn_opt(attn_opt, config, data, path, via_stdin, timeout):
    """Runs attn-opt on data (written to path, or fed on stdin); returns
    (failure or None, exit code, stderr, seconds)."""
    with open(path, "wb") as fh:
        fh.write(data)
    argv = [attn_opt] + shlex.split(config) + ["-" if via_stdin else path]
    env = dict(os.environ)
    # Sanitizer builds: report leaks, and UB with a stack trace.
    env.setdefault("ASAN_OPTIONS", "detect_leaks=1")
    env.setdefault("UBSAN_OPTIONS", "print_stacktrace=1")
    timed_out = False
    start = time.monotonic()
    try:
        proc = subprocess.run(argv, input=data if via_stdin else None,
                              stdin=None if via_stdin else subprocess.DEVNULL,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              timeout=timeout, env=env)
        rc, out, err = proc.returncode, proc.stdout, proc.stderr
    except subprocess.TimeoutExpired as e:
        timed_out, rc = True, -9
        out, err = e.stdout or b"", e.stderr or b""
    except OSError as e:  # not attn-opt's fault, but no run either
        return "cannot run %s: %s" % (attn_opt, e), 0, b"", 0.0
    elapsed = time.monotonic() - start
    return classify(rc, out, err, timed_out), rc, err, elapsed


def minimize(args, config, data, max_runs):
    """Delta-debugging by deletion: drops lines, then bytes, as long as
    attn-opt still fails the same way. Returns the smallest input found."""
    tmp = tempfile.mkdtemp(prefix="fuzz-attn-opt-min-")
    path = os.path.join(tmp, "input.mlirbc" if data.startswith(BYTECODE_MAGIC) else "input.mlir")
    runs = [0]

    def fails(candidate):
        runs[0] += 1
        return run_attn_opt(args.attn_opt, config, candidate, path, False, args.timeout)[0]

    target = fails(data)
    if not target:
        sys.exit("fuzz-attn-opt: error: the input does not fail under [%s]" % config)
    print("minimizing a '%s' failure of %d bytes" % (target, len(data)), flush=True)
    for unit in ("lines", "bytes"):
        pieces = data.split(b"\n") if unit == "lines" else [bytes([b]) for b in data]
        join = (lambda ps: b"\n".join(ps)) if unit == "lines" else b"".join
        chunk = max(1, len(pieces) // 2)
        while chunk >= 1 and runs[0] < max_runs:
            i = 0
            while i < len(pieces) and runs[0] < max_runs:
                candidate = pieces[:i] + pieces[i + chunk:]
                if fails(join(candidate)) == target:
                    pieces = candidate
                else:
                    i += chunk
            chunk //= 2
        data = join(pieces)
        print("  after %s: %d bytes (%d runs)" % (unit, len(data), runs[0]), flush=True)
    os.unlink(path)
    os.rmdir(tmp)
    return data, target


class Fuzzer:
    def __init__(self, args, seeds, configs):
        self.args = args
        self.seeds = seeds
        self.configs = configs
        self.lock = threading.Lock()
        self.failures = []
        self.stats = {c: [0, 0, 0] for c in configs}  # exit 0, exit 1, failed
        self.tmp = tempfile.mkdtemp(prefix="fuzz-attn-opt-")
        self.done = 0

    def one(self, index):
        rng = random.Random("%d:%d" % (self.args.seed, index))
        data, how = generate(rng, self.seeds)
        config = self.configs[index % len(self.configs)]
        via_stdin = rng.random() < 0.15
        suffix = ".mlirbc" if data.startswith(BYTECODE_MAGIC) else ".mlir"
        path = os.path.join(self.tmp, "input-%d%s" % (index, suffix))
        why, rc, err, elapsed = run_attn_opt(self.args.attn_opt, config, data, path, via_stdin,
                                             self.args.timeout)
        with self.lock:
            self.done += 1
            s = self.stats[config]
            if why:
                s[2] += 1
                self.record(index, data, how, config, via_stdin, why, rc, err, elapsed)
            else:
                s[0 if rc == 0 else 1] += 1
            if self.args.verbose:
                print("run %d [%s] rc=%d %.2fs %s" % (index, config or "(none)", rc, elapsed,
                                                      how), flush=True)
            elif self.done % 500 == 0:
                print("  %d/%d runs, %d failures" % (self.done, self.args.runs,
                                                     len(self.failures)), flush=True)
        os.unlink(path)

    def record(self, index, data, how, config, via_stdin, why, rc, err, elapsed):
        digest = hashlib.sha1(data).hexdigest()[:12]
        entry = {"index": index, "why": why, "config": config, "how": how, "rc": rc,
                 "elapsed": elapsed, "digest": digest, "stdin": via_stdin, "saved": None,
                 "stderr": err[-4000:].decode("utf-8", "replace")}
        if self.args.save_crashes:
            os.makedirs(self.args.save_crashes, exist_ok=True)
            ext = ".mlirbc" if data.startswith(BYTECODE_MAGIC) else ".mlir"
            base = os.path.join(self.args.save_crashes, "crash-%s" % digest)
            with open(base + ext, "wb") as fh:
                fh.write(data)
            cmd = " ".join(shlex.quote(a) for a in
                           [self.args.attn_opt] + shlex.split(config) + [base + ext])
            with open(base + ".txt", "w") as fh:
                fh.write("failure: %s (exit %d, %.2fs)\nreproduce: %s%s\n"
                         "seed: %d run: %d\nmutation: %s\n\n--- stderr (tail) ---\n%s" % (
                             why, rc, elapsed, cmd, " < (stdin)" if via_stdin else "",
                             self.args.seed, index, how, entry["stderr"]))
            entry["saved"] = base + ext
        self.failures.append(entry)
        print("FAIL run %d: %s [%s] %s" % (index, why, config or "(none)", how), flush=True)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--attn-opt", default="attn-opt", help="attn-opt binary (default: from PATH)")
    p.add_argument("--corpus", nargs="+", metavar="DIR",
                   help="seed .mlir/.mlirbc files or directories "
                        "(default: every .mlir under the repository's test/, test/fuzz/corpus)")
    p.add_argument("--no-builtin-seeds", action="store_true",
                   help="use only the corpus, not the seeds built into this script")
    p.add_argument("--runs", type=int, default=1000, help="number of runs (default 1000)")
    p.add_argument("--seed", type=int, default=None, help="random seed (default: fresh, printed)")
    p.add_argument("--timeout", type=float, default=10.0, help="seconds per run (default 10)")
    p.add_argument("--jobs", "-j", type=int, default=os.cpu_count() or 1,
                   help="parallel runs (default: CPU count)")
    p.add_argument("--save-crashes", metavar="DIR",
                   help="write each failing input (crash-<sha1>.mlir[bc]) and a .txt with the "
                        "command line, mutation and stderr")
    p.add_argument("--config", action="append", metavar="ARGS",
                   help="attn-opt arguments of one configuration, repeatable, written "
                        "--config='--flag ...'; 'none' for no arguments (default: %s)" % ", ".join(repr(c or "none")
                                                               for c in DEFAULT_CONFIGS))
    p.add_argument("--max-failures", type=int, default=0,
                   help="stop after this many failures (default 0: run them all)")
    p.add_argument("--verbose", "-v", action="store_true", help="print every run")
    p.add_argument("--minimize", metavar="FILE",
                   help="instead of fuzzing, shrink FILE while attn-opt keeps failing the same "
                        "way under the (first) --config; writes FILE.min")
    p.add_argument("--minimize-runs", type=int, default=3000,
                   help="attn-opt runs --minimize may spend (default 3000)")
    args = p.parse_args()

    try:
        subprocess.run([args.attn_opt, "--version"], stdout=subprocess.DEVNULL, check=True,
                       timeout=60)
    except (OSError, subprocess.SubprocessError) as e:
        sys.exit("fuzz-attn-opt: error: cannot run '%s --version': %s" % (args.attn_opt, e))

    if args.minimize:
        with open(args.minimize, "rb") as fh:
            data = fh.read()
        config = args.config[0] if args.config else ""
        config = "" if config.strip() == "none" else config
        small, why = minimize(args, config, data, args.minimize_runs)
        with open(args.minimize + ".min", "wb") as fh:
            fh.write(small)
        print("%s.min: %d bytes, still '%s' under [%s]" % (args.minimize, len(small), why,
                                                           config or "none"))
        return 0

    if args.seed is None:
        args.seed = int.from_bytes(os.urandom(4), "little")
    configs = [("" if c.strip() == "none" else c) for c in (args.config or DEFAULT_CONFIGS)]
    corpus = args.corpus or [os.path.join(REPO, "test")]
    seeds, names = load_seeds(corpus)
    if not args.no_builtin_seeds:
        seeds += [s for s in BUILTIN_SEEDS if s not in seeds]
    if not seeds:
        sys.exit("fuzz-attn-opt: error: no seeds")

    print("fuzz-attn-opt: seed %d, %d runs, %d seeds (%d files), %d configs, %d jobs" % (
        args.seed, args.runs, len(seeds), len(names), len(configs), args.jobs), flush=True)
    print("fuzz-attn-opt: reproduce with --seed %d --runs %d" % (args.seed, args.runs), flush=True)

    fuzzer = Fuzzer(args, seeds, configs)
    start = time.monotonic()
    try:
        with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
            pending = set()
            for index in range(args.runs):
                if args.max_failures and len(fuzzer.failures) >= args.max_failures:
                    break
                pending.add(pool.submit(fuzzer.one, index))
                if len(pending) >= 4 * args.jobs:
                    finished, pending = concurrent.futures.wait(
                        pending, return_when=concurrent.futures.FIRST_COMPLETED)
                    for f in finished:
                        f.result()
            for f in concurrent.futures.as_completed(pending):
                f.result()
    finally:
        try:
            os.rmdir(fuzzer.tmp)
        except OSError:
            pass

    elapsed = time.monotonic() - start
    print("\nfuzz-attn-opt: %d runs in %.1fs (seed %d)" % (fuzzer.done, elapsed, args.seed))
    for config in configs:
        ok, err, bad = fuzzer.stats[config]
        print("  %-45s exit 0: %5d  exit 1: %5d  FAILED: %d" % (config or "(none)", ok, err, bad))
    if not fuzzer.failures:
        print("fuzz-attn-opt: no failures")
        return 0
    kinds = {}
    for f in fuzzer.failures:
        kinds.setdefault((f["why"], f["config"]), []).append(f)
    print("\nfuzz-attn-opt: %d FAILURES in %d classes (seed %d):" % (
        len(fuzzer.failures), len(kinds), args.seed))
    for (why, config), fs in sorted(kinds.items()):
        f = fs[0]
        print("\n== %s [%s]: %d runs, e.g. run %d%s" % (
            why, config or "(none)", len(fs), f["index"],
            " saved as %s" % f["saved"] if f["saved"] else ""))
        print("   mutation: %s" % f["how"])
        tail = f["stderr"].strip().splitlines()[-6:]
        for line in tail:
            print("   | %s" % line[:200])
    return 1


if __name__ == "__main__":
    sys.exit(main())
