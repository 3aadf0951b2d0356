#!/usr/bin/env python3
"""Checks passes/MfmaLayout's instruction table (printed by `mfma-layout-test --list`)
against LLVM 22's AMDGPU backend, which knows the instructions independently of attnc:

  1. llvm-mc -mcpu=<chip> assembles `<isa> a[0:C-1], v[0:A/2-1], v[A/2:A-1], a[0:C-1]`
     (A = a_per_lane 16-bit elements = A/2 VGPRs per operand, C = c_per_lane f32
     accumulators): the mnemonic exists on the chip and the operand widths are right;
     the same line with A twice as wide or C half as wide is rejected;
  2. an instruction listed for gfx950 only is rejected by llvm-mc -mcpu=gfx942;
  3. llvm-mca -mcpu=<chip>: the instruction's reciprocal throughput (its passes) times 4
     is the table's `cycles`;
  4. the table's ROCDL op, with operands vector<A x i16> (ab_as_i16) or vector<A x f16/bf16>
     and vector<C x f32>, translates to LLVM IR (the intrinsic's signature is checked by
     the LLVM verifier) and llc -mcpu=<chip> selects exactly the table's mnemonic.

fp8 rows hold A/4 VGPRs per operand (bytes) and pass them as i64 (8 bytes) or
vector<8xi32> (32 bytes); `scaled` rows (gfx950's f8f6f4) go through the block-scaled
ROCDL op with format 0 (e4m3) and zero scales, which llc selects as the unscaled
mnemonic, and take 16 passes with fp8 operands where llvm-mca models the 8 of fp6/fp4.

Usage: mfma-isa-check.py MFMA_LAYOUT_TEST [LLVM_BIN_DIR]  (default: the tools on PATH)
"""
import os
import re
import subprocess
import sys
import tempfile

test_bin = sys.argv[1]
bindir = sys.argv[2] if len(sys.argv) > 2 else None
TRIPLE = "amdgcn-amd-amdhsa"
failures = []
checks = 0


def tool(name):
    return os.path.join(bindir, name) if bindir else name


def run(cmd, stdin=None):
    p = subprocess.run(cmd, input=stdin, capture_output=True, text=True)
    return p.returncode, p.stdout, p.stderr


def check(cond, msg):
    global checks
    checks += 1
    if not cond:
        failures.append(msg)


def asm_line(isa, a_vgprs, c_regs):
    return "%s a[0:%d], v[0:%d], v[%d:%d], a[0:%d]\n" % (
        isa, c_regs - 1, a_vgprs - 1, a_vgprs, 2 * a_vgprs - 1, c_regs - 1)


def assembles(line, chip):
    rc, out, err = run([tool("llvm-mc"), "-triple=" + TRIPLE, "-mcpu=" + chip, "-show-encoding"],
                       line)
    return rc == 0 and "encoding:" in out, err.strip()


rc, out, err = run([test_bin, "--list"])
if rc != 0:
    sys.exit("%s --list failed: %s" % (test_bin, err))
rows = [line.split("\t") for line in out.splitlines() if line.strip()]
if not rows:
    sys.exit("empty instruction table")
table = []
for r in rows:
    isa, rocdl, chip, elem = r[:4]
    m, n, k, a, c, i16, cycles, scaled = (int(x) for x in r[4:])
    table.append(dict(isa=isa, rocdl=rocdl, chip=chip, elem=elem, m=m, n=n, k=k, a=a, c=c,
                      i16=bool(i16), cycles=cycles, scaled=bool(scaled)))
gfx942_isas = {t["isa"] for t in table if t["chip"] == "gfx942"}

