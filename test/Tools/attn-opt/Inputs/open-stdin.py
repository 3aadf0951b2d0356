"""Runs attn-opt with the given arguments on a stdin that is never closed and
prints its exit code and stderr: a command-line error must be reported without
waiting for the input (else the 10 s timeout reports `hung`)."""
import subprocess
import sys

proc = subprocess.Popen(["attn-opt"] + sys.argv[1:], stdin=subprocess.PIPE,
                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
try:
    proc.wait(timeout=10)
    err = proc.stderr.read()
    print("exit=%d" % proc.returncode)
    sys.stdout.write(err.decode())
except subprocess.TimeoutExpired:
    proc.kill()
    print("hung")
finally:
    proc.stdin.close()
