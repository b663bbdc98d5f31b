"""For my clinician: the downloads are the CLI's files."""

from __future__ import annotations

import csv
import io
import json
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner
from starlette.testclient import TestClient

from rls_monitor.cli import main
from rls_monitor.web.security import CSRF_FIELD, RunSecrets
from tests.web.conftest import form_post


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
