"""The Tonight page: Start, the live status as server-sent events, Stop."""

from __future__ import annotations

import asyncio
import json
import math
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from starlette.testclient import TestClient

from firmware_host.band import SimulatedBand
from rls_monitor.cli import main
from rls_monitor.link.transports.simulated import BandDriver, PtyBand
from rls_monitor.simulation import simulated_sources
from rls_monitor.storage import Store
from rls_monitor.web.app import create_app
from rls_monitor.web.recording import NightRun
from rls_monitor.web.security import CSRF_FIELD, RunSecrets
from rls_monitor.web.tonight import status_events
from tests.web.conftest import BASE_URL, form_post


def _collect(run: NightRun | None, **kwargs: float) -> list[str]:
    async def main() -> list[str]:
        return [e async for e in status_events(run, **kwargs)]

    return asyncio.run(main())


def test_the_stream_sends_each_change_then_end(tmp_path: Path) -> None:
    run = NightRun(tmp_path / "n.sqlite", speed=math.inf, duration_s=900.0).start()
    events = _collect(run, poll_s=0.01)
    assert events[-1] == "event: end\ndata: {}\n\n"
    snaps = [json.loads(e.removeprefix("data: ")) for e in events[:-1]]
    assert snaps and all(e.startswith("data: ") for e in events[:-1])
    versions = [s["version"] for s in snaps]
    assert versions == sorted(set(versions))  # each change once, in order
    assert snaps[-1]["finished"] and snaps[-1]["bands"][0]["samples"] == 900 * 50


def test_without_a_night_the_stream_just_ends() -> None:
    assert _collect(None) == ["event: end\ndata: {}\n\n"]


def test_a_quiet_stream_sends_keepalives(tmp_path: Path) -> None:
    run = NightRun(tmp_path / "n.sqlite", speed=1.0, duration_s=3600.0).start()
    try:

        async def main() -> list[str]:
            out: list[str] = []
            async for e in status_events(run, poll_s=0.01, keepalive_s=0.0):
                out.append(e)
                if len(out) >= 5:
                    break
            return out

        events = asyncio.run(main())
        assert ": keep-alive\n\n" in events
    finally:
        run.stop()
        assert run.wait(60.0)


def _start(client: TestClient, secrets: RunSecrets, speed: str = "600") -> object:
    return form_post(client, "/tonight/start", {CSRF_FIELD: secrets.csrf, "speed": speed})


def test_start_watch_and_stop_from_the_page(client: TestClient, secrets: RunSecrets) -> None:
    page = client.get("/").text
    assert "simulated band" in page.lower() and 'id="start"' in page
    assert _start(client, secrets).status_code == 303
    try:
        assert 'id="stop"' in client.get("/").text
        assert _start(client, secrets).status_code == 400  # one night at a time
        samples = []
        deadline = time.monotonic() + 60.0
        while time.monotonic() < deadline and (len(samples) < 2 or samples[-1] <= samples[0]):
            snap = client.get("/tonight/status.json").json()
            if snap["bands"]:
                samples.append(snap["bands"][0]["samples"])
            time.sleep(0.2)
        assert len(samples) >= 2 and samples[-1] > samples[0]
    finally:
        stopped = form_post(client, "/tonight/stop", {CSRF_FIELD: secrets.csrf})
    assert stopped.status_code == 303
    snap = client.get("/tonight/status.json").json()
    assert snap["finished"] and not snap["running"]
    page = client.get("/").text
    assert f"Night {snap['night']} is stored and scored" in page
    assert f'href="/morning/{snap["night"]}"' in page
    with client.stream("GET", "/tonight/status") as r:
        assert r.headers["content-type"].startswith("text/event-stream")
        body = "".join(r.iter_text())
    assert body.endswith("event: end\ndata: {}\n\n") and '"finished": true' in body


