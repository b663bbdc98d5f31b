"""Shared fixtures and the opt-in hardware options."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--band-address",
        default=None,
        help="BLE address of a real band: runs the tests marked 'hardware' against it.",
    )
    parser.addoption(
        "--serial-port",
        default=None,
        help="Serial port of a real band: runs the tests marked 'hardware' against it.",
    )
    parser.addoption(
        "--band-family",
        default="rls",
        choices=("rls", "movesense", "polar", "nus"),
        help="The real band's family (with --band-address): our band, Movesense, Polar, or "
        "our band on the Nordic UART Service.",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--band-address") or config.getoption("--serial-port"):
        return
    skip = pytest.mark.skip(reason="needs a real band: pass --band-address or --serial-port")
    for item in items:
        if "hardware" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def rng() -> np.random.Generator:
    """A seeded random generator."""
    return np.random.default_rng(20261125)


@pytest.fixture
def shared_data() -> Path:
    """The real recordings in ../shared/data, or skip when this clone has none beside it."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real recordings not available: {SHARED_DATA} is absent (a user's own clone)")
    return SHARED_DATA
