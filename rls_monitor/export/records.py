"""What an export or a report needs of one night, and reading it from the store.

A :class:`NightRecord` gathers one scored night: the store's description of it (subject, times,
devices, status), the saved score (``ScoreResult.to_dict()``), the per-minute rows and the
calibration state. :func:`load_nights` selects nights from a
:class:`~rls_monitor.storage.Store` by night id, subject and date range; everything else in
:mod:`rls_monitor.export` and :mod:`rls_monitor.report` works from records, so it can also be
used on results that were never stored (see :func:`record_from_result`).

The *night date* of a night is the local calendar date of its evening: the local date of the
start time minus 12 hours, so a recording started at 00:30 on 25 November belongs to the night
of 24 November. ``--from`` / ``--to`` select on this date, both ends included.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from rls_monitor.diary.table import night_date
from rls_monitor.errors import ConfigError, StorageError
from rls_monitor.storage.rows import parse_calibration_text

if TYPE_CHECKING:
    from rls_monitor.storage import NightInfo, Store

__all__ = [
    "CALIBRATION_STATES",
    "NightRecord",
    "load_nights",
    "night_date",
    "record_from_result",
    "resolve_timezone",
]

log = logging.getLogger(__name__)

CALIBRATION_STATES = ("none", "six-pose", "auto", "mixed")
"""Calibration state of a night's channels as exported (``mixed``: channels differ)."""


@dataclass(frozen=True)
class NightRecord:
    """One scored night, as exports and reports read it.

    Attributes
    ----------
    night_id : int
        The store's id of the night.
    subject : str
        The subject's pseudonymous label.
    result : mapping
        The night's score, ``ScoreResult.to_dict()`` as the store saved it.
    start_utc, end_utc : datetime or None
        Wall-clock start and end, timezone-aware UTC.
    tz : tzinfo
        The local time zone the night is shown in.
    status : str
        ``recording``, ``complete`` or ``interrupted``.
    devices, sides : tuple of str
        Device address and leg of each channel.
    fs_hz, lsb_g : float or None
        Sample rate (Hz) and g per count of the stored samples.
    n_samples : int
        Samples held in the store per channel (the smallest channel); samples the band lost
        between blocks are not counted.
    calibration : str
        One of :data:`CALIBRATION_STATES`.
    calibrations : tuple of (mapping or None)
        The calibration each channel's score was computed with (``Calibration.to_dict()``, as
        recorded with the score), ``None`` when none was applied.
    minutes : tuple of mapping
        Per-minute rows (``minute``, ``start_s``, ``activity_mg``, ``lm_count``, ``plm_count``,
        ``posture``, ``in_bed``); empty when the store has none.
    source : str
        Where the night came from (file name, ``session``).
    movement_postures : tuple of (str or None)
        Posture at each movement's onset (the store's movement rows), when read.
    """

    night_id: int
    subject: str
    result: Mapping[str, Any]
    start_utc: datetime | None = None
    end_utc: datetime | None = None
    tz: tzinfo = UTC
    status: str = "complete"
    devices: tuple[str, ...] = ()
    sides: tuple[str, ...] = ()
    fs_hz: float | None = None
    lsb_g: float | None = None
    n_samples: int = 0
    calibration: str = "none"
    calibrations: tuple[Mapping[str, Any] | None, ...] = ()
    minutes: tuple[Mapping[str, Any], ...] = field(default_factory=tuple)
    source: str = ""
    movement_postures: tuple[str | None, ...] = ()

    @property
    def rules(self) -> str:
        """Rule set of the score."""
        return str(self.result.get("rules", ""))

    @property
    def start_local(self) -> datetime | None:
        """Start in the local time zone."""
        return None if self.start_utc is None else self.start_utc.astimezone(self.tz)

    @property
    def night_date(self) -> date | None:
        """The local date of the night's evening (see the module docstring)."""
        return night_date(self.start_utc, self.tz)

    @property
    def completeness(self) -> float | None:
        """Fraction of the expected samples that are stored (0..1), ``None`` when unknown.

        Expected samples are ``(end_utc - start_utc) * fs_hz``; without an end time or a rate the
        completeness is unknown.
        """
        if self.start_utc is None or self.end_utc is None or not self.fs_hz:
            return None
        expected = (self.end_utc - self.start_utc).total_seconds() * self.fs_hz
        if expected <= 0:
            return None
        return min(1.0, self.n_samples / expected)


