"""Fixtures of the web page's tests: a store with a recorded simulated night, a test client."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from rls_monitor.simulation import record_simulated_night
from rls_monitor.web.app import create_app
from rls_monitor.web.security import RunSecrets

#: The address the test client talks to (a Host header the server accepts).
BASE_URL = "http://127.0.0.1:8000"


@pytest.fixture(scope="session")
def recorded_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store holding one simulated, scored night of an hour (recorded once per session)."""
    path = tmp_path_factory.mktemp("web-store") / "nights.sqlite"
    record_simulated_night(path, duration_s=3600.0, speed="max", seed=3)
    return path


@pytest.fixture
def db(recorded_db: Path, tmp_path: Path) -> Path:
    """A copy of :func:`recorded_db` that a test may change."""
    path = tmp_path / "nights.sqlite"
    shutil.copy(recorded_db, path)
    return path


@pytest.fixture
def secrets() -> RunSecrets:
    """The run's secrets, known to the test."""
    return RunSecrets()


@pytest.fixture
def client(db: Path, secrets: RunSecrets) -> Iterator[TestClient]:
    """A client that has opened the page with its token (the cookie is set)."""
    app = create_app(db, secrets=secrets)
    with TestClient(app, base_url=BASE_URL, raise_server_exceptions=False) as c:
        first = c.get(f"/?token={secrets.token}", follow_redirects=False)
        assert first.status_code == 303
        yield c


def form_post(client: TestClient, path: str, data: dict[str, str]) -> Any:
    """A form post as the page itself sends it (its Origin), without following the redirect."""
    return client.post(path, data=data, headers={"Origin": BASE_URL}, follow_redirects=False)
