"""The report's diary section, rendered as a person sees it (Chromium, pdftotext, pdftoppm).

Sixteen scored nights of one subject with a diary in which caffeine goes with a higher PLM
index. The report is made through ``rls-monitor report`` and its numbers are compared with
``rls-monitor insights --json`` over the same nights.
"""

from __future__ import annotations

import base64
import json
import re
import subprocess
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner

from rls_monitor import diary
from rls_monitor.cli import main
from rls_monitor.diary import DiaryEntry, LabResult, Medication, Treatment
from rls_monitor.diary.insights import ASSOCIATION_CAVEAT
from rls_monitor.export import load_nights
from rls_monitor.report import write_report
from rls_monitor.report.render import DIARY_CAPTION
from rls_monitor.storage import Store
from tests.diary.conftest import add_nights
from tests.report.rendering import Cells, chromium_dom, non_white_fraction, png_pixels, require_tool

SUBJECT = "P11"
FIRST = date(2026, 5, 4)
N_NIGHTS = 16


def _cli(*args: str) -> str:
    res = CliRunner().invoke(main, list(args), catch_exceptions=False)
    assert res.exit_code == 0, res.output
    return res.output


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("diary-report") / "nights.sqlite"
    rng = np.random.default_rng(11)
    caffeine = [i % 2 == 0 for i in range(N_NIGHTS)]
    plm = [18.0 + (12.0 if c else 0.0) + rng.normal(0.0, 2.5) for c in caffeine]
    with Store(path) as store:
        add_nights(store, SUBJECT, FIRST, plm)
        for i, c in enumerate(caffeine):
            diary.add_entry(
                store,
                DiaryEntry(
                    SUBJECT,
                    FIRST + timedelta(days=i),
                    caffeine_cups=3.0 if c else 0.0,
                    caffeine_last_hhmm="16:00" if c else None,
                    iron_supplement=i % 3 == 0,
                    symptoms_0_10=int(rng.integers(0, 11)),
                    medications=(Medication("pramipexole", 0.125 * (1 + i % 2), "mg", "21:00"),),
                ),
            )
        diary.add_lab(store, LabResult(SUBJECT, FIRST, ferritin_ng_per_ml=42.0))
        diary.add_lab(
            store, LabResult(SUBJECT, FIRST + timedelta(days=12), ferritin_ng_per_ml=96.0)
        )
        diary.add_treatment(
            store, Treatment(0, SUBJECT, "iron infusion", FIRST + timedelta(days=8))
        )
        add_nights(store, "P12", FIRST, [7.0, 8.0, 9.0])  # no diary at all
    return path


@pytest.fixture(scope="module")
def insights(db: Path) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(
        _cli("insights", "--subject", SUBJECT, "--json", "--db", str(db))
    )
    return doc


def _numbers(text: str) -> list[float]:
    return [float(x) for x in re.findall(r"[-+]?\d+\.\d+", text)]


def _report(db: Path, out: Path, subject: str = SUBJECT) -> Path:
    _cli("report", "--subject", subject, "-o", str(out), "--db", str(db))
    return out


def test_insights_have_something_to_show(insights: dict[str, Any]) -> None:
    """The fixture is worth rendering: caffeine stands out, other factors are tested too."""
    enough = [line for line in insights["lines"] if line["enough"]]
    assert len(enough) >= 3
    assert enough[0]["factor"] == "caffeine" and enough[0]["effect_per_h"] > 5.0
    assert enough[0]["p_holm"] < 0.05