def resolve_timezone(name: str | None) -> tzinfo:
    """A time zone from an IANA name (``Europe/Berlin``), ``UTC``, or ``None`` for this machine's.

    Parameters
    ----------
    name : str or None
        The zone's name; ``None`` or ``""`` gives the machine's local zone (as a fixed offset).

    Returns
    -------
    tzinfo

    Raises
    ------
    ConfigError
        If the name is not a known time zone.
    """
    if not name:
        local = datetime.now().astimezone().tzinfo
        return local if local is not None else UTC
    if name.upper() in ("UTC", "Z"):
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(
            f"unknown time zone {name!r} (use an IANA name such as 'Europe/Berlin')",
            name="tz",
            value=name,
        ) from exc


def calibration_state(calibrations: Sequence[Mapping[str, Any] | None]) -> str:
    """``none``, ``six-pose``, ``auto`` or ``mixed`` from the channels' stored calibrations."""
    states = set()
    for cal in calibrations:
        method = None if cal is None else cal.get("method")
        states.add(method if method in ("six-pose", "auto") else "none")
    if not states:
        return "none"
    return states.pop() if len(states) == 1 else "mixed"


def record_from_result(
    result: Mapping[str, Any],
    *,
    night_id: int = 0,
    subject: str = "",
    start_utc: datetime | None = None,
    tz: tzinfo = UTC,
    minutes: Sequence[Mapping[str, Any]] = (),
    calibration: str = "none",
) -> NightRecord:
    """A :class:`NightRecord` of a result that is not in the store (e.g. just scored).

    Parameters
    ----------
    result : mapping
        ``ScoreResult.to_dict()``.
    night_id : int
        A number to show for the night.
    subject : str
        The subject's label.
    start_utc : datetime, optional
        Wall-clock start; by default the result's ``source.start_utc`` when it has one.
    tz : tzinfo
        Local time zone.
    minutes : sequence of mapping
        Per-minute rows, if any.
    calibration : str
        Calibration state.

    Returns
    -------
    NightRecord
    """
    src = result.get("source") or {}
    if start_utc is None and src.get("start_utc"):
        start_utc = datetime.fromisoformat(str(src["start_utc"]))
    if start_utc is not None and start_utc.tzinfo is None:
        start_utc = start_utc.replace(tzinfo=UTC)
    duration_s = float(result.get("duration_s") or 0.0)
    end_utc = None if start_utc is None else start_utc + timedelta(seconds=duration_s)
    fs_hz = src.get("fs_hz")
    side = str(src.get("side") or "unknown")
    return NightRecord(
        night_id=night_id,
        subject=subject,
        result=result,
        start_utc=start_utc,
        end_utc=end_utc,
        tz=tz,
        devices=tuple(d for d in str(src.get("device") or "").split(",") if d),
        sides=("left", "right") if side == "both" else (side,),
        fs_hz=None if fs_hz is None else float(fs_hz),
        n_samples=round(duration_s * float(fs_hz)) if fs_hz else 0,
        calibration=calibration,
        minutes=tuple(minutes),
        source=str(src.get("file") or src.get("kind") or ""),
    )


_SUMMARY_SQL = (
    "SELECT id, metadata_json, calibration_json, json_remove(result_json, '$.movements', "
    "'$.per_hour', '$.histograms') AS summary FROM nights WHERE result_json IS NOT NULL"
)

# What _record needs of a night besides its NightInfo: the (full or summary) result, its
# metadata, and the calibration per channel its score was computed with (None: none applied).
_Extra = tuple[dict[str, Any], dict[str, Any], list[dict[str, Any] | None] | None]


def _summaries(store: Store) -> dict[int, _Extra]:
    """Every scored night's result without movements, per-hour table and histograms, its
    metadata and its calibration, in one query (SQLite's JSON functions drop the bulky parts
    before Python parses).
    """
    try:
        rows = list(store.db.query(_SUMMARY_SQL))
        return {
            int(r["id"]): (
                json.loads(r["summary"]),
                json.loads(r["metadata_json"] or "{}"),
                parse_calibration_text(r["calibration_json"]),
            )
            for r in rows
        }
    except (sqlite3.Error, ValueError) as exc:
        raise StorageError(f"cannot read the scores: {exc}", path=store.path) from exc


