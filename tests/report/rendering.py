"""Rendering reports as a person sees them, for the report tests: headless Chromium, PNG pixels.

The rendering tools are system programs; :func:`require_tool` skips a test with a reason when
one is missing (and fails it on CI).
"""

from __future__ import annotations

import html.parser
import io
import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def require_tool(name: str) -> str:
    """The path of a rendering program; skips the test (fails it on CI) when it is missing."""
    for candidate in [name] if name != "chromium" else ["chromium", "chromium-browser"]:
        path = shutil.which(candidate)
        if path:
            return path
    why = f"{name} is not installed (poppler-utils / chromium are needed to render reports)"
    if os.environ.get("RLS_MONITOR_REQUIRE_RENDERERS") or os.environ.get("CI"):
        pytest.fail(why)  # on CI the rendering checks must run, not skip
    pytest.skip(why)


def non_white_fraction(img: np.ndarray) -> float:
    """Fraction of an image's pixels that are not white (something is drawn there)."""
    rgb = img[..., :3].astype(np.float64)
    if rgb.max() > 1.0:
        rgb = rgb / 255.0
    return float((rgb.min(axis=-1) < 0.9).mean())


def png_pixels(data: bytes) -> np.ndarray:
    """The pixels of a PNG image."""
    from matplotlib.image import imread

    return imread(io.BytesIO(data), format="png")


class Cells(html.parser.HTMLParser):
    """Text of every element with a data-key, and the src of every img."""

    def __init__(self) -> None:
        super().__init__()
        self.cells: dict[str, list[str]] = {}
        self.images: list[str] = []
        self._key: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "img":
            self.images.append(a.get("src") or "")
        key = a.get("data-key") or (f"col:{a['data-col']}" if a.get("data-col") else None)
        if key:
            self._key = key
            self.cells.setdefault(key, []).append("")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th"):
            self._key = None

    def handle_data(self, data: str) -> None:
        if self._key:
            self.cells[self._key][-1] += data


def chromium_dom(path: Path, tmp: Path) -> str:
    """The DOM of an HTML file after headless Chromium has loaded it."""
    exe = require_tool("chromium")
    out = subprocess.run(
        [
            exe,
            *CHROMIUM_FLAGS,
            f"--user-data-dir={tmp / 'profile'}",
            "--dump-dom",
            path.resolve().as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return out.stdout


def chromium_screenshot(path: Path, tmp: Path) -> np.ndarray:
    """A screenshot of an HTML file in headless Chromium, as pixels."""
    exe = require_tool("chromium")
    shot = tmp / "shot.png"
    subprocess.run(
        [
            exe,
            *CHROMIUM_FLAGS,
            f"--user-data-dir={tmp / 'profile'}",
            f"--screenshot={shot}",
            "--window-size=1100,2600",
            path.resolve().as_uri(),
        ],
        capture_output=True,
        timeout=120,
        check=True,
    )
    return png_pixels(shot.read_bytes())
