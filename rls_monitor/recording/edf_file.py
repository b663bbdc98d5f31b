"""EDF and EDF+ files with accelerometer channels (read with edfio).

A polysomnograph's or an actigraph's EDF, or our own EDF+ export, as a :class:`Recording`:

- the three acceleration channels are chosen by label (``X Axis``, ``Accel X``, ``Accel X left``,
  ``ACC_X``, ``Accelerometer X``, ``x``, in any case, with an optional leg), or named by the user
  (``channels``, the CLI's ``--channels X,Y,Z``); a file with none, or with more than one such set
  (two bands), is refused with a message that names its labels and the option;
- the physical dimension is converted to g (``g``, ``mg``, ``m/s^2``); the three channels must
  have one rate;
- the start is the header's (EDF times are local clock time; our export writes the UTC offset in
  the recording field, which is used when present, else the time is taken as UTC and the metadata
  says so);
- EDF+ annotations of our export: ``Not recorded`` spans become gaps, ``End of recording`` cuts
  the padding of the last data record; a channel labelled with a leg gives the recording's side.

References
----------
Kemp B, Olivan J. European data format 'plus' (EDF+). Clin Neurophysiol. 2003;114:1755-1761.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import numpy as np

from rls_monitor.errors import RecordingError
from rls_monitor.recording.model import Recording

__all__ = ["read_edf"]

_AXIS_LABEL = re.compile(
    r"^(?:(?:accel(?:erometer)?|acc)[ _.-]*)?([xyz])(?:[ _.-]*axis)?(?:[ _.-]+(left|right|l|r))?$",
    re.IGNORECASE,
)
_TO_G = {"g": 1.0, "mg": 1e-3, "m/s^2": 1 / 9.80665, "m/s2": 1 / 9.80665, "m/s²": 1 / 9.80665}
_OFFSET = re.compile(r"UTC([+-])(\d\d):(\d\d)")
_RECORDS = re.compile(r"header indicates (\d+) data records, but file contains (\d+)")


def read_edf(path: str | Path, *, channels: Sequence[str] | None = None) -> Recording:
    """Read the acceleration of an EDF/EDF+ file.

    Parameters
    ----------
    path : str or Path
    channels : sequence of three str, optional
        The labels of the X, Y and Z acceleration channels, for a file whose labels the reader
        does not recognise or that holds more than one set (compared without case and surrounding
        spaces). By default the channels are found by label (see the module docstring).

    Returns
    -------
    Recording

    Raises
    ------
    RecordingError
        Not an EDF file, no (or more than one set of) acceleration channels, channels of
        different rates, a unit that is not one of acceleration.
    """
    import edfio

    path = Path(path)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            edf = edfio.read_edf(path)
    except Exception as exc:  # edfio raises ValueError and friends for files it cannot parse
        raise RecordingError(f"not a readable EDF file ({exc})".splitlines()[0], path=path) from exc
    # edfio reads a copy cut short by dropping the records that are missing, with a warning
    said = [str(w.message) for w in caught]
    for text in said:
        match = _RECORDS.search(text)
        if match:
            raise RecordingError(
                f"truncated EDF file: {match.group(2)} of the {match.group(1)} data records the "
                "header announces",
                path=path,
            )
    if any("Incomplete data record" in text for text in said):
        raise RecordingError("truncated EDF file: its last data record is cut short", path=path)
    if channels is not None:
        axes = _chosen_channels(edf.signals, channels, path)
        complete = {_side_of(axes): axes}
    else:
        complete = _labelled_sets(edf.signals, path)
    side, axes = next(iter(complete.items()))

    signals = [axes["x"], axes["y"], axes["z"]]
    rates = {float(s.sampling_frequency) for s in signals}
    if len(rates) != 1:
        raise RecordingError(
            f"the X, Y and Z channels have different rates: {sorted(rates)} Hz", path=path
        )
    fs_hz = rates.pop()
    columns = []
    for s in signals:
        unit = s.physical_dimension.strip().lower().replace(" ", "")
        if unit not in _TO_G:
            raise RecordingError(
                f"channel {s.label.strip()!r} is in {s.physical_dimension.strip()!r}, "
                "not an acceleration unit (g, mg, m/s^2)",
                path=path,
            )
        columns.append(np.asarray(s.data, dtype=np.float64) * _TO_G[unit])
    n = min(c.size for c in columns)
    accel = np.column_stack([c[:n] for c in columns])
    annotations = [(float(a.onset), a.duration, str(a.text)) for a in edf.annotations]
    for onset, _, text in annotations:
        if text == "End of recording":
            n = min(n, round(onset * fs_hz))
    accel = accel[:n]
    gaps = []
    for onset, duration, text in annotations:
        if text == "Not recorded" and duration:
            a, b = round(onset * fs_hz), min(n, round((onset + float(duration)) * fs_hz))
            if b > a:
                gaps.append([a, b])
    metadata = {"format": "edf", "channels": ",".join(s.label.strip() for s in signals)}
    start_utc = _start_utc(edf, metadata)
    if any("calibrated" in s.prefiltering for s in signals):
        metadata["calibration"] = "applied in the file"
    return Recording(
        accel.astype(np.float32),
        fs_hz,
        start_utc=start_utc,
        side=side if side in ("left", "right") else "unknown",
        metadata=metadata,
        gaps=np.asarray(sorted(gaps), dtype=np.int64).reshape(-1, 2),
    )


def _start_utc(edf: Any, metadata: dict[str, str]) -> datetime | None:
    try:
        start = datetime.combine(edf.startdate, edf.starttime)
    except Exception:  # an anonymised start date (EDF+ "X") has no date
        return None
    try:
        fields = " ".join(str(f) for f in edf.recording.additional)
    except Exception:
        fields = ""
    match = _OFFSET.search(fields)
    if match:
        sign = 1 if match.group(1) == "+" else -1
        offset = timedelta(hours=int(match.group(2)), minutes=int(match.group(3))) * sign
        metadata["utc_offset"] = match.group(0)[3:]
        return start.replace(tzinfo=timezone(offset)).astimezone(UTC)
    metadata["start_time_zone"] = "unknown: the EDF's local start time is taken as UTC"
    return start.replace(tzinfo=UTC)


def _labelled_sets(signals: Sequence[Any], path: Path) -> dict[str, dict[str, Any]]:
    """The one set of X, Y, Z channels found by label, keyed by its leg ("" when unnamed)."""
    sets: dict[str, dict[str, Any]] = {}
    for signal in signals:
        match = _AXIS_LABEL.match(signal.label.strip())
        if match:
            side = {"l": "left", "r": "right"}.get((match.group(2) or "").lower(), match.group(2))
            sets.setdefault((side or "").lower(), {})[match.group(1).lower()] = signal
    complete = {side: axes for side, axes in sets.items() if set(axes) == {"x", "y", "z"}}
    if not complete:
        labels = ", ".join(s.label.strip() for s in signals) or "none"
        raise RecordingError(
            f"no three acceleration channels (X, Y, Z) in this EDF; its channels: {labels} "
            "(name them with --channels X,Y,Z)",
            path=path,
        )
    if len(complete) > 1:
        raise RecordingError(
            "this EDF holds more than one band's acceleration "
            f"({', '.join(s or 'unlabelled' for s in complete)}); choose one with --channels X,Y,Z",
            path=path,
        )
    return complete


def _chosen_channels(signals: Sequence[Any], channels: Sequence[str], path: Path) -> dict[str, Any]:
    """The X, Y, Z channels the user named, by label."""
    names = [c.strip() for c in channels]
    if len(names) != 3 or not all(names):
        raise RecordingError(
            f"--channels takes three labels (X, Y, Z); got {len(names)}: {', '.join(names)}",
            path=path,
        )
    by_label: dict[str, Any] = {}
    for signal in signals:
        by_label.setdefault(signal.label.strip().lower(), signal)
    missing = [n for n in names if n.lower() not in by_label]
    if missing:
        labels = ", ".join(s.label.strip() for s in signals) or "none"
        raise RecordingError(
            f"no channel labelled {missing[0]!r} in this EDF; its channels: {labels}", path=path
        )
    return {axis: by_label[n.lower()] for axis, n in zip("xyz", names, strict=True)}


def _side_of(axes: dict[str, Any]) -> str:
    """The leg the chosen channels' labels name ("" when they name none, or disagree)."""
    sides = set()
    for signal in axes.values():
        label = signal.label.strip().lower()
        words = set(re.split(r"[ _.-]+", label))
        sides.add("left" if words & {"left", "l"} else "right" if words & {"right", "r"} else "")
    return sides.pop() if len(sides) == 1 else ""
