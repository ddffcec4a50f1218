"""What the browser tests share: headless Chromium arguments, a free port, waiting for the page."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable
from typing import Any

TIMEOUT = 60  # a safety net for a page that never renders; a loaded machine can take tens of seconds to draw one
BUSY_LIMIT = 10  # a wait whose browser stays busy (see wait_for) fails after this many TIMEOUTs

CHROME_ARGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
)


def free_port() -> int:
    # dash.testing numbers its ports from 58050 in every process: with pytest-xdist, two workers would collide
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _browser_busy(exc: BaseException) -> bool:
    """Whether a failed read means the browser is still at work: its script did not finish in the driver's own
    script timeout (Selenium's ``TimeoutException``), which a loaded machine drawing a large page produces."""
    return type(exc).__name__ == "TimeoutException"


def _server_busy(driver: Any) -> bool:
    """Whether the page still waits for the server: Dash's store counts a callback request in flight as loading."""
    try:
        return bool(driver.execute_script("return !!(window.store && window.store.getState().isLoading);"))
    except Exception as exc:  # a read that times out means the browser itself is busy
        return _browser_busy(exc)


def wait_for(condition: Callable[[], Any], timeout: float = TIMEOUT, driver: Any = None) -> Any:
    """Poll ``condition`` until it returns something true; fail with its last value once it has stalled for ``timeout`` s.

    The wait keys on progress, not on a clock alone: while the browser is busy (a read times out inside the driver
    because the page is still drawing) the stall clock starts again, so a busy machine only makes the wait longer.
    Given the ``driver``, a callback still being computed by the server (Dash's loading state) counts as busy too,
    so a loaded machine computing a large figure is not taken for a hang. A page that stays busy for ``BUSY_LIMIT``
    times ``timeout`` fails all the same (a hang, not a slow machine).
    """
    start = time.monotonic()
    stalled_since = start
    last: Any = None
    while True:
        now = time.monotonic()
        if now - stalled_since >= timeout or now - start >= BUSY_LIMIT * timeout:
            raise AssertionError(f"timed out waiting; last value {last!r}")
        try:
            last = condition()
        except Exception as exc:  # the page is re-rendering: try again
            last = exc
            if _browser_busy(exc):
                stalled_since = time.monotonic()
        else:
            if last:
                return last
            if driver is not None and _server_busy(driver):
                stalled_since = time.monotonic()
        time.sleep(0.05)
