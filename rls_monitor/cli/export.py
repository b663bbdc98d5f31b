"""``rls-monitor export`` and ``rls-monitor report``: clinician outputs from the store.

Each command parses its options and calls one function: :func:`rls_monitor.export.export` or
:func:`rls_monitor.report.write_report`. The store is opened read-only, so both run next to a
recorder that is writing.
"""

from __future__ import annotations

import sys
import tempfile
from datetime import date, datetime, tzinfo
from pathlib import Path
from typing import Any

import click

from rls_monitor.cli.common import F, db_option, open_store
from rls_monitor.errors import ConfigError

__all__ = ["export_command", "report_command"]

_DATE = click.DateTime(formats=["%Y-%m-%d"])


def _day(value: datetime | None) -> date | None:
    return None if value is None else value.date()


def _open_store(db_path: Path | None) -> Any:
    """The store, read-only (exports run beside a recorder that writes)."""
    return open_store(db_path, create=False, readonly=True)


def _tz(name: str | None) -> tzinfo | None:
    if name is None:
        return None
    from rls_monitor.export.records import resolve_timezone

    return resolve_timezone(name)


def _date_range_options(func: F) -> F:
    """The ``--from`` / ``--to`` night-date options shared by export and report."""
    func = click.option(
        "--to", "date_to", type=_DATE, default=None, help="Last night date, YYYY-MM-DD (included)."
    )(func)
    return click.option(
        "--from",
        "date_from",
        type=_DATE,
        default=None,
        help="First night date, YYYY-MM-DD (local date of the evening).",
    )(func)


def _tz_option(func: F) -> F:
    """The ``--tz`` option shared by export and report."""
    return click.option(
        "--tz",
        "tz_name",
        default=None,
        help="Local time zone, e.g. Europe/Berlin (default: the night's, else this computer's).",
    )(func)


@click.command("export")
@click.option("--night", type=int, default=None, help="One night by id.")
@click.option("--subject", default=None, help="Only this subject's nights (default: all).")
@_date_range_options
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "json", "edf"]),
    required=True,
    help="csv/json: one row per night (or per movement); edf: EDF+ of one night.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path, dir_okay=False),
    required=True,
    help="Output file ('-' writes csv/json to standard output).",
)
@click.option("--movements", is_flag=True, help="csv/json: one row per leg movement.")
@click.option(
    "--pseudonymise",
    "--pseudonymize",
    "pseudonymise",
    is_flag=True,
    help="Replace subject and device labels by keyed hashes and shift dates back by "
    "a random whole number of weeks (weekday and time of day kept).",
)
@click.option(
    "--salt",
    default=None,
    help="Secret salt of the label hashes, to link several pseudonymised exports "
    "(default: random, exports cannot be linked).",
)
@_tz_option
@db_option
def export_command(
    night: int | None,
    subject: str | None,
    date_from: datetime | None,
    date_to: datetime | None,
    fmt: str,
    output: Path,
    movements: bool,
    pseudonymise: bool,
    salt: str | None,
    tz_name: str | None,
    db_path: Path | None,
) -> None:
    """Export stored nights as CSV or JSON tables, or one night as EDF+.

    Columns and units are listed in docs/exports.md. Dates are ISO 8601 in UTC and local time.
    """
    from rls_monitor.export import ExportSummary, export

    to_stdout = str(output) == "-"
    if to_stdout and fmt == "edf":
        raise ConfigError("EDF+ is binary: give a file with -o", name="output")
    with _open_store(db_path) as store:

        def run(target: Path) -> ExportSummary:
            return export(
                store,
                target,
                fmt,
                night=night,
                subject=subject,
                date_from=_day(date_from),
                date_to=_day(date_to),
                movements=movements,
                pseudonymise=pseudonymise,
                salt=salt,
                tz=_tz(tz_name),
            )

        if to_stdout:
            with tempfile.TemporaryDirectory(prefix="rls-monitor-export-") as tmp:
                target = Path(tmp) / f"export.{fmt}"
                run(target)
                sys.stdout.write(target.read_text(encoding="utf-8"))
            return
        summary = run(output)
    from rls_monitor.nights.status import plural

    nights = plural(summary.nights, "night")
    if movements or fmt == "edf":
        what = "movement" if movements else "annotated movement"
        text = f"Wrote {plural(summary.rows, what)} of {nights} to {summary.path}"
    else:
        text = f"Wrote {nights} to {summary.path}"
    click.echo(text + (" (pseudonymised)" if summary.pseudonymised else ""))


@click.command("report")
@click.argument("night", type=int, required=False)
@click.option("--subject", default=None, help="A report on this subject's nights.")
@_date_range_options
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path, dir_okay=False),
    required=True,
    help="Output file: .html (self-contained page) or .pdf.",
)
@click.option("--title", default=None, help="Title of the report.")
@_tz_option
@db_option
def report_command(
    night: int | None,
    subject: str | None,
    date_from: datetime | None,
    date_to: datetime | None,
    output: Path,
    title: str | None,
    tz_name: str | None,
    db_path: Path | None,
) -> None:
    """Write a report with plots on NIGHT, or on a subject's nights (--subject, --from, --to).

    One night: indices, timeline, IMI histograms, per-hour table. Several nights: the PLM-index
    trend with the 15/h reference line, night-to-night variability, every night's movements,
    and the subject's night diary with its insights when there is one.
    """
    from rls_monitor.nights.status import plural
    from rls_monitor.report import write_stored_report

    with _open_store(db_path) as store:
        path, n_nights = write_stored_report(
            store,
            output,
            night=night,
            subject=subject,
            date_from=_day(date_from),
            date_to=_day(date_to),
            title=title,
            tz=_tz(tz_name),
        )
    click.echo(f"Wrote a report on {plural(n_nights, 'night')} to {path}")
