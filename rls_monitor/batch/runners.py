"""Where a batch's tasks run: this process, a pool of local processes, or a Dask cluster.

Every runner has one method, :meth:`Runner.map_unordered`: tasks go out a few at a time (so a
thousand files never sit as a thousand pending results in memory) and come back as they finish,
to the one writer. A task that its worker died running is run again (a killed local worker
breaks the pool, which is replaced; Dask's scheduler reruns a dead worker's tasks itself); a task
that fails again is reported as failed, never lost and never stored twice.
"""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing
import os
import tomllib
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any, Protocol

from rls_monitor.batch.tasks import TaskFailure
from rls_monitor.errors import ConfigError

__all__ = [
    "DaskRunner",
    "InlineRunner",
    "PoolRunner",
    "Runner",
    "cluster_from_config",
    "default_jobs",
]

#: How many times a task whose worker died is started again.
RETRIES = 2


def default_jobs() -> int:
    """The number of local workers by default: the cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


class Runner(Protocol):
    """Runs tasks and yields ``(item, result)`` as each one finishes."""

    def map_unordered(
        self,
        fn: Callable[..., Any],
        items: Iterable[Any],
        kwargs: Callable[[Any], Mapping[str, Any]],
    ) -> Iterator[tuple[Any, Any]]:
        """``fn(item, **kwargs(item))`` for every item, yielded in the order they finish."""
        ...

    def close(self) -> None:
        """Release the workers."""
        ...


class InlineRunner:
    """Every task in this process, one after the other (``--jobs 1``)."""

    def map_unordered(
        self,
        fn: Callable[..., Any],
        items: Iterable[Any],
        kwargs: Callable[[Any], Mapping[str, Any]],
    ) -> Iterator[tuple[Any, Any]]:
        for item in items:
            yield item, fn(item, **kwargs(item))

    def close(self) -> None:
        """Nothing to release."""


class PoolRunner:
    """A pool of ``jobs`` local worker processes (started fresh, not forked from this one).

    Parameters
    ----------
    jobs : int
        Worker processes.
    """

    def __init__(self, jobs: int) -> None:
        if jobs < 1:
            raise ConfigError(f"jobs must be at least 1; got {jobs}", name="jobs", value=jobs)
        self.jobs = int(jobs)
        self._pool: cf.ProcessPoolExecutor | None = None

    def _executor(self) -> cf.ProcessPoolExecutor:
        if self._pool is None:
            self._pool = cf.ProcessPoolExecutor(
                max_workers=self.jobs, mp_context=multiprocessing.get_context("spawn")
            )
        return self._pool

    def map_unordered(
        self,
        fn: Callable[..., Any],
        items: Iterable[Any],
        kwargs: Callable[[Any], Mapping[str, Any]],
    ) -> Iterator[tuple[Any, Any]]:
        todo = iter(items)
        tries: dict[Any, int] = {}
        retry: list[Any] = []
        pending: dict[cf.Future[Any], Any] = {}

        def fill() -> None:
            while len(pending) < 2 * self.jobs:
                if retry:
                    item = retry.pop()
                else:
                    item = next(todo, _END)
                    if item is _END:
                        return
                pending[self._executor().submit(fn, item, **kwargs(item))] = item

        fill()
        while pending:
            done, _ = cf.wait(pending, return_when=cf.FIRST_COMPLETED)
            broken = False
            for future in done:
                item = pending.pop(future)
                try:
                    result = future.result()
                except cf.process.BrokenProcessPool:
                    broken = True
                    tries[item] = tries.get(item, 0) + 1
                    if tries[item] > RETRIES:
                        yield item, TaskFailure("its worker process died every time it ran")
                    else:
                        retry.append(item)
                    continue
                yield item, result
            if broken:
                # a dead worker breaks the whole pool: every task still out is run again
                retry.extend(pending.values())
                pending.clear()
                self._discard_pool()
            fill()

    def _discard_pool(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None

    def close(self) -> None:
        """Stop the workers."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


