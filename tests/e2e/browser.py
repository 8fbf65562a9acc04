"""Headless Chromium driven over WebDriver (Debian's ``chromium`` + ``chromium-driver``).

The pages are rendered by JavaScript (Dagster's UI, Swagger UI), so a plain HTTP GET shows nothing:
the test waits in a real browser until the expected text is on screen, then saves a screenshot.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.chrome.service import Service

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--window-size=1600,1000",
]


def find_binary(*names: str) -> str:
    for name in names:
        path = shutil.which(name)
        if path:
            return path
    raise FileNotFoundError(
        f"none of {names} on PATH: install Debian's chromium and chromium-driver (see .ci/run)"
    )


@contextmanager
def chromium(profile_dir: Path) -> Iterator[webdriver.Chrome]:
    options = webdriver.ChromeOptions()
    options.binary_location = find_binary("chromium", "chromium-browser")
    for flag in [*CHROMIUM_FLAGS, f"--user-data-dir={profile_dir}"]:
        options.add_argument(flag)
    # An explicit driver path: Selenium Manager would otherwise try to download one.
    service = Service(executable_path=find_binary("chromedriver"))
    driver = webdriver.Chrome(options=options, service=service)
    driver.set_page_load_timeout(120)
    try:
        yield driver
    finally:
        driver.quit()


def wait_for_text(
    driver: webdriver.Chrome, needles: list[str], timeout_s: float, counts: dict[str, int] | None = None
) -> str:
    """Polls the rendered page text until every needle is on it (``counts``: at least that many times);
    returns the text, also on timeout (the caller's assertions then say what is missing)."""
    wanted = {needle: 1 for needle in needles} | (counts or {})
    deadline = time.monotonic() + timeout_s
    text = ""
    while True:
        try:
            text = driver.find_element("tag name", "body").text
        except WebDriverException:
            text = ""
        if all(text.count(n) >= k for n, k in wanted.items()) or time.monotonic() > deadline:
            return text
        time.sleep(1)
