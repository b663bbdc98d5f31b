"""The web page in a real browser, for the browser tests: the server as ``rls-monitor serve``
runs it, and the system's headless Chromium driven by Playwright.

Chromium is a system program: :func:`tests.report.rendering.require_tool` skips a test with a
reason when it is missing, and fails it on CI (``CI=true``), as the report's rendering tests do.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.report.rendering import require_tool

#: The viewports of the screenshots: a phone and a desktop.
VIEWPORTS = {"phone": (390, 844), "desktop": (1280, 800)}


def require_playwright() -> Any:
    """Playwright's sync API; skips the test (fails it on CI) when the package is missing."""
    try:
        from playwright import sync_api
    except ImportError:
        why = "playwright is not installed (pip install -e '.[dev]')"
        if os.environ.get("CI"):
            pytest.fail(why)
        pytest.skip(why)
    return sync_api


@contextmanager
def served(db_path: Path) -> Iterator[str]:
    """``rls-monitor serve --no-browser --port 0`` on ``db_path``: the URL it printed, with its
    token; the server is stopped afterwards."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "rls_monitor", "serve", "--db", str(db_path), "--no-browser"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        match = re.search(r"(http://127\.0\.0\.1:\d+/\?token=\S+)", line)
        if match is None:
            proc.kill()
            _, err = proc.communicate(timeout=10)
            raise AssertionError(f"serve printed {line!r}; stderr: {err}")
        url = match.group(1)
        _wait_until_listening(url)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def _wait_until_listening(url: str, timeout_s: float = 20.0) -> None:
    import socket
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((parts.hostname, parts.port), timeout=1.0):
                return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"nothing listens at {url}")


@contextmanager
def chromium() -> Iterator[Any]:
    """A headless Chromium (the system's) driven by Playwright."""
    exe = require_tool("chromium")
    sync_api = require_playwright()
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=exe, args=["--no-sandbox"])
        try:
            yield browser
        finally:
            browser.close()
