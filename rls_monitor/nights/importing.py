"""Importing a recording file (or a Recording) into the store as a new, scored night."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from rls_monitor.errors import check_option
from rls_monitor.nights.score import (
    RULE_CHOICES,
    Scorer,
    as_calibration,
    night_calibrations,
    score_and_save,
)
from rls_monitor.recording import Recording, read_recording
from rls_monitor.scoring import ScoreResult
from rls_monitor.storage import Channel, Store

__all__ = ["DEFAULT_SUBJECT", "ImportedNight", "import_recording"]

logger = logging.getLogger(__name__)

#: Subject label used when none is given.
DEFAULT_SUBJECT = "default"


@dataclass(frozen=True)
class ImportedNight:
    """A night stored by :func:`import_recording`.

    Attributes
    ----------
    night_id : int
    result : ScoreResult
        Its score.
    """

    night_id: int
    result: ScoreResult


def import_recording(
    store: Store,
    recording: Recording | str | Path,
    *,
    subject: str = DEFAULT_SUBJECT,
    rules: str = "wasm2016",
    scorer: Scorer | None = None,
    calibration: Any = "device",
) -> ImportedNight:
    """Store a recording as a new night, score it, and save the score.

    The samples are stored as int16 counts first (night status ``recording``), then scored and
    the night closed (``complete``); a crash in between leaves an ``interrupted`` night whose
    samples can be rescored.

    Parameters
    ----------
    store : Store
        An open store.
    recording : Recording or path
        The recording, or a file :func:`~rls_monitor.recording.read_recording` reads.
    subject : str
        The subject's pseudonymous label.
    rules : {"wasm2016", "aasm"}
        The rule set.
    scorer : callable, optional
        ``scorer(recording, rules) -> ScoreResult``; :func:`rls_monitor.scoring.score` by
        default.
    calibration : {"device", "none"} or Calibration, default "device"
        Applied (in float32) to the recording before scoring; the stored counts stay raw and the
        calibration used is recorded with the night. ``"device"``: the recording device's
        calibration in force (none when the device has none or the recording is already
        calibrated).

    Returns
    -------
    ImportedNight

    Raises
    ------
    RecordingError
        The file cannot be read.
    ConfigError
        Unknown rule set or empty subject.
    StorageError
        The store cannot be written.
    """
    check_option("rules", rules, RULE_CHOICES)
    source = ""
    if not isinstance(recording, Recording):
        source = Path(recording).name
        recording = read_recording(recording)
    counts, lsb_g, exact = recording.to_counts()
    if not exact:
        logger.info("samples quantised to %.3g mg per count for storage", lsb_g * 1e3)
    metadata = dict(recording.metadata)
    metadata["lsb_g"] = repr(float(lsb_g))
    night_id = store.create_night(
        subject,
        fs_hz=recording.fs_hz,
        lsb_g=lsb_g,
        start_utc=recording.start_utc,
        channels=[Channel(side=recording.side, device=recording.device_id or None)],
        source=source,
        metadata=metadata,
    )
    # What was not recorded is not stored: each recorded stretch goes in at its own sample
    # number, so the store's holes are the recording's gaps (and count against completeness).
    bounds = np.concatenate(([0], recording.gaps.reshape(-1), [recording.n_samples]))
    for start, stop in bounds.reshape(-1, 2):
        if stop > start:
            store.append_samples(night_id, int(start), counts[start:stop])
    if isinstance(calibration, str):
        check_option("calibration", calibration, ("device", "none"))
        mode = "latest" if calibration == "device" else "none"
        if mode == "latest" and recording.metadata.get("calibration") not in (None, "", "identity"):
            logger.info("recording already calibrated; no device calibration applied")
            mode = "none"
        cals = night_calibrations(store, night_id, mode)
    else:
        cals = [as_calibration(calibration)]
    result = score_and_save(store, night_id, rules, scorer, cals)
    store.finish_night(night_id)
    return ImportedNight(night_id, result)
