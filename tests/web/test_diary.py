"""The Diary page: the evening's and morning's entry and the dated records (the CLI's
validation, its messages beside the fields, nothing stored lost)."""

from __future__ import annotations

import html
import json
import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from starlette.testclient import TestClient

from rls_monitor.cli import main
from rls_monitor.diary.model import ENTRY_FIELDS
from rls_monitor.diary.records import get_entry
from rls_monitor.storage import Store
from rls_monitor.web.app import create_app
from rls_monitor.web.diary import DIARY_FIELDS, EVENING_FIELDS, MORNING_FIELDS, entry_from_form
from rls_monitor.web.security import CSRF_FIELD, RunSecrets
from tests.web.conftest import BASE_URL, form_post

DAY = "2026-03-01"


def _post(client: TestClient, secrets: RunSecrets, **fields: str) -> object:
    data = {CSRF_FIELD: secrets.csrf, "subject": "simulated", "date": DAY, **fields}
    return form_post(client, "/diary", data)


def _cli_error(db: Path, *args: str) -> str:
    out = CliRunner().invoke(
        main, ["diary", "add", "--subject", "simulated", "--date", DAY, *args, "--db", str(db)]
    )
    assert out.exit_code != 0
    return out.output.strip().removeprefix("Error: ")


def test_entry_from_form_parses_like_the_cli() -> None:
    entry, errors = entry_from_form(
        "s",
        date(2026, 3, 1),
        {
            "caffeine_cups": "1,5",
            "nicotine": "no",
            "medications": "pramipexole 0.25 mg 21:30\nropinirole 0.5mg",
            "note": "late dinner",
        },
    )
    assert errors == {} and entry is not None
    assert entry.caffeine_cups == 1.5 and entry.nicotine is False
    assert [str(m) for m in entry.medications] == [
        "pramipexole 0.25 mg at 21:30",
        "ropinirole 0.5 mg",
    ]
    assert entry_from_form("s", date(2026, 3, 1), {})[1] == {
        "form": "nothing was given: fill in at least one field"
    }


@pytest.mark.parametrize(
    ("field", "typed", "cli_args"),
    [
        ("symptoms_0_10", "11", ["--symptoms", "11"]),
        ("alcohol_units", "60", ["--alcohol-units", "60"]),
        ("caffeine_last_hhmm", "25:00", ["--caffeine-last", "25:00"]),
        ("medications", "pramipexole 0.25", ["--medication", "pramipexole 0.25"]),
    ],
)
def test_a_bad_value_gets_the_clis_message_beside_its_field_and_nothing_is_lost(
    client: TestClient, secrets: RunSecrets, db: Path, field: str, typed: str, cli_args: list[str]
) -> None:
    assert _post(client, secrets, caffeine_cups="2").status_code == 303  # stored before
    message = _cli_error(db, *cli_args)
    r = _post(client, secrets, caffeine_cups="4", **{field: typed})
    assert r.status_code == 400
    shown = re.search(rf'data-error="{field}">([^<]*)<', r.text)
    assert shown is not None, r.text
    assert html.unescape(shown.group(1)) == message
    assert f'value="{typed}"' in r.text or f">{typed}</textarea>" in r.text  # kept as typed
    with Store(db, create=False, readonly=True) as store:
        kept = get_entry(store, "simulated", DAY)
    assert kept is not None and kept.caffeine_cups == 2.0  # the stored entry is untouched


def test_not_a_number_is_refused_beside_the_field(client: TestClient, secrets: RunSecrets) -> None:
    r = _post(client, secrets, exercise_min="ten")
    assert r.status_code == 400
    assert 'data-error="exercise_min">exercise_min: must be a number; got &#39;ten&#39;' in r.text


def test_a_good_entry_is_stored_and_shown_again(
    client: TestClient, secrets: RunSecrets, db: Path
) -> None:
    r = _post(client, secrets, alcohol_units="2", nicotine="yes", rested_0_10="6")
    assert r.status_code == 303 and "saved=1" in r.headers["location"]
    page = client.get(r.headers["location"]).text
    assert 'data-key="saved"' in page
    assert 'id="f-alcohol_units" name="alcohol_units" value="2"' in page
    listed = json.loads(
        CliRunner().invoke(main, ["diary", "list", "--json", "--db", str(db)]).output
    )
    (entry,) = listed["entries"]
    assert entry["alcohol_units"] == 2.0 and entry["nicotine"] is True
    assert entry["rested_0_10"] == 6


