"""An EDF file with acceleration channels of chosen labels, written by edfio (for the tests of
``--channels`` in the CLI and the batch engine)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np


def still_edf(
    path: Path, labels: Sequence[str], *, fs_hz: int = 25, duration_s: int = 120, seed: int = 0
) -> np.ndarray:
    """A band lying still (1 g on z, 5 mg of noise) as one EDF channel per label; returns the g."""
    import edfio

    n = fs_hz * duration_s
    accel = np.tile([0.0, 0.0, 1.0], (n, 1)) + np.random.default_rng(seed).normal(0, 0.005, (n, 3))
    signals = [
        edfio.EdfSignal(
            accel[:, k],
            sampling_frequency=fs_hz,
            label=label,
            physical_dimension="g",
            physical_range=(-8, 8),
        )
        for k, label in enumerate(labels)
    ]
    edfio.Edf(signals).write(path)
    return accel
