"""The real device files in ``<repo>/../shared/data/device_formats`` (read in place, never copied)."""

from __future__ import annotations

from pathlib import Path

import pytest

DEVICE_FORMATS = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "device_formats"


def device_file(name: str) -> Path:
    """The path of a shared device file, or skip the test with the reason."""
    path = DEVICE_FORMATS / name
    if not path.is_file():
        pytest.skip(f"shared test data not available: {path} (see /work/shared/data/README.md)")
    return path