def test_the_form_has_the_evenings_fields_then_the_mornings(client: TestClient) -> None:
    page = client.get(f"/diary?subject=simulated&date={DAY}").text
    evening = page.split('id="part-evening"')[1].split("</fieldset>")[0]
    morning = page.split('id="part-morning"')[1].split("</fieldset>")[0]
    assert "<legend" in evening and "The evening of Sun 01 Mar: before bed" in evening
    assert "The morning of Mon 02 Mar: on waking" in morning
    named = {name for name, *_ in EVENING_FIELDS} | {name for name, *_ in MORNING_FIELDS}
    assert named == set(ENTRY_FIELDS) and len(DIARY_FIELDS) == len(ENTRY_FIELDS)
    for name, *_ in EVENING_FIELDS:
        assert f'name="{name}"' in evening and f'name="{name}"' not in morning
    for name, *_ in MORNING_FIELDS:
        assert f'name="{name}"' in morning and f'name="{name}"' not in evening
    assert 'name="rested_0_10"' in morning and 'name="symptoms_0_10"' in evening


def _cli(db: Path, *args: str) -> Any:
    return CliRunner().invoke(main, ["diary", *args, "--db", str(db)])


def _dated(client: TestClient, secrets: RunSecrets, form: str, **fields: str) -> Any:
    data = {CSRF_FIELD: secrets.csrf, "subject": "simulated", "page_date": DAY, **fields}
    return form_post(client, f"/diary/{form}", data)


def _listed(db: Path) -> dict[str, Any]:
    out = _cli(db, "list", "--subject", "simulated", "--json")
    assert out.exit_code == 0, out.output
    return dict(json.loads(out.output))


def _shown_error(page: str, key: str) -> str:
    shown = re.search(rf'data-error="{key}">([^<]*)<', page)
    assert shown is not None, page
    return html.unescape(shown.group(1))


def test_lab_results_are_stored_as_diary_lab_stores_them(
    client: TestClient, secrets: RunSecrets, db: Path
) -> None:
    r = _dated(
        client, secrets, "lab", date=DAY, ferritin_ng_per_ml="48,5", egfr_ml_per_min_1_73m2="80"
    )
    assert r.status_code == 303 and "done=lab" in r.headers["location"]
    page = client.get(r.headers["location"]).text
    assert 'data-key="done"' in page and f'data-key="lab" data-date="{DAY}"' in page
    assert "Ferritin 48.5 ng/mL" in page
    (lab,) = _listed(db)["labs"]
    assert lab["ferritin_ng_per_ml"] == 48.5 and lab["egfr_ml_per_min_1_73m2"] == 80.0
    assert lab["haemoglobin_g_per_dl"] is None


@pytest.mark.parametrize(
    ("form", "typed", "key", "cli_args"),
    [
        (
            "lab",
            {"ferritin_ng_per_ml": "4000"},
            "lab-ferritin_ng_per_ml",
            ["lab", "--ferritin", "4000"],
        ),
        (
            "lab",
            {"haemoglobin_g_per_dl": "2"},
            "lab-haemoglobin_g_per_dl",
            ["lab", "--haemoglobin", "2"],
        ),
        ("pregnancy", {"week": "50"}, "pregnancy-week", ["pregnancy", "--week", "50"]),
        ("start", {"name": " "}, "start-name", ["treatment", "start", " "]),
    ],
)
def test_a_bad_dated_value_gets_the_clis_message_and_nothing_stored_is_lost(
    client: TestClient,
    secrets: RunSecrets,
    db: Path,
    form: str,
    typed: dict[str, str],
    key: str,
    cli_args: list[str],
) -> None:
    assert _dated(client, secrets, "lab", date=DAY, ferritin_ng_per_ml="30").status_code == 303
    assert _dated(client, secrets, "pregnancy", date=DAY, week="12").status_code == 303
    assert _dated(client, secrets, "start", date=DAY, name="iron infusion").status_code == 303
    before = _listed(db)
    cli = _cli(db, *cli_args[:1], *cli_args[1:], "--subject", "simulated", "--date", DAY)
    assert cli.exit_code != 0
    message = cli.output.strip().removeprefix("Error: ")
    r = _dated(client, secrets, form, date=DAY, **typed)
    assert r.status_code == 400
    assert _shown_error(r.text, key) == message
    (value,) = typed.values()
    assert f'value="{value}"' in r.text  # kept as typed
    assert _listed(db) == before  # nothing stored changed


