"""Importing a recording file (or a Recording) into the store as a new, scored night."""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rls_monitor.errors import check_option
from rls_monitor.nights.prepare import prepare_night, store_prepared
from rls_monitor.nights.score import RULE_CHOICES, Scorer, as_calibration
from rls_monitor.recording import Recording, read_recording
from rls_monitor.scoring import ScoreResult
from rls_monitor.storage import Store

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

    The recording is scored as the store will give it back (its int16 counts and gaps:
    :func:`~rls_monitor.nights.prepare.prepare_night`, what a batch worker does too), then its
    samples, score and minutes are stored and the night closed (``complete``); a crash while
    storing leaves an ``interrupted`` night whose samples can be rescored.

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
    if isinstance(calibration, str):
        check_option("calibration", calibration, ("device", "none"))
        device = recording.device_id
        in_force = store.get_device(device) if calibration == "device" and device else None
        calibrations = {device: in_force["calibration"]} if in_force else None
        if calibrations and recording.metadata.get("calibration") not in (None, "", "identity"):
            logger.info("recording already calibrated; no device calibration applied")
    else:
        calibrations = {recording.device_id: as_calibration(calibration)}
        recording = _without_calibration_mark(recording)
    prepared = prepare_night(
        recording, rules=rules, scorer=scorer, calibrations=calibrations, source=source
    )
    night_id = store_prepared(store, prepared, subject)
    return ImportedNight(night_id, ScoreResult.from_dict(prepared.result))


def _without_calibration_mark(recording: Recording) -> Recording:
    """The recording with any "already calibrated" mark dropped: an explicit calibration applies."""
    if recording.metadata.get("calibration") in (None, "", "identity"):
        return recording
    metadata = {k: v for k, v in recording.metadata.items() if k != "calibration"}
    return dataclasses.replace(recording, metadata=metadata)
