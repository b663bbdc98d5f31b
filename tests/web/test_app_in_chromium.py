"""The web page as a patient uses it: a real ``rls-monitor serve`` and headless Chromium.

Start a simulated night from Tonight and watch its live status advance, stop it; read the
morning summary and check its numbers against ``show --json``; enter a diary night and see it
on the trend; download a report and open it; screenshots of every page at phone and desktop
width into ``out/screenshots/``.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from benchmarks.bench_web import year_store
from firmware_host.band import SimulatedBand
from rls_monitor.diary.table import night_date_of
from rls_monitor.link.transports.simulated import BandDriver, PtyBand
from rls_monitor.simulation import simulated_sources
from rls_monitor.storage import Store
from tests.report.rendering import non_white_fraction, png_pixels, require_tool
from tests.web.browser import VIEWPORTS, chromium, served

REPO = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO / "out" / "screenshots"


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as b:
        yield b


@pytest.fixture
def server(db: Path) -> Iterator[str]:
    with served(db) as url:
        yield url


@pytest.fixture
def page(browser: Any, server: str) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 800}, accept_downloads=True)
    errors: list[str] = []
    pg = context.new_page()
    pg.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    pg.goto(server)
    yield pg
    context.close()
    assert not [e for e in errors if "Content Security Policy" in e], errors


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "rls_monitor", *args]


def _show_json(db: Path, night: int) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, "-m", "rls_monitor", "show", str(night), "--json", "--db", str(db)],
        capture_output=True,
        text=True,
        check=True,
    )
    return dict(json.loads(out.stdout))


def _nav(pg: Any, label: str, path: str) -> None:
    """Follow a link of the navigation bar and wait for its page."""
    pg.click(f"nav >> text={label}")
    pg.wait_for_url(f"**{path}*")
    pg.wait_for_load_state("load")


def _samples(pg: Any) -> int:
    return int(pg.locator('#live [data-key="samples"]').inner_text())


def test_start_a_simulated_night_watch_it_and_stop_it(page: Any, db: Path) -> None:
    assert page.locator("h1").inner_text() == "Tonight"
    assert page.get_by_text("simulated band").first.is_visible()
    page.select_option("#speed", "600")
    page.click("#start")
    page.wait_for_selector("#live")
    assert page.locator('[data-key="simulated"]').is_visible()
    first_count = page.locator('#live [data-key="first-count"]')
    assert first_count.inner_text() == "(first count after 20 min of recording)"
    page.wait_for_function(
        "() => Number(document.querySelector('#live [data-key=\"samples\"]').textContent) > 0",
        timeout=30_000,
    )
    first = _samples(page)
    page.wait_for_function(
        f"() => Number(document.querySelector('#live [data-key=\"samples\"]').textContent) > {first}",
        timeout=30_000,
    )  # the page updates itself (server-sent events), without a reload
    assert page.locator('#live [data-key="state"]').inner_text() == "connected"
    page.wait_for_function(  # movements so far: 0 until the first live score, then its count
        "() => document.querySelector('#live [data-key=\"first-count\"]').hidden",
        timeout=30_000,
    )
    assert int(page.locator('#live [data-key="lms"]').inner_text()) >= 0
    assert page.locator("#stop").is_visible()  # counted before Stop
    assert page.locator('#live [data-key="signal"]').inner_text() == (
        "0 link losses, 0 frames lost, 0 bad frames"
    )
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "tonight-recording-desktop.png"), full_page=True)
    page.click("#stop")
    stored = page.wait_for_selector('[data-key="stored"]', timeout=60_000)
    text = stored.inner_text()
    assert text.startswith("Night 2 is stored")
    shown = _show_json(db, 2)
    assert shown["status"] == "complete" and shown["rules"] == "wasm2016"
    page.click("text=See this morning's summary")
    page.wait_for_url("**/morning/2")


def test_check_a_paired_band_before_starting(page: Any, db: Path) -> None:
    counts, lsb_g, fs_hz = simulated_sources(None, duration_s=600.0, bilateral=False, seed=6)[
        "left"
    ]
    band = SimulatedBand(
        counts, lsb_g=lsb_g, fs_hz=fs_hz, device_id="RLS-0000000000CHK01", battery_pct=64.0
    )
    with PtyBand(BandDriver(band, speed=60.0)) as pty:
        pair = ["pair", "--serial", pty.port, "--side", "left", "--subject", "P-2", "--db", str(db)]
        paired = subprocess.run(_cli(*pair), capture_output=True, text=True)
        assert paired.returncode == 0, paired.stderr
        page.reload()
        assert (
            "No stored night of this band yet"
            in page.locator('[data-key="last-night"]').inner_text()
        )
        page.click("#check-0")
        page.wait_for_selector('[data-key="check-battery"]', timeout=30_000)
        assert page.locator('[data-key="check-battery"]').inner_text() == "64 %"
        assert page.locator('[data-key="check-signal"]').inner_text() == "cable (no radio)"
    page.click("#check-0")  # the band is gone: the CLI's message
    error = page.wait_for_selector('[data-key="check-error"]', timeout=30_000)
    cli = subprocess.run(_cli(*pair), capture_output=True, text=True)
    assert cli.returncode != 0
    assert error.inner_text().startswith(cli.stderr.strip() + " (checked ")


def test_the_morning_summary_is_show_json(page: Any, db: Path) -> None:
    _nav(page, "This morning", "/morning")
    shown = _show_json(db, 1)
    value = page.locator('[data-key="plm_per_h"]')
    assert float(value.get_attribute("data-value")) == shown["indices"]["plm_per_h"]
    assert value.inner_text() == f"{shown['indices']['plm_per_h']:.1f}"
    assert int(page.locator('[data-key="lm"]').inner_text()) == shown["counts"]["lm"]
    assert int(page.locator('[data-key="plm"]').inner_text()) == shown["counts"]["plm"]
    assert int(page.locator('[data-key="series"]').inner_text()) == shown["counts"]["series"]
    minutes = round(shown["in_bed_s"] / 60)
    assert (
        page.locator('[data-key="in_bed"]').inner_text()
        == f"{minutes // 60} h {minutes % 60:02d} min"
    )
    assert page.locator('[data-key="hour"]').count() == len(shown["per_hour"])
    assert page.get_by_text("What these numbers do not mean").is_visible()
    page.wait_for_function(  # the report's timeline figure, drawn by the server
        "() => { const i = document.querySelector('img.raster'); "
        "return i.complete && i.naturalWidth > 600; }",
        timeout=30_000,
    )


def test_a_diary_night_shows_on_the_trend(page: Any, db: Path) -> None:
    _nav(page, "Diary", "/diary")
    page.locator("ul.diary-nights a").first.click()  # the evening of night 1
    page.wait_for_url("**/diary?subject=*&date=*")
    day = page.locator("#f-date").input_value()
    assert page.locator("#part-evening legend").inner_text().startswith("The evening of")
    assert page.locator("#part-morning legend").inner_text().startswith("The morning of")
    assert page.locator("#part-morning #f-rested_0_10").is_visible()
    assert page.locator("#part-evening #f-symptoms_0_10").is_visible()
    page.fill("#f-alcohol_units", "abc")
    page.click("#save")
    page.wait_for_selector('[data-error="alcohol_units"]')
    error = page.locator('[data-error="alcohol_units"]')
    assert error.inner_text() == "alcohol_units: must be a number; got 'abc'"
    page.fill("#f-alcohol_units", "3")
    page.fill("#f-caffeine_cups", "2")
    page.select_option("#f-nicotine", "yes")
    page.click("#save")
    page.wait_for_selector('[data-key="saved"]')
    page.fill("#lab-ferritin_ng_per_ml", "4000")  # a lab result, as diary lab takes it
    page.click("#save-lab")
    page.wait_for_selector('[data-error="lab-ferritin_ng_per_ml"]')
    assert page.locator('[data-error="lab-ferritin_ng_per_ml"]').inner_text() == (
        "ferritin_ng_per_ml: must be from 1 to 2000 ng/mL; got 4000.0"
    )
    assert page.locator("#lab-ferritin_ng_per_ml").input_value() == "4000"
    page.fill("#lab-ferritin_ng_per_ml", "45")
    page.click("#save-lab")
    page.wait_for_selector('[data-key="done"]')
    assert "Ferritin 45 ng/mL" in page.locator('[data-key="lab"]').inner_text()
    page.fill("#start-name", "iron infusion")
    page.click("#save-start")
    page.wait_for_selector('[data-key="treatment"]')
    assert "iron infusion (ongoing)" in page.locator('[data-key="treatment"]').inner_text()
    _nav(page, "Trend", "/trend")
    row = page.locator(f'[data-key="trend-night"][data-date="{day}"]')
    assert row.count() == 1
    marks = page.locator("svg.trend rect.mark")
    factors = {marks.nth(i).get_attribute("data-factor") for i in range(marks.count())}
    assert {"alcohol", "caffeine", "nicotine"} <= factors
    assert "1 with a diary entry" in page.locator('[data-key="insights-head"]').inner_text()


def test_download_a_report_and_open_it(page: Any, tmp_path: Path) -> None:
    _nav(page, "For my clinician", "/clinician")
    page.select_option("#d-night", "1")
    page.select_option("#d-format", "pdf")
    with page.expect_download() as info:
        page.click("#download")
    download = info.value
    assert download.suggested_filename == "rls-monitor-night-1.pdf"
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    data = path.read_bytes()
    assert data.startswith(b"%PDF") and b"/Type /Page" in data
    pdftotext = require_tool("pdftotext")
    text = subprocess.run(
        [pdftotext, str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "PLM" in text and "not a diagnosis" in text


@pytest.fixture(scope="module")
def months_server(recorded_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The recorded night after three months of stored nights with their diary evenings."""
    db = tmp_path_factory.mktemp("months") / "nights.sqlite"
    shutil.copy(recorded_db, db)
    with Store(recorded_db, create=False, readonly=True) as store:
        (night,) = store.list_nights()
    assert night.start_utc is not None
    year_store(db, 90, last=night_date_of(night.start_utc) - timedelta(days=1))
    with served(db) as url:
        yield url


@pytest.mark.parametrize("name", list(VIEWPORTS))
def test_screenshots_of_every_page(browser: Any, months_server: str, name: str) -> None:
    width, height = VIEWPORTS[name]
    context = browser.new_context(viewport={"width": width, "height": height})
    pg = context.new_page()
    server = months_server
    pg.goto(server)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for path, label in (
        ("/", "tonight"),
        ("/morning", "morning"),
        ("/trend", "trend"),
        ("/diary", "diary"),
        ("/clinician", "clinician"),
    ):
        pg.goto(server.split("/?")[0] + path)
        pg.wait_for_load_state("networkidle")
        if label == "trend":
            assert pg.locator("svg.trend circle.night").count() == 91
        shot = SCREENSHOTS / f"{label}-{name}.png"
        pg.screenshot(path=str(shot), full_page=True)
        pg.screenshot(path=str(SCREENSHOTS / f"{label}-{name}-screen.png"))
        pixels = png_pixels(shot.read_bytes())
        assert pixels.shape[1] == width
        assert 0.02 < non_white_fraction(pixels) < 0.9, label  # something drawn, not blank
        overflow = pg.evaluate("() => document.documentElement.scrollWidth")
        assert overflow <= width, f"{label} is wider than the {name} screen"
    context.close()
