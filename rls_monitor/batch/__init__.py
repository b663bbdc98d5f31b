"""Batch runs: every recording under some folders imported and scored on every core, or on a Dask
cluster, by workers that read and score while one writer stores.

- :mod:`~rls_monitor.batch.files`: the recordings a batch takes (folders, globs) and their content
  hashes;
- :mod:`~rls_monitor.batch.tasks`: the per-file and per-night work a worker does (pure, picklable);
- :mod:`~rls_monitor.batch.runners`: where the work runs: in this process, a local process pool,
  a Dask scheduler or a dask-jobqueue cluster;
- :mod:`~rls_monitor.batch.engine`: :func:`run_batch` and :func:`rescore_all`, the one writer.
"""

from __future__ import annotations

from rls_monitor.batch.engine import BatchProgress, BatchReport, Failure, rescore_all, run_batch
from rls_monitor.batch.files import file_sha256, find_recordings

__all__ = [
    "BatchProgress",
    "BatchReport",
    "Failure",
    "file_sha256",
    "find_recordings",
    "rescore_all",
    "run_batch",
]
