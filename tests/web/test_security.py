"""The web page stays on this machine and to this user: token, Host, Origin, CSRF, CSP, bind."""

from __future__ import annotations

from pathlib import Path

import pytest
from starlette.testclient import TestClient

from rls_monitor.errors import ConfigError
from rls_monitor.storage import Store
from rls_monitor.web.app import create_app
from rls_monitor.web.security import (
    CONTENT_SECURITY_POLICY,
    CSRF_FIELD,
    TOKEN_COOKIE,
    RunSecrets,
    check_bind_host,
    is_loopback,
    page_url,
)
from tests.web.conftest import BASE_URL, form_post

PAGES = ["/", "/morning", "/morning/1", "/trend", "/diary", "/clinician", "/static/app.js"]


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.5.0.1", True),
        ("localhost", True),
        ("::1", True),
        ("[::1]", True),
        ("0.0.0.0", False),
        ("::", False),
        ("192.168.1.20", False),
        ("example.org", False),
    ],
)
def test_is_loopback(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.20", "::", "example.org"])
def test_a_non_loopback_bind_is_refused_unless_the_user_insists(host: str) -> None:
    with pytest.raises(ConfigError, match="--allow-remote"):
        check_bind_host(host, allow_remote=False)
    assert check_bind_host(host, allow_remote=True) == host


def test_loopback_binds_are_allowed() -> None:
    assert check_bind_host("127.0.0.1", allow_remote=False) == "127.0.0.1"
    with pytest.raises(ConfigError):
        check_bind_host(" ", allow_remote=True)


def test_page_url_carries_the_token() -> None:
    assert page_url("127.0.0.1", 8123, "tok") == "http://127.0.0.1:8123/?token=tok"
    assert page_url("::1", 8123, "tok") == "http://[::1]:8123/?token=tok"


def test_each_run_has_its_own_secrets() -> None:
    a, b = RunSecrets(), RunSecrets()
    assert a.token != b.token and a.csrf != b.csrf and a.token != a.csrf
    assert len(a.token) >= 32
    assert a.token_ok(a.token) and not a.token_ok(b.token) and not a.token_ok(None)
    assert a.csrf_ok(a.csrf) and not a.csrf_ok(a.token) and not a.csrf_ok("")


@pytest.mark.parametrize(
    ("host", "ok"),
    [
        ("127.0.0.1:8000", True),
        ("localhost:8000", True),
        ("[::1]:8000", True),
        ("127.0.0.1", True),
        ("attacker.example:8000", False),
        ("attacker.example", False),
        ("127.0.0.1.attacker.example", False),
        ("", False),
    ],
)
def test_host_header(host: str, ok: bool) -> None:
    assert RunSecrets().host_ok(host) is ok


def test_origin_must_be_the_page_itself() -> None:
    s = RunSecrets()
    assert s.origin_ok("http://127.0.0.1:8000", "127.0.0.1:8000")
    assert not s.origin_ok("http://127.0.0.1:8001", "127.0.0.1:8000")
    assert not s.origin_ok("http://attacker.example", "127.0.0.1:8000")
    assert not s.origin_ok("null", "127.0.0.1:8000")
    assert not s.origin_ok(None, "127.0.0.1:8000")
    assert not s.origin_ok("http://attacker.example:8000", "attacker.example:8000")


def _client(db: Path, secrets: RunSecrets) -> TestClient:
    return TestClient(create_app(db, secrets=secrets), base_url=BASE_URL)


@pytest.mark.parametrize("path", PAGES)
def test_no_token_is_refused(db: Path, secrets: RunSecrets, path: str) -> None:
    with _client(db, secrets) as c:
        r = c.get(path)
    assert r.status_code == 403
    assert "token" in r.text
    assert r.headers["content-security-policy"] == CONTENT_SECURITY_POLICY


@pytest.mark.parametrize("path", PAGES)
def test_a_wrong_token_is_refused(db: Path, secrets: RunSecrets, path: str) -> None:
    with _client(db, secrets) as c:
        assert c.get(f"{path}?token={RunSecrets().token}").status_code == 403
        c.cookies.set(TOKEN_COOKIE, "guessed")
        assert c.get(path).status_code == 403


def test_the_token_in_the_url_becomes_a_cookie_and_leaves_the_address(
    db: Path, secrets: RunSecrets
) -> None:
    with _client(db, secrets) as c:
        r = c.get(f"/trend?token={secrets.token}&subject=simulated", follow_redirects=False)
        assert r.status_code == 303
        assert r.headers["location"] == "/trend?subject=simulated"
        cookie = r.headers["set-cookie"]
        assert f"{TOKEN_COOKIE}={secrets.token}" in cookie
        assert "HttpOnly" in cookie and "SameSite=strict" in cookie
        assert c.get("/trend?subject=simulated").status_code == 200


@pytest.mark.parametrize("host", ["attacker.example", "attacker.example:8000", "192.168.1.20"])
def test_a_foreign_host_is_refused_even_with_the_token(
    client: TestClient, secrets: RunSecrets, host: str
) -> None:
    """DNS rebinding: a foreign name that resolves to 127.0.0.1 still names a foreign site."""
    r = client.get(f"/?token={secrets.token}", headers={"Host": host})
    assert r.status_code == 400
    assert client.get("/morning", headers={"Host": host}).status_code == 400


def _diary_fields(secrets: RunSecrets) -> dict[str, str]:
    return {
        CSRF_FIELD: secrets.csrf,
        "subject": "simulated",
        "date": "2026-03-01",
        "caffeine_cups": "2",
    }


def _entries(db: Path) -> list[dict[str, object]]:
    with Store(db, create=False, readonly=True) as store:
        return store.get_diary_nights("simulated") if store.diary_schema_present() else []


def test_a_post_from_a_foreign_origin_is_refused(
    client: TestClient, secrets: RunSecrets, db: Path
) -> None:
    for origin in ("http://attacker.example", "http://127.0.0.1:9999", "null"):
        r = client.post(
            "/diary",
            data=_diary_fields(secrets),
            headers={"Origin": origin},
            follow_redirects=False,
        )
        assert r.status_code == 403, origin
    r = client.post("/diary", data=_diary_fields(secrets), follow_redirects=False)  # no Origin
    assert r.status_code == 403
    assert _entries(db) == []


@pytest.mark.parametrize(
    "path", ["/diary", "/tonight/start", "/tonight/stop", "/clinician/download"]
)
def test_a_cross_site_form_post_without_the_csrf_token_is_refused(
    client: TestClient, secrets: RunSecrets, db: Path, path: str
) -> None:
    fields = {**_diary_fields(secrets), "speed": "600", "format": "csv"}
    for csrf in (None, "", RunSecrets().csrf, secrets.token):
        data = dict(fields)
        data.pop(CSRF_FIELD)
        if csrf is not None:
            data[CSRF_FIELD] = csrf
        r = form_post(client, path, data)
        assert r.status_code == 403, (path, csrf)
        assert "CSRF" in r.text
    assert _entries(db) == []
    assert client.app.app.state.web.night is None  # type: ignore[attr-defined]


def test_the_same_post_with_the_csrf_token_is_accepted(
    client: TestClient, secrets: RunSecrets, db: Path
) -> None:
    r = form_post(client, "/diary", _diary_fields(secrets))
    assert r.status_code == 303
    assert [e["caffeine_cups"] for e in _entries(db)] == [2.0]


def test_a_post_that_is_not_a_form_is_refused(client: TestClient, secrets: RunSecrets) -> None:
    r = client.post(
        "/diary",
        json=_diary_fields(secrets),
        headers={"Origin": BASE_URL},
        follow_redirects=False,
    )
    assert r.status_code == 400


@pytest.mark.parametrize("path", [*PAGES, "/nope", "/morning/999"])
def test_every_answer_is_hardened(client: TestClient, path: str) -> None:
    r = client.get(path)
    csp = r.headers["content-security-policy"]
    assert csp == CONTENT_SECURITY_POLICY
    assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp
    assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["x-frame-options"] == "DENY"
    assert r.headers["cache-control"] == "no-store"


@pytest.mark.parametrize("path", ["/", "/morning", "/trend", "/diary", "/clinician"])
def test_pages_have_no_inline_script_or_style_and_no_remote_asset(
    client: TestClient, path: str
) -> None:
    html = client.get(path).text
    assert html.count("<script") == 1 and '<script src="/static/app.js"' in html
    assert "style=" not in html and "<style" not in html
    assert " on" + "click=" not in html and "javascript:" not in html
    assert "http://" not in html and "https://" not in html and 'src="//' not in html
