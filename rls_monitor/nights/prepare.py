"""A night made ready to store: its counts, score and minute rows, computed without the store.

What a batch worker computes (:mod:`rls_monitor.batch`): everything :func:`import_recording`
would compute for a recording, as plain picklable values, so many processes (or a Dask cluster)
can read and score while one writer stores (:func:`store_prepared`). The night is scored from
the recording exactly as the store will give it back (:func:`stored_form`: the int16 counts, the
gaps, without a gap at the end), so a prepared night's score equals the one
:func:`~rls_monitor.nights.rescore.rescore_night` would make of the stored night.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
from numpy.typing import NDArray

from rls_monitor.band_calibration.apply import apply_calibration
from rls_monitor.nights.score import (
    Scorer,
    as_calibration,
    calibration_dicts,
    score_recordings,
    score_rows,
)
from rls_monitor.recording import Recording
from rls_monitor.storage import Channel, Store

__all__ = ["PreparedNight", "calibration_for", "prepare_night", "store_prepared", "stored_form"]


@dataclass(frozen=True, eq=False)
class PreparedNight:
    """One recording's night, scored, ready for :func:`store_prepared` (picklable).

    Attributes
    ----------
    counts : ndarray of int16, shape (n, 3)
        The samples as the store keeps them (placeholders inside gaps, which are not stored).
    lsb_g, fs_hz : float
    start_utc : datetime or None
    side, device_id : str
    gaps : ndarray of int64, shape (k, 2)
        ``[start, stop)`` sample indices not recorded.
    metadata : dict
        The night's metadata (the recording's, ``lsb_g``, ``source_sha256`` when known).
    source : str
        The file name.
    result : dict
        ``ScoreResult.to_dict()``.
    minutes : list of dict
        Per-minute rows.
    posture_at_onset : list of str or None
    calibrations : list of (dict or None) or None
        The calibration applied per channel.
    """

    counts: NDArray[np.int16]
    lsb_g: float
    fs_hz: float
    start_utc: datetime | None
    side: str
    device_id: str
    gaps: NDArray[np.int64]
    metadata: dict[str, Any]
    source: str
    result: dict[str, Any]
    minutes: list[dict[str, Any]] = field(default_factory=list)
    posture_at_onset: list[str] | None = None
    calibrations: list[dict[str, Any] | None] | None = None


def stored_form(recording: Recording) -> tuple[Recording, NDArray[np.int16], float]:
    """The recording as the store will give it back, its int16 counts and their size in g.

    A gap at the very end is not kept (nothing after it is stored, so the night ends at its last
    recorded sample); everything else is :meth:`Recording.to_counts` and
    :meth:`Recording.from_counts`.

    Parameters
    ----------
    recording : Recording

    Returns
    -------
    recording : Recording
        Rebuilt from the counts, with the gaps (what ``load_recordings`` returns).
    counts : ndarray of int16, shape (n, 3)
    lsb_g : float
    """
    counts, lsb_g, _ = recording.to_counts()
    gaps = recording.gaps
    if gaps.size and gaps[-1, 1] == recording.n_samples:
        counts, gaps = counts[: gaps[-1, 0]], gaps[:-1]
    metadata = dict(recording.metadata)
    metadata["lsb_g"] = repr(float(lsb_g))
    back = Recording.from_counts(
        counts,
        lsb_g,
        recording.fs_hz,
        start_utc=recording.start_utc,
        device_id=recording.device_id,
        side=recording.side,
        metadata=metadata,
        gaps=gaps,
    )
    return back, counts, float(lsb_g)


def calibration_for(recording: Recording, calibrations: Mapping[str, Any] | None) -> Any:
    """The device calibration to apply to a recording (``None`` for none).

    ``calibrations`` maps device ids to the calibration in force (a ``Calibration`` or its dict);
    a recording whose metadata says it is already calibrated gets none.
    """
    if recording.metadata.get("calibration") not in (None, "", "identity"):
        return None
    if not calibrations or not recording.device_id:
        return None
    return as_calibration(calibrations.get(recording.device_id))


def prepare_night(
    recording: Recording,
    *,
    rules: str = "wasm2016",
    scorer: Scorer | None = None,
    calibrations: Mapping[str, Any] | None = None,
    source: str = "",
    metadata: Mapping[str, Any] | None = None,
) -> PreparedNight:
    """Score a recording as its stored night will be scored, without a store.

    Parameters
    ----------
    recording : Recording
    rules : {"wasm2016", "aasm"}
    scorer : callable, optional
        As for :func:`~rls_monitor.nights.importing.import_recording`.
    calibrations : mapping of str to Calibration or dict, optional
        The calibration in force per device id (see :func:`calibration_for`).
    source : str
        The file name.
    metadata : mapping, optional
        Extra night metadata (e.g. ``source_sha256``).

    Returns
    -------
    PreparedNight
    """
    back, counts, lsb_g = stored_form(recording)
    cal = calibration_for(recording, calibrations)
    scored = back if cal is None else apply_calibration(back, cal)
    result, posture = score_recordings([scored], rules, scorer)
    minutes, at_onset = score_rows(counts, lsb_g, recording.fs_hz, result, posture)
    meta = {**back.metadata, **(metadata or {})}
    return PreparedNight(
        counts=counts,
        lsb_g=lsb_g,
        fs_hz=recording.fs_hz,
        start_utc=recording.start_utc,
        side=recording.side,
        device_id=recording.device_id,
        gaps=back.gaps,
        metadata=meta,
        source=source,
        result=result.to_dict(),
        minutes=minutes,
        posture_at_onset=at_onset,
        calibrations=calibration_dicts([cal]),
    )


def store_prepared(store: Store, night: PreparedNight, subject: str) -> int:
    """Store a prepared night: samples (each recorded stretch at its own sample number), score,
    minutes and calibration; the night is ``complete`` at the end.

    A crash part-way leaves a night without a score (``interrupted`` after recovery), which a
    batch run deletes and stores again.

    Parameters
    ----------
    store : Store
    night : PreparedNight
    subject : str

    Returns
    -------
    int
        The new night's id.
    """
    night_id = store.create_night(
        subject,
        fs_hz=night.fs_hz,
        lsb_g=night.lsb_g,
        start_utc=night.start_utc,
        channels=[Channel(side=night.side, device=night.device_id or None)],
        source=night.source,
        metadata=night.metadata,
    )
    for start, stop in recorded_stretches(night.gaps, night.counts.shape[0]):
        store.append_samples(night_id, start, night.counts[start:stop])
    store.save_score(
        night_id,
        night.result,
        minutes=night.minutes,
        posture=night.posture_at_onset,
        calibrations=night.calibrations,
        set_calibration=True,
    )
    store.finish_night(night_id)
    return night_id


def recorded_stretches(gaps: NDArray[np.int64], n_samples: int) -> Sequence[tuple[int, int]]:
    """The ``[start, stop)`` stretches between the gaps of ``n_samples`` samples."""
    bounds = np.concatenate(([0], np.asarray(gaps, np.int64).reshape(-1), [n_samples]))
    return [(int(a), int(b)) for a, b in bounds.reshape(-1, 2) if b > a]