def test_a_speed_the_page_does_not_offer_is_refused(
    client: TestClient, secrets: RunSecrets
) -> None:
    r = _start(client, secrets, speed="1e9")
    assert r.status_code == 400 and "speed must be one of 1, 60, 600" in r.text
    r = form_post(
        client,
        "/tonight/start",
        {CSRF_FIELD: secrets.csrf, "speed": "600", "duration_h": "40"},
    )
    assert r.status_code == 400 and "Error:" in r.text
    assert client.get("/tonight/status.json").json() == {"running": False}


@pytest.fixture
def paired_port(db: Path) -> Iterator[str]:
    """A simulated band on a real pseudo-terminal serial port, paired with ``rls-monitor pair``."""
    counts, lsb_g, fs_hz = simulated_sources(None, duration_s=3600.0, bilateral=False, seed=4)[
        "left"
    ]
    band = SimulatedBand(
        counts, lsb_g=lsb_g, fs_hz=fs_hz, device_id="RLS-0000000000WEB01", battery_pct=87.0
    )
    with PtyBand(BandDriver(band, speed=60.0)) as pty:
        paired = CliRunner().invoke(
            main,
            ["pair", "--serial", pty.port, "--side", "left", "--subject", "P-9", "--db", str(db)],
        )
        assert paired.exit_code == 0, paired.output
        yield pty.port


def test_start_with_the_paired_band(
    client: TestClient, secrets: RunSecrets, db: Path, paired_port: str
) -> None:
    page = client.get("/").text
    assert f'value="{paired_port}" checked' in page and 'id="start-band"' in page
    fields = {CSRF_FIELD: secrets.csrf, "band": paired_port, "link": "serial"}
    assert form_post(client, "/tonight/start", fields).status_code == 303
    try:
        deadline = time.monotonic() + 60.0
        snap = client.get("/tonight/status.json").json()
        while time.monotonic() < deadline and not (
            snap["bands"] and snap["bands"][0]["samples"] > 0
        ):
            time.sleep(0.2)
            snap = client.get("/tonight/status.json").json()
        assert snap["simulated"] is False
        assert snap["bands"][0]["device_id"] == "RLS-0000000000WEB01"
        assert snap["bands"][0]["samples"] > 0
        assert "simulated band" not in client.get("/").text.split("Start the night")[0].lower()
    finally:
        assert form_post(client, "/tonight/stop", {CSRF_FIELD: secrets.csrf}).status_code == 303
    night = client.get("/tonight/status.json").json()["night"]
    with Store(db, create=False, readonly=True) as store:
        info = store.get_night(night)
        figures = store.get_night(night).metadata["link"]["left"]
    assert info.subject == "P-9" and info.status == "complete"  # the pairing's subject
    # before the next Start: the band's figures from the night just stored
    page = client.get("/").text
    last = page.split('data-key="last-night"')[1].split("</p>")[0]
    assert f"Last stored night (night {night}, seen " in last
    assert f'data-key="last-battery">{figures["battery_pct"]:.0f} %<' in last
    assert 'data-key="last-signal">0 link losses, 0 frames lost, 0 bad frames<' in last


def test_an_unpaired_band_or_link_is_refused(client: TestClient, secrets: RunSecrets) -> None:
    fields = {CSRF_FIELD: secrets.csrf, "band": "/dev/ttyNOPE", "link": "serial"}
    r = form_post(client, "/tonight/start", fields)
    assert r.status_code == 400 and "/dev/ttyNOPE is not a paired band" in r.text
    r = form_post(client, "/tonight/start", {**fields, "link": "wifi"})
    assert r.status_code == 400 and "link must be one of" in r.text
    assert client.get("/tonight/status.json").json() == {"running": False}


def test_a_refused_start_creates_no_database(tmp_path: Path) -> None:
    db = tmp_path / "none" / "n.sqlite"
    secrets = RunSecrets()
    with TestClient(create_app(db, secrets=secrets), base_url=BASE_URL) as c:
        c.get(f"/?token={secrets.token}")
        r = form_post(c, "/tonight/start", {CSRF_FIELD: secrets.csrf, "speed": "7"})
        assert r.status_code == 400
    assert not db.exists() and not db.parent.exists()


