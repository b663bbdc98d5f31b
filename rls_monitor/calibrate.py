"""Calibration of recordings: the host's glue around the pure :mod:`calibration` package.

- :func:`fit_static_from_recording` / :func:`fit_static_from_file`: six-pose bench calibration
  of a recording of the six poses;
- :func:`apply_calibration`: a calibrated copy of a recording;
- :func:`recording_still_windows` and :func:`auto_calibrate`: van Hees auto-calibration from one or
  several recordings (their still windows are pooled, as an ankle band worn in bed needs);
- :func:`read_with_temperature`: a recording and, for device files that carry it, the temperature
  per sample.

Errors of the calibration package become :class:`~rls_monitor.errors.CalibrationError` (chained);
a refused auto-calibration is not an error but an :class:`~calibration.AutoCalResult` with
``accepted=False`` and a ``reason``, keeping the previous calibration.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike, NDArray

import calibration as cal
from calibration import AutoCalConfig, AutoCalResult, Calibration, StaticConfig, StillWindows
from rls_monitor.errors import CalibrationError
from rls_monitor.recording import Recording, read_recording

if TYPE_CHECKING:
    from rls_monitor.session import SessionConfig
    from rls_monitor.storage import Store

__all__ = [
    "POSE_INSTRUCTIONS",
    "AutoCalConfig",
    "AutoCalResult",
    "BandPoseCapture",
    "Calibration",
    "PoseCapture",
    "PoseCheck",
    "SimulatedSixPoseBand",
    "StaticConfig",
    "apply_calibration",
    "auto_calibrate",
    "auto_calibrate_stored",
    "calibration_in_force",
    "check_pose",
    "fit_static_from_file",
    "fit_static_from_recording",
    "guided_six_pose",
    "read_with_temperature",
    "recording_still_windows",
    "save_calibration",
]

log = logging.getLogger(__name__)


def fit_static_from_recording(
    recording: Recording, *, cross_axis: bool = False, config: StaticConfig | None = None
) -> Calibration:
    """Fit the six-pose calibration from a recording of the band held in the six poses.

    Parameters
    ----------
    recording : Recording
        Raw acceleration in g with each axis held up and down, still for >= 10 s per pose.
    cross_axis : bool, default False
        Fit the twelve-parameter model with cross-axis terms.
    config : calibration.StaticConfig, optional
        Thresholds of the pose finder and the acceptance criterion.

    Returns
    -------
    Calibration
        ``method="six-pose"``, with the mean error over the poses before and after in mg.

    Raises
    ------
    CalibrationError
        Naming the missing or moved pose, or the pose still off after the fit.
    """
    try:
        return cal.fit_six_pose(
            recording.accel_g, recording.fs_hz, cross_axis=cross_axis, config=config
        )
    except cal.CalibrationValueError as exc:
        raise CalibrationError(f"six-pose calibration failed: {exc.reason}") from exc


def fit_static_from_file(
    path: str | Path, *, cross_axis: bool = False, config: StaticConfig | None = None
) -> Calibration:
    """Read a recording of the six poses (any format :func:`read_recording` reads) and fit it.

    Parameters
    ----------
    path : str or Path
        The recording.
    cross_axis : bool, default False
        Fit the cross-axis terms too.
    config : calibration.StaticConfig, optional
        Thresholds.

    Returns
    -------
    Calibration

    Raises
    ------
    RecordingError
        If the file cannot be read.
    CalibrationError
        If the fit fails (see :func:`fit_static_from_recording`).
    """
    return fit_static_from_recording(read_recording(path), cross_axis=cross_axis, config=config)


def apply_calibration(
    recording: Recording,
    calibration: Calibration,
    *,
    temperature_degc: ArrayLike | float | None = None,
    in_place: bool = False,
) -> Recording:
    """A calibrated copy of a recording.

    Parameters
    ----------
    recording : Recording
        Raw acceleration.
    calibration : Calibration
        What to apply.
    temperature_degc : array_like of shape (n,) or float, optional
        Device temperature for a calibration with a temperature term.
    in_place : bool, default False
        Calibrate the recording's own samples instead of a copy (the recording passed in then
        holds calibrated samples too): a night's scoring never holds two copies of the night.

    Returns
    -------
    Recording
        Same rate, start, device and side; ``metadata["calibration"]`` names the method and
        ``metadata["calibration_json"]`` holds the parameters.

    Raises
    ------
    CalibrationError
        If the temperature does not match the recording.
    """
    import json

    try:
        target = recording.accel_g if in_place and recording.accel_g.flags.writeable else None
        accel = calibration.apply(recording.accel_g, temperature_degc, out=target)
    except cal.CalibrationValueError as exc:
        raise CalibrationError(f"cannot apply the calibration: {exc.reason}") from exc
    metadata = dict(recording.metadata)
    metadata["calibration"] = calibration.method
    metadata["calibration_json"] = json.dumps(calibration.to_dict(), separators=(",", ":"))
    return Recording(
        accel_g=accel,
        fs_hz=recording.fs_hz,
        start_utc=recording.start_utc,
        device_id=recording.device_id,
        side=recording.side,
        metadata=metadata,
    )


def recording_still_windows(
    recording: Recording,
    *,
    temperature_degc: ArrayLike | None = None,
    config: AutoCalConfig | None = None,
) -> StillWindows:
    """The still windows of one recording, to pool across nights.

    Parameters
    ----------
    recording : Recording
        Raw (uncalibrated) acceleration.
    temperature_degc : array_like, shape (n,), optional
        Temperature per sample.
    config : calibration.AutoCalConfig, optional
        Window length and still thresholds.

    Returns
    -------
    calibration.StillWindows

    Raises
    ------
    CalibrationError
        If the temperature does not match the recording or the rate is too low for a window.
    """
    cfg = config or AutoCalConfig()
    try:
        return cal.still_windows(
            recording.accel_g,
            recording.fs_hz,
            window_s=cfg.window_s,
            max_sd_g=cfg.max_sd_mg / 1000.0,
            max_abs_mean_g=cfg.max_abs_mean_g,
            temperature_degc=temperature_degc,
        )
    except cal.CalibrationValueError as exc:
        raise CalibrationError(f"cannot find still windows: {exc.reason}") from exc


def auto_calibrate(
    recordings: Recording | Sequence[Recording],
    *,
    temperatures_degc: Sequence[NDArray[np.float32] | None] | None = None,
    previous: Calibration | None = None,
    extra_windows: Sequence[StillWindows] = (),
    config: AutoCalConfig | None = None,
) -> AutoCalResult:
    """Auto-calibrate (van Hees et al. 2014) from the pooled still windows of recordings.

    Parameters
    ----------
    recordings : Recording or sequence of Recording
        Raw recordings of one device (for example several nights).
    temperatures_degc : sequence of (ndarray or None), optional
        Temperature per sample of each recording; the temperature term is fitted only when every
        recording has it.
    previous : Calibration, optional
        The calibration in use; kept when the fit is refused.
    extra_windows : sequence of StillWindows, optional
        Still windows kept from earlier nights (e.g. from the store) to pool with these.
    config : calibration.AutoCalConfig, optional
        Thresholds and bounds.

    Returns
    -------
    calibration.AutoCalResult
        ``accepted``, ``reason``, ``calibration`` (new or ``previous``), coverage and errors in mg.

    Raises
    ------
    CalibrationError
        If the recordings are from different devices, or their inputs are malformed.
    """
    recs = [recordings] if isinstance(recordings, Recording) else list(recordings)
    if not recs and not extra_windows:
        raise CalibrationError("auto-calibration needs at least one recording")
    devices = {r.device_id for r in recs if r.device_id}
    if len(devices) > 1:
        raise CalibrationError(
            f"auto-calibration pools one device's recordings; got {', '.join(sorted(devices))}"
        )
    temps: Sequence[NDArray[np.float32] | None] = temperatures_degc or [None] * len(recs)
    if len(temps) != len(recs):
        raise CalibrationError(f"got {len(temps)} temperature series for {len(recs)} recordings")
    parts = [
        recording_still_windows(r, temperature_degc=t, config=config)
        for r, t in zip(recs, temps, strict=True)
    ]
    try:
        pooled = StillWindows.concatenate([*extra_windows, *parts])
        result = cal.fit_auto_from_windows(pooled, previous=previous, config=config)
    except cal.CalibrationValueError as exc:
        raise CalibrationError(f"auto-calibration failed: {exc.reason}") from exc
    log.info(
        "auto-calibration of %d recording(s): %s",
        len(recs),
        "accepted" if result.accepted else result.reason,
    )
    return result


def read_with_temperature(path: str | Path) -> tuple[Recording, NDArray[np.float32] | None]:
    """Read a recording and, for Axivity and GENEActiv files, the temperature per sample.

    Parameters
    ----------
    path : str or Path
        Any file :func:`read_recording` reads.

    Returns
    -------
    recording : Recording
    temperature_degc : ndarray of float32, shape (n,), or None
        None for formats without temperature (CSV).

    Raises
    ------
    RecordingError
        If the file cannot be read.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".cwa" and path.is_file():
        from rls_monitor.recording.axivity import read_cwa

        return read_cwa(path, with_temperature=True)
    if suffix == ".bin" and path.is_file():
        from rls_monitor.recording.geneactiv import read_geneactiv_bin

        return read_geneactiv_bin(path, with_temperature=True)
    return read_recording(path), None