def _record(
    store: Store,
    info: NightInfo,
    tz: tzinfo | None,
    with_minutes: bool,
    with_postures: bool,
    summary: _Extra | None = None,
    stored: Mapping[int, int] | None = None,
) -> NightRecord:
    night_cals: list[dict[str, Any] | None] | None
    if summary is not None:
        result, metadata, night_cals = summary
    else:
        full = store.get_result(info.id)
        if full is None:
            raise StorageError(f"night {info.id} has not been scored yet", path=store.path)
        result, metadata = full, store.night_metadata(info.id)
        cals = store.night_calibration(info.id)
        night_cals = None if cals is None else list(cals)
    zone = tz if tz is not None else resolve_timezone(metadata.get("timezone") or None)
    # The calibration the night's score was computed with (recorded with the score), not the
    # band's calibration in force today: a night scored raw stays "none" after the band is
    # calibrated, and its EDF+ holds the samples the score saw.
    stored_cal = metadata.get("calibration")
    calibrations: list[Mapping[str, Any] | None] = []
    for ch in range(len(info.devices)):
        if isinstance(stored_cal, Mapping):
            calibrations.append(stored_cal)
        else:
            calibrations.append(night_cals[ch] if night_cals and ch < len(night_cals) else None)
    state = calibration_state(calibrations)
    if isinstance(stored_cal, str) and stored_cal in CALIBRATION_STATES:
        state = stored_cal
    return NightRecord(
        night_id=info.id,
        subject=info.subject,
        result=result,
        start_utc=info.start_utc,
        end_utc=info.end_utc,
        tz=zone,
        status=info.status,
        devices=info.devices,
        sides=info.sides,
        fs_hz=info.fs_hz,
        lsb_g=info.lsb_g,
        n_samples=info.n_samples if stored is None else stored.get(info.id, 0),
        calibration=state,
        calibrations=tuple(calibrations),
        minutes=tuple(store.get_minutes(info.id)) if with_minutes else (),
        source=info.source,
        movement_postures=(
            tuple(m.get("posture") for m in store.get_movements(info.id)) if with_postures else ()
        ),
    )


def load_nights(
    store: Store,
    *,
    night: int | None = None,
    subject: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    tz: tzinfo | None = None,
    minutes: bool = True,
    postures: bool = False,
    scored_only: bool = True,
    summary_only: bool = False,
) -> list[NightRecord]:
    """Select scored nights from the store, oldest first.

    Parameters
    ----------
    store : Store
        The open store.
    night : int, optional
        One night by id (then ``subject`` must be omitted or match).
    subject : str, optional
        Only this subject's nights.
    date_from, date_to : date, optional
        First and last night date (local evening date, both included).
    tz : tzinfo, optional
        Local time zone; by default the night's stored ``timezone`` metadata, else this
        machine's zone.
    minutes : bool
        Read the per-minute rows (needed by the report's timeline, not by CSV/JSON exports).
    postures : bool
        Read each movement's posture from the store's movement rows (movement exports).
    scored_only : bool
        Skip nights that have no score (when False, they raise :class:`StorageError`).
    summary_only : bool
        Read each result without its ``movements``, ``per_hour`` and ``histograms`` (all
        nights in one query): enough for the night table, and several times faster.

    Returns
    -------
    list of NightRecord

    Raises
    ------
    ConfigError
        ``date_from`` after ``date_to``; a night that is not the given subject's.
    StorageError
        Unknown night, or a requested single night that has no score.
    """
    if date_from is not None and date_to is not None and date_from > date_to:
        raise ConfigError(
            f"--from {date_from.isoformat()} is after --to {date_to.isoformat()}", name="from"
        )
    if night is not None:
        info = store.get_night(night)
        if subject is not None and info.subject != subject:
            raise ConfigError(
                f"night {night} belongs to subject {info.subject!r}, not {subject!r}",
                name="subject",
                value=subject,
            )
        infos = [info]
        scored_only = False
    else:
        infos = store.list_nights(subject)
    summaries = _summaries(store) if summary_only else {}
    stored = store.stored_samples(None if night is None else [night])
    out: list[NightRecord] = []
    slack = timedelta(days=1)  # a night date in any zone is within a day of the UTC one
    for info in infos:
        if info.rules is None and scored_only:
            log.info("night %s is not scored; skipped", info.id)
            continue
        rough = night_date(info.start_utc, UTC)
        if rough is not None and (
            (date_from is not None and rough < date_from - slack)
            or (date_to is not None and rough > date_to + slack)
        ):
            continue
        rec = _record(store, info, tz, minutes, postures, summaries.get(info.id), stored)
        day = rec.night_date
        if date_from is not None and (day is None or day < date_from):
            continue
        if date_to is not None and (day is None or day > date_to):
            continue
        out.append(rec)
    return out
