"""Nothing lost: a whole simulated night through every fault we can inject.

The band runs in this process behind a real pseudo-terminal; the host is a separate process
(``record`` over pyserial) that is killed with SIGKILL mid-night and started again. Meanwhile the
band drops the link 24 times, goes silent twice without a disconnect, corrupts, duplicates and
reorders frames, and its clock drifts by 40 ppm. In the morning (SIGINT, as Ctrl-C) the stored
samples must be bit-identical to the band's source and the score equal to the clean night's.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from firmware_host.band import SimulatedBand
from rls_monitor.errors import StorageError
from rls_monitor.link.transports.simulated import BandDriver, PtyBand
from rls_monitor.recording import Recording
from rls_monitor.scoring import score
from rls_monitor.simulation import simulated_sources
from rls_monitor.storage import Store

REPO = Path(__file__).resolve().parents[2]
NIGHT_S = float(os.environ.get("RLS_FAULT_NIGHT_S", 8 * 3600))
# a guard against a hang, not a speed target: generous for a loaded 2-core machine
DEADLINE_S = float(os.environ.get("RLS_FAULT_DEADLINE_S", 600))
FS_HZ = 25.0

HOST = r"""
import asyncio, faulthandler, signal, sys
faulthandler.register(signal.SIGUSR1)  # the test asks for every thread's stack if it stalls
from rls_monitor.link.band_session import SessionConfig
from rls_monitor.nights.record import record_night_async
from rls_monitor.link.transports import LinkConfig

async def main() -> None:
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGINT, stop.set)
    cfg = SessionConfig(
        link=LinkConfig(backoff_initial_s=0.01, backoff_max_s=0.05, watchdog_s=0.3),
        rescore_interval_s=1e9, max_sync_rtt_s=120.0, flush_interval_s=0.5,
        housekeeping_interval_s=0.25,
    )
    await record_night_async(sys.argv[1], ["serial:" + sys.argv[2]], require_pairing=False,
                             config=cfg, stop=stop, start="oldest")

asyncio.run(main())
"""


def _start_host(db: Path, port: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.Popen(
        [sys.executable, "-c", HOST, str(db), port], env=env, stderr=subprocess.PIPE
    )


def _stored(db: Path) -> int:
    if not db.exists():
        return 0
    try:
        with Store(db, readonly=True) as store:
            nights = store.list_nights()
            return nights[-1].n_samples if nights else 0
    except StorageError:  # the host is still creating the file
        return 0


def _wait_for(
    db: Path, n_samples: float, host: subprocess.Popen[bytes], pty: PtyBand, deadline: float
) -> None:
    """Wait until the store holds ``n_samples``; fail at once if the host or the band died,
    and at the deadline with the host's thread stacks, so a stall says where it is."""
    while _stored(db) < n_samples:
        assert host.poll() is None, host.stderr.read().decode() if host.stderr else ""
        assert pty.error is None, f"the band failed: {pty.error!r}"
        if time.monotonic() >= deadline:
            host.send_signal(signal.SIGUSR1)  # faulthandler: every thread's stack
            time.sleep(1.0)
            host.kill()
            _, err = host.communicate()
            pytest.fail(
                f"no progress within {DEADLINE_S:g} s: {_stored(db)} of {n_samples:.0f} samples "
                f"stored; host stacks:\n{err.decode(errors='replace')[-6000:]}"
            )
        time.sleep(0.05)


@pytest.mark.slow
def test_a_night_survives_link_losses_bad_frames_drift_and_a_sigkill(tmp_path: Path) -> None:
    counts, lsb_g, fs_hz = simulated_sources(
        None, duration_s=NIGHT_S, bilateral=False, seed=11, fs_hz=FS_HZ
    )["left"]
    band = SimulatedBand(counts, lsb_g=lsb_g, fs_hz=fs_hz, device_id="RLS-FAULTS", seed=11)
    faults = band.faults
    faults.drop_link_at_s = [float(t) for t in np.linspace(0.03, 0.97, 24) * NIGHT_S]
    faults.silent_at_s = [0.31 * NIGHT_S, 0.77 * NIGHT_S]
    faults.corrupt_probability = 0.01
    faults.duplicate_probability = 0.01
    faults.reorder_probability = 0.01
    band.drift_ppm = 40.0
    db = tmp_path / "night.sqlite"

    hosts: list[subprocess.Popen[bytes]] = []
    try:
        with PtyBand(BandDriver(band, step_s=2.0)) as pty:
            hosts.append(host := _start_host(db, pty.port))
            deadline = time.monotonic() + DEADLINE_S
            _wait_for(db, 0.4 * len(counts), host, pty, deadline)  # mid-night: ...
            host.send_signal(signal.SIGKILL)  # ... the host dies without warning
            host.wait()
            killed_at = _stored(db)

            # the next start continues the interrupted night
            hosts.append(host := _start_host(db, pty.port))
            _wait_for(db, len(counts), host, pty, deadline)
            host.send_signal(signal.SIGINT)  # morning: Ctrl-C ends the night cleanly
            _, err = host.communicate(timeout=60)
            assert host.returncode == 0, err.decode()
            assert pty.error is None
    finally:  # a failed run must not leave a host holding the serial port for later tests
        for h in hosts:
            if h.poll() is None:
                h.kill()
                h.wait()

    stats = band.stats
    assert len(band.link_drops_s) >= 20 and stats.silences >= 1
    assert stats.corrupted > 0 and stats.duplicated > 0 and stats.reordered > 0
    with Store(db) as store:
        nights = store.list_nights()
        assert len(nights) == 1, "the restarted host must continue the same night"
        night = nights[0]
        assert night.status == "complete"
        stored = store.read_samples(night.id, 0, fill_gaps=False)
        saved = store.get_result(night.id)
    assert 0 < killed_at < len(counts)
    assert stored.dtype == np.int16 and np.array_equal(stored, counts)  # bit-identical
    clean = score(Recording.from_counts(counts, lsb_g, fs_hz, side="left")).to_dict()
    assert saved is not None
    assert saved["movements"] == clean["movements"]
    assert saved["indices"] == clean["indices"]
    print(
        f"\nfaults: {len(band.link_drops_s)} link drops, {stats.silences} silences, "
        f"{stats.corrupted} corrupted, {stats.duplicated} duplicated, {stats.reordered} "
        f"reordered frames, drift 40 ppm, 1 SIGKILL at sample {killed_at}; "
        f"{len(stored)} samples bit-identical"
    )
