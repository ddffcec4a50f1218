"""Browser tests run in headless Debian Chromium (``make test`` installs chromium and chromium-driver)."""

from __future__ import annotations

import shutil

from selenium.webdriver.chrome.options import Options

from tests.dashboard.browser.support import CHROME_ARGS as BASE_ARGS

CHROME_ARGS = (*BASE_ARGS, "--window-size=1280,900")


def chrome_options() -> Options:
    """Options for a headless Chromium: the dash_duo browser and any second session a test opens."""
    options = Options()
    for arg in CHROME_ARGS:
        options.add_argument(arg)
    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    if binary:
        options.binary_location = binary
    options.set_capability("goog:loggingPrefs", {"browser": "SEVERE"})
    return options


def pytest_setup_options() -> Options:
    """dash.testing's hook: the webdriver options of ``dash_duo`` (the hook collects one result per plugin)."""
    return chrome_options()
