"""Stores of simulated nights shared by the export tests (built once per module)."""

from __future__ import annotations

import pytest

from tests.export.nightstore import FixtureStore, make_store


@pytest.fixture(scope="module")
def one_night(tmp_path_factory: pytest.TempPathFactory) -> FixtureStore:
    """One 45-minute night with a six-pose calibration of its band."""
    return make_store(tmp_path_factory.mktemp("one") / "n.sqlite", (4,), calibrated=True)


@pytest.fixture(scope="module")
def three_nights(tmp_path_factory: pytest.TempPathFactory) -> FixtureStore:
    """Three 20-minute nights of one subject on consecutive days, uncalibrated."""
    return make_store(tmp_path_factory.mktemp("three") / "n.sqlite", (12, 15, 19), 1200.0)
