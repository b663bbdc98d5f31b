"""The live status of a night being recorded, and its words: the status line, the link report, plurals."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rls_monitor.link.band_session import BandStatus
from rls_monitor.link.transports.base import (
    LinkState,
)

if TYPE_CHECKING:
    from rls_monitor.nights.recorder import NightResult
    from rls_monitor.storage import Store
    from rls_monitor.storage.rows import NightInfo


@dataclass
class NightStatus:
    """The live status of a night: one entry per band, and the latest score's counts."""

    night_id: int
    bands: list[BandStatus]
    lm_count: int | None = None
    plm_count: int | None = None
    plm_per_h: float | None = None
    rules: str = "wasm2016"
    finished: bool = False


def plural(count: int, noun: str, plural_noun: str | None = None) -> str:
    """``count`` and ``noun``, the noun in the plural unless the count is one.

    Examples
    --------
    >>> plural(1, "night"), plural(3, "night"), plural(0, "entry", "entries")
    ('1 night', '3 nights', '0 entries')
    """
    return f"{count} {noun if count == 1 else (plural_noun or noun + 's')}"


def _hms(seconds: float) -> str:
    seconds = max(0, int(seconds))
    return f"{seconds // 3600:d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def format_status_line(status: NightStatus) -> str:
    """The live status: per band link state, time recorded, samples, gaps filled, battery; LMs.

    Examples
    --------
    >>> st = NightStatus(night_id=3, bands=[BandStatus(side="left", state=LinkState.CONNECTED,
    ...                  samples=90000, recorded_s=1800.0, battery_pct=81.0, gaps_filled=2)],
    ...                  lm_count=12)
    >>> print(format_status_line(st))
    night 3 | left: connected, 0:30:00 recorded, 90000 samples, 2 gaps filled, battery 81% | LMs so far: 12
    """
    parts = [f"night {status.night_id}" if status.night_id >= 0 else "starting"]
    for band in status.bands:
        state = band.state.value if isinstance(band.state, LinkState) else str(band.state)
        battery = "battery ?" if band.battery_pct is None else f"battery {band.battery_pct:.0f}%"
        gaps = (
            f"{plural(band.gaps_filled, 'gap')} filled"
            if band.can_resend
            else f"{plural(band.counts.sample_gaps, 'gap')} (no resend)"
        )
        parts.append(
            f"{band.side}: {state}, {_hms(band.recorded_s)} recorded, "
            f"{plural(band.samples, 'sample')}, {gaps}, {battery}"
        )
    lms = "?" if status.lm_count is None else str(status.lm_count)
    parts.append(f"LMs so far: {lms}")
    return " | ".join(parts)


def link_report(status: NightStatus) -> dict[str, Any]:
    """The link counters of every band, as a JSON-ready dict."""
    out: dict[str, Any] = {}
    for band in status.bands:
        c = band.counts
        t = band.tracker
        out[band.side] = {
            "device_id": band.device_id,
            "samples": band.samples,
            "recorded_s": round(band.recorded_s, 3),
            "battery_pct": band.battery_pct,
            "drift_ppm": None if band.drift_ppm is None else round(band.drift_ppm, 2),
            "frames_received": c.frames_received,
            "bytes_received": c.bytes_received,
            "bad_frames": dict(c.bad_frames),
            "link_losses": c.link_losses,
            "watchdog_resets": c.watchdog_resets,
            "reconnects": c.reconnects,
            "connect_failures": c.connect_failures,
            "time_syncs": c.time_syncs,
            "duplicates": t.duplicates,
            "reordered": t.reordered,
            "absurd_jumps": t.absurd_jumps,
            "gaps_detected": t.gaps_detected,
            "gaps_filled": t.gaps_filled,
            "resend_requests": t.resend_requests,
            "gaps_given_up": t.gaps_given_up,
            "frames_lost": t.frames_lost,
            "driver": band.driver,
            "can_resend": band.can_resend,
            "sample_gaps": c.sample_gaps,
            "samples_missing": c.samples_missing,
            "samples_overlapping": c.samples_overlapping,
            "device_clock_restarts": c.device_clock_restarts,
        }
    return out


def format_link_report(result: NightResult) -> str:
    """What the link went through during a recording, one line per band.

    The morning summary itself is :func:`rls_monitor.nights.summary.format_night`, the same as
    ``rls-monitor show`` prints; ``record`` prints these lines before it.
    """
    lines = [
        f"Night {result.night_id} recorded"
        + (" (continued after an interruption)" if result.resumed else "")
        + ":"
    ]
    for side, r in link_report(result.status).items():
        bad = sum(r["bad_frames"].values())
        head = (
            f"  {side} band {r['device_id'] or '?'}: {_hms(r['recorded_s'])} recorded, "
            f"{plural(r['samples'], 'sample')}; {plural(r['link_losses'], 'link loss', 'link losses')}, "
        )
        if r["can_resend"]:
            lines.append(
                head + f"{plural(r['gaps_filled'], 'gap')} filled by resend, "
                f"{plural(r['duplicates'], 'duplicate')} and {plural(bad, 'bad frame')} dropped, "
                f"{plural(r['frames_lost'], 'frame')} lost"
            )
        else:
            lines.append(
                head + f"{plural(r['sample_gaps'], 'gap')} left unfilled "
                f"({plural(r['samples_missing'], 'sample')} missing: this device cannot resend "
                f"what the link missed), {plural(bad, 'bad frame')} dropped"
            )
    if result.score is None:
        lines.append("No samples were recorded: nothing to score.")
    return "\n".join(lines)


def last_link_figures(store: Store, device_id: str) -> tuple[NightInfo, dict[str, Any]] | None:
    """The link figures of the last stored night a band recorded (battery, link losses...).

    A recorded night keeps its :func:`link_report` in its metadata (``"link"``, by side).

    Parameters
    ----------
    store : Store
        The open store.
    device_id : str
        The band's device id.

    Returns
    -------
    (NightInfo, dict) or None
        The night and the band's figures in it; ``None`` when no stored night has them (an
        imported night, or one recorded before they were kept).
    """
    for night in reversed(store.list_nights()):
        link = night.metadata.get("link")
        if device_id not in night.devices or not isinstance(link, dict):
            continue
        for figures in link.values():
            if isinstance(figures, dict) and figures.get("device_id") == device_id:
                return night, figures
    return None
