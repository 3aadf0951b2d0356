import os
import secrets

import pytest

# Skips count in this directory: python/tests/attnc_pytest.py.
from attnc_pytest import (pytest_collection_modifyitems, pytest_collectreport,  # noqa: F401
                          pytest_configure, pytest_runtest_logreport, pytest_sessionfinish,
                          pytest_terminal_summary)


@pytest.fixture
def seed():
    """The test's random seed: fresh every run (printed; ATTNC_TEST_SEED=N replays one),
    torch's generator seeded with it."""
    import torch  # here, so that collecting a module that skips without torch needs none
    s = int(os.environ.get("ATTNC_TEST_SEED") or secrets.randbits(31))
    torch.manual_seed(s)
    print("seed %d (replay with ATTNC_TEST_SEED=%d)" % (s, s))
    return s
