"""A pytest plugin that makes skips count (loaded by python/tests/conftest.py, or with
``-p attnc_pytest``).

pytest's own summary ("12 passed, 1 skipped") lets a skipped test look like success to
a loose check. Here every skip is either *expected* -- the test carries
``@pytest.mark.optional("why it may not run here")`` (a feature of torch or a package
that this machine may lack) -- or *unexpected*, and an unexpected skip fails the
session (exit status 1). At the end it prints one line that lit tests check exactly:

    attnc-pytest: passed=N failed=F errors=E skipped=S (expected X, unexpected U)

followed by one ``attnc-pytest: expected skip: ...`` / ``UNEXPECTED skip: ...`` line
per skipped test with its reason, so the output says what did not run and why.

A test may also skip on purpose at run time with ``attnc_pytest.skip_expected(reason)``
(e.g. test_cuda.py's ATTNC_TEST_QUICK mode leaving out the largest shapes): counted as
expected too.

``ATTNC_ALLOW_SKIPS=1`` turns the unexpected skips back into plain ones (e.g. running
test_cuda.py on a machine without a GPU on purpose).
"""
import os

import pytest

_results = {"passed": [], "failed": [], "error": [], "expected": [], "unexpected": []}
EXPECTED = "expected skip: "


def skip_expected(reason):
    """Skips the running test on purpose (counted as an expected skip)."""
    pytest.skip(EXPECTED + reason)


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "optional(reason): the test may skip here (a missing optional feature); "
        "its skip counts as expected, not as a pass and not as a failure")


def _optional(item):
    m = item.get_closest_marker("optional") if item is not None else None
    if m is None:
        return None
    return m.args[0] if m.args else m.kwargs.get("reason", "optional")


def _skip_reason(report):
    lr = report.longrepr
    if isinstance(lr, tuple) and len(lr) == 3:
        return str(lr[2]).replace("Skipped: ", "", 1)
    return str(lr)


_items = {}


def pytest_collection_modifyitems(session, config, items):
    for it in items:
        _items[it.nodeid] = it


def pytest_runtest_logreport(report):
    if report.skipped and not hasattr(report, "wasxfail"):
        item = _items.get(report.nodeid)
        why = _skip_reason(report)
        kind = "expected" if _optional(item) is not None or why.startswith(EXPECTED) else \
            "unexpected"
        if why.startswith(EXPECTED):
            why = why[len(EXPECTED):]
        _results[kind].append((report.nodeid, why))
    elif report.when == "call" and report.passed:
        _results["passed"].append(report.nodeid)
    elif report.failed:
        _results["failed" if report.when == "call" else "error"].append(report.nodeid)


def pytest_collectreport(report):
    # A module-level skip (pytest.skip(allow_module_level=True)) skips a whole file.
    if report.skipped:
        _results["unexpected"].append((report.nodeid, _skip_reason(report)))
    elif report.failed:
        _results["error"].append(report.nodeid)


def _allow():
    return os.environ.get("ATTNC_ALLOW_SKIPS", "") not in ("", "0")


def pytest_sessionfinish(session, exitstatus):
    if _results["unexpected"] and not _allow() and session.exitstatus == 0:
        session.exitstatus = 1


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    r = _results
    w = terminalreporter.write_line
    n_skip = len(r["expected"]) + len(r["unexpected"])
    for nodeid, why in r["expected"]:
        w("attnc-pytest: expected skip: %s: %s" % (nodeid, why))
    for nodeid, why in r["unexpected"]:
        w("attnc-pytest: UNEXPECTED skip: %s: %s" % (nodeid, why))
    w("attnc-pytest: passed=%d failed=%d errors=%d skipped=%d (expected %d, unexpected %d)%s"
      % (len(r["passed"]), len(r["failed"]), len(r["error"]), n_skip, len(r["expected"]),
         len(r["unexpected"]),
         " [unexpected skips allowed: ATTNC_ALLOW_SKIPS]" if r["unexpected"] and _allow() else ""))
