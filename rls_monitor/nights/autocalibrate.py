"""Auto-calibrating a band from the nights it recorded, as kept in the store (van Hees et al. 2014).

The still windows of the stored raw samples of a band's nights are pooled and fitted; the attempt
is recorded in the band's calibration history (an accepted fit becomes the one in force).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from calibration import AutoCalConfig, AutoCalResult
from rls_monitor.band_calibration.fit import auto_calibrate, recording_still_windows
from rls_monitor.band_calibration.stored import calibration_in_force, save_calibration
from rls_monitor.errors import CalibrationError
from rls_monitor.nights.score import load_recordings

if TYPE_CHECKING:
    from rls_monitor.storage import Store

__all__ = ["auto_calibrate_stored"]


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