def test_a_lab_without_a_result_and_a_pregnancy_without_a_week(
    client: TestClient, secrets: RunSecrets, db: Path
) -> None:
    r = _dated(client, secrets, "lab", date=DAY, note="fasting")
    assert r.status_code == 400
    assert _shown_error(r.text, "lab-form") == "give at least one of Ferritin, Haemoglobin, eGFR"
    r = _dated(client, secrets, "lab", date=DAY, egfr_ml_per_min_1_73m2="many")
    assert _shown_error(r.text, "lab-egfr_ml_per_min_1_73m2") == (
        "egfr_ml_per_min_1_73m2: must be a number; got 'many'"
    )
    r = _dated(client, secrets, "pregnancy", date="2026-13-01", week="20")
    assert _shown_error(r.text, "pregnancy-date") == (
        "date: must be a date YYYY-MM-DD (or today, yesterday); got '2026-13-01'"
    )
    r = _dated(client, secrets, "pregnancy", date=DAY, week="")
    assert _shown_error(r.text, "pregnancy-week") == "week: give the completed weeks of pregnancy"
    assert _listed(db)["labs"] == [] and _listed(db)["pregnancy"] == []


def test_a_treatment_started_and_stopped_as_the_cli_does(
    client: TestClient, secrets: RunSecrets, db: Path
) -> None:
    assert 'id="form-stop"' not in client.get("/diary?subject=simulated").text  # none ongoing
    r = _dated(client, secrets, "start", date=DAY, name="vein ablation", note="left leg")
    assert r.status_code == 303 and "done=start" in r.headers["location"]
    (started,) = _listed(db)["treatments"]
    tid = str(started["id"])
    page = client.get(r.headers["location"]).text
    assert f'data-key="treatment" data-id="{tid}"' in page and "(ongoing)" in page
    assert f'<option value="{tid}"' in page  # the stop form offers it
    cli = _cli(db, "treatment", "stop", tid, "--date", "2026-02-01")
    assert cli.exit_code != 0
    r = _dated(client, secrets, "stop", treatment=tid, date="2026-02-01")
    assert r.status_code == 400
    assert _shown_error(r.text, "stop-date") == cli.output.strip().removeprefix("Error: ")
    r = _dated(client, secrets, "stop", treatment="99", date=DAY)
    assert r.status_code == 400 and _shown_error(r.text, "stop-form") == "there is no treatment 99"
    assert _listed(db)["treatments"] == [started]
    r = _dated(client, secrets, "stop", treatment=tid, date="2026-03-04")
    assert r.status_code == 303
    (stopped,) = _listed(db)["treatments"]
    assert stopped["stop_date"] == "2026-03-04" and stopped["note"] == "left leg"


def test_a_dated_form_needs_the_csrf_token_and_a_refusal_creates_no_store(
    tmp_path: Path,
) -> None:
    db = tmp_path / "new" / "n.sqlite"
    secrets = RunSecrets()
    with TestClient(create_app(db, secrets=secrets), base_url=BASE_URL) as c:
        c.get(f"/?token={secrets.token}")
        data = {"subject": "P1", "date": DAY, "ferritin_ng_per_ml": "40"}
        assert form_post(c, "/diary/lab", data).status_code == 403
        bad = form_post(
            c, "/diary/lab", {**data, CSRF_FIELD: secrets.csrf, "ferritin_ng_per_ml": "0"}
        )
        assert bad.status_code == 400
        stop = form_post(
            c, "/diary/stop", {CSRF_FIELD: secrets.csrf, "treatment": "1", "date": DAY}
        )
        assert stop.status_code == 400 and "nothing is stored yet" in stop.text
        assert not db.exists() and not db.parent.exists()
        ok = form_post(c, "/diary/lab", {**data, CSRF_FIELD: secrets.csrf})
        assert ok.status_code == 303 and db.exists()
