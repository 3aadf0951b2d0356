"""Compares the results of a dropout function with the seed and offset as attributes
(DIR/a) with those of its twin that reads them from rng_state (DIR/same: the same
[seed, offset], which must give bitwise equal results; DIR/other: another seed, which
must change them).

usage: check-rng-state.py DIR ATTR_FUNC RNG_FUNC NUM_RESULTS
"""
import sys

import numpy as np


def main():
    d, attr, rng, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    ok = True
    for r in range(n):
        a = np.load("%s/a/%s.result%d.npy" % (d, attr, r))
        same = np.load("%s/same/%s.result%d.npy" % (d, rng, r))
        other = np.load("%s/other/%s.result%d.npy" % (d, rng, r))
        equal = a.shape == same.shape and a.tobytes() == same.tobytes()
        # lse does not depend on dropout (it is that of the probabilities before it);
        # out and the gradients do, in most elements.
        changed = float(np.mean(a != other))
        lse = attr.endswith("_attr") and "fwd" in attr and r == 1
        moved = changed == 0.0 if lse else changed > 0.5
        print("%s result %d: rng_state bitwise equal to the attributes: %s; another seed "
              "changes %.3f of the elements  %s" % (attr, r, equal, changed,
                                                    "PASS" if equal and moved else "FAIL"))
        ok &= equal and moved
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
