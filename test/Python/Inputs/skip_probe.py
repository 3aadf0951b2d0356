"""Input of test/Python/skips.test: one pass, one skip that may happen (optional), one
that must not."""
import pytest

from attnc_pytest import skip_expected


def test_passes():
    assert 1 + 1 == 2


@pytest.mark.optional("the probe's optional feature")
def test_optional_skip():
    pytest.skip("feature X is absent")


def test_unexpected_skip():
    pytest.skip("a fixture was missing")


def test_skip_expected_at_run_time():
    skip_expected("quick mode")
