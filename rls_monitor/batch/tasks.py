"""The work of a batch worker: one file read and scored, or one stored night rescored.

Each task is a module-level function of plain arguments that returns a plain, picklable value,
so it runs the same in this process, in a process pool and on a Dask worker. A task never
raises for a bad file: it returns a :class:`TaskFailure` with the one-line reason, so one bad
file never stops the rest and nothing has to pickle an exception.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rls_monitor.errors import RLSMonitorError
from rls_monitor.nights.prepare import PreparedNight, prepare_night
from rls_monitor.nights.score import (
    calibration_dicts,
    night_calibrations,
    score_rows,
    score_stored_night,
)
from rls_monitor.recording import read_recording
from rls_monitor.storage import Store

__all__ = ["RescoredNight", "TaskFailure", "import_task", "rescore_task"]


@dataclass(frozen=True)
class TaskFailure:
    """A task that could not be done, with its one-line reason."""

    reason: str


@dataclass(frozen=True, eq=False)
class RescoredNight:
    """A stored night scored again, ready for the writer to save."""

    night_id: int
    result: dict[str, Any]
    minutes: list[dict[str, Any]]
    posture_at_onset: list[str] | None
    calibrations: list[dict[str, Any] | None] | None


def _reason(exc: BaseException) -> str:
    if isinstance(exc, RLSMonitorError):
        return str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    if isinstance(exc, MemoryError):
        return "out of memory while reading or scoring"
    if isinstance(exc, OSError):
        return f"cannot read: {exc.strerror or exc}"
    return f"internal error ({type(exc).__name__}: {exc})".splitlines()[0]


def import_task(
    path: str,
    *,
    rules: str,
    calibrations: Mapping[str, Any] | None,
    sha256: str,
    channels: Sequence[str] | None = None,
) -> PreparedNight | TaskFailure:
    """Read a recording file and score it as its stored night will be scored.

    Parameters
    ----------
    path : str
        The file (readable by the worker).
    rules : {"wasm2016", "aasm"}
    calibrations : mapping of str to dict, optional
        The calibration in force per device address.
    sha256 : str
        The file's content hash, kept with the night.
    channels : sequence of three str, optional
        For EDF files, the labels of the X, Y and Z channels
        (:func:`~rls_monitor.recording.read_recording`).

    Returns
    -------
    PreparedNight or TaskFailure
    """
    try:
        recording = read_recording(path, channels=channels) if channels else read_recording(path)
        return prepare_night(
            recording,
            rules=rules,
            calibrations=calibrations,
            source=Path(path).name,
            metadata={"source_sha256": sha256, "source_path": str(path)},
        )
    except Exception as exc:  # every failure is one file's, reported, never the batch's
        return TaskFailure(_reason(exc))


def rescore_task(
    night_id: int, *, db_path: str, rules: str | None, calibration: str = "stored"
) -> RescoredNight | TaskFailure:
    """Score a stored night again, reading it from the store without writing.

    Parameters
    ----------
    night_id : int
    db_path : str
        The store (opened read-only: only the batch's writer writes).
    rules : {"wasm2016", "aasm"}, optional
        The night's own rule set when omitted.
    calibration : {"stored", "latest", "none"}
        As for :func:`~rls_monitor.nights.rescore.rescore_night`.

    Returns
    -------
    RescoredNight or TaskFailure
    """
    try:
        with Store(db_path, readonly=True) as store:
            info = store.get_night(night_id)
            use = rules or info.rules or "wasm2016"
            cals = night_calibrations(store, night_id, calibration)
            result, posture, counts = score_stored_night(store, night_id, use, None, cals)
            minutes, at_onset = score_rows(counts, info.lsb_g, info.fs_hz, result, posture)
        return RescoredNight(
            night_id=night_id,
            result=result.to_dict(),
            minutes=minutes,
            posture_at_onset=at_onset,
            calibrations=calibration_dicts(cals),
        )
    except Exception as exc:  # one night's failure is reported, never the batch's
        return TaskFailure(_reason(exc))
