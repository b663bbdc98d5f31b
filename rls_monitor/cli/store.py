"""``rls-monitor import / nights / show / rescore / db``: nights kept in the local database.

Every command takes ``--db PATH``; the default is the ``RLS_MONITOR_DB`` environment variable,
else ``<user data dir>/rls-monitor.sqlite`` (see :func:`rls_monitor.storage.default_db_path`).
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from rls_monitor.cli.common import (
    channels_option,
    db_option,
    echo_json,
    open_store,
    rules_filter_option,
    rules_option,
)
from rls_monitor.errors import ConfigError, RecordingError

__all__ = ["db_group", "import_command", "nights_command", "rescore_command", "show_command"]


@click.command("import")
@click.argument("path", type=click.Path(path_type=Path, dir_okay=False, exists=True))
@click.option("--subject", default="default", show_default=True, help="Pseudonymous label.")
@rules_option
@click.option(
    "--calibration",
    type=click.Choice(["device", "none"]),
    default="device",
    show_default=True,
    help="Apply the band's calibration in force (device) or score the raw samples (none).",
)
@click.option(
    "--again", is_flag=True, help="Store the file even if the same file is stored already."
)
@channels_option
@click.option("--json", "as_json", is_flag=True, help='Print {"night": ID, ...} as JSON.')
@db_option
def import_command(
    path: Path,
    subject: str,
    rules: str,
    calibration: str,
    again: bool,
    channels: tuple[str, ...] | None,
    as_json: bool,
    db_path: Path | None,
) -> None:
    """Store the recording PATH (.csv, .cwa, .bin, .gt3x, .edf) as a night and score it.

    A file stored before (the same content) is not stored twice: it says which night holds it
    (--again stores it once more).
    """
    from rls_monitor.nights.importing import import_recording
    from rls_monitor.nights.summary import format_night_line
    from rls_monitor.sleeplab import is_event_file

    if is_event_file(path):
        raise RecordingError(
            "an event file (scored events, no samples): the store keeps recordings; "
            f"rescore it with `rls-monitor score {path.name}`",
            path=path,
        )
    with open_store(db_path) as store:
        imported = import_recording(
            store,
            path,
            subject=subject,
            rules=rules,
            calibration=calibration,
            again=again,
            channels=channels,
        )
        info = store.get_night(imported.night_id)
    if as_json:
        out = {"night": imported.night_id, "already_stored": imported.already_stored}
        echo_json({**out, **info.to_dict()})
    elif imported.already_stored:
        click.echo(
            f"{path.name} is already stored as night {info.id} (same content, subject "
            f"{info.subject}); nothing imported (--again stores it once more)."
        )
    else:
        line = format_night_line(info)  # "Night 5: 8 h 00 min, ..."
        click.echo(f"Stored n{line[1:]}")


@click.command("nights")
@click.option("--subject", default=None, help="Only this subject's nights.")
@click.option("--json", "as_json", is_flag=True, help="Print the nights as a JSON list.")
@db_option
def nights_command(subject: str | None, as_json: bool, db_path: Path | None) -> None:
    """List the stored nights, oldest first."""
    from rls_monitor.nights.summary import format_nights

    with open_store(db_path, create=False, readonly=True) as store:
        nights = store.list_nights(subject)
    if as_json:
        echo_json([n.to_dict() for n in nights])
    else:
        click.echo(format_nights(nights))


@click.command("show")
@click.argument("night", type=int)
@click.option("--json", "as_json", is_flag=True, help="Print the stored score as JSON.")
@db_option
def show_command(night: int, as_json: bool, db_path: Path | None) -> None:
    """Print the morning summary of NIGHT (--json: the same shape as `score --json`)."""
    from rls_monitor.nights.summary import format_night, night_json

    with open_store(db_path, create=False, readonly=True) as store:
        if as_json:
            echo_json(night_json(store, night))
        else:
            click.echo(format_night(store, night))


@click.command("rescore")
@click.argument("night", type=int, required=False)
@click.option("--all", "all_nights", is_flag=True, help="Rescore every stored night.")
@rules_filter_option("Rule set (default: each night's current one).")
@click.option(
    "--calibration",
    type=click.Choice(["stored", "latest", "none"]),
    default="stored",
    show_default=True,
    help="Calibration applied to the raw samples: the one recorded with the night (stored), each "
    "band's calibration in force now (latest), or none.",
)
@click.option(
    "--jobs",
    type=click.IntRange(min=1),
    default=None,
    help="With --all: local worker processes (default: every core).",
)
@click.option(
    "--scheduler",
    metavar="ADDRESS",
    default=None,
    help="With --all: run on a Dask cluster (tcp://HOST:PORT or a dask-jobqueue TOML file); "
    "its workers must see the database file.",
)
@db_option
def rescore_command(
    night: int | None,
    all_nights: bool,
    rules: str | None,
    calibration: str,
    jobs: int | None,
    scheduler: str | None,
    db_path: Path | None,
) -> None:
    """Rescore NIGHT (or --all, in parallel) from the stored raw samples.

    Scoring is deterministic: rescoring with the same rules and calibration changes nothing.
    """
    if (night is None) == (not all_nights):
        raise ConfigError("give either a NIGHT id or --all (not both)", name="night")
    if not all_nights:
        from rls_monitor.nights.rescore import rescore_night

        with open_store(db_path, create=False) as store:
            result, changed = rescore_night(store, int(night or 0), rules, calibration=calibration)
        state = "updated" if changed else "unchanged"
        click.echo(f"night {night}: {state}; PLM index {result.plm_per_h} /h [{result.rules}]")
        return
    from rls_monitor.batch import rescore_all
    from rls_monitor.cli.batch import ProgressPrinter, echo_failures, engine_runner

    runner = engine_runner(jobs, scheduler)
    try:
        with (
            open_store(db_path, create=False) as store,
            ProgressPrinter("Rescoring", "rescored") as show,
        ):
            report = rescore_all(
                store, rules=rules, jobs=jobs, runner=runner, calibration=calibration, progress=show
            )
    finally:
        if runner is not None:
            runner.close()
    for label, _ in report.stored:
        click.echo(f"{label}: updated")
    click.echo(
        f"{len(report.stored)} updated, {len(report.unchanged)} unchanged, "
        f"{len(report.failures)} failed, in {report.elapsed_s:.1f} s."
    )
    if report.failures:
        echo_failures(report)
        sys.exit(1)


@click.group("db")
def db_group() -> None:
    """The database itself: integrity check and information."""


@db_group.command("check")
@click.option("--quick", is_flag=True, help="Skip decoding every sample block.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@db_option
def db_check(quick: bool, as_json: bool, db_path: Path | None) -> None:
    """Run SQLite's integrity check and verify every sample block's checksum."""
    with open_store(db_path, create=False) as store:
        report = store.check(deep=not quick)
    if as_json:
        echo_json(report.to_dict())
    else:
        click.echo(
            f"{report.n_nights} nights, {report.n_blocks} sample blocks, "
            f"{report.n_samples} samples checked (schema version {report.schema_version})"
        )
        for problem in report.problems:
            click.echo(f"PROBLEM: {problem}")
        click.echo("OK" if report.ok else f"{len(report.problems)} problem(s) found")
    if not report.ok:
        raise click.exceptions.Exit(1)


@db_group.command("info")
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
@db_option
def db_info(as_json: bool, db_path: Path | None) -> None:
    """Show the database's path, schema version and size."""
    with open_store(db_path, create=False) as store:
        info = store.info()
    if as_json:
        echo_json(info)
    else:
        for key, value in info.items():
            click.echo(f"{key}: {value}")


@db_group.command("version")
@db_option
def db_version(db_path: Path | None) -> None:
    """Print the database's schema version."""
    with open_store(db_path, create=False) as store:
        click.echo(store.schema_version)


@db_group.command("close")
@click.argument("night", type=int)
@db_option
def db_close(night: int, db_path: Path | None) -> None:
    """Close an interrupted NIGHT (status complete) and score it if it has no score yet."""
    from rls_monitor.nights.rescore import rescore_night

    with open_store(db_path, create=False) as store:
        info = store.get_night(night)
        if info.status == "recording":
            raise ConfigError(
                f"night {night} is still being recorded by a running process; stop it first",
                name="night",
            )
        store.finish_night(night)
        if store.get_result(night) is None and info.n_samples:
            rescore_night(store, night)
        info = store.get_night(night)
    click.echo(f"night {night}: {info.status}; PLM index {info.plm_per_h} /h [{info.rules}]")