class DaskRunner:
    """Tasks on a Dask ``distributed`` cluster (the optional ``cluster`` extra).

    Parameters
    ----------
    client : distributed.Client
        Connected to a scheduler (``Client("tcp://HOST:PORT")``, a ``LocalCluster``, or a
        dask-jobqueue cluster). The workers must see the files at the same paths (a shared file
        system); results come back to this process, which alone writes the store.
    """

    def __init__(self, client: Any, cluster: Any = None) -> None:
        self.client = client
        self._cluster = cluster

    @classmethod
    def connect(cls, address: str) -> DaskRunner:
        """Connect to a running scheduler (``tcp://HOST:PORT``) or a cluster config file (TOML)."""
        distributed = _distributed()
        try:
            if Path(address).is_file():
                cluster = cluster_from_config(address)
                return cls(distributed.Client(cluster), cluster)
            return cls(distributed.Client(address, timeout="10s"))
        except (OSError, TimeoutError) as exc:
            raise ConfigError(
                f"cannot reach the Dask scheduler at {address}: {exc}", name="scheduler"
            ) from exc

    def _width(self) -> int:
        try:
            return max(1, sum(self.client.nthreads().values()))
        except Exception:  # a scheduler that will not say: go one at a time per worker
            return 1

    def map_unordered(
        self,
        fn: Callable[..., Any],
        items: Iterable[Any],
        kwargs: Callable[[Any], Mapping[str, Any]],
    ) -> Iterator[tuple[Any, Any]]:
        distributed = _distributed()
        todo = iter(items)
        pending: dict[Any, Any] = {}
        queue = distributed.as_completed()

        def submit_more() -> None:
            while len(pending) < 2 * self._width():
                item = next(todo, _END)
                if item is _END:
                    return
                # pure=False: every task runs even when its arguments repeat; retries: a task
                # that raised (it never should) is tried again; a dead worker's tasks are rerun
                # by the scheduler.
                future = self.client.submit(fn, item, **kwargs(item), pure=False, retries=RETRIES)
                pending[future] = item
                queue.add(future)

        submit_more()
        for future in queue:
            item = pending.pop(future)
            try:
                result = future.result()
            except Exception as exc:  # KilledWorker and the like: the cluster could not run it
                result = TaskFailure(f"the cluster could not run it ({type(exc).__name__})")
            future.release()
            yield item, result
            submit_more()

    def close(self) -> None:
        """Disconnect (a cluster this runner started from a config file is closed too)."""
        self.client.close()
        if self._cluster is not None:
            self._cluster.close()


_END = object()


def _distributed() -> Any:
    try:
        import distributed
    except ImportError as exc:
        raise ConfigError(
            "running on a Dask cluster needs the cluster extra: pip install 'rls-monitor[cluster]'",
            name="scheduler",
        ) from exc
    return distributed


def cluster_from_config(path: str | Path, *, scale: bool = True) -> Any:
    """A dask-jobqueue cluster from a TOML file, scaled to its ``jobs``.

    The file::

        [cluster]
        kind = "slurm"        # or "pbs", "sge", "lsf", "htcondor"
        cores = 4
        memory = "8GB"
        walltime = "02:00:00"
        queue = "normal"      # any other key is passed to the cluster class as is
        jobs = 10             # batch jobs to start

    Parameters
    ----------
    path : str or Path
    scale : bool, default True
        Submit the ``jobs`` batch jobs (False: only build the cluster, e.g. to look at its
        ``job_script()``).

    Returns
    -------
    dask_jobqueue cluster
    """
    try:
        config = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(
            f"cannot read the cluster config {path}: {exc}", name="scheduler"
        ) from exc
    section = dict(config.get("cluster") or {})
    kind = str(section.pop("kind", "")).lower()
    jobs = int(section.pop("jobs", 1))
    try:
        import dask_jobqueue
    except ImportError as exc:
        raise ConfigError(
            "a cluster config needs the cluster extra: pip install 'rls-monitor[cluster]'",
            name="scheduler",
        ) from exc
    classes = {
        "slurm": "SLURMCluster",
        "pbs": "PBSCluster",
        "sge": "SGECluster",
        "lsf": "LSFCluster",
        "htcondor": "HTCondorCluster",
    }
    if kind not in classes:
        raise ConfigError(
            f"cluster kind must be one of {', '.join(classes)}; got {kind!r}", name="scheduler"
        )
    try:
        cluster = getattr(dask_jobqueue, classes[kind])(**section)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"bad cluster config {path}: {exc}", name="scheduler") from exc
    if scale:
        cluster.scale(jobs=jobs)
    return cluster
