"""Feeds every prefix of a file to attn-opt on stdin and checks that each one
either parses (only the empty, the complete and the complete-but-the-final-
newline prefixes may) or fails with exit code 1, no IR on stdout, and a first
diagnostic located as <stdin>:line:col. A crash is a failure."""
import concurrent.futures
import re
import subprocess
import sys

data = open(sys.argv[1], "rb").read()
located = re.compile(rb"^<stdin>:\d+:\d+: error: ")
complete = {0, len(data), len(data.rstrip(b"\n"))}


def run(n):
    return n, subprocess.run(["attn-opt"], input=data[:n], capture_output=True)


problems = []
with concurrent.futures.ThreadPoolExecutor(8) as pool:
    for n, p in pool.map(run, range(len(data) + 1)):
        if n in complete:
            if p.returncode != 0 or not p.stdout.startswith(b"module {"):
                problems.append(f"prefix {n}: expected success, got {p.returncode}: {p.stderr!r}")
        elif p.returncode != 1:
            problems.append(f"prefix {n}: exit code {p.returncode}: {p.stderr[:200]!r}")
        elif p.stdout:
            problems.append(f"prefix {n}: printed IR on failure: {p.stdout[:200]!r}")
        elif not located.match(p.stderr):
            problems.append(f"prefix {n}: unlocated diagnostic: {p.stderr[:200]!r}")
for line in problems:
    print(line)
print(f"{len(data) + 1} prefixes, {len(problems)} problems")
sys.exit(1 if problems else 0)
