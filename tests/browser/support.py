"""What the browser tests share: headless Chromium arguments, a free port, waiting for the page."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable
from typing import Any

TIMEOUT = 60  # a safety net for a page that never renders; a loaded machine can take tens of seconds to draw one

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


def wait_for(condition: Callable[[], Any], timeout: float = TIMEOUT) -> Any:
    """Poll ``condition`` until it returns something true; fail with its last value after ``timeout`` s."""
    end = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < end:
        try:
            last = condition()
        except Exception as exc:  # the page is re-rendering: try again
            last = exc
        else:
            if last:
                return last
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting; last value {last!r}")
