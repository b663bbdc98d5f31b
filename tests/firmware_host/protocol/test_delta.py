"""Delta compression of DATA samples (firmware_host.protocol.delta)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from firmware_host import protocol as p
from tests.firmware_host.protocol.vectors import (
    FMT,
)


@settings(deadline=None)
@given(
    n=st.integers(1, 83),
    step=st.sampled_from([0, 1, 30, 1000, 40000]),
    seed=st.integers(0, 2**31),
)
def test_delta_round_trip(n: int, step: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    walk = np.cumsum(rng.integers(-step, step + 1, (n, 3)), axis=0) + rng.integers(-32768, 32768, 3)
    samples = (((walk + 32768) % 65536) - 32768).astype(np.int16)
    np.testing.assert_array_equal(p.delta_decode(p.delta_encode(samples), n), samples)
    f = p.decode_frame(p.encode_data(1, 2, FMT, samples, delta=True))
    assert isinstance(f, p.DataFrame)
    np.testing.assert_array_equal(f.samples, samples)
