"""Batch import and rescoring: workers read and score, one writer stores.

:func:`run_batch` imports every recording under some paths; :func:`rescore_all` scores every
stored night again (a new detector version over a whole store). Both hand the work to a
:class:`~rls_monitor.batch.runners.Runner` (this process, local processes or a Dask cluster) and
store each result in this process, as it arrives: SQLite is never written by two processes at
once.

Resumable: a file is known by the SHA-256 of its content (kept with its night as
``source_sha256``), and a file already stored as a complete night is skipped, so a batch killed
at any point and run again does only what is left. A night the killed writer had begun and not
finished (left ``interrupted``, without a score) is deleted and its file stored again: none is
lost and none is stored twice. A file that fails never stops the rest; the report lists the
failures with their one-line reasons.

The night a batch stores from a file is exactly the night ``import`` stores from it (both go
through :func:`~rls_monitor.nights.prepare.prepare_night` and
:func:`~rls_monitor.nights.prepare.store_prepared`).
"""

from __future__ import annotations

import csv
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from rls_monitor.batch.files import file_sha256, find_recordings
from rls_monitor.batch.runners import InlineRunner, PoolRunner, Runner, default_jobs
from rls_monitor.batch.tasks import RescoredNight, TaskFailure, import_task, rescore_task
from rls_monitor.errors import ConfigError, StorageError, check_option
from rls_monitor.nights.prepare import PreparedNight, store_prepared
from rls_monitor.nights.rescore import score_unchanged
from rls_monitor.nights.score import CALIBRATION_CHOICES, RULE_CHOICES
from rls_monitor.storage import Store

__all__ = ["BatchProgress", "BatchReport", "Failure", "rescore_all", "run_batch"]

#: How a batch names each file's subject: its file name without suffix, or its folder's name.
SUBJECT_FROM = ("stem", "folder")


@dataclass(frozen=True)
class Failure:
    """A file (or stored night) that failed, with its one-line reason."""

    item: str
    reason: str


@dataclass(frozen=True)
class BatchProgress:
    """Where a batch run is, after each file or night.

    Attributes
    ----------
    total : int
        Files (or nights) in the run, skipped ones included.
    done : int
        Finished: stored, skipped or failed.
    stored, skipped, failed : int
    elapsed_s : float
    current : str
        The item just finished ("" before the first).
    """

    total: int
    done: int
    stored: int
    skipped: int
    failed: int
    elapsed_s: float
    current: str = ""

    @property
    def nights_per_min(self) -> float:
        """Nights stored (or rescored) per minute so far."""
        return 60.0 * self.stored / self.elapsed_s if self.elapsed_s > 0 else 0.0

    @property
    def eta_s(self) -> float | None:
        """Seconds left at the rate so far (``None`` before there is one)."""
        worked = self.stored + self.failed
        left = self.total - self.done
        if worked == 0 or self.elapsed_s <= 0:
            return None
        return left * self.elapsed_s / worked


@dataclass
class BatchReport:
    """What a batch run did.

    Attributes
    ----------
    stored : list of (str, int)
        Item and the night id stored (or rescored with a changed score).
    skipped : list of (str, int or None)
        Item and the night it is already stored as (``None`` for a repeat within the run).
    unchanged : list of (str, int)
        Rescored nights whose score did not change.
    failures : list of Failure
    elapsed_s : float
    """

    stored: list[tuple[str, int]] = field(default_factory=list)
    skipped: list[tuple[str, int | None]] = field(default_factory=list)
    unchanged: list[tuple[str, int]] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    elapsed_s: float = 0.0

    def progress(self, total: int, elapsed_s: float, current: str = "") -> BatchProgress:
        """Where the run is: every item stored, skipped, unchanged or failed so far is done."""
        stored = len(self.stored) + len(self.unchanged)
        return BatchProgress(
            total=total,
            done=stored + len(self.skipped) + len(self.failures),
            stored=stored,
            skipped=len(self.skipped),
            failed=len(self.failures),
            elapsed_s=elapsed_s,
            current=current,
        )

    @property
    def ok(self) -> bool:
        """True when nothing failed."""
        return not self.failures

    def write_failures_csv(self, path: str | Path) -> Path:
        """Write the failures as CSV (``item,reason``), owner-only like the store."""
        path = Path(path)
        try:
            with path.open("w", encoding="utf-8", newline="") as fh:
                path.chmod(0o600)
                writer = csv.writer(fh)
                writer.writerow(["item", "reason"])
                for f in self.failures:
                    writer.writerow([_cell(f.item), _cell(f.reason)])
        except OSError as exc:
            raise StorageError(
                f"cannot write the failure list: {exc.strerror or exc}", path=path
            ) from exc
        return path


