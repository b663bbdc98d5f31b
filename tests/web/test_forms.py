"""The diary form (the CLI's validation, messages beside the fields) and the clinician's files."""

from __future__ import annotations

import csv
import html
import io
import json
import re
import stat
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from starlette.testclient import TestClient

from rls_monitor.cli import main
from rls_monitor.diary.records import get_entry
from rls_monitor.storage import Store
from rls_monitor.web.forms import entry_from_form
from rls_monitor.web.security import CSRF_FIELD, RunSecrets
from tests.web.conftest import form_post

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


def _download(client: TestClient, secrets: RunSecrets, **fields: str) -> object:
    return form_post(client, "/clinician/download", {CSRF_FIELD: secrets.csrf, **fields})


def test_the_clinicians_csv_is_the_export(
    client: TestClient, secrets: RunSecrets, db: Path, tmp_path: Path
) -> None:
    r = _download(client, secrets, night="1", format="csv")
    assert r.status_code == 200
    assert r.headers["content-disposition"] == 'attachment; filename="rls-monitor-night-1.csv"'
    web_rows = list(csv.DictReader(io.StringIO(r.text)))
    out = tmp_path / "cli.csv"
    CliRunner().invoke(
        main, ["export", "--night", "1", "--format", "csv", "-o", str(out), "--db", str(db)]
    )
    cli_rows = list(csv.DictReader(io.StringIO(out.read_text())))
    assert web_rows == cli_rows and len(web_rows) == 1


def test_a_pseudonymised_download_hides_the_subject(
    client: TestClient, secrets: RunSecrets
) -> None:
    r = _download(client, secrets, night="1", format="json", pseudonymise="yes", movements="yes")
    assert r.status_code == 200
    assert "simulated" not in r.text
    assert json.loads(r.text)


def test_the_edf_and_the_pdf(client: TestClient, secrets: RunSecrets) -> None:
    edf = _download(client, secrets, night="1", format="edf")
    assert edf.status_code == 200 and edf.content[:8] == b"0       "
    pdf = _download(client, secrets, night="1", format="pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert pdf.headers["content-type"] == "application/pdf"


def test_a_refused_download_is_a_page(client: TestClient, secrets: RunSecrets) -> None:
    r = _download(client, secrets, night="1", format="pdf", pseudonymise="yes")
    assert r.status_code == 400 and "pseudonymise" in r.text
    r = _download(client, secrets, night="1", format="xls")
    assert r.status_code == 400 and "format must be one of &#39;pdf&#39;" in r.text
    r = _download(client, secrets, subject="nobody", format="csv")
    assert r.status_code == 400 and "no scored night matches the selection" in r.text


def test_the_files_made_for_a_download_are_owner_only(
    client: TestClient, secrets: RunSecrets, monkeypatch: pytest.MonkeyPatch
) -> None:
    import rls_monitor.web.forms as forms

    modes: list[int] = []
    real = Path.read_bytes

    def spy(self: Path) -> bytes:
        modes.append(stat.S_IMODE(self.stat().st_mode))
        return real(self)

    monkeypatch.setattr(forms.Path, "read_bytes", spy)
    assert _download(client, secrets, night="1", format="csv").status_code == 200
    assert modes == [0o600]
