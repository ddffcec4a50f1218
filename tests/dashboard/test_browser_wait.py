"""The browser tests' wait keys on progress: a busy browser extends it, a stalled page ends it (a fake clock, no sleeps)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.dashboard.browser import support


class TimeoutException(Exception):
    """Named like Selenium's: the driver's script did not finish in time (the browser is busy)."""


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """A clock that advances one second at every read; sleeping costs nothing."""
    now = [0.0]

    def monotonic() -> float:
        now[0] += 1.0
        return now[0]

    monkeypatch.setattr(support.time, "monotonic", monotonic)
    monkeypatch.setattr(support.time, "sleep", lambda s: None)
    return now


def reads(results: list[Any]) -> Any:
    """A condition that returns (or raises) the next of ``results``, then keeps returning the last one."""
    items = iter(results)
    last: list[Any] = [None]

    def condition() -> Any:
        value = next(items, last[0])
        last[0] = value
        if isinstance(value, BaseException):
            raise value
        return value

    return condition


def test_a_busy_browser_extends_the_wait_until_the_page_is_drawn(clock: list[float]) -> None:
    # 20 busy reads cover 40 clock seconds, four times the 10-s timeout; each busy read restarts the stall clock
    got = support.wait_for(reads([TimeoutException()] * 20 + ["drawn"]), timeout=10)
    assert got == "drawn"


def test_a_stalled_page_fails_after_the_timeout(clock: list[float]) -> None:
    # nothing true and no sign of work: the wait ends once 10 clock seconds pass without progress
    with pytest.raises(AssertionError, match="timed out waiting; last value None"):
        support.wait_for(reads([None]), timeout=10)
    assert clock[0] <= 13


def test_a_page_busy_for_ever_fails_at_the_busy_limit(clock: list[float]) -> None:
    with pytest.raises(AssertionError, match="TimeoutException"):
        support.wait_for(reads([TimeoutException()]), timeout=5)
    # every read is busy: the stall clock never runs out, the hard limit of BUSY_LIMIT timeouts does
    assert support.BUSY_LIMIT * 5 <= clock[0] <= support.BUSY_LIMIT * 5 + 3


def test_other_errors_do_not_extend_the_wait(clock: list[float]) -> None:
    with pytest.raises(AssertionError, match="ValueError"):
        support.wait_for(reads([ValueError("re-rendering")]), timeout=10)
    assert clock[0] <= 13
