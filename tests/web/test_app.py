"""The application: every page answers, errors are pages (never tracebacks), the store is safe."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from starlette.testclient import TestClient

import rls_monitor.web.pages
from rls_monitor.cli import main
from rls_monitor.web.app import create_app
from rls_monitor.web.security import RunSecrets
from tests.web.conftest import BASE_URL


@pytest.mark.parametrize(
    ("path", "heading"),
    [
        ("/", "Tonight"),
        ("/morning", "This morning"),
        ("/trend", "Trend"),
        ("/diary", "Diary"),
        ("/clinician", "For my clinician"),
    ],
)
def test_every_page_answers(client: TestClient, path: str, heading: str) -> None:
    r = client.get(path)
    assert r.status_code == 200
    assert f"<h1>{heading}</h1>" in r.text
    assert "not a diagnosis" in r.text


def test_an_unknown_page_is_a_page(client: TestClient) -> None:
    r = client.get("/no/such/page")
    assert r.status_code == 404
    assert "There is no such page." in r.text and "<nav" in r.text


def test_an_unknown_night_says_so_in_the_clis_words(client: TestClient, db: Path) -> None:
    cli = CliRunner().invoke(main, ["show", "99", "--db", str(db)])
    assert cli.exit_code == 1
    r = client.get("/morning/99")
    assert r.status_code in (400, 404)
    assert cli.output.strip() in r.text  # "Error: ..." as the command line prints it
    assert "Traceback" not in r.text


def test_a_bad_date_in_the_trend_is_a_one_line_error(client: TestClient) -> None:
    r = client.get("/trend?from=31.02.2026")
    assert r.status_code == 400
    assert "must be a date YYYY-MM-DD" in r.text


def test_an_unexpected_error_is_a_page_without_a_traceback(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("secret internals /home/user/x.py line 3")

    monkeypatch.setattr(rls_monitor.web.pages, "night_json", broken)
    r = client.get("/morning")
    assert r.status_code == 500
    assert "Internal error: RuntimeError" in r.text
    assert "Traceback" not in r.text and "secret internals" not in r.text
    assert r.headers["content-security-policy"]


def test_reading_pages_never_create_a_database(tmp_path: Path) -> None:
    db = tmp_path / "no" / "such" / "dir" / "x.sqlite"
    secrets = RunSecrets()
    with TestClient(create_app(db, secrets=secrets), base_url=BASE_URL) as c:
        for path in ("/", "/morning", "/trend", "/diary", "/clinician"):
            r = c.get(f"{path}?token={secrets.token}")
            assert r.status_code == 200, path
    assert not db.exists() and not db.parent.exists() and not (tmp_path / "no").exists()


def test_the_morning_numbers_are_show_json(client: TestClient, db: Path) -> None:
    shown = json.loads(CliRunner().invoke(main, ["show", "1", "--json", "--db", str(db)]).output)
    html = client.get("/morning/1").text
    assert f'data-key="plm_per_h" data-value="{shown["indices"]["plm_per_h"]}"' in html
    assert f'data-key="lm" data-value="{shown["counts"]["lm"]}"' in html
    assert f'data-key="plm" data-value="{shown["counts"]["plm"]}"' in html
    assert f'data-key="in_bed" data-value="{shown["in_bed_s"]}"' in html
    assert f">{shown['indices']['plm_per_h']:.1f}<" in html
    assert html.count('data-key="hour"') == len(shown["per_hour"])


def test_the_timeline_is_a_png(client: TestClient) -> None:
    r = client.get("/morning/1/timeline.png")
    assert r.status_code == 200 and r.headers["content-type"] == "image/png"
    assert r.content.startswith(b"\x89PNG")
