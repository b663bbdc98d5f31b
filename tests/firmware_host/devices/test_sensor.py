"""A vendor sensor's night in simulated time: blocks made on time, drops when due."""

from __future__ import annotations

import numpy as np

from firmware_host.devices.sensor import SensorNight


def test_blocks_are_made_as_time_passes_and_the_last_one_is_short() -> None:
    night = SensorNight(np.arange(60, dtype=np.int16).reshape(20, 3), lsb_g=1.0, fs_hz=10.0)
    night.block_samples = 8
    assert night.advance(0.5) == []  # 5 samples due: not a whole block yet
    blocks = night.advance(1.2)  # 17 due
    assert [(first, len(c)) for first, c in blocks] == [(0, 8), (8, 8)]
    blocks = night.advance(10.0)
    assert [(first, len(c)) for first, c in blocks] == [(16, 4)] and night.finished


def test_an_injected_drop_is_due_once() -> None:
    night = SensorNight(np.zeros((100, 3), np.int16), lsb_g=1.0, fs_hz=10.0, drops_at_s=[2.0])
    night.advance(1.0)
    assert not night.drop_due()
    night.advance(1.5)
    assert night.drop_due() and not night.drop_due()
    assert night.now_unix_s() == 2.5
