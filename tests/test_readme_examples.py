"""Every example command of the README, run as written, in README order (patient, then clinician).

Each ``rls-monitor ...`` line of the README's ``sh`` blocks (and its Python example) runs against
a throwaway database (``RLS_MONITOR_DB``) in a temporary folder, with the simulated band. The
only rewrites keep it fast and self-contained, and are listed in :func:`_rewrite`: simulated
nights last 15 min (``--duration 900``), a recording is played at ``--speed max``, and the
clinician's date range is the month of the simulated nights. Lines that need a real band are
skipped, each with its reason. A README example that stops working fails this test.
"""

from __future__ import annotations

import re
import shlex
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from tests.calibration.synth_calibration import OFFSET, SCALE, six_pose_recording, write_band_csv

REPO = Path(__file__).resolve().parents[1]
README = (REPO / "README.md").read_text(encoding="utf-8")

#: Examples that need hardware (or a night recorded by that band), with the reason.
HARDWARE = {
    "scan": "listens for real bands over Bluetooth",
    "pair": "pairs a real band",
    "sync": "downloads a night from a real band",
    "--ble": "needs a real band over Bluetooth",
    "--serial": "needs a real band on a serial port",
    "--auto": "needs nights recorded by that real band",
}


def _examples() -> list[str]:
    blocks = re.findall(r"```sh\n(.*?)```", README, flags=re.S)
    lines = []
    for block in blocks:
        for line in block.splitlines():
            command = line.split("  #")[0].split(" # ")[0].strip()
            if command:
                lines.append(command)
    return lines


EXAMPLES = _examples()


def _skip_reason(argv: list[str]) -> str | None:
    if argv[0] != "rls-monitor":
        return f"{argv[0]} is a set-up or developer command, not an rls-monitor example"
    for key, why in HARDWARE.items():
        if key == argv[1] or key in argv:
            return why
    return None


def _rewrite(argv: list[str]) -> list[str]:
    """The few changes that keep the examples fast (listed in the module docstring)."""
    out = list(argv[1:])
    simulated_night = out[0] == "simulate" or (
        out[0] == "record" and "--simulate" in out and not _simulate_file(out)
    )
    if simulated_night and "--duration" not in out:
        out += ["--duration", "900"]
    if out[0] == "record" and _simulate_file(out) and "--speed" in out:
        out[out.index("--speed") + 1] = "max"
    if "--from" in out and "--to" in out:
        month = (datetime.now().astimezone() - timedelta(days=1)).date().replace(day=1)
        following = (month + timedelta(days=32)).replace(day=1) - timedelta(days=1)
        out[out.index("--from") + 1] = month.isoformat()
        out[out.index("--to") + 1] = following.isoformat()
    return out


def _simulate_file(args: list[str]) -> bool:
    i = args.index("--simulate") if "--simulate" in args else -1
    return 0 <= i < len(args) - 1 and not args[i + 1].startswith("-")


def _prepare(args: list[str], folder: Path, db: Path) -> str | None:
    """Files and nights an example names that earlier examples did not make; stdin to give."""
    if "psg_events.csv" in args:  # an event list exported from PSG software
        onsets = 60.0 + 25.0 * np.arange(12)
        rows = "\n".join(f"{a:.1f},{a + 2.0:.1f}" for a in onsets)
        (folder / "psg_events.csv").write_text(f"onset_s,offset_s\n{rows}\n")
    if "night_export.xml" in args:  # a sleep lab's scoring, exported as NSRR XML
        from tests.sleeplab.exports import known_night, write_nsrr_xml

        write_nsrr_xml(known_night(), folder / "night_export.xml")
    if "six_poses.csv" in args:  # a bench recording of the six poses
        raw = six_pose_recording(np.random.default_rng(21), OFFSET, SCALE, hold_s=12.0, move_s=2.0)
        write_band_csv(folder / "six_poses.csv", raw)
    if args[:1] == ["batch"] and "cohort/" in args:  # a researcher's folder of recordings
        from rls_monitor.recording import write_csv
        from rls_monitor.simulation import simulated_recording

        cohort = folder / "cohort"
        for k in range(2):
            (cohort / f"P0{k + 1}").mkdir(parents=True, exist_ok=True)
            night = simulated_recording(duration_s=600.0, seed=k)
            write_csv(night, cohort / f"P0{k + 1}" / "night1.csv")
    if args[:2] == ["db", "close"]:  # a night left interrupted (the computer died)
        from rls_monitor.storage import Channel, Store

        with Store(db) as store:
            while max([n.id for n in store.list_nights()], default=0) < int(args[2]):
                night = store.create_night(
                    "me", fs_hz=50.0, lsb_g=2.0**-10, channels=[Channel(side="left")]
                )
                store.append_samples(night, 0, np.zeros((3000, 3), np.int16))
                store.mark_interrupted(night)
    if args[:2] == ["diary", "add"] and len(args) == 4:  # "in a terminal: asks field by field"
        args.append("--interactive")
        return "2\n" + "\n" * 40  # two cups of coffee, nothing else
    return None


def test_every_readme_example_still_works(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from rls_monitor.cli import main

    db = tmp_path / "store" / "rls-monitor.sqlite"
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("RLS_MONITOR_DB", str(db))
    runner = CliRunner()
    ran, skipped, failed = [], [], []
    for line in EXAMPLES:
        argv = shlex.split(line)
        why = _skip_reason(argv)
        if why:
            skipped.append(f"{line}: {why}")
            continue
        args = _rewrite(argv)
        stdin = _prepare(args, tmp_path, db)
        result = runner.invoke(main, args, input=stdin)
        ran.append(line)
        if result.exit_code != 0:
            failed.append(f"{line}\n  -> exit {result.exit_code}: {result.output.strip()[-400:]}")
    python = re.findall(r"```python\n(.*?)```", README, flags=re.S)
    for code in python:
        exec(compile(code, "README.md", "exec"), {})
    assert not failed, "\n".join(failed)
    assert len(ran) >= 30, ran  # 36 examples run today, 11 need a band
    assert all(("real band" in s or "band" in s or "set-up" in s) for s in skipped), skipped
    shown = runner.invoke(main, ["show", "2"])
    assert "Previous nights: median PLM index" in shown.output  # the second simulated evening


def test_hardware_examples_are_skipped_explicitly() -> None:
    reasons = {line: _skip_reason(shlex.split(line)) for line in EXAMPLES}
    assert reasons["rls-monitor scan"] and reasons["rls-monitor sync --ble C4:7F:51:0A:22:9B"]
    assert reasons["rls-monitor record --serial /dev/ttyACM0"]
    assert reasons["rls-monitor simulate night.csv"] is None
