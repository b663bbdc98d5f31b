"""A simulated band for the guided six-pose calibration, with known calibration errors."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from calibration import Calibration
from rls_monitor.recording import Recording

__all__ = ["SimulatedSixPoseBand"]


class SimulatedSixPoseBand:
    """A simulated band for the guided procedure, with known calibration errors.

    The sensor reads ``raw = scale_true * g_true + offset_true + noise`` per axis (the model of
    :mod:`firmware_host.signal_model`), so the correcting :class:`Calibration` has
    ``offset_g = -offset_true`` and ``scale = 1 / scale_true``.

    Parameters
    ----------
    offset_mg : array_like, shape (3,)
        True zero-g offsets, mg.
    scale : array_like, shape (3,)
        True scale factors (1.02 reads 2 % high).
    fs_hz : float, default 50.0
    hold_s : float, default 15.0
        Length of one capture, s.
    noise_mg : float, default 3.0
        White noise SD, mg.
    tilt_deg : float, default 1.0
        How far the user's pose is from the exact axis (random per capture), degrees.
    moved : mapping of str to int, optional
        Pose -> how many of its first captures the user moves during (shaken hold).
    device_id : str, default "SIM-CAL"
    seed : int, default 0
    """

    def __init__(
        self,
        offset_mg: ArrayLike = (40.0, -25.0, 60.0),
        scale: ArrayLike = (1.02, 0.97, 1.01),
        *,
        fs_hz: float = 50.0,
        hold_s: float = 15.0,
        noise_mg: float = 3.0,
        tilt_deg: float = 1.0,
        moved: dict[str, int] | None = None,
        device_id: str = "SIM-CAL",
        seed: int = 0,
    ) -> None:
        self.offset_g = np.asarray(offset_mg, dtype=np.float64).reshape(3) / 1000.0
        self.scale = np.asarray(scale, dtype=np.float64).reshape(3)
        self.fs_hz = float(fs_hz)
        self.hold_s = float(hold_s)
        self.noise_g = float(noise_mg) / 1000.0
        self.tilt_deg = float(tilt_deg)
        self.moved = dict(moved or {})
        self.device_id = device_id
        self._rng = np.random.default_rng(seed)

    @property
    def true_correction(self) -> Calibration:
        """The calibration that exactly undoes the simulated errors."""
        return Calibration(
            offset_g=-self.offset_g,
            scale=1.0 / self.scale,
            method="six-pose",
            extra={"source": "true errors of the simulated band"},
        )

    def capture(self, pose: str) -> Recording:
        """A capture of ``hold_s`` while the user holds ``pose`` (shaken if still in ``moved``)."""
        axis = "xyz".index(pose[1])
        direction = np.zeros(3)
        direction[axis] = 1.0 if pose[0] == "+" else -1.0
        direction += self._rng.normal(0.0, np.deg2rad(self.tilt_deg) / 2.0, 3)
        direction /= np.linalg.norm(direction)
        n = round(self.hold_s * self.fs_hz)
        true_g = np.tile(direction, (n, 1))
        if self.moved.get(pose, 0) > 0:
            self.moved[pose] -= 1
            # fidgeting in the middle of the hold: no still run of 10 s is left
            a, b = n // 3, 2 * n // 3
            true_g[a:b] += self._rng.normal(0.0, 0.05, (b - a, 3))
        raw = self.scale * true_g + self.offset_g + self._rng.normal(0.0, self.noise_g, (n, 3))
        return Recording(accel_g=raw.astype(np.float32), fs_hz=self.fs_hz, device_id=self.device_id)
