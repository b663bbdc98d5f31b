"""The sample format byte (firmware_host.protocol.sample_format)."""

from __future__ import annotations

import numpy as np
import pytest

from firmware_host import protocol as p
from tests.firmware_host.protocol.vectors import (
    FMT,
)


def test_sample_formats() -> None:
    codes = {p.SampleFormat.from_code(c).code for c in range(256)}
    assert codes == set(range(256))
    for c in range(256):
        lsb = p.SampleFormat.from_code(c).lsb_g
        assert lsb == 2.0 ** round(np.log2(lsb))  # a power of two
    assert p.SampleFormat.from_lsb(50.0, 2.0**-12) == FMT
    assert p.SampleFormat.from_lsb(50.0, 2.0**-8) == p.SampleFormat(50.0, 8.0, 12)
    assert p.SampleFormat.from_lsb(50.0, 2.0**-8, range_g=2.0) == p.SampleFormat(50.0, 2.0, 10)
    with pytest.raises(ValueError, match="lsb_g"):
        p.SampleFormat.from_lsb(50.0, 0.001)
    with pytest.raises(ValueError, match="rate_hz"):
        p.SampleFormat(51.0)
