"""The store's row types and the text forms of its timestamps (shared by the table groups)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

#: The states of a night.
NIGHT_STATUSES = ("recording", "complete", "interrupted")
#: The legs a band may be worn on.
SIDES = ("left", "right", "unknown")


def utc_now_text() -> str:
    """Now, UTC, as ISO 8601 text to the millisecond."""
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def iso_text(value: datetime | None) -> str | None:
    """A datetime as UTC ISO 8601 text (naive values are taken as UTC); ``None`` stays ``None``."""
    if value is None:
        return None
    value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return value.isoformat()


def parse_iso(text: str | None) -> datetime | None:
    """ISO 8601 text back to a datetime; empty or ``None`` gives ``None``."""
    return None if not text else datetime.fromisoformat(text)


@dataclass(frozen=True)
class Channel:
    """One band's stream within a night.

    Attributes
    ----------
    side : {"left", "right", "unknown"}
        The leg the band was worn on.
    device : str or None
        The band's address (a row of ``devices``, created if new), or ``None`` when unknown.
    """

    side: str = "unknown"
    device: str | None = None


@dataclass(frozen=True)
class NightInfo:
    """One night as listed by the store (no samples, no movements).

    Attributes
    ----------
    id : int
        The night's id.
    subject : str
        The subject's pseudonymous label.
    status : {"recording", "complete", "interrupted"}
    start_utc, end_utc : datetime or None
        Wall-clock start and end (UTC).
    fs_hz : float
        Sample rate, Hz.
    lsb_g : float
        g per count of the stored samples.
    n_samples : int
        Samples stored (per channel, the smallest).
    devices : tuple of str
        Device addresses (``""`` for an unknown band), one per channel.
    sides : tuple of str
        The leg of each channel.
    source : str
        Where the night came from (a file name, ``"session"``...).
    rules : str or None
        The rule set of the latest score, ``None`` before scoring.
    duration_s, in_bed_s : float or None
        Recording length and time in bed of the latest score, s.
    lm_count, plm_count : int or None
        Leg movements and periodic leg movements.
    lm_per_h, plm_per_h : float or None
        LM and PLM index (per hour in bed).
    scored_utc : datetime or None
        When the latest score was saved.
    metadata : dict
        The metadata given when the night was created (as :meth:`Store.night_metadata` returns
        it), read in the same query as the listing; not part of equality.
    """

    id: int
    subject: str
    status: str
    start_utc: datetime | None
    end_utc: datetime | None
    fs_hz: float
    lsb_g: float
    n_samples: int
    devices: tuple[str, ...]
    sides: tuple[str, ...]
    source: str
    rules: str | None
    duration_s: float | None
    in_bed_s: float | None
    lm_count: int | None
    plm_count: int | None
    lm_per_h: float | None
    plm_per_h: float | None
    scored_utc: datetime | None
    metadata: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def recorded_s(self) -> float:
        """Duration of the stored samples, s."""
        return self.n_samples / self.fs_hz

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (datetimes as ISO 8601 text)."""
        return {
            "night": self.id,
            "subject": self.subject,
            "status": self.status,
            "start_utc": iso_text(self.start_utc),
            "end_utc": iso_text(self.end_utc),
            "fs_hz": self.fs_hz,
            "lsb_g": self.lsb_g,
            "n_samples": self.n_samples,
            "devices": list(self.devices),
            "sides": list(self.sides),
            "source": self.source,
            "rules": self.rules,
            "duration_s": self.duration_s,
            "in_bed_s": self.in_bed_s,
            "lm_count": self.lm_count,
            "plm_count": self.plm_count,
            "lm_per_h": self.lm_per_h,
            "plm_per_h": self.plm_per_h,
            "scored_utc": iso_text(self.scored_utc),
        }


def calibration_text(calibrations: Sequence[Mapping[str, Any] | None] | None) -> str | None:
    """JSON of a night's per-channel calibrations; ``None`` when no channel had one."""
    if calibrations is None or all(c is None for c in calibrations):
        return None
    return json.dumps(
        [None if c is None else dict(c) for c in calibrations], sort_keys=True, default=str
    )


def parse_calibration_text(text: str | None) -> list[dict[str, Any] | None] | None:
    """A night's ``calibration_json`` back to its per-channel calibrations (inverse of
    :func:`calibration_text`); ``None`` when no calibration was applied."""
    return None if text is None else list(json.loads(text))


def night_info_from_row(r: Mapping[str, Any]) -> NightInfo:
    """A :class:`NightInfo` from a row of the store's night listing query."""
    sep = chr(31)
    devices = tuple((r["devices"] or "").split(sep)) if r["devices"] is not None else ()
    sides = tuple((r["sides"] or "").split(sep)) if r["sides"] is not None else ()
    return NightInfo(
        id=int(r["id"]),
        subject=str(r["subject"]),
        status=str(r["status"]),
        start_utc=parse_iso(r["start_utc"]),
        end_utc=parse_iso(r["end_utc"]),
        fs_hz=float(r["fs_hz"]),
        lsb_g=float(r["lsb_g"]),
        n_samples=int(r["n_samples"]),
        devices=devices,
        sides=sides,
        source=str(r["source"]),
        rules=r["rules"],
        duration_s=r["duration_s"],
        in_bed_s=r["in_bed_s"],
        lm_count=r["lm_count"],
        plm_count=r["plm_count"],
        lm_per_h=r["lm_per_h"],
        plm_per_h=r["plm_per_h"],
        scored_utc=parse_iso(r["scored_utc"]),
        metadata=dict(json.loads(r["metadata_json"] or "{}")),
    )
