"""The guided six-pose calibration: ask for each pose, check it, capture it from the band, fit."""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

import calibration as cal
from calibration import Calibration, StaticConfig
from rls_monitor.errors import CalibrationError
from rls_monitor.recording import Recording

if TYPE_CHECKING:
    from rls_monitor.link.band_session import SessionConfig

__all__ = [
    "POSE_INSTRUCTIONS",
    "BandPoseCapture",
    "PoseCapture",
    "PoseCheck",
    "check_pose",
    "guided_six_pose",
]

log = logging.getLogger(__name__)

#: The six poses in the order the guided procedure asks for them, with what the user does.
POSE_INSTRUCTIONS: dict[str, str] = {
    "+x": "Lay the band flat with its x arrow pointing straight up.",
    "-x": "Turn it over: x arrow pointing straight down.",
    "+y": "Stand the band on its edge with the y arrow pointing up.",
    "-y": "Turn it: y arrow pointing down.",
    "+z": "Lay it on its back, face (z) up.",
    "-z": "Turn it face (z) down.",
}


@dataclass(frozen=True)
class PoseCheck:
    """The verdict on one captured pose of the guided procedure.

    Attributes
    ----------
    pose : str
        The pose asked for (``"+x"`` ... ``"-z"``).
    ok : bool
        Held still long enough in the right orientation.
    still_s : float
        Longest still period in the pose, s.
    mean_g : tuple of float
        Mean raw acceleration over that period, g.
    reason : str
        Why it was rejected (empty when ``ok``).
    """

    pose: str
    ok: bool
    still_s: float
    mean_g: tuple[float, float, float]
    reason: str = ""


def check_pose(recording: Recording, pose: str, *, config: StaticConfig | None = None) -> PoseCheck:
    """Check a captured pose: the asked orientation, held still for ``min_still_s``.

    Parameters
    ----------
    recording : Recording
        Raw acceleration captured while the user held the pose.
    pose : {"+x", "-x", "+y", "-y", "+z", "-z"}
    config : calibration.StaticConfig, optional
        Still threshold (SD per axis over 1 s windows) and minimum still time.

    Returns
    -------
    PoseCheck

    Raises
    ------
    ConfigError
        Unknown pose.
    """
    from rls_monitor.errors import check_option

    check_option("pose", pose, cal.POSES)
    cfg = config or StaticConfig()
    try:
        found = cal.find_poses(recording.accel_g, recording.fs_hz, config=cfg)
    except cal.CalibrationValueError as exc:
        return PoseCheck(pose, False, 0.0, (math.nan,) * 3, exc.reason)
    hit = found.get(pose)
    if hit is None:
        seen = max(found.values(), key=lambda p: p.duration_s, default=None)
        where = f" (the band was in pose {seen.pose})" if seen is not None else ""
        return PoseCheck(pose, False, 0.0, (math.nan,) * 3, f"pose {pose} not seen{where}")
    mean = (float(hit.mean_g[0]), float(hit.mean_g[1]), float(hit.mean_g[2]))
    reason = "; ".join(hit.problems)
    return PoseCheck(pose, not hit.problems, hit.duration_s, mean, reason)


#: ``capture(pose) -> Recording``: records the band while the user holds ``pose``.
PoseCapture = Callable[[str], Recording]


