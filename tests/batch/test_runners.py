"""Where batch tasks run: local processes and a real Dask cluster, workers killed mid-run
(rls_monitor/batch/runners.py)."""

from __future__ import annotations

import os
import signal
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from rls_monitor.batch import run_batch
from rls_monitor.batch.runners import (
    DaskRunner,
    InlineRunner,
    PoolRunner,
    cluster_from_config,
)
from rls_monitor.batch.tasks import TaskFailure
from rls_monitor.errors import ConfigError
from rls_monitor.storage import Store
from tests.batch.conftest import make_cohort


def square_or_die(item: int, *, marker_dir: str, die_on: int) -> int:
    """The task of these tests: dies (SIGKILL of its own worker) the first time it gets
    ``die_on``, as a worker killed mid-run would."""
    marker = Path(marker_dir) / f"ran-{item}"
    if item == die_on and not marker.exists():
        marker.write_text("")
        os.kill(os.getpid(), signal.SIGKILL)
    return item * item


def always_die(item: int) -> int:
    os.kill(os.getpid(), signal.SIGKILL)
    return item


def test_inline_runner_keeps_order(tmp_path: Path) -> None:
    got = list(
        InlineRunner().map_unordered(
            square_or_die, range(4), lambda _: {"marker_dir": str(tmp_path), "die_on": -1}
        )
    )
    assert got == [(0, 0), (1, 1), (2, 4), (3, 9)]


def test_a_killed_local_worker_is_replaced_and_its_task_run_again(tmp_path: Path) -> None:
    runner = PoolRunner(2)
    try:
        got = dict(
            runner.map_unordered(
                square_or_die, range(10), lambda _: {"marker_dir": str(tmp_path), "die_on": 3}
            )
        )
    finally:
        runner.close()
    assert got == {k: k * k for k in range(10)}
    assert (tmp_path / "ran-3").exists()


def test_a_task_that_kills_every_worker_fails_alone() -> None:
    runner = PoolRunner(1)
    try:
        got = dict(runner.map_unordered(always_die, [7], lambda _: {}))
    finally:
        runner.close()
    assert isinstance(got[7], TaskFailure) and "died" in got[7].reason


@pytest.fixture(scope="module")
def dask_cluster() -> Any:
    distributed = pytest.importorskip("distributed")
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    )
    client = distributed.Client(cluster)
    yield client
    client.close()
    cluster.close()


def test_a_batch_on_a_dask_cluster_stores_what_local_workers_store(
    tmp_path: Path, dask_cluster: Any
) -> None:
    cohort = make_cohort(tmp_path / "c", n_nights=2)
    with Store(tmp_path / "local.sqlite") as local, Store(tmp_path / "dask.sqlite") as remote:
        run_batch(local, [cohort.root], jobs=1)
        report = run_batch(remote, [cohort.root], runner=DaskRunner(dask_cluster))
        assert len(report.stored) == len(cohort.good) and len(report.failures) == 3
        a = {n.source: n.id for n in local.list_nights()}
        b = {n.source: n.id for n in remote.list_nights()}
        assert a.keys() == b.keys()
        for source, night in a.items():
            assert local.get_result(night) == remote.get_result(b[source])
            np.testing.assert_array_equal(local.read_samples(night), remote.read_samples(b[source]))
        assert remote.check().ok


def test_a_dask_worker_killed_mid_run_loses_nothing(tmp_path: Path, dask_cluster: Any) -> None:
    runner = DaskRunner(dask_cluster)
    got = dict(
        runner.map_unordered(
            square_or_die, range(8), lambda _: {"marker_dir": str(tmp_path), "die_on": 5}
        )
    )
    assert got == {k: k * k for k in range(8)}
    assert (tmp_path / "ran-5").exists()


def test_a_jobqueue_cluster_from_a_config_file(tmp_path: Path) -> None:
    pytest.importorskip("dask_jobqueue")
    config = tmp_path / "cluster.toml"
    config.write_text(
        '[cluster]\nkind = "slurm"\ncores = 4\nmemory = "8GB"\nwalltime = "02:00:00"\n'
        'queue = "normal"\njobs = 3\n[cluster.scheduler_options]\ndashboard_address = ":0"\n'
    )
    cluster = cluster_from_config(config, scale=False)
    try:
        script = cluster.job_script()
    finally:
        cluster.close()
    assert "#SBATCH" in script and "-p normal" in script and "--cpus-per-task=4" in script
    assert "02:00:00" in script
    config.write_text('[cluster]\nkind = "moab"\n')
    with pytest.raises(ConfigError, match="cluster kind must be one of"):
        cluster_from_config(config, scale=False)
    config.write_text("[cluster\n")
    with pytest.raises(ConfigError, match="cannot read the cluster config"):
        cluster_from_config(config)


def test_an_unreachable_scheduler_is_one_line() -> None:
    pytest.importorskip("distributed")
    with pytest.raises(ConfigError, match="cannot reach the Dask scheduler"):
        DaskRunner.connect("tcp://127.0.0.1:9")
