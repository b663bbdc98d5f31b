"""Clinician exports of stored nights: CSV and JSON tables, and EDF+ with annotations.

The one entry point the CLI calls is :func:`export`; the pieces are public for other callers:

- :mod:`rls_monitor.export.records`: :class:`NightRecord` and :func:`load_nights` (selection
  from the store by night, subject and date range);
- :mod:`rls_monitor.export.tables`: the night and movement tables and their column dictionaries;
- :mod:`rls_monitor.export.edf`: the EDF+ writer;
- :mod:`rls_monitor.export.pseudonym`: labels as keyed hashes, dates shifted by whole weeks.

Column dictionaries with units are in ``docs/exports.md``.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rls_monitor.errors import ConfigError, RLSMonitorError, check_option
from rls_monitor.export.edf import write_edf
from rls_monitor.export.pseudonym import Pseudonymiser
from rls_monitor.export.records import NightRecord, load_nights, record_from_result
from rls_monitor.export.tables import (
    MOVEMENT_COLUMNS,
    NIGHT_COLUMNS,
    Column,
    movement_rows,
    night_row,
    night_rows,
    write_table,
)

if TYPE_CHECKING:
    from rls_monitor.storage import Store

__all__ = [
    "FORMATS",
    "MOVEMENT_COLUMNS",
    "NIGHT_COLUMNS",
    "Column",
    "ExportSummary",
    "NightRecord",
    "Pseudonymiser",
    "export",
    "load_nights",
    "movement_rows",
    "night_row",
    "night_rows",
    "record_from_result",
    "write_edf",
    "write_table",
]

log = logging.getLogger(__name__)

FORMATS = ("csv", "json", "edf")
"""Export formats."""


@dataclass(frozen=True)
class ExportSummary:
    """What an export wrote.

    Attributes
    ----------
    path : Path
        The file.
    fmt : str
        ``csv``, ``json`` or ``edf``.
    nights : int
        Nights exported.
    rows : int
        Rows written (nights or movements; annotations for EDF).
    pseudonymised : bool
        Labels replaced and dates shifted.
    """

    path: Path
    fmt: str
    nights: int
    rows: int
    pseudonymised: bool


def _diary_columns(
    store: Store, records: Sequence[NightRecord], pseudo: Pseudonymiser | None
) -> list[dict[str, Any]]:
    """The diary columns of each record (a few queries per subject, not per night).

    Nights are matched to the diary by their true local evening date; a pseudonymised export
    shifts the dates it writes and leaves the free note out.
    """
    from rls_monitor.diary.columns import diary_columns_for_dates

    return diary_columns_for_dates(
        store,
        [(rec.subject, rec.night_date) for rec in records],
        shift_date=None if pseudo is None else pseudo.shift_date,
        free_text=pseudo is None,
    )


def export(
    store: Store,
    path: str | Path,
    fmt: str,
    *,
    night: int | None = None,
    subject: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    movements: bool = False,
    pseudonymise: bool = False,
    salt: str | None = None,
    tz: tzinfo | None = None,
) -> ExportSummary:
    """Export nights of the store as CSV, JSON or EDF+.

    Parameters
    ----------
    store : Store
        The open store.
    path : str or Path
        The output file.
    fmt : {"csv", "json", "edf"}
        Output format. EDF+ holds one night: give ``night``, or a selection with one night.
    night : int, optional
        One night by id.
    subject : str, optional
        Only this subject's nights (all subjects when omitted).
    date_from, date_to : date, optional
        First and last night date (local evening date), both included.
    movements : bool
        CSV/JSON: one row per movement instead of one per night.
    pseudonymise : bool
        Replace labels by keyed hashes and shift dates by a random whole number of weeks.
    salt : str, optional
        Salt of the label hash (to link several exports); random when omitted.
    tz : tzinfo, optional
        Local time zone; by default each night's stored zone, else this machine's.

    Returns
    -------
    ExportSummary

    Raises
    ------
    ConfigError
        Unknown format, nothing selected, several nights for EDF+, ``--movements`` with EDF+.
    StorageError
        Unknown night, unreadable store.
    """
    check_option("format", fmt, FORMATS)
    if fmt == "edf" and movements:
        raise ConfigError(
            "--movements applies to csv and json; EDF+ always holds every movement as an "
            "annotation",
            name="movements",
        )
    pseudo = Pseudonymiser.random(salt) if pseudonymise else None
    if salt is not None and not pseudonymise:
        raise ConfigError("a salt only makes sense with --pseudonymise", name="salt")
    records = load_nights(
        store,
        night=night,
        subject=subject,
        date_from=date_from,
        date_to=date_to,
        tz=tz,
        minutes=fmt == "edf",
        postures=movements,
        summary_only=fmt != "edf" and not movements,
    )
    if not records:  # not a usage error: the options are right, the store has no such night
        raise RLSMonitorError("no scored night matches the selection")
    out = Path(path)
    if fmt == "edf":
        if len(records) != 1:
            raise ConfigError(
                f"an EDF+ file holds one night; the selection has {len(records)} (give --night N)",
                name="night",
            )
        rec = records[0]
        counts = [store.read_samples(rec.night_id, ch) for ch in range(max(1, len(rec.sides)))]
        write_edf(out, rec, counts, pseudo=pseudo)
        n_rows = len(rec.result.get("movements") or [])
        return ExportSummary(out, fmt, 1, n_rows, pseudo is not None)
    rules = [r.rules for r in records]
    if movements:
        rows = [row for rec in records for row in movement_rows(rec, pseudo)]
        write_table(
            rows,
            MOVEMENT_COLUMNS,
            out,
            fmt,
            table="movements",
            pseudonymised=pseudo is not None,
            rules=rules,
        )
    else:
        rows = night_rows(records, pseudo)
        for row, cols in zip(rows, _diary_columns(store, records, pseudo), strict=True):
            row.update(cols)
        write_table(
            rows,
            NIGHT_COLUMNS,
            out,
            fmt,
            table="nights",
            pseudonymised=pseudo is not None,
            rules=rules,
        )
    log.info("exported %d nights (%d rows) to %s", len(records), len(rows), out)
    return ExportSummary(out, fmt, len(records), len(rows), pseudo is not None)
