"""Clinician reports: a self-contained HTML page and a PDF with plots, for one night or several.

:func:`write_report` is the entry point (the ``rls-monitor report`` command calls it):

- one night: the indices with the rule set, the night's timeline (posture, in bed, activity per
  minute, each LM, PLM series shaded), IMI histograms (2 s bins 0-90 s; ln-IMI bins 0.1 wide with
  ticks at 2, 10, 20, 40, 60, 90 s), the per-hour table, what the score cannot include;
- several nights: a table of the nights, the PLM-index trend with the 15/h adult reference line
  (labelled EMG-based, not validated for an ankle accelerometer) and the night-to-night
  variability, every night's movements on a common clock, and the pooled IMI histograms.

Both carry the monitoring-aid disclaimer. matplotlib is imported only when a report is made, and
only through its object API (``Figure``, ``FigureCanvasAgg``, ``PdfPages``): no pyplot state, no
global backend switch.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rls_monitor.errors import ConfigError, RLSMonitorError
from rls_monitor.export.records import NightRecord
from rls_monitor.report.render import (
    DISCLAIMER,
    ReportContent,
    fmt,
    render_html,
    render_pdf,
    report_content,
    variability,
)

if TYPE_CHECKING:
    from rls_monitor.diary.section import DiarySection

__all__ = [
    "DISCLAIMER",
    "REPORT_FORMATS",
    "ReportContent",
    "fmt",
    "render_html",
    "render_pdf",
    "report_content",
    "variability",
    "write_report",
    "write_stored_report",
]

REPORT_FORMATS = {".html": "html", ".htm": "html", ".pdf": "pdf"}
"""Output formats by file suffix."""


def write_report(
    records: Sequence[NightRecord],
    path: str | Path,
    *,
    title: str | None = None,
    diary: DiarySection | None = None,
) -> Path:
    """Write a report on one night or several as HTML or PDF (chosen by the suffix).

    Parameters
    ----------
    records : sequence of NightRecord
        The nights, oldest first (see :func:`rls_monitor.export.load_nights`).
    path : str or Path
        ``*.html`` (self-contained page, plots embedded) or ``*.pdf``.
    title : str, optional
        Overrides the generated title.
    diary : DiarySection, optional
        The subject's night diary over the same nights
        (:func:`rls_monitor.diary.diary_section`): a report on several nights then gains a
        diary section (the PLM index beside the diary factors, the insights table and its
        caveat). Ignored for one night or an empty diary.

    Returns
    -------
    Path

    Raises
    ------
    ConfigError
        No night, or a suffix other than .html, .htm, .pdf.
    RLSMonitorError
        The file cannot be written.
    """
    path = Path(path)
    kind = REPORT_FORMATS.get(path.suffix.lower())
    if kind is None:
        raise ConfigError(
            f"the report file must end in .html or .pdf; got {path.name!r}",
            name="output",
            value=str(path),
            allowed=tuple(REPORT_FORMATS),
        )
    if not records:
        raise ConfigError("no scored night matches the selection", name="night")
    content = report_content(records, title=title, diary=diary)
    try:
        if kind == "html":
            return render_html(content, path)
        return render_pdf(content, path)
    except OSError as exc:
        raise RLSMonitorError(f"cannot write {path}: {exc.strerror or exc}") from exc


def write_stored_report(
    store: Any,
    path: str | Path,
    *,
    night: int | None = None,
    subject: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    title: str | None = None,
    tz: tzinfo | None = None,
) -> tuple[Path, int]:
    """Write the report on stored nights, owner-only (what ``rls-monitor report`` does).

    One night (``night``), or a subject's nights between two night dates; a report on several
    nights of a subject gains the subject's diary section.

    Parameters
    ----------
    store : rls_monitor.storage.Store
        The open store (read-only is enough).
    path : str or Path
        ``*.html`` or ``*.pdf``; written with mode 0600, like the database.
    night : int, optional
        One night by id.
    subject : str, optional
        A subject's nights.
    date_from, date_to : date, optional
        First and last night date of a subject's nights (local evening dates, included).
    title : str, optional
        Overrides the generated title.
    tz : tzinfo, optional
        Local time zone (default: each night's, else this computer's).

    Returns
    -------
    (Path, int)
        The file written and the number of nights in it.

    Raises
    ------
    ConfigError
        Neither a night nor a subject; dates with one night; a wrong suffix.
    RLSMonitorError
        No scored night matches; the file cannot be written.
    """
    if night is None and subject is None:
        raise ConfigError("give a NIGHT id or --subject", name="night")
    if night is not None and (date_from is not None or date_to is not None):
        raise ConfigError("--from/--to select nights of a --subject, not of one NIGHT", name="from")
    from rls_monitor.export import load_nights
    from rls_monitor.export.files import private_output

    records = load_nights(
        store, night=night, subject=subject, date_from=date_from, date_to=date_to, tz=tz
    )
    diary = None
    if night is None and subject is not None and len(records) > 1:
        from rls_monitor.diary.section import diary_section

        diary = diary_section(store, subject, start=date_from, end=date_to, tz=tz)
    if not records:
        raise RLSMonitorError("no scored night matches the selection")
    with private_output(path):  # owner-only, like the database
        written = write_report(records, path, title=title, diary=diary)
    return written, len(records)