def test_the_live_stream_carries_the_first_count_of_movements(tmp_path: Path) -> None:
    run = NightRun(tmp_path / "n.sqlite", speed=math.inf, duration_s=16 * 3600.0).start()

    async def main() -> list[dict[str, object]]:
        snaps: list[dict[str, object]] = []
        async for e in status_events(run, poll_s=0.05):
            if e.startswith("data: "):
                snaps.append(json.loads(e.removeprefix("data: ")))
                if snaps[-1].get("lm_count") is not None:
                    break
        return snaps

    try:
        snaps = asyncio.run(main())
    finally:
        run.stop()
        assert run.wait(120.0)
    assert snaps[0].get("lm_count") is None and snaps[0]["first_count"] == "first count after 2 s"
    assert snaps[-1]["lm_count"] is not None and snaps[-1]["running"] is True


def test_the_page_shows_0_movements_and_when_the_first_count_comes(
    client: TestClient, secrets: RunSecrets
) -> None:
    assert _start(client, secrets, speed="1").status_code == 303
    try:
        page = client.get("/").text
        assert '<span data-key="lms">0</span>' in page
        assert "(first count after 2 min of recording)" in page
    finally:
        form_post(client, "/tonight/stop", {CSRF_FIELD: secrets.csrf})


def test_before_start_a_paired_band_shows_what_is_known_and_check_reads_it(
    client: TestClient, secrets: RunSecrets, paired_port: str
) -> None:
    page = client.get("/").text
    assert "No stored night of this band yet" in page
    assert 'id="check-0"' in page and '<option value="serial" selected>' in page
    r = form_post(
        client, "/tonight/check", {CSRF_FIELD: secrets.csrf, "band": paired_port, "link": "serial"}
    )
    assert r.status_code == 303
    page = client.get("/").text
    checked = page.split('data-key="check"')[1].split("</p>")[0]
    assert 'data-key="check-battery">87 %<' in checked
    assert 'data-key="check-signal">cable (no radio)<' in checked
    assert "answered in " in checked and "Checked " in checked


def test_check_of_a_band_that_does_not_answer_says_what_the_cli_says(
    client: TestClient, secrets: RunSecrets, db: Path
) -> None:
    counts, lsb_g, fs_hz = simulated_sources(None, duration_s=600.0, bilateral=False, seed=5)[
        "left"
    ]
    band = SimulatedBand(counts, lsb_g=lsb_g, fs_hz=fs_hz, device_id="RLS-0000000000GONE1")
    with PtyBand(BandDriver(band)) as pty:
        port = pty.port
        pair = ["pair", "--serial", port, "--side", "right", "--subject", "P-9", "--db", str(db)]
        assert CliRunner().invoke(main, pair).exit_code == 0
    # the band is gone: the CLI and the page say the same
    cli = CliRunner().invoke(main, pair)
    assert cli.exit_code != 0
    fields = {CSRF_FIELD: secrets.csrf, "band": port, "link": "serial"}
    assert form_post(client, "/tonight/check", fields).status_code == 303
    page = client.get("/").text
    shown = page.split('data-key="check-error">')[1].split(" <span")[0]
    assert shown == cli.output.strip()
    assert (
        form_post(client, "/tonight/check", {**fields, "band": "/dev/ttyNOPE"}).status_code == 400
    )
    r = form_post(client, "/tonight/check", {CSRF_FIELD: secrets.csrf, "link": "serial"})
    assert r.status_code == 400 and "choose one paired band" in r.text


def test_no_check_while_a_night_is_recorded(client: TestClient, secrets: RunSecrets) -> None:
    assert _start(client, secrets, speed="1").status_code == 303
    try:
        r = form_post(
            client, "/tonight/check", {CSRF_FIELD: secrets.csrf, "band": "x", "link": "serial"}
        )
        assert r.status_code == 400 and "a night is being recorded" in r.text
    finally:
        form_post(client, "/tonight/stop", {CSRF_FIELD: secrets.csrf})