def test_html_diary_section_in_chromium(db: Path, insights: dict[str, Any], tmp_path: Path) -> None:
    path = _report(db, tmp_path / "month.html")
    dom = chromium_dom(path, tmp_path)
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", dom))
    assert 'id="diary"' in dom and "Night diary" in text
    assert ASSOCIATION_CAVEAT in text
    assert DIARY_CAPTION in text
    for note in insights["notes"]:
        assert note in text

    cells = Cells()
    cells.feed(dom[dom.index('id="insights"') :])
    factors = cells.cells["col:factor"]
    assert factors == [line["factor"] for line in insights["lines"]]
    pct = round(100 * insights["confidence"])
    for k, line in enumerate(insights["lines"]):
        difference = cells.cells["col:difference"][k]
        reading = cells.cells["col:reading"][k]
        if not line["enough"]:
            assert difference == "" and reading == "too few nights to say anything"
            continue
        assert f"{pct} % CI" in difference
        effect, low, high = _numbers(difference)
        assert effect == pytest.approx(line["effect_per_h"], abs=0.051)
        assert low == pytest.approx(line["ci_low_per_h"], abs=0.051)
        assert high == pytest.approx(line["ci_high_per_h"], abs=0.051)
        assert float(cells.cells["col:p (Holm)"][k]) == pytest.approx(line["p_holm"], abs=5e-4)
        clear = line["p_holm"] < 0.05
        assert reading == ("clear association (not a cause)" if clear else "no clear association")
        if line["kind"] == "flag":
            with_, without = _numbers(cells.cells["col:PLM index"][k])
            assert with_ == pytest.approx(line["mean_with_per_h"], abs=0.051)
            assert without == pytest.approx(line["mean_without_per_h"], abs=0.051)
            assert cells.cells["col:nights"][k] == f"{line['n_with']} / {line['n_without']}"

    # the diary figure: a real picture with ink, as wide as the trend figure
    html_text = path.read_text(encoding="utf-8")
    src = re.search(
        r'<figure id="fig-diary"><img [^>]*src="data:image/png;base64,([^"]+)"', html_text
    )
    assert src is not None
    img = png_pixels(base64.b64decode(src.group(1)))
    assert img.shape[1] >= 800 and img.shape[0] >= 300
    assert non_white_fraction(img) > 0.02
    # the PLM line panel (upper part) and the factor rows (lower part) both have ink
    h = img.shape[0]
    assert non_white_fraction(img[: h // 2]) > 0.02 and non_white_fraction(img[h // 2 :]) > 0.01


def test_pdf_diary_page(db: Path, insights: dict[str, Any], tmp_path: Path) -> None:
    pdftotext = require_tool("pdftotext")
    pdftoppm = require_tool("pdftoppm")
    pdf = _report(db, tmp_path / "month.pdf")
    pages = []
    for k in range(1, 12):
        run = subprocess.run(
            [pdftotext, "-f", str(k), "-l", str(k), str(pdf), "-"],
            capture_output=True,
            text=True,
            timeout=60,
        )
        if run.returncode != 0:
            break
        pages.append(re.sub(r"\s+", " ", run.stdout))
    (page_no,) = [k + 1 for k, p in enumerate(pages) if "Night diary" in p]
    text = pages[page_no - 1]
    assert re.sub(r"\s+", " ", ASSOCIATION_CAVEAT) in text
    for line in insights["lines"]:
        if line["enough"]:
            assert f"{line['effect_per_h']:+.1f} /h" in text, line["factor"]
            assert f"{line['p_holm']:.3f}" in text
    assert "too few nights to say anything" in text or all(x["enough"] for x in insights["lines"])
    subprocess.run(
        [pdftoppm, "-r", "50", "-png", "-f", str(page_no), "-l", str(page_no), str(pdf),
         str(tmp_path / "page")],
        check=True,
        timeout=60,
    )  # fmt: skip
    (png,) = tmp_path.glob("page*.png")
    img = png_pixels(png.read_bytes())
    h = img.shape[0]
    assert non_white_fraction(img[int(0.05 * h) : int(0.45 * h)]) > 0.03  # the diary figure
    assert non_white_fraction(img[int(0.5 * h) : int(0.8 * h)]) > 0.005  # the insights table


def test_no_diary_section_without_a_diary(db: Path, tmp_path: Path) -> None:
    html_text = _report(db, tmp_path / "other.html", subject="P12").read_text(encoding="utf-8")
    assert 'id="diary"' not in html_text and "fig-diary" not in html_text
    with Store(db, readonly=True) as store:
        section = diary.diary_section(store, "P12")
        (one,) = load_nights(store, night=1)
        full = diary.diary_section(store, SUBJECT)
    assert section.empty and not full.empty
    # one night: the diary is a multi-night section, even when given
    single = write_report([one], tmp_path / "one.html", diary=full).read_text(encoding="utf-8")
    assert 'id="diary"' not in single
