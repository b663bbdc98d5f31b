"""Reading any recording file: the reader is chosen by the file's suffix.

``.csv``
    The plain CSV format (:mod:`rls_monitor.recording.csv_file`), or an ActiGraph ActiLife export
    when the first line is ActiLife's header (:mod:`rls_monitor.recording.actilife_csv`).
``.cwa``
    Axivity AX3/AX6 continuous-wave files (:mod:`rls_monitor.recording.axivity`).
``.bin``
    GENEActiv binary files (:mod:`rls_monitor.recording.geneactiv`).
``.gt3x``
    ActiGraph files, both layouts (:mod:`rls_monitor.recording.actigraph`).
``.edf``
    EDF/EDF+ with three acceleration channels (:mod:`rls_monitor.recording.edf_file`).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from rls_monitor.errors import RecordingError
from rls_monitor.recording.actigraph import read_gt3x
from rls_monitor.recording.actilife_csv import is_actilife_csv, read_actilife_csv
from rls_monitor.recording.axivity import read_cwa
from rls_monitor.recording.csv_file import read_csv
from rls_monitor.recording.edf_file import read_edf
from rls_monitor.recording.geneactiv import read_geneactiv_bin
from rls_monitor.recording.model import Recording

__all__ = ["RECORDING_SUFFIXES", "read_recording"]

#: File suffixes :func:`read_recording` reads (lower case).
RECORDING_SUFFIXES = (".csv", ".cwa", ".bin", ".gt3x", ".edf")


def read_recording(path: str | Path, *, channels: Sequence[str] | None = None) -> Recording:
    """Read a recording file, choosing the reader by the file's suffix.

    Parameters
    ----------
    path : str or Path
        A ``.csv`` (plain CSV or ActiLife export), ``.cwa`` (Axivity), ``.bin`` (GENEActiv),
        ``.gt3x`` (ActiGraph) or ``.edf`` file.
    channels : sequence of three str, optional
        For an EDF file: the labels of its X, Y and Z acceleration channels (see
        :func:`~rls_monitor.recording.edf_file.read_edf`). Refused for other formats.

    Returns
    -------
    Recording

    Raises
    ------
    RecordingError
        When the file is missing, of an unknown kind, or cannot be read as that kind.
    """
    path = Path(path)
    if not path.is_file():
        raise RecordingError("no such file", path=path)
    suffix = path.suffix.lower()
    if channels is not None and suffix != ".edf":
        raise RecordingError(
            f"channels are chosen only in EDF files; a {suffix or 'file with no suffix'} file has "
            "its own three axes",
            path=path,
        )
    if suffix == ".csv":
        return read_actilife_csv(path) if is_actilife_csv(_first_line(path)) else read_csv(path)
    if suffix == ".gt3x":
        return read_gt3x(path)
    if suffix == ".cwa":
        return read_cwa(path)
    if suffix == ".bin":
        return read_geneactiv_bin(path)
    if suffix == ".edf":
        return read_edf(path, channels=channels)
    raise RecordingError(
        f"unknown recording format {suffix or '(no suffix)'!r}; expected .csv, .cwa, .bin, .gt3x or .edf",
        path=path,
    )


def _first_line(path: Path) -> str:
    """The file's first line (at most 200 characters), or "" when it cannot be read as text."""
    try:
        with path.open("r", encoding="utf-8-sig", errors="replace") as fh:
            return fh.readline(200)
    except OSError:
        return ""
