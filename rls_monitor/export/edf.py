"""EDF+ export of a night: calibrated acceleration and the scored leg movements as annotations.

The file opens in PSG software and EDF browsers (EDFbrowser, Polyman, MNE, pyedflib):

- **Signals**: three acceleration channels (x, y, z, sensor axes) per band, labelled
  ``Accel X left`` etc. (``Accel X`` when the leg is unknown), physical dimension ``g``, at the
  band's rate. The digital range is that of int16 (-32768..32767) and the physical range is
  ``digital * lsb_g`` of the sensor (EDF writes it with 8 characters, so the last digit is rounded
  outwards), so one digital step is the sensor's resolution and raw counts come back unchanged;
  calibrated values (offset and scale applied) come back within half a step. Values beyond the
  range are clipped (and logged).
- **Annotations** (EDF+ TAL): one per scored leg movement with the most specific label: ``PLM``
  (member of a PLM series), ``CLM`` (candidate, not periodic) or ``LM`` (not a candidate); one
  per PLM series, spanning its first onset to its last offset, ``PLM series 3 (n=12, wasm2016)``;
  ``Out of bed`` periods from the per-minute rows; ``Not recorded`` for each gap (the signal
  holds placeholders there: the last sample before it held, as the store keeps it); and at time 0 a note naming the software and
  the rule set. A scored night's annotations therefore carry every LM, CLM, PLM and series.
- **Header**: the patient field holds only the subject's pseudonymous label (sex, birth date and
  name are ``X``); the recording field holds the local start date, ``night-<id>``, the
  equipment (``rls-monitor``) and the UTC offset and rule set as additional fields. Start date and
  time are **local clock time** (EDF has no time zone; the offset is in the recording field); a
  start with sub-second precision is kept through EDF+'s time-keeping annotation.
- The data are padded to a whole number of data records by repeating the last sample; an
  ``End of recording`` annotation marks where the real samples end.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Mapping, Sequence
from datetime import timedelta, timezone
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

import rls_monitor
from rls_monitor.errors import ConfigError, RLSMonitorError
from rls_monitor.export.files import private_output
from rls_monitor.export.pseudonym import Pseudonymiser
from rls_monitor.export.records import NightRecord

__all__ = ["EDF_DIGITAL_RANGE", "NOT_RECORDED", "channel_label", "edf_annotations", "write_edf"]

log = logging.getLogger(__name__)

EDF_DIGITAL_RANGE = (-32768, 32767)
"""Digital range of the acceleration channels (int16)."""

NOT_RECORDED = "Not recorded"
"""Text of the annotation spanning each gap: a reader of the file takes that stretch as not data."""

_AXES = ("X", "Y", "Z")


def channel_label(axis: str, side: str) -> str:
    """EDF label of one acceleration channel, e.g. ``Accel X left`` (at most 16 characters)."""
    return f"Accel {axis} {side}" if side in ("left", "right") else f"Accel {axis}"


def _ascii_token(text: str, default: str = "X") -> str:
    token = re.sub(r"[^\x21-\x7e]", "_", text.strip())
    return token or default


def _record_duration_s(fs_hz: float) -> float:
    """Shortest whole-second data record holding a whole number of samples (at most 100 s)."""
    for seconds in range(1, 101):
        n = fs_hz * seconds
        if abs(n - round(n)) < 1e-9 * max(1.0, n):
            return float(seconds)
    raise ConfigError(
        f"the sample rate {fs_hz!r} Hz gives no whole number of samples in a data record "
        "of up to 100 s",
        name="fs_hz",
        value=fs_hz,
    )


def edf_annotations(
    result: Mapping[str, Any], minutes: Sequence[Mapping[str, Any]] = ()
) -> list[tuple[float, float | None, str]]:
    """The EDF+ annotations of a scored night.

    Parameters
    ----------
    result : mapping
        ``ScoreResult.to_dict()``.
    minutes : sequence of mapping
        Per-minute rows with ``start_s`` and ``in_bed``, for the ``Out of bed`` periods.

    Returns
    -------
    list of (onset_s, duration_s, text)
        In time order; see the module docstring for the texts.
    """
    rules = str(result.get("rules", ""))
    software = result.get("software") or {}
    out: list[tuple[float, float | None, str]] = [
        (
            0.0,
            None,
            f"Scored by {software.get('name', 'rls-monitor')} {software.get('version', '')} "
            f"[{rules}] from an ankle accelerometer",
        )
    ]
    movements = list(result.get("movements") or [])
    for m in movements:
        label = "PLM" if m.get("plm") else ("CLM" if m.get("clm") else "LM")
        onset = float(m["onset_s"])
        out.append((onset, round(float(m["offset_s"]) - onset, 3), label))
    by_series: dict[int, list[Mapping[str, Any]]] = {}
    for m in movements:
        sid = int(m.get("series", -1))
        if sid >= 0:
            by_series.setdefault(sid, []).append(m)
    for sid, members in sorted(by_series.items()):
        first = float(members[0]["onset_s"])
        last = float(members[-1]["offset_s"])
        text = f"PLM series {sid + 1} (n={len(members)}, {rules})"
        out.append((first, round(last - first, 3), text))
    start: float | None = None
    step = 60.0
    for row in minutes:
        t = float(row["start_s"])
        out_of_bed = row.get("in_bed") is False or row.get("in_bed") == 0
        if out_of_bed and start is None:
            start = t
        elif not out_of_bed and start is not None:
            out.append((start, t - start, "Out of bed"))
            start = None
    if start is not None and minutes:
        end = float(minutes[-1]["start_s"]) + step
        out.append((start, end - start, "Out of bed"))
    posture = result.get("posture") or {}
    for onset_s, offset_s in posture.get("not_recorded") or []:
        out.append((float(onset_s), round(float(offset_s) - float(onset_s), 3), NOT_RECORDED))
    out.sort(key=lambda a: (a[0], a[2]))
    return out


def write_edf(
    path: str | Path,
    record: NightRecord,
    counts: Sequence[NDArray[np.integer[Any]]],
    *,
    calibrations: Sequence[Any | None] | None = None,
    pseudo: Pseudonymiser | None = None,
) -> Path:
    """Write a night as EDF+ with calibrated acceleration and the scored movements.

    Parameters
    ----------
    path : str or Path
        The file to write.
    record : NightRecord
        The night (score, subject, start, rate, lsb, sides, minutes).
    counts : sequence of ndarray of int16, shape (n, 3)
        The stored raw counts of each channel (band), same rate and start.
    calibrations : sequence of (Calibration or mapping or None), optional
        Each channel's calibration (``calibration.model.Calibration`` or its ``to_dict()``); by
        default ``record.calibrations``; ``None`` entries leave the channel uncalibrated.
    pseudo : Pseudonymiser, optional
        Replace the subject label and shift the start date.

    Returns
    -------
    Path

    Raises
    ------
    ConfigError
        No channel, channels of different lengths, a missing rate or lsb.
    RLSMonitorError
        The file cannot be written.

    References
    ----------
    Kemp B, Olivan J. European data format 'plus' (EDF+), an EDF alike standard format for the
    exchange of physiological data. Clin Neurophysiol. 2003;114:1755-1761.
    """
    import edfio

    from calibration.model import Calibration

    if not counts:
        raise ConfigError("an EDF export needs at least one channel of samples", name="counts")
    if not record.fs_hz or not record.lsb_g:
        raise ConfigError("the night has no sample rate or lsb", name="fs_hz")
    fs_hz = float(record.fs_hz)
    lsb_g = float(record.lsb_g)
    n = min(int(np.asarray(c).shape[0]) for c in counts)
    if n == 0:
        raise ConfigError(f"night {record.night_id} has no stored samples", name="night")
    cals = list(calibrations) if calibrations is not None else list(record.calibrations)
    cals += [None] * (len(counts) - len(cals))
    record_s = _record_duration_s(fs_hz)
    per_record = round(fs_hz * record_s)
    n_padded = math.ceil(n / per_record) * per_record
    phys_min = EDF_DIGITAL_RANGE[0] * lsb_g
    phys_max = EDF_DIGITAL_RANGE[1] * lsb_g
    signals = []
    for ch, raw in enumerate(counts):
        accel = np.asarray(raw[:n], dtype=np.float64) * lsb_g
        cal = cals[ch]
        note = "none"
        if cal is not None:
            calib = cal if isinstance(cal, Calibration) else Calibration.from_dict(cal)
            if not calib.is_identity:
                accel = calib.apply(accel).astype(np.float64)
                note = f"calibrated ({calib.method})"
        clipped = int(((accel < phys_min) | (accel > phys_max)).sum())
        if clipped:
            log.warning(
                "night %s channel %d: %d values clipped to the EDF range",
                record.night_id,
                ch,
                clipped,
            )
        accel = np.clip(accel, phys_min, phys_max)
        if n_padded > n:
            accel = np.concatenate([accel, np.repeat(accel[-1:], n_padded - n, axis=0)])
        side = record.sides[ch] if ch < len(record.sides) else "unknown"
        for axis in range(3):
            signals.append(
                edfio.EdfSignal(
                    accel[:, axis],
                    sampling_frequency=fs_hz,
                    label=channel_label(_AXES[axis], side),
                    transducer_type="3-axis accelerometer, ankle band",
                    physical_dimension="g",
                    physical_range=(phys_min, phys_max),
                    digital_range=EDF_DIGITAL_RANGE,
                    prefiltering=f"none; {note}",
                )
            )
    annotations = edf_annotations(record.result, record.minutes)
    if n_padded > n:
        annotations.append((n / fs_hz, None, "End of recording"))
    subject = pseudo.subject(record.subject) if pseudo is not None else record.subject
    rules = str(record.result.get("rules", ""))
    start_local = None
    if record.start_utc is not None:
        local = record.start_utc.astimezone(record.tz)
        start_local = local.astimezone(timezone(local.utcoffset() or timedelta(0)))
        if pseudo is not None:
            start_local = pseudo.shift(start_local)
    offset = "" if start_local is None else start_local.strftime("%z")
    additional = [f"rules={rules}"]
    if offset:
        additional.append(f"UTC{offset[:3]}:{offset[3:]}")
    try:
        edf = edfio.Edf(
            signals,
            patient=edfio.Patient(code=_ascii_token(subject)[:40]),
            recording=edfio.Recording(
                startdate=None if start_local is None else start_local.date(),
                hospital_administration_code=f"night-{record.night_id}",
                equipment_code=f"rls-monitor-{rls_monitor.__version__}",
                additional=additional,
            ),
            starttime=None if start_local is None else start_local.time().replace(tzinfo=None),
            data_record_duration=record_s,
            annotations=[edfio.EdfAnnotation(o, d, t) for o, d, t in annotations],
        )
        path = Path(path)
        with private_output(path):  # owner-only, like the database
            edf.write(path)
    except OSError as exc:
        raise RLSMonitorError(f"cannot write {path}: {exc.strerror or exc}") from exc
    except ValueError as exc:
        raise RLSMonitorError(f"cannot write the EDF+ file: {exc}") from exc
    return path