with tempfile.TemporaryDirectory() as tmp:
    for t in table:
        isa, chip, a, c = t["isa"], t["chip"], t["a"], t["c"]
        fp8 = t["elem"] == "fp8"
        regs = a // 4 if fp8 else a // 2  # VGPRs per A/B operand
        # Arithmetic facts of a wave64 MFMA: A, B and C are each held once by 64 lanes.
        check(a * 64 == t["m"] * t["k"] and c * 64 == t["m"] * t["n"],
              "%s: a_per_lane %d / c_per_lane %d vs %dx%dx%d" % (isa, a, c, t["m"], t["n"], t["k"]))
        check("_%dx%dx%d_" % (t["m"], t["n"], t["k"]) in isa, "%s: shape vs name" % isa)
        # 1. the assembler.
        ok, why = assembles(asm_line(isa, regs, c), chip)
        check(ok, "%s: llvm-mc -mcpu=%s rejects it with A = %d VGPRs, C = %d: %s"
              % (isa, chip, regs, c, why))
        ok, _ = assembles(asm_line(isa, 2 * regs, c), chip)
        check(not ok, "%s: llvm-mc -mcpu=%s accepts A operands of %d VGPRs (twice its own)"
              % (isa, chip, 2 * regs))
        ok, _ = assembles(asm_line(isa, regs, c // 2), chip)
        check(not ok, "%s: llvm-mc -mcpu=%s accepts C of %d registers (half c_per_lane)"
              % (isa, chip, c // 2))
        # 2. gfx950-only instructions do not exist on gfx942.
        if chip == "gfx950" and isa not in gfx942_isas:
            ok, _ = assembles(asm_line(isa, regs, c), "gfx942")
            check(not ok, "%s: listed for gfx950 only but llvm-mc -mcpu=gfx942 accepts it" % isa)
        # 3. llvm-mca's passes.
        rc, out, err = run([tool("llvm-mca"), "-mtriple=" + TRIPLE, "-mcpu=" + chip,
                            "-instruction-info", "-iterations=1"], asm_line(isa, regs, c))
        m = re.search(r"^\s*\d+\s+\d+\s+([0-9.]+)\s.*\b%s\b" % re.escape(isa), out, re.M)
        check(m is not None, "%s: no llvm-mca instruction info (%s)" % (isa, err.strip()[:200]))
        if m:
            rthru = float(m.group(1)) * (2 if t["scaled"] else 1)
            check(4 * rthru == t["cycles"], "%s on %s: llvm-mca reciprocal throughput %g (= %g "
                  "cycles), the table says %d" % (isa, chip, rthru, 4 * rthru, t["cycles"]))
        # 4. ROCDL op -> LLVM intrinsic -> the mnemonic llc selects.
        ab = "i16" if t["i16"] else t["elem"]
        va, vc = "vector<%dx%s>" % (a, ab), "vector<%dxf32>" % c
        if fp8:
            va = "i64" if a == 8 else "vector<%dxi32>" % (a // 4)
        nz = 6 if t["scaled"] else 3  # (format,) opsel and scale operands, or cbsz, abid, blgp
        mlir = ("llvm.func @f(%%a: %s, %%b: %s, %%c: %s) -> %s {\n"
                "  %%z = llvm.mlir.constant(0 : i32) : i32\n"
                "  %%r = %s %%a, %%b, %%c%s : (%s, %s, %s%s) -> %s\n"
                "  llvm.return %%r : %s\n}\n"
                % (va, va, vc, vc, t["rocdl"], ", %z" * nz, va, va, vc, ", i32" * nz, vc, vc))
        rc, ll, err = run([tool("mlir-translate"), "--mlir-to-llvmir"], mlir)
        check(rc == 0, "%s: mlir-translate rejects %s on (%s, %s): %s"
              % (isa, t["rocdl"], va, vc, err.strip()[:300]))
        if rc != 0:
            continue
        rc, s, err = run([tool("llc"), "-mtriple=" + TRIPLE, "-mcpu=" + chip, "-o", "-"], ll)
        check(rc == 0, "%s: llc -mcpu=%s fails on %s: %s" % (isa, chip, t["rocdl"],
                                                             err.strip()[:300]))
        got = re.findall(r"^\s*(v_mfma\w*)", s, re.M)
        check(got == [isa], "%s: %s on %s selects %s" % (isa, t["rocdl"], chip, got))

for f in failures:
    print("FAILED: " + f)
print("mfma-isa-check: %d instructions, %d checks, %d failed" % (len(table), checks,
                                                               len(failures)))
sys.exit(1 if failures else 0)
