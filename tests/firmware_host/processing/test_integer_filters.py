"""The pipeline's integer arithmetic (firmware_host.processing.integer_filters)."""

from __future__ import annotations

import numpy as np

from firmware_host.processing import (
    isqrt_u32,
)


def test_isqrt_matches_math_isqrt() -> None:
    import math

    rng = np.random.default_rng(0)
    x = np.concatenate(
        [rng.integers(0, 2**32, 5000), np.arange(2**16 - 3, 2**16 + 3) ** 2 - 1, [2**32 - 1]]
    )
    assert isqrt_u32(x.astype(np.int64)).tolist() == [math.isqrt(int(v)) for v in x]
