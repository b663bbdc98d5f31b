"""The pipeline's fixed state and budgets (firmware_host.processing.state): 4 KiB, ops per sample."""

from __future__ import annotations

import numpy as np
import pytest

from firmware_host.processing import (
    Pipeline,
)


@pytest.mark.parametrize("fs_hz", [25.0, 50.0, 100.0])
def test_state_fits_4_kib_and_is_declared_fixed(fs_hz: float) -> None:
    pipe = Pipeline(fs_hz, 2.0**-12)
    before = pipe.state_bytes()
    assert before <= 4096
    declared = {name for name, _, _ in pipe.state_layout()}
    arrays = {k for k, v in vars(pipe).items() if isinstance(v, np.ndarray)}
    constants = {"taps", "_taps64"}  # the band-pass taps: a const table in flash
    assert arrays - constants <= declared  # every array of state is counted
    pipe.process_block(np.zeros((int(fs_hz) * 200, 3), np.int16))
    assert pipe.state_bytes() == before  # nothing grows


def test_ops_per_sample_reported_and_small() -> None:
    ops = Pipeline(50.0, 2.0**-12).ops_per_sample()
    assert set(ops) == {"mac", "add", "mul", "shift", "cmp", "load_store", "total"}
    # the FIRs dominate (forward and time-reversed, for the offsets), 2:1 decimation
    assert ops["mac"] == pytest.approx(2 * (3 * 64 + 3) / 2)
    # ~26 k operations per second at 50 Hz: well under 1 % of a 64 MHz Cortex-M4
    assert ops["total"] * 50 < 0.01 * 64e6