def _without_name(reason: str, item: str) -> str:
    """A reader's message without the file name it starts with (the item says which file)."""
    return reason[len(item) :].lstrip(":, ") or reason if reason.startswith(item) else reason


def _cell(text: str) -> str:
    """A CSV cell that a spreadsheet will not take for a formula."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _runner(runner: Runner | None, jobs: int | None, n_tasks: int) -> tuple[Runner, bool]:
    if runner is not None:
        return runner, False
    n = default_jobs() if jobs is None else int(jobs)
    if n < 1:
        raise ConfigError(f"jobs must be at least 1; got {n}", name="jobs", value=n)
    n = min(n, max(n_tasks, 1))
    return (InlineRunner() if n == 1 else PoolRunner(n)), True


def _subject(path: Path, subject: str | None, subject_from: str) -> str:
    if subject:
        return subject
    return path.parent.name if subject_from == "folder" else path.stem


def run_batch(
    store: Store,
    paths: Iterable[str | Path],
    *,
    rules: str = "wasm2016",
    jobs: int | None = None,
    runner: Runner | None = None,
    subject: str | None = None,
    subject_from: str = "stem",
    progress: Callable[[BatchProgress], None] | None = None,
    channels: Sequence[str] | None = None,
) -> BatchReport:
    """Import and score every recording under ``paths``: workers score, this process stores.

    Parameters
    ----------
    store : Store
        The store (written by this process only).
    paths : iterable of str or Path
        Files, folders and glob patterns (:func:`~rls_monitor.batch.files.find_recordings`).
    rules : {"wasm2016", "aasm"}
    jobs : int, optional
        Local worker processes (all cores by default; 1 runs everything in this process).
    runner : Runner, optional
        Where to run instead (e.g. a :class:`~rls_monitor.batch.runners.DaskRunner`); the caller
        closes it.
    subject : str, optional
        One subject label for every file; by default each file's own (see ``subject_from``).
    subject_from : {"stem", "folder"}
        The file's name without suffix, or the name of its folder.
    progress : callable, optional
        Called with a :class:`BatchProgress` after each file.
    channels : sequence of three str, optional
        For EDF files, the labels of their X, Y and Z channels (other formats are read as
        they are).

    Returns
    -------
    BatchReport

    Raises
    ------
    ConfigError
        A path that names nothing, a bad option.
    StorageError
        The store cannot be written (disk full, ...): the run stops; every night stored before
        stays stored and complete.
    """
    check_option("rules", rules, RULE_CHOICES)
    check_option("subject_from", subject_from, SUBJECT_FROM)
    start = time.monotonic()
    files = find_recordings(paths)
    report = BatchReport()
    known: dict[str, int] = {}
    for night in store.list_nights():
        sha = night.metadata.get("source_sha256")
        if not sha:
            continue
        if night.status == "complete":
            known.setdefault(str(sha), night.id)
        elif night.status == "interrupted" and night.rules is None:
            store.delete_night(night.id)  # begun by a batch or import that was killed
    todo: list[Path] = []
    sha_of: dict[Path, str] = {}
    seen: dict[str, Path] = {}
    for path in files:
        try:
            sha = file_sha256(path)
        except OSError as exc:
            report.failures.append(Failure(str(path), f"cannot read: {exc.strerror or exc}"))
            continue
        if sha in known:
            report.skipped.append((str(path), known[sha]))
        elif sha in seen:
            report.skipped.append((str(path), None))
        else:
            seen[sha] = path
            sha_of[path] = sha
            todo.append(path)
    calibrations = store.device_calibrations()
    total = len(files)

    def tick(current: str) -> None:
        if progress is not None:
            progress(report.progress(total, time.monotonic() - start, current))

    tick("")
    run, owned = _runner(runner, jobs, len(todo))
    try:
        results = run.map_unordered(
            import_task,
            [str(p) for p in todo],
            lambda item: {
                "rules": rules,
                "calibrations": calibrations,
                "sha256": sha_of[Path(item)],
                "channels": tuple(channels)
                if channels and Path(item).suffix.lower() == ".edf"
                else None,
            },
        )
        for item, result in results:
            if isinstance(result, TaskFailure):
                report.failures.append(Failure(item, _without_name(result.reason, item)))
            elif isinstance(result, PreparedNight):
                path = Path(item)
                night_id = store_prepared(store, result, _subject(path, subject, subject_from))
                report.stored.append((item, night_id))
            else:  # pragma: no cover - a runner that returns something else
                report.failures.append(Failure(item, f"unexpected result {type(result).__name__}"))
            tick(item)
    finally:
        if owned:
            run.close()
    report.elapsed_s = time.monotonic() - start
    return report


def rescore_all(
    store: Store,
    *,
    rules: str | None = None,
    jobs: int | None = None,
    runner: Runner | None = None,
    nights: Sequence[int] | None = None,
    calibration: str = "stored",
    progress: Callable[[BatchProgress], None] | None = None,
) -> BatchReport:
    """Score every stored night again, in parallel.

    Workers read the store read-only and score; this process saves each new score. A night whose
    new score equals its stored one is left as it is (``unchanged``).

    Parameters
    ----------
    store : Store
    rules : {"wasm2016", "aasm"}, optional
        The rule set; each night's own when omitted.
    jobs, runner, progress
        As for :func:`run_batch`. Dask workers must see the store's file at the same path.
    nights : sequence of int, optional
        Only these nights; every night with stored samples by default.
    calibration : {"stored", "latest", "none"}
        As for :func:`~rls_monitor.nights.rescore.rescore_night`.

    Returns
    -------
    BatchReport
        ``stored`` holds the nights whose score changed.
    """
    if rules is not None:
        check_option("rules", rules, RULE_CHOICES)
    check_option("calibration", calibration, CALIBRATION_CHOICES)
    start = time.monotonic()
    infos = store.list_nights()
    ids = [n.id for n in infos if n.n_samples > 0 and n.status != "recording"]
    if nights is not None:
        wanted = {int(i) for i in nights}
        ids = [i for i in ids if i in wanted]
    report = BatchReport()
    total = len(ids)

    def tick(current: str) -> None:
        if progress is not None:
            progress(report.progress(total, time.monotonic() - start, current))

    tick("")
    db_path = str(store.path)
    run, owned = _runner(runner, jobs, len(ids))
    try:
        for night_id, result in run.map_unordered(
            rescore_task,
            ids,
            lambda _item: {"db_path": db_path, "rules": rules, "calibration": calibration},
        ):
            label = f"night {night_id}"
            if isinstance(result, TaskFailure):
                report.failures.append(Failure(label, result.reason))
            elif isinstance(result, RescoredNight):
                if score_unchanged(store, night_id, result.result, result.calibrations):
                    report.unchanged.append((label, night_id))
                else:
                    store.save_score(
                        night_id,
                        result.result,
                        minutes=result.minutes,
                        posture=result.posture_at_onset,
                        calibrations=result.calibrations,
                        set_calibration=True,
                    )
                    report.stored.append((label, night_id))
            tick(label)
    finally:
        if owned:
            run.close()
    report.elapsed_s = time.monotonic() - start
    return report
