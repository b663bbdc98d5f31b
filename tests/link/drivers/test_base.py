"""The sample timeline, GATT strings and the family table."""

from __future__ import annotations

import pytest

from rls_monitor.errors import ConfigError
from rls_monitor.link.drivers.base import SampleTimeline, decode_text
from rls_monitor.link.drivers.families import (
    FAMILIES,
    family_of_services,
    make_driver,
    service_uuids,
)


def test_timeline_follows_jitter_and_keeps_gaps() -> None:
    t = SampleTimeline(fs_hz=50.0, tick_hz=1000.0, tolerance_samples=2)
    assert t.place(0, 10) == 0
    assert t.place(221, 10) == 10  # 1 sample late by its stamp: still contiguous
    assert t.place(400, 10) == 20  # 1 sample early (of where the last one ended)
    assert t.place(1000, 10) == 50  # 20 samples on: a gap of 20
    assert t.place(1100, 10) == 55  # 5 samples back: an overlap of 5
    t.reset()
    assert t.place(1221, 10) == 61  # the device's clock started again: its stamp decides


def test_a_sensor_one_percent_fast_never_makes_a_false_gap() -> None:
    """Its stamps say 1 % more than the nominal rate's samples: blocks stay contiguous."""
    t = SampleTimeline(fs_hz=52.0, tick_hz=1000.0)
    period_ms = 1000.0 / 52.0 / 1.01
    firsts = [t.place(round(k * 8 * period_ms), 8) for k in range(5000)]
    assert firsts == [8 * k for k in range(5000)]


def test_a_device_clock_that_starts_again_does_not_stall_the_night() -> None:
    t = SampleTimeline(fs_hz=50.0, tick_hz=1000.0)
    assert t.place(3_600_000, 10) == 180_000
    assert t.place(5, 10) == 180_010  # rebooted: the night goes on after the last block
    assert t.clock_restarts == 1
    assert t.place(205, 10) == 180_020
    assert t.place(305, 10) == 180_025  # 5 samples back: an overlap, not a restart


def test_decode_text() -> None:
    assert decode_text(b"  A1\x00\x00") == "A1"
    assert decode_text(b"", "x") == "x"


@pytest.mark.parametrize("family", list(FAMILIES))
def test_every_family_has_a_driver_and_a_service(family: str) -> None:
    driver = make_driver(family)
    assert driver.family == family
    assert service_uuids()[family] == driver.profile.service_uuid
    assert family_of_services([driver.profile.service_uuid.upper()]) == family
    assert set(driver.describe()) == {"driver", "family", "capabilities"}


def test_unknown_family_is_refused() -> None:
    with pytest.raises(ConfigError, match="movesense"):
        make_driver("garmin")
    assert family_of_services(["0000180f-0000-1000-8000-00805f9b34fb"]) is None
