"""Importing a recording file (or a Recording) into the store as a new, scored night."""

from __future__ import annotations

import dataclasses
import hashlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rls_monitor.errors import check_option
from rls_monitor.nights.prepare import prepare_night, store_prepared
from rls_monitor.nights.score import RULE_CHOICES, Scorer, as_calibration
from rls_monitor.recording import Recording, read_recording
from rls_monitor.scoring import ScoreResult
from rls_monitor.storage import Store

__all__ = ["DEFAULT_SUBJECT", "ImportedNight", "file_sha256", "import_recording", "stored_as"]

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
    already_stored : bool
        The same file (same content) was stored before as ``night_id``; nothing was imported.
    """

    night_id: int
    result: ScoreResult
    already_stored: bool = False


def file_sha256(path: str | Path) -> str:
    """The SHA-256 of a file's content, hex (kept with an imported night as ``source_sha256``)."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def stored_as(store: Store, sha256: str) -> int | None:
    """The scored night imported from a file with this content hash, if any (the first)."""
    for night in store.list_nights():
        if night.metadata.get("source_sha256") == sha256 and store.get_result(night.id):
            return night.id
    return None


def import_recording(
    store: Store,
    recording: Recording | str | Path,
    *,
    subject: str = DEFAULT_SUBJECT,
    rules: str = "wasm2016",
    scorer: Scorer | None = None,
    calibration: Any = "device",
    again: bool = False,
    channels: Sequence[str] | None = None,
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
    again : bool
        Store a file again even when a night with the same content is stored already (by
        default that night is returned, ``already_stored`` set, and nothing is imported).
    channels : sequence of three str, optional
        For an EDF file, the labels of its X, Y and Z channels (see
        :func:`~rls_monitor.recording.read_recording`).

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
    sha256 = None
    if not isinstance(recording, Recording):
        source = Path(recording).name
        try:
            sha256 = file_sha256(recording)
        except OSError:
            sha256 = None  # read_recording says what is wrong with the file
        before = None if again or sha256 is None else stored_as(store, sha256)
        if before is not None:
            saved = ScoreResult.from_dict(store.get_result(before) or {})
            return ImportedNight(before, saved, already_stored=True)
        recording = read_recording(recording, channels=channels)
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
        recording,
        rules=rules,
        scorer=scorer,
        calibrations=calibrations,
        source=source,
        metadata=None if sha256 is None else {"source_sha256": sha256},
    )
    night_id = store_prepared(store, prepared, subject)
    return ImportedNight(night_id, ScoreResult.from_dict(prepared.result))


def _without_calibration_mark(recording: Recording) -> Recording:
    """The recording with any "already calibrated" mark dropped: an explicit calibration applies."""
    if recording.metadata.get("calibration") in (None, "", "identity"):
        return recording
    metadata = {k: v for k, v in recording.metadata.items() if k != "calibration"}
    return dataclasses.replace(recording, metadata=metadata)