def guided_six_pose(
    capture: PoseCapture,
    *,
    prompt: Callable[[str, str, int], None] | None = None,
    report: Callable[[PoseCheck, int], None] | None = None,
    max_attempts: int = 3,
    cross_axis: bool = False,
    config: StaticConfig | None = None,
) -> tuple[Calibration, list[PoseCheck]]:
    """The guided static calibration: ask for each pose, check it, ask again if it moved.

    For each of the six poses, ``prompt(pose, instruction, attempt)`` tells the user what to do
    (and may wait for them), ``capture(pose)`` records it, :func:`check_pose` judges it and
    ``report(check, attempt)`` shows the verdict; a rejected pose is asked again up to
    ``max_attempts`` times. The accepted still periods are then fitted together by
    :func:`calibration.fit_six_pose`.

    Parameters
    ----------
    capture : callable
        ``capture(pose) -> Recording`` of the band held in ``pose``.
    prompt, report : callable, optional
        User interface hooks (the library prints nothing).
    max_attempts : int, default 3
        Attempts per pose before giving up.
    cross_axis : bool, default False
        Fit the cross-axis terms too.
    config : calibration.StaticConfig, optional
        Still thresholds and the acceptance criterion.

    Returns
    -------
    calibration : Calibration
        ``method="six-pose"``.
    checks : list of PoseCheck
        Every attempt, in order (rejected ones included).

    Raises
    ------
    CalibrationError
        A pose still rejected after ``max_attempts``, or a fit that fails its criterion.
    """
    from rls_monitor.errors import ConfigError

    if max_attempts < 1:
        raise ConfigError("max_attempts must be at least 1", name="max_attempts")
    cfg = config or StaticConfig()
    checks: list[PoseCheck] = []
    parts: list[NDArray[np.float32]] = []
    fs_hz = 0.0
    for pose in cal.POSES:
        for attempt in range(1, max_attempts + 1):
            if prompt is not None:
                prompt(pose, POSE_INSTRUCTIONS[pose], attempt)
            rec = capture(pose)
            check = check_pose(rec, pose, config=cfg)
            checks.append(check)
            if report is not None:
                report(check, attempt)
            if check.ok:
                if fs_hz and rec.fs_hz != fs_hz:
                    raise CalibrationError("the captured poses have different sample rates")
                fs_hz = rec.fs_hz
                parts.append(rec.accel_g)
                break
        else:
            raise CalibrationError(
                f"pose {pose} rejected {max_attempts} times: {checks[-1].reason}"
            )
    # a short bout of handling between poses keeps the pose finder from merging two runs
    joined: list[NDArray[np.float32]] = []
    for part in parts:
        joined += [part, _transition(part[-1], max(1, round(fs_hz)))]
    accel = np.vstack(joined[:-1])
    try:
        fitted = cal.fit_six_pose(accel, fs_hz, cross_axis=cross_axis, config=cfg)
    except cal.CalibrationValueError as exc:
        raise CalibrationError(f"six-pose calibration failed: {exc.reason}") from exc
    return fitted, checks


def _transition(last: NDArray[np.float32], n: int) -> NDArray[np.float32]:
    """``n`` samples of obvious handling between two captured poses (SD ~0.3 g)."""
    rng = np.random.default_rng(n)
    return (last + rng.normal(0.0, 0.3, (n, 3))).astype(np.float32)


class BandPoseCapture:
    """``capture(pose) -> Recording`` from a real band over its link, for :func:`guided_six_pose`.

    Each call connects to the band, takes ``hold_s`` seconds of live samples
    (:func:`rls_monitor.link.capture.capture_samples`: the band's device id is checked against the
    pairing) and disconnects; the user holds the pose meanwhile, and :func:`check_pose` finds the
    still period in it.

    Parameters
    ----------
    spec : str
        ``"serial:PORT"`` or ``"ble:ADDRESS"`` of a paired band.
    device_id : str or None
        The paired band's device id (a band answering with another one is refused).
    hold_s : float, default 15.0
        Length of one capture, s (the still period needs ``StaticConfig.min_still_s``, 10 s).
    backend : object, optional
        BLE backend classes (tests and simulations).
    config : rls_monitor.link.band_session.SessionConfig, optional
        Link policies.

    Raises
    ------
    ConfigError
        ``hold_s`` not positive.
    """

    def __init__(
        self,
        spec: str,
        *,
        device_id: str | None,
        hold_s: float = 15.0,
        backend: object = None,
        config: SessionConfig | None = None,
    ) -> None:
        from rls_monitor.errors import ConfigError

        if not (math.isfinite(hold_s) and hold_s > 0):
            raise ConfigError(f"hold time must be positive; got {hold_s!r}", name="hold_s")
        self.spec = spec
        self.device_id = device_id
        self.hold_s = float(hold_s)
        self.backend = backend
        self.config = config
        self.captures = 0

    def __call__(self, pose: str) -> Recording:
        """Capture ``hold_s`` of the band while the user holds ``pose``.

        Raises
        ------
        DeviceMismatch, DeviceNotFound, ConnectError, LinkLost
            From the link (see :func:`rls_monitor.link.capture.capture_samples`).
        """
        import asyncio

        from rls_monitor.link.capture import capture_samples

        counts, lsb_g, fs_hz = asyncio.run(
            capture_samples(
                self.spec,
                self.hold_s,
                expected_device_id=self.device_id,
                backend=self.backend,
                config=self.config,
            )
        )
        self.captures += 1
        accel = counts.astype(np.float32) * np.float32(lsb_g)
        log.debug("captured pose %s: %d samples at %g Hz", pose, len(counts), fs_hz)
        return Recording(accel_g=accel, fs_hz=fs_hz, device_id=self.device_id or "")
