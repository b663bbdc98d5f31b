"""``rls-monitor batch``: import and score a folder of recordings on every core, or on Dask."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from rls_monitor.cli.common import channels_option, db_option, open_store, rules_option
from rls_monitor.nights.status import plural

__all__ = ["ProgressPrinter", "batch_command", "echo_failures", "engine_runner"]


def engine_runner(jobs: int | None, scheduler: str | None) -> Any:
    """The runner a batch command uses: a Dask scheduler when given, else local processes."""
    if scheduler:
        from rls_monitor.batch.runners import DaskRunner

        return DaskRunner.connect(scheduler)
    return None


class ProgressPrinter:
    """Progress of a batch run on stderr: a rich bar on a terminal, plain lines in a pipe or log."""

    def __init__(self, what: str, finished: str = "stored") -> None:
        self.what = what
        self.finished = finished  # what a finished item is: "stored" (import), "rescored"
        self.tty = sys.stderr.isatty()
        self._progress: Any = None
        self._task: Any = None
        self._last_line = -1.0

    def __enter__(self) -> ProgressPrinter:
        if self.tty:
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeRemainingColumn,
            )

            self._progress = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[rate]}"),
                TextColumn("{task.fields[failed]}"),
                TimeRemainingColumn(),
                console=Console(stderr=True),
                transient=False,
            )
            self._progress.start()
            self._task = self._progress.add_task(self.what, total=None, rate="", failed="")
        return self

    def __call__(self, p: Any) -> None:
        rate = f"{p.nights_per_min:.1f} nights/min" if p.stored else ""
        failed = f"{p.failed} failed" if p.failed else ""
        if self._progress is not None:
            self._progress.update(
                self._task, total=p.total, completed=p.done, rate=rate, failed=failed
            )
            return
        if p.done == 0 or (p.done < p.total and p.elapsed_s - self._last_line < 5.0):
            return
        self._last_line = p.elapsed_s
        eta = "" if p.eta_s is None or p.done == p.total else f", about {p.eta_s / 60:.0f} min left"
        click.echo(
            f"{self.what}: {p.done} of {p.total} done ({p.stored} {self.finished}, {p.skipped} skipped, "
            f"{p.failed} failed{', ' + rate if rate else ''}{eta})",
            err=True,
        )

    def __exit__(self, *exc: object) -> None:
        if self._progress is not None:
            self._progress.stop()


def echo_failures(report: Any) -> None:
    """One line per failed item of a batch report, on stderr."""
    for f in report.failures:
        click.echo(f"failed: {f.item}: {f.reason}", err=True)


@click.command("batch")
@click.argument("paths", nargs=-1, required=True)
@db_option
@rules_option
@click.option(
    "--jobs",
    type=click.IntRange(min=1),
    default=None,
    help="Local worker processes (default: every core; 1 runs in this process).",
)
@click.option(
    "--scheduler",
    metavar="ADDRESS",
    default=None,
    help="Run on a Dask cluster: a scheduler address (tcp://HOST:PORT) or a dask-jobqueue "
    "config file (TOML). Needs the cluster extra; the workers must see the files.",
)
@click.option("--subject", default=None, help="One subject label for every file.")
@click.option(
    "--subject-from",
    type=click.Choice(["stem", "folder"]),
    default="stem",
    show_default=True,
    help="Each file's subject: its name without suffix, or its folder's name.",
)
@click.option(
    "--failures",
    "failures_path",
    type=click.Path(path_type=Path, dir_okay=False),
    default=Path("batch-failures.csv"),
    show_default=True,
    help="Where the list of failed files is written (only when some failed).",
)
@channels_option
@click.option(
    "--cohort-table",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Also write one CSV row per night of this run (subject, device, indices, completeness).",
)
def batch_command(
    paths: tuple[str, ...],
    db_path: Path | None,
    rules: str,
    jobs: int | None,
    scheduler: str | None,
    subject: str | None,
    subject_from: str,
    failures_path: Path,
    channels: tuple[str, ...] | None,
    cohort_table: Path | None,
) -> None:
    """Import and score every recording under PATHS (files, folders, globs), in parallel.

    Files already stored (same content) are skipped, so a run that was stopped can be run
    again and does only what is left. A file that fails does not stop the others: the failures
    are listed at the end and written to --failures; the exit status is 1 when any failed.
    """
    from rls_monitor.batch import run_batch

    runner = engine_runner(jobs, scheduler)
    try:
        with open_store(db_path) as store, ProgressPrinter("Importing") as show:
            report = run_batch(
                store,
                paths,
                rules=rules,
                jobs=jobs,
                runner=runner,
                subject=subject,
                subject_from=subject_from,
                progress=show,
                channels=channels,
            )
            if cohort_table is not None:
                _write_cohort(store, [nid for _, nid in report.stored], cohort_table)
    finally:
        if runner is not None:
            runner.close()
    click.echo(
        f"{plural(len(report.stored), 'night')} stored, {len(report.skipped)} already stored, "
        f"{len(report.failures)} failed, in {report.elapsed_s:.1f} s."
    )
    if report.failures:
        echo_failures(report)
        written = report.write_failures_csv(failures_path)
        click.echo(f"The failures are listed in {written}.", err=True)
        sys.exit(1)


def _write_cohort(store: Any, night_ids: list[int], path: Path) -> None:
    from rls_monitor.export import NIGHT_COLUMNS, load_nights, night_rows, write_table

    wanted = set(night_ids)
    records = [r for r in load_nights(store, minutes=False) if r.night_id in wanted]
    write_table(night_rows(records), NIGHT_COLUMNS, path, "csv", table="nights")
    path.chmod(0o600)
