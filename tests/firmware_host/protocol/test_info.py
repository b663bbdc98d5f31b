"""The band's info record (firmware_host.protocol.info)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from firmware_host import protocol as p
from tests.firmware_host.protocol.vectors import (
    FMT,
    formats,
    u32,
)


@settings(deadline=None)
@given(
    device_id=st.text(st.characters(min_codepoint=32, max_codepoint=126), min_size=1, max_size=32),
    fmt=formats,
    n=st.integers(1, 83),
    capacity=u32,
)
def test_info_round_trip(device_id: str, fmt: p.SampleFormat, n: int, capacity: int) -> None:
    info = p.BandInfo(device_id, "RLS band", "SN-1", "1.2.3", fmt, n, p.TICK_HZ, capacity)
    assert p.decode_info(p.encode_info(info)) == info


def test_info_rejects_bad_strings_and_truncation() -> None:
    with pytest.raises(ValueError, match="device_id"):
        p.encode_info(p.BandInfo("", "m", "s", "f", FMT, 1))
    with pytest.raises(ValueError, match="device_id"):
        p.encode_info(p.BandInfo("x" * 33, "m", "s", "f", FMT, 1))
    raw = p.encode_info(p.BandInfo("RLS-0011223344556677", "m", "s", "1.0", FMT, 38))
    with pytest.raises(p.BadLength):
        p.decode_info(raw[:-1])