# --- calibration kept in the store --------------------------------------------------------------


def calibration_in_force(store: Store, device: str) -> Calibration | None:
    """The band's calibration in force (its latest accepted one), or ``None``.

    Parameters
    ----------
    store : rls_monitor.storage.Store
    device : str
        The band's address.

    Returns
    -------
    Calibration or None
    """
    row = store.get_device(device)
    if not row or not row.get("calibration"):
        return None
    return Calibration.from_dict(row["calibration"])


def save_calibration(
    store: Store,
    device: str,
    calibration: Calibration,
    *,
    accepted: bool = True,
    reason: str = "",
    source: str = "",
) -> int:
    """Record a calibration in the band's history; an accepted one becomes the one in force.

    Parameters
    ----------
    store : rls_monitor.storage.Store
    device : str
        The band's address (created when unknown).
    calibration : Calibration
        The fit (for a refused auto-calibration, its candidate).
    accepted : bool, default True
    reason : str
        Why it was refused.
    source : str
        Where it came from (file name, ``nights 3, 4``, ``simulated``).

    Returns
    -------
    int
        The history row's id.
    """
    return store.add_calibration(
        device, calibration.to_dict(), accepted=accepted, reason=reason, source=source
    )


def auto_calibrate_stored(
    store: Store,
    *,
    device: str | None = None,
    night: int | None = None,
    config: AutoCalConfig | None = None,
    save: bool = True,
) -> tuple[AutoCalResult, str, list[int]]:
    """Auto-calibrate a band from its stored nights (van Hees et al. 2014).

    With ``device``, the still windows of every stored night the band recorded are pooled (an
    ankle band in bed sees few orientations on one night); with ``night``, that night alone
    (its first band, or ``device``'s channel of it). The samples are the stored raw counts.
    The band's calibration in force is the ``previous`` one, kept when the fit is refused.

    Parameters
    ----------
    store : rls_monitor.storage.Store
    device : str, optional
        The band's address.
    night : int, optional
        One night's id.
    config : calibration.AutoCalConfig, optional
        Thresholds (10 s windows, SD < 13 mg, coverage >= 0.3 g each side, error < 10 mg).
    save : bool, default True
        Record the attempt in the band's history (an accepted fit becomes the one in force).

    Returns
    -------
    result : calibration.AutoCalResult
    device : str
        The band calibrated.
    nights : list of int
        The nights whose windows were pooled.

    Raises
    ------
    ConfigError
        Neither ``device`` nor ``night``, or a night without a band address.
    StorageError
        Unknown night or unreadable samples.
    CalibrationError
        No stored night of the band.

    References
    ----------
    van Hees V.T. et al., Autocalibration of accelerometer data for free-living physical activity
    assessment using local gravity and temperature, J Appl Physiol 2014;117:738-744.
    """
    from rls_monitor.errors import ConfigError
    from rls_monitor.nights import load_recordings

    if device is None and night is None:
        raise ConfigError("give a night or a device to auto-calibrate", name="night")
    if night is not None:
        info = store.get_night(night)
        if device is None:
            device = next((d for d in info.devices if d), None)
            if device is None:
                raise ConfigError(
                    f"night {night} has no band address; give --device", name="device"
                )
        if device not in info.devices:
            raise ConfigError(f"band {device} did not record night {night}", name="device")
        pairs = [(night, info.devices.index(device))]
    else:
        pairs = store.device_nights(str(device))
        if not pairs:
            raise CalibrationError(f"no stored night of band {device} to auto-calibrate from")
    if device is None:  # pragma: no cover - set above in both branches
        raise ConfigError("no band to auto-calibrate", name="device")
    windows = []
    for night_id, channel in pairs:
        recording = load_recordings(store, night_id)[channel]
        windows.append(recording_still_windows(recording, config=config))
    previous = calibration_in_force(store, device)
    result = auto_calibrate([], previous=previous, extra_windows=windows, config=config)
    if save:
        used = ", ".join(str(n) for n, _ in pairs)
        source = f"night{'s' if len(pairs) > 1 else ''} {used}"
        fitted = result.calibration if result.accepted else result.candidate
        if fitted is not None:
            save_calibration(
                store, device, fitted, accepted=result.accepted, reason=result.reason, source=source
            )
        else:
            store.add_calibration(
                device, None, accepted=False, method="auto", reason=result.reason, source=source
            )
    return result, device, [n for n, _ in pairs]


# --- the guided six-pose procedure --------------------------------------------------------------

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


class BandPoseCapture:
    """``capture(pose) -> Recording`` from a real band over its link, for :func:`guided_six_pose`.

    Each call connects to the band, takes ``hold_s`` seconds of live samples
    (:func:`rls_monitor.session.capture_samples`: the band's device id is checked against the
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
    config : rls_monitor.session.SessionConfig, optional
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
            From the link (see :func:`rls_monitor.session.capture_samples`).
        """
        import asyncio

        from rls_monitor.session import capture_samples

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
