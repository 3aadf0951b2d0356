# Skips count in this directory: python/tests/attnc_pytest.py.
from attnc_pytest import (pytest_collection_modifyitems, pytest_collectreport,  # noqa: F401
                          pytest_configure, pytest_runtest_logreport, pytest_sessionfinish,
                          pytest_terminal_summary)
